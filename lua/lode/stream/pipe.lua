-- Readable:pipe(dest, opts) and :unpipe(dest), as Node 20. Backpressure:
-- a write() that returns false pauses the source until that destination
-- emits 'drain' (every destination, when piping to several). The
-- handlers of one pipe are closures made once per pipe.
local loop = require "lode.internal.loop"
local destroyImpl = require "lode.stream.destroy"

local nextTick = loop.nextTick

local M = {}

local function pipeOnDrain(src, dest)
  return function()
    local rs = src._readableState
    if rs.awaitDrainWriters == dest then
      rs.awaitDrainWriters = nil
    elseif rs.multiAwaitDrain then
      rs.awaitDrainWriters[dest] = nil
    end
    local w = rs.awaitDrainWriters
    if (w == nil or (rs.multiAwaitDrain and next(w) == nil))
      and rs.dataListening then
      src:resume()
    end
  end
end

local function indexOf(list, v)
  for i = 1, #list do
    if list[i] == v then return i end
  end
  return nil
end

-- Longer than 60 lines: the handlers share one pipe's state as upvalues,
-- as in Node's Readable.prototype.pipe.
function M.pipe(src, dest, pipeOpts)
  local rs = src._readableState or (src:_streamInit(nil)
    or src._readableState)
  if #rs.pipes == 1 and not rs.multiAwaitDrain then
    rs.multiAwaitDrain = true
    local set = {}
    if rs.awaitDrainWriters then set[rs.awaitDrainWriters] = true end
    rs.awaitDrainWriters = set
  end
  rs.pipes[#rs.pipes + 1] = dest
  local doEnd = not (pipeOpts and pipeOpts["end"] == false)
    and not dest._isStdio

  local ondrain, cleanedUp = nil, false
  local onclose, onfinish, onerror, ondata, onunpipe, onend, unpipe

  function unpipe() src:unpipe(dest) end
  function onend() dest:finish() end
  local endFn = doEnd and onend or unpipe
  if rs.endEmitted then nextTick(endFn) else src:once("end", endFn) end

  local function cleanup()
    -- The pipe is broken: remove every handler.
    dest:removeListener("close", onclose)
    dest:removeListener("finish", onfinish)
    if ondrain then dest:removeListener("drain", ondrain) end
    dest:removeListener("error", onerror)
    dest:removeListener("unpipe", onunpipe)
    src:removeListener("end", onend)
    src:removeListener("end", unpipe)
    src:removeListener("data", ondata)
    cleanedUp = true
    -- If the source waits for a 'drain' of this dest, it would never flow
    -- again: act as if it came.
    local ws = dest._writableState
    if ondrain and rs.awaitDrainWriters and (not ws or ws.needDrain) then
      ondrain()
    end
  end

  function onunpipe(readable, info)
    if readable == src and info and info.hasUnpiped == false then
      info.hasUnpiped = true
      cleanup()
    end
  end
  dest:on("unpipe", onunpipe)

  local function pause()
    -- The user may have unpiped during dest:write(): only pause for a
    -- destination that is still piped, else the source stays stuck.
    if not cleanedUp then
      local pipes = rs.pipes
      if #pipes == 1 and pipes[1] == dest then
        rs.awaitDrainWriters = dest
        rs.multiAwaitDrain = false
      elseif #pipes > 1 and indexOf(pipes, dest) then
        rs.awaitDrainWriters[dest] = true
      end
      src:pause()
    end
    if not ondrain then
      ondrain = pipeOnDrain(src, dest)
      dest:on("drain", ondrain)
    end
  end

  function ondata(chunk)
    if dest:write(chunk) == false then pause() end
  end
  src:on("data", ondata)

  -- Stop piping into a dest that errored, without hiding the error.
  function onerror(er)
    unpipe()
    dest:removeListener("error", onerror)
    if dest:listenerCount("error") == 0 then
      local s = dest._writableState or dest._readableState
      if s and not s.errorEmitted then
        destroyImpl.errorOrDestroy(dest, er)
      else
        dest:emit("error", er)
      end
    end
  end
  dest:prependListener("error", onerror)

  function onclose()
    dest:removeListener("finish", onfinish)
    unpipe()
  end
  dest:once("close", onclose)
  function onfinish()
    dest:removeListener("close", onclose)
    unpipe()
  end
  dest:once("finish", onfinish)

  dest:emit("pipe", src)
  if dest.writableNeedDrain == true then
    pause()
  elseif not rs.flowing then
    src:resume()
  end
  return dest
end

function M.unpipe(src, dest)
  local rs = src._readableState or (src:_streamInit(nil)
    or src._readableState)
  if #rs.pipes == 0 then return src end
  if dest == nil then
    local dests = rs.pipes
    rs.pipes = {}
    src:pause()
    for i = 1, #dests do
      dests[i]:emit("unpipe", src, { hasUnpiped = false })
    end
    return src
  end
  local i = indexOf(rs.pipes, dest)
  if i == nil then return src end
  table.remove(rs.pipes, i)
  if #rs.pipes == 0 then src:pause() end
  dest:emit("unpipe", src, { hasUnpiped = false })
  return src
end

return M
