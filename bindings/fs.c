/*
** fs.c: lode.binding.fs, one function per uv_fs_* operation. Every
** function takes its fixed arguments, then an optional callback: without
** one it runs synchronously (uv_fs_* with a NULL cb) and returns its
** results, or the fail-triple (STYLE.md rule 5.2); with one it runs on
** libuv's thread pool, returns true (or the fail-triple when submission
** failed, and then the callback never runs), and the callback later gets
** (status_or_nil, results...) through lode_call (rule 5.3). The same code
** pushes the results in both modes. Flags, modes, Stats objects and
** SystemErrors are policy and live in lua/lode/fs.lua.
**
** Ownership: an async call is a request box (lode_req_new) anchored until
** its completion; data libuv points into (write's bytes, read's target
** Buffer) is pinned in the box's user value 2. Paths need no pin: libuv
** copies them for async requests and a sync call ends before the Lua
** string can go away. Reads into fresh memory malloc it and hand it to a
** Buffer (lode_buffer_adopt) without a copy (rule 12).
*/
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lode.h"

typedef struct fs_req {
  lode_req r;                /* request box header: must come first */
  uv_fs_t fs;
  char *own;                 /* read: malloc'd bytes for a new Buffer */
  size_t ownlen;             /* ... and their size */
  int async;                 /* a box with a callback, else on the stack */
} fs_req;

#define FS_REQ(p) ((fs_req *)((char *)(p) - offsetof(fs_req, fs)))
#define FS_LOOP(q) (&(q)->r.ctx->loop)
#define FS_CB(q) ((q)->async ? fs_on_done : NULL)

static void fs_on_done (uv_fs_t *req);

/*
** {======================================================
** Results
** =======================================================
*/

static void stat_setint (lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

static void stat_settime (lua_State *L, const char *k, uv_timespec_t t) {
  lua_pushnumber(L, (lua_Number)t.tv_sec * 1e3 + (lua_Number)t.tv_nsec / 1e6);
  lua_setfield(L, -2, k);
}

/* Pushes a plain table with the fields of Node's Stats (the Lua layer
** gives it its metatable). Times are float milliseconds. */
static void stat_push (lua_State *L, const uv_stat_t *s) {
  lua_createtable(L, 0, 14);
  stat_setint(L, "dev", (lua_Integer)s->st_dev);
  stat_setint(L, "mode", (lua_Integer)s->st_mode);
  stat_setint(L, "nlink", (lua_Integer)s->st_nlink);
  stat_setint(L, "uid", (lua_Integer)s->st_uid);
  stat_setint(L, "gid", (lua_Integer)s->st_gid);
  stat_setint(L, "rdev", (lua_Integer)s->st_rdev);
  stat_setint(L, "blksize", (lua_Integer)s->st_blksize);
  stat_setint(L, "ino", (lua_Integer)s->st_ino);
  stat_setint(L, "size", (lua_Integer)s->st_size);
  stat_setint(L, "blocks", (lua_Integer)s->st_blocks);
  stat_settime(L, "atimeMs", s->st_atim);
  stat_settime(L, "mtimeMs", s->st_mtim);
  stat_settime(L, "ctimeMs", s->st_ctim);
  stat_settime(L, "birthtimeMs", s->st_birthtim);
}

/* Pushes two sequences: the entry names and their UV_DIRENT_* types. */
static int scandir_push (lua_State *L, uv_fs_t *req) {
  uv_dirent_t d;
  lua_Integer i = 0;
  lua_newtable(L);
  lua_newtable(L);
  while (uv_fs_scandir_next(req, &d) != UV_EOF) {
    ++i;
    lua_pushstring(L, d.name);
    lua_rawseti(L, -3, i);
    lua_pushinteger(L, (lua_Integer)d.type);
    lua_rawseti(L, -2, i);
  }
  return 2;
}

/* Pushes the bytes a read into fresh memory got, as a Buffer that takes
** q->own over (trimmed to the bytes read). */
static int read_push (lua_State *L, fs_req *q) {
  size_t n = (size_t)q->fs.result;
  char *p = q->own;
  q->own = NULL;
  if (n == 0) {
    free(p);
    lode_buffer_new(L, 0);
    return 1;
  }
  if (n < q->ownlen) {                          /* give back the slack */
    char *t = (char *)realloc(p, n);
    if (t != NULL) p = t;
  }
  lode_buffer_adopt(L, p, n);
  return 1;
}

/* Pushes the results of a successful request; returns how many. */
static int fs_push (lua_State *L, fs_req *q) {
  uv_fs_t *req = &q->fs;
  switch (req->fs_type) {
    case UV_FS_OPEN: case UV_FS_WRITE:
      lua_pushinteger(L, (lua_Integer)req->result);
      return 1;
    case UV_FS_READ:
      if (q->own != NULL) return read_push(L, q);
      lua_pushinteger(L, (lua_Integer)req->result);
      return 1;
    case UV_FS_STAT: case UV_FS_LSTAT: case UV_FS_FSTAT:
      stat_push(L, &req->statbuf);
      return 1;
    case UV_FS_SCANDIR:
      return scandir_push(L, req);
    case UV_FS_MKDTEMP:
      lua_pushstring(L, req->path);
      return 1;
    case UV_FS_READLINK: case UV_FS_REALPATH:
      lua_pushstring(L, (const char *)req->ptr);
      return 1;
    default:
      return 0;
  }
}

/* Frees what a failed request owns. */
static void fs_discard (fs_req *q) {
  free(q->own);
  q->own = NULL;
  uv_fs_req_cleanup(&q->fs);
}

/*
** Completion of every async request. The box is pushed first so it stays
** alive while its results are built; lode_req_finish releases its anchor
** and pushes the callback, which gets (status_or_nil, results...). Calls
** Lua (lode_call), after which q is not touched.
*/
static void fs_on_done (uv_fs_t *req) {
  fs_req *q = FS_REQ(req);
  lua_State *L = q->r.ctx->L;
  int n = 1;
  lua_rawgeti(L, LUA_REGISTRYINDEX, q->r.anchor);   /* keeps q alive */
  lode_req_finish(&q->r);
  if (req->result < 0) {
    lode_push_status(L, (int)req->result);
    fs_discard(q);
  } else {
    lua_pushnil(L);
    n += fs_push(L, q);
    uv_fs_req_cleanup(req);
  }
  lode_call(L, n);
  lua_pop(L, 1);                                   /* the box */
}
/* }====================================================== */

/*
** {======================================================
** Calls: fs_begin picks the mode, fs_end finishes it
** =======================================================
*/

/* Raises unless argument 'cb' is a function or absent. */
static void fs_checkcb (lua_State *L, int cb) {
  if (lua_type(L, cb) != LUA_TFUNCTION && !lua_isnoneornil(L, cb))
    luaL_typeerror(L, cb, "function");
}

/* uv_buf_init takes an unsigned int; a Buffer may be longer. */
static uv_buf_t fs_buf (char *base, size_t len) {
  uv_buf_t b;
  b.base = base;
  b.len = len;
  return b;
}

/* Prepares a call whose optional callback is argument 'cb': a request
** box anchored until completion (pinning argument 'pin', 0 for none) when
** it is a function, else 'tmp' for a synchronous call. Raises only before
** anything is allocated, so callers check their arguments first. */
static fs_req *fs_begin (lua_State *L, fs_req *tmp, int cb, int pin) {
  fs_req *q;
  fs_checkcb(L, cb);
  if (lua_type(L, cb) != LUA_TFUNCTION) {
    memset(tmp, 0, sizeof *tmp);
    tmp->r.ctx = lode_context(L);
    tmp->r.anchor = LUA_NOREF;
    return tmp;
  }
  q = (fs_req *)lode_req_new(L, sizeof(fs_req), cb, pin);
  q->async = 1;
  return q;
}

/* Finishes a call given the uv_fs_* return code. Sync: the results (true
** when there are none) or the fail-triple. Async: true, or, when
** submission failed, releases the box at once and returns the
** fail-triple. */
static int fs_end (lua_State *L, fs_req *q, int rc) {
  int n;
  if (rc < 0) {
    fs_discard(q);
    if (q->async) lode_req_cancel(L, &q->r);
    return lode_fail(L, rc);
  }
  if (q->async) {
    lua_pushboolean(L, 1);
    return 1;
  }
  n = fs_push(L, q);
  uv_fs_req_cleanup(&q->fs);
  if (n == 0) {
    lua_pushboolean(L, 1);
    n = 1;
  }
  return n;
}

static uv_file fs_checkfd (lua_State *L, int idx) {
  lua_Integer fd = luaL_checkinteger(L, idx);
  luaL_argcheck(L, fd >= 0 && fd <= INT32_MAX, idx, "invalid fd");
  return (uv_file)fd;
}

static int fs_checkint (lua_State *L, int idx) {
  lua_Integer v = luaL_checkinteger(L, idx);
  luaL_argcheck(L, v >= INT32_MIN && v <= (lua_Integer)UINT32_MAX, idx,
                "out of range");
  return (int)v;
}

/* Checks that [off, off + len) lies within 'size' bytes (arguments
** 'ioff' and 'ilen'). */
static void fs_checkrange (lua_State *L, size_t size, int ioff, int ilen,
                           size_t *off, size_t *len) {
  lua_Integer o = luaL_checkinteger(L, ioff), n = luaL_checkinteger(L, ilen);
  luaL_argcheck(L, o >= 0 && (size_t)o <= size, ioff, "offset out of range");
  luaL_argcheck(L, n >= 0 && (size_t)n <= size - (size_t)o, ilen,
                "length out of range");
  *off = (size_t)o;
  *len = (size_t)n;
}
/* }====================================================== */

/*
** {======================================================
** Operations on descriptors
** =======================================================
*/

/* open(path, flags, mode[, cb]) -> fd */
static int fs_open (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int flags = fs_checkint(L, 2), mode = fs_checkint(L, 3);
  fs_req tmp, *q = fs_begin(L, &tmp, 4, 0);
  return fs_end(L, q, uv_fs_open(FS_LOOP(q), &q->fs, path, flags, mode,
                                 FS_CB(q)));
}

/* close(fd[, cb]) */
static int fs_close (lua_State *L) {
  uv_file fd = fs_checkfd(L, 1);
  fs_req tmp, *q = fs_begin(L, &tmp, 2, 0);
  return fs_end(L, q, uv_fs_close(FS_LOOP(q), &q->fs, fd, FS_CB(q)));
}

/*
** read(fd, target, offset, length, position[, cb]). With a Buffer as
** target, reads into target[offset, offset + length) (pinned while the
** read runs) and gives the count; with nil, reads up to 'length' bytes
** into fresh memory and gives a Buffer of what was read. position -1:
** the file's current position.
*/
static int fs_read (lua_State *L) {
  uv_file fd = fs_checkfd(L, 1);
  int64_t pos = (int64_t)luaL_checkinteger(L, 5);
  size_t size, off, len;
  char *base = lode_tobuffer(L, 2, &size), *own = NULL;
  fs_req tmp, *q;
  uv_buf_t buf;
  fs_checkcb(L, 6);
  if (base == NULL) {
    lua_Integer n = luaL_checkinteger(L, 4);
    luaL_argexpected(L, lua_isnil(L, 2), 2, "Buffer or nil");
    luaL_argcheck(L, n >= 0 && n <= INT32_MAX, 4, "length out of range");
    off = 0;
    len = (size_t)n;
    if ((own = (char *)malloc(len > 0 ? len : 1)) == NULL)
      return luaL_error(L, "not enough memory");
    base = own;
  } else {
    fs_checkrange(L, size, 3, 4, &off, &len);
  }
  q = fs_begin(L, &tmp, 6, own != NULL ? 0 : 2);
  q->own = own;
  q->ownlen = len;
  buf = fs_buf(base + off, len);
  return fs_end(L, q, uv_fs_read(FS_LOOP(q), &q->fs, fd, &buf, 1, pos,
                                 FS_CB(q)));
}

/* write(fd, data, offset, length, position[, cb]) -> bytes written.
** data (a string or a Buffer) is pinned until the write completes. */
static int fs_write (lua_State *L) {
  uv_file fd = fs_checkfd(L, 1);
  size_t size, off, len;
  const char *p = lode_checkbytes(L, 2, &size);
  int64_t pos = (int64_t)luaL_checkinteger(L, 5);
  fs_req tmp, *q;
  uv_buf_t buf;
  fs_checkrange(L, size, 3, 4, &off, &len);
  q = fs_begin(L, &tmp, 6, 2);
  buf = fs_buf((char *)p + off, len);
  return fs_end(L, q, uv_fs_write(FS_LOOP(q), &q->fs, fd, &buf, 1, pos,
                                  FS_CB(q)));
}

/* writev(fd, chunks, position[, cb]) -> bytes written. 'chunks' is a
** sequence of strings/Buffers; a copy of it (which the caller cannot
** change) pins them. libuv copies the uv_buf_t array, so ours lives only
** for the call. */
static int fs_writev (lua_State *L) {
  uv_file fd = fs_checkfd(L, 1);
  int64_t pos = (int64_t)luaL_checkinteger(L, 3);
  lua_Integer i, n;
  uv_buf_t small[16], *bufs = small;
  fs_req tmp, *q;
  int rc;
  luaL_checktype(L, 2, LUA_TTABLE);
  fs_checkcb(L, 4);
  lua_settop(L, 4);
  n = luaL_len(L, 2);
  luaL_argcheck(L, n > 0 && n <= INT32_MAX / 16, 2, "no chunks");
  lua_createtable(L, (int)n, 0);                 /* 5: the pinned copy */
  if (n > 16) bufs = (uv_buf_t *)lua_newuserdatauv(L, sizeof *bufs * n, 0);
  for (i = 0; i < n; i++) {
    size_t len;
    const char *p;
    lua_rawgeti(L, 2, i + 1);
    p = lode_checkbytes(L, -1, &len);
    bufs[i] = fs_buf((char *)p, len);
    lua_rawseti(L, 5, i + 1);
  }
  q = fs_begin(L, &tmp, 4, 5);
  rc = uv_fs_write(FS_LOOP(q), &q->fs, fd, bufs, (unsigned int)n, pos,
                   FS_CB(q));
  return fs_end(L, q, rc);
}

/* fsync(fd[, cb]), fdatasync(fd[, cb]) */
static int fs_fsync (lua_State *L) {
  uv_file fd = fs_checkfd(L, 1);
  fs_req tmp, *q = fs_begin(L, &tmp, 2, 0);
  return fs_end(L, q, uv_fs_fsync(FS_LOOP(q), &q->fs, fd, FS_CB(q)));
}

static int fs_fdatasync (lua_State *L) {
  uv_file fd = fs_checkfd(L, 1);
  fs_req tmp, *q = fs_begin(L, &tmp, 2, 0);
  return fs_end(L, q, uv_fs_fdatasync(FS_LOOP(q), &q->fs, fd, FS_CB(q)));
}

/* ftruncate(fd, len[, cb]) */
static int fs_ftruncate (lua_State *L) {
  uv_file fd = fs_checkfd(L, 1);
  int64_t len = (int64_t)luaL_checkinteger(L, 2);
  fs_req tmp, *q = fs_begin(L, &tmp, 3, 0);
  return fs_end(L, q, uv_fs_ftruncate(FS_LOOP(q), &q->fs, fd, len,
                                      FS_CB(q)));
}

/* fstat(fd[, cb]) -> stats table */
static int fs_fstat (lua_State *L) {
  uv_file fd = fs_checkfd(L, 1);
  fs_req tmp, *q = fs_begin(L, &tmp, 2, 0);
  return fs_end(L, q, uv_fs_fstat(FS_LOOP(q), &q->fs, fd, FS_CB(q)));
}

/* fchmod(fd, mode[, cb]) */
static int fs_fchmod (lua_State *L) {
  uv_file fd = fs_checkfd(L, 1);
  int mode = fs_checkint(L, 2);
  fs_req tmp, *q = fs_begin(L, &tmp, 3, 0);
  return fs_end(L, q, uv_fs_fchmod(FS_LOOP(q), &q->fs, fd, mode, FS_CB(q)));
}

/* futime(fd, atime, mtime[, cb]): times in seconds (floats) */
static int fs_futime (lua_State *L) {
  uv_file fd = fs_checkfd(L, 1);
  double at = luaL_checknumber(L, 2), mt = luaL_checknumber(L, 3);
  fs_req tmp, *q = fs_begin(L, &tmp, 4, 0);
  return fs_end(L, q, uv_fs_futime(FS_LOOP(q), &q->fs, fd, at, mt,
                                   FS_CB(q)));
}

/* fchown(fd, uid, gid[, cb]) */
static int fs_fchown (lua_State *L) {
  uv_file fd = fs_checkfd(L, 1);
  uv_uid_t uid = (uv_uid_t)fs_checkint(L, 2);
  uv_gid_t gid = (uv_gid_t)fs_checkint(L, 3);
  fs_req tmp, *q = fs_begin(L, &tmp, 4, 0);
  return fs_end(L, q, uv_fs_fchown(FS_LOOP(q), &q->fs, fd, uid, gid,
                                   FS_CB(q)));
}
/* }====================================================== */

/*
** {======================================================
** Operations on paths
** =======================================================
*/

/* stat(path[, cb]), lstat(path[, cb]) -> stats table */
static int fs_stat (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  fs_req tmp, *q = fs_begin(L, &tmp, 2, 0);
  return fs_end(L, q, uv_fs_stat(FS_LOOP(q), &q->fs, path, FS_CB(q)));
}

static int fs_lstat (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  fs_req tmp, *q = fs_begin(L, &tmp, 2, 0);
  return fs_end(L, q, uv_fs_lstat(FS_LOOP(q), &q->fs, path, FS_CB(q)));
}

/* scandir(path[, cb]) -> names, types (sorted by name) */
static int fs_scandir (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  fs_req tmp, *q = fs_begin(L, &tmp, 2, 0);
  return fs_end(L, q, uv_fs_scandir(FS_LOOP(q), &q->fs, path, 0, FS_CB(q)));
}

/* mkdir(path, mode[, cb]) */
static int fs_mkdir (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int mode = fs_checkint(L, 2);
  fs_req tmp, *q = fs_begin(L, &tmp, 3, 0);
  return fs_end(L, q, uv_fs_mkdir(FS_LOOP(q), &q->fs, path, mode,
                                  FS_CB(q)));
}

/* mkdtemp(template[, cb]) -> path; template ends in XXXXXX */
static int fs_mkdtemp (lua_State *L) {
  const char *tpl = luaL_checkstring(L, 1);
  fs_req tmp, *q = fs_begin(L, &tmp, 2, 0);
  return fs_end(L, q, uv_fs_mkdtemp(FS_LOOP(q), &q->fs, tpl, FS_CB(q)));
}

/* rmdir(path[, cb]), unlink(path[, cb]) */
static int fs_rmdir (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  fs_req tmp, *q = fs_begin(L, &tmp, 2, 0);
  return fs_end(L, q, uv_fs_rmdir(FS_LOOP(q), &q->fs, path, FS_CB(q)));
}

static int fs_unlink (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  fs_req tmp, *q = fs_begin(L, &tmp, 2, 0);
  return fs_end(L, q, uv_fs_unlink(FS_LOOP(q), &q->fs, path, FS_CB(q)));
}

/* rename(from, to[, cb]), link(from, to[, cb]) */
static int fs_rename (lua_State *L) {
  const char *from = luaL_checkstring(L, 1), *to = luaL_checkstring(L, 2);
  fs_req tmp, *q = fs_begin(L, &tmp, 3, 0);
  return fs_end(L, q, uv_fs_rename(FS_LOOP(q), &q->fs, from, to, FS_CB(q)));
}

static int fs_link (lua_State *L) {
  const char *from = luaL_checkstring(L, 1), *to = luaL_checkstring(L, 2);
  fs_req tmp, *q = fs_begin(L, &tmp, 3, 0);
  return fs_end(L, q, uv_fs_link(FS_LOOP(q), &q->fs, from, to, FS_CB(q)));
}

/* copyfile(from, to, flags[, cb]): flags are COPYFILE_* */
static int fs_copyfile (lua_State *L) {
  const char *from = luaL_checkstring(L, 1), *to = luaL_checkstring(L, 2);
  int flags = fs_checkint(L, 3);
  fs_req tmp, *q = fs_begin(L, &tmp, 4, 0);
  return fs_end(L, q, uv_fs_copyfile(FS_LOOP(q), &q->fs, from, to, flags,
                                     FS_CB(q)));
}

/* symlink(target, path, flags[, cb]) */
static int fs_symlink (lua_State *L) {
  const char *target = luaL_checkstring(L, 1);
  const char *path = luaL_checkstring(L, 2);
  int flags = fs_checkint(L, 3);
  fs_req tmp, *q = fs_begin(L, &tmp, 4, 0);
  return fs_end(L, q, uv_fs_symlink(FS_LOOP(q), &q->fs, target, path, flags,
                                    FS_CB(q)));
}

/* access(path, mode[, cb]) */
static int fs_access (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int mode = fs_checkint(L, 2);
  fs_req tmp, *q = fs_begin(L, &tmp, 3, 0);
  return fs_end(L, q, uv_fs_access(FS_LOOP(q), &q->fs, path, mode,
                                   FS_CB(q)));
}

/* realpath(path[, cb]), readlink(path[, cb]) -> path */
static int fs_realpath (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  fs_req tmp, *q = fs_begin(L, &tmp, 2, 0);
  return fs_end(L, q, uv_fs_realpath(FS_LOOP(q), &q->fs, path, FS_CB(q)));
}

static int fs_readlink (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  fs_req tmp, *q = fs_begin(L, &tmp, 2, 0);
  return fs_end(L, q, uv_fs_readlink(FS_LOOP(q), &q->fs, path, FS_CB(q)));
}

/* chmod(path, mode[, cb]) */
static int fs_chmod (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int mode = fs_checkint(L, 2);
  fs_req tmp, *q = fs_begin(L, &tmp, 3, 0);
  return fs_end(L, q, uv_fs_chmod(FS_LOOP(q), &q->fs, path, mode,
                                  FS_CB(q)));
}

/* utime(path, atime, mtime[, cb]), lutime(...): seconds (floats) */
static int fs_utime (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  double at = luaL_checknumber(L, 2), mt = luaL_checknumber(L, 3);
  fs_req tmp, *q = fs_begin(L, &tmp, 4, 0);
  return fs_end(L, q, uv_fs_utime(FS_LOOP(q), &q->fs, path, at, mt,
                                  FS_CB(q)));
}

static int fs_lutime (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  double at = luaL_checknumber(L, 2), mt = luaL_checknumber(L, 3);
  fs_req tmp, *q = fs_begin(L, &tmp, 4, 0);
  return fs_end(L, q, uv_fs_lutime(FS_LOOP(q), &q->fs, path, at, mt,
                                   FS_CB(q)));
}

/* chown(path, uid, gid[, cb]), lchown(...) */
static int fs_chown (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  uv_uid_t uid = (uv_uid_t)fs_checkint(L, 2);
  uv_gid_t gid = (uv_gid_t)fs_checkint(L, 3);
  fs_req tmp, *q = fs_begin(L, &tmp, 4, 0);
  return fs_end(L, q, uv_fs_chown(FS_LOOP(q), &q->fs, path, uid, gid,
                                  FS_CB(q)));
}

static int fs_lchown (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  uv_uid_t uid = (uv_uid_t)fs_checkint(L, 2);
  uv_gid_t gid = (uv_gid_t)fs_checkint(L, 3);
  fs_req tmp, *q = fs_begin(L, &tmp, 4, 0);
  return fs_end(L, q, uv_fs_lchown(FS_LOOP(q), &q->fs, path, uid, gid,
                                   FS_CB(q)));
}
/* }====================================================== */

/* fs.constants as Node has them on this platform. */
static void fs_constants (lua_State *L) {
  static const struct { const char *name; lua_Integer v; } k[] = {
    {"UV_FS_SYMLINK_DIR", UV_FS_SYMLINK_DIR},
    {"UV_FS_SYMLINK_JUNCTION", UV_FS_SYMLINK_JUNCTION},
    {"O_RDONLY", O_RDONLY}, {"O_WRONLY", O_WRONLY}, {"O_RDWR", O_RDWR},
    {"UV_DIRENT_UNKNOWN", UV_DIRENT_UNKNOWN},
    {"UV_DIRENT_FILE", UV_DIRENT_FILE}, {"UV_DIRENT_DIR", UV_DIRENT_DIR},
    {"UV_DIRENT_LINK", UV_DIRENT_LINK}, {"UV_DIRENT_FIFO", UV_DIRENT_FIFO},
    {"UV_DIRENT_SOCKET", UV_DIRENT_SOCKET},
    {"UV_DIRENT_CHAR", UV_DIRENT_CHAR}, {"UV_DIRENT_BLOCK", UV_DIRENT_BLOCK},
    {"S_IFMT", S_IFMT}, {"S_IFREG", S_IFREG}, {"S_IFDIR", S_IFDIR},
    {"S_IFCHR", S_IFCHR}, {"S_IFBLK", S_IFBLK}, {"S_IFIFO", S_IFIFO},
    {"S_IFLNK", S_IFLNK}, {"S_IFSOCK", S_IFSOCK},
    {"O_CREAT", O_CREAT}, {"O_EXCL", O_EXCL}, {"UV_FS_O_FILEMAP", 0},
    {"O_NOCTTY", O_NOCTTY}, {"O_TRUNC", O_TRUNC}, {"O_APPEND", O_APPEND},
    {"O_DIRECTORY", O_DIRECTORY}, {"O_NOATIME", O_NOATIME},
    {"O_NOFOLLOW", O_NOFOLLOW}, {"O_SYNC", O_SYNC}, {"O_DSYNC", O_DSYNC},
    {"O_DIRECT", O_DIRECT}, {"O_NONBLOCK", O_NONBLOCK},
    {"S_IRWXU", S_IRWXU}, {"S_IRUSR", S_IRUSR}, {"S_IWUSR", S_IWUSR},
    {"S_IXUSR", S_IXUSR}, {"S_IRWXG", S_IRWXG}, {"S_IRGRP", S_IRGRP},
    {"S_IWGRP", S_IWGRP}, {"S_IXGRP", S_IXGRP}, {"S_IRWXO", S_IRWXO},
    {"S_IROTH", S_IROTH}, {"S_IWOTH", S_IWOTH}, {"S_IXOTH", S_IXOTH},
    {"F_OK", F_OK}, {"R_OK", R_OK}, {"W_OK", W_OK}, {"X_OK", X_OK},
    {"UV_FS_COPYFILE_EXCL", UV_FS_COPYFILE_EXCL},
    {"COPYFILE_EXCL", UV_FS_COPYFILE_EXCL},
    {"UV_FS_COPYFILE_FICLONE", UV_FS_COPYFILE_FICLONE},
    {"COPYFILE_FICLONE", UV_FS_COPYFILE_FICLONE},
    {"UV_FS_COPYFILE_FICLONE_FORCE", UV_FS_COPYFILE_FICLONE_FORCE},
    {"COPYFILE_FICLONE_FORCE", UV_FS_COPYFILE_FICLONE_FORCE},
  };
  size_t i;
  lua_createtable(L, 0, (int)(sizeof k / sizeof k[0]));
  for (i = 0; i < sizeof k / sizeof k[0]; i++) {
    lua_pushinteger(L, k[i].v);
    lua_setfield(L, -2, k[i].name);
  }
}

int luaopen_lode_binding_fs (lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"open", fs_open}, {"close", fs_close}, {"read", fs_read},
    {"write", fs_write}, {"writev", fs_writev}, {"fsync", fs_fsync},
    {"fdatasync", fs_fdatasync}, {"ftruncate", fs_ftruncate},
    {"fstat", fs_fstat}, {"fchmod", fs_fchmod}, {"futime", fs_futime},
    {"fchown", fs_fchown}, {"stat", fs_stat}, {"lstat", fs_lstat},
    {"scandir", fs_scandir}, {"mkdir", fs_mkdir}, {"mkdtemp", fs_mkdtemp},
    {"rmdir", fs_rmdir}, {"unlink", fs_unlink}, {"rename", fs_rename},
    {"link", fs_link}, {"copyfile", fs_copyfile}, {"symlink", fs_symlink},
    {"access", fs_access}, {"realpath", fs_realpath},
    {"readlink", fs_readlink}, {"chmod", fs_chmod}, {"utime", fs_utime},
    {"lutime", fs_lutime}, {"chown", fs_chown}, {"lchown", fs_lchown},
    {NULL, NULL}
  };
  lode_context(L);
  luaL_newlib(L, funcs);
  fs_constants(L);
  lua_setfield(L, -2, "constants");
  return 1;
}
