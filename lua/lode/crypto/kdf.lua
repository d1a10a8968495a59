-- lode.crypto.kdf: pbkdf2/pbkdf2Sync, hkdf/hkdfSync, scrypt/scryptSync
-- (API.md 4 "crypto"). Arguments are checked here with Node's codes and
-- texts; the derivation is C (bindings/crypto_kdf.c: Nettle for PBKDF2
-- and HKDF, libscrypt-kdf for scrypt), on the thread pool for the async
-- forms, which return a Promise when called without a callback (API.md's
-- one rule). Keys are Buffers (hkdfSync too, where Node gives an
-- ArrayBuffer).
local sym = require "lode.crypto.sym"
local binding = sym.init(require "lode.binding.crypto_kdf")
local errors = require "lode.internal.errors"
local dual = require "lode.internal.dual"

local type = type
local INT32_MAX = 0x7fffffff
local SAFE_MAX = (1 << 53) - 1

local M = {}

local function pbkdf2Args(password, salt, iterations, keylen, digest)
  sym.checkBytes(password, "password")
  sym.checkBytes(salt, "salt")
  iterations = errors.checkInteger(iterations, "iterations", 1, INT32_MAX)
  keylen = errors.checkInteger(keylen, "keylen", 0, INT32_MAX)
  errors.checkType(digest, "digest", "string")
  return password, salt, iterations, keylen, digest
end

--- pbkdf2Sync(password, salt, iterations, keylen, digest) -> Buffer
function M.pbkdf2Sync(...)
  local p, s, i, k, d = pbkdf2Args(...)
  return binding.pbkdf2(p, s, i, k, d)
end

--- pbkdf2(password, salt, iterations, keylen, digest, cb(err, key))
M.pbkdf2 = dual.wrap(function(password, salt, iterations, keylen, digest,
                              cb)
  errors.checkFunction(cb, "callback")
  local p, s, i, k, d = pbkdf2Args(password, salt, iterations, keylen,
    digest)
  binding.pbkdf2(p, s, i, k, d, cb)
end)

local function hkdfArgs(digest, ikm, salt, info, keylen)
  errors.checkType(digest, "digest", "string")
  sym.checkBytes(ikm, "ikm", sym.KEY)
  sym.checkBytes(salt, "salt")
  sym.checkBytes(info, "info")
  keylen = errors.checkInteger(keylen, "keylen", 0, INT32_MAX)
  if #info > 1024 then
    error(errors.outOfRange("info", "must not contain more than 1024 bytes",
      #info), 0)
  end
  return digest, ikm, salt, info, keylen
end

--- hkdfSync(digest, ikm, salt, info, keylen) -> Buffer
function M.hkdfSync(...)
  local d, k, s, i, n = hkdfArgs(...)
  return binding.hkdf(d, k, s, i, n)
end

--- hkdf(digest, ikm, salt, info, keylen, cb(err, key))
M.hkdf = dual.wrap(function(digest, ikm, salt, info, keylen, cb)
  errors.checkFunction(cb, "callback")
  local d, k, s, i, n = hkdfArgs(digest, ikm, salt, info, keylen)
  binding.hkdf(d, k, s, i, n, cb)
end)

-- Node's scrypt options: each parameter under one of two names.
local function scryptOption(options, a, b, default)
  local va, vb = options[a], options[b]
  if va ~= nil and vb ~= nil then
    error(errors.new(errors.Error, "ERR_CRYPTO_SCRYPT_INVALID_PARAMETER",
      "Invalid scrypt parameter"), 0)
  end
  local v = va ~= nil and va or vb
  if v == nil then return default end
  local name = va ~= nil and a or b
  errors.checkType(v, name, "number")
  return errors.checkInteger(v, name, 0, 0xffffffff)
end

local function scryptArgs(password, salt, keylen, options)
  sym.checkBytes(password, "password")
  sym.checkBytes(salt, "salt")
  keylen = errors.checkInteger(keylen, "keylen", 0, INT32_MAX)
  local N, r, p, maxmem = 16384, 8, 1, 32 << 20
  if options ~= nil then
    errors.checkType(options, "options", "table")
    N = scryptOption(options, "N", "cost", N)
    r = scryptOption(options, "r", "blockSize", r)
    p = scryptOption(options, "p", "parallelization", p)
    if options.maxmem ~= nil then
      maxmem = errors.checkInteger(options.maxmem, "maxmem", 0, SAFE_MAX)
    end
    -- As Node: 0 stands for the default.
    if N == 0 then N = 16384 end
    if r == 0 then r = 8 end
    if p == 0 then p = 1 end
    if maxmem == 0 then maxmem = 32 << 20 end
  end
  return password, salt, keylen, N, r, p, maxmem
end

--- scryptSync(password, salt, keylen, options) -> Buffer. Options N
-- (cost), r (blockSize), p (parallelization), maxmem (32 MiB): their
-- limits are checked before libscrypt-kdf runs.
function M.scryptSync(password, salt, keylen, options)
  return binding.scrypt(scryptArgs(password, salt, keylen, options))
end

--- scrypt(password, salt, keylen, options, cb(err, key))
M.scrypt = dual.wrap(function(password, salt, keylen, options, cb)
  if type(options) == "function" and cb == nil then
    options, cb = nil, options
  end
  errors.checkFunction(cb, "callback")
  local a, b, c, d, e, f, g = scryptArgs(password, salt, keylen, options)
  binding.scrypt(a, b, c, d, e, f, g, cb)
end)

return M
