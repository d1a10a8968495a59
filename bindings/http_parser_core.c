/*
** http_parser_core.c: the C half of lode.binding.http_parser (see
** http_parser.h): llhttp's callbacks, the driver functions, and the
** tables both halves use (status texts, method names, token checks).
** Nothing here touches Lua except lode_hp_push_*, which run after
** llhttp_execute has returned.
**
** STYLE.md rule 10 is why the callbacks only copy and record.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "http_parser.h"

#define HP(p) ((lode_hp *)(void *)(p))

/*
** {======================================================
** The C core: callbacks (no Lua here)
** =======================================================
*/

/* Makes room for 'need' more bytes in the head buffer. */
static int hp_grow (lode_hp *hp, size_t need) {
  size_t cap;
  char *n;
  if ((size_t)hp->hlen + need <= hp->hcap) return 0;
  cap = hp->hcap ? hp->hcap : 256;
  while (cap < (size_t)hp->hlen + need) cap *= 2;
  if (cap > UINT32_MAX || (n = (char *)realloc(hp->head, cap)) == NULL) {
    hp->nomem = 1;
    return -1;
  }
  hp->head = n;
  hp->hcap = (uint32_t)cap;
  return 0;
}

static int hp_append (lode_hp *hp, const char *at, size_t len) {
  if (hp_grow(hp, len) < 0) return -1;
  memcpy(hp->head + hp->hlen, at, len);
  hp->hlen += (uint32_t)len;
  return 0;
}

/* Node's TrackHeader: the start line and the fields count against
** max_header (reset when the message begins and after its headers). */
static int hp_count (lode_hp *hp, size_t len) {
  hp->hbytes += (uint32_t)len;
  if (hp->hbytes >= hp->max_header) {
    hp->overflow = 1;
    return -1;
  }
  return 0;
}

static int hp_on_begin (llhttp_t *p) {
  lode_hp *hp = HP(p);
  hp->ev |= HP_EV_BEGIN;
  hp->msg_start = hp->now;
  hp->hlen = hp->text_len = hp->trailer_at = hp->hbytes = 0;
  hp->open = hp->headers_done = hp->mflags = hp->is_expect = 0;
  return 0;
}

/* The URL of a request, the reason phrase of a response. */
static int hp_on_text (llhttp_t *p, const char *at, size_t len) {
  lode_hp *hp = HP(p);
  if (hp_count(hp, len) < 0 || hp_append(hp, at, len) < 0) return HPE_USER;
  hp->text_len += (uint32_t)len;
  return 0;
}

/* Opens a record (kind 1: name, 2: value): a length word, then bytes. */
static int hp_open (lode_hp *hp, int kind) {
  if (hp->open == kind) return 0;
  if (hp_grow(hp, 4) < 0) return -1;
  hp->fopen = hp->hlen;
  hp->hlen += 4;
  hp->open = (uint8_t)kind;
  return 0;
}

/* Closes the open record; returns its bytes (for the Expect check). */
static const char *hp_close (lode_hp *hp, uint32_t *len) {
  uint32_t n = hp->hlen - hp->fopen - 4;
  memcpy(hp->head + hp->fopen, &n, 4);
  hp->open = 0;
  *len = n;
  return hp->head + hp->fopen + 4;
}

static int hp_on_field (llhttp_t *p, const char *at, size_t len) {
  lode_hp *hp = HP(p);
  if (hp_count(hp, len) < 0 || hp_open(hp, 1) < 0) return HPE_USER;
  return hp_append(hp, at, len) < 0 ? HPE_USER : 0;
}

static int hp_on_field_done (llhttp_t *p) {
  lode_hp *hp = HP(p);
  const char *s;
  uint32_t n;
  if (hp_open(hp, 1) < 0) return HPE_USER;
  s = hp_close(hp, &n);
  hp->is_expect = !hp->headers_done && n == 6 && !strncasecmp(s, "expect", 6);
  if (n == 4 && !hp->headers_done && !strncasecmp(s, "host", 4))
    hp->mflags |= HP_HAS_HOST;
  return 0;
}

static int hp_on_value (llhttp_t *p, const char *at, size_t len) {
  lode_hp *hp = HP(p);
  if (hp_count(hp, len) < 0 || hp_open(hp, 2) < 0) return HPE_USER;
  return hp_append(hp, at, len) < 0 ? HPE_USER : 0;
}

/* Closes a value; trailing blanks go (as Node trims them). */
static int hp_on_value_done (llhttp_t *p) {
  lode_hp *hp = HP(p);
  const char *s;
  uint32_t n;
  if (hp_open(hp, 2) < 0) return HPE_USER;
  while (hp->hlen > hp->fopen + 4 &&
         (hp->head[hp->hlen - 1] == ' ' || hp->head[hp->hlen - 1] == '\t'))
    hp->hlen--;
  s = hp_close(hp, &n);
  if (hp->is_expect) {
    hp->mflags |= (n == 12 && !strncasecmp(s, "100-continue", 12))
      ? HP_EXPECT_CONTINUE : HP_EXPECT_OTHER;
    hp->is_expect = 0;
  }
  return 0;
}

static int hp_on_headers_done (llhttp_t *p) {
  lode_hp *hp = HP(p);
  hp->ev |= HP_EV_HEADERS;
  hp->headers_done = 1;
  hp->hbytes = 0;
  hp->trailer_at = hp->hlen;
  if (p->type == HTTP_REQUEST && p->upgrade && p->method != HTTP_CONNECT &&
      !hp->allow_upgrade)
    p->upgrade = 0;                   /* a plain request, as Node */
  if (hp->skip_body == 1) p->flags |= F_SKIPBODY;
  if (llhttp_should_keep_alive(p)) hp->mflags |= HP_KEEPALIVE;
  if (p->upgrade) hp->mflags |= HP_UPGRADE;
  if (p->flags & F_CHUNKED) hp->mflags |= HP_CHUNKED | HP_HAS_BODY;
  else if (p->content_length > 0) hp->mflags |= HP_HAS_BODY;
  if (hp->skip_body == 2 && p->status_code / 100 == 2) {
    hp->mflags |= HP_UPGRADE;          /* a CONNECT tunnel is open */
    return 2;
  }
  return hp->pause_headers ? HPE_PAUSED : 0;
}

/* Switches to copying once the span array is full (many small chunks). */
static int hp_on_body (llhttp_t *p, const char *at, size_t len) {
  lode_hp *hp = HP(p);
  lode_hspan *last = hp->nbody > 0 ? &hp->body[hp->nbody - 1] : NULL;
  size_t cap, i;
  char *n;
  if (hp->blen == 0) {                 /* not copying yet */
    if (last != NULL && last->at + last->len == at) {
      last->len += len;
      return 0;
    }
    if (hp->nbody < LODE_HP_SPANS) {
      hp->body[hp->nbody].at = at;
      hp->body[hp->nbody++].len = len;
      return 0;
    }
  }
  cap = hp->bcap ? hp->bcap : 4096;
  while (cap < hp->blen + lode_hp_body_len(hp) + len) cap *= 2;
  if (cap > hp->bcap) {
    if ((n = (char *)realloc(hp->bcopy, cap)) == NULL) {
      hp->nomem = 1;
      return HPE_USER;
    }
    hp->bcopy = n;
    hp->bcap = cap;
  }
  for (i = 0; i < (size_t)hp->nbody; i++) {     /* spans first, once */
    memcpy(hp->bcopy + hp->blen, hp->body[i].at, hp->body[i].len);
    hp->blen += hp->body[i].len;
  }
  hp->nbody = 0;
  memcpy(hp->bcopy + hp->blen, at, len);
  hp->blen += len;
  return 0;
}

static int hp_on_complete (llhttp_t *p) {
  HP(p)->ev |= HP_EV_COMPLETE;
  return HPE_PAUSED;
}

static const llhttp_settings_t hp_settings = {
  hp_on_begin,                         /* on_message_begin */
  hp_on_text, hp_on_text,              /* on_url, on_status */
  NULL, NULL,                          /* on_method, on_version */
  hp_on_field, hp_on_value,
  NULL, NULL,                          /* chunk extensions */
  hp_on_headers_done,
  hp_on_body,
  hp_on_complete,
  NULL, NULL, NULL, NULL,              /* url/status/method/version done */
  hp_on_field_done, hp_on_value_done,
  NULL, NULL, NULL, NULL, NULL         /* chunk ext done, chunks, reset */
};
/* }====================================================== */

/*
** {======================================================
** The C core: what the drivers call
** =======================================================
*/
void lode_hp_init (lode_hp *hp, llhttp_type_t type, uint32_t max_header,
                   int lenient) {
  char *head = hp->head, *bcopy = hp->bcopy;
  uint32_t hcap = hp->hcap;
  size_t bcap = hp->bcap;
  memset(hp, 0, sizeof *hp);
  hp->head = head;                     /* buffers survive a reset */
  hp->hcap = hcap;
  hp->bcopy = bcopy;
  hp->bcap = bcap;
  llhttp_init(&hp->p, type, &hp_settings);
  hp->max_header = max_header ? max_header : 16384;
  if (lenient) {
    llhttp_set_lenient_headers(&hp->p, 1);
    llhttp_set_lenient_chunked_length(&hp->p, 1);
    llhttp_set_lenient_keep_alive(&hp->p, 1);
  }
}

void lode_hp_next (lode_hp *hp) {
  hp->hlen = hp->text_len = hp->trailer_at = 0;
  hp->nbody = 0;
  hp->blen = 0;
}

void lode_hp_free (lode_hp *hp) {
  free(hp->head);
  free(hp->bcopy);
  hp->head = hp->bcopy = NULL;
  hp->hcap = 0;
  hp->bcap = hp->blen = 0;
}

void lode_hp_shrink (lode_hp *hp) {
  if (hp->hcap > 4096 && hp->hlen == 0) {
    free(hp->head);
    hp->head = NULL;
    hp->hcap = 0;
  }
  free(hp->bcopy);
  hp->bcopy = NULL;
  hp->bcap = hp->blen = 0;
}

llhttp_errno_t lode_hp_execute (lode_hp *hp, const char *data, size_t len,
                                size_t *used) {
  llhttp_errno_t err;
  const char *pos;
  hp->ev = 0;
  hp->nbody = 0;
  hp->blen = 0;
  err = llhttp_execute(&hp->p, data, len);
  if (err == HPE_OK) {
    *used = len;
  } else {
    pos = llhttp_get_error_pos(&hp->p);
    *used = (pos != NULL && pos >= data && pos <= data + len)
      ? (size_t)(pos - data) : 0;
  }
  return err;
}

size_t lode_hp_body_len (const lode_hp *hp) {
  size_t n = hp->blen;
  int i;
  for (i = 0; i < hp->nbody; i++) n += hp->body[i].len;
  return n;
}

void lode_hp_body_copy (const lode_hp *hp, char *dst) {
  int i;
  if (hp->blen > 0) {
    memcpy(dst, hp->bcopy, hp->blen);
    return;
  }
  for (i = 0; i < hp->nbody; i++) {
    memcpy(dst, hp->body[i].at, hp->body[i].len);
    dst += hp->body[i].len;
  }
}

/* Small bodies become ordinary Buffers (collector-owned, no finalizer);
** big ones are malloc'd and adopted, so the collector never copies them
** around and frees them with one free(). */
void lode_hp_push_body (lua_State *L, const lode_hp *hp) {
  size_t n = lode_hp_body_len(hp);
  char *d;
  if (n == 0) {
    lua_pushnil(L);
  } else if (n <= 65536) {
    lode_hp_body_copy(hp, lode_buffer_new(L, n));
  } else {
    if ((d = (char *)malloc(n)) == NULL) luaL_error(L, "not enough memory");
    lode_hp_body_copy(hp, d);
    lode_buffer_adopt(L, d, n);        /* the Buffer owns d: no copy */
  }
}

void lode_hp_push_text (lua_State *L, const lode_hp *hp) {
  lua_pushlstring(L, hp->head ? hp->head : "", hp->text_len);
}

void lode_hp_push_raw (lua_State *L, const lode_hp *hp, int trailers) {
  uint32_t from = trailers ? hp->trailer_at : hp->text_len;
  uint32_t to = (trailers || !hp->headers_done) ? hp->hlen : hp->trailer_at;
  if (trailers && (!hp->headers_done || to <= from)) lua_pushnil(L);
  else lua_pushlstring(L, hp->head ? hp->head + from : "", to - from);
}

const char *lode_hp_error_code (const lode_hp *hp, llhttp_errno_t err) {
  if (hp->overflow) return "HPE_HEADER_OVERFLOW";
  if (hp->nomem) return "HPE_NOMEM";
  return llhttp_errno_name(err);
}
/* }====================================================== */

/*
** {======================================================
** Tables: status texts, methods, header checks
** =======================================================
*/
static const struct { int code; const char *text; } hp_statuses[] = {
  {100, "Continue"}, {101, "Switching Protocols"}, {102, "Processing"},
  {103, "Early Hints"}, {200, "OK"}, {201, "Created"}, {202, "Accepted"},
  {203, "Non-Authoritative Information"}, {204, "No Content"},
  {205, "Reset Content"}, {206, "Partial Content"}, {207, "Multi-Status"},
  {208, "Already Reported"}, {226, "IM Used"}, {300, "Multiple Choices"},
  {301, "Moved Permanently"}, {302, "Found"}, {303, "See Other"},
  {304, "Not Modified"}, {305, "Use Proxy"}, {307, "Temporary Redirect"},
  {308, "Permanent Redirect"}, {400, "Bad Request"}, {401, "Unauthorized"},
  {402, "Payment Required"}, {403, "Forbidden"}, {404, "Not Found"},
  {405, "Method Not Allowed"}, {406, "Not Acceptable"},
  {407, "Proxy Authentication Required"}, {408, "Request Timeout"},
  {409, "Conflict"}, {410, "Gone"}, {411, "Length Required"},
  {412, "Precondition Failed"}, {413, "Payload Too Large"},
  {414, "URI Too Long"}, {415, "Unsupported Media Type"},
  {416, "Range Not Satisfiable"}, {417, "Expectation Failed"},
  {418, "I'm a Teapot"}, {421, "Misdirected Request"},
  {422, "Unprocessable Entity"}, {423, "Locked"}, {424, "Failed Dependency"},
  {425, "Too Early"}, {426, "Upgrade Required"},
  {428, "Precondition Required"}, {429, "Too Many Requests"},
  {431, "Request Header Fields Too Large"},
  {451, "Unavailable For Legal Reasons"}, {500, "Internal Server Error"},
  {501, "Not Implemented"}, {502, "Bad Gateway"},
  {503, "Service Unavailable"}, {504, "Gateway Timeout"},
  {505, "HTTP Version Not Supported"}, {506, "Variant Also Negotiates"},
  {507, "Insufficient Storage"}, {508, "Loop Detected"},
  {509, "Bandwidth Limit Exceeded"}, {510, "Not Extended"},
  {511, "Network Authentication Required"}, {0, NULL}
};

const char *lode_hp_status_text (int code) {
  int lo = 0, hi = (int)(sizeof hp_statuses / sizeof hp_statuses[0]) - 2;
  while (lo <= hi) {                   /* the table is sorted */
    int mid = (lo + hi) / 2;
    if (hp_statuses[mid].code == code) return hp_statuses[mid].text;
    if (hp_statuses[mid].code < code) lo = mid + 1;
    else hi = mid - 1;
  }
  return NULL;
}

const char *lode_hp_method_name (int method) {
  switch (method) {
#define HP_METHOD(num, name, string) case num: return #string;
    HTTP_ALL_METHOD_MAP(HP_METHOD)
#undef HP_METHOD
    default: return "UNKNOWN";
  }
}

/* Node's checkIsHttpToken: ^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$ */
static const unsigned char hp_tchar[256] = {
  ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
  ['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
  ['`'] = 1, ['|'] = 1, ['~'] = 1,
  ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
  ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
  ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
  ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
  ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
  ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
  ['y'] = 1, ['z'] = 1,
  ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
  ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
  ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
  ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
  ['Y'] = 1, ['Z'] = 1
};

int lode_hp_is_token (const char *s, size_t len) {
  size_t i;
  if (len == 0) return 0;
  for (i = 0; i < len; i++)
    if (!hp_tchar[(unsigned char)s[i]]) return 0;
  return 1;
}

/* Node's checkInvalidHeaderChar: only \t, 0x20-0x7e and 0x80-0xff. */
int lode_hp_is_value (const char *s, size_t len) {
  size_t i;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) return 0;
  }
  return 1;
}
/* }====================================================== */

