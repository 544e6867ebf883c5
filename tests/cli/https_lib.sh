# https_lib.sh — what the HTTPS server tests (test_agent.sh, test_serve.sh)
# share: certificates made with openssl at test time (mkca NAME; mkcert
# NAME CA [openssl-ca date options], SAN localhost / 127.0.0.1), curl with
# the body and the status (C; status / body split its output), open-mpic
# schema validation (omvalid), and waiting for a server's "listening" line
# (wait_listening). Source it after SRC is set and tests/integration/lib.sh,
# inside the test's own directory.
mkca() { # NAME
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=$1" -keyout "$1.key" -out "$1.pem" 2>/dev/null
}
mkcert() { # NAME CA [openssl-ca date options]
	local name=$1 ca=$2
	shift 2
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
		-keyout "$name.key" -out "$name.csr" 2>/dev/null
	mkdir -p "db-$ca"
	[ -e "db-$ca/index" ] || { : > "db-$ca/index"; echo 01 > "db-$ca/serial"; }
	cat > "ca-$ca.cnf" <<EOC
[ca]
default_ca = d
[d]
database = db-$ca/index
serial = db-$ca/serial
new_certs_dir = db-$ca
default_md = sha256
policy = p
unique_subject = no
copy_extensions = copy
[p]
commonName = supplied
[ext]
basicConstraints = CA:FALSE
subjectAltName = DNS:localhost,IP:127.0.0.1
EOC
	openssl ca -batch -config "ca-$ca.cnf" -cert "$ca.pem" -keyfile "$ca.key" -in "$name.csr" \
		-out "$name.pem" -extensions ext -notext "$@" >/dev/null 2>&1
}
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
wait_listening() { # LOG PID: 0 once LOG says listening, 1 when PID died first
	for _ in $(seq 100); do
		grep -q listening "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}
