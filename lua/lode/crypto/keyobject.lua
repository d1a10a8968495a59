-- lode.crypto.keyobject: KeyObject (public and private asymmetric keys,
-- on the key boxes of bindings/crypto_pk.c), Node's key-argument rules
-- (prepareAsymmetricKey, parseKeyEncoding) and the OpenSSL-style errors
-- that lode.crypto.keys and lode.crypto.sign raise. Not part of the API:
-- lode.crypto.keys re-exports what is.
--
-- Deviations from Node, by design or by mbedTLS 2.28: keys are RSA or
-- EC only (no rsa-pss, dsa, dh, ed25519/x25519 key types); a DER key's
-- `type` option is checked but the form is detected from the bytes; an
-- error decoding any key is ERR_OSSL_UNSUPPORTED (OpenSSL names the
-- exact ASN.1 fault); messages show nil where Node shows undefined.
local binding = require "lode.binding.crypto_pk"
local errors = require "lode.internal.errors"
local class = require "lode.internal.class"
local Buffer = require("lode.buffer").Buffer

local type, error, tostring = type, error, tostring
local isBuffer = Buffer.isBuffer
local Error, TypeError = errors.Error, errors.TypeError

local M = {}

M.KEY_TYPES = "of type string or an instance of ArrayBuffer, Buffer, " ..
  "TypedArray, DataView, KeyObject, or CryptoKey"
M.DATA_TYPES = "of type string or an instance of ArrayBuffer, Buffer, " ..
  "TypedArray, or DataView"

local function raise(err, level) error(err, level or 3) end

--[[ errors ]]

-- OpenSSL's errors as Node 20 shows them: code, text, library, reason.
local OSSL = {
  DECODE = { "ERR_OSSL_UNSUPPORTED", "1E08010C", "DECODER routines",
    "unsupported" },
  PASSWORD_REQUIRED = { "ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED",
    "07880109", "common libcrypto routines", "interrupted or cancelled" },
  BAD_DECRYPT = { "ERR_OSSL_BAD_DECRYPT", "1C800064", "Provider routines",
    "bad decrypt" },
  DATA_TOO_LARGE = { "ERR_OSSL_RSA_DATA_TOO_LARGE_FOR_KEY_SIZE", "0200006E",
    "rsa routines", "data too large for key size" },
  DIGEST_TOO_BIG = { "ERR_OSSL_RSA_DIGEST_TOO_BIG_FOR_RSA_KEY", "02000070",
    "rsa routines", "digest too big for rsa key" },
  SALT = { "ERR_OSSL_INVALID_SALT_LENGTH", "1C800070", "Provider routines",
    "invalid salt length" },
  PADDING = { "ERR_OSSL_ILLEGAL_OR_UNSUPPORTED_PADDING_MODE", "1C8000A5",
    "Provider routines", "illegal or unsupported padding mode" },
  NO_PADDING = { "ERR_OSSL_INVALID_PADDING_MODE", "1C8000A8",
    "Provider routines", "invalid padding mode" },
}

-- Node gives no code for these two (OpenSSL's text only); neither do we.
local UNCODED = {
  KEY_SIZE = "error:1C8000AB:Provider routines::key size too small",
  EXPONENT = "error:020000B2:rsa routines::pub exponent out of range",
}

-- The Error for a failure kind from the binding (see crypto_pk.h).
function M.failure(kind, detail)
  local o = OSSL[kind]
  if o then
    local err = errors.new(Error, o[1],
      ("error:%s:%s::%s"):format(o[2], o[3], o[4]))
    err.library, err.reason = o[3], o[4]
    return err
  elseif UNCODED[kind] then
    return Error.new(UNCODED[kind])
  elseif kind == "CIPHER" then
    return errors.new(Error, "ERR_CRYPTO_UNKNOWN_CIPHER", "Unknown cipher")
  end
  return errors.new(Error, "ERR_CRYPTO_OPERATION_FAILED",
    ("%s: %s"):format(kind == "RNG" and "Random generator failed"
      or "Operation failed", tostring(detail)))
end

-- A value as Node's ERR_INVALID_ARG_VALUE prints it.
local function shown(v)
  if type(v) == "string" then return ("'%s'"):format(v) end
  if type(v) == "table" and not isBuffer(v) then return "[table]" end
  return tostring(v)
end

-- ERR_INVALID_ARG_VALUE for an option ("property") or an argument.
function M.invalidValue(name, value, reason)
  return errors.new(TypeError, "ERR_INVALID_ARG_VALUE",
    ("The %s '%s' %s. Received %s"):format(
      name:find("%.") and "property" or "argument", name,
      reason or "is invalid", shown(value)))
end

function M.incompatible(enc, what)
  return errors.new(Error, "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS",
    ("The selected key encoding %s %s."):format(enc, what))
end

local function wrongKeyType(actual, expected)
  return errors.new(TypeError, "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE",
    ("Invalid key object type %s, expected %s."):format(actual, expected))
end
M.wrongKeyType = wrongKeyType

--[[ KeyObject ]]

local KeyObject = class.Object:extend("KeyObject")
function KeyObject:__tostring() return "[object KeyObject]" end
local PublicKeyObject = KeyObject:extend("PublicKeyObject")
local PrivateKeyObject = KeyObject:extend("PrivateKeyObject")
M.KeyObject = KeyObject

local function isKeyObject(v) return class.instanceOf(v, KeyObject) end
M.isKeyObject = isKeyObject

-- KeyObjects are made from key boxes only (as Node's, they cannot be
-- constructed from user code).
function KeyObject:init(kind, box)
  if kind ~= "public" and kind ~= "private" or type(box) ~= "userdata" then
    raise(errors.new(TypeError, "ERR_ILLEGAL_CONSTRUCTOR",
      "Illegal constructor"))
  end
  local t, _, bits, extra = binding.info(box)
  self.type, self._box, self.asymmetricKeyType = kind, box, t
  if t == "rsa" then
    self.asymmetricKeyDetails = { modulusLength = bits,
      publicExponent = extra }
  else
    self.asymmetricKeyDetails = { namedCurve = extra }
  end
end

-- A public KeyObject on box (a private box gives up its public half).
function M.public(box)
  local _, priv = binding.info(box)
  if priv then box = binding.public(box) end
  return PublicKeyObject.new("public", box)
end

function M.private(box)
  return PrivateKeyObject.new("private", box)
end

-- The ciphers a private key can be exported under (PBES2 for PKCS#8,
-- legacy PEM encryption for PKCS#1 and SEC1).
local CIPHERS = { ["aes-128-cbc"] = true, ["aes-192-cbc"] = true,
  ["aes-256-cbc"] = true, ["des-ede3-cbc"] = true }

-- parseKeyEncoding for an output encoding (export, generateKeyPair):
-- returns the binding's kind, format, cipher, passphrase.
function M.outputEncoding(enc, keyType, isPublic, objName)
  local function opt(n)
    return objName and ("options.%s.%s"):format(objName, n) or "options." .. n
  end
  local format, t = enc.format, enc.type
  if format ~= "pem" and format ~= "der" and format ~= "jwk" then
    raise(M.invalidValue(opt("format"), format), 4)
  end
  if format == "jwk" then return "jwk", "jwk" end
  if t == "pkcs1" then
    if keyType ~= "rsa" then
      raise(M.incompatible("pkcs1", "can only be used for RSA keys"), 4)
    end
  elseif t == "sec1" and not isPublic then
    if keyType ~= "ec" then
      raise(M.incompatible("sec1", "can only be used for EC keys"), 4)
    end
  elseif not ((t == "spki" and isPublic) or (t == "pkcs8" and not isPublic))
  then
    raise(M.invalidValue(opt("type"), t), 4)
  end
  if isPublic then return t == "pkcs1" and "pkcs1-public" or t, format end
  local cipher, pass = enc.cipher, enc.passphrase
  if cipher ~= nil then
    if type(cipher) ~= "string" then
      raise(M.invalidValue(opt("cipher"), cipher), 4)
    end
    if format == "der" and t ~= "pkcs8" then
      raise(M.incompatible(t, "does not support encryption"), 4)
    end
    if not CIPHERS[cipher:lower()] then raise(M.failure("CIPHER"), 4) end
    if type(pass) ~= "string" and not isBuffer(pass) then
      raise(M.invalidValue(opt("passphrase"), pass), 4)
    end
  elseif pass ~= nil then
    raise(M.invalidValue(opt("cipher"), cipher), 4)
  end
  return t, format, cipher, pass
end

-- Exports box as the binding's kind/format (PEM string, DER Buffer).
function M.exportBox(box, kind, format, cipher, pass, level)
  local out, k, detail = binding.export(box, kind, format, cipher, pass)
  if out == nil then raise(M.failure(k, detail), (level or 2) + 1) end
  return out
end

function KeyObject:export(options)
  if type(options) ~= "table" then
    raise(errors.invalidArgType("options", "object", options))
  end
  local kind, format, cipher, pass = M.outputEncoding(options,
    self.asymmetricKeyType, self.type == "public")
  if format == "jwk" then return require("lode.crypto.jwk").export(self) end
  return M.exportBox(self._box, kind, format, cipher, pass, 2)
end

-- True when other holds the same key (compared as DER encodings).
function KeyObject:equals(other)
  if not isKeyObject(other) then
    raise(errors.new(TypeError, "ERR_INVALID_ARG_TYPE",
      ('The "otherKeyObject" argument must be an instance of KeyObject. %s')
        :format(errors.describe(other))))
  end
  if self.type ~= other.type
    or self.asymmetricKeyType ~= other.asymmetricKeyType then
    return false
  end
  local kind = self.type == "public" and "spki" or "pkcs8"
  return binding.export(self._box, kind, "der") .. ""
    == binding.export(other._box, kind, "der") .. ""
end

--[[ key arguments (Node's prepareAsymmetricKey) ]]

-- Parsed PEM texts without a passphrase, so signing with the same PEM
-- string many times parses it once; entries go with their boxes.
local cache = setmetatable({}, { __mode = "v" })

local function parse(data, private, pass, level)
  local ck = pass == nil and type(data) == "string"
    and (private and "1" or "0") .. data or nil
  local box = ck and cache[ck]
  if box then return box end
  local k, detail
  box, k, detail = binding.parse(data, private, pass)
  if box == nil then raise(M.failure(k, detail), level + 1) end
  if ck then cache[ck] = box end
  return box
end

local function bytes(v, encoding)
  if encoding ~= nil and encoding ~= "buffer" and type(v) == "string" then
    return Buffer.from(v, encoding)
  end
  return v
end

-- The key box for key (string/Buffer PEM, KeyObject, or a table with
-- key= and format/type/passphrase/encoding), for use 'ctx':
-- "sign" (a private key), "verify" (public or private),
-- "createPublic", "createPrivate". level: the caller's error level. A
-- box made for "verify" or "createPublic" may hold a private key (it
-- has the public half too: lode.crypto.keyobject.public takes it).
function M.prepare(key, ctx, level)
  level = (level or 2) + 1
  local expected = ctx == "createPrivate" and M.DATA_TYPES or M.KEY_TYPES
  local data, opts = key, nil
  if type(key) == "table" and not isKeyObject(key) and not isBuffer(key) then
    opts, data = key, key.key
    if opts.format == "jwk" and not isKeyObject(data) then
      if type(data) ~= "table" or isBuffer(data) then
        raise(errors.invalidArgType("key.key", "object", data), level)
      end
      return require("lode.crypto.jwk").import(data, ctx, level)
    end
    if data == nil or (type(data) ~= "string" and not isBuffer(data)
        and not isKeyObject(data)) or (isKeyObject(data)
        and ctx == "createPrivate") then
      raise(errors.invalidArgType("key.key", expected, data), level)
    end
  elseif type(key) ~= "string" and not isBuffer(key)
    and not (isKeyObject(key) and ctx ~= "createPrivate") then
    raise(errors.invalidArgType("key", expected, key), level)
  end
  if isKeyObject(data) then
    if data.type ~= "private" and (ctx == "sign" or ctx == "createPublic")
    then
      raise(wrongKeyType(data.type, "private"), level)
    end
    return data._box
  end
  local pass
  if opts then
    local format = opts.format
    if format ~= nil and format ~= "pem" and format ~= "der" then
      raise(M.invalidValue("options.format", format), level)
    end
    local t = opts.type
    if format == "der" and t ~= "spki" and t ~= "pkcs1" and t ~= "pkcs8"
      and t ~= "sec1" then
      raise(M.invalidValue("options.type", t), level)
    end
    pass = opts.passphrase
    if pass ~= nil and type(pass) ~= "string" and not isBuffer(pass) then
      raise(M.invalidValue("options.passphrase", pass), level)
    end
    data = bytes(data, opts.encoding)
    pass = bytes(pass, opts.encoding)
  end
  return parse(data, ctx == "sign" or ctx == "createPrivate", pass, level)
end

return M
