-- fs.watch and FSWatcher over lode.binding.fs_event (uv_fs_event_t,
-- inotify on Linux). The watcher emits 'change' (eventType, filename)
-- with eventType 'rename' or 'change', 'error' (then closes) and 'close'.
-- close() is idempotent; ref()/unref() decide whether it keeps the loop
-- alive ({persistent = false} starts unref'd). `recursive` is passed to
-- libuv, which honours it only where the platform can (not inotify).
local binding = require "lode.binding.fs_event"
local errors = require "lode.internal.errors"
local EventEmitter = require("lode.events").EventEmitter
local V = require "lode.fs.validate"

local M = {}

local FSWatcher = EventEmitter:extend("FSWatcher")
M.FSWatcher = FSWatcher

-- The binding's callback: (status_or_nil, filename_or_nil, events).
local function on_event(self, status, name, events)
  if status then
    local err = errors.system(status, "watch", { path = self._path })
    self:close()
    self:emit("error", err)
    return
  end
  local enc = self._encoding
  if name ~= nil and enc ~= nil and enc ~= "utf8" then
    name = V.decode(name, enc)
  end
  if events & binding.RENAME ~= 0 then
    self:emit("change", "rename", name)
  elseif events & binding.CHANGE ~= 0 then
    self:emit("change", "change", name)
  end
end

-- Stops watching; 'close' is emitted once the handle is closed.
function FSWatcher:close()
  local h = rawget(self, "_handle")
  if h == nil then return end
  self._handle = nil
  h:close(function() self:emit("close") end)
end
FSWatcher.__close = FSWatcher.close

function FSWatcher:ref()
  local h = rawget(self, "_handle")
  if h then h:ref() end
  return self
end

function FSWatcher:unref()
  local h = rawget(self, "_handle")
  if h then h:unref() end
  return self
end

-- watch(filename[, options][, listener]): options is an encoding or
-- { persistent = true, recursive = false, encoding = 'utf8' }. A path
-- that cannot be watched raises the SystemError (syscall 'watch').
function M.watch(filename, options, listener)
  if type(options) == "function" then options, listener = nil, options end
  filename = V.path(filename, "filename")
  local o = V.options(options)
  local persistent = V.bool(o.persistent, "options.persistent", true)
  local recursive = V.bool(o.recursive, "options.recursive", false)
  if listener ~= nil then errors.checkFunction(listener, "listener") end
  local w = FSWatcher.new()
  w._path, w._encoding = filename, V.encoding(o.encoding)
  local h = binding.new(function(status, name, events)
    on_event(w, status, name, events)
  end)
  local ok, _, status = h:start(filename, recursive)
  if not ok then
    h:close()
    V.raise(errors.system(status, "watch", { path = filename }))
  end
  if not persistent then h:unref() end
  w._handle = h
  if listener then w:on("change", listener) end
  return w
end

return M
