-- The stream bindings directly (bindings/stream.c, tcp.c, pipe.c, tty.c,
-- dns.c): return conventions, manual accept, writev, shutdown, misuse
-- after close, and descriptor helpers.
local tcp = require "lode.binding.tcp"
local pipe = require "lode.binding.pipe"
local tty = require "lode.binding.tty"
local dnsb = require "lode.binding.dns"

-- A connected pair of tcp boxes; calls fn(server_side, client) once
-- both ends are up (accepted, and the client's connect called back).
local function pair(fn, manual)
  local srv = tcp.new()
  assert(srv:bind("127.0.0.1", 0))
  local port = srv:getsockname().port
  local client, accepted, connected = tcp.new(), nil, false
  local function both()
    if accepted and connected then fn(accepted, client) end
  end
  assert(srv:listen(8, function(err, c)
    assert.is_nil(err)
    if manual then
      assert.is_nil(c)
      c = tcp.new()
      assert(srv:accept(c))
    end
    srv:close()
    accepted = c
    both()
  end, manual))
  assert(client:connect("127.0.0.1", port, function(err)
    assert.is_nil(err)
    connected = true
    both()
  end))
end

describe("lode.binding.tcp", function()
  it("writes at once (0), reads Buffers, ends with EOF", function()
    local got, eof = {}, nil
    pair(function(s, c)
      assert.are.equal(0, c:write("abc"))
      assert.are.equal(0, c:writev({ "d", Buffer.from("ef") }))
      assert(c:shutdown(function(err) assert.is_nil(err) end))
      assert(s:read_start(function(err, buf)
        if err then
          eof = err
          s:close()
          c:close()
          return
        end
        assert.is_true(Buffer.isBuffer(buf))
        got[#got + 1] = tostring(buf)
      end))
      assert.is_true(s:is_reading())
      assert.is_number(s:fileno())
      assert.are.equal(0, s:write_queue_size())
      assert.is_true(s:is_readable() and s:is_writable())
    end)
    run_loop()
    assert.are.equal("abcdef", table.concat(got))
    assert.are.equal("EOF", require("lode.binding.uv").err_name(eof))
  end)

  it("accepts by hand with listen's manual flag", function()
    local ok = false
    pair(function(s, c)
      ok = s:getpeername().port == c:getsockname().port
      s:close()
      c:close()
    end, true)
    run_loop()
    assert.is_true(ok)
  end)

  it("queues what the kernel does not take and calls back", function()
    local calls, queued = 0, 0
    pair(function(s, c)
      local big = string.rep("q", 8 * 1024 * 1024)
      local n = c:write(big, function(err)
        assert.is_nil(err)
        calls = calls + 1
        s:close()
        c:close()
      end)
      queued = n
      s:read_start(function() end)
    end)
    run_loop()
    assert.is_true(queued > 0)
    assert.are.equal(1, calls)
  end)

  it("returns the fail-triple for bad addresses, raises after close",
    function()
    local h = tcp.new()
    local ok, msg, st = h:bind("not an ip", 1)
    assert.is_nil(ok)
    assert.matches("EINVAL", msg)
    assert.is_number(st)
    h:close()
    assert.has_error(function() h:write("x") end)
    run_loop()
  end)

  it("knows IP literals", function()
    assert.are.equal(4, tcp.ip_family("10.1.2.3"))
    assert.are.equal(6, tcp.ip_family("::ffff:1.2.3.4"))
    assert.are.equal(0, tcp.ip_family("1.2.3"))
    assert.are.equal(0, tcp.ip_family(nil))
  end)
end)

describe("lode.binding.pipe and tty", function()
  it("listens, connects and names a Unix domain socket", function()
    local path = os.tmpname()
    os.remove(path)
    local srv, cl = pipe.new(false), pipe.new(false)
    local peer
    assert(srv:bind(path))
    assert(srv:chmod("rw"))
    assert(srv:listen(4, function(err, c)
      assert.is_nil(err)
      assert.are.equal("lode.pipe", getmetatable(c).__name)
      c:close()
      srv:close()
    end))
    cl:connect(path, function(err)
      assert.is_nil(err)
      peer = cl:getpeername()
      cl:close()
    end)
    assert.are.equal(path, srv:getsockname())
    run_loop()
    assert.are.equal(path, peer)
  end)

  it("tells descriptor kinds apart and writes synchronously", function()
    local srv = tcp.new()
    assert(srv:bind("127.0.0.1", 0))
    local fd = tty.dup(srv:fileno())
    assert.is_number(fd)
    assert.are.equal("TCP", tty.guess(fd))
    local again = tcp.new()
    assert(again:open(fd))                    -- closing it closes fd
    again:close()
    srv:close()
    assert.are.equal("CLOSED", tty.guess(1000))
    local ok, msg = tty.write_sync(1000, "x")
    assert.is_nil(ok)
    assert.matches("EBADF", msg)
    assert.is_false(tty.isatty(1000))
    run_loop()
  end)
end)

describe("lode.binding.dns", function()
  it("calls back with a list of addresses", function()
    local list
    assert(dnsb.getaddrinfo("localhost", 4, 0, function(err, l)
      assert.is_nil(err)
      list = l
    end))
    run_loop()
    assert.are.equal("127.0.0.1", list[1].address)
    assert.are.equal(4, list[1].family)
  end)
end)
