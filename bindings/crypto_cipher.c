/*
** crypto_cipher.c: lode.binding.crypto_cipher, the ciphers of lode.crypto
** (API.md 4 "crypto"): AES-128/192/256 in CBC, CTR and GCM, and
** ChaCha20-Poly1305, all Nettle (which uses the CPU's AES and carry-less
** multiply instructions). lua/lode/crypto/cipher.lua wraps these in the
** Cipheriv/Decipheriv classes (lazy Transforms) and adds the output
** encodings; this file only turns bytes into bytes.
**
** An object is a Lua table { [1] = state } (the same shape as a Hash,
** see crypto_hash.c); the state is a userdata with the Nettle context and
** no finalizer. Nettle wants whole blocks on every call but the last
** (CBC: 16 bytes, GCM: 16, ChaCha20-Poly1305: 64), so partial blocks
** wait in 'pend' until more data or final() arrives. Output still comes
** out as OpenSSL's (and so Node's) does: CTR keeps the unused keystream
** of its last block; GCM and ChaCha20-Poly1305 output a pending partial
** block from a copy of the context run over it (a block's keystream does
** not depend on the bytes after it), and run the real context over the
** whole block later; CBC decryption with padding holds back the last
** whole block until final() can strip the padding.
*/
#include <string.h>
#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <nettle/ctr.h>
#include <nettle/gcm.h>
#include <nettle/chacha-poly1305.h>
#include <nettle/memops.h>
#include "crypto_sym.h"

enum { M_CBC, M_CTR, M_GCM, M_CHACHA };
enum { S_INIT, S_DATA, S_DONE };   /* setAAD only in S_INIT */

typedef struct cipher_alg {
  const char *name;
  int mode, keylen, ivlen;         /* ivlen 0: any non-empty (GCM) */
} cipher_alg;

/* Node's names first (the getCiphers list), then OpenSSL's aliases. */
static const cipher_alg cipher_algs[] = {
  {"aes-128-cbc", M_CBC, 16, 16}, {"aes-128-ctr", M_CTR, 16, 16},
  {"aes-128-gcm", M_GCM, 16, 0}, {"aes-192-cbc", M_CBC, 24, 16},
  {"aes-192-ctr", M_CTR, 24, 16}, {"aes-192-gcm", M_GCM, 24, 0},
  {"aes-256-cbc", M_CBC, 32, 16}, {"aes-256-ctr", M_CTR, 32, 16},
  {"aes-256-gcm", M_GCM, 32, 0}, {"chacha20-poly1305", M_CHACHA, 32, 12},
  {NULL, 0, 0, 0},
  {"aes128", M_CBC, 16, 16}, {"aes192", M_CBC, 24, 16},
  {"aes256", M_CBC, 32, 16}, {"id-aes128-gcm", M_GCM, 16, 0},
  {"id-aes192-gcm", M_GCM, 24, 0}, {"id-aes256-gcm", M_GCM, 32, 0},
  {NULL, 0, 0, 0}
};

typedef struct cipher_box {
  const cipher_alg *alg;
  int decrypt, state, padding;
  int taglen;                      /* AEAD: tag bytes (getAuthTag) */
  int tagset;                      /* AEAD decipher: setAuthTag done */
  int tagfixed;                    /* authTagLength was given */
  unsigned block;                  /* whole-block size for 'pend' */
  unsigned npend, naad, kspos;
  nettle_cipher_func *f;           /* CBC/CTR: the AES block function */
  uint8_t iv[16];                  /* CBC chain value, CTR counter */
  uint8_t pend[64];                /* a partial block of input */
  uint8_t aad[16];                 /* GCM: a partial block of AAD */
  uint8_t ks[16];                  /* CTR: keystream of the last block */
  uint8_t tag[16];
  _Alignas(16) union {             /* Nettle's contexts: 16-aligned */
    struct aes128_ctx a128;
    struct aes192_ctx a192;
    struct aes256_ctx a256;
    struct gcm_aes128_ctx g128;
    struct gcm_aes192_ctx g192;
    struct gcm_aes256_ctx g256;
    struct chacha_poly1305_ctx cp;
  } u;
} cipher_box;

#define STATE_MT lua_upvalueindex(1)

/* The state of the Cipheriv/Decipheriv object at argument 1. */
#define cipher_self(L) ((cipher_box *)lode__crypto_self(L, "Cipher"))

static const cipher_alg *cipher_find (const char *s, size_t n) {
  char low[24];
  const cipher_alg *a;
  if (!lode__crypto_lower(s, n, low, sizeof low)) return NULL;
  for (a = cipher_algs; a < cipher_algs + sizeof cipher_algs /
       sizeof cipher_algs[0]; a++)
    if (a->name != NULL && strcmp(a->name, low) == 0) return a;
  return NULL;
}

/* {======== Nettle dispatch on key size */

static void gcm_key (cipher_box *c, const uint8_t *key) {
  switch (c->alg->keylen) {
    case 16: gcm_aes128_set_key(&c->u.g128, key); break;
    case 24: gcm_aes192_set_key(&c->u.g192, key); break;
    default: gcm_aes256_set_key(&c->u.g256, key);
  }
}

static void gcm_iv (cipher_box *c, size_t n, const uint8_t *iv) {
  switch (c->alg->keylen) {
    case 16: gcm_aes128_set_iv(&c->u.g128, n, iv); break;
    case 24: gcm_aes192_set_iv(&c->u.g192, n, iv); break;
    default: gcm_aes256_set_iv(&c->u.g256, n, iv);
  }
}

static void gcm_aad (cipher_box *c, size_t n, const uint8_t *p) {
  switch (c->alg->keylen) {
    case 16: gcm_aes128_update(&c->u.g128, n, p); break;
    case 24: gcm_aes192_update(&c->u.g192, n, p); break;
    default: gcm_aes256_update(&c->u.g256, n, p);
  }
}

static void gcm_run (cipher_box *c, size_t n, uint8_t *d, const uint8_t *s) {
  switch (c->alg->keylen + c->decrypt) {
    case 16: gcm_aes128_encrypt(&c->u.g128, n, d, s); break;
    case 17: gcm_aes128_decrypt(&c->u.g128, n, d, s); break;
    case 24: gcm_aes192_encrypt(&c->u.g192, n, d, s); break;
    case 25: gcm_aes192_decrypt(&c->u.g192, n, d, s); break;
    case 32: gcm_aes256_encrypt(&c->u.g256, n, d, s); break;
    default: gcm_aes256_decrypt(&c->u.g256, n, d, s);
  }
}

static void gcm_tag (cipher_box *c, uint8_t *tag) {
  switch (c->alg->keylen) {
    case 16: gcm_aes128_digest(&c->u.g128, 16, tag); break;
    case 24: gcm_aes192_digest(&c->u.g192, 16, tag); break;
    default: gcm_aes256_digest(&c->u.g256, 16, tag);
  }
}

/* CBC/CTR: the AES key schedule and block function for the direction. */
static void aes_key (cipher_box *c, const uint8_t *key) {
  int dec = c->alg->mode == M_CBC && c->decrypt;
  switch (c->alg->keylen) {
    case 16:
      if (dec) aes128_set_decrypt_key(&c->u.a128, key);
      else aes128_set_encrypt_key(&c->u.a128, key);
      c->f = (nettle_cipher_func *)(dec ? aes128_decrypt : aes128_encrypt);
      break;
    case 24:
      if (dec) aes192_set_decrypt_key(&c->u.a192, key);
      else aes192_set_encrypt_key(&c->u.a192, key);
      c->f = (nettle_cipher_func *)(dec ? aes192_decrypt : aes192_encrypt);
      break;
    default:
      if (dec) aes256_set_decrypt_key(&c->u.a256, key);
      else aes256_set_encrypt_key(&c->u.a256, key);
      c->f = (nettle_cipher_func *)(dec ? aes256_decrypt : aes256_encrypt);
  }
}

static void cbc_run (cipher_box *c, size_t n, uint8_t *d, const uint8_t *s) {
  if (c->decrypt) {
    cbc_decrypt(&c->u, c->f, 16, c->iv, n, d, s);
    return;
  }
  switch (c->alg->keylen) {   /* Nettle's CBC-encrypt loops in assembly */
    case 16: cbc_aes128_encrypt(&c->u.a128, c->iv, n, d, s); break;
    case 24: cbc_aes192_encrypt(&c->u.a192, c->iv, n, d, s); break;
    default: cbc_aes256_encrypt(&c->u.a256, c->iv, n, d, s);
  }
}

/* CTR over any length: the keystream left from a partial last block
** first, then whole blocks, then one more block for a partial tail. */
static void ctr_run (cipher_box *c, size_t n, uint8_t *d, const uint8_t *s) {
  static const uint8_t zero[16];
  size_t i, whole;
  while (n > 0 && c->kspos < 16) {
    *d++ = *s++ ^ c->ks[c->kspos++];
    n--;
  }
  whole = n & ~(size_t)15;
  if (whole > 0) ctr_crypt(&c->u, c->f, 16, c->iv, whole, d, s);
  if ((n -= whole) == 0) return;
  d += whole;
  s += whole;
  ctr_crypt(&c->u, c->f, 16, c->iv, 16, c->ks, zero);
  for (i = 0; i < n; i++) d[i] = s[i] ^ c->ks[i];
  c->kspos = (unsigned)n;
}

/* Runs n bytes through the mode: whole blocks, except on the last call
** of an AEAD mode. */
static void mode_run (cipher_box *c, size_t n, uint8_t *d,
                      const uint8_t *s) {
  if (n == 0) return;
  switch (c->alg->mode) {
    case M_CBC: cbc_run(c, n, d, s); break;
    case M_CTR: ctr_run(c, n, d, s); break;
    case M_GCM: gcm_run(c, n, d, s); break;
    default:
      if (c->decrypt) chacha_poly1305_decrypt(&c->u.cp, n, d, s);
      else chacha_poly1305_encrypt(&c->u.cp, n, d, s);
  }
}

/* }======== */

/* {======== Whole blocks and the partial one */

/* CBC decryption with padding keeps its last whole block back. */
#define HOLDS(c) ((c)->alg->mode == M_CBC && (c)->decrypt && (c)->padding)

#define IS_AEAD(c) ((c)->alg->mode == M_GCM || (c)->alg->mode == M_CHACHA)

/* Bytes that feeding len more bytes outputs now (see cipher_feed). */
static size_t feed_size (const cipher_box *c, size_t len) {
  size_t b = c->block, p = c->npend, out = 0, n, k;
  if (c->alg->mode == M_CTR || IS_AEAD(c)) return len;
  if (p > 0) {
    k = b - p < len ? b - p : len;
    p += k;
    len -= k;
    if (p < b || (HOLDS(c) && len == 0)) return 0;
    out = b;
  }
  n = len / b * b;
  if (HOLDS(c) && n == len && n > 0) n -= b;
  return out + n;
}

/* AEAD: writes the output for pending bytes [from, npend) at d, from a
** copy of the context run over the partial block. */
static void aead_peek (const cipher_box *c, uint8_t *d, unsigned from) {
  cipher_box t = *c;
  uint8_t out[64];
  mode_run(&t, t.npend, out, t.pend);
  memcpy(d, out + from, c->npend - from);
}

/* AEAD: every byte comes out now; partial blocks stay pending (their
** output so far came from aead_peek). */
static void aead_feed (cipher_box *c, uint8_t *d, const uint8_t *s,
                       size_t len) {
  size_t b = c->block, n, k;
  unsigned from = c->npend;
  uint8_t out[64];
  if (from > 0) {
    k = b - from < len ? b - from : len;
    memcpy(c->pend + from, s, k);
    c->npend += (unsigned)k;
    s += k;
    len -= k;
    if (c->npend < b) {
      aead_peek(c, d, from);
      return;
    }
    mode_run(c, b, out, c->pend);
    memcpy(d, out + from, b - from);
    d += b - from;
    c->npend = 0;
  }
  n = len / b * b;
  mode_run(c, n, d, s);
  if ((c->npend = (unsigned)(len - n)) == 0) return;
  memcpy(c->pend, s + n, len - n);
  aead_peek(c, d + n, 0);
}

/* Feeds len bytes: completes a pending block, runs the whole blocks,
** keeps the rest pending. Writes feed_size(c, len) bytes at d. */
static void cipher_feed (cipher_box *c, uint8_t *d, const uint8_t *s,
                         size_t len) {
  size_t b = c->block, n, k;
  if (c->alg->mode == M_CTR) {
    ctr_run(c, len, d, s);
    return;
  }
  if (IS_AEAD(c)) {
    aead_feed(c, d, s, len);
    return;
  }
  if (c->npend > 0) {
    k = b - c->npend < len ? b - c->npend : len;
    memcpy(c->pend + c->npend, s, k);
    c->npend += (unsigned)k;
    s += k;
    len -= k;
    if (c->npend < b || (HOLDS(c) && len == 0)) return;
    mode_run(c, b, d, c->pend);
    d += b;
    c->npend = 0;
  }
  n = len / b * b;
  if (HOLDS(c) && n == len && n > 0) n -= b;
  mode_run(c, n, d, s);
  memcpy(c->pend, s + n, len - n);
  c->npend = (unsigned)(len - n);
}

/* The first data (or final) ends the AAD: GCM's partial AAD block goes
** to Nettle now. */
static void cipher_start (cipher_box *c) {
  if (c->state != S_INIT) return;
  if (c->alg->mode == M_GCM && c->naad > 0) gcm_aad(c, c->naad, c->aad);
  c->naad = 0;
  c->state = S_DATA;
}

/* }======== */

/* {======== Module functions */

static int tag_ok (const cipher_box *c, lua_Integer n) {
  if (c->alg->mode == M_CHACHA) return n >= 1 && n <= 16;
  return n == 4 || n == 8 || (n >= 12 && n <= 16);
}

static void cipher_setup (lua_State *L, cipher_box *c, const uint8_t *key,
                          const uint8_t *iv, size_t ivlen) {
  c->padding = 1;
  c->block = c->alg->mode == M_CHACHA ? 64 : 16;
  c->kspos = 16;
  c->taglen = 16;
  if (!lua_isnoneornil(L, 6)) {
    lua_Integer n = luaL_checkinteger(L, 6);
    if ((c->alg->mode == M_GCM || c->alg->mode == M_CHACHA) &&
        !tag_ok(c, n))
      lode__crypto_throw(L, "taglen", lua_tostring(L, 6), 0);
    c->taglen = (int)n;
    c->tagfixed = 1;
  }
  switch (c->alg->mode) {
    case M_GCM:
      gcm_key(c, key);
      gcm_iv(c, ivlen, iv);
      break;
    case M_CHACHA:
      chacha_poly1305_set_key(&c->u.cp, key);
      chacha_poly1305_set_nonce(&c->u.cp, iv);
      break;
    default:
      aes_key(c, key);
      memcpy(c->iv, iv, 16);
  }
}

/* new(Class, name, key, iv, decrypt, authTagLength): the Lua side has
** checked the argument types; the algorithm and lengths are checked
** here. */
static int cipher_new (lua_State *L) {
  size_t n, klen, ivlen = 0;
  const char *name = luaL_checklstring(L, 2, &n);
  const cipher_alg *a = cipher_find(name, n);
  const uint8_t *key, *iv = NULL;
  cipher_box *c;
  luaL_checktype(L, 1, LUA_TTABLE);
  if (a == NULL) return lode__crypto_throw(L, "cipher", name, 2);
  key = lode__crypto_bytes(L, 3, 0, "key", &klen);
  if (!lua_isnoneornil(L, 4)) iv = lode__crypto_bytes(L, 4, 0, "iv", &ivlen);
  if (klen != (size_t)a->keylen) return lode__crypto_throw(L, "keylen", 0, 0);
  if (iv == NULL || (a->ivlen ? ivlen != (size_t)a->ivlen : ivlen == 0))
    return lode__crypto_throw(L, "iv", NULL, 0);
  lua_createtable(L, 1, 0);
  c = (cipher_box *)lua_newuserdatauv(L, sizeof *c, 0);
  memset(c, 0, sizeof *c);
  c->alg = a;
  c->decrypt = lua_toboolean(L, 5);
  lua_pushvalue(L, STATE_MT);
  lua_setmetatable(L, -2);
  lua_rawseti(L, -2, 1);
  lua_pushvalue(L, 1);
  lua_setmetatable(L, -2);
  cipher_setup(L, c, key, iv, ivlen);
  return 1;
}

/* c:update(data, inputEncoding): a Buffer of the output so far. */
static int cipher_update (lua_State *L) {
  cipher_box *c = cipher_self(L);
  size_t n;
  const uint8_t *p;
  uint8_t *d;
  if (c->state == S_DONE) return lode__crypto_throw(L, "unsupported", 0, 0);
  p = lode__crypto_bytes(L, 2, 3, "data", &n);
  cipher_start(c);
  d = lode__crypto_buffer(L, feed_size(c, n));
  cipher_feed(c, d, p, n);
  return 1;
}

/* CBC's last block: pads, or checks and strips the padding (in constant
** time). Returns the output length or -1 for a bad decrypt. */
static int cbc_final (cipher_box *c, uint8_t *out) {
  unsigned pad, bad, i;
  if (!c->decrypt) {
    pad = 16 - c->npend;
    memset(c->pend + c->npend, (int)pad, pad);
    cbc_run(c, 16, out, c->pend);
    return 16;
  }
  cbc_run(c, 16, out, c->pend);
  pad = out[15];
  bad = (pad - 1) >> 8 | (16 - pad) >> 8;          /* pad not in 1..16 */
  for (i = 0; i < 16; i++)
    bad |= ((15 - i - pad) >> 8 & 1) * (out[i] ^ pad);  /* i >= 16-pad */
  return bad ? -1 : (int)(16 - pad);
}

/* c:final(): the last output as a Buffer; for a decipher of an AEAD
** mode, raises unless the tag matches. */
static int cipher_final (lua_State *L) {
  cipher_box *c = cipher_self(L);
  uint8_t out[64], tag[16];
  int n = 0;
  if (c->state == S_DONE) return lode__crypto_throw(L, "state", NULL, 0);
  cipher_start(c);
  c->state = S_DONE;
  if (c->alg->mode == M_CBC) {
    if (c->padding && (c->decrypt ? c->npend != 16 : 0))
      return lode__crypto_throw(L, "finallen", NULL, 0);
    if (!c->padding && c->npend != 0 && c->npend != 16)
      return lode__crypto_throw(L, "finallen", NULL, 0);
    if (c->padding) n = cbc_final(c, out);
    else if (c->npend) cbc_run(c, n = 16, out, c->pend);
    if (n < 0) return lode__crypto_throw(L, "baddecrypt", NULL, 0);
  } else if (c->alg->mode != M_CTR) {     /* AEAD: pend was output */
    mode_run(c, c->npend, out, c->pend);
    if (c->alg->mode == M_GCM) gcm_tag(c, tag);
    else chacha_poly1305_digest(&c->u.cp, 16, tag);
    if (!c->decrypt) memcpy(c->tag, tag, 16);
    else if (!c->tagset || !memeql_sec(tag, c->tag, (size_t)c->taglen))
      return lode__crypto_throw(L, "auth", NULL, 0);
  }
  memcpy(lode__crypto_buffer(L, (size_t)n), out, (size_t)n);
  return 1;
}

/* c:setAutoPadding(on): CBC only; others ignore it, as OpenSSL. */
static int cipher_set_auto_padding (lua_State *L) {
  cipher_box *c = cipher_self(L);
  if (c->state == S_DONE)
    return lode__crypto_throw(L, "state", "setAutoPadding", 0);
  c->padding = lua_toboolean(L, 2);     /* none: off, as Node 20 (!!ap) */
  lua_settop(L, 1);
  return 1;
}

/* c:setAAD(data): AEAD modes, before any data. */
static int cipher_set_aad (lua_State *L) {
  cipher_box *c = cipher_self(L);
  size_t n, k;
  const uint8_t *p;
  int mode = c->alg->mode;
  if (c->state != S_INIT || (mode != M_GCM && mode != M_CHACHA))
    return lode__crypto_throw(L, "state", "setAAD", 0);
  p = lode__crypto_bytes(L, 2, 0, "buffer", &n);
  if (mode == M_CHACHA) chacha_poly1305_update(&c->u.cp, n, p);
  else {
    if (c->naad > 0) {
      k = 16 - c->naad < n ? 16 - c->naad : n;
      memcpy(c->aad + c->naad, p, k);
      c->naad += (unsigned)k;
      p += k;
      n -= k;
      if (c->naad < 16) goto done;
      gcm_aad(c, 16, c->aad);
      c->naad = 0;
    }
    gcm_aad(c, n & ~(size_t)15, p);
    memcpy(c->aad, p + (n & ~(size_t)15), n & 15);
    c->naad = (unsigned)(n & 15);
  }
done:
  lua_settop(L, 1);
  return 1;
}

/* c:getAuthTag(): a cipher's tag, after final(). */
static int cipher_get_auth_tag (lua_State *L) {
  cipher_box *c = cipher_self(L);
  if (!IS_AEAD(c) || c->decrypt || c->state != S_DONE)
    return lode__crypto_throw(L, "state", "getAuthTag", 0);
  memcpy(lode__crypto_buffer(L, (size_t)c->taglen), c->tag,
         (size_t)c->taglen);
  return 1;
}

/* c:setAuthTag(tag): a decipher's expected tag, before final(). */
static int cipher_set_auth_tag (lua_State *L) {
  cipher_box *c = cipher_self(L);
  size_t n;
  const uint8_t *p;
  if (!IS_AEAD(c) || !c->decrypt || c->state == S_DONE || c->tagset)
    return lode__crypto_throw(L, "state", "setAuthTag", 0);
  p = lode__crypto_bytes(L, 2, 0, "buffer", &n);
  if ((c->tagfixed && n != (size_t)c->taglen) || !tag_ok(c, (lua_Integer)n)) {
    lua_pushinteger(L, (lua_Integer)n);
    return lode__crypto_throw(L, "taglen", lua_tostring(L, -1), 0);
  }
  memcpy(c->tag, p, n);
  c->taglen = (int)n;
  c->tagset = 1;
  lua_settop(L, 1);
  return 1;
}

/* names(): getCiphers. */
static int cipher_names (lua_State *L) {
  int i;
  lua_newtable(L);
  for (i = 0; cipher_algs[i].name != NULL; i++) {
    lua_pushstring(L, cipher_algs[i].name);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* info(name): key and IV lengths and mode of a cipher, or nil. */
static int cipher_info (lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  const cipher_alg *a = cipher_find(s, n);
  static const char *const modes[] = {"cbc", "ctr", "gcm", "stream"};
  if (a == NULL) return 0;
  lua_createtable(L, 0, 4);
  lua_pushstring(L, a->name);
  lua_setfield(L, -2, "name");
  lua_pushinteger(L, a->keylen);
  lua_setfield(L, -2, "keyLength");
  lua_pushinteger(L, a->ivlen ? a->ivlen : 12);
  lua_setfield(L, -2, "ivLength");
  lua_pushstring(L, modes[a->mode]);
  lua_setfield(L, -2, "mode");
  return 1;
}

static const luaL_Reg cipher_funcs[] = {
  {"new", cipher_new}, {"update", cipher_update}, {"final", cipher_final},
  {"setAutoPadding", cipher_set_auto_padding},
  {"setAAD", cipher_set_aad}, {"getAuthTag", cipher_get_auth_tag},
  {"setAuthTag", cipher_set_auth_tag}, {"names", cipher_names},
  {"info", cipher_info}, {"init", lode__crypto_init}, {NULL, NULL}
};

int luaopen_lode_binding_crypto_cipher (lua_State *L) {
  lua_newtable(L);
  luaL_newmetatable(L, "lode.crypto.CipherState");
  luaL_setfuncs(L, cipher_funcs, 1);
  return 1;
}

/* }======== */
