-- Loaded by busted before the specs (STYLE.md rule 15). Installs lode's
-- globals under plain lua5.4 and gives specs `run_loop(timeout_ms)`: run
-- the loop until it has no work, failing on a callback that raised, on a
-- timeout, or on handles left open. Also `lode_bin` and `run_lode()` for
-- specs of the host binary, which run it as a subprocess.
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
