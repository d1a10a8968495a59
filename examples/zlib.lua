-- The article's "zlib" section, in Lua: gzip file.txt through a stream
-- pipeline (callback form), then gunzip it back with the promise form of
-- pipeline (stream.promises, as Node's 'stream/promises') and print what
-- came out. The script first makes its own file.txt in the current
-- directory.
local zlib = require "lode.zlib"
local stream = require "lode.stream"
local fs = require "lode.fs"

fs.writeFileSync("file.txt", "hello\n")

local function decompress()
  local gunzip = zlib.createGunzip()
  local read = fs.createReadStream("file.txt.gz")
  local write = fs.createWriteStream("file-gziped.txt")

  await(stream.promises.pipeline(read, gunzip, write))

  process.stdout:write(fs.readFileSync("file-gziped.txt", "utf8"))
end

local gzip = zlib.createGzip()
local source = fs.createReadStream("file.txt")
local destination = fs.createWriteStream("file.txt.gz")

stream.pipeline(source, gzip, destination, function(err)
  if err then
    console.error("Compression failed", err)
  else
    console.log("Compression successful!")
    async(decompress)()
  end
end)
