-- lode's C bindings (one lode.so) and Lua library for plain Lua 5.4.
-- `luarocks --lua-version=5.4 make rockspec/lode-scm-1.rockspec`
rockspec_format = "3.0"
package = "lode"
version = "scm-1"
source = { url = "git+file:///dev/null" }
description = {
  summary = "A Node.js-style runtime for Lua 5.4 on libuv",
  detailed = "Node's core modules as Lua modules: events, buffer, " ..
    "timers, promises and tasks, process, console, util, os, path, json.",
  license = "MIT",
}
dependencies = { "lua >= 5.4, < 5.5" }
build = {
  type = "make",
  build_target = "rock",
  install_target = "install-rock",
  build_variables = { LUA_INCDIR = "$(LUA_INCDIR)" },
  install_variables = {
    INST_LIBDIR = "$(LIBDIR)",
    INST_LUADIR = "$(LUADIR)",
  },
}
