/*
** bench/crypto_pk/floor.c: the libraries' own speed, called from C, for
** the workloads of pk.lua: mbedTLS 2.28 (what lode uses: the floor lode
** can reach) and Nettle/hogweed 3.8 on GMP (what switching library would
** give). Usage: floor WHAT KEYDIR [SECONDS], WHAT one of mbedtls-rsa-sign,
** mbedtls-rsa-verify, mbedtls-ec-sign, mbedtls-ec-verify,
** hogweed-rsa-sign, hogweed-rsa-verify, hogweed-ec-sign,
** hogweed-ec-verify. Prints operations per second of CPU time. mbedTLS
** reads KEYDIR/rsa.pem and KEYDIR/ec.pem; hogweed makes its own keys of
** the same sizes (RSA-2048, e = 65537; P-256).
** Build: cc -O2 floor.c -lmbedcrypto -lhogweed -lnettle -lgmp
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecdsa.h>
#include <nettle/knuth-lfib.h>
#include <nettle/rsa.h>
#include <nettle/sha2.h>

static double cpu (void) {
  return (double)clock() / CLOCKS_PER_SEC;
}

typedef void (*op_fn) (void);
static double secs = 2;

static void run (op_fn op) {
  double t0 = cpu();
  long n = 0;
  do {
    int i;
    for (i = 0; i < 10; i++) op();
    n += 10;
  } while (cpu() - t0 < secs);
  printf("%ld\n", (long)(n / (cpu() - t0)));
}

static unsigned char msg[64], hash[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
static size_t siglen;
static mbedtls_pk_context pk;
static mbedtls_ctr_drbg_context drbg;

static void mb_sign (void) {
  mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), msg, 64, hash);
  if (mbedtls_pk_sign(&pk, MBEDTLS_MD_SHA256, hash, 32, sig, &siglen,
                      mbedtls_ctr_drbg_random, &drbg) != 0) abort();
}

static void mb_verify (void) {
  mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), msg, 64, hash);
  if (mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, 32, sig, siglen) != 0)
    abort();
}

static int mbedtls_main (const char *what, const char *dir) {
  char path[512];
  mbedtls_entropy_context ent;
  mbedtls_entropy_init(&ent);
  mbedtls_ctr_drbg_init(&drbg);
  mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0);
  mbedtls_pk_init(&pk);
  snprintf(path, sizeof path, "%s/%s.pem", dir,
           strstr(what, "rsa") ? "rsa" : "ec");
  if (mbedtls_pk_parse_keyfile(&pk, path, NULL) != 0) return 1;
  mb_sign();
  run(strstr(what, "sign") ? mb_sign : mb_verify);
  return 0;
}

static struct knuth_lfib_ctx lfib;
static struct rsa_public_key rpub;
static struct rsa_private_key rpriv;
static mpz_t rsig;
static struct ecc_point epub;
static struct ecc_scalar ekey;
static struct dsa_signature esig;

static void sha (void) {
  struct sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, 64, msg);
  sha256_digest(&c, 32, hash);
}

static void rnd (void *ctx, size_t n, uint8_t *out) {
  knuth_lfib_random(ctx, n, out);
}

static void hw_rsa_sign (void) {
  sha();
  if (!rsa_sha256_sign_digest_tr(&rpub, &rpriv, &lfib, rnd, hash, rsig))
    abort();
}

static void hw_rsa_verify (void) {
  sha();
  if (!rsa_sha256_verify_digest(&rpub, hash, rsig)) abort();
}

static void hw_ec_sign (void) {
  sha();
  ecdsa_sign(&ekey, &lfib, rnd, 32, hash, &esig);
}

static void hw_ec_verify (void) {
  sha();
  if (!ecdsa_verify(&epub, 32, hash, &esig)) abort();
}

static int hogweed_main (const char *what) {
  knuth_lfib_init(&lfib, 4711);
  if (strstr(what, "rsa")) {
    rsa_public_key_init(&rpub);
    rsa_private_key_init(&rpriv);
    mpz_init(rsig);
    mpz_set_ui(rpub.e, 65537);
    if (!rsa_generate_keypair(&rpub, &rpriv, &lfib, rnd, NULL, NULL, 2048, 0))
      return 1;
    hw_rsa_sign();
    run(strstr(what, "sign") ? hw_rsa_sign : hw_rsa_verify);
  } else {
    ecc_point_init(&epub, nettle_get_secp_256r1());
    ecc_scalar_init(&ekey, nettle_get_secp_256r1());
    dsa_signature_init(&esig);
    ecdsa_generate_keypair(&epub, &ekey, &lfib, rnd);
    hw_ec_sign();
    run(strstr(what, "sign") ? hw_ec_sign : hw_ec_verify);
  }
  return 0;
}

int main (int argc, char **argv) {
  if (argc < 3) return 2;
  if (argc > 3) secs = atof(argv[3]);
  memset(msg, 'm', sizeof msg);
  if (strncmp(argv[1], "mbedtls-", 8) == 0)
    return mbedtls_main(argv[1], argv[2]);
  return hogweed_main(argv[1]);
}
