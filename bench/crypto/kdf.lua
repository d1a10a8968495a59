-- kdf.lua pbkdf2|scrypt [seconds]: derivations per second, one at a time
-- on the main thread (the Sync forms): pbkdf2 is 100,000 iterations of
-- HMAC-SHA256 for a 32-byte key, scrypt N=16384, r=8, p=1, 64 bytes.
local crypto = require "lode.crypto"
local what, secs = arg[1] or "pbkdf2", tonumber(arg[2]) or 2
local function once()
  if what == "pbkdf2" then
    return crypto.pbkdf2Sync("password", "salt", 100000, 32, "sha256")
  end
  return crypto.scryptSync("password", "salt", 64,
    { N = 16384, r = 8, p = 1 })
end
once()                                   -- warm up
local n, t0, dt = 0, os.clock(), 0      -- CPU time, as bulk.lua
repeat
  once()
  n = n + 1
  dt = os.clock() - t0
until dt >= secs
print(string.format("%.1f", n / dt))
