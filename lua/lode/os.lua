-- lode.os: Node's os module (API.md section 4) over lode.binding.os.
-- Shapes are Node's: cpus() is a sequence of { model, speed, times =
-- { user, nice, sys, idle, irq } }, networkInterfaces() maps a name to a
-- sequence of entries, loadavg() is a sequence of 3 numbers; sizes are
-- integers (bytes). Failures raise ERR_SYSTEM_ERROR as Node's do. This
-- module must not require lode.process: process requires it.
local binding = require "lode.binding.os"
local errors = require "lode.internal.errors"

local os = {}

-- Node's ERR_SYSTEM_ERROR for a failed libuv call, from the fail-triple
-- of the binding ("ENOENT: no such file or directory", -2).
local function systemError(syscall, msg, status)
  local code, text = tostring(msg):match("^(%u[%u%d_]*): (.*)$")
  code, text = code or "UNKNOWN", text or tostring(msg)
  local err = errors.new(errors.SystemError, "ERR_SYSTEM_ERROR",
    ("A system error occurred: %s returned %s (%s)"):format(syscall, code,
      text))
  err.errno, err.syscall = status, syscall
  err.info = { errno = status, code = code, message = text,
    syscall = syscall }
  return err
end

local function check(syscall, v, msg, status)
  if v == nil then error(systemError(syscall, msg, status), 3) end
  return v
end

-- Facts fixed at startup, read once.
local uname
local function info()
  if uname == nil then uname = check("uv_os_uname", binding.uname()) end
  return uname
end

os.EOL = "\n"
os.devNull = "/dev/null"

function os.arch() return binding.arch end
function os.platform() return binding.platform end
function os.endianness() return binding.endianness end
function os.type() return info().sysname end
function os.release() return info().release end
function os.version() return info().version end
function os.machine() return info().machine end

function os.hostname()
  return check("uv_os_gethostname", binding.hostname())
end

function os.homedir()
  return check("uv_os_homedir", binding.homedir())
end

-- As Node: $TMPDIR, $TMP, $TEMP or /tmp, without a trailing slash.
function os.tmpdir()
  local p = binding.getenv("TMPDIR") or binding.getenv("TMP")
    or binding.getenv("TEMP") or "/tmp"
  if #p > 1 and p:sub(-1) == "/" then p = p:sub(1, -2) end
  return p
end

function os.totalmem() return binding.totalmem() end
function os.freemem() return binding.freemem() end
function os.availableParallelism() return binding.availableParallelism() end

function os.uptime() return check("uv_uptime", binding.uptime()) end
function os.loadavg() return binding.loadavg() end

function os.cpus()
  return binding.cpus() or {}
end

function os.networkInterfaces()
  local list = check("uv_interface_addresses", binding.interfaces())
  local out = {}
  for _, entry in ipairs(list) do
    local name = entry.name
    entry.name = nil
    out[name] = out[name] or {}
    table.insert(out[name], entry)
  end
  return out
end

-- userInfo() -> { uid, gid, username, homedir, shell } (shell nil when
-- the passwd entry has none).
function os.userInfo()
  return check("uv_os_get_passwd", binding.userInfo())
end

-- Node's validateInt32: a number, integral, within [min, max].
local function checkInt32(v, name, min, max)
  if type(v) ~= "number" then
    error(errors.invalidArgType(name, "number", v), 3)
  end
  if v ~= v or v % 1 ~= 0 then
    error(errors.outOfRange(name, "an integer", v), 3)
  end
  min, max = min or -2147483648, max or 2147483647
  if v < min or v > max then
    error(errors.outOfRange(name, (">= %d && <= %d"):format(min, max), v), 3)
  end
  return math.tointeger(v)
end

function os.getPriority(pid)
  pid = pid == nil and 0 or checkInt32(pid, "pid")
  return check("uv_os_getpriority", binding.getPriority(pid))
end

function os.setPriority(pid, priority)
  if priority == nil then pid, priority = 0, pid end
  pid = checkInt32(pid, "pid")
  priority = checkInt32(priority, "priority", -20, 19)
  check("uv_os_setpriority", binding.setPriority(pid, priority))
end

os.constants = {
  signals = binding.signals(),
  errno = binding.errnos(),
  priority = {
    PRIORITY_LOW = 19, PRIORITY_BELOW_NORMAL = 10, PRIORITY_NORMAL = 0,
    PRIORITY_ABOVE_NORMAL = -7, PRIORITY_HIGH = -14, PRIORITY_HIGHEST = -20,
  },
  dlopen = { RTLD_LAZY = 1, RTLD_NOW = 2, RTLD_GLOBAL = 256, RTLD_LOCAL = 0,
    RTLD_DEEPBIND = 8 },
  UV_UDP_REUSEADDR = 4,
}

return os
