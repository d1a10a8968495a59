-- process: a module that is also an EventEmitter (API.md section 2):
-- functions take `.` (process.exit(1)), emitter methods `:`
-- (process:on('exit', fn)). Signal listeners install a uv signal handler
-- on first use and remove it with the last listener, so an unhandled
-- SIGINT still ends the process the way Node's does.
local uv = require "lode.binding.uv"
local sys = require "lode.binding.os"
local loop = require "lode.internal.loop"
local errors = require "lode.internal.errors"
local EventEmitter = require("lode.events").EventEmitter

local process = EventEmitter.new()
local START = uv.hrtime()

process.pid = sys.getpid()
process.ppid = sys.getppid()
process.platform = "linux"
process.arch = require("lode.os").arch()
process.version = "v" .. "0.1.0"
process.release = { name = "lode" }
process.execPath = sys.exepath() or "lode"
process.execArgv = {}
process.argv = { process.execPath }
process.argv0 = "lode"
process.exitCode = nil
process.title = "lode"
process.versions = require("lode.binding.versions")()
process.versions.lode = "0.1.0"

-- env: writes reach the real environment (child processes inherit
-- them), as Node's process.env does. A proxy, so that every write, even
-- to a key that exists, goes through __newindex.
local env_store = sys.environ()
process.env = setmetatable({}, {
  __index = env_store,
  __newindex = function(_, k, v)
    k = tostring(k)
    if v == nil then sys.unsetenv(k) else
      v = tostring(v)
      sys.setenv(k, v)
    end
    env_store[k] = v
  end,
  __pairs = function() return next, env_store, nil end,
})

function process.cwd()
  return assert(sys.cwd())
end

function process.chdir(dir)
  errors.checkType(dir, "directory", "string")
  local ok, _, status = sys.chdir(dir)
  if not ok then
    error(errors.system(status, "chdir", { path = process.cwd(),
      dest = dir }), 2)
  end
end

process.nextTick = function(fn, ...)
  errors.checkFunction(fn, "callback")
  loop.nextTick(fn, ...)
end

-- hrtime([prev]) -> { seconds, nanoseconds }; hrtime.bigint() -> integer.
process.hrtime = setmetatable({
  bigint = function() return uv.hrtime() end,
}, {
  __call = function(_, prev)
    local t = uv.hrtime()
    if prev then
      t = t - (prev[1] * 1000000000 + prev[2])
    end
    return { t // 1000000000, t % 1000000000 }
  end,
})

function process.uptime()
  return (uv.hrtime() - START) / 1e9
end

local function memory_usage()
  local lua = math.floor(collectgarbage("count") * 1024)
  return { rss = uv.rss(), heapTotal = lua, heapUsed = lua, external = 0,
    arrayBuffers = 0 }
end
process.memoryUsage = setmetatable({ rss = function() return uv.rss() end },
  { __call = function() return memory_usage() end })

function process.getActiveResourcesInfo()
  return uv.active_handles()
end

local function signum(sig)
  if sig == nil then return 15 end
  if type(sig) == "number" then return sig end
  local n = require("lode.os").constants.signals[sig]
  if n == nil then
    error(errors.new(errors.TypeError, "ERR_UNKNOWN_SIGNAL",
      "Unknown signal: " .. tostring(sig)), 3)
  end
  return n
end

function process.kill(pid, sig)
  errors.checkInteger(pid, "pid")
  local ok, _, status = uv.kill(pid, signum(sig))
  if not ok then error(errors.system(status, "kill"), 2) end
  return true
end

local exiting = false
-- exit([code]): 'exit' listeners run, then the process ends at once.
function process.exit(code)
  if code ~= nil then process.exitCode = code end
  code = math.tointeger(tonumber(process.exitCode or 0) or 0) or 0
  if not exiting then
    exiting = true
    process._exiting = true
    process:emit("exit", code)
  end
  uv.exit(math.tointeger(tonumber(process.exitCode or 0) or code) or code)
end

function process.abort()
  uv.kill(process.pid, 6)
end

local warned = {}
function process.emitWarning(msg, kind, code)
  local w = errors.isError(msg) and msg or errors.Error.new(tostring(msg))
  if type(kind) == "table" then kind, code = kind.type, kind.code end
  w.name = kind or w.name or "Warning"
  w.code = code
  if process:listenerCount("warning") > 0 then
    return process:emit("warning", w)
  end
  local line = ("(lode:%d) %s%s: %s"):format(process.pid,
    code and "[" .. code .. "] " or "", w.name, w.message)
  if warned[line] then return end
  warned[line] = true
  io.stderr:write(line, "\n")
end

--[[ Signals as events ]]

local signal_handles = {}
local function is_signal(name)
  return type(name) == "string" and name:match("^SIG[%u%d]+$") ~= nil
end

process:on("newListener", function(name)
  if not is_signal(name) or signal_handles[name] then return end
  local num = require("lode.os").constants.signals[name]
  if not num then return end
  local h = uv.signal_new(function() process:emit(name, name, num) end)
  h:start(num)
  h:unref()                    -- a listener alone does not keep us alive
  signal_handles[name] = h
end)

process:on("removeListener", function(name)
  local h = signal_handles[name]
  if h and process:listenerCount(name) == 0 then
    h:close()
    signal_handles[name] = nil
  end
end)

--[[ stdio: process.stdin/stdout/stderr are created on first access
(lua/lode/internal/stdio.lua); stdout stays unbuffered for print() and
io.write, so everything written interleaves in call order. ]]

io.stdout:setvbuf("no")
do
  local STDIO = { stdin = 0, stdout = 1, stderr = 2 }
  local cls = getmetatable(process)
  local mt = {}
  for k, v in pairs(cls) do mt[k] = v end
  mt.super = cls                 -- instanceOf(process, EventEmitter) holds
  mt.__index = function(t, k)
    local fd = STDIO[k]
    if fd == nil then return cls[k] end
    local s = require("lode.internal.stdio").create(fd)
    rawset(t, k, s)
    return s
  end
  setmetatable(process, mt)
end

return process
