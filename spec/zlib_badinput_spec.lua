-- lode.zlib on bad input: corrupt or truncated data fails with Node's
-- codes (Z_DATA_ERROR, Z_BUF_ERROR, ERR__ERROR_FORMAT_* for Brotli)
-- through the callback, the 'error' event or a raise (Sync), and never
-- hangs (run_loop's timeout); maxOutputLength stops a zip bomb.
local zlib = require "lode.zlib"
local stream = require "lode.stream"
local Buffer = require("lode.buffer").Buffer

local sample = sample_text  -- and raised(): spec/helper.lua

local ZCODES = { Z_DATA_ERROR = -3, Z_BUF_ERROR = -5, Z_NEED_DICT = 2 }

describe("lode.zlib bad input", function()
  it("raises Z_DATA_ERROR for garbage, Sync", function()
    for _, f in ipairs({ "gunzipSync", "inflateSync", "unzipSync" }) do
      local err = raised(zlib[f], "this is not compressed data")
      assert.equal("Z_DATA_ERROR", err.code, f)
      assert.equal(-3, err.errno)
      assert.equal("incorrect header check", err.message)
      assert.equal("Error: incorrect header check", tostring(err))
    end
    local err = raised(zlib.inflateRawSync, "\255\255\255\255")
    assert.equal("Z_DATA_ERROR", err.code)
  end)

  it("raises Z_BUF_ERROR for truncated data, Sync", function()
    local gz = zlib.gzipSync(sample(50000))
    for _, n in ipairs({ 0, 1, 5, 10, 11, #gz // 2, #gz - 1 }) do
      local err = raised(zlib.gunzipSync, gz:slice(0, n))
      assert.equal("Z_BUF_ERROR", err.code, "prefix " .. n)
      assert.equal("unexpected end of file", err.message)
      assert.equal(-5, err.errno)
    end
  end)

  it("fails Brotli with Node's codes", function()
    local err = raised(zlib.brotliDecompressSync, "garbage data here")
    assert.equal("ERR__ERROR_FORMAT_PADDING_1", err.code)
    assert.equal("Decompression failed", err.message)
    assert.equal(-14, err.errno)
    local br = zlib.brotliCompressSync(sample(20000))
    err = raised(zlib.brotliDecompressSync, br:slice(0, #br // 2))
    assert.equal("Z_BUF_ERROR", err.code)
    assert.equal("unexpected end of file", err.message)
  end)

  it("passes errors to the callback and rejects the Promise", function()
    local got, rejected = {}, nil
    zlib.gunzip("garbage", function(err, res)
      got[#got + 1] = err.code
      got[#got + 1] = res
    end)
    zlib.brotliDecompress("garbage data here", function(err)
      got[#got + 1] = err.code
    end)
    Promise.spawn(function()
      local cut = zlib.deflateSync("x"):slice(0, 4)
      local ok, err = pcall(await, zlib.inflate(cut))
      rejected = not ok and err.code
    end)
    run_loop()
    table.sort(got)            -- two thread-pool jobs: either may end first
    assert.same({ "ERR__ERROR_FORMAT_PADDING_1", "Z_DATA_ERROR" }, got)
    assert.equal("Z_BUF_ERROR", rejected)
  end)

  it("emits 'error' on a stream and fails its pipeline", function()
    local errs = {}
    local g = zlib.createGunzip()
    g:on("error", function(e) errs[#errs + 1] = e.code end)
    g:write("not gzip at all")
    local t = zlib.createGunzip()
    t:on("error", function(e) errs[#errs + 1] = e.code end)
    t:finish(zlib.gzipSync(sample(10000)):slice(0, 100))
    local perr
    local src, dst = stream.PassThrough.new(), stream.PassThrough.new()
    dst:resume()
    stream.pipeline(src, zlib.createBrotliDecompress(), dst, function(e)
      perr = e
    end)
    src:finish("garbage data here")
    run_loop()
    table.sort(errs)
    assert.same({ "Z_BUF_ERROR", "Z_DATA_ERROR" }, errs)
    assert.equal("ERR__ERROR_FORMAT_PADDING_1", perr.code)
    assert.is_true(g.destroyed)
  end)

  it("survives corruption at every byte: an error or valid output",
    function()
      local data = sample(3000)
      local gz = zlib.gzipSync(data) .. ""
      local codes = {}
      for i = 1, #gz do
        local bad = gz:sub(1, i - 1)
          .. string.char((gz:byte(i) + 0x5b) % 256) .. gz:sub(i + 1)
        local ok, res = pcall(zlib.gunzipSync, bad)
        if ok then
          assert.is_true(Buffer.isBuffer(res))
        else
          assert.is_not_nil(ZCODES[res.code], tostring(res.code))
          codes[res.code] = true
        end
      end
      assert.is_true(codes.Z_DATA_ERROR)
    end)

  it("survives corruption on streams too, without hanging", function()
    local gz = zlib.gzipSync(sample(20000)) .. ""
    local done, total = 0, 0
    for i = 1, #gz, 7 do
      total = total + 1
      local bad = gz:sub(1, i - 1) .. "\0\255" .. gz:sub(i + 2)
      local g = zlib.createGunzip()
      g:on("error", function(e)
        assert.is_not_nil(ZCODES[e.code])
        done = done + 1
      end)
      g:on("end", function() done = done + 1 end)
      g:resume()
      for k = 1, #bad, 500 do g:write(bad:sub(k, k + 499)) end
      g:finish()
    end
    run_loop(20000)
    assert.equal(total, done)
  end)

  it("stops a zip bomb at maxOutputLength without its whole output",
    function()
      local bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024))
      local err = raised(zlib.gunzipSync, bomb, { maxOutputLength = 65536 })
      assert.equal("ERR_BUFFER_TOO_LARGE", err.code)
      assert.equal("RangeError", err.name)
      local got
      zlib.gunzip(bomb, { maxOutputLength = 1 << 20 }, function(e, res)
        got = { e, res }
      end)
      run_loop()
      assert.equal("ERR_BUFFER_TOO_LARGE", got[1].code)
      assert.is_nil(got[2])
    end)
end)
