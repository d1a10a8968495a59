-- http.IncomingMessage: a request on the server, a response on the
-- client. A Readable, made cheap (DESIGN.md section 4):
--  - method, url, statusCode, ... are plain fields set once;
--  - headers, rawHeaders, trailers, httpVersion* are built on first read
--    from the message's encoded header records (`_raw`, one string the
--    binding made; see bindings/http_parser.h);
--  - the Readable state exists only once somebody reads or listens for
--    'data'/'readable' (API.md: stream state is created on first use);
--    until then body chunks wait in `_pend` and the end in `_ended`, so
--    a request without a body costs no stream machinery at all.
-- Body backpressure: when the buffered body passes the high-water mark
-- the source (the socket: a server connection's or a client's) is
-- paused; reading resumes it.
local Readable = require "lode.stream.readable"
local errors = require "lode.internal.errors"
local hp = require "lode.binding.http_parser"
local common = require "lode.http.common"

local rawget, rawset, type = rawget, rawset, type
local VERSIONS = common.VERSIONS
local HWM = 16384

local IncomingMessage = Readable:extend("IncomingMessage")
local IM = IncomingMessage

IM.complete = false
IM.aborted = false
IM.upgrade = false
IM._quietClose = false
IM._consuming = false
IM._src = false
IM._dumped = false
IM._paused = false
IM._tick = false
IM._endEmitted = false
IM._ver = 11

-- Fields made on first read.
local LAZY = {}

function LAZY.headers(self)
  local t = hp.headers(self._raw)
  rawset(self, "headers", t)
  return t
end

function LAZY.rawHeaders(self)
  local t = hp.raw_headers(self._raw)
  rawset(self, "rawHeaders", t)
  return t
end

function LAZY.headersDistinct(self)
  local t = hp.distinct(self._raw)
  rawset(self, "headersDistinct", t)
  return t
end

-- Trailers are known once the message is complete; before, they are {}.
local function trailersOf(fn)
  return function(self, k)
    if not self.complete then return {} end
    local t = fn(rawget(self, "_rawt"))
    rawset(self, k, t)
    return t
  end
end
LAZY.trailers = trailersOf(hp.headers)
LAZY.rawTrailers = trailersOf(hp.raw_headers)
LAZY.trailersDistinct = trailersOf(hp.distinct)

function LAZY.httpVersion(self)
  return VERSIONS[self._ver] or "1.1"
end

function LAZY.httpVersionMajor(self)
  return self._ver // 10
end

function LAZY.httpVersionMinor(self)
  return self._ver % 10
end

function LAZY.connection(self)
  return rawget(self, "socket")
end

-- The metatable's __index: class fields first (methods are flattened
-- into the class by Stream:extend, so the class chain is not walked),
-- then the lazy ones.
local function lazyIndex(cls)
  return function(self, k)
    local v = cls[k]
    if v ~= nil then return v end
    local f = LAZY[k]
    if f ~= nil then return f(self, k) end
    return nil
  end
end

getmetatable(IM).__index = nil       -- see ServerResponse
IM.__index = lazyIndex(IM)

-- Subclasses (createServer's IncomingMessage option) keep the lazy
-- fields.
local streamExtend = Readable.extend
function IM:extend(name)
  local cls = streamExtend(self, name)
  cls.__index = lazyIndex(cls)
  return cls
end

--[[ Light mode: the stream without its state ]]

-- Until something needs the real Readable, 'data'/'end' listeners,
-- pause() and resume() are served here: pending chunks go out on one
-- tick, then 'end', then 'close' (autoDestroy), in Node's order. Any
-- other Readable method makes the state (rinit -> _streamInit below),
-- which takes over the pending chunks and the flowing mode.
local nextTick = require("lode.internal.loop").nextTick
local EE = require("lode.events").EventEmitter
local R = Readable

local function resumeSource(self)
  if self._paused then
    self._paused = false
    local src = self._src or self.socket
    if src ~= nil then src:resume() end
  end
end

local function lightClose(self)
  self._quietClose = false
  self.destroyed, self.closed = true, true
  self:emit("close")
end

local function lightFlush(self)
  self._tick = false
  if self._flowing ~= true or rawget(self, "_readableState") ~= nil then
    return
  end
  local pend = rawget(self, "_pend")
  if pend ~= nil then
    self._pend, self._pendLen = nil, 0
    if type(pend) ~= "table" then
      self:emit("data", pend)
    else
      for i = 1, #pend do
        if self._flowing ~= true or rawget(self, "_readableState") then
          local rest = table.move(pend, i, #pend, 1, {})
          self._pend = rest                -- paused by a listener
          return
        end
        self:emit("data", pend[i])
      end
    end
    resumeSource(self)
  end
  if self.complete and not self._endEmitted
    and rawget(self, "_readableState") == nil then
    self._endEmitted, self.readableEnded, self.readable = true, true, false
    self:emit("end")
    -- 'close' (autoDestroy) a tick later; with no listener yet, only
    -- when one comes (as the response does).
    local ev = rawget(self, "_events")
    if ev ~= nil and ev.close ~= nil then
      nextTick(lightClose, self)
    else
      self.destroyed, self.closed, self._quietClose = true, true, true
    end
  end
end

local function startFlow(self)
  self._flowing, self._consuming, self.readableFlowing = true, true, true
  if not self._tick then
    self._tick = true
    nextTick(lightFlush, self)
  end
end

local function listened(self, ev)
  if ev == "data" then
    if self._flowing ~= false then startFlow(self) end
  elseif ev == "close" and self._quietClose then
    nextTick(lightClose, self)
  end
  return self
end

function IM:on(ev, fn)
  if rawget(self, "_readableState") ~= nil or ev == "readable" then
    return R.on(self, ev, fn)
  end
  EE.on(self, ev, fn)
  return listened(self, ev)
end
IM.addListener = IM.on

function IM:once(ev, fn)
  if rawget(self, "_readableState") ~= nil or ev == "readable" then
    return R.once(self, ev, fn)
  end
  EE.once(self, ev, fn)
  return listened(self, ev)
end

for _, m in ipairs({ "removeListener", "off", "removeAllListeners" }) do
  local full, light = R[m], EE[m]
  IM[m] = function(self, ...)
    if rawget(self, "_readableState") ~= nil then return full(self, ...) end
    return light(self, ...)
  end
end

function IM:pause()
  if rawget(self, "_readableState") ~= nil then return R.pause(self) end
  self._flowing, self.readableFlowing = false, false
  return self
end

function IM:resume()
  if rawget(self, "_readableState") ~= nil then return R.resume(self) end
  startFlow(self)
  return self
end

function IM:isPaused()
  if rawget(self, "_readableState") ~= nil then return R.isPaused(self) end
  return self._flowing == false
end

--[[ The stream, made on first use ]]

local readableInit = Readable._streamInit

function IM:_streamInit(opts)
  readableInit(self, opts)
  local rs = self._readableState
  rs.highWaterMark = HWM
  local pend = rawget(self, "_pend")
  if pend ~= nil then
    self._pend = nil
    if type(pend) == "table" then
      for i = 1, #pend do self:push(pend[i]) end
    else
      self:push(pend)
    end
  end
  if self._endEmitted then
    rs.ended, rs.endEmitted = true, true
    require("lode.stream.util").refresh(self)
  elseif self.complete then
    self:push(nil)
  end
  local flowing = self._flowing
  if flowing == true then R.resume(self)
  elseif flowing == false then R.pause(self) end
  if self:listenerCount("data") > 0 then rs.dataListening = true end
end

function IM:_read()
  self._consuming = true
  resumeSource(self)
end

local function pauseSource(self)
  if not self._paused then
    self._paused = true
    local src = self._src or self.socket
    if src ~= nil then src:pause() end
  end
end

-- Body chunk (a Buffer, or nil) and/or the end of the message, from the
-- connection (server) or the response parser (client).
function IM:_onBody(chunk, complete, trailers)
  local full = rawget(self, "_readableState") ~= nil
  if chunk ~= nil then
    if full then
      if not self:push(chunk) then pauseSource(self) end
    elseif self._dumped then
      -- thrown away
    elseif self._flowing == true and not self._tick
      and rawget(self, "_pend") == nil then
      self:emit("data", chunk)         -- flowing: at once, as Readable
    else
      local pend = rawget(self, "_pend")
      local n = (rawget(self, "_pendLen") or (pend and #pend or 0)) + #chunk
      if pend == nil then
        self._pend = chunk
      else
        if type(pend) ~= "table" then pend = { pend } end
        pend[#pend + 1] = chunk
        self._pend = pend
      end
      self._pendLen = n
      if n >= HWM then pauseSource(self) end
    end
  end
  if complete then
    self.complete = true
    self._rawt = trailers
    if full then self:push(nil)
    elseif self._flowing == true and not self._tick then
      self._tick = true
      nextTick(lightFlush, self)
    end
  end
end

-- Node's _dump: nobody reads the body, so it is thrown away; 'end' and
-- 'close' still come for listeners that asked.
function IM:_dump()
  if self._dumped then return end
  self._dumped = true
  self._pend = nil
  if rawget(self, "_readableState") ~= nil then
    self:removeAllListeners("data")
    self:resume()
  elseif rawget(self, "_events") ~= nil then
    self:removeAllListeners("data")
    startFlow(self)
  end
end

-- The connection went away before the message was complete.
function IM:_abort()
  if self.complete then return end
  self.aborted = true
  self:emit("aborted")
  if rawget(self, "_readableState") ~= nil or rawget(self, "_events") then
    local err = errors.new(errors.Error, "ECONNRESET", "aborted")
    -- Node emits 'error' here only for listeners (backward compatible).
    self:destroy(self:listenerCount("error") > 0 and err or nil)
  end
end

function IM:setTimeout(ms, cb)
  local sock = rawget(self, "socket")
  if cb ~= nil then self:on("timeout", cb) end
  if sock ~= nil then sock:setTimeout(ms) end
  return self
end

return IncomingMessage
