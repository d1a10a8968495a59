/*
** stream.h: the shared uv_stream_t layer under lode.binding.tcp, .pipe
** and .tty (bindings/stream.c). Every stream is a lode_stream box: a
** lode_handle box (src/lode.h; user value 1 = close callback, user value
** 2 = the event callback: the read callback while reading, the
** connection callback while listening) plus the stream's own counters.
**
** Pending counts (STYLE.md rule 8): reading holds one, listening holds
** one, and every write/shutdown/connect request in flight holds one, so a
** box libuv may still call back into is anchored and cannot be
** collected. An idle, open stream can be, and __gc closes it.
**
** For other bindings (lode.http's connection object takes over accepted
** TCP connections, and hands them back for 'upgrade'):
**  - lode_stream_check(L, idx) accepts any open tcp/pipe/tty box;
**  - lode_stream_detach(L, idx) takes the uv handle out of a box that is
**    not reading, not listening and has no request in flight; the box is
**    then closed for Lua (its methods raise) and the caller owns the
**    handle: it sets h->data to its own object and eventually calls
**    uv_close with its own close callback, which frees the handle with
**    free() (the handle was malloc'd, and libuv needs it until then);
**  - lode_stream_attach(L, s, mt) wraps such a handle (malloc'd, open,
**    not reading, no request in flight whose callback expects the old
**    owner) in a new box of metatable mt, pushed on the stack; the box
**    owns it from then on, as if it had been created by tcp.new().
*/
#ifndef LODE_STREAM_H
#define LODE_STREAM_H

#include "lode.h"

#define LODE_TCP_MT "lode.tcp"
#define LODE_PIPE_MT "lode.pipe"
#define LODE_TTY_MT "lode.tty"

typedef struct lode_stream {
  lode_handle b;             /* must be first: a handle box */
  int reading;               /* uv_read_start'ed; holds one pending count */
  int listening;             /* uv_listen'ed; holds one pending count */
  int reqs;                  /* requests in flight; one pending count each */
  int ipc;                   /* pipes: opened with ipc = 1 */
  int manual;                /* listening: cb(nil) only, caller accepts */
  const char *mt;            /* its metatable name (a static string) */
} lode_stream;

/* A new box of metatable mt whose handle is hsize bytes, pushed; the
** caller runs uv_*_init on s->b.h (and closes the box if that fails). */
lode_stream *lode_stream_new (lua_State *L, size_t hsize, const char *mt);
/* Checks that arg idx is an open tcp, pipe or tty box; raises if not. */
lode_stream *lode_stream_check (lua_State *L, int idx);
/* Registers metatable mt with the handle methods (src/runtime.c), the
** stream methods of stream.c and 'extra'. */
void lode_stream_meta (lua_State *L, const char *mt, const luaL_Reg *extra);
/* box:listen(backlog, cb[, manual]) for tcp and pipe boxes: cb(nil,
** client) with a new accepted box of the same type per connection, or
** cb(status). With manual, cb(nil) only: the callback accepts, with
** box:accept(client) or, from C, uv_accept on lode_stream_check's
** handle into a uv_stream_t of its own (lode.http's connections). */
int lode_stream_listen (lua_State *L);
/* box:accept(client) -> true | fail: client is a fresh tcp/pipe box. */
int lode_stream_accept (lua_State *L);
/* See the header comment: ownership moves out of / into a box. */
uv_stream_t *lode_stream_detach (lua_State *L, int idx);
lode_stream *lode_stream_attach (lua_State *L, uv_stream_t *s,
                                 const char *mt);
/* Requests on a stream made elsewhere (connect): req_start counts one in
** flight for the box at idx (anchoring it); req_done, from the request's
** completion, releases that count and the request box (lode_req_finish),
** then calls its callback with the status through lode_call. */
void lode_stream_req_start (lua_State *L, int idx, lode_stream *st);
void lode_stream_req_done (lode_req *r, uv_stream_t *s, int status);
/* Pushes a socket address as { address =, port =, family = } (or nil for
** an unknown family). */
void lode_push_sockaddr (lua_State *L, const struct sockaddr *sa);
/* Ignores SIGPIPE once per process: a write to a closed peer must fail
** with EPIPE, not kill us (Node does the same at startup). */
void lode_stream_nosigpipe (void);

#endif
