/*
** http_box.c: the connection box's methods other than writing (those
** are in http_write.c), for lode.http's IncomingMessage, ServerResponse
** and the connection socket (lua/lode/http/socket.lua):
**
**   c:pause(), c:resume()           body backpressure (reading stops)
**   c:dump(tell_end)                the rest of the body is dropped
**   c:destroy()                     close now
**   c:finish()                      close once the writes are out
**   c:set_timeout(ms)               the socket's idle timeout (0: off)
**   c:set_notify(bits)              1: HS_ON_CLOSE always, 2: timeouts
**   c:peer(), c:sockname()          { address=, family=, port= } | nil
**   c:nodelay(on), c:keepalive(on, delay_s)
**   c:queued() -> bytes waiting, c:alive(), c:fd()
**
** No method calls Lua; a box whose connection closed does nothing (see
** hs_box_conn).
*/
#include "http_server.h"
#include "stream.h"

/* The connection of the box at 1, or NULL once closed. The methods
** carry the metatable as upvalue: one comparison, no registry lookup. */
hs_conn *hs_box_conn (lua_State *L) {
  hs_box *b = (hs_box *)lua_touserdata(L, 1);
  int ok = b != NULL && lua_getmetatable(L, 1);
  if (ok) {
    ok = lua_rawequal(L, -1, lua_upvalueindex(1));
    lua_pop(L, 1);
  }
  if (!ok) luaL_typeerror(L, 1, HS_CONN_MT);
  return b->c != NULL && !b->c->closing ? b->c : NULL;
}

static int conn_pause (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  if (c != NULL) {
    c->paused = 1;
    hs_conn_update_reading(c);
  }
  return 0;
}

static int conn_resume (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  if (c != NULL) {
    c->paused = 0;
    hs_conn_update_reading(c);
  }
  return 0;
}

/* c:dump(tell_end): nobody reads the rest of the request body; with
** tell_end, HS_ON_BODY still reports its end. */
static int conn_dump (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  if (c != NULL) {
    c->dump = lua_toboolean(L, 2) ? 2 : 1;
    c->paused = 0;
    hs_conn_update_reading(c);
  }
  return 0;
}

static int conn_destroy (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  if (c != NULL) hs_conn_close(c, 0);
  return 0;
}

/* c:finish(): close once what is queued is written (socket:finish()). */
static int conn_finish (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  if (c != NULL) hs_conn_end(c);
  return 0;
}

static int conn_set_timeout (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  lua_Integer ms = luaL_checkinteger(L, 2);
  if (c != NULL) {
    c->timeout = ms > 0 ? (uint64_t)ms : 0;
    c->last_active = uv_now(c->u.h.loop);
  }
  return 0;
}

/* c:set_notify(bits): 1 = HS_ON_CLOSE always, 2 = HS_ON_TIMEOUT. */
static int conn_set_notify (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  if (c != NULL) c->notify = (uint8_t)luaL_checkinteger(L, 2);
  return 0;
}

static int conn_name (lua_State *L, int peer) {
  hs_conn *c = hs_box_conn(L);
  struct sockaddr_storage ss;
  int len = (int)sizeof ss;
  if (c == NULL || c->u.h.type != UV_TCP) return 0;
  if ((peer ? uv_tcp_getpeername(&c->u.tcp, (struct sockaddr *)&ss, &len)
            : uv_tcp_getsockname(&c->u.tcp, (struct sockaddr *)&ss, &len)) < 0)
    return 0;
  lode_push_sockaddr(L, (struct sockaddr *)&ss);
  return 1;
}

static int conn_peer (lua_State *L) { return conn_name(L, 1); }
static int conn_sockname (lua_State *L) { return conn_name(L, 0); }

static int conn_nodelay (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  if (c != NULL && c->u.h.type == UV_TCP)
    uv_tcp_nodelay(&c->u.tcp, lua_toboolean(L, 2));
  return 0;
}

static int conn_keepalive (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  lua_Integer delay = luaL_optinteger(L, 3, 0);
  if (c != NULL && c->u.h.type == UV_TCP)
    uv_tcp_keepalive(&c->u.tcp, lua_toboolean(L, 2),
                     (unsigned)(delay < 1 ? 1 : delay));
  return 0;
}

static int conn_queued (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  lua_pushinteger(L, c != NULL ? (lua_Integer)c->queued : 0);
  return 1;
}

static int conn_alive (lua_State *L) {
  lua_pushboolean(L, hs_box_conn(L) != NULL);
  return 1;
}

static int conn_fd (lua_State *L) {
  hs_conn *c = hs_box_conn(L);
  uv_os_fd_t fd;
  if (c == NULL || uv_fileno(&c->u.h, &fd) < 0) return 0;
  lua_pushinteger(L, fd);
  return 1;
}

void hs_conn_meta (lua_State *L) {
  static const luaL_Reg methods[] = {
    {"send", hs_conn_send}, {"write", hs_conn_write},
    {"info", hs_conn_info}, {"raw", hs_conn_raw},
    {"pause", conn_pause}, {"resume", conn_resume},
    {"dump", conn_dump}, {"destroy", conn_destroy}, {"finish", conn_finish},
    {"set_timeout", conn_set_timeout}, {"set_notify", conn_set_notify},
    {"peer", conn_peer}, {"sockname", conn_sockname},
    {"nodelay", conn_nodelay}, {"keepalive", conn_keepalive},
    {"queued", conn_queued}, {"alive", conn_alive}, {"fd", conn_fd},
    {NULL, NULL}
  };
  if (luaL_newmetatable(L, HS_CONN_MT)) {
    luaL_newlibtable(L, methods);
    lua_pushvalue(L, -2);
    luaL_setfuncs(L, methods, 1);      /* upvalue: the metatable */
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
}
/* }====================================================== */
