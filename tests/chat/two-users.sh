#!/bin/bash
# SPDX-License-Identifier: ISC
# Two users chat: each sees the other's lines under the other's login name
# (the owner of the session FIFOs), never their own; the daemon prints
# every line with the right name; a raw `echo x > FIFO` reaches both as
# "(anonymous): x".  Transcripts are compared whole with diff.
# shellcheck disable=SC2154 # make_user VAR SHORT sets VAR
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

need_users
setup
make_group
make_user alice alice
make_user bob bob
write_config fifo.mode=0620 fifo.group="$group"
start_daemon
[ "$(stat -c %a:%G "$fifo")" = "620:$group" ] ||
    fail "FIFO is $(stat -c %a:%G "$fifo"), wanted 620:$group"

step "alice joins, then bob"
client_start a "$alice"
wait_line "$dout" "--> $alice joined"
client_start b "$bob"
wait_line "$dout" "--> $bob joined"
wait_line "$tmp/a.out" "--> $bob joined"

step "the session FIFOs belong to their users"
[ "$(fifos_of "$alice")" -eq 2 ] || fail "alice does not own 2 FIFOs in $sdir"
[ "$(fifos_of "$bob")" -eq 2 ] || fail "bob does not own 2 FIFOs in $sdir"

step "alice speaks, bob hears"
client_say a "hello from alice"
wait_line "$tmp/b.out" "$alice: hello from alice"
wait_line "$dout" "$alice: hello from alice"

step "bob answers, alice hears"
client_say b "hi alice, bob here"
wait_line "$tmp/a.out" "$bob: hi alice, bob here"
wait_line "$dout" "$bob: hi alice, bob here"

step "a raw writer is anonymous to both"
run_as "$bob" timeout 5 sh -c 'echo "x from the shell" >"$1"' sh "$fifo" ||
    fail "raw write to $fifo as bob failed"
wait_line "$tmp/a.out" "(anonymous): x from the shell"
wait_line "$tmp/b.out" "(anonymous): x from the shell"
wait_line "$dout" "(anonymous): x from the shell"

step "alice leaves with end of input"
client_close a
client_wait a 10
[ "$status" -eq 0 ] || fail "alice's client exited $status: $(cat "$tmp/a.err")"
wait_line "$tmp/b.out" "<-- $alice left"
poll 5 eval '[ "$(fifos_of "$alice")" -eq 0 ]' ||
    fail "alice's FIFOs are still in $sdir"

step "bob leaves"
client_close b
client_wait b 10
[ "$status" -eq 0 ] || fail "bob's client exited $status: $(cat "$tmp/b.err")"
wait_line "$dout" "<-- $bob left"
poll 5 session_empty || fail "$sdir is not empty: $(ls -A "$sdir")"

step "transcripts"
cat >"$tmp/a.want" <<EOF
--> $bob joined
$bob: hi alice, bob here
(anonymous): x from the shell
EOF
cat >"$tmp/b.want" <<EOF
$alice: hello from alice
(anonymous): x from the shell
<-- $alice left
EOF
cat >"$tmp/d.want" <<EOF
--> $alice joined
--> $bob joined
$alice: hello from alice
$bob: hi alice, bob here
(anonymous): x from the shell
<-- $alice left
<-- $bob left
EOF
diff -u "$tmp/a.want" "$tmp/a.out" || fail "alice saw something else"
diff -u "$tmp/b.want" "$tmp/b.out" || fail "bob saw something else"
diff -u "$tmp/d.want" "$dout" || fail "the daemon printed something else"
[ ! -s "$tmp/a.err" ] || fail "alice's client said: $(cat "$tmp/a.err")"
[ ! -s "$tmp/b.err" ] || fail "bob's client said: $(cat "$tmp/b.err")"

stop_daemon
step "ok"
exit 0
