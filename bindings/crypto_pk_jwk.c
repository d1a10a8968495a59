/*
** crypto_pk_jwk.c: part of lode.binding.crypto_pk (no luaopen): a key's
** numbers, for JSON Web Keys (lua/lode/crypto/jwk.lua does the base64url
** and the JWK rules).
** components(box) -> a table of big-endian byte strings: RSA n, e (and
**   d, p, q, dp, dq, qi for a private key); EC x, y padded to the field
**   size (and d padded to the order size).
** from_components(kty, table[, curve]) -> a box, or nil, kind, detail:
**   the same fields back; a key with d is private.
*/
#include <stdlib.h>
#include <string.h>
#include <mbedtls/ecp.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include "crypto_pk.h"

#define MPI_MAX MBEDTLS_MPI_MAX_SIZE

/* t[name] = x as size bytes (0: its own length). Loop thread only. */
static int set_mpi (lua_State *L, const char *name, const mbedtls_mpi *x,
                    size_t size) {
  unsigned char buf[MPI_MAX];
  int rc;
  if (size == 0) size = mbedtls_mpi_size(x);
  if (size == 0) size = 1;
  if (size > sizeof buf) return MBEDTLS_ERR_MPI_BUFFER_TOO_SMALL;
  if ((rc = mbedtls_mpi_write_binary(x, buf, size)) == 0) {
    lua_pushlstring(L, (const char *)buf, size);
    lua_setfield(L, -2, name);
  }
  mbedtls_platform_zeroize(buf, size);
  return rc;
}

static int rsa_components (lua_State *L, mbedtls_rsa_context *rsa,
                           int priv) {
  mbedtls_mpi m[8];              /* n e d p q dp dq qi */
  static const char *names[] = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
  int i, rc;
  for (i = 0; i < 8; i++) mbedtls_mpi_init(&m[i]);
  rc = mbedtls_rsa_export(rsa, &m[0], priv ? &m[3] : NULL,
                          priv ? &m[4] : NULL, priv ? &m[2] : NULL, &m[1]);
  if (rc == 0 && priv) rc = mbedtls_rsa_export_crt(rsa, &m[5], &m[6], &m[7]);
  for (i = 0; rc == 0 && i < (priv ? 8 : 2); i++)
    rc = set_mpi(L, names[i], &m[i], 0);
  for (i = 0; i < 8; i++) mbedtls_mpi_free(&m[i]);
  return rc;
}

static int ec_components (lua_State *L, mbedtls_ecp_keypair *ec, int priv) {
  size_t field = (ec->grp.pbits + 7) / 8, order = (ec->grp.nbits + 7) / 8;
  int rc = set_mpi(L, "x", &ec->Q.X, field);
  if (rc == 0) rc = set_mpi(L, "y", &ec->Q.Y, field);
  if (rc == 0 && priv) rc = set_mpi(L, "d", &ec->d, order);
  return rc;
}

int lode__pk_components (lua_State *L) {
  pk_box *b = lode__pk_check(L, 1);
  int rc;
  lua_newtable(L);
  uv_mutex_lock(&b->mu);
  if (mbedtls_pk_get_type(&b->pk) == MBEDTLS_PK_RSA)
    rc = rsa_components(L, mbedtls_pk_rsa(b->pk), b->priv);
  else
    rc = ec_components(L, mbedtls_pk_ec(b->pk), b->priv);
  uv_mutex_unlock(&b->mu);
  if (rc != 0) return lode__pk_fail(L, "FAILED", rc);
  return 1;
}

/* The bytes of t[name] (at idx) or NULL when absent. */
static const unsigned char *field (lua_State *L, int idx, const char *name,
                                   size_t *len) {
  const char *p;
  lua_getfield(L, idx, name);
  p = lua_tolstring(L, -1, len);
  lua_pop(L, 1);                 /* the table keeps the string */
  if (p == NULL) *len = 0;
  return (const unsigned char *)p;
}

static int rsa_import (lua_State *L, pk_box *b) {
  size_t n, e, d, p, q;
  const unsigned char *N = field(L, 2, "n", &n), *E = field(L, 2, "e", &e);
  const unsigned char *D = field(L, 2, "d", &d), *P = field(L, 2, "p", &p);
  const unsigned char *Q = field(L, 2, "q", &q);
  mbedtls_rsa_context *rsa;
  int rc = mbedtls_pk_setup(&b->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
  if (rc != 0) return rc;
  rsa = mbedtls_pk_rsa(b->pk);
  if (D == NULL) P = Q = NULL;
  rc = mbedtls_rsa_import_raw(rsa, N, n, P, p, Q, q, D, d, E, e);
  if (rc == 0) rc = mbedtls_rsa_complete(rsa);
  if (rc == 0) rc = D != NULL ? mbedtls_rsa_check_privkey(rsa)
                              : mbedtls_rsa_check_pubkey(rsa);
  b->priv = D != NULL;
  return rc;
}

static int ec_import (lua_State *L, pk_box *b) {
  size_t x, y, d, fsize;
  const unsigned char *X = field(L, 2, "x", &x), *Y = field(L, 2, "y", &y);
  const unsigned char *D = field(L, 2, "d", &d);
  int grp = lode__pk_curve(luaL_checkstring(L, 3)), rc;
  unsigned char pt[2 * MBEDTLS_ECP_MAX_BYTES + 1];
  mbedtls_ecp_keypair *ec;
  rc = mbedtls_pk_setup(&b->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc != 0) return rc;
  ec = mbedtls_pk_ec(b->pk);
  if ((rc = mbedtls_ecp_group_load(&ec->grp, (mbedtls_ecp_group_id)grp)))
    return rc;
  fsize = (ec->grp.pbits + 7) / 8;
  if (X == NULL || Y == NULL || x != fsize || y != fsize)
    return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
  pt[0] = 0x04;                  /* uncompressed */
  memcpy(pt + 1, X, x);
  memcpy(pt + 1 + x, Y, y);
  rc = mbedtls_ecp_point_read_binary(&ec->grp, &ec->Q, pt, 1 + 2 * fsize);
  if (rc == 0) rc = mbedtls_ecp_check_pubkey(&ec->grp, &ec->Q);
  if (rc == 0 && D != NULL) {
    rc = mbedtls_mpi_read_binary(&ec->d, D, d);
    if (rc == 0) rc = mbedtls_ecp_check_privkey(&ec->grp, &ec->d);
  }
  b->priv = D != NULL;
  return rc;
}

/* from_components(kty, fields[, curve]) -> box | nil, "JWK", detail */
int lode__pk_from_components (lua_State *L) {
  int rsa = strcmp(luaL_checkstring(L, 1), "RSA") == 0, rc;
  pk_box *b;
  luaL_checktype(L, 2, LUA_TTABLE);
  b = lode__pk_push(L);
  rc = rsa ? rsa_import(L, b) : ec_import(L, b);
  if (rc != 0) return lode__pk_fail(L, "JWK", rc);
  return 1;
}
