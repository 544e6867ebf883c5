#!/usr/bin/env bash
# tests/world/world.sh - the local DNS world for vantage (run as root).
#
#   world.sh up | down | status | env [--json]
#   world.sh hijack PERSPECTIVE [on|off]      route one server address to a rogue server
#   world.sh blackhole PERSPECTIVE [on|off]   drop all DNS traffic leaving the perspective
#   world.sh webhole PERSPECTIVE [on|off]     drop its TCP to ports 80 and 443 (web validation)
#   world.sh loss PERSPECTIVE PERCENT         drop PERCENT % of outgoing UDP DNS queries
#   world.sh flush [PERSPECTIVE|all]          empty a perspective's unbound caches
#   world.sh querylog on [-a] | off | show    server-side query log (see README.md)
#   world.sh exec PERSPECTIVE CMD...          run CMD inside vtg-PERSPECTIVE
#   world.sh stats ROLE|all [--reset] [--raw] NSD counters (nsd-control stats_noreset)
#   world.sh agents on BINARY | off | status  `BINARY agent` in r1..r6 (mTLS, :8443) + r1 API key (:8444)
#   world.sh agenthole REMOTE [on|off]        drop TCP to that remote's agent ports (8443, 8444)
#
# Everything lives in network namespaces named vtg-*, addresses only from
# 198.18.0.0/15; nothing is connected to the host's own interfaces.  Every
# namespace, veth, PID file and directory created is recorded in
# $VTG_WORLD_DIR/created.list (default /run/vantage-world) and `down` removes
# exactly those.  See README.md for the topology and the test names.
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${VTG_WORLD_DIR:-/run/vantage-world}
LIST=$STATE/created.list
ENV_COPY=$HERE/world.env

PERSPECTIVES=(p0 r1 r2 r3 r4 r5 r6)
declare -A PIDX=([p0]=0 [r1]=1 [r2]=2 [r3]=3 [r4]=4 [r5]=5 [r6]=6)
declare -A RIR=([p0]="ARIN" [r1]="ARIN" [r2]="RIPE NCC" [r3]="APNIC"
                [r4]="RIPE NCC" [r5]="LACNIC" [r6]="AFRINIC")

# Server addresses (all on lo of vtg-auth, except the rogue copy of VICTIM in
# vtg-rogue and DROP, which nothing holds and the core drops).
A_ROOT=198.18.0.1       # a.root-servers.vtest   NSD "root"
A_ROOT2=198.18.0.4      # b.root-servers.vtest   NSD "root"
A_TLD_VTEST=198.18.0.2  # ns.nic.vtest           NSD "tld"
A_TLD_VEX=198.18.0.3    # ns.nic.vexample        NSD "tld"
A_SLD_A=198.18.0.10     # a.ns.vtest             NSD "sld-a"
A_SLD_B=198.18.0.11     # b.ns.vtest             NSD "sld-b"
A_KNOT=198.18.0.12      # servfail.ns.vtest      Knot "knot" (SERVFAIL zones, whoami)
A_DROP=198.18.0.13      # drop.ns.vtest          dropped in vtg-net (timeouts)
A_VICTIM=198.18.0.14    # victim.ns.vtest        NSD "victim"; rogue copy in vtg-rogue
A_BENCH=198.18.0.20     # bench.ns.vtest         NSD "bench" (100k-name zone)
A_WEB=198.18.0.30       # ok.web.vexample        nginx "auth" (http :80, https :443); also on VICTIM:80
A_ALPN=198.18.0.31      # alpn.web.vexample      vtg-alpn (TLS-ALPN-01 responder, :443)
A_REFUSED=198.18.0.33   # refused.web.vexample   on lo, nothing listens: connection refused
SERVER_NET=198.18.0.0/24
# core <-> auth / rogue links
L_AUTH_CORE=198.18.255.1 L_AUTH=198.18.255.2
L_ROGUE_CORE=198.18.255.5 L_ROGUE=198.18.255.6
# perspective N: link 198.19.N.0/24, core .1, perspective (source address) .2
PERSP_NET=198.19.0.0/16
HIJACK_TABLE=100
PTR_ZONE=0.18.198.in-addr.arpa   # reverse zone of SERVER_NET, on the victim
# MPIC agents (`world.sh agents on BINARY`): `vantage agent` in every remote,
# on 198.19.N.2:AGENT_PORT with mutual TLS, plus one with an API key in
# AGENT_KEY_P on AGENT_KEY_PORT.  The coordinator (a test's `vantage`) runs in
# p0: p0 may open TCP to these ports of the remotes and nothing else crosses
# between perspectives (nft_core).
AGENT_PORT=8443
AGENT_KEY_PORT=8444
AGENT_KEY_P=r1
AGENT_CAA_DOMAINS=good-ca.vtg    # the agents' --ca (a /caa request without caa_domains)
AGENT_REMOTES=(r1 r2 r3 r4 r5 r6)

BENCH_COUNT=${VTG_BENCH_COUNT:-100000}
CACHE_COUNT=${VTG_CACHE_COUNT:-100000}   # names in names-cache.txt (NXDOMAIN leaves)
[[ $BENCH_COUNT =~ ^[0-9]+$ ]] || { echo "world: error: VTG_BENCH_COUNT must be a number" >&2; exit 1; }
[[ $CACHE_COUNT =~ ^[0-9]+$ ]] || { echo "world: error: VTG_CACHE_COUNT must be a number" >&2; exit 1; }
# every NSD the world runs (world.sh stats ROLE); all but rogue sit in vtg-auth
NSD_ROLES=(root tld sld-a sld-b victim bench rogue)
# bumped whenever up builds something new: a running world with another
# version is not healthy, so `up` rebuilds it instead of keeping it
WORLD_VERSION=6
BIG_COUNT=100          # CAA records at the big names (about 3.5 kB)

log() { printf 'world: %s\n' "$*" >&2; }
die() { printf 'world: error: %s\n' "$*" >&2; exit 1; }
need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root"; }

lock() {
  exec 9<"${BASH_SOURCE[0]}"
  flock -w 300 9 || die "another world.sh is running"
}

rec() { printf '%s\n' "$*" >>"$LIST"; }
src_of() { echo "198.19.${PIDX[$1]}.2"; }
core_of() { echo "198.19.${PIDX[$1]}.1"; }
check_persp() {
  [ -n "${1:-}" ] && [ -n "${PIDX[$1]+x}" ] || die "unknown perspective '${1:-}' (one of ${PERSPECTIVES[*]})"
}
# (fd 9 holds the world lock; daemons must not inherit it)
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@" 9<&-; }
is_up() { [ -s "$LIST" ]; }
# alive PID: the process exists and is not a zombie (daemons are reparented to
# PID 1, which may reap them late; a zombie holds no socket and no namespace)
alive() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "${st:0:1}" != Z ]
}
pf_alive() { [ -s "$1" ] && alive "$(cat "$1")"; }

# ---------------------------------------------------------------- namespaces
ns_add() {
  local ns=$1
  rec netns "$ns"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

# veth NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: a pair created directly inside
# the two namespaces (never visible in the host namespace).
veth() {
  local n1=$1 i1=$2 a1=$3 n2=$4 i2=$5 a2=$6
  rec veth "$n1/$i1" "$n2/$i2"
  ip -n "$n1" link add "$i1" type veth peer name "$i2" netns "$n2"
  ip -n "$n1" addr add "$a1" dev "$i1"
  ip -n "$n2" addr add "$a2" dev "$i2"
  ip -n "$n1" link set "$i1" up
  ip -n "$n2" link set "$i2" up
}

build_net() {
  local p i
  for ns in vtg-net vtg-auth vtg-rogue; do ns_add "$ns"; done
  for p in "${PERSPECTIVES[@]}"; do ns_add "vtg-$p"; done
  nsx vtg-net sysctl -qw net.ipv4.ip_forward=1

  veth vtg-net vtg-auth "$L_AUTH_CORE/30" vtg-auth vtg-uplink "$L_AUTH/30"
  veth vtg-net vtg-rogue "$L_ROGUE_CORE/30" vtg-rogue vtg-uplink "$L_ROGUE/30"
  for a in $A_ROOT $A_ROOT2 $A_TLD_VTEST $A_TLD_VEX $A_SLD_A $A_SLD_B $A_KNOT $A_VICTIM $A_BENCH \
           $A_WEB $A_ALPN $A_REFUSED; do
    ip -n vtg-auth addr add "$a/32" dev lo
  done
  ip -n vtg-rogue addr add "$A_VICTIM/32" dev lo
  ip -n vtg-net route add "$SERVER_NET" via "$L_AUTH"
  ip -n vtg-auth route add "$PERSP_NET" via "$L_AUTH_CORE"
  ip -n vtg-rogue route add "$PERSP_NET" via "$L_ROGUE_CORE"
  # the hijack table: the victim address via the rogue link
  ip -n vtg-net route add "$A_VICTIM/32" via "$L_ROGUE" table "$HIJACK_TABLE"

  for p in "${PERSPECTIVES[@]}"; do
    i=${PIDX[$p]}
    veth vtg-net "vtg-$p" "198.19.$i.1/24" "vtg-$p" vtg-uplink "198.19.$i.2/24"
    ip -n "vtg-$p" route add "$SERVER_NET" via "198.19.$i.1"
  done
  # the coordinator (p0) and the agents (r1..r6): host routes both ways; the
  # core lets only TCP to the agent ports (and its answers) through (nft_core)
  for p in "${AGENT_REMOTES[@]}"; do
    i=${PIDX[$p]}
    ip -n vtg-p0 route add "198.19.$i.2/32" via 198.19.0.1
    ip -n "vtg-$p" route add 198.19.0.2/32 via "198.19.$i.1"
  done

  # the timeout address: every packet to it dies in the core
  nft_core
}

# (Re)write the core's nft table from the switch files, atomically.  The drops
# happen in the core (the "internet"), not in the perspective: a packet dropped
# by the sender's own output hook makes sendmsg() fail with EPERM, which is not
# what a lost or blackholed packet looks like to the sender.
nft_core() {
  local p bh wh loss ah rules="" agents=""
  for p in "${AGENT_REMOTES[@]}"; do
    agents+="${agents:+, }$(src_of "$p")"
    ah=$(cat "$STATE/switch/$p.agenthole" 2>/dev/null || echo off)
    if [ "$ah" = on ]; then
      rules+="    ip daddr $(src_of "$p") tcp dport { $AGENT_PORT, $AGENT_KEY_PORT } counter drop comment \"agenthole $p\""$'\n'
    fi
  done
  for p in "${PERSPECTIVES[@]}"; do
    bh=$(cat "$STATE/switch/$p.blackhole" 2>/dev/null || echo off)
    wh=$(cat "$STATE/switch/$p.webhole" 2>/dev/null || echo off)
    loss=$(cat "$STATE/switch/$p.loss" 2>/dev/null || echo 0)
    if [ "$bh" = on ]; then
      rules+="    iifname \"vtg-$p\" meta l4proto { udp, tcp } th dport 53 counter drop comment \"blackhole $p\""$'\n'
    fi
    if [ "$wh" = on ]; then
      rules+="    iifname \"vtg-$p\" tcp dport { 80, 443 } counter drop comment \"webhole $p\""$'\n'
    fi
    if [ "$loss" -ge 100 ]; then  # (nft refuses "mod 100 < 100")
      rules+="    iifname \"vtg-$p\" meta l4proto udp th dport 53 counter drop comment \"loss $p 100%\""$'\n'
    elif [ "$loss" -gt 0 ]; then
      rules+="    iifname \"vtg-$p\" meta l4proto udp th dport 53 numgen random mod 100 < $loss counter drop comment \"loss $p $loss%\""$'\n'
    fi
  done
  nsx vtg-net nft -f - <<EOF
table inet vtg
delete table inet vtg
table inet vtg {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip daddr $A_DROP counter drop comment "timeout server"
$rules    iifname "vtg-p0" ip saddr 198.19.0.2 ip daddr { $agents } tcp dport { $AGENT_PORT, $AGENT_KEY_PORT } accept comment "coordinator to agents"
    iifname "vtg-r*" ip saddr { $agents } ip daddr 198.19.0.2 tcp sport { $AGENT_PORT, $AGENT_KEY_PORT } accept comment "agents to coordinator"
    ip saddr $PERSP_NET ip daddr $PERSP_NET counter drop comment "nothing else between perspectives"
  }
}
EOF
}

# ---------------------------------------------------------------- DNSSEC keys
KEYS=""
keygen() { # keygen ZONE ksk|zsk -> prints base path
  local flag=""; [ "$2" = ksk ] && flag=-k
  (cd "$KEYS" && ldns-keygen -a ECDSAP256SHA256 $flag -r /dev/urandom "$1") | sed "s|^|$KEYS/|"
}
ds_of() { ldns-key2ds -n -2 "$1.key"; }

SIG_INC="" SIG_EXP=""
sign() { # sign IN OUT ORIGIN [-n] KEYBASE...
  local in=$1 out=$2 origin=$3; shift 3
  local opts=()
  if [ "${1:-}" = -n ]; then opts=(-n -a 1 -t 0); shift; fi
  ldns-signzone "${opts[@]}" -i "$SIG_INC" -e "$SIG_EXP" -o "$origin" -f "$out" "$in" "$@" >/dev/null
}

soa() { # soa ZONE MNAME
  printf '$TTL 300\n%s 3600 IN SOA %s hostmaster.%s %s 3600 600 86400 60\n' "$1" "$2" "$1" "$SERIAL"
}

big_caa() { # big_caa OWNER
  local i
  for ((i = 0; i < BIG_COUNT; i++)); do
    printf '%s CAA 0 issue "big-ca-%03d.vtg; account=%03d"\n' "$1" "$i" "$i"
  done
}

build_zones() {
  local Z=$STATE/zones
  KEYS=$STATE/keys
  SERIAL=$(date +%s)
  SIG_INC=$(( $(date +%s) - 3600 ))
  SIG_EXP=$(( $(date +%s) + 30 * 86400 ))

  # keys: KSK+ZSK for the root and vtest, one CSK for the second level
  local k_root_ksk k_root_zsk k_vt_ksk k_vt_zsk k_secure k_bogus k_bogusds k_bogusds_wrong
  local k_deep k_target k_hij k_hij_rogue k_sfs k_tos
  k_root_ksk=$(keygen . ksk); k_root_zsk=$(keygen . zsk)
  k_vt_ksk=$(keygen vtest ksk); k_vt_zsk=$(keygen vtest zsk)
  k_secure=$(keygen secure.vtest ksk)
  k_bogus=$(keygen bogus.vtest ksk)
  k_bogusds=$(keygen bogus-ds.vtest ksk)
  k_bogusds_wrong=$(keygen bogus-ds.vtest ksk)
  k_deep=$(keygen deep.vtest ksk)
  k_target=$(keygen target.vtest ksk)
  k_hij=$(keygen hijack-signed.vtest ksk)
  k_hij_rogue=$(keygen hijack-signed.vtest ksk)
  k_sfs=$(keygen servfail-signed.vtest ksk)
  k_tos=$(keygen timeout-signed.vtest ksk)

  # ---- second level, server sld-a (198.18.0.10)
  { soa secure.vtest. a.ns.vtest.
    cat <<'EOF'
secure.vtest. NS a.ns.vtest.
secure.vtest. CAA 0 issue "secure-ca.vtg"
secure.vtest. CAA 0 issuewild ";"
secure.vtest. CAA 0 iodef "mailto:security@secure.vtest"
www.secure.vtest. A 198.18.0.250
alias.secure.vtest. CNAME www.target.vtest.
alias-insecure.secure.vtest. CNAME www.target.vexample.
alias-bogus.secure.vtest. CNAME bogus.vtest.
alias-nx.secure.vtest. CNAME nothere.target.vtest.
old.secure.vtest. DNAME target.vtest.
old.secure.vtest. CAA 0 issue "dname-owner-ca.vtg"
*.wild.secure.vtest. CAA 0 issue "wild-ca.vtg"
exists.wild.secure.vtest. A 198.18.0.250
_acme-challenge.secure.vtest. TXT "secure-dns01-token-LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowy"
_acme-challenge.alias.secure.vtest. CNAME _acme-challenge.secure.vtest.
_validation-persist.secure.vtest. TXT "secure-ca.vtg; accounturi=https://ca.vtg/acme/acct/1001"
EOF
    big_caa big.secure.vtest.
  } >"$Z/secure.vtest.zone.in"
  sign "$Z/secure.vtest.zone.in" "$Z/secure.vtest.zone" secure.vtest. "$k_secure"

  { soa bogus.vtest. a.ns.vtest.
    cat <<'EOF'
bogus.vtest. NS a.ns.vtest.
bogus.vtest. CAA 0 issue "bogus-ca.vtg"
www.bogus.vtest. A 198.18.0.250
EOF
  } >"$Z/bogus.vtest.zone.in"
  sign "$Z/bogus.vtest.zone.in" "$Z/bogus.vtest.zone.signed" bogus.vtest. "$k_bogus"
  # corrupt the signature over the apex CAA RRset (one base64 character)
  awk -v OFS='\t' '$1 == "bogus.vtest." && $4 == "RRSIG" && $5 == "CAA" {
        s = $NF; c = substr(s, 12, 1); r = (c == "A") ? "B" : "A"
        $NF = substr(s, 1, 11) r substr(s, 13) } { print }' \
    "$Z/bogus.vtest.zone.signed" >"$Z/bogus.vtest.zone"
  cmp -s "$Z/bogus.vtest.zone.signed" "$Z/bogus.vtest.zone" && die "bogus.vtest: no CAA RRSIG corrupted"

  { soa bogus-ds.vtest. a.ns.vtest.
    cat <<'EOF'
bogus-ds.vtest. NS a.ns.vtest.
bogus-ds.vtest. CAA 0 issue "bogus-ds-ca.vtg"
EOF
  } >"$Z/bogus-ds.vtest.zone.in"
  sign "$Z/bogus-ds.vtest.zone.in" "$Z/bogus-ds.vtest.zone" bogus-ds.vtest. "$k_bogusds"

  { soa deep.vtest. a.ns.vtest.
    cat <<'EOF'
deep.vtest. NS a.ns.vtest.
deep.vtest. CAA 0 issue "parent-ca.vtg"
a.b.c.deep.vtest. A 198.18.0.250
x.deep.vtest. A 198.18.0.250
EOF
  } >"$Z/deep.vtest.zone.in"
  sign "$Z/deep.vtest.zone.in" "$Z/deep.vtest.zone" deep.vtest. -n "$k_deep"

  { soa insecure.vtest. a.ns.vtest.
    cat <<'EOF'
insecure.vtest. NS a.ns.vtest.
insecure.vtest. CAA 0 issue "insecure-ca.vtg"
www.insecure.vtest. A 198.18.0.250
EOF
  } >"$Z/insecure.vtest.zone"

  { soa plain.vexample. a.ns.vtest.
    cat <<'EOF'
plain.vexample. NS a.ns.vtest.
plain.vexample. CAA 0 issue "plain-ca.vtg"
www.plain.vexample. A 198.18.0.250
EOF
    big_caa big.plain.vexample.
  } >"$Z/plain.vexample.zone"

  # glueless-host.vexample (delegated with glue ns1 -> sld-a): holds the
  # address of the name server of the glue-less delegation glueless.vexample
  { soa glueless-host.vexample. ns1.glueless-host.vexample.
    cat <<EOF
glueless-host.vexample. NS ns1.glueless-host.vexample.
ns1.glueless-host.vexample. A $A_SLD_A
ns.glueless-host.vexample. A $A_SLD_B
EOF
  } >"$Z/glueless-host.vexample.zone"

  # web.vexample (sld-a): the names of web validation (http-01, website
  # change, tls-alpn-01); the servers behind them are in web_start
  { soa web.vexample. a.ns.vtest.
    echo 'web.vexample. NS a.ns.vtest.'
    local w
    for w in ok r301 r302 r307 r308 r303 r300 rel https port8080 port80 ftp loop-a loop-b \
             status500 slow big c{1..11}; do
      echo "$w.web.vexample. A $A_WEB"
    done
    for w in alpn alpn-baddigest alpn-noncritical alpn-twosan alpn-noalpn alpn-wrongsan; do
      echo "$w.web.vexample. A $A_ALPN"
    done
    echo "refused.web.vexample. A $A_REFUSED"
    echo "timeout.web.vexample. A $A_DROP"
    echo 'noaddr.web.vexample. TXT "a name without an address"'
  } >"$Z/web.vexample.zone"

  # ---- second level, server sld-b (198.18.0.11): alias targets
  { soa target.vtest. b.ns.vtest.
    cat <<'EOF'
target.vtest. NS b.ns.vtest.
www.target.vtest. CAA 0 issue "target-ca.vtg"
www.target.vtest. A 198.18.0.250
nocaa.target.vtest. A 198.18.0.250
critical.target.vtest. CAA 128 tbs "unknown-critical"
critical.target.vtest. CAA 0 issue "target-ca.vtg"
EOF
  } >"$Z/target.vtest.zone.in"
  sign "$Z/target.vtest.zone.in" "$Z/target.vtest.zone" target.vtest. -n "$k_target"

  { soa target.vexample. b.ns.vtest.
    cat <<'EOF'
target.vexample. NS b.ns.vtest.
www.target.vexample. CAA 0 issue "target-insecure-ca.vtg"
EOF
  } >"$Z/target.vexample.zone"

  # CNAME loops: a -> b -> a, and self -> self
  { soa loop.vexample. b.ns.vtest.
    cat <<'EOF'
loop.vexample. NS b.ns.vtest.
a.loop.vexample. CNAME b.loop.vexample.
b.loop.vexample. CNAME a.loop.vexample.
self.loop.vexample. CNAME self.loop.vexample.
EOF
  } >"$Z/loop.vexample.zone"

  # glue-less delegation target: the TLD says NS ns.glueless-host.vexample.
  # without an address; that name resolves (via glueless-host.vexample) to us
  { soa glueless.vexample. ns.glueless-host.vexample.
    cat <<'EOF'
glueless.vexample. NS ns.glueless-host.vexample.
glueless.vexample. CAA 0 issue "glueless-ca.vtg"
www.glueless.vexample. A 198.18.0.250
EOF
  } >"$Z/glueless.vexample.zone"

  # ---- victim (198.18.0.14) and its rogue copy
  local zr=$STATE/rogue/zones
  { soa hijack.vexample. victim.ns.vtest.
    echo 'hijack.vexample. NS victim.ns.vtest.'
    echo 'hijack.vexample. CAA 0 issue "good-ca.vtg"'
    echo 'www.hijack.vexample. A 198.18.0.250'
    # DCV records (BR 3.2.2.4): the rogue copy below answers other values
    echo '_acme-challenge.www.hijack.vexample. TXT "good-dns01-token-" "Xq3yYc0lTNWmB5l2cJ6A8w"'
    echo '_acme-challenge.www.hijack.vexample. TXT "an-older-token"'
    echo '_acme-challenge.alias.hijack.vexample. CNAME _acme-challenge.www.hijack.vexample.'
    echo '_vtg-dcv.www.hijack.vexample. CNAME www.dcv.good-ca.vtg.'
    # a target in the same zone: servers compress it against the question
    echo '_vtg-dcv.alias.hijack.vexample. CNAME dcv-target.www.hijack.vexample.'
    echo '_validation-persist.www.hijack.vexample. TXT "good-ca.vtg; accounturi=https://good-ca.vtg/acct/7"'
    echo '_validation-contactemail.www.hijack.vexample. TXT "hostmaster@hijack.vexample"'
    # web validation through the victim address: nginx there (vtg-auth) and
    # its rogue twin (vtg-rogue) serve different webroots
    echo "web.hijack.vexample. A $A_VICTIM"
  } >"$Z/hijack.vexample.zone"
  { soa hijack.vexample. victim.ns.vtest.
    echo 'hijack.vexample. NS victim.ns.vtest.'
    echo 'hijack.vexample. CAA 0 issue "evil-ca.example"'
    echo 'www.hijack.vexample. A 198.18.0.251'
    echo '_acme-challenge.www.hijack.vexample. TXT "evil-dns01-token-from-the-rogue"'
    echo '_acme-challenge.alias.hijack.vexample. CNAME _acme-challenge.www.hijack.vexample.'
    echo '_vtg-dcv.www.hijack.vexample. CNAME www.dcv.evil-ca.example.'
    echo '_vtg-dcv.alias.hijack.vexample. CNAME dcv-evil.www.hijack.vexample.'
    echo '_validation-persist.www.hijack.vexample. TXT "evil-ca.example; accounturi=https://evil-ca.example/acct/1"'
    echo '_validation-contactemail.www.hijack.vexample. TXT "attacker@evil.example"'
    echo "web.hijack.vexample. A $A_VICTIM"
  } >"$zr/hijack.vexample.zone"
  { soa hijack-signed.vtest. victim.ns.vtest.
    echo 'hijack-signed.vtest. NS victim.ns.vtest.'
    echo 'hijack-signed.vtest. CAA 0 issue "good-ca.vtg"'
  } >"$Z/hijack-signed.vtest.zone.in"
  sign "$Z/hijack-signed.vtest.zone.in" "$Z/hijack-signed.vtest.zone" hijack-signed.vtest. "$k_hij"
  { soa hijack-signed.vtest. victim.ns.vtest.
    echo 'hijack-signed.vtest. NS victim.ns.vtest.'
    echo 'hijack-signed.vtest. CAA 0 issue "evil-ca.example"'
  } >"$zr/hijack-signed.vtest.zone.in"
  sign "$zr/hijack-signed.vtest.zone.in" "$zr/hijack-signed.vtest.zone" hijack-signed.vtest. "$k_hij_rogue"

  # ---- reverse zone of the server net (victim, delegated from the root
  # without DS): a hijacked perspective sees the rogue's PTR records
  { soa "$PTR_ZONE." victim.ns.vtest.
    echo "$PTR_ZONE. NS victim.ns.vtest."
    echo "30.$PTR_ZONE. PTR ok.web.vexample."
    echo "31.$PTR_ZONE. PTR alpn.web.vexample."
    echo "14.$PTR_ZONE. PTR web.hijack.vexample."
  } >"$Z/$PTR_ZONE.zone"
  { soa "$PTR_ZONE." victim.ns.vtest.
    echo "$PTR_ZONE. NS victim.ns.vtest."
    echo "30.$PTR_ZONE. PTR evil.example."
    echo "31.$PTR_ZONE. PTR alpn.web.vexample."
    echo "14.$PTR_ZONE. PTR evil.example."
  } >"$zr/$PTR_ZONE.zone"

  # ---- bench (198.18.0.20): BENCH_COUNT names, each with its own CAA
  { soa bench.vexample. bench.ns.vtest.
    echo 'bench.vexample. NS bench.ns.vtest.'
  } >"$Z/bench.vexample.zone"
  awk -v n="$BENCH_COUNT" -v names="$STATE/names-bench.txt" 'BEGIN {
        for (i = 0; i < n; i++) {
          printf "n%06d.bench.vexample. CAA 0 issue \"ca-%06d.bench.vtg\"\n", i, i
          printf "n%06d.bench.vexample\n", i > names
        } }' >>"$Z/bench.vexample.zone"

  # ---- cache test (also on bench): 100 parents pNN with CAA; the CACHE_COUNT
  # names nXXXXX.pYY (YY = XXXXX mod 100) do not exist, so each one's CAA is
  # found one label up, at one of only 100 parents
  { soa cache.vexample. ns.cache.vexample.
    echo 'cache.vexample. NS ns.cache.vexample.'
    echo "ns.cache.vexample. A $A_BENCH"
    awk 'BEGIN { for (i = 0; i < 100; i++) {
          printf "p%02d.cache.vexample. CAA 0 issue \"ca-p%02d.cache.vtg\"\n", i, i
          printf "p%02d.cache.vexample. A 198.18.0.250\n", i } }'
  } >"$Z/cache.vexample.zone"
  awk -v n="$CACHE_COUNT" 'BEGIN {
        for (i = 0; i < n; i++) printf "n%05d.p%02d.cache.vexample\n", i, i % 100 }' \
    >"$STATE/names-cache.txt"

  # ---- knot (198.18.0.12): whoami; the SERVFAIL zones have no file on purpose
  # mod-whoami gives its answer the SOA's TTL: keep it at 1 s
  { printf 'whoami.vexample. 1 IN SOA servfail.ns.vtest. hostmaster.whoami.vexample. %s 3600 600 86400 1\n' "$SERIAL"
    echo 'whoami.vexample. 1 NS servfail.ns.vtest.'
  } >"$Z/whoami.vexample.zone"

  # ---- TLD vtest (signed, NSEC)
  { soa vtest. ns.nic.vtest.
    cat <<EOF
vtest. 86400 NS ns.nic.vtest.
ns.nic.vtest. 86400 A $A_TLD_VTEST
a.root-servers.vtest. 86400 A $A_ROOT
b.root-servers.vtest. 86400 A $A_ROOT2
a.ns.vtest. A $A_SLD_A
b.ns.vtest. A $A_SLD_B
servfail.ns.vtest. A $A_KNOT
drop.ns.vtest. A $A_DROP
victim.ns.vtest. A $A_VICTIM
bench.ns.vtest. A $A_BENCH
secure.vtest. NS a.ns.vtest.
bogus.vtest. NS a.ns.vtest.
bogus-ds.vtest. NS a.ns.vtest.
deep.vtest. NS a.ns.vtest.
insecure.vtest. NS a.ns.vtest.
target.vtest. NS b.ns.vtest.
lame.vtest. NS b.ns.vtest.
servfail-insecure.vtest. NS servfail.ns.vtest.
servfail-signed.vtest. NS servfail.ns.vtest.
timeout-insecure.vtest. NS drop.ns.vtest.
timeout-signed.vtest. NS drop.ns.vtest.
hijack-signed.vtest. NS victim.ns.vtest.
EOF
    ds_of "$k_secure"; ds_of "$k_bogus"; ds_of "$k_bogusds_wrong"; ds_of "$k_deep"
    ds_of "$k_target"; ds_of "$k_hij"; ds_of "$k_sfs"; ds_of "$k_tos"
  } >"$Z/vtest.zone.in"
  sign "$Z/vtest.zone.in" "$Z/vtest.zone" vtest. "$k_vt_ksk" "$k_vt_zsk"

  # ---- TLD vexample (unsigned)
  { soa vexample. ns.nic.vexample.
    cat <<EOF
vexample. 86400 NS ns.nic.vexample.
ns.nic.vexample. 86400 A $A_TLD_VEX
plain.vexample. NS a.ns.vtest.
target.vexample. NS b.ns.vtest.
lame.vexample. NS b.ns.vtest.
servfail.vexample. NS servfail.ns.vtest.
whoami.vexample. NS servfail.ns.vtest.
timeout.vexample. NS drop.ns.vtest.
hijack.vexample. NS victim.ns.vtest.
bench.vexample. NS bench.ns.vtest.
loop.vexample. NS b.ns.vtest.
rl1.vexample. NS ns.rl2.vexample.
rl2.vexample. NS ns.rl1.vexample.
glueless-host.vexample. NS ns1.glueless-host.vexample.
ns1.glueless-host.vexample. A $A_SLD_A
glueless.vexample. NS ns.glueless-host.vexample.
cache.vexample. NS ns.cache.vexample.
ns.cache.vexample. A $A_BENCH
web.vexample. NS a.ns.vtest.
EOF
  } >"$Z/vexample.zone"

  # ---- root (signed, NSEC)
  { printf '$TTL 86400\n. 86400 IN SOA a.root-servers.vtest. hostmaster.nic.vtest. %s 1800 900 604800 300\n' "$SERIAL"
    cat <<EOF
. 518400 NS a.root-servers.vtest.
. 518400 NS b.root-servers.vtest.
vtest. 172800 NS ns.nic.vtest.
ns.nic.vtest. 172800 A $A_TLD_VTEST
a.root-servers.vtest. 172800 A $A_ROOT
b.root-servers.vtest. 172800 A $A_ROOT2
vexample. 172800 NS ns.nic.vexample.
ns.nic.vexample. 172800 A $A_TLD_VEX
$PTR_ZONE. 172800 NS victim.ns.vtest.
victim.ns.vtest. 172800 A $A_VICTIM
EOF
    ds_of "$k_vt_ksk"
  } >"$Z/root.zone.in"
  sign "$Z/root.zone.in" "$Z/root.zone" . "$k_root_ksk" "$k_root_zsk"

  # ---- trust anchor (DS and DNSKEY forms) and root hints
  ds_of "$k_root_ksk" >"$STATE/root-anchor.ds"
  sed 's/;.*//' "$k_root_ksk.key" | grep -v '^\s*$' >"$STATE/root-anchor.dnskey"
  cat >"$STATE/root.hints" <<EOF
.                       3600000 IN NS a.root-servers.vtest.
.                       3600000 IN NS b.root-servers.vtest.
a.root-servers.vtest.   3600000 IN A  $A_ROOT
b.root-servers.vtest.   3600000 IN A  $A_ROOT2
EOF
}

# ---------------------------------------------------------------- daemons
# start_pid NS PIDFILE COMM: remember a daemon to stop on `down`
start_pid() { rec pid "$1" "$2" "$3"; }

wait_pidfile() { # wait_pidfile FILE WHAT
  local i
  for ((i = 0; i < 100; i++)); do
    pf_alive "$1" && return 0
    sleep 0.05
  done
  die "$2 did not start (see its log under $STATE)"
}

wait_answer() { # wait_answer NS SERVER QNAME QTYPE WHAT
  local i out
  for ((i = 0; i < 150; i++)); do
    out=$(nsx "$1" kdig @"$2" +norec +time=1 +retry=0 "$3" "$4" 2>/dev/null || true)
    if grep -q 'status: NOERROR' <<<"$out"; then return 0; fi
    sleep 0.1
  done
  die "$5 does not answer $3 $4 at $2"
}

nsd_start() { # nsd_start NS ROLE "ADDRS" ZONE... (zone files in $STATE/zones or rogue/zones)
  local ns=$1 role=$2 addrs=$3; shift 3
  local d=$STATE/run/$role zdir=$STATE/zones
  [ "$role" = rogue ] && zdir=$STATE/rogue/zones
  mkdir -p "$d"
  # (a unix socket path: at most 107 bytes)
  [ ${#d} -le 99 ] || die "VTG_WORLD_DIR is too long for NSD's control socket $d/nsd.ctl"
  {
    echo "server:"
    for a in $addrs; do echo "  ip-address: $a"; done
    cat <<EOF
  port: 53
  do-ip4: yes
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "$zdir"
  database: ""
  zonelistfile: "$d/zone.list"
  xfrdfile: "$d/xfrd.state"
  xfrdir: "$d"
  pidfile: "$d/nsd.pid"
  logfile: "$d/nsd.log"
  server-count: 1
  rrl-ratelimit: 0
  hide-version: yes
  verbosity: 1
  tcp-count: 256
  reuseport: no
remote-control:
  control-enable: yes
  control-interface: "$d/nsd.ctl"
EOF
    for z in "$@"; do
      local f=$z.zone; [ "$z" = . ] && f=root.zone
      printf 'zone:\n  name: "%s"\n  zonefile: "%s"\n' "$z" "$f"
    done
  } >"$d/nsd.conf"
  nsd-checkconf "$d/nsd.conf" || die "nsd.conf for $role is invalid"
  start_pid "$ns" "$d/nsd.pid" nsd
  nsx "$ns" nsd -c "$d/nsd.conf" || die "nsd $role failed to start"
}

knot_start() {
  local d=$STATE/run/knot
  mkdir -p "$d/db"
  cat >"$d/knot.conf" <<EOF
server:
  rundir: "$d"
  pidfile: "$d/knot.pid"
  listen: $A_KNOT@53
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
log:
  - target: "$d/knot.log"
    any: info
database:
  storage: "$d/db"
control:
  listen: "$d/knot.sock"
template:
  - id: default
    storage: "$STATE/zones"
    journal-content: none
    zonefile-sync: -1
    semantic-checks: off
zone:
  - domain: whoami.vexample
    file: "$STATE/zones/whoami.vexample.zone"
    module: mod-whoami
  # no files: Knot answers SERVFAIL for these
  - domain: servfail-insecure.vtest
    file: "$d/missing/servfail-insecure.vtest.zone"
  - domain: servfail-signed.vtest
    file: "$d/missing/servfail-signed.vtest.zone"
  - domain: servfail.vexample
    file: "$d/missing/servfail.vexample.zone"
EOF
  start_pid vtg-auth "$d/knot.pid" knotd
  nsx vtg-auth knotd -c "$d/knot.conf" -d || die "knotd failed to start"
}

unbound_start() {
  local p=$1 src d
  src=$(src_of "$p")
  d=$STATE/run/unbound-$p
  mkdir -p "$d"
  cat >"$d/unbound.conf" <<EOF
server:
  interface: 127.0.0.1
  interface: $src
  port: 53
  outgoing-interface: $src
  do-ip4: yes
  do-ip6: no
  access-control: 0.0.0.0/0 allow
  username: ""
  chroot: ""
  directory: "$d"
  pidfile: "$d/unbound.pid"
  logfile: "$d/unbound.log"
  use-syslog: no
  log-servfail: yes
  val-log-level: 2
  verbosity: 1
  num-threads: 1
  so-reuseport: no
  root-hints: "$STATE/root.hints"
  trust-anchor-file: "$STATE/root-anchor.ds"
  local-zone: "test." nodefault
  discard-timeout: 0
  wait-limit: 0
  do-not-query-localhost: no
  infra-cache-max-rtt: 1500
  outbound-msg-retry: 2
  val-bogus-ttl: 5
  ede: yes
  harden-dnssec-stripped: yes
remote-control:
  control-enable: yes
  control-interface: "$d/unbound.ctl"
  control-use-cert: no
EOF
  unbound-checkconf "$d/unbound.conf" >/dev/null || die "unbound.conf for $p is invalid"
  start_pid "vtg-$p" "$d/unbound.pid" unbound
  nsx "vtg-$p" unbound -c "$d/unbound.conf" || die "unbound $p failed to start"
}

ubctl() { local p=$1; shift; unbound-control -c "$STATE/run/unbound-$p/unbound.conf" "$@"; }

flush_persp() {
  local p=$1
  ubctl "$p" flush_zone . >/dev/null
  ubctl "$p" flush_infra all >/dev/null
  ubctl "$p" flush_bogus >/dev/null
  ubctl "$p" flush_negative >/dev/null
  ubctl "$p" flush_requestlist >/dev/null
}

# ---------------------------------------------------------------- web servers
# Web validation (http-01, website change, tls-alpn-01, BR 3.2.2.4.18/.19/.20
# and 3.2.2.5): one nginx in vtg-auth (198.18.0.30 :80/:443 and the victim
# address :80), its rogue twin in vtg-rogue (victim address :80) and the
# TLS-ALPN-01 responder vtg-alpn (198.18.0.31:443).  Each nginx has its own
# config, pid, logs and temp paths under run/nginx-ROLE; /etc/nginx is never
# read.  The workers run as root so that tests may write webroot files with
# any mode.
NGINX_ECHO=/usr/lib/nginx/modules/ngx_http_echo_module.so
WEB_TOKEN=qNetmNEohOceacPaVNYtVsuaaTXDI7feORcSuIR1qJY         # base64url, 43 chars
WEB_THUMBPRINT=MEuS7gJj5UaMMNBxawJxxeYAV7Xse57MJ-H1kcCDV4c    # "the account key's" (RFC 7638)
WEB_ROGUE_THUMBPRINT=T7jdiH6ep6rYti6plrUf-7_fOIINKJuJZW78ykeewpo
ALPN_TOKEN=kthICuGvAcQ37sg1pI8ro3C4ZJRPZcCkPVYU9sW3UYc
WEB_CHANGE_FILE=/.well-known/pki-validation/vtg-dcv.txt        # URL path = path under the webroot
WEB_CHANGE_VALUE=45oy2lwgglvvt74zgfy2sl2hhyi2yzxp              # 160 bits (BR: at least 112)
WEB_BIG_SIZE=1048576
WEB_SLOW_S=30
# redirecting names -> "STATUS LOCATION" (nginx variables allowed)
declare -A WEB_REDIRECT=(
  [r301]="301 http://ok.web.vexample\$request_uri"
  [r302]="302 http://ok.web.vexample\$request_uri"
  [r307]="307 http://ok.web.vexample\$request_uri"
  [r308]="308 http://ok.web.vexample\$request_uri"
  [r303]="303 http://ok.web.vexample\$request_uri"
  [https]="301 https://ok.web.vexample\$request_uri"
  [port8080]="301 http://ok.web.vexample:8080\$request_uri"
  [port80]="301 http://ok.web.vexample:80\$request_uri"
  [ftp]="301 ftp://ok.web.vexample\$request_uri"
  [loop-a]="302 http://loop-b.web.vexample\$request_uri"
  [loop-b]="302 http://loop-a.web.vexample\$request_uri"
)

web_files() {
  local w=$STATE/run/web
  mkdir -p "$w/www/.well-known/acme-challenge" "$w/www/.well-known/pki-validation" \
    "$w/rogue/.well-known/acme-challenge" "$w/rogue/.well-known/pki-validation" "$w/big" "$w/tls" \
    "$STATE/run/alpn"
  printf '%s.%s\n' "$WEB_TOKEN" "$WEB_THUMBPRINT" >"$w/www/.well-known/acme-challenge/$WEB_TOKEN"
  printf '%s.%s\n' "$WEB_TOKEN" "$WEB_ROGUE_THUMBPRINT" >"$w/rogue/.well-known/acme-challenge/$WEB_TOKEN"
  printf 'vantage world: website change (BR 3.2.2.4.18)\nrequest token: %s\nend\n' \
    "$WEB_CHANGE_VALUE" >"$w/www$WEB_CHANGE_FILE"
  printf 'vantage world: website change (BR 3.2.2.4.18)\nrequest token: rogue-%s\nend\n' \
    "$WEB_CHANGE_VALUE" >"$w/rogue$WEB_CHANGE_FILE"
  awk -v n=$((WEB_BIG_SIZE / 64)) 'BEGIN { for (i = 0; i < n; i++)
        printf "vantage world big body, line %07d: padding padding padding p\n", i }' >"$w/big/big.txt"
  [ "$(stat -c %s "$w/big/big.txt")" = "$WEB_BIG_SIZE" ] || die "big.txt is not $WEB_BIG_SIZE bytes"
  printf '%s.%s\n' "$ALPN_TOKEN" "$WEB_THUMBPRINT" >"$STATE/run/alpn/keyauth"
  # the https certificate of ok.web.vexample (and every *.web.vexample)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -keyout "$w/tls/key.pem" -out "$w/tls/cert.pem" -subj /CN=ok.web.vexample \
    -addext "subjectAltName=DNS:ok.web.vexample,DNS:*.web.vexample" 2>/dev/null ||
    die "openssl req failed (https certificate)"
}

# nginx_conf ROLE: the configuration of nginx "auth" or "rogue"
nginx_conf() {
  local role=$1 d=$STATE/run/nginx-$1 w=$STATE/run/web n i
  cat <<EOF
# nginx "$role" of the local world; written by world.sh up
$([ "$role" = auth ] && echo "load_module $NGINX_ECHO;")
user root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 1024; }
http {
  access_log $d/access.log;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  default_type text/plain;
  server_tokens off;
  sendfile on;
  keepalive_timeout 5;
EOF
  if [ "$role" = rogue ]; then
    cat <<EOF
  # the hijacker's web server on the victim address
  server {
    listen $A_VICTIM:80 default_server;
    server_name web.hijack.vexample;
    root $w/rogue;
  }
}
EOF
    return
  fi
  cat <<EOF
  # ok.web.vexample and the default server of $A_WEB (any Host, the address too)
  server {
    listen $A_WEB:80 default_server;
    listen $A_WEB:443 ssl default_server;
    server_name ok.web.vexample;
    ssl_certificate $w/tls/cert.pem;
    ssl_certificate_key $w/tls/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $w/www;
  }
  # the victim's web server (web.hijack.vexample)
  server {
    listen $A_VICTIM:80 default_server;
    server_name web.hijack.vexample;
    root $w/www;
  }
EOF
  for n in "${!WEB_REDIRECT[@]}"; do
    printf '  server { listen %s:80; server_name %s.web.vexample; return %s; }\n' "$A_WEB" "$n" "${WEB_REDIRECT[$n]}"
  done
  # cN -> c(N-1) -> ... -> c1 -> ok: starting at cN makes N redirects
  for ((i = 1; i <= 11; i++)); do
    local to=ok; [ $i -gt 1 ] && to=c$((i - 1))
    printf '  server { listen %s:80; server_name c%d.web.vexample; return 302 http://%s.web.vexample$request_uri; }\n' \
      "$A_WEB" "$i" "$to"
  done
  cat <<EOF
  # 300 Multiple Choices: nginx's return treats 300 as a plain status, so
  # the Location header is added by hand
  server {
    listen $A_WEB:80;
    server_name r300.web.vexample;
    add_header Location "http://ok.web.vexample\$request_uri" always;
    return 300;
  }
  # a relative Location (path-absolute reference, RFC 9110 10.2.2) on the
  # same host: the first request (no query) is sent to the same path with
  # "?relative=1", which is then served from the webroot
  server {
    listen $A_WEB:80;
    server_name rel.web.vexample;
    absolute_redirect off;
    root $w/www;
    location / {
      if (\$args = "") { return 301 "\${uri}?relative=1"; }
    }
  }
  server { listen $A_WEB:80; server_name status500.web.vexample; return 500; }
  # the answer comes after $WEB_SLOW_S s: a read timeout
  server {
    listen $A_WEB:80;
    server_name slow.web.vexample;
    location / { echo_sleep $WEB_SLOW_S; echo "slow"; }
  }
  # every path under /.well-known/ answers 200 with a $WEB_BIG_SIZE-byte body
  server {
    listen $A_WEB:80;
    server_name big.web.vexample;
    root $w/big;
    location /.well-known/ { rewrite ^ /big.txt break; }
  }
}
EOF
}

nginx_start() { # nginx_start NS ROLE
  local ns=$1 role=$2 d=$STATE/run/nginx-$2
  mkdir -p "$d/tmp"
  nginx_conf "$role" >"$d/nginx.conf"
  start_pid "$ns" "$d/nginx.pid" nginx
  nsx "$ns" nginx -q -e "$d/error.log" -c "$d/nginx.conf" || die "nginx $role failed to start (see $d/error.log)"
}

# The web files (webroots, https certificate) are written and vtg-alpn is
# compiled (-O0: a test server; about 0.2 s of CPU instead of 0.4) in the
# background while up builds the network and the zones; web_start waits.
web_prepare() {
  mkdir -p "$STATE/run/alpn"
  cc -O0 -o "$STATE/run/vtg-alpn" "$HERE/vtg-alpn.c" -lssl -lcrypto -lpthread \
    >"$STATE/run/alpn/build.log" 2>&1 9<&- &
  ALPN_CC=$!
  web_files 9<&- &
  WEB_FILES=$!
}

alpn_start() {
  local d=$STATE/run/alpn
  wait "$ALPN_CC" || die "cannot build vtg-alpn: $(cat "$d/build.log")"
  start_pid vtg-auth "$d/vtg-alpn.pid" vtg-alpn
  nsx vtg-auth "$STATE/run/vtg-alpn" -a "$A_ALPN" -p 443 -k "$d/keyauth" -l "$d/log" -P "$d/vtg-alpn.pid" -d \
    2>"$d/error.log" || die "vtg-alpn failed to start: $(cat "$d/error.log")"
}

web_start() {
  wait "$WEB_FILES" || die "cannot write the web files"
  nginx_start vtg-auth auth
  nginx_start vtg-rogue rogue
  alpn_start
}

start_daemons() {
  nsd_start vtg-auth root "$A_ROOT $A_ROOT2" .
  nsd_start vtg-auth tld "$A_TLD_VTEST $A_TLD_VEX" vtest vexample
  nsd_start vtg-auth sld-a "$A_SLD_A" secure.vtest bogus.vtest bogus-ds.vtest deep.vtest insecure.vtest plain.vexample \
    glueless-host.vexample web.vexample
  nsd_start vtg-auth sld-b "$A_SLD_B" target.vtest target.vexample loop.vexample glueless.vexample
  nsd_start vtg-auth victim "$A_VICTIM" hijack.vexample hijack-signed.vtest "$PTR_ZONE"
  nsd_start vtg-auth bench "$A_BENCH" bench.vexample cache.vexample
  nsd_start vtg-rogue rogue "$A_VICTIM" hijack.vexample hijack-signed.vtest "$PTR_ZONE"
  knot_start
  web_start
  local r
  for r in root tld sld-a sld-b victim bench rogue; do wait_pidfile "$STATE/run/$r/nsd.pid" "nsd $r"; done
  wait_pidfile "$STATE/run/knot/knot.pid" knotd
  wait_answer vtg-auth $A_ROOT . SOA "nsd root"
  wait_answer vtg-auth $A_TLD_VTEST vtest SOA "nsd tld"
  wait_answer vtg-auth $A_SLD_A secure.vtest SOA "nsd sld-a"
  wait_answer vtg-auth $A_SLD_B target.vtest SOA "nsd sld-b"
  wait_answer vtg-auth $A_VICTIM hijack.vexample SOA "nsd victim"
  wait_answer vtg-rogue $A_VICTIM hijack.vexample SOA "nsd rogue"
  wait_answer vtg-auth $A_KNOT whoami.vexample SOA knotd
  wait_answer vtg-auth $A_BENCH bench.vexample SOA "nsd bench"
  wait_answer vtg-auth $A_BENCH cache.vexample SOA "nsd bench"
  wait_answer vtg-auth $A_SLD_A glueless-host.vexample SOA "nsd sld-a"
  wait_answer vtg-auth $A_SLD_B glueless.vexample SOA "nsd sld-b"
  wait_answer vtg-auth $A_SLD_B loop.vexample SOA "nsd sld-b"
  wait_answer vtg-auth $A_SLD_A web.vexample SOA "nsd sld-a"
  wait_answer vtg-auth $A_VICTIM "$PTR_ZONE" SOA "nsd victim"
  wait_answer vtg-rogue $A_VICTIM "$PTR_ZONE" SOA "nsd rogue"
  for r in auth rogue; do wait_pidfile "$STATE/run/nginx-$r/nginx.pid" "nginx $r"; done
  wait_pidfile "$STATE/run/alpn/vtg-alpn.pid" vtg-alpn
  local p
  for p in "${PERSPECTIVES[@]}"; do unbound_start "$p"; done
  for p in "${PERSPECTIVES[@]}"; do wait_pidfile "$STATE/run/unbound-$p/unbound.pid" "unbound $p"; done
}

# ---------------------------------------------------------------- MPIC agents
# `vantage agent` (cli/agent.c) in each remote, started by `agents on BINARY`
# (never by up: tests bring their own build), one perspective each.  The
# certificates are made by up (in the background, like the web files):
#   agent-ca      the world's agent CA: signs the agents' server certificates
#                 (SAN IP:198.19.N.2) and the coordinator's client certificate
#   client        the coordinator's client certificate (agent-ca, 30 days)
#   expired       a client certificate of agent-ca that expired in 2020
#   other-ca      another CA; other: a client certificate it signed
#   api.key       the API key of the API-key agent; wrong.key: another key
AGENT_DIR=""   # $STATE/run/agents, set by agent_paths
agent_paths() { AGENT_DIR=$STATE/run/agents; AGENT_TLS=$AGENT_DIR/tls; }
agent_paths

# ag_ca NAME SUBJECT-CN: a self-signed CA (P-256) with its openssl-ca database
ag_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/CN=$2" -keyout "$1.key" -out "$1.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null ||
    die "openssl req failed (CA $1)"
  mkdir -p "db-$1"; : >"db-$1/index"; echo 01 >"db-$1/serial"
  cat >"$1.cnf" <<CNF
[ca]
default_ca = d
[d]
database = db-$1/index
serial = db-$1/serial
new_certs_dir = db-$1
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = \$ENV::VTG_SAN
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
CNF
}
# ag_cert NAME CA server|client SAN [openssl-ca date options...]
ag_cert() {
  local name=$1 ca=$2 kind=$3 san=$4; shift 4
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" \
    -keyout "$name.key" -out "$name.csr" 2>/dev/null || die "openssl req failed ($name)"
  VTG_SAN=${san:-none} openssl ca -batch -config "$ca.cnf" -cert "$ca.pem" -keyfile "$ca.key" \
    -in "$name.csr" -out "$name.pem" -extensions "$kind" -notext "$@" >/dev/null 2>"$name.err" ||
    die "openssl ca failed ($name): $(cat "$name.err")"
  rm -f "$name.csr" "$name.err"
}

agent_certs() {
  local p
  mkdir -p "$AGENT_TLS"
  cd "$AGENT_TLS" || die "no $AGENT_TLS"
  ag_ca agent-ca "vtg world agent CA"
  ag_ca other-ca "vtg world other CA"
  for p in "${AGENT_REMOTES[@]}"; do
    ag_cert "server-$p" agent-ca server "IP:$(src_of "$p")" -days 30
  done
  ag_cert client agent-ca client "" -days 30
  ag_cert expired agent-ca client "" -startdate 20200101000000Z -enddate 20200201000000Z
  ag_cert other other-ca client "" -days 30
  # API keys: one line, 16+ characters (cli/agent.c)
  printf 'vtg-world-key-%s\n' "$(openssl rand -hex 16)" >api.key
  printf 'vtg-world-wrong-%s\n' "$(openssl rand -hex 16)" >wrong.key
  printf 'x-api-key: %s\n' "$(cat api.key)" >api.header   # for curl -H @file (not on a command line)
  chmod 600 ./*.key
}

# agent_conf P: the perspectives file of P's agent: one iterative perspective
# with this world's root hints and trust anchor (the [engine] of
# tests/integration/test_mpic.sh); no netns / source: the agent already runs
# inside vtg-P, its only address is P's source address
agent_conf() {
  local p=$1
  cat <<CONF
# vantage agent of $p (written by world.sh up); runs inside vtg-$p
[engine]
mode = off
root-hints = $STATE/root.hints
trust-anchor = $STATE/root-anchor.ds
timeout-ms = 300
retries = 1
[perspective $p]
rir = ${RIR[$p]}
mode = iterative
CONF
}

agent_prepare() { # at up: the certificates in the background, the configurations now
  local p
  mkdir -p "$AGENT_DIR"
  for p in "${AGENT_REMOTES[@]}"; do
    agent_conf "$p" >"$AGENT_DIR/$p.conf"
    rec pid "vtg-$p" "$AGENT_DIR/$p.pid" vantage-agent
  done
  rec pid "vtg-$AGENT_KEY_P" "$AGENT_DIR/$AGENT_KEY_P-key.pid" vantage-agent
  agent_certs 9<&- &
  AGENT_CERTS=$!
}

# The agents: ID is a remote (mutual TLS on AGENT_PORT) or "r1-key" (the
# API-key agent in AGENT_KEY_P on AGENT_KEY_PORT).
agent_ids() { echo "${AGENT_REMOTES[@]}" "$AGENT_KEY_P-key"; }
agent_persp() { echo "${1%-key}"; }
agent_port() { [[ $1 == *-key ]] && echo "$AGENT_KEY_PORT" || echo "$AGENT_PORT"; }
agent_url() { echo "https://$(src_of "$(agent_persp "$1")"):$(agent_port "$1")"; }

# agent_healthz ID [FROM-NS]: the HTTP status of GET /healthz (000: none)
agent_healthz() {
  local id=$1 ns=${2:-vtg-p0} auth
  if [[ $id == *-key ]]; then auth=(-H "@$AGENT_TLS/api.header")
  else auth=(--cert "$AGENT_TLS/client.pem" --key "$AGENT_TLS/client.key"); fi
  nsx "$ns" curl -s --max-time 2 --cacert "$AGENT_TLS/agent-ca.pem" "${auth[@]}" \
    -o /dev/null -w '%{http_code}' "$(agent_url "$id")/healthz" 2>/dev/null || true
}

agent_start() { # agent_start ID BINARY
  local id=$1 bin=$2 p port auth
  p=$(agent_persp "$id"); port=$(agent_port "$id")
  if [[ $id == *-key ]]; then auth=(--api-key-file "$AGENT_TLS/api.key")
  else auth=(--client-ca "$AGENT_TLS/agent-ca.pem"); fi
  printf -- '--- %s world.sh: %s agent\n' "$(date -u +%FT%TZ)" "$bin" >>"$AGENT_DIR/$id.log"
  # a simple command in the background: ip execs the agent, so $! is the
  # agent itself; nothing keeps the world lock or the caller's pipes
  ip netns exec "vtg-$p" "$bin" agent --config "$AGENT_DIR/$p.conf" --listen "$(src_of "$p"):$port" \
    --cert "$AGENT_TLS/server-$p.pem" --key "$AGENT_TLS/server-$p.key" "${auth[@]}" \
    --ca "$AGENT_CAA_DOMAINS" </dev/null >>"$AGENT_DIR/$id.log" 2>&1 9<&- &
  echo $! >"$AGENT_DIR/$id.pid"
}

# agent_wait ID...: each one answers /healthz from p0 (from its own namespace
# while its agenthole is on), or die with its log
agent_wait() {
  local id i left ns p
  for ((i = 0; i < 300; i++)); do
    left=()
    for id in "$@"; do
      pf_alive "$AGENT_DIR/$id.pid" ||
        die "agent $id exited: $(tail -5 "$AGENT_DIR/$id.log" | tr '\n' ' ')"
      p=$(agent_persp "$id"); ns=vtg-p0
      [ "$(cat "$STATE/switch/$p.agenthole" 2>/dev/null)" = on ] && ns=vtg-$p
      [ "$(agent_healthz "$id" "$ns")" = 200 ] || left+=("$id")
    done
    [ ${#left[@]} = 0 ] && return 0
    set -- "${left[@]}"
    sleep 0.1
  done
  die "agents $* do not answer GET /healthz (see $AGENT_DIR/ID.log)"
}

# agent_stop ID...: TERM (checks in flight get up to 10 s), then KILL
agent_stop() {
  local id pid pids=() i left
  for id in "$@"; do
    pid=$(kill_rec "vtg-$(agent_persp "$id")" "$AGENT_DIR/$id.pid" vantage-agent) && [ -n "$pid" ] && pids+=("$pid")
  done
  for ((i = 0; i < 240; i++)); do
    left=0
    for pid in "${pids[@]}"; do alive "$pid" && left=1; done
    [ $left = 0 ] && break
    sleep 0.05
  done
  for pid in "${pids[@]}"; do alive "$pid" && { log "agent pid $pid did not stop in 12 s: KILL"; kill -KILL "$pid" 2>/dev/null; }; done
  for id in "$@"; do rm -f "$AGENT_DIR/$id.pid"; done
}

# agent_restart P: restart P's running agents (same binary), for a fresh
# cache: hijack, blackhole and flush empty a perspective's caches, and an
# agent's are inside its process
agent_restart() {
  local p=$1 id ids=() bin
  [ -f "$AGENT_DIR/binary" ] || return 0
  bin=$(cut -d' ' -f2- "$AGENT_DIR/binary")
  for id in $(agent_ids); do
    [ "$(agent_persp "$id")" = "$p" ] && pf_alive "$AGENT_DIR/$id.pid" && ids+=("$id")
  done
  [ ${#ids[@]} = 0 ] && return 0
  agent_stop "${ids[@]}"
  for id in "${ids[@]}"; do agent_start "$id" "$bin"; done
  agent_wait "${ids[@]}"
  log "agents ${ids[*]} restarted (fresh cache)"
}

cmd_agents() {
  is_up || die "world is down"
  local sub=${1:-status} id ids=() bin sum ok ALL_AGENTS
  read -ra ALL_AGENTS <<<"$(agent_ids)"
  case $sub in
    on)
      [ -n "${2:-}" ] || die "agents on BINARY (a vantage build)"
      bin=$(readlink -f "$2") && [ -x "$bin" ] || die "agents on: '$2' is not an executable"
      [ -s "$AGENT_TLS/client.pem" ] || die "no agent certificates (world built by an older world.sh? run down, up)"
      sum=$(sha256sum "$bin" | cut -c1-64)
      # idempotent: agents of this very binary that answer are kept
      if [ "$(cat "$AGENT_DIR/binary" 2>/dev/null)" != "$sum $bin" ]; then agent_stop "${ALL_AGENTS[@]}"; fi
      for id in $(agent_ids); do
        if pf_alive "$AGENT_DIR/$id.pid" && [ "$(agent_healthz "$id")" = 200 ]; then continue; fi
        agent_stop "$id"
        ids+=("$id")
      done
      echo "$sum $bin" >"$AGENT_DIR/binary"
      [ ${#ids[@]} = 0 ] && { log "agents already on ($bin)"; return 0; }
      for id in "${ids[@]}"; do agent_start "$id" "$bin"; done
      agent_wait "${ids[@]}"
      log "agents on: ${ids[*]} started ($bin)"
      ;;
    off)
      local pids=() i
      for id in "${ALL_AGENTS[@]}"; do pf_alive "$AGENT_DIR/$id.pid" && pids+=("$(cat "$AGENT_DIR/$id.pid")"); done
      agent_stop "${ALL_AGENTS[@]}"
      rm -f "$AGENT_DIR/binary"
      # as down: wait (bounded) until PID 1 has reaped them, so that pgrep is
      # clean when off returns (restarts do not wait for this)
      for ((i = 0; i < 80; i++)); do
        ok=0; for id in "${pids[@]}"; do [ -d "/proc/$id" ] && ok=1; done
        [ $ok = 0 ] && break
        sleep 0.05
      done
      log "agents off"
      ;;
    status)
      ok=0
      for id in $(agent_ids); do
        if ! [ -s "$AGENT_DIR/$id.pid" ]; then echo "agent $id off"; ok=1
        elif ! pf_alive "$AGENT_DIR/$id.pid"; then echo "agent $id DEAD (see $AGENT_DIR/$id.log)"; ok=1
        else
          local st; st=$(agent_healthz "$id")
          [ "$(cat "$STATE/switch/$(agent_persp "$id").agenthole" 2>/dev/null)" = on ] &&
            st="$(agent_healthz "$id" "vtg-$(agent_persp "$id")") (agenthole on; from inside)"
          echo "agent $id pid $(cat "$AGENT_DIR/$id.pid") $(agent_url "$id") healthz $st"
          [[ $st == 200* ]] || ok=1
        fi
      done
      [ -f "$AGENT_DIR/binary" ] && echo "binary $(cut -d' ' -f2- "$AGENT_DIR/binary")"
      return $ok
      ;;
    *) die "agents on BINARY | off | status" ;;
  esac
}

cmd_agenthole() {
  local p=${1:-} v
  [[ " ${AGENT_REMOTES[*]} " == *" $p "* ]] || die "agenthole: one of ${AGENT_REMOTES[*]}, got '$p'"
  v=$(onoff "${2:-on}")
  is_up || die "world is down"
  echo "$v" >"$STATE/switch/$p.agenthole"
  nft_core
  log "agenthole $p $v (TCP to $(src_of "$p") ports $AGENT_PORT and $AGENT_KEY_PORT dropped when on)"
}

# ---------------------------------------------------------------- description
write_env() {
  local f=$STATE/world.env p P
  {
    echo "# vantage local DNS world (generated by tests/world/world.sh up; shell-sourceable)"
    echo "VTG_WORLD_DIR=$STATE"
    echo "VTG_PERSPECTIVES=\"${PERSPECTIVES[*]}\""
    echo "VTG_PRIMARY=p0"
    echo "VTG_REMOTES=\"${PERSPECTIVES[*]:1}\""
    for p in "${PERSPECTIVES[@]}"; do
      P=${p^^}
      echo "VTG_${P}_NETNS=vtg-$p"
      echo "VTG_${P}_NETNS_PATH=/run/netns/vtg-$p"
      echo "VTG_${P}_SRC=$(src_of "$p")"
      echo "VTG_${P}_GATEWAY=$(core_of "$p")"
      echo "VTG_${P}_UNBOUND=127.0.0.1"
      echo "VTG_${P}_UNBOUND_CONF=$STATE/run/unbound-$p/unbound.conf"
      echo "VTG_${P}_RIR=\"${RIR[$p]}\""
    done
    # MPIC agents (world.sh agents on BINARY): per remote, then the shared files
    for p in "${AGENT_REMOTES[@]}"; do
      P=${p^^}
      echo "VTG_${P}_AGENT_URL=$(agent_url "$p")"
      echo "VTG_${P}_AGENT_CONF=$AGENT_DIR/$p.conf"
      echo "VTG_${P}_AGENT_SERVER_CERT=$AGENT_TLS/server-$p.pem"
      echo "VTG_${P}_AGENT_SERVER_KEY=$AGENT_TLS/server-$p.key"
      echo "VTG_${P}_AGENT_LOG=$AGENT_DIR/$p.log"
      echo "VTG_${P}_AGENT_PID_FILE=$AGENT_DIR/$p.pid"
    done
    cat <<EOF
VTG_AGENTS="${AGENT_REMOTES[*]}"
VTG_AGENT_DIR=$AGENT_DIR
VTG_AGENT_PORT=$AGENT_PORT
VTG_AGENT_CAA_DOMAINS=$AGENT_CAA_DOMAINS
VTG_AGENT_CA=$AGENT_TLS/agent-ca.pem
VTG_AGENT_CA_KEY=$AGENT_TLS/agent-ca.key
VTG_AGENT_CLIENT_CERT=$AGENT_TLS/client.pem
VTG_AGENT_CLIENT_KEY=$AGENT_TLS/client.key
VTG_AGENT_EXPIRED_CERT=$AGENT_TLS/expired.pem
VTG_AGENT_EXPIRED_KEY=$AGENT_TLS/expired.key
VTG_AGENT_OTHER_CA=$AGENT_TLS/other-ca.pem
VTG_AGENT_OTHER_CERT=$AGENT_TLS/other.pem
VTG_AGENT_OTHER_KEY=$AGENT_TLS/other.key
VTG_AGENT_API_KEY_FILE=$AGENT_TLS/api.key
VTG_AGENT_WRONG_KEY_FILE=$AGENT_TLS/wrong.key
VTG_AGENT_KEY_PERSPECTIVE=$AGENT_KEY_P
VTG_AGENT_KEY_PORT=$AGENT_KEY_PORT
VTG_AGENT_KEY_URL=$(agent_url "$AGENT_KEY_P-key")
VTG_AGENT_KEY_LOG=$AGENT_DIR/$AGENT_KEY_P-key.log
VTG_AGENT_KEY_PID_FILE=$AGENT_DIR/$AGENT_KEY_P-key.pid
EOF
    cat <<EOF
VTG_ROOT_SERVERS="$A_ROOT $A_ROOT2"
VTG_ROOT_HINTS=$STATE/root.hints
VTG_TRUST_ANCHOR=$STATE/root-anchor.ds
VTG_TRUST_ANCHOR_DNSKEY=$STATE/root-anchor.dnskey
VTG_ZONES_DIR=$STATE/zones
VTG_SERVER_NET=$SERVER_NET
VTG_SERVER_TLD_VTEST=$A_TLD_VTEST
VTG_SERVER_TLD_VEXAMPLE=$A_TLD_VEX
VTG_SERVER_SLD_A=$A_SLD_A
VTG_SERVER_SLD_B=$A_SLD_B
VTG_SERVER_SERVFAIL=$A_KNOT
VTG_SERVER_TIMEOUT=$A_DROP
VTG_SERVER_VICTIM=$A_VICTIM
VTG_SERVER_BENCH=$A_BENCH
VTG_QUERYLOG=$STATE/querylog.txt
VTG_NAME_SECURE=secure.vtest
VTG_NAME_SECURE_NODATA=www.secure.vtest
VTG_NAME_NXDOMAIN=nothere.secure.vtest
VTG_NAME_BOGUS=bogus.vtest
VTG_NAME_BOGUS_NODATA=www.bogus.vtest
VTG_NAME_BOGUS_DS=bogus-ds.vtest
VTG_NAME_INSECURE=insecure.vtest
VTG_NAME_INSECURE_CHILD=www.insecure.vtest
VTG_NAME_UNSIGNED_TLD=plain.vexample
VTG_NAME_SERVFAIL_INSECURE=servfail-insecure.vtest
VTG_NAME_SERVFAIL_SIGNED=servfail-signed.vtest
VTG_NAME_SERVFAIL_UNSIGNED_TLD=servfail.vexample
VTG_NAME_TIMEOUT_INSECURE=timeout-insecure.vtest
VTG_NAME_TIMEOUT_SIGNED=timeout-signed.vtest
VTG_NAME_TIMEOUT_UNSIGNED_TLD=timeout.vexample
VTG_NAME_LAME=lame.vexample
VTG_NAME_LAME_SIGNED_TLD=lame.vtest
VTG_NAME_CNAME=alias.secure.vtest
VTG_NAME_CNAME_INSECURE=alias-insecure.secure.vtest
VTG_NAME_CNAME_BOGUS=alias-bogus.secure.vtest
VTG_NAME_CNAME_NX=alias-nx.secure.vtest
VTG_NAME_DNAME=www.old.secure.vtest
VTG_NAME_DNAME_OWNER=old.secure.vtest
VTG_NAME_WILDCARD=anything.wild.secure.vtest
VTG_NAME_WILDCARD_EXISTS=exists.wild.secure.vtest
VTG_NAME_DEEP=a.b.c.deep.vtest
VTG_NAME_ENT=c.deep.vtest
VTG_NAME_PARENT_ONLY=deep.vtest
VTG_NAME_NOCAA=nocaa.target.vtest
VTG_NAME_CRITICAL=critical.target.vtest
VTG_NAME_BIG=big.secure.vtest
VTG_NAME_BIG_INSECURE=big.plain.vexample
VTG_BIG_COUNT=$BIG_COUNT
VTG_NAME_HIJACK=hijack.vexample
VTG_NAME_HIJACK_SIGNED=hijack-signed.vtest
VTG_NAME_WHOAMI=whoami.vexample
VTG_BENCH_ZONE=bench.vexample
VTG_BENCH_NAMES=$STATE/names-bench.txt
VTG_BENCH_COUNT=$BENCH_COUNT
VTG_NAME_CNAME_LOOP=a.loop.vexample
VTG_NAME_CNAME_LOOP_B=b.loop.vexample
VTG_NAME_CNAME_SELF_LOOP=self.loop.vexample
VTG_NAME_REFERRAL_LOOP=www.rl1.vexample
VTG_NAME_REFERRAL_LOOP_ZONE=rl1.vexample
VTG_NAME_GLUELESS=glueless.vexample
VTG_NAME_GLUELESS_NS=ns.glueless-host.vexample
VTG_NAME_CACHE_PARENT=p42.cache.vexample
VTG_NAME_CACHE_LEAF=n00042.p42.cache.vexample
VTG_CACHE_ZONE=cache.vexample
VTG_NAMES_CACHE=$STATE/names-cache.txt
VTG_CACHE_COUNT=$CACHE_COUNT
VTG_NSD_ROLES="${NSD_ROLES[*]}"
VTG_WEB_ZONE=web.vexample
VTG_WEB_ADDR=$A_WEB
VTG_WEB_ROOT=$STATE/run/web/www
VTG_WEB_ROGUE_ROOT=$STATE/run/web/rogue
VTG_WEB_CERT=$STATE/run/web/tls/cert.pem
VTG_WEB_TOKEN=$WEB_TOKEN
VTG_WEB_THUMBPRINT=$WEB_THUMBPRINT
VTG_WEB_KEYAUTH=$WEB_TOKEN.$WEB_THUMBPRINT
VTG_WEB_ROGUE_KEYAUTH=$WEB_TOKEN.$WEB_ROGUE_THUMBPRINT
VTG_WEB_CHALLENGE_PATH=/.well-known/acme-challenge/$WEB_TOKEN
VTG_WEB_CHANGE_FILE=$WEB_CHANGE_FILE
VTG_WEB_CHANGE_VALUE=$WEB_CHANGE_VALUE
VTG_WEB_BIG_SIZE=$WEB_BIG_SIZE
VTG_WEB_SLOW_SECONDS=$WEB_SLOW_S
VTG_WEB_REFUSED_ADDR=$A_REFUSED
VTG_WEB_TIMEOUT_ADDR=$A_DROP
VTG_WEB_HIJACK_ADDR=$A_VICTIM
VTG_NAME_WEB_OK=ok.web.vexample
VTG_NAME_WEB_R301=r301.web.vexample
VTG_NAME_WEB_R302=r302.web.vexample
VTG_NAME_WEB_R307=r307.web.vexample
VTG_NAME_WEB_R308=r308.web.vexample
VTG_NAME_WEB_R303=r303.web.vexample
VTG_NAME_WEB_R300=r300.web.vexample
VTG_NAME_WEB_REL=rel.web.vexample
VTG_NAME_WEB_HTTPS=https.web.vexample
VTG_NAME_WEB_PORT8080=port8080.web.vexample
VTG_NAME_WEB_PORT80=port80.web.vexample
VTG_NAME_WEB_FTP=ftp.web.vexample
VTG_NAME_WEB_LOOP_A=loop-a.web.vexample
VTG_NAME_WEB_LOOP_B=loop-b.web.vexample
VTG_NAME_WEB_CHAIN1=c1.web.vexample
VTG_NAME_WEB_CHAIN10=c10.web.vexample
VTG_NAME_WEB_CHAIN11=c11.web.vexample
VTG_NAME_WEB_STATUS500=status500.web.vexample
VTG_NAME_WEB_SLOW=slow.web.vexample
VTG_NAME_WEB_BIG=big.web.vexample
VTG_NAME_WEB_REFUSED=refused.web.vexample
VTG_NAME_WEB_TIMEOUT=timeout.web.vexample
VTG_NAME_WEB_NOADDR=noaddr.web.vexample
VTG_NAME_WEB_NX=nx.web.vexample
VTG_NAME_WEB_HIJACK=web.hijack.vexample
VTG_ALPN_ADDR=$A_ALPN
VTG_ALPN_KEYAUTH_FILE=$STATE/run/alpn/keyauth
VTG_ALPN_KEYAUTH=$ALPN_TOKEN.$WEB_THUMBPRINT
VTG_ALPN_LOG=$STATE/run/alpn/log
VTG_NAME_ALPN=alpn.web.vexample
VTG_NAME_ALPN_BADDIGEST=alpn-baddigest.web.vexample
VTG_NAME_ALPN_NONCRITICAL=alpn-noncritical.web.vexample
VTG_NAME_ALPN_TWOSAN=alpn-twosan.web.vexample
VTG_NAME_ALPN_NOALPN=alpn-noalpn.web.vexample
VTG_NAME_ALPN_WRONGSAN=alpn-wrongsan.web.vexample
VTG_NAME_ALPN_IP=31.$PTR_ZONE
VTG_PTR_ZONE=$PTR_ZONE
VTG_PTR_SERVER=$A_VICTIM
VTG_NAME_PTR_WEB=30.$PTR_ZONE
VTG_NAME_PTR_ALPN=31.$PTR_ZONE
VTG_NAME_PTR_HIJACK=14.$PTR_ZONE
VTG_NAME_PTR_NX=33.$PTR_ZONE
EOF
  } >"$f"
  # JSON form of the same facts
  {
    printf '{\n  "world_dir": "%s",\n  "root_servers": ["%s", "%s"],\n' "$STATE" "$A_ROOT" "$A_ROOT2"
    printf '  "root_hints": "%s",\n  "trust_anchor": "%s",\n  "trust_anchor_dnskey": "%s",\n' \
      "$STATE/root.hints" "$STATE/root-anchor.ds" "$STATE/root-anchor.dnskey"
    printf '  "perspectives": [\n'
    local sep=""
    for p in "${PERSPECTIVES[@]}"; do
      local role=remote; [ "$p" = p0 ] && role=primary
      printf '%s    {"id": "%s", "role": "%s", "netns": "vtg-%s", "netns_path": "/run/netns/vtg-%s", "source": "%s", "unbound": "127.0.0.1", "unbound_conf": "%s", "rir": "%s"}' \
        "$sep" "$p" "$role" "$p" "$p" "$(src_of "$p")" "$STATE/run/unbound-$p/unbound.conf" "${RIR[$p]}"
      sep=$',\n'
    done
    printf '\n  ],\n  "names": {\n'
    sep=""
    while IFS='=' read -r k v; do
      case $k in VTG_NAME_*) ;; *) continue ;; esac
      k=${k#VTG_NAME_}; k=${k,,}
      printf '%s    "%s": "%s"' "$sep" "$k" "$v"; sep=$',\n'
    done <"$f"
    printf '\n  },\n  "bench": {"zone": "bench.vexample", "names": "%s", "count": %s, "server": "%s"},\n' \
      "$STATE/names-bench.txt" "$BENCH_COUNT" "$A_BENCH"
    printf '  "cache": {"zone": "cache.vexample", "names": "%s", "count": %s, "server": "%s", "parents": 100},\n' \
      "$STATE/names-cache.txt" "$CACHE_COUNT" "$A_BENCH"
    printf '  "web": {"zone": "web.vexample", "addr": "%s", "root": "%s", "rogue_root": "%s", "cert": "%s",\n' \
      "$A_WEB" "$STATE/run/web/www" "$STATE/run/web/rogue" "$STATE/run/web/tls/cert.pem"
    printf '          "token": "%s", "keyauth": "%s.%s", "rogue_keyauth": "%s.%s",\n' \
      "$WEB_TOKEN" "$WEB_TOKEN" "$WEB_THUMBPRINT" "$WEB_TOKEN" "$WEB_ROGUE_THUMBPRINT"
    printf '          "change_file": "%s", "change_value": "%s", "refused_addr": "%s", "timeout_addr": "%s", "hijack_addr": "%s"},\n' \
      "$WEB_CHANGE_FILE" "$WEB_CHANGE_VALUE" "$A_REFUSED" "$A_DROP" "$A_VICTIM"
    printf '  "alpn": {"addr": "%s", "keyauth_file": "%s", "keyauth": "%s.%s", "log": "%s"},\n' \
      "$A_ALPN" "$STATE/run/alpn/keyauth" "$ALPN_TOKEN" "$WEB_THUMBPRINT" "$STATE/run/alpn/log"
    printf '  "ptr": {"zone": "%s", "server": "%s"},\n' "$PTR_ZONE" "$A_VICTIM"
    printf '  "agents": {"dir": "%s", "port": %s, "caa_domains": "%s",\n' "$AGENT_DIR" "$AGENT_PORT" "$AGENT_CAA_DOMAINS"
    printf '             "ca": "%s", "ca_key": "%s", "client_cert": "%s", "client_key": "%s",\n' \
      "$AGENT_TLS/agent-ca.pem" "$AGENT_TLS/agent-ca.key" "$AGENT_TLS/client.pem" "$AGENT_TLS/client.key"
    printf '             "expired_cert": "%s", "expired_key": "%s", "other_ca": "%s", "other_cert": "%s", "other_key": "%s",\n' \
      "$AGENT_TLS/expired.pem" "$AGENT_TLS/expired.key" "$AGENT_TLS/other-ca.pem" "$AGENT_TLS/other.pem" "$AGENT_TLS/other.key"
    printf '             "api_key_file": "%s", "wrong_key_file": "%s",\n' "$AGENT_TLS/api.key" "$AGENT_TLS/wrong.key"
    printf '             "key_agent": {"perspective": "%s", "port": %s, "url": "%s", "log": "%s", "pid_file": "%s"},\n' \
      "$AGENT_KEY_P" "$AGENT_KEY_PORT" "$(agent_url "$AGENT_KEY_P-key")" "$AGENT_DIR/$AGENT_KEY_P-key.log" "$AGENT_DIR/$AGENT_KEY_P-key.pid"
    printf '             "remotes": [\n'
    sep=""
    for p in "${AGENT_REMOTES[@]}"; do
      printf '%s      {"id": "%s", "url": "%s", "rir": "%s", "conf": "%s", "server_cert": "%s", "server_key": "%s", "log": "%s", "pid_file": "%s"}' \
        "$sep" "$p" "$(agent_url "$p")" "${RIR[$p]}" "$AGENT_DIR/$p.conf" "$AGENT_TLS/server-$p.pem" "$AGENT_TLS/server-$p.key" \
        "$AGENT_DIR/$p.log" "$AGENT_DIR/$p.pid"
      sep=$',\n'
    done
    printf '\n  ]}\n}\n'
  } >"$STATE/world.json"
  if cp "$f" "$ENV_COPY" 2>/dev/null; then rec file "$ENV_COPY"; fi
}

# ---------------------------------------------------------------- health
# healthy: every recorded process alive and p0's unbound validates secure.vtest
healthy() {
  is_up || return 1
  [ "$(cat "$STATE/world.version" 2>/dev/null)" = "$WORLD_VERSION" ] || return 1
  local kind a b c
  while read -r kind a b c; do
    case $kind in
      netns) [ -e "/run/netns/$a" ] || return 1 ;;
      pid) [ "$c" = vtg-qlog ] && [ ! -e "$b" ] && continue  # query log off
           [ "$c" = vantage-agent ] && continue  # agents: started by tests (agents status)
           pf_alive "$b" || return 1 ;;
    esac
  done <"$LIST"
  nsx vtg-p0 kdig @127.0.0.1 +dnssec +time=3 +retry=1 CAA secure.vtest 2>/dev/null |
    grep -Eq "^;; Flags: [^;]*\bad\b"
}

cmd_status() {
  if ! is_up; then echo "world: down"; return 1; fi
  local kind a b c bad=0
  while read -r kind a b c; do
    case $kind in
      netns) if [ -e "/run/netns/$a" ]; then echo "netns $a ok"; else echo "netns $a MISSING"; bad=1; fi ;;
      pid)
        [ "$c" = vtg-qlog ] && [ ! -e "$b" ] && continue  # query log off
        if [ "$c" = vantage-agent ]; then  # not part of the world's health
          if [ ! -s "$b" ]; then echo "agent $(basename "$b" .pid) in $a off"
          elif pf_alive "$b"; then echo "agent $(basename "$b" .pid) pid $(cat "$b") in $a ok"
          else echo "agent $(basename "$b" .pid) ($b) in $a DEAD"; fi
          continue
        fi
        if pf_alive "$b"; then echo "$c pid $(cat "$b") in $a ok"
        else echo "$c ($b) in $a DEAD"; bad=1; fi ;;
    esac
  done <"$LIST"
  local p
  for p in "${PERSPECTIVES[@]}"; do
    printf '%s: src %s rir "%s" hijack=%s blackhole=%s webhole=%s loss=%s%%%s\n' "$p" "$(src_of "$p")" "${RIR[$p]}" \
      "$(cat "$STATE/switch/$p.hijack" 2>/dev/null || echo off)" \
      "$(cat "$STATE/switch/$p.blackhole" 2>/dev/null || echo off)" \
      "$(cat "$STATE/switch/$p.webhole" 2>/dev/null || echo off)" \
      "$(cat "$STATE/switch/$p.loss" 2>/dev/null || echo 0)" \
      "$([ "$p" = p0 ] || echo " agenthole=$(cat "$STATE/switch/$p.agenthole" 2>/dev/null || echo off)")"
  done
  if [ "$(cat "$STATE/world.version" 2>/dev/null)" != "$WORLD_VERSION" ]; then
    echo "world: built by another version of world.sh (want $WORLD_VERSION); 'up' rebuilds it"
  fi
  if [ $bad = 0 ] && healthy; then echo "world: up, healthy"; return 0; fi
  echo "world: up, NOT healthy"; return 1
}

# ---------------------------------------------------------------- up / down
cmd_up() {
  if is_up; then
    if healthy; then log "already up and healthy ($STATE)"; write_env_quiet; return 0; fi
    log "up but not healthy: tearing down and rebuilding"
    cmd_down
  fi
  local stale=()
  local ns
  for ns in vtg-net vtg-auth vtg-rogue "${PERSPECTIVES[@]/#/vtg-}"; do
    [ -e "/run/netns/$ns" ] && stale+=("$ns")
  done
  [ ${#stale[@]} -eq 0 ] || die "namespaces ${stale[*]} exist but are not recorded in $LIST; remove them with 'ip netns del NAME' (after stopping what runs in them)"
  local t0=$SECONDS
  if [ ! -d "$STATE" ]; then mkdir -p "$STATE"; : >"$LIST"; rec dir "$STATE"; else : >>"$LIST"; fi
  local d
  for d in zones keys run rogue switch; do rec dir "$STATE/$d"; mkdir -p "$STATE/$d"; done
  mkdir -p "$STATE/rogue/zones"
  for f in root.hints root-anchor.ds root-anchor.dnskey names-bench.txt names-cache.txt world.env world.json \
           world.version querylog.txt; do rec file "$STATE/$f"; done
  UP_OK=0
  trap 'if [ "$UP_OK" != 1 ]; then log "up failed; cleaning up"; wait; cmd_down; fi' EXIT
  [ -f "$NGINX_ECHO" ] || die "no $NGINX_ECHO (apt-get install nginx-light libnginx-mod-http-echo)"
  web_prepare
  agent_prepare
  build_net
  build_zones
  start_daemons
  wait "$AGENT_CERTS" || die "cannot make the agent certificates"
  write_env
  echo "$WORLD_VERSION" >"$STATE/world.version"
  local p
  for p in "${PERSPECTIVES[@]}"; do
    echo off >"$STATE/switch/$p.hijack"; echo off >"$STATE/switch/$p.blackhole"
    echo off >"$STATE/switch/$p.webhole"; echo 0 >"$STATE/switch/$p.loss"
  done
  for p in "${AGENT_REMOTES[@]}"; do echo off >"$STATE/switch/$p.agenthole"; done
  local i ok=0
  for ((i = 0; i < 30; i++)); do
    if healthy; then ok=1; break; fi
    sleep 0.2
  done
  [ $ok = 1 ] || die "world came up but p0 does not validate secure.vtest"
  UP_OK=1
  trap - EXIT
  log "up in $((SECONDS - t0)) s; description in $STATE/world.env (copy: $ENV_COPY)"
}

write_env_quiet() { [ -f "$STATE/world.env" ] && cp "$STATE/world.env" "$ENV_COPY" 2>/dev/null || true; }

# kill_rec NS PIDFILE COMM: TERM one recorded daemon if it is ours
kill_rec() {
  local ns=$1 pf=$2 comm=$3 pid nsino pns
  [ -s "$pf" ] || return 0
  pid=$(cat "$pf")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 0
  if [ -e "/run/netns/$ns" ]; then
    nsino=$(stat -L -c %i "/run/netns/$ns")
    pns=$(readlink "/proc/$pid/ns/net" 2>/dev/null || true)
    [ "$pns" = "net:[$nsino]" ] || { log "pid $pid from $pf is not in $ns; left alone"; return 0; }
  else
    local st; st=$(cat "/proc/$pid/comm" 2>/dev/null || true)
    [[ $st == "$comm"* || $st == nsd* ]] || { log "pid $pid from $pf is not $comm; left alone"; return 0; }
  fi
  kill -TERM "$pid" 2>/dev/null || true
  echo "$pid"
}

cmd_down() {
  if ! is_up; then log "nothing is up ($STATE)"; return 0; fi
  local t0=$SECONDS kind a b c pids=() nss=() dirs=() files=() pid
  while read -r kind a b c; do
    case $kind in
      pid) pid=$(kill_rec "$a" "$b" "$c") && [ -n "$pid" ] && pids+=("$pid") ;;
      netns) nss+=("$a") ;;
      dir) dirs+=("$a") ;;
      file) files+=("$a") ;;
    esac
  done <"$LIST"
  # wait (bounded) for the daemons, then for anything they forked in our namespaces
  local i left
  for ((i = 0; i < 100; i++)); do
    left=0
    for pid in "${pids[@]}"; do alive "$pid" && left=1; done
    for a in "${nss[@]}"; do [ -e "/run/netns/$a" ] && [ -n "$(ip netns pids "$a" 2>/dev/null)" ] && left=1; done
    [ $left = 0 ] && break
    sleep 0.05
  done
  if [ $left = 1 ]; then
    for pid in "${pids[@]}"; do alive "$pid" && kill -KILL "$pid" 2>/dev/null; done
    for a in "${nss[@]}"; do
      [ -e "/run/netns/$a" ] || continue
      for pid in $(ip netns pids "$a" 2>/dev/null); do
        case $(cat "/proc/$pid/comm" 2>/dev/null) in
          nsd*|knotd|unbound|vtg-qlog|nginx|vtg-alpn|vantage*) kill -KILL "$pid" 2>/dev/null || true ;;
          *) log "process $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) still runs in $a; left alone" ;;
        esac
      done
    done
    sleep 0.2
  fi
  for a in "${nss[@]}"; do [ -e "/run/netns/$a" ] && ip netns del "$a"; done
  # The daemons are gone; their zombies stay until PID 1 reaps them (about
  # 2 s on the CI boxes).  Wait for that (bounded) so that `pgrep` is clean
  # when down returns.
  for ((i = 0; i < 80; i++)); do
    left=0
    for pid in "${pids[@]}"; do [ -d "/proc/$pid" ] && left=1; done
    [ $left = 0 ] && break
    sleep 0.05
  done
  for a in "${files[@]}"; do rm -f "$a"; done
  # directories in reverse order (children before $STATE)
  for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
    a=${dirs[$i]}
    [ "$a" = "$STATE" ] && continue
    case $a in "$STATE"/*) rm -rf "$a" ;; esac
  done
  rm -f "$LIST"
  for a in "${dirs[@]}"; do [ "$a" = "$STATE" ] && rmdir "$STATE" 2>/dev/null || true; done
  log "down in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- switches
onoff() { case ${1:-on} in on|off) echo "${1:-on}" ;; *) die "expected on or off, got '$1'" ;; esac; }

cmd_hijack() {
  check_persp "${1:-}"; local p=$1 v; v=$(onoff "${2:-on}")
  is_up || die "world is down"
  local pref=$((1000 + PIDX[$p])) was
  was=$(cat "$STATE/switch/$p.hijack" 2>/dev/null || echo off)
  ip -n vtg-net rule del pref "$pref" 2>/dev/null || true
  if [ "$v" = on ]; then
    ip -n vtg-net rule add pref "$pref" iif "vtg-$p" to "$A_VICTIM/32" lookup "$HIJACK_TABLE"
  fi
  ip -n vtg-net route flush cache 2>/dev/null || true
  echo "$v" >"$STATE/switch/$p.hijack"
  flush_persp "$p"
  [ "$was" = "$v" ] || agent_restart "$p"
  log "hijack $p $v (its route to $A_VICTIM leads to the rogue server when on)"
}

cmd_blackhole() {
  check_persp "${1:-}"; local p=$1 v; v=$(onoff "${2:-on}")
  is_up || die "world is down"
  local was; was=$(cat "$STATE/switch/$p.blackhole" 2>/dev/null || echo off)
  echo "$v" >"$STATE/switch/$p.blackhole"
  nft_core
  flush_persp "$p"
  [ "$was" = "$v" ] || agent_restart "$p"
  log "blackhole $p $v"
}

cmd_webhole() {
  check_persp "${1:-}"; local p=$1 v; v=$(onoff "${2:-on}")
  is_up || die "world is down"
  echo "$v" >"$STATE/switch/$p.webhole"
  nft_core
  log "webhole $p $v (TCP to ports 80 and 443 from $p dropped when on)"
}

cmd_loss() {
  check_persp "${1:-}"; local p=$1 n=${2:-}
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -le 100 ] || die "loss: PERCENT must be 0..100"
  is_up || die "world is down"
  echo "$n" >"$STATE/switch/$p.loss"
  nft_core
  log "loss $p $n%"
}

cmd_flush() {
  is_up || die "world is down"
  local p=${1:-all}
  if [ "$p" = all ]; then for p in "${PERSPECTIVES[@]}"; do flush_persp "$p"; agent_restart "$p"; done
  else check_persp "$p"; flush_persp "$p"; agent_restart "$p"; fi
}

cmd_querylog() {
  is_up || die "world is down"
  local pf=$STATE/run/qlog.pid bin=$STATE/run/vtg-qlog
  case ${1:-show} in
    on)
      if pf_alive "$pf"; then log "querylog already on"; return 0; fi
      if [ ! -x "$bin" ] || [ "$HERE/vtg-qlog.c" -nt "$bin" ]; then
        cc -O2 -o "$bin" "$HERE/vtg-qlog.c" || die "cannot build vtg-qlog"
      fi
      grep -q "^pid vtg-net $pf " "$LIST" || rec pid vtg-net "$pf" vtg-qlog
      # a simple command in the background: bash execs ip, ip execs vtg-qlog,
      # so $! is the logger itself and nothing keeps the lock fd
      ip netns exec vtg-net "$bin" ${2:-} >>"$STATE/querylog.txt" 2>>"$STATE/run/qlog.err" 9<&- &
      echo $! >"$pf"
      sleep 0.2
      pf_alive "$pf" || die "vtg-qlog did not start: $(cat "$STATE/run/qlog.err")"
      log "querylog on: $STATE/querylog.txt"
      ;;
    off)
      if [ -s "$pf" ]; then
        local pid; pid=$(kill_rec vtg-net "$pf" vtg-qlog)
        local i; for ((i = 0; i < 40; i++)); do [ -n "$pid" ] && alive "$pid" || break; sleep 0.05; done
        rm -f "$pf"
      fi
      log "querylog off"
      ;;
    show) cat "$STATE/querylog.txt" 2>/dev/null || true ;;
    *) die "querylog on [-a] | off | show" ;;
  esac
}

# stats ROLE|all [--reset] [--raw]: the NSD's counters through its control
# socket (a unix socket in run/ROLE/, so this works from the host namespace,
# no `ip netns exec` needed).  NSD 4.6 counts every query type above 255 in
# one bucket that nsd-control never prints, so CAA (257) has no line of its
# own; unless --raw, one line is added after the num.type.* block:
#   num.type.CAA = num.queries - sum(num.type.*)
# i.e. all queries of a type >= 256 (in this world: CAA) plus the few that
# fail before NSD reads their type (malformed question).
cmd_stats() {
  is_up || die "world is down"
  local role=${1:-} sub=stats_noreset raw=0 a r out
  shift || true
  for a in "$@"; do
    case $a in --reset) sub=stats ;; --raw) raw=1 ;; *) die "stats ROLE|all [--reset] [--raw]" ;; esac
  done
  if [ "$role" = all ]; then
    for r in "${NSD_ROLES[@]}"; do cmd_stats "$r" "$@" | sed "s/^/$r: /"; done
    return 0
  fi
  [[ " ${NSD_ROLES[*]} " == *" $role "* ]] || die "unknown role '$role' (one of ${NSD_ROLES[*]} all)"
  [ -S "$STATE/run/$role/nsd.ctl" ] || die "no control socket for $role (world built by an older world.sh? run up)"
  out=$(nsd-control -c "$STATE/run/$role/nsd.conf" "$sub") || die "nsd-control $sub failed for $role"
  if [ $raw = 1 ]; then printf '%s\n' "$out"; return 0; fi
  awk -F= '{ line[NR] = $0 }
       $1 == "num.queries" { q = $2 }
       $1 ~ /^num\.type\./ { t += $2; last = NR }
       END { for (i = 1; i <= NR; i++) {
               print line[i]
               if (i == last) printf "num.type.CAA=%d\n", (q - t > 0) ? q - t : 0 } }' <<<"$out"
}

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }

main() {
  local cmd=${1:-}; shift || true
  case $cmd in
    up) need_root; lock; cmd_up ;;
    down) need_root; lock; cmd_down ;;
    status) need_root; cmd_status ;;
    env)
      [ -f "$STATE/world.env" ] || die "world is down"
      if [ "${1:-}" = --json ]; then cat "$STATE/world.json"; else cat "$STATE/world.env"; fi ;;
    hijack) need_root; lock; cmd_hijack "$@" ;;
    blackhole) need_root; lock; cmd_blackhole "$@" ;;
    webhole) need_root; lock; cmd_webhole "$@" ;;
    loss) need_root; lock; cmd_loss "$@" ;;
    flush) need_root; lock; cmd_flush "$@" ;;
    querylog) need_root; lock; cmd_querylog "$@" ;;
    stats) need_root; cmd_stats "$@" ;;
    agents) need_root; lock; cmd_agents "$@" ;;
    agenthole) need_root; lock; cmd_agenthole "$@" ;;
    exec) need_root; check_persp "${1:-}"; local p=$1; shift; exec ip netns exec "vtg-$p" "$@" ;;
    *) usage ;;
  esac
}

main "$@"
