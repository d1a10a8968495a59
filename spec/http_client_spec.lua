-- lode.http's client against lode's server and raw lode.net servers:
-- http.request/get with URLs and options, bodies both ways (whole and
-- chunked), the response as an IncomingMessage, 1xx ('continue',
-- 'information'), 'upgrade', HEAD, the Agent (keep-alive reuse,
-- maxSockets, maxTotalSockets, maxFreeSockets, destroy), and failures
-- that reach 'error' (ECONNREFUSED, ENOTFOUND, a timeout, a peer that
-- hangs up, a malformed response).
local http = require "lode.http"
local net = require "lode.net"

after_each(close_http_servers)
local serve = serve_http

-- A raw TCP server that answers each connection with fn(sock, data).
local function rawServer(fn)
  local srv = net.createServer(function(sock)
    local buf = ""
    sock:on("data", function(c)
      buf = buf .. tostring(c)
      if buf:find("\r\n\r\n") then fn(sock, buf) end
    end)
    sock:on("error", function() end)
  end)
  srv:listen(0, "127.0.0.1")
  return srv, srv:address().port
end

local function collect(res, cb)
  local parts = {}
  res:on("data", function(c) parts[#parts + 1] = tostring(c) end)
  res:on("end", function() cb(table.concat(parts)) end)
end

describe("lode.http client", function()
  it("validates header names in every header method", function()
    local srv, port = serve(function(_, res) res:finish() end)
    local req = http.request("http://127.0.0.1:" .. port .. "/")
    req:setHeader("X-A", "1")
    assert.is_true(req:hasHeader("x-a"))
    for _, m in ipairs({ "getHeader", "hasHeader", "removeHeader" }) do
      local ok, err = pcall(req[m], req, 5)
      assert.is_false(ok)
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
    end
    req:removeHeader("X-A")
    assert.same({ "host" }, req:getHeaderNames())
    req:on("response", function(res) res:resume() end)
    req:on("close", function() srv:close() end)
    req:finish()
    run_loop()
  end)

  it("gets a URL: status, headers, body, socket and close", function()
    local srv, port = serve(function(req, res)
      res:setHeader("X-Url", req.url)
      res:finish("hello " .. req.headers.host)
    end)
    local r = {}
    local req = http.get("http://127.0.0.1:" .. port .. "/p?q=1",
      function(res)
        r.status, r.msg = res.statusCode, res.statusMessage
        r.url, r.version = res.headers["x-url"], res.httpVersion
        collect(res, function(body) r.body = body end)
      end)
    req:on("socket", function(s) r.socket = s ~= nil end)
    req:on("close", function() r.closed = true; srv:close() end)
    run_loop()
    assert.are.equal(200, r.status)
    assert.are.equal("OK", r.msg)
    assert.are.equal("/p?q=1", r.url)
    assert.are.equal("1.1", r.version)
    assert.are.equal("hello 127.0.0.1:" .. port, r.body)
    assert.is_true(r.socket)
    assert.is_true(r.closed)
  end)

  it("posts a body written in pieces as chunked, whole as Content-Length",
    function()
    local seen = {}
    local srv, port = serve(function(req, res)
      local parts = {}
      req:on("data", function(c) parts[#parts + 1] = tostring(c) end)
      req:on("end", function()
        seen[#seen + 1] = { te = req.headers["transfer-encoding"],
          cl = req.headers["content-length"], body = table.concat(parts) }
        res:finish()
      end)
    end)
    local function post(pieces, cb)
      local req = http.request({ host = "127.0.0.1", port = port,
        method = "POST", path = "/" }, function(res) collect(res, cb) end)
      for i = 1, #pieces - 1 do req:write(pieces[i]) end
      req:finish(pieces[#pieces])
    end
    post({ "a", "b", "c" }, function()
      post({ "whole" }, function() srv:close() end)
    end)
    run_loop()
    assert.are.same({ te = "chunked", body = "abc" }, seen[1])
    assert.are.same({ cl = "5", body = "whole" }, seen[2])
  end)

  it("reuses a keep-alive socket and exits with idle sockets pooled",
    function()
    local srv, port = serve(function(_, res) res:finish("x") end)
    local agent = http.Agent.new({ keepAlive = true })
    local sockets, reused = {}, {}
    local function one(i, cb)
      local req = http.get({ host = "127.0.0.1", port = port, agent = agent },
        function(res)
          sockets[i], reused[i] = res.socket, res.req.reusedSocket
          collect(res, cb)
        end)
      return req
    end
    one(1, function()
      one(2, function()
        one(3, function()
          agent:destroy()
          srv:close()
        end)
      end)
    end)
    run_loop()
    assert.are.equal(sockets[1], sockets[2])
    assert.are.equal(sockets[2], sockets[3])
    assert.are.same({ false, true, true }, reused)
  end)

  it("keeps to maxSockets per origin and queues the rest", function()
    local active, peak = 0, 0
    local srv, port = serve(function(_, res)
      active = active + 1
      if active > peak then peak = active end
      setTimeout(function()
        active = active - 1
        res:finish("ok")
      end, 20)
    end)
    local agent = http.Agent.new({ keepAlive = true, maxSockets = 2 })
    local done = 0
    for _ = 1, 6 do
      http.get({ host = "127.0.0.1", port = port, agent = agent },
        function(res)
          collect(res, function()
            done = done + 1
            if done == 6 then agent:destroy(); srv:close() end
          end)
        end)
    end
    run_loop()
    assert.are.equal(6, done)
    assert.are.equal(2, peak)
  end)

  it("keeps to maxTotalSockets and maxFreeSockets", function()
    local srv, port = serve(function(_, res) res:finish("ok") end)
    local agent = http.Agent.new({ keepAlive = true, maxTotalSockets = 1,
      maxFreeSockets = 1 })
    local done, created = 0, 0
    for _ = 1, 3 do
      local req = http.get({ host = "127.0.0.1", port = port, agent = agent },
        function(res)
          collect(res, function()
            done = done + 1
            if done == 3 then
              local free = 0
              for _, l in pairs(agent.freeSockets) do free = free + #l end
              assert.are.equal(1, free)
              agent:destroy()
              srv:close()
            end
          end)
        end)
      req:on("socket", function(s)
        if not s._seen then s._seen = true; created = created + 1 end
      end)
    end
    run_loop()
    assert.are.equal(3, done)
    assert.are.equal(1, created)
  end)

  it("sends Connection: close without an agent", function()
    local conn
    local srv, port = serve(function(req, res)
      conn = req.headers.connection
      res:finish()
    end)
    http.get({ host = "127.0.0.1", port = port, agent = false }, function(res)
      collect(res, function() srv:close() end)
    end)
    run_loop()
    assert.are.equal("close", conn)
  end)

  it("reads HEAD responses without a body", function()
    local srv, port = serve(function(_, res) res:finish("body") end)
    local r = {}
    local req = http.request({ host = "127.0.0.1", port = port,
      method = "HEAD" }, function(res)
      r.cl = res.headers["content-length"]
      collect(res, function(body)
        r.body = body
        http.get({ host = "127.0.0.1", port = port }, function(res2)
          collect(res2, function(b2) r.after = b2; srv:close() end)
        end)
      end)
    end)
    req:finish()
    run_loop()
    assert.are.equal("4", r.cl)
    assert.are.equal("", r.body)
    assert.are.equal("body", r.after)
  end)

  it("emits 'continue' and 'information' for 1xx responses", function()
    local srv, port = serve(function(_, res)
      res:writeEarlyHints({ link = "</a.css>; rel=preload" })
      res:finish("final")
    end)
    local info, cont, body
    local req = http.request({ host = "127.0.0.1", port = port,
      method = "POST", headers = { Expect = "100-continue" } },
      function(res) collect(res, function(b) body = b; srv:close() end) end)
    req:on("continue", function()
      cont = true
      req:finish("data")
    end)
    req:on("information", function(i) info = i end)
    run_loop()
    assert.is_true(cont)
    assert.are.equal(103, info.statusCode)
    assert.are.equal("</a.css>; rel=preload", info.headers.link)
    assert.are.equal("final", body)
  end)

  it("emits 'upgrade' with the socket and the bytes after the head",
    function()
    local srv, port = serve(function() end)
    srv:on("upgrade", function(_, sock, head)
      sock:write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n" ..
        "Connection: Upgrade\r\n\r\nhi")
      sock:on("data", function(c) sock:finish(tostring(c)) end)
      assert.are.equal(0, #head)
    end)
    local got
    local req = http.request({ host = "127.0.0.1", port = port,
      headers = { Upgrade = "x", Connection = "Upgrade" } })
    req:on("upgrade", function(res, sock, head)
      assert.are.equal(101, res.statusCode)
      got = tostring(head)
      sock:write("back")
      sock:on("data", function(c) got = got .. tostring(c) end)
      sock:on("end", function() sock:destroy(); srv:close() end)
    end)
    req:finish()
    run_loop()
    assert.are.equal("hiback", got)
  end)

  it("reads a response whose body runs to the end of the connection",
    function()
    local srv, port = rawServer(function(sock)
      sock:finish("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil eof")
    end)
    local body
    http.get({ host = "127.0.0.1", port = port }, function(res)
      collect(res, function(b) body = b; srv:close() end)
    end)
    run_loop()
    assert.are.equal("until eof", body)
  end)

  it("reports ECONNREFUSED through 'error'", function()
    local srv, port = serve(function() end)
    srv:close()
    run_loop()
    local err
    http.get({ host = "127.0.0.1", port = port }):on("error",
      function(e) err = e end)
    run_loop()
    assert.are.equal("ECONNREFUSED", err.code)
  end)

  it("reports ENOTFOUND through 'error'", function()
    local err
    http.get("http://does-not-exist.invalid/"):on("error",
      function(e) err = e end)
    run_loop(15000)
    assert.are.equal("ENOTFOUND", err.code)
  end)

  it("emits 'timeout'; destroy(err) then reaches 'error'", function()
    local srv, port = rawServer(function() end)   -- never answers
    local err, timedOut
    local req = http.get({ host = "127.0.0.1", port = port, timeout = 100 })
    req:on("timeout", function()
      timedOut = true
      local e = setmetatable({ code = "ETIMEDOUT", message = "timed out" },
        { __index = function() return nil end })
      req:destroy(e)
    end)
    req:on("error", function(e) err = e; srv:close() end)
    run_loop()
    assert.is_true(timedOut)
    assert.are.equal("ETIMEDOUT", err.code)
  end)

  it("reports a hang-up before the response as ECONNRESET", function()
    local srv, port = rawServer(function(sock) sock:destroy() end)
    local err
    http.get({ host = "127.0.0.1", port = port }):on("error", function(e)
      err = e
      srv:close()
    end)
    run_loop()
    assert.are.equal("ECONNRESET", err.code)
    assert.are.equal("socket hang up", err.message)
  end)

  it("reports a malformed response as a parse error", function()
    local srv, port = rawServer(function(sock)
      sock:finish("HTTP/1.1 abc\r\n\r\n")
    end)
    local err
    http.get({ host = "127.0.0.1", port = port }):on("error", function(e)
      err = e
      srv:close()
    end)
    run_loop()
    assert.are.equal("HPE_INVALID_STATUS", err.code)
  end)

  it("raises for bad options and headers", function()
    local ok, e = pcall(http.request, "https://example.com/")
    assert.is_false(ok)
    assert.are.equal("ERR_INVALID_PROTOCOL", e.code)
    ok, e = pcall(http.request, { host = "127.0.0.1", port = 1,
      path = "/a b" })
    assert.are.equal("ERR_UNESCAPED_CHARACTERS", e.code)
    ok, e = pcall(http.request, { host = "127.0.0.1", port = 1,
      method = "BAD METHOD" })
    assert.are.equal("ERR_INVALID_HTTP_TOKEN", e.code)
    ok, e = pcall(http.request, { host = "127.0.0.1", port = 1,
      headers = { ["X-A"] = "a\nb" } })
    assert.are.equal("ERR_INVALID_CHAR", e.code)
    run_loop()
  end)

  it("has STATUS_CODES and METHODS", function()
    assert.are.equal("Not Found", http.STATUS_CODES[404])
    assert.are.equal("I'm a Teapot", http.STATUS_CODES[418])
    assert.are.equal(34, #http.METHODS)
    assert.are.equal("ACL", http.METHODS[1])
    assert.are.equal("GET", http.METHODS[7])
  end)
end)
