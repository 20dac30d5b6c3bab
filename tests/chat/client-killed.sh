#!/bin/bash
# SPDX-License-Identifier: ISC
# A client killed with SIGKILL in the middle of a session cannot say
# goodbye or remove its FIFOs: the daemon notices (its ID.out lost its
# reader), tells the others "<-- NAME left", removes the dead session's
# FIFOs, and carries on; the others keep chatting.
# shellcheck disable=SC2154 # make_user VAR SHORT sets VAR
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

need_users
setup
make_group
make_user alice alice
make_user bob bob
make_user carol carol
write_config fifo.mode=0620 fifo.group="$group"
start_daemon

step "alice, bob and carol join"
client_start a "$alice"
wait_line "$dout" "--> $alice joined"
client_start b "$bob"
wait_line "$dout" "--> $bob joined"
client_start c "$carol"
wait_line "$dout" "--> $carol joined"
wait_line "$tmp/a.out" "--> $carol joined"
wait_line "$tmp/b.out" "--> $carol joined"
client_say b "bob before"
wait_line "$tmp/a.out" "$bob: bob before"
wait_line "$tmp/c.out" "$bob: bob before"
[ "$(fifos_of "$bob")" -eq 2 ] || fail "bob does not own 2 FIFOs in $sdir"

step "bob's client is killed with SIGKILL"
kill -KILL "${cpid[b]}" || fail "cannot kill bob's client"
client_wait b 5 2>/dev/null	# no "Killed" from bash
[ "$status" -eq 137 ] || fail "bob's client exited $status, not 128+9"
# Both of bob's ends close as the process dies; which one the daemon sees
# first decides whether it is an ordinary leave or "stopped listening".
left="^<-- $bob left( \(stopped listening\))?\$"
wait_grep "$tmp/a.out" "$left"
wait_grep "$tmp/c.out" "$left"
wait_grep "$dout" "$left"
daemon_alive
poll 5 eval '[ "$(fifos_of "$bob")" -eq 0 ]' ||
    fail "bob's FIFOs are still in $sdir: $(ls -l "$sdir")"

step "alice and carol keep chatting"
client_say a "alice after bob died"
wait_line "$tmp/c.out" "$alice: alice after bob died"
client_say c "carol too"
wait_line "$tmp/a.out" "$carol: carol too"
wait_line "$dout" "$carol: carol too"
grep "^$bob: " "$dout" | grep -qvxF "$bob: bob before" &&
    fail "the daemon printed more from bob"

step "a new session of bob's works"
client_start b2 "$bob"
wait_line "$tmp/a.out" "--> $bob joined"
client_say b2 "bob is back"
wait_line "$tmp/a.out" "$bob: bob is back"
wait_line "$tmp/c.out" "$bob: bob is back"

step "everybody leaves"
for t in a b2 c; do
	client_close "$t"
	client_wait "$t" 10
	[ "$status" -eq 0 ] || fail "client $t exited $status: $(cat "$tmp/$t.err")"
done
poll 5 session_empty || fail "$sdir is not empty: $(ls -A "$sdir")"
[ "$(grep -cE "$left" "$dout")" -eq 2 ] ||
    fail "the daemon did not say bob left twice: $(grep -E "$left" "$dout")"
stop_daemon
step "ok"
exit 0
