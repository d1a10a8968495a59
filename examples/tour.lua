-- A tour of lode: one short stop per module that exists so far.
-- Run it with `make run` or `build/lode examples/tour.lua`.
local EventEmitter = require("lode.events").EventEmitter
local util = require "lode.util"
local os_ = require "lode.os"
local path = require "lode.path"
local json = require "lode.json"
local timers = require "lode.timers"

console.log("lode %s on %s/%s, Lua %s", process.version, process.platform,
  process.arch, process.versions.lua)

-- events: listeners run synchronously, in order.
local bus = EventEmitter.new()
bus:on("greet", function(name) console.log("hello, %s!", name) end)
bus:emit("greet", "tour")

-- buffer: bytes with encodings, 0-based like Node.
local buf = Buffer.from("lode")
console.log(buf, buf:toString("hex"), buf:toString("base64"), buf[0])

-- util.inspect prints Lua literals.
console.log(util.inspect({ 1, 2, { value = 2 }, ["a-b"] = true }))

-- json: integers stay integers, null is json.null.
local doc = json.parse('{"n": 1, "x": 1.5, "list": [1, null, 3]}')
console.log(math.type(doc.n), doc.x, doc.list[2] == json.null,
  json.stringify({ 1, 2, 3 }))

-- path and os.
console.log(path.join("/usr", "lib", "..", "share"), path.extname("a.lua"))
console.log("cpus:", #os_.cpus(), "EOL is newline:", os_.EOL == "\n")

-- timers, nextTick, promises and tasks, in Node's order.
process.nextTick(function() console.log("1. nextTick") end)
Promise.resolve():next(function() console.log("2. microtask") end)
setTimeout(function() console.log("4. timeout") end, 5)
setImmediate(function() console.log("3. immediate") end)

-- await works at top level: the main chunk is a task.
local v = await(timers.promises.setTimeout(10, "5. awaited a timer"))
console.log(v)

console.time("tour")
local results = await(Promise.all({ 1, Promise.resolve(2),
  timers.promises.setTimeout(1, 3) }))
console.log("Promise.all:", util.inspect(results))
console.timeEnd("tour")

-- stream: Readable.from, a Transform and pipeline, awaited as a Promise.
local stream = require "lode.stream"
local words = {}
await(stream.promises.pipeline(
  stream.Readable.from({ "to ", "the ", "sea" }),
  stream.Transform.new({ transform = function(_, chunk, _, cb)
    cb(nil, chunk:toString():upper())
  end }),
  stream.Writable.new({ write = function(_, chunk, _, cb)
    words[#words + 1] = tostring(chunk)
    cb()
  end })))
console.log("pipeline:", table.concat(words))

-- fs: the same calls in Promise, Sync and callback forms.
local fs = require "lode.fs"
local file = path.join(os_.tmpdir(), "lode-tour-" .. process.pid .. ".txt")
await(fs.promises.writeFile(file, "hello from fs"))
console.log(fs.readFileSync(file, "utf8"), fs.statSync(file).size)
fs.unlink(file, function(err) console.log("unlinked:", err == nil) end)

-- zlib: one-shot gzip and back, awaited; Brotli in its Sync form.
local zlib = require "lode.zlib"
local packed = await(zlib.gzip(string.rep("lode ", 100)))
console.log("gzip: 500 bytes ->", #packed, "->",
  #zlib.gunzipSync(packed), "; brotli:",
  #zlib.brotliCompressSync(string.rep("lode ", 100)))

-- crypto: a digest, random bytes, and an AES-256-GCM round trip.
local crypto = require "lode.crypto"
console.log("sha256:", crypto.createHash("sha256"):update("lode")
  :digest("hex"):sub(1, 16) .. "...")
local key, iv = crypto.randomBytes(32), crypto.randomBytes(12)
local c = crypto.createCipheriv("aes-256-gcm", key, iv)
local sealed = c:update("secret") .. c:final()
local d = crypto.createDecipheriv("aes-256-gcm", key, iv)
d:setAuthTag(c:getAuthTag())
console.log("aes-256-gcm:", d:update(sealed, nil, "utf8") .. d:final("utf8"))

process:on("exit", function(code)
  console.log("exit code %d; bye", code)
end)
