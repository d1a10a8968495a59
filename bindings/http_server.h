/*
** http_server.h: lode.binding.http_server, the C half of lode.http's
** server (DESIGN.md section 4). One C object per connection owns its
** libuv handle, its llhttp parser (http_parser.h), the unparsed bytes of
** pipelined requests, keep-alive state, timeouts and the write queue,
** and calls Lua once per request. The parts:
**  - http_server.c: the server box (listening handle, options, the
**    timeout sweep, the deferred-work idle handle), accepting;
**  - http_conn.c: reading, parsing, dispatching to Lua, bad requests
**    answered in C, closing, handing a connection over for 'upgrade';
**  - http_write.c: the connection box Lua drives a response through:
**    status line + headers + body formatted into one buffer and written
**    with uv_try_write first; chunked framing for the general path;
**  - http_box.c: the connection box's other methods (backpressure,
**    closing, timeouts, addresses).
**
** Ownership. A connection is one calloc'd hs_conn whose first member is
** its uv handle; libuv needs that memory until the close callback, which
** frees it (after an 'upgrade' handover, stream.c's close callback frees
** it with free(): hence the handle must come first). The server box is a
** Lua userdata anchored in the registry while it listens or has open
** connections, so connections may point to it. A connection's Lua box
** (hs_box, made at its first request) holds a pointer that is cleared
** when the connection closes; Lua methods on a dead box do nothing.
**
** Calls into Lua (always through lode_call, from libuv callbacks only:
** read, write, close, timer, idle) go to the functions in the server's
** callback table (user value 1), by index HS_ON_*. A Lua call into the
** binding never calls back into Lua: work that would (the next pipelined
** request after a response finished outside dispatch) is deferred to the
** server's idle handle (STYLE.md rule 11).
*/
#ifndef LODE_HTTP_SERVER_H
#define LODE_HTTP_SERVER_H

#include "http_parser.h"

#define HS_SERVER_MT "lode.http_server"
#define HS_CONN_MT "lode.http_conn"

/* Callback table indices (lua/lode/http/server.lua fills them). */
enum {
  HS_ON_REQUEST = 1,   /* (conn, method, url, ver, flags, raw, body, trl,
                          req, res): the last two are empty tables */
  HS_ON_BODY,          /* (conn, body|nil, complete, trailers) */
  HS_ON_CLOSE,         /* (conn, status|nil): the connection is gone */
  HS_ON_DRAIN,         /* (conn): the write queue is empty */
  HS_ON_WRITTEN,       /* (notify, status|nil): a queued write is done */
  HS_ON_ERROR,         /* (conn, code, reason, status): 'clientError' */
  HS_ON_TIMEOUT,       /* (conn): idle past server.timeout/setTimeout */
  HS_ON_UPGRADE,       /* (method, url, ver, flags, raw, stream, head) */
  HS_ON_CONNECTION,    /* (conn): 'connection' */
  HS_ON_SERVER_CLOSE   /* (): listener and every connection are closed */
};

/* What Lua listens to (server:set_want). */
#define HS_WANT_CONNECTION 1
#define HS_WANT_CLIENTERROR 2
#define HS_WANT_UPGRADE 4
#define HS_WANT_CONNECT 8
#define HS_WANT_TIMEOUT 16

/* Connection states (of the request being read). */
enum { HS_IDLE, HS_HEAD, HS_BODY, HS_DONE };

typedef struct hs_server hs_server;

typedef struct hs_conn {
  union {                      /* first: see Ownership above */
    uv_handle_t h;
    uv_stream_t s;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } u;
  lode_hp hp;
  hs_server *srv;
  struct hs_conn *prev, *next; /* srv->conns */
  struct hs_conn *ready_next;  /* srv->ready */
  char *stash;                 /* unparsed bytes while a response is due */
  uint32_t soff, slen, scap;
  char *up_head;               /* 'upgrade': bytes after the head */
  size_t up_len;
  uint64_t last_active;        /* uv_now of the last read or write */
  uint64_t timeout;            /* socket:setTimeout, 0: server.timeout */
  size_t queued;               /* bytes in uv_write requests */
  int nwrites;                 /* uv_write requests in flight */
  int box;                     /* registry ref of the hs_box, or NOREF */
  int close_status;            /* why it closed (0: orderly) */
  uint32_t nreq;               /* requests dispatched */
  uint8_t state;               /* HS_IDLE .. HS_DONE */
  uint8_t resp;                /* a response is due (dispatched) */
  uint8_t wrote_head;          /* ... and its head was written */
  uint8_t last;                /* close once this response is out */
  uint8_t chunked;             /* this response is chunked */
  uint8_t nobody;              /* ... carries no body bytes */
  uint8_t is_head;             /* the request is HEAD */
  uint8_t ver;                 /* its version, major * 10 + minor */
  uint8_t rflags;              /* its HP_* flags */
  uint8_t dump;                /* 1: drop body; 2: and tell its end */
  uint8_t reading;             /* uv_read_start'ed */
  uint8_t paused;              /* Lua: body backpressure */
  uint8_t ending;              /* shutting down after the writes */
  uint8_t closing;             /* uv_close called */
  uint8_t in_ready, in_dispatch, want_drain, upgrading, peer_eof, errored;
  uint8_t notify;              /* Lua: 1 tell close, 2 tell timeouts */
} hs_conn;

struct hs_server {
  uv_stream_t *listener;       /* first (runtime.c's walk); NULL: none */
  lode_ctx *ctx;
  uv_timer_t *timer;           /* the timeout sweep, while conns exist */
  uv_idle_t *idle;             /* runs srv->ready */
  hs_conn *conns, *ready;
  int nconns;
  int anchor;                  /* registry ref of the box, or NOREF */
  int listener_closing;
  int closed;                  /* server:close() was called */
  int want;                    /* HS_WANT_* */
  int lenient, nodelay, unref;
  uint32_t max_header, max_requests;
  uint64_t headers_timeout, request_timeout, keepalive_timeout;
  uint64_t timeout, check_ms;
};

typedef struct hs_box {
  hs_conn *c;                  /* NULL once the connection is closed */
} hs_box;

/* http_conn.c */
void hs_conn_start (hs_server *srv, hs_conn *c);
void hs_conn_process (hs_conn *c, const char *data, size_t len,
                      int from_stash);
void hs_conn_resume (hs_conn *c);
void hs_conn_update_reading (hs_conn *c);
void hs_conn_close (hs_conn *c, int status);
void hs_conn_end (hs_conn *c);
void hs_conn_response_done (hs_conn *c);
void hs_conn_client_error (hs_conn *c, const char *code, const char *reason,
                           int status);
void hs_conn_handoff (hs_conn *c);
void hs_conn_sweep (hs_conn *c, uint64_t now);
void hs_conn_kill (hs_conn *c);
/* Pushes the connection's Lua box, creating it on first use. */
void hs_conn_push_box (lua_State *L, hs_conn *c);
/* Pushes callback HS_ON_* of c's server (nothing else on the stack). */
lua_State *hs_push_cb (hs_server *srv, int which);

/* http_server.c */
void hs_server_ready (hs_server *srv, hs_conn *c);
void hs_server_unready (hs_server *srv, hs_conn *c);
void hs_server_conn_gone (hs_server *srv);

/* http_write.c */
/* Writes bufs (uv_try_write first, the rest copied and queued). notify
** (a registry ref, or LUA_NOREF) is called back when the queued part is
** out. Returns bytes queued (0: all written) or a negative status. */
int hs_write (hs_conn *c, uv_buf_t *bufs, unsigned n, int notify);
/* A canned response ("HTTP/1.1 400 Bad Request..."), then close. */
void hs_write_canned (hs_conn *c, int status);
int hs_conn_send (lua_State *L);
int hs_conn_write (lua_State *L);
int hs_conn_info (lua_State *L);
int hs_conn_raw (lua_State *L);
/* hs.request_head(...): the client's request head (see http_write.c). */
int hs_request_head (lua_State *L);

/* http_box.c */
/* The connection of the box at index 1, NULL once it is closed; raises
** for anything but a connection box. */
hs_conn *hs_box_conn (lua_State *L);
void hs_conn_meta (lua_State *L);

#endif
