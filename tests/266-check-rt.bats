#!/usr/bin/env bats
# check-rt itself (tests/check-rt.sh): planted violations in small
# objects are caught and named by function; an allow-list line allows
# that one function's call and nothing else; calls from inlined helpers,
# from GCC's split parts and from data tables are attributed as the
# script says. The real objects are checked by make check-rt.

load helpers

CHECK_RT=$BATS_TEST_DIRNAME/check-rt.sh

# plant NAME: compile C from stdin into $BATS_TEST_TMPDIR/NAME.o as the
# daemon's objects are built (-O2).
plant() {
	cat >"$BATS_TEST_TMPDIR/$1.c"
	cc -std=c11 -O2 -c -o "$BATS_TEST_TMPDIR/$1.o" "$BATS_TEST_TMPDIR/$1.c"
}

# allow LINE...: the allow-list for the next run.
allow() {
	printf '%s\n' "$@" >"$BATS_TEST_TMPDIR/allow.txt"
}

check() {
	RT_ALLOW=$BATS_TEST_TMPDIR/allow.txt run --separate-stderr \
	    "$CHECK_RT" "$@"
}

setup() {
	plant planted <<'EOC'
#include <stdlib.h>
#include <unistd.h>
void *ctl_init(size_t n) { return malloc(n); }
void rt_process(int fd) { char c = 0; if (write(fd, &c, 1) < 0) abort(); }
void (*planted_table[])(void *) = { free };
EOC
}

@test "check-rt: a planted allocation, write and abort on the RT path fail, named by function" {
	allow "# nothing allowed"
	check "$BATS_TEST_TMPDIR/planted.o"
	assert_eq 1 "$status" "exit status"
	assert_match 'planted.o: ctl_init references malloc' "$stderr"
	assert_match 'planted.o: rt_process references write' "$stderr"
	assert_match 'planted.o: rt_process references abort' "$stderr"
	assert_match 'planted.o: - references free' "$stderr"
	assert_match 'FAILED' "$stderr"
}

@test "check-rt: allowed function by function, the object passes" {
	allow "planted.o ctl_init malloc   # control thread" \
	    "planted.o rt_process write # a wake-up" \
	    "planted.o rt_process abort # never" \
	    "planted.o - free           # a table"
	check "$BATS_TEST_TMPDIR/planted.o"
	assert_eq 0 "$status" "exit status: $stderr"
	assert_match '1 real-time objects clean' "$output"
}

@test "check-rt: one allowed call does not allow the same call in another function" {
	plant two <<'EOC'
#include <stdlib.h>
void *ctl_init(size_t n) { return malloc(n); }
void *rt_later(size_t n) { return malloc(n + 1); }
EOC
	allow "two.o ctl_init malloc # control thread"
	check "$BATS_TEST_TMPDIR/two.o"
	assert_eq 1 "$status" "exit status"
	assert_match 'two.o: rt_later references malloc' "$stderr"
	[[ "$stderr" != *"ctl_init references"* ]] || flunk "ctl_init: $stderr"
	# An allow-list of the old form (object symbol) allows nothing.
	allow "two.o malloc # per object"
	check "$BATS_TEST_TMPDIR/two.o"
	assert_eq 1 "$status" "old-form allow-list"
}

@test "check-rt: inlined helpers count as their caller, split parts as the function" {
	plant parts <<'EOC'
#include <stdlib.h>
static inline __attribute__((always_inline)) void
helper(void *p) { free(p); }
void rt_run(void *p) { helper(p); }
void rt_big(void *p) __asm__("rt_big.cold");
void rt_big(void *p) { free(p); }
EOC
	allow "# nothing"
	check "$BATS_TEST_TMPDIR/parts.o"
	assert_eq 1 "$status" "exit status"
	assert_match 'parts.o: rt_run references free' "$stderr"
	assert_match 'parts.o: rt_big references free' "$stderr"
	[[ "$stderr" != *helper* ]] || flunk "helper named: $stderr"
	allow "parts.o rt_run free" "parts.o rt_big free"
	check "$BATS_TEST_TMPDIR/parts.o"
	assert_eq 0 "$status" "allowed: $stderr"
}

@test "check-rt: a missing object or allow-list is an error, not a pass" {
	allow "# nothing"
	check "$BATS_TEST_TMPDIR/none.o"
	assert_eq 2 "$status" "missing object"
	RT_ALLOW=$BATS_TEST_TMPDIR/none.txt run --separate-stderr \
	    "$CHECK_RT" "$BATS_TEST_TMPDIR/planted.o"
	assert_eq 2 "$status" "missing allow-list"
}
