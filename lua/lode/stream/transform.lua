-- Transform and PassThrough (Node's transform.js and passthrough.js).
-- Backpressure comes from the readable side: when the output buffer is
-- at its mark, the write callback is held until _read asks for more.
-- The callback handed to _transform is one closure per stream, not one
-- per chunk; at most one transform is in flight.
local type, error, pcall = type, error, pcall
local loop = require "lode.internal.loop"
local util = require "lode.stream.util"
local Duplex = require "lode.stream.duplex"

local nextTick = loop.nextTick

local Transform = Duplex:extend("Transform")

-- After a transform pushed its output: complete the write now, or hold
-- its callback while the readable buffer is full.
local function afterTransform(self, callback, before)
  local rs = self._readableState
  if rs.ended then
    -- push(nil) was called: let the new state propagate first.
    nextTick(callback)
  elseif self._writableState.ended or before == self.readableLength
    or self.readableLength < rs.highWaterMark then
    callback()
  else
    self._tcallback = callback
  end
end

local function makeCallback(self)
  return function(err, val)
    local callback = self._twcb
    if err ~= nil then
      callback(err)
      return
    end
    if val ~= nil then self:push(val) end
    afterTransform(self, callback, self._tlen)
  end
end

-- _final: flush, then end the readable side.
local function final(self, cb)
  if type(self._flush) == "function" and not self.destroyed then
    self:_flush(function(er, data)
      if er ~= nil then
        if cb then cb(er) else self:destroy(er) end
        return
      end
      if data ~= nil then self:push(data) end
      self:push(nil)
      if cb then cb() end
    end)
  else
    self:push(nil)
    if cb then cb() end
  end
end
Transform._final = final

local function transformInit(self, opts)
  if opts and (opts.highWaterMark == 0 or (opts.highWaterMark == nil
    and opts.readableHighWaterMark == 0)) then
    -- Buffer only on the readable side, not twice.
    local o = {}
    for k, v in pairs(opts) do o[k] = v end
    o.highWaterMark, o.readableHighWaterMark = nil, 0
    o.writableHighWaterMark = opts.writableHighWaterMark or 0
    opts = o
  end
  Duplex._streamInit(self, opts)
  -- _read exists from the start: no sync guard needed for it.
  self._readableState.sync = false
  self._tcallback = nil
  self._tcb = makeCallback(self)
  if opts then
    if type(opts.transform) == "function" then
      self._transform = opts.transform
    end
    if type(opts.flush) == "function" then self._flush = opts.flush end
  end
  -- Streams that implement _final themselves still get _flush called.
  self:on("prefinish", function()
    if self._final ~= final then final(self) end
  end)
end
Transform._streamInit = transformInit

function Transform:init(opts)
  transformInit(self, opts)
end

function Transform:_transform()
  error(util.notImplemented("_transform()"), 0)
end

function Transform:_write(chunk, encoding, callback)
  self._tlen = self.readableLength
  self._twcb = callback
  self:_transform(chunk, encoding, self._tcb)
end

function Transform:_read()
  local cb = self._tcallback
  if cb then
    self._tcallback = nil
    cb()
  end
end

local PassThrough = Transform:extend("PassThrough")

local function passTransform(_, chunk, _, cb)
  cb(nil, chunk)
end
PassThrough._transform = passTransform

-- The same as Transform's _write with _transform inlined: the hot path
-- of pipes through a PassThrough.
function PassThrough:_write(chunk, encoding, callback)
  if self._transform ~= passTransform then
    return Transform._write(self, chunk, encoding, callback)
  end
  local before = self.readableLength
  self:push(chunk)
  local rs = self._readableState
  if rs.ended then
    nextTick(callback)
  else
    local len = self.readableLength
    if len == before or len < rs.highWaterMark
      or self._writableState.ended then
      callback()
    else
      self._tcallback = callback
    end
  end
end

return { Transform = Transform, PassThrough = PassThrough }
