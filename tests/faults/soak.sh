#!/bin/bash
# SPDX-License-Identifier: ISC
# Soak: 32 clients (16 raw writers, 15 paced sessions, 1 flooding session)
# send numbered lines "cID-rR-NNNNNN-PAYLOAD" for SOAK_SECONDS while a chaos
# loop SIGKILLs clients, SIGSTOPs them, points session clients' output at
# pipes nobody reads for a while, floods a session and restarts the daemon.
# Every client that ends is started again as a new incarnation.  Then every
# line is accounted for, from the daemons' standard output and what each
# client said and exited with (soak-account.awk): intact, never twice, each
# incarnation's lines a prefix 1..K, K all of them for a client that exited
# 0, K = N for one that reported "N lines sent".  The daemon's VmRSS,
# sampled every 0.5 s, must stay under a bound derived from the config.
#
# SOAK_SECONDS (default 120) and SOAK_SEED (default: the pid) may be set.
# Figures printed: what the chaos did, the daemon's idle and peak VmRSS
# against the bound, each flood's fate, and a table of lines generated,
# printed, reported sent, not delivered (and why), unaccounted (0).
# shellcheck disable=SC2086 # $sigdfl is a word list

# shellcheck source=../lib.sh
. "${0%/*}/../lib.sh"

here=${0%/*}
SOAK_SECONDS=${SOAK_SECONDS:-120}
SOAK_SEED=${SOAK_SEED:-$$}
RANDOM=$SOAK_SEED

nslots=32
nraw=16			# slots 1..16 write raw lines (-r)
flood_slot=32		# a session that sends as fast as it can, on request
max_clients=64
queue_max=65536
flood_lines=100000
floods=4

setup
write_config session.max_clients="$max_clients" \
    session.max_per_user="$max_clients" session.queue_max="$queue_max" \
    session.rate=0
mkdir "$tmp/inc" "$tmp/gen" || fail "mkdir"
mkfifo "$tmp/never" || fail "mkfifo"
# fd 9: a FIFO nobody writes, so that "read -t S -u 9" sleeps S seconds
# without a fork.  Closed for every pipechatd and pipechat-client.
exec 9<>"$tmp/never"

nap()
{
	read -r -t "$1" -u 9 _
	return 0
}

# pace INPUT COUNTFILE: copy INPUT's lines to stdout in bursts of 1 to 24
# with 0.1 to 0.4 s between them, until INPUT ends or the soak stops.
# COUNTFILE holds how many lines have been written (or tried: the count is
# updated before the write, which fails if the client has gone).
pace()
{
	local n=0 chunk

	trap '' PIPE
	exec <"$1" 2>/dev/null
	while [ ! -e "$tmp/stop" ]; do
		mapfile -n $((RANDOM % 24 + 1)) chunk
		[ "${#chunk[@]}" -gt 0 ] || break
		n=$((n + ${#chunk[@]}))
		echo "$n" >"$2"
		printf '%s' "${chunk[@]}" || break
		nap "0.$((RANDOM % 4 + 1))"
	done
}

# Read nothing for $1 seconds, then everything: a stalled reader.
stall()
{
	nap "$1"
	exec cat >/dev/null
}

# supervise SLOT KIND: run client incarnations in slot SLOT until the soak
# stops, and obey the chaos loop's commands on the FIFO cmd.SLOT: "kill"
# (SIGKILL the client), "stop S" (SIGSTOP it for S seconds), and for the
# flood slot "flood" (start an incarnation that sends $flood_lines lines
# as fast as it can).  Each incarnation leaves SLOT.INC.rec ("SLOT INC KIND
# STATUS KILLED"), .gen (lines generated) and .err in $tmp/inc.
supervise()
{
	local slot=$1 kind=$2 inc=0 cmd cpid st killed count tag secs t0
	local stalls=0 stops=0 kills=0

	exec 8<>"$tmp/cmd.$slot"
	RANDOM=$((SOAK_SEED + slot * 7919))
	while [ ! -e "$tmp/stop" ]; do
		if [ "$kind" = flood ]; then
			read -r -t 0.5 -u 8 cmd || continue
			[ "$cmd" = flood ] || continue
		fi
		inc=$((inc + 1))
		tag=$tmp/inc/$slot.$inc
		if [ "$kind" = flood ]; then
			count=$flood_lines
			echo "$count" >"$tag.gen"
		else
			count=$((RANDOM % 2900 + 100))
		fi
		awk -v id="$slot" -v r="$inc" -v count="$count" \
		    -f "$here/soak-lines.awk" -f "$here/soak-gen.awk" \
		    >"$tmp/gen/$slot.$inc" || {
			echo "slot $slot: the generator failed" >"$tmp/failed"
			exit 1
		}
		case $kind in
		raw)
			$sigdfl "$PIPECHAT_CLIENT" -r \
			    -f "$conf" < <(pace "$tmp/gen/$slot.$inc" \
			    "$tag.gen") >/dev/null 2>"$tag.err" 8>&- 9>&- &
			cpid=$!
			;;
		sess)
			# One incarnation in five does not read its output
			# for 2 to 6 seconds.
			if [ $((RANDOM % 5)) = 0 ]; then
				secs=$((RANDOM % 5 + 2))
				stalls=$((stalls + 1))
				$sigdfl "$PIPECHAT_CLIENT" \
				    -f "$conf" < <(pace "$tmp/gen/$slot.$inc" \
				    "$tag.gen") > >(stall "$secs") \
				    2>"$tag.err" 8>&- 9>&- &
				cpid=$!
			else
				$sigdfl "$PIPECHAT_CLIENT" \
				    -f "$conf" < <(pace "$tmp/gen/$slot.$inc" \
				    "$tag.gen") >/dev/null 2>"$tag.err" \
				    8>&- 9>&- &
				cpid=$!
			fi
			;;
		flood)
			$sigdfl "$PIPECHAT_CLIENT" -q \
			    -f "$conf" <"$tmp/gen/$slot.$inc" >/dev/null \
			    2>"$tag.err" 8>&- 9>&- &
			cpid=$!
			;;
		esac
		killed=0
		t0=$SECONDS
		while alive "$cpid"; do
			read -r -t 0.2 -u 8 cmd || continue
			case $cmd in
			kill)
				kill -KILL "$cpid" 2>/dev/null && killed=1 &&
				    kills=$((kills + 1))
				;;
			stop\ *)
				kill -STOP "$cpid" 2>/dev/null || continue
				stops=$((stops + 1))
				nap "${cmd#stop }"
				kill -CONT "$cpid" 2>/dev/null
				;;
			esac
		done
		wait "$cpid" 2>/dev/null	# no "Killed" notice
		st=$?
		echo "$slot $inc $kind $st $killed" >"$tag.rec"
		[ "$kind" != flood ] || step "flood $inc ended: status $st"
		rm -f "$tmp/gen/$slot.$inc"
		# Refused at once (no daemon, mid-restart): wait longer.
		if [ $((SECONDS - t0)) -lt 1 ] && [ "$st" != 0 ] &&
		    [ "$killed" = 0 ]; then
			nap 1
		else
			nap 0.$((RANDOM % 3 + 1))
		fi
	done
	echo "$kills $stops $stalls" >"$tmp/inc/$slot.chaos"
}

# The daemon's pid, for the sampler, replaced atomically at each restart.
publish_dpid()
{
	echo "$dpid" >"$tmp/dpid.new" && mv "$tmp/dpid.new" "$tmp/dpid"
}

# Append "SECONDS PID VmRSS-in-kB" to $tmp/rss every 0.5 s.
sample_rss()
{
	local pid k v

	while [ ! -e "$tmp/stop-sampler" ]; do
		pid=
		read -r pid <"$tmp/dpid" 2>/dev/null
		if [ -n "$pid" ]; then
			while read -r k v _; do
				if [ "$k" = VmRSS: ]; then
					echo "$SECONDS $pid $v" >>"$tmp/rss"
					break
				fi
			done 2>/dev/null <"/proc/$pid/status"
		fi
		nap 0.5
	done
}

# Stop the daemon with SIGTERM; it must exit 0 within the deadline.
stop_daemon_checked()
{
	kill -TERM "$dpid" 2>/dev/null || daemon_alive
	wait_exit "$dpid" 20
	[ "$status" = 0 ] ||
	    fail "pipechatd $dpid exited with status $status after SIGTERM"
}

step "seed $SOAK_SEED, $SOAK_SECONDS s, $nslots clients ($nraw raw," \
    "$((nslots - nraw - 1)) sessions, 1 flooding session)," \
    "max_clients $max_clients, queue_max $queue_max"

ndaemon=1
dout="$tmp/d1.out"
derr="$tmp/d1.err"
start_daemon
publish_dpid
# The idle daemon's RSS, before any client: the base of the bound.
base_rss=
while read -r k v _; do
	[ "$k" = VmRSS: ] && base_rss=$v
done <"/proc/$dpid/status"
[ -n "$base_rss" ] || fail "no VmRSS for pipechatd $dpid"

sample_rss 8>&- &
sampler=$!
for slot in $(seq 1 "$nslots"); do
	mkfifo "$tmp/cmd.$slot" || fail "mkfifo"
	if [ "$slot" -le "$nraw" ]; then
		kind=raw
	elif [ "$slot" = "$flood_slot" ]; then
		kind=flood
	else
		kind=sess
	fi
	supervise "$slot" "$kind" &
	sup[slot]=$!
done

# send SLOT COMMAND: a command for a supervisor (which holds its FIFO open
# for reading as long as it runs, so that this never blocks).
send()
{
	[ ! -e "$tmp/failed" ] || fail "$(cat "$tmp/failed")"
	alive "${sup[$1]}" || fail "the supervisor of client slot $1 died"
	echo "$2" >"$tmp/cmd.$1"
}

# restart_daemon WHY: SIGTERM the daemon, wait for it to exit 0, start a
# new one on the same config.
restart_daemon()
{
	nrestart=$((nrestart + 1))
	step "restart $nrestart ($1): SIGTERM pipechatd $dpid"
	stop_daemon_checked
	nap 0.$((RANDOM % 9 + 1))
	ndaemon=$((ndaemon + 1))
	dout="$tmp/d$ndaemon.out"
	derr="$tmp/d$ndaemon.err"
	start_daemon
	publish_dpid
	step "restart $nrestart: pipechatd $dpid is reading"
}

# flooding N: wait until flood N's lines reach the daemon's output.
flooding()
{
	local deadline=$((SECONDS + 5 * scale))

	until tail -c 65536 "$tmp/d$ndaemon.out" |
	    grep -q "^$me: c$flood_slot-r$1-"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		nap 0.1
	done
	return 0
}

# The chaos loop: floods at 1/8, 3/8, 5/8 and 7/8 of the run; restarts at
# 1/4 and just after the second and the fourth flood begin, so that a
# shutdown has to drain a session that is sending as fast as it can; kills
# and stops at random all along.
start=$SECONDS
end=$((start + SOAK_SECONDS))
next_flood=1
nrestart=0
restart_at=($((SOAK_SECONDS / 4)))
next_restart=0
nkill=0
nstop=0
while [ "$SECONDS" -lt "$end" ]; do
	t=$((SECONDS - start))
	if [ "$next_flood" -le "$floods" ] && [ "$t" -ge \
	    $((SOAK_SECONDS * (2 * next_flood - 1) / (2 * floods))) ]; then
		step "flood $next_flood: $flood_lines lines on one session"
		send "$flood_slot" flood
		if [ $((next_flood % 2)) = 0 ]; then
			# Once its lines are coming (the flood slot's
			# incarnation N is flood N).
			flooding "$next_flood" || step "flood $next_flood has" \
			    "not started after $((5 * scale)) s"
			nap 0.3
			restart_daemon "during flood $next_flood"
		fi
		next_flood=$((next_flood + 1))
	fi
	if [ "$next_restart" -lt "${#restart_at[@]}" ] &&
	    [ "$t" -ge "${restart_at[next_restart]}" ]; then
		next_restart=$((next_restart + 1))
		restart_daemon "at $t s"
	fi
	case $((RANDOM % 10)) in
	0 | 1 | 2)
		send $((RANDOM % nslots + 1)) kill
		nkill=$((nkill + 1))
		;;
	3 | 4)
		send $((RANDOM % (nslots - nraw) + nraw + 1)) \
		    "stop $((RANDOM % 4 + 1))"
		nstop=$((nstop + 1))
		;;
	5)
		send $((RANDOM % nraw + 1)) "stop $((RANDOM % 3 + 1))"
		nstop=$((nstop + 1))
		;;
	esac
	daemon_alive
	nap 0.5
done

step "stopping the clients (they finish their input and exit)"
touch "$tmp/stop"
deadline=$((SECONDS + 40 * scale))
for slot in $(seq 1 "$nslots"); do
	until [ -e "$tmp/inc/$slot.chaos" ]; do
		[ "$SECONDS" -lt "$deadline" ] ||
		    fail "client slot $slot still running $((40 * scale)) s" \
		    "after the stop"
		nap 0.2
	done
done
wait_s=$((SECONDS - end))
daemon_alive
touch "$tmp/stop-sampler"
stop_daemon_checked
wait "$sampler" "${sup[@]}"
step "all clients gone $wait_s s after the stop; daemon stopped"
# What the daemons said, digits folded: restarts, slow sessions, warnings.
sed 's/[0-9][0-9]*/N/g; s|/[^ ]*/|/.../|g' "$tmp"/d*.err | sort | uniq -c |
    sort -rn | sed "s/^ */$name: daemon stderr: /"

# What the chaos did.
read -r kills stops stalls < <(cat "$tmp"/inc/*.chaos |
    awk '{ k += $1; s += $2; t += $3 } END { print k, s, t }')
step "chaos: $nrestart restarts, $floods floods, $nkill kills asked" \
    "($kills landed), $nstop stops asked ($stops landed), $stalls" \
    "incarnations with an unread stdout"

# Memory.  What the daemon allocates per session is bounded: queued output
# at most queue_max plus the line being written (16 KiB), and an ingest
# buffer holding one 64 KiB read beside an unfinished line's chain (64 KiB
# more), libevent chains included: queue_max + 144 KiB in all.  The
# kernel's pipe buffers are not in its RSS.  The listener has one ingest
# buffer (128 KiB) and output is written in batches of 64 KiB.  At most
# min(max_clients, session slots) sessions exist at once (a slot runs one
# client at a time, and a killed client's session ends as soon as its
# FIFOs close), so the daemon may grow by
#	sessions x (queue_max + 144 KiB) + 256 KiB
# over its idle size; 4 MiB more for malloc's free lists and libevent's
# tables.  A queue that kept growing for a reader stalled during a flood
# (100000 lines, 22 MiB) would cross it.
sessions=$((nslots - nraw))
[ "$sessions" -le "$max_clients" ] || sessions=$max_clients
bound=$((base_rss + (sessions * (queue_max + 147456) + 262144) / 1024 + 4096))
read -r peak peak_pid nsamples < <(awk '$3 > m { m = $3; p = $2 }
    END { print m + 0, p + 0, NR }' "$tmp/rss")
step "VmRSS: idle $base_rss kB, peak $peak kB (pid $peak_pid), bound" \
    "$bound kB, $nsamples samples"
rss_ok=1
if [ -n "$PIPECHAT_WRAPPER" ]; then
	step "VmRSS bound not applied under $PIPECHAT_WRAPPER"
elif [ "$peak" -gt "$bound" ]; then
	rss_ok=0
fi

# Account for every line.
cat "$tmp"/inc/*.rec >"$tmp/records" || fail "no incarnation records"
outs=
for k in $(seq 1 "$ndaemon"); do
	outs="$outs $tmp/d$k.out"
done
step "daemon output: $(cat $outs | wc -l) lines, $(cat $outs | wc -c) bytes" \
    "from $ndaemon daemons"
slowstop=0
[ -n "$PIPECHAT_WRAPPER" ] && slowstop=1
awk -v me="$me" -v dir="$tmp/inc" -v slowstop="$slowstop" \
    -f "$here/soak-lines.awk" -f "$here/soak-account.awk" \
    "$tmp/records" $outs
acct=$?
[ "$rss_ok" = 1 ] || fail "pipechatd's VmRSS peaked at $peak kB, over" \
    "the bound of $bound kB"
[ "$acct" = 0 ] || fail "lines are not all accounted for (see PROBLEM above)"
step "PASS in $SECONDS s"
