-- lode.crypto.keys: key generation (sync, callback, Promise), KeyObject,
-- createPublicKey/createPrivateKey in every encoding, sign/verify (RSA
-- PKCS#1 v1.5, RSA-PSS, ECDSA DER and P1363), bad input with Node's
-- errors, and interop: keys and signatures made by lode are read by
-- openssl and Node 20 and the reverse.
local keys = require "lode.crypto.keys"
local constants = require "lode.crypto.constants"

local PSS = constants.RSA_PKCS1_PSS_PADDING

-- raises(fn[, code]): raises_code (spec/helper.lua) in this file's order.
local function raises(fn, code) return raises_code(code, fn) end

-- One key of each kind for the whole file (RSA generation is slow).
local rsa = keys.generateKeyPairSync("rsa", { modulusLength = 2048 })
local ec = keys.generateKeyPairSync("ec", { namedCurve = "P-256" })
local ec384 = keys.generateKeyPairSync("ec", { namedCurve = "secp384r1" })

local RSA_PEM = rsa.privateKey:export({ type = "pkcs8", format = "pem" })
local RSA_PUB = rsa.publicKey:export({ type = "spki", format = "pem" })
local EC_PEM = ec.privateKey:export({ type = "pkcs8", format = "pem" })
local EC_PUB = ec.publicKey:export({ type = "spki", format = "pem" })

describe("lode.crypto.keys", function()
  describe("generateKeyPairSync()", function()
    it("makes RSA KeyObjects with Node's details", function()
      assert.are.equal("public", rsa.publicKey.type)
      assert.are.equal("private", rsa.privateKey.type)
      assert.are.equal("rsa", rsa.privateKey.asymmetricKeyType)
      assert.are.same({ modulusLength = 2048, publicExponent = 65537 },
        rsa.publicKey.asymmetricKeyDetails)
      assert.are.equal("[object KeyObject]", tostring(rsa.publicKey))
      assert.is_true(keys.KeyObject == getmetatable(rsa.publicKey).super)
    end)

    it("makes EC keys on named curves, reported by OpenSSL's names",
      function()
      assert.are.same({ namedCurve = "prime256v1" },
        ec.privateKey.asymmetricKeyDetails)
      assert.are.same({ namedCurve = "secp384r1" },
        ec384.publicKey.asymmetricKeyDetails)
      for name, want in pairs({ ["P-521"] = "secp521r1",
        secp256k1 = "secp256k1", prime256v1 = "prime256v1" }) do
        local kp = keys.generateKeyPairSync("ec", { namedCurve = name })
        assert.are.equal(want, kp.publicKey.asymmetricKeyDetails.namedCurve)
      end
    end)

    it("takes modulusLength and publicExponent", function()
      local kp = keys.generateKeyPairSync("rsa", { modulusLength = 1024,
        publicExponent = 3 })
      assert.are.same({ modulusLength = 1024, publicExponent = 3 },
        kp.privateKey.asymmetricKeyDetails)
    end)

    it("returns PEM strings when the encodings ask for PEM", function()
      local kp = keys.generateKeyPairSync("ec", { namedCurve = "P-256",
        publicKeyEncoding = { type = "spki", format = "pem" },
        privateKeyEncoding = { type = "sec1", format = "pem" } })
      assert.is_truthy(kp.publicKey:find("^%-%-%-%-%-BEGIN PUBLIC KEY"))
      assert.is_truthy(kp.privateKey:find("^%-%-%-%-%-BEGIN EC PRIVATE KEY"))
      assert.is_truthy(kp.privateKey:find("%-%-%-%-%-\n$"))
      kp = keys.generateKeyPairSync("rsa", { modulusLength = 1024,
        publicKeyEncoding = { type = "pkcs1", format = "pem" },
        privateKeyEncoding = { type = "pkcs1", format = "der" } })
      assert.is_truthy(kp.publicKey:find("^%-%-%-%-%-BEGIN RSA PUBLIC KEY"))
      assert.is_true(Buffer.isBuffer(kp.privateKey))
      local only = keys.generateKeyPairSync("ec", { namedCurve = "P-256",
        publicKeyEncoding = { type = "spki", format = "pem" } })
      assert.are.equal("string", type(only.publicKey))
      assert.are.equal("private", only.privateKey.type)
    end)

    it("encrypts the private key with a cipher and passphrase", function()
      local kp = keys.generateKeyPairSync("ec", { namedCurve = "P-256",
        privateKeyEncoding = { type = "pkcs8", format = "pem",
          cipher = "aes-256-cbc", passphrase = "top secret" } })
      assert.is_truthy(kp.privateKey:find("BEGIN ENCRYPTED PRIVATE KEY"))
      local k = keys.createPrivateKey({ key = kp.privateKey,
        passphrase = "top secret" })
      assert.is_true(k:equals(keys.createPrivateKey({ key = kp.privateKey,
        passphrase = Buffer.from("top secret") })))
    end)

    it("raises Node's errors for bad options", function()
      local e = raises(function()
        keys.generateKeyPairSync("ec", { namedCurve = "foo" })
      end, "ERR_CRYPTO_INVALID_CURVE")
      assert.are.equal("Invalid EC curve name", e.message)
      raises(function() keys.generateKeyPairSync("ec", {}) end,
        "ERR_INVALID_ARG_TYPE")
      e = raises(function()
        keys.generateKeyPairSync("rsa", { modulusLength = 256 })
      end)
      assert.are.equal("error:1C8000AB:Provider routines::key size too small",
        e.message)
      e = raises(function()
        keys.generateKeyPairSync("rsa", { modulusLength = 1024,
          publicExponent = 2 })
      end)
      assert.is_truthy(e.message:find("pub exponent out of range", 1, true))
      raises(function() keys.generateKeyPairSync("rsa", {}) end,
        "ERR_INVALID_ARG_TYPE")
      raises(function()
        keys.generateKeyPairSync("rsa", { modulusLength = -1 })
      end, "ERR_OUT_OF_RANGE")
      e = raises(function() keys.generateKeyPairSync("dsa2", {}) end,
        "ERR_INVALID_ARG_VALUE")
      assert.are.equal("The argument 'type' must be a supported key type. " ..
        "Received 'dsa2'", e.message)
      raises(function() keys.generateKeyPairSync(5, {}) end,
        "ERR_INVALID_ARG_TYPE")
      raises(function() keys.generateKeyPairSync("rsa") end,
        "ERR_INVALID_ARG_TYPE")
    end)

    it("raises Node's errors for bad encodings", function()
      local function gen(pub, priv)
        return keys.generateKeyPairSync("ec", { namedCurve = "P-256",
          publicKeyEncoding = pub, privateKeyEncoding = priv })
      end
      local e = raises(function() gen({ type = "foo", format = "pem" }) end,
        "ERR_INVALID_ARG_VALUE")
      assert.are.equal("The property 'options.publicKeyEncoding.type' is " ..
        "invalid. Received 'foo'", e.message)
      raises(function() gen({ type = "spki", format = "foo" }) end,
        "ERR_INVALID_ARG_VALUE")
      raises(function() gen("pem") end, "ERR_INVALID_ARG_VALUE")
      e = raises(function() gen(nil, { type = "pkcs1", format = "pem" }) end,
        "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS")
      assert.are.equal("The selected key encoding pkcs1 can only be used " ..
        "for RSA keys.", e.message)
      raises(function()
        gen(nil, { type = "pkcs8", format = "pem", cipher = "aes-256-cbc" })
      end, "ERR_INVALID_ARG_VALUE")
      raises(function()
        gen(nil, { type = "pkcs8", format = "pem", passphrase = "x" })
      end, "ERR_INVALID_ARG_VALUE")
      raises(function()
        gen(nil, { type = "pkcs8", format = "pem", cipher = "rot13",
          passphrase = "x" })
      end, "ERR_CRYPTO_UNKNOWN_CIPHER")
      raises(function()
        gen(nil, { type = "sec1", format = "der", cipher = "aes-128-cbc",
          passphrase = "x" })
      end, "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS")
    end)
  end)

  describe("generateKeyPair()", function()
    it("runs on the thread pool and calls back (err, pub, priv)",
      function()
      local got = {}
      keys.generateKeyPair("ec", { namedCurve = "P-384",
        publicKeyEncoding = { type = "spki", format = "pem" } },
        function(err, pub, priv)
          got = { err = err, pub = pub, priv = priv }
        end)
      assert.is_nil(got.pub)
      run_loop()
      assert.is_nil(got.err)
      assert.is_truthy(got.pub:find("BEGIN PUBLIC KEY"))
      assert.are.equal("secp384r1", got.priv.asymmetricKeyDetails.namedCurve)
    end)

    it("returns a Promise of { publicKey, privateKey } without a callback",
      function()
      local kp
      keys.generateKeyPair("rsa", { modulusLength = 1024 }):next(function(v)
        kp = v
      end)
      run_loop(20000)
      assert.are.equal(1024, kp.publicKey.asymmetricKeyDetails.modulusLength)
      assert.are.equal("private", kp.privateKey.type)
    end)

    it("raises bad options at the call", function()
      raises(function()
        keys.generateKeyPair("ec", { namedCurve = "nope" }, function() end)
      end, "ERR_CRYPTO_INVALID_CURVE")
    end)
  end)

  describe("createPublicKey() / createPrivateKey()", function()
    it("read PEM strings and Buffers", function()
      local pub = keys.createPublicKey(RSA_PUB)
      assert.is_true(pub:equals(rsa.publicKey))
      assert.is_true(keys.createPublicKey(Buffer.from(EC_PUB))
        :equals(ec.publicKey))
      assert.is_true(keys.createPrivateKey(RSA_PEM):equals(rsa.privateKey))
    end)

    it("take the public half of a private key", function()
      assert.is_true(keys.createPublicKey(EC_PEM):equals(ec.publicKey))
      assert.is_true(keys.createPublicKey(rsa.privateKey)
        :equals(rsa.publicKey))
      assert.are.equal("public", keys.createPublicKey(ec.privateKey).type)
    end)

    it("read every encoding lode writes", function()
      for _, kp in ipairs({ rsa, ec }) do
        local priv = kp.privateKey
        local t = priv.asymmetricKeyType == "rsa" and "pkcs1" or "sec1"
        for _, enc in ipairs({ { "pkcs8", "pem" }, { "pkcs8", "der" },
          { t, "pem" }, { t, "der" } }) do
          local out = priv:export({ type = enc[1], format = enc[2] })
          local back = keys.createPrivateKey({ key = out, format = enc[2],
            type = enc[1] })
          assert.is_true(back:equals(priv), enc[1] .. "/" .. enc[2])
        end
        local spki = kp.publicKey:export({ type = "spki", format = "der" })
        assert.is_true(keys.createPublicKey({ key = spki, format = "der",
          type = "spki" }):equals(kp.publicKey))
      end
      local p1 = rsa.publicKey:export({ type = "pkcs1", format = "pem" })
      assert.is_true(keys.createPublicKey(p1):equals(rsa.publicKey))
      local hex = rsa.publicKey:export({ type = "spki", format = "der" })
        :toString("hex")
      assert.is_true(keys.createPublicKey({ key = hex, format = "der",
        type = "spki", encoding = "hex" }):equals(rsa.publicKey))
    end)

    it("decrypt PKCS#8 (PBES2) and legacy PEM keys", function()
      for _, c in ipairs({ "aes-128-cbc", "aes-192-cbc", "aes-256-cbc",
        "des-ede3-cbc" }) do
        for _, t in ipairs({ "pkcs8", "sec1" }) do
          local pem = ec.privateKey:export({ type = t, format = "pem",
            cipher = c, passphrase = "pw" })
          local k = keys.createPrivateKey({ key = pem, passphrase = "pw" })
          assert.is_true(k:equals(ec.privateKey), c .. " " .. t)
        end
      end
      local der = rsa.privateKey:export({ type = "pkcs8", format = "der",
        cipher = "aes-256-cbc", passphrase = "pw" })
      assert.is_true(keys.createPrivateKey({ key = der, format = "der",
        type = "pkcs8", passphrase = "pw" }):equals(rsa.privateKey))
    end)

    it("raise Node's errors for malformed and protected keys", function()
      for _, bad in ipairs({ "hello", "", "-----BEGIN PRIVATE KEY-----\n" ..
        "abc\n-----END PRIVATE KEY-----\n", Buffer.from("junk") }) do
        local e = raises(function() keys.createPrivateKey(bad) end,
          "ERR_OSSL_UNSUPPORTED")
        assert.are.equal("error:1E08010C:DECODER routines::unsupported",
          e.message)
        raises(function() keys.createPublicKey(bad) end,
          "ERR_OSSL_UNSUPPORTED")
      end
      local enc = ec.privateKey:export({ type = "pkcs8", format = "pem",
        cipher = "aes-256-cbc", passphrase = "pw" })
      raises(function() keys.createPrivateKey(enc) end,
        "ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED")
      raises(function()
        keys.createPrivateKey({ key = enc, passphrase = "wrong" })
      end, "ERR_OSSL_BAD_DECRYPT")
      -- a public key is no private key
      raises(function() keys.createPrivateKey(EC_PUB) end,
        "ERR_OSSL_UNSUPPORTED")
      local e = raises(function() keys.createPublicKey(5) end,
        "ERR_INVALID_ARG_TYPE")
      assert.is_truthy(e.message:find("KeyObject, or CryptoKey", 1, true))
      raises(function() keys.createPrivateKey(ec.privateKey) end,
        "ERR_INVALID_ARG_TYPE")
      raises(function() keys.createPublicKey(ec.publicKey) end,
        "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE")
      raises(function() keys.createPublicKey({}) end, "ERR_INVALID_ARG_TYPE")
      raises(function() keys.createPublicKey({ key = "x", format = "foo" })
      end, "ERR_INVALID_ARG_VALUE")
      raises(function() keys.createPublicKey({ key = "x", format = "der" })
      end, "ERR_INVALID_ARG_VALUE")
      raises(function() keys.createPrivateKey({ key = "x", passphrase = 5 })
      end, "ERR_INVALID_ARG_VALUE")
    end)
  end)

  describe("KeyObject", function()
    it("exports with Node's option checks", function()
      raises(function() rsa.publicKey:export() end, "ERR_INVALID_ARG_TYPE")
      local e = raises(function() rsa.publicKey:export({ type = "spki" }) end,
        "ERR_INVALID_ARG_VALUE")
      assert.are.equal("The property 'options.format' is invalid. " ..
        "Received nil", e.message)
      raises(function() rsa.publicKey:export({ type = "pkcs8",
        format = "pem" }) end, "ERR_INVALID_ARG_VALUE")
      raises(function() rsa.privateKey:export({ type = "spki",
        format = "pem" }) end, "ERR_INVALID_ARG_VALUE")
      raises(function() rsa.privateKey:export({ type = "sec1",
        format = "pem" }) end, "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS")
      raises(function() ec.publicKey:export({ type = "pkcs1",
        format = "pem" }) end, "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS")
    end)

    it("exports and imports JWK", function()
      local j = ec.privateKey:export({ format = "jwk" })
      assert.are.equal("EC", j.kty)
      assert.are.equal("P-256", j.crv)
      assert.are.equal(43, #j.d)
      assert.is_true(keys.createPrivateKey({ key = j, format = "jwk" })
        :equals(ec.privateKey))
      local r = rsa.publicKey:export({ format = "jwk" })
      assert.are.same({ "RSA", "AQAB" }, { r.kty, r.e })
      assert.is_true(keys.createPublicKey({ key = r, format = "jwk" })
        :equals(rsa.publicKey))
      raises(function()
        keys.createPublicKey({ key = { kty = "foo" }, format = "jwk" })
      end, "ERR_INVALID_ARG_VALUE")
      raises(function()
        keys.createPrivateKey({ key = r, format = "jwk" })
      end, "ERR_INVALID_ARG_TYPE")
      raises(function()
        keys.createPublicKey({ key = { kty = "EC", crv = "P-256",
          x = "AAAA", y = "AAAA" }, format = "jwk" })
      end, "ERR_CRYPTO_INVALID_JWK")
    end)

    it("compares keys with equals()", function()
      assert.is_true(ec.publicKey:equals(keys.createPublicKey(EC_PEM)))
      assert.is_false(ec.publicKey:equals(ec384.publicKey))
      assert.is_false(ec.privateKey:equals(ec.publicKey))
      raises(function() ec.publicKey:equals(5) end, "ERR_INVALID_ARG_TYPE")
    end)

    it("cannot be constructed from user code", function()
      raises(function() keys.KeyObject.new("public", {}) end,
        "ERR_ILLEGAL_CONSTRUCTOR")
    end)
  end)

  describe("sign() / verify()", function()
    local data = "the quick brown fox"

    it("sign and verify with every digest and key kind", function()
      for _, alg in ipairs({ "sha1", "sha224", "sha256", "sha384", "sha512",
        "md5", "RSA-SHA256", "SHA256", "sha256WithRSAEncryption" }) do
        for _, kp in ipairs({ rsa, ec, ec384 }) do
          local sig = keys.sign(alg, data, kp.privateKey)
          assert.is_true(keys.verify(alg, data, kp.publicKey, sig), alg)
          assert.is_true(keys.verify(alg, Buffer.from(data), kp.privateKey,
            sig))
          assert.is_false(keys.verify(alg, data .. "!", kp.publicKey, sig))
        end
      end
      assert.are.equal(256, #keys.sign("sha256", data, rsa.privateKey))
    end)

    it("uses sha256 when the algorithm is nil", function()
      local sig = keys.sign(nil, data, ec.privateKey)
      assert.is_true(keys.verify("sha256", data, ec.publicKey, sig))
      assert.is_true(keys.verify(nil, data, ec.publicKey, sig))
    end)

    it("takes PEM strings, key tables and KeyObjects", function()
      local sig = keys.sign("sha256", data, RSA_PEM)
      assert.is_true(keys.verify("sha256", data, RSA_PUB, sig))
      assert.is_true(keys.verify("sha256", data, RSA_PEM, sig))
      assert.is_true(keys.verify("sha256", data, { key = rsa.publicKey },
        sig))
      local enc = ec.privateKey:export({ type = "pkcs8", format = "pem",
        cipher = "aes-128-cbc", passphrase = "pw" })
      sig = keys.sign("sha256", data, { key = enc, passphrase = "pw" })
      assert.is_true(keys.verify("sha256", data, EC_PUB, sig))
    end)

    it("does RSA-PSS with Node's salt lengths", function()
      local function pss(salt)
        return { key = rsa.privateKey, padding = PSS, saltLength = salt }
      end
      for _, salt in ipairs({ 0, 20, 32,
        constants.RSA_PSS_SALTLEN_DIGEST, constants.RSA_PSS_SALTLEN_MAX_SIGN
      }) do
        local sig = keys.sign("sha256", data, pss(salt))
        assert.is_true(keys.verify("sha256", data, { key = rsa.publicKey,
          padding = PSS }, sig), "salt " .. salt)
        if salt >= 0 then
          assert.is_true(keys.verify("sha256", data, { key = rsa.publicKey,
            padding = PSS, saltLength = salt }, sig))
        end
        assert.is_false(keys.verify("sha256", data, rsa.publicKey, sig))
      end
      local max = keys.sign("sha256", data, pss(nil))
      assert.is_false(keys.verify("sha256", data, { key = rsa.publicKey,
        padding = PSS, saltLength = 32 }, max))
      assert.is_true(keys.verify("sha256", data, { key = rsa.publicKey,
        padding = PSS, saltLength = 256 - 32 - 2 }, max))
      assert.are_not.equal(max .. "", keys.sign("sha256", data, pss(nil))
        .. "")
    end)

    it("does ECDSA with DER or IEEE P1363 signatures", function()
      local sig = keys.sign("sha256", data, { key = ec.privateKey,
        dsaEncoding = "ieee-p1363" })
      assert.are.equal(64, #sig)
      assert.is_true(keys.verify("sha256", data, { key = ec.publicKey,
        dsaEncoding = "ieee-p1363" }, sig))
      assert.is_false(keys.verify("sha256", data, ec.publicKey, sig))
      sig = keys.sign("sha384", data, { key = ec384.privateKey,
        dsaEncoding = "ieee-p1363" })
      assert.are.equal(96, #sig)
      assert.is_true(keys.verify("sha384", data, { key = ec384.publicKey,
        dsaEncoding = "ieee-p1363" }, sig))
      assert.are.equal(0x30, keys.sign("sha256", data, ec.privateKey)[0])
    end)

    it("answers false, never raises, for bad signatures", function()
      for _, kp in ipairs({ rsa, ec }) do
        local sig = keys.sign("sha256", data, kp.privateKey) .. ""
        local flipped = sig:sub(1, 10) .. string.char(sig:byte(11) ~ 1)
          .. sig:sub(12)
        for _, bad in ipairs({ flipped, sig:sub(1, -2), sig .. "\0", "",
          ("\0"):rep(#sig), ("x"):rep(5000), "garbage" }) do
          assert.is_false(keys.verify("sha256", data, kp.publicKey, bad))
          assert.is_false(keys.verify("sha256", data, { key = kp.publicKey,
            padding = PSS }, bad))
          assert.is_false(keys.verify("sha256", data, { key = kp.publicKey,
            dsaEncoding = "ieee-p1363" }, bad))
        end
      end
      -- a signature by the wrong kind of key
      local esig = keys.sign("sha256", data, ec.privateKey)
      assert.is_false(keys.verify("sha256", data, rsa.publicKey, esig))
      local rsig = keys.sign("sha256", data, rsa.privateKey)
      assert.is_false(keys.verify("sha256", data, ec.publicKey, rsig))
      assert.is_false(keys.verify("sha256", data, ec384.publicKey, esig))
    end)

    it("runs on the thread pool with a callback", function()
      local sig, ok
      keys.sign("sha256", data, rsa.privateKey, function(err, s)
        assert.is_nil(err)
        sig = s
        keys.verify("sha256", data, rsa.publicKey, s, function(e2, v)
          assert.is_nil(e2)
          ok = v
        end)
      end)
      run_loop()
      assert.are.equal(256, #sig)
      assert.is_true(ok)
      local failed
      keys.sign("sha512", data, { key = keys.generateKeyPairSync("rsa",
        { modulusLength = 512 }).privateKey, padding = PSS },
        function(err) failed = err end)
      run_loop()
      assert.are.equal("ERR_OSSL_RSA_DATA_TOO_LARGE_FOR_KEY_SIZE", failed.code)
    end)

    it("raises Node's errors for bad arguments", function()
      local e = raises(function()
        keys.sign("sha256", data, ec.publicKey)
      end, "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE")
      assert.are.equal("Invalid key object type public, expected private.",
        e.message)
      raises(function() keys.sign("sha256", data, EC_PUB) end,
        "ERR_OSSL_UNSUPPORTED")
      raises(function() keys.sign("sha256", data, nil) end,
        "ERR_CRYPTO_SIGN_KEY_REQUIRED")
      raises(function() keys.sign("sha256", data, 5) end,
        "ERR_INVALID_ARG_TYPE")
      e = raises(function() keys.sign("foo", data, ec.privateKey) end,
        "ERR_CRYPTO_INVALID_DIGEST")
      assert.are.equal("Invalid digest: foo", e.message)
      raises(function() keys.sign(5, data, ec.privateKey) end,
        "ERR_INVALID_ARG_TYPE")
      raises(function() keys.sign("sha256", 5, ec.privateKey) end,
        "ERR_INVALID_ARG_TYPE")
      raises(function() keys.sign("sha256", data, ec.privateKey, 5) end,
        "ERR_INVALID_ARG_TYPE")
      raises(function() keys.verify("sha256", data, ec.publicKey, 5) end,
        "ERR_INVALID_ARG_TYPE")
      raises(function() keys.verify("sha256", data, "garbage", "x") end,
        "ERR_OSSL_UNSUPPORTED")
    end)

    it("raises OpenSSL's errors for paddings and sizes a key refuses",
      function()
      local small = keys.generateKeyPairSync("rsa", { modulusLength = 512 })
      local function s(opts, alg)
        opts.key = small.privateKey
        return keys.sign(alg or "sha256", data, opts)
      end
      raises(function() s({ padding = 3 }) end,
        "ERR_OSSL_INVALID_PADDING_MODE")
      for _, p in ipairs({ 0, 2, 4, 5, 7 }) do
        raises(function() s({ padding = p }) end,
          "ERR_OSSL_ILLEGAL_OR_UNSUPPORTED_PADDING_MODE")
      end
      raises(function() s({ padding = PSS, saltLength = -5 }) end,
        "ERR_OSSL_INVALID_SALT_LENGTH")
      raises(function() s({ padding = PSS, saltLength = 1000 }) end,
        "ERR_OSSL_RSA_DATA_TOO_LARGE_FOR_KEY_SIZE")
      raises(function() s({}, "sha512") end,
        "ERR_OSSL_RSA_DIGEST_TOO_BIG_FOR_RSA_KEY")
      raises(function() s({ padding = 1.5 }) end, "ERR_INVALID_ARG_VALUE")
      raises(function() s({ dsaEncoding = "foo" }) end,
        "ERR_INVALID_ARG_VALUE")
      -- EC keys ignore RSA options, as in Node
      assert.is_true(#keys.sign("sha256", data, { key = ec.privateKey,
        padding = PSS, saltLength = -5 }) > 0)
    end)
  end)

  describe("createSign() / createVerify()", function()
    it("hash pieces given to update, with input encodings", function()
      local signer = keys.createSign("sha256")
      assert.are.equal(signer, signer:update("the quick "))
      signer:update(Buffer.from("brown "))
      signer:update("666f78", "hex")
      local sig = signer:sign(ec.privateKey)
      assert.is_true(keys.verify("sha256", "the quick brown fox",
        ec.publicKey, sig))
      local v = keys.createVerify("SHA256")
      v:update("the quick brown fox")
      assert.is_true(v:verify(ec.publicKey, sig))
    end)

    it("encode the signature and decode it back", function()
      local b64 = keys.createSign("sha384"):update("x")
        :sign(rsa.privateKey, "base64")
      assert.are.equal("string", type(b64))
      assert.is_true(keys.createVerify("sha384"):update("x")
        :verify(rsa.publicKey, b64, "base64"))
      raises(function()
        keys.createSign("sha256"):update("x"):sign(ec.privateKey, "foo")
      end, "ERR_UNKNOWN_ENCODING")
    end)

    it("are Writables: write() then finish() then sign()", function()
      local signer = keys.createSign("sha256")
      signer:write("hello ")
      signer:write(Buffer.from("world"))
      signer:finish()
      local sig = signer:sign({ key = rsa.privateKey, padding = PSS })
      local v = keys.createVerify("sha256")
      v:finish("hello world")
      assert.is_true(v:verify({ key = rsa.publicKey, padding = PSS }, sig))
      run_loop()
    end)

    it("are spent after sign()/verify()", function()
      local signer = keys.createSign("sha256"):update("x")
      signer:sign(ec.privateKey)
      local e = raises(function() signer:sign(ec.privateKey) end,
        "ERR_CRYPTO_INVALID_STATE")
      assert.are.equal("Not initialised", e.message)
      raises(function() signer:update("y") end, "ERR_CRYPTO_INVALID_STATE")
    end)

    it("stay usable when the key is refused", function()
      local signer = keys.createSign("sha256"):update("x")
      raises(function() signer:sign("junk") end, "ERR_OSSL_UNSUPPORTED")
      assert.is_true(keys.verify("sha256", "x", ec.publicKey,
        signer:sign(ec.privateKey)))
    end)

    it("raise Node's errors", function()
      raises(function() keys.createSign("foo") end,
        "ERR_CRYPTO_INVALID_DIGEST")
      raises(function() keys.createSign(5) end, "ERR_INVALID_ARG_TYPE")
      raises(function() keys.createSign("sha256"):update(5) end,
        "ERR_INVALID_ARG_TYPE")
      raises(function() keys.createSign("sha256"):update("x"):sign(nil) end,
        "ERR_CRYPTO_SIGN_KEY_REQUIRED")
      raises(function()
        keys.createVerify("sha256"):update("x"):verify(ec.publicKey, 5)
      end, "ERR_INVALID_ARG_TYPE")
    end)
  end)
end)

--[[ interop with openssl(1) and Node 20 ]]

local dir
local function path(name) return dir .. "/" .. name end
local function put(name, s) spit(path(name), s) end
local function get(name) return slurp(path(name)) end
-- Runs a shell command in dir; returns its stdout and whether it passed
-- (stderr, where openssl reports progress, goes to the file "err").
local function sh(cmd)
  return shell(("cd %s && (%s) 2>err"):format(shq(dir), cmd))
end

describe("interop", function()
  local data = "interop message\n"

  setup(function()
    dir = tmpdir()
    put("data", data)
  end)
  teardown(function() rmtree(dir) end)

  describe("with openssl", function()
    if not have_command("openssl") then
      it("needs openssl", function() pending("openssl is not installed") end)
      return
    end

    it("reads lode's keys, byte for byte as it writes them", function()
      for name, kp in pairs({ rsa = rsa, ec = ec, ec384 = ec384 }) do
        local p8 = kp.privateKey:export({ type = "pkcs8", format = "pem" })
        local spki = kp.publicKey:export({ type = "spki", format = "pem" })
        put(name .. ".pem", p8)
        local out, ok = sh("openssl pkey -in " .. name .. ".pem")
        assert.is_true(ok, out)
        assert.are.equal(p8, out)
        out, ok = sh("openssl pkey -in " .. name .. ".pem -pubout")
        assert.is_true(ok, out)
        assert.are.equal(spki, out)
        put(name .. ".enc", kp.privateKey:export({ type = "pkcs8",
          format = "pem", cipher = "aes-256-cbc", passphrase = "pw" }))
        out, ok = sh("openssl pkey -in " .. name .. ".enc -passin pass:pw")
        assert.is_true(ok, out)
        assert.are.equal(p8, out)
        local t = name == "rsa" and "pkcs1" or "sec1"
        put(name .. ".trad", kp.privateKey:export({ type = t,
          format = "pem", cipher = "aes-128-cbc", passphrase = "pw" }))
        out, ok = sh("openssl pkey -in " .. name .. ".trad -passin pass:pw")
        assert.is_true(ok, out)
        assert.are.equal(p8, out)
      end
      put("rsa1.pub", rsa.publicKey:export({ type = "pkcs1",
        format = "pem" }))
      local out, ok = sh("openssl rsa -RSAPublicKey_in -in rsa1.pub " ..
        "-pubout")
      assert.is_true(ok, out)
      assert.are.equal(RSA_PUB, out)
    end)

    it("verifies lode's signatures", function()
      local cases = {
        { rsa, "sha256", {}, "" },
        { rsa, "sha512", { padding = PSS }, "-sigopt rsa_padding_mode:pss " ..
          "-sigopt rsa_pss_saltlen:-2" },
        { rsa, "sha256", { padding = PSS, saltLength = -1 },
          "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1" },
        { ec, "sha256", {}, "" },
        { ec384, "sha384", {}, "" },
        { ec, "sha1", {}, "" },
      }
      for i, c in ipairs(cases) do
        local opts = c[3]
        opts.key = c[1].privateKey
        put("pub" .. i, c[1].publicKey:export({ type = "spki",
          format = "pem" }))
        put("sig" .. i, keys.sign(c[2], data, opts))
        local out, ok = sh(("openssl dgst -%s %s -verify pub%d " ..
          "-signature sig%d data"):format(c[2], c[4], i, i))
        assert.is_true(ok, "case " .. i .. ": " .. out)
        assert.are.equal("Verified OK\n", out)
      end
    end)

    it("makes keys and signatures lode reads and verifies", function()
      local _, ok = sh("openssl genpkey -algorithm RSA -pkeyopt " ..
        "rsa_keygen_bits:2048 -out o_rsa.pem && openssl genpkey -algorithm " ..
        "EC -pkeyopt ec_paramgen_curve:P-256 -out o_ec.pem && " ..
        "openssl pkey -in o_rsa.pem -pubout -out o_rsa.pub && " ..
        "openssl pkey -in o_ec.pem -pubout -out o_ec.pub && " ..
        "openssl pkey -in o_ec.pem -aes256 -passout pass:pw " ..
        "-out o_ec.enc && " ..
        "openssl rsa -in o_rsa.pem -traditional -des3 -passout pass:pw " ..
        "-out o_rsa.legacy && openssl pkcs8 -topk8 -in o_rsa.pem -v2 " ..
        "aes-128-cbc -v2prf hmacWithSHA512 -passout pass:pw -out o_rsa.p8 " ..
        "&& openssl dgst -sha256 -sign o_rsa.pem -out s1 data && " ..
        "openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sign o_rsa.pem " ..
        "-out s2 data && openssl dgst -sha384 -sign o_ec.pem -out s3 data")
      assert.is_true(ok)
      local rpriv = keys.createPrivateKey(get("o_rsa.pem"))
      local epriv = keys.createPrivateKey(get("o_ec.pem"))
      assert.are.equal(get("o_rsa.pub"), keys.createPublicKey(rpriv)
        :export({ type = "spki", format = "pem" }))
      assert.are.equal(get("o_ec.pub"), keys.createPublicKey(get("o_ec.pem"))
        :export({ type = "spki", format = "pem" }))
      assert.are.equal(get("o_rsa.pem"), rpriv:export({ type = "pkcs8",
        format = "pem" }))
      for _, f in ipairs({ "o_ec.enc", "o_rsa.legacy", "o_rsa.p8" }) do
        local k = keys.createPrivateKey({ key = get(f), passphrase = "pw" })
        assert.is_true(k:equals(f == "o_ec.enc" and epriv or rpriv), f)
      end
      assert.is_true(keys.verify("sha256", data, get("o_rsa.pub"), get("s1")))
      assert.is_true(keys.verify("sha256", data, { key = get("o_rsa.pub"),
        padding = PSS }, get("s2")))
      assert.is_true(keys.verify("sha384", data, get("o_ec.pub"), get("s3")))
      assert.is_false(keys.verify("sha256", data, get("o_ec.pub"), get("s3")))
    end)

    it("gives the public key of a certificate, as Node", function()
      local _, ok = sh("openssl req -x509 -key o_ec.pem -subj /CN=lode " ..
        "-days 1 -out cert.pem")
      assert.is_true(ok)
      local k = keys.createPublicKey(get("cert.pem"))
      assert.is_true(k:equals(keys.createPublicKey(get("o_ec.pub"))))
      assert.is_true(keys.verify("sha384", data, get("cert.pem"), get("s3")))
      raises(function() keys.createPrivateKey(get("cert.pem")) end,
        "ERR_OSSL_UNSUPPORTED")
    end)
  end)

  describe("with Node 20", function()
    local node = "/usr/bin/node"
    if not have_command(node) then
      it("needs node", function() pending("node is not installed") end)
      return
    end

    it("verifies lode's signatures and reads lode's keys", function()
      put("k.pem", EC_PEM)
      put("r.pem", RSA_PEM)
      put("e.pem", ec.privateKey:export({ type = "pkcs8", format = "pem",
        cipher = "aes-256-cbc", passphrase = "pw" }))
      put("s1", keys.sign("sha256", data, { key = ec.privateKey,
        dsaEncoding = "ieee-p1363" }))
      put("s2", keys.sign("sha256", data, { key = rsa.privateKey,
        padding = PSS, saltLength = 20 }))
      put("n.js", [[
const c = require('crypto'), fs = require('fs');
const d = fs.readFileSync('data'), k = fs.readFileSync('k.pem', 'latin1');
const r = fs.readFileSync('r.pem', 'latin1');
const e = c.createPrivateKey({ key: fs.readFileSync('e.pem'),
  passphrase: 'pw' });
console.log(c.verify('sha256', d, { key: k, dsaEncoding: 'ieee-p1363' },
  fs.readFileSync('s1')));
console.log(c.verify('sha256', d, { key: r, padding: 6, saltLength: 20 },
  fs.readFileSync('s2')));
console.log(e.export({ type: 'pkcs8', format: 'pem' }) === k);
console.log(c.createPrivateKey(r).export({ type: 'pkcs8', format: 'pem' })
  === r);
fs.writeFileSync('n1', c.sign('sha384', d, { key: r, padding: 6 }));
fs.writeFileSync('n2', c.sign(null, d, { key: k,
  dsaEncoding: 'ieee-p1363' }));
const kp = c.generateKeyPairSync('ec', { namedCurve: 'P-384',
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'sec1', format: 'pem',
    cipher: 'aes-128-cbc', passphrase: 'pw' } });
fs.writeFileSync('npub', kp.publicKey);
fs.writeFileSync('npriv', kp.privateKey);
]])
      local out, ok = sh(node .. " n.js")
      assert.is_true(ok, out)
      assert.are.equal("true\ntrue\ntrue\ntrue\n", out)
      assert.is_true(keys.verify("sha384", data, { key = rsa.publicKey,
        padding = PSS }, get("n1")))
      assert.is_true(keys.verify("sha256", data, { key = ec.publicKey,
        dsaEncoding = "ieee-p1363" }, get("n2")))
      local npriv = keys.createPrivateKey({ key = get("npriv"),
        passphrase = "pw" })
      assert.are.equal(get("npub"), keys.createPublicKey(npriv)
        :export({ type = "spki", format = "pem" }))
    end)
  end)
end)
