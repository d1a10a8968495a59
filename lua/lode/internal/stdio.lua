-- process.stdin, process.stdout and process.stderr (API.md sections 4 and
-- 5), created by process.lua on first access, with Node-on-Linux
-- semantics:
--  - stdout/stderr on a file, a terminal or a FIFO: a Writable whose
--    writes are synchronous write(2) calls on the descriptor
--    (tty.write_sync), so output is never lost at exit or on a kill and
--    interleaves in call order with print() and io.write (stdout is
--    unbuffered, see process.lua). write(s) of a string skips the stream
--    machinery when nothing is queued: console.log pays one C call.
--  - on a socket: a net.Socket, asynchronous with backpressure.
--  - stdin: a net.Socket (tty.ReadStream-like on a terminal, with
--    setRawMode) over a duplicate of fd 0, read only while someone reads
--    (Node's ref rules: a paused stdin does not keep the process alive);
--    a file is read with fs.createReadStream; an absent stdin is empty.
-- The streams never close fds 0-2: destroy() only ends the stream.
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local tty = require "lode.binding.tty"
local Writable = require "lode.stream.writable"
local Socket = require "lode.net.socket"

local nextTick = loop.nextTick
local write_sync = tty.write_sync

local M = {}

-- Node's dummyDestroy: the stream ends for its users, the fd stays.
local function keepFd(self, err, cb)
  cb(err)
  self:_undestroy()
  nextTick(function() self:emit("close") end)
end

--[[ Synchronous writer: files, terminals, FIFOs ]]

local SyncWriteStream = Writable:extend("WriteStream")

local function ttyFields(self, fd)
  local cols, rows = tty.winsize(fd)
  self.columns, self.rows = cols, rows
end

function SyncWriteStream:init(fd, kind)
  Writable.init(self, { decodeStrings = false, emitClose = false })
  self.fd = fd
  self._type = kind == "TTY" and "tty" or kind == "FILE" and "fs" or "pipe"
  self.isTTY = kind == "TTY"
  if self.isTTY then ttyFields(self, fd) end
end

local toBytes = require("lode.net.util").toBytes

function SyncWriteStream:_write(chunk, encoding, cb)
  local n, _, status = write_sync(self.fd, toBytes(chunk, encoding))
  if n == nil then return cb(errors.system(status, "write")) end
  cb()
end

SyncWriteStream._destroy = keepFd

-- The fast path: a plain string (or Buffer) while nothing is queued goes
-- straight to the descriptor; the result is the same as Writable's.
function SyncWriteStream:write(chunk, encoding, cb)
  local ws = self._writableState
  if type(encoding) == "function" then cb, encoding = encoding, nil end
  if (encoding == nil or encoding == "utf8") and not ws.writing
    and ws.corked == 0 and ws.bt < ws.bh and not ws.ending
    and not ws.destroyed and ws.errored == nil and type(chunk) == "string"
    then
    if write_sync(self.fd, chunk) then
      if cb ~= nil then nextTick(cb, nil) end
      return true
    end
  end
  return Writable.write(self, chunk, encoding, cb)
end

function SyncWriteStream:getWindowSize()
  return { self.columns, self.rows }
end

function SyncWriteStream:getColorDepth()
  return self.isTTY and 8 or 1
end

function SyncWriteStream:hasColors(n)
  return self.isTTY and (n or 16) <= 256
end

--[[ Sockets and stdin ]]

local StdioSocket = Socket:extend("Socket")

-- Output sockets keep their fd; stdin's handle is on a duplicate, which
-- it may close.
function StdioSocket:_destroy(err, cb)
  if self.fd == 0 then return Socket._destroy(self, err, cb) end
  self:_clearTimer()
  keepFd(self, err, cb)
end

function StdioSocket:setRawMode(flag)
  local h = self._handle
  if h == nil or h.set_mode == nil then
    error(errors.new(errors.Error, "ERR_TTY_INIT_FAILED",
      "TTY initialization failed"), 0)
  end
  local ok, _, status = h:set_mode(flag and 1 or 0)
  if not ok then error(errors.system(status, "setRawMode"), 0) end
  self.isRaw = flag and true or false
  return self
end

local function dummyWritable()
  return Writable.new({ write = function(_, _, _, cb) cb() end })
end

local function output(fd, kind)
  if kind == "TTY" or kind == "FILE" or kind == "PIPE" then
    return SyncWriteStream.new(fd, kind)
  end
  if kind == "TCP" or kind == "UNIX" then
    local s = StdioSocket.new({ fd = fd, readable = false, writable = true,
      manualStart = true })
    s.fd, s._type = fd, "pipe"
    return s
  end
  local s = dummyWritable()
  s.fd = fd
  return s
end

-- Stops reading once paused (next tick, after the stream settles), so a
-- paused stdin lets the process end.
local function onPause(self)
  nextTick(function()
    local h = self._handle
    if h ~= nil and self._reading and not self.readableFlowing then
      self._reading = false
      self._readableState.reading = false
      h:read_stop()
    end
  end)
end

local function stdin(kind)
  if kind == "FILE" then
    local s = require("lode.fs.streams").createReadStream(nil,
      { fd = 0, autoClose = false })
    s.fd = 0
    return s
  end
  if kind == "TTY" or kind == "PIPE" or kind == "UNIX" or kind == "TCP" then
    tty.keep_flags(0)                    -- libuv makes it non-blocking
    local fd = assert(tty.dup(0))
    local s = StdioSocket.new({ fd = fd, readable = true, writable = false,
      manualStart = true })
    s.fd, s.isTTY = 0, kind == "TTY"
    if s.isTTY then s.isRaw = false end
    s:on("pause", function() onPause(s) end)
    return s
  end
  local Readable = require "lode.stream.readable"
  local s = Readable.new({ read = function(self) self:push(nil) end })
  s.fd = 0
  return s
end

-- create(fd): the stream for fd 0, 1 or 2.
function M.create(fd)
  local kind = tty.guess(fd)
  if fd == 0 then return stdin(kind) end
  return output(fd, kind)
end

return M
