/*
** http_write.c: the connection box lode.http's ServerResponse drives
** (http_server.h), and the write queue.
**
**   c:send(status, msg, store, map, body, flags, notify) -> queued
**       the head of the response (status line, the fields of store, a
**       flat list { lower, name, value, ... } from setHeader, and of map,
**       writeHead's table; then Date, Connection, Keep-Alive and the
**       framing: Content-Length when flags has F_END, else chunked) and
**       the first body bytes, in one buffer and one write
**   c:write(body, flags, notify, tstore, tmap) -> queued
**       more body (chunk-framed when chunked); F_END ends the response
**       (the last chunk with trailers)
**   c:info(status, msg, store, map)          a 1xx response
**   c:raw(data, notify) -> queued            bytes as they are
** Each returns the bytes queued by this write (0: all written now; the
** Lua side then completes at once) and the bytes queued in all, or
** false when the connection is gone,
** or nil, kind, name for a header that may not be sent ("token", "char",
** "value"). When bytes are queued and notify is not nil, HS_ON_WRITTEN
** gets (notify, status) once they are out. The box's other methods are
** in http_box.c.
**
** Writes never keep a pointer into a Lua value: uv_try_write goes first
** and what it could not write is copied into the request (one malloc).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "http_server.h"
#include "stream.h"

#define F_END 1                /* this write ends the response */
#define F_NODATE 2             /* res.sendDate = false */
#define F_CLOSE 4              /* res.shouldKeepAlive = false */
#define F_NOCHUNK 8            /* res.useChunkedEncodingByDefault = false */
#define F_DRAIN 16             /* tell HS_ON_DRAIN when the queue empties */
#define INLINE_BODY 16384      /* bodies up to this are copied: 1 buffer */

typedef struct hs_wreq {
  uv_write_t w;
  hs_conn *c;
  int notify;                  /* registry ref, or LUA_NOREF */
  size_t len;
  char data[1];
} hs_wreq;

/*
** {======================================================
** The write queue
** =======================================================
*/

/* Completion of a queued write: frees it, tells Lua (notify, drain) and
** finishes a handover waiting for the queue. Calls Lua. */
static void hs_on_write (uv_write_t *w, int status) {
  hs_wreq *q = (hs_wreq *)(void *)w;
  hs_conn *c = q->c;
  int notify = q->notify;
  lua_State *L;
  c->nwrites--;
  c->queued -= q->len;
  free(q);
  if (c->u.h.data == NULL) return;    /* lua_close */
  L = c->srv->ctx->L;
  c->last_active = uv_now(c->u.h.loop);
  if (status < 0 && !c->closing) hs_conn_close(c, status);
  if (notify != LUA_NOREF) {
    hs_push_cb(c->srv, HS_ON_WRITTEN);
    lua_rawgeti(L, LUA_REGISTRYINDEX, notify);
    luaL_unref(L, LUA_REGISTRYINDEX, notify);
    lode_push_status(L, status);
    lode_call(L, 2);
  }
  if (c->nwrites > 0 || c->closing) return;
  if (c->upgrading) {
    hs_conn_handoff(c);
  } else if (c->want_drain && c->box != LUA_NOREF) {
    c->want_drain = 0;
    hs_push_cb(c->srv, HS_ON_DRAIN);
    hs_conn_push_box(L, c);
    lode_call(L, 1);
  }
}

/* hs_write with the notify value at Lua index nidx (0: none): it is
** referenced only when bytes are queued. */
static int hs_write_l (hs_conn *c, uv_buf_t *bufs, unsigned n,
                       lua_State *L, int nidx) {
  size_t total = 0, done = 0, i;
  hs_wreq *q;
  uv_buf_t one;
  char *p;
  int rc;
  for (i = 0; i < n; i++) total += bufs[i].len;
  if (c->closing || c->ending) return UV_EPIPE;
  if (total == 0) return 0;
  c->last_active = uv_now(c->u.h.loop);
  if (c->nwrites == 0) {
    rc = uv_try_write(&c->u.s, bufs, n);
    if (rc < 0 && rc != UV_EAGAIN && rc != UV_ENOSYS) {
      hs_conn_close(c, rc);
      return rc;
    }
    done = rc > 0 ? (size_t)rc : 0;
    if (done == total) return 0;
  }
  q = (hs_wreq *)malloc(sizeof *q + (total - done));
  if (q == NULL) {
    hs_conn_close(c, UV_ENOMEM);
    return UV_ENOMEM;
  }
  p = q->data;
  for (i = 0; i < n; i++) {            /* copy what is left */
    size_t skip = done < bufs[i].len ? done : bufs[i].len;
    memcpy(p, bufs[i].base + skip, bufs[i].len - skip);
    p += bufs[i].len - skip;
    done -= skip;
  }
  q->c = c;
  q->len = (size_t)(p - q->data);
  q->notify = LUA_NOREF;
  one = uv_buf_init(q->data, (unsigned)q->len);
  if ((rc = uv_write(&q->w, &c->u.s, &one, 1, hs_on_write)) < 0) {
    free(q);
    hs_conn_close(c, rc);
    return rc;
  }
  if (L != NULL && nidx != 0 && !lua_isnoneornil(L, nidx)) {
    lua_pushvalue(L, nidx);
    q->notify = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  c->nwrites++;
  c->queued += q->len;
  return (int)(q->len > 0x7fffffff ? 0x7fffffff : q->len);
}

int hs_write (hs_conn *c, uv_buf_t *bufs, unsigned n, int notify) {
  (void)notify;
  return hs_write_l(c, bufs, n, NULL, 0);
}

void hs_write_canned (hs_conn *c, int status) {
  char line[128];
  const char *text = lode_hp_status_text(status);
  uv_buf_t b;
  b.len = (size_t)snprintf(line, sizeof line,
                           "HTTP/1.1 %d %s\r\nConnection: close\r\n\r\n",
                           status, text != NULL ? text : "Error");
  b.base = line;
  hs_write(c, &b, 1, LUA_NOREF);
  hs_conn_end(c);
}
/* }====================================================== */

/*
** {======================================================
** Formatting: one thread-local buffer, reused
** =======================================================
*/
typedef struct hs_out {
  char *p;
  size_t len, cap;
} hs_out;

static _Thread_local hs_out hs_o;

/* Grows the buffer for n more bytes; raises on memory errors (only Lua
** calls into the binding format). */
static void out_grow (lua_State *L, size_t n) {
  hs_out *o = &hs_o;
  size_t cap = o->cap ? o->cap : 4096;
  char *p;
  while (cap < o->len + n) cap *= 2;
  if ((p = (char *)realloc(o->p, cap)) == NULL)
    luaL_error(L, "not enough memory");
  o->p = p;
  o->cap = cap;
}

static inline void out_add (lua_State *L, const char *s, size_t n) {
  hs_out *o = &hs_o;
  if (o->len + n > o->cap) out_grow(L, n);
  memcpy(o->p + o->len, s, n);
  o->len += n;
}

#define OUT_LIT(L, s) out_add(L, "" s, sizeof(s) - 1)

/* v in base 10 or 16 (no printf on the hot path). */
static void out_num (lua_State *L, unsigned long long v, int hex) {
  char num[24], *p = num + sizeof num;
  unsigned base = hex ? 16 : 10;
  do {
    *--p = "0123456789abcdef"[v % base];
    v /= base;
  } while (v > 0);
  out_add(L, p, (size_t)(num + sizeof num - p));
}

/* "Date: ...\r\n", formatted once per second. */
static void out_date (lua_State *L) {
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
                                  "Sat"};
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May",
                                     "Jun", "Jul", "Aug", "Sep", "Oct",
                                     "Nov", "Dec"};
  static _Thread_local time_t last = -1;
  static _Thread_local char line[64];
  static _Thread_local int n;
  time_t t = time(NULL);
  if (t != last) {
    struct tm tm;
    gmtime_r(&t, &tm);
    n = snprintf(line, sizeof line,
                 "Date: %s, %02d %s %d %02d:%02d:%02d GMT\r\n",
                 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
                 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    last = t;
  }
  out_add(L, line, (size_t)n);
}

/* What the user's fields say about the framing (Node's _storeHeader). */
typedef struct hs_fstate {
  int cl, te, chunked, conn, close, date;
} hs_fstate;

enum { K_OTHER, K_CL, K_TE, K_CONN, K_DATE };

static int field_kind (const char *n, size_t len) {
  switch (len) {
    case 4: return strncasecmp(n, "date", 4) ? K_OTHER : K_DATE;
    case 10: return strncasecmp(n, "connection", 10) ? K_OTHER : K_CONN;
    case 14: return strncasecmp(n, "content-length", 14) ? K_OTHER : K_CL;
    case 17:
      return strncasecmp(n, "transfer-encoding", 17) ? K_OTHER : K_TE;
    default: return K_OTHER;
  }
}

static int is_word (unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

/* Node's /(?:^|\W)word(?:$|\W)/i. */
static int has_word (const char *v, size_t n, const char *w, size_t wn) {
  size_t i;
  for (i = 0; i + wn <= n; i++) {
    if ((i == 0 || !is_word((unsigned char)v[i - 1])) &&
        !strncasecmp(v + i, w, wn) &&
        (i + wn == n || !is_word((unsigned char)v[i + wn])))
      return 1;
  }
  return 0;
}

/* One "name: value\r\n" line for the string or number at idx. */
static const char *out_line (lua_State *L, hs_fstate *st, int kind,
                             const char *name, size_t nlen, int idx) {
  char num[48];
  const char *v = num;
  size_t vlen;
  if (lua_type(L, idx) == LUA_TSTRING) {
    v = lua_tolstring(L, idx, &vlen);
    if (!lode_hp_is_value(v, vlen)) return "char";
  } else if (lua_isinteger(L, idx)) {
    vlen = (size_t)snprintf(num, sizeof num, LUA_INTEGER_FMT,
                            lua_tointeger(L, idx));
  } else if (lua_type(L, idx) == LUA_TNUMBER) {
    vlen = (size_t)snprintf(num, sizeof num, "%.17g", lua_tonumber(L, idx));
  } else {
    return "value";
  }
  if (kind == K_CL) st->cl = 1;
  else if (kind == K_DATE) st->date = 1;
  else if (kind == K_TE) {
    st->te = 1;
    st->chunked = has_word(v, vlen, "chunked", 7);
  } else if (kind == K_CONN) {
    st->conn = 1;
    if (has_word(v, vlen, "close", 5)) st->close = 1;
  }
  out_add(L, name, nlen);
  OUT_LIT(L, ": ");
  out_add(L, v, vlen);
  OUT_LIT(L, "\r\n");
  return NULL;
}

/* A field whose value (at vidx) is a string, a number or a list. */
static const char *out_field (lua_State *L, hs_fstate *st, int nidx,
                              int vidx) {
  size_t nlen, i, n;
  const char *name = lua_type(L, nidx) == LUA_TSTRING
    ? lua_tolstring(L, nidx, &nlen) : NULL;
  const char *bad = NULL;
  int kind;
  if (name == NULL || !lode_hp_is_token(name, nlen)) return "token";
  kind = field_kind(name, nlen);
  if (lua_type(L, vidx) != LUA_TTABLE)
    return out_line(L, st, kind, name, nlen, vidx);
  n = lua_rawlen(L, vidx);
  for (i = 1; i <= n && bad == NULL; i++) {
    lua_rawgeti(L, vidx, (lua_Integer)i);
    bad = out_line(L, st, kind, name, nlen, lua_gettop(L));
    lua_pop(L, 1);
  }
  return bad;
}

/* The fields of store (flat { lower, name, value, ... }) and of map
** ({ name = value }). On a bad field, pushes its name and says why. */
static const char *out_fields (lua_State *L, hs_fstate *st, int store,
                               int map) {
  const char *bad;
  lua_Integer i, n;
  if (store != 0 && lua_type(L, store) == LUA_TTABLE) {
    n = (lua_Integer)lua_rawlen(L, store);
    for (i = 1; i + 2 <= n; i += 3) {
      lua_rawgeti(L, store, i + 1);
      lua_rawgeti(L, store, i + 2);
      bad = out_field(L, st, lua_gettop(L) - 1, lua_gettop(L));
      lua_pop(L, 1);
      if (bad != NULL) return bad;
      lua_pop(L, 1);
    }
  }
  if (map != 0 && lua_type(L, map) == LUA_TTABLE) {
    lua_pushnil(L);
    while (lua_next(L, map)) {
      bad = out_field(L, st, lua_gettop(L) - 1, lua_gettop(L));
      lua_pop(L, 1);
      if (bad != NULL) return bad;
    }
  }
  return NULL;
}

static void out_status (lua_State *L, int status, int msg) {
  const char *text;
  size_t n;
  OUT_LIT(L, "HTTP/1.1 ");
  out_num(L, (unsigned long long)status, 0);
  OUT_LIT(L, " ");
  if (lua_type(L, msg) == LUA_TSTRING) {
    text = lua_tolstring(L, msg, &n);
  } else {
    text = lode_hp_status_text(status);
    if (text == NULL) text = "unknown";
    n = strlen(text);
  }
  out_add(L, text, n);
  OUT_LIT(L, "\r\n");
}

/* The rest of the head after the user's fields: Date, the framing and
** the connection's fate (Node's _storeHeader, but a response finished
** by its first write gets Content-Length even after writeHead). */
static void out_framing (lua_State *L, hs_conn *c, int status,
                         const hs_fstate *st, size_t blen, int flags) {
  hs_server *srv = c->srv;
  int hasbody = !(status == 204 || status == 304 ||
                  (status >= 100 && status < 200));
  int keep = (c->rflags & HP_KEEPALIVE) && !(flags & F_CLOSE) && !c->last &&
             !c->peer_eof && !srv->closed &&
             !(srv->max_requests && c->nreq >= srv->max_requests);
  int chunked = 0;
  if (!st->date && !(flags & F_NODATE)) out_date(L);
  if (!hasbody) {
    /* no framing: nothing follows the head */
  } else if (st->cl) {
    /* the user's Content-Length */
  } else if (st->te) {
    chunked = st->chunked;
    if (!chunked) keep = 0;            /* ends when the connection does */
  } else if (flags & F_END) {
    OUT_LIT(L, "Content-Length: ");
    out_num(L, (unsigned long long)blen, 0);
    OUT_LIT(L, "\r\n");
  } else if (c->ver >= 11 && !(flags & F_NOCHUNK)) {
    OUT_LIT(L, "Transfer-Encoding: chunked\r\n");
    chunked = 1;
  } else {
    keep = 0;
  }
  if (st->conn) {
    if (st->close) keep = 0;
  } else if (keep) {
    OUT_LIT(L, "Connection: keep-alive\r\n");
    if (srv->keepalive_timeout >= 1000) {
      OUT_LIT(L, "Keep-Alive: timeout=");
      out_num(L, (unsigned long long)(srv->keepalive_timeout / 1000), 0);
      OUT_LIT(L, "\r\n");
    }
  } else {
    OUT_LIT(L, "Connection: close\r\n");
  }
  OUT_LIT(L, "\r\n");
  c->last = !keep;
  c->chunked = (uint8_t)chunked;
  c->nobody = !hasbody || c->is_head;
}

/* The body part of a write: chunk framing around it when chunked, small
** bodies copied after the head (one buffer), big ones as their own
** buffer. Fills bufs from bufs[0] = the formatted bytes; returns n. */
static unsigned out_body (lua_State *L, hs_conn *c, uv_buf_t *bufs,
                          const char *body, size_t blen, int end,
                          int tstore, int tmap) {
  unsigned n = 1;
  hs_out *o = &hs_o;
  if (c->nobody) blen = 0;
  if (blen > 0) {
    if (c->chunked) {
      out_num(L, (unsigned long long)blen, 1);
      OUT_LIT(L, "\r\n");
    }
    if (blen <= INLINE_BODY) {
      out_add(L, body, blen);
    } else {
      bufs[1] = uv_buf_init((char *)body, (unsigned)blen);
      n = 2;
    }
  }
  if (c->chunked && !c->nobody) {
    size_t at = o->len;
    hs_fstate st = {0, 0, 0, 0, 0, 0};
    if (blen > 0) OUT_LIT(L, "\r\n");
    if (end) {
      OUT_LIT(L, "0\r\n");
      if (out_fields(L, &st, tstore, tmap) != NULL) lua_pop(L, 1);
      OUT_LIT(L, "\r\n");
    }
    if (n == 2 && o->len > at) {       /* the tail goes after the body */
      bufs[2] = uv_buf_init(o->p + at, (unsigned)(o->len - at));
      o->len = at;
      n = 3;
    }
  }
  bufs[0] = uv_buf_init(o->p, (unsigned)o->len);
  return n;
}
/* }====================================================== */

/*
** {======================================================
** The connection box
** =======================================================
*/
/* Pushes the result of a write: queued by this write, queued in all. */
static int write_result (lua_State *L, hs_conn *c, int rc) {
  if (rc < 0) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (rc > 0) c->want_drain = 1;
  lua_pushinteger(L, rc);
  lua_pushinteger(L, (lua_Integer)c->queued);
  return 2;
}

static int bad_field (lua_State *L, const char *why) {
  lua_pushnil(L);
  lua_pushstring(L, why);
  lua_pushvalue(L, -3);                /* the name out_fields pushed */
  return 3;
}

/* c:send(status, msg, store, map, body, flags, notify) */
int hs_conn_send (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  int status = (int)luaL_checkinteger(L, 2);
  int flags = (int)luaL_optinteger(L, 7, 0), rc;
  size_t blen = 0;
  const char *body = NULL, *bad;
  hs_fstate st = {0, 0, 0, 0, 0, 0};
  uv_buf_t bufs[3];
  unsigned n;
  if (!lua_isnoneornil(L, 6)) body = lode_checkbytes(L, 6, &blen);
  if (c == NULL || !c->resp || c->wrote_head) {
    lua_pushboolean(L, 0);
    return 1;
  }
  hs_o.len = 0;
  out_status(L, status, 3);
  if ((bad = out_fields(L, &st, 4, 5)) != NULL) return bad_field(L, bad);
  out_framing(L, c, status, &st, blen, flags);
  c->wrote_head = 1;
  n = out_body(L, c, bufs, body, blen, flags & F_END, 0, 0);
  rc = hs_write_l(c, bufs, n, L, 8);
  if ((flags & F_END) && !c->closing) hs_conn_response_done(c);
  return write_result(L, c, rc);
}

/* c:write(body, flags, notify, tstore, tmap): after c:send. */
int hs_conn_write (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  int flags = (int)luaL_optinteger(L, 3, 0), rc;
  size_t blen = 0;
  const char *body = NULL;
  uv_buf_t bufs[3];
  unsigned n;
  if (!lua_isnoneornil(L, 2)) body = lode_checkbytes(L, 2, &blen);
  if (c == NULL || !c->resp || !c->wrote_head) {
    lua_pushboolean(L, 0);
    return 1;
  }
  hs_o.len = 0;
  n = out_body(L, c, bufs, body, blen, flags & F_END, 5, 6);
  rc = hs_write_l(c, bufs, n, L, 4);
  if ((flags & F_END) && !c->closing) hs_conn_response_done(c);
  return write_result(L, c, rc);
}

/* c:info(status, msg, store, map): a 1xx response (100 Continue, 102,
** 103 Early Hints) before the real one. */
int hs_conn_info (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  int status = (int)luaL_checkinteger(L, 2);
  hs_fstate st = {0, 0, 0, 0, 0, 0};
  const char *bad;
  uv_buf_t b;
  if (c == NULL || !c->resp || c->wrote_head) {
    lua_pushboolean(L, 0);
    return 1;
  }
  hs_o.len = 0;
  out_status(L, status, 3);
  if ((bad = out_fields(L, &st, 4, 5)) != NULL) return bad_field(L, bad);
  OUT_LIT(L, "\r\n");
  b = uv_buf_init(hs_o.p, (unsigned)hs_o.len);
  return write_result(L, c, hs_write_l(c, &b, 1, NULL, 0));
}

/* c:raw(data, notify): bytes as they are (a socket's own writes). */
int hs_conn_raw (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  size_t len;
  uv_buf_t b;
  b.base = (char *)lode_checkbytes(L, 2, &len);
  b.len = len;
  if (c == NULL) {
    lua_pushboolean(L, 0);
    return 1;
  }
  return write_result(L, c, hs_write_l(c, &b, 1, L, 3));
}
/* }====================================================== */

/*
** {======================================================
** The client's request head
** =======================================================
*/
#define R_KEEPALIVE 1          /* Connection: keep-alive (else close) */
#define R_FIN 2                /* body is the whole body */
#define R_BODYDEF 4            /* the method carries a body by default */
#define R_LAST 8               /* chunked: end with the last chunk */

/* hs.request_head(method, path, store, flags, body) -> bytes, chunked:
** the request line, the fields of store, Connection and the framing
** (Content-Length when R_FIN, else chunked for methods with a body),
** then body (chunk-framed when chunked), as one string. Raises nothing:
** on a field that may not be sent, returns nil, kind, name. */
int hs_request_head (lua_State *L) {
  size_t mlen, plen, blen = 0;
  const char *method = luaL_checklstring(L, 1, &mlen);
  const char *path = luaL_checklstring(L, 2, &plen);
  int flags = (int)luaL_checkinteger(L, 4), chunked = 0;
  const char *body = lua_isnoneornil(L, 5) ? NULL
                                           : lode_checkbytes(L, 5, &blen);
  hs_fstate st = {0, 0, 0, 0, 0, 0};
  const char *bad;
  hs_o.len = 0;
  out_add(L, method, mlen);
  OUT_LIT(L, " ");
  out_add(L, path, plen);
  OUT_LIT(L, " HTTP/1.1\r\n");
  if ((bad = out_fields(L, &st, 3, 0)) != NULL) return bad_field(L, bad);
  if (!st.conn) {
    if (flags & R_KEEPALIVE) OUT_LIT(L, "Connection: keep-alive\r\n");
    else OUT_LIT(L, "Connection: close\r\n");
  }
  if (st.cl) {
    /* the caller's length */
  } else if (st.te) {
    chunked = st.chunked;
  } else if (flags & R_FIN) {
    if (blen > 0 || (flags & R_BODYDEF)) {
      OUT_LIT(L, "Content-Length: ");
      out_num(L, (unsigned long long)blen, 0);
      OUT_LIT(L, "\r\n");
    }
  } else if (flags & R_BODYDEF) {
    OUT_LIT(L, "Transfer-Encoding: chunked\r\n");
    chunked = 1;
  }
  OUT_LIT(L, "\r\n");
  if (blen > 0 && chunked) {
    out_num(L, (unsigned long long)blen, 1);
    OUT_LIT(L, "\r\n");
  }
  if (blen > 0) out_add(L, body, blen);
  if (blen > 0 && chunked) OUT_LIT(L, "\r\n");
  if (chunked && (flags & R_LAST)) OUT_LIT(L, "0\r\n\r\n");
  lua_pushlstring(L, hs_o.p, hs_o.len);
  lua_pushboolean(L, chunked);
  return 2;
}
/* }====================================================== */
