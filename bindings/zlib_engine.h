/*
** zlib_engine.h: the compression engine shared by the parts of
** lode.binding.zlib: bindings/zlib.c (the box, thread-pool writes, zlib
** itself, crc32), bindings/zlib_brotli.c (Brotli) and
** bindings/zlib_consts.c (zlib.constants).
**
** An engine is malloc'd apart from its Lua box, so a box collected while
** a write is still on the thread pool (only possible at lua_close) can
** leave the engine to the completion callback, which frees it.
** Everything in here is C only: the run functions execute on a pool
** thread and touch no Lua value (STYLE.md rules 10 and 12).
*/
#ifndef LODE_ZLIB_ENGINE_H
#define LODE_ZLIB_ENGINE_H

#include <stddef.h>
#include <zlib.h>
#include <brotli/decode.h>
#include <brotli/encode.h>
#include "lode.h"

/* Node's node_zlib_mode values, exported as zlib.constants. */
enum {
  ZE_NONE, ZE_DEFLATE, ZE_INFLATE, ZE_GZIP, ZE_GUNZIP, ZE_DEFLATERAW,
  ZE_INFLATERAW, ZE_UNZIP, ZE_BROTLI_DECODE, ZE_BROTLI_ENCODE
};

#define ZE_BROTLI_NPARAMS 10     /* Node's kMaxBrotliParam + 1 */

typedef struct zeng {
  int mode;                  /* ZE_*; UNZIP turns into INFLATE or GUNZIP */
  int open;                  /* initialised and not ended */
  int busy;                  /* a write is on the thread pool */
  int close_pending;         /* close() during that write */
  int orphan;                /* box collected during that write */
  int anchor;                /* registry ref to the box while busy */
  lode_ctx *ctx;
  uv_work_t work;
  /* zlib */
  z_stream strm;
  int level, wbits, memlevel, strategy;
  int gzip_id;               /* UNZIP: gzip magic bytes seen so far */
  unsigned char *dict;       /* malloc'd copy of the dictionary, or NULL */
  size_t dictlen;
  /* Brotli */
  BrotliEncoderState *enc;
  BrotliDecoderState *dec;
  int brparams[ZE_BROTLI_NPARAMS];   /* -1: unset; kept for reset() */
  int brlast;                /* last decoder result / encoder success */
  /* the write in progress (inputs set on the loop thread, the rest by
  ** the run function) */
  int flush;
  const unsigned char *in;   /* pinned input (box user value 1) */
  size_t inlen, consumed;
  char *out;                 /* malloc'd output, handed to a Buffer */
  size_t outlen, outsize, outcap;
  char *ready;               /* the last async write's output, for take() */
  size_t readylen, readysize;
  int more;                  /* output cap reached: call again */
  int failed;                /* the engine hit an error: now unusable */
  int errnum;                /* Node's errno for the error */
  char msg[80], code[64];
} zeng;

/* Makes room in e->out: 0 when there is some, 1 when the cap is reached,
** -1 without memory. 'first' sizes the first allocation. C only. */
int zeng_room (zeng *e, size_t first);
/* Records the error that makes the engine unusable. C only. */
void zeng_fail (zeng *e, int errnum, const char *msg, const char *code);

/* Brotli (zlib_brotli.c). init: 0, or -1 when the library refused a
** parameter or had no memory; run: one write (pool thread, C only);
** end: frees the state (idempotent). */
int zbr_init (zeng *e);
void zbr_run (zeng *e);
void zbr_end (zeng *e);

/* Pushes a new table: Node's zlib.constants (zlib_consts.c). */
void zeng_constants (lua_State *L);

#endif
