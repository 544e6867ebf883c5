#!/usr/bin/env bash
# `vantage lint-root` over Debian's ca-certificates bundle (the Mozilla root
# store, package ca-certificates): real roots of every vintage must all be
# read and reported, and the run must end with 0 or 1 (failed checks are
# expected: many roots predate the current rules), never 2 or a signal.
# usage: test_lint_root_bundle.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
# a sanitizer report must not pass for exit status 1 ("a check failed")
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86"
DIR=/usr/share/ca-certificates/mozilla
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
SRC=$2; . "$SRC/tests/integration/lib.sh" # the same pass / fail helpers, and validate

shopt -s nullglob
files=("$DIR"/*.crt)
if [ ${#files[@]} -eq 0 ]; then
  echo "FAIL: no certificates in $DIR: apt-get install ca-certificates (scripts/setup.sh)" >&2
  exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
certs=$(cat "${files[@]}" | grep -c -- '-----BEGIN CERTIFICATE-----')

for fmt in json text; do
  "$V" lint-root --format "$fmt" "${files[@]}" > "$T/out.$fmt" 2> "$T/err.$fmt"
  rc=$?
  [ "$rc" = 0 ] || [ "$rc" = 1 ] && ok || bad "$fmt: exit $rc: $(tail -5 "$T/err.$fmt")"
  grep -q ' 0 unreadable$' "$T/err.$fmt" && ok || bad "$fmt: unreadable input: $(cat "$T/err.$fmt")"
  ! grep -q 'Sanitizer\|runtime error' "$T/err.$fmt" && ok || bad "$fmt: sanitizer report"
done

n=$(wc -l < "$T/out.json")
[ "$n" = "$certs" ] && ok || bad "$n reports for $certs certificates"
validate lint-root "$T/out.json"
jq -e -s 'all(.[]; (.checks | length) == 12 and (.result | IN("pass", "warning", "fail")))' \
  "$T/out.json" >/dev/null && ok || bad "a report is incomplete"
# every file got its report, in argument order
diff <(printf '%s\n' "${files[@]}") <(jq -r .file "$T/out.json" | uniq) >/dev/null \
  && ok || bad "files reported out of order or missing"
[ "$(grep -c '^  => ' "$T/out.text")" = "$certs" ] && ok || bad "text: not every certificate reported"
# the store's roots are roots: self-issued and verifying with their own key
bad_roots=$(jq -r 'select(.kind != "root" or .self_signed != true) | .file' "$T/out.json")
[ -z "$bad_roots" ] && ok || bad "not self-signed roots: $bad_roots"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
