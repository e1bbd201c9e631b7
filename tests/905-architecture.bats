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
	    sed 's/^   //' >"$d/invert.c"
	[ -s "$d/invert.c" ] || flunk "no C example found"
	run -0 cc -std=c11 -Wall -Wextra -Werror -O2 -D_GNU_SOURCE \
	    -I"$AM_TOP/lib" -I"$AM_TOP/amixd" -c -o "$d/invert.o" \
	    "$d/invert.c"
	run -0 nm "$d/invert.o"
	assert_match ' [DR] node_invert_ops' "$output" "the ops table"
}

@test "every node type file in amixd/nodes/ is one line of NODE_TYPES, and back" {
	# A type without its registry line cannot be created; a line
	# without its file does not link. Both caught here by name.
	local f t defined= listed= missing=
	for f in "$AM_TOP"/amixd/nodes/*.c; do
		defined="$defined $(sed -n \
		    's/^const struct node_ops node_\([a-z0-9_]*\)_ops =.*/\1/p' "$f")"
	done
	listed=$(sed -n 's/^[[:space:]]*X(\([a-z0-9_]*\)).*/\1/p' \
	    "$AM_TOP/amixd/node.c")
	[ -n "$listed" ] || flunk "no X(type) lines in amixd/node.c"
	for t in $defined; do
		printf '%s\n' $listed | grep -qx "$t" ||
		    missing="$missing file-only:$t"
	done
	for t in $listed; do
		printf '%s\n' $defined | grep -qx "$t" ||
		    missing="$missing line-only:$t"
	done
	assert_eq "" "$missing" "nodes/*.c against NODE_TYPES (amixd/node.c)"
	# and each table's .type is its registry name
	for f in "$AM_TOP"/amixd/nodes/*.c; do
		run -0 awk '/^const struct node_ops node_[a-z0-9_]*_ops =/ {
			n = $4; sub(/^node_/, "", n); sub(/_ops$/, "", n) }
		    n != "" && /\.type = "/ { t = $3; gsub(/[",]/, "", t)
			if (t != n) print FILENAME ": " n " is \"" t "\""; n = "" }' "$f"
		assert_eq "" "$output" "type names"
	done
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
			    "$AM_TOP/amstat" "$AM_TOP/amcat" "$AM_TOP/amtone" \
			    "$AM_TOP/tests" -name "${w##*/}" \
			    -print -quit)" ] || [ -e "$AM_TOP/$w" ] ||
			    missing="$missing $w"
			continue ;;
		esac
		grep -rqw --include='*.c' --include='*.h' -e "$w" \
		    "$AM_TOP/amixd" "$AM_TOP/lib" "$AM_TOP/amctl" \
		    "$AM_TOP/amstat" "$AM_TOP/amcat" "$AM_TOP/amtone" ||
		    missing="$missing $w"
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
