-- lode.fs: Node's fs (API.md section 4 "fs") in three forms built from
-- one implementation per operation (lode.fs.core, lode.fs.core_fd):
--   fs.X(args..., cb)  callback form, cb(err, value); without a callback
--                      it returns a Promise (API.md's one rule);
--   fs.XSync(args...)  returns the value or raises a SystemError;
--   fs.promises.X(...) Promise only (lode.fs.promises, with FileHandle).
-- Every async operation runs on libuv's thread pool. Streams
-- (createReadStream/createWriteStream) and fs.watch are loaded on first
-- use from lode.fs.streams and lode.fs.watch.
local B = require "lode.binding.fs"
local errors = require "lode.internal.errors"
local dual = require "lode.internal.dual"
local Promise = require "lode.promise"
local core = require "lode.fs.core"
local core_fd = require "lode.fs.core_fd"
local stats = require "lode.fs.stats"

local fs = {}

-- Each operation and how many arguments it takes before the callback.
local OPS = {
  access = 2, appendFile = 3, chmod = 2, chown = 3, copyFile = 3,
  lchown = 3, link = 2, lstat = 2, lutimes = 3, mkdir = 2, mkdtemp = 2,
  readdir = 2, readFile = 2, readlink = 2, realpath = 2, rename = 2,
  rm = 2, rmdir = 2, stat = 2, symlink = 3, unlink = 1, utimes = 3,
  writeFile = 3,
}
local FD_OPS = {
  open = 3, close = 1, fchmod = 2, fchown = 3, fdatasync = 1, fstat = 2,
  fsync = 1, ftruncate = 2, futimes = 3, truncate = 2, read = 5,
  write = 5, writev = 3,
}

-- Node raises when the callback's place holds something else: a value
-- past the last argument must be a function (nil means "no callback").
local function checked(fn, arity)
  return function(...)
    local n = select("#", ...)
    if n > arity then
      local last = select(n, ...)
      if last ~= nil and type(last) ~= "function" then
        error(errors.invalidArgType("cb", "function", last), 0)
      end
    end
    return fn(...)
  end
end

for name, arity in pairs(OPS) do
  fs[name] = checked(dual.wrap(core.callbackForm(core[name])), arity)
  fs[name .. "Sync"] = core.syncForm(core[name])
end
for name, arity in pairs(FD_OPS) do
  fs[name] = checked(dual.wrap(core.callbackForm(core_fd[name])), arity)
  fs[name .. "Sync"] = core.syncForm(core_fd[name])
end

-- A function whose callback gets (err, a, b): without a callback it
-- returns a Promise of shape(a, b).
local function dual2(impl, shape)
  local cbform = core.callbackForm(impl)
  return function(...)
    local n = select("#", ...)
    if n > 0 and type(select(n, ...)) == "function" then return cbform(...) end
    local args = table.pack(...)
    return Promise.new(function(resolve, reject)
      args[args.n + 1] = function(err, a, b)
        if err ~= nil then reject(err) else resolve(shape(a, b)) end
      end
      cbform(table.unpack(args, 1, args.n + 1))
    end)
  end
end

local function read_shape(n, buf) return { bytesRead = n, buffer = buf } end
local function write_shape(n, data)
  return { bytesWritten = n, buffer = data }
end
local function writev_shape(n, list)
  return { bytesWritten = n, buffers = list }
end

fs.read = checked(dual2(core_fd.read, read_shape), FD_OPS.read)
fs.write = checked(dual2(core_fd.write, write_shape), FD_OPS.write)
fs.writev = checked(dual2(core_fd.writev, writev_shape), FD_OPS.writev)

-- exists(path, cb): cb(true|false) with no error argument, as Node; a
-- Promise of the boolean without a callback.
function fs.exists(path, cb)
  if type(cb) == "function" then return core.exists(cb, path) end
  return Promise.new(function(resolve) core.exists(resolve, path) end)
end
fs.existsSync = core.syncForm(core.exists)

fs.constants = B.constants
fs.F_OK, fs.R_OK = B.constants.F_OK, B.constants.R_OK
fs.W_OK, fs.X_OK = B.constants.W_OK, B.constants.X_OK
fs.Stats, fs.Dirent = stats.Stats, stats.Dirent

-- Loaded on first use: the promises namespace, streams and watchers.
local LAZY = {
  promises = function() return require "lode.fs.promises" end,
  watch = function() return require("lode.fs.watch").watch end,
  FSWatcher = function() return require("lode.fs.watch").FSWatcher end,
  createReadStream = function()
    return require("lode.fs.streams").createReadStream
  end,
  createWriteStream = function()
    return require("lode.fs.streams").createWriteStream
  end,
  ReadStream = function() return require("lode.fs.streams").ReadStream end,
  WriteStream = function() return require("lode.fs.streams").WriteStream end,
}

return setmetatable(fs, { __index = function(t, k)
  local load = LAZY[k]
  if load == nil then return nil end
  local v = load()
  rawset(t, k, v)
  return v
end })
