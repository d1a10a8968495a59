-- require "lode.stream": Node 20's stream module (API.md section 4). The
-- classes live in lode/stream/*.lua; this file puts the module together.
-- stream.pipeline and stream.finished return a Promise when called
-- without a callback (API.md's one rule); stream.promises has the
-- Promise-only forms.
local dual = require "lode.internal.dual"
local util = require "lode.stream.util"
local destroyImpl = require "lode.stream.destroy"
local Readable = require "lode.stream.readable"
local Writable = require "lode.stream.writable"
local Duplex = require "lode.stream.duplex"
local transform = require "lode.stream.transform"
local eos = require "lode.stream.eos"
local pipeline = require("lode.stream.pipeline").pipeline

local M = {}

M.Stream = require("lode.stream.legacy").Stream
M.Readable = Readable
M.Writable = Writable
M.Duplex = Duplex
M.Transform = transform.Transform
M.PassThrough = transform.PassThrough

M.pipeline = dual.wrap(pipeline)
M.finished = dual.wrap(eos)
M.promises = {
  pipeline = dual.promise(pipeline),
  finished = dual.promise(eos),
}

M.destroy = destroyImpl.destroyer
M.isReadable = util.isReadable
M.isWritable = util.isWritable
M.isErrored = util.isErrored
M.isDisturbed = util.isDisturbed
M.isDestroyed = util.isDestroyed
M.getDefaultHighWaterMark = util.getDefaultHighWaterMark
M.setDefaultHighWaterMark = util.setDefaultHighWaterMark

return M
