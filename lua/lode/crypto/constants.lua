-- lode.crypto.constants: crypto.constants (API.md 4 "crypto"), the
-- numbers Node 20 gives for the options lode's crypto understands: RSA
-- paddings and PSS salt lengths (sign/verify), EC point formats. The
-- values are OpenSSL's, as in Node, so ported code can pass them on.
return {
  RSA_PKCS1_PADDING = 1,
  RSA_NO_PADDING = 3,
  RSA_PKCS1_OAEP_PADDING = 4,
  RSA_X931_PADDING = 5,
  RSA_PKCS1_PSS_PADDING = 6,
  RSA_PSS_SALTLEN_DIGEST = -1,
  RSA_PSS_SALTLEN_MAX_SIGN = -2,
  RSA_PSS_SALTLEN_AUTO = -2,
  POINT_CONVERSION_COMPRESSED = 2,
  POINT_CONVERSION_UNCOMPRESSED = 4,
  POINT_CONVERSION_HYBRID = 6,
}
