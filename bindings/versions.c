/*
** versions.c: lode.binding.versions, the version of every native library
** lode links, read from the libraries at run time where they say it
** (zlib, Brotli, mbedTLS, Nettle, libuv) and from the headers otherwise
** (llhttp, compiled in). Feeds process.versions and `lode --versions`.
*/
#include <stdio.h>
#include <zlib.h>
#include <brotli/encode.h>
#include <mbedtls/version.h>
#include <nettle/version.h>
#include <llhttp.h>
#include "lode.h"

static void set_version (lua_State *L, const char *name, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, -2, name);
}

/* versions() -> { zlib=, brotli=, mbedtls=, nettle=, llhttp=, uv=, lua= } */
static int versions_get (lua_State *L) {
  char buf[32];
  uint32_t b = BrotliEncoderVersion();
  lua_newtable(L);
  set_version(L, "zlib", zlibVersion());
  snprintf(buf, sizeof buf, "%u.%u.%u", (unsigned)(b >> 24),
           (unsigned)((b >> 12) & 0xfff), (unsigned)(b & 0xfff));
  set_version(L, "brotli", buf);
  mbedtls_version_get_string(buf);
  set_version(L, "mbedtls", buf);
  snprintf(buf, sizeof buf, "%d.%d", nettle_version_major(),
           nettle_version_minor());
  set_version(L, "nettle", buf);
  snprintf(buf, sizeof buf, "%d.%d.%d", LLHTTP_VERSION_MAJOR,
           LLHTTP_VERSION_MINOR, LLHTTP_VERSION_PATCH);
  set_version(L, "llhttp", buf);
  set_version(L, "uv", uv_version_string());
  set_version(L, "lua", LUA_RELEASE + 4);         /* "Lua 5.4.4" */
  return 1;
}

int luaopen_lode_binding_versions (lua_State *L) {
  lua_pushcfunction(L, versions_get);
  return 1;
}
