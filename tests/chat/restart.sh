#!/bin/bash
# SPDX-License-Identifier: ISC
# Sessions ride through a restart of pipechatd (issue 11).  A piped
# client streams 2000 lines while the daemon is stopped (SIGTERM) and a
# new one started on the same config a second later: every line appears
# exactly once in the two daemons' outputs together, in order, and the
# client exits 0; the rejoin is quiet (no "left" at the shutdown, no second
# "joined", but a "left" when it leaves).  On a terminal, one notice when
# it goes, one when it is back, and what was typed meanwhile (and half a
# line typed before) is sent.  End of input while the daemon is away: exit
# 0 at once.  A daemon away longer than the bound (-w): exit 69, saying
# how many lines were sent.  /quit while waiting: the lines before it are
# sent.  ^C while waiting: exit 130, no FIFOs left.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

setup
me=$(id -un)
# No rate limit, so that 2000 lines take seconds (a daemon older than
# [session] rate has none).
write_config session.rate=0
"$PIPECHATD" -n -f "$conf" >/dev/null 2>&1 || write_config
start_daemon

# gen N: the numbers 1 to N, 20 lines every 50 ms.
gen()
{
	local i

	trap '' PIPE
	for ((i = 1; i <= $1; i++)); do
		printf '%d\n' "$i" || return
		((i % 20 == 0)) && sleep 0.05
	done
}

# count: how many of the client's lines the running daemon printed.
count()
{
	grep -c "^$me: [0-9]*$" "$dout"
}

step "a piped client streams 2000 lines; SIGTERM the daemon halfway"
gen 2000 | "$PIPECHAT_CLIENT" -f "$conf" >"$tmp/piped.out" \
    2>"$tmp/piped.err" &
ppid=$!
track "$ppid"
poll 20 eval '[ "$(count)" -ge 300 ]' ||
    fail "the daemon printed $(count) lines of 2000 within 20 s"
stop_daemon
cp "$dout" "$tmp/first.out" && cp "$derr" "$tmp/first.err" ||
    fail "cannot keep the first daemon's output"
alive "$ppid" ||
    fail "the client exited with the daemon: $(cat "$tmp/piped.err")"
sleep 1
step "a new daemon a second later"
start_daemon
wait_exit "$ppid" 60
[ "$status" -eq 0 ] ||
    fail "the client exited $status: $(cat "$tmp/piped.err")"
[ ! -s "$tmp/piped.err" ] ||
    fail "a piped client said something: $(cat "$tmp/piped.err")"
cat "$tmp/first.out" "$dout" | sed -n "s/^$me: \([0-9]*\)$/\1/p" \
    >"$tmp/got"
seq 1 2000 >"$tmp/want"
cmp -s "$tmp/want" "$tmp/got" ||
    fail "not every line exactly once, in order: $(diff "$tmp/want" \
    "$tmp/got" | head -5 | tr '\n' ' ')"
step "quiet: one \"joined\", no \"left\" at the restart"
[ "$(cat "$tmp/first.out" "$dout" | grep -c " joined$")" -eq 1 ] ||
    fail "not one \"joined\":" \
    "$(grep -h "joined\|left" "$tmp/first.out" "$dout")"
step "the client that came back is announced when it leaves"
[ "$(grep -c "^<-- $me left$" "$dout")" -eq 1 ] ||
    fail "not one \"left\" from the second daemon:" \
    "$(grep -h "joined\|left" "$tmp/first.out" "$dout")"
! grep -q " left" "$tmp/first.out" ||
    fail "a \"left\" at the shutdown: $(grep " left" "$tmp/first.out")"

step "end of input while the daemon is away: exit 0"
client_start eof "$me"
client_say eof "before the stop"
wait_line "$dout" "$me: before the stop"
stop_daemon
client_close eof
client_wait eof 10
[ "$status" -eq 0 ] || fail "the client exited $status: $(cat "$tmp/eof.err")"

step "on a terminal: one notice when the daemon goes, one when it is back"
if command -v python3 >/dev/null; then
	mkfifo "$tmp/pty.ctl" || fail "mkfifo failed"
	start_daemon
	timeout 60 python3 "${0%/*}/pty-type.py" "$tmp/pty.log" \
	    "$tmp/pty.ctl" "$PIPECHAT_CLIENT" -f "$conf" &
	tpid=$!
	track "$tpid"
	exec {ctl}<>"$tmp/pty.ctl"
	poll 10 grep -qF "Please say# " "$tmp/pty.log" ||
	    fail "no prompt on the terminal: $(cat -v "$tmp/pty.log")"
	printf 'typed before\r' >&"$ctl"
	wait_line "$dout" "$me: typed before"
	# Half a line typed when the daemon goes survives.
	printf 'half, ' >&"$ctl"
	poll 10 grep -qF "half, " "$tmp/pty.log" ||
	    fail "the typing was not echoed: $(cat -v "$tmp/pty.log")"
	stop_daemon
	poll 10 grep -qF -- "-!- pipechatd is restarting" "$tmp/pty.log" ||
	    fail "no notice that the daemon went: $(cat -v "$tmp/pty.log")"
	printf 'typed meanwhile\r' >&"$ctl"
	start_daemon
	wait_line "$dout" "$me: half, typed meanwhile"
	poll 10 grep -qF -- "-!- back" "$tmp/pty.log" ||
	    fail "no notice that the daemon is back: $(cat -v "$tmp/pty.log")"
	printf 'typed after\r' >&"$ctl"
	wait_line "$dout" "$me: typed after"
	[ "$(grep -c -- "-!- pipechatd is restarting" "$tmp/pty.log")" -eq 1 ] ||
	    fail "not one notice: $(cat -v "$tmp/pty.log")"
	printf '\004' >&"$ctl"
	wait_exit "$tpid" 15
	[ "$status" -eq 0 ] ||
	    fail "the client exited $status: $(cat -v "$tmp/pty.log")"
	exec {ctl}>&-
	stop_daemon
else
	step "skipped: needs python3 for a pseudo-terminal"
fi

step "the daemon away longer than -w 2: exit 69 with how many were sent"
start_daemon
client_start bound "$me" -w 2
client_say bound "one"
wait_line "$dout" "$me: one"
stop_daemon
client_say bound "two"
client_wait bound 15
[ "$status" -eq 69 ] ||
    fail "the client exited $status, not 69: $(cat "$tmp/bound.err")"
grep -qF "pipechatd did not come back within 2 s; 1 line sent, the rest not" \
    "$tmp/bound.err" || fail "no message: $(cat "$tmp/bound.err")"
client_close bound

step "/quit while waiting: the lines before it are sent, then exit 0"
start_daemon
client_start quit "$me"
client_say quit "before the stop"
wait_line "$dout" "$me: before the stop"
stop_daemon
client_say quit "pending"
client_say quit "/quit"
client_say quit "after /quit"
sleep 0.5
start_daemon
client_wait quit 15
[ "$status" -eq 0 ] ||
    fail "the client exited $status, not 0: $(cat "$tmp/quit.err")"
has_line "$dout" "$me: pending" || fail "the line before /quit was not sent"
no_line "$dout" "$me: after /quit"
client_close quit
stop_daemon

step "^C while waiting for the daemon: exit 130 at once, no FIFOs left"
start_daemon
client_start intr "$me"
client_say intr "before ^C"
wait_line "$dout" "$me: before ^C"
stop_daemon
client_say intr "never sent"
sleep 0.5
alive "${cpid[intr]}" || fail "the client did not wait: $(cat "$tmp/intr.err")"
kill -INT "${cpid[intr]}"
client_wait intr 5
[ "$status" -eq 130 ] ||
    fail "the client exited $status, not 130: $(cat "$tmp/intr.err")"
session_empty || fail "FIFOs left: $(ls -A "$sdir")"
client_close intr
step "ok"
exit 0
