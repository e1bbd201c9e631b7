#!/usr/bin/env bats
# make install / uninstall into a temporary DESTDIR, the installed programs
# run from there, bash completion, and the systemd socket hand-over.

load helpers

setup_file() {
	export DEST=$BATS_FILE_TMPDIR/root
	make -s -C "$AM_TOP" install DESTDIR="$DEST" PREFIX=/usr >/dev/null
}

@test "make install puts programs, pages, units, completion and an example" {
	local f
	for f in bin/amixd bin/amctl bin/amtone bin/amcat bin/amstat \
	    share/man/man8/amixd.8 share/man/man7/amixd.7 \
	    share/man/man1/amctl.1 share/man/man1/amtone.1 \
	    share/man/man1/amcat.1 share/man/man1/amstat.1 \
	    lib/systemd/user/amixd.socket lib/systemd/user/amixd.service \
	    share/bash-completion/completions/amctl \
	    share/doc/amixd/examples/quickstart.am; do
		[ -e "$DEST/usr/$f" ] || flunk "missing $f"
	done
	# The default graph, under SYSCONFDIR (/etc), not PREFIX.
	cmp "$AM_TOP/amixd/default.am" "$DEST/etc/amixd/default.am" ||
	    flunk "default.am not installed in \$DESTDIR/etc/amixd"
	[ -x "$DEST/usr/bin/amixd" ] || flunk "amixd not executable"
	run -0 grep '^ExecStart=/usr/bin/amixd$' \
	    "$DEST/usr/lib/systemd/user/amixd.service"
	run -0 man -l "$DEST/usr/share/man/man8/amixd.8"
	assert_match 'amixd' "$output"
}

@test "the installed programs run: daemon, amctl, the example script" {
	local sock=$BATS_TEST_TMPDIR/s pid
	"$DEST/usr/bin/amixd" -b null -s "$sock" </dev/null 3>&- &
	pid=$!
	AUDIOMIXERD_SOCKET=$sock wait_until 10 "$DEST/usr/bin/amctl" ping
	run -0 "$DEST/usr/bin/amctl" -s "$sock" -q -f \
	    "$DEST/usr/share/doc/amixd/examples/quickstart.am"
	run -0 "$DEST/usr/bin/amctl" -s "$sock" stats
	assert_eq running "$(jget "$output" .state)"
	run -0 "$DEST/usr/bin/amtone" -d 0.01 -F s16
	kill -TERM "$pid"
	wait "$pid"
}

@test "bash completion offers commands, node types and live ids" {
	amixd_start
	req '{"cmd":"create_node","type":"tone"}'
	req '{"cmd":"create_node","type":"gain"}'
	req '{"cmd":"create_node","type":"mixer","name":"master"}'
	run -0 bash -c '
		. "$1"
		COMP_WORDS=(amctl con); COMP_CWORD=1; _amctl
		echo "cmds: ${COMPREPLY[*]}"
		COMP_WORDS=(amctl create ga); COMP_CWORD=2; _amctl
		echo "types: ${COMPREPLY[*]}"
		COMP_WORDS=(amctl connect ""); COMP_CWORD=2; _amctl
		echo "ids: ${COMPREPLY[*]}"' _ \
	    "$DEST/usr/share/bash-completion/completions/amctl"
	assert_match 'cmds: connect' "$output"
	assert_match 'types: gain' "$output"
	assert_match 'ids: 1 2 3 master' "$output"
	amixd_stop
}

@test "amixd serves a socket handed over by systemd (LISTEN_FDS)" {
	local sock=$BATS_TEST_TMPDIR/act.sock
	run -0 "$PY" - "$DEST/usr/bin/amixd" "$sock" <<'EOP'
import json, os, signal, socket, sys, time
amixd, path = sys.argv[1], sys.argv[2]
ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ls.bind(path)
ls.listen(16)
pid = os.fork()
if pid == 0:
    os.dup2(ls.fileno(), 3)
    os.environ["LISTEN_PID"] = str(os.getpid())
    os.environ["LISTEN_FDS"] = "1"
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)
    os.execv(amixd, [amixd, "-b", "null", "-s", path + ".unused"])
ls.close()
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(path)
c.settimeout(10)
c.sendall(b'{"cmd":"ping"}\n')
r = json.loads(c.makefile().readline())
assert r["ok"], r
os.kill(pid, signal.SIGTERM)
_, status = os.waitpid(pid, 0)
assert status == 0, status
assert os.path.exists(path), "the passed socket's file is systemd's"
assert not os.path.exists(path + ".unused"), "a second socket was made"
print("ok")
EOP
	assert_eq ok "$output"
}

@test "make install puts the ALSA plugin and its conf.d snippet in alsa-lib's places; the default one is opt-in" {
	local plugdir confdir
	plugdir=$(make -s -C "$AM_TOP" --no-print-directory -f GNUmakefile \
	    -f - print-alsa-dirs <<<'print-alsa-dirs: ; @echo $(ALSA_PLUGIN_DIR) $(ALSA_CONF_DIR)')
	confdir=${plugdir#* }
	plugdir=${plugdir% *}
	[ -f "$DEST$plugdir/libasound_module_pcm_amixd.so" ] ||
	    flunk "no plugin in $DEST$plugdir"
	[ -f "$DEST$confdir/50-amixd.conf" ] || flunk "no 50-amixd.conf"
	[ ! -e "$DEST$confdir/99-amixd-default.conf" ] ||
	    flunk "the default PCM snippet is enabled"
	[ -f "$DEST/usr/share/doc/amixd/examples/alsa/99-amixd-default.conf" ] ||
	    flunk "no 99-amixd-default.conf example"
	# The installed snippet, the installed plugin, a daemon: aplay plays.
	amixd_start
	req '{"cmd":"start"}' >/dev/null
	req '{"cmd":"create_node","type":"device_sink"}' >/dev/null
	{
		cat "$DEST$confdir/50-amixd.conf"
		echo "pcm_type.amixd.lib \"$DEST$plugdir/libasound_module_pcm_amixd.so\""
	} >"$BATS_TEST_TMPDIR/asound.conf"
	sox -n -r 44100 -c 2 -b 16 "$BATS_TEST_TMPDIR/in.wav" synth 0.3 sine 440
	ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$BATS_TEST_TMPDIR/asound.conf \
	    run -0 timeout 20 aplay -q -D amixd "$BATS_TEST_TMPDIR/in.wav"
	ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$BATS_TEST_TMPDIR/asound.conf \
	    run -0 timeout 20 aplay -q -D "amixd:SOCKET=$AUDIOMIXERD_SOCKET" \
	    "$BATS_TEST_TMPDIR/in.wav"
	amixd_stop
}

@test "make uninstall removes everything it installed" {
	make -s -C "$AM_TOP" uninstall DESTDIR="$DEST" PREFIX=/usr >/dev/null
	run -0 find "$DEST" -type f
	assert_eq "" "$output" "files left"
}
