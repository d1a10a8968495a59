-- lode.http against real peers: curl and python3's http.client talking
-- to lode's server (keep-alive reuse, chunked bodies both ways, HEAD,
-- 100-continue, pipelining on a raw socket), Node 20's http client
-- against lode's server, and lode's client against a Node 20 server and
-- python3's http.server. The peers run as child processes (io.popen)
-- while run_loop() drives our side; their stdout is read afterwards.
local http = require "lode.http"

-- The peers are not ours to sanitize: under `make check` they run
-- without the AddressSanitizer preload (curl hangs with it).
local PEER = "exec env -u LD_PRELOAD timeout 30 "

-- Starts cmd in the background; returns a function that waits for it
-- and returns its stdout (and stderr, when asked with 2>&1 in cmd).
local function spawn(cmd)
  local p = io.popen(PEER .. cmd, "r")
  return function()
    local out = p:read("a")
    p:close()
    return out
  end
end

after_each(close_http_servers)
local serve = serve_http

-- A server that echoes what it got and closes itself after n requests.
local function echoServer(n)
  local seen = 0
  local srv, port
  srv, port = serve(function(req, res)
    local parts = {}
    req:on("data", function(c) parts[#parts + 1] = tostring(c) end)
    req:on("end", function()
      seen = seen + 1
      local body = table.concat(parts)
      res:setHeader("Content-Type", "text/plain")
      if req.url == "/chunked" then
        res:write(req.method .. " ")
        res:write(req.url .. " ")
        res:finish(body)
      else
        res:finish(req.method .. " " .. req.url .. " " .. body)
      end
      if seen == n then srv:close() end
    end)
  end)
  return srv, port
end

local function url(port, path)
  return shq("http://127.0.0.1:" .. port .. path)
end

local function has(cmd)
  return os.execute("command -v " .. cmd .. " >/dev/null 2>&1")
end

describe("lode.http interop", function()
  describe("curl -> lode server", function()
    if not has("curl") then
      pending("curl is not installed (apt package curl)")
      return
    end

    it("reuses the connection for a second URL", function()
      local _, port = echoServer(2)
      local wait = spawn(("curl -sv %s %s 2>&1"):format(url(port, "/a"),
        url(port, "/b")))
      run_loop()
      local out = wait()
      assert.truthy(out:find("GET /a ", 1, true))
      assert.truthy(out:find("GET /b ", 1, true))
      assert.truthy(out:find("Re%-using existing connection"))
    end)

    it("uploads a chunked body and reads a chunked answer", function()
      local _, port = echoServer(1)
      local wait = spawn(("curl -s -H 'Transfer-Encoding: chunked' " ..
        "--data-binary hello-chunks %s"):format(url(port, "/chunked")))
      run_loop()
      assert.are.equal("POST /chunked hello-chunks", wait())
    end)

    it("gets HEAD headers without a body", function()
      local _, port = echoServer(1)
      local wait = spawn(("curl -sI %s"):format(url(port, "/h")))
      run_loop()
      local out = wait()
      assert.truthy(out:find("^HTTP/1.1 200 OK\r\n"))
      assert.truthy(out:find("Content-Length: 8\r\n", 1, true))
    end)

    it("waits for 100 Continue before sending the body", function()
      local _, port = echoServer(1)
      local wait = spawn(("curl -sv -H 'Expect: 100-continue' " ..
        "--data-binary %s %s 2>&1"):format(string.rep("x", 3000),
        url(port, "/big")))
      run_loop()
      local out = wait()
      assert.truthy(out:find("HTTP/1.1 100 Continue", 1, true))
      assert.truthy(out:find("POST /big " .. string.rep("x", 3000), 1, true))
    end)
  end)

  describe("python3 -> lode server", function()
    it("makes keep-alive requests on one http.client connection",
      function()
      local _, port = echoServer(4)
      local wait = spawn("python3 -c " .. shq([[
import http.client, sys
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]))
ports = set()
for m, p, b in [('GET', '/1', None), ('POST', '/2', b'body'),
                ('GET', '/chunked', None), ('HEAD', '/4', None)]:
    c.request(m, p, body=b)
    ports.add(c.sock.getsockname()[1])
    r = c.getresponse()
    print(r.status, repr(r.read()))
print(len(ports))
]]) .. " " .. port)
      run_loop()
      assert.are.equal("200 b'GET /1 '\n200 b'POST /2 body'\n" ..
        "200 b'GET /chunked '\n200 b''\n1\n", wait())
    end)

    it("gets pipelined answers in order on a raw socket", function()
      local _, port = echoServer(3)
      local wait = spawn("python3 -c " .. shq([[
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s.sendall(b'GET /x HTTP/1.1\r\nHost: a\r\n\r\n'
          b'POST /y HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi'
          b'GET /z HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
data = b''
while True:
    d = s.recv(65536)
    if not d: break
    data += d
for part in data.split(b'HTTP/1.1 ')[1:]:
    print(part.split(b'\r\n\r\n', 1)[1].decode())
]]) .. " " .. port)
      run_loop()
      assert.are.equal("GET /x \nPOST /y hi\nGET /z \n", wait())
    end)
  end)

  describe("node -> lode server", function()
    if not has("node") then
      pending("node is not installed")
      return
    end

    it("serves Node's http client: keep-alive, chunked, HEAD", function()
      local _, port = echoServer(3)
      local wait = spawn("node -e " .. shq([[
const http = require('http');
const agent = new http.Agent({ keepAlive: true });
const port = +process.argv[1];
const sockets = new Set();
function go(method, path, body) {
  return new Promise((ok) => {
    const req = http.request({ port, host: '127.0.0.1', method, path, agent },
      (res) => {
        sockets.add(res.socket);
        let d = '';
        res.on('data', (c) => d += c);
        res.on('end', () => ok(res.statusCode + ' ' +
          res.headers['content-length'] + ' ' + JSON.stringify(d)));
      });
    if (body) { req.write(body[0]); req.end(body[1]); } else req.end();
  });
}
(async () => {
  console.log(await go('GET', '/a'));
  console.log(await go('POST', '/chunked', ['x', 'y']));
  console.log(await go('HEAD', '/c'));
  console.log(sockets.size);
  agent.destroy();
})();
]]) .. " " .. port)
      run_loop()
      assert.are.equal('200 7 "GET /a "\n200 undefined "POST /chunked xy"\n' ..
        '200 8 ""\n1\n', wait())
    end)
  end)

  describe("lode client -> other servers", function()
    local function fetch(port, method, path, body, agent, cb)
      local req = http.request({ host = "127.0.0.1", port = port,
        method = method, path = path, agent = agent }, function(res)
        local parts = {}
        res:on("data", function(c) parts[#parts + 1] = tostring(c) end)
        res:on("end", function()
          cb(res, table.concat(parts))
        end)
      end)
      if type(body) == "table" then
        for i = 1, #body - 1 do req:write(body[i]) end
        req:finish(body[#body])
      else
        req:finish(body)
      end
    end

    -- Reads "port pid" from a server child, runs the requests, kills it.
    local function against(cmd, run)
      local p = io.popen(PEER .. cmd, "r")
      local port, pid = p:read("n", "n")
      local agent = http.Agent.new({ keepAlive = true })
      local results = {}
      run(port, agent, results, function()
        agent:destroy()
        os.execute("kill " .. math.tointeger(pid))
      end)
      run_loop(20000)
      p:close()
      return results
    end

    it("talks to a Node 20 server (keep-alive, chunked both ways)",
      function()
      if not has("node") then return pending("node is not installed") end
      local results = against("node -e " .. shq([[
const http = require('http');
const srv = http.createServer((req, res) => {
  let d = '';
  req.on('data', (c) => d += c);
  req.on('end', () => {
    if (req.url === '/chunked') { res.write('a'); res.write('b'); res.end(); }
    else res.end(req.method + ' ' + (req.headers['transfer-encoding'] || '-')
      + ' ' + d);
  });
}).listen(0, '127.0.0.1', () =>
  console.log(srv.address().port + ' ' + process.pid));
]]), function(port, agent, out, done)
        fetch(port, "GET", "/", nil, agent, function(res, body)
          out[1] = body
          local sock = res.socket
          fetch(port, "POST", "/p", { "x", "y" }, agent, function(res2, b2)
            out[2], out[3] = b2, res2.socket == sock
            fetch(port, "GET", "/chunked", nil, agent, function(res3, b3)
              out[4] = b3 .. " " .. tostring(res3.headers["transfer-encoding"])
              done()
            end)
          end)
        end)
      end)
      assert.are.same({ "GET - ", "POST chunked xy", true, "ab chunked" },
        results)
    end)

    it("talks to python3's http.server", function()
      local results = against("python3 -u -c " .. shq([[
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a): pass
    def answer(self, body):
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self): self.answer(b'got ' + self.path.encode())
    def do_POST(self):
        n = int(self.headers['Content-Length'])
        self.answer(b'posted ' + self.rfile.read(n))
s = http.server.HTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], os.getpid(), flush=True)
s.serve_forever()
]]), function(port, agent, out, done)
        fetch(port, "GET", "/x", nil, agent, function(res, body)
          out[1] = body
          local sock = res.socket
          fetch(port, "POST", "/y", "data", agent, function(res2, b2)
            out[2], out[3] = b2, res2.socket == sock
            done()
          end)
        end)
      end)
      assert.are.same({ "got /x", "posted data", true }, results)
    end)
  end)
end)
