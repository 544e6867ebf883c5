#!/usr/bin/env bash
# The manual pages against the binary they describe: every key that
# `vantage help-config` lists (the options schema, runner/options.c) appears
# in vantage.conf(5) under its section with the same allowed values and
# default, and every key the page documents exists; every option of every
# `vantage CMD --help` and every command of `vantage help` appears in
# vantage(1); both pages render with man -l at 80 columns without a single
# groff warning.
# usage: test_man.sh VANTAGE_BINARY SOURCE_DIR
set -u
V=$1
SRC=$2
M1=$SRC/docs/man/vantage.1
M5=$SRC/docs/man/vantage.conf.5
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

for f in "$M1" "$M5"; do
	[ -r "$f" ] || { echo "FAIL: no $f" >&2; exit 1; }
done

# The roff source as text: escapes that stand for a character become it,
# font changes and zero-width marks go.
plain() {
	sed -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\(em/--/g' -e 's/\\e/\\/g' \
	    -e 's/\\f[BIRP]//g' -e 's/\\&//g' "$1"
}

# --- vantage.conf(5) against the schema ---------------------------------
# The page's entries as "section<TAB>key<TAB>text": an entry is a .TP whose
# tag line is ".BI "key = " ARG" under the section heading, its text all
# lines up to the next .TP / .SH / .SS, joined by single spaces.
entries=$(plain "$M5" | awk '
	function flush() {
		if (key != "") { gsub(/[ \t]+/, " ", text); print sec "\t" key "\t" text }
		key = ""; text = ""
	}
	/^\.SH / {
		flush(); tag = 0
		sec = /\[engine\]/ ? "engine" : /\[perspective/ ? "perspective" : ""
		next
	}
	/^\.SS / { flush(); tag = 0; next }
	/^\.TP/ { flush(); tag = 1; next }
	tag == 1 {
		tag = 0
		if (sec != "" && $0 ~ /^\.BI? "?[a-z0-9-]+ = /) {
			k = $0; sub(/^\.BI? "?/, "", k); sub(/ = .*/, "", k); key = k
		}
		next
	}
	key != "" && !/^\.(br|PP|in|EX|EE)/ { text = text " " $0 }
	END { flush() }')

[ -n "$entries" ] || bad "vantage.conf.5: no key entries found"

schema=$("$V" help-config)
rc=$?
[ $rc -eq 0 ] && ok || bad "help-config exit $rc"
n=0
while IFS=$'\t' read -r sec key type allowed def; do
	n=$((n + 1))
	text=$(awk -F'\t' -v s="$sec" -v k="$key" '$1 == s && $2 == k { print $3 }' <<<"$entries")
	if [ -z "$text" ]; then
		bad "vantage.conf.5: no entry for [$sec] $key"
		continue
	fi
	if grep -qF -- "Allowed: $allowed." <<<"$text"; then ok
	else bad "vantage.conf.5: [$sec] $key: want 'Allowed: $allowed.' in: $text"; fi
	if grep -qF -- "Default: $def." <<<"$text"; then ok
	else bad "vantage.conf.5: [$sec] $key: want 'Default: $def.' in: $text"; fi
	case $type in
	*+multi) if grep -qiF repeatable <<<"$text"; then ok
		 else bad "vantage.conf.5: [$sec] $key is repeatable, the page does not say"; fi ;;
	esac
done <<<"$schema"
[ $n -ge 20 ] && ok || bad "help-config listed only $n keys"

# every key the page documents is one the binary knows
while IFS=$'\t' read -r sec key _; do
	if awk -F'\t' -v s="$sec" -v k="$key" '$1 == s && $2 == k { f = 1 } END { exit !f }' \
		<<<"$schema"; then ok
	else bad "vantage.conf.5 documents [$sec] $key, which vantage help-config does not list"; fi
done <<<"$entries"

# --- vantage(1) against every --help ------------------------------------
page1=$(plain "$M1")
for cmd in eval caa dcv query agent lint-root; do
	help=$("$V" "$cmd" --help 2>&1)
	rc=$?
	[ $rc -eq 0 ] && ok || bad "vantage $cmd --help: exit $rc"
	grep -q "^\.SS \"vantage $cmd\"" <<<"$page1" && ok || bad "vantage.1: no section for $cmd"
	opts=$( { grep -oE -- '--[a-z0-9][a-z0-9-]*' <<<"$help"
		  grep -oE -- '(^|[[ ])-[a-zA-Z]( |$)' <<<"$help" | tr -d '[ ' ; } | sort -u)
	[ -n "$opts" ] || bad "vantage $cmd --help lists no options"
	for o in $opts; do
		if grep -qE -- "(^|[^a-z0-9-])$o([^a-z0-9-]|\$)" <<<"$page1"; then ok
		else bad "vantage.1: $cmd option $o is not documented"; fi
	done
done
# the commands of `vantage help`
cmds=$("$V" help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
[ -n "$cmds" ] || bad "vantage help lists no commands"
for c in $cmds; do
	grep -q "^\.SS \"vantage $c\"" <<<"$page1" && ok || bad "vantage.1: no section for command $c"
done
for code in 0 1 2 3; do
	awk -v c="$code" '/^\.SH "EXIT STATUS"/ { on = 1; next } /^\.SH/ { on = 0 }
		on && $0 == ".B " c { f = 1 } END { exit !f }' "$M1" && ok ||
		bad "vantage.1: exit status $code not documented"
done
grep -q 'vantage\.conf (5)' "$M1" && ok || bad "vantage.1: no SEE ALSO vantage.conf(5)"

# --- both pages render cleanly ------------------------------------------
if command -v man >/dev/null && command -v groff >/dev/null; then
	for f in "$M1" "$M5"; do
		out=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
		[ -z "$out" ] && ok || bad "man --warnings -l $f: $out"
		out=$(groff -man -ww -z "$f" 2>&1)
		[ -z "$out" ] && ok || bad "groff -man -ww $f: $out"
		# nothing rendered wider than the terminal
		w=$(MANWIDTH=80 man -l "$f" 2>/dev/null | awk '{ if (length > m) m = length } END { print m + 0 }')
		[ "$w" -le 80 ] && ok || bad "$f renders $w columns wide at MANWIDTH=80"
	done
else
	bad "man or groff missing (scripts/setup.sh installs man-db and groff-base)"
fi

echo "test_man: $pass passed, $fail failed"
[ $fail -eq 0 ]
