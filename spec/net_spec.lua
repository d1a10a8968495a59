-- lode.net: servers and sockets over loopback (127.0.0.1/::1, port 0),
-- against lode's own client and against python3 sockets as a real peer;
-- errors (ECONNREFUSED, ENOTFOUND, EADDRINUSE, bad ports, write after
-- finish), backpressure, timeouts, half-open sockets, and no descriptor
-- or handle leaks, even after 1,000 connections at once.
local net = require "lode.net"
local fs = require "lode.fs"
local uv = require "lode.binding.uv"
local U = require "lode.net.util"


-- Runs a python3 snippet in the background (it talks to our server while
-- the loop runs); returns a function that waits for and returns its
-- stdout.
local function python(code, ...)
  local args = {}
  for i, a in ipairs({ ... }) do args[i] = shq(a) end
  local p = io.popen(("timeout 20 python3 -c %s %s"):format(shq(code),
    table.concat(args, " ")), "r")
  return function()
    local out = p:read("a")
    p:close()
    return out
  end
end

local function listen(srv, ...)
  srv:listen(0, "127.0.0.1", ...)
  return srv:address().port
end

-- libuv opens a spare descriptor on the first listen (its EMFILE
-- reserve) and keeps it: take that one before counting.
do
  local warm = net.createServer()
  warm:listen(0, "127.0.0.1")
  warm:close()
  run_loop()
end

local fds
before_each(function() fds = fd_count() end)
after_each(function()
  collectgarbage()
  assert.are.equal(fds, fd_count(), "file descriptors leaked")
end)

describe("lode.net", function()
  describe("isIP()", function()
    it("tells IPv4, IPv6 and anything else apart", function()
      assert.are.equal(4, net.isIP("127.0.0.1"))
      assert.are.equal(6, net.isIP("::1"))
      assert.are.equal(6, net.isIP("fe80::1%eth0"))
      assert.are.equal(0, net.isIP("01.2.3.4"))
      assert.are.equal(0, net.isIP("256.0.0.1"))
      assert.are.equal(0, net.isIP("example.com"))
      assert.are.equal(0, net.isIP(42))
      assert.is_true(net.isIPv4("10.0.0.1"))
      assert.is_false(net.isIPv4("::1"))
      assert.is_true(net.isIPv6("2001:db8::ff00:42:8329"))
      assert.is_false(net.isIPv6("1.2.3.4"))
    end)

    it("uses libuv's status codes", function()
      assert.are.equal("EOF", uv.err_name(U.UV_EOF))
      assert.are.equal("ENOTCONN", uv.err_name(U.UV_ENOTCONN))
      assert.are.equal("ECANCELED", uv.err_name(U.UV_ECANCELED))
    end)
  end)

  describe("Server and Socket", function()
    it("greets, echoes a line and closes both ends in Node's order",
      function()
      local ev = {}
      local function log(s) ev[#ev + 1] = s end
      local srv = net.createServer(function(c)
        log("connection")
        c:write("hello\n")
        c:on("data", function(d) log("server data " .. tostring(d)) end)
        c:on("end", function() log("server end") end)
        c:on("close", function(had) log("server close " .. tostring(had)) end)
      end)
      srv:on("listening", function() log("listening") end)
      local port = listen(srv)
      assert.is_true(srv.listening)
      local c = net.connect(port, "127.0.0.1", function() log("connect cb") end)
      c:on("ready", function() log("ready") end)
      c:on("data", function(d)
        log("client data " .. tostring(d))
        c:finish("line\n")
      end)
      c:on("end", function() log("client end") end)
      c:on("close", function(had)
        log("client close " .. tostring(had))
        srv:close(function() log("server closed") end)
      end)
      run_loop()
      assert.same({ "listening", "connection", "connect cb", "ready",
        "client data hello\n", "server data line\n", "server end" },
        { table.unpack(ev, 1, 7) })
      local rest = {}
      for i = 8, 10 do rest[ev[i]] = true end
      assert.same({ ["client end"] = true, ["server close false"] = true,
        ["client close false"] = true }, rest)
      assert.are.equal("server closed", ev[11])
      assert.are.equal(6, c.bytesRead)
      assert.are.equal(5, c.bytesWritten)
      assert.are.equal("127.0.0.1", c.remoteAddress)
      assert.are.equal(port, c.remotePort)
      assert.are.equal("IPv4", c.remoteFamily)
      assert.are.equal("127.0.0.1", c.localAddress)
      assert.is_number(c.localPort)
    end)

    it("runs the article's server for a python3 client (examples/net.lua)",
      function()
      local log = {}
      local srv
      srv = net.createServer(function(socket)
        socket:write("Hello from TCP server!")
        socket:on("data", function(d) log[#log + 1] = tostring(d) end)
        socket:on("end", function()
          log[#log + 1] = "Data transmission finished"
        end)
        socket:on("close", function()
          log[#log + 1] = "Client disconnected"
          srv:close()
        end)
      end)
      local port = listen(srv)
      local wait = python([[
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print(s.recv(100).decode())
s.sendall(b"typed by python\n"); s.close()
]], port)
      run_loop()
      assert.are.equal("Hello from TCP server!\n", wait())
      assert.same({ "typed by python\n", "Data transmission finished",
        "Client disconnected" }, log)
    end)

    it("echoes 4 MiB for a python3 client", function()
      local srv = net.createServer(function(c) c:pipe(c) end)
      local port = listen(srv)
      local wait = python([[
import socket, sys, hashlib
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
data = bytes(range(256)) * 16384
s.sendall(data); s.shutdown(socket.SHUT_WR)
got = bytearray()
while True:
    b = s.recv(65536)
    if not b: break
    got += b
print(len(got), got == data)
]], port)
      local closed = 0
      srv:on("connection", function(c)
        c:on("close", function()
          closed = closed + 1
          srv:close()
        end)
      end)
      run_loop(10000)
      assert.are.equal("4194304 True\n", wait())
      assert.are.equal(1, closed)
    end)

    it("serves a python3 client on a Unix domain socket path", function()
      local path = os.tmpname()
      os.remove(path)
      local srv
      srv = net.createServer(function(c)
        c:setEncoding("utf8")
        c:on("data", function(d) c:finish("got " .. d) end)
        c:on("close", function() srv:close() end)
      end)
      srv:listen(path)
      assert.are.equal(path, srv:address())
      local wait = python([[
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"ping"); print(s.recv(100).decode())
]], path)
      run_loop()
      assert.are.equal("got ping\n", wait())
      assert.is_nil(io.open(path, "r"), "socket file left behind")
    end)

    it("connects lode's client to a Unix domain socket", function()
      local path = os.tmpname()
      os.remove(path)
      local srv = net.createServer(function(c) c:finish("hi") end)
      srv:listen({ path = path }, function()
        local got = {}
        local c = net.connect({ path = path })
        c:on("data", function(d) got[#got + 1] = tostring(d) end)
        c:on("end", function()
          assert.are.equal("hi", table.concat(got))
          srv:close()
        end)
      end)
      run_loop()
    end)

    it("listens on ::1 and reads back the ephemeral port", function()
      local srv = net.createServer(function(c) c:finish() end)
      srv:listen({ port = 0, host = "::1" }, function()
        local a = srv:address()
        assert.are.equal("::1", a.address)
        assert.are.equal("IPv6", a.family)
        assert.is_true(a.port > 0)
        local c = net.connect({ port = a.port, host = "::1" })
        c:on("connect", function()
          assert.are.equal("IPv6", c.remoteFamily)
        end)
        c:on("close", function() srv:close() end)
        c:resume()
      end)
      run_loop()
    end)

    it("resolves 'localhost' and connects", function()
      local srv = net.createServer(function(c) c:finish("x") end)
      local port = listen(srv)
      local lookups = 0
      local c = net.connect({ port = port, host = "localhost" })
      c:on("lookup", function(err)
        assert.is_nil(err)
        lookups = lookups + 1
      end)
      c:on("data", function() end)
      c:on("close", function() srv:close() end)
      run_loop()
      assert.are.equal(1, lookups)
    end)
  end)

  describe("errors", function()
    it("reports ECONNREFUSED through 'error', then 'close' with hadError",
      function()
      local probe = net.createServer()
      local port = listen(probe)
      probe:close()
      run_loop()
      local err, had
      local c = net.connect(port, "127.0.0.1")
      c:on("error", function(e) err = e end)
      c:on("close", function(h) had = h end)
      run_loop()
      assert.are.equal("ECONNREFUSED", err.code)
      assert.are.equal("connect", err.syscall)
      assert.are.equal("127.0.0.1", err.address)
      assert.are.equal(port, err.port)
      assert.is_true(had)
    end)

    it("reports a name that does not resolve as ENOTFOUND", function()
      local err
      local c = net.connect(80, "nosuch.invalid")
      c:on("error", function(e) err = e end)
      run_loop(10000)
      assert.is_truthy(err.code == "ENOTFOUND" or err.code == "EAI_AGAIN")
      assert.are.equal("getaddrinfo", err.syscall)
      assert.are.equal("nosuch.invalid", err.hostname)
    end)

    it("emits EADDRINUSE on a server whose port is taken", function()
      local a = net.createServer()
      local port = listen(a)
      local b = net.createServer()
      local err
      b:on("error", function(e) err = e; a:close() end)
      b:listen(port, "127.0.0.1")
      run_loop()
      assert.are.equal("EADDRINUSE", err.code)
      assert.are.equal("listen", err.syscall)
      assert.are.equal(port, err.port)
      assert.is_false(b.listening)
    end)

    it("raises ERR_SOCKET_BAD_PORT for invalid ports", function()
      for _, p in ipairs({ 70000, -1, 1.5, "x1" }) do
        local ok, e = pcall(net.connect, { port = p })
        assert.is_false(ok)
        assert.are.equal("ERR_SOCKET_BAD_PORT", e.code)
      end
      local ok, e = pcall(function() net.createServer():listen(65536) end)
      assert.is_false(ok)
      assert.are.equal("ERR_SOCKET_BAD_PORT", e.code)
      ok, e = pcall(net.connect, { host = "127.0.0.1" })
      assert.are.equal("ERR_MISSING_ARGS", e.code)
    end)

    it("fails a write after finish with ERR_STREAM_WRITE_AFTER_END",
      function()
      local srv = net.createServer(function(c) c:resume() end)
      local port = listen(srv)
      local err, cberr
      local c = net.connect(port, "127.0.0.1", function() end)
      c:on("error", function(e) err = e end)
      c:on("close", function() srv:close() end)
      c:finish("bye")
      c:write("more", function(e) cberr = e end)
      run_loop()
      assert.are.equal("ERR_STREAM_WRITE_AFTER_END", err.code)
      assert.are.equal("ERR_STREAM_WRITE_AFTER_END", cberr.code)
    end)

    it("destroys a socket while it connects without a leak", function()
      local srv = net.createServer()
      local port = listen(srv)
      local c = net.connect(port, "127.0.0.1")
      local closed = false
      c:on("connect", function() error("must not connect") end)
      c:on("close", function() closed = true; srv:close() end)
      c:destroy()
      run_loop()
      assert.is_true(closed)
    end)
  end)

  describe("flow control", function()
    it("stops reading past highWaterMark and drains the writer", function()
      local total, drains = 32 * 1024 * 1024, 0
      local client
      local srv = net.createServer(function(c)
        local chunk = string.rep("z", 65536)
        local sent = 0
        local function pump()
          while sent < total do
            sent = sent + #chunk
            if not c:write(chunk) then return end
          end
          c:finish()
        end
        c:on("drain", function() drains = drains + 1; pump() end)
        pump()
      end)
      local port = listen(srv)
      local got = 0
      client = net.connect(port, "127.0.0.1")
      client:once("data", function(d)
        got = got + #d
        client:pause()
        setTimeout(function()
          -- Paused: the socket stopped reading once its buffer was full.
          assert.is_false(client._reading)
          assert.is_true(client.readableLength >= 16384)
          assert.is_true(client.readableLength < total)
          client:on("data", function(d2) got = got + #d2 end)
          client:resume()
        end, 100)
      end)
      client:on("end", function() srv:close() end)
      run_loop(10000)
      assert.are.equal(total, got)
      assert.is_true(drains > 0)
    end)

    it("keeps a half-open socket writable with allowHalfOpen", function()
      local srv = net.createServer({ allowHalfOpen = true }, function(c)
        c:on("end", function() c:finish("late reply") end)
        c:resume()
      end)
      local port = listen(srv)
      local got = {}
      local c
      c = net.connect(port, "127.0.0.1", function() c:finish() end)
      c:on("data", function(d) got[#got + 1] = tostring(d) end)
      c:on("close", function() srv:close() end)
      run_loop()
      assert.are.equal("late reply", table.concat(got))
    end)

    it("emits 'timeout' after idling and keeps the socket open", function()
      local srv = net.createServer(function(c) c:resume() end)
      local port = listen(srv)
      local fired = 0
      local c = net.connect({ port = port, host = "127.0.0.1", timeout = 50 })
      c:on("timeout", function()
        fired = fired + 1
        assert.is_false(c.destroyed)
        c:destroy()
        srv:close()
      end)
      run_loop()
      assert.are.equal(1, fired)
      assert.are.equal(50, c.timeout)
    end)

    it("counts connections and drops those past maxConnections", function()
      local srv = net.createServer(function(c) c:resume() end)
      srv.maxConnections = 1
      local port = listen(srv)
      local drops, count = 0, nil
      srv:on("drop", function() drops = drops + 1 end)
      local a = net.connect(port, "127.0.0.1")
      a:on("connect", function()
        local b = net.connect(port, "127.0.0.1")
        b:on("error", function() end)
        b:on("close", function()
          srv:getConnections(function(_, n)
            count = n
            a:destroy()
            srv:close()
          end)
        end)
        b:resume()
      end)
      run_loop()
      assert.are.equal(1, drops)
      assert.are.equal(1, count)
    end)

    it("takes setNoDelay, setKeepAlive, setEncoding and address()",
      function()
      local srv = net.createServer(function(c)
        c:setNoDelay(true):setKeepAlive(true, 1000)
        c:finish("\xc3\xa9t\xc3\xa9")
      end)
      local port = listen(srv)
      local got, addr = {}, nil
      local c = net.connect({ port = port, host = "127.0.0.1",
        noDelay = true, keepAlive = true })
      c:setEncoding("utf8")
      c:on("connect", function() addr = c:address() end)
      c:on("data", function(d) got[#got + 1] = d end)
      c:on("close", function() srv:close() end)
      run_loop()
      assert.are.equal("string", type(got[1]))
      assert.are.equal("\xc3\xa9t\xc3\xa9", table.concat(got))
      assert.are.equal("127.0.0.1", addr.address)
      assert.are.equal(c.localPort, addr.port)
    end)

    it("lets an unref'd server end the process (ref rules)", function()
      local out, _, code = run_lode("-e " .. shq([[
local net = require "lode.net"
local s = net.createServer():listen(0, "127.0.0.1", function()
  print("listening")
end)
s:unref()
local c = net.connect(1, "127.0.0.1")
c:on("error", function(e) print(e.code) end)
]]))
      assert.are.equal(0, code)
      assert.are.equal("listening\nECONNREFUSED\n", out)
    end)

    it("handles 1,000 concurrent connections and leaks no fd", function()
      local n, done = 1000, 0
      local srv = net.createServer(function(c) c:pipe(c) end)
      local port = listen(srv, 1024)
      for i = 1, n do
        local c = net.connect(port, "127.0.0.1")
        local buf = {}
        c:on("data", function(d) buf[#buf + 1] = tostring(d) end)
        c:on("end", function()
          assert.are.equal("msg" .. i, table.concat(buf))
        end)
        c:on("close", function()
          done = done + 1
          if done == n then srv:close() end
        end)
        c:finish("msg" .. i)
      end
      run_loop(20000)
      assert.are.equal(n, done)
    end)
  end)
end)
