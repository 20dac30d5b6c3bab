#!/bin/bash
# SPDX-License-Identifier: ISC
# Lingering sessions count against the limits.  A session whose client
# left while its .out was full lingers (up to 2 s) to write its last
# "bye", holding two fds.  Mallory loops join-and-leave with a full .out:
# her lingering sessions must count against max_per_user and max_clients,
# so that she cannot hold more than her share of sessions (and fds), and
# honest joins keep succeeding.  The daemon runs with exactly the fds that
# max_clients sessions need (prlimit), as an installed one would.
# shellcheck disable=SC2154 # make_user VAR SHORT sets VAR
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=fake.sh
. "$(dirname "$0")/fake.sh"

need_users
command -v prlimit >/dev/null || skip "needs prlimit"
setup
make_group
make_user mallory mallory
make_user bob bob
# 4 sessions need 4 * 2 + 16 = 24 fds: the daemon keeps the limit it has.
write_config fifo.mode=0620 fifo.group="$group" session.max_clients=4 \
    session.max_per_user=2
# Not under valgrind, which keeps fds of its own below the limit.
[ -n "$PIPECHAT_WRAPPER" ] || daemon_prefix="prlimit --nofile=24:24"
start_daemon -d

# linger ID: mallory's session ID joins with a full .out, then leaves; its
# bye cannot be written, so it lingers.  Returns 1 if it was refused.
linger()
{
	fake_pair "$1" "$mallory"
	fake_listen "$1"
	fake_fill "$1"
	fake_join "$1"
	fake_wait_joined "$1" || return 1
	fake_leave "$1"
	return 0
}

step "mallory: two sessions join, leave and linger"
linger m1 || fail "mallory's first session was refused"
linger m2 || fail "mallory's second session was refused"
step "a third, while two linger: refused (max_per_user)"
fake_pair m3 "$mallory"
fake_listen m3
fake_join m3
reply=$(fake_reply m3)
[ "$reply" = "bye too many sessions for this user (max_per_user)" ] ||
    fail "mallory's third session got \"$reply\", not the max_per_user bye"
fake_close m3

step "mallory loops join-and-leave; bob joins 5 times meanwhile"
for i in $(seq 10 40); do
	linger "m$i" || true
	fake_close "m$i"
done &
loop=$!
track "$loop"
for i in 1 2 3 4 5; do
	run_as "$bob" timeout 10 "$PIPECHAT_CLIENT" -f "$conf" "bob says $i" \
	    </dev/null >/dev/null 2>"$tmp/bob.err" ||
	    fail "bob's join $i failed: $(cat "$tmp/bob.err")"
	wait_grep "$dout" "$bob: bob says $i\$"
done
wait_exit "$loop" 120
daemon_alive
grep -q "no file descriptors left" "$derr" &&
    fail "the daemon ran out of fds: $(grep -m1 "no file descriptors" "$derr")"
n=$(grep -c "too many sessions for this user" "$derr")
step "mallory was refused $n times"
[ "$n" -gt 0 ] || fail "mallory's loop was never refused"
stop_daemon
step "ok"
exit 0
