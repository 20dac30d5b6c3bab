#!/bin/bash
# SPDX-License-Identifier: ISC
# File descriptor exhaustion.  Three daemons, each with max_clients (100)
# larger than its fd limit allows:
#
#  A. started under "prlimit --nofile=40:40": it cannot raise the limit, so
#     it must say so (naming the limit and how many clients fit) and lower
#     max_clients; sessions beyond that are refused as "room full".
#  B. its limit lowered while it runs (prlimit --pid) to leave room for 3
#     sessions and one fd more: the next session gets EMFILE, and the
#     reserve fd must let the daemon tell the client why.
#  C. the same with no fd to spare once 3 sessions are open: the daemon
#     must still read its FIFO (reopening it at end of file needs an fd),
#     name the sessions by login, and refuse with a reason.
#
# In each: new sessions are refused with a reason on the client's stderr
# (exit 69); the daemon stays alive and keeps serving the sessions it has
# and raw writers; after a session leaves, a new one succeeds; the
# daemon's stderr mentions the fd limit.  Every failed check is reported,
# then the script fails.
# shellcheck disable=SC2086 # word lists

# shellcheck source=../lib.sh
. "${0%/*}/../lib.sh"

setup
write_config session.max_clients=100 session.max_per_user=100 \
    session.queue_max=65536 session.rate=0

problems=0
# problem MESSAGE: a failed check; carry on, fail at the end.
problem()
{
	problems=$((problems + 1))
	printf '%s: PROBLEM: %s\n' "$name" "$*"
}

# The daemon's open fds (below 1000: valgrind keeps its own above).
daemon_fds()
{
	local f n=0

	for f in /proc/"$1"/fd/*; do
		f=${f##*/}
		[ "$f" != '*' ] && [ "$f" -lt 1000 ] && n=$((n + 1))
	done
	echo "$n"
}

# limit_leaving PID FREE: the fd limit L that leaves the daemon exactly
# FREE fds to open: a new fd takes the lowest free number, and must be
# below L, so what counts is how many numbers below L are free.
limit_leaving()
{
	local f l used=()

	for f in /proc/"$1"/fd/*; do
		f=${f##*/}
		[ "$f" -lt 1000 ] && used[f]=1
	done
	f=0
	for ((l = 0; f < $2; l++)); do
		[ -n "${used[l]:-}" ] || f=$((f + 1))
	done
	echo "$l"
}

joins()
{
	grep -c ' joined$' "$dout"
}

# try_session TAG: start a session client; return 0 once the daemon
# says it joined, 1 if the client exited first (status in $status), 2 if
# neither happened in time.
try_session()
{
	local tag=$1 before

	before=$(joins)
	client_start "$tag" "$me"
	poll 10 eval '[ $(joins) -gt $before ] ||
	    ! alive ${cpid[$tag]}' || return 2
	if [ "$(joins)" -gt "$before" ]; then
		return 0
	fi
	wait "${cpid[$tag]}"
	status=$?
	return 1
}

# phase NAME EXPECT: open sessions until one is refused, then check that
# the daemon survives and serves.  EXPECT is what the refusal's reason
# must contain.  Sessions are NAME1, NAME2, ...
phase()
{
	local p=$1 expect=$2 i n=0 refused='' reason st f

	for i in $(seq 1 20); do
		try_session "$p$i"
		st=$?
		if [ "$st" = 0 ]; then
			n=$i
			continue
		fi
		refused=$p$i
		break
	done
	step "$p: $n sessions open, daemon fds $(daemon_fds "$dpid")"
	if [ -n "${want_sessions:-}" ] && [ "$n" != "$want_sessions" ]; then
		problem "$p: $n sessions could join, not $want_sessions"
	fi
	if [ -z "$refused" ]; then
		problem "$p: 20 sessions and none refused"
	elif [ "$st" = 2 ]; then
		problem "$p: session $refused neither joined nor was refused" \
		    "within $((10 * scale)) s"
	else
		reason=$(sed -n 's/.*pipechatd refused the session: //p' \
		    "$tmp/$refused.err")
		step "$p: session $((n + 1)) refused: exit $status," \
		    "\"$(head -n 1 "$tmp/$refused.err")\""
		[ "$status" = 69 ] ||
		    problem "$p: refused client exited $status, not 69"
		case $reason in
		*"$expect"*) ;;
		*)	problem "$p: refused without the reason \"$expect\":" \
			    "$(head -n 1 "$tmp/$refused.err")" ;;
		esac
	fi
	if ! alive "$dpid"; then
		wait "$dpid"
		st=$?
		problem "$p: pipechatd died after the refusal: exit status" \
		    "$st$([ "$st" -gt 128 ] &&
		    echo " (signal $(kill -l $((st - 128))))")"
		tail -n 5 "$derr" | sed "s/^/$name: $p: daemon stderr: /"
		return
	fi
	[ "$n" -ge 1 ] || { problem "$p: no session could join"; return; }

	# The open sessions are still served, and so are raw writers.
	client_say "${p}1" "from-${p}1"
	poll 10 grep -q ": from-${p}1\$" "$dout" ||
	    problem "$p: a line from session ${p}1 was not printed"
	if [ "$n" -ge 2 ]; then
		poll 10 grep -q ": from-${p}1\$" "$tmp/${p}2.out" ||
		    problem "$p: session ${p}2 did not get ${p}1's line"
	fi
	echo "raw-$p" | limit 10 $sigdfl \
	    "$PIPECHAT_CLIENT" -r -f "$conf" 2>"$tmp/raw-$p.err"
	st=$?
	[ "$st" = 0 ] || problem "$p: raw writer exited $st:" \
	    "$(cat "$tmp/raw-$p.err")"
	poll 10 has_line "$dout" "(anonymous): raw-$p" ||
	    problem "$p: a raw writer's line was not printed within" \
	    "$((10 * scale)) s (daemon stderr: $(tail -n 1 "$derr"))"
	poll 10 has_line "$tmp/${p}1.out" "(anonymous): raw-$p" ||
	    problem "$p: session ${p}1 did not get the raw line"

	# Still full: refused again, with the reason, not left waiting.
	if [ -n "$refused" ]; then
		try_session "${p}x"
		case $? in
		0)	problem "$p: a session joined while the daemon was full" ;;
		1)	grep -q "refused the session: .*$expect" \
			    "$tmp/${p}x.err" ||
			    problem "$p: second refusal without the reason:" \
			    "$(head -n 1 "$tmp/${p}x.err")" ;;
		2)	problem "$p: a second session was neither refused nor" \
			    "joined" ;;
		esac
	fi

	# One leaves; then a new session joins and is heard.
	alive "${cpid[${p}1]}" || problem "$p: session ${p}1 ended before" \
	    "its input did"
	client_close "${p}1"
	wait_exit "${cpid[${p}1]}" 15
	[ "$status" = 0 ] || problem "$p: session ${p}1 left with status" \
	    "$status: $(head -n 1 "$tmp/${p}1.err")"
	try_session "${p}new"
	case $? in
	0)	client_say "${p}new" "from-${p}new"
		poll 10 grep -q ": from-${p}new\$" "$dout" ||
		    problem "$p: the new session's line was not printed" ;;
	1)	problem "$p: after a session left, a new one was refused:" \
		    "$(head -n 1 "$tmp/${p}new.err")" ;;
	2)	problem "$p: after a session left, a new one got no answer" ;;
	esac

	# Every session and line is shown under our login name, even at the
	# limit.
	f=$(grep -v "^--> $me \|^<-- $me \|^$me: \|^(anonymous): " "$dout" | head -n 1)
	[ -z "$f" ] || problem "$p: a session of $me was shown as \"$f\""
	grep -qi 'file descriptor\|too many open files' "$derr" ||
	    problem "$p: the daemon's stderr does not mention the fd limit"
	step "$p: daemon stderr: $(sort "$derr" | uniq -c | sort -rn |
	    head -n 4 | tr -s ' ' | tr '\n' ';')"

	# Done: the rest leave, the daemon stops cleanly.
	for f in "${!cfd[@]}"; do
		case $f in
		"$p"*) client_close "$f" ;;
		esac
	done
	kill -TERM "$dpid"
	wait_exit "$dpid" 20
	[ "$status" = 0 ] || problem "$p: pipechatd exited $status on SIGTERM"
}

step "A: pipechatd started under prlimit --nofile=40:40, max_clients 100"
daemon_prefix="prlimit --nofile=40:40"
dout="$tmp/a.out"
derr="$tmp/a.err"
start_daemon
daemon_prefix=
warning=$(grep 'file descriptor limit' "$derr")
step "A: daemon says: $warning"
fit=$(sed -n 's/.*file descriptor limit [0-9]* allows \(-*[0-9]*\) client.*/\1/p' \
    "$derr")
if [ -z "$fit" ]; then
	problem "A: no \"file descriptor limit N allows M clients\" warning"
elif [ "$fit" -lt 0 ]; then
	problem "A: the daemon says its fd limit allows $fit clients"
fi
# As many sessions as it says fit (at least one) may join.
want_sessions=1
[ -n "$fit" ] && [ "$fit" -gt 1 ] && want_sessions=$fit
phase a "(max_clients)"
want_sessions=

step "B: pipechatd with room for 3 sessions and one fd more"
dout="$tmp/b.out"
derr="$tmp/b.err"
start_daemon
base=$(daemon_fds "$dpid")
limit=$(limit_leaving "$dpid" $((2 * 3 + 1)))
prlimit --pid "$dpid" --nofile="$limit:$limit" || fail "prlimit --pid failed"
# shellcheck disable=SC2012 # fd numbers: no odd names
step "B: $base fds open ($(ls /proc/"$dpid"/fd | sort -n | tr '\n' ' ')), limit" \
    "lowered to $limit"
want_sessions=3
phase b "file descriptors"

step "C: pipechatd with room for exactly 3 sessions"
dout="$tmp/c.out"
derr="$tmp/c.err"
start_daemon
base=$(daemon_fds "$dpid")
limit=$(limit_leaving "$dpid" $((2 * 3)))
prlimit --pid "$dpid" --nofile="$limit:$limit" || fail "prlimit --pid failed"
# shellcheck disable=SC2012 # fd numbers: no odd names
step "C: $base fds open ($(ls /proc/"$dpid"/fd | sort -n | tr '\n' ' ')), limit" \
    "lowered to $limit"
phase c "file descriptors"
want_sessions=

[ "$problems" = 0 ] || fail "$problems problems (see PROBLEM above)"
step "PASS"
