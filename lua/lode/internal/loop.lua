-- The two queues every callback drains (DESIGN.md section 1): nextTicks,
-- then microtasks, repeated until both are empty. Plain arrays with
-- head/tail indices. C calls `drain` after every callback (lode_call) and
-- guards it against re-entry; an error escaping it goes to `uncaught` and
-- C calls `drain` again, so the rest of the queue still runs.
local uv = require "lode.binding.uv"

local M = {}

local ticks, th, tt = {}, 1, 0         -- fn, args (or false) pairs
local micro, mh, mt = {}, 1, 0         -- fn, arg pairs
local NOARGS = false
local unpack = table.unpack

function M.nextTick(fn, ...)
  ticks[tt + 1] = fn
  ticks[tt + 2] = select("#", ...) > 0 and table.pack(...) or NOARGS
  tt = tt + 2
end

-- queueMicrotask(fn, arg): fn(arg) runs after the nextTicks.
function M.queueMicrotask(fn, arg)
  micro[mt + 1] = fn
  micro[mt + 2] = arg
  mt = mt + 2
end

-- Called after each drain pass with no work left: promise.lua installs the
-- unhandled-rejection check here.
M.afterDrain = nil

function M.drain()
  repeat
    while th <= tt do
      local fn, args = ticks[th], ticks[th + 1]
      ticks[th], ticks[th + 1] = nil, nil
      th = th + 2
      if args then fn(unpack(args, 1, args.n)) else fn() end
    end
    th, tt = 1, 0
    while mh <= mt do
      local fn, arg = micro[mh], micro[mh + 1]
      micro[mh], micro[mh + 1] = nil, nil
      mh = mh + 2
      fn(arg)
    end
    if mh > mt then
      mh, mt = 1, 0
      local after = M.afterDrain
      if after then after() end
    end
  until th > tt and mh > mt
end

function M.pending()
  return th <= tt or mh <= mt
end

-- The uncaught-error policy (API.md section 1): 'uncaughtException'
-- listeners take it, else print `Uncaught ...` and a traceback, exit 1.
function M.uncaught(err, traceback)
  local ok, process = pcall(require, "lode.process")
  if ok and process:listenerCount("uncaughtException") > 0 then
    process:emit("uncaughtException", err, "uncaughtException")
    return
  end
  M.report(err, traceback)
  if ok then process.exit(1) end
  uv.exit(1)
end

-- Writes `Uncaught <name>: <message>` and the traceback to stderr.
function M.report(err, traceback, prefix)
  local text
  if type(err) == "table" and type(err.stack) == "string" then
    text = err.stack
  elseif type(err) == "string" and traceback then
    text = traceback
  else
    local ok, s = pcall(tostring, err)
    text = (ok and s or "error object") .. "\n" .. (traceback or "")
  end
  io.stderr:write(prefix or "Uncaught ", text, "\n")
  io.stderr:flush()
end

uv.set_hooks(M.uncaught, M.drain)
return M
