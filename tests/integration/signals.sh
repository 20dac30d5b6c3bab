#!/bin/bash
# SPDX-License-Identifier: ISC
# SIGTERM and SIGINT stop the daemon cleanly: whatever is already in the
# pipe is printed first, the FIFO it created is removed, and it exits 0.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup
write_config
# 30000 raw lines at once: no rate limit, or it would test the limit.
printf '[session]\nrate = 0\n' >>"$conf"

# One read(2) by the daemon takes up to 64 KiB, a default pipe's size: to
# show that SIGTERM drains the pipe rather than just ending after the read
# in progress, make the pipe 1 MiB (python3 can) and put 600 kB in it.
# Without python3, 40 kB in a default pipe still shows the lines survive.
big_write()
{
	python3 -c 'import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
try:
    fcntl.fcntl(fd, 1031, 1 << 20)	# F_SETPIPE_SZ
except OSError:
    sys.exit(3)
data = open(sys.argv[2], "rb").read()
while data:
    data = data[os.write(fd, data):]
' "$fifo" "$tmp/expected"
}
n=30000
command -v python3 >/dev/null || n=2000

step "SIGTERM while $n lines wait in the pipe"
start_daemon
kill -STOP "$dpid"
seq -f 'drain-%08g-xxxxxx' 1 "$n" >"$tmp/expected"
if [ "$n" -gt 2000 ]; then
	big_write
	status=$?
	if [ "$status" -eq 3 ]; then
		step "cannot enlarge the pipe: 2000 lines only"
		n=2000
		seq -f 'drain-%08g-xxxxxx' 1 "$n" >"$tmp/expected"
	fi
fi
if [ "$n" -le 2000 ]; then
	(cat "$tmp/expected" >"$fifo") &
	writer=$!
	track "$writer"
	wait_exit "$writer" 10
fi
[ "$status" -eq 0 ] || fail "the raw writer failed with status $status"
has_line "$dout" "(anonymous): drain-00000001-xxxxxx" &&
    fail "the daemon printed while stopped"
# The signal is pending when the daemon resumes: nothing more can be
# written after this point, yet everything must come out.
kill -TERM "$dpid"
kill -CONT "$dpid"
wait_exit "$dpid" 10
[ "$status" -eq 0 ] || fail "exit status $status after SIGTERM, expected 0"
[ ! -e "$fifo" ] || fail "$fifo not removed at SIGTERM"
sed 's/^(anonymous): //' "$dout" >"$tmp/got"
cmp -s "$tmp/expected" "$tmp/got" ||
    fail "printed $(wc -l <"$tmp/got") lines, not the $n written, in order:" \
    "$(diff "$tmp/expected" "$tmp/got" | head -n 4)"
grep -q "shutting down" "$derr" || fail "no \"shutting down\" on stderr"

step "SIGTERM with a partial last line in the pipe"
start_daemon
kill -STOP "$dpid"
(printf 'whole\nno newline' >"$fifo") || fail "cannot write to $fifo"
kill -TERM "$dpid"
kill -CONT "$dpid"
wait_exit "$dpid" 10
[ "$status" -eq 0 ] || fail "exit status $status after SIGTERM, expected 0"
[ "$(cat "$dout")" = "(anonymous): whole
(anonymous): no newline" ] || fail "printed: $(cat "$dout")"

mkfifo "$tmp/feed" || fail "mkfifo failed"
exec 7<>"$tmp/feed"

step "SIGTERM while a raw client still has the FIFO open"
start_daemon
"$PIPECHAT_CLIENT" -r -f "$conf" <"$tmp/feed" 7>&- 2>"$tmp/client.err" &
client=$!
track "$client"
echo "before the stop" >&7
wait_line "$dout" "(anonymous): before the stop"
stop_daemon TERM
[ ! -e "$fifo" ] || fail "$fifo not removed at SIGTERM"
echo "after the stop" >&7
wait_exit "$client" 10
[ "$status" -eq 69 ] ||
    fail "client exit status $status, expected 69: $(cat "$tmp/client.err")"
grep -q "1 line sent" "$tmp/client.err" ||
    fail "the client does not say 1 line was sent: $(cat "$tmp/client.err")"

step "SIGTERM while a session is open"
start_daemon
# -w 0: not waiting for a new daemon (tests/chat/restart.sh does that).
"$PIPECHAT_CLIENT" -w 0 -f "$conf" <"$tmp/feed" 7>&- >"$tmp/client.out" \
    2>"$tmp/client.err" &
client=$!
track "$client"
wait_line "$dout" "--> $me joined"
echo "said in the session" >&7
wait_line "$dout" "$me: said in the session"
stop_daemon TERM
[ ! -e "$fifo" ] || fail "$fifo not removed at SIGTERM"
# The daemon says goodbye and closes the session: the client ends.
wait_exit "$client" 10
[ "$status" -eq 69 ] ||
    fail "client exit status $status, expected 69: $(cat "$tmp/client.err")"
grep -q "shutting down" "$tmp/client.err" ||
    fail "the client does not say why: $(cat "$tmp/client.err")"
left=$(find "$tmp/sessions" -mindepth 1 2>/dev/null)
[ -z "$left" ] || fail "session FIFOs left behind: $left"
exec 7>&-

step "SIGINT"
start_daemon
"$PIPECHAT_CLIENT" -f "$conf" "before SIGINT" || fail "pipechat-client failed"
wait_line "$dout" "$me: before SIGINT"
stop_daemon INT
[ ! -e "$fifo" ] || fail "$fifo not removed at SIGINT"

step "ok"
exit 0
