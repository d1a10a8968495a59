-- lode.json: JSON.stringify/JSON.parse for Lua values (API.md "json").
-- The codec is C (bindings/json.c encodes, bindings/json_decode.c
-- decodes); this file handles the arguments, replacers and revivers, and
-- routes the binding's errors through lode.internal.errors. The mapping,
-- where JavaScript has no answer:
--  * numbers: integers stay exact both ways (a JSON number without
--    fraction or exponent decodes to an integer, or to a float if it does
--    not fit 64 bits); floats print JS's shortest form (0.1, 1e+21, 2);
--    NaN and +-inf encode as null;
--  * sequences encode as arrays, other tables as objects; an empty table
--    is {} unless marked with json.array(t); an empty JSON array decodes
--    to a table carrying the json.array mark, so it encodes back as [];
--    a metatable field __jsontype = "array"|"object" forces the choice;
--  * JSON null is json.null (a unique table, also in arrays); nil,
--    functions, threads and userdata without toJSON are skipped in
--    objects, null in arrays, and stringify returns nil for them at top;
--  * object keys come out sorted (integer-like keys first, by value),
--    as Lua tables have no insertion order (objects of more than about
--    500k keys, too many to sort on the Lua stack, come in table order);
--    number keys print as JS would print them; other keys are skipped;
--  * lone UTF-16 surrogates in \u escapes decode to U+FFFD; invalid
--    UTF-8 in strings passes through; error positions count UTF-16 units;
--  * nesting deeper than 1000 raises a RangeError either way.
local binding = require "lode.binding.json"
local errors = require "lode.internal.errors"

local encode, decode = binding.encode, binding.decode
local NULL, ARRAY, OBJECT = binding.null, binding.array_mt, binding.object_mt
local MAXDEPTH = 1000

local M = {}
M.null = NULL

binding.setraise(function(cls, msg)
  error(errors.new(errors[cls] or errors.Error, nil, msg), 0)
end)

-- JSON.stringify's gap: a number of spaces (at most 10) or the first 10
-- characters of a string.
local function gapof(space)
  if type(space) == "number" then
    if space ~= space or space < 1 then return nil end
    return (" "):rep(math.min(10, math.floor(space)))
  elseif type(space) == "string" and space ~= "" then
    if #space <= 10 then return space end
    local cut = utf8.offset(space, 11)
    return space:sub(1, (cut or 11) - 1)
  end
  return nil
end

-- Marks a table as a JSON array (so that {} encodes as []) or object.
function M.array(t) return setmetatable(t or {}, ARRAY) end
function M.object(t) return setmetatable(t or {}, OBJECT) end

local function isarray(t)
  local mt = getmetatable(t)
  if mt == ARRAY then return true elseif mt == OBJECT then return false end
  if type(mt) == "table" and mt.__jsontype then
    return mt.__jsontype == "array"
  end
  local n, count = #t, 0
  if n == 0 then return false end
  for k in next, t do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
    count = count + 1
  end
  return count == n
end

local function circular()
  error(errors.new(errors.TypeError, nil,
    "Converting circular structure to JSON"), 0)
end

local function tojson(v, key)
  local t = type(v)
  if (t == "table" and v ~= NULL) or t == "userdata" then
    local ok, fn = pcall(function() return v.toJSON end)
    if ok and type(fn) == "function" then return fn(v, key) end
  end
  return v
end

-- JSON.stringify with a replacer: a copy of the value with toJSON and
-- the replacer applied (function: called as replacer(key, value, holder);
-- sequence: the keys objects keep), which the C encoder then writes.
local function replaced(value, replacer)
  local keep, seen, depth = nil, {}, 0
  if type(replacer) == "table" then
    keep = {}
    for _, k in ipairs(replacer) do
      if type(k) == "string" or type(k) == "number" then
        keep[tostring(k)] = true
      end
    end
  end
  local walk
  local function prop(holder, key, v)
    v = tojson(v, key)
    if keep == nil then v = replacer(key, v, holder) end
    if type(v) ~= "table" or v == NULL then
      return type(v) ~= "function" and v or nil
    end
    return walk(v)
  end
  function walk(t)
    if seen[t] then circular() end
    depth = depth + 1
    if depth > MAXDEPTH then
      error(errors.new(errors.RangeError, nil,
        "Maximum call stack size exceeded"), 0)
    end
    seen[t] = true
    local out
    if isarray(t) then
      out = M.array({})
      for i = 1, #t do
        local v = prop(t, i, t[i])
        out[i] = v == nil and NULL or v
      end
    else
      out = M.object({})
      for k, v in next, t do
        if keep == nil or keep[tostring(k)] then out[k] = prop(t, k, v) end
      end
    end
    seen[t], depth = nil, depth - 1
    return out
  end
  return prop({ [""] = value }, "", value)
end

-- stringify(value [, space]) or, as JavaScript, stringify(value,
-- replacer, space). Returns nil when value has no JSON form.
function M.stringify(value, a, b)
  local replacer, space = nil, a
  if b ~= nil or type(a) == "function" or type(a) == "table" then
    replacer, space = a, b
  end
  if type(replacer) == "function" or type(replacer) == "table" then
    value = replaced(value, replacer)
  end
  return encode(value, gapof(space))
end

-- JSON.parse's reviver: called bottom-up as reviver(key, value, holder);
-- returning nil deletes an object member (an array element becomes null).
local function revive(holder, key, reviver)
  local v = holder[key]
  if type(v) == "table" and v ~= NULL then
    if isarray(v) then
      for i = 1, #v do
        local r = revive(v, i, reviver)
        v[i] = r == nil and NULL or r
      end
    else
      local keys = {}
      for k in next, v do keys[#keys + 1] = k end
      for _, k in ipairs(keys) do v[k] = revive(v, k, reviver) end
    end
  end
  return reviver(key, v, holder)
end

-- parse(text [, reviver]). Bad text raises a SyntaxError whose message
-- is Node 20's ("Unexpected token '}', ... is not valid JSON",
-- "Unexpected end of JSON input", "... in JSON at position 9").
function M.parse(text, reviver)
  if type(text) ~= "string" then
    text = text == nil and "undefined" or tostring(text)
  end
  local value = decode(text)
  if type(reviver) == "function" then
    return revive({ [""] = value }, "", reviver)
  end
  return value
end

M.encode, M.decode = M.stringify, M.parse
return M
