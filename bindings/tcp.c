/*
** tcp.c: lode.binding.tcp, uv_tcp_t stream boxes (bindings/stream.h) for
** lode.net's Socket and Server. Addresses are numeric IPs here: names are
** resolved in Lua (lode.dns) before they reach bind or connect.
**
**   tcp.new() -> box                     tcp.ip_family(s) -> 4 | 6 | 0
**   box:bind(ip, port, ipv6only) -> true | fail
**   box:listen(backlog, cb[, manual]) -> true | fail
**                                cb(nil, client) | cb(status); manual:
**                                cb(nil), then box:accept(client)
**   box:connect(ip, port, cb)    -> true | fail   cb(status_or_nil)
**   box:nodelay(on), box:keepalive(on, delay_s) -> true | fail
**   box:getsockname(), box:getpeername() -> {address, family, port} | fail
**   box:open(fd) -> true | fail
** plus the stream methods of stream.c and the handle methods of runtime.c.
**
** Note that libuv reports EADDRINUSE from listen (or connect), not bind.
** A connect request box pins nothing (libuv copies the address) and is
** anchored until its callback, like every request (STYLE.md rule 8).
*/
#include <string.h>
#include "stream.h"

typedef struct connect_req {
  lode_req r;                     /* request box header: first */
  uv_connect_t c;
} connect_req;

static uv_tcp_t *tcp_check (lua_State *L, int idx) {
  return (uv_tcp_t *)lode_handle_check(L, idx, LODE_TCP_MT)->h;
}

/* Fills *ss from the numeric ip at idx and port; returns 0 or UV_EINVAL. */
static int tcp_addr (lua_State *L, int idx, int port,
                     struct sockaddr_storage *ss) {
  const char *ip = luaL_checkstring(L, idx);
  memset(ss, 0, sizeof *ss);
  if (uv_ip4_addr(ip, port, (struct sockaddr_in *)ss) == 0) return 0;
  return uv_ip6_addr(ip, port, (struct sockaddr_in6 *)ss);
}

static int tcp_ok (lua_State *L, int rc) {
  if (rc < 0) return lode_fail(L, rc);
  lua_pushboolean(L, 1);
  return 1;
}

/* tcp.new() -> an unbound, unconnected box. */
static int tcp_new (lua_State *L) {
  lode_stream *st = lode_stream_new(L, sizeof(uv_tcp_t), LODE_TCP_MT);
  uv_tcp_init(&st->b.ctx->loop, (uv_tcp_t *)st->b.h);  /* cannot fail */
  return 1;
}

static int tcp_bind (lua_State *L) {
  uv_tcp_t *h = tcp_check(L, 1);
  struct sockaddr_storage ss;
  int port = (int)luaL_checkinteger(L, 3);
  int rc = tcp_addr(L, 2, port, &ss);
  if (rc == 0)
    rc = uv_tcp_bind(h, (struct sockaddr *)&ss,
                     lua_toboolean(L, 4) ? UV_TCP_IPV6ONLY : 0);
  return tcp_ok(L, rc);
}

static void tcp_on_connect (uv_connect_t *c, int status) {
  connect_req *q = (connect_req *)(void *)
    ((char *)c - offsetof(connect_req, c));
  lode_stream_req_done(&q->r, c->handle, status);
}

/* box:connect(ip, port, cb): cb(status_or_nil) through lode_call. */
static int tcp_connect (lua_State *L) {
  lode_stream *st = (lode_stream *)lode_handle_check(L, 1, LODE_TCP_MT);
  struct sockaddr_storage ss;
  int port = (int)luaL_checkinteger(L, 3), rc;
  connect_req *q;
  luaL_checktype(L, 4, LUA_TFUNCTION);
  rc = tcp_addr(L, 2, port, &ss);
  if (rc < 0) return lode_fail(L, rc);
  q = (connect_req *)lode_req_new(L, sizeof(connect_req), 4, 0);
  rc = uv_tcp_connect(&q->c, (uv_tcp_t *)st->b.h, (struct sockaddr *)&ss,
                      tcp_on_connect);
  if (rc < 0) {
    lode_req_cancel(L, &q->r);
    return lode_fail(L, rc);
  }
  lode_stream_req_start(L, 1, st);
  lua_pushboolean(L, 1);
  return 1;
}

static int tcp_nodelay (lua_State *L) {
  return tcp_ok(L, uv_tcp_nodelay(tcp_check(L, 1), lua_toboolean(L, 2)));
}

/* box:keepalive(on, delay_s): delay in whole seconds (>= 1 when on). */
static int tcp_keepalive (lua_State *L) {
  uv_tcp_t *h = tcp_check(L, 1);
  lua_Integer delay = luaL_optinteger(L, 3, 0);
  int on = lua_toboolean(L, 2);
  if (on && delay < 1) delay = 1;
  return tcp_ok(L, uv_tcp_keepalive(h, on, (unsigned)delay));
}

static int tcp_name (lua_State *L, int peer) {
  uv_tcp_t *h = tcp_check(L, 1);
  struct sockaddr_storage ss;
  int len = (int)sizeof ss;
  int rc = peer ? uv_tcp_getpeername(h, (struct sockaddr *)&ss, &len)
                : uv_tcp_getsockname(h, (struct sockaddr *)&ss, &len);
  if (rc < 0) return lode_fail(L, rc);
  lode_push_sockaddr(L, (struct sockaddr *)&ss);
  return 1;
}

static int tcp_getsockname (lua_State *L) { return tcp_name(L, 0); }
static int tcp_getpeername (lua_State *L) { return tcp_name(L, 1); }

/* box:open(fd): adopts an open socket; closing the box closes fd. */
static int tcp_open (lua_State *L) {
  uv_tcp_t *h = tcp_check(L, 1);
  return tcp_ok(L, uv_tcp_open(h, (uv_os_sock_t)luaL_checkinteger(L, 2)));
}

/* tcp.ip_family(s) -> 4, 6 or 0: what inet_pton accepts (an IPv6 zone
** suffix "%name" is allowed, as in Node's isIPv6). */
static int tcp_ip_family (lua_State *L) {
  size_t len;
  const char *s = lua_tolstring(L, 1, &len);
  char buf[64], *pct;
  unsigned char out[16];
  int fam = 0;
  if (s != NULL && len < sizeof buf) {
    memcpy(buf, s, len + 1);
    if (uv_inet_pton(AF_INET, buf, out) == 0) fam = 4;
    else {
      pct = strchr(buf, '%');
      if (pct != NULL && pct[1] != '\0') *pct = '\0';
      if (uv_inet_pton(AF_INET6, buf, out) == 0) fam = 6;
    }
  }
  lua_pushinteger(L, fam);
  return 1;
}

int luaopen_lode_binding_tcp (lua_State *L) {
  static const luaL_Reg methods[] = {
    {"bind", tcp_bind}, {"listen", lode_stream_listen},
    {"accept", lode_stream_accept},
    {"connect", tcp_connect}, {"nodelay", tcp_nodelay},
    {"keepalive", tcp_keepalive}, {"getsockname", tcp_getsockname},
    {"getpeername", tcp_getpeername}, {"open", tcp_open}, {NULL, NULL}
  };
  static const luaL_Reg funcs[] = {
    {"new", tcp_new}, {"ip_family", tcp_ip_family}, {NULL, NULL}
  };
  lode_context(L);
  lode_stream_meta(L, LODE_TCP_MT, methods);
  luaL_newlib(L, funcs);
  return 1;
}
