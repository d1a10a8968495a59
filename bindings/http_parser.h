/*
** http_parser.h: the llhttp wrapper shared by lode.binding.http_parser
** (the client's response parser, driven from Lua) and
** lode.binding.http_server (the server's connections, driven from C).
**
** STYLE.md rule 10: llhttp's callbacks (http_parser.c) never touch Lua.
** They copy the start line and the header fields into the parser's own
** head buffer, record body spans (pointers into the caller's input,
** valid until llhttp_execute returns), count header bytes against
** max_header, and set event flags; on_message_complete (and, when asked,
** on_headers_complete) return HPE_PAUSED, so execute() stops at the
** message boundary and the caller builds Lua values afterwards.
**
** The head buffer holds the URL (requests) or reason phrase (responses)
** in head[0 .. text_len), then one record per header field: a 4-byte
** length and the name, a 4-byte length and the value (host byte order).
** Trailers use the same encoding, from trailer_at on. lode_hp_push_*
** turn those bytes into Lua strings; lode.http keeps the header records
** as one string per message and builds the tables only when read.
*/
#ifndef LODE_HTTP_PARSER_H
#define LODE_HTTP_PARSER_H

#include <stdint.h>
#include <llhttp.h>
#include "lode.h"

#define LODE_HP_SPANS 4               /* body spans before copying */

/* Event flags, set by the callbacks during one execute. */
#define HP_EV_BEGIN 1                 /* a message started */
#define HP_EV_HEADERS 2               /* its headers are complete */
#define HP_EV_COMPLETE 4              /* it is complete (parser paused) */

/* Flags describing a message, filled when its headers are complete. */
#define HP_KEEPALIVE 1
#define HP_UPGRADE 2
#define HP_EXPECT_CONTINUE 4
#define HP_COMPLETE 8                 /* (set by the callers) */
#define HP_HAS_BODY 16
#define HP_EXPECT_OTHER 32
#define HP_CHUNKED 64
#define HP_HAS_HOST 128               /* a request with a Host field */

typedef struct lode_hspan {
  const char *at;
  size_t len;
} lode_hspan;

typedef struct lode_hp {
  llhttp_t p;                  /* first: callbacks get &hp->p */
  char *head;                  /* malloc'd, see the header comment */
  uint32_t hlen, hcap;
  uint32_t text_len;           /* URL or reason phrase length */
  uint32_t fopen;              /* offset of the open record's length */
  uint32_t trailer_at;         /* 0: no trailers yet */
  uint32_t hbytes;             /* header bytes so far (max_header) */
  uint32_t max_header;
  lode_hspan body[LODE_HP_SPANS];
  int nbody;                   /* spans recorded in this execute */
  char *bcopy;                 /* spans overflowed: bytes copied here */
  size_t blen, bcap;
  uint64_t now;                /* caller's clock, for msg_start */
  uint64_t msg_start;          /* 'now' when the message began */
  uint8_t ev;                  /* HP_EV_* of this execute */
  uint8_t mflags;              /* HP_* of the current message */
  uint8_t open;                /* 0 none, 1 field, 2 value */
  uint8_t headers_done;        /* later fields are trailers */
  uint8_t overflow;            /* headers passed max_header */
  uint8_t nomem;               /* a buffer could not grow */
  uint8_t pause_headers;       /* client: pause at headers complete */
  uint8_t skip_body;           /* client: 1 HEAD, 2 CONNECT request */
  uint8_t allow_upgrade;       /* server: someone listens to 'upgrade' */
  uint8_t is_expect;           /* the open field is Expect */
} lode_hp;

/* Initialises hp as a parser of type HTTP_REQUEST or HTTP_RESPONSE.
** lenient: Node's insecureHTTPParser. Allocates nothing yet. */
void lode_hp_init (lode_hp *hp, llhttp_type_t type, uint32_t max_header,
                   int lenient);
/* Ready for the next message: clears the head and the spans. */
void lode_hp_next (lode_hp *hp);
/* Frees the buffers (the parser itself is the caller's memory). */
void lode_hp_free (lode_hp *hp);
/* Drops buffers bigger than a small request needs (idle connections). */
void lode_hp_shrink (lode_hp *hp);

/* Runs llhttp over data[0 .. len). Clears the spans and events first.
** Returns llhttp's status; *used is how many bytes were consumed. */
llhttp_errno_t lode_hp_execute (lode_hp *hp, const char *data, size_t len,
                                size_t *used);
/* Total body bytes recorded by the last execute. */
size_t lode_hp_body_len (const lode_hp *hp);
/* Copies the recorded body into dst (lode_hp_body_len bytes). */
void lode_hp_body_copy (const lode_hp *hp, char *dst);
/* Pushes the recorded body as a new Buffer, or nil when there is none. */
void lode_hp_push_body (lua_State *L, const lode_hp *hp);
/* Pushes the URL / reason phrase as a string. */
void lode_hp_push_text (lua_State *L, const lode_hp *hp);
/* Pushes the encoded header records (or trailer records, when trailers
** is 1) as one string; trailers push nil when there are none. */
void lode_hp_push_raw (lua_State *L, const lode_hp *hp, int trailers);
/* The error code name for a failed execute ("HPE_INVALID_METHOD", or
** "HPE_HEADER_OVERFLOW" for a head over max_header). */
const char *lode_hp_error_code (const lode_hp *hp, llhttp_errno_t err);

/* Method name of an llhttp method id (a static string). */
const char *lode_hp_method_name (int method);
/* Reason phrase of a status code, or NULL when unknown. */
const char *lode_hp_status_text (int code);
/* Header name / value checks: 1 when acceptable (Node's checkIsHttpToken
** and checkInvalidHeaderChar). */
int lode_hp_is_token (const char *s, size_t len);
int lode_hp_is_value (const char *s, size_t len);

#endif
