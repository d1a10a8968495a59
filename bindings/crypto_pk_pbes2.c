/*
** crypto_pk_pbes2.c: part of lode.binding.crypto_pk (no luaopen):
** passphrase encryption of private keys, where mbedTLS 2.28 falls short.
** - PKCS#8 PBES2 (RFC 8018): PBKDF2 with any HMAC-SHA PRF, then
**   AES-128/192/256-CBC or DES-EDE3-CBC. mbedTLS 2.28 decrypts PBES2 only
**   with DES, while OpenSSL and Node default to AES-256-CBC. Encryption
**   writes what Node 20 (OpenSSL 3.0) writes: an 8-byte salt, 2048 iterations,
**   hmacWithSHA256.
** - Legacy PEM (Proc-Type: 4,ENCRYPTED, DEK-Info) for PKCS#1 and SEC1
**   keys: OpenSSL's EVP_BytesToKey(MD5, IV[0..8], passphrase, 1).
**   mbedTLS reads these itself; only writing is here.
** C only; runs on the loop thread (export) or wherever parse runs.
*/
#include <stdlib.h>
#include <string.h>
#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/cipher.h>
#include <mbedtls/md.h>
#include <mbedtls/md5.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>
#include "crypto_pk.h"

#define ITERATIONS 2048
#define SALT_LEN 8
#define OID_AES "\x60\x86\x48\x01\x65\x03\x04\x01"
#define CHK(f) do { if ((rc = (f)) < 0) goto done; len += (size_t)rc; \
  } while (0)

typedef struct pbe_cipher {
  const char *name;              /* Node's (OpenSSL's) cipher name */
  const char *dek;               /* the legacy PEM DEK-Info name */
  const char *oid;
  size_t oidlen;
  mbedtls_cipher_type_t type;
} pbe_cipher;

static const pbe_cipher ciphers[] = {
  {"aes-256-cbc", "AES-256-CBC", OID_AES "\x2a", 9, MBEDTLS_CIPHER_AES_256_CBC},
  {"aes-192-cbc", "AES-192-CBC", OID_AES "\x16", 9, MBEDTLS_CIPHER_AES_192_CBC},
  {"aes-128-cbc", "AES-128-CBC", OID_AES "\x02", 9, MBEDTLS_CIPHER_AES_128_CBC},
  {"des-ede3-cbc", "DES-EDE3-CBC", MBEDTLS_OID_DES_EDE3_CBC,
   sizeof MBEDTLS_OID_DES_EDE3_CBC - 1, MBEDTLS_CIPHER_DES_EDE3_CBC},
  {NULL, NULL, NULL, 0, MBEDTLS_CIPHER_NONE}
};

static const pbe_cipher *cipher_by_name (const char *s) {
  int i;
  for (i = 0; ciphers[i].name != NULL; i++)
    if (strcasecmp(ciphers[i].name, s) == 0) return &ciphers[i];
  return NULL;
}

static const pbe_cipher *cipher_by_oid (const mbedtls_asn1_buf *oid) {
  int i;
  for (i = 0; ciphers[i].name != NULL; i++)
    if (oid->len == ciphers[i].oidlen
        && memcmp(oid->p, ciphers[i].oid, oid->len) == 0) return &ciphers[i];
  return NULL;
}

/* CBC with PKCS#7 padding; out needs len + block size bytes. */
static int cbc (const mbedtls_cipher_info_t *ci, mbedtls_operation_t op,
                const unsigned char *key, const unsigned char *iv,
                const unsigned char *in, size_t len, unsigned char *out,
                size_t *olen) {
  mbedtls_cipher_context_t c;
  int rc;
  mbedtls_cipher_init(&c);
  rc = mbedtls_cipher_setup(&c, ci);
  if (rc == 0) rc = mbedtls_cipher_setkey(&c, key, (int)ci->key_bitlen, op);
  if (rc == 0) rc = mbedtls_cipher_crypt(&c, iv, ci->iv_size, in, len, out,
                                         olen);
  mbedtls_cipher_free(&c);
  return rc;
}

static int pbkdf2 (mbedtls_md_type_t md, const unsigned char *pw,
                   size_t pwlen, const unsigned char *salt, size_t slen,
                   unsigned iter, unsigned char *key, size_t klen) {
  mbedtls_md_context_t ctx;
  int rc;
  mbedtls_md_init(&ctx);
  rc = mbedtls_md_setup(&ctx, mbedtls_md_info_from_type(md), 1);
  if (rc == 0) rc = mbedtls_pkcs5_pbkdf2_hmac(&ctx, pw, pwlen, salt, slen,
                                              iter, (uint32_t)klen, key);
  mbedtls_md_free(&ctx);
  return rc;
}

/*
** {======================================================
** Decryption
** =======================================================
*/

typedef struct pbes2_params {
  mbedtls_asn1_buf salt, iv;
  int iter, keylen;
  mbedtls_md_type_t prf;
  const pbe_cipher *cipher;
} pbes2_params;

/* PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER,
** keyLength INTEGER OPTIONAL, prf AlgorithmIdentifier DEFAULT SHA1 } */
static int read_pbkdf2 (mbedtls_asn1_buf *kp, pbes2_params *pp) {
  unsigned char *p = kp->p, *end = p + kp->len;
  mbedtls_asn1_buf prf, prfp;
  size_t n;
  pp->keylen = -1;
  pp->prf = MBEDTLS_MD_SHA1;
  if (kp->tag != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
      || mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_OCTET_STRING) != 0)
    return 1;
  pp->salt.p = p;
  pp->salt.len = n;
  p += n;
  if (mbedtls_asn1_get_int(&p, end, &pp->iter) != 0 || pp->iter <= 0)
    return 1;
  if (p < end && *p == MBEDTLS_ASN1_INTEGER
      && mbedtls_asn1_get_int(&p, end, &pp->keylen) != 0) return 1;
  if (p < end && (mbedtls_asn1_get_alg(&p, end, &prf, &prfp) != 0
                  || mbedtls_oid_get_md_hmac(&prf, &pp->prf) != 0))
    return 1;
  return p == end ? 0 : 1;
}

/* PBES2-params ::= SEQUENCE { keyDerivationFunc, encryptionScheme } */
static int read_pbes2 (mbedtls_asn1_buf *params, pbes2_params *pp) {
  unsigned char *p = params->p, *end = p + params->len;
  mbedtls_asn1_buf kdf, kdfp, enc, encp;
  if (params->tag != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
      || mbedtls_asn1_get_alg(&p, end, &kdf, &kdfp) != 0
      || MBEDTLS_OID_CMP(MBEDTLS_OID_PKCS5_PBKDF2, &kdf) != 0
      || read_pbkdf2(&kdfp, pp) != 0
      || mbedtls_asn1_get_alg(&p, end, &enc, &encp) != 0 || p != end
      || (pp->cipher = cipher_by_oid(&enc)) == NULL
      || encp.tag != MBEDTLS_ASN1_OCTET_STRING)
    return 1;
  pp->iv = encp;
  return 0;
}

static int decrypt_data (const pbes2_params *pp, const unsigned char *pw,
                         size_t pwlen, const unsigned char *enc,
                         size_t elen, unsigned char **out, size_t *outlen) {
  const mbedtls_cipher_info_t *ci =
    mbedtls_cipher_info_from_type(pp->cipher->type);
  unsigned char key[32];
  size_t klen = ci->key_bitlen / 8;
  int rc;
  if (pp->iv.len != ci->iv_size
      || (pp->keylen >= 0 && (size_t)pp->keylen != klen))
    return MBEDTLS_ERR_PK_KEY_INVALID_FORMAT;
  if ((*out = (unsigned char *)malloc(elen + 16)) == NULL)
    return MBEDTLS_ERR_PK_ALLOC_FAILED;
  rc = pbkdf2(pp->prf, pw, pwlen, pp->salt.p, pp->salt.len,
              (unsigned)pp->iter, key, klen);
  if (rc == 0) rc = cbc(ci, MBEDTLS_DECRYPT, key, pp->iv.p, enc, elen, *out,
                        outlen);
  mbedtls_platform_zeroize(key, sizeof key);
  if (rc != 0) {
    mbedtls_platform_zeroize(*out, elen + 16);
    free(*out);
    *out = NULL;
    return rc == MBEDTLS_ERR_CIPHER_INVALID_PADDING
      ? MBEDTLS_ERR_PK_PASSWORD_MISMATCH : rc;
  }
  return 0;
}

int lode__pbes2_decrypt (const unsigned char *der, size_t len,
                         const unsigned char *pw, size_t pwlen,
                         unsigned char **out, size_t *outlen) {
  unsigned char *p = (unsigned char *)der, *end = p + len;
  mbedtls_asn1_buf alg, params;
  pbes2_params pp;
  size_t n;
  if (mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_CONSTRUCTED
                           | MBEDTLS_ASN1_SEQUENCE) != 0 || p + n != end
      || mbedtls_asn1_get_alg(&p, end, &alg, &params) != 0
      || mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_OCTET_STRING) != 0
      || p + n != end)
    return 1;                    /* no EncryptedPrivateKeyInfo */
  if (pw == NULL) return MBEDTLS_ERR_PK_PASSWORD_REQUIRED;
  if (MBEDTLS_OID_CMP(MBEDTLS_OID_PKCS5_PBES2, &alg) != 0
      || read_pbes2(&params, &pp) != 0)
    return 1;                    /* PKCS#12 schemes: mbedTLS's */
  return decrypt_data(&pp, pw, pwlen, p, n, out, outlen);
}
/* }====================================================== */

/*
** {======================================================
** Encryption
** =======================================================
*/

/* The PBES2 AlgorithmIdentifier, written backwards from *p. */
static int write_pbes2_alg (unsigned char **p, unsigned char *start,
                            const pbe_cipher *pc, const unsigned char *iv,
                            size_t ivlen, const unsigned char *salt) {
  size_t len = 0, enc, kdf;
  int rc;
  CHK(mbedtls_asn1_write_octet_string(p, start, iv, ivlen));
  CHK(mbedtls_asn1_write_algorithm_identifier(p, start, pc->oid, pc->oidlen,
                                              len));
  enc = len = (size_t)rc;
  CHK(mbedtls_asn1_write_algorithm_identifier(p, start,
      MBEDTLS_OID_HMAC_SHA256, MBEDTLS_OID_SIZE(MBEDTLS_OID_HMAC_SHA256), 0));
  CHK(mbedtls_asn1_write_int(p, start, ITERATIONS));
  CHK(mbedtls_asn1_write_octet_string(p, start, salt, SALT_LEN));
  CHK(mbedtls_asn1_write_len(p, start, len - enc));
  CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED
                             | MBEDTLS_ASN1_SEQUENCE));
  kdf = len - enc;
  CHK(mbedtls_asn1_write_algorithm_identifier(p, start,
      MBEDTLS_OID_PKCS5_PBKDF2, MBEDTLS_OID_SIZE(MBEDTLS_OID_PKCS5_PBKDF2),
      kdf));
  len = enc + (size_t)rc;
  CHK(mbedtls_asn1_write_len(p, start, len));
  CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED
                             | MBEDTLS_ASN1_SEQUENCE));
  rc = mbedtls_asn1_write_algorithm_identifier(p, start,
      MBEDTLS_OID_PKCS5_PBES2, MBEDTLS_OID_SIZE(MBEDTLS_OID_PKCS5_PBES2), len);
done:
  return rc;
}

int lode__pbes2_encrypt (const unsigned char *der, size_t dlen,
                         const char *cipher, const unsigned char *pw,
                         size_t pwlen, unsigned char *buf, size_t size,
                         pk_rng f_rng, void *p_rng) {
  const pbe_cipher *pc = cipher_by_name(cipher);
  const mbedtls_cipher_info_t *ci;
  unsigned char salt[SALT_LEN], iv[16], key[32], *p = buf + size, *enc;
  size_t len = 0, elen = 0;
  int rc;
  if (pc == NULL) return MBEDTLS_ERR_CIPHER_FEATURE_UNAVAILABLE;
  ci = mbedtls_cipher_info_from_type(pc->type);
  if ((enc = (unsigned char *)malloc(dlen + 16)) == NULL)
    return MBEDTLS_ERR_PK_ALLOC_FAILED;
  if ((rc = f_rng(p_rng, salt, sizeof salt)) == 0
      && (rc = f_rng(p_rng, iv, ci->iv_size)) == 0
      && (rc = pbkdf2(MBEDTLS_MD_SHA256, pw, pwlen, salt, sizeof salt,
                      ITERATIONS, key, ci->key_bitlen / 8)) == 0)
    rc = cbc(ci, MBEDTLS_ENCRYPT, key, iv, der, dlen, enc, &elen);
  mbedtls_platform_zeroize(key, sizeof key);
  if (rc != 0) goto done;
  CHK(mbedtls_asn1_write_octet_string(&p, buf, enc, elen));
  CHK(write_pbes2_alg(&p, buf, pc, iv, ci->iv_size, salt));
  CHK(mbedtls_asn1_write_len(&p, buf, len));
  CHK(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED
                             | MBEDTLS_ASN1_SEQUENCE));
  rc = (int)len;
done:
  free(enc);                     /* ciphertext only: nothing to wipe */
  return rc;
}

/* OpenSSL's EVP_BytesToKey with MD5 and one round: D_i = MD5(D_{i-1} ||
** passphrase || salt), the key is D_1 || D_2 ... cut to klen. */
static int bytes_to_key (const unsigned char *pw, size_t pwlen,
                         const unsigned char *salt, unsigned char *key,
                         size_t klen) {
  mbedtls_md5_context md;
  unsigned char d[16];
  size_t have = 0, n;
  int rc = 0;
  mbedtls_md5_init(&md);
  while (rc == 0 && have < klen) {
    rc = mbedtls_md5_starts_ret(&md);
    if (rc == 0 && have > 0) rc = mbedtls_md5_update_ret(&md, d, sizeof d);
    if (rc == 0) rc = mbedtls_md5_update_ret(&md, pw, pwlen);
    if (rc == 0) rc = mbedtls_md5_update_ret(&md, salt, 8);
    if (rc == 0) rc = mbedtls_md5_finish_ret(&md, d);
    n = klen - have < sizeof d ? klen - have : sizeof d;
    memcpy(key + have, d, n);
    have += n;
  }
  mbedtls_md5_free(&md);
  mbedtls_platform_zeroize(d, sizeof d);
  return rc;
}

int lode__pem_encrypt (const char *label, const unsigned char *der,
                       size_t len, const char *cipher,
                       const unsigned char *pw, size_t pwlen,
                       unsigned char *out, size_t size, size_t *olen,
                       pk_rng f_rng, void *p_rng) {
  const pbe_cipher *pc = cipher_by_name(cipher);
  const mbedtls_cipher_info_t *ci;
  unsigned char iv[16], key[32], *enc;
  char head[160], foot[64], hex[33];
  size_t elen = 0, i;
  int rc;
  if (pc == NULL) return MBEDTLS_ERR_CIPHER_FEATURE_UNAVAILABLE;
  ci = mbedtls_cipher_info_from_type(pc->type);
  if ((enc = (unsigned char *)malloc(len + 16)) == NULL)
    return MBEDTLS_ERR_PK_ALLOC_FAILED;
  if ((rc = f_rng(p_rng, iv, ci->iv_size)) == 0
      && (rc = bytes_to_key(pw, pwlen, iv, key, ci->key_bitlen / 8)) == 0)
    rc = cbc(ci, MBEDTLS_ENCRYPT, key, iv, der, len, enc, &elen);
  mbedtls_platform_zeroize(key, sizeof key);
  if (rc == 0) {
    for (i = 0; i < ci->iv_size; i++)
      snprintf(hex + 2 * i, 3, "%02X", iv[i]);
    snprintf(head, sizeof head, "-----BEGIN %s-----\nProc-Type: 4,ENCRYPTED"
             "\nDEK-Info: %s,%s\n\n", label, pc->dek, hex);
    snprintf(foot, sizeof foot, "-----END %s-----\n", label);
    rc = mbedtls_pem_write_buffer(head, foot, enc, elen, out, size, olen);
    if (rc == 0 && *olen > 0) (*olen)--;         /* the NUL */
  }
  free(enc);
  return rc;
}
/* }====================================================== */
