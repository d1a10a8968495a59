-- lode.internal.inspect: util.inspect (API.md sections 4 and 5), kept
-- apart from lode.util for size. It prints Lua literals laid out by Node
-- 20's algorithm (entries on one line while they fit in breakLength 80,
-- arrays of more than 6 short items in columns, depth 2, cycles as
-- [Circular *1]):
--   { value = 2 }   { 1, 2, 3 }   { 'a', ['a-b'] = 1, [10] = true }   {}
-- Choices where Lua differs from JavaScript:
--  * keys are sorted (sequence part first, then numbers, strings,
--    booleans, others), since Lua tables have no insertion order;
--  * a table past the depth limit prints as [table] (or [Name]);
--  * a table whose metatable has a string __name prints as Name { ... };
--    __tostring is not used (except by format's %s); a class table (its
--    own __index, a __name) prints as [class Name];
--  * an __inspect method or metatable field replaces the output
--    (util.inspect.custom is "__inspect"); lode.Buffer userdata print
--    through their :inspect() method; Error tables print their stack;
--  * floats print as Lua prints them (2.0, 0.1, inf, nan), strings
--    single-quoted ('it"s', "it's"), long ones split with ' ..';
--  * functions print as [Function: key] under a key, else
--    [Function (anonymous)]; coroutines as [thread]; json.null as null.
local errors = require "lode.internal.errors"

local concat, rep, fmt = table.concat, string.rep, string.format
local floor, sqrt, min, max = math.floor, math.sqrt, math.min, math.max

local M = {}

-- json.null, when the C binding is there (util loads without it).
local NULL, ARRAYMT, OBJECTMT
do
  local ok, b = pcall(require, "lode.binding.json")
  if ok then NULL, ARRAYMT, OBJECTMT = b.null, b.array_mt, b.object_mt end
end

local KEYWORDS = {}
for w in ("and break do else elseif end false for function goto if in " ..
    "local nil not or repeat return then true until while"):gmatch("%a+") do
  KEYWORDS[w] = true
end

local function isident(k)
  return type(k) == "string" and k:find("^[%a_][%w_]*$") ~= nil
    and not KEYWORDS[k]
end

-- Display length: UTF-8 characters (bytes if the text is not UTF-8).
local function len(s) return utf8.len(s) or #s end

local function fmtnumber(n)
  if math.type(n) == "integer" then return fmt("%d", n) end
  if n ~= n then return "nan" end
  return tostring(n)
end

-- {===================================================================
-- Strings, quoted as Lua literals the way Node quotes them.

local ESC = { ["\a"] = "\\a", ["\b"] = "\\b", ["\t"] = "\\t",
  ["\n"] = "\\n", ["\v"] = "\\v", ["\f"] = "\\f", ["\r"] = "\\r",
  ["\\"] = "\\\\" }

local function escchar(c, q)
  if c == q then return "\\" .. q end
  return ESC[c] or fmt("\\x%02X", c:byte())
end

-- Slow path: control bytes, invalid UTF-8 (\xNN per byte) and the C1
-- controls (\u{80}..\u{9F}) escaped, valid UTF-8 kept.
local function escape(s, q)
  local out, i, n = {}, 1, #s
  while i <= n do
    local c = s:byte(i)
    if c < 0x80 then
      local ch = s:sub(i, i)
      if c < 0x20 or c == 0x7F or ch == "\\" or ch == q then
        ch = escchar(ch, q)
      end
      out[#out + 1], i = ch, i + 1
    elseif utf8.len(s, i, i) then
      local j = (utf8.offset(s, 2, i) or n + 1) - 1
      local cp = utf8.codepoint(s, i)
      out[#out + 1] = cp <= 0x9F and fmt("\\u{%X}", cp) or s:sub(i, j)
      i = j + 1
    else
      out[#out + 1], i = fmt("\\x%02X", c), i + 1
    end
  end
  return concat(out)
end

local function quote(s)
  local q = "'"
  if s:find("'", 1, true) and not s:find('"', 1, true) then q = '"' end
  local special = "[%z\1-\31\\\127" .. (q == "'" and "'" or "") .. "]"
  if s:find(special) or (s:find("[\128-\255]")
      and (not utf8.len(s) or s:find("\194[\128-\159]"))) then
    return q .. escape(s, q) .. q
  end
  return q .. s .. q
end

local function fmtstring(ctx, s)
  local trailer = ""
  if #s > ctx.maxStringLength then
    local more = #s - ctx.maxStringLength
    s = s:sub(1, ctx.maxStringLength)
    trailer = fmt("... %d more character%s", more, more > 1 and "s" or "")
  end
  if #s > 16 and #s > ctx.breakLength - ctx.indentationLvl - 4
      and s:find("\n", 1, true) then
    local parts = {}
    for line in s:gmatch("[^\n]*\n?") do
      if line ~= "" then parts[#parts + 1] = quote(line) end
    end
    return concat(parts, " ..\n" .. rep(" ", ctx.indentationLvl + 2))
      .. trailer
  end
  return quote(s) .. trailer
end

-- }===================================================================
-- {===================================================================
-- Layout: Node's reduceToSingleString and groupArrayElements.

local function belowBreak(ctx, output, start, base)
  local total = #output + start
  if total + #output > ctx.breakLength then return false end
  for i = 1, #output do
    total = total + len(output[i])
    if total > ctx.breakLength then return false end
  end
  return base == "" or not base:find("\n", 1, true)
end

local function pad(s, width, left)
  local n = width - len(s)
  if n <= 0 then return s end
  return left and rep(" ", n) .. s or s .. rep(" ", n)
end

-- Arrays of more than 6 short entries in columns (Node's heuristics:
-- roughly square, at most 15 columns, numbers right-aligned).
local function group(ctx, output, value)
  local total, maxLen, dataLen = 0, 0, {}
  local outLen = #output
  if ctx.maxArrayLength < #value then outLen = outLen - 1 end
  for i = 1, outLen do
    local l = len(output[i])
    dataLen[i], total = l, total + l + 2
    if maxLen < l then maxLen = l end
  end
  local actualMax = maxLen + 2
  if actualMax * 3 + ctx.indentationLvl >= ctx.breakLength
      or (total / actualMax <= 5 and maxLen > 6) then
    return output
  end
  local bias = sqrt(actualMax - total / #output)
  local biasedMax = max(actualMax - 3 - bias, 1)
  local columns = min(floor(sqrt(2.5 * biasedMax * outLen) / biasedMax + 0.5),
    floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
    ctx.compact * 4, 15)
  if columns <= 1 then return output end
  local widths, numeric = {}, true
  for c = 1, columns do
    local w = 0
    for j = c, outLen, columns do
      if dataLen[j] > w then w = dataLen[j] end
    end
    widths[c] = w + 2
  end
  for i = 1, #output do
    if type(value[i]) ~= "number" then numeric = false; break end
  end
  local rows = {}
  for i = 1, outLen, columns do
    local last, line = min(i + columns - 1, outLen), {}
    for j = i, last - 1 do
      line[#line + 1] = pad(output[j] .. ", ", widths[j - i + 1], numeric)
    end
    line[#line + 1] = numeric
      and pad(output[last], widths[last - i + 1] - 2, true) or output[last]
    rows[#rows + 1] = concat(line)
  end
  if outLen < #output then rows[#rows + 1] = output[#output] end
  return rows
end

local function reduce(ctx, output, base, braces, isArray, level, value)
  local entries = #output
  if ctx.compact >= 1 then
    if isArray and entries > 6 then output = group(ctx, output, value) end
    if ctx.currentDepth - level < ctx.compact and entries == #output then
      local start = #output + ctx.indentationLvl + len(braces[1]) + #base
        + 10
      if belowBreak(ctx, output, start, base) then
        local joined = concat(output, ", ")
        if not joined:find("\n", 1, true) then
          return (base ~= "" and base .. " " or "") .. braces[1] .. " "
            .. joined .. " " .. braces[2]
        end
      end
    end
  end
  local ind = "\n" .. rep(" ", ctx.indentationLvl)
  return (base ~= "" and base .. " " or "") .. braces[1] .. ind .. "  "
    .. concat(output, "," .. ind .. "  ") .. ind .. braces[2]
end

-- }===================================================================
-- {===================================================================
-- Values

local formatValue

local TYPEORDER = { number = 1, string = 2, boolean = 3 }
local function keyless(a, b)
  local ta, tb = TYPEORDER[type(a)] or 4, TYPEORDER[type(b)] or 4
  if ta ~= tb then return ta < tb end
  if ta == 3 then return not a and b end
  if ta == 4 then return tostring(a) < tostring(b) end
  return a < b
end

-- The sequence length and the other keys, sorted.
local function tablekeys(t, skip)
  local n = 0
  while rawget(t, n + 1) ~= nil do n = n + 1 end
  local keys = {}
  for k in next, t do
    if not (math.type(k) == "integer" and k >= 1 and k <= n)
        and not (skip and skip[k]) then
      keys[#keys + 1] = k
    end
  end
  table.sort(keys, keyless)
  return n, keys
end

local function fmtkey(ctx, k, level)
  if isident(k) then return k end
  if type(k) == "string" then return "[" .. quote(k) .. "]" end
  if type(k) == "number" then return "[" .. fmtnumber(k) .. "]" end
  return "[" .. formatValue(ctx, k, level) .. "]"
end

local function child(ctx, v, level, name)
  ctx.indentationLvl = ctx.indentationLvl + 2
  local s = formatValue(ctx, v, level, name)
  ctx.indentationLvl = ctx.indentationLvl - 2
  return s
end

local function mtname(t)
  local mt = getmetatable(t)
  if type(mt) ~= "table" or mt == ARRAYMT or mt == OBJECTMT then return nil end
  local name = rawget(mt, "__name")
  return type(name) == "string" and name or nil
end

local function isErrorTable(t)
  return errors.isError(t) or (type(rawget(t, "stack")) == "string"
    and rawget(t, "message") ~= nil)
end

-- An Error's stack (bracketed when it has no traceback, indented when
-- nested) and the own keys worth showing next to it.
local function errorBase(ctx, t)
  local ok, s = pcall(function() return t.stack or tostring(t) end)
  local stack = ok and tostring(s) or "Error"
  if not stack:find("\nstack traceback:", 1, true) then
    stack = "[" .. stack .. "]"
  end
  if ctx.indentationLvl ~= 0 then
    stack = stack:gsub("\n", "\n" .. rep(" ", ctx.indentationLvl))
  end
  local skip = { stack = true }
  for _, k in ipairs({ "message", "name" }) do
    local v = rawget(t, k)
    if type(v) == "string" and stack:find(v, 1, true) then skip[k] = true end
  end
  return stack, skip
end

-- The entries of a table: its sequence part, then key = value members.
local function entries(ctx, t, level, skip)
  local n, keys = tablekeys(t, skip)
  local output, shown = {}, min(n, ctx.maxArrayLength)
  for i = 1, shown do output[i] = child(ctx, t[i], level) end
  if n > shown then
    local more = n - shown
    output[#output + 1] = fmt("... %d more item%s", more, more > 1 and "s"
      or "")
  end
  for _, k in ipairs(keys) do
    local name = type(k) == "string" and k or nil
    output[#output + 1] = fmtkey(ctx, k, level) .. " = "
      .. child(ctx, rawget(t, k), level, name)
  end
  return output, n > 0 and #keys == 0
end

local function formatTable(ctx, t, level)
  local name, base, skip = mtname(t), "", nil
  if rawget(t, "__index") == t and type(rawget(t, "__name")) == "string" then
    local super = rawget(t, "super")
    local sname = type(super) == "table" and rawget(super, "__name")
    local root = type(super) == "table" and rawget(super, "super") == nil
    return "[class " .. rawget(t, "__name") .. ((type(sname) == "string"
      and not root) and " extends " .. sname or "") .. "]"
  end
  if isErrorTable(t) then
    base, skip = errorBase(ctx, t)
    name = nil
  end
  local open = name and name .. " {" or "{"
  if next(t) == nil then return open .. "}" end
  if level > ctx.depth then
    return base ~= "" and base or "[" .. (name or "table") .. "]"
  end
  level = level + 1
  ctx.seen[t] = true
  ctx.currentDepth = level
  local output, isArray = entries(ctx, t, level, skip)
  ctx.seen[t] = nil
  local ref = ctx.circular and ctx.circular[t]
  if ref then base = base == "" and fmt("<ref *%d>", ref) or
    fmt("<ref *%d> %s", ref, base) end
  if #output == 0 then return base ~= "" and base or open .. "}" end
  return reduce(ctx, output, base, { open, "}" }, isArray, level, t)
end

-- The __inspect hook of v (own field, metatable field or method).
local function customHook(v)
  local mt = getmetatable(v)
  local hook = type(v) == "table" and rawget(v, "__inspect") or nil
  if hook == nil and type(mt) == "table" then
    hook = rawget(mt, "__inspect")
    if hook == nil and type(rawget(mt, "__index")) == "table" then
      hook = mt.__index.__inspect
    end
    if hook == nil and rawget(mt, "__name") == "lode.Buffer" then
      local ok, m = pcall(function() return v.inspect end)
      hook = ok and m or nil
    end
  end
  return type(hook) == "function" and hook or nil
end

local function formatOther(v, name)
  local t = type(v)
  if t == "function" then
    return name and "[Function: " .. name .. "]" or "[Function (anonymous)]"
  elseif t == "thread" then
    return "[thread]"
  end
  local mt = getmetatable(v)
  if type(mt) == "table" and rawget(mt, "__tostring") then
    return tostring(v)
  end
  local mname = type(mt) == "table" and rawget(mt, "__name")
  return type(mname) == "string" and "[" .. mname .. "]" or "[userdata]"
end

function formatValue(ctx, v, level, name)
  local t = type(v)
  if t == "string" then return fmtstring(ctx, v)
  elseif t == "number" then return fmtnumber(v)
  elseif t == "nil" or t == "boolean" then return tostring(v)
  elseif v == NULL then return "null" end
  if ctx.customInspect and (t == "table" or t == "userdata") then
    local hook = customHook(v)
    if hook then
      local depth = ctx.depth - level
      local ret = hook(v, depth, ctx.opts, M.inspect)
      if ret ~= v then
        if type(ret) ~= "string" then return formatValue(ctx, ret, level) end
        return (ret:gsub("\n", "\n" .. rep(" ", ctx.indentationLvl)))
      end
    end
  end
  if t ~= "table" then return formatOther(v, name) end
  if ctx.seen[v] then
    ctx.circular = ctx.circular or { n = 0 }
    local idx = ctx.circular[v]
    if not idx then
      ctx.circular.n = ctx.circular.n + 1
      idx = ctx.circular.n
      ctx.circular[v] = idx
    end
    return fmt("[Circular *%d]", idx)
  end
  return formatTable(ctx, v, level)
end

-- }===================================================================

local DEFAULTS = { depth = 2, breakLength = 80, compact = 3,
  maxArrayLength = 100, maxStringLength = 10000, customInspect = true }

local function newctx(opts)
  local ctx = { seen = {}, indentationLvl = 0, currentDepth = 0, opts = {} }
  for k, v in pairs(DEFAULTS) do ctx[k] = v end
  if type(opts) == "table" then
    for k, v in pairs(opts) do
      if DEFAULTS[k] ~= nil and v ~= nil then ctx[k] = v end
    end
  end
  if ctx.compact == false then ctx.compact = 0
  elseif ctx.compact == true then ctx.compact = 3 end
  if ctx.depth == nil then ctx.depth = math.huge end
  for k in pairs(DEFAULTS) do ctx.opts[k] = ctx[k] end
  return ctx
end

-- inspect(v [, opts]) or Node's legacy inspect(v, showHidden, depth).
-- opts: depth (math.huge for all), breakLength, compact (a number or
-- false), maxArrayLength, maxStringLength, customInspect.
local function inspect(v, opts, depth)
  if type(opts) ~= "table" then
    opts = depth ~= nil and { depth = depth } or nil
  end
  return formatValue(newctx(opts), v, 0)
end

-- util.inspect: callable, with Node's fields.
M.inspect = setmetatable({ custom = "__inspect", defaultOptions = DEFAULTS },
  { __call = function(_, ...) return inspect(...) end })

local function isBuffer(v)
  local mt = getmetatable(v)
  return type(v) == "userdata" and type(mt) == "table"
    and rawget(mt, "__name") == "lode.Buffer"
end

-- What lode.util shares.
M.format = inspect
M.DEFAULTS = DEFAULTS
M.NULL, M.ARRAYMT, M.OBJECTMT = NULL, ARRAYMT, OBJECTMT
M.fmtnumber = fmtnumber
M.isErrorTable = isErrorTable
M.isBuffer = isBuffer

return M

