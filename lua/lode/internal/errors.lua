-- The only place that builds Error tables (STYLE.md rule 6). Errors carry
-- name, message, code and a traceback in `stack`; system errors add errno,
-- syscall and path/address/port. Argument checks raise at the caller's
-- level with Node's codes and Node's message texts.
local class = require "lode.internal.class"

local M = {}

local Error = class.Object:extend("Error")
Error.name = "Error"

function Error:init(message, opts)
  self.message = message == nil and "" or tostring(message)
  if type(opts) == "table" and opts.cause ~= nil then
    self.cause = opts.cause
  end
  self.stack = debug.traceback(tostring(self), 3)
end

function Error:__tostring()
  local name, msg = self.name or "Error", self.message
  if msg == nil or msg == "" then return name end
  return name .. ": " .. msg
end

function Error:extend(name)
  local cls = class.Object.extend(self, name)
  cls.name = name
  return cls
end

M.Error = Error
M.TypeError = Error:extend("TypeError")
M.RangeError = Error:extend("RangeError")
M.SyntaxError = Error:extend("SyntaxError")
M.SystemError = Error:extend("SystemError")
M.SystemError.name = "Error"  -- as Node: "Error: ENOENT: ..."
M.DataCloneError = Error:extend("DataCloneError")
M.AggregateError = Error:extend("AggregateError")

function M.AggregateError:init(errors, message)
  Error.init(self, message or "All promises were rejected")
  self.errors = errors or {}
end

M.isError = function(v) return class.instanceOf(v, Error) end

-- A coded error: errors.new(TypeError, "ERR_X", "text").
function M.new(cls, code, message)
  local err = cls.new(message)
  err.code = code
  return err
end

-- Raises a coded error; the traceback starts at the caller of the caller.
function M.raise(cls, code, message)
  error(M.new(cls, code, message), 0)
end

local function describe(v)
  local t = type(v)
  if v == nil then return "Received nil" end
  if t == "string" then
    local s = #v > 25 and v:sub(1, 25) .. "..." or v
    return ("Received type string ('%s')"):format(s)
  end
  if t == "number" or t == "boolean" then
    return ("Received type %s (%s)"):format(t, tostring(v))
  end
  if t == "table" and getmetatable(v) and getmetatable(v).__name then
    return "Received an instance of " .. getmetatable(v).__name
  end
  return "Received type " .. t
end
M.describe = describe

function M.invalidArgType(name, expected, actual)
  local what = name:find("%.") and "property" or "argument"
  -- "string" -> "of type string"; already-worded forms ("of type X or
  -- Y", "one of type X or Y", "an instance of Buffer") are kept as given.
  local worded = expected:find("^of ") or expected:find("^one of ")
    or expected:find("^an instance of ")
  return M.new(M.TypeError, "ERR_INVALID_ARG_TYPE",
    ('The "%s" %s must be %s. %s'):format(name, what,
      worded and expected or "of type " .. expected, describe(actual)))
end

function M.invalidArgValue(name, value, reason)
  local shown = type(value) == "string" and ("'%s'"):format(value)
    or tostring(value)
  return M.new(M.TypeError, "ERR_INVALID_ARG_VALUE",
    ("The argument '%s' %s. Received %s"):format(name,
      reason or "is invalid", shown))
end

function M.outOfRange(name, range, value)
  return M.new(M.RangeError, "ERR_OUT_OF_RANGE",
    ('The value of "%s" is out of range. It must be %s. Received %s')
      :format(name, range, tostring(value)))
end

function M.missingArgs(...)
  local names = {}
  for i, n in ipairs({ ... }) do names[i] = '"' .. n .. '"' end
  return M.new(M.TypeError, "ERR_MISSING_ARGS",
    ("The %s argument%s must be specified"):format(
      table.concat(names, " and "), #names > 1 and "s" or ""))
end

-- errors.checkType(v, "name", "string") raises ERR_INVALID_ARG_TYPE unless
-- type(v) is one of the '|'-separated names ("table|nil").
function M.checkType(v, name, types)
  local t = type(v)
  for want in types:gmatch("[^|]+") do
    if t == want then return v end
  end
  error(M.invalidArgType(name, types:gsub("|", " or "), v), 0)
end

-- A finite integer (Lua integer or an integral float) within [min, max].
function M.checkInteger(v, name, min, max)
  if type(v) ~= "number" then error(M.invalidArgType(name, "number", v), 0) end
  if v ~= v or v % 1 ~= 0 or (min and v < min) or (max and v > max) then
    local range = v % 1 ~= 0 and "an integer"
      or (">= %s && <= %s"):format(min or "-inf", max or "inf")
    error(M.outOfRange(name, range, v), 0)
  end
  return math.tointeger(v) or v
end

function M.checkFunction(v, name)
  if type(v) ~= "function" then
    error(M.invalidArgType(name, "function", v), 0)
  end
  return v
end

-- System errors from a negative libuv status. `binding` is resolved late
-- so this module loads under plain Lua before the C module is needed.
local uv
function M.system(status, syscall, info)
  uv = uv or require "lode.binding.uv"
  local code = uv.err_name(status)
  local msg = ("%s: %s, %s"):format(code, uv.strerror(status), syscall)
  if info then
    if info.path then msg = msg .. (" '%s'"):format(info.path) end
    if info.dest then msg = msg .. (" -> '%s'"):format(info.dest) end
    if info.address and not info.path then
      msg = msg .. " " .. info.address
      if info.port then msg = msg .. ":" .. info.port end
    end
  end
  local err = M.SystemError.new(msg)
  err.code, err.errno, err.syscall = code, status, syscall
  if info then
    for _, k in ipairs({ "path", "dest", "address", "port" }) do
      if info[k] ~= nil then err[k] = info[k] end
    end
  end
  return err
end

return M
