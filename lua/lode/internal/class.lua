-- The one class helper: tables with a `new` constructor and `:extend()`
-- for subclasses, as API.md section 2 fixes. `Cls.new(...)` makes an
-- instance whose metatable is the class and runs `init` (its own or the
-- nearest parent's). Metamethods are copied into each subclass, since Lua
-- looks them up raw in the metatable.
local M = {}

local META = { "__tostring", "__close", "__gc", "__eq", "__lt", "__le",
  "__len", "__concat", "__call" }

local function construct(cls, ...)
  local obj = setmetatable({}, cls)
  local init = cls.init
  if init then init(obj, ...) end
  return obj
end

local function define(cls, parent, name)
  cls.__index = cls
  cls.__name = name or (parent and parent.__name) or "Object"
  cls.super = parent
  -- `Cls.new(...)` and `Cls:new(...)` both work.
  cls.new = function(first, ...)
    if first == cls then return construct(cls, ...) end
    return construct(cls, first, ...)
  end
  return setmetatable(cls, { __index = parent,
    __call = function(_, ...) return construct(cls, ...) end })
end

local Object = define({}, nil, "Object")

function Object:extend(name)
  local cls = {}
  for _, k in ipairs(META) do cls[k] = rawget(self, k) end
  return define(cls, self, name)
end

-- True when obj is an instance of cls or of one of its subclasses.
function M.instanceOf(obj, cls)
  if type(obj) ~= "table" then return false end
  local mt = getmetatable(obj)
  while mt do
    if mt == cls then return true end
    mt = rawget(mt, "super")
  end
  return false
end

M.Object = Object
return M
