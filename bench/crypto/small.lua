-- 1 million createHash('sha256'):update('hello'):digest('hex'); prints
-- ops/s.
local crypto = require "lode.crypto"
local N = tonumber(arg and arg[1]) or 1000000
local createHash = crypto.createHash
local hrtime = process.hrtime
local t0 = hrtime()
local x
for _ = 1, N do
  x = createHash("sha256"):update("hello"):digest("hex")
end
local d = hrtime(t0)
local dt = d[1] + d[2] / 1e9
assert(x == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
print(math.floor(N / dt))
