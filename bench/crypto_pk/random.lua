-- bench/crypto_pk/random.lua WORKLOAD [N]: lode.crypto's random generator;
-- prints ops per second of CPU time. Workloads: bytes16 (randomBytes(16),
-- synchronous), uuid (randomUUID()), int (randomInt(1000000)), bytes16cb
-- (randomBytes(16, cb) on the thread pool, 1000 in flight at a time),
-- bytes1m (randomBytes(1 MiB), synchronous, reported as MB/s).
local crypto = require "lode.crypto"
local w, N = arg[1] or "bytes16", tonumber(arg[2])
local t0, n = os.clock(), 0

if w == "bytes16" then
  N = N or 2000000
  local randomBytes = crypto.randomBytes
  for _ = 1, N do randomBytes(16) end
elseif w == "uuid" then
  N = N or 2000000
  local randomUUID = crypto.randomUUID
  for _ = 1, N do randomUUID() end
elseif w == "int" then
  N = N or 2000000
  local randomInt = crypto.randomInt
  for _ = 1, N do randomInt(1000000) end
elseif w == "bytes16cb" then
  N = N or 200000
  local randomBytes, started = crypto.randomBytes, 0
  local function cb()
    n = n + 1
    if started < N then
      started = started + 1
      randomBytes(16, cb)
    end
  end
  for _ = 1, 1000 do started = started + 1; randomBytes(16, cb) end
  require("lode").run()
elseif w == "bytes1m" then
  N = N or 200
  for _ = 1, N do crypto.randomBytes(1 << 20) end
  print(math.floor(N * 1.048576 / (os.clock() - t0)))
  return
end
print(math.floor(N / (os.clock() - t0)))
