#!/bin/bash
# SPDX-License-Identifier: ISC
# A session client exits 0 only when the daemon says it has taken
# everything: its last "bye you left".  If the daemon dies while the
# client waits for that, lines may be lost in the pipe, and the client
# must say so and exit 69, never 0.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup
write_config
start_daemon

step "a normal leave is confirmed: exit 0"
echo "confirmed line" | "$PIPECHAT_CLIENT" -f "$conf" >"$tmp/c1.out" 2>"$tmp/c1.err"
st=$?
[ "$st" -eq 0 ] || fail "client exited $st: $(cat "$tmp/c1.err")"
[ ! -s "$tmp/c1.err" ] || fail "client said: $(cat "$tmp/c1.err")"
has_line "$dout" "$me: confirmed line" || fail "the line was not printed"

step "/quit is confirmed too: exit 0 with input left unread"
printf '/quit\nnot sent\n' | "$PIPECHAT_CLIENT" -f "$conf" 2>"$tmp/c2.err"
st=$?
[ "$st" -eq 0 ] || fail "client exited $st after /quit: $(cat "$tmp/c2.err")"

step "the daemon dies while the client waits for the confirmation"
mkfifo "$tmp/in" || fail "mkfifo failed"
"$PIPECHAT_CLIENT" -f "$conf" <"$tmp/in" 2>"$tmp/c4.err" &
client_pid=$!
track "$client_pid"
exec 3>"$tmp/in"
wait_line "$dout" "--> $me joined"
# The client opens ID.in once it has its welcome: then it is in.
poll 10 eval 'ls -l /proc/$client_pid/fd 2>/dev/null | grep -q "\.in\$"' ||
    fail "the client did not open its ID.in"
kill -STOP "$dpid" || fail "cannot stop pipechatd"
echo "lost with the daemon" >&3
exec 3>&-
# The client has sent its line and closed its end; it waits now.
sleep 0.5
alive "$client_pid" || fail "the client did not wait for the stopped daemon"
crash_daemon
wait_exit "$client_pid" 20
[ "$status" -eq 69 ] || fail "client exited $status, not 69, when the daemon died: $(cat "$tmp/c4.err")"
grep -q "without a word; 1 line sent, not all may have been read" "$tmp/c4.err" ||
    fail "client did not say what may be lost: $(cat "$tmp/c4.err")"
has_line "$dout" "$me: lost with the daemon" &&
    fail "the stopped daemon printed the line?"
step "client: $(cat "$tmp/c4.err")"
exit 0
