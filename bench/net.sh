#!/bin/sh
# bench/net.sh: TCP echo throughput on 127.0.0.1. A client pushes TOTAL
# bytes (default 1 GiB) in 64 KiB chunks through an echo server and reads
# them back; the figure is payload MB/s (10^6 bytes/s, one direction),
# median of RUNS runs (default 3). Servers are started here, stopped by
# PID, and exit after their one client anyway. Pairs (server / client):
# lode/node, lode/lode, node/node. The ratio is against node/node.
cd "$(dirname "$0")/.." || exit 1
LODE=${LODE:-build/lode}
NODE=${NODE:-/usr/bin/node}
RUNS=${RUNS:-3}
TOTAL=${TOTAL:-1073741824}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# one SERVER_CMD CLIENT_CMD: one run, prints MB/s.
one() {
  $1 >"$tmp/port" &
  spid=$!
  i=0
  while [ ! -s "$tmp/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  port=$(head -n 1 "$tmp/port")
  timeout 120 $2 "$port" "$TOTAL"
  kill "$spid" 2>/dev/null
  wait "$spid" 2>/dev/null
  : >"$tmp/port"
}
runs() {
  i=0
  while [ $i -lt "$RUNS" ]; do one "$1" "$2"; i=$((i + 1)); done | median
}

S=bench/net/echo_server C=bench/net/echo_client
base=$(runs "$NODE $S.js" "$NODE $C.js")
ln=$(runs "$LODE $S.lua" "$NODE $C.js")
ll=$(runs "$LODE $S.lua" "$LODE $C.lua")
row() { printf '%-40s %10s %8s\n' "$1" "$2" "$3"; }
row "TCP echo, 1 GiB (median of $RUNS)" "MB/s" "vs node"
row "node server, node client" "$base" "1.00"
row "lode server, node client" "$ln" "$(ratio "$ln" "$base")"
row "lode server, lode client" "$ll" "$(ratio "$ll" "$base")"
