/*
** json_num.c: numbers as JSON.stringify (and so JavaScript's
** Number.prototype.toString) writes them, a part of lode.binding.json
** (see json.c): integers exactly, finite doubles in the shortest form
** that reads back as the same double, closest to it among those, with
** JavaScript's choice between fixed and exponent notation. C only: no
** Lua value is touched.
*/
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Writes v in decimal to buf (at least 24 bytes); returns the length. */
size_t lode__json_fmtint (char *buf, lua_Integer v) {
  char tmp[24];
  size_t n = 0, k = 0;
  lua_Unsigned u = (lua_Unsigned)v;
  if (v < 0) { buf[k++] = '-'; u = 0u - u; }
  do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u != 0);
  while (n > 0) buf[k++] = tmp[--n];
  return k;
}

/*
** The prec-digit decimal next to a (> 0) on the other side from its
** nearest one, whose %e form is in tmp: written to tmp as "MMMeX" (an
** integer mantissa). Where a is a power of two the gap below it is half
** the gap above, so the nearest decimal can miss while this one reads
** back as a.
*/
static void num_neighbour (char *tmp, size_t size, double a, int prec) {
  uint64_t m = 0;
  const char *p;
  int e;
  for (p = tmp; *p != 'e'; p++)
    if (*p != '.') m = m * 10 + (uint64_t)(*p - '0');
  e = atoi(p + 1) - (prec - 1);             /* tmp = m * 10^e */
  m = strtod(tmp, NULL) < a ? m + 1 : m - 1;
  snprintf(tmp, size, "%" PRIu64 "e%d", m, e);
}

/* The decimal digits and exponent of the shortest form that reads back
** as d: as JavaScript picks them (closest among the shortest). */
static int num_digits (double d, char *dig, int *k) {
  char tmp[48];
  const char *p;
  double a = fabs(d);
  int prec, e, nb = 0;
  /* 15 digits always read back exactly for normal doubles, so the first
  ** precision that round-trips from there is the shortest; subnormals
  ** carry fewer digits and start from 1. 17 always round-trip. */
  for (prec = a < DBL_MIN ? 1 : 15; ; prec++) {
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, a);
    if (prec == 17 || strtod(tmp, NULL) == a) break;
    num_neighbour(tmp, sizeof tmp, a, prec);
    if ((nb = strtod(tmp, NULL) == a)) break;
  }
  *k = 0;
  for (p = tmp; *p != 'e'; p++)
    if (*p != '.') dig[(*k)++] = *p;
  /* %e's exponent is the first digit's; the neighbour's the last's. */
  e = nb ? atoi(p + 1) + *k - 1 : atoi(p + 1);
  while (*k > 1 && dig[*k - 1] == '0') (*k)--;
  return e;
}

/*
** Fast path for short decimals (19.99, 0.25): the first k for which an
** integer r <= 15 digits gives r / 10^k == d. Any decimal of at most 15
** digits that reads back as d is unique, and a smaller k would have been
** found first (r = d * 10^k is exact enough to round right), so this is
** the shortest form and what the slow path would print. Returns 0 when
** it does not apply.
*/
static size_t num_fmtshort (char *buf, double d) {
  static const double p10[] = { 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
    1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
  double a = fabs(d), r = 0;
  int k, len, i;
  char dig[24];
  if (a < 1e-5 || a >= 1e15) return 0;
  for (k = 0; k < 15; k++) {
    r = floor(a * p10[k] + 0.5);
    if (r >= 1e15) return 0;
    if (r / p10[k] == a) break;
  }
  if (k == 15) return 0;
  len = (int)lode__json_fmtint(dig, (lua_Integer)r);  /* k + 1 decimals */
  i = 0;
  if (d < 0) buf[i++] = '-';
  if (len <= k + 1) {                       /* 0.000ddd */
    buf[i++] = '0'; buf[i++] = '.';
    memset(buf + i, '0', (size_t)(k + 1 - len)); i += k + 1 - len;
    memcpy(buf + i, dig, (size_t)len); i += len;
  } else {
    memcpy(buf + i, dig, (size_t)(len - k - 1)); i += len - k - 1;
    buf[i++] = '.';
    memcpy(buf + i, dig + len - k - 1, (size_t)(k + 1)); i += k + 1;
  }
  return (size_t)i;
}

/*
** Writes a finite double as JavaScript's Number.prototype.toString does
** (1.5, 0.1, 1e+21, 1.5e-7; integral values without a point, -0 as 0)
** into buf (at least 32 bytes); returns the length.
*/
size_t lode__json_fmtfloat (char *buf, double d) {
  char dig[24];
  int k, n, i;
  size_t o = 0;
  if (d == 0) { buf[0] = '0'; return 1; }
  if (fabs(d) < 1e15 && d == floor(d))
    return lode__json_fmtint(buf, (lua_Integer)d);
  if ((o = num_fmtshort(buf, d)) != 0) return o;
  n = num_digits(d, dig, &k) + 1;    /* d = 0.DIGITS * 10^n */
  if (d < 0) buf[o++] = '-';
  if (k <= n && n <= 21) {
    memcpy(buf + o, dig, k); o += k;
    for (i = k; i < n; i++) buf[o++] = '0';
  } else if (0 < n && n <= 21) {
    memcpy(buf + o, dig, n); o += n;
    buf[o++] = '.';
    memcpy(buf + o, dig + n, k - n); o += k - n;
  } else if (-6 < n && n <= 0) {
    buf[o++] = '0'; buf[o++] = '.';
    for (i = n; i < 0; i++) buf[o++] = '0';
    memcpy(buf + o, dig, k); o += k;
  } else {
    buf[o++] = dig[0];
    if (k > 1) { buf[o++] = '.'; memcpy(buf + o, dig + 1, k - 1); o += k - 1; }
    o += snprintf(buf + o, 8, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
  }
  return o;
}
