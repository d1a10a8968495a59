-- The client's side of a socket (lode.http.client): a ClientRequest
-- gets its socket from the agent (attach), the socket's 'data' runs the
-- response parser (lode.binding.http_parser: llhttp, one execute per
-- message boundary), the response becomes an IncomingMessage, and once
-- it is complete the socket goes back to the agent. The listeners are
-- installed once per socket and find the request in sock._httpMessage,
-- so a kept-alive socket costs nothing more per request.
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local hp = require "lode.binding.http_parser"
local common = require "lode.http.common"
local IncomingMessage = require "lode.http.incoming"

local nextTick = loop.nextTick
local setmetatable = setmetatable
local HEADERS, COMPLETE = 2, 4
local EV_ERROR, EV_UPGRADE = hp.EV_ERROR, hp.EV_UPGRADE
local KEEPALIVE, UPGRADE = common.KEEPALIVE, common.UPGRADE

local M = {}

--[[ The fast path: the socket's handle, read and written directly ]]

-- Once a socket carries HTTP, its reads go from the libuv handle
-- straight to the parser, and whole requests straight to the handle
-- when nothing waits in the Socket's own write queue: the Readable and
-- Writable machinery of lode.net's Socket would cost more than all of
-- the HTTP work per request. The Socket's bookkeeping is kept (bytesRead,
-- bytesWritten, the idle timer), EOF and read errors go through the
-- Socket's own reader (so 'end', 'error' and 'close' come as usual), and
-- a socket that leaves HTTP ('upgrade') gets its normal reading back.
-- This relies on lode.net's Socket fields _handle, _reading, _onread,
-- _timeoutMs and _active (lua/lode/net/socket.lua, timeout.lua).
local onData

local function fastRead(sock)
  local h = sock._handle
  if h == nil or sock.connecting or sock._httpReader ~= nil
    or sock.destroyed or sock._hp == nil then
    return
  end
  local onread = sock._onread
  local function reader(status, chunk)
    if status == nil then
      sock.bytesRead = sock.bytesRead + #chunk
      if sock._timeoutMs then sock:_active() end
      return onData(sock, chunk)
    end
    return onread(status)              -- EOF or an error: the Socket's
  end
  if h:read_start(reader) then
    sock._reading, sock._httpReader = true, reader
  end
end

-- IncomingMessage's source for backpressure: pauses the handle itself.
local Source = {}
Source.__index = Source

function Source:pause()
  local sock = self.sock
  local h = sock._handle
  if sock._httpReader ~= nil and h ~= nil then h:read_stop()
  else sock:pause() end
end

function Source:resume()
  local sock = self.sock
  local h = sock._handle
  if sock._httpReader ~= nil and h ~= nil then
    h:read_start(sock._httpReader)
  else
    sock:resume()
  end
end

-- Writes data: to the handle when the Socket's queue is empty.
function M.write(sock, data, cb)
  local h = sock._handle
  if cb ~= nil or h == nil or sock.connecting or sock.destroyed
    or sock.writableLength ~= 0 or sock.writableEnded then
    return sock:write(data, cb)
  end
  local n, _, status = h:write(data)
  if n == nil then
    sock:destroy(errors.system(status, "write"))
    return false
  end
  sock.bytesWritten = sock.bytesWritten + #data
  if sock._timeoutMs then sock:_active() end
  return true
end

function M.emitClose(self)
  if self._closed then return end
  self._closed, self._quietClose = true, false
  self:emit("close")
end

-- 'close' a tick later; nobody listening yet, when somebody does.
local function closeSoon(req)
  if req._events.close ~= nil then nextTick(M.emitClose, req)
  else req._quietClose = true end
end

function M.fail(self, err)
  if self._errored then return end
  self._errored = true
  self:emit("error", err)
end

local function hangUp()
  return errors.new(errors.Error, "ECONNRESET", "socket hang up")
end

-- The whole response is in: the socket is free again.
local function complete(req, sock, res, trl)
  sock._httpMessage = nil
  res:_onBody(nil, true, trl)
  if res._keep and req.shouldKeepAlive and not req.destroyed then
    req.agent:_release(sock)
  else
    sock:destroy()
  end
  closeSoon(req)
end

local function information(req, code, text, ver, raw)
  if code == 100 then return req:emit("continue") end
  local hs = hp.headers(raw)
  req:emit("information", { statusCode = code, statusMessage = text,
    httpVersion = common.VERSIONS[ver] or "1.1", httpVersionMajor = ver // 10,
    httpVersionMinor = ver % 10, headers = hs,
    rawHeaders = hp.raw_headers(raw) })
end

local function detach(sock)
  local ls = sock._httpListeners
  for ev, fn in pairs(ls) do sock:removeListener(ev, fn) end
  sock._httpListeners, sock._hp, sock._httpMessage = nil, nil, nil
  if sock._httpReader ~= nil then          -- the Socket reads again
    sock._httpReader = nil
    if sock._handle ~= nil then sock._handle:read_stop() end
    sock._reading = false
    sock:_read()
  end
end

-- 'upgrade' / 'connect': the socket leaves HTTP (and the agent).
local function upgrade(req, sock, res, chunk, pos)
  detach(sock)
  req.agent:removeSocket(sock, {})
  local head = chunk:slice(pos)
  local ev = req.method == "CONNECT" and "connect" or "upgrade"
  req.upgradeOrConnect = true
  if req:listenerCount(ev) > 0 then req:emit(ev, res, sock, head)
  else sock:destroy() end
  nextTick(M.emitClose, req)
end

local function newResponse(req, sock, code, text, ver, raw, flags)
  local res = setmetatable({ statusCode = code, statusMessage = text,
    _ver = ver, _raw = raw, socket = sock, req = req,
    _src = sock._httpSource, complete = false,
    _keep = flags & KEEPALIVE ~= 0 }, IncomingMessage)
  req.res = res
  if flags & UPGRADE == 0 then
    local cb, heard = req._onResponse, false
    if cb then
      req._onResponse, heard = false, true
      cb(res)
    end
    if not req:emit("response", res) and not heard then
      res:_dump()                      -- nobody listens: discard the body
    end
  end
  return res
end

function onData(sock, chunk)
  local req, p = sock._httpMessage, sock._hp
  local pos, len = 0, #chunk
  if req == nil then return sock:destroy() end   -- a free socket talks
  while pos < len do
    local ev, npos, text, code, ver, flags, raw, body, trl =
      p:execute(chunk, pos)
    pos = npos
    if ev == EV_ERROR then
      local err = errors.new(errors.Error, text, "Parse Error: " .. code)
      err.reason, err.bytesParsed = code, pos
      M.fail(req, err)
      return sock:destroy()
    end
    local res = req.res
    if ev & HEADERS ~= 0 then
      if code < 200 and code ~= 101 then
        information(req, code, text, ver, raw)
      else
        res = newResponse(req, sock, code, text, ver, raw, flags)
        if flags & UPGRADE ~= 0 then
          return upgrade(req, sock, res, chunk, pos)
        end
      end
    end
    if res ~= nil then
      if body ~= nil then res:_onBody(body, false) end
      if ev & COMPLETE ~= 0 then return complete(req, sock, res, trl) end
    elseif ev & EV_UPGRADE ~= 0 then
      return sock:destroy()
    end
  end
end

-- The peer closed: a body that runs to EOF ends here; anything else
-- in progress is cut short.
local function onEnd(sock)
  local req = sock._httpMessage
  if req ~= nil then
    local res = req.res
    if res ~= nil and not res.complete then
      local ev, _, _, _, _, _, _, body, trl = sock._hp:finish()
      if ev ~= EV_ERROR and ev & COMPLETE ~= 0 then
        if body ~= nil then res:_onBody(body, false) end
        res._keep = false
        return complete(req, sock, res, trl)
      end
      sock._httpMessage = nil
      res:_abort()
    elseif res == nil then
      sock._httpMessage = nil
      M.fail(req, hangUp())
    end
    nextTick(M.emitClose, req)
  end
  sock:destroy()
end

local function onClose(sock)
  local req = sock._httpMessage
  if req == nil then return end
  sock._httpMessage = nil
  local res = req.res
  if res == nil then
    if not req.destroyed then M.fail(req, hangUp()) end
  elseif not res.complete then
    res:_abort()
  end
  nextTick(M.emitClose, req)
end

local function onError(sock, err)
  local req = sock._httpMessage
  if req ~= nil then
    if req.res == nil or not req.res.complete then M.fail(req, err) end
  end
end

local function onTimeout(sock)
  local req = sock._httpMessage
  if req ~= nil then req:emit("timeout")
  else sock:destroy() end              -- an idle pooled socket
end

local function install(sock)
  local ls = {
    data = function(chunk) onData(sock, chunk) end,
    ["end"] = function() onEnd(sock) end,
    close = function() onClose(sock) end,
    error = function(err) onError(sock, err) end,
    timeout = function() onTimeout(sock) end,
    connect = function() fastRead(sock) end,
  }
  for ev, fn in pairs(ls) do sock:on(ev, fn) end
  sock._httpListeners = ls
  sock._httpSource = setmetatable({ sock = sock }, Source)
  fastRead(sock)
end

function M.emitSocket(self)
  local sock = self.socket
  if sock then self:emit("socket", sock) end
end

function M.attach(self, sock)
  if self.destroyed then
    if sock.connecting then sock:destroy() else self.agent:_release(sock) end
    return
  end
  self.socket, self.connection = sock, sock
  sock._httpMessage = self
  local p = sock._hp
  if p == nil then
    p = hp.new("response", self._maxHeaderSize, self._insecure)
    sock._hp = p
    install(sock)
  end
  local m = self.method
  p:skip_body(m == "HEAD" or (m == "CONNECT" and "connect"))
  if self._timeoutMs then sock:setTimeout(self._timeoutMs) end
  if self._noDelay ~= nil then sock:setNoDelay(self._noDelay) end
  local q = self._queue
  if q then
    self._queue = false
    for i = 1, #q do M.write(sock, q[i][1], q[i][2]) end
  end
  if self._events.socket ~= nil then nextTick(M.emitSocket, self)
  else self._quietSocket = true end
end

return M
