-- stream.pipeline(...streams, cb), Node's pipeline.js: pipes each stream
-- into the next, destroys every stream when one fails, and calls cb once
-- with the first error (a premature close yields to a real error) and,
-- when the last stage is a function, its result.
--
-- A function stage gets the previous stage as an async iterator
-- (`for chunk in source do ... end`) and is run as a generator: every
-- coroutine.yield(v) sends v on; when it returns, a returned function
-- (iterator) or readable is drained, a Promise is awaited, and any other
-- value is sent on as the last one (for the last stage it is also the
-- result). Inside such a stage, wait only through `source` (await
-- raises outside a task); a stage may instead return an iterator
-- function, which runs in the pipeline's task and may await.
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local Promise = require "lode.promise"
local util = require "lode.stream.util"
local eos = require "lode.stream.eos"
local destroyImpl = require "lode.stream.destroy"
local iter = require "lode.stream.iter"
local PassThrough = require("lode.stream.transform").PassThrough

local nextTick = loop.nextTick

local M = {}

local function destroyer(stream, reading, writing)
  local finished = false
  stream:on("close", function() finished = true end)
  local cleanup = eos(stream, { readable = reading, writable = writing },
    function(err) finished = err == nil end)
  return function(err)
    if finished then return end
    finished = true
    destroyImpl.destroyer(stream, err or util.destroyed("pipe"))
  end, cleanup
end

-- Writes every value of iterator `it` into `writable` from a task,
-- waiting for 'drain' when write() says so.
local function pumpToNode(it, close, writable, finish, opts)
  local err, onresolve = nil, nil
  local function resume(e)
    if e ~= nil then err = e end
    if onresolve then
      local cb = onresolve
      onresolve = nil
      cb()
    end
  end
  local function wait()
    Promise.await(Promise.new(function(res, rej)
      if err ~= nil then return rej(err) end
      onresolve = function()
        if err ~= nil then rej(err) else res() end
      end
    end))
  end
  local function run()
    if writable.writableNeedDrain then wait() end
    while true do
      local chunk = iter.pull(it)
      if chunk == nil then break end
      if not writable:write(chunk) then wait() end
    end
    if opts["end"] then
      writable:finish()
      wait()
    end
  end
  writable:on("drain", resume)
  local cleanup = eos(writable, { readable = false }, resume)
  Promise.spawn(function()
    local ok, e = pcall(run)
    if ok then
      finish()
    else
      if close then pcall(close) end
      finish(err ~= e and util.aggregate(err, e) or e)
    end
    cleanup()
    writable:removeListener("drain", resume)
  end)
end

local function pipe(src, dst, finish, opts)
  local ended = false
  dst:on("close", function()
    -- The destination closed before the source completed.
    if not ended then finish(util.prematureClose()) end
  end)
  src:pipe(dst, { ["end"] = false })
  if opts["end"] then
    local function endFn()
      ended = true
      dst:finish()
    end
    if util.isReadableFinished(src) then nextTick(endFn)
    else src:once("end", endFn) end
  else
    finish()
  end
  eos(src, { readable = true, writable = false }, function(err)
    local rs = src._readableState
    if err and err.code == "ERR_STREAM_PREMATURE_CLOSE" and rs and rs.ended
      and rs.errored == nil and not rs.errorEmitted then
      -- 'close' before 'end' on an ended source: wait for the 'end'.
      src:once("end", finish)
      src:once("error", finish)
    else
      finish(err)
    end
  end)
  return eos(dst, { readable = false, writable = true }, finish)
end

local function badValue(v)
  return errors.invalidArgType("val",
    "of Readable, Iterable or a function", v)
end

-- Longer than 60 lines: it mirrors Node's pipelineImpl step by step, so
-- that the two can be compared when Node's behaviour is in doubt.
function M.pipelineImpl(streams, callback, opts)
  if #streams == 1 and type(streams[1]) == "table"
    and not util.isNodeStream(streams[1]) then
    streams = streams[1]
  end
  if #streams < 2 then error(errors.missingArgs("streams"), 3) end
  local err, value, finishCount = nil, nil, 0
  local destroys, lastCleanup = {}, {}

  local function finishImpl(e, final)
    if e ~= nil and (err == nil or (type(err) == "table"
      and err.code == "ERR_STREAM_PREMATURE_CLOSE")) then
      err = e
    end
    if err == nil and not final then return end
    local list = destroys
    destroys = {}
    for i = 1, #list do list[i](err) end
    if final then
      if err == nil then
        for i = 1, #lastCleanup do lastCleanup[i]() end
      end
      nextTick(callback, err, value)
    end
  end
  local function finish(e)
    finishCount = finishCount - 1
    finishImpl(e, finishCount == 0)
  end

  local n, ret = #streams, nil
  for i = 1, n do
    local stream = streams[i]
    local reading, writing, isLast = i < n, i > 1, i == n
    local doEnd = reading or not (opts and opts["end"] == false)
    if util.isNodeStream(stream) then
      if doEnd then
        local d, c = destroyer(stream, reading, writing)
        destroys[#destroys + 1] = d
        if util.isReadable(stream) and isLast then
          lastCleanup[#lastCleanup + 1] = c
        end
      end
      -- Errors that come after the pipe completed.
      local function onError(e)
        if e ~= nil and not (type(e) == "table" and (e.name == "AbortError"
          or e.code == "ERR_STREAM_PREMATURE_CLOSE")) then
          finish(e)
        end
      end
      stream:on("error", onError)
      if util.isReadable(stream) and isLast then
        lastCleanup[#lastCleanup + 1] = function()
          stream:removeListener("error", onError)
        end
      end
    end

    if i == 1 then
      if type(stream) == "function" then
        ret = iter.generator(stream, {})
      elseif iter.isIterable(stream) or util.isReadableNodeStream(stream) then
        ret = stream
      else
        error(badValue(stream), 3)
      end
    elseif type(stream) == "function" then
      local prev = iter.toIterator(ret)
      if prev == nil then error(badValue(ret), 3) end
      -- The stage sees values only: waits are passed up by pull.
      local function source() return iter.pull(prev) end
      local it, result = iter.generator(stream, source, {})
      if reading then
        ret = it
      else
        -- The last stage is a function: its values go into a PassThrough
        -- so that pipeline() still returns a stream.
        local pt = PassThrough.new({ objectMode = true })
        finishCount = finishCount + 1
        pumpToNode(it, nil, pt, function(e)
          value = result()
          finish(e)
        end, { ["end"] = doEnd })
        ret = pt
        local d, c = destroyer(pt, false, true)
        destroys[#destroys + 1] = d
        if isLast then lastCleanup[#lastCleanup + 1] = c end
      end
    elseif util.isNodeStream(stream) then
      if util.isReadableNodeStream(ret) then
        finishCount = finishCount + 2
        local c = pipe(ret, stream, finish, { ["end"] = doEnd })
        if util.isReadable(stream) and isLast then
          lastCleanup[#lastCleanup + 1] = c
        end
      elseif iter.isIterable(ret) then
        finishCount = finishCount + 1
        local it, close = iter.toIterator(ret)
        pumpToNode(it, close, stream, finish, { ["end"] = doEnd })
      else
        error(badValue(ret), 3)
      end
      ret = stream
    else
      error(badValue(stream), 3)
    end
  end
  return ret
end

local function isOptions(v)
  return type(v) == "table" and getmetatable(v) == nil and v[1] == nil
    and (v["end"] ~= nil or v.signal ~= nil)
end

-- pipeline(s1, s2, ..., [opts], cb): returns the last stream.
function M.pipeline(...)
  local streams = table.pack(...)
  local cb = streams[streams.n]
  streams[streams.n], streams.n = nil, nil
  errors.checkFunction(cb, "callback")
  local opts
  if isOptions(streams[#streams]) then opts = table.remove(streams) end
  local called = false
  return M.pipelineImpl(streams, function(err, value)
    if called then return end
    called = true
    cb(err, value)
  end, opts)
end

return M
