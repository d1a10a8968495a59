-- Argument checks and conversions shared by the fs modules, with Node's
-- codes and texts (STYLE.md rule 13): paths, descriptors, open flags,
-- modes, options tables, encodings, data and times. Each check raises
-- the Error that errors.lua builds, or returns the normalised value.
local errors = require "lode.internal.errors"
local K = require("lode.binding.fs").constants

local M = {}

local Buffer
local function buffer_class()
  Buffer = Buffer or require("lode.buffer").Buffer
  return Buffer
end

M.Buffer = buffer_class

function M.isBuffer(v)
  return type(v) == "userdata" and buffer_class().isBuffer(v)
end

local function raise(err) error(err, 0) end
M.raise = raise

-- ERR_INVALID_ARG_TYPE with Node's wording when the expectation is not
-- "of type X" ('must be an instance of ...', 'must be one of type ...').
function M.argType(name, expected, v)
  if expected:find("^of ") then
    return errors.invalidArgType(name, expected, v)
  end
  return errors.new(errors.TypeError, "ERR_INVALID_ARG_TYPE",
    ('The "%s" argument must be %s. %s'):format(name, expected,
      errors.describe(v)))
end

-- A path: a string or a Buffer (its bytes), without NUL bytes.
function M.path(v, name)
  name = name or "path"
  if type(v) ~= "string" then
    if not M.isBuffer(v) then
      raise(errors.invalidArgType(name,
        "of type string or an instance of Buffer or URL", v))
    end
    v = v:toString()
  end
  if v:find("\0", 1, true) then
    raise(errors.invalidArgValue(name, (v:gsub("%z", "\\x00")),
      "must be a string, Uint8Array, or URL without null bytes"))
  end
  return v
end

function M.fd(v, name)
  return errors.checkInteger(v, name or "fd", 0, 2147483647)
end

-- A descriptor (a number) or a path.
function M.pathOrFd(v, name)
  if type(v) == "number" then return M.fd(v, "fd") end
  return M.path(v, name)
end

-- An integer option: nil gives def; else a number within [min, max].
function M.int(v, name, def, min, max)
  if v == nil then return def end
  return errors.checkInteger(v, name, min, max)
end

function M.bool(v, name, def)
  if v == nil then return def end
  if type(v) ~= "boolean" then
    raise(errors.invalidArgType(name, "boolean", v))
  end
  return v
end

local O = K
local FLAGS = {
  r = O.O_RDONLY, rs = O.O_RDONLY | O.O_SYNC, sr = O.O_RDONLY | O.O_SYNC,
  ["r+"] = O.O_RDWR, ["rs+"] = O.O_RDWR | O.O_SYNC,
  ["sr+"] = O.O_RDWR | O.O_SYNC,
  w = O.O_TRUNC | O.O_CREAT | O.O_WRONLY,
  wx = O.O_TRUNC | O.O_CREAT | O.O_WRONLY | O.O_EXCL,
  ["w+"] = O.O_TRUNC | O.O_CREAT | O.O_RDWR,
  ["wx+"] = O.O_TRUNC | O.O_CREAT | O.O_RDWR | O.O_EXCL,
  a = O.O_APPEND | O.O_CREAT | O.O_WRONLY,
  ax = O.O_APPEND | O.O_CREAT | O.O_WRONLY | O.O_EXCL,
  as = O.O_APPEND | O.O_CREAT | O.O_WRONLY | O.O_SYNC,
  ["a+"] = O.O_APPEND | O.O_CREAT | O.O_RDWR,
  ["ax+"] = O.O_APPEND | O.O_CREAT | O.O_RDWR | O.O_EXCL,
  ["as+"] = O.O_APPEND | O.O_CREAT | O.O_RDWR | O.O_SYNC,
}
FLAGS.xw, FLAGS["xw+"], FLAGS.xa, FLAGS["xa+"] =
  FLAGS.wx, FLAGS["wx+"], FLAGS.ax, FLAGS["ax+"]
FLAGS.sa, FLAGS["sa+"] = FLAGS.as, FLAGS["as+"]

-- Open flags: Node's strings ('r', 'w+', 'ax', ...) or an integer.
function M.flags(v, def, name)
  if v == nil then v = def end
  if math.type(v) == "integer" then return v end
  local f = FLAGS[v]
  if f == nil then
    if type(v) == "number" and v % 1 == 0 then return math.tointeger(v) end
    raise(errors.invalidArgValue(name or "flags", v))
  end
  return f
end

-- A file mode: a 32-bit unsigned integer or an octal string ('755').
-- nil gives def; without a def the mode is required.
function M.mode(v, name, def)
  name = name or "mode"
  if v == nil and def ~= nil then return def end
  if type(v) == "string" then
    if not v:find("^[0-7]+$") then
      raise(errors.invalidArgValue(name, v,
        "must be a 32-bit unsigned integer or an octal string"))
    end
    v = tonumber(v, 8)
  end
  if type(v) ~= "number" then
    raise(errors.invalidArgType(name, "number", v))
  end
  return errors.checkInteger(v, name, 0, 4294967295)
end

local ENCODINGS = {
  utf8 = "utf8", ["utf-8"] = "utf8", hex = "hex", base64 = "base64",
  base64url = "base64url", latin1 = "latin1", binary = "latin1",
  ascii = "ascii", utf16le = "utf16le", ["utf-16le"] = "utf16le",
  ucs2 = "utf16le", ["ucs-2"] = "utf16le", buffer = "buffer",
}

-- A known encoding name, normalised ('UTF-8' -> 'utf8'); nil stays nil.
function M.encoding(v, name)
  if v == nil then return nil end
  local e = type(v) == "string" and ENCODINGS[v:lower()]
  if not e then
    raise(errors.invalidArgValue(name or "encoding", v, "is invalid encoding"))
  end
  return e
end

local EMPTY = setmetatable({}, { __newindex = function()
  error("fs: options are read-only", 2)
end })

-- Node's getOptions: nil -> {}, a string -> { encoding = it }, a table as
-- is (never modified); anything else raises. The encoding is checked.
function M.options(v)
  local t = type(v)
  if v == nil then return EMPTY end
  if t == "string" then return { encoding = M.encoding(v) } end
  if t ~= "table" then
    raise(M.argType("options", "one of type string or object", v))
  end
  M.encoding(v.encoding)
  return v
end

-- Data to write: a string or a Buffer; a string with an encoding other
-- than utf8 becomes the Buffer of its bytes.
function M.data(v, encoding, name)
  if type(v) == "string" then
    encoding = M.encoding(encoding)
    if encoding and encoding ~= "utf8" and encoding ~= "buffer" then
      return buffer_class().from(v, encoding)
    end
    return v
  end
  if M.isBuffer(v) then return v end
  raise(errors.invalidArgType(name or "data",
    "of type string or an instance of Buffer, TypedArray, or DataView", v))
end

-- Bytes as the caller asked: a Buffer for nil or 'buffer', else a string.
function M.decode(v, encoding)
  if encoding == nil or encoding == "buffer" then
    if type(v) == "string" then return buffer_class().from(v) end
    return v
  end
  if encoding == "utf8" and type(v) == "string" then return v end
  if type(v) == "string" then v = buffer_class().from(v) end
  return v:toString(encoding)
end

-- A time for utimes: seconds (number or numeric string) or a Date-like
-- table with `ms` (as Stats gives) or getTime().
function M.time(v, name)
  local t = type(v)
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return os.time() end
    return v
  end
  if t == "string" and tonumber(v) then return tonumber(v) end
  if t == "table" then
    if type(v.ms) == "number" then return v.ms / 1000 end
    if type(v.getTime) == "function" then return v:getTime() / 1000 end
  end
  raise(errors.invalidArgType(name or "time",
    "of type number or an instance of Date", v))
end

function M.callback(cb)
  if type(cb) ~= "function" then
    raise(errors.invalidArgType("cb", "function", cb))
  end
  return cb
end

return M
