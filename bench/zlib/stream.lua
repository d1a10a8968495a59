-- bench/zlib.sh's lode side: MODE IN OUT through a zlib stream pipeline
-- (fs read stream -> createGzip/createGunzip/createBrotli* -> fs write
-- stream), as bench/zlib/stream.js does in Node.
-- usage: lode bench/zlib/stream.lua gzip|gunzip|br|unbr IN OUT
local zlib = require "lode.zlib"
local fs = require "lode.fs"
local stream = require "lode.stream"

local mode, input, output = arg[1], arg[2], arg[3]
local C = zlib.constants
local z
if mode == "gzip" then
  z = zlib.createGzip({ level = 6 })
elseif mode == "gunzip" then
  z = zlib.createGunzip()
elseif mode == "br" then
  z = zlib.createBrotliCompress({ params = {
    [C.BROTLI_PARAM_QUALITY] = 4 } })
else
  z = zlib.createBrotliDecompress()
end
stream.pipeline(fs.createReadStream(input), z, fs.createWriteStream(output),
  function(err)
    if err then
      io.stderr:write(tostring(err), "\n")
      os.exit(1)
    end
  end)
