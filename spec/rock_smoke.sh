#!/bin/sh
# Installs lode with LuaRocks into a temporary tree (offline) and runs a
# smoke script under plain lua5.4: globals, a timer, a promise, run().
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
luarocks --lua-version=5.4 --tree="$tree" make --deps-mode=none \
  rockspec/lode-scm-1.rockspec >"$tree/log" 2>&1 || { cat "$tree/log"; exit 1; }
out=$(cd "$tree" && LUA_PATH="$tree/share/lua/5.4/?.lua;$tree/share/lua/5.4/?/init.lua" \
  LUA_CPATH="$tree/lib/lua/5.4/?.so" timeout 20 lua5.4 -e '
local lode = require "lode"
lode.globals()
local order = {}
setTimeout(function() order[#order + 1] = "timer" end, 5)
async(function()
  local v = await(Promise.resolve(42))
  order[#order + 1] = "await " .. v
end)()
lode.run()
print(table.concat(order, ","))')
[ "$out" = "await 42,timer" ] || { echo "smoke printed: $out"; exit 1; }
