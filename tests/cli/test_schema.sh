#!/usr/bin/env bash
# The JSON Schemas of the command's lines (docs/schema) and their validator
# (tests/schema/validate.py): the lines vantage writes offline are accepted
# (eval over the test zones, lint-root over a certificate made here, caa /
# dcv / query against a closed port on loopback, one and several
# perspectives, invalid names; the web methods offline, and real web lines
# kept in tests/schema/fixtures); a wrong type, a missing required field and
# an unknown key are each refused with FILE:LINE: path: message and exit 1;
# usage errors exit 2. The fields being added elsewhere (zone_dnssec,
# server, source, reason interrupted, failure unreachable) are accepted.
# usage: test_schema.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
SRC=$2
T=$(mktemp -d /tmp/vtg-schema.XXXXXX)
trap 'rm -rf "$T"' EXIT
# shellcheck disable=SC1091
. "$SRC/tests/integration/lib.sh"
VP=$SRC/tests/schema/validate.py
# refused KIND FILE PATTERN: exit 1 and a complaint matching PATTERN
refused() {
  local out rc
  out=$(python3 "$VP" "$1" "$2" 2>&1); rc=$?
  if [ "$rc" = 1 ] && grep -Eq -- "$3" <<<"$out"; then ok
  else bad "$1 $(basename "$2"): exit $rc, want 1 and /$3/: $out"; fi
}
# mutate KIND FILE JQ NAME: the first line of FILE changed by JQ into $T/NAME
mutate() { head -n 1 "$2" | jq -c "$3" > "$T/$4"; }

R=(--resolver 127.0.0.1:9 --timeout-ms 50 --retries 0 --no-progress)
printf '[engine]\ntimeout-ms = 50\nretries = 0\n[perspective p0]\nresolver = 127.0.0.1:9\n[perspective r1]\nrir = ARIN\nresolver = 127.0.0.1:9\n' \
  > "$T/two.conf"
# iterative perspectives whose root is a closed port on loopback: an MPIC
# run (the primary validates) that fails fast, offline
printf '.  3600000 NS a.root.test.\na.root.test. 3600000 A 127.0.0.1\n' > "$T/hints"
{
  printf '[engine]\ntimeout-ms = 50\nretries = 0\nroot-hints = %s\n' "$T/hints"
  printf '[perspective p0]\nmode = iterative\n[perspective r1]\nrir = ARIN\nmode = iterative\n'
  printf '[perspective r2]\nrir = RIPE NCC\nmode = iterative\n[perspective r3]\nrir = APNIC\nresolver = 127.0.0.1:9\n'
} > "$T/mpic.conf"

# ---- the real lines are accepted ------------------------------------------
Z="--zone $SRC/tests/cli/zones/caa.test.zone --zone $SRC/tests/cli/zones/other.test.zone"
{ echo www.caa.test; awk '!/^[;$ \t@]/ && NF { print $1 ".caa.test" }' "$SRC/tests/cli/zones/caa.test.zone" | sort -u; } \
  > "$T/names" # the first line a full one: the mutations below start from it
printf '*.wild.caa.test\nx.y.parentonly.caa.test\nbad..name\nbad_name.caa.test\nbücher.other.test\nnothing.nowhere\n\n\xff\xfe\n' \
  >> "$T/names"
"$V" eval $Z --ca ca.example < "$T/names" > "$T/eval.jsonl" 2>/dev/null
"$V" eval $Z --ca ca.example --account-uri https://ca.example/acct/1 --compat boulder \
  < "$T/names" >> "$T/eval.jsonl" 2>/dev/null
expect "eval lines" "$(wc -l < "$T/eval.jsonl")" $(($(wc -l < "$T/names") * 2))
validate eval "$T/eval.jsonl"

"$V" caa "${R[@]}" --ca ca.example example.com '*.example.com' bad..name > "$T/caa.jsonl" 2>/dev/null
"$V" caa --config "$T/mpic.conf" --min-remotes 2 --no-progress --ca ca.example example.com bad..name \
  >> "$T/caa.jsonl" 2>/dev/null
expect "caa lines" "$(wc -l < "$T/caa.jsonl")" 5
expect "caa: an MPIC line" "$(jq -r 'select(.mpic) | .perspectives[1].role' "$T/caa.jsonl")" remote
validate caa "$T/caa.jsonl"

printf 'example.com token-token-token\nbad..name x\nexample.org\n\n' \
  | "$V" dcv "${R[@]}" --method dns-01 > "$T/dcv.jsonl" 2>/dev/null
"$V" dcv "${R[@]}" --method contact-email example.com >> "$T/dcv.jsonl" 2>/dev/null
"$V" dcv --config "$T/mpic.conf" --min-remotes 2 --mode report-only --no-progress --method dns-change \
  --expect abc example.com >> "$T/dcv.jsonl" 2>/dev/null
expect "dcv lines (the blank one skipped)" "$(wc -l < "$T/dcv.jsonl")" 5
validate dcv "$T/dcv.jsonl"
# the web methods offline: a name whose lookup fails, an IP literal on
# loopback (port 80 / 443 refused, or whatever answers there), invalid lines;
# one and several perspectives
W=(--http-connect-timeout-ms 200 --http-timeout-ms 500)
printf 'example.com tok.thumb\n127.0.0.1 tok.thumb\n*.example.com tok.thumb\nexample.org\nexample.net no-dot\n' \
  | "$V" dcv "${R[@]}" "${W[@]}" --method http-01 > "$T/web.jsonl" 2>/dev/null
"$V" dcv "${R[@]}" "${W[@]}" --method website-change --http-path f.txt --scheme https --expect rv \
  example.com ::1 >> "$T/web.jsonl" 2>/dev/null
"$V" dcv "${R[@]}" "${W[@]}" --method tls-alpn-01 --expect tok.thumb example.com 127.0.0.1 \
  >> "$T/web.jsonl" 2>/dev/null
"$V" dcv --config "$T/mpic.conf" "${W[@]}" --min-remotes 2 --mode report-only --no-progress \
  --method http-01 --expect tok.thumb example.com 127.0.0.1 >> "$T/web.jsonl" 2>/dev/null
expect "web dcv lines" "$(wc -l < "$T/web.jsonl")" 11
expect "web dcv: an IP target, hops" "$(jq -r 'select(.ip == "127.0.0.1" and .mpic == null and .url != null)
  | "\(.dnssec) \(.perspectives[0].hops[0].addresses[0])"' "$T/web.jsonl")" "null 127.0.0.1"
expect "web dcv: an MPIC line" "$(jq -r 'select(.mpic and .ip) | .perspectives[1].role' "$T/web.jsonl")" remote
validate dcv "$T/web.jsonl"
# real lines from a namespace with loopback web servers (passes, redirects,
# https, acme-tls/1, MPIC), which need root and a network namespace to make
validate dcv "$SRC/tests/schema/fixtures/dcv-web.jsonl"

"$V" query "${R[@]}" -t A example.com bad..name '' > "$T/query.jsonl" 2>/dev/null
"$V" query --config "$T/two.conf" --no-progress -t TXT example.com >> "$T/query.jsonl" 2>/dev/null
"$V" query --config "$T/mpic.conf" --no-progress -t CAA example.com >> "$T/query.jsonl" 2>/dev/null
expect "query lines (the empty name skipped)" "$(wc -l < "$T/query.jsonl")" 4
validate query "$T/query.jsonl"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k.pem" \
  -subj "/O=Schema Test/CN=Schema Test Root" -days 4000 -out "$T/root.pem" 2>/dev/null
"$V" lint-root "$T/root.pem" "$T/root.pem" > "$T/lint-root.jsonl" 2>/dev/null
expect "lint-root lines" "$(wc -l < "$T/lint-root.jsonl")" 2
validate lint-root "$T/lint-root.jsonl"

# ---- the fields being added are accepted ----------------------------------
C=$T/caa.jsonl
mutate caa <(sed -n 4p "$C") '.zone_dnssec = "secure" | .perspectives[].zone_dnssec = "insecure"
  | .perspectives[].source = "192.0.2.1" | .perspectives[].queries[].server = "192.0.2.53"
  | .perspectives[0].queries[0].server = null | .perspectives[1].queries[0].failure = "unreachable"
  | .reason = "interrupted" | .perspectives[2].reason = "interrupted: cut short"' caa-new.jsonl
validate caa "$T/caa-new.jsonl"
mutate eval "$T/eval.jsonl" '.queries[0].server = "192.0.2.53"' eval-new.jsonl
validate eval "$T/eval-new.jsonl"
mutate dcv <(tail -n 1 "$T/dcv.jsonl") '.zone_dnssec = "bogus"
  | (.perspectives[] | select(.cancelled | not)).zone_dnssec = "secure"
  | (.perspectives[] | select(.cancelled | not)).server = "192.0.2.53"
  | .perspectives[].source = "192.0.2.1"
  | .perspectives[0].failure = "unreachable" | .reason = "interrupted"' dcv-new.jsonl
validate dcv "$T/dcv-new.jsonl"
mutate query <(tail -n 1 "$T/query.jsonl") '.server = "192.0.2.53" | .source = "192.0.2.1"
  | .perspectives[].server = null | .perspectives[].source = "192.0.2.1" | .error = "unreachable"' \
  query-new.jsonl
validate query "$T/query-new.jsonl"

# ---- wrong type, missing required field, unknown key: refused -------------
mutate eval "$T/eval.jsonl" '.wildcard = "no"' bad-type.jsonl
refused eval "$T/bad-type.jsonl" 'bad-type.jsonl:1: /wildcard: .* is not of type'
mutate eval "$T/eval.jsonl" 'del(.decision)' bad-missing.jsonl
refused eval "$T/bad-missing.jsonl" "bad-missing.jsonl:1: /: 'decision' is a required property"
mutate eval "$T/eval.jsonl" '.queries[0].colour = "blue"' bad-key.jsonl
refused eval "$T/bad-key.jsonl" "bad-key.jsonl:1: /queries/0: Additional properties .*'colour'"
mutate caa <(sed -n 4p "$C") '.perspectives[1].corroborates = 1' bad-caa.jsonl
refused caa "$T/bad-caa.jsonl" '/perspectives/1/corroborates: (1 is not of type|False was expected)'
mutate caa <(sed -n 4p "$C") '.decision = "permit"' bad-decision.jsonl
refused caa "$T/bad-decision.jsonl" '/reason: '
mutate dcv <(head -n 1 "$T/dcv.jsonl") '.result = "maybe"' bad-result.jsonl
refused dcv "$T/bad-result.jsonl" "/result: 'maybe' is not one of"
mutate dcv <(head -n 1 "$T/dcv.jsonl") '.dnssec = "validated"' bad-dnssec.jsonl
refused dcv "$T/bad-dnssec.jsonl" "/dnssec: 'validated' is not one of"
# web lines: a hop failure word outside engine/web.h, a DNS field, an IP
# target with a DNSSEC state, an SNI on an http-01 hop
F=$SRC/tests/schema/fixtures/dcv-web.jsonl
mutate dcv "$F" '.perspectives[0].hops[0].failure = "ok"' bad-web-failure.jsonl
refused dcv "$T/bad-web-failure.jsonl" "/perspectives/0/hops/0/failure: 'ok' is not one of"
mutate dcv "$F" '.query = "_acme-challenge.www.web.test"' bad-web-query.jsonl
refused dcv "$T/bad-web-query.jsonl" 'False schema does not allow'
mutate dcv <(sed -n 6p "$F") '.dnssec = "insecure"' bad-web-dnssec.jsonl
refused dcv "$T/bad-web-dnssec.jsonl" '/dnssec: None was expected'
mutate dcv "$F" '.perspectives[0].hops[1].sni = "www.web.test"' bad-web-sni.jsonl
refused dcv "$T/bad-web-sni.jsonl" '/perspectives/0/hops/1: '
mutate dcv "$F" '.reason = "no-record"' bad-web-reason.jsonl
refused dcv "$T/bad-web-reason.jsonl" '/reason: .* does not match'
mutate query <(head -n 1 "$T/query.jsonl") 'del(.tries)' bad-query.jsonl
refused query "$T/bad-query.jsonl" "'tries' is a required property"
mutate lint-root "$T/lint-root.jsonl" '.checks[0].result = "ok"' bad-lint.jsonl
refused lint-root "$T/bad-lint.jsonl" "/checks/0/result: 'ok' is not one of"
# the reason's form: a code, then ": " and words
mutate eval "$T/eval.jsonl" '.reason = "Authorized"' bad-reason.jsonl
refused eval "$T/bad-reason.jsonl" '/reason: .* does not match'
# not JSON, and the line number of the bad line among good ones
{ head -n 2 "$T/eval.jsonl"; echo 'not json'; } > "$T/bad-json.jsonl"
refused eval "$T/bad-json.jsonl" 'bad-json.jsonl:3: /: not a JSON line'
{ cat "$T/eval.jsonl" "$T/bad-key.jsonl"; } > "$T/bad-last.jsonl"
refused eval "$T/bad-last.jsonl" "bad-last.jsonl:$(($(wc -l < "$T/eval.jsonl") + 1)): /queries/0"
# a failure in one of several files
python3 "$VP" eval "$T/eval.jsonl" "$T/bad-key.jsonl" > /dev/null 2>&1
expect "a bad file among good ones: exit" "$?" 1
# validate (lib.sh) counts a bad file as a failure
before=$fail
validate eval "$T/bad-key.jsonl" 2>/dev/null
expect "validate counts a bad file" "$((fail - before))" 1
fail=$before

# ---- usage --------------------------------------------------------------
python3 "$VP" > /dev/null 2>&1
expect "no arguments: exit" "$?" 2
python3 "$VP" eval > /dev/null 2>&1
expect "no file: exit" "$?" 2
python3 "$VP" summary "$T/eval.jsonl" > /dev/null 2>&1
expect "unknown kind: exit" "$?" 2
python3 "$VP" eval "$T/missing.jsonl" > /dev/null 2>&1
expect "missing file: exit" "$?" 2
: > "$T/empty.jsonl"
python3 "$VP" eval "$T/empty.jsonl"
expect "an empty file: exit" "$?" 0
# every schema is a valid draft 2020-12 schema with additionalProperties
# false on its top-level object
for s in "$SRC"/docs/schema/*.schema.json; do
  python3 -c 'import json, sys, jsonschema
s = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(s)
assert s["$schema"].endswith("2020-12/schema") and s["additionalProperties"] is False' "$s" \
    && ok || bad "$(basename "$s"): not a valid 2020-12 schema"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
