# SPDX-License-Identifier: MIT
# Run once before every bats file: put the freshly built programs first on
# PATH and check that they exist, so a broken build fails fast.

bats_require_minimum_version 1.5.0

setup_suite() {
	local top
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	export AM_TOP="$top"
	export PATH="$top/build/amixd:$top/build/amctl:$top/build/amtone:$top/build/amcat:$top/build/amstat:$PATH"
	# No test may pick up a real default graph (amixd(8), FILES): the
	# user's and the system's places point at empty directories.
	mkdir -p "$BATS_RUN_TMPDIR/xdg" "$BATS_RUN_TMPDIR/etc"
	export XDG_CONFIG_HOME="$BATS_RUN_TMPDIR/xdg"
	export AMIXD_SYSCONFDIR="$BATS_RUN_TMPDIR/etc"
	local p
	for p in amixd amctl amtone amcat amstat; do
		[ -x "$top/build/$p/$p" ] || {
			echo "setup_suite: $top/build/$p/$p not built" >&2
			return 1
		}
	done
}
