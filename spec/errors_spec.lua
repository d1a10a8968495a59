local errors = require "lode.internal.errors"

describe("lode errors", function()
  it("prints as '<name>: <message>'", function()
    assert.equal("Error: boom", tostring(Error.new("boom")))
    assert.equal("TypeError: bad", tostring(TypeError.new("bad")))
    assert.equal("RangeError", RangeError.new().name)
  end)

  it("carries a traceback in stack", function()
    local e = Error.new("x")
    assert.matches("^Error: x\nstack traceback:", e.stack)
  end)

  it("subclasses extend", function()
    local MyError = Error:extend("MyError")
    local e = MyError.new("m")
    assert.equal("MyError: m", tostring(e))
    assert.is_true(errors.isError(e))
  end)

  it("builds Node's ERR_INVALID_ARG_TYPE text", function()
    local e = errors.invalidArgType("name", "string", 5)
    assert.equal('The "name" argument must be of type string. ' ..
      "Received type number (5)", e.message)
    assert.equal("ERR_INVALID_ARG_TYPE", e.code)
  end)

  it("builds system errors from libuv statuses", function()
    local e = errors.system(-2, "open", { path = "/nope" })
    assert.equal("ENOENT", e.code)
    assert.equal(-2, e.errno)
    assert.equal("open", e.syscall)
    assert.equal("/nope", e.path)
    assert.equal("Error: ENOENT: no such file or directory, open '/nope'",
      tostring(e))
  end)
end)
