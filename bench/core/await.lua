-- 1 million `await(Promise.resolve(i))` in one task: ops/s.
local uv = require "lode.binding.uv"
local COUNT, sum = 1000000, 0
local t0 = uv.hrtime()
for i = 1, COUNT do sum = sum + await(Promise.resolve(i)) end
assert(sum == COUNT * (COUNT + 1) // 2)
print(("%.0f"):format(COUNT / ((uv.hrtime() - t0) / 1e9)))
