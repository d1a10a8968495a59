/*
** lode.h: the C contract between the host (src/) and the bindings
** (bindings/). Everything a binding needs to live on the loop goes through
** here: the per-state context (loop + main thread), the single path that
** calls Lua from a libuv callback (lode_call), the status/fail-triple
** conventions (STYLE.md rule 5) and byte access for strings and Buffers.
*/
#ifndef LODE_H
#define LODE_H

#include <stddef.h>
#include <lua.h>
#include <lauxlib.h>
#include <uv.h>

#define LODE_VERSION "0.1.0"

/* One per Lua state: its loop and its main thread. Lives in the registry
** as a full userdata so the state owns it; freed at lua_close. */
typedef struct lode_ctx {
  uv_loop_t loop;
  lua_State *L;              /* the main thread: every callback runs here */
  uv_check_t check;          /* runs setImmediate callbacks */
  uv_idle_t idle;            /* keeps poll from blocking while they wait */
  int immediates;            /* check/idle initialised */
  int running;               /* inside uv_run: no nested loops */
} lode_ctx;

/* Returns the context of L's state, creating it (and the loop) on first
** use. Never NULL; raises only on memory errors. */
lode_ctx *lode_context (lua_State *L);
#define lode_loop(L) (&lode_context(L)->loop)

/*
** Calls the function at index -(nargs+1) of the main thread L with nargs
** arguments under a traceback handler, discarding results. An error is
** routed to the uncaught-error hook (process 'uncaughtException', or
** "Uncaught ..." and exit 1); then nextTicks and microtasks are drained.
** Never raises. Returns 0 on success, 1 if the call raised.
*/
int lode_call (lua_State *L, int nargs);

/* Runs only the drain (nextTicks, then microtasks). Never raises. */
void lode_drain (lua_State *L);

/* Registry slots for the Lua hooks that lode_call uses. The Lua side
** (lode.internal.loop) installs them through the binding 'core'. */
extern const char lode_key_uncaught, lode_key_drain;

/* Pushes nil for status >= 0, else the negative status (an integer):
** the first argument of every async binding callback (rule 5.3). */
void lode_push_status (lua_State *L, int status);

/* Pushes the fail-triple nil, "ENAME: message", status; returns 3. */
int lode_fail (lua_State *L, int status);

/* Byte access for anything that accepts data: a Lua string or a Buffer.
** The pointer is valid while the value at idx stays reachable. Raises a
** plain error for other types (the Lua layer validates first). */
const char *lode_checkbytes (lua_State *L, int idx, size_t *len);
/* Same, but returns NULL (and leaves *len alone) for other types. */
const char *lode_tobytes (lua_State *L, int idx, size_t *len);

/*
** Handle boxes (STYLE.md rules 7 and 8). A box is a userdata with two user
** values (1: close callback, 2: event callback); the uv handle is malloc'd
** apart and freed only in its close callback. The box is anchored in the
** registry while libuv may call back into it (pending > 0), so an idle
** open handle can be collected and closed by __gc.
*/
typedef struct lode_handle {
  uv_handle_t *h;            /* NULL once closed and detached */
  lode_ctx *ctx;
  int anchor;                /* registry ref while pending > 0 */
  int pending;               /* started, reading, closing, ... */
  int closing;
} lode_handle;

/* Creates a box of 'size' bytes (>= sizeof(lode_handle)) whose handle is
** 'hsize' bytes, sets metatable 'mt' (created with lode_handle_meta), and
** leaves it on the stack. The caller runs uv_*_init on b->h. */
lode_handle *lode_handle_new (lua_State *L, size_t size, size_t hsize,
                              const char *mt);
/* Checks arg idx is an open box of metatable 'mt' (raises if closed). */
lode_handle *lode_handle_check (lua_State *L, int idx, const char *mt);
void lode_handle_retain (lua_State *L, int idx, lode_handle *b);
void lode_handle_release (lua_State *L, lode_handle *b);
/* Pushes the box of b (valid while pending) and its user value 'slot'. */
void lode_handle_push (lua_State *L, lode_handle *b);
void lode_handle_pushcb (lua_State *L, lode_handle *b, int slot);
/* Registers the common methods (close, ref, unref, has_ref, is_active,
** __gc, __close, __index) plus 'extra' into metatable 'mt'. */
void lode_handle_meta (lua_State *L, const char *mt, const luaL_Reg *extra);

/*
** Request boxes (STYLE.md rule 8): one userdata per libuv request (write,
** connect, fs, getaddrinfo, work). User value 1 is the completion
** callback, user value 2 pins data libuv points into. Anchored in the
** registry from creation until lode_req_finish, exactly once.
*/
typedef struct lode_req {
  lode_ctx *ctx;
  int anchor;
} lode_req;

/* Creates a request box of 'size' bytes (>= sizeof(lode_req); the uv
** request struct follows the header in the caller's own struct), with
** the function at cb_idx as its callback (or nil when cb_idx is 0) and the
** value at pin_idx pinned (0: none). Leaves nothing on the stack. */
void *lode_req_new (lua_State *L, size_t size, int cb_idx, int pin_idx);
/* Pushes the request's callback and releases the box (unpins its data):
** after this the request memory may be collected once the stack drops
** it, so copy results out first. Returns the main thread to call on. */
lua_State *lode_req_finish (lode_req *r);
/* Submission failed: release the box at once (no callback will run). */
void lode_req_cancel (lua_State *L, lode_req *r);

/* Buffers (bindings/buffer.c). */
#define LODE_BUFFER_MT "lode.Buffer"
/* A new zero-filled Buffer of len bytes, pushed; returns its bytes. */
char *lode_buffer_new (lua_State *L, size_t len);
/* Pushes a Buffer that takes ownership of 'data' (malloc'd, len bytes
** used): no copy. 'data' is freed with free() by the last reference. */
void lode_buffer_adopt (lua_State *L, char *data, size_t len);
/* Returns the bytes of the Buffer at idx (and its length), or NULL. */
char *lode_tobuffer (lua_State *L, int idx, size_t *len);
/* Sharing allocShared memory with worker threads: share returns the
** block of the Buffer at idx with one more reference (NULL for a Buffer
** that is not shared: copy it instead) and its view in *off, *len;
** push_shared pushes a Buffer on it in any Lua state, taking that
** reference over; unshare drops a reference never pushed. */
void *lode_buffer_share (lua_State *L, int idx, size_t *off, size_t *len);
void lode_buffer_push_shared (lua_State *L, void *blk, size_t off,
                              size_t len);
void lode_buffer_unshare (void *blk);

#endif
