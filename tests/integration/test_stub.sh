#!/usr/bin/env bash
# Integration tests of the engine and stub mode against the local DNS world
# (tests/world): real NSD / Knot / Unbound in network namespaces, real
# sockets, real io_uring. Needs root and a world that is up (ctest brings it
# up through the world fixture).
# usage: test_stub.sh VANTAGE_BINARY SOURCE_DIR SPOOFER_BINARY
set -u
V=$1
SRC=$2
SPOOFER=$3
WORLD=$SRC/tests/world/world.sh
# shellcheck disable=SC1090
. <("$WORLD" env)
T=$(mktemp -d /tmp/vtg-it.XXXXXX)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
# shellcheck disable=SC1091
. "$SRC/tests/integration/lib.sh"

# a config: one perspective per argument, stub mode through its unbound
conf() {
  local p
  for p in "$@"; do
    printf '[perspective %s]\nrir = %s\nnetns = %s\nsource = %s\nresolver = %s\n' \
      "$p" "$(var "$p" RIR)" "$(var "$p" NETNS)" "$(var "$p" SRC)" "$(var "$p" UNBOUND)"
  done
}

# ---- 1. every perspective's queries leave from its own address ----------
# Ask Knot's whoami module directly (no resolver in between): it answers
# with the source address the query arrived from.
for p in $VTG_PERSPECTIVES; do
  printf '[engine]\nearly-decision = no\nretries = 2\n[perspective %s]\nnetns = %s\nsource = %s\nresolver = %s\n' \
    "$p" "$(var "$p" NETNS)" "$(var "$p" SRC)" "$VTG_SERVER_SERVFAIL" > "$T/who-$p.conf"
  got=$("$V" query -t A --config "$T/who-$p.conf" --no-progress "$VTG_NAME_WHOAMI" 2>/dev/null \
        | jq -r '.answers[0] // "none"' | awk '{print $NF}')
  expect "source address of $p seen by the server" "$got" "$(var "$p" SRC)"
done

# ---- 2. the CAA cases through every perspective's unbound ---------------
conf $VTG_PERSPECTIVES > "$T/all.conf"
names="$VTG_NAME_SECURE $VTG_NAME_BOGUS $VTG_NAME_INSECURE_CHILD $VTG_NAME_SERVFAIL_INSECURE
$VTG_NAME_CNAME $VTG_NAME_DNAME $VTG_NAME_WILDCARD $VTG_NAME_DEEP $VTG_NAME_CRITICAL
$VTG_NAME_BIG bad_name.vtest"
printf '%s\n' $names > "$T/names"
"$V" caa --config "$T/all.conf" --mode off --ca secure-ca.vtg,target-ca.vtg --no-progress \
  --timeout-ms 500 < "$T/names" > "$T/caa.jsonl" 2> "$T/caa.err"
expect "caa exit" "$?" 0
validate caa "$T/caa.jsonl"
expect "caa lines" "$(wc -l < "$T/caa.jsonl")" "$(wc -l < "$T/names")"
jqn() { jq -r --arg n "$1" "select(.name == \$n) | $2" "$T/caa.jsonl"; }
expect "secure permits" "$(jqn "$VTG_NAME_SECURE" .reason)" authorized
expect "secure is secure" "$(jqn "$VTG_NAME_SECURE" .dnssec)" secure
expect "all perspectives secure" "$(jqn "$VTG_NAME_SECURE" '[.perspectives[].dnssec] | unique | join(",")')" secure
expect "perspective count" "$(jqn "$VTG_NAME_SECURE" '.perspectives | length')" 7
expect "bogus denies" "$(jqn "$VTG_NAME_BOGUS" '.reason | split(":")[0]')" dnssec-bogus
expect "insecure child" "$(jqn "$VTG_NAME_INSECURE_CHILD" .dnssec)" insecure
expect "servfail reported" "$(jqn "$VTG_NAME_SERVFAIL_INSECURE" '.queries // .perspectives[0].queries | .[0].rcode')" SERVFAIL
expect "servfail denies" "$(jqn "$VTG_NAME_SERVFAIL_INSECURE" '.reason | split(":")[0]')" lookup-failure
expect "cname owner is the climbed name" "$(jqn "$VTG_NAME_CNAME" .relevant_owner)" "$VTG_NAME_CNAME"
expect "dname owner" "$(jqn "$VTG_NAME_DNAME" .relevant_owner)" "$VTG_NAME_DNAME"
expect "deep climbs to its parent" "$(jqn "$VTG_NAME_DEEP" .relevant_owner)" "$VTG_NAME_PARENT_ONLY"
expect "deep climb queried 4 names" "$(jqn "$VTG_NAME_DEEP" '.perspectives[0].queries | length')" 4
expect "critical unknown" "$(jqn "$VTG_NAME_CRITICAL" '.reason | split(":")[0]')" critical-unknown
expect "big set complete" "$(jqn "$VTG_NAME_BIG" '.records | length')" "$VTG_BIG_COUNT"
expect "invalid name answered" "$(jqn bad_name.vtest '.reason | split(":")[0]')" invalid-name
tcp=$(grep -o 'tcp fallbacks [0-9]*' "$T/caa.err" | head -1 | awk '{print $3}')
[ "${tcp:-0}" -ge 1 ] && ok || bad "no TCP fallback for the truncated big set"

# ---- 3. a server that drops everything: timeout after retries -----------
printf '[engine]\nearly-decision = no\ntimeout-ms = 200\nretries = 2\n[perspective p0]\nnetns = %s\nresolver = %s\n' \
  "$VTG_P0_NETNS" "$VTG_SERVER_TIMEOUT" > "$T/drop.conf"
"$V" query -t CAA --config "$T/drop.conf" --no-progress "$VTG_NAME_TIMEOUT_INSECURE" \
  > "$T/drop.jsonl" 2> "$T/drop.err"
validate query "$T/drop.jsonl"
expect "dropped query error" "$(jq -r .error "$T/drop.jsonl")" timeout
expect "dropped query tries" "$(jq -r .tries "$T/drop.jsonl")" 3
grep -q 'retried 2, timed out 1' "$T/drop.err" && ok || bad "counters: $(cat "$T/drop.err")"

# ---- 4. 10 % loss on one perspective: 10k names, every answer right -----
head -n 10000 "$VTG_BENCH_NAMES" > "$T/bench10k"
"$WORLD" flush p0 >/dev/null 2>&1
"$WORLD" loss p0 10 >/dev/null
# p0 asks the bench zone's authoritative server itself, so every loss hits
# vantage's own queries (through unbound the loss would hit unbound's
# upstream queries, and unbound's retries would hide the engine's)
printf '[perspective p0]\nnetns = %s\nsource = %s\nresolver = %s\n' \
  "$VTG_P0_NETNS" "$VTG_P0_SRC" "$VTG_SERVER_BENCH" > "$T/p0.conf"
"$V" query -t CAA --config "$T/p0.conf" --no-progress --timeout-ms 300 --retries 6 \
  < "$T/bench10k" > "$T/loss.jsonl" 2> "$T/loss.err"
"$WORLD" loss p0 0 >/dev/null
validate query "$T/loss.jsonl"
expect "loss: lines" "$(wc -l < "$T/loss.jsonl")" 10000
expect "loss: all NOERROR with one CAA" \
  "$(jq -r 'select(.rcode == "NOERROR" and (.answers | length) == 1) | .name' "$T/loss.jsonl" | wc -l)" 10000
# 10 % of queries dropped, 7 tries: a name fails only if all 7 are lost
# (1e-7); any other failure is shown here
jq -c 'select(.rcode != "NOERROR" or (.answers | length) != 1)' "$T/loss.jsonl" | head -5 >&2
expect "loss: answers in input order" "$(jq -r .name "$T/loss.jsonl" | cmp - "$T/bench10k" && echo same)" same
retried=$(grep -o 'retried [0-9]*' "$T/loss.err" | awk '{print $2}')
[ "${retried:-0}" -gt 100 ] && ok || bad "loss: only ${retried:-0} retries, was the loss rule active?"

# ---- 5. forged responses are counted and dropped ------------------------
# vtg-spoofer (in p0's namespace) sends five forged answers before each
# genuine one: wrong ID, wrong source port, wrong source address, wrong
# question name, wrong question type. Only the genuine one may be taken.
"$WORLD" exec p0 "$SPOOFER" 127.0.0.1 5300 127.0.0.2 "$T/spoofer.pid" > "$T/spoofer.out" 2>&1 &
for _ in $(seq 50); do [ -s "$T/spoofer.pid" ] && break; sleep 0.1; done
SPID=$(cat "$T/spoofer.pid" 2>/dev/null)
[ -n "$SPID" ] && ok || bad "spoofer did not start: $(cat "$T/spoofer.out")"
printf '[engine]\nearly-decision = no\ntimeout-ms = 500\nretries = 3\n[perspective p0]\nnetns = %s\nresolver = 127.0.0.1:5300\n' \
  "$VTG_P0_NETNS" > "$T/spoof.conf"
head -n 2000 "$VTG_BENCH_NAMES" > "$T/spoof.names"
"$V" query -t CAA --config "$T/spoof.conf" --no-progress < "$T/spoof.names" \
  > "$T/spoof.jsonl" 2> "$T/spoof.err"
"$V" caa --config "$T/spoof.conf" --mode off --ca genuine.example --no-progress < "$T/spoof.names" \
  > "$T/spoof-caa.jsonl" 2> "$T/spoof-caa.err"
kill "$SPID" 2>/dev/null; SPID=
validate query "$T/spoof.jsonl"; validate caa "$T/spoof-caa.jsonl"
expect "spoof: lines" "$(wc -l < "$T/spoof.jsonl")" 2000
expect "spoof: genuine answers" \
  "$(jq -r 'select((.answers | length) == 1 and (.answers[0] | endswith("CAA 0 issue \"genuine.example\""))) | .name' "$T/spoof.jsonl" | wc -l)" 2000
expect "spoof: no forged data anywhere" "$(grep -c evil "$T/spoof.jsonl" "$T/spoof-caa.jsonl" | awk -F: '{s+=$2} END {print s}')" 0
expect "spoof: caa authorized by the genuine set" \
  "$(jq -r 'select(.reason == "authorized") | .name' "$T/spoof-caa.jsonl" | wc -l)" 2000
sent=$(grep -o 'sent [0-9]*' "$T/spoof.err" | awk '{print $2}')
dropped=$(grep -o 'dropped-mismatch [0-9]*' "$T/spoof.err" | awk '{print $2}')
# every query drew five forgeries; a few may be lost in socket buffers, none
# may be accepted (then the answers above would say evil)
[ "${dropped:-0}" -ge $(( ${sent:-0} * 5 * 9 / 10 )) ] && ok \
  || bad "spoof: dropped-mismatch ${dropped:-0} for ${sent:-0} queries"

# ---- 6. workers: one ring per thread, the same answers whatever their number
# (names go round robin to the workers; output stays in input order)
printf '[perspective p0]\nnetns = %s\nsource = %s\nresolver = %s\n' \
  "$VTG_P0_NETNS" "$VTG_P0_SRC" "$VTG_SERVER_BENCH" > "$T/bench.conf"
head -n 20000 "$VTG_BENCH_NAMES" > "$T/bench20k"
for w in 1 3; do
  "$V" query -t CAA --config "$T/bench.conf" --no-progress --workers "$w" < "$T/bench20k" \
    2> "$T/w$w.err" | jq -c 'del(.latency_ms)' > "$T/w$w.jsonl"
  grep -q "$w worker" "$T/w$w.err" && ok || bad "workers $w: $(head -1 "$T/w$w.err")"
done
expect "workers: 20000 lines" "$(wc -l < "$T/w3.jsonl")" 20000
expect "workers: same output with 1 and 3" "$(cmp -s "$T/w1.jsonl" "$T/w3.jsonl" && echo same)" same
"$V" caa --config "$T/all.conf" --mode off --ca secure-ca.vtg,target-ca.vtg --no-progress --workers 3 \
  --timeout-ms 500 < "$T/names" 2>/dev/null | jq -c 'del(.checked_at, .valid_until)
  | del(.perspectives[]?.queries[]?.latency_ms)' > "$T/caa-w3.jsonl"
jq -c 'del(.checked_at, .valid_until) | del(.perspectives[]?.queries[]?.latency_ms)' \
  "$T/caa.jsonl" > "$T/caa-w.jsonl"
expect "workers: caa lines" "$(wc -l < "$T/caa-w3.jsonl")" "$(wc -l < "$T/names")"
expect "workers: caa decisions as with the default" \
  "$(jq -r '.reason' "$T/caa-w3.jsonl" | md5sum)" "$(jq -r '.reason' "$T/caa-w.jsonl" | md5sum)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
