#!/bin/bash
# SPDX-License-Identifier: ISC
# A session that stops reading does not hold up the others, and loses
# only what it is told it lost (docs/PROTOCOL.md, "A client that stops
# reading"): once its queue passes [session] queue_max the daemon drops
# its oldest lines and puts "info -!- K messages dropped: ..." where they
# were.  pcload's slow reader (-w) stops reading after its welcome while
# two pcload sessions and a real pipechat-client take 300 messages of
# 1000 bytes (300 KB, past 64 KiB of pipe and 128 KiB of queue); they
# must get all of them, in order.  Then the slow reader reads: what it got
# plus what it was told it missed must be all 300, in order, and it must
# have missed some.  The sender is paced (pcload -W 1: a message goes out
# once the previous one reached every pcload session), so only the reader
# that does not read falls behind; burst.sh is about bursts.  pcload
# cannot see the real client's pace, so it sends one message every
# 200 us, and the queue holds 128 KiB: that client, on a loaded machine,
# may stall for some 40 ms (192 KiB) before it would lose a line.  Runs as
# whoever runs it.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

setup PCLOAD
me=$(id -un)
msgs=300
write_config session.queue_max=131072 session.max_per_user=16 session.rate=0
start_daemon

step "a real client joins"
client_start c "$me"
wait_line "$dout" "--> $me joined"

step "pcload: 2 sessions, one sending $msgs messages, and a slow reader"
timeout 60 "$PCLOAD" -p "$fifo" -s "$sdir" -n 2 -S 1 -m "$msgs" -b 1000 -w \
    -W 1 -i 200 -t 30 >"$tmp/pcload.out" 2>&1
status=$?
cat "$tmp/pcload.out"
[ "$status" -eq 0 ] || fail "pcload exited $status"
grep -qxF "pcload: OK" "$tmp/pcload.out" || fail "pcload did not say OK"
grep -qF "pcload: delivered $msgs of $msgs msg lines" "$tmp/pcload.out" ||
    fail "pcload's other session did not get all $msgs messages"
sr=$(grep "^pcload: slow reader: " "$tmp/pcload.out") ||
    fail "pcload said nothing about the slow reader"
[[ $sr =~ received\ ([0-9]+)\ of\ $msgs\ messages,\ ([0-9]+)\ reported\ dropped ]] ||
    fail "cannot read pcload's slow reader line: $sr"
got=${BASH_REMATCH[1]} told=${BASH_REMATCH[2]}
[ $((got + told)) -eq "$msgs" ] ||
    fail "the slow reader got $got and was told of $told dropped: not $msgs"
[ "$told" -gt 0 ] ||
    fail "the slow reader lost nothing: its queue never overflowed"
grep -qF "closed its session" <<<"$sr" &&
    fail "the daemon closed the slow reader's session"
grep -qF "left (" "$dout" && fail "the daemon dropped a session: $(grep -F "left (" "$dout")"
daemon_alive

step "the real client got every message, in order"
poll 10 eval '[ "$(grep -c "^$me: pcload " "$tmp/c.out")" -ge $msgs ]' ||
    fail "the client got $(grep -c "^$me: pcload " "$tmp/c.out") of $msgs messages"
grep "^$me: pcload " "$tmp/c.out" | awk '{ print $5 }' >"$tmp/c.seq"
seq 0 $((msgs - 1)) | diff -q - "$tmp/c.seq" >/dev/null ||
    fail "the client's messages are not 0..$((msgs - 1)) in order"
grep -qF "messages dropped" "$tmp/c.out" && fail "the client was told it lost messages"
client_close c
client_wait c 10
[ "$status" -eq 0 ] || fail "the client exited $status: $(cat "$tmp/c.err")"
poll 5 session_empty || fail "$sdir is not empty: $(ls -A "$sdir")"
stop_daemon
step "ok"
exit 0
