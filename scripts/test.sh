#!/usr/bin/env bash
# The whole test suite: build the dev and the ASan+UBSan configurations and
# run every ctest test in both (Criterion unit tests, command-line tests, the
# fuzz-corpus replay, the integration tests in the local DNS world); after the
# dev build, the layout rule (scripts/check-layers.sh: includes point downward,
# libvantage holds no cli/ code, exports only vtg_*); then the stress programs
# under ThreadSanitizer, and the remote-perspective test with a TSan build.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
status=0
for preset in dev asan; do
  echo "=== $preset: configure + build"
  cmake --preset "$preset" >/dev/null
  cmake --build "build/$preset" -j"$jobs" >/dev/null
  if [ "$preset" = dev ]; then
    echo "=== dev: layers (scripts/check-layers.sh)"
    if ! scripts/check-layers.sh . "build/$preset"; then
      status=1
    fi
  fi
  echo "=== $preset: ctest"
  if ! ctest --test-dir "build/$preset" --output-on-failure -j"$jobs"; then
    status=1
  fi
done
# the cross-thread code (the corroboration aggregator; the public API's
# workers, callbacks and cancellation; web validation's perspectives on
# their workers) under ThreadSanitizer: every tests/stress/stress_*.c
# (CMake makes each a ctest test labelled stress)
echo "=== tsan: stress programs"
cmake --preset tsan >/dev/null
stress_targets=()
for src in tests/stress/stress_*.c; do
  stress_targets+=(--target "$(basename "$src" .c)")
done
cmake --build build/tsan -j"$jobs" "${stress_targets[@]}" --target vantage >/dev/null
if ! ctest --test-dir build/tsan --output-on-failure -L stress; then
  status=1
fi
# remote perspectives: a coordinator and five agents (their engines, libcurl
# and libevent threads) under ThreadSanitizer; a report exits 66 and fails
# the test's own checks
echo "=== tsan: remote perspectives (tests/cli/test_remote.sh)"
if ! TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" \
    bash tests/cli/test_remote.sh build/tsan/vantage .; then
  status=1
fi
exit $status
