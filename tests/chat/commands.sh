#!/bin/bash
# SPDX-License-Identifier: ISC
# Commands and limits.  /who answers the asker only; /me ACTION shows as
# "* NAME ACTION"; an unknown /command gets an error to that client only
# (on its stderr), which nobody else and not the daemon's output sees;
# "//x" says "/x"; /quit ends the session with exit status 0 while stdin
# is still open.  A session past max_per_user or max_clients is refused:
# the client says why on stderr and exits 69, and nobody hears of it.
# shellcheck disable=SC2154 # make_user VAR SHORT sets VAR
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

need_users
setup
make_group
make_user alice alice
make_user bob bob
make_user carol carol
write_config fifo.mode=0620 fifo.group="$group" session.max_clients=2 \
    session.max_per_user=1
start_daemon

# refused USER REASON: a client of USER is refused with REASON.
refused()
{
	run_as "$1" timeout 10 "$PIPECHAT_CLIENT" -f "$conf" </dev/null \
	    >"$tmp/refused.out" 2>"$tmp/refused.err"
	status=$?
	[ "$status" -eq 69 ] ||
	    fail "$1: exit status $status, not 69: $(cat "$tmp/refused.err")"
	grep -qF "pipechatd refused the session: $2" "$tmp/refused.err" ||
	    fail "$1: no \"$2\" in: $(cat "$tmp/refused.err")"
	[ ! -s "$tmp/refused.out" ] || fail "$1: printed $(cat "$tmp/refused.out")"
	daemon_alive
}

step "alice joins; a second session of alice's is refused (max_per_user 1)"
client_start a "$alice"
wait_line "$dout" "--> $alice joined"
refused "$alice" "too many sessions for this user (max_per_user)"

step "bob joins; carol is refused (max_clients 2)"
client_start b "$bob"
wait_line "$tmp/a.out" "--> $bob joined"
refused "$carol" "the room is full (max_clients)"
grep -qF "$carol" "$dout" && fail "the daemon printed something about carol"
[ "$(grep -c "$alice" "$dout")" -eq 1 ] ||
    fail "the daemon printed more about alice: $(cat "$dout")"

step "/who: to the asker only"
client_say a "/who"
wait_line "$tmp/a.out" "-!- 2 connected: $alice $bob"

step "/help: the command table, to the asker only"
client_say a "/help"
wait_line "$tmp/a.out" '-!- /me ACTION: show "* NAME ACTION" to everyone else'

step "/me waves"
client_say a "/me waves"
wait_line "$tmp/b.out" "* $alice waves"
wait_line "$dout" "* $alice waves"

step "/foo: an error to alice only"
client_say a "/foo bar"
wait_grep "$tmp/a.err" 'unknown command "/foo"'

step "//x says /x"
client_say a "//x"
wait_line "$tmp/b.out" "$alice: /x"
wait_line "$dout" "$alice: /x"

step "/quit: alice's client exits 0, stdin still open"
client_say a "/quit"
client_wait a 10
[ "$status" -eq 0 ] || fail "alice's client exited $status: $(cat "$tmp/a.err")"
wait_line "$tmp/b.out" "<-- $alice left"
poll 5 eval '[ "$(fifos_of "$alice")" -eq 0 ]' ||
    fail "alice's FIFOs are still in $sdir"

step "bob asks /who, then leaves"
client_say b "/who"
wait_line "$tmp/b.out" "-!- 1 connected: $bob"
client_close b
client_wait b 10
[ "$status" -eq 0 ] || fail "bob's client exited $status: $(cat "$tmp/b.err")"
client_close a

step "transcripts"
cat >"$tmp/a.want" <<EOF2
--> $bob joined
-!- 2 connected: $alice $bob
-!- /who: who is connected, told to you only
-!- /me ACTION: show "* NAME ACTION" to everyone else
-!- /msg USER TEXT: say TEXT to USER only (every session of theirs)
-!- /quit: leave the room
-!- /help: this list
-!- //text: say "/text"
EOF2
cat >"$tmp/b.want" <<EOF2
* $alice waves
$alice: /x
<-- $alice left
-!- 1 connected: $bob
EOF2
cat >"$tmp/d.want" <<EOF2
--> $alice joined
--> $bob joined
* $alice waves
$alice: /x
<-- $alice left
<-- $bob left
EOF2
diff -u "$tmp/a.want" "$tmp/a.out" || fail "alice saw something else"
diff -u "$tmp/b.want" "$tmp/b.out" || fail "bob saw something else"
diff -u "$tmp/d.want" "$dout" || fail "the daemon printed something else"
[ "$(wc -l <"$tmp/a.err")" -eq 1 ] ||
    fail "alice's client said more than the error: $(cat "$tmp/a.err")"
[ ! -s "$tmp/b.err" ] || fail "bob's client said: $(cat "$tmp/b.err")"
grep -qF "foo" "$derr" && fail "the daemon logged the unknown command"
stop_daemon
step "ok"
exit 0
