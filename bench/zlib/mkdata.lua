-- Writes the benchmark's "mixed" input: SIZE MiB (default 100) of blocks
-- of English-like text, JSON log lines, a base64-ish dump, incompressible
-- random bytes and runs of zeros, from a fixed seed (the same bytes on
-- every run). Level 6 gzip takes it to about a third of its size.
-- usage: lua5.4 bench/zlib/mkdata.lua OUT [SIZE_MIB]
local out, mib = arg[1], tonumber(arg[2] or "100")
assert(out, "usage: mkdata.lua OUT [SIZE_MIB]")
local total = math.floor(mib * 1024 * 1024)
math.randomseed(20240601)
local rand = math.random

local words = {}
for w in ([[the of and to in is you that it he was for on are as with his
they at be this have from or one had by word but not what all were we
when your can said there use an each which she do how their if will up
other about out many then them these so some her would make like him
into time has look two more write go see number no way could people my
than first water been call who oil its now find long down day did get
come made may part stream buffer compress inflate deflate window level
memory chunk header trailer checksum socket server request response]])
  :gmatch("%a+") do words[#words + 1] = w end

local function text(n)
  local t, len = {}, 0
  while len < n do
    local w = words[rand(#words)]
    if rand(12) == 1 then w = w .. (rand(3) == 1 and ".\n" or ",") end
    t[#t + 1] = w
    len = len + #w + 1
  end
  return table.concat(t, " ")
end

local function logs(n)
  local t, len = {}, 0
  while len < n do
    local l = ('{"ts":%d,"level":"%s","msg":"%s","id":%d,"ms":%.3f}\n')
      :format(1700000000 + rand(1e6), rand(4) == 1 and "warn" or "info",
        text(rand(20, 60)), rand(1e9), rand() * 1000)
    t[#t + 1] = l
    len = len + #l
  end
  return table.concat(t)
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(n)
  local t = {}
  for i = 1, n do
    local k = rand(64)
    t[i] = B64:sub(k, k)
    if i % 76 == 0 then t[i] = "\n" end
  end
  return table.concat(t)
end

local function random(n)
  local t = {}
  for i = 1, n // 4 do t[i] = string.pack("<I4", rand(0, 0xffffffff)) end
  return table.concat(t)
end

local f = assert(io.open(out, "wb"))
local written = 0
local kinds = { text, text, logs, logs, b64, random, function(n)
  return string.rep("\0", n) end }
while written < total do
  local n = math.min(rand(16, 256) * 1024, total - written)
  local s = kinds[rand(#kinds)](n):sub(1, n)
  if #s < n then s = s .. string.rep("\n", n - #s) end
  f:write(s)
  written = written + #s
end
f:close()
