/*
** json.c: lode.binding.json, the JSON codec under lode.json (API.md
** "json"): the encoder here, the decoder in json_decode.c, number
** formatting in json_num.c. Values are
** written straight from the Lua stack: no intermediate tree, no malloc.
** Output grows in a userdata anchored in a stack slot, so any error (a
** raising toJSON, a memory error, a cycle) unwinds without leaking.
**
** Errors are Error tables built by lua/lode/internal/errors.lua: lode.json
** installs a raise hook (setraise, kept in the registry for both files)
** that is called with a class name and a message; without the hook the
** message is raised as a string.
**
** Choices fixed here (documented in lua/lode/json.lua):
**  - integers print exactly; floats print JavaScript's shortest
**    round-trip form; NaN and infinities encode as null;
**  - object keys are sorted (integer-like keys first, numerically), so the
**    output is the same from run to run whatever Lua's table order is;
**  - an empty table encodes as {} (json.array marks one as []);
**  - nesting deeper than JSON_MAXDEPTH raises a RangeError.
*/
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JSON_SMALLSORT 16           /* keys sorted in a C array up to this */

/* Fields of the config table, upvalue 1 of encode and decode. */
enum { CFG_NULL = 1, CFG_ARRAY, CFG_OBJECT };

static const char hexdig[] = "0123456789abcdef";

/* Raises the message on top as an error of class 'cls' through the
** hook that lode.json installs (a plain string error without it). The
** decoder (json_decode.c) raises through it too. */
int lode__json_raise (lua_State *L, const char *cls) {
  lua_getfield(L, LUA_REGISTRYINDEX, "lode.json.raise");
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

/* Whether any of the 8 bytes in x is a control character, '"' or '\\'
** (SWAR: a byte's high bit is set when it matches; bytes >= 0x80 never
** match, and borrows only spread above a true match). */
static int str_special8 (uint64_t x) {
  const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
  uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
  uint64_t m = (x - ones * 0x20) | (q - ones) | (b - ones);
  return (m & ~x & high) != 0;
}

/* A quoted string. Bytes >= 0x80 pass through: UTF-8 stays UTF-8 and
** invalid sequences are kept as they are. Clean 8-byte blocks are
** skipped whole; only blocks with something to escape go bytewise. */
static void enc_string (jenc *e, const char *s, size_t len) {
  size_t i = 0, run = 0, lim;
  uint64_t x;
  enc_reserve(e, len + 2);
  e->b[e->n++] = '"';
  while (i < len) {
    while (i + 8 <= len) {
      memcpy(&x, s + i, 8);
      if (str_special8(x)) break;
      i += 8;
    }
    for (lim = i + 8 < len ? i + 8 : len; i < lim; i++) {
      unsigned char c = (unsigned char)s[i];
      char esc = esc_tab[c];
      if (esc == 0) continue;
      enc_add(e, s + run, i - run);
      enc_reserve(e, 6);
      e->b[e->n++] = '\\';
      e->b[e->n++] = esc;
      if (esc == 'u') {
        e->b[e->n++] = '0'; e->b[e->n++] = '0';
        e->b[e->n++] = hexdig[c >> 4]; e->b[e->n++] = hexdig[c & 15];
      }
      run = i + 1;
    }
  }
  enc_add(e, s + run, len - run);
  enc_char(e, '"');
}

/* Formats the number at idx as a JSON value or object key into buf (at
** least 32 bytes). Non-finite values give "null" (keys: as JS prints). */
static size_t enc_fmtnum (lua_State *L, int idx, char *buf, int iskey) {
  lua_Number d;
  if (lua_isinteger(L, idx))
    return lode__json_fmtint(buf, lua_tointeger(L, idx));
  d = lua_tonumber(L, idx);
  if (d == d && d != HUGE_VAL && d != -HUGE_VAL)
    return lode__json_fmtfloat(buf, d);
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
  lode__json_raise(L, "TypeError");
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
    lode__json_raise(L, "RangeError");
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

/*
** Sorts the k pairs above 'base'. Up to JSON_SMALLSORT pairs, the order
** goes to 'order' (pair numbers; the caller's small array) and 0 is
** returned. Bigger objects get their pairs pushed again in order (the
** key array is a userdata, not in a recursive C frame) and the slot of
** the first ordered pair is returned; if those copies do not fit on the
** stack, the pairs stay unsorted.
*/
static int obj_order (jenc *e, int base, int k, unsigned char *order) {
  lua_State *L = e->L;
  jkey small[JSON_SMALLSORT], *v = small, tmp;
  int i, j;
  if (k > JSON_SMALLSORT) {
    v = (jkey *)lua_newuserdatauv(L, sizeof(jkey) * (size_t)k, 0);
    if (!lua_checkstack(L, 2 * k + 4)) return base + 1;
  }
  for (i = 0; i < k; i++) {
    v[i].slot = base + 1 + 2 * i;
    v[i].s = lua_tolstring(L, v[i].slot, &v[i].len);
    key_classify(&v[i]);
  }
  if (k > JSON_SMALLSORT) {
    qsort(v, (size_t)k, sizeof(jkey), key_cmp);
    for (i = 0; i < k; i++) {
      lua_pushvalue(L, v[i].slot);
      lua_pushvalue(L, v[i].slot + 1);
    }
    return lua_gettop(L) - 2 * k + 1;
  }
  for (i = 1; i < k; i++) {                 /* insertion sort */
    tmp = v[i];
    for (j = i; j > 0 && key_cmp(&v[j - 1], &tmp) > 0; j--) v[j] = v[j - 1];
    v[j] = tmp;
  }
  for (i = 0; i < k; i++) order[i] = (unsigned char)((v[i].slot - base) / 2);
  return 0;
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
    lua_pop(L, 2);                          /* key stays for lua_next */
  }
  return any;
}

static void enc_object (jenc *e, int t) {
  lua_State *L = e->L;
  int base = lua_gettop(L), k, first, i, any = 0;
  unsigned char order[JSON_SMALLSORT];
  enc_char(e, '{');
  k = obj_collect(e, t);
  if (k < 0) any = enc_unsorted(e, t);
  else if ((first = obj_order(e, base, k, order)) == 0) {
    for (i = 0; i < k; i++) any |= enc_member(e, base + 1 + 2 * order[i], any);
  } else {
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

/* setraise(fn): fn(className, message) raises the Error (lode.json). */
static int json_setraise (lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, "lode.json.raise");
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
    {"decode", lode__json_decode},
    {"setraise", json_setraise},
    {NULL, NULL}
  };
  static const char *const shared[] = {
    "lode.json.null", "lode.json.array", "lode.json.object" };
  static const char *const names[] = { "null", "array_mt", "object_mt" };
  int i;
  luaL_newlibtable(L, fns);
  lua_createtable(L, 3, 0);                 /* config: upvalue 1 */
  for (i = 0; i < 3; i++) {
    json_shared(L, shared[i]);
    lua_pushvalue(L, -1);
    lua_setfield(L, -4, names[i]);          /* module.null, ... */
    lua_rawseti(L, -2, CFG_NULL + i);
  }
  luaL_setfuncs(L, fns, 1);
  return 1;
}
