-- 1 million setImmediate callbacks, each queueing the next: ops/s.
local uv = require "lode.binding.uv"
local COUNT, n = 1000000, 0
local t0 = uv.hrtime()
local function tick()
  n = n + 1
  if n < COUNT then setImmediate(tick) else
    print(("%.0f"):format(COUNT / ((uv.hrtime() - t0) / 1e9)))
  end
end
setImmediate(tick)
