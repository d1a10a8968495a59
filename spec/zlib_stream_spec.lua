-- lode.zlib Transform streams: pipelines, chunking, flush(), params(),
-- backpressure on a zip bomb, destroy while busy, multi-member gzip.
local zlib = require "lode.zlib"
local stream = require "lode.stream"
local Buffer = require("lode.buffer").Buffer
local loop = require "lode.internal.loop"

local C = zlib.constants

local sample = sample_text           -- spec/helper.lua

-- Collects a readable's output; res.data is the whole text at 'end'.
local function collect(s)
  local res, parts = { chunks = 0 }, {}
  s:on("data", function(d)
    parts[#parts + 1] = d .. ""
    res.chunks = res.chunks + 1
  end)
  s:on("end", function() res.data = table.concat(parts) end)
  s:on("error", function(e) res.err = e end)
  return res
end

-- Writes data in pieces of n bytes, then ends.
local function feed(s, data, n)
  for i = 1, #data, n do s:write(data:sub(i, i + n - 1)) end
  s:finish()
end

describe("lode.zlib streams", function()
  it("gzip -> gunzip through a pipeline gives the input back", function()
    local data = sample(500000)
    local gz, gunzip = zlib.createGzip(), zlib.createGunzip()
    local res, done = collect(gunzip), nil
    stream.pipeline(gz, gunzip, function(err) done = err or true end)
    feed(gz, data, 7000)
    run_loop()
    assert.is_true(done)
    assert.equal(data, res.data)
    assert.equal(#data, gz.bytesWritten)
  end)

  it("writes the same bytes as gzipSync whatever the chunking", function()
    local data = sample(300000)
    local gz = zlib.createGzip()
    local res = collect(gz)
    feed(gz, data, 12345)
    run_loop()
    assert.equal(zlib.gzipSync(data) .. "", res.data)
  end)

  it("compresses and decompresses with every format", function()
    local data, results = sample(100000), {}
    for _, p in ipairs({ { "Deflate", "Inflate" },
      { "DeflateRaw", "InflateRaw" }, { "Gzip", "Unzip" },
      { "Deflate", "Unzip" }, { "BrotliCompress", "BrotliDecompress" } }) do
      local a, b = zlib["create" .. p[1]](), zlib["create" .. p[2]]()
      a:pipe(b)
      local r = collect(b)
      results[#results + 1] = r
      feed(a, data, 30000)
    end
    run_loop()
    for _, r in ipairs(results) do assert.equal(data, r.data) end
  end)

  it("flush() pushes out all that was written so far", function()
    local gz = zlib.createGzip()
    local res, parts = collect(gz), {}
    gz:on("data", function(d) parts[#parts + 1] = d .. "" end)
    local flushed
    gz:write("abc")
    gz:flush(function()
      flushed = zlib.gunzipSync(table.concat(parts),
        { finishFlush = C.Z_SYNC_FLUSH }):toString()
      gz:finish("def")
    end)
    run_loop()
    assert.equal("abc", flushed)
    assert.equal("abcdef", zlib.gunzipSync(res.data):toString())
  end)

  it("flushes Brotli with BROTLI_OPERATION_FLUSH", function()
    local br = zlib.createBrotliCompress()
    local parts, flushed = {}, nil
    br:on("data", function(d) parts[#parts + 1] = d .. "" end)
    br:write("hello brotli")
    br:flush(C.BROTLI_OPERATION_FLUSH, function()
      local d = zlib.createBrotliDecompress()
      local r = collect(d)
      d:write(table.concat(parts))
      d:on("data", function() flushed = r end)
      br:finish()
    end)
    run_loop()
    assert.is_not_nil(flushed)
  end)

  it("params() changes the level mid-stream", function()
    local data = sample(200000)
    local d = zlib.createDeflate({ level = 1 })
    local res, called = collect(d), false
    d:write(data:sub(1, 100000))
    d:params(9, C.Z_DEFAULT_STRATEGY, function()
      called = true
      d:finish(data:sub(100001))
    end)
    run_loop()
    assert.is_true(called)
    assert.equal(9, d._level)
    assert.equal(data, zlib.inflateSync(res.data):toString())
    assert.equal("ERR_OUT_OF_RANGE", select(2, pcall(d.params, d, 10, 0)).code)
  end)

  it("gunzips members split across writes, and unzip byte by byte",
    function()
      local two = zlib.gzipSync("hello\n") .. ""
        .. zlib.gzipSync("world\n") .. ""
      local g = zlib.createGunzip()
      local r1 = collect(g)
      g:write(two:sub(1, 26))         -- exactly the first member
      g:finish(two:sub(27))
      local u = zlib.createUnzip()
      local r2 = collect(u)
      feed(u, two, 1)
      run_loop()
      assert.equal("hello\nworld\n", r1.data)
      assert.equal("hello\nworld\n", r2.data)
    end)

  it("ends the output at the end of a zlib stream with data after it",
    function()
      local inf = zlib.createInflate()
      local r = collect(inf)
      inf:write(zlib.deflateSync("abc") .. "trailing")
      run_loop()
      assert.equal("abc", r.data)
      inf:destroy()
      run_loop()
    end)

  it("holds a zip bomb's output until the reader wants it", function()
    local bomb = zlib.gzipSync(Buffer.alloc(32 * 1024 * 1024))
    assert.is_true(#bomb < 64 * 1024)
    local g = zlib.createGunzip()
    g:finish(bomb)
    run_loop()                        -- nobody reads: the engine waits
    -- At most the mark plus two rounds of output (256 KiB each).
    assert.is_true(g.readableLength <= 16 * 1024 + 512 * 1024,
      "buffered " .. g.readableLength)
    local total = 0
    g:on("data", function(d) total = total + #d end)
    run_loop()
    assert.equal(32 * 1024 * 1024, total)
  end)

  it("destroy() while a write is on the thread pool closes cleanly",
    function()
      local gz = zlib.createGzip()
      local events = {}
      gz:on("close", function() events[#events + 1] = "close" end)
      gz:on("error", function(e) events[#events + 1] = e end)
      local cbs = 0
      gz:write(sample(2000000), function() cbs = cbs + 1 end)
      assert.is_true(gz._handle:busy())
      loop.nextTick(function()      -- a second chunk waits for the engine
        gz:write(sample(1000), function() cbs = cbs + 1 end)
        gz:destroy()
      end)
      gz:destroy()
      assert.is_true(gz._closed)
      run_loop()
      assert.same({ "close" }, events)
      assert.equal(2, cbs)
    end)

  it("close(cb) destroys the stream and calls back", function()
    local inf = zlib.createInflate()
    local called
    inf:close(function() called = true end)
    run_loop()
    assert.is_true(called)
    assert.is_true(inf.destroyed)
  end)

  it("reset() starts the engine over", function()
    local d = zlib.createDeflate()
    local res = collect(d)
    d:write("garbage that reset throws away")
    d:flush(C.Z_NO_FLUSH, function()
      d:reset()
      d:finish()
    end)
    run_loop()
    assert.is_string(res.data)
  end)

  it("keeps output chunks within an explicit chunkSize", function()
    local data = sample(100000)
    local g = zlib.createGunzip({ chunkSize = 1024 })
    local biggest, r = 0, nil
    g:on("data", function(d) if #d > biggest then biggest = #d end end)
    r = collect(g)
    g:finish(zlib.gzipSync(data))
    run_loop()
    assert.equal(data, r.data)
    assert.equal(1024, biggest)
    assert.is_true(r.chunks >= 98)
  end)

  it("leaves Buffers as output even with an encoding option", function()
    local gz = zlib.createGzip({ encoding = "utf8" })
    local got
    gz:on("data", function(d) got = got or d end)
    gz:finish("x")
    run_loop()
    assert.is_true(Buffer.isBuffer(got))
  end)

  it("closes engines of streams that become garbage", function()
    for _ = 1, 50 do zlib.createGzip():write("abc") end
    run_loop()
    collectgarbage()
    collectgarbage()
  end)
end)
