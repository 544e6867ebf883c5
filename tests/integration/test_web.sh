#!/usr/bin/env bash
# Integration tests of domain validation over HTTP and TLS (issue 15):
# http-01, website-change and tls-alpn-01 from every perspective of the
# world (each resolving iteratively inside its own namespace and connecting
# from its own address), against nginx web servers and the vtg-alpn
# responder: each method passing, each refusal rule failing with its reason,
# remotes hijacked (the rogue web server behind the hijack route) in enforce
# and report-only, a web server blackholed for one perspective, IP literal
# targets, and bad lines answered one by one.
# usage: test_web.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
SRC=$2
WORLD=$SRC/tests/world/world.sh
# shellcheck disable=SC1090
. <("$WORLD" env)
T=$(mktemp -d /tmp/vtg-web.XXXXXX)
cleanup() {
  for p in $VTG_PERSPECTIVES; do
    "$WORLD" hijack "$p" off >/dev/null 2>&1
    "$WORLD" webhole "$p" off >/dev/null 2>&1
  done
  rm -f "$VTG_WEB_ROOT/.well-known/acme-challenge/$TOK" \
    "$VTG_WEB_ROGUE_ROOT/.well-known/acme-challenge/$TOK"
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
# shellcheck disable=SC1091
. "$SRC/tests/integration/lib.sh"
{
  printf '[engine]\nearly-decision = no\nroot-hints = %s\ntrust-anchor = %s\ntimeout-ms = 300\nretries = 1\n' \
    "$VTG_ROOT_HINTS" "$VTG_TRUST_ANCHOR"
  printf 'http-connect-timeout-ms = 1000\nhttp-timeout-ms = 2000\n'
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
dcv() {
  "$V" dcv --config "$T/five.conf" --no-progress "$@" > "$T/out.jsonl" 2> "$T/err.txt"
  echo $? > "$T/rc"
  validate dcv "$T/out.jsonl"
}
line() { jq -r --arg n "$1" "select(.name == \$n) | $2" "$T/out.jsonl"; }
persp() { jq -r --arg n "$1" --arg id "$2" \
  "select(.name == \$n) | .perspectives[] | select(.id == \$id) | $3" "$T/out.jsonl"; }
# a challenge of this test's own: the victim's web root serves KA, the
# rogue's (behind the hijack route) another key authorization
TOK=vtgtest$$Tok
KA=$TOK.goodThumbprint-AbC_123
EVIL=$TOK.rogueThumbprint-XyZ_987
mkdir -p "$VTG_WEB_ROOT/.well-known/acme-challenge" "$VTG_WEB_ROGUE_ROOT/.well-known/acme-challenge"
printf '%s\n' "$KA" > "$VTG_WEB_ROOT/.well-known/acme-challenge/$TOK"
printf '%s\n' "$EVIL" > "$VTG_WEB_ROGUE_ROOT/.well-known/acme-challenge/$TOK"
hijack

# ---- http-01: passes everywhere; evidence of the hop --------------------
OK=$VTG_NAME_WEB_OK
printf '%s %s\n%s %s\n%s %s\n' "$OK" "$VTG_WEB_KEYAUTH" "$OK" "$VTG_WEB_TOKEN.otherThumb" \
  "$OK" "$KA" | dcv --method http-01
expect "http-01: exit" "$(cat "$T/rc")" 0
expect "http-01: lines" "$(wc -l < "$T/out.jsonl")" 3
expect "http-01: pass 5/5" \
  "$(line "$OK" "select(.expect == \"$VTG_WEB_KEYAUTH\") | \"\(.result) \(.quorum) \(.corroborated)\"")" \
  "pass 5/5 true"
expect "http-01: url" "$(line "$OK" "select(.expect == \"$VTG_WEB_KEYAUTH\") | .url")" \
  "http://$OK$VTG_WEB_CHALLENGE_PATH"
expect "http-01: p0 hop" \
  "$(jq -r --arg n "$OK" --arg e "$VTG_WEB_KEYAUTH" 'select(.name == $n and .expect == $e) | .perspectives[] | select(.id == "p0") | .hops[0] | "\(.addresses | join(",")) \(.connected) \(.status)"' "$T/out.jsonl")" \
  "$VTG_WEB_ADDR $VTG_WEB_ADDR:80 200"
expect "http-01: each perspective connected on its own" \
  "$(jq -r --arg n "$OK" --arg e "$VTG_WEB_KEYAUTH" 'select(.name == $n and .expect == $e) | [.perspectives[].hops[0].connected] | length' "$T/out.jsonl")" 6
expect "http-01: wrong key authorization" \
  "$(line "$OK" 'select(.expect | test("otherThumb")) | "\(.result) \(.reason) \(.corroborated)"')" \
  "fail mismatch null"
expect "http-01: the test's own challenge" \
  "$(line "$OK" "select(.expect == \"$KA\") | \"\(.result) \(.seen)\"")" "pass $KA"

# ---- redirects: the allowed kinds are followed, the others refused -------
: > "$T/in.txt"
for n in $VTG_NAME_WEB_R301 $VTG_NAME_WEB_R302 $VTG_NAME_WEB_R307 $VTG_NAME_WEB_R308 \
  $VTG_NAME_WEB_REL $VTG_NAME_WEB_PORT80 $VTG_NAME_WEB_HTTPS $VTG_NAME_WEB_CHAIN10 \
  $VTG_NAME_WEB_R303 $VTG_NAME_WEB_R300 $VTG_NAME_WEB_PORT8080 $VTG_NAME_WEB_FTP \
  $VTG_NAME_WEB_LOOP_A $VTG_NAME_WEB_CHAIN11 $VTG_NAME_WEB_STATUS500 $VTG_NAME_WEB_BIG \
  $VTG_NAME_WEB_REFUSED $VTG_NAME_WEB_TIMEOUT $VTG_NAME_WEB_NOADDR $VTG_NAME_WEB_NX \
  $VTG_NAME_WEB_SLOW; do
  printf '%s %s\n' "$n" "$VTG_WEB_KEYAUTH" >> "$T/in.txt"
done
dcv --method http-01 < "$T/in.txt"
expect "rules: one line each" "$(wc -l < "$T/out.jsonl")" "$(wc -l < "$T/in.txt")"
for n in $VTG_NAME_WEB_R301 $VTG_NAME_WEB_R302 $VTG_NAME_WEB_R307 $VTG_NAME_WEB_R308 \
  $VTG_NAME_WEB_REL $VTG_NAME_WEB_PORT80 $VTG_NAME_WEB_HTTPS; do
  expect "redirect $n: followed" "$(line "$n" '"\(.result) \(.quorum)"')" "pass 5/5"
  expect "redirect $n: one redirect, two hops" \
    "$(persp "$n" p0 '"\(.redirects) \(.hops | length) \(.hops[0].status)"' | cut -c1-5)" "1 2 3"
done
expect "redirect to https: TLS recorded, certificate hash" \
  "$(persp "$VTG_NAME_WEB_HTTPS" p0 '.hops[1] | "\(.url | startswith("https://")) \(.tls | startswith("TLSv1.")) \(.cert_sha256 | length)"')" \
  "true true 64"
expect "relative Location resolved" \
  "$(persp "$VTG_NAME_WEB_REL" p0 '"\(.hops[0].location) \(.hops[1].url)"')" \
  "$VTG_WEB_CHALLENGE_PATH?relative=1 http://$VTG_NAME_WEB_REL$VTG_WEB_CHALLENGE_PATH?relative=1"
expect "10 redirects followed" "$(persp "$VTG_NAME_WEB_CHAIN10" p0 '"\(.result) \(.redirects)"')" "pass 10"
expect "11th redirect refused" "$(line "$VTG_NAME_WEB_CHAIN11" '.reason' | cut -d: -f1)" \
  too-many-redirects
for n in $VTG_NAME_WEB_R303 $VTG_NAME_WEB_R300; do
  has "redirect $n refused" "$(line "$n" '"\(.result) \(.reason)"')" "fail redirect-refused: status 30"
done
has "port 8080 refused" "$(line "$VTG_NAME_WEB_PORT8080" .reason)" "redirect-refused: port 8080"
has "ftp refused" "$(line "$VTG_NAME_WEB_FTP" .reason)" "redirect-refused: scheme ftp"
has "loop refused" "$(line "$VTG_NAME_WEB_LOOP_A" .reason)" "redirect-refused: loop"
expect "status 500" "$(line "$VTG_NAME_WEB_STATUS500" .reason)" "http-status: 500"
expect "big body" "$(line "$VTG_NAME_WEB_BIG" .reason)" "body-too-large"
expect "big body: read no further than the cap" \
  "$(persp "$VTG_NAME_WEB_BIG" p0 '"\(.hops[0].body_truncated) \(.hops[0].body_octets)"')" \
  "true $(( ${#VTG_WEB_KEYAUTH} + 128 ))"
has "refused" "$(line "$VTG_NAME_WEB_REFUSED" .reason)" "connect-failure"
expect "connect timeout" "$(line "$VTG_NAME_WEB_TIMEOUT" .reason | cut -d: -f1)" timeout
expect "slow server: read timeout" "$(line "$VTG_NAME_WEB_SLOW" .reason | cut -d: -f1)" timeout
expect "no address" "$(line "$VTG_NAME_WEB_NOADDR" '.reason')" "no-address: $VTG_NAME_WEB_NOADDR"
expect "NXDOMAIN: no address" "$(line "$VTG_NAME_WEB_NX" '.reason | split(":")[0]')" no-address
expect "a failure at every perspective: nothing corroborated" \
  "$(line "$VTG_NAME_WEB_SLOW" '"\(.corroborated) \(.quorum)"')" "null 0/5"

# ---- IP literal target (RFC 8738 / BR 3.2.2.5.6) ------------------------
printf '%s %s\n' "$VTG_WEB_ADDR" "$VTG_WEB_KEYAUTH" | dcv --method http-01
expect "IPv4 target: pass" "$(line "$VTG_WEB_ADDR" '"\(.result) \(.ip) \(.quorum)"')" \
  "pass $VTG_WEB_ADDR 5/5"
expect "IPv4 target: no lookup" "$(persp "$VTG_WEB_ADDR" r2 '.hops[0].dnssec')" indeterminate

# ---- website-change (BR 3.2.2.4.18): http and https ----------------------
printf '%s %s\n%s not-in-the-file\n' "$OK" "$VTG_WEB_CHANGE_VALUE" "$OK" |
  dcv --method website-change --http-path "$(basename "$VTG_WEB_CHANGE_FILE")"
expect "website-change: pass" "$(line "$OK" "select(.expect == \"$VTG_WEB_CHANGE_VALUE\") | \"\(.result) \(.quorum)\"")" "pass 5/5"
expect "website-change: url" "$(line "$OK" "select(.expect == \"$VTG_WEB_CHANGE_VALUE\") | .url")" \
  "http://$OK$VTG_WEB_CHANGE_FILE"
expect "website-change: absent value" "$(line "$OK" 'select(.expect == "not-in-the-file") | .reason')" mismatch
printf '%s %s\n' "$OK" "$VTG_WEB_CHANGE_VALUE" |
  dcv --method website-change --http-path "$(basename "$VTG_WEB_CHANGE_FILE")" --scheme https
expect "website-change https: pass" "$(line "$OK" '"\(.result) \(.url | startswith("https://"))"')" "pass true"
expect "website-change https: the server's certificate, hashed" \
  "$(persp "$OK" r4 '.hops[0].cert_sha256')" \
  "$(openssl x509 -in "$VTG_WEB_CERT" -outform der | sha256sum | cut -d' ' -f1)"
"$V" dcv --config "$T/five.conf" --method website-change < /dev/null > /dev/null 2> "$T/err.txt"
expect "website-change without --http-path: usage" "$?" 2
has "website-change without --http-path: says why" "$(cat "$T/err.txt")" "http-path"

# ---- tls-alpn-01 (RFC 8737 / BR 3.2.2.4.20) -------------------------------
KAL=$(cat "$VTG_ALPN_KEYAUTH_FILE")
printf '%s %s\n' "$VTG_NAME_ALPN" "$KAL" "$VTG_NAME_ALPN" "$KAL.x" \
  "$VTG_NAME_ALPN_BADDIGEST" "$KAL" "$VTG_NAME_ALPN_NONCRITICAL" "$KAL" \
  "$VTG_NAME_ALPN_TWOSAN" "$KAL" "$VTG_NAME_ALPN_WRONGSAN" "$KAL" \
  "$VTG_NAME_ALPN_NOALPN" "$KAL" "$VTG_ALPN_ADDR" "$KAL" | dcv --method tls-alpn-01
expect "tls-alpn-01: lines" "$(wc -l < "$T/out.jsonl")" 8
expect "tls-alpn-01: pass" "$(line "$VTG_NAME_ALPN" "select(.expect == \"$KAL\") | \"\(.result) \(.quorum) \(.sni)\"")" \
  "pass 5/5 $VTG_NAME_ALPN"
expect "tls-alpn-01: evidence" \
  "$(jq -r --arg n "$VTG_NAME_ALPN" --arg e "$KAL" 'select(.name == $n and .expect == $e) | .perspectives[0].hops[0] | "\(.alpn) \(.connected) \(.cert_sha256 | length)"' "$T/out.jsonl")" \
  "acme-tls/1 $VTG_ALPN_ADDR:443 64"
has "tls-alpn-01: other key authorization" \
  "$(line "$VTG_NAME_ALPN" "select(.expect == \"$KAL.x\") | .reason")" "bad-certificate"
for n in $VTG_NAME_ALPN_BADDIGEST $VTG_NAME_ALPN_NONCRITICAL $VTG_NAME_ALPN_TWOSAN \
  $VTG_NAME_ALPN_WRONGSAN; do
  has "tls-alpn-01 $n" "$(line "$n" '"\(.result) \(.reason)"')" "fail bad-certificate: "
done
has "tls-alpn-01: acme-tls/1 refused" "$(line "$VTG_NAME_ALPN_NOALPN" '.reason')" "-refused\|tls-failure"
expect "tls-alpn-01 IP target: reverse name as SNI, pass" \
  "$(line "$VTG_ALPN_ADDR" '"\(.result) \(.sni)"')" "pass $VTG_NAME_ALPN_IP"

# ---- hijacked remotes: the rogue web server serves another challenge -----
HJ=$VTG_NAME_WEB_HIJACK
hijack r3
printf '%s %s\n' "$HJ" "$KA" | dcv --method http-01
expect "1 of 5 hijacked: pass" "$(line "$HJ" '"\(.result) \(.quorum)"')" "pass 4/5"
expect "1 of 5 hijacked: r3 saw the rogue's" \
  "$(persp "$HJ" r3 '"\(.result) \(.reason) \(.corroborates) \(.hops[0].body | startswith("'"$EVIL"'"))"')" \
  "fail mismatch false true"
hijack r3 r4
printf '%s %s\n' "$HJ" "$KA" | dcv --method http-01
expect "2 of 5 hijacked: enforce denies" "$(line "$HJ" '"\(.result)/\(.reason)"')" \
  "fail/not-corroborated: 3/5 corroborated, 4 needed"
printf '%s %s\n' "$HJ" "$KA" | dcv --method http-01 --mode report-only
expect "2 of 5 hijacked: report-only passes, reports" \
  "$(line "$HJ" '"\(.result) \(.corroborated) \(.not_corroborated)"')" \
  "pass false 3/5 corroborated, 4 needed"
hijack p0
printf '%s %s\n' "$HJ" "$KA" | dcv --method http-01
expect "primary hijacked: fails at the primary" "$(line "$HJ" '"\(.result) \(.reason) \(.corroborated)"')" \
  "fail mismatch null"
hijack

# ---- reverse-lookup (BR 3.2.2.5.3): PTR from every perspective -------------
printf '%s %s\n%s\n%s %s\n%s x.example\n' "$VTG_WEB_ADDR" "$OK" "$VTG_ALPN_ADDR" \
  "$VTG_WEB_HIJACK_ADDR" "$HJ" "198.18.0.33" | dcv --method reverse-lookup
expect "reverse-lookup: pass" "$(line "$VTG_WEB_ADDR" '"\(.result) \(.quorum) \(.seen)"')" \
  "pass 5/5 $OK."
expect "reverse-lookup without a value: the names" \
  "$(line "$VTG_ALPN_ADDR" '"\(.result) \(.seen)"')" "pass $VTG_NAME_ALPN."
expect "reverse-lookup: no PTR" "$(line 198.18.0.33 '.result')" fail
hijack r3
printf '%s %s\n' "$VTG_WEB_HIJACK_ADDR" "$HJ" | dcv --method reverse-lookup
expect "reverse-lookup r3 hijacked: 4/5" "$(line "$VTG_WEB_HIJACK_ADDR" '"\(.result) \(.quorum)"')" "pass 4/5"
has "reverse-lookup r3 hijacked: r3 saw the rogue's PTR" \
  "$(persp "$VTG_WEB_HIJACK_ADDR" r3 '"\(.corroborates) \(.reason)"')" \
  "false mismatch: .*points to evil.example."
hijack

# ---- a web server blackholed for one perspective --------------------------
"$WORLD" webhole r2 on >/dev/null
printf '%s %s\n' "$OK" "$VTG_WEB_KEYAUTH" | dcv --method http-01
"$WORLD" webhole r2 off >/dev/null
expect "webhole r2: still 4/5" "$(line "$OK" '"\(.result) \(.quorum)"')" "pass 4/5"
expect "webhole r2: timeout evidence" \
  "$(persp "$OK" r2 '"\(.result) \(.corroborates) \(.reason | split(":")[0]) \(.hops[0].failure) \(.hops[0].tried)"')" \
  "fail false timeout timeout $VTG_WEB_ADDR:80"

# ---- bad lines: each answered, the run goes on ------------------------------
printf '%s\n' "$OK $VTG_WEB_KEYAUTH" "bad_name!.example x.y" "$OK not-a-key-authorization" \
  "$OK tok/slash.x" "*.$OK $VTG_WEB_KEYAUTH" "$OK" "$(head -c 300 /dev/zero | tr '\0' a).example x.y" |
  dcv --method http-01
expect "bad lines: exit" "$(cat "$T/rc")" 0
expect "bad lines: one line each" "$(wc -l < "$T/out.jsonl")" 7
expect "bad lines: the good one passes" \
  "$(jq -r 'select(.expect? == "'"$VTG_WEB_KEYAUTH"'" and .ascii_name? != null) | .result' "$T/out.jsonl")" pass
expect "bad lines: invalid ones" \
  "$(jq -r 'select(.reason | startswith("invalid-")) | .reason | split(":")[0]' "$T/out.jsonl" | sort | uniq -c | awk '{print $1 $2}' | tr '\n' ' ')" \
  "3invalid-name 3invalid-request "

echo "test_web: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
