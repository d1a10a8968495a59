#!/bin/sh
# bench/net.sh: TCP echo throughput on 127.0.0.1. A client pushes TOTAL
# bytes (default 1 GiB) in 64 KiB chunks through an echo server and reads
# them back; the figure is payload MB/s (10^6 bytes/s, one direction),
# median of RUNS runs (default 3). Servers are started here, stopped by
# PID, and exit after their one client anyway. Also the server's
# CPU time (user + sys, median): the steadier figure on a shared
# machine. Pairs (server / client):
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

# one SERVER_CMD CLIENT_CMD: one run; prints "MB/s server-CPU-seconds".
one() {
  timeout 150 /usr/bin/time -f "%U %S" -o "$tmp/cpu" $1 >"$tmp/port" &
  spid=$!
  w=0
  while [ ! -s "$tmp/port" ] && [ $w -lt 50 ]; do sleep 0.1; w=$((w + 1)); done
  port=$(head -n 1 "$tmp/port")
  rate=$(timeout 120 $2 "$port" "$TOTAL")
  wait "$spid" 2>/dev/null || kill "$spid" 2>/dev/null
  echo "$rate $(awk '{ print $1 + $2 }' "$tmp/cpu")"
  : >"$tmp/port"
}
# runs SERVER CLIENT: "median-MB/s median-server-CPU-s" of RUNS runs.
runs() {
  i=0
  while [ $i -lt "$RUNS" ]; do one "$1" "$2"; i=$((i + 1)); done >"$tmp/r"
  echo "$(cut -d' ' -f1 "$tmp/r" | median) $(cut -d' ' -f2 "$tmp/r" | median)"
}

S=bench/net/echo_server C=bench/net/echo_client
set -- $(runs "$NODE $S.js" "$NODE $C.js"); base=$1 bcpu=$2
set -- $(runs "$LODE $S.lua" "$NODE $C.js"); ln=$1 lncpu=$2
set -- $(runs "$LODE $S.lua" "$LODE $C.lua"); ll=$1 llcpu=$2
row() { printf '%-28s %8s %8s %14s %8s\n' "$1" "$2" "$3" "$4" "$5"; }
row "TCP echo, 1 GiB, median/$RUNS" "MB/s" "vs node" "server CPU, s" "vs node"
row "node server, node client" "$base" "1.00" "$bcpu" "1.00"
row "lode server, node client" "$ln" "$(ratio "$ln" "$base")" "$lncpu" \
  "$(ratio "$lncpu" "$bcpu")"
row "lode server, lode client" "$ll" "$(ratio "$ll" "$base")" "$llcpu" \
  "$(ratio "$llcpu" "$bcpu")"
