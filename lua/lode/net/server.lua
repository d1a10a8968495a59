-- net.Server, as Node 20's lib/net.js: listen on a TCP port (IPv4 or
-- IPv6; port 0 picks a free one, read back with address()) or on a Unix
-- domain socket path; one Socket per accepted connection, created in C
-- (lode.binding.tcp/pipe listen hands over the accepted box). 'listening'
-- and listen errors (EADDRINUSE, EACCES as SystemErrors with syscall
-- 'listen') come on the next tick; 'close' once the server is closed and
-- every connection it accepted is gone.
local EventEmitter = require("lode.events").EventEmitter
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local Socket = require "lode.net.socket"

local nextTick = loop.nextTick

local Server = EventEmitter:extend("Server")

Server.listening = false

local function onConnection(self)
  return function(status, client)
    if status ~= nil then
      return self:emit("error", errors.system(status, "accept"))
    end
    local max = self.maxConnections
    if max ~= nil and self._connections >= max then
      client:close()
      return self:emit("drop", { localAddress = nil })
    end
    local s = Socket.new({ handle = client, allowHalfOpen = self.allowHalfOpen,
      pauseOnCreate = self.pauseOnConnect, readable = true, writable = true,
      highWaterMark = self.highWaterMark })
    if self.noDelay then s:setNoDelay(true) end
    if self.keepAlive then
      s:setKeepAlive(true, self.keepAliveInitialDelay)
    end
    self._connections = self._connections + 1
    s.server, s._server = self, self
    self:emit("connection", s)
  end
end

-- Server.new([options][, connectionListener])
function Server:init(opts, listener)
  if type(opts) == "function" then opts, listener = nil, opts end
  opts = opts or {}
  errors.checkType(opts, "options", "table")
  self._connections = 0
  self._handle = nil
  self.listening = false
  self.allowHalfOpen = opts.allowHalfOpen == true
  self.pauseOnConnect = opts.pauseOnConnect == true
  self.noDelay = opts.noDelay == true
  self.keepAlive = opts.keepAlive == true
  self.keepAliveInitialDelay = opts.keepAliveInitialDelay or 0
  self.highWaterMark = opts.highWaterMark
  self._onconnection = onConnection(self)
  if listener ~= nil then
    errors.checkFunction(listener, "connectionListener")
    self:on("connection", listener)
  end
end

local function emitListening(self)
  if self._handle ~= nil then self:emit("listening") end
end

local function fail(self, status, addr, port)
  local err = errors.system(status, "listen", { address = addr, port = port })
  nextTick(function() self:emit("error", err) end)
end

-- Binds and listens a new handle; returns it, or nil and the status.
local function open(kind, addr, port, o)
  local b = require("lode.binding." .. kind)
  local h = kind == "pipe" and b.new(false) or b.new()
  local ok, _, st
  if kind == "pipe" then ok, _, st = h:bind(addr)
  else ok, _, st = h:bind(addr, port, o.ipv6Only == true) end
  if not ok then
    h:close()
    return nil, st, "bind"
  end
  ok, _, st = h:listen(o.backlog, o.onconnection)
  if ok and kind == "pipe" and (o.readableAll or o.writableAll) then
    h:chmod((o.readableAll and "r" or "") .. (o.writableAll and "w" or ""))
  end
  if ok then return h end
  h:close()
  return nil, st, "listen"
end

function Server:_listenOn(kind, addr, port, o)
  o.onconnection = self._onconnection
  local h, st, step = open(kind, addr, port, o)
  if h == nil and step == "bind" and addr == "::" and o.anyHost then
    addr = "0.0.0.0"                      -- no IPv6 here
    h, st = open(kind, addr, port, o)
  end
  if h == nil then
    return fail(self, st, addr, kind == "tcp" and port or nil)
  end
  self._handle, self._pipeName = h, kind == "pipe" and addr or nil
  self.listening = true
  if self._unrefed then h:unref() end
  nextTick(emitListening, self)
end

require("lode.net.listen")(Server)

function Server:_emitCloseIfDrained()
  if self._handle ~= nil or self._connections > 0 then return end
  nextTick(function() self:emit("close") end)
end

function Server:close(cb)
  if cb ~= nil then
    errors.checkFunction(cb, "callback")
    if self._handle == nil then
      self:once("close", function()
        cb(errors.new(errors.Error, "ERR_SERVER_NOT_RUNNING",
          "Server is not running."))
      end)
    else
      self:once("close", cb)
    end
  end
  local h = self._handle
  if h ~= nil then
    self._handle, self.listening = nil, false
    h:close()
  end
  self:_emitCloseIfDrained()
  return self
end

function Server:address()
  local h = self._handle
  if h == nil then return nil end
  if self._pipeName then return self._pipeName end
  return h:getsockname()
end

function Server:getConnections(cb)
  errors.checkFunction(cb, "callback")
  nextTick(cb, nil, self._connections)
  return self
end

function Server:ref()
  self._unrefed = false
  if self._handle then self._handle:ref() end
  return self
end

function Server:unref()
  self._unrefed = true
  if self._handle then self._handle:unref() end
  return self
end

function Server:__close() self:close() end

return Server
