#!/usr/bin/env bash
# End-to-end tests of `vantage lint-root`: certificates are made here with the
# `openssl` command (no binary fixtures), one breaking each rule of the
# Microsoft Root Program requirements and some passing all of them, plus
# damaged input (truncated, garbage, DER inside PEM armour, byte flips).
# `openssl ca` is used for its -startdate / -enddate, so every validity is a
# fixed date and --as-of makes the results independent of today. OpenSSL 3
# cannot sign with MD2 (and MD4/MD5 only with the legacy provider), so those
# certificates are a SHA-256 one with the signature algorithm OID rewritten in
# the DER: the check reads the algorithm, not the signature.
# usage: test_lint_root.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
# a sanitizer report must not pass for exit status 1 ("a check failed")
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
SRC=$2; . "$SRC/tests/integration/lib.sh" # the same pass / fail helpers, and validate

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/newcerts"
touch "$T/index.txt"
echo 1000 > "$T/serial"
cat > "$T/ca.cnf" <<EOF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $T
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
policy = policy_any
unique_subject = no
default_md = sha256
[ policy_any ]
countryName = optional
organizationName = optional
commonName = optional
[ v1 ]
[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ root_nobc ]
keyUsage = critical, keyCertSign, cRLSign
[ root_bc_noncrit ]
basicConstraints = CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[ root_bc_false ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyCertSign, cRLSign
[ root_ku_ds ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature, keyCertSign, cRLSign
[ root_ku_ke ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyEncipherment, keyCertSign, cRLSign
[ root_ku_nocrl ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign
[ root_eku_ok ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = serverAuth, clientAuth, emailProtection, codeSigning, timeStamping, OCSPSigning, 1.3.6.1.4.1.311.10.3.4, 1.3.6.1.5.5.7.3.6, 1.3.6.1.5.5.7.3.7
[ root_eku_any ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = serverAuth, anyExtendedKeyUsage
[ root_eku_smartcard ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = clientAuth, msSmartcardLogin
[ root_eku_keyrec ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = serverAuth, 1.3.6.1.4.1.311.10.3.11
[ sub_crl ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
crlDistributionPoints = URI:http://crl.contoso.example/root.crl
authorityKeyIdentifier = keyid
[ sub_nocrl ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
[ sub_ldap_ad ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
crlDistributionPoints = URI:ldap:///CN=Contoso%20Root%2CCN=CDP%2CDC=contoso%2CDC=example?certificateRevocationList
[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
crlDistributionPoints = URI:https://crl.contoso.example/sub.crl
EOF

key() { # key FILE ALGORITHM-ARGS...
  local f=$1
  shift
  openssl genpkey "$@" -out "$T/$f" 2>/dev/null || bad "genpkey $f $*"
}
key rsa3072.key -algorithm RSA -pkeyopt rsa_keygen_bits:3072
key rsa3072b.key -algorithm RSA -pkeyopt rsa_keygen_bits:3072
key rsa2048.key -algorithm RSA -pkeyopt rsa_keygen_bits:2048
key rsa1024.key -algorithm RSA -pkeyopt rsa_keygen_bits:1024
key p384.key -algorithm EC -pkeyopt ec_paramgen_curve:P-384
key p256.key -algorithm EC -pkeyopt ec_paramgen_curve:P-256
key k256.key -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1

# mk OUT KEY SUBJECT EXT [START END MD ISSUER_CERT ISSUER_KEY]: OUT in $T
mk() {
  local out=$1 k=$2 subj=$3 ext=$4 start=${5:-20240101000000Z} end=${6:-20450101000000Z}
  local md=${7:-sha256} icert=${8:-} ikey=${9:-}
  local sign=(-selfsign -keyfile "$T/$k")
  [ -n "$icert" ] && sign=(-cert "$T/$icert" -keyfile "$T/$ikey")
  openssl req -new -key "$T/$k" -subj "$subj" -out "$T/csr.pem" 2>"$T/req.err" &&
    openssl ca -batch -config "$T/ca.cnf" "${sign[@]}" -in "$T/csr.pem" -startdate "$start" \
      -enddate "$end" -md "$md" -extensions "$ext" -notext -preserveDN -out "$T/$out" \
      >/dev/null 2>"$T/ca.err" || { bad "making $out: $(cat "$T/req.err" "$T/ca.err")"; return 1; }
}

GOOD_SUBJ="/C=US/O=Contoso Ltd/CN=Contoso Root CA 2024"
mk good.pem rsa3072.key "$GOOD_SUBJ" root
mk good_ec.pem p384.key "/O=Contoso Ltd/CN=Contoso ECC Root" root
mk good_p256.pem p256.key "/O=Contoso Ltd/CN=Contoso P256 Root" root
mk v1.pem rsa3072.key "$GOOD_SUBJ" v1
mk no_o.pem rsa3072.key "/CN=Contoso Root CA" root
mk no_cn.pem rsa3072.key "/O=Contoso Ltd" root
mk cn_root.pem rsa3072.key "/O=Contoso Ltd/CN=Root" root
mk cn_ca1.pem rsa3072.key "/O=Contoso Ltd/CN=CA1" root
mk cn_test.pem rsa3072.key "/O=Contoso Ltd/CN=Test" root
mk cn_generic.pem rsa3072.key "/O=Contoso Ltd/CN=Root CA - G2" root
mk no_bc.pem rsa3072.key "$GOOD_SUBJ" root_nobc
mk bc_noncrit.pem rsa3072.key "$GOOD_SUBJ" root_bc_noncrit
mk bc_false.pem rsa3072.key "$GOOD_SUBJ" root_bc_false
mk ku_ds.pem rsa3072.key "$GOOD_SUBJ" root_ku_ds
mk ku_ke.pem rsa3072.key "$GOOD_SUBJ" root_ku_ke
mk ku_nocrl.pem rsa3072.key "$GOOD_SUBJ" root_ku_nocrl
mk rsa1024.pem rsa1024.key "$GOOD_SUBJ" root 20240101000000Z 20300101000000Z
mk k256.pem k256.key "$GOOD_SUBJ" root
mk sha1.pem rsa3072.key "$GOOD_SUBJ" root 20240101000000Z 20450101000000Z sha1
mk short.pem rsa3072.key "$GOOD_SUBJ" root 20240101000000Z 20300101000000Z
mk rsa2048_long.pem rsa2048.key "$GOOD_SUBJ" root 20240101000000Z 20450101000000Z
mk rsa2048_2030.pem rsa2048.key "$GOOD_SUBJ" root 20200101000000Z 20301231000000Z
mk eku_ok.pem rsa3072.key "$GOOD_SUBJ" root_eku_ok
mk eku_any.pem rsa3072.key "$GOOD_SUBJ" root_eku_any
mk eku_smartcard.pem rsa3072.key "$GOOD_SUBJ" root_eku_smartcard
mk eku_keyrec.pem rsa3072.key "$GOOD_SUBJ" root_eku_keyrec
# same subject as good.pem, but signed by good.pem's issuer key with another key inside
mk badsig_csr_key.pem rsa3072b.key "$GOOD_SUBJ" root 20240101000000Z 20450101000000Z sha256 good.pem rsa3072.key
mk sub.pem p256.key "/O=Contoso Ltd/CN=Contoso Issuing CA 1" sub_crl 20240101000000Z 20350101000000Z sha256 good.pem rsa3072.key
mk sub_nocrl.pem p256.key "/O=Contoso Ltd/CN=Contoso Issuing CA 2" sub_nocrl 20240101000000Z 20350101000000Z sha256 good.pem rsa3072.key
mk sub_ldap.pem p256.key "/O=Contoso Ltd/CN=Contoso Issuing CA 3" sub_ldap_ad 20240101000000Z 20350101000000Z sha256 good.pem rsa3072.key
mk leaf.pem rsa2048.key "/CN=www.contoso.example" leaf 20240101000000Z 20250101000000Z sha256 sub.pem p256.key
for n in 1 2 3 4; do
  mk fab$n.pem p256.key "/O=Fabrikam, Inc./CN=Fabrikam Root R$n" root
done

der() { openssl x509 -in "$T/$1" -outform DER -out "$T/$2"; }
# sigoid IN OUT LASTBYTE: sha256WithRSAEncryption (1.2.840.113549.1.1.11) ->
# 1.2.840.113549.1.1.LASTBYTE (2 md2, 3 md4, 4 md5), both copies (TBS and outer)
sigoid() {
  der "$1" tmp.der
  perl -0777 -pe "s/\\x06\\x09\\x2a\\x86\\x48\\x86\\xf7\\x0d\\x01\\x01\\x0b/\\x06\\x09\\x2a\\x86\\x48\\x86\\xf7\\x0d\\x01\\x01\\x$3/g" \
    "$T/tmp.der" > "$T/$2"
  cmp -s "$T/tmp.der" "$T/$2" && bad "sigoid $1: OID not found"
}
sigoid good.pem md2.der 02
sigoid good.pem md4.der 03
sigoid good.pem md5.der 04
sigoid sub.pem sub_md5.der 04
der good.pem good.der
cp "$T/good.der" "$T/good_der_named.pem"

ASOF=2025-01-01
# run FILE... : one JSON line per certificate (stdout), status in $rc
run() { out=$("$V" lint-root --as-of "$ASOF" "$@" 2>"$T/stderr"); rc=$?; [ -z "$out" ] || printf '%s\n' "$out" >> "$T/lines.jsonl"; }
# chk FILE CHECK-ID RESULT [OBSERVED-SUBSTRING]
chk() {
  local f=$1 id=$2 want=$3 sub=${4:-} got obs
  run "$T/$f"
  got=$(jq -r --arg id "$id" '.checks[] | select(.id == $id) | .result' <<<"$out" | head -1)
  obs=$(jq -r --arg id "$id" '.checks[] | select(.id == $id) | .observed' <<<"$out" | head -1)
  if [ "$got" != "$want" ]; then
    bad "$f: $id = '$got' ($obs), want '$want'"
  elif [ -n "$sub" ] && [[ "$obs" != *"$sub"* ]]; then
    bad "$f: $id observed '$obs' lacks '$sub'"
  else
    ok
  fi
}
# status FILE... WANT: exit status
status() {
  local want=${!#}
  run "${@:1:$#-1}"
  [ "$rc" = "$want" ] && ok || bad "${*:1:$#-1}: exit $rc, want $want ($(cat "$T/stderr"))"
}
# overall FILE RESULT
overall() {
  run "$T/$1"
  local got
  got=$(jq -r .result <<<"$out")
  [ "$got" = "$2" ] && ok || bad "$1: overall '$got', want '$2'"
}

# --- a root passing every rule: RSA 3072, EC P-384, EC P-256 ---
for f in good.pem good_ec.pem good_p256.pem good.der good_der_named.pem eku_ok.pem; do
  status "$T/$f" 0
  overall "$f" pass
  n=$(jq -r '[.checks[] | select(.result == "fail" or .result == "warning")] | length' <<<"$out")
  [ "$n" = 0 ] && ok || bad "$f: $n checks not passing"
done
run "$T/good.pem"
jq -e '.kind == "root" and .self_signed == true and .index == 0 and (.checks | length) == 12
       and (.sha256 | test("^[0-9a-f]{64}$")) and .not_after == "2045-01-01T00:00:00Z"' <<<"$out" >/dev/null \
  && ok || bad "good.pem: header fields: $out"
fp=$(openssl x509 -in "$T/good.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
[ "$(jq -r .sha256 <<<"$out")" = "$fp" ] && ok || bad "sha256 fingerprint differs from openssl's"
chk good.pem key pass "RSA 3072 bits"
chk good_ec.pem key pass "secp384r1"
chk good.pem validity pass "span 21.0 years"
chk good.pem self-signature pass
chk good.pem crl-distribution-point not-applicable
chk good.pem eku not-applicable absent
chk eku_ok.pem eku pass "msEFS"

# --- rule 1: version ---
chk v1.pem version fail v1
status "$T/v1.pem" 1
# --- rule 2: subject ---
chk no_o.pem subject-name fail "no organisation"
chk no_cn.pem subject-name fail "no common name"
chk cn_root.pem subject-name fail "only generic words"
chk cn_ca1.pem subject-name fail "CN=\"CA1\""
chk cn_test.pem subject-name fail "only generic words"
chk cn_generic.pem subject-name fail "only generic words"
chk good.pem subject-name pass "CN=\"Contoso Root CA 2024\""
# --- rule 3: basicConstraints ---
chk no_bc.pem basic-constraints fail absent
chk bc_noncrit.pem basic-constraints fail "not critical"
chk bc_false.pem basic-constraints fail "cA=FALSE"
chk good.pem basic-constraints pass "critical, cA=TRUE"
# --- rule 4: keyUsage ---
chk ku_ds.pem key-usage warning digitalSignature
overall ku_ds.pem warning
status "$T/ku_ds.pem" 0
chk ku_ke.pem key-usage fail keyEncipherment
chk ku_nocrl.pem key-usage fail "keyCertSign (critical)"
# --- rule 5: key ---
chk rsa1024.pem key fail "RSA 1024 bits"
chk k256.pem key fail "secp256k1"
chk rsa2048_long.pem key pass "RSA 2048 bits"
# --- rule 6: signature hash ---
chk sha1.pem signature-hash warning SHA1
chk md5.der signature-hash fail "(hash MD5): broken hash"
chk md4.der signature-hash fail "(hash MD4): broken hash"
chk md2.der signature-hash fail "(hash MD2): broken hash"
status "$T/md5.der" 1
# --- rule 7: validity ---
chk short.pem validity fail "ends too early"
chk rsa2048_long.pem validity fail "ends too late"
ASOF=2022-06-01 chk rsa2048_2030.pem validity pass "must end by 2030-12-31"
chk rsa2048_2030.pem validity fail "ends too early"
ASOF=2037-01-02 chk good.pem validity fail "needs notAfter >= 2045-01-02"
# --- rule 8: EKU ---
chk eku_any.pem eku fail "not allowed: anyExtendedKeyUsage"
chk eku_smartcard.pem eku fail "not allowed: msSmartcardLogin"
chk eku_keyrec.pem eku fail "not allowed: msKeyRecovery"
# --- rule 9: self-signature, and the rules for issued certificates ---
chk badsig_csr_key.pem self-signature fail "does not verify"
run "$T/badsig_csr_key.pem"
jq -e '.kind == "root" and .self_signed == false' <<<"$out" >/dev/null && ok || bad "badsig: $out"
run "$T/sub.pem"
jq -e '.kind == "issued" and .ca == true and .self_signed == false and .result == "pass"' <<<"$out" >/dev/null \
  && ok || bad "sub.pem: $out"
chk sub.pem crl-distribution-point pass "http://crl.contoso.example/root.crl"
chk sub.pem self-signature not-applicable
chk sub.pem validity not-applicable
chk sub.pem issued-signature-hash pass SHA256
chk sub_nocrl.pem crl-distribution-point fail absent
chk sub_ldap.pem crl-distribution-point fail "(not public)"
chk sub_md5.der issued-signature-hash fail MD5
chk leaf.pem basic-constraints not-applicable end-entity
chk leaf.pem key-usage not-applicable
chk leaf.pem crl-distribution-point pass https://
run "$T/leaf.pem"
jq -e '.kind == "issued" and .ca == false' <<<"$out" >/dev/null && ok || bad "leaf.pem: $out"
# --- rule 10: more than three roots of one organisation, across files ---
run "$T/fab1.pem" "$T/fab2.pem" "$T/fab3.pem"
[ "$rc" = 0 ] && ok || bad "three Fabrikam roots: exit $rc"
[ "$(jq -r '.checks[] | select(.id == "roots-per-organisation") | .result' <<<"$out" | sort -u)" = pass ] \
  && ok || bad "three Fabrikam roots: not all pass"
run "$T/fab1.pem" "$T/fab2.pem" "$T/fab3.pem" "$T/fab4.pem" "$T/good.pem"
[ "$rc" = 1 ] && ok || bad "four Fabrikam roots: exit $rc"
got=$(jq -r '.checks[] | select(.id == "roots-per-organisation") | .result' <<<"$out" | tr '\n' ' ')
[ "$got" = "fail fail fail fail pass " ] && ok || bad "four Fabrikam roots: $got"
jq -r '.checks[] | select(.id == "roots-per-organisation") | .observed' <<<"$out" | head -1 \
  | grep -q 'O="Fabrikam, Inc.": 4 roots' && ok || bad "four Fabrikam roots: observed"
# the same certificate given twice is one root
run "$T/fab1.pem" "$T/fab2.pem" "$T/fab3.pem" "$T/fab3.pem"
[ "$rc" = 0 ] && ok || bad "three Fabrikam roots, one twice: exit $rc"

# --- several certificates per file; file order and index kept ---
cat "$T/good.pem" "$T/p256.key" "$T/sub.pem" "$T/leaf.pem" > "$T/chain.pem"
cat "$T/good.der" "$T/md5.der" > "$T/two.der"
# text before the PEM that starts with '0' (0x30, the DER SEQUENCE tag)
{ echo '0 = the first root'; cat "$T/good.pem"; } > "$T/zero.pem"
run "$T/chain.pem" "$T/two.der" "$T/zero.pem"
[ "$rc" = 1 ] && ok || bad "chain + two.der + zero.pem: exit $rc"
got=$(jq -r '"\(.file | sub(".*/"; ""))#\(.index)=\(.kind)"' <<<"$out" | tr '\n' ' ')
[ "$got" = "chain.pem#0=root chain.pem#1=issued chain.pem#2=issued two.der#0=root two.der#1=root zero.pem#0=root " ] \
  && ok || bad "multi-certificate files: $got"

# --- damaged input: exit 2, file and reason on stderr, other files still checked ---
head -c 1000 /dev/urandom > "$T/garbage.bin"
printf 'hello, not a certificate\n' > "$T/text.txt"
: > "$T/empty.pem"
head -c 600 "$T/good.der" > "$T/trunc.der"
head -n 12 "$T/good.pem" > "$T/trunc.pem"
{ echo '-----BEGIN CERTIFICATE-----'; cat "$T/good.der"; echo; echo '-----END CERTIFICATE-----'; } > "$T/der_in_pem.pem"
{ echo '-----BEGIN CERTIFICATE-----'; head -c 500 "$T/good.der" | base64; echo '-----END CERTIFICATE-----'; } > "$T/short_b64.pem"
{ cat "$T/good.pem"; echo '-----BEGIN CERTIFICATE-----'; echo 'bm90IGEgY2VydGlmaWNhdGU='; echo '-----END CERTIFICATE-----'; cat "$T/sub.pem"; } > "$T/mixed.pem"
for f in garbage.bin text.txt empty.pem trunc.der trunc.pem der_in_pem.pem short_b64.pem p256.key nonexistent.pem newcerts; do
  run "$T/$f" "$T/good.pem"
  [ "$rc" = 2 ] && ok || bad "$f: exit $rc, want 2"
  grep -q "$f" "$T/stderr" && ok || bad "$f: not named on stderr: $(cat "$T/stderr")"
  n=$(printf '%s' "$out" | grep -c . || true)
  [ "$n" = 1 ] && jq -e '.file | endswith("good.pem")' <<<"$out" >/dev/null && ok \
    || bad "$f: the good file was not checked beside it ($n lines)"
done
run "$T/mixed.pem"
[ "$rc" = 2 ] && ok || bad "mixed.pem: exit $rc"
got=$(jq -r .index <<<"$out" | tr '\n' ' ')
[ "$got" = "0 2 " ] && ok || bad "mixed.pem: indexes $got, want 0 2"
grep -q 'mixed.pem: certificate 1:' "$T/stderr" && ok || bad "mixed.pem: block not named: $(cat "$T/stderr")"

# every truncated prefix of a DER certificate is refused cleanly, in one run
len=$(stat -c %s "$T/good.der")
mkdir "$T/prefix"
for ((i = 1; i < len; i++)); do head -c "$i" "$T/good.der" > "$T/prefix/$i"; done
"$V" lint-root "$T"/prefix/* > "$T/prefix.out" 2> "$T/prefix.err"
rc=$?
[ "$rc" = 2 ] && ok || bad "truncated prefixes: exit $rc"
[ ! -s "$T/prefix.out" ] && ok || bad "a truncated prefix got a report"
[ "$(grep -c 'not a DER certificate' "$T/prefix.err")" = $((len - 1)) ] && ok \
  || bad "truncated prefixes: not every one named on stderr"

# byte flips anywhere in the DER never crash (0, 1 or 2; never a signal)
mkdir "$T/flip"
for ((i = 0; i < len; i += 7)); do
  perl -0777 -pe "substr(\$_, $i, 1) = chr(ord(substr(\$_, $i, 1)) ^ 0x5a)" "$T/good.der" > "$T/flip/$i"
done
"$V" lint-root "$T"/flip/* > "$T/flip.out" 2> "$T/flip.err"
rc=$?
[ "$rc" -le 2 ] && ! grep -q 'Sanitizer\|runtime error' "$T/flip.err" && ok \
  || bad "byte flips: exit $rc: $(tail -5 "$T/flip.err")"
jq -e . "$T/flip.out" >/dev/null && ok || bad "byte flips: invalid JSON"
validate lint-root "$T/prefix.out" "$T/flip.out"

# --- text format, usage errors ---
out=$("$V" lint-root --as-of 2025-01-01 --format text "$T/good.pem" "$T/sub.pem" 2>/dev/null); rc=$?
[ "$rc" = 0 ] && ok || bad "text: exit $rc"
[[ "$out" == *"root, self-signed"* && "$out" == *"issued (intermediate CA) certificate"* && "$out" == *"=> pass"* ]] \
  && ok || bad "text output: $out"
"$V" lint-root >/dev/null 2>&1; [ $? = 2 ] && ok || bad "no file: exit not 2"
"$V" lint-root --as-of 2025-02-30 "$T/good.pem" >/dev/null 2>&1; [ $? = 2 ] && ok || bad "bad --as-of accepted"
"$V" lint-root --format xml "$T/good.pem" >/dev/null 2>&1; [ $? = 2 ] && ok || bad "bad --format accepted"
"$V" lint-root --help | grep -q -- --as-of && ok || bad "--help"
validate lint-root "$T/lines.jsonl" # every report run() got

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
