-- 1 million Buffer.from('hello') + toString('hex'): prints ops/s.
local Buffer = require("lode.buffer").Buffer
local COUNT = 1000000
local t0 = os.clock()
local s
for _ = 1, COUNT do s = Buffer.from("hello"):toString("hex") end
local dt = os.clock() - t0
assert(s == "68656c6c6f")
print(("%.0f"):format(COUNT / dt))
