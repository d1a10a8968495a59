local Promise = require "lode.promise"

describe("lode.promise", function()
  it("runs reactions as microtasks, never inline", function()
    local seen = {}
    Promise.resolve(1):next(function(v) seen[#seen + 1] = v end)
    seen[#seen + 1] = 0
    run_loop()
    assert.same({ 0, 1 }, seen)
  end)

  it("chains values and adopts returned promises", function()
    local got
    Promise.resolve(1):next(function(v) return v + 1 end)
      :next(function(v) return Promise.resolve(v * 10) end)
      :next(function(v) got = v end)
    run_loop()
    assert.equal(20, got)
  end)

  it("turns a raise in a reaction into a rejection", function()
    local got
    Promise.resolve():next(function() error("bad", 0) end)
      :catch(function(e) got = e end)
    run_loop()
    assert.equal("bad", got)
  end)

  it("adopts thenables", function()
    local thenable = { next = function(_, ok) ok(7) end }
    local got
    Promise.resolve(thenable):next(function(v) got = v end)
    run_loop()
    assert.equal(7, got)
  end)

  it("runs finally and keeps the value", function()
    local order = {}
    Promise.resolve(3):finally(function() order[#order + 1] = "f" end)
      :next(function(v) order[#order + 1] = v end)
    run_loop()
    assert.same({ "f", 3 }, order)
  end)

  it("orders nextTicks before promise reactions", function()
    local order = {}
    Promise.resolve():next(function() order[#order + 1] = "micro" end)
    process.nextTick(function() order[#order + 1] = "tick" end)
    queueMicrotask(function() order[#order + 1] = "qm" end)
    run_loop()
    assert.same({ "tick", "micro", "qm" }, order)
  end)

  describe("combinators", function()
    it("all resolves in order and rejects on the first failure", function()
      local got, err
      Promise.all({ 1, Promise.resolve(2), Promise.new(function(res)
        setTimeout(res, 1, 3) end) }):next(function(v) got = v end)
      Promise.all({ Promise.reject("x"), 2 }):catch(function(e) err = e end)
      run_loop()
      assert.same({ 1, 2, 3 }, got)
      assert.equal("x", err)
    end)

    it("allSettled reports each outcome", function()
      local got
      Promise.allSettled({ Promise.resolve(1), Promise.reject("no") })
        :next(function(v) got = v end)
      run_loop()
      assert.same({ { status = "fulfilled", value = 1 },
        { status = "rejected", reason = "no" } }, got)
    end)

    it("race settles with the first", function()
      local got
      Promise.race({ Promise.new(function(res) setTimeout(res, 20, "slow")
        end), Promise.resolve("fast") }):next(function(v) got = v end)
      run_loop()
      assert.equal("fast", got)
    end)

    it("any rejects with an AggregateError of every reason", function()
      local err
      Promise.any({ Promise.reject(1), Promise.reject(2) })
        :catch(function(e) err = e end)
      run_loop()
      assert.equal("AggregateError", err.name)
      assert.same({ 1, 2 }, err.errors)
    end)
  end)

  describe("tasks", function()
    it("await returns the value of a promise", function()
      local got
      async(function()
        local a = await(Promise.resolve(1))
        local b = await(require("lode.timers").promises.setTimeout(5, 2))
        got = a + b + await(3)
      end)()
      run_loop()
      assert.equal(6, got)
    end)

    it("await raises a rejection reason inside the task", function()
      local got
      async(function()
        local ok, e = pcall(await, Promise.reject(Error.new("nope")))
        got = not ok and e.message
      end)()
      run_loop()
      assert.equal("nope", got)
    end)

    it("async returns a promise of the result or the error", function()
      local v, e
      async(function(x) return x * 2 end)(21):next(function(r) v = r end)
      async(function() error("bad", 0) end)():catch(function(r) e = r end)
      run_loop()
      assert.equal(42, v)
      assert.equal("bad", e)
    end)

    it("await outside a task raises ERR_AWAIT_OUTSIDE_TASK", function()
      local ok, err = pcall(await, Promise.resolve(1))
      assert.is_false(ok)
      assert.equal("ERR_AWAIT_OUTSIDE_TASK", err.code)
    end)

    it("await returns exactly one value", function()
      local n
      async(function() n = select("#", await(Promise.resolve(1))) end)()
      run_loop()
      assert.equal(1, n)
    end)
  end)

  describe("unhandled rejections", function()
    it("emit 'unhandledRejection' when someone listens", function()
      local reason
      local function on(r) reason = r end
      process:on("unhandledRejection", on)
      Promise.reject("lost")
      run_loop()
      process:off("unhandledRejection", on)
      assert.equal("lost", reason)
    end)

    it("are uncaught errors otherwise", function()
      Promise.reject(Error.new("lost too"))
      local ok, err = pcall(run_loop)
      assert.is_false(ok)
      assert.equal("lost too", err.message)
    end)

    it("do not fire for a rejection handled in the same drain", function()
      local fired = false
      local function on() fired = true end
      process:on("unhandledRejection", on)
      local p = Promise.reject("x")
      p:catch(function() end)
      run_loop()
      process:off("unhandledRejection", on)
      assert.is_false(fired)
    end)
  end)
end)
