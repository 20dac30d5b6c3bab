#!/bin/bash
# SPDX-License-Identifier: ISC
# 1,000 sessions at once (pcload), and a real client: all join, every one
# receives the messages of one of them and the lines of a raw writer, and
# all leave with their FIFOs removed; the daemon stays up and says nothing
# about descriptor limits.
# Runs as whoever runs it, if the hard limit on open files allows 2,100.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

n=1000
need=$((2 * n + 100))
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$need" ]; then
	[ "$(id -u)" -eq 0 ] || skip "the hard limit on open files is below $need"
	ulimit -Hn "$need" || skip "cannot raise the hard limit on open files"
fi
[ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ] &&
    { ulimit -n "$need" || skip "cannot raise the open files limit"; }
setup PCLOAD
write_config session.max_clients=2000 session.max_per_user=2000 session.rate=0
start_daemon
me=$(id -un)
client_start c "$me"
wait_line "$dout" "--> $me joined"

step "pcload: $n sessions, one sends 2 messages, a raw writer 2 lines"
timeout 90 "$PCLOAD" -p "$fifo" -s "$sdir" -n "$n" -S 1 -r 1 -m 2 -t 60 \
    >"$tmp/pcload.out" 2>&1
status=$?
cat "$tmp/pcload.out"
[ "$status" -eq 0 ] || fail "pcload exited $status"
grep -qF "pcload: joined $n sessions" "$tmp/pcload.out" ||
    fail "pcload did not join $n sessions"
want=$(((n - 1) * 2 + n * 2))
grep -qF "pcload: delivered $want of $want msg lines to $n sessions" \
    "$tmp/pcload.out" || fail "not every session got every message"
grep -qF "pcload: left: the daemon closed $n of $n sessions; 0 of our FIFOs" \
    "$tmp/pcload.out" || fail "not every session was closed and removed"
daemon_alive
[ "$(grep -c ': pcload ' "$dout")" -eq 4 ] ||
    fail "the daemon printed $(grep -c ': pcload ' "$dout") messages, not 4"
grep -qF "descriptor" "$derr" && fail "the daemon ran short of descriptors"
step "a real client in the room got the 4 messages too"
poll 10 eval '[ "$(grep -c ": pcload " "$tmp/c.out")" -eq 4 ]' ||
    fail "the client got $(grep -c ": pcload " "$tmp/c.out") messages, not 4"
client_close c
client_wait c 10
[ "$status" -eq 0 ] || fail "the client exited $status: $(cat "$tmp/c.err")"
poll 5 session_empty || fail "$sdir is not empty"
stop_daemon
step "ok"
exit 0
