-- Sends TOTAL bytes (default 1 GiB) to an echo server in 64 KiB chunks,
-- with backpressure, reads them all back, prints MB/s (10^6 bytes/s of
-- payload, one direction).
local net = require "lode.net"
local uv = require "lode.binding.uv"
local port, total = tonumber(arg[1]), tonumber(arg[2]) or 1 << 30
local chunk = Buffer.alloc(65536, 120)
local sent, got, t0 = 0, 0, nil
local c = net.connect(port, "127.0.0.1")
local function pump()
  while sent < total do
    sent = sent + #chunk
    if not c:write(chunk) then return end
  end
end
c:on("connect", function() t0 = uv.hrtime(); pump() end)
c:on("drain", pump)
c:on("data", function(d)
  got = got + #d
  if got >= total then
    local s = (uv.hrtime() - t0) / 1e9
    print(("%.0f"):format(total / s / 1e6))
    c:destroy()
  end
end)
