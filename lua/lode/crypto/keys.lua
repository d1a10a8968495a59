-- lode.crypto.keys: the public-key half of lode.crypto (API.md 4
-- "crypto"): generateKeyPairSync/generateKeyPair for 'rsa' and 'ec',
-- createPublicKey/createPrivateKey, KeyObject, and (from
-- lode.crypto.sign) createSign/createVerify and sign/verify. Keys live
-- in mbedTLS contexts (bindings/crypto_pk*.c); KeyObject and Node's
-- key-argument rules are in lode.crypto.keyobject.
--
-- generateKeyPair runs on the thread pool and returns a Promise of
-- { publicKey =, privateKey = } without a callback (API.md's rule; Node's
-- util.promisify gives the same); its callback gets (err, publicKey,
-- privateKey) as Node's.
--
-- Deviations (mbedTLS 2.28): RSA moduli are even and at most 8192 bits,
-- public exponents at most 2^31 - 1 (ERR_OUT_OF_RANGE beyond); EC keys
-- use named curves only (paramEncoding 'explicit' is refused); key
-- types other than 'rsa' and 'ec' are ERR_INVALID_ARG_VALUE.
local binding = require "lode.binding.crypto_pk"
local errors = require "lode.internal.errors"
local ko = require "lode.crypto.keyobject"
local sign = require "lode.crypto.sign"

local type, error = type, error

local M = {}

M.KeyObject = ko.KeyObject
M.createSign, M.createVerify = sign.createSign, sign.createVerify
M.Sign, M.Verify = sign.Sign, sign.Verify
M.sign, M.verify = sign.sign, sign.verify

local function raise(err) error(err, 3) end

M.CURVES = { "prime256v1", "secp384r1", "secp521r1", "secp256k1",
  "secp224r1", "prime192v1", "secp224k1", "secp192k1", "brainpoolP256r1",
  "brainpoolP384r1", "brainpoolP512r1", "P-256", "P-384", "P-521", "P-224",
  "P-192" }
local CURVE = {}
for _, c in ipairs(M.CURVES) do CURVE[c] = true end

-- Node's parseKeyEncoding(type, options) for generateKeyPair.
local function encodings(keyType, options)
  if type(options) ~= "table" then return nil, nil end
  local out = {}
  for i, name in ipairs({ "publicKeyEncoding", "privateKeyEncoding" }) do
    local enc = options[name]
    if enc ~= nil then
      if type(enc) ~= "table" then
        raise(ko.invalidValue("options." .. name, enc))
      end
      out[i] = table.pack(ko.outputEncoding(enc, keyType, i == 1, name))
    end
  end
  return out[1], out[2]
end

local function checkOptions(options)
  if type(options) ~= "table" then
    raise(errors.invalidArgType("options", "object", options))
  end
end

-- The binding's generate arguments for (type, options), checked as
-- Node's createJob checks them.
local function genArgs(keyType, options)
  errors.checkType(keyType, "type", "string")
  local pubEnc, privEnc = encodings(keyType, options)
  if options ~= nil then checkOptions(options) end
  if keyType == "rsa" then
    checkOptions(options)
    local bits = errors.checkInteger(options.modulusLength,
      "options.modulusLength", 0, 4294967295)
    local e = options.publicExponent
    e = e == nil and 65537 or errors.checkInteger(e,
      "options.publicExponent", 0, 4294967295)
    if bits < 512 then raise(ko.failure("KEY_SIZE")) end
    if e < 3 or e % 2 == 0 then raise(ko.failure("EXPONENT")) end
    if bits > 8192 or bits % 2 == 1 then
      raise(errors.outOfRange("options.modulusLength",
        "an even number <= 8192 (mbedTLS's limit)", bits))
    end
    if e > 0x7fffffff then
      raise(errors.outOfRange("options.publicExponent",
        "<= 2147483647 (mbedTLS's limit)", e))
    end
    return { "rsa", bits, e }, pubEnc, privEnc
  elseif keyType == "ec" then
    checkOptions(options)
    local curve = options.namedCurve
    errors.checkType(curve, "options.namedCurve", "string")
    local pe = options.paramEncoding
    if pe ~= nil and pe ~= "named" then
      raise(ko.invalidValue("options.paramEncoding", pe,
        pe == "explicit" and "is not supported" or nil))
    end
    if not CURVE[curve] then
      raise(errors.new(errors.TypeError, "ERR_CRYPTO_INVALID_CURVE",
        "Invalid EC curve name"))
    end
    return { "ec", curve }, pubEnc, privEnc
  end
  raise(ko.invalidValue("type", keyType, "must be a supported key type"))
end

local function encode(key, enc)
  if enc == nil then return key end
  if enc[1] == "jwk" then return require("lode.crypto.jwk").export(key) end
  return ko.exportBox(key._box, enc[1], enc[2], enc[3], enc[4], 4)
end

local function pair(box, pubEnc, privEnc)
  return encode(ko.public(box), pubEnc), encode(ko.private(box), privEnc)
end

--- generateKeyPairSync(type, options) -> { publicKey =, privateKey = }
function M.generateKeyPairSync(keyType, options)
  local args, pubEnc, privEnc = genArgs(keyType, options)
  local box, kind, detail = binding.generate(table.unpack(args))
  if box == nil then raise(ko.failure(kind, detail)) end
  local pub, priv = pair(box, pubEnc, privEnc)
  return { publicKey = pub, privateKey = priv }
end

--- generateKeyPair(type, options, callback): callback(err, publicKey,
-- privateKey) from the thread pool; a Promise without a callback.
function M.generateKeyPair(keyType, options, callback)
  if type(options) == "function" and callback == nil then
    options, callback = nil, options
  end
  if callback == nil then
    local Promise = require "lode.promise"
    return Promise.new(function(resolve, reject)
      M.generateKeyPair(keyType, options, function(err, pub, priv)
        if err ~= nil then return reject(err) end
        resolve({ publicKey = pub, privateKey = priv })
      end)
    end)
  end
  errors.checkFunction(callback, "callback")
  local args, pubEnc, privEnc = genArgs(keyType, options)
  args[#args + 1] = function(kind, box)
    if kind ~= nil then return callback(ko.failure(kind, box)) end
    local ok, pub, priv = pcall(pair, box, pubEnc, privEnc)
    if not ok then return callback(pub) end
    callback(nil, pub, priv)
  end
  local ok, kind, detail = binding.generate(table.unpack(args))
  if not ok then raise(ko.failure(kind, detail)) end
end

--- createPublicKey(key) -> a public KeyObject (key: PEM/DER as a string
-- or Buffer, a table { key =, format =, type =, encoding = }, or a
-- private KeyObject, whose public half is taken).
function M.createPublicKey(key)
  return ko.public((ko.prepare(key, "createPublic", 2)))
end

--- createPrivateKey(key) -> a private KeyObject (key: PEM/DER, or a
-- table { key =, format =, type =, passphrase =, encoding = }).
function M.createPrivateKey(key)
  return ko.private((ko.prepare(key, "createPrivate", 2)))
end

return M
