/*
** crypto_kdf.c: lode.binding.crypto_kdf, the key derivation functions of
** lode.crypto (API.md 4 "crypto"): PBKDF2 and HKDF over any digest of
** the table in crypto_sym.c (Nettle's generic pbkdf2/hkdf with our HMAC)
** and scrypt (libscrypt-kdf, Tarsnap's). lua/lode/crypto/kdf.lua checks
** the arguments; the scrypt parameter limits are checked here, before
** libscrypt-kdf is called, with OpenSSL's (and so Node's) rules.
**
** Each call is one job that runs inline without a callback and on
** libuv's thread pool (uv_queue_work) with one. The job owns malloc'd
** copies of its inputs (passwords are small; copying frees the Lua values
** at once) and its output, which a Buffer adopts without a copy (STYLE.md
** rule 12). The work callback runs Nettle or libscrypt-kdf on that C
** memory only: no Lua value is touched off the loop thread.
*/
#include <stdlib.h>
#include <string.h>
#include <nettle/pbkdf2.h>
#include <nettle/hkdf.h>
#include <scrypt-kdf.h>
#include "crypto_sym.h"

enum { K_PBKDF2, K_HKDF, K_SCRYPT };

typedef struct kdf_job {
  lode_req r;                  /* request box header: must come first */
  uv_work_t work;
  int kind, async, failed;
  const struct nettle_hash *h; /* PBKDF2, HKDF */
  unsigned iter;               /* PBKDF2 */
  uint64_t n;                  /* scrypt: N, r, p */
  uint32_t sr, sp;
  uint8_t *in;                 /* one malloc'd block: pass, salt, info */
  size_t npass, nsalt, ninfo;
  uint8_t *out;                /* malloc'd; handed to a Buffer */
  size_t nout;
} kdf_job;

#define JOB(w) ((kdf_job *)((char *)(w) - offsetof(kdf_job, work)))

static void job_free (kdf_job *j) {
  if (j->in != NULL) {
    memset(j->in, 0, j->npass + j->nsalt + j->ninfo);
    free(j->in);
  }
  free(j->out);
  j->in = j->out = NULL;
}

/* The digest named by argument idx (a string: the Lua side checks). */
static const struct nettle_hash *kdf_digest (lua_State *L, int idx) {
  size_t n;
  const char *s = luaL_checklstring(L, idx, &n);
  const struct nettle_hash *h = lode__crypto_hash(s, n);
  if (h == NULL) lode__crypto_throw(L, "invaliddigest", s, 0);
  return h;
}

/* Copies the byte arguments a, b, c (0: none) into one block. */
static void job_inputs (lua_State *L, kdf_job *j, int a, int b, int c) {
  const uint8_t *pa, *pb, *pc = NULL;
  pa = lode__crypto_bytes(L, a, 0, "password", &j->npass);
  pb = lode__crypto_bytes(L, b, 0, "salt", &j->nsalt);
  if (c) pc = lode__crypto_bytes(L, c, 0, "info", &j->ninfo);
  j->in = (uint8_t *)malloc(j->npass + j->nsalt + j->ninfo + 1);
  j->out = (uint8_t *)malloc(j->nout + 1);
  if (j->in == NULL || j->out == NULL) {
    job_free(j);
    luaL_error(L, "not enough memory");
  }
  memcpy(j->in, pa, j->npass);
  memcpy(j->in + j->npass, pb, j->nsalt);
  if (c) memcpy(j->in + j->npass + j->nsalt, pc, j->ninfo);
}

/* {======== The work: C memory only, any thread */

static int run_pbkdf2 (kdf_job *j) {
  lode_hmac *m = (lode_hmac *)malloc(lode__hmac_size(j->h));
  if (m == NULL) return -1;
  lode__hmac_key(m, j->h, j->npass, j->in);
  if (j->nout > 0)
    pbkdf2(m, lode__hmac_update, lode__hmac_digest, j->h->digest_size,
           j->iter, j->nsalt, j->in + j->npass, j->nout, j->out);
  free(m);
  return 0;
}

/* RFC 5869: PRK = HMAC(salt, IKM), then the expansion keyed by PRK. An
** empty salt is HashLen zeros, which HMAC's key padding gives anyway. */
static int run_hkdf (kdf_job *j) {
  uint8_t prk[64];
  lode_hmac *m = (lode_hmac *)malloc(lode__hmac_size(j->h));
  if (m == NULL) return -1;
  lode__hmac_key(m, j->h, j->nsalt, j->in + j->npass);
  hkdf_extract(m, lode__hmac_update, lode__hmac_digest, j->h->digest_size,
               j->npass, j->in, prk);
  lode__hmac_key(m, j->h, j->h->digest_size, prk);
  hkdf_expand(m, lode__hmac_update, lode__hmac_digest, j->h->digest_size,
              j->ninfo, j->in + j->npass + j->nsalt, j->nout, j->out);
  memset(prk, 0, sizeof prk);
  free(m);
  return 0;
}

static void job_run (kdf_job *j) {
  int rc;
  switch (j->kind) {
    case K_PBKDF2: rc = run_pbkdf2(j); break;
    case K_HKDF: rc = run_hkdf(j); break;
    default:
      rc = scrypt_kdf(j->in, j->npass, j->in + j->npass, j->nsalt, j->n,
                      j->sr, j->sp, j->out, j->nout);
  }
  j->failed = rc != 0;
}

static void job_work (uv_work_t *w) {
  job_run(JOB(w));
}

/* }======== */

/* make_error(kind, "memory limit exceeded"), run under lua_pcall. */
static int job_error (lua_State *L) {
  lode__crypto_error(L, lua_tostring(L, 1), "memory limit exceeded", 0);
  return 1;
}

/* Pushes the result: the key as a Buffer (taking j->out), or an Error
** (libscrypt-kdf fails only when it cannot get its memory). Returns
** whether it is the key. The Error's Lua constructor runs protected, as
** this also runs in the completion callback, under uv_run (STYLE.md
** rule 10): what it raised is passed on in the Error's place. */
static int job_push (lua_State *L, kdf_job *j) {
  if (j->failed) {
    lua_pushcfunction(L, job_error);
    lua_pushstring(L, j->kind == K_SCRYPT ? "scrypt" : "memory");
    lua_pcall(L, 1, 1, 0);
    job_free(j);
    return 0;
  }
  lode_buffer_adopt(L, (char *)j->out, j->nout);
  j->out = NULL;
  job_free(j);
  return 1;
}

/* Completion on the loop thread: callback(err) or callback(nil, key). */
static void job_after (uv_work_t *w, int status) {
  kdf_job *j = JOB(w);
  lua_State *L = j->r.ctx->L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, j->r.anchor);   /* keeps j alive */
  lode_req_finish(&j->r);
  if (status < 0) j->failed = 1;
  if (job_push(L, j)) {
    lua_pushnil(L);
    lua_insert(L, -2);
    lode_call(L, 2);
  } else {
    lode_call(L, 1);
  }
  lua_pop(L, 1);
}

/* The job for a call whose optional callback is argument cb: 'tmp' on
** the C stack (sync), or a request box that takes tmp's fields over
** (async). Called once tmp holds its inputs, so nothing raises between
** anchoring the box and queueing it. */
static kdf_job *job_begin (lua_State *L, kdf_job *tmp, int cb) {
  kdf_job *j;
  tmp->r.ctx = lode_context(L);
  if (lua_type(L, cb) != LUA_TFUNCTION) return tmp;
  j = (kdf_job *)lode_req_new(L, sizeof *j, cb, 0);
  memcpy((char *)j + sizeof j->r, (char *)tmp + sizeof j->r,
         sizeof *j - sizeof j->r);
  j->async = 1;
  return j;
}

/* Runs j now (returns the key, or raises) or queues it (returns 0). */
static int job_end (lua_State *L, kdf_job *j) {
  int rc;
  if (!j->async) {
    job_run(j);
    if (!job_push(L, j)) return lua_error(L);
    return 1;
  }
  rc = uv_queue_work(&j->r.ctx->loop, &j->work, job_work, job_after);
  if (rc < 0) {
    job_free(j);
    lode_req_cancel(L, &j->r);
    return luaL_error(L, "uv_queue_work: %s", uv_strerror(rc));
  }
  return 0;
}

/* {======== Module functions (arguments checked by kdf.lua) */

static size_t arg_size (lua_State *L, int idx) {
  lua_Integer v = luaL_checkinteger(L, idx);
  luaL_argcheck(L, v >= 0 && v <= INT32_MAX, idx, "out of range");
  return (size_t)v;
}

/* pbkdf2(password, salt, iterations, keylen, digest[, cb]) */
static int kdf_pbkdf2 (lua_State *L) {
  kdf_job tmp;
  const struct nettle_hash *h = kdf_digest(L, 5);
  size_t iter = arg_size(L, 3), keylen = arg_size(L, 4);
  luaL_argcheck(L, iter > 0, 3, "out of range");
  memset(&tmp, 0, sizeof tmp);
  tmp.kind = K_PBKDF2;
  tmp.h = h;
  tmp.iter = (unsigned)iter;
  tmp.nout = keylen;
  job_inputs(L, &tmp, 1, 2, 0);
  return job_end(L, job_begin(L, &tmp, 6));
}

/* hkdf(digest, ikm, salt, info, keylen[, cb]) */
static int kdf_hkdf (lua_State *L) {
  kdf_job tmp;
  const struct nettle_hash *h = kdf_digest(L, 1);
  size_t keylen = arg_size(L, 5);
  if (keylen > 255 * (size_t)h->digest_size)
    return lode__crypto_throw(L, "keylen", NULL, 0);
  memset(&tmp, 0, sizeof tmp);
  tmp.kind = K_HKDF;
  tmp.h = h;
  tmp.nout = keylen;
  job_inputs(L, &tmp, 2, 3, 4);
  return job_end(L, job_begin(L, &tmp, 6));
}

/* OpenSSL's scrypt limits (EVP_PBE_scrypt_ex), which Node reports as
** it does: 0 for good parameters, 1 for a bad N, r or p (no reason),
** 2 for everything OpenSSL calls "memory limit exceeded" (r * p >= 2^30,
** N >= 2^(16 r), over maxmem). maxmem counts B (128 r p) and V
** (128 r (N + 2)). */
static int scrypt_check (uint64_t n, uint64_t r, uint64_t p,
                         uint64_t maxmem) {
  uint64_t blen, per;
  if (n < 2 || (n & (n - 1)) != 0 || r < 1 || p < 1) return 1;
  if (p > ((1u << 30) - 1) / r) return 2;
  if (16 * r <= 63 && n >= (uint64_t)1 << (16 * r)) return 2;
  blen = 128 * r * p;
  per = 128 * r;
  if (blen > maxmem || (maxmem - blen) / per < n + 2) return 2;
  return 0;
}

/* scrypt(password, salt, keylen, N, r, p, maxmem[, cb]) */
static int kdf_scrypt (lua_State *L) {
  kdf_job tmp;
  size_t keylen = arg_size(L, 3);
  lua_Integer n = luaL_checkinteger(L, 4), r = luaL_checkinteger(L, 5);
  lua_Integer p = luaL_checkinteger(L, 6), mem = luaL_checkinteger(L, 7);
  int bad = 1;
  if (n >= 0 && r >= 0 && p >= 0 && r <= UINT32_MAX && p <= UINT32_MAX)
    bad = scrypt_check((uint64_t)n, (uint64_t)r, (uint64_t)p,
                       mem > 0 ? (uint64_t)mem : (uint64_t)32 << 20);
  if (bad != 0)
    return lode__crypto_throw(L, "scrypt",
                              bad == 2 ? "memory limit exceeded" : NULL, 0);
  memset(&tmp, 0, sizeof tmp);
  tmp.kind = K_SCRYPT;
  tmp.n = (uint64_t)n;
  tmp.sr = (uint32_t)r;
  tmp.sp = (uint32_t)p;
  tmp.nout = keylen;
  job_inputs(L, &tmp, 1, 2, 0);
  return job_end(L, job_begin(L, &tmp, 8));
}

static const luaL_Reg kdf_funcs[] = {
  {"pbkdf2", kdf_pbkdf2}, {"hkdf", kdf_hkdf}, {"scrypt", kdf_scrypt},
  {"init", lode__crypto_init}, {NULL, NULL}
};

int luaopen_lode_binding_crypto_kdf (lua_State *L) {
  luaL_newlib(L, kdf_funcs);
  return 1;
}

/* }======== */
