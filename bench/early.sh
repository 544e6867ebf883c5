#!/usr/bin/env bash
# vantage early-decision benchmark (issue 16): the latency of one
# corroborated CAA check with every remote healthy, and with one remote
# blackholed (all its DNS dropped in the world's core), with early decision
# (the default) and without it (--early-decision=no), in the same run.
# Names are fed one every 50 ms (VTG_EARLY_PACE_MS) and each check's latency
# is from its name's write to its line's arrival.
#
# usage: sudo tests/world/world.sh up
#        bash bench/early.sh [-o OUTDIR] [N]        (N names, default 200)
#
# Six perspectives (p0 + r1..r5, each resolving iteratively from its own
# namespace, as tests/integration/test_mpic.sh); the names are distinct
# names under hijack.vexample (nNNN.hijack.vexample: NXDOMAIN at the name, the
# zone's CAA permits good-ca.vtg), so every check makes a real lookup and
# every perspective permits. Checks run one at a time (--window 1), so a
# line's latency is the time since the previous line; the median and p90 are
# taken over the lines (the first, which warms the caches, is left out).
# Without early decision and with a remote blackholed every check waits for
# that remote's timeouts (timeout-ms 300, retries 1, two root servers), so
# that row runs over N/10 names only. Results: OUTDIR/early.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/results
while getopts "o:" o; do
  case $o in o) OUT=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
N=${1:-200}
BIN=${VTG_BUILD_DIR:-build/release}/vantage
[ -d "${VTG_BUILD_DIR:-build/release}" ] || cmake --preset release >/dev/null
cmake --build "${VTG_BUILD_DIR:-build/release}" -j"$(nproc)" --target vantage >/dev/null
WORLD=tests/world/world.sh
"$WORLD" status >/dev/null 2>&1 || { echo "early: the world is not up (sudo $WORLD up)" >&2; exit 1; }
# shellcheck disable=SC1090
. <("$WORLD" env)
W=$(mktemp -d /tmp/vtg-early.XXXXXX)
cleanup() { "$WORLD" blackhole r5 off >/dev/null 2>&1 || true; rm -rf "$W"; }
trap cleanup EXIT
var() { eval "echo \${VTG_$(echo "$1" | tr a-z A-Z)_$2}"; }
{
  printf '[engine]\nroot-hints = %s\ntrust-anchor = %s\ntimeout-ms = 300\nretries = 1\n' \
    "$VTG_ROOT_HINTS" "$VTG_TRUST_ANCHOR"
  for p in p0 r1 r2 r3 r4 r5; do
    printf '[perspective %s]\nrir = %s\nnetns = %s\nsource = %s\nmode = iterative\n' \
      "$p" "$(var "$p" RIR)" "$(var "$p" NETNS)" "$(var "$p" SRC)"
  done
} > "$W/five.conf"

# one row: LABEL EARLY(yes|no) COUNT -> the latency of each check, in ms:
# names are written one every PACE ms (slower than a healthy check, so the
# window never fills and each line is written as soon as it is final); a
# check's latency is from its name's write to its line's arrival
PACE_MS=${VTG_EARLY_PACE_MS:-50}
row() {
  local label=$1 early=$2 count=$3
  python3 - "$BIN" "$W/five.conf" "$early" "$count" "$label.$VTG_NAME_HIJACK" "$PACE_MS" \
    > "$W/$label.lat" 2> "$W/$label.err" <<'PY'
import json, subprocess, sys, threading, time
binary, conf, early, count, zone, pace = sys.argv[1:7]
count, pace = int(count), float(pace) / 1000
p = subprocess.Popen([binary, "caa", "--config", conf, "--early-decision=" + early,
                      "--no-progress", "--ca", "good-ca.vtg"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
sent = {}
def feed():
    for i in range(count):
        name = "n%d.%s" % (i, zone)
        sent[name] = time.monotonic()
        p.stdin.write(name + "\n")
        p.stdin.flush()
        time.sleep(pace)
    p.stdin.close()
t = threading.Thread(target=feed)
t.start()
for line in p.stdout:
    now = time.monotonic()
    o = json.loads(line)
    canc = any(x.get("cancelled") for x in o.get("perspectives", []))
    print("%.3f %s %s" % ((now - sent[o["name"]]) * 1000, "cancelled" if canc else "-",
                          o.get("decision")))
t.join()
sys.exit(p.wait())
PY
  local lines; lines=$(wc -l < "$W/$label.lat")
  [ "$lines" -eq "$count" ] || { echo "early: $label wrote $lines lines for $count" >&2; cat "$W/$label.err" >&2; exit 1; }
  grep -qv ' permit$' "$W/$label.lat" && { echo "early: $label: a check did not permit" >&2; exit 1; }
  return 0
}
row healthy-early yes "$N"
"$WORLD" blackhole r5 on >/dev/null
row dead-early yes "$N"
row dead-wait no $((N / 10 > 2 ? N / 10 : 2))
"$WORLD" blackhole r5 off >/dev/null
row healthy-wait no "$N"

mkdir -p "$OUT"
{
  echo "# vantage early decision, $(date -u +%Y-%m-%dT%H:%MZ): CAA checks fed one every ${PACE_MS} ms,"
  echo "# p0 + r1..r5 iterative in the world, timeout-ms 300, retries 1; 'dead': r5 blackholed"
  echo "# latency of a check = from its name's write to its line; the first check left out"
  printf "%-14s %6s %9s %9s %9s %10s %18s\n" run checks p50_ms p90_ms mean_ms cancelled p50_vs_healthy
  for label in healthy-early dead-early healthy-wait dead-wait; do
    python3 - "$W/$label.lat" "$W/healthy-early.lat" "$label" <<'PY'
import sys, statistics
def lat(path):
    rows = [l.split() for l in open(path)][1:]
    return [float(r[0]) for r in rows], sum(1 for r in rows if r[1] == "cancelled")
v, canc = lat(sys.argv[1])
h, _ = lat(sys.argv[2])
v.sort(); h.sort()
p50 = statistics.median(v); p90 = v[int(0.9 * (len(v) - 1))]
print("%-14s %6d %9.2f %9.2f %9.2f %10d %18.2f" % (sys.argv[3], len(v) + 1, p50, p90,
      statistics.mean(v), canc, p50 / statistics.median(h)))
PY
  done
} | tee "$OUT/early.txt"
