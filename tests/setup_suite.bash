# SPDX-License-Identifier: MIT
# Run once before every bats file: put the freshly built programs first on
# PATH and check that they exist, so a broken build fails fast.

bats_require_minimum_version 1.5.0

setup_suite() {
	local top
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	export AM_TOP="$top"
	export PATH="$top/build/amixd:$top/build/amctl:$top/build/amtone:$top/build/amcat:$top/build/amstat:$PATH"
	local p
	for p in amixd amctl amtone amcat amstat; do
		[ -x "$top/build/$p/$p" ] || {
			echo "setup_suite: $top/build/$p/$p not built" >&2
			return 1
		}
	done
}
