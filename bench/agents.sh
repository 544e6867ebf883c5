#!/usr/bin/env bash
# vantage remote-perspective benchmark (issue 16): the same corroborated CAA
# checks with the five remotes as local perspectives (p0 + r1..r5 resolving
# iteratively from their own namespaces, in the coordinator's process) and
# as agents (`vantage agent` in each remote namespace, world.sh agents on;
# the coordinator talks HTTPS with mutual TLS to them from p0), in the same
# run, alternated:
#   bulk:  N names at once (the default window): checks per second, and the
#          latency of each check from the run's start to its line (p50, p99);
#   paced: names fed one every PACE ms (VTG_AGENTS_PACE_MS, default 20), each
#          check's latency from its name's write to its line (p50, p99);
#   paced with r5's agent blackholed (TCP to it dropped) and early decision:
#          the median against the healthy agents' (issue: within 10 %). With
#          r5 dead a check waits for the slowest of the four others (the
#          quorum is four), with r5 alive for the fourth of five: the
#          healthy median is that much lower by the order statistic alone.
# Names are distinct per row (nNNN.ROW.hijack.vexample: NXDOMAIN, the zone's
# CAA permits good-ca.vtg), so every row makes real lookups at every
# perspective; rows of one kind are alternated over REPS repetitions.
#
# usage: sudo tests/world/world.sh up
#        bash bench/agents.sh [-o OUTDIR] [-r REPS] [N]   (N names, default 2000)
# Results: OUTDIR/agents.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/results
REPS=2
while getopts "o:r:" o; do
  case $o in o) OUT=$OPTARG ;; r) REPS=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
N=${1:-2000}
PACED=$((N / 10 > 50 ? N / 10 : 50))
PACE_MS=${VTG_AGENTS_PACE_MS:-20}
BUILD=${VTG_BUILD_DIR:-build/release}
BIN=$BUILD/vantage
[ -d "$BUILD" ] || cmake --preset release >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target vantage >/dev/null
BIN=$(cd "$(dirname "$BIN")" && pwd)/vantage
WORLD=tests/world/world.sh
"$WORLD" status >/dev/null 2>&1 || { echo "agents: the world is not up (sudo $WORLD up)" >&2; exit 1; }
# shellcheck disable=SC1090
. <("$WORLD" env)
W=$(mktemp -d /tmp/vtg-agents-bench.XXXXXX)
cleanup() {
  "$WORLD" agenthole r5 off >/dev/null 2>&1 || true
  "$WORLD" agents off >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
"$WORLD" agents on "$BIN" >/dev/null
var() { eval "echo \${VTG_$(echo "$1" | tr a-z A-Z)_$2}"; }
conf() { # FILE local|agents
  {
    printf '[engine]\nroot-hints = %s\ntrust-anchor = %s\ntimeout-ms = 300\nretries = 1\n' \
      "$VTG_ROOT_HINTS" "$VTG_TRUST_ANCHOR"
    printf 'remote-timeout-ms = 5000\n'
    for p in p0 r1 r2 r3 r4 r5; do
      printf '[perspective %s]\nrir = %s\n' "$p" "$(var "$p" RIR)"
      if [ "$2" = local ] || [ "$p" = p0 ]; then
        printf 'netns = %s\nsource = %s\nmode = iterative\n' "$(var "$p" NETNS)" "$(var "$p" SRC)"
      else
        printf 'mode = remote\nurl = %s\nca = %s\nclient-cert = %s\nclient-key = %s\nnetns = %s\n' \
          "$(var "$p" AGENT_URL)" "$VTG_AGENT_CA" "$VTG_AGENT_CLIENT_CERT" \
          "$VTG_AGENT_CLIENT_KEY" "$VTG_P0_NETNS"
      fi
    done
  } > "$1"
}
conf "$W/local.conf" local
conf "$W/agents.conf" agents

# row LABEL CONF COUNT PACE_MS: one latency per line in $W/LABEL.lat (ms),
# the run's wall time in $W/LABEL.wall (s). PACE 0: all names at once, the
# latency from the run's start.
row() {
  local label=$1 conf=$2 count=$3 pace=$4
  python3 - "$BIN" "$conf" "$count" "n%d.$label.$VTG_NAME_HIJACK" "$pace" "$W/$label.wall" \
    > "$W/$label.lat" 2> "$W/$label.err" <<'PY'
import json, subprocess, sys, threading, time
binary, conf, count, fmt, pace, wallf = sys.argv[1:7]
count, pace = int(count), float(pace) / 1000
p = subprocess.Popen([binary, "caa", "--config", conf, "--no-progress", "--ca", "good-ca.vtg"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
sent = {}
t0 = time.monotonic()
def feed():
    for i in range(count):
        name = fmt % i
        sent[name] = time.monotonic() if pace else t0
        p.stdin.write(name + "\n")
        if pace:
            p.stdin.flush()
            time.sleep(pace)
    p.stdin.close()
t = threading.Thread(target=feed)
t.start()
bad = 0
for line in p.stdout:
    now = time.monotonic()
    o = json.loads(line)
    if o.get("decision") != "permit":
        bad += 1
    print("%.3f" % ((now - sent[o["name"]]) * 1000))
t.join()
rc = p.wait()
open(wallf, "w").write("%.3f\n" % (time.monotonic() - t0))
if bad:
    print("%d checks did not permit" % bad, file=sys.stderr)
sys.exit(1 if bad else rc)
PY
  local lines; lines=$(wc -l < "$W/$label.lat")
  [ "$lines" -eq "$count" ] || { echo "agents: $label wrote $lines lines for $count" >&2; cat "$W/$label.err" >&2; exit 1; }
}
for r in $(seq "$REPS"); do
  row "bulk-local-$r" "$W/local.conf" "$N" 0
  row "bulk-agents-$r" "$W/agents.conf" "$N" 0
  row "paced-local-$r" "$W/local.conf" "$PACED" "$PACE_MS"
  row "paced-agents-$r" "$W/agents.conf" "$PACED" "$PACE_MS"
  "$WORLD" agenthole r5 on >/dev/null
  row "paced-agents-dead-$r" "$W/agents.conf" "$PACED" "$PACE_MS"
  "$WORLD" agenthole r5 off >/dev/null
done

mkdir -p "$OUT"
python3 - "$W" "$REPS" "$N" "$PACED" "$PACE_MS" <<'PY' | tee "$OUT/agents.txt"
import statistics, sys, time
d, reps, n, paced, pace = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
def load(label):
    v = sorted(float(x) for x in open("%s/%s.lat" % (d, label)))
    wall = float(open("%s/%s.wall" % (d, label)).read())
    return v, wall
def pct(v, q):
    return v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))]
print("# vantage remote perspectives, %s: CAA checks, p0 + r1..r5 in the world;" %
      time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()))
print("# local = r1..r5 iterative in the coordinator's process; agents = r1..r5 `vantage agent`")
print("# in their namespaces over HTTPS with mutual TLS (keep-alive); %d repetitions, alternated" % reps)
print("# bulk: %s names at once, latency from the run's start; paced: %s names one every %s ms" %
      (n, paced, pace))
print("%-22s %8s %10s %9s %9s %12s" % ("row", "checks", "checks/s", "p50_ms", "p99_ms",
                                        "vs_local"))
base = {}
for kind in ("bulk-local", "bulk-agents", "paced-local", "paced-agents", "paced-agents-dead"):
    rates, p50s, p99s, cnt = [], [], [], 0
    for r in range(1, reps + 1):
        v, wall = load("%s-%d" % (kind, r))
        if kind.startswith("paced"):
            v = v[1:]  # the first warms the caches
        cnt += len(v)
        rates.append(len(v) / wall)
        p50s.append(statistics.median(v))
        p99s.append(pct(v, 0.99))
    rate, p50, p99 = statistics.median(rates), statistics.median(p50s), statistics.median(p99s)
    ref = kind.split("-")[0] + "-local"
    if kind == "paced-agents-dead":
        ref = "paced-agents"
    base[kind] = (rate, p50)
    if kind.startswith("bulk"):
        vs = "%.2fx rate" % (rate / base[ref][0]) if kind != ref else "1.00x"
    else:
        vs = "%.2fx p50" % (p50 / base[ref][1]) if kind != ref else "1.00x"
    if kind == "paced-agents-dead":
        vs += " (vs healthy agents)"
    print("%-22s %8d %10.0f %9.2f %9.2f %12s" % (kind, cnt, rate, p50, p99, vs))
PY
