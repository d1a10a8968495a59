/*
** crypto_random.c: lode.binding.crypto_random, the random generator of
** lode.crypto (API.md 4 "crypto": randomBytes, randomFill(Sync),
** randomInt, randomUUID, getRandomValues) on mbedTLS's CTR-DRBG
** (AES-256) seeded from the OS entropy source. See crypto_rng.h for the
** two kinds of generator and how a fork is handled.
**
** The functions close over the state's generator (upvalue 1), so the
** small-size path (randomBytes(16)) is one C call that fills a new
** Buffer in place. Arguments are checked in lua/lode/crypto/random.lua;
** here they are only asserted. A failure of the generator returns
** nil, message, code (the mbedTLS error), which the Lua side raises.
**
** randomUUID and randomInt draw from a small cache of random bytes kept
** in the generator, as Node does (its entropy cache), so one DRBG call
** serves 64 UUIDs. A fork empties the cache with the reseed.
**
** randomFill with a callback (fill_async) runs on libuv's thread pool
** with the process-wide generator; the Buffer is pinned in the request
** box until the callback, and the job writes only into its bytes.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/platform_util.h>
#include "crypto_rng.h"

#define CACHE 1024               /* = MBEDTLS_CTR_DRBG_MAX_REQUEST */
#define RAND_MAX48 0xFFFFFFFFFFFFULL

typedef struct rng {
  mbedtls_ctr_drbg_context drbg;
  mbedtls_entropy_context ent;
  int inited;                    /* contexts initialised: free them */
  int seeded;
  unsigned gen;                  /* rng_forks when last (re)seeded */
  size_t cpos;                   /* next unused cache byte; CACHE: empty */
  unsigned char cache[CACHE];
} rng;

static const char key_rng = 0;   /* registry: the state's rng userdata */
static const unsigned char pers[] = "lode.crypto.random";

/* Bumped in a forked child (before any other code runs there). */
static atomic_uint rng_forks;
/* The thread pool's generator and its lock, set up once per process. */
static rng pool_rng;
static uv_mutex_t pool_mu;
static uv_once_t pool_once = UV_ONCE_INIT;

static void rng_child (void) {
  atomic_fetch_add(&rng_forks, 1);
}

static void rng_init (rng *r) {
  mbedtls_ctr_drbg_init(&r->drbg);
  mbedtls_entropy_init(&r->ent);
  r->seeded = 0;
  r->cpos = CACHE;
  r->inited = 1;
}

static void rng_free (rng *r) {
  if (!r->inited) return;
  r->inited = 0;
  mbedtls_ctr_drbg_free(&r->drbg);
  mbedtls_entropy_free(&r->ent);
  mbedtls_platform_zeroize(r->cache, CACHE);
}

/* Process-wide setup; glibc drops the atfork handler if lode.so is
** unloaded (it is registered with this object's DSO handle). */
static void pool_setup (void) {
  if (uv_mutex_init(&pool_mu) != 0) abort();
  pthread_atfork(NULL, NULL, rng_child);
  rng_init(&pool_rng);
}

/* Seeds r on first use; after a fork, reseeds it and drops the cache. */
static int rng_ready (rng *r) {
  unsigned gen = atomic_load_explicit(&rng_forks, memory_order_relaxed);
  int rc;
  if (r->seeded && r->gen == gen) return 0;
  if (!r->seeded)
    rc = mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->ent,
                               pers, sizeof pers - 1);
  else
    rc = mbedtls_ctr_drbg_reseed(&r->drbg, NULL, 0);
  if (rc != 0) return rc;
  r->seeded = 1;
  r->gen = gen;
  mbedtls_platform_zeroize(r->cache, CACHE);
  r->cpos = CACHE;
  return 0;
}

/* Fills out with len random bytes, in DRBG-sized requests. */
static int rng_fill (rng *r, unsigned char *out, size_t len) {
  int rc = rng_ready(r);
  while (rc == 0 && len > 0) {
    size_t n = len < MBEDTLS_CTR_DRBG_MAX_REQUEST ? len
      : MBEDTLS_CTR_DRBG_MAX_REQUEST;
    rc = mbedtls_ctr_drbg_random(&r->drbg, out, n);
    out += n;
    len -= n;
  }
  return rc;
}

/* n (<= CACHE) bytes from the cache, refilled when short. Used bytes are
** wiped so the cache never holds output already handed out. */
static int rng_take (rng *r, unsigned char *out, size_t n) {
  int rc = rng_ready(r);
  if (rc != 0) return rc;
  if (r->cpos + n > CACHE) {
    if ((rc = rng_fill(r, r->cache, CACHE)) != 0) return rc;
    r->cpos = 0;
  }
  memcpy(out, r->cache + r->cpos, n);
  mbedtls_platform_zeroize(r->cache + r->cpos, n);
  r->cpos += n;
  return 0;
}

/*
** {======================================================
** The generators as crypto_rng.h gives them to other bindings
** =======================================================
*/

static int rng_gc (lua_State *L) {
  rng_free((rng *)lua_touserdata(L, 1));
  return 0;
}

/* Pushes the state's generator, creating it on first use. */
static rng *rng_push (lua_State *L) {
  rng *r;
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &key_rng) == LUA_TUSERDATA)
    return (rng *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  uv_once(&pool_once, pool_setup);   /* the atfork handler, once */
  r = (rng *)lua_newuserdatauv(L, sizeof(rng), 0);
  r->inited = 0;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, rng_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  rng_init(r);                       /* usable only now (rule 7) */
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_rng);
  return r;
}

void *lode__rng_state (lua_State *L, int *rc) {
  rng *r = rng_push(L);
  lua_pop(L, 1);                     /* the registry keeps it */
  *rc = rng_ready(r);
  return *rc == 0 ? r : NULL;
}

int lode__rng_loop (void *p_rng, unsigned char *out, size_t len) {
  return rng_fill((rng *)p_rng, out, len);
}

int lode__rng_pool (void *p_rng, unsigned char *out, size_t len) {
  int rc;
  (void)p_rng;
  uv_once(&pool_once, pool_setup);
  uv_mutex_lock(&pool_mu);
  rc = rng_fill(&pool_rng, out, len);
  uv_mutex_unlock(&pool_mu);
  return rc;
}
/* }====================================================== */

/*
** {======================================================
** Lua functions (upvalue 1: the state's generator)
** =======================================================
*/

#define SELF(L) ((rng *)lua_touserdata(L, lua_upvalueindex(1)))

/* nil, mbedTLS's text, the code: the Lua side raises it. */
static int rnd_fail (lua_State *L, int rc) {
  char msg[128];
  mbedtls_strerror(rc, msg, sizeof msg);
  lua_pushnil(L);
  lua_pushstring(L, msg);
  lua_pushinteger(L, rc);
  return 3;
}

/* The Buffer at idx and the range [off, off+len) of it (checked). */
static unsigned char *rnd_range (lua_State *L, int idx, size_t *len) {
  size_t blen = 0;
  char *p = lode_tobuffer(L, idx, &blen);
  lua_Integer off = luaL_checkinteger(L, idx + 1);
  lua_Integer n = luaL_checkinteger(L, idx + 2);
  luaL_argexpected(L, p != NULL, idx, "Buffer");
  luaL_argcheck(L, off >= 0 && (size_t)off <= blen, idx + 1, "bad offset");
  luaL_argcheck(L, n >= 0 && (size_t)n <= blen - (size_t)off, idx + 2,
                "bad size");
  *len = (size_t)n;
  return (unsigned char *)p + off;
}

/* bytes(n) -> a new Buffer of n random bytes */
static int rnd_bytes (lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  unsigned char *p;
  int rc;
  luaL_argcheck(L, n >= 0 && n <= INT32_MAX, 1, "bad size");
  p = (unsigned char *)lode_buffer_new(L, (size_t)n);
  if ((rc = rng_fill(SELF(L), p, (size_t)n)) != 0) return rnd_fail(L, rc);
  return 1;
}

/* fill(buf, offset, size) -> buf, with that range random */
static int rnd_fill (lua_State *L) {
  size_t len;
  unsigned char *p = rnd_range(L, 1, &len);
  int rc = rng_fill(SELF(L), p, len);
  if (rc != 0) return rnd_fail(L, rc);
  lua_settop(L, 1);
  return 1;
}

/* uuid() -> a version 4 UUID, lowercase */
static int rnd_uuid (lua_State *L) {
  static const char hex[] = "0123456789abcdef";
  unsigned char b[16];
  char s[36];
  int i, j = 0, rc = rng_take(SELF(L), b, sizeof b);
  if (rc != 0) return rnd_fail(L, rc);
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* variant 10 */
  for (i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s[j++] = '-';
    s[j++] = hex[b[i] >> 4];
    s[j++] = hex[b[i] & 15];
  }
  lua_pushlstring(L, s, sizeof s);
  return 1;
}

/* int(min, range) -> min + a uniform integer in [0, range), range in
** [1, 2^48 - 1]: Node's rejection sampling over 48-bit draws (no modulo
** bias: draws at or above the largest multiple of range are redrawn). */
static int rnd_int (lua_State *L) {
  lua_Integer min = luaL_checkinteger(L, 1);
  lua_Integer range = luaL_checkinteger(L, 2);
  uint64_t limit, x;
  unsigned char b[6];
  int i, rc;
  luaL_argcheck(L, range >= 1 && (uint64_t)range <= RAND_MAX48, 2,
                "bad range");
  limit = RAND_MAX48 - (RAND_MAX48 % (uint64_t)range);
  do {
    if ((rc = rng_take(SELF(L), b, sizeof b)) != 0) return rnd_fail(L, rc);
    for (x = 0, i = 0; i < 6; i++) x = (x << 8) | b[i];
  } while (x >= limit);
  /* wraps instead of overflowing when called with a min the Lua side
  ** would have refused */
  lua_pushinteger(L, (lua_Integer)((lua_Unsigned)min + x % (uint64_t)range));
  return 1;
}
/* }====================================================== */

/*
** {======================================================
** fill_async: the thread pool's randomFill
** =======================================================
*/

typedef struct fill_job {
  lode_req r;                    /* request box header: must come first */
  uv_work_t work;
  unsigned char *p;              /* into the pinned Buffer */
  size_t len;
  int rc;
} fill_job;

static void fill_work (uv_work_t *w) {
  fill_job *j = (fill_job *)w->data;
  j->rc = lode__rng_pool(NULL, j->p, j->len);
}

/* The callback gets nil, or (message, code) on failure. Calls Lua. */
static void fill_after (uv_work_t *w, int status) {
  fill_job *j = (fill_job *)w->data;
  lua_State *L = lode_req_finish(&j->r);  /* pushes the callback */
  int rc = j->rc;                          /* j may go after this */
  if (status < 0) {
    lua_pushstring(L, uv_strerror(status));
    lua_pushinteger(L, status);
    lode_call(L, 2);
  } else if (rc != 0) {
    rnd_fail(L, rc);
    lua_remove(L, -3);                     /* the nil */
    lode_call(L, 2);
  } else {
    lode_call(L, 0);
  }
}

/* fill_async(buf, offset, size, cb) -> true, or nil, message, status */
static int rnd_fill_async (lua_State *L) {
  size_t len;
  unsigned char *p = rnd_range(L, 1, &len);
  fill_job *j;
  int rc;
  luaL_checktype(L, 4, LUA_TFUNCTION);
  j = (fill_job *)lode_req_new(L, sizeof(fill_job), 4, 1);
  j->p = p;
  j->len = len;
  j->work.data = j;
  rc = uv_queue_work(&j->r.ctx->loop, &j->work, fill_work, fill_after);
  if (rc != 0) {
    lode_req_cancel(L, &j->r);
    return lode_fail(L, rc);
  }
  lua_pushboolean(L, 1);
  return 1;
}
/* }====================================================== */

/* _forkprobe() -> 32 bytes drawn by a forked child (16 from the
** generator, 16 from the cache), 32 drawn by the parent: the spec's
** check that a child never repeats its parent. Test hook, not API. */
static int rnd_forkprobe (lua_State *L) {
  unsigned char mine[32], theirs[32];
  int fd[2], st;
  ssize_t n = 0;
  pid_t pid;
  rng *r = SELF(L);
  if (pipe(fd) != 0) return luaL_error(L, "pipe failed");
  if ((pid = fork()) == 0) {
    close(fd[0]);
    if (rng_fill(r, theirs, 16) == 0 && rng_take(r, theirs + 16, 16) == 0)
      n = write(fd[1], theirs, sizeof theirs);
    _exit(n == (ssize_t)sizeof theirs ? 0 : 1);
  }
  close(fd[1]);
  if (pid > 0) {
    n = read(fd[0], theirs, sizeof theirs);
    waitpid(pid, &st, 0);
  }
  close(fd[0]);
  if (pid < 0 || n != (ssize_t)sizeof theirs) return luaL_error(L, "fork");
  if (rng_fill(r, mine, 16) != 0 || rng_take(r, mine + 16, 16) != 0)
    return luaL_error(L, "generator failed");
  lua_pushlstring(L, (const char *)theirs, sizeof theirs);
  lua_pushlstring(L, (const char *)mine, sizeof mine);
  return 2;
}

int luaopen_lode_binding_crypto_random (lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"bytes", rnd_bytes}, {"fill", rnd_fill}, {"uuid", rnd_uuid},
    {"int", rnd_int}, {"fill_async", rnd_fill_async},
    {"_forkprobe", rnd_forkprobe}, {NULL, NULL}
  };
  lode_context(L);
  luaL_newlibtable(L, funcs);
  rng_push(L);
  luaL_setfuncs(L, funcs, 1);
  return 1;
}
