/*
** buffer_num.c: the number methods of Buffers, a part of
** lode.binding.buffer (see buffer.c): read/write{UInt,Int}{8,16,32}{LE,BE},
** {UInt,Int}{LE,BE} with a byteLength, {Float,Double}{LE,BE},
** Big{UInt,Int}64{LE,BE} (Node's "Uint" spellings too) and
** swap16/32/64. Each is one C closure whose upvalue 3 says the kind, so
** a read is one call. Arguments are checked with Node's codes and texts
** (lode__buf_throw); the bytes are loaded and stored by buffer_bytes.c.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "buffer_box.h"

/* The kind of a number method (upvalue 3): its size in bytes (0: a
** byteLength argument) and flags. */
#define N_SIGNED 1
#define N_BE 2
#define N_FLOAT 4
#define N_BIG 8
#define N(size, flags) ((size) << 4 | (flags))

static const struct { const char *name; int code; } num_kinds[] = {
  {"UInt8", N(1, 0)}, {"Int8", N(1, N_SIGNED)},
  {"UInt16LE", N(2, 0)}, {"UInt16BE", N(2, N_BE)},
  {"Int16LE", N(2, N_SIGNED)}, {"Int16BE", N(2, N_SIGNED | N_BE)},
  {"UInt32LE", N(4, 0)}, {"UInt32BE", N(4, N_BE)},
  {"Int32LE", N(4, N_SIGNED)}, {"Int32BE", N(4, N_SIGNED | N_BE)},
  {"UIntLE", N(0, 0)}, {"UIntBE", N(0, N_BE)},
  {"IntLE", N(0, N_SIGNED)}, {"IntBE", N(0, N_SIGNED | N_BE)},
  {"FloatLE", N(4, N_FLOAT)}, {"FloatBE", N(4, N_FLOAT | N_BE)},
  {"DoubleLE", N(8, N_FLOAT)}, {"DoubleBE", N(8, N_FLOAT | N_BE)},
  {"BigUInt64LE", N(8, N_BIG)}, {"BigUInt64BE", N(8, N_BIG | N_BE)},
  {"BigInt64LE", N(8, N_BIG | N_SIGNED)},
  {"BigInt64BE", N(8, N_BIG | N_SIGNED | N_BE)}
};

/* The byteLength argument of read/write{U,}Int{LE,BE}: 1..6. */
static int num_bytelen (lua_State *L, int idx) {
  int isnum;
  lua_Integer n = lua_tointegerx(L, idx, &isnum);
  if (lua_type(L, idx) != LUA_TNUMBER)
    lode__buf_throw(L, "type", "byteLength", "number", idx);
  if (!isnum) lode__buf_throw(L, "range", "byteLength", "an integer", idx);
  if (n < 1 || n > 6)
    lode__buf_range(L, "byteLength", idx, ">= %I and <= %I", 1, 6);
  return (int)n;
}

/* The offset argument: an integer with offset + n <= #buf. */
static size_t num_offset (lua_State *L, int idx, lode_buf *b, size_t n,
                          int required) {
  int isnum = 1;
  lua_Integer o = 0;
  if (!lua_isnoneornil(L, idx) || required) {
    if (lua_type(L, idx) != LUA_TNUMBER)
      lode__buf_throw(L, "type", "offset", "number", idx);
    o = lua_tointegerx(L, idx, &isnum);
  }
  if (!isnum) lode__buf_throw(L, "range", "offset", "an integer", idx);
  if (b->len < n) lode__buf_throw(L, "bounds", NULL, NULL, 0);
  if (o < 0 || (size_t)o > b->len - n)
    lode__buf_range(L, "offset", idx, ">= %I and <= %I", 0,
              (lua_Integer)(b->len - n));
  return (size_t)o;
}

static int num_read (lua_State *L) {
  lode_buf *b = buf_self(L);
  int code = (int)lua_tointeger(L, UP_CODE), n = code >> 4;
  const unsigned char *p;
  uint64_t v;
  if (n == 0) n = num_bytelen(L, 3);
  p = (const unsigned char *)b->data + num_offset(L, 2, b, (size_t)n,
                                                  code >> 4 == 0);
  v = lode__bytes_load(p, n, code & N_BE);
  if (code & N_FLOAT) {
    float f;
    double d;
    uint32_t u = (uint32_t)v;
    if (n == 4) { memcpy(&f, &u, 4); d = f; }
    else memcpy(&d, &v, 8);
    lua_pushnumber(L, (lua_Number)d);
  } else if ((code & N_SIGNED) && n < 8 && (v >> (8 * n - 1) & 1))
    lua_pushinteger(L, (lua_Integer)(v | ~(uint64_t)0 << (8 * n)));
  else lua_pushinteger(L, (lua_Integer)v);
  return 1;
}

/* Raises ERR_OUT_OF_RANGE for the value of an n-byte integer write; Lua
** words Node's range from "u4", "i6", "bu8" (b: BigInt, i: signed). */
static int num_badvalue (lua_State *L, int n, int code) {
  lua_pushfstring(L, "%s%c%d", code & N_BIG ? "b" : "",
                  code & N_SIGNED ? 'i' : 'u', n);
  return lode__buf_throw(L, "int", "value", lua_tostring(L, -1), 2);
}/* The bits to store for the value argument (index 2) of a write. */
static uint64_t num_value (lua_State *L, int code, int n) {
  int isnum, sign = code & N_SIGNED;
  lua_Number d = lua_tonumberx(L, 2, &isnum);
  lua_Integer i, max;
  uint64_t v;
  if (!isnum) lode__buf_throw(L, "type", "value", "number", 2);
  if (code & N_FLOAT) {
    float f = (float)d;
    double x = (double)d;
    uint32_t u;
    if (n == 8) { memcpy(&v, &x, 8); return v; }
    memcpy(&u, &f, 4);
    return u;
  }
  i = lua_tointegerx(L, 2, &isnum);
  if (code & N_BIG) {             /* any Lua integer: its 64 bits */
    if (isnum) return (uint64_t)i;
    if (!sign && d >= 0 && d < 0x1p64 && d == floor(d)) return (uint64_t)d;
    return (uint64_t)num_badvalue(L, n, code);
  }
  max = ((lua_Integer)1 << (8 * n - sign)) - 1;        /* n <= 6 here */
  if (!isnum) {                   /* a float: truncated; NaN stores 0 */
    if (d != d) return 0;
    if (d < (lua_Number)(sign ? -max - 1 : 0) || d > (lua_Number)max)
      num_badvalue(L, n, code);
    return (uint64_t)(lua_Integer)d;
  }
  if (i < (sign ? -max - 1 : 0) || i > max) num_badvalue(L, n, code);
  return (uint64_t)i;
}

/* write*(value, offset[, byteLength]): returns offset + bytes written. */
static int num_write (lua_State *L) {
  lode_buf *b = buf_self(L);
  int code = (int)lua_tointeger(L, UP_CODE), n = code >> 4;
  uint64_t v;
  size_t o;
  if (n == 0) n = num_bytelen(L, 4);
  v = num_value(L, code, n);
  o = num_offset(L, 3, b, (size_t)n, code >> 4 == 0);
  lode__bytes_store((unsigned char *)b->data + o, v, n, code & N_BE);
  lua_pushinteger(L, (lua_Integer)(o + (size_t)n));
  return 1;
}

/* swap16/32/64 in place; the size is upvalue 3. */
static int buf_swap (lua_State *L) {
  lode_buf *b = buf_self(L);
  size_t n = (size_t)lua_tointeger(L, UP_CODE);
  if (b->len % n != 0)
    return lode__buf_throw(L, "size", NULL,
                           n == 2 ? "16" : n == 4 ? "32" : "64", 0);
  lode__bytes_swap((unsigned char *)b->data, b->len, n);
  lua_settop(L, 1);
  return 1;
}

/* Adds a closure over (mt, m, code) to m under name. */
static void buf_addcode (lua_State *L, int mt, int m, const char *name,
                         lua_CFunction f, int code) {
  lua_pushvalue(L, mt);
  lua_pushvalue(L, m);
  lua_pushinteger(L, code);
  lua_pushcclosure(L, f, 3);
  lua_setfield(L, m, name);
}

/* read/write for every numeric kind, plus Node's "Uint" aliases. */
void lode__buf_numbers (lua_State *L, int mt, int m) {
  char name[32], *u;
  size_t k;
  int w;
  for (k = 0; k < sizeof num_kinds / sizeof num_kinds[0]; k++)
    for (w = 0; w < 2; w++) {
      snprintf(name, sizeof name, "%s%s", w ? "write" : "read",
               num_kinds[k].name);
      do buf_addcode(L, mt, m, name, w ? num_write : num_read,
                     num_kinds[k].code);
      while ((u = strstr(name, "UInt")) != NULL && (u[1] = 'i'));
    }
  buf_addcode(L, mt, m, "swap16", buf_swap, 2);
  buf_addcode(L, mt, m, "swap32", buf_swap, 4);
  buf_addcode(L, mt, m, "swap64", buf_swap, 8);
}
