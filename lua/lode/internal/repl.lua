-- The interactive REPL: each line is tried as an expression (`return
-- line`), then as a statement; an incomplete chunk asks for more lines.
-- Every evaluation runs as a task, so `await` works at the prompt.
local repl = require "lode.binding.repl"
local util = require "lode.util"
local loop = require "lode.internal.loop"
local Promise = require "lode.promise"

local M = {}
local pending = nil                      -- lines of an unfinished chunk

local function compile(src)
  local fn, err = load("return " .. src, "=repl")
  if fn then return fn end
  fn, err = load(src, "=repl")
  if fn then return fn end
  if err:find("<eof>$") then return nil, "incomplete" end
  return nil, err
end

local function show(...)
  local n = select("#", ...)
  if n == 0 then return end
  local parts = {}
  for i = 1, n do parts[i] = util.inspect((select(i, ...))) end
  print(table.concat(parts, "\t"))
end

local function on_line(line)
  if line == nil then
    repl.stop()
    io.write("\n")
    return
  end
  local src = pending and (pending .. "\n" .. line) or line
  if src:match("^%s*$") then return end
  local fn, err = compile(src)
  if err == "incomplete" then
    pending = src
    repl.prompt(">> ")
    return
  end
  pending = nil
  repl.prompt("> ")
  repl.add_history(src)
  if not fn then return io.stderr:write(err, "\n") end
  local p = Promise.spawn(function() return table.pack(fn()) end)
  p:next(function(r) show(table.unpack(r, 1, r.n)) end, function(e)
    loop.report(e, Promise.traceOf(p))
  end)
end

function M.start()
  print(("Welcome to lode v%s (%s).\nType Lua; Ctrl-D exits.")
    :format(require("lode").version, _VERSION))
  repl.start("> ", on_line)
end

return M
