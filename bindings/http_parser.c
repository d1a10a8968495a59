/*
** http_parser.c: lode.binding.http_parser, llhttp (Node's own parser)
** for lode.http. The C core (http_parser_core.c, http_parser.h) is what
** bindings/http_server.c drives for every server connection; this file
** is what Lua sees: the parser box the client drives, header tables built
** from the encoded records (Node's rules for repeated fields), header
** name/value checks and the status texts.
**
**   hp.new("request"|"response", max_header, lenient) -> parser box
**   p:execute(data, pos) -> ev, npos, text, code, ver, flags, raw, body,
**                           trailers      (see parser_result)
**   p:finish() -> the same, for a body that ends at EOF
**   p:skip_body(on), p:reset(), p:idle()
**   hp.headers(raw) / hp.raw_headers(raw) / hp.distinct(raw)
**   hp.is_token(s), hp.is_value(s), hp.check_headers(map)
**   hp.status_codes() -> { [200] = "OK", ... }
*/
#include <stdlib.h>
#include <string.h>
#include "http_parser.h"

#define PARSER_MT "lode.http_parser"

/*
** {======================================================
** Header tables from encoded records (Node's _addHeaderLine)
** =======================================================
*/
enum { POL_JOIN, POL_DROP, POL_COOKIE, POL_SETCOOKIE };

/* What a repeated field does, by its lower-case name (Node 20's
** matchKnownFields): keep the first, join with "; ", collect in a list,
** or (any other name) join with ", ". */
static int hp_policy (const char *n, size_t len) {
  static const char *const drop[] = {
    "age", "host", "from", "etag", "server", "referer", "expires",
    "location", "user-agent", "retry-after", "content-type", "max-forwards",
    "authorization", "last-modified", "content-length", "if-modified-since",
    "proxy-authorization", "if-unmodified-since", NULL
  };
  int i;
  if (len == 6 && !memcmp(n, "cookie", 6)) return POL_COOKIE;
  if (len == 10 && !memcmp(n, "set-cookie", 10)) return POL_SETCOOKIE;
  for (i = 0; drop[i] != NULL; i++)
    if (strlen(drop[i]) == len && !memcmp(drop[i], n, len)) return POL_DROP;
  return POL_JOIN;
}

typedef struct hp_rec {
  const char *name, *value;
  uint32_t nlen, vlen;
} hp_rec;

/* Reads the record at *p (bounded by end); 0 at the end or on garbage. */
static int hp_next_rec (const char **p, const char *end, hp_rec *r) {
  const char *s = *p;
  if (end - s < 8) return 0;
  memcpy(&r->nlen, s, 4);
  if ((size_t)(end - s - 4) < r->nlen + 4u) return 0;
  r->name = s + 4;
  memcpy(&r->vlen, r->name + r->nlen, 4);
  r->value = r->name + r->nlen + 4;
  if (r->value + r->vlen > end) return 0;
  *p = r->value + r->vlen;
  return 1;
}

/* Pushes the lower-case form of s. */
static void hp_push_lower (lua_State *L, const char *s, size_t n) {
  char small[128], *d = small;
  size_t i;
  if (n == 0) {
    lua_pushliteral(L, "");
    return;
  }
  if (n > sizeof small) d = (char *)lua_newuserdatauv(L, n, 0);
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    d[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  lua_pushlstring(L, d, n);
  if (d != small) lua_remove(L, -2);
}

static int hp_count_recs (const char *p, const char *end) {
  hp_rec r;
  int n = 0;
  while (hp_next_rec(&p, end, &r)) n++;
  return n;
}

/* Adds one field to the headers table at -2 (key at -1 is popped). */
static void hp_add_field (lua_State *L, const hp_rec *r) {
  int pol = hp_policy(lua_tostring(L, -1), r->nlen);
  lua_pushvalue(L, -1);
  if (lua_rawget(L, -3) == LUA_TNIL) {
    lua_pop(L, 1);
    lua_pushlstring(L, r->value, r->vlen);
    if (pol == POL_SETCOOKIE) {
      lua_createtable(L, 1, 0);
      lua_insert(L, -2);
      lua_rawseti(L, -2, 1);
    }
    lua_rawset(L, -3);
    return;
  }
  if (pol == POL_DROP) {
    lua_pop(L, 2);
  } else if (pol == POL_SETCOOKIE) {
    lua_pushlstring(L, r->value, r->vlen);
    lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
    lua_pop(L, 2);
  } else {
    lua_pushstring(L, pol == POL_COOKIE ? "; " : ", ");
    lua_pushlstring(L, r->value, r->vlen);
    lua_concat(L, 3);
    lua_rawset(L, -3);
  }
}

/* hp.headers(raw) -> { lower-case name = value (or list) }. */
static int hp_headers (lua_State *L) {
  size_t len;
  const char *p = luaL_optlstring(L, 1, "", &len), *end = p + len;
  hp_rec r;
  lua_createtable(L, 0, hp_count_recs(p, end));
  while (hp_next_rec(&p, end, &r)) {
    hp_push_lower(L, r.name, r.nlen);
    hp_add_field(L, &r);
  }
  return 1;
}

/* hp.raw_headers(raw) -> { name1, value1, name2, value2, ... }. */
static int hp_raw_headers (lua_State *L) {
  size_t len;
  const char *p = luaL_optlstring(L, 1, "", &len), *end = p + len;
  hp_rec r;
  lua_Integer i = 0;
  lua_createtable(L, 2 * hp_count_recs(p, end), 0);
  while (hp_next_rec(&p, end, &r)) {
    lua_pushlstring(L, r.name, r.nlen);
    lua_rawseti(L, -2, ++i);
    lua_pushlstring(L, r.value, r.vlen);
    lua_rawseti(L, -2, ++i);
  }
  return 1;
}

/* hp.distinct(raw) -> { lower-case name = { value, ... } }. */
static int hp_distinct (lua_State *L) {
  size_t len;
  const char *p = luaL_optlstring(L, 1, "", &len), *end = p + len;
  hp_rec r;
  lua_createtable(L, 0, hp_count_recs(p, end));
  while (hp_next_rec(&p, end, &r)) {
    hp_push_lower(L, r.name, r.nlen);
    lua_pushvalue(L, -1);
    if (lua_rawget(L, -3) == LUA_TNIL) {
      lua_pop(L, 1);
      lua_createtable(L, 1, 0);
      lua_pushvalue(L, -1);
      lua_insert(L, -3);               /* list, key, list */
      lua_rawset(L, -4);
    } else {
      lua_remove(L, -2);
    }
    lua_pushlstring(L, r.value, r.vlen);
    lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
    lua_pop(L, 1);
  }
  return 1;
}
/* }====================================================== */

/*
** {======================================================
** Checks from Lua
** =======================================================
*/
static int hp_is_token_l (lua_State *L) {
  size_t n;
  const char *s = lua_tolstring(L, 1, &n);
  lua_pushboolean(L, lua_type(L, 1) == LUA_TSTRING && lode_hp_is_token(s, n));
  return 1;
}

static int hp_is_value_l (lua_State *L) {
  size_t n;
  const char *s = lua_tolstring(L, 1, &n);
  lua_pushboolean(L, s != NULL && lode_hp_is_value(s, n));
  return 1;
}

/* Checks one value at idx: a string, a number or a list of them. */
static const char *hp_check_value (lua_State *L, int idx) {
  size_t n;
  const char *s;
  lua_Integer i, len;
  switch (lua_type(L, idx)) {
    case LUA_TNUMBER: return NULL;
    case LUA_TSTRING:
      s = lua_tolstring(L, idx, &n);
      return lode_hp_is_value(s, n) ? NULL : "char";
    case LUA_TTABLE:
      len = (lua_Integer)lua_rawlen(L, idx);
      for (i = 1; i <= len; i++) {
        const char *bad;
        lua_rawgeti(L, idx, i);
        bad = lua_type(L, -1) == LUA_TTABLE ? "value"
          : hp_check_value(L, lua_gettop(L));
        lua_pop(L, 1);
        if (bad != NULL) return bad;
      }
      return NULL;
    default: return "value";
  }
}

/* hp.check_headers(map) -> nil, or what is wrong ("token", "char" or
** "value") and the field name, for writeHead's header table. */
static int hp_check_headers (lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    size_t n;
    const char *k = lua_type(L, -2) == LUA_TSTRING
      ? lua_tolstring(L, -2, &n) : NULL;
    const char *bad = (k == NULL || !lode_hp_is_token(k, n)) ? "token"
      : hp_check_value(L, lua_gettop(L));
    if (bad != NULL) {
      lua_pushstring(L, bad);
      lua_pushvalue(L, -3);
      return 2;
    }
    lua_pop(L, 1);
  }
  return 0;
}

static int hp_status_codes (lua_State *L) {
  int code;
  lua_createtable(L, 0, 64);
  for (code = 100; code < 600; code++) {
    const char *text = lode_hp_status_text(code);
    if (text == NULL) continue;
    lua_pushstring(L, text);
    lua_rawseti(L, -2, code);
  }
  return 1;
}
/* }====================================================== */

/*
** {======================================================
** The Lua parser box (the client's responses)
** =======================================================
*/
typedef struct parser_box {
  lode_hp hp;
  int type;
  int lenient;
} parser_box;

#define EV_ERROR 16
#define EV_UPGRADE 8

static parser_box *parser_check (lua_State *L) {
  return (parser_box *)luaL_checkudata(L, 1, PARSER_MT);
}

/* hp.new(kind, max_header, lenient) -> box. Allocates nothing more until
** the first message. */
static int parser_new (lua_State *L) {
  static const char *const kinds[] = {"request", "response", NULL};
  int type = luaL_checkoption(L, 1, "response", kinds) == 0
    ? HTTP_REQUEST : HTTP_RESPONSE;
  lua_Integer max = luaL_optinteger(L, 2, 16384);
  parser_box *b = (parser_box *)lua_newuserdatauv(L, sizeof *b, 0);
  memset(b, 0, sizeof *b);
  b->type = type;
  b->lenient = lua_toboolean(L, 3);
  lode_hp_init(&b->hp, (llhttp_type_t)type,
               (uint32_t)(max > 0 && max < UINT32_MAX ? max : 16384),
               b->lenient);
  luaL_setmetatable(L, PARSER_MT);
  return 1;
}

/* Pushes what one execute (or finish) found: ev, npos, text, code, ver,
** flags, raw, body, trailers. ev has HP_EV_HEADERS (the head fields are
** set) and HP_EV_COMPLETE (trailers set; the parser goes on with the
** next message), or EV_UPGRADE (the bytes from npos on are another
** protocol), or is EV_ERROR with text = error code and code = reason. */
static int parser_result (lua_State *L, parser_box *b, llhttp_errno_t err,
                          size_t npos) {
  lode_hp *hp = &b->hp;
  int ev = hp->ev & (HP_EV_HEADERS | HP_EV_COMPLETE);
  if (err != HPE_OK && err != HPE_PAUSED && err != HPE_PAUSED_UPGRADE) {
    lua_pushinteger(L, EV_ERROR);
    lua_pushinteger(L, (lua_Integer)npos);
    lua_pushstring(L, lode_hp_error_code(hp, err));
    lua_pushstring(L, llhttp_get_error_reason(&hp->p));
    return 4;
  }
  if (err == HPE_PAUSED) llhttp_resume(&hp->p);
  if (err == HPE_PAUSED_UPGRADE) ev |= EV_UPGRADE;
  lua_pushinteger(L, ev);
  lua_pushinteger(L, (lua_Integer)npos);
  if (ev & HP_EV_HEADERS) {
    lode_hp_push_text(L, hp);
    if (b->type == HTTP_REQUEST)
      lua_pushstring(L, lode_hp_method_name(hp->p.method));
    else
      lua_pushinteger(L, hp->p.status_code);
    lua_pushinteger(L, hp->p.http_major * 10 + hp->p.http_minor);
    lua_pushinteger(L, hp->mflags);
    lode_hp_push_raw(L, hp, 0);
  } else {
    lua_settop(L, lua_gettop(L) + 5);
  }
  lode_hp_push_body(L, hp);
  if (ev & HP_EV_COMPLETE) lode_hp_push_raw(L, hp, 1);
  else lua_pushnil(L);
  return 9;
}

/* p:execute(data, pos): parses data from byte offset pos (0-based) up to
** the end or the next message boundary. Data may be a string or Buffer. */
static int parser_execute (lua_State *L) {
  parser_box *b = parser_check(L);
  size_t len, used = 0;
  const char *data = lode_checkbytes(L, 2, &len);
  lua_Integer pos = luaL_optinteger(L, 3, 0);
  llhttp_errno_t err = HPE_OK;
  luaL_argcheck(L, pos >= 0 && (size_t)pos <= len, 3, "out of range");
  b->hp.ev = 0;
  b->hp.nbody = 0;
  b->hp.blen = 0;
  if ((size_t)pos < len)
    err = lode_hp_execute(&b->hp, data + pos, len - (size_t)pos, &used);
  return parser_result(L, b, err, (size_t)pos + used);
}

/* p:finish(): the peer closed; completes a body that ends at EOF. */
static int parser_finish (lua_State *L) {
  parser_box *b = parser_check(L);
  llhttp_errno_t err;
  b->hp.ev = 0;
  b->hp.nbody = 0;
  b->hp.blen = 0;
  err = llhttp_finish(&b->hp.p);
  return parser_result(L, b, err, 0);
}

/* p:skip_body(mode): the next response answers a HEAD request (true),
** a CONNECT request ("connect": a 2xx opens a tunnel), or neither. */
static int parser_skip_body (lua_State *L) {
  parser_box *b = parser_check(L);
  int mode = lua_type(L, 2) == LUA_TSTRING ? 2 : lua_toboolean(L, 2);
  b->hp.skip_body = (uint8_t)mode;
  return 0;
}

/* p:reset(): a fresh parser state (after an error or an upgrade). */
static int parser_reset (lua_State *L) {
  parser_box *b = parser_check(L);
  lode_hp_init(&b->hp, (llhttp_type_t)b->type, b->hp.max_header, b->lenient);
  return 0;
}

/* p:state() -> 'idle' between messages, else 'busy' (for keep-alive). */
static int parser_idle (lua_State *L) {
  parser_box *b = parser_check(L);
  lua_pushboolean(L, b->hp.p.finish == HTTP_FINISH_SAFE);
  return 1;
}

static int parser_gc (lua_State *L) {
  lode_hp_free(&((parser_box *)lua_touserdata(L, 1))->hp);
  return 0;
}
/* }====================================================== */

int luaopen_lode_binding_http_parser (lua_State *L) {
  static const luaL_Reg methods[] = {
    {"execute", parser_execute}, {"finish", parser_finish},
    {"skip_body", parser_skip_body}, {"reset", parser_reset},
    {"idle", parser_idle}, {NULL, NULL}
  };
  static const luaL_Reg funcs[] = {
    {"new", parser_new}, {"headers", hp_headers},
    {"raw_headers", hp_raw_headers}, {"distinct", hp_distinct},
    {"is_token", hp_is_token_l}, {"is_value", hp_is_value_l},
    {"check_headers", hp_check_headers}, {"status_codes", hp_status_codes},
    {NULL, NULL}
  };
  if (luaL_newmetatable(L, PARSER_MT)) {
    lua_pushcfunction(L, parser_gc);
    lua_setfield(L, -2, "__gc");
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  lua_pushinteger(L, EV_ERROR);
  lua_setfield(L, -2, "EV_ERROR");
  lua_pushinteger(L, EV_UPGRADE);
  lua_setfield(L, -2, "EV_UPGRADE");
  return 1;
}
