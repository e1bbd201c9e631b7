#!/bin/sh
# SPDX-License-Identifier: MIT
# check-rt: objects on the real-time path must not call allocation,
# locking, stdio, logging, sleeping or file I/O. Each reference to a
# forbidden symbol is attributed to the function whose code holds it
# (objdump -dr: the relocation's enclosing symbol), so an allowed call in
# one control-thread function allows nothing elsewhere. tests/rt-allow.txt
# (or $RT_ALLOW) lists the justified ones as
#	object function symbol   # why
# A function is named as in the source: GCC's clones and split parts
# (foo.cold, foo.isra.0, foo.constprop.0, foo.part.0) count as foo, and a
# static function inlined into its caller counts as that caller. A
# reference from data (a function pointer in a table) is function "-".
#
# usage: check-rt.sh OBJECT...
set -u
allow=${RT_ALLOW:-$(dirname "$0")/rt-allow.txt}
forbidden='^(malloc|calloc|realloc|free|aligned_alloc|posix_memalign|strdup|strndup|xmalloc|xcalloc|xrealloc|xstrdup|pthread_mutex_.*|pthread_cond_.*|pthread_rwlock_.*|pthread_spin_.*|pthread_join|pthread_create|pthread_detach|sem_.*|printf|fprintf|vfprintf|sprintf|snprintf|vsnprintf|puts|fputs|fwrite|fread|fopen|fclose|fflush|syslog|logx|am_warn|sleep|usleep|nanosleep|clock_nanosleep|poll|ppoll|select|epoll_wait|open|open64|openat|close|read|write|mmap|munmap|eventfd|sf_.*|cJSON_.*|src_new|src_delete|exit|abort|panic)$'
[ -r "$allow" ] || { echo "check-rt: cannot read $allow" >&2; exit 2; }
bad=0
for obj in "$@"; do
	name=$(basename "$obj")
	[ -r "$obj" ] || { echo "check-rt: cannot read $obj" >&2; exit 2; }
	undef=$(nm -u "$obj" | awk '{ print $2 }' | sed 's/@.*//' |
	    grep -E "$forbidden")
	[ -n "$undef" ] || continue
	# "function symbol" for each relocation in code.
	calls=$(objdump -dr "$obj" | awk '
	    /^[0-9a-f]+ <.*>:$/ {
		f = $2; gsub(/^<|>:$/, "", f); sub(/\..*/, "", f); next
	    }
	    /^[ \t]+[0-9a-f]+: R_[A-Z0-9_]+[ \t]/ && f != "" {
		s = $3; sub(/[-+]0x[0-9a-f]+$/, "", s); sub(/@.*/, "", s)
		print f, s
	    }' | sort -u)
	for sym in $undef; do
		funcs=$(printf '%s\n' "$calls" | awk -v s="$sym" \
		    '$2 == s { print $1 }')
		[ -n "$funcs" ] || funcs=-
		for fn in $funcs; do
			if grep -Eq "^$name[[:space:]]+$fn[[:space:]]+$sym([[:space:]]|$)" \
			    "$allow"; then
				continue
			fi
			echo "check-rt: $name: $fn references $sym" >&2
			bad=1
		done
	done
done
if [ "$bad" -ne 0 ]; then
	echo "check-rt: FAILED (see tests/rt-allow.txt)" >&2
	exit 1
fi
echo "check-rt: $# real-time objects clean"
