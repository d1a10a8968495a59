-- http.Server: a net.Server whose connections live in C
-- (bindings/http_server.c). Listening goes through net.Server:listen's
-- argument forms; the listening handle, every connection, its parser,
-- keep-alive, pipelining and timeouts are the binding's. Lua hears once
-- per request (onRequest below makes req and res and emits 'request'),
-- once per later body chunk, and only for the other events somebody
-- listens to: the binding is told which (set_want) whenever a listener
-- for 'connection', 'clientError', 'upgrade', 'connect' or 'timeout'
-- comes or goes.
local net = require "lode.net"
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local hs = require "lode.binding.http_server"
local common = require "lode.http.common"
local IncomingMessage = require "lode.http.incoming"
local ServerResponse = require "lode.http.response"
local ConnSocket = require "lode.http.socket"

local nextTick = loop.nextTick
local setmetatable, rawget, rawset = setmetatable, rawget, rawset
local COMPLETE, EXPECT_CONTINUE = common.COMPLETE, common.EXPECT_CONTINUE
local EXPECT_OTHER, HAS_HOST = common.EXPECT_OTHER, 128
local EXPECTS = EXPECT_CONTINUE | EXPECT_OTHER

-- Per connection box: its socket object (weak: gone with the box), the
-- request whose body is still coming, the response not yet finished.
local sockOf = setmetatable({}, { __mode = "k" })
local curReq, curRes = common.curReq, common.curRes

local Server = net.Server:extend("Server")
local emit = net.Server.emit

local function socketOf(conn, srv)
  local s = sockOf[conn]
  if s == nil then
    s = ConnSocket.new(conn, srv)
    sockOf[conn] = s
  end
  return s
end

--[[ What a finished response does to its request (Node's resOnFinish) ]]

-- Nobody reads the rest of the body: the binding drops it (and tells
-- its end only when the request has listeners that would hear it).
function ServerResponse:_detach()
  local conn, req = self._conn, self.req
  if curRes[conn] == self then curRes[conn] = nil end
  if req._consuming then return end
  local rs = rawget(req, "_readableState")
  if rs ~= nil and rs.resumeScheduled then return end
  local listened = rs ~= nil or rawget(req, "_events") ~= nil
  if not req.complete then
    conn:dump(listened)
    if not listened and curReq[conn] == req then curReq[conn] = nil end
  end
  if listened then req:_dump() end
end

local function badRequest(res)
  res.statusCode = 400
  res.shouldKeepAlive = false
  res:finish()
end

-- Expect: 100-continue ('checkContinue', else the 100 goes out at once)
-- and other expectations ('checkExpectation', else 417). True when the
-- request was taken care of.
local function expect(srv, req, res, flags)
  if flags & EXPECT_CONTINUE ~= 0 then
    if srv:listenerCount("checkContinue") > 0 then
      srv:emit("checkContinue", req, res)
      return true
    end
    res:writeContinue()
    return false
  end
  if srv:listenerCount("checkExpectation") > 0 then
    srv:emit("checkExpectation", req, res)
  else
    res.statusCode = 417
    res:finish()
  end
  return true
end

--[[ The binding's callbacks (indices as bindings/http_server.h) ]]

-- Longer than 60 lines: the callbacks share the server and its classes
-- as upvalues; each is short.
local function callbacks(srv, Req, Res)
  local cb = {}

  -- req and res come from the binding as empty tables sized for the
  -- fields they will get; only what differs from the classes' defaults
  -- is set.
  cb[1] = function(conn, method, url, ver, flags, raw, body, trailers,
    req, res)
    local sock = sockOf[conn] or socketOf(conn, srv)
    local complete = flags & COMPLETE ~= 0
    req.method, req.url, req._ver, req._raw = method, url, ver, raw
    req.socket, req.complete = sock, complete
    if body ~= nil then req._pend = body end
    if trailers ~= nil then req._rawt = trailers end
    setmetatable(req, Req)
    if not complete then curReq[conn] = req end
    res.req, res._conn, res.socket = req, conn, sock
    setmetatable(res, Res)
    curRes[conn] = res
    if flags & HAS_HOST == 0 and ver >= 11 and srv.requireHostHeader then
      return badRequest(res)
    end
    if flags & EXPECTS ~= 0 and expect(srv, req, res, flags) then return end
    emit(srv, "request", req, res)
  end

  cb[2] = function(conn, chunk, complete, trailers)
    local req = curReq[conn]
    if complete then curReq[conn] = nil end
    if req ~= nil then req:_onBody(chunk, complete, trailers) end
  end

  cb[3] = function(conn, status)
    local req, res = curReq[conn], curRes[conn]
    curReq[conn], curRes[conn] = nil, nil
    if req ~= nil then req:_abort() end
    if res ~= nil then res:_connClosed() end
    local s = sockOf[conn]
    if s ~= nil then s:_onClose(status) end
  end

  cb[4] = function(conn)
    local res = curRes[conn]
    if res ~= nil and res._needDrain then
      res._needDrain, res.writableNeedDrain = false, false
      res:emit("drain")
    end
  end

  cb[5] = function(notify, status)
    local err = status ~= nil and errors.system(status, "write") or nil
    if type(notify) == "function" then return notify(err) end
    if err == nil then notify:_onFlushed()
    else notify:_connClosed() end
  end

  cb[6] = function(conn, code, reason, status)
    local err
    if code == "ERR_HTTP_REQUEST_TIMEOUT" then
      err = errors.new(errors.Error, code, "Request timeout")
    else
      err = errors.new(errors.Error, code, "Parse Error: " .. reason)
      err.reason = reason
    end
    err.status = status
    srv:emit("clientError", err, socketOf(conn, srv))
  end

  -- Node's socketOnTimeout: the socket's own listeners, then request,
  -- response and server; nobody listening destroys the socket.
  cb[7] = function(conn)
    local sock = socketOf(conn, srv)
    sock:emit("timeout")
    local req, res = curReq[conn], curRes[conn]
    local handled = req ~= nil and req:emit("timeout", sock)
    handled = (res ~= nil and res:emit("timeout", sock)) or handled
    handled = srv:emit("timeout", sock) or handled
    if not handled and sock:listenerCount("timeout") == 0 then
      conn:destroy()
    end
  end

  cb[8] = function(method, url, ver, flags, raw, stream, head)
    local sock = require("lode.net.socket").new({ handle = stream })
    sock.server = srv
    local req = setmetatable({ method = method, url = url, _ver = ver,
      _raw = raw, socket = sock, complete = true, upgrade = true,
      _flags = flags }, Req)
    srv:emit(method == "CONNECT" and "connect" or "upgrade", req, sock, head)
  end

  cb[9] = function(conn)
    srv:emit("connection", socketOf(conn, srv))
  end

  cb[10] = function()
    srv._active = false
    srv:emit("close")
  end

  return cb
end

--[[ Options and the fields that reach the binding ]]

-- server.x = v for these updates the binding.
local CFG = {
  headersTimeout = true, requestTimeout = true, keepAliveTimeout = true,
  timeout = true, maxRequestsPerSocket = true, maxHeadersCount = true,
}

local function checkMs(v, name)
  return errors.checkInteger(v, name, 0)
end

function Server:_configure()
  local cfg = rawget(self, "_cfg")
  local every = cfg.connectionsCheckingInterval
  if every == nil then
    every = 1000
    for _, k in ipairs({ "headersTimeout", "requestTimeout",
      "keepAliveTimeout", "timeout" }) do
      local v = cfg[k]
      if v and v > 0 and v // 2 < every then every = v // 2 end
    end
    if every < 10 then every = 10 end
  end
  cfg.checkInterval = every
  rawget(self, "_h"):configure(cfg)
end

function Server.__index(self, k)
  if CFG[k] then return rawget(self, "_cfg")[k] end
  return Server[k]
end

function Server.__newindex(self, k, v)
  if CFG[k] and rawget(self, "_cfg") ~= nil then
    if k ~= "maxHeadersCount" then v = checkMs(v, k) end
    self._cfg[k] = v
    self:_configure()
  else
    rawset(self, k, v)
  end
end

local function readOptions(opts)
  local cfg = {
    maxHeaderSize = 16384, headersTimeout = 60000,
    requestTimeout = 300000, keepAliveTimeout = 5000, timeout = 0,
    maxRequestsPerSocket = 0, insecureHTTPParser = false, noDelay = true,
  }
  for _, k in ipairs({ "maxHeaderSize", "headersTimeout", "requestTimeout",
    "keepAliveTimeout", "connectionsCheckingInterval",
    "maxRequestsPerSocket" }) do
    if opts[k] ~= nil then cfg[k] = checkMs(opts[k], "options." .. k) end
  end
  if opts.maxHeaderSize ~= nil and opts.maxHeaderSize < 1 then
    error(errors.outOfRange("options.maxHeaderSize", ">= 1",
      opts.maxHeaderSize), 0)
  end
  if opts.insecureHTTPParser ~= nil then
    errors.checkType(opts.insecureHTTPParser, "options.insecureHTTPParser",
      "boolean")
    cfg.insecureHTTPParser = opts.insecureHTTPParser
  end
  if opts.noDelay == false then cfg.noDelay = false end
  if cfg.requestTimeout > 0 and cfg.headersTimeout > cfg.requestTimeout then
    error(errors.outOfRange("headersTimeout", "<= " .. cfg.requestTimeout,
      cfg.headersTimeout), 0)
  end
  return cfg
end

-- http.createServer([options][, requestListener])
function Server:init(opts, onRequest)
  if type(opts) == "function" then opts, onRequest = nil, opts end
  opts = opts or {}
  errors.checkType(opts, "options", "table")
  net.Server.init(self, { allowHalfOpen = true })
  local Req = opts.IncomingMessage or IncomingMessage
  local Res = opts.ServerResponse or ServerResponse
  rawset(self, "_cfg", readOptions(opts))
  rawset(self, "_h", hs.new(callbacks(self, Req, Res)))
  rawset(self, "requireHostHeader", opts.requireHostHeader ~= false)
  self:_configure()
  if onRequest ~= nil then
    errors.checkFunction(onRequest, "requestListener")
    self:on("request", onRequest)
  end
end

--[[ Which events the binding must report ]]

local WATCH = { connection = 1, clientError = 2, upgrade = 4, connect = 8,
  timeout = 16 }

function Server:_sync()
  local bits = 0
  for ev, bit in pairs(WATCH) do
    if self:listenerCount(ev) > 0 then bits = bits | bit end
  end
  if bits & 12 ~= 0 then
    require "lode.binding.tcp"           -- the handover needs their
    require "lode.binding.pipe"          -- metatables registered
  end
  rawget(self, "_h"):set_want(bits)
end

local EE = net.Server
for _, m in ipairs({ "on", "addListener", "once", "prependListener",
  "prependOnceListener", "removeListener", "off" }) do
  local orig = EE[m]
  Server[m] = function(self, ev, fn)
    local r = orig(self, ev, fn)
    if WATCH[ev] then self:_sync() end
    return r
  end
end

function Server:removeAllListeners(ev)
  local r = EE.removeAllListeners(self, ev)
  self:_sync()
  return r
end

--[[ Listening and closing (net.Server:listen parses the arguments) ]]

local function emitListening(self)
  if self.listening then self:emit("listening") end
end

function Server:_listenOn(kind, addr, port, o)
  local h = rawget(self, "_h")
  local ok, _, st, step = h:listen(kind, addr, port, o.backlog,
    o.ipv6Only == true)
  if not ok and step == "bind" and addr == "::" and o.anyHost then
    addr = "0.0.0.0"                     -- no IPv6 here
    ok, _, st = h:listen(kind, addr, port, o.backlog, false)
  end
  if not ok then
    local err = errors.system(st, "listen",
      { address = addr, port = kind == "tcp" and port or nil })
    return nextTick(function() self:emit("error", err) end)
  end
  self._handle, self._pipeName = h, kind == "pipe" and addr or nil
  self.listening, self._active = true, true
  nextTick(emitListening, self)
end

function Server:close(cb)
  if cb ~= nil then
    errors.checkFunction(cb, "callback")
    if not self._active then
      self:once("close", function()
        cb(errors.new(errors.Error, "ERR_SERVER_NOT_RUNNING",
          "Server is not running."))
      end)
    else
      self:once("close", cb)
    end
  end
  local h = rawget(self, "_h")
  if self.listening then
    self._handle, self.listening = nil, false
    h:close()
    h:close_idle()
  elseif not self._active then
    nextTick(function() self:emit("close") end)
  end
  return self
end

function Server:address()
  if not self.listening then return nil end
  if self._pipeName then return self._pipeName end
  return rawget(self, "_h"):address()
end

function Server:getConnections(cb)
  errors.checkFunction(cb, "callback")
  nextTick(cb, nil, rawget(self, "_h"):connections())
  return self
end

function Server:ref()
  rawget(self, "_h"):ref()
  return self
end

function Server:unref()
  rawget(self, "_h"):unref()
  return self
end

function Server:closeAllConnections()
  rawget(self, "_h"):close_all()
end

function Server:closeIdleConnections()
  rawget(self, "_h"):close_idle()
end

function Server:setTimeout(ms, cb)
  self.timeout = ms or 0
  if cb ~= nil then self:on("timeout", cb) end
  return self
end

return Server
