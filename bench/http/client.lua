-- lode's http client: N requests (arg 2, default 50,000) one after the
-- other over one keep-alive connection to 127.0.0.1:PORT (arg 1), each
-- body read to the end. Prints requests per second.
local http = require "lode.http"
local uv = require "lode.binding.uv"

local port, total = tonumber(arg[1]), tonumber(arg[2]) or 50000
local agent = http.Agent.new({ keepAlive = true, maxSockets = 1 })
local opts = { host = "127.0.0.1", port = port, path = "/", agent = agent }
local n, t0 = 0, uv.hrtime()

local function one()
  http.get(opts, function(res)
    res:on("data", function() end)
    res:on("end", function()
      n = n + 1
      if n < total then return one() end
      print(math.floor(total / ((uv.hrtime() - t0) / 1e9)))
      agent:destroy()
    end)
  end)
end
one()
