-- Readable.from(iterable, opts), Node's from.js. A string or Buffer is
-- one chunk. A sequence is read synchronously. A function is an iterator
-- called until it returns nil; it runs inside a task, so it may await,
-- and a coroutine.wrap generator may pull from another stream's
-- iterator. A readable stream, or an object with an iter method, is
-- iterated. Values that are Promises are awaited. objectMode is on and
-- highWaterMark is 1 unless opts say otherwise.
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local Promise = require "lode.promise"
local util = require "lode.stream.util"
local iter = require "lode.stream.iter"

local isPromise = Promise.isPromise

local function options(opts, base)
  for k, v in pairs(opts or {}) do base[k] = v end
  return base
end

return function(Readable, iterable, opts)
  if type(iterable) == "string" or util.isBuffer(iterable) then
    return Readable.new(options(opts, { objectMode = true,
      read = function(self)
        self:push(iterable)
        self:push(nil)
      end }))
  end
  if not iter.isIterable(iterable) then
    error(errors.invalidArgType("iterable", "an iterable", iterable), 2)
  end
  local sync = type(iterable) == "table" and getmetatable(iterable) == nil
    and type(iterable.iter) ~= "function"
  local nextValue, close = iter.toIterator(iterable)
  local readable = Readable.new(options(opts, { objectMode = true,
    highWaterMark = 1 }))
  -- Guards against _read running again before this iteration is done.
  local reading = false

  local function pumpAsync(first)
    local v = first
    while true do
      if v == nil then v = iter.pull(nextValue) end
      if v == nil then
        readable:push(nil)
        return
      end
      if isPromise(v) then v = Promise.await(v) end
      if v == nil then error(util.nullValues(), 0) end
      if not readable:push(v) then
        reading = false
        return
      end
      v = nil
    end
  end

  local function nextAsync(first)
    Promise.spawn(function()
      local ok, err = pcall(pumpAsync, first)
      if not ok then
        reading = false
        readable:destroy(err)
      end
    end)
  end

  -- Sequences need no task unless a value is a Promise.
  local function nextSync()
    while true do
      local v = nextValue()
      if v == nil then
        readable:push(nil)
        return
      end
      if isPromise(v) then return nextAsync(v) end
      if not readable:push(v) then
        reading = false
        return
      end
    end
  end

  readable._read = function()
    if not reading then
      reading = true
      if sync then nextSync() else nextAsync(nil) end
    end
  end

  readable._destroy = function(_, err, cb)
    local ok, e = pcall(close or util.nop, err)
    -- On the next tick, in case cb raises.
    loop.nextTick(cb, ok and err or (e or err))
  end
  return readable
end
