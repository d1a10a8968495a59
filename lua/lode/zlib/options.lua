-- Option parsing for lode.zlib (Node 20's checks, codes and texts): turns
-- the options of a Gzip, Inflate, BrotliCompress, ... into an engine from
-- lode.binding.zlib plus the settings the stream and the one-shot forms
-- share. Internal: lode.zlib.stream and lode.zlib use it.
local errors = require "lode.internal.errors"
local binding = require "lode.binding.zlib"
local Buffer = require("lode.buffer").Buffer

local C = binding.constants
local M = {}

local MAX_LENGTH = require("lode.buffer").kMaxLength

local function raise(err) error(err, 0) end

-- Node's checkRangesOrGetDefault: nil and NaN give the default; anything
-- else must be a finite number within [lower, upper].
local function range(v, name, lower, upper, default)
  if v == nil then return default end
  if type(v) ~= "number" then
    raise(errors.invalidArgType(name, "number", v))
  end
  if v ~= v then return default end
  if v == math.huge or v == -math.huge then
    raise(errors.outOfRange(name, "a finite number", v))
  end
  if v < lower or v > upper then
    raise(errors.outOfRange(name, (">= %s and <= %s"):format(lower, upper),
      v))
  end
  return math.tointeger(v) or math.floor(v)
end
M.range = range

local function isBytes(v)
  return type(v) == "string" or Buffer.isBuffer(v)
end
M.isBytes = isBytes

local function initFailed()
  return errors.new(errors.Error, "ERR_ZLIB_INITIALIZATION_FAILED",
    "Initialization failed")
end

-- The flush kinds of each family and the defaults of ZlibBase.
local ZLIB = { lower = C.Z_NO_FLUSH, upper = C.Z_BLOCK,
  flush = C.Z_NO_FLUSH, finishFlush = C.Z_FINISH, fullFlush = C.Z_FULL_FLUSH }
local BROTLI = { lower = C.BROTLI_OPERATION_PROCESS,
  upper = C.BROTLI_OPERATION_EMIT_METADATA,
  flush = C.BROTLI_OPERATION_PROCESS, finishFlush = C.BROTLI_OPERATION_FINISH,
  fullFlush = C.BROTLI_OPERATION_FLUSH }

-- ZlibBase's part: chunkSize, flush, finishFlush, maxOutputLength, info.
local function base(cfg, opts, fam)
  cfg.chunkSize, cfg.flush = C.Z_DEFAULT_CHUNK, fam.flush
  cfg.finishFlush, cfg.fullFlush = fam.finishFlush, fam.fullFlush
  cfg.maxOutputLength = MAX_LENGTH
  if opts == nil then return cfg end
  local cs = opts.chunkSize
  if cs ~= nil and cs == cs then
    if type(cs) ~= "number" then
      raise(errors.invalidArgType("options.chunkSize", "number", cs))
    end
    if cs < C.Z_MIN_CHUNK then
      raise(errors.outOfRange("options.chunkSize", ">= " .. C.Z_MIN_CHUNK,
        cs))
    end
    cfg.chunkSize = cs == math.huge and MAX_LENGTH
      or math.tointeger(cs) or math.floor(cs)
    cfg.chunkSizeSet = true
  end
  cfg.flush = range(opts.flush, "options.flush", fam.lower, fam.upper,
    fam.flush)
  cfg.finishFlush = range(opts.finishFlush, "options.finishFlush",
    fam.lower, fam.upper, fam.finishFlush)
  cfg.maxOutputLength = range(opts.maxOutputLength, "options.maxOutputLength",
    1, MAX_LENGTH, MAX_LENGTH)
  cfg.info = opts.info and true or false
  return cfg
end

local INFLATING = { [C.INFLATE] = true, [C.GUNZIP] = true,
  [C.UNZIP] = true }

-- Node's Zlib constructor: windowBits, level, memLevel, strategy,
-- dictionary; then the engine.
function M.zlib(opts, mode)
  if opts ~= nil and type(opts) ~= "table" then
    raise(errors.invalidArgType("options", "object", opts))
  end
  local o = opts or {}
  local wb = o.windowBits
  if (wb == nil or wb == 0) and INFLATING[mode] then
    wb = 0
  else
    if mode == C.DEFLATERAW and wb == 8 then wb = 9 end
    wb = range(wb, "options.windowBits",
      C.Z_MIN_WINDOWBITS + (mode == C.GZIP and 1 or 0), C.Z_MAX_WINDOWBITS,
      C.Z_DEFAULT_WINDOWBITS)
  end
  local level = range(o.level, "options.level", C.Z_MIN_LEVEL, C.Z_MAX_LEVEL,
    C.Z_DEFAULT_COMPRESSION)
  local memLevel = range(o.memLevel, "options.memLevel", C.Z_MIN_MEMLEVEL,
    C.Z_MAX_MEMLEVEL, C.Z_DEFAULT_MEMLEVEL)
  local strategy = range(o.strategy, "options.strategy",
    C.Z_DEFAULT_STRATEGY, C.Z_FIXED, C.Z_DEFAULT_STRATEGY)
  local dict = o.dictionary
  if dict ~= nil and not isBytes(dict) then
    raise(errors.new(errors.TypeError, "ERR_INVALID_ARG_TYPE",
      'The "options.dictionary" property must be an instance of Buffer, '
      .. "TypedArray, DataView, or ArrayBuffer. " .. errors.describe(dict)))
  end
  local cfg = base({ level = level, strategy = strategy }, opts, ZLIB)
  local h = binding.new(mode, wb, level, memLevel, strategy, dict)
  if h == nil then raise(initFailed()) end
  cfg.handle = h
  return cfg
end

local function brotliParams(params)
  if type(params) ~= "table" then
    raise(errors.invalidArgType("options.params", "object", params))
  end
  local out = {}
  for k, v in pairs(params) do
    local key = math.tointeger(tonumber(k))
    if key == nil or key < 0 or key > 8 or out[key] ~= nil then
      raise(errors.new(errors.RangeError, "ERR_BROTLI_INVALID_PARAM",
        ("%s is not a valid Brotli parameter"):format(tostring(k))))
    end
    if type(v) == "boolean" then
      v = v and 1 or 0
    elseif type(v) ~= "number" then
      raise(errors.invalidArgType("options.params[key]", "number", v))
    end
    -- Node stores the values in a Uint32Array.
    v = math.tointeger(v) or (v == v and math.abs(v) ~= math.huge
      and math.floor(v)) or 0
    out[key] = v & 0xffffffff
    if out[key] > 0x7fffffff then out[key] = out[key] - 0x100000000 end
  end
  return out
end

-- Node's Brotli constructor: params, then the engine.
function M.brotli(opts, mode)
  if opts ~= nil and type(opts) ~= "table" then
    raise(errors.invalidArgType("options", "object", opts))
  end
  local params = opts and opts.params ~= nil and brotliParams(opts.params)
    or nil
  local cfg = base({}, opts, BROTLI)
  local h = binding.new(mode, params)
  if h == nil then raise(initFailed()) end
  cfg.handle = h
  return cfg
end

-- The Error of a failed write: Node's message, errno and code.
function M.engineError(message, errno, code)
  local err = errors.new(errors.Error, code, message)
  err.errno = errno
  return err
end

function M.tooLarge(max)
  return errors.new(errors.RangeError, "ERR_BUFFER_TOO_LARGE",
    ("Cannot create a Buffer larger than %s bytes"):format(max))
end

M.MAX_LENGTH = MAX_LENGTH
return M
