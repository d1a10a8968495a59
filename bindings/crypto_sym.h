/*
** crypto_sym.h: what the symmetric crypto bindings (crypto_hash.c,
** crypto_cipher.c, crypto_kdf.c) share through crypto_sym.c: the digest
** table (Nettle's nettle_hash descriptors, so every algorithm's glue is
** written once), HMAC over any of them, byte arguments with Node's input
** encodings, output as a Buffer or an encoded string, and raising the
** Error tables that lua/lode/crypto/ modules build (STYLE.md rule 6).
*/
#ifndef LODE_CRYPTO_SYM_H
#define LODE_CRYPTO_SYM_H

#include <stdint.h>
#include <nettle/nettle-meta.h>
#include "lode.h"

/* Copies the n bytes of s lower-cased (ASCII) to out, NUL-terminated;
** returns 0 when n is 0 or they do not fit in 'size' bytes. For names
** looked up case-insensitively (digests, ciphers). */
int lode__crypto_lower (const char *s, size_t n, char *out, size_t size);
/* The digest named s (case-insensitive, Node's names and aliases), or
** NULL. */
const struct nettle_hash *lode__crypto_hash (const char *s, size_t n);
/* Pushes a sequence of the digest names (getHashes), sorted. */
void lode__crypto_hash_names (lua_State *L);

/*
** HMAC over any nettle_hash: a lode_hmac is followed by three hash
** contexts (outer, inner, state), lode__hmac_size bytes in all. The
** update/digest functions have Nettle's nettle_hash_*_func shapes with
** the lode_hmac as context, for Nettle's generic pbkdf2 and hkdf.
*/
typedef struct lode_hmac {
  const struct nettle_hash *h;
  uint64_t ctx[];              /* outer, inner, state: 8-aligned */
} lode_hmac;
size_t lode__hmac_size (const struct nettle_hash *h);
void lode__hmac_key (lode_hmac *m, const struct nettle_hash *h,
                     size_t len, const uint8_t *key);
void lode__hmac_update (void *m, size_t len, const uint8_t *data);
void lode__hmac_digest (void *m, size_t len, uint8_t *out);

/* init(make_error): the Lua function that builds our Error tables from
** (kind, detail, value). Every crypto binding exports it as 'init'. */
int lode__crypto_init (lua_State *L);
/* Pushes make_error(kind, detail, value at idx (0: nil)). */
void lode__crypto_error (lua_State *L, const char *kind, const char *detail,
                         int idx);
/* Raises the same. Never returns. */
int lode__crypto_throw (lua_State *L, const char *kind, const char *detail,
                        int idx);

/* The state of the Hash/Cipher object at argument 1 (a table whose [1]
** is a userdata with the metatable at upvalue 1 of the running C
** function); raises make_error("this", cls) for anything else. */
void *lode__crypto_self (lua_State *L, const char *cls);

/*
** The bytes of argument idx: a Buffer, or a string in the encoding at
** argument enc (0, nil, an unknown name or utf8: the string's own
** bytes). A decoded string leaves its bytes in a new userdata on the
** stack (keep the stack until done with them). Other types raise
** make_error("type", name). Odd-length hex raises "encoding".
*/
const uint8_t *lode__crypto_bytes (lua_State *L, int idx, int enc,
                                   const char *name, size_t *len);
/* Pushes n bytes as a Buffer when the encoding at argument enc is none,
** nil, "buffer" or unknown (as Node's digest), else as a string in that
** encoding. */
void lode__crypto_push (lua_State *L, const uint8_t *p, size_t n, int enc);
/* A new Buffer of len bytes, pushed, without zeroing large ones (the
** caller fills every byte). */
uint8_t *lode__crypto_buffer (lua_State *L, size_t len);

#endif
