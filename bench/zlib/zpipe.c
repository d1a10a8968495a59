/*
** zpipe.c: the C baseline of bench/zlib.sh. gzip (level 6) or gunzip
** stdin to stdout through Debian's zlib, 64 KiB reads as fs streams do,
** 128 KiB of output per deflate/inflate call.
** usage: zpipe -c|-d < in > out
*/
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define IN_CHUNK 65536
#define OUT_CHUNK 131072

static unsigned char in[IN_CHUNK], out[OUT_CHUNK];

static int pump (z_stream *s, int compress, int flush) {
  int rc;
  do {
    s->next_out = out;
    s->avail_out = OUT_CHUNK;
    rc = compress ? deflate(s, flush) : inflate(s, flush);
    if (rc == Z_STREAM_ERROR || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR
        || rc == Z_NEED_DICT) return -1;
    fwrite(out, 1, OUT_CHUNK - s->avail_out, stdout);
  } while (s->avail_out == 0);
  return rc;
}

int main (int argc, char **argv) {
  int compress = argc > 1 && strcmp(argv[1], "-c") == 0, rc = 0;
  size_t n;
  z_stream s;
  memset(&s, 0, sizeof s);
  rc = compress ? deflateInit2(&s, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY)
                : inflateInit2(&s, 31);
  if (rc != Z_OK) return 1;
  while ((n = fread(in, 1, IN_CHUNK, stdin)) > 0) {
    s.next_in = in;
    s.avail_in = (uInt)n;
    if ((rc = pump(&s, compress, Z_NO_FLUSH)) < 0) return 1;
  }
  if (compress) rc = pump(&s, 1, Z_FINISH);
  if (compress) deflateEnd(&s);
  else inflateEnd(&s);
  return rc < 0;
}
