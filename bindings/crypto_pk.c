/*
** crypto_pk.c: lode.binding.crypto_pk, the public-key half of
** lode.crypto on mbedTLS 2.28 (API.md 4 "crypto": generateKeyPair(Sync),
** KeyObject, createPublicKey/createPrivateKey, sign/verify). This file
** owns the key boxes, key generation and the job machinery that runs an
** operation inline or on libuv's thread pool; the other parts are listed
** in crypto_pk.h. Arguments are checked by lua/lode/crypto/keys.lua;
** here they are only asserted.
**
** Ownership: a key box owns its mbedtls_pk_context and mutex, freed by
** __gc (initialised first, marked ready after: STYLE.md rule 7). A
** generation job owns the new key until it is moved into a box on the
** loop thread. A sign/verify job pins its key box in the request box, so
** the key outlives the job; the key's mutex keeps the pool thread and
** the loop thread from using it at once.
*/
#include <string.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/error.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include "crypto_pk.h"
#include "crypto_rng.h"

/*
** {======================================================
** Key boxes
** =======================================================
*/

static int box_gc (lua_State *L) {
  pk_box *b = (pk_box *)luaL_checkudata(L, 1, LODE_PK_MT);
  if (b->ready) {
    b->ready = 0;
    mbedtls_pk_free(&b->pk);
    uv_mutex_destroy(&b->mu);
  }
  return 0;
}

pk_box *lode__pk_push (lua_State *L) {
  pk_box *b = (pk_box *)lua_newuserdatauv(L, sizeof(pk_box), 0);
  b->ready = 0;
  b->priv = 0;
  luaL_setmetatable(L, LODE_PK_MT);
  mbedtls_pk_init(&b->pk);                /* allocates nothing */
  if (uv_mutex_init(&b->mu) != 0) luaL_error(L, "cannot create a mutex");
  b->ready = 1;
  return b;
}

pk_box *lode__pk_check (lua_State *L, int idx) {
  pk_box *b = (pk_box *)luaL_checkudata(L, idx, LODE_PK_MT);
  luaL_argcheck(L, b->ready, idx, "freed key");
  return b;
}

int lode__pk_fail (lua_State *L, const char *kind, int rc) {
  char msg[160];
  mbedtls_strerror(rc, msg, sizeof msg);
  lua_pushnil(L);
  lua_pushstring(L, kind);
  lua_pushstring(L, msg);
  return 3;
}

const char *lode__pk_parse_kind (int rc) {
  switch (rc) {
    case MBEDTLS_ERR_PK_PASSWORD_REQUIRED:
    case MBEDTLS_ERR_PEM_PASSWORD_REQUIRED:
      return "PASSWORD_REQUIRED";
    case MBEDTLS_ERR_PK_PASSWORD_MISMATCH:
    case MBEDTLS_ERR_PEM_PASSWORD_MISMATCH:
      return "BAD_DECRYPT";
    case MBEDTLS_ERR_PK_ALLOC_FAILED:
    case MBEDTLS_ERR_PEM_ALLOC_FAILED:
      return "ALLOC";
    default:
      return "DECODE";
  }
}
/* }====================================================== */

/*
** {======================================================
** EC curve names: OpenSSL's (what Node reports) first, then NIST's
** =======================================================
*/

static const struct { const char *name; mbedtls_ecp_group_id id; }
curves[] = {
  {"prime256v1", MBEDTLS_ECP_DP_SECP256R1},
  {"secp384r1", MBEDTLS_ECP_DP_SECP384R1},
  {"secp521r1", MBEDTLS_ECP_DP_SECP521R1},
  {"secp256k1", MBEDTLS_ECP_DP_SECP256K1},
  {"secp224r1", MBEDTLS_ECP_DP_SECP224R1},
  {"prime192v1", MBEDTLS_ECP_DP_SECP192R1},
  {"secp224k1", MBEDTLS_ECP_DP_SECP224K1},
  {"secp192k1", MBEDTLS_ECP_DP_SECP192K1},
  {"brainpoolP256r1", MBEDTLS_ECP_DP_BP256R1},
  {"brainpoolP384r1", MBEDTLS_ECP_DP_BP384R1},
  {"brainpoolP512r1", MBEDTLS_ECP_DP_BP512R1},
  {"P-256", MBEDTLS_ECP_DP_SECP256R1},
  {"P-384", MBEDTLS_ECP_DP_SECP384R1},
  {"P-521", MBEDTLS_ECP_DP_SECP521R1},
  {"P-224", MBEDTLS_ECP_DP_SECP224R1},
  {"P-192", MBEDTLS_ECP_DP_SECP192R1},
  {NULL, MBEDTLS_ECP_DP_NONE}
};

int lode__pk_curve (const char *s) {
  int i;
  for (i = 0; curves[i].name != NULL; i++)
    if (strcmp(curves[i].name, s) == 0) return (int)curves[i].id;
  return 0;
}

const char *lode__pk_curve_name (int grp) {
  int i;
  for (i = 0; curves[i].name != NULL; i++)
    if ((int)curves[i].id == grp) return curves[i].name;
  return NULL;
}
/* }====================================================== */

/*
** {======================================================
** Jobs: inline or on the thread pool
** =======================================================
*/

static void job_free (pk_job *j) {
  if (j->has_out) {
    j->has_out = 0;
    mbedtls_pk_free(&j->out);
  }
  mbedtls_platform_zeroize(j->hash, sizeof j->hash);
}

pk_job *lode__pk_job_begin (lua_State *L, pk_job *tmp, int cb, int pin) {
  pk_job *j = tmp;
  if (lua_isnoneornil(L, cb)) {
    memset(tmp, 0, sizeof *tmp);
    return tmp;
  }
  luaL_checktype(L, cb, LUA_TFUNCTION);
  j = (pk_job *)lode_req_new(L, sizeof(pk_job), cb, pin);
  j->async = 1;
  j->work.data = j;
  return j;
}

static void job_work (uv_work_t *w) {
  pk_job *j = (pk_job *)w->data;
  j->rc = j->run(j, lode__rng_pool, NULL);
  if (j->rc != 0 && j->kind == NULL) j->kind = "FAILED";
}

/* Completion on the loop thread: callback(nil, results...) or
** callback(kind, detail). Calls Lua; j is not used afterwards. */
static void job_after (uv_work_t *w, int status) {
  pk_job *j = (pk_job *)w->data;
  lua_State *L = j->r.ctx->L;
  char msg[160];
  int n = 2;
  lua_rawgeti(L, LUA_REGISTRYINDEX, j->r.anchor);   /* keeps j alive */
  lode_req_finish(&j->r);                           /* the callback */
  if (status < 0) {
    lua_pushstring(L, "FAILED");
    lua_pushstring(L, uv_strerror(status));
  } else if (j->rc != 0) {
    mbedtls_strerror(j->rc, msg, sizeof msg);
    lua_pushstring(L, j->kind);
    lua_pushstring(L, msg);
  } else {
    lua_pushnil(L);
    n = 1 + j->push(L, j);
  }
  job_free(j);
  lode_call(L, n);
  lua_pop(L, 1);
}

int lode__pk_job_end (lua_State *L, pk_job *j) {
  int rc, n;
  void *rng;
  if (j->async) {
    rc = uv_queue_work(&j->r.ctx->loop, &j->work, job_work, job_after);
    if (rc == 0) {
      lua_pushboolean(L, 1);
      return 1;
    }
    job_free(j);
    lode_req_cancel(L, &j->r);
    lua_pushnil(L);
    lua_pushstring(L, "FAILED");
    lua_pushstring(L, uv_strerror(rc));
    return 3;
  }
  if ((rng = lode__rng_state(L, &rc)) == NULL) {
    job_free(j);
    return lode__pk_fail(L, "RNG", rc);
  }
  if ((rc = j->run(j, lode__rng_loop, rng)) != 0) {
    job_free(j);
    return lode__pk_fail(L, j->kind != NULL ? j->kind : "FAILED", rc);
  }
  n = j->push(L, j);
  job_free(j);
  return n;
}
/* }====================================================== */

/*
** {======================================================
** Key generation
** =======================================================
*/

static int gen_run (pk_job *j, pk_rng f_rng, void *p_rng) {
  int rc;
  mbedtls_pk_init(&j->out);
  j->has_out = 1;
  if (j->grp == 0) {
    rc = mbedtls_pk_setup(&j->out, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
    if (rc == 0)
      rc = mbedtls_rsa_gen_key(mbedtls_pk_rsa(j->out), f_rng, p_rng,
                               (unsigned)j->bits, j->exp);
  } else {
    rc = mbedtls_pk_setup(&j->out,
                          mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (rc == 0)
      rc = mbedtls_ecp_gen_key((mbedtls_ecp_group_id)j->grp,
                               mbedtls_pk_ec(j->out), f_rng, p_rng);
  }
  if (rc != 0) j->kind = "FAILED";
  return rc;
}

/* The new key moves into a box (the context is two pointers). */
static int gen_push (lua_State *L, pk_job *j) {
  pk_box *b = lode__pk_push(L);
  b->pk = j->out;
  b->priv = 1;
  j->has_out = 0;
  return 1;
}

/* generate("rsa", bits, exponent[, cb]) / generate("ec", curve[, cb])
** -> private key box */
static int pk_generate (lua_State *L) {
  const char *type = luaL_checkstring(L, 1);
  int rsa = strcmp(type, "rsa") == 0, grp = 0, cb = rsa ? 4 : 3;
  lua_Integer bits = 0, exp = 0;
  pk_job tmp, *j;
  if (rsa) {
    bits = luaL_checkinteger(L, 2);
    exp = luaL_checkinteger(L, 3);
    luaL_argcheck(L, bits >= 512 && bits <= MBEDTLS_MPI_MAX_BITS
                  && bits % 2 == 0, 2, "bad modulus length");
    luaL_argcheck(L, exp >= 3 && exp <= INT32_MAX && exp % 2 == 1, 3,
                  "bad exponent");
  } else {
    luaL_argcheck(L, strcmp(type, "ec") == 0, 1, "bad key type");
    grp = lode__pk_curve(luaL_checkstring(L, 2));
    luaL_argcheck(L, grp != 0, 2, "unknown curve");
  }
  j = lode__pk_job_begin(L, &tmp, cb, 0);
  j->bits = (int)bits;
  j->exp = (int)exp;
  j->grp = grp;
  j->run = gen_run;
  j->push = gen_push;
  return lode__pk_job_end(L, j);
}
/* }====================================================== */

int luaopen_lode_binding_crypto_pk (lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"generate", pk_generate}, {"parse", lode__pk_parse},
    {"export", lode__pk_export}, {"public", lode__pk_public},
    {"info", lode__pk_info}, {"sign", lode__pk_sign},
    {"verify", lode__pk_verify}, {"digest", lode__pk_digest},
    {"md_new", lode__pk_md_new}, {"components", lode__pk_components},
    {"from_components", lode__pk_from_components}, {NULL, NULL}
  };
  lode_context(L);
  if (luaL_newmetatable(L, LODE_PK_MT)) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  lode__pk_md_meta(L);
  luaL_newlib(L, funcs);
  return 1;
}
