/*
** http_conn.c: a server connection's life (http_server.h): reading
** into a buffer shared by every connection, parsing with llhttp (whose
** callbacks only record, http_parser.h), one Lua call per request
** (HS_ON_REQUEST) and one per later body chunk (HS_ON_BODY), pipelined
** requests parsed only once the previous response is done (their bytes
** wait in the stash), bad requests answered in C, timeouts, closing, and
** the 'upgrade'/'connect' handover to a lode.tcp box (bindings/stream.h).
**
** Every function here that calls Lua runs in a libuv callback (read,
** write, close, timer, idle). After each lode_call the connection may be
** closing (rule 11): the callers look at c->closing before going on; the
** memory stays valid until conn_on_close.
*/
#include <stdlib.h>
#include <string.h>
#include "http_server.h"
#include "stream.h"

#define HS_RBUF 65536                 /* one read */
#define HS_STASH_MAX (256 * 1024)     /* stop reading past this backlog */

/*
** {======================================================
** Reading: one buffer for every connection
** =======================================================
*/

/* The data of a read is parsed (and copied where it must outlive the
** read) before read_cb returns, so connections share one buffer; a
** second one is malloc'd only if the first is somehow still in use. */
static _Thread_local char *hs_rbuf;
static _Thread_local int hs_rbuf_busy;

static void conn_on_alloc (uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h;
  (void)hint;
  if (!hs_rbuf_busy) {
    if (hs_rbuf == NULL) hs_rbuf = (char *)malloc(HS_RBUF);
    if (hs_rbuf != NULL) {
      hs_rbuf_busy = 1;
      *buf = uv_buf_init(hs_rbuf, HS_RBUF);
      return;
    }
  }
  buf->base = (char *)malloc(HS_RBUF);
  buf->len = buf->base != NULL ? HS_RBUF : 0;
}

static void conn_release (const uv_buf_t *buf) {
  if (buf->base == hs_rbuf) hs_rbuf_busy = 0;
  else free(buf->base);
}

/* Keeps the unparsed rest of the input for later. When it is the stash
** itself being parsed, the rest is already there: only the offset moves
** (no copying per pipelined request). */
static void conn_keep (hs_conn *c, const char *data, size_t len,
                       int from_stash) {
  size_t need, cap;
  char *n;
  if (from_stash) {
    c->soff = (uint32_t)(data - c->stash);
    return;
  }
  if (c->soff == c->slen) c->soff = c->slen = 0;
  need = (size_t)(c->slen - c->soff) + len;
  if (c->soff > 0 && (size_t)c->slen + len > c->scap) {
    memmove(c->stash, c->stash + c->soff, c->slen - c->soff);
    c->slen -= c->soff;
    c->soff = 0;
  }
  if ((size_t)c->slen + len > c->scap) {
    cap = c->scap ? c->scap : 1024;
    while (cap < need) cap *= 2;
    if (cap > UINT32_MAX || (n = (char *)realloc(c->stash, cap)) == NULL) {
      hs_conn_close(c, UV_ENOMEM);
      return;
    }
    c->stash = n;
    c->scap = (uint32_t)cap;
  }
  memcpy(c->stash + c->slen, data, len);
  c->slen += (uint32_t)len;
}

static void conn_on_read (uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static int conn_stashed (const hs_conn *c) {
  return c->slen > c->soff;
}

/* Reads while nothing holds the connection back: Lua's backpressure on
** a request body, a full stash, closing, or a handover. */
void hs_conn_update_reading (hs_conn *c) {
  int want = !c->closing && !c->ending && !c->upgrading && !c->peer_eof &&
             !c->paused && !c->errored && (c->slen - c->soff) < HS_STASH_MAX;
  if (want && !c->reading) {
    if (uv_read_start(&c->u.s, conn_on_alloc, conn_on_read) == 0)
      c->reading = 1;
  } else if (!want && c->reading) {
    uv_read_stop(&c->u.s);
    c->reading = 0;
  }
}
/* }====================================================== */

/*
** {======================================================
** Dispatching to Lua
** =======================================================
*/
void hs_conn_push_box (lua_State *L, hs_conn *c) {
  hs_box *b;
  if (c->box != LUA_NOREF) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->box);
    return;
  }
  b = (hs_box *)lua_newuserdatauv(L, sizeof *b, 0);
  b->c = c;
  luaL_setmetatable(L, HS_CONN_MT);
  lua_pushvalue(L, -1);
  c->box = luaL_ref(L, LUA_REGISTRYINDEX);
}

/* Pushes the request line, headers and body of a message whose headers
** just completed: method, url, ver, flags, raw headers (7 values with the
** box and the callback before them; the caller adds the rest). */
static void conn_push_head (lua_State *L, hs_conn *c, int complete) {
  lode_hp *hp = &c->hp;
  lua_pushstring(L, lode_hp_method_name(hp->p.method));
  lode_hp_push_text(L, hp);
  lua_pushinteger(L, c->ver);
  lua_pushinteger(L, hp->mflags | (complete ? HP_COMPLETE : 0));
  lode_hp_push_raw(L, hp, 0);
}

/* The Lua call for what the last execute found: a new request (with
** whatever body came with it), a body chunk, or the end of the body.
** Returns 0 when the connection must not be parsed further. */
static int conn_deliver (hs_conn *c) {
  lode_hp *hp = &c->hp;
  int complete = (hp->ev & HP_EV_COMPLETE) != 0, nargs;
  lua_State *L;
  if (hp->ev & HP_EV_HEADERS) {
    c->resp = 1;
    c->wrote_head = c->last = c->dump = 0;
    c->nreq++;
    c->is_head = hp->p.method == HTTP_HEAD;
    c->ver = (uint8_t)(hp->p.http_major * 10 + hp->p.http_minor);
    c->rflags = hp->mflags;
    L = hs_push_cb(c->srv, HS_ON_REQUEST);
    hs_conn_push_box(L, c);
    conn_push_head(L, c, complete);
    nargs = 8;
  } else if (c->dump && (!complete || c->dump == 1)) {
    return 1;                          /* nobody reads this body */
  } else if (complete || lode_hp_body_len(hp) > 0) {
    L = hs_push_cb(c->srv, HS_ON_BODY);
    hs_conn_push_box(L, c);
    if (c->dump) lua_pushnil(L);
    else lode_hp_push_body(L, hp);
    lua_pushboolean(L, complete);
    nargs = 4;
  } else {
    return 1;
  }
  if (hp->ev & HP_EV_HEADERS) lode_hp_push_body(L, hp);
  if (complete) lode_hp_push_raw(L, hp, 1);
  else lua_pushnil(L);
  if (hp->ev & HP_EV_HEADERS) {        /* req and res, sized for their */
    lua_createtable(L, 0, 16);         /* fields: none is added later */
    lua_createtable(L, 0, 16);         /* by a rehash */
    nargs += 2;
  }
  c->in_dispatch = 1;
  lode_call(L, nargs);
  c->in_dispatch = 0;
  return !c->closing && !c->ending && !c->upgrading;
}

/* Between messages: the parser goes on with the next one. */
static void conn_next (hs_conn *c) {
  llhttp_resume(&c->hp.p);
  lode_hp_next(&c->hp);
  c->state = HS_IDLE;
}

static void conn_upgrade (hs_conn *c, const char *rest, size_t n) {
  int connect = c->hp.p.method == HTTP_CONNECT;
  if (!(c->srv->want & (connect ? HS_WANT_CONNECT : HS_WANT_UPGRADE))) {
    hs_conn_close(c, 0);               /* CONNECT nobody handles: Node */
    return;
  }
  c->upgrading = 1;
  c->ver = (uint8_t)(c->hp.p.http_major * 10 + c->hp.p.http_minor);
  if (n > 0 && (c->up_head = (char *)malloc(n)) != NULL) {
    memcpy(c->up_head, rest, n);
    c->up_len = n;
  }
  hs_conn_update_reading(c);
  if (c->nwrites == 0) hs_conn_handoff(c);   /* else after the writes */
}

static void conn_parse_error (hs_conn *c, llhttp_errno_t err) {
  const char *reason = llhttp_get_error_reason(&c->hp.p);
  hs_conn_client_error(c, lode_hp_error_code(&c->hp, err),
                       c->hp.overflow ? "Header overflow" : reason,
                       c->hp.overflow ? 431 : 400);
}

/* Parses data (a read, or the stash when from_stash) as far as it may:
** up to the end, or to a message boundary while its response is due (the
** rest is kept), or until the connection closes or is handed over. */
void hs_conn_process (hs_conn *c, const char *data, size_t len,
                      int from_stash) {
  hs_server *srv = c->srv;
  while (len > 0 && !c->closing && !c->ending && !c->upgrading &&
         !c->errored) {
    size_t used;
    llhttp_errno_t err;
    if (c->state == HS_DONE) {
      if (c->resp) break;              /* answer in order: wait */
      conn_next(c);
    }
    c->hp.now = uv_now(&srv->ctx->loop);
    c->hp.allow_upgrade = (srv->want & HS_WANT_UPGRADE) != 0;
    err = lode_hp_execute(&c->hp, data, len, &used);
    data += used;
    len -= used;
    if (c->hp.ev & HP_EV_BEGIN) c->state = HS_HEAD;
    if (err != HPE_OK && err != HPE_PAUSED && err != HPE_PAUSED_UPGRADE) {
      conn_parse_error(c, err);
      return;
    }
    if (c->hp.ev & HP_EV_HEADERS) c->state = HS_BODY;
    if (c->hp.ev & HP_EV_COMPLETE) c->state = HS_DONE;
    if ((c->hp.ev & HP_EV_HEADERS) && (c->hp.mflags & HP_UPGRADE)) {
      conn_upgrade(c, data, len);
      return;
    }
    if (!conn_deliver(c)) return;
  }
  if (c->closing || c->ending || c->upgrading || c->errored) return;
  if (len > 0) conn_keep(c, data, len, from_stash);
  else if (from_stash) c->soff = c->slen = 0;
  if (c->state == HS_DONE && !c->resp && len == 0) {
    conn_next(c);
    if (srv->closed) hs_conn_end(c);   /* idle after server:close() */
  }
}

/* From the idle handle: the response is done, parse what waited. */
void hs_conn_resume (hs_conn *c) {
  if (c->closing || c->ending || c->upgrading || c->errored || c->resp)
    return;
  if (c->state == HS_DONE) conn_next(c);
  if (conn_stashed(c))
    hs_conn_process(c, c->stash + c->soff, c->slen - c->soff, 1);
  if (c->closing || c->ending || c->upgrading || c->errored) return;
  if ((c->peer_eof || c->srv->closed) && c->state == HS_IDLE && !c->resp &&
      !conn_stashed(c))
    hs_conn_end(c);
  else
    hs_conn_update_reading(c);
}

/* A response was finished by Lua (not a libuv callback: no Lua here). */
void hs_conn_response_done (hs_conn *c) {
  c->resp = 0;
  c->last_active = uv_now(c->u.h.loop);
  if (c->last) {
    hs_conn_end(c);
    return;
  }
  if (c->state != HS_DONE || c->in_dispatch) return;
  if (conn_stashed(c)) {
    hs_server_ready(c->srv, c);        /* parse it from the loop */
    return;
  }
  conn_next(c);
  if (c->peer_eof || c->srv->closed) hs_conn_end(c);
  else hs_conn_update_reading(c);
}
/* }====================================================== */

/*
** {======================================================
** Reads, ends, errors, closing
** =======================================================
*/

/* The peer closed its side. A request still being read is lost; one
** complete request (and any pipelined after it) is still answered, then
** the connection closes, as nginx does. */
static void conn_on_eof (hs_conn *c, int status) {
  if (status != UV_EOF) {
    hs_conn_close(c, status);
    return;
  }
  c->peer_eof = 1;
  c->reading = 0;                      /* libuv stopped at EOF */
  if (c->state == HS_HEAD) {
    hs_conn_client_error(c, "HPE_INVALID_EOF_STATE", "Invalid EOF state",
                         400);
  } else if (c->state == HS_BODY) {
    hs_conn_close(c, UV_ECONNRESET);
  } else if (c->state == HS_IDLE && !c->resp && !conn_stashed(c)) {
    hs_conn_end(c);
  } else {
    c->last = 1;
  }
}

static void conn_on_read (uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  hs_conn *c = (hs_conn *)s->data;
  if (c != NULL && !c->closing) {
    if (n > 0) {
      c->last_active = uv_now(s->loop);
      if (c->ending || c->upgrading || c->errored) {
        /* nothing more is parsed */
      } else if (c->state == HS_DONE || conn_stashed(c)) {
        conn_keep(c, buf->base, (size_t)n, 0);
        hs_conn_update_reading(c);
      } else {
        hs_conn_process(c, buf->base, (size_t)n, 0);
      }
    } else if (n < 0) {
      conn_on_eof(c, (int)n);
    }
  }
  conn_release(buf);
}

static void conn_free_bufs (hs_conn *c) {
  lode_hp_free(&c->hp);
  free(c->stash);
  free(c->up_head);
  c->stash = c->up_head = NULL;
}

static void conn_unlink (hs_conn *c) {
  hs_server *srv = c->srv;
  if (c->prev != NULL) c->prev->next = c->next;
  else if (srv->conns == c) srv->conns = c->next;
  if (c->next != NULL) c->next->prev = c->prev;
  c->prev = c->next = NULL;
}

/* The handle is closed: tell Lua if it has something to say about it
** (a request or response in progress, or a socket object that asked),
** then free everything. */
static void conn_on_close (uv_handle_t *h) {
  hs_conn *c = (hs_conn *)(void *)h;   /* the handle comes first */
  hs_server *srv = c->srv;
  lua_State *L;
  if (h->data == NULL) {               /* lua_close: just free */
    conn_free_bufs(c);
    free(c);
    return;
  }
  conn_unlink(c);
  if (c->box != LUA_NOREF) {
    L = srv->ctx->L;
    if (c->notify || c->resp || c->state == HS_BODY) {
      hs_push_cb(srv, HS_ON_CLOSE);
      lua_rawgeti(L, LUA_REGISTRYINDEX, c->box);
      luaL_unref(L, LUA_REGISTRYINDEX, c->box);
      lode_push_status(L, c->close_status);
      conn_free_bufs(c);
      free(c);
      lode_call(L, 2);
      hs_server_conn_gone(srv);
      return;
    }
    luaL_unref(L, LUA_REGISTRYINDEX, c->box);
  }
  conn_free_bufs(c);
  free(c);
  hs_server_conn_gone(srv);
}

/* Closes now (idempotent). Lua hears of it from the close callback. */
void hs_conn_close (hs_conn *c, int status) {
  lua_State *L = c->srv->ctx->L;
  if (c->closing) return;
  c->closing = 1;
  c->close_status = status;
  if (c->reading) uv_read_stop(&c->u.s);
  c->reading = 0;
  hs_server_unready(c->srv, c);
  if (c->box != LUA_NOREF) {           /* the box is dead for Lua now */
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->box);
    ((hs_box *)lua_touserdata(L, -1))->c = NULL;
    lua_pop(L, 1);
  }
  uv_close(&c->u.h, conn_on_close);
}

/* At lua_close (the server's __gc): close without Lua, free in the cb. */
void hs_conn_kill (hs_conn *c) {
  conn_unlink(c);
  c->u.h.data = NULL;
  if (!c->closing) {
    c->closing = 1;
    uv_close(&c->u.h, conn_on_close);
  }
}

static void conn_on_shutdown (uv_shutdown_t *req, int status) {
  hs_conn *c = (hs_conn *)req->data;
  (void)status;
  free(req);
  if (c->u.h.data != NULL && !c->closing) hs_conn_close(c, 0);
}

/* Closes once everything queued is written (FIN first). */
void hs_conn_end (hs_conn *c) {
  uv_shutdown_t *req;
  if (c->closing || c->ending) return;
  c->ending = 1;
  hs_conn_update_reading(c);
  hs_server_unready(c->srv, c);
  req = (uv_shutdown_t *)malloc(sizeof *req);
  if (req == NULL) {
    hs_conn_close(c, 0);
    return;
  }
  req->data = c;
  if (uv_shutdown(req, &c->u.s, conn_on_shutdown) < 0) {
    free(req);
    hs_conn_close(c, 0);
  }
}

/* A request that cannot be answered (bad syntax, too big, too slow):
** 'clientError' when someone listens, else a canned 400/431/408 when no
** response has started, and close. Nothing is parsed afterwards. */
void hs_conn_client_error (hs_conn *c, const char *code, const char *reason,
                           int status) {
  hs_server *srv = c->srv;
  c->errored = 1;                      /* no more reading or parsing */
  hs_conn_update_reading(c);
  if (srv->want & HS_WANT_CLIENTERROR) {
    lua_State *L = hs_push_cb(srv, HS_ON_ERROR);
    hs_conn_push_box(L, c);
    lua_pushstring(L, code);
    lua_pushstring(L, reason != NULL ? reason : "");
    lua_pushinteger(L, status);
    lode_call(L, 4);
    return;
  }
  if (c->resp && c->wrote_head) hs_conn_close(c, UV_EPROTO);
  else hs_write_canned(c, status);
}
/* }====================================================== */

/*
** {======================================================
** Start, timeouts, handover
** =======================================================
*/
void hs_conn_start (hs_server *srv, hs_conn *c) {
  uint64_t now = uv_now(&srv->ctx->loop);
  lode_hp_init(&c->hp, HTTP_REQUEST, srv->max_header, srv->lenient);
  c->box = LUA_NOREF;
  c->last_active = c->hp.msg_start = now;
  hs_conn_update_reading(c);
}

static void conn_timeout (hs_conn *c, uint64_t now) {
  hs_server *srv = c->srv;
  if ((srv->want & HS_WANT_TIMEOUT) || (c->notify & 2)) {
    lua_State *L = hs_push_cb(srv, HS_ON_TIMEOUT);
    c->last_active = now;              /* once per idle period */
    hs_conn_push_box(L, c);
    lode_call(L, 1);
  } else {
    hs_conn_close(c, 0);
  }
}

/* One connection's part of the sweep: headersTimeout (also for a fresh
** connection that sends nothing), requestTimeout, keepAliveTimeout
** between requests, and the idle socket timeout. */
void hs_conn_sweep (hs_conn *c, uint64_t now) {
  hs_server *srv = c->srv;
  uint64_t age = now - c->hp.msg_start, t;
  int reading_head = c->state == HS_HEAD ||
                     (c->state == HS_IDLE && c->nreq == 0 && !c->resp);
  if (c->closing || c->ending || c->upgrading || c->errored) return;
  if ((reading_head && srv->headers_timeout &&
       age >= srv->headers_timeout) ||
      ((c->state == HS_HEAD || c->state == HS_BODY) &&
       srv->request_timeout && age >= srv->request_timeout)) {
    hs_conn_client_error(c, "ERR_HTTP_REQUEST_TIMEOUT", "Request timeout",
                         408);
    return;
  }
  if (c->state == HS_IDLE && !c->resp && c->nreq > 0 && c->nwrites == 0 &&
      srv->keepalive_timeout &&
      now - c->last_active >= srv->keepalive_timeout) {
    hs_conn_close(c, 0);
    return;
  }
  t = c->timeout ? c->timeout : srv->timeout;
  if (t && now - c->last_active >= t) conn_timeout(c, now);
}

/* Hands the connection over to a lode.tcp (or lode.pipe) box for
** 'upgrade'/'connect': the box takes the handle (and so this memory, see
** http_server.h), Lua gets it with the request and the bytes after the
** head. Runs once no write is in flight. */
void hs_conn_handoff (hs_conn *c) {
  hs_server *srv = c->srv;
  const char *mt = c->u.h.type == UV_TCP ? LODE_TCP_MT : LODE_PIPE_MT;
  lua_State *L = srv->ctx->L;
  char *head = c->up_head;
  size_t hlen = c->up_len;
  if (luaL_getmetatable(L, mt) == LUA_TNIL) {
    lua_pop(L, 1);
    hs_conn_close(c, UV_ENOTSUP);      /* lode.binding.tcp not loaded */
    return;
  }
  lua_pop(L, 1);
  hs_push_cb(srv, HS_ON_UPGRADE);
  conn_push_head(L, c, 1);
  conn_unlink(c);
  hs_server_unready(srv, c);
  if (c->box != LUA_NOREF) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->box);
    ((hs_box *)lua_touserdata(L, -1))->c = NULL;
    lua_pop(L, 1);
    luaL_unref(L, LUA_REGISTRYINDEX, c->box);
  }
  c->up_head = NULL;
  conn_free_bufs(c);
  c->u.h.data = NULL;
  lode_stream_attach(L, &c->u.s, mt);  /* owns c's memory from now on */
  if (head != NULL) lode_buffer_adopt(L, head, hlen);
  else lode_buffer_new(L, 0);
  lode_call(L, 7);
  hs_server_conn_gone(srv);
}
/* }====================================================== */
