-- writeFile then readFile of 10,000 small files (100 bytes each) in
-- directory argv[3], one at a time through the Promise forms; prints
-- files/s (a write and a read count as one file).
local fs = require "lode.fs"
local uv = require "lode.binding.uv"
local dir, COUNT = process.argv[3], 10000
local data = ("0123456789"):rep(10)
local t0 = uv.hrtime()
for i = 1, COUNT do await(fs.writeFile(dir .. "/f" .. i, data)) end
for i = 1, COUNT do
  assert(#await(fs.readFile(dir .. "/f" .. i)) == 100)
end
print(("%.0f"):format(COUNT / ((uv.hrtime() - t0) / 1e9)))
