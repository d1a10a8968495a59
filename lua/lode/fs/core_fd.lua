-- The descriptor operations of lode.fs.core, same shape: impl(cb, ...)
-- runs synchronously when cb is nil, else on the thread pool. read and
-- write call back with two values, cb(err, bytes, buffer), as Node.
local B = require "lode.binding.fs"
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local V = require "lode.fs.validate"
local core = require "lode.fs.core"
local Stats = require("lode.fs.stats").Stats

local go, system, nextTick, raise = core.go, errors.system, loop.nextTick,
  V.raise

local M = {}

function M.open(cb, path, flags, mode)
  path = V.path(path)
  flags = V.flags(flags, "r")
  mode = V.mode(mode, "mode", 438)
  return go(cb, "open", { path = path }, nil, B.open, 3, path, flags, mode)
end

local function fd_only(fn, syscall)
  return function(cb, fd)
    return go(cb, syscall, nil, nil, fn, 1, V.fd(fd))
  end
end
M.close = fd_only(B.close, "close")
M.fsync = fd_only(B.fsync, "fsync")
M.fdatasync = fd_only(B.fdatasync, "fdatasync")

function M.fstat(cb, fd)
  return go(cb, "fstat", nil, Stats.from, B.fstat, 1, V.fd(fd))
end

function M.ftruncate(cb, fd, len)
  fd = V.fd(fd)
  len = V.int(len, "len", 0)
  return go(cb, "ftruncate", nil, nil, B.ftruncate, 2, fd, len)
end

function M.fchmod(cb, fd, mode)
  fd, mode = V.fd(fd), V.mode(mode)
  return go(cb, "fchmod", nil, nil, B.fchmod, 2, fd, mode)
end

function M.fchown(cb, fd, uid, gid)
  fd = V.fd(fd)
  uid = errors.checkInteger(uid, "uid", -1, 4294967295)
  gid = errors.checkInteger(gid, "gid", -1, 4294967295)
  return go(cb, "fchown", nil, nil, B.fchown, 3, fd, uid, gid)
end

function M.futimes(cb, fd, atime, mtime)
  fd = V.fd(fd)
  atime, mtime = V.time(atime, "atime"), V.time(mtime, "mtime")
  return go(cb, "futime", nil, nil, B.futime, 3, fd, atime, mtime)
end

-- truncate(cb, path, len): open 'r+', ftruncate, close; a descriptor
-- goes straight to ftruncate.
function M.truncate(cb, path, len)
  if type(path) == "number" then return M.ftruncate(cb, path, len) end
  path = V.path(path)
  len = V.int(len, "len", 0)
  if cb == nil then
    local fd = M.open(nil, path, "r+")
    local ok, err = pcall(M.ftruncate, nil, fd, len)
    B.close(fd)
    if not ok then raise(err) end
    return nil
  end
  M.open(function(err, fd)
    if err then return cb(err) end
    M.ftruncate(function(err2)
      if B.close(fd, function() cb(err2) end) == nil then
        cb(err2)
      end
    end, fd, len)
  end, path, "r+")
end

-- offset/length within a Buffer of size bytes, as Node checks them.
local function span(size, offset, length)
  offset = V.int(offset, "offset", 0, 0)
  if offset > size then
    raise(errors.outOfRange("offset", "<= " .. size, offset))
  end
  length = V.int(length, "length", size - offset, 0)
  if length > size - offset then
    raise(errors.outOfRange("length", "<= " .. (size - offset), length))
  end
  return offset, length
end

local function position(p, strict)
  if p == nil or (not strict and type(p) ~= "number") then return -1 end
  if type(p) ~= "number" then
    raise(errors.invalidArgType("position", "of type bigint or integer", p))
  end
  return errors.checkInteger(p, "position", -1)
end

-- Runs binding B.read/B.write (fn) with cb(err, n, data) for callbacks.
local function io(cb, syscall, data, fn, fd, buf, offset, length, pos)
  if cb == nil then
    local n, _, status = fn(fd, buf, offset, length, pos)
    if n == nil then raise(system(status, syscall)) end
    return n
  end
  local ok, _, status = fn(fd, buf, offset, length, pos, function(st, n)
    if st then return cb(system(st, syscall)) end
    cb(nil, n, data)
  end)
  if ok == nil then nextTick(cb, system(status, syscall)) end
end

-- read(cb, fd, buffer, offset, length, position), or (cb, fd, buffer,
-- { offset =, length =, position = }), or (cb, fd, { buffer =, ... }),
-- or (cb, fd): bytes read into buffer (16 KiB when none is given).
function M.read(cb, fd, buffer, offset, length, pos)
  fd = V.fd(fd)
  if not V.isBuffer(buffer) then
    if buffer ~= nil and type(buffer) ~= "table" then
      raise(V.argType("buffer",
        "an instance of Buffer, TypedArray, or DataView", buffer))
    end
    local o = buffer or {}
    buffer = o.buffer or V.Buffer().alloc(16384)
    offset, length, pos = o.offset, o.length, o.position
  elseif type(offset) == "table" then
    offset, length, pos = offset.offset, offset.length, offset.position
  end
  offset, length = span(#buffer, offset, length)
  pos = position(pos, true)
  if length == 0 then
    if cb == nil then return 0 end
    return nextTick(cb, nil, 0, buffer)
  end
  return io(cb, "read", buffer, B.read, fd, buffer, offset, length, pos)
end

-- readChunk(cb, fd, length, position): up to length bytes as a new
-- Buffer (the read memory itself, no copy); for streams.
function M.readChunk(cb, fd, length, pos)
  return go(cb, "read", nil, nil, B.read, 5, fd, nil, 0, length, pos)
end

-- write(cb, fd, buffer, offset, length, position) or (cb, fd, buffer,
-- { offset =, length =, position = }) or (cb, fd, string, position,
-- encoding): bytes written.
function M.write(cb, fd, data, a, b, c)
  fd = V.fd(fd)
  local bytes, offset, length, pos = data, nil, nil, nil
  if type(data) == "string" then
    bytes = V.data(data, b)
    pos = position(a, false)
    offset, length = 0, #bytes
  elseif V.isBuffer(data) then
    if type(a) == "table" then a, b, c = a.offset, a.length, a.position end
    offset, length = span(#data, a, b)
    pos = position(c, true)
  else
    raise(errors.invalidArgType("buffer", "of type string or an instance "
      .. "of Buffer, TypedArray, or DataView", data))
  end
  return io(cb, "write", data, B.write, fd, bytes, offset, length, pos)
end

-- writev(cb, fd, buffers, position): a sequence of Buffers (or strings).
function M.writev(cb, fd, list, pos)
  fd = V.fd(fd)
  if type(list) ~= "table" then
    raise(V.argType("buffers", "an instance of Array", list))
  end
  for i = 1, #list do
    if type(list[i]) ~= "string" and not V.isBuffer(list[i]) then
      raise(V.argType(("buffers[%d]"):format(i - 1),
        "an instance of Buffer, TypedArray, or DataView", list[i]))
    end
  end
  pos = position(pos, false)
  if #list == 0 then
    if cb == nil then return 0 end
    return nextTick(cb, nil, 0, list)
  end
  if cb == nil then
    local n, _, status = B.writev(fd, list, pos)
    if n == nil then raise(system(status, "write")) end
    return n
  end
  local ok, _, status = B.writev(fd, list, pos, function(st, n)
    if st then return cb(system(st, "write")) end
    cb(nil, n, list)
  end)
  if ok == nil then nextTick(cb, system(status, "write")) end
end

return M
