-- lode.crypto key derivation (API.md 4 "crypto"): pbkdf2/pbkdf2Sync
-- (RFC 6070), hkdf/hkdfSync (RFC 5869), scrypt/scryptSync (RFC 7914),
-- the async forms on the thread pool (callback and Promise), Node's
-- argument checks and scrypt's parameter limits.
local crypto = require "lode.crypto"
local Buffer = require("lode.buffer").Buffer
local Promise = require "lode.promise"

local H = unhex       -- hex, unhex and raises: spec/helper.lua

local RFC6070 = {
  { "password", "salt", 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6" },
  { "password", "salt", 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957" },
  { "password", "salt", 4096, 20,
    "4b007901b765489abead49d926f721d065a429c1" },
  { "passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096,
    25, "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038" },
  { "pass\0word", "sa\0lt", 4096, 16, "56fa6aa75548099dcc37d7f03425e0c3" },
}

local function seq(n, from)
  local t = {}
  for i = 0, n - 1 do t[#t + 1] = from + i end
  return Buffer.from(t)
end

local RFC5869 = {   -- test cases 1, 2, 3 (sha256), 4 and 7 (sha1)
  { "sha256", Buffer.alloc(22, 0x0b), H("000102030405060708090a0b0c"),
    H("f0f1f2f3f4f5f6f7f8f9"), 42,
    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf" ..
    "34007208d5b887185865" },
  { "sha256", seq(80, 0), seq(80, 0x60), seq(80, 0xb0), 82,
    "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c" ..
    "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71" ..
    "cc30c58179ec3e87c14c01d5c1f3434f1d87" },
  { "sha256", Buffer.alloc(22, 0x0b), "", "", 42,
    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d" ..
    "9d201395faa4b61a96c8" },
  { "sha1", Buffer.alloc(11, 0x0b), H("000102030405060708090a0b0c"),
    H("f0f1f2f3f4f5f6f7f8f9"), 42,
    "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2" ..
    "c22e422478d305f3f896" },
  { "sha1", Buffer.alloc(22, 0x0c), "", "", 42,
    "2c91117204d745f3500d636a62f64f0ab3bae548aa53d423b0d1f27ebba6f5e5" ..
    "673a081d70cce7acfc48" },
}

local RFC7914 = {   -- section 12 (the N=1048576 case is left out: 1 GiB)
  { "", "", 16, 1, 1,
    "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442" ..
    "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906" },
  { "password", "NaCl", 1024, 8, 16,
    "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162" ..
    "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640" },
  { "pleaseletmein", "SodiumChloride", 16384, 8, 1,
    "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2" ..
    "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887" },
}

describe("lode.crypto key derivation", function()
  describe("pbkdf2", function()
    for i, v in ipairs(RFC6070) do
      it("pbkdf2Sync matches RFC 6070 case " .. i, function()
        local key = crypto.pbkdf2Sync(v[1], v[2], v[3], v[4], "sha1")
        assert.is_true(Buffer.isBuffer(key))
        assert.equal(v[5], hex(key))
      end)
    end

    it("works with other digests and Buffers", function()
      assert.equal(
        "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a",
        hex(crypto.pbkdf2Sync(Buffer.from("password"), Buffer.from("salt"),
          4096, 32, "sha256")))
      assert.equal("30a385e047f4ef78f3f9a1713b0dd4117b75f418fc1f90b0649c38b6" ..
        "f0dacac4268c5c59fdc57a26",
        hex(crypto.pbkdf2Sync("password", "salt", 10, 40, "sha3-256")))
      assert.equal(0, #crypto.pbkdf2Sync("p", "s", 1, 0, "sha1"))
    end)

    it("runs async with a callback and as a Promise", function()
      local got, viaPromise
      crypto.pbkdf2("password", "salt", 4096, 20, "sha1", function(err, key)
        assert.is_nil(err)
        got = hex(key)
      end)
      crypto.pbkdf2("password", "salt", 2, 20, "sha1"):next(function(key)
        viaPromise = hex(key)
      end)
      run_loop()
      assert.equal(RFC6070[3][5], got)
      assert.equal(RFC6070[2][5], viaPromise)
    end)

    it("checks its arguments as Node", function()
      local err = raises(crypto.pbkdf2Sync, "p", "s", 1, 32, "nope")
      assert.equal("ERR_CRYPTO_INVALID_DIGEST", err.code)
      assert.equal("Invalid digest: nope", err.message)
      err = raises(crypto.pbkdf2Sync, "p", "s", 0, 32, "sha1")
      assert.equal("ERR_OUT_OF_RANGE", err.code)
      assert.equal('The value of "iterations" is out of range. It must be ' ..
        ">= 1 && <= 2147483647. Received 0", err.message)
      err = raises(crypto.pbkdf2Sync, "p", "s", 1, -1, "sha1")
      assert.equal("ERR_OUT_OF_RANGE", err.code)
      err = raises(crypto.pbkdf2Sync, "p", "s", 1, 32)
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
      assert.matches('"digest" argument', err.message)
      err = raises(crypto.pbkdf2Sync, 5, "s", 1, 32, "sha1")
      assert.matches('"password" argument', err.message)
      err = raises(crypto.pbkdf2, "p", "s", 1, 32, "nope", function() end)
      assert.equal("ERR_CRYPTO_INVALID_DIGEST", err.code)
    end)
  end)

  describe("hkdf", function()
    for i, v in ipairs(RFC5869) do
      it("hkdfSync matches RFC 5869 vector " .. i, function()
        local key = crypto.hkdfSync(v[1], v[2], v[3], v[4], v[5])
        assert.is_true(Buffer.isBuffer(key))
        assert.equal(v[6], hex(key))
      end)
    end

    it("runs async", function()
      local v, got = RFC5869[1], nil
      crypto.hkdf(v[1], v[2], v[3], v[4], v[5], function(err, key)
        assert.is_nil(err)
        got = hex(key)
      end)
      run_loop()
      assert.equal(v[6], got)
    end)

    it("checks the key length and info size", function()
      local err = raises(crypto.hkdfSync, "sha256", "k", "s", "i", 255 * 32 + 1)
      assert.equal("ERR_CRYPTO_INVALID_KEYLEN", err.code)
      assert.equal(255 * 32, #crypto.hkdfSync("sha256", "k", "s", "i",
        255 * 32))
      err = raises(crypto.hkdfSync, "sha256", "k", "s", ("i"):rep(1025), 32)
      assert.equal("ERR_OUT_OF_RANGE", err.code)
      err = raises(crypto.hkdfSync, "nope", "k", "s", "i", 32)
      assert.equal("ERR_CRYPTO_INVALID_DIGEST", err.code)
    end)
  end)

  describe("scrypt", function()
    for i, v in ipairs(RFC7914) do
      it("scryptSync matches RFC 7914 vector " .. i, function()
        local key = crypto.scryptSync(v[1], v[2], 64,
          { N = v[3], r = v[4], p = v[5] })
        assert.equal(v[6], hex(key))
      end)
    end

    it("takes Node's option aliases and defaults", function()
      local v = RFC7914[3]
      assert.equal(v[6], hex(crypto.scryptSync(v[1], v[2], 64,
        { cost = 16384, blockSize = 8, parallelization = 1 })))
      assert.equal(v[6], hex(crypto.scryptSync(v[1], v[2], 64)))
      local err = raises(crypto.scryptSync, "p", "s", 32, { N = 16, cost = 16 })
      assert.equal("ERR_CRYPTO_SCRYPT_INVALID_PARAMETER", err.code)
      err = raises(crypto.scryptSync, "p", "s", 32, { N = "x" })
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
    end)

    it("takes 0 for N, r, p or maxmem as the default, as Node", function()
      local want = hex(crypto.scryptSync("p", "s", 4))       -- 43297877
      assert.equal("43297877", want)
      for _, o in ipairs({ { N = 0 }, { r = 0 }, { p = 0 }, { maxmem = 0 },
        { cost = 0, blockSize = 0, parallelization = 0 } }) do
        assert.equal(want, hex(crypto.scryptSync("p", "s", 4, o)))
      end
    end)

    it("raises before calling libscrypt-kdf for bad parameters", function()
      -- Node's texts: its own N check gives no reason, OpenSSL's limits
      -- give OpenSSL's error.
      local MEM = "Invalid scrypt params: error:030000AC:digital envelope "
        .. "routines::memory limit exceeded"
      for _, c in ipairs({ { { N = 1 << 20 }, MEM }, { { N = 1000 } },
        { { N = 1 } }, { { N = 1024, maxmem = 1000 }, MEM },
        { { N = 32768 }, MEM }, { { p = 1 << 30 }, MEM },
        { { N = 1 << 17, r = 1 }, MEM } }) do
        local err = raises(crypto.scryptSync, "p", "s", 32, c[1])
        assert.equal("ERR_CRYPTO_INVALID_SCRYPT_PARAMS", err.code)
        assert.equal("RangeError", err.name)
        assert.equal(c[2] or "Invalid scrypt params", err.message)
      end
      -- Over the default maxmem, allowed by a bigger one.
      assert.equal(16, #crypto.scryptSync("p", "s", 16,
        { N = 32768, maxmem = 64 << 20 }))
    end)

    it("runs async, with and without options, and as a Promise", function()
      local v, a, b, c = RFC7914[1], nil, nil, nil
      crypto.scrypt(v[1], v[2], 64, { N = v[3], r = v[4], p = v[5] },
        function(err, key) assert.is_nil(err); a = hex(key) end)
      crypto.scrypt("pleaseletmein", "SodiumChloride", 64,
        function(err, key) assert.is_nil(err); b = hex(key) end)
      crypto.scrypt(v[1], v[2], 64, { N = v[3], r = v[4], p = v[5] })
        :next(function(key) c = hex(key) end)
      run_loop(20000)
      assert.equal(v[6], a)
      assert.equal(RFC7914[3][6], b)
      assert.equal(v[6], c)
    end)

    it("rejects the Promise form for bad parameters", function()
      local got
      crypto.scrypt("p", "s", 32, { N = 3 }):catch(function(e) got = e end)
      run_loop()
      assert.equal("ERR_CRYPTO_INVALID_SCRYPT_PARAMS", got.code)
    end)

    it("keeps the loop free while deriving", function()
      local ticks, done = 0, false
      local t = setInterval(function() ticks = ticks + 1 end, 1)
      crypto.scrypt("p", "s", 32, { N = 1 << 14, p = 4 }, function(err)
        assert.is_nil(err)
        done = true
        clearInterval(t)
      end)
      run_loop(20000)
      assert.is_true(done)
      assert.is_true(ticks > 0)
    end)
  end)

  it("derives a key the article's way and it works as a key", function()
    local salt = Buffer.alloc(16, 3)
    local key = crypto.scryptSync("pass", salt, 32)
    assert.equal(32, #key)
    local iv = Buffer.alloc(16)
    local c = crypto.createCipheriv("aes-256-cbc", key, iv)
    local enc = c:update("hello world", "utf8", "hex") .. c:final("hex")
    local d = crypto.createDecipheriv("aes-256-cbc", key, iv)
    assert.equal("hello world", d:update(enc, "hex", "utf8") .. d:final("utf8"))
    assert.is_table(Promise)
  end)
end)
