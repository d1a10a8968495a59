/*
** crypto_pk.h: what the public-key parts of lode.binding.crypto_pk
** share. crypto_pk.c owns the key boxes, key generation, the thread-pool
** jobs and luaopen; crypto_pk_io.c parses and exports keys (PEM/DER,
** SPKI, PKCS#1, SEC1, PKCS#8); crypto_pk_pbes2.c encrypts and decrypts
** PKCS#8 (PBES2) and legacy PEM; crypto_pk_jwk.c gives and takes a
** key's numbers (JWK); crypto_pk_sign.c signs and verifies.
**
** Failures cross to Lua as nil, KIND, detail: KIND is a short name
** (DECODE, PASSWORD_REQUIRED, BAD_DECRYPT, DATA_TOO_LARGE,
** DIGEST_TOO_BIG, CIPHER, JWK, RNG, ALLOC, FAILED) that
** lua/lode/crypto/keyobject.lua turns into Node's Error (STYLE.md rule
** 6); detail is mbedTLS's text.
*/
#ifndef LODE_CRYPTO_PK_H
#define LODE_CRYPTO_PK_H

#include <mbedtls/pk.h>
#include "lode.h"

/*
** A key box: a userdata holding one mbedTLS key. The mutex serialises
** every use of the key, because mbedTLS caches state inside it (the EC
** group's comb table, RSA blinding values) and a thread-pool job may
** use the key while the loop thread does.
*/
typedef struct pk_box {
  mbedtls_pk_context pk;
  uv_mutex_t mu;
  int ready;                 /* pk and mu initialised: __gc frees them */
  int priv;                  /* holds a private key */
} pk_box;

#define LODE_PK_MT "lode.crypto.pk"

/* Pushes a new empty box, initialised (crypto_pk.c). */
pk_box *lode__pk_push (lua_State *L);
/* The box at idx (raises on anything else). */
pk_box *lode__pk_check (lua_State *L, int idx);
/* Pushes nil, kind, mbedTLS's text for rc; returns 3. */
int lode__pk_fail (lua_State *L, const char *kind, int rc);
/* The kind name for an mbedTLS error from parsing/decrypting a key. */
const char *lode__pk_parse_kind (int rc);

/*
** A job: one operation that runs inline (sync: the state's generator)
** or on the thread pool (async: the pool's generator). run touches only
** C memory; push builds the results on the loop thread. The request box
** pins the key box (if any) until the callback.
*/
typedef int (*pk_rng) (void *p, unsigned char *out, size_t len);
typedef struct pk_job pk_job;
struct pk_job {
  lode_req r;                /* request box header: must come first */
  uv_work_t work;
  int (*run) (pk_job *j, pk_rng f_rng, void *p_rng);
  int (*push) (lua_State *L, pk_job *j);
  const char *kind;          /* failure kind when run returns nonzero */
  pk_box *key;               /* sign/verify: the key used */
  mbedtls_pk_context out;    /* generate: the new key (owned) */
  int has_out;
  int bits, exp, grp;        /* generate: RSA size/exponent, EC group */
  int md;                    /* sign/verify: mbedtls_md_type_t */
  int padding, saltlen, p1363;
  unsigned char hash[64];
  size_t hlen;
  unsigned char sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
  size_t siglen;
  int ok;                    /* verify: the signature matched */
  int async;
  int rc;                    /* async: what run returned */
};

/* A job for a call whose optional callback is argument cb: tmp (zeroed)
** when that is nil, else a new request box with that callback, pinning
** argument pin (0: none). Raises only before anything is owned. */
pk_job *lode__pk_job_begin (lua_State *L, pk_job *tmp, int cb, int pin);
/* Runs j now (sync: its results, or nil, kind, detail) or queues it
** (async: true; the callback later gets (nil, results...) or (kind,
** detail)). Frees what j owns either way. */
int lode__pk_job_end (lua_State *L, pk_job *j);
/* The EC group named s (Node's and OpenSSL's names), or 0; and the name
** Node reports for a group (asymmetricKeyDetails.namedCurve), or NULL. */
int lode__pk_curve (const char *s);
const char *lode__pk_curve_name (int grp);

/* crypto_pk_io.c */
int lode__pk_parse (lua_State *L);
int lode__pk_export (lua_State *L);
int lode__pk_public (lua_State *L);
int lode__pk_info (lua_State *L);
/* Wraps a PKCS#1/SEC1 private key of pk into PKCS#8 DER, written at the
** end of buf (as mbedTLS's writers do); returns its length or an error. */
int lode__pk_write_pkcs8 (mbedtls_pk_context *pk, unsigned char *buf,
                          size_t size);

/* crypto_pk_pbes2.c: PBES2 (PBKDF2 + AES/3DES-CBC) for PKCS#8, and the
** legacy PEM encryption (Proc-Type/DEK-Info) for PKCS#1/SEC1. */
/* Decrypts EncryptedPrivateKeyInfo DER into *out (malloc'd PKCS#8 DER).
** Returns 0, or 1 when der is not PBES2 (let mbedTLS try), or an
** mbedTLS error (a wrong passphrase: MBEDTLS_ERR_PK_PASSWORD_MISMATCH). */
int lode__pbes2_decrypt (const unsigned char *der, size_t len,
                         const unsigned char *pw, size_t pwlen,
                         unsigned char **out, size_t *outlen);
/* Encrypts PKCS#8 DER (der, len) with the named CBC cipher into an
** EncryptedPrivateKeyInfo written at the end of buf; returns its length
** or an error (MBEDTLS_ERR_CIPHER_FEATURE_UNAVAILABLE: unknown cipher). */
int lode__pbes2_encrypt (const unsigned char *der, size_t len,
                         const char *cipher, const unsigned char *pw,
                         size_t pwlen, unsigned char *buf, size_t size,
                         pk_rng f_rng, void *p_rng);
/* Writes der as legacy encrypted PEM (label e.g. "RSA PRIVATE KEY")
** into out (NUL-terminated); *olen excludes the NUL. */
int lode__pem_encrypt (const char *label, const unsigned char *der,
                       size_t len, const char *cipher,
                       const unsigned char *pw, size_t pwlen,
                       unsigned char *out, size_t size, size_t *olen,
                       pk_rng f_rng, void *p_rng);

/* crypto_pk_jwk.c */
int lode__pk_components (lua_State *L);
int lode__pk_from_components (lua_State *L);

/* crypto_pk_sign.c */
int lode__pk_sign (lua_State *L);
int lode__pk_verify (lua_State *L);
int lode__pk_digest (lua_State *L);
int lode__pk_md_new (lua_State *L);
void lode__pk_md_meta (lua_State *L);

#endif
