-- Node's timers on the loop: one uv timer per Timeout (DESIGN.md 1), and
-- setImmediate as a queue the check phase runs. Immediates queued while
-- the check phase runs wait for the next iteration, as in Node.
local uv = require "lode.binding.uv"
local errors = require "lode.internal.errors"
local class = require "lode.internal.class"

local M = {}
local MAX = 2147483647

local function delay_of(ms)
  ms = tonumber(ms) or 1
  if ms ~= ms or ms < 1 or ms > MAX then return 1 end
  return math.floor(ms)
end

local Timeout = class.Object:extend("Timeout")

-- A one-shot timer closes its handle before its callback runs (memory is
-- back at once, and no handle lingers for the leak checks); refresh()
-- makes a new one.
local function arm(t)
  t._handle = uv.timer_new(function()
    local args = t._args
    if t._repeat == 0 then
      t._active = false
      t._handle:close()
      t._handle = nil
    end
    if args then t._callback(table.unpack(args, 1, args.n))
    else t._callback() end
  end)
  if not t._ref then t._handle:unref() end
  t._handle:start(t._delay, t._repeat)
end

local function new_timer(cb, ms, rep, ...)
  errors.checkFunction(cb, "callback")
  local t = setmetatable({ _callback = cb, _delay = ms, _repeat = rep,
    _active = true, _ref = true }, Timeout)
  if select("#", ...) > 0 then t._args = table.pack(...) end
  arm(t)
  return t
end

function Timeout:ref()
  self._ref = true
  if self._handle then self._handle:ref() end
  return self
end

function Timeout:unref()
  self._ref = false
  if self._handle then self._handle:unref() end
  return self
end

function Timeout:hasRef()
  return self._ref
end

function Timeout:refresh()
  if self._closed then return self end
  self._active = true
  if self._handle then self._handle:start(self._delay, self._repeat)
  else arm(self) end
  return self
end

function Timeout:close()
  if self._handle then self._handle:close() end
  self._handle, self._active, self._closed = nil, false, true
  return self
end
Timeout.__close = Timeout.close

function M.setTimeout(cb, ms, ...)
  return new_timer(cb, delay_of(ms), 0, ...)
end

function M.setInterval(cb, ms, ...)
  local d = delay_of(ms)
  return new_timer(cb, d, d, ...)
end

function M.clearTimeout(t)
  if getmetatable(t) == Timeout then t:close() end
end
M.clearInterval = M.clearTimeout

--[[ Immediates ]]

local Immediate = class.Object:extend("Immediate")
local queue, qh, qt = {}, 1, 0
local refs = 0

-- The idle handle is on while ref'd immediates wait. Inside the check
-- phase the switch is left to the end of the batch, so an immediate that
-- queues the next one does not flip it twice.
local running, idle_on = false, false
local function sync_idle()
  if (refs > 0) ~= idle_on then
    idle_on = refs > 0
    uv.immediate_ref(idle_on)
  end
end

local function set_ref(delta)
  refs = refs + delta
  if not running then sync_idle() end
end

-- The check phase: runs the immediates queued before it started, each
-- through lode_call (its own error handling, then the drain).
local call = uv.call
local function run_immediates()
  local last = qt
  running = true
  while qh <= last do
    local im = queue[qh]
    queue[qh] = nil
    qh = qh + 1
    if im._pending then
      im._pending = false
      if im._ref then set_ref(-1) end
      local args = im._args
      if args then call(im._callback, table.unpack(args, 1, args.n))
      else call(im._callback) end
    end
  end
  if qh > qt then qh, qt = 1, 0 end
  running = false
  sync_idle()
end

local initialised = false
function M.setImmediate(cb, ...)
  errors.checkFunction(cb, "callback")
  if not initialised then
    uv.immediate_init(run_immediates)
    initialised = true
  end
  local im = setmetatable({ _callback = cb, _pending = true, _ref = true },
    Immediate)
  if select("#", ...) > 0 then im._args = table.pack(...) end
  qt = qt + 1
  queue[qt] = im
  set_ref(1)
  return im
end

function M.clearImmediate(im)
  if getmetatable(im) ~= Immediate or not im._pending then return end
  im._pending = false
  if im._ref then set_ref(-1) end
end

function Immediate:ref()
  if self._pending and not self._ref then self._ref = true set_ref(1) end
  return self
end

function Immediate:unref()
  if self._pending and self._ref then self._ref = false set_ref(-1) end
  return self
end

function Immediate:hasRef() return self._ref end

M.Timeout, M.Immediate = Timeout, Immediate

-- timers.promises: setTimeout(ms, value), setImmediate(value).
M.promises = {}
function M.promises.setTimeout(ms, value)
  local Promise = require "lode.promise"
  return Promise.new(function(resolve)
    M.setTimeout(resolve, ms, value)
  end)
end
function M.promises.setImmediate(value)
  local Promise = require "lode.promise"
  return Promise.new(function(resolve) M.setImmediate(resolve, value) end)
end

function M.queueMicrotask(fn)
  errors.checkFunction(fn, "callback")
  require("lode.internal.loop").queueMicrotask(fn)
end

return M
