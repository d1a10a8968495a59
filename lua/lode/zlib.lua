-- require "lode.zlib": Node 20's zlib module (API.md section 4). The
-- Transform classes are in lode/zlib/stream.lua, option checks in
-- lode/zlib/options.lua, the engines in bindings/zlib.c (+ Brotli in
-- zlib_brotli.c). Streams compress on libuv's thread pool; the one-shot
-- forms gzip(buf[, opts], cb) & co. run one thread-pool write straight on
-- an engine (no stream in between) and return a Promise without a
-- callback (API.md's one rule); the Sync forms run inline.
local errors = require "lode.internal.errors"
local dual = require "lode.internal.dual"
local Buffer = require("lode.buffer").Buffer
local options = require "lode.zlib.options"
local zstream = require "lode.zlib.stream"
local binding = require "lode.binding.zlib"

local C = binding.constants
local M = {}

M.constants = C
M.codes = {}
for _, name in ipairs({ "Z_OK", "Z_STREAM_END", "Z_NEED_DICT", "Z_ERRNO",
  "Z_STREAM_ERROR", "Z_DATA_ERROR", "Z_MEM_ERROR", "Z_BUF_ERROR",
  "Z_VERSION_ERROR" }) do
  M.codes[name], M.codes[C[name]] = C[name], name
end
-- The deprecated copies on the module itself (zlib.Z_SYNC_FLUSH, ...).
for k, v in pairs(C) do
  if k:match("^Z_") or k == "ZLIB_VERNUM" then M[k] = v end
end

local function checkInput(buffer)
  if not options.isBytes(buffer) then
    error(errors.invalidArgType("buffer", "of type string or an instance of "
      .. "Buffer, TypedArray, DataView, or ArrayBuffer", buffer), 3)
  end
end

-- What the one-shot forms need from the options: an engine and the
-- finishing flush and size limit; with `info` a real (closed) stream
-- object is the `engine` of the result, as in Node.
local function setup(cls, opts)
  if opts ~= nil and type(opts) == "table" and opts.info then
    local s = cls.new(opts)
    return s._handle, s._finishFlushFlag, s._maxOutputLength, s
  end
  local cfg = (cls.MODE == C.BROTLI_ENCODE or cls.MODE == C.BROTLI_DECODE)
    and options.brotli(opts, cls.MODE) or options.zlib(opts, cls.MODE)
  return cfg.handle, cfg.finishFlush, cfg.maxOutputLength
end

-- The result of a one-shot write, or the error to raise/pass on.
local function finish(h, s, max, msg, out, consumed, more)
  h:close()
  if s ~= nil then s:destroy() end
  if msg ~= nil then return options.engineError(msg, out, consumed) end
  if more or (out ~= nil and #out > max) then return options.tooLarge(max) end
  out = out or Buffer.alloc(0)
  if s ~= nil then
    s.bytesWritten, s.bytesRead = consumed, consumed
    return nil, { buffer = out, engine = s }
  end
  return nil, out
end

-- Starts the one thread-pool write of a one-shot call.
local function start(h, flush, max, s, buffer, cb)
  h:write(flush, buffer, 0, max + 1, function(msg, a, b)
    if msg ~= nil then return cb(finish(h, s, max, msg, a, b)) end
    cb(finish(h, s, max, nil, h:take(), a, b))
  end)
end
local startPromise = dual.promise(start)

-- gzip(buffer[, opts][, cb]) & co.: arguments and options are checked at
-- the call; without a callback the result is a Promise.
local function oneShot(cls)
  return function(buffer, opts, cb)
    if type(opts) == "function" then opts, cb = nil, opts end
    checkInput(buffer)
    if cb ~= nil then errors.checkFunction(cb, "callback") end
    local h, flush, max, s = setup(cls, opts)
    if cb == nil then return startPromise(h, flush, max, s, buffer) end
    start(h, flush, max, s, buffer, cb)
  end
end

local function oneShotSync(cls)
  return function(buffer, opts)
    checkInput(buffer)
    local h, flush, max, s = setup(cls, opts)
    local msg, out, consumed, more = h:writeSync(flush, buffer, 0, max + 1)
    local err, res = finish(h, s, max, msg, out, consumed, more)
    if err ~= nil then error(err, 2) end
    return res
  end
end

local FORMATS = {
  { "deflate", "Deflate" }, { "inflate", "Inflate" }, { "gzip", "Gzip" },
  { "gunzip", "Gunzip" }, { "deflateRaw", "DeflateRaw" },
  { "inflateRaw", "InflateRaw" }, { "unzip", "Unzip" },
  { "brotliCompress", "BrotliCompress" },
  { "brotliDecompress", "BrotliDecompress" },
}
for _, f in ipairs(FORMATS) do
  local name, clsName = f[1], f[2]
  local cls = zstream[clsName]
  M[clsName] = cls
  M["create" .. clsName] = function(opts) return cls.new(opts) end
  M[name] = oneShot(cls)
  M[name .. "Sync"] = oneShotSync(cls)
end

-- crc32(data[, value]): CRC-32 of a string or Buffer, continuing from
-- value (Node 20.15).
function M.crc32(data, value)
  if not options.isBytes(data) then
    error(errors.invalidArgType("data", "of type string or an instance of "
      .. "Buffer, TypedArray, or DataView", data), 2)
  end
  if value ~= nil then value = errors.checkInteger(value, "value", 0,
    0xffffffff) end
  return binding.crc32(data, value)
end

return M
