#!/bin/bash
# SPDX-License-Identifier: ISC
# [fifo] anonymous = no: lines written straight to the well-known FIFO are
# not shown, while sessions chat as usual; the refusals are logged as a
# count, not one line each; pipechat-client -r refuses to send (exit 77)
# rather than lose its lines.  A reload with anonymous = yes shows them
# again.  As whoever runs the test.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

setup
me=$(id -un)
write_config fifo.anonymous=no
start_daemon
client_start l "$me"
client_start t "$me"
poll 10 eval '[ "$(grep -c "$me joined\$" "$dout")" -eq 2 ]' ||
    fail "the two clients did not join"

step "200 raw lines: none shown, logged once and then as a count"
seq -f "raw %g" 1 200 >"$fifo"
client_say t "after the raw lines"
wait_line "$tmp/l.out" "$me: after the raw lines"
grep -q "anonymous" "$dout" "$tmp/l.out" &&
    fail "a raw line was shown: $(grep -h anonymous "$dout" "$tmp/l.out")"
[ "$(grep -c "anonymous line refused" "$derr")" -eq 1 ] ||
    fail "the refused raw lines were not logged once"
poll 15 grep -qF "anonymous lines not shown: 199 more in the last 10 s" \
    "$derr" || fail "no count of the refused raw lines within 15 s"

step "pipechat-client -r refuses, exit 77"
timeout 10 "$PIPECHAT_CLIENT" -f "$conf" -r "raw from the client" </dev/null \
    >/dev/null 2>"$tmp/r.err"
status=$?
[ "$status" -eq 77 ] || fail "pipechat-client -r exited $status, not 77"
grep -qF "[fifo] anonymous = no" "$tmp/r.err" ||
    fail "pipechat-client -r said: $(cat "$tmp/r.err")"

step "reloaded with anonymous = yes: raw lines are shown"
write_config fifo.anonymous=yes
kill -HUP "$dpid"
wait_grep "$derr" "configuration reloaded"
echo "raw after reload" >"$fifo"
wait_line "$tmp/l.out" "(anonymous): raw after reload"
for c in l t; do
	client_close "$c"
	client_wait "$c" 10
	[ "$status" -eq 0 ] || fail "client $c exited $status"
done
stop_daemon
step "ok"
exit 0
