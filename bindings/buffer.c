/*
** buffer.c: lode.binding.buffer, the bytes of every Buffer (API.md 4
** "buffer", DESIGN.md 3) and the byte access other bindings use
** (lode_tobytes, lode_buffer_new, lode_buffer_adopt in lode.h).
**
** A Buffer is a full userdata { data, len, off, blk } with the metatable
** "lode.Buffer" (no __gc). Its bytes live in one of two places:
**  - inline, after the header in the same userdata (from, alloc, concat):
**    the collector owns them, so a small Buffer costs one allocation and
**    no finalizer, which is what makes Buffer.from + toString cheap;
**  - in a malloc'd block { refs, shared, size, bytes } (adopted reads,
**    allocShared), owned by a small "holder" userdata whose __gc drops
**    the block's reference. refs counts holders across Lua states (worker
**    threads), hence atomic.
** A slice points into its parent's bytes and keeps the owner (the inline
** Buffer or the holder) alive through its user value, so the memory goes
** with its last reference.
**
** This file never builds Error tables (STYLE.md rule 6): lode.buffer
** hands binding.init a Lua constructor, lode__buf_throw calls it and
** raises what it returns. Argument checks that are cheap in C live here,
** with Node's codes and texts; the rest is in lua/lode/buffer.lua. The
** other parts of this binding: buffer_num.c (the number reads and
** writes, swap16/32/64) and buffer_bytes.c (the pure byte work: text
** encodings, search, fill, byte order); buffer_box.h is what they share.
*/
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lode.h"
#include "buffer_box.h"


/* Registry keys (addresses, STYLE.md rule 8). */
static const char key_mt = 0, key_methods = 0, key_holder = 0;
static const char key_err = 0, key_loaded = 0, key_from = 0;
static const char key_acct = 0;
/* Values in the methods table that __index answers from the Buffer. */
static const char key_len = 0, key_off = 0;

/* {======== Errors, argument checks */

/*
** Requires lode.buffer once, for Buffers that other bindings made before
** anyone did: it installs the Lua methods and the Error constructor.
** Returns whether this call loaded it.
*/
static int buf_load (lua_State *L) {
  int done = lua_rawgetp(L, LUA_REGISTRYINDEX, &key_loaded) != LUA_TNIL;
  lua_pop(L, 1);
  if (done) return 0;
  lua_pushboolean(L, 1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_loaded);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "lode.buffer");
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);  /* plain errors */
  return 1;
}

/*
** Raises the Error that the constructor given to binding.init builds
** from (kind, name, what, value): kind is "type", "range", "int",
** "bounds", "encoding" or "size"; value is the argument at vidx (0: nil).
** Without a constructor (binding used alone) raises a plain string.
*/
int lode__buf_throw (lua_State *L, const char *kind, const char *name,
                     const char *what, int vidx) {
  if (vidx != 0) vidx = lua_absindex(L, vidx);
  if (vidx > lua_gettop(L)) vidx = 0;       /* an absent argument: nil */
  buf_load(L);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &key_err) != LUA_TFUNCTION)
    return luaL_error(L, "Buffer: %s error: %s %s", kind, name ? name : "",
                      what ? what : "");
  lua_pushstring(L, kind);
  lua_pushstring(L, name);
  lua_pushstring(L, what);
  if (vidx != 0) lua_pushvalue(L, vidx);
  else lua_pushnil(L);
  lua_call(L, 4, 1);
  return lua_error(L);
}

/* Raises ERR_OUT_OF_RANGE for the argument at idx with a range text. */
int lode__buf_range (lua_State *L, const char *name, int idx,
                     const char *fmt, lua_Integer lo, lua_Integer hi) {
  idx = lua_absindex(L, idx);
  lua_pushfstring(L, fmt, lo, hi);
  return lode__buf_throw(L, "range", name, lua_tostring(L, -1), idx);
}

/* The Buffer at idx, or NULL; mt is the index of its metatable. */
static lode_buf *buf_test (lua_State *L, int idx, int mt) {
  lode_buf *b = (lode_buf *)lua_touserdata(L, idx);
  int ok;
  if (b == NULL || !lua_getmetatable(L, idx)) return NULL;
  ok = lua_rawequal(L, -1, mt);
  lua_pop(L, 1);
  return ok ? b : NULL;
}

/* The Buffer argument at idx (raises ERR_INVALID_ARG_TYPE naming it). */
lode_buf *lode__buf_arg (lua_State *L, int idx, const char *name) {
  lode_buf *b = buf_test(L, idx, UP_MT);
  if (b == NULL) lode__buf_throw(L, "type", name, "an instance of Buffer", idx);
  return b;
}

/* Bytes of a string or Buffer argument, or NULL. */
static const char *bytes_arg (lua_State *L, int idx, size_t *len) {
  lode_buf *b;
  if (lua_type(L, idx) == LUA_TSTRING) return lua_tolstring(L, idx, len);
  if ((b = buf_test(L, idx, UP_MT)) == NULL) return NULL;
  *len = b->len;
  return b->data;
}

/* Node's validateInteger: nil gives def, else an integer in [lo, hi]. */
static lua_Integer arg_int (lua_State *L, int idx, const char *name,
                            lua_Integer def, lua_Integer lo,
                            lua_Integer hi) {
  int isnum;
  lua_Integer v;
  if (lua_isnoneornil(L, idx)) return def;
  if (lua_type(L, idx) != LUA_TNUMBER)
    lode__buf_throw(L, "type", name, "number", idx);
  v = lua_tointegerx(L, idx, &isnum);
  if (!isnum) lode__buf_throw(L, "range", name, "an integer", idx);
  if (v < lo || v > hi) lode__buf_range(L, name, idx, ">= %I && <= %I", lo, hi);
  return v;
}

/* JS Math.trunc(+v) as an integer: NaN and non-numbers give nan. */
static lua_Integer arg_trunc (lua_State *L, int idx, lua_Integer nan) {
  int isnum;
  lua_Integer i = lua_tointegerx(L, idx, &isnum);
  lua_Number d;
  if (isnum) return i;
  d = lua_tonumberx(L, idx, &isnum);
  if (!isnum || d != d) return nan;
  if (d >= 0x1p62) return (lua_Integer)1 << 62;
  if (d <= -0x1p62) return -((lua_Integer)1 << 62);
  return (lua_Integer)d;
}

/* A byte as a Uint8Array stores it: modulo 256, floats truncated,
** NaN, infinities and non-numbers 0, booleans 0/1. */
static unsigned byte_of (lua_State *L, int idx) {
  int isnum;
  lua_Integer i = lua_tointegerx(L, idx, &isnum);
  lua_Number d;
  if (isnum) return (unsigned)(i & 0xFF);
  if (lua_isboolean(L, idx)) return (unsigned)lua_toboolean(L, idx);
  d = lua_tonumberx(L, idx, &isnum);
  if (!isnum || d != d || d == HUGE_VAL || d == -HUGE_VAL) return 0;
  d = fmod(trunc(d), 256.0);
  return (unsigned)(d < 0 ? d + 256.0 : d);
}

/* }======== */

/* {======== Creating Buffers */

/* Pushes a Buffer of n uninitialized inline bytes; mt: its metatable. */
static lode_buf *buf_new (lua_State *L, size_t n, int mt) {
  lode_buf *b;
  if (n > BUF_MAX) luaL_error(L, "Buffer: %I bytes is too large",
                              (lua_Integer)n);
  b = (lode_buf *)lua_newuserdatauv(L, sizeof(lode_buf) + n, 0);
  b->data = (char *)(b + 1);
  b->len = n;
  b->off = 0;
  b->blk = NULL;
  lua_pushvalue(L, mt);
  lua_setmetatable(L, -2);
  return b;
}

static lode_block *block_new (size_t n, int shared) {
  lode_block *k = (lode_block *)calloc(1, sizeof(lode_block) + n);
  if (k == NULL) return NULL;
  atomic_init(&k->refs, 1);
  k->shared = shared;
  k->size = n;
  k->bytes = k->data;
  return k;
}

static void block_release (lode_block *k) {
  if (atomic_fetch_sub(&k->refs, 1) != 1) return;
  if (k->bytes != k->data) free(k->bytes);
  free(k);
}

static int holder_gc (lua_State *L) {
  lode_block **h = (lode_block **)lua_touserdata(L, 1);
  if (*h != NULL) block_release(*h);
  *h = NULL;
  return 0;
}

/*
** External memory, one count per Lua state (a userdata in the registry,
** made by buf_build). The collector sees only the small holders, not
** the malloc'd blocks they own, so a loop of big reads would outrun it
** unless it is told about them, as Node tells V8 of external memory.
** Telling it through LUA_GCSTEP does not work in generational mode (the
** host's and lua.c's): a step there is a young collection, and a
** Buffer that lived through two of them (one waiting in a stream's
** queue) is old, freed only by a major collection, which external
** memory never triggers. So the bytes are counted and, once they pass
** 'limit' (the Lua heap's size, at least ACCT_FLOOR: as if the heap had
** doubled, Lua's own rule for a major), the collector runs a full
** collection. Garbage blocks stay within about one limit; young ones
** usually go sooner, with the young collections Lua runs anyway.
*/
typedef struct buf_acct { size_t ext, limit; } buf_acct;
#define ACCT_FLOOR ((size_t)16 << 20)

/* Counts n more bytes of external memory; may run a full collection
** (and so finalizers: C only, holder_gc). A collector stopped by the
** user stays stopped. */
static void buf_account (lua_State *L, size_t n) {
  buf_acct *a;
  size_t heap;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_acct);
  a = (buf_acct *)lua_touserdata(L, -1);
  lua_pop(L, 1);                         /* the registry keeps it */
  if ((a->ext += n) < a->limit || !lua_gc(L, LUA_GCISRUNNING)) return;
  a->ext = 0;
  lua_gc(L, LUA_GCCOLLECT);
  heap = (size_t)lua_gc(L, LUA_GCCOUNT) << 10;
  a->limit = heap > ACCT_FLOOR ? heap : ACCT_FLOOR;
}

/*
** Pushes a Buffer over [off, off + len) of k, taking over one reference
** of k (a holder userdata's __gc drops it), and counts len as external
** memory. Raises only on memory errors, which then leak that reference.
*/
static lode_buf *buf_onblock (lua_State *L, lode_block *k, size_t off,
                              size_t len, int mt) {
  lode_block **h;
  lode_buf *b;
  buf_account(L, len);
  h = (lode_block **)lua_newuserdatauv(L, sizeof *h, 0);
  *h = k;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_holder);
  lua_setmetatable(L, -2);
  b = (lode_buf *)lua_newuserdatauv(L, sizeof *b, 1);
  b->data = k->bytes + off;
  b->len = len;
  b->off = off;
  b->blk = k;
  lua_pushvalue(L, mt);
  lua_setmetatable(L, -2);
  lua_rotate(L, -2, 1);          /* holder on top */
  lua_setiuservalue(L, -2, 1);
  return b;
}

/* }======== */

/* The encoding argument: nil and "" are utf8; a non-string is utf8 when
** 'lenient' (Buffer.from), else, like an unknown name, an error. */
static int enc_arg (lua_State *L, int idx, int lenient) {
  size_t n;
  const char *s;
  int e, t = lua_type(L, idx);
  if (t == LUA_TSTRING) {
    s = lua_tolstring(L, idx, &n);
    if (n == 0) return ENC_UTF8;
    if ((e = lode__enc_find(s, n)) >= 0) return e;
  } else if (t <= LUA_TNIL || lenient) return ENC_UTF8;
  return lode__buf_throw(L, "encoding", NULL, NULL, idx);
}

/* {======== Metamethods */

/* A key that is no method. lode.buffer adds Lua methods to the same
** table; a Buffer made by another binding before anyone required it
** loads it here. */
static int buf_miss (lua_State *L) {
  if (!buf_load(L)) return 0;
  lua_pushvalue(L, 2);
  lua_rawget(L, UP_METHODS);
  return 1;
}

/* buf[i] (0-based; out of range gives nil), then methods and fields.
** A method lookup touches no bytes, so only the other paths check that
** self is a Buffer (the method checks it again). */
static int buf_index (lua_State *L) {
  lode_buf *b;
  lua_Integer i;
  int isnum;
  if (lua_type(L, 2) == LUA_TNUMBER) {
    b = buf_self(L);
    i = lua_tointegerx(L, 2, &isnum);
    if (isnum && (lua_Unsigned)i < b->len)
      lua_pushinteger(L, (unsigned char)b->data[i]);
    else lua_pushnil(L);
    return 1;
  }
  lua_pushvalue(L, 2);
  switch (lua_rawget(L, UP_METHODS)) {
    case LUA_TNIL: return buf_miss(L);
    case LUA_TLIGHTUSERDATA:
      b = buf_self(L);
      lua_pushinteger(L, (lua_Integer)(lua_touserdata(L, -1) == &key_len
                                       ? b->len : b->off));
      return 1;
    default: return 1;
  }
}

/* buf[i] = v stores a byte (modulo 256); out of range is ignored. */
static int buf_newindex (lua_State *L) {
  lode_buf *b = buf_self(L);
  lua_Integer i;
  int isnum;
  if (lua_type(L, 2) != LUA_TNUMBER)
    return lode__buf_throw(L, "type", "index", "number", 2);
  i = lua_tointegerx(L, 2, &isnum);
  if (isnum && (lua_Unsigned)i < b->len) b->data[i] = (char)byte_of(L, 3);
  return 0;
}

static int buf_len (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)buf_self(L)->len);
  return 1;
}

/* a .. b with strings, numbers or Buffers: a Lua string. */
static int buf_concat (lua_State *L) {
  size_t la, lb;
  const char *a, *b;
  luaL_Buffer out;
  char *d;
  a = lua_type(L, 1) == LUA_TNUMBER ? lua_tolstring(L, 1, &la)
                                    : bytes_arg(L, 1, &la);
  b = lua_type(L, 2) == LUA_TNUMBER ? lua_tolstring(L, 2, &lb)
                                    : bytes_arg(L, 2, &lb);
  if (a == NULL || b == NULL)
    return luaL_error(L, "attempt to concatenate a %s value",
                      luaL_typename(L, a == NULL ? 1 : 2));
  d = luaL_buffinitsize(L, &out, la + lb);
  memcpy(d, a, la);
  memcpy(d + la, b, lb);
  luaL_pushresultsize(&out, la + lb);
  return 1;
}

static int buf_eq (lua_State *L) {
  lode_buf *a = buf_test(L, 1, UP_MT), *b = buf_test(L, 2, UP_MT);
  lua_pushboolean(L, a != NULL && b != NULL && a->len == b->len &&
                  memcmp(a->data, b->data, a->len) == 0);
  return 1;
}

/* }======== */

/* {======== Methods */

/* toString(enc, start, finish): start/finish clamp as Node's. */
static int buf_tostring (lua_State *L) {
  lode_buf *b = buf_self(L);
  int enc = enc_arg(L, 2, 0);
  size_t s = 0, e = b->len;
  lua_Integer v;
  if (lua_gettop(L) > 2) {
    v = arg_trunc(L, 3, 0);
    s = v <= 0 ? 0 : (size_t)v < e ? (size_t)v : e;
    if (!lua_isnoneornil(L, 4)) {
      v = arg_trunc(L, 4, 0);
      e = v <= 0 ? 0 : (size_t)v < e ? (size_t)v : e;
    }
    if (e < s) e = s;
  }
  lode__enc_push(L, enc, b->data + s, e - s);
  return 1;
}

/* write(string, offset, length, enc); (string, enc); returns bytes. */
static int buf_write (lua_State *L) {
  lode_buf *b = buf_self(L);
  size_t n, off = 0, cap = b->len;
  const char *s;
  int enc = ENC_UTF8;
  if (lua_type(L, 2) != LUA_TSTRING)
    return lode__buf_throw(L, "type", "string", "string", 2);
  s = lua_tolstring(L, 2, &n);
  if (lua_type(L, 3) == LUA_TSTRING && lua_isnoneornil(L, 4))
    enc = enc_arg(L, 3, 0);
  else if (!lua_isnoneornil(L, 3)) {
    off = (size_t)arg_int(L, 3, "offset", 0, 0, (lua_Integer)b->len);
    cap = b->len - off;
    if (lua_type(L, 4) == LUA_TSTRING) enc = enc_arg(L, 4, 0);
    else {
      if (!lua_isnoneornil(L, 4)) {
        size_t l = (size_t)arg_int(L, 4, "length", 0, 0,
                                   (lua_Integer)b->len);
        if (l < cap) cap = l;
      }
      enc = enc_arg(L, 5, 0);
    }
  }
  n = lode__enc_write(enc, b->data + off, cap, s, n);
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

/* Node's adjustOffset: negative counts from the end; clamped. */
static size_t slice_at (lua_Integer v, size_t len) {
  lua_Integer n = (lua_Integer)len;
  if (v < 0) v = n + v > 0 ? n + v : 0;
  return v < n ? (size_t)v : len;
}

/* slice/subarray(start, finish): a view on the same memory, indices
** as Node's (negative from the end, clamped). */
static int buf_slice (lua_State *L) {
  lode_buf *b = buf_self(L), *s;
  size_t st = slice_at(arg_trunc(L, 2, 0), b->len), en = b->len;
  if (!lua_isnoneornil(L, 3)) en = slice_at(arg_trunc(L, 3, 0), b->len);
  if (en < st) en = st;
  s = (lode_buf *)lua_newuserdatauv(L, sizeof *s, 1);
  s->data = b->data + st;
  s->len = en - st;
  s->off = b->off + st;
  s->blk = b->blk;
  lua_pushvalue(L, UP_MT);
  lua_setmetatable(L, -2);
  if (lua_getiuservalue(L, 1, 1) == LUA_TNONE) {  /* b owns its bytes */
    lua_pop(L, 1);
    lua_pushvalue(L, 1);
  }
  lua_setiuservalue(L, -2, 1);
  return 1;
}

/* copy(target, targetStart, sourceStart, sourceEnd): bytes copied. */
static int buf_copy (lua_State *L) {
  lode_buf *b = buf_self(L), *t = lode__buf_arg(L, 2, "target");
  lua_Integer ts = arg_trunc(L, 3, 0), ss = arg_trunc(L, 4, 0);
  lua_Integer se = lua_isnoneornil(L, 5) ? (lua_Integer)b->len
                                         : arg_trunc(L, 5, 0);
  lua_Integer tl = (lua_Integer)t->len, sl = (lua_Integer)b->len, nb;
  if (ts < 0) lode__buf_range(L, "targetStart", 3, ">= %I", 0, 0);
  if (ss < 0 || ss > sl)
    lode__buf_range(L, "sourceStart", 4, ">= %I && <= %I", 0, sl);
  if (se < 0) lode__buf_range(L, "sourceEnd", 5, ">= %I", 0, 0);
  nb = se - ss;
  if (nb > tl - ts) nb = tl - ts;
  if (nb > sl - ss) nb = sl - ss;
  if (nb > 0) memmove(t->data + ts, b->data + ss, (size_t)nb);
  else nb = 0;
  lua_pushinteger(L, nb);
  return 1;
}

/* compare(target, targetStart, targetEnd, sourceStart, sourceEnd). */
static int buf_compare (lua_State *L) {
  lode_buf *b = buf_self(L);
  size_t n;
  const char *o = bytes_arg(L, 2, &n);
  lua_Integer ts, te, ss, se;
  if (o == NULL)
    lode__buf_throw(L, "type", "target", "an instance of Buffer", 2);
  ts = arg_int(L, 3, "targetStart", 0, 0, (lua_Integer)BUF_MAX);
  te = arg_int(L, 4, "targetEnd", (lua_Integer)n, 0, (lua_Integer)n);
  ss = arg_int(L, 5, "sourceStart", 0, 0, (lua_Integer)BUF_MAX);
  se = arg_int(L, 6, "sourceEnd", (lua_Integer)b->len, 0,
               (lua_Integer)b->len);
  if (ss >= se) lua_pushinteger(L, ts >= te ? 0 : -1);
  else if (ts >= te) lua_pushinteger(L, 1);
  else lua_pushinteger(L, lode__bytes_cmp(b->data + ss, (size_t)(se - ss),
                                          o + ts, (size_t)(te - ts)));
  return 1;
}

/* }======== */

/* {======== Module functions of lode.binding.buffer (for lode.buffer) */

/* init(make_error, from_other): the Lua constructor lode__buf_throw calls,
** and Buffer.from for values that are neither strings nor Buffers. */
static int buffer_init (lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_from);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_err);
  lua_pushboolean(L, 1);       /* lode.buffer is loaded: no lazy require */
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_loaded);
  return 0;
}

/* from(v, enc, ...) is Buffer.from: a new Buffer from a string or a
** copy of a Buffer here; other values go to the Lua from_other given to
** init (nothing without it). */
static int buffer_from (lua_State *L) {
  size_t n, cap;
  const char *s;
  lode_buf *b, *src;
  int enc;
  if (lua_type(L, 1) != LUA_TSTRING) {
    if ((src = buf_test(L, 1, UP_MT)) == NULL) {
      if (lua_rawgetp(L, LUA_REGISTRYINDEX, &key_from) != LUA_TFUNCTION)
        return 0;
      lua_insert(L, 1);
      lua_call(L, lua_gettop(L) - 1, 1);
      return 1;
    }
    b = buf_new(L, src->len, UP_MT);
    memcpy(b->data, src->data, src->len);
    return 1;
  }
  s = lua_tolstring(L, 1, &n);
  enc = enc_arg(L, 2, 1);
  cap = enc == ENC_UTF8 ? n : lode__enc_len(enc, s, n);
  b = buf_new(L, cap, UP_MT);
  if (enc == ENC_UTF8) memcpy(b->data, s, n);
  else b->len = lode__enc_write(enc, b->data, cap, s, n);
  return 1;
}

/* from_array(t): bytes from a sequence of numbers. */
static int buffer_from_array (lua_State *L) {
  lua_Integer n = luaL_len(L, 1), i;
  lode_buf *b = buf_new(L, n > 0 ? (size_t)n : 0, UP_MT);
  for (i = 0; i < n; i++) {
    lua_geti(L, 1, i + 1);
    b->data[i] = (char)byte_of(L, -1);
    lua_pop(L, 1);
  }
  return 1;
}

/* alloc(n, zero): n is checked by Lua; allocUnsafe skips the zeroing. */
static int buffer_alloc (lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  lode_buf *b = buf_new(L, n > 0 ? (size_t)n : 0, UP_MT);
  if (lua_toboolean(L, 2)) memset(b->data, 0, b->len);
  return 1;
}

/* alloc_shared(n): zeroed, in a block with an atomic refcount. */
static int buffer_alloc_shared (lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  lode_block *k;
  if (n > (lua_Integer)BUF_MAX)
    return luaL_error(L, "Buffer: %I bytes is too large", n);
  if ((k = block_new(n > 0 ? (size_t)n : 0, 1)) == NULL)
    return luaL_error(L, "not enough memory");
  buf_onblock(L, k, 0, k->size, UP_MT);
  return 1;
}

/* concat(list, total): total nil means the sum. Returns the Buffer, or
** nil and the index of an element that is no string or Buffer. */
static int buffer_concat (lua_State *L) {
  lua_Integer n = luaL_len(L, 1), i;
  size_t sum = 0, pos = 0, len, k;
  const char *p;
  lode_buf *b;
  for (i = 1; i <= n; i++, lua_pop(L, 1)) {
    lua_geti(L, 1, i);
    if ((p = bytes_arg(L, -1, &len)) == NULL) {
      lua_pushnil(L);
      lua_pushinteger(L, i);
      return 2;
    }
    sum += len;
  }
  b = buf_new(L, (size_t)luaL_optinteger(L, 2, (lua_Integer)sum), UP_MT);
  for (i = 1; i <= n && pos < b->len; i++, lua_pop(L, 1)) {
    lua_geti(L, 1, i);
    p = bytes_arg(L, -1, &len);
    k = len < b->len - pos ? len : b->len - pos;
    memcpy(b->data + pos, p, k);
    pos += k;
  }
  memset(b->data + pos, 0, b->len - pos);
  return 1;
}

/* byte_length(s, enc): Node's byteLength of a string (an unknown
** encoding counts as utf8). */
static int buffer_byte_length (lua_State *L) {
  size_t n, k;
  const char *s = luaL_checklstring(L, 1, &n), *e = NULL;
  int enc = -1;
  if (lua_type(L, 2) == LUA_TSTRING) e = lua_tolstring(L, 2, &k);
  if (e == NULL || (enc = lode__enc_find(e, k)) < 0) enc = ENC_UTF8;
  lua_pushinteger(L, (lua_Integer)lode__enc_len(enc, s, n));
  return 1;
}

/* find(buf, needle, offset, forward): needle is a byte value, string or
** Buffer (already encoded); offset an integer. Returns index or -1. */
static int buffer_find (lua_State *L) {
  lode_buf *b = lode__buf_arg(L, 1, "buffer");
  lua_Integer off = luaL_checkinteger(L, 3);
  char byte = (char)byte_of(L, 2);
  size_t nl = 1;
  const char *nd = lua_type(L, 2) == LUA_TNUMBER ? &byte
                                                 : bytes_arg(L, 2, &nl);
  if (nd == NULL)
    return lode__buf_throw(L, "type", "value", "number, string or Buffer", 2);
  lua_pushinteger(L, lode__bytes_find(b->data, b->len, nd, nl, off,
                                      lua_toboolean(L, 4)));
  return 1;
}

/* fill(buf, value, start, finish): value is a byte value, or a string or
** Buffer pattern (already encoded). Returns false for an empty pattern. */
static int buffer_fill (lua_State *L) {
  lode_buf *b = lode__buf_arg(L, 1, "buffer");
  size_t e = (size_t)luaL_checkinteger(L, 4), s, n;
  const char *p;
  if (e > b->len) e = b->len;
  s = (size_t)luaL_checkinteger(L, 3);
  if (s >= e) { lua_settop(L, 1); return 1; }
  if (lua_type(L, 2) != LUA_TSTRING && buf_test(L, 2, UP_MT) == NULL) {
    memset(b->data + s, (int)byte_of(L, 2), e - s);
    lua_settop(L, 1);
    return 1;
  }
  p = bytes_arg(L, 2, &n);
  if (n == 0) { lua_pushboolean(L, 0); return 1; }
  if (lua_type(L, 2) != LUA_TSTRING)   /* may overlap: copy it first */
    p = lua_pushlstring(L, p, n);
  lode__bytes_fill(b->data + s, e - s, p, n);
  lua_settop(L, 1);
  return 1;
}

/* For binding specs: adopt(s) runs lode_buffer_adopt on a malloc'd copy;
** block_info(buf) gives shared flag and refcount of a block Buffer. */
static int buffer_adopt (lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  char *d = (char *)malloc(n ? n : 1);
  if (d == NULL) return luaL_error(L, "not enough memory");
  memcpy(d, s, n);
  lode_buffer_adopt(L, d, n);
  return 1;
}

static int buffer_block_info (lua_State *L) {
  lode_buf *b = lode__buf_arg(L, 1, "buffer");
  if (b->blk == NULL) return 0;
  lua_pushboolean(L, b->blk->shared);
  lua_pushinteger(L, (lua_Integer)atomic_load(&b->blk->refs));
  return 2;
}

/* }======== */

/* {======== Setup: whichever comes first, luaopen or a lode_* call from
** another binding, builds the complete metatable. */

static const luaL_Reg buf_meta[] = {
  {"__index", buf_index}, {"__newindex", buf_newindex}, {"__len", buf_len},
  {"__concat", buf_concat}, {"__tostring", buf_tostring}, {"__eq", buf_eq},
  {NULL, NULL}
};

static const luaL_Reg buf_methods[] = {
  {"toString", buf_tostring}, {"toLocaleString", buf_tostring},
  {"write", buf_write}, {"slice", buf_slice}, {"subarray", buf_slice},
  {"copy", buf_copy}, {"compare", buf_compare},
  {NULL, NULL}
};

static const luaL_Reg buf_funcs[] = {
  {"init", buffer_init}, {"from", buffer_from},
  {"from_array", buffer_from_array}, {"alloc", buffer_alloc},
  {"alloc_shared", buffer_alloc_shared}, {"concat", buffer_concat},
  {"byte_length", buffer_byte_length},
  {"find", buffer_find}, {"fill", buffer_fill}, {"adopt", buffer_adopt},
  {"block_info", buffer_block_info}, {NULL, NULL}
};

/* Sets l into the table at t, each function closing over the Buffer
** metatable (mt) and the methods table (m); indices are absolute. */
static void buf_setfuncs (lua_State *L, int t, const luaL_Reg *l, int mt,
                          int m) {
  lua_pushvalue(L, t);
  lua_pushvalue(L, mt);
  lua_pushvalue(L, m);
  luaL_setfuncs(L, l, 2);
  lua_pop(L, 1);
}

/* Builds the metatable, the methods table and the holder metatable. */
static void buf_build (lua_State *L) {
  int mt, m;
  buf_acct *acct;
  luaL_newmetatable(L, LODE_BUFFER_MT);
  mt = lua_gettop(L);
  lua_newtable(L);
  m = lua_gettop(L);
  buf_setfuncs(L, mt, buf_meta, mt, m);
  buf_setfuncs(L, m, buf_methods, mt, m);
  lode__buf_numbers(L, mt, m);
  lua_pushlightuserdata(L, (void *)&key_len);
  lua_setfield(L, m, "length");
  lua_pushlightuserdata(L, (void *)&key_len);
  lua_setfield(L, m, "byteLength");
  lua_pushlightuserdata(L, (void *)&key_off);
  lua_setfield(L, m, "byteOffset");
  luaL_newmetatable(L, "lode.Buffer.block");
  lua_pushcfunction(L, holder_gc);
  lua_setfield(L, -2, "__gc");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_holder);
  acct = (buf_acct *)lua_newuserdatauv(L, sizeof *acct, 0);
  acct->ext = 0;
  acct->limit = ACCT_FLOOR;
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_acct);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_methods);
  lua_pushvalue(L, mt);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_mt);    /* complete: publish */
}

/* Pushes the Buffer metatable, building everything on first use. */
static void buf_pushmt (lua_State *L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &key_mt) == LUA_TTABLE) return;
  lua_pop(L, 1);
  buf_build(L);
}

int luaopen_lode_binding_buffer (lua_State *L) {
  int mt, m;
  buf_pushmt(L);
  mt = lua_gettop(L);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_methods);
  m = lua_gettop(L);
  lua_createtable(L, 0, 24);
  buf_setfuncs(L, lua_gettop(L), buf_funcs, mt, m);
  lua_pushvalue(L, m);
  lua_setfield(L, -2, "methods");
  lua_pushvalue(L, mt);
  lua_setfield(L, -2, "metatable");
  lua_pushinteger(L, (lua_Integer)BUF_MAX);
  lua_setfield(L, -2, "MAX_LENGTH");
  return 1;
}

/* }======== */

/* {======== The C API of lode.h, for other bindings */

/* The Buffer at idx or NULL, outside this file's closures. */
static lode_buf *buf_at (lua_State *L, int idx) {
  lode_buf *b;
  idx = lua_absindex(L, idx);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_mt);
  b = buf_test(L, idx, lua_gettop(L));
  lua_pop(L, 1);
  return b;
}

const char *lode_tobytes (lua_State *L, int idx, size_t *len) {
  lode_buf *b;
  if (lua_type(L, idx) == LUA_TSTRING) return lua_tolstring(L, idx, len);
  if ((b = buf_at(L, idx)) == NULL) return NULL;
  *len = b->len;
  return b->data;
}

const char *lode_checkbytes (lua_State *L, int idx, size_t *len) {
  const char *p = lode_tobytes(L, idx, len);
  if (p == NULL) luaL_typeerror(L, idx, "string or Buffer");
  return p;
}

char *lode_tobuffer (lua_State *L, int idx, size_t *len) {
  if (lua_type(L, idx) != LUA_TUSERDATA) return NULL;
  return (char *)lode_tobytes(L, idx, len);
}

char *lode_buffer_new (lua_State *L, size_t len) {
  lode_buf *b;
  buf_pushmt(L);
  b = buf_new(L, len, lua_gettop(L));
  memset(b->data, 0, len);
  lua_remove(L, -2);
  return b->data;
}

/* A block around 'data'; it is freed (with free) by the last holder. */
void lode_buffer_adopt (lua_State *L, char *data, size_t len) {
  lode_block *k;
  if (data == NULL || len == 0) {       /* nothing to own: an empty Buffer */
    free(data);
    lode_buffer_new(L, 0);
    return;
  }
  k = block_new(0, 0);
  if (k == NULL) {
    free(data);
    luaL_error(L, "not enough memory");
    return;
  }
  k->bytes = data;
  k->size = len;
  buf_pushmt(L);
  buf_onblock(L, k, 0, len, lua_gettop(L));
  lua_remove(L, -2);
}

/*
** Sharing with worker threads. lode_buffer_share returns the block of
** an allocShared Buffer at idx with one more reference (NULL for other
** Buffers, which are copied instead), and its view in *off, *len.
** lode_buffer_push_shared pushes a Buffer on it in any Lua state and
** takes that reference over; lode_buffer_unshare drops one never pushed.
*/
void *lode_buffer_share (lua_State *L, int idx, size_t *off, size_t *len) {
  lode_buf *b = buf_at(L, idx);
  if (b == NULL || b->blk == NULL || !b->blk->shared) return NULL;
  atomic_fetch_add(&b->blk->refs, 1);
  *off = b->off;
  *len = b->len;
  return b->blk;
}

void lode_buffer_push_shared (lua_State *L, void *blk, size_t off,
                              size_t len) {
  buf_pushmt(L);
  buf_onblock(L, (lode_block *)blk, off, len, lua_gettop(L));
  lua_remove(L, -2);
}

void lode_buffer_unshare (void *blk) {
  block_release((lode_block *)blk);
}

/* }======== */
