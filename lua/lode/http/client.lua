-- The HTTP client: http.request/get and ClientRequest, as Node 20's
-- lib/_http_client.js, over lode.net sockets handed out by an Agent
-- (lua/lode/http/agent.lua) and the response parser of
-- lode.binding.http_parser (llhttp; the socket side, with its fast path
-- to the socket's handle, is lua/lode/http/client_io.lua).
-- ClientRequest is a Writable the way Node's OutgoingMessage is: its own
-- write/finish, the header store of lode.http.common, the head formatted
-- in C at the first write (Content-Length when finish() brings the whole
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
local cio = require "lode.http.client_io"
local request_head = require("lode.binding.http_server").request_head

local nextTick = loop.nextTick
local toChunk = common.toChunk
local type = type

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
CR._quietClose = false
CR._quietSocket = false
CR._onResponse = false
CR._closed = false
CR._errored = false
CR._queue = false
CR._timeoutMs = false

--[[ Options ]]

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h)
    return string.char(tonumber(h, 16))
  end))
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

-- (url | options[, options][, cb]) -> options, cb. The caller's table
-- is used as it is (only read) when it comes alone.
local function normalize(input, options, cb)
  local opts
  if type(input) == "table" and type(options) ~= "table" then
    if type(options) == "function" then cb = options end
    return input, cb
  end
  if type(input) == "string" then
    opts = parseUrl(input)
  elseif type(input) == "table" then
    opts = {}
    for k, v in pairs(input) do opts[k] = v end
  elseif type(input) == "function" then
    opts, cb = {}, input
  elseif input == nil then
    opts = {}
  else
    error(errors.invalidArgType("options", "string or table", input), 3)
  end
  if type(options) == "function" then
    cb = options
  elseif type(options) == "table" then
    for k, v in pairs(options) do opts[k] = v end
  end
  return opts, cb
end

local checkName, checkValue = common.checkName, common.checkValue

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

-- The agent's view of where to connect, one table per distinct options.
local function connOptions(opts, host, port)
  return { host = host, port = port, localAddress = opts.localAddress,
    family = opts.family, socketPath = opts.socketPath,
    lookup = opts.lookup, createConnection = opts.createConnection }
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
  if type(host) == "string" and host:byte(1) == 91 then   -- "[::1]"
    host = host:gsub("^%[(.*)%]$", "%1")
  end
  self.method, self.path, self.host = method, path, host
  if NO_BODY[method] then self.useChunkedEncodingByDefault = false end
  if agent.keepAlive then self.shouldKeepAlive = true end
  self._maxHeaderSize = opts.maxHeaderSize
  if opts.insecureHTTPParser then self._insecure = true end
  local headers = opts.headers
  if headers ~= nil then
    errors.checkType(headers, "options.headers", "table")
    common.addAll(self, headers)
  end
  if opts.setHost ~= false
    and (headers == nil or not common.getHeader(self, "host")) then
    local hh = hostHeader(host, port, defaultPort)
    if not self._hdr then
      checkValue("Host", hh)
      self._hdr = { "host", "Host", hh }
    else
      self:setHeader("Host", hh)
    end
  end
  if opts.auth and not common.getHeader(self, "authorization") then
    self:setHeader("Authorization", "Basic " .. base64(opts.auth))
  end
  -- The callback is the first 'response' listener, called without the
  -- once() wrapper (client_io's newResponse).
  if cb ~= nil then
    errors.checkFunction(cb, "callback")
    self._onResponse = cb
  end
  if opts.timeout ~= nil then self:setTimeout(opts.timeout) end
  -- With Expect, the head goes out at once (the body waits for
  -- 'continue'), as Node renders it in the constructor.
  if headers ~= nil and common.getHeader(self, "expect") then
    self:flushHeaders()
  end
  agent:addRequest(self, connOptions(opts, host, port))
end

--[[ Headers (the store of lode.http.common) ]]

function CR:setHeader(name, value)
  if self.headersSent then error(common.headersSent("set"), 2) end
  local low = checkName(name)
  checkValue(name, value)
  common.setHeader(self, low, name, value)
  return self
end

for k, f in pairs(common.headerMethods) do CR[k] = f end


--[[ The head and the body ]]

-- The request line, fields and framing (bindings/http_write.c), with
-- the first body bytes: Content-Length when fin brings the whole body,
-- else chunked for methods that carry a body.
local R_KEEPALIVE, R_FIN, R_BODYDEF, R_LAST = 1, 2, 4, 8

local function head(self, chunk, fin, last)
  local f = 0
  if self.shouldKeepAlive then f = R_KEEPALIVE end
  if fin then f = f | R_FIN end
  if self.useChunkedEncodingByDefault then f = f | R_BODYDEF end
  if last then f = f | R_LAST end
  local data, chunked, name = request_head(self.method, self.path,
    self._hdr, f, chunk)
  if data == nil then common.raiseBadField(chunked, name, 4) end
  if chunked then self.chunkedEncoding = true end
  self._sent, self.headersSent = true, true
  return data
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
  return cio.write(s, data, cb)
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
  if not self._sent then data = head(self, chunk, false, false)
  else data = frame(self, chunk) end
  if #data == 0 then
    if cb then nextTick(cb) end
    return true
  end
  return out(self, data, cb)
end

-- 'finish' a tick after finish(); with nobody listening the request
-- stays quiet until somebody does (see on()).
local function announce(self)
  self._quiet = false
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
  if chunk ~= nil and (type(chunk) ~= "string" or encoding ~= nil) then
    chunk = toChunk(chunk, encoding)
  end
  local data
  local trl = self._trl
  if not self._sent then
    data = head(self, chunk, true, not trl)
    if trl and self.chunkedEncoding then
      data = data .. "0\r\n" .. trailers(self) .. "\r\n"
    end
  else
    data = chunk and frame(self, chunk) or ""
    if self.chunkedEncoding then
      data = data .. "0\r\n" .. trailers(self) .. "\r\n"
    end
  end
  self.writableEnded, self.finished, self.writable = true, true, false
  self.writableFinished = true
  if #data > 0 then out(self, data) end
  if self._events.finish ~= nil then nextTick(announce, self)
  else self._quiet = true end
  return self
end
CR["end"] = CR.finish

function CR:flushHeaders()
  if not self._sent then out(self, head(self, nil, false, false)) end
end

-- Listeners for 'finish' or 'close' added after the fact still hear it.
for _, m in ipairs({ "on", "addListener", "once", "prependListener",
  "prependOnceListener" }) do
  local orig = CR[m]
  CR[m] = function(self, ev, fn)
    local r = orig(self, ev, fn)
    if self._quiet and ev == "finish" then nextTick(announce, self) end
    if self._quietSocket and ev == "socket" then
      self._quietSocket = false
      nextTick(cio.emitSocket, self)
    end
    if self._quietClose and ev == "close" then
      nextTick(cio.emitClose, self)
    end
    return r
  end
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

-- Called by the agent: the socket is attached at once (writes go
-- straight to it); 'socket' comes on the next tick (Node's onSocketNT),
-- after the caller could add its listeners.
function CR:onSocket(sock)
  cio.attach(self, sock)
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
  if err ~= nil then nextTick(cio.fail, self, err) end
  nextTick(cio.emitClose, self)
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
