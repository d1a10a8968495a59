-- lode.crypto.sym: what the symmetric crypto modules (hash, cipher, kdf)
-- share: the Error constructor their C bindings raise through (STYLE.md
-- rule 6: Error tables are built in Lua), and the argument checks that
-- use Node's texts. Not part of the API.
local errors = require "lode.internal.errors"
local bufbinding = require "lode.binding.buffer"

local type, tostring = type, tostring
local Error, TypeError, RangeError = errors.Error, errors.TypeError,
  errors.RangeError

local M = {}

M.BYTES = "of type string or an instance of Buffer, TypedArray, or DataView"
M.KEY = "of type string or an instance of ArrayBuffer, Buffer, " ..
  "TypedArray, DataView, KeyObject, or CryptoKey"
M.IV = "of type string or an instance of ArrayBuffer, Buffer, " ..
  "TypedArray, or DataView"

-- What each named argument must be, for ERR_INVALID_ARG_TYPE texts.
local EXPECTED = {
  data = M.BYTES, input = M.BYTES, buffer = M.BYTES, key = M.KEY,
  iv = M.IV, password = M.IV, salt = M.IV, info = M.IV,
  algorithm = "string", hmac = "string", cipher = "string",
  digest = "string", outputEncoding = "string",
}

local function coded(cls, code, message)
  return errors.new(cls, code, message)
end

-- OpenSSL's errors as Node shows them (reason and library included).
local function ossl(code, num, reason)
  local err = coded(Error, code,
    ("error:%s:Provider routines::%s"):format(num, reason))
  err.reason, err.library = reason, "Provider routines"
  return err
end

local KINDS = {
  this = function(detail)
    return coded(TypeError, "ERR_INVALID_THIS",
      ('Value of "this" must be of type %s'):format(detail))
  end,
  -- Node's createHash gives no code here; we give its createHmac one.
  digest = function()
    return coded(Error, "ERR_CRYPTO_INVALID_DIGEST",
      "Digest method not supported")
  end,
  hashfn = function(detail)
    return coded(Error, "ERR_CRYPTO_INVALID_DIGEST",
      ("Digest method %s is not supported"):format(detail))
  end,
  invaliddigest = function(detail)
    return coded(TypeError, "ERR_CRYPTO_INVALID_DIGEST",
      "Invalid digest: " .. detail)
  end,
  finalized = function()
    return coded(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called")
  end,
  encoding = function(_, value)
    return coded(TypeError, "ERR_INVALID_ARG_VALUE",
      ("The argument 'encoding' is invalid for data of length %d." ..
       " Received 'hex'"):format(#value))
  end,
  cipher = function()
    return coded(Error, "ERR_CRYPTO_UNKNOWN_CIPHER", "Unknown cipher")
  end,
  keylen = function()
    return coded(RangeError, "ERR_CRYPTO_INVALID_KEYLEN", "Invalid key length")
  end,
  iv = function()
    return coded(TypeError, "ERR_CRYPTO_INVALID_IV",
      "Invalid initialization vector")
  end,
  state = function(detail)
    return coded(Error, "ERR_CRYPTO_INVALID_STATE", detail
      and "Invalid state for operation " .. detail or "Invalid state")
  end,
  unsupported = function()
    return Error.new("Trying to add data in unsupported state")
  end,
  auth = function()
    return Error.new("Unsupported state or unable to authenticate data")
  end,
  baddecrypt = function()
    return ossl("ERR_OSSL_BAD_DECRYPT", "1C800064", "bad decrypt")
  end,
  finallen = function()
    return ossl("ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH", "1C80006B",
      "wrong final block length")
  end,
  taglen = function(detail)
    return coded(TypeError, "ERR_CRYPTO_INVALID_AUTH_TAG",
      "Invalid authentication tag length: " .. tostring(detail))
  end,
  -- Node's own check (N) gives no reason; OpenSSL's give its error.
  scrypt = function(detail)
    return coded(RangeError, "ERR_CRYPTO_INVALID_SCRYPT_PARAMS",
      detail and "Invalid scrypt params: error:030000AC:digital envelope "
      .. "routines::" .. detail or "Invalid scrypt params")
  end,
  memory = function()
    return coded(RangeError, "ERR_MEMORY_ALLOCATION_FAILED",
      "Failed to allocate memory")
  end,
}

-- The constructor the C side calls: make_error(kind, detail, value).
function M.makeError(kind, detail, value)
  if kind == "type" then
    return errors.invalidArgType(detail, EXPECTED[detail] or "string", value)
  end
  local f = KINDS[kind]
  if f then return f(detail, value) end
  return coded(Error, "ERR_INTERNAL_ASSERTION", tostring(kind))
end

-- Hands the constructor (and the buffer binding's unzeroed alloc) to a
-- crypto binding; returns the binding.
function M.init(binding)
  binding.init(M.makeError, bufbinding.alloc)
  return binding
end

function M.raise(kind, detail, value)
  error(M.makeError(kind, detail, value), 0)
end

local MT = bufbinding.metatable
local function isBuffer(v) return getmetatable(v) == MT end
M.isBuffer = isBuffer

-- Checks that v is a string or Buffer (ERR_INVALID_ARG_TYPE naming
-- 'name' otherwise); returns v.
function M.checkBytes(v, name, expected)
  if type(v) == "string" or isBuffer(v) then return v end
  error(errors.invalidArgType(name, expected or EXPECTED[name] or M.BYTES,
    v), 0)
end

-- An integer option or argument within [min, max] (Node's validateInt32
-- and validateUint32 texts).
function M.checkInt(v, name, min, max)
  return errors.checkInteger(v, name, min, max)
end

return M
