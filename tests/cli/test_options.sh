#!/usr/bin/env bash
# The run settings on the command line and in a config file go through one
# schema (runner/options.c): the same ranges, the same boolean words, the
# errors name the flag (command line) or FILE:LINE: key (file); --help
# lists every setting. No DNS is needed: runs that get as far as a lookup
# ask a closed port on loopback with a short timeout (a run whose lookups
# all went unanswered exits 3, so 3 is what an accepted setting gives).
# usage: test_options.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
T=$(mktemp -d /tmp/vtg-options.XXXXXX)
trap 'rm -rf "$T"' EXIT
SRC=$2; . "$SRC/tests/integration/lib.sh" # pass / fail helpers, has, validate

R=(--resolver 127.0.0.1:9 --timeout-ms 50 --retries 0 --no-progress)

# ranges: both ends accepted, one past refused, junk refused
for v in 0 7; do
  "$V" caa "${R[@]}" --ca ca.example --retries "$v" a.example > /dev/null 2>&1
  expect "--retries $v accepted" "$?" 3
done
for v in 8 -1 3x +2 ""; do
  err=$("$V" caa "${R[@]}" --ca ca.example --retries "$v" a.example 2>&1 >/dev/null)
  expect "--retries '$v' refused" "$?" 2
done
err=$("$V" caa "${R[@]}" --ca ca.example --retries 8 a.example 2>&1 >/dev/null)
has "range in the message" "$err" "vantage: --retries: out of range (0 to 7)"
err=$("$V" query "${R[@]}" --window 0 a.example 2>&1 >/dev/null)
has "--window 0" "$err" "--window: out of range"

# booleans: the eight words, alone, and anything else refused
for w in yes no true false on off 1 0 YES Off; do
  "$V" query "${R[@]}" --dnssec-ok="$w" a.example > /dev/null 2>&1
  expect "--dnssec-ok=$w accepted" "$?" 3
done
"$V" query "${R[@]}" --qname-0x20 a.example > /dev/null 2>&1
expect "a boolean alone means yes" "$?" 3
err=$("$V" query "${R[@]}" --qname-0x20=maybe a.example 2>&1 >/dev/null)
expect "--qname-0x20=maybe refused" "$?" 2
has "boolean words in the message" "$err" "not a boolean (yes or no"

# the same checks in a config file, with FILE:LINE: key
printf '[engine]\ntimeout-ms = 50\ndnssec-ok = maybe\n[perspective p]\nresolver = 127.0.0.1:9\n' \
  > "$T/bool.conf"
err=$("$V" query --config "$T/bool.conf" --no-progress a.example 2>&1 >/dev/null)
expect "file: bad boolean refused" "$?" 2
has "file: FILE:LINE: key" "$err" "$T/bool.conf:3: dnssec-ok: not a boolean"
printf '[engine]\nretries = 8\n[perspective p]\nresolver = 127.0.0.1:9\n' > "$T/range.conf"
err=$("$V" query --config "$T/range.conf" --no-progress a.example 2>&1 >/dev/null)
has "file: range, same words as the flag" "$err" "$T/range.conf:2: retries: out of range (0 to 7)"
for w in yes no true false on off 1 0; do
  printf '[engine]\ntimeout-ms = 50\nretries = 0\ndnssec-ok = %s\n[perspective p]\nresolver = 127.0.0.1:9\n' \
    "$w" > "$T/ok.conf"
  "$V" query --config "$T/ok.conf" --no-progress a.example > /dev/null 2>&1
  expect "file: dnssec-ok = $w accepted" "$?" 3
done
# a flag wins over the file whatever the order on the command line
"$V" query --retries 0 --config "$T/range.conf" --no-progress a.example > /dev/null 2>&1
expect "file refused before flags apply" "$?" 2
printf '[engine]\ntimeout-ms = 50\nretries = 3\n[perspective p]\nresolver = 127.0.0.1:9\n' \
  > "$T/three.conf"
line=$("$V" query --retries 0 --config "$T/three.conf" --no-progress a.example 2>/dev/null)
has "flag before --config still wins (one try)" "$line" '"tries":1,'
validate query <(printf '%s\n' "$line")

# settings that make no sense for the command are refused
"$V" query "${R[@]}" --mode enforce a.example > /dev/null 2>&1
expect "query --mode refused" "$?" 2
"$V" dcv "${R[@]}" --method dns-01 --lookup-failure-exception a.example x > /dev/null 2>&1
expect "dcv --lookup-failure-exception refused" "$?" 2

# --help lists every [engine] key of the README's configuration section
help=$("$V" caa --help)
for k in timeout-ms retries slots upstream-inflight rate-qps workers udp-size dnssec-ok \
  root-hints trust-anchor cache-mb qname-0x20 mode min-remotes window lookup-failure-exception; do
  has "--help lists --$k" "$help" "  --$k"
done

echo "test_options: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
