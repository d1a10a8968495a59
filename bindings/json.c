/*
** json.c: lode.binding.json, the JSON codec under lode.json (API.md
** "json"). Both directions work on Lua values directly: no intermediate
** tree, no malloc. Output grows in a userdata anchored in a stack slot and
** strings are decoded through a luaL_Buffer, so any error (a raising
** toJSON, a memory error, a syntax error) unwinds without leaking.
**
** Errors are Error tables built by lua/lode/internal/errors.lua: lode.json
** installs a raise hook (setraise) that this file calls with a class name
** and a message; without the hook the message is raised as a string.
**
** Choices fixed here (documented in lua/lode/json.lua):
**  - numbers: integers print exactly; floats print JavaScript's shortest
**    round-trip form; NaN and infinities encode as null; on decode,
**    numbers without fraction or exponent become integers (floats when
**    they overflow 64 bits);
**  - object keys are sorted (integer-like keys first, numerically), so the
**    output is the same from run to run whatever Lua's table order is;
**  - an empty table encodes as {}; an empty JSON array decodes to a table
**    with the json.array marker metatable so that it encodes back as [];
**  - nesting deeper than JSON_MAXDEPTH raises a RangeError, both ways.
*/
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lode.h"

#define JSON_MAXDEPTH 1000
#define JSON_SMALLSORT 16           /* keys sorted in a C array up to this */

/* Fields of the config table, upvalue 1 of every function. */
enum { CFG_NULL = 1, CFG_ARRAY, CFG_OBJECT, CFG_RAISE };

static const char hexdig[] = "0123456789abcdef";

/* Pushes the message on top as an error of class 'cls' and raises it. */
static int json_raise (lua_State *L, int cfg, const char *cls) {
  lua_rawgeti(L, cfg, CFG_RAISE);
  if (lua_isfunction(L, -1)) {
    lua_pushstring(L, cls);
    lua_pushvalue(L, -3);
    lua_call(L, 2, 0);           /* the hook raises; if not, raise below */
  } else {
    lua_pop(L, 1);
  }
  return lua_error(L);
}

/*
** {==================================================================
** Numbers
** ===================================================================
*/

/* Writes v in decimal to buf (at least 24 bytes); returns the length. */
static size_t num_fmtint (char *buf, lua_Integer v) {
  char tmp[24];
  size_t n = 0, k = 0;
  lua_Unsigned u = (lua_Unsigned)v;
  if (v < 0) { buf[k++] = '-'; u = 0u - u; }
  do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u != 0);
  while (n > 0) buf[k++] = tmp[--n];
  return k;
}

/* The decimal digits and exponent of the shortest %e form that reads
** back as d: as JavaScript picks them (closest among the shortest). */
static int num_digits (double d, char *dig, int *k) {
  char tmp[48];
  const char *p;
  int prec;
  /* 15 digits always read back exactly for normal doubles, so the first
  ** precision that round-trips from there is the shortest; subnormals
  ** carry fewer digits and start from 1. */
  for (prec = fabs(d) < DBL_MIN ? 1 : 15; prec < 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
    if (strtod(tmp, NULL) == d) break;
  }
  if (prec == 17) snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
  *k = 0;
  for (p = tmp; *p != 'e' && *p != 'E' && *p != '\0'; p++)
    if (*p >= '0' && *p <= '9') dig[(*k)++] = *p;  /* skips sign, point */
  while (*k > 1 && dig[*k - 1] == '0') (*k)--;
  return *p ? atoi(p + 1) : 0;
}

/*
** Writes a finite double as JavaScript's Number.prototype.toString does
** (1.5, 0.1, 1e+21, 1.5e-7; integral values without a point, -0 as 0)
** into buf (at least 32 bytes); returns the length.
*/
static size_t num_fmtfloat (char *buf, double d) {
  char dig[24];
  int k, n, i;
  size_t o = 0;
  if (d == 0) { buf[0] = '0'; return 1; }
  if (fabs(d) < 1e15 && d == floor(d))
    return num_fmtint(buf, (lua_Integer)d);
  n = num_digits(d, dig, &k) + 1;    /* d = 0.DIGITS * 10^n */
  if (d < 0) buf[o++] = '-';
  if (k <= n && n <= 21) {
    memcpy(buf + o, dig, k); o += k;
    for (i = k; i < n; i++) buf[o++] = '0';
  } else if (0 < n && n <= 21) {
    memcpy(buf + o, dig, n); o += n;
    buf[o++] = '.';
    memcpy(buf + o, dig + n, k - n); o += k - n;
  } else if (-6 < n && n <= 0) {
    buf[o++] = '0'; buf[o++] = '.';
    for (i = n; i < 0; i++) buf[o++] = '0';
    memcpy(buf + o, dig, k); o += k;
  } else {
    buf[o++] = dig[0];
    if (k > 1) { buf[o++] = '.'; memcpy(buf + o, dig + 1, k - 1); o += k - 1; }
    o += snprintf(buf + o, 8, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
  }
  return o;
}

/* }================================================================== */

/*
** {==================================================================
** Encoder
** ===================================================================
*/

typedef struct jframe {
  const void *p;             /* the table encoded at this depth */
  int slot;                  /* its stack slot (for the cycle message) */
  int isarray;
} jframe;

typedef struct jenc {
  lua_State *L;
  char *b;                   /* output: 'inl' or a userdata in 'slot' */
  size_t n, cap;
  int slot;                  /* stack slot anchoring the output block */
  int cfg, inull, iamt, iomt, itojson;  /* stack slots */
  const char *gap;           /* indentation unit, NULL for none */
  size_t gaplen;
  int depth;
  jframe path[JSON_MAXDEPTH];
  char inl[1024];
} jenc;

/* Makes room for 'need' more bytes: the block moves to a bigger userdata
** that replaces the old one in its slot (the old one becomes garbage). */
static void enc_grow (jenc *e, size_t need) {
  size_t cap = e->cap * 2;
  char *nb;
  if (cap < e->n + need) cap = e->n + need;
  nb = (char *)lua_newuserdatauv(e->L, cap, 0);
  memcpy(nb, e->b, e->n);
  lua_replace(e->L, e->slot);
  e->b = nb;
  e->cap = cap;
}

#define enc_reserve(e, k) \
  ((e)->cap - (e)->n >= (k) ? (void)0 : enc_grow((e), (k)))
#define enc_char(e, c) (enc_reserve((e), 1), (e)->b[(e)->n++] = (char)(c))

static void enc_add (jenc *e, const char *s, size_t k) {
  enc_reserve(e, k);
  memcpy(e->b + e->n, s, k);
  e->n += k;
}

/* A newline and 'level' gaps, when indenting. */
static void enc_newline (jenc *e, int level) {
  if (e->gap == NULL) return;
  enc_reserve(e, 1 + e->gaplen * (size_t)level);
  e->b[e->n++] = '\n';
  while (level-- > 0) {
    memcpy(e->b + e->n, e->gap, e->gaplen);
    e->n += e->gaplen;
  }
}

/* For each byte: 0 when it is copied as is, else the letter after the
** backslash ('u' means \u00XX), as JSON.stringify escapes. */
static const char esc_tab[256] = {
  'u','u','u','u','u','u','u','u','b','t','n','u','f','r','u','u',
  'u','u','u','u','u','u','u','u','u','u','u','u','u','u','u','u',
  0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0
};

/* A quoted string. Bytes >= 0x80 pass through: UTF-8 stays UTF-8 and
** invalid sequences are kept as they are. */
static void enc_string (jenc *e, const char *s, size_t len) {
  size_t i, run = 0;
  enc_reserve(e, len + 2);
  e->b[e->n++] = '"';
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    char x = esc_tab[c];
    if (x == 0) continue;
    enc_add(e, s + run, i - run);
    enc_reserve(e, 6);
    e->b[e->n++] = '\\';
    e->b[e->n++] = x;
    if (x == 'u') {
      e->b[e->n++] = '0'; e->b[e->n++] = '0';
      e->b[e->n++] = hexdig[c >> 4]; e->b[e->n++] = hexdig[c & 15];
    }
    run = i + 1;
  }
  enc_add(e, s + run, len - run);
  enc_char(e, '"');
}

/* Formats the number at idx as a JSON value or object key into buf (at
** least 32 bytes). Non-finite values give "null" (keys: as JS prints). */
static size_t enc_fmtnum (lua_State *L, int idx, char *buf, int iskey) {
  lua_Number d;
  if (lua_isinteger(L, idx)) return num_fmtint(buf, lua_tointeger(L, idx));
  d = lua_tonumber(L, idx);
  if (d == d && d != HUGE_VAL && d != -HUGE_VAL) return num_fmtfloat(buf, d);
  if (!iskey) { memcpy(buf, "null", 4); return 4; }
  if (d != d) { memcpy(buf, "NaN", 3); return 3; }
  strcpy(buf, d > 0 ? "Infinity" : "-Infinity");
  return strlen(buf);
}

/*
** Applies toJSON to the value on top of the stack (replacing it by the
** result) and tells whether the result is encodable: 0 for what
** JSON.stringify treats as undefined (nil, functions, threads, userdata
** without toJSON). The key passed to toJSON is the value at 'keyslot',
** else the integer 'idx', else "". May call Lua.
*/
static int enc_resolve (jenc *e, int keyslot, lua_Integer idx) {
  lua_State *L = e->L;
  int t = lua_type(L, -1);
  if (t != LUA_TTABLE && t != LUA_TUSERDATA)
    return t != LUA_TNIL && t != LUA_TFUNCTION && t != LUA_TTHREAD &&
      t != LUA_TLIGHTUSERDATA;
  if (lua_rawequal(L, -1, e->inull)) return 1;
  if (!lua_getmetatable(L, -1)) {
    if (t == LUA_TUSERDATA) return 0;
    lua_pushvalue(L, e->itojson);
    lua_rawget(L, -2);              /* a plain table's own toJSON */
  } else if (lua_rawequal(L, -1, e->iamt) || lua_rawequal(L, -1, e->iomt)) {
    lua_pop(L, 1);
    return 1;
  } else {
    lua_pop(L, 1);
    lua_pushvalue(L, e->itojson);
    lua_gettable(L, -2);            /* may run __index */
  }
  if (!lua_isfunction(L, -1)) { lua_pop(L, 1); return t == LUA_TTABLE; }
  lua_insert(L, -2);                /* toJSON, value */
  if (keyslot) lua_pushvalue(L, keyslot);
  else if (idx) lua_pushinteger(L, idx);
  else lua_pushliteral(L, "");
  lua_call(L, 2, 1);
  t = lua_type(L, -1);
  return t != LUA_TNIL && t != LUA_TFUNCTION && t != LUA_TTHREAD &&
    t != LUA_TLIGHTUSERDATA && t != LUA_TUSERDATA;
}

static void enc_value (jenc *e);

/* The key under which the table at child's slot sits in the table at
** parent's slot, pushed as a message fragment ("property 'k'" or
** "index 3"). Only used to build the circular-structure message. */
static void cyc_pushkey (lua_State *L, const jframe *parent,
                         const void *child) {
  int top = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, parent->slot)) {
    if (lua_topointer(L, -1) == child) {
      lua_pop(L, 1);
      if (parent->isarray) lua_pushfstring(L, "index %I", lua_tointeger(L, -1));
      else lua_pushfstring(L, "property '%s'", luaL_tolstring(L, -1, NULL));
      lua_replace(L, top + 1);
      lua_settop(L, top + 1);
      return;
    }
    lua_pop(L, 1);
  }
  lua_pushliteral(L, "property '?'");
}

/* Raises Node's "Converting circular structure to JSON" TypeError for the
** cycle from path[from] to the table on top, with the same layout. */
static void enc_circular (jenc *e, int from, const void *p) {
  lua_State *L = e->L;
  int base = lua_gettop(L), i, last = e->depth - 1, lines = last - from;
  luaL_checkstack(L, 16, NULL);
  lua_pushfstring(L, "Converting circular structure to JSON\n    --> "
    "starting at object with constructor '%s'",
    e->path[from].isarray ? "Array" : "Object");
  for (i = from + 1; i <= last; i++) {
    if (lines > 3 && i > from + 2 && i < last) {
      if (i == from + 3) lua_pushliteral(L, "\n    |     ...");
      else continue;
    } else {
      lua_pushliteral(L, "\n    |     ");
      cyc_pushkey(L, &e->path[i - 1], e->path[i].p);
      lua_pushfstring(L, " -> object with constructor '%s'",
        e->path[i].isarray ? "Array" : "Object");
    }
    lua_concat(L, lua_gettop(L) - base);
  }
  lua_pushliteral(L, "\n    --- ");
  cyc_pushkey(L, &e->path[last], p);
  lua_pushliteral(L, " closes the circle");
  lua_concat(L, lua_gettop(L) - base);
  json_raise(L, e->cfg, "TypeError");
}

/* Enters the table on top: checks depth and cycles, records the frame. */
static void enc_enter (jenc *e, int isarray) {
  lua_State *L = e->L;
  const void *p = lua_topointer(L, -1);
  int i;
  for (i = 0; i < e->depth; i++)
    if (e->path[i].p == p) enc_circular(e, i, p);
  if (e->depth >= JSON_MAXDEPTH) {
    lua_pushliteral(L, "Maximum call stack size exceeded");
    json_raise(L, e->cfg, "RangeError");
  }
  luaL_checkstack(L, 8, "JSON nesting too deep");
  e->path[e->depth].p = p;
  e->path[e->depth].slot = lua_gettop(L);
  e->path[e->depth].isarray = isarray;
  e->depth++;
}

/*
** Tells whether the table at t encodes as an array, and its length: a
** json.array/json.object marker or a __jsontype = "array"|"object"
** metatable field decides; otherwise it must be a non-empty sequence
** (every key an integer in 1..#t).
*/
static int enc_isarray (jenc *e, int t, lua_Integer *len) {
  lua_State *L = e->L;
  lua_Integer n = (lua_Integer)lua_rawlen(L, t), count = 0, k;
  *len = n;
  if (lua_getmetatable(L, t)) {
    int force = lua_rawequal(L, -1, e->iamt) ? 1
      : lua_rawequal(L, -1, e->iomt) ? 0 : -1;
    if (force < 0 && lua_getfield(L, -1, "__jsontype") == LUA_TSTRING) {
      const char *s = lua_tostring(L, -1);
      force = strcmp(s, "array") == 0 ? 1 : strcmp(s, "object") == 0 ? 0 : -1;
    }
    lua_settop(L, t);
    if (force >= 0) return force;
  }
  if (n == 0) return 0;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || (k = lua_tointeger(L, -1)) < 1 || k > n) {
      lua_pop(L, 1);
      return 0;
    }
    count++;
  }
  return count == n;
}

static void enc_array (jenc *e, int t, lua_Integer n) {
  lua_State *L = e->L;
  lua_Integer i;
  enc_char(e, '[');
  for (i = 1; i <= n; i++) {
    if (i > 1) enc_char(e, ',');
    enc_newline(e, e->depth);
    lua_rawgeti(L, t, i);
    if (enc_resolve(e, 0, i)) enc_value(e);
    else { lua_pop(L, 1); enc_add(e, "null", 4); }
  }
  if (n > 0) enc_newline(e, e->depth - 1);
  enc_char(e, ']');
}

/* One member whose key string is at ks and value at ks + 1; 'any' says
** whether members were written before. Returns 1 if this one was. */
static int enc_member (jenc *e, int ks, int any) {
  lua_State *L = e->L;
  size_t len;
  const char *s;
  lua_pushvalue(L, ks + 1);
  if (!enc_resolve(e, ks, 0)) { lua_pop(L, 1); return 0; }
  if (any) enc_char(e, ',');
  enc_newline(e, e->depth);
  s = lua_tolstring(L, ks, &len);
  enc_string(e, s, len);
  enc_char(e, ':');
  if (e->gap) enc_char(e, ' ');
  enc_value(e);
  return 1;
}

/* Key order: canonical array indices ("0".."4294967294") first, by
** value, as JavaScript orders them; then the other keys by bytes. */
typedef struct jkey {
  const char *s;
  size_t len;
  int slot;
  int isidx;
  uint32_t idx;
} jkey;

static void key_classify (jkey *k) {
  uint64_t v = 0;
  size_t i;
  k->isidx = 0;
  if (k->len == 0 || k->len > 10 || (k->s[0] == '0' && k->len > 1)) return;
  for (i = 0; i < k->len; i++) {
    if (k->s[i] < '0' || k->s[i] > '9') return;
    v = v * 10 + (uint64_t)(k->s[i] - '0');
  }
  if (v > 4294967294u) return;
  k->isidx = 1;
  k->idx = (uint32_t)v;
}

static int key_cmp (const void *va, const void *vb) {
  const jkey *a = (const jkey *)va, *b = (const jkey *)vb;
  int c;
  if (a->isidx != b->isidx) return b->isidx - a->isidx;
  if (a->isidx) return a->idx < b->idx ? -1 : a->idx > b->idx;
  c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
  return c != 0 ? c : (a->len < b->len ? -1 : a->len > b->len);
}

/*
** Pushes a (key string, value) pair for every string or number key of the
** table at t and returns how many; number keys are converted as
** JavaScript prints them; other keys are skipped (as JS skips symbols).
** Returns -1, with the stack as it was, when the pairs do not fit.
*/
static int obj_collect (jenc *e, int t) {
  lua_State *L = e->L;
  int k = 0, base = lua_gettop(L), kt;
  lua_pushnil(L);
  while (lua_next(L, t)) {                  /* key, value */
    kt = lua_type(L, -2);
    if (kt != LUA_TSTRING && kt != LUA_TNUMBER) { lua_pop(L, 1); continue; }
    if (k >= INT_MAX / 4 || !lua_checkstack(L, 4)) {
      lua_settop(L, base);
      return -1;
    }
    lua_pushvalue(L, -2);                   /* key, value, key */
    if (kt == LUA_TNUMBER) {
      char buf[40];
      size_t n = enc_fmtnum(L, -1, buf, 1);
      lua_pushlstring(L, buf, n);
      lua_replace(L, -4);                   /* keystring, value, key */
    }
    k++;
  }
  return k;
}

/* Sorts the k pairs above 'base' and pushes them again in order; returns
** the slot of the first ordered pair (the unsorted ones if the copies do
** not fit on the stack). The key array lives in this frame or in a
** userdata, never across the recursion. */
static int obj_order (jenc *e, int base, int k) {
  lua_State *L = e->L;
  jkey small[JSON_SMALLSORT], *v = small, tmp;
  int i, j;
  if (k < 2) return base + 1;
  if (k > JSON_SMALLSORT)
    v = (jkey *)lua_newuserdatauv(L, sizeof(jkey) * (size_t)k, 0);
  if (!lua_checkstack(L, 2 * k + 4)) return base + 1;
  for (i = 0; i < k; i++) {
    v[i].slot = base + 1 + 2 * i;
    v[i].s = lua_tolstring(L, v[i].slot, &v[i].len);
    key_classify(&v[i]);
  }
  if (k > JSON_SMALLSORT) qsort(v, (size_t)k, sizeof(jkey), key_cmp);
  else {
    for (i = 1; i < k; i++) {               /* insertion sort */
      tmp = v[i];
      for (j = i; j > 0 && key_cmp(&v[j - 1], &tmp) > 0; j--) v[j] = v[j - 1];
      v[j] = tmp;
    }
  }
  for (i = 0; i < k; i++) {
    lua_pushvalue(L, v[i].slot);
    lua_pushvalue(L, v[i].slot + 1);
  }
  return lua_gettop(L) - 2 * k + 1;
}

/* Objects too big to sort on the stack are written in table order. */
static int enc_unsorted (jenc *e, int t) {
  lua_State *L = e->L;
  int any = 0, kt;
  lua_pushnil(L);
  while (lua_next(L, t)) {                  /* key, value */
    kt = lua_type(L, -2);
    lua_pop(L, 1);
    if (kt != LUA_TSTRING && kt != LUA_TNUMBER) continue;
    if (kt == LUA_TNUMBER) {
      char buf[40];
      size_t n = enc_fmtnum(L, -1, buf, 1);
      lua_pushlstring(L, buf, n);
    } else {
      lua_pushvalue(L, -1);
    }
    lua_pushvalue(L, -2);
    lua_rawget(L, t);                       /* key, keystring, value */
    any |= enc_member(e, lua_gettop(L) - 1, any);
    lua_pop(L, 1);
  }
  return any;
}

static void enc_object (jenc *e, int t) {
  lua_State *L = e->L;
  int base = lua_gettop(L), k, first, i, any = 0;
  enc_char(e, '{');
  k = obj_collect(e, t);
  if (k < 0) any = enc_unsorted(e, t);
  else {
    first = obj_order(e, base, k);
    for (i = 0; i < k; i++) any |= enc_member(e, first + 2 * i, any);
  }
  lua_settop(L, base);
  if (any) enc_newline(e, e->depth - 1);
  enc_char(e, '}');
}

/* Encodes the (resolved) value on top of the stack and pops it. */
static void enc_value (jenc *e) {
  lua_State *L = e->L;
  char buf[40];
  size_t len;
  const char *s;
  lua_Integer n;
  switch (lua_type(L, -1)) {
    case LUA_TSTRING:
      s = lua_tolstring(L, -1, &len);
      enc_string(e, s, len);
      break;
    case LUA_TNUMBER:
      len = enc_fmtnum(L, -1, buf, 0);
      enc_add(e, buf, len);
      break;
    case LUA_TBOOLEAN:
      if (lua_toboolean(L, -1)) enc_add(e, "true", 4);
      else enc_add(e, "false", 5);
      break;
    case LUA_TTABLE:
      if (lua_rawequal(L, -1, e->inull)) { enc_add(e, "null", 4); break; }
      if (enc_isarray(e, lua_gettop(L), &n)) {
        enc_enter(e, 1);
        enc_array(e, lua_gettop(L), n);
      } else {
        enc_enter(e, 0);
        enc_object(e, lua_gettop(L));
      }
      e->depth--;
      break;
    default:
      enc_add(e, "null", 4);
  }
  lua_pop(L, 1);
}

/*
** encode(value [, gap]) -> string | nil. 'gap' is the indentation unit
** (lode.json computes it from stringify's 'space'). Returns nothing when
** the value itself is undefined for JSON (nil, a function, ...).
*/
static int json_encode (lua_State *L) {
  jenc e;
  lua_settop(L, 2);
  e.L = L;
  e.gap = NULL;
  e.gaplen = 0;
  if (lua_type(L, 2) == LUA_TSTRING) e.gap = lua_tolstring(L, 2, &e.gaplen);
  if (e.gaplen == 0) e.gap = NULL;
  e.cfg = lua_upvalueindex(1);
  lua_rawgeti(L, e.cfg, CFG_NULL);      /* 3 */
  lua_rawgeti(L, e.cfg, CFG_ARRAY);     /* 4 */
  lua_rawgeti(L, e.cfg, CFG_OBJECT);    /* 5 */
  lua_pushliteral(L, "toJSON");         /* 6 */
  lua_pushnil(L);                       /* 7: output block, once grown */
  e.inull = 3; e.iamt = 4; e.iomt = 5; e.itojson = 6; e.slot = 7;
  e.b = e.inl;
  e.n = 0;
  e.cap = sizeof e.inl;
  e.depth = 0;
  lua_pushvalue(L, 1);
  if (!enc_resolve(&e, 0, 0)) return 0;
  enc_value(&e);
  lua_pushlstring(L, e.b, e.n);
  return 1;
}

/* }================================================================== */

/*
** {==================================================================
** Decoder
** ===================================================================
*/

typedef struct jdec {
  lua_State *L;
  const char *s, *p, *end;   /* text, cursor, end */
  int cfg, depth;
} jdec;

/* Message templates, as V8 (Node 20) words them. */
enum {
  E_EOS, E_NUMBER, E_STRING, E_PROPNAME, E_ARRAYSEP, E_OBJSEP, E_COLON,
  E_UNTERMSTR, E_DQPROP, E_EXPONENT, E_FRACTION, E_MINUS, E_CTRL,
  E_UNICODE, E_ESCAPE, E_TRAILING
};
static const char *const dec_msg[] = {
  "Unexpected end of JSON input",
  "Unexpected number in JSON",
  "Unexpected string in JSON",
  "Expected property name or '}' in JSON",
  "Expected ',' or ']' after array element in JSON",
  "Expected ',' or '}' after property value in JSON",
  "Expected ':' after property name in JSON",
  "Unterminated string in JSON",
  "Expected double-quoted property name in JSON",
  "Exponent part is missing a number in JSON",
  "Unterminated fractional number in JSON",
  "No number after minus sign in JSON",
  "Bad control character in string literal in JSON",
  "Bad Unicode escape in JSON",
  "Bad escaped character in JSON",
  "Unexpected non-whitespace character after JSON"
};

/* Positions are reported in UTF-16 units, as JavaScript counts them. */
static size_t dec_u16pos (const char *s, const char *at) {
  size_t n = 0;
  for (; s < at; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

/* The byte offset of UTF-16 position u (clamped to the text). */
static const char *dec_u16at (const jdec *d, size_t u) {
  const char *s = d->s;
  size_t n = 0;
  for (; s < d->end && n < u; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
  }
  while (s < d->end && ((unsigned char)*s & 0xC0) == 0x80) s++;
  return s;
}

/* Raises a SyntaxError with template 'what' at 'at'. */
static void dec_fail (jdec *d, int what, const char *at) {
  lua_State *L = d->L;
  if (what == E_EOS) lua_pushstring(L, dec_msg[E_EOS]);
  else lua_pushfstring(L, "%s at position %I", dec_msg[what],
    (lua_Integer)dec_u16pos(d->s, at));
  json_raise(L, d->cfg, "SyntaxError");
}

/* V8's text for an unexpected character: the token with some context. */
static void dec_badtoken (jdec *d, const char *at) {
  lua_State *L = d->L;
  size_t total = dec_u16pos(d->s, d->end), pos = dec_u16pos(d->s, at);
  size_t clen = 1, tlen = (size_t)(d->end - d->s);
  const char *a, *b;
  unsigned char c = (unsigned char)*at;
  static const char *const special[] = {
    "undefined", "NaN", "Infinity", "[object Object]", NULL };
  int i;
  for (i = 0; special[i]; i++)
    if (tlen == strlen(special[i]) && memcmp(d->s, special[i], tlen) == 0) {
      lua_pushfstring(L, "\"%s\" is not valid JSON", special[i]);
      json_raise(L, d->cfg, "SyntaxError");
    }
  if (c >= 0xC0) while (at + clen < d->end &&
    ((unsigned char)at[clen] & 0xC0) == 0x80) clen++;
  lua_pushliteral(L, "Unexpected token '");
  lua_pushlstring(L, at, clen);
  if (total < 21) {
    lua_pushliteral(L, "', \"");
    lua_pushlstring(L, d->s, tlen);
    lua_pushliteral(L, "\" is not valid JSON");
  } else {
    a = pos < 10 ? d->s : dec_u16at(d, pos - 10);
    b = pos + 10 < total ? dec_u16at(d, pos + 10) : d->end;
    lua_pushstring(L, pos < 10 ? "', \"" : "', ...\"");
    lua_pushlstring(L, a, (size_t)(b - a));
    lua_pushstring(L, pos + 10 < total ? "\"... is not valid JSON"
      : "\" is not valid JSON");
  }
  lua_concat(L, 5);
  json_raise(L, d->cfg, "SyntaxError");
}

/* Where a value or a literal's next letter was expected at 'at'. */
static void dec_unexpected (jdec *d, const char *at) {
  if (at >= d->end) dec_fail(d, E_EOS, at);
  if (*at == '"') dec_fail(d, E_STRING, at);
  if ((*at >= '0' && *at <= '9') || *at == '-') dec_fail(d, E_NUMBER, at);
  dec_badtoken(d, at);
}

static void dec_skipws (jdec *d) {
  const char *p = d->p;
  while (p < d->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  d->p = p;
}

static void dec_value (jdec *d);

static void dec_digits (jdec *d) {
  const char *p = d->p;
  while (p < d->end && *p >= '0' && *p <= '9') p++;
  d->p = p;
}

/* Converts the number text [a, b) with Lua's own reader (which knows the
** locale's decimal point): integers that overflow become floats. */
static void dec_pushconv (jdec *d, const char *a, const char *b) {
  lua_State *L = d->L;
  char buf[64];
  size_t n = (size_t)(b - a);
  if (n < sizeof buf) {
    memcpy(buf, a, n);
    buf[n] = '\0';
    lua_stringtonumber(L, buf);
  } else {
    lua_pushlstring(L, a, n);
    lua_stringtonumber(L, lua_tostring(L, -1));
    lua_remove(L, -2);
  }
}

static void dec_number (jdec *d) {
  const char *a = d->p, *p;
  int isfloat = 0;
  if (*d->p == '-') {
    d->p++;
    if (d->p >= d->end || *d->p < '0' || *d->p > '9') dec_fail(d, E_MINUS, d->p);
  }
  if (*d->p == '0') {
    d->p++;
    if (d->p < d->end && *d->p >= '0' && *d->p <= '9')
      dec_fail(d, E_NUMBER, d->p);
  } else {
    dec_digits(d);
  }
  p = d->p;
  if (p < d->end && *p == '.') {
    d->p = ++p;
    if (p >= d->end || *p < '0' || *p > '9') dec_fail(d, E_FRACTION, p);
    dec_digits(d);
    isfloat = 1;
  }
  p = d->p;
  if (p < d->end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < d->end && (*p == '+' || *p == '-')) p++;
    if (p >= d->end || *p < '0' || *p > '9') dec_fail(d, E_EXPONENT, p);
    d->p = p;
    dec_digits(d);
    isfloat = 1;
  }
  if (!isfloat && d->p - a <= 18) {         /* fits: no overflow check */
    lua_Integer v = 0;
    for (p = (*a == '-') ? a + 1 : a; p < d->p; p++) v = v * 10 + (*p - '0');
    lua_pushinteger(d->L, *a == '-' ? -v : v);
  } else {
    dec_pushconv(d, a, d->p);
  }
}

/* 1 for the bytes that end a plain run in a string: '"', '\\' and the
** control characters (which JSON forbids raw). */
static const unsigned char str_stop[256] = {
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0
};

/* Four hex digits at p, or a Bad Unicode escape at the first that is not
** one. */
static unsigned dec_hex4 (jdec *d, const char *p) {
  unsigned v = 0;
  int i;
  for (i = 0; i < 4; i++, p++) {
    unsigned c = p < d->end ? (unsigned char)*p : 0;
    if (c >= '0' && c <= '9') v = v * 16 + (c - '0');
    else if ((c | 32) >= 'a' && (c | 32) <= 'f') v = v * 16 + (c | 32) - 87;
    else dec_fail(d, E_UNICODE, p);
  }
  return v;
}

/* A \u escape whose digits start at p; surrogate pairs join into one
** code point, a lone surrogate becomes U+FFFD (it has no UTF-8 form). */
static const char *dec_unicode (jdec *d, const char *p, luaL_Buffer *b) {
  unsigned cp = dec_hex4(d, p);
  char u[4];
  p += 4;
  if (cp >= 0xD800 && cp <= 0xDFFF) {
    unsigned lo = 0;
    if (cp <= 0xDBFF && d->end - p >= 6 && p[0] == '\\' && p[1] == 'u')
      lo = dec_hex4(d, p + 2);
    if (lo >= 0xDC00 && lo <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      p += 6;
    } else {
      cp = 0xFFFD;
    }
  }
  if (cp < 0x80) { luaL_addchar(b, (char)cp); return p; }
  if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F));
    luaL_addlstring(b, u, 2);
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    luaL_addlstring(b, u, 3);
  } else {
    u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F));
    luaL_addlstring(b, u, 4);
  }
  return p;
}

/* The escape whose letter is at p; returns the position after it. */
static const char *dec_escape (jdec *d, const char *p, luaL_Buffer *b) {
  char c;
  if (p >= d->end) dec_fail(d, E_EOS, p);
  switch (*p) {
    case '"': case '\\': case '/': c = *p; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u': return dec_unicode(d, p + 1, b);
    default: dec_fail(d, E_ESCAPE, p); return p;
  }
  luaL_addchar(b, c);
  return p + 1;
}

/* The string whose opening quote is at the cursor, pushed. Strings
** without escapes are pushed straight from the text; the others go
** through a luaL_Buffer (which an error unwinds). */
static void dec_string (jdec *d) {
  lua_State *L = d->L;
  const char *p = ++d->p, *run, *end = d->end;
  luaL_Buffer b;
  while (p < end && !str_stop[(unsigned char)*p]) p++;
  if (p < end && *p == '"') {
    lua_pushlstring(L, d->p, (size_t)(p - d->p));
    d->p = p + 1;
    return;
  }
  luaL_buffinit(L, &b);
  run = d->p;
  for (;;) {
    while (p < end && !str_stop[(unsigned char)*p]) p++;
    luaL_addlstring(&b, run, (size_t)(p - run));
    if (p >= end) dec_fail(d, E_UNTERMSTR, p);
    if (*p == '"') break;
    if ((unsigned char)*p < 0x20) dec_fail(d, E_CTRL, p);
    run = p = dec_escape(d, p + 1, &b);
  }
  luaL_pushresult(&b);
  d->p = p + 1;
}

/* The rest of 'word' (whose first letter matched) at the cursor. */
static void dec_literal (jdec *d, const char *word) {
  size_t i, n = strlen(word);
  for (i = 1; i < n; i++)
    if (d->p + i >= d->end || d->p[i] != word[i]) dec_unexpected(d, d->p + i);
  d->p += n;
}

static void dec_enter (jdec *d) {
  if (++d->depth > JSON_MAXDEPTH) {
    lua_pushliteral(d->L, "Maximum call stack size exceeded");
    json_raise(d->L, d->cfg, "RangeError");
  }
  luaL_checkstack(d->L, 8, "JSON nesting too deep");
  d->p++;
  dec_skipws(d);
}

static void dec_array (jdec *d) {
  lua_State *L = d->L;
  lua_Integer n = 0;
  dec_enter(d);
  lua_createtable(L, 0, 0);
  if (d->p < d->end && *d->p == ']') {
    d->p++;
    lua_rawgeti(L, d->cfg, CFG_ARRAY);    /* so that [] encodes back as [] */
    lua_setmetatable(L, -2);
  } else {
    for (;;) {
      dec_value(d);
      lua_rawseti(L, -2, ++n);
      dec_skipws(d);
      if (d->p < d->end && *d->p == ',') { d->p++; continue; }
      if (d->p < d->end && *d->p == ']') { d->p++; break; }
      dec_fail(d, E_ARRAYSEP, d->p);
    }
  }
  d->depth--;
}

/* As V8 in Node 20: only an object's first key gets the "Expected ':'"
** text; a later missing colon is an unexpected token. */
static void dec_object (jdec *d) {
  lua_State *L = d->L;
  int first = 1;
  dec_enter(d);
  lua_createtable(L, 0, 0);
  if (d->p < d->end && *d->p == '}') { d->p++; d->depth--; return; }
  for (;;) {
    if (d->p >= d->end || *d->p != '"')
      dec_fail(d, first ? E_PROPNAME : E_DQPROP, d->p);
    dec_string(d);
    dec_skipws(d);
    if (d->p >= d->end || *d->p != ':') {
      if (first) dec_fail(d, E_COLON, d->p);
      dec_unexpected(d, d->p);
    }
    d->p++;
    dec_value(d);
    lua_rawset(L, -3);
    first = 0;
    dec_skipws(d);
    if (d->p < d->end && *d->p == ',') { d->p++; dec_skipws(d); continue; }
    if (d->p < d->end && *d->p == '}') { d->p++; break; }
    dec_fail(d, E_OBJSEP, d->p);
  }
  d->depth--;
}

static void dec_value (jdec *d) {
  dec_skipws(d);
  if (d->p >= d->end) dec_fail(d, E_EOS, d->p);
  switch (*d->p) {
    case '"': dec_string(d); break;
    case '{': dec_object(d); break;
    case '[': dec_array(d); break;
    case 't': dec_literal(d, "true"); lua_pushboolean(d->L, 1); break;
    case 'f': dec_literal(d, "false"); lua_pushboolean(d->L, 0); break;
    case 'n':
      dec_literal(d, "null");
      lua_rawgeti(d->L, d->cfg, CFG_NULL);
      break;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      dec_number(d);
      break;
    default: dec_unexpected(d, d->p);
  }
}

/* decode(text) -> value; raises SyntaxError (through the hook). */
static int json_decode (lua_State *L) {
  jdec d;
  size_t len;
  d.s = luaL_checklstring(L, 1, &len);
  d.p = d.s;
  d.end = d.s + len;
  d.L = L;
  d.cfg = lua_upvalueindex(1);
  d.depth = 0;
  lua_settop(L, 1);
  dec_value(&d);
  dec_skipws(&d);
  if (d.p < d.end) dec_fail(&d, E_TRAILING, d.p);
  return 1;
}

/* }================================================================== */

/* setraise(fn): fn(className, message) raises the Error (lode.json). */
static int json_setraise (lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 1);
  lua_rawseti(L, lua_upvalueindex(1), CFG_RAISE);
  return 0;
}

static int null_tostring (lua_State *L) {
  lua_pushliteral(L, "null");
  return 1;
}

static int null_newindex (lua_State *L) {
  return luaL_error(L, "json.null is read-only");
}

/*
** Pushes registry[key], creating it first: a table (with a metatable for
** the null sentinel). The registry keeps one of each per Lua state, so
** opening the binding again (a busted file reload) keeps json.null, and
** other C code of the state (worker message copy) can find it by name.
*/
static void json_shared (lua_State *L, const char *key) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_newtable(L);
  if (strcmp(key, "lode.json.null") == 0) {
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, null_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, null_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "json.null");
    lua_setfield(L, -2, "__name");
    lua_setmetatable(L, -2);
  } else {
    lua_pushstring(L, strcmp(key, "lode.json.array") == 0 ? "array"
      : "object");
    lua_setfield(L, -2, "__jsontype");
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, key);
}

int luaopen_lode_binding_json (lua_State *L) {
  static const luaL_Reg fns[] = {
    {"encode", json_encode},
    {"decode", json_decode},
    {"setraise", json_setraise},
    {NULL, NULL}
  };
  static const char *const shared[] = {
    "lode.json.null", "lode.json.array", "lode.json.object" };
  static const char *const names[] = { "null", "array_mt", "object_mt" };
  int i;
  luaL_newlibtable(L, fns);
  lua_createtable(L, 4, 0);                 /* config: upvalue 1 */
  for (i = 0; i < 3; i++) {
    json_shared(L, shared[i]);
    lua_pushvalue(L, -1);
    lua_setfield(L, -4, names[i]);          /* module.null, ... */
    lua_rawseti(L, -2, CFG_NULL + i);
  }
  luaL_setfuncs(L, fns, 1);
  return 1;
}
