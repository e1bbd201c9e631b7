#!/bin/sh
# SPDX-License-Identifier: MIT
# check-rt: objects on the real-time path must not reference allocation,
# locking, stdio, logging, sleeping or file I/O. A symbol an object uses
# only from its control-side functions is listed, with the reason, in
# tests/rt-allow.txt as "object symbol # why".
set -u
allow=$(dirname "$0")/rt-allow.txt
forbidden='^(malloc|calloc|realloc|free|aligned_alloc|posix_memalign|strdup|strndup|xmalloc|xcalloc|xrealloc|xstrdup|pthread_mutex_.*|pthread_cond_.*|pthread_rwlock_.*|pthread_spin_.*|pthread_join|pthread_create|sem_.*|printf|fprintf|vfprintf|sprintf|snprintf|vsnprintf|puts|fputs|fwrite|fread|fopen|fclose|fflush|syslog|logx|sleep|usleep|nanosleep|clock_nanosleep|poll|select|epoll_wait|open|open64|close|read|mmap|munmap|eventfd|sf_.*|cJSON_.*|src_new|src_delete|exit|abort|panic)$'
bad=0
for obj in "$@"; do
	name=$(basename "$obj")
	for sym in $(nm -u "$obj" | awk '{print $2}' | sed 's/@.*//'); do
		echo "$sym" | grep -Eq "$forbidden" || continue
		if grep -Eq "^$name[[:space:]]+$sym([[:space:]]|$)" "$allow"; then
			continue
		fi
		echo "check-rt: $name references $sym" >&2
		bad=1
	done
done
if [ "$bad" -ne 0 ]; then
	echo "check-rt: FAILED (see tests/rt-allow.txt)" >&2
	exit 1
fi
echo "check-rt: $# real-time objects clean"
