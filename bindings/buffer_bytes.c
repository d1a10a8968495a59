/*
** buffer_bytes.c: the pure byte work behind Buffers (part of the
** lode.binding.buffer binding, see buffer.c), with no Buffer object or
** Error in sight: the text encodings (API.md 5 "Text": names, UTF-8
** validation with V8's U+FFFD replacement, latin1/ascii, utf16le, hex,
** base64/base64url), search, fill, compare, swap and byte order.
** Lua strings are UTF-8 text for the text encodings, so the "write"
** functions turn a Lua string into bytes and the "push" functions bytes
** into a Lua string (they only push, so they raise only on memory
** errors).
*/
#include <stdint.h>
#include <string.h>
#include <lauxlib.h>
#include "buffer_bytes.h"

/* {======== Text encodings */

static const struct { const char *name; unsigned char len, id; }
enc_names[] = {
  {"utf8", 4, ENC_UTF8}, {"hex", 3, ENC_HEX}, {"base64", 6, ENC_B64},
  {"utf-8", 5, ENC_UTF8}, {"latin1", 6, ENC_LATIN1},
  {"base64url", 9, ENC_B64URL}, {"binary", 6, ENC_LATIN1},
  {"ascii", 5, ENC_ASCII}, {"utf16le", 7, ENC_UTF16},
  {"utf-16le", 8, ENC_UTF16}, {"ucs2", 4, ENC_UTF16},
  {"ucs-2", 5, ENC_UTF16}
};

/* The encoding named s (case-insensitive, as Node), or -1. */
int lode__enc_find (const char *s, size_t n) {
  size_t i, k;
  const char *e;
  for (k = 0; k < sizeof enc_names / sizeof enc_names[0]; k++) {
    if (enc_names[k].len != n) continue;
    for (e = enc_names[k].name, i = 0; i < n; i++)
      if (s[i] != e[i] && (s[i] < 'A' || s[i] > 'Z' || s[i] + 32 != e[i]))
        break;
    if (i == n) return enc_names[k].id;
  }
  return -1;
}

/* Length of the well-formed UTF-8 sequence at p (1..4), or minus the
** length of its maximal ill-formed subpart, which the decoder replaces
** by one U+FFFD (WHATWG, as V8 and so Node). n >= 1. */
static int utf8_seq (const unsigned char *p, size_t n) {
  unsigned lo = 0x80, hi = 0xBF, c = p[0];
  int need, k;
  if (c < 0x80) return 1;
  if (c < 0xC2 || c > 0xF4) return -1;
  need = c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
  if (c == 0xE0) lo = 0xA0;
  else if (c == 0xED) hi = 0x9F;
  else if (c == 0xF0) lo = 0x90;
  else if (c == 0xF4) hi = 0x8F;
  for (k = 1; k <= need; k++) {
    if ((size_t)k >= n || p[k] < lo || p[k] > hi) return -k;
    lo = 0x80;
    hi = 0xBF;
  }
  return need + 1;
}

/* Length of the longest well-formed prefix; ASCII 8 bytes at a time. */
static size_t utf8_valid (const unsigned char *p, size_t n) {
  size_t i = 0;
  uint64_t w;
  int k;
  while (i < n) {
    if (i + 8 <= n) {
      memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) { i += 8; continue; }
    }
    if ((k = utf8_seq(p + i, n - i)) < 0) break;
    i += (size_t)k;
  }
  return i;
}

/* The code point at s[*i]; a byte that starts no well-formed sequence
** stands for itself (U+0080..U+00FF), so binary strings survive. */
static uint32_t utf8_next (const unsigned char *s, size_t n, size_t *i) {
  const unsigned char *p = s + *i;
  int k = utf8_seq(p, n - *i), j;
  uint32_t c = p[0];
  if (k <= 1) { *i += 1; return c; }
  c &= 0x7Fu >> k;
  for (j = 1; j < k; j++) c = c << 6 | (p[j] & 0x3Fu);
  *i += (size_t)k;
  return c;
}

static size_t utf8_put (unsigned char *d, uint32_t c) {
  if (c < 0x80) { d[0] = (unsigned char)c; return 1; }
  if (c < 0x800) {
    d[0] = (unsigned char)(0xC0 | c >> 6);
    d[1] = (unsigned char)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    d[0] = (unsigned char)(0xE0 | c >> 12);
    d[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
    d[2] = (unsigned char)(0x80 | (c & 0x3F));
    return 3;
  }
  d[0] = (unsigned char)(0xF0 | c >> 18);
  d[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
  d[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
  d[3] = (unsigned char)(0x80 | (c & 0x3F));
  return 4;
}

/* UTF-16 code units of a Lua string read as text (latin1 bytes). */
static size_t utf8_units (const unsigned char *s, size_t n) {
  size_t i = 0, u = 0;
  while (i < n) {
    if (s[i] < 0x80) { i++; u++; }
    else u += utf8_next(s, n, &i) > 0xFFFF ? 2 : 1;
  }
  return u;
}

/* utf8 write: bytes unchanged, but never half a character (Node). */
static size_t utf8_write (unsigned char *d, size_t cap,
                          const unsigned char *s, size_t n) {
  size_t k = cap;
  if (n > cap) {
    while (k > 0 && cap - k < 3 && (s[k] & 0xC0) == 0x80) k--;
    n = k < cap && s[k] >= 0xC0 ? k : cap;
  }
  memcpy(d, s, n);
  return n;
}

/* Decoders below write at most dec_max(enc, n) bytes to d and return
** how many. This one copies ill-formed UTF-8 with U+FFFD replacements. */
static size_t utf8_read (char *d, const unsigned char *p, size_t n) {
  size_t i, o = 0;
  int k;
  for (;;) {
    i = utf8_valid(p, n);
    memcpy(d + o, p, i);
    o += i;
    if ((n -= i) == 0) return o;
    k = -utf8_seq(p += i, n);
    memcpy(d + o, "\xEF\xBF\xBD", 3);
    o += 3;
    p += k;
    n -= (size_t)k;
  }
}

/* latin1 and ascii write one byte per UTF-16 unit (its low byte). */
static size_t latin1_write (unsigned char *d, size_t cap,
                            const unsigned char *s, size_t n) {
  size_t i = 0, o = 0;
  uint32_t c;
  while (i < n && o < cap) {
    c = s[i] < 0x80 ? s[i++] : utf8_next(s, n, &i);
    if (c > 0xFFFF) {              /* a surrogate pair, as in a JS string */
      c -= 0x10000;
      d[o++] = (unsigned char)(c >> 10);
      if (o == cap) break;
    }
    d[o++] = (unsigned char)c;
  }
  return o;
}

static size_t latin1_read (char *d, const unsigned char *p, size_t n,
                           unsigned mask) {
  size_t i, o = 0;
  for (i = 0; i < n; i++) o += utf8_put((unsigned char *)d + o, p[i] & mask);
  return o;
}

static size_t utf16_write (unsigned char *d, size_t cap,
                           const unsigned char *s, size_t n) {
  size_t i = 0, o = 0;
  uint32_t c;
  while (i < n && o + 2 <= cap) {
    c = utf8_next(s, n, &i);
    if (c > 0xFFFF) {
      c -= 0x10000;
      d[o] = (unsigned char)(c >> 10);
      d[o + 1] = (unsigned char)(0xD8 | c >> 18);
      o += 2;
      if (o + 2 > cap) break;
      c = 0xDC00 | (c & 0x3FF);
    }
    d[o] = (unsigned char)c;
    d[o + 1] = (unsigned char)(c >> 8);
    o += 2;
  }
  return o;
}

/* Surrogate pairs join; a lone surrogate becomes U+FFFD; an odd last
** byte is ignored (Node). */
static size_t utf16_read (char *d, const unsigned char *p, size_t n) {
  size_t i, o = 0;
  uint32_t c, c2;
  for (i = 0; i + 1 < n; i += 2) {
    c = p[i] | (uint32_t)p[i + 1] << 8;
    if (c >= 0xD800 && c < 0xE000) {
      c2 = i + 3 < n ? (p[i + 2] | (uint32_t)p[i + 3] << 8) : 0;
      if (c < 0xDC00 && c2 >= 0xDC00 && c2 < 0xE000) {
        c = 0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00);
        i += 2;
      } else c = 0xFFFD;
    }
    o += utf8_put((unsigned char *)d + o, c);
  }
  return o;
}

static int hex_digit (unsigned c) {
  if (c >= '0' && c <= '9') return (int)(c - '0');
  c |= 0x20;
  return c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10) : -1;
}

/* Stops at the first pair that is not hex, as Node. */
static size_t hex_write (unsigned char *d, size_t cap,
                         const unsigned char *s, size_t n) {
  size_t i;
  int hi, lo;
  for (i = 0; i < cap && 2 * i + 1 < n; i++) {
    hi = hex_digit(s[2 * i]);
    lo = hex_digit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) break;
    d[i] = (unsigned char)(hi << 4 | lo);
  }
  return i;
}

static size_t hex_read (char *d, const unsigned char *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  size_t i;
  for (i = 0; i < n; i++) {
    d[2 * i] = digits[p[i] >> 4];
    d[2 * i + 1] = digits[p[i] & 15];
  }
  return 2 * n;
}

/* Base64 digit + 1 for both alphabets; 0: not a base64 character. */
static const unsigned char b64_val[256] = {
  ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7,
  ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13,
  ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19,
  ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25,
  ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31,
  ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37,
  ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42, ['q'] = 43,
  ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
  ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55,
  ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61,
  ['9'] = 62, ['+'] = 63, ['/'] = 64, ['-'] = 63, ['_'] = 64
};

/* Node's size estimate: 3/4 of the length without up to two '='. */
static size_t b64_len (const unsigned char *s, size_t n) {
  if (n > 0 && s[n - 1] == '=') n--;
  if (n > 1 && s[n - 1] == '=') n--;
  return n * 3 / 4;
}

/* Both alphabets; characters outside them (whitespace) are skipped and
** '=' ends the data, so missing padding is fine (Node). Whole groups of
** four digits take the fast loop. */
static size_t b64_write (unsigned char *d, size_t cap,
                         const unsigned char *s, size_t n) {
  uint32_t acc = 0, a, b, c, e;
  size_t i = 0, o = 0;
  int bits = 0;
  for (; i + 4 <= n && o + 3 <= cap; i += 4, o += 3) {
    a = b64_val[s[i]], b = b64_val[s[i + 1]];
    c = b64_val[s[i + 2]], e = b64_val[s[i + 3]];
    if (!a || !b || !c || !e) break;
    acc = (a - 1) << 18 | (b - 1) << 12 | (c - 1) << 6 | (e - 1);
    d[o] = (unsigned char)(acc >> 16);
    d[o + 1] = (unsigned char)(acc >> 8);
    d[o + 2] = (unsigned char)acc;
  }
  for (acc = 0; i < n && o < cap; i++) {
    if ((a = b64_val[s[i]]) == 0) {
      if (s[i] == '=') break;
      continue;
    }
    acc = (acc << 6 | (a - 1)) & 0xFFFFFF;
    if ((bits += 6) >= 8) {
      bits -= 8;
      d[o++] = (unsigned char)(acc >> bits);
    }
  }
  return o;
}

static size_t b64_read (char *d, const unsigned char *p, size_t n,
                        int url) {
  const char *a = url
    ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i, o = 0;
  uint32_t v;
  for (i = 0; i + 2 < n; i += 3) {
    v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    d[o++] = a[v >> 18];
    d[o++] = a[v >> 12 & 63];
    d[o++] = a[v >> 6 & 63];
    d[o++] = a[v & 63];
  }
  if (i < n) {
    v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
    d[o++] = a[v >> 18];
    d[o++] = a[v >> 12 & 63];
    if (i + 1 < n) d[o++] = a[v >> 6 & 63];
    else if (!url) d[o++] = '=';
    if (!url) d[o++] = '=';
  }
  return o;
}

/* Bytes that encoding s takes (an upper bound for hex and base64). */
size_t lode__enc_len (int enc, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  switch (enc) {
    case ENC_HEX: return n / 2;
    case ENC_B64: case ENC_B64URL: return b64_len(s, n);
    case ENC_LATIN1: case ENC_ASCII: return utf8_units(s, n);
    case ENC_UTF16: return 2 * utf8_units(s, n);
    default: return n;
  }
}

/* Encodes s into at most cap bytes at d; returns the bytes written. */
size_t lode__enc_write (int enc, char *d, size_t cap, const char *s,
                        size_t n) {
  unsigned char *o = (unsigned char *)d;
  const unsigned char *i = (const unsigned char *)s;
  switch (enc) {
    case ENC_HEX: return hex_write(o, cap, i, n);
    case ENC_B64: case ENC_B64URL: return b64_write(o, cap, i, n);
    case ENC_LATIN1: case ENC_ASCII: return latin1_write(o, cap, i, n);
    case ENC_UTF16: return utf16_write(o, cap, i, n);
    default: return utf8_write(o, cap, i, n);
  }
}

/* Bytes a decoder may write for n input bytes. */
static size_t dec_max (int enc, size_t n) {
  switch (enc) {
    case ENC_HEX: case ENC_LATIN1: return 2 * n;
    case ENC_B64: case ENC_B64URL: return (n + 2) / 3 * 4;
    case ENC_ASCII: return n;
    case ENC_UTF16: return n / 2 * 3;
    default: return 3 * n;
  }
}

/* Pushes the n bytes at s decoded as a Lua string. Well-formed UTF-8 is
** pushed as it is; small results are built on the C stack. */
void lode__enc_push (lua_State *L, int enc, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  char small[256], *d = small;
  size_t max = dec_max(enc, n), len;
  luaL_Buffer lb;
  if (enc == ENC_UTF8 && utf8_valid(p, n) == n) {
    lua_pushlstring(L, s, n);
    return;
  }
  if (max > sizeof small) d = luaL_buffinitsize(L, &lb, max);
  switch (enc) {
    case ENC_HEX: len = hex_read(d, p, n); break;
    case ENC_B64: case ENC_B64URL: len = b64_read(d, p, n, enc == ENC_B64URL);
      break;
    case ENC_LATIN1: len = latin1_read(d, p, n, 0xFF); break;
    case ENC_ASCII: len = latin1_read(d, p, n, 0x7F); break;
    case ENC_UTF16: len = utf16_read(d, p, n); break;
    default: len = utf8_read(d, p, n);
  }
  if (d == small) lua_pushlstring(L, small, len);
  else luaL_pushresultsize(&lb, len);
}

/* }======== */

/* {======== Search, compare, fill, byte order */

int lode__bytes_cmp (const char *a, size_t la, const char *b, size_t lb) {
  int r = memcmp(a, b, la < lb ? la : lb);
  if (r == 0) return la > lb ? 1 : la < lb ? -1 : 0;
  return r > 0 ? 1 : -1;
}

/* Node's IndexOfOffset: where a search starts, or -1 for no match. */
static int64_t find_start (int64_t len, int64_t off, int64_t nlen, int fwd) {
  if (off < 0) {
    if (off + len >= 0) return len + off;
    return fwd || nlen == 0 ? 0 : -1;
  }
  if (off <= len - nlen) return off;       /* off + nlen may overflow */
  if (nlen == 0) return len;
  return fwd ? -1 : len - 1;
}

/* Node's indexOf (fwd) / lastIndexOf: index of the needle or -1; an
** empty needle is found where the search starts. */
int64_t lode__bytes_find (const char *h, size_t len, const char *nd,
                          size_t nl, int64_t off, int fwd) {
  int64_t o = find_start((int64_t)len, off, (int64_t)nl, fwd);
  int64_t last = (int64_t)len - (int64_t)nl;
  const char *hit;
  if (nl == 0) return o;
  if (len == 0 || o < 0 || last < (fwd ? o : 0)) return -1;
  if (fwd) {
    hit = (const char *)memmem(h + o, len - (size_t)o, nd, nl);
    return hit ? hit - h : -1;
  }
  for (o = o < last ? o : last; o >= 0; o--)
    if (h[o] == nd[0] && memcmp(h + o, nd, nl) == 0) return o;
  return -1;
}

/* Repeats the n-byte pattern p over len bytes at d, doubling copies. */
void lode__bytes_fill (char *d, size_t len, const char *p, size_t n) {
  size_t done = n < len ? n : len;
  memcpy(d, p, done);
  for (; done < len; done *= 2)
    memcpy(d + done, d, done < len - done ? done : len - done);
}

/* Reverses every n-byte group (len is a multiple of n). */
void lode__bytes_swap (unsigned char *d, size_t len, size_t n) {
  size_t i, k;
  unsigned char t;
  for (i = 0; i < len; i += n)
    for (k = 0; k < n / 2; k++) {
      t = d[i + k];
      d[i + k] = d[i + n - 1 - k];
      d[i + n - 1 - k] = t;
    }
}

uint64_t lode__bytes_load (const unsigned char *p, int n, int be) {
  uint64_t v = 0;
  int i;
  for (i = 0; i < n; i++) v |= (uint64_t)p[be ? n - 1 - i : i] << (8 * i);
  return v;
}

void lode__bytes_store (unsigned char *p, uint64_t v, int n, int be) {
  int i;
  for (i = 0; i < n; i++)
    p[be ? n - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

/* }======== */
