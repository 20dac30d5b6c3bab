#!/bin/bash
# SPDX-License-Identifier: ISC
# An idle daemon sleeps.  When the last writer closes a FIFO, the read end
# reports end-of-file (and POLLHUP) until it is reopened: a daemon that
# does not handle that spins at 100% CPU.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup
window=2
max_ticks=10

# The CPU time (user + system, in clock ticks) that pid has used.
cpu_ticks()
{
	local stat

	read -r stat <"/proc/$1/stat" || fail "cannot read /proc/$1/stat"
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- ${stat##*) }
	# Fields 14 and 15 of stat(5); the first left here is field 3.
	echo $((${12} + ${13}))
}

[ -r /proc/self/stat ] || skip "no /proc/PID/stat to read CPU time from"

# idle_check WHAT: the daemon used (almost) no CPU time over $window s.
idle_check()
{
	local before after

	alive "$dpid" || fail "pipechatd died $1"
	before=$(cpu_ticks "$dpid")
	sleep "$window"	# the measurement window, not synchronisation
	alive "$dpid" || fail "pipechatd died $1"
	after=$(cpu_ticks "$dpid")
	[ $((after - before)) -lt "$max_ticks" ] ||
	    fail "pipechatd used $((after - before)) clock ticks in" \
	    "$window s $1 (limit $max_ticks; a busy loop uses" \
	    "$(($(getconf CLK_TCK) * window)))"
	step "ok: $((after - before)) ticks in $window s $1"
}

write_config
start_daemon

"$PIPECHAT_CLIENT" -r -f "$conf" "hello from a raw client" ||
    fail "pipechat-client -r failed"
printf 'line %d\n' 1 2 3 | "$PIPECHAT_CLIENT" -r -f "$conf" ||
    fail "pipechat-client -r failed"
wait_line "$dout" "(anonymous): line 3"
idle_check "after raw clients quit"

"$PIPECHAT_CLIENT" -f "$conf" "hello from a session" ||
    fail "pipechat-client failed"
printf 'line %d\n' 4 5 6 | "$PIPECHAT_CLIENT" -f "$conf" >/dev/null ||
    fail "pipechat-client failed"
wait_line "$dout" "<-- $me left"
idle_check "after session clients quit"

(echo hi >"$fifo") || fail "cannot write to $fifo"
wait_line "$dout" "(anonymous): hi"
idle_check "after a raw writer closed"

# Writers that open and close without writing anything.
(: >"$fifo") || fail "cannot open $fifo"
"$PIPECHAT_CLIENT" -r -f "$conf" </dev/null || fail "pipechat-client failed"
idle_check "after writers that sent nothing"

# A session that stays open, saying nothing.
mkfifo "$tmp/feed" || fail "mkfifo failed"
exec 7<>"$tmp/feed"
"$PIPECHAT_CLIENT" -f "$conf" <"$tmp/feed" 7>&- >/dev/null &
client=$!
track "$client"
poll 10 eval '[ "$(grep -cxF -e "--> $me joined" "$dout")" -eq 2 ]' ||
    fail "the session did not join"
idle_check "with an idle session open"
exec 7>&-
wait_exit "$client" 10
[ "$status" -eq 0 ] || fail "pipechat-client exited $status"
idle_check "after the idle session left"

# It still works after all that.
"$PIPECHAT_CLIENT" -f "$conf" "still here" || fail "pipechat-client failed"
wait_line "$dout" "$me: still here"

stop_daemon TERM
exit 0
