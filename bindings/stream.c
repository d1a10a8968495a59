/*
** stream.c: the uv_stream_t methods shared by lode.binding.tcp, .pipe and
** .tty (no module of its own; see stream.h for the box layout, the
** pending counts and the detach/attach contract other bindings use).
**
**   box:read_start([cb]) -> true | fail   cb(nil, buf) per chunk, then
**                                         cb(UV_EOF) or cb(status) once
**   box:read_stop()
**   box:write(data, [cb]) -> 0 | n | fail   0: all written now, cb is not
**                                         called; n > 0: n bytes queued,
**                                         cb(status_or_nil) later
**   box:writev(list, [cb]) -> same, for a sequence of strings/Buffers
**   box:shutdown([cb]) -> true | fail     cb(status_or_nil)
**   box:fileno(), write_queue_size(), is_readable(), is_writable(),
**   set_blocking(on)
**
** Writes (STYLE.md rule 12): the bytes of a Lua string or Buffer are never
** copied. uv_try_write goes first; whatever it could not write is queued
** with uv_write, and the Lua value (for writev, the list) is pinned in the
** request box's user value 2 until write_cb. The uv_buf_t array lives on
** the C stack (libuv copies it).
**
** Reads: alloc_cb mallocs READ_SIZE bytes; read_cb hands them to a new
** Buffer without a copy (lode_buffer_adopt, trimmed when much is unused)
** and calls Lua through lode_call. Every other path frees the block.
** After lode_call nothing here touches the box (rule 11): Lua may have
** stopped reading or closed it.
*/
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "stream.h"

#define READ_SIZE 65536
#define MAX_BUFS 64               /* writev chunks on the C stack */

typedef struct write_req {
  lode_req r;                     /* request box header: first */
  union { uv_write_t w; uv_shutdown_t s; } u;
} write_req;

#define WRITE_REQ(p) \
  ((write_req *)(void *)((char *)(p) - offsetof(write_req, u)))

void lode_stream_nosigpipe (void) {
  static int done = 0;
  if (!done) {
    signal(SIGPIPE, SIG_IGN);
    done = 1;
  }
}

/*
** {======================================================
** Boxes
** =======================================================
*/
lode_stream *lode_stream_new (lua_State *L, size_t hsize, const char *mt) {
  lode_stream *st = (lode_stream *)lode_handle_new(L, sizeof(lode_stream),
                                                   hsize, mt);
  st->mt = mt;
  return st;
}

lode_stream *lode_stream_check (lua_State *L, int idx) {
  static const char *const mts[] = {LODE_TCP_MT, LODE_PIPE_MT, LODE_TTY_MT};
  lode_stream *st = NULL;
  int i;
  for (i = 0; i < 3 && st == NULL; i++)
    st = (lode_stream *)luaL_testudata(L, idx, mts[i]);
  if (st == NULL) luaL_typeerror(L, idx, "stream handle");
  if (st->b.h == NULL || st->b.closing)
    luaL_error(L, "%s: handle is closed", st->mt);
  return st;
}

uv_stream_t *lode_stream_detach (lua_State *L, int idx) {
  lode_stream *st = lode_stream_check(L, idx);
  uv_stream_t *s = (uv_stream_t *)st->b.h;
  if (st->reading || st->listening || st->reqs > 0) return NULL;
  s->data = NULL;
  st->b.h = NULL;                  /* the box is closed for Lua now */
  return s;
}

lode_stream *lode_stream_attach (lua_State *L, uv_stream_t *s,
                                 const char *mt) {
  lode_stream *st = (lode_stream *)lua_newuserdatauv(L, sizeof *st, 2);
  memset(st, 0, sizeof *st);
  st->b.ctx = lode_context(L);
  st->b.h = (uv_handle_t *)s;
  st->mt = mt;
  if (s->type == UV_NAMED_PIPE) st->ipc = ((uv_pipe_t *)s)->ipc;
  s->data = st;
  luaL_setmetatable(L, mt);
  return st;
}

/* Closes a box whose handle is initialised but never handed to Lua:
** frees the handle from its close callback, leaves the box closed. */
static void stream_discard (lode_stream *st) {
  st->b.h->data = NULL;
  uv_close(st->b.h, (uv_close_cb)free);
  st->b.h = NULL;
}

void lode_push_sockaddr (lua_State *L, const struct sockaddr *sa) {
  char ip[64];
  int port;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
    uv_ip4_name(a, ip, sizeof ip);
    port = ntohs(a->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
    uv_ip6_name(a, ip, sizeof ip);
    port = ntohs(a->sin6_port);
  } else {
    lua_pushnil(L);
    return;
  }
  lua_createtable(L, 0, 3);
  lua_pushstring(L, ip);
  lua_setfield(L, -2, "address");
  lua_pushstring(L, sa->sa_family == AF_INET ? "IPv4" : "IPv6");
  lua_setfield(L, -2, "family");
  lua_pushinteger(L, port);
  lua_setfield(L, -2, "port");
}
/* }====================================================== */

/*
** {======================================================
** Reading
** =======================================================
*/
static void stream_on_alloc (uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h;
  (void)hint;
  buf->base = (char *)malloc(READ_SIZE);
  buf->len = buf->base != NULL ? READ_SIZE : 0;
}

/* Leaves the reading state: one pending count less. */
static void stream_unread (lode_stream *st) {
  if (!st->reading) return;
  st->reading = 0;
  lode_handle_release(st->b.ctx->L, &st->b);
}

/* Pushes the chunk as a Buffer that owns buf->base (trimmed when less
** than a quarter is used, so small reads do not pin 64 KiB each). */
static void stream_push_chunk (lua_State *L, const uv_buf_t *buf, size_t n) {
  char *p = buf->base;
  if (n < READ_SIZE / 4) {
    char *t = (char *)realloc(p, n);
    if (t != NULL) p = t;
  }
  lode_buffer_adopt(L, p, n);     /* tells the collector about p, too */
}

/* Calls the read callback with (nil, Buffer), (UV_EOF) or (status). Owns
** buf->base. Calls Lua; the box stays on the stack while it runs. */
static void stream_on_read (uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  lode_stream *st = (lode_stream *)s->data;
  lua_State *L;
  int nargs = 1;
  if (st == NULL || n == 0 || !st->reading) {
    free(buf->base);                   /* detached, EAGAIN, or stopped */
    return;
  }
  L = st->b.ctx->L;
  lode_handle_push(L, &st->b);         /* anchored: reading is pending */
  lua_getiuservalue(L, -1, 2);
  if (n > 0) {
    lua_pushnil(L);
    stream_push_chunk(L, buf, (size_t)n);
    nargs = 2;
  } else {
    free(buf->base);
    if (n != UV_EOF) uv_read_stop(s);  /* libuv stops by itself at EOF */
    stream_unread(st);
    lua_pushinteger(L, (lua_Integer)n);
  }
  lode_call(L, nargs);
  lua_pop(L, 1);
}

/* box:read_start([cb]) -> true | fail. A new cb replaces the old one. */
static int stream_read_start (lua_State *L) {
  lode_stream *st = lode_stream_check(L, 1);
  int rc;
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    lua_setiuservalue(L, 1, 2);
  }
  if (!st->reading) {
    rc = uv_read_start((uv_stream_t *)st->b.h, stream_on_alloc,
                       stream_on_read);
    if (rc < 0) return lode_fail(L, rc);
    st->reading = 1;
    lode_handle_retain(L, 1, &st->b);
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int stream_read_stop (lua_State *L) {
  lode_stream *st = lode_stream_check(L, 1);
  if (st->reading) {
    uv_read_stop((uv_stream_t *)st->b.h);
    stream_unread(st);
  }
  return 0;
}
/* }====================================================== */

/*
** {======================================================
** Requests: write, writev, shutdown
** =======================================================
*/

void lode_stream_req_start (lua_State *L, int idx, lode_stream *st) {
  st->reqs++;
  lode_handle_retain(L, idx, &st->b);
}

/* Completion of a write, shutdown or connect: releases the box's pending count,
** then the request (unpinning its data), then calls its callback with the
** status through lode_call. When the box is already gone (the state is
** closing), no Lua runs. */
void lode_stream_req_done (lode_req *r, uv_stream_t *s, int status) {
  lode_stream *st = (lode_stream *)s->data;
  lua_State *L = lode_req_finish(r);     /* pushes the callback */
  if (st != NULL) {
    st->reqs--;
    lode_handle_release(L, &st->b);
  }
  if (st == NULL || !lua_isfunction(L, -1)) {
    lua_pop(L, 1);
    return;
  }
  lode_push_status(L, status);
  lode_call(L, 1);
}

static void stream_on_write (uv_write_t *w, int status) {
  lode_stream_req_done(&WRITE_REQ(w)->r, w->handle, status);
}

static void stream_on_shutdown (uv_shutdown_t *sh, int status) {
  lode_stream_req_done(&WRITE_REQ(sh)->r, sh->handle, status);
}

/* Writes what uv_try_write cannot, through uv_write; bufs[0..n) are the
** unwritten rest. The value at pin_idx is pinned, the function (or nil)
** at cb_idx is the callback. Pushes the queued byte count, or returns the
** fail-triple. */
static int stream_queue (lua_State *L, lode_stream *st, uv_buf_t *bufs,
                         unsigned n, int pin_idx, int cb_idx) {
  write_req *q;
  size_t left = 0;
  unsigned i;
  int rc;
  for (i = 0; i < n; i++) left += bufs[i].len;
  q = (write_req *)lode_req_new(L, sizeof(write_req),
                                lua_isfunction(L, cb_idx) ? cb_idx : 0,
                                pin_idx);
  rc = uv_write(&q->u.w, (uv_stream_t *)st->b.h, bufs, n, stream_on_write);
  if (rc < 0) {
    lode_req_cancel(L, &q->r);
    return lode_fail(L, rc);
  }
  lode_stream_req_start(L, 1, st);
  lua_pushinteger(L, (lua_Integer)left);
  return 1;
}

/* Drops the first 'done' bytes from bufs[*first..n). */
static void bufs_advance (uv_buf_t *bufs, unsigned n, unsigned *first,
                          size_t done) {
  unsigned i = *first;
  while (i < n && done >= bufs[i].len) done -= bufs[i++].len;
  if (i < n) {
    bufs[i].base += done;
    bufs[i].len -= done;
  }
  *first = i;
}

/* Tries to write bufs at once; returns the bytes written (0 when the
** stream would block or is still connecting) or a negative status. */
static int stream_try (lode_stream *st, uv_buf_t *bufs, unsigned n) {
  int rc = uv_try_write((uv_stream_t *)st->b.h, bufs, n);
  if (rc == UV_EAGAIN || rc == UV_ENOSYS) return 0;
  return rc;
}

/* box:write(data, [cb]) -> 0 | queued | fail. Pins data (rule 12). */
static int stream_write (lua_State *L) {
  lode_stream *st = lode_stream_check(L, 1);
  uv_buf_t buf;
  size_t len;
  unsigned first = 0;
  int done;
  buf.base = (char *)lode_checkbytes(L, 2, &len);
  buf.len = len;
  lua_settop(L, 3);
  done = stream_try(st, &buf, 1);
  if (done < 0) return lode_fail(L, done);
  if ((size_t)done == len) {
    lua_pushinteger(L, 0);
    return 1;
  }
  bufs_advance(&buf, 1, &first, (size_t)done);
  return stream_queue(L, st, &buf, 1, 2, 3);
}

/* box:writev(list, [cb]): list is a sequence of strings/Buffers, pinned
** as a whole; the caller must not change it until cb. */
static int stream_writev (lua_State *L) {
  lode_stream *st = lode_stream_check(L, 1);
  uv_buf_t stack[MAX_BUFS], *bufs = stack;
  unsigned n, i, first = 0;
  size_t total = 0, len;
  int done;
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 3);
  n = (unsigned)luaL_len(L, 2);
  if (n > MAX_BUFS)                    /* index 4 until we return */
    bufs = (uv_buf_t *)lua_newuserdatauv(L, n * sizeof(uv_buf_t), 0);
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, 2, (lua_Integer)i + 1);
    bufs[i].base = (char *)lode_checkbytes(L, -1, &len);
    bufs[i].len = len;
    total += len;
    lua_pop(L, 1);                     /* still reachable from the list */
  }
  done = stream_try(st, bufs, n);
  if (done < 0) return lode_fail(L, done);
  if ((size_t)done == total) {
    lua_pushinteger(L, 0);
    return 1;
  }
  bufs_advance(bufs, n, &first, (size_t)done);
  return stream_queue(L, st, bufs + first, n - first, 2, 3);
}

/* box:shutdown([cb]) -> true | fail: cb(status_or_nil) once the write
** side is closed (after every queued write). */
static int stream_shutdown (lua_State *L) {
  lode_stream *st = lode_stream_check(L, 1);
  write_req *q;
  int rc;
  lua_settop(L, 2);
  q = (write_req *)lode_req_new(L, sizeof(write_req),
                                lua_isfunction(L, 2) ? 2 : 0, 0);
  rc = uv_shutdown(&q->u.s, (uv_stream_t *)st->b.h, stream_on_shutdown);
  if (rc < 0) {
    lode_req_cancel(L, &q->r);
    return lode_fail(L, rc);
  }
  lode_stream_req_start(L, 1, st);
  lua_pushboolean(L, 1);
  return 1;
}
/* }====================================================== */

/*
** {======================================================
** Listening (tcp and pipe)
** =======================================================
*/

/* Accepts one connection into a new box of the server's type, pushed;
** returns 0, or a negative status with nothing pushed. */
static int stream_accept_new (lua_State *L, lode_stream *srv) {
  uv_loop_t *loop = &srv->b.ctx->loop;
  lode_stream *c;
  int rc;
  if (srv->b.h->type == UV_TCP) {
    c = lode_stream_new(L, sizeof(uv_tcp_t), srv->mt);
    rc = uv_tcp_init(loop, (uv_tcp_t *)c->b.h);
  } else {
    c = lode_stream_new(L, sizeof(uv_pipe_t), srv->mt);
    rc = uv_pipe_init(loop, (uv_pipe_t *)c->b.h, srv->ipc);
    c->ipc = srv->ipc;
  }
  if (rc < 0) {                        /* never initialised: just free */
    free(c->b.h);
    c->b.h = NULL;
  } else {
    rc = uv_accept((uv_stream_t *)srv->b.h, (uv_stream_t *)c->b.h);
    if (rc < 0) stream_discard(c);
  }
  if (rc < 0) lua_pop(L, 1);
  return rc;
}

/* Calls the connection callback with (nil, client) or (status). */
static void stream_on_connection (uv_stream_t *s, int status) {
  lode_stream *st = (lode_stream *)s->data;
  lua_State *L;
  if (st == NULL || !st->listening) return;
  L = st->b.ctx->L;
  lode_handle_pushcb(L, &st->b, 2);
  if (status >= 0 && st->manual) {
    lua_pushnil(L);
    lode_call(L, 1);
    return;
  }
  if (status >= 0) status = stream_accept_new(L, st);
  if (status < 0) {
    lua_pushinteger(L, status);
    lode_call(L, 1);
  } else {
    lua_pushnil(L);
    lua_insert(L, -2);
    lode_call(L, 2);
  }
}

int lode_stream_listen (lua_State *L) {
  lode_stream *st = lode_stream_check(L, 1);
  int backlog = (int)luaL_optinteger(L, 2, 511), rc;
  luaL_checktype(L, 3, LUA_TFUNCTION);
  st->manual = lua_toboolean(L, 4);
  lua_settop(L, 3);
  lua_setiuservalue(L, 1, 2);
  rc = uv_listen((uv_stream_t *)st->b.h, backlog, stream_on_connection);
  if (rc < 0) return lode_fail(L, rc);
  if (!st->listening) {
    st->listening = 1;
    lode_handle_retain(L, 1, &st->b);
  }
  lua_pushboolean(L, 1);
  return 1;
}
int lode_stream_accept (lua_State *L) {
  lode_stream *srv = lode_stream_check(L, 1);
  lode_stream *c = lode_stream_check(L, 2);
  int rc = uv_accept((uv_stream_t *)srv->b.h, (uv_stream_t *)c->b.h);
  if (rc < 0) return lode_fail(L, rc);
  lua_pushboolean(L, 1);
  return 1;
}
/* }====================================================== */

static int stream_fileno (lua_State *L) {
  lode_stream *st = lode_stream_check(L, 1);
  uv_os_fd_t fd;
  int rc = uv_fileno(st->b.h, &fd);
  if (rc < 0) return lode_fail(L, rc);
  lua_pushinteger(L, fd);
  return 1;
}

static int stream_write_queue_size (lua_State *L) {
  lode_stream *st = lode_stream_check(L, 1);
  lua_pushinteger(L, (lua_Integer)
                  uv_stream_get_write_queue_size((uv_stream_t *)st->b.h));
  return 1;
}

static int stream_is_readable (lua_State *L) {
  lode_stream *st = lode_stream_check(L, 1);
  lua_pushboolean(L, uv_is_readable((uv_stream_t *)st->b.h));
  return 1;
}

static int stream_is_writable (lua_State *L) {
  lode_stream *st = lode_stream_check(L, 1);
  lua_pushboolean(L, uv_is_writable((uv_stream_t *)st->b.h));
  return 1;
}

/* box:set_blocking(on) -> true | fail: writes complete before returning
** (used for stdio, as Node does for TTYs). */
static int stream_set_blocking (lua_State *L) {
  lode_stream *st = lode_stream_check(L, 1);
  int rc = uv_stream_set_blocking((uv_stream_t *)st->b.h, lua_toboolean(L, 2));
  if (rc < 0) return lode_fail(L, rc);
  lua_pushboolean(L, 1);
  return 1;
}

/* box:is_reading() -> boolean (not closed and read_start'ed). */
static int stream_is_reading (lua_State *L) {
  lode_stream *st = lode_stream_check(L, 1);
  lua_pushboolean(L, st->reading);
  return 1;
}

void lode_stream_meta (lua_State *L, const char *mt, const luaL_Reg *extra) {
  static const luaL_Reg methods[] = {
    {"read_start", stream_read_start}, {"read_stop", stream_read_stop},
    {"write", stream_write}, {"writev", stream_writev},
    {"shutdown", stream_shutdown}, {"fileno", stream_fileno},
    {"write_queue_size", stream_write_queue_size},
    {"is_readable", stream_is_readable}, {"is_writable", stream_is_writable},
    {"set_blocking", stream_set_blocking}, {"is_reading", stream_is_reading},
    {NULL, NULL}
  };
  lode_stream_nosigpipe();
  lode_handle_meta(L, mt, extra);
  luaL_getmetatable(L, mt);
  lua_getfield(L, -1, "__index");
  luaL_setfuncs(L, methods, 0);
  lua_pop(L, 2);
}
