#!/usr/bin/env bash
# tests/world/smoke.sh - bring the local DNS world up and check every case with
# kdig from the perspectives.  Prints "N passed, M failed"; exit 1 on any
# failure.  Run as root.  If the world was down it is brought up and torn down
# again at the end (then no namespace or daemon may be left); pass --keep to
# leave it up.  A world that was already up is left up.
# --agents BINARY: also check the MPIC agents (`world.sh agents on BINARY`,
# stopped again at the end if they were not all running before); without it
# the agents are checked only if they already run, else that part is skipped.
#   smoke.sh [--keep] [--agents BINARY]
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
W=$HERE/world.sh
KEEP=0
AGENT_BIN=""
while [ $# -gt 0 ]; do
  case $1 in
    --keep) KEEP=1 ;;
    --agents) AGENT_BIN=${2:?--agents BINARY}; shift ;;
    *) echo "usage: smoke.sh [--keep] [--agents BINARY]" >&2; exit 2 ;;
  esac
  shift
done

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
    "$W" webhole "$p" off >/dev/null 2>&1
    "$W" loss "$p" 0 >/dev/null 2>&1
  done
  for p in $VTG_AGENTS; do "$W" agenthole "$p" off >/dev/null 2>&1; done
  "$W" querylog off >/dev/null 2>&1
  [ "${agents_started:-0}" = 1 ] && "$W" agents off >/dev/null 2>&1
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

# ---------------------------------------------------------------- web servers (http-01, website change)
# curl from a perspective; --connect-to sends every name to the web address
# (a perspective has no resolv.conf of this world; DNS is checked apart)
WRC=0
web() { local p=$1; shift; OUT=$(ip netns exec "vtg-$p" curl -s --max-time 3 "$@" 2>&1); WRC=$?; }
webp0() { web p0 --connect-to "::$VTG_WEB_ADDR:" "$@"; }
# head NAME: status and Location of http://NAME/<the challenge path> (no redirect followed)
H_STATUS="" H_LOC=""
head_of() {
  webp0 -I "http://$1$VTG_WEB_CHALLENGE_PATH"
  H_STATUS=$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' <<<"$OUT")
  H_LOC=$(sed -n 's/^[Ll]ocation: //p' <<<"$OUT" | tr -d '\r')
}
expect_redirect() { # expect_redirect NAME STATUS LOCATION
  head_of "$1"
  if [ "$H_STATUS" = "$2" ] && [ "$H_LOC" = "$3" ]; then ok "web: $1 -> $2 $3"
  else bad "web: $1" "got '$H_STATUS' '$H_LOC', want $2 $3"; fi
}
CH=$VTG_WEB_CHALLENGE_PATH
n=0 wrong=""
for w in ok r301 r302 r307 r308 r303 r300 rel https port8080 port80 ftp loop-a loop-b status500 slow big c{1..11}; do
  a=$(ip netns exec vtg-p0 kdig @127.0.0.1 +short +time=3 A "$w.$VTG_WEB_ZONE" 2>&1)
  [ "$a" = "$VTG_WEB_ADDR" ] && n=$((n + 1)) || wrong+=" $w=$a"
done
[ -z "$wrong" ] && ok "web dns: $n names of $VTG_WEB_ZONE resolve to $VTG_WEB_ADDR via p0" || bad "web dns" "$wrong"
for w in "$VTG_NAME_ALPN" "$VTG_NAME_ALPN_BADDIGEST" "$VTG_NAME_ALPN_NONCRITICAL" "$VTG_NAME_ALPN_TWOSAN" \
         "$VTG_NAME_ALPN_NOALPN" "$VTG_NAME_ALPN_WRONGSAN"; do
  a=$(ip netns exec vtg-p0 kdig @127.0.0.1 +short +time=3 A "$w" 2>&1)
  [ "$a" = "$VTG_ALPN_ADDR" ] || wrong+=" $w=$a"
done
[ -z "$wrong" ] && ok "web dns: the 6 alpn names resolve to $VTG_ALPN_ADDR" || bad "web dns: alpn" "$wrong"
ask p0 A "$VTG_NAME_WEB_REFUSED"; expect "web dns: $VTG_NAME_WEB_REFUSED -> $VTG_WEB_REFUSED_ADDR" NOERROR 0 "$VTG_WEB_REFUSED_ADDR"
ask p0 A "$VTG_NAME_WEB_TIMEOUT"; expect "web dns: $VTG_NAME_WEB_TIMEOUT -> $VTG_WEB_TIMEOUT_ADDR" NOERROR 0 "$VTG_WEB_TIMEOUT_ADDR"
ask p0 A "$VTG_NAME_WEB_NOADDR"
if [ "$(status_of)" = NOERROR ] && [ "$(ancount)" = 0 ]; then ok "web dns: $VTG_NAME_WEB_NOADDR has no A (NODATA)"
else bad "web dns: noaddr" "$(status_of), $(ancount) answers"; fi
ask p0 TXT "$VTG_NAME_WEB_NOADDR"; expect "web dns: $VTG_NAME_WEB_NOADDR has a TXT" NOERROR 0 'without an address'
ask p0 A "$VTG_NAME_WEB_NX"; expect "web dns: $VTG_NAME_WEB_NX NXDOMAIN" NXDOMAIN 0

webp0 -w '%{http_code} %{size_download}' "http://$VTG_NAME_WEB_OK$CH"
if [ "$OUT" = "$VTG_WEB_KEYAUTH"$'\n'"200 $((${#VTG_WEB_KEYAUTH} + 1))" ]; then
  ok "web: http://$VTG_NAME_WEB_OK$CH is the key authorization + newline"
else bad "web: challenge" "$(head -c 200 <<<"$OUT")"; fi
web p0 "http://$VTG_WEB_ADDR$CH"
[ "$OUT" = "$VTG_WEB_KEYAUTH" ] && ok "web: the default server (Host $VTG_WEB_ADDR) serves the webroot" || bad "web: by address" "$OUT"
webp0 "http://$VTG_NAME_WEB_OK$VTG_WEB_CHANGE_FILE"
if grep -qF "$VTG_WEB_CHANGE_VALUE" <<<"$OUT" && [ "$OUT" != "$VTG_WEB_CHANGE_VALUE" ]; then
  ok "web: $VTG_WEB_CHANGE_FILE holds the change value inside other text"
else bad "web: change file" "$OUT"; fi
webp0 -w '%{http_code}' -o /dev/null "http://$VTG_NAME_WEB_OK/.well-known/acme-challenge/nothere"
[ "$OUT" = 404 ] && ok "web: a missing challenge file is 404" || bad "web: missing" "$OUT"
# a file written at test time, mode 0600 (the workers read as root)
tf=$VTG_WEB_ROOT/.well-known/acme-challenge/smoke-$$
(umask 077; echo "smoke-$$" >"$tf")
webp0 "http://$VTG_NAME_WEB_OK/.well-known/acme-challenge/smoke-$$"
rm -f "$tf"
[ "$OUT" = "smoke-$$" ] && ok "web: a file written now (mode 0600) is served" || bad "web: new file" "$OUT"
webp0 --cacert "$VTG_WEB_CERT" "https://$VTG_NAME_WEB_OK$CH"
[ "$OUT" = "$VTG_WEB_KEYAUTH" ] && ok "web: https://$VTG_NAME_WEB_OK (certificate $VTG_WEB_CERT) serves the webroot" || bad "web: https" "$OUT"
webp0 --cacert "$VTG_WEB_CERT" --tls-max 1.1 "https://$VTG_NAME_WEB_OK$CH"
[ "$WRC" != 0 ] && ok "web: https refuses TLS 1.1 (curl exit $WRC)" || bad "web: TLS 1.1" "accepted"

for s in 301 302 307 308 303; do expect_redirect "r$s.$VTG_WEB_ZONE" "$s" "http://$VTG_NAME_WEB_OK$CH"; done
expect_redirect "$VTG_NAME_WEB_R300" 300 "http://$VTG_NAME_WEB_OK$CH"
expect_redirect "$VTG_NAME_WEB_REL" 301 "$CH?relative=1"
expect_redirect "$VTG_NAME_WEB_HTTPS" 301 "https://$VTG_NAME_WEB_OK$CH"
expect_redirect "$VTG_NAME_WEB_PORT8080" 301 "http://$VTG_NAME_WEB_OK:8080$CH"
expect_redirect "$VTG_NAME_WEB_PORT80" 301 "http://$VTG_NAME_WEB_OK:80$CH"
expect_redirect "$VTG_NAME_WEB_FTP" 301 "ftp://$VTG_NAME_WEB_OK$CH"
expect_redirect "$VTG_NAME_WEB_LOOP_A" 302 "http://$VTG_NAME_WEB_LOOP_B$CH"
expect_redirect "$VTG_NAME_WEB_LOOP_B" 302 "http://$VTG_NAME_WEB_LOOP_A$CH"
expect_redirect "$VTG_NAME_WEB_CHAIN1" 302 "http://$VTG_NAME_WEB_OK$CH"
expect_redirect "$VTG_NAME_WEB_CHAIN11" 302 "http://$VTG_NAME_WEB_CHAIN10$CH"
webp0 -L -w '%{num_redirects}' "http://$VTG_NAME_WEB_REL$CH"
[ "$OUT" = "$VTG_WEB_KEYAUTH"$'\n1' ] && ok "web: $VTG_NAME_WEB_REL followed: the key authorization after 1 redirect" || bad "web: rel followed" "$OUT"
webp0 -L --max-redirs 10 -w '%{num_redirects}' "http://$VTG_NAME_WEB_CHAIN10$CH"
[ "$OUT" = "$VTG_WEB_KEYAUTH"$'\n10' ] && ok "web: $VTG_NAME_WEB_CHAIN10 followed: 10 redirects to the key authorization" || bad "web: c10" "$OUT"
webp0 -L --max-redirs 10 "http://$VTG_NAME_WEB_CHAIN11$CH"
[ "$WRC" = 47 ] && ok "web: $VTG_NAME_WEB_CHAIN11 needs 11 redirects (curl --max-redirs 10: exit 47)" || bad "web: c11" "exit $WRC"
webp0 -w '%{http_code}' -o /dev/null "http://$VTG_NAME_WEB_STATUS500$CH"
[ "$OUT" = 500 ] && ok "web: $VTG_NAME_WEB_STATUS500 answers 500" || bad "web: status500" "$OUT"
webp0 -w '%{http_code} %{size_download}' -o /dev/null "http://$VTG_NAME_WEB_BIG$CH"
[ "$OUT" = "200 $VTG_WEB_BIG_SIZE" ] && ok "web: $VTG_NAME_WEB_BIG answers 200 with $VTG_WEB_BIG_SIZE bytes" || bad "web: big" "$OUT"
t0=$(date +%s%N)
webp0 --max-time 2 -i "http://$VTG_NAME_WEB_SLOW$CH"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$WRC" = 28 ] && [ -z "$OUT" ] && ok "web: $VTG_NAME_WEB_SLOW: nothing within 2 s (read timeout, ${ms} ms)" || bad "web: slow" "exit $WRC '$OUT'"
web p0 --resolve "$VTG_NAME_WEB_REFUSED:80:$VTG_WEB_REFUSED_ADDR" "http://$VTG_NAME_WEB_REFUSED$CH"
[ "$WRC" = 7 ] && ok "web: $VTG_NAME_WEB_REFUSED ($VTG_WEB_REFUSED_ADDR): connection refused" || bad "web: refused" "exit $WRC"
web p0 --connect-timeout 1 --resolve "$VTG_NAME_WEB_TIMEOUT:80:$VTG_WEB_TIMEOUT_ADDR" "http://$VTG_NAME_WEB_TIMEOUT$CH"
[ "$WRC" = 28 ] && ok "web: $VTG_NAME_WEB_TIMEOUT ($VTG_WEB_TIMEOUT_ADDR): connect timeout" || bad "web: timeout" "exit $WRC"
web p0 --resolve "$VTG_NAME_WEB_HIJACK:80:$VTG_WEB_HIJACK_ADDR" "http://$VTG_NAME_WEB_HIJACK$CH"
[ "$OUT" = "$VTG_WEB_KEYAUTH" ] && ok "web: $VTG_NAME_WEB_HIJACK ($VTG_WEB_HIJACK_ADDR) serves the webroot" || bad "web: victim" "$OUT"

# ---------------------------------------------------------------- TLS-ALPN-01 responder (RFC 8737, 8738)
CERT_TEXT="" CERT_HEX=""
# alpn SNI [PROTOCOL]: handshake from p0; OUT = s_client's output
alpn() {
  OUT=$(ip netns exec vtg-p0 timeout 5 openssl s_client -alpn "${2:-acme-tls/1}" -servername "$1" \
        -connect "$VTG_ALPN_ADDR:443" </dev/null 2>&1)
  CERT_TEXT=$(openssl x509 -noout -text <<<"$OUT" 2>/dev/null)
  CERT_HEX=$(openssl x509 -outform DER <<<"$OUT" 2>/dev/null | od -An -v -tx1 | tr -d ' \n')
}
san_of() { grep -A1 'X509v3 Subject Alternative Name' <<<"$CERT_TEXT" | sed -n '2s/^ *//p'; }
sha256_hex() { printf '%s' "$1" | openssl dgst -sha256 -r | cut -d' ' -f1; }
OID_ACME=06082b0601050507011f   # 1.3.6.1.5.5.7.1.31
DG=$(sha256_hex "$VTG_ALPN_KEYAUTH")
# the extension, DER: OID, critical TRUE, extnValue (34 octets) = OCTET STRING (32)
EXT_OK=${OID_ACME}0101ff04220420$DG
if [ "$(cat "$VTG_ALPN_KEYAUTH_FILE")" = "$VTG_ALPN_KEYAUTH" ]; then ok "alpn: $VTG_ALPN_KEYAUTH_FILE holds VTG_ALPN_KEYAUTH"
else bad "alpn: keyauth file" "$(cat "$VTG_ALPN_KEYAUTH_FILE")"; fi
alpn "$VTG_NAME_ALPN"
grep -q '^ALPN protocol: acme-tls/1' <<<"$OUT" && ok "alpn: $VTG_NAME_ALPN negotiates acme-tls/1" || bad "alpn: ALPN" "$(grep ALPN <<<"$OUT")"
[ "$(san_of)" = "DNS:$VTG_NAME_ALPN" ] && ok "alpn: the only SAN is DNS:$VTG_NAME_ALPN" || bad "alpn: SAN" "$(san_of)"
grep -q '1.3.6.1.5.5.7.1.31: critical' <<<"$CERT_TEXT" && ok "alpn: acmeIdentifier present and critical (openssl x509 -text)" || bad "alpn: extension" "not critical or absent"
[[ $CERT_HEX == *"$EXT_OK"* ]] && ok "alpn: acmeIdentifier = DER OCTET STRING of SHA-256(keyauth)" || bad "alpn: digest" "extension is not $EXT_OK"
tail -3 "$VTG_ALPN_LOG" | grep -q "sni=$VTG_NAME_ALPN variant=ok offered=acme-tls/1 alpn=acme-tls/1 handshake=ok" &&
  ok "alpn: $VTG_ALPN_LOG logged the connection" || bad "alpn: log" "$(tail -1 "$VTG_ALPN_LOG")"
alpn "$VTG_NAME_ALPN_BADDIGEST"
if [[ $CERT_HEX == *"${OID_ACME}0101ff04220420"* && $CERT_HEX != *"$DG"* ]]; then ok "alpn: $VTG_NAME_ALPN_BADDIGEST has a critical extension with another digest"
else bad "alpn: baddigest" "digest matches or extension missing"; fi
alpn "$VTG_NAME_ALPN_NONCRITICAL"
[[ $CERT_HEX == *"${OID_ACME}04220420$DG"* ]] && ok "alpn: $VTG_NAME_ALPN_NONCRITICAL: right digest, extension not critical" || bad "alpn: noncritical" "$CERT_HEX"
alpn "$VTG_NAME_ALPN_TWOSAN"
[ "$(san_of)" = "DNS:$VTG_NAME_ALPN_TWOSAN, DNS:extra.web.vexample" ] && ok "alpn: $VTG_NAME_ALPN_TWOSAN has two dNSNames" || bad "alpn: twosan" "$(san_of)"
alpn "$VTG_NAME_ALPN_WRONGSAN"
[ "$(san_of)" = "DNS:other.web.vexample" ] && ok "alpn: $VTG_NAME_ALPN_WRONGSAN names other.web.vexample" || bad "alpn: wrongsan" "$(san_of)"
alpn "$VTG_NAME_ALPN_NOALPN"
if grep -q '^No ALPN negotiated' <<<"$OUT" && [[ $CERT_HEX == *"$EXT_OK"* ]]; then ok "alpn: $VTG_NAME_ALPN_NOALPN: right certificate, no ALPN negotiated"
else bad "alpn: noalpn" "$(grep ALPN <<<"$OUT")"; fi
alpn "$VTG_NAME_ALPN_IP"
if [ "$(san_of)" = "IP Address:$VTG_ALPN_ADDR" ] && [[ $CERT_HEX == *"$EXT_OK"* ]]; then ok "alpn: SNI $VTG_NAME_ALPN_IP: the only SAN is IP $VTG_ALPN_ADDR (RFC 8738)"
else bad "alpn: ip" "$(san_of)"; fi
alpn "unknown.$VTG_WEB_ZONE"
[ "$(san_of)" = "DNS:unknown.$VTG_WEB_ZONE" ] && [[ $CERT_HEX == *"$EXT_OK"* ]] && ok "alpn: an unknown SNI gets a correct certificate for itself" || bad "alpn: unknown sni" "$(san_of)"
alpn "$VTG_NAME_ALPN" http/1.1
grep -q 'no application protocol' <<<"$OUT" && ok "alpn: a client offering only http/1.1 gets no_application_protocol" || bad "alpn: http/1.1" "$(tail -2 <<<"$OUT")"
old=$(cat "$VTG_ALPN_KEYAUTH_FILE")
printf '%s\n' "smoke-token.$VTG_WEB_THUMBPRINT" >"$VTG_ALPN_KEYAUTH_FILE"
alpn "$VTG_NAME_ALPN"
printf '%s\n' "$old" >"$VTG_ALPN_KEYAUTH_FILE"
[[ $CERT_HEX == *"$(sha256_hex "smoke-token.$VTG_WEB_THUMBPRINT")"* ]] && ok "alpn: a rewritten keyauth file is used by the next handshake" || bad "alpn: rewrite" "old digest"
# a client that connects and never speaks must not hold up the others
ip netns exec vtg-p0 bash -c "exec 3<>/dev/tcp/$VTG_ALPN_ADDR/443; exec sleep 4" &
stall=$!
sleep 0.2
t0=$(date +%s%N); alpn "$VTG_NAME_ALPN"; ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill "$stall" 2>/dev/null; wait "$stall" 2>/dev/null
grep -q '^ALPN protocol: acme-tls/1' <<<"$OUT" && [ "$ms" -lt 2000 ] && ok "alpn: a stalled client does not block the next one (${ms} ms)" || bad "alpn: stalled client" "${ms} ms"

# ---------------------------------------------------------------- reverse zone (PTR)
direct p0 "${VTG_ROOT_SERVERS%% *}" +dnssec PTR "$VTG_NAME_PTR_WEB"
if grep -q "^$VTG_PTR_ZONE\\."$'\t[0-9]*\tIN\tNS\tvictim.ns.vtest.' <<<"$OUT" &&
   grep -q $'^victim.ns.vtest.[ \t]*[0-9]*\tIN\tA\t'"$VTG_PTR_SERVER" <<<"$OUT" &&
   grep -q $'\tNSEC\t' <<<"$OUT" && ! grep -q $'\tDS\t' <<<"$OUT"; then
  ok "ptr: the root delegates $VTG_PTR_ZONE to $VTG_PTR_SERVER with glue, NSEC and no DS"
else bad "ptr: root referral" "$(grep -v '^;' <<<"$OUT" | head -5)"; fi
ask p0 PTR "$VTG_NAME_PTR_WEB"; expect "ptr: $VTG_NAME_PTR_WEB -> $VTG_NAME_WEB_OK (insecure)" NOERROR 0 "PTR"$'\t'"$VTG_NAME_WEB_OK."
ask p0 PTR "$VTG_NAME_PTR_ALPN"; expect "ptr: $VTG_NAME_PTR_ALPN -> $VTG_NAME_ALPN" NOERROR 0 "PTR"$'\t'"$VTG_NAME_ALPN."
ask p0 PTR "$VTG_NAME_PTR_HIJACK"; expect "ptr: $VTG_NAME_PTR_HIJACK -> $VTG_NAME_WEB_HIJACK" NOERROR 0 "PTR"$'\t'"$VTG_NAME_WEB_HIJACK."
ask p0 PTR "$VTG_NAME_PTR_NX"; expect "ptr: $VTG_NAME_PTR_NX NXDOMAIN" NXDOMAIN 0

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
HJ=(--resolve "$VTG_NAME_WEB_HIJACK:80:$VTG_WEB_HIJACK_ADDR" "http://$VTG_NAME_WEB_HIJACK$VTG_WEB_CHALLENGE_PATH")
ask r3 A "$VTG_NAME_WEB_HIJACK"; expect "hijack on: r3 $VTG_NAME_WEB_HIJACK still $VTG_WEB_HIJACK_ADDR" NOERROR 0 "$VTG_WEB_HIJACK_ADDR"
web r3 "${HJ[@]}"
[ "$OUT" = "$VTG_WEB_ROGUE_KEYAUTH" ] && ok "hijack on: r3 http://$VTG_NAME_WEB_HIJACK gets the rogue's body" || bad "hijack on: r3 web" "$OUT"
web p0 "${HJ[@]}"
[ "$OUT" = "$VTG_WEB_KEYAUTH" ] && ok "hijack on: p0 http://$VTG_NAME_WEB_HIJACK gets the real body" || bad "hijack on: p0 web" "$OUT"
ask r3 PTR "$VTG_NAME_PTR_HIJACK"; expect "hijack on: r3 PTR $VTG_NAME_PTR_HIJACK -> evil.example" NOERROR 0 $'PTR\tevil.example.'
ask r3 PTR "$VTG_NAME_PTR_WEB"; expect "hijack on: r3 PTR $VTG_NAME_PTR_WEB -> evil.example" NOERROR 0 $'PTR\tevil.example.'
ask p0 PTR "$VTG_NAME_PTR_WEB"; expect "hijack on: p0 PTR $VTG_NAME_PTR_WEB -> $VTG_NAME_WEB_OK" NOERROR 0 "$VTG_NAME_WEB_OK."
"$W" hijack r3 off 2>/dev/null
ask r3 CAA "$VTG_NAME_HIJACK"; expect "hijack off: r3 sees good data again" NOERROR 0 'good-ca.vtg'
web r3 "${HJ[@]}"
[ "$OUT" = "$VTG_WEB_KEYAUTH" ] && ok "hijack off: r3 http://$VTG_NAME_WEB_HIJACK gets the real body again" || bad "hijack off: r3 web" "$OUT"
ask r3 PTR "$VTG_NAME_PTR_HIJACK"; expect "hijack off: r3 PTR $VTG_NAME_PTR_HIJACK -> $VTG_NAME_WEB_HIJACK" NOERROR 0 "$VTG_NAME_WEB_HIJACK."

"$W" blackhole r2 on 2>/dev/null
direct r2 "$VTG_SERVER_SLD_A" CAA "$VTG_NAME_SECURE"
if [ -z "$(status_of)" ] && grep -qi timeout <<<"$OUT"; then ok "blackhole on: r2 direct query times out"
else bad "blackhole on: direct" "$(head -2 <<<"$OUT")"; fi
ask r2 CAA "$VTG_NAME_SECURE"; expect "blackhole on: r2 resolver SERVFAIL" SERVFAIL -
ask r1 CAA "$VTG_NAME_SECURE"; expect "blackhole on: r1 unaffected" NOERROR 1 'secure-ca.vtg'
web r2 "http://$VTG_WEB_ADDR$VTG_WEB_CHALLENGE_PATH"
[ "$OUT" = "$VTG_WEB_KEYAUTH" ] && ok "blackhole on: r2 web still works (port 53 only)" || bad "blackhole on: r2 web" "exit $WRC"
"$W" blackhole r2 off 2>/dev/null
ask r2 CAA "$VTG_NAME_SECURE"; expect "blackhole off: r2 resolves again" NOERROR 1 'secure-ca.vtg'

"$W" webhole r2 on 2>/dev/null
web r2 --max-time 1 "http://$VTG_WEB_ADDR$VTG_WEB_CHALLENGE_PATH"
[ "$WRC" = 28 ] && ok "webhole on: r2 http times out" || bad "webhole on: r2 http" "exit $WRC"
OUT=$(ip netns exec vtg-r2 timeout 1 openssl s_client -alpn acme-tls/1 -servername "$VTG_NAME_ALPN" \
      -connect "$VTG_ALPN_ADDR:443" </dev/null 2>&1); rc=$?
[ "$rc" = 124 ] && ok "webhole on: r2 TLS to $VTG_ALPN_ADDR:443 hangs" || bad "webhole on: r2 tls" "exit $rc"
ask r2 CAA "$VTG_NAME_SECURE"; expect "webhole on: r2 DNS unaffected" NOERROR 1 'secure-ca.vtg'
web r1 "http://$VTG_WEB_ADDR$VTG_WEB_CHALLENGE_PATH"
[ "$OUT" = "$VTG_WEB_KEYAUTH" ] && ok "webhole on: r1 web unaffected" || bad "webhole on: r1 web" "exit $WRC"
OUT=$("$W" status 2>/dev/null)
grep -q '^r2: .* webhole=on' <<<"$OUT" && ok "webhole on: status shows it" || bad "webhole: status" "no webhole=on for r2"
"$W" webhole r2 off 2>/dev/null
web r2 "http://$VTG_WEB_ADDR$VTG_WEB_CHALLENGE_PATH"
[ "$OUT" = "$VTG_WEB_KEYAUTH" ] && ok "webhole off: r2 web works again" || bad "webhole off: r2 web" "exit $WRC"

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

# ---------------------------------------------------------------- MPIC agents
# Between perspectives only p0 -> rN TCP 8443/8444 (the coordinator to the
# agents) crosses the core; with or without agents running.
OUT=$(ip netns exec vtg-p0 kdig @"$VTG_R1_SRC" +time=1 +retry=0 SOA . 2>&1)
[ -z "$(status_of)" ] && ok "isolation: p0 cannot query r1's unbound ($VTG_R1_SRC:53)" || bad "isolation: p0 -> r1:53" "answered"
OUT=$(ip netns exec vtg-r1 kdig @"$VTG_P0_SRC" +time=1 +retry=0 SOA . 2>&1)
[ -z "$(status_of)" ] && ok "isolation: r1 cannot query p0's unbound ($VTG_P0_SRC:53)" || bad "isolation: r1 -> p0:53" "answered"
OUT=$(ip netns exec vtg-r1 kdig @"$VTG_R2_SRC" +time=1 +retry=0 SOA . 2>&1)
[ -z "$(status_of)" ] && ok "isolation: r1 cannot reach r2" || bad "isolation: r1 -> r2:53" "answered"
ip netns exec vtg-r2 curl -s --max-time 1 -k -o /dev/null "https://$VTG_R1_SRC:$VTG_AGENT_PORT/healthz"
rc=$?; [ "$rc" != 0 ] && ok "isolation: r2 cannot reach r1's agent port (curl exit $rc)" || bad "isolation: r2 -> r1:$VTG_AGENT_PORT" "connected"

agents_started=0
if [ -n "$AGENT_BIN" ]; then
  "$W" agents status >/dev/null 2>&1 || agents_started=1
  t0=$(date +%s%N)
  if "$W" agents on "$AGENT_BIN" 2>/dev/null; then
    ok "agents on $AGENT_BIN ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
  else bad "agents on" "world.sh agents on $AGENT_BIN failed"; fi
elif ! "$W" agents status >/dev/null 2>&1; then
  AGENT_BIN=-
  echo "skip MPIC agents: no --agents BINARY given and they do not run (smoke.sh --agents build/dev/vantage)"
fi
if [ "$AGENT_BIN" != - ]; then
  # A: curl from p0 (the coordinator's place) verifying the agent's server
  # certificate (SAN IP) with the world's agent CA; prints the HTTP status
  A() { ip netns exec vtg-p0 curl -s --max-time 5 --cacert "$VTG_AGENT_CA" -o "$AOUT" -w '%{http_code}' "$@" 2>/dev/null; }
  MT=(--cert "$VTG_AGENT_CLIENT_CERT" --key "$VTG_AGENT_CLIENT_KEY")
  AOUT=$(mktemp /tmp/vtg-smoke-agent.XXXXXX)
  "$W" agents status >/dev/null 2>&1 && ok "agents status: all answer" || bad "agents status" "$("$W" agents status 2>&1 | grep -v 'healthz 200')"
  for p in $VTG_AGENTS; do
    P=${p^^}; eval "url=\$VTG_${P}_AGENT_URL"
    # shellcheck disable=SC2154
    st=$(A "${MT[@]}" "$url/healthz")
    [ "$st" = 200 ] && grep -q '"ok"' "$AOUT" && ok "agent $p: $url/healthz 200 with the client certificate" ||
      bad "agent $p: healthz" "status $st"
    for who in none expired other; do
      opt=()
      case $who in
        expired) opt=(--cert "$VTG_AGENT_EXPIRED_CERT" --key "$VTG_AGENT_EXPIRED_KEY") ;;
        other) opt=(--cert "$VTG_AGENT_OTHER_CERT" --key "$VTG_AGENT_OTHER_KEY") ;;
      esac
      ip netns exec vtg-p0 curl -s --max-time 5 --cacert "$VTG_AGENT_CA" "${opt[@]}" -o /dev/null "$url/healthz"
      rc=$?
      # 35: TLS handshake failed; 55 / 56: send / receive failed (in TLS 1.3
      # the server refuses the client's certificate after the client has
      # finished its side of the handshake); anything but an answer
      case $rc in 0) bad "agent $p: client cert '$who'" "served" ;; 28) bad "agent $p: client cert '$who'" "timed out" ;;
        *) ok "agent $p: refused without a valid client certificate ($who: curl exit $rc)" ;; esac
    done
  done
  # the API-key agent: right key 200, wrong 401, none 401
  hdr=$(mktemp /tmp/vtg-smoke-hdr.XXXXXX)
  printf 'x-api-key: %s\n' "$(cat "$VTG_AGENT_API_KEY_FILE")" >"$hdr"
  st=$(A -H "@$hdr" "$VTG_AGENT_KEY_URL/healthz"); expect_st() { [ "$2" = "$3" ] && ok "$1" || bad "$1" "status $2, want $3"; }
  expect_st "key agent: $VTG_AGENT_KEY_URL/healthz with the API key" "$st" 200
  printf 'Authorization: Bearer %s\n' "$(cat "$VTG_AGENT_API_KEY_FILE")" >"$hdr"
  st=$(A -H "@$hdr" "$VTG_AGENT_KEY_URL/healthz"); expect_st "key agent: Bearer key" "$st" 200
  printf 'x-api-key: %s\n' "$(cat "$VTG_AGENT_WRONG_KEY_FILE")" >"$hdr"
  st=$(A -H "@$hdr" -d '{"check_type":"caa","domain_or_ip_target":"www.'"$VTG_NAME_HIJACK"'"}' "$VTG_AGENT_KEY_URL/caa")
  expect_st "key agent: wrong key 401" "$st" 401
  st=$(A "$VTG_AGENT_KEY_URL/healthz"); expect_st "key agent: no key 401" "$st" 401
  rm -f "$hdr"
  # a CAA check through agents: the hijack name (good-ca.vtg at the victim,
  # evil-ca.example at the rogue); the agents' --ca is $VTG_AGENT_CAA_DOMAINS
  caa() { # caa P -> "passed records" of a POST /caa to P's agent
    local u; eval "u=\$VTG_${1^^}_AGENT_URL"
    st=$(A "${MT[@]}" -H 'Content-Type: application/json' \
      -d '{"check_type":"caa","domain_or_ip_target":"www.'"$VTG_NAME_HIJACK"'","trace_identifier":"smoke"}' "$u/caa")
    [ "$st" = 200 ] && jq -r '"\(.check_passed) \(.details.records_seen | join(","))"' "$AOUT" 2>/dev/null || echo "status $st"
  }
  got=$(caa r1); [ "$got" = 'true 0 issue "good-ca.vtg"' ] && ok "agent r1: /caa www.$VTG_NAME_HIJACK check_passed true" || bad "agent r1: /caa" "$got"
  pid3=$(cat "$VTG_R3_AGENT_PID_FILE" 2>/dev/null)
  "$W" hijack r3 on 2>/dev/null
  [ "$(cat "$VTG_R3_AGENT_PID_FILE" 2>/dev/null)" != "$pid3" ] && ok "hijack r3 on: r3's agent restarted (fresh cache)" || bad "hijack r3: agent" "not restarted"
  got=$(caa r3); [ "$got" = 'false 0 issue "evil-ca.example"' ] && ok "agent r3 hijacked: /caa check_passed false (evil-ca.example)" || bad "agent r3 hijacked: /caa" "$got"
  got=$(caa r1); [ "$got" = 'true 0 issue "good-ca.vtg"' ] && ok "agent r1 unaffected by r3's hijack" || bad "agent r1 during hijack" "$got"
  "$W" hijack r3 off 2>/dev/null
  got=$(caa r3); [ "$got" = 'true 0 issue "good-ca.vtg"' ] && ok "hijack r3 off: /caa check_passed true again" || bad "agent r3 restored" "$got"
  # agenthole: r2's agent ports silently dropped (a timeout, not a refusal)
  "$W" agenthole r2 on 2>/dev/null
  ip netns exec vtg-p0 curl -s --max-time 1 --cacert "$VTG_AGENT_CA" "${MT[@]}" -o /dev/null "$VTG_R2_AGENT_URL/healthz"
  rc=$?; [ "$rc" = 28 ] && ok "agenthole r2 on: its agent times out" || bad "agenthole r2" "curl exit $rc, want 28"
  st=$(A "${MT[@]}" "$VTG_R1_AGENT_URL/healthz"); expect_st "agenthole r2 on: r1's agent unaffected" "$st" 200
  ask r2 CAA "$VTG_NAME_SECURE"; expect "agenthole r2 on: r2 DNS unaffected" NOERROR 1 'secure-ca.vtg'
  OUT=$("$W" status 2>/dev/null)
  grep -q '^r2: .* agenthole=on' <<<"$OUT" && ok "agenthole on: status shows it" || bad "agenthole: status" "no agenthole=on for r2"
  "$W" agenthole r2 off 2>/dev/null
  st=$(A "${MT[@]}" "$VTG_R2_AGENT_URL/healthz"); expect_st "agenthole r2 off: answers again" "$st" 200
  rm -f "$AOUT"
  if [ "$agents_started" = 1 ]; then
    pids=$(cat "$VTG_AGENT_DIR"/*.pid 2>/dev/null)
    "$W" agents off 2>/dev/null
    left=0
    for pid in $pids; do
      st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) && [ "${st:0:1}" != Z ] && left=$((left + 1))
    done
    [ "$left" = 0 ] && ok "agents off: none of the $(wc -w <<<"$pids") agents left" || bad "agents off" "$left agents left"
    agents_started=0
  fi
fi

restore; trap - EXIT

# ---------------------------------------------------------------- teardown
if [ "$started" = 1 ] && [ "$KEEP" = 0 ]; then
  pids=$(awk '$1 == "pid" { print $3 }' "$VTG_WORLD_DIR/created.list" | xargs cat 2>/dev/null)
  # the world's namespaces (others named vtg-* may belong to other tools) and
  # everything running in them (nginx workers and the like too)
  nss=$(awk '$1 == "netns" { print $2 }' "$VTG_WORLD_DIR/created.list")
  nspids=$(for ns in $nss; do ip netns pids "$ns" 2>/dev/null; done)
  t0=$(date +%s%N)
  if "$W" down; then ok "world down ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"; else bad "world down" "failed"; fi
  left=0
  for ns in $nss; do [ -e "/run/netns/$ns" ] && left=$((left + 1)); done
  [ "$left" = 0 ] && ok "down: none of the world's $(wc -w <<<"$nss") namespaces left" || bad "down" "$left of the world's namespaces left"
  procs=0
  for pid in $pids; do
    st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) && [ "${st:0:1}" != Z ] && procs=$((procs + 1))
  done
  [ "$procs" = 0 ] && ok "down: none of the world's $(wc -w <<<"$pids") daemons left" || bad "down" "$procs daemons left"
  procs=0
  for pid in $nspids; do
    st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) && [ "${st:0:1}" != Z ] && procs=$((procs + 1))
  done
  [ "$procs" = 0 ] && ok "down: none of the $(wc -w <<<"$nspids") processes of the namespaces left" || bad "down" "$procs processes left"
  [ -e "$VTG_WORLD_DIR/created.list" ] && bad "down" "state list left" || ok "down: state removed"
fi
finish
