/*
** zlib.c: lode.binding.zlib, the native half of lode.zlib. An engine box
** wraps one compression stream (zlib's z_stream, or a Brotli encoder or
** decoder from zlib_brotli.c) and offers
**   eng:write(flush, input, offset, cap, cb)  on libuv's thread pool
**   eng:writeSync(flush, input, offset, cap)  inline
** Both compress or decompress input[offset..] with the given flush kind
** into one fresh output block of at most 'cap' bytes. writeSync returns
** (nil, out_or_nil, consumed, more); the callback of write gets (nil,
** consumed, more) and eng:take() then gives the output. A failure is
** (message, errno, code) in both: Node's texts and codes, which
** lua/lode/zlib builds Errors from (STYLE.md rule 6). 'more' means the
** cap was reached before the library was done: call again with the
** rest. Semantics follow Node's node_zlib.cc: UNZIP sniffs the gzip
** magic, GUNZIP goes on through further gzip members, inflate loads the
** dictionary on Z_NEED_DICT, and CheckError's rules decide what is an
** error.
**
** Ownership: the engine is malloc'd apart from its box (zlib_engine.h).
** During an async write the box is anchored in the registry, its user
** value 1 pins the input and user value 2 holds the callback; the work
** function touches only the engine and the pinned bytes, and the output
** block goes to a Buffer (lode_buffer_adopt) on the loop thread. zlib
** and Brotli allocate with plain malloc; no lua_State is ever given to
** them.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "zlib_engine.h"

#define ZENG_MT "lode.zlib.Engine"
#define ZENG_UINT_MAX ((size_t)UINT_MAX)

typedef struct zbox { zeng *e; } zbox;

/*
** {======================================================
** Shared helpers (pool thread safe: C only)
** =======================================================
*/

int zeng_room (zeng *e, size_t first) {
  size_t size;
  char *p;
  if (e->outlen < e->outsize) return 0;
  if (e->outsize >= e->outcap) return 1;
  size = e->outsize == 0 ? first : e->outsize * 2;
  if (size < 256) size = 256;
  if (size > e->outcap || size < e->outsize) size = e->outcap;
  if ((p = (char *)realloc(e->out, size)) == NULL) return -1;
  e->out = p;
  e->outsize = size;
  return 0;
}

void zeng_fail (zeng *e, int errnum, const char *msg, const char *code) {
  e->failed = 1;
  e->errnum = errnum;
  snprintf(e->msg, sizeof e->msg, "%s", msg);
  snprintf(e->code, sizeof e->code, "%s", code);
}

static const char *zz_codename (int err) {
  switch (err) {
    case Z_OK: return "Z_OK";
    case Z_STREAM_END: return "Z_STREAM_END";
    case Z_NEED_DICT: return "Z_NEED_DICT";
    case Z_ERRNO: return "Z_ERRNO";
    case Z_STREAM_ERROR: return "Z_STREAM_ERROR";
    case Z_DATA_ERROR: return "Z_DATA_ERROR";
    case Z_MEM_ERROR: return "Z_MEM_ERROR";
    case Z_BUF_ERROR: return "Z_BUF_ERROR";
    case Z_VERSION_ERROR: return "Z_VERSION_ERROR";
    default: return "Z_UNKNOWN_ERROR";
  }
}

/* Node's ErrorForMessage: zlib's own text wins over ours. */
static void zz_fail (zeng *e, int err, const char *msg) {
  zeng_fail(e, err, e->strm.msg != NULL ? e->strm.msg : msg,
            zz_codename(err));
}
/* }====================================================== */

/*
** {======================================================
** zlib streams
** =======================================================
*/

static int zz_is_deflate (int mode) {
  return mode == ZE_DEFLATE || mode == ZE_GZIP || mode == ZE_DEFLATERAW;
}

/* Node's Init + SetDictionary. Returns zlib's status. */
static int zz_init (zeng *e) {
  int wbits = e->wbits, err;
  if (e->mode == ZE_GZIP || e->mode == ZE_GUNZIP) wbits += 16;
  else if (e->mode == ZE_UNZIP) wbits += 32;
  else if (e->mode == ZE_DEFLATERAW || e->mode == ZE_INFLATERAW) wbits = -wbits;
  if (zz_is_deflate(e->mode))
    err = deflateInit2(&e->strm, e->level, Z_DEFLATED, wbits, e->memlevel,
                       e->strategy);
  else
    err = inflateInit2(&e->strm, wbits);
  if (err != Z_OK) return err;
  e->open = 1;
  if (e->dict == NULL) return Z_OK;
  /* As Node: a gzip stream ignores the dictionary. */
  if (e->mode == ZE_DEFLATE || e->mode == ZE_DEFLATERAW)
    return deflateSetDictionary(&e->strm, e->dict, (uInt)e->dictlen);
  if (e->mode == ZE_INFLATERAW)
    return inflateSetDictionary(&e->strm, e->dict, (uInt)e->dictlen);
  return Z_OK;
}

static void zz_end (zeng *e) {
  if (zz_is_deflate(e->mode)) deflateEnd(&e->strm);
  else inflateEnd(&e->strm);
}

/* Node's reset(): the stream starts over with the same settings. */
static int zz_reset (zeng *e) {
  int err;
  e->gzip_id = 0;
  if (zz_is_deflate(e->mode)) return deflateReset(&e->strm);
  err = inflateReset(&e->strm);
  if (err == Z_OK && e->mode == ZE_INFLATERAW && e->dict != NULL)
    err = inflateSetDictionary(&e->strm, e->dict, (uInt)e->dictlen);
  return err;
}

/* UNZIP: decide between gzip and zlib from the first two bytes, which
** may arrive in separate writes (Node's gzip_id_bytes_read_). */
static void zz_sniff (zeng *e) {
  const unsigned char *p = e->strm.next_in;
  uInt n = e->strm.avail_in;
  if (n == 0) return;
  if (e->gzip_id == 0) {
    if (p[0] != 0x1f) {
      e->mode = ZE_INFLATE;
      return;
    }
    e->gzip_id = 1;
    p++;
    if (--n == 0) return;
  }
  e->mode = p[0] == 0x8b ? ZE_GUNZIP : ZE_INFLATE;
  e->gzip_id = 2;
}

/* One inflate call as Node's DoThreadPoolWork makes it. */
static int zz_inflate (zeng *e, int flush) {
  z_stream *s = &e->strm;
  int err;
  if (e->mode == ZE_UNZIP) zz_sniff(e);
  err = inflate(s, flush);
  if (e->mode != ZE_INFLATERAW && err == Z_NEED_DICT && e->dict != NULL) {
    err = inflateSetDictionary(s, e->dict, (uInt)e->dictlen);
    if (err == Z_OK) err = inflate(s, flush);
    else if (err == Z_DATA_ERROR) err = Z_NEED_DICT;  /* bad dictionary */
  }
  /* More members, or trailing garbage; zero padding ends it. */
  while (s->avail_in > 0 && e->mode == ZE_GUNZIP && err == Z_STREAM_END
         && s->next_in[0] != 0) {
    inflateReset(s);
    err = inflate(s, flush);
  }
  return err;
}

/* Node's CheckError. Returns 1 when the write failed. */
static int zz_check (zeng *e, int err) {
  switch (err) {
    case Z_OK:
    case Z_BUF_ERROR:
      if (e->strm.avail_out != 0 && e->flush == Z_FINISH) {
        zz_fail(e, err, "unexpected end of file");
        return 1;
      }
      return 0;
    case Z_STREAM_END:
      return 0;
    case Z_NEED_DICT:
      zz_fail(e, err, e->dict == NULL ? "Missing dictionary"
                                      : "Bad dictionary");
      return 1;
    default:
      zz_fail(e, err, "Zlib error");
      return 1;
  }
}

/* First output allocation: deflate's bound (the common case needs one
** call), or a 4:1 guess for inflate. */
static size_t zz_first (zeng *e, size_t n) {
  if (zz_is_deflate(e->mode))
    return n > ZENG_UINT_MAX ? n : deflateBound(&e->strm, (uLong)n) + 64;
  return n > ((size_t)-1) / 8 ? n : n * 4 + 1024;
}

/* One write: calls deflate/inflate while they fill the output, growing it
** up to its cap. zlib counts in uInt, so input beyond 4 GiB goes in
** slices (all but the last with Z_NO_FLUSH). */
static void zz_run (zeng *e) {
  z_stream *s = &e->strm;
  size_t left, first = zz_first(e, e->inlen - e->consumed), avail;
  int room, err, flush;
  for (;;) {
    if ((room = zeng_room(e, first)) != 0) {
      if (room < 0) zeng_fail(e, Z_MEM_ERROR, "Out of memory", "Z_MEM_ERROR");
      else e->more = 1;
      return;
    }
    left = e->inlen - e->consumed;
    avail = e->outsize - e->outlen;
    s->next_in = (Bytef *)(e->in + e->consumed);
    s->avail_in = (uInt)(left > ZENG_UINT_MAX ? ZENG_UINT_MAX : left);
    s->next_out = (Bytef *)(e->out + e->outlen);
    s->avail_out = (uInt)(avail > ZENG_UINT_MAX ? ZENG_UINT_MAX : avail);
    flush = left > ZENG_UINT_MAX ? Z_NO_FLUSH : e->flush;
    avail = s->avail_out;
    left = s->avail_in;
    err = zz_is_deflate(e->mode) ? deflate(s, flush) : zz_inflate(e, flush);
    e->outlen += avail - s->avail_out;
    e->consumed += left - s->avail_in;
    if (zz_check(e, err)) return;
    /* Output space left: zlib did all it could with this input. */
    if (s->avail_out != 0 && (s->avail_in != 0 || e->consumed == e->inlen))
      return;
  }
}
/* }====================================================== */

/*
** {======================================================
** Running a write
** =======================================================
*/

static int zeng_is_brotli (const zeng *e) {
  return e->mode == ZE_BROTLI_ENCODE || e->mode == ZE_BROTLI_DECODE;
}

static void zeng_run (zeng *e) {
  if (zeng_is_brotli(e)) zbr_run(e);
  else zz_run(e);
}

/* Ends the library stream (idempotent); the engine memory stays. */
static void zeng_end (zeng *e) {
  if (e->open) {
    if (zeng_is_brotli(e)) zbr_end(e);
    else zz_end(e);
  }
  e->open = 0;
  free(e->dict);
  e->dict = NULL;
  free(e->out);
  e->out = NULL;
  free(e->ready);
  e->ready = NULL;
}

static zeng *zeng_check (lua_State *L, int idx) {
  zbox *b = (zbox *)luaL_checkudata(L, idx, ZENG_MT);
  if (b->e == NULL || !b->e->open || b->e->close_pending)
    luaL_error(L, "lode.zlib: engine is closed");
  if (b->e->busy) luaL_error(L, "lode.zlib: engine is busy");
  return b->e;
}

/* Reads (flush, input, offset, cap) at 2..5 into e; the input pointer is
** valid while the value at 3 stays reachable. */
static void zeng_args (lua_State *L, zeng *e) {
  size_t len;
  lua_Integer flush = luaL_checkinteger(L, 2), off, cap;
  const char *in = lode_checkbytes(L, 3, &len);
  off = luaL_optinteger(L, 4, 0);
  cap = luaL_checkinteger(L, 5);
  luaL_argcheck(L, off >= 0 && (size_t)off <= len, 4, "offset out of range");
  luaL_argcheck(L, cap > 0, 5, "cap must be positive");
  luaL_argcheck(L, flush >= 0 && flush <= Z_BLOCK, 2, "invalid flush");
  if (e->failed) luaL_error(L, "lode.zlib: engine failed");
  e->flush = (int)flush;
  e->in = (const unsigned char *)in + off;
  e->inlen = len - (size_t)off;
  e->consumed = 0;
  e->outcap = (size_t)cap;
  e->outlen = e->outsize = 0;
  e->more = 0;
}

/* Hands the output block to a new Buffer (or pushes nil for none). A
** generous first guess gives back what it did not use (an in-place
** shrink for malloc). */
static void zeng_pushout (lua_State *L, char *out, size_t n, size_t size) {
  char *p;
  if (n == 0) {
    free(out);
    lua_pushnil(L);
    return;
  }
  if (size - n > 4096 && (p = (char *)realloc(out, n)) != NULL) out = p;
  lode_buffer_adopt(L, out, n);
}

/* Pushes the failure of the write just run, (message, errno, code), and
** returns 3; or returns 0 when it succeeded. */
static int zeng_pushfail (lua_State *L, zeng *e) {
  if (!e->failed) return 0;
  free(e->out);
  e->out = NULL;
  lua_pushstring(L, e->msg);
  lua_pushinteger(L, e->errnum);
  lua_pushstring(L, e->code);
  return 3;
}

static int zeng_write_sync (lua_State *L) {
  zeng *e = zeng_check(L, 1);
  char *out;
  zeng_args(L, e);
  zeng_run(e);
  e->in = NULL;
  if (zeng_pushfail(L, e)) return 3;
  out = e->out;
  e->out = NULL;
  lua_pushnil(L);
  zeng_pushout(L, out, e->outlen, e->outsize);
  lua_pushinteger(L, (lua_Integer)e->consumed);
  lua_pushboolean(L, e->more);
  return 4;
}

/* take(): the output of the last async write as a Buffer (nil when there
** was none, or it was taken). The callback gets only the counts, so it
** can start the next write before this Buffer (and the collector step
** that comes with it) costs anything: the engine is busy again sooner. */
static int zeng_take (lua_State *L) {
  zbox *b = (zbox *)luaL_checkudata(L, 1, ZENG_MT);
  zeng *e = b->e;
  char *out;
  if (e == NULL || e->ready == NULL) {
    lua_pushnil(L);
    return 1;
  }
  out = e->ready;
  e->ready = NULL;
  zeng_pushout(L, out, e->readylen, e->readysize);
  return 1;
}

static void zeng_work (uv_work_t *w) {
  zeng_run((zeng *)w->data);
}

/* Completion on the loop thread: the callback gets (nil, consumed, more)
** with the output kept for take(), or (message, errno, code). Calls Lua
** last; the engine is not used after that. */
static void zeng_after (uv_work_t *w, int status) {
  zeng *e = (zeng *)w->data;
  lua_State *L;
  int n;
  e->busy = 0;
  if (e->orphan) {                 /* box collected meanwhile (lua_close) */
    zeng_end(e);
    free(e);
    return;
  }
  L = e->ctx->L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, e->anchor);   /* the box */
  luaL_unref(L, LUA_REGISTRYINDEX, e->anchor);
  e->anchor = LUA_NOREF;
  lua_getiuservalue(L, -1, 2);                    /* the callback */
  lua_pushnil(L);
  lua_setiuservalue(L, -3, 1);                    /* unpin the input */
  lua_pushnil(L);
  lua_setiuservalue(L, -3, 2);
  e->in = NULL;
  if (status < 0 && !e->failed)
    zeng_fail(e, Z_STREAM_ERROR, "Zlib error", "Z_STREAM_ERROR");
  if ((n = zeng_pushfail(L, e)) == 0) {
    free(e->ready);                               /* never taken */
    e->ready = e->out;
    e->readylen = e->outlen;
    e->readysize = e->outsize;
    e->out = NULL;
    lua_pushnil(L);
    lua_pushinteger(L, (lua_Integer)e->consumed);
    lua_pushboolean(L, e->more);
    n = 3;
  }
  if (e->close_pending) {
    e->close_pending = 0;
    zeng_end(e);
  }
  lode_call(L, n);
  lua_pop(L, 1);
}

static int zeng_write (lua_State *L) {
  zeng *e = zeng_check(L, 1);
  int rc;
  luaL_checktype(L, 6, LUA_TFUNCTION);
  zeng_args(L, e);
  lua_pushvalue(L, 3);
  lua_setiuservalue(L, 1, 1);                     /* pin the input */
  lua_pushvalue(L, 6);
  lua_setiuservalue(L, 1, 2);
  e->work.data = e;
  rc = uv_queue_work(&e->ctx->loop, &e->work, zeng_work, zeng_after);
  if (rc < 0) {
    lua_pushnil(L);
    lua_setiuservalue(L, 1, 1);
    lua_pushnil(L);
    lua_setiuservalue(L, 1, 2);
    return lode_fail(L, rc);
  }
  e->busy = 1;
  lua_pushvalue(L, 1);
  e->anchor = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushboolean(L, 1);
  return 1;
}
/* }====================================================== */

/*
** {======================================================
** The box: creation, params, reset, close
** =======================================================
*/

/* Copies the optional dictionary at idx (a string or Buffer). */
static void zeng_setdict (lua_State *L, zeng *e, int idx) {
  size_t len;
  const char *d;
  if (lua_isnoneornil(L, idx)) return;
  d = lode_checkbytes(L, idx, &len);
  if ((e->dict = (unsigned char *)malloc(len ? len : 1)) == NULL)
    luaL_error(L, "not enough memory");
  memcpy(e->dict, d, len);
  e->dictlen = len;
}

/* Brotli parameters from a table { [key] = value } with keys 0..9 (the
** Lua layer has validated them). */
static void zeng_setparams (lua_State *L, zeng *e, int idx) {
  int k;
  for (k = 0; k < ZE_BROTLI_NPARAMS; k++) e->brparams[k] = -1;
  if (lua_isnoneornil(L, idx)) return;
  luaL_checktype(L, idx, LUA_TTABLE);
  for (k = 0; k < ZE_BROTLI_NPARAMS; k++) {
    if (lua_geti(L, idx, k) != LUA_TNIL)
      e->brparams[k] = (int)luaL_checkinteger(L, -1);
    lua_pop(L, 1);
  }
}

/* new(mode, windowBits, level, memLevel, strategy, dictionary) for zlib
** modes, new(mode, params) for Brotli: an engine box, or nil and a
** message when the library refuses the settings. */
static int zeng_new (lua_State *L) {
  lua_Integer mode = luaL_checkinteger(L, 1);
  zbox *b;
  zeng *e;
  int ok;
  luaL_argcheck(L, mode >= ZE_DEFLATE && mode <= ZE_BROTLI_ENCODE, 1,
                "invalid mode");
  lua_settop(L, 6);                  /* the box goes above the arguments */
  b = (zbox *)lua_newuserdatauv(L, sizeof *b, 2);
  b->e = NULL;
  luaL_setmetatable(L, ZENG_MT);
  if ((e = (zeng *)calloc(1, sizeof *e)) == NULL)
    return luaL_error(L, "not enough memory");
  b->e = e;                          /* __gc frees it from here on */
  e->mode = (int)mode;
  e->ctx = lode_context(L);
  e->anchor = LUA_NOREF;
  if (zeng_is_brotli(e)) {
    zeng_setparams(L, e, 2);
    e->open = 1;                     /* zbr_end frees a half-made state */
    ok = zbr_init(e) == 0;
  } else {
    e->wbits = (int)luaL_checkinteger(L, 2);
    e->level = (int)luaL_checkinteger(L, 3);
    e->memlevel = (int)luaL_checkinteger(L, 4);
    e->strategy = (int)luaL_checkinteger(L, 5);
    zeng_setdict(L, e, 6);
    ok = zz_init(e) == Z_OK;
  }
  if (!ok) {
    zeng_end(e);
    lua_pushnil(L);
    lua_pushstring(L, "Initialization failed");
    return 2;
  }
  return 1;
}

/* Pushes nil, or the (message, errno, code) of a zlib failure. */
static int zeng_status (lua_State *L, zeng *e, int err, const char *msg) {
  if (err == Z_OK) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushstring(L, e->strm.msg != NULL ? e->strm.msg : msg);
  lua_pushinteger(L, err);
  lua_pushstring(L, zz_codename(err));
  return 3;
}

/* params(level, strategy): deflateParams, for deflate modes only (the
** Lua layer flushes first, as Node does). */
static int zeng_params (lua_State *L) {
  zeng *e = zeng_check(L, 1);
  int level = (int)luaL_checkinteger(L, 2);
  int strategy = (int)luaL_checkinteger(L, 3), err = Z_OK;
  if (zz_is_deflate(e->mode)) {
    err = deflateParams(&e->strm, level, strategy);
    if (err == Z_BUF_ERROR) err = Z_OK;
  }
  if (err == Z_OK) {
    e->level = level;
    e->strategy = strategy;
  }
  return zeng_status(L, e, err, "Failed to set parameters");
}

/* reset(): a failed reset leaves the engine failed (a Brotli state
** may be gone), so later writes raise instead of running it. */
static int zeng_reset (lua_State *L) {
  zeng *e = zeng_check(L, 1);
  int err = Z_OK;
  e->failed = 0;
  if (zeng_is_brotli(e)) {
    zbr_end(e);
    if (zbr_init(e) != 0) err = Z_MEM_ERROR;
  } else {
    err = zz_reset(e);
  }
  if (err != Z_OK) e->failed = 1;
  return zeng_status(L, e, err, "Failed to reset stream");
}

/* Ends the stream now, or after the write in flight. Idempotent. */
static int zeng_close (lua_State *L) {
  zbox *b = (zbox *)luaL_checkudata(L, 1, ZENG_MT);
  zeng *e = b->e;
  if (e == NULL) return 0;
  if (e->busy) e->close_pending = 1;
  else zeng_end(e);
  return 0;
}

/* Any time, C only. A busy engine (only at lua_close: busy boxes are
** anchored) is left to its completion callback to free. */
static int zeng_gc (lua_State *L) {
  zbox *b = (zbox *)luaL_checkudata(L, 1, ZENG_MT);
  zeng *e = b->e;
  b->e = NULL;
  if (e == NULL) return 0;
  if (e->busy) {
    e->orphan = 1;
    return 0;
  }
  zeng_end(e);
  free(e);
  return 0;
}

/* bytes consumed by the engine is tracked in Lua; this tells whether a
** write is in flight, for specs. */
static int zeng_busy (lua_State *L) {
  zbox *b = (zbox *)luaL_checkudata(L, 1, ZENG_MT);
  lua_pushboolean(L, b->e != NULL && b->e->busy);
  return 1;
}
/* }====================================================== */

/*
** {======================================================
** crc32, luaopen
** =======================================================
*/

/* crc32(data[, value]): zlib's CRC-32, continuing from 'value'. */
static int zlib_crc32 (lua_State *L) {
  size_t len;
  const char *p = lode_checkbytes(L, 1, &len);
  lua_Integer v = luaL_optinteger(L, 2, 0);
  luaL_argcheck(L, v >= 0 && v <= 0xffffffff, 2, "out of range");
  lua_pushinteger(L, (lua_Integer)crc32_z((uLong)v, (const Bytef *)p, len));
  return 1;
}

int luaopen_lode_binding_zlib (lua_State *L) {
  static const luaL_Reg methods[] = {
    {"write", zeng_write}, {"writeSync", zeng_write_sync},
    {"params", zeng_params}, {"reset", zeng_reset}, {"close", zeng_close},
    {"take", zeng_take}, {"busy", zeng_busy}, {NULL, NULL}
  };
  static const luaL_Reg funcs[] = {
    {"new", zeng_new}, {"crc32", zlib_crc32}, {NULL, NULL}
  };
  lode_context(L);
  if (luaL_newmetatable(L, ZENG_MT)) {
    lua_pushcfunction(L, zeng_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, zeng_close);
    lua_setfield(L, -2, "__close");
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  zeng_constants(L);
  lua_setfield(L, -2, "constants");
  lua_pushstring(L, zlibVersion());
  lua_setfield(L, -2, "zlib_version");
  return 1;
}
/* }====================================================== */
