-- Node's string_decoder: StringDecoder.new(enc), :write(buf) and
-- :finish(buf) (Node's end; the key "end" is an alias). Decodes Buffers
-- to Lua strings (UTF-8 text) without splitting a character across
-- writes: whole pieces go through Buffer's toString, and only the
-- incomplete trailing bytes (at most 3) are carried to the next write.
local class = require "lode.internal.class"
local errors = require "lode.internal.errors"
local Buffer = require("lode.buffer").Buffer

local StringDecoder = class.Object:extend("StringDecoder")

local NAMES = {
  utf8 = "utf8", ["utf-8"] = "utf8", utf16le = "utf16le",
  ["utf-16le"] = "utf16le", ucs2 = "utf16le", ["ucs-2"] = "utf16le",
  base64 = "base64", base64url = "base64url", hex = "hex",
  latin1 = "latin1", binary = "latin1", ascii = "ascii",
}

local function normalize(enc)
  if enc == nil or enc == "" then return "utf8" end
  local name = type(enc) == "string" and NAMES[enc:lower()]
  if not name then
    error(errors.new(errors.TypeError, "ERR_UNKNOWN_ENCODING",
      "Unknown encoding: " .. tostring(enc)), 3)
  end
  return name
end

function StringDecoder:init(encoding)
  self.encoding = normalize(encoding)
  self.pending = ""
end

-- The length of the UTF-8 character that byte 'lead' starts, as Node's
-- decoder reads lead bytes: 0 for ASCII, continuation bytes and
-- 0xF8..0xFF, which start no character to wait for.
local function utf8Need(lead)
  if lead >= 0xF8 then return 0 end
  if lead >= 0xF0 then return 4 end
  if lead >= 0xE0 then return 3 end
  if lead >= 0xC0 then return 2 end
  return 0
end

-- Where the incomplete UTF-8 character at the end of buf[from, n)
-- starts (n when the end is complete). Held bytes need not be valid:
-- they are decoded (with U+FFFD for what is not) once the character is
-- complete or cut, as Node hands them to V8.
local function utf8Tail(buf, from, n)
  for j = n - 1, math.max(from, n - 3), -1 do
    local b = buf[j]
    if b < 0x80 or b >= 0xC0 then          -- not a continuation byte
      local need = utf8Need(b)
      return need > 0 and j + need > n and j or n
    end
  end
  return n
end

local function highSurrogateAt(buf, j)
  local hi = buf[j + 1]
  return hi >= 0xD8 and hi <= 0xDB
end

-- Where the incomplete UTF-16LE unit or surrogate pair at the end of
-- buf[from, n) starts. Unlike Node, a high surrogate is held with an odd
-- byte after it: Node may return the two halves of a pair from two
-- writes, which JavaScript's string concatenation joins again, but a
-- Lua string has no lone surrogates (each would be U+FFFD).
local function utf16Tail(buf, from, n)
  local t = n - (n - from) % 2
  if t - 2 >= from and highSurrogateAt(buf, t - 2) then t = t - 2 end
  return t
end

-- The bytes buf[a, b) as a Lua string.
local function bytes(buf, a, b)
  return a < b and buf:slice(a, b) .. "" or ""
end

local function decodeRaw(s, enc)
  return Buffer.from(s):toString(enc)
end

-- Completes the carried character (base64: group of three bytes) with
-- the first bytes of buf; returns the decoded text and how many bytes
-- of buf it used.
local function completePending(self, buf, n, enc)
  local p, used = self.pending, 0
  if enc == "utf8" then
    while used < n do
      local b = buf[used]
      if b < 0x80 or b >= 0xC0 then        -- not a continuation byte:
        self.pending = ""                  -- the character is cut here
        return decodeRaw(p, enc), used
      end
      p = p .. string.char(b)
      used = used + 1
      if #p >= utf8Need(p:byte(1)) then
        self.pending = ""
        return decodeRaw(p, enc), used
      end
    end
  elseif enc == "utf16le" then
    while used < n do
      p = p .. string.char(buf[used])
      used = used + 1
      local hi = p:byte(2)
      if #p == 4 or (#p == 2 and not (hi >= 0xD8 and hi <= 0xDB)) then
        self.pending = ""
        return decodeRaw(p, enc), used
      end
    end
  else                                     -- base64, base64url
    while used < n and #p < 3 do
      p = p .. string.char(buf[used])
      used = used + 1
    end
    if #p == 3 then
      self.pending = ""
      return decodeRaw(p, enc), used
    end
  end
  self.pending = p
  return "", used
end

-- write(buf): the text of the complete characters seen so far.
function StringDecoder:write(buf)
  if type(buf) == "string" then return buf end
  if not Buffer.isBuffer(buf) then
    error(errors.new(errors.TypeError, "ERR_INVALID_ARG_TYPE",
      'The "buf" argument must be an instance of Buffer, TypedArray, or ' ..
      "DataView. " .. errors.describe(buf)), 2)
  end
  local enc, n = self.encoding, #buf
  if enc == "hex" or enc == "latin1" or enc == "ascii" then
    return buf:toString(enc)
  end
  local head, start = "", 0
  if self.pending ~= "" then
    head, start = completePending(self, buf, n, enc)
    if self.pending ~= "" or start == n then return head end
  end
  local tail
  if enc == "utf8" then
    tail = utf8Tail(buf, start, n)
  elseif enc == "utf16le" then
    tail = utf16Tail(buf, start, n)
  else
    tail = n - (n - start) % 3
  end
  if tail < n then self.pending = bytes(buf, tail, n) end
  if start == 0 and tail == n and head == "" then
    return buf:toString(enc)
  end
  if tail == start then return head end
  return head .. buf:toString(enc, start, tail)
end

-- finish(buf): writes buf, then decodes what was carried (a cut UTF-8
-- character gives U+FFFD, an odd UTF-16LE byte nothing) and resets the
-- decoder.
function StringDecoder:finish(buf)
  local out = buf ~= nil and self:write(buf) or ""
  local p = self.pending
  if p == "" then return out end
  self.pending = ""
  local enc = self.encoding
  if enc == "utf16le" then
    local even = #p - #p % 2
    if even == 0 then return out end
    return out .. decodeRaw(p:sub(1, even), enc)
  end
  return out .. decodeRaw(p, enc)
end
StringDecoder["end"] = StringDecoder.finish

return { StringDecoder = StringDecoder }
