#!/bin/bash
# SPDX-License-Identifier: ISC
# A second pipechatd on the same configuration would be a second reader of
# the well-known FIFO: lines and JOINs would be split between the two at
# random.  It must refuse to start (exit 75) and say which process reads
# the FIFO, changing nothing: not the FIFO's mode, not the first daemon's
# sessions.  The same when either of them got the FIFO from systemd
# (socket activation, simulated here with LISTEN_FDS).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup
write_config fifo.mode=0620

# second WHAT [activated]: another pipechatd on $conf is refused, saying so.
second()
{
	local what=$1

	step "$what: a second pipechatd is refused"
	if [ "${2:-}" = activated ]; then
		limit 10 bash -c 'exec 3<>"$1"; shift
		    LISTEN_FDS=1 LISTEN_PID=$BASHPID exec "$@"' sh "$fifo" \
		    "$PIPECHATD" -f "$conf" >"$tmp/second.out" 2>"$tmp/second.err"
	else
		limit 10 "$PIPECHATD" -f "$conf" >"$tmp/second.out" \
		    2>"$tmp/second.err"
	fi
	status=$?
	[ "$status" -eq 75 ] ||
	    fail "$what: the second pipechatd exited $status, expected 75:" \
	    "$(cat "$tmp/second.err")"
	grep -q "another pipechatd (pid $dpid) is reading this FIFO" \
	    "$tmp/second.err" ||
	    fail "$what: the message does not name pid $dpid:" \
	    "$(cat "$tmp/second.err")"
	[ ! -s "$tmp/second.out" ] ||
	    fail "$what: the second one printed: $(cat "$tmp/second.out")"
	alive "$dpid" || fail "$what: the first pipechatd died"
}

# the first daemon still gets every line, and its session is intact
still_works()
{
	local what=$1 i

	[ "$(stat -c %a "$fifo")" = 620 ] ||
	    fail "$what: the FIFO's mode is now $(stat -c %a "$fifo")"
	alive "$client_pid" || fail "$what: the session client exited:" \
	    "$(cat "$tmp/client.err")"
	[ -n "$(ls -A "$tmp/sessions")" ] ||
	    fail "$what: the session's FIFOs were removed"
	for i in $(seq 1 20); do
		"$PIPECHAT_CLIENT" -r -f "$conf" "$what $i" ||
		    fail "$what: pipechat-client -r failed"
	done
	for i in $(seq 1 20); do
		wait_line "$dout" "(anonymous): $what $i"
		wait_line "$tmp/client.out" "(anonymous): $what $i"
	done
}

# A session client that stays: its FIFOs are in the session directory.
join()
{
	mkfifo "$tmp/client.in" || fail "mkfifo failed"
	"$PIPECHAT_CLIENT" -f "$conf" <"$tmp/client.in" >"$tmp/client.out" \
	    2>"$tmp/client.err" &
	client_pid=$!
	track "$client_pid"
	exec 3>"$tmp/client.in"
	# "* NAME joined" on old builds, which this test also runs on
	poll 10 eval 'grep -qE "^(-->|\*) $me joined\$" "$dout"' ||
	    fail "the session client did not join: $(cat "$tmp/client.err")"
}

leave()
{
	exec 3>&-
	wait_exit "$client_pid" 10
	[ "$status" -eq 0 ] || fail "the client exited $status:" \
	    "$(cat "$tmp/client.err")"
	rm -f "$tmp/client.in"
}

start_daemon
join
second "both started by hand"
still_works "by hand"
leave
stop_daemon TERM

# Socket activation: the FIFO stays (as systemd's would); the daemon
# adopts the fd it is passed.
mkfifo -m 0620 "$tmp/chat.fifo" || fail "mkfifo failed"
dout=$tmp/daemon.out
derr=$tmp/daemon.err
: >"$dout"
: >"$derr"
# shellcheck disable=SC2086 # $sigdfl is a word list
bash -c 'exec 3<>"$1"; shift
    LISTEN_FDS=1 LISTEN_PID=$BASHPID exec "$@"' sh "$fifo" \
    $sigdfl "$PIPECHATD" -f "$conf" >"$dout" 2>"$derr" &
dpid=$!
track "$dpid"
poll 10 eval 'ready "$fifo" || ! alive $dpid' ||
    fail "the activated pipechatd did not start"
alive "$dpid" || fail "the activated pipechatd exited: $(cat "$derr")"
if ! grep -q "using the FIFO passed by systemd" "$derr"; then
	stop_daemon TERM
	step "ok (socket activation not tested: built without libsystemd)"
	exit 0
fi
join
second "first activated, second by hand"
second "both activated" activated
still_works "activated"
leave
stop_daemon TERM

start_daemon
join
second "first by hand, second activated" activated
still_works "by hand, then activated"
leave
stop_daemon TERM
step "ok"
exit 0
