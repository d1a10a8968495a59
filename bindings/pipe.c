/*
** pipe.c: lode.binding.pipe, uv_pipe_t stream boxes (bindings/stream.h):
** Unix domain sockets for lode.net (listen(path), connect({path})) and
** pipes opened on a descriptor (process.stdin/stdout when they are pipes
** or sockets, child_process stdio later).
**
**   pipe.new([ipc]) -> box     ipc is reserved for child_process' IPC
**                              channel; accepted boxes inherit it
**   box:open(fd) -> true | fail        closing the box closes fd
**   box:bind(path) -> true | fail      libuv unlinks it when the
**                                      listening box closes
**   box:listen(backlog, cb[, manual]), box:accept(client)     as tcp
**   box:connect(path, cb)              cb(status_or_nil); errors come
**                                      through cb only
**   box:getsockname(), box:getpeername() -> path | fail
**   box:chmod(mode) -> true | fail     "r", "w" or "rw" (for everyone)
** plus the stream methods of stream.c and the handle methods.
*/
#include <string.h>
#include "stream.h"

typedef struct connect_req {
  lode_req r;                     /* request box header: first */
  uv_connect_t c;
} connect_req;

static uv_pipe_t *pipe_check (lua_State *L, int idx) {
  return (uv_pipe_t *)lode_handle_check(L, idx, LODE_PIPE_MT)->h;
}

static int pipe_ok (lua_State *L, int rc) {
  if (rc < 0) return lode_fail(L, rc);
  lua_pushboolean(L, 1);
  return 1;
}

/* pipe.new([ipc]) -> box. */
static int pipe_new (lua_State *L) {
  int ipc = lua_toboolean(L, 1);
  lode_stream *st = lode_stream_new(L, sizeof(uv_pipe_t), LODE_PIPE_MT);
  uv_pipe_init(&st->b.ctx->loop, (uv_pipe_t *)st->b.h, ipc);  /* no fail */
  st->ipc = ipc;
  return 1;
}

static int pipe_open (lua_State *L) {
  uv_pipe_t *h = pipe_check(L, 1);
  return pipe_ok(L, uv_pipe_open(h, (uv_file)luaL_checkinteger(L, 2)));
}

static int pipe_bind (lua_State *L) {
  uv_pipe_t *h = pipe_check(L, 1);
  return pipe_ok(L, uv_pipe_bind(h, luaL_checkstring(L, 2)));
}

static void pipe_on_connect (uv_connect_t *c, int status) {
  connect_req *q = (connect_req *)(void *)
    ((char *)c - offsetof(connect_req, c));
  lode_stream_req_done(&q->r, c->handle, status);
}

/* box:connect(path, cb): cb(status_or_nil) through lode_call. libuv
** copies the path, so nothing is pinned. */
static int pipe_connect (lua_State *L) {
  lode_stream *st = (lode_stream *)lode_handle_check(L, 1, LODE_PIPE_MT);
  const char *path = luaL_checkstring(L, 2);
  connect_req *q;
  luaL_checktype(L, 3, LUA_TFUNCTION);
  q = (connect_req *)lode_req_new(L, sizeof(connect_req), 3, 0);
  uv_pipe_connect(&q->c, (uv_pipe_t *)st->b.h, path, pipe_on_connect);
  lode_stream_req_start(L, 1, st);
  return 0;
}

static int pipe_name (lua_State *L, int peer) {
  uv_pipe_t *h = pipe_check(L, 1);
  char buf[1024];
  size_t len = sizeof buf;
  int rc = peer ? uv_pipe_getpeername(h, buf, &len)
                : uv_pipe_getsockname(h, buf, &len);
  if (rc < 0) return lode_fail(L, rc);
  lua_pushlstring(L, buf, len);
  return 1;
}

static int pipe_getsockname (lua_State *L) { return pipe_name(L, 0); }
static int pipe_getpeername (lua_State *L) { return pipe_name(L, 1); }

static int pipe_chmod (lua_State *L) {
  static const char *const modes[] = {"r", "w", "rw", NULL};
  static const int map[] = {UV_READABLE, UV_WRITABLE,
                            UV_READABLE | UV_WRITABLE};
  uv_pipe_t *h = pipe_check(L, 1);
  return pipe_ok(L, uv_pipe_chmod(h, map[luaL_checkoption(L, 2, NULL,
                                                          modes)]));
}

int luaopen_lode_binding_pipe (lua_State *L) {
  static const luaL_Reg methods[] = {
    {"open", pipe_open}, {"bind", pipe_bind},
    {"listen", lode_stream_listen}, {"accept", lode_stream_accept},
    {"connect", pipe_connect},
    {"getsockname", pipe_getsockname}, {"getpeername", pipe_getpeername},
    {"chmod", pipe_chmod}, {NULL, NULL}
  };
  static const luaL_Reg funcs[] = {
    {"new", pipe_new}, {NULL, NULL}
  };
  lode_context(L);
  lode_stream_meta(L, LODE_PIPE_MT, methods);
  luaL_newlib(L, funcs);
  return 1;
}
