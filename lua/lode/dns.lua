-- lode.dns: dns.lookup on libuv's getaddrinfo, which runs on the thread
-- pool (bindings/dns.c), as Node 20's dns.lookup: lookup(host[, options],
-- cb) with options { family = 0|4|6|'IPv4'|'IPv6', all, hints, order,
-- verbatim } (options may be the family alone). cb(err, address, family),
-- or cb(err, { {address=, family=}, ... }) with all. Without a callback
-- it returns a Promise (API.md's one rule) of { address=, family= } (or
-- the list), as dns.promises.lookup does. Failures are Errors coded as
-- Node's: 'ENOTFOUND' for a name that does not resolve (syscall
-- 'getaddrinfo', hostname), else the getaddrinfo code (EAI_AGAIN, ...).
local errors = require "lode.internal.errors"
local loop = require "lode.internal.loop"
local binding = require "lode.binding.dns"

local nextTick = loop.nextTick
local ip_family = require("lode.binding.tcp").ip_family

local M = {}

M.ADDRCONFIG, M.V4MAPPED, M.ALL = binding.ADDRCONFIG, binding.V4MAPPED,
  binding.ALL
M.NOTFOUND = "ENOTFOUND"

local function dnsError(status, syscall, host)
  local code
  if status == binding.EAI_NONAME or status == binding.EAI_NODATA then
    code = "ENOTFOUND"
  else
    code = require("lode.binding.uv").err_name(status)
  end
  local err = errors.new(errors.Error, code,
    ("%s %s%s"):format(syscall, code, host and " " .. host or ""))
  err.errno, err.syscall, err.hostname = status, syscall, host
  return err
end

-- An ENOTFOUND error for host (a lookup that found no address).
function M.notFound(host)
  return dnsError(binding.EAI_NONAME, "getaddrinfo", host)
end

local FAMILIES = { [0] = 0, [4] = 4, [6] = 6, IPv4 = 4, IPv6 = 6 }

local function options(opts)
  if opts == nil then return 0, false, 0, false end
  if type(opts) ~= "table" then
    local fam = FAMILIES[opts]
    if fam == nil then
      error(errors.invalidArgValue("family", opts,
        "must be one of: 0, 4, 6"), 0)
    end
    return fam, false, 0, false
  end
  local fam = opts.family == nil and 0 or FAMILIES[opts.family]
  if fam == nil then
    error(errors.invalidArgValue("options.family", opts.family,
      "must be one of: 0, 4, 6"), 0)
  end
  if opts.all ~= nil then
    errors.checkType(opts.all, "options.all", "boolean")
  end
  local hints = opts.hints or 0
  errors.checkInteger(hints, "options.hints", 0)
  return fam, opts.all == true, hints, opts.order == "ipv4first"
    or opts.verbatim == false
end

-- Results in Node's ipv4first order when asked (a stable partition).
local function ipv4first(list)
  local out = {}
  for _, a in ipairs(list) do if a.family == 4 then out[#out + 1] = a end end
  for _, a in ipairs(list) do if a.family ~= 4 then out[#out + 1] = a end end
  return out
end

local function lookup(host, opts, cb)
  if type(opts) == "function" then opts, cb = nil, opts end
  if host ~= nil and host ~= false then
    errors.checkType(host, "hostname", "string")
  end
  errors.checkFunction(cb, "callback")
  local fam, all, hints, v4first = options(opts)
  if not host or host == "" then
    if all then nextTick(cb, nil, {})
    else nextTick(cb, nil, nil, fam == 6 and 6 or 4) end
    return {}
  end
  local literal = ip_family(host)
  if literal ~= 0 then
    if all then nextTick(cb, nil, { { address = host, family = literal } })
    else nextTick(cb, nil, host, literal) end
    return {}
  end
  local ok, _, st = binding.getaddrinfo(host, fam, hints, function(s, list)
    if s ~= nil then return cb(dnsError(s, "getaddrinfo", host)) end
    if #list == 0 then return cb(M.notFound(host)) end
    if v4first then list = ipv4first(list) end
    if all then return cb(nil, list) end
    cb(nil, list[1].address, list[1].family)
  end)
  if not ok then nextTick(cb, dnsError(st, "getaddrinfo", host)) end
  return {}
end

M.promises = {}

function M.promises.lookup(host, opts)
  local Promise = require "lode.promise"
  return Promise.new(function(resolve, reject)
    lookup(host, opts, function(err, address, family)
      if err ~= nil then return reject(err) end
      if type(address) == "table" then return resolve(address) end
      resolve({ address = address, family = family })
    end)
  end)
end

-- lookup(host[, options], cb); without cb, a Promise as promises.lookup.
function M.lookup(host, opts, cb)
  if type(opts) == "function" or type(cb) == "function" then
    return lookup(host, opts, cb)
  end
  return M.promises.lookup(host, opts)
end

return M
