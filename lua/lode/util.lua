-- lode.util: Node's util (API.md sections 4 and 5): inspect (in
-- lode.internal.inspect, which documents how values print), format,
-- isDeepStrictEqual, promisify, callbackify, deprecate, debuglog, types.
local errors = require "lode.internal.errors"
local insp = require "lode.internal.inspect"

local concat, fmt, floor = table.concat, string.format, math.floor
local inspect, DEFAULTS = insp.format, insp.DEFAULTS
local NULL, ARRAYMT, OBJECTMT = insp.NULL, insp.ARRAYMT, insp.OBJECTMT
local fmtnumber, isErrorTable = insp.fmtnumber, insp.isErrorTable
local isBuffer = insp.isBuffer

local util = {}
util.inspect = insp.inspect

-- {===================================================================
-- format: Node's util.format placeholders.

-- Number text for %d %i %f: JavaScript's words for the special values,
-- integral floats without ".0".
local function numtext(n)
  if n == nil or n ~= n then return "NaN" end
  if n == math.huge then return "Infinity" end
  if n == -math.huge then return "-Infinity" end
  if math.type(n) == "float" and n == floor(n) and n > -2^63 and n < 2^63 then
    return fmt("%d", math.tointeger(n))
  end
  return fmtnumber(n)
end

local function tonum(v)                     -- JavaScript's Number(v)
  if type(v) == "number" then return v end
  if type(v) == "boolean" then return v and 1 or 0 end
  if type(v) == "string" then
    if v:find("^%s*$") then return 0 end
    return tonumber(v) or tonumber(v:match("^%s*(.-)%s*$"))
  end
  return nil
end

local function parseInt(v)                  -- JavaScript's parseInt(v)
  if type(v) == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return nil end
    return math.tointeger(v < 0 and -floor(-v) or floor(v))
  end
  local s = tostring(v)
  local sign, hex = s:match("^%s*([+-]?)0[xX](%x+)")
  if hex then return tonumber(sign .. hex, 16) end
  return tonumber(s:match("^%s*([+-]?%d+)") or "")
end

local function parseFloat(v)                -- JavaScript's parseFloat(v)
  if type(v) == "number" then return v end
  local s = tostring(v):match("^%s*(.*)$")
  local sign, rest = s:match("^([+-]?)(.*)$")
  if rest:sub(1, 8) == "Infinity" then
    return sign == "-" and -math.huge or math.huge
  end
  local num = rest:match("^%d*%.?%d*")
  if num == "" or num == "." then return nil end
  local e = rest:sub(#num + 1):match("^[eE][+-]?%d+") or ""
  return tonumber(sign .. num .. e)
end

local function fmt_s(v)
  local t = type(v)
  if t == "string" then return v
  elseif t == "number" then return fmtnumber(v)
  elseif v == NULL then return "null"
  elseif t == "table" or t == "userdata" then
    local mt = getmetatable(v)
    if type(mt) == "table" and rawget(mt, "__tostring")
        and not (t == "table" and isErrorTable(v)) then
      return tostring(v)
    end
    return inspect(v, { depth = 0 })
  elseif t == "function" or t == "thread" then
    return inspect(v)
  end
  return tostring(v)
end

local function fmt_j(v)
  local ok, json = pcall(require, "lode.json")
  if not ok then return inspect(v) end
  local done, s = pcall(json.stringify, v)
  if done then return s == nil and "nil" or s end
  if type(s) == "table" and s.name == "TypeError"
      and tostring(s.message):find("^Converting circular structure") then
    return "[Circular]"
  end
  error(s, 0)
end

local CONV = {
  s = fmt_s,
  j = fmt_j,
  d = function(v) return numtext(tonum(v)) end,
  i = function(v) return numtext(parseInt(v)) end,
  f = function(v) return numtext(parseFloat(v)) end,
  O = function(v) return inspect(v) end,
  o = function(v) return inspect(v, { depth = 4 }) end,
  c = function() return "" end,
}

-- The placeholders of a format string, consuming args[2..]; returns the
-- text and the index of the next unused argument.
local function substitute(first, args)
  local out, a, last, i = {}, 1, 1, 1
  while true do
    i = first:find("%", i, true)
    if i == nil or i >= #first then break end
    local c = first:sub(i + 1, i + 1)
    if c == "%" then
      out[#out + 1] = first:sub(last, i)
      last, i = i + 2, i + 2
    elseif CONV[c] and a < args.n then
      a = a + 1
      out[#out + 1] = first:sub(last, i - 1)
      out[#out + 1] = CONV[c](args[a])
      last, i = i + 2, i + 2
    else
      i = i + 1
    end
  end
  out[#out + 1] = first:sub(last)
  return concat(out), a + 1
end

-- format(fmt, ...): %s %d %i %f %j %o %O %c %%; the arguments left over
-- are appended after a space (strings as they are, others inspected).
-- When the first argument is not a string, every argument is inspected.
function util.format(...)
  local args = table.pack(...)
  local first, out, a = args[1], {}, 1
  if type(first) == "string" then
    if args.n == 1 then return first end
    out[1], a = substitute(first, args)
  end
  for i = a, args.n do
    local v = args[i]
    out[#out + 1] = type(v) == "string" and v or inspect(v)
  end
  return concat(out, " ")
end

function util.formatWithOptions(opts, ...)
  if type(opts) ~= "table" then
    error(errors.invalidArgType("inspectOptions", "object", opts), 2)
  end
  local saved = {}
  for k, v in pairs(opts) do
    if DEFAULTS[k] ~= nil then saved[k], DEFAULTS[k] = DEFAULTS[k], v end
  end
  local ok, s = pcall(util.format, ...)
  for k, v in pairs(saved) do DEFAULTS[k] = v end
  if not ok then error(s, 0) end
  return s
end

-- }===================================================================
-- {===================================================================
-- isDeepStrictEqual

-- The json.array/json.object marks only say how to encode a table: they
-- do not make two tables different.
local function protoOf(t)
  local mt = getmetatable(t)
  if mt == ARRAYMT or mt == OBJECTMT then return nil end
  return mt
end

local deepEqual

local function tablesEqual(a, b, memo)
  if protoOf(a) ~= protoOf(b) then return false end
  memo[a] = memo[a] or {}
  if memo[a][b] then return true end       -- a cycle: assume equal
  memo[a][b] = true
  local skipStack = isErrorTable(a)         -- tracebacks differ by place
  for k, v in next, a do
    if not (skipStack and k == "stack") then
      local w = rawget(b, k)
      if w == nil or not deepEqual(v, w, memo) then return false end
    end
  end
  for k in next, b do
    if rawget(a, k) == nil and not (skipStack and k == "stack") then
      return false
    end
  end
  return true
end

function deepEqual(a, b, memo)
  if rawequal(a, b) then return true end
  local ta = type(a)
  if ta ~= type(b) then return false end
  if ta == "number" then return a == b or (a ~= a and b ~= b) end
  if ta == "table" then return tablesEqual(a, b, memo) end
  if ta == "userdata" and isBuffer(a) and isBuffer(b) then
    return #a == #b and tostring(a) == tostring(b)
  end
  return false
end

-- Deep equality as Node's strict mode, in Lua terms: tables compare key
-- by key (raw) and need the same metatable; NaN equals NaN; an integer
-- equals the float of the same value (1 == 1.0, as Lua says); Buffers
-- compare by bytes; Error tables ignore their traceback; functions,
-- coroutines and other userdata only equal themselves.
function util.isDeepStrictEqual(a, b)
  return deepEqual(a, b, {})
end

-- }===================================================================
-- {===================================================================
-- Promises and callbacks. lode.promise and lode.process are required
-- when first needed: util loads before them.

local customs = setmetatable({}, { __mode = "k" })

-- Registers how promisify(fn) behaves: `impl` a function (returned as
-- the promisified version, Node's util.promisify.custom) or a sequence
-- of names (the callback's values resolve as a table with those keys,
-- Node's customPromisifyArgs: { "stdout", "stderr" } for exec).
function util.setPromisifyCustom(fn, impl)
  customs[fn] = impl
  return fn
end

function util.promisify(fn)
  if type(fn) ~= "function" then
    error(errors.invalidArgType("original", "function", fn), 2)
  end
  local custom = customs[fn]
  if type(custom) == "function" then return custom end
  local names = type(custom) == "table" and custom or nil
  return function(...)
    local Promise = require "lode.promise"
    local args = table.pack(...)
    return Promise.new(function(resolve, reject)
      args[args.n + 1] = function(err, ...)
        if err then return reject(err) end
        if names == nil then return resolve((...)) end
        local values, res = table.pack(...), {}
        for i, name in ipairs(names) do res[name] = values[i] end
        resolve(res)
      end
      fn(table.unpack(args, 1, args.n + 1))
    end)
  end
end

local function nextTick(fn, ...)
  local ok, process = pcall(require, "lode.process")
  if ok and type(process.nextTick) == "function" then
    return process.nextTick(fn, ...)
  end
  return fn(...)
end

-- callbackify(fn): fn returns a promise (or a value); the result is a
-- function whose last argument is a callback(err, value), called on a
-- later tick. A falsy rejection reason becomes ERR_FALSY_VALUE_REJECTION
-- with the reason in err.reason, as Node does.
function util.callbackify(fn)
  if type(fn) ~= "function" then
    error(errors.invalidArgType("original", "function", fn), 2)
  end
  return function(...)
    local n = select("#", ...)
    local cb = n > 0 and select(n, ...) or nil
    if type(cb) ~= "function" then
      error(errors.invalidArgType("last argument", "function", cb), 2)
    end
    local Promise = require "lode.promise"
    local args = table.pack(...)
    Promise.resolve(fn(table.unpack(args, 1, n - 1))):next(function(v)
      nextTick(cb, nil, v)
    end, function(reason)
      if not reason then
        local err = errors.new(errors.Error, "ERR_FALSY_VALUE_REJECTION",
          "Promise was rejected with falsy value")
        err.reason = reason
        reason = err
      end
      nextTick(cb, reason)
    end)
  end
end

-- }===================================================================

local warned = {}

-- deprecate(fn, msg [, code]): fn, warning once (per code, or per
-- wrapper) on first call through process.emitWarning when there is one.
function util.deprecate(fn, msg, code)
  if type(fn) ~= "function" then
    error(errors.invalidArgType("fn", "function", fn), 2)
  end
  local done = false
  return function(...)
    if not done and not (code and warned[code]) then
      done = true
      if code then warned[code] = true end
      local ok, process = pcall(require, "lode.process")
      if ok and type(process.emitWarning) == "function" then
        process.emitWarning(msg, "DeprecationWarning", code)
      else
        io.stderr:write(("(lode) %sDeprecationWarning: %s\n"):format(
          code and "[" .. code .. "] " or "", tostring(msg)))
      end
    end
    return fn(...)
  end
end

-- debuglog(section): a logger that writes to stderr when NODE_DEBUG
-- (or LODE_DEBUG) names the section.
function util.debuglog(section)
  local env = (os.getenv("NODE_DEBUG") or "") .. ","
    .. (os.getenv("LODE_DEBUG") or "")
  local on = false
  for word in env:gmatch("[^,%s]+") do
    if word:upper() == tostring(section):upper() or word == "*" then
      on = true
    end
  end
  if not on then return function() end end
  local ok, sys = pcall(require, "lode.binding.os")
  local prefix = ("%s %d: "):format(tostring(section):upper(),
    ok and sys.getpid() or 0)
  return function(...)
    io.stderr:write(prefix, util.format(...), "\n")
  end
end

util.types = {
  isNativeError = function(v) return errors.isError(v) end,
  isPromise = function(v)
    local ok, Promise = pcall(require, "lode.promise")
    return ok and type(v) == "table" and getmetatable(v) == Promise
  end,
  isUint8Array = isBuffer,
}

function util.isArray(v)
  if type(v) ~= "table" then return false end
  local n = #v
  for k in next, v do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
  end
  return true
end

return util
