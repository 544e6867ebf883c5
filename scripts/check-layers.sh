#!/usr/bin/env bash
# check-layers.sh — the layout rule (house style, "Layout"): dependencies
# point downward only, and libvantage carries no code of the command.
#
# usage: scripts/check-layers.sh [TREE] [BUILD_DIR]
#   TREE       source tree to check (default: the tree this script is in)
#   BUILD_DIR  a build directory holding libvantage.so / libvantage.a; without
#              it (or when it holds no library) the library checks are skipped
#              with a note, the source checks still run.
#
# One line per violation on stdout, "check-layers: [RULE] where: what";
# exit 1 if there is any, 0 otherwise (2 on a usage error). The rules:
#   cli-header     a file outside cli/ includes a cli/ header
#   pure-core      caa/ or resolver/ includes an engine/, runner/ or mpic/
#                  header or a socket header: the same core runs under the
#                  engine, the replay tests and the fuzzers
#   common-deps    common/ includes a project header other than common/* and
#                  vantage.h
#   engine-deps    engine/ includes runner/, mpic/ or cli/
#   mpic-deps      mpic/ includes runner/, cli/ or engine/
#   lib-cli-source CMakeLists.txt puts a cli/ source into a library that ends
#                  up in libvantage (vantage_shared / vantage_static)
#   lib-cli-code   the built library holds a compile unit from cli/ (debug
#                  info) or defines main / vtg_cmd_* (the command's entries)
#   lib-exports    libvantage.so exports a symbol not starting vtg_, or one
#                  starting vtg__ (internal)
#   lib-getopt     libvantage.so imports getopt* (option parsing is the
#                  command's business, and getopt's global state is the
#                  embedder's)
#   lib-libevent   libvantage.so needs libevent or imports its symbols (the
#                  HTTP server of `vantage agent` is the command's; an
#                  embedder brings its own event loop, vtg_engine_fd)
# Includes are read textually (#include lines, conditional or not): a header
# named under #if still is a dependency of the file.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
TREE=${1:-$here}
BUILD=${2:-}
if [ ! -d "$TREE" ]; then
	echo "check-layers: no such tree: $TREE" >&2
	exit 2
fi
TREE=$(cd "$TREE" && pwd)

nviol=0
viol() { # RULE WHERE WHAT
	echo "check-layers: [$1] $2: $3"
	nviol=$((nviol + 1))
}
note() { echo "check-layers: note: $*" >&2; }

# ---- source rules -----------------------------------------------------------

# resolve INCLUDING-FILE DELIM NAME -> $target: the included project file
# relative to TREE, or empty for a system header. Quoted names are tried next
# to the including file first, then (like angle names) under the -I paths of
# the build: the tree root and include/. (A variable, not a subshell: this
# runs once per #include line.)
resolve() {
	local file=$1 delim=$2 name=$3 dir
	target=""
	dir=${file%/*}
	if [ "$delim" = '"' ] && [ -f "$TREE/$dir/$name" ]; then
		target=$(realpath -m --relative-to="$TREE" "$TREE/$dir/$name")
		return
	fi
	if [ -f "$TREE/include/$name" ]; then
		target="include/$name"
		return
	fi
	case ${name%%/*} in
	common | resolver | caa | engine | mpic | runner | cli)
		# a project module path, whether or not the file exists (a
		# dangling include of cli/x.h still says what it depends on)
		target=$name ;;
	esac
}

# Socket I/O: opening, binding, sending, name lookups, rings, polling. The
# address types and their text form (<netinet/in.h>, <arpa/inet.h>) are
# not in it: the iterative resolver names the servers it wants asked as
# struct sockaddr_storage (its sockaddr_storage comes from <netinet/in.h>),
# and the engine does the asking.
is_socket_header() {
	case $1 in
	sys/socket.h | netdb.h | liburing.h | sys/un.h | poll.h | sys/poll.h | sys/epoll.h | \
		sys/select.h | netinet/tcp.h | netinet/udp.h) return 0 ;;
	esac
	return 1
}

include_re='^[[:space:]]*#[[:space:]]*include[[:space:]]*(["<])([^">]+)[">]'
layers=(include common resolver caa engine mpic runner)
dirs=()
for layer in "${layers[@]}" cli; do
	[ -d "$TREE/$layer" ] && dirs+=("$layer")
done
# "FILE:LINE:TEXT" for every #include line of every .c / .h of the layers
while IFS= read -r hit; do
	rel=${hit%%:*}
	rest=${hit#*:}
	lineno=${rest%%:*}
	line=${rest#*:}
	layer=${rel%%/*}
	[[ $line =~ $include_re ]] || continue
	delim=${BASH_REMATCH[1]}
	name=${BASH_REMATCH[2]}
	where="$rel:$lineno"
	resolve "$rel" "$delim" "$name"
	tl=""
	[ -n "$target" ] && tl=${target%%/*}
	if [ "$layer" != cli ] && [ "$tl" = cli ]; then
		viol cli-header "$where" "includes $name: cli/ is the command only, nothing below it may depend on it"
	fi
	case $layer in
	caa | resolver)
		case $tl in
		engine | runner | mpic)
			viol pure-core "$where" "$layer/ includes $name: caa/ and resolver/ are pure logic and never include engine/, runner/ or mpic/" ;;
		esac
		if [ -z "$target" ] && is_socket_header "$name"; then
			viol pure-core "$where" "$layer/ includes <$name>: caa/ and resolver/ never touch a socket"
		fi ;;
	common)
		if [ -n "$target" ] && [ "$tl" != common ] && [ "$target" != include/vantage.h ]; then
			viol common-deps "$where" "common/ includes $name: common/ depends on nothing but common/ and vantage.h"
		fi ;;
	engine)
		case $tl in
		runner | mpic | cli)
			viol engine-deps "$where" "engine/ includes $name: engine/ sits below runner/, mpic/ and cli/" ;;
		esac ;;
	mpic)
		case $tl in
		runner | cli | engine)
			viol mpic-deps "$where" "mpic/ includes $name: mpic/ (corroboration rules) depends on neither runner/, cli/ nor engine/" ;;
		esac ;;
	esac
done < <([ ${#dirs[@]} -gt 0 ] && cd "$TREE" &&
	find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z |
	xargs -0 -r grep -HnE '^[[:space:]]*#[[:space:]]*include' /dev/null)

# ---- lib-cli-source: the CMake library definitions --------------------------
# A small reader of CMakeLists.txt: commands (name + balanced-paren arguments),
# variables from set / list(APPEND) / file(GLOB), libraries from add_library,
# with their objects ($<TARGET_OBJECTS:x>) and linked libraries followed to the
# targets named vantage_* or with OUTPUT_NAME vantage.
if [ -f "$TREE/CMakeLists.txt" ] && command -v python3 >/dev/null; then
	while IFS= read -r line; do
		[ -n "$line" ] && viol lib-cli-source CMakeLists.txt "$line"
	done < <(python3 - "$TREE/CMakeLists.txt" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r'#[^\n]*', '', text)  # comments (no '#' inside our arguments)
cmds, i = [], 0
for m in re.finditer(r'([A-Za-z_][A-Za-z0-9_]*)\s*\(', text):
    if m.start() < i:
        continue
    depth, j = 1, m.end()
    while j < len(text) and depth:
        depth += {'(': 1, ')': -1}.get(text[j], 0)
        j += 1
    cmds.append((m.group(1).lower(), text[m.end():j - 1].split()))
    i = j
vars_, libs, links, outname = {}, {}, {}, {}
def expand(words, seen=()):
    out = []
    for w in words:
        for v in re.findall(r'\$\{(\w+)\}', w):
            if v not in seen:
                out += expand(vars_.get(v, []), seen + (v,))
        out.append(w)
    return out
for name, a in cmds:
    if not a:
        continue
    if name == 'set':
        vars_[a[0]] = a[1:]
    elif name == 'list' and a[0] == 'APPEND' and len(a) > 1:
        vars_.setdefault(a[1], []).extend(a[2:])
    elif name == 'file' and a[0].startswith('GLOB') and len(a) > 1:
        vars_[a[1]] = a[2:]
    elif name == 'add_library':
        libs[a[0]] = expand(a[1:])
    elif name == 'target_sources' and a[0] in libs:
        libs[a[0]] += expand(a[1:])
    elif name == 'target_link_libraries':
        links.setdefault(a[0], []).extend(a[1:])
    elif name == 'set_target_properties':
        for k in range(len(a) - 1):
            if a[k] == 'OUTPUT_NAME':
                outname[a[0]] = a[k + 1]
def deps(t):
    out = re.findall(r'\$<TARGET_OBJECTS:([\w-]+)>', ' '.join(libs.get(t, [])))
    for w in links.get(t, []):
        out += [x for x in re.findall(r'[\w-]+', w) if x in libs]
    return out
roots = [t for t in libs if outname.get(t) == 'vantage' or t.startswith('vantage_')]
seen, stack, via = set(), list(roots), {t: t for t in roots}
while stack:
    t = stack.pop()
    if t in seen:
        continue
    seen.add(t)
    for d in deps(t):
        via.setdefault(d, via[t])
        stack.append(d)
for t in sorted(seen):
    for w in libs.get(t, []):
        if re.search(r'(^|[/}])cli/', w):
            where = t if via[t] == t else f'{t} (in {via[t]})'
            print(f'library {where} lists the cli/ source {w}: libvantage must contain no cli/ code')
EOF
)
else
	note "no CMakeLists.txt or no python3: lib-cli-source skipped"
fi

# ---- library rules (BUILD_DIR) ----------------------------------------------
so="" a=""
if [ -n "$BUILD" ] && [ -d "$BUILD" ]; then
	[ -e "$BUILD/libvantage.so" ] && so="$BUILD/libvantage.so"
	[ -e "$BUILD/libvantage.a" ] && a="$BUILD/libvantage.a"
fi
if [ -z "$BUILD" ]; then
	note "no build directory given: library checks skipped"
elif [ -z "$so$a" ]; then
	note "no libvantage.so or libvantage.a in '$BUILD': library checks skipped"
elif ! command -v nm >/dev/null || ! command -v readelf >/dev/null; then
	note "nm / readelf missing (binutils): library checks skipped"
fi

if command -v nm >/dev/null && command -v readelf >/dev/null; then
	for lib in $so $a; do
		base=$(basename "$lib")
		# compile units from cli/ (needs -g, which every preset has)
		cus=$(readelf --debug-dump=info --dwarf-depth=1 "$lib" 2>/dev/null |
			awk '/DW_TAG_compile_unit/ { cu = 1; next }
			     cu && /DW_AT_name/ { sub(/.*: /, ""); print; cu = 0 }' |
			grep -E '(^|/)cli/[^/]+$' | sort -u)
		while IFS= read -r cu; do
			[ -n "$cu" ] && viol lib-cli-code "$base" "holds the compile unit $cu: libvantage must contain no cli/ code"
		done <<< "$cus"
		# the command's entry points, debug info or not
		syms=$(nm --defined-only "$lib" 2>/dev/null | awk 'NF >= 3 { print $3 }' |
			grep -E '^(main|vtg_cmd_[A-Za-z0-9_]*)$' | sort -u | tr '\n' ' ')
		[ -n "$syms" ] && viol lib-cli-code "$base" "defines the command's symbols ${syms% }: libvantage must contain no cli/ code"
	done
	if [ -n "$so" ]; then
		bad=$(nm -D --defined-only "$so" | awk 'NF >= 3 { print $3 }' |
			grep -Ev '^vtg_' | sort -u | tr '\n' ' ')
		[ -n "$bad" ] && viol lib-exports libvantage.so "exports non-vtg_ symbols: ${bad% }"
		bad=$(nm -D --defined-only "$so" | awk 'NF >= 3 { print $3 }' |
			grep -E '^vtg__' | sort -u | tr '\n' ' ')
		[ -n "$bad" ] && viol lib-exports libvantage.so "exports internal vtg__ symbols: ${bad% }"
		bad=$(nm -D --undefined-only "$so" | awk '{ print $NF }' | sed 's/@.*//' |
			grep -E '^getopt' | sort -u | tr '\n' ' ')
		[ -n "$bad" ] && viol lib-getopt libvantage.so "imports ${bad% }: option parsing belongs to the command (cli/)"
		bad=$( { nm -D --undefined-only "$so" | awk '{ print $NF }' | sed 's/@.*//' |
			grep -E '^(event_|evhttp_|bufferevent_|evbuffer_|evconnlistener_|evutil_|evsignal_|evtimer_)'
			readelf -d "$so" 2>/dev/null | grep -oE 'Shared library: \[libevent[^]]*\]' |
			sed 's/.*\[//; s/\]//' ; } | sort -u | tr '\n' ' ')
		[ -n "$bad" ] && viol lib-libevent libvantage.so "needs ${bad% }: libevent is for the vantage command only (cli/agent.c)"
	fi
fi

if [ "$nviol" -gt 0 ]; then
	echo "check-layers: $nviol violation(s) in $TREE${so:+ / $so}"
	exit 1
fi
echo "check-layers: ok ($TREE${so:+, $so}${a:+, $a})"
exit 0
