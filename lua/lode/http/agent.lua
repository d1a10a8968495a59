-- http.Agent, as Node 20's lib/_http_agent.js: sockets per origin
-- ("host:port:localAddress"), at most maxSockets of them busy per origin
-- and maxTotalSockets in all, requests beyond that wait in order; with
-- keepAlive a socket whose response is complete goes to freeSockets
-- (unref'd, so an idle pool does not keep the process alive; closed
-- after `timeout` ms idle) and the next request to that origin reuses it
-- (LIFO by default). globalAgent keeps sockets alive for 5 s, as Node 19+.
local EventEmitter = require("lode.events").EventEmitter
local errors = require "lode.internal.errors"

local Agent = EventEmitter:extend("Agent")

local INF = math.huge
Agent.defaultMaxSockets = INF

local function checkCount(v, name, default)
  if v == nil then return default end
  if v == INF then return v end
  return errors.checkInteger(v, name, 1)
end

function Agent:init(opts)
  opts = opts or {}
  errors.checkType(opts, "options", "table")
  self.options = opts
  self.defaultPort = opts.defaultPort or 80
  self.protocol = opts.protocol or "http:"
  self.keepAlive = opts.keepAlive == true
  self.keepAliveMsecs = opts.keepAliveMsecs or 1000
  self.maxSockets = checkCount(opts.maxSockets, "maxSockets", INF)
  self.maxFreeSockets = checkCount(opts.maxFreeSockets, "maxFreeSockets",
    256)
  self.maxTotalSockets = checkCount(opts.maxTotalSockets, "maxTotalSockets",
    INF)
  self.timeout = opts.timeout
  self.scheduling = opts.scheduling or "lifo"
  if self.scheduling ~= "lifo" and self.scheduling ~= "fifo" then
    error(errors.invalidArgValue("scheduling", self.scheduling,
      "must be one of: 'fifo', 'lifo'"), 2)
  end
  self.sockets, self.freeSockets, self.requests = {}, {}, {}
  self.totalSocketCount = 0
end

function Agent:getName(o)
  o = o or {}
  if o.socketPath then return o.socketPath end
  local name = (o.host or "localhost") .. ":"
  if o.port then name = name .. o.port end
  name = name .. ":"
  if o.localAddress then name = name .. o.localAddress end
  if o.family == 4 or o.family == 6 then name = name .. ":" .. o.family end
  return name
end

local function listOf(t, name)
  local l = t[name]
  if l == nil then
    l = {}
    t[name] = l
  end
  return l
end

local function remove(list, v)
  if list == nil then return false end
  for i = #list, 1, -1 do
    if list[i] == v then
      table.remove(list, i)
      return true
    end
  end
  return false
end

-- net.createConnection, or options.createConnection.
function Agent:createConnection(o)
  if o.socketPath then return require("lode.net").connect(o.socketPath) end
  return require("lode.net").createConnection({ host = o.host,
    port = o.port, localAddress = o.localAddress, family = o.family,
    lookup = o.lookup })
end

local function newSocket(self, req, o, name)
  local s
  if o.createConnection then s = o.createConnection(o)
  else s = self:createConnection(o) end
  s._agentName = name
  self.totalSocketCount = self.totalSocketCount + 1
  local sockets = listOf(self.sockets, name)
  sockets[#sockets + 1] = s
  -- Leaves the agent with the socket, whatever the reason.
  s:once("close", function() self:removeSocket(s, o) end)
  req:onSocket(s, false)
end

-- Gives req a socket: a free one, a new one, or (all busy) a turn.
function Agent:addRequest(req, o)
  local name = self:getName(o)
  local free = self.freeSockets[name]
  while free ~= nil and #free > 0 do
    local s = self.scheduling == "lifo" and table.remove(free)
      or table.remove(free, 1)
    if #free == 0 then self.freeSockets[name] = nil end
    if not s.destroyed then
      local sockets = listOf(self.sockets, name)
      sockets[#sockets + 1] = s
      s:ref()
      if s.timeout ~= 0 then s:setTimeout(0) end
      req.reusedSocket = true
      return req:onSocket(s, true)
    end
    free = self.freeSockets[name]
  end
  local busy = self.sockets[name]
  if (busy == nil or #busy < self.maxSockets)
    and self.totalSocketCount < self.maxTotalSockets then
    return newSocket(self, req, o, name)
  end
  local q = listOf(self.requests, name)
  q[#q + 1] = { req, o }
end

-- A socket is done with its request and may serve another.
function Agent:_release(s)
  local name = s._agentName
  remove(self.sockets[name], s)
  local q = self.requests[name]
  if q ~= nil and #q > 0 then
    local next = table.remove(q, 1)
    if #q == 0 then self.requests[name] = nil end
    local sockets = listOf(self.sockets, name)
    sockets[#sockets + 1] = s
    next[1].reusedSocket = true
    return next[1]:onSocket(s, true)
  end
  local free = self.freeSockets[name]
  if not self.keepAlive or s.destroyed
    or (free ~= nil and #free >= self.maxFreeSockets) then
    return s:destroy()
  end
  free = listOf(self.freeSockets, name)
  free[#free + 1] = s
  if s._agentKeepAlive ~= self.keepAliveMsecs then   -- once per socket
    s._agentKeepAlive = self.keepAliveMsecs
    s:setKeepAlive(true, self.keepAliveMsecs)
  end
  s:unref()
  local t = self.timeout
  if t and t > 0 then s:setTimeout(t)
  elseif s.timeout ~= 0 then s:setTimeout(0) end
  if self._events.free ~= nil then self:emit("free", s) end
end

function Agent:keepSocketAlive(s)
  s:setKeepAlive(true, self.keepAliveMsecs)
  s:unref()
  return true
end

function Agent:reuseSocket(s, req)
  req.reusedSocket = true
  s:ref()
end

-- The socket closed: it leaves the agent; a waiting request for its
-- origin gets a new one.
function Agent:removeSocket(s, o)
  local name = s._agentName or self:getName(o)
  local known = remove(self.sockets[name], s)
  known = remove(self.freeSockets[name], s) or known
  if self.sockets[name] and #self.sockets[name] == 0 then
    self.sockets[name] = nil
  end
  if self.freeSockets[name] and #self.freeSockets[name] == 0 then
    self.freeSockets[name] = nil
  end
  if known then self.totalSocketCount = self.totalSocketCount - 1 end
  local q = self.requests[name]
  if q ~= nil and #q > 0 and self.totalSocketCount < self.maxTotalSockets then
    local next = table.remove(q, 1)
    if #q == 0 then self.requests[name] = nil end
    newSocket(self, next[1], next[2], name)
  end
end

function Agent:destroy()
  for _, t in ipairs({ self.freeSockets, self.sockets }) do
    for _, list in pairs(t) do
      for i = #list, 1, -1 do list[i]:destroy() end
    end
  end
end

return Agent
