-- lode.http's server over loopback (127.0.0.1, port 0), driven by
-- lode's own client and by raw lode.net sockets where the bytes on the
-- wire matter: request fields and Node's header rules, bodies in and
-- out (Content-Length vs chunked), HEAD/204/304, keep-alive and
-- pipelining, 100-continue, 'upgrade'/'connect' handing the socket
-- over, and the server's own surface (listen, address, close, idle and
-- all-connections closing, the connection socket).
local http = require "lode.http"
local net = require "lode.net"

-- Sends data on a raw connection and collects everything until the
-- server closes it; cb(text).
local function raw(port, data, cb, opts)
  local s = net.connect(port, "127.0.0.1")
  local got = {}
  s:on("data", function(c)
    got[#got + 1] = tostring(c)
    if opts and opts.onData then opts.onData(s, table.concat(got)) end
  end)
  s:on("error", function() end)
  s:on("close", function() if cb then cb(table.concat(got)) end end)
  if type(data) == "table" then
    for _, d in ipairs(data) do s:write(d) end
  else
    s:write(data)
  end
  return s
end

after_each(close_http_servers)
local serve = serve_http

-- GET with lode's client (no keep-alive pool); cb(res, body).
local function get(port, path, cb, opts)
  local o = { host = "127.0.0.1", port = port, path = path, agent = false }
  for k, v in pairs(opts or {}) do o[k] = v end
  local req = http.request(o, function(res)
    local body = {}
    res:on("data", function(c) body[#body + 1] = tostring(c) end)
    res:on("end", function() cb(res, table.concat(body)) end)
  end)
  req:finish(o.body)
  return req
end

local function headOf(text)
  return text:match("^(.-\r\n)\r\n") or text
end

describe("lode.http server", function()
  describe("listen()", function()
    it("returns the server, emits 'listening' and gives its address",
      function()
      local srv = http.createServer(function() end)
      local nlisten, nclosed = 0, 0
      assert.are.equal(srv, srv:listen(0, "127.0.0.1",
        function() nlisten = nlisten + 1 end))
      local a = srv:address()
      assert.are.equal("127.0.0.1", a.address)
      assert.are.equal("IPv4", a.family)
      assert.is_true(a.port > 0)
      assert.is_true(srv.listening)
      srv:on("listening", function()
        srv:close(function() nclosed = nclosed + 1 end)
      end)
      run_loop()
      assert.are.equal(1, nlisten)
      assert.are.equal(1, nclosed)
      assert.is_false(srv.listening)
    end)

    it("reports EADDRINUSE through 'error'", function()
      local a = serve(function() end)
      local b = http.createServer(function() end)
      local err
      b:on("error", function(e) err = e; a:close() end)
      b:listen(a:address().port, "127.0.0.1")
      run_loop()
      assert.are.equal("EADDRINUSE", err.code)
      assert.are.equal("listen", err.syscall)
    end)

    it("close(cb) on a server that never listened gives an error", function()
      local srv = http.createServer(function() end)
      local err
      srv:close(function(e) err = e end)
      run_loop()
      assert.are.equal("ERR_SERVER_NOT_RUNNING", err.code)
    end)
  end)

  describe("IncomingMessage", function()
    it("has method, url, httpVersion, headers and rawHeaders", function()
      local seen
      local srv, port = serve(function(req, res)
        seen = { method = req.method, url = req.url,
          version = req.httpVersion, major = req.httpVersionMajor,
          minor = req.httpVersionMinor, headers = req.headers,
          raw = req.rawHeaders, complete = req.complete }
        res:finish()
      end)
      raw(port, "GET /a/b?c=1 HTTP/1.1\r\nHost: x\r\nX-Foo:  bar  \r\n" ..
        "Connection: close\r\n\r\n", function() srv:close() end)
      run_loop()
      assert.are.equal("GET", seen.method)
      assert.are.equal("/a/b?c=1", seen.url)
      assert.are.equal("1.1", seen.version)
      assert.are.equal(1, seen.major)
      assert.are.equal(1, seen.minor)
      assert.is_true(seen.complete)
      assert.are.same({ host = "x", ["x-foo"] = "bar",
        connection = "close" }, seen.headers)
      assert.are.same({ "Host", "x", "X-Foo", "bar", "Connection", "close" },
        seen.raw)
    end)

    it("joins repeated fields as Node does", function()
      local h
      local srv, port = serve(function(req, res)
        h = req.headers
        res:finish()
      end)
      raw(port, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nX-A: 1\r\n" ..
        "x-a: 2\r\nCookie: c=1\r\ncookie: d=2\r\nSet-Cookie: s=1\r\n" ..
        "Set-Cookie: t=2\r\nContent-Type: text/plain\r\n" ..
        "Content-Type: text/html\r\nAccept: a\r\nAccept: b\r\n" ..
        "Connection: close\r\n\r\n", function() srv:close() end)
      run_loop()
      assert.are.equal("a", h.host)
      assert.are.equal("1, 2", h["x-a"])
      assert.are.equal("c=1; d=2", h.cookie)
      assert.are.same({ "s=1", "t=2" }, h["set-cookie"])
      assert.are.equal("text/plain", h["content-type"])
      assert.are.equal("a, b", h.accept)
    end)

    it("streams a body and ends; complete turns true", function()
      local got, complete
      local srv, port = serve(function(req, res)
        local parts = {}
        req:on("data", function(c) parts[#parts + 1] = tostring(c) end)
        req:on("end", function()
          got, complete = table.concat(parts), req.complete
          res:finish("ok")
        end)
      end)
      local body = string.rep("0123456789", 30000)
      get(port, "/", function() srv:close() end,
        { method = "POST", body = body })
      run_loop()
      assert.are.equal(300000, #got)
      assert.are.equal(body, got)
      assert.is_true(complete)
    end)

    it("reads a chunked body with trailers", function()
      local got, trailers
      local srv, port = serve(function(req, res)
        local parts = {}
        req:on("data", function(c) parts[#parts + 1] = tostring(c) end)
        req:on("end", function()
          got, trailers = table.concat(parts), req.trailers
          res:finish()
        end)
      end)
      raw(port, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked" ..
        "\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n" ..
        "X-Sum: 11\r\n\r\n", function() srv:close() end)
      run_loop()
      assert.are.equal("hello world", got)
      assert.are.same({ ["x-sum"] = "11" }, trailers)
    end)

    it("holds the socket back while the body is not read", function()
      local srv, port
      local total = 0
      srv, port = serve(function(req, res)
        setTimeout(function()              -- read late: backpressure
          req:on("data", function(c) total = total + #c end)
          req:on("end", function() res:finish(tostring(total)) end)
        end, 100)
      end)
      local answer
      get(port, "/", function(_, body)
        answer = body
        srv:close()
      end, { method = "POST", body = string.rep("x", 2 * 1024 * 1024) })
      run_loop()
      assert.are.equal(tostring(2 * 1024 * 1024), answer)
    end)

    it("has the socket's addresses", function()
      local addr, port2
      local srv, port = serve(function(req, res)
        addr, port2 = req.socket.remoteAddress, req.socket.localPort
        res:finish()
      end)
      get(port, "/", function() srv:close() end)
      run_loop()
      assert.are.equal("127.0.0.1", addr)
      assert.are.equal(port, port2)
    end)
  end)

  describe("IncomingMessage as a Readable", function()
    -- A POST whose body arrives in three writes 30 ms apart.
    local function slowPost(port, cb)
      local s = raw(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9" ..
        "\r\nConnection: close\r\n\r\nabc", cb)
      setTimeout(function() s:write("def") end, 30)
      setTimeout(function() s:write("ghi") end, 60)
    end

    it("holds chunks while paused and goes on after resume()", function()
      local got, paused = {}, nil
      local srv, port = serve(function(req, res)
        req:on("data", function(c)
          got[#got + 1] = tostring(c)
          if #got == 1 then
            req:pause()
            paused = req:isPaused()
            setTimeout(function() req:resume() end, 100)
          end
        end)
        req:on("end", function() res:finish(table.concat(got)) end)
      end)
      local text
      slowPost(port, function(t) text = t; srv:close() end)
      run_loop()
      assert.is_true(paused)
      assert.truthy(text:find("abcdefghi$"))
      assert.are.equal("abc", got[1])
    end)

    it("turns into a full Readable mid-body without losing bytes", function()
      local kinds, all = {}, ""
      local srv, port = serve(function(req, res)
        req:on("data", function(c)
          kinds[#kinds + 1] = type(c)
          all = all .. tostring(c)
          if #kinds == 1 then req:setEncoding("utf8") end
        end)
        req:on("end", function() res:finish(all) end)
      end)
      local text
      slowPost(port, function(t) text = t; srv:close() end)
      run_loop()
      assert.are.equal("abcdefghi", all)
      assert.are.equal("userdata", kinds[1])
      assert.are.equal("string", kinds[#kinds])
      assert.truthy(text:find("abcdefghi$"))
    end)

    it("pipes into the response", function()
      local srv, port = serve(function(req, res) req:pipe(res) end)
      local text
      slowPost(port, function(t) text = t; srv:close() end)
      run_loop()
      assert.truthy(text:find("Transfer%-Encoding: chunked"))
      assert.truthy(text:find("abc\r\n"))
    end)

    it("reads with 'readable' and read()", function()
      local all = ""
      local srv, port = serve(function(req, res)
        req:on("readable", function()
          local c = req:read()
          while c ~= nil do
            all = all .. tostring(c)
            c = req:read()
          end
        end)
        req:on("end", function() res:finish(all) end)
      end)
      slowPost(port, function() srv:close() end)
      run_loop()
      assert.are.equal("abcdefghi", all)
    end)

    it("emits 'end' then 'close', also to a 'close' listener added late",
      function()
      local order = {}
      local srv, port = serve(function(req, res)
        req:on("data", function() end)
        req:on("end", function()
          order[#order + 1] = "end"
          req:on("close", function() order[#order + 1] = "close" end)
          res:finish()
        end)
      end)
      slowPost(port, function() srv:close() end)
      run_loop()
      assert.are.same({ "end", "close" }, order)
    end)

    it("emits 'end' for a request without a body once it is read", function()
      local ended = false
      local srv, port = serve(function(req, res)
        req:resume()
        req:on("end", function() ended = true; res:finish() end)
      end)
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        function() srv:close() end)
      run_loop()
      assert.is_true(ended)
    end)
  end)

  describe("createServer options", function()
    it("uses IncomingMessage and ServerResponse subclasses", function()
      local MyReq = http.IncomingMessage:extend("MyReq")
      function MyReq:hostOf() return self.headers.host end
      local MyRes = http.ServerResponse:extend("MyRes")
      function MyRes:ok(text) self:finish("ok " .. text) end
      local srv, port = serve(function(req, res)
        res:ok(req:hostOf() .. " " .. req.httpVersion)
      end, { IncomingMessage = MyReq, ServerResponse = MyRes })
      local body
      get(port, "/", function(_, b) body = b; srv:close() end)
      run_loop()
      assert.are.equal("ok 127.0.0.1:" .. port .. " 1.1", body)
    end)
  end)

  describe("ServerResponse", function()
    it("sends Content-Length, Date and keep-alive for finish(body)",
      function()
      local srv, port = serve(function(_, res)
        res:setHeader("Content-Type", "text/plain")
        res:finish("hello")
      end)
      local text
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", nil, {
        onData = function(s, t)
          if t:find("hello$") then
            text = t
            s:destroy()
            srv:close()
          end
        end })
      run_loop()
      local head = headOf(text)
      assert.truthy(head:find("^HTTP/1.1 200 OK\r\n"))
      assert.truthy(head:find("\r\nContent-Type: text/plain\r\n", 1, true))
      assert.truthy(head:find("\r\nContent-Length: 5\r\n", 1, true))
      assert.truthy(head:find("\r\nConnection: keep-alive\r\n", 1, true))
      assert.truthy(head:find("\r\nKeep%-Alive: timeout=5\r\n"))
      assert.truthy(head:find("\r\nDate: %a%a%a, %d%d %a%a%a %d%d%d%d " ..
        "%d%d:%d%d:%d%d GMT\r\n"))
    end)

    it("uses chunked encoding for a body written in pieces", function()
      local srv, port = serve(function(_, res)
        res:write("hello ")
        res:write("world")
        res:finish()
      end)
      local text
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        function(t) text = t; srv:close() end)
      run_loop()
      assert.truthy(text:find("Transfer-Encoding: chunked\r\n", 1, true))
      assert.is_nil(text:find("Content-Length", 1, true))
      assert.truthy(text:find("\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n$"))
    end)

    it("sends HEAD responses with GET's headers and no body", function()
      local srv, port = serve(function(_, res) res:finish("hello") end)
      local text
      raw(port, { "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" },
        function(t) text = t; srv:close() end)
      run_loop()
      local first, second = text:match("^(.-\r\n\r\n)(HTTP.*)$")
      assert.truthy(first:find("Content-Length: 5\r\n", 1, true))
      assert.truthy(second:find("\r\n\r\nhello$"))
    end)

    it("sends 204 and 304 without a body or framing", function()
      local codes = { 204, 304 }
      local n = 0
      local srv, port = serve(function(_, res)
        n = n + 1
        res.statusCode = codes[n]
        res:finish("ignored")
      end)
      local text
      raw(port, { "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" },
        function(t) text = t; srv:close() end)
      run_loop()
      assert.truthy(text:find("^HTTP/1.1 204 No Content\r\n"))
      assert.truthy(text:find("HTTP/1.1 304 Not Modified\r\n", 1, true))
      assert.is_nil(text:find("ignored", 1, true))
      assert.is_nil(text:find("Content-Length", 1, true))
      assert.is_nil(text:find("Transfer-Encoding", 1, true))
    end)

    it("writeHead sets status, message and headers; arrays repeat a field",
      function()
      local srv, port = serve(function(_, res)
        res:setHeader("Set-Cookie", { "a=1", "b=2" })
        res:writeHead(201, "Made", { ["X-Id"] = 7 })
        assert.is_true(res.headersSent)
        res:finish("x")
      end)
      local text
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        function(t) text = t; srv:close() end)
      run_loop()
      assert.truthy(text:find("^HTTP/1.1 201 Made\r\n"))
      assert.truthy(text:find("Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n", 1,
        true))
      assert.truthy(text:find("X-Id: 7\r\n", 1, true))
      assert.truthy(text:find("Content-Length: 1\r\n", 1, true))
    end)

    it("keeps headers: get, has, names, remove", function()
      local r
      local srv, port = serve(function(_, res)
        res:setHeader("X-One", "1")
        res:setHeader("x-two", { "a", "b" })
        res:setHeader("X-Three", 3)
        res:removeHeader("x-three")
        r = { one = res:getHeader("x-ONE"), has = res:hasHeader("X-Two"),
          gone = res:hasHeader("x-three"), names = res:getHeaderNames(),
          raw = res:getRawHeaderNames(), all = res:getHeaders() }
        res:finish()
      end)
      get(port, "/", function() srv:close() end)
      run_loop()
      assert.are.equal("1", r.one)
      assert.is_true(r.has)
      assert.is_false(r.gone)
      assert.are.same({ "x-one", "x-two" }, r.names)
      assert.are.same({ "X-One", "x-two" }, r.raw)
      assert.are.same({ ["x-one"] = "1", ["x-two"] = { "a", "b" } }, r.all)
    end)

    it("emits 'finish' then 'close'; writableEnded and callbacks", function()
      local order = {}
      local srv, port = serve(function(_, res)
        res:on("finish", function() order[#order + 1] = "finish" end)
        res:on("close", function() order[#order + 1] = "close" end)
        res:write("a", function() order[#order + 1] = "write cb" end)
        res:finish("b", function() order[#order + 1] = "end cb" end)
        order[#order + 1] = tostring(res.writableEnded)
      end)
      get(port, "/", function(_, body)
        order[#order + 1] = body
        srv:close()
      end)
      run_loop()
      assert.are.equal("true", order[1])
      assert.truthy(table.concat(order, ","):find("finish"))
      assert.truthy(table.concat(order, ","):find("close"))
      assert.truthy(table.concat(order, ","):find("end cb"))
      assert.truthy(table.concat(order, ","):find("ab"))
    end)

    it("sends trailers with a chunked body", function()
      local srv, port = serve(function(_, res)
        res:setHeader("Trailer", "X-Sum")
        res:write("abc")
        res:addTrailers({ ["X-Sum"] = "3" })
        res:finish()
      end)
      local text
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        function(t) text = t; srv:close() end)
      run_loop()
      local tail = "3\r\nabc\r\n0\r\nX-Sum: 3\r\n\r\n"
      assert.are.equal(tail, text:sub(-#tail))
    end)

    it("flushHeaders sends the head before any body", function()
      local srv, port
      local gotHead = false
      srv, port = serve(function(_, res)
        res:flushHeaders()
        setTimeout(function() res:finish("later") end, 50)
      end)
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        function() srv:close() end, { onData = function(_, t)
          if not t:find("later") then gotHead = t:find("\r\n\r\n") ~= nil end
        end })
      run_loop()
      assert.is_true(gotHead)
    end)
  end)

  describe("connections", function()
    it("answers several requests on one keep-alive connection", function()
      local n = 0
      local srv, port = serve(function(req, res)
        n = n + 1
        res:finish(req.url)
      end)
      local text
      raw(port, { "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" },
        function(t) text = t; srv:close() end)
      run_loop()
      assert.are.equal(3, n)
      local bodies = {}
      for b in text:gmatch("\r\n\r\n(/%d)") do bodies[#bodies + 1] = b end
      assert.are.same({ "/1", "/2", "/3" }, bodies)
      assert.truthy(text:find("Connection: close\r\n", 1, true))
    end)

    it("answers pipelined requests in order, even when the first is slow",
      function()
      local srv, port = serve(function(req, res)
        local delay = req.url == "/slow" and 80 or 0
        setTimeout(function() res:finish(req.url) end, delay)
      end)
      local text
      raw(port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1" ..
        "\r\nHost: x\r\n\r\nPOST /p HTTP/1.1\r\nHost: x\r\n" ..
        "Content-Length: 3\r\n\r\nabcGET /last HTTP/1.1\r\nHost: x\r\n" ..
        "Connection: close\r\n\r\n", function(t) text = t; srv:close() end)
      run_loop()
      local bodies = {}
      for b in text:gmatch("\r\n\r\n(/%l+)") do bodies[#bodies + 1] = b end
      assert.are.same({ "/slow", "/fast", "/p", "/last" }, bodies)
    end)

    it("closes HTTP/1.0 connections unless asked to keep them", function()
      local srv, port = serve(function(_, res) res:finish("x") end)
      local a, b
      raw(port, "GET / HTTP/1.0\r\n\r\n", function(t)
        a = t
        raw(port, { "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
          "GET / HTTP/1.0\r\n\r\n" }, function(t2)
          b = t2
          srv:close()
        end)
      end)
      run_loop()
      assert.truthy(a:find("Connection: close\r\n", 1, true))
      local _, count = b:gsub("HTTP/1.1 200", "")
      assert.are.equal(2, count)
      assert.truthy(b:find("Connection: keep%-alive\r\n"))
    end)

    it("answers Expect: 100-continue by itself", function()
      local got
      local srv, port = serve(function(req, res)
        req:on("data", function(c) got = tostring(c) end)
        req:on("end", function() res:finish("done") end)
      end)
      local text
      local s = raw(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4" ..
        "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        function(t) text = t; srv:close() end, { onData = function(sock, t)
          if t == "HTTP/1.1 100 Continue\r\n\r\n" then sock:write("body") end
        end })
      assert.truthy(s)
      run_loop()
      assert.are.equal("body", got)
      assert.truthy(text:find("^HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200"))
    end)

    it("hands Expect: 100-continue to 'checkContinue' listeners", function()
      local srv, port = serve(function() error("not here") end)
      srv:on("checkContinue", function(req, res)
        res:writeContinue()
        req:on("data", function() end)
        req:on("end", function() res:finish("checked") end)
      end)
      local text
      raw(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n" ..
        "Expect: 100-continue\r\nConnection: close\r\n\r\n",
        function(t) text = t; srv:close() end, { onData = function(sock, t)
          if t:find("100 Continue") and not t:find("200") then
            sock:write("ok")
          end
        end })
      run_loop()
      assert.truthy(text:find("checked$"))
    end)

    it("answers unknown expectations with 417", function()
      local srv, port = serve(function() error("not here") end)
      local text
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n" ..
        "Connection: close\r\n\r\n", function(t) text = t; srv:close() end)
      run_loop()
      assert.truthy(text:find("^HTTP/1.1 417 Expectation Failed\r\n"))
    end)

    it("hands the socket over on 'upgrade', with the bytes after the head",
      function()
      local srv, port = serve(function() error("not here") end)
      local head, url
      srv:on("upgrade", function(req, sock, h)
        head, url = tostring(h), req.url
        sock:write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n" ..
          "Connection: Upgrade\r\n\r\n")
        sock:write(h)
        sock:on("data", function(c) sock:write(c) end)
        sock:on("end", function() sock:finish() end)
      end)
      local text
      raw(port, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\n" ..
        "Connection: Upgrade\r\n\r\nearly", function(t)
          text = t
          srv:close()
        end, { onData = function(sock, t)
          if t:find("early$") then sock:write("+more") end
          if t:find("%+more$") then sock:finish() end
        end })
      run_loop()
      assert.are.equal("early", head)
      assert.are.equal("/ws", url)
      assert.truthy(text:find("^HTTP/1.1 101 Switching Protocols"))
      assert.truthy(text:find("\r\n\r\nearly%+more$"))
    end)

    it("treats Upgrade as a plain request without 'upgrade' listeners",
      function()
      local srv, port = serve(function(_, res) res:finish("plain") end)
      local text
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\n" ..
        "Connection: Upgrade, close\r\n\r\n", function(t)
          text = t
          srv:close()
        end)
      run_loop()
      assert.truthy(text:find("plain$"))
    end)

    it("emits 'connect' for CONNECT with the socket", function()
      local srv, port = serve(function() error("not here") end)
      local target
      srv:on("connect", function(req, sock)
        target = req.url
        sock:finish("HTTP/1.1 200 Connection Established\r\n\r\n")
      end)
      local text
      raw(port, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443" ..
        "\r\n\r\n", function(t) text = t; srv:close() end)
      run_loop()
      assert.are.equal("example.com:443", target)
      assert.truthy(text:find("^HTTP/1.1 200 Connection Established"))
    end)

    it("emits 'connection' with a socket for every connection", function()
      local seen = 0
      local srv, port = serve(function(_, res) res:finish() end)
      srv:on("connection", function(sock)
        seen = seen + 1
        assert.are.equal("127.0.0.1", sock.remoteAddress)
      end)
      get(port, "/", function()
        get(port, "/", function() srv:close() end)
      end)
      run_loop()
      assert.are.equal(2, seen)
    end)

    it("closeIdleConnections() closes keep-alive connections between " ..
      "requests, closeAllConnections() all", function()
      local srv, port
      local closes = 0
      srv, port = serve(function(req, res)
        if req.url == "/idle" then
          res:finish("i")
          setTimeout(function() srv:closeIdleConnections() end, 30)
        else
          srv:closeAllConnections()
        end
      end)
      raw(port, "GET /idle HTTP/1.1\r\nHost: x\r\n\r\n", function(t)
        closes = closes + 1
        assert.truthy(t:find("\r\n\r\ni$"))
        raw(port, "GET /all HTTP/1.1\r\nHost: x\r\n\r\n", function(t2)
          closes = closes + 1
          assert.are.equal("", t2)
          srv:close()
        end)
      end)
      run_loop()
      assert.are.equal(2, closes)
    end)

    it("close() closes idle connections and waits for busy ones",
      function()
      local srv, port
      local closed = false
      srv, port = serve(function(_, res)
        srv:close(function() closed = true end)
        setTimeout(function() res:finish("late") end, 50)
      end)
      local text
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", function(t) text = t end)
      run_loop()
      assert.is_true(closed)
      assert.truthy(text:find("Connection: close\r\n", 1, true))
      assert.truthy(text:find("late$"))
    end)

    it("listens on a Unix domain socket that the client reaches by path",
      function()
      local path = os.tmpname()
      os.remove(path)
      local srv = http.createServer(function(req, res)
        res:finish("unix " .. req.url)
      end)
      srv:listen(path)
      local body
      http.get({ socketPath = path, path = "/u" }, function(res)
        local parts = {}
        res:on("data", function(c) parts[#parts + 1] = tostring(c) end)
        res:on("end", function()
          body = table.concat(parts)
          srv:close()
        end)
      end)
      assert.are.equal(path, srv:address())
      run_loop()
      os.remove(path)
      assert.are.equal("unix /u", body)
    end)

    it("closes a connection after maxRequestsPerSocket requests",
      function()
      local srv, port = serve(function(_, res) res:finish("x") end,
        { maxRequestsPerSocket = 2 })
      local text
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n" ..
        "Host: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", function(t)
          text = t
          srv:close()
        end)
      run_loop()
      local _, n = text:gsub("HTTP/1.1 200", "")
      assert.are.equal(2, n)
      assert.truthy(text:find("Connection: close\r\n", 1, true))
    end)

    it("tells 'clientError' about a head that took too long", function()
      local srv, port = serve(function() end, { headersTimeout = 100,
        requestTimeout = 200 })
      local code
      srv:on("clientError", function(err, sock)
        code = err.code
        sock:destroy()
      end)
      raw(port, "GET / HTTP/1.1\r\n", function() srv:close() end)
      run_loop()
      assert.are.equal("ERR_HTTP_REQUEST_TIMEOUT", code)
    end)

    it("closes idle connections after keepAliveTimeout", function()
      local srv, port = serve(function(_, res) res:finish("x") end,
        { keepAliveTimeout = 100 })
      local t0 = require("lode.binding.uv").now()
      local elapsed
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", function()
        elapsed = require("lode.binding.uv").now() - t0
        srv:close()
      end)
      run_loop()
      assert.is_true(elapsed >= 90 and elapsed < 1500, tostring(elapsed))
    end)

    it("lets server.keepAliveTimeout and friends be set after creation",
      function()
      local srv = http.createServer(function() end)
      assert.are.equal(5000, srv.keepAliveTimeout)
      assert.are.equal(60000, srv.headersTimeout)
      assert.are.equal(300000, srv.requestTimeout)
      srv.keepAliveTimeout = 1000
      assert.are.equal(1000, srv.keepAliveTimeout)
      assert.has_error(function() srv.headersTimeout = -1 end)
    end)

    it("emits 'timeout' with the socket after server.timeout", function()
      local srv, port = serve(function() end)   -- never answers
      srv.timeout = 100
      local sockets = 0
      srv:on("timeout", function(sock)
        sockets = sockets + 1
        sock:destroy()
      end)
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", function() srv:close() end)
      run_loop()
      assert.are.equal(1, sockets)
    end)
  end)
end)
