-- lode.http: Node 20's http module (API.md section 4). The server's hot
-- path is C (bindings/http_server.c: one object per connection, one Lua
-- call per request, DESIGN.md section 4); the Lua classes are in
-- lua/lode/http/: server.lua (Server), incoming.lua (IncomingMessage),
-- response.lua (ServerResponse), socket.lua (a server connection's
-- socket), client.lua (ClientRequest, http.request/get) and agent.lua
-- (Agent, keep-alive pooling over lode.net sockets).
local errors = require "lode.internal.errors"
local common = require "lode.http.common"

local M = {}

M.STATUS_CODES = common.STATUS_CODES
M.METHODS = common.METHODS
M.maxHeaderSize = 16384

M.Server = require "lode.http.server"
M.IncomingMessage = require "lode.http.incoming"
M.ServerResponse = require "lode.http.response"

-- createServer([options][, requestListener])
function M.createServer(opts, onRequest)
  return M.Server.new(opts, onRequest)
end

function M.validateHeaderName(name, label)
  if type(name) ~= "string" or not common.is_token(name) then
    error(common.invalidToken(label or "Header name", name), 2)
  end
end

function M.validateHeaderValue(name, value)
  if value == nil then error(common.invalidHeaderValue(value, name), 2) end
  local ok = type(value) == "number" or type(value) == "boolean"
    or (type(value) == "string" and common.is_value(value))
  if not ok then error(common.invalidChar("header content", name), 2) end
end

function M.setMaxIdleHTTPParsers(n)
  errors.checkInteger(n, "max", 1)
end

-- The client half loads on first use.
local CLIENT = { request = true, get = true, ClientRequest = true,
  Agent = true, globalAgent = true, OutgoingMessage = true }

setmetatable(M, { __index = function(t, k)
  if not CLIENT[k] then return nil end
  local client = require "lode.http.client"
  for name in pairs(CLIENT) do rawset(t, name, client[name]) end
  return rawget(t, k)
end })

return M
