#!/usr/bin/env bash
# Integration tests of iterative mode with DNSSEC validation against the
# local DNS world (tests/world): vantage resolves from the world's root
# hints and validates to its trust anchor, from every perspective's own
# namespace, and must agree with each perspective's unbound (stub mode).
# Needs root and a world that is up (ctest brings it up as a fixture).
# usage: test_iterative.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
SRC=$2
WORLD=$SRC/tests/world/world.sh
# shellcheck disable=SC1090
. <("$WORLD" env)
T=$(mktemp -d /tmp/vtg-iter.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
# shellcheck disable=SC1091
. "$SRC/tests/integration/lib.sh"

ENGINE=$(printf '[engine]\nearly-decision = no\nroot-hints = %s\ntrust-anchor = %s\ntimeout-ms = 400\n' \
  "$VTG_ROOT_HINTS" "$VTG_TRUST_ANCHOR")

# ---- 1. iterative agrees with stub mode, from every perspective ---------
# Two perspectives per namespace: `P-it` resolves and validates itself,
# `P-stub` asks that namespace's unbound.
{
  echo "$ENGINE"
  for p in $VTG_PERSPECTIVES; do
    printf '[perspective %s-it]\nrir = %s\nnetns = %s\nsource = %s\nmode = iterative\n' \
      "$p" "$(var "$p" RIR)" "$(var "$p" NETNS)" "$(var "$p" SRC)"
    printf '[perspective %s-stub]\nrir = %s\nnetns = %s\nsource = %s\nresolver = %s\n' \
      "$p" "$(var "$p" RIR)" "$(var "$p" NETNS)" "$(var "$p" SRC)" "$(var "$p" UNBOUND)"
  done
} > "$T/both.conf"
# every CAA test name of the world but the per-perspective ones (whoami, hijack)
for v in $(compgen -v VTG_NAME_); do echo "${!v}"; done | tr ' ' '\n' \
  | grep -v -e whoami -e hijack -e loop -e 'rl[12]' -e '^$' | sort -u > "$T/names"
n_names=$(wc -l < "$T/names")
[ "$n_names" -ge 25 ] && ok || bad "only $n_names test names in world.env"
"$WORLD" flush all > /dev/null 2>&1
"$V" caa --config "$T/both.conf" --mode off --ca secure-ca.vtg,target-ca.vtg --no-progress \
  < "$T/names" > "$T/both.jsonl" 2> "$T/both.err"
expect "agree: exit" "$?" 0
validate caa "$T/both.jsonl"
expect "agree: lines" "$(wc -l < "$T/both.jsonl")" "$n_names"
# Per name and perspective: decision, relevant owner, the set (as a set) and
# the DNSSEC status must match. Failures only need the same decision: the
# two modes name the failure differently (unbound's SERVFAIL vs what vantage
# itself met) and stub mode judges DNSSEC from the AD bit only (docs/rules.md section 0).
jq -r '
  . as $l
  | [range(0; (.perspectives | length); 2)] | .[]
  | ($l.perspectives[.]) as $it | ($l.perspectives[. + 1]) as $st
  | if ($st.reason | startswith("lookup-failure")) or ($it.reason | startswith("lookup-failure"))
    then [$l.name, $it.id, $it.decision == $st.decision]
    else [$l.name, $it.id,
          ($it.decision == $st.decision and $it.relevant_owner == $st.relevant_owner
           and ($it.records | sort) == ($st.records | sort) and $it.dnssec == $st.dnssec
           and (($it.reason | split(":")[0]) == ($st.reason | split(":")[0])))]
    end
  | @tsv' "$T/both.jsonl" > "$T/agree.tsv"
expect "agree: pairs compared" "$(wc -l < "$T/agree.tsv")" $((n_names * 7))
awk -F'\t' '$3 != "true"' "$T/agree.tsv" > "$T/disagree.tsv"
expect "agree: iterative = stub for every name and perspective" "$(wc -l < "$T/disagree.tsv")" 0
head -5 "$T/disagree.tsv" >&2
expect "agree: every perspective iterative" \
  "$(jq -r '.perspectives[] | select(.id | endswith("-it")) | .mode' "$T/both.jsonl" | sort -u)" iterative

# ---- 2. DNSSEC outcomes and the lookup-failure rule (primary p0) --------
printf '%s\n[perspective p0]\nrir = ARIN\nnetns = %s\nsource = %s\nmode = iterative\n' \
  "$ENGINE" "$VTG_P0_NETNS" "$VTG_P0_SRC" > "$T/p0.conf"
cat > "$T/rule.names" <<EOF
$VTG_NAME_SECURE
$VTG_NAME_BOGUS
$VTG_NAME_BOGUS_DS
$VTG_NAME_INSECURE_CHILD
$VTG_NAME_SERVFAIL_INSECURE
$VTG_NAME_SERVFAIL_SIGNED
$VTG_NAME_SERVFAIL_UNSIGNED_TLD
$VTG_NAME_TIMEOUT_INSECURE
$VTG_NAME_TIMEOUT_SIGNED
a.loop.vexample
self.loop.vexample
www.rl1.vexample
glueless.vexample
EOF
for x in off on; do
  flag=; [ $x = on ] && flag=--lookup-failure-exception
  "$V" caa --config "$T/p0.conf" --mode off --ca secure-ca.vtg,glueless-ca.vtg $flag --no-progress \
    < "$T/rule.names" > "$T/rule-$x.jsonl" 2> "$T/rule-$x.err"
  validate caa "$T/rule-$x.jsonl"
  expect "rule $x: lines" "$(wc -l < "$T/rule-$x.jsonl")" "$(wc -l < "$T/rule.names")"
done
j() { jq -r --arg n "$2" "select(.name == \$n) | $3" "$T/rule-$1.jsonl"; }
expect "signed zone is secure" "$(j off "$VTG_NAME_SECURE" .perspectives[0].dnssec)" secure
expect "signed zone permits" "$(j off "$VTG_NAME_SECURE" .reason)" authorized
expect "broken signature is bogus" "$(j off "$VTG_NAME_BOGUS" .perspectives[0].dnssec)" bogus
expect "bogus denies" "$(j off "$VTG_NAME_BOGUS" '.reason | split(":")[0]')" dnssec-bogus
expect "bogus says why" "$(j off "$VTG_NAME_BOGUS" .perspectives[0].why_bogus)" bad-signature
expect "DS for another key is bogus" "$(j off "$VTG_NAME_BOGUS_DS" .perspectives[0].why_bogus)" \
  no-dnskey-matches-ds
expect "unsigned child is insecure" "$(j off "$VTG_NAME_INSECURE_CHILD" .perspectives[0].dnssec)" insecure
for n in $VTG_NAME_SERVFAIL_INSECURE $VTG_NAME_SERVFAIL_SIGNED $VTG_NAME_SERVFAIL_UNSIGNED_TLD \
         $VTG_NAME_TIMEOUT_INSECURE $VTG_NAME_TIMEOUT_SIGNED; do
  expect "$n denies by default" "$(j off "$n" '.decision + " " + (.reason | split(":")[0])')" \
    "deny lookup-failure"
done
for n in $VTG_NAME_SERVFAIL_INSECURE $VTG_NAME_SERVFAIL_UNSIGNED_TLD $VTG_NAME_TIMEOUT_INSECURE; do
  expect "$n: exception permits" "$(j on "$n" '.decision + " " + (.reason | split(":")[0])')" \
    "permit failure-permitted"
  expect "$n: the proof is a signed NSEC" "$(j on "$n" .failure_permitted.denial_type)" NSEC
  [ -n "$(j on "$n" .failure_permitted.zone_cut)" ] && ok || bad "$n: no zone cut in the proof"
  expect "$n: retried" "$(j on "$n" '.perspectives[0].queries[0].tries >= 2')" true
  expect "$n: the failed query is indeterminate, its zone proven insecure" \
    "$(j on "$n" '.perspectives[0].queries[0] | .dnssec + " " + .zone_dnssec')" \
    "indeterminate insecure"
done
expect "servfail-insecure proof zone cut" "$(j on "$VTG_NAME_SERVFAIL_INSECURE" .failure_permitted.zone_cut)" \
  "$VTG_NAME_SERVFAIL_INSECURE"
expect "unsigned TLD proof zone cut" "$(j on "$VTG_NAME_SERVFAIL_UNSIGNED_TLD" .failure_permitted.zone_cut)" \
  vexample
for n in $VTG_NAME_SERVFAIL_SIGNED $VTG_NAME_TIMEOUT_SIGNED; do
  # the failed lookup validated nothing (issue 14): indeterminate, never
  # secure; the zone it went to is proven secure (zone_dnssec)
  expect "$n: a signed zone denies even with the exception" \
    "$(j on "$n" '.decision + " " + (.reason | split(":")[0]) + " " + .perspectives[0].dnssec
                  + " " + .perspectives[0].zone_dnssec')" \
    "deny lookup-failure indeterminate secure"
done
expect "cname loop" "$(j off a.loop.vexample '.reason | split(" at")[0]')" "lookup-failure: cname-loop"
expect "cname to itself" "$(j off self.loop.vexample '.reason | split(" at")[0]')" "lookup-failure: cname-loop"
expect "referral loop" "$(j off www.rl1.vexample '.reason | split(" at")[0]')" \
  "lookup-failure: nameserver-cycle"
expect "glue-less delegation" "$(j off glueless.vexample .reason)" authorized
expect "glue-less relevant owner" "$(j off glueless.vexample .relevant_owner)" glueless.vexample

# ---- 3. 0x20: mixed-case questions, answers checked, same results -------
"$V" caa --config "$T/p0.conf" --mode off --ca secure-ca.vtg --qname-0x20 --no-progress \
  "$VTG_NAME_SECURE" "$VTG_NAME_DEEP" "$VTG_NAME_UNSIGNED_TLD" > "$T/x20.jsonl" 2> "$T/x20.err"
validate caa "$T/x20.jsonl"
expect "0x20: lines" "$(wc -l < "$T/x20.jsonl")" 3
expect "0x20: secure permits" "$(jq -r 'select(.name == "'"$VTG_NAME_SECURE"'") | .reason' "$T/x20.jsonl")" authorized
expect "0x20: no mismatches" "$(grep -o 'dropped-mismatch [0-9]*' "$T/x20.err" | awk '{print $2}')" 0

# ---- 4. the cache: 100k names under 100 parents -------------------------
# Count the CAA queries the cache zone's server receives: one per name plus
# one per parent (per worker: each worker thread has its own cache).
before=$("$WORLD" stats bench | sed -n 's/^num.type.CAA=//p')
"$V" caa --config "$T/p0.conf" --mode off --ca ca-p00.cache.vtg --no-progress < "$VTG_NAMES_CACHE" \
  > "$T/cache.jsonl" 2> "$T/cache.err"
after=$("$WORLD" stats bench | sed -n 's/^num.type.CAA=//p')
names=$(wc -l < "$VTG_NAMES_CACHE")
workers=$(grep -o '[0-9]* workers\?' "$T/cache.err" | head -1 | awk '{print $1}')
caa=$(( ${after:-0} - ${before:-0} ))
echo "cache: $names names, $caa CAA queries at the server, $workers workers" >&2
grep 'iterative:' "$T/cache.err" >&2
expect "cache: lines" "$(wc -l < "$T/cache.jsonl")" "$names"
validate caa <(head -n 2000 "$T/cache.jsonl") # a sample: all 100k lines would take a minute
expect "cache: every name found its parent's set" \
  "$(jq -r 'select(.relevant_owner == (.name | split(".")[1:] | join("."))) | .name' "$T/cache.jsonl" | wc -l)" "$names"
[ "$caa" -ge "$names" ] && ok || bad "cache: only $caa CAA queries for $names names"
[ "$caa" -le $(( names + 100 * ${workers:-1} + 100 )) ] && ok \
  || bad "cache: $caa CAA queries for $names names under 100 parents"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
