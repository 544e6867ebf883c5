#!/usr/bin/env bash
# Multi-perspective corroboration (BR 3.2.2.9) with every remote perspective
# a `vantage agent` inside its own namespace of the DNS world (world.sh
# agents on: mutual TLS with certificates made at `up`), the coordinator a
# local primary in p0 whose remotes are `mode = remote` (runner/remote.c).
# The same cases as test_mpic.sh / test_dcv.sh / test_web.sh, through agents:
#   CAA: 1 of 5 hijacked permits (4/5), 2 of 5 deny; 2 of 6 permit, 3 of 6
#        deny; corroborating agents all in one RIR deny; a blackholed agent
#        (TCP to it dropped) is a timeout, and with early decision the line
#        does not wait for it;
#   DCV: dns-01 5/5, one hijacked 4/5, two not corroborated; http-01 through
#        agents (each agent fetches from its own namespace);
#   refusals counted by the coordinator as non-corroborations with the
#        reason: no client certificate, another CA's, an expired one, a
#        wrong API key (the right key corroborates).
# Needs root and a world that is up (ctest brings it up as a fixture).
# usage: test_agents.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$2
WORLD=$SRC/tests/world/world.sh
# shellcheck disable=SC1090
. <("$WORLD" env)
T=$(mktemp -d /tmp/vtg-agents.XXXXXX)
cleanup() {
  for p in $VTG_PERSPECTIVES; do
    "$WORLD" hijack "$p" off >/dev/null 2>&1
  done
  for p in $VTG_AGENTS; do "$WORLD" agenthole "$p" off >/dev/null 2>&1; done
  "$WORLD" agents off >/dev/null 2>&1
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
# shellcheck disable=SC1091
. "$SRC/tests/integration/lib.sh"
# shellcheck disable=SC1091
. "$SRC/tests/integration/agents.sh"
agents_on "$V" || { echo "FAIL: the world's agents did not start" >&2; exit 1; }

hijack() { # perspectives to hijack; every other one restored
  local p
  for p in $VTG_PERSPECTIVES; do
    if [[ " $* " == *" $p "* ]]; then "$WORLD" hijack "$p" on >/dev/null 2>&1
    else "$WORLD" hijack "$p" off >/dev/null 2>&1; fi
  done
}
NAME=www.$VTG_NAME_HIJACK
field() { jq -r "$1" "$T/out.json"; }
persp() { jq -r --arg id "$1" ".perspectives[] | select(.id == \$id) | $2" "$T/out.json"; }
caa() { # CONF [options]
  local conf=$1
  shift
  "$V" caa --config "$T/$conf.conf" --ca good-ca.vtg --no-progress "$@" "$NAME" \
    > "$T/out.json" 2> "$T/err.txt"
  echo $? > "$T/rc"
  validate caa "$T/out.json"
}

agents_conf five "p0 r1 r2 r3 r4 r5" engine:remote-timeout-ms=4000
agents_conf six "p0 r1 r2 r3 r4 r5 r6" engine:remote-timeout-ms=4000
# two RIRs only: r2 the one RIPE NCC remote, the others ARIN
agents_conf onerir "p0 r1 r2 r3 r4 r5" r3:rir=ARIN r4:rir=ARIN r5:rir=ARIN

# ---- CAA, five agents ------------------------------------------------------
hijack
caa five
expect "5 agents: exit" "$(cat "$T/rc")" 0
expect "5 agents: permit 5/5" "$(field .decision)/$(field .quorum)/$(field .corroborated)" \
  "permit/5/5/true"
expect "5 agents: modes" "$(jq -r '[.perspectives[].mode] | join(",")' "$T/out.json")" \
  "iterative,remote,remote,remote,remote,remote"
expect "5 agents: r2 answered by its agent" "$(persp r2 .agent)/$(persp r2 .status)" \
  "$VTG_R2_AGENT_URL/200"
expect "5 agents: the agent resolved iteratively in its namespace" \
  "$(persp r2 '.evidence.perspectives[0] | "\(.id) \(.mode)"')" "r2 iterative"
hijack r3
caa five
expect "1 of 5 hijacked: permit 4/5" "$(field .decision)/$(field .quorum)" "permit/4/5"
expect "1 of 5 hijacked: r3 saw the rogue's CAA" "$(persp r3 .decision)/$(persp r3 .corroborates)" \
  "deny/false"
has "1 of 5 hijacked: the rogue's issuer in r3's evidence" "$(persp r3 .evidence)" "evil-ca.example"
hijack r3 r4
caa five
expect "2 of 5 hijacked: denied" "$(field .decision)/$(field .reason)" \
  "deny/not-corroborated: 3/5 corroborated, 4 needed"
caa five --mode report-only
expect "2 of 5 hijacked, report-only: permit, reported" \
  "$(field .decision)/$(field .corroborated)" "permit/false"

# ---- six agents: two may differ, three may not --------------------------------
hijack r3 r4
caa six
expect "2 of 6 hijacked: permit 4/6" "$(field .decision)/$(field .quorum)" "permit/4/6"
hijack r3 r4 r5
caa six
expect "3 of 6 hijacked: denied" "$(field .decision)/$(field .reason)" \
  "deny/not-corroborated: 3/6 corroborated, 4 needed"

# ---- the RIR rule: the one RIPE agent hijacked, the others all ARIN ----------
hijack r2
caa onerir
expect "one RIR corroborates: denied" "$(field .decision)/$(field .quorum)" "deny/4/5"
has "one RIR corroborates: why" "$(field .reason)" "RIR"
hijack

# ---- a blackholed agent: its TCP dropped ------------------------------------
"$WORLD" agenthole r5 on >/dev/null
start=$(date +%s%N)
caa five
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect "agent blackholed: permit 4/5" "$(field .decision)/$(field .quorum)" "permit/4/5"
has "agent blackholed: timeout evidence" "$(persp r5 .reason)" "agent-failure: timeout"
[ "$ms" -ge 3500 ] && ok || bad "without early decision the check took only $ms ms (timeout 4000)"
agents_conf early "p0 r1 r2 r3 r4 r5" engine:early-decision=yes engine:remote-timeout-ms=4000
start=$(date +%s%N)
caa early
ms2=$(( ($(date +%s%N) - start) / 1000000 ))
expect "agent blackholed, early decision: r5 cancelled" \
  "$(field .decision)/$(field .quorum)/$(persp r5 .cancelled)" "permit/4/5/true"
# the run ends once the check is decided: r5's request is withdrawn, not
# waited for (a worker notices within its 200 ms loop)
[ "$ms2" -lt 2500 ] && ok || bad "early decision: the run still took $ms2 ms"
"$WORLD" agenthole r5 off >/dev/null

# ---- DCV over DNS through agents: dns-01 -------------------------------------
TOKEN=good-dns01-token-Xq3yYc0lTNWmB5l2cJ6A8w
dcv() {
  "$V" dcv --config "$T/five.conf" --no-progress "$@" > "$T/out.json" 2> "$T/err.txt"
  echo $? > "$T/rc"
  validate dcv "$T/out.json"
}
hijack
dcv --method dns-01 --expect "$TOKEN" "$NAME"
expect "dns-01 through agents: pass 5/5" "$(field .result)/$(field .quorum)" "pass/5/5"
expect "dns-01 through agents: r1 saw the token" "$(persp r1 .seen)" "$TOKEN"
hijack r3
dcv --method dns-01 --expect "$TOKEN" "$NAME"
expect "dns-01, r3 hijacked: pass 4/5" "$(field .result)/$(field .quorum)" "pass/4/5"
expect "dns-01, r3 hijacked: r3 failed" "$(persp r3 .result)/$(persp r3 .corroborates)" "fail/false"
hijack r3 r4
dcv --method dns-01 --expect "$TOKEN" "$NAME"
expect "dns-01, 2 hijacked: not corroborated" "$(field .result)/$(field .reason)" \
  "fail/not-corroborated: 3/5 corroborated, 4 needed"
hijack

# ---- HTTP-01 through agents ----------------------------------------------------
dcv --method http-01 --expect "$VTG_WEB_KEYAUTH" "$VTG_NAME_WEB_OK"
expect "http-01 through agents: pass 5/5" "$(field .result)/$(field .quorum)" "pass/5/5"
expect "http-01 through agents: r4 fetched it itself" \
  "$(persp r4 '.evidence.perspectives[0].hops[0].status')" 200
dcv --method http-01 --expect "$VTG_WEB_TOKEN.otherThumb" "$VTG_NAME_WEB_OK"
expect "http-01 wrong key authorization: fail" "$(field .result)" fail

# ---- refusals: counted as non-corroborations with the reason -----------------
agents_conf refused "p0 r1 r2 r3 r4 r5" r1:wrong-key r2:expired r3:other \
  "r4:nocert" "r4:api-key-file=$VTG_AGENT_API_KEY_FILE"
caa refused
expect "refusals: 1/5, denied" "$(field .decision)/$(field .quorum)" "deny/1/5"
has "wrong API key: 401" "$(persp r1 .reason)" "agent-refused: HTTP 401"
has "expired client certificate" "$(persp r2 .reason)" "agent-failure: "
has "another CA's client certificate" "$(persp r3 .reason)" "agent-failure: "
has "no client certificate" "$(persp r4 .reason)" "agent-failure: "
expect "refused ones do not corroborate" \
  "$(jq -r '[.perspectives[] | select(.id != "p0" and .id != "r5") | .corroborates] | unique | join(",")' "$T/out.json")" \
  false
agents_conf key "p0 r1 r2 r3 r4 r5" r1:key
caa key
expect "the right API key: 5/5" "$(field .quorum)/$(persp r1 .agent)" "5/5/$VTG_AGENT_KEY_URL"

# ---- vantage serve over the world's agents ----------------------------------
# the coordinator in p0 (its primary local, the six agents its pool), asked
# with open-mpic's POST /mpic for a cohort of five: valid; with every agent
# hijacked: not valid, each cohort member's answer is the rogue's
agents_conf serve "p0 r1 r2 r3 r4 r5 r6" engine:early-decision=yes
head -c 32 /dev/urandom > "$T/secret"
SPORT=9643
ip netns exec "$VTG_P0_NETNS" "$V" serve --config "$T/serve.conf" --listen 127.0.0.1:$SPORT \
  --cert "$VTG_R1_AGENT_SERVER_CERT" --key "$VTG_R1_AGENT_SERVER_KEY" \
  --client-ca "$VTG_AGENT_CA" --hash-secret-file "$T/secret" 2> "$T/serve.log" &
SERVE=$!
for _ in $(seq 100); do grep -q listening "$T/serve.log" && break; sleep 0.1; done
mpic() { # BODY -> the answer in $T/mpic.json
  ip netns exec "$VTG_P0_NETNS" curl -sS -k --max-time 30 --cert "$VTG_AGENT_CLIENT_CERT" \
    --key "$VTG_AGENT_CLIENT_KEY" -d "$1" "https://127.0.0.1:$SPORT/mpic" > "$T/mpic.json"
}
BODY='{"check_type":"caa","domain_or_ip_target":"'"$NAME"'","caa_check_parameters":{"caa_domains":["good-ca.vtg"]},"orchestration_parameters":{"perspective_count":5}}'
hijack
mpic "$BODY"
expect "serve: valid through five agents" \
  "$(jq -r '"\(.is_valid) \(.actual_orchestration_parameters.perspective_count) \(.perspectives | length)"' "$T/mpic.json")" \
  "true 5 6"
# (early decision: the quorum of four decides; a fifth still working is
# listed as not completed, "cancelled")
expect "serve: four or five of the cohort passed, none failed on its own" \
  "$(jq -r '[.perspectives[1:][].check_response | select(.check_passed)] | length >= 4' "$T/mpic.json")/$(jq -r '[.perspectives[1:][].check_response | select(.check_passed | not) | .errors[0].error_message] | map(select(. != "cancelled")) | length' "$T/mpic.json")" \
  "true/0"
hijack r1 r2 r3 r4 r5 r6
mpic "$BODY"
expect "serve: every agent hijacked: not valid" "$(jq -r .is_valid "$T/mpic.json")" false
hijack
kill "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null
expect "serve: exits 0 on SIGTERM" "$?" 0

echo "test_agents: $pass passed, $fail failed"
[ "$fail" = 0 ]
