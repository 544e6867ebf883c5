#!/usr/bin/env bash
# Integration tests of the evidence a lookup leaves (issue 14), against the
# local DNS world (tests/world):
#   1. an unreachable resolver (nothing listens on 127.0.0.1:9 inside p0's
#      namespace) fails every name at once with `unreachable: port
#      unreachable`, without waiting out timeouts;
#   2. a failed lookup in a signed zone (SERVFAIL, timeout) is never
#      `secure`: dnssec indeterminate, the same in stub mode (through p0's
#      unbound) and iterative mode, with zone_dnssec beside it (iterative:
#      the zone proven secure; stub: what the stub can tell);
#   3. every query names its server ("ADDR:PORT" or null) and every
#      perspective its source.
# usage: test_evidence.sh VANTAGE_BINARY SOURCE_DIR [SPOOFER_BINARY]
set -u
V=$1
SRC=$2
WORLD=$SRC/tests/world/world.sh
# shellcheck disable=SC1090
. <("$WORLD" env)
T=$(mktemp -d /tmp/vtg-ev.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
# shellcheck disable=SC1091
. "$SRC/tests/integration/lib.sh"

# ---- 1. an unreachable resolver ------------------------------------------
# The kernel rate-limits ICMP errors per destination (a burst of about 6,
# then one a second): few names, so each gets its own error.
printf '[perspective p0]\nrir = %s\nnetns = %s\nsource = %s\nresolver = 127.0.0.1:9\n' \
  "$VTG_P0_RIR" "$VTG_P0_NETNS_PATH" "$VTG_P0_SRC" > "$T/unreach.conf"
printf '%s\n' "$VTG_NAME_SECURE" "$VTG_NAME_UNSIGNED_TLD" "www.$VTG_NAME_SECURE" \
  "$VTG_NAME_SERVFAIL_SIGNED" > "$T/unreach.names"
start=$(date +%s%N)
"$V" caa --config "$T/unreach.conf" --mode off --ca secure-ca.vtg --no-progress \
  --timeout-ms 2000 < "$T/unreach.names" > "$T/unreach.jsonl" 2> "$T/unreach.err"
expect "unreachable: exit 3 (no lookup got an answer)" "$?" 3
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "unreachable resolver: 4 names in $ms ms (timeout 2000 ms, 2 retries)" >&2
expect "unreachable: lines" "$(wc -l < "$T/unreach.jsonl")" 4
expect "unreachable: reported within 1 s (one timeout is 2 s)" "$([ "$ms" -lt 1000 ] && echo yes || echo "$ms ms")" yes
expect "unreachable: every reason" \
  "$(jq -r '.reason | split(" at ")[0]' "$T/unreach.jsonl" | sort -u)" \
  "lookup-failure: unreachable: port unreachable"
expect "unreachable: every query's failure" \
  "$(jq -r '.perspectives[].queries[].failure' "$T/unreach.jsonl" | sort -u)" \
  "unreachable: port unreachable"
expect "unreachable: no server answered" \
  "$(jq -r '.perspectives[].queries[].server' "$T/unreach.jsonl" | sort -u)" null
expect "unreachable: indeterminate" \
  "$(jq -r '[.dnssec, .zone_dnssec, (.perspectives[] | .dnssec, .zone_dnssec)] | unique | join(",")' \
     "$T/unreach.jsonl" | sort -u)" indeterminate
expect "unreachable: source named" \
  "$(jq -r '.perspectives[].source' "$T/unreach.jsonl" | sort -u)" "$VTG_P0_SRC"

# the query kind, the same
"$V" query -t CAA --config "$T/unreach.conf" --no-progress "$VTG_NAME_SECURE" \
  > "$T/uq.jsonl" 2> /dev/null
expect "unreachable query: error" "$(jq -r .error "$T/uq.jsonl")" "unreachable: port unreachable"
expect "unreachable query: server, source" "$(jq -r '"\(.server) \(.source)"' "$T/uq.jsonl")" \
  "null $VTG_P0_SRC"

# ---- 2. failures in a signed zone are never secure, stub = iterative -----
ENGINE=$(printf '[engine]\nearly-decision = no\nroot-hints = %s\ntrust-anchor = %s\n' "$VTG_ROOT_HINTS" \
  "$VTG_TRUST_ANCHOR")
printf '%s\n[perspective p0]\nrir = %s\nnetns = %s\nsource = %s\nmode = iterative\n' \
  "$ENGINE" "$VTG_P0_RIR" "$VTG_P0_NETNS_PATH" "$VTG_P0_SRC" > "$T/it.conf"
printf '[perspective p0]\nrir = %s\nnetns = %s\nsource = %s\nresolver = %s\n' \
  "$VTG_P0_RIR" "$VTG_P0_NETNS_PATH" "$VTG_P0_SRC" "$VTG_P0_UNBOUND" > "$T/stub.conf"
printf '%s\n' "$VTG_NAME_SERVFAIL_SIGNED" "$VTG_NAME_TIMEOUT_SIGNED" "$VTG_NAME_SECURE" \
  > "$T/signed.names"
"$WORLD" flush all > /dev/null 2>&1
for m in it stub; do
  "$V" caa --config "$T/$m.conf" --mode off --ca secure-ca.vtg --no-progress \
    < "$T/signed.names" > "$T/$m.jsonl" 2> "$T/$m.err"
  expect "$m: exit" "$?" 0
  expect "$m: lines" "$(wc -l < "$T/$m.jsonl")" 3
done
for n in "$VTG_NAME_SERVFAIL_SIGNED" "$VTG_NAME_TIMEOUT_SIGNED"; do
  for m in it stub; do
    l() { jq -r --arg n "$n" "select(.name == \$n) | $1" "$T/$m.jsonl"; }
    expect "$m $n: lookup failure" "$(l '.reason | split(":")[0]')" lookup-failure
    expect "$m $n: dnssec" "$(l .dnssec)" indeterminate
    expect "$m $n: perspective dnssec" "$(l '.perspectives[0].dnssec')" indeterminate
    expect "$m $n: no failed query secure" \
      "$(l '[.perspectives[].queries[] | select(.failure != null) | .dnssec] | unique | join(",")')" \
      indeterminate
    expect "$m $n: zone_dnssec everywhere" \
      "$(l '[.zone_dnssec, (.perspectives[] | .zone_dnssec, (.queries[] | .zone_dnssec))]
            | map(type) | unique | join(",")')" string
  done
  expect "$n: stub = iterative" \
    "$(jq -r --arg n "$n" 'select(.name == $n) | [.decision, .dnssec] | join(" ")' "$T/it.jsonl")" \
    "$(jq -r --arg n "$n" 'select(.name == $n) | [.decision, .dnssec] | join(" ")' "$T/stub.jsonl")"
  # the iterative resolver proved the zone signed; the stub cannot tell
  expect "it $n: zone proven secure" \
    "$(jq -r --arg n "$n" 'select(.name == $n) | .perspectives[0].zone_dnssec' "$T/it.jsonl")" secure
done
for m in it stub; do
  l() { jq -r --arg n "$VTG_NAME_SECURE" "select(.name == \$n) | $1" "$T/$m.jsonl"; }
  expect "$m secure: dnssec, zone" "$(l '"\(.dnssec) \(.zone_dnssec)"')" "secure secure"
  expect "$m secure: every query names its server" \
    "$(l '[.perspectives[].queries[].server | test("^[0-9.]+:[0-9]+$")] | unique | join(",")')" true
  expect "$m: source" "$(l '.perspectives[0].source')" "$VTG_P0_SRC"
done
expect "stub secure: the server is p0's unbound" \
  "$(jq -r --arg n "$VTG_NAME_SECURE" 'select(.name == $n) | .perspectives[0].queries[0].server' \
     "$T/stub.jsonl")" "$VTG_P0_UNBOUND:53"

# ---- 3. query and dcv perspectives ---------------------------------------
for m in it stub; do
  "$V" query -t CAA --config "$T/$m.conf" --no-progress "$VTG_NAME_SERVFAIL_SIGNED" \
    "$VTG_NAME_SECURE" > "$T/q-$m.jsonl" 2> /dev/null
  expect "query $m: failure not secure" \
    "$(jq -r --arg n "$VTG_NAME_SERVFAIL_SIGNED" 'select(.name == $n) | .dnssec' "$T/q-$m.jsonl")" \
    indeterminate
  expect "query $m: zone_dnssec, server, source present" \
    "$(jq -r '[has("zone_dnssec"), has("server"), .source] | map(tostring) | join(" ")' \
       "$T/q-$m.jsonl" | sort -u)" "true true $VTG_P0_SRC"
  expect "query $m: secure answer's server" \
    "$(jq -r --arg n "$VTG_NAME_SECURE" 'select(.name == $n) | .server | test(":[0-9]+$")' \
       "$T/q-$m.jsonl")" true
  "$V" dcv --config "$T/$m.conf" --mode off --no-progress --method dns-01 --expect x \
    "$VTG_NAME_SERVFAIL_SIGNED" > "$T/d-$m.jsonl" 2> /dev/null
  expect "dcv $m: failure not secure" "$(jq -r '.dnssec' "$T/d-$m.jsonl")" indeterminate
  expect "dcv $m: perspective fields" \
    "$(jq -r '.perspectives[0] | [.dnssec, has("zone_dnssec"), has("server"), .source]
              | map(tostring) | join(" ")' "$T/d-$m.jsonl")" "indeterminate true true $VTG_P0_SRC"
done

# ---- 4. query types vantage does not render itself: ldns presentation ----
# DS and DNSKEY of the signed zone, stub (p0's unbound) and iterative alike:
# "owner TTL IN DS keytag algorithm digest-type HEX", never RFC 3597 \#
for m in it stub; do
  "$V" query --config "$T/$m.conf" --no-progress -t DS -t DNSKEY "$VTG_NAME_SECURE" \
    > "$T/q-$m.jsonl" 2> /dev/null
  expect "$m: query -t DS -t DNSKEY: two lines" "$(wc -l < "$T/q-$m.jsonl")" 2
  ds=$(jq -r 'select(.type == "DS") | .answers[] | select(test(" DS "))' "$T/q-$m.jsonl" | head -1)
  if grep -Eq "^$VTG_NAME_SECURE [0-9]+ IN DS [0-9]+ [0-9]+ [0-9]+ [0-9A-Fa-f]{40,}\$" <<<"$ds"; then ok
  else bad "$m: DS in presentation form: '$ds'"; fi
  key=$(jq -r 'select(.type == "DNSKEY") | .answers[] | select(test(" DNSKEY "))' "$T/q-$m.jsonl" | head -1)
  if grep -Eq "^$VTG_NAME_SECURE [0-9]+ IN DNSKEY 25[67] 3 [0-9]+ [A-Za-z0-9+/=]{20,}\$" <<<"$key"; then ok
  else bad "$m: DNSKEY in presentation form: '$key'"; fi
  validate query "$T/q-$m.jsonl"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
