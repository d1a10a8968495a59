/*
** uv.c: lode.binding.uv, the loop itself. Running and stopping it, time,
** timers, the setImmediate check phase, signals, error names, and the
** hooks lode_call uses. Policy (ordering, Node's timer semantics) lives in
** lua/lode/internal/loop.lua and lua/lode/timers.lua.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lode.h"

#define TIMER_MT "lode.timer"
#define SIGNAL_MT "lode.signal"

/*
** {======================================================
** Loop
** =======================================================
*/

/* run([mode]): "default" | "once" | "nowait". Raises when nested. */
static int loop_run (lua_State *L) {
  static const char *const modes[] = {"default", "once", "nowait", NULL};
  static const uv_run_mode map[] = {UV_RUN_DEFAULT, UV_RUN_ONCE,
                                    UV_RUN_NOWAIT};
  lode_ctx *ctx = lode_context(L);
  int mode = luaL_checkoption(L, 1, "default", modes), alive;
  if (ctx->running) return luaL_error(L, "loop already running");
  ctx->running = 1;
  alive = uv_run(&ctx->loop, map[mode]);
  ctx->running = 0;
  lua_pushboolean(L, alive);
  return 1;
}

static int loop_stop (lua_State *L) {
  uv_stop(lode_loop(L));
  return 0;
}

static int loop_alive (lua_State *L) {
  lua_pushboolean(L, uv_loop_alive(lode_loop(L)));
  return 1;
}

static int loop_now (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)uv_now(lode_loop(L)));
  return 1;
}

static int loop_hrtime (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)uv_hrtime());
  return 1;
}

static int loop_update_time (lua_State *L) {
  uv_update_time(lode_loop(L));
  return 0;
}

static int loop_err_name (lua_State *L) {
  lua_pushstring(L, uv_err_name((int)luaL_checkinteger(L, 1)));
  return 1;
}

static int loop_strerror (lua_State *L) {
  lua_pushstring(L, uv_strerror((int)luaL_checkinteger(L, 1)));
  return 1;
}

/* set_hooks(uncaught, drain): the Lua functions lode_call relies on. */
static int loop_set_hooks (lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &lode_key_uncaught);
  lua_pushvalue(L, 2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &lode_key_drain);
  return 0;
}

/* call(fn, ...): lode_call from Lua, for runners that invoke a batch of
** user callbacks (immediates), each followed by the drain. */
static int loop_call (lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_pushboolean(L, lode_call(L, lua_gettop(L) - 1) == 0);
  return 1;
}

static int loop_drain (lua_State *L) {
  lode_drain(L);
  return 0;
}

static void count_handle (uv_handle_t *h, void *arg) {
  void **a = (void **)arg;
  if (!uv_is_closing(h) && h->data != a[0]) ++*(int *)a[1];
}

/* handle_count(): handles open on the loop, lode's internal ones aside. */
static int loop_handle_count (lua_State *L) {
  lode_ctx *ctx = lode_context(L);
  int n = 0;
  void *arg[2] = {ctx, &n};
  uv_walk(&ctx->loop, count_handle, arg);
  lua_pushinteger(L, n);
  return 1;
}

static void list_handle (uv_handle_t *h, void *arg) {
  lua_State *L = (lua_State *)arg;
  const char *name;
  if (uv_is_closing(h) || !uv_is_active(h) || !uv_has_ref(h)) return;
  switch (h->type) {
    case UV_TIMER: name = "Timeout"; break;
    case UV_TCP: name = "TCPSocketWrap"; break;
    case UV_NAMED_PIPE: name = "PipeWrap"; break;
    case UV_TTY: name = "TTYWrap"; break;
    case UV_SIGNAL: name = "SignalWrap"; break;
    case UV_PROCESS: name = "ProcessWrap"; break;
    case UV_FS_EVENT: name = "FSEvent"; break;
    case UV_IDLE: name = "Immediate"; break;
    default: name = uv_handle_type_name(h->type);
  }
  lua_pushstring(L, name);
  lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
}

/* active_handles(): names of what keeps the loop alive, as Node's
** process.getActiveResourcesInfo() spells them. */
static int loop_active_handles (lua_State *L) {
  lua_newtable(L);
  uv_walk(lode_loop(L), list_handle, L);
  return 1;
}

/* kill(pid, signum): true or the fail-triple. */
static int loop_kill (lua_State *L) {
  int rc = uv_kill((int)luaL_checkinteger(L, 1), (int)luaL_checkinteger(L, 2));
  if (rc < 0) return lode_fail(L, rc);
  lua_pushboolean(L, 1);
  return 1;
}

/* rss(): resident set size in bytes. */
static int loop_rss (lua_State *L) {
  size_t rss = 0;
  uv_resident_set_memory(&rss);
  lua_pushinteger(L, (lua_Integer)rss);
  return 1;
}

/* exit(code): flushes C stdio and ends the process now. */
static int loop_exit (lua_State *L) {
  int code = (int)luaL_optinteger(L, 1, 0);
  fflush(NULL);
  exit(code);
  return 0;
}
/* }====================================================== */

/*
** {======================================================
** setImmediate: a check handle that calls the Lua runner, and an idle
** handle that keeps poll from blocking while immediates are queued.
** =======================================================
*/
static const char immediate_key = 'i';

static void immediate_on_check (uv_check_t *h) {
  lode_ctx *ctx = (lode_ctx *)h->data;
  lua_State *L = ctx->L;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &immediate_key);
  lode_call(L, 0);
}

static void immediate_on_idle (uv_idle_t *h) { (void)h; }

/* immediate_init(runner): the Lua function the check phase calls. */
static int immediate_init (lua_State *L) {
  lode_ctx *ctx = lode_context(L);
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_pushvalue(L, 1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &immediate_key);
  if (!ctx->immediates) {
    uv_check_init(&ctx->loop, &ctx->check);
    uv_idle_init(&ctx->loop, &ctx->idle);
    ctx->check.data = ctx->idle.data = ctx;
    uv_check_start(&ctx->check, immediate_on_check);
    uv_unref((uv_handle_t *)&ctx->check);
    ctx->immediates = 1;
  }
  return 0;
}

/* immediate_ref(on): start the idle handle while ref'd immediates wait. */
static int immediate_ref (lua_State *L) {
  lode_ctx *ctx = lode_context(L);
  if (!ctx->immediates) return 0;
  if (lua_toboolean(L, 1)) uv_idle_start(&ctx->idle, immediate_on_idle);
  else uv_idle_stop(&ctx->idle);
  return 0;
}
/* }====================================================== */

/*
** {======================================================
** Timers: one uv_timer_t per timer; the callback is user value 2.
** =======================================================
*/
typedef struct timer_box {
  lode_handle b;
  int started;
} timer_box;

/* Calls the timer's Lua callback. A one-shot timer is no longer pending
** once it fired; the box stays on the stack while Lua runs. */
static void timer_on_fire (uv_timer_t *h) {
  timer_box *t = (timer_box *)h->data;
  lua_State *L = t->b.ctx->L;
  lode_handle_push(L, &t->b);
  lua_getiuservalue(L, -1, 2);
  if (uv_timer_get_repeat(h) == 0 && t->started) {
    t->started = 0;
    lode_handle_release(L, &t->b);
  }
  lode_call(L, 0);
  lua_pop(L, 1);
}

/* timer_new(cb) -> box. */
static int timer_new (lua_State *L) {
  lode_handle *b;
  luaL_checktype(L, 1, LUA_TFUNCTION);
  b = lode_handle_new(L, sizeof(timer_box), sizeof(uv_timer_t), TIMER_MT);
  uv_timer_init(&b->ctx->loop, (uv_timer_t *)b->h);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 2);
  return 1;
}

/* box:start(ms[, repeat]). Never fires early: the due time is rounded up
** from the real time now, not from the loop's cached millisecond. */
static int timer_start (lua_State *L) {
  timer_box *t = (timer_box *)lode_handle_check(L, 1, TIMER_MT);
  uint64_t ms = (uint64_t)luaL_checkinteger(L, 2), due, now;
  uint64_t rep = (uint64_t)luaL_optinteger(L, 3, 0);
  uv_loop_t *loop = &t->b.ctx->loop;
  uv_update_time(loop);
  now = uv_now(loop);
  due = (uv_hrtime() + ms * 1000000 + 999999) / 1000000;
  uv_timer_start((uv_timer_t *)t->b.h, timer_on_fire,
                 due > now ? due - now : ms, rep);
  if (!t->started) {
    t->started = 1;
    lode_handle_retain(L, 1, &t->b);
  }
  return 0;
}

static int timer_stop (lua_State *L) {
  timer_box *t = (timer_box *)lode_handle_check(L, 1, TIMER_MT);
  uv_timer_stop((uv_timer_t *)t->b.h);
  if (t->started) {
    t->started = 0;
    lode_handle_release(L, &t->b);
  }
  return 0;
}
/* }====================================================== */

/*
** {======================================================
** Signals: the callback (user value 2) receives the signal number.
** =======================================================
*/
static void signal_on_signal (uv_signal_t *h, int signum) {
  lode_handle *b = (lode_handle *)h->data;
  lua_State *L = b->ctx->L;
  lode_handle_pushcb(L, b, 2);
  lua_pushinteger(L, signum);
  lode_call(L, 1);
}

static int signal_new (lua_State *L) {
  lode_handle *b;
  luaL_checktype(L, 1, LUA_TFUNCTION);
  b = lode_handle_new(L, sizeof(lode_handle), sizeof(uv_signal_t),
                      SIGNAL_MT);
  uv_signal_init(&b->ctx->loop, (uv_signal_t *)b->h);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 2);
  return 1;
}

static int signal_start (lua_State *L) {
  lode_handle *b = lode_handle_check(L, 1, SIGNAL_MT);
  int rc = uv_signal_start((uv_signal_t *)b->h, signal_on_signal,
                           (int)luaL_checkinteger(L, 2));
  if (rc < 0) return lode_fail(L, rc);
  if (b->pending == 0) lode_handle_retain(L, 1, b);
  lua_pushboolean(L, 1);
  return 1;
}

static int signal_stop (lua_State *L) {
  lode_handle *b = lode_handle_check(L, 1, SIGNAL_MT);
  uv_signal_stop((uv_signal_t *)b->h);
  lode_handle_release(L, b);
  return 0;
}
/* }====================================================== */

int luaopen_lode_binding_uv (lua_State *L) {
  static const luaL_Reg timer_methods[] = {
    {"start", timer_start}, {"stop", timer_stop}, {NULL, NULL}
  };
  static const luaL_Reg signal_methods[] = {
    {"start", signal_start}, {"stop", signal_stop}, {NULL, NULL}
  };
  static const luaL_Reg funcs[] = {
    {"run", loop_run}, {"stop", loop_stop}, {"alive", loop_alive},
    {"now", loop_now}, {"hrtime", loop_hrtime},
    {"update_time", loop_update_time}, {"err_name", loop_err_name},
    {"strerror", loop_strerror}, {"set_hooks", loop_set_hooks},
    {"call", loop_call}, {"drain", loop_drain},
    {"handle_count", loop_handle_count},
    {"active_handles", loop_active_handles}, {"exit", loop_exit},
    {"kill", loop_kill}, {"rss", loop_rss},
    {"immediate_init", immediate_init}, {"immediate_ref", immediate_ref},
    {"timer_new", timer_new}, {"signal_new", signal_new},
    {NULL, NULL}
  };
  lode_context(L);                     /* the loop before any handle box */
  lode_handle_meta(L, TIMER_MT, timer_methods);
  lode_handle_meta(L, SIGNAL_MT, signal_methods);
  luaL_newlib(L, funcs);
  lua_pushstring(L, uv_version_string());
  lua_setfield(L, -2, "version");
  return 1;
}
