#!/usr/bin/env bash
# End-to-end tests of `vantage eval` over tests/cli/zones: the JSON contract
# (docs/rules.md section 0), every input answered in order, exit codes.
# usage: test_eval.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
SRC=$2
Z="--zone $SRC/tests/cli/zones/caa.test.zone --zone $SRC/tests/cli/zones/other.test.zone"
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
. "$SRC/tests/integration/lib.sh"; LINES=$(mktemp); trap 'rm -f "$LINES"' EXIT # validate: every line eval wrote

# check NAME FIELD EXPECTED [extra eval args...]
check() {
  local name=$1 filter=$2 want=$3
  shift 3
  local got
  got=$("$V" eval $Z --ca ca.example "$@" -- "$name" 2>/dev/null | tee -a "$LINES" | jq -r "$filter")
  if [ "$got" = "$want" ]; then ok; else bad "$name: $filter = '$got', want '$want'"; fi
}

check www.caa.test .decision permit
check www.caa.test .reason authorized
check www.caa.test .relevant_owner caa.test
check www.caa.test '.records[0]' '0 issue "ca.example"'
check WWW.CAA.TEST. .ascii_name www.caa.test
check WWW.CAA.TEST. .name WWW.CAA.TEST.
check x.y.parentonly.caa.test .reason 'not-authorized: issue: issuer not listed'
check x.y.parentonly.caa.test .relevant_owner parentonly.caa.test
check x.y.parentonly.caa.test '.queries | length' 3
check empty.caa.test .decision deny
check '*.wild.caa.test' .reason 'not-authorized: issuewild: empty issuer, no CA may issue'
check '*.wild.caa.test' .wildcard true
check a.wild.caa.test .reason authorized
# CNAME into another zone: the target's CAA is the set; the owner is the climbed name
check alias.caa.test '.reason | split(":")[0]' not-authorized
check alias.caa.test .relevant_owner alias.caa.test
check alias.caa.test '.queries[0].aliases' 1
check loop1.caa.test .decision deny
check loop1.caa.test .reason 'lookup-failure: cname-loop at loop1.caa.test (not retried)'
# DNAME rewrites www.dn.caa.test to www.other.test (which authorises ca.example)
check www.dn.caa.test .reason authorized
check www.dn.caa.test .relevant_owner www.dn.caa.test
check crit.caa.test .reason 'critical-unknown: tag=tbs'
check hyphen.caa.test .reason authorized
check broken.caa.test .decision deny
check 'broken.caa.test' '.reason | startswith("lookup-failure")' true
check mixed.caa.test .reason authorized
check acct.caa.test .decision deny
check acct.caa.test .decision permit --account-uri https://ca.example/acct/1
check nothing.nowhere .reason no-caa
check nothing.nowhere .relevant_owner null
check bad_name.caa.test .reason "invalid-name: character not allowed in a host name: '_'"
check bad_name.caa.test .ascii_name null
check 'bücher.other.test' .ascii_name xn--bcher-kva.other.test

# every stdin line answered, in order, garbage included
out=$(printf 'www.caa.test\n\nbad..name\n%s\n\xff\xfe\nempty.caa.test\n' "$(head -c 300 /dev/zero | tr '\0' a)" \
  | "$V" eval $Z --ca ca.example 2>/dev/null)
rc=$?
[ $rc -eq 0 ] && ok || bad "stdin run exit $rc"
printf '%s\n' "$out" >> "$LINES"
n=$(printf '%s\n' "$out" | wc -l)
[ "$n" -eq 6 ] && ok || bad "stdin: $n lines, want 6"
order=$(printf '%s\n' "$out" | jq -r .decision | tr '\n' ' ')
[ "$order" = "permit deny deny deny deny deny " ] && ok || bad "stdin order: $order"
printf '%s\n' "$out" | jq -e . >/dev/null && ok || bad "stdin: invalid JSON"
printf '%s\n' "$out" | sed -n 5p | jq -e '.name == "\ufffd\ufffd"' >/dev/null && ok || bad "invalid UTF-8 not replaced"

# usage and configuration errors exit 2, naming the file
"$V" eval --ca ca.example www.caa.test >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "no --zone: exit not 2"
err=$("$V" eval --zone /nonexistent.zone --ca ca.example x 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && ok || bad "missing zone file: exit $rc"
case "$err" in *nonexistent.zone*) ok ;; *) bad "missing zone file not named: $err" ;; esac
tmp=$(mktemp)
printf '$ORIGIN bad.test.\n@ SOA ns h 1 2 3 4 5\n@ CAA 0 issue\nthis is not a record\n' > "$tmp"
err=$("$V" eval --zone "$tmp" --ca ca.example x 2>&1 >/dev/null); rc=$?
rm -f "$tmp"
[ $rc -eq 2 ] && ok || bad "bad zone: exit $rc"
case "$err" in *:[0-9]*) ok ;; *) bad "bad zone error has no line: $err" ;; esac
"$V" eval $Z --ca ca.example --compat nonsense x >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "bad --compat accepted"
validate eval "$LINES"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
