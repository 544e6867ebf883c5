# lib.sh — what every integration driver shares: the pass / fail counters
# and their helpers. Source it after SRC is set:
#   . "$SRC/tests/integration/lib.sh"
# and end the driver with `echo "N passed, M failed"` from $pass / $fail.
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect() { # description actual wanted
  if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}
has() { # description text wanted-substring
  if grep -q -- "$3" <<<"$2"; then ok; else bad "$1: no '$3' in: $2"; fi
}
# var PERSPECTIVE FIELD: a field of the world's description (world.env),
# e.g. `var p0 NETNS` is $VTG_P0_NETNS
var() { eval "echo \${VTG_$(echo "$1" | tr a-z A-Z)_$2}"; }
# validate KIND FILE...: every line of the FILEs (what `vantage KIND`
# wrote on stdout) matches docs/schema/KIND.schema.json
# (tests/schema/validate.py); its complaints go to stderr with the FAIL
validate() {
  local out
  if out=$(python3 "$SRC/tests/schema/validate.py" "$@" 2>&1); then ok
  else bad "schema $1: ${*:2}: $(printf '%s\n' "$out" | head -5)"; fi
}
