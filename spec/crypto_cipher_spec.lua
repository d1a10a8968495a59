-- lode.crypto ciphers (API.md 4 "crypto"): createCipheriv and
-- createDecipheriv for aes-{128,192,256}-{cbc,ctr,gcm} and
-- chacha20-poly1305. Vectors: NIST SP 800-38A (CBC, CTR), the GCM
-- specification's test cases 1, 2, 4, 6, 10 and 16 (as in NIST's GCM
-- validation), RFC 8439 section 2.8.2. Interop: lode's ciphertext
-- decrypted by `openssl enc`, and openssl's decrypted by lode. Errors
-- with Node 20's codes and texts.
local crypto = require "lode.crypto"
local Buffer = require("lode.buffer").Buffer
local stream = require "lode.stream"

local H = unhex       -- hex, unhex and raises: spec/helper.lua

-- Encrypts (or decrypts) data in one update plus final.
local function run(dec, alg, key, iv, data, opts, setup)
  local f = dec and crypto.createDecipheriv or crypto.createCipheriv
  local c = f(alg, key, iv, opts)
  if setup then setup(c) end
  local out = Buffer.concat({ c:update(data), c:final() })
  return out, c
end

local P = H("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
  .. "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
local KEYS = {
  [128] = "2b7e151628aed2a6abf7158809cf4f3c",
  [192] = "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
  [256] = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
}
local SP800_38A = {   -- F.2 (CBC) and F.5 (CTR)
  cbc = {
    [128] = "7649abac8119b246cee98e9b12e9197d" ..
      "5086cb9b507219ee95db113a917678b2" ..
      "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7",
    [192] = "4f021db243bc633d7178183a9fa071e8" ..
      "b4d9ada9ad7dedf4e5e738763f69145a" ..
      "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd",
    [256] = "f58c4c04d6e5f1ba779eabfb5f7bfbd6" ..
      "9cfc4e967edb808d679f777bc6702c7d" ..
      "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b",
  },
  ctr = {
    [128] = "874d6191b620e3261bef6864990db6ce" ..
      "9806f66b7970fdff8617187bb9fffdff" ..
      "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",
    [192] = "1abc932417521ca24f2b0459fe7e6e0b" ..
      "090339ec0aa6faefd5ccc2c6f4ce8e94" ..
      "1e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050",
    [256] = "601ec313775789a5b7a7f504bbf3d228" ..
      "f443e3ca4d62b59aca84e990cacaf5c5" ..
      "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6",
  },
}
local IVS = { cbc = "000102030405060708090a0b0c0d0e0f",
  ctr = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff" }

local GCM_P = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da" ..
  "2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
local GCM_A = "feedfacedeadbeeffeedfacedeadbeefabaddad2"
local GCM = {   -- { bits, key, iv, plaintext, aad, ciphertext, tag }
  { 128, ("00"):rep(16), ("00"):rep(12), "", nil, "",
    "58e2fccefa7e3061367f1d57a4e7455a" },
  { 128, ("00"):rep(16), ("00"):rep(12), ("00"):rep(16), nil,
    "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf" },
  { 128, "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
    GCM_P, GCM_A, "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e23" ..
    "29aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
    "5bc94fbc3221a5db94fae95ae7121a47" },
  { 128, "feffe9928665731c6d6a8f9467308308", "9313225df88406e555909c5aff52" ..
    "69aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b5254" ..
    "16aedbf5a0de6a57a637b39b", GCM_P, GCM_A,
    "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca701e4" ..
    "a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5",
    "619cc5aefffe0bfa462af43c1699d050" },
  { 192, "feffe9928665731c6d6a8f9467308308feffe9928665731c",
    "cafebabefacedbaddecaf888", GCM_P, GCM_A,
    "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d77" ..
    "3d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710",
    "2519498e80f1478f37ba55bd6d27618c" },
  { 256, "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
    "cafebabefacedbaddecaf888", GCM_P, GCM_A,
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb0" ..
    "8e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
    "76fc6ece0f4e1768cddf8853bb2d551b" },
}

local CHACHA = {   -- RFC 8439 2.8.2
  key = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
  iv = "070000004041424344454647", aad = "50515253c0c1c2c3c4c5c6c7",
  text = "Ladies and Gentlemen of the class of '99: If I could offer you " ..
    "only one tip for the future, sunscreen would be it.",
  ct = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbe" ..
    "a45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d" ..
    "778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9d" ..
    "e576d26586cec64b6116",
  tag = "1ae10b594f09e26a7e902ecbd0600691",
}

describe("lode.crypto ciphers", function()
  describe("NIST SP 800-38A", function()
    for _, mode in ipairs({ "cbc", "ctr" }) do
      for _, bits in ipairs({ 128, 192, 256 }) do
        local alg = ("aes-%d-%s"):format(bits, mode)
        it("encrypts and decrypts " .. alg, function()
          local key, iv = H(KEYS[bits]), H(IVS[mode])
          local nopad = function(c) c:setAutoPadding(false) end
          local ct = run(false, alg, key, iv, P, nil, nopad)
          assert.equal(SP800_38A[mode][bits], hex(ct))
          assert.equal(hex(P), hex(run(true, alg, key, iv, ct, nil, nopad)))
        end)
      end
    end

    it("gives the same bytes for any split of the input", function()
      for _, mode in ipairs({ "cbc", "ctr" }) do
        for _, step in ipairs({ 1, 5, 16, 17, 33 }) do
          local c = crypto.createCipheriv("aes-128-" .. mode, H(KEYS[128]),
            H(IVS[mode]))
          c:setAutoPadding(false)
          local parts = {}
          for i = 0, #P - 1, step do
            parts[#parts + 1] = c:update(P:subarray(i, i + step))
          end
          parts[#parts + 1] = c:final()
          assert.equal(SP800_38A[mode][128], hex(Buffer.concat(parts)))
        end
      end
    end)
  end)

  describe("CBC padding", function()
    local key, iv = Buffer.alloc(16, 7), Buffer.alloc(16, 9)
    it("pads to whole blocks and strips the padding", function()
      for n = 0, 33 do
        local text = ("x"):rep(n)
        local ct = run(false, "aes-128-cbc", key, iv, text)
        assert.equal((n // 16 + 1) * 16, #ct)
        assert.equal(text, tostring(run(true, "aes-128-cbc", key, iv, ct)))
      end
    end)

    it("holds the last block back when decrypting, as OpenSSL", function()
      local ct = run(false, "aes-128-cbc", key, iv, ("y"):rep(40))
      local d = crypto.createDecipheriv("aes-128-cbc", key, iv)
      assert.equal(32, #d:update(ct))
      assert.equal(8, #d:final())
    end)
  end)

  describe("GCM", function()
    for i, v in ipairs(GCM) do
      it("matches GCM test vector " .. i .. " (aes-" .. v[1] .. ")",
        function()
        local alg = ("aes-%d-gcm"):format(v[1])
        local key, iv = H(v[2]), H(v[3])
        local ct, c = run(false, alg, key, iv, H(v[4]), nil, function(c)
          if v[5] then c:setAAD(H(v[5])) end
        end)
        assert.equal(v[6], hex(ct))
        assert.equal(v[7], hex(c:getAuthTag()))
        local pt = run(true, alg, key, iv, ct, nil, function(d)
          if v[5] then d:setAAD(H(v[5])) end
          d:setAuthTag(H(v[7]))
        end)
        assert.equal(v[4], hex(pt))
      end)
    end

    it("joins AAD and data given in pieces", function()
      local v = GCM[3]
      local c = crypto.createCipheriv("aes-128-gcm", H(v[2]), H(v[3]))
      local aad = H(v[5])
      c:setAAD(aad:subarray(0, 3))
      c:setAAD(aad:subarray(3, 19))
      c:setAAD(aad:subarray(19))
      local p, parts = H(v[4]), {}
      for i = 0, #p - 1, 7 do
        parts[#parts + 1] = c:update(p:subarray(i, i + 7))
      end
      parts[#parts + 1] = c:final()
      assert.equal(v[6], hex(Buffer.concat(parts)))
      assert.equal(v[7], hex(c:getAuthTag()))
    end)

    it("outputs every byte from update(), as Node", function()
      for _, alg in ipairs({ "aes-128-gcm", "chacha20-poly1305" }) do
        local key = Buffer.alloc(alg:find("chacha") and 32 or 16, 5)
        local iv = Buffer.alloc(12, 6)
        local c = crypto.createCipheriv(alg, key, iv)
        local whole = run(false, alg, key, iv, ("z"):rep(150))
        local parts = {}
        for _, n in ipairs({ 5, 0, 11, 1, 47, 64, 22 }) do
          local out = c:update(("z"):rep(n))
          assert.equal(n, #out)
          parts[#parts + 1] = out
        end
        assert.equal(0, #c:final())
        assert.equal(hex(whole), hex(Buffer.concat(parts)))
        local d = crypto.createDecipheriv(alg, key, iv)
        d:setAuthTag(c:getAuthTag())
        assert.equal(7, #d:update(whole:subarray(0, 7)))
        assert.equal(143, #d:update(whole:subarray(7)))
        assert.equal(0, #d:final())
      end
    end)

    it("truncates the tag to authTagLength", function()
      local _, c = run(false, "aes-128-gcm", Buffer.alloc(16), Buffer.alloc(12),
        "hi", { authTagLength = 8 })
      assert.equal("e33a8eca511a2952", hex(c:getAuthTag()))
    end)

    it("refuses a tampered ciphertext, tag or AAD", function()
      local v = GCM[3]
      local key, iv = H(v[2]), H(v[3])
      local function open(ct, tag, aad)
        local d = crypto.createDecipheriv("aes-128-gcm", key, iv)
        d:setAAD(aad)
        d:setAuthTag(tag)
        d:update(ct)
        return d:final()
      end
      local ct, tag, aad = H(v[6]), H(v[7]), H(v[5])
      assert.equal(0, #open(ct, tag, aad))
      local bad = Buffer.from(ct); bad[0] = bad[0] ~ 1
      local err = raises(open, bad, tag, aad)
      assert.equal("Unsupported state or unable to authenticate data",
        err.message)
      bad = Buffer.from(tag); bad[15] = bad[15] ~ 0x80
      raises(open, ct, bad, aad)
      raises(open, ct, tag, H("00"))
      -- A truncated tag is checked on its length, as OpenSSL does.
      assert.equal(0, #open(ct, tag:subarray(0, 12), aad))
      bad = Buffer.from(tag:subarray(0, 12)); bad[11] = bad[11] ~ 1
      raises(open, ct, bad, aad)
      -- No tag at all.
      local d = crypto.createDecipheriv("aes-128-gcm", key, iv)
      d:update(ct)
      raises(d.final, d)
    end)
  end)

  describe("chacha20-poly1305", function()
    it("matches RFC 8439 2.8.2 both ways", function()
      local key, iv = H(CHACHA.key), H(CHACHA.iv)
      local ct, c = run(false, "chacha20-poly1305", key, iv, CHACHA.text, nil,
        function(c) c:setAAD(H(CHACHA.aad)) end)
      assert.equal(CHACHA.ct, hex(ct))
      assert.equal(CHACHA.tag, hex(c:getAuthTag()))
      local pt = run(true, "chacha20-poly1305", key, iv, ct, nil, function(d)
        d:setAAD(H(CHACHA.aad))
        d:setAuthTag(H(CHACHA.tag))
      end)
      assert.equal(CHACHA.text, tostring(pt))
    end)

    it("streams in odd pieces and refuses a bad tag", function()
      local key, iv = H(CHACHA.key), H(CHACHA.iv)
      local c = crypto.createCipheriv("chacha20-poly1305", key, iv)
      c:setAAD(H(CHACHA.aad))
      local parts = {}
      for i = 1, #CHACHA.text, 13 do
        parts[#parts + 1] = c:update(CHACHA.text:sub(i, i + 12))
      end
      parts[#parts + 1] = c:final()
      assert.equal(CHACHA.ct, hex(Buffer.concat(parts)))
      local d = crypto.createDecipheriv("chacha20-poly1305", key, iv)
      d:setAuthTag(H(CHACHA.tag))
      d:update(H(CHACHA.ct))
      raises(d.final, d)   -- the AAD is missing
    end)
  end)

  describe("encodings", function()
    it("round-trips the article's aes-256-cbc example", function()
      local key = crypto.scryptSync("pass", Buffer.alloc(16, 1), 32)
      local iv = Buffer.alloc(16, 2)
      local c = crypto.createCipheriv("aes-256-cbc", key, iv)
      local enc = c:update("hello world", "utf8", "hex") .. c:final("hex")
      assert.equal(32, #enc)
      local d = crypto.createDecipheriv("aes-256-cbc", key, iv)
      assert.equal("hello world", d:update(enc, "hex", "utf8") ..
        d:final("utf8"))
    end)

    it("joins base64 output split across update and final", function()
      local key, iv = Buffer.alloc(16, 1), Buffer.alloc(16, 2)
      local c = crypto.createCipheriv("aes-128-ctr", key, iv)
      local b64 = c:update("hello", "utf8", "base64") ..
        c:update(" world", "utf8", "base64") .. c:final("base64")
      local whole = run(false, "aes-128-ctr", key, iv, "hello world")
      assert.equal(whole:toString("base64"), b64)
    end)

    it("takes string keys and IVs as UTF-8 bytes", function()
      local c = crypto.createCipheriv("aes-128-ctr", "0123456789abcdef",
        "0123456789abcdef")
      assert.equal("0a", c:update("x", "utf8", "hex"))
    end)
  end)

  describe("errors", function()
    local k16, iv16 = Buffer.alloc(16), Buffer.alloc(16)
    it("raises ERR_CRYPTO_UNKNOWN_CIPHER for an unknown cipher", function()
      local err = raises(crypto.createCipheriv, "nope", k16, iv16)
      assert.equal("ERR_CRYPTO_UNKNOWN_CIPHER", err.code)
      assert.equal("Unknown cipher", err.message)
    end)

    it("raises ERR_CRYPTO_INVALID_KEYLEN and ERR_CRYPTO_INVALID_IV",
      function()
      local err = raises(crypto.createCipheriv, "aes-128-cbc",
        Buffer.alloc(15), iv16)
      assert.equal("ERR_CRYPTO_INVALID_KEYLEN", err.code)
      assert.equal("RangeError", err.name)
      for _, iv in ipairs({ Buffer.alloc(15), Buffer.alloc(12) }) do
        err = raises(crypto.createCipheriv, "aes-128-cbc", k16, iv)
        assert.equal("ERR_CRYPTO_INVALID_IV", err.code)
      end
      raises(crypto.createCipheriv, "aes-128-ctr", k16, nil)
      raises(crypto.createCipheriv, "aes-128-gcm", k16, Buffer.alloc(0))
      raises(crypto.createCipheriv, "chacha20-poly1305", Buffer.alloc(32),
        Buffer.alloc(8))
      -- GCM takes any non-empty IV.
      crypto.createCipheriv("aes-128-gcm", k16, Buffer.alloc(1))
    end)

    it("raises ERR_INVALID_ARG_TYPE for bad argument types", function()
      local err = raises(crypto.createCipheriv, 5, k16, iv16)
      assert.equal('The "cipher" argument must be of type string. ' ..
        "Received type number (5)", err.message)
      err = raises(crypto.createCipheriv, "aes-128-cbc", 5, iv16)
      assert.matches('"key" argument', err.message)
      err = raises(crypto.createCipheriv, "aes-128-cbc", k16, 5)
      assert.matches('"iv" argument', err.message)
      err = raises(function()
        crypto.createCipheriv("aes-128-ctr", k16, iv16):update(5) end)
      assert.matches('"data" argument', err.message)
    end)

    it("gives bad decrypt for a wrong key, never garbage", function()
      local ct = run(false, "aes-128-cbc", k16, iv16, "hello")
      local d = crypto.createDecipheriv("aes-128-cbc", Buffer.alloc(16, 1),
        iv16)
      assert.equal(0, #d:update(ct))
      local err = raises(d.final, d)
      assert.equal("ERR_OSSL_BAD_DECRYPT", err.code)
      assert.equal("bad decrypt", err.reason)
      err = raises(d.final, d)
      assert.equal("ERR_CRYPTO_INVALID_STATE", err.code)
    end)

    it("gives wrong final block length for partial blocks", function()
      local d = crypto.createDecipheriv("aes-128-cbc", k16, iv16)
      d:update(Buffer.alloc(5))
      assert.equal("ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH", raises(d.final, d).code)
      d = crypto.createDecipheriv("aes-128-cbc", k16, iv16)
      assert.equal("ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH", raises(d.final, d).code)
      local c = crypto.createCipheriv("aes-128-cbc", k16, iv16)
      c:setAutoPadding(false)
      c:update("hello")
      assert.equal("ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH", raises(c.final, c).code)
    end)

    it("refuses calls in the wrong state", function()
      local c = crypto.createCipheriv("aes-128-gcm", k16, Buffer.alloc(12))
      local err = raises(c.getAuthTag, c)
      assert.equal("Invalid state for operation getAuthTag", err.message)
      c:update("x")
      err = raises(c.setAAD, c, "a")
      assert.equal("Invalid state for operation setAAD", err.message)
      c:final()
      assert.equal("Trying to add data in unsupported state",
        raises(c.update, c, "x").message)
      assert.equal("ERR_CRYPTO_INVALID_STATE", raises(c.final, c).code)
      assert.equal("ERR_CRYPTO_INVALID_STATE",
        raises(c.setAutoPadding, c, false).code)
      assert.is_nil(c.setAuthTag)
      local d = crypto.createDecipheriv("aes-128-gcm", k16, Buffer.alloc(12))
      assert.is_nil(d.getAuthTag)
      err = raises(d.setAuthTag, d, Buffer.alloc(3))
      assert.equal("ERR_CRYPTO_INVALID_AUTH_TAG", err.code)
      assert.equal("Invalid authentication tag length: 3", err.message)
      d:setAuthTag(Buffer.alloc(16))
      assert.equal("ERR_CRYPTO_INVALID_STATE",
        raises(d.setAuthTag, d, Buffer.alloc(16)).code)
      err = raises(crypto.createCipheriv, "aes-128-gcm", k16, Buffer.alloc(12),
        { authTagLength = 3 })
      assert.equal("ERR_CRYPTO_INVALID_AUTH_TAG", err.code)
      err = raises(crypto.createCipheriv("aes-128-cbc", k16, iv16).setAAD,
        crypto.createCipheriv("aes-128-cbc", k16, iv16), "a")
      assert.equal("ERR_CRYPTO_INVALID_STATE", err.code)
    end)
  end)

  it("getCiphers() lists what createCipheriv takes", function()
    local names = crypto.getCiphers()
    assert.equal(10, #names)
    for _, n in ipairs(names) do
      local info = crypto.getCipherInfo(n)
      assert.equal(n, info.name)
      crypto.createCipheriv(n, Buffer.alloc(info.keyLength),
        Buffer.alloc(info.ivLength))
    end
  end)

  describe("as a stream", function()
    it("encrypts through stream.pipeline and decrypts back", function()
      local key, iv = Buffer.alloc(32, 3), Buffer.alloc(16, 4)
      local text = ("stream me "):rep(1000)
      local chunks, plain = {}, {}
      local sink = stream.Writable.new({ write = function(_, c, _, cb)
        chunks[#chunks + 1] = c; cb() end })
      local pieces = {}
      for i = 1, #text, 777 do pieces[#pieces + 1] = text:sub(i, i + 776) end
      stream.pipeline(stream.Readable.from(pieces),
        crypto.createCipheriv("aes-256-cbc", key, iv), sink, function(err)
          assert.is_nil(err)
          local back = stream.Writable.new({ write = function(_, c, _, cb)
            plain[#plain + 1] = tostring(c); cb() end })
          stream.pipeline(stream.Readable.from({ Buffer.concat(chunks) }),
            crypto.createDecipheriv("aes-256-cbc", key, iv), back,
            function(e2) assert.is_nil(e2) end)
        end)
      run_loop()
      assert.equal(hex(run(false, "aes-256-cbc", key, iv, text)),
        hex(Buffer.concat(chunks)))
      assert.equal(text, table.concat(plain))
    end)

    it("reports a bad decrypt as a stream error", function()
      local key, iv = Buffer.alloc(16), Buffer.alloc(16)
      local got
      stream.pipeline(stream.Readable.from({ Buffer.alloc(32, 1) }),
        crypto.createDecipheriv("aes-128-cbc", key, iv),
        stream.Writable.new({ write = function(_, _, _, cb) cb() end }),
        function(err) got = err end)
      run_loop()
      assert.equal("ERR_OSSL_BAD_DECRYPT", got and got.code)
    end)
  end)

  describe("interop with openssl enc", function()
    local function openssl(args, input)
      local inf, outf = os.tmpname(), os.tmpname()
      spit(inf, input)
      local ok = os.execute(("openssl enc %s -in %s -out %s 2>/dev/null")
        :format(args, inf, outf))
      local out = slurp(outf)
      os.remove(inf)
      os.remove(outf)
      return ok and out or nil
    end
    local text = ("interop test data, not a multiple of 16 "):rep(37)

    for _, alg in ipairs({ "aes-128-cbc", "aes-192-cbc", "aes-256-cbc",
      "aes-128-ctr", "aes-256-ctr" }) do
      it("openssl decrypts lode's " .. alg .. " and the reverse", function()
        if not have_command("openssl") then
          pending("openssl is not installed")
          return
        end
        local bits = tonumber(alg:match("%d+"))
        local key = crypto.createHash("sha256"):update(alg):digest()
          :subarray(0, bits // 8)
        local iv = Buffer.alloc(16, 0x5a)
        local args = ("-%s -K %s -iv %s"):format(alg, hex(key), hex(iv))
        local ct = run(false, alg, key, iv, text)
        assert.equal(text, openssl("-d " .. args, "" .. ct))  -- raw bytes
        local theirs = openssl(args, text)
        assert.equal(hex(ct), hex(Buffer.from(theirs)))
        assert.equal(text, tostring(run(true, alg, key, iv, theirs)))
      end)
    end
  end)
end)
