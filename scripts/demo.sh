#!/usr/bin/env bash
# The main job on the built-in examples: set up, build (release preset), then
#  1. `vantage eval` over examples/names.txt against the zones in examples/zones
#     (offline: the zone files are the whole DNS);
#  2. the local DNS world (tests/world, network namespaces, as root) brought up
#     if it is not up, and `vantage caa` over examples/world-names.txt from a
#     primary that resolves iteratively and validates DNSSEC itself, and six
#     remote perspectives through the resolver in each one's own namespace
#     (examples/world.conf). The world stays up afterwards;
#     `tests/world/world.sh down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release -j"$(nproc)" --target vantage >/dev/null
V=./build/release/vantage

echo "== vantage eval: examples/zones, CA ca.example, method dns-01" >&2
$V eval --zone examples/zones/shop.example.zone --zone examples/zones/cdn.example.zone \
  --ca ca.example --method dns-01 < examples/names.txt

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: the DNS world needs root (network namespaces); skipping part 2" >&2
  exit 0
fi
echo "== the local DNS world" >&2
tests/world/world.sh up   # idempotent: a healthy world is left as it is
echo "== vantage caa: 7 perspectives (examples/world.conf), CA secure-ca.vtg + parent-ca.vtg" >&2
out=$(mktemp /tmp/vtg-demo.XXXXXX)
trap 'rm -f "$out"' EXIT
rc=0
$V caa --config examples/world.conf --ca secure-ca.vtg,parent-ca.vtg < examples/world-names.txt \
  | tee "$out" || rc=$?
echo >&2
echo "== in short (one row per JSON line above)" >&2
{
  printf 'NAME\tDECISION\tQUORUM\tREASON\n'
  jq -r '[.name, .decision, (.quorum // "-"), (.reason | .[0:70])] | @tsv' "$out"
} | column -t -s $'\t' >&2
echo >&2
echo "The world stays up for more runs; stop it with: tests/world/world.sh down" >&2
exit "$rc"
