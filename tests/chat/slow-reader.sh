#!/bin/bash
# A session that never reads is dropped with "too slow" once its queue
# passes [session] queue_max, while the others still receive every
# message, in order: pcload's slow reader (-w) and two pcload sessions,
# and a real pipechat-client alongside.  The sender is paced (pcload -W 1:
# a message goes out once the previous one reached every pcload session),
# so only the reader that never reads falls behind; burst.sh is the same
# without pacing.  Runs as whoever runs it.
. "$(dirname "$0")/lib.sh"

setup
me=$(id -un)
msgs=300	# of 1000 bytes: 300 KB, past queue_max + the pipe's 64 KiB
write_config session.queue_max=16384 session.max_per_user=16
start_daemon

step "a real client joins"
client_start c "$me"
wait_line "$dout" "* $me joined"

step "pcload: 2 sessions, one sending $msgs messages, and a slow reader"
timeout 60 "$PCLOAD" -p "$fifo" -s "$sdir" -n 2 -S 1 -m "$msgs" -b 1000 -w \
    -W 1 -t 30 >"$tmp/pcload.out" 2>&1
status=$?
cat "$tmp/pcload.out"
[ "$status" -eq 0 ] || fail "pcload exited $status"
grep -qxF "pcload: OK" "$tmp/pcload.out" || fail "pcload did not say OK"
grep -qF "pcload: slow reader: dropped by the daemon" "$tmp/pcload.out" ||
    fail "the slow reader was not dropped"
grep -qF "pcload: delivered $msgs of $msgs msg lines" "$tmp/pcload.out" ||
    fail "pcload's other session did not get all $msgs messages"
wait_line "$dout" "* $me left (too slow: stopped reading)"
daemon_alive

step "the real client got every message, in order, and the notice"
poll 10 eval '[ "$(grep -c "^$me: pcload " "$tmp/c.out")" -ge $msgs ]' ||
    fail "the client got $(grep -c "^$me: pcload " "$tmp/c.out") of $msgs messages"
grep "^$me: pcload " "$tmp/c.out" | awk '{ print $5 }' >"$tmp/c.seq"
seq 0 $((msgs - 1)) | diff -q - "$tmp/c.seq" >/dev/null ||
    fail "the client's messages are not 0..$((msgs - 1)) in order"
has_line "$tmp/c.out" "* $me left (too slow: stopped reading)" ||
    fail "the client was not told the slow reader left"
client_close c
client_wait c 10
[ "$status" -eq 0 ] || fail "the client exited $status: $(cat "$tmp/c.err")"
poll 5 session_empty || fail "$sdir is not empty: $(ls -A "$sdir")"
stop_daemon
step "ok"
exit 0
