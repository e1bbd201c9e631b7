#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The man pages: each program has one, mandoc -Tlint finds nothing in it,
# references between our pages resolve, and the usage each program
# prints with -h agrees with the SYNOPSIS of its page: the same options,
# and the same text once blanks are squeezed (STYLE 8).
#
# mandoc checks every .Xr against the manuals it can find, so its verdict
# would depend on what the machine has installed. The pages are linted
# against a private man tree holding only our pages (MANPATH, with a
# mandoc.db from makewhatis): references between our pages must resolve,
# and references to other manuals (sox(1), jq(1), mlockall(2)...) are
# always "not found" there, so exactly those lines are ignored. Any other
# message, of any level from style up, fails the test.

load helpers

PROGS="amixd amctl amtone amcat amstat"

setup_file() {
	local tree=$BATS_FILE_TMPDIR/man s f
	for s in 1 7 8; do
		mkdir -p "$tree/man$s"
		for f in "$AM_TOP"/man/*."$s"; do
			[ -e "$f" ] && cp "$f" "$tree/man$s/"
		done
	done
	PATH=$PATH:/usr/sbin:/sbin makewhatis "$tree" >/dev/null 2>&1 || {
		echo "makewhatis $tree failed" >&2
		return 1
	}
	export MAN_TREE=$tree
}

# The section of a program's page.
section() {
	case $1 in
	amixd) echo 8 ;;
	*) echo 1 ;;
	esac
}

# mandoc's lint messages for page $1, minus references to manuals that
# are not ours (their names do not start with "am").
lint() {
	MANPATH=$MAN_TREE mandoc -Tlint -W style "$AM_TOP/man/$1" 2>&1 |
	    grep -v -E 'STYLE: referenced manual not found: Xr [^a][^ ]* |STYLE: referenced manual not found: Xr a[^m][^ ]* ' ||
	    true
}

# Lint page $1: it exists and mandoc has nothing to say about it.
lint_clean() {
	local out
	[ -f "$AM_TOP/man/$1" ] || flunk "man/$1 does not exist"
	out=$(lint "$1")
	assert_eq "" "$out" "mandoc -Tlint -W style man/$1"
}

# The SYNOPSIS of a page, rendered wide so nothing wraps.
synopsis() {
	mandoc -Tascii -O width=200 "$AM_TOP/man/$1" | col -b |
	    awk '/^SYNOPSIS/ { on = 1; next } /^[A-Z]/ { on = 0 } on'
}

# What program $1 prints for -h, on stdout or stderr; it must exit 0.
usage_of() {
	local out rc=0
	out=$("$1" -h 2>&1) || rc=$?
	[ "$rc" -eq 0 ] || flunk "$1 -h: exit status $rc"
	printf '%s\n' "$out"
}

# The options named in text on stdin, one a line, sorted: every
# "-abc" cluster as -a -b -c, every "--long" as it is. Only words that
# start after a blank, a bracket or a bar count, so "a-b" does not.
flags() {
	grep -oE '(^|[][ |])--?[A-Za-z][A-Za-z0-9-]*' |
	    sed -E 's/^[][ |]//' |
	    while read -r f; do
		case $f in
		--*) printf '%s\n' "$f" ;;
		-*) printf '%s\n' "${f#-}" | fold -w1 | sed 's/^/-/' ;;
		esac
	    done | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# Blanks squeezed, a leading "usage:" dropped.
squeeze() {
	tr -s ' \t\n' ' ' | sed -E 's/^ //; s/^usage: //; s/ $//'
}

# Options of program $1: usage and SYNOPSIS name the same ones.
same_flags() {
	local page use syn
	page=$1.$(section "$1")
	[ -f "$AM_TOP/man/$page" ] || flunk "man/$page does not exist"
	use=$(usage_of "$1" | flags)
	syn=$(synopsis "$page" | flags)
	[ -n "$use" ] || flunk "$1 -h: no options found in the usage"
	assert_eq "$use" "$syn" "$1: options of usage (expected) and SYNOPSIS"
}

@test "mandoc -Tlint: amixd.8" {
	lint_clean amixd.8
}

@test "mandoc -Tlint: amixd.7" {
	lint_clean amixd.7
}

@test "mandoc -Tlint: amixd-alsa.7" {
	lint_clean amixd-alsa.7
}

@test "mandoc -Tlint: amctl.1" {
	lint_clean amctl.1
}

@test "mandoc -Tlint: amtone.1" {
	lint_clean amtone.1
}

@test "mandoc -Tlint: amcat.1" {
	lint_clean amcat.1
}

@test "mandoc -Tlint: amstat.1" {
	lint_clean amstat.1
}

@test "the lint filter still catches a reference to a page of ours that is missing" {
	local f=$BATS_TEST_TMPDIR/bad.1 out
	printf '%s\n' '.Dd $Mdocdate$' '.Dt BAD 1' '.Os' '.Sh NAME' \
	    '.Nm bad' '.Nd bad' '.Sh SEE ALSO' '.Xr amixd 5 ,' '.Xr sox 1' \
	    >"$f"
	out=$(MANPATH=$MAN_TREE mandoc -Tlint -W style "$f" 2>&1 |
	    grep -v -E 'STYLE: referenced manual not found: Xr [^a][^ ]* |STYLE: referenced manual not found: Xr a[^m][^ ]* ' || true)
	assert_match 'not found: Xr amixd 5' "$out"
	[[ "$out" != *"Xr sox 1"* ]] || flunk "sox(1) not filtered: $out"
}

@test "every page's .Dt and NAME match its file name" {
	local f base name sec dt
	for f in "$AM_TOP"/man/*.[178]; do
		base=${f##*/}
		name=${base%.*}
		sec=${base##*.}
		dt=$(sed -n 's/^\.Dt //p' "$f")
		assert_eq "$(printf '%s' "$name" | tr a-z A-Z) $sec" "$dt" \
		    "$base: .Dt"
		assert_eq "$name" "$(sed -n '/^\.Sh NAME/,/^\.Nd/s/^\.Nm //p' "$f" |
		    head -n 1)" "$base: .Nm in NAME"
	done
}

@test "usage and SYNOPSIS name the same options: amixd" {
	same_flags amixd
	# The long option is there, with its operands.
	assert_match '\[--render seconds \[script\]\]' "$(synopsis amixd.8)"
}

@test "usage and SYNOPSIS name the same options: amctl" {
	same_flags amctl
}

@test "usage and SYNOPSIS name the same options: amtone" {
	same_flags amtone
}

@test "usage and SYNOPSIS name the same options: amcat" {
	same_flags amcat
}

@test "usage and SYNOPSIS name the same options: amstat" {
	same_flags amstat
}

@test "usage and SYNOPSIS are the same text, blanks aside" {
	local p page use syn bad=0
	for p in $PROGS; do
		page=$p.$(section "$p")
		[ -f "$AM_TOP/man/$page" ] || { echo "man/$page missing" >&2; bad=1; continue; }
		use=$(usage_of "$p" | squeeze)
		syn=$(synopsis "$page" | squeeze)
		if [ "$use" != "$syn" ]; then
			printf '%s\n' "$p: usage:    $use" "$p: SYNOPSIS: $syn" >&2
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "the flag extraction reads clusters, long options and values" {
	assert_eq "--render -b -h -v -w" \
	    "$(echo 'x [-hv] [-b name] [-w a|b-c] [--render s [f]] a-b' | flags)"
}
