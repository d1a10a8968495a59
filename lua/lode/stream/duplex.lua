-- Duplex: a Readable that is also a Writable (Node's duplex.js). It
-- extends Readable and takes Writable's methods; both states are created
-- together, and `destroyed` is true once both sides are.
local util = require "lode.stream.util"
local destroyImpl = require "lode.stream.destroy"
local Readable = require "lode.stream.readable"
local Writable = require "lode.stream.writable"

local Duplex = Readable:extend("Duplex")

for _, k in ipairs(Writable.DUPLEX_METHODS) do Duplex[k] = Writable[k] end
for k, v in pairs(Writable) do
  -- The public state defaults (writableLength = 0, ...).
  if type(k) == "string" and k:match("^writable") and type(v) ~= "function"
    then Duplex[k] = v end
end
Duplex.allowHalfOpen = true

local function onConstructed(self)
  Readable._onReadableConstructed(self)
  Writable._onWritableConstructed(self)
end

local function duplexInit(self, opts)
  local rs = Readable._newState(self, opts, true)
  local ws = Writable._newState(self, opts, true)
  if opts then
    self.allowHalfOpen = opts.allowHalfOpen ~= false
    if opts.readable == false then
      rs.readable, rs.ended, rs.endEmitted = false, true, true
    end
    if opts.writable == false then
      ws.writable, ws.ending, ws.ended, ws.finished = false, true, true, true
    end
    if type(opts.read) == "function" then self._read = opts.read end
    Writable._takeOptions(self, opts)
  else
    self.allowHalfOpen = true
  end
  util.refresh(self)
  if self._construct ~= nil then destroyImpl.construct(self, onConstructed) end
end
Duplex._streamInit = duplexInit

function Duplex:init(opts)
  duplexInit(self, opts)
end

return Duplex
