-- bench/zlib.sh's one-shot case, lode side: gzipSync + gunzipSync of a
-- 16 KiB JSON-like body N times, then the same through the callback
-- forms (one at a time, thread pool); prints "sync_ops/s async_ops/s".
-- usage: lode bench/zlib/oneshot.lua [N]
local zlib = require "lode.zlib"
local uv = require "lode.binding.uv"

local N = tonumber(arg[1] or "2000")
local parts = {}
for i = 1, 400 do
  parts[i] = ('{"id":%d,"name":"user%d","tags":["a","b"],"ok":true}')
    :format(i, i * 7)
end
local body = table.concat(parts, ","):sub(1, 16384)

local t0 = uv.hrtime()
for _ = 1, N do
  assert(#zlib.gunzipSync(zlib.gzipSync(body)) == #body)
end
local sync = N / ((uv.hrtime() - t0) / 1e9)

local i = 0
t0 = uv.hrtime()
local function step()
  zlib.gzip(body, function(err, gz)
    assert(not err)
    zlib.gunzip(gz, function(err2, out)
      assert(not err2 and #out == #body)
      i = i + 1
      if i < N then return step() end
      print(("%.0f %.0f"):format(sync, N / ((uv.hrtime() - t0) / 1e9)))
    end)
  end)
end
step()
