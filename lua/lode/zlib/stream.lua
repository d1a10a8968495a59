-- The zlib and Brotli Transform streams (Node 20's ZlibBase, Zlib,
-- Brotli and their seven + two subclasses). Each stream owns an engine
-- from lode.binding.zlib; a chunk goes to the thread pool as one write
-- (engine:write), whose output arrives as one Buffer of at most `_cap`
-- bytes. When the engine reports more output pending, the next round
-- starts at once, or from _read once the readable side has room again
-- (so a zip bomb waits for its reader instead of filling memory).
-- While the reader keeps up, chunks are acknowledged when the engine
-- takes them, and the next one waits here for the engine, so the engine
-- runs back to back while Lua moves the output on (see start/makeDone).
-- flush(kind) travels through the write queue as a marker: one empty
-- Buffer per flush kind, as Node's kFlushBuffers.
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local Buffer = require("lode.buffer").Buffer
local stream = require "lode.stream"
local options = require "lode.zlib.options"
local binding = require "lode.binding.zlib"

local C = binding.constants
local Transform = stream.Transform
local nextTick = loop.nextTick
local engineError = options.engineError

-- Output per thread-pool round when no chunkSize is given: bigger than
-- Node's 16 KiB chunks, so that big inputs take few rounds (an explicit
-- chunkSize is the limit, as in Node).
local DEFAULT_CAP = 256 * 1024

local M = {}

-- kFlushBuffers: write(marker) asks for a flush of that kind.
local FLUSH_OF = setmetatable({}, { __mode = "k" })
local FLUSH_BUFFER = {}
for kind = 0, 5 do
  local b = Buffer.alloc(0)
  FLUSH_BUFFER[kind], FLUSH_OF[b] = b, kind
end

-- Node's maxFlush: which of two flushes is "stronger".
local FLUSHINESS = { [C.Z_NO_FLUSH] = 0, [C.Z_BLOCK] = 1,
  [C.Z_PARTIAL_FLUSH] = 2, [C.Z_SYNC_FLUSH] = 3, [C.Z_FULL_FLUSH] = 4,
  [C.Z_FINISH] = 5 }
local function maxFlush(a, b)
  return FLUSHINESS[a] > FLUSHINESS[b] and a or b
end

local ZlibBase = Transform:extend("ZlibBase")
M.ZlibBase = ZlibBase

local function closeEngine(self)
  local h = self._handle
  if h ~= nil then
    self._handle, self._closed = nil, true
    h:close()
  end
end

-- Runs what waited for the engine to be idle (params after a flush).
local function runIdle(self)
  local q = self._zidle
  if q ~= nil then
    self._zidle = nil
    for i = 1, #q do q[i]() end
  end
end

local function nextRound(self)
  local h = self._handle
  if h == nil then return end
  h:write(self._zflush, self._zin, self._zoff, self._cap, self._zdone)
end

local function dropWork(self)
  self._zin, self._zcb = nil, nil
  self._zpin, self._zpflush, self._zpcb = nil, nil, nil
end

-- Starts the engine on a chunk. While the reader keeps up, a chunk with
-- the default flush is acknowledged at once (its cb runs on the next
-- tick): the Writable then hands over the next chunk while the engine
-- works, and that one waits in _zp* for the engine, so the engine never
-- waits for Lua. Flushes, the last chunk, and chunks written while the
-- reader is behind are acknowledged on completion, as in Node.
local function start(self, h, chunk, flush, cb)
  self._zin, self._zoff, self._zflush = chunk, 0, flush
  h:write(flush, chunk, 0, self._cap, self._zdone)
  if flush == self._defaultFlushFlag and FLUSH_OF[chunk] == nil
    and self.readableLength < self._readableState.highWaterMark then
    self._zcb = nil
    nextTick(cb)
  else
    self._zcb = cb
  end
end

-- The completion of every engine write: Node's processCallback, except
-- that the engine gets its next work (the next round of the same input,
-- or the waiting chunk) before this output is taken and pushed on, so
-- compression overlaps the Lua work downstream. Once the readable side
-- is at its mark the engine waits for _read, as in Node.
local function makeDone(self)
  return function(msg, a, b)
    local h, cb, chunk = self._handle, self._zcb, self._zin
    runIdle(self)
    if msg ~= nil then                 -- (message, errno, code)
      dropWork(self)
      closeEngine(self)
      self:destroy(engineError(msg, a, b))
      return
    end
    if self.destroyed or h == nil then
      local pcb = self._zpcb
      dropWork(self)
      if cb then cb() end
      if pcb then pcb() end
      return
    end
    local n = self.bytesWritten + a            -- (nil, consumed, more)
    self.bytesWritten, self.bytesRead = n, n
    local off = self._zoff + a
    self._zoff = off
    if b then
      if self.readableLength < self._readableState.highWaterMark then
        nextRound(self)
      else
        self._zresume = true
      end
      local out = h:take()
      if out ~= nil then self:push(out) end
      return
    end
    self._zin, self._zcb = nil, nil
    local pin = self._zpin
    if pin ~= nil then
      local pflush, pcb = self._zpflush, self._zpcb
      self._zpin, self._zpflush, self._zpcb = nil, nil, nil
      start(self, h, pin, pflush, pcb)
    end
    local out = h:take()
    if out ~= nil then self:push(out) end
    -- Input left over with room for output: the stream ended early (all
    -- formats but gunzip/unzip, which go on to the next member).
    if #chunk > off then self:push(nil) end
    if cb then cb() end
  end
end

local function processChunk(self, chunk, flush, cb)
  local h = self._handle
  if h == nil then return nextTick(cb) end
  if self._zin ~= nil then        -- busy with an acknowledged chunk
    self._zpin, self._zpflush, self._zpcb = chunk, flush, cb
    return
  end
  start(self, h, chunk, flush, cb)
end

function ZlibBase:init(opts, cfg)
  local o = { autoDestroy = true }
  if opts ~= nil then
    for k, v in pairs(opts) do o[k] = v end
    o.encoding, o.objectMode, o.writableObjectMode = nil, false, false
  end
  Transform.init(self, o)
  self.bytesWritten, self.bytesRead = 0, 0
  self._handle, self._closed = cfg.handle, false
  self._chunkSize = cfg.chunkSize
  self._cap = cfg.chunkSizeSet and cfg.chunkSize or DEFAULT_CAP
  self._defaultFlushFlag = cfg.flush
  self._finishFlushFlag = cfg.finishFlush
  self._defaultFullFlushFlag = cfg.fullFlush
  self._info = cfg.info
  self._maxOutputLength = cfg.maxOutputLength
  self._zdone = makeDone(self)
end

function ZlibBase:_transform(chunk, _, cb)
  local flush = FLUSH_OF[chunk] or self._defaultFlushFlag
  if self._writableState.ending and self.writableLength == #chunk then
    flush = maxFlush(flush, self._finishFlushFlag)
  end
  processChunk(self, chunk, flush, cb)
end

-- The last chunk has been written: finish the stream.
function ZlibBase:_flush(cb)
  self:_transform(Buffer.alloc(0), "", cb)
end

-- As Node: Transform's prefinish hook then calls _flush.
function ZlibBase:_final(cb)
  cb()
end

function ZlibBase:_read(n)
  if self._zresume then
    self._zresume = false
    nextRound(self)
  end
  return Transform._read(self, n)
end

function ZlibBase:_destroy(err, cb)
  closeEngine(self)
  cb(err)
end

-- flush([kind][, cb]): output everything written so far (Node's
-- Z_FULL_FLUSH by default, BROTLI_OPERATION_FLUSH for Brotli).
function ZlibBase:flush(kind, cb)
  if type(kind) == "function" or (kind == nil and cb == nil) then
    kind, cb = nil, kind
  end
  if kind == nil then kind = self._defaultFullFlushFlag end
  local marker = FLUSH_BUFFER[kind]
  if marker == nil then
    error(errors.invalidArgValue("kind", kind), 2)
  end
  if self.writableFinished then
    if cb then nextTick(cb) end
  elseif self.writableEnded then
    if cb then self:once("end", cb) end
  else
    self:write(marker, cb)
  end
end

function ZlibBase:close(cb)
  if cb then stream.finished(self, cb) end
  self:destroy()
end

-- Runs fn once no write is on the thread pool.
local function whenIdle(self, fn)
  local h = self._handle
  if h ~= nil and h:busy() then
    local q = self._zidle or {}
    q[#q + 1] = fn
    self._zidle = q
  else
    fn()
  end
end

-- reset(): the engine starts over, as if new (Node asserts an engine);
-- after the write in flight, if any.
function ZlibBase:reset()
  if self._handle == nil then error("zlib binding closed", 2) end
  whenIdle(self, function()
    local h = self._handle
    if h == nil then return end
    local msg, errno, code = h:reset()
    if msg ~= nil then self:destroy(engineError(msg, errno, code)) end
  end)
end

--[[ Zlib: the deflate/inflate family ]]

local Zlib = ZlibBase:extend("Zlib")
M.Zlib = Zlib

function Zlib:init(opts, mode)
  local cfg = options.zlib(opts, mode)
  ZlibBase.init(self, opts, cfg)
  self._level, self._strategy = cfg.level, cfg.strategy
end

-- params(level, strategy[, cb]): new settings from the next byte on,
-- after a Z_SYNC_FLUSH of what came before (as Node).
function Zlib:params(level, strategy, cb)
  options.range(level, "level", C.Z_MIN_LEVEL, C.Z_MAX_LEVEL)
  options.range(strategy, "strategy", C.Z_DEFAULT_STRATEGY, C.Z_FIXED)
  if cb ~= nil then errors.checkFunction(cb, "callback") end
  if self._level == level and self._strategy == strategy then
    if cb then nextTick(cb) end
    return
  end
  self:flush(C.Z_SYNC_FLUSH, function()
    whenIdle(self, function()
      local h = self._handle
      if h == nil then return end          -- destroyed meanwhile
      local msg, errno, code = h:params(level, strategy)
      if msg ~= nil then
        return self:destroy(engineError(msg, errno, code))
      end
      if not self.destroyed then
        self._level, self._strategy = level, strategy
        if cb then cb() end
      end
    end)
  end)
end

-- Node's class for one mode of a family (Gzip is a Zlib in GZIP mode).
local function modeClass(base, name, mode)
  local cls = base:extend(name)
  cls.MODE = mode
  function cls:init(opts) base.init(self, opts, mode) end
  M[name] = cls
end
modeClass(Zlib, "Deflate", C.DEFLATE)
modeClass(Zlib, "Inflate", C.INFLATE)
modeClass(Zlib, "Gzip", C.GZIP)
modeClass(Zlib, "Gunzip", C.GUNZIP)
modeClass(Zlib, "DeflateRaw", C.DEFLATERAW)
modeClass(Zlib, "InflateRaw", C.INFLATERAW)
modeClass(Zlib, "Unzip", C.UNZIP)

--[[ Brotli ]]

local Brotli = ZlibBase:extend("Brotli")
M.Brotli = Brotli

function Brotli:init(opts, mode)
  ZlibBase.init(self, opts, options.brotli(opts, mode))
end

modeClass(Brotli, "BrotliCompress", C.BROTLI_ENCODE)
modeClass(Brotli, "BrotliDecompress", C.BROTLI_DECODE)

return M
