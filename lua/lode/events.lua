-- EventEmitter as Node's (API.md section 4). Listener lists are
-- copy-on-write arrays: add and remove build a new array, so `emit`
-- iterates the array it fetched without copying it, and removal during an
-- emit does not change that emit. `emit` is the hot path: two index
-- operations and the calls, nothing else (bench/core/emit.lua). State is
-- created on first use, so a subclass's init need not call its parent's.
local class = require "lode.internal.class"
local errors = require "lode.internal.errors"

local EventEmitter = class.Object:extend("EventEmitter")
EventEmitter.defaultMaxListeners = 10

local onceOf = setmetatable({}, { __mode = "k" })   -- wrapper -> listener

local function events_of(self)
  local ev = rawget(self, "_events")
  if ev == nil then
    ev = {}
    rawset(self, "_events", ev)
  end
  return ev
end

local function unhandled_error(err)
  if errors.isError(err) then error(err, 0) end
  local e = errors.new(errors.Error, "ERR_UNHANDLED_ERROR",
    "Unhandled error. (" .. tostring(err) .. ")")
  e.context = err
  error(e, 0)
end

-- Instances without listeners read this shared empty table (never
-- written: events_of gives each instance its own), so emit needs no nil
-- check on the way.
EventEmitter._events = setmetatable({}, { __newindex = function()
  error("lode.events: shared empty listener table written", 2)
end })

function EventEmitter:emit(name, ...)
  local h = self._events[name]
  if not h then
    if name == "error" then unhandled_error((...)) end
    return false
  end
  for i = 1, #h do h[i](...) end
  return true
end

local function warn_leak(self, name, n)
  local process = package.loaded["lode.process"]
  local msg = ("Possible EventEmitter memory leak detected. %d %s " ..
    "listeners added. Use emitter:setMaxListeners() to increase limit")
    :format(n, tostring(name))
  if process and process.emitWarning then
    process.emitWarning(msg, "MaxListenersExceededWarning")
  else
    io.stderr:write("(lode) MaxListenersExceededWarning: ", msg, "\n")
  end
  rawset(self, "_warned", rawget(self, "_warned") or {})
  self._warned[name] = true
end

local function add(self, name, fn, prepend, listener)
  errors.checkFunction(listener or fn, "listener")
  local ev = events_of(self)
  if ev.newListener ~= nil then
    self:emit("newListener", name, listener or fn)
  end
  local h = ev[name]
  local list
  if h == nil then
    list = { fn }
  else
    local n = #h
    list = table.move(h, 1, n, prepend and 2 or 1, {})
    list[prepend and 1 or n + 1] = fn
  end
  ev[name] = list
  local max = rawget(self, "_maxListeners") or EventEmitter.defaultMaxListeners
  if max > 0 and #list > max and not (rawget(self, "_warned") or {})[name] then
    warn_leak(self, name, #list)
  end
  return self
end

local function wrap_once(self, name, fn)
  errors.checkFunction(fn, "listener")
  local wrapper
  wrapper = function(...)
    self:removeListener(name, wrapper)
    return fn(...)
  end
  onceOf[wrapper] = fn
  return wrapper
end

function EventEmitter:on(name, fn) return add(self, name, fn, false) end
EventEmitter.addListener = EventEmitter.on

function EventEmitter:prependListener(name, fn)
  return add(self, name, fn, true)
end

function EventEmitter:once(name, fn)
  return add(self, name, wrap_once(self, name, fn), false, fn)
end

function EventEmitter:prependOnceListener(name, fn)
  return add(self, name, wrap_once(self, name, fn), true, fn)
end

function EventEmitter:removeListener(name, fn)
  errors.checkFunction(fn, "listener")
  local ev = rawget(self, "_events")
  local h = ev and ev[name]
  if h == nil then return self end
  local at
  for i = #h, 1, -1 do                    -- the last added goes first
    if h[i] == fn or onceOf[h[i]] == fn then at = i break end
  end
  if at == nil then return self end
  local removed = h[at]
  if #h == 1 then
    ev[name] = nil
  else
    local list = {}
    for i = 1, #h do if i ~= at then list[#list + 1] = h[i] end end
    ev[name] = list
  end
  if ev.removeListener ~= nil then
    self:emit("removeListener", name, onceOf[removed] or removed)
  end
  return self
end
EventEmitter.off = EventEmitter.removeListener

function EventEmitter:removeAllListeners(name)
  local ev = rawget(self, "_events")
  if ev == nil then return self end
  if ev.removeListener == nil then
    if name == nil then rawset(self, "_events", {}) else ev[name] = nil end
    return self
  end
  local names = name == nil and self:eventNames() or { name }
  for _, n in ipairs(names) do
    if n ~= "removeListener" then
      local ls = self:rawListeners(n)
      for i = #ls, 1, -1 do self:removeListener(n, ls[i]) end
    end
  end
  if name == nil then ev.removeListener = nil end
  return self
end

function EventEmitter:rawListeners(name)
  local ev = rawget(self, "_events")
  local h = ev and ev[name]
  if h == nil then return {} end
  return table.move(h, 1, #h, 1, {})
end

function EventEmitter:listeners(name)
  local out = self:rawListeners(name)
  for i = 1, #out do out[i] = onceOf[out[i]] or out[i] end
  return out
end

function EventEmitter:listenerCount(name)
  local ev = rawget(self, "_events")
  local h = ev and ev[name]
  if h == nil then return 0 end
  return #h
end

function EventEmitter:eventNames()
  local out = {}
  for k in pairs(rawget(self, "_events") or {}) do out[#out + 1] = k end
  return out
end

function EventEmitter:setMaxListeners(n)
  errors.checkInteger(n, "n", 0)
  rawset(self, "_maxListeners", n)
  return self
end

function EventEmitter:getMaxListeners()
  return rawget(self, "_maxListeners") or EventEmitter.defaultMaxListeners
end

local M = { EventEmitter = EventEmitter }
M.defaultMaxListeners = 10

-- events.once(emitter, name): a Promise of the sequence of the emitted
-- arguments; rejects on 'error' (unless name is 'error').
function M.once(emitter, name, cb)
  local Promise = require "lode.promise"
  local p = Promise.new(function(resolve, reject)
    local onError
    local function onEvent(...)
      if onError then emitter:removeListener("error", onError) end
      resolve(table.pack(...))
    end
    if name ~= "error" then
      onError = function(err)
        emitter:removeListener(name, onEvent)
        reject(err)
      end
      emitter:once("error", onError)
    end
    emitter:once(name, onEvent)
  end)
  if cb then
    p:next(function(v) cb(nil, v) end, function(e) cb(e) end)
    return nil
  end
  return p
end

function M.listenerCount(emitter, name)
  return emitter:listenerCount(name)
end

setmetatable(M, { __index = EventEmitter })
return M
