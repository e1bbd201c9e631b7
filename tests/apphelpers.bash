# SPDX-License-Identifier: MIT
# Bats helpers of the app stream tests (410-amcat, 415-lowlat). Load
# with: load helpers; load apphelpers
#
# seg MODE ARGS...       tests/tools/segcmp.py (same, trim, find)
# file_sink PATH         a new file_sink writing PATH; prints its id
# destroy ID             destroy_node ID
# no_app_nodes           true when no app_source or app_sink is left

seg() {
	PYTHONPATH=$AM_TOP/tests/tools "$PY" "$AM_TOP/tests/tools/segcmp.py" "$@"
}

file_sink() {
	jget "$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$1\"}}")" .id
}

destroy() {
	req "{\"cmd\":\"destroy_node\",\"id\":$1}" >/dev/null
}

no_app_nodes() {
	[ "$(req '{"cmd":"list"}' | jq '[.nodes[] | select(.type | startswith("app_"))] | length')" = 0 ]
}
