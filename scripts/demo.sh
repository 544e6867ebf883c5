#!/usr/bin/env bash
# The main job on the built-in example: set up, build (release preset), and
# run `vantage eval` over examples/names.txt against examples/zones/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release -j"$(nproc)" --target vantage >/dev/null
set -x
./build/release/vantage eval \
  --zone examples/zones/shop.example.zone --zone examples/zones/cdn.example.zone \
  --ca ca.example --method dns-01 < examples/names.txt
