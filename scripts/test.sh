#!/usr/bin/env bash
# The whole test suite: build the dev and the ASan+UBSan configurations and
# run every ctest test in both (Criterion unit tests, command-line tests, the
# fuzz-corpus replay).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
status=0
for preset in dev asan; do
  echo "=== $preset: configure + build"
  cmake --preset "$preset" >/dev/null
  cmake --build "build/$preset" -j"$jobs" >/dev/null
  echo "=== $preset: ctest"
  if ! ctest --test-dir "build/$preset" --output-on-failure -j"$jobs"; then
    status=1
  fi
done
exit $status
