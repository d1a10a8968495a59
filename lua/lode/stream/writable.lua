-- Writable, a port of Node 20's lib/internal/streams/writable.js. One
-- write is in flight at a time; later ones wait in a flat queue of
-- (chunk, encoding, callback) triples indexed from `bh` to `bt`, so a
-- buffered write allocates nothing. The callback handed to _write is one
-- closure per stream (`onwrite`), which also catches a second call
-- (ERR_MULTIPLE_CALLBACK). write() returns false once writableLength
-- reaches the high-water mark; 'drain' follows when it is back to 0.
local type, error, pcall = type, error, pcall
local loop = require "lode.internal.loop"
local util = require "lode.stream.util"
local destroyImpl = require "lode.stream.destroy"
local Stream = require("lode.stream.legacy").Stream

local Buffer, isBuffer = util.Buffer, util.isBuffer
local nextTick = loop.nextTick
local errorOrDestroy = destroyImpl.errorOrDestroy
local refresh, nop = util.refresh, util.nop

local Writable = Stream:extend("Writable")

-- Public state of a stream whose init has not run yet.
Writable.writable = true
Writable.writableLength = 0
Writable.writableHighWaterMark = util.getDefaultHighWaterMark(false)
Writable.writableObjectMode = false
Writable.writableEnded = false
Writable.writableFinished = false
Writable.writableNeedDrain = false
Writable.writableCorked = 0
Writable.writableAborted = false
Writable.destroyed = false
Writable.closed = false

local makeOnwrite, clearBuffer, finishMaybe, errorBuffer, afterWrite

local function resetBuffer(ws)
  ws.bh, ws.bt = 1, 0
  ws.allBuffers, ws.allNoop = true, true
end

-- Node's WritableState; `isDuplex` enables the writable* option names.
local function writableState(self, opts, isDuplex)
  local om = opts ~= nil and (opts.objectMode
    or (isDuplex and opts.writableObjectMode)) and true or false
  local hwm = util.getHighWaterMark(opts, "writableHighWaterMark",
    isDuplex, om)
  local ws = {
    objectMode = om, highWaterMark = hwm, finalCalled = false,
    needDrain = false, ending = false, ended = false, finished = false,
    destroyed = false, writing = false, sync = true,
    decodeStrings = not (opts and opts.decodeStrings == false),
    bufferProcessing = false, constructed = true, prefinished = false,
    errorEmitted = false, closed = false, closeEmitted = false,
    emitClose = not (opts and opts.emitClose == false),
    autoDestroy = not (opts and opts.autoDestroy == false),
    allBuffers = true, allNoop = true, errored = nil, writable = nil,
    defaultEncoding = "utf8", corked = 0, writelen = 0, writecb = nil,
    expectWriteCb = false, afterWriteTickInfo = nil,
    afterWritePending = false, buffered = {}, bh = 1, bt = 0,
    pendingcb = 0, onFinished = nil,
  }
  local enc = opts and opts.defaultEncoding
  if enc ~= nil and enc ~= "utf8" and enc ~= "utf-8" then
    if not util.isEncoding(enc) then error(util.unknownEncoding(enc), 3) end
    ws.defaultEncoding = enc
  end
  ws.onwrite = makeOnwrite(self, ws)
  ws.afterWriteNT = function() afterWrite(self, ws, 1, nop) end
  self._writableState = ws
  self.writableLength, self.writableHighWaterMark = 0, hwm
  self.writableObjectMode, self.writableCorked = om, 0
  refresh(self)
  return ws
end
Writable._newState = writableState

local function winit(self)
  self:_streamInit(nil)
  return self._writableState
end

local function onConstructed(self)
  local ws = self._writableState
  if not ws.writing then clearBuffer(self, ws) end
  if ws.ending then finishMaybe(self, ws) end
end
Writable._onWritableConstructed = onConstructed

-- Installs the implementation functions given as options.
function Writable._takeOptions(self, opts)
  for _, k in ipairs({ "write", "writev", "destroy", "final", "construct" }) do
    if type(opts[k]) == "function" then self["_" .. k] = opts[k] end
  end
end

local function writableInit(self, opts)
  writableState(self, opts, false)
  if opts then Writable._takeOptions(self, opts) end
  if self._construct ~= nil then destroyImpl.construct(self, onConstructed) end
end
Writable._streamInit = writableInit

function Writable:init(opts)
  writableInit(self, opts)
end

--[[ write ]]

-- Byte mode: strings become Buffers (unless decodeStrings is false).
local function toBytes(ws, chunk, encoding)
  if not encoding then
    encoding = ws.defaultEncoding
  elseif encoding ~= "buffer" and not util.isEncoding(encoding) then
    error(util.unknownEncoding(encoding), 4)
  end
  if type(chunk) == "string" then
    if ws.decodeStrings then return Buffer.from(chunk, encoding), "buffer" end
    return chunk, encoding
  elseif isBuffer(chunk) then
    return chunk, "buffer"
  end
  error(util.invalidChunk(chunk), 4)
end

local function writeFailed(self, ws, cb)
  local err = ws.ending and util.writeAfterEnd() or util.destroyed("write")
  nextTick(cb, err)
  errorOrDestroy(self, err, true)
  return err
end

-- Queues a write behind the one in flight: a (chunk, encoding, cb)
-- triple in the flat queue.
local function enqueue(ws, chunk, encoding, cb)
  local buf, t = ws.buffered, ws.bt
  buf[t + 1], buf[t + 2], buf[t + 3] = chunk, encoding, cb
  ws.bt = t + 3
  if ws.allBuffers and encoding ~= "buffer" then ws.allBuffers = false end
  if ws.allNoop and cb ~= nop then ws.allNoop = false end
end

-- write()'s answer once writableLength is `total`.
local function belowMark(self, ws, total)
  if total < ws.highWaterMark or total == 0 then
    -- false when errored or destroyed, to stop `while w:write(x)` loops.
    return not ws.destroyed and ws.errored == nil
  end
  ws.needDrain = true
  self.writableNeedDrain = not ws.destroyed and not ws.ending
  return false
end

-- Queues the write, or hands it to _write when none is in flight.
local function writeOrBuffer(self, ws, chunk, encoding, cb)
  local len = ws.objectMode and 1 or #chunk
  local total = self.writableLength + len
  self.writableLength = total
  if ws.writing or ws.errored ~= nil or ws.corked > 0
    or not ws.constructed then
    enqueue(ws, chunk, encoding, cb)
  else
    ws.writelen, ws.writecb = len, cb
    ws.writing, ws.sync, ws.expectWriteCb = true, true, true
    self:_write(chunk, encoding, ws.onwrite)
    ws.sync = false
    total = self.writableLength
  end
  return belowMark(self, ws, total)
end

-- Returns true/false, or the error for a write after end/destroy.
local function write_(self, ws, chunk, encoding, cb)
  if type(cb) ~= "function" then cb = nop end
  if chunk == nil then error(util.nullValues(), 3) end
  if not ws.objectMode then chunk, encoding = toBytes(ws, chunk, encoding) end
  if ws.ending or ws.destroyed then return writeFailed(self, ws, cb) end
  ws.pendingcb = ws.pendingcb + 1
  return writeOrBuffer(self, ws, chunk, encoding, cb)
end

-- write(chunk, encoding, cb): false once the buffer is at the mark.
-- Every chunk's path: writeOrBuffer and belowMark are inlined.
function Writable:write(chunk, encoding, cb)
  local ws = self._writableState or winit(self)
  if encoding ~= nil and type(encoding) == "function" then
    cb, encoding = encoding, nil
  end
  if cb == nil or type(cb) ~= "function" then cb = nop end
  if chunk == nil then error(util.nullValues(), 2) end
  local len = 1
  if not ws.objectMode then
    chunk, encoding = toBytes(ws, chunk, encoding)
    len = #chunk
  end
  if ws.ending or ws.destroyed then
    writeFailed(self, ws, cb)
    return false
  end
  ws.pendingcb = ws.pendingcb + 1
  local total = self.writableLength + len
  self.writableLength = total
  if ws.writing or ws.errored ~= nil or ws.corked > 0
    or not ws.constructed then
    enqueue(ws, chunk, encoding, cb)
  else
    ws.writelen, ws.writecb = len, cb
    ws.writing, ws.sync, ws.expectWriteCb = true, true, true
    self:_write(chunk, encoding, ws.onwrite)
    ws.sync = false
    total = self.writableLength
  end
  if total < ws.highWaterMark or total == 0 then
    return not ws.destroyed and ws.errored == nil
  end
  return belowMark(self, ws, total)
end

function Writable:cork()
  local ws = self._writableState or winit(self)
  ws.corked = ws.corked + 1
  self.writableCorked = ws.corked
end

function Writable:uncork()
  local ws = self._writableState or winit(self)
  if ws.corked > 0 then
    ws.corked = ws.corked - 1
    self.writableCorked = ws.corked
    if not ws.writing then clearBuffer(self, ws) end
  end
end

function Writable:setDefaultEncoding(encoding)
  local ws = self._writableState or winit(self)
  if type(encoding) == "string" then encoding = encoding:lower() end
  if not util.isEncoding(encoding) then
    error(util.unknownEncoding(encoding), 2)
  end
  ws.defaultEncoding = encoding
  return self
end

local function doWrite(self, ws, writev, len, chunk, encoding, cb)
  ws.writelen, ws.writecb = len, cb
  ws.writing, ws.sync, ws.expectWriteCb = true, true, true
  if ws.destroyed then
    ws.onwrite(util.destroyed("write"))
  elseif writev then
    self:_writev(chunk, ws.onwrite)
  else
    self:_write(chunk, encoding, ws.onwrite)
  end
  ws.sync = false
end

local function onwriteError(self, ws, er, cb)
  ws.pendingcb = ws.pendingcb - 1
  cb(er)
  -- The other buffered writes get their callbacks even without
  -- autoDestroy; 'error' must come after this write's callback.
  errorBuffer(self, ws)
  errorOrDestroy(self, er)
end


local function afterWriteTick(info)
  info.state.afterWriteTickInfo = nil
  return afterWrite(info.stream, info.state, info.count, info.cb)
end

-- The callback given to _write: one closure per stream (ws is the
-- stream's one state table, made with it).
function makeOnwrite(self, ws)
  return function(er)
    if not ws.expectWriteCb then
      errorOrDestroy(self, util.multipleCallback())
      return
    end
    local sync = ws.sync
    local cb = ws.writecb or nop
    ws.writecb, ws.writing, ws.expectWriteCb = nil, false, false
    local len = self.writableLength - ws.writelen
    self.writableLength = len
    ws.writelen = 0
    if er ~= nil then
      if ws.errored == nil then ws.errored = er end
      -- A Duplex's readable side learns of the error too.
      local rs = self._readableState
      if rs and rs.errored == nil then rs.errored = er end
      refresh(self)
      if sync then nextTick(onwriteError, self, ws, er, cb)
      else onwriteError(self, ws, er, cb) end
      return
    end
    if ws.bt >= ws.bh then
      clearBuffer(self, ws)
      len = self.writableLength
    end
    if not sync then return afterWrite(self, ws, 1, cb) end
    -- Node 20 also ticks for every object-mode write (a quirk of its flag
    -- test), which decides when 'drain' and 'finish' come: kept.
    if cb == nop then
      if not ws.afterWritePending
        and (ws.objectMode or (ws.needDrain and len == 0)) then
        nextTick(ws.afterWriteNT)
        ws.afterWritePending = true
        return
      end
    else
      local info = ws.afterWriteTickInfo
      if info and info.cb == cb then
        -- The same callback again in this tick: count it, no new tick.
        info.count = info.count + 1
        return
      end
      info = { count = 1, cb = cb, stream = self, state = ws }
      ws.afterWriteTickInfo = info
      nextTick(afterWriteTick, info)
      ws.afterWritePending = true
      return
    end
    ws.pendingcb = ws.pendingcb - 1
    if ws.ending then finishMaybe(self, ws, true) end
  end
end

function afterWrite(self, ws, count, cb)
  ws.afterWritePending = false
  if ws.needDrain and not ws.ending and not ws.destroyed
    and self.writableLength == 0 then
    ws.needDrain = false
    self.writableNeedDrain = false
    self:emit("drain")
  end
  while count > 0 do
    count = count - 1
    ws.pendingcb = ws.pendingcb - 1
    cb(nil)
  end
  if ws.destroyed then errorBuffer(self, ws) end
  if ws.ending then finishMaybe(self, ws, true) end
end

local function callFinishedCallbacks(ws, err)
  local list = ws.onFinished
  if list == nil then return end
  ws.onFinished = nil
  for i = 1, #list do list[i](err) end
end

-- Fails every buffered write (after destroy or an error).
function errorBuffer(self, ws)
  if ws.writing then return end
  local buf = ws.buffered
  for i = ws.bh, ws.bt, 3 do
    local chunk, cb = buf[i], buf[i + 2]
    buf[i], buf[i + 1], buf[i + 2] = nil, nil, nil
    self.writableLength = self.writableLength
      - (ws.objectMode and 1 or #chunk)
    cb(ws.errored or util.destroyed("write"))
  end
  callFinishedCallbacks(ws, ws.errored or util.destroyed("end"))
  resetBuffer(ws)
end

-- Writes what was buffered: all at once through _writev when there is
-- one, else one by one while each completes synchronously.
function clearBuffer(self, ws)
  if ws.destroyed or ws.bufferProcessing or ws.corked > 0
    or ws.bt < ws.bh or not ws.constructed then
    return
  end
  local buf, i = ws.buffered, ws.bh
  local count = (ws.bt - i + 1) // 3
  ws.bufferProcessing = true
  if count > 1 and self._writev then
    ws.pendingcb = ws.pendingcb - (count - 1)
    local chunks, cbs = {}, {}
    for k = 1, count do
      local j = i + 3 * (k - 1)
      chunks[k] = { chunk = buf[j], encoding = buf[j + 1] }
      cbs[k] = buf[j + 2]
      buf[j], buf[j + 1], buf[j + 2] = nil, nil, nil
    end
    chunks.allBuffers = ws.allBuffers
    local callback = nop
    if not ws.allNoop then
      callback = function(err)
        for k = 1, #cbs do cbs[k](err) end
      end
    end
    resetBuffer(ws)
    doWrite(self, ws, true, self.writableLength, chunks, "", callback)
  else
    repeat
      local chunk, enc, cb = buf[i], buf[i + 1], buf[i + 2]
      buf[i], buf[i + 1], buf[i + 2] = nil, nil, nil
      i = i + 3
      doWrite(self, ws, false, ws.objectMode and 1 or #chunk, chunk, enc, cb)
    until i > ws.bt or ws.writing
    if i > ws.bt then
      resetBuffer(ws)
    elseif i > 768 and i > ws.bt - i then   -- mostly dead slots
      local t = ws.bt
      table.move(buf, i, t, 1)
      for k = t - i + 2, t do buf[k] = nil end
      ws.bh, ws.bt = 1, t - i + 1
    else
      ws.bh = i
    end
  end
  ws.bufferProcessing = false
end

function Writable:_write(chunk, encoding, cb)
  if self._writev then
    self:_writev({ { chunk = chunk, encoding = encoding } }, cb)
  else
    error(util.notImplemented("_write()"), 0)
  end
end

-- A Writable cannot be a pipe source.
function Writable:pipe()
  errorOrDestroy(self, util.cannotPipe())
end

--[[ finish (Node's end) ]]

local function needFinish(self, ws)
  return ws.ending and not ws.destroyed and ws.constructed
    and not ws.finished and not ws.writing and not ws.errorEmitted
    and not ws.closeEmitted and ws.errored == nil and ws.bt < ws.bh
    and self.writableLength == 0
end

local function finish(self, ws)
  ws.pendingcb = ws.pendingcb - 1
  ws.finished = true
  refresh(self)
  callFinishedCallbacks(ws, nil)
  self:emit("finish")
  if ws.autoDestroy then
    -- A Duplex is destroyed only once its readable side ended too.
    local rs = self._readableState
    if not rs or (rs.autoDestroy
      and (rs.endEmitted or rs.readable == false)) then
      self:destroy()
    end
  end
end

local function onFinish(self, ws, err)
  if ws.prefinished then
    errorOrDestroy(self, err or util.multipleCallback())
    return
  end
  ws.pendingcb = ws.pendingcb - 1
  if err ~= nil then
    callFinishedCallbacks(ws, err)
    errorOrDestroy(self, err, ws.sync)
  elseif needFinish(self, ws) then
    ws.prefinished = true
    self:emit("prefinish")
    -- 'finish' always comes a tick after _final's callback.
    ws.pendingcb = ws.pendingcb + 1
    nextTick(finish, self, ws)
  end
end

local function prefinish(self, ws)
  if ws.prefinished or ws.finalCalled then return end
  if type(self._final) == "function" and not ws.destroyed then
    ws.finalCalled, ws.sync = true, true
    ws.pendingcb = ws.pendingcb + 1
    local ok, err = pcall(self._final, self, function(err)
      onFinish(self, ws, err)
    end)
    if not ok then onFinish(self, ws, err) end
    ws.sync = false
  else
    ws.finalCalled, ws.prefinished = true, true
    self:emit("prefinish")
  end
end

local function finishMaybeNT(self, ws)
  if needFinish(self, ws) then
    finish(self, ws)
  else
    ws.pendingcb = ws.pendingcb - 1
  end
end

function finishMaybe(self, ws, sync)
  if not needFinish(self, ws) then return end
  prefinish(self, ws)
  if ws.pendingcb == 0 then
    if sync then
      ws.pendingcb = ws.pendingcb + 1
      nextTick(finishMaybeNT, self, ws)
    elseif needFinish(self, ws) then
      ws.pendingcb = ws.pendingcb + 1
      finish(self, ws)
    end
  end
end

-- finish(chunk, encoding, cb): Node's end(). cb gets the error, if any,
-- once 'finish' (or the failure) happened.
function Writable:finish(chunk, encoding, cb)
  local ws = self._writableState or winit(self)
  if type(chunk) == "function" then
    cb, chunk, encoding = chunk, nil, nil
  elseif type(encoding) == "function" then
    cb, encoding = encoding, nil
  end
  local err
  if chunk ~= nil then
    local ret = write_(self, ws, chunk, encoding)
    if type(ret) ~= "boolean" then err = ret end
  end
  if ws.corked > 0 then             -- finish() fully uncorks
    ws.corked = 1
    self:uncork()
  end
  if err then                       -- luacheck: ignore 542
  elseif not ws.ending and ws.errored == nil then
    -- Forgiving about extra finish() calls: a hard error would be worse.
    ws.ending = true
    refresh(self)
    finishMaybe(self, ws, true)
    ws.ended = true
  elseif ws.finished then
    err = util.alreadyFinished("end")
  elseif ws.destroyed then
    err = util.destroyed("end")
  end
  if type(cb) == "function" then
    if err then
      nextTick(cb, err)
    elseif ws.errored ~= nil then
      nextTick(cb, ws.errored)
    elseif ws.finished then
      nextTick(cb, nil)
    else
      local list = ws.onFinished or {}
      list[#list + 1] = cb
      ws.onFinished = list
    end
  end
  return self
end
Writable["end"] = Writable.finish

--[[ destroy ]]

function Writable:destroy(err, cb)
  local ws = self._writableState or winit(self)
  -- Pending write callbacks fail on the next tick.
  if (ws.bt >= ws.bh or ws.onFinished) and not ws.destroyed then
    nextTick(errorBuffer, self, ws)
  end
  destroyImpl.destroy(self, err, cb)
  return self
end

Writable._undestroy = destroyImpl.undestroy

function Writable:_destroy(err, cb)
  cb(err)
end

-- A copy of the buffered writes as { {chunk=, encoding=}, ... }.
function Writable:getBuffer()
  local ws = self._writableState or winit(self)
  local out, buf = {}, ws.buffered
  for i = ws.bh, ws.bt, 3 do
    out[#out + 1] = { chunk = buf[i], encoding = buf[i + 1] }
  end
  return out
end

-- The methods a Duplex takes from Writable.
Writable.DUPLEX_METHODS = { "write", "cork", "uncork", "setDefaultEncoding",
  "finish", "end", "_write", "destroy", "getBuffer" }

return Writable
