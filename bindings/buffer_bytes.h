/*
** buffer_bytes.h: what buffer.c uses from buffer_bytes.c, the pure byte
** work of the lode.binding.buffer binding (text encodings, search, fill,
** compare, swap, byte order).
*/
#ifndef LODE_BUFFER_BYTES_H
#define LODE_BUFFER_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <lua.h>

enum { ENC_UTF8, ENC_HEX, ENC_B64, ENC_B64URL, ENC_LATIN1, ENC_ASCII,
       ENC_UTF16 };

/* The encoding named s (case-insensitive, as Node), or -1. */
int lode__enc_find (const char *s, size_t n);
/* Bytes that encoding the string s takes (an upper bound for hex and
** base64, Node's byteLength). */
size_t lode__enc_len (int enc, const char *s, size_t n);
/* Encodes the string s into at most cap bytes at d as Node's write:
** whole characters for utf8, whole units for utf16le, hex up to the
** first bad pair, base64 skipping what is no base64. Returns the bytes
** written. */
size_t lode__enc_write (int enc, char *d, size_t cap, const char *s,
                        size_t n);
/* Pushes the n bytes at s decoded as a Lua string (UTF-8 text for the
** text encodings). */
void lode__enc_push (lua_State *L, int enc, const char *s, size_t n);

/* memcmp for different lengths: -1, 0 or 1, shorter first. */
int lode__bytes_cmp (const char *a, size_t la, const char *b, size_t lb);
/* Node's indexOf (fwd) / lastIndexOf from off: an index or -1. */
int64_t lode__bytes_find (const char *h, size_t len, const char *nd,
                          size_t nl, int64_t off, int fwd);
/* Repeats the n-byte pattern p over len bytes at d. */
void lode__bytes_fill (char *d, size_t len, const char *p, size_t n);
/* Reverses every n-byte group of d (len is a multiple of n). */
void lode__bytes_swap (unsigned char *d, size_t len, size_t n);
/* n-byte unsigned integers (n <= 8), big-endian when be. */
uint64_t lode__bytes_load (const unsigned char *p, int n, int be);
void lode__bytes_store (unsigned char *p, uint64_t v, int n, int be);

#endif
