-- lode.crypto.hash: createHash, createHmac, crypto.hash, timingSafeEqual
-- and getHashes (API.md 4 "crypto"). The objects are made in C
-- (bindings/crypto_hash.c): a table { [1] = state } whose metatable is
-- the class below, which holds the C update/digest/copy directly, so the
-- small-message path (createHash(alg):update(s):digest('hex')) never runs
-- Lua code of ours. The classes are Transforms whose stream state is
-- created on first stream use (API.md 5: "state is created on first
-- use"), like Node's LazyTransform: written data is hashed, and the
-- digest is pushed when the writable side finishes.
local binding = require("lode.crypto.sym").init(
  require "lode.binding.crypto_hash")
local Transform = require("lode.stream").Transform
local errors = require "lode.internal.errors"
local sym = require "lode.crypto.sym"

local rawget, pcall = rawget, pcall

local M = {}

-- Stream options given to createHash(alg, options) apply when the object
-- is first used as a stream.
local function streamInit(self, opts)
  return Transform._streamInit(self, opts or rawget(self, "_options"))
end

local function transform(self, chunk, encoding, callback)
  local ok, err = pcall(self.update, self, chunk, encoding)
  if ok then callback() else callback(err) end
end

local function flush(self, callback)
  local ok, out = pcall(self.digest, self)
  if not ok then return callback(out) end
  self:push(out)
  callback()
end

local Hash = Transform:extend("Hash")
Hash.update, Hash.digest, Hash.copy = binding.update, binding.digest,
  binding.copy
Hash._streamInit, Hash._transform, Hash._flush = streamInit, transform,
  flush

local Hmac = Transform:extend("Hmac")
Hmac.update, Hmac.digest = binding.update, binding.digest
Hmac._streamInit, Hmac._transform, Hmac._flush = streamInit, transform,
  flush

binding.classes(Hash, Hmac)
M.Hash, M.Hmac = Hash, Hmac

--- createHash(algorithm, options) -> Hash (C: checks its arguments).
M.createHash = binding.new

--- createHmac(algorithm, key, options) -> Hmac.
M.createHmac = binding.hmac

--- hash(algorithm, data, outputEncoding = 'hex'): one-shot digest;
-- 'buffer' gives a Buffer.
M.hash = binding.hash

local function checkBuf(v, i)
  if type(v) ~= "string" and not sym.isBuffer(v) then
    error(errors.new(errors.TypeError, "ERR_INVALID_ARG_TYPE",   -- as Node:
      ('The "buf%d" argument must be an instance of ArrayBuffer, ' ..
       "Buffer, TypedArray, or DataView."):format(i)), 0)  -- no "Received"
  end
end

--- timingSafeEqual(a, b): Buffers of one length, compared in constant
-- time. Strings are accepted too (API.md: wherever a Buffer is).
function M.timingSafeEqual(a, b)
  checkBuf(a, 1)
  checkBuf(b, 2)
  if #a ~= #b then
    error(errors.new(errors.RangeError, "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH",
      "Input buffers must have the same byte length"), 0)
  end
  return binding.timing_safe_equal(a, b)
end

--- getHashes(): the digest names createHash knows.
function M.getHashes()
  return binding.names()
end

return M
