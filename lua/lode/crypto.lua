-- require "lode.crypto": Node's crypto module (API.md 4 "crypto"). This
-- file puts it together. The symmetric half is ours: lode.crypto.hash
-- (createHash, createHmac, hash, timingSafeEqual, getHashes),
-- lode.crypto.cipher (createCipheriv, createDecipheriv, getCiphers) and
-- lode.crypto.kdf (pbkdf2, hkdf, scrypt and their Sync forms), on Nettle
-- and libscrypt-kdf. The random generator (lode.crypto.random) and keys
-- and signatures (lode.crypto.keys, mbedTLS) are loaded on first use, so
-- a script that only hashes never loads them.
local hash = require "lode.crypto.hash"
local cipher = require "lode.crypto.cipher"
local kdf = require "lode.crypto.kdf"

local M = {}

-- createHash sits on the small-message hot path: the C function itself.
M.createHash = hash.createHash
M.createHmac = hash.createHmac
M.hash = hash.hash
M.timingSafeEqual = hash.timingSafeEqual
M.getHashes = hash.getHashes
M.Hash, M.Hmac = hash.Hash, hash.Hmac

M.createCipheriv = cipher.createCipheriv
M.createDecipheriv = cipher.createDecipheriv
M.getCiphers = cipher.getCiphers
M.getCipherInfo = cipher.getCipherInfo
M.Cipheriv, M.Decipheriv = cipher.Cipheriv, cipher.Decipheriv

for _, k in ipairs({ "pbkdf2", "pbkdf2Sync", "hkdf", "hkdfSync", "scrypt",
  "scryptSync" }) do
  M[k] = kdf[k]
end

-- Functions of a module loaded on first call; the first call puts the
-- module's own function in place (a caller that kept the stub still
-- works, through one more call).
local function lazy(module, names)
  for _, k in ipairs(names) do
    M[k] = function(...)
      local f = require(module)[k]
      M[k] = f
      return f(...)
    end
  end
end

lazy("lode.crypto.random", { "randomBytes", "randomFillSync", "randomFill",
  "randomInt", "randomUUID", "getRandomValues" })
lazy("lode.crypto.keys", { "generateKeyPairSync", "generateKeyPair",
  "createSign", "createVerify", "sign", "verify", "createPublicKey",
  "createPrivateKey" })

-- crypto.KeyObject is a class (a value, not a function): fetched from
-- lode.crypto.keys when first read.
setmetatable(M, { __index = function(t, k)
  if k == "KeyObject" then
    local v = require("lode.crypto.keys").KeyObject
    rawset(t, k, v)
    return v
  end
end })

M.constants = require "lode.crypto.constants"

-- Node's aliases.
M.pseudoRandomBytes = M.randomBytes
M.prng, M.rng = M.randomBytes, M.randomBytes

return M
