-- 1 million createHash('sha256'):update('hello'):digest('hex'); prints
-- ops/s.
local crypto = require "lode.crypto"
local N = tonumber(arg and arg[1]) or 1000000
local createHash = crypto.createHash
local t0 = os.clock()                   -- CPU time, as bulk.lua
local x
for _ = 1, N do
  x = createHash("sha256"):update("hello"):digest("hex")
end
local dt = os.clock() - t0
assert(x == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
print(math.floor(N / dt))
