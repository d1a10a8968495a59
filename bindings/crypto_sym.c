/*
** crypto_sym.c: the part the symmetric crypto bindings share (see
** crypto_sym.h): the digest name table, generic HMAC, byte arguments,
** output encodings and error raising. No luaopen: it is a part of
** crypto_hash, crypto_cipher and crypto_kdf alike.
*/
#include <stdlib.h>
#include <string.h>
#include <nettle/hmac.h>
#include "crypto_sym.h"
#include "buffer_bytes.h"

/* Registry keys (addresses, STYLE.md rule 8). */
static const char key_err = 0, key_alloc = 0;

/* {======== Digest names */

/* Node's names first (the getHashes list), then aliases OpenSSL also
** accepts. Most used first: createHash scans this table. */
static const struct hash_name {
  const char *name;
  const struct nettle_hash *h;
  int alias;
} hash_names[] = {
  {"sha256", &nettle_sha256, 0}, {"sha1", &nettle_sha1, 0},
  {"sha512", &nettle_sha512, 0}, {"md5", &nettle_md5, 0},
  {"sha384", &nettle_sha384, 0}, {"sha224", &nettle_sha224, 0},
  {"sha512-256", &nettle_sha512_256, 0},
  {"sha512-224", &nettle_sha512_224, 0},
  {"sha3-256", &nettle_sha3_256, 0}, {"sha3-512", &nettle_sha3_512, 0},
  {"sha3-224", &nettle_sha3_224, 0}, {"sha3-384", &nettle_sha3_384, 0},
  {"ripemd160", &nettle_ripemd160, 0},
  {"sha-256", &nettle_sha256, 1}, {"sha-1", &nettle_sha1, 1},
  {"sha-512", &nettle_sha512, 1}, {"sha-384", &nettle_sha384, 1},
  {"sha-224", &nettle_sha224, 1}, {"sha2-256", &nettle_sha256, 1},
  {"sha2-512", &nettle_sha512, 1}, {"sha2-384", &nettle_sha384, 1},
  {"sha2-224", &nettle_sha224, 1},
  {"sha512/256", &nettle_sha512_256, 1},
  {"sha-512/256", &nettle_sha512_256, 1},
  {"sha512/224", &nettle_sha512_224, 1},
  {"sha-512/224", &nettle_sha512_224, 1},
  {"rsa-sha256", &nettle_sha256, 1}, {"rsa-sha1", &nettle_sha1, 1},
  {"rsa-sha512", &nettle_sha512, 1}, {"rsa-sha384", &nettle_sha384, 1},
  {"rsa-sha224", &nettle_sha224, 1}, {"rsa-md5", &nettle_md5, 1},
  {"rsa-sha512/256", &nettle_sha512_256, 1},
  {"rsa-sha512/224", &nettle_sha512_224, 1},
  {"rsa-sha3-256", &nettle_sha3_256, 1},
  {"rsa-sha3-512", &nettle_sha3_512, 1},
  {"rsa-ripemd160", &nettle_ripemd160, 1},
  {"ripemd-160", &nettle_ripemd160, 1}, {"ripemd", &nettle_ripemd160, 1},
  {"rmd160", &nettle_ripemd160, 1},
};
#define HASH_COUNT (sizeof hash_names / sizeof hash_names[0])

int lode__crypto_lower (const char *s, size_t n, char *out, size_t size) {
  size_t i;
  if (n == 0 || n >= size) return 0;
  for (i = 0; i < n; i++)
    out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
  out[n] = '\0';
  return 1;
}

const struct nettle_hash *lode__crypto_hash (const char *s, size_t n) {
  char low[24];
  size_t i;
  if (!lode__crypto_lower(s, n, low, sizeof low)) return NULL;
  for (i = 0; i < HASH_COUNT; i++)
    if (strcmp(hash_names[i].name, low) == 0) return hash_names[i].h;
  return NULL;
}

static int name_cmp (const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void lode__crypto_hash_names (lua_State *L) {
  const char *list[HASH_COUNT];
  size_t i, n = 0;
  for (i = 0; i < HASH_COUNT; i++)
    if (!hash_names[i].alias) list[n++] = hash_names[i].name;
  qsort(list, n, sizeof list[0], name_cmp);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_pushstring(L, list[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* }======== */

/* {======== HMAC over a nettle_hash (Nettle's hmac_set_key/digest) */

#define HMAC_CTX_SIZE(h) (((h)->context_size + 7) & ~(size_t)7)
#define HMAC_OUTER(m) ((void *)(m)->ctx)
#define HMAC_INNER(m) ((void *)((char *)(m)->ctx + HMAC_CTX_SIZE((m)->h)))
#define HMAC_STATE(m) \
  ((void *)((char *)(m)->ctx + 2 * HMAC_CTX_SIZE((m)->h)))

size_t lode__hmac_size (const struct nettle_hash *h) {
  return sizeof(lode_hmac) + 3 * HMAC_CTX_SIZE(h);
}

void lode__hmac_key (lode_hmac *m, const struct nettle_hash *h,
                     size_t len, const uint8_t *key) {
  m->h = h;
  hmac_set_key(HMAC_OUTER(m), HMAC_INNER(m), HMAC_STATE(m), h, len, key);
}

void lode__hmac_update (void *p, size_t len, const uint8_t *data) {
  lode_hmac *m = (lode_hmac *)p;
  m->h->update(HMAC_STATE(m), len, data);
}

/* Leaves the state ready for the next message with the same key. */
void lode__hmac_digest (void *p, size_t len, uint8_t *out) {
  lode_hmac *m = (lode_hmac *)p;
  hmac_digest(HMAC_OUTER(m), HMAC_INNER(m), HMAC_STATE(m), m->h, len, out);
}

/* }======== */

/* {======== Errors, arguments, results */

/* init(make_error, alloc_unsafe): alloc_unsafe(n, false) is the buffer
** binding's alloc, which skips the zeroing of lode_buffer_new. */
int lode__crypto_init (lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_alloc);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_err);
  return 0;
}

void lode__crypto_error (lua_State *L, const char *kind, const char *detail,
                         int idx) {
  idx = idx == 0 ? 0 : lua_absindex(L, idx);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &key_err) != LUA_TFUNCTION) {
    lua_pop(L, 1);
    lua_pushfstring(L, "lode.crypto: %s %s", kind, detail ? detail : "");
    return;
  }
  lua_pushstring(L, kind);
  lua_pushstring(L, detail);
  if (idx) lua_pushvalue(L, idx);
  else lua_pushnil(L);
  lua_call(L, 3, 1);
}

int lode__crypto_throw (lua_State *L, const char *kind, const char *detail,
                        int idx) {
  lode__crypto_error(L, kind, detail, idx);
  return lua_error(L);
}

void *lode__crypto_self (lua_State *L, const char *cls) {
  void *p = NULL;
  if (lua_type(L, 1) == LUA_TTABLE) {
    if (lua_rawgeti(L, 1, 1) == LUA_TUSERDATA && lua_getmetatable(L, -1)) {
      if (lua_rawequal(L, -1, lua_upvalueindex(1))) p = lua_touserdata(L, -2);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  if (p == NULL) lode__crypto_throw(L, "this", cls, 1);
  return p;
}

/* The encoding at argument enc, or -1 for none/nil/unknown/"buffer". */
static int enc_at (lua_State *L, int enc) {
  size_t n;
  const char *s;
  if (enc == 0 || lua_type(L, enc) != LUA_TSTRING) return -1;
  s = lua_tolstring(L, enc, &n);
  return lode__enc_find(s, n);
}

const uint8_t *lode__crypto_bytes (lua_State *L, int idx, int enc,
                                   const char *name, size_t *len) {
  size_t n, cap;
  const char *s;
  uint8_t *d;
  int e;
  if (lua_type(L, idx) != LUA_TSTRING) {
    s = lode_tobuffer(L, idx, len);
    if (s == NULL) lode__crypto_throw(L, "type", name, idx);
    return (const uint8_t *)s;
  }
  s = lua_tolstring(L, idx, &n);
  e = enc_at(L, enc);
  if (e < 0 || e == ENC_UTF8) {
    *len = n;
    return (const uint8_t *)s;
  }
  if (e == ENC_HEX && n % 2 != 0) lode__crypto_throw(L, "encoding", NULL, idx);
  cap = lode__enc_len(e, s, n);
  d = (uint8_t *)lua_newuserdatauv(L, cap > 0 ? cap : 1, 0);
  *len = lode__enc_write(e, (char *)d, cap, s, n);
  return d;
}

void lode__crypto_push (lua_State *L, const uint8_t *p, size_t n, int enc) {
  int e = enc_at(L, enc);
  if (e < 0) memcpy(lode__crypto_buffer(L, n), p, n);
  else lode__enc_push(L, e, (const char *)p, n);
}

uint8_t *lode__crypto_buffer (lua_State *L, size_t len) {
  size_t n;
  char *p;
  if (len <= 4096 ||
      lua_rawgetp(L, LUA_REGISTRYINDEX, &key_alloc) != LUA_TFUNCTION) {
    if (len > 4096) lua_pop(L, 1);
    return (uint8_t *)lode_buffer_new(L, len);
  }
  lua_pushinteger(L, (lua_Integer)len);
  lua_pushboolean(L, 0);
  lua_call(L, 2, 1);
  p = lode_tobuffer(L, -1, &n);
  if (p == NULL || n != len) luaL_error(L, "not enough memory");
  return (uint8_t *)p;
}

/* }======== */
