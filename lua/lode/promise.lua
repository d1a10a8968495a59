-- Promises with a real microtask queue, and tasks (coroutines) that await
-- them (DESIGN.md section 2). Reactions always run as microtasks, never
-- inline. `next` is JavaScript's `then`. A rejection nobody handles by the
-- end of a drain goes to process 'unhandledRejection', else is uncaught.
local loop = require "lode.internal.loop"
local errors = require "lode.internal.errors"

local queue = loop.queueMicrotask
local PENDING, FULFILLED, REJECTED = 0, 1, 2

local Promise = {}
Promise.__index = Promise
Promise.__name = "Promise"

local function isPromise(v)
  return getmetatable(v) == Promise
end

local function isThenable(v)
  local t = type(v)
  if t ~= "table" and t ~= "userdata" then return false end
  local ok, nxt = pcall(function() return v.next end)
  return ok and type(nxt) == "function"
end

-- Unhandled rejections: promises rejected with no reaction, checked after
-- every drain (loop.afterDrain).
local unhandled, nunhandled = {}, 0

local settle, resolve

local step, tasks

-- A task waiting in await(p) is stored in p's reactions as its coroutine;
-- this resumes it with p's outcome (no reaction table per await).
local function resume(co, p)
  return step(co, tasks[co], p.state == FULFILLED, p.value)
end

-- Runs one reaction {ok=, err=, child=, p=} made by next().
local function react(r)
  local p = r.p
  local handler
  if p.state == FULFILLED then handler = r.ok else handler = r.err end
  if type(handler) ~= "function" then
    return settle(r.child, p.state, p.value)
  end
  local ok, v = pcall(handler, p.value)
  if ok then resolve(r.child, v) else settle(r.child, REJECTED, v) end
end

function settle(p, state, value)
  if p.state ~= PENDING then return end
  p.state, p.value = state, value
  local rs = p.reactions
  p.reactions = nil
  if rs then
    for i = 1, #rs do
      local r = rs[i]
      if type(r) == "thread" then queue(resume, r, p) else queue(react, r) end
    end
  elseif state == REJECTED and not p.handled then
    nunhandled = nunhandled + 1
    unhandled[nunhandled] = p
    loop.dirty = true
  end
end

local function adopt(p, thenable)
  queue(function()
    local done = false
    local ok, err = pcall(thenable.next, thenable, function(v)
      if done then return end
      done = true
      resolve(p, v)
    end, function(e)
      if done then return end
      done = true
      settle(p, REJECTED, e)
    end)
    if not ok and not done then
      done = true
      settle(p, REJECTED, err)
    end
  end)
end

function resolve(p, v)
  if p.state ~= PENDING then return end
  if v == p then
    return settle(p, REJECTED, errors.new(errors.TypeError,
      "ERR_PROMISE_CYCLE", "Chaining cycle detected for promise"))
  end
  if isPromise(v) then
    -- Our own promise: subscribe directly (one microtask later, as JS).
    return queue(function()
      v:_subscribe({ p = v, child = p, ok = nil, err = nil })
    end)
  end
  if isThenable(v) then return adopt(p, v) end
  settle(p, FULFILLED, v)
end

-- r: a reaction table, or the coroutine of a task in await.
function Promise:_subscribe(r)
  self.handled = true
  if self.state == PENDING then
    local rs = self.reactions
    if rs then rs[#rs + 1] = r else self.reactions = { r } end
  elseif type(r) == "thread" then
    queue(resume, r, self)
  else
    queue(react, r)
  end
end

local function resolvers(p)
  local done = false
  return function(v)
    if done then return end
    done = true
    resolve(p, v)
  end, function(e)
    if done then return end
    done = true
    settle(p, REJECTED, e)
  end
end

-- Every field a promise will get is in the constructor, so the table is
-- sized once (a rehash per new field costs more than the rest of await).
local function pending()
  return setmetatable({ state = PENDING, value = nil, reactions = nil,
    handled = nil }, Promise)
end

function Promise.new(executor)
  errors.checkFunction(executor, "executor")
  local p = pending()
  local res, rej = resolvers(p)
  local ok, err = pcall(executor, res, rej)
  if not ok then rej(err) end
  return p
end

function Promise.resolve(v)
  if isPromise(v) then return v end
  local p = pending()
  resolve(p, v)
  return p
end

function Promise.reject(e)
  local p = pending()
  settle(p, REJECTED, e)
  return p
end

function Promise:next(onOk, onErr)
  local child = pending()
  self:_subscribe({ ok = onOk, err = onErr, child = child, p = self })
  return child
end
Promise["then"] = Promise.next

function Promise:catch(onErr)
  return self:next(nil, onErr)
end

function Promise:finally(fn)
  if type(fn) ~= "function" then return self:next(fn, fn) end
  return self:next(function(v)
    return Promise.resolve(fn()):next(function() return v end)
  end, function(e)
    return Promise.resolve(fn()):next(function() error(e, 0) end)
  end)
end

local function each(list, fn)
  local n = #list
  for i = 1, n do Promise.resolve(list[i]):next(function(v)
    fn(i, true, v) end, function(e) fn(i, false, e) end)
  end
  return n
end

-- The shared shape of all/allSettled/any: visit(i, ok, v, out, res, rej)
-- stores an outcome and returns true when it counts down; finish runs
-- once every element has counted (at once for an empty list).
local function gather(list, visit, finish)
  return Promise.new(function(res, rej)
    local out, left = {}, #list
    each(list, function(i, ok, v)
      if visit(i, ok, v, out, res, rej) then
        left = left - 1
        if left == 0 then finish(out, res, rej) end
      end
    end)
    if left == 0 then finish(out, res, rej) end
  end)
end

local function resolve_with(out, res) res(out) end

function Promise.all(list)
  return gather(list, function(i, ok, v, out, _, rej)
    if not ok then rej(v) return false end
    out[i] = v
    return true
  end, resolve_with)
end

function Promise.allSettled(list)
  return gather(list, function(i, ok, v, out)
    out[i] = ok and { status = "fulfilled", value = v }
      or { status = "rejected", reason = v }
    return true
  end, resolve_with)
end

function Promise.race(list)
  return Promise.new(function(res, rej)
    each(list, function(_, ok, v) if ok then res(v) else rej(v) end end)
  end)
end

function Promise.any(list)
  return gather(list, function(i, ok, v, out, res)
    if ok then res(v) return false end
    out[i] = v
    return true
  end, function(out, _, rej) rej(errors.AggregateError.new(out)) end)
end

Promise.isPromise = isPromise

function Promise:__tostring()
  local s = self.state == PENDING and "<pending>"
    or self.state == FULFILLED and tostring(self.value)
    or "<rejected> " .. tostring(self.value)
  return "Promise { " .. s .. " }"
end

--[[ Tasks ]]

tasks = setmetatable({}, { __mode = "k" })   -- coroutine -> its promise
local traces = setmetatable({}, { __mode = "k" })  -- promise -> traceback

local function capture(e)
  if type(e) == "table" then return e end
  return { lode_trace = debug.traceback(tostring(e), 2), value = e }
end

-- Resumes task co with (ok, value); settles its promise when it ends.
function step(co, p, ...)
  local ok, a, b = coroutine.resume(co, ...)
  if coroutine.status(co) ~= "dead" then return end
  tasks[co] = nil
  if not ok then                       -- raised outside xpcall: rare
    return settle(p, REJECTED, a)
  end
  if a then return resolve(p, b) end
  if type(b) == "table" and b.lode_trace then
    traces[p] = b.lode_trace
    b = b.value
  end
  settle(p, REJECTED, b)
end

-- Starts fn(...) as a task now (it runs until its first await) and
-- returns the Promise of its first result.
local function spawn(fn, ...)
  local p = pending()
  local co = coroutine.create(function(...)
    return xpcall(fn, capture, ...)
  end)
  tasks[co] = p
  step(co, p, ...)
  return p
end

local function async(fn)
  errors.checkFunction(fn, "fn")
  return function(...) return spawn(fn, ...) end
end

-- await(p): suspends the current task until p settles; returns its value
-- (exactly one) or raises its reason.
local function await(v)
  local co = coroutine.running()
  local p = tasks[co]
  if p == nil then
    error(errors.new(errors.Error, "ERR_AWAIT_OUTSIDE_TASK",
      "await is only valid inside a task (async function)"), 2)
  end
  if not isPromise(v) then
    if isThenable(v) then
      local q = pending()
      adopt(q, v)
      v = q
    else
      v = Promise.resolve(v)
    end
  end
  v:_subscribe(co)
  local fulfilled, value = coroutine.yield()
  if fulfilled then return value end
  error(value, 0)
end

local function inTask()
  return tasks[coroutine.running()] ~= nil
end

-- After each drain: rejections still unhandled become
-- 'unhandledRejection', or uncaught errors (Node's default 'throw' mode).
loop.afterDrain = function()
  if nunhandled == 0 then return end
  local list, n = unhandled, nunhandled
  unhandled, nunhandled = {}, 0
  for i = 1, n do
    local p = list[i]
    if not p.handled then
      p.handled = true
      local process = require "lode.process"
      if process:listenerCount("unhandledRejection") > 0 then
        process:emit("unhandledRejection", p.value, p)
      else
        loop.uncaught(p.value, traces[p])
      end
    end
  end
end

Promise.async = async
Promise.await = await
Promise.spawn = spawn
Promise.inTask = inTask
-- The traceback of a task that failed with a non-table error.
function Promise.traceOf(p) return traces[p] end
return Promise
