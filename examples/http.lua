-- The article's "http" section, in Lua: a server with GET /hello (JSON)
-- and POST /hello (the request body, logged), and "hello world" for the
-- rest. To stay self-contained it listens on 127.0.0.1 with a free port
-- (0) instead of 8080, asks itself with lode's own client, prints what
-- the article shows, and closes so the script ends.
local http = require "lode.http"
local events = require "lode.events"

local server = http.createServer(function(req, res)
  if req.url == "/hello" and req.method == "GET" then
    local response = { message = "Hello, World!" }
    res:writeHead(200, { ["Content-Type"] = "application/json" })
    res:write(JSON.stringify(response))
    res:finish()
  elseif req.url == "/hello" and req.method == "POST" then
    local body = ""
    req:on("data", function(chunk)
      body = body .. tostring(chunk)
    end)
    req:on("end", function()
      console.log(body)
      res:finish()
    end)
  else
    res:write("hello world")
    res:finish()
  end
end)

-- A request with lode's client; resolves to the status, the content type
-- and the whole body.
local function request(method, path, body)
  return Promise.new(function(resolve, reject)
    local req = http.request({ host = "127.0.0.1",
      port = server:address().port, method = method, path = path },
      function(res)
        local data = ""
        res:on("data", function(chunk) data = data .. tostring(chunk) end)
        res:on("end", function()
          resolve({ status = res.statusCode, data = data,
            type = res.headers["content-type"] })
        end)
      end)
    req:on("error", reject)
    req:finish(body)
  end)
end

-- The main chunk is a task: it can wait for 'listening' and the answers.
server:listen(0, "127.0.0.1")
await(events.once(server, "listening"))

local home = await(request("GET", "/"))
console.log(home.status, home.data)                  -- 200 hello world

local hello = await(request("GET", "/hello"))
console.log(hello.status, hello.type)                -- 200 application/json
console.log(JSON.parse(hello.data).message)          -- Hello, World!

local posted = await(request("POST", "/hello", '{"name":"lode"}'))
console.log(posted.status)                           -- 200

server:close()
