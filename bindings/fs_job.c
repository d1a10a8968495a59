/*
** fs_job.c: lode.binding.fs_job, the fs operations that take several
** system calls: readfile (open, fstat, read until done, close), writefile
** (open, write all, close), mkdirp (mkdir -p, as Node's MKDirpSync) and
** rmtree (rm -r). Each is one job that runs inline when called without a
** callback and on libuv's thread pool (uv_queue_work) with one. The job
** body calls only the synchronous uv_fs_* functions and touches no Lua
** value; results are pushed on the loop thread afterwards.
**
** Results as in fs.c (STYLE.md rule 5), with the failing step added:
** sync failure returns nil, message, status, syscall, path; the callback
** gets (status, syscall, path) on failure and (nil, results...) on
** success. 'path' is the entry that failed (rmtree) or nil.
**
** Ownership: a job owns a malloc'd copy of its path and, for readfile,
** the bytes it read until they are handed to a Buffer (no copy, rule 12);
** writefile's input is pinned in the request box (user value 2).
*/
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "lode.h"

typedef struct job job;
struct job {
  lode_req r;                /* request box header: must come first */
  uv_work_t work;
  void (*run) (job *j);      /* the body: any thread, C only */
  int (*push) (lua_State *L, job *j);  /* results, on the loop thread */
  int async;
  int status;                /* 0, or the negative libuv code */
  const char *syscall;       /* the step that failed (static text) */
  int failpath;              /* the failure names j->path */
  char *path;                /* malloc'd; NULL: work on 'fd' */
  size_t plen, pcap;         /* rmtree grows the path in place */
  uv_file fd;
  int flags, mode;           /* open flags and mode; rmtree: recursive */
  int as_string;             /* readfile: push a Lua string */
  char *data;                /* readfile: the bytes read (owned) */
  const char *in;            /* writefile: the pinned input */
  size_t len;                /* bytes in data/in */
  size_t first;              /* mkdirp: length of the first made, or 0 */
};

#define JOB(p) ((job *)((char *)(p) - offsetof(job, work)))
#define JLOOP(j) (&(j)->r.ctx->loop)
#define READ_CHUNK 65536
#define READ_MAX ((size_t)INT32_MAX)   /* Node's kIoMaxLength */

static void job_fail (job *j, int rc, const char *syscall) {
  j->status = rc;
  j->syscall = syscall;
}

/*
** {======================================================
** readfile / writefile
** =======================================================
*/

/* Reads fd to the end into j->data: 'size' bytes when the file says how
** many (a regular file), else until EOF in growing chunks. */
static void readfile_loop (job *j, uv_file fd, size_t size) {
  size_t cap = size > 0 ? size : READ_CHUNK, n = 0;
  uv_fs_t req;
  uv_buf_t buf;
  int rc;
  if ((j->data = (char *)malloc(cap)) == NULL) {
    job_fail(j, UV_ENOMEM, "read");
    return;
  }
  for (;;) {
    if (n == cap) {
      char *p;
      if (size > 0) break;                     /* all st_size bytes */
      if (cap >= READ_MAX || (p = (char *)realloc(j->data, cap * 2)) == NULL) {
        job_fail(j, cap >= READ_MAX ? UV_EFBIG : UV_ENOMEM, "read");
        return;
      }
      j->data = p;
      cap *= 2;
    }
    buf.base = j->data + n;
    buf.len = cap - n;
    rc = uv_fs_read(JLOOP(j), &req, fd, &buf, 1, -1, NULL);
    uv_fs_req_cleanup(&req);
    if (rc < 0) {
      job_fail(j, rc, "read");
      return;
    }
    if (rc == 0) break;
    n += (size_t)rc;
  }
  j->len = n;
}

static void readfile_run (job *j) {
  uv_fs_t req;
  uv_file fd = j->fd;
  size_t size = 0;
  int rc;
  if (j->path != NULL) {
    rc = uv_fs_open(JLOOP(j), &req, j->path, j->flags, 0666, NULL);
    uv_fs_req_cleanup(&req);
    if (rc < 0) {
      job_fail(j, rc, "open");
      return;
    }
    fd = rc;
  }
  rc = uv_fs_fstat(JLOOP(j), &req, fd, NULL);
  if (rc == 0 && S_ISREG(req.statbuf.st_mode))
    size = (size_t)req.statbuf.st_size;
  uv_fs_req_cleanup(&req);
  if (rc < 0) job_fail(j, rc, "fstat");
  else if (size > READ_MAX) job_fail(j, UV_EFBIG, "read");
  else readfile_loop(j, fd, size);
  if (j->path != NULL) {
    uv_fs_close(JLOOP(j), &req, fd, NULL);
    uv_fs_req_cleanup(&req);
  }
}

/* Pushes the bytes read: a Lua string, or a Buffer that takes j->data
** over. */
static int readfile_push (lua_State *L, job *j) {
  char *p = j->data;
  if (j->as_string) {
    lua_pushlstring(L, p != NULL ? p : "", j->len);
    return 1;
  }
  j->data = NULL;
  if (j->len == 0) {
    free(p);
    lode_buffer_new(L, 0);
    return 1;
  }
  lode_buffer_adopt(L, p, j->len);
  return 1;
}

static void writefile_run (job *j) {
  uv_fs_t req;
  uv_file fd = j->fd;
  size_t n = 0;
  uv_buf_t buf;
  int rc;
  if (j->path != NULL) {
    rc = uv_fs_open(JLOOP(j), &req, j->path, j->flags, j->mode, NULL);
    uv_fs_req_cleanup(&req);
    if (rc < 0) {
      job_fail(j, rc, "open");
      return;
    }
    fd = rc;
  }
  while (n < j->len) {
    buf.base = (char *)j->in + n;
    buf.len = j->len - n;
    rc = uv_fs_write(JLOOP(j), &req, fd, &buf, 1, -1, NULL);
    uv_fs_req_cleanup(&req);
    if (rc < 0) {
      job_fail(j, rc, "write");
      break;
    }
    n += (size_t)rc;
  }
  if (j->path != NULL) {
    rc = uv_fs_close(JLOOP(j), &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    if (rc < 0 && j->status == 0) job_fail(j, rc, "close");
  }
}
/* }====================================================== */

/*
** {======================================================
** mkdirp: Node's MKDirpSync over prefixes of j->path
** =======================================================
*/

static int mkdirp_at (job *j, size_t k, int stat) {
  char c = j->path[k];
  uv_fs_t req;
  int rc;
  j->path[k] = '\0';
  if (stat) {
    rc = uv_fs_stat(JLOOP(j), &req, j->path, NULL);
    if (rc == 0 && !S_ISDIR(req.statbuf.st_mode)) rc = 1;
  } else {
    rc = uv_fs_mkdir(JLOOP(j), &req, j->path, j->mode, NULL);
  }
  uv_fs_req_cleanup(&req);
  j->path[k] = c;
  return rc;
}

/* Length of the dirname of the prefix of length k, or 0 when it has
** none (then ENOENT cannot be helped by making parents). */
static size_t mkdirp_dirname (const char *p, size_t k) {
  while (k > 0 && p[k - 1] != '/') k--;
  return k > 1 ? k - 1 : 0;
}

static void mkdirp_run (job *j) {
  size_t n = 0, k, d, depth = 2, *stack;
  int rc, st;
  for (k = 0; k < j->plen; k++) depth += j->path[k] == '/';
  if ((stack = (size_t *)malloc(depth * 2 * sizeof *stack)) == NULL) {
    job_fail(j, UV_ENOMEM, "mkdir");
    return;
  }
  stack[n++] = j->plen;
  while (n > 0 && j->status == 0) {
    k = stack[--n];
    if ((rc = mkdirp_at(j, k, 0)) == 0) {
      if (j->first == 0) j->first = k;
      continue;
    }
    switch (rc) {
      case UV_EACCES: case UV_ENOSPC: case UV_ENOTDIR: case UV_EPERM:
        job_fail(j, rc, "mkdir");
        break;
      case UV_ENOENT:
        d = mkdirp_dirname(j->path, k);
        if (d == 0 || n + 2 > depth * 2) {
          job_fail(j, rc, "mkdir");
          break;
        }
        stack[n++] = k;
        stack[n++] = d;
        break;
      default:                                 /* EEXIST and the like */
        st = mkdirp_at(j, k, 1);               /* 0 dir, 1 other, < 0 */
        if (st == 1)                           /* a parent: ENOTDIR */
          job_fail(j, rc == UV_EEXIST && n > 0 ? UV_ENOTDIR : UV_EEXIST,
                   "mkdir");
        else if (st < 0)
          job_fail(j, st, "mkdir");
    }
  }
  free(stack);
}

/* Pushes the first directory made, or nil when all existed. */
static int mkdirp_push (lua_State *L, job *j) {
  if (j->first == 0) lua_pushnil(L);
  else lua_pushlstring(L, j->path, j->first);
  return 1;
}
/* }====================================================== */

/*
** {======================================================
** rmtree: rm -r, depth first; entries that vanish meanwhile are fine
** =======================================================
*/

/* Makes room for 'extra' more bytes (and a NUL) in j->path. */
static int rm_grow (job *j, size_t extra) {
  char *p;
  size_t cap = j->pcap;
  if (j->plen + extra + 1 <= cap) return 0;
  while (cap < j->plen + extra + 1) cap *= 2;
  if ((p = (char *)realloc(j->path, cap)) == NULL) return UV_ENOMEM;
  j->path = p;
  j->pcap = cap;
  return 0;
}

static int rm_fail (job *j, int rc, const char *syscall) {
  if (rc == UV_ENOENT) return 0;               /* gone already: done */
  job_fail(j, rc, syscall);
  j->failpath = 1;
  return rc;
}

static int rm_node (job *j, int type);

/* Removes the entries of directory j->path, then the directory. */
static int rm_dir (job *j) {
  uv_fs_t req;
  uv_dirent_t d;
  size_t base = j->plen, len;
  int rc = uv_fs_scandir(JLOOP(j), &req, j->path, 0, NULL);
  if (rc < 0) {
    uv_fs_req_cleanup(&req);
    return rm_fail(j, rc, "scandir");
  }
  while (rc >= 0 && uv_fs_scandir_next(&req, &d) != UV_EOF) {
    len = strlen(d.name);
    if ((rc = rm_grow(j, len + 1)) < 0) {
      rm_fail(j, rc, "rm");
      break;
    }
    j->path[base] = '/';
    memcpy(j->path + base + 1, d.name, len + 1);
    j->plen = base + 1 + len;
    rc = rm_node(j, (int)d.type);
    if (rc < 0) break;                         /* j->path: the failure */
    j->path[base] = '\0';
    j->plen = base;
  }
  uv_fs_req_cleanup(&req);
  if (rc < 0) return rc;
  rc = uv_fs_rmdir(JLOOP(j), &req, j->path, NULL);
  uv_fs_req_cleanup(&req);
  return rc < 0 ? rm_fail(j, rc, "rmdir") : 0;
}

/* Removes j->path whose dirent type is 'type' (lstat when unknown). */
static int rm_node (job *j, int type) {
  uv_fs_t req;
  int rc;
  if (type == UV_DIRENT_UNKNOWN) {
    rc = uv_fs_lstat(JLOOP(j), &req, j->path, NULL);
    type = rc == 0 && S_ISDIR(req.statbuf.st_mode) ? UV_DIRENT_DIR
                                                   : UV_DIRENT_FILE;
    uv_fs_req_cleanup(&req);
    if (rc < 0) return rm_fail(j, rc, "lstat");
  }
  if (type == UV_DIRENT_DIR) return rm_dir(j);
  rc = uv_fs_unlink(JLOOP(j), &req, j->path, NULL);
  uv_fs_req_cleanup(&req);
  return rc < 0 ? rm_fail(j, rc, "unlink") : 0;
}

/* The top: a missing path is an lstat error (the Lua layer applies
** 'force'); a directory without 'recursive' is EISDIR from "rm". */
static void rmtree_run (job *j) {
  uv_fs_t req;
  int rc = uv_fs_lstat(JLOOP(j), &req, j->path, NULL), dir;
  dir = rc == 0 && S_ISDIR(req.statbuf.st_mode);
  uv_fs_req_cleanup(&req);
  if (rc < 0) job_fail(j, rc, "lstat");
  else if (dir && !j->flags) job_fail(j, UV_EISDIR, "rm");
  else rm_node(j, dir ? UV_DIRENT_DIR : UV_DIRENT_FILE);
}
/* }====================================================== */

/*
** {======================================================
** Running a job
** =======================================================
*/

static void job_free (job *j) {
  free(j->path);
  free(j->data);
  j->path = j->data = NULL;
}

/* Pushes the failure: status, syscall, path-or-nil. */
static void job_pushfail (lua_State *L, job *j) {
  lua_pushinteger(L, j->status);
  lua_pushstring(L, j->syscall);
  if (j->failpath) lua_pushstring(L, j->path);
  else lua_pushnil(L);
}

static void job_work (uv_work_t *w) {
  job *j = JOB(w);
  j->run(j);
}

/* Completion on the loop thread: the callback gets (status, syscall,
** path) or (nil, results...). Calls Lua; j is not used afterwards. */
static void job_after (uv_work_t *w, int status) {
  job *j = JOB(w);
  lua_State *L = j->r.ctx->L;
  int n = 3;
  lua_rawgeti(L, LUA_REGISTRYINDEX, j->r.anchor);   /* keeps j alive */
  lode_req_finish(&j->r);
  if (status < 0 && j->status == 0) job_fail(j, status, "work");
  if (j->status < 0) {
    job_pushfail(L, j);
  } else {
    lua_pushnil(L);
    n = 1 + j->push(L, j);
  }
  job_free(j);
  lode_call(L, n);
  lua_pop(L, 1);
}

/* Prepares a job whose optional callback is argument 'cb' (a request box
** pinning argument 'pin', or 'tmp' for a synchronous call), owning a copy
** of the path at argument 1 unless that is a descriptor. Raises only
** before the box exists. */
static job *job_begin (lua_State *L, job *tmp, int cb, int pin) {
  int async = lua_type(L, cb) == LUA_TFUNCTION;
  size_t len = 0;
  char *path = NULL;
  lua_Integer fd = 0;
  job *j = tmp;
  if (!async && !lua_isnoneornil(L, cb)) luaL_typeerror(L, cb, "function");
  if (lua_type(L, 1) == LUA_TNUMBER) {
    fd = luaL_checkinteger(L, 1);
    luaL_argcheck(L, fd >= 0 && fd <= INT32_MAX, 1, "invalid fd");
  } else {
    const char *s = luaL_checklstring(L, 1, &len);
    if ((path = (char *)malloc(len + 1)) == NULL)
      luaL_error(L, "not enough memory");
    memcpy(path, s, len + 1);
  }
  if (async) j = (job *)lode_req_new(L, sizeof(job), cb, pin);
  else memset(j, 0, sizeof *j);
  j->r.ctx = lode_context(L);
  j->async = async;
  j->fd = (uv_file)fd;
  j->path = path;
  j->plen = len;
  j->pcap = len + 1;
  return j;
}

/* Runs j now (sync: results or the failure) or queues it (async: true,
** or the fail-triple when it cannot be queued). */
static int job_end (lua_State *L, job *j) {
  int rc, n;
  if (j->async) {
    rc = uv_queue_work(JLOOP(j), &j->work, job_work, job_after);
    if (rc == 0) {
      lua_pushboolean(L, 1);
      return 1;
    }
    job_free(j);
    lode_req_cancel(L, &j->r);
    return lode_fail(L, rc);
  }
  j->run(j);
  if (j->status < 0) {
    lode_fail(L, j->status);
    lua_pop(L, 1);
    job_pushfail(L, j);
    job_free(j);
    return 5;
  }
  n = j->push(L, j);
  job_free(j);
  if (n == 0) {                                /* sync: true for none */
    lua_pushboolean(L, 1);
    n = 1;
  }
  return n;
}
/* }====================================================== */

static int push_none (lua_State *L, job *j) {
  (void)L;
  (void)j;
  return 0;
}

/* readfile(path_or_fd, flags, as_string[, cb]) -> Buffer or string */
static int job_readfile (lua_State *L) {
  int flags = (int)luaL_checkinteger(L, 2), as_string = lua_toboolean(L, 3);
  job tmp, *j = job_begin(L, &tmp, 4, 0);
  j->flags = flags;
  j->as_string = as_string;
  j->run = readfile_run;
  j->push = readfile_push;
  return job_end(L, j);
}

/* writefile(path_or_fd, data, flags, mode[, cb]); data is pinned */
static int job_writefile (lua_State *L) {
  size_t len;
  const char *in = lode_checkbytes(L, 2, &len);
  int flags = (int)luaL_checkinteger(L, 3), mode = (int)luaL_checkinteger(L, 4);
  job tmp, *j = job_begin(L, &tmp, 5, 2);
  j->in = in;
  j->len = len;
  j->flags = flags;
  j->mode = mode;
  j->run = writefile_run;
  j->push = push_none;
  return job_end(L, j);
}

/* mkdirp(path, mode[, cb]) -> first directory made, or nil */
static int job_mkdirp (lua_State *L) {
  int mode = (int)luaL_checkinteger(L, 2);
  job tmp, *j;
  luaL_checktype(L, 1, LUA_TSTRING);
  j = job_begin(L, &tmp, 3, 0);
  j->mode = mode;
  j->run = mkdirp_run;
  j->push = mkdirp_push;
  return job_end(L, j);
}

/* rmtree(path, recursive[, cb]) */
static int job_rmtree (lua_State *L) {
  int recursive = lua_toboolean(L, 2);
  job tmp, *j;
  luaL_checktype(L, 1, LUA_TSTRING);
  j = job_begin(L, &tmp, 3, 0);
  j->flags = recursive;
  j->run = rmtree_run;
  j->push = push_none;
  return job_end(L, j);
}

int luaopen_lode_binding_fs_job (lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"readfile", job_readfile}, {"writefile", job_writefile},
    {"mkdirp", job_mkdirp}, {"rmtree", job_rmtree}, {NULL, NULL}
  };
  lode_context(L);
  luaL_newlib(L, funcs);
  return 1;
}
