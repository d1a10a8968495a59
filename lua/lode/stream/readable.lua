-- Readable, a port of Node 20's lib/internal/streams/readable.js: the same
-- state machine, flags and tick deferrals, so events come in Node's order.
-- The read buffer is an array with head/tail indices. In byte mode chunks
-- are Buffers (strings after setEncoding); in object mode any value but
-- nil, which is end-of-stream (push(nil)). Listeners get no `self`, so
-- the per-pipe handlers are closures; nothing is allocated per chunk.
local type, error, pcall = type, error, pcall
local mtype = math.type
local loop = require "lode.internal.loop"
local util = require "lode.stream.util"
local destroyImpl = require "lode.stream.destroy"
local Stream = require("lode.stream.legacy").Stream
local StringDecoder = require("lode.string_decoder").StringDecoder
local readbuf = require "lode.stream.readbuf"

local Buffer, isBuffer = util.Buffer, util.isBuffer
local nextTick = loop.nextTick
local errorOrDestroy = destroyImpl.errorOrDestroy
local refresh = util.refresh
local howMuchToRead, fromList = readbuf.howMuchToRead, readbuf.fromList
local setHead, toCount = readbuf.setHead, readbuf.toCount

local Readable = Stream:extend("Readable")

-- Public state of a stream whose init has not run yet.
Readable.readable = true
Readable.readableLength = 0
Readable.readableHighWaterMark = util.getDefaultHighWaterMark(false)
Readable.readableObjectMode = false
Readable.readableEnded = false
Readable.readableAborted = false
Readable.readableDidRead = false
Readable.destroyed = false
Readable.closed = false

local emitReadable_, maybeReadMore_

local function setFlowing(self, rs, v)
  rs.flowing = v
  self.readableFlowing = v
end

-- Node's ReadableState; `isDuplex` enables the readable* option names.
local function readableState(self, opts, isDuplex)
  local om = opts ~= nil and (opts.objectMode
    or (isDuplex and opts.readableObjectMode)) and true or false
  local hwm = util.getHighWaterMark(opts, "readableHighWaterMark",
    isDuplex, om)
  local rs = {
    objectMode = om, highWaterMark = hwm, buffer = {}, head = 1, tail = 0,
    pipes = {}, flowing = nil, paused = nil, ended = false,
    endEmitted = false, reading = false, constructed = true, sync = true,
    needReadable = false, emittedReadable = false,
    readableListening = false, resumeScheduled = false,
    errorEmitted = false, destroyed = false, closed = false,
    closeEmitted = false, multiAwaitDrain = false, readingMore = false,
    dataEmitted = false, dataListening = false, errored = nil,
    emitClose = not (opts and opts.emitClose == false),
    autoDestroy = not (opts and opts.autoDestroy == false),
    defaultEncoding = "utf8", awaitDrainWriters = nil, decoder = nil,
    encoding = nil,
  }
  local enc = opts and opts.defaultEncoding
  if enc ~= nil and enc ~= "utf8" and enc ~= "utf-8" then
    if not util.isEncoding(enc) then error(util.unknownEncoding(enc), 3) end
    rs.defaultEncoding = enc
  end
  if opts and opts.encoding then
    rs.decoder = StringDecoder.new(opts.encoding)
    rs.encoding = opts.encoding
  end
  -- Ticks queued per chunk get closures made once: no argument packing.
  rs.emitReadableNT = function() emitReadable_(self) end
  rs.maybeReadMoreNT = function() maybeReadMore_(self, rs) end
  self._readableState = rs
  self.readableLength, self.readableHighWaterMark = 0, hwm
  self.readableObjectMode, self.readableEncoding = om, rs.encoding
  self.readableFlowing, self.readableDidRead = nil, false
  refresh(self)
  return rs
end
Readable._newState = readableState

local function rinit(self)
  self:_streamInit(nil)
  return self._readableState
end

local maybeReadMore

local function onConstructed(self)
  local rs = self._readableState
  if rs.needReadable then maybeReadMore(self, rs) end
end
Readable._onReadableConstructed = onConstructed

local function readableInit(self, opts)
  readableState(self, opts, false)
  if opts then
    if type(opts.read) == "function" then self._read = opts.read end
    if type(opts.destroy) == "function" then self._destroy = opts.destroy end
    if type(opts.construct) == "function" then
      self._construct = opts.construct
    end
  end
  if self._construct ~= nil then destroyImpl.construct(self, onConstructed) end
end
Readable._streamInit = readableInit

function Readable:init(opts)
  readableInit(self, opts)
end

Readable.destroy = destroyImpl.destroy
Readable._undestroy = destroyImpl.undestroy

function Readable:_destroy(err, cb)
  cb(err)
end

function Readable:_read()
  error(util.notImplemented("_read()"), 0)
end

--[[ push / unshift ]]

local emitReadable, onEofChunk

local function canPushMore(self, rs)
  local len = self.readableLength
  return not rs.ended and (len < rs.highWaterMark or len == 0)
end

local function clearAwaitDrain(rs)
  if rs.multiAwaitDrain then
    for k in pairs(rs.awaitDrainWriters) do rs.awaitDrainWriters[k] = nil end
  else
    rs.awaitDrainWriters = nil
  end
end

-- Emits the chunk right away when flowing with nothing buffered, else
-- buffers it; returns push()'s answer. On every chunk's path, hence the
-- inlined maybeReadMore and canPushMore.
local function addChunk(self, rs, chunk, front)
  local len = self.readableLength
  if rs.flowing and rs.dataListening and not rs.sync and len == 0 then
    if rs.awaitDrainWriters ~= nil then clearAwaitDrain(rs) end
    if not rs.dataEmitted then
      rs.dataEmitted = true
      self.readableDidRead = true
    end
    self:emit("data", chunk)
  else
    self.readableLength = len + (rs.objectMode and 1 or #chunk)
    local buf = rs.buffer
    if not front then
      local t = rs.tail + 1
      buf[t] = chunk
      rs.tail = t
    elseif rs.head > 1 then
      rs.head = rs.head - 1
      buf[rs.head] = chunk
    else
      table.move(buf, 1, rs.tail, 2)
      buf[1] = chunk
      rs.tail = rs.tail + 1
    end
    if rs.needReadable then emitReadable(self) end
  end
  if not rs.readingMore and rs.constructed then
    rs.readingMore = true
    nextTick(rs.maybeReadMoreNT)
  end
  len = self.readableLength
  return not rs.ended and (len < rs.highWaterMark or len == 0)
end

local function pushBytes(self, rs, chunk, encoding)
  if type(chunk) == "string" then
    encoding = encoding or rs.defaultEncoding
    if rs.encoding ~= encoding then
      chunk = Buffer.from(chunk, encoding)
      encoding = nil
    end
  elseif isBuffer(chunk) then
    encoding = nil
  else
    errorOrDestroy(self, util.invalidChunk(chunk))
    return false
  end
  if #chunk == 0 then
    rs.reading = false
    maybeReadMore(self, rs)
    return canPushMore(self, rs)
  end
  if rs.ended then
    errorOrDestroy(self, util.pushAfterEOF())
    return false
  end
  if rs.destroyed or rs.errored ~= nil then return false end
  rs.reading = false
  if rs.decoder and not encoding then
    chunk = rs.decoder:write(chunk)
    if #chunk == 0 then
      maybeReadMore(self, rs)
      return canPushMore(self, rs)
    end
  end
  return addChunk(self, rs, chunk, false)
end

-- push(chunk, encoding): true while below the high-water mark; nil ends
-- the stream.
function Readable:push(chunk, encoding)
  local rs = self._readableState or rinit(self)
  if chunk == nil then
    rs.reading = false
    onEofChunk(self, rs)
    return false
  end
  if not rs.objectMode then return pushBytes(self, rs, chunk, encoding) end
  if rs.ended then
    errorOrDestroy(self, util.pushAfterEOF())
    return false
  end
  if rs.destroyed or rs.errored ~= nil then return false end
  rs.reading = false
  if rs.decoder and not encoding then chunk = rs.decoder:write(chunk) end
  return addChunk(self, rs, chunk, false)
end

local function unshiftValue(self, rs, chunk)
  if rs.endEmitted then
    errorOrDestroy(self, util.unshiftAfterEnd())
  elseif rs.destroyed or rs.errored ~= nil then
    return false
  else
    return addChunk(self, rs, chunk, true)
  end
  return canPushMore(self, rs)
end

function Readable:unshift(chunk, encoding)
  local rs = self._readableState or rinit(self)
  if chunk == nil then
    rs.reading = false
    onEofChunk(self, rs)
    return false
  end
  if not rs.objectMode then
    if type(chunk) == "string" then
      encoding = encoding or rs.defaultEncoding
      if rs.encoding ~= encoding then
        chunk = Buffer.from(chunk, encoding)
        -- With an encoding set the buffer holds strings of that encoding.
        if rs.encoding then chunk = chunk:toString(rs.encoding) end
      end
    elseif not isBuffer(chunk) then
      errorOrDestroy(self, util.invalidChunk(chunk))
      return false
    end
    if #chunk == 0 then return canPushMore(self, rs) end
  end
  return unshiftValue(self, rs, chunk)
end

--[[ 'readable' emission and read-ahead ]]

local flow

function onEofChunk(self, rs)
  if rs.ended then return end
  local decoder = rs.decoder
  if decoder then
    local chunk = decoder:finish()
    if chunk and #chunk > 0 then
      rs.tail = rs.tail + 1
      rs.buffer[rs.tail] = chunk
      self.readableLength = self.readableLength
        + (rs.objectMode and 1 or #chunk)
    end
  end
  rs.ended = true
  if rs.sync then
    -- Wait for the next tick, else data could come out of the read()
    -- call that led here.
    emitReadable(self)
  else
    rs.needReadable = false
    rs.emittedReadable = true
    emitReadable_(self)
  end
end

function emitReadable(self)
  local rs = self._readableState
  rs.needReadable = false
  if not rs.emittedReadable then
    rs.emittedReadable = true
    nextTick(rs.emitReadableNT)
  end
end

function emitReadable_(self)
  local rs = self._readableState
  local len = self.readableLength
  if not rs.destroyed and rs.errored == nil and (len > 0 or rs.ended) then
    self:emit("readable")
    rs.emittedReadable = false
  end
  -- Another 'readable' is wanted unless flowing (flow takes care of it),
  -- ended, or above the high-water mark.
  if not rs.flowing and not rs.ended
    and self.readableLength <= rs.highWaterMark then
    rs.needReadable = true
  end
  flow(self)
end

function maybeReadMore_(self, rs)
  -- Read ahead while below the mark, or while flowing with nothing
  -- buffered; stop when a read() brought nothing.
  while not rs.reading and not rs.ended do
    local len = self.readableLength
    if not (len < rs.highWaterMark or (rs.flowing and len == 0)) then
      break
    end
    self:read(0)
    if len == self.readableLength then break end
  end
  rs.readingMore = false
end

function maybeReadMore(self, rs)
  if not rs.readingMore and rs.constructed then
    rs.readingMore = true
    nextTick(rs.maybeReadMoreNT)
  end
end

function flow(self)
  local rs = self._readableState
  while rs.flowing and self:read() ~= nil do end
end

--[[ read(n) ]]

local endReadable

-- read(n): n bytes (or one object, or everything when n is nil), or nil.
-- Kept in one piece (over 60 lines) like Node's: its steps must happen
-- in this order around the _read call.
function Readable:read(n)
  local rs = self._readableState or rinit(self)
  if n ~= nil and mtype(n) ~= "integer" then n = toCount(n) end
  local nOrig = n
  if n ~= nil and n > rs.highWaterMark then
    rs.highWaterMark = readbuf.computeNewHighWaterMark(n)
    self.readableHighWaterMark = rs.highWaterMark
  end
  if n ~= 0 then rs.emittedReadable = false end
  local len = self.readableLength
  -- read(0) with enough buffered just triggers 'readable'.
  local hwm = rs.highWaterMark
  if n == 0 and rs.needReadable and ((hwm ~= 0 and len >= hwm)
    or (hwm == 0 and len > 0) or rs.ended) then
    if len == 0 and rs.ended then endReadable(self)
    else emitReadable(self) end
    return nil
  end
  local om = rs.objectMode
  if not om then
    n = howMuchToRead(n, rs, len)
  elseif (n ~= nil and n <= 0) or (len == 0 and rs.ended) then
    n = 0                             -- howMuchToRead, inlined for objects
  else
    n = 1
  end
  if n == 0 and rs.ended then
    if len == 0 then endReadable(self) end
    return nil
  end
  -- Call _read when below the mark (or a 'readable' is wanted), unless
  -- a read is pending, ended, destroyed, errored or still constructing.
  local doRead = rs.needReadable or len == 0 or len - n < rs.highWaterMark
  if rs.reading or rs.ended or rs.destroyed or rs.errored ~= nil
    or not rs.constructed then
    doRead = false
  elseif doRead then
    rs.reading, rs.sync = true, true
    if len == 0 then rs.needReadable = true end
    local ok, err = pcall(self._read, self, rs.highWaterMark)
    if not ok then errorOrDestroy(self, err) end
    rs.sync = false
    -- A synchronous push changed what there is to read.
    if not rs.reading then
      len = self.readableLength
      if not om then
        n = howMuchToRead(nOrig, rs, len)
      elseif (nOrig ~= nil and nOrig <= 0) or (len == 0 and rs.ended) then
        n = 0
      else
        n = 1
      end
    end
  end
  local ret
  if n > 0 then
    if om and len > 0 then                -- fromList, inlined
      local h = rs.head
      ret = rs.buffer[h]
      rs.buffer[h] = nil
      if h >= rs.tail then rs.head, rs.tail = 1, 0 else setHead(rs, h + 1) end
    else
      ret, n = fromList(n, rs, len)
    end
  end
  if ret == nil then
    if len <= rs.highWaterMark then rs.needReadable = true end
    n = 0
  else
    len = len - n
    self.readableLength = len
    if rs.awaitDrainWriters ~= nil then clearAwaitDrain(rs) end
  end
  if len == 0 then
    if not rs.ended then rs.needReadable = true end
    -- read() past EOF: 'end' on the next tick.
    if nOrig ~= n and rs.ended then endReadable(self) end
  end
  if ret ~= nil and not rs.errorEmitted and not rs.closeEmitted then
    if not rs.dataEmitted then
      rs.dataEmitted = true
      self.readableDidRead = true
    end
    self:emit("data", ret)
  end
  return ret
end

--[[ 'end' ]]

local function endWritableNT(self)
  if self.writable and not self.writableEnded and not self.destroyed then
    self:finish()
  end
end

local function endReadableNT(rs, self)
  -- Check that no last unshift came in.
  if rs.errored == nil and not rs.closeEmitted and not rs.endEmitted
    and self.readableLength == 0 then
    rs.endEmitted = true
    refresh(self)
    self:emit("end")
    if self.writable and self.allowHalfOpen == false then
      nextTick(endWritableNT, self)
    elseif rs.autoDestroy then
      -- A Duplex is destroyed only once its writable side is done too.
      local ws = self._writableState
      if not ws or (ws.autoDestroy
        and (ws.finished or ws.writable == false)) then
        self:destroy()
      end
    end
  end
end

function endReadable(self)
  local rs = self._readableState
  if not rs.endEmitted then
    rs.ended = true
    nextTick(endReadableNT, rs, self)
  end
end

--[[ Listeners, flowing and paused modes ]]

local ee_on, ee_once = Stream.on, Stream.once
local ee_remove, ee_removeAll = Stream.removeListener,
  Stream.removeAllListeners

local function nReadingNextTick(self)
  self:read(0)
end

-- What adding a 'data' or 'readable' listener starts.
local function listening(self, ev)
  local rs = self._readableState or rinit(self)
  if ev == "data" then
    rs.dataListening = true
    if self:listenerCount("readable") > 0 then rs.readableListening = true end
    if rs.flowing ~= false then self:resume() end
  elseif ev == "readable" then
    if not rs.endEmitted and not rs.readableListening then
      rs.readableListening, rs.needReadable = true, true
      setFlowing(self, rs, false)
      rs.emittedReadable = false
      if self.readableLength > 0 then
        emitReadable(self)
      elseif not rs.reading then
        nextTick(nReadingNextTick, self)
      end
    end
  end
end

function Readable:on(ev, fn)
  local res = ee_on(self, ev, fn)
  if ev == "data" or ev == "readable" then listening(self, ev) end
  return res
end
Readable.addListener = Readable.on

function Readable:once(ev, fn)
  local res = ee_once(self, ev, fn)
  if ev == "data" or ev == "readable" then listening(self, ev) end
  return res
end

local function updateReadableListening(self)
  local rs = self._readableState
  rs.readableListening = self:listenerCount("readable") > 0
  if rs.paused == false and rs.resumeScheduled then
    -- flowing must be true now, else the coming resume_ will not flow.
    setFlowing(self, rs, true)
  elseif rs.dataListening then
    self:resume()
  elseif not rs.readableListening then
    setFlowing(self, rs, nil)
  end
end

function Readable:removeListener(ev, fn)
  local rs = self._readableState or rinit(self)
  local res = ee_remove(self, ev, fn)
  if ev == "readable" then
    -- After this 'readable' emit but before I/O, so that once('readable')
    -- cycles work.
    nextTick(updateReadableListening, self)
  elseif ev == "data" and self:listenerCount("data") == 0 then
    rs.dataListening = false
  end
  return res
end
Readable.off = Readable.removeListener

function Readable:removeAllListeners(ev)
  if not self._readableState then rinit(self) end
  local res = ee_removeAll(self, ev)
  if ev == "readable" or ev == nil then
    nextTick(updateReadableListening, self)
  end
  return res
end

local function resume_(self, rs)
  if not rs.reading then self:read(0) end
  rs.resumeScheduled = false
  self:emit("resume")
  flow(self)
  if rs.flowing and not rs.reading then self:read(0) end
end

function Readable:resume()
  local rs = self._readableState or rinit(self)
  if not rs.flowing then
    -- Not flowing while someone listens for 'readable'; resume() is
    -- still scheduled.
    setFlowing(self, rs, not rs.readableListening)
    if not rs.resumeScheduled then
      rs.resumeScheduled = true
      nextTick(resume_, self, rs)
    end
  end
  rs.paused = false
  return self
end

function Readable:pause()
  local rs = self._readableState or rinit(self)
  if rs.flowing ~= false then
    setFlowing(self, rs, false)
    self:emit("pause")
  end
  rs.paused = true
  return self
end

function Readable:isPaused()
  local rs = self._readableState or rinit(self)
  return rs.paused == true or rs.flowing == false
end

-- setEncoding(enc): chunks become strings; the decoder keeps multi-byte
-- characters whole across chunks.
function Readable:setEncoding(enc)
  local rs = self._readableState or rinit(self)
  local decoder = StringDecoder.new(enc)
  rs.decoder, rs.encoding = decoder, decoder.encoding
  self.readableEncoding = rs.encoding
  local parts, buf = {}, rs.buffer
  for i = rs.head, rs.tail do
    parts[#parts + 1] = decoder:write(buf[i])
    buf[i] = nil
  end
  local content = table.concat(parts)
  rs.head, rs.tail = 1, 0
  if content ~= "" then
    buf[1] = content
    rs.tail = 1
  end
  self.readableLength = #content
  return self
end

--[[ pipe / unpipe ]]

local pipe = require "lode.stream.pipe"
Readable.pipe = pipe.pipe
Readable.unpipe = pipe.unpipe

--[[ Async iteration and Readable.from ]]

local iter = require "lode.stream.iter"

-- for chunk in r:iter() do ... end, inside a task. Breaking out of the
-- loop (or an error in it) destroys the stream unless
-- { destroyOnReturn = false }.
function Readable:iter(opts)
  if not self._readableState then rinit(self) end
  return iter.iterate(self, opts)
end
Readable.iterator = Readable.iter

function Readable.from(iterable, opts)
  return require("lode.stream.from")(Readable, iterable, opts)
end

return Readable
