#!/bin/sh
# Runs the whole suite against build dir $1 (build or build-asan): the
# busted specs under plain lua5.4, the examples against their expected
# output, and the LuaRocks smoke test. Ends with `N passed, N failed`.
B=${1:-build}
cd "$(dirname "$0")/.." || exit 1
export LODE_BUILD="$B" LODE_BIN="$PWD/$B/lode"
passed=0 failed=0
log=$(mktemp)

# busted: plain lua5.4 with lode.so from $B.
if [ -n "$LD_PRELOAD_ASAN" ]; then export LD_PRELOAD="$LD_PRELOAD_ASAN"; fi
shift 2>/dev/null
[ $# -gt 0 ] || set -- spec
lua5.4 /usr/bin/busted -o utfTerminal "$@" >"$log" 2>&1 </dev/null
status=$?
unset LD_PRELOAD
cat "$log"
summary=$(grep -E '[0-9]+ successes? / [0-9]+ failures? / [0-9]+ errors?' \
  "$log" | tail -n 1)
if [ -n "$summary" ]; then
  s=$(echo "$summary" | sed -E 's/^[^0-9]*([0-9]+) success.*/\1/')
  f=$(echo "$summary" | sed -E 's/.* ([0-9]+) failures?.*/\1/')
  e=$(echo "$summary" | sed -E 's/.* ([0-9]+) errors?.*/\1/')
  passed=$((passed + s)); failed=$((failed + f + e))
else
  echo "busted printed no summary (exit $status)"; failed=$((failed + 1))
fi
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=$((failed + 1))
rm -f "$log"

# examples: each examples/NAME.lua with examples/NAME.expected.
for ex in examples/*.lua; do
  exp="${ex%.lua}.expected"
  [ -f "$exp" ] || continue
  dir=$(mktemp -d)
  if (cd "$dir" && timeout 30 "$LODE_BIN" "$OLDPWD/$ex" >out 2>&1) &&
     cmp -s "$dir/out" "$exp"; then
    passed=$((passed + 1))
  else
    echo "FAIL example $ex:"; diff "$exp" "$dir/out" | head -20
    failed=$((failed + 1))
  fi
  rm -rf "$dir"
done

# LuaRocks: install into a temporary tree, run the smoke script.
if [ -z "$LODE_SKIP_ROCK" ]; then
  if sh spec/rock_smoke.sh "$B"; then passed=$((passed + 1)); else
    echo "FAIL luarocks smoke test"; failed=$((failed + 1)); fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
