#!/usr/bin/env bash
# The open-mpic answers vantage encodes (mpic/openmpic.c, printed by the
# vtg-openmpic-samples program built next to `vantage`) validate against the
# component schemas of open-mpic's OpenAPI description, the copy committed in
# tests/data/openmpic (tests/schema/openmpic_validate.py converts it and
# lists where it follows open-mpic-core instead). The validator must also
# refuse: a wrong type, a missing required field, a DCV details of no known
# shape, and an unknown component, each with exit 1.
# usage: test_openmpic_schema.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
SRC=$2
B=$(cd "$(dirname "$V")" && pwd)
S=$B/vtg-openmpic-samples
VP=$SRC/tests/schema/openmpic_validate.py
SPEC=$SRC/tests/data/openmpic/openapi.yaml
T=$(mktemp -d /tmp/vtg-omschema.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

if ! python3 -c 'import yaml, jsonschema' 2>/dev/null; then
	echo "FAIL: python3-yaml / python3-jsonschema missing (scripts/setup.sh installs them)" >&2
	exit 1
fi
[ -x "$S" ] || { echo "FAIL: $S not built" >&2; exit 1; }

"$S" > "$T/samples" || bad "vtg-openmpic-samples failed"
n=$(wc -l < "$T/samples")
[ "$n" -ge 16 ] && ok || bad "only $n samples"
for kind in CheckResponseCAA CheckResponseDCV CAAResponse DCVResponse; do
	grep -q "^$kind	" "$T/samples" && ok || bad "no $kind sample"
done
out=$(python3 "$VP" "$SPEC" "$T/samples" 2>&1) && ok || bad "samples refused: $out"

# refused PATTERN SED-EXPRESSION: the first line of a kind changed must fail
refused() {
	local kind=$1 expr=$2 want=$3 out rc
	grep -m1 "^$kind	" "$T/samples" | sed -e "$expr" > "$T/mut"
	if cmp -s "$T/mut" <(grep -m1 "^$kind	" "$T/samples"); then
		bad "mutation $expr changed nothing"
		return
	fi
	out=$(python3 "$VP" "$SPEC" "$T/mut" 2>&1); rc=$?
	if [ "$rc" = 1 ] && grep -Eq -- "$want" <<<"$out"; then ok
	else bad "$kind $expr: exit $rc, want 1 and /$want/: $out"; fi
}
refused CheckResponseCAA 's/"check_passed":true/"check_passed":"yes"/' "check_passed"
refused CheckResponseCAA 's/"timestamp_ns":[0-9]*,//' "timestamp_ns"
refused CheckResponseDCV 's/"response_code":0/"response_code":"NOERROR"/' "details"
refused CheckResponseDCV 's/"records_seen"/"records"/' "details"
refused CAAResponse 's/"is_valid":true/"is_valid":1/' "is_valid"
refused DCVResponse 's/"validation_method":"dns-change","challenge_value"/"validation_method":"dns-change","challenge"/' "dcv_check_parameters"
printf 'NoSuchThing\t{}\n' > "$T/mut"
python3 "$VP" "$SPEC" "$T/mut" >/dev/null 2>&1; [ $? = 1 ] && ok || bad "unknown component accepted"
python3 "$VP" >/dev/null 2>&1; [ $? = 2 ] && ok || bad "usage error not exit 2"

echo "test_openmpic_schema: $pass passed, $fail failed"
[ "$fail" = 0 ]
