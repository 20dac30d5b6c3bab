#!/bin/bash
# SPDX-License-Identifier: ISC
# Readers that keep up lose nothing when a burst arrives that their pipes
# can hold.  docs/PROTOCOL.md: the outbound queue is bounded by queue_max
# "on top of the pipe's own buffer (64 KiB)".  With the daemon stopped
# (SIGSTOP), 60 raw lines of 1000 bytes (60 KB) are put in the well-known
# FIFO; once it runs again it reads them at once and owes each of two idle
# clients 61 KB: that fits in their empty 64 KiB pipes, so even with
# queue_max at its minimum (16384) both must get all 60 lines, and no
# "messages dropped" notice or "left (...)".  Runs as whoever runs it.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

setup
me=$(id -un)
lines=60
write_config session.queue_max=16384 session.max_per_user=16 session.rate=0
start_daemon

step "two clients join"
client_start c1 "$me"
wait_line "$dout" "--> $me joined"
client_start c2 "$me"
wait_line "$tmp/c1.out" "--> $me joined"

pad=$(printf '%1000s' '' | tr ' ' x)
for i in $(seq 1 $lines); do
	printf 'burst %02d %s\n' "$i" "${pad:9}"
done >"$tmp/burst"
[ "$(wc -c <"$tmp/burst")" -le 65536 ] || fail "the burst is too big"

step "$lines lines of 1000 bytes wait in the FIFO while the daemon is stopped"
kill -STOP "$dpid" || fail "cannot stop the daemon"
timeout 10 cat "$tmp/burst" >"$fifo"
status=$?
kill -CONT "$dpid"
[ "$status" -eq 0 ] || fail "writing the burst failed ($status)"

step "both clients get every line"
for t in c1 c2; do
	poll 10 eval '[ "$(grep -c "^(anonymous): burst " "$tmp/$t.out")" -ge $lines ] ||
	    grep -qF "messages dropped" "$tmp/$t.out" ||
	    grep -qF "left (" "$dout" || ! alive ${cpid[$t]}' ||
	    fail "$t got $(grep -c "^(anonymous): burst " "$tmp/$t.out") of $lines lines"
	grep -F "messages dropped" "$tmp/$t.out" &&
	    fail "$t, with room in its pipe, lost lines; it got $(grep -c "^(anonymous): burst " "$tmp/$t.out") of $lines"
done
grep -F "left (" "$dout" && fail "a client with room in its pipe was dropped"
for t in c1 c2; do
	sed 's/^(anonymous): //' "$tmp/$t.out" | grep '^burst ' |
	    diff -q "$tmp/burst" - >/dev/null ||
	    fail "$t did not get the lines as sent, in order"
done
daemon_alive

step "both leave"
for t in c1 c2; do
	client_close "$t"
	client_wait "$t" 10
	[ "$status" -eq 0 ] || fail "$t exited $status: $(cat "$tmp/$t.err")"
done
poll 5 session_empty || fail "$sdir is not empty: $(ls -A "$sdir")"
stop_daemon
step "ok"
exit 0
