describe("lode.process", function()
  it("is an emitter with module functions", function()
    assert.is_function(process.on)
    assert.is_function(process.exit)
    assert.is_function(process.nextTick)
  end)

  it("describes the process", function()
    assert.equal("linux", process.platform)
    assert.is_number(process.pid)
    assert.is_number(process.ppid)
    assert.matches("^v%d", process.version)
    assert.equal("5.4", process.versions.lua:sub(1, 3))
    assert.is_string(process.cwd())
  end)

  it("hrtime returns seconds and nanoseconds, and differences", function()
    local t = process.hrtime()
    assert.equal(2, #t)
    local d = process.hrtime(t)
    assert.is_true(d[1] >= 0 and d[2] >= 0 and d[2] < 1e9)
    local a = process.hrtime.bigint()
    assert.equal("integer", math.type(a))
    assert.is_true(process.hrtime.bigint() >= a)
  end)

  it("reports memory and uptime", function()
    local m = process.memoryUsage()
    assert.is_true(m.rss > 0 and m.heapUsed > 0)
    assert.is_true(process.memoryUsage.rss() > 0)
    assert.is_true(process.uptime() >= 0)
  end)

  it("writes env changes through to the environment", function()
    process.env.LODE_SPEC_VAR = "yes"
    assert.equal("yes", os.getenv("LODE_SPEC_VAR"))
    process.env.LODE_SPEC_VAR = nil
    assert.is_nil(os.getenv("LODE_SPEC_VAR"))
  end)

  it("chdir raises a SystemError for a missing directory", function()
    local ok, err = pcall(process.chdir, "/definitely/not/here")
    assert.is_false(ok)
    assert.equal("ENOENT", err.code)
    assert.equal("chdir", err.syscall)
  end)

  it("nextTick passes arguments and validates the callback", function()
    local got
    process.nextTick(function(a, b) got = a + b end, 1, 2)
    run_loop()
    assert.equal(3, got)
    local ok, err = pcall(process.nextTick, 1)
    assert.is_false(ok)
    assert.equal("ERR_INVALID_ARG_TYPE", err.code)
  end)

  it("nextTick keeps every argument, nils and order included", function()
    local out = {}
    local function rec(...) out[#out + 1] = table.pack(...) end
    process.nextTick(rec, 1, nil)
    process.nextTick(rec)
    process.nextTick(rec, nil, 2, nil)
    process.nextTick(rec, 1, 2, 3, 4, 5)
    run_loop()
    assert.same({ { 1, nil, n = 2 }, { n = 0 }, { nil, 2, nil, n = 3 },
      { 1, 2, 3, 4, 5, n = 5 } }, out)
  end)

  it("kill raises ERR_UNKNOWN_SIGNAL for a bad name", function()
    local ok, err = pcall(process.kill, process.pid, "SIGNOPE")
    assert.is_false(ok)
    assert.equal("ERR_UNKNOWN_SIGNAL", err.code)
  end)

  it("emitWarning reaches 'warning' listeners", function()
    local got
    local function on(w) got = w end
    process:on("warning", on)
    process.emitWarning("careful", "DeprecationWarning", "DEP0001")
    process:off("warning", on)
    assert.equal("careful", got.message)
    assert.equal("DeprecationWarning", got.name)
    assert.equal("DEP0001", got.code)
  end)

  it("delivers a signal to its listener with the signal's name", function()
    local got
    local function on(sig) got = sig end
    process:on("SIGUSR2", on)
    setTimeout(function() process.kill(process.pid, "SIGUSR2") end, 1)
    local t = setTimeout(function() end, 100)
    local poll
    poll = setInterval(function()
      if got then clearInterval(poll); clearTimeout(t) end
    end, 2)
    run_loop()
    process:off("SIGUSR2", on)
    assert.equal("SIGUSR2", got)
  end)
end)
