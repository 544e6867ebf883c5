#!/usr/bin/env bash
# libvantage as an embedder gets it: installed into a temporary prefix
# (cmake --install), libvantage.so must not pull in an allocator (no jemalloc
# in NEEDED), must export only vtg_* symbols (none vtg__*) and import no
# getopt* (option parsing is the command's), and examples/embed.c must link
# against libvantage.a with `pkg-config --static --cflags --libs vantage` from
# the installed vantage.pc (the archive static, its dependencies as the
# system has them: Debian's libcurl needs GSSAPI and LDAP, which Debian ships
# as shared libraries only, so a wholly static binary cannot be made). The
# example is only linked, not run: it needs a DNS world. In a sanitizer build
# the link is skipped with the reason (the archive needs the sanitizer
# runtimes, which the pkg-config flags do not name).
# usage: test_library.sh VANTAGE_BINARY SOURCE_DIR
#   (the build directory is the binary's directory)
set -u
V=$1
SRC=$2
B=$(cd "$(dirname "$V")" && pwd)
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

for tool in readelf nm cc pkg-config; do
	if ! command -v "$tool" >/dev/null; then
		bad "$tool not found (scripts/setup.sh installs it)"
		echo "test_library: $pass passed, $fail failed"
		exit 1
	fi
done

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
P=$T/prefix
if ! cmake --install "$B" --prefix "$P" >"$T/install.log" 2>&1; then
	bad "cmake --install $B failed: $(tail -5 "$T/install.log")"
	echo "test_library: $pass passed, $fail failed"
	exit 1
fi
so=$(find "$P" -name 'libvantage.so' | head -1)
a=$(find "$P" -name 'libvantage.a' | head -1)
pc=$(find "$P" -name 'vantage.pc' | head -1)
h=$(find "$P" -name 'vantage.h' | head -1)
for f in so a pc h; do
	if [ -n "${!f}" ]; then ok; else bad "install into $P has no $f file"; fi
done
[ -n "$so" ] && [ -n "$a" ] && [ -n "$pc" ] || {
	echo "test_library: $pass passed, $fail failed"
	exit 1
}

# ---- the shared library ----
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
if grep -qi jemalloc <<< "$needed"; then
	bad "libvantage.so NEEDs jemalloc (an embedder's malloc would be replaced): $(tr '\n' ' ' <<< "$needed")"
else ok; fi
pcj=$(grep -v '^[[:space:]]*#' "$pc" | grep -i jemalloc)
if [ -n "$pcj" ]; then bad "vantage.pc names jemalloc: $pcj"; else ok; fi

exports=$(nm -D --defined-only "$so" | awk 'NF >= 3 { print $3 }' | sort -u)
if [ -z "$exports" ]; then bad "libvantage.so exports nothing"; else ok; fi
other=$(grep -Ev '^vtg_' <<< "$exports" | tr '\n' ' ')
if [ -n "$other" ]; then bad "libvantage.so exports non-vtg_ symbols: $other"; else ok; fi
internal=$(grep -E '^vtg__' <<< "$exports" | tr '\n' ' ')
if [ -n "$internal" ]; then bad "libvantage.so exports internal vtg__ symbols: $internal"; else ok; fi
getopt=$(nm -D --undefined-only "$so" | awk '{ print $NF }' | sed 's/@.*//' | grep -E '^getopt' | tr '\n' ' ')
if [ -n "$getopt" ]; then
	bad "libvantage.so imports $getopt(cli/ code in the library: option parsing is the command's)"
else ok; fi
# the public API is there
for s in vtg_version vtg_strerror vtg_engine_new vtg_submit vtg_poll vtg_caa_reason_str; do
	if grep -qx "$s" <<< "$exports"; then ok; else bad "libvantage.so does not export $s"; fi
done

# ---- pkg-config and the static link of the example ----
export PKG_CONFIG_PATH=$(dirname "$pc")
if flags=$(pkg-config --static --cflags --libs vantage 2>"$T/pc.err"); then ok
else bad "pkg-config --static --cflags --libs vantage: $(cat "$T/pc.err")"; fi

sanitized=""
if nm "$a" 2>/dev/null | grep -qE ' U __(asan|ubsan|tsan)_'; then
	sanitized=$(nm "$a" 2>/dev/null | grep -oE ' U __(asan|ubsan|tsan)_' | sed 's/ U __//; s/_$//' | sort -u | tr '\n' ' ')
fi
if [ -n "$sanitized" ]; then
	echo "SKIP: link of examples/embed.c with libvantage.a: a sanitizer build (${sanitized% }); its runtimes are not in the pkg-config flags" >&2
else
	libdir=$(pkg-config --variable=libdir vantage)
	deps=${flags//-lvantage/}
	# shellcheck disable=SC2086 # the flags are words
	if cc -o "$T/embed" "$SRC/examples/embed.c" -Wl,-Bstatic -L"$libdir" -lvantage \
		-Wl,-Bdynamic $deps >"$T/link.log" 2>&1; then
		ok
		# it must be libvantage.a that got linked, not the .so
		if readelf -d "$T/embed" 2>/dev/null | grep NEEDED | grep -q libvantage; then
			bad "the embed example linked libvantage.so, not libvantage.a"
		else ok; fi
		if nm "$T/embed" | grep -q ' T vtg_engine_new$'; then ok
		else bad "the embed example does not hold vtg_engine_new itself"; fi
	else
		bad "cc examples/embed.c libvantage.a \$(pkg-config --static --cflags --libs vantage) does not link: $(grep -vi 'warning' "$T/link.log" | tail -8)"
	fi
fi

echo "test_library: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
