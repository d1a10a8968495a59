/*
** runtime.c: what every binding shares, in the host binary and in the
** lode.so that plain Lua loads. The per-state context (the loop), the one
** path from libuv callbacks into Lua (lode_call, STYLE.md rule 9), the
** status conventions (rule 5) and the handle boxes (rules 7, 8).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lode.h"

const char lode_key_uncaught = 'u', lode_key_drain = 'd';
static const char ctx_key = 'c', traceback_key = 't';

/*
** {======================================================
** Context: one loop per Lua state
** =======================================================
*/

/* Closes every handle still open, runs the loop until libuv has called
** every close callback, then closes the loop. Runs at lua_close (the ctx
** userdata is created before any handle box, so it is finalized last). */
static void walk_close (uv_handle_t *h, void *arg) {
  if (h->data == arg) {              /* embedded in the ctx: no free */
    if (!uv_is_closing(h)) uv_close(h, NULL);
  } else if (!uv_is_closing(h)) {
    /* Every box was finalized before the ctx (created first), so what is
    ** left belongs to C objects whose malloc'd block starts with the
    ** handle (e.g. an HTTP connection): freeing h frees the object. */
    h->data = NULL;
    uv_close(h, (uv_close_cb)free);
  }
}

static int ctx_gc (lua_State *L) {
  lode_ctx *ctx = (lode_ctx *)lua_touserdata(L, 1);
  uv_walk(&ctx->loop, walk_close, ctx);
  while (uv_loop_close(&ctx->loop) == UV_EBUSY)
    uv_run(&ctx->loop, UV_RUN_NOWAIT);
  return 0;
}

lode_ctx *lode_context (lua_State *L) {
  lode_ctx *ctx;
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &ctx_key) == LUA_TUSERDATA) {
    ctx = (lode_ctx *)lua_touserdata(L, -1);
    lua_pop(L, 1);
    return ctx;
  }
  lua_pop(L, 1);
  ctx = (lode_ctx *)lua_newuserdatauv(L, sizeof(lode_ctx), 0);
  memset(ctx, 0, sizeof *ctx);
  if (uv_loop_init(&ctx->loop) != 0) luaL_error(L, "lode: uv_loop_init failed");
  ctx->loop.data = ctx;
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  ctx->L = lua_tothread(L, -1);
  lua_pop(L, 1);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, ctx_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ctx_key);
  return ctx;
}
/* }====================================================== */

/*
** {======================================================
** lode_call: the one way from C callbacks into Lua
** =======================================================
*/

/* Message handler: keeps the error value as it is (Error tables carry
** their own stack) and leaves a traceback in the registry beside it. */
static int call_msgh (lua_State *L) {
  const char *msg = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : NULL;
  luaL_traceback(L, L, msg, 1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_key);
  lua_settop(L, 1);
  return 1;
}

/* Last resort when no Lua hook can take the error: print and exit 1. */
static void die_uncaught (lua_State *L, int idx) {
  const char *msg = luaL_tolstring(L, idx, NULL);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &traceback_key);
  fprintf(stderr, "Uncaught %s\n%s\n", msg,
          lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
  fflush(NULL);
  exit(1);
}

/* Hands the error on top of the stack to the Lua hook (which emits
** 'uncaughtException' or prints and exits), popping it. Never raises. */
static int call_uncaught (lua_State *L) {
  int err = lua_gettop(L);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &lode_key_uncaught) != LUA_TFUNCTION)
    die_uncaught(L, err);
  lua_pushvalue(L, err);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &traceback_key);
  if (lua_pcall(L, 2, 0, 0) != LUA_OK) die_uncaught(L, -1);
  lua_settop(L, err - 1);
  return 1;
}

/* Runs the Lua drain; an error in one queued callback goes to the
** uncaught hook and the drain resumes with the rest of the queue. Not
** re-entrant: a drain started inside a drain returns at once. */
void lode_drain (lua_State *L) {
  static _Thread_local int draining = 0;   /* one Lua state per thread */
  int st;
  if (draining) return;
  draining = 1;
  do {
    lua_pushcfunction(L, call_msgh);
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &lode_key_drain) != LUA_TFUNCTION) {
      lua_pop(L, 2);
      break;
    }
    st = lua_pcall(L, 0, 0, -2);
    if (st != LUA_OK) call_uncaught(L);
    lua_pop(L, 1);                             /* the message handler */
  } while (st != LUA_OK);
  draining = 0;
}

int lode_call (lua_State *L, int nargs) {
  int base = lua_gettop(L) - nargs, rc = 0;    /* base: the function */
  lua_pushcfunction(L, call_msgh);
  lua_insert(L, base);
  if (lua_pcall(L, nargs, 0, base) != LUA_OK) rc = call_uncaught(L);
  lua_remove(L, base);
  lode_drain(L);
  return rc;
}
/* }====================================================== */

void lode_push_status (lua_State *L, int status) {
  if (status >= 0) lua_pushnil(L);
  else lua_pushinteger(L, status);
}

int lode_fail (lua_State *L, int status) {
  lua_pushnil(L);
  lua_pushfstring(L, "%s: %s", uv_err_name(status), uv_strerror(status));
  lua_pushinteger(L, status);
  return 3;
}

/*
** {======================================================
** Handle boxes
** =======================================================
*/

/* Close callback of every box. Frees the uv memory; if the box is still
** alive, detaches it, releases its anchor and calls its close callback
** (user value 1) through lode_call. */
static void handle_on_close (uv_handle_t *h) {
  lode_handle *b = (lode_handle *)h->data;
  lua_State *L;
  free(h);
  if (b == NULL) return;
  L = b->ctx->L;
  b->h = NULL;
  lode_handle_push(L, b);                      /* keeps b alive below */
  lua_getiuservalue(L, -1, 1);
  lua_pushnil(L);
  lua_setiuservalue(L, -3, 1);
  lua_pushnil(L);
  lua_setiuservalue(L, -3, 2);
  if (b->pending > 0) luaL_unref(L, LUA_REGISTRYINDEX, b->anchor);
  b->pending = 0;
  if (lua_isfunction(L, -1)) lode_call(L, 0);
  else lua_pop(L, 1);
  lua_pop(L, 1);
}

lode_handle *lode_handle_new (lua_State *L, size_t size, size_t hsize,
                              const char *mt) {
  lode_ctx *ctx = lode_context(L);
  lode_handle *b = (lode_handle *)lua_newuserdatauv(L, size, 2);
  memset(b, 0, size);
  b->ctx = ctx;
  b->h = (uv_handle_t *)calloc(1, hsize);
  if (b->h == NULL) luaL_error(L, "not enough memory");
  b->h->data = b;
  luaL_setmetatable(L, mt);
  return b;
}

lode_handle *lode_handle_check (lua_State *L, int idx, const char *mt) {
  lode_handle *b = (lode_handle *)luaL_checkudata(L, idx, mt);
  if (b->h == NULL || b->closing) luaL_error(L, "%s: handle is closed", mt);
  return b;
}

void lode_handle_retain (lua_State *L, int idx, lode_handle *b) {
  if (b->pending++ > 0) return;
  lua_pushvalue(L, idx);
  b->anchor = luaL_ref(L, LUA_REGISTRYINDEX);
}

void lode_handle_release (lua_State *L, lode_handle *b) {
  if (b->pending > 0 && --b->pending == 0)
    luaL_unref(L, LUA_REGISTRYINDEX, b->anchor);
}

void lode_handle_push (lua_State *L, lode_handle *b) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, b->anchor);
}

void lode_handle_pushcb (lua_State *L, lode_handle *b, int slot) {
  lode_handle_push(L, b);
  lua_getiuservalue(L, -1, slot);
  lua_remove(L, -2);
}

/* box:close([cb]): idempotent in effect, but a second call raises, as
** luv does; the Lua layer keeps its own closed flag (rule 7). */
static int handle_close (lua_State *L) {
  lode_handle *b = (lode_handle *)lua_touserdata(L, 1);
  if (b == NULL || b->h == NULL || b->closing)
    return luaL_error(L, "handle is already closed");
  lua_settop(L, 2);
  lua_setiuservalue(L, 1, 1);
  b->closing = 1;
  lode_handle_retain(L, 1, b);
  uv_close(b->h, handle_on_close);
  return 0;
}

/* __gc and __close: C only, any time (rule 7). */
static int handle_gc (lua_State *L) {
  lode_handle *b = (lode_handle *)lua_touserdata(L, 1);
  if (b == NULL || b->h == NULL) return 0;
  b->h->data = NULL;                           /* close cb: just free */
  if (!b->closing) uv_close(b->h, handle_on_close);
  b->h = NULL;
  b->closing = 1;
  return 0;
}

static int handle_ref (lua_State *L) {
  lode_handle *b = (lode_handle *)lua_touserdata(L, 1);
  if (b && b->h && !b->closing) uv_ref(b->h);
  return 0;
}

static int handle_unref (lua_State *L) {
  lode_handle *b = (lode_handle *)lua_touserdata(L, 1);
  if (b && b->h && !b->closing) uv_unref(b->h);
  return 0;
}

static int handle_has_ref (lua_State *L) {
  lode_handle *b = (lode_handle *)lua_touserdata(L, 1);
  lua_pushboolean(L, b && b->h && !b->closing && uv_has_ref(b->h));
  return 1;
}

static int handle_is_active (lua_State *L) {
  lode_handle *b = (lode_handle *)lua_touserdata(L, 1);
  lua_pushboolean(L, b && b->h && !b->closing && uv_is_active(b->h));
  return 1;
}

static int handle_is_closed (lua_State *L) {
  lode_handle *b = (lode_handle *)lua_touserdata(L, 1);
  lua_pushboolean(L, b == NULL || b->h == NULL || b->closing);
  return 1;
}

void lode_handle_meta (lua_State *L, const char *mt, const luaL_Reg *extra) {
  static const luaL_Reg common[] = {
    {"close", handle_close}, {"ref", handle_ref}, {"unref", handle_unref},
    {"has_ref", handle_has_ref}, {"is_active", handle_is_active},
    {"is_closed", handle_is_closed}, {NULL, NULL}
  };
  if (!luaL_newmetatable(L, mt)) { lua_pop(L, 1); return; }
  lua_pushcfunction(L, handle_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, handle_gc);
  lua_setfield(L, -2, "__close");
  lua_newtable(L);
  luaL_setfuncs(L, common, 0);
  if (extra != NULL) luaL_setfuncs(L, extra, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}
/* }====================================================== */

/*
** {======================================================
** Request boxes
** =======================================================
*/
void *lode_req_new (lua_State *L, size_t size, int cb_idx, int pin_idx) {
  lode_ctx *ctx = lode_context(L);
  lode_req *r;
  if (cb_idx < 0) cb_idx = lua_absindex(L, cb_idx);
  if (pin_idx < 0) pin_idx = lua_absindex(L, pin_idx);
  r = (lode_req *)lua_newuserdatauv(L, size, 2);
  memset(r, 0, size);
  r->ctx = ctx;
  if (cb_idx != 0) {
    lua_pushvalue(L, cb_idx);
    lua_setiuservalue(L, -2, 1);
  }
  if (pin_idx != 0) {
    lua_pushvalue(L, pin_idx);
    lua_setiuservalue(L, -2, 2);
  }
  r->anchor = luaL_ref(L, LUA_REGISTRYINDEX);   /* pops the box */
  return r;
}

lua_State *lode_req_finish (lode_req *r) {
  lua_State *L = r->ctx->L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, r->anchor);
  lua_getiuservalue(L, -1, 1);
  lua_remove(L, -2);
  luaL_unref(L, LUA_REGISTRYINDEX, r->anchor);
  r->anchor = LUA_NOREF;
  return L;
}

void lode_req_cancel (lua_State *L, lode_req *r) {
  luaL_unref(L, LUA_REGISTRYINDEX, r->anchor);
  r->anchor = LUA_NOREF;
}
/* }====================================================== */
