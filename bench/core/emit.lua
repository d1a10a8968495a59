-- 10 million emits with N listeners (arg 1, default 1): prints ops/s.
local EventEmitter = require("lode.events").EventEmitter
local N, COUNT = tonumber(arg[1] or "1"), 10000000
local e, sum = EventEmitter.new(), 0
for _ = 1, N do e:on("x", function(a) sum = sum + a end) end
local t0 = os.clock()
for _ = 1, COUNT do e:emit("x", 1) end
local dt = os.clock() - t0
assert(sum == COUNT * N)
print(("%.0f"):format(COUNT / dt))
