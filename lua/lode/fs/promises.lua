-- fs.promises: the Promise-only forms of lode.fs.core's operations, and
-- FileHandle (what fs.promises.open resolves to). A FileHandle's
-- methods return Promises; it is a to-be-closed value (`local fh <close>
-- = await(fsp.open(p))` closes its descriptor synchronously at scope
-- end), and close() is idempotent.
local B = require "lode.binding.fs"
local class = require "lode.internal.class"
local errors = require "lode.internal.errors"
local Promise = require "lode.promise"
local core = require "lode.fs.core"
local core_fd = require "lode.fs.core_fd"

local M = {}

-- A function returning a Promise of shape(a, b) for impl(cb, ...).
local function promised(impl, shape)
  return function(...)
    local args = table.pack(...)
    return Promise.new(function(resolve, reject)
      impl(function(err, a, b)
        if err ~= nil then return reject(err) end
        if shape then resolve(shape(a, b)) else resolve(a) end
      end, table.unpack(args, 1, args.n))
    end)
  end
end

for _, name in ipairs({
  "access", "chmod", "chown", "copyFile", "lchown", "link", "lstat",
  "lutimes", "mkdir", "mkdtemp", "readdir", "readlink", "realpath",
  "rename", "rm", "rmdir", "stat", "symlink", "unlink", "utimes",
}) do
  M[name] = promised(core[name])
end
M.truncate = promised(core_fd.truncate)
M.constants = B.constants

--[[ FileHandle ]]

local FileHandle = class.Object:extend("FileHandle")
M.FileHandle = FileHandle

function FileHandle:init(fd)
  self.fd = fd
end

local function closed()
  return errors.new(errors.Error, "EBADF", "file closed")
end

-- Runs impl(cb, self.fd, ...) as a Promise, or rejects once closed.
local function method(impl, shape)
  local p = promised(impl, shape)
  return function(self, ...)
    if self.fd == nil then return Promise.reject(closed()) end
    return p(self.fd, ...)
  end
end

local function read_shape(n, buf) return { bytesRead = n, buffer = buf } end
local function write_shape(n, data)
  return { bytesWritten = n, buffer = data }
end

FileHandle.read = method(core_fd.read, read_shape)
FileHandle.write = method(core_fd.write, write_shape)
FileHandle.writev = method(core_fd.writev, function(n, list)
  return { bytesWritten = n, buffers = list }
end)
FileHandle.stat = method(core_fd.fstat)
FileHandle.truncate = method(core_fd.ftruncate)
FileHandle.sync = method(core_fd.fsync)
FileHandle.datasync = method(core_fd.fdatasync)
FileHandle.chmod = method(core_fd.fchmod)
FileHandle.chown = method(core_fd.fchown)
FileHandle.utimes = method(core_fd.futimes)
FileHandle.readFile = method(core.readFile)
FileHandle.writeFile = method(core.writeFile)
FileHandle.appendFile = method(core.appendFile)

-- close(): a Promise; closing twice resolves at once.
function FileHandle:close()
  local fd = self.fd
  if fd == nil then return Promise.resolve(nil) end
  self.fd = nil
  return promised(core_fd.close)(fd)
end

-- Scope end of a <close> variable: closes synchronously.
function FileHandle:__close()
  local fd = self.fd
  self.fd = nil
  if fd ~= nil then B.close(fd) end
end

function FileHandle:createReadStream(options)
  local o = {}
  for k, v in pairs(options or {}) do o[k] = v end
  o.fd = self.fd
  return require("lode.fs.streams").createReadStream(nil, o)
end

function FileHandle:createWriteStream(options)
  local o = {}
  for k, v in pairs(options or {}) do o[k] = v end
  o.fd = self.fd
  return require("lode.fs.streams").createWriteStream(nil, o)
end

M.open = promised(core_fd.open, function(fd) return FileHandle.new(fd) end)

-- readFile, writeFile and appendFile also take a FileHandle.
for _, name in ipairs({ "readFile", "writeFile", "appendFile" }) do
  local p = promised(core[name])
  M[name] = function(path, ...)
    if getmetatable(path) == FileHandle then
      if path.fd == nil then return Promise.reject(closed()) end
      path = path.fd
    end
    return p(path, ...)
  end
end

return M
