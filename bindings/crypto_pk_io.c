/*
** crypto_pk_io.c: part of lode.binding.crypto_pk (no luaopen): reading
** and writing keys. parse takes PEM or DER in every form mbedTLS reads
** (SPKI, PKCS#1, SEC1, PKCS#8, legacy-encrypted PEM, the public key of
** an X.509 certificate) plus PKCS#8
** encrypted with PBES2 over AES, which mbedTLS 2.28 lacks
** (crypto_pk_pbes2.c). export writes SPKI, PKCS#1 (public and private),
** SEC1 and PKCS#8 as PEM or DER, optionally encrypted; PKCS#8 is built
** here (mbedTLS 2.28 only writes PKCS#1/SEC1) in OpenSSL's layout, so
** lode's output matches Node's byte for byte where the key does.
**
** Every buffer that held private key bytes is wiped before it is freed.
*/
#include <stdlib.h>
#include <string.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>
#include "crypto_pk.h"
#include "crypto_rng.h"

#define OUT_MAX 16384            /* any key up to RSA-8192, as PEM */
#define PUB_MAX 2600             /* an RSA-8192 SPKI */

#define CHK(f) do { if ((rc = (f)) < 0) return rc; len += (size_t)rc; \
  } while (0)

static void wipe_free (unsigned char *p, size_t n) {
  if (p == NULL) return;
  mbedtls_platform_zeroize(p, n);
  free(p);
}

/*
** {======================================================
** parse(data, private, passphrase) -> key box
** =======================================================
*/

/* The DER of an "ENCRYPTED PRIVATE KEY" PEM block in buf (NUL-ended),
** or buf itself when it is not PEM. Returns 0, or 1 when there is no
** such block (then mbedTLS reads buf as it is). */
static int parse_encrypted (mbedtls_pem_context *pem, const unsigned char *buf,
                            size_t len, int is_pem,
                            const unsigned char **der, size_t *dlen) {
  size_t used;
  if (!is_pem) {
    *der = buf;
    *dlen = len;
    return 0;
  }
  if (mbedtls_pem_read_buffer(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----",
                              "-----END ENCRYPTED PRIVATE KEY-----", buf,
                              NULL, 0, &used) != 0)
    return 1;
  *der = pem->buf;
  *dlen = pem->buflen;
  return 0;
}

/* Reads a private key from buf (plen bytes; a PEM's count includes its
** NUL), decrypting PBES2 PKCS#8 itself. */
static int parse_private (pk_box *b, const unsigned char *buf, size_t plen,
                          int is_pem, const unsigned char *pw,
                          size_t pwlen) {
  mbedtls_pem_context pem;
  const unsigned char *enc;
  unsigned char *der = NULL;
  size_t elen, dlen = 0;
  int rc = 1;
  mbedtls_pem_init(&pem);
  if (parse_encrypted(&pem, buf, plen, is_pem, &enc, &elen) == 0)
    rc = lode__pbes2_decrypt(enc, elen, pw, pwlen, &der, &dlen);
  mbedtls_pem_free(&pem);
  if (rc == 1)                   /* not ours: mbedTLS reads it all */
    return mbedtls_pk_parse_key(&b->pk, buf, plen, pw, pwlen);
  if (rc != 0) return rc;
  rc = mbedtls_pk_parse_key(&b->pk, der, dlen, NULL, 0);
  wipe_free(der, dlen);
  return rc == 0 ? 0 : MBEDTLS_ERR_PK_PASSWORD_MISMATCH;
}

/* The public key of an X.509 certificate in buf (Node's createPublicKey
** takes certificates too), moved into b. */
static int parse_certificate (pk_box *b, const unsigned char *buf,
                              size_t plen) {
  mbedtls_x509_crt crt;
  unsigned char der[PUB_MAX];
  int rc;
  mbedtls_x509_crt_init(&crt);
  rc = mbedtls_x509_crt_parse(&crt, buf, plen);
  if (rc == 0) rc = mbedtls_pk_write_pubkey_der(&crt.pk, der, sizeof der);
  if (rc > 0)
    rc = mbedtls_pk_parse_public_key(&b->pk, der + sizeof der - rc,
                                     (size_t)rc);
  mbedtls_x509_crt_free(&crt);
  return rc;
}

/* parse(data, private, passphrase|nil) -> box, or nil, kind, detail. With
** private false a public key is tried first, then a certificate, then a
** private key (its box says priv: the Lua side takes the public half). */
int lode__pk_parse (lua_State *L) {
  size_t len, pwlen = 0;
  const char *data = lode_checkbytes(L, 1, &len);
  int want_priv = lua_toboolean(L, 2), rc = 0, is_pem;
  const unsigned char *pw = NULL;
  unsigned char *buf;
  pk_box *b;
  if (!lua_isnoneornil(L, 3))
    pw = (const unsigned char *)lode_checkbytes(L, 3, &pwlen);
  b = lode__pk_push(L);
  if ((buf = (unsigned char *)malloc(len + 1)) == NULL)
    return luaL_error(L, "not enough memory");
  memcpy(buf, data, len);
  buf[len] = '\0';               /* mbedTLS reads PEM as a C string */
  is_pem = memmem(data, len, "-----BEGIN ", 11) != NULL;
  if (!want_priv) {
    rc = mbedtls_pk_parse_public_key(&b->pk, buf, len + (is_pem ? 1 : 0));
    if (rc != 0) {
      mbedtls_pk_free(&b->pk);
      mbedtls_pk_init(&b->pk);
      if (is_pem && strstr((const char *)buf, "CERTIFICATE-----") != NULL)
        rc = parse_certificate(b, buf, len + (is_pem ? 1 : 0));
    }
    if (rc != 0) {
      mbedtls_pk_free(&b->pk);
      mbedtls_pk_init(&b->pk);
    }
  }
  if (want_priv || rc != 0) {
    rc = parse_private(b, buf, len + (is_pem ? 1 : 0), is_pem, pw, pwlen);
    b->priv = rc == 0;
  }
  wipe_free(buf, len + 1);
  if (rc != 0) return lode__pk_fail(L, lode__pk_parse_kind(rc), rc);
  return 1;
}
/* }====================================================== */

/*
** {======================================================
** public(box) -> a box with the public half only
** =======================================================
*/

int lode__pk_public (lua_State *L) {
  pk_box *b = lode__pk_check(L, 1), *nb;
  unsigned char buf[PUB_MAX];
  int rc;
  uv_mutex_lock(&b->mu);
  rc = mbedtls_pk_write_pubkey_der(&b->pk, buf, sizeof buf);
  uv_mutex_unlock(&b->mu);
  if (rc < 0) return lode__pk_fail(L, "FAILED", rc);
  nb = lode__pk_push(L);
  rc = mbedtls_pk_parse_public_key(&nb->pk, buf + sizeof buf - rc,
                                   (size_t)rc);
  if (rc != 0) return lode__pk_fail(L, "FAILED", rc);
  return 1;
}
/* }====================================================== */

/*
** {======================================================
** info(box) -> type, private, bits, exponent | curve name
** =======================================================
*/

static int is_ec (mbedtls_pk_type_t t) {
  return t == MBEDTLS_PK_ECKEY || t == MBEDTLS_PK_ECKEY_DH
    || t == MBEDTLS_PK_ECDSA;
}

static void info_exponent (lua_State *L, mbedtls_rsa_context *rsa) {
  mbedtls_mpi e;
  unsigned char b[8];
  lua_Integer v = 0;
  int i;
  mbedtls_mpi_init(&e);
  if (mbedtls_rsa_export(rsa, NULL, NULL, NULL, NULL, &e) == 0
      && mbedtls_mpi_bitlen(&e) <= 62
      && mbedtls_mpi_write_binary(&e, b, sizeof b) == 0)
    for (i = 0; i < 8; i++) v = (v << 8) | b[i];
  mbedtls_mpi_free(&e);
  lua_pushinteger(L, v);
}

int lode__pk_info (lua_State *L) {
  pk_box *b = lode__pk_check(L, 1);
  mbedtls_pk_type_t t = mbedtls_pk_get_type(&b->pk);
  lua_pushstring(L, t == MBEDTLS_PK_RSA ? "rsa" : is_ec(t) ? "ec"
                 : "unknown");
  lua_pushboolean(L, b->priv);
  lua_pushinteger(L, (lua_Integer)mbedtls_pk_get_bitlen(&b->pk));
  if (t == MBEDTLS_PK_RSA) {
    uv_mutex_lock(&b->mu);
    info_exponent(L, mbedtls_pk_rsa(b->pk));
    uv_mutex_unlock(&b->mu);
  } else if (is_ec(t)) {
    lua_pushstring(L, lode__pk_curve_name(mbedtls_pk_ec(b->pk)->grp.id));
  } else {
    lua_pushnil(L);
  }
  return 4;
}
/* }====================================================== */

/*
** {======================================================
** PKCS#8, as OpenSSL writes it
** =======================================================
*/

/* ECPrivateKey (RFC 5915) without the curve, which PKCS#8 names in its
** algorithm: version 1, the scalar padded to the group size, [1] the
** uncompressed public point. Written backwards from *p. */
static int write_ec_inner (mbedtls_ecp_keypair *ec, unsigned char **p,
                           unsigned char *start) {
  unsigned char tmp[2 * MBEDTLS_ECP_MAX_BYTES + 1];
  size_t len = 0, n = 0, bytes = (ec->grp.nbits + 7) / 8, pub = 0;
  int rc;
  if ((rc = mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q,
      MBEDTLS_ECP_PF_UNCOMPRESSED, &n, tmp, sizeof tmp)) != 0) return rc;
  CHK(mbedtls_asn1_write_bitstring(p, start, tmp, n * 8));
  pub = len;
  CHK(mbedtls_asn1_write_len(p, start, pub));
  CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC
                             | MBEDTLS_ASN1_CONSTRUCTED | 1));
  rc = mbedtls_ecp_write_key(ec, tmp, bytes);
  if (rc == 0) rc = mbedtls_asn1_write_octet_string(p, start, tmp, bytes);
  mbedtls_platform_zeroize(tmp, sizeof tmp);
  if (rc < 0) return rc;
  len += (size_t)rc;
  CHK(mbedtls_asn1_write_int(p, start, 1));
  CHK(mbedtls_asn1_write_len(p, start, len));
  CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED
                             | MBEDTLS_ASN1_SEQUENCE));
  return (int)len;
}

int lode__pk_write_pkcs8 (mbedtls_pk_context *pk, unsigned char *buf,
                          size_t size) {
  unsigned char *p = buf + size;
  mbedtls_pk_type_t t = mbedtls_pk_get_type(pk);
  const char *oid;
  size_t len = 0, oidlen, par = 0;
  int rc;
  if (t == MBEDTLS_PK_RSA) {
    CHK(mbedtls_pk_write_key_der(pk, buf, size));
    p -= len;
  } else {
    CHK(write_ec_inner(mbedtls_pk_ec(*pk), &p, buf));
  }
  CHK(mbedtls_asn1_write_len(&p, buf, len));
  CHK(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_OCTET_STRING));
  if (t != MBEDTLS_PK_RSA) {
    if ((rc = mbedtls_oid_get_oid_by_ec_grp(mbedtls_pk_ec(*pk)->grp.id,
                                            &oid, &oidlen)) != 0) return rc;
    if ((rc = mbedtls_asn1_write_oid(&p, buf, oid, oidlen)) < 0) return rc;
    par = (size_t)rc;
  }
  if ((rc = mbedtls_oid_get_oid_by_pk_alg(t == MBEDTLS_PK_RSA
      ? MBEDTLS_PK_RSA : MBEDTLS_PK_ECKEY, &oid, &oidlen)) != 0) return rc;
  CHK(mbedtls_asn1_write_algorithm_identifier(&p, buf, oid, oidlen, par));
  CHK(mbedtls_asn1_write_int(&p, buf, 0));
  CHK(mbedtls_asn1_write_len(&p, buf, len));
  CHK(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED
                             | MBEDTLS_ASN1_SEQUENCE));
  return (int)len;
}
/* }====================================================== */

/*
** {======================================================
** export(box, kind, format, cipher, passphrase) -> PEM string | DER
** =======================================================
*/

/* The DER of kind ("spki", "pkcs1-public", "pkcs1", "sec1", "pkcs8"),
** at the end of buf; its PEM label in *label. */
static int export_der (pk_box *b, const char *kind, unsigned char *buf,
                       size_t size, const char **label) {
  unsigned char *p = buf + size;
  int rsa = mbedtls_pk_get_type(&b->pk) == MBEDTLS_PK_RSA;
  if (strcmp(kind, "spki") == 0) {
    *label = "PUBLIC KEY";
    return mbedtls_pk_write_pubkey_der(&b->pk, buf, size);
  } else if (strcmp(kind, "pkcs1-public") == 0) {
    *label = "RSA PUBLIC KEY";
    return mbedtls_pk_write_pubkey(&p, buf, &b->pk);
  } else if (strcmp(kind, "pkcs8") == 0) {
    *label = "PRIVATE KEY";
    return lode__pk_write_pkcs8(&b->pk, buf, size);
  }
  *label = rsa ? "RSA PRIVATE KEY" : "EC PRIVATE KEY";
  return mbedtls_pk_write_key_der(&b->pk, buf, size);
}

/* PEM of der under label (no encryption). */
static int export_pem (const char *label, const unsigned char *der,
                       size_t len, unsigned char *out, size_t size,
                       size_t *olen) {
  char head[64], foot[64];
  int rc;
  snprintf(head, sizeof head, "-----BEGIN %s-----\n", label);
  snprintf(foot, sizeof foot, "-----END %s-----\n", label);
  rc = mbedtls_pem_write_buffer(head, foot, der, len, out, size, olen);
  if (rc == 0 && *olen > 0) (*olen)--;           /* the NUL */
  return rc;
}

/* What export encrypts with: the cipher name and passphrase (arguments
** 4 and 5) and the state's generator, all fetched before any buffer is
** allocated (they may raise). */
typedef struct crypt_args {
  const char *cipher;
  const unsigned char *pw;
  size_t pwlen;
  void *rng;
} crypt_args;

/* Encrypts der: PKCS#8 as EncryptedPrivateKeyInfo (PEM or DER), other
** kinds as legacy PEM. Results in out (*olen bytes). */
static int export_encrypted (const crypt_args *ca, const char *kind,
                             const char *label, const unsigned char *der,
                             size_t len, int pem, unsigned char *out,
                             size_t *olen) {
  unsigned char *tmp;
  size_t clen;
  int rc;
  if (strcmp(kind, "pkcs8") != 0)
    return lode__pem_encrypt(label, der, len, ca->cipher, ca->pw, ca->pwlen,
                             out, OUT_MAX, olen, lode__rng_loop, ca->rng);
  if ((tmp = (unsigned char *)malloc(OUT_MAX)) == NULL)
    return MBEDTLS_ERR_PK_ALLOC_FAILED;
  rc = lode__pbes2_encrypt(der, len, ca->cipher, ca->pw, ca->pwlen, tmp,
                           OUT_MAX, lode__rng_loop, ca->rng);
  if (rc >= 0) {
    clen = (size_t)rc;
    if (pem) {
      rc = export_pem("ENCRYPTED PRIVATE KEY", tmp + OUT_MAX - clen, clen,
                      out, OUT_MAX, olen);
    } else {
      memcpy(out, tmp + OUT_MAX - clen, clen);
      *olen = clen;
      rc = 0;
    }
  }
  wipe_free(tmp, OUT_MAX);
  return rc;
}

/* export(box, kind, format[, cipher, passphrase]) -> PEM string or DER
** Buffer, or nil, kind, detail */
int lode__pk_export (lua_State *L) {
  pk_box *b = lode__pk_check(L, 1);
  const char *kind = luaL_checkstring(L, 2), *label = NULL;
  int pem = strcmp(luaL_checkstring(L, 3), "pem") == 0, rc = 0;
  crypt_args ca = {NULL, NULL, 0, NULL};
  unsigned char *buf, *out;
  size_t olen = 0;
  if (!lua_isnoneornil(L, 4)) {
    ca.cipher = luaL_checkstring(L, 4);
    ca.pw = (const unsigned char *)lode_checkbytes(L, 5, &ca.pwlen);
    if ((ca.rng = lode__rng_state(L, &rc)) == NULL)
      return lode__pk_fail(L, "RNG", rc);
  }
  if ((buf = (unsigned char *)malloc(2 * OUT_MAX)) == NULL)
    return luaL_error(L, "not enough memory");
  out = buf + OUT_MAX;
  uv_mutex_lock(&b->mu);
  rc = export_der(b, kind, buf, OUT_MAX, &label);
  uv_mutex_unlock(&b->mu);
  if (rc >= 0) {
    const unsigned char *der = buf + OUT_MAX - rc;
    size_t len = (size_t)rc;
    if (ca.cipher != NULL)
      rc = export_encrypted(&ca, kind, label, der, len, pem, out, &olen);
    else if (pem) rc = export_pem(label, der, len, out, OUT_MAX, &olen);
    else {
      memcpy(out, der, len);
      olen = len;
      rc = 0;
    }
  }
  if (rc == 0 && pem) lua_pushlstring(L, (const char *)out, olen);
  else if (rc == 0) memcpy(lode_buffer_new(L, olen), out, olen);
  wipe_free(buf, 2 * OUT_MAX);
  if (rc != 0)
    return lode__pk_fail(L, rc == MBEDTLS_ERR_CIPHER_FEATURE_UNAVAILABLE
                         ? "CIPHER" : "FAILED", rc);
  return 1;
}
/* }====================================================== */
