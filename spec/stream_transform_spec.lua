-- lode.stream Duplex, Transform and PassThrough. Event orders were
-- recorded from Node 20 running the same programs.
local stream = require "lode.stream"
local Buffer = require("lode.buffer").Buffer

local Duplex, Transform, PassThrough = stream.Duplex, stream.Transform,
  stream.PassThrough



describe("lode.stream Transform", function()
  it("transforms and flushes in objectMode, in Node's order", function()
    local log, L = recorder()
    local t = Transform.new({ objectMode = true,
      transform = function(self, chunk, enc, cb)
        L("transform", chunk, enc)
        if chunk == 2 then
          self:push(20)
          self:push(21)
          cb()
        else
          cb(nil, chunk * 10)
        end
      end,
      flush = function(_, cb)
        L("flush")
        cb(nil, 99)
      end })
    t:on("data", function(d) L("data", d) end)
    t:on("end", function() L("end") end)
    t:on("finish", function() L("finish") end)
    t:on("prefinish", function() L("prefinish") end)
    t:on("close", function() L("close") end)
    L("w", t:write(1))
    L("w", t:write(2))
    L("w", t:write(3))
    t:finish(function() L("end cb") end)
    run_loop()
    assert.same({ "transform 1 nil", "data 10", "w true", "transform 2 nil",
      "data 20", "data 21", "w true", "transform 3 nil", "data 30",
      "w true", "flush", "data 99", "prefinish", "end", "end cb", "finish",
      "close" }, log)
  end)

  it("upper-cases bytes, with setEncoding on the output", function()
    local got = {}
    local u = Transform.new({ transform = function(_, chunk, _, cb)
      cb(nil, chunk:toString():upper())
    end })
    u:setEncoding("utf8")
    u:on("data", function(d) got[#got + 1] = d end)
    u:write("abc")
    u:finish("def")
    run_loop()
    assert.same({ "ABC", "DEF" }, got)
  end)

  it("passes a transform error to the write callback, then 'error'",
    function()
    local log, L = recorder()
    local te = Transform.new({ transform = function(_, _, _, cb)
      cb(Error.new("bad"))
    end })
    te:on("error", function(e) L("error", e) end)
    te:on("close", function() L("close") end)
    te:write("x", function(e) L("cb", e) end)
    run_loop()
    assert.same({ "cb bad", "error bad", "close" }, log)
  end)

  it("holds writes while the readable side is full", function()
    local t = Transform.new({ highWaterMark = 2, objectMode = true,
      transform = function(_, c, _, cb) cb(nil, c) end })
    local oks = {}
    for i = 1, 6 do oks[i] = t:write(i) end
    -- The readable side holds 2; the third write's transform waits for
    -- _read, so it and the rest stay counted on the writable side.
    assert.same({ true, true, false, false, false, false }, oks)
    assert.equal(2, t.readableLength)
    assert.equal(5, t.writableLength)
    local got = {}
    t:on("data", function(d) got[#got + 1] = d end)
    t:finish()
    run_loop()
    assert.same({ 1, 2, 3, 4, 5, 6 }, got)
  end)

  it("raises ERR_METHOD_NOT_IMPLEMENTED without a transform", function()
    local t = Transform.new()
    local ok, err = pcall(t.write, t, "x")
    assert.is_false(ok)
    assert.equal("ERR_METHOD_NOT_IMPLEMENTED", err.code)
  end)

  it("calls a subclass's _transform and _flush methods", function()
    local Lines = Transform:extend("Lines")
    function Lines:init()
      Transform.init(self, { readableObjectMode = true })
      self.rest = ""
    end
    function Lines:_transform(chunk, _, cb)
      local text = self.rest .. tostring(chunk)
      for line, nl in text:gmatch("([^\n]*)(\n?)") do
        if nl == "\n" then self:push(line) else self.rest = line end
      end
      cb()
    end
    function Lines:_flush(cb)
      if self.rest ~= "" then self:push(self.rest) end
      cb()
    end
    local got = {}
    local l = Lines.new()
    l:on("data", function(d) got[#got + 1] = d end)
    l:write("one\ntw")
    l:write("o\nthree")
    l:finish()
    run_loop()
    assert.same({ "one", "two", "three" }, got)
  end)
end)

describe("lode.stream PassThrough", function()
  it("passes chunks through and ends", function()
    local log, L = recorder()
    local pt = PassThrough.new()
    pt:on("data", function(c) L("data", c) end)
    pt:on("finish", function() L("finish") end)
    pt:on("end", function() L("end") end)
    pt:on("close", function() L("close") end)
    pt:write("hello")
    pt:finish("world")
    run_loop()
    assert.same({ "data buf:hello", "data buf:world", "end", "finish",
      "close" }, log)
  end)

  it("moves a million objects", function()
    local n = 0
    local pt = PassThrough.new({ objectMode = true })
    pt:on("data", function() n = n + 1 end)
    for i = 1, 1000000 do pt:write(i) end
    pt:finish()
    run_loop(20000)
    assert.equal(1000000, n)
  end)
end)

describe("lode.stream Duplex", function()
  it("ends the writable side with allowHalfOpen = false", function()
    local log, L = recorder()
    local d = Duplex.new({ allowHalfOpen = false,
      read = function() end,
      write = function(_, c, _, cb) L("write", c) cb() end,
      final = function(_, cb) L("final") cb() end })
    d:on("end", function() L("end") end)
    d:on("finish", function() L("finish") end)
    d:on("close", function() L("close") end)
    d:on("data", function(c) L("data", c) end)
    d:push("x")
    d:push(nil)
    run_loop()
    assert.same({ "data buf:x", "end", "final", "finish", "close" }, log)
  end)

  it("stays open after 'end' by default", function()
    local d = Duplex.new({ read = function() end,
      write = function(_, _, _, cb) cb() end })
    d:resume()
    d:push(nil)
    run_loop()
    assert.is_true(d.readableEnded)
    assert.is_true(d.writable)
    assert.is_false(d.destroyed)
    d:finish()
    run_loop()
    assert.is_true(d.destroyed)
  end)

  it("takes readableObjectMode and writableHighWaterMark", function()
    local d = Duplex.new({ readableObjectMode = true,
      writableHighWaterMark = 3, read = function() end,
      write = function(_, _, _, cb) cb() end })
    assert.is_true(d.readableObjectMode)
    assert.is_false(d.writableObjectMode)
    assert.equal(16, d.readableHighWaterMark)
    assert.equal(3, d.writableHighWaterMark)
  end)

  it("reports both sides in its state fields", function()
    local d = Duplex.new({ readable = false,
      write = function(_, _, _, cb) cb() end })
    assert.is_false(d.readable)
    assert.is_true(d.writable)
    d:finish()
    run_loop()
    assert.is_true(d.writableFinished)
    assert.is_true(d.destroyed)
  end)
end)
