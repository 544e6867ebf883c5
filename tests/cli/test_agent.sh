#!/usr/bin/env bash
# `vantage agent` without the DNS world, inside a network namespace of its
# own (unshare -n: only a loopback, gone with the last process in it). A
# tiny DNS responder (python3, one UDP socket) serves CAA for the agent's
# stub perspective; certificates are made with openssl here: a CA, the
# server's, a client's, one from another CA and an expired one. Checked:
# /healthz; /caa through mutual TLS answering a body that open-mpic's
# schemas accept (tests/schema/openmpic_validate.py) with the decision of
# the zone; handshakes refused without a certificate, with another CA's and
# with an expired one; API-key mode (right 200, wrong / missing 401); a
# body over the limit, a header flood, garbage JSON, unknown path, wrong
# method; a client dripping one byte a second cut off while another is
# served; SIGTERM exits 0. Everything started is killed by PID.
# usage: test_agent.sh VANTAGE_BINARY SOURCE_DIR
set -u
SRC=$(cd "$2" && pwd)
. "$SRC/tests/cli/https_lib.sh" # certificates, curl, schema, waiting
https_test agent "$@"
mkcert expired ca -startdate 20200101000000Z -enddate 20200201000000Z
[ -s expired.pem ] || { echo "FAIL: certificate expired not made" >&2; exit 1; }
openssl x509 -in expired.pem -noout -checkend 0 >/dev/null && bad "expired cert is not expired"

# ---- a DNS responder: CAA for permit.test / deny.test, TXT for the
# acme-dns-01 name of dcv.test, NODATA else; a second socket (port printed
# second) that never answers ----
DIG=LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0
python3 "$SRC/tests/cli/tiny_dns.py" \
	'{"caa": {"permit.test": "ca1.example", "deny.test": "ca9.example"},
	  "txt": {"_acme-challenge.dcv.test": "'$DIG'"}}' '{"silent": true}' > dns.port &
pids+=($!)
for _ in $(seq 50); do [ -s dns.port ] && break; sleep 0.1; done
read -r DNS HOLE < dns.port
mkconf() { # FILE PORT TIMEOUT-MS
	printf '[engine]\nmode = off\ntimeout-ms = %s\nretries = 0\n[perspective local]\nresolver = 127.0.0.1:%s\n' \
		"$3" "$2" > "$1"
}
mkconf agent.conf "$DNS" 1000
mkconf hole.conf "$HOLE" 3000

PORT=8443
U=https://127.0.0.1:$PORT
start_agent() { # LOG CONFIG AUTH-OPTIONS...
	local log=$1 conf=$2
	shift 2
	start_server "$log" agent --config "$conf" --ca ca1.example "$@" || return 1
	AGENT=$SERVER
}
CAA_BODY='{"check_type":"caa","domain_or_ip_target":"permit.test","trace_identifier":"t-123"}'

# ---- mutual TLS -----------------------------------------------------------
start_agent mtls.log agent.conf --client-ca ca.pem || exit 1
r=$("${C[@]}" "${MT[@]}" $U/healthz)
expect "healthz status" "$(status "$r")" 200
expect "healthz body" "$(body "$r" | jq -c .)" '{"status":"ok"}'

r=$("${C[@]}" "${MT[@]}" -H 'Content-Type: application/json' -d "$CAA_BODY" $U/caa)
expect "caa permit: status" "$(status "$r")" 200
b=$(body "$r")
expect "caa permit: check_passed" "$(jq -r .check_passed <<<"$b")" true
expect "caa permit: check_completed" "$(jq -r .check_completed <<<"$b")" true
expect "caa permit: check_type" "$(jq -r .check_type <<<"$b")" caa
expect "caa permit: record seen" "$(jq -c .details.records_seen <<<"$b")" '["0 issue \"ca1.example\""]'
expect "caa permit: found_at" "$(jq -r .details.found_at <<<"$b")" permit.test
expect "caa permit: vantage evidence" "$(jq -r .vantage.decision <<<"$b")" permit
omvalid "caa permit" CheckResponseCAA "$b"

r=$("${C[@]}" "${MT[@]}" -d '{"check_type":"caa","domain_or_ip_target":"deny.test"}' $U/caa)
b=$(body "$r")
expect "caa deny: status" "$(status "$r")" 200
expect "caa deny: check_passed" "$(jq -r .check_passed <<<"$b")" false
expect "caa deny: reason" "$(jq -r .vantage.reason <<<"$b" | cut -d: -f1)" not-authorized
omvalid "caa deny" CheckResponseCAA "$b"
# the request's own caa_domains win over --ca
r=$("${C[@]}" "${MT[@]}" -d '{"check_type":"caa","domain_or_ip_target":"deny.test","caa_check_parameters":{"caa_domains":["ca9.example"]}}' $U/caa)
expect "caa_domains from the request" "$(body "$r" | jq -r .check_passed)" true

# DCV over DNS: acme-dns-01, pass and mismatch
for want in pass fail; do
	h=$DIG; [ $want = fail ] && h=${DIG%?}Y
	r=$("${C[@]}" "${MT[@]}" -d '{"domain_or_ip_target":"dcv.test","dcv_check_parameters":{"validation_method":"acme-dns-01","key_authorization_hash":"'"$h"'"}}' $U/dcv)
	b=$(body "$r")
	expect "dcv $want: status" "$(status "$r")" 200
	expect "dcv $want: check_passed" "$(jq -r .check_passed <<<"$b")" "$([ $want = pass ] && echo true || echo false)"
	expect "dcv $want: records_seen" "$(jq -c .details.records_seen <<<"$b")" "[\"$DIG\"]"
	expect "dcv $want: found_at" "$(jq -r .details.found_at <<<"$b")" _acme-challenge.dcv.test
	expect "dcv $want: response_code" "$(jq -r .details.response_code <<<"$b")" 0
	omvalid "dcv $want" CheckResponseDCV "$b"
done
# methods with per-request parameters run (no web server or persist record
# here: completed, not passed, vantage's reason in the evidence)
r=$("${C[@]}" "${MT[@]}" -d '{"domain_or_ip_target":"dcv.test","dcv_check_parameters":{"validation_method":"website-change","challenge_value":"x","http_token_path":"f.txt","url_scheme":"https"}}' $U/dcv)
expect "website-change https: status" "$(status "$r")" 200
expect "website-change https: fetched over https" "$(body "$r" | jq -r '.vantage.perspectives[0].hops[0].url')" \
	"https://dcv.test/.well-known/pki-validation/f.txt"
omvalid "website-change https" CheckResponseDCV "$(body "$r")"
r=$("${C[@]}" "${MT[@]}" -d '{"domain_or_ip_target":"dcv.test","dcv_check_parameters":{"validation_method":"acme-tls-alpn-01","key_authorization_hash":"'"$(printf %064d 0)"'"}}' $U/dcv)
expect "tls-alpn-01 by digest: status" "$(status "$r")" 200
expect "tls-alpn-01 by digest: method" "$(body "$r" | jq -r '.vantage.method')" tls-alpn-01
r=$("${C[@]}" "${MT[@]}" -d '{"domain_or_ip_target":"dcv.test","dcv_check_parameters":{"validation_method":"dns-persistent","issuer_domain_names":["ca1.example"],"expected_account_uri":"https://ca1.example/acct/1"}}' $U/dcv)
expect "dns-persistent: status" "$(status "$r")" 200
expect "dns-persistent: ran, nothing found" "$(body "$r" | jq -r '.vantage.method + " " + .vantage.result')" "persist fail"
omvalid "dns-persistent" CheckResponseDCV "$(body "$r")"
# what vantage has no method for is refused as a DCV parameter
r=$("${C[@]}" "${MT[@]}" -d '{"domain_or_ip_target":"dcv.test","dcv_check_parameters":{"validation_method":"ip-address","challenge_value":"x","dns_record_type":"A"}}' $U/dcv)
expect "ip-address: status" "$(status "$r")" 400
expect "ip-address: error" "$(body "$r" | jq -r .error)" mpic_error:dcv_checker:parameter

# more connections than the bound (256): the 257th handshake fails; the
# bound is for connections at once, so after they close one is served
python3 - "$PORT" > conns.out 2>&1 <<'EOF'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile="ca.pem")
ctx.load_cert_chain("client.pem", "client.key")
def conn():
    return ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5),
                           server_hostname="localhost")
held = [conn() for _ in range(256)]
try:
    extra = conn()
    extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    print("257th served:", extra.recv(100))
except (OSError, ssl.SSLError) as e:
    print("257th refused")
for s in held:
    s.close()
EOF
has "connection bound" "$(cat conns.out)" "257th refused"
sleep 0.5
r=$("${C[@]}" "${MT[@]}" $U/healthz)
expect "served again below the bound" "$(status "$r")" 200

# refused handshakes: no certificate, another CA's, an expired one
refused_handshakes none stranger expired

# refusals
r=$("${C[@]}" "${MT[@]}" -d '{"check_type":' $U/caa)
expect "garbage JSON: status" "$(status "$r")" 400
expect "garbage JSON: error" "$(body "$r" | jq -r .error)" request-validation-failed
has "garbage JSON: issues" "$(body "$r" | jq -c .validation_issues)" '"msg"'
r=$("${C[@]}" "${MT[@]}" -d '{"domain_or_ip_target":"x.test"}' $U/dcv)
expect "dcv without parameters: status" "$(status "$r")" 400
has "dcv without parameters: names the field" "$(body "$r" | jq -r .error_message)" dcv_check_parameters
r=$("${C[@]}" "${MT[@]}" -d '{"domain_or_ip_target":"x..test"}' $U/caa)
expect "bad target: status" "$(status "$r")" 400
r=$("${C[@]}" "${MT[@]}" $U/nothing)
expect "unknown path" "$(status "$r")" 404
expect "unknown path: JSON" "$(body "$r" | jq -r .error)" not-found
r=$("${C[@]}" "${MT[@]}" $U/caa)
expect "GET /caa" "$(status "$r")" 405
r=$("${C[@]}" "${MT[@]}" -d x $U/healthz)
expect "POST /healthz" "$(status "$r")" 405
head -c 1048576 /dev/zero | tr '\0' a > big
r=$("${C[@]}" "${MT[@]}" --data-binary @big $U/caa 2>/dev/null)
# evhttp answers 413 from the Content-Length and closes; curl, still sending,
# may see the reset before it reads the answer (000): refused either way
case $(status "$r") in 413|000) ok ;; *) bad "1 MB body: status $(status "$r"), want 413 (or closed)" ;; esac
r=$("${C[@]}" "${MT[@]}" $U/healthz)
expect "after the 1 MB body: still serving" "$(status "$r")" 200
hdrs=()
for i in $(seq 10000); do hdrs+=(-H "X-H$i: v"); done
r=$("${C[@]}" "${MT[@]}" "${hdrs[@]}" $U/healthz 2>/dev/null)
case $(status "$r") in 4??|000) ok ;; *) bad "10,000 headers: status $(status "$r")" ;; esac

# slowloris: one byte a second; another client is served meanwhile and the
# dripping one is cut off by the request deadline (10 s) long before its
# request could end (60 s)
python3 - "$PORT" > drip.out 2>&1 <<'EOF' &
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile="ca.pem")
ctx.load_cert_chain("client.pem", "client.key")
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 60
t0 = time.time()
try:
    for ch in req:
        s.send(bytes([ch]))
        time.sleep(1)
    print("not cut off")
except (OSError, ssl.SSLError) as e:
    print("cut off after %.0f s" % (time.time() - t0))
EOF
drip=$!
pids+=($drip)
sleep 2
r=$("${C[@]}" "${MT[@]}" $U/healthz)
expect "served while another client drips" "$(status "$r")" 200
for _ in $(seq 40); do kill -0 $drip 2>/dev/null || break; sleep 1; done
kill -0 $drip 2>/dev/null && bad "dripping client still connected after 40 s"
has "dripping client cut off" "$(cat drip.out)" "cut off"

# log lines: client, path, status, trace; never an API key
has "log: /caa line" "$(cat mtls.log)" " /caa 200 t-123 "
has "log: 404 line" "$(cat mtls.log)" " ? 404 "

kill -TERM $AGENT
wait $AGENT
expect "SIGTERM: exit" $? 0

# ---- API key ------------------------------------------------------------
KEY=k3y-$(openssl rand -hex 16)
echo "$KEY" > api.key
start_agent key.log agent.conf --api-key-file api.key || exit 1
r=$("${C[@]}" -H "x-api-key: $KEY" -d "$CAA_BODY" $U/caa)
expect "api key: status" "$(status "$r")" 200
omvalid "api key caa" CheckResponseCAA "$(body "$r")"
r=$("${C[@]}" -H "Authorization: Bearer $KEY" $U/healthz)
expect "bearer: status" "$(status "$r")" 200
r=$("${C[@]}" -H "x-api-key: ${KEY}x" -d "$CAA_BODY" $U/caa)
expect "wrong key: status" "$(status "$r")" 401
expect "wrong key: JSON" "$(body "$r" | jq -r .error)" unauthorized
r=$("${C[@]}" -d "$CAA_BODY" $U/caa)
expect "missing key: status" "$(status "$r")" 401
grep -q -- "$KEY" key.log && bad "the API key is in the log"
kill -TERM $AGENT
wait $AGENT
expect "SIGTERM (key mode): exit" $? 0

# ---- SIGTERM with a check in flight (a server that never answers): the
# check still finishes, as a lookup failure, and its client gets it ------
start_agent hole.log hole.conf --api-key-file api.key || exit 1
sigterm_in_flight hole.log -H "x-api-key: $KEY" -d "$CAA_BODY" $U/caa
b=$(body "$(cat inflight.out)")
expect "in flight: answered" "$(tail -1 inflight.out)" 200
expect "in flight: not completed" "$(jq -r .check_completed <<<"$b")" false
expect "in flight: error type" "$(jq -r '.errors[0].error_type' <<<"$b")" mpic_error:caa_checker:lookup
omvalid "in flight" CheckResponseCAA "$b"
echo "test_agent: $pass passed, $fail failed"
[ "$fail" = 0 ]
