#!/bin/sh
# gen.sh — regenerate the DNSSEC fixtures of the replay scenarios (run once;
# the output is committed, so the scenarios never depend on the day they run).
#
# Zones: "." (signed), "test." (signed), "secure.test." (signed) and
# "insecure.test." (unsigned: test. proves it has no DS with a signed NSEC).
# One ECDSA P-256 key per zone (flags 257, signing everything), signatures
# valid from 2026-01-01 to 2036-01-01; the driver's virtual clock starts on
# 2026-06-01. Writes root.key (the trust anchor, DS form), the signed zones
# (*.signed) and network.inc (the ENTRY blocks the scenarios INCLUDE).
# Private keys stay in a temporary directory and are thrown away.
# Needs ldnsutils (ldns-keygen, ldns-signzone) and python3.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
INCEPTION=20260101000000
EXPIRATION=20360101000000
cd "$tmp"

sign() { # zone-name zone-file: prints the key's base name
	k=$(ldns-keygen -a ECDSAP256SHA256 -k -r /dev/urandom "$1")
	ldns-signzone -i $INCEPTION -e $EXPIRATION -f "$2.signed" "$2" "$k"
	echo "$k"
}

cat > secure.test.zone <<'Z'
secure.test. 3600 IN SOA ns1.secure.test. hostmaster.secure.test. 1 3600 600 86400 300
secure.test. 3600 IN NS ns1.secure.test.
ns1.secure.test. 3600 IN A 10.3.0.1
www.secure.test. 300 IN A 192.0.2.1
secure.test. 300 IN CAA 0 issue "ca.example"
Z
ks=$(sign secure.test. secure.test.zone)

cat > test.zone <<'Z'
test. 86400 IN SOA ns1.test. hostmaster.test. 1 3600 600 86400 300
test. 86400 IN NS ns1.test.
ns1.test. 86400 IN A 10.1.0.1
secure.test. 3600 IN NS ns1.secure.test.
ns1.secure.test. 3600 IN A 10.3.0.1
insecure.test. 3600 IN NS ns1.insecure.test.
ns1.insecure.test. 3600 IN A 10.4.0.1
Z
cat "$ks.ds" | sed 's/^secure\.test\.[[:space:]]*[0-9]*/secure.test. 3600/' >> test.zone
kt=$(sign test. test.zone)

cat > root.zone <<'Z'
. 86400 IN SOA a.root.test. hostmaster.root.test. 1 1800 900 604800 86400
. 518400 IN NS a.root.test.
test. 172800 IN NS ns1.test.
ns1.test. 172800 IN A 10.1.0.1
Z
cat "$kt.ds" | sed 's/^test\.[[:space:]]*[0-9]*/test. 86400/' >> root.zone
kr=$(sign . root.zone)

cp "$kr.ds" "$here/root.key"
for z in root test secure.test; do
	cp $z.zone.signed "$here/$z.signed"
done
python3 "$here/gen.py" "$here"
