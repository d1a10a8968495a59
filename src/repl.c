/*
** repl.c: lode.binding.repl, line editing for the interactive REPL on
** libedit's callback interface. Standard input is watched by a uv_poll_t,
** so timers and I/O keep running while the user types. Host-only: plain
** Lua has its own REPL.
*/
#include <stdio.h>
#include <stdlib.h>
#include <editline/readline.h>
#include "lode.h"

static lua_State *repl_L;                /* main thread, while started */
static uv_poll_t *repl_poll;
static int repl_cb = LUA_NOREF;

/* libedit's line handler: NULL at end of input. Hands the line to Lua. */
static void repl_on_line (char *line) {
  lua_State *L = repl_L;
  if (L == NULL) { free(line); return; }
  lua_rawgeti(L, LUA_REGISTRYINDEX, repl_cb);
  if (line != NULL) lua_pushstring(L, line);
  else lua_pushnil(L);
  free(line);
  lode_call(L, 1);
}

static void repl_on_readable (uv_poll_t *h, int status, int events) {
  (void)h; (void)events;
  if (status < 0) { repl_on_line(NULL); return; }
  rl_callback_read_char();
}

/* start(prompt, on_line): begins reading lines; on_line(nil) at EOF. */
static int repl_start (lua_State *L) {
  const char *prompt = luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  if (repl_L != NULL) return luaL_error(L, "repl already started");
  lua_pushvalue(L, 2);
  repl_cb = luaL_ref(L, LUA_REGISTRYINDEX);
  repl_L = lode_context(L)->L;
  repl_poll = (uv_poll_t *)calloc(1, sizeof *repl_poll);
  if (repl_poll == NULL) return luaL_error(L, "not enough memory");
  uv_poll_init(lode_loop(L), repl_poll, 0);
  uv_poll_start(repl_poll, UV_READABLE, repl_on_readable);
  rl_callback_handler_install(prompt, repl_on_line);
  return 0;
}

/* prompt(text): sets the prompt for the next line. */
static int repl_prompt (lua_State *L) {
  rl_set_prompt(luaL_checkstring(L, 1));
  return 0;
}

static int repl_stop (lua_State *L) {
  if (repl_L == NULL) return 0;
  rl_callback_handler_remove();
  uv_close((uv_handle_t *)repl_poll, (uv_close_cb)free);
  luaL_unref(L, LUA_REGISTRYINDEX, repl_cb);
  repl_cb = LUA_NOREF;
  repl_L = NULL;
  return 0;
}

static int repl_add_history (lua_State *L) {
  add_history(luaL_checkstring(L, 1));
  return 0;
}

int luaopen_lode_binding_repl (lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"start", repl_start}, {"prompt", repl_prompt}, {"stop", repl_stop},
    {"add_history", repl_add_history}, {NULL, NULL}
  };
  luaL_newlib(L, funcs);
  return 1;
}
