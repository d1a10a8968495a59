-- lode.path: Node's POSIX path module (API.md section 4), a line-by-line
-- port of Node 20's lib/path.js `posix` object so that every result,
-- edge cases included, is Node's. The helpers at() and slice() take
-- JavaScript's 0-based indices, which keeps the port mechanical. Paths
-- are byte strings: only '/' and '.' are special, so UTF-8 is safe.
-- There is no win32 flavour; path.posix is the module itself.
local errors = require "lode.internal.errors"

local byte, sub = string.byte, string.sub
local SLASH, DOT = 47, 46

local path = {}
path.sep = "/"
path.delimiter = ":"
path.posix = path

local function at(s, i) return byte(s, i + 1) end          -- charCodeAt
local function slice(s, a, b) return sub(s, a + 1, b) end  -- s.slice(a, b)

local function lastSlash(s)                 -- lastIndexOf('/'), 0-based
  local p = s:find("/[^/]*$")
  return p and p - 1 or -1
end

local function checkString(v, name)
  if type(v) ~= "string" then
    error(errors.invalidArgType(name, "string", v), 3)
  end
end

-- The working directory comes from the os binding (uv_cwd), so it follows
-- process.chdir; without the C module, $PWD.
local cwdfn
local function cwd()
  if cwdfn == nil then
    local ok, b = pcall(require, "lode.binding.os")
    cwdfn = ok and b.cwd or function() return os.getenv("PWD") or "/" end
  end
  return cwdfn() or "/"
end

-- Resolves . and .. segments (Node's normalizeString for '/').
local function normalizeString(p, allowAboveRoot)
  local res, lastSegmentLength, last, dots, code = "", 0, -1, 0, 0
  for i = 0, #p do
    if i < #p then code = at(p, i)
    elseif code == SLASH then break
    else code = SLASH end
    if code == SLASH then
      if last == i - 1 or dots == 1 then
        -- NOOP
      elseif dots == 2 then
        if #res < 2 or lastSegmentLength ~= 2 or at(res, #res - 1) ~= DOT
            or at(res, #res - 2) ~= DOT then
          if #res > 2 then
            local idx = lastSlash(res)
            if idx == -1 then
              res, lastSegmentLength = "", 0
            else
              res = slice(res, 0, idx)
              lastSegmentLength = #res - 1 - lastSlash(res)
            end
            last, dots = i, 0
            goto continue
          elseif #res ~= 0 then
            res, lastSegmentLength, last, dots = "", 0, i, 0
            goto continue
          end
        end
        if allowAboveRoot then
          res = #res > 0 and res .. "/.." or ".."
          lastSegmentLength = 2
        end
      else
        if #res > 0 then res = res .. "/" .. slice(p, last + 1, i)
        else res = slice(p, last + 1, i) end
        lastSegmentLength = i - last - 1
      end
      last, dots = i, 0
    elseif code == DOT and dots ~= -1 then
      dots = dots + 1
    else
      dots = -1
    end
    ::continue::
  end
  return res
end

function path.resolve(...)
  local args = table.pack(...)
  local resolved, absolute = "", false
  for i = args.n, 1, -1 do
    local p = args[i]
    checkString(p, ("paths[%d]"):format(i - 1))
    if #p > 0 then
      resolved = p .. "/" .. resolved
      absolute = at(p, 0) == SLASH
      if absolute then break end
    end
  end
  if not absolute then
    local dir = cwd()
    resolved = dir .. "/" .. resolved
    absolute = at(dir, 0) == SLASH
  end
  resolved = normalizeString(resolved, not absolute)
  if absolute then return "/" .. resolved end
  return #resolved > 0 and resolved or "."
end

function path.normalize(p)
  checkString(p, "path")
  if #p == 0 then return "." end
  local absolute = at(p, 0) == SLASH
  local trailing = at(p, #p - 1) == SLASH
  p = normalizeString(p, not absolute)
  if #p == 0 then
    if absolute then return "/" end
    return trailing and "./" or "."
  end
  if trailing then p = p .. "/" end
  return absolute and "/" .. p or p
end

function path.isAbsolute(p)
  checkString(p, "path")
  return #p > 0 and at(p, 0) == SLASH
end

function path.join(...)
  local n, parts = select("#", ...), {}
  for i = 1, n do
    local arg = select(i, ...)
    checkString(arg, "path")
    if #arg > 0 then parts[#parts + 1] = arg end
  end
  if #parts == 0 then return "." end
  return path.normalize(table.concat(parts, "/"))
end

function path.relative(from, to)
  checkString(from, "from")
  checkString(to, "to")
  if from == to then return "" end
  from, to = path.resolve(from), path.resolve(to)
  if from == to then return "" end
  local fromStart, fromEnd, toStart = 1, #from, 1
  local fromLen, toLen = fromEnd - fromStart, #to - toStart
  local length = fromLen < toLen and fromLen or toLen
  local lastCommonSep, i = -1, 0
  while i < length do
    local code = at(from, fromStart + i)
    if code ~= at(to, toStart + i) then break
    elseif code == SLASH then lastCommonSep = i end
    i = i + 1
  end
  if i == length then
    if toLen > length then
      if at(to, toStart + i) == SLASH then
        return slice(to, toStart + i + 1)   -- from is the base of to
      end
      if i == 0 then return slice(to, toStart + i) end  -- from is '/'
    elseif fromLen > length then
      if at(from, fromStart + i) == SLASH then lastCommonSep = i
      elseif i == 0 then lastCommonSep = 0 end
    end
  end
  local out = ""
  for j = fromStart + lastCommonSep + 1, fromEnd do
    if j == fromEnd or at(from, j) == SLASH then
      out = out .. (#out == 0 and ".." or "/..")
    end
  end
  return out .. slice(to, toStart + lastCommonSep)
end

function path.toNamespacedPath(p) return p end

function path.dirname(p)
  checkString(p, "path")
  if #p == 0 then return "." end
  local hasRoot = at(p, 0) == SLASH
  local stop, matchedSlash = -1, true
  for i = #p - 1, 1, -1 do
    if at(p, i) == SLASH then
      if not matchedSlash then stop = i; break end
    else
      matchedSlash = false
    end
  end
  if stop == -1 then return hasRoot and "/" or "." end
  if hasRoot and stop == 1 then return "//" end
  return slice(p, 0, stop)
end

-- basename with a suffix to strip (Node's first branch of basename).
local function basenameSuffix(p, suffix)
  if suffix == p then return "" end
  local start, stop, matchedSlash = 0, -1, true
  local extIdx, firstNonSlashEnd = #suffix - 1, -1
  for i = #p - 1, 0, -1 do
    local code = at(p, i)
    if code == SLASH then
      if not matchedSlash then start = i + 1; break end
    else
      if firstNonSlashEnd == -1 then
        matchedSlash, firstNonSlashEnd = false, i + 1
      end
      if extIdx >= 0 then
        if code == at(suffix, extIdx) then
          extIdx = extIdx - 1
          if extIdx == -1 then stop = i end
        else
          extIdx, stop = -1, firstNonSlashEnd
        end
      end
    end
  end
  if start == stop then stop = firstNonSlashEnd
  elseif stop == -1 then stop = #p end
  return slice(p, start, stop)
end

function path.basename(p, suffix)
  if suffix ~= nil then checkString(suffix, "suffix") end
  checkString(p, "path")
  if suffix ~= nil and #suffix > 0 and #suffix <= #p then
    return basenameSuffix(p, suffix)
  end
  local start, stop, matchedSlash = 0, -1, true
  for i = #p - 1, 0, -1 do
    if at(p, i) == SLASH then
      if not matchedSlash then start = i + 1; break end
    elseif stop == -1 then
      matchedSlash, stop = false, i + 1
    end
  end
  if stop == -1 then return "" end
  return slice(p, start, stop)
end

-- The scan extname and parse share: from the end to the last component.
-- Returns startDot, startPart, stop, preDotState as Node computes them.
local function scanExt(p, first)
  local startDot, startPart, stop, matchedSlash, preDot = -1, 0, -1, true, 0
  for i = #p - 1, first, -1 do
    local code = at(p, i)
    if code == SLASH then
      if not matchedSlash then startPart = i + 1; break end
    else
      if stop == -1 then matchedSlash, stop = false, i + 1 end
      if code == DOT then
        if startDot == -1 then startDot = i
        elseif preDot ~= 1 then preDot = 1 end
      elseif startDot ~= -1 then
        preDot = -1
      end
    end
  end
  return startDot, startPart, stop, preDot
end

-- No extension: no dot, a dot right at the start of the name, or '..'.
local function noExt(startDot, startPart, stop, preDot)
  return startDot == -1 or preDot == 0 or (preDot == 1 and
    startDot == stop - 1 and startDot == startPart + 1)
end

function path.extname(p)
  checkString(p, "path")
  local startDot, startPart, stop, preDot = scanExt(p, 0)
  if stop == -1 or noExt(startDot, startPart, stop, preDot) then
    return ""
  end
  return slice(p, startDot, stop)
end

local function truthy(v) return v ~= nil and v ~= false and v ~= "" end

function path.format(obj)
  if type(obj) ~= "table" then
    error(errors.invalidArgType("pathObject", "object", obj), 2)
  end
  local dir = truthy(obj.dir) and obj.dir or obj.root
  local ext = truthy(obj.ext)
    and ((obj.ext:sub(1, 1) == "." and "" or ".") .. obj.ext) or ""
  local base = truthy(obj.base) and obj.base
    or (truthy(obj.name) and obj.name or "") .. ext
  if not truthy(dir) then return base end
  return dir == obj.root and dir .. base or dir .. "/" .. base
end

function path.parse(p)
  checkString(p, "path")
  local ret = { root = "", dir = "", base = "", ext = "", name = "" }
  if #p == 0 then return ret end
  local absolute = at(p, 0) == SLASH
  if absolute then ret.root = "/" end
  local startDot, startPart, stop, preDot = scanExt(p, absolute and 1 or 0)
  if stop ~= -1 then
    local start = (startPart == 0 and absolute) and 1 or startPart
    if noExt(startDot, startPart, stop, preDot) then
      ret.base = slice(p, start, stop)
      ret.name = ret.base
    else
      ret.name = slice(p, start, startDot)
      ret.base = slice(p, start, stop)
      ret.ext = slice(p, startDot, stop)
    end
  end
  if startPart > 0 then ret.dir = slice(p, 0, startPart - 1)
  elseif absolute then ret.dir = "/" end
  return ret
end

return path
