-- Server:listen(), with Node 20's argument forms:
--   listen([port[, host[, backlog]]][, cb])    port 0 or none: any free
--   listen(path[, backlog][, cb])              a Unix domain socket
--   listen({ port=, host=, path=, backlog=, exclusive=, ipv6Only=,
--            readableAll=, writableAll= }[, cb])
-- Without a host the server listens on '::' (IPv4 too, dual stack), or on
-- '0.0.0.0' where there is no IPv6. A host name is resolved first.
local errors = require "lode.internal.errors"
local U = require "lode.net.util"

return function(Server)

local function toBacklog(v)
  local n = tonumber(v)
  if n ~= nil and n >= 0 and n % 1 == 0 then return math.tointeger(n) end
  return nil
end

-- Returns the options table and the callback of listen(...).
local function normalize(...)
  local n = select("#", ...)
  local cb = n > 0 and select(n, ...) or nil
  if type(cb) ~= "function" then cb = nil end
  local a1, a2, a3 = ...
  if type(a1) == "table" then
    local o = {}
    for k, v in pairs(a1) do o[k] = v end
    if o.port == nil and o.path == nil then
      error(errors.invalidArgValue("options", "table",
        'must have the property "port" or "path"'), 0)
    end
    return o, cb
  end
  if U.isPipeName(a1) then
    return { path = a1, backlog = toBacklog(type(a2) ~= "function" and a2) },
      cb
  end
  if a1 == nil or type(a1) == "function" then return { port = 0 }, cb end
  local o = { port = a1 }
  if type(a2) == "string" then
    o.host, o.backlog = a2, toBacklog(type(a3) ~= "function" and a3)
  else
    o.backlog = toBacklog(type(a2) ~= "function" and a2)
  end
  return o, cb
end

function Server:listen(...)
  local o, cb = normalize(...)
  if self._handle ~= nil then
    error(errors.new(errors.Error, "ERR_SERVER_ALREADY_LISTEN",
      "Listen method has been called more than once without closing."), 0)
  end
  local port
  if o.port ~= nil then
    if type(o.port) ~= "number" and type(o.port) ~= "string" then
      error(errors.invalidArgValue("options", "table"), 0)
    end
    port = U.validatePort(o.port, "options.port")
  elseif type(o.path) ~= "string" then
    error(errors.invalidArgType("options.path", "string", o.path), 0)
  end
  if o.backlog ~= nil then
    o.backlog = errors.checkInteger(o.backlog, "backlog", 0)
  end
  if cb ~= nil then self:once("listening", cb) end
  if port == nil then
    self:_listenOn("pipe", o.path, nil, o)
  elseif o.host == nil or o.host == "" then
    o.anyHost = true
    self:_listenOn("tcp", "::", port, o)
  elseif U.isIP(o.host) ~= 0 then
    self:_listenOn("tcp", o.host, port, o)
  else
    require("lode.dns").lookup(o.host, function(err, ip)
      if err ~= nil then return self:emit("error", err) end
      self:_listenOn("tcp", ip, port, o)
    end)
  end
  return self
end

end
