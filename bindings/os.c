/*
** os.c: lode.binding.os, the operating-system facts behind lode.os and
** the process-wide state lode.process reads (cwd, pid, environment).
** Thin wrappers over libuv's misc API; policy and Node's shapes are in
** lua/lode/os.lua.
**
** Failures return the fail-triple nil, "ENAME: message", status (STYLE.md
** rule 5). libuv hands some results over in malloc'd memory (CPU info,
** interfaces, passwd, environ); those are held by a guard userdata whose
** __gc frees them, so a Lua error while the tables are built (memory)
** cannot leak them; on success the guard frees them at once.
*/
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "lode.h"

#define GUARD_MT "lode.os.guard"

/* What a guard holds; 'kind' says how to free it. */
enum { G_NONE, G_CPUS, G_IFACES, G_PASSWD, G_ENVIRON };

typedef struct guard {
  int kind;
  int count;
  void *p;
  uv_passwd_t pwd;
} guard;

/* Frees what the guard holds, once (the guard is then empty). */
static void guard_free (guard *g) {
  switch (g->kind) {
    case G_CPUS: uv_free_cpu_info((uv_cpu_info_t *)g->p, g->count); break;
    case G_IFACES:
      uv_free_interface_addresses((uv_interface_address_t *)g->p, g->count);
      break;
    case G_PASSWD: uv_os_free_passwd(&g->pwd); break;
    case G_ENVIRON:
      uv_os_free_environ((uv_env_item_t *)g->p, g->count);
      break;
    default: break;
  }
  g->kind = G_NONE;
}

/* __gc: frees what an error left in the guard. C only. */
static int guard_gc (lua_State *L) {
  guard_free((guard *)luaL_checkudata(L, 1, GUARD_MT));
  return 0;
}

/* Pushes an empty guard. Raises only before anything is held. */
static guard *guard_new (lua_State *L) {
  guard *g = (guard *)lua_newuserdatauv(L, sizeof(guard), 0);
  g->kind = G_NONE;
  g->count = 0;
  g->p = NULL;
  luaL_setmetatable(L, GUARD_MT);
  return g;
}

/* Sets field k of the table on top to the string v (nothing for NULL:
** a missing passwd shell stays nil). */
static void set_str (lua_State *L, const char *k, const char *v) {
  if (v == NULL) return;
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

/* Sets field k of the table on top to the integer v. */
static void set_int (lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

/*
** Calls a libuv "fill this buffer" function (cwd, homedir, tmpdir,
** getenv) and pushes the string. A result longer than the stack buffer
** (UV_ENOBUFS, which reports the size needed) is fetched again into a
** userdata, so nothing is malloc'd.
*/
typedef int (*fill_fn) (const char *name, char *buf, size_t *size);

static int push_filled (lua_State *L, fill_fn fn, const char *name) {
  char small[1024], *buf = small;
  size_t size = sizeof small;
  int rc = fn(name, buf, &size);
  if (rc == UV_ENOBUFS) {
    buf = (char *)lua_newuserdatauv(L, size + 1, 0);
    size += 1;
    rc = fn(name, buf, &size);
  }
  if (rc < 0) return lode_fail(L, rc);
  lua_pushlstring(L, buf, size);
  return 1;
}

static int fill_cwd (const char *n, char *b, size_t *s) {
  (void)n;
  return uv_cwd(b, s);
}
static int fill_home (const char *n, char *b, size_t *s) {
  (void)n;
  return uv_os_homedir(b, s);
}
static int fill_tmp (const char *n, char *b, size_t *s) {
  (void)n;
  return uv_os_tmpdir(b, s);
}
static int fill_env (const char *n, char *b, size_t *s) {
  return uv_os_getenv(n, b, s);
}

/* cwd(), homedir(), tmpdir() -> path | fail. homedir checks $HOME
** first, then the passwd entry (libuv's order, as Node). */
static int os_cwd (lua_State *L) { return push_filled(L, fill_cwd, NULL); }
static int os_homedir (lua_State *L) { return push_filled(L, fill_home, NULL); }
static int os_tmpdir (lua_State *L) { return push_filled(L, fill_tmp, NULL); }

/* getenv(name) -> value | nil (unset) | fail. */
static int os_getenv (lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  int n = push_filled(L, fill_env, name);
  if (n == 3 && lua_tointeger(L, -1) == UV_ENOENT) {
    lua_pushnil(L);
    return 1;
  }
  return n;
}

/* chdir(path) -> true | fail. Process-wide: every Lua state sees it. */
static int os_chdir (lua_State *L) {
  int rc = uv_chdir(luaL_checkstring(L, 1));
  if (rc < 0) return lode_fail(L, rc);
  lua_pushboolean(L, 1);
  return 1;
}

/* setenv(name, value), unsetenv(name) -> true | fail. They change the
** C environment, which os.getenv and child processes see. */
static int os_setenv (lua_State *L) {
  int rc = uv_os_setenv(luaL_checkstring(L, 1), luaL_checkstring(L, 2));
  if (rc < 0) return lode_fail(L, rc);
  lua_pushboolean(L, 1);
  return 1;
}

static int os_unsetenv (lua_State *L) {
  int rc = uv_os_unsetenv(luaL_checkstring(L, 1));
  if (rc < 0) return lode_fail(L, rc);
  lua_pushboolean(L, 1);
  return 1;
}

/* environ() -> { NAME = value, ... } | fail. */
static int os_environ (lua_State *L) {
  guard *g = guard_new(L);
  uv_env_item_t *items;
  int n, i, rc = uv_os_environ(&items, &n);
  if (rc < 0) return lode_fail(L, rc);
  g->p = items; g->count = n; g->kind = G_ENVIRON;
  lua_createtable(L, 0, n);
  for (i = 0; i < n; i++) set_str(L, items[i].name, items[i].value);
  guard_free(g);
  return 1;
}

/* exepath() -> the running executable's absolute path | fail. */
static int os_exepath (lua_State *L) {
  char buf[4096];
  size_t size = sizeof buf;
  int rc = uv_exepath(buf, &size);
  if (rc < 0) return lode_fail(L, rc);
  lua_pushlstring(L, buf, size);
  return 1;
}

/* getpid(), getppid() -> integers; they cannot fail. */
static int os_getpid (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)uv_os_getpid());
  return 1;
}

static int os_getppid (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)uv_os_getppid());
  return 1;
}

/* isatty(fd) -> whether fd is a terminal (false for bad numbers). */
static int os_isatty (lua_State *L) {
  lua_Integer fd = luaL_checkinteger(L, 1);
  lua_pushboolean(L, fd >= 0 && fd <= 65535 &&
    uv_guess_handle((uv_file)fd) == UV_TTY);
  return 1;
}

/* hostname() -> name | fail. */
static int os_hostname (lua_State *L) {
  char buf[UV_MAXHOSTNAMESIZE];
  size_t size = sizeof buf;
  int rc = uv_os_gethostname(buf, &size);
  if (rc < 0) return lode_fail(L, rc);
  lua_pushlstring(L, buf, size);
  return 1;
}

/* uname() -> { sysname, release, version, machine } | fail. */
static int os_uname (lua_State *L) {
  uv_utsname_t u;
  int rc = uv_os_uname(&u);
  if (rc < 0) return lode_fail(L, rc);
  lua_createtable(L, 0, 4);
  set_str(L, "sysname", u.sysname);
  set_str(L, "release", u.release);
  set_str(L, "version", u.version);
  set_str(L, "machine", u.machine);
  return 1;
}

/* totalmem(), freemem() -> bytes, as integers. */
static int os_totalmem (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)uv_get_total_memory());
  return 1;
}

static int os_freemem (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)uv_get_free_memory());
  return 1;
}

/* uptime() -> seconds (a float, as /proc/uptime has them) | fail. */
static int os_uptime (lua_State *L) {
  double up;
  int rc = uv_uptime(&up);
  if (rc < 0) return lode_fail(L, rc);
  lua_pushnumber(L, up);
  return 1;
}

/* loadavg() -> { 1, 5 and 15 minute averages } (zeros where the
** system has none). */
static int os_loadavg (lua_State *L) {
  double avg[3];
  int i;
  uv_loadavg(avg);
  lua_createtable(L, 3, 0);
  for (i = 0; i < 3; i++) {
    lua_pushnumber(L, avg[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* availableParallelism() -> CPUs this process may use (affinity aware),
** at least 1. */
static int os_parallelism (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)uv_available_parallelism());
  return 1;
}

/* cpus() -> { { model, speed, times = { user, nice, sys, idle, irq } } }
** | fail. Times are milliseconds, speed MHz, as Node reports them. */
static int os_cpus (lua_State *L) {
  guard *g = guard_new(L);
  uv_cpu_info_t *c;
  int n, i, rc = uv_cpu_info(&c, &n);
  if (rc < 0) return lode_fail(L, rc);
  g->p = c; g->count = n; g->kind = G_CPUS;
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 3);
    set_str(L, "model", c[i].model);
    set_int(L, "speed", c[i].speed);
    lua_createtable(L, 0, 5);
    set_int(L, "user", (lua_Integer)c[i].cpu_times.user);
    set_int(L, "nice", (lua_Integer)c[i].cpu_times.nice);
    set_int(L, "sys", (lua_Integer)c[i].cpu_times.sys);
    set_int(L, "idle", (lua_Integer)c[i].cpu_times.idle);
    set_int(L, "irq", (lua_Integer)c[i].cpu_times.irq);
    lua_setfield(L, -2, "times");
    lua_rawseti(L, -2, i + 1);
  }
  guard_free(g);
  return 1;
}

/* The prefix length of a netmask: its leading one bits. */
static int mask_bits (const unsigned char *m, int len) {
  int bits = 0, i;
  for (i = 0; i < len; i++) {
    unsigned char b = m[i];
    while (b & 0x80) { bits++; b = (unsigned char)(b << 1); }
    if (m[i] != 0xFF) break;
  }
  return bits;
}

/* One interface address as Node's entry (plus 'name'), pushed. */
static void push_iface (lua_State *L, const uv_interface_address_t *a) {
  char ip[64], mask[64], mac[18];
  int v6 = a->address.address4.sin_family == AF_INET6, bits;
  const unsigned char *m;
  if (v6) {
    uv_ip6_name(&a->address.address6, ip, sizeof ip);
    uv_ip6_name(&a->netmask.netmask6, mask, sizeof mask);
    m = (const unsigned char *)&a->netmask.netmask6.sin6_addr;
    bits = mask_bits(m, 16);
  } else {
    uv_ip4_name(&a->address.address4, ip, sizeof ip);
    uv_ip4_name(&a->netmask.netmask4, mask, sizeof mask);
    m = (const unsigned char *)&a->netmask.netmask4.sin_addr;
    bits = mask_bits(m, 4);
  }
  snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x",
    (unsigned char)a->phys_addr[0], (unsigned char)a->phys_addr[1],
    (unsigned char)a->phys_addr[2], (unsigned char)a->phys_addr[3],
    (unsigned char)a->phys_addr[4], (unsigned char)a->phys_addr[5]);
  lua_createtable(L, 0, 8);
  set_str(L, "name", a->name);
  set_str(L, "address", ip);
  set_str(L, "netmask", mask);
  set_str(L, "family", v6 ? "IPv6" : "IPv4");
  set_str(L, "mac", mac);
  lua_pushboolean(L, a->is_internal);
  lua_setfield(L, -2, "internal");
  lua_pushfstring(L, "%s/%d", ip, bits);
  lua_setfield(L, -2, "cidr");
  if (v6) set_int(L, "scopeid", (lua_Integer)a->address.address6.sin6_scope_id);
}

/* interfaces() -> sequence of entries (lode.os groups them) | fail. */
static int os_interfaces (lua_State *L) {
  guard *g = guard_new(L);
  uv_interface_address_t *a;
  int n, i, rc = uv_interface_addresses(&a, &n);
  if (rc < 0) return lode_fail(L, rc);
  g->p = a; g->count = n; g->kind = G_IFACES;
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) {
    push_iface(L, &a[i]);
    lua_rawseti(L, -2, i + 1);
  }
  guard_free(g);
  return 1;
}

/* userinfo() -> { uid, gid, username, homedir, shell } | fail. */
static int os_userinfo (lua_State *L) {
  guard *g = guard_new(L);
  int rc = uv_os_get_passwd(&g->pwd);
  if (rc < 0) return lode_fail(L, rc);
  g->kind = G_PASSWD;
  lua_createtable(L, 0, 5);
  set_int(L, "uid", (lua_Integer)g->pwd.uid);
  set_int(L, "gid", (lua_Integer)g->pwd.gid);
  set_str(L, "username", g->pwd.username);
  set_str(L, "homedir", g->pwd.homedir);
  set_str(L, "shell", g->pwd.shell);
  guard_free(g);
  return 1;
}

/* getPriority([pid]) -> niceness | fail; setPriority(pid, prio) -> true
** | fail. pid 0 is this process; lode.os validates the ranges. */
static int os_getpriority (lua_State *L) {
  int prio, rc = uv_os_getpriority((uv_pid_t)luaL_optinteger(L, 1, 0), &prio);
  if (rc < 0) return lode_fail(L, rc);
  lua_pushinteger(L, prio);
  return 1;
}

static int os_setpriority (lua_State *L) {
  int rc = uv_os_setpriority((uv_pid_t)luaL_checkinteger(L, 1),
    (int)luaL_checkinteger(L, 2));
  if (rc < 0) return lode_fail(L, rc);
  lua_pushboolean(L, 1);
  return 1;
}

/*
** {==================================================================
** Constants: Node's os.constants.signals and .errno (positive errno
** values, as Node has them), and what the binary was built for.
** ===================================================================
*/

typedef struct named { const char *name; int value; } named;
#define NAMED(x) { #x, x },

static const named sig_names[] = {
  NAMED(SIGHUP) NAMED(SIGINT) NAMED(SIGQUIT) NAMED(SIGILL) NAMED(SIGTRAP)
  NAMED(SIGABRT) NAMED(SIGBUS) NAMED(SIGFPE) NAMED(SIGKILL) NAMED(SIGUSR1)
  NAMED(SIGSEGV) NAMED(SIGUSR2) NAMED(SIGPIPE) NAMED(SIGALRM) NAMED(SIGTERM)
  NAMED(SIGCHLD) NAMED(SIGCONT) NAMED(SIGSTOP) NAMED(SIGTSTP) NAMED(SIGTTIN)
  NAMED(SIGTTOU) NAMED(SIGURG) NAMED(SIGXCPU) NAMED(SIGXFSZ)
  NAMED(SIGVTALRM) NAMED(SIGPROF) NAMED(SIGSYS)
#ifdef SIGIOT
  NAMED(SIGIOT)
#endif
#ifdef SIGSTKFLT
  NAMED(SIGSTKFLT)
#endif
#ifdef SIGWINCH
  NAMED(SIGWINCH)
#endif
#ifdef SIGIO
  NAMED(SIGIO)
#endif
#ifdef SIGPOLL
  NAMED(SIGPOLL)
#endif
#ifdef SIGPWR
  NAMED(SIGPWR)
#endif
#ifdef SIGINFO
  NAMED(SIGINFO)
#endif
#ifdef SIGLOST
  NAMED(SIGLOST)
#endif
  { NULL, 0 }
};

static const named errno_names[] = {
  NAMED(E2BIG) NAMED(EACCES) NAMED(EADDRINUSE) NAMED(EADDRNOTAVAIL)
  NAMED(EAFNOSUPPORT) NAMED(EAGAIN) NAMED(EALREADY) NAMED(EBADF)
  NAMED(EBADMSG) NAMED(EBUSY) NAMED(ECANCELED) NAMED(ECHILD)
  NAMED(ECONNABORTED) NAMED(ECONNREFUSED) NAMED(ECONNRESET) NAMED(EDEADLK)
  NAMED(EDESTADDRREQ) NAMED(EDOM) NAMED(EEXIST) NAMED(EFAULT) NAMED(EFBIG)
  NAMED(EHOSTUNREACH) NAMED(EIDRM) NAMED(EILSEQ) NAMED(EINPROGRESS)
  NAMED(EINTR) NAMED(EINVAL) NAMED(EIO) NAMED(EISCONN) NAMED(EISDIR)
  NAMED(ELOOP) NAMED(EMFILE) NAMED(EMLINK) NAMED(EMSGSIZE)
  NAMED(ENAMETOOLONG) NAMED(ENETDOWN) NAMED(ENETRESET) NAMED(ENETUNREACH)
  NAMED(ENFILE) NAMED(ENOBUFS) NAMED(ENODEV) NAMED(ENOENT) NAMED(ENOEXEC)
  NAMED(ENOLCK) NAMED(ENOMEM) NAMED(ENOMSG) NAMED(ENOPROTOOPT)
  NAMED(ENOSPC) NAMED(ENOSYS) NAMED(ENOTCONN) NAMED(ENOTDIR)
  NAMED(ENOTEMPTY) NAMED(ENOTSOCK) NAMED(ENOTSUP) NAMED(ENOTTY)
  NAMED(ENXIO) NAMED(EOPNOTSUPP) NAMED(EOVERFLOW) NAMED(EPERM) NAMED(EPIPE)
  NAMED(EPROTO) NAMED(EPROTONOSUPPORT) NAMED(EPROTOTYPE) NAMED(ERANGE)
  NAMED(EROFS) NAMED(ESPIPE) NAMED(ESRCH) NAMED(ETIMEDOUT) NAMED(ETXTBSY)
  NAMED(EWOULDBLOCK) NAMED(EXDEV)
#ifdef EDQUOT
  NAMED(EDQUOT)
#endif
#ifdef EMULTIHOP
  NAMED(EMULTIHOP)
#endif
#ifdef ENODATA
  NAMED(ENODATA)
#endif
#ifdef ENOLINK
  NAMED(ENOLINK)
#endif
#ifdef ENOSR
  NAMED(ENOSR)
#endif
#ifdef ENOSTR
  NAMED(ENOSTR)
#endif
#ifdef ESTALE
  NAMED(ESTALE)
#endif
#ifdef ETIME
  NAMED(ETIME)
#endif
  { NULL, 0 }
};

/* Pushes a table NAME = value for every entry of a constant list. */
static void push_named (lua_State *L, const named *list) {
  lua_newtable(L);
  for (; list->name != NULL; list++) set_int(L, list->name, list->value);
}

/* signals(), errnos() -> fresh tables (the caller may modify them). */
static int os_signals (lua_State *L) {
  push_named(L, sig_names);
  return 1;
}

static int os_errnos (lua_State *L) {
  push_named(L, errno_names);
  return 1;
}

/* process.arch and process.platform are what the binary was compiled
** for, as in Node (not what uname says). */
#if defined(__x86_64__) || defined(_M_X64)
#define OS_ARCH "x64"
#elif defined(__aarch64__)
#define OS_ARCH "arm64"
#elif defined(__i386__)
#define OS_ARCH "ia32"
#elif defined(__arm__)
#define OS_ARCH "arm"
#elif defined(__powerpc64__)
#define OS_ARCH "ppc64"
#elif defined(__s390x__)
#define OS_ARCH "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define OS_ARCH "riscv64"
#elif defined(__loongarch64)
#define OS_ARCH "loong64"
#elif defined(__mips__)
#define OS_ARCH "mips"
#else
#define OS_ARCH "unknown"
#endif

#if defined(__linux__)
#define OS_PLATFORM "linux"
#elif defined(__APPLE__)
#define OS_PLATFORM "darwin"
#elif defined(__FreeBSD__)
#define OS_PLATFORM "freebsd"
#elif defined(__OpenBSD__)
#define OS_PLATFORM "openbsd"
#elif defined(__NetBSD__)
#define OS_PLATFORM "netbsd"
#elif defined(__sun)
#define OS_PLATFORM "sunos"
#elif defined(_AIX)
#define OS_PLATFORM "aix"
#elif defined(_WIN32)
#define OS_PLATFORM "win32"
#else
#define OS_PLATFORM "unknown"
#endif

/* }================================================================== */

/* The module: functions above plus the build's arch, platform and
** endianness as strings. The guard metatable is created once per state. */
int luaopen_lode_binding_os (lua_State *L) {
  static const luaL_Reg fns[] = {
    {"cwd", os_cwd}, {"chdir", os_chdir}, {"homedir", os_homedir},
    {"tmpdir", os_tmpdir}, {"getenv", os_getenv}, {"setenv", os_setenv},
    {"unsetenv", os_unsetenv}, {"environ", os_environ},
    {"exepath", os_exepath}, {"getpid", os_getpid}, {"getppid", os_getppid},
    {"isatty", os_isatty}, {"hostname", os_hostname}, {"uname", os_uname},
    {"totalmem", os_totalmem}, {"freemem", os_freemem},
    {"uptime", os_uptime}, {"loadavg", os_loadavg},
    {"availableParallelism", os_parallelism}, {"cpus", os_cpus},
    {"interfaces", os_interfaces}, {"userInfo", os_userinfo},
    {"getPriority", os_getpriority}, {"setPriority", os_setpriority},
    {"signals", os_signals}, {"errnos", os_errnos},
    {NULL, NULL}
  };
  static const union { int i; char c; } probe = { 1 };
  if (luaL_newmetatable(L, GUARD_MT)) {
    lua_pushcfunction(L, guard_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_newlib(L, fns);
  set_str(L, "arch", OS_ARCH);
  set_str(L, "platform", OS_PLATFORM);
  set_str(L, "endianness", probe.c ? "LE" : "BE");
  return 1;
}
