-- lode.crypto digests and HMACs (API.md 4 "crypto"): createHash,
-- createHmac, crypto.hash, timingSafeEqual, getHashes, the stream side,
-- and Node 20's errors. Digest vectors: FIPS 180-4 / FIPS 202 examples
-- ("abc", the 448-bit message, one million 'a'), RFC 1321 (md5), the
-- RIPEMD-160 authors' list; HMAC: RFC 4231. Interop: sha256sum and
-- `openssl dgst` over the same file.
local crypto = require "lode.crypto"
local Buffer = require("lode.buffer").Buffer
local stream = require "lode.stream"

local hexbytes = unhex     -- unhex and raises: spec/helper.lua

local TWO = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
local VECTORS = {
  md5 = { "900150983cd24fb0d6963f7d28e17f72",
    "8215ef0796a20bcaaae116d3876c664a", "7707d6ae4e027c70eea2a935c2296f21" },
  sha1 = { "a9993e364706816aba3e25717850c26c9cd0d89d",
    "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    "34aa973cd4c4daa4f61eeb2bdbad27316534016f" },
  sha224 = { "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
    "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
    "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67" },
  sha256 = {
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
  sha384 = {
    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed" ..
    "8086072ba1e7cc2358baeca134c825a7",
    "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6" ..
    "b0455a8520bc4e6f5fe95b1fe3c8452b",
    "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b" ..
    "07b8b3dc38ecc4ebae97ddd87f3d8985" },
  sha512 = {
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a" ..
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335" ..
    "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
    "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb" ..
    "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b" },
  ["sha512-256"] = {
    "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23",
    "bde8e1f9f19bb9fd3406c90ec6bc47bd36d8ada9f11880dbc8a22a7078b6a461",
    "9a59a052930187a97038cae692f30708aa6491923ef5194394dc68d56c74fb21" },
  ["sha3-256"] = {
    "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
    "41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376",
    "5c8875ae474a3634ba4fd55ec85bffd661f32aca75c6d699d0cdcb6c115891c1" },
  ["sha3-512"] = {
    "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e" ..
    "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
    "04a371e84ecfb5b8b77cb48610fca8182dd457ce6f326a0fd3d7ec2f1e91636d" ..
    "ee691fbe0c985302ba1b0d8dc78c086346b533b49c030d99a27daf1139d6e75e",
    "3c3a876da14034ab60627c077bb98f7e120a2a5370212dffb3385a18d4f38859" ..
    "ed311d0a9d5141ce9cc5c66ee689b266a8aa18ace8282a0e0db596c90b0a7b87" },
  ripemd160 = { "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc",
    "12a053384a9c0c88e405a06c27dcf49ada62eb2b",
    "52783243c1697bdbe16d37f97f68f08325dc1528" },
}

describe("lode.crypto hashes", function()
  describe("createHash()", function()
    it("gives the article's sha256 of 'hello world'", function()
      assert.equal(
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
        crypto.createHash("sha256"):update("hello world"):digest("hex"))
    end)

    for alg, v in pairs(VECTORS) do
      it("matches the published vectors for " .. alg, function()
        assert.equal(v[1], crypto.createHash(alg):update("abc"):digest("hex"))
        assert.equal(v[2], crypto.createHash(alg):update(TWO):digest("hex"))
        local h = crypto.createHash(alg)
        local chunk = ("a"):rep(1000)   -- a million 'a' in pieces
        for _ = 1, 1000 do h:update(chunk) end
        assert.equal(v[3], h:digest("hex"))
      end)
    end

    it("returns a Buffer without an encoding, and encodes with one",
      function()
      local d = crypto.createHash("sha1"):update("abc"):digest()
      assert.is_true(Buffer.isBuffer(d))
      assert.equal(20, #d)
      assert.equal(VECTORS.sha1[1], d:toString("hex"))
      assert.equal("qZk+NkcGgWq6PiVxeFDCbJzQ2J0=",
        crypto.createHash("sha1"):update("abc"):digest("base64"))
      assert.equal("qZk-NkcGgWq6PiVxeFDCbJzQ2J0",
        crypto.createHash("sha1"):update("abc"):digest("base64url"))
      -- An unknown output encoding gives a Buffer, as Node 20.
      assert.is_true(Buffer.isBuffer(
        crypto.createHash("sha1"):update("abc"):digest("nope")))
    end)

    it("hashes Buffers and strings in an input encoding", function()
      local want = VECTORS.sha256[1]
      local function h(...) return crypto.createHash("sha256"):update(...)
        :digest("hex") end
      assert.equal(want, h(Buffer.from("abc")))
      assert.equal(want, h("616263", "hex"))
      assert.equal(want, h("YWJj", "base64"))
      assert.equal(want, h("abc", "latin1"))
      assert.equal(want, h(Buffer.from("xabcx"):subarray(1, 4)))
    end)

    it("chains update and hashes pieces as one", function()
      local h = crypto.createHash("sha256")
      assert.equal(h, h:update("a"))
      assert.equal(VECTORS.sha256[1], h:update("b"):update("c"):digest("hex"))
    end)

    it("accepts names in any case and OpenSSL's aliases", function()
      for _, n in ipairs({ "SHA256", "sha-256", "RSA-SHA256", "Sha256" }) do
        assert.equal(VECTORS.sha256[1],
          crypto.createHash(n):update("abc"):digest("hex"))
      end
      assert.equal(VECTORS.ripemd160[1],
        crypto.createHash("rmd160"):update("abc"):digest("hex"))
    end)

    it("copies the state with :copy()", function()
      local h = crypto.createHash("sha256"):update("ab")
      local c = h:copy()
      assert.equal(VECTORS.sha256[1], c:update("c"):digest("hex"))
      assert.equal(crypto.hash("sha256", "abd"), h:update("d"):digest("hex"))
    end)
  end)

  describe("errors", function()
    it("raises for an unknown algorithm", function()
      local err = raises(crypto.createHash, "nope")
      assert.equal("Digest method not supported", err.message)
      assert.equal("ERR_CRYPTO_INVALID_DIGEST", err.code)
      err = raises(crypto.createHmac, "nope", "k")
      assert.equal("ERR_CRYPTO_INVALID_DIGEST", err.code)
      assert.equal("Invalid digest: nope", err.message)
      assert.equal("TypeError", err.name)
    end)

    it("raises ERR_INVALID_ARG_TYPE for bad arguments", function()
      local err = raises(crypto.createHash, 5)
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
      assert.equal('The "algorithm" argument must be of type string. ' ..
        "Received type number (5)", err.message)
      err = raises(function() crypto.createHash("sha1"):update(5) end)
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
      assert.matches('"data" argument', err.message)
      err = raises(crypto.createHmac, "sha1")
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
      assert.matches('"key" argument', err.message)
      err = raises(crypto.createHash("sha1").update, {}, "x")
      assert.equal("ERR_INVALID_THIS", err.code)
    end)

    it("raises ERR_CRYPTO_HASH_FINALIZED after digest()", function()
      local h = crypto.createHash("sha256")
      h:digest()
      for _, f in ipairs({ h.digest, h.update, h.copy }) do
        local err = raises(f, h, "x")
        assert.equal("ERR_CRYPTO_HASH_FINALIZED", err.code)
        assert.equal("Digest already called", err.message)
      end
    end)

    it("rejects odd-length hex input as Node", function()
      local err = raises(function()
        crypto.createHash("sha1"):update("abc", "hex") end)
      assert.equal("ERR_INVALID_ARG_VALUE", err.code)
      assert.equal("The argument 'encoding' is invalid for data of " ..
        "length 3. Received 'hex'", err.message)
    end)
  end)

  describe("createHmac()", function()
    local CASES = {   -- RFC 4231 sections 4.2 to 4.8
      { ("\x0b"):rep(20), "Hi There",
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde" ..
        "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
      { "Jefe", "what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554" ..
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
      { ("\xaa"):rep(20), ("\xdd"):rep(50),
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39" ..
        "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
      { hexbytes("0102030405060708090a0b0c0d0e0f10111213141516171819"),
        ("\xcd"):rep(50),
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db" ..
        "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
      { ("\xaa"):rep(131),
        "Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352" ..
        "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
      { ("\xaa"):rep(131), "This is a test using a larger than block-size" ..
        " key and a larger than block-size data. The key needs to be" ..
        " hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944" ..
        "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
    }
    for i, c in ipairs(CASES) do
      it("matches RFC 4231 case " .. i .. " (sha256, sha512)", function()
        assert.equal(c[3],
          crypto.createHmac("sha256", c[1]):update(c[2]):digest("hex"))
        assert.equal(c[4],
          crypto.createHmac("sha512", c[1]):update(c[2]):digest("hex"))
      end)
    end

    it("matches RFC 4231 for sha224, sha384 and truncation", function()
      assert.equal("896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
        crypto.createHmac("sha224", ("\x0b"):rep(20)):update("Hi There")
          :digest("hex"))
      assert.equal("af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec373" ..
        "6322445e8e2240ca5e69e2c78b3239ecfab21649",
        crypto.createHmac("sha384", "Jefe")
          :update("what do ya want for nothing?"):digest("hex"))
      local d = crypto.createHmac("sha256", ("\x0c"):rep(20))
        :update("Test With Truncation"):digest("hex")
      assert.equal("a3b6167473100ee06e0c796c2955552b", d:sub(1, 32))
    end)

    it("gives empty output for a second digest, as Node", function()
      local h = crypto.createHmac("sha256", "k")
      assert.equal(64, #h:digest("hex"))
      assert.equal("", h:digest("hex"))
      assert.equal(0, #h:digest())
      local err = raises(h.update, h, "x")
      assert.equal("ERR_CRYPTO_HASH_FINALIZED", err.code)
    end)

    it("works with sha3 and an empty key", function()
      assert.equal(
        "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad",
        crypto.createHmac("sha256", ""):update(""):digest("hex"))
      assert.equal(64, #crypto.createHmac("sha3-256", Buffer.from("k"))
        :update("x"):digest("hex"))
    end)
  end)

  describe("crypto.hash()", function()
    it("defaults to hex, takes an encoding or 'buffer'", function()
      assert.equal(VECTORS.sha1[1], crypto.hash("sha1", "abc"))
      assert.equal("qZk+NkcGgWq6PiVxeFDCbJzQ2J0=",
        crypto.hash("sha1", "abc", "base64"))
      local b = crypto.hash("sha1", Buffer.from("abc"), "buffer")
      assert.equal(VECTORS.sha1[1], b:toString("hex"))
      local err = raises(crypto.hash, "nope", "abc")
      assert.equal("Digest method nope is not supported", err.message)
      err = raises(crypto.hash, "sha1", 5)
      assert.matches('"input" argument', err.message)
    end)
  end)

  describe("timingSafeEqual()", function()
    it("compares equal-length Buffers", function()
      assert.is_true(crypto.timingSafeEqual(Buffer.from("ab"), "ab"))
      assert.is_false(crypto.timingSafeEqual(Buffer.from("ab"),
        Buffer.from("ac")))
      local err = raises(crypto.timingSafeEqual, Buffer.alloc(2),
        Buffer.alloc(3))
      assert.equal("ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH", err.code)
      err = raises(crypto.timingSafeEqual, 1, "a")
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
    end)

    it("raises Node's ERR_INVALID_ARG_TYPE for a missing argument",
      function()
        local want = 'The "buf%d" argument must be an instance of ' ..
          "ArrayBuffer, Buffer, TypedArray, or DataView."
        for _, c in ipairs({ { 1, nil, "x" }, { 2, "x", nil },
          { 1, nil, nil }, { 2, "x", {} } }) do
          local err = raises_code("ERR_INVALID_ARG_TYPE",
            crypto.timingSafeEqual, c[2], c[3])
          assert.equal(want:format(c[1]), err.message)
          assert.equal("TypeError", err.name)
        end
      end)
  end)

  it("getHashes() lists what createHash takes", function()
    local names = crypto.getHashes()
    for alg in pairs(VECTORS) do
      local found = false
      for _, n in ipairs(names) do found = found or n == alg end
      assert.is_true(found, alg)
    end
    for _, n in ipairs(names) do crypto.createHash(n) end
  end)

  describe("as a stream", function()
    it("is a Transform that pushes the digest", function()
      local h = crypto.createHash("sha256")
      assert.is_true(stream.isWritable(h) ~= false)
      local got
      h:on("data", function(d) got = d end)
      h:write("hello ")
      h:finish("world")
      run_loop()
      assert.equal(
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
        got:toString("hex"))
    end)

    it("works in stream.pipeline with an encoding option", function()
      local out, done = {}, false
      local sink = stream.Writable.new({ write = function(_, c, _, cb)
        out[#out + 1] = tostring(c); cb() end })
      stream.pipeline(stream.Readable.from({ "a", "b", "c" }),
        crypto.createHmac("sha256", "k", { encoding = "hex" }), sink,
        function(err)
          assert.is_nil(err)
          done = true
        end)
      run_loop()
      assert.is_true(done)
      assert.equal(crypto.createHmac("sha256", "k"):update("abc")
        :digest("hex"), table.concat(out))
    end)
  end)

  describe("interop", function()
    local path = os.tmpname()
    local data = ("lode crypto interop\n"):rep(5000)
    spit(path, data)
    teardown(function() os.remove(path) end)
    local function sh(cmd) return (shell(cmd .. " 2>/dev/null")) end

    it("equals sha256sum over the same file", function()
      local want = sh("sha256sum " .. path):match("^(%x+)")
      assert.equal(want, crypto.createHash("sha256"):update(data)
        :digest("hex"))
    end)

    it("equals `openssl dgst` for each digest it knows", function()
      if not have_command("openssl") then
        pending("openssl is not installed")
        return
      end
      for _, alg in ipairs({ "md5", "sha1", "sha224", "sha256", "sha384",
        "sha512", "sha3-256", "sha3-512" }) do
        local want = sh(("openssl dgst -%s -r %s"):format(alg, path))
          :match("^(%x+)")
        assert.equal(want, crypto.hash(alg, data), alg)
      end
      local want = sh(("openssl dgst -sha256 -hmac secret -r %s"):format(path))
        :match("^(%x+)")
      assert.equal(want, crypto.createHmac("sha256", "secret"):update(data)
        :digest("hex"))
    end)
  end)
end)
