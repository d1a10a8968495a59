-- lode.net: TCP and Unix domain socket servers and clients, as Node 20's
-- net module (API.md section 4). Socket is a Duplex over libuv's stream
-- handles (lua/lode/net/socket.lua, bindings/stream.c), Server listens
-- and accepts (lua/lode/net/server.lua); names resolve through lode.dns.
local errors = require "lode.internal.errors"
local U = require "lode.net.util"
local Socket = require "lode.net.socket"
local Server = require "lode.net.server"

local M = {}

M.Socket = Socket
M.Stream = Socket
M.Server = Server
M.isIP, M.isIPv4, M.isIPv6 = U.isIP, U.isIPv4, U.isIPv6

-- createServer([options][, connectionListener])
function M.createServer(opts, listener)
  return Server.new(opts, listener)
end

-- connect(options[, cb]) | connect(path[, cb]) | connect(port[, host][, cb])
function M.connect(...)
  local opts = U.normalizeConnectArgs(...)
  local first = ...
  if first == nil then
    error(errors.missingArgs("options", "port", "path"), 0)
  end
  local s = Socket.new({ allowHalfOpen = opts.allowHalfOpen,
    highWaterMark = opts.highWaterMark,
    readableHighWaterMark = opts.readableHighWaterMark,
    writableHighWaterMark = opts.writableHighWaterMark })
  return s:connect(...)
end
M.createConnection = M.connect

function M.getDefaultAutoSelectFamily() return true end

return M
