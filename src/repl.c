/*
** repl.c: lode.binding.repl, line editing for the interactive REPL on
** libedit in unbuffered mode. Standard input is watched by a uv_poll_t
** and each readable event feeds libedit one read, so timers and I/O keep
** running while the user types. Host-only: plain Lua has its own REPL.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <histedit.h>
#include "lode.h"

#define CTRL_D 4

typedef struct repl_state {
  lua_State *L;               /* main thread, while started */
  uv_poll_t *poll;
  EditLine *el;
  History *hist;
  HistEvent ev;
  int cb;                     /* registry ref of on_line */
  char prompt[64];
} repl_state;

static repl_state repl = {NULL, NULL, NULL, NULL, {0, NULL}, LUA_NOREF, ""};

static char *repl_prompt_of (EditLine *el) {
  (void)el;
  return repl.prompt;
}

/* Hands one line (or nil at end of input) to Lua's on_line. */
static void repl_deliver (const char *line, size_t len) {
  lua_State *L = repl.L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, repl.cb);
  if (line != NULL) lua_pushlstring(L, line, len);
  else lua_pushnil(L);
  lode_call(L, 1);
}

/* One readable event: libedit reads what is there. NULL, or the EOF
** character alone (what unbuffered libedit returns for Ctrl-D on an empty
** line), ends the input; a buffer ending in a newline is a complete line;
** anything else is a line still being typed. */
static void repl_on_readable (uv_poll_t *h, int status, int events) {
  int count = 0;
  const char *buf;
  (void)h; (void)events;
  if (status < 0) { repl_deliver(NULL, 0); return; }
  buf = el_gets(repl.el, &count);
  if (buf == NULL || count <= 0 || (count == 1 && buf[0] == CTRL_D)) {
    repl_deliver(NULL, 0);
    return;
  }
  if (buf[count - 1] != '\n' && buf[count - 1] != '\r') return;
  el_set(repl.el, EL_UNBUFFERED, 0);     /* resets libedit's line */
  repl_deliver(buf, (size_t)count - 1);
  if (repl.el != NULL) el_set(repl.el, EL_UNBUFFERED, 1);
}

static void repl_set_prompt (const char *p) {
  snprintf(repl.prompt, sizeof repl.prompt, "%s", p);
}

/* start(prompt, on_line): begins reading lines; on_line(nil) at EOF. */
static int repl_start (lua_State *L) {
  repl_set_prompt(luaL_checkstring(L, 1));
  luaL_checktype(L, 2, LUA_TFUNCTION);
  if (repl.L != NULL) return luaL_error(L, "repl already started");
  repl.poll = (uv_poll_t *)calloc(1, sizeof *repl.poll);
  if (repl.poll == NULL) return luaL_error(L, "not enough memory");
  lua_pushvalue(L, 2);
  repl.cb = luaL_ref(L, LUA_REGISTRYINDEX);
  repl.L = lode_context(L)->L;
  repl.hist = history_init();
  history(repl.hist, &repl.ev, H_SETSIZE, 1000);
  repl.el = el_init("lode", stdin, stdout, stderr);
  el_set(repl.el, EL_PROMPT, repl_prompt_of);
  el_set(repl.el, EL_EDITOR, "emacs");
  el_set(repl.el, EL_HIST, history, repl.hist);
  el_set(repl.el, EL_UNBUFFERED, 1);
  uv_poll_init(lode_loop(L), repl.poll, 0);
  uv_poll_start(repl.poll, UV_READABLE, repl_on_readable);
  return 0;
}

/* prompt(text): the prompt for the next line. */
static int repl_prompt (lua_State *L) {
  repl_set_prompt(luaL_checkstring(L, 1));
  return 0;
}

static int repl_stop (lua_State *L) {
  if (repl.L == NULL) return 0;
  uv_close((uv_handle_t *)repl.poll, (uv_close_cb)free);
  el_end(repl.el);
  repl.el = NULL;
  history_end(repl.hist);
  luaL_unref(L, LUA_REGISTRYINDEX, repl.cb);
  repl.cb = LUA_NOREF;
  repl.L = NULL;
  return 0;
}

static int repl_add_history (lua_State *L) {
  if (repl.hist != NULL)
    history(repl.hist, &repl.ev, H_ENTER, luaL_checkstring(L, 1));
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
