-- bench/crypto_pk/pk.lua WORKLOAD KEYDIR [SECONDS]: signatures with
-- lode.crypto on the keys in KEYDIR (rsa.pem, ec.pem, made by
-- bench/crypto_pk.sh); prints operations per second of CPU time, run for
-- about SECONDS (default 2) of CPU. Workloads: rsa-sign, rsa-verify
-- (RSA-2048 PKCS#1 v1.5 SHA-256), rsa-pss-sign, ec-sign, ec-verify
-- (ECDSA P-256 SHA-256); KeyObjects, one-shot crypto.sign/verify on a
-- 64-byte message. rsa-sign-pem signs with the PEM text each time.
local crypto = require "lode.crypto"
local w, dir, secs = arg[1], arg[2], tonumber(arg[3]) or 2
local function read(p)
  local f = assert(io.open(dir .. "/" .. p, "rb"))
  local s = f:read("a")
  f:close()
  return s
end
local kind = w:match("^(%a+)")
local pem = read(kind .. ".pem")
local priv = crypto.createPrivateKey(pem)
local pub = crypto.createPublicKey(priv)
local msg = ("m"):rep(64)
local sig = crypto.sign("sha256", msg, priv)
local op
if w == "rsa-sign" or w == "ec-sign" then
  op = function() return crypto.sign("sha256", msg, priv) end
elseif w == "rsa-sign-pem" then
  op = function() return crypto.sign("sha256", msg, pem) end
elseif w == "rsa-pss-sign" then
  local key = { key = priv, padding = crypto.constants and
    crypto.constants.RSA_PKCS1_PSS_PADDING or 6 }
  op = function() return crypto.sign("sha256", msg, key) end
else
  op = function() assert(crypto.verify("sha256", msg, pub, sig)) end
end
local t0, n = os.clock(), 0
repeat
  for _ = 1, 10 do op() end
  n = n + 10
until os.clock() - t0 >= secs
print(math.floor(n / (os.clock() - t0)))
