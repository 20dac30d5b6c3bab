#!/bin/bash
# SPDX-License-Identifier: ISC
# Small pipes.  With fs.pipe-user-pages-soft lowered to 1, every pipe an
# unprivileged user creates gets the kernel's minimum buffer (1 page on old
# kernels, 2 since Linux 5.18) instead of 16 pages.  pipechatd runs as one
# temporary user and the clients as another, so that every pipe involved
# is small: the well-known FIFO and each session's .in (first opened by the
# daemon), each session's .out (first opened by the client).  Two raw
# writers and two session clients send 1000 lines each of 4000 to 4095
# bytes (one PIPE_BUF write each, text and newline, and for a raw writer
# the '\n' in front, so 4094 at most) at full speed, while
# two sessions listen.  Every line must reach the daemon's output and each
# listener whole, once, in its sender's order: none split, merged or lost.
# Root only (users, sysctl); fs.pipe-user-pages-soft is restored at exit.
# shellcheck disable=SC2086 # word lists

# shellcheck disable=SC2154 # make_user VAR SHORT sets VAR
# shellcheck source=../lib.sh
. "${0%/*}/../lib.sh"

nlines=1000
sysctl=/proc/sys/fs/pipe-user-pages-soft

need_users
for t in dd flock; do
	command -v "$t" >/dev/null || skip "needs $t"
done
[ -w "$sysctl" ] || skip "$sysctl is not writable here"

setup
# One run at a time on this machine, whatever build it is from: a run
# that started while another had lowered the limit would save the lowered
# value as the one to restore.
lockdir=/run/lock
[ -d "$lockdir" ] && [ -w "$lockdir" ] || lockdir=/tmp
exec 8>"$lockdir/pipechat-pipe-quota.lock" || fail "cannot open the lock"
flock -w $((120 * scale)) 8 ||
    fail "another pipe-quota run held $lockdir/pipechat-pipe-quota.lock" \
    "for $((120 * scale)) s"
old_soft=$(cat "$sysctl") || fail "cannot read $sysctl"
extra_cleanup='restore_quota'
restore_quota()
{
	echo "$old_soft" >"$sysctl" ||
	    printf '%s: cannot restore %s to %s\n' "$name" "$sysctl" \
	    "$old_soft" >&2
}

# Two users, each in a group of its own (no chat group).
make_user du qd
make_user cu qc
as_daemon=$(as_user "$du")
as_client=$(as_user "$cu")

# pipe_capacity PREFIX: how many bytes a new pipe made by PREFIX's user
# takes before a non-blocking write fails.
pipe_capacity()
{
	local d

	d=$(mktemp -d "$tmp/cap.XXXXXX") && chmod 0777 "$d" || fail "mktemp"
	$1 bash -c 'cd "$1" && mkfifo p && exec 3<>p &&
	    dd if=/dev/zero of=p bs=512 count=1000 oflag=nonblock 2>&1 |
	    sed -n "s/^\([0-9]*\)+0 records out$/\1/p"' _ "$d" |
	    awk '{ print $1 * 512 }'
}

echo 1 >"$sysctl" || fail "cannot set $sysctl"
cap_root=$(pipe_capacity "")
cap_daemon=$(pipe_capacity "$as_daemon")
cap_client=$(pipe_capacity "$as_client")
step "$sysctl 1 (was $old_soft): new pipes hold $cap_daemon bytes for" \
    "$du, $cap_client for $cu, $cap_root for root"
[ -n "$cap_daemon" ] && [ -n "$cap_client" ] ||
    fail "cannot measure pipe capacity"
[ "$cap_daemon" -lt 65536 ] && [ "$cap_client" -lt 65536 ] ||
    fail "lowering $sysctl did not shrink the users' pipes"

mkdir -m 0755 "$tmp/run" && chown "$du:" "$tmp/run" || fail "mkdir run"
fifo=$tmp/run/chat.fifo
# Others may write the FIFO (the client user is in no group of ours);
# queues big enough that no listener loses a line for being slow.
write_config fifo.mode=0622 session.max_clients=64 \
    session.max_per_user=64 session.queue_max=16777216 session.rate=0
chmod 0644 "$conf"

daemon_prefix=$as_daemon
start_daemon
daemon_prefix=
# It cannot enlarge the well-known FIFO's pipe either ([fifo] pipe_size).
w=$(grep -v 'reading ' "$derr" | head -n 1)
step "pipechatd runs as $du${w:+; it says: $w}"

# The lines of sender S: "qS-NNNNN-TEXT", 4000 to 4095 bytes in all
# (4094 for the raw writers, 1 and 2: their writes have a '\n' in front).
gen()
{
	awk -v s="$1" -v m="$nlines" 'BEGIN {
		a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		x = 7
		for (i = 0; i < 8192; i++) {
			x = (x * 16807) % 2147483647
			t = t substr(a, x % 62 + 1, 1)
		}
		for (n = 1; n <= m; n++) {
			# a raw writer puts a newline in front: 4094 at most
			len = 4000 + (s * 31 + n * 17) % (s <= 2 ? 95 : 96)
			h = sprintf("q%d-%05d-", s, n)
			print h substr(t, (s * 977 + n * 131) % 4000 + 1,
			    len - length(h))
		}
	}'
}

: >"$tmp/expected"
for s in 1 2 3 4; do
	gen "$s" >"$tmp/q$s.txt" || fail "generator failed"
	if [ "$s" -le 2 ]; then
		sed 's/^/(anonymous): /' "$tmp/q$s.txt"
	else
		sed "s/^/$cu: /" "$tmp/q$s.txt"
	fi >>"$tmp/expected"
done
sort "$tmp/expected" >"$tmp/expected.sorted"
step "$(wc -l <"$tmp/expected") lines of $(awk '{ print length($0) }' \
    "$tmp"/q?.txt | sort -n | sed -n '1p;$p' | tr '\n' ' ')bytes to send"

client_start listen1 "$cu"
client_start listen2 "$cu"
poll 10 eval '[ $(grep -c " joined\$" "$dout") -ge 2 ]' ||
    fail "the listeners did not join: $(cat "$tmp"/listen?.err)"

step "sending: 2 raw writers and 2 sessions, as $cu"
for s in 1 2 3 4; do
	opt=-q
	[ "$s" -le 2 ] && opt=-r
	(
		close_held
		exec $sigdfl $as_client "$PIPECHAT_CLIENT" \
		    $opt -f "$conf"
	) <"$tmp/q$s.txt" >"$tmp/send$s.out" 2>"$tmp/send$s.err" 8>&- &
	cpid[send$s]=$!
	track $!
done
for s in 1 2 3 4; do
	wait_exit "${cpid[send$s]}" 60
	[ "$status" = 0 ] || fail "sender $s exited $status:" \
	    "$(head -n 1 "$tmp/send$s.err")"
done
want=$((4 * nlines))
got()
{
	grep -vc '^\(-->\|<--\|-!-\|\*\) ' "$1"
}
for f in "$dout" "$tmp/listen1.out" "$tmp/listen2.out"; do
	poll 30 eval '[ $(got "$f") -ge $want ]' ||
	    step "${f##*/}: only $(got "$f") of $want lines after" \
	    "$((30 * scale)) s"
done
for c in listen1 listen2; do
	client_close "$c"
	wait_exit "${cpid[$c]}" 15
	[ "$status" = 0 ] || fail "$c exited $status:" \
	    "$(head -n 1 "$tmp/$c.err")"
done
kill -TERM "$dpid"
wait_exit "$dpid" 20
[ "$status" = 0 ] || fail "pipechatd exited $status on SIGTERM"

# compare FILE: FILE's messages are exactly the expected ones, each whole
# and once, and each sender's in order.
compare()
{
	local f=$1 what=${1##*/} bad

	grep -v '^\(-->\|<--\|-!-\|\*\) ' "$f" >"$f.msgs"
	bad=$(awk '{
		if (!match($0, /: q[0-9]-[0-9]+-/)) { print "stray"; exit }
		split(substr($0, RSTART + 2, RLENGTH - 3), k, "-")
		if (k[2] + 0 != last[k[1]] + 1) { print "order"; exit }
		last[k[1]] = k[2] + 0
	}' "$f.msgs")
	sort "$f.msgs" | cmp -s - "$tmp/expected.sorted" && [ -z "$bad" ] &&
	    return 0
	step "$what: $(wc -l <"$f.msgs") messages, $(sort "$f.msgs" |
	    comm -23 "$tmp/expected.sorted" - | wc -l) missing, $(sort \
	    "$f.msgs" | comm -13 "$tmp/expected.sorted" - | wc -l) not sent" \
	    "as such${bad:+, out of order or stray: $bad}"
	sort "$f.msgs" | comm -13 "$tmp/expected.sorted" - | head -n 3 |
	    awk '{ printf "    %d bytes: %.60s...\n", length($0), $0 }'
	fail "$what: messages lost, split, merged or reordered"
}
compare "$dout"
compare "$tmp/listen1.out"
compare "$tmp/listen2.out"
step "daemon output and both listeners: all $((4 * nlines)) lines whole," \
    "once, in order"
step "PASS"
