-- Async iteration over streams (Node's createAsyncIterator) and the
-- iterator plumbing of Readable.from and pipeline.
--
-- An "async iterator" here is a function returning the next value, or
-- nil at the end; it may wait. Waiting works in two places: inside a
-- task it awaits; inside a plain coroutine (a generator stage of a
-- pipeline, or a coroutine.wrap generator) it yields (WAIT, promise) to
-- whoever resumed it, and `pull` in the task at the top awaits that
-- promise and calls again. Such promises only ever resolve.
local errors = require "lode.internal.errors"
local Promise = require "lode.promise"
local util = require "lode.stream.util"
local eos = require "lode.stream.eos"
local destroyImpl = require "lode.stream.destroy"

local M = {}

local WAIT = setmetatable({}, { __name = "lode.stream.WAIT",
  __tostring = function() return "lode.stream.WAIT" end })
M.WAIT = WAIT

local function settleBox(box)
  return function(v) box.ok, box.v = true, v end,
    function(e) box.ok, box.v = false, e end
end

-- Waits for p: awaits inside a task, yields through a generator.
function M.wait(p)
  if Promise.inTask() then return Promise.await(p) end
  if not coroutine.isyieldable() then
    error(errors.new(errors.Error, "ERR_AWAIT_OUTSIDE_TASK",
      "stream iteration must run inside a task (async function)"), 2)
  end
  local box = {}
  local q = p:next(settleBox(box))
  repeat coroutine.yield(WAIT, q) until box.ok ~= nil
  if box.ok then return box.v end
  error(box.v, 0)
end

-- The next value of iterator `it`, waiting as needed.
function M.pull(it)
  while true do
    local v, p = it()
    if v ~= WAIT then return v end
    M.wait(p)
  end
end

-- A new promise and the function that resolves it.
local function waiter()
  local resolve
  local p = Promise.new(function(res) resolve = res end)
  return p, resolve
end

-- The iterator of r:iter(): step function plus a to-be-closed value that
-- runs the cleanup when a generic for is left early.
function M.iterate(stream, opts)
  local destroyOnReturn = not (opts and opts.destroyOnReturn == false)
  local wake = nil
  local function signal()
    local w = wake
    if w then
      wake = nil
      w()
    end
  end
  stream:on("readable", signal)
  -- "pending" is Node's undefined, "done" null, "error" an error.
  local state, err = "pending", nil
  local cleanup = eos(stream, { writable = false }, function(e)
    if e ~= nil then
      err, state = util.aggregate(err, e), "error"
    else
      state = "done"
    end
    signal()
  end)
  local finished = false
  local function finally()
    if finished then return end
    finished = true
    local rs = stream._readableState
    if (state == "error" or destroyOnReturn)
      and (state == "pending" or rs.autoDestroy) then
      destroyImpl.destroyer(stream, nil)
    else
      stream:removeListener("readable", signal)
      cleanup()
    end
  end
  local function step()
    if finished then return nil end
    while true do
      local chunk
      if not stream.destroyed then chunk = stream:read() end
      if chunk ~= nil then return chunk end
      if state == "error" then
        finally()
        error(err, 0)
      elseif state == "done" then
        finally()
        return nil
      end
      local p, res = waiter()
      wake = res
      M.wait(p)
    end
  end
  local closer = setmetatable({}, { __close = finally })
  return step, nil, nil, closer, finally
end

local function isStream(v)
  return type(v) == "table" and type(v.on) == "function"
    and (v._readableState ~= nil or v._writableState ~= nil
      or type(v._streamInit) == "function")
end

-- What from() and pipeline can iterate: functions, readable streams,
-- objects with an iter method, sequences, strings and Buffers.
function M.isIterable(v)
  local t = type(v)
  if t == "function" or t == "string" or util.isBuffer(v) then return true end
  if t ~= "table" then return false end
  if isStream(v) then return util.isReadableNodeStream(v) end
  return type(v.iter) == "function" or getmetatable(v) == nil
end

-- An async iterator over v, and a function that ends it early.
function M.toIterator(v)
  local t = type(v)
  if t == "function" then return v, nil end
  if t == "string" or util.isBuffer(v) then
    local done = false
    return function()
      if done then return nil end
      done = true
      return v
    end, nil
  end
  if t ~= "table" then return nil end
  if isStream(v) then
    if not util.isReadableNodeStream(v) then return nil end
    local step, _, _, _, finally = M.iterate(v)
    return step, finally
  end
  if type(v.iter) == "function" then
    local f, s, c = v:iter()
    return function()
      local x = f(s, c)
      c = x
      return x
    end, nil
  end
  local i = 0
  return function()
    i = i + 1
    return v[i]
  end, nil
end

-- Runs fn(...) as a generator: each coroutine.yield(v) of fn is a value;
-- when fn returns, a function or readable it returned is drained, a
-- Promise is awaited, and any other value is the last one. Returns the
-- iterator and a function giving fn's final (awaited) return value.
function M.generator(fn, ...)
  local args = table.pack(...)
  local co = coroutine.create(function()
    return fn(table.unpack(args, 1, args.n))
  end)
  local inner, done, result, pendingLast = nil, false, nil, nil
  local function it()
    while not done do
      if inner then
        local v, p = inner()
        if v == WAIT then return WAIT, p end
        if v == nil then done = true end
        return v
      end
      if pendingLast ~= nil then
        done = true
        return pendingLast
      end
      local ok, a, b = coroutine.resume(co)
      if not ok then
        done = true
        error(a, 0)
      end
      if coroutine.status(co) == "dead" then
        if Promise.isPromise(a) then a = M.wait(a) end
        if a == nil then
          done = true
        elseif type(a) == "function" or isStream(a)
          or (type(a) == "table" and type(a.iter) == "function") then
          inner = M.toIterator(a)
        else
          result, pendingLast = a, a
        end
      elseif a == WAIT then
        return WAIT, b
      elseif a ~= nil then
        return a
      end
    end
    return nil
  end
  return it, function() return result end
end

return M
