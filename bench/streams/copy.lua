-- Copies argv[3] to argv[4] with createReadStream -> createWriteStream
-- (pipe, default options); prints MB/s (1 MB = 2^20 bytes).
local fs = require "lode.fs"
local uv = require "lode.binding.uv"
local src, dst = process.argv[3], process.argv[4]
local size = fs.statSync(src).size
local t0 = uv.hrtime()
local w = fs.createWriteStream(dst)
w:on("close", function()
  assert(fs.statSync(dst).size == size, "short copy")
  print(("%.1f"):format(size / 1048576 / ((uv.hrtime() - t0) / 1e9)))
end)
fs.createReadStream(src):pipe(w)
