#!/usr/bin/env bash
# Integration tests of multi-perspective corroboration (BR 3.2.2.9) against
# the local DNS world (tests/world), with its hijack set-up: a perspective
# whose route to the victim server (hijack.vexample's NS) is switched on
# reaches a rogue copy of the zone that names another CA (evil-ca.example).
# Every perspective resolves iteratively from its own namespace (own cache,
# own route), the primary validating.
#   5 remotes: 1 hijacked permits in enforce (one may differ) and is reported;
#              2 hijacked deny in enforce, permit with the disagreement
#              reported in report-only.
#   6 remotes: 2 hijacked permit, 3 deny.
#   RIR labels: corroborating remotes all in one RIR deny.
#   A blackholed remote (all its DNS dropped) is a non-corroboration with
#   timeout evidence.
#   Configuration: fewer remotes than the date's minimum, one RIR, < 500 km,
#   a non-validating primary: refused with the reason.
# Needs root and a world that is up (ctest brings it up as a fixture).
# usage: test_mpic.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
SRC=$2
WORLD=$SRC/tests/world/world.sh
# shellcheck disable=SC1090
. <("$WORLD" env)
T=$(mktemp -d /tmp/vtg-mpic.XXXXXX)
cleanup() {
  for p in $VTG_PERSPECTIVES; do
    "$WORLD" hijack "$p" off >/dev/null 2>&1
    "$WORLD" blackhole "$p" off >/dev/null 2>&1
  done
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
# shellcheck disable=SC1091
. "$SRC/tests/integration/lib.sh"

# conf NAME "p0 r1 ..." [RIR override per perspective "r1=ARIN ..."]
conf() {
  local name=$1 persp=$2 over=${3:-} p rir
  {
    printf '[engine]\nearly-decision = no\nroot-hints = %s\ntrust-anchor = %s\ntimeout-ms = 300\nretries = 1\n' \
      "$VTG_ROOT_HINTS" "$VTG_TRUST_ANCHOR"
    for p in $persp; do
      rir=$(var "$p" RIR)
      for o in $over; do [ "${o%%=*}" = "$p" ] && rir=${o#*=}; done
      printf '[perspective %s]\nrir = %s\nnetns = %s\nsource = %s\nmode = iterative\n' \
        "$p" "$rir" "$(var "$p" NETNS)" "$(var "$p" SRC)"
    done
  } > "$T/$name.conf"
}
conf five "p0 r1 r2 r3 r4 r5"
conf six "p0 r1 r2 r3 r4 r5 r6"
# two RIRs only: r2 is the one RIPE NCC remote, all the others ARIN
conf onerir "p0 r1 r2 r3 r4 r5" "r3=ARIN r4=ARIN r5=ARIN"

NAME=www.$VTG_NAME_HIJACK
hijack() { # perspectives to hijack; every other one restored
  local p
  for p in $VTG_PERSPECTIVES; do
    if [[ " $* " == *" $p "* ]]; then "$WORLD" hijack "$p" on >/dev/null 2>&1
    else "$WORLD" hijack "$p" off >/dev/null 2>&1; fi
  done
}
run() { # conf mode -> one JSON line in $T/out.json
  "$V" caa --config "$T/$1.conf" --mode "$2" --ca good-ca.vtg --no-progress "$NAME" \
    > "$T/out.json" 2> "$T/err.txt"
  echo $? > "$T/rc"
  validate caa "$T/out.json"
}
field() { jq -r "$1" "$T/out.json"; }
persp() { jq -r --arg id "$1" ".perspectives[] | select(.id == \$id) | $2" "$T/out.json"; }

# ---- baseline: nothing hijacked, 5 remotes all corroborate --------------
hijack
run five enforce
expect "baseline: exit" "$(cat "$T/rc")" 0
expect "baseline: decision" "$(field .decision)/$(field .reason)" "permit/authorized"
expect "baseline: quorum" "$(field .quorum)/$(field .corroborated)" "5/5/true"
expect "baseline: rirs" "$(field '.rirs | join(",")')" "ARIN,RIPE NCC,APNIC,LACNIC"

# ---- 5 remotes, one hijacked: permitted, the disagreement reported -------
hijack r2
run five enforce
expect "5r/1 hijacked: enforce permits" "$(field .decision)/$(field .reason)" "permit/authorized"
expect "5r/1 hijacked: quorum" "$(field .quorum)/$(field .quorum_needed)" "4/5/4"
expect "5r/1 hijacked: corroborated" "$(field .corroborated)" true
expect "5r/1 hijacked: r2 saw the rogue" "$(persp r2 .decision)/$(persp r2 .reason)" \
  "deny/not-authorized: issue: issuer not listed"
expect "5r/1 hijacked: r2 records" "$(persp r2 '.records | join(" ")')" \
  '0 issue "evil-ca.example"'
expect "5r/1 hijacked: r2 reported" "$(persp r2 .corroborates)" false
expect "5r/1 hijacked: r1 corroborates" "$(persp r1 .corroborates)" true
expect "5r/1 hijacked: primary" "$(persp p0 .role)/$(persp p0 .decision)" "primary/permit"
# r4 (RIPE NCC) still corroborates for the region r2 shares with it
expect "5r/1 hijacked: rirs" "$(field '.rirs | join(",")')" "ARIN,RIPE NCC,APNIC,LACNIC"

# ---- 5 remotes, two hijacked: enforce denies, report-only permits --------
hijack r2 r3
run five enforce
expect "5r/2 hijacked: enforce denies" "$(field .decision)/$(field .reason)" \
  "deny/not-corroborated: 3/5 corroborated, 4 needed"
expect "5r/2 hijacked: quorum" "$(field .quorum)/$(field .corroborated)" "3/5/false"
expect "5r/2 hijacked: valid_until" "$(field .valid_until)" null
expect "5r/2 hijacked: summary" \
  "$(grep -c '1 denied as not corroborated' "$T/err.txt")" 1
run five report-only
expect "5r/2 hijacked: report-only permits" "$(field .decision)/$(field .reason)" \
  "permit/authorized"
expect "5r/2 hijacked: report-only reports" \
  "$(field .mpic)/$(field .corroborated)/$(field .not_corroborated)" \
  "report-only/false/3/5 corroborated, 4 needed"
expect "5r/2 hijacked: report-only evidence" \
  "$(jq -r '[.perspectives[] | select(.corroborates == false) | .id] | join(",")' "$T/out.json")" \
  "r2,r3"
expect "5r/2 hijacked: report-only summary" \
  "$(grep -c '1 not corroborated but permitted (report-only)' "$T/err.txt")" 1

# ---- 6 remotes: two hijacked permit, three deny --------------------------
hijack r2 r3
run six enforce
expect "6r/2 hijacked: permits" "$(field .decision)/$(field .quorum)" "permit/4/6"
hijack r2 r3 r4
run six enforce
expect "6r/3 hijacked: denies" "$(field .decision)/$(field .reason)" \
  "deny/not-corroborated: 3/6 corroborated, 4 needed"

# ---- the RIR rule: the corroborating remotes all in one RIR --------------
hijack
run onerir enforce
expect "one RIR left: baseline permits" "$(field .decision)/$(field '.rirs | join(",")')" \
  "permit/ARIN,RIPE NCC"
hijack r2
run onerir enforce
expect "one RIR left: quorum by count" "$(field .quorum)" "4/5"
expect "one RIR left: denied by region" "$(field .decision)/$(field .reason)" \
  "deny/not-corroborated: corroborating remotes in 1 RIR region, 2 needed"
expect "one RIR left: rirs" "$(field '.rirs | join(",")')" "ARIN"
# the same hijack with the world's real labels (r2 RIPE, r4 RIPE) permits
run five enforce
expect "two RIRs left: permits" "$(field .decision)" permit

# ---- a blackholed remote: non-corroboration with timeout evidence --------
hijack
"$WORLD" blackhole r5 on >/dev/null 2>&1
run five enforce
expect "blackhole: still 4/5, permits" "$(field .decision)/$(field .quorum)" "permit/4/5"
expect "blackhole: r5 timed out" "$(persp r5 .reason)" "lookup-failure: timeout at $NAME"
expect "blackhole: r5 evidence" \
  "$(persp r5 '[.queries[] | "\(.qname) \(.failure) rcode=\(.rcode) tries=\(.tries)"] | join(",")')" \
  "$NAME timeout rcode=null tries=4" # two root servers, a retry each
expect "blackhole: r5 non-corroborating" "$(persp r5 .corroborates)" false
hijack r2
run five enforce
expect "blackhole + hijack: denies" "$(field .decision)/$(field .reason)" \
  "deny/not-corroborated: 3/5 corroborated, 4 needed"
"$WORLD" blackhole r5 off >/dev/null 2>&1
hijack

# ---- early decision (the default): a check does not wait for a dead remote -
# The same blackholed r5: its lookups take 300 + 600 ms per server before they
# time out, the others answer in milliseconds, so the quorum (4 of 5) is met
# without it and the line is written while r5 still waits: r5 is cancelled.
sed '/^early-decision = no$/d' "$T/five.conf" > "$T/five-early.conf"
hijack
"$WORLD" blackhole r5 on >/dev/null 2>&1
"$V" caa --config "$T/five-early.conf" --ca good-ca.vtg --no-progress "$NAME" \
  > "$T/out.json" 2> "$T/err.txt"
validate caa "$T/out.json"
expect "early: permits 4/5" "$(field .decision)/$(field .quorum)/$(field .corroborated)" \
  "permit/4/5/true"
expect "early: r5 cancelled, not corroborating" \
  "$(persp r5 '"\(.cancelled) \(.reason) \(.corroborates)"')" \
  "true cancelled: decided without it false"
expect "early: the others' evidence is there" \
  "$(field '[.perspectives[] | select(.cancelled | not) | .decision] | join(",")')" \
  "permit,permit,permit,permit,permit"
# two remotes hijacked and r5 dead: 3 corroborate at most, 4 needed, so it is
# decided (denied) as soon as the two hijacked answers are in
hijack r2 r3
"$V" caa --config "$T/five-early.conf" --ca good-ca.vtg --no-progress "$NAME" \
  > "$T/out.json" 2> "$T/err.txt"
validate caa "$T/out.json"
# (how many of r1, r4 were in by then depends on the arrival order)
has "early: denies once out of reach" "$(field .decision)/$(field .reason)" \
  "deny/not-corroborated: [0-2]/5 corroborated, 4 needed"
expect "early: r5 cancelled in the denial" "$(persp r5 .cancelled)" true
# a run of several names keeps every entry until its last perspective is
# done: each line once, in order
for i in 1 2 3 4 5 6; do echo "$NAME"; done |
  "$V" caa --config "$T/five-early.conf" --ca good-ca.vtg --no-progress --window 2 \
  > "$T/many.jsonl" 2> "$T/err.txt"
expect "early: window 2, six lines" "$(jq -r .decision "$T/many.jsonl" | sort | uniq -c | tr -s ' ')" \
  " 6 deny"
"$WORLD" blackhole r5 off >/dev/null 2>&1
hijack

# ---- the primary decides first: a prohibition has nothing to corroborate --
"$V" caa --config "$T/five.conf" --ca other-ca.example --no-progress "$NAME" \
  > "$T/out.json" 2>/dev/null
validate caa "$T/out.json"
expect "primary prohibits" "$(field .decision)/$(field .reason)/$(field .corroborated)" \
  "deny/not-authorized: issue: issuer not listed/null"

# ---- configuration refused, with the reason ------------------------------
conf three "p0 r1 r2 r3"
"$V" caa --config "$T/three.conf" --ca good-ca.vtg --no-progress "$NAME" > /dev/null 2> "$T/err.txt"
expect "3 remotes: exit 2" "$?" 2
expect "3 remotes: reason" "$(grep -c '3 remote perspectives, BR 3.2.2.9 requires at least [45]' "$T/err.txt")" 1
"$V" caa --config "$T/three.conf" --min-remotes 3 --ca good-ca.vtg --no-progress "$NAME" \
  > "$T/out.json" 2>/dev/null
validate caa "$T/out.json"
expect "3 remotes with --min-remotes 3" "$(field .quorum)" "3/3"
conf allarin "p0 r1 r2 r3 r4 r5" "r2=ARIN r3=ARIN r4=ARIN r5=ARIN"
"$V" caa --config "$T/allarin.conf" --ca good-ca.vtg --no-progress "$NAME" > /dev/null 2> "$T/err.txt"
expect "one RIR config: refused" "$?/$(grep -c 'one RIR region (ARIN)' "$T/err.txt")" "2/1"
{ cat "$T/five.conf"; printf '[perspective near]\nrir = APNIC\ncoordinates = 50.11,8.68\nmode = iterative\n'; } \
  | sed '/^\[perspective r1\]/a coordinates = 52.37,4.90' > "$T/near.conf"
"$V" caa --config "$T/near.conf" --ca good-ca.vtg --no-progress "$NAME" > /dev/null 2> "$T/err.txt"
expect "perspectives < 500 km: refused" "$?/$(grep -c 'r1 and near are .* km apart' "$T/err.txt")" "2/1"
sed 's/^trust-anchor = .*/trust-anchor = none/' "$T/five.conf" > "$T/noval.conf"
"$V" caa --config "$T/noval.conf" --ca good-ca.vtg --no-progress "$NAME" > /dev/null 2> "$T/err.txt"
expect "non-validating primary: refused" "$?" 2
"$V" caa --config "$T/five.conf" --mode sometimes --ca good-ca.vtg --no-progress "$NAME" \
  > /dev/null 2>&1
expect "bad --mode: exit 2" "$?" 2

# ---- names from a CSR / certificate (SAN dNSNames; the IP SAN is skipped) --
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k.pem" \
  -subj /CN=ignored -addext "subjectAltName=DNS:$NAME,DNS:*.$VTG_NAME_SECURE,IP:198.18.0.1" \
  -out "$T/r.csr" 2>/dev/null
openssl req -x509 -key "$T/k.pem" -in "$T/r.csr" -copy_extensions copy -days 1 -outform DER \
  -out "$T/c.der" 2>/dev/null
for src in "--csr $T/r.csr" "--cert $T/c.der"; do
  # shellcheck disable=SC2086
  "$V" caa --config "$T/five.conf" --ca good-ca.vtg --no-progress $src > "$T/out.jsonl" 2>/dev/null
  validate caa "$T/out.jsonl"
  expect "SANs from ${src%% *}" "$(jq -r '"\(.name)=\(.decision)"' "$T/out.jsonl" | tr '\n' ' ')" \
    "$NAME=permit *.$VTG_NAME_SECURE=deny "
done
"$V" caa --config "$T/five.conf" --ca good-ca.vtg --no-progress --csr "$T/c.der" > /dev/null 2> "$T/err.txt"
expect "a certificate given as --csr: exit 2" "$?/$(grep -c 'not a certificate request' "$T/err.txt")" "2/1"

echo "test_mpic: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
