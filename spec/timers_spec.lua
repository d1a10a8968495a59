local uv = require "lode.binding.uv"
local timers = require "lode.timers"

describe("lode.timers", function()
  it("fires timers with equal delays in creation order", function()
    local seen = {}
    for i = 1, 20 do setTimeout(function() seen[#seen + 1] = i end, 5) end
    run_loop()
    for i = 1, 20 do assert.equal(i, seen[i]) end
  end)

  it("never fires early", function()
    local early = 0
    for _, ms in ipairs({ 1, 2, 5, 10, 15 }) do
      local t0 = uv.hrtime()
      setTimeout(function()
        if (uv.hrtime() - t0) / 1e6 < ms then early = early + 1 end
      end, ms)
    end
    run_loop()
    assert.equal(0, early)
  end)

  it("passes extra arguments", function()
    local got
    setTimeout(function(...) got = table.pack(...) end, 1, "a", nil, 3)
    run_loop()
    assert.same({ "a", nil, 3, n = 3 }, got)
  end)

  it("clears timeouts and intervals", function()
    local n, fired = 0, false
    local t = setTimeout(function() fired = true end, 5)
    clearTimeout(t)
    local iv
    iv = setInterval(function()
      n = n + 1
      if n == 3 then clearInterval(iv) end
    end, 1)
    run_loop()
    assert.is_false(fired)
    assert.equal(3, n)
  end)

  it("does not keep the loop alive when unref'd", function()
    local fired = false
    local t = setTimeout(function() fired = true end, 50)
    t:unref()
    assert.is_false(t:hasRef())
    run_loop()
    assert.is_false(fired)
    t:close()
  end)

  it("refresh() restarts a timer, even after it fired", function()
    local n = 0
    local t
    t = setTimeout(function()
      n = n + 1
      if n < 2 then t:refresh() end
    end, 1)
    run_loop()
    assert.equal(2, n)
  end)

  it("runs immediates after I/O-free timers of the same turn, in order",
    function()
      local order = {}
      setImmediate(function() order[#order + 1] = "i1" end)
      setImmediate(function(x) order[#order + 1] = x end, "i2")
      process.nextTick(function() order[#order + 1] = "tick" end)
      run_loop()
      assert.same({ "tick", "i1", "i2" }, order)
    end)

  it("runs immediates queued during the check phase on the next turn",
    function()
      local order = {}
      setImmediate(function()
        order[#order + 1] = "a"
        setImmediate(function() order[#order + 1] = "c" end)
        setTimeout(function() order[#order + 1] = "t" end, 0)
      end)
      setImmediate(function() order[#order + 1] = "b" end)
      run_loop()
      assert.same("a", order[1])
      assert.same("b", order[2])
      assert.equal(4, #order)
    end)

  it("drains nextTicks and microtasks after each immediate", function()
    local order = {}
    setImmediate(function()
      order[#order + 1] = "i1"
      Promise.resolve():next(function() order[#order + 1] = "m1" end)
    end)
    setImmediate(function() order[#order + 1] = "i2" end)
    run_loop()
    assert.same({ "i1", "m1", "i2" }, order)
  end)

  it("runs an immediate before a 0 ms timeout queued in an I/O callback",
    function()
      local order = {}
      require("lode.fs").stat("/", function()
        setTimeout(function() order[#order + 1] = "timeout" end, 0)
        setImmediate(function() order[#order + 1] = "immediate" end)
      end)
      run_loop()
      assert.same({ "immediate", "timeout" }, order)
    end)

  it("clearImmediate cancels", function()
    local fired = false
    clearImmediate(setImmediate(function() fired = true end))
    run_loop()
    assert.is_false(fired)
  end)

  it("handles 100,000 pending timers", function()
    local n = 0
    for i = 1, 100000 do setTimeout(function() n = n + 1 end, i % 20) end
    run_loop(30000)
    assert.equal(100000, n)
  end)

  it("timers.promises.setTimeout resolves to the value", function()
    local got
    timers.promises.setTimeout(2, "v"):next(function(v) got = v end)
    run_loop()
    assert.equal("v", got)
  end)

  it("raises ERR_INVALID_ARG_TYPE for a callback that is not a function",
    function()
      local ok, err = pcall(setTimeout, "x", 1)
      assert.is_false(ok)
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
    end)

  it("routes an error thrown in a callback to 'uncaughtException'",
    function()
      setTimeout(function() error(Error.new("in timer")) end, 1)
      local ok, err = pcall(run_loop)
      assert.is_false(ok)
      assert.equal("in timer", err.message)
    end)
end)
