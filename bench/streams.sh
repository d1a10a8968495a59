#!/bin/sh
# Streams and fs: lode against Node 20 on the same workloads in the same
# run (bench/streams/*.lua and *.js). Each figure is the median of RUNS
# runs; the ratio is lode / node (higher is better for rates, lower for
# memory and CPU). Peak RSS and CPU seconds (user + system, all threads)
# come from /usr/bin/time on the same runs: with 2 shared cores and other
# builds running, CPU time is steadier than the wall-clock rate.
# Temporary files live in a directory under /tmp, removed at the end.
cd "$(dirname "$0")/.." || exit 1
LODE=${LODE:-build/lode}
NODE=${NODE:-/usr/bin/node}
RUNS=${RUNS:-5}
S=bench/streams
T=$(mktemp -d /tmp/lode-bench-streams-XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf '%-40s %12s %12s %7s\n' "$1" "$2" "$3" "$4"; }

# once CMD...: runs CMD, appends "figure rss_kib cpu_s" to $T/runs.
once() {
  /usr/bin/time -f '%M %U %S' -o "$T/rss" "$@" >"$T/out" ||
    { echo "failed: $*" >&2; exit 1; }
  echo "$(tail -n 1 "$T/out") $(tail -n 1 "$T/rss" |
    awk '{ printf "%d %.2f", $1, $2 + $3 }')" >>"$T/runs"
}
# measure NAME UNIT SETUP -- LODE_ARGS -- NODE_ARGS: lode and node runs
# alternate (so that noise hits both); SETUP runs before each run.
measure() {
  name=$1 unit=$2 setup=$3; shift 3
  la=$1 na=$2
  : >"$T/l"; : >"$T/n"; i=0
  while [ $i -lt "$RUNS" ]; do
    eval "$setup"; : >"$T/runs"; once $LODE $la; cat "$T/runs" >>"$T/l"
    eval "$setup"; : >"$T/runs"; once $NODE $na; cat "$T/runs" >>"$T/n"
    i=$((i + 1))
  done
  lf=$(cut -d' ' -f1 "$T/l" | median); nf=$(cut -d' ' -f1 "$T/n" | median)
  lm=$(cut -d' ' -f2 "$T/l" | median); nm=$(cut -d' ' -f2 "$T/n" | median)
  lc=$(cut -d' ' -f3 "$T/l" | median); nc=$(cut -d' ' -f3 "$T/n" | median)
  row "$name, $unit" "$lf" "$nf" "$(ratio "$lf" "$nf")"
  row "  CPU, s (user + sys)" "$lc" "$nc" "$(ratio "$lc" "$nc")"
  row "  peak RSS, KiB" "$lm" "$nm" "$(ratio "$lm" "$nm")"
}

row "workload (median of $RUNS)" lode node ratio
head -c $((512 * 1048576)) /dev/urandom >"$T/src"
cat "$T/src" >/dev/null          # warm the page cache for both sides
measure "copy 512 MiB file (pipe)" "MB/s" 'rm -f "$T/dst"' \
  "$S/copy.lua $T/src $T/dst" "$S/copy.js $T/src $T/dst"
rm -f "$T/src" "$T/dst"
measure "upper-case Transform, 256 MiB" "MB/s" ':' \
  "$S/upper.lua" "$S/upper.js"
measure "1M objectMode chunks via PassThrough" "chunks/s" ':' \
  "$S/objpass.lua" "$S/objpass.js"
measure "writeFile+readFile 10,000 files" "files/s" \
  'rm -rf "$T/small"; mkdir "$T/small"' \
  "$S/smallfiles.lua $T/small" "$S/smallfiles.js $T/small"
