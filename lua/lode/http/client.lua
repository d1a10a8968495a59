-- The HTTP client: http.request/get and ClientRequest, as Node 20's
-- lib/_http_client.js, over lode.net sockets handed out by an Agent
-- (lua/lode/http/agent.lua) and the response parser of
-- lode.binding.http_parser (llhttp, run from the socket's 'data').
-- ClientRequest is a Writable the way Node's OutgoingMessage is: its own
-- write/finish, the header store of lode.http.common, the head formatted
-- at the first write (Content-Length when finish() brings the whole
-- body, chunked when it comes in pieces). The response is an
-- IncomingMessage; once it is complete the socket goes back to the
-- agent (even if nobody has read the body yet: it is buffered), so a
-- keep-alive socket serves the next request at once.
local Writable = require "lode.stream.writable"
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local util = require "lode.stream.util"
local hp = require "lode.binding.http_parser"
local common = require "lode.http.common"
local IncomingMessage = require "lode.http.incoming"
local Agent = require "lode.http.agent"

local nextTick = loop.nextTick
local toChunk = common.toChunk
local setmetatable, rawget, type = setmetatable, rawget, type
local HEADERS, COMPLETE = 2, 4
local EV_ERROR, EV_UPGRADE = hp.EV_ERROR, hp.EV_UPGRADE
local KEEPALIVE, UPGRADE = common.KEEPALIVE, common.UPGRADE

local M = {}

M.Agent = Agent
M.globalAgent = Agent.new({ keepAlive = true, scheduling = "lifo",
  timeout = 5000 })

local ClientRequest = Writable:extend("ClientRequest")
local CR = ClientRequest
getmetatable(CR).__index = nil        -- see ServerResponse
CR._streamInit = false
CR._hdr = false
CR._sent = false
CR._trl = false
CR._quiet = false
CR.headersSent = false
CR.finished = false
CR.writableEnded = false
CR.writableFinished = false
CR.writable = true
CR.destroyed = false
CR.aborted = false
CR.reusedSocket = false
CR.chunkedEncoding = false
CR.useChunkedEncodingByDefault = true
CR.shouldKeepAlive = false
CR.protocol = "http:"

--[[ Options ]]

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- A URL string into request options (protocol, hostname, port, path,
-- auth), as Node's urlToHttpOptions.
local function parseUrl(s)
  local proto, rest = s:match("^(%a[%w+.-]*:)//(.*)$")
  if proto == nil then
    local err = errors.new(errors.TypeError, "ERR_INVALID_URL", "Invalid URL")
    err.input = s
    error(err, 3)
  end
  local authority, path = rest:match("^([^/?#]*)(.*)$")
  path = path:gsub("#.*$", "")
  if path:sub(1, 1) ~= "/" then path = "/" .. path end
  local auth, hostport = authority:match("^(.*)@(.*)$")
  hostport = hostport or authority
  local host, port
  if hostport:sub(1, 1) == "[" then
    host, port = hostport:match("^%[(.-)%]:?(%d*)$")
  else
    host, port = hostport:match("^([^:]*):?(%d*)$")
  end
  return { protocol = proto:lower(), hostname = host,
    port = (port ~= nil and port ~= "") and tonumber(port) or nil,
    path = path, auth = auth and unescape(auth) or nil }
end
M.parseUrl = parseUrl

-- (url | options[, options][, cb]) -> a fresh options table, cb.
local function normalize(input, options, cb)
  local opts = {}
  if type(input) == "string" then
    opts = parseUrl(input)
  elseif type(input) == "table" then
    for k, v in pairs(input) do opts[k] = v end
  elseif type(input) == "function" then
    cb, input = input, nil
  elseif input ~= nil then
    error(errors.invalidArgType("options", "string or table", input), 3)
  end
  if type(options) == "function" then
    cb = options
  elseif type(options) == "table" then
    for k, v in pairs(options) do opts[k] = v end
  end
  return opts, cb
end

local NO_BODY = { GET = true, HEAD = true, DELETE = true, OPTIONS = true,
  TRACE = true, CONNECT = true }

local function base64(s)
  return require("lode.buffer").Buffer.from(s):toString("base64")
end

-- The Host field: host[:port], IPv6 literals in brackets.
local function hostHeader(host, port, defaultPort)
  if host:find(":", 1, true) then host = "[" .. host .. "]" end
  if port ~= defaultPort then host = host .. ":" .. port end
  return host
end

local function checkOptions(self, opts)
  local agent = opts.agent
  if agent == nil and opts.createConnection == nil then
    agent = opts._defaultAgent or M.globalAgent
  elseif agent == false then
    agent = Agent.new()
  end
  self.agent = agent or Agent.new()
  local protocol = opts.protocol or self.agent.protocol or "http:"
  if protocol ~= "http:" then
    error(errors.new(errors.TypeError, "ERR_INVALID_PROTOCOL",
      ('Protocol "%s" not supported. Expected "http:"'):format(protocol)), 3)
  end
  local method = opts.method or "GET"
  if type(method) ~= "string" or not common.is_token(method) then
    error(common.invalidToken("Method", method), 3)
  end
  local path = opts.path or "/"
  if type(path) ~= "string" or path:find("[%z\1-\32]") then
    error(errors.new(errors.TypeError, "ERR_UNESCAPED_CHARACTERS",
      "Request path contains unescaped characters"), 3)
  end
  return method:upper(), path
end

-- ClientRequest.new(url | options[, options][, cb])
function CR:init(input, options, cb)
  local opts
  opts, cb = normalize(input, options, cb)
  local method, path = checkOptions(self, opts)
  local agent = self.agent
  local defaultPort = opts.defaultPort or agent.defaultPort or 80
  local port = tonumber(opts.port) or defaultPort
  local host = opts.hostname or opts.host or "localhost"
  if type(host) == "string" then host = host:gsub("^%[(.*)%]$", "%1") end
  self.method, self.path, self.host = method, path, host
  self.useChunkedEncodingByDefault = not NO_BODY[method]
  self.shouldKeepAlive = agent.keepAlive == true
  self._maxHeaderSize = opts.maxHeaderSize
  self._insecure = opts.insecureHTTPParser == true
  if opts.headers ~= nil then
    errors.checkType(opts.headers, "options.headers", "table")
    common.addAll(self, opts.headers)
  end
  if opts.setHost ~= false and opts.socketPath == nil
    and not common.getHeader(self, "host") then
    self:setHeader("Host", hostHeader(host, port, defaultPort))
  end
  if opts.auth and not common.getHeader(self, "authorization") then
    self:setHeader("Authorization", "Basic " .. base64(opts.auth))
  end
  if cb ~= nil then self:once("response", cb) end
  if opts.timeout ~= nil then self:setTimeout(opts.timeout) end
  -- With Expect, the head goes out at once (the body waits for
  -- 'continue'), as Node renders it in the constructor.
  if common.getHeader(self, "expect") then self:flushHeaders() end
  local conn = { host = host, port = port, localAddress = opts.localAddress,
    family = opts.family, socketPath = opts.socketPath,
    lookup = opts.lookup, createConnection = opts.createConnection }
  agent:addRequest(self, conn)
end

--[[ Headers (the store of lode.http.common) ]]

local checkName, checkValue = common.checkName, common.checkValue

function CR:setHeader(name, value)
  if self.headersSent then error(common.headersSent("set"), 2) end
  local low = checkName(name)
  checkValue(name, value)
  common.setHeader(self, low, name, value)
  return self
end

function CR:appendHeader(name, value)
  if self.headersSent then error(common.headersSent("append"), 2) end
  local low = checkName(name)
  checkValue(name, value)
  common.appendHeader(self, low, name, value)
  return self
end

function CR:getHeader(name)
  errors.checkType(name, "name", "string")
  return common.getHeader(self, name)
end

function CR:hasHeader(name)
  return common.getHeader(self, name) ~= nil
end

function CR:removeHeader(name)
  if self.headersSent then error(common.headersSent("remove"), 2) end
  common.removeHeader(self, name)
end

function CR:getHeaders() return common.getHeaders(self) end
function CR:getHeaderNames() return common.getHeaderNames(self) end
function CR:getRawHeaderNames() return common.getHeaderNames(self, true) end

--[[ The head and the body ]]

-- The request line and fields; Content-Length when the whole body is
-- known (fin), else chunked for methods that carry a body.
local function head(self, len, fin)
  local t, n = { self.method, " ", self.path, " HTTP/1.1\r\n" }, 4
  local h, cl, te, conn = self._hdr, false, nil, false
  if h then
    for i = 1, #h, 3 do
      local low, name, v = h[i], h[i + 1], h[i + 2]
      if low == "content-length" then cl = true
      elseif low == "transfer-encoding" then te = tostring(v)
      elseif low == "connection" then conn = true end
      if type(v) == "table" then
        for j = 1, #v do
          t[n + 1], t[n + 2], t[n + 3], t[n + 4] = name, ": ", v[j], "\r\n"
          n = n + 4
        end
      else
        t[n + 1], t[n + 2], t[n + 3], t[n + 4] = name, ": ", v, "\r\n"
        n = n + 4
      end
    end
  end
  if not conn then
    n = n + 1
    t[n] = self.shouldKeepAlive and "Connection: keep-alive\r\n"
      or "Connection: close\r\n"
  end
  local chunked = false
  if cl then
    chunked = false
  elseif te ~= nil then
    chunked = te:lower():find("chunked", 1, true) ~= nil
  elseif fin then
    if len > 0 or self.useChunkedEncodingByDefault then
      t[n + 1], t[n + 2], n = "Content-Length: ", len .. "\r\n", n + 2
    end
  elseif self.useChunkedEncodingByDefault then
    n = n + 1
    t[n] = "Transfer-Encoding: chunked\r\n"
    chunked = true
  end
  t[n + 1] = "\r\n"
  self.chunkedEncoding = chunked
  self._sent, self.headersSent = true, true
  return table.concat(t)
end

local function frame(self, chunk)
  if not self.chunkedEncoding or #chunk == 0 then return chunk end
  return ("%x\r\n"):format(#chunk) .. chunk .. "\r\n"
end

-- To the socket, or queued until the agent hands one over.
local function out(self, data, cb)
  local s = self.socket
  if s == nil then
    local q = self._queue or {}
    q[#q + 1] = { data, cb }
    self._queue = q
    return true
  end
  return s:write(data, cb)
end

local function emitErrorNT(self, err, cb)
  if cb then cb(err) end
  self:emit("error", err)
end

function CR:write(chunk, encoding, cb)
  if type(encoding) == "function" then cb, encoding = encoding, nil end
  if self.writableEnded then
    nextTick(emitErrorNT, self, util.writeAfterEnd(), cb)
    return false
  end
  if self.destroyed then
    if cb then nextTick(cb, util.destroyed("write")) end
    return false
  end
  chunk = toChunk(chunk, encoding)
  local data
  if not self._sent then data = head(self, 0, false) .. frame(self, chunk)
  else data = frame(self, chunk) end
  if #data == 0 then
    if cb then nextTick(cb) end
    return true
  end
  return out(self, data, cb)
end

local function announce(self)
  self.writableFinished = true
  self:emit("finish")
end

local function trailers(self)
  local t, h = {}, self._trl
  if h then
    for i = 1, #h, 3 do t[#t + 1] = h[i + 1] .. ": " .. tostring(h[i + 2])
      .. "\r\n" end
  end
  return table.concat(t)
end

function CR:finish(chunk, encoding, cb)
  if type(chunk) == "function" then chunk, encoding, cb = nil, nil, chunk
  elseif type(encoding) == "function" then encoding, cb = nil, encoding end
  if self.writableEnded then
    if cb then nextTick(cb, util.alreadyFinished("end")) end
    return self
  end
  if cb then self:once("finish", cb) end
  if chunk ~= nil then chunk = toChunk(chunk, encoding) end
  local data
  if not self._sent then
    data = head(self, chunk and #chunk or 0, true)
    if chunk then data = data .. frame(self, chunk) end
  else
    data = chunk and frame(self, chunk) or ""
  end
  if self.chunkedEncoding then
    data = data .. "0\r\n" .. trailers(self) .. "\r\n"
  end
  self.writableEnded, self.finished, self.writable = true, true, false
  if #data > 0 then out(self, data) end
  nextTick(announce, self)
  return self
end
CR["end"] = CR.finish

function CR:flushHeaders()
  if not self._sent then out(self, head(self, 0, false)) end
end

function CR:addTrailers(headers)
  errors.checkType(headers, "headers", "table")
  local holder = { _hdr = self._trl }
  for k, v in pairs(headers) do
    if type(k) == "number" then k, v = v[1], v[2] end
    common.setHeader(holder, checkName(k, "Trailer name"), k, v)
  end
  self._trl = holder._hdr
end

--[[ The socket: handed over by the agent, parsed on 'data' ]]

local function emitClose(self)
  if self._closed then return end
  self._closed = true
  self:emit("close")
end

local function fail(self, err)
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
  nextTick(emitClose, req)
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
  nextTick(emitClose, req)
end

local function newResponse(req, sock, code, text, ver, raw, flags)
  local res = setmetatable({ statusCode = code, statusMessage = text,
    _ver = ver, _raw = raw, socket = sock, _src = sock, req = req,
    complete = false, _keep = flags & KEEPALIVE ~= 0 }, IncomingMessage)
  req.res = res
  if flags & UPGRADE == 0 and not req:emit("response", res) then
    res:_dump()                        -- nobody listens: discard the body
  end
  return res
end

local function onData(sock, chunk)
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
      fail(req, err)
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
      fail(req, hangUp())
    end
    nextTick(emitClose, req)
  end
  sock:destroy()
end

local function onClose(sock)
  local req = sock._httpMessage
  if req == nil then return end
  sock._httpMessage = nil
  local res = req.res
  if res == nil then
    if not req.destroyed then fail(req, hangUp()) end
  elseif not res.complete then
    res:_abort()
  end
  nextTick(emitClose, req)
end

local function onError(sock, err)
  local req = sock._httpMessage
  if req ~= nil then
    if req.res == nil or not req.res.complete then fail(req, err) end
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
  }
  for ev, fn in pairs(ls) do sock:on(ev, fn) end
  sock._httpListeners = ls
end

local function attach(self, sock)
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
  self:emit("socket", sock)
  local q = self._queue
  if q ~= nil then
    self._queue = nil
    for i = 1, #q do sock:write(q[i][1], q[i][2]) end
  end
end

-- Called by the agent; the socket is attached on the next tick (Node's
-- onSocketNT), after the caller could add its listeners.
function CR:onSocket(sock)
  nextTick(attach, self, sock)
end

--[[ The rest of the surface ]]

function CR:destroy(err)
  if self.destroyed then return self end
  self.destroyed = true
  local res, sock = self.res, self.socket
  if res ~= nil and not res.complete then res:_abort() end
  if sock ~= nil and sock._httpMessage == self then
    sock._httpMessage = nil
    sock:destroy()
  end
  if err ~= nil then nextTick(fail, self, err) end
  nextTick(emitClose, self)
  return self
end

function CR:abort()
  if self.aborted then return end
  self.aborted = true
  nextTick(function() self:emit("abort") end)
  self:destroy()
end

function CR:setTimeout(ms, cb)
  if cb ~= nil then self:once("timeout", cb) end
  ms = tonumber(ms) or 0
  self._timeoutMs = ms
  if self.socket ~= nil then self.socket:setTimeout(ms) end
  return self
end

function CR:setNoDelay(on)
  self._noDelay = on ~= false
  if self.socket ~= nil then self.socket:setNoDelay(self._noDelay) end
end

function CR:setSocketKeepAlive(on, delay)
  local function set(s) s:setKeepAlive(on, delay) end
  if self.socket ~= nil then set(self.socket) else self:once("socket", set) end
end

function CR:cork() end
function CR:uncork() end
function CR:setDefaultEncoding() return self end

M.ClientRequest = ClientRequest
M.OutgoingMessage = ClientRequest

function M.request(input, options, cb)
  return ClientRequest.new(input, options, cb)
end

function M.get(input, options, cb)
  local req = ClientRequest.new(input, options, cb)
  req:finish()
  return req
end

return M
