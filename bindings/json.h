/*
** json.h: what the parts of lode.binding.json share: json.c (the
** encoder, the raise hook, luaopen), json_num.c (number formatting) and
** json_decode.c (the decoder).
*/
#ifndef LODE_JSON_H
#define LODE_JSON_H

#include "lode.h"

/* Nesting deeper than this raises a RangeError (both directions), well
** before the C stack could overflow. */
#define JSON_MAXDEPTH 1000

/* Raises the message on top of the stack as an Error of class 'cls'
** ("SyntaxError", "TypeError", "RangeError") through the hook that
** lode.json installs; a plain string error without the hook. Never
** returns. May call Lua (the hook). */
int lode__json_raise (lua_State *L, const char *cls);

/* Number formatting (json_num.c), C only: v in decimal into buf (at
** least 24 bytes), and a finite double as JavaScript prints it (1.5,
** 0.1, 1e+21, 1.5e-7; -0 as 0) into buf (at least 32 bytes). Both
** return the length written. */
size_t lode__json_fmtint (char *buf, lua_Integer v);
size_t lode__json_fmtfloat (char *buf, double d);

/* decode(text) -> value (json_decode.c); upvalue 1 is json.c's config
** table: [1] json.null, [2] the json.array mark. */
int lode__json_decode (lua_State *L);

#endif
