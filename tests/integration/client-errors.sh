#!/bin/bash
# SPDX-License-Identifier: ISC
# pipechat-client says what is wrong, with the documented exit status,
# and never hangs, in both modes (room session and raw -r): no FIFO (66),
# a FIFO nobody reads (69), not a FIFO (78), and a daemon that dies while
# the client is sending (69, not death by SIGPIPE).
# shellcheck disable=SC2086 # $r is empty or -r, unquoted on purpose
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup
cerr=$tmp/client.err

# client_status EXPECTED WHAT ARGS...: run the client (at most 5 s) and
# check its exit status.
client_status()
{
	local want=$1 what=$2

	shift 2
	limit 5 "$PIPECHAT_CLIENT" "$@" </dev/null >/dev/null 2>"$cerr"
	status=$?
	[ "$status" -ne 124 ] || fail "$what: pipechat-client hung (killed after 5 s)"
	[ "$status" -eq "$want" ] ||
	    fail "$what: exit status $status, expected $want: $(cat "$cerr")"
}

# client_says WHAT PATTERN: its stderr matches the extended regex PATTERN.
client_says()
{
	grep -qE -e "$2" "$cerr" ||
	    fail "$1: stderr does not match /$2/: $(cat "$cerr")"
}

# A feed for the client's stdin that stays open and empty until we write
# to it.  Opening it read-write never blocks; we never read from it.
mkfifo "$tmp/feed" || fail "mkfifo failed"
exec 7<>"$tmp/feed"

for m in session raw; do
	[ "$m" = raw ] && r=-r || r=
	step "$m: no FIFO at all"
	client_status 66 "$m, no FIFO" $r -p "$tmp/absent.fifo" hello
	client_says "$m, no FIFO" "$tmp/absent\.fifo"
	client_says "$m, no FIFO" "pipechatd"
	write_config fifo.path="$tmp/absent.fifo"
	client_status 66 "$m, no FIFO (from the config)" $r -f "$conf" hello
	client_says "$m, no FIFO (from the config)" \
	    "$tmp/absent\.fifo: .*pipechatd"

	step "$m: a FIFO that no daemon reads"
	mkfifo -m 0620 "$fifo" || fail "mkfifo failed"
	client_status 69 "$m, no reader" $r -p "$fifo" hello
	client_says "$m, no reader" "$tmp/chat\.fifo: .*pipechatd"
	# The client must find the FIFO unusable before it waits for stdin.
	limit 5 "$PIPECHAT_CLIENT" $r -p "$fifo" 2>"$cerr" <"$tmp/feed" 7>&-
	status=$?
	[ "$status" -eq 69 ] ||
	    fail "$m, no reader, stdin open: exit status $status, expected" \
	    "69 (124: hung): $(cat "$cerr")"
	rm -f "$fifo"

	step "$m: not a FIFO"
	echo "not a fifo" >"$tmp/file"
	client_status 78 "$m, regular file" $r -p "$tmp/file" hello
	client_says "$m, regular file" "$tmp/file: not a FIFO"
	[ "$(cat "$tmp/file")" = "not a fifo" ] ||
	    fail "$m: the client wrote into $tmp/file"
done

step "raw: the daemon dies while the client is sending"
write_config
start_daemon
# The client reads the feed, which we write to line by line.
$sigdfl "$PIPECHAT_CLIENT" -r -f "$conf" <"$tmp/feed" 7>&- 2>"$cerr" &
client=$!
track "$client"
printf 'one\ntwo\n' >&7
wait_line "$dout" "(anonymous): two"
crash_daemon
[ -p "$fifo" ] || fail "$fifo vanished with the daemon"
printf 'three\n' >&7
wait_exit "$client" 10
[ "$status" -ne 141 ] || fail "pipechat-client was killed by SIGPIPE"
[ "$status" -eq 69 ] || fail "exit status $status, expected 69: $(cat "$cerr")"
client_says "raw, daemon gone" "went away"
client_says "raw, daemon gone" "2 lines sent"
has_line "$dout" "(anonymous): three" && fail "\"three\" printed by a dead daemon"
rm -f "$fifo"

step "session: the daemon dies while the client is sending"
start_daemon
# -w 1: it waits a second for a new daemon, in vain.
$sigdfl "$PIPECHAT_CLIENT" -w 1 -f "$conf" <"$tmp/feed" 7>&- >"$tmp/client.out" \
    2>"$cerr" &
client=$!
track "$client"
wait_line "$dout" "--> $me joined"
printf 'one\ntwo\n' >&7
wait_line "$dout" "$me: two"
crash_daemon
printf 'three\n' >&7
wait_exit "$client" 10
[ "$status" -ne 141 ] || fail "pipechat-client was killed by SIGPIPE"
[ "$status" -eq 69 ] || fail "exit status $status, expected 69: $(cat "$cerr")"
client_says "session, daemon gone" "pipechatd"
# The client removes its session FIFOs (the dead daemon cannot).
left=$(find "$tmp/sessions" -mindepth 1 2>/dev/null)
[ -z "$left" ] || fail "the client left its session FIFOs behind: $left"

exec 7>&-
step "ok"
exit 0
