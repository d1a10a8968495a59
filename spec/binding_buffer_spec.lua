-- lode.binding.buffer directly: the metatable, memory ownership (inline
-- bytes, adopted and shared blocks, slices keeping owners alive), misuse
-- that must raise instead of crash, and the binding used before (or
-- without) lode.buffer. Run under ASan by `make check`.
local binding = require "lode.binding.buffer"
local Buffer = require("lode.buffer").Buffer

-- Runs a Lua chunk in a fresh lua5.4 with our package paths; returns
-- its output and whether it exited 0.
local function run_fresh(code, path, env)
  local cmd = ((env or "") .. " lua5.4 -e %q 2>&1"):format(
    ("package.path = %q; package.cpath = %q; %s"):format(
      path or package.path, package.cpath, code))
  local p = io.popen(cmd)
  local out = p:read("a")
  local ok = p:close()
  return out, ok
end

-- Runs 'loop' in a fresh lua5.4 (with 'binding' and a 1 MiB string
-- 'big' in scope) and asserts its peak RSS stays under mib MiB.
local function assert_peak(mib, loop)
  local out, ok = run_fresh([[
    local binding = require "lode.binding.buffer"
    local big = ("x"):rep(1 << 20)
  ]] .. loop .. [[
    for l in io.lines("/proc/self/status") do
      local kb = l:match("^VmHWM:%s*(%d+)")
      if kb then io.write(kb) end
    end
  ]], nil, 'ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=1"')
  assert.is_true(ok, out)
  assert.is_true(tonumber(out) < mib * 1024, out .. " KiB")
end

describe("lode.binding.buffer", function()
  it("names its metatable lode.Buffer", function()
    local b = Buffer.alloc(1)
    assert.equal("lode.Buffer", getmetatable(b).__name)
    assert.equal(binding.metatable, getmetatable(b))
    assert.equal(binding.metatable, debug.getregistry()["lode.Buffer"])
    assert.equal(binding.methods.toString, b.toString)
  end)

  it("adopts C memory without a copy; slices share it", function()
    local a = binding.adopt("adopted bytes")
    assert.is_true(Buffer.isBuffer(a))
    assert.equal("adopted bytes", tostring(a))
    local s = a:slice(8)
    s[0] = 0x42
    assert.equal("adopted Bytes", tostring(a))
    local shared, refs = binding.block_info(a)
    assert.is_false(shared)
    assert.equal(1, refs)
    assert.equal(binding.block_info(s), binding.block_info(a))
    a = nil
    collectgarbage()
    collectgarbage()
    assert.equal("Bytes", tostring(s))   -- the holder outlives the parent
  end)

  it("gives allocShared one atomic block per state", function()
    local b = Buffer.allocShared(16)
    local shared, refs = binding.block_info(b)
    assert.is_true(shared)
    assert.equal(1, refs)
    local s = b:subarray(4, 8)
    assert.equal(4, s.byteOffset)
    assert.equal(1, select(2, binding.block_info(s)))
    assert.is_nil(binding.block_info(Buffer.alloc(4)))
  end)

  it("survives many slices of collected parents", function()
    local keep = {}
    for i = 1, 2000 do
      local p = i % 2 == 0 and Buffer.from(("%06d"):format(i))
        or binding.adopt(("%06d"):format(i))
      keep[i] = p:slice(2):slice(1, 4)
    end
    collectgarbage()
    collectgarbage()
    for i = 1, 2000 do
      assert.equal(("%06d"):format(i):sub(4, 6), tostring(keep[i]))
    end
  end)

  it("frees what it owns (ASan/LSan watch this)", function()
    for _ = 1, 200 do
      local a = binding.adopt(("x"):rep(1000))
      local s = Buffer.allocShared(1000):slice(10)
      assert.equal(990, #s)
      assert.equal(1000, #a)
    end
    collectgarbage()
    collectgarbage()
  end)

  it("tells the collector about malloc'd blocks", function()
    -- 600 MiB adopted and shared in 1 MiB pieces; the peak stays small
    -- only if the collector runs as if it had allocated them itself.
    assert_peak(150, [[
      for _ = 1, 300 do
        local a = binding.adopt(big)
        local s = binding.alloc_shared(1 << 20)
      end
    ]])
  end)

  it("frees the blocks of Buffers that lived a while", function()
    -- Each Buffer outlives a few young collections (as one waiting in a
    -- stream's queue does), so only a full collection frees it: 300 MiB
    -- adopted in 1 MiB pieces, 16 alive at a time. (Generational mode,
    -- as lua.c and the host run; per-KiB collector steps kept 300 MiB.)
    assert_peak(100, [[
      local keep = {}
      for i = 1, 300 do keep[i % 16] = binding.adopt(big) end
    ]])
  end)

  it("leaves a collector stopped by the user stopped", function()
    local seen = setmetatable({}, { __mode = "k" })
    collectgarbage()
    collectgarbage("stop")
    local ok, err = pcall(function()
      for _ = 1, 20 do seen[binding.adopt(("y"):rep(1 << 20))] = true end
    end)
    local running, left = collectgarbage("isrunning"), 0
    for _ in pairs(seen) do left = left + 1 end
    collectgarbage("restart")
    assert.is_true(ok, err)
    assert.is_false(running)
    assert.equal(20, left)             -- nothing was collected meanwhile
    collectgarbage()
  end)

  describe("misuse raises, never crashes", function()
    it("methods called on other values", function()
      local err = select(2, pcall(binding.methods.toString, {}))
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
      for _, name in ipairs({ "toString", "write", "slice", "copy",
        "compare", "readUInt8", "writeUInt8", "swap16", "readIntLE" }) do
        for _, v in ipairs({ 1, "s", io.stdout }) do
          assert.is_false(pcall(binding.methods[name], v), name)
        end
      end
    end)

    it("metamethods called on other values", function()
      local mt = getmetatable(Buffer.alloc(1))
      assert.is_false(pcall(mt.__index, {}, 0))
      assert.is_false(pcall(mt.__index, io.stdout, 0))
      assert.is_false(pcall(mt.__newindex, 1, 0, 0))
      assert.is_false(pcall(mt.__len, "x"))
      assert.is_false(pcall(mt.__tostring, nil))
      assert.is_false(mt.__eq({}, Buffer.alloc(0)))
    end)

    it("module functions with wrong arguments", function()
      local b = Buffer.alloc(4)
      assert.is_false(pcall(binding.find, b, {}, 0, true))
      assert.is_false(pcall(binding.find, "x", "x", 0, true))
      assert.is_false(pcall(binding.fill, {}, 0, 0, 1))
      assert.is_false(pcall(binding.alloc, "x"))
      assert.equal(0, #binding.from({}))    -- Lua's from_other
      assert.equal(4, #binding.fill(b, 1, 1, 100))   -- clamps the end
      assert.equal(4, #binding.fill(b, 2, -5, 100))  -- start: nothing
      assert.equal("00010101", b:toString("hex"))
      local list, bad = binding.concat({ "a", {} })
      assert.is_nil(list)
      assert.equal(2, bad)
    end)

    it("sizes and offsets at the ends of the integer range", function()
      assert.is_false(pcall(binding.alloc_shared, math.maxinteger))
      assert.is_false(pcall(binding.alloc, math.maxinteger))
      local b = Buffer.alloc(4)          -- no overflow in the search start
      assert.equal(-1, binding.find(b, 0, math.maxinteger, true))
      assert.equal(3, binding.find(b, 0, math.maxinteger, false))
      assert.equal(0, binding.find(b, 0, math.mininteger, true))
      assert.equal(-1, binding.find(b, "\0\0", math.maxinteger - 1, true))
    end)
  end)

  it("loads lode.buffer on first use of a Lua method", function()
    local out, ok = run_fresh([[
      local binding = require "lode.binding.buffer"
      local b = binding.adopt("abc")
      io.write(b:indexOf("c"), " ", b:inspect(), " ", b:toString("hex"))
    ]])
    assert.is_true(ok, out)
    assert.equal("2 <Buffer 61 62 63> 616263", out)
  end)

  it("raises plain strings when used without lode.buffer", function()
    local out, ok = run_fresh([[
      local binding = require "lode.binding.buffer"
      local b = binding.adopt("abc")
      io.write(tostring(b.nope), " ", b:toString("hex"), " ")
      local ok, err = pcall(b.toString, b, "xyz")
      io.write(tostring(ok), " ", type(err), " ",
        tostring(err:find("encoding") ~= nil))
    ]], "/nonexistent/?.lua")
    assert.is_true(ok, out)
    assert.equal("nil 616263 false string true", out)
  end)
end)
