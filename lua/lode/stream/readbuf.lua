-- The read buffer of a Readable: an array of chunks from `head` to
-- `tail`, and what read(n) needs to take bytes or objects off it (Node's
-- howMuchToRead and fromList). In byte mode a chunk is a Buffer, or a
-- string once a decoder is set; decoded text is only cut between UTF-8
-- characters.
local Buffer = require("lode.buffer").Buffer
local errors = require "lode.internal.errors"

local M = {}

local MAX_HWM = 0x40000000

function M.computeNewHighWaterMark(n)
  if n > MAX_HWM then
    error(errors.outOfRange("size", "<= 1GiB", n), 3)
  end
  local p = 1
  while p < n do p = p * 2 end
  return p
end

function M.howMuchToRead(n, rs, len)
  if (n ~= nil and n <= 0) or (len == 0 and rs.ended) then return 0 end
  if rs.objectMode then return 1 end
  if n == nil then
    if rs.flowing and len > 0 then return #rs.buffer[rs.head] end
    return len
  end
  if n <= len then return n end
  return rs.ended and len or 0
end

-- Splits a chunk at byte n; decoded text is split only between UTF-8
-- characters, so the cut moves forward past continuation bytes.
local function cut(chunk, n)
  if type(chunk) == "string" then
    local b = chunk:byte(n + 1)
    while b and b >= 0x80 and b < 0xC0 do
      n = n + 1
      b = chunk:byte(n + 1)
    end
    return chunk:sub(1, n), chunk:sub(n + 1), n
  end
  return chunk:slice(0, n), chunk:slice(n), n
end

-- Moves the head of a non-empty buffer. Once most of the array is dead
-- slots, the live entries move back to the start, so indices stay in the
-- table's array part; each entry moves O(1) times on average.
function M.setHead(rs, h)
  if h <= 1024 or h <= rs.tail - h then
    rs.head = h
    return
  end
  local buf, t = rs.buffer, rs.tail
  table.move(buf, h, t, 1)
  for i = t - h + 2, t do buf[i] = nil end
  rs.head, rs.tail = 1, t - h + 1
end

-- Takes n bytes (one object) off the buffer; returns it and the amount.
function M.fromList(n, rs, len)
  if len == 0 then return nil, 0 end
  local buf, h, t = rs.buffer, rs.head, rs.tail
  local ret
  if rs.objectMode then
    ret = buf[h]
    buf[h] = nil
    h = h + 1
  elseif n >= len then
    if rs.decoder then
      ret = table.concat(buf, "", h, t)
    elseif h == t then
      ret = buf[h]
    else
      ret = Buffer.concat(table.move(buf, h, t, 1, {}), len)
    end
    for i = h, t do buf[i] = nil end
    h = t + 1
  elseif n < #buf[h] then
    ret, buf[h], n = cut(buf[h], n)
  elseif n == #buf[h] then
    ret = buf[h]
    buf[h] = nil
    h = h + 1
  else
    local parts, want, got = {}, n, 0
    while h <= t do
      local data = buf[h]
      if want > #data then
        parts[#parts + 1] = data
        want, got = want - #data, got + #data
        buf[h] = nil
        h = h + 1
      else
        local head, rest, k = cut(data, want)
        parts[#parts + 1] = head
        got = got + k
        if k == #data then
          buf[h] = nil
          h = h + 1
        else
          buf[h] = rest
        end
        break
      end
    end
    n = got
    ret = rs.decoder and table.concat(parts) or Buffer.concat(parts, got)
  end
  if h > t then
    rs.head, rs.tail = 1, 0
  else
    M.setHead(rs, h)
  end
  return ret, n
end

-- read()'s argument as an integer, nil meaning "all" (Node's NaN).
function M.toCount(n)
  if n == nil or math.type(n) == "integer" then return n end
  n = tonumber(n)
  if n == nil or n ~= n then return nil end
  return math.tointeger(n) or (n >= 0 and math.floor(n) or math.ceil(n))
end

return M
