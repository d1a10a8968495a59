/*
** json_decode.c: the decoder half of lode.binding.json (json.c registers
** it as decode; the encoder is json.c). A recursive descent parser that
** builds Lua values directly; strings without escapes are pushed straight
** from the text, the others are decoded through a luaL_Buffer, so a
** syntax error (a Lua error) unwinds without leaking.
**
** Syntax errors are SyntaxErrors whose messages are V8's in Node 20, with
** positions in UTF-16 units as JavaScript counts them. Numbers without
** fraction or exponent become integers (floats when they overflow 64
** bits); null is json.null; an empty array gets the json.array mark so
** that it encodes back as []; nesting deeper than JSON_MAXDEPTH raises a
** RangeError instead of overflowing the C stack.
*/
#include <stdint.h>
#include <string.h>

#include "json.h"

#define DEC_BATCH 16                /* elements gathered before the table */

/*
** {==================================================================
** Decoder
** ===================================================================
*/

typedef struct jdec {
  lua_State *L;
  const char *s, *p, *end;   /* text, cursor, end */
  int inull, iamt;           /* stack slots: json.null, the array mark */
  int depth;
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
  lode__json_raise(L, "SyntaxError");
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
      lode__json_raise(L, "SyntaxError");
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
  lode__json_raise(L, "SyntaxError");
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

/* Evaluates p more than once: no side effects in it. */
#define isdig(p, e) ((p) < (e) && *(p) >= '0' && *(p) <= '9')

/* The digits of a number, scanned into 'm' while they fit. */
typedef struct jnum {
  uint64_t m;                /* the first 19 significant digits */
  int nd;                    /* digits seen, integer and fraction */
  int frac;                  /* fraction digits inside 'm' */
  int exp;                   /* the exponent part (capped) */
  int isfloat;
} jnum;

/* Scans digits into n; 'frac' says they are after the point. */
static const char *num_scan (jdec *d, const char *p, jnum *n, int frac) {
  for (; isdig(p, d->end); p++, n->nd++) {
    if (n->nd >= 19) continue;      /* nd > 15 takes the slow path anyway */
    n->m = n->m * 10 + (uint64_t)(*p - '0');
    n->frac += frac;
  }
  return p;
}

/* A number in JSON's grammar, with V8's errors. Integers of up to 18
** digits and floats of up to 15 digits with a small exponent are exact
** in C (Clinger's fast path: one correctly rounded operation); the rest
** go through Lua's reader. */
static void dec_number (jdec *d) {
  static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
    1e20, 1e21, 1e22 };
  const char *a = d->p, *p = d->p, *end = d->end;
  jnum n = { 0, 0, 0, 0, 0 };
  int esign = 1, e10;
  if (*p == '-' && (p++, !isdig(p, end))) dec_fail(d, E_MINUS, p);
  if (*p == '0') { if (p++, isdig(p, end)) dec_fail(d, E_NUMBER, p); }
  else p = num_scan(d, p, &n, 0);
  if (p < end && *p == '.') {
    if (p++, !isdig(p, end)) dec_fail(d, E_FRACTION, p);
    p = num_scan(d, p, &n, 1);
    n.isfloat = 1;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) esign = *p++ == '-' ? -1 : 1;
    if (!isdig(p, end)) dec_fail(d, E_EXPONENT, p);
    for (; isdig(p, end); p++)
      if (n.exp < 100000) n.exp = n.exp * 10 + (*p - '0');
    n.isfloat = 1;
  }
  d->p = p;
  e10 = esign * n.exp - n.frac;
  if (!n.isfloat && n.nd <= 18) {
    lua_Integer v = (lua_Integer)n.m;
    lua_pushinteger(d->L, *a == '-' ? -v : v);
  } else if (n.isfloat && n.nd <= 15 && e10 >= -22 && e10 <= 22) {
    double v = e10 < 0 ? (double)n.m / p10[-e10] : (double)n.m * p10[e10];
    lua_pushnumber(d->L, *a == '-' ? -v : v);
  } else {
    dec_pushconv(d, a, p);
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
    lode__json_raise(d->L, "RangeError");
  }
  luaL_checkstack(d->L, 2 * DEC_BATCH + 8, "JSON nesting too deep");
  d->p++;
  dec_skipws(d);
}

/*
** Containers collect their first DEC_BATCH elements (or members) on the
** stack and then create the table at its final size: no rehash for the
** common small ones. Past the batch, values go into the table directly.
*/
static void arr_flush (lua_State *L, int base, int n) {
  lua_createtable(L, n, 0);
  lua_insert(L, base + 1);
  for (; n > 0; n--) lua_rawseti(L, base + 1, n);
}

static void obj_flush (lua_State *L, int base, int n) {
  int i;
  lua_createtable(L, 0, n);
  lua_insert(L, base + 1);
  for (i = 0; i < n; i++) {                 /* in order: last key wins */
    lua_pushvalue(L, base + 2 + 2 * i);
    lua_pushvalue(L, base + 3 + 2 * i);
    lua_rawset(L, base + 1);
  }
  lua_settop(L, base + 1);
}

static void dec_array (jdec *d) {
  lua_State *L = d->L;
  int base = lua_gettop(L);
  lua_Integer n = 0;
  dec_enter(d);
  if (d->p < d->end && *d->p == ']') {
    d->p++;
    lua_newtable(L);
    lua_pushvalue(L, d->iamt);    /* so that [] encodes back as [] */
    lua_setmetatable(L, -2);
    d->depth--;
    return;
  }
  for (;;) {
    dec_value(d);
    if (++n > DEC_BATCH) lua_rawseti(L, base + 1, n);
    else if (n == DEC_BATCH) arr_flush(L, base, DEC_BATCH);
    dec_skipws(d);
    if (d->p < d->end && *d->p == ',') { d->p++; continue; }
    if (d->p < d->end && *d->p == ']') { d->p++; break; }
    dec_fail(d, E_ARRAYSEP, d->p);
  }
  if (n < DEC_BATCH) arr_flush(L, base, (int)n);
  d->depth--;
}

/* As V8 in Node 20: only an object's first key gets the "Expected ':'"
** text; a later missing colon is an unexpected token. */
static void dec_object (jdec *d) {
  lua_State *L = d->L;
  int base = lua_gettop(L), n = 0;
  dec_enter(d);
  if (d->p < d->end && *d->p == '}') {
    d->p++;
    lua_newtable(L);
    d->depth--;
    return;
  }
  for (;;) {
    if (d->p >= d->end || *d->p != '"')
      dec_fail(d, n == 0 ? E_PROPNAME : E_DQPROP, d->p);
    dec_string(d);
    dec_skipws(d);
    if (d->p >= d->end || *d->p != ':') {
      if (n == 0) dec_fail(d, E_COLON, d->p);
      dec_unexpected(d, d->p);
    }
    d->p++;
    dec_value(d);
    if (++n > DEC_BATCH) lua_rawset(L, base + 1);
    else if (n == DEC_BATCH) obj_flush(L, base, DEC_BATCH);
    dec_skipws(d);
    if (d->p < d->end && *d->p == ',') { d->p++; dec_skipws(d); continue; }
    if (d->p < d->end && *d->p == '}') { d->p++; break; }
    dec_fail(d, E_OBJSEP, d->p);
  }
  if (n < DEC_BATCH) obj_flush(L, base, n);
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
      lua_pushvalue(d->L, d->inull);
      break;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      dec_number(d);
      break;
    default: dec_unexpected(d, d->p);
  }
}

/*
** decode(text) -> value; raises SyntaxError (through the hook). Upvalue 1
** is json.c's config table: [1] json.null, [2] the json.array mark.
*/
int lode__json_decode (lua_State *L) {
  jdec d;
  size_t len;
  d.s = luaL_checklstring(L, 1, &len);
  d.p = d.s;
  d.end = d.s + len;
  d.L = L;
  d.depth = 0;
  lua_settop(L, 1);
  lua_rawgeti(L, lua_upvalueindex(1), 1);
  lua_rawgeti(L, lua_upvalueindex(1), 2);
  d.inull = 2;
  d.iamt = 3;
  dec_value(&d);
  dec_skipws(&d);
  if (d.p < d.end) dec_fail(&d, E_TRAILING, d.p);
  return 1;
}

/* }================================================================== */
