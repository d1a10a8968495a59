#!/bin/sh
# Writes the host's preload table: one luaopen_lode_binding_NAME for each
# bindings/NAME.c given that defines it (other .c files there are parts
# of a binding split across files).
names=""
for f in "$@"; do
  n=$(basename "$f" .c)
  grep -q "^int luaopen_lode_binding_$n " "$f" && names="$names $n"
done
echo '#include "lode.h"'
for n in $names; do echo "int luaopen_lode_binding_$n (lua_State *L);"; done
echo 'const luaL_Reg lode_preload[] = {'
for n in $names; do echo "  {\"lode.binding.$n\", luaopen_lode_binding_$n},"; done
echo '  {NULL, NULL}'
echo '};'
