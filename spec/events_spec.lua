local events = require "lode.events"
local EventEmitter = events.EventEmitter

describe("lode.events", function()
  describe("EventEmitter:emit()", function()
    it("calls listeners synchronously in registration order", function()
      local e, seen = EventEmitter.new(), {}
      e:on("x", function() seen[#seen + 1] = 1 end)
      e:on("x", function() seen[#seen + 1] = 2 end)
      e:on("x", function() seen[#seen + 1] = 3 end)
      assert.is_true(e:emit("x"))
      assert.same({ 1, 2, 3 }, seen)
    end)

    it("passes only the event's arguments, nils kept", function()
      local e, got = EventEmitter.new(), nil
      e:on("x", function(...) got = table.pack(...) end)
      e:emit("x", 1, nil, "a")
      assert.equal(3, got.n)
      assert.same({ 1, nil, "a", n = 3 }, got)
    end)

    it("returns false when nobody listens", function()
      assert.is_false(EventEmitter.new():emit("nothing"))
    end)

    it("does not change the current emit when a listener is removed", function()
      local e, seen = EventEmitter.new(), {}
      local function b() seen[#seen + 1] = "b" end
      e:on("x", function() seen[#seen + 1] = "a"; e:off("x", b) end)
      e:on("x", b)
      e:emit("x")
      assert.same({ "a", "b" }, seen)
      seen = {}
      e:emit("x")
      assert.same({ "a" }, seen)
    end)

    it("raises an Error emitted as 'error' with no listener", function()
      local e = EventEmitter.new()
      local err = Error.new("boom")
      local ok, got = pcall(e.emit, e, "error", err)
      assert.is_false(ok)
      assert.equal(err, got)
    end)

    it("wraps a non-Error 'error' value in ERR_UNHANDLED_ERROR", function()
      local e = EventEmitter.new()
      local ok, got = pcall(e.emit, e, "error", "text")
      assert.is_false(ok)
      assert.equal("ERR_UNHANDLED_ERROR", got.code)
      assert.equal("text", got.context)
    end)
  end)

  describe("once", function()
    it("runs a listener one time", function()
      local e, n = EventEmitter.new(), 0
      e:once("x", function() n = n + 1 end)
      e:emit("x"); e:emit("x")
      assert.equal(1, n)
      assert.equal(0, e:listenerCount("x"))
    end)

    it("can be removed by the original function", function()
      local e = EventEmitter.new()
      local function f() end
      e:once("x", f)
      assert.equal(f, e:listeners("x")[1])
      assert.are_not.equal(f, e:rawListeners("x")[1])
      e:removeListener("x", f)
      assert.equal(0, e:listenerCount("x"))
    end)
  end)

  describe("listener management", function()
    it("prepends listeners", function()
      local e, seen = EventEmitter.new(), {}
      e:on("x", function() seen[#seen + 1] = 2 end)
      e:prependListener("x", function() seen[#seen + 1] = 1 end)
      e:prependOnceListener("x", function() seen[#seen + 1] = 0 end)
      e:emit("x")
      assert.same({ 0, 1, 2 }, seen)
    end)

    it("emits 'newListener' before adding and 'removeListener' after",
      function()
        local e, log = EventEmitter.new(), {}
        local function f() end
        e:on("removeListener", function(name, fn)
          log[#log + 1] = { "remove", name, fn == f, e:listenerCount(name) }
        end)
        e:on("newListener", function(name, fn)
          log[#log + 1] = { "new", name, fn == f, e:listenerCount(name) }
        end)
        e:on("x", f)
        e:off("x", f)
        assert.same({ { "new", "x", true, 0 }, { "remove", "x", true, 0 } },
          log)
      end)

    it("removes all listeners of one event or of all", function()
      local e = EventEmitter.new()
      e:on("a", function() end); e:on("a", function() end)
      e:on("b", function() end)
      e:removeAllListeners("a")
      assert.equal(0, e:listenerCount("a"))
      assert.equal(1, e:listenerCount("b"))
      e:removeAllListeners()
      assert.same({}, e:eventNames())
    end)

    it("lists event names", function()
      local e = EventEmitter.new()
      e:on("a", function() end); e:on("b", function() end)
      local names = e:eventNames()
      table.sort(names)
      assert.same({ "a", "b" }, names)
    end)

    it("warns once past the max listener count", function()
      local e, warnings = EventEmitter.new(), {}
      local function w(x) warnings[#warnings + 1] = x end
      process:on("warning", w)
      for _ = 1, 12 do e:on("x", function() end) end
      process:off("warning", w)
      assert.equal(1, #warnings)
      assert.equal("MaxListenersExceededWarning", warnings[1].name)
      assert.equal(10, e:getMaxListeners())
      e:setMaxListeners(20)
      assert.equal(20, e:getMaxListeners())
    end)

    it("raises ERR_INVALID_ARG_TYPE for a listener that is not a function",
      function()
        local e = EventEmitter.new()
        local ok, err = pcall(e.on, e, "x", 42)
        assert.is_false(ok)
        assert.equal("ERR_INVALID_ARG_TYPE", err.code)
        assert.equal("TypeError", err.name)
        assert.matches('"listener"', err.message)
      end)
  end)

  describe("extend", function()
    it("makes subclasses whose init need not call the parent's", function()
      local MyEmitter = EventEmitter:extend()
      function MyEmitter:init(name) self.name = name end
      local m, got = MyEmitter.new("m"), nil
      m:on("hi", function(v) got = v end)
      m:emit("hi", 5)
      assert.equal("m", m.name)
      assert.equal(5, got)
    end)
  end)

  describe("events.once()", function()
    it("resolves to the sequence of emitted arguments", function()
      local e, got = EventEmitter.new(), nil
      events.once(e, "ready"):next(function(v) got = v end)
      e:emit("ready", 1, 2)
      run_loop()
      assert.same({ 1, 2, n = 2 }, got)
    end)

    it("rejects on 'error'", function()
      local e, got = EventEmitter.new(), nil
      events.once(e, "ready"):catch(function(err) got = err end)
      e:emit("error", Error.new("bad"))
      run_loop()
      assert.equal("bad", got.message)
      assert.equal(0, e:listenerCount("ready"))
    end)
  end)
end)
