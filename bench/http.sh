#!/bin/sh
# bench/http.sh: lode.http against Node 20's http on 127.0.0.1. The
# server (bench/http/server.lua or .js) is pinned to core 0, wrk to core
# 1 (wrk -t1 -c$CONNS -d${DUR}s --latency). Per workload: requests/s,
# p99 latency and the server's CPU time per request (user + sys ticks of
# the server process while wrk ran, divided by the requests served: the
# steadier figure on a shared machine). Workloads: hello world with
# keep-alive, the same with Connection: close, a 64 KiB body, a JSON
# POST echo. Then RSS per idle keep-alive connection ($IDLE connections
# made by bench/http/idle.py, one request each, then idle) and each
# client making $REQS keep-alive requests one after the other against
# lode's server. Figures are medians of RUNS runs, lode and node taking
# turns; ratios are lode / node. Servers are stopped by PID.
cd "$(dirname "$0")/.." || exit 1
LODE=${LODE:-build/lode}
NODE=${NODE:-/usr/bin/node}
RUNS=${RUNS:-3}
DUR=${DUR:-10}
CONNS=${CONNS:-50}
IDLE=${IDLE:-5000}
REQS=${REQS:-50000}
B=bench/http
tmp=$(mktemp -d /tmp/lode-bench-http-XXXXXX) || exit 1
spid=
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
TCK=$(getconf CLK_TCK)

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-";
  else printf "%.2f", a / b }'; }
row() { printf '%-44s %12s %12s %7s\n' "$1" "$2" "$3" "$4"; }

# start CMD...: the server on core 0; sets spid and port.
start() {
  : >"$tmp/port"
  taskset -c 0 "$@" >"$tmp/port" 2>"$tmp/err" &
  spid=$!
  w=0
  while [ ! -s "$tmp/port" ] && [ $w -lt 100 ]; do sleep 0.05; w=$((w + 1)); done
  port=$(head -n 1 "$tmp/port")
  [ -n "$port" ] || { echo "server failed: $*" >&2; cat "$tmp/err" >&2; exit 1; }
}
stop() { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# wrk_one IMPL PATH [WRK ARGS]: one run against a fresh server; appends
# "req/s p99-ms cpu-us-per-request" to $tmp/IMPL.
wrk_one() {
  impl=$1 path=$2; shift 2
  if [ "$impl" = lode ]; then start $LODE $B/server.lua
  else start $NODE $B/server.js; fi
  sleep 0.3
  t0=$(ticks "$spid")
  taskset -c 1 wrk -t1 -c"$CONNS" -d"$DUR"s --latency "$@" \
    "http://127.0.0.1:$port$path" >"$tmp/wrk" 2>&1
  t1=$(ticks "$spid")
  stop
  awk -v t0="$t0" -v t1="$t1" -v tck="$TCK" '
    /Requests\/sec/ { rps = $2 }
    / 99% / { v = $2; ms = v + 0
      if (v ~ /us$/) ms = ms / 1000; else if (v ~ /ms$/) ms = ms + 0
      else if (v ~ /s$/) ms = ms * 1000; p99 = ms }
    /requests in/ { n = $1 }
    END { if (n > 0) printf "%s %.3f %.2f\n", rps, p99,
      (t1 - t0) * 1e6 / tck / n }' "$tmp/wrk" >>"$tmp/$impl"
}

# workload NAME PATH [WRK ARGS]: RUNS alternating runs, three rows.
workload() {
  name=$1; shift
  : >"$tmp/lode"; : >"$tmp/node"; i=0
  while [ $i -lt "$RUNS" ]; do
    wrk_one lode "$@"; wrk_one node "$@"; i=$((i + 1))
  done
  for f in 1 2 3; do
    eval "l$f=\$(cut -d' ' -f$f \"\$tmp/lode\" | median)"
    eval "n$f=\$(cut -d' ' -f$f \"\$tmp/node\" | median)"
  done
  row "$name, req/s" "$l1" "$n1" "$(ratio "$l1" "$n1")"
  row "  p99 latency, ms" "$l2" "$n2" "$(ratio "$l2" "$n2")"
  row "  server CPU per request, us" "$l3" "$n3" "$(ratio "$l3" "$n3")"
}

# idle_one IMPL: bytes of server RSS per idle keep-alive connection.
idle_one() {
  if [ "$1" = lode ]; then start $LODE $B/server.lua 600000
  else start $NODE $B/server.js 600000; fi
  sleep 0.5
  r0=$(rss_kib "$spid")
  rm -f "$tmp/hold"; mkfifo "$tmp/hold"
  python3 $B/idle.py "$port" "$IDLE" <"$tmp/hold" >"$tmp/ready" &
  ppid=$!
  exec 3>"$tmp/hold"
  w=0
  while [ ! -s "$tmp/ready" ] && [ $w -lt 600 ]; do sleep 0.1; w=$((w + 1)); done
  sleep 1
  r1=$(rss_kib "$spid")
  exec 3>&-
  wait "$ppid" 2>/dev/null
  stop
  echo $(( (r1 - r0) * 1024 / IDLE )) >>"$tmp/idle-$1"
}

# client_one IMPL: req/s and CPU seconds of REQS requests against a
# fresh lode server.
client_one() {
  start $LODE $B/server.lua
  if [ "$1" = lode ]; then c="$LODE $B/client.lua"; else c="$NODE $B/client.js"; fi
  rate=$(taskset -c 1 /usr/bin/time -f '%U %S' -o "$tmp/ccpu" $c "$port" "$REQS")
  stop
  echo "$rate $(awk '{ print $1 + $2 }' "$tmp/ccpu")" >>"$tmp/client-$1"
}

row "workload (median of $RUNS)" lode node ratio
workload "hello world, keep-alive" /
workload "hello world, Connection: close" / -H "Connection: close"
workload "64 KiB body, keep-alive" /big
workload "JSON POST echo, keep-alive" /echo -s $B/post.lua

: >"$tmp/idle-lode"; : >"$tmp/idle-node"; : >"$tmp/client-lode"
: >"$tmp/client-node"
i=0
while [ $i -lt "$RUNS" ]; do
  idle_one lode; idle_one node
  client_one lode; client_one node
  i=$((i + 1))
done
l=$(median <"$tmp/idle-lode"); n=$(median <"$tmp/idle-node")
row "RSS per idle keep-alive connection, bytes" "$l" "$n" "$(ratio "$l" "$n")"
l=$(cut -d' ' -f1 "$tmp/client-lode" | median)
n=$(cut -d' ' -f1 "$tmp/client-node" | median)
row "client, $REQS keep-alive requests, req/s" "$l" "$n" "$(ratio "$l" "$n")"
l=$(cut -d' ' -f2 "$tmp/client-lode" | median)
n=$(cut -d' ' -f2 "$tmp/client-node" | median)
row "  client CPU, s (user + sys)" "$l" "$n" "$(ratio "$l" "$n")"
