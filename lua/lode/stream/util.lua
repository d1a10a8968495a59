-- Helpers shared by the stream classes (Node's internal/streams/utils.js,
-- state.js and the stream error codes). Stream state lives in two plain
-- tables, `_readableState` and `_writableState`; the public state
-- (readableEnded, writableLength, destroyed, ...) is kept in plain fields
-- of the stream so that reading it costs one table lookup. Hot fields
-- (lengths, flowing) are written where they change; the rest is
-- recomputed by `refresh` at the rare transitions (end, finish, error,
-- destroy).
local errors = require "lode.internal.errors"
local Buffer = require("lode.buffer").Buffer

local M = {}

M.Buffer = Buffer
M.isBuffer = Buffer.isBuffer
function M.nop() end

--[[ Error codes (messages as Node 20) ]]

local function coded(cls, code, msg)
  return errors.new(cls, code, msg)
end

function M.writeAfterEnd()
  return coded(errors.Error, "ERR_STREAM_WRITE_AFTER_END", "write after end")
end
function M.pushAfterEOF()
  return coded(errors.Error, "ERR_STREAM_PUSH_AFTER_EOF",
    "stream.push() after EOF")
end
function M.unshiftAfterEnd()
  return coded(errors.Error, "ERR_STREAM_UNSHIFT_AFTER_END_EVENT",
    "stream.unshift() after end event")
end
function M.destroyed(what)
  return coded(errors.Error, "ERR_STREAM_DESTROYED",
    ("Cannot call %s after a stream was destroyed"):format(what))
end
function M.alreadyFinished(what)
  return coded(errors.Error, "ERR_STREAM_ALREADY_FINISHED",
    ("Cannot call %s after a stream was finished"):format(what))
end
function M.multipleCallback()
  return coded(errors.Error, "ERR_MULTIPLE_CALLBACK",
    "Callback called multiple times")
end
function M.prematureClose()
  return coded(errors.Error, "ERR_STREAM_PREMATURE_CLOSE", "Premature close")
end
function M.nullValues()
  return coded(errors.TypeError, "ERR_STREAM_NULL_VALUES",
    "May not write null values to stream")
end
function M.cannotPipe()
  return coded(errors.Error, "ERR_STREAM_CANNOT_PIPE",
    "Cannot pipe, not readable")
end
function M.notImplemented(what)
  return coded(errors.Error, "ERR_METHOD_NOT_IMPLEMENTED",
    ("The %s method is not implemented"):format(what))
end
function M.unknownEncoding(enc)
  return coded(errors.TypeError, "ERR_UNKNOWN_ENCODING",
    "Unknown encoding: " .. tostring(enc))
end
function M.invalidReturn(what, name, v)
  return coded(errors.TypeError, "ERR_INVALID_RETURN_VALUE",
    ('Expected %s to be returned from the "%s" function but got %s.')
      :format(what, name, type(v)))
end
function M.invalidChunk(chunk)
  return errors.invalidArgType("chunk", "string or an instance of Buffer",
    chunk)
end
-- errors.lua has no AbortError class yet: a coded Error renamed.
function M.abortError()
  local e = coded(errors.Error, "ABORT_ERR", "The operation was aborted")
  e.name = "AbortError"
  return e
end

-- Node's aggregateTwoErrors: both errors survive in an AggregateError.
function M.aggregate(inner, outer)
  if inner ~= nil and outer ~= nil and inner ~= outer then
    if type(outer) == "table" and type(outer.errors) == "table" then
      table.insert(outer.errors, inner)
      return outer
    end
    local msg = type(outer) == "table" and outer.message or tostring(outer)
    local err = errors.AggregateError.new({ outer, inner }, msg)
    err.code = type(outer) == "table" and outer.code or nil
    return err
  end
  if inner ~= nil then return inner end
  return outer
end

--[[ Encodings and high-water marks ]]

local ENCODINGS = {
  utf8 = true, ["utf-8"] = true, hex = true, base64 = true,
  base64url = true, latin1 = true, binary = true, ascii = true,
  utf16le = true, ["utf-16le"] = true, ucs2 = true, ["ucs-2"] = true,
}

function M.isEncoding(enc)
  if type(enc) ~= "string" then return false end
  local f = Buffer.isEncoding
  if f then return f(enc) == true end
  return ENCODINGS[enc:lower()] == true
end

local defaultHwmBytes, defaultHwmObjects = 16 * 1024, 16

function M.getDefaultHighWaterMark(objectMode)
  return objectMode and defaultHwmObjects or defaultHwmBytes
end

function M.setDefaultHighWaterMark(objectMode, value)
  errors.checkInteger(value, "value", 0)
  if objectMode then defaultHwmObjects = value else defaultHwmBytes = value end
end

-- The high-water mark from options: `highWaterMark`, else (duplex only)
-- `readableHighWaterMark` / `writableHighWaterMark`, else the default.
function M.getHighWaterMark(opts, duplexKey, isDuplex, objectMode)
  local hwm
  if opts then
    hwm = opts.highWaterMark
    if hwm == nil and isDuplex then hwm = opts[duplexKey] end
  end
  if hwm == nil then return M.getDefaultHighWaterMark(objectMode) end
  if type(hwm) ~= "number" or hwm < 0 or hwm ~= hwm or hwm % 1 ~= 0 then
    error(errors.invalidArgValue(isDuplex and "options." .. duplexKey
      or "options.highWaterMark", hwm), 3)
  end
  return math.tointeger(hwm) or hwm
end

--[[ Public state fields ]]

-- Recomputes the derived public fields from the state tables.
function M.refresh(s)
  local rs, ws = s._readableState, s._writableState
  if rs then
    local ended = rs.endEmitted
    s.readable = rs.readable ~= false and not rs.destroyed
      and not rs.errorEmitted and not ended
    s.readableEnded = ended
    s.readableAborted = rs.readable ~= false
      and (rs.destroyed or rs.errored ~= nil) and not ended
    s.destroyed, s.closed, s.errored = rs.destroyed, rs.closed, rs.errored
  end
  if ws then
    local errd = ws.errored ~= nil
    s.writable = ws.writable ~= false and not ws.ending and not ws.ended
      and not ws.destroyed and not errd
    s.writableEnded = ws.ending
    s.writableFinished = ws.finished
    s.writableNeedDrain = ws.needDrain and not ws.destroyed
      and not ws.ending
    s.writableAborted = ws.writable ~= false and (ws.destroyed or errd)
      and not ws.finished
    if rs then
      s.destroyed = rs.destroyed and ws.destroyed
    else
      s.destroyed, s.closed, s.errored = ws.destroyed, ws.closed, ws.errored
    end
  end
end

-- Creates the state of a stream whose init did not (API.md: state is
-- created on first use).
function M.ensure(s)
  if s._readableState == nil and s._writableState == nil
    and type(s._streamInit) == "function" then
    s:_streamInit(nil)
  end
end

--[[ Predicates (Node's internal/streams/utils.js) ]]

local function isStreamLike(obj)
  local t = type(obj)
  return (t == "table" or t == "userdata") and type(obj.on) == "function"
end

function M.isReadableNodeStream(obj, strict)
  if not isStreamLike(obj) or type(obj.pipe) ~= "function" then
    return false
  end
  M.ensure(obj)
  if strict and (type(obj.pause) ~= "function"
    or type(obj.resume) ~= "function") then return false end
  local ws, rs = obj._writableState, obj._readableState
  if ws and (rs == nil or rs.readable == false) then return false end
  return true
end

function M.isWritableNodeStream(obj)
  if not isStreamLike(obj) or type(obj.write) ~= "function" then
    return false
  end
  M.ensure(obj)
  local rs, ws = obj._readableState, obj._writableState
  return not (rs and ws and ws.writable == false)
end

function M.isNodeStream(obj)
  if not isStreamLike(obj) then return false end
  M.ensure(obj)
  return obj._readableState ~= nil or obj._writableState ~= nil
    or type(obj.write) == "function" or type(obj.pipe) == "function"
end

function M.isDestroyed(s)
  if not M.isNodeStream(s) then return nil end
  local st = s._writableState or s._readableState
  return not not (s.destroyed or s._isDestroyed or (st and st.destroyed))
end

function M.isWritableEnded(s)
  if not M.isWritableNodeStream(s) then return nil end
  if s.writableEnded == true then return true end
  local ws = s._writableState
  if ws == nil then return nil end
  if ws.errored ~= nil then return false end
  return ws.ended
end

function M.isWritableFinished(s, strict)
  if not M.isWritableNodeStream(s) then return nil end
  if s.writableFinished == true then return true end
  local ws = s._writableState
  if ws == nil then return nil end
  if ws.errored ~= nil then return false end
  return ws.finished or (strict == false and ws.ended == true
    and s.writableLength == 0)
end

function M.isReadableFinished(s, strict)
  if not M.isReadableNodeStream(s) then return nil end
  local rs = s._readableState
  if rs == nil then return nil end
  if rs.errored ~= nil then return false end
  return rs.endEmitted or (strict == false and rs.ended == true
    and s.readableLength == 0)
end

function M.isReadable(s)
  if type(s) ~= "table" or type(s.readable) ~= "boolean" then return nil end
  if M.isDestroyed(s) then return false end
  return M.isReadableNodeStream(s) and s.readable
    and not M.isReadableFinished(s)
end

function M.isWritable(s)
  if type(s) ~= "table" or type(s.writable) ~= "boolean" then return nil end
  if M.isDestroyed(s) then return false end
  return M.isWritableNodeStream(s) and s.writable
    and not M.isWritableEnded(s)
end

function M.isFinished(s, opts)
  if not M.isNodeStream(s) then return nil end
  if M.isDestroyed(s) then return true end
  if not (opts and opts.readable == false) and M.isReadable(s) then
    return false
  end
  if not (opts and opts.writable == false) and M.isWritable(s) then
    return false
  end
  return true
end

function M.isWritableErrored(s)
  if not M.isNodeStream(s) then return nil end
  local ws = s._writableState
  return ws and ws.errored
end

function M.isReadableErrored(s)
  if not M.isNodeStream(s) then return nil end
  local rs = s._readableState
  return rs and rs.errored
end

function M.isClosed(s)
  if not M.isNodeStream(s) then return nil end
  if type(s.closed) == "boolean" then return s.closed end
  local ws, rs = s._writableState, s._readableState
  if ws or rs then return (ws and ws.closed) or (rs and rs.closed) end
  return nil
end

function M.willEmitClose(s)
  if not M.isNodeStream(s) then return nil end
  local st = s._writableState or s._readableState
  return not not (st and st.autoDestroy and st.emitClose
    and st.closed == false)
end

function M.isErrored(s)
  if type(s) ~= "table" then return false end
  local rs, ws = s._readableState, s._writableState
  return not not ((rs and (rs.errorEmitted or rs.errored ~= nil))
    or (ws and (ws.errorEmitted or ws.errored ~= nil)))
end

function M.isDisturbed(s)
  return type(s) == "table" and not not (s.readableDidRead
    or s.readableAborted)
end

return M
