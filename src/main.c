/*
** main.c: the lode host binary. Creates the Lua state (standard libraries,
** every binding in package.preload, the embedded Lua library behind a
** searcher), then hands the command line to lode.internal.main, which
** runs the script as a task and the loop to completion (API.md section 1).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <lualib.h>
#include "lode.h"

typedef struct { const char *name; const unsigned char *code;
                 size_t len; } lode_embedded_t;
extern const lode_embedded_t lode_embedded[];
extern const luaL_Reg lode_preload[];
int luaopen_lode_binding_repl (lua_State *L);

static lua_State *main_state;    /* reachable at exit for leak checkers */

/* The searcher for the embedded library: finds "lode.x" in the table the
** build generated from lua/ and loads its bytecode. */
static int embedded_searcher (lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const lode_embedded_t *e;
  for (e = lode_embedded; e->name != NULL; e++) {
    if (strcmp(e->name, name) != 0) continue;
    if (luaL_loadbufferx(L, (const char *)e->code, e->len, name, "b")
        != LUA_OK)
      return lua_error(L);
    lua_pushfstring(L, "embedded:%s", name);
    return 2;
  }
  lua_pushfstring(L, "no embedded module '%s'", name);
  return 1;
}

/* Puts the bindings in package.preload and the embedded searcher right
** after the preload searcher, so the built-in library wins over files. */
static void install_library (lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  luaL_setfuncs(L, lode_preload, 0);
  lua_pushcfunction(L, luaopen_lode_binding_repl);
  lua_setfield(L, -2, "lode.binding.repl");
  lua_pop(L, 1);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "searchers");
  lua_pushcfunction(L, embedded_searcher);
  for (int i = (int)luaL_len(L, -2) + 1; i > 2; i--) {
    lua_rawgeti(L, -2, i - 1);
    lua_rawseti(L, -3, i);
  }
  lua_rawseti(L, -2, 2);
  lua_pop(L, 2);
}

/* Runs in protected mode: require the entry and call it with argv. */
static int host_main (lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  lode_context(L);                     /* the loop before any handle box */
  install_library(L);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "lode.internal.main");
  lua_call(L, 1, 1);
  lua_createtable(L, argc, 0);
  for (int i = 1; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_pushboolean(L, isatty(0) && isatty(1));
  lua_call(L, 2, 0);
  return 0;
}

static int msgh (lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  luaL_traceback(L, L, msg ? msg : luaL_tolstring(L, 1, NULL), 1);
  return 1;
}

int main (int argc, char **argv) {
  lua_State *L = luaL_newstate();
  int st;
  if (L == NULL) {
    fprintf(stderr, "lode: cannot create the Lua state\n");
    return 1;
  }
  main_state = L;
  /* As Node: a write to a closed peer is EPIPE, not death by signal. */
  signal(SIGPIPE, SIG_IGN);
  /* Generational collection: lode's garbage is mostly short-lived (chunk
  ** Buffers, promises, request tables); measured in bench/RESULTS.md it
  ** halves the collector's share on streaming workloads. */
  lua_gc(L, LUA_GCGEN, 0, 0);
  luaL_openlibs(L);
  lua_pushcfunction(L, msgh);
  lua_pushcfunction(L, host_main);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  st = lua_pcall(L, 2, 0, 1);
  if (st != LUA_OK) {
    fprintf(stderr, "Uncaught %s\n", lua_tostring(L, -1));
    return 1;
  }
  fflush(NULL);
  lua_close(L);
  return 0;
}
