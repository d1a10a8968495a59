-- Socket:setTimeout(ms[, cb]) and 'timeout', as Node: 'timeout' is
-- emitted once the socket has been idle (no read, no write) for ms; it
-- does not close the socket. One unref'd uv timer per socket that asked;
-- activity only records the time (uv.now(), no timer restart per chunk),
-- and when the timer fires early it is re-armed for what is left.
local errors = require "lode.internal.errors"
local uv = require "lode.binding.uv"

return function(Socket)

local function arm(self, ms)
  local t = self._timer
  if t == nil then
    t = uv.timer_new(function()
      self._armed = false
      local due = self._lastActive + self._timeoutMs
      local now = uv.now()
      if now < due then
        self._armed = true
        self._timer:start(due - now, 0)
        return
      end
      self:emit("timeout")
    end)
    t:unref()
    self._timer = t
  end
  self._armed = true
  t:start(ms, 0)
end

-- Called on every read and write while a timeout is set.
function Socket:_active()
  self._lastActive = uv.now()
  if not self._armed and not self.destroyed then
    arm(self, self._timeoutMs)
  end
end

function Socket:_clearTimer()
  local t = self._timer
  if t ~= nil then
    self._timer, self._armed, self._timeoutMs = nil, false, nil
    t:close()
  end
end

function Socket:setTimeout(ms, cb)
  if type(ms) ~= "number" then
    error(errors.invalidArgType("msecs", "number", ms), 0)
  end
  if ms ~= ms or ms < 0 or ms == math.huge then
    error(errors.outOfRange("msecs", "a non-negative finite number", ms), 0)
  end
  if cb ~= nil then
    errors.checkFunction(cb, "callback")
    if ms == 0 then self:removeListener("timeout", cb)
    else self:once("timeout", cb) end
  end
  self.timeout = ms
  if ms == 0 then
    self:_clearTimer()
  elseif not self.destroyed then
    ms = math.max(1, math.floor(ms))
    self._timeoutMs = ms
    self._lastActive = uv.now()
    arm(self, ms)
  end
  return self
end

end
