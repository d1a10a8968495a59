-- http.ServerResponse, the Writable a request handler answers with.
-- Like Node's OutgoingMessage it keeps no Writable state of its own: the
-- connection's write queue is in C (bindings/http_write.c), and the
-- response only carries what the head needs (statusCode, the header
-- store of lode.http.common, writeHead's table) until its first write.
-- res:finish(body) with no write before formats status line, headers and
-- body into one buffer and writes it once; res:write() sends the head
-- with chunked framing (or no framing, for HTTP/1.0 peers) and then
-- chunks. 'finish' comes once the bytes are handed to the kernel, then
-- 'close'; a write after finish() is an 'error' (ERR_STREAM_WRITE_AFTER_
-- END), as in Node.
local Writable = require "lode.stream.writable"
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local util = require "lode.stream.util"
local common = require "lode.http.common"

local nextTick = loop.nextTick
local toChunk = common.toChunk
local type, rawget = type, rawget
local mtype = math.type
local check_headers = require("lode.binding.http_parser").check_headers

local F_END, F_NODATE, F_CLOSE, F_NOCHUNK = 1, 2, 4, 8
local HWM = 16384

local ServerResponse = Writable:extend("ServerResponse")
local SR = ServerResponse

-- No Writable state: lode.stream treats the response as a legacy stream
-- ('finish'/'close' events), as it does Node's OutgoingMessage. Every
-- field is flattened into the class, so a missing one ends here instead
-- of walking up five classes (the response is on the per-request path;
-- the server makes each with all the fields it will have, so nothing is
-- added, or rehashed, later).
getmetatable(SR).__index = nil
SR._streamInit = false
SR._hdr = false
SR._wh = false
SR._sent = false
SR._trl = false
SR._needDrain = false
SR._lost = false
SR.statusCode = 200
SR.sendDate = true
SR.shouldKeepAlive = true
SR.useChunkedEncodingByDefault = true
SR.chunkedEncoding = false
SR.headersSent = false
SR.finished = false
SR.writableEnded = false
SR.writableFinished = false
SR.writableNeedDrain = false
SR.writableCorked = 0
SR.writableLength = 0
SR.writableHighWaterMark = HWM
SR.writableObjectMode = false
SR.writable = true
SR.destroyed = false
SR.closed = false
SR.strictContentLength = false

--[[ Headers ]]

local checkName, checkValue = common.checkName, common.checkValue
local NAMES, VALUES, normalize = common.NAMES, common.VALUES, common.normalize
local setHeader, curRes = common.setHeader, common.curRes

-- On every response: the usual fields were checked before (NAMES and
-- VALUES remember them), so this is two lookups and a short scan.
function SR:setHeader(name, value)
  if self.headersSent then error(common.headersSent("set"), 2) end
  local low = NAMES[name] or checkName(name)
  if type(value) ~= "string" or not VALUES[value] then
    checkValue(name, value)
    value = normalize(value)
  end
  local h = self._hdr
  if not h then
    self._hdr = { low, name, value }
    return self
  end
  for i = 1, #h, 3 do
    if h[i] == low then
      h[i + 1], h[i + 2] = name, value
      return self
    end
  end
  local n = #h
  h[n + 1], h[n + 2], h[n + 3] = low, name, value
  return self
end

for k, f in pairs(common.headerMethods) do SR[k] = f end

function SR:setHeaders(headers)
  if self.headersSent then error(common.headersSent("set"), 2) end
  errors.checkType(headers, "headers", "table")
  for k, v in pairs(headers) do self:setHeader(k, v) end
  return self
end


local function checkStatus(code)
  local c = code
  if mtype(c) == "float" and c % 1 == 0 then c = math.tointeger(c) end
  if mtype(c) ~= "integer" or c < 100 or c > 999 then
    error(common.invalidStatus(code), 3)
  end
  return c
end

-- writeHead(statusCode[, statusMessage][, headers]). The head is only
-- recorded: it goes out with the first write, so finish(body) still
-- sends Content-Length.
function SR:writeHead(status, msg, headers)
  if self.headersSent then error(common.headersSent("write"), 2) end
  if type(msg) == "table" then msg, headers = nil, msg end
  self.statusCode = checkStatus(status)
  if msg ~= nil then
    if type(msg) ~= "string" or not common.is_value(msg) then
      error(common.invalidChar("statusMessage", msg), 2)
    end
    self.statusMessage = msg
  end
  if headers ~= nil then
    errors.checkType(headers, "headers", "table")
    if not self._hdr and headers[1] == nil then
      local kind, name = check_headers(headers)
      if kind ~= nil then common.raiseBadField(kind, name, 3) end
      self._wh = headers
    else
      common.addAll(self, headers)
    end
  end
  self.headersSent = true
  return self
end

--[[ Writing ]]

local function extraFlags(self)
  local f = 0
  if not self.sendDate then f = f | F_NODATE end
  if not self.shouldKeepAlive then f = f | F_CLOSE end
  if not self.useChunkedEncodingByDefault then f = f | F_NOCHUNK end
  return f
end

-- The first write: head (and maybe the body) through the binding.
local function send(self, chunk, fin, notify)
  local status, msg = self.statusCode, self.statusMessage
  if status ~= 200 then status = checkStatus(status) end
  if msg ~= nil and not common.is_value(msg) then
    error(common.invalidChar("statusMessage", msg), 3)
  end
  local f = fin and F_END or 0
  if not (self.sendDate and self.shouldKeepAlive
    and self.useChunkedEncodingByDefault) then
    f = f | extraFlags(self)
  end
  local q, total, name = self._conn:send(status, msg, self._hdr, self._wh,
    chunk, f, notify)
  if q == nil then common.raiseBadField(total, name, 4) end
  self._sent, self.headersSent = true, true
  return q, total
end

local function emitErrorNT(self, err, cb)
  if cb then cb(err) end
  if not self.destroyed then self:emit("error", err) end
end

local function failWrite(self, cb, what)
  if self.writableEnded then
    nextTick(emitErrorNT, self, util.writeAfterEnd(), cb)
  elseif cb then
    nextTick(cb, util.destroyed(what))
  end
  return false
end

-- The connection is gone (the peer closed, or destroy()).
local function lost(self, cb, what)
  self:_connClosed()
  if cb then nextTick(cb, util.destroyed(what)) end
  return false
end

function SR:write(chunk, encoding, cb)
  if type(encoding) == "function" then cb, encoding = encoding, nil end
  if self.writableEnded or self.destroyed then
    return failWrite(self, cb, "write")
  end
  if type(chunk) ~= "string" or encoding ~= nil then
    chunk = toChunk(chunk, encoding)
  end
  local q, total
  if not self._sent then
    q, total = send(self, chunk, false, cb)
  else
    q, total = self._conn:write(chunk, 0, cb)
  end
  if q == false then return lost(self, cb, "write") end
  if cb and q == 0 then nextTick(cb) end
  if total >= HWM then
    self._needDrain, self.writableNeedDrain = true, true
    return false
  end
  return true
end

local function emitClose(self)
  self.closed = true
  self:emit("close")
end

local function announce(self)
  self:emit("finish")
  nextTick(emitClose, self)
end

-- The last bytes are out: 'finish', then 'close' a tick later. Nobody
-- listening (the usual case): the response stays quiet, and a listener
-- added later still hears both, a tick after it is added (see on()).
local function onFlushed(self)
  self.writableFinished = true
  if rawget(self, "_events") == nil then
    self._quiet = true
  else
    nextTick(announce, self)
  end
end
SR._onFlushed = onFlushed
SR._quiet = false

local function wake(self, ev)
  if ev == "finish" or ev == "close" then
    self._quiet = false
    nextTick(announce, self)
  end
end

for _, m in ipairs({ "on", "addListener", "once", "prependListener",
  "prependOnceListener" }) do
  local orig = SR[m]
  SR[m] = function(self, ev, fn)
    local r = orig(self, ev, fn)
    if self._quiet then wake(self, ev) end
    return r
  end
end

local function endAgain(self, cb)
  if cb then
    if self.writableFinished then
      nextTick(cb, util.alreadyFinished("end"))
    else
      self:once("finish", cb)
    end
  end
  return self
end

-- finish() after writes, or with trailers: the last chunk goes apart.
local function finishLater(self, chunk)
  local q, trl = nil, self._trl
  if not self._sent then q = send(self, nil, false, nil) end
  if q ~= false then
    q = self._conn:write(chunk, F_END, self, trl and trl.store,
      trl and trl.map)
  end
  return q
end

function SR:finish(chunk, encoding, cb)
  if type(chunk) == "function" then chunk, encoding, cb = nil, nil, chunk
  elseif type(encoding) == "function" then encoding, cb = nil, encoding end
  if self.writableEnded then return endAgain(self, cb) end
  if chunk ~= nil and (type(chunk) ~= "string" or encoding ~= nil) then
    chunk = toChunk(chunk, encoding)
  end
  if self.destroyed then
    if cb then nextTick(cb, util.destroyed("end")) end
    return self
  end
  if cb then self:once("finish", cb) end
  self.writableEnded, self.finished, self.writable = true, true, false
  local q
  if not self._sent and not self._trl then q = send(self, chunk, true, self)
  else q = finishLater(self, chunk) end
  local conn, req = self._conn, self.req
  if curRes[conn] == self then curRes[conn] = nil end
  if not req._consuming and (not req.complete
    or rawget(req, "_readableState") ~= nil
    or rawget(req, "_events") ~= nil) then
    self:_detach()
  end
  if q == 0 then onFlushed(self)
  elseif q == false then self:_connClosed() end
  return self
end
SR["end"] = SR.finish

function SR:flushHeaders()
  if not self._sent and not self.destroyed then
    if send(self, nil, false, nil) == false then self:_connClosed() end
  end
end

function SR:addTrailers(headers)
  errors.checkType(headers, "headers", "table")
  local trl = self._trl or { store = {} }
  local holder = { _hdr = trl.store }
  for k, v in pairs(headers) do
    if type(k) == "number" then k, v = v[1], v[2] end
    local low = checkName(k, "Trailer name")
    if v == nil or (type(v) == "string" and not common.is_value(v)) then
      error(common.invalidChar("trailer content", k), 2)
    end
    setHeader(holder, low, k, v)
  end
  trl.store = holder._hdr
  self._trl = trl
end

local function info(self, status, text, map, cb)
  if self._sent or self.destroyed then return end
  local q = self._conn:info(status, text, nil, map)
  if q ~= false and cb then nextTick(cb) end
end

function SR:writeContinue(cb)
  info(self, 100, "Continue", nil, cb)
  self._sent100 = true
end

function SR:writeProcessing(cb)
  info(self, 102, "Processing", nil, cb)
end

function SR:writeEarlyHints(hints, cb)
  errors.checkType(hints, "hints", "table")
  local map = {}
  for k, v in pairs(hints) do
    if k == "link" then map.Link = v else map[k] = v end
  end
  info(self, 103, "Early Hints", map, cb)
end

--[[ The rest of Node's OutgoingMessage surface ]]

function SR:destroy(err)
  if self.destroyed then return self end
  self.destroyed = true
  if not self.writableEnded and self._conn ~= nil then
    self._conn:destroy()
  end
  if err ~= nil then nextTick(emitErrorNT, self, err) end
  return self
end

function SR:setTimeout(ms, cb)
  if cb ~= nil then self:on("timeout", cb) end
  local sock = rawget(self, "socket")
  if sock ~= nil then sock:setTimeout(ms) end
  return self
end

function SR:cork() end
function SR:uncork() end
function SR:setDefaultEncoding() return self end
function SR:assignSocket() end
function SR:detachSocket() end
function SR:_detach() end

function SR:pipe()
  error(errors.new(errors.Error, "ERR_STREAM_CANNOT_PIPE",
    "Cannot pipe, not readable"), 2)
end

-- The connection closed before the response was finished.
function SR:_connClosed()
  if self.writableFinished or self._lost then return end
  self._lost, self.destroyed = true, true
  nextTick(emitClose, self)
end

return ServerResponse
