-- The article's "Stream" section, in Lua. Each part waits for the one
-- before it (the main chunk is a task, so `await` works at top level),
-- which keeps the output in this order.
local fs = require "lode.fs"
local events = require "lode.events"
local stream = require "lode.stream"
local Readable = stream.Readable

-- The file the article assumes: one line, "hello".
fs.writeFileSync("file.txt", "hello")

-- Readable.from: a string is one chunk.
local readableStream = Readable.from("hello streams")

readableStream:on("data", function(chunk)
  console.log(chunk) -- hello streams
end)
await(stream.finished(readableStream))

-- A readable file stream whose chunks are 1 byte (highWaterMark = 1).
local readStream = fs.createReadStream("file.txt", { highWaterMark = 1 })

readStream:on("data", function(chunk)
  console.log(chunk:toString()) -- h e l l o
end)
await(events.once(readStream, "close"))

-- A writable file stream: write() several times, then finish() (Node's
-- end()).
local writeStream = fs.createWriteStream("example.txt")

writeStream:write("hello ")
writeStream:write("world")
writeStream:finish()
await(events.once(writeStream, "finish"))

console.log(fs.readFileSync("example.txt", "utf8")) -- hello world
