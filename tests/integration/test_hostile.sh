#!/usr/bin/env bash
# vantage against a hostile DNS server (tests/hostile/vtg-hostile.py): TC
# over TCP, NXNS and dead-server referrals, TTLs with the top bit set, EDNS
# rejection, malformed and lying messages, spoofed and duplicate replies,
# slow and huge TCP answers, alias loops and chains. The server runs in a
# network namespace of its own (no world needed) and plays both the stub
# resolver (127.0.0.1, RD=1) and a tiny unsigned hierarchy for iterative
# mode (root 127.0.0.1, hostile. at 127.0.0.2, one server per case). Every
# run must give exactly one line per input, exit 0, within its time limit
# and (in the ASan build) without a sanitizer report.
# Needs root. usage: test_hostile.sh VANTAGE_BINARY SOURCE_DIR [SPOOFER]
set -u
V=$1
SRC=$2
HOSTILE=$SRC/tests/hostile/vtg-hostile.py
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3 # Debian's, standard library only
NS=vtg-hostile-$$
T=$(mktemp -d /tmp/vtg-hostile.XXXXXX)
HPID=
cleanup() {
  [ -n "$HPID" ] && kill "$HPID" 2>/dev/null && wait "$HPID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  [ -n "${KEEP:-}" ] && echo "kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT
# shellcheck disable=SC1091
. "$SRC/tests/integration/lib.sh"
prefix() { # description actual wanted-prefix
  case "$2" in "$3"*) ok ;; *) bad "$1: got '$2', want '$3...'" ;; esac
}

# ---- the namespace and the server ---------------------------------------
ip netns add "$NS" || { echo "cannot make a network namespace (root?)"; echo "0 passed, 1 failed"; exit 1; }
ip -n "$NS" link set lo up
LOG=$T/queries.log
: > "$LOG"
# A root zone signed with a fresh key: an iterative primary must validate
# (BR 3.2.2.9), so the root is signed and proves hostile. Insecure (NSEC, no
# DS); everything below it is unsigned.
cat > "$T/root.zone" <<'EOF'
.	86400	IN	SOA	a.root.hostile. hostmaster.hostile. 1 3600 600 86400 300
.	3600000	IN	NS	a.root.hostile.
hostile.	172800	IN	NS	ns.hostile.
ns.hostile.	172800	IN	A	127.0.0.2
a.root.hostile.	3600000	IN	A	127.0.0.1
EOF
KEY=$(cd "$T" && ldns-keygen -a ECDSAP256SHA256 -k .) \
  && (cd "$T" && ldns-signzone -o . root.zone "$KEY") \
  || { echo "cannot sign the root zone (ldnsutils)"; echo "0 passed, 1 failed"; exit 1; }
ip netns exec "$NS" "$PY" "$HOSTILE" "$LOG" "$T/ready" "$T/root.zone.signed" > "$T/server.out" 2>&1 &
HPID=$!
for _ in $(seq 50); do [ -s "$T/ready" ] && break; sleep 0.1; done
if [ ! -s "$T/ready" ]; then
  cat "$T/server.out" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

printf '.  3600000 NS a.root.hostile.\na.root.hostile. 3600000 A 127.0.0.1\n' > "$T/root.hints"
# Two perspectives: the primary asks the server as its resolver (stub mode),
# the second resolves iteratively from the hints without validating
# (trust-anchor = none is allowed when the primary is not iterative); its
# evidence is the second perspective's (--mode off: no corroboration).
printf '[engine]\nearly-decision = no\nroot-hints = %s\ntrust-anchor = none\ntimeout-ms = 200\n[perspective stub]\nresolver = 127.0.0.1:53\n[perspective iter]\nmode = iterative\n' \
  "$T/root.hints" > "$T/both.conf"

# The iterative primary, validating from the root key.
printf '[engine]\nearly-decision = no\nroot-hints = %s\ntrust-anchor = %s\ntimeout-ms = 200\n[perspective iter]\nmode = iterative\n' \
  "$T/root.hints" "$T/$KEY.ds" > "$T/iter.conf"

# run TAG TIMEOUT NAMES-FILE vantage-args...: one vantage run in the
# namespace; checks exit 0 or 3 when nothing answered (no hang: timeout
# kills with 124, a crash is >= 128), no sanitizer report, one line per input in input order.
# Leaves $T/TAG.jsonl, $T/TAG.err, $T/TAG.log (the server's log lines of
# this run), $T/TAG.cpu (user sys wall on its last line). The time limits
# keep the whole test under ctest's 600 s even when every run hangs (ctest
# kills without running the trap, leaving the namespace behind).
run() {
  local tag=$1 tmo=$2 names=$3 mark rc
  shift 3
  mark=$(wc -l < "$LOG")
  ip netns exec "$NS" /usr/bin/time -f '%U %S %e' -o "$T/$tag.cpu" \
    timeout "$tmo" "$V" "$@" --no-progress < "$names" > "$T/$tag.jsonl" 2> "$T/$tag.err"
  rc=$?
  sleep 0.2 # late packets (retries already sent) reach the log
  tail -n +$((mark + 1)) "$LOG" > "$T/$tag.log"
  # 3: nothing answered at all (every server of the case was hostile)
  [ "$rc" -eq 3 ] && grep -q 'no lookup got an answer' "$T/$tag.err" && rc=0
  expect "$tag: exit status (124 = hang, >= 128 = crash)" "$rc" 0
  if grep -q -e 'AddressSanitizer' -e 'LeakSanitizer' -e 'runtime error:' "$T/$tag.err"; then
    bad "$tag: sanitizer report"
    grep -m5 -e 'ERROR' -e 'runtime error:' -e '#[0-3] ' "$T/$tag.err" >&2
  else ok; fi
  expect "$tag: one line per input, in input order" \
    "$(jq -r .name "$T/$tag.jsonl" 2>/dev/null | md5sum)" "$(md5sum < "$names")"
  validate "$1" "$T/$tag.jsonl" # $1: the vantage command (caa, dcv)
}
# p TAG NAME FILTER: a jq filter on NAME's line of run TAG
p() { jq -r --arg n "$2" "select(.name == \$n) | $3" "$T/$1.jsonl"; }
dr() { p "$1" "$2" "$3 | .decision + \" \" + .reason"; }
cpu_ok() { # TAG NAMES MAX-SECONDS-PER-NAME: user+sys of the whole run / names
  tail -n 1 "$T/$1.cpu" | awk -v n="$2" -v m="$3" '{ c = ($1 + $2) / n; printf "%.4f", c; exit !(c < m) }'
}

# ---- 1..8: the catalogue, stub mode and iterative mode ------------------
L63A=$(printf 'a%.0s' $(seq 63))
L63B=$(printf 'b%.0s' $(seq 63))
LONG=$L63A.$L63B.dname-long.hostile
# name | expected "decision reason" prefix in stub mode | in iterative mode
cat > "$T/cases" <<EOF
good.hostile|permit authorized|permit authorized
tc-tcp.hostile|deny lookup-failure: truncated over tcp|deny lookup-failure: truncated over tcp
tc-ok.hostile|deny not-authorized|deny not-authorized
ttl-max.hostile|permit authorized|permit authorized
ttl-top.hostile|permit authorized|permit authorized
ttl-zero.hostile|permit authorized|permit authorized
edns-formerr.hostile|permit authorized|permit authorized
edns-notimp.hostile|permit authorized|permit authorized
two-cname.hostile|deny lookup-failure: malformed-response|deny lookup-failure: malformed-response
lie-count.hostile|deny lookup-failure|deny lookup-failure
ptr-loop.hostile|deny lookup-failure|deny lookup-failure
ptr-fwd.hostile|deny lookup-failure|deny lookup-failure
dup-reply.hostile|permit authorized|permit authorized
spoof.hostile|permit authorized|permit authorized
tcp-hang.hostile|deny lookup-failure|deny lookup-failure
tcp-trickle.hostile|deny lookup-failure|deny lookup-failure
huge.hostile|permit authorized|permit authorized
x.a.dname-loop.hostile|deny lookup-failure|deny lookup-failure
$LONG|deny lookup-failure|deny lookup-failure
cname-loop.hostile|deny lookup-failure: cname-loop|deny lookup-failure: cname-loop
chain20.hostile|deny lookup-failure: cname-chain-limit|deny lookup-failure: cname-chain-limit
lame.hostile|permit no-caa|deny lookup-failure
refused.hostile|deny lookup-failure|deny lookup-failure
servfail.hostile|deny lookup-failure|deny lookup-failure
w1.nxns200.hostile|deny lookup-failure|deny lookup-failure
w1.nxns400.hostile|deny lookup-failure|deny lookup-failure
EOF
# What each case is (tests/hostile/vtg-hostile.py has the bytes):
#  tc-tcp      UDP TC=1 empty; TCP TC=1 again with only `0 iodef` of the set
#  tc-ok       UDP TC=1; TCP the full set `0 issue "other-ca.example"`
#  ttl-*       TTL 0xFFFFFFFF / 0x80000000 / 0: valid_until = checked_at + 8 h
#              (RFC 2181 8: the top bit set counts as 0; BR 3.2.2.8)
#  edns-*      a query with OPT gets FORMERR / NOTIMP without OPT; retried
#              without OPT it gets the answer
#  two-cname   two different CNAMEs at the question name
#  lie-count   ANCOUNT 3, one record present
#  ptr-loop    an owner name that is a compression pointer to itself
#  ptr-fwd     an owner name that points forward (RFC 1035 4.1.4: prior only)
#  dup-reply   first a lie with the wrong ID, then the right answer
#  spoof       first a lie from 127.0.0.99 (right ID), then the right answer
#  tcp-hang    UDP TC=1; TCP accepts and never answers
#  tcp-trickle UDP TC=1; TCP answers one byte a second
#  huge        UDP TC=1; TCP 530 CAA records (~60 KB)
#  dname-loop  a DNAME b, b DNAME a; dname-long: a DNAME whose substitution
#              is over 255 octets, sent alone with NOERROR
#  cname-loop  two CNAMEs in a circle; chain20: 20 CNAME links (limit 16)
#  lame        NOERROR, AA=0, nothing, no SOA. Stub: an empty answer from a
#              recursive, the climb goes on (no-caa); iterative: lame
#  refused / servfail  that rcode to everything
#  nxns*       iterative: a referral to 200 / 400 glue-less NS names inside
#              the delegated zone; stub: the recursive says SERVFAIL
cut -d'|' -f1 "$T/cases" > "$T/cases.names"
run stub 45 "$T/cases.names" caa --resolver 127.0.0.1:53 --ca ca.example --timeout-ms 200
run both 45 "$T/cases.names" caa --config "$T/both.conf" --mode off --ca ca.example
run iter 45 "$T/cases.names" caa --config "$T/iter.conf" --mode off --ca ca.example
while IFS='|' read -r name want_stub want_iter; do
  short=${name:0:28}
  prefix "stub $short" "$(dr stub "$name" .)" "$want_stub"
  prefix "stub (config) $short" "$(dr both "$name" '.perspectives[0]')" "$want_stub"
  prefix "iterative $short" "$(dr both "$name" '.perspectives[1]')" "$want_iter"
  prefix "iterative primary $short" "$(dr iter "$name" .)" "$want_iter"
done < "$T/cases"

# the perspective reason text of the TC-over-TCP case, as specified
prefix "tc-tcp: stub perspective reason" "$(p stub tc-tcp.hostile '.perspectives[0].reason')" \
  "lookup-failure: truncated over tcp"
expect "tc-tcp: stub went to TCP" \
  "$(awk -F'\t' '$4 == "tcp" && $5 == "tc-tcp.hostile." && $8 == 1' "$T/stub.log" | wc -l)" 1
# 4. TTLs: the 8-hour floor, exactly
for n in ttl-max ttl-top ttl-zero good; do
  expect "$n: valid_until - checked_at (stub)" \
    "$(p stub $n.hostile '(.valid_until | fromdateiso8601) - (.checked_at | fromdateiso8601)')" 28800
  expect "$n: valid_until - checked_at (config, stub primary)" \
    "$(p both $n.hostile '(.valid_until | fromdateiso8601) - (.checked_at | fromdateiso8601)')" 28800
  expect "$n: valid_until - checked_at (iterative primary)" \
    "$(p iter $n.hostile '(.valid_until | fromdateiso8601) - (.checked_at | fromdateiso8601)')" 28800
done
expect "iterative primary: hostile. proved Insecure under the signed root" "$(p iter good.hostile .dnssec)" insecure
# 5. the retry without OPT reached the server, in both modes
for n in edns-formerr edns-notimp; do
  expect "$n: stub retried without OPT" \
    "$(awk -F'\t' -v q=$n.hostile. '$5 == q && $6 == 257 && $7 == 0 && $8 == 1' "$T/stub.log" | wc -l)" 1
  [ "$(awk -F'\t' -v q=$n.hostile. '$2 ~ /^127\.0\.1\./ && $5 == q && $6 == 257 && $7 == 0 && $8 == 0' \
       "$T/both.log" | wc -l)" -ge 1 ] && ok || bad "$n: iterative never retried without OPT"
done
# 8. the huge set arrives whole
expect "huge: the whole set (stub)" "$(p stub huge.hostile '.records | length')" 530
expect "huge: the whole set (iterative)" "$(p both huge.hostile '.perspectives[1].records | length')" 530
expect "huge: the whole set (iterative primary)" "$(p iter huge.hostile '.records | length')" 530
expect "dup-reply: the lie is not used" "$(p stub dup-reply.hostile '.records | join(",")')" '0 issue "ca.example"'
expect "spoof: the lie is not used" "$(p stub spoof.hostile '.records | join(",")')" '0 issue "ca.example"'
expect "iterative: no failure has a valid_until" \
  "$(jq -r 'select(.decision == "deny" and (.reason | startswith("lookup-failure"))) | .valid_until' \
     "$T/both.jsonl" "$T/iter.jsonl" | sort -u)" null
for r in stub both iter; do
  wall=$(tail -n 1 "$T/$r.cpu" | awk '{print $3}')
  awk -v w="$wall" 'BEGIN { exit !(w < 30) }' && ok || bad "catalogue run $r took $wall s (slow TCP holds it?)"
done

# ---- 2. NXNS: 400 glue-less in-zone NS names, CPU and queries bounded ---
echo w0.nxns400.hostile > "$T/nx1.names"
run nx1 20 "$T/nx1.names" caa --config "$T/both.conf" --mode off --ca ca.example
q1=$(awk -F'\t' '$8 == 0' "$T/nx1.log" | wc -l)
[ "$q1" -lt 50 ] && ok || bad "nxns400: $q1 iterative queries for one name (cold cache), want < 50"
for v in 200 400; do
  for k in $(seq 1 20); do echo "w$k.nxns$v.hostile"; done > "$T/nx$v.names"
  run nx$v 45 "$T/nx$v.names" caa --config "$T/both.conf" --mode off --ca ca.example
  expect "nxns$v: every name denies with a lookup failure (iterative)" \
    "$(jq -r '.perspectives[1] | .decision + " " + (.reason | split(":")[0])' "$T/nx$v.jsonl" | sort -u)" \
    "deny lookup-failure"
  expect "nxns$v: every name denies (stub)" \
    "$(jq -r '.decision + " " + (.reason | split(":")[0])' "$T/nx$v.jsonl" | sort -u)" "deny lookup-failure"
  c=$(cpu_ok nx$v 20 0.1) && ok || bad "nxns$v: $c s CPU per name, want < 0.1"
  q=$(awk -F'\t' '$8 == 0' "$T/nx$v.log" | wc -l)
  [ "$q" -lt $((50 * 20)) ] && ok || bad "nxns$v: $q iterative queries for 20 names, want < 50 per name"
  echo "nxns$v: 20 names, $c s CPU per name, $q iterative queries (one cold name: $q1)" >&2
done

# ---- 3. dead: 200 NS names whose glue never answers ---------------------
echo w1.dead.hostile > "$T/dead.names"
run dead 20 "$T/dead.names" caa --config "$T/both.conf" --mode off --ca ca.example --timeout-ms 100
expect "dead: iterative denies" "$(dr dead w1.dead.hostile '.perspectives[1] | .reason |= split(":")[0]')" \
  "deny lookup-failure"
expect "dead: stub denies" "$(dr dead w1.dead.hostile '. | .reason |= split(":")[0]')" "deny lookup-failure"
wall=$(tail -n 1 "$T/dead.cpu" | awk '{print $3}')
awk -v w="$wall" 'BEGIN { exit !(w < 10) }' && ok || bad "dead: $wall s wall time, want < 10"
maxper=$(awk -F'\t' '$2 ~ /^127\.0\.2\./ { n[$2]++ } END { m = 0; for (a in n) if (n[a] > m) m = n[a]; print m }' "$T/dead.log")
[ "$maxper" -le 2 ] && ok || bad "dead: a dead server got $maxper packets for one name, want <= 2"
tot=$(awk -F'\t' '$8 == 0' "$T/dead.log" | wc -l)
[ "$tot" -le 192 ] && ok || bad "dead: $tot iterative packets for one name, want <= 96 * 2"
echo "dead: $wall s, $tot iterative packets, at most $maxper per dead server" >&2

# ---- 7. CNAME-based DCV with a compressed target ------------------------
# _vtg-dcv.cname-compress.hostile. CNAME www.<pointer into the question>;
# _vtg-dcv.cname-compress2.hostile. CNAME dcv-target.<pointer into the
# answer's own owner name, written out in full before it>.
printf '%s\n' cname-compress.hostile > "$T/dcv1.names"
printf '%s\n' cname-compress2.hostile > "$T/dcv2.names"
for k in 1 2; do
  if [ $k = 1 ]; then c=cname-compress; tgt=www.$c.hostile; else c=cname-compress2; tgt=dcv-target.$c.hostile; fi
  run dcv$k-stub 20 "$T/dcv$k.names" dcv --resolver 127.0.0.1:53 --method cname --label _vtg-dcv \
    --expect "$tgt" --timeout-ms 200
  run dcv$k-both 20 "$T/dcv$k.names" dcv --config "$T/both.conf" --mode off --method cname \
    --label _vtg-dcv --expect "$tgt"
  run dcv$k-miss 20 "$T/dcv$k.names" dcv --config "$T/both.conf" --mode off --method cname \
    --label _vtg-dcv --expect "other.$c.hostile"
  run dcv$k-iter 20 "$T/dcv$k.names" dcv --config "$T/iter.conf" --mode off --method cname \
    --label _vtg-dcv --expect "$tgt"
  expect "$c: iterative primary passes" "$(p dcv$k-iter $c.hostile '"\(.result) \(.reason) \(.seen)"')" \
    "pass pass $tgt."
  expect "$c: stub passes" "$(p dcv$k-stub $c.hostile '"\(.result) \(.reason) \(.seen)"')" "pass pass $tgt."
  expect "$c: stub perspective (config)" "$(p dcv$k-both $c.hostile '.perspectives[0] | "\(.result) \(.seen)"')" \
    "pass $tgt."
  expect "$c: iterative perspective" "$(p dcv$k-both $c.hostile '.perspectives[1] | "\(.result) \(.seen)"')" \
    "pass $tgt."
  expect "$c: another expected target fails" "$(p dcv$k-miss $c.hostile '[.result] + [.perspectives[].result] | join(",")')" \
    "fail,fail,fail"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
