#!/bin/bash
# SPDX-License-Identifier: ISC
# Whatever bytes writers send, what pipechatd prints (and what session
# clients show) is valid UTF-8 without a single control byte; an overlong
# line is cut and marked without spoiling the next one; a writer that dies
# mid-line costs only its own line; junk control lines are ignored.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup
export LC_ALL=C

# Terminal escapes, NUL, ill-formed UTF-8, C1 CSI, a bidi override, tab,
# CR, DEL and BEL; printf's escapes make the bytes.
hostile='\033[31mred\033]0;title\007 \000nul \377\376bad \300\257over \302\233csi \342\200\256rtl \ttab \rcr \177del \007bell end'

# clean WHAT FILE: FILE has no control byte but '\n' and is valid UTF-8.
clean()
{
	grep -naP '[\x00-\x09\x0b-\x1f\x7f]' "$2" >"$tmp/bad"
	case $? in
	0)	fail "$1: control bytes printed: $(od -c "$tmp/bad" | head -n 5)" ;;
	1)	;;
	*)	fail "grep -P failed (no PCRE support?)" ;;
	esac
	iconv -f UTF-8 -t UTF-8 "$2" >/dev/null 2>&1 ||
	    fail "$1: not valid UTF-8: $(od -c "$2" | head -n 5)"
}

# shows WHAT FILE TEXT: FILE contains the fixed string TEXT.
shows()
{
	grep -qF -e "$3" "$2" || fail "$1: no \"$3\" in: $(cat -v "$2")"
}

write_config
start_daemon

# A session that listens: what others say reaches it too.
mkfifo "$tmp/feed" || fail "mkfifo failed"
exec 7<>"$tmp/feed"
"$PIPECHAT_CLIENT" -f "$conf" <"$tmp/feed" 7>&- >"$tmp/listener.out" \
    2>"$tmp/listener.err" &
listener=$!
track "$listener"
wait_line "$dout" "--> $me joined"

step "raw writer: control bytes and bad UTF-8"
# shellcheck disable=SC2059 # the escapes are the point
(printf "$hostile\n" >"$fifo") || fail "cannot write to $fifo"
poll 10 grep -q 'end$' "$dout" || fail "the hostile line was not printed"
clean "daemon output" "$dout"
line=$(grep 'end$' "$dout")
case $line in
"(anonymous): "*) ;;
*) fail "not printed as one (anonymous) line: $(cat -v "$dout")" ;;
esac
for part in red title nul bad over csi rtl tab cr del bell; do
	shows "daemon output" "$dout" "$part"
done
shows "ESC in caret notation" "$dout" "^[[31mred"
shows "NUL in caret notation" "$dout" "^@nul"
shows "C1 CSI escaped" "$dout" '\u009bcsi'
shows "bidi override escaped" "$dout" '\u202ertl'
shows "bad UTF-8 replaced" "$dout" "$(printf '\357\277\275')"

step "session client: the same line"
# shellcheck disable=SC2059
printf "$hostile\n" | "$PIPECHAT_CLIENT" -f "$conf" >/dev/null 2>"$tmp/err" ||
    fail "pipechat-client failed: $(cat "$tmp/err")"
poll 10 grep -q "^$me: .*end\$" "$dout" || fail "the session's line was not printed"
clean "daemon output" "$dout"
poll 10 grep -q "^$me: .*end\$" "$tmp/listener.out" ||
    fail "the listening session did not show the line"
clean "what a session client shows" "$tmp/listener.out"
shows "session client" "$tmp/listener.out" "^[[31mred"

step "overlong raw line, its newline coming later"
exec 8>"$fifo"
head -c 10000 /dev/zero | tr '\0' x >&8
# The first 4095 bytes come out at once, marked, without waiting for '\n'.
poll 10 grep -q ' \[truncated\]$' "$dout" ||
    fail "no \" [truncated]\" line for 10000 bytes without a newline"
printf '\nnext\n' >&8
exec 8>&-
wait_line "$dout" "(anonymous): next"
cut=$(grep ' \[truncated\]$' "$dout")
[ "$cut" = "(anonymous): $(head -c 4095 /dev/zero | tr '\0' x) [truncated]" ] ||
    fail "the cut line is not 4095 x's then \" [truncated]\":" \
    "$(printf '%s' "$cut" | head -c 100)... (${#cut} bytes)"
# Nothing of the 5905 dropped bytes shows up as a line of its own.
[ "$(grep -c '^(anonymous): x' "$dout")" -eq 1 ] ||
    fail "the rest of the long line was printed: $(grep -c x "$dout") lines"
poll 10 grep -q "5905 bytes dropped" "$derr" ||
    fail "no \"5905 bytes dropped\" on stderr"

step "overlong raw line and the next one in one write"
{ head -c 10000 /dev/zero | tr '\0' y; printf '\nnext two\n'; } >"$tmp/long"
(cat "$tmp/long" >"$fifo") || fail "cannot write to $fifo"
wait_line "$dout" "(anonymous): next two"
[ "$(grep -c '^(anonymous): y.* \[truncated\]$' "$dout")" -eq 1 ] ||
    fail "no single cut line of y's"
[ "$(grep -c '^(anonymous): y' "$dout")" -eq 1 ] ||
    fail "the rest of the long line was printed"

step "a writer that dies mid-line"
(printf 'partial' >"$fifo") || fail "cannot write to $fifo"
wait_line "$dout" "(anonymous): partial"
(printf 'whole\n' >"$fifo") || fail "cannot write to $fifo"
wait_line "$dout" "(anonymous): whole"
grep -q "partialwhole" "$dout" && fail "the partial line was glued to the next"

step "junk control lines"
(printf '\001\n\001JUNK\n\001JOIN\n\001JOIN ../etc/passwd\n\001JOIN nosuchsession\nafter junk\n' \
    >"$fifo") || fail "cannot write to $fifo"
wait_line "$dout" "(anonymous): after junk"
grep -q "JUNK\|JOIN\|passwd" "$dout" && fail "a control line was printed"
alive "$dpid" || fail "pipechatd died"
[ ! -e "$tmp/passwd" ] || fail "a JOIN made a file"

exec 7>&-
wait_exit "$listener" 10
[ "$status" -eq 0 ] ||
    fail "the listening session exited $status: $(cat "$tmp/listener.err")"
stop_daemon TERM
clean "daemon output" "$dout"
step "ok"
exit 0
