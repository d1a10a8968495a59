-- bulk.lua ALG [MiB]: hashes or encrypts MiB (default 256) MiB in 64 KiB
-- updates from one Buffer; prints MB/s (10^6 bytes per second of CPU
-- time: os.clock, all threads of the process; the machine is shared).
-- ALG: sha256, sha512, aes-256-gcm, aes-256-cbc, aes-256-ctr,
-- chacha20-poly1305. LODE_GC=generational runs it under Lua's
-- generational collector (see bench/RESULTS-crypto.md).
local gc = os.getenv("LODE_GC")
if gc and gc ~= "" then collectgarbage(gc) end
local crypto = require "lode.crypto"
local alg = arg[1] or "sha256"
local mib = tonumber(arg[2]) or 256
local CHUNK = 65536
local chunk = Buffer.alloc(CHUNK, 0x61)
local n = mib * 1024 * 1024 // CHUNK
local t0 = os.clock()
if alg:find("^sha") then
  local h = crypto.createHash(alg)
  for _ = 1, n do h:update(chunk) end
  h:digest()
else
  local klen = alg:find("128") and 16 or 32
  local ivlen = (alg:find("gcm") or alg:find("chacha")) and 12 or 16
  local c = crypto.createCipheriv(alg, Buffer.alloc(klen, 1),
    Buffer.alloc(ivlen, 2))
  local total = 0
  for _ = 1, n do total = total + #c:update(chunk) end
  total = total + #c:final()
  assert(total >= n * CHUNK)
end
print(math.floor(n * CHUNK / (os.clock() - t0) / 1e6))
