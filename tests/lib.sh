# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables set here are the scripts'
# The shell library of the test scripts (tests/integration, tests/chat,
# tests/faults, tests/systemd, tests/package).  A script sources it first,
# then calls setup (need_users before it if it makes test users), writes
# $conf with write_config and starts the daemon with start_daemon.  Every
# wait is a poll loop with a deadline or runs under timeout(1), so a broken
# daemon makes a test fail, never hang.  The container tests (systemd,
# package) call setup_tmp rather than setup: they run no program of the
# build tree themselves.  Bash: {fd} redirections and associative arrays.
#
# Under "meson test --setup valgrind", $PIPECHAT_WRAPPER holds the valgrind
# command: setup puts it in front of the programs under test, and every
# deadline (poll, wait_exit, limit) is multiplied by $scale.

set -u

# The script's name, for messages.
name=${0##*/}
name=${name%.sh}

PIPECHAT_WRAPPER=${PIPECHAT_WRAPPER:-}
scale=1		# how much longer than usual things may take (valgrind: 10)
[ -n "$PIPECHAT_WRAPPER" ] && scale=10

tmp=		# scratch directory (mode 0755), removed at exit
bin=		# copies of the programs, reachable by the test users
conf=		# the ini write_config writes and start_daemon reads
fifo=		# the well-known FIFO it names
sdir=		# the session directory, by default
me=		# our login name
sigdfl=		# see setup
pids=		# background processes to kill at exit
dpid=		# the running daemon
dout=		# its stdout and stderr: set them before start_daemon to keep
derr=		# an earlier daemon's
daemon_prefix=	# words before the daemon's command: prlimit, setpriv...
users=		# users this test made, deleted at exit
group=		# the chat group this test made, deleted at exit
extra_cleanup=	# a command cleanup runs (eval) first: restore, stop containers
fail_hook=	# a command fail runs (eval) to show more: a container's journal
status=		# set by wait_exit, stop_daemon, client_wait
declare -A cpid=() cfd=()	# client_start's clients and their stdin fds

# Report a failure (with the daemon's diagnostics) and exit 1.
fail()
{
	printf '%s: FAIL: %s\n' "$name" "$*" >&2
	[ -n "$fail_hook" ] && eval "$fail_hook" >&2
	if [ -n "$derr" ] && [ -s "$derr" ]; then
		printf '%s: daemon stderr (%s):\n' "$name" "$derr" >&2
		tail -n 20 "$derr" | sed 's/^/    /' >&2
	fi
	if [ -n "$dpid" ] && ! alive "$dpid"; then
		wait "$dpid" 2>/dev/null
		printf '%s: the daemon is not running (exit status %s)\n' \
		    "$name" "$?" >&2
	fi
	exit 1
}

# Skip the whole script: meson shows exit status 77 as SKIP.
skip()
{
	printf '%s: SKIP: %s\n' "$name" "$*"
	exit 77
}

# Say what is being checked, so that a failure's log shows where it was.
step()
{
	printf '%s: [%ss] %s\n' "$name" "$SECONDS" "$*"
}

# run_fake SCRIPT: start tests/integration/fake-daemon.py on $fifo with
# SCRIPT; its pid in fpid.
run_fake()
{
	local fake

	fake=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/integration/fake-daemon.py
	python3 "$fake" "$fifo" "$sdir" "$1" 2>"$tmp/fake.err" &
	fpid=$!
	track "$fpid"
	poll 10 eval '[ -n "$(find /proc/$fpid/fd -lname "$fifo" 2>/dev/null)" ]' ||
	    fail "the fake daemon did not open $fifo: $(cat "$tmp/fake.err")"
}

# Remember a background process so that cleanup kills it.
track()
{
	pids="$pids $1"
}

# alive PID: the process exists and is not a zombie.
alive()
{
	local stat

	[ -r "/proc/$1/stat" ] || return 1
	# The process may go between the test and the read: no error then.
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# poll SECONDS COMMAND...: true as soon as COMMAND succeeds, false if it
# does not within SECONDS (times $scale) of sleeping between tries: every
# 20 ms for the first second, then every 200 ms (a container's systemctl
# is no grep).
poll()
{
	local n=$(($1 * 50 * scale)) i=0

	shift
	while ! "$@"; do
		if [ "$i" -lt 50 ]; then
			i=$((i + 1))
			n=$((n - 1))
			[ "$n" -gt 0 ] || return 1
			sleep 0.02
		else
			n=$((n - 10))
			[ "$n" -gt 0 ] || return 1
			sleep 0.2
		fi
	done
	return 0
}

# limit SECONDS COMMAND...: timeout(1), with SECONDS scaled like every wait.
limit()
{
	local s=$1

	shift
	timeout $((s * scale)) "$@"
}

# need_nobody PROGRAM: set $nobody (its uid) and $as_nobody (a setpriv
# prefix that runs a command as nobody); skip if there is no such user, no
# setpriv, or nobody cannot run PROGRAM (its directories shut nobody out).
need_nobody()
{
	nobody=$(id -u nobody 2>/dev/null) || skip "needs the user nobody"
	command -v setpriv >/dev/null || skip "needs setpriv"
	as_nobody="setpriv --reuid=$nobody --regid=$(id -g nobody) --clear-groups"
	$as_nobody test -x "$1" ||
	    skip "nobody cannot run $1 (set TMPDIR elsewhere)"
}

# run EXPECTED WHAT COMMAND...: run COMMAND (stdin /dev/null, at most 10 s)
# and check its exit status; its stdout and stderr go to $out and $err,
# which the script sets.
run()
{
	local want=$1 what=$2

	shift 2
	# shellcheck disable=SC2154 # $out and $err are the script's
	limit 10 "$@" </dev/null >"$out" 2>"$err"
	status=$?
	[ "$status" -ne 124 ] || fail "$what: still running after 10 s"
	[ "$status" -eq "$want" ] ||
	    fail "$what: exit status $status, expected $want;" \
	    "stdout: $(cat "$out"); stderr: $(cat "$err")"
}

# wait_exit PID SECONDS: wait for PID to exit and set $status to its exit
# status; fail if it is still running after SECONDS.  PID must be a
# background simple command's: for a pipeline, "wait" waits for all of it.
wait_exit()
{
	poll "$2" eval '! alive '"$1" ||
	    fail "process $1 still running after $(($2 * scale)) s"
	wait "$1" 2>/dev/null
	status=$?
}

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
		# shellcheck disable=SC2086 # split into pids on purpose
		set -- $queue
		queue=
		for pid; do
			out="$out $pid"
			queue="$queue ${kids[$pid]:-}"
		done
	done
	echo "$out"
}

# Kill (SIGCONT first, for stopped ones, then SIGKILL) what this script
# started: the tracked processes and every process below this shell,
# twice, for a supervisor may start one more in between.
kill_all()
{
	local pid _

	for pid in $pids; do
		alive "$pid" && kill -CONT "$pid" 2>/dev/null &&
		    kill -KILL "$pid" 2>/dev/null
	done
	for _ in 1 2; do
		for pid in $(descendants $$); do
			kill -CONT "$pid" 2>/dev/null
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for pid in $pids; do
		wait "$pid" 2>/dev/null
	done
}

# The EXIT trap: undo what the script changed outside its scratch
# directory, kill what still runs, delete the users and group, remove the
# scratch directory (kept with KEEP_TMP=1).
cleanup()
{
	local u

	trap - EXIT
	trap '' PIPE		# a closed stdout/stderr must not stop us here
	[ -n "$extra_cleanup" ] && eval "$extra_cleanup"
	kill_all
	for u in $users; do
		shadow userdel "$u" >/dev/null 2>&1 ||
		    printf '%s: warning: cannot delete user %s\n' "$name" \
		    "$u" >&2
		# useradd -U made a group of the user's name
		if getent group "$u" >/dev/null; then
			shadow groupdel "$u" >/dev/null 2>&1
		fi
	done
	if [ -n "$group" ]; then
		shadow groupdel "$group" >/dev/null 2>&1 ||
		    printf '%s: warning: cannot delete group %s\n' "$name" \
		    "$group" >&2
	fi
	[ -n "$tmp" ] && [ -z "${KEEP_TMP:-}" ] && rm -rf "$tmp"
	return 0
}

# install_prog VAR PROGRAM: a copy of PROGRAM in $bin, run through
# $PIPECHAT_WRAPPER if that is set (exec: its pid is the program's); VAR
# is set to it.
install_prog()
{
	local dst=$bin/${2##*/}

	if [ -n "$PIPECHAT_WRAPPER" ]; then
		cp "$2" "$dst.real" &&
		    printf '#!/bin/sh\nexec %s %s "$@"\n' "$PIPECHAT_WRAPPER" \
		    "$dst.real" >"$dst" &&
		    chmod 0755 "$dst.real" "$dst"
	else
		cp "$2" "$dst" && chmod 0755 "$dst"
	fi || fail "cannot copy $2 to $bin"
	printf -v "$1" '%s' "$dst"
}

# setup_tmp: the scratch directory $tmp, traversable by the test users,
# removed at exit by cleanup, which the EXIT trap runs.
setup_tmp()
{
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/pipechat-$name.XXXXXX") ||
	    fail "mktemp -d failed"
	trap cleanup EXIT
	trap 'exit 1' HUP INT TERM
	# Whoever reads our output going away must not skip the cleanup.
	trap 'exit 1' PIPE
	chmod 0755 "$tmp" || fail "chmod $tmp failed"
	# Nothing here reads the caller's stdin (CI may have none at all).
	exec </dev/null
	# The ini files written here must not be group-writable, or both
	# programs refuse them (see pipechat.ini(5), SECURITY).
	umask 022
}

# setup [VAR...]: check that $PIPECHATD, $PIPECHAT_CLIENT and each VAR
# (PCLOAD...) name programs; setup_tmp, with copies of pipechatd and
# pipechat-client in $tmp/bin (the build tree may be where the test users
# cannot enter), and point $PIPECHATD and $PIPECHAT_CLIENT at them.
# $conf, $fifo, $sdir, $dout and $derr get their usual places in $tmp.
setup()
{
	local v

	for v in PIPECHATD PIPECHAT_CLIENT "$@"; do
		[ -n "${!v:-}" ] && [ -x "${!v}" ] ||
		    fail "$v is not set to the program"
	done
	setup_tmp
	bin=$tmp/bin
	mkdir -m 0755 "$bin" || fail "mkdir $bin failed"
	install_prog PIPECHATD "$PIPECHATD"
	install_prog PIPECHAT_CLIENT "$PIPECHAT_CLIENT"
	conf=$tmp/pipechat.ini
	fifo=$tmp/chat.fifo
	sdir=$tmp/sessions
	dout=$tmp/daemon.out
	derr=$tmp/daemon.err
	# Run the daemon as from a shell, whatever runs the tests: not
	# socket-activated, not notifying, not logging to the journal.
	unset LISTEN_FDS LISTEN_PID LISTEN_FDNAMES NOTIFY_SOCKET JOURNAL_STREAM
	# The name the daemon shows for our sessions: our login name.
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

# shadow CMD...: useradd, userdel, groupadd or groupdel, again while it
# finds the files locked by one of the tests running beside us (status
# 1 or 10: cannot lock or update /etc/passwd or /etc/group).
shadow()
{
	local i st

	for ((i = 0; i < 40; i++)); do
		"$@"
		st=$?
		[ "$st" -eq 1 ] || [ "$st" -eq 10 ] || return "$st"
		sleep 0.25
	done
	return "$st"
}

# Root and the tools to make users, or skip.  Call before setup.
need_users()
{
	local t

	[ "$(id -u)" -eq 0 ] || skip "needs root to create users"
	for t in useradd userdel groupadd groupdel setpriv timeout; do
		command -v "$t" >/dev/null || skip "needs $t"
	done
}

# make_group: a fresh group, the chat group: its members may write the FIFO.
make_group()
{
	group=pctg_$$
	shadow groupadd "$group" || { group=; fail "groupadd $group failed"; }
}

# make_user VAR SHORT [OPTION...]: a fresh user pct_SHORT_PID, its name
# stored in VAR, in the chat group if make_group made one, else in a group
# of its own; useradd's -g and -G OPTIONs choose other groups instead.
make_user()
{
	local var=$1 u=pct_$2_$$ g=-U

	shift 2
	[ -n "$group" ] && g="-N -g $group"
	[ $# -gt 0 ] && g=-N
	# shellcheck disable=SC2086 # $g is a word list
	shadow useradd -M $g "$@" -d /nonexistent -s /bin/sh "$u" ||
	    fail "useradd $u failed"
	users="$users $u"
	printf -v "$var" '%s' "$u"
	run_as "$u" test -x "$PIPECHAT_CLIENT" ||
	    skip "user $u cannot run $PIPECHAT_CLIENT (set TMPDIR elsewhere)"
}

# as_user USER: the words that run a command as USER with USER's groups
# (setpriv); none for the user we are.  A word list, expanded unquoted.
as_user()
{
	[ "$1" = "$(id -un)" ] ||
	    echo "setpriv --reuid=$1 --regid=$(id -g "$1") --init-groups"
}

# run_as USER COMMAND...: run COMMAND as USER with USER's groups.
run_as()
{
	local u=$1

	shift
	# shellcheck disable=SC2046 # a word list
	$(as_user "$u") "$@"
}

# write_config [SECTION.KEY=VALUE...]: the ini at $conf, readable by all:
# [fifo] path = $fifo (unless fifo.path is given) and the settings given,
# each section's in the order given, [fifo] first; [log] timestamps = no
# unless log.timestamps is given, [chat] history_file empty (none) unless
# chat.history_file is given.
write_config()
{
	local kv sec secs=fifo

	# The daemon's output is compared line by line: no time in front of
	# its lines unless a test asks (pipechat.ini(5), [log] timestamps).
	case " $* " in
	*" log.timestamps="*) ;;
	*) set -- "$@" log.timestamps=no ;;
	esac
	# Nor a history kept across restarts, which a stop logs.
	case " $* " in
	*" chat.history_file="*) ;;
	*) set -- "$@" chat.history_file= ;;
	esac
	for kv in "$@"; do
		sec=${kv%%.*}
		case " $secs " in
		*" $sec "*) ;;
		*) secs="$secs $sec" ;;
		esac
	done
	{
		printf '; written by %s\n' "$name"
		for sec in $secs; do
			printf '[%s]\n' "$sec"
			if [ "$sec" = fifo ]; then
				case " $* " in
				*" fifo.path="*) ;;
				*) printf 'path = %s\n' "$fifo" ;;
				esac
			fi
			for kv in "$@"; do
				case $kv in
				"$sec".*)
					kv=${kv#"$sec".}
					printf '%s = %s\n' "${kv%%=*}" \
					    "${kv#*=}"
					;;
				esac
			done
		done
	} >"$conf" && chmod 0644 "$conf" || fail "cannot write $conf"
}

# Close, in a child about to exec, every fd held for a client's stdin: a
# client or daemon holding one would keep that client's input open.
close_held()
{
	local fd

	for fd in "${cfd[@]}"; do
		[ -n "$fd" ] && exec {fd}>&-
	done
	return 0
}

# The daemon is reading the FIFO: it logs "reading PATH" once the FIFO is
# open and set up, just before the event loop starts.  The FIFO appears
# before that, so its existence is not enough (a client would get ENXIO).
ready()
{
	[ -p "$fifo" ] && grep -qF -e "reading $fifo" "$derr"
}

# start_daemon [OPTION...]: run $daemon_prefix pipechatd OPTION... -f $conf
# in the foreground, in the background, its output in $dout and $derr, and
# wait until it reads $fifo.  Sets $dpid, the daemon itself.
start_daemon()
{
	# Empty them here, not in the child, which may not have done it yet
	# when we first look: an earlier daemon's "reading" would fool us.
	: >"$derr" || fail "cannot write $derr"
	if [ ! -p "$dout" ] && [ ! -c "$dout" ]; then
		: >"$dout" || fail "cannot write $dout"
	fi
	# shellcheck disable=SC2086 # word lists
	(
		close_held
		exec $sigdfl $daemon_prefix "$PIPECHATD" "$@" -f "$conf"
	) >"$dout" 2>"$derr" 7>&- 8>&- 9>&- &
	dpid=$!
	track "$dpid"
	poll 10 eval 'ready || ! alive $dpid' ||
	    fail "pipechatd did not start reading $fifo within" \
	    "$((10 * scale)) s"
	if ! alive "$dpid"; then
		wait "$dpid"
		fail "pipechatd exited with status $? at start-up"
	fi
}

# daemon_alive: fail unless the daemon is still running; else say what
# became of it (a signal shows as 128+N).
daemon_alive()
{
	local st

	alive "$dpid" && return 0
	wait "$dpid" 2>/dev/null
	st=$?
	if [ "$st" -gt 128 ]; then
		fail "pipechatd (pid $dpid) died of signal $((st - 128))" \
		    "($(kill -l $((st - 128)) 2>/dev/null))"
	fi
	fail "pipechatd (pid $dpid) exited with status $st"
}

# stop_daemon [SIGNAL]: signal the running daemon (TERM by default), wait
# for it to exit, set $status and expect 0.
stop_daemon()
{
	daemon_alive
	kill -"${1:-TERM}" "$dpid" || fail "cannot signal pipechatd $dpid"
	wait_exit "$dpid" 20
	[ "$status" -eq 0 ] ||
	    fail "pipechatd exited $status after SIG${1:-TERM}, expected 0"
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

# client_start TAG USER [ARG...]: run pipechat-client -f $conf ARG... as
# USER in the background, its stdin the FIFO $tmp/TAG.in, which this shell
# holds open (so the client waits for input until client_close), its
# stdout and stderr $tmp/TAG.out and $tmp/TAG.err.  cpid[TAG] is the client
# itself (exec), so that it can be signalled.
client_start()
{
	local tag=$1 u=$2 fd

	shift 2
	mkfifo "$tmp/$tag.in" || fail "mkfifo $tmp/$tag.in failed"
	# Read-write: the open does not wait for the client.
	exec {fd}<>"$tmp/$tag.in" || fail "cannot open $tag's stdin"
	# shellcheck disable=SC2046,SC2086 # word lists
	(
		close_held
		exec {fd}>&-
		exec $sigdfl $(as_user "$u") "$PIPECHAT_CLIENT" -f "$conf" "$@"
	) <"$tmp/$tag.in" >"$tmp/$tag.out" 2>"$tmp/$tag.err" 7>&- 8>&- 9>&- &
	cpid[$tag]=$!
	cfd[$tag]=$fd
	track "$!"
}

# client_say TAG LINE: the client reads LINE on its stdin.
client_say()
{
	printf '%s\n' "$2" >&"${cfd[$1]}" ||
	    fail "cannot write to client $1's stdin"
}

# client_close TAG: end of the client's stdin (it leaves once it has sent
# what it read).
client_close()
{
	local fd=${cfd[$1]:-}

	[ -n "$fd" ] || return 0
	exec {fd}>&-
	cfd[$1]=
}

# client_wait TAG SECONDS: wait for the client to exit, set $status.
client_wait()
{
	wait_exit "${cpid[$1]}" "$2"
}

# has_line FILE LINE: FILE holds LINE as a whole line.
has_line()
{
	grep -qxF -e "$2" "$1" 2>/dev/null
}

# wait_line FILE LINE: wait until FILE holds LINE as a whole line, or fail.
wait_line()
{
	poll 10 has_line "$1" "$2" ||
	    fail "\"$2\" did not appear in ${1##*/} within $((10 * scale)) s"
}

# wait_grep FILE PATTERN: wait until a line of FILE matches the ERE.
wait_grep()
{
	poll 10 grep -qE -e "$2" "$1" ||
	    fail "nothing matching /$2/ appeared in ${1##*/} within" \
	    "$((10 * scale)) s"
}

# no_line FILE LINE: FILE must not hold LINE.
no_line()
{
	! has_line "$1" "$2" || fail "${1##*/} has \"$2\""
}

# fifos_of USER: how many entries USER owns in the session directory.
fifos_of()
{
	find "$sdir" -mindepth 1 -maxdepth 1 -user "$1" | wc -l
}

# session_empty: nothing left in the session directory.
session_empty()
{
	[ -z "$(find "$sdir" -mindepth 1 -maxdepth 1)" ]
}
