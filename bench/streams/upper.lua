-- A Transform that upper-cases ASCII, fed 256 MiB in 64 KiB chunks by a
-- Readable and drained by a Writable that drops them; prints MB/s.
-- tostring(buf) is the bytes as a Lua string (toString("latin1") would
-- re-encode bytes >= 0x80 as UTF-8, API.md's Text rule).
local stream = require "lode.stream"
local uv = require "lode.binding.uv"
local CHUNK, TOTAL = 65536, 256 * 1048576
local block = Buffer.from(("lode streams, Lua 5.4! "):rep(CHUNK // 23 + 1)
  :sub(1, CHUNK))
local sent, got = 0, 0
local src = stream.Readable.new({ read = function(self)
  if sent >= TOTAL then return self:push(nil) end
  sent = sent + CHUNK
  self:push(block)
end })
local upper = stream.Transform.new({ transform = function(_, c, _, cb)
  cb(nil, tostring(c):upper())     -- a Buffer's bytes; C-locale upper()
end })
local sink = stream.Writable.new({ write = function(_, c, _, cb)
  got = got + #c
  cb()
end })
local t0 = uv.hrtime()
stream.pipeline(src, upper, sink, function(err)
  assert(err == nil and got == TOTAL, "lost bytes")
  print(("%.1f"):format(TOTAL / 1048576 / ((uv.hrtime() - t0) / 1e9)))
end)
