#!/bin/bash
# SPDX-License-Identifier: ISC
# Per-session rate limit ([session] rate and burst, here the defaults: 20
# lines/s, 100 at once).  Alice floods: 300 lines as fast as her client
# can write them.  She is told once that she is over the rate; the daemon stops
# reading her session until the rate allows more, so every one of her
# lines still arrives, in order; bob, talking meanwhile, is heard before
# her flood is through; the daemon logs the throttling once, not per
# line.  Raw writers share one bucket of the same rate: a raw flood is cut
# to it and the rest counted in the log.  A session that stops listening
# while throttled loses what it sent beyond its rate, and that is logged.
# shellcheck disable=SC2154 # make_user VAR SHORT sets VAR
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=fake.sh
. "$(dirname "$0")/fake.sh"

need_users
setup
make_group
make_user alice alice
make_user bob bob
make_user carol carol
write_config fifo.mode=0620 fifo.group="$group"
start_daemon

client_start c "$carol"
wait_grep "$dout" "$carol joined\$"
client_start b "$bob"
wait_grep "$dout" "$bob joined\$"
client_start a "$alice"
wait_grep "$dout" "$alice joined\$"

step "alice sends 300 lines at once"
seq -f "flood %g" 1 300 >"$tmp/flood"
cat "$tmp/flood" >&"${cfd[a]}" || fail "cannot write to alice's client"
wait_grep "$tmp/a.err" "more than 20 lines a second"
step "bob talks during alice's flood"
client_say b "bob during the flood"
wait_grep "$tmp/c.out" "^$bob: bob during the flood\$"
has_line "$tmp/c.out" "$alice: flood 300" &&
    fail "bob was heard only after alice's whole flood"
step "all of alice's lines arrive, in order"
poll 60 has_line "$tmp/c.out" "$alice: flood 300" ||
    fail "alice's last line did not arrive within 60 s"
grep "^$alice: flood " "$tmp/c.out" | sed "s/^$alice: //" |
    diff -u "$tmp/flood" - || fail "carol did not get alice's lines in order"
[ "$(grep -c "more than 20 lines a second" "$tmp/a.err")" -eq 1 ] ||
    fail "alice was told more than once: $(cat "$tmp/a.err")"
[ "$(grep -c "throttled" "$derr")" -eq 1 ] ||
    fail "the throttling was not logged once: $(grep throttled "$derr")"

step "raw writers: 1000 lines at once, cut to the shared bucket"
seq -f "raw %g" 1 1000 >"$fifo"
wait_grep "$derr" "anonymous line dropped"
client_say b "bob after the raw flood"
wait_grep "$tmp/c.out" "^$bob: bob after the raw flood\$"
n=$(grep -c "^(anonymous): raw " "$tmp/c.out")
step "$n raw lines shown"
[ "$n" -ge 100 ] && [ "$n" -lt 1000 ] ||
    fail "$n of 1000 raw lines shown, not the burst (100) and a few more"
[ "$(grep -c "anonymous line" "$derr")" -eq 1 ] ||
    fail "dropped raw lines were logged one by one"

step "a throttled session that stops listening: the rest is dropped, logged"
fake_pair f1 "$alice"
fake_listen f1
fake_join f1
reply=$(fake_reply f1)
[ "$reply" = "welcome $alice" ] || fail "f1 got \"$reply\", not a welcome"
exec {w}>"$sdir/f1.in" || fail "cannot open f1.in"
seq -f "gone %g" 1 300 >&"$w"
poll 10 eval '[ "$(grep -c "^$alice: gone " "$dout")" -ge 100 ]' ||
    fail "the burst of f1 was not printed"
fake_close f1
wait_grep "$derr" "session f1: $alice \(uid [0-9]+\): [0-9]+ lines over the rate dropped as the session ended"
exec {w}>&-
daemon_alive
n=$(grep -c "^$alice: gone " "$dout")
step "$n of f1's 300 lines printed"
[ "$n" -lt 300 ] || fail "all of f1's lines were printed"

for t in a b c; do
	client_close "$t"
	client_wait "$t" 10
	[ "$status" -eq 0 ] || fail "client $t exited $status"
done
stop_daemon
step "ok"
exit 0
