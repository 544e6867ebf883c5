#!/usr/bin/env bash
# vantage web benchmark (issue 15): http-01 checks per second and client CPU
# per check, against curl fetching the same URLs from the same namespace in
# the same run, in the local world (tests/world).
#
# usage: sudo tests/world/world.sh up
#        bash bench/web.sh [-o OUTDIR] [-r REPS] [N]     (N default 20000, REPS 3)
#        VTG_BUILD_DIR=/tmp/b  bash bench/web.sh ...     (another release build dir)
#
# It writes N challenge files (token tNNNNNN..., key authorization
# token.thumbprint) into $VTG_WEB_ROOT/.well-known/acme-challenge/ of the
# world's nginx (198.18.0.30, vtg-auth) and removes them at the end, then
# measures, each over the same N challenges:
#   curl          the peer named by the issue: `ip netns exec vtg-p0 curl
#                 --parallel --parallel-max 100 --connect-to ::198.18.0.30:80
#                 --config FILE`, one `url` + `output = /dev/null` per challenge;
#                 curl resolves nothing and keeps its connections alive
#   curl-close    the same with `Connection: close`: one TCP connection per
#                 fetch, which is what vantage does (FORBID_REUSE: each check
#                 its own connection), so the like-for-like peer
#   vantage-ip    `vantage dcv --method http-01`, one perspective (p0, vtg-p0,
#                 source 198.19.0.2, --mode off), lines `198.18.0.30 KEYAUTH`:
#                 no DNS, the same file through nginx's default server
#   vantage-stub  lines `ok.web.vexample KEYAUTH`: p0 resolves the name for
#                 every check through p0's unbound (resolver 127.0.0.1 in vtg-p0)
#   vantage-iter  the same, p0 resolving iteratively itself (world root hints
#                 and trust anchor), as in production
#   vantage-6p    p0 + r1..r5, each iterative from its own namespace and
#                 source, corroboration enforced (tests/integration/test_web.sh's
#                 five.conf): 6 fetches per check, reported per check
# Repetitions alternate the order (forward, reversed, forward, ...): the box
# has 2 cores shared by nginx, unbound, curl and vantage. Every vantage line
# must pass and curl must get N bodies of the right length (a few bodies are
# compared byte for byte), or the script fails. Results: one row per run and a
# summary (means over the repetitions, spread = (max-min)/mean of the rate,
# ratios vantage/curl and vantage/curl-close taken within each repetition and
# averaged) in OUTDIR/web.txt (default bench/results).
#
# TIME_WAIT: a fetch over its own connection leaves the closing side's socket
# in TIME_WAIT for 60 s, and vantage binds its source address with port 0, so
# one source gets about 28 000 ports (32768-60999) a minute; back-to-back runs
# of 20 000 checks would run out (bind: EADDRINUSE). For the duration of the
# bench tcp_max_tw_buckets is 0 in the namespaces used (TIME_WAIT skipped),
# restored on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/results
REPS=3
while getopts "o:r:" o; do
  case $o in o) OUT=$OPTARG ;; r) REPS=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
N=${1:-20000}
if ! [[ $N =~ ^[0-9]+$ ]] || [ "$N" -eq 0 ]; then echo "web bench: N must be a positive number" >&2; exit 2; fi

BUILD=${VTG_BUILD_DIR:-build/release}
# always (re)build: an incremental build is quick, a stale binary measures the past
[ -d "$BUILD" ] || cmake --preset release -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target vantage >/dev/null
BIN=$BUILD/vantage
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "web bench: GNU time missing (scripts/setup.sh)" >&2; exit 1; }
command -v curl >/dev/null || { echo "web bench: curl missing" >&2; exit 1; }
command -v jq >/dev/null || { echo "web bench: jq missing" >&2; exit 1; }
WORLD=tests/world/world.sh
"$WORLD" status >/dev/null 2>&1 || { echo "web bench: the world is not up (sudo $WORLD up)" >&2; exit 1; }
# shellcheck disable=SC1090
. <("$WORLD" env)

W=$(mktemp -d "${TMPDIR:-/tmp}/vtg-webbench.XXXXXX")
CH=$VTG_WEB_ROOT/.well-known/acme-challenge
NSES="vtg-auth vtg-p0 vtg-r1 vtg-r2 vtg-r3 vtg-r4 vtg-r5"
declare -A TW
cleanup() {
  [ -f "$W/tokens" ] && (cd "$CH" && xargs rm -f < "$W/tokens")
  for ns in "${!TW[@]}"; do ip netns exec "$ns" sysctl -qw net.ipv4.tcp_max_tw_buckets="${TW[$ns]}" || true; done
  rm -rf "$W"
}
trap cleanup EXIT
for ns in $NSES; do
  TW[$ns]=$(ip netns exec "$ns" sysctl -n net.ipv4.tcp_max_tw_buckets)
  ip netns exec "$ns" sysctl -qw net.ipv4.tcp_max_tw_buckets=0
done

# ---- the challenges ------------------------------------------------------
echo "web bench: writing $N challenge files" >&2
mkdir -p "$CH"
awk -v n="$N" -v th="$VTG_WEB_THUMBPRINT" -v dir="$CH" -v w="$W" 'BEGIN {
  pad = "wEbBeNcH-0123456789_abcdefghijklmnopqrstuv"
  for (i = 0; i < n; i++) {
    t = sprintf("t%06d%s", i, pad); t = substr(t, 1, 43)   # 43 chars like a real token
    ka = t "." th
    printf "%s\n", ka > (dir "/" t); close(dir "/" t)   # the body: keyauth + "\n", like the world
    print t > (w "/tokens")
    print "198.18.0.30 " ka > (w "/in-ip")
    print "ok.web.vexample " ka > (w "/in-name")
    printf "url = \"http://ok.web.vexample/.well-known/acme-challenge/%s\"\noutput = \"/dev/null\"\n", t > (w "/curl.cfg")
  }
}'
BODY=$(( 43 + 1 + ${#VTG_WEB_THUMBPRINT} + 1 ))

# ---- configurations ------------------------------------------------------
printf '[perspective p0]\nnetns = %s\nsource = %s\nresolver = 127.0.0.1\n' \
  "$VTG_P0_NETNS_PATH" "$VTG_P0_SRC" > "$W/stub.conf"
printf '[engine]\nroot-hints = %s\ntrust-anchor = %s\n[perspective p0]\nnetns = %s\nsource = %s\nmode = iterative\n' \
  "$VTG_ROOT_HINTS" "$VTG_TRUST_ANCHOR" "$VTG_P0_NETNS_PATH" "$VTG_P0_SRC" > "$W/iter.conf"
var() { local v; v="VTG_$(echo "$1" | tr '[:lower:]' '[:upper:]')_$2"; echo "${!v}"; }
{
  printf '[engine]\nroot-hints = %s\ntrust-anchor = %s\n' "$VTG_ROOT_HINTS" "$VTG_TRUST_ANCHOR"
  for p in p0 r1 r2 r3 r4 r5; do
    printf '[perspective %s]\nrir = %s\nnetns = %s\nsource = %s\nmode = iterative\n' \
      "$p" "$(var "$p" RIR)" "$(var "$p" NETNS_PATH)" "$(var "$p" SRC)"
  done
} > "$W/six.conf"

# timed RUN: "elapsed user sys maxrss_kib" from GNU time into $W/t
timed() { "$TIME" -f "%e %U %S %M" -o "$W/t" "$@"; }

run_curl() { # LABEL [extra curl options]
  local label=$1; shift
  timed ip netns exec "$VTG_P0_NETNS" curl --parallel --parallel-max 100 -s \
    --connect-to "::$VTG_WEB_ADDR:80" "$@" -w '%{http_code} %{size_download}\n' \
    --config "$W/curl.cfg" > "$W/$label.out" 2> "$W/$label.err" || true
  local good; good=$(grep -c "^200 $BODY\$" "$W/$label.out" || true)
  [ "$good" -eq "$N" ] || { echo "web bench: $label: $good of $N fetches 200 with $BODY octets" >&2; sort "$W/$label.out" | uniq -c | sort -rn | head -5 >&2; exit 1; }
  echo "$N"
}
run_vantage() { # LABEL CONFIG INPUT [options]
  local label=$1 conf=$2 in=$3; shift 3
  timed "$BIN" dcv --method http-01 --config "$conf" --no-progress "$@" \
    < "$in" > "$W/$label.jsonl" 2> "$W/$label.err" || true
  local lines; lines=$(wc -l < "$W/$label.jsonl")
  local pass; pass=$(jq -r .result "$W/$label.jsonl" | grep -c '^pass$' || true)
  if [ "$lines" -ne "$N" ] || [ "$pass" -ne "$N" ]; then
    echo "web bench: $label: $lines lines, $pass pass, for $N checks" >&2
    jq -r '.reason' "$W/$label.jsonl" | sort | uniq -c | sort -rn | head -5 >&2; tail -3 "$W/$label.err" >&2; exit 1
  fi
  echo "$N"
}
# CPU jiffies of the whole box (busy) and of nginx's worker, around each run:
# the server's CPU per check, and how busy the box was with anything else
NGINX_PID=$(pgrep -P "$(cat "$VTG_WORLD_DIR/run/nginx-auth/nginx.pid")" | head -1)
jiffies() {
  awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
  sed 's/.*) //' "/proc/$NGINX_PID/stat" | awk '{print $12 + $13}'
}
run() { # VARIANT -> appends "rep variant checks fetches elapsed user sys rss nginx_s busy_s" to $W/rows
  local v=$1
  local b0 n0 b1 n1
  { read -r b0; read -r n0; } < <(jiffies)
  case $v in
    curl) run_curl curl >/dev/null; f=1 ;;
    curl-close) run_curl curl-close -H "Connection: close" >/dev/null; f=1 ;;
    vantage-ip) run_vantage "$v" "$W/stub.conf" "$W/in-ip" --mode off >/dev/null; f=1 ;;
    vantage-stub) run_vantage "$v" "$W/stub.conf" "$W/in-name" --mode off >/dev/null; f=1 ;;
    vantage-iter) run_vantage "$v" "$W/iter.conf" "$W/in-name" --mode off >/dev/null; f=1 ;;
    vantage-6p) run_vantage "$v" "$W/six.conf" "$W/in-name" >/dev/null; f=6 ;;
  esac
  { read -r b1; read -r n1; } < <(jiffies)
  read -r e u s m < "$W/t"
  local hz; hz=$(getconf CLK_TCK)
  echo "$REP $v $N $((N * f)) $e $u $s $m $(awk -v a="$n0" -v b="$n1" -v hz="$hz" 'BEGIN {print (b - a) / hz}') $(awk -v a="$b0" -v b="$b1" -v hz="$hz" 'BEGIN {print (b - a) / hz}')" >> "$W/rows"
  [ "$REP" = 1 ] && [ "${v#vantage}" != "$v" ] && sed "s/^/# rep $REP $v: /" "$W/$v.err" >> "$W/notes"
  printf 'web bench: rep %s %-13s %6.2f s  %8.0f checks/s  cpu %.2f s\n' "$REP" "$v" "$e" \
    "$(awk -v n="$N" -v e="$e" 'BEGIN {print n / e}')" "$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')" >&2
}

# the bodies as curl sees them, byte for byte, for a few challenges
for i in 0 $((N / 2)) $((N - 1)); do
  t=$(sed -n "$((i + 1))p" "$W/tokens")
  got=$(ip netns exec "$VTG_P0_NETNS" curl -s --connect-to "::$VTG_WEB_ADDR:80" \
    "http://ok.web.vexample/.well-known/acme-challenge/$t")
  [ "$got" = "$t.$VTG_WEB_THUMBPRINT" ] || { echo "web bench: body of $t is '$got'" >&2; exit 1; }
done
# warm-up (not measured): unbound's cache, nginx's open files
head -200 "$W/in-name" > "$W/warm"
"$BIN" dcv --method http-01 --config "$W/six.conf" --no-progress < "$W/warm" > /dev/null 2>&1 || true

VARIANTS=(curl curl-close vantage-ip vantage-stub vantage-iter vantage-6p)
: > "$W/rows"; : > "$W/notes"
for REP in $(seq 1 "$REPS"); do
  if [ $((REP % 2)) -eq 1 ]; then order=("${VARIANTS[@]}")
  else order=(); for ((i = ${#VARIANTS[@]} - 1; i >= 0; i--)); do order+=("${VARIANTS[$i]}"); done; fi
  for v in "${order[@]}"; do run "$v"; done
done

# ---- the table -----------------------------------------------------------
mkdir -p "$OUT"
TXT=$OUT/web.txt
{
  echo "# vantage web benchmark (http-01), $(date -u +%Y-%m-%dT%H:%MZ), $N challenges, $REPS repetitions (order alternating)"
  echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "# server: nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') (1 worker, access log on) on $VTG_WEB_ADDR:80 in vtg-auth; clients in vtg-p0 ($VTG_P0_SRC) over veth"
  echo "# $(curl --version | head -1 | cut -d' ' -f1-3); $("$BIN" --version 2>&1 | head -1), one worker per core (default)"
  echo "# cpu = user + sys of the client process (GNU time), per 1000 checks (= ms per check); nginx_s/1k: the server's"
  echo "# worker over the same run (/proc); vantage-6p: 6 fetches per check; other%: box CPU used by neither"
  echo
  echo "## runs"
  printf "%-4s %-13s %7s %8s %8s %10s %13s %7s %7s %8s %13s %7s\n" rep client checks fetches wall_s checks/s "cpu_s/1k_chk" usr sys rss_mib "nginx_s/1k" other%
  # other%: busy CPU of the box during the run that was neither the client nor
  # nginx (unbound, softirq, anything else on the machine), % of all cores
  awk -v nc="$(nproc)" '{ o = ($10 - $6 - $7 - $9) / ($5 * nc) * 100; if (o < 0) o = 0
    printf "%-4s %-13s %7d %8d %8.2f %10.0f %13.3f %7.3f %7.3f %8.1f %13.3f %6.0f%%\n", $1, $2, $3, $4, $5, $3 / $5,
      ($6 + $7) / $3 * 1000, $6 / $3 * 1000, $7 / $3 * 1000, $8 / 1024, $9 / $3 * 1000, o }' "$W/rows"
  echo
  echo "## summary (mean over repetitions; ratios within each repetition, then averaged)"
  printf "%-13s %10s %8s %14s %8s %8s %12s %11s %16s %15s\n" client checks/s spread "cpu_s/1k_chk" cpu_sprd rss_mib "rate/curl" "cpu/curl" "rate/curl-close" "cpu/curl-close"
  awk -v reps="$REPS" '
    { rate[$1, $2] = $3 / $5; cpu[$1, $2] = ($6 + $7) / $3 * 1000; rss[$1, $2] = $8 / 1024
      if (!($2 in seen)) { seen[$2] = 1; order[++nv] = $2 } }
    END {
      for (k = 1; k <= nv; k++) {
        v = order[k]; sr = sc = sm = 0; mx = 0; mn = 1e18; cmx = 0; cmn = 1e18; r1 = c1 = r2 = c2 = 0
        for (r = 1; r <= reps; r++) {
          x = rate[r, v]; sr += x; sc += cpu[r, v]; if (rss[r, v] > sm) sm = rss[r, v]
          if (x > mx) mx = x; if (x < mn) mn = x
          if (cpu[r, v] > cmx) cmx = cpu[r, v]; if (cpu[r, v] < cmn) cmn = cpu[r, v]
          r1 += x / rate[r, "curl"]; c1 += cpu[r, v] / cpu[r, "curl"]
          r2 += x / rate[r, "curl-close"]; c2 += cpu[r, v] / cpu[r, "curl-close"]
        }
        printf "%-13s %10.0f %7.1f%% %14.3f %7.1f%% %8.1f %12.2f %11.2f %16.2f %15.2f\n", v, sr / reps,
          (mx - mn) / (sr / reps) * 100, sc / reps, (cmx - cmn) / (sc / reps) * 100, sm, r1 / reps, c1 / reps, r2 / reps, c2 / reps
      }
    }' "$W/rows"
  echo
  echo "## vantage's own summaries (repetition 1)"
  cat "$W/notes"
} > "$TXT"
cat "$TXT"
