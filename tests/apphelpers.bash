# SPDX-License-Identifier: MIT
# Bats helpers of the app stream tests (410-amcat, 415-lowlat). Load
# with: load helpers; load apphelpers
#
# seg MODE ARGS...       tests/tools/segcmp.py (same, trim, find)
# file_sink PATH         a new file_sink writing PATH; prints its id
# destroy ID             destroy_node ID
# destroy_wait ID PATH   destroy file_sink ID, wait_until sink_closed PATH
# no_app_nodes           true when no app_source or app_sink is left
# wavex FILE             "TAG CHANNELS [MASK]" of a WAV's fmt chunk
# fits_spread FILE F0 STEP  channel k a clean sine at F0 + k STEP; prints
#                        how many channels hold one

seg() {
	PYTHONPATH=$AM_TOP/tests/tools "$PY" "$AM_TOP/tests/tools/segcmp.py" "$@"
}

file_sink() {
	jget "$(req "{\"cmd\":\"create_node\",\"type\":\"file_sink\",\"args\":{\"path\":\"$1\"}}")" .id
}

destroy() {
	req "{\"cmd\":\"destroy_node\",\"id\":$1}" >/dev/null
}

destroy_wait() {
	destroy "$1"
	wait_until 10 sink_closed "$2"
}

no_app_nodes() {
	[ "$(req '{"cmd":"list"}' | jq '[.nodes[] | select(.type | startswith("app_"))] | length')" = 0 ]
}

# wavex FILE: "TAG CHANNELS [MASK]" of a WAV's fmt chunk, wherever it
# is (libsndfile puts a JUNK chunk before it).
wavex() {
	"$PY" -c '
import struct, sys
b = open(sys.argv[1], "rb").read(4096)
off = 12
while b[off:off + 4] != b"fmt ":
    off += 8 + struct.unpack_from("<I", b, off + 4)[0]
off += 8
tag, ch = struct.unpack_from("<HH", b, off)
print("%#x %d %#x" % (tag, ch, struct.unpack_from("<I", b, off + 20)[0])
      if tag == 0xfffe else "%d %d" % (tag, ch))' "$1"
}

# fits_spread FILE F0 STEP: FILE, trimmed of the silence around it,
# holds in its first n channels a sine each, channel k at F0 + k STEP,
# and silence in the others; prints n.
fits_spread() {
	local fits n k
	seg trim "$1" "$1.trim.wav"
	fits=$(sinefit "$1.trim.wav" all 0.1)
	n=$(jq -s '[.[] | select(.amp_db > -20)] | length' <<<"$fits")
	for ((k = 0; k < n; k++)); do
		assert_near $(($2 + $3 * k)) "$(jq -r "select(.channel == $k) | .freq" <<<"$fits")" 0.05 "$1: channel $k" >&2 || return 1
		[ "$(jq "select(.channel == $k) | .resid_db < -60" <<<"$fits")" = true ] ||
		    { flunk "$1: channel $k not a clean sine" "$fits"; return 1; }
	done
	[ "$(jq -s "[.[] | select(.channel >= $n and .amp_db > -150)] | length" <<<"$fits")" = 0 ] ||
	    { flunk "$1: sound past channel $n" "$fits"; return 1; }
	echo "$n"
}
