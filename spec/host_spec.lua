-- The lode binary as a user runs it (API.md section 1), as a subprocess.
describe("the lode binary", function()
  local function lode(args, stdin) return run_lode(args, stdin) end

  it("runs -e code and exits 0", function()
    local out, err, code = lode("-e " .. shq('print("hi", 1, 2.5)'))
    assert.equal("hi\t1\t2.5\n", out)
    assert.equal("", err)
    assert.equal(0, code)
  end)

  it("reads the script from stdin with -", function()
    local out, _, code = lode("- a b", 'print(select("#", ...), ...)')
    assert.equal("2\ta\tb\n", out)
    assert.equal(0, code)
  end)

  it("runs a file with arguments in process.argv and arg", function()
    local p = os.tmpname() .. ".lua"
    local f = io.open(p, "w")
    f:write("#!/usr/bin/env lode\n",
      "print(#process.argv, process.argv[3], arg[0] ~= nil, arg[1], ...)\n")
    f:close()
    local out, _, code = lode(shq(p) .. " x y")
    os.remove(p)
    assert.equal("4\tx\ttrue\tx\tx\ty\n", out)
    assert.equal(0, code)
  end)

  it("prints its version and the library versions", function()
    local out = lode("--version")
    assert.matches("^v%d+%.%d+%.%d+\n$", out)
    out = lode("--versions")
    assert.matches("lode: ", out)
    assert.matches("lua: 5%.4", out)
    assert.matches("uv: 1%.", out)
    for _, lib in ipairs({ "zlib", "brotli", "mbedtls", "nettle",
      "llhttp" }) do
      assert.matches("\n" .. lib .. ": %d+%.%d+", out)
    end
  end)

  it("keeps running until timers are done, then exits", function()
    local out, _, code = lode("-e " .. shq(
      'setTimeout(function() print("late") end, 20) print("early")'))
    assert.equal("early\nlate\n", out)
    assert.equal(0, code)
  end)

  it("exits with process.exitCode or process.exit's code", function()
    local _, _, code = lode("-e " .. shq("process.exitCode = 7"))
    assert.equal(7, code)
    local out
    out, _, code = lode("-e " .. shq(
      'process:on("exit", function(c) print("exit", c) end) ' ..
      'process.exit(3) print("not here")'))
    assert.equal("exit\t3\n", out)
    assert.equal(3, code)
  end)

  it("emits 'beforeExit' and keeps going if it queues work", function()
    local out = lode("-e " .. shq([[
      local n = 0
      process:on("beforeExit", function()
        n = n + 1
        if n < 3 then setTimeout(function() print("again", n) end, 1) end
      end)]]))
    assert.equal("again\t1\nagain\t2\n", out)
  end)

  it("prints Uncaught and a traceback, then exits 1", function()
    local out, err, code = lode("-e " .. shq(
      'setTimeout(function() error(TypeError.new("bad thing")) end, 1)'))
    assert.equal("", out)
    assert.matches("^Uncaught TypeError: bad thing\nstack traceback:", err)
    assert.equal(1, code)
  end)

  it("reports a raise in the main chunk with its line", function()
    local _, err, code = lode("-e " .. shq('\nerror("top")'))
    assert.matches("^Uncaught %[eval%]:2: top", err)
    assert.equal(1, code)
  end)

  it("lets 'uncaughtException' listeners keep the process going", function()
    local out, _, code = lode("-e " .. shq([[
      process:on("uncaughtException", function(e, origin)
        print("caught", e.message, origin)
      end)
      setTimeout(function() error(Error.new("x")) end, 1)
      setTimeout(function() print("still here") end, 5)]]))
    assert.equal("caught\tx\tuncaughtException\nstill here\n", out)
    assert.equal(0, code)
  end)

  it("treats an unhandled rejection as uncaught, or emits it", function()
    local _, err, code = lode("-e " .. shq('Promise.reject(Error.new("r"))'))
    assert.matches("^Uncaught Error: r", err)
    assert.equal(1, code)
    local out
    out, _, code = lode("-e " .. shq([[
      process:on("unhandledRejection", function(r) print("got", r) end)
      Promise.reject("why")]]))
    assert.equal("got\twhy\n", out)
    assert.equal(0, code)
  end)

  it("reports a syntax error with the file and line, exit 1", function()
    local p = os.tmpname() .. ".lua"
    local f = io.open(p, "w")
    f:write("local x = 1\nx = = 2\n")
    f:close()
    local out, err, code = lode(shq(p))
    os.remove(p)
    assert.equal("", out)
    assert.matches(p:gsub("%p", "%%%0") .. ":2:", err)
    assert.equal(1, code)
  end)

  it("reports a missing script as Cannot find module, exit 1", function()
    local _, err, code = lode("/nonexistent/x.lua")
    assert.matches("Cannot find module '/nonexistent/x.lua'", err)
    assert.equal(1, code)
  end)

  it("turns deep recursion in a callback into an Uncaught error", function()
    local _, err, code = lode("-e " .. shq(
      "local function f() return 1 + f() end setTimeout(f, 1)"))
    assert.matches("^Uncaught .*stack overflow", err)
    assert.equal(1, code)
  end)

  it("delivers SIGTERM to a listener instead of dying", function()
    local out, _, code = lode("-e " .. shq([[
      process:on("SIGTERM", function(sig) print("got", sig) end)
      setTimeout(function() process.kill(process.pid, "SIGTERM") end, 5)
      setTimeout(function() print("done") end, 100)]]))
    assert.equal("got\tSIGTERM\ndone\n", out)
    assert.equal(0, code)
  end)

  it("dies of SIGINT like Node when nobody listens", function()
    local out, _, code = lode("-e " .. shq([[
      print("before")
      process.kill(process.pid, "SIGINT")
      setTimeout(function() print("after") end, 200)]]))
    assert.equal("before\n", out)
    assert.equal(128 + 2, code)
  end)

  it("await works at top level", function()
    local out = lode("-e " .. shq([[
      local timers = require "lode.timers"
      print(await(timers.promises.setTimeout(5, "awaited")))]]))
    assert.equal("awaited\n", out)
  end)

  it("finds modules next to the script", function()
    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. shq(dir))
    local f = io.open(dir .. "/helpermod.lua", "w")
    f:write("return { v = 42 }\n")
    f:close()
    f = io.open(dir .. "/main.lua", "w")
    f:write("print(require('helpermod').v)\n")
    f:close()
    local out = lode(shq(dir .. "/main.lua"))
    os.execute("rm -rf " .. shq(dir))
    assert.equal("42\n", out)
  end)

  it("lists what keeps the loop alive", function()
    local out = lode("-e " .. shq([[
      local t = setTimeout(function() end, 50)
      print(table.concat(process.getActiveResourcesInfo(), ","))
      t:unref()
      print(#process.getActiveResourcesInfo())]]))
    assert.equal("Timeout\n0\n", out)
  end)
end)

describe("the REPL", function()
  local function have_python()
    return os.execute("command -v python3 >/dev/null 2>&1")
  end

  it("evaluates expressions on a terminal and exits at end of input",
    function()
      assert.is_truthy(have_python(), "python3 is needed for the pty test")
      local script = [==[
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1]])
out = b""
def drain(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try: out += os.read(fd, 4096)
            except OSError: return
drain(0.5)
os.write(fd, b"1 + 2\r")
drain(0.5)
os.write(fd, b"local t = {a = 1}\r")
os.write(fd, b"x = 40\r")
os.write(fd, b"x + 2\r")
drain(0.5)
os.write(fd, b"\x04")
drain(0.5)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.stdout.write("\nEXIT %d\n" % os.WEXITSTATUS(status))
]==]
      local p = os.tmpname()
      local f = io.open(p, "w")
      f:write(script)
      f:close()
      local h = io.popen("timeout 20 python3 " .. shq(p) .. " " .. shq(lode_bin))
      local out = h:read("a")
      h:close()
      os.remove(p)
      assert.matches("Welcome to lode", out)
      assert.matches("\n3\r?\n", out)
      assert.matches("\n42\r?\n", out)
      assert.matches("EXIT 0", out)
    end)
end)
