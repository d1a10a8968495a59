-- The two queues every callback drains (DESIGN.md section 1): nextTicks,
-- then microtasks, repeated until both are empty. Plain arrays with
-- head/tail indices. C calls `drain` after every callback (lode_call) and
-- guards it against re-entry; an error escaping it goes to `uncaught` and
-- C calls `drain` again, so the rest of the queue still runs.
local uv = require "lode.binding.uv"

local M = {}

-- Each tick is stored inline as fn, n, arg1..argn: no table per call.
local ticks, th, tt = {}, 1, 0
local micro, mh, mt = {}, 1, 0         -- fn, a, b triples
local unpack = table.unpack

function M.nextTick(fn, ...)
  local n, t = select("#", ...), tt
  ticks[t + 1], ticks[t + 2] = fn, n
  if n > 0 then
    local a, b, c = ...
    ticks[t + 3], ticks[t + 4], ticks[t + 5] = a, b, c
    for i = 4, n do ticks[t + 2 + i] = (select(i, ...)) end
  end
  tt = t + 2 + n
end

-- Runs the tick at th (fn, n, args): its slots are cleared first.
local function run_tick(at)
  local fn, n = ticks[at], ticks[at + 1]
  th = at + 2 + n
  if n == 0 then
    ticks[at], ticks[at + 1] = nil, nil
    return fn()
  end
  local a, b, c = ticks[at + 2], ticks[at + 3], ticks[at + 4]
  if n <= 3 then
    for i = at, at + 1 + n do ticks[i] = nil end
    if n == 1 then return fn(a) elseif n == 2 then return fn(a, b) end
    return fn(a, b, c)
  end
  local args = table.move(ticks, at + 2, at + 1 + n, 1, {})
  for i = at, at + 1 + n do ticks[i] = nil end
  return fn(unpack(args, 1, n))
end

-- queueMicrotask(fn, a, b): fn(a, b) runs after the nextTicks.
function M.queueMicrotask(fn, a, b)
  local t = mt
  micro[t + 1], micro[t + 2], micro[t + 3] = fn, a, b
  mt = t + 3
end

-- Called after each drain pass with no work left: promise.lua installs the
-- unhandled-rejection check here.
M.afterDrain = nil

-- Set by promise.lua when a rejection waits for the unhandled check.
M.dirty = false

function M.drain()
  if th > tt and mh > mt and not M.dirty then return end  -- common case
  repeat
    while th <= tt do run_tick(th) end
    th, tt = 1, 0
    while mh <= mt do
      local h = mh
      local fn, a, b = micro[h], micro[h + 1], micro[h + 2]
      micro[h], micro[h + 1], micro[h + 2] = nil, nil, nil
      mh = h + 3
      fn(a, b)
    end
    if mh > mt then
      mh, mt = 1, 0
      M.dirty = false
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
