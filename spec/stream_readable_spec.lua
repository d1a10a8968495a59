-- lode.stream Readable. Event orders were recorded from Node 20 running
-- the same programs.
local stream = require "lode.stream"
local Buffer = require("lode.buffer").Buffer
local Promise = require "lode.promise"

local Readable, Writable = stream.Readable, stream.Writable



describe("lode.stream Readable", function()
  describe("paused mode", function()
    it("reads with read(n) on 'readable' in Node's order", function()
      local log, L = recorder()
      local i = 0
      local r = Readable.new({ highWaterMark = 4, read = function(self, n)
        i = i + 1
        L("_read", n, i)
        if i <= 3 then self:push("ab" .. i) else self:push(nil) end
      end })
      r:on("readable", function()
        L("readable", r.readableLength)
        local c = r:read(2)
        while c ~= nil do
          L("got", c)
          c = r:read(2)
        end
      end)
      r:on("end", function() L("end", r.readableEnded) end)
      r:on("close", function() L("close", r.destroyed) end)
      L("flowing", r.readableFlowing)
      run_loop()
      assert.same({ "flowing false", "_read 4 1", "readable 3", "_read 4 2",
        "got buf:ab", "_read 4 3", "got buf:1a", "_read 4 4", "got buf:b2",
        "got buf:ab", "got buf:3", "readable 0", "readable 0", "end true",
        "close true" }, log)
    end)

    it("buffers up to the high-water mark and push() says when full",
      function()
      local r = Readable.new({ highWaterMark = 10, read = function() end })
      assert.is_true(r:push("abcd"))
      assert.is_true(r:push("efgh"))
      assert.is_false(r:push("ijkl"))       -- 12 >= 10
      assert.equal(12, r.readableLength)
      assert.equal("abcdef", tostring(r:read(6)))
      assert.equal(6, r.readableLength)
      assert.equal("ghijkl", tostring(r:read()))
      assert.equal(0, r.readableLength)
    end)

    it("counts objects in objectMode, 16 by default", function()
      local r = Readable.new({ objectMode = true, read = function() end })
      assert.equal(16, r.readableHighWaterMark)
      local pushed = 0
      while r:push({ n = pushed }) do pushed = pushed + 1 end
      assert.equal(15, pushed)               -- the 16th returned false
      assert.equal(16, r.readableLength)
      assert.same({ n = 0 }, r:read(100))    -- n is ignored: one object
      assert.equal(15, r.readableLength)
    end)

    it("defaults to 16 KiB in byte mode", function()
      local r = Readable.new()
      assert.equal(16384, r.readableHighWaterMark)
      assert.is_false(r.readableObjectMode)
    end)

    it("unshifts a chunk back to the front", function()
      local log, L = recorder()
      local u = Readable.new({ read = function() end })
      u:push("hello")
      u:once("readable", function()
        local a = u:read(2)
        L("read", a)
        u:unshift(a)
        L("after unshift", u.readableLength, u:read())
      end)
      run_loop()
      assert.same({ "read buf:he", "after unshift 5 buf:hello" }, log)
    end)

    it("tracks isPaused() and readableFlowing", function()
      local r = Readable.new({ read = function() end })
      assert.is_false(r:isPaused())
      assert.is_nil(r.readableFlowing)
      r:pause()
      assert.is_true(r:isPaused())
      assert.is_false(r.readableFlowing)
      r:resume()
      assert.is_false(r:isPaused())
      assert.is_true(r.readableFlowing)
      r:push(nil)
      run_loop()
      assert.is_true(r.readableEnded)
    end)

    it("gives 'readable' precedence over 'data'", function()
      local log, L = recorder()
      local r = Readable.new({ read = function() end })
      r:on("readable", function() L("readable", r:read()) end)
      r:on("data", function(d) L("data", d) end)
      r:push("x")
      r:push("y")
      run_loop()
      assert.same({ "data buf:xy", "readable buf:xy" }, log)
    end)
  end)

  describe("flowing mode", function()
    it("emits 'data' then 'end' then 'close'", function()
      local log, L = recorder()
      local r = Readable.new({ objectMode = true, read = function() end })
      r:on("data", function(c) L("data", c) end)
      r:on("end", function() L("end") end)
      r:on("close", function() L("close") end)
      r:push(1)
      r:push(false)                          -- any value but nil
      r:push(nil)
      run_loop()
      assert.same({ "data 1", "data false", "end", "close" }, log)
    end)

    it("stops on pause() and goes on after resume()", function()
      local got = {}
      local r = Readable.new({ objectMode = true, read = function() end })
      r:on("data", function(c)
        got[#got + 1] = c
        if c == 2 then
          r:pause()
          setTimeout(function() r:resume() end, 5)
        end
      end)
      for i = 1, 4 do r:push(i) end
      r:push(nil)
      local seen
      setTimeout(function() seen = #got end, 1)
      run_loop()
      assert.equal(2, seen)
      assert.same({ 1, 2, 3, 4 }, got)
    end)
  end)

  describe("bad input", function()
    it("fails push() after EOF with ERR_STREAM_PUSH_AFTER_EOF", function()
      local log, L = recorder()
      local r = Readable.new({ read = function() end })
      r:on("error", function(e) L("error", e) end)
      r:on("close", function() L("close") end)
      r:push(nil)
      r:push("late")
      run_loop()
      assert.same({ "error ERR_STREAM_PUSH_AFTER_EOF", "close" }, log)
    end)

    it("fails a non-string, non-Buffer chunk with ERR_INVALID_ARG_TYPE",
      function()
      local err
      local r = Readable.new({ read = function() end })
      r:on("error", function(e) err = e end)
      assert.is_false(r:push(42))
      run_loop()
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
      assert.equal("TypeError", err.name)
      assert.is_true(r.destroyed)
    end)

    it("turns an error raised in _read into 'error' then 'close'", function()
      local log, L = recorder()
      local r = Readable.new({ read = function()
        error(Error.new("readfail"))
      end })
      r:on("error", function(e) L("error", e.message) end)
      r:on("close", function() L("close") end)
      r:resume()
      run_loop()
      assert.same({ "error readfail", "close" }, log)
    end)

    it("raises ERR_METHOD_NOT_IMPLEMENTED without _read", function()
      local err
      local r = Readable.new()
      r:on("error", function(e) err = e end)
      r:read()
      run_loop()
      assert.equal("ERR_METHOD_NOT_IMPLEMENTED", err.code)
    end)
  end)

  describe("destroy()", function()
    it("emits 'error' then 'close' on a later tick", function()
      local log, L = recorder()
      local r = Readable.new({ read = function() end })
      r:on("error", function(e) L("error", e.message, r.destroyed) end)
      r:on("close", function() L("close", r.closed) end)
      r:destroy(Error.new("boom"))
      L("sync", r.destroyed, r.errored and r.errored.message)
      run_loop()
      assert.same({ "sync true boom", "error boom true", "close true" }, log)
      assert.is_true(r.readableAborted)
    end)

    it("is idempotent and honours emitClose = false", function()
      local closes = 0
      local r = Readable.new({ emitClose = false, read = function() end })
      r:on("close", function() closes = closes + 1 end)
      r:destroy()
      r:destroy()
      run_loop()
      assert.equal(0, closes)
      assert.is_true(r.destroyed)
    end)

    it("waits for construct() before _destroy", function()
      local log, L = recorder()
      local r = Readable.new({
        construct = function(_, cb)
          L("construct")
          setTimeout(function() L("constructed") cb() end, 1)
        end,
        destroy = function(_, err, cb) L("_destroy") cb(err) end,
        read = function(self) self:push(nil) end,
      })
      r:destroy()
      run_loop()
      assert.same({ "construct", "constructed", "_destroy" }, log)
    end)
  end)

  describe("setEncoding", function()
    it("never splits a multi-byte UTF-8 character across chunks",
      function()
      local got = {}
      local r = Readable.new({ read = function() end })
      r:setEncoding("utf8")
      r:on("data", function(d) got[#got + 1] = d end)
      local euro = Buffer.from("€")                      -- e2 82 ac
      r:push(euro:slice(0, 1))
      r:push(euro:slice(1, 3))
      r:push(Buffer.from("a\xF0\x9F"))
      r:push(Buffer.from("\x98\x80b"))
      r:push(Buffer.from("\xE2\x82"))                    -- cut at the end
      r:push(nil)
      run_loop()
      assert.same({ "€", "a", "😀b", "\xEF\xBF\xBD" }, got)
      for _, s in ipairs(got) do assert.is_not_nil(utf8.len(s)) end
    end)

    it("converts what is already buffered", function()
      local got
      local r = Readable.new({ read = function() end })
      r:push(Buffer.from("h\xC3"))
      r:push(Buffer.from("\xA9llo"))
      r:setEncoding("utf8")
      r:on("data", function(d) got = d end)
      run_loop()
      assert.equal("héllo", got)
      assert.equal("utf8", r.readableEncoding)
    end)

    it("decodes hex and base64 from the encoding option", function()
      local hex, b64 = {}, {}
      local r3 = Readable.new({ read = function() end, encoding = "hex" })
      r3:on("data", function(d) hex[#hex + 1] = d end)
      r3:push("AB")
      local r4 = Readable.new({ read = function() end, encoding = "base64" })
      r4:on("data", function(d) b64[#b64 + 1] = d end)
      r4:push("abcd")
      r4:push("e")
      r4:push(nil)
      run_loop()
      assert.same({ "4142" }, hex)
      assert.same({ "YWJj", "ZGU=" }, b64)
    end)

    it("read(n) cuts decoded text only between characters", function()
      local r = Readable.new({ read = function() end })
      r:setEncoding("utf8")
      r:push("é€x")
      assert.equal("é", r:read(1))          -- 1 byte would cut 'é'
      assert.equal("€x", r:read())
    end)
  end)

  describe("Readable.from", function()
    it("reads a sequence, a string and a Buffer", function()
      local seq, str, buf = {}, {}, {}
      Readable.from({ "a", "b", 3 }):on("data", function(d)
        seq[#seq + 1] = d
      end)
      Readable.from("whole"):on("data", function(d) str[#str + 1] = d end)
      Readable.from(Buffer.from("bytes")):on("data", function(d)
        buf[#buf + 1] = tostring(d)
      end)
      run_loop()
      assert.same({ "a", "b", 3 }, seq)
      assert.same({ "whole" }, str)
      assert.same({ "bytes" }, buf)
    end)

    it("calls an iterator function until it returns nil", function()
      local got, i = {}, 0
      local r = Readable.from(function()
        i = i + 1
        if i <= 3 then return i * 2 end
      end)
      r:on("data", function(d) got[#got + 1] = d end)
      run_loop()
      assert.same({ 2, 4, 6 }, got)
    end)

    it("takes a coroutine.wrap generator and awaits Promise values",
      function()
      local got = {}
      Readable.from(coroutine.wrap(function()
        coroutine.yield("g1")
        coroutine.yield(Promise.resolve("g2"))
      end)):on("data", function(d) got[#got + 1] = d end)
      run_loop()
      assert.same({ "g1", "g2" }, got)
    end)

    it("lets an iterator function await inside its task", function()
      local got, i = {}, 0
      Readable.from(function()
        i = i + 1
        if i > 2 then return nil end
        return await(Promise.new(function(res)
          setTimeout(function() res("t" .. i) end, 1)
        end))
      end):on("data", function(d) got[#got + 1] = d end)
      run_loop()
      assert.same({ "t1", "t2" }, got)
    end)

    it("raises ERR_INVALID_ARG_TYPE for a number", function()
      local ok, err = pcall(Readable.from, 42)
      assert.is_false(ok)
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
    end)
  end)

  describe(":iter()", function()
    it("iterates inside a task and ends with the stream", function()
      local r = Readable.new({ objectMode = true, read = function() end })
      local n = 0
      local function feed()
        n = n + 1
        if n <= 3 then
          r:push(n)
          setTimeout(feed, 1)
        else
          r:push(nil)
        end
      end
      feed()
      local sum
      Promise.spawn(function()
        sum = 0
        for v in r:iter() do sum = sum + v end
      end)
      run_loop()
      assert.equal(6, sum)
    end)

    it("destroys the stream when the loop breaks early", function()
      local got, closed = {}, false
      local r = Readable.from({ "a", "b", "c", "d" })
      r:on("close", function() closed = true end)
      Promise.spawn(function()
        for chunk in r:iter() do
          got[#got + 1] = chunk
          if chunk == "b" then break end
        end
      end)
      run_loop()
      assert.same({ "a", "b" }, got)
      assert.is_true(r.destroyed)
      assert.is_true(closed)
    end)

    it("keeps the stream with destroyOnReturn = false", function()
      local r = Readable.from({ "a", "b", "c" })
      local first, rest = nil, {}
      Promise.spawn(function()
        for chunk in r:iter({ destroyOnReturn = false }) do
          first = chunk
          break
        end
        for chunk in r:iter() do rest[#rest + 1] = chunk end
      end)
      run_loop()
      assert.equal("a", first)
      assert.same({ "b", "c" }, rest)
    end)

    it("raises the stream's error in the loop", function()
      local r = Readable.new({ read = function() end })
      r:destroy(Error.new("it3"))
      local ok, err
      Promise.spawn(function()
        ok, err = pcall(function() for _ in r:iter() do end end)
      end)
      run_loop()
      assert.is_false(ok)
      assert.equal("it3", err.message)
    end)

    it("raises outside a task when it has to wait", function()
      local r = Readable.new({ read = function() end })
      local ok, err = pcall(function() for _ in r:iter() do end end)
      assert.is_false(ok)
      assert.equal("ERR_AWAIT_OUTSIDE_TASK", err.code)
      r:destroy()
      run_loop()
    end)
  end)

  describe("subclasses", function()
    it("work without calling Readable.init (state made on first use)",
      function()
      local Counter = Readable:extend("Counter")
      function Counter:init(max) self.max, self.n = max, 0 end
      function Counter:_read()
        self.n = self.n + 1
        if self.n > self.max then self:push(nil)
        else self:push(tostring(self.n)) end
      end
      local c = Counter.new(3)
      assert.equal(0, c.readableLength)
      assert.is_false(c.readableEnded)
      local got = {}
      c:on("data", function(d) got[#got + 1] = tostring(d) end)
      run_loop()
      assert.same({ "1", "2", "3" }, got)
      assert.is_true(c.readableEnded)
    end)

    it("pipes into a Writable subclass", function()
      local Sink = Writable:extend("Sink")
      function Sink:init() Writable.init(self, { objectMode = true }) end
      function Sink:_write(chunk, _, cb)
        self.got = (self.got or "") .. chunk
        cb()
      end
      local s = Sink.new()
      Readable.from({ "x", "y" }):pipe(s)
      run_loop()
      assert.equal("xy", s.got)
      assert.is_true(s.writableFinished)
    end)
  end)
end)
