-- bench/http.sh's server: "/" hello world, "/big" a 64 KiB body, "/echo"
-- a JSON POST echoed back. Prints its port; keepAliveTimeout from arg 1
-- (ms; the idle-connection test raises it so nothing closes meanwhile).
local http = require "lode.http"

local big = string.rep("x", 65536)

local server = http.createServer(function(req, res)
  local url = req.url
  if url == "/" then
    res:setHeader("Content-Type", "text/plain")
    res:finish("Hello, World!")
  elseif url == "/big" then
    res:setHeader("Content-Type", "application/octet-stream")
    res:finish(big)
  elseif url == "/echo" then
    local parts = {}
    req:on("data", function(c) parts[#parts + 1] = tostring(c) end)
    req:on("end", function()
      res:setHeader("Content-Type", "application/json")
      res:finish(table.concat(parts))
    end)
  else
    res.statusCode = 404
    res:finish()
  end
end)
server.keepAliveTimeout = tonumber(arg[1]) or 5000
server:listen(0, "127.0.0.1", function()
  print(server:address().port)
  io.stdout:flush()
end)
