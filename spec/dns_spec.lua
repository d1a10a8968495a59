-- lode.dns: lookup on libuv's getaddrinfo (thread pool), its options,
-- IP literals, ENOTFOUND as Node reports it, and the Promise forms.
local dns = require "lode.dns"

describe("lode.dns", function()
  describe("lookup()", function()
    it("resolves localhost to a loopback address", function()
      local addr, fam
      dns.lookup("localhost", function(err, a, f)
        assert.is_nil(err)
        addr, fam = a, f
      end)
      run_loop()
      assert.is_truthy(addr == "127.0.0.1" or addr == "::1")
      assert.are.equal(addr == "::1" and 6 or 4, fam)
    end)

    it("honours family and returns every address with all", function()
      local list
      dns.lookup("localhost", { family = 4, all = true }, function(err, l)
        assert.is_nil(err)
        list = l
      end)
      run_loop()
      assert.is_true(#list >= 1)
      for _, a in ipairs(list) do assert.are.equal(4, a.family) end
      assert.are.equal("127.0.0.1", list[1].address)
    end)

    it("takes the family as the options argument", function()
      local fam
      dns.lookup("localhost", 4, function(_, _, f) fam = f end)
      run_loop()
      assert.are.equal(4, fam)
    end)

    it("answers IP literals without a resolver, on a later tick", function()
      local got, sync = {}, true
      dns.lookup("::1", function(err, a, f)
        assert.is_nil(err)
        assert.is_false(sync)
        got = { a, f }
      end)
      sync = false
      run_loop()
      assert.same({ "::1", 6 }, got)
    end)

    it("fails an unknown name with ENOTFOUND, as Node", function()
      local err
      dns.lookup("nosuch.invalid", function(e) err = e end)
      run_loop(10000)
      assert.is_truthy(err.code == "ENOTFOUND" or err.code == "EAI_AGAIN")
      assert.are.equal("getaddrinfo", err.syscall)
      assert.are.equal("nosuch.invalid", err.hostname)
      assert.are.equal("getaddrinfo " .. err.code .. " nosuch.invalid",
        err.message)
      assert.is_number(err.errno)
    end)

    it("raises for bad arguments", function()
      local ok, e = pcall(dns.lookup, "localhost", { family = 5 }, print)
      assert.is_false(ok)
      assert.are.equal("ERR_INVALID_ARG_VALUE", e.code)
      ok, e = pcall(dns.lookup, 42, print)
      assert.are.equal("ERR_INVALID_ARG_TYPE", e.code)
    end)
  end)

  describe("promises", function()
    it("resolves to { address, family } or rejects", function()
      local res, rej
      dns.promises.lookup("127.0.0.1"):next(function(v) res = v end)
      dns.lookup("nosuch.invalid"):catch(function(e) rej = e end)
      run_loop(10000)
      assert.same({ address = "127.0.0.1", family = 4 }, res)
      assert.is_truthy(rej.code == "ENOTFOUND" or rej.code == "EAI_AGAIN")
    end)

    it("works with await inside a task", function()
      local list
      async(function()
        list = await(dns.promises.lookup("localhost", { all = true }))
      end)()
      run_loop()
      assert.is_true(#list >= 1)
    end)
  end)
end)
