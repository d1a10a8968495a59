/*
** fs_event.c: lode.binding.fs_event, uv_fs_event_t handles for fs.watch.
** A handle box (lode_handle, STYLE.md rules 7 and 8) whose user value 2
** is the event callback; the box is anchored while started, so a running
** watcher is never collected, and an idle one is closed by __gc. The
** FSWatcher class and its 'change'/'error'/'close' events live in
** lua/lode/fs/watch.lua.
*/
#include "lode.h"

#define FS_EVENT_MT "lode.fs_event"

/* Calls the Lua callback with (status_or_nil, filename_or_nil, events),
** events being UV_RENAME | UV_CHANGE bits. Calls Lua (lode_call); the box
** stays on the stack meanwhile, and nothing here touches it afterwards. */
static void fs_event_on_event (uv_fs_event_t *h, const char *filename,
                               int events, int status) {
  lode_handle *b = (lode_handle *)h->data;
  lua_State *L;
  if (b == NULL || b->pending == 0) return;      /* collected or stopped */
  L = b->ctx->L;
  lode_handle_pushcb(L, b, 2);
  lode_push_status(L, status);
  if (filename != NULL) lua_pushstring(L, filename);
  else lua_pushnil(L);
  lua_pushinteger(L, events);
  lode_call(L, 3);
}

/* fs_event_new(cb) -> box (not started) */
static int fs_event_new (lua_State *L) {
  lode_handle *b;
  luaL_checktype(L, 1, LUA_TFUNCTION);
  b = lode_handle_new(L, sizeof(lode_handle), sizeof(uv_fs_event_t),
                      FS_EVENT_MT);
  uv_fs_event_init(&b->ctx->loop, (uv_fs_event_t *)b->h);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 2);
  return 1;
}

/* box:start(path, recursive) -> true, or the fail-triple. Anchors the box
** until stop or close. */
static int fs_event_start (lua_State *L) {
  lode_handle *b = lode_handle_check(L, 1, FS_EVENT_MT);
  const char *path = luaL_checkstring(L, 2);
  unsigned int flags = lua_toboolean(L, 3) ? UV_FS_EVENT_RECURSIVE : 0;
  int rc = uv_fs_event_start((uv_fs_event_t *)b->h, fs_event_on_event, path,
                             flags);
  if (rc < 0) return lode_fail(L, rc);
  if (b->pending == 0) lode_handle_retain(L, 1, b);
  lua_pushboolean(L, 1);
  return 1;
}

/* box:stop(): no more events; releases the anchor. */
static int fs_event_stop (lua_State *L) {
  lode_handle *b = lode_handle_check(L, 1, FS_EVENT_MT);
  uv_fs_event_stop((uv_fs_event_t *)b->h);
  lode_handle_release(L, b);
  return 0;
}

int luaopen_lode_binding_fs_event (lua_State *L) {
  static const luaL_Reg methods[] = {
    {"start", fs_event_start}, {"stop", fs_event_stop}, {NULL, NULL}
  };
  static const luaL_Reg funcs[] = {
    {"new", fs_event_new}, {NULL, NULL}
  };
  lode_context(L);
  lode_handle_meta(L, FS_EVENT_MT, methods);
  luaL_newlib(L, funcs);
  lua_pushinteger(L, UV_RENAME);
  lua_setfield(L, -2, "RENAME");
  lua_pushinteger(L, UV_CHANGE);
  lua_setfield(L, -2, "CHANGE");
  return 1;
}
