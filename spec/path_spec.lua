local path = require "lode.path"

-- check(fn, rows): each row is { expected, args... }, expectations taken
-- from Node 20's path.posix (node -e) for the same arguments. parse()
-- rows give { root, dir, base, ext, name }.
local function check(fn, rows)
  for _, row in ipairs(rows) do
    local got = path[fn](table.unpack(row, 2, #row))
    local want = row[1]
    if fn == "parse" then
      want = { root = want[1], dir = want[2], base = want[3], ext = want[4],
        name = want[5] }
      assert.same(want, got)
    else
      assert.equal(want, got)
    end
  end
end

describe("lode.path", function()
  it("has Node's constants and is its own posix", function()
    assert.equal("/", path.sep)
    assert.equal(":", path.delimiter)
    assert.equal(path, path.posix)
    assert.equal("a", path.toNamespacedPath("a"))
  end)

  it("join() matches Node in 20 cases", function()
    check("join", {
      { "/foo/bar/baz/asdf", "/foo", "bar", "baz/asdf", "quux", ".." },
      { "foo/bar", "foo", "", "bar" },
      { ".", "" },
      { ".", "", "" },
      { "." },
      { "./", "./" },
      { "./", ".", "./" },
      { "/", "/", ".." },
      { "/foo", "/", "//foo" },
      { "foo/", "foo/", "" },
      { "foo/x/bar", "foo/x", "./bar" },
      { "y", "./x", "..", "/y" },
      { "../../a", "..", "..", "a" },
      { "/c", "/a/b", "../../../c" },
      { "../b", "a", "../../b" },
      { " /foo", " ", "foo" },
      { "/a", "//", "a" },
      { "a/b/c/", "a//b", "c/" },
      { ".", ".", ".", "." },
      { "foo/bar", "foo/", "", "/bar" },
    })
  end)

  it("normalize() matches Node in 26 cases", function()
    check("normalize", {
      { "fixtures/b/c.js", "./fixtures///b/../b/c.js" },
      { "/bar", "/foo/../../../bar" },
      { "a/b", "a//b//../b" },
      { "a/b/c", "a//b//./c" },
      { "a/b", "a//b//." },
      { "/x/y/z", "/a/b/c/../../../x/y/z" },
      { "/foo/bar", "///..//./foo/.//bar" },
      { "bar/", "bar/foo../../" },
      { "bar", "bar/foo../.." },
      { "bar/baz", "bar/foo../../baz" },
      { "bar/foo../", "bar/foo../" },
      { "bar/foo..", "bar/foo.." },
      { "../../bar", "../foo../../../bar" },
      { "../../bar", "../.../.././.../../../bar" },
      { ".", "" },
      { ".", "." },
      { "./", "./" },
      { "/", "/" },
      { "/", "//" },
      { "..", ".." },
      { "../", "../" },
      { ".", "a/.." },
      { "./", "a/../" },
      { "/", "/.." },
      { "foo/bar/...", "foo/bar/..." },
      { "...", "..." },
    })
  end)

  it("dirname() matches Node in 16 cases", function()
    check("dirname", {
      { "/a", "/a/b/" },
      { "/a", "/a/b" },
      { "/", "/a" },
      { ".", "" },
      { "/", "/" },
      { "/", "////" },
      { "//", "//a" },
      { ".", "foo" },
      { "a/b", "a/b/c" },
      { "a/", "a//b" },
      { "/", "/a//" },
      { ".", "." },
      { ".", ".." },
      { ".", "./a" },
      { "/", "//" },
      { "///a", "///a/b" },
    })
  end)

  it("basename() matches Node in 29 cases", function()
    check("basename", {
      { "basename.ext", "/dir/basename.ext" },
      { "basename.ext", "/basename.ext" },
      { "basename.ext", "basename.ext" },
      { "basename.ext", "basename.ext/" },
      { "basename.ext", "basename.ext//" },
      { "bbb", "aaa/bbb", "/bbb" },
      { "bbb", "aaa/bbb", "a/bbb" },
      { "bbb", "aaa/bbb", "bbb" },
      { "bbb", "aaa/bbb//", "bbb" },
      { "b", "aaa/bbb", "bb" },
      { "bb", "aaa/bbb", "b" },
      { "bbb", "/aaa/bbb", "/bbb" },
      { "bbb", "/aaa/bbb", "a/bbb" },
      { "bbb", "/aaa/bbb", "bbb" },
      { "bbb", "/aaa/bbb//", "bbb" },
      { "b", "/aaa/bbb", "bb" },
      { "bb", "/aaa/bbb", "b" },
      { "bbb", "/aaa/bbb" },
      { "aaa", "/aaa/" },
      { "b", "/aaa/b" },
      { "b", "/a/b" },
      { "a", "//a" },
      { "", "a", "a" },
      { "", "" },
      { "", "/" },
      { "file", "file.js", ".js" },
      { "", "file.js", "file.js" },
      { "x.tar", "x.tar.gz", ".gz" },
      { "b", "/a/b.c", ".c" },
    })
  end)

  it("extname() matches Node in 42 cases", function()
    check("extname", {
      { "", "" },
      { "", "/path/to/file" },
      { ".ext", "/path/to/file.ext" },
      { ".ext", "/path.to/file.ext" },
      { "", "/path.to/file" },
      { "", "/path.to/.file" },
      { ".ext", "/path.to/.file.ext" },
      { ".ext", "/path/to/f.ext" },
      { ".ext", "/path/to/..ext" },
      { "", "/path/to/.." },
      { "", "file" },
      { ".ext", "file.ext" },
      { "", ".file" },
      { ".ext", ".file.ext" },
      { "", "/file" },
      { ".ext", "/file.ext" },
      { "", "/.file" },
      { ".ext", "/.file.ext" },
      { ".ext", ".path/file.ext" },
      { ".ext", "file.ext.ext" },
      { ".", "file." },
      { "", "." },
      { "", "./" },
      { ".ext", ".file.ext" },
      { "", ".file" },
      { ".", ".file." },
      { ".", ".file.." },
      { "", ".." },
      { "", "../" },
      { ".ext", "..file.ext" },
      { ".file", "..file" },
      { ".", "..file." },
      { ".", "..file.." },
      { ".", "..." },
      { ".ext", "...ext" },
      { ".", "...." },
      { ".ext", "file.ext/" },
      { ".ext", "file.ext//" },
      { "", "file/" },
      { "", "file//" },
      { ".", "file./" },
      { ".", "file.//" },
    })
  end)

  it("isAbsolute() matches Node in 7 cases", function()
    check("isAbsolute", {
      { true, "/home/foo" },
      { true, "/home/foo/.." },
      { false, "bar/" },
      { false, "./baz" },
      { false, "" },
      { true, "/" },
      { true, "//server" },
    })
  end)

  it("parse() matches Node in 21 cases", function()
    check("parse", {
      { { "/", "/home/user/dir", "file.txt", ".txt", "file" },
        "/home/user/dir/file.txt" },
      { { "/", "/home/user/a dir", "another File.zip", ".zip", "another File" },
        "/home/user/a dir/another File.zip" },
      { { "/", "/home/user/a dir/", "another&File.", ".", "another&File" },
        "/home/user/a dir//another&File." },
      { { "/", "/home/user/a$$$dir/", "another File.zip", ".zip",
        "another File" },
        "/home/user/a$$$dir//another File.zip" },
      { { "", "user/dir", "another File.zip", ".zip", "another File" },
        "user/dir/another File.zip" },
      { { "", "", "file", "", "file" }, "file" },
      { { "", "", ".\\file", "", ".\\file" }, ".\\file" },
      { { "", ".", "file", "", "file" }, "./file" },
      { { "", "", "", "", "" }, "" },
      { { "/", "/", "", "", "" }, "/" },
      { { "/", "/", "", "", "" }, "//" },
      { { "/", "/", "", "", "" }, "///" },
      { { "/", "/", "foo", "", "foo" }, "/foo///" },
      { { "/", "/foo//", "bar.baz", ".baz", "bar" }, "/foo///bar.baz" },
      { { "/", "/", ".foo", "", ".foo" }, "/.foo" },
      { { "", "", ".foo", "", ".foo" }, ".foo" },
      { { "", "", "..foo", ".foo", "." }, "..foo" },
      { { "/", "/x", "..", "", ".." }, "/x/.." },
      { { "", "x", "..", "", ".." }, "x/.." },
      { { "", "a", "b", "", "b" }, "a/b/" },
      { { "/", "/", "a.b.c", ".c", "a.b" }, "/a.b.c/" },
    })
  end)

  it("relative() matches Node in 15 cases", function()
    check("relative", {
      { "..", "/var/lib", "/var" },
      { "../../bin", "/var/lib", "/bin" },
      { "", "/var/lib", "/var/lib" },
      { "../apache", "/var/lib", "/var/apache" },
      { "lib", "/var/", "/var/lib" },
      { "var/lib", "/", "/var/lib" },
      { "bar/package.json", "/foo/test", "/foo/test/bar/package.json" },
      { "../..", "/Users/a/web/b/test/mails", "/Users/a/web/b" },
      { "../baz", "/foo/bar/baz-quux", "/foo/bar/baz" },
      { "../baz-quux", "/foo/bar/baz", "/foo/bar/baz-quux" },
      { "../baz", "/baz-quux", "/baz" },
      { "../baz-quux", "/baz", "/baz-quux" },
      { "../../..", "/page1/page2/foo", "/" },
      { "", "/a/b", "/a/b/" },
      { "../c", "a/b", "a/c" },
    })
  end)

  it("resolve() matches Node in 6 cases", function()
    check("resolve", {
      { "/var/file", "/var/lib", "../", "file/" },
      { "/file", "/var/lib", "/../", "file/" },
      { "/absolute", "/some/dir", ".", "/absolute/" },
      { "/foo/tmp.3/cycles/root.js", "/foo/tmp.3/", "../tmp.3/cycles/root.js" },
      { "/a/b/d", "/a", "b", "c", "..", "d" },
      { "/y", "/", "x/../..", "y" },
    })
  end)

  it("format() matches Node in 10 cases", function()
    check("format", {
      { "/home/user/dir/file.txt",
        { root = "/", dir = "/home/user/dir", base = "file.txt" } },
      { "/file.txt", { root = "/", base = "file.txt", ext = "ignored" } },
      { "/file.txt", { root = "/", name = "file", ext = ".txt" } },
      { "/file.txt", { root = "/", name = "file", ext = "txt" } },
      { "dir/n.e", { dir = "dir", name = "n", ext = "e" } },
      { "x", { name = "x" } },
      { "", {  } },
      { "/", { root = "/" } },
      { "//b", { dir = "/", base = "b" } },
      { "/r/b", { root = "/r/", dir = "/r/", base = "b" } },
    })
  end)

  it("resolves relative paths against the working directory", function()
    local cwd = require("lode.binding.os").cwd()
    assert.equal(cwd, path.resolve())
    assert.equal(cwd, path.resolve(""))
    assert.equal(path.join(cwd, "a"), path.resolve("a"))
    assert.equal(path.join(cwd, "a/c"), path.resolve("a/b", "../c"))
    assert.equal("../b", path.relative("a", "b"))
    assert.equal("", path.relative("a", cwd .. "/a"))
  end)

  it("follows process.chdir", function()
    local sys = require "lode.binding.os"
    local before = sys.cwd()
    assert.is_true(sys.chdir("/tmp"))
    local ok, err = pcall(function()
      assert.equal(sys.cwd() .. "/x", path.resolve("x"))
      assert.equal("../y", path.relative(sys.cwd() .. "/x", "y"))
    end)
    sys.chdir(before)
    assert(ok, err)
  end)

  it("raises ERR_INVALID_ARG_TYPE for non-strings", function()
    local cases = {
      { function() path.join("a", 1) end, 'The "path" argument must be ' ..
        "of type string. Received type number (1)" },
      { function() path.basename("a", 1) end, 'The "suffix" argument ' ..
        "must be of type string. Received type number (1)" },
      { function() path.resolve("a", nil) end, 'The "paths[1]" argument ' ..
        "must be of type string. Received nil" },
      { function() path.format("x") end, 'The "pathObject" argument ' ..
        "must be of type object" },
      { function() path.normalize() end, 'The "path" argument' },
      { function() path.relative("a") end, 'The "to" argument' },
      { function() path.dirname({}) end, 'The "path" argument' },
      { function() path.extname(true) end, 'The "path" argument' },
      { function() path.parse(1) end, 'The "path" argument' },
      { function() path.isAbsolute() end, 'The "path" argument' },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(c[1])
      assert.is_false(ok)
      assert.equal("ERR_INVALID_ARG_TYPE", err.code)
      assert.equal("TypeError", err.name)
      assert.equal(c[2], err.message:sub(1, #c[2]))
    end
  end)

  it("treats bytes past ASCII as ordinary characters", function()
    assert.equal("é.txt", path.basename("/a/é.txt"))
    assert.equal(".é", path.extname("x.é"))
    assert.equal("/ü/ö", path.normalize("/ü/./x/../ö"))
  end)
end)
