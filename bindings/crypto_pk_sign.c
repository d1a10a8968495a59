/*
** crypto_pk_sign.c: part of lode.binding.crypto_pk (no luaopen):
** signatures. RSA PKCS#1 v1.5, RSA-PSS (MGF1 over the message digest,
** Node's salt-length constants) and ECDSA with DER or IEEE P1363 (r || s)
** signatures, over a digest computed with mbedTLS's md (the md box, for
** Sign/Verify's update, or digest() in one call).
**
** sign and verify run as jobs (crypto_pk.c): inline without a callback,
** on the thread pool with one. verify reports a signature that does not
** match, whatever is wrong with it, as false: it fails only for a key
** mbedTLS cannot use.
*/
#include <string.h>
#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include "crypto_pk.h"

#define PAD_PKCS1 1              /* Node's RSA_PKCS1_PADDING */
#define PAD_PSS 6                /* RSA_PKCS1_PSS_PADDING */
#define SALT_DIGEST (-1)         /* RSA_PSS_SALTLEN_DIGEST */
#define SALT_MAX (-2)            /* RSA_PSS_SALTLEN_MAX_SIGN, _AUTO */
#define MD_MT "lode.crypto.md"

/*
** {======================================================
** Digests: md boxes and digest()
** =======================================================
*/

typedef struct md_box {
  mbedtls_md_context_t ctx;
  int ready;                     /* ctx set up: __gc frees it */
  int done;                      /* final() was called */
} md_box;

static md_box *md_check (lua_State *L) {
  md_box *m = (md_box *)luaL_checkudata(L, 1, MD_MT);
  luaL_argcheck(L, m->ready && !m->done, 1, "digest already taken");
  return m;
}

static int md_gc (lua_State *L) {
  md_box *m = (md_box *)luaL_checkudata(L, 1, MD_MT);
  if (m->ready) {
    m->ready = 0;
    mbedtls_md_free(&m->ctx);
  }
  return 0;
}

/* md_new(name) -> md box, or nil for a name mbedTLS does not know */
int lode__pk_md_new (lua_State *L) {
  const mbedtls_md_info_t *info =
    mbedtls_md_info_from_string(luaL_checkstring(L, 1));
  md_box *m;
  if (info == NULL) return 0;
  m = (md_box *)lua_newuserdatauv(L, sizeof(md_box), 0);
  m->ready = m->done = 0;
  mbedtls_md_init(&m->ctx);
  luaL_setmetatable(L, MD_MT);
  if (mbedtls_md_setup(&m->ctx, info, 0) != 0
      || mbedtls_md_starts(&m->ctx) != 0) {
    mbedtls_md_free(&m->ctx);
    return luaL_error(L, "not enough memory");
  }
  m->ready = 1;
  return 1;
}

/* md:update(data) -> md */
static int md_update (lua_State *L) {
  md_box *m = md_check(L);
  size_t len;
  const char *p = lode_checkbytes(L, 2, &len);
  mbedtls_md_update(&m->ctx, (const unsigned char *)p, len);
  lua_settop(L, 1);
  return 1;
}

/* md:final() -> the digest (a string of raw bytes); the box is spent */
static int md_final (lua_State *L) {
  md_box *m = md_check(L);
  unsigned char out[MBEDTLS_MD_MAX_SIZE];
  mbedtls_md_finish(&m->ctx, out);
  m->done = 1;
  lua_pushlstring(L, (const char *)out,
                  mbedtls_md_get_size(m->ctx.md_info));
  return 1;
}

void lode__pk_md_meta (lua_State *L) {
  static const luaL_Reg methods[] = {
    {"update", md_update}, {"final", md_final}, {NULL, NULL}
  };
  if (luaL_newmetatable(L, MD_MT)) {
    lua_pushcfunction(L, md_gc);
    lua_setfield(L, -2, "__gc");
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
}

/* digest(name, data) -> the digest, or nil for an unknown name */
int lode__pk_digest (lua_State *L) {
  const mbedtls_md_info_t *info =
    mbedtls_md_info_from_string(luaL_checkstring(L, 1));
  unsigned char out[MBEDTLS_MD_MAX_SIZE];
  size_t len;
  const char *p = lode_checkbytes(L, 2, &len);
  if (info == NULL) return 0;
  mbedtls_md(info, (const unsigned char *)p, len, out);
  lua_pushlstring(L, (const char *)out, mbedtls_md_get_size(info));
  return 1;
}
/* }====================================================== */

/*
** {======================================================
** ECDSA signature encodings
** =======================================================
*/

static size_t ec_bytes (pk_box *b) {
  return (mbedtls_pk_ec(b->pk)->grp.nbits + 7) / 8;
}

/* DER SEQUENCE { r, s } in sig -> r || s, each n bytes, in place. */
static int der_to_p1363 (unsigned char *sig, size_t *len, size_t n) {
  unsigned char *p = sig, *end = sig + *len, out[2 * MBEDTLS_ECP_MAX_BYTES];
  mbedtls_mpi r, s;
  size_t l;
  int rc;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  rc = mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED
                            | MBEDTLS_ASN1_SEQUENCE);
  if (rc == 0) rc = mbedtls_asn1_get_mpi(&p, end, &r);
  if (rc == 0) rc = mbedtls_asn1_get_mpi(&p, end, &s);
  if (rc == 0) rc = mbedtls_mpi_write_binary(&r, out, n);
  if (rc == 0) rc = mbedtls_mpi_write_binary(&s, out + n, n);
  if (rc == 0) {
    memcpy(sig, out, 2 * n);
    *len = 2 * n;
  }
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  return rc;
}

/* r || s (2n bytes) -> DER in der (size bytes); returns its length or
** an error. */
static int p1363_to_der (const unsigned char *in, size_t n,
                         unsigned char *der, size_t size) {
  unsigned char *p = der + size;
  mbedtls_mpi r, s;
  size_t len = 0;
  int rc;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  if ((rc = mbedtls_mpi_read_binary(&r, in, n)) != 0
      || (rc = mbedtls_mpi_read_binary(&s, in + n, n)) != 0) goto done;
  if ((rc = mbedtls_asn1_write_mpi(&p, der, &s)) < 0) goto done;
  len += (size_t)rc;
  if ((rc = mbedtls_asn1_write_mpi(&p, der, &r)) < 0) goto done;
  len += (size_t)rc;
  if ((rc = mbedtls_asn1_write_len(&p, der, len)) < 0) goto done;
  len += (size_t)rc;
  if ((rc = mbedtls_asn1_write_tag(&p, der, MBEDTLS_ASN1_CONSTRUCTED
                                   | MBEDTLS_ASN1_SEQUENCE)) < 0) goto done;
  len += (size_t)rc;
  memmove(der, p, len);
  rc = (int)len;
done:
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  return rc;
}
/* }====================================================== */

/*
** {======================================================
** sign / verify jobs (the key's mutex held)
** =======================================================
*/

/* The PSS salt length for a signature: Node's constants resolved, or
** -3 when it does not fit (Node: "data too large for key size"). */
static int pss_salt (mbedtls_rsa_context *rsa, int saltlen, size_t hlen) {
  size_t olen = mbedtls_rsa_get_len(rsa);
  size_t bits = mbedtls_mpi_bitlen(&rsa->N);
  long max = (long)olen - (long)hlen - 2 - ((bits - 1) % 8 == 0 ? 1 : 0);
  if (saltlen == SALT_DIGEST) saltlen = (int)hlen;
  else if (saltlen == SALT_MAX) saltlen = (int)max;
  return saltlen > max ? -3 : saltlen;
}

static int sign_rsa (pk_job *j, pk_rng f_rng, void *p_rng) {
  mbedtls_rsa_context *rsa = mbedtls_pk_rsa(j->key->pk);
  mbedtls_md_type_t md = (mbedtls_md_type_t)j->md;
  int pad = rsa->padding, hid = rsa->hash_id, rc, salt;
  j->siglen = mbedtls_rsa_get_len(rsa);
  if (j->padding != PAD_PSS) {
    rc = mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, f_rng, p_rng,
           MBEDTLS_RSA_PRIVATE, md, 0, j->hash, j->sig);
    if (rc == MBEDTLS_ERR_RSA_BAD_INPUT_DATA) j->kind = "DIGEST_TOO_BIG";
    return rc;
  }
  if ((salt = pss_salt(rsa, j->saltlen, j->hlen)) < 0) {
    j->kind = "DATA_TOO_LARGE";
    return MBEDTLS_ERR_RSA_BAD_INPUT_DATA;
  }
  mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, md);   /* MGF1 */
  rc = mbedtls_rsa_rsassa_pss_sign_ext(rsa, f_rng, p_rng, md, 0, j->hash,
                                       salt, j->sig);
  mbedtls_rsa_set_padding(rsa, pad, (mbedtls_md_type_t)hid);
  if (rc == MBEDTLS_ERR_RSA_BAD_INPUT_DATA) j->kind = "DATA_TOO_LARGE";
  return rc;
}

static int sign_run (pk_job *j, pk_rng f_rng, void *p_rng) {
  pk_box *b = j->key;
  int rc;
  uv_mutex_lock(&b->mu);
  if (mbedtls_pk_get_type(&b->pk) == MBEDTLS_PK_RSA) {
    rc = sign_rsa(j, f_rng, p_rng);
  } else {
    rc = mbedtls_pk_sign(&b->pk, (mbedtls_md_type_t)j->md, j->hash, j->hlen,
                         j->sig, &j->siglen, f_rng, p_rng);
    if (rc == 0 && j->p1363) rc = der_to_p1363(j->sig, &j->siglen,
                                               ec_bytes(b));
  }
  uv_mutex_unlock(&b->mu);
  return rc;
}

static int sign_push (lua_State *L, pk_job *j) {
  memcpy(lode_buffer_new(L, j->siglen), j->sig, j->siglen);
  return 1;
}

static int verify_rsa (pk_job *j) {
  mbedtls_rsa_context *rsa = mbedtls_pk_rsa(j->key->pk);
  mbedtls_md_type_t md = (mbedtls_md_type_t)j->md;
  int salt = j->saltlen;
  if (j->siglen != mbedtls_rsa_get_len(rsa)) return -1;
  if (j->padding != PAD_PSS)
    return mbedtls_rsa_rsassa_pkcs1_v15_verify(rsa, NULL, NULL,
             MBEDTLS_RSA_PUBLIC, md, 0, j->hash, j->sig);
  if (salt == SALT_DIGEST) salt = (int)j->hlen;
  else if (salt == SALT_MAX) salt = MBEDTLS_RSA_SALT_LEN_ANY;
  return mbedtls_rsa_rsassa_pss_verify_ext(rsa, NULL, NULL,
           MBEDTLS_RSA_PUBLIC, md, 0, j->hash, md, salt, j->sig);
}

static int verify_run (pk_job *j, pk_rng f_rng, void *p_rng) {
  pk_box *b = j->key;
  unsigned char der[MBEDTLS_ECDSA_MAX_LEN];
  int rc = 0;
  (void)f_rng;
  (void)p_rng;
  uv_mutex_lock(&b->mu);
  if (mbedtls_pk_get_type(&b->pk) == MBEDTLS_PK_RSA) {
    rc = verify_rsa(j);
  } else if (!j->p1363) {
    rc = mbedtls_pk_verify(&b->pk, (mbedtls_md_type_t)j->md, j->hash,
                           j->hlen, j->sig, j->siglen);
  } else if (j->siglen != 2 * ec_bytes(b)) {
    rc = -1;
  } else if ((rc = p1363_to_der(j->sig, ec_bytes(b), der,
                                sizeof der)) > 0) {
    rc = mbedtls_pk_verify(&b->pk, (mbedtls_md_type_t)j->md, j->hash,
                           j->hlen, der, (size_t)rc);
  }
  uv_mutex_unlock(&b->mu);
  j->ok = rc == 0;
  return 0;                      /* a bad signature is an answer */
}

static int verify_push (lua_State *L, pk_job *j) {
  lua_pushboolean(L, j->ok);
  return 1;
}

/* Shared arguments: key box, md name, digest, then padding, salt length,
** p1363 at first, first+1, first+2. */
static pk_job *job_args (lua_State *L, pk_job *tmp, int first, int cb) {
  pk_box *b = lode__pk_check(L, 1);
  const mbedtls_md_info_t *info =
    mbedtls_md_info_from_string(luaL_checkstring(L, 2));
  size_t hlen;
  const char *hash = luaL_checklstring(L, 3, &hlen);
  int padding = (int)luaL_optinteger(L, first, PAD_PKCS1);
  int saltlen = (int)luaL_optinteger(L, first + 1, SALT_MAX);
  int p1363 = lua_toboolean(L, first + 2);
  pk_job *j;
  luaL_argcheck(L, info != NULL && hlen == mbedtls_md_get_size(info), 3,
                "bad digest");
  j = lode__pk_job_begin(L, tmp, cb, 1);
  j->key = b;
  j->md = (int)mbedtls_md_get_type(info);
  memcpy(j->hash, hash, hlen);
  j->hlen = hlen;
  j->padding = padding;
  j->saltlen = saltlen;
  j->p1363 = p1363;
  return j;
}

/* sign(box, md, digest, padding, saltlen, p1363[, cb]) -> Buffer */
int lode__pk_sign (lua_State *L) {
  pk_job tmp, *j = job_args(L, &tmp, 4, 7);
  j->run = sign_run;
  j->push = sign_push;
  return lode__pk_job_end(L, j);
}

/* verify(box, md, digest, sig, padding, saltlen, p1363[, cb]) -> bool */
int lode__pk_verify (lua_State *L) {
  size_t len;
  const char *sig = lode_checkbytes(L, 4, &len);
  pk_job tmp, *j = job_args(L, &tmp, 5, 8);
  j->run = verify_run;
  j->push = verify_push;
  if (len > sizeof j->sig) len = 0;  /* cannot match: verify says no */
  memcpy(j->sig, sig, len);
  j->siglen = len;
  return lode__pk_job_end(L, j);
}
/* }====================================================== */
