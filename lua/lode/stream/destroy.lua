-- destroy(), errorOrDestroy(), async construction and the generic
-- destroyer, as Node's internal/streams/destroy.js. 'error' and 'close'
-- are emitted on a later tick, 'error' first; a Duplex keeps the flags of
-- both sides in step.
local loop = require "lode.internal.loop"
local util = require "lode.stream.util"

local nextTick = loop.nextTick
local refresh = util.refresh

local M = {}

local function checkError(err, ws, rs)
  if err ~= nil then
    if ws and ws.errored == nil then ws.errored = err end
    if rs and rs.errored == nil then rs.errored = err end
  end
end

local function emitErrorNT(self, err)
  local rs, ws = self._readableState, self._writableState
  if (ws and ws.errorEmitted) or (rs and rs.errorEmitted) then return end
  if ws then ws.errorEmitted = true end
  if rs then rs.errorEmitted = true end
  refresh(self)
  self:emit("error", err)
end

local function emitCloseNT(self)
  local rs, ws = self._readableState, self._writableState
  if ws then ws.closeEmitted = true end
  if rs then rs.closeEmitted = true end
  if (ws and ws.emitClose) or (rs and rs.emitClose) then
    self:emit("close")
  end
end

local function emitErrorCloseNT(self, err)
  emitErrorNT(self, err)
  emitCloseNT(self)
end

-- Calls the implementation's _destroy(err, cb) once; its callback marks
-- the stream closed and schedules 'error' (if any) and 'close'.
local function callDestroy(self, err, cb)
  local called = false
  local function onDestroy(e)
    if called then return end
    called = true
    local rs, ws = self._readableState, self._writableState
    checkError(e, ws, rs)
    if ws then ws.closed = true end
    if rs then rs.closed = true end
    refresh(self)
    if type(cb) == "function" then cb(e) end
    if e ~= nil then
      nextTick(emitErrorCloseNT, self, e)
    else
      nextTick(emitCloseNT, self)
    end
  end
  local ok, e = pcall(self._destroy, self, err, onDestroy)
  if not ok then onDestroy(e) end
end

function M.destroy(self, err, cb)
  util.ensure(self)
  local rs, ws = self._readableState, self._writableState
  if (ws and ws.destroyed) or (rs and rs.destroyed) then
    if type(cb) == "function" then cb() end
    return self
  end
  -- destroyed is set before any callback so that re-entrant calls stop.
  checkError(err, ws, rs)
  if ws then ws.destroyed = true end
  if rs then rs.destroyed = true end
  refresh(self)
  local s = ws or rs
  if not s.constructed then
    -- Still constructing: _destroy runs once construct calls back.
    self._pendingDestroy = function(e)
      callDestroy(self, util.aggregate(e, err), cb)
    end
  else
    callDestroy(self, err, cb)
  end
  return self
end

function M.undestroy(self)
  local rs, ws = self._readableState, self._writableState
  if rs then
    rs.constructed, rs.closed, rs.closeEmitted = true, false, false
    rs.destroyed, rs.errored, rs.errorEmitted = false, nil, false
    rs.reading = false
    rs.ended = rs.readable == false
    rs.endEmitted = rs.readable == false
  end
  if ws then
    ws.constructed, ws.destroyed, ws.closed = true, false, false
    ws.closeEmitted, ws.errored, ws.errorEmitted = false, nil, false
    ws.finalCalled, ws.prefinished = false, false
    ws.ended = ws.writable == false
    ws.ending = ws.writable == false
    ws.finished = ws.writable == false
  end
  refresh(self)
end

-- An error from inside the machinery: destroy when autoDestroy, else
-- record it and emit 'error' (now, or next tick when `sync`).
function M.errorOrDestroy(self, err, sync)
  local rs, ws = self._readableState, self._writableState
  if (ws and ws.destroyed) or (rs and rs.destroyed) then return end
  if (rs and rs.autoDestroy) or (ws and ws.autoDestroy) then
    self:destroy(err)
  elseif err ~= nil then
    if ws and ws.errored == nil then ws.errored = err end
    if rs and rs.errored == nil then rs.errored = err end
    refresh(self)
    if sync then nextTick(emitErrorNT, self, err)
    else emitErrorNT(self, err) end
  end
end

local function constructNT(self)
  local called = false
  local function onConstruct(err)
    if called then
      M.errorOrDestroy(self, err or util.multipleCallback())
      return
    end
    called = true
    local rs, ws = self._readableState, self._writableState
    if rs then rs.constructed = true end
    if ws then ws.constructed = true end
    local pending = self._pendingDestroy
    if (ws or rs).destroyed then
      self._pendingDestroy = nil
      if pending then pending(err) end
    elseif err ~= nil then
      M.errorOrDestroy(self, err, true)
    else
      local done = self._onConstructed
      self._onConstructed = nil
      if done then done(self) end
    end
  end
  local ok, err = pcall(self._construct, self, function(err)
    nextTick(onConstruct, err)
  end)
  if not ok then nextTick(onConstruct, err) end
end

-- Starts the implementation's _construct(cb) on the next tick; until it
-- calls back the stream is not `constructed` (reads, writes and destroy
-- wait). `onConstructed(self)` runs once it succeeds.
function M.construct(self, onConstructed)
  if type(self._construct) ~= "function" then return end
  local rs, ws = self._readableState, self._writableState
  if rs then rs.constructed = false end
  if ws then ws.constructed = false end
  self._onConstructed = onConstructed
  nextTick(constructNT, self)
end

local function emitCloseLegacy(s) s:emit("close") end
local function emitErrorCloseLegacy(s, err)
  s:emit("error", err)
  nextTick(emitCloseLegacy, s)
end

-- Destroys any stream-like value (pipeline, iterators): an unfinished
-- stream destroyed without an error gets an AbortError.
function M.destroyer(s, err)
  if s == nil or util.isDestroyed(s) then return end
  if err == nil and not util.isFinished(s) then err = util.abortError() end
  if type(s.destroy) == "function" then
    s:destroy(err)
  elseif type(s.close) == "function" then
    s:close()
  elseif err ~= nil then
    nextTick(emitErrorCloseLegacy, s, err)
  else
    nextTick(emitCloseLegacy, s)
  end
  if not s.destroyed then s._isDestroyed = true end
end

return M
