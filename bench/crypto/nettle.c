/*
** nettle.c ALG [MiB]: the library floor for bulk.lua: the same workload
** (MiB MiB in 64 KiB calls from one buffer into one output buffer) on
** Nettle called from C, no Lua. Prints MB/s. Built by bench/crypto.sh.
** FRESH=1 writes each call's output to a new malloc'd 64 KiB block and
** keeps the last 64 (4 MiB) alive, as a program that hands every output
** on does (lode and Node return a new Buffer per update).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <nettle/sha2.h>
#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <nettle/ctr.h>
#include <nettle/gcm.h>
#include <nettle/chacha-poly1305.h>

#define CHUNK 65536
#define RING 64

static uint8_t hot[CHUNK], *ring[RING];
static int fresh;

/* Where call i writes: one hot buffer, or a fresh block (see FRESH). */
static uint8_t *dst (long i) {
  uint8_t *o;
  if (!fresh) return hot;
  o = malloc(CHUNK);
  free(ring[i % RING]);
  ring[i % RING] = o;
  return o;
}

/* CPU time of the process, as bulk.lua (os.clock) and bulk.js. */
static double now (void) {
  return (double)clock() / CLOCKS_PER_SEC;
}

int main (int argc, char **argv) {
  const char *alg = argc > 1 ? argv[1] : "sha256";
  long mib = argc > 2 ? atol(argv[2]) : 256, n = mib * 1024 * 1024 / CHUNK;
  static uint8_t in[CHUNK], key[32], iv[16], dig[64];
  double t0;
  long i;
  fresh = getenv("FRESH") != NULL && atoi(getenv("FRESH")) != 0;
  memset(in, 0x61, sizeof in);
  memset(key, 1, sizeof key);
  memset(iv, 2, sizeof iv);
  t0 = now();
  if (strcmp(alg, "sha256") == 0) {
    struct sha256_ctx c;
    sha256_init(&c);
    for (i = 0; i < n; i++) sha256_update(&c, CHUNK, in);
    sha256_digest(&c, 32, dig);
  } else if (strcmp(alg, "sha512") == 0) {
    struct sha512_ctx c;
    sha512_init(&c);
    for (i = 0; i < n; i++) sha512_update(&c, CHUNK, in);
    sha512_digest(&c, 64, dig);
  } else if (strcmp(alg, "aes-256-gcm") == 0) {
    struct gcm_aes256_ctx c;
    gcm_aes256_set_key(&c, key);
    gcm_aes256_set_iv(&c, 12, iv);
    for (i = 0; i < n; i++) gcm_aes256_encrypt(&c, CHUNK, dst(i), in);
    gcm_aes256_digest(&c, 16, dig);
  } else if (strcmp(alg, "aes-256-cbc") == 0) {
    struct aes256_ctx c;
    aes256_set_encrypt_key(&c, key);
    for (i = 0; i < n; i++) cbc_aes256_encrypt(&c, iv, CHUNK, dst(i), in);
  } else if (strcmp(alg, "aes-256-ctr") == 0) {
    struct aes256_ctx c;
    aes256_set_encrypt_key(&c, key);
    for (i = 0; i < n; i++)
      ctr_crypt(&c, (nettle_cipher_func *)aes256_encrypt, 16, iv, CHUNK,
                dst(i), in);
  } else if (strcmp(alg, "chacha20-poly1305") == 0) {
    struct chacha_poly1305_ctx c;
    chacha_poly1305_set_key(&c, key);
    chacha_poly1305_set_nonce(&c, iv);
    for (i = 0; i < n; i++) chacha_poly1305_encrypt(&c, CHUNK, dst(i), in);
    chacha_poly1305_digest(&c, 16, dig);
  } else {
    fprintf(stderr, "unknown %s\n", alg);
    return 1;
  }
  printf("%ld\n", (long)(n * (double)CHUNK / (now() - t0) / 1e6));
  {
    volatile uint8_t sink = dig[0] ^ hot[0];   /* keep the results */
    (void)sink;
  }
  return 0;
}
