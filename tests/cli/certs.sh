# shellcheck shell=bash
# certs.sh — certificates made at test time for the HTTPS tests of the
# command (test_agent.sh, test_remote.sh): source it, then in the test's
# directory
#   mkca NAME                      a self-signed CA: NAME.pem, NAME.key
#   mkcert NAME CA [openssl-ca options, e.g. -days 30 or -startdate/-enddate]
# (mkcert: NAME.pem signed by CA, subjectAltName DNS:localhost, IP:127.0.0.1).
# EC P-256 keys, SHA-256; openssl ca keeps its database in db-CA/.
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
	cat > "ca-$ca.cnf" <<CNF
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
CNF
	openssl ca -batch -config "ca-$ca.cnf" -cert "$ca.pem" -keyfile "$ca.key" -in "$name.csr" \
		-out "$name.pem" -extensions ext -notext "$@" >/dev/null 2>&1
}
