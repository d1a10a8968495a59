-- The host's entry (src/main.c calls it with the command line): parses
-- the options of API.md section 1, runs the script as a task, runs the
-- loop, and exits with process.exitCode.
local lode = require "lode"
local loop = require "lode.internal.loop"
local Promise = require "lode.promise"

local USAGE = [[
Usage: lode [options] [script.lua | -e code | -] [arguments]
  -e, --eval CODE   run CODE
  -                 read the script from standard input
  -v, --version     print lode's version
  --versions        print the version of every library
  -h, --help        print this help
With no script and a terminal, lode starts an interactive REPL.]]

local function versions()
  local process = require "lode.process"
  local v = process.versions
  local out = {}
  for _, k in ipairs({ "lode", "lua", "uv", "zlib", "brotli", "mbedtls",
    "nettle", "llhttp" }) do
    if v[k] then out[#out + 1] = k .. ": " .. v[k] end
  end
  print(table.concat(out, "\n"))
end

local function fail(msg)
  io.stderr:write(msg, "\n")
  os.exit(1)
end

-- Loads the main chunk; a syntax error or a missing file exits 1.
local function load_main(mode, source)
  if mode == "file" then
    local f = io.open(source, "rb")
    if not f then
      local path = require "lode.path"
      fail(("Error: Cannot find module '%s'"):format(path.resolve(source)))
    end
    local text = f:read("a")
    f:close()
    if text:sub(1, 1) == "#" then text = "--" .. text end  -- shebang
    local fn, err = load(text, "@" .. source)
    if not fn then fail("SyntaxError: " .. err) end
    return fn
  end
  local fn, err = load(source, mode == "eval" and "=[eval]" or "=[stdin]")
  if not fn then fail("SyntaxError: " .. err) end
  return fn
end

-- require finds modules next to the script, then in LuaRocks trees.
local function set_paths(script)
  local dir = script and script:match("^(.*)/[^/]*$") or "."
  local home = os.getenv("HOME") or "/root"
  package.path = table.concat({ dir .. "/?.lua", dir .. "/?/init.lua",
    package.path, home .. "/.luarocks/share/lua/5.4/?.lua",
    home .. "/.luarocks/share/lua/5.4/?/init.lua" }, ";")
  package.cpath = package.cpath .. ";" .. home .. "/.luarocks/lib/lua/5.4/?.so"
end

local function run(mode, source, args, interactive)
  lode.globals()
  local process = require "lode.process"
  local script = mode == "file" and source or nil
  set_paths(script)
  local argv = { process.execPath }
  if script then argv[2] = require("lode.path").resolve(script) end
  for i = 1, #args do argv[#argv + 1] = args[i] end
  process.argv = argv
  _G.arg = { [-1] = process.execPath, [0] = script or "-" }
  for i = 1, #args do _G.arg[i] = args[i] end
  if interactive then
    require("lode.internal.repl").start()
  else
    local chunk = load_main(mode, source)
    local p = Promise.spawn(chunk, table.unpack(args))
    p:next(nil, function(e) loop.uncaught(e, Promise.traceOf(p)) end)
  end
  lode.run()
  process.exit()
end

-- argv: the command line after the program name; tty: stdin is a terminal.
return function(argv, tty)
  local i, n = 1, #argv
  while i <= n do
    local a = argv[i]
    if a == "-v" or a == "--version" then print("v" .. lode.version) return
    elseif a == "--versions" then versions() return
    elseif a == "-h" or a == "--help" then print(USAGE) return
    elseif a == "-e" or a == "--eval" then
      if i == n then fail("lode: -e requires an argument") end
      return run("eval", argv[i + 1], { table.unpack(argv, i + 2) })
    elseif a == "-" then
      return run("stdin", io.read("a"), { table.unpack(argv, i + 1) })
    elseif a:sub(1, 1) == "-" and a ~= "-" then
      fail("lode: bad option: " .. a)
    else
      return run("file", a, { table.unpack(argv, i + 1) })
    end
  end
  if tty then return run("repl", nil, {}, true) end
  return run("stdin", io.read("a"), {})
end
