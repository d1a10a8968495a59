-- lode.crypto.random: randomBytes, randomFillSync, randomFill, randomInt,
-- randomUUID and getRandomValues (API.md 4 "crypto"), on the CTR-DRBG of
-- bindings/crypto_random.c: one generator per Lua state, seeded from the
-- OS on first use; callback forms run on the thread pool with a
-- generator of their own.
--
-- As in Node, randomBytes, randomInt and randomFill without a callback
-- are synchronous (randomBytes/randomInt return their result; randomFill
-- requires its callback): the exceptions to API.md's Promise rule that
-- Node itself makes. Offsets are 0-based byte offsets, as Buffer's.
local binding = require "lode.binding.crypto_random"
local errors = require "lode.internal.errors"
local Buffer = require("lode.buffer").Buffer
local loop = require "lode.internal.loop"

local type, error, floor, tointeger, mtype = type, error, math.floor,
  math.tointeger, math.type
local bytes, fill, uuid, int = binding.bytes, binding.fill, binding.uuid,
  binding.int
local fill_async = binding.fill_async
local isBuffer = Buffer.isBuffer
local TypeError, RangeError = errors.TypeError, errors.RangeError

local M = {}

local MAX_SIZE = 2147483647                   -- Node's kMaxInt32
local RAND_MAX = 281474976710655              -- 2^48 - 1
local SAFE = 9007199254740991                 -- Number.MAX_SAFE_INTEGER

local function notBuffer(v)
  return errors.new(TypeError, "ERR_INVALID_ARG_TYPE",
    ('The "buf" argument must be an instance of ArrayBuffer or ' ..
     'ArrayBufferView. %s'):format(errors.describe(v)))
end

-- A number as Node prints it in messages (1_000_000_000_000 style above
-- 2^32, NaN, integers without ".0").
local function shown(v)
  if type(v) ~= "number" then return tostring(v) end
  if v ~= v then return "NaN" end
  local i = tointeger(v)
  if i == nil then return tostring(v) end
  if i > -(1 << 32) and i < 1 << 32 then return tostring(i) end
  local s = tostring(i):reverse():gsub("(%d%d%d)", "%1_"):reverse()
  return (s:gsub("^(%-?)_", "%1"))
end

local function raise(err) error(err, 3) end

-- The generator failed (the OS gave no entropy): Node has no code for
-- this; ours names the operation.
local function failed(msg, code)
  local err = errors.new(errors.Error, "ERR_CRYPTO_OPERATION_FAILED",
    "Random generator failed: " .. tostring(msg))
  err.mbedtlsCode = code
  return err
end

local function checkCallback(cb)
  if type(cb) ~= "function" then
    raise(errors.invalidArgType("callback", "function", cb))
  end
end

-- Node's assertSize/validateNumber: a number in [0, max], floored.
local function checkSize(v, name, max)
  if type(v) ~= "number" then
    raise(errors.invalidArgType(name, "number", v))
  end
  if v ~= v or v < 0 or v > max then
    raise(errors.outOfRange(name, (">= 0 && <= %d"):format(max), shown(v)))
  end
  return tointeger(floor(v))
end

-- buf, offset, size as Node's randomFill(Sync) check them.
local function fillArgs(buf, offset, size)
  if not isBuffer(buf) then
    raise(notBuffer(buf))
  end
  local len = #buf
  offset = offset == nil and 0 or checkSize(offset, "offset", len)
  if size == nil then return offset, len - offset end
  size = checkSize(size, "size", MAX_SIZE)
  if size + offset > len then
    raise(errors.outOfRange("size + offset", "<= " .. len, size + offset))
  end
  return offset, size
end

--- randomBytes(size[, callback]) -> Buffer (no callback: synchronous),
-- else callback(err, buf) from the thread pool.
function M.randomBytes(size, callback)
  if type(size) ~= "number" or size < 0 or size > MAX_SIZE
    or size % 1 ~= 0 then
    size = checkSize(size, "size", MAX_SIZE)
  end
  if callback == nil then
    local buf, msg, code = bytes(size)
    if buf == nil then raise(failed(msg, code)) end
    return buf
  end
  checkCallback(callback)
  local buf = Buffer.allocUnsafe(size)
  local ok, msg = fill_async(buf, 0, size, function(emsg, code)
    if emsg ~= nil then return callback(failed(emsg, code)) end
    callback(nil, buf)
  end)
  if not ok then raise(failed(msg)) end
end

--- randomFillSync(buf[, offset[, size]]) -> buf
function M.randomFillSync(buf, offset, size)
  offset, size = fillArgs(buf, offset, size)
  local out, msg, code = fill(buf, offset, size)
  if out == nil then raise(failed(msg, code)) end
  return buf
end

--- randomFill(buf[, offset[, size]], callback): callback(err, buf) from
-- the thread pool.
function M.randomFill(buf, offset, size, callback)
  if type(offset) == "function" then
    offset, size, callback = nil, nil, offset
  elseif type(size) == "function" then
    size, callback = nil, size
  end
  if not isBuffer(buf) then
    raise(notBuffer(buf))
  end
  checkCallback(callback)
  offset, size = fillArgs(buf, offset, size)
  local ok, msg = fill_async(buf, offset, size, function(emsg, code)
    if emsg ~= nil then return callback(failed(emsg, code)) end
    callback(nil, buf)
  end)
  if not ok then raise(failed(msg)) end
end

local function safeInteger(v, name)
  if type(v) ~= "number" or v % 1 ~= 0 or v > SAFE or v < -SAFE then
    local what = type(v) == "number" and
      ("Received type number (%s)"):format(shown(v)) or errors.describe(v)
    raise(errors.new(TypeError, "ERR_INVALID_ARG_TYPE",
      ('The "%s" argument must be a safe integer. %s'):format(name, what)))
  end
  return tointeger(v)
end

--- randomInt([min, ]max[, callback]) -> an integer in [min, max), uniform
-- (rejection sampling, no modulo bias); with a callback, it gets
-- (nil, n) on the next tick.
function M.randomInt(min, max, callback)
  if callback == nil and mtype(min) == "integer" then   -- the common forms
    if max == nil then
      if min > 0 and min <= RAND_MAX then
        local n = int(0, min)
        if n ~= nil then return n end
      end
    elseif mtype(max) == "integer" and max > min and min >= -SAFE
      and max <= SAFE and max - min <= RAND_MAX then
      local n = int(min, max - min)
      if n ~= nil then return n end
    end
  end
  local noMin = max == nil or type(max) == "function"
  if noMin then min, max, callback = 0, min, max end
  if callback ~= nil then checkCallback(callback) end
  min = safeInteger(min, "min")
  max = safeInteger(max, "max")
  if max <= min then
    raise(errors.new(RangeError, "ERR_OUT_OF_RANGE",
      ('The value of "max" is out of range. It must be greater than the ' ..
       'value of "min" (%d). Received %d'):format(min, max)))
  end
  local range = max - min
  if range > RAND_MAX then
    raise(errors.outOfRange(noMin and "max" or "max - min",
      "<= " .. RAND_MAX, shown(range)))
  end
  local n, msg, code = int(min, range)
  if n == nil then
    local err = failed(msg, code)
    if callback == nil then raise(err) end
    return loop.nextTick(callback, err)
  end
  if callback == nil then return n end
  loop.nextTick(callback, nil, n)
end

--- randomUUID([options]) -> a version 4 UUID, lowercase. The
-- disableEntropyCache option is checked and accepted; the cache is
-- always used (it is wiped as it is consumed).
function M.randomUUID(options)
  if options ~= nil then
    if type(options) ~= "table" then
      raise(errors.invalidArgType("options", "object", options))
    end
    local d = options.disableEntropyCache
    if d ~= nil and type(d) ~= "boolean" then
      raise(errors.invalidArgType("options.disableEntropyCache", "boolean",
        d))
    end
  end
  local s, msg, code = uuid()
  if s == nil then raise(failed(msg, code)) end
  return s
end

--- getRandomValues(buf) -> buf, filled; at most 65536 bytes, as Web
-- Crypto (its DOMException names are the errors' names here).
function M.getRandomValues(buf)
  if not isBuffer(buf) then
    local err = errors.new(TypeError, 17,
      "The data argument must be an integer-type TypedArray")
    err.name = "TypeMismatchError"
    raise(err)
  end
  if #buf > 65536 then
    local err = errors.new(errors.Error, 22,
      "The requested length exceeds 65,536 bytes")
    err.name = "QuotaExceededError"
    raise(err)
  end
  local out, msg, code = fill(buf, 0, #buf)
  if out == nil then raise(failed(msg, code)) end
  return buf
end

return M
