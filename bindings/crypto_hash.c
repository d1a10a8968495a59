/*
** crypto_hash.c: lode.binding.crypto_hash, the digests and HMACs of
** lode.crypto (API.md 4 "crypto"): createHash, createHmac, their update,
** digest and copy, the one-shot crypto.hash, timingSafeEqual and the
** getHashes list. Every algorithm goes through Nettle's nettle_hash
** descriptor (crypto_sym.c), so there is no per-algorithm glue.
**
** A Hash (or Hmac) is a Lua table { [1] = state } whose metatable is the
** Lua class (a lazy Transform: lua/lode/crypto/hash.lua); the state is a
** userdata holding the Nettle context, with no finalizer (it owns no
** memory outside itself). It is a table, not a bare userdata, because
** the stream and emitter code keeps its fields in the object itself. The
** class table holds these C functions directly, so `h:update(x)` costs
** one table lookup and one C call. createHash, update and digest check
** their own arguments: they are the small-message hot path.
*/
#include <string.h>
#include <nettle/memops.h>
#include "crypto_sym.h"

typedef struct hash_box {
  const struct nettle_hash *h;
  int hmac;                    /* an Hmac: ctx is a lode_hmac */
  int done;                    /* digest() was called */
  uint64_t ctx[];              /* the Nettle context (8-aligned) */
} hash_box;

#define STATE_MT lua_upvalueindex(1)     /* every function closes over */
#define MAX_DIGEST 64

/* Registry keys: the Lua classes for Hash and Hmac objects. */
static const char key_hash = 0, key_hmac = 0;

/* The state of the Hash/Hmac object at argument 1. */
#define hash_self(L) ((hash_box *)lode__crypto_self(L, "Hash"))

/* Pushes a new object of the class at registry key 'cls' around a new
** state of 'size' bytes; returns the state. */
static hash_box *hash_push (lua_State *L, const char *cls, size_t size) {
  hash_box *b;
  lua_createtable(L, 1, 0);
  b = (hash_box *)lua_newuserdatauv(L, size, 0);
  lua_pushvalue(L, STATE_MT);
  lua_setmetatable(L, -2);
  lua_rawseti(L, -2, 1);
  lua_rawgetp(L, LUA_REGISTRYINDEX, cls);
  lua_setmetatable(L, -2);
  return b;
}

/* Keeps options for the stream side (Hash._streamInit reads them). */
static void hash_options (lua_State *L, int idx) {
  if (lua_isnoneornil(L, idx)) return;
  lua_pushvalue(L, idx);
  lua_setfield(L, -2, "_options");
}

/* The digest named by argument 1, which must be a string. */
static const struct nettle_hash *hash_alg (lua_State *L, const char *arg,
                                           const char *unknown) {
  size_t n;
  const char *s;
  const struct nettle_hash *h;
  if (lua_type(L, 1) != LUA_TSTRING) lode__crypto_throw(L, "type", arg, 1);
  s = lua_tolstring(L, 1, &n);
  if ((h = lode__crypto_hash(s, n)) == NULL)
    lode__crypto_throw(L, unknown, s, 1);
  return h;
}

/* new(alg, options) is crypto.createHash. */
static int hash_new (lua_State *L) {
  const struct nettle_hash *h = hash_alg(L, "algorithm", "digest");
  hash_box *b;
  lua_settop(L, 2);                       /* the object goes above */
  b = hash_push(L, &key_hash, sizeof(hash_box) + h->context_size);
  b->h = h;
  b->hmac = b->done = 0;
  h->init(b->ctx);
  hash_options(L, 2);
  return 1;
}

/* hmac(alg, key, options) is crypto.createHmac. */
static int hash_hmac (lua_State *L) {
  const struct nettle_hash *h = hash_alg(L, "hmac", "invaliddigest");
  size_t klen;
  const uint8_t *key;
  hash_box *b;
  lua_settop(L, 3);
  key = lode__crypto_bytes(L, 2, 0, "key", &klen);
  b = hash_push(L, &key_hmac, sizeof(hash_box) + lode__hmac_size(h));
  b->h = h;
  b->hmac = 1;
  b->done = 0;
  lode__hmac_key((lode_hmac *)b->ctx, h, klen, key);
  hash_options(L, 3);
  return 1;
}

/* h:update(data, inputEncoding) returns h. */
static int hash_update (lua_State *L) {
  hash_box *b = hash_self(L);
  size_t n;
  const uint8_t *p;
  if (b->done) return lode__crypto_throw(L, "finalized", NULL, 0);
  p = lode__crypto_bytes(L, 2, 3, "data", &n);
  if (b->hmac) lode__hmac_update(b->ctx, n, p);
  else b->h->update(b->ctx, n, p);
  lua_settop(L, 1);
  return 1;
}

/* h:digest(encoding): a Buffer without an encoding. A second digest of
** a Hash raises; of an Hmac it gives empty output, as Node. */
static int hash_digest (lua_State *L) {
  hash_box *b = hash_self(L);
  uint8_t out[MAX_DIGEST];
  size_t n = b->h->digest_size;
  if (b->done) {
    if (!b->hmac) return lode__crypto_throw(L, "finalized", NULL, 0);
    n = 0;
  } else if (b->hmac) lode__hmac_digest(b->ctx, n, out);
  else b->h->digest(b->ctx, n, out);
  b->done = 1;
  lode__crypto_push(L, out, n, 2);
  return 1;
}

/* h:copy(options): a new Hash in the same state. */
static int hash_copy (lua_State *L) {
  hash_box *b = hash_self(L), *c;
  size_t size = sizeof(hash_box) + b->h->context_size;
  if (b->done) return lode__crypto_throw(L, "finalized", NULL, 0);
  if (b->hmac) return lode__crypto_throw(L, "this", "Hash", 1);
  lua_settop(L, 2);
  c = hash_push(L, &key_hash, size);
  memcpy(c, b, size);
  hash_options(L, 2);
  return 1;
}

/* hash(alg, data, outputEncoding) is crypto.hash: hex by default. */
static int hash_oneshot (lua_State *L) {
  const struct nettle_hash *h = hash_alg(L, "algorithm", "hashfn");
  uint64_t ctx[128];
  uint8_t out[MAX_DIGEST];
  size_t n;
  const uint8_t *p = lode__crypto_bytes(L, 2, 0, "input", &n);
  if (!lua_isnoneornil(L, 3) && lua_type(L, 3) != LUA_TSTRING)
    return lode__crypto_throw(L, "type", "outputEncoding", 3);
  if (lua_isnoneornil(L, 3)) {
    lua_settop(L, 2);
    lua_pushliteral(L, "hex");
  }
  h->init(ctx);
  h->update(ctx, n, p);
  h->digest(ctx, h->digest_size, out);
  lode__crypto_push(L, out, h->digest_size, 3);
  return 1;
}

/* timing_safe_equal(a, b): both Buffers or strings of one length (the
** Lua side checks); compares in constant time. */
static int hash_timing_safe_equal (lua_State *L) {
  size_t na, nb;
  const char *a = lode_checkbytes(L, 1, &na);
  const char *b = lode_checkbytes(L, 2, &nb);
  lua_pushboolean(L, na == nb && memeql_sec(a, b, na));
  return 1;
}

static int hash_names (lua_State *L) {
  lode__crypto_hash_names(L);
  return 1;
}

/* classes(Hash, Hmac): the Lua classes new objects get. */
static int hash_classes (lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_hmac);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_hash);
  return 0;
}

static const luaL_Reg hash_funcs[] = {
  {"new", hash_new}, {"hmac", hash_hmac}, {"update", hash_update},
  {"digest", hash_digest}, {"copy", hash_copy}, {"hash", hash_oneshot},
  {"timing_safe_equal", hash_timing_safe_equal}, {"names", hash_names},
  {"classes", hash_classes}, {"init", lode__crypto_init}, {NULL, NULL}
};

int luaopen_lode_binding_crypto_hash (lua_State *L) {
  lua_newtable(L);
  luaL_newmetatable(L, "lode.crypto.HashState");
  lua_pushliteral(L, "lode.crypto.HashState");
  lua_setfield(L, -2, "__name");
  luaL_setfuncs(L, hash_funcs, 1);
  return 1;
}
