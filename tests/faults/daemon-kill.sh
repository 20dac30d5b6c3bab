#!/bin/bash
# SPDX-License-Identifier: ISC
# SIGKILL the daemon while raw writers and sessions are active:
#  * every client exits by itself, 69 with a message, not by a signal
#    (sessions after waiting -w 1 s in vain for the daemon to come back);
#  * the FIFO and the session files of clients that died too are left;
#  * with no daemon, a new client fails at once (69), it does not hang;
#  * a new daemon on the same config reuses the FIFO (same inode), empties
#    the session directory of the stale session FIFOs (other files are
#    named and left alone), and new clients work;
#  * (as root) a FIFO at the path owned by another user (nobody) is
#    refused, exit 78, and left as it is.
# shellcheck disable=SC2086 # word lists

# shellcheck source=../lib.sh
. "${0%/*}/../lib.sh"

setup
sessions=$tmp/sessions
write_config session.max_clients=64 session.max_per_user=64 \
    session.queue_max=65536 session.rate=0
mkfifo "$tmp/never" || fail "mkfifo"
exec 9<>"$tmp/never"

# gen WORD: "WORD 1", "WORD 2", ... one line every 20 ms until the reader
# goes away.
gen()
{
	local i=0

	trap '' PIPE
	while printf '%s %d\n' "$1" $((i += 1)) 2>/dev/null; do
		read -r -t 0.02 -u 9 _
	done
}

# feed_start TAG WORD ARG...: pipechat-client ARG... fed by gen WORD;
# output in $tmp/TAG.out and .err.  Sets cpid[TAG].
feed_start()
{
	local tag=$1 word=$2

	shift 2
	(
		close_held
		exec $sigdfl "$PIPECHAT_CLIENT" "$@"
	) < <(gen "$word") >"$tmp/$tag.out" 2>"$tmp/$tag.err" 7>&- 8>&- 9>&- &
	cpid[$tag]=$!
	track "${cpid[$tag]}"
}

joins()
{
	grep -c ' joined$' "$dout"
}

# The entries of the session directory, one per line.
entries()
{
	ls -A "$sessions"
}

start_daemon
ino=$(stat -c %i "$fifo") || fail "stat $fifo"
step "pipechatd $dpid reading $fifo (inode $ino)"

step "starting 2 raw writers, 2 sending sessions, 1 idle, 2 to be stopped"
feed_start raw1 raw1 -r -f "$conf"
feed_start raw2 raw2 -r -f "$conf"
feed_start talk1 talk1 -w 1 -f "$conf"
feed_start talk2 talk2 -w 1 -f "$conf"
client_start idle "$me" -w 1
client_start stop1 "$me"
client_start stop2 "$me"
poll 10 eval '[ $(joins) -ge 5 ]' ||
    fail "only $(joins) of 5 sessions joined"
for w in raw1 raw2 talk1 talk2; do
	poll 10 grep -q ": $w [0-9]*$" "$dout" ||
	    fail "nothing from $w was printed"
done
# Clients that cannot clean up when the daemon dies: their FIFOs stay.
kill -STOP "${cpid[stop1]}" "${cpid[stop2]}" || fail "cannot stop clients"
# Junk from some earlier crash: a FIFO and a regular file.
mkfifo "$sessions/0123456789abcdef.in" && : >"$sessions/junk" ||
    fail "cannot create junk in $sessions"
poll 5 eval '[ $(wc -l <"$dout") -ge 100 ]' ||
    fail "under 100 lines printed after 5 s"

step "SIGKILL pipechatd $dpid with $(wc -l <"$dout") lines printed," \
    "$(entries | wc -l) entries in the session directory"
kill -KILL "$dpid" || fail "cannot kill pipechatd"
wait_exit "$dpid" 10
[ "$status" = 137 ] || fail "pipechatd exited $status, not by SIGKILL"

for c in raw1 raw2 talk1 talk2 idle; do
	wait_exit "${cpid[$c]}" 15
	msg=$(grep -v '^==[0-9]*==' "$tmp/$c.err" | head -n 1)
	step "$c: exit $status: $msg"
	[ "$status" -lt 128 ] || fail "$c was killed by signal $((status - 128))"
	[ "$status" = 69 ] || fail "$c exited $status, not 69 (daemon gone)"
	[ -n "$msg" ] || fail "$c exited without saying why"
done
# What was printed of each is its first K lines, no more than it sent.
for c in raw1 raw2 talk1 talk2; do
	k=$(sed -n "s/^.*: $c \([0-9]*\)\$/\1/p" "$dout" |
	    awk '$1 != NR { print "gap"; exit } END { if (NR) print NR }')
	case $k in
	'' | *gap*) fail "the lines printed from $c are not 1..K" ;;
	esac
	n=$(sed -n 's/.*; \([0-9]*\) lines\{0,1\} sent.*/\1/p' "$tmp/$c.err" |
	    head -n 1)
	case $c in
	raw*)	[ -n "$n" ] || fail "$c did not say how many lines it sent" ;;
	esac
	[ -z "$n" ] || [ "$k" -le "$n" ] ||
	    fail "$c: $k lines printed but only $n reported sent"
	step "$c: lines 1..$k printed${n:+, $n reported sent}"
done
kill -KILL "${cpid[stop1]}" "${cpid[stop2]}"
wait "${cpid[stop1]}" "${cpid[stop2]}" 2>/dev/null

[ -p "$fifo" ] || fail "the FIFO is gone after SIGKILL"
stale=$(entries | tr '\n' ' ')
nstale=$(entries | grep -c '\.\(in\|out\)$')
step "left behind: $fifo, and in $sessions: $stale"
[ "$nstale" -ge 5 ] ||
    fail "expected the stopped clients' 4 FIFOs and a junk one, found: $stale"

step "with no daemon, clients fail at once"
echo nobody-reads | limit 10 $sigdfl \
    "$PIPECHAT_CLIENT" -r -f "$conf" 2>"$tmp/orphan-raw.err"
st=$?
step "raw writer: exit $st: $(head -n 1 "$tmp/orphan-raw.err")"
[ "$st" = 69 ] || fail "a raw writer with no daemon exited $st, not 69"
grep -q 'no daemon is reading' "$tmp/orphan-raw.err" ||
    fail "the raw writer did not say that no daemon reads the FIFO"
limit 10 $sigdfl "$PIPECHAT_CLIENT" \
    -f "$conf" </dev/null 2>"$tmp/orphan-session.err"
st=$?
step "session: exit $st: $(head -n 1 "$tmp/orphan-session.err")"
[ "$st" = 69 ] || fail "a session with no daemon exited $st, not 69"

step "a new pipechatd on the same config"
dout="$tmp/daemon2.out"
derr="$tmp/daemon2.err"
start_daemon
[ "$(stat -c %i "$fifo")" = "$ino" ] ||
    fail "the FIFO was replaced (inode $ino became $(stat -c %i "$fifo"))"
# Session FIFOs are removed; what is not one (junk) is named and kept.
left=$(entries | tr '\n' ' ')
[ "$left" = "junk " ] ||
    fail "expected only junk left in the session directory, found: $left"
step "FIFO reused (inode $ino), session FIFOs removed, junk kept;" \
    "daemon: $(grep -h 'stale\|left alone' "$derr" | tr '\n' ' ')"
grep -q 'removed [0-9]* stale entries' "$derr" ||
    fail "the daemon did not say it removed the stale entries"
grep -q 'left alone.*junk' "$derr" ||
    fail "the daemon did not name the junk it left alone"

client_start after1 "$me"
poll 10 eval '[ $(joins) -ge 1 ]' ||
    fail "a new session did not join"
echo "raw-after" | limit 10 $sigdfl \
    "$PIPECHAT_CLIENT" -r -f "$conf" || fail "a raw writer failed"
echo "session-after" | limit 10 $sigdfl \
    "$PIPECHAT_CLIENT" -f "$conf" || fail "a one-shot session failed"
wait_line "$dout" "(anonymous): raw-after"
wait_line "$dout" "$me: session-after"
wait_line "$tmp/after1.out" "(anonymous): raw-after"
wait_line "$tmp/after1.out" "$me: session-after"
client_close after1
wait_exit "${cpid[after1]}" 15
[ "$status" = 0 ] || fail "the new session left with status $status"
kill -TERM "$dpid"
wait_exit "$dpid" 20
[ "$status" = 0 ] || fail "pipechatd exited $status on SIGTERM"
step "new clients work; pipechatd stopped"

if [ "$(id -u)" != 0 ]; then
	step "not root: cannot make a FIFO owned by another user; that" \
	    "check is skipped"
	step "PASS"
	exit 0
fi
[ -p "$fifo" ] || mkfifo -m 0620 "$fifo" || fail "mkfifo $fifo"
chown nobody "$fifo" || fail "chown nobody $fifo"
ino=$(stat -c %i "$fifo")
limit 10 $sigdfl "$PIPECHATD" -f "$conf" \
    >"$tmp/daemon3.out" 2>"$tmp/daemon3.err" 9>&-
st=$?
step "FIFO owned by nobody: exit $st: $(head -n 1 "$tmp/daemon3.err")"
[ "$st" = 78 ] || fail "pipechatd exited $st on a FIFO owned by nobody," \
    "not 78"
grep -q 'owned by uid [0-9]*, not by us' "$tmp/daemon3.err" ||
    fail "pipechatd did not say whose the FIFO is"
[ -p "$fifo" ] && [ "$(stat -c %i:%U "$fifo")" = "$ino:nobody" ] ||
    fail "the refused FIFO was touched: $(stat -c '%i %U' "$fifo")"
step "PASS"
