#!/bin/sh
# bench/crypto_pk.sh: lode.crypto's random generator and signatures
# against Node 20 in the same run, and the signature workloads against
# the libraries called from C (bench/crypto_pk/floor.c): mbedTLS 2.28,
# which lode uses (the floor lode can reach), and Nettle/hogweed on GMP
# (what another library would give). Each figure is the median of RUNS
# runs (default 5), lode, node and C interleaved so load from other
# processes hits each alike. Rates are per second of CPU time of the
# process (all its threads); the machine is shared, so wall time swings.
# Keys: one RSA-2048 and one P-256 key made by openssl (else node) and
# used by every program. Usage: sh bench/crypto_pk.sh (after make; RUNS=N,
# SECS=N seconds of CPU per signature run).
cd "$(dirname "$0")/.." || exit 1
LODE=${LODE:-build/lode}
NODE=${NODE:-/usr/bin/node}
RUNS=${RUNS:-5}
SECS=${SECS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CBIN=$tmp/floor
cc -O2 -o "$CBIN" bench/crypto_pk/floor.c -lmbedcrypto -lhogweed -lnettle \
  -lgmp || exit 1
if command -v openssl >/dev/null; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmp/rsa.pem" 2>/dev/null
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/ec.pem"
else
  "$NODE" -e "const c = require('crypto'), fs = require('fs');
    for (const [n, t, o] of [['rsa', 'rsa', { modulusLength: 2048 }],
      ['ec', 'ec', { namedCurve: 'P-256' }]])
      fs.writeFileSync('$tmp/' + n + '.pem', c.generateKeyPairSync(t, o)
        .privateKey.export({ type: 'pkcs8', format: 'pem' }));"
fi

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }'; }
row() { printf '%-40s %9s %9s %9s %9s %7s %6s\n' "$1" "$2" "$3" "$4" "$5" \
  "$6" "$7"; }

# runs of a workload interleaved: lode, node, C mbedTLS, C hogweed
quad() {
  lf=$(mktemp); nf=$(mktemp); mf=$(mktemp); hf=$(mktemp); i=0
  while [ $i -lt "$RUNS" ]; do
    $1 >>"$lf"; $2 >>"$nf"
    [ -n "$3" ] && $3 >>"$mf"; [ -n "$4" ] && $4 >>"$hf"
    i=$((i + 1))
  done
  l=$(median <"$lf"); n=$(median <"$nf"); m=$(median <"$mf")
  h=$(median <"$hf")
  rm -f "$lf" "$nf" "$mf" "$hf"
}

echo "lode.crypto (mbedTLS 2.28) vs Node $($NODE --version), medians of" \
  "$RUNS; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
row "workload" lode node "C/mbedTLS" "C/hogweed" "l/node" "l/mbed"
for w in bytes16 uuid int bytes16cb bytes1m; do
  quad "$LODE bench/crypto_pk/random.lua $w" \
    "$NODE bench/crypto_pk/random.js $w"
  case $w in
    bytes16) what="randomBytes(16), ops/s" ;;
    uuid) what="randomUUID(), ops/s" ;;
    int) what="randomInt(1e6), ops/s" ;;
    bytes16cb) what="randomBytes(16, cb) (thread pool), ops/s" ;;
    bytes1m) what="randomBytes(1 MiB), MB/s" ;;
  esac
  row "$what" "$l" "$n" "" "" "$(ratio "$l" "$n")" ""
done
for w in rsa-sign rsa-verify ec-sign ec-verify; do
  quad "$LODE bench/crypto_pk/pk.lua $w $tmp $SECS" \
    "$NODE bench/crypto_pk/pk.js $w $tmp $SECS" \
    "$CBIN mbedtls-$w $tmp $SECS" "$CBIN hogweed-$w $tmp $SECS"
  case $w in
    rsa-*) what="RSA-2048 SHA-256 ${w#rsa-}, ops/s" ;;
    *) what="ECDSA P-256 SHA-256 ${w#ec-}, ops/s" ;;
  esac
  row "$what" "$l" "$n" "$m" "$h" "$(ratio "$l" "$n")" "$(ratio "$l" "$m")"
done
for w in rsa-pss-sign rsa-sign-pem; do
  quad "$LODE bench/crypto_pk/pk.lua $w $tmp $SECS" \
    "$NODE bench/crypto_pk/pk.js $w $tmp $SECS"
  case $w in
    rsa-pss-sign) what="RSA-2048 PSS sign, ops/s" ;;
    *) what="RSA-2048 sign, PEM key each call, ops/s" ;;
  esac
  row "$what" "$l" "$n" "" "" "$(ratio "$l" "$n")" ""
done
