/*
** http_server.c: lode.binding.http_server, the server box (see
** http_server.h for the parts and the ownership rules).
**
**   hs.new(callbacks) -> server box      callbacks[HS_ON_*] = function
**   s:configure{ maxHeaderSize=, insecureHTTPParser=, headersTimeout=,
**                requestTimeout=, keepAliveTimeout=, timeout=,
**                checkInterval=, maxRequestsPerSocket=, noDelay= }
**   s:listen("tcp", ip, port, backlog, ipv6only) -> true | nil, msg, st,
**            step            (or "pipe", path, nil, backlog)
**   s:address() -> { address=, family=, port= } | nil
**   s:close()     stop listening; HS_ON_SERVER_CLOSE once all is closed
**   s:set_want(bits), s:ref(), s:unref(), s:connections() -> n
**   s:close_idle(), s:close_all()
**   hs.request_head(method, path, store, flags, body) -> bytes, chunked
**       the client's request head (http_write.c)
**
** The listening handle and the two helper handles (the timeout sweep
** timer, the idle handle that runs deferred connections) are malloc'd
** and freed in their close callbacks; their data is the server box,
** which stays anchored until all of them and every connection are gone.
*/
#include <stdlib.h>
#include <string.h>
#include "http_server.h"
#include "stream.h"

/*
** {======================================================
** Helpers for the other parts
** =======================================================
*/
lua_State *hs_push_cb (hs_server *srv, int which) {
  lua_State *L = srv->ctx->L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, srv->anchor);
  lua_getiuservalue(L, -1, 1);
  lua_rawgeti(L, -1, which);
  lua_replace(L, -3);
  lua_pop(L, 1);
  return L;
}

static void srv_close_handle (uv_handle_t *h) {
  h->data = NULL;                      /* close callback: just free */
  uv_close(h, (uv_close_cb)free);
}

/* Releases the box once nothing of the server is left open; tells Lua
** ('close') when server:close() asked for it. Loop context only. */
static void srv_maybe_done (hs_server *srv) {
  lua_State *L = srv->ctx->L;
  if (srv->listener != NULL || srv->listener_closing || srv->nconns > 0 ||
      srv->anchor == LUA_NOREF)
    return;
  if (srv->timer != NULL) srv_close_handle((uv_handle_t *)srv->timer);
  if (srv->idle != NULL) srv_close_handle((uv_handle_t *)srv->idle);
  srv->timer = NULL;
  srv->idle = NULL;
  if (srv->closed) {
    hs_push_cb(srv, HS_ON_SERVER_CLOSE);
    luaL_unref(L, LUA_REGISTRYINDEX, srv->anchor);
    srv->anchor = LUA_NOREF;
    if (lua_isfunction(L, -1)) lode_call(L, 0);
    else lua_pop(L, 1);
    return;
  }
  luaL_unref(L, LUA_REGISTRYINDEX, srv->anchor);
  srv->anchor = LUA_NOREF;
}

void hs_server_conn_gone (hs_server *srv) {
  if (--srv->nconns == 0 && srv->timer != NULL) uv_timer_stop(srv->timer);
  srv_maybe_done(srv);
}
/* }====================================================== */

/*
** {======================================================
** Deferred work and the timeout sweep
** =======================================================
*/
static void srv_on_idle (uv_idle_t *h) {
  hs_server *srv = (hs_server *)h->data;
  hs_conn *c;
  if (srv == NULL) return;
  while ((c = srv->ready) != NULL) {
    srv->ready = c->ready_next;
    c->ready_next = NULL;
    c->in_ready = 0;
    hs_conn_resume(c);                 /* may call Lua */
    if (srv->idle == NULL) return;     /* the server went away */
  }
  uv_idle_stop(h);
}

/* Queues c for hs_conn_resume from the idle handle (next iteration). */
void hs_server_ready (hs_server *srv, hs_conn *c) {
  if (c->in_ready) return;
  if (srv->idle == NULL) {
    srv->idle = (uv_idle_t *)malloc(sizeof(uv_idle_t));
    if (srv->idle == NULL) return;
    uv_idle_init(&srv->ctx->loop, srv->idle);
    srv->idle->data = srv;
    uv_unref((uv_handle_t *)srv->idle);
  }
  c->in_ready = 1;
  c->ready_next = srv->ready;
  srv->ready = c;
  uv_idle_start(srv->idle, srv_on_idle);
}

void hs_server_unready (hs_server *srv, hs_conn *c) {
  hs_conn **p = &srv->ready;
  if (!c->in_ready) return;
  while (*p != NULL && *p != c) p = &(*p)->ready_next;
  if (*p == c) *p = c->ready_next;
  c->in_ready = 0;
  c->ready_next = NULL;
}

/* Node's connectionsCheckingInterval: every connection is checked for
** headersTimeout, requestTimeout, keepAliveTimeout and timeout. */
static void srv_on_timer (uv_timer_t *t) {
  hs_server *srv = (hs_server *)t->data;
  hs_conn *c, *next;
  uint64_t now;
  if (srv == NULL) return;
  now = uv_now(t->loop);
  for (c = srv->conns; c != NULL; c = next) {
    next = c->next;                    /* c may close (and unlink) */
    hs_conn_sweep(c, now);
    if (srv->timer == NULL) return;
  }
}

static void srv_timer_start (hs_server *srv) {
  if (srv->timer == NULL) {
    srv->timer = (uv_timer_t *)malloc(sizeof(uv_timer_t));
    if (srv->timer == NULL) return;
    uv_timer_init(&srv->ctx->loop, srv->timer);
    srv->timer->data = srv;
    uv_unref((uv_handle_t *)srv->timer);
  }
  if (!uv_is_active((uv_handle_t *)srv->timer))
    uv_timer_start(srv->timer, srv_on_timer, srv->check_ms, srv->check_ms);
}
/* }====================================================== */

/*
** {======================================================
** Listening and accepting
** =======================================================
*/

/* Accepts one connection into a new hs_conn; no Lua unless someone
** listens to 'connection'. */
static void srv_on_connection (uv_stream_t *l, int status) {
  hs_server *srv = (hs_server *)l->data;
  uv_loop_t *loop = l->loop;
  hs_conn *c;
  int rc;
  if (srv == NULL || status < 0) return;   /* EMFILE etc.: try later */
  if ((c = (hs_conn *)calloc(1, sizeof *c)) == NULL) return;
  rc = l->type == UV_TCP ? uv_tcp_init(loop, &c->u.tcp)
                         : uv_pipe_init(loop, &c->u.pipe, 0);
  if (rc < 0) {
    free(c);
    return;
  }
  c->u.h.data = c;
  if (uv_accept(l, &c->u.s) < 0) {
    c->u.h.data = NULL;
    uv_close(&c->u.h, (uv_close_cb)free);
    return;
  }
  c->srv = srv;
  c->next = srv->conns;
  if (srv->conns != NULL) srv->conns->prev = c;
  srv->conns = c;
  srv->nconns++;
  if (srv->nodelay && l->type == UV_TCP) uv_tcp_nodelay(&c->u.tcp, 1);
  hs_conn_start(srv, c);
  srv_timer_start(srv);
  if ((srv->want & HS_WANT_CONNECTION) && !c->closing) {
    lua_State *L = hs_push_cb(srv, HS_ON_CONNECTION);
    hs_conn_push_box(L, c);
    lode_call(L, 1);
  }
}

static hs_server *srv_check (lua_State *L) {
  return (hs_server *)luaL_checkudata(L, 1, HS_SERVER_MT);
}

/* Binds and listens a new handle of the given kind. */
static int srv_open (lua_State *L, hs_server *srv, int pipe, int *step) {
  uv_loop_t *loop = &srv->ctx->loop;
  struct sockaddr_storage ss;
  uv_stream_t *s;
  int rc, backlog = (int)luaL_optinteger(L, 5, 511);
  memset(&ss, 0, sizeof ss);
  s = (uv_stream_t *)calloc(1, pipe ? sizeof(uv_pipe_t) : sizeof(uv_tcp_t));
  if (s == NULL) return UV_ENOMEM;
  rc = pipe ? uv_pipe_init(loop, (uv_pipe_t *)s, 0)
            : uv_tcp_init(loop, (uv_tcp_t *)s);
  if (rc < 0) {
    free(s);
    return rc;
  }
  s->data = srv;
  *step = 0;
  if (pipe) {
    rc = uv_pipe_bind((uv_pipe_t *)s, luaL_checkstring(L, 3));
  } else {
    const char *ip = luaL_checkstring(L, 3);
    int port = (int)luaL_checkinteger(L, 4);
    rc = uv_ip4_addr(ip, port, (struct sockaddr_in *)&ss);
    if (rc < 0) rc = uv_ip6_addr(ip, port, (struct sockaddr_in6 *)&ss);
    if (rc == 0)
      rc = uv_tcp_bind((uv_tcp_t *)s, (struct sockaddr *)&ss,
                       lua_toboolean(L, 6) ? UV_TCP_IPV6ONLY : 0);
  }
  if (rc == 0) {
    *step = 1;
    rc = uv_listen(s, backlog, srv_on_connection);
  }
  if (rc < 0) {
    srv_close_handle((uv_handle_t *)s);
    return rc;
  }
  srv->listener = s;
  return 0;
}

/* s:listen(kind, addr, port, backlog, ipv6only) -> true, or the fail
** triple and "bind" / "listen" (the step that failed). */
static int srv_listen (lua_State *L) {
  static const char *const kinds[] = {"tcp", "pipe", NULL};
  hs_server *srv = srv_check(L);
  int pipe = luaL_checkoption(L, 2, "tcp", kinds), step = 0, rc;
  if (srv->listener != NULL || srv->listener_closing)
    return luaL_error(L, "lode.http_server: already listening");
  lode_stream_nosigpipe();
  rc = srv_open(L, srv, pipe, &step);
  if (rc < 0) {
    lode_fail(L, rc);
    lua_pushstring(L, step ? "listen" : "bind");
    return 4;
  }
  srv->closed = 0;
  if (srv->unref) uv_unref((uv_handle_t *)srv->listener);
  if (srv->anchor == LUA_NOREF) {
    lua_pushvalue(L, 1);
    srv->anchor = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  lua_pushboolean(L, 1);
  return 1;
}

static void srv_on_listener_close (uv_handle_t *h) {
  hs_server *srv = (hs_server *)h->data;
  free(h);
  if (srv == NULL) return;
  srv->listener_closing = 0;
  srv_maybe_done(srv);
}

/* s:close(): stops listening; open connections finish on their own. */
static int srv_close (lua_State *L) {
  hs_server *srv = srv_check(L);
  srv->closed = 1;
  if (srv->listener != NULL) {
    uv_close((uv_handle_t *)srv->listener, srv_on_listener_close);
    srv->listener = NULL;
    srv->listener_closing = 1;
  }
  return 0;
}

static int srv_address (lua_State *L) {
  hs_server *srv = srv_check(L);
  struct sockaddr_storage ss;
  int len = (int)sizeof ss;
  if (srv->listener == NULL || srv->listener->type != UV_TCP) return 0;
  if (uv_tcp_getsockname((uv_tcp_t *)srv->listener, (struct sockaddr *)&ss,
                         &len) < 0)
    return 0;
  lode_push_sockaddr(L, (struct sockaddr *)&ss);
  return 1;
}
/* }====================================================== */

/*
** {======================================================
** Options and the rest of the box
** =======================================================
*/
static uint64_t opt_ms (lua_State *L, const char *k, uint64_t def) {
  lua_Number v;
  int t = lua_getfield(L, 2, k);
  v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  if (t == LUA_TNIL) return def;
  return v > 0 ? (uint64_t)v : 0;
}

/* s:configure(opts): only the fields present change. */
static int srv_configure (lua_State *L) {
  hs_server *srv = srv_check(L);
  int t;
  luaL_checktype(L, 2, LUA_TTABLE);
  srv->max_header = (uint32_t)opt_ms(L, "maxHeaderSize", srv->max_header);
  srv->headers_timeout = opt_ms(L, "headersTimeout", srv->headers_timeout);
  srv->request_timeout = opt_ms(L, "requestTimeout", srv->request_timeout);
  srv->keepalive_timeout = opt_ms(L, "keepAliveTimeout",
                                  srv->keepalive_timeout);
  srv->timeout = opt_ms(L, "timeout", srv->timeout);
  srv->max_requests = (uint32_t)opt_ms(L, "maxRequestsPerSocket",
                                       srv->max_requests);
  srv->check_ms = opt_ms(L, "checkInterval", srv->check_ms);
  if (srv->check_ms < 1) srv->check_ms = 1;
  if ((t = lua_getfield(L, 2, "insecureHTTPParser")) != LUA_TNIL)
    srv->lenient = lua_toboolean(L, -1);
  if ((t = lua_getfield(L, 2, "noDelay")) != LUA_TNIL)
    srv->nodelay = lua_toboolean(L, -1);
  if (srv->timer != NULL && uv_is_active((uv_handle_t *)srv->timer))
    uv_timer_start(srv->timer, srv_on_timer, srv->check_ms, srv->check_ms);
  return 0;
}

static int srv_set_want (lua_State *L) {
  srv_check(L)->want = (int)luaL_checkinteger(L, 2);
  return 0;
}

static int srv_ref (lua_State *L) {
  hs_server *srv = srv_check(L);
  srv->unref = 0;
  if (srv->listener != NULL) uv_ref((uv_handle_t *)srv->listener);
  return 0;
}

static int srv_unref (lua_State *L) {
  hs_server *srv = srv_check(L);
  srv->unref = 1;
  if (srv->listener != NULL) uv_unref((uv_handle_t *)srv->listener);
  return 0;
}

static int srv_connections (lua_State *L) {
  lua_pushinteger(L, srv_check(L)->nconns);
  return 1;
}

/* Closes the connections with no request in progress (idle=1) or all. */
static int srv_close_conns (lua_State *L, int idle) {
  hs_server *srv = srv_check(L);
  hs_conn *c, *next;
  for (c = srv->conns; c != NULL; c = next) {
    next = c->next;
    if (!idle || (c->state == HS_IDLE && !c->resp && c->nwrites == 0))
      hs_conn_close(c, 0);
  }
  return 0;
}

static int srv_close_idle (lua_State *L) { return srv_close_conns(L, 1); }
static int srv_close_all (lua_State *L) { return srv_close_conns(L, 0); }

/* __gc: runs when nothing is open (the box is anchored otherwise), or at
** lua_close, when everything still open is closed without Lua. */
static int srv_gc (lua_State *L) {
  hs_server *srv = (hs_server *)lua_touserdata(L, 1);
  while (srv->conns != NULL) hs_conn_kill(srv->conns);
  if (srv->listener != NULL) srv_close_handle((uv_handle_t *)srv->listener);
  if (srv->timer != NULL) srv_close_handle((uv_handle_t *)srv->timer);
  if (srv->idle != NULL) srv_close_handle((uv_handle_t *)srv->idle);
  srv->listener = NULL;
  srv->timer = NULL;
  srv->idle = NULL;
  return 0;
}

/* hs.new(callbacks) -> a server box with Node's default limits. */
static int srv_new (lua_State *L) {
  hs_server *srv;
  luaL_checktype(L, 1, LUA_TTABLE);
  srv = (hs_server *)lua_newuserdatauv(L, sizeof *srv, 1);
  memset(srv, 0, sizeof *srv);
  srv->ctx = lode_context(L);
  srv->anchor = LUA_NOREF;
  srv->max_header = 16384;
  srv->headers_timeout = 60000;
  srv->request_timeout = 300000;
  srv->keepalive_timeout = 5000;
  srv->check_ms = 1000;
  srv->nodelay = 1;
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  luaL_setmetatable(L, HS_SERVER_MT);
  return 1;
}
/* }====================================================== */

int luaopen_lode_binding_http_server (lua_State *L) {
  static const luaL_Reg methods[] = {
    {"configure", srv_configure}, {"listen", srv_listen},
    {"close", srv_close}, {"address", srv_address},
    {"set_want", srv_set_want}, {"ref", srv_ref}, {"unref", srv_unref},
    {"connections", srv_connections}, {"close_idle", srv_close_idle},
    {"close_all", srv_close_all}, {NULL, NULL}
  };
  static const luaL_Reg funcs[] = {
    {"new", srv_new}, {"request_head", hs_request_head}, {NULL, NULL}
  };
  lode_context(L);
  if (luaL_newmetatable(L, HS_SERVER_MT)) {
    lua_pushcfunction(L, srv_gc);
    lua_setfield(L, -2, "__gc");
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  hs_conn_meta(L);
  luaL_newlib(L, funcs);
  return 1;
}
