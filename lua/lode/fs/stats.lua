-- fs.Stats, fs.Dirent and the Date-like values of Stats' time fields.
--
-- A Stats is the table the binding fills (dev, ino, mode, nlink, uid,
-- gid, rdev, size, blksize, blocks as integers; atimeMs, mtimeMs,
-- ctimeMs, birthtimeMs as float milliseconds) with this metatable. Its
-- atime/mtime/ctime/birthtime are made on first access: a small Date
-- table { ms = <float ms> } with getTime()/valueOf(), toISOString(),
-- tostring() in ISO form and comparisons (==, <, <=) by time.
local K = require("lode.binding.fs").constants

local M = {}

local S_IFMT = K.S_IFMT

--[[ Date ]]

local Date = {}
Date.__index = Date
Date.__name = "Date"

function Date.new(ms)
  return setmetatable({ ms = ms }, Date)
end

function Date:getTime() return self.ms end
Date.valueOf = Date.getTime

function Date:toISOString()
  local ms = math.floor(self.ms)
  local s = ms // 1000
  return os.date("!%Y-%m-%dT%H:%M:%S", s) .. (".%03dZ"):format(ms % 1000)
end
Date.__tostring = Date.toISOString
Date.__eq = function(a, b) return a.ms == b.ms end
Date.__lt = function(a, b) return a.ms < b.ms end
Date.__le = function(a, b) return a.ms <= b.ms end

M.Date = Date

--[[ Stats ]]

local Stats = {}
Stats.__name = "Stats"
local DATES = { atime = "atimeMs", mtime = "mtimeMs", ctime = "ctimeMs",
  birthtime = "birthtimeMs" }

Stats.__index = function(self, k)
  local field = DATES[k]
  if field == nil then return Stats[k] end
  local d = Date.new(rawget(self, field))
  rawset(self, k, d)
  return d
end

-- Gives the binding's table its class; returns it.
function Stats.from(t)
  return setmetatable(t, Stats)
end

local function kind(mode) return mode & S_IFMT end
function Stats:isFile() return kind(self.mode) == K.S_IFREG end
function Stats:isDirectory() return kind(self.mode) == K.S_IFDIR end
function Stats:isSymbolicLink() return kind(self.mode) == K.S_IFLNK end
function Stats:isFIFO() return kind(self.mode) == K.S_IFIFO end
function Stats:isSocket() return kind(self.mode) == K.S_IFSOCK end
function Stats:isBlockDevice() return kind(self.mode) == K.S_IFBLK end
function Stats:isCharacterDevice() return kind(self.mode) == K.S_IFCHR end

M.Stats = Stats

--[[ Dirent ]]

local Dirent = {}
Dirent.__index = Dirent
Dirent.__name = "Dirent"

-- name: the entry's name; t: its UV_DIRENT_* type; dir: the directory
-- it was read from (Node's parentPath and path).
function Dirent.new(name, t, dir)
  return setmetatable({ name = name, parentPath = dir, path = dir,
    _type = t }, Dirent)
end

function Dirent:isFile() return self._type == K.UV_DIRENT_FILE end
function Dirent:isDirectory() return self._type == K.UV_DIRENT_DIR end
function Dirent:isSymbolicLink() return self._type == K.UV_DIRENT_LINK end
function Dirent:isFIFO() return self._type == K.UV_DIRENT_FIFO end
function Dirent:isSocket() return self._type == K.UV_DIRENT_SOCKET end
function Dirent:isBlockDevice() return self._type == K.UV_DIRENT_BLOCK end
function Dirent:isCharacterDevice()
  return self._type == K.UV_DIRENT_CHAR
end

-- The UV_DIRENT_* type of a Stats (for entries scandir could not type).
function Dirent.typeOf(st)
  local k = kind(st.mode)
  if k == K.S_IFREG then return K.UV_DIRENT_FILE end
  if k == K.S_IFDIR then return K.UV_DIRENT_DIR end
  if k == K.S_IFLNK then return K.UV_DIRENT_LINK end
  if k == K.S_IFIFO then return K.UV_DIRENT_FIFO end
  if k == K.S_IFSOCK then return K.UV_DIRENT_SOCKET end
  if k == K.S_IFCHR then return K.UV_DIRENT_CHAR end
  if k == K.S_IFBLK then return K.UV_DIRENT_BLOCK end
  return K.UV_DIRENT_UNKNOWN
end

M.Dirent = Dirent
return M
