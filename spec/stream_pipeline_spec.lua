-- lode.stream pipe(), pipeline() and finished(). Event orders were
-- recorded from Node 20 running the same programs.
local stream = require "lode.stream"
local Buffer = require("lode.buffer").Buffer
local Promise = require "lode.promise"

local Readable, Writable, Transform, PassThrough = stream.Readable,
  stream.Writable, stream.Transform, stream.PassThrough



local function collector(opts)
  local w = Writable.new({ objectMode = opts and opts.objectMode,
    write = function(self, c, _, cb)
      self.got[#self.got + 1] = tostring(c)
      cb()
    end })
  w.got = {}
  return w
end

describe("lode.stream pipe()", function()
  it("pauses the source while the destination is full", function()
    local log, L = recorder()
    local n, maxBuffered = 0, 0
    local r = Readable.new({ highWaterMark = 8, read = function(self)
      n = n + 1
      if n > 6 then self:push(nil) else self:push("abcd") end
    end })
    local w = Writable.new({ highWaterMark = 8,
      write = function(self, c, _, cb)
        maxBuffered = math.max(maxBuffered, self.writableLength,
          r.readableLength)
        L("write", #c, self.writableLength, r.readableLength)
        setTimeout(cb, 0)
      end })
    r:on("pause", function() L("pause") end)
    r:on("resume", function() L("resume") end)
    w:on("drain", function() L("drain") end)
    w:on("unpipe", function() L("unpipe") end)
    r:on("end", function() L("end") end)
    w:on("finish", function() L("finish") end)
    r:pipe(w)
    run_loop()
    assert.same({ "resume", "write 4 4 4", "pause", "write 4 4 8", "drain",
      "resume", "write 4 4 8", "pause", "write 4 4 8", "drain", "resume",
      "write 4 4 4", "pause", "end", "write 4 4 0", "finish", "unpipe" },
      log)
    -- Never more than one high-water mark on either side.
    assert.equal(8, maxBuffered)
  end)

  it("feeds several destinations and waits for the slowest", function()
    local src = Readable.new({ highWaterMark = 4, read = function() end })
    local got = { A = {}, B = {} }
    local function mk(name, delay)
      return Writable.new({ highWaterMark = 4,
        write = function(_, c, _, cb)
          table.insert(got[name], tostring(c))
          if delay then setTimeout(cb, delay) else cb() end
        end })
    end
    local a, b = mk("A"), mk("B", 2)
    src:pipe(a)
    src:pipe(b)
    src:push("1234")
    src:push("5678")
    src:push("9")
    local unpiped = false
    b:on("unpipe", function() unpiped = true end)
    setTimeout(function()
      src:unpipe(b)
      src:push("after")
      src:push(nil)
    end, 20)
    run_loop()
    assert.same({ "1234", "5678", "9", "after" }, got.A)
    assert.same({ "1234", "5678", "9" }, got.B)
    assert.is_true(unpiped)
    assert.is_true(a.writableFinished)
    assert.is_false(b.writableFinished)
  end)

  it("chains through a PassThrough", function()
    local out = collector()
    Readable.from({ "a", "b" }):pipe(PassThrough.new()):pipe(out)
    run_loop()
    assert.same({ "a", "b" }, out.got)
  end)

  it("fails piping from a Writable with ERR_STREAM_CANNOT_PIPE", function()
    local err
    local w = Writable.new({ write = function(_, _, _, cb) cb() end })
    w:on("error", function(e) err = e end)
    w:pipe(collector())
    run_loop()
    assert.equal("ERR_STREAM_CANNOT_PIPE", err.code)
  end)
end)

describe("lode.stream.pipeline", function()
  it("connects the streams and calls back once", function()
    local calls, result = 0, nil
    local t = Transform.new({ objectMode = true,
      transform = function(_, c, _, cb) cb(nil, c:upper()) end })
    local out = collector({ objectMode = true })
    local last = stream.pipeline(Readable.from({ "a", "b", "c" }), t, out,
      function(err)
        calls = calls + 1
        result = err
      end)
    assert.equal(out, last)
    run_loop()
    assert.equal(1, calls)
    assert.is_nil(result)
    assert.same({ "A", "B", "C" }, out.got)
  end)

  it("destroys every stream on error and reports the first", function()
    local log, L = recorder()
    local r = Readable.new({ read = function(self) self:push("x") end })
    local t = Transform.new({ transform = function(_, _, _, cb)
      cb(Error.new("boom"))
    end })
    local w = Writable.new({ write = function(_, _, _, cb) cb() end })
    r:on("close", function() L("r close", r.destroyed) end)
    t:on("close", function() L("t close") end)
    w:on("close", function() L("w close") end)
    local calls = 0
    stream.pipeline(r, t, w, function(err)
      calls = calls + 1
      L("done", err)
    end)
    run_loop()
    assert.equal(1, calls)
    assert.same("done boom", log[#log])
    for _, s in ipairs({ r, t, w }) do assert.is_true(s.destroyed) end
  end)

  it("reports ERR_STREAM_PREMATURE_CLOSE when a stream is destroyed",
    function()
    local err
    local r = Readable.new({ read = function() end })
    stream.pipeline(r, collector(), function(e) err = e end)
    r:destroy()
    run_loop()
    assert.equal("ERR_STREAM_PREMATURE_CLOSE", err.code)
  end)

  it("runs function stages as generators", function()
    local out = collector({ objectMode = true })
    local err = false
    stream.pipeline(
      Readable.from({ "a", "b", "c" }),
      function(source)
        for chunk in source do coroutine.yield(chunk:upper()) end
      end,
      function(source)
        for chunk in source do coroutine.yield(chunk .. "!") end
      end,
      out, function(e) err = e end)
    run_loop()
    assert.is_nil(err)
    assert.same({ "A!", "B!", "C!" }, out.got)
  end)

  it("gives the last stage's return value to the callback", function()
    local value
    stream.pipeline(Readable.from({ 1, 2, 3 }), function(source)
      local sum = 0
      for v in source do sum = sum + v end
      return sum
    end, function(_, v) value = v end)
    run_loop()
    assert.equal(6, value)
  end)

  it("takes a generator as the source", function()
    local out = collector({ objectMode = true })
    stream.pipeline(function()
      for i = 1, 3 do coroutine.yield("x" .. i) end
    end, out, function() end)
    run_loop()
    assert.same({ "x1", "x2", "x3" }, out.got)
  end)

  it("takes a stage that returns an iterator function that awaits",
    function()
    local out = collector({ objectMode = true })
    stream.pipeline(Readable.from({ 1, 2 }), function(source)
      return function()
        local v = source()
        if v == nil then return nil end
        return await(Promise.resolve(v * 10))
      end
    end, out, function() end)
    run_loop()
    assert.same({ "10", "20" }, out.got)
  end)

  it("destroys the source when a stage fails", function()
    local src = Readable.new({ objectMode = true, read = function(self)
      self:push(1)
    end })
    local err
    stream.pipeline(src, function(source)
      for _ in source do error(Error.new("stage failed")) end
    end, function(e) err = e end)
    run_loop()
    assert.equal("stage failed", err.message)
    assert.is_true(src.destroyed)
  end)

  it("applies backpressure to an iterator source", function()
    local produced, maxAhead = 0, 0
    local w = Writable.new({ objectMode = true, highWaterMark = 2,
      write = function(_, _, _, cb) setTimeout(cb, 0) end })
    local consumed = 0
    w:on("drain", function() end)
    local orig = w._write
    w._write = function(self, c, e, cb)
      consumed = consumed + 1
      return orig(self, c, e, cb)
    end
    stream.pipeline(function()
      for i = 1, 20 do
        produced = i
        maxAhead = math.max(maxAhead, produced - consumed)
        coroutine.yield(i)
      end
    end, w, function() end)
    run_loop()
    assert.equal(20, consumed)
    assert.is_true(maxAhead <= 3)
  end)

  it("raises ERR_MISSING_ARGS for a single stream", function()
    local ok, err = pcall(stream.pipeline, Readable.from({}), function() end)
    assert.is_false(ok)
    assert.equal("ERR_MISSING_ARGS", err.code)
  end)

  it("returns a Promise without a callback", function()
    local value
    Promise.spawn(function()
      value = await(stream.promises.pipeline(Readable.from({ "q", "r" }),
        function(source)
          local t = {}
          for c in source do t[#t + 1] = c end
          return table.concat(t)
        end))
    end)
    run_loop()
    assert.equal("qr", value)
  end)
end)

describe("lode.stream.finished", function()
  it("calls back when a writable finishes or a readable ends", function()
    local log, L = recorder()
    local w = Writable.new({ write = function(_, _, _, cb) cb() end })
    stream.finished(w, function(err) L("w", err) end)
    w:finish("x")
    local r = Readable.new({ read = function() end })
    stream.finished(r, function(err) L("r", err) end)
    r:resume()
    r:push("a")
    r:push(nil)
    run_loop()
    table.sort(log)
    assert.same({ "r nil", "w nil" }, log)
  end)

  it("reports ERR_STREAM_PREMATURE_CLOSE and the stream's error",
    function()
    local log, L = recorder()
    local r3 = Readable.new({ read = function() end })
    stream.finished(r3, function(err) L("r3", err) end)
    r3:destroy()
    local r6 = Readable.new({ read = function() end })
    stream.finished(r6, function(err) L("r6", err) end)
    r6:destroy(Error.new("e6"))
    run_loop()
    assert.same({ "r3 ERR_STREAM_PREMATURE_CLOSE", "r6 e6" }, log)
  end)

  it("returns a cleanup function that removes its listeners", function()
    local called = false
    local r = Readable.new({ read = function() end })
    local before = r:listenerCount("end")
    local cleanup = stream.finished(r, function() called = true end)
    assert.equal(before + 1, r:listenerCount("end"))
    cleanup()
    assert.equal(before, r:listenerCount("end"))
    r:destroy()
    run_loop()
    assert.is_false(called)
  end)

  it("rejects its Promise form on premature close", function()
    local ok, err
    Promise.spawn(function()
      local r = Readable.new({ read = function(s) s:destroy() end })
      ok, err = pcall(await, stream.promises.finished(r:resume()))
    end)
    run_loop()
    assert.is_false(ok)
    assert.equal("ERR_STREAM_PREMATURE_CLOSE", err.code)
  end)

  it("resolves stream.finished(s) without a callback", function()
    local done = false
    local w = Writable.new({ write = function(_, _, _, cb) cb() end })
    stream.finished(w):next(function() done = true end)
    w:finish()
    run_loop()
    assert.is_true(done)
  end)
end)
