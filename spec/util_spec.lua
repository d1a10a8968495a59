local util = require "lode.util"
local json = require "lode.json"
local errors = require "lode.internal.errors"
local class = require "lode.internal.class"

local inspect, format = util.inspect, util.format

local function lines(...) return table.concat({ ... }, "\n") end

describe("lode.util", function()
  describe("inspect()", function()
    it("prints tables as Lua literals (API.md section 5)", function()
      assert.equal("{ value = 2 }", inspect({ value = 2 }))
      assert.equal("{ 1, 2, 3 }", inspect({ 1, 2, 3 }))
      assert.equal("{ a = { b = 1 } }", inspect({ a = { b = 1 } }))
      assert.equal("{}", inspect({}))
      assert.equal("{ ['a-b'] = 1 }", inspect({ ["a-b"] = 1 }))
    end)

    it("prints scalars", function()
      assert.equal("'hello'", inspect("hello"))
      assert.equal("nil", inspect(nil))
      assert.equal("true", inspect(true))
      assert.equal("42", inspect(42))
      assert.equal("2.0", inspect(2.0))
      assert.equal("0.1", inspect(0.1))
      assert.equal("-0.0", inspect(-0.0))
      assert.equal("inf", inspect(math.huge))
      assert.equal("-inf", inspect(-math.huge))
      assert.equal("nan", inspect(0 / 0))
      assert.equal("null", inspect(json.null))
      assert.equal("{ null }", inspect({ json.null }))
    end)

    it("quotes strings as Node picks quotes, with Lua escapes", function()
      assert.equal("{ 'hello' }", inspect({ "hello" }))
      assert.equal([["it's"]], inspect("it's"))
      assert.equal([['say "hi"']], inspect('say "hi"'))
      assert.equal([['it\'s "q"']], inspect([[it's "q"]]))
      assert.equal([['a\nb\t\\\x1B\x00\x7F']], inspect("a\nb\t\\\27\0\127"))
      assert.equal("'é😀'", inspect("é😀"))
      assert.equal([['\xFF\xFEa']], inspect("\255\254a"))
      assert.equal([['\u{85}']], inspect("\u{85}"))
    end)

    it("writes keys that are not identifiers in brackets", function()
      assert.equal("{ ['1x'] = 2, ['end'] = 1 }",
        inspect({ ["end"] = 1, ["1x"] = 2 }))
      assert.equal("{ [1.5] = true, [10] = 'x' }",
        inspect({ [10] = "x", [1.5] = true }))
      assert.equal("{ [false] = 1, [true] = 2 }",
        inspect({ [true] = 2, [false] = 1 }))
      assert.equal("{ [{ 1 }] = 'k' }", inspect({ [{ 1 }] = "k" }))
    end)

    it("puts the sequence first, then sorted keys", function()
      assert.equal("{ 'a', 'b', x = 1, y = 2 }",
        inspect({ "a", "b", y = 2, x = 1 }))
      assert.equal("{ 1, [3] = 3 }", inspect({ 1, nil, 3 }))
    end)

    it("stops at depth 2 with [table] and takes a depth option", function()
      local v = { a = { b = { c = { d = 1 } } } }
      assert.equal("{ a = { b = { c = [table] } } }", inspect(v))
      assert.equal("{ a = [table] }", inspect(v, { depth = 0 }))
      assert.equal(lines("{", "  a = { b = { c = { d = 1 } } }", "}"),
        inspect(v, { depth = math.huge }))
      assert.equal(inspect(v, { depth = 9 }), inspect(v, false, 9))
    end)

    it("shows cycles as [Circular *1] with a <ref *1> mark", function()
      local o = { name = "x" }
      o.self = o
      o.arr = { o }
      assert.equal("<ref *1> { arr = { [Circular *1] }, name = 'x', " ..
        "self = [Circular *1] }", inspect(o))
      local a, b = {}, {}
      a.b, b.a = b, a
      assert.equal("<ref *1> { b = { a = [Circular *1] } }", inspect(a))
    end)

    it("breaks long tables across lines as Node (breakLength 80)", function()
      assert.equal(lines("{",
        "  k3 = 12345,",
        "  longkeyname1 = 'some string value',",
        "  longkeyname2 = 'another string value'",
        "}"), inspect({ longkeyname1 = "some string value",
          longkeyname2 = "another string value", k3 = 12345 }))
      assert.equal(lines("{", "  a = {", "    b = { c = { d = { e = 1 } } }",
        "  }", "}"), inspect({ a = { b = { c = { d = { e = 1 } } } } },
        { depth = 9 }))
    end)

    it("groups long arrays in columns as Node", function()
      local t = {}
      for i = 0, 29 do t[#t + 1] = i end
      assert.equal(lines("{",
        "   0,  1,  2,  3,  4,  5,  6,  7,  8,",
        "   9, 10, 11, 12, 13, 14, 15, 16, 17,",
        "  18, 19, 20, 21, 22, 23, 24, 25, 26,",
        "  27, 28, 29",
        "}"), inspect(t))
      local s = {}
      for i = 0, 7 do s[#s + 1] = "item" .. i end
      assert.equal(lines("{", "  'item0', 'item1',", "  'item2', 'item3',",
        "  'item4', 'item5',", "  'item6', 'item7'", "}"), inspect(s))
    end)

    it("cuts arrays after 100 items", function()
      local t = {}
      for i = 1, 120 do t[i] = 1 end
      assert.matches("\n  %.%.%. 20 more items\n}$", inspect(t))
    end)

    it("splits long multi-line strings with ..", function()
      assert.equal(lines("{",
        "  s = 'line one of text\\n' ..",
        "    'line two of text\\n' ..",
        "    'line three of the text that is long enough to break the line'",
        "}"), inspect({ s = "line one of text\nline two of text\n" ..
          "line three of the text that is long enough to break the line" }))
    end)

    it("names functions by their key", function()
      assert.equal("[Function (anonymous)]", inspect(print))
      assert.equal("{ greet = [Function: greet] }",
        inspect({ greet = function() end }))
      assert.equal("{ [Function (anonymous)] }", inspect({ print }))
      assert.equal("[thread]", inspect(coroutine.create(print)))
    end)

    it("prints Buffers as <Buffer ..>", function()
      local Buffer = require("lode.buffer").Buffer
      assert.equal("<Buffer 68 65 6c 6c 6f>", inspect(Buffer.from("hello")))
      assert.equal("{ b = <Buffer 68 69> }",
        inspect({ b = Buffer.from("hi") }))
    end)

    it("prints Error tables through their stack", function()
      local e = errors.new(errors.TypeError, "ERR_X", "boom")
      local s = inspect(e)
      assert.equal(e.stack .. " {\n  code = 'ERR_X'\n}", s)
      assert.matches("^TypeError: boom\nstack traceback:\n", s)
      local plain = errors.Error.new("x")
      assert.equal(plain.stack, inspect(plain))
      local nested = inspect({ err = plain })
      assert.matches("^{\n  err = Error: x\n  stack traceback:\n  ", nested)
      assert.equal("[Error: no stack]",
        inspect({ message = "no stack", stack = "Error: no stack" }))
    end)

    it("prefixes instances with their class name", function()
      local Point = class.Object:extend("Point")
      local p = Point.new()
      assert.equal("Point {}", inspect(p))
      p.x, p.y = 1, 2
      assert.equal("Point { x = 1, y = 2 }", inspect(p))
      assert.equal("[class Point]", inspect(Point))
      assert.equal("[class Point3 extends Point]",
        inspect(Point:extend("Point3")))
      assert.equal("{ p = [Point] }", inspect({ p = p }, { depth = 0 }))
    end)

    it("uses an __inspect method or metatable field", function()
      local v = setmetatable({}, { __inspect = function(self, depth, opts)
        return "<custom " .. depth .. " " .. opts.breakLength .. ">"
      end })
      assert.equal("<custom 2 80>", inspect(v))
      assert.equal("{ x = <custom 1 80> }", inspect({ x = v }))
      local w = { __inspect = function() return { replaced = true } end }
      assert.equal("{ replaced = true }", inspect(w))
      assert.equal("__inspect", inspect.custom)
      assert.equal("{ __inspect = [Function: __inspect] }",
        inspect(w, { customInspect = false }))
    end)

    it("ignores the json.array/json.object marks", function()
      assert.equal("{}", inspect(json.parse("[]")))
      assert.equal("{ 1 }", inspect(json.array({ 1 })))
    end)

    it("honours breakLength and compact", function()
      assert.equal(lines("{", "  a = 1,", "  b = 2", "}"),
        inspect({ a = 1, b = 2 }, { breakLength = 10 }))
      assert.equal(lines("{", "  a = 1", "}"),
        inspect({ a = 1 }, { compact = false }))
    end)
  end)

  describe("format()", function()
    it("substitutes Node's placeholders", function()
      assert.equal("a 1.5 42 350 {\"a\":1} %",
        format("%s %d %i %f %j %%", "a", 1.5, "42.9x", "3.5e2y", { a = 1 }))
      assert.equal("%s", format("%s"))
      assert.equal("%% %s", format("%% %s"))
      assert.equal("%x 1", format("%x %s", 1))
      assert.equal("x", format("%c%s", "color: red", "x"))
      assert.equal("{ a = 1 } { a = 1 }", format("%o %O", { a = 1 }, { a = 1 }))
    end)

    it("converts %d %i %f as Number, parseInt, parseFloat", function()
      assert.equal("NaN 2 1 0 NaN", format("%d %d %d %d %d", "abc", 2.0,
        true, "", {}))
      assert.equal("-3 16 NaN 42", format("%i %i %i %i", -3.7, "0x10",
        "x", 42))
      assert.equal("-1500 Infinity NaN 2.5", format("%f %f %f %f",
        "  -1.5e3xyz", "Infinity", "abc", 2.5))
    end)

    it("prints %s as tostring or a shallow inspect", function()
      assert.equal("nil", format("%s", nil))
      assert.equal("{ 1, 2 } TS", format("%s %s", { 1, 2 },
        setmetatable({}, { __tostring = function() return "TS" end })))
      assert.equal("{ a = [table] }", format("%s", { a = { b = 1 } }))
      assert.equal("null", format("%s", json.null))
      local e = errors.Error.new("boom")
      assert.equal(e.stack, format("%s", e))
    end)

    it("writes [Circular] for %j of a cycle", function()
      local o = {}
      o.o = o
      assert.equal("[Circular]", format("%j", o))
      assert.equal("nil", format("%j", nil))
    end)

    it("appends extra arguments, strings raw, others inspected", function()
      assert.equal("a b", format("a", "b"))
      assert.equal("x 1 { 2 } nil", format("x", 1, { 2 }, nil))
      assert.equal("%s: 1 2", format("%s: %s", "%s", 1, 2))
      assert.equal("a nil", format("a", nil))
    end)

    it("inspects everything when the first argument is not a string", function()
      assert.equal("1 a { b = 2 }", format(1, "a", { b = 2 }))
      assert.equal("{ 'x' } y", format({ "x" }, "y"))
      assert.equal("nil", format(nil))
      assert.equal("", format())
    end)

    it("leaves placeholders without arguments", function()
      assert.equal("a b %d", format("a %s %d", "b"))
      assert.equal("1 %s", format("%d %s", 1))
    end)

    it("takes options with formatWithOptions", function()
      assert.equal("{ a = [table] }",
        util.formatWithOptions({ depth = 0 }, "%O", { a = { b = 1 } }))
      assert.equal("{ a = { b = 1 } }", format("%O", { a = { b = 1 } }))
    end)
  end)

  describe("isDeepStrictEqual()", function()
    it("compares tables deeply", function()
      assert.is_true(util.isDeepStrictEqual({ 1, { a = 2 } },
        { 1, { a = 2 } }))
      assert.is_false(util.isDeepStrictEqual({ 1, 2 }, { 1, 2, 3 }))
      assert.is_false(util.isDeepStrictEqual({ a = 1 }, { a = 2 }))
      assert.is_false(util.isDeepStrictEqual({ a = 1 }, { b = 1 }))
      assert.is_true(util.isDeepStrictEqual({}, {}))
    end)

    it("treats NaN as equal and 1 as 1.0", function()
      assert.is_true(util.isDeepStrictEqual(0 / 0, 0 / 0))
      assert.is_true(util.isDeepStrictEqual({ 0 / 0 }, { 0 / 0 }))
      assert.is_true(util.isDeepStrictEqual(1, 1.0))
      assert.is_false(util.isDeepStrictEqual(1, "1"))
    end)

    it("requires the same metatable", function()
      local A, B = {}, {}
      assert.is_false(util.isDeepStrictEqual(setmetatable({}, A),
        setmetatable({}, B)))
      assert.is_true(util.isDeepStrictEqual(setmetatable({ x = 1 }, A),
        setmetatable({ x = 1 }, A)))
      assert.is_true(util.isDeepStrictEqual(json.parse("[]"), {}))
    end)

    it("handles cycles", function()
      local a, b = {}, {}
      a.self, b.self = a, b
      assert.is_true(util.isDeepStrictEqual(a, b))
      a.x = 1
      assert.is_false(util.isDeepStrictEqual(a, b))
    end)

    it("compares Buffers by bytes, errors without traceback", function()
      local Buffer = require("lode.buffer").Buffer
      assert.is_true(util.isDeepStrictEqual(Buffer.from("ab"),
        Buffer.from("ab")))
      assert.is_false(util.isDeepStrictEqual(Buffer.from("ab"),
        Buffer.from("ac")))
      local e1 = errors.new(errors.TypeError, "E", "m")
      local e2 = errors.new(errors.TypeError, "E", "m")
      assert.is_true(util.isDeepStrictEqual(e1, e2))
      assert.is_false(util.isDeepStrictEqual(e1,
        errors.new(errors.Error, "E", "m")))
    end)

    it("compares functions by identity", function()
      assert.is_true(util.isDeepStrictEqual({ print }, { print }))
      assert.is_false(util.isDeepStrictEqual({ function() end },
        { function() end }))
    end)
  end)

  describe("promisify()", function()
    it("resolves to the callback's first value", function()
      local fn = util.promisify(function(a, b, cb)
        setTimeout(function() cb(nil, a + b, "ignored") end, 1)
      end)
      local got
      fn(1, 2):next(function(v) got = v end)
      run_loop()
      assert.equal(3, got)
    end)

    it("rejects with the callback's error", function()
      local fn = util.promisify(function(cb) cb("bad") end)
      local why
      fn():next(nil, function(e) why = e end)
      run_loop()
      assert.equal("bad", why)
    end)

    it("rejects when the function raises", function()
      local fn = util.promisify(function() error("thrown", 0) end)
      local why
      fn():catch(function(e) why = e end)
      run_loop()
      assert.equal("thrown", why)
    end)

    it("can be customised", function()
      local function exec(cb) cb(nil, "out", "err") end
      util.setPromisifyCustom(exec, { "stdout", "stderr" })
      local got
      util.promisify(exec)():next(function(v) got = v end)
      local function other() end
      local impl = function() return "custom" end
      util.setPromisifyCustom(other, impl)
      assert.equal(impl, util.promisify(other))
      run_loop()
      assert.same({ stdout = "out", stderr = "err" }, got)
    end)

    it("raises ERR_INVALID_ARG_TYPE for a non-function", function()
      local ok, err = pcall(util.promisify, 1)
      assert.is_false(ok)
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
      assert.matches('"original" argument must be of type function',
        err.message)
    end)
  end)

  describe("callbackify()", function()
    local Promise = require "lode.promise"

    it("calls back with (nil, value)", function()
      local fn = util.callbackify(function(x)
        return Promise.resolve(x * 2)
      end)
      local args
      fn(21, function(...) args = table.pack(...) end)
      assert.is_nil(args)
      run_loop()
      assert.equal(2, args.n)
      assert.is_nil(args[1])
      assert.equal(42, args[2])
    end)

    it("calls back with the rejection reason", function()
      local fn = util.callbackify(function() return Promise.reject("no") end)
      local got
      fn(function(e) got = e end)
      run_loop()
      assert.equal("no", got)
    end)

    it("wraps a falsy reason in ERR_FALSY_VALUE_REJECTION", function()
      local fn = util.callbackify(function() return Promise.reject(false) end)
      local got
      fn(function(e) got = e end)
      run_loop()
      assert.equal("ERR_FALSY_VALUE_REJECTION", got.code)
      assert.equal("Promise was rejected with falsy value", got.message)
      assert.is_false(got.reason)
    end)

    it("requires a callback last", function()
      local ok, err = pcall(util.callbackify(function() end), 1)
      assert.is_false(ok)
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
    end)
  end)

  describe("deprecate()", function()
    it("warns once and calls through", function()
      local process = require "lode.process"
      local warnings = {}
      local function on(w) warnings[#warnings + 1] = w end
      process:on("warning", on)
      local fn = util.deprecate(function(x) return x + 1 end, "old api",
        "DEP_LODE_TEST")
      assert.equal(2, fn(1))
      assert.equal(3, fn(2))
      process:removeListener("warning", on)
      assert.equal(1, #warnings)
      assert.equal("DeprecationWarning", warnings[1].name)
      assert.equal("old api", warnings[1].message)
      assert.equal("DEP_LODE_TEST", warnings[1].code)
    end)
  end)

  describe("types", function()
    it("recognises promises, errors and Buffers", function()
      local Promise = require "lode.promise"
      assert.is_true(util.types.isPromise(Promise.resolve(1)))
      assert.is_false(util.types.isPromise({}))
      assert.is_true(util.types.isNativeError(errors.Error.new("x")))
      assert.is_true(util.types.isUint8Array(
        require("lode.buffer").Buffer.alloc(1)))
      run_loop()
    end)
  end)
end)
