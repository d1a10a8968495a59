local os_ = require "lode.os"
local sys = require "lode.binding.os"

-- The output of a shell command, without trailing white space.
local function output(cmd) return (shell(cmd):gsub("%s+$", "")) end

local function readfile(p)
  local f = io.open(p)
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return (s:gsub("%s+$", ""))
end

-- Runs fn with the environment variable set (nil: unset), then restores.
local function withenv(name, value, fn)
  local old = sys.getenv(name)
  if value == nil then sys.unsetenv(name) else sys.setenv(name, value) end
  local ok, err = pcall(fn)
  if old == nil then sys.unsetenv(name) else sys.setenv(name, old) end
  assert(ok, err)
end

describe("lode.os", function()
  it("names the platform and architecture as Node", function()
    assert.equal("linux", os_.platform())
    assert.equal("Linux", os_.type())
    local m = output("uname -m")
    local want = ({ x86_64 = "x64", aarch64 = "arm64", i686 = "ia32",
      armv7l = "arm", riscv64 = "riscv64", s390x = "s390x",
      ppc64le = "ppc64" })[m]
    assert.equal(want, os_.arch())
    assert.equal(m, os_.machine())
    assert.equal(output("uname -r"), os_.release())
    assert.equal(output("uname -v"), os_.version())
    assert.equal("LE", os_.endianness())
  end)

  it("has Node's EOL and devNull", function()
    assert.equal("\n", os_.EOL)
    assert.equal("/dev/null", os_.devNull)
  end)

  it("reports the host name", function()
    local want = readfile("/proc/sys/kernel/hostname") or output("hostname")
    assert.equal(want, os_.hostname())
  end)

  it("reports memory sizes as integers in bytes", function()
    local total, free = os_.totalmem(), os_.freemem()
    assert.equal("integer", math.type(total))
    assert.equal("integer", math.type(free))
    assert.is_true(total > 0 and free > 0 and free <= total)
    local kb = readfile("/proc/meminfo"):match("MemTotal:%s+(%d+) kB")
    assert.equal(tonumber(kb) * 1024, total)
  end)

  it("lists CPUs as { model, speed, times }", function()
    local cpus = os_.cpus()
    assert.is_true(#cpus >= 1)
    for _, c in ipairs(cpus) do
      assert.equal("string", type(c.model))
      assert.equal("integer", math.type(c.speed))
      for _, k in ipairs({ "user", "nice", "sys", "idle", "irq" }) do
        assert.equal("integer", math.type(c.times[k]))
      end
    end
    assert.is_true(os_.availableParallelism() >= 1)
    assert.is_true(os_.availableParallelism() <= #cpus)
  end)

  it("reports uptime and load averages", function()
    local up = os_.uptime()
    assert.is_true(up > 0)
    local proc = tonumber(readfile("/proc/uptime"):match("^(%S+)"))
    assert.is_true(math.abs(proc - up) < 5)
    local avg = os_.loadavg()
    assert.equal(3, #avg)
    for i = 1, 3 do assert.is_true(avg[i] >= 0) end
  end)

  it("finds the home directory through $HOME first", function()
    withenv("HOME", "/some/home", function()
      assert.equal("/some/home", os_.homedir())
    end)
  end)

  it("picks tmpdir as Node: TMPDIR, TMP, TEMP, /tmp", function()
    withenv("TMPDIR", "/x/tmp/", function()
      assert.equal("/x/tmp", os_.tmpdir())
    end)
    withenv("TMPDIR", nil, function()
      withenv("TMP", nil, function()
        withenv("TEMP", "/t", function()
          assert.equal("/t", os_.tmpdir())
        end)
        withenv("TEMP", nil, function()
          assert.equal("/tmp", os_.tmpdir())
        end)
      end)
    end)
    withenv("TMPDIR", "/", function() assert.equal("/", os_.tmpdir()) end)
  end)

  it("describes the current user", function()
    local u = os_.userInfo()
    assert.equal(tonumber(output("id -u")), u.uid)
    assert.equal(tonumber(output("id -g")), u.gid)
    assert.equal(output("id -un"), u.username)
    assert.equal("string", type(u.homedir))
  end)

  it("groups network interfaces by name with Node's fields", function()
    local ifs = os_.networkInterfaces()
    local lo
    for _, e in ipairs(ifs.lo or {}) do
      if e.family == "IPv4" then lo = e end
    end
    assert.is_table(lo)
    assert.equal("127.0.0.1", lo.address)
    assert.equal("255.0.0.0", lo.netmask)
    assert.equal("127.0.0.1/8", lo.cidr)
    assert.equal("00:00:00:00:00:00", lo.mac)
    assert.is_true(lo.internal)
    assert.is_nil(lo.name)
    for _, list in pairs(ifs) do
      for _, e in ipairs(list) do
        if e.family == "IPv6" then
          assert.equal("integer", math.type(e.scopeid))
        end
        assert.matches("^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$", e.mac)
      end
    end
  end)

  it("has Node's constants", function()
    local s = os_.constants.signals
    assert.equal(1, s.SIGHUP)
    assert.equal(2, s.SIGINT)
    assert.equal(9, s.SIGKILL)
    assert.equal(15, s.SIGTERM)
    assert.equal(10, s.SIGUSR1)
    assert.equal(28, s.SIGWINCH)
    local e = os_.constants.errno
    assert.equal(2, e.ENOENT)
    assert.equal(13, e.EACCES)
    assert.equal(98, e.EADDRINUSE)
    assert.equal(0, os_.constants.priority.PRIORITY_NORMAL)
    assert.equal(-20, os_.constants.priority.PRIORITY_HIGHEST)
  end)

  describe("getPriority()/setPriority()", function()
    it("reads and writes this process's priority", function()
      local p = os_.getPriority()
      assert.equal("integer", math.type(p))
      assert.equal(p, os_.getPriority(0))
      assert.equal(p, os_.getPriority(sys.getpid()))
      os_.setPriority(p)
      os_.setPriority(0, p)
      assert.equal(p, os_.getPriority())
    end)

    it("validates as Node's validateInt32", function()
      local ok, err = pcall(os_.setPriority, 0, 20)
      assert.is_false(ok)
      assert.equal("ERR_OUT_OF_RANGE", err.code)
      assert.equal('The value of "priority" is out of range. It must be ' ..
        ">= -20 && <= 19. Received 20", err.message)
      ok, err = pcall(os_.getPriority, "x")
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
      ok, err = pcall(os_.getPriority, 1.5)
      assert.equal("ERR_OUT_OF_RANGE", err.code)
    end)

    it("raises ERR_SYSTEM_ERROR for a missing process", function()
      local ok, err = pcall(os_.getPriority, 2147483647)
      assert.is_false(ok)
      assert.equal("ERR_SYSTEM_ERROR", err.code)
      assert.equal("A system error occurred: uv_os_getpriority returned " ..
        "ESRCH (no such process)", err.message)
      assert.equal(-3, err.errno)
      assert.equal("uv_os_getpriority", err.syscall)
      assert.same({ errno = -3, code = "ESRCH", message = "no such process",
        syscall = "uv_os_getpriority" }, err.info)
    end)
  end)
end)

describe("lode.binding.os", function()
  it("knows the process ids and executable", function()
    local stat = readfile("/proc/self/stat")
    local pid, ppid = stat:match("^(%d+) %b() %a (%d+)")
    assert.equal(tonumber(pid), sys.getpid())
    assert.equal(tonumber(ppid), sys.getppid())
    assert.equal(output("readlink -f /proc/" .. sys.getpid() .. "/exe"),
      sys.exepath())
  end)

  it("gets and changes the working directory", function()
    local before = sys.cwd()
    assert.equal(output("pwd"), before)
    assert.is_true(sys.chdir("/"))
    assert.equal("/", sys.cwd())
    assert.is_true(sys.chdir(before))
    assert.equal(before, sys.cwd())
  end)

  it("returns the fail-triple on failure", function()
    local ok, msg, status = sys.chdir("/nonexistent/dir")
    assert.is_nil(ok)
    assert.equal("ENOENT: no such file or directory", msg)
    assert.equal(-2, status)
    ok, msg, status = sys.getPriority(2147483647)
    assert.is_nil(ok)
    assert.equal("ESRCH: no such process", msg)
    assert.equal(-3, status)
  end)

  it("reads and edits the environment", function()
    assert.equal(os.getenv("PATH"), sys.environ().PATH)
    assert.equal(os.getenv("PATH"), sys.getenv("PATH"))
    assert.is_nil(sys.getenv("LODE_SPEC_UNSET_VAR"))
    assert.is_true(sys.setenv("LODE_SPEC_VAR", "v=1"))
    assert.equal("v=1", os.getenv("LODE_SPEC_VAR"))
    assert.equal("v=1", sys.environ().LODE_SPEC_VAR)
    local long = ("x"):rep(5000)
    assert.is_true(sys.setenv("LODE_SPEC_VAR", long))
    assert.equal(long, sys.getenv("LODE_SPEC_VAR"))
    assert.is_true(sys.unsetenv("LODE_SPEC_VAR"))
    assert.is_nil(os.getenv("LODE_SPEC_VAR"))
    assert.is_nil(sys.environ().LODE_SPEC_VAR)
  end)

  it("tells terminals from other descriptors", function()
    assert.is_false(sys.isatty(-1))
    assert.is_false(sys.isatty(100000))
    assert.is_boolean(sys.isatty(0))
  end)

  it("frees libuv's lists under memory pressure (no leak)", function()
    for _ = 1, 200 do
      sys.cpus()
      sys.interfaces()
      sys.userInfo()
      sys.environ()
    end
    collectgarbage()
  end)
end)
