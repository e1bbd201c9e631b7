#!/usr/bin/env bats
# ARCHITECTURE.md stays true to the code: its worked example of a node
# type compiles against the headers as they are, and every function,
# variable and file it names in backquotes exists (but the example's
# own invert names).

load helpers

DOC=$AM_TOP/ARCHITECTURE.md

@test "ARCHITECTURE.md: the worked node type compiles against today's headers" {
	local d=$BATS_TEST_TMPDIR
	awk '/^   ```c$/ { f = 1; next } /^   ```$/ { f = 0 } f' "$DOC" |
	    sed 's/^   //' >"$d/node_invert.c"
	[ -s "$d/node_invert.c" ] || flunk "no C example found"
	run -0 cc -std=c11 -Wall -Wextra -Werror -O2 -D_GNU_SOURCE \
	    -I"$AM_TOP/lib" -I"$AM_TOP/amixd" -c -o "$d/node_invert.o" \
	    "$d/node_invert.c"
	run -0 nm "$d/node_invert.o"
	assert_match ' [DR] node_invert_ops' "$output" "the ops table"
}

@test "ARCHITECTURE.md: every name in backquotes is in the code" {
	local w missing=
	for w in $(grep -o '`[a-z][a-z0-9_./]*`' "$DOC" | tr -d '`' | sort -u); do
		case $w in *invert*) continue ;; esac
		case $w in
		*/)
			[ -d "$AM_TOP/$w" ] || missing="$missing $w"
			continue ;;
		man/*)
			[ -e "$AM_TOP/$w" ] || missing="$missing $w"
			continue ;;
		*.c | *.h | *.md | *.sh | *.txt | *.bats)
			[ -n "$(find "$AM_TOP/amixd" "$AM_TOP/lib" "$AM_TOP/amctl" \
			    "$AM_TOP/amstat" "$AM_TOP/tests" -name "${w##*/}" \
			    -print -quit)" ] || [ -e "$AM_TOP/$w" ] ||
			    missing="$missing $w"
			continue ;;
		esac
		grep -rqw --include='*.c' --include='*.h' -e "$w" \
		    "$AM_TOP/amixd" "$AM_TOP/lib" "$AM_TOP/amctl" \
		    "$AM_TOP/amstat" || missing="$missing $w"
	done
	assert_eq "" "$missing" "names ARCHITECTURE.md gives that the code lacks"
}

@test "amixd's modules include each other one way: no include loop" {
	run "$AM_TOP/tests/include-loops.py" "$AM_TOP"
	assert_eq "" "$output" "include loops (tests/include-loops.py)"
	assert_eq 0 "$status" "include-loops.py's status"
}

@test "include-loops.py finds a loop planted in a copy of the tree" {
	local d=$BATS_TEST_TMPDIR/tree
	mkdir -p "$d"
	cp -r "$AM_TOP/amixd" "$d/"
	# The engine calling the watchdog by name, not through its hooks:
	# the loop engine -> watchdog -> engine.
	sed -i 's/^#include "log.h"$/#include "log.h"\n#include "watchdog.h"/' \
	    "$d/amixd/engine_device.c"
	run "$AM_TOP/tests/include-loops.py" "$d"
	assert_eq 1 "$status" "include-loops.py's status on a loop"
	assert_match 'engine -> watchdog' "$output" "the planted edge"
}
