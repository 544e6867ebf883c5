# https_lib.sh — what the HTTPS server tests (test_agent.sh, test_serve.sh)
# share: certificates made at test time (tests/cli/certs.sh: mkca, mkcert),
# curl with the body and the status (C; status / body split its output),
# open-mpic schema validation (omvalid), and waiting for a server's
# "listening" line (wait_listening); https_test sets a test up. Source it after SRC is set:
#   SRC=$(cd "$2" && pwd); . "$SRC/tests/cli/https_lib.sh"; https_test NAME "$@"
# shellcheck disable=SC1091
. "$SRC/tests/cli/certs.sh" # mkca, mkcert
# C: curl with the CA; prints the body, then the status
C=(curl -sS --max-time 10 --cacert ca.pem -w '\n%{http_code}')
status() { tail -1 <<<"$1"; }
body() { sed '$d' <<<"$1"; }
omvalid() { # DESCRIPTION SCHEMA JSON
	printf '%s\t%s\n' "$2" "$3" > om.line
	local out
	if out=$(python3 "$SRC/tests/schema/openmpic_validate.py" \
		"$SRC/tests/data/openmpic/openapi.yaml" om.line 2>&1); then ok
	else bad "$1: not open-mpic's $2: $out: $3"; fi
}
# MT: curl's options for the client certificate
MT=(--cert client.pem --key client.key)
# start_server LOG COMMAND OPTIONS...: `vantage COMMAND` on 127.0.0.1:$PORT
# with the server certificate, in the background (pid in SERVER), until it
# says it listens; 1 (and a FAIL) when it does not
start_server() {
	local log=$1
	shift
	"$V" "$@" --listen 127.0.0.1:$PORT --cert server.pem --key server.key 2> "$log" &
	SERVER=$!
	pids+=($SERVER)
	wait_listening "$log" $SERVER && return 0
	bad "$1 did not start: $(cat "$log")"
	return 1
}
# refused_handshakes WHO...: each client (none: no certificate; else the
# NAME.pem / NAME.key made here) is refused in the TLS handshake of $U
refused_handshakes() {
	local who opt
	for who in "$@"; do
		opt=()
		[ "$who" != none ] && opt=(--cert "$who.pem" --key "$who.key")
		if curl -sS --max-time 10 --cacert ca.pem "${opt[@]}" -o /dev/null "$U/healthz" \
			2>/dev/null; then
			bad "client cert '$who': request served"
		else ok; fi
	done
}
# sigterm_in_flight LOG CURL-OPTIONS...: a request (curl's options) in
# flight when SERVER gets SIGTERM: the server drains it and exits 0, the
# answer (body, then status) is in inflight.out
sigterm_in_flight() {
	local log=$1 cl
	shift
	"${C[@]}" --max-time 30 "$@" > inflight.out 2>&1 & # past the 10 s grace
	cl=$!
	pids+=($cl)
	sleep 1
	kill -TERM $SERVER
	wait $SERVER
	expect "SIGTERM in flight: exit" $? 0
	wait $cl
	has "in flight: drain logged" "$(cat "$log")" "1 checks in flight"
}
wait_listening() { # LOG PID: 0 once LOG says listening, 1 when PID died first
	for _ in $(seq 100); do
		grep -q listening "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# https_test NAME VANTAGE_BINARY SOURCE_DIR: run the calling script again in
# a network namespace of its own (unshare -n: only a loopback, gone with
# the last process in it), or exit 77 without root / namespaces; then V
# (the binary), T (a directory, the working one, removed at exit), pids
# (killed at exit), the pass / fail helpers, and the certificates: a CA,
# another CA, server and client under the first, stranger under the other.
https_test() {
	local name=$1
	shift
	if [ -z "${VTG_HTTPS_NETNS:-}" ]; then
		if [ "$(id -u)" -ne 0 ] || ! unshare -n true 2>/dev/null; then
			echo "SKIP: $name needs root and network namespaces (CI has both)" >&2
			exit 77
		fi
		VTG_HTTPS_NETNS=1 exec unshare -n bash "$0" "$@"
	fi
	V=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	T=$(mktemp -d "/tmp/vtg-$name.XXXXXX")
	pids=()
	# KEEP=1: the directory stays, for a look after a failure
	trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null
	      [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
	. "$SRC/tests/integration/lib.sh" # pass / fail helpers
	ip link set lo up || { echo "FAIL: no loopback in the namespace" >&2; exit 1; }
	for tool in curl openssl python3 jq; do
		command -v $tool >/dev/null || { echo "FAIL: $tool missing (scripts/setup.sh)" >&2; exit 1; }
	done
	cd "$T" || exit 1
	mkca ca
	mkca otherca
	mkcert server ca -days 30
	mkcert client ca -days 30
	mkcert stranger otherca -days 30
	for f in server client stranger; do
		[ -s $f.pem ] || { echo "FAIL: certificate $f not made" >&2; exit 1; }
	done
}
