-- lode.http under bad input and at its limits: malformed requests get
-- 400 and a close, oversized heads 431, slow heads 408 after
-- headersTimeout (all answered in C, or handed to 'clientError'); bad
-- header names and values raise Node's codes; writing after finish() is
-- an 'error'; a peer that goes away mid-response destroys the response
-- quietly; and many requests or connections leave the descriptor count
-- and memory where they were.
local http = require "lode.http"
local net = require "lode.net"
local fs = require "lode.fs"
local uv = require "lode.binding.uv"

local function fd_count()
  return #fs.readdirSync("/proc/self/fd")
end

local function raw(port, data, cb)
  local s = net.connect(port, "127.0.0.1")
  local got = {}
  s:on("data", function(c) got[#got + 1] = tostring(c) end)
  s:on("error", function() end)
  s:on("close", function() if cb then cb(table.concat(got)) end end)
  if data then s:write(data) end
  return s
end

after_each(close_http_servers)
local serve = serve_http

-- Warm up: libuv keeps a spare descriptor after its first listen.
do
  local srv = serve(function() end)
  srv:close()
  run_loop()
end

local fds
before_each(function() fds = fd_count() end)
after_each(function()
  collectgarbage()
  assert.are.equal(fds, fd_count(), "file descriptors leaked")
end)

describe("lode.http limits", function()
  describe("bad requests", function()
    it("answers a malformed request line with 400 and closes", function()
      local called = false
      local srv, port = serve(function() called = true end)
      local text
      raw(port, "GET/ HTTP/1.1\r\n\r\n", function(t) text = t; srv:close() end)
      run_loop()
      assert.is_false(called)
      assert.are.equal("HTTP/1.1 400 Bad Request\r\nConnection: close" ..
        "\r\n\r\n", text)
    end)

    it("answers a bad header with 400", function()
      local srv, port = serve(function() end)
      local text
      raw(port, "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", function(t)
        text = t
        srv:close()
      end)
      run_loop()
      assert.truthy(text:find("^HTTP/1.1 400 Bad Request\r\n"))
    end)

    it("answers an invalid method with 400", function()
      local srv, port = serve(function() end)
      local text
      raw(port, "G@T / HTTP/1.1\r\n\r\n", function(t) text = t; srv:close() end)
      run_loop()
      assert.truthy(text:find("^HTTP/1.1 400 Bad Request\r\n"))
    end)

    it("answers heads over maxHeaderSize (16 KiB) with 431", function()
      local srv, port = serve(function() error("not here") end)
      local text
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " ..
        string.rep("a", 17 * 1024) .. "\r\n\r\n", function(t)
          text = t
          srv:close()
        end)
      run_loop()
      assert.are.equal("HTTP/1.1 431 Request Header Fields Too Large\r\n" ..
        "Connection: close\r\n\r\n", text)
    end)

    it("honours a smaller maxHeaderSize and accepts what fits", function()
      local n = 0
      local srv, port = serve(function(_, res)
        n = n + 1
        res:finish()
      end, { maxHeaderSize = 200 })
      local a, b
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        function(t)
          a = t
          raw(port, "GET / HTTP/1.1\r\nX: " .. string.rep("b", 300) ..
            "\r\n\r\n", function(t2) b = t2; srv:close() end)
        end)
      run_loop()
      assert.are.equal(1, n)
      assert.truthy(a:find("^HTTP/1.1 200"))
      assert.truthy(b:find("^HTTP/1.1 431"))
    end)

    it("hands parse errors to 'clientError' listeners with the socket",
      function()
      local srv, port = serve(function() end)
      local err
      srv:on("clientError", function(e, sock)
        err = e
        sock:finish("HTTP/1.1 400 Bad Request\r\nX-Mine: 1\r\n\r\n")
      end)
      local text
      raw(port, "BAD\r\n\r\n", function(t) text = t; srv:close() end)
      run_loop()
      assert.are.equal("HPE_INVALID_METHOD", err.code)
      assert.truthy(err.message:find("^Parse Error"))
      assert.truthy(text:find("X-Mine: 1", 1, true))
    end)

    it("answers 400 to an HTTP/1.1 request without Host", function()
      local srv, port = serve(function() error("not here") end)
      local text
      raw(port, "GET / HTTP/1.1\r\n\r\n", function(t) text = t; srv:close() end)
      run_loop()
      assert.truthy(text:find("^HTTP/1.1 400 Bad Request\r\n"))
      assert.truthy(text:find("Connection: close\r\n", 1, true))
    end)
  end)

  describe("timeouts", function()
    it("cuts off a slow head after headersTimeout with 408", function()
      local srv, port = serve(function() error("not here") end,
        { headersTimeout = 200, requestTimeout = 400 })
      local t0, text, elapsed = uv.now(), nil, nil
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\n", function(t)
        text, elapsed = t, uv.now() - t0
        srv:close()
      end)
      run_loop()
      assert.are.equal("HTTP/1.1 408 Request Timeout\r\nConnection: close" ..
        "\r\n\r\n", text)
      assert.is_true(elapsed >= 190 and elapsed < 1200, tostring(elapsed))
    end)

    it("cuts off a connection that sends nothing after headersTimeout",
      function()
      local srv, port = serve(function() end, { headersTimeout = 150,
        requestTimeout = 300 })
      local text
      raw(port, nil, function(t) text = t; srv:close() end)
      run_loop()
      assert.truthy(text:find("^HTTP/1.1 408"))
    end)

    it("cuts off a slow body after requestTimeout", function()
      local srv, port = serve(function(req)
        req:on("data", function() end)
      end, { headersTimeout = 100, requestTimeout = 250 })
      local closed = false
      raw(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab",
        function() closed = true; srv:close() end)
      run_loop()
      assert.is_true(closed)
    end)
  end)

  describe("header checks", function()
    local function inHandler(fn)
      local err
      local srv, port = serve(function(_, res)
        local ok, e = pcall(fn, res)
        err = not ok and e or nil
        res:finish()
      end)
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        function() srv:close() end)
      run_loop()
      return err
    end

    it("raises ERR_INVALID_HTTP_TOKEN for a bad name", function()
      local err = inHandler(function(res) res:setHeader("Bad Name", "x") end)
      assert.are.equal("ERR_INVALID_HTTP_TOKEN", err.code)
      assert.are.equal('Header name must be a valid HTTP token ["Bad Name"]',
        err.message)
    end)

    it("raises ERR_INVALID_CHAR for CR/LF in a value", function()
      local err = inHandler(function(res)
        res:setHeader("X-Ok", "a\r\nX-Evil: 1")
      end)
      assert.are.equal("ERR_INVALID_CHAR", err.code)
      assert.are.equal('Invalid character in header content ["X-Ok"]',
        err.message)
    end)

    it("raises ERR_HTTP_INVALID_HEADER_VALUE for nil", function()
      local err = inHandler(function(res) res:setHeader("X-Ok", nil) end)
      assert.are.equal("ERR_HTTP_INVALID_HEADER_VALUE", err.code)
    end)

    it("checks writeHead's table too", function()
      local err = inHandler(function(res)
        res:writeHead(200, { ["X-A"] = "\0" })
      end)
      assert.are.equal("ERR_INVALID_CHAR", err.code)
    end)

    it("raises ERR_HTTP_HEADERS_SENT after the head went out", function()
      local err = inHandler(function(res)
        res:write("x")
        res:setHeader("X-Late", "1")
      end)
      assert.are.equal("ERR_HTTP_HEADERS_SENT", err.code)
    end)

    it("raises ERR_HTTP_INVALID_STATUS_CODE", function()
      local err = inHandler(function(res) res:writeHead(1000) end)
      assert.are.equal("ERR_HTTP_INVALID_STATUS_CODE", err.code)
    end)

    it("validateHeaderName/validateHeaderValue as Node", function()
      assert.has_no.errors(function() http.validateHeaderName("X-Ok") end)
      local ok, e = pcall(http.validateHeaderName, "a b")
      assert.is_false(ok)
      assert.are.equal("ERR_INVALID_HTTP_TOKEN", e.code)
      ok, e = pcall(http.validateHeaderValue, "X", "a\nb")
      assert.is_false(ok)
      assert.are.equal("ERR_INVALID_CHAR", e.code)
      ok, e = pcall(http.validateHeaderValue, "X", nil)
      assert.are.equal("ERR_HTTP_INVALID_HEADER_VALUE", e.code)
    end)
  end)

  describe("responses that cannot be written", function()
    it("emits ERR_STREAM_WRITE_AFTER_END for a write after finish",
      function()
      local err, cbErr
      local srv, port = serve(function(_, res)
        res:on("error", function(e) err = e end)
        res:finish("done")
        assert.is_false(res:write("more", function(e) cbErr = e end))
      end)
      raw(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        function() srv:close() end)
      run_loop()
      assert.are.equal("ERR_STREAM_WRITE_AFTER_END", err.code)
      assert.are.equal(err, cbErr)
    end)

    it("destroys the response when the peer goes away mid-response",
      function()
      local srv, port
      local closed, writes = false, 0
      srv, port = serve(function(_, res)
        res:on("close", function() closed = true end)
        res:write(string.rep("x", 1024))
        local t
        t = setInterval(function()
          writes = writes + 1
          res:write(string.rep("y", 64 * 1024))
          if res.destroyed or writes > 200 then
            clearInterval(t)
            res:finish()
            srv:close()
          end
        end, 1)
      end)
      local s = raw(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
      s:once("data", function() s:destroy() end)
      run_loop()
      assert.is_true(closed)
      assert.is_true(writes < 200)
    end)

    it("aborts the request when the peer goes away mid-body", function()
      local aborted, closed = false, false
      local srv, port = serve(function(req)
        req:on("aborted", function() aborted = true end)
        req:on("close", function() closed = true end)
        req:on("data", function() end)
      end)
      local s = raw(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100" ..
        "\r\n\r\nabc")
      setTimeout(function() s:destroy() end, 50)
      setTimeout(function() srv:close() end, 150)
      run_loop()
      assert.is_true(aborted)
      assert.is_true(closed)
    end)
  end)

  describe("resources", function()
    local function rss()
      return uv.rss()
    end

    it("keeps descriptors and memory flat over 10,000 sequential requests",
      function()
      local srv, port = serve(function(req, res)
        res:setHeader("Content-Type", "text/plain")
        res:finish(req.url)
      end)
      local n, total = 0, 10000
      local base_rss
      local s = net.connect(port, "127.0.0.1")
      local buf = ""
      local function send()
        s:write("GET /" .. n .. " HTTP/1.1\r\nHost: x\r\n\r\n")
      end
      s:on("data", function(c)
        buf = buf .. tostring(c)
        local head, len = buf:match("^(.-\r\n\r\n)().*")
        if head == nil then return end
        local cl = tonumber(head:match("Content%-Length: (%d+)"))
        if #buf - len + 1 < cl then return end
        buf = buf:sub(len + cl)
        n = n + 1
        if n == 1000 then collectgarbage(); base_rss = rss() end
        if n < total then send() else s:destroy(); srv:close() end
      end)
      send()
      run_loop(60000)
      collectgarbage()
      assert.are.equal(total, n)
      local grown = rss() - base_rss
      -- (AddressSanitizer keeps freed memory in quarantine: no RSS check)
      if not (os.getenv("LD_PRELOAD") or ""):find("asan") then
        assert.is_true(grown < 2 * 1024 * 1024, "RSS grew by " .. grown)
      end
    end)

    it("serves 1,000 concurrent connections and closes them all", function()
      local srv, port = serve(function(_, res) res:finish("ok") end)
      local done, total = 0, 1000
      local during
      for _ = 1, total do
        local s = net.connect(port, "127.0.0.1")
        local got = ""
        s:on("data", function(c)
          got = got .. tostring(c)
          if got:find("ok$") then
            done = done + 1
            if done == total then during = fd_count() end
            s:destroy()
            if done == total then srv:close() end
          end
        end)
        s:write("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
      end
      run_loop(60000)
      assert.are.equal(total, done)
      assert.is_true(during > fds)
    end)
  end)
end)
