/*
** dns.c: lode.binding.dns, name resolution on libuv's thread pool
** (uv_getaddrinfo), for lode.dns.lookup and everything that connects by
** name. Policy (options, ordering, ENOTFOUND errors) is in lua/lode/dns.lua.
**
**   dns.getaddrinfo(host, family, hints, cb) -> true | fail
**       family 0, 4 or 6; hints: AI_* flags (dns.ADDRCONFIG, V4MAPPED,
**       ALL); cb(status_or_nil, { {address=, family=4|6}, ... }) in the
**       resolver's order, through lode_call
**
** The request box (STYLE.md rule 8) is anchored until the callback;
** libuv copies the host name, so nothing is pinned. The result list is
** built after the work is done, on the loop thread (rule 12).
*/
#include <string.h>
#include <netdb.h>
#include "lode.h"

typedef struct gai_req {
  lode_req r;                     /* request box header: first */
  uv_getaddrinfo_t g;
} gai_req;

/* Pushes the addresses of res as a sequence, skipping duplicates. */
static void dns_push_list (lua_State *L, const struct addrinfo *res) {
  char ip[64];
  lua_Integer n = 0;
  lua_newtable(L);
  lua_newtable(L);                     /* seen addresses */
  for (; res != NULL; res = res->ai_next) {
    int fam = res->ai_family == AF_INET ? 4
            : res->ai_family == AF_INET6 ? 6 : 0;
    if (fam == 4)
      uv_ip4_name((const struct sockaddr_in *)res->ai_addr, ip, sizeof ip);
    else if (fam == 6)
      uv_ip6_name((const struct sockaddr_in6 *)res->ai_addr, ip, sizeof ip);
    else continue;
    if (lua_getfield(L, -1, ip) != LUA_TNIL) {
      lua_pop(L, 1);
      continue;
    }
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, ip);
    lua_createtable(L, 0, 2);
    lua_pushstring(L, ip);
    lua_setfield(L, -2, "address");
    lua_pushinteger(L, fam);
    lua_setfield(L, -2, "family");
    lua_rawseti(L, -3, ++n);
  }
  lua_pop(L, 1);
}

/* Completion: builds the list, frees libuv's result, releases the box
** and calls the callback through lode_call. */
static void dns_on_resolved (uv_getaddrinfo_t *g, int status,
                             struct addrinfo *res) {
  gai_req *q = (gai_req *)(void *)((char *)g - offsetof(gai_req, g));
  lua_State *L = lode_req_finish(&q->r);   /* pushes the callback */
  lode_push_status(L, status);
  if (status == 0) dns_push_list(L, res);
  else lua_pushnil(L);
  uv_freeaddrinfo(res);
  lode_call(L, 2);
}

static int dns_getaddrinfo (lua_State *L) {
  const char *host = luaL_checkstring(L, 1);
  lua_Integer family = luaL_optinteger(L, 2, 0);
  struct addrinfo hints;
  gai_req *q;
  int rc;
  luaL_checktype(L, 4, LUA_TFUNCTION);
  memset(&hints, 0, sizeof hints);
  hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6
                  : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;     /* one entry per address */
  hints.ai_flags = (int)luaL_optinteger(L, 3, 0);
  q = (gai_req *)lode_req_new(L, sizeof(gai_req), 4, 0);
  rc = uv_getaddrinfo(&q->r.ctx->loop, &q->g, dns_on_resolved, host, NULL,
                      &hints);
  if (rc < 0) {
    lode_req_cancel(L, &q->r);
    return lode_fail(L, rc);
  }
  lua_pushboolean(L, 1);
  return 1;
}

int luaopen_lode_binding_dns (lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"getaddrinfo", dns_getaddrinfo}, {NULL, NULL}
  };
  lode_context(L);
  luaL_newlib(L, funcs);
  lua_pushinteger(L, AI_ADDRCONFIG);
  lua_setfield(L, -2, "ADDRCONFIG");
  lua_pushinteger(L, AI_V4MAPPED);
  lua_setfield(L, -2, "V4MAPPED");
  lua_pushinteger(L, AI_ALL);
  lua_setfield(L, -2, "ALL");
  lua_pushinteger(L, UV_EAI_NONAME);
  lua_setfield(L, -2, "EAI_NONAME");
  lua_pushinteger(L, UV_EAI_NODATA);
  lua_setfield(L, -2, "EAI_NODATA");
  return 1;
}
