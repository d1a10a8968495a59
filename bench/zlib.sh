#!/bin/sh
# zlib and Brotli streams: lode against Node 20, the gzip command and a C
# program on Debian's zlib (bench/zlib/zpipe.c), in the same run, on a
# 100 MiB mixed file (bench/zlib/mkdata.lua: text, JSON logs, base64,
# random bytes, zeros; gzip -6 takes it to ~39%). Each case streams a
# file to a file: fs read stream -> zlib transform -> fs write stream
# (bench/zlib/stream.lua and stream.js). The runs of one case alternate
# between the tools so that machine noise hits all of them. Figures:
# median wall time, MB/s of uncompressed data (10^6 bytes/s) from the
# median and from the best run (the one least disturbed on a shared
# machine), median CPU time (user + sys) and peak RSS; the ratio is
# lode's median MB/s over the other tool's (> 1: lode is faster). Then
# the one-shot forms on a small body (bench/zlib/oneshot.lua and .js).
# usage: sh bench/zlib.sh   (RUNS=5 MIB=100 LODE=build/lode NODE=node)
cd "$(dirname "$0")/.." || exit 1
LODE=${LODE:-build/lode}
NODE=${NODE:-/usr/bin/node}
RUNS=${RUNS:-5}
MIB=${MIB:-100}
Z=bench/zlib
T=$(mktemp -d /tmp/lode-bench-zlib-XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
best() { sort -n | head -n 1; }
row() {
  printf '%-18s %8s %7s %7s %7s %7s %8s %7s\n' "$1" "$2" "$3" "$4" "$5" \
    "$6" "$7" "$8"
}

# once TAG CMD: runs the shell command CMD, appends "wall cpu rss" to
# $T/TAG.
once() {
  tag=$1; shift
  t0=$(date +%s%N)
  /usr/bin/time -f '%U %S %M' -o "$T/time" sh -c "$1" ||
    { echo "failed: $1" >&2; exit 1; }
  t1=$(date +%s%N)
  awk -v w=$((t1 - t0)) '{ printf "%.4f %.2f %d\n", w / 1e9, $1 + $2, $3 }' \
    "$T/time" >>"$T/$tag"
}
col() { cut -d' ' -f"$2" "$T/$1" | median; }
# report CASE TAG...: one row per tool, ratios against lode.
report() {
  name=$1; shift
  lw=$(col lode 1)
  for tag in "$@"; do
    w=$(col "$tag" 1)
    mbs=$(awk -v w="$w" -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 / w }')
    r=$(awk -v l="$lw" -v w="$w" 'BEGIN { printf "%.2f", w / l }')
    [ "$tag" = lode ] && r=""
    rss=$(col "$tag" 3 | awk '{ printf "%.0f", $1 / 1024 }')
    b=$(cut -d' ' -f1 "$T/$tag" | best)
    bmbs=$(awk -v w="$b" -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 / w }')
    row "$name" "$tag" "$w" "$mbs" "$bmbs" "$(col "$tag" 2)" "$rss" "$r"
    name=""
  done
}
# bench CASE "TAG CMD" ...: RUNS rounds, each running every tool once.
bench() {
  name=$1; shift
  for spec in "$@"; do : >"$T/${spec%% *}"; done
  i=0
  while [ $i -lt "$RUNS" ]; do
    for spec in "$@"; do once "${spec%% *}" "${spec#* }"; done
    i=$((i + 1))
  done
  tags=""
  for spec in "$@"; do tags="$tags ${spec%% *}"; done
  # shellcheck disable=SC2086
  report "$name" $tags
}

lua5.4 $Z/mkdata.lua "$T/data" "$MIB" || exit 1
BYTES=$(wc -c <"$T/data")
cc -O2 -o "$T/zpipe" $Z/zpipe.c -lz || exit 1
"$T/zpipe" -c <"$T/data" >"$T/data.gz"
$NODE $Z/stream.js br "$T/data" "$T/data.br"
cat "$T/data" "$T/data.gz" "$T/data.br" >/dev/null   # warm the page cache

echo "zlib streams, $MIB MiB mixed file ($(wc -c <"$T/data.gz") bytes as" \
  "gzip -6), median of $RUNS"
row case tool "wall s" "MB/s" "best" "cpu s" "RSS MiB" "x lode"
bench "gzip level 6" \
  "lode $LODE $Z/stream.lua gzip $T/data $T/out" \
  "node $NODE $Z/stream.js gzip $T/data $T/out" \
  "gzip(1) gzip -6 -c <$T/data >$T/out" \
  "C-zlib $T/zpipe -c <$T/data >$T/out"
bench "gunzip" \
  "lode $LODE $Z/stream.lua gunzip $T/data.gz $T/out" \
  "node $NODE $Z/stream.js gunzip $T/data.gz $T/out" \
  "gzip(1) gzip -dc <$T/data.gz >$T/out" \
  "C-zlib $T/zpipe -d <$T/data.gz >$T/out"
bench "brotli quality 4" \
  "lode $LODE $Z/stream.lua br $T/data $T/out" \
  "node $NODE $Z/stream.js br $T/data $T/out"
bench "brotli decompress" \
  "lode $LODE $Z/stream.lua unbr $T/data.br $T/out" \
  "node $NODE $Z/stream.js unbr $T/data.br $T/out"
cmp -s "$T/out" "$T/data" || { echo "brotli round trip differs" >&2; exit 1; }
# One-shot forms on a 16 KiB body: gzipSync + gunzipSync, and gzip +
# gunzip with callbacks (one at a time), round trips per second.
: >"$T/ol"; : >"$T/on"; i=0
while [ $i -lt "$RUNS" ]; do
  $LODE $Z/oneshot.lua 2000 >>"$T/ol"; $NODE $Z/oneshot.js 2000 >>"$T/on"
  i=$((i + 1))
done
echo
printf '%-44s %9s %9s %7s\n' "one-shot, 16 KiB body, round trips/s" lode node \
  "lode/node"
for k in 1 2; do
  l=$(cut -d' ' -f$k "$T/ol" | median); n=$(cut -d' ' -f$k "$T/on" | median)
  [ $k = 1 ] && what="gzipSync + gunzipSync" || what="gzip + gunzip (callbacks)"
  printf '%-44s %9s %9s %7s\n' "  $what" "$l" "$n" \
    "$(awk -v a="$l" -v b="$n" 'BEGIN { printf "%.2f", a / b }')"
done

# lode's own outputs are checked too (outside the timings).
fail() { echo "lode $1 output differs" >&2; exit 1; }
$LODE $Z/stream.lua gzip "$T/data" "$T/out.gz" &&
  gzip -dc "$T/out.gz" | cmp -s - "$T/data" || fail gzip
$LODE $Z/stream.lua gunzip "$T/data.gz" "$T/out" &&
  cmp -s "$T/out" "$T/data" || fail gunzip
$LODE $Z/stream.lua unbr "$T/data.br" "$T/out" &&
  cmp -s "$T/out" "$T/data" || fail brotli
echo "outputs checked: lode's gzip (by gzip -d), gunzip and brotli round trips"
