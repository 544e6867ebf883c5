#!/usr/bin/env bash
# Tests of scripts/check-layers.sh (the layering rule of docs/architecture.md
# section 1) on copies of the source tree, not on the tree as it stands:
# the copy is first cleaned of whatever the checker reports today (the
# lines it names are deleted, the cli/ sources it finds in a library are
# dropped from CMakeLists.txt), must then pass, and is broken one way at a
# time, each break expected to fail naming its rule and its file. The
# library rules run on tiny fake libvantage.so / .a built here with cc.
# usage: test_layers.sh VANTAGE_BINARY SOURCE_DIR   (the binary is not used)
set -u
SRC=$2
CHECK=$SRC/scripts/check-layers.sh
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
W=$T/tree
mkdir "$W"
tar -C "$SRC" --exclude=./build --exclude=./.git -cf - . | tar -C "$W" -xf -

# run [ARGS...] -> $out, $rc
run() {
	out=$(bash "$CHECK" "$@" 2>&1)
	rc=$?
}

# ---- clean the copy ----
run "$W"
# source violations: "check-layers: [rule] FILE:LINE: ...": delete the lines,
# last line first so that earlier line numbers stay right
grep -oE '^check-layers: \[[a-z-]+\] [^ :]+:[0-9]+:' <<< "$out" |
	sed -E 's/^check-layers: \[[a-z-]+\] //; s/:$//' | sort -t: -k1,1 -k2,2nr |
	while IFS=: read -r f n; do sed -i "${n}d" "$W/$f"; done
# cli/ sources in a library: drop the word from CMakeLists.txt
grep -oE 'lists the cli/ source [^ :]+' <<< "$out" | awk '{ print $NF }' | sort -u |
	while IFS= read -r w; do
		python3 - "$W/CMakeLists.txt" "$w" <<'EOF'
import sys
p, w = sys.argv[1], sys.argv[2]
s = open(p).read()
open(p, 'w').write(s.replace(w, ''))
EOF
	done
run "$W"
if [ "$rc" -eq 0 ]; then ok; else bad "the cleaned copy does not pass: $out"; fi
run "$W" "$T/no-such-build-dir"
if [ "$rc" -eq 0 ] && grep -q 'library checks skipped' <<< "$out"; then ok
else bad "a missing build dir is not skipped with a note (rc=$rc): $out"; fi

# target DIR -> a .c file of DIR to append to (the first one, or a new one)
target() {
	local f
	f=$(find "$W/$1" -maxdepth 1 -name '*.c' 2>/dev/null | sort | head -1)
	if [ -z "$f" ]; then
		mkdir -p "$W/$1"
		f=$W/$1/layers_probe.c
		: > "$f"
	fi
	echo "$f"
}

# breaks DIR LINE RULE: append LINE to a file of DIR, expect RULE naming it
breaks() {
	local dir=$1 line=$2 rule=$3 f rel
	f=$(target "$dir")
	rel=${f#"$W"/}
	cp "$f" "$T/saved"
	printf '%s\n' "$line" >> "$f"
	run "$W"
	if [ "$rc" -ne 0 ] && grep -qF "[$rule] $rel:" <<< "$out"; then ok
	else bad "$rel + '$line': want [$rule] and a failure (rc=$rc): $out"; fi
	cp "$T/saved" "$f"
}

# passes DIR LINE: append LINE, expect no violation
passes() {
	local dir=$1 line=$2 f
	f=$(target "$dir")
	cp "$f" "$T/saved"
	printf '%s\n' "$line" >> "$f"
	run "$W"
	if [ "$rc" -eq 0 ]; then ok; else bad "${f#"$W"/} + '$line' should pass: $out"; fi
	cp "$T/saved" "$f"
}

breaks caa '#include "engine/engine.h"' pure-core
breaks caa '#include "runner/config.h"' pure-core
breaks caa '#include "mpic/quorum.h"' pure-core
breaks caa '#include <poll.h>' pure-core
breaks caa '#  include <liburing.h>' pure-core
breaks resolver '#include <sys/socket.h>' pure-core
breaks resolver '#include <sys/epoll.h>' pure-core
breaks resolver '#include <netdb.h>' pure-core
breaks resolver '#include <sys/un.h>' pure-core
breaks resolver '#include "engine/engine.h"' pure-core
breaks common '#include "caa/caa.h"' common-deps
breaks common '#include "resolver/wire.h"' common-deps
breaks runner '#include "cli/cli.h"' cli-header
breaks engine '#include "cli/cli.h"' cli-header
breaks mpic '#include <cli/present.h>' cli-header
breaks engine '#include "runner/config.h"' engine-deps
breaks engine '#include "mpic/aggregate.h"' engine-deps
breaks mpic '#include "engine/engine.h"' mpic-deps
breaks mpic '#include "runner/config.h"' mpic-deps
passes common '#include "vantage.h"'
passes common '#include "common/arena.h"'
passes common '#include <stdlib.h>'
passes caa '#include "resolver/wire.h"'
passes caa '#include <openssl/evp.h>'
passes runner '#include "engine/engine.h"'
passes runner '#include "mpic/aggregate.h"'
passes cli '#include "cli/cli.h"'

# a header (not only .c files) is read too
mkdir -p "$W/caa"
echo '#include <sys/socket.h>' > "$W/caa/layers_probe.h"
run "$W"
if [ "$rc" -ne 0 ] && grep -qF '[pure-core] caa/layers_probe.h:1:' <<< "$out"; then ok
else bad "caa/layers_probe.h with <sys/socket.h> not flagged: $out"; fi
rm -f "$W/caa/layers_probe.h"

# ---- CMakeLists.txt: a cli/ source reaching libvantage ----
cp "$W/CMakeLists.txt" "$T/CMakeLists.saved"
cat >> "$W/CMakeLists.txt" <<'EOF'
add_library(vtg_probe OBJECT ${CMAKE_SOURCE_DIR}/cli/main.c)
target_sources(vantage_shared PRIVATE $<TARGET_OBJECTS:vtg_probe>)
EOF
run "$W"
if [ "$rc" -ne 0 ] && grep -qF '[lib-cli-source]' <<< "$out" && grep -q 'cli/main.c' <<< "$out"; then ok
else bad "cli/main.c in vantage_shared not flagged (rc=$rc): $out"; fi
cp "$T/CMakeLists.saved" "$W/CMakeLists.txt"
# through a static library linked whole into the shared one
cat >> "$W/CMakeLists.txt" <<'EOF'
set(VTG_PROBE_SRC ${CMAKE_SOURCE_DIR}/cli/eval.c)
add_library(vtg_probe STATIC ${VTG_PROBE_SRC})
target_link_libraries(vantage_shared PRIVATE $<LINK_LIBRARY:WHOLE_ARCHIVE,vtg_probe>)
EOF
run "$W"
if [ "$rc" -ne 0 ] && grep -qF '[lib-cli-source]' <<< "$out" && grep -q 'cli/eval.c' <<< "$out"; then ok
else bad "cli/eval.c via a linked static library not flagged (rc=$rc): $out"; fi
cp "$T/CMakeLists.saved" "$W/CMakeLists.txt"

# ---- library rules on fake libraries ----
if ! command -v cc >/dev/null || ! command -v nm >/dev/null; then
	echo "SKIP: library rules: no cc or nm" >&2
else
	L=$T/lib
	mkdir -p "$L/src/cli" "$L/src/runner"
	cat > "$L/src/runner/good.c" <<'EOF'
__attribute__((visibility("default"))) int vtg_good(void);
int vtg__hidden(void);
int vtg__hidden(void) { return 1; }
int vtg_good(void) { return vtg__hidden(); }
EOF
	# fakelib NAME CFLAGS... : build $L/NAME/libvantage.so from good.c and the
	# extra source $L/extra.c (if any)
	fakelib() {
		local d=$L/$1
		shift
		mkdir -p "$d"
		local extra=()
		[ -f "$L/extra.c" ] && extra=("$L/extra.c")
		(cd "$L/src" && cc -shared -fPIC -g -fvisibility=hidden "$@" -o "$d/libvantage.so" \
			runner/good.c "${extra[@]}") || bad "cc -shared failed for $d"
	}
	# expect_lib DIR RULE TEXT
	expect_lib() {
		run "$W" "$1"
		if [ "$rc" -ne 0 ] && grep -F "[$2]" <<< "$out" | grep -qF -- "$3"; then ok
		else bad "fake library $1: want [$2] with '$3' (rc=$rc): $out"; fi
	}

	rm -f "$L/extra.c"
	fakelib clean
	run "$W" "$L/clean"
	if [ "$rc" -eq 0 ]; then ok; else bad "clean fake libvantage.so flagged: $out"; fi

	cat > "$L/extra.c" <<'EOF'
__attribute__((visibility("default"))) int helper_parse(void);
int helper_parse(void) { return 2; }
EOF
	fakelib export
	expect_lib "$L/export" lib-exports helper_parse

	cat > "$L/extra.c" <<'EOF'
__attribute__((visibility("default"))) int vtg__leaked(void);
int vtg__leaked(void) { return 3; }
EOF
	fakelib internal
	expect_lib "$L/internal" lib-exports vtg__leaked

	cat > "$L/extra.c" <<'EOF'
#include <getopt.h>
__attribute__((visibility("default"))) int vtg_opts(int argc, char **argv);
int vtg_opts(int argc, char **argv)
{
	static const struct option o[] = {{"x", 0, 0, 'x'}, {0, 0, 0, 0}};
	return getopt_long(argc, argv, "x", o, 0);
}
EOF
	fakelib getopt
	expect_lib "$L/getopt" lib-getopt getopt_long

	cat > "$L/extra.c" <<'EOF'
struct evhttp;
struct evhttp *evhttp_new(void *base);
__attribute__((visibility("default"))) int vtg_serve(void);
int vtg_serve(void) { return evhttp_new(0) != 0; }
EOF
	fakelib libevent
	expect_lib "$L/libevent" lib-libevent evhttp_new

	# code compiled from a cli/ file: its compile unit and its entry points
	rm -f "$L/extra.c"
	cat > "$L/src/cli/cmd.c" <<'EOF'
int vtg_cmd_probe(int argc, char **argv);
int vtg_cmd_probe(int argc, char **argv) { return argc + !argv; }
EOF
	mkdir -p "$L/clicode"
	(cd "$L/src" && cc -shared -fPIC -g -fvisibility=hidden -o "$L/clicode/libvantage.so" \
		runner/good.c cli/cmd.c) || bad "cc -shared failed for clicode"
	expect_lib "$L/clicode" lib-cli-code cli/cmd.c
	expect_lib "$L/clicode" lib-cli-code vtg_cmd_probe
	# the static library alone, without debug info: the symbol still tells
	mkdir -p "$L/static"
	(cd "$L/src" && cc -c -fPIC -o "$L/cmd.o" cli/cmd.c && ar rcs "$L/static/libvantage.a" "$L/cmd.o") ||
		bad "ar failed"
	expect_lib "$L/static" lib-cli-code "libvantage.a: defines the command's symbols vtg_cmd_probe"
fi

echo "test_layers: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
