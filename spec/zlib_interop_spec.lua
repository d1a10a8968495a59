-- lode.zlib against the `gzip` command: what lode compresses, gzip -d
-- reads, and the reverse (including gzip's own multi-member files and
-- its name/mtime header fields), through one-shot calls and streams.
local zlib = require "lode.zlib"
local fs = require "lode.fs"
local stream = require "lode.stream"

local sample = sample_text           -- spec/helper.lua

local function sh(cmd)
  local ok = os.execute(cmd)
  assert.is_true(ok == true or ok == 0, cmd)
end

describe("lode.zlib interop with gzip(1)", function()
  local dir
  before_each(function()
    dir = tmpdir()
  end)
  after_each(function() rmtree(dir) end)

  it("gzip -d reads gzipSync's output, at every level", function()
    local data = sample(200000)
    for _, level in ipairs({ 0, 1, 6, 9 }) do
      spit(dir .. "/a.gz", zlib.gzipSync(data, { level = level }) .. "")
      sh(("gzip -dc %s > %s"):format(shq(dir .. "/a.gz"),
        shq(dir .. "/a.out")))
      assert.is_true(data == slurp(dir .. "/a.out"), "level " .. level)
    end
  end)

  it("gunzipSync reads gzip's output, name and mtime included", function()
    local data = sample(300000)
    spit(dir .. "/b.txt", data)
    sh("gzip -9 -k " .. shq(dir .. "/b.txt"))    -- stores name and mtime
    assert.is_true(data == zlib.gunzipSync(slurp(dir .. "/b.txt.gz")) .. "")
    assert.is_true(data == zlib.unzipSync(slurp(dir .. "/b.txt.gz")) .. "")
  end)

  it("gunzips what `cat a.gz b.gz` makes, as gzip -d does", function()
    spit(dir .. "/1", "first\n")
    spit(dir .. "/2", "second\n")
    sh(("gzip -c %s > %s && gzip -c %s >> %s"):format(shq(dir .. "/1"),
      shq(dir .. "/c.gz"), shq(dir .. "/2"), shq(dir .. "/c.gz")))
    assert.equal("first\nsecond\n", zlib.gunzipSync(slurp(dir .. "/c.gz"))
      .. "")
  end)

  it("streams files both ways with fs streams", function()
    local data = sample(1500000)
    spit(dir .. "/d.txt", data)
    sh(("gzip -c %s > %s"):format(shq(dir .. "/d.txt"),
      shq(dir .. "/theirs.gz")))
    local n = 0
    local function done(err)
      assert.is_nil(err)
      n = n + 1
    end
    stream.pipeline(fs.createReadStream(dir .. "/d.txt"), zlib.createGzip(),
      fs.createWriteStream(dir .. "/ours.gz"), done)
    stream.pipeline(fs.createReadStream(dir .. "/theirs.gz"),
      zlib.createGunzip(), fs.createWriteStream(dir .. "/theirs.out"), done)
    run_loop()
    assert.equal(2, n)
    sh(("gzip -dc %s > %s"):format(shq(dir .. "/ours.gz"),
      shq(dir .. "/ours.out")))
    -- (is_true: a failing equal would print megabytes)
    assert.is_true(data == slurp(dir .. "/ours.out"))
    assert.is_true(data == slurp(dir .. "/theirs.out"))
  end)
end)
