-- lode.crypto.jwk: JSON Web Keys (RFC 7517/7518) for KeyObject, as Node
-- 20: key:export({ format = 'jwk' }) gives a table { kty =, n =, e =, ...}
-- or { kty = 'EC', crv =, x =, y =, d = } of base64url strings, and
-- { key = jwk, format = 'jwk' } is accepted wherever a key is. The key's
-- numbers come from and go to bindings/crypto_pk_jwk.c. Not part of the
-- API: lode.crypto.keyobject loads it on first use.
local binding = require "lode.binding.crypto_pk"
local errors = require "lode.internal.errors"
local ko = require "lode.crypto.keyobject"
local Buffer = require("lode.buffer").Buffer

local type, error, ipairs = type, error, ipairs

local M = {}

-- OpenSSL's curve names <-> JWK's, for the curves JWK (and Node) know.
local TO_JWK = { prime256v1 = "P-256", secp384r1 = "P-384",
  secp521r1 = "P-521", secp256k1 = "secp256k1" }
local FROM_JWK = { ["P-256"] = "prime256v1", ["P-384"] = "secp384r1",
  ["P-521"] = "secp521r1", secp256k1 = "secp256k1" }
local RSA_PUBLIC, RSA_PRIVATE = { "n", "e" },
  { "n", "e", "d", "p", "q", "dp", "dq", "qi" }

-- Raw bytes <-> base64url (Buffer.from copies a string's bytes as they
-- are; `..` gives them back unchanged).
local function encode(s) return Buffer.from(s):toString("base64url") end
local function decode(s) return Buffer.from(s, "base64url") .. "" end

--- export(keyObject) -> the JWK table
function M.export(key)
  local c, kind, detail = binding.components(key._box)
  if c == nil then error(ko.failure(kind, detail), 3) end
  local out
  if key.asymmetricKeyType == "rsa" then
    out = { kty = "RSA" }
    for _, k in ipairs(RSA_PRIVATE) do
      if c[k] then out[k] = encode(c[k]) end
    end
    return out
  end
  local name = key.asymmetricKeyDetails.namedCurve
  if TO_JWK[name] == nil then
    error(errors.new(errors.Error, "ERR_CRYPTO_JWK_UNSUPPORTED_CURVE",
      ("Unsupported JWK EC curve: %s."):format(name)), 3)
  end
  out = { kty = "EC", crv = TO_JWK[name], x = encode(c.x), y = encode(c.y) }
  if c.d then out.d = encode(c.d) end
  return out
end

local function field(jwk, k, fields)
  errors.checkType(jwk[k], "key." .. k, "string")
  fields[k] = decode(jwk[k])
end

--- import(jwk, ctx, level) -> key box: the private key for the
-- "sign"/"createPrivate" contexts (d and the rest required), else the
-- public one.
function M.import(jwk, ctx, level)
  local kty, fields, curve = jwk.kty, {}, nil
  local private = ctx == "sign" or ctx == "createPrivate"
  if kty == "RSA" then
    for _, k in ipairs(private and RSA_PRIVATE or RSA_PUBLIC) do
      field(jwk, k, fields)
    end
  elseif kty == "EC" then
    curve = jwk.crv
    errors.checkType(curve, "key.crv", "string")
    if FROM_JWK[curve] == nil then
      error(ko.invalidValue("key.crv", curve,
        "must be one of: 'P-256', 'secp256k1', 'P-384', 'P-521'"), level)
    end
    field(jwk, "x", fields)
    field(jwk, "y", fields)
    if private then field(jwk, "d", fields) end
    curve = FROM_JWK[curve]
  else
    error(ko.invalidValue("key.kty", kty,
      "must be one of: 'RSA', 'EC', 'OKP'"), level)
  end
  local box = binding.from_components(kty, fields, curve)
  if box == nil then
    error(errors.new(errors.TypeError, "ERR_CRYPTO_INVALID_JWK",
      ("Invalid JWK %s key"):format(kty)), level)
  end
  return box
end

return M
