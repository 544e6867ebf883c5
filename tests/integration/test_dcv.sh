#!/usr/bin/env bash
# Integration tests of DNS-based domain control validation (BR 3.2.2.4)
# against the local DNS world, corroborated across perspectives (BR 3.2.2.9):
# dns-01 (with a CNAME in front of the challenge name), cname, persist and
# the contact method, with the hijack set-up answering other values to
# hijacked perspectives, and bad input lines answered one by one.
# Every perspective resolves iteratively from its own namespace.
# usage: test_dcv.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
SRC=$2
WORLD=$SRC/tests/world/world.sh
# shellcheck disable=SC1090
. <("$WORLD" env)
T=$(mktemp -d /tmp/vtg-dcv.XXXXXX)
cleanup() {
  for p in $VTG_PERSPECTIVES; do "$WORLD" hijack "$p" off >/dev/null 2>&1; done
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
# shellcheck disable=SC1091
. "$SRC/tests/integration/lib.sh"
{
  printf '[engine]\nearly-decision = no\nroot-hints = %s\ntrust-anchor = %s\ntimeout-ms = 300\nretries = 1\n' \
    "$VTG_ROOT_HINTS" "$VTG_TRUST_ANCHOR"
  for p in p0 r1 r2 r3 r4 r5; do
    printf '[perspective %s]\nrir = %s\nnetns = %s\nsource = %s\nmode = iterative\n' \
      "$p" "$(var "$p" RIR)" "$(var "$p" NETNS)" "$(var "$p" SRC)"
  done
} > "$T/five.conf"
hijack() {
  local p
  for p in $VTG_PERSPECTIVES; do
    if [[ " $* " == *" $p "* ]]; then "$WORLD" hijack "$p" on >/dev/null 2>&1
    else "$WORLD" hijack "$p" off >/dev/null 2>&1; fi
  done
}
TOKEN=good-dns01-token-Xq3yYc0lTNWmB5l2cJ6A8w
W=www.$VTG_NAME_HIJACK
A=alias.$VTG_NAME_HIJACK
dcv() { "$V" dcv --config "$T/five.conf" --no-progress "$@" > "$T/out.jsonl" 2> "$T/err.txt"; echo $? > "$T/rc"; validate dcv "$T/out.jsonl"; }
line() { jq -r --arg n "$1" "select(.name == \$n) | $2" "$T/out.jsonl"; }
persp() { jq -r --arg n "$1" --arg id "$2" \
  "select(.name == \$n) | .perspectives[] | select(.id == \$id) | $3" "$T/out.jsonl"; }

# ---- dns-01, nothing hijacked: corroborated by all 5 ---------------------
hijack
printf '%s %s\n%s %s\n%s wrong-token\n' "$W" "$TOKEN" "$A" "$TOKEN" "$W" | dcv --method dns-01
expect "dns-01: exit" "$(cat "$T/rc")" 0
expect "dns-01: lines" "$(wc -l < "$T/out.jsonl")" 3
expect "dns-01: pass" "$(line "$W" 'select(.expect != "wrong-token") | "\(.result) \(.quorum) \(.corroborated)"')" \
  "pass 5/5 true"
expect "dns-01: query name" "$(line "$W" '.query' | head -1)" "_acme-challenge.$W"
expect "dns-01: seen" "$(line "$W" '.seen' | head -1)" "$TOKEN"
expect "dns-01: two TXT records, one matches" \
  "$(persp "$W" p0 '[.records[].verdict] | sort | join(",")' | head -1)" "match,mismatch"
expect "dns-01 via CNAME: pass" "$(line "$A" '"\(.result) \(.quorum)"')" "pass 5/5"
expect "dns-01 via CNAME: chain" "$(persp "$A" p0 .chain)" 1
expect "dns-01 wrong token: fails at the primary" \
  "$(line "$W" 'select(.expect == "wrong-token") | "\(.result) \(.reason) \(.corroborated)"')" \
  "fail mismatch: dns-01: mismatch, mismatch null"

# ---- dns-01 with one remote hijacked: 4/5 still corroborate --------------
hijack r3
printf '%s %s\n' "$W" "$TOKEN" | dcv --method dns-01
expect "dns-01 r3 hijacked: pass" "$(line "$W" '"\(.result) \(.quorum)"')" "pass 4/5"
expect "dns-01 r3 hijacked: r3 saw the rogue's token" \
  "$(persp "$W" r3 '"\(.result) \(.corroborates) \(.records[0].rr | test("IN TXT \"evil-dns01-token-from-the-rogue\""))"')" \
  "fail false true"

# ---- two hijacked: not corroborated; report-only passes with the report --
hijack r3 r4
printf '%s %s\n' "$W" "$TOKEN" | dcv --method dns-01
expect "dns-01 2 hijacked: enforce fails" "$(line "$W" '"\(.result)/\(.reason)"')" \
  "fail/not-corroborated: 3/5 corroborated, 4 needed"
printf '%s %s\n' "$W" "$TOKEN" | dcv --method dns-01 --mode report-only
expect "dns-01 2 hijacked: report-only" \
  "$(line "$W" '"\(.result) \(.corroborated) \(.not_corroborated)"')" \
  "pass false 3/5 corroborated, 4 needed"

# ---- CNAME-based DCV at an underscore label ------------------------------
hijack r2
dcv --method cname --label _vtg-dcv --expect www.dcv.good-ca.vtg "$W"
expect "cname: pass, r2 hijacked" "$(line "$W" '"\(.result) \(.quorum) \(.query) \(.qtype)"')" \
  "pass 4/5 _vtg-dcv.$W CNAME"
expect "cname: seen" "$(line "$W" .seen)" "www.dcv.good-ca.vtg."
expect "cname: r2 saw the rogue target" \
  "$(persp "$W" r2 '"\(.corroborates) \(.records[0].verdict) \(.records[0].rr | test("CNAME www.dcv.evil-ca.example"))"')" \
  "false mismatch true"
dcv --method cname --label _vtg-dcv --expect www.dcv.other.example "$W"
expect "cname: other target fails" "$(line "$W" .result)" fail
dcv --method cname --label no-underscore --expect x.example "$W"
expect "cname: a label without '_' is a usage error" "$(cat "$T/rc")/$(grep -c 'label' "$T/err.txt")" "2/1"

# ---- persistent TXT (BR 3.2.2.4.22) --------------------------------------
hijack r5
dcv --method persist --ca good-ca.vtg,secure-ca.vtg --account-uri https://good-ca.vtg/acct/7 \
  "$W" "$VTG_NAME_SECURE"
expect "persist: pass" "$(line "$W" '"\(.result) \(.seen) \(.quorum)"')" \
  "pass https://good-ca.vtg/acct/7 4/5"
expect "persist: other account" "$(line "$VTG_NAME_SECURE" '"\(.result) \(.reason)"')" \
  "fail mismatch: persist: accounturi-mismatch"
expect "persist: secure zone" "$(line "$VTG_NAME_SECURE" .dnssec)" secure
dcv --method persist --ca good-ca.vtg --account-uri https://good-ca.vtg/acct/7 "$VTG_NAME_SECURE"
expect "persist: not our issuer" "$(line "$VTG_NAME_SECURE" '"\(.result) \(.reason)"')" \
  "fail mismatch: persist: wrong-issuer"
dcv --method persist --ca good-ca.vtg "$W"
expect "persist without --account-uri: usage error" "$(cat "$T/rc")" 2

# ---- CNAME-based DCV with a compressed target ---------------------------
# unbound and NSD compress a CNAME target in the question's zone against
# the question name (c0xx pointers); the check must read the decompressed
# target (it once said `bad-rdata`). Through each namespace's unbound (stub
# mode) and iteratively from NSD.
hijack
A2=alias.$VTG_NAME_HIJACK
raw=$(ip netns exec "$(var p0 NETNS)" python3 - "$(var p0 UNBOUND)" "_vtg-dcv.$A2" <<'PY'
import socket, struct, sys
q = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0)
q += b''.join(bytes([len(l)]) + l.encode() for l in sys.argv[2].split('.') if l) + b'\0'
q += struct.pack('>HH', 5, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(q, (sys.argv[1], 53)); print(s.recv(4096).hex())
PY
)
# the answer's RDATA ends in a compression pointer (0xc0..)
[[ "$raw" =~ 0a6463762d746172676574.*c0[0-9a-f]{2}$ ]] && ok \
  || bad "unbound did not compress the CNAME target: $raw"
for p in p0 r1; do
  ip netns exec "$(var "$p" NETNS)" "$V" dcv --resolver "$(var "$p" UNBOUND)" --no-progress \
    --method cname --label _vtg-dcv --expect "dcv-target.www.$VTG_NAME_HIJACK" "$A2" \
    > "$T/stub.jsonl" 2>&1
  validate dcv <(grep "^{" "$T/stub.jsonl") # stderr is in the file too
  expect "cname compressed, via $p's unbound (stub)" \
    "$(jq -r '"\(.result) \(.seen)"' "$T/stub.jsonl" 2>/dev/null)" \
    "pass dcv-target.www.$VTG_NAME_HIJACK."
done
dcv --method cname --label _vtg-dcv --expect "dcv-target.www.$VTG_NAME_HIJACK" "$A2"
expect "cname compressed, iterative: pass 5/5" "$(line "$A2" '"\(.result) \(.quorum)"')" "pass 5/5"

# ---- contact (sunsetting): the remotes must see the same address ---------
hijack r1 r2
dcv --method contact-email "$W"
expect "contact-email: seen" "$(line "$W" .seen)" "hostmaster@hijack.vexample"
expect "contact-email: hijacked remotes saw another address" \
  "$(line "$W" '[.perspectives[] | select(.corroborates == false) | "\(.id)=\(.seen)"] | join(",")')" \
  "r1=attacker@evil.example,r2=attacker@evil.example"
expect "contact-email: not corroborated" "$(line "$W" .result)" fail
expect "contact-email: sunsetting flagged" "$(line "$W" '.sunsetting | test("SC-090")')" true

# ---- bad input lines: each answered, the run goes on ---------------------
hijack
printf 'bad..name %s\n%s\n\n%s %s\n' "$TOKEN" "$W" "$W" "$TOKEN" | dcv --method dns-01
expect "bad lines: every input answered (the blank line skipped)" "$(wc -l < "$T/out.jsonl")" 3
expect "bad lines: invalid name" "$(jq -r 'select(.name == "bad..name") | .result' "$T/out.jsonl")" fail
expect "bad lines: missing value" "$(sed -n 2p "$T/out.jsonl" | jq -r '.reason | test("no expected value")')" true
expect "bad lines: the good one passes" "$(sed -n 3p "$T/out.jsonl" | jq -r .result)" pass

echo "test_dcv: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
