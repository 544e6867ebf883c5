#!/usr/bin/env bash
# tests/world/smoke.sh - bring the local DNS world up and check every case with
# kdig from the perspectives.  Prints "N passed, M failed"; exit 1 on any
# failure.  Run as root.  If the world was down it is brought up and torn down
# again at the end (then no namespace or daemon may be left); pass --keep to
# leave it up.  A world that was already up is left up.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
W=$HERE/world.sh
KEEP=0
[ "${1:-}" = --keep ] && KEEP=1

pass=0 fail=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s: %s\n' "$1" "$2"; }
finish() {
  printf '%d passed, %d failed\n' "$pass" "$fail"
  [ "$fail" -eq 0 ]
  exit $?
}

if [ "$(id -u)" -ne 0 ]; then bad root "smoke.sh must run as root"; finish; fi

started=0
if ! "$W" status >/dev/null 2>&1; then
  t0=$(date +%s%N)
  if "$W" up; then
    ok "world up ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
  else
    bad "world up" "world.sh up failed"; finish
  fi
  started=1
fi
# shellcheck disable=SC1090
. <("$W" env) || { bad env "world.sh env failed"; finish; }

restore() {
  local p
  for p in $VTG_PERSPECTIVES; do
    "$W" hijack "$p" off >/dev/null 2>&1
    "$W" blackhole "$p" off >/dev/null 2>&1
    "$W" loss "$p" 0 >/dev/null 2>&1
  done
  "$W" querylog off >/dev/null 2>&1
}

# ---------------------------------------------------------------- helpers
OUT=""
# ask PERSPECTIVE [kdig args...]: query the perspective's unbound (DO=1)
ask() { local p=$1; shift; OUT=$(ip netns exec "vtg-$p" kdig @127.0.0.1 +dnssec +time=10 +retry=0 "$@" 2>&1); }
# direct PERSPECTIVE SERVER [kdig args...]: query an authoritative server, no recursion
direct() { local p=$1 s=$2; shift 2; OUT=$(ip netns exec "vtg-$p" kdig @"$s" +norec +time=2 +retry=0 "$@" 2>&1); }
status_of() { sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$OUT" | head -1; }
has_flag() { grep -Eq "^;; Flags: [^;]*\\b$1\\b" <<<"$OUT"; }
ancount() { sed -n 's/.*ANSWER: \([0-9]*\);.*/\1/p' <<<"$OUT" | head -1; }
caa_count() { grep -Ec $'^[^;].*\tCAA\t' <<<"$OUT"; }

# expect DESC STATUS AD(1|0|-) [SUBSTRING|-EMPTY]: check OUT
expect() {
  local desc=$1 st=$2 ad=$3 sub=${4:-} got
  got=$(status_of)
  if [ "$got" != "$st" ]; then bad "$desc" "status ${got:-none}, want $st"; return; fi
  if [ "$ad" = 1 ] && ! has_flag ad; then bad "$desc" "no AD bit"; return; fi
  if [ "$ad" = 0 ] && has_flag ad; then bad "$desc" "AD bit set"; return; fi
  if [ "$sub" = -EMPTY ]; then
    [ "$(caa_count)" = 0 ] || { bad "$desc" "CAA records in answer"; return; }
  elif [ -n "$sub" ] && ! grep -qF -- "$sub" <<<"$OUT"; then
    bad "$desc" "answer lacks '$sub'"; return
  fi
  ok "$desc"
}

# ---------------------------------------------------------------- description
for p in $VTG_PERSPECTIVES; do
  P=${p^^}
  eval "ns=\$VTG_${P}_NETNS path=\$VTG_${P}_NETNS_PATH src=\$VTG_${P}_SRC rir=\$VTG_${P}_RIR"
  # shellcheck disable=SC2154
  if [ "$ns" = "vtg-$p" ] && [ -e "$path" ] && [ -n "$src" ] && [ -n "$rir" ]; then
    ok "env: $p netns $path src $src rir $rir"
  else bad "env: $p" "incomplete description"; fi
done
for f in "$VTG_ROOT_HINTS" "$VTG_TRUST_ANCHOR" "$VTG_TRUST_ANCHOR_DNSKEY" "$VTG_BENCH_NAMES" "$VTG_NAMES_CACHE"; do
  if [ -s "$f" ]; then ok "env: file $f"; else bad "env: file $f" "missing or empty"; fi
done
if [ "$(wc -l <"$VTG_BENCH_NAMES")" -eq "$VTG_BENCH_COUNT" ]; then ok "bench names: $VTG_BENCH_COUNT lines"
else bad "bench names" "$(wc -l <"$VTG_BENCH_NAMES") lines, want $VTG_BENCH_COUNT"; fi
if [ "$(wc -l <"$VTG_NAMES_CACHE")" -eq "$VTG_CACHE_COUNT" ]; then ok "cache names: $VTG_CACHE_COUNT lines"
else bad "cache names" "$(wc -l <"$VTG_NAMES_CACHE") lines, want $VTG_CACHE_COUNT"; fi
if [ "$VTG_CACHE_COUNT" -lt 43 ] || [ "$(sed -n 43p "$VTG_NAMES_CACHE")" = "$VTG_NAME_CACHE_LEAF" ]; then
  ok "cache names: line 43 is $VTG_NAME_CACHE_LEAF"
else bad "cache names" "line 43 is '$(sed -n 43p "$VTG_NAMES_CACHE")'"; fi
if "$W" up 2>&1 | grep -q 'already up'; then ok "up twice: second up sees a healthy world"
else bad "up twice" "second up did not report 'already up'"; fi

# ---------------------------------------------------------------- every perspective
for p in $VTG_PERSPECTIVES; do
  P=${p^^}; eval "src=\$VTG_${P}_SRC"
  ask "$p" CAA "$VTG_NAME_SECURE"; expect "$p: CAA $VTG_NAME_SECURE secure (AD)" NOERROR 1 'issue "secure-ca.vtg"'
  ask "$p" A "$VTG_NAME_WHOAMI"; expect "$p: whoami sees source $src" NOERROR - "$src"
done
ask p0 DNSKEY .; expect "p0: root DNSKEY validated by the local trust anchor" NOERROR 1 DNSKEY

# ---------------------------------------------------------------- DNSSEC
ask p0 CAA "$VTG_NAME_BOGUS"; expect "bogus: $VTG_NAME_BOGUS (corrupted CAA RRSIG) SERVFAIL" SERVFAIL -
grep -q 'EDE: 6' <<<"$OUT" && ok "bogus: EDE 6 (DNSSEC Bogus)" || bad "bogus: EDE" "no EDE 6"
ask p0 CAA "$VTG_NAME_BOGUS_NODATA"; expect "bogus: $VTG_NAME_BOGUS_NODATA NODATA still secure" NOERROR 1 -EMPTY
ask p0 CAA "$VTG_NAME_BOGUS_DS"; expect "bogus: $VTG_NAME_BOGUS_DS (DS for another key) SERVFAIL" SERVFAIL -
ask p0 CAA "$VTG_NAME_INSECURE"; expect "insecure: $VTG_NAME_INSECURE unsigned child, no AD" NOERROR 0 'insecure-ca.vtg'
ask p0 CAA "$VTG_NAME_INSECURE_CHILD"; expect "insecure: $VTG_NAME_INSECURE_CHILD NODATA, no AD" NOERROR 0 -EMPTY
ask p0 CAA "$VTG_NAME_UNSIGNED_TLD"; expect "insecure: $VTG_NAME_UNSIGNED_TLD under unsigned TLD" NOERROR 0 'plain-ca.vtg'
ask p0 CAA "$VTG_NAME_NXDOMAIN"; expect "nxdomain: $VTG_NAME_NXDOMAIN secure NXDOMAIN" NXDOMAIN 1

# ---------------------------------------------------------------- tree shapes
ask p0 CAA "$VTG_NAME_PARENT_ONLY"; expect "parent: $VTG_NAME_PARENT_ONLY has CAA (NSEC3 zone)" NOERROR 1 'parent-ca.vtg'
ask p0 CAA "$VTG_NAME_DEEP"; expect "deep: $VTG_NAME_DEEP NODATA" NOERROR 1 -EMPTY
ask p0 CAA "$VTG_NAME_ENT"; expect "ent: $VTG_NAME_ENT empty non-terminal NODATA" NOERROR 1 -EMPTY
ask p0 CAA "$VTG_NAME_NOCAA"; expect "nocaa: $VTG_NAME_NOCAA NODATA" NOERROR 1 -EMPTY
ask p0 CAA "$VTG_NAME_CRITICAL"; expect "critical: $VTG_NAME_CRITICAL unknown critical tag" NOERROR 1 '128 tbs'
ask p0 CAA "$VTG_NAME_CNAME"; expect "cname: $VTG_NAME_CNAME -> www.target.vtest" NOERROR 1 'target-ca.vtg'
grep -q $'\tCNAME\t' <<<"$OUT" && ok "cname: CNAME in answer" || bad "cname" "no CNAME in answer"
ask p0 CAA "$VTG_NAME_CNAME_INSECURE"; expect "cname: $VTG_NAME_CNAME_INSECURE into unsigned zone, no AD" NOERROR 0 'target-insecure-ca.vtg'
ask p0 CAA "$VTG_NAME_CNAME_BOGUS"; expect "cname: $VTG_NAME_CNAME_BOGUS into bogus zone" SERVFAIL -
ask p0 CAA "$VTG_NAME_CNAME_NX"; expect "cname: $VTG_NAME_CNAME_NX chain ends in NXDOMAIN" NXDOMAIN 1
ask p0 CAA "$VTG_NAME_DNAME"; expect "dname: $VTG_NAME_DNAME -> www.target.vtest" NOERROR 1 'target-ca.vtg'
grep -q $'\tDNAME\t' <<<"$OUT" && ok "dname: DNAME in answer" || bad "dname" "no DNAME in answer"
ask p0 CAA "$VTG_NAME_DNAME_OWNER"; expect "dname: owner $VTG_NAME_DNAME_OWNER has its own CAA" NOERROR 1 'dname-owner-ca.vtg'
ask p0 CAA "$VTG_NAME_WILDCARD"; expect "wildcard: $VTG_NAME_WILDCARD synthesized" NOERROR 1 'wild-ca.vtg'
ask p0 CAA "$VTG_NAME_WILDCARD_EXISTS"; expect "wildcard: $VTG_NAME_WILDCARD_EXISTS exists, wildcard not applied" NOERROR 1 -EMPTY

# ---------------------------------------------------------------- big answers
ask p0 +bufsize=1232 +notcp +ignore CAA "$VTG_NAME_BIG"
if has_flag tc; then ok "big: $VTG_NAME_BIG over UDP (1232) has TC"; else bad "big: UDP" "no TC flag"; fi
ask p0 +tcp CAA "$VTG_NAME_BIG"
if [ "$(caa_count)" = "$VTG_BIG_COUNT" ] && has_flag ad; then ok "big: $VTG_NAME_BIG over TCP: $VTG_BIG_COUNT CAA, AD"
else bad "big: TCP" "$(caa_count) CAA records"; fi
direct p0 "$VTG_SERVER_SLD_A" +bufsize=1232 +ignore CAA "$VTG_NAME_BIG_INSECURE"
if has_flag tc; then ok "big: server answers $VTG_NAME_BIG_INSECURE with TC over UDP"; else bad "big: server UDP" "no TC"; fi
direct p0 "$VTG_SERVER_SLD_A" +tcp CAA "$VTG_NAME_BIG_INSECURE"
[ "$(caa_count)" = "$VTG_BIG_COUNT" ] && ok "big: server TCP $VTG_BIG_COUNT CAA" || bad "big: server TCP" "$(caa_count) CAA"

# ---------------------------------------------------------------- failures
for n in "$VTG_NAME_SERVFAIL_INSECURE" "$VTG_NAME_SERVFAIL_SIGNED" "$VTG_NAME_SERVFAIL_UNSIGNED_TLD"; do
  direct p0 "$VTG_SERVER_SERVFAIL" CAA "$n"; expect "servfail: server answers SERVFAIL for $n" SERVFAIL -
  ask p0 CAA "$n"; expect "servfail: resolver SERVFAIL for $n" SERVFAIL -
done
direct p0 "$VTG_SERVER_TIMEOUT" CAA "$VTG_NAME_TIMEOUT_INSECURE"
if [ -z "$(status_of)" ] && grep -qi timeout <<<"$OUT"; then ok "timeout: $VTG_SERVER_TIMEOUT never answers"
else bad "timeout: direct" "got an answer"; fi
for n in "$VTG_NAME_TIMEOUT_INSECURE" "$VTG_NAME_TIMEOUT_SIGNED" "$VTG_NAME_TIMEOUT_UNSIGNED_TLD"; do
  s=$SECONDS; ask p0 CAA "$n"; expect "timeout: resolver SERVFAIL for $n ($((SECONDS - s)) s)" SERVFAIL -
done
direct p0 "$VTG_SERVER_SLD_B" CAA "$VTG_NAME_LAME"; expect "lame: server REFUSED for $VTG_NAME_LAME" REFUSED -
ask p0 CAA "$VTG_NAME_LAME"; expect "lame: resolver SERVFAIL for $VTG_NAME_LAME" SERVFAIL -

# ---------------------------------------------------------------- loops and glue-less delegations
direct p0 "$VTG_SERVER_SLD_B" CAA "$VTG_NAME_CNAME_LOOP"
if [ "$(status_of)" = NOERROR ] && grep -q $'\tCNAME\t'"$VTG_NAME_CNAME_LOOP_B"'\.' <<<"$OUT" &&
   grep -q $'\tCNAME\t'"$VTG_NAME_CNAME_LOOP"'\.' <<<"$OUT"; then
  ok "cname loop: server gives $VTG_NAME_CNAME_LOOP -> $VTG_NAME_CNAME_LOOP_B -> $VTG_NAME_CNAME_LOOP"
else bad "cname loop: server" "$(status_of), $(grep -c $'\tCNAME\t' <<<"$OUT") CNAME"; fi
# unbound follows the chain until max restarts, then gives up: SERVFAIL, no CAA
ask p0 CAA "$VTG_NAME_CNAME_LOOP"; expect "cname loop: resolver SERVFAIL for $VTG_NAME_CNAME_LOOP" SERVFAIL - -EMPTY
ask p0 CAA "$VTG_NAME_CNAME_SELF_LOOP"; expect "cname loop: resolver SERVFAIL for $VTG_NAME_CNAME_SELF_LOOP" SERVFAIL - -EMPTY
direct p0 "$VTG_SERVER_TLD_VEXAMPLE" CAA "$VTG_NAME_REFERRAL_LOOP"
if [ "$(status_of)" = NOERROR ] && grep -q $'\tNS\tns.rl2.vexample.' <<<"$OUT" && grep -q 'ADDITIONAL: 0' <<<"$OUT"; then
  ok "referral loop: TLD refers $VTG_NAME_REFERRAL_LOOP_ZONE to ns.rl2.vexample without glue"
else bad "referral loop: TLD" "$(head -3 <<<"$OUT")"; fi
s=$SECONDS; ask p0 CAA "$VTG_NAME_REFERRAL_LOOP"
expect "referral loop: resolver SERVFAIL for $VTG_NAME_REFERRAL_LOOP ($((SECONDS - s)) s)" SERVFAIL -
direct p0 "$VTG_SERVER_TLD_VEXAMPLE" CAA "$VTG_NAME_GLUELESS"
if grep -q $'\tNS\t'"$VTG_NAME_GLUELESS_NS"'\.' <<<"$OUT" && grep -q 'ADDITIONAL: 0' <<<"$OUT"; then
  ok "glueless: TLD refers $VTG_NAME_GLUELESS to $VTG_NAME_GLUELESS_NS without glue"
else bad "glueless: TLD" "$(head -3 <<<"$OUT")"; fi
ask p0 A "$VTG_NAME_GLUELESS_NS"; expect "glueless: $VTG_NAME_GLUELESS_NS resolves to $VTG_SERVER_SLD_B" NOERROR 0 "$VTG_SERVER_SLD_B"
ask p0 CAA "$VTG_NAME_GLUELESS"; expect "glueless: resolver finds CAA of $VTG_NAME_GLUELESS" NOERROR 0 'issue "glueless-ca.vtg"'

# ---------------------------------------------------------------- bench zone
first=$(head -1 "$VTG_BENCH_NAMES"); last=$(tail -1 "$VTG_BENCH_NAMES")
direct p0 "$VTG_SERVER_BENCH" CAA "$first"; expect "bench: $first" NOERROR - "ca-${first:1:6}.bench.vtg"
ask r1 CAA "$last"; expect "bench: $last via r1" NOERROR 0 "ca-${last:1:6}.bench.vtg"

# ---------------------------------------------------------------- cache zone (on bench)
direct p0 "$VTG_SERVER_BENCH" CAA "$VTG_NAME_CACHE_PARENT"; expect "cache: $VTG_NAME_CACHE_PARENT has its CAA" NOERROR - 'issue "ca-p42.cache.vtg"'
direct p0 "$VTG_SERVER_BENCH" CAA "$VTG_NAME_CACHE_LEAF"; expect "cache: $VTG_NAME_CACHE_LEAF NXDOMAIN at the server" NXDOMAIN - -EMPTY
ask p0 CAA "$VTG_NAME_CACHE_LEAF"; expect "cache: $VTG_NAME_CACHE_LEAF NXDOMAIN via p0" NXDOMAIN 0 -EMPTY
ask p0 CAA "$(tail -1 "$VTG_NAMES_CACHE" | sed 's/^[^.]*\.//')"; expect "cache: parent of the last cache name has CAA" NOERROR 0 '.cache.vtg"'

# ---------------------------------------------------------------- server-side counters
caa_stat() { "$W" stats "$1" 2>/dev/null | sed -n 's/^num\.type\.CAA=//p'; }
c0=$(caa_stat bench)
if [[ $c0 =~ ^[0-9]+$ ]]; then ok "stats: bench has num.type.CAA=$c0"; else bad "stats: bench" "no num.type.CAA line"; fi
for ((i = 0; i < 3; i++)); do direct p0 "$VTG_SERVER_BENCH" CAA "$VTG_NAME_CACHE_PARENT"; done
c1=$(caa_stat bench)
# (>= : other users of the world may query bench at the same time)
if [[ $c0 =~ ^[0-9]+$ && $c1 =~ ^[0-9]+$ ]] && [ "$c1" -ge $((c0 + 3)) ]; then
  ok "stats: bench num.type.CAA $c0 -> $c1 after 3 CAA queries"
else bad "stats: bench" "num.type.CAA '$c0' -> '$c1' after 3 CAA queries"; fi
# (output captured first: grep -q closing the pipe early would fail it under pipefail)
OUT=$("$W" stats bench --raw 2>&1)
if grep -q '^num\.queries=[0-9]' <<<"$OUT" && ! grep -q '^num\.type\.CAA=' <<<"$OUT"; then
  ok "stats: --raw prints nsd-control's output only"
else bad "stats: --raw" "$(head -2 <<<"$OUT")"; fi
n=0
for r in $VTG_NSD_ROLES; do OUT=$("$W" stats "$r" 2>&1); grep -q '^num\.queries=' <<<"$OUT" && n=$((n + 1)); done
[ "$n" = "$(wc -w <<<"$VTG_NSD_ROLES")" ] && ok "stats: all $n NSDs answer ($VTG_NSD_ROLES)" || bad "stats: roles" "$n of $VTG_NSD_ROLES answer"
if "$W" stats nosuchrole >/dev/null 2>&1; then bad "stats: unknown role" "accepted"; else ok "stats: unknown role rejected"; fi

# ---------------------------------------------------------------- switches
trap restore EXIT
"$W" hijack r3 on 2>/dev/null
ask r3 CAA "$VTG_NAME_HIJACK"; expect "hijack on: r3 sees the rogue data" NOERROR 0 'evil-ca.example'
direct r3 "$VTG_SERVER_VICTIM" CAA "$VTG_NAME_HIJACK"; expect "hijack on: r3 direct to $VTG_SERVER_VICTIM reaches the rogue" NOERROR - 'evil-ca.example'
ask r3 CAA "$VTG_NAME_HIJACK_SIGNED"; expect "hijack on: r3 signed zone turns bogus" SERVFAIL -
for p in p0 r1; do
  ask "$p" CAA "$VTG_NAME_HIJACK"; expect "hijack on: $p still sees good data" NOERROR 0 'good-ca.vtg'
  grep -q evil <<<"$OUT" && bad "hijack on: $p" "evil data"
done
ask p0 CAA "$VTG_NAME_HIJACK_SIGNED"; expect "hijack on: p0 signed zone secure" NOERROR 1 'good-ca.vtg'
"$W" hijack r3 off 2>/dev/null
ask r3 CAA "$VTG_NAME_HIJACK"; expect "hijack off: r3 sees good data again" NOERROR 0 'good-ca.vtg'

"$W" blackhole r2 on 2>/dev/null
direct r2 "$VTG_SERVER_SLD_A" CAA "$VTG_NAME_SECURE"
if [ -z "$(status_of)" ] && grep -qi timeout <<<"$OUT"; then ok "blackhole on: r2 direct query times out"
else bad "blackhole on: direct" "$(head -2 <<<"$OUT")"; fi
ask r2 CAA "$VTG_NAME_SECURE"; expect "blackhole on: r2 resolver SERVFAIL" SERVFAIL -
ask r1 CAA "$VTG_NAME_SECURE"; expect "blackhole on: r1 unaffected" NOERROR 1 'secure-ca.vtg'
"$W" blackhole r2 off 2>/dev/null
ask r2 CAA "$VTG_NAME_SECURE"; expect "blackhole off: r2 resolves again" NOERROR 1 'secure-ca.vtg'

"$W" loss r4 100 2>/dev/null
direct r4 "$VTG_SERVER_SLD_A" +time=1 SOA "$VTG_NAME_SECURE"
if [ -z "$(status_of)" ]; then ok "loss 100: r4 query lost"; else bad "loss 100" "got an answer"; fi
"$W" loss r4 50 2>/dev/null
# 40 single-try queries in parallel (a lost one costs its full 1 s timeout)
qdir=$(mktemp -d /tmp/vtg-smoke.XXXXXX)
for ((i = 0; i < 40; i++)); do
  ip netns exec vtg-r4 kdig @"$VTG_SERVER_SLD_A" +norec +time=1 +retry=0 SOA "$VTG_NAME_SECURE" >"$qdir/$i" 2>&1 &
done
wait
got=$(grep -l 'status: NOERROR' "$qdir"/* | wc -l)
rm -rf "$qdir"
if [ "$got" -ge 5 ] && [ "$got" -le 35 ]; then ok "loss 50: r4 got $got/40 answers"
else bad "loss 50" "r4 got $got/40 answers"; fi
"$W" loss r4 0 2>/dev/null
got=0
for ((i = 0; i < 5; i++)); do
  direct r4 "$VTG_SERVER_SLD_A" +time=1 SOA "$VTG_NAME_SECURE"; [ "$(status_of)" = NOERROR ] && got=$((got + 1))
done
[ "$got" = 5 ] && ok "loss 0: r4 got 5/5 answers" || bad "loss 0" "r4 got $got/5"

# ---------------------------------------------------------------- server-side query log
if "$W" querylog on 2>/dev/null; then
  "$W" flush r6
  ask r6 CAA "$VTG_NAME_SECURE_NODATA"
  sleep 0.3
  if grep -qE "vtg-auth $VTG_R6_SRC:[0-9]+ > $VTG_SERVER_SLD_A:53 udp query .*qname=$VTG_NAME_SECURE_NODATA\\. qtype=CAA" "$VTG_QUERYLOG"; then
    ok "querylog: sld-a saw r6's CAA query from $VTG_R6_SRC"
  else bad "querylog" "no line for r6's query in $VTG_QUERYLOG"; fi
  "$W" querylog off 2>/dev/null
  [ -e "$VTG_WORLD_DIR/run/qlog.pid" ] && bad "querylog off" "vtg-qlog still runs" || ok "querylog off"
else bad "querylog on" "failed"; fi

restore; trap - EXIT

# ---------------------------------------------------------------- teardown
if [ "$started" = 1 ] && [ "$KEEP" = 0 ]; then
  pids=$(awk '$1 == "pid" { print $3 }' "$VTG_WORLD_DIR/created.list" | xargs cat 2>/dev/null)
  t0=$(date +%s%N)
  if "$W" down; then ok "world down ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"; else bad "world down" "failed"; fi
  left=$(ip netns list | grep -c '^vtg-')
  [ "$left" = 0 ] && ok "down: no vtg- namespace left" || bad "down" "$left vtg- namespaces left"
  procs=0
  for pid in $pids; do
    st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) && [ "${st:0:1}" != Z ] && procs=$((procs + 1))
  done
  [ "$procs" = 0 ] && ok "down: none of the world's $(wc -w <<<"$pids") daemons left" || bad "down" "$procs daemons left"
  [ -e "$VTG_WORLD_DIR/created.list" ] && bad "down" "state list left" || ok "down: state removed"
fi
finish
