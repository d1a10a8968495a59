/*
** tty.c: lode.binding.tty, uv_tty_t stream boxes (bindings/stream.h) and
** the descriptor-level helpers process.stdin/stdout/stderr are built on
** (lua/lode/internal/stdio.lua).
**
**   tty.new(fd, readable) -> box | fail     libuv reopens the terminal, so
**                                           O_NONBLOCK on the new
**                                           descriptor touches no one else
**   box:set_mode(mode) -> true | fail       0 normal, 1 raw, 2 io
**   box:get_winsize() -> cols, rows | fail
**   tty.reset_mode()                        what set_mode changed
**   tty.guess(fd) -> "TTY" | "FILE" | "PIPE" | "UNIX" | "TCP" | "UDP" |
**                    "UNKNOWN" | "CLOSED"   (PIPE is a FIFO, UNIX an
**                                           AF_UNIX socket)
**   tty.write_sync(fd, data) -> bytes | fail  every byte written before it
**                                           returns, even on a
**                                           non-blocking descriptor (it
**                                           polls); no copy of data
**   tty.winsize(fd) -> cols, rows | fail    no handle needed
**   tty.dup(fd) -> newfd | fail             close-on-exec, >= 3
**   tty.keep_flags(fd)                      restores fd's file status
**                                           flags (O_NONBLOCK) at exit
**
** Writes to files, terminals and FIFOs are synchronous (API.md section 5,
** Node on Linux): stdio.lua calls write_sync, so output survives a kill
** and interleaves with print() and io.write in call order.
*/
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "stream.h"

#define MAX_KEPT 8

static int kept_fd[MAX_KEPT], kept_flags[MAX_KEPT], nkept = 0;

/* At exit: what stdin's pipe or terminal looked like before we read it. */
static void tty_at_exit (void) {
  int i;
  for (i = 0; i < nkept; i++) fcntl(kept_fd[i], F_SETFL, kept_flags[i]);
  uv_tty_reset_mode();
}

static uv_tty_t *tty_check (lua_State *L, int idx) {
  return (uv_tty_t *)lode_handle_check(L, idx, LODE_TTY_MT)->h;
}

/* tty.new(fd, readable) -> box | fail. */
static int tty_new (lua_State *L) {
  int fd = (int)luaL_checkinteger(L, 1), rc;
  lode_stream *st = lode_stream_new(L, sizeof(uv_tty_t), LODE_TTY_MT);
  rc = uv_tty_init(&st->b.ctx->loop, (uv_tty_t *)st->b.h, fd,
                   lua_toboolean(L, 2));
  if (rc < 0) {                        /* not initialised: just free */
    free(st->b.h);
    st->b.h = NULL;
    return lode_fail(L, rc);
  }
  return 1;
}

static int tty_set_mode (lua_State *L) {
  uv_tty_t *h = tty_check(L, 1);
  int rc = uv_tty_set_mode(h, (uv_tty_mode_t)luaL_checkinteger(L, 2));
  if (rc < 0) return lode_fail(L, rc);
  lua_pushboolean(L, 1);
  return 1;
}

static int tty_get_winsize (lua_State *L) {
  int w, h, rc = uv_tty_get_winsize(tty_check(L, 1), &w, &h);
  if (rc < 0) return lode_fail(L, rc);
  lua_pushinteger(L, w);
  lua_pushinteger(L, h);
  return 2;
}

static int tty_reset_mode (lua_State *L) {
  (void)L;
  uv_tty_reset_mode();
  return 0;
}

static int tty_guess (lua_State *L) {
  int fd = (int)luaL_checkinteger(L, 1);
  struct stat sb;
  const char *kind = "UNKNOWN";
  if (fstat(fd, &sb) < 0) kind = "CLOSED";
  else switch (uv_guess_handle(fd)) {
    case UV_TTY: kind = "TTY"; break;
    case UV_FILE: kind = "FILE"; break;
    case UV_NAMED_PIPE: kind = S_ISFIFO(sb.st_mode) ? "PIPE" : "UNIX"; break;
    case UV_TCP: kind = "TCP"; break;
    case UV_UDP: kind = "UDP"; break;
    default: break;
  }
  lua_pushstring(L, kind);
  return 1;
}

/* Blocks until fd can take more; 0 or a negative status. */
static int tty_wait_writable (int fd) {
  struct pollfd p;
  p.fd = fd;
  p.events = POLLOUT;
  while (poll(&p, 1, -1) < 0)
    if (errno != EINTR) return uv_translate_sys_error(errno);
  return 0;
}

/* tty.write_sync(fd, data) -> bytes | fail: writes all of data. */
static int tty_write_sync (lua_State *L) {
  int fd = (int)luaL_checkinteger(L, 1), rc;
  size_t len, done = 0;
  const char *p = lode_checkbytes(L, 2, &len);
  ssize_t n;
  while (done < len) {
    n = write(fd, p + done, len - done);
    if (n >= 0) {
      done += (size_t)n;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      rc = tty_wait_writable(fd);
      if (rc == 0) continue;
    } else {
      rc = uv_translate_sys_error(errno);
    }
    return lode_fail(L, rc);
  }
  lua_pushinteger(L, (lua_Integer)len);
  return 1;
}

static int tty_winsize (lua_State *L) {
  struct winsize ws;
  if (ioctl((int)luaL_checkinteger(L, 1), TIOCGWINSZ, &ws) < 0)
    return lode_fail(L, uv_translate_sys_error(errno));
  lua_pushinteger(L, ws.ws_col);
  lua_pushinteger(L, ws.ws_row);
  return 2;
}

static int tty_dup (lua_State *L) {
  int fd = fcntl((int)luaL_checkinteger(L, 1), F_DUPFD_CLOEXEC, 3);
  if (fd < 0) return lode_fail(L, uv_translate_sys_error(errno));
  lua_pushinteger(L, fd);
  return 1;
}

static int tty_keep_flags (lua_State *L) {
  static int registered = 0;
  int fd = (int)luaL_checkinteger(L, 1), flags = fcntl(fd, F_GETFL), i;
  if (flags < 0 || nkept == MAX_KEPT) return 0;
  for (i = 0; i < nkept; i++) if (kept_fd[i] == fd) return 0;
  kept_fd[nkept] = fd;
  kept_flags[nkept++] = flags;
  if (!registered) {
    registered = 1;
    atexit(tty_at_exit);
  }
  return 0;
}

static int tty_isatty (lua_State *L) {
  lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
  return 1;
}

int luaopen_lode_binding_tty (lua_State *L) {
  static const luaL_Reg methods[] = {
    {"set_mode", tty_set_mode}, {"get_winsize", tty_get_winsize},
    {NULL, NULL}
  };
  static const luaL_Reg funcs[] = {
    {"new", tty_new}, {"reset_mode", tty_reset_mode}, {"guess", tty_guess},
    {"write_sync", tty_write_sync}, {"winsize", tty_winsize},
    {"dup", tty_dup}, {"keep_flags", tty_keep_flags},
    {"isatty", tty_isatty}, {NULL, NULL}
  };
  lode_context(L);
  lode_stream_meta(L, LODE_TTY_MT, methods);
  luaL_newlib(L, funcs);
  return 1;
}
