-- The article's "net" section, in Lua: a TCP server that greets each
-- client and logs what it types. To keep the output deterministic the
-- script plays the client too (the article uses netcat): the server
-- listens on 127.0.0.1, port 0 (any free port), a client connects,
-- reads the greeting, types a line and hangs up, and the server closes.
local net = require "lode.net"

local server
server = net.createServer(function(socket)
  socket:write("Hello from TCP server!")

  socket:on("data", function(data)
    console.log(tostring(data))
  end)

  socket:on("end", function()
    console.log("Data transmission finished")
  end)

  socket:on("close", function()
    console.log("Client disconnected")
    server:close()
  end)
end)

server:listen(0, "127.0.0.1", function()
  -- The article listens on port 3000; we read the chosen port back.
  local port = server:address().port
  console.log("Server listening on port " .. (port > 0 and "<port>" or "?"))

  -- What `netcat localhost 3000` does in the article.
  local client = net.connect(port, "127.0.0.1")
  client:on("data", function(greeting)
    console.log("> " .. tostring(greeting))
    client:finish("Hi, I am a client\n")
  end)
end)
