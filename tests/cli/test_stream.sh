#!/usr/bin/env bash
# The command as a pipeline stage, without the DNS world: lines stream while
# stdin is still open, SIGINT / SIGTERM leave one line per name read and the
# summary, a closed stdout ends the run cleanly, exit 3 when nothing
# answered, blank and comment lines skipped, strict --ca / --method, -o,
# -r FILE, query types. A "blackhole" (a bound UDP socket nobody reads)
# keeps lookups in flight; 127.0.0.1:9 (closed) makes them fail.
# usage: test_stream.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
SRC=$(cd "$2" && pwd)
T=$(mktemp -d /tmp/vtg-stream.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
. "$SRC/tests/integration/lib.sh" # pass / fail helpers, has
Q=(--timeout-ms 50 --retries 0 --no-progress)
valid() { # KIND FILE: every line against docs/schema/KIND.schema.json
  if python3 "$SRC/tests/schema/validate.py" "$1" "$2" > "$T/valid.err" 2>&1; then ok
  else bad "$2 against the $1 schema: $(head -3 "$T/valid.err")"; fi
}

python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(120)' > "$T/bh.port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$T/bh.port" ] && break; sleep 0.1; done
BH=127.0.0.1:$(cat "$T/bh.port")

# ---- streaming: a's line comes while b has not been written yet --------
mkfifo "$T/in1"
(echo a.example; sleep 8; echo b.example) > "$T/in1" &
pids+=($!)
"$V" query --resolver 127.0.0.1:9 "${Q[@]}" < "$T/in1" > "$T/out1" 2>/dev/null &
pids+=($!)
got=
for _ in $(seq 50); do
  [ -s "$T/out1" ] && { got=$(head -1 "$T/out1" | jq -r .name); break; }
  sleep 0.1
done
expect "streaming: first line out while stdin is open" "$got" a.example

# ---- SIGINT / SIGTERM mid-run ----------------------------------------
for sig in INT TERM; do
  mkfifo "$T/in-$sig"
  (for i in 1 2 3 4 5 6; do echo "n$i.example"; done; sleep 30) > "$T/in-$sig" &
  writer=$!
  pids+=($writer)
  "$V" query --resolver "$BH" --timeout-ms 20000 --retries 0 --no-progress --grace-ms 300 \
    < "$T/in-$sig" > "$T/out-$sig" 2> "$T/err-$sig" &
  vp=$!
  sleep 1
  kill -"$sig" "$vp"
  wait "$vp"
  rc=$?
  kill "$writer" 2>/dev/null
  want=130; [ "$sig" = TERM ] && want=143
  expect "SIG$sig: exit" "$rc" "$want"
  expect "SIG$sig: one line per name read" "$(wc -l < "$T/out-$sig")" 6
  expect "SIG$sig: in input order" "$(jq -r .name "$T/out-$sig" | tr '\n' ' ')" \
    "n1.example n2.example n3.example n4.example n5.example n6.example "
  expect "SIG$sig: unfinished ones say interrupted" "$(jq -r .error "$T/out-$sig" | sort -u)" interrupted
  has "SIG$sig: summary written" "$(cat "$T/err-$sig")" "vantage query: 6 names"
  has "SIG$sig: interruptions counted" "$(cat "$T/err-$sig")" "6 checks interrupted"
  valid query "$T/out-$sig"
done
# the interrupted lines of caa and dcv have their kinds' shapes
for k in caa dcv; do
  mkfifo "$T/in-$k"
  (echo a.example; sleep 30) > "$T/in-$k" &
  pids+=($!)
  extra=(--ca ca.example); [ $k = dcv ] && extra=(--method dns-01 --expect x)
  "$V" $k "${extra[@]}" --resolver "$BH" --timeout-ms 20000 --retries 0 --no-progress \
    --grace-ms 100 < "$T/in-$k" > "$T/out-$k" 2>/dev/null &
  vp=$!
  sleep 0.7
  kill -INT "$vp"
  wait "$vp"
  expect "$k interrupted: exit 130" "$?" 130
  expect "$k interrupted: reason" "$(jq -r .reason "$T/out-$k")" interrupted
  valid "$k" "$T/out-$k"
done
# a check that finishes within the grace period keeps its real line
mkfifo "$T/in-g"
(echo fast.example; sleep 30) > "$T/in-g" &
pids+=($!)
"$V" query --resolver "$BH" --timeout-ms 700 --retries 0 --no-progress --grace-ms 5000 \
  < "$T/in-g" > "$T/out-g" 2>/dev/null &
vp=$!
sleep 0.3
kill -INT "$vp"
wait "$vp"
expect "grace: exit 130" "$?" 130
expect "grace: the check finished in the grace period" "$(jq -r .error "$T/out-g")" timeout

# ---- a closed stdout ----------------------------------------------------
seq 1 20000 | sed 's/$/.example/' > "$T/many"
"$V" query --resolver 127.0.0.1:9 "${Q[@]}" < "$T/many" 2> "$T/err-pipe" | head -1 > /dev/null
expect "EPIPE: exit 1" "${PIPESTATUS[0]}" 1
has "EPIPE: said so" "$(cat "$T/err-pipe")" "writing output: Broken pipe"
has "EPIPE: summary still written" "$(cat "$T/err-pipe")" "vantage query:"

# ---- exit status 3, blank and comment lines ----------------------------
printf 'a.example\n\n# a comment\n   \nb.example\n' > "$T/names"
"$V" query --resolver 127.0.0.1:9 "${Q[@]}" < "$T/names" > "$T/out3" 2> "$T/err3"
expect "nothing answered: exit 3" "$?" 3
expect "blank and comment lines: no line" "$(wc -l < "$T/out3")" 2
has "skipped lines counted" "$(cat "$T/err3")" "3 blank or comment lines skipped"
has "exit 3 explained" "$(cat "$T/err3")" "no lookup got an answer"
"$V" caa --resolver 127.0.0.1:9 --ca ca.example "${Q[@]}" 'bad name!' > /dev/null 2>&1
expect "only invalid names: no lookup, exit 0" "$?" 0

# ---- strict values --------------------------------------------------------
for ca in https://ca.example 'not a domain!!' '*.ca.example' ''; do
  "$V" caa --resolver 127.0.0.1:9 --ca "$ca" "${Q[@]}" a.example > /dev/null 2> "$T/err"
  expect "--ca '$ca' refused" "$?" 2
done
has "--ca says why" "$(cat "$T/err")" "--ca"
"$V" caa --resolver 127.0.0.1:9 --ca 'CA.Example.,bücher.example' "${Q[@]}" a.example > "$T/ok" 2>/dev/null
expect "--ca: host names and U-labels accepted" "$?" 3
for m in bogus-01 DNS-01 'ca-' 'ca-x_y'; do
  "$V" caa --resolver 127.0.0.1:9 --ca ca.example --method "$m" "${Q[@]}" a.example > /dev/null 2>&1
  expect "--method '$m' refused" "$?" 2
done
for m in dns-01 http-01 tls-alpn-01 dns-account-01 ca-whois; do
  "$V" caa --resolver 127.0.0.1:9 --ca ca.example --method "$m" "${Q[@]}" a.example > /dev/null 2>&1
  expect "--method '$m' accepted" "$?" 3
done
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k.pem" \
  -subj /CN=a.example -addext subjectAltName=DNS:a.example,DNS:b.example -out "$T/r.csr" 2>/dev/null
"$V" caa --resolver 127.0.0.1:9 --ca ca.example --csr "$T/r.csr" --csr "$T/r.csr" "${Q[@]}" \
  > /dev/null 2> "$T/err"
expect "--csr twice refused" "$?" 2
has "--csr/--cert exclusive said" "$(cat "$T/err")" "exclusive"
"$V" caa --resolver 127.0.0.1:9 --ca ca.example --csr "$T/r.csr" "${Q[@]}" > "$T/csr.out" 2>/dev/null
expect "--csr once: its SANs" "$(jq -r .name "$T/csr.out" | tr '\n' ' ')" "a.example b.example "

# ---- -o, -r FILE, query types --------------------------------------------
printf '# resolvers\n127.0.0.1:9\n\n127.0.0.2:9  # second\n' > "$T/resolvers"
"$V" query -r "$T/resolvers" "${Q[@]}" -o "$T/o.jsonl" a.example > "$T/stdout" 2>/dev/null
expect "-r FILE and -o FILE: exit 3" "$?" 3
expect "-o: the line in the file" "$(jq -r .name "$T/o.jsonl")" a.example
expect "-o: nothing on stdout" "$(wc -c < "$T/stdout")" 0
"$V" query --resolver 127.0.0.1:9 "${Q[@]}" a.example > "$T/q" 2>/dev/null
expect "query: default type A" "$(jq -r .type "$T/q")" A
"$V" query --resolver 127.0.0.1:9 "${Q[@]}" -t DS -t 48 -t TYPE65 -t https a.example b.example \
  > "$T/q" 2>/dev/null
expect "query -t repeated: one line per name and type" "$(jq -r '.name + " " + .type' "$T/q" | tr '\n' ',')" \
  "a.example DS,a.example DNSKEY,a.example HTTPS,a.example HTTPS,b.example DS,b.example DNSKEY,b.example HTTPS,b.example HTTPS,"
valid query "$T/q"
for k in caa dcv query; do
  extra=(); [ $k = caa ] && extra=(--ca ca.example); [ $k = dcv ] && extra=(--method dns-01 --expect x)
  "$V" $k "${extra[@]}" --resolver 127.0.0.1:9 "${Q[@]}" --format compact a.example 'bad name!' \
    > "$T/compact-$k" 2>/dev/null
  expect "$k --format compact: a line each" "$(wc -l < "$T/compact-$k")" 2
  valid compact "$T/compact-$k"
done
expect "compact: per perspective id and reason only" \
  "$(head -1 "$T/compact-caa" | jq -c '.perspectives[0] | keys')" '["decision","id","reason"]'
"$V" caa --ca ca.example --resolver 127.0.0.1:9 "${Q[@]}" --format terse a.example > /dev/null 2>&1
expect "--format other: refused" "$?" 2
"$V" query --resolver 127.0.0.1:9 "${Q[@]}" -t NOSUCHTYPE a.example > /dev/null 2>&1
expect "query -t unknown refused" "$?" 2

echo "test_stream: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
