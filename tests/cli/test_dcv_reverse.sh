#!/usr/bin/env bash
# `vantage dcv --method reverse-lookup` (BR 3.2.2.5.3) through the command:
# the target is an IP literal (IPv4, IPv6 in any spelling) whose reverse
# name is queried for PTR; the line keeps the name as given, ascii_name is
# the canonical address, query the in-addr.arpa / full-nibble ip6.arpa
# name; a target that is no IP literal, or an empty-or-root expected name,
# is an invalid-request line; the lines match docs/schema/dcv.schema.json.
# --help and the bad-method error name the method. No DNS is needed: the
# lookups ask a closed port on loopback (the answers themselves are checked
# by tests/unit/runner/test_api.c and tests/replay/scenarios/dcv_reverse.rpl).
# usage: test_dcv_reverse.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
SRC=$2
T=$(mktemp -d /tmp/vtg-reverse.XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/integration/lib.sh" # pass / fail helpers, has, validate

R=(--resolver 127.0.0.1:9 --timeout-ms 50 --retries 0 --no-progress)
printf '%s\n' '192.0.2.1 host.example.test' '2001:DB8:0::1' 'example.com x' '10.0.0.1 .' \
  '[2001:db8::1]' '192.0.2.01' '::ffff:192.0.2.1 Host.Example.Test.' \
  | "$V" dcv "${R[@]}" --method reverse-lookup > "$T/out.jsonl" 2>/dev/null
expect "exit: no lookup got an answer" "$?" 3
expect "one line per input line" "$(wc -l < "$T/out.jsonl")" 7
line() { sed -n "$1p" "$T/out.jsonl" | jq -r "$2"; }

expect "v4: name as given" "$(line 1 .name)" 192.0.2.1
expect "v4: query" "$(line 1 .query)" 1.2.0.192.in-addr.arpa
expect "v4: qtype" "$(line 1 .qtype)" PTR
expect "v4: expect" "$(line 1 .expect)" host.example.test
expect "v4: method" "$(line 1 .method)" reverse-lookup
has "v4: a lookup failure, not an invalid line" "$(line 1 .reason)" "^lookup-failure"
expect "v6: name as given" "$(line 2 .name)" 2001:DB8:0::1
expect "v6: canonical address" "$(line 2 .ascii_name)" 2001:db8::1
expect "v6: query, 32 nibbles" "$(line 2 .query)" \
  1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa
expect "v6: no expected value" "$(line 2 'has("expect")')" false
NOT_IP="invalid-request: DCV target is not an IPv4 or IPv6 address literal"
expect "a name is no target" "$(line 3 .reason)" "$NOT_IP"
expect "a name is no target: name kept" "$(line 3 .name)" example.com
has "the root is no expected name" "$(line 4 .reason)" "^invalid-request: "
expect "brackets refused" "$(line 5 .reason)" "$NOT_IP"
expect "a leading zero refused (octal?)" "$(line 6 .reason)" "$NOT_IP"
expect "v4-mapped v6: ip6.arpa" "$(line 7 .query)" \
  1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa
validate dcv "$T/out.jsonl"

# the compact line and several perspectives (corroboration mode): same query
{
  printf '[engine]\ntimeout-ms = 50\nretries = 0\n[perspective p0]\nresolver = 127.0.0.1:9\n'
  printf '[perspective r1]\nrir = ARIN\nresolver = 127.0.0.1:9\n'
  printf '[perspective r2]\nrir = RIPE NCC\nresolver = 127.0.0.1:9\n'
} > "$T/three.conf"
"$V" dcv --config "$T/three.conf" --mode report-only --min-remotes 2 --no-progress \
  --method reverse-lookup 198.51.100.7 > "$T/mpic.jsonl" 2>/dev/null
expect "mpic: query" "$(jq -r .query "$T/mpic.jsonl")" 7.100.51.198.in-addr.arpa
expect "mpic: every perspective asked" "$(jq -r '.perspectives | length' "$T/mpic.jsonl")" 3
expect "mpic: nothing to corroborate" "$(jq -r .corroborated "$T/mpic.jsonl")" null
validate dcv "$T/mpic.jsonl"
"$V" dcv "${R[@]}" --format compact --method reverse-lookup 192.0.2.1 nothing 2>/dev/null \
  > "$T/compact.jsonl"
expect "compact: two lines" "$(wc -l < "$T/compact.jsonl")" 2
has "compact: the invalid one" "$(sed -n 2p "$T/compact.jsonl")" "invalid-request"

# --expect for the whole run must be a name (not the root)
err=$("$V" dcv "${R[@]}" --method reverse-lookup --expect . 192.0.2.1 2>&1 >/dev/null)
expect "--expect . refused" "$?" 2
has "--expect . names the method" "$err" "reverse-lookup: "

help=$("$V" dcv --help 2>&1)
has "--help lists the method" "$help" "reverse-lookup, http-01, website-change, tls-alpn-01 (required)"
has "--help says what the target is" "$help" "reverse-lookup takes"
err=$("$V" dcv "${R[@]}" --method reverse 192.0.2.1 2>&1 >/dev/null)
expect "unknown method: exit" "$?" 2
has "unknown method: the list names it" "$err" "reverse-lookup, http-01, website-change or tls-alpn-01"

echo "test_dcv_reverse: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
