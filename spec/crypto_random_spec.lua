-- lode.crypto.random: randomBytes (sync and on the thread pool),
-- randomFillSync/randomFill, randomInt (range, uniformity, Node's
-- limits), randomUUID, getRandomValues, Node's errors for bad input,
-- and a forked child that must not repeat its parent's stream.
local random = require "lode.crypto.random"

-- raises(fn[, code]): raises_code (spec/helper.lua) in this file's order.
local function raises(fn, code) return raises_code(code, fn) end

describe("lode.crypto.random", function()
  describe("randomBytes()", function()
    it("returns a Buffer of the size asked for, synchronously", function()
      for _, n in ipairs({ 0, 1, 16, 1023, 1024, 1025, 70000 }) do
        local b = random.randomBytes(n)
        assert.is_true(Buffer.isBuffer(b))
        assert.are.equal(n, #b)
      end
    end)

    it("gives different bytes each call", function()
      local seen = {}
      for _ = 1, 200 do
        local h = hex(random.randomBytes(16))
        assert.is_nil(seen[h])
        seen[h] = true
      end
    end)

    it("fills every byte of a large Buffer (no zero runs)", function()
      local b = random.randomBytes(1 << 20)
      local s = b .. ""
      assert.is_nil(s:find(("\0"):rep(16), 1, true))
      local counts = {}
      for i = 1, #s, 97 do
        local c = s:byte(i)
        counts[c] = (counts[c] or 0) + 1
      end
      local distinct = 0
      for _ in pairs(counts) do distinct = distinct + 1 end
      assert.is_true(distinct > 250)
    end)

    it("floors a fractional size, as Node", function()
      assert.are.equal(1, #random.randomBytes(1.5))
    end)

    it("runs on the thread pool with a callback", function()
      local got
      assert.is_nil(random.randomBytes(64, function(err, buf)
        assert.is_nil(err)
        got = buf
      end))
      assert.is_nil(got)
      run_loop()
      assert.are.equal(64, #got)
    end)

    it("raises Node's errors for bad sizes and callbacks", function()
      local e = raises(function() random.randomBytes("a") end,
        "ERR_INVALID_ARG_TYPE")
      assert.are.equal('The "size" argument must be of type number. ' ..
        "Received type string ('a')", e.message)
      e = raises(function() random.randomBytes(-1) end, "ERR_OUT_OF_RANGE")
      assert.are.equal('The value of "size" is out of range. It must be ' ..
        ">= 0 && <= 2147483647. Received -1", e.message)
      raises(function() random.randomBytes(2 ^ 31) end, "ERR_OUT_OF_RANGE")
      raises(function() random.randomBytes(0 / 0) end, "ERR_OUT_OF_RANGE")
      raises(function() random.randomBytes(3, 5) end, "ERR_INVALID_ARG_TYPE")
    end)
  end)

  describe("randomFillSync() / randomFill()", function()
    it("fills only the range asked for", function()
      local b = Buffer.alloc(10)
      assert.are.equal(b, random.randomFillSync(b, 2, 3))
      assert.are.equal("0000", hex(b):sub(1, 4))
      assert.are.equal("0000000000", hex(b):sub(11))
      assert.are_not.equal("000000", hex(b):sub(5, 10))
    end)

    it("defaults offset to 0 and size to the rest", function()
      local b = Buffer.alloc(32)
      random.randomFillSync(b, nil, 3)
      assert.are.equal(("00"):rep(29), hex(b):sub(7))
      random.randomFillSync(b)
      assert.is_nil(hex(b):find("00000000000000", 1, true))
    end)

    it("fills on the thread pool and calls back with the Buffer", function()
      local b, calls = Buffer.alloc(4096), 0
      random.randomFill(b, 1024, function(err, out)
        calls = calls + 1
        assert.is_nil(err)
        assert.are.equal(b, out)
      end)
      run_loop()
      assert.are.equal(1, calls)
      assert.are.equal(("00"):rep(1024), hex(b):sub(1, 2048))
      assert.is_nil(hex(b):sub(2049):find(("00"):rep(8), 1, true))
    end)

    it("raises Node's errors for bad arguments", function()
      local b = Buffer.alloc(10)
      local e = raises(function() random.randomFillSync("abc") end,
        "ERR_INVALID_ARG_TYPE")
      assert.are.equal('The "buf" argument must be an instance of ' ..
        "ArrayBuffer or ArrayBufferView. Received type string ('abc')",
        e.message)
      e = raises(function() random.randomFillSync(b, 11) end,
        "ERR_OUT_OF_RANGE")
      assert.are.equal('The value of "offset" is out of range. It must be ' ..
        ">= 0 && <= 10. Received 11", e.message)
      e = raises(function() random.randomFillSync(b, 5, 6) end,
        "ERR_OUT_OF_RANGE")
      assert.are.equal('The value of "size + offset" is out of range. ' ..
        "It must be <= 10. Received 11", e.message)
      raises(function() random.randomFillSync(b, 5, -1) end,
        "ERR_OUT_OF_RANGE")
      raises(function() random.randomFillSync(b, "a") end,
        "ERR_INVALID_ARG_TYPE")
      raises(function() random.randomFill(b) end, "ERR_INVALID_ARG_TYPE")
      raises(function() random.randomFill(b, 11, function() end) end,
        "ERR_OUT_OF_RANGE")
    end)
  end)

  describe("randomInt()", function()
    it("stays in [min, max) and reaches every value", function()
      local seen = {}
      for _ = 1, 2000 do
        local n = random.randomInt(-3, 4)
        assert.is_true(math.type(n) == "integer" and n >= -3 and n < 4)
        seen[n] = true
      end
      for v = -3, 3 do assert.is_true(seen[v]) end
      assert.are.equal(0, random.randomInt(1))
      assert.are.equal(5, random.randomInt(5, 6))
    end)

    it("is uniform where a modulo would be biased", function()
      -- range 3 * 2^46: a plain 48-bit modulo would favour the lowest
      -- third (values below 2^46) with 2/4 of the draws instead of 1/3.
      local range, low, n = 3 * (1 << 46), 0, 3000
      for _ = 1, n do
        if random.randomInt(range) < (1 << 46) then low = low + 1 end
      end
      assert.is_true(low > n / 3 - 150 and low < n / 3 + 150,
        "low third got " .. low)
    end)

    it("accepts Node's extremes", function()
      local max = 281474976710655
      local v = random.randomInt(0, max)
      assert.is_true(v >= 0 and v < max)
      v = random.randomInt(-9007199254740991, -9007199254740991 + max)
      assert.is_true(v >= -9007199254740991)
    end)

    it("calls back on the next tick with a callback", function()
      local got
      random.randomInt(10, function(err, n)
        assert.is_nil(err)
        got = n
      end)
      assert.is_nil(got)
      run_loop()
      assert.is_true(got >= 0 and got < 10)
      random.randomInt(5, 7, function(_, n) got = n end)
      run_loop()
      assert.is_true(got == 5 or got == 6)
    end)

    it("raises Node's errors", function()
      local e = raises(function() random.randomInt() end,
        "ERR_INVALID_ARG_TYPE")
      assert.are.equal('The "max" argument must be a safe integer. ' ..
        "Received nil", e.message)
      e = raises(function() random.randomInt(1.5) end,
        "ERR_INVALID_ARG_TYPE")
      assert.are.equal('The "max" argument must be a safe integer. ' ..
        "Received type number (1.5)", e.message)
      e = raises(function() random.randomInt(5, 5) end, "ERR_OUT_OF_RANGE")
      assert.are.equal('The value of "max" is out of range. It must be ' ..
        'greater than the value of "min" (5). Received 5', e.message)
      e = raises(function() random.randomInt(0, 2 ^ 48 + 1) end,
        "ERR_OUT_OF_RANGE")
      assert.are.equal('The value of "max - min" is out of range. It must ' ..
        "be <= 281474976710655. Received 281_474_976_710_657", e.message)
      raises(function() random.randomInt(0, 2 ^ 53) end,
        "ERR_INVALID_ARG_TYPE")
      raises(function() random.randomInt("a", 5) end, "ERR_INVALID_ARG_TYPE")
      raises(function() random.randomInt(1, 5, "x") end,
        "ERR_INVALID_ARG_TYPE")
    end)

    it("binding: min near the integer limit wraps, never overflows",
      function()
        local b = require "lode.binding.crypto_random"
        local n = b.int(math.maxinteger - 1, 2)
        assert.is_true(n == math.maxinteger - 1 or n == math.maxinteger)
        assert.is_true(pcall(b.int, math.maxinteger, 2))   -- UBSan: clean
      end)
  end)

  describe("randomUUID()", function()
    it("gives distinct lowercase version 4 UUIDs", function()
      local seen = {}
      for _ = 1, 500 do
        local u = random.randomUUID()
        assert.is_truthy(u:match("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-" ..
          "[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"))
        assert.are.equal(u:lower(), u)
        assert.is_nil(seen[u])
        seen[u] = true
      end
    end)

    it("checks its options as Node", function()
      random.randomUUID({ disableEntropyCache = true })
      raises(function() random.randomUUID(5) end, "ERR_INVALID_ARG_TYPE")
      raises(function() random.randomUUID({ disableEntropyCache = 5 }) end,
        "ERR_INVALID_ARG_TYPE")
    end)
  end)

  describe("getRandomValues()", function()
    it("fills and returns the Buffer", function()
      local b = Buffer.alloc(65536)
      assert.are.equal(b, random.getRandomValues(b))
      assert.is_nil(hex(b):find(("00"):rep(8), 1, true))
    end)

    it("refuses more than 65536 bytes and non-Buffers", function()
      local e = raises(function()
        random.getRandomValues(Buffer.alloc(65537))
      end)
      assert.are.equal("QuotaExceededError", e.name)
      e = raises(function() random.getRandomValues("abc") end)
      assert.are.equal("TypeMismatchError", e.name)
    end)
  end)

  describe("after fork()", function()
    it("the child reseeds and drops the cache, never repeating", function()
      local binding = require "lode.binding.crypto_random"
      random.randomBytes(16)                 -- seeded before the fork
      random.randomUUID()                    -- and the cache filled
      local child, parent = binding._forkprobe()
      assert.are.equal(32, #child)
      assert.are_not.equal(parent:sub(1, 16), child:sub(1, 16))
      assert.are_not.equal(parent:sub(17), child:sub(17))
    end)
  end)
end)
