-- Writes a C file holding every Lua module of lua/ as precompiled
-- bytecode (with debug info, so tracebacks keep file and line), indexed by
-- module name: lua/lode/x.lua -> "lode.x", lua/lode/init.lua -> "lode".
local out = { '#include <stddef.h>',
  'typedef struct { const char *name; const unsigned char *code;',
  '  size_t len; } lode_embedded_t;' }
local entries = {}
for i, path in ipairs(arg) do
  local name = path:gsub("^lua/", ""):gsub("%.lua$", ""):gsub("/init$", "")
    :gsub("/", ".")
  local f = assert(io.open(path, "rb"))
  local src = f:read("a")
  f:close()
  local fn = assert(load(src, "@" .. path))
  local code = string.dump(fn, false)
  local bytes = {}
  for j = 1, #code do bytes[j] = code:byte(j) end
  local lines = {}
  for j = 1, #bytes, 24 do
    lines[#lines + 1] = table.concat(bytes, ",", j, math.min(j + 23, #bytes))
  end
  out[#out + 1] = ("static const unsigned char m%d[] = {\n%s};"):format(i,
    table.concat(lines, ",\n"))
  entries[#entries + 1] = ('  {"%s", m%d, %d},'):format(name, i, #code)
end
out[#out + 1] = "const lode_embedded_t lode_embedded[] = {"
for _, e in ipairs(entries) do out[#out + 1] = e end
out[#out + 1] = "  {NULL, NULL, 0}\n};"
io.write(table.concat(out, "\n"), "\n")
