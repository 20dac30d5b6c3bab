#!/bin/bash
# SPDX-License-Identifier: ISC
# When standard output fails (its reader went away, or the disk is full)
# the daemon says so once on stderr, removes its FIFO and exits 1: it must
# neither die of SIGPIPE nor go on reading messages it cannot print.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup
write_config

# output_failed WHAT: the daemon exited 1 with one line about its output.
output_failed()
{
	[ "$status" -ne 141 ] || fail "$1: pipechatd was killed by SIGPIPE"
	[ "$status" -eq 1 ] || fail "$1: exit status $status, expected 1"
	[ "$(grep -c "output" "$derr")" -eq 1 ] ||
	    fail "$1: expected one line about the output on stderr"
	# Nothing else than the start-up lines (as root: that it stays
	# root, pipechatd(8)) and that one.
	[ "$(grep -v -e "reading $fifo" -e "running as root" -c "$derr")" \
	    -eq 1 ] ||
	    fail "$1: more than one diagnostic"
	[ ! -e "$fifo" ] || fail "$1: $fifo not removed"
}

step "stdout is a pipe whose reader exits"
# The daemon's stdout is a named pipe read by head, which exits after one
# line (like "pipechatd | head -n 1", but with both pids at hand).
mkfifo "$tmp/stdout" || fail "mkfifo failed"
head -n 1 <"$tmp/stdout" >"$tmp/head.out" &
head=$!
track "$head"
dout="$tmp/stdout"
start_daemon
"$PIPECHAT_CLIENT" -r -f "$conf" "first" || fail "pipechat-client failed"
wait_exit "$head" 10
[ "$(cat "$tmp/head.out")" = "(anonymous): first" ] ||
    fail "head got: $(cat "$tmp/head.out")"
# Now nothing reads the daemon's stdout: the next message cannot be printed.
"$PIPECHAT_CLIENT" -r -f "$conf" "second" 2>/dev/null
wait_exit "$dpid" 10
output_failed "stdout to a closed pipe"
grep -q "output.*Broken pipe" "$derr" || fail "the message does not say why"

step "stdout is /dev/full"
[ -w /dev/full ] || { step "no /dev/full: skipping the rest"; exit 0; }
dout=/dev/full
start_daemon
"$PIPECHAT_CLIENT" -r -f "$conf" "into a full disk" || fail "pipechat-client failed"
wait_exit "$dpid" 10
output_failed "stdout to /dev/full"
grep -q "output.*No space left" "$derr" || fail "the message does not say why"

step "ok"
exit 0
