/*
** buffer_box.h: the Buffer object as the parts of lode.binding.buffer
** share it: buffer.c (creation, memory, methods, the lode.h C API) and
** buffer_num.c (number reads and writes, swaps). See buffer.c for how
** the bytes are owned.
*/
#ifndef LODE_BUFFER_BOX_H
#define LODE_BUFFER_BOX_H

#include <stdatomic.h>
#include "lode.h"
#include "buffer_bytes.h"

#define BUF_MAX ((size_t)1 << 32)       /* buffer.constants.MAX_LENGTH */
#define UP_MT lua_upvalueindex(1)       /* every function here closes */
#define UP_METHODS lua_upvalueindex(2)  /* over these two */
#define UP_CODE lua_upvalueindex(3)     /* numeric kind, swap size */

typedef struct lode_block {
  atomic_long refs;            /* holders, in any Lua state */
  int shared;                  /* allocShared: may cross threads */
  size_t size;
  char *bytes;                 /* data below, or adopted malloc'd memory */
  char data[];
} lode_block;

typedef struct lode_buf {
  char *data;                  /* first byte */
  size_t len;
  size_t off;                  /* byteOffset in the owner's memory */
  lode_block *blk;             /* NULL: the bytes live in a userdata */
} lode_buf;

/* Raises the Error lode.buffer's constructor builds from (kind, name,
** what, value at vidx; 0: nil); a plain string without lode.buffer.
** Never returns. */
int lode__buf_throw (lua_State *L, const char *kind, const char *name,
                     const char *what, int vidx);
/* Raises ERR_OUT_OF_RANGE for the argument at idx; fmt words the range
** from lo and hi (lua_pushfstring's %I). Never returns. */
int lode__buf_range (lua_State *L, const char *name, int idx,
                     const char *fmt, lua_Integer lo, lua_Integer hi);
/* The Buffer argument at idx; raises ERR_INVALID_ARG_TYPE naming it.
** Only inside functions that close over the metatable (UP_MT). */
lode_buf *lode__buf_arg (lua_State *L, int idx, const char *name);
#define buf_self(L) lode__buf_arg(L, 1, "this")

/* Adds the read/write methods of every numeric kind and swap16/32/64 to
** the methods table at m, closing over the metatable at mt
** (buffer_num.c). */
void lode__buf_numbers (lua_State *L, int mt, int m);

#endif
