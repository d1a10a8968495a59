-- console as Node's: log/info/debug to stdout, error/warn/trace to
-- stderr, formatted by util.format; each call is one write, so output
-- interleaves in call order and survives a kill (API.md section 5).
local util = require "lode.util"
local uv = require "lode.binding.uv"

local console = {}
local indent = ""

local function out(stream, ...)
  local s = util.format(...)
  if indent ~= "" then s = indent .. s:gsub("\n", "\n" .. indent) end
  local process = require "lode.process"
  process[stream]:write(s .. "\n")
end

function console.log(...) out("stdout", ...) end
console.info, console.debug = console.log, console.log
function console.error(...) out("stderr", ...) end
console.warn = console.error

function console.dir(v, opts)
  out("stdout", util.inspect(v, opts))
end

function console.trace(...)
  local msg = select("#", ...) > 0 and util.format(...) or ""
  out("stderr", debug.traceback("Trace: " .. msg, 2))
end

function console.assert(ok, ...)
  if ok then return end
  if select("#", ...) == 0 then return out("stderr", "Assertion failed") end
  local first = ...
  if type(first) == "string" then
    return out("stderr", "Assertion failed: " .. first, select(2, ...))
  end
  out("stderr", "Assertion failed", ...)
end

local timers = {}
local function elapsed(label)
  local t0 = timers[label]
  if t0 == nil then
    require("lode.process").emitWarning(
      ("No such label '%s' for console.timeEnd()"):format(label))
    return nil
  end
  local ms = (uv.hrtime() - t0) / 1e6
  if ms >= 1000 then return ("%.3fs"):format(ms / 1000) end
  return ("%.3fms"):format(ms)
end

function console.time(label)
  label = label == nil and "default" or tostring(label)
  timers[label] = uv.hrtime()
end

function console.timeLog(label, ...)
  label = label == nil and "default" or tostring(label)
  local e = elapsed(label)
  if e then out("stdout", label .. ": " .. e, ...) end
end

function console.timeEnd(label)
  label = label == nil and "default" or tostring(label)
  local e = elapsed(label)
  if e then
    timers[label] = nil
    out("stdout", label .. ": " .. e)
  end
end

local counts = {}
function console.count(label)
  label = label == nil and "default" or tostring(label)
  counts[label] = (counts[label] or 0) + 1
  out("stdout", label .. ": " .. counts[label])
end

function console.countReset(label)
  counts[label == nil and "default" or tostring(label)] = 0
end

function console.group(...)
  if select("#", ...) > 0 then console.log(...) end
  indent = indent .. "  "
end
console.groupCollapsed = console.group

function console.groupEnd()
  indent = indent:sub(3)
end

function console.table(data)
  console.log(data)
end

return console
