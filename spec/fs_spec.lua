-- lode.fs: callback, Sync and Promise forms of every operation, Node's
-- SystemErrors (message, code, errno, syscall, path), bad input, and no
-- descriptor leaks. Each test works in its own mkdtemp directory.
local fs = require "lode.fs"
local fsp = fs.promises
local K = fs.constants


-- Runs fn, which must raise; returns the error.
local function raises(fn, code)
  local ok, err = pcall(fn)
  assert.is_false(ok, "expected an error")
  assert.is_table(err)
  if code then assert.are.equal(code, err.code) end
  return err
end

-- Runs the task fn(...) to completion (Promise.spawn + run_loop).
local function task(fn)
  local failure
  Promise.spawn(fn):catch(function(e) failure = e end)
  run_loop()
  if failure ~= nil then error(failure, 0) end
end

-- libuv opens one inotify descriptor per loop on the first watch and
-- keeps it: open it now so it is part of every baseline.
fs.watch("/tmp", { persistent = false }):close()
run_loop()

local dir, fds
before_each(function()
  fds = fd_count()
  dir = fs.mkdtempSync("/tmp/lode-fs-spec-")
end)
after_each(function()
  fs.rmSync(dir, { recursive = true, force = true })
  collectgarbage()
  assert.are.equal(fds, fd_count(), "file descriptors leaked")
end)

describe("lode.fs readFile/writeFile/appendFile", function()
  it("round-trips text synchronously, as Buffer or string", function()
    local p = dir .. "/a.txt"
    assert.is_nil(fs.writeFileSync(p, "héllo"))
    local buf = fs.readFileSync(p)
    assert.is_true(Buffer.isBuffer(buf))
    assert.are.equal(6, #buf)
    assert.are.equal("héllo", buf:toString())
    assert.are.equal("héllo", fs.readFileSync(p, "utf8"))
    assert.are.equal("héllo", fs.readFileSync(p, { encoding = "utf-8" }))
    assert.are.equal("68c3a96c6c6f", fs.readFileSync(p, "hex"))
  end)

  it("writes Buffers and encoded strings, appends with flag 'a'", function()
    local p = dir .. "/b.bin"
    fs.writeFileSync(p, Buffer.from({ 0, 1, 2, 255 }))
    assert.are.equal("000102ff", fs.readFileSync(p, "hex"))
    fs.writeFileSync(p, "cafe", { encoding = "hex" })
    assert.are.equal("cafe", fs.readFileSync(p):toString("hex"))
    fs.writeFileSync(p, "x", { flag = "a" })
    fs.appendFileSync(p, "yz")
    assert.are.equal("cafe78797a", fs.readFileSync(p, "hex"))
    fs.appendFileSync(dir .. "/new.txt", "made")
    assert.are.equal("made", fs.readFileSync(dir .. "/new.txt", "utf8"))
  end)

  it("reads files whose size is 0 until EOF (/proc)", function()
    local s = fs.readFileSync("/proc/self/status", "utf8")
    assert.matches("Name:", s)
    local b = fs.readFileSync("/proc/self/status")
    assert.is_true(#b > 0)
  end)

  it("round-trips a large file and an empty one", function()
    local big = ("0123456789abcdef"):rep(65537)
    fs.writeFileSync(dir .. "/big", big)
    assert.are.equal(big, fs.readFileSync(dir .. "/big", "utf8"))
    fs.writeFileSync(dir .. "/empty", "")
    assert.are.equal(0, #fs.readFileSync(dir .. "/empty"))
    assert.are.equal("", fs.readFileSync(dir .. "/empty", "utf8"))
  end)

  it("reads and writes through a descriptor", function()
    local fd = fs.openSync(dir .. "/fd.txt", "w+")
    fs.writeFileSync(fd, "via fd")
    assert.are.equal("", fs.readFileSync(fd, "utf8"))   -- at the end
    fs.closeSync(fd)
    fd = fs.openSync(dir .. "/fd.txt", "r")
    assert.are.equal("via fd", fs.readFileSync(fd, "utf8"))
    fs.closeSync(fd)
  end)

  it("calls back with the data after the call returned", function()
    local p = dir .. "/c.txt"
    fs.writeFileSync(p, "data")
    local returned, got = false, nil
    fs.readFile(p, "utf8", function(err, s)
      assert.is_true(returned)
      assert.is_nil(err)
      got = s
    end)
    returned = true
    run_loop()
    assert.are.equal("data", got)
  end)

  it("writes and appends with callbacks", function()
    local p, done = dir .. "/d.txt", false
    fs.writeFile(p, "one", function(err)
      assert.is_nil(err)
      fs.appendFile(p, Buffer.from("two"), function(err2)
        assert.is_nil(err2)
        fs.readFile(p, function(err3, buf)
          assert.is_nil(err3)
          assert.are.equal("onetwo", buf:toString())
          done = true
        end)
      end)
    end)
    run_loop()
    assert.is_true(done)
  end)

  it("returns Promises without a callback, and in fs.promises", function()
    local p = dir .. "/e.txt"
    task(function()
      assert.is_nil(await(fs.writeFile(p, "promised")))
      assert.are.equal("promised", await(fs.readFile(p, "utf8")))
      await(fsp.appendFile(p, "!"))
      assert.are.equal("promised!", await(fsp.readFile(p)):toString())
      await(fsp.writeFile(p, "again", "utf8"))
      assert.are.equal("again", await(fsp.readFile(p, "utf8")))
    end)
  end)

  it("fails with ENOENT in all three forms, never raising async", function()
    local p = dir .. "/missing"
    local e = raises(function() fs.readFileSync(p) end, "ENOENT")
    assert.are.equal("ENOENT: no such file or directory, open '" .. p ..
      "'", e.message)
    assert.are.equal(-2, e.errno)
    assert.are.equal("open", e.syscall)
    assert.are.equal(p, e.path)
    assert.are.equal("Error: " .. e.message, tostring(e))
    local cbErr
    fs.readFile(p, function(err, data)
      cbErr = err
      assert.is_nil(data)
    end)
    local rejected
    fsp.readFile(p):catch(function(err) rejected = err end)
    local rejected2
    fs.readFile(p):catch(function(err) rejected2 = err end)
    run_loop()
    assert.are.equal("ENOENT", cbErr.code)
    assert.are.equal(e.message, cbErr.message)
    assert.are.equal("ENOENT", rejected.code)
    assert.are.equal("open", rejected2.syscall)
  end)

  it("fails with EISDIR for a directory (syscall read, no path)", function()
    local e = raises(function() fs.readFileSync(dir) end, "EISDIR")
    assert.are.equal("EISDIR: illegal operation on a directory, read",
      e.message)
    assert.are.equal("read", e.syscall)
    assert.is_nil(e.path)
    local cbErr
    fs.readFile(dir, "utf8", function(err) cbErr = err end)
    run_loop()
    assert.are.equal("EISDIR", cbErr.code)
    local w = raises(function() fs.writeFileSync(dir, "x") end, "EISDIR")
    assert.are.equal("open", w.syscall)
  end)

  it("honours exclusive flags", function()
    local p = dir .. "/x"
    fs.writeFileSync(p, "1", { flag = "wx" })
    local e = raises(function() fs.writeFileSync(p, "2", { flag = "wx" }) end,
      "EEXIST")
    assert.are.equal("EEXIST: file already exists, open '" .. p .. "'",
      e.message)
    assert.are.equal("1", fs.readFileSync(p, "utf8"))
  end)
end)

describe("lode.fs descriptors", function()
  it("opens, writes, reads, truncates, syncs and closes (Sync)", function()
    local p = dir .. "/f"
    local fd = fs.openSync(p, "w+", "600")
    assert.is_true(math.type(fd) == "integer" and fd > 2)
    assert.are.equal(5, fs.writeSync(fd, "hello"))
    assert.are.equal(3, fs.writeSync(fd, Buffer.from("xxABCxx"), 2, 3))
    assert.are.equal(2, fs.writeSync(fd, "!!", 8))
    assert.is_nil(fs.fsyncSync(fd))
    assert.is_nil(fs.fdatasyncSync(fd))
    assert.are.equal(10, fs.fstatSync(fd).size)
    local buf = Buffer.alloc(10)
    assert.are.equal(8, fs.readSync(fd, buf, 0, 8, 0))
    assert.are.equal("helloABC", buf:toString("utf8", 0, 8))
    assert.are.equal(3, fs.readSync(fd, buf, { offset = 1, length = 3,
      position = 1 }))
    assert.are.equal("hell", buf:toString("utf8", 0, 4))
    fs.ftruncateSync(fd, 4)
    assert.are.equal(4, fs.fstatSync(fd).size)
    assert.are.equal(0, fs.readSync(fd, buf, 0, 0, 0))
    assert.are.equal(384, fs.fstatSync(fd).mode & 511)
    fs.closeSync(fd)
    local e = raises(function() fs.closeSync(fd) end, "EBADF")
    assert.are.equal("EBADF: bad file descriptor, close", e.message)
    assert.are.equal("close", e.syscall)
  end)

  it("reads and writes with callbacks (err, bytes, buffer)", function()
    local p, seen = dir .. "/g", {}
    fs.open(p, "w+", function(err, fd)
      assert.is_nil(err)
      local data = Buffer.from("callback")
      fs.write(fd, data, 0, #data, 0, function(err2, n, b)
        assert.is_nil(err2)
        seen.written, seen.same = n, b == data
        local into = Buffer.alloc(8)
        fs.read(fd, into, 0, 8, 0, function(err3, got, b2)
          assert.is_nil(err3)
          seen.read, seen.text = got, b2:toString()
          fs.close(fd, function(err4) seen.closed = err4 == nil end)
        end)
      end)
    end)
    run_loop()
    assert.are.same({ written = 8, same = true, read = 8, text = "callback",
      closed = true }, seen)
  end)

  it("resolves {bytesRead, buffer} and {bytesWritten, buffer}", function()
    local p = dir .. "/h"
    task(function()
      local fd = await(fs.open(p, "w+"))
      local w = await(fs.write(fd, "promise", 0))
      assert.are.equal(7, w.bytesWritten)
      assert.are.equal("promise", w.buffer)
      local r = await(fs.read(fd, Buffer.alloc(7), 0, 7, 0))
      assert.are.equal(7, r.bytesRead)
      assert.are.equal("promise", r.buffer:toString())
      local v = await(fs.writev(fd, { Buffer.from("ab"), "cd" }, 7))
      assert.are.equal(4, v.bytesWritten)
      await(fs.ftruncate(fd, 9))
      assert.are.equal(9, await(fs.fstat(fd)).size)
      await(fs.close(fd))
      assert.are.equal("promiseab", fs.readFileSync(p, "utf8"))
    end)
  end)

  it("reads at the current position and into a default buffer", function()
    local p = dir .. "/i"
    fs.writeFileSync(p, "abcdef")
    local fd = fs.openSync(p, "r")
    local b = Buffer.alloc(3)
    fs.readSync(fd, b, 0, 3)
    assert.are.equal("abc", b:toString())
    fs.readSync(fd, b, 0, 3, nil)
    assert.are.equal("def", b:toString())
    local got
    fs.read(fd, { position = 0 }, function(err, n, buf)
      assert.is_nil(err)
      got = buf:toString("utf8", 0, n)
      assert.are.equal(16384, #buf)
    end)
    run_loop()
    fs.closeSync(fd)
    assert.are.equal("abcdef", got)
  end)

  it("writes vectors synchronously", function()
    local fd = fs.openSync(dir .. "/v", "w")
    assert.are.equal(6, fs.writevSync(fd, { "ab", Buffer.from("cd"), "ef" }))
    assert.are.equal(0, fs.writevSync(fd, {}))
    fs.closeSync(fd)
    assert.are.equal("abcdef", fs.readFileSync(dir .. "/v", "utf8"))
  end)

  it("truncates by path in every form", function()
    local p = dir .. "/t"
    fs.writeFileSync(p, "0123456789")
    fs.truncateSync(p, 8)
    assert.are.equal(8, fs.statSync(p).size)
    local done
    fs.truncate(p, 2, function(err) done = err == nil end)
    run_loop()
    assert.is_true(done)
    assert.are.equal("01", fs.readFileSync(p, "utf8"))
    task(function() await(fsp.truncate(p)) end)
    assert.are.equal(0, fs.statSync(p).size)
    raises(function() fs.truncateSync(dir .. "/none") end, "ENOENT")
  end)
end)

describe("lode.fs stat family", function()
  it("gives Stats with predicates, sizes and times", function()
    local p = dir .. "/s"
    fs.writeFileSync(p, "12345")
    local st = fs.statSync(p)
    assert.is_true(st:isFile())
    assert.is_false(st:isDirectory())
    assert.is_false(st:isSymbolicLink())
    assert.is_false(st:isFIFO() or st:isSocket() or st:isBlockDevice()
      or st:isCharacterDevice())
    assert.are.equal(5, st.size)
    assert.are.equal(K.S_IFREG, st.mode & K.S_IFMT)
    for _, k in ipairs({ "dev", "ino", "mode", "nlink", "uid", "gid", "rdev",
      "size", "blksize", "blocks" }) do
      assert.are.equal("integer", math.type(st[k]), k)
    end
    for _, k in ipairs({ "atimeMs", "mtimeMs", "ctimeMs", "birthtimeMs" }) do
      assert.are.equal("float", math.type(st[k]), k)
    end
    assert.is_true(math.abs(st.mtimeMs / 1000 - os.time()) < 60)
    assert.are.equal(st.mtimeMs, st.mtime.ms)
    assert.are.equal(st.mtimeMs, st.mtime:getTime())
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ$",
      tostring(st.mtime))
    assert.is_true(fs.statSync(dir):isDirectory())
    assert.is_true(fs.statSync("/dev/null"):isCharacterDevice())
  end)

  it("lstat sees links, stat follows them", function()
    fs.writeFileSync(dir .. "/target", "t")
    fs.symlinkSync(dir .. "/target", dir .. "/link")
    assert.is_true(fs.lstatSync(dir .. "/link"):isSymbolicLink())
    assert.is_true(fs.statSync(dir .. "/link"):isFile())
    local got
    fs.lstat(dir .. "/link", function(err, st)
      assert.is_nil(err)
      got = st:isSymbolicLink()
    end)
    run_loop()
    assert.is_true(got)
  end)

  it("fails with ENOENT, or gives nil when throwIfNoEntry is false", function()
    local p = dir .. "/nope"
    local e = raises(function() fs.statSync(p) end, "ENOENT")
    assert.are.equal("ENOENT: no such file or directory, stat '" .. p .. "'",
      e.message)
    e = raises(function() fs.lstatSync(p) end, "ENOENT")
    assert.are.equal("lstat", e.syscall)
    assert.is_nil(fs.statSync(p, { throwIfNoEntry = false }))
    e = raises(function() fs.fstatSync(999) end, "EBADF")
    assert.are.equal("EBADF: bad file descriptor, fstat", e.message)
    local cbErr
    fs.stat(p, function(err) cbErr = err end)
    run_loop()
    assert.are.equal("stat", cbErr.syscall)
    task(function()
      local ok, err = pcall(await, fsp.stat(p))
      assert.is_false(ok)
      assert.are.equal("ENOENT", err.code)
      assert.is_true(await(fsp.stat(dir)):isDirectory())
    end)
  end)
end)

describe("lode.fs directories", function()
  it("readdir gives a sorted sequence, Dirents, or everything below", function()
    fs.mkdirSync(dir .. "/sub/deeper", { recursive = true })
    fs.writeFileSync(dir .. "/b.txt", "")
    fs.writeFileSync(dir .. "/a.txt", "")
    fs.writeFileSync(dir .. "/sub/c.txt", "")
    assert.are.same({ "a.txt", "b.txt", "sub" }, fs.readdirSync(dir))
    local ents = fs.readdirSync(dir, { withFileTypes = true })
    assert.are.equal(3, #ents)
    assert.are.equal("a.txt", ents[1].name)
    assert.is_true(ents[1]:isFile())
    assert.is_true(ents[3]:isDirectory())
    assert.are.equal(dir, ents[3].parentPath)
    assert.are.same({ "a.txt", "b.txt", "sub", "sub/c.txt", "sub/deeper" },
      fs.readdirSync(dir, { recursive = true }))
    local got, all
    fs.readdir(dir, function(err, names)
      assert.is_nil(err)
      got = names
    end)
    fs.readdir(dir, { recursive = true, withFileTypes = true },
      function(err, list)
        assert.is_nil(err)
        all = list
      end)
    run_loop()
    assert.are.same({ "a.txt", "b.txt", "sub" }, got)
    assert.are.equal(5, #all)
    assert.are.equal("deeper", all[5].name)
    assert.are.equal(dir .. "/sub", all[5].parentPath)
    task(function()
      assert.are.same({ "c.txt", "deeper" }, await(fsp.readdir(dir .. "/sub")))
    end)
  end)

  it("readdir fails with scandir errors", function()
    local e = raises(function() fs.readdirSync(dir .. "/no") end, "ENOENT")
    assert.are.equal("ENOENT: no such file or directory, scandir '" .. dir ..
      "/no'", e.message)
    fs.writeFileSync(dir .. "/file", "")
    e = raises(function() fs.readdirSync(dir .. "/file") end, "ENOTDIR")
    assert.are.equal("scandir", e.syscall)
  end)

  it("mkdir: EEXIST, recursive returns the first made or nil", function()
    assert.is_nil(fs.mkdirSync(dir .. "/m"))
    local e = raises(function() fs.mkdirSync(dir .. "/m") end, "EEXIST")
    assert.are.equal("EEXIST: file already exists, mkdir '" .. dir ..
      "/m'", e.message)
    assert.are.equal(dir .. "/m/a", fs.mkdirSync(dir .. "/m/a/b/c",
      { recursive = true }))
    assert.is_true(fs.statSync(dir .. "/m/a/b/c"):isDirectory())
    assert.is_nil(fs.mkdirSync(dir .. "/m/a/b", { recursive = true }))
    fs.writeFileSync(dir .. "/f", "")
    e = raises(function()
      fs.mkdirSync(dir .. "/f", { recursive = true })
    end, "EEXIST")
    assert.are.equal(dir .. "/f", e.path)
    e = raises(function()
      fs.mkdirSync(dir .. "/f/x/y", { recursive = true })
    end, "ENOTDIR")
    assert.are.equal("mkdir", e.syscall)
    raises(function() fs.mkdirSync(dir .. "/no/x") end, "ENOENT")
    fs.mkdirSync(dir .. "/mode", "700")
    assert.are.equal(448, fs.statSync(dir .. "/mode").mode & 511)
  end)

  it("mkdir with callbacks and promises", function()
    local first, err1
    fs.mkdir(dir .. "/p/q", { recursive = true }, function(err, made)
      assert.is_nil(err)
      first = made
    end)
    fs.mkdir(dir .. "/r/s", function(err) err1 = err end)
    run_loop()
    assert.are.equal(dir .. "/p", first)
    assert.are.equal("ENOENT", err1.code)
    task(function()
      assert.are.equal(dir .. "/t", await(fsp.mkdir(dir .. "/t/u",
        { recursive = true })))
      assert.is_nil(await(fs.mkdir(dir .. "/t/u", { recursive = true })))
    end)
  end)

  it("mkdtemp makes unique directories", function()
    local a = fs.mkdtempSync(dir .. "/tmp-")
    assert.matches("^" .. dir:gsub("%p", "%%%0") .. "/tmp%-......$", a)
    assert.is_true(fs.statSync(a):isDirectory())
    local b
    fs.mkdtemp(dir .. "/cb-", function(err, p)
      assert.is_nil(err)
      b = p
    end)
    run_loop()
    assert.is_true(fs.existsSync(b))
    local e = raises(function() fs.mkdtempSync(dir .. "/no/x-") end, "ENOENT")
    assert.are.equal("mkdtemp", e.syscall)
    assert.are.equal(dir .. "/no/x-XXXXXX", e.path)
  end)

  it("rm removes trees; force ignores missing paths", function()
    fs.mkdirSync(dir .. "/tree/a/b", { recursive = true })
    fs.writeFileSync(dir .. "/tree/a/b/f", "x")
    fs.symlinkSync("/nonexistent", dir .. "/tree/dangling")
    local e = raises(function() fs.rmSync(dir .. "/tree") end,
      "ERR_FS_EISDIR")
    assert.are.equal("Path is a directory: rm returned EISDIR " ..
      "(is a directory) " .. dir .. "/tree", e.message)
    assert.are.equal("rm", e.syscall)
    fs.rmSync(dir .. "/tree", { recursive = true })
    assert.is_false(fs.existsSync(dir .. "/tree"))
    e = raises(function() fs.rmSync(dir .. "/tree") end, "ENOENT")
    assert.are.equal("ENOENT: no such file or directory, lstat '" .. dir ..
      "/tree'", e.message)
    assert.is_nil(fs.rmSync(dir .. "/tree", { force = true }))
    fs.writeFileSync(dir .. "/file", "")
    fs.rmSync(dir .. "/file")
    assert.is_false(fs.existsSync(dir .. "/file"))
  end)

  it("rm with callbacks and promises", function()
    fs.mkdirSync(dir .. "/r1/x", { recursive = true })
    fs.mkdirSync(dir .. "/r2/x", { recursive = true })
    local err1, err2 = false, false
    fs.rm(dir .. "/r1", { recursive = true }, function(err) err1 = err end)
    fs.rm(dir .. "/missing", function(err) err2 = err end)
    run_loop()
    assert.is_nil(err1)
    assert.are.equal("ENOENT", err2.code)
    assert.is_false(fs.existsSync(dir .. "/r1"))
    task(function()
      await(fsp.rm(dir .. "/r2", { recursive = true, force = true }))
      await(fs.rm(dir .. "/r2", { force = true }))
    end)
    assert.is_false(fs.existsSync(dir .. "/r2"))
  end)

  it("rmdir and unlink", function()
    fs.mkdirSync(dir .. "/d/e", { recursive = true })
    local e = raises(function() fs.rmdirSync(dir .. "/d") end, "ENOTEMPTY")
    assert.are.equal("rmdir", e.syscall)
    fs.rmdirSync(dir .. "/d/e")
    local done
    fs.rmdir(dir .. "/d", function(err) done = err == nil end)
    run_loop()
    assert.is_true(done)
    fs.writeFileSync(dir .. "/u", "")
    fs.unlinkSync(dir .. "/u")
    e = raises(function() fs.unlinkSync(dir .. "/u") end, "ENOENT")
    assert.are.equal("ENOENT: no such file or directory, unlink '" .. dir ..
      "/u'", e.message)
    fs.mkdirSync(dir .. "/deep/er", { recursive = true })
    fs.rmdirSync(dir .. "/deep", { recursive = true })
    assert.is_false(fs.existsSync(dir .. "/deep"))
  end)
end)

describe("lode.fs names and links", function()
  it("renames and copies, naming both paths in errors", function()
    fs.writeFileSync(dir .. "/a", "A")
    fs.renameSync(dir .. "/a", dir .. "/b")
    assert.are.equal("A", fs.readFileSync(dir .. "/b", "utf8"))
    local e = raises(function() fs.renameSync(dir .. "/a", dir .. "/c") end,
      "ENOENT")
    assert.are.equal("ENOENT: no such file or directory, rename '" .. dir ..
      "/a' -> '" .. dir .. "/c'", e.message)
    assert.are.equal(dir .. "/c", e.dest)
    fs.copyFileSync(dir .. "/b", dir .. "/c")
    assert.are.equal("A", fs.readFileSync(dir .. "/c", "utf8"))
    e = raises(function()
      fs.copyFileSync(dir .. "/b", dir .. "/c", K.COPYFILE_EXCL)
    end, "EEXIST")
    assert.are.equal("copyfile", e.syscall)
    local done
    fs.copyFile(dir .. "/b", dir .. "/d", function(err)
      assert.is_nil(err)
      fs.rename(dir .. "/d", dir .. "/e", function(err2)
        done = err2 == nil
      end)
    end)
    run_loop()
    assert.is_true(done)
    task(function()
      await(fsp.copyFile(dir .. "/e", dir .. "/f"))
      await(fsp.rename(dir .. "/f", dir .. "/g"))
    end)
    assert.are.equal("A", fs.readFileSync(dir .. "/g", "utf8"))
  end)

  it("symlink, readlink, realpath, link", function()
    fs.writeFileSync(dir .. "/t", "T")
    fs.symlinkSync("t", dir .. "/l")
    assert.are.equal("t", fs.readlinkSync(dir .. "/l"))
    local real = fs.realpathSync(dir)
    assert.are.equal(real .. "/t", fs.realpathSync(dir .. "/l"))
    local e = raises(function() fs.symlinkSync("t", dir .. "/l") end,
      "EEXIST")
    assert.are.equal("EEXIST: file already exists, symlink 't' -> '" ..
      dir .. "/l'", e.message)
    e = raises(function() fs.readlinkSync(dir .. "/t") end, "EINVAL")
    assert.are.equal("readlink", e.syscall)
    fs.linkSync(dir .. "/t", dir .. "/hard")
    assert.are.equal(2, fs.statSync(dir .. "/t").nlink)
    local link, rp
    fs.readlink(dir .. "/l", function(err, s)
      assert.is_nil(err)
      link = s
    end)
    fs.realpath(dir .. "/l", function(err, s)
      assert.is_nil(err)
      rp = s
    end)
    run_loop()
    assert.are.equal("t", link)
    assert.are.equal(real .. "/t", rp)
    raises(function() fs.realpathSync(dir .. "/none") end, "ENOENT")
  end)

  it("access and exists", function()
    fs.writeFileSync(dir .. "/f", "")
    assert.is_nil(fs.accessSync(dir .. "/f"))
    assert.is_nil(fs.accessSync(dir .. "/f", K.R_OK | K.W_OK))
    assert.are.equal(fs.R_OK, K.R_OK)
    local e = raises(function() fs.accessSync(dir .. "/g") end, "ENOENT")
    assert.are.equal("ENOENT: no such file or directory, access '" .. dir ..
      "/g'", e.message)
    assert.is_true(fs.existsSync(dir .. "/f"))
    assert.is_false(fs.existsSync(dir .. "/g"))
    assert.is_false(fs.existsSync(123))
    local yes, no, aerr
    fs.exists(dir .. "/f", function(v) yes = v end)
    fs.exists(dir .. "/g", function(v) no = v end)
    fs.access(dir .. "/g", fs.F_OK, function(err) aerr = err end)
    run_loop()
    assert.is_true(yes)
    assert.is_false(no)
    assert.are.equal("access", aerr.syscall)
    task(function()
      assert.is_true(await(fs.exists(dir .. "/f")))
      assert.is_nil(await(fsp.access(dir .. "/f", K.F_OK)))
    end)
  end)

  it("chmod, utimes and chown", function()
    local p = dir .. "/m"
    fs.writeFileSync(p, "")
    fs.chmodSync(p, 384)
    assert.are.equal(384, fs.statSync(p).mode & 511)
    fs.chmodSync(p, "644")
    assert.are.equal(420, fs.statSync(p).mode & 511)
    fs.utimesSync(p, 1000, 2000.5)
    local st = fs.statSync(p)
    assert.are.equal(2000500.0, st.mtimeMs)
    assert.are.equal(1000000.0, st.atimeMs)
    fs.utimesSync(p, st.atime, st.mtime)
    assert.are.equal(2000500.0, fs.statSync(p).mtimeMs)
    local done
    fs.chmod(p, 256, function(err)
      assert.is_nil(err)
      fs.utimes(p, 5, 6, function(err2) done = err2 == nil end)
    end)
    run_loop()
    assert.is_true(done)
    assert.are.equal(6000.0, fs.statSync(p).mtimeMs)
    local uid, gid = fs.statSync(p).uid, fs.statSync(p).gid
    fs.chownSync(p, uid, gid)
    local e = raises(function() fs.chmodSync(dir .. "/x", 420) end, "ENOENT")
    assert.are.equal("chmod", e.syscall)
    e = raises(function() fs.utimesSync(dir .. "/x", 1, 1) end, "ENOENT")
    assert.are.equal("utime", e.syscall)
  end)
end)

describe("lode.fs FileHandle", function()
  it("reads, writes, stats and closes through fs.promises.open", function()
    local p = dir .. "/fh"
    task(function()
      local fh = await(fsp.open(p, "w+"))
      assert.is_true(fh.fd > 2)
      assert.are.equal(5, await(fh:write("hello")).bytesWritten)
      await(fh:appendFile(" world"))
      local r = await(fh:read(Buffer.alloc(11), 0, 11, 0))
      assert.are.equal("hello world", r.buffer:toString())
      assert.are.equal(11, await(fh:stat()).size)
      await(fh:truncate(5))
      await(fh:sync())
      await(fh:close())
      await(fh:close())
      local ok, err = pcall(await, fh:stat())
      assert.is_false(ok)
      assert.are.equal("EBADF", err.code)
      do
        local h <close> = await(fsp.open(p))
        assert.are.equal("hello", await(fsp.readFile(h, "utf8")))
        assert.are.equal("", await(h:readFile("utf8")))   -- at EOF now
      end
    end)
  end)
end)

describe("lode.fs.watch", function()
  it("emits change events for a directory and closes", function()
    local events, closed = {}, false
    local w
    w = fs.watch(dir, function(kind, name)
      events[#events + 1] = kind .. ":" .. tostring(name)
      w:close()
    end)
    w:on("close", function() closed = true end)
    setTimeout(function() fs.writeFileSync(dir .. "/w.txt", "x") end, 10)
    run_loop()
    assert.is_true(closed)
    assert.are.equal("rename:w.txt", events[1])
  end)

  it("reports 'change' for a watched file", function()
    local p = dir .. "/watched"
    fs.writeFileSync(p, "0")
    local kind, name
    local w = fs.watch(p, { persistent = true })
    w:on("change", function(k, n)
      kind, name = k, n
      w:close()
    end)
    setTimeout(function() fs.appendFileSync(p, "1") end, 10)
    run_loop()
    assert.are.equal("change", kind)
    assert.are.equal("watched", name)
  end)

  it("raises for a missing path; unref'd watchers let the loop end", function()
    local e = raises(function() fs.watch(dir .. "/none") end, "ENOENT")
    assert.are.equal("ENOENT: no such file or directory, watch '" .. dir ..
      "/none'", e.message)
    local w = fs.watch(dir, { persistent = false })
    run_loop()
    w:close()
    run_loop()
  end)
end)

describe("lode.fs bad input", function()
  it("raises ERR_INVALID_ARG_TYPE for wrong argument types", function()
    local e = raises(function() fs.openSync(123) end,
      "ERR_INVALID_ARG_TYPE")
    assert.are.equal('The "path" argument must be of type string or an ' ..
      "instance of Buffer or URL. Received type number (123)", e.message)
    raises(function() fs.readFile(true, function() end) end,
      "ERR_INVALID_ARG_TYPE")
    raises(function() fs.readFileSync(false) end, "ERR_INVALID_ARG_TYPE")
    raises(function() fs.statSync({}) end, "ERR_INVALID_ARG_TYPE")
    raises(function() fs.writeFileSync(dir .. "/x", 5) end,
      "ERR_INVALID_ARG_TYPE")
    raises(function() fs.readFileSync(dir .. "/x", 5) end,
      "ERR_INVALID_ARG_TYPE")
    raises(function() fs.closeSync("1") end, "ERR_INVALID_ARG_TYPE")
    raises(function() fs.openSync(dir .. "/x", "w", true) end,
      "ERR_INVALID_ARG_TYPE")
    raises(function() fs.readSync(0, "abc") end, "ERR_INVALID_ARG_TYPE")
    raises(function() fs.rmSync(dir, { force = 1 }) end,
      "ERR_INVALID_ARG_TYPE")
    raises(function() fs.renameSync(dir, 5) end, "ERR_INVALID_ARG_TYPE")
    e = raises(function() fs.readFile(dir .. "/x", {}, 123) end,
      "ERR_INVALID_ARG_TYPE")
    assert.are.equal('The "cb" argument must be of type function. ' ..
      "Received type number (123)", e.message)
    raises(function() fs.stat(dir, {}, "cb") end, "ERR_INVALID_ARG_TYPE")
    local rejected
    fs.promises.stat(42):catch(function(err) rejected = err end)
    run_loop()
    assert.are.equal("ERR_INVALID_ARG_TYPE", rejected.code)
  end)

  it("raises ERR_INVALID_ARG_VALUE for bad flags, modes, encodings", function()
    local p = dir .. "/x"
    local e = raises(function() fs.openSync(p, "foo") end,
      "ERR_INVALID_ARG_VALUE")
    assert.are.equal("The argument 'flags' is invalid. Received 'foo'",
      e.message)
    raises(function() fs.readFileSync(p, { flag = "zz" }) end,
      "ERR_INVALID_ARG_VALUE")
    raises(function() fs.open(p, "bad", function() end) end,
      "ERR_INVALID_ARG_VALUE")
    e = raises(function() fs.openSync(p, "w", "abc") end,
      "ERR_INVALID_ARG_VALUE")
    assert.are.equal("The argument 'mode' must be a 32-bit unsigned " ..
      "integer or an octal string. Received 'abc'", e.message)
    raises(function() fs.mkdirSync(p, "999") end, "ERR_INVALID_ARG_VALUE")
    raises(function() fs.chmodSync(p, "rwx") end, "ERR_INVALID_ARG_VALUE")
    e = raises(function() fs.readFileSync(p, "nope") end,
      "ERR_INVALID_ARG_VALUE")
    assert.are.equal("The argument 'encoding' is invalid encoding. " ..
      "Received 'nope'", e.message)
    e = raises(function() fs.readFileSync("a\0b") end,
      "ERR_INVALID_ARG_VALUE")
    assert.matches("without null bytes", e.message)
    raises(function() fs.symlinkSync(p, p .. "2", "foo") end,
      "ERR_FS_INVALID_SYMLINK_TYPE")
  end)

  it("raises ERR_OUT_OF_RANGE for numbers out of range", function()
    raises(function() fs.openSync(dir .. "/x", "w", -1) end,
      "ERR_OUT_OF_RANGE")
    raises(function() fs.fstatSync(-1) end, "ERR_OUT_OF_RANGE")
    raises(function() fs.closeSync(1.5) end, "ERR_OUT_OF_RANGE")
    raises(function() fs.copyFileSync(dir, dir .. "/y", 9) end,
      "ERR_OUT_OF_RANGE")
    local fd = fs.openSync(dir .. "/x", "w+")
    raises(function() fs.readSync(fd, Buffer.alloc(4), 5, 1) end,
      "ERR_OUT_OF_RANGE")
    raises(function() fs.readSync(fd, Buffer.alloc(4), 1, 4) end,
      "ERR_OUT_OF_RANGE")
    raises(function() fs.writeSync(fd, Buffer.alloc(4), 0, 1, -2) end,
      "ERR_OUT_OF_RANGE")
    fs.closeSync(fd)
  end)

  it("reports async failures through the callback only", function()
    local calls, errs = 0, {}
    local function cb(err)
      calls = calls + 1
      errs[#errs + 1] = err and err.code
    end
    assert.has_no.errors(function()
      fs.open(dir .. "/none", "r", cb)
      fs.readdir(dir .. "/none", cb)
      fs.unlink(dir .. "/none", cb)
      fs.close(99999, cb)
      fs.rmdir(dir .. "/none", cb)
      fs.writeFile(dir .. "/none/x", "data", cb)
    end)
    assert.are.equal(0, calls)
    run_loop()
    assert.are.equal(6, calls)
    table.sort(errs)
    assert.are.same({ "EBADF", "ENOENT", "ENOENT", "ENOENT", "ENOENT",
      "ENOENT" }, errs)
  end)
end)

describe("lode.fs descriptors are not leaked", function()
  it("by many operations that succeed and fail", function()
    local before = fd_count()
    for i = 1, 50 do
      local p = dir .. "/f" .. i
      fs.writeFileSync(p, "x")
      fs.readFileSync(p)
      pcall(fs.readFileSync, dir)
      pcall(fs.readFileSync, p .. "missing")
      fs.readFile(p, function() end)
      fs.readFile(dir, function() end)
      fs.writeFile(p, "y", function() end)
      fs.truncate(p, 0, function() end)
    end
    run_loop()
    fs.rmSync(dir .. "/f1")
    assert.are.equal(before, fd_count())
  end)
end)
