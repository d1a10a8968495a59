-- lode.zlib: the one-shot forms (callback, Promise, Sync), options,
-- constants and crc32. Expected bytes and error texts were recorded from
-- Node 20 running the same calls.
local zlib = require "lode.zlib"
local Buffer = require("lode.buffer").Buffer

local C = zlib.constants

local sample = sample_text  -- hex, raised: spec/helper.lua

describe("lode.zlib one-shot", function()
  it("gzipSync matches zlib's defaults byte for byte (mtime 0, OS 3)",
    function()
      local gz = zlib.gzipSync("hello\n")
      assert.equal("1f8b0800000000000003cb48cdc9c9e7020020303a3606000000",
        hex(gz))
      assert.equal(0, gz[4] | gz[5] | gz[6] | gz[7])   -- mtime
      assert.equal(3, gz[9])                           -- OS: Unix
    end)

  it("deflateSync and deflateRawSync match Node", function()
    assert.equal("789ccb48cdc9c90700062c0215", hex(zlib.deflateSync("hello")))
    assert.equal("cb48cdc9c90700", hex(zlib.deflateRawSync("hello")))
    assert.equal("0b028068656c6c6f03", hex(zlib.brotliCompressSync("hello")))
  end)

  it("round-trips every format, Sync, with strings and Buffers", function()
    local data = sample(200000)
    local pairs_ = { { "gzip", "gunzip" }, { "deflate", "inflate" },
      { "deflateRaw", "inflateRaw" }, { "gzip", "unzip" },
      { "deflate", "unzip" }, { "brotliCompress", "brotliDecompress" } }
    for _, p in ipairs(pairs_) do
      local packed = zlib[p[1] .. "Sync"](data)
      assert.is_true(#packed < #data / 3, p[1])
      assert.equal(data, zlib[p[2] .. "Sync"](packed):toString("latin1"))
      local again = zlib[p[2] .. "Sync"](Buffer.from(packed))
      assert.equal(#data, #again)
    end
  end)

  it("round-trips with callbacks, on the thread pool", function()
    local data, got = sample(300000), {}
    for _, p in ipairs({ { "gzip", "gunzip" }, { "deflateRaw", "inflateRaw" },
      { "brotliCompress", "brotliDecompress" } }) do
      zlib[p[1]](data, function(err, packed)
        assert.is_nil(err)
        zlib[p[2]](packed, {}, function(err2, out)
          assert.is_nil(err2)
          got[#got + 1] = out:toString("latin1") == data
        end)
      end)
    end
    run_loop()
    assert.same({ true, true, true }, got)
  end)

  it("returns a Promise without a callback", function()
    local out
    Promise.spawn(function()
      local gz = await(zlib.gzip("promised"))
      out = await(zlib.gunzip(gz, { chunkSize = 1024 })):toString()
    end)
    run_loop()
    assert.equal("promised", out)
  end)

  it("gives an empty Buffer for empty output", function()
    local out = zlib.inflateRawSync(zlib.deflateRawSync(""))
    assert.is_true(Buffer.isBuffer(out))
    assert.equal(0, #out)
  end)

  it("unzip detects gzip and zlib headers", function()
    assert.equal("a", zlib.unzipSync(zlib.gzipSync("a")):toString())
    assert.equal("b", zlib.unzipSync(zlib.deflateSync("b")):toString())
  end)

  it("gunzips every member of a multi-member file, as gunzip does", function()
    local two = zlib.gzipSync("hello\n") .. zlib.gzipSync("world\n")
    assert.equal("hello\nworld\n", zlib.gunzipSync(two):toString())
    -- Zero padding after the last member is fine.
    assert.equal("hello\nworld\n",
      zlib.gunzipSync(two .. "\0\0\0\0"):toString())
  end)

  it("ignores data after the end of a zlib or Brotli stream", function()
    assert.equal("abc", zlib.inflateSync(zlib.deflateSync("abc") .. "zz")
      :toString())
    assert.equal("hi", zlib.brotliDecompressSync(zlib.brotliCompressSync("hi")
      .. "junk"):toString())
  end)

  it("uses a dictionary, and tells a missing one from a bad one", function()
    local d = zlib.deflateSync("abcabcabc", { dictionary = "abcabc" })
    assert.equal("abcabcabc",
      zlib.inflateSync(d, { dictionary = Buffer.from("abcabc") }):toString())
    local err = raised(zlib.inflateSync, d)
    assert.equal("Z_NEED_DICT", err.code)
    assert.equal("Missing dictionary", err.message)
    err = raised(zlib.inflateSync, d, { dictionary = "xyz" })
    assert.equal("Bad dictionary", err.message)
    local raw = zlib.deflateRawSync("abcabc", { dictionary = "abc" })
    assert.equal("abcabc",
      zlib.inflateRawSync(raw, { dictionary = "abc" }):toString())
  end)

  it("applies level, windowBits, memLevel and strategy", function()
    local data = sample(100000)
    assert.equal(4, zlib.gzipSync(data, { level = 1 })[8])   -- XFL fastest
    assert.equal(2, zlib.gzipSync(data, { level = 9 })[8])   -- XFL best
    local stored = zlib.deflateSync(data, { level = 0 })
    assert.is_true(#stored > #data)
    local small = zlib.deflateSync(data, { windowBits = 9, memLevel = 1,
      strategy = C.Z_HUFFMAN_ONLY })
    assert.equal(data, zlib.inflateSync(small):toString())
    -- CMF byte: window size 2^9 => CINFO 1.
    assert.equal(0x18, small[0])
    assert.equal(data, zlib.inflateRawSync(zlib.deflateRawSync(data,
      { windowBits = 8 })):toString())
  end)

  it("takes Brotli params: quality, mode, size hint", function()
    local data = sample(200000)
    local q0 = zlib.brotliCompressSync(data,
      { params = { [C.BROTLI_PARAM_QUALITY] = 0 } })
    local q4 = zlib.brotliCompressSync(data, { params = {
      [C.BROTLI_PARAM_QUALITY] = 4, [C.BROTLI_PARAM_MODE] = C.BROTLI_MODE_TEXT,
      [C.BROTLI_PARAM_SIZE_HINT] = #data } })
    assert.is_true(#q4 < #q0)
    assert.equal(data, zlib.brotliDecompressSync(q0):toString())
    assert.equal(data, zlib.brotliDecompressSync(q4):toString())
    local err = raised(zlib.brotliCompressSync, "x", { params = { [99] = 1 } })
    assert.equal("ERR_BROTLI_INVALID_PARAM", err.code)
    assert.equal("99 is not a valid Brotli parameter", err.message)
    err = raised(zlib.brotliCompressSync, "x", { params = { [9] = 1 } })
    assert.equal("ERR_BROTLI_INVALID_PARAM", err.code)
    err = raised(zlib.brotliCompressSync, "x", { params = { [1] = "hi" } })
    assert.equal("ERR_INVALID_ARG_TYPE", err.code)
    -- The decoder has no parameter 5: the library refuses it.
    err = raised(zlib.brotliDecompressSync, "x", { params = { [5] = 1 } })
    assert.equal("ERR_ZLIB_INITIALIZATION_FAILED", err.code)
    assert.equal("Initialization failed", err.message)
  end)

  it("gives { buffer, engine } with info", function()
    local r = zlib.deflateSync("hello", { info = true })
    assert.equal("789ccb48cdc9c90700062c0215", hex(r.buffer))
    assert.equal(5, r.engine.bytesWritten)
    local got
    zlib.gunzip(zlib.gzipSync("abc"), { info = true }, function(err, res)
      assert.is_nil(err)
      got = res
    end)
    run_loop()
    assert.equal("abc", got.buffer:toString())
    assert.is_true(got.engine.bytesWritten > 3)
  end)

  it("stops at maxOutputLength with ERR_BUFFER_TOO_LARGE", function()
    local gz = zlib.gzipSync(Buffer.alloc(1000))
    local err = raised(zlib.gunzipSync, gz, { maxOutputLength = 100 })
    assert.equal("ERR_BUFFER_TOO_LARGE", err.code)
    assert.equal("Cannot create a Buffer larger than 100 bytes", err.message)
    assert.equal(1000, #zlib.gunzipSync(gz, { maxOutputLength = 1000 }))
    local got
    zlib.gunzip(gz, { maxOutputLength = 999 }, function(e) got = e end)
    run_loop()
    assert.equal("ERR_BUFFER_TOO_LARGE", got.code)
  end)

  it("validates options with Node's codes and texts", function()
    local err = raised(zlib.gzipSync, "x", { level = 10 })
    assert.equal("ERR_OUT_OF_RANGE", err.code)
    assert.equal('The value of "options.level" is out of range. It must be '
      .. ">= -1 and <= 9. Received 10", err.message)
    err = raised(zlib.gzipSync, "x", { windowBits = 8 })
    assert.matches(">= 9 and <= 15", err.message)
    err = raised(zlib.gzipSync, "x", { chunkSize = 10 })
    assert.equal('The value of "options.chunkSize" is out of range. It must '
      .. "be >= 64. Received 10", err.message)
    err = raised(zlib.gzipSync, "x", { memLevel = "high" })
    assert.equal("ERR_INVALID_ARG_TYPE", err.code)
    err = raised(zlib.gzipSync, "x", { strategy = 5 })
    assert.equal("ERR_OUT_OF_RANGE", err.code)
    err = raised(zlib.deflateSync, "x", { dictionary = 42 })
    assert.equal("ERR_INVALID_ARG_TYPE", err.code)
    err = raised(zlib.gzipSync, 42)
    assert.equal("ERR_INVALID_ARG_TYPE", err.code)
    err = raised(zlib.gzip, "x", {}, 42)
    assert.equal("ERR_INVALID_ARG_TYPE", err.code)
    err = raised(zlib.gunzip, "x", { level = 99 })
    assert.equal("ERR_OUT_OF_RANGE", err.code)
  end)

  it("exports Node's constants and codes", function()
    assert.equal(0, C.Z_NO_FLUSH)
    assert.equal(4, C.Z_FINISH)
    assert.equal(-3, C.Z_DATA_ERROR)
    assert.equal(3, C.GZIP)
    assert.equal(9, C.BROTLI_ENCODE)
    assert.equal(1, C.BROTLI_PARAM_QUALITY)
    assert.equal(5, C.BROTLI_PARAM_SIZE_HINT)
    assert.equal(11, C.BROTLI_DEFAULT_QUALITY)
    assert.equal(-14, C.BROTLI_DECODER_ERROR_FORMAT_PADDING_1)
    assert.equal(16384, C.Z_DEFAULT_CHUNK)
    assert.equal(math.huge, C.Z_MAX_CHUNK)
    assert.equal("Z_DATA_ERROR", zlib.codes[-3])
    assert.equal(-5, zlib.codes.Z_BUF_ERROR)
    assert.equal(2, zlib.Z_SYNC_FLUSH)
  end)

  it("computes crc32 as Node", function()
    assert.equal(907060870, zlib.crc32("hello"))
    assert.equal(1718432533, zlib.crc32("world", 12345))
    assert.equal(zlib.crc32("helloworld"),
      zlib.crc32(Buffer.from("world"), zlib.crc32("hello")))
    assert.equal(0, zlib.crc32(""))
    assert.equal("ERR_INVALID_ARG_TYPE", raised(zlib.crc32, 42).code)
  end)

  it("binding: new() without a dictionary argument has none", function()
    local binding = require "lode.binding.zlib"
    local e = binding.new(C.DEFLATE, 15, 6, 8, 0)    -- five arguments
    local msg, out = e:writeSync(C.Z_FINISH, "hello", 0, 1024)
    e:close()
    assert.is_nil(msg)
    assert.equal("789ccb48cdc9c90700062c0215", hex(out))
  end)
end)
