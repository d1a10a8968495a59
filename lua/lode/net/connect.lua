-- Socket:connect(), as Node 20's lib/net.js: a path connects a Unix
-- domain socket; a port connects TCP to host (default 'localhost'),
-- resolving names through lode.dns. Every address the name resolves to
-- is tried in turn until one accepts (Node 20's autoSelectFamily, done
-- one after the other), so 'localhost' works whichever of ::1 and
-- 127.0.0.1 the server listens on. Failures reach 'error' through
-- destroy(err), never raise; bad arguments raise at the call.
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local U = require "lode.net.util"

local nextTick = loop.nextTick

return function(Socket)

local tcp_new = require("lode.binding.tcp").new

-- The options that wait for a handle: ref state, nodelay, keepalive.
local function applyPending(self)
  local h = self._handle
  if self._noDelay ~= nil and h.nodelay then h:nodelay(self._noDelay) end
  local ka = self._keepAlive
  if ka ~= nil and h.keepalive then h:keepalive(ka[1], ka[2]) end
end

local function afterConnect(self, status, addrs, i, port)
  if self.destroyed then return end
  local a = addrs[i]
  if status ~= nil then
    if addrs[i + 1] ~= nil and status ~= U.UV_ECANCELED then
      -- Try the next address on a fresh handle.
      self._handle:close()
      self:_setHandle(tcp_new())
      return self:_connectTo(addrs, i + 1, port)
    end
    return self:destroy(errors.system(status, "connect",
      { address = a.address, port = port }))
  end
  self.connecting, self.pending = false, false
  applyPending(self)
  self:_fillAddresses()
  self:emit("connect")
  self:emit("ready")
  if self.readable and not self:isPaused() then self:read(0) end
end

-- Connects to addrs[i] (a { address=, family= } or a path when port is
-- nil); the local bind comes first when asked for.
function Socket:_connectTo(addrs, i, port)
  local h, a = self._handle, addrs[i]
  if port == nil then
    return h:connect(a.address, function(status)
      afterConnect(self, status, addrs, i, nil)
    end)
  end
  local la, lp = self._localAddress, self._localPort
  if la ~= nil or lp ~= nil then
    la = la or (a.family == 6 and "::" or "0.0.0.0")
    local ok, _, st = h:bind(la, lp or 0)
    if not ok then
      return self:destroy(errors.system(st, "bind",
        { address = la, port = lp }))
    end
  end
  local ok, _, st = h:connect(a.address, port, function(status)
    afterConnect(self, status, addrs, i, port)
  end)
  if not ok then
    self:destroy(errors.system(st, "connect",
      { address = a.address, port = port }))
  end
end

local function lookupAndConnect(self, opts)
  local host, port = opts.host or "localhost", opts.port
  local la, lp = opts.localAddress, opts.localPort
  if la ~= nil and U.isIP(la) == 0 then
    error(errors.new(errors.TypeError, "ERR_INVALID_IP_ADDRESS",
      "Invalid IP address: " .. tostring(la)), 0)
  end
  if lp ~= nil then errors.checkInteger(lp, "options.localPort", 0, 65535) end
  errors.checkType(host, "options.host", "string")
  if port == nil then
    error(errors.missingArgs("options", "port", "path"), 0)
  end
  if type(port) ~= "number" and type(port) ~= "string" then
    error(errors.invalidArgType("options.port", "number or string", port), 0)
  end
  port = U.validatePort(port)
  self._localAddress, self._localPort = la, lp
  self.connecting = true
  self:_setHandle(tcp_new())
  local fam = U.isIP(host)
  if fam ~= 0 then
    return nextTick(function()
      if self.connecting then
        self:_connectTo({ { address = host, family = fam } }, 1, port)
      end
    end)
  end
  local dns = require "lode.dns"
  local lookup = opts.lookup or dns.lookup
  lookup(host, { family = opts.family, hints = opts.hints, all = true },
    function(err, addrs, family)
      if type(addrs) == "string" then       -- a lookup that ignored all
        addrs = { { address = addrs, family = family } }
      end
      local first = type(addrs) == "table" and addrs[1] or nil
      self:emit("lookup", err, first and first.address,
        first and first.family, host)
      if not self.connecting then return end
      if err == nil and first == nil then
        err = dns.notFound(host)
      end
      if err ~= nil then return self:destroy(err) end
      self:_connectTo(addrs, 1, port)
    end)
end

-- connect(options[, cb]) | connect(path[, cb]) | connect(port[, host][, cb])
function Socket:connect(...)
  local opts, cb = U.normalizeConnectArgs(...)
  if self.connecting or self._handle ~= nil then
    error(errors.new(errors.Error, "ERR_SOCKET_CONNECTING",
      "Socket is already connected or connecting"), 0)
  end
  if self.destroyed then self:_undestroy() end
  if opts.timeout ~= nil then self:setTimeout(opts.timeout) end
  if opts.noDelay then self._noDelay = true end
  if opts.keepAlive then
    self._keepAlive = { true,
      math.floor((tonumber(opts.keepAliveInitialDelay) or 0) / 1000) }
  end
  if opts.path ~= nil then
    errors.checkType(opts.path, "options.path", "string")
    if cb then self:once("connect", cb) end
    self.connecting, self._isPipe = true, true
    self:_setHandle(require("lode.binding.pipe").new(false))
    self:_connectTo({ { address = opts.path } }, 1, nil)
    return self
  end
  lookupAndConnect(self, opts)
  if cb then self:once("connect", cb) end
  return self
end

end
