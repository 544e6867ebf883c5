#!/usr/bin/env bash
# The C API as an embedder sees it: install the build into a temporary
# prefix (cmake --install), build examples/embed.c against the installed
# library twice — with pkg-config and with find_package(vantage) — and run
# both against the local DNS world: CAA checks corroborated by 5 remote
# perspectives, one of them hijacked (still permitted, 4/5), and a name the
# CA may not issue for. Also runs the in-tree build of the example.
# usage: test_embed.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
SRC=$(cd "$2" && pwd)
BUILD=$(dirname "$V")
WORLD=$SRC/tests/world/world.sh
# shellcheck disable=SC1090
. <("$WORLD" env)
T=$(mktemp -d /tmp/vtg-embed.XXXXXX)
cleanup() {
  "$WORLD" hijack r2 off >/dev/null 2>&1
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
# shellcheck disable=SC1091
. "$SRC/tests/integration/lib.sh"
{
  printf '[engine]\nearly-decision = no\nroot-hints = %s\ntrust-anchor = %s\ntimeout-ms = 300\nretries = 1\n' \
    "$VTG_ROOT_HINTS" "$VTG_TRUST_ANCHOR"
  for p in p0 r1 r2 r3 r4 r5; do
    printf '[perspective %s]\nrir = %s\nnetns = %s\nsource = %s\nmode = iterative\n' \
      "$p" "$(var "$p" RIR)" "$(var "$p" NETNS)" "$(var "$p" SRC)"
  done
} > "$T/five.conf"

# a sanitizer build's library needs its runtime in the program too
SAN=
grep -q '^VTG_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null && SAN="-fsanitize=address,undefined"
cmake --install "$BUILD" --prefix "$T/prefix" > "$T/install.log" 2>&1
expect "install" "$?" 0
expect "installed files" \
  "$(cd "$T/prefix" && ls include/vantage.h lib*/libvantage.so lib*/libvantage.a lib*/pkgconfig/vantage.pc lib*/cmake/vantage/vantageConfig.cmake bin/vantage 2>/dev/null | wc -l)" 6
PCDIR=$(dirname "$(find "$T/prefix" -name vantage.pc | head -1)")
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror $SAN -o "$T/embed-pc" "$SRC/examples/embed.c" \
  $(PKG_CONFIG_PATH=$PCDIR pkg-config --cflags --libs vantage) \
  -Wl,-rpath,"$(PKG_CONFIG_PATH=$PCDIR pkg-config --variable=libdir vantage)" 2> "$T/cc.log"
expect "example built with pkg-config" "$?" 0
mkdir -p "$T/cm"
cat > "$T/cm/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.25)
project(embed C)
find_package(vantage 0.1 REQUIRED)
add_executable(embed-cmake $SRC/examples/embed.c)
target_link_libraries(embed-cmake PRIVATE vantage::vantage)
CM
(cmake -S "$T/cm" -B "$T/cm/build" -DCMAKE_PREFIX_PATH="$T/prefix" -DCMAKE_C_FLAGS="$SAN" -DCMAKE_BUILD_RPATH="$(dirname "$(find "$T/prefix" -name libvantage.so | head -1)")" > "$T/cm.log" 2>&1 &&
  cmake --build "$T/cm/build" >> "$T/cm.log" 2>&1)
expect "example built with find_package(vantage)" "$?" 0

"$WORLD" hijack r2 on >/dev/null 2>&1
for bin in "$T/embed-pc" "$T/cm/build/embed-cmake" "$BUILD/vantage-embed-example"; do
  out=$("$bin" "$T/five.conf" good-ca.vtg "www.$VTG_NAME_HIJACK" "$VTG_NAME_SECURE" 2> "$T/err.txt")
  rc=$?
  expect "$(basename "$bin"): exit 1 (one denial)" "$rc" 1
  expect "$(basename "$bin"): hijacked r2, still corroborated" \
    "$(grep "^www.$VTG_NAME_HIJACK " <<<"$out")" \
    "www.$VTG_NAME_HIJACK permit authorized quorum=4/5 corroborated=1"
  expect "$(basename "$bin"): not our CA" "$(grep "^$VTG_NAME_SECURE " <<<"$out" | cut -d' ' -f2,3)" \
    "deny not-authorized:"
done
"$WORLD" hijack r2 off >/dev/null 2>&1
# a refused configuration comes back as an error, not a crash
sed -n "1,/^mode = iterative$/p" "$T/five.conf" > "$T/one.conf" # [engine] and p0 only
"$BUILD/vantage-embed-example" "$T/one.conf" good-ca.vtg x.example > /dev/null 2> "$T/err.txt"
expect "refused config: exit 2" "$?/$(grep -c 'remote perspective' "$T/err.txt")" "2/1"

echo "test_embed: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
