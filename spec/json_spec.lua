local json = require "lode.json"
local errors = require "lode.internal.errors"

-- raised(fn, ...): the error a call raises (spec/helper.lua).

describe("lode.json", function()
  describe("stringify()", function()
    it("encodes scalars as JSON.stringify does", function()
      assert.equal('"hi"', json.stringify("hi"))
      assert.equal("42", json.stringify(42))
      assert.equal("true", json.stringify(true))
      assert.equal("false", json.stringify(false))
      assert.equal("null", json.stringify(json.null))
    end)

    it("encodes sequences as arrays and other tables as objects", function()
      assert.equal("[1,2,3]", json.stringify({ 1, 2, 3 }))
      assert.equal('{"a":1}', json.stringify({ a = 1 }))
      assert.equal('{"1":"a","x":true}', json.stringify({ "a", x = true }))
      assert.equal('{"2":"b"}', json.stringify({ [2] = "b" }))
      assert.equal("[[1,[2]],{}]", json.stringify({ { 1, { 2 } }, {} }))
    end)

    it("encodes an empty table as {} unless marked with json.array", function()
      assert.equal("{}", json.stringify({}))
      assert.equal("[]", json.stringify(json.array()))
      assert.equal("[]", json.stringify(json.array({})))
      assert.equal('{"1":1,"2":2}', json.stringify(json.object({ 1, 2 })))
      local mt = { __jsontype = "array" }
      assert.equal("[]", json.stringify(setmetatable({}, mt)))
    end)

    it("keeps array length with json.null elements", function()
      assert.equal("[1,null,3]", json.stringify({ 1, json.null, 3 }))
      assert.equal('{"a":null}', json.stringify({ a = json.null }))
    end)

    it("sorts object keys, integer-like keys first by value", function()
      assert.equal('{"a":1,"b":2,"c":3}',
        json.stringify({ c = 3, a = 1, b = 2 }))
      assert.equal('{"2":1,"10":2,"a":3,"b10":4,"b9":5}',
        json.stringify({ [2] = 1, [10] = 2, a = 3, b10 = 4, b9 = 5 }))
    end)

    it("prints numbers as JavaScript does", function()
      local cases = {
        { 1.5, "1.5" }, { 0.1, "0.1" }, { 2.0, "2" }, { -0.0, "0" },
        { 1e21, "1e+21" }, { 1e20, "100000000000000000000" },
        { 1e-7, "1e-7" }, { 1.5e-7, "1.5e-7" }, { 0.000001, "0.000001" },
        { 1 / 3, "0.3333333333333333" }, { 5e-324, "5e-324" },
        { 1.7976931348623157e308, "1.7976931348623157e+308" },
        { 123456789.123, "123456789.123" }, { -19.99, "-19.99" },
        { 9007199254740993, "9007199254740993" },
        { math.maxinteger, "9223372036854775807" },
        { math.mininteger, "-9223372036854775808" },
      }
      for _, c in ipairs(cases) do
        assert.equal(c[2], json.stringify(c[1]))
      end
    end)

    it("prints powers of two with JavaScript's shortest digits", function()
      -- The nearest 16-digit decimal of 2^89 does not read back (the gap
      -- below a power of two is half the gap above); its other neighbour
      -- does, so JavaScript prints 16 digits, not 17.
      local cases = {
        { 2.0 ^ 89, "6.189700196426902e+26" },
        { 2.0 ^ 534, "5.623642243178996e+160" },
        { 2.0 ^ -695, "6.083493012144512e-210" },
        { 2.0 ^ -100, "7.888609052210118e-31" },
        { 2.0 ^ 1000, "1.0715086071862673e+301" },
        { 2.0 ^ 63, "9223372036854776000" },
      }
      for _, c in ipairs(cases) do
        assert.equal(c[2], json.stringify(c[1]))
        assert.equal(c[1], json.parse(json.stringify(c[1])))
      end
    end)

    it("encodes NaN and infinities as null", function()
      assert.equal("[null,null,null]",
        json.stringify({ 0 / 0, math.huge, -math.huge }))
    end)

    it("escapes strings as JSON.stringify does", function()
      assert.equal([["a\"b\\c/d"]], json.stringify('a"b\\c/d'))
      assert.equal([["\b\f\n\r\t"]], json.stringify("\b\f\n\r\t"))
      assert.equal([["\u0000\u0001\u001f"]], json.stringify("\0\1\31"))
      assert.equal('"\127é😀"', json.stringify("\127é😀"))
      assert.equal('"/"', json.stringify("/"))
    end)

    it("passes invalid UTF-8 through unchanged", function()
      assert.equal('"\255\254a"', json.stringify("\255\254a"))
    end)

    it("escapes long strings correctly around 8-byte blocks", function()
      local s = ("abcdefg\"hijklmn\\opqrst\nuvw"):rep(10)
      local back = json.parse(json.stringify(s))
      assert.equal(s, back)
    end)

    it("returns nil for values JSON has no form for", function()
      assert.is_nil(json.stringify(nil))
      assert.is_nil(json.stringify(print))
      assert.is_nil(json.stringify(coroutine.create(print)))
    end)

    it("skips functions in objects and writes null in arrays", function()
      assert.equal('{"a":1}', json.stringify({ a = 1, f = print }))
      assert.equal("[1,null]", json.stringify({ 1, print }))
      assert.equal("{}", json.stringify({ f = print }))
    end)

    it("converts values through toJSON", function()
      local Point = {}
      Point.__index = Point
      function Point:toJSON(key)
        return { x = self.x, key = key }
      end
      local p = setmetatable({ x = 1 }, Point)
      assert.equal('{"key":"","x":1}', json.stringify(p))
      assert.equal('{"p":{"key":"p","x":1}}', json.stringify({ p = p }))
      assert.equal('[{"key":1,"x":1}]', json.stringify({ p }))
      assert.equal('"plain"', json.stringify({
        toJSON = function() return "plain" end }))
      assert.equal("{}", json.stringify({
        a = { toJSON = function() return nil end } }))
    end)

    it("converts Buffers through their toJSON", function()
      local Buffer = require("lode.buffer").Buffer
      local s = json.stringify(Buffer.from("hi"))
      assert.same({ type = "Buffer", data = { 104, 105 } }, json.parse(s))
    end)

    it("indents exactly as JSON.stringify(v, null, 2)", function()
      local v = { a = json.array(), b = {}, c = { 1, { d = json.array() } },
        e = "x" }
      assert.equal(table.concat({
        "{",
        '  "a": [],',
        '  "b": {},',
        '  "c": [',
        "    1,",
        "    {",
        '      "d": []',
        "    }",
        "  ],",
        '  "e": "x"',
        "}" }, "\n"), json.stringify(v, 2))
    end)

    it("accepts a string as space, cut to 10 characters", function()
      assert.equal('[\n\t1\n]', json.stringify({ 1 }, "\t"))
      assert.equal('{\n1234567890"a": 1\n}',
        json.stringify({ a = 1 }, "12345678901234"))
      assert.equal("[\nabnull,\nabnull\n]",
        json.stringify({ print, print }, nil, "ab"))
    end)

    it("clamps a numeric space to 10 and ignores < 1", function()
      assert.equal("[\n" .. (" "):rep(10) .. "1\n]",
        json.stringify({ 1 }, 20))
      assert.equal("[1]", json.stringify({ 1 }, 0))
      assert.equal("[1]", json.stringify({ 1 }, 0.5))
    end)

    it("takes Node's (value, replacer, space) form", function()
      assert.equal('{\n  "a": 1\n}', json.stringify({ a = 1 }, nil, 2))
      local out = json.stringify({ a = 1, b = "x", c = { d = 2 } },
        function(key, value)
          if type(value) == "number" then return value * 10 end
          return value
        end)
      assert.equal('{"a":10,"b":"x","c":{"d":20}}', out)
      assert.equal('{"a":1,"c":{}}',
        json.stringify({ a = 1, b = 2, c = { d = 3 } }, { "a", "c" }))
      assert.equal("[1,null]", json.stringify({ 1, 2 },
        function(k, v) if k == 2 then return nil end return v end))
    end)

    it("raises TypeError on cycles with Node's message", function()
      local o = {}
      o.self = o
      local err = raised(json.stringify, o)
      assert.equal("TypeError", err.name)
      assert.equal("Converting circular structure to JSON\n" ..
        "    --> starting at object with constructor 'Object'\n" ..
        "    --- property 'self' closes the circle", err.message)
      local a = { 1 }
      a[2] = a
      err = raised(json.stringify, a)
      assert.matches("index 2 closes the circle", err.message)
      local deep = { a = { b = { c = { d = { e = {} } } } } }
      deep.a.b.c.d.e.f = deep.a
      err = raised(json.stringify, deep)
      assert.equal("Converting circular structure to JSON\n" ..
        "    --> starting at object with constructor 'Object'\n" ..
        "    |     property 'b' -> object with constructor 'Object'\n" ..
        "    |     property 'c' -> object with constructor 'Object'\n" ..
        "    |     ...\n" ..
        "    |     property 'e' -> object with constructor 'Object'\n" ..
        "    --- property 'f' closes the circle", err.message)
      assert.is_true(errors.isError(err))
    end)

    it("encodes a shared (non-cyclic) table twice", function()
      local t = { 1 }
      assert.equal("[[1],[1]]", json.stringify({ t, t }))
    end)

    it("raises RangeError past 1000 levels instead of crashing", function()
      local v = {}
      for _ = 1, 2000 do v = { v } end
      local err = raised(json.stringify, v)
      assert.equal("RangeError", err.name)
      local ok = pcall(json.stringify, v)
      assert.is_false(ok)
    end)

    it("propagates an error raised by toJSON", function()
      local v = { toJSON = function() error("nope", 0) end }
      assert.equal("nope", raised(json.stringify, { v }))
    end)

    it("writes large values", function()
      local t = {}
      for i = 1, 100000 do t[i] = i end
      assert.equal("[" .. table.concat(t, ",") .. "]", json.stringify(t))
      local obj = {}
      for i = 1, 5000 do obj["k" .. i] = i end
      assert.same(obj, json.parse(json.stringify(obj)))
    end)

    it("writes objects too big to sort, in table order", function()
      local obj = {}
      for i = 1, 600000 do obj["k" .. i] = i end
      obj[1.5] = true
      local back = json.parse(json.stringify(obj))
      assert.is_true(back["1.5"])
      back["1.5"], obj[1.5] = nil, nil
      assert.same(obj, back)
    end)
  end)

  describe("parse()", function()
    it("decodes integers as integers and the rest as floats", function()
      assert.equal("integer", math.type(json.parse("42")))
      assert.equal("integer", math.type(json.parse("-7")))
      assert.equal("float", math.type(json.parse("1.0")))
      assert.equal("float", math.type(json.parse("1e2")))
      assert.equal(100.0, json.parse("1E+2"))
      assert.equal(0.5, json.parse("5e-1"))
      assert.equal(math.mininteger, json.parse("-9223372036854775808"))
      assert.equal(math.maxinteger, json.parse("9223372036854775807"))
    end)

    it("falls back to floats for integers past 64 bits", function()
      local v = json.parse("12345678901234567890")
      assert.equal("float", math.type(v))
      assert.equal(12345678901234567890.0, v)
    end)

    it("reads floats correctly rounded", function()
      assert.equal(0.1, json.parse("0.1"))
      assert.equal(1 / 3, json.parse("0.3333333333333333"))
      assert.equal(5e-324, json.parse("5e-324"))
      assert.equal(1.7976931348623157e308,
        json.parse("1.7976931348623157e308"))
      assert.equal(math.huge, json.parse("1e400"))
      assert.equal(123.456, json.parse("123456e-3"))
    end)

    it("decodes arrays to sequences, null to json.null", function()
      local v = json.parse('[1, null, "x", true, false, [], {}]')
      assert.equal(7, #v)
      assert.equal(json.null, v[2])
      assert.equal("x", v[3])
      assert.is_true(v[4])
      assert.is_false(v[5])
      assert.same({}, v[7])
      assert.equal(json.null, json.parse('{"a":null}').a)
      assert.equal(json.null, json.parse("null"))
    end)

    it("round-trips an empty array as []", function()
      assert.equal('{"a":[],"b":{}}',
        json.stringify(json.parse('{"a":[],"b":{}}')))
    end)

    it("decodes escapes, surrogate pairs and lone surrogates", function()
      assert.equal('"\\/\b\f\n\r\t', json.parse([["\"\\\/\b\f\n\r\t"]]))
      assert.equal("é☃", json.parse([["\u00e9\u2603"]]))
      assert.equal("😀", json.parse([["\ud83d\ude00"]]))
      assert.equal("\u{FFFD}x", json.parse([["\ud83dx"]]))
      assert.equal("\u{FFFD}", json.parse([["\udc00"]]))
      assert.equal("a\0b", json.parse([["a\u0000b"]]))
    end)

    it("keeps the last of duplicate keys", function()
      assert.equal(2, json.parse('{"a":1,"a":2}').a)
    end)

    it("keeps numeric keys of objects as strings", function()
      local v = json.parse('{"1":"a","2":"b"}')
      assert.equal("a", v["1"])
      assert.is_nil(v[1])
    end)

    it("accepts Buffers and surrounding whitespace", function()
      local Buffer = require("lode.buffer").Buffer
      assert.same({ a = 1 }, json.parse(Buffer.from(' \t\n{"a":1}\r\n ')))
    end)

    it("raises SyntaxError with Node 20's messages", function()
      local cases = {
        { "", "Unexpected end of JSON input" },
        { "   ", "Unexpected end of JSON input" },
        { "[1,", "Unexpected end of JSON input" },
        { "tru", "Unexpected end of JSON input" },
        { '{"a":1,}',
          "Expected double-quoted property name in JSON at position 7" },
        { "{", "Expected property name or '}' in JSON at position 1" },
        { "[1,2", "Expected ',' or ']' after array element in JSON at " ..
          "position 4" },
        { '{"a":1 "b":2}', "Expected ',' or '}' after property value in " ..
          "JSON at position 7" },
        { '{"a" 1}', "Expected ':' after property name in JSON at " ..
          "position 5" },
        { '{"a":1,"b" 2}', "Unexpected number in JSON at position 11" },
        { '"abc', "Unterminated string in JSON at position 4" },
        { "01", "Unexpected number in JSON at position 1" },
        { "1.", "Unterminated fractional number in JSON at position 2" },
        { "1e", "Exponent part is missing a number in JSON at position 2" },
        { "-", "No number after minus sign in JSON at position 1" },
        { '"\1"', "Bad control character in string literal in JSON at " ..
          "position 1" },
        { [["\q"]], "Bad escaped character in JSON at position 2" },
        { [["\u12G4"]], "Bad Unicode escape in JSON at position 5" },
        { "[1]x", "Unexpected non-whitespace character after JSON at " ..
          "position 3" },
        { 'tr"', "Unexpected string in JSON at position 2" },
        { "x", [[Unexpected token 'x', "x" is not valid JSON]] },
        { '{"a":1,"b"}',
          [[Unexpected token '}', "{"a":1,"b"}" is not valid JSON]] },
        { "[1,2,3,4,5,6,7,x,9,10,11,12,13,14,15]", "Unexpected token 'x', " ..
          [[..."3,4,5,6,7,x,9,10,11,"... is not valid JSON]] },
        { "[1,2,3,4,5,6,7,8,9,x]",
          [[Unexpected token 'x', ..."5,6,7,8,9,x]" is not valid JSON]] },
        { "x,1,2,3,4,5,6,7,8,9,10,11",
          [[Unexpected token 'x', "x,1,2,3,4,"... is not valid JSON]] },
        { "NaN", [["NaN" is not valid JSON]] },
        { "undefined", [["undefined" is not valid JSON]] },
      }
      for _, c in ipairs(cases) do
        local err = raised(json.parse, c[1])
        assert.equal("SyntaxError", err.name)
        assert.equal(c[2], err.message)
        assert.equal("SyntaxError: " .. c[2], tostring(err))
      end
    end)

    it("counts error positions in UTF-16 units", function()
      assert.equal("Expected ',' or ']' after array element in JSON at " ..
        "position 7", raised(json.parse, '["é😀" x]').message)
    end)

    it("parses nil as the text 'undefined', like JSON.parse()", function()
      assert.equal([["undefined" is not valid JSON]],
        raised(json.parse).message)
    end)

    it("limits nesting to 1000 levels with a RangeError", function()
      local ok = pcall(json.parse, ("["):rep(1000) .. ("]"):rep(1000))
      assert.is_true(ok)
      local err = raised(json.parse, ("["):rep(1001) .. ("]"):rep(1001))
      assert.equal("RangeError", err.name)
      err = raised(json.parse, ("["):rep(100000))
      assert.equal("RangeError", err.name)
    end)

    it("handles large inputs", function()
      local parts = {}
      for i = 1, 20000 do
        parts[i] = ('{"id":%d,"name":"item %d","tags":["a","b"],"v":%d.5}')
          :format(i, i, i)
      end
      local text = "[" .. table.concat(parts, ",") .. "]"
      local v = json.parse(text)
      assert.equal(20000, #v)
      assert.equal(19999.5, v[19999].v)
      assert.equal(text, json.stringify(v))
    end)

    it("calls a reviver bottom-up", function()
      local seen = {}
      local v = json.parse('{"a":[1,2],"b":{"c":3}}', function(k, val)
        seen[#seen + 1] = k
        if type(val) == "number" then return val * 2 end
        if k == "c" then return nil end
        return val
      end)
      assert.same({ a = { 2, 4 }, b = { c = 6 } }, v)
      assert.equal("", seen[#seen])
    end)

    it("round-trips what stringify writes", function()
      local v = { s = "x\n\"y\"", n = { 1, -2.5, 1e300, 0 },
        t = { true, false, json.null }, o = { k = { json.array() } } }
      assert.same(v, json.parse(json.stringify(v)))
      assert.same(v, json.parse(json.stringify(v, 2)))
    end)
  end)

  describe("null", function()
    it("is unique, prints as null and cannot be changed", function()
      assert.equal("null", tostring(json.null))
      assert.is_false(pcall(function() json.null.x = 1 end))
      assert.equal(json.null, require("lode.binding.json").null)
    end)
  end)
end)
