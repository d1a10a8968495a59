-- require "lode": every module by name (loaded on first use), plus run(),
-- stop() and globals() for plain Lua 5.4 (API.md sections 2 and 3).
local uv = require "lode.binding.uv"

local M = {}
local MODULES = {
  "events", "buffer", "stream", "zlib", "crypto", "http", "https", "tls",
  "net", "dns", "child_process", "cluster", "worker_threads", "fs", "os",
  "path", "timers", "util", "process", "json", "promise", "console",
}
local known = {}
for _, n in ipairs(MODULES) do known[n] = true end

setmetatable(M, { __index = function(t, k)
  if not known[k] then return nil end
  local m = require("lode." .. k)
  rawset(t, k, m)
  return m
end })

local stopped = false

-- Runs the loop until nothing keeps it alive; 'beforeExit' listeners may
-- queue more work, which runs too. Raises if the loop is already running.
function M.run()
  stopped = false
  local process = require "lode.process"
  uv.drain()
  repeat
    uv.run()
    if stopped or process._exiting then break end
    uv.call(process.emit, process, "beforeExit",
      math.tointeger(tonumber(process.exitCode or 0) or 0) or 0)
  until not uv.alive()
end

-- Makes the running M.run() return after the current callback.
function M.stop()
  stopped = true
  uv.stop()
end

-- A stand-in for module `name` that loads it on first use, then passes
-- every read, write and pairs() through to it: `console` and `JSON` cost
-- nothing at start-up for the scripts that never use them.
local function lazy(name)
  local mt = {}
  local function load()
    local m = require(name)
    mt.__index, mt.__newindex = m, m
    mt.__pairs = function() return next, m, nil end
    return m
  end
  mt.__index = function(_, k) return load()[k] end
  mt.__newindex = function(_, k, v) load()[k] = v end
  mt.__pairs = function() return next, load(), nil end
  return setmetatable({}, mt)
end

-- Installs the host's globals (API.md section 3) into _G.
function M.globals()
  local errors = require "lode.internal.errors"
  local timers = require "lode.timers"
  local Promise = require "lode.promise"
  local g = _G
  g.console = lazy "lode.console"
  g.process = require "lode.process"
  g.Buffer = require("lode.buffer").Buffer
  g.JSON = lazy "lode.json"
  g.Promise = Promise
  g.await, g.async = Promise.await, Promise.async
  for _, k in ipairs({ "setTimeout", "setInterval", "setImmediate",
    "clearTimeout", "clearInterval", "clearImmediate", "queueMicrotask" }) do
    g[k] = timers[k]
  end
  for _, k in ipairs({ "Error", "TypeError", "RangeError", "SyntaxError",
    "SystemError", "AggregateError", "DataCloneError" }) do
    g[k] = errors[k]
  end
  return M
end

M.version = "0.1.0"
return M
