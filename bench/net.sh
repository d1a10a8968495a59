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
med() { cut -d' ' -f"$2" "$tmp/$1" | median; }

# The pairs take turns, run after run, so that the load of a shared
# machine falls on all of them alike.
S=bench/net/echo_server C=bench/net/echo_client
i=0
while [ $i -lt "$RUNS" ]; do
  one "$NODE $S.js" "$NODE $C.js" >>"$tmp/nn"
  one "$LODE $S.lua" "$NODE $C.js" >>"$tmp/ln"
  one "$LODE $S.lua" "$LODE $C.lua" >>"$tmp/ll"
  i=$((i + 1))
done
base=$(med nn 1) bcpu=$(med nn 2)
row() {
  printf '%-28s %8s %8s %14s %8s\n' "$1" "$2" "$3" "$4" "$5"
}
pair() {
  r=$(med "$2" 1) c=$(med "$2" 2)
  row "$1" "$r" "$(ratio "$r" "$base")" "$c" "$(ratio "$c" "$bcpu")"
}
row "TCP echo, 1 GiB, median/$RUNS" "MB/s" "vs node" "server CPU, s" \
  "vs node"
pair "node server, node client" nn
pair "lode server, node client" ln
pair "lode server, lode client" ll
