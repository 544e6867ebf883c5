#!/usr/bin/env bash
# vantage benchmark harness: vantage against dnsperf, against the same local
# authoritative server (NSD, one server process, RRL off) in one run.
#
# usage: bench/bench.sh [-o OUTDIR] [SIZE ...]     (default sizes: 100000 1000000)
#
# For each SIZE it measures, with the same query list (SIZE distinct names
# under bench.test, each with its own CAA RRset at the name):
#   dnsperf        the peer: -n 1 over the list, 500 queries in flight
#   ceiling        dnsperf with 5000 in flight, 2 clients: the server's ceiling
#   vantage query  `vantage query -t CAA`, JSON lines written to a file
#   vantage caa    full CAA checks (one query per name: the set is at the name)
#   vantage climb  CAA checks of x.nN.bench.test: NXDOMAIN at the name, the set
#                  at its parent, so two queries per name (reported per query)
# vantage runs with one worker per core (the default) and with --workers 1.
# When the local DNS world (tests/world) is up, rows measured inside it are
# added: dnsperf, vantage stub mode and vantage iterative mode (from the
# world's root hints, validating) against the world's bench server.
# and reports queries/s, CPU seconds per 1M queries (getrusage, via GNU time),
# peak RSS, and vantage's ring enters per query. Results: a table in
# OUTDIR/bench.txt and a plot in OUTDIR/bench.png (gnuplot).
# Everything runs on 127.0.0.1; the server is stopped by its PID at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/results
while getopts "o:" o; do
  case $o in o) OUT=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 1000000)
MAX=0
for s in "${SIZES[@]}"; do [ "$s" -gt "$MAX" ] && MAX=$s; done

BIN=build/release/vantage
# always (re)build: an incremental build is quick, a stale binary measures the past
[ -d build/release ] || cmake --preset release >/dev/null
cmake --build build/release -j"$(nproc)" --target vantage >/dev/null
command -v dnsperf >/dev/null || { echo "bench: dnsperf missing (scripts/setup.sh)" >&2; exit 1; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench: GNU time missing (scripts/setup.sh)" >&2; exit 1; }

W=$(mktemp -d /tmp/vtg-bench.XXXXXX)
PORT=${VTG_BENCH_PORT:-5399}
NSD_PID=
cleanup() {
  [ -n "$NSD_PID" ] && kill "$NSD_PID" 2>/dev/null && sleep 0.2
  rm -rf "$W"
}
trap cleanup EXIT

echo "bench: generating bench.test with $MAX names" >&2
awk -v n="$MAX" 'BEGIN {
  print "$ORIGIN bench.test."; print "$TTL 3600"
  print "@ SOA ns hostmaster 1 7200 3600 1209600 3600"; print "@ NS ns"; print "ns A 127.0.0.1"
  for (i = 0; i < n; i++) printf "n%d CAA 0 issue \"ca.example\"\n", i
}' > "$W/bench.test.zone"
cat > "$W/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$PORT
  server-count: 1
  rrl-ratelimit: 0
  username: ""
  chroot: ""
  database: ""
  zonelistfile: "$W/zone.list"
  xfrdfile: "$W/xfrd.state"
  pidfile: "$W/nsd.pid"
  logfile: "$W/nsd.log"
  zonesdir: "$W"
  verbosity: 0
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: bench.test.zone
CONF
nsd -c "$W/nsd.conf" -d &
NSD_PID=$!
for _ in $(seq 1 600); do
  if kdig +short +tries=1 +timeout=1 -p "$PORT" @127.0.0.1 CAA n0.bench.test 2>/dev/null | grep -q issue; then break; fi
  sleep 0.1
done
kdig +short -p "$PORT" @127.0.0.1 CAA n0.bench.test | grep -q issue || { echo "bench: nsd did not come up" >&2; cat "$W/nsd.log" >&2; exit 1; }

# timed RUN: prints "elapsed user sys maxrss_kib" from GNU time into $W/t
timed() { "$TIME" -f "%e %U %S %M" -o "$W/t" "$@"; }

mkdir -p "$OUT"
TXT="$OUT/bench.txt"
{
  echo "# vantage benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "# server: NSD $(nsd -v 2>&1 | head -1 | awk '{print $3}'), one server process, RRL off, 127.0.0.1:$PORT"
  echo "# client and server share the cores; qps = queries answered / seconds (dnsperf: its own run time)"
  printf "%-18s %9s %10s %12s %10s %12s %8s %10s\n" client names qps "cpu_s/1M_q" rss_mib enters/query q/name vs_dnsperf
} > "$TXT"

row() { # client names queries [enters/query] [peer qps] [wall seconds override]
  read -r e u s m < "$W/t"
  [ -n "${6:-}" ] && e=$6
  awk -v c="$1" -v n="$2" -v q="$3" -v e="$e" -v u="$u" -v s="$s" -v m="$m" -v en="${4:-}" -v peer="${5:-}" 'BEGIN {
    qps = q / e; cpu = (u + s) / q * 1e6
    ratio = (peer > 0) ? sprintf("%.2f", qps / peer) : "-"
    printf "%-18s %9d %10.0f %12.2f %10.1f %12s %8.2f %10s\n", c, n, qps, cpu, m / 1024, (en == "" ? "-" : en), q / n, ratio
  }' >> "$TXT"
  echo "$1 $2 $(awk -v q="$3" -v e="$e" 'BEGIN {printf "%.0f", q / e}')" >> "$W/plot.dat"
}

for N in "${SIZES[@]}"; do
  echo "bench: $N names" >&2
  awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "n%d.bench.test\n", i }' > "$W/names"
  sed 's/$/ CAA/' "$W/names" > "$W/dnsperf.in"

  timed dnsperf -s 127.0.0.1 -p "$PORT" -d "$W/dnsperf.in" -n 1 -q 500 -t 5 > "$W/dnsperf.out" 2>&1
  # dnsperf's own run time: it stops at the end of the list and counts what
  # is still outstanding as lost, so the wall clock would include its timeout
  dq=$(awk '/Queries completed/ {print $3}' "$W/dnsperf.out")
  drt=$(awk '/Run time/ {print $4}' "$W/dnsperf.out")
  row dnsperf "$N" "$dq" "" "" "$drt"
  peer=$(awk -v q="$dq" -v e="$drt" 'BEGIN {printf "%.0f", q / e}')

  timed dnsperf -s 127.0.0.1 -p "$PORT" -d "$W/dnsperf.in" -n 1 -q 5000 -c 2 -t 5 > "$W/ceil.out" 2>&1
  cq=$(awk '/Queries completed/ {print $3}' "$W/ceil.out")
  row ceiling "$N" "$cq" "" "" "$(awk '/Run time/ {print $4}' "$W/ceil.out")"

  # vantage runs: label, sub-command, extra options, input, what counts as done
  vrun() { # LABEL CMD WORKERS_OPT NAMESFILE
    local label=$1 cmd=$2 wopt=$3 names=$4
    if [ "$cmd" = query ]; then
      timed "$BIN" query -t CAA --resolver "127.0.0.1:$PORT" --no-progress $wopt < "$names" > "$W/$label.jsonl" 2> "$W/$label.err"
    else
      timed "$BIN" caa --ca ca.example --resolver "127.0.0.1:$PORT" --no-progress $wopt < "$names" > "$W/$label.jsonl" 2> "$W/$label.err"
    fi
    local lines; lines=$(wc -l < "$W/$label.jsonl")
    [ "$lines" -eq "$N" ] || { echo "bench: $label wrote $lines lines for $N names" >&2; exit 1; }
    local good
    if [ "$cmd" = query ]; then good=$(grep -c '"rcode":"NOERROR"' "$W/$label.jsonl" || true)
    else good=$(grep -c '"reason":"authorized"' "$W/$label.jsonl" || true); fi
    [ "$good" -eq "$N" ] || { echo "bench: $label: only $good of $N answers right" >&2; exit 1; }
    # queries = what the engine received (one per lookup; climbs make more)
    local q; q=$(sed -n 's/.*received \([0-9]*\),.*/\1/p' "$W/$label.err" | head -1)
    local enters; enters=$(sed -n 's/.*, \([0-9]*\) ring enters.*/\1/p' "$W/$label.err")
    row "$label" "$N" "$q" "$(awk -v a="$enters" -v b="$q" 'BEGIN {printf "%.3f", a / b}')" "$peer"
    sed "s/^/# $label: /" "$W/$label.err" >> "$TXT"
  }
  sed 's/^/x./' "$W/names" > "$W/names.climb"
  vrun vantage-query query "" "$W/names"
  vrun vantage-caa caa "" "$W/names"
  vrun vantage-climb caa "" "$W/names.climb"
  vrun vantage-query-w1 query "--workers 1" "$W/names"
  vrun vantage-caa-w1 caa "--workers 1" "$W/names"
done
# ---- iterative mode, in the local DNS world (when it is up) ------------
# Iterative resolution needs a delegation chain, so these rows run inside
# tests/world: from p0's namespace against the world's bench server
# (198.18.0.20, bench.vexample: an unsigned zone under a signed root, so
# every answer is validated down to a proof of insecurity). Peers measured
# in the same run: dnsperf against that server, and vantage in stub mode
# asking that server directly.
WORLD=tests/world/world.sh
if "$WORLD" status >/dev/null 2>&1; then
  # shellcheck disable=SC1090
  . <("$WORLD" env)
  WN=$(wc -l < "$VTG_BENCH_NAMES")
  echo "bench: iterative rows in the world, $WN names" >&2
  {
    echo "# in the world: p0 ($VTG_P0_SRC) -> bench server $VTG_SERVER_BENCH over veth; iterative from root hints, validating"
  } >> "$TXT"
  sed 's/$/ CAA/' "$VTG_BENCH_NAMES" > "$W/w-dnsperf.in"
  N=$WN
  timed ip netns exec "$VTG_P0_NETNS" dnsperf -s "$VTG_SERVER_BENCH" -d "$W/w-dnsperf.in" -n 1 -q 500 -t 5 > "$W/w-dnsperf.out" 2>&1
  dq=$(awk '/Queries completed/ {print $3}' "$W/w-dnsperf.out")
  drt=$(awk '/Run time/ {print $4}' "$W/w-dnsperf.out")
  row world-dnsperf "$N" "$dq" "" "" "$drt"
  peer=$(awk -v q="$dq" -v e="$drt" 'BEGIN {printf "%.0f", q / e}')
  printf '[engine]\nroot-hints = %s\ntrust-anchor = %s\n[perspective p0]\nnetns = %s\nsource = %s\nmode = iterative\n' \
    "$VTG_ROOT_HINTS" "$VTG_TRUST_ANCHOR" "$VTG_P0_NETNS_PATH" "$VTG_P0_SRC" > "$W/iter.conf"
  printf '[perspective p0]\nnetns = %s\nsource = %s\nresolver = %s\n' \
    "$VTG_P0_NETNS_PATH" "$VTG_P0_SRC" "$VTG_SERVER_BENCH" > "$W/stub.conf"
  wrun() { # LABEL CONFIG WORKERS_OPT
    local label=$1 conf=$2 wopt=$3
    timed "$BIN" caa --ca ca-000000.bench.vtg --config "$conf" --mode off --no-progress $wopt \
      < "$VTG_BENCH_NAMES" > "$W/$label.jsonl" 2> "$W/$label.err"
    local lines; lines=$(wc -l < "$W/$label.jsonl")
    [ "$lines" -eq "$N" ] || { echo "bench: $label wrote $lines lines for $N names" >&2; exit 1; }
    local bad; bad=$(grep -c '"reason":"lookup-failure' "$W/$label.jsonl" || true)
    [ "$bad" -eq 0 ] || { echo "bench: $label: $bad lookup failures" >&2; exit 1; }
    local q; q=$(sed -n 's/.*received \([0-9]*\),.*/\1/p' "$W/$label.err" | head -1)
    local enters; enters=$(sed -n 's/.*, \([0-9]*\) ring enters.*/\1/p' "$W/$label.err")
    row "$label" "$N" "$q" "$(awk -v a="$enters" -v b="$q" 'BEGIN {printf "%.3f", a / b}')" "$peer"
    sed "s/^/# $label: /" "$W/$label.err" >> "$TXT"
  }
  wrun world-stub-caa "$W/stub.conf" ""
  wrun world-iter-caa "$W/iter.conf" ""
  wrun world-iter-caa-w1 "$W/iter.conf" "--workers 1"
else
  echo "bench: the local DNS world is not up: no iterative rows (tests/world/world.sh up)" >&2
fi

cat "$TXT"

if command -v gnuplot >/dev/null; then
  gnuplot <<PLOT
set terminal pngcairo size 1100,500 noenhanced
set output "$OUT/bench.png"
set title "CAA queries/s against one NSD process on loopback (higher is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "queries/s"
set key top left
set yrange [0:*]
set datafile separator " "
plot for [c in "dnsperf ceiling vantage-query vantage-caa vantage-climb vantage-query-w1 vantage-caa-w1"] "< awk -v c=" . c . " '\$1==c {print \$2, \$3}' $W/plot.dat" using 2:xtic(1) title c
PLOT
  echo "bench: plot in $OUT/bench.png" >&2
fi
