-- The base class of every stream (Node's legacy `Stream`): an
-- EventEmitter whose `extend` flattens the parent's fields into the
-- subclass, so a method call on a PassThrough is one lookup instead of a
-- walk up six classes. That is on the per-chunk path. The price: a method
-- added to a parent class after a subclass was made is not seen by it.
local class = require "lode.internal.class"
local EventEmitter = require("lode.events").EventEmitter

local SKIP = { __index = true, __name = true, super = true, new = true }

local function flatten(cls, parent)
  for k, v in pairs(parent) do
    if not SKIP[k] and rawget(cls, k) == nil then rawset(cls, k, v) end
  end
  return cls
end

local Stream = flatten(EventEmitter:extend("Stream"), EventEmitter)

-- `local s <close> = ...`: the stream is destroyed when the scope ends
-- (without an error, so no 'error' event can go unhandled).
function Stream:__close()
  if not self.destroyed and type(self.destroy) == "function" then
    self:destroy()
  end
end

function Stream:extend(name)
  return flatten(class.Object.extend(self, name), self)
end

-- Node's Stream.prototype.pipe, for emitters that are not Readables.
function Stream:pipe(dest, options)
  local source = self
  local cleanup, didOnEnd = nil, false
  local function ondata(chunk)
    if dest.writable and dest:write(chunk) == false and source.pause then
      source:pause()
    end
  end
  local function ondrain()
    if source.readable and source.resume then source:resume() end
  end
  local function onend()
    if didOnEnd then return end
    didOnEnd = true
    dest:finish()
  end
  local function onclose()
    if didOnEnd then return end
    didOnEnd = true
    if type(dest.destroy) == "function" then dest:destroy() end
  end
  local function onerror_of(em)
    return function(er)
      cleanup()
      if em:listenerCount("error") == 0 then em:emit("error", er) end
    end
  end
  local srcErr, dstErr = onerror_of(source), onerror_of(dest)
  cleanup = function()
    source:removeListener("data", ondata)
    dest:removeListener("drain", ondrain)
    source:removeListener("end", onend)
    source:removeListener("close", onclose)
    source:removeListener("error", srcErr)
    dest:removeListener("error", dstErr)
    source:removeListener("end", cleanup)
    source:removeListener("close", cleanup)
    dest:removeListener("close", cleanup)
  end
  source:on("data", ondata)
  dest:on("drain", ondrain)
  if not dest._isStdio and not (options and options["end"] == false) then
    source:on("end", onend)
    source:on("close", onclose)
  end
  source:prependListener("error", srcErr)
  dest:prependListener("error", dstErr)
  source:on("end", cleanup)
  source:on("close", cleanup)
  dest:on("close", cleanup)
  dest:emit("pipe", source)
  return dest
end

return { Stream = Stream, flatten = flatten }
