-- The socket of a server connection as lode.http hands it out
-- (req.socket, res.socket, 'connection', 'clientError', 'timeout'). The
-- connection itself is a C object (bindings/http_conn.c) that owns its
-- handle, so this is a small EventEmitter over the connection box with
-- the net.Socket members request handlers use: addresses, setTimeout,
-- setNoDelay, setKeepAlive, write/finish (raw bytes, e.g. an answer from
-- a 'clientError' listener), destroy, 'close' and 'timeout'. One per
-- connection, made at its first request; the connection only reports
-- its close and timeouts to Lua once a listener asks (set_notify).
-- 'upgrade' and 'connect' get a real lode.net Socket instead.
local EventEmitter = require("lode.events").EventEmitter
local loop = require "lode.internal.loop"
local common = require "lode.http.common"

local nextTick = loop.nextTick
local rawget, rawset = rawget, rawset

local ConnSocket = EventEmitter:extend("Socket")

ConnSocket.bytesRead = 0
ConnSocket.bytesWritten = 0
ConnSocket.connecting = false
ConnSocket.pending = false
ConnSocket.encrypted = nil
ConnSocket.timeout = 0
ConnSocket._notify = 0

local LAZY = {}

local function fillAddresses(self)
  local c = rawget(self, "_conn")
  local peer, sock = c:peer(), c:sockname()
  rawset(self, "_filled", true)
  if peer then
    rawset(self, "remoteAddress", peer.address)
    rawset(self, "remotePort", peer.port)
    rawset(self, "remoteFamily", peer.family)
  end
  if sock then
    rawset(self, "localAddress", sock.address)
    rawset(self, "localPort", sock.port)
    rawset(self, "localFamily", sock.family)
  end
end

for _, k in ipairs({ "remoteAddress", "remotePort", "remoteFamily",
  "localAddress", "localPort", "localFamily" }) do
  LAZY[k] = function(self)
    if not rawget(self, "_filled") then fillAddresses(self) end
    return rawget(self, k)
  end
end

function LAZY.destroyed(self) return not rawget(self, "_conn"):alive() end
function LAZY.writable(self) return rawget(self, "_conn"):alive() end
LAZY.readable = LAZY.writable
function LAZY.writableLength(self) return rawget(self, "_conn"):queued() end

function ConnSocket.__index(self, k)
  local f = LAZY[k]
  if f ~= nil then return f(self) end
  return ConnSocket[k]
end

function ConnSocket.new(conn, server)
  return setmetatable({ _conn = conn, server = server }, ConnSocket)
end

-- The connection tells us about close (1) and timeouts (2) once asked.
local function want(self, bit)
  local n = self._notify | bit
  if n ~= self._notify then
    self._notify = n
    rawget(self, "_conn"):set_notify(n)
  end
end

local ee = EventEmitter
local WANT = { close = 1, ["end"] = 1, timeout = 2 }

function ConnSocket:on(ev, fn)
  if WANT[ev] then want(self, WANT[ev]) end
  return ee.on(self, ev, fn)
end
ConnSocket.addListener = ConnSocket.on

function ConnSocket:once(ev, fn)
  if WANT[ev] then want(self, WANT[ev]) end
  return ee.once(self, ev, fn)
end

function ConnSocket:prependListener(ev, fn)
  if WANT[ev] then want(self, WANT[ev]) end
  return ee.prependListener(self, ev, fn)
end

-- From the server's HS_ON_CLOSE.
function ConnSocket:_onClose(status)
  if self._closed then return end
  self._closed = true
  self:emit("close", status ~= nil)
end

function ConnSocket:write(data, encoding, cb)
  if type(encoding) == "function" then cb, encoding = encoding, nil end
  data = common.toChunk(data, encoding)
  local q = rawget(self, "_conn"):raw(data, cb)
  if q == false then
    if cb then nextTick(cb, require("lode.net.util").socketClosed()) end
    return false
  end
  if q == 0 and cb then nextTick(cb) end
  return true
end

function ConnSocket:finish(data, encoding, cb)
  if type(data) == "function" then data, cb = nil, data end
  if data ~= nil then self:write(data, encoding) end
  rawget(self, "_conn"):finish()
  if cb then self:once("close", cb) end
  return self
end
ConnSocket["end"] = ConnSocket.finish
ConnSocket.destroySoon = ConnSocket.finish

function ConnSocket:destroy(err)
  rawget(self, "_conn"):destroy()
  if err ~= nil and self:listenerCount("error") > 0 then
    nextTick(function() self:emit("error", err) end)
  end
  return self
end

function ConnSocket:setTimeout(ms, cb)
  ms = tonumber(ms) or 0
  rawget(self, "_conn"):set_timeout(math.floor(ms))
  self.timeout = ms
  if cb ~= nil then self:once("timeout", cb) end
  if ms > 0 then want(self, 2) end
  return self
end

function ConnSocket:setNoDelay(on)
  rawget(self, "_conn"):nodelay(on == nil or on == true)
  return self
end

function ConnSocket:setKeepAlive(on, delay)
  rawget(self, "_conn"):keepalive(on == true,
    math.floor((tonumber(delay) or 0) / 1000))
  return self
end

function ConnSocket:address()
  return rawget(self, "_conn"):sockname() or {}
end

function ConnSocket:pause()
  rawget(self, "_conn"):pause()
  return self
end

function ConnSocket:resume()
  rawget(self, "_conn"):resume()
  return self
end

function ConnSocket:ref() return self end
function ConnSocket:unref() return self end
function ConnSocket:cork() end
function ConnSocket:uncork() end
function ConnSocket:setEncoding() return self end

return ConnSocket
