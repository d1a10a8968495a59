-- 1 million objectMode chunks: Readable -> PassThrough -> Writable, all
-- objectMode, piped by pipeline(); prints chunks/s.
local stream = require "lode.stream"
local uv = require "lode.binding.uv"
local COUNT = tonumber(process.argv[3]) or 1000000
local n, got = 0, 0
local src = stream.Readable.new({ objectMode = true, read = function(self)
  n = n + 1
  if n > COUNT then return self:push(nil) end
  self:push(n)
end })
local sink = stream.Writable.new({ objectMode = true,
  write = function(_, _, _, cb)
    got = got + 1
    cb()
  end })
local t0 = uv.hrtime()
stream.pipeline(src, stream.PassThrough.new({ objectMode = true }), sink,
  function(err)
    assert(err == nil and got == COUNT, "lost chunks")
    print(("%.0f"):format(COUNT / ((uv.hrtime() - t0) / 1e9)))
  end)
