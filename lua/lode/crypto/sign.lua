-- lode.crypto.sign: createSign/createVerify (Sign and Verify objects)
-- and the one-shot crypto.sign/crypto.verify (API.md 4 "crypto"), over
-- bindings/crypto_pk_sign.c: RSA PKCS#1 v1.5, RSA-PSS (padding =
-- RSA_PKCS1_PSS_PADDING, saltLength) and ECDSA (DER signatures, or
-- dsaEncoding = 'ieee-p1363'). Messages are hashed with mbedTLS's md.
--
-- Sign and Verify are Writables whose stream state is made on first
-- stream use (as Node's, written data is hashed): sign:write(x);
-- sign:finish(); sign:sign(key). crypto.sign/verify without a callback
-- are synchronous, as Node's (an exception to API.md's Promise rule that
-- Node makes); with one they run on the thread pool.
--
-- Deviations: signatures and data may be Lua strings (API.md: wherever a
-- Buffer is accepted); digests are those of mbedTLS 2.28 (md5, sha1,
-- sha224/256/384/512, ripemd160 and their RSA-/WithRSAEncryption
-- aliases; no SHA-3); RSA_X931_PADDING is unsupported.
local binding = require "lode.binding.crypto_pk"
local errors = require "lode.internal.errors"
local ko = require "lode.crypto.keyobject"
local Writable = require("lode.stream").Writable
local Buffer = require("lode.buffer").Buffer

local type, error, rawget = type, error, rawget
local isBuffer, isKeyObject = Buffer.isBuffer, ko.isKeyObject
local md_new, digest = binding.md_new, binding.digest
local bsign, bverify, info = binding.sign, binding.verify, binding.info
local Error, TypeError = errors.Error, errors.TypeError

local M = {}

local function raise(err) error(err, 3) end

-- Digest names (lower case) -> mbedTLS's.
local MD = {}
for _, n in ipairs({ "md5", "sha1", "sha224", "sha256", "sha384", "sha512",
  "ripemd160" }) do
  local up = n:upper()
  MD[n], MD["rsa-" .. n], MD[n .. "withrsaencryption"] = up, up, up
end
for _, n in ipairs({ "224", "256", "384", "512" }) do
  MD["sha-" .. n], MD["sha2-" .. n] = "SHA" .. n, "SHA" .. n
end
MD["sha-1"], MD["rsa-sha1-2"], MD["ecdsa-with-sha1"] = "SHA1", "SHA1", "SHA1"
MD["ssl3-md5"], MD["ssl3-sha1"] = "MD5", "SHA1"
MD["ripemd"], MD["rmd160"], MD["ripemd160withrsa"] = "RIPEMD160",
  "RIPEMD160", "RIPEMD160"

-- Exact names first: lower() makes a string per call.
local function mdName(alg)
  if type(alg) ~= "string" then return nil end
  return MD[alg] or MD[alg:lower()]
end
M.mdName = mdName

local function invalidState()
  return errors.new(Error, "ERR_CRYPTO_INVALID_STATE", "Not initialised")
end

local function keyRequired()
  return errors.new(Error, "ERR_CRYPTO_SIGN_KEY_REQUIRED",
    "No key provided to sign")
end

-- An integer option of a key table (Node's getIntOption).
local function intOption(key, name)
  local v = key[name]
  if v == nil then return nil end
  if type(v) ~= "number" or v % 1 ~= 0 or v < -2147483648
    or v > 2147483647 then
    raise(ko.invalidValue("options." .. name, v))
  end
  return math.tointeger(v)
end

-- padding, saltLength, p1363 from a key given as a table.
local function keyOptions(key)
  if type(key) ~= "table" or isKeyObject(key) or isBuffer(key) then
    return nil, nil, false
  end
  local padding, salt = intOption(key, "padding"), intOption(key, "saltLength")
  local enc = key.dsaEncoding
  if enc ~= nil and enc ~= "der" and enc ~= "ieee-p1363" then
    raise(ko.invalidValue("options.dsaEncoding", enc))
  end
  return padding, salt, enc == "ieee-p1363"
end

-- Node's (OpenSSL's) answers to paddings and salt lengths an RSA key
-- cannot use; nil padding is PKCS#1 v1.5.
local function checkPadding(box, padding, salt)
  if padding == nil or padding == 1 or padding == -1 then return nil end
  if info(box) ~= "rsa" then return padding end
  if padding == 3 then raise(ko.failure("NO_PADDING")) end
  if padding ~= 6 then raise(ko.failure("PADDING")) end
  if salt ~= nil and salt < -2 then raise(ko.failure("SALT")) end
  return padding
end

local function toBytes(data, encoding, name, expected)
  if type(data) == "string" then
    if encoding ~= nil and encoding ~= "buffer" and encoding ~= "utf8"
      and encoding ~= "utf-8" then
      return Buffer.from(data, encoding)
    end
    return data
  elseif isBuffer(data) then
    return data
  end
  raise(errors.invalidArgType(name, expected, data))
end

local function output(sig, encoding)
  if encoding == nil or encoding == "buffer" then return sig end
  return sig:toString(encoding)
end

--[[ Sign and Verify ]]

local function streamInit(self, opts)
  return Writable._streamInit(self, opts or rawget(self, "_options"))
end

local function write(self, chunk, encoding, callback)
  local ok, err = pcall(self.update, self, chunk, encoding)
  if ok then callback() else callback(err) end
end

local function update(self, data, encoding)
  local md = rawget(self, "_md")
  data = toBytes(data, encoding, "data",
    "of type string or an instance of Buffer, TypedArray, or DataView")
  if md == nil then raise(invalidState()) end
  md:update(data)
  return self
end

local function init(self, algorithm, options)
  errors.checkType(algorithm, "algorithm", "string")
  local name = mdName(algorithm)
  local md = name and md_new(name)
  if md == nil then
    raise(errors.new(TypeError, "ERR_CRYPTO_INVALID_DIGEST",
      "Invalid digest"))
  end
  self._md, self._alg, self._options = md, name, options
end

local Sign = Writable:extend("Sign")
Sign.init, Sign.update, Sign._write = init, update, write
Sign._streamInit = streamInit
M.Sign = Sign

local Verify = Writable:extend("Verify")
Verify.init, Verify.update, Verify._write = init, update, write
Verify._streamInit = streamInit
M.Verify = Verify

--- sign:sign(privateKey[, outputEncoding]) -> Buffer or string
function Sign:sign(key, encoding)
  if not key then raise(keyRequired()) end
  local box = ko.prepare(key, "sign", 2)
  local padding, salt, p1363 = keyOptions(key)
  padding = checkPadding(box, padding, salt)
  local md = rawget(self, "_md")
  if md == nil then raise(invalidState()) end
  self._md = nil
  local sig, kind, detail = bsign(box, self._alg, md:final(), padding, salt,
    p1363)
  if sig == nil then raise(ko.failure(kind, detail)) end
  return output(sig, encoding)
end

--- verify:verify(key, signature[, signatureEncoding]) -> boolean; a
-- signature that does not match (whatever its shape) gives false.
function Verify:verify(key, signature, encoding)
  if not key then raise(errors.invalidArgType("key", ko.KEY_TYPES, key)) end
  local box = ko.prepare(key, "verify", 2)
  local padding, salt, p1363 = keyOptions(key)
  padding = checkPadding(box, padding, salt)
  signature = toBytes(signature, encoding, "signature", ko.DATA_TYPES)
  local md = rawget(self, "_md")
  if md == nil then raise(invalidState()) end
  self._md = nil
  local ok, kind, detail = bverify(box, self._alg, md:final(), signature,
    padding, salt, p1363)
  if ok == nil then raise(ko.failure(kind, detail)) end
  return ok
end

--- createSign(algorithm[, options]) -> Sign
function M.createSign(algorithm, options)
  return Sign.new(algorithm, options)
end

--- createVerify(algorithm[, options]) -> Verify
function M.createVerify(algorithm, options)
  return Verify.new(algorithm, options)
end

--[[ one-shot ]]

-- The checked arguments of crypto.sign/verify: md name, digest, box,
-- padding, salt, p1363.
local function oneShot(algorithm, data, key, callback, ctx)
  if algorithm ~= nil then
    errors.checkType(algorithm, "algorithm", "string")
  end
  if callback ~= nil then errors.checkFunction(callback, "callback") end
  data = toBytes(data, nil, "data", ko.DATA_TYPES)
  if not key then
    raise(ctx == "sign" and keyRequired()
      or errors.invalidArgType("key", ko.KEY_TYPES, key))
  end
  local padding, salt, p1363 = keyOptions(key)
  local box = ko.prepare(key, ctx, 3)
  padding = checkPadding(box, padding, salt)
  local name = mdName(algorithm or "sha256")
  if name == nil then
    raise(errors.new(TypeError, "ERR_CRYPTO_INVALID_DIGEST",
      "Invalid digest: " .. algorithm))
  end
  return name, digest(name, data), box, padding, salt, p1363
end

-- The binding's callback (kind, detail) / (nil, result) as Node's.
local function done(callback)
  return function(kind, result)
    if kind ~= nil then return callback(ko.failure(kind, result)) end
    callback(nil, result)
  end
end

--- crypto.sign(algorithm, data, key[, callback]) -> Buffer; algorithm nil
-- means sha256. With a callback: callback(err, signature), off the loop.
function M.sign(algorithm, data, key, callback)
  local name, hash, box, padding, salt, p1363 =
    oneShot(algorithm, data, key, callback, "sign")
  local sig, kind, detail = bsign(box, name, hash, padding, salt, p1363,
    callback and done(callback))
  if sig == nil then raise(ko.failure(kind, detail)) end
  if callback == nil then return sig end
end

--- crypto.verify(algorithm, data, key, signature[, callback]) -> boolean
function M.verify(algorithm, data, key, signature, callback)
  local name, hash, box, padding, salt, p1363 =
    oneShot(algorithm, data, key, callback, "verify")
  signature = toBytes(signature, nil, "signature", ko.DATA_TYPES)
  local ok, kind, detail = bverify(box, name, hash, signature, padding, salt,
    p1363, callback and done(callback))
  if ok == nil then raise(ko.failure(kind, detail)) end
  if callback == nil then return ok end
end

return M
