-- net.Socket: a Duplex over a libuv stream box (lode.binding.tcp, .pipe
-- or .tty; see bindings/stream.c), following Node 20's lib/net.js.
--
-- Reading: _read starts the handle; each chunk arrives as a Buffer that
-- owns the bytes libuv read (no copy) and is push()ed; when push says the
-- buffer passed highWaterMark the handle stops reading, and the next
-- _read starts it again (backpressure, DESIGN.md section 3).
-- Writing: strings are not decoded (decodeStrings = false); the binding
-- tries uv_try_write first and reports 0 when everything went out at
-- once, so most writes complete without a request or a second Lua call.
-- One write is in flight at a time (Writable), so one callback closure
-- per socket (_onwrite) serves them all.
-- 'close' comes from the handle's close callback with hadError, as Node
-- (emitClose is false for the stream machinery).
-- Socket.new{ handle = box } wraps a tcp/pipe/tty box that is already
-- connected: an accepted connection, or one another module hands back
-- (lode.http's 'upgrade' wraps its connection's uv handle in a box with
-- lode_stream_attach, bindings/stream.h). Options manualStart (do not
-- read until asked) and pauseOnCreate (start paused) as Node's.
local Duplex = require "lode.stream.duplex"
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local U = require "lode.net.util"

local nextTick = loop.nextTick
local UV_EOF, UV_ENOTCONN = U.UV_EOF, U.UV_ENOTCONN
local toBytes = U.toBytes

local Socket = Duplex:extend("Socket")

Socket.connecting = false
Socket.pending = true
Socket.bytesRead = 0
Socket.bytesWritten = 0
Socket.timeout = 0

local function makeOnread(self)
  return function(status, chunk)
    if status == nil then
      self.bytesRead = self.bytesRead + #chunk
      if self._timeoutMs then self:_active() end
      if not self:push(chunk) then
        local h = self._handle
        if h ~= nil and self._reading then
          self._reading = false
          h:read_stop()
        end
      end
      return
    end
    self._reading = false
    if status == UV_EOF then
      self:push(nil)
      self:read(0)
    else
      self:destroy(errors.system(status, "read"))
    end
  end
end

local function makeOnwrite(self)
  return function(status)
    local cb = self._writecb
    self._writecb = nil
    if self._timeoutMs then self:_active() end
    if status == nil then return cb() end
    cb(errors.system(status, "write"))
  end
end

-- Takes a binding box over: an accepted connection, an fd, a handle
-- handed back by another module.
function Socket:_setHandle(h)
  self._handle = h
  self._reading = false
  if self._unrefed then h:unref() end
end

-- Reads the addresses once, while the handle is there (Node caches them
-- the same way, so they survive destroy()).
function Socket:_fillAddresses()
  local h = self._handle
  if h == nil or h.getpeername == nil or self._isPipe then return end
  local peer, sock = h:getpeername(), h:getsockname()
  if peer then
    self.remoteAddress, self.remotePort = peer.address, peer.port
    self.remoteFamily = peer.family
  end
  if sock then
    self.localAddress, self.localPort = sock.address, sock.port
    self.localFamily = sock.family
  end
end

local function duplexOptions(opts)
  return {
    allowHalfOpen = opts.allowHalfOpen == true, emitClose = false,
    autoDestroy = true, decodeStrings = false,
    readable = opts.readable, writable = opts.writable,
    highWaterMark = opts.highWaterMark,
    readableHighWaterMark = opts.readableHighWaterMark,
    writableHighWaterMark = opts.writableHighWaterMark,
  }
end

-- Socket.new([opts]): opts.handle (a binding box) or opts.fd wraps what
-- is there; otherwise the socket waits for connect().
function Socket:init(opts)
  if type(opts) == "number" then opts = { fd = opts } end
  opts = opts or {}
  errors.checkType(opts, "options", "table")
  Duplex.init(self, duplexOptions(opts))
  self.connecting = false
  self.bytesRead, self.bytesWritten = 0, 0
  self._onread = makeOnread(self)
  self._onwrite = makeOnwrite(self)
  if opts.handle ~= nil then
    self:_setHandle(opts.handle)
    self._isPipe = getmetatable(opts.handle).__name == "lode.pipe"
  elseif opts.fd ~= nil then
    self:_openFd(opts.fd)
  end
  if self._handle ~= nil then
    self.pending = false
    self:_fillAddresses()
    if opts.readable ~= false then
      if opts.pauseOnCreate then
        self._readableState.flowing = false
        self.readableFlowing = false
      elseif not opts.manualStart then
        self:read(0)
      end
    end
  end
end

-- Wraps an open descriptor in the binding box its kind needs.
function Socket:_openFd(fd)
  errors.checkInteger(fd, "fd", 0)
  local tty = require "lode.binding.tty"
  local kind, h = tty.guess(fd), nil
  if kind == "TCP" then
    h = require("lode.binding.tcp").new()
  elseif kind == "UNIX" or kind == "PIPE" then
    h = require("lode.binding.pipe").new(false)
    self._isPipe = true
  elseif kind == "TTY" then
    h = tty.new(fd, true)
  else
    error(errors.new(errors.TypeError, "ERR_INVALID_FD_TYPE",
      "Unsupported fd type: " .. kind), 0)
  end
  if kind ~= "TTY" then
    local ok, _, status = h:open(fd)
    if not ok then
      h:close()
      error(errors.system(status, "open"), 0)
    end
  end
  self:_setHandle(h)
end

--[[ Reading ]]

function Socket:_read()
  local h = self._handle
  if self.connecting or h == nil then
    if not self._waitRead then
      self._waitRead = true
      self:once("connect", function()
        self._waitRead = false
        self:_read()
      end)
    end
    return
  end
  if not self._reading then
    self._reading = true
    local ok, _, status = h:read_start(self._onread)
    if not ok then
      self._reading = false
      self:destroy(errors.system(status, "read"))
    end
  end
end

--[[ Writing ]]

function Socket:_writeGeneric(writev, data, encoding, cb)
  if self.connecting then
    self._pendingData, self._pendingEncoding = data, encoding
    self:once("connect", function()
      self:_writeGeneric(writev, data, encoding, cb)
    end)
    return
  end
  self._pendingData = nil
  local h = self._handle
  if h == nil then return cb(U.socketClosed()) end
  if self._timeoutMs then self:_active() end
  local n, status, len
  if writev then
    local list, total = {}, 0
    for i = 1, #data do
      local c = toBytes(data[i].chunk, data[i].encoding)
      list[i], total = c, total + #c
    end
    n, _, status = h:writev(list, self._onwrite)
    len = total
  else
    data = toBytes(data, encoding)
    n, _, status = h:write(data, self._onwrite)
    len = #data
  end
  if n == nil then
    return self:destroy(errors.system(status, "write"), cb)
  end
  self.bytesWritten = self.bytesWritten + len
  if n == 0 then return cb() end
  self._writecb = cb
end

function Socket:_write(chunk, encoding, cb)
  self:_writeGeneric(false, chunk, encoding, cb)
end

function Socket:_writev(chunks, cb)
  self:_writeGeneric(true, chunks, "", cb)
end

-- After every write: shut the sending side down (FIN).
function Socket:_final(cb)
  if self.pending or self.connecting then
    return self:once("connect", function() self:_final(cb) end)
  end
  local h = self._handle
  if h == nil then return cb() end
  local ok, _, status = h:shutdown(function() cb() end)
  if ok then return end
  if status == UV_ENOTCONN then return cb() end
  cb(errors.system(status, "shutdown"))
end

--[[ Closing ]]

function Socket:_destroy(err, cb)
  self.connecting = false
  self:_clearTimer()
  local h = self._handle
  if h ~= nil then
    local hadError = err ~= nil
    self._handle, self._reading = nil, false
    h:close(function() self:emit("close", hadError) end)
    cb(err)
  else
    cb(err)
    nextTick(function() self:emit("close", err ~= nil) end)
  end
  local srv = self._server
  if srv ~= nil then
    self._server = nil
    srv._connections = srv._connections - 1
    srv:_emitCloseIfDrained()
  end
end

-- Ends the writing side, then destroys once everything is written.
function Socket:destroySoon()
  if self.writable then self:finish() end
  if self.writableFinished then self:destroy()
  else self:once("finish", function() self:destroy() end) end
end

--[[ Options ]]

function Socket:setNoDelay(enable)
  enable = enable == nil or enable == true
  local h = self._handle
  if h == nil or h.nodelay == nil then
    self._noDelay = enable
  else
    h:nodelay(enable)
  end
  return self
end

function Socket:setKeepAlive(enable, initialDelay)
  enable = enable == true
  local delay = math.floor((tonumber(initialDelay) or 0) / 1000)
  local h = self._handle
  if h == nil or h.keepalive == nil then
    self._keepAlive = { enable, delay }
  else
    h:keepalive(enable, delay)
  end
  return self
end

function Socket:address()
  local h = self._handle
  if h == nil or h.getsockname == nil then return {} end
  return h:getsockname() or {}
end

function Socket:ref()
  self._unrefed = false
  if self._handle then self._handle:ref() end
  return self
end

function Socket:unref()
  self._unrefed = true
  if self._handle then self._handle:unref() end
  return self
end

function Socket:__close() self:destroy() end

require("lode.net.connect")(Socket)
require("lode.net.timeout")(Socket)

return Socket
