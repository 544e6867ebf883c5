#!/usr/bin/env bash
# `vantage serve` without the DNS world, inside a network namespace of its
# own (unshare -n: only a loopback, gone with the last process in it). A
# tiny DNS responder (python3) has two sockets: the honest one answers CAA
# "issue ca1.example" for every name (and the acme-dns-01 TXT of dcv.test),
# the hijacked one "issue ca9.example"; the primary and four remotes ask
# the honest one, two remotes (x1, x2) the hijacked one, so a cohort with
# x1 or x2 does not corroborate. Checked: /mpic caa and dcv answers against
# open-mpic's OpenAPI schemas; the same target gets the same cohort every
# time; with max_attempts, a target whose first cohort holds a hijacked
# remote is retried on a fresh cohort, the failed attempt is in
# previous_attempt_results and never counted in the last; refusals (bad
# JSON, too many perspectives, a quorum above the count or below the BR
# table, a body over the limit) as 4xx JSON; mutual TLS refuses a client
# without a certificate, API-key mode a wrong key; /metrics parses and its
# counters rise; SIGTERM exits 0. Everything started is killed by PID.
# usage: test_serve.sh VANTAGE_BINARY SOURCE_DIR
set -u
SRC=$(cd "$2" && pwd)
. "$SRC/tests/cli/https_lib.sh" # certificates, curl, schema, waiting
https_test serve "$@"

DIG=LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0
python3 "$SRC/tests/cli/tiny_dns.py" \
	'{"caa": {"*": "ca1.example"}, "txt": {"_acme-challenge.dcv.test": "'$DIG'"}}' \
	'{"caa": {"*": "ca9.example"}}' '{"silent": true}' > dns.port &
pids+=($!)
for _ in $(seq 50); do [ -s dns.port ] && break; sleep 0.1; done
read -r GOOD EVIL HOLE < dns.port
[ -n "$HOLE" ] || { echo "FAIL: DNS responder did not start" >&2; exit 1; }

# report-only: a stub primary cannot validate DNSSEC, which enforce mode
# demands since 2026-03-15; serve's validity (the primary passes and the
# cohort corroborates) is the same in both modes. min-remotes 2: cohorts of
# two for a pool of six (the BR minimum at this date is larger)
persp() { # ID RIR PORT
	printf '[perspective %s]\n' "$1"
	[ -n "$2" ] && printf 'rir = %s\n' "$2"
	printf 'resolver = 127.0.0.1:%s\n' "$3"
}
{
	printf '[engine]\nmode = report-only\nmin-remotes = 2\ntimeout-ms = 500\nretries = 0\n'
	persp primary "" "$GOOD"
	persp a1 ARIN "$GOOD"
	persp r1 "RIPE NCC" "$GOOD"
	persp p1 APNIC "$GOOD"
	persp l1 LACNIC "$GOOD"
	persp x1 ARIN "$EVIL"
	persp x2 "RIPE NCC" "$EVIL"
} > serve.conf
head -c 48 /dev/urandom > secret
head -c 48 /dev/urandom > secret2

PORT=8444
U=https://127.0.0.1:$PORT
start_serve() { # LOG AUTH-OPTIONS...
	local log=$1
	shift
	start_server "$log" serve --config serve.conf --ca ca1.example --perspective-count 2 "$@" || return 1
	SERVE=$SERVER
}
post() { "${C[@]}" "${MT[@]}" -H 'Content-Type: application/json' -d "$1" $U/mpic; }
codes() { jq -c '[.perspectives[].perspective_code]' <<<"$1"; }
metric() { # NAME-AND-LABELS: its value in the last /metrics (m.txt)
	awk -v k="$1" 'index($0, k " ") == 1 { print $2 }' m.txt
}

# ---- refused configurations ------------------------------------------------
sed 's/^rir = LACNIC$//' serve.conf > norir.conf
"$V" serve --config norir.conf --listen 127.0.0.1:$PORT --cert server.pem --key server.key \
	--client-ca ca.pem 2> norir.log
expect "remote without rir: exit" $? 2
has "remote without rir: names it" "$(cat norir.log)" "l1 has no rir"
"$V" serve --config serve.conf --listen 127.0.0.1:$PORT --cert server.pem --key server.key \
	--client-ca ca.pem --perspective-count 7 2> big.log
expect "--perspective-count over the pool: exit" $? 2
"$V" serve --config serve.conf --listen 127.0.0.1:$PORT --cert server.pem --key server.key 2> noauth.log
expect "no authentication option: exit" $? 2

# ---- mutual TLS -------------------------------------------------------------
start_serve mtls.log --client-ca ca.pem --hash-secret-file secret || exit 1
r=$("${C[@]}" "${MT[@]}" $U/healthz)
expect "healthz" "$(status "$r")" 200

CAA='{"check_type":"caa","domain_or_ip_target":"shop.test","trace_identifier":"t-1"}'
r=$(post "$CAA")
expect "caa: status" "$(status "$r")" 200
b=$(body "$r")
omvalid "caa" CAAResponse "$b"
expect "caa: mpic_completed" "$(jq -r .mpic_completed <<<"$b")" true
expect "caa: actual perspective_count" "$(jq -r .actual_orchestration_parameters.perspective_count <<<"$b")" 2
expect "caa: primary first" "$(jq -r '.perspectives[0].perspective_code' <<<"$b")" primary
expect "caa: primary + cohort" "$(jq -r '.perspectives | length' <<<"$b")" 3
expect "caa: evidence line" "$(jq -r '.vantage[0].name' <<<"$b")" shop.test
first=$(codes "$b")
for i in 1 2 3; do
	expect "same target, same cohort ($i)" "$(codes "$(body "$(post "$CAA")")")" "$first"
done
# the target's case does not change its cohort
expect "same cohort whatever the case" \
	"$(codes "$(body "$(post '{"check_type":"caa","domain_or_ip_target":"SHOP.test"}')")")" "$first"
# a cohort is valid exactly when none of its remotes is hijacked
for t in $(seq 1 12); do
	b=$(body "$(post '{"check_type":"caa","domain_or_ip_target":"n'$t'.test"}')")
	hijacked=$(jq '[.perspectives[].perspective_code | select(startswith("x"))] | length' <<<"$b")
	want=$([ "$hijacked" = 0 ] && echo true || echo false)
	expect "n$t.test: valid iff no hijacked remote ($(codes "$b"))" "$(jq -r .is_valid <<<"$b")" "$want"
	# every cohort spans two RIRs
	rirs=$(jq '[.vantage[0].perspectives[1:][].rir] | unique | length' <<<"$b")
	expect "n$t.test: cohort spans two RIRs" "$rirs" 2
done

# quorum_count is honoured: cohorts of three, all three must corroborate;
# the table (two of three) lets some cohort with one hijacked remote pass
stricter=0
for t in $(seq 1 30); do
	b=$(body "$(post '{"check_type":"caa","domain_or_ip_target":"q'$t'.test","orchestration_parameters":{"perspective_count":3,"quorum_count":3}}')")
	hijacked=$(jq '[.perspectives[].perspective_code | select(startswith("x"))] | length' <<<"$b")
	expect "q$t.test quorum 3: valid iff clean" "$(jq -r .is_valid <<<"$b")" \
		"$([ "$hijacked" = 0 ] && echo true || echo false)"
	expect "q$t.test quorum 3: needed" "$(jq -r '.vantage[0].quorum_needed' <<<"$b")" 3
	d=$(body "$(post '{"check_type":"caa","domain_or_ip_target":"q'$t'.test","orchestration_parameters":{"perspective_count":3}}')")
	expect "q$t.test table: needed" "$(jq -r '.vantage[0].quorum_needed' <<<"$d")" 2
	expect "q$t.test table: same cohort" "$(codes "$d")" "$(codes "$b")"
	[ "$(jq -r .is_valid <<<"$b")" = false ] && [ "$(jq -r .is_valid <<<"$d")" = true ] &&
		stricter=$((stricter + 1))
done
[ "$stricter" -gt 0 ] && ok || bad "quorum 3 never refused what the table accepts in 30 targets"

# ---- attempts: a target whose first cohort is hijacked --------------------
found=""
for t in $(seq 1 60); do
	b=$(body "$(post '{"check_type":"caa","domain_or_ip_target":"m'$t'.test"}')")
	if [ "$(jq -r .is_valid <<<"$b")" = false ]; then found=m$t.test; break; fi
done
[ -n "$found" ] && ok || bad "no target with a hijacked first cohort in 60"
b=$(body "$(post '{"check_type":"caa","domain_or_ip_target":"'"$found"'","orchestration_parameters":{"max_attempts":3}}')")
omvalid "attempts" CAAResponse "$b"
n=$(jq -r .actual_orchestration_parameters.attempt_count <<<"$b")
prev=$(jq -r '.previous_attempt_results | length' <<<"$b")
expect "attempts: previous = attempts - 1" "$prev" $((n - 1))
[ "$n" -ge 2 ] && ok || bad "attempts: $n attempt(s) for a hijacked first cohort"
expect "attempts: the first attempt failed" \
	"$(jq -r '[.previous_attempt_results[0][] | select(.perspective_code | startswith("x"))] | length > 0' <<<"$b")" true
# cohorts of a target are disjoint: no remote of an earlier attempt again
overlap=$(jq '[.previous_attempt_results[][] .perspective_code, .perspectives[].perspective_code]
	| map(select(. != "primary")) | (length - (unique | length))' <<<"$b")
expect "attempts: fresh cohorts" "$overlap" 0
# the last attempt counts alone: its own quorum, valid iff its cohort is clean
last_hijacked=$(jq '[.perspectives[].perspective_code | select(startswith("x"))] | length' <<<"$b")
expect "attempts: last valid iff clean" "$(jq -r .is_valid <<<"$b")" \
	"$([ "$last_hijacked" = 0 ] && echo true || echo false)"
expect "attempts: last quorum is its own" "$(jq -r "[.vantage[$((n - 1))].quorum] | .[0]" <<<"$b")" \
	"$(jq -r '[.perspectives[1:][].check_response.check_passed | select(.)] | length | tostring + "/2"' <<<"$b")"
expect "attempts: one evidence line per attempt" "$(jq -r '.vantage | length' <<<"$b")" "$n"
# max_attempts 1 (and the default): one attempt, no previous results
b=$(body "$(post '{"check_type":"caa","domain_or_ip_target":"'"$found"'","orchestration_parameters":{"max_attempts":1}}')")
expect "max_attempts 1: one attempt" "$(jq -r .actual_orchestration_parameters.attempt_count <<<"$b")" 1
expect "max_attempts 1: previous null" "$(jq -c .previous_attempt_results <<<"$b")" null
# cohort_for_single_attempt picks the cohort (1-based)
c2=$(codes "$(body "$(post '{"check_type":"caa","domain_or_ip_target":"'"$found"'","orchestration_parameters":{"cohort_for_single_attempt":2}}')")")
[ "$c2" != "$(codes "$b")" ] && ok || bad "cohort_for_single_attempt 2 gave the first cohort"

# ---- DCV ------------------------------------------------------------------
r=$(post '{"check_type":"dcv","domain_or_ip_target":"dcv.test","dcv_check_parameters":{"validation_method":"acme-dns-01","key_authorization_hash":"'"$DIG"'"},"orchestration_parameters":{"max_attempts":3,"quorum_count":2}}')
expect "dcv: status" "$(status "$r")" 200
b=$(body "$r")
omvalid "dcv" DCVResponse "$b"
expect "dcv: quorum_count" "$(jq -r .actual_orchestration_parameters.quorum_count <<<"$b")" 2
expect "dcv: primary saw the record" "$(jq -c '.perspectives[0].check_response.details.records_seen' <<<"$b")" "[\"$DIG\"]"
# the hijacked server has no TXT: a cohort with x1 / x2 fails, the others pass
last_hijacked=$(jq '[.perspectives[].perspective_code | select(startswith("x"))] | length' <<<"$b")
expect "dcv: valid iff clean" "$(jq -r .is_valid <<<"$b")" \
	"$([ "$last_hijacked" = 0 ] && echo true || echo false)"

# ---- refusals ---------------------------------------------------------------
r=$(post '{"check_type":')
expect "garbage JSON: status" "$(status "$r")" 400
expect "garbage JSON: error" "$(body "$r" | jq -r .error)" request-validation-failed
r=$(post '{"check_type":"caa","domain_or_ip_target":"a.test","orchestration_parameters":{"perspective_count":7}}')
expect "perspective_count over the pool: status" "$(status "$r")" 400
has "perspective_count over the pool: says so" "$(body "$r" | jq -r .error_message)" "more than the 6"
r=$(post '{"check_type":"caa","domain_or_ip_target":"a.test","orchestration_parameters":{"perspective_count":1}}')
expect "perspective_count 1: status" "$(status "$r")" 400
r=$(post '{"check_type":"caa","domain_or_ip_target":"a.test","orchestration_parameters":{"perspective_count":3,"quorum_count":4}}')
expect "quorum over the count: status" "$(status "$r")" 400
has "quorum over the count: names the field" "$(body "$r" | jq -r .error_message)" quorum_count
r=$(post '{"check_type":"caa","domain_or_ip_target":"a.test","orchestration_parameters":{"perspective_count":3,"quorum_count":1}}')
expect "quorum below the BR table: status" "$(status "$r")" 400
r=$(post '{"check_type":"caa","domain_or_ip_target":"a.test","orchestration_parameters":{"cohort_for_single_attempt":9}}')
expect "no such cohort: status" "$(status "$r")" 400
r=$(post '{"check_type":"dcv","domain_or_ip_target":"a.test"}')
expect "dcv without parameters: status" "$(status "$r")" 400
r=$("${C[@]}" "${MT[@]}" $U/mpic)
expect "GET /mpic" "$(status "$r")" 405
r=$("${C[@]}" "${MT[@]}" $U/nothing)
expect "unknown path: JSON" "$(body "$r" | jq -r .error)" not-found
head -c 1048576 /dev/zero | tr '\0' a > big
r=$("${C[@]}" "${MT[@]}" --data-binary @big $U/mpic 2>/dev/null)
case $(status "$r") in 413|000) ok ;; *) bad "1 MB body: status $(status "$r"), want 413 (or closed)" ;; esac
refused_handshakes none stranger

# ---- /metrics -------------------------------------------------------------
r=$("${C[@]}" "${MT[@]}" $U/metrics)
expect "metrics: status" "$(status "$r")" 200
body "$r" > m.txt
# every sample line is NAME{LABELS} VALUE or NAME VALUE, every family typed
bad_lines=$(grep -v -e '^#' -e '^$' m.txt | grep -Evc '^[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? [0-9.e+-]+$')
expect "metrics: every sample parses" "$bad_lines" 0
for fam in vantage_checks_total vantage_attempts_total vantage_checks_in_flight \
	   vantage_perspective_latency_seconds vantage_perspective_failures_total; do
	has "metrics: $fam typed" "$(cat m.txt)" "# TYPE $fam "
done
valid1=$(metric 'vantage_checks_total{kind="caa",method="caa",outcome="valid"}')
att1=$(metric vantage_attempts_total)
[ "${valid1:-0}" -ge 1 ] && ok || bad "metrics: no valid caa check counted: $valid1"
expect "metrics: nothing in flight" "$(metric vantage_checks_in_flight)" 0
has "metrics: hijacked remote not corroborating" "$(cat m.txt)" \
	'vantage_perspective_failures_total{perspective="x1",reason="not-corroborating"}'
inf=$(metric 'vantage_perspective_latency_seconds_bucket{perspective="primary",le="+Inf"}')
cnt=$(metric 'vantage_perspective_latency_seconds_count{perspective="primary"}')
expect "metrics: +Inf bucket = count" "$inf" "$cnt"
# a clean target once more: the counters rise
for t in $(seq 1 12); do
	b=$(body "$(post '{"check_type":"caa","domain_or_ip_target":"n'$t'.test"}')")
	[ "$(jq -r .is_valid <<<"$b")" = true ] && break
done
body "$("${C[@]}" "${MT[@]}" $U/metrics)" > m.txt
valid2=$(metric 'vantage_checks_total{kind="caa",method="caa",outcome="valid"}')
att2=$(metric vantage_attempts_total)
expect "metrics: valid count rose by one" "$valid2" $((valid1 + 1))
[ "$att2" -gt "$att1" ] && ok || bad "metrics: attempts did not rise: $att1 -> $att2"

has "log: /mpic line with trace" "$(cat mtls.log)" " /mpic 200 t-1 "
kill -TERM $SERVE
wait $SERVE
expect "SIGTERM: exit" $? 0

# ---- API key, another secret --------------------------------------------
KEY=k3y-$(openssl rand -hex 16)
echo "$KEY" > api.key
start_serve key.log --api-key-file api.key --hash-secret-file secret2 || exit 1
r=$("${C[@]}" -H "x-api-key: $KEY" -d "$CAA" $U/mpic)
expect "api key: status" "$(status "$r")" 200
omvalid "api key caa" CAAResponse "$(body "$r")"
r=$("${C[@]}" -H "x-api-key: ${KEY}x" -d "$CAA" $U/mpic)
expect "wrong key: status" "$(status "$r")" 401
expect "wrong key: JSON" "$(body "$r" | jq -r .error)" unauthorized
r=$("${C[@]}" -d "$CAA" $U/metrics)
expect "metrics without a key" "$(status "$r")" 401
# another secret, other cohorts: over 20 targets, not all first cohorts equal
for t in $(seq 1 20); do
	b=$(body "$("${C[@]}" -H "x-api-key: $KEY" -d '{"check_type":"caa","domain_or_ip_target":"s'$t'.test"}' $U/mpic)")
	echo "s$t $(codes "$b")" >> secret2.cohorts
done
kill -TERM $SERVE
wait $SERVE
expect "SIGTERM (key mode): exit" $? 0
start_serve key1.log --api-key-file api.key --hash-secret-file secret || exit 1
for t in $(seq 1 20); do
	b=$(body "$("${C[@]}" -H "x-api-key: $KEY" -d '{"check_type":"caa","domain_or_ip_target":"s'$t'.test"}' $U/mpic)")
	echo "s$t $(codes "$b")" >> secret1.cohorts
done
same=$(comm -12 <(sort secret1.cohorts) <(sort secret2.cohorts) | wc -l)
# 15 two-remote cohorts: two random secrets agree on about 1 in 15
[ "$same" -lt 10 ] && ok || bad "another secret gave the same cohort for $same of 20 targets"
kill -TERM $SERVE
wait $SERVE

# ---- remote perspectives: two of the pool are agents (mode = remote) ----
printf '[engine]\nmode = off\ntimeout-ms = 500\nretries = 0\n[perspective local]\nresolver = 127.0.0.1:%s\n' \
	"$GOOD" > agent.conf
for i in 1 2; do
	"$V" agent --config agent.conf --listen 127.0.0.1:845$i --cert server.pem --key server.key \
		--ca ca1.example --client-ca ca.pem 2> agent$i.log &
	pids+=($!)
	wait_listening agent$i.log $! || bad "agent $i did not start: $(cat agent$i.log)"
done
remote() { # ID RIR PORT
	printf '[perspective %s]\nrir = %s\nmode = remote\nurl = https://127.0.0.1:%s\n' "$1" "$2" "$3"
	printf 'ca = %s/ca.pem\nclient-cert = %s/client.pem\nclient-key = %s/client.key\n' "$T" "$T" "$T"
}
{
	printf '[engine]\nmode = report-only\nmin-remotes = 2\ntimeout-ms = 500\nretries = 0\n'
	persp primary "" "$GOOD"
	persp a1 ARIN "$GOOD"
	persp r1 "RIPE NCC" "$GOOD"
	remote ag1 LACNIC 8451
	remote ag2 AFRINIC 8452
} > remote.conf
start_server remote.log serve --config remote.conf --ca ca1.example --perspective-count 4 \
	--api-key-file api.key || exit 1
r=$("${C[@]}" -H "x-api-key: $KEY" -d "$CAA" $U/mpic)
expect "remote pool: status" "$(status "$r")" 200
b=$(body "$r")
omvalid "remote pool" CAAResponse "$b"
expect "remote pool: cohort of the four" "$(codes "$b")" '["primary","a1","r1","ag1","ag2"]'
expect "remote pool: valid" "$(jq -r .is_valid <<<"$b")" true
# early decision: three of four suffice, the slowest may be cancelled
expect "remote pool: an agent corroborates" \
	"$(jq -r '[.perspectives[3:][].check_response.check_passed] | any' <<<"$b")" true
# an agent's details come from its own evidence, embedded in the line
expect "remote pool: the agent's records" \
	"$(jq -c '[.perspectives[3:][].check_response | select(.check_passed) | .details.records_seen][0]' <<<"$b")" \
	'["0 issue \"ca1.example\""]'
expect "remote pool: the agent's found_at" \
	"$(jq -r '[.perspectives[3:][].check_response | select(.check_passed) | .details.found_at][0]' <<<"$b")" \
	shop.test
kill -TERM $SERVER
wait $SERVER
expect "remote pool: SIGTERM exit" $? 0

# ---- SIGTERM with a check in flight past the grace (a server that never
# answers, a 30 s timeout): its client gets 503 after 10 s, exit 0 (and
# under ASan nothing leaks: the abandoned request is freed at exit) ------
sed -e "s/127.0.0.1:$GOOD/127.0.0.1:$HOLE/" -e 's/^timeout-ms = 500$/timeout-ms = 30000/' \
	serve.conf > hole.conf
start_server hole.log serve --config hole.conf --ca ca1.example --perspective-count 2 \
	--api-key-file api.key || exit 1
sigterm_in_flight hole.log -H "x-api-key: $KEY" -d "$CAA" $U/mpic
expect "in flight: 503" "$(tail -1 inflight.out)" 503
expect "in flight: JSON" "$(body "$(cat inflight.out)" | jq -r .error)" stopping
echo "test_serve: $pass passed, $fail failed"
[ "$fail" = 0 ]
