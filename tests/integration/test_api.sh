#!/usr/bin/env bash
# The 0.2 C API in the real world: install the build into a temporary prefix,
# build examples/resolve.c (a resolver backend on vtg_engine_fd) and
# tests/integration/api_world.c (every kind through one engine) against the
# INSTALLED library with pkg-config, then run them against the DNS world:
#   1. resolve in stub mode through p0's validating unbound (run inside vtg-p0,
#      where that unbound listens): secure, insecure, bogus (unbound says
#      SERVFAIL with EDE 6, which the stub reports as bogus), NXDOMAIN, CAA;
#      a server that drops everything (exit 1); usage errors (exit 2)
#   2. resolve in iterative mode with a one-perspective --config (root hints,
#      trust anchor): the engine validates itself, so bogus.vtest is bogus
#   3. api_world: a CAA check, a DCV check and queries through one engine on
#      the five-perspective config, corroborated 5/5
# usage: test_api.sh VANTAGE_BINARY SOURCE_DIR SPOOFER (SPOOFER unused)
set -u
V=$1
SRC=$(cd "$2" && pwd)
BUILD=$(dirname "$V")
WORLD=$SRC/tests/world/world.sh
# shellcheck disable=SC1090
. <("$WORLD" env)
T=$(mktemp -d /tmp/vtg-api.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
# shellcheck disable=SC1091
. "$SRC/tests/integration/lib.sh"

# ---- build both programs against the installed library ------------------
SAN= # a sanitizer build's library needs its runtime in the program too
grep -q '^VTG_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null && SAN="-fsanitize=address,undefined"
cmake --install "$BUILD" --prefix "$T/prefix" > "$T/install.log" 2>&1
expect "install" "$?" 0
PCDIR=$(dirname "$(find "$T/prefix" -name vantage.pc | head -1)")
pc() { PKG_CONFIG_PATH=$PCDIR pkg-config "$@" vantage; }
for prog in examples/resolve.c tests/integration/api_world.c; do
  out=$T/$(basename "$prog" .c)
  # shellcheck disable=SC2046
  cc -std=gnu11 -Wall -Wextra -Werror $SAN -o "$out" "$SRC/$prog" $(pc --cflags --libs) \
    -Wl,-rpath,"$(pc --variable=libdir)" 2> "$T/cc.log"
  expect "$(basename "$prog") built against the installed library" "$?" 0
  [ -s "$T/cc.log" ] && cat "$T/cc.log" >&2
done

# block FILE NAME TYPE: the header line of that pair and its record lines
block() {
  awk -v n="$2" -v t="$3" '
    /^  / { if (on) print; next }
    { on = ($1 == n && $2 == t); if (on) print }' "$1"
}
# head4 FILE NAME TYPE: "RCODE DNSSEC N" of the pair
head4() { block "$@" | head -1 | cut -d' ' -f3-; }
# records_agree FILE NAME TYPE: the count N equals the record lines printed
records_agree() {
  local b n
  b=$(block "$@")
  n=$(head -1 <<<"$b" | cut -d' ' -f5)
  expect "$4: $2 $3 prints N=$n records" "$(tail -n +2 <<<"$b" | grep -c '^  ')" "$n"
}
has_record() { # FILE NAME TYPE REGEX DESCRIPTION
  if block "$1" "$2" "$3" | tail -n +2 | grep -Eq "$4"; then ok; else bad "$5: no record like /$4/ in: $(block "$1" "$2" "$3")"; fi
}

NX=$VTG_NAME_NXDOMAIN
SEC=$VTG_NAME_SECURE
WWW=$VTG_NAME_SECURE_NODATA # www.secure.vtest: NODATA for CAA, but it has an A
INS=$VTG_NAME_INSECURE_CHILD
BOG=$VTG_NAME_BOGUS
PAIRS=("$WWW" A "$INS" A "$BOG" CAA "$NX" A "$SEC" CAA "$VTG_NAME_UNSIGNED_TLD" TYPE257)
ADDR='[[:space:]]A[[:space:]]+198\.18\.0\.250$'
ISSUE="^  $SEC\\.[[:space:]].*CAA[[:space:]]+0 issue \"secure-ca\\.vtg\""

# ---- 1. stub mode through p0's unbound -----------------------------------
"$WORLD" flush p0 >/dev/null 2>&1
ip netns exec "$VTG_P0_NETNS" "$T/resolve" --resolver "$VTG_P0_UNBOUND:53" "${PAIRS[@]}" \
  > "$T/stub.txt" 2> "$T/stub.err"
expect "stub: exit 0 (every pair answered)" "$?" 0
expect "stub: one header per pair, in input order" \
  "$(grep -v '^  ' "$T/stub.txt" | cut -d' ' -f1,2 | tr '\n' ' ')" \
  "$WWW A $INS A $BOG CAA $NX A $SEC CAA $VTG_NAME_UNSIGNED_TLD TYPE257 "
expect "stub: secure A" "$(head4 "$T/stub.txt" "$WWW" A | cut -d' ' -f1,2)" "NOERROR secure"
has_record "$T/stub.txt" "$WWW" A "^  $WWW\\.[[:space:]].*$ADDR" "stub: secure A record"
expect "stub: insecure A" "$(head4 "$T/stub.txt" "$INS" A | cut -d' ' -f1,2)" "NOERROR insecure"
has_record "$T/stub.txt" "$INS" A "^  $INS\\.[[:space:]].*$ADDR" "stub: insecure A record"
expect "stub: bogus through a validating resolver" "$(head4 "$T/stub.txt" "$BOG" CAA)" "SERVFAIL bogus 0"
expect "stub: NXDOMAIN in a signed zone" "$(head4 "$T/stub.txt" "$NX" A)" "NXDOMAIN secure 0"
expect "stub: secure CAA" "$(head4 "$T/stub.txt" "$SEC" CAA | cut -d' ' -f1,2)" "NOERROR secure"
has_record "$T/stub.txt" "$SEC" CAA "$ISSUE" "stub: CAA issue property"
expect "stub: TYPE257 under the unsigned TLD" \
  "$(head4 "$T/stub.txt" "$VTG_NAME_UNSIGNED_TLD" TYPE257 | cut -d' ' -f1,2)" "NOERROR insecure"
has_record "$T/stub.txt" "$VTG_NAME_UNSIGNED_TLD" TYPE257 'CAA[[:space:]]+0 issue "plain-ca\.vtg"' \
  "stub: TYPE257 is CAA"
for i in $(seq 0 2 $((${#PAIRS[@]} - 1))); do
  records_agree "$T/stub.txt" "${PAIRS[$i]}" "${PAIRS[$((i + 1))]}" stub
done

# a server that drops every query: no response, the failure is printed, exit 1
ip netns exec "$VTG_P0_NETNS" "$T/resolve" --resolver "$VTG_SERVER_TIMEOUT" \
  "$VTG_NAME_SECURE" A > "$T/drop.txt" 2> "$T/drop.err"
expect "dropped: exit 1" "$?" 1
expect "dropped: failure text and no records" "$(head4 "$T/drop.txt" "$SEC" A | cut -d' ' -f1,3)" "timeout 0"

"$T/resolve" > /dev/null 2>&1
expect "usage: no arguments" "$?" 2
"$T/resolve" --resolver 127.0.0.1 "$SEC" NOSUCHTYPE > /dev/null 2>&1
expect "usage: unknown type" "$?" 2
"$T/resolve" --resolver 127.0.0.1 "$SEC" > /dev/null 2>&1
expect "usage: NAME without TYPE" "$?" 2
"$T/resolve" --config "$T/missing.conf" "$SEC" A > /dev/null 2> "$T/noconf.err"
expect "engine error: missing config" "$?/$(grep -c . "$T/noconf.err")" "2/1"

# ---- 2. iterative mode, the engine validating ----------------------------
printf '[engine]\nearly-decision = no\nroot-hints = %s\ntrust-anchor = %s\ntimeout-ms = 300\nretries = 1\n' \
  "$VTG_ROOT_HINTS" "$VTG_TRUST_ANCHOR" > "$T/iter.conf"
printf '[perspective p0]\nrir = %s\nnetns = %s\nsource = %s\nmode = iterative\n' \
  "$VTG_P0_RIR" "$VTG_P0_NETNS" "$VTG_P0_SRC" >> "$T/iter.conf"
"$T/resolve" --config "$T/iter.conf" "${PAIRS[@]}" > "$T/iter.txt" 2> "$T/iter.err"
expect "iterative: exit 0" "$?" 0
expect "iterative: secure A, the RRset only" "$(head4 "$T/iter.txt" "$WWW" A)" "NOERROR secure 1"
has_record "$T/iter.txt" "$WWW" A "^  $WWW\\.[[:space:]].*$ADDR" "iterative: secure A record"
expect "iterative: insecure A" "$(head4 "$T/iter.txt" "$INS" A)" "NOERROR insecure 1"
expect "iterative: bogus" "$(head4 "$T/iter.txt" "$BOG" CAA | cut -d' ' -f2)" bogus
expect "iterative: NXDOMAIN" "$(head4 "$T/iter.txt" "$NX" A)" "NXDOMAIN secure 0"
expect "iterative: secure CAA, three records" "$(head4 "$T/iter.txt" "$SEC" CAA)" "NOERROR secure 3"
has_record "$T/iter.txt" "$SEC" CAA "$ISSUE" "iterative: CAA issue property"
for i in $(seq 0 2 $((${#PAIRS[@]} - 1))); do
  records_agree "$T/iter.txt" "${PAIRS[$i]}" "${PAIRS[$((i + 1))]}" iterative
done

# ---- 3. every kind through one engine, five remote perspectives ----------
{
  cat "$T/iter.conf"
  for p in r1 r2 r3 r4 r5; do
    printf '[perspective %s]\nrir = %s\nnetns = %s\nsource = %s\nmode = iterative\n' \
      "$p" "$(var "$p" RIR)" "$(var "$p" NETNS)" "$(var "$p" SRC)"
  done
} > "$T/five.conf"
TOKEN=secure-dns01-token-LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowy
"$T/api_world" "$T/five.conf" caa "$SEC" secure-ca.vtg dcv "$SEC" "$TOKEN" \
  query "$WWW" 1 caa "$BOG" bogus-ca.vtg dcv "$SEC" wrong-token query "$NX" 1 \
  > "$T/world.txt" 2> "$T/world.err"
expect "api_world: exit 0" "$?" 0
expect "api_world: one line per check" "$(wc -l < "$T/world.txt")" 6
line() { grep "^$1 $2 " "$T/world.txt" | grep -- "$3" | head -1; }
expect "caa: authorized, corroborated 5/5" "$(line caa "$SEC" . | sed 's/ records=.*//')" \
  "caa $SEC positive=1 reason=authorized dnssec=secure quorum=5/5 persp=6"
expect "dcv: dns-01 passes 5/5" "$(line dcv "$SEC" positive=1 | sed 's/ records=.*//')" \
  "dcv $SEC positive=1 reason=pass dnssec=secure quorum=5/5 persp=6"
expect "dcv: wrong token" "$(line dcv "$SEC" positive=0 | cut -d' ' -f3-5)" \
  "positive=0 reason=mismatch dnssec=secure"
expect "query: answered, one A record" \
  "$(line query "$WWW" . | cut -d' ' -f3-5,7-)" \
  "positive=1 reason=answered dnssec=secure persp=6 records=1"
expect "query: NXDOMAIN is an answer" "$(line query "$NX" . | cut -d' ' -f3-5,7-)" \
  "positive=1 reason=answered dnssec=secure persp=6 records=0"
expect "caa: bogus denies" "$(line caa "$BOG" . | cut -d' ' -f3-5)" \
  "positive=0 reason=dnssec-bogus dnssec=bogus"

echo "test_api: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
