-- lode.crypto.cipher: createCipheriv/createDecipheriv and getCiphers
-- (API.md 4 "crypto") for aes-{128,192,256}-{cbc,ctr,gcm} and
-- chacha20-poly1305. The bytes are C (bindings/crypto_cipher.c, Nettle);
-- this file checks arguments, adds the output encodings (through a
-- StringDecoder as Node, so base64 or UTF-8 output split across update
-- and final still joins up) and the stream side: Cipheriv/Decipheriv are
-- Transforms whose stream state is made on first stream use. Output
-- comes out where Node's does: update() returns every byte for CTR, GCM
-- and ChaCha20-Poly1305, whole blocks for CBC (the last one held back
-- when decrypting with padding).
local sym = require "lode.crypto.sym"
local binding = sym.init(require "lode.binding.crypto_cipher")
local Transform = require("lode.stream").Transform
local StringDecoder = require("lode.string_decoder").StringDecoder
local errors = require "lode.internal.errors"

local type, rawget, pcall = type, rawget, pcall
local raw_update, raw_final, new = binding.update, binding.final,
  binding.new

local M = {}

-- Encodings whose output needs no state between calls.
local STATELESS = { hex = true, latin1 = true, binary = true, ascii = true }

-- Node's getDecoder: one decoder per object, for one encoding.
local function decode(self, buf, enc, ending)
  if STATELESS[enc] then return buf:toString(enc) end
  local dec = rawget(self, "_decoder")
  if dec == nil then
    dec = StringDecoder.new(enc)
    self._decoder = dec
  end
  if ending then return dec:finish(buf) end
  return dec:write(buf)
end

--- c:update(data, inputEncoding, outputEncoding): the output so far, a
-- Buffer unless outputEncoding names an encoding.
local function update(self, data, inEnc, outEnc)
  local out = raw_update(self, data, inEnc)
  if outEnc == nil or outEnc == "buffer" then return out end
  return decode(self, out, outEnc, false)
end

--- c:final(outputEncoding): the rest of the output. A decipher raises
-- on a bad padding or a tag that does not match: never garbage.
local function final(self, outEnc)
  local out = raw_final(self)
  if outEnc == nil or outEnc == "buffer" then return out end
  return decode(self, out, outEnc, true)
end

local function streamInit(self, opts)
  return Transform._streamInit(self, opts or rawget(self, "_options"))
end

local function transform(self, chunk, encoding, callback)
  local ok, out = pcall(raw_update, self, chunk, encoding)
  if not ok then return callback(out) end
  if #out > 0 then self:push(out) end
  callback()
end

local function flush(self, callback)
  local ok, out = pcall(raw_final, self)
  if not ok then return callback(out) end
  if #out > 0 then self:push(out) end
  callback()
end

local function class(name, extra)
  local cls = Transform:extend(name)
  cls.update, cls.final = update, final
  cls.setAutoPadding, cls.setAAD = binding.setAutoPadding, binding.setAAD
  cls[extra] = binding[extra]
  cls._streamInit, cls._transform, cls._flush = streamInit, transform,
    flush
  return cls
end

local Cipheriv = class("Cipheriv", "getAuthTag")
local Decipheriv = class("Decipheriv", "setAuthTag")
M.Cipheriv, M.Decipheriv = Cipheriv, Decipheriv

local function create(cls, algorithm, key, iv, options)
  errors.checkType(algorithm, "cipher", "string")
  sym.checkBytes(key, "key")
  if iv ~= nil then sym.checkBytes(iv, "iv") end
  local tagLength
  if options ~= nil then
    errors.checkType(options, "options", "table")
    tagLength = options.authTagLength
    if tagLength ~= nil and (math.type(tagLength) ~= "integer"
      and not (type(tagLength) == "number" and tagLength % 1 == 0)
      or tagLength < 0 or tagLength > 0x7fffffff) then
      error(errors.new(errors.TypeError, "ERR_INVALID_ARG_VALUE",
        ("The property 'options.authTagLength' is invalid. Received %s")
          :format(type(tagLength) == "string" and "'" .. tagLength .. "'"
            or tostring(tagLength))), 0)
    end
  end
  local obj = new(cls, algorithm, key, iv, cls == Decipheriv,
    tagLength and math.tointeger(tagLength))
  if options ~= nil then obj._options = options end
  return obj
end

--- createCipheriv(algorithm, key, iv, options) -> Cipheriv
function M.createCipheriv(algorithm, key, iv, options)
  return create(Cipheriv, algorithm, key, iv, options)
end

--- createDecipheriv(algorithm, key, iv, options) -> Decipheriv
function M.createDecipheriv(algorithm, key, iv, options)
  return create(Decipheriv, algorithm, key, iv, options)
end

--- getCiphers(): the cipher names createCipheriv knows.
function M.getCiphers()
  return binding.names()
end

--- getCipherInfo(name): { name, keyLength, ivLength, mode } or nil.
function M.getCipherInfo(name)
  errors.checkType(name, "nameOrNid", "string")
  return binding.info(name)
end

return M
