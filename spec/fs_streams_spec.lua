-- fs.createReadStream / fs.createWriteStream: events, ranges (finish is
-- Node's inclusive `end`), one byte at a time, encodings, descriptors,
-- piping, errors, and no descriptor leaks.
local fs = require "lode.fs"
local stream = require "lode.stream"


local dir, fds
before_each(function()
  fds = fd_count()
  dir = fs.mkdtempSync("/tmp/lode-fss-spec-")
end)
after_each(function()
  fs.rmSync(dir, { recursive = true, force = true })
  assert.are.equal(fds, fd_count(), "file descriptors leaked")
end)

-- Collects a readable's chunks and events; returns the record.
local function collect(r)
  local rec = { chunks = {}, events = {} }
  for _, ev in ipairs({ "open", "ready", "end", "close" }) do
    r:on(ev, function() rec.events[#rec.events + 1] = ev end)
  end
  r:on("data", function(c) rec.chunks[#rec.chunks + 1] = c end)
  r:on("error", function(e) rec.err = e end)
  return rec
end

local function text(chunks)
  local t = {}
  for i, c in ipairs(chunks) do t[i] = tostring(c) end
  return table.concat(t)
end

describe("fs.createReadStream", function()
  it("reads in highWaterMark chunks with open/ready/end/close", function()
    local p = dir .. "/r"
    fs.writeFileSync(p, ("x"):rep(150000))
    local r = fs.createReadStream(p)
    assert.is_true(r.pending)
    local fd
    r:on("open", function(n) fd = n end)
    local rec = collect(r)
    run_loop()
    assert.are.same({ "open", "ready", "end", "close" }, rec.events)
    assert.is_true(math.type(fd) == "integer")
    assert.are.equal(3, #rec.chunks)
    assert.is_true(Buffer.isBuffer(rec.chunks[1]))
    assert.are.equal(65536, #rec.chunks[1])
    assert.are.equal(150000, r.bytesRead)
    assert.are.equal(150000, #text(rec.chunks))
    assert.is_false(r.pending)
    assert.is_true(r.destroyed)
  end)

  it("reads one byte at a time with highWaterMark = 1", function()
    local p = dir .. "/one"
    fs.writeFileSync(p, "abcdef")
    local rec = collect(fs.createReadStream(p, { highWaterMark = 1 }))
    run_loop()
    assert.are.equal(6, #rec.chunks)
    for _, c in ipairs(rec.chunks) do assert.are.equal(1, #c) end
    assert.are.equal("abcdef", text(rec.chunks))
  end)

  it("honours start and an inclusive finish (and ['end'])", function()
    local p = dir .. "/range"
    fs.writeFileSync(p, "0123456789")
    local a = collect(fs.createReadStream(p, { start = 2, finish = 5 }))
    local b = collect(fs.createReadStream(p, { start = 7, ["end"] = 100 }))
    local c = fs.createReadStream(p, { finish = 0, encoding = "utf8" })
    local crec = collect(c)
    local d = collect(fs.createReadStream(p, { start = 3, finish = 5,
      highWaterMark = 2 }))
    run_loop()
    assert.are.equal("2345", text(a.chunks))
    assert.are.equal("789", text(b.chunks))
    assert.are.equal("0", crec.chunks[1])
    assert.are.equal("string", type(crec.chunks[1]))
    assert.are.equal(1, c.bytesRead)
    assert.are.same({ "34", "5" }, { tostring(d.chunks[1]),
      tostring(d.chunks[2]) })
  end)

  it("decodes with an encoding", function()
    local p = dir .. "/enc"
    fs.writeFileSync(p, "\x01\x02\xff")
    local rec = collect(fs.createReadStream(p, { encoding = "hex" }))
    run_loop()
    assert.are.equal("0102ff", table.concat(rec.chunks))
  end)

  it("reads from a given descriptor and closes it (autoClose)", function()
    local p = dir .. "/fd"
    fs.writeFileSync(p, "from fd")
    local fd = fs.openSync(p, "r")
    local r = fs.createReadStream(nil, { fd = fd })
    assert.are.equal(fd, r.fd)
    local rec = collect(r)
    run_loop()
    assert.are.equal("from fd", text(rec.chunks))
    assert.are.same({ "end", "close" }, rec.events)
    assert.has_error(function() fs.fstatSync(fd) end)
  end)

  it("leaves the descriptor open with autoClose = false", function()
    local p = dir .. "/keep"
    fs.writeFileSync(p, "kept")
    local fd = fs.openSync(p, "r")
    local rec = collect(fs.createReadStream(nil,
      { fd = fd, autoClose = false }))
    run_loop()
    assert.are.equal("kept", text(rec.chunks))
    assert.are.equal(4, fs.fstatSync(fd).size)
    fs.closeSync(fd)
  end)

  it("emits 'error' then 'close' for a missing file", function()
    local p = dir .. "/missing"
    local r = fs.createReadStream(p)
    local rec = collect(r)
    run_loop()
    assert.are.equal("ENOENT", rec.err.code)
    assert.are.equal("ENOENT: no such file or directory, open '" .. p .. "'",
      rec.err.message)
    assert.are.same({ "close" }, rec.events)
  end)

  it("emits 'error' for a directory (EISDIR on read)", function()
    local rec = collect(fs.createReadStream(dir))
    run_loop()
    assert.are.equal("EISDIR", rec.err.code)
  end)

  it("can be destroyed or closed while reading", function()
    local p = dir .. "/big"
    fs.writeFileSync(p, ("y"):rep(300000))
    local r = fs.createReadStream(p, { highWaterMark = 1000 })
    local n, closed = 0, false
    r:on("data", function()
      n = n + 1
      if n == 3 then r:destroy() end
    end)
    r:on("close", function() closed = true end)
    local r2, done = fs.createReadStream(p), false
    r2:on("open", function() r2:close(function() done = true end) end)
    run_loop()
    assert.are.equal(3, n)
    assert.is_true(closed)
    assert.is_true(done)
  end)

  it("closes what it opened when destroyed before or while opening", function()
    for i = 1, 10 do
      fs.createReadStream("/etc/passwd"):destroy()
      local w = fs.createWriteStream(dir .. "/w" .. i)
      w:write("abc")
      w:destroy()
    end
    run_loop()   -- after_each counts the descriptors
  end)

  it("is iterable inside a task", function()
    local p = dir .. "/it"
    fs.writeFileSync(p, "iterate me")
    local out = {}
    Promise.spawn(function()
      for chunk in fs.createReadStream(p, { highWaterMark = 4 }):iter() do
        out[#out + 1] = tostring(chunk)
      end
    end)
    run_loop()
    assert.are.same({ "iter", "ate ", "me" }, out)
  end)

  it("checks its options", function()
    local p = dir .. "/x"
    assert.has_error(function() fs.createReadStream(5) end)
    local ok, e = pcall(fs.createReadStream, p, { start = -1 })
    assert.is_false(ok)
    assert.are.equal("ERR_OUT_OF_RANGE", e.code)
    ok, e = pcall(fs.createReadStream, p, { start = 5, finish = 2 })
    assert.are.equal("ERR_OUT_OF_RANGE", e.code)
    assert.matches('<= "end" %(here: 2%)', e.message)
    ok, e = pcall(fs.createReadStream, p, { highWaterMark = "a" })
    assert.are.equal("ERR_INVALID_ARG_VALUE", e.code)
    local r = fs.createReadStream(p, { flags = "zz" })
    local rec = collect(r)
    run_loop()
    assert.are.equal("ERR_INVALID_ARG_VALUE", rec.err.code)
  end)
end)

describe("fs.createWriteStream", function()
  it("writes chunks and emits open/ready/finish/close", function()
    local p = dir .. "/w"
    local w = fs.createWriteStream(p)
    local events = {}
    for _, ev in ipairs({ "open", "ready", "finish", "close" }) do
      w:on(ev, function() events[#events + 1] = ev end)
    end
    assert.is_true(w:write("abc"))
    w:write(Buffer.from("def"))
    w:finish("ghi")
    run_loop()
    assert.are.same({ "open", "ready", "finish", "close" }, events)
    assert.are.equal(9, w.bytesWritten)
    assert.are.equal("abcdefghi", fs.readFileSync(p, "utf8"))
  end)

  it("appends with flags 'a' and writes at start with 'r+'", function()
    local p = dir .. "/a"
    fs.writeFileSync(p, "0123456789")
    local w = fs.createWriteStream(p, { flags = "a" })
    w:finish("AB")
    run_loop()
    assert.are.equal("0123456789AB", fs.readFileSync(p, "utf8"))
    w = fs.createWriteStream(p, { flags = "r+", start = 2 })
    w:write("xy")
    w:finish("z")
    run_loop()
    assert.are.equal("01xyz56789AB", fs.readFileSync(p, "utf8"))
  end)

  it("applies encoding and mode", function()
    local p = dir .. "/m"
    local w = fs.createWriteStream(p, { encoding = "hex", mode = 384 })
    w:finish("414243")
    run_loop()
    assert.are.equal("ABC", fs.readFileSync(p, "utf8"))
    assert.are.equal(384, fs.statSync(p).mode & 511)
  end)

  it("handles backpressure and many writes (writev)", function()
    local p = dir .. "/many"
    local w = fs.createWriteStream(p, { highWaterMark = 16 })
    local drained, parts = 0, {}
    w:on("drain", function() drained = drained + 1 end)
    for i = 1, 200 do
      parts[i] = ("%05d"):format(i)
      w:write(parts[i])
    end
    assert.is_true(w.writableNeedDrain)
    w:finish()
    run_loop()
    assert.are.equal(table.concat(parts), fs.readFileSync(p, "utf8"))
    assert.are.equal(1000, w.bytesWritten)
  end)

  it("pipes from a ReadStream and through stream.pipeline", function()
    local src, dst, dst2 = dir .. "/src", dir .. "/dst", dir .. "/dst2"
    local data = ("0123456789"):rep(20000)
    fs.writeFileSync(src, data)
    local w = fs.createWriteStream(dst)
    fs.createReadStream(src, { highWaterMark = 7000 }):pipe(w)
    local perr = false
    stream.pipeline(fs.createReadStream(src), fs.createWriteStream(dst2),
      function(err) perr = err end)
    run_loop()
    assert.is_nil(perr)
    assert.are.equal(data, fs.readFileSync(dst, "utf8"))
    assert.are.equal(data, fs.readFileSync(dst2, "utf8"))
  end)

  it("emits 'error' when the file cannot be opened", function()
    local w = fs.createWriteStream(dir .. "/no/such/file")
    local err, closed
    w:on("error", function(e) err = e end)
    w:on("close", function() closed = true end)
    w:write("lost")
    run_loop()
    assert.are.equal("ENOENT", err.code)
    assert.are.equal("open", err.syscall)
    assert.is_true(closed)
  end)

  it("close(cb) ends the stream; destroy closes the descriptor", function()
    local p = dir .. "/c"
    local w = fs.createWriteStream(p)
    w:write("closing")
    local closed = false
    w:close(function() closed = true end)
    local w2 = fs.createWriteStream(dir .. "/d")
    w2:on("open", function() w2:destroy() end)
    run_loop()
    assert.is_true(closed)
    assert.are.equal("closing", fs.readFileSync(p, "utf8"))
    assert.is_true(w2.destroyed)
  end)

  it("writes to a given descriptor", function()
    local p = dir .. "/fd"
    local fd = fs.openSync(p, "w")
    local w = fs.createWriteStream(nil, { fd = fd })
    w:finish("by fd")
    run_loop()
    assert.are.equal("by fd", fs.readFileSync(p, "utf8"))
    assert.has_error(function() fs.fstatSync(fd) end)
  end)

  it("checks its options", function()
    local ok, e = pcall(fs.createWriteStream, dir .. "/x", { start = -1 })
    assert.is_false(ok)
    assert.are.equal("ERR_OUT_OF_RANGE", e.code)
    ok, e = pcall(fs.createWriteStream, {})
    assert.are.equal("ERR_INVALID_ARG_TYPE", e.code)
    ok, e = pcall(fs.createWriteStream, nil, { fd = "x" })
    assert.are.equal("ERR_INVALID_ARG_TYPE", e.code)
  end)
end)
