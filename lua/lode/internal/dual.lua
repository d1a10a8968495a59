-- API.md's one rule for the two async styles: a function whose result
-- arrives only through its callback returns a Promise when called
-- without one. `dual.wrap(fn)` turns fn(..., cb) (cb last, optional
-- arguments normalised by fn itself) into such a function.
local M = {}

local Promise

-- The Promise-only form of fn(..., cb), for `.promises` namespaces.
function M.promise(fn)
  return function(...)
    Promise = Promise or require "lode.promise"
    local args = table.pack(...)
    return Promise.new(function(resolve, reject)
      args[args.n + 1] = function(err, value)
        if err ~= nil then reject(err) else resolve(value) end
      end
      fn(table.unpack(args, 1, args.n + 1))
    end)
  end
end

function M.wrap(fn)
  local promised = M.promise(fn)
  return function(...)
    local n = select("#", ...)
    if n > 0 and type(select(n, ...)) == "function" then return fn(...) end
    return promised(...)
  end
end

return M
