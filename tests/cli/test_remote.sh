#!/usr/bin/env bash
# Remote perspectives (`mode = remote`) without the DNS world, inside a
# network namespace of its own (unshare -n): five `vantage agent`s on
# loopback ports, each with a stub perspective on an honest or a rogue tiny
# DNS responder (python3), and a coordinator run (`vantage caa` / `dcv`)
# whose primary is local and whose five remotes are the agents. Certificates
# are made here with openssl: a CA, the agents' server certificate, the
# coordinator's client certificate, one from another CA, an expired one.
# Checked: corroboration through agents (5/5; one rogue 4/5; two rogue not
# corroborated), the agent's evidence embedded, keep-alive reuse across a
# run; DCV (acme-dns-01) through agents; every refusal a non-corroboration
# with its reason: another CA's client certificate, an expired one, a wrong
# API key, an agent whose certificate the coordinator's CA does not sign, a
# dead agent (connection refused), a silent one (timeout; with early
# decision the line does not wait for it); config refusals (http://, no
# authentication, a remote primary).
# usage: test_remote.sh VANTAGE_BINARY SOURCE_DIR
set -u
SRC=$(cd "$2" && pwd)
. "$SRC/tests/cli/https_lib.sh" # namespace, certificates, DNS responder
https_test remote "$@"
mkcert expired ca -startdate 20200101000000Z -enddate 20200201000000Z
mkcert otherserver otherca -days 30
for f in expired otherserver; do
	[ -s $f.pem ] || { echo "FAIL: certificate $f not made" >&2; exit 1; }
done
echo "s3cret-key-for-the-agent" > api.key
echo "not-the-key" > wrong.key

# ---- DNS responders: honest (CAA permits ca1.example, the dns-01 digest)
# and rogue (CAA names ca9.example, another digest) ----
python3 "$SRC/tests/cli/tiny_dns.py" \
	'{"caa": {"permit.test": "ca1.example"},
	  "txt": {"_acme-challenge.dcv.test": "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"}}' \
	'{"caa": {"permit.test": "ca9.example"},
	  "txt": {"_acme-challenge.dcv.test": "rogue-digest-rogue-digest-rogue-digest-roguexx"}}' \
	> dns.port &
pids+=($!)
# a TCP port that accepts connections and never says a word (a hung agent)
cat > silent.py <<'EOF'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)
EOF
python3 silent.py > silent.port &
pids+=($!)
for f in dns.port silent.port; do
	for _ in $(seq 50); do [ -s $f ] && break; sleep 0.1; done
done
read -r HONEST ROGUE < dns.port
SILENT=$(cat silent.port)
for kind in honest rogue; do
	port=$HONEST; [ $kind = rogue ] && port=$ROGUE
	printf '[engine]\nmode = off\ntimeout-ms = 500\nretries = 0\n[perspective local]\nresolver = 127.0.0.1:%s\n' \
		"$port" > agent-$kind.conf
done

# ---- agents: a1..a5 (mutual TLS), a6 (API key), a7 (another CA's server
# certificate) ----
declare -A APID
start_agent() { # NAME PORT DNS-KIND AUTH-OPTIONS...
	local name=$1 port=$2 kind=$3 cert=server
	shift 3
	[ "$name" = a7 ] && cert=otherserver
	"$V" agent --config agent-$kind.conf --listen 127.0.0.1:$port --cert $cert.pem \
		--key $cert.key --ca ca1.example "$@" 2> $name.log &
	APID[$name]=$!
	pids+=($!)
	for _ in $(seq 100); do
		grep -q listening $name.log 2>/dev/null && return 0
		kill -0 "${APID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	bad "agent $name did not start: $(cat $name.log)"
	return 1
}
stop_agent() { kill "${APID[$1]}" 2>/dev/null; wait "${APID[$1]}" 2>/dev/null; }
for i in 1 2 3 4 5; do start_agent a$i 944$i honest --client-ca ca.pem || exit 1; done
start_agent a6 9446 honest --api-key-file api.key || exit 1
start_agent a7 9447 honest --client-ca ca.pem || exit 1

RIRS=("" ARIN "RIPE NCC" APNIC LACNIC AFRINIC)
# coord FILE [per remote overrides "rN:key=value" ...]: p0 local (honest),
# r1..r5 the agents a1..a5 with the client certificate
coord() {
	local file=$1 i o
	shift
	{
		printf '[engine]\nmode = report-only\ntimeout-ms = 500\nretries = 0\nremote-timeout-ms = 3000\n'
		printf 'http-connect-timeout-ms = 1000\n'
		printf '[perspective p0]\nrir = ARIN\nresolver = 127.0.0.1:%s\n' "$HONEST"
		for i in 1 2 3 4 5; do
			printf '[perspective r%s]\nrir = %s\nmode = remote\nurl = https://127.0.0.1:944%s\n' \
				$i "${RIRS[$i]}" $i
			local cert=client.pem key=client.key ca=ca.pem url="" api=""
			for o in "$@"; do
				[ "${o%%:*}" = r$i ] || continue
				o=${o#*:}
				case ${o%%=*} in
				cert) cert=${o#*=}.pem; key=${o#*=}.key ;;
				ca) ca=${o#*=} ;;
				url) url=${o#*=} ;;
				api) api=${o#*=}; cert=""; key="" ;;
				esac
			done
			[ -n "$url" ] && printf 'url = %s\n' "$url"
			printf 'ca = %s\n' "$T/$ca"
			[ -n "$cert" ] && printf 'client-cert = %s\nclient-key = %s\n' "$T/$cert" "$T/$key"
			[ -n "$api" ] && printf 'api-key-file = %s\n' "$T/$api"
		done
	} > "$file"
}
field() { jq -r "$1" out.json; }
persp() { jq -r --arg id "$1" ".perspectives[] | select(.id == \$id) | $2" out.json; }
run_caa() { # CONF [more options]
	local conf=$1
	shift
	"$V" caa --config "$conf" --ca ca1.example --no-progress "$@" permit.test > out.json 2> err.txt
	echo $? > rc
}

# ---- all five agents honest: 5/5, the agents' evidence in the line ----------
coord c.conf
run_caa c.conf --early-decision=no
expect "honest: exit" "$(cat rc)" 0
expect "honest: permit 5/5" "$(field .decision)/$(field .quorum)/$(field .corroborated)" "permit/5/5/true"
expect "honest: remote modes" "$(jq -r '[.perspectives[].mode] | join(",")' out.json)" \
	"stub,remote,remote,remote,remote,remote"
expect "honest: r1 agent" "$(persp r1 .agent)" "https://127.0.0.1:9441"
expect "honest: r1 decision" "$(persp r1 .decision)/$(persp r1 .check_passed)/$(persp r1 .corroborates)" \
	"permit/true/true"
expect "honest: r1 evidence is the agent's line" "$(persp r1 .evidence.decision)/$(persp r1 '.evidence.perspectives[0].id')" \
	"permit/local"
expect "honest: r2 status" "$(persp r2 .status)" 200
validate caa out.json
has "honest: the summary counts the agent's answers" "$(cat err.txt)" \
	"perspective r1 (remote, https://127.0.0.1:9441): 1 checks, 1 answered by the agent, 0 failed"
# a run of many names keeps its connections: with two checks in flight at
# most two connections per agent, every other request reuses one
for i in $(seq 40); do echo permit.test; done > names.txt
"$V" caa --config c.conf --ca ca1.example --no-progress --early-decision=no --window 2 \
	< names.txt > many.json 2> err.txt
expect "40 names: 40 lines" "$(wc -l < many.json)" 40
expect "40 names: all permit 5/5" "$(jq -r '.decision + " " + .quorum' many.json | sort -u)" "permit 5/5"
reused=$(jq '[.perspectives[] | select(.mode == "remote") | .reused] | map(select(.)) | length' many.json | paste -sd+ | bc)
[ "$reused" -ge 180 ] && ok || bad "keep-alive: only $reused of 200 agent requests reused a connection"

# ---- one rogue agent: 4/5; two: not corroborated ---------------------------
stop_agent a3
start_agent a3 9443 rogue --client-ca ca.pem || exit 1
run_caa c.conf --early-decision=no
expect "one rogue: 4/5 corroborated" "$(field .quorum)/$(field .corroborated)" "4/5/true"
expect "one rogue: r3 saw the rogue CAA" "$(persp r3 .decision)/$(persp r3 .corroborates)" "deny/false"
has "one rogue: r3's reason from its agent" "$(persp r3 .reason)" "not-authorized"
stop_agent a4
start_agent a4 9444 rogue --client-ca ca.pem || exit 1
run_caa c.conf --early-decision=no
expect "two rogue: report-only permits, not corroborated" \
	"$(field .decision)/$(field .quorum)/$(field .corroborated)" "permit/3/5/false"
"$V" caa --config c.conf --mode enforce --min-remotes 5 --ca ca1.example --no-progress \
	--early-decision=no permit.test > out.json 2> err.txt
# (enforce needs a validating primary: refused for this stub primary)
expect "enforce with a stub primary: refused" "$?" 2
for a in a3 a4; do stop_agent $a; start_agent $a 944${a#a} honest --client-ca ca.pem || exit 1; done

# ---- DCV through agents: acme-dns-01 ------------------------------------------
DIG=LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0
"$V" dcv --config c.conf --method dns-01 --no-progress --early-decision=no --expect "$DIG" dcv.test \
	> out.json 2> err.txt
expect "dcv dns-01: pass 5/5" "$(field .result)/$(field .quorum)" "pass/5/5"
[ "$(field .quorum)" = 5/5 ] || jq -c ".perspectives[] | {id,result,reason,seen,es: .evidence.seen}" out.json >&2
expect "dcv dns-01: r2 seen" "$(persp r2 .seen)" "$DIG"
validate dcv out.json
"$V" dcv --config c.conf --method dns-01 --no-progress --early-decision=no --expect "${DIG%?}Y" dcv.test \
	> out.json 2> err.txt
expect "dcv dns-01 wrong digest: fail, remotes fail" \
	"$(field .result)/$(jq -r '[.perspectives[] | select(.mode == "remote") | .result] | unique | join(",")' out.json)" \
	"fail/fail"

# ---- refusals: each a non-corroboration with its reason ---------------------
coord bad.conf r1:cert=stranger r2:cert=expired r3:api=wrong.key r4:ca=otherca.pem \
	r5:url=https://127.0.0.1:9449
sed -i 's|url = https://127.0.0.1:9443|url = https://127.0.0.1:9446|' bad.conf # r3: the API-key agent
run_caa bad.conf --early-decision=no
expect "refusals: 0/5" "$(field .quorum)/$(field .corroborated)" "0/5/false"
has "another CA's client certificate" "$(persp r1 .reason)" "agent-failure: "
has "an expired client certificate" "$(persp r2 .reason)" "agent-failure: "
has "a wrong API key: 401" "$(persp r3 .reason)" "agent-refused: HTTP 401"
has "agent certificate not from our CA" "$(persp r4 .reason)" "agent-failure: tls"
has "no agent listening" "$(persp r5 .reason)" "agent-failure: connect"
validate caa out.json
coord good-key.conf r3:api=api.key
sed -i 's|url = https://127.0.0.1:9443|url = https://127.0.0.1:9446|' good-key.conf
run_caa good-key.conf --early-decision=no
expect "the right API key: 5/5" "$(field .quorum)" "5/5"
coord a7.conf r5:url=https://127.0.0.1:9447
run_caa a7.conf --early-decision=no
has "an agent certificate from another CA" "$(persp r5 .reason)" "agent-failure: tls"

# ---- a hung agent: timeout; with early decision the line does not wait ------
coord hung.conf r5:url=https://127.0.0.1:$SILENT
start=$(date +%s%N)
run_caa hung.conf --early-decision=no
ms=$(( ($(date +%s%N) - start) / 1000000 ))
has "hung agent: timeout" "$(persp r5 .reason)" "agent-failure: timeout"
expect "hung agent: 4/5" "$(field .quorum)" "4/5"
[ $ms -ge 900 ] && ok || bad "hung agent without early decision took only $ms ms"
start=$(date +%s%N)
run_caa hung.conf
ms2=$(( ($(date +%s%N) - start) / 1000000 ))
expect "hung agent, early decision: r5 cancelled" "$(persp r5 .cancelled)/$(field .quorum)" "true/4/5"
[ $ms2 -lt $ms ] && ok || bad "early decision did not shorten the check ($ms2 ms vs $ms ms)"

# ---- hostile agents: garbage, an endless answer, the wrong check type, a
# redirect: each a non-corroboration with its reason, the run goes on ----------
cat > hostile.py <<'EOF2'
import http.server, json, ssl, sys
mode = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if mode == "garbage":
            body = b"<html>surprise</html>"
        elif mode == "huge":
            body = b'{"check_type":"caa","pad":"' + b"x" * 200000 + b'"}'
        elif mode == "wrongtype":
            body = json.dumps({"check_type": "dcv", "check_completed": True,
                               "check_passed": True}).encode()
        else:  # redirect: never followed
            self.send_response(302)
            self.send_header("Location", "https://127.0.0.1:9441/caa")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("server.pem", "server.key")
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
EOF2
declare -A HPORT
for m in garbage huge wrongtype redirect; do
	python3 hostile.py $m > hostile-$m.port 2> hostile-$m.err &
	pids+=($!)
done
for m in garbage huge wrongtype redirect; do
	for _ in $(seq 50); do [ -s hostile-$m.port ] && break; sleep 0.1; done
	HPORT[$m]=$(cat hostile-$m.port)
done
coord hostile.conf r1:url=https://127.0.0.1:${HPORT[garbage]} r2:url=https://127.0.0.1:${HPORT[huge]} \
	r3:url=https://127.0.0.1:${HPORT[wrongtype]} r4:url=https://127.0.0.1:${HPORT[redirect]}
run_caa hostile.conf --early-decision=no
expect "hostile agents: the line is written" "$(cat rc)/$(field .quorum)" "0/1/5"
has "garbage answer" "$(persp r1 .reason)" "agent-failure: undecodable answer: body: "
has "an answer over 64 KiB" "$(persp r2 .reason)" "agent-failure: protocol: answer longer than 65536 octets"
has "the wrong check type" "$(persp r3 .reason)" 'agent-failure: undecodable answer: check_type: not "caa"'
has "a redirect is not followed" "$(persp r4 .reason)" "agent-refused: HTTP 302"
expect "r5 honest, corroborates" "$(persp r5 .corroborates)" true
validate caa out.json

# ---- a plain query: the remotes say they run CAA and DCV only --------------
"$V" query --config c.conf --type CAA --no-progress permit.test > out.json 2> err.txt
expect "query: exit" "$?" 0
has "query: the primary answered" "$(jq -c '.perspectives[0]' out.json)" 'ca1.example'
has "query: a remote's fragment" "$(jq -c '.perspectives[1]' out.json)" \
	"runs CAA and DCV checks only"

# ---- configuration refusals -----------------------------------------------
cfgerr() { # DESCRIPTION PATTERN: the config is refused with the reason
	"$V" caa --config bad2.conf --ca ca1.example --no-progress permit.test > /dev/null 2> err.txt
	expect "$1: exit" "$?" 2
	has "$1: reason" "$(cat err.txt)" "$2"
}
sed 's|url = https://127.0.0.1:9441|url = http://127.0.0.1:9441|' c.conf > bad2.conf
cfgerr "http url" "url must be https://"
sed '/^client-cert = .*client.pem$/d; /^client-key/d' c.conf > bad2.conf
cfgerr "no authentication" "a remote perspective authenticates"
sed '0,/^resolver = .*/s//mode = remote\nurl = https:\/\/127.0.0.1:9441\nclient-cert = x\nclient-key = y/' c.conf > bad2.conf
cfgerr "remote primary" "the primary perspective cannot be remote"
sed 's|url = https://127.0.0.1:9441|url = https://127.0.0.1:9441/caa|' c.conf > bad2.conf
cfgerr "url with a path" "without a path"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
