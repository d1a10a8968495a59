-- fs.ReadStream and fs.WriteStream, after Node 20's
-- lib/internal/fs/streams.js, on lode.stream's public API only
-- (Readable:extend/_construct/_read/push/_destroy, Writable:extend/
-- _write/_writev/_destroy). _construct opens the file (then 'open' with
-- the fd, and 'ready'); _destroy waits for a read or write in flight
-- before closing the descriptor, since the thread pool may still use it.
-- Chunks read are Buffers holding the read memory itself (no copy).
-- A stream has at most one read or write in flight, so that I/O's state
-- lives in fields of the stream and the binding callbacks are made once
-- per stream: a chunk costs no closure.
-- `finish` is Node's `end` option (inclusive); ["end"] is accepted too.
local B = require "lode.binding.fs"
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local stream = require "lode.stream"
local V = require "lode.fs.validate"
local core_fd = require "lode.fs.core_fd"

local Readable, Writable = stream.Readable, stream.Writable
local system, nextTick = errors.system, loop.nextTick

local M = {}

-- Options as Node's getOptions, copied so that we may add to them.
local function copy_options(options)
  local o = V.options(options)
  local c = {}
  for k, v in pairs(o) do c[k] = v end
  return c
end

-- The descriptor option: a number or a FileHandle (its fd).
local function import_fd(fd)
  if type(fd) == "table" and fd.fd ~= nil then fd = fd.fd end
  if type(fd) ~= "number" then
    V.raise(V.argType("options.fd", "of type number or an instance of "
      .. "FileHandle", fd))
  end
  return V.fd(fd)
end

-- Common setup of both classes: path or fd, flags, mode, autoClose.
local function setup(self, path, o, flags)
  self.fd, self.flags = nil, o.flags == nil and flags or o.flags
  self.mode = o.mode == nil and 438 or o.mode
  if o.fd == nil then
    self.path = V.path(path)
  else
    self.path = path
    self.fd = import_fd(o.fd)
  end
  self.pending = self.fd == nil
  self.autoClose = o.autoClose ~= false
  o.autoDestroy = self.autoClose
  if o.start ~= nil then
    self.start = errors.checkInteger(o.start, "start", 0)
    self.pos = self.start
  end
end

-- _construct: opens the file unless a descriptor was given.
local function construct(self, cb)
  if self.fd ~= nil then return cb() end
  core_fd.open(function(err, fd)
    if err then return cb(err) end
    self.fd, self.pending = fd, false
    cb()
    self:emit("open", fd)
    self:emit("ready")
  end, self.path, self.flags, self.mode)
end

-- Closes the descriptor (when there is one) and calls cb(err).
local function close(self, err, cb)
  local fd = self.fd
  if fd == nil then return cb(err) end
  self.fd = nil
  if B.close(fd, function(status)
    cb(err or (status and system(status, "close")))
  end) == nil then
    cb(err)
  end
end

-- _destroy: after the read or write in flight, if any, completes.
local function destroy(self, err, cb)
  if self._io then
    self._ioDone = function(er) close(self, err or er, cb) end
  else
    close(self, err, cb)
  end
end

-- Ends an I/O: when the stream was destroyed meanwhile, lets the pending
-- _destroy go on and returns true (the result is then dropped).
local function io_done(self, err)
  self._io = false
  if not self.destroyed then return false end
  local k = self._ioDone
  self._ioDone = nil
  if k then k(err) end
  return true
end

--[[ ReadStream ]]

local ReadStream = Readable:extend("ReadStream")
M.ReadStream = ReadStream

-- ReadStream.new(path, { flags = 'r', encoding, fd, mode = 0o666,
-- autoClose = true, emitClose = true, start, finish (["end"]),
-- highWaterMark = 65536 }).
function ReadStream:init(path, options)
  local o = copy_options(options)
  if o.highWaterMark == nil then o.highWaterMark = 65536 end
  setup(self, path, o, "r")
  local finish = o.finish
  if finish == nil then finish = o["end"] end
  if finish == nil or finish == math.huge then
    finish = math.huge
  else
    finish = errors.checkInteger(finish, "end", 0)
    if self.start ~= nil and self.start > finish then
      V.raise(errors.outOfRange("start",
        ('<= "end" (here: %d)'):format(finish), self.start))
    end
  end
  self.finish, self["end"] = finish, finish
  self.bytesRead = 0
  Readable.init(self, o)
end

ReadStream._construct = construct
ReadStream._destroy = destroy

-- The end of a read: err, or the Buffer read (empty at end of file).
local function read_done(self, err, buf)
  if io_done(self, err) then return end
  if err then return self:destroy(err) end
  local got = #buf
  if got == 0 then return self:push(nil) end
  if self.pos ~= nil then self.pos = self.pos + got end
  self.bytesRead = self.bytesRead + got
  self:push(buf)
end

function ReadStream:_read(n)
  local left = self.finish - (self.pos or self.bytesRead) + 1
  if left < n then n = math.tointeger(left) or left end
  if n <= 0 then return self:push(nil) end
  self._io = true
  local onread = self._onread
  if onread == nil then
    onread = function(status, buf)
      if status then return read_done(self, system(status, "read")) end
      read_done(self, nil, buf)
    end
    self._onread = onread
  end
  -- nil target: the binding reads into fresh memory that becomes the
  -- Buffer (no copy).
  local ok, _, status = B.read(self.fd, nil, 0, n, self.pos or -1, onread)
  if ok == nil then nextTick(read_done, self, system(status, "read")) end
end

-- close([cb]): destroys the stream; cb runs once it is finished.
function ReadStream:close(cb)
  if type(cb) == "function" then stream.finished(self, cb) end
  self:destroy()
end

--[[ WriteStream ]]

local WriteStream = Writable:extend("WriteStream")
M.WriteStream = WriteStream

-- WriteStream.new(path, { flags = 'w', encoding, fd, mode = 0o666,
-- autoClose = true, emitClose = true, start, highWaterMark }).
function WriteStream:init(path, options)
  local o = copy_options(options)
  o.decodeStrings = true
  setup(self, path, o, "w")
  self.bytesWritten = 0
  Writable.init(self, o)
  if o.encoding then self:setDefaultEncoding(o.encoding) end
end

WriteStream._construct = construct
WriteStream._destroy = destroy

local function destroyed_error()
  return errors.new(errors.Error, "ERR_STREAM_DESTROYED",
    "Cannot call write after a stream was destroyed")
end

-- The end of the write in flight: its callback, then the pending
-- _destroy, as Node.
local function write_done(self, err)
  local cb = self._wcb
  self._wcb, self._wdata, self._io = nil, nil, false
  cb(err)
  if self.destroyed then io_done(self, err) end
end

-- Writes the span the stream holds: bytes [_woff, _woff + _wsize) of
-- _wdata at _wpos (-1: the file's position).
local function write_step(self)
  local ok, _, status = B.write(self.fd, self._wdata, self._woff,
    self._wsize, self._wpos, self._onwrite)
  if ok == nil then write_done(self, system(status, "write")) end
end

-- After a write of n bytes: again after a short write, until all is
-- written or a write makes no progress five times.
local function wrote(self, st, n)
  if st or self.destroyed then
    return write_done(self, st and system(st, "write") or destroyed_error())
  end
  self.bytesWritten = self.bytesWritten + n
  local retries = n > 0 and 0 or self._wretries + 1
  if retries > 5 then
    return write_done(self, errors.new(errors.SystemError,
      "ERR_SYSTEM_ERROR", "A system error occurred: write failed"))
  end
  if n < self._wsize then
    self._woff, self._wsize = self._woff + n, self._wsize - n
    self._wretries = retries
    if self._wpos >= 0 then self._wpos = self._wpos + n end
    return write_step(self)
  end
  write_done(self, nil)
end

-- Starts writing bytes [off, off + size) of data at pos; cb(err) once
-- all of it is written.
local function write_all(self, data, off, size, pos, cb)
  self._io, self._wcb = true, cb
  self._wdata, self._woff, self._wsize = data, off, size
  self._wpos, self._wretries = pos, 0
  if self._onwrite == nil then
    self._onwrite = function(st, n) wrote(self, st, n) end
  end
  write_step(self)
end

function WriteStream:_write(data, _, cb)
  local pos = self.pos
  if pos ~= nil then self.pos = pos + #data end
  write_all(self, data, 0, #data, pos or -1, cb)
end

-- _writev: several buffered chunks in one writev call when possible.
function WriteStream:_writev(chunks, cb)
  local list, size = {}, 0
  for i = 1, #chunks do
    list[i] = chunks[i].chunk
    size = size + #list[i]
  end
  local pos = self.pos or -1
  if self.pos ~= nil then self.pos = self.pos + size end
  self._io, self._wcb = true, cb
  local ok, _, status = B.writev(self.fd, list, pos, function(st, n)
    if st or self.destroyed then
      return write_done(self, st and system(st, "write")
        or destroyed_error())
    end
    self.bytesWritten = self.bytesWritten + n
    if n == size then return write_done(self, nil) end
    -- A short write: the rest, one piece.
    local rest = V.Buffer().concat(list):subarray(n)
    write_all(self, rest, 0, size - n, pos >= 0 and pos + n or pos, cb)
  end)
  if ok == nil then write_done(self, system(status, "write")) end
end

-- close([cb]): ends the stream (the file closes once all is written).
function WriteStream:close(cb)
  if type(cb) == "function" then
    if self.closed then
      loop.nextTick(cb)
      return
    end
    self:on("close", cb)
  end
  if not self.autoClose then
    self:on("finish", function() self:destroy() end)
  end
  self:finish()
end
WriteStream.destroySoon = WriteStream.finish

function M.createReadStream(path, options)
  return ReadStream.new(path, options)
end

function M.createWriteStream(path, options)
  return WriteStream.new(path, options)
end

return M
