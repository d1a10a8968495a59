-- The article's "crypto" section, in Lua. Random values differ on every
-- run, so for them only lengths are printed.
local crypto = require "lode.crypto"

-- A sha256 hash: create it, update it with the content, then digest.
local hash = crypto.createHash("sha256")
hash:update("hello world")
local output = hash:digest("hex")
console.log(output)
-- b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9

-- 16 cryptographically secure random bytes, as hex: 32 characters.
local buffer = crypto.randomBytes(16)
console.log(#buffer:toString("hex")) -- 32

-- Encrypting with aes-256-cbc: a 32-byte key from a password (scrypt)
-- and a 16-byte initialization vector.
local algorithm = "aes-256-cbc"
local password = "pass"
local salt = crypto.randomBytes(16)
local key = crypto.scryptSync(password, salt, 32)
local iv = crypto.randomBytes(16)

local cipher = crypto.createCipheriv(algorithm, key, iv)
local encrypted = cipher:update("hello world", "utf8", "hex") ..
  cipher:final("hex")
console.log(#encrypted) -- 32 (one 16-byte block, in hex)

-- Decrypting needs the same key and iv.
local decipher = crypto.createDecipheriv(algorithm, key, iv)
local decrypted = decipher:update(encrypted, "hex", "utf8") ..
  decipher:final("utf8")
console.log(decrypted) -- hello world
