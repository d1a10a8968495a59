#!/bin/sh
# bench/crypto.sh: lode.crypto against Node 20 in the same run, and the
# bulk workloads against Nettle called from C (bench/crypto/nettle.c, the
# library floor). Each figure is the median of RUNS runs (default 5),
# lode, node and C interleaved so load from other processes hits each
# alike. Ratios: lode / node and lode / C (higher is better). Rates are
# per second of CPU time of the process (all its threads), not of wall
# time: the machine is shared with other builds, which swing wall time 2x.
# Usage: sh bench/crypto.sh   (after make; RUNS=N, MIB=N to change)
cd "$(dirname "$0")/.." || exit 1
LODE=${LODE:-build/lode}
NODE=${NODE:-/usr/bin/node}
RUNS=${RUNS:-5}
MIB=${MIB:-256}
CBIN=${TMPDIR:-/tmp}/lode-nettle-bench
cc -O2 -o "$CBIN" bench/crypto/nettle.c $(pkg-config --cflags --libs nettle) \
  || exit 1

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf '%-38s %8s %8s %8s %8s %6s %5s %5s\n' "$1" "$2" "$3" \
  "$4" "$5" "$6" "$7" "$8"; }

# RUNS runs of a workload, interleaved: lode, node, then optionally C
# and C with fresh output blocks (FRESH=1, see nettle.c).
tri() {
  lf=$(mktemp); nf=$(mktemp); cf=$(mktemp); ff=$(mktemp); i=0
  while [ $i -lt "$RUNS" ]; do
    $1 >>"$lf"; $2 >>"$nf"
    [ -n "$3" ] && $3 >>"$cf"
    [ -n "$4" ] && env FRESH=1 $4 >>"$ff"
    i=$((i + 1))
  done
  l=$(median <"$lf"); n=$(median <"$nf"); c=$(median <"$cf")
  f=$(median <"$ff")
  rm -f "$lf" "$nf" "$cf" "$ff"
}
r() { [ -n "$2" ] && ratio "$1" "$2"; }

echo "lode.crypto vs Node $($NODE --version), medians of $RUNS;" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
row "workload" lode node "C" "C fresh" "l/node" "l/C" "l/Cf"
for alg in sha256 sha512 aes-256-gcm aes-256-cbc aes-256-ctr \
  chacha20-poly1305; do
  fr="$CBIN $alg $MIB"
  case $alg in sha*) fr="" ;; esac
  tri "$LODE bench/crypto/bulk.lua $alg $MIB" \
      "$NODE bench/crypto/bulk.js $alg $MIB" "$CBIN $alg $MIB" "$fr"
  row "$alg, $MIB MiB, MB/s" "$l" "$n" "$c" "$f" \
    "$(ratio "$l" "$n")" "$(ratio "$l" "$c")" "$(r "$l" "$f")"
done
# The same cipher runs with Lua's generational collector (what the
# incremental one costs for 64 KiB of fresh output per update).
for alg in aes-256-gcm aes-256-cbc aes-256-ctr; do
  tri "env LODE_GC=generational $LODE bench/crypto/bulk.lua $alg $MIB" \
      "$NODE bench/crypto/bulk.js $alg $MIB" "$CBIN $alg $MIB" \
      "$CBIN $alg $MIB"
  row "  $alg, generational GC" "$l" "$n" "$c" "$f" \
    "$(ratio "$l" "$n")" "$(ratio "$l" "$c")" "$(r "$l" "$f")"
done
for w in pbkdf2 scrypt; do
  tri "$LODE bench/crypto/kdf.lua $w" "$NODE bench/crypto/kdf.js $w"
  case $w in
    pbkdf2) what="pbkdf2 sha256 100k iter, ops/s" ;;
    *) what="scrypt N=16384 r=8 p=1, ops/s" ;;
  esac
  row "$what" "$l" "$n" "" "" "$(ratio "$l" "$n")" "" ""
done
tri "$LODE bench/crypto/small.lua" "$NODE bench/crypto/small.js"
row "1M createHash:update:digest, ops/s" "$l" "$n" "" "" \
  "$(ratio "$l" "$n")" "" ""
