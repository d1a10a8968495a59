-- process.stdin/stdout/stderr in the lode binary: synchronous output to
-- files and pipes that interleaves with print() and io.write and survives
-- process.exit; stdout on a socket; stdin in flowing and paused modes,
-- ending at EOF, and not keeping the process alive unless read.
local function script(body)
  local p = os.tmpname()
  local f = assert(io.open(p, "w"))
  f:write(body)
  f:close()
  return p
end

-- Runs `lode <script>` under sh with the given redirections; returns
-- the shell's exit status.
local function sh(cmd)
  local ok, how, code = os.execute(cmd)
  local _ = ok
  return how == "exit" and code or 128 + code
end

local function slurp(p)
  local f = assert(io.open(p, "rb"))
  local s = f:read("a")
  f:close()
  os.remove(p)
  return s
end

local MIXED = [[
print("print 1")
console.log("console %d", 1)
io.write("io.write 1\n")
process.stdout:write("stdout 1\n")
print("print 2")
process.stdout:write("stdout 2\n", function() print("callback") end)
console.log("console 2")
]]
local MIXED_OUT = "print 1\nconsole 1\nio.write 1\nstdout 1\nprint 2\n"
  .. "stdout 2\nconsole 2\ncallback\n"

describe("process.stdout", function()
  it("interleaves with print and io.write when writing to a file", function()
    local s, out = script(MIXED), os.tmpname()
    assert.are.equal(0, sh(("%s %s > %s"):format(lode_bin, s, out)))
    assert.are.equal(MIXED_OUT, slurp(out))
    os.remove(s)
  end)

  it("interleaves with print and io.write through a pipe", function()
    local s, out = script(MIXED), os.tmpname()
    assert.are.equal(0, sh(("%s %s | cat > %s"):format(lode_bin, s, out)))
    assert.are.equal(MIXED_OUT, slurp(out))
    os.remove(s)
  end)

  it("interleaves stdout and stderr in call order", function()
    local s = script([[
console.log("out 1")
console.error("err 1")
process.stdout:write("out 2\n")
process.stderr:write("err 2\n")
io.stderr:write("err 3\n")
]])
    local out = os.tmpname()
    assert.are.equal(0, sh(("%s %s > %s 2>&1"):format(lode_bin, s, out)))
    assert.are.equal("out 1\nerr 1\nout 2\nerr 2\nerr 3\n", slurp(out))
    os.remove(s)
  end)

  it("loses nothing written before process.exit", function()
    local s = script([[
local line = string.rep("x", 1023) .. "\n"
for _ = 1, 2048 do process.stdout:write(line) end
process.exit(0)
]])
    local out = os.tmpname()
    assert.are.equal(0, sh(("%s %s | wc -c > %s"):format(lode_bin, s, out)))
    assert.are.equal(2048 * 1024, tonumber(slurp(out)))
    os.remove(s)
  end)

  it("is a Writable with fd and isTTY", function()
    local out = run_lode("-e " .. shq([[
local stream = require "lode.stream"
local o = process.stdout
print(o.fd, process.stderr.fd, o.isTTY, o.writable,
  require("lode.internal.class").instanceOf(o, stream.Writable))
o:write(Buffer.from("buffer\n"))
o:write("68690a", "hex")
]]))
    assert.are.equal("1\t2\tfalse\ttrue\ttrue\nbuffer\nhi\n", out)
  end)

  it("writes through a net.Socket when stdout is a socket", function()
    local s = script([[
for i = 1, 3 do process.stdout:write("line " .. i .. "\n") end
console.log(process.stdout._type, process.stdout.writable)
]])
    local py = ([==[
import socket, subprocess, sys
a, b = socket.socketpair()
p = subprocess.Popen([sys.argv[1], sys.argv[2]], stdout=b)
b.close()
data = b""
while True:
    d = a.recv(65536)
    if not d: break
    data += d
p.wait()
sys.stdout.write(data.decode() + "exit %d\n" % p.returncode)
]==])
    local f = io.popen(("timeout 20 python3 -c %s %s %s"):format(shq(py),
      shq(lode_bin), shq(s)))
    local out = f:read("a")
    f:close()
    os.remove(s)
    assert.are.equal("line 1\nline 2\nline 3\npipe true\nexit 0\n", out)
  end)
end)

describe("process.stdin", function()
  local READ_ALL = [[
local n, parts = 0, {}
process.stdin:on("data", function(d)
  n = n + 1
  parts[#parts + 1] = tostring(d)
end)
process.stdin:on("end", function()
  print(table.concat(parts) .. "|end")
end)
]]

  it("reads a pipe in flowing mode and ends at EOF", function()
    local s, out = script(READ_ALL), os.tmpname()
    assert.are.equal(0, sh(("printf 'a\\nb\\n' | %s %s > %s"):format(
      lode_bin, s, out)))
    assert.are.equal("a\nb\n|end\n", slurp(out))
    os.remove(s)
  end)

  it("reads a file and an empty stdin", function()
    local out = run_lode("-e " .. shq(READ_ALL), "from a file")
    assert.are.equal("from a file|end\n", out)
    out = run_lode("-e " .. shq(READ_ALL), "")
    assert.are.equal("|end\n", out)
  end)

  it("reads in paused mode with 'readable' and read()", function()
    local s, out = script([[
process.stdin:setEncoding("utf8")
local got = {}
process.stdin:on("readable", function()
  local chunk = process.stdin:read()
  while chunk ~= nil do
    got[#got + 1] = chunk
    chunk = process.stdin:read()
  end
end)
process.stdin:on("end", function()
  print(type(got[1]), table.concat(got))
end)
]]), os.tmpname()
    assert.are.equal(0, sh(("printf 'xyz' | %s %s > %s"):format(
      lode_bin, s, out)))
    assert.are.equal("string\txyz\n", slurp(out))
    os.remove(s)
  end)

  it("does not keep the process alive unless read", function()
    local s = script([[
local _ = process.stdin
print("untouched")
]])
    local out = os.tmpname()
    -- The writer stays open for 2 s; lode must be done long before.
    assert.are.equal(0, sh(("(sleep 2; echo late) 2>/dev/null | "
      .. "timeout 1.5 %s %s > %s"):format(lode_bin, s, out)))
    assert.are.equal("untouched\n", slurp(out))
    os.remove(s)
  end)

  it("lets the process end once paused", function()
    -- As Node: pause() inside the 'data' listener would read once more
    -- (the stream reads ahead on that tick); paused later, it stops.
    local s = script([[
process.stdin:once("data", function(d)
  io.write("got ", tostring(d))
  setTimeout(function() process.stdin:pause() end, 10)
end)
]])
    local out = os.tmpname()
    assert.are.equal(0, sh(("(echo first; sleep 2; echo late) 2>/dev/null | "
      .. "timeout 1.5 %s %s > %s"):format(lode_bin, s, out)))
    assert.are.equal("got first\n", slurp(out))
    os.remove(s)
  end)
end)
