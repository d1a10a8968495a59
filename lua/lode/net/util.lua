-- Helpers shared by lode.net's Socket and Server: IP literal checks,
-- Node's port validation and argument normalization, and the few libuv
-- status codes the stream code tests for.
local errors = require "lode.internal.errors"
local tcp = require "lode.binding.tcp"

local M = {}

-- libuv's status codes on Linux (uv-errno.h); spec/net_spec.lua checks
-- them against uv.err_name.
M.UV_EOF = -4095
M.UV_ENOTCONN = -107
M.UV_ECANCELED = -125

local ip_family = tcp.ip_family

function M.isIP(s)
  if type(s) ~= "string" then return 0 end
  return ip_family(s)
end

function M.isIPv4(s) return M.isIP(s) == 4 end
function M.isIPv6(s) return M.isIP(s) == 6 end

-- A pipe name is a string that is not a number (Node's isPipeName).
function M.isPipeName(s)
  return type(s) == "string" and tonumber(s) == nil
end

-- Node's validatePort: an integer (or a numeric string) in [0, 65535];
-- anything else raises ERR_SOCKET_BAD_PORT.
function M.validatePort(port, name)
  local n = port
  if type(port) == "string" and port:match("%S") then n = tonumber(port) end
  if type(n) ~= "number" or n ~= n or n % 1 ~= 0 or n < 0 or n > 65535 then
    error(errors.new(errors.RangeError, "ERR_SOCKET_BAD_PORT",
      ("%s should be >= 0 and < 65536. %s."):format(name or "Port",
        errors.describe(port))), 0)
  end
  return math.tointeger(n)
end

function M.socketClosed()
  return errors.new(errors.Error, "ERR_SOCKET_CLOSED", "Socket is closed")
end

-- Arguments of connect/createConnection: (options[, cb]), (path[, cb]),
-- (port[, host][, cb]). Returns a fresh options table and the callback.
function M.normalizeConnectArgs(...)
  local n = select("#", ...)
  local first, second = ...
  local cb = n > 0 and select(n, ...) or nil
  if type(cb) ~= "function" then cb = nil end
  local opts = {}
  if type(first) == "table" then
    for k, v in pairs(first) do opts[k] = v end
  elseif M.isPipeName(first) then
    opts.path = first
  else
    opts.port = first
    if type(second) == "string" then opts.host = second end
  end
  return opts, cb
end

-- Strings and Buffers go to the binding as they are; strings in other
-- encodings than UTF-8 become Buffers first.
local Buffer
function M.toBytes(chunk, encoding)
  if type(chunk) == "string" and encoding ~= nil and encoding ~= "utf8"
    and encoding ~= "utf-8" and encoding ~= "buffer" then
    Buffer = Buffer or require("lode.buffer").Buffer
    return Buffer.from(chunk, encoding)
  end
  return chunk
end

return M
