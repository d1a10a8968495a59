#!/bin/sh
# make bench: lode against Node 20 on the same workloads in the same run.
# Each figure is the median of RUNS runs; ratios are lode / node (higher
# is better for rates, lower for times and memory). Writes a table to
# stdout; bench/RESULTS.md keeps the recorded figures and commands.
cd "$(dirname "$0")/.." || exit 1
LODE=${LODE:-build/lode}
NODE=${NODE:-/usr/bin/node}
RUNS=${RUNS:-5}
export LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/?.so;;"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
runs() { i=0; while [ $i -lt "$RUNS" ]; do "$@"; i=$((i + 1)); done | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf '%-44s %14s %14s %8s\n' "$1" "$2" "$3" "$4"; }

row "workload (median of $RUNS)" lode node ratio
# Startup: wall time of a whole process (hyperfine, warm cache).
hf() { hyperfine -N -w 3 -r 30 --export-json /tmp/lode-hf.json "$1" \
  >/dev/null 2>&1 && python3 -c 'import json; print(json.load(open("/tmp/lode-hf.json"))["results"][0]["median"] * 1000)'; }
a=$(hf "$LODE -e ''"); b=$(hf "$NODE -e 0")
row "startup, ms (lode -e '' / node -e 0)" "$(printf %.2f "$a")" \
  "$(printf %.2f "$b")" "$(ratio "$a" "$b")"
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }
a=$(runs rss "$LODE" bench/core/empty.lua); b=$(runs rss "$NODE" bench/core/empty.js)
row "peak RSS of an empty script, KiB" "$a" "$b" "$(ratio "$a" "$b")"
for n in 1 3; do
  a=$(runs "$LODE" bench/core/emit.lua $n); b=$(runs "$NODE" bench/core/emit.js $n)
  m=$(runs lua5.4 bench/core/emit_minimal.lua $n)
  row "emit, $n listener(s), ops/s" "$a" "$b" "$(ratio "$a" "$b")"
  row "  minimal pure-Lua emitter (lua5.4), ops/s" "$m" "" \
    "$(ratio "$a" "$m")"
done
for w in buffer immediate await; do
  a=$(runs "$LODE" bench/core/$w.lua); b=$(runs "$NODE" bench/core/$w.js)
  row "$w, ops/s" "$a" "$b" "$(ratio "$a" "$b")"
done
