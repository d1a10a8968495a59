-- lode.string_decoder; expected texts checked against Node 20.
local StringDecoder = require("lode.string_decoder").StringDecoder
local Buffer = require("lode.buffer").Buffer

local function bytes(...) return Buffer.from({ ... }) end

describe("lode.string_decoder", function()
  it("carries a UTF-8 character cut across writes", function()
    local d = StringDecoder.new("utf8")
    assert.equal("", d:write(bytes(0xE2)))
    assert.equal("", d:write(bytes(0x82)))
    assert.equal("€A", d:write(bytes(0xAC, 0x41)))
    assert.equal("", d:write(bytes(0xF0, 0x9F, 0x98)))
    assert.equal("\xEF\xBF\xBD", d:finish())   -- U+FFFD, as Node
  end)

  it("replaces a carried character that the next write breaks", function()
    local d = StringDecoder.new()
    assert.equal("", d:write(bytes(0xE2)))
    assert.equal("\xEF\xBF\xBDA", d:write(bytes(0x41)))
  end)

  it("never returns ill-formed UTF-8, as Node (V8 decodes held bytes)",
    function()
      local R = "\xEF\xBF\xBD"                       -- U+FFFD
      local d = StringDecoder.new()
      assert.equal("A" .. R, d:write(bytes(0x41, 0xFF)))  -- leads nothing
      assert.equal("", d:write(bytes(0xED, 0xA0)))   -- a surrogate's lead
      assert.equal(R:rep(3) .. "A", d:write(bytes(0x80, 0x41)))
      assert.equal("", d:write(bytes(0xE0, 0x80)))
      assert.equal(R:rep(2), d:finish())            -- two, as V8's decoder
      assert.equal("", d:write(bytes(0xF0, 0x9F)))
      assert.equal(R .. "A", d:write(bytes(0x41)))
    end)

  it("keeps UTF-16LE units and surrogate pairs whole", function()
    local d = StringDecoder.new("utf16le")
    local s = Buffer.from("a😀b", "utf16le")
    local out = d:write(s:slice(0, 1)) .. d:write(s:slice(1, 3))
      .. d:write(s:slice(3, 5)) .. d:write(s:slice(5))
    assert.equal("a😀b", out)
    assert.equal("", d:write(bytes(0x61)))
    assert.equal("", d:finish())
  end)

  it("groups base64 by three bytes", function()
    local d = StringDecoder.new("base64")
    assert.equal("", d:write(Buffer.from("ab")))
    assert.equal("YWJj", d:write(Buffer.from("cde")))
    assert.equal("ZGU=", d:finish())
  end)

  it("decodes hex and latin1 at once", function()
    local d = StringDecoder.new("hex")
    assert.equal("6162", d:write(Buffer.from("ab")))
    assert.equal("63", d["end"](d, Buffer.from("c")))
    assert.equal("éA", StringDecoder.new("latin1"):write(bytes(0xE9, 0x41)))
  end)

  it("normalizes names and rejects unknown ones", function()
    assert.equal("utf16le", StringDecoder.new("ucs2").encoding)
    assert.equal("utf8", StringDecoder.new().encoding)
    assert.equal("latin1", StringDecoder.new("binary").encoding)
    local ok, err = pcall(StringDecoder.new, "nope")
    assert.is_false(ok)
    assert.equal("ERR_UNKNOWN_ENCODING", err.code)
  end)

  it("raises Node's ERR_INVALID_ARG_TYPE for what is no Buffer", function()
    local err = raises_code("ERR_INVALID_ARG_TYPE",
      StringDecoder.write, StringDecoder.new(), 5)
    assert.equal('The "buf" argument must be an instance of Buffer, ' ..
      "TypedArray, or DataView. Received type number (5)", err.message)
    err = raises_code("ERR_INVALID_ARG_TYPE",
      StringDecoder.finish, StringDecoder.new(), 5)
    assert.equal("TypeError", err.name)
  end)

  it("returns strings unchanged", function()
    assert.equal("text", StringDecoder.new():write("text"))
  end)
end)
