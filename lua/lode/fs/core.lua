-- Every fs operation written once, as impl(cb, ...): with cb == nil it
-- runs synchronously and returns its value or raises a SystemError; with
-- a function it runs on libuv's thread pool and cb(err) / cb(nil, value)
-- comes later from the loop, never before the call returned (STYLE.md
-- rule 5.4). Bad arguments raise in both modes. lua/lode/fs.lua builds
-- the callback/Promise, Sync and fs.promises forms from these; the
-- descriptor operations are in lode.fs.core_fd.
local B = require "lode.binding.fs"
local J = require "lode.binding.fs_job"
local uv = require "lode.binding.uv"
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local V = require "lode.fs.validate"
local stats = require "lode.fs.stats"

local K = B.constants
local Stats, Dirent = stats.Stats, stats.Dirent
local system, nextTick, raise = errors.system, loop.nextTick, V.raise

local M = {}

-- The SystemError of a failed step. info is { path =, dest = } or a
-- function(syscall, failpath) giving it; sc and failpath come from jobs.
local function fail(status, syscall, info, sc, failpath)
  syscall = sc or syscall
  if type(info) == "function" then info = info(syscall, failpath)
  elseif failpath then info = { path = failpath } end
  return system(status, syscall, info)
end
M.fail = fail

-- The binding callback for cb (nil for a sync call): converts the
-- binding's (status, ...) once into cb(err) or cb(nil, post(...)).
local function bcb(cb, syscall, info, post)
  if cb == nil then return nil end
  return function(status, a, b)
    if status then return cb(fail(status, syscall, info, a, b)) end
    if post then return cb(nil, post(a, b)) end
    return cb(nil, a)
  end
end

-- What the call returned: sync, the value or a raise; async, nothing,
-- or the submission failure reported on the next tick.
local function fin(cb, syscall, info, post, a, b, c, d, e)
  if a == nil and b ~= nil then
    local err = fail(c, syscall, info, d, e)
    if cb == nil then raise(err) end
    return nextTick(cb, err)
  end
  if cb ~= nil then return end
  if post then return post(a, b) end
  if a == true then return nil end
  return a
end

-- Calls binding fn with its n arguments and the binding callback.
local function go(cb, syscall, info, post, fn, n, a1, a2, a3, a4, a5)
  local k = bcb(cb, syscall, info, post)
  if n == 1 then return fin(cb, syscall, info, post, fn(a1, k)) end
  if n == 2 then return fin(cb, syscall, info, post, fn(a1, a2, k)) end
  if n == 3 then return fin(cb, syscall, info, post, fn(a1, a2, a3, k)) end
  if n == 4 then
    return fin(cb, syscall, info, post, fn(a1, a2, a3, a4, k))
  end
  return fin(cb, syscall, info, post, fn(a1, a2, a3, a4, a5, k))
end
M.go = go

local function is(status, name)
  return status ~= nil and uv.err_name(status) == name
end
M.is = is

--[[ Forms ]]

-- fn(..., cb) for impl(cb, ...): the callback is the last argument.
function M.callbackForm(impl)
  return function(...)
    local n = select("#", ...)
    local cb = V.callback(n > 0 and select(n, ...) or nil)
    if n == 1 then return impl(cb) end
    if n == 2 then return impl(cb, (...)) end
    local args = table.pack(...)
    return impl(cb, table.unpack(args, 1, n - 1))
  end
end

function M.syncForm(impl)
  return function(...) return impl(nil, ...) end
end

--[[ Paths ]]

local function pathinfo(path) return { path = path } end

function M.access(cb, path, mode)
  path = V.path(path)
  mode = V.int(mode, "mode", K.F_OK, 0, 7)
  return go(cb, "access", pathinfo(path), nil, B.access, 2, path, mode)
end

-- exists(cb, path): cb(true|false), Node's (deprecated) shape; sync
-- returns the boolean. A bad path is just false.
function M.exists(cb, path)
  local ok, p = pcall(V.path, path)
  if cb == nil then return ok and B.access(p, K.F_OK) == true end
  if not ok or B.access(p, K.F_OK, function(status)
    cb(status == nil)
  end) == nil then
    nextTick(cb, false)
  end
end

local function stat_like(fn, syscall)
  return function(cb, path, options)
    path = V.path(path)
    local o = V.options(options)
    if cb == nil and o.throwIfNoEntry == false then
      local t, msg, status = fn(path)
      if t == nil and (is(status, "ENOENT") or is(status, "ENOTDIR")) then
        return nil
      end
      return fin(nil, syscall, pathinfo(path), Stats.from, t, msg, status)
    end
    return go(cb, syscall, pathinfo(path), Stats.from, fn, 1, path)
  end
end
M.stat = stat_like(B.stat, "stat")
M.lstat = stat_like(B.lstat, "lstat")

local function join(dir, name)
  if dir:sub(-1) == "/" then return dir .. name end
  return dir .. "/" .. name
end

-- The type of an entry scandir could not tell (some file systems).
local function typeof(dir, name, t)
  if t ~= K.UV_DIRENT_UNKNOWN then return t end
  local st = B.lstat(join(dir, name))
  return st and Dirent.typeOf(st) or t
end

local function name_as(name, enc)
  if enc == nil or enc == "utf8" then return name end
  return V.decode(name, enc)
end

-- readdir's result from scandir's names and types.
local function entries(dir, names, kinds, enc, withTypes, out)
  out = out or {}
  for i = 1, #names do
    if withTypes then
      out[#out + 1] = Dirent.new(name_as(names[i], enc),
        typeof(dir, names[i], kinds[i]), dir)
    else
      out[#out + 1] = name_as(names[i], enc)
    end
  end
  return out
end

local function pair(a, b) return { a, b } end

-- readdir {recursive = true}: breadth first, as Node; names relative to
-- base (or Dirents whose parentPath is their directory).
local function readdir_all(cb, base, enc, withTypes)
  local out, dirs, rels, i = {}, { base }, { "" }, 1
  local function add(r)
    local dir, rel, names, kinds = dirs[i], rels[i], r[1], r[2]
    i = i + 1
    for k = 1, #names do
      local name = names[k]
      local t = typeof(dir, name, kinds[k])
      local sub = rel == "" and name or rel .. "/" .. name
      if withTypes then
        out[#out + 1] = Dirent.new(name_as(name, enc), t, dir)
      else
        out[#out + 1] = name_as(sub, enc)
      end
      if t == K.UV_DIRENT_DIR then
        dirs[#dirs + 1], rels[#rels + 1] = join(dir, name), sub
      end
    end
  end
  if cb == nil then
    while i <= #dirs do
      add(go(nil, "scandir", pathinfo(dirs[i]), pair, B.scandir, 1, dirs[i]))
    end
    return out
  end
  local step
  step = function(err, r)
    if err then return cb(err) end
    if r then add(r) end
    if i > #dirs then return cb(nil, out) end
    go(step, "scandir", pathinfo(dirs[i]), pair, B.scandir, 1, dirs[i])
  end
  step()
end

function M.readdir(cb, path, options)
  path = V.path(path)
  local o = V.options(options)
  local enc, withTypes = V.encoding(o.encoding), o.withFileTypes and true
  if o.recursive then return readdir_all(cb, path, enc, withTypes) end
  return go(cb, "scandir", pathinfo(path), function(names, kinds)
    return entries(path, names, kinds, enc, withTypes)
  end, B.scandir, 1, path)
end

-- mkdir(cb, path, mode | { recursive =, mode = }); recursive gives the
-- first directory made (or nil), as Node.
function M.mkdir(cb, path, options)
  path = V.path(path)
  local mode, recursive = 511, false
  local t = type(options)
  if t == "number" or t == "string" then
    mode = V.mode(options)
  elseif t == "table" then
    recursive = V.bool(options.recursive, "options.recursive", false)
    mode = V.mode(options.mode, "mode", 511)
  end
  return go(cb, "mkdir", pathinfo(path), nil,
    recursive and J.mkdirp or B.mkdir, 2, path, mode)
end

function M.mkdtemp(cb, prefix, options)
  prefix = V.path(prefix, "prefix")
  local enc = V.encoding(V.options(options).encoding)
  local tpl = prefix .. "XXXXXX"
  return go(cb, "mkdtemp", pathinfo(tpl), function(p)
    return name_as(p, enc)
  end, B.mkdtemp, 1, tpl)
end

-- Node's ERR_FS_EISDIR for rm on a directory without recursive.
local function rm_eisdir(path)
  local e = errors.new(errors.SystemError, "ERR_FS_EISDIR",
    "Path is a directory: rm returned EISDIR (is a directory) " .. path)
  e.name, e.errno, e.syscall, e.path = "SystemError", 21, "rm", path
  e.info = { code = "EISDIR", message = "is a directory", path = path,
    syscall = "rm", errno = 21 }
  return e
end

-- rm(cb, path, { force =, recursive =, maxRetries =, retryDelay = }).
-- Without force a missing path fails (lstat); a tree goes depth first.
function M.rm(cb, path, options, syscall)
  path = V.path(path)
  local o = V.options(options)
  local force = V.bool(o.force, "options.force", false)
  local recursive = V.bool(o.recursive, "options.recursive", false)
  V.int(o.maxRetries, "options.maxRetries", 0, 0)
  V.int(o.retryDelay, "options.retryDelay", 100, 0)
  local function failure(status, sc, failpath)
    if sc == "lstat" and force and is(status, "ENOENT") then return nil end
    if sc == "rm" then return rm_eisdir(path) end
    return system(status, syscall or sc, { path = failpath or path })
  end
  if cb == nil then
    local ok, _, status, sc, failpath = J.rmtree(path, recursive)
    local err = ok == nil and failure(status, sc, failpath)
    if err then raise(err) end
    return nil
  end
  local ok, _, status = J.rmtree(path, recursive, function(st, sc, fp)
    if st == nil then return cb(nil) end
    cb(failure(st, sc, fp))
  end)
  if ok == nil then nextTick(cb, system(status, "rm", pathinfo(path))) end
end

function M.rmdir(cb, path, options)
  path = V.path(path)
  if type(options) == "table" and options.recursive then
    return M.rm(cb, path, { recursive = true }, "rmdir")
  end
  return go(cb, "rmdir", pathinfo(path), nil, B.rmdir, 1, path)
end

function M.unlink(cb, path)
  path = V.path(path)
  return go(cb, "unlink", pathinfo(path), nil, B.unlink, 1, path)
end

local function two_paths(fn, syscall, n1, n2)
  return function(cb, from, to)
    from, to = V.path(from, n1), V.path(to, n2)
    return go(cb, syscall, { path = from, dest = to }, nil, fn, 2, from, to)
  end
end
M.rename = two_paths(B.rename, "rename", "oldPath", "newPath")
M.link = two_paths(B.link, "link", "existingPath", "newPath")

function M.copyFile(cb, src, dest, mode)
  src, dest = V.path(src, "src"), V.path(dest, "dest")
  mode = V.int(mode, "mode", 0, 0, 7)
  return go(cb, "copyfile", { path = src, dest = dest }, nil, B.copyfile, 3,
    src, dest, mode)
end

local SYMLINK = { file = 0, dir = K.UV_FS_SYMLINK_DIR,
  junction = K.UV_FS_SYMLINK_JUNCTION }

function M.symlink(cb, target, path, kind)
  target, path = V.path(target, "target"), V.path(path)
  local flags = kind == nil and 0 or SYMLINK[kind]
  if flags == nil then
    raise(errors.new(errors.Error, "ERR_FS_INVALID_SYMLINK_TYPE",
      ('Symlink type must be one of "dir", "file", or "junction". '
        .. 'Received "%s"'):format(tostring(kind))))
  end
  return go(cb, "symlink", { path = target, dest = path }, nil, B.symlink,
    3, target, path, flags)
end

local function resolve_like(fn, syscall)
  return function(cb, path, options)
    path = V.path(path)
    local enc = V.encoding(V.options(options).encoding)
    return go(cb, syscall, pathinfo(path), function(p)
      return name_as(p, enc)
    end, fn, 1, path)
  end
end
M.readlink = resolve_like(B.readlink, "readlink")
M.realpath = resolve_like(B.realpath, "realpath")

function M.chmod(cb, path, mode)
  path, mode = V.path(path), V.mode(mode)
  return go(cb, "chmod", pathinfo(path), nil, B.chmod, 2, path, mode)
end

local function owner(fn, syscall)
  return function(cb, path, uid, gid)
    path = V.path(path)
    uid = errors.checkInteger(uid, "uid", -1, 4294967295)
    gid = errors.checkInteger(gid, "gid", -1, 4294967295)
    return go(cb, syscall, pathinfo(path), nil, fn, 3, path, uid, gid)
  end
end
M.chown = owner(B.chown, "chown")
M.lchown = owner(B.lchown, "lchown")

local function times(fn, syscall)
  return function(cb, path, atime, mtime)
    path = V.path(path)
    atime, mtime = V.time(atime, "atime"), V.time(mtime, "mtime")
    return go(cb, syscall, pathinfo(path), nil, fn, 3, path, atime, mtime)
  end
end
M.utimes = times(B.utime, "utime")
M.lutimes = times(B.lutime, "lutime")

--[[ Whole files ]]

-- The error details of a job on a path: only opening names it (Node's
-- "EISDIR: illegal operation on a directory, read" has no path).
local function openinfo(path)
  return function(syscall)
    if syscall == "open" and type(path) == "string" then
      return { path = path }
    end
  end
end

function M.readFile(cb, path, options)
  local o = V.options(options)
  path = V.pathOrFd(path)
  local enc = V.encoding(o.encoding)
  local flags = V.flags(o.flag, "r")
  local post
  if enc ~= nil and enc ~= "utf8" and enc ~= "buffer" then
    post = function(buf) return buf:toString(enc) end
  end
  return go(cb, "read", openinfo(path), post, J.readfile, 3, path, flags,
    enc == "utf8")
end

local function write_file(cb, path, data, options, flag)
  local o = V.options(options)
  path = V.pathOrFd(path)
  data = V.data(data, o.encoding)
  local flags = V.flags(o.flag, flag)
  local mode = V.mode(o.mode, "mode", 438)
  return go(cb, "write", openinfo(path), nil, J.writefile, 4, path, data,
    flags, mode)
end

function M.writeFile(cb, path, data, options)
  return write_file(cb, path, data, options, "w")
end

function M.appendFile(cb, path, data, options)
  return write_file(cb, path, data, options, "a")
end

return M
