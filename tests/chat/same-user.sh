#!/bin/bash
# SPDX-License-Identifier: ISC
# The daemon's own user can chat too: with pipechatd and pipechat-client
# running as the same user (tools/run-dev does that: both as the
# developer), the client joins, talks and leaves, and so do pcload's
# sessions.  As root, pipechatd and the clients run as a fresh user;
# otherwise as whoever runs the test.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -eq 0 ]; then
	need_users
	setup PCLOAD
	make_group
	make_user me solo
	# The daemon must be able to make its FIFO and session directory.
	mkdir -m 0755 "$tmp/run" && chown "$me" "$tmp/run" ||
	    fail "cannot make $tmp/run"
	fifo=$tmp/run/chat.fifo
	sdir=$tmp/run/sessions
	daemon_prefix=$(as_user "$me")
	cp "$PCLOAD" "$bin/pcload" && chmod 0755 "$bin/pcload" ||
	    fail "cannot copy pcload"
	PCLOAD=$bin/pcload
else
	setup PCLOAD
	me=$(id -un)
fi
write_config
start_daemon

step "$me's client joins $me's daemon"
client_start c "$me"
poll 10 eval 'has_line "$dout" "--> $me joined" || ! alive ${cpid[c]}'
if ! has_line "$dout" "--> $me joined"; then
	client_wait c 10
	fail "the client did not join (exit status $status): $(cat "$tmp/c.err")"
fi
client_say c "hello from the daemon's user"
wait_line "$dout" "$me: hello from the daemon's user"

step "pcload as $me: 2 sessions, 3 messages"
run_as "$me" timeout 30 "$PCLOAD" -p "$fifo" -s "$sdir" -n 2 -m 3 -t 20 \
    >"$tmp/pcload.out" 2>&1
status=$?
cat "$tmp/pcload.out"
[ "$status" -eq 0 ] || fail "pcload exited $status"
poll 10 eval '[ "$(grep -c "^$me: pcload " "$tmp/c.out")" -eq 3 ]' ||
    fail "the client got $(grep -c "^$me: pcload " "$tmp/c.out") of pcload's 3 messages"

client_close c
client_wait c 10
[ "$status" -eq 0 ] || fail "the client exited $status: $(cat "$tmp/c.err")"
wait_line "$dout" "<-- $me left"
poll 5 session_empty || fail "$sdir is not empty: $(ls -A "$sdir")"
stop_daemon
step "ok"
exit 0
