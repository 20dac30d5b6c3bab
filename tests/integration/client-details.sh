#!/bin/bash
# SPDX-License-Identifier: ISC
# How pipechat-client turns its input into messages, in both modes:
# arguments are one message; a line longer than a message is cut into
# several (between UTF-8 characters) that add up to it; CRLF loses the CR;
# empty lines are not sent; a last line without '\n' is sent.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup
export LC_ALL=C

write_config
start_daemon

# send MODE ARGS...: run the client (raw with -r, else a session) with
# stdin from $tmp/in when there are no arguments.
send()
{
	local m=$1 r=

	shift
	[ "$m" = raw ] && r=-r
	# shellcheck disable=SC2086 # $r is empty or one word
	limit 10 "$PIPECHAT_CLIENT" $r -f "$conf" "$@" <"$tmp/in" \
	    >/dev/null 2>"$tmp/err"
	status=$?
	[ "$status" -eq 0 ] ||
	    fail "$m: pipechat-client $* exited $status: $(cat "$tmp/err")"
}

# capture MODE ARGS...: send as the client would, then a marker line from
# another client; once the marker is printed, everything the first sent
# has been.  Leaves the text of the messages printed in between, without
# the "NAME: " and without join/leave notices, in $tmp/got.
n=0
capture()
{
	local m=$1 before

	shift
	before=$(wc -l <"$dout")
	send "$m" "$@"
	n=$((n + 1))
	send_args "$m" "marker-$n"
	wait_line "$dout" "$from: marker-$n"
	tail -n +"$((before + 1))" "$dout" | grep -v '^\(-->\|<--\|-!-\|\*\) ' |
	    grep -vxF "$from: marker-$n" >"$tmp/printed"
	cut -c $((${#from} + 3))- "$tmp/printed" >"$tmp/got"
	if grep -vqF "$from: " "$tmp/printed"; then
		fail "$m: lines not from \"$from\": $(cat -v "$tmp/printed")"
	fi
}

# send_args MODE ARGS...: send the arguments as one message.
send_args()
{
	local m=$1 r=

	shift
	[ "$m" = raw ] && r=-r
	# shellcheck disable=SC2086 # $r is empty or one word
	limit 10 "$PIPECHAT_CLIENT" $r -f "$conf" "$@" </dev/null \
	    >/dev/null 2>"$tmp/err" ||
	    fail "$m: pipechat-client $* failed: $(cat "$tmp/err")"
}

# expect WHAT TEXT: $tmp/got is exactly TEXT (lines).
expect()
{
	[ "$(cat "$tmp/got")" = "$2" ] ||
	    fail "$1: got \"$(cat -v "$tmp/got")\", expected \"$2\""
}

# A 10000-byte line: digits, so that a lost or repeated piece shows; and
# one of 5000 two-byte characters, where a cut at 4095 would split one.
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "%09d ", i; print "" }' \
    >"$tmp/long.ascii"
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "\303\251"; print "" }' \
    >"$tmp/long.utf8"
[ "$(wc -c <"$tmp/long.ascii")" -eq 10001 ] &&
    [ "$(wc -c <"$tmp/long.utf8")" -eq 10001 ] || fail "bad test input"

for m in raw session; do
	if [ "$m" = raw ]; then from="(anonymous)"; else from=$me; fi

	step "$m: arguments are one message"
	: >"$tmp/in"
	capture "$m" a b c
	expect "$m: a b c" "a b c"
	capture "$m" "two
lines" "  spaced  "
	expect "$m: arguments with a newline" "two lines   spaced  "

	for kind in ascii utf8; do
		step "$m: a 10000-byte $kind line"
		cp "$tmp/long.$kind" "$tmp/in"
		capture "$m"
		[ "$(wc -l <"$tmp/got")" -eq 3 ] ||
		    fail "$m: $kind: $(wc -l <"$tmp/got") messages, expected 3"
		tr -d '\n' <"$tmp/got" >"$tmp/joined"
		printf '\n' >>"$tmp/joined"
		cmp -s "$tmp/joined" "$tmp/long.$kind" ||
		    fail "$m: $kind: the pieces do not add up to the line"
		awk -v k="$kind" '{
			if (length($0) > 4095) {
				print k ": a piece of " length($0) " bytes"
				exit 1
			}
		}' "$tmp/got" || fail "$m: a piece longer than 4095 bytes"
		iconv -f UTF-8 -t UTF-8 "$tmp/got" >/dev/null 2>&1 ||
		    fail "$m: $kind: a piece is not valid UTF-8 (a character cut)"
	done

	step "$m: a piece of a long line that starts with / is text, not a command"
	# A raw line has a '\n' in front in its PIPE_BUF: a byte less text.
	w=4095
	[ "$m" = raw ] && w=4094
	{ printf "%${w}s" '' | tr ' ' a; printf '/who\n'; } >"$tmp/in"
	capture "$m"
	[ "$(sed -n 2p "$tmp/got")" = "/who" ] ||
	    fail "$m: second piece shows as '$(sed -n 2p "$tmp/got")', not /who"

	step "$m: CRLF, empty lines, last line without newline"
	printf 'crlf\r\n\n\r\n\n\nsecond\r\n\r\nlast' >"$tmp/in"
	capture "$m"
	expect "$m: CRLF and empty lines" "crlf
second
last"
done

step "raw: exactly these bytes go into the FIFO"
mkfifo "$tmp/wire.fifo" || fail "mkfifo failed"
# We hold the FIFO open (read-write: never blocks, and we never read) so
# that cat's open does not wait for a writer, and cat does not see end of
# file before the client has written.
exec 9<>"$tmp/wire.fifo"
cat "$tmp/wire.fifo" >"$tmp/wire" 9>&- &
reader=$!
track "$reader"
poll 10 eval '[ "$(readlink "/proc/$reader/fd/3")" = "$tmp/wire.fifo" ]' ||
    fail "cat did not open $tmp/wire.fifo"
printf 'a\r\n\n\r\n\n\nb\n\nc' |
    "$PIPECHAT_CLIENT" -r -p "$tmp/wire.fifo" 9>&- ||
    fail "pipechat-client -r failed"
exec 9>&-
wait_exit "$reader" 10
# Each line with a '\n' in front: it ends another writer's partial line.
[ "$(od -An -c "$tmp/wire" | tr -s ' ')" = "$(printf '\na\n\nb\n\nc\n' | od -An -c | tr -s ' ')" ] ||
    fail "bytes written: $(od -An -c "$tmp/wire"), expected \\n a\\n \\n b\\n \\n c\\n"

stop_daemon TERM
step "ok"
exit 0
