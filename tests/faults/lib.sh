# Helpers for the fault tests: tests/integration/lib.sh (fail, skip, step,
# track, alive, poll, wait_exit, write_config, ready, has_line, wait_line,
# cleanup, setup), plus what these scripts need on top of it:
#
# * every pipechatd and pipechat-client runs as $PIPECHAT_WRAPPER "$PROG"
#   (valgrind under "meson test --setup valgrind", empty otherwise), and
#   time limits stretch by $slow when it is set;
# * fault_cleanup kills every process this script started, however deep
#   (clients behind supervisor subshells), not only the tracked ones.
#
# Bash: the scripts use arrays, read -t and mapfile.

# shellcheck source=../integration/lib.sh
. "${BASH_SOURCE[0]%/*}/../integration/lib.sh"

PIPECHAT_WRAPPER=${PIPECHAT_WRAPPER:-}

# Deadlines are multiplied by this: memcheck is 10 to 50 times slower.
slow=1
[ -n "$PIPECHAT_WRAPPER" ] && slow=10

extra_cleanup=		# commands fault_cleanup runs (eval'd) once all is killed

# The pids of every process below $1, read from /proc.
descendants()
{
	local -A kids=()
	local f line pid rest queue out=

	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		pid=${line%% *}
		rest=${line##*) }
		rest=${rest#* }			# drop the state
		kids[${rest%% *}]+=" $pid"
	done
	queue=${kids[$1]:-}
	while [ -n "${queue// /}" ]; do
		set -- $queue
		queue=
		for pid; do
			out="$out $pid"
			queue="$queue ${kids[$pid]:-}"
		done
	done
	echo "$out"
}

# Kill (SIGCONT first, for stopped ones, then SIGKILL) every process below
# this shell, twice: a supervisor may start one more client in between.
kill_descendants()
{
	local pid _

	for _ in 1 2; do
		for pid in $(descendants $$); do
			kill -CONT "$pid" 2>/dev/null
			kill -KILL "$pid" 2>/dev/null
		done
	done
}

# The EXIT trap of the fault tests: undo what the script changed outside
# its scratch directory, after killing everything it started; then
# lib.sh's cleanup.
fault_cleanup()
{
	trap - EXIT
	trap '' PIPE		# a closed stdout/stderr must not stop us here
	kill_descendants
	[ -n "$extra_cleanup" ] && eval "$extra_cleanup"
	cleanup
}

# setup, with fault_cleanup as the EXIT trap.  lib.sh's setup may replace
# PIPECHATD and PIPECHAT_CLIENT by scripts that run them under the
# wrapper; these scripts put $PIPECHAT_WRAPPER in front themselves, so
# they keep the programs.
fault_setup()
{
	local d=${PIPECHATD:-} c=${PIPECHAT_CLIENT:-}

	setup
	PIPECHATD=$d
	PIPECHAT_CLIENT=$c
	trap fault_cleanup EXIT
	# Whoever reads our output going away must not skip the cleanup.
	trap 'exit 1' PIPE
	chmod 0755 "$tmp" || fail "chmod $tmp"
}

# write_fault_config FILE FIFO MAX_CLIENTS MAX_PER_USER QUEUE_MAX [MODE]:
# the ini, with a [session] section.  These tests flood on purpose: no
# rate limit (rate = 0).
write_fault_config()
{
	{
		printf '; written by %s\n' "$name"
		printf '[fifo]\npath = %s\nmode = %s\n' "$2" "${6:-0620}"
		printf '[session]\nmax_clients = %s\nmax_per_user = %s\n' \
		    "$3" "$4"
		printf 'queue_max = %s\nrate = 0\n' "$5"
	} >"$1" || fail "cannot write $1"
}

daemon_prefix=		# words put before the daemon's command (prlimit ...)
client_prefix=		# and before client_start's (setpriv ...)
held=			# fds this shell holds open as clients' stdin
declare -A spid=() sin=()	# by tag: a client's pid, the fd of its stdin

# Close, in a child about to exec, every fd held for a client's stdin:
# a client or daemon holding one would keep that client's input open.
close_held()
{
	local fd

	for fd in $held; do
		eval "exec $fd>&-"
	done
}

# start_daemon CONF FIFO [OUT [ERR]]: lib.sh's, under $daemon_prefix and
# $PIPECHAT_WRAPPER, with a deadline stretched by $slow.  Sets $dpid.
start_daemon()
{
	local conf=$1 fifo=$2

	dout=${3:-$tmp/daemon.out}
	derr=${4:-$tmp/daemon.err}
	: >"$derr" || fail "cannot write $derr"
	if [ ! -p "$dout" ] && [ ! -c "$dout" ]; then
		: >"$dout" || fail "cannot write $dout"
	fi
	# shellcheck disable=SC2086 # word lists
	(
		close_held
		exec $sigdfl $daemon_prefix $PIPECHAT_WRAPPER "$PIPECHATD" \
		    -f "$conf"
	) >"$dout" 2>"$derr" 7>&- 8>&- 9>&- &
	dpid=$!
	track "$dpid"
	poll $((10 * slow)) eval 'ready "$fifo" || ! alive $dpid' ||
	    fail "pipechatd did not start reading $fifo within $((10 * slow)) s"
	if ! alive "$dpid"; then
		wait "$dpid"
		fail "pipechatd exited with status $? at start-up"
	fi
}

# client_start TAG ARG...: start pipechat-client ARG... in the background
# with its stdin the FIFO $tmp/TAG.in, which this shell holds open (so
# the client waits for input until client_end), stdout $tmp/TAG.out and
# stderr $tmp/TAG.err.  Sets spid[TAG].
client_start()
{
	local tag=$1 fd

	shift
	mkfifo "$tmp/$tag.in" || fail "mkfifo $tmp/$tag.in"
	exec {fd}<>"$tmp/$tag.in"
	held="$held $fd"
	sin[$tag]=$fd
	# shellcheck disable=SC2086 # word lists
	(
		close_held
		exec $sigdfl $client_prefix $PIPECHAT_WRAPPER \
		    "$PIPECHAT_CLIENT" "$@"
	) <"$tmp/$tag.in" >"$tmp/$tag.out" 2>"$tmp/$tag.err" 7>&- 8>&- 9>&- &
	spid[$tag]=$!
	track "${spid[$tag]}"
}

# client_say TAG LINE: the client reads LINE on its stdin.
client_say()
{
	printf '%s\n' "$2" >&"${sin[$1]}" || fail "cannot write to $1's stdin"
}

# client_end TAG: end the client's input (it leaves once it has sent it).
client_end()
{
	local fd=${sin[$1]} f rest=

	eval "exec $fd>&-"
	for f in $held; do
		[ "$f" = "$fd" ] || rest="$rest $f"
	done
	held=$rest
}

# daemon_alive PID: fail unless the daemon PID is still running; else
# say what became of it (a signal shows as 128+N).
daemon_alive()
{
	local st

	alive "$1" && return 0
	wait "$1" 2>/dev/null
	st=$?
	if [ "$st" -gt 128 ]; then
		fail "pipechatd (pid $1) died of signal $((st - 128))" \
		    "($(kill -l $((st - 128)) 2>/dev/null))"
	fi
	fail "pipechatd (pid $1) exited with status $st"
}
