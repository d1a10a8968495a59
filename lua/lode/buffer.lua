-- lode.buffer: Node's buffer module (API.md 4 "buffer", 5 "Text").
-- The bytes, the text codecs and the hot paths (Buffer.from(string),
-- buf:toString(enc), buf[i], #buf, number reads and writes, slice, copy)
-- are C in lode.binding.buffer. This file adds the Buffer class functions,
-- the methods whose argument juggling is easier in Lua, and the Error
-- texts: C raises through make_error below (STYLE.md rule 6).
--
-- Deviations from Node, by design: Lua strings are UTF-8 text for the
-- text encodings, and a byte that is no valid UTF-8 stands for itself
-- when a string is encoded as latin1/ascii/utf16le; Big(U)Int64 values
-- are Lua integers, so readBigUInt64* gives values above 2^63-1 as
-- negative integers and writeBigUInt64* takes any Lua integer (its 64
-- bits); list positions (Buffer.concat) are 1-based Lua indices.
local binding = require "lode.binding.buffer"
local errors = require "lode.internal.errors"

local type, tonumber, tostring, getmetatable = type, tonumber, tostring,
  getmetatable
local floor, mtype = math.floor, math.type
local from, from_array, alloc = binding.from, binding.from_array,
  binding.alloc
local find, fill, concat = binding.find, binding.fill, binding.concat
local byte_length = binding.byte_length
local MT, methods = binding.metatable, binding.methods
local MAX_LENGTH = binding.MAX_LENGTH          -- 2^32, as Node 20
local MAX_STRING_LENGTH = (1 << 29) - 24       -- V8's, as Node 20
local TypeError, RangeError = errors.TypeError, errors.RangeError

local ENCODINGS = { utf8 = true, ["utf-8"] = true, hex = true,
  base64 = true, base64url = true, latin1 = true, binary = true,
  ascii = true, utf16le = true, ["utf-16le"] = true, ucs2 = true,
  ["ucs-2"] = true }

-- A number as Node shows it in messages: NaN, 3 for 3.0, 4_294_967_296.
local function shown(v)
  if type(v) ~= "number" then return v end
  if v ~= v then return "NaN" end
  local i = math.tointeger(v)
  if i == nil then return v end
  if i > -(1 << 32) and i < 1 << 32 then return i end
  local s = tostring(i):reverse():gsub("(%d%d%d)", "%1_"):reverse()
  return (s:gsub("^(%-?)_", "%1"))
end

-- Node's range text for an integer write: what is "u4", "i6", "bu8"...
local function int_range(what)
  local big, kind, n = what:match("^(b?)([ui])(%d)$")
  local bits = tonumber(n) * 8
  if big == "b" then
    return kind == "u" and ">= 0n and < 2n ** 64n"
      or ">= -(2n ** 63n) and < 2n ** 63n"
  elseif bits <= 32 then
    if kind == "u" then return (">= 0 and <= %d"):format((1 << bits) - 1) end
    return (">= %d and <= %d"):format(-(1 << (bits - 1)),
      (1 << (bits - 1)) - 1)
  elseif kind == "u" then
    return (">= 0 and < 2 ** %d"):format(bits)
  end
  return (">= -(2 ** %d) and < 2 ** %d"):format(bits - 1, bits - 1)
end

local function instance_error(name, what, value)
  return errors.new(TypeError, "ERR_INVALID_ARG_TYPE",
    ('The "%s" argument must be %s. %s'):format(name, what,
      errors.describe(value)))
end

-- The constructor the C side calls (kind, name, what, value) and raises.
local function make_error(kind, name, what, value)
  if kind == "type" then
    if what:find("^an instance") then
      return instance_error(name, what, value)
    end
    return errors.invalidArgType(name, what, value)
  elseif kind == "range" then
    return errors.outOfRange(name, what, shown(value))
  elseif kind == "int" then
    return errors.outOfRange(name, int_range(what), shown(value))
  elseif kind == "bounds" then
    return errors.new(RangeError, "ERR_BUFFER_OUT_OF_BOUNDS",
      "Attempt to access memory outside buffer bounds")
  elseif kind == "encoding" then
    return errors.new(TypeError, "ERR_UNKNOWN_ENCODING",
      "Unknown encoding: " .. tostring(value))
  elseif kind == "size" then
    return errors.new(RangeError, "ERR_INVALID_BUFFER_SIZE",
      "Buffer size must be a multiple of " .. what .. "-bits")
  end
  return errors.new(errors.Error, "ERR_INTERNAL_ASSERTION", tostring(what))
end

local function raise(err) error(err, 0) end

local function is_buffer(v) return getmetatable(v) == MT end

local function is_encoding(enc)
  return type(enc) == "string" and ENCODINGS[enc:lower()] == true
end

-- Node's normalizeEncoding check: nil is utf8; else a known name.
local function check_encoding(enc)
  if enc == nil or enc == "" or is_encoding(enc) then return enc end
  if type(enc) ~= "string" then
    raise(errors.invalidArgType("encoding", "string", enc))
  end
  raise(make_error("encoding", nil, nil, enc))
end

local function check_size(size)
  if type(size) ~= "number" then
    raise(errors.invalidArgType("size", "number", size))
  end
  if not (size >= 0 and size <= MAX_LENGTH) then      -- NaN fails too
    raise(errors.outOfRange("size", ">= 0 && <= " .. MAX_LENGTH,
      shown(size)))
  end
  return floor(size)
end

local Buffer = {}
Buffer.prototype = methods
Buffer.poolSize = 8192

-- Buffer.from for values that are neither strings nor Buffers (those
-- are C's): a sequence of bytes or {type = 'Buffer', data = {...}}.
local function from_other(value)
  if type(value) == "table" then
    if value.type == "Buffer" and type(value.data) == "table" then
      value = value.data
    end
    return from_array(value)
  end
  raise(errors.new(TypeError, "ERR_INVALID_ARG_TYPE",
    "The first argument must be of type string or an instance of " ..
    "Buffer, ArrayBuffer, or Array or an Array-like Object. " ..
    errors.describe(value)))
end
binding.init(make_error, from_other)

--- Buffer.from(string, enc) | (Buffer) | (sequence of bytes) |
-- ({type = 'Buffer', data = {...}}) -> a new Buffer (a copy).
Buffer.from = from
function Buffer.of(...) return from_array({ ... }) end

-- value, offset and finish are checked; value is a byte value, string
-- (in enc), Buffer or boolean. Node's _fill after its argument shuffle.
local function fill_with(buf, value, s, e, enc)
  local t, v = type(value), value
  if t == "string" then
    enc = check_encoding(enc)
    if value == "" then v = 0
    elseif enc ~= nil and enc ~= "" then v = from(value, enc) end
  elseif t == "boolean" then
    v = value and 1 or 0
  elseif t ~= "number" and not is_buffer(value) then
    raise(errors.invalidArgType("value",
      "of type string or number or an instance of Buffer", value))
  end
  if fill(buf, v, s, e) == false then
    raise(errors.invalidArgValue("value", value))
  end
  return buf
end

function Buffer.alloc(size, value, enc)
  size = check_size(size)
  if value ~= nil and value ~= 0 and size > 0 then
    return fill_with(alloc(size, false), value, 0, size, enc)
  end
  return alloc(size, true)
end

function Buffer.allocUnsafe(size) return alloc(check_size(size), false) end
Buffer.allocUnsafeSlow = Buffer.allocUnsafe

--- Memory that worker threads share instead of copying (zero-filled).
function Buffer.allocShared(size)
  return binding.alloc_shared(check_size(size))
end

--- Deprecated Buffer(n) / Buffer(value, enc), as Node's.
function Buffer.new(value, ...)
  if type(value) == "number" then return Buffer.alloc(value) end
  return Buffer.from(value, ...)
end

function Buffer.isBuffer(v) return is_buffer(v) end
Buffer.isEncoding = is_encoding

function Buffer.byteLength(value, enc)
  if type(value) == "string" then return byte_length(value, enc) end
  if is_buffer(value) then return #value end
  raise(errors.invalidArgType("string",
    "of type string or an instance of Buffer", value))
end

--- Buffer.concat(list, totalLength): strings count as their bytes.
function Buffer.concat(list, total)
  if type(list) ~= "table" then
    raise(errors.invalidArgType("list", "table", list))
  end
  if list[1] == nil then return alloc(0, false) end     -- as Node
  if total ~= nil then
    total = errors.checkInteger(total, "length", 0, MAX_LENGTH)
  end
  local buf, bad = concat(list, total)
  if buf == nil then
    raise(errors.invalidArgType(("list[%d]"):format(bad),
      "of type string or an instance of Buffer", list[bad]))
  end
  return buf
end

function Buffer.compare(a, b)
  if not is_buffer(a) then
    raise(instance_error("buf1", "an instance of Buffer", a))
  end
  if not is_buffer(b) then
    raise(instance_error("buf2", "an instance of Buffer", b))
  end
  return a:compare(b)
end

-- Methods added to the C methods table (see lode.binding.buffer).

function methods:equals(other)
  if type(other) ~= "string" and not is_buffer(other) then
    raise(instance_error("otherBuffer", "an instance of Buffer", other))
  end
  return self:compare(other) == 0
end

--- buf:fill(value, offset, finish, enc) / (value, enc) / (value, offset,
-- enc), as Node's; returns buf.
function methods:fill(value, offset, finish, enc)
  local n = #self
  if type(value) == "string" then
    if offset == nil or type(offset) == "string" then
      enc, offset, finish = offset, 0, n
    elseif type(finish) == "string" then
      enc, finish = finish, n
    end
  end
  if offset == nil then
    offset, finish = 0, n
  else
    offset = errors.checkInteger(offset, "offset", 0, MAX_LENGTH)
    finish = finish == nil and n or errors.checkInteger(finish, "end", 0, n)
    if offset >= finish then return self end
  end
  return fill_with(self, value, offset, finish, enc)
end

-- Node's bidirectionalIndexOf: value is a string (in enc), a Buffer or
-- a byte value; a string offset is the encoding.
local function index_of(buf, value, offset, enc, forward)
  if type(offset) == "string" then enc, offset = offset, nil end
  offset = tonumber(offset)
  if offset == nil or offset ~= offset then
    offset = forward and 0 or #buf
  elseif offset > 0x7fffffff then
    offset = 0x7fffffff
  elseif offset < -0x80000000 then
    offset = -0x80000000
  elseif mtype(offset) == "float" then   -- truncated, as IntegerValue
    offset = offset < 0 and -floor(-offset) or floor(offset)
  end
  local t = type(value)
  if t == "string" then
    if enc ~= nil then
      if not is_encoding(enc) then
        raise(make_error("encoding", nil, nil, enc))
      end
      value = from(value, enc)
    end
  elseif t ~= "number" and not is_buffer(value) then
    raise(errors.invalidArgType("value",
      "of type number or string or an instance of Buffer", value))
  end
  return find(buf, value, offset, forward)
end

function methods:indexOf(value, offset, enc)
  return index_of(self, value, offset, enc, true)
end

function methods:lastIndexOf(value, offset, enc)
  return index_of(self, value, offset, enc, false)
end

function methods:includes(value, offset, enc)
  return index_of(self, value, offset, enc, true) ~= -1
end

function methods:toJSON()
  local data = {}
  for i = 0, #self - 1 do data[i + 1] = self[i] end
  return { type = "Buffer", data = data }
end

-- Generic-for iterators with 0-based keys:
-- for i, byte in buf:entries() do ... end
function methods:values()
  local i, n = -1, #self
  return function()
    i = i + 1
    if i < n then return self[i] end
  end
end

function methods:keys()
  local i, n = -1, #self
  return function()
    i = i + 1
    if i < n then return i end
  end
end

function methods:entries()
  local i, n = -1, #self
  return function()
    i = i + 1
    if i < n then return i, self[i] end
  end
end

local M = {
  Buffer = Buffer,
  INSPECT_MAX_BYTES = 50,
  kMaxLength = MAX_LENGTH,
  kStringMaxLength = MAX_STRING_LENGTH,
  constants = { MAX_LENGTH = MAX_LENGTH,
    MAX_STRING_LENGTH = MAX_STRING_LENGTH },
}

--- What util.inspect and console.log show: <Buffer 68 65 6c 6c 6f>, at
-- most buffer.INSPECT_MAX_BYTES bytes, then "... N more bytes".
function methods:inspect()
  local n, max = #self, M.INSPECT_MAX_BYTES
  local count = n < max and n or max
  local s = self:toString("hex", 0, count):gsub("..", " %0")
  if n > count then
    s = s .. (" ... %d more byte%s"):format(n - count,
      n - count > 1 and "s" or "")
  end
  return "<Buffer" .. (s == "" and " " or s) .. ">"
end

local function bytes_of(input, name)
  if type(input) == "string" then return input end
  if is_buffer(input) then return input .. "" end
  raise(instance_error(name, "an instance of Buffer", input))
end

--- buffer.isUtf8(input) / isAscii(input), as Node 20.
function M.isUtf8(input) return utf8.len(bytes_of(input, "input")) ~= nil end

function M.isAscii(input)
  return bytes_of(input, "input"):find("[\128-\255]") == nil
end

return M
