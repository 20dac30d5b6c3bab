# Helpers shared by the integration scripts: each script sources this file
# first, then calls setup.  Every wait is a poll loop with a deadline, so a
# broken daemon makes a test fail, never hang.

# Under "meson test --setup valgrind", $PIPECHAT_WRAPPER holds the valgrind
# command: the programs under test run through it (see setup).

set -u

# alive, poll, wait_exit
# shellcheck source=../wait.sh
. "${BASH_SOURCE[0]%/*}/../wait.sh"

# The script's name, for messages.
name=${0##*/}
name=${name%.sh}

tmp=		# scratch directory, removed at exit
scale=1		# how much longer than usual things may take
sigdfl=		# see setup
me=		# our login name
pids=		# background processes to kill at exit
dpid=		# the running daemon
dout=		# its stdout and stderr files
derr=

# Report a failure (with the daemon's diagnostics, if any) and exit 1.
fail()
{
	printf '%s: FAIL: %s\n' "$name" "$*" >&2
	if [ -n "$derr" ] && [ -s "$derr" ]; then
		printf '%s: daemon stderr (%s):\n' "$name" "$derr" >&2
		tail -n 20 "$derr" | sed 's/^/    /' >&2
	fi
	exit 1
}

# Skip the whole script: meson shows exit status 77 as SKIP.
skip()
{
	printf '%s: SKIP: %s\n' "$name" "$*"
	exit 77
}

# Say what is being checked, so a failure's log shows where it was.
step()
{
	printf '%s: %s\n' "$name" "$*"
}

# Remember a background process so that cleanup kills it.
track()
{
	pids="$pids $1"
}


# Kill what is still running and remove the scratch directory.
cleanup()
{
	local pid

	trap - EXIT
	for pid in $pids; do
		alive "$pid" && kill -CONT "$pid" 2>/dev/null &&
		    kill -KILL "$pid" 2>/dev/null
	done
	for pid in $pids; do
		wait "$pid" 2>/dev/null
	done
	[ -n "$tmp" ] && [ -z "${KEEP_TMP:-}" ] && rm -rf "$tmp"
}

# Make the scratch directory and check that the programs under test exist.
setup()
{
	[ -n "${PIPECHATD:-}" ] && [ -x "$PIPECHATD" ] ||
	    fail "PIPECHATD is not set to the pipechatd binary"
	[ -n "${PIPECHAT_CLIENT:-}" ] && [ -x "$PIPECHAT_CLIENT" ] ||
	    fail "PIPECHAT_CLIENT is not set to the pipechat-client binary"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/pipechat-$name.XXXXXX") ||
	    fail "mktemp -d failed"
	trap cleanup EXIT
	trap 'exit 1' HUP INT TERM
	# Nothing here reads the caller's stdin (CI may have none at all).
	exec </dev/null
	# The ini files written here must not be group-writable, or both
	# programs refuse them (see pipechat.ini(5), SECURITY).
	umask 022
	if [ -n "${PIPECHAT_WRAPPER:-}" ]; then
		wrap pipechatd "$PIPECHATD"
		PIPECHATD=$tmp/bin/pipechatd
		wrap pipechat-client "$PIPECHAT_CLIENT"
		PIPECHAT_CLIENT=$tmp/bin/pipechat-client
		scale=10
	fi
	# Run the daemon as from a shell, whatever runs the tests: not
	# socket-activated, not notifying, not logging to the journal.
	unset LISTEN_FDS LISTEN_PID LISTEN_FDNAMES NOTIFY_SOCKET JOURNAL_STREAM
	# The name the daemon shows for our sessions: our login name.
	# shellcheck disable=SC2034 # used by the scripts
	me=$(id -un) || fail "id -un failed"
	# Prefix for commands that must start with SIGPIPE at its default
	# action even if this script was started with it ignored (ignored
	# signals are inherited): a program that forgets to ignore it itself
	# must be seen to die of it.  A word list, expanded unquoted.
	sigdfl=
	if env --default-signal=PIPE true 2>/dev/null; then
		sigdfl="env --default-signal=PIPE"
	fi
}

# wrap NAME PROGRAM: $tmp/bin/NAME runs PROGRAM under $PIPECHAT_WRAPPER,
# in the same process (exec), so that its pid is the program's.
wrap()
{
	mkdir -p "$tmp/bin" &&
	    printf '#!/bin/sh\nexec %s %s "$@"\n' "$PIPECHAT_WRAPPER" "$2" \
	    >"$tmp/bin/$1" && chmod 0755 "$tmp/bin" "$tmp/bin/$1" ||
	    fail "cannot make $tmp/bin/$1"
}

# limit SECONDS COMMAND...: timeout(1), with SECONDS scaled like every wait.
limit()
{
	local s=$1

	shift
	timeout $((s * scale)) "$@"
}



# write_config FILE FIFO [MODE [GROUP]]: the ini the daemon and clients use.
write_config()
{
	{
		printf '; written by %s\n' "$name"
		printf '[fifo]\n'
		printf 'path = %s\n' "$2"
		printf 'mode = %s\n' "${3:-0620}"
		[ $# -ge 4 ] && printf 'group = %s\n' "$4"
	} >"$1"
	return 0
}

# ready FIFO: the daemon is reading FIFO.  The FIFO appears before the
# daemon has opened it and applied its mode, so its existence is not
# enough (a client would get ENXIO); "reading PATH" is logged once the
# FIFO is open and set up, just before the event loop starts.
ready()
{
	[ -p "$1" ] && grep -qF -e "reading $1" "$derr"
}

# start_daemon CONF FIFO [OUT [ERR]]: run pipechatd in the foreground in the
# background, and wait until it is reading FIFO.  Sets $dpid.
start_daemon()
{
	local conf=$1 fifo=$2

	dout=${3:-$tmp/daemon.out}
	derr=${4:-$tmp/daemon.err}
	# Empty them here, not in the child, which may not have done it yet
	# when we first look: an earlier daemon's "reading" would fool us.
	: >"$derr" || fail "cannot write $derr"
	if [ ! -p "$dout" ] && [ ! -c "$dout" ]; then
		: >"$dout" || fail "cannot write $dout"
	fi
	# shellcheck disable=SC2086 # $sigdfl is a word list
	$sigdfl "$PIPECHATD" -f "$conf" >"$dout" 2>"$derr" 7>&- 8>&- 9>&- &
	dpid=$!
	track "$dpid"
	poll 10 eval 'ready "$fifo" || ! alive $dpid' ||
	    fail "pipechatd did not start reading $fifo within 10 s"
	if ! alive "$dpid"; then
		wait "$dpid"
		fail "pipechatd exited with status $? at start-up"
	fi
}

# stop_daemon [SIGNAL]: signal the daemon (TERM by default), wait for it
# to exit and set $status.
stop_daemon()
{
	kill -"${1:-TERM}" "$dpid" || fail "cannot signal pipechatd $dpid"
	wait_exit "$dpid" 10
}

# crash_daemon: kill the daemon with SIGKILL and wait for it to be gone,
# without the shell's "Killed" job notice.
crash_daemon()
{
	kill -KILL "$dpid" || fail "cannot kill pipechatd $dpid"
	{
		poll 10 eval '! alive $dpid'
		status=$?
		wait "$dpid"
	} 2>/dev/null
	[ "$status" -eq 0 ] || fail "pipechatd still running 10 s after SIGKILL"
}

# has_line FILE LINE: FILE holds LINE as a whole line.
has_line()
{
	grep -qxF -e "$2" "$1" 2>/dev/null
}

# wait_line FILE LINE: wait until LINE shows up in FILE, or fail.
wait_line()
{
	poll 10 has_line "$1" "$2" ||
	    fail "\"$2\" did not appear in ${1##*/} within 10 s"
}

# The CPU time (user + system, in clock ticks) that pid has used.
cpu_ticks()
{
	local stat

	read -r stat <"/proc/$1/stat" || fail "cannot read /proc/$1/stat"
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- ${stat##*) }
	# Fields 14 and 15 of stat(5); the first left here is field 3.
	echo $((${12} + ${13}))
}
