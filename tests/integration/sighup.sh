#!/bin/bash
# SPDX-License-Identifier: ISC
# SIGHUP reloads the configuration: a new mode is applied to the FIFO; a
# broken file is reported with FILE:LINE and the daemon keeps running on
# the old configuration, FIFO and mode unchanged.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup

mode_of()
{
	stat -c %a "$fifo"
}

write_config fifo.mode=0620
start_daemon
[ "$(mode_of)" = 620 ] || fail "mode $(mode_of) at start, expected 620"
inode=$(stat -c %i "$fifo")

step "0620 -> 0600"
write_config fifo.mode=0600
kill -HUP "$dpid"
poll 10 eval '[ "$(mode_of)" = 600 ]' ||
    fail "mode still $(mode_of) 10 s after SIGHUP, expected 600"
poll 10 grep -q "configuration reloaded" "$derr" ||
    fail "no \"configuration reloaded\" on stderr"
alive "$dpid" || fail "pipechatd died on SIGHUP"
[ "$(stat -c %i "$fifo")" = "$inode" ] || fail "SIGHUP replaced the FIFO"
"$PIPECHAT_CLIENT" -f "$conf" "after reload" || fail "pipechat-client failed"
wait_line "$dout" "$me: after reload"

step "a broken configuration is refused and the old one kept"
# write_config puts mode on line 4.
write_config fifo.mode=0644
kill -HUP "$dpid"
poll 10 grep -qF -e "$conf:4: mode: " "$derr" ||
    fail "no \"$conf:4: mode: \" on stderr after SIGHUP"
grep -F -e "$conf:4: mode: " "$derr" | grep -q "keeping" ||
    fail "stderr does not say the running configuration is kept"
alive "$dpid" || fail "pipechatd died on a broken configuration"
[ "$(mode_of)" = 600 ] || fail "mode changed to $(mode_of) by a broken file"
[ "$(stat -c %i "$fifo")" = "$inode" ] || fail "SIGHUP replaced the FIFO"
"$PIPECHAT_CLIENT" -p "$fifo" "after a failed reload" ||
    fail "pipechat-client failed"
wait_line "$dout" "$me: after a failed reload"

step "a missing configuration is refused and the old one kept"
mv "$conf" "$conf.away"
kill -HUP "$dpid"
poll 10 grep -q "$conf: No such file" "$derr" ||
    fail "no \"$conf: No such file\" on stderr after SIGHUP"
alive "$dpid" || fail "pipechatd died on a missing configuration"
[ "$(mode_of)" = 600 ] || fail "mode changed to $(mode_of)"
mv "$conf.away" "$conf"

step "a good configuration after a bad one"
write_config fifo.mode=0620
kill -HUP "$dpid"
poll 10 eval '[ "$(mode_of)" = 620 ]' ||
    fail "mode still $(mode_of) 10 s after SIGHUP, expected 620"
"$PIPECHAT_CLIENT" -f "$conf" "after the fix" || fail "pipechat-client failed"
wait_line "$dout" "$me: after the fix"

stop_daemon TERM
[ ! -e "$fifo" ] || fail "$fifo not removed at SIGTERM"
step "ok"
exit 0
