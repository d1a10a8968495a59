-- The fs bindings directly (STYLE.md rule 14): the sync fail-triple, the
-- async (status, results...) callbacks, misuse backstops, and requests
-- that survive a full garbage collection while in flight.
local B = require "lode.binding.fs"
local J = require "lode.binding.fs_job"
local E = require "lode.binding.fs_event"

describe("lode.binding.fs", function()
  it("returns results, or nil, message, status", function()
    local st = B.stat("/")
    assert.are.equal("table", type(st))
    assert.are.equal("integer", math.type(st.mode))
    local a, msg, status = B.stat("/nonexistent/x")
    assert.is_nil(a)
    assert.are.equal("ENOENT: no such file or directory", msg)
    assert.are.equal(-2, status)
    assert.is_true(B.access("/", B.constants.F_OK))
  end)

  it("calls back with (nil, results...) or (status)", function()
    local got = {}
    assert.is_true(B.stat("/", function(status, st)
      got.ok = { status, st and st.mode }
    end))
    B.stat("/nonexistent/x", function(status, st)
      got.fail = { status, st }
    end)
    B.scandir("/", function(status, names, types)
      got.dir = { status, #names == #types }
    end)
    collectgarbage()
    collectgarbage()
    run_loop()
    assert.is_nil(got.ok[1])
    assert.is_true(got.ok[2] > 0)
    assert.are.same({ -2 }, got.fail)
    assert.are.same({ nil, true }, got.dir)
  end)

  it("reads into fresh memory or a given Buffer", function()
    local fd = B.open("/etc/passwd", B.constants.O_RDONLY, 0)
    local chunk = B.read(fd, nil, 0, 4, 0)
    assert.is_true(Buffer.isBuffer(chunk))
    assert.are.equal(4, #chunk)
    local buf = Buffer.alloc(8)
    assert.are.equal(4, B.read(fd, buf, 2, 4, 0))
    assert.are.equal(chunk:toString(), buf:toString("latin1", 2, 6))
    local n
    B.read(fd, nil, 0, 3, 0, function(status, b)
      assert.is_nil(status)
      n = #b
    end)
    run_loop()
    assert.are.equal(3, n)
    assert.is_true(B.close(fd))
  end)

  it("raises plain errors for misuse", function()
    assert.has_error(function() B.stat() end)
    assert.has_error(function() B.open("/", "r", 0) end)
    assert.has_error(function() B.close(-1) end)
    assert.has_error(function() B.stat("/", 5) end)
    assert.has_error(function() B.read(0, nil, 0, -1, 0) end)
    assert.has_error(function() B.write(0, "abc", 2, 5, 0) end)
    assert.has_error(function() B.writev(0, {}, 0) end)
    assert.has_error(function() B.writev(0, { 5 }, 0) end)
  end)

  it("keeps the data of a write alive while it runs", function()
    local p = os.tmpname()
    local fd = B.open(p, B.constants.O_WRONLY | B.constants.O_TRUNC, 0)
    local done
    B.write(fd, ("z"):rep(100000), 0, 100000, 0, function(status, n)
      done = status == nil and n
    end)
    collectgarbage()
    collectgarbage()
    run_loop()
    B.close(fd)
    os.remove(p)
    assert.are.equal(100000, done)
  end)
end)

describe("lode.binding.fs_job", function()
  it("reports the failing step and path", function()
    local a, msg, status, syscall, path = J.readfile("/", 0, false)
    assert.is_nil(a)
    assert.are.equal("EISDIR: illegal operation on a directory", msg)
    assert.are.equal(-21, status)
    assert.are.equal("read", syscall)
    assert.is_nil(path)
    local got
    J.readfile("/nonexistent", 0, true, function(st, sc)
      got = { st, sc }
    end)
    run_loop()
    assert.are.same({ -2, "open" }, got)
  end)
end)

describe("lode.binding.fs_event", function()
  it("fails to start on a missing path and closes cleanly", function()
    local h = E.new(function() end)
    local ok, msg, status = h:start("/nonexistent/x", false)
    assert.is_nil(ok)
    assert.are.equal(-2, status)
    assert.matches("^ENOENT", msg)
    h:close()
    run_loop()
    assert.has_error(function() h:start("/", false) end)
  end)
end)
