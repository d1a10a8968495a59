-- Loaded by busted before the specs (STYLE.md rule 15). Installs lode's
-- globals under plain lua5.4 and gives specs `run_loop(timeout_ms)`: run
-- the loop until it has no work, failing on a callback that raised, on a
-- timeout, or on handles left open. Also `lode_bin` and `run_lode()` for
-- specs of the host binary, which run it as a subprocess, and the small
-- helpers at the end (raises, raises_code, raised, hex, unhex,
-- sample_text, slurp, spit, shell, have_command, tmpdir, rmtree,
-- fd_count, recorder) that specs share instead of copying.
local build = os.getenv("LODE_BUILD") or "build"
package.cpath = build .. "/?.so;" .. package.cpath

local lode = require "lode"
lode.globals()
local uv = require "lode.binding.uv"

-- Under `make check` this process runs with libasan preloaded, and so do
-- the commands specs spawn (sh, python3, lua5.4); their own leaks are not
-- ours to report. (run.sh checks the asan lode binary's leaks itself.)
if (os.getenv("LD_PRELOAD") or ""):find("asan") then
  process.env.ASAN_OPTIONS = "detect_leaks=0"
end

local MULT = tonumber(os.getenv("LODE_TEST_TIMEOUT_MULTIPLIER") or "1")

function run_loop(timeout_ms)
  local base = uv.handle_count()
  local failure
  local function fail(e)
    if failure == nil then failure = e end
    lode.stop()
  end
  process:on("uncaughtException", fail)
  local t = setTimeout(function() fail("run_loop: timed out") end,
    (timeout_ms or 5000) * MULT)
  t:unref()
  local ok, err = pcall(lode.run)
  clearTimeout(t)
  process:removeListener("uncaughtException", fail)
  if not ok then error(err, 0) end
  if failure ~= nil then error(failure, 0) end
  collectgarbage()
  local left = uv.handle_count() - base
  if left > 0 then
    error(("run_loop: %d handle(s) left open: %s"):format(left,
      table.concat(uv.active_handles(), ", ")), 2)
  end
end

lode_bin = os.getenv("LODE_BIN") or (build .. "/lode")

-- run_lode(args, stdin) -> stdout, stderr, exit code. args is a shell
-- word list (already quoted by the caller).
function run_lode(args, stdin)
  local dir = os.tmpname()
  os.remove(dir)
  local outf, errf, inf = dir .. ".out", dir .. ".err", dir .. ".in"
  local f = io.open(inf, "wb")
  f:write(stdin or "")
  f:close()
  local ok, how, code = os.execute(("timeout 20 %s %s <%s >%s 2>%s")
    :format(lode_bin, args, inf, outf, errf))
  local function slurp(p)
    local h = io.open(p, "rb")
    local s = h and h:read("a") or ""
    if h then h:close() end
    os.remove(p)
    return s
  end
  os.remove(inf)
  local _ = ok
  return slurp(outf), slurp(errf), how == "exit" and code or 128 + code
end

-- Quotes a string for the shell.
function shq(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--[[ Shared helpers for specs (globals, so a spec uses them without a
require; a spec's own local of the same name shadows them). ]]

local check = require "luassert"      -- the specs' assert (not Lua's)

-- raises(fn, ...) -> err: fn(...) must raise an Error table (what the
-- errors module builds); returns it.
function raises(fn, ...)
  local ok, err = pcall(fn, ...)
  check.is_false(ok, "expected an error")
  check.is_table(err, "expected an Error table, got " .. tostring(err))
  return err
end

-- raises_code(code, fn, ...) -> err: as raises, and err.code == code
-- (any code when code is nil).
function raises_code(code, fn, ...)
  local err = raises(fn, ...)
  if code ~= nil then check.are.equal(code, err.code, tostring(err)) end
  return err
end

-- raised(fn, ...) -> err: fn(...) must raise something (any value, a
-- plain string too); returns it.
function raised(fn, ...)
  local ok, err = pcall(fn, ...)
  check.is_false(ok, "expected an error")
  return err
end

-- hex(buf) is its bytes in hex; unhex(s) the Buffer of a hex string.
function hex(buf) return buf:toString("hex") end
function unhex(s) return Buffer.from(s, "hex") end

-- sample_text(n) -> n bytes of text lines that compress well, but not
-- trivially (the same bytes every call).
function sample_text(n)
  local t, i = {}, 0
  while #t * 24 < n do
    i = i + 1
    t[#t + 1] = ("line %06d of the sample\n"):format(i * 7919 % 1000003)
  end
  return table.concat(t):sub(1, n)
end

-- slurp(path) -> the file's bytes; spit(path, data) writes data (a
-- string or a Buffer: its bytes).
function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

function spit(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data .. "")
  f:close()
end

-- shell(cmd) -> stdout, ok: runs a shell command (stderr not captured).
function shell(cmd)
  local p = io.popen(cmd, "r")
  local out = p:read("a")
  local ok = p:close()
  return out, ok == true
end

-- have_command(name) -> whether the command is on PATH.
function have_command(name)
  return os.execute("command -v " .. shq(name) .. " >/dev/null 2>&1")
    == true
end

-- tmpdir() -> the path of a new, empty directory; rmtree(path) removes
-- it with everything in it.
function tmpdir()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. shq(dir)), "mkdir " .. dir)
  return dir
end

function rmtree(path)
  os.execute("rm -rf " .. shq(path))
end

-- fd_count() -> how many file descriptors this process has open (specs
-- compare it before and after, to catch leaks).
function fd_count()
  return #require("lode.fs").readdirSync("/proc/self/fd")
end

-- recorder() -> log, record: record(...) appends its arguments, shown
-- as short words (an Error as its code, a Buffer as "buf:<text>") and
-- joined by spaces, to the list 'log' (assert.same it afterwards).
local function shown(v)
  if v == nil then return "nil" end
  if type(v) == "table" and v.code then return v.code end
  if type(v) == "table" and v.message then return v.message end
  if Buffer.isBuffer(v) then return "buf:" .. tostring(v) end
  return tostring(v)
end

function recorder()
  local log = {}
  return log, function(...)
    local t = table.pack(...)
    for i = 1, t.n do t[i] = shown(t[i]) end
    log[#log + 1] = table.concat(t, " ")
  end
end

-- serve_http(handler, opts) -> server, port: an http server on
-- 127.0.0.1:0. close_http_servers() (an after_each in the http specs)
-- closes those a failed test left open, so the next test does not wait.
local http_servers = {}
function serve_http(handler, opts)
  local srv = require("lode.http").createServer(opts or {}, handler)
  srv:listen(0, "127.0.0.1")
  http_servers[srv] = true
  return srv, srv:address().port
end

function close_http_servers()
  local left = false
  for srv in pairs(http_servers) do
    if srv.listening then
      left = true
      srv:closeAllConnections()
      srv:close()
    end
  end
  http_servers = {}
  if left then run_loop() end
end
