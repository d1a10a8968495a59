-- lode.stream Writable. Event orders were recorded from Node 20 running
-- the same programs.
local stream = require "lode.stream"
local Buffer = require("lode.buffer").Buffer

local Writable = stream.Writable



describe("lode.stream Writable", function()
  describe("backpressure", function()
    it("returns false past the mark and emits 'drain' after", function()
      local log, L = recorder()
      local w = Writable.new({ highWaterMark = 10,
        write = function(self, chunk, enc, cb)
          L("_write", chunk, enc, self.writableLength)
          setTimeout(cb, 1)
        end })
      w:on("drain", function()
        L("drain", w.writableLength, w.writableNeedDrain)
      end)
      w:on("finish", function() L("finish", w.writableFinished) end)
      w:on("close", function() L("close") end)
      for k = 1, 3 do
        local ok = w:write("abcd", function(err) L("cb", k, err) end)
        L("write", k, ok, w.writableLength, w.writableNeedDrain)
      end
      run_loop()
      assert.same({ "_write buf:abcd buffer 4", "write 1 true 4 false",
        "write 2 true 8 false", "write 3 false 12 true",
        "_write buf:abcd buffer 8", "cb 1 nil", "_write buf:abcd buffer 4",
        "cb 2 nil", "drain 0 false", "cb 3 nil" }, log)
      assert.is_false(w.writableFinished)
      w:finish()
      run_loop()
      assert.same("finish true", log[#log - 1])
      assert.same("close", log[#log])
    end)

    it("buffers at most what was written before write() said false",
      function()
      local max, writes = 0, 0
      local w = Writable.new({ highWaterMark = 64,
        write = function(_, _, _, cb) setTimeout(cb, 0) end })
      local chunk = string.rep("x", 16)
      local function pump()
        while writes < 200 do
          writes = writes + 1
          local ok = w:write(chunk)
          if w.writableLength > max then max = w.writableLength end
          if not ok then return w:once("drain", pump) end
        end
        w:finish()
      end
      pump()
      run_loop()
      assert.equal(200, writes)
      assert.equal(64, max)                  -- 4 chunks of 16, never more
      assert.is_true(w.writableFinished)
    end)

    it("ends with finish(chunk, cb) in Node's order", function()
      local log, L = recorder()
      local w = Writable.new({ highWaterMark = 10,
        write = function(_, chunk, _, cb)
          L("_write", chunk)
          setTimeout(cb, 1)
        end })
      w:on("finish", function() L("finish") end)
      w:on("close", function() L("close") end)
      w:write("a", function(e) L("cb a", e) end)
      w:finish("b", function(e) L("end cb", e) end)
      L("ended", w.writableEnded, w.writable)
      run_loop()
      assert.same({ "_write buf:a", "ended true false", "_write buf:b",
        "cb a nil", "end cb nil", "finish", "close" }, log)
    end)

    it("counts objects in objectMode and keeps Node's 'drain' timing",
      function()
      local log, L = recorder()
      local w = Writable.new({ objectMode = true, highWaterMark = 2,
        write = function(_, c, _, cb) L("write", c) cb() end })
      w:on("drain", function() L("drain") end)
      L(w:write(1), w:write(2), w:write(3))
      process.nextTick(function() L("tick") end)
      run_loop()
      assert.same({ "write 1", "write 2", "write 3", "true true true",
        "tick" }, log)
      assert.equal(16, Writable.new({ objectMode = true })
        .writableHighWaterMark)
    end)
  end)

  describe("cork / uncork", function()
    it("hands the corked writes to writev at once", function()
      local log, L = recorder()
      local w = Writable.new({
        write = function(_, c, _, cb) L("_write", c) cb() end,
        writev = function(self, chunks, cb)
          local t = {}
          for i, c in ipairs(chunks) do
            t[i] = tostring(c.chunk) .. ":" .. c.encoding
          end
          L("_writev", table.concat(t, ","), self.writableLength)
          cb()
        end })
      w:cork()
      L("corked", w.writableCorked)
      w:write("a", function() L("cb a") end)
      w:write("b")
      w:write("c", function() L("cb c") end)
      process.nextTick(function()
        w:uncork()
        L("uncorked", w.writableCorked)
      end)
      w:on("finish", function() L("finish") end)
      process.nextTick(function()
        w:write("d")
        w:finish("e")
      end)
      run_loop()
      assert.same({ "corked 1", "_writev a:buffer,b:buffer,c:buffer 3",
        "uncorked 0", "_write buf:d", "_write buf:e", "cb a", "cb c",
        "finish" }, log)
    end)

    it("keeps strings with decodeStrings = false", function()
      local log, L = recorder()
      local w = Writable.new({ decodeStrings = false,
        write = function(_, c, e, cb) L(type(c), c, e) cb() end })
      w:write("hi")
      w:write("6869", "hex")
      run_loop()
      assert.same({ "string hi utf8", "string 6869 hex" }, log)
    end)

    it("converts strings with the given encoding", function()
      local got
      local w = Writable.new({ write = function(_, c, _, cb)
        got = c
        cb()
      end })
      w:write("6869", "hex")
      run_loop()
      assert.equal("hi", tostring(got))
    end)
  end)

  describe("bad input", function()
    it("fails a write after finish with ERR_STREAM_WRITE_AFTER_END",
      function()
      local log, L = recorder()
      local w = Writable.new({ write = function(_, _, _, cb) cb() end })
      w:on("error", function(e) L("error", e) end)
      w:on("close", function() L("close") end)
      w:on("finish", function() L("finish") end)
      w:finish()
      L("ret", w:write("x", function(e) L("cb", e) end))
      run_loop()
      assert.same({ "ret false", "cb ERR_STREAM_WRITE_AFTER_END",
        "error ERR_STREAM_WRITE_AFTER_END", "close" }, log)
    end)

    it("fails a write after destroy with ERR_STREAM_DESTROYED", function()
      local log, L = recorder()
      local w = Writable.new({ write = function(_, _, _, cb) cb() end })
      w:on("error", function(e) L("error", e) end)
      w:on("close", function() L("close", w.destroyed, w.closed) end)
      w:destroy()
      L("ret", w:write("x", function(e) L("cb", e) end))
      run_loop()
      assert.same({ "ret false", "close true true",
        "cb ERR_STREAM_DESTROYED" }, log)
    end)

    it("reports a second callback call as ERR_MULTIPLE_CALLBACK", function()
      local log, L = recorder()
      local w = Writable.new({ write = function(_, _, _, cb)
        cb()
        cb()
      end })
      w:on("error", function(e) L("error", e) end)
      w:on("close", function() L("close") end)
      w:write("x")
      run_loop()
      assert.same({ "error ERR_MULTIPLE_CALLBACK", "close" }, log)
    end)

    it("raises ERR_INVALID_ARG_TYPE for a number in byte mode", function()
      local w = Writable.new({ write = function(_, _, _, cb) cb() end })
      local ok, err = pcall(w.write, w, 42)
      assert.is_false(ok)
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
      ok, err = pcall(w.write, w, nil)
      assert.is_false(ok)
      assert.equal("ERR_STREAM_NULL_VALUES", err.code)
      ok, err = pcall(w.write, w, "x", "klingon")
      assert.is_false(ok)
      assert.equal("ERR_UNKNOWN_ENCODING", err.code)
    end)

    it("raises ERR_INVALID_ARG_VALUE for a negative highWaterMark",
      function()
      local ok, err = pcall(Writable.new, { highWaterMark = -1 })
      assert.is_false(ok)
      assert.equal("ERR_INVALID_ARG_VALUE", err.code)
    end)

    it("fails pending writes when destroyed mid-write", function()
      local log, L = recorder()
      local w = Writable.new({ write = function(_, c, _, cb)
        L("write", c)
        setTimeout(cb, 1)
      end })
      w:on("error", function(e) L("error", e) end)
      w:on("close", function() L("close") end)
      w:write("a", function(e) L("cb a", e) end)
      w:write("b", function(e) L("cb b", e) end)
      w:finish(function(e) L("end cb", e) end)
      w:destroy(Error.new("kill"))
      run_loop()
      assert.same({ "write buf:a", "error kill", "close", "cb a nil",
        "cb b kill", "end cb kill" }, log)
    end)

    it("passes a write error to the callback, then 'error'", function()
      local log, L = recorder()
      local w = Writable.new({ write = function(_, _, _, cb)
        cb(Error.new("disk full"))
      end })
      w:on("error", function(e) L("error", e) end)
      w:on("close", function() L("close") end)
      w:write("a", function(e) L("cb", e) end)
      run_loop()
      assert.same({ "cb disk full", "error disk full", "close" }, log)
      assert.equal("disk full", w.errored.message)
    end)
  end)

  describe("final and construct", function()
    it("calls final before 'finish'", function()
      local log, L = recorder()
      local w = Writable.new({
        write = function(_, _, _, cb) cb() end,
        final = function(_, cb)
          L("final")
          setTimeout(cb, 1)
        end })
      w:on("prefinish", function() L("prefinish") end)
      w:on("finish", function() L("finish") end)
      w:finish("x")
      run_loop()
      assert.same({ "final", "prefinish", "finish" }, log)
    end)

    it("buffers writes until construct calls back", function()
      local log, L = recorder()
      local c = Writable.new({
        construct = function(_, cb)
          L("construct")
          setTimeout(function()
            L("constructed")
            cb()
          end, 1)
        end,
        write = function(_, chunk, _, cb) L("write", chunk) cb() end })
      c:write("early")
      L("len", c.writableLength)
      c:finish()
      c:on("finish", function() L("finish") end)
      run_loop()
      assert.same({ "len 5", "construct", "constructed", "write buf:early",
        "finish" }, log)
    end)

    it("turns a construct error into 'error'", function()
      local err
      local w = Writable.new({
        construct = function(_, cb) cb(Error.new("no")) end,
        write = function(_, _, _, cb) cb() end })
      w:on("error", function(e) err = e end)
      run_loop()
      assert.equal("no", err.message)
      assert.is_true(w.destroyed)
    end)
  end)

  describe("subclasses", function()
    it("define _write and _final as methods", function()
      local Collect = Writable:extend("Collect")
      function Collect:init() Writable.init(self) self.parts = {} end
      function Collect:_write(chunk, _, cb)
        self.parts[#self.parts + 1] = tostring(chunk)
        cb()
      end
      function Collect:_final(cb)
        self.done = table.concat(self.parts)
        cb()
      end
      local c = Collect.new()
      c:write("ab")
      c["end"](c, "cd")                      -- the "end" alias
      run_loop()
      assert.equal("abcd", c.done)
      assert.is_true(c.writableFinished)
      assert.is_true(c.destroyed)            -- autoDestroy
    end)

    it("keeps the stream alive with autoDestroy = false", function()
      local w = Writable.new({ autoDestroy = false,
        write = function(_, _, _, cb) cb() end })
      w:finish()
      run_loop()
      assert.is_true(w.writableFinished)
      assert.is_false(w.destroyed)
    end)
  end)
end)
