/*
** crypto_rng.h: the random generators of lode.crypto, shared by
** crypto_random.c (which owns them) and the public-key bindings
** (crypto_pk*.c), which hand them to mbedTLS as f_rng/p_rng pairs.
**
** Two kinds of CTR-DRBG (AES-256, seeded from the OS entropy source
** through mbedTLS's entropy collector):
** - one per Lua state, used only on that state's loop thread, seeded on
**   first use and freed with the state (a userdata in its registry);
** - one for the whole process, used only by thread-pool jobs, behind a
**   mutex of its own, seeded on first use and never freed.
** Both reseed after a fork (pthread_atfork bumps a generation counter),
** so a forked child never repeats its parent's stream.
*/
#ifndef LODE_CRYPTO_RNG_H
#define LODE_CRYPTO_RNG_H

#include <stddef.h>
#include "lode.h"

/* The loop thread's generator of L's state as a p_rng for
** lode__rng_loop, seeded on first use; NULL (and the mbedTLS error in
** *rc) when seeding fails. Loop thread only: the pointer stays valid as
** long as the state. Raises only on memory errors. */
void *lode__rng_state (lua_State *L, int *rc);
/* f_rng over a lode__rng_state pointer. Loop thread only. */
int lode__rng_loop (void *p_rng, unsigned char *out, size_t len);
/* f_rng for thread-pool jobs (p_rng is ignored): the process-wide
** generator, locked for each call. Any thread. */
int lode__rng_pool (void *p_rng, unsigned char *out, size_t len);

#endif
