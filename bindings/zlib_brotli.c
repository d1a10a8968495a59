/*
** zlib_brotli.c: the Brotli half of lode.binding.zlib (the box and the
** thread-pool plumbing are in zlib.c). Mirrors Node's BrotliEncoderContext
** and BrotliDecoderContext: parameters set at init (Node's params array,
** -1 = unset), one library call per round while the output fills up,
** Node's error texts and codes. The run functions execute on a pool
** thread: C only, no Lua.
*/
#include <string.h>
#include "zlib_engine.h"

int zbr_init (zeng *e) {
  int k;
  if (e->mode == ZE_BROTLI_ENCODE) {
    e->enc = BrotliEncoderCreateInstance(NULL, NULL, NULL);
    if (e->enc == NULL) return -1;
    for (k = 0; k < ZE_BROTLI_NPARAMS; k++) {
      if (e->brparams[k] != -1 && !BrotliEncoderSetParameter(e->enc,
          (BrotliEncoderParameter)k, (uint32_t)e->brparams[k]))
        return -1;
    }
  } else {
    e->dec = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    if (e->dec == NULL) return -1;
    for (k = 0; k < ZE_BROTLI_NPARAMS; k++) {
      if (e->brparams[k] != -1 && !BrotliDecoderSetParameter(e->dec,
          (BrotliDecoderParameter)k, (uint32_t)e->brparams[k]))
        return -1;
    }
  }
  e->brlast = e->mode == ZE_BROTLI_ENCODE ? 1
                                          : BROTLI_DECODER_RESULT_SUCCESS;
  return 0;
}

void zbr_end (zeng *e) {
  if (e->enc != NULL) BrotliEncoderDestroyInstance(e->enc);
  if (e->dec != NULL) BrotliDecoderDestroyInstance(e->dec);
  e->enc = NULL;
  e->dec = NULL;
}

/* First output allocation: the bound for compression, a guess of 4:1
** for decompression; zeng_room clamps it to the cap. */
static size_t zbr_first (zeng *e) {
  size_t n = e->inlen - e->consumed, b;
  if (e->mode == ZE_BROTLI_ENCODE) {
    b = BrotliEncoderMaxCompressedSize(n);
    return b == 0 ? n : b + 64;
  }
  return n > ((size_t)-1) / 8 ? n : n * 4 + 1024;
}

/* Node's error code for a decoder error: "ERR_" and the code's name
** with its prefix (BrotliDecoderErrorString drops the prefix in the
** Debian library, Node's newer one keeps it). */
static const char *zbr_codename (BrotliDecoderErrorCode c) {
  switch (c) {
#define ZBR_CASE(pre, name, v) case v: return "ERR_" #pre #name;
    BROTLI_DECODER_ERROR_CODES_LIST(ZBR_CASE, )
#undef ZBR_CASE
    default: return "ERR_BROTLI_DECOMPRESSION_FAILED";
  }
}

/* Node's GetErrorInfo for the decoder, after the last call. */
static void zbr_check_dec (zeng *e, BrotliDecoderResult r) {
  BrotliDecoderErrorCode ec;
  e->brlast = (int)r;
  if (r == BROTLI_DECODER_RESULT_ERROR) {
    ec = BrotliDecoderGetErrorCode(e->dec);
    zeng_fail(e, (int)ec, "Decompression failed", zbr_codename(ec));
  } else if (e->flush == BROTLI_OPERATION_FINISH
             && r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
    zeng_fail(e, Z_BUF_ERROR, "unexpected end of file", "Z_BUF_ERROR");
  }
}

/* One write: calls the library while it fills the output, growing the
** output up to its cap (then e->more asks for another round). */
void zbr_run (zeng *e) {
  const uint8_t *next_in = e->in + e->consumed;
  size_t avail_in = e->inlen - e->consumed, avail_out, first = zbr_first(e);
  uint8_t *next_out;
  int room;
  for (;;) {
    if ((room = zeng_room(e, first)) != 0) {
      if (room < 0) zeng_fail(e, Z_MEM_ERROR, "Out of memory", "Z_MEM_ERROR");
      else e->more = 1;
      break;
    }
    avail_out = e->outsize - e->outlen;
    next_out = (uint8_t *)e->out + e->outlen;
    if (e->enc != NULL) {
      e->brlast = BrotliEncoderCompressStream(e->enc,
        (BrotliEncoderOperation)e->flush, &avail_in, &next_in, &avail_out,
        &next_out, NULL);
      if (!e->brlast)
        zeng_fail(e, -1, "Compression failed",
                  "ERR_BROTLI_COMPRESSION_FAILED");
    } else {
      zbr_check_dec(e, BrotliDecoderDecompressStream(e->dec, &avail_in,
        &next_in, &avail_out, &next_out, NULL));
    }
    e->outlen = e->outsize - avail_out;
    if (e->failed || avail_out != 0) break;
  }
  e->consumed = e->inlen - avail_in;
}
