-- TCP echo server for bench/net.sh: pipes every connection back to
-- itself; prints its port, exits after the first client leaves.
local net = require "lode.net"
local server
server = net.createServer(function(c)
  c:pipe(c)
  c:on("close", function() server:close() end)
end)
server:listen(tonumber(arg[1]) or 0, "127.0.0.1", function()
  print(server:address().port)
end)
