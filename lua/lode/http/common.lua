-- What lode.http's pieces share: STATUS_CODES and METHODS, Node's header
-- checks and error codes, and the outgoing header store of ServerResponse
-- and ClientRequest.
--
-- The store is one flat list per message, { lower, name, value, ... },
-- built on the first setHeader: a lookup is a scan comparing interned
-- strings (messages have a handful of fields), and the binding formats
-- the head straight from it (bindings/http_write.c), in insertion order.
local errors = require "lode.internal.errors"
local hp = require "lode.binding.http_parser"

local M = {}

M.STATUS_CODES = hp.status_codes()

M.METHODS = {
  "ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD",
  "LINK", "LOCK", "M-SEARCH", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL",
  "MOVE", "NOTIFY", "OPTIONS", "PATCH", "POST", "PROPFIND", "PROPPATCH",
  "PURGE", "PUT", "REBIND", "REPORT", "SEARCH", "SOURCE", "SUBSCRIBE",
  "TRACE", "UNBIND", "UNLINK", "UNLOCK", "UNSUBSCRIBE",
}

-- HTTP versions by the parser's code (major * 10 + minor).
M.VERSIONS = { [9] = "0.9", [10] = "1.0", [11] = "1.1", [20] = "2.0" }

-- Flags of a parsed message (bindings/http_parser.h).
M.KEEPALIVE, M.UPGRADE, M.EXPECT_CONTINUE = 1, 2, 4
M.COMPLETE, M.HAS_BODY, M.EXPECT_OTHER, M.CHUNKED = 8, 16, 32, 64

local is_token, is_value = hp.is_token, hp.is_value
M.is_token, M.is_value = is_token, is_value

-- lode.http.server's bookkeeping per connection box (the response still
-- due; the request whose body is still coming), which ServerResponse
-- clears when it finishes.
M.curReq, M.curRes = {}, {}

--[[ Errors (Node's codes and texts) ]]

function M.invalidToken(what, name)
  return errors.new(errors.TypeError, "ERR_INVALID_HTTP_TOKEN",
    ('%s must be a valid HTTP token ["%s"]'):format(what, tostring(name)))
end

function M.invalidChar(what, name)
  return errors.new(errors.TypeError, "ERR_INVALID_CHAR",
    ('Invalid character in %s ["%s"]'):format(what, tostring(name)))
end

function M.invalidHeaderValue(value, name)
  return errors.new(errors.TypeError, "ERR_HTTP_INVALID_HEADER_VALUE",
    ('Invalid value "%s" for header "%s"'):format(tostring(value),
      tostring(name)))
end

function M.headersSent(what)
  return errors.new(errors.Error, "ERR_HTTP_HEADERS_SENT",
    ("Cannot %s headers after they are sent to the client"):format(what))
end

function M.invalidStatus(code)
  return errors.new(errors.RangeError, "ERR_HTTP_INVALID_STATUS_CODE",
    "Invalid status code: " .. tostring(code))
end

-- Raises the error the binding's header check reported (kind, name).
function M.raiseBadField(kind, name, level)
  local err
  if kind == "token" then err = M.invalidToken("Header name", name)
  elseif kind == "char" then err = M.invalidChar("header content", name)
  else err = M.invalidHeaderValue(nil, name) end
  error(err, level or 3)
end

--[[ Checks (http.validateHeaderName / validateHeaderValue) ]]

-- Names and short values already checked, so that the usual handful of
-- fields costs a table lookup per setHeader instead of a scan (bounded:
-- the first MEMO distinct ones are remembered).
local MEMO = 512
local NAMES, nnames = {}, 0          -- checked name -> its lower case
local VALUES, nvalues = {}, 0        -- checked short value -> true
M.NAMES, M.VALUES = NAMES, VALUES
local lower = string.lower

-- The lower-case form of a valid header name; raises for others.
function M.checkName(name, label)
  local low = NAMES[name]
  if low ~= nil then return low end
  if type(name) ~= "string" or not is_token(name) then
    error(M.invalidToken(label or "Header name", name), 3)
  end
  low = lower(name)
  if nnames < MEMO then
    NAMES[name], nnames = low, nnames + 1
  end
  return low
end

local function valueOk(v)
  local t = type(v)
  if t == "string" then
    if VALUES[v] then return true end
    if not is_value(v) then return false end
    if #v <= 64 and nvalues < MEMO then
      VALUES[v], nvalues = true, nvalues + 1
    end
    return true
  end
  return t == "number" or t == "boolean"
end

function M.checkValue(name, value)
  if value == nil then error(M.invalidHeaderValue(value, name), 3) end
  if type(value) == "table" then
    for i = 1, #value do
      if not valueOk(value[i]) then
        error(M.invalidChar("header content", name), 3)
      end
    end
  elseif not valueOk(value) then
    error(M.invalidChar("header content", name), 3)
  end
end

-- Booleans are sent as text (Node's String(value)).
function M.normalize(value)
  if type(value) == "boolean" then return tostring(value) end
  if type(value) == "table" then
    local out = {}
    for i = 1, #value do
      local v = value[i]
      out[i] = type(v) == "boolean" and tostring(v) or v
    end
    return out
  end
  return value
end

local normalize = M.normalize

--[[ The outgoing header store ]]

-- Sets field low (the lower case of name, from checkName) to value.
function M.setHeader(msg, low, name, value)
  value = normalize(value)
  local h = msg._hdr
  if not h then
    msg._hdr = { low, name, value }
    return
  end
  for i = 1, #h, 3 do
    if h[i] == low then
      h[i + 1], h[i + 2] = name, value
      return
    end
  end
  local n = #h
  h[n + 1], h[n + 2], h[n + 3] = low, name, value
end

function M.appendHeader(msg, low, name, value)
  local h = msg._hdr
  if h then
    for i = 1, #h, 3 do
      if h[i] == low then
        local old = h[i + 2]
        local list = type(old) == "table" and old or { old }
        if type(value) == "table" then
          for j = 1, #value do list[#list + 1] = normalize(value[j]) end
        else
          list[#list + 1] = normalize(value)
        end
        h[i + 2] = list
        return
      end
    end
  end
  M.setHeader(msg, low, name, value)
end

function M.getHeader(msg, name)
  local h = msg._hdr
  if not h or type(name) ~= "string" then return nil end
  local low = NAMES[name] or lower(name)
  for i = 1, #h, 3 do
    if h[i] == low then return h[i + 2] end
  end
  return nil
end

function M.removeHeader(msg, name)
  local h = msg._hdr
  if not h then return end
  local low = NAMES[name] or lower(name)
  for i = 1, #h, 3 do
    if h[i] == low then
      table.move(h, i + 3, #h + 3, i)
      return
    end
  end
end

function M.getHeaders(msg)
  local out, h = {}, msg._hdr
  if h then
    for i = 1, #h, 3 do out[h[i]] = h[i + 2] end
  end
  return out
end

function M.getHeaderNames(msg, raw)
  local out, h = {}, msg._hdr
  if h then
    for i = 1, #h, 3 do out[#out + 1] = h[raw and i + 1 or i] end
  end
  return out
end

-- Adds every field of a table given to writeHead / ClientRequest: a map
-- { name = value }, a flat list { name, value, ... } or a list of pairs.
function M.addAll(msg, headers)
  local function add(k, v, append)
    local low = M.checkName(k)
    M.checkValue(k, v)
    if append then M.appendHeader(msg, low, k, v)
    else M.setHeader(msg, low, k, v) end
  end
  if headers[1] ~= nil then
    if type(headers[1]) == "table" then
      for _, kv in ipairs(headers) do add(kv[1], kv[2], true) end
    else
      for i = 1, #headers, 2 do add(headers[i], headers[i + 1], true) end
    end
    return
  end
  for k, v in pairs(headers) do add(k, v, false) end
end

-- The header methods ClientRequest and ServerResponse share, copied into
-- both classes (each keeps its own setHeader).
M.headerMethods = {}
local HM = M.headerMethods

function HM:appendHeader(name, value)
  if self.headersSent then error(M.headersSent("append"), 2) end
  local low = M.checkName(name)
  M.checkValue(name, value)
  M.appendHeader(self, low, name, value)
  return self
end

function HM:getHeader(name)
  errors.checkType(name, "name", "string")
  return M.getHeader(self, name)
end

function HM:hasHeader(name)
  errors.checkType(name, "name", "string")
  return M.getHeader(self, name) ~= nil
end

function HM:removeHeader(name)
  errors.checkType(name, "name", "string")
  if self.headersSent then error(M.headersSent("remove"), 2) end
  M.removeHeader(self, name)
end

function HM:getHeaders() return M.getHeaders(self) end
function HM:getHeaderNames() return M.getHeaderNames(self) end
function HM:getRawHeaderNames() return M.getHeaderNames(self, true) end

--[[ Chunks ]]

local Buffer = require("lode.buffer").Buffer
local isBuffer = Buffer.isBuffer

-- A chunk for write(): a string or Buffer, other encodings converted.
function M.toChunk(chunk, encoding, level)
  local t = type(chunk)
  if t == "string" then
    if encoding ~= nil and encoding ~= "utf8" and encoding ~= "utf-8" then
      return Buffer.from(chunk, encoding)
    end
    return chunk
  end
  if isBuffer(chunk) then return chunk end
  if chunk == nil then
    error(errors.new(errors.TypeError, "ERR_STREAM_NULL_VALUES",
      "May not write null values to stream"), level or 3)
  end
  error(errors.invalidArgType("chunk", "string or an instance of Buffer",
    chunk), level or 3)
end

return M
