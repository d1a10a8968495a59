-- Signing and verifying, which the article's "crypto" section names: a
-- key pair, a signature made with the private key, checked with the
-- public one. Keys and signatures differ on every run, so only their
-- shapes and the answers are printed.
local crypto = require "lode.crypto"

-- An EC key pair on P-256, the public half as PEM text.
local pair = crypto.generateKeyPairSync("ec", {
  namedCurve = "P-256",
  publicKeyEncoding = { type = "spki", format = "pem" },
})
console.log(pair.publicKey:match("^%-+BEGIN PUBLIC KEY%-+")) -- the header
console.log(pair.privateKey.asymmetricKeyType) -- ec

-- Sign a message with the private key...
local signer = crypto.createSign("sha256")
signer:update("hello world")
local signature = signer:sign(pair.privateKey, "base64")

-- ...and anyone with the public key can check it.
local verifier = crypto.createVerify("sha256")
verifier:update("hello world")
console.log(verifier:verify(pair.publicKey, signature, "base64")) -- true

-- A changed message does not verify.
console.log(crypto.verify("sha256", "hello World", pair.publicKey,
  Buffer.from(signature, "base64"))) -- false

-- A random UUID (version 4): 36 characters.
console.log(#crypto.randomUUID()) -- 36
