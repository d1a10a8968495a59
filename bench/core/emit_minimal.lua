-- The floor: a minimal hand-written pure-Lua emitter on plain lua5.4,
-- the same 10 million emits. lode's emit should be at least this fast.
local N, COUNT = tonumber(arg[1] or "1"), 10000000
local Emitter = {}
Emitter.__index = Emitter
function Emitter.new() return setmetatable({ handlers = {} }, Emitter) end
function Emitter:on(name, fn)
  local l = self.handlers[name]
  if not l then l = {}; self.handlers[name] = l end
  l[#l + 1] = fn
end
function Emitter:emit(name, ...)
  local l = self.handlers[name]
  if not l then return false end
  for i = 1, #l do l[i](...) end
  return true
end
local e, sum = Emitter.new(), 0
for _ = 1, N do e:on("x", function(a) sum = sum + a end) end
local t0 = os.clock()
for _ = 1, COUNT do e:emit("x", 1) end
local dt = os.clock() - t0
assert(sum == COUNT * N)
print(("%.0f"):format(COUNT / dt))
