-- stream.finished(stream, opts, cb), Node's end-of-stream.js: cb(err)
-- once the stream is done (ended and/or finished, and closed when it
-- will emit 'close'), with the stream's error, or ERR_STREAM_PREMATURE_
-- CLOSE when it closed before that. Returns a function that removes the
-- listeners it added.
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local util = require "lode.stream.util"

local nextTick = loop.nextTick

-- Longer than 60 lines: the handlers share their flags as upvalues, as
-- in Node's eos().
local function eos(stream, opts, callback)
  if callback == nil and type(opts) == "function" then
    callback, opts = opts, nil
  end
  errors.checkType(opts, "options", "table|nil")
  errors.checkFunction(callback, "callback")
  opts = opts or {}
  if not util.isNodeStream(stream) then
    error(errors.invalidArgType("stream", "an instance of Stream", stream), 2)
  end
  local called = false
  local function cb(err)
    if called then return end
    called = true
    callback(err)
  end

  local readable = opts.readable
  if readable == nil then readable = util.isReadableNodeStream(stream) end
  local writable = opts.writable
  if writable == nil then writable = util.isWritableNodeStream(stream) end
  local ws, rs = stream._writableState, stream._readableState

  -- 'close' is awaited only when the stream will surely emit it.
  local willEmitClose = util.willEmitClose(stream)
    and util.isReadableNodeStream(stream) == readable
    and util.isWritableNodeStream(stream) == writable

  local writableFinished = util.isWritableFinished(stream, false)
  local readableFinished = util.isReadableFinished(stream, false)

  local function onfinish()
    writableFinished = true
    -- Destroyed already: userland does something unusual, so 'close' may
    -- never come.
    if stream.destroyed then willEmitClose = false end
    if willEmitClose and (not stream.readable or readable) then return end
    if not readable or readableFinished then cb() end
  end
  local function onlegacyfinish()
    if not stream.writable then onfinish() end
  end
  local function onend()
    readableFinished = true
    if stream.destroyed then willEmitClose = false end
    if willEmitClose and (not stream.writable or writable) then return end
    if not writable or writableFinished then cb() end
  end
  local function onerror(err) cb(err) end
  local function onclose()
    local errored = util.isWritableErrored(stream)
      or util.isReadableErrored(stream)
    if errored ~= nil and type(errored) ~= "boolean" then
      return cb(errored)
    end
    if readable and not readableFinished
      and util.isReadableNodeStream(stream, true)
      and not util.isReadableFinished(stream, false) then
      return cb(util.prematureClose())
    end
    if writable and not writableFinished
      and not util.isWritableFinished(stream, false) then
      return cb(util.prematureClose())
    end
    cb()
  end
  local function onclosed()
    local errored = util.isWritableErrored(stream)
      or util.isReadableErrored(stream)
    if errored ~= nil and type(errored) ~= "boolean" then
      return cb(errored)
    end
    cb()
  end

  if writable and not ws then           -- legacy streams
    stream:on("end", onlegacyfinish)
    stream:on("close", onlegacyfinish)
  end
  if not willEmitClose and type(stream.aborted) == "boolean" then
    stream:on("aborted", onclose)
  end
  stream:on("end", onend)
  stream:on("finish", onfinish)
  if opts.error ~= false then stream:on("error", onerror) end
  stream:on("close", onclose)

  if util.isClosed(stream) then
    nextTick(onclose)
  elseif (ws and ws.errorEmitted) or (rs and rs.errorEmitted) then
    if not willEmitClose then nextTick(onclosed) end
  elseif not readable and (not willEmitClose or util.isReadable(stream))
    and (writableFinished or util.isWritable(stream) == false)
    and (ws == nil or ws.pendingcb == nil or ws.pendingcb == 0) then
    nextTick(onclosed)
  elseif not writable and (not willEmitClose or util.isWritable(stream))
    and (readableFinished or util.isReadable(stream) == false) then
    nextTick(onclosed)
  end

  return function()
    called = true
    stream:removeListener("aborted", onclose)
    stream:removeListener("end", onlegacyfinish)
    stream:removeListener("close", onlegacyfinish)
    stream:removeListener("finish", onfinish)
    stream:removeListener("end", onend)
    stream:removeListener("error", onerror)
    stream:removeListener("close", onclose)
  end
end

return eos
