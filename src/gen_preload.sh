#!/bin/sh
# Writes the host's preload table: one luaopen_lode_binding_NAME per
# bindings/NAME.c given as arguments.
echo '#include "lode.h"'
for n in "$@"; do echo "int luaopen_lode_binding_$n (lua_State *L);"; done
echo 'const luaL_Reg lode_preload[] = {'
for n in "$@"; do echo "  {\"lode.binding.$n\", luaopen_lode_binding_$n},"; done
echo '  {NULL, NULL}'
echo '};'
