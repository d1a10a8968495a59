-- The article's "Buffer" section, in Lua. Indices are 0-based, as in
-- Node.
local Buffer = require("lode.buffer").Buffer

-- A 3-byte buffer; 256 overflows to 0.
local buffer = Buffer.alloc(3)

buffer[0] = 0
buffer[1] = 1
buffer[2] = 256

console.log(buffer) -- <Buffer 00 01 00>

-- From a string, with an encoding.
buffer = Buffer.from("hello", "utf8")

console.log(buffer) -- <Buffer 68 65 6c 6c 6f>
console.log(buffer.byteLength) -- 5

console.log(buffer:toString("utf8")) -- hello
console.log(buffer:toString("hex")) -- 68656c6c6f

-- Iterating over the bytes: 104 101 108 108 111
buffer = Buffer.from("hello")

for b in buffer:values() do
  console.log(b)
end
