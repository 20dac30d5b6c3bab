#!/bin/bash
# SPDX-License-Identifier: ISC
# One writer's partial line must cost nobody else anything.  On the
# well-known FIFO a writer that (1) holds it open after one byte without a
# newline, (2) drips a byte every 5 ms, (3) writes 4,100 bytes without a
# newline every 20 ms, or (4) writes a lone \x01 every 2 ms, runs while
# 10 clients join and talk and 10 one-shot "-r" writers send a line each.
# Every join must succeed (within the client's own timeout), every line
# must reach the daemon's output and every client, and no "JOIN" (a
# control line glued to the partial one, with its session id) may reach
# any output.  docs/PROTOCOL.md: every write to the FIFO starts with '\n';
# 0x01 starts a control line; a partial line waits at most 250 ms.
# Runs as whoever runs it.  Arguments: the variants to run (default all).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

setup
me=$(id -un)
nclients=10
write_config session.max_per_user=64

# The nuisance writers: each runs until killed, holding the FIFO open.
held()
{
	printf h
	exec sleep 600
}
drip()
{
	while printf d; do
		sleep 0.005
	done
}
long()
{
	local l

	l=$(printf '%4100s' '' | tr ' ' L)
	while printf '%s' "$l"; do
		sleep 0.02
	done
}
ctl()
{
	while printf '\001'; do
		sleep 0.002
	done
}

# joined: how many joins the daemon has printed.
joined()
{
	grep -cE "^(-->|\*) $me joined\$" "$dout"
}

# received FILE: how many of this round's lines FILE has.
received()
{
	grep -cE "^($me|\(anonymous\)): (said|raw)-$v-[0-9]+\$" "$1"
}

[ $# -gt 0 ] || set -- held drip long ctl
for v in "$@"; do
	step "$v: the nuisance writer starts"
	start_daemon
	( exec 2>/dev/null; "$v" ) >"$fifo" &
	nuisance=$!
	track "$nuisance"
	sleep 0.3

	step "$v: $nclients clients join"
	for i in $(seq 1 $nclients); do
		client_start "$v$i" "$me"
	done
	# "* NAME joined" is the old builds' notice: the test runs on them too
	poll 20 eval '[ "$(joined)" -ge $nclients ]' ||
	    fail "$v: only $(joined) of" \
	    "$nclients joins went through: $(cat "$tmp/$v"*.err | sort -u)"
	for i in $(seq 1 $nclients); do
		alive "${cpid[$v$i]}" ||
		    fail "$v: client $i exited: $(cat "$tmp/$v$i.err")"
	done

	step "$v: each client says a line, $nclients raw writers one each"
	for i in $(seq 1 $nclients); do
		client_say "$v$i" "said-$v-$i"
	done
	rpids=
	for i in $(seq 1 $nclients); do
		"$PIPECHAT_CLIENT" -r -f "$conf" "raw-$v-$i" \
		    >"$tmp/raw$v$i.out" 2>"$tmp/raw$v$i.err" &
		rpids="$rpids $!"
		track "$!"
	done
	i=0
	for pid in $rpids; do
		i=$((i + 1))
		wait_exit "$pid" 10
		[ "$status" -eq 0 ] ||
		    fail "$v: raw writer $i exited $status: $(cat "$tmp/raw$v$i.err")"
	done

	step "$v: every line reaches the output and every client"
	want=$((2 * nclients))
	poll 10 eval '[ "$(received "$dout")" -ge $want ]' ||
	    fail "$v: the daemon printed $(received "$dout") of $want lines:" \
	    "$(grep -E -- "-$v-" "$dout" | head -n 5)"
	for i in $(seq 1 $nclients); do
		# everything but its own line
		poll 10 eval '[ "$(received "$tmp/$v$i.out")" -ge $((want - 1)) ]' ||
		    fail "$v: client $i got $(received "$tmp/$v$i.out") of" \
		    "$((want - 1)) lines"
	done

	step "$v: the clients leave"
	for i in $(seq 1 $nclients); do
		client_close "$v$i"
	done
	for i in $(seq 1 $nclients); do
		client_wait "$v$i" 10
		[ "$status" -eq 0 ] ||
		    fail "$v: client $i exited $status: $(cat "$tmp/$v$i.err")"
	done
	kill "$nuisance" 2>/dev/null
	wait "$nuisance" 2>/dev/null
	daemon_alive

	step "$v: no control line reached any output"
	for f in "$dout" "$tmp/$v"*.out; do
		grep -n 'JOIN' "$f" | head -n 3 | grep . &&
		    fail "$v: ${f##*/} shows a control line"
	done
	stop_daemon
	mv "$dout" "$tmp/daemon-$v.out"
	mv "$derr" "$tmp/daemon-$v.err"
done
step "ok"
exit 0
