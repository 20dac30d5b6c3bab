# Helpers for the two-way chat tests.  A script sources this file, calls
# setup (and need_users first if it runs clients as other users), writes a
# config with write_config and starts the daemon with start_daemon.
# Every wait is a poll loop with a deadline or runs under timeout(1): a
# broken daemon makes a test fail, never hang.  Bash, for {fd} redirections
# and associative arrays.

set -u

# alive, poll, wait_exit
# shellcheck source=../wait.sh
. "${BASH_SOURCE[0]%/*}/../wait.sh"

name=${0##*/}
name=${name%.sh}

tmp=		# scratch directory (mode 0755), removed at exit
bin=		# copies of the programs, reachable by the test users
CLIENT=		# the client in $bin
DAEMON=		# the daemon in $bin
pids=		# background processes to kill at exit
dpid=		# the running daemon
daemon_user=	# run it as this user (setpriv) rather than as ourselves
dout=		# its stdout and stderr
derr=
users=		# users this test created, deleted at exit
group=		# the chat group this test created, deleted at exit
declare -A cpid cfd	# clients started by client_start, by tag

# Report a failure (with the daemon's diagnostics) and exit 1.
fail()
{
	printf '%s: FAIL: %s\n' "$name" "$*" >&2
	if [ -n "$derr" ] && [ -s "$derr" ]; then
		printf '%s: daemon stderr:\n' "$name" >&2
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

track()
{
	pids="$pids $1"
}


# Kill what still runs, delete the users and group, remove the scratch dir.
cleanup()
{
	local pid u

	trap - EXIT
	for pid in $pids; do
		alive "$pid" && kill -KILL "$pid" 2>/dev/null
	done
	for pid in $pids; do
		wait "$pid" 2>/dev/null
	done
	for u in $users; do
		userdel "$u" >/dev/null 2>&1 ||
		    printf '%s: warning: cannot delete user %s\n' "$name" "$u" >&2
	done
	if [ -n "$group" ]; then
		groupdel "$group" >/dev/null 2>&1 ||
		    printf '%s: warning: cannot delete group %s\n' "$name" \
		    "$group" >&2
	fi
	[ -n "$tmp" ] && rm -rf "$tmp"
}

# install_prog NAME PROGRAM: a copy of PROGRAM as $bin/NAME, run through
# $PIPECHAT_WRAPPER if that is set (meson test --setup valgrind).
install_prog()
{
	if [ -n "${PIPECHAT_WRAPPER:-}" ]; then
		cp "$2" "$bin/$1.real" &&
		    printf '#!/bin/sh\nexec %s %s "$@"\n' "$PIPECHAT_WRAPPER" \
		    "$bin/$1.real" >"$bin/$1" &&
		    chmod 0755 "$bin/$1.real" "$bin/$1"
	else
		cp "$2" "$bin/$1" && chmod 0755 "$bin/$1"
	fi || fail "cannot copy $2 to $bin"
}

# The scratch directory, traversable by the test users, and copies of the
# programs in it ($CLIENT, $DAEMON): the build tree may be somewhere they
# cannot enter.
setup()
{
	local v

	for v in PIPECHATD PIPECHAT_CLIENT PCLOAD; do
		[ -n "${!v:-}" ] && [ -x "${!v}" ] ||
		    fail "$v is not set to the program"
	done
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/pipechat-$name.XXXXXX") ||
	    fail "mktemp -d failed"
	trap cleanup EXIT
	trap 'exit 1' HUP INT TERM
	chmod 0755 "$tmp" || fail "chmod $tmp failed"
	bin=$tmp/bin
	mkdir -m 0755 "$bin" || fail "mkdir $bin failed"
	install_prog pipechat-client "$PIPECHAT_CLIENT"
	install_prog pipechatd "$PIPECHATD"
	CLIENT=$bin/pipechat-client
	DAEMON=$bin/pipechatd
	fifo=$tmp/chat.fifo
	sdir=$tmp/sessions
	conf=$tmp/pipechat.ini
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
	groupadd "$group" || { group=; fail "groupadd $group failed"; }
}

# make_user VAR SHORT: a fresh user pct_SHORT_PID in the chat group, its
# name stored in VAR.
make_user()
{
	local u=pct_$2_$$

	useradd -M -N -g "$group" -d /nonexistent -s /bin/sh "$u" ||
	    fail "useradd $u failed"
	users="$users $u"
	printf -v "$1" '%s' "$u"
	run_as "$u" test -x "$CLIENT" ||
	    skip "user $u cannot run $CLIENT (set TMPDIR elsewhere)"
}

# run_as USER COMMAND...: run COMMAND as USER with the chat group and USER's
# groups; as ourselves, just run it.
run_as()
{
	local u=$1

	shift
	if [ "$u" = "$(id -un)" ]; then
		"$@"
	else
		setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"
	fi
}

# write_config [SECTION.KEY=VALUE...]: the ini at $conf, readable by all,
# with [fifo] path = $fifo and the settings given.
write_config()
{
	local kv sec

	{
		printf '; written by %s\n' "$name"
		for sec in fifo session; do
			printf '[%s]\n' "$sec"
			[ "$sec" = fifo ] && printf 'path = %s\n' "$fifo"
			for kv in "$@"; do
				case $kv in
				"$sec".*)
					kv=${kv#"$sec".}
					printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"
					;;
				esac
			done
		done
	} >"$conf" && chmod 0644 "$conf" || fail "cannot write $conf"
}



# The daemon is reading the FIFO: it logs "reading PATH" once it is open.
ready()
{
	[ -p "$fifo" ] && grep -qF -e "reading $fifo" "$derr"
}

# start_daemon [OPTION...]: run pipechatd -f $conf in the foreground, in
# the background (as $daemon_user if set), and wait until it reads the
# FIFO.  Sets $dpid, the daemon itself.
start_daemon()
{
	dout=$tmp/daemon.out
	derr=$tmp/daemon.err
	if [ -n "$daemon_user" ]; then
		{ exec setpriv --reuid="$daemon_user" \
		    --regid="$(id -g "$daemon_user")" --init-groups \
		    "$DAEMON" "$@" -f "$conf"; } >"$dout" 2>"$derr" &
	else
		{ exec "$DAEMON" "$@" -f "$conf"; } >"$dout" 2>"$derr" &
	fi
	dpid=$!
	track "$dpid"
	poll 10 eval 'ready || ! alive $dpid' ||
	    fail "pipechatd did not start reading $fifo within 10 s"
	alive "$dpid" || fail "pipechatd exited at start-up"
}

# stop_daemon: SIGTERM, wait for the exit, and expect status 0.
stop_daemon()
{
	daemon_alive
	kill -TERM "$dpid" || fail "cannot signal pipechatd $dpid"
	wait_exit "$dpid" 10
	[ "$status" -eq 0 ] || fail "pipechatd exited $status after SIGTERM"
}

daemon_alive()
{
	alive "$dpid" || fail "pipechatd died"
}

has_line()
{
	grep -qxF -e "$2" "$1" 2>/dev/null
}

# wait_line FILE LINE: wait until FILE holds LINE as a whole line, or fail.
wait_line()
{
	poll 10 has_line "$1" "$2" ||
	    fail "\"$2\" did not appear in ${1##*/} within 10 s"
}

# wait_grep FILE PATTERN: wait until a line of FILE matches the ERE.
wait_grep()
{
	poll 10 grep -qE -e "$2" "$1" ||
	    fail "nothing matching /$2/ appeared in ${1##*/} within 10 s"
}

# no_line FILE LINE: FILE must not hold LINE.
no_line()
{
	! has_line "$1" "$2" || fail "${1##*/} has \"$2\""
}

# client_start TAG USER [ARG...]: run pipechat-client -f $conf ARG... as
# USER, its stdin a FIFO that client_say writes, its stdout and stderr in
# $tmp/TAG.out and $tmp/TAG.err.  $!, and cpid[TAG], is the client
# itself (exec), so that it can be killed.
client_start()
{
	local tag=$1 u=$2 fd

	shift 2
	mkfifo "$tmp/$tag.stdin" || fail "mkfifo failed"
	# The other clients' stdin must not stay open in this one, or they
	# would never see its end.
	{
		for fd in "${cfd[@]}"; do
			[ -n "$fd" ] && exec {fd}>&-
		done
		if [ "$u" = "$(id -un)" ]; then
			exec "$CLIENT" -f "$conf" "$@"
		else
			exec setpriv --reuid="$u" --regid="$(id -g "$u")" \
			    --init-groups "$CLIENT" -f "$conf" "$@"
		fi
	} <"$tmp/$tag.stdin" >"$tmp/$tag.out" 2>"$tmp/$tag.err" &
	cpid[$tag]=$!
	track "$!"
	# Opening blocks until the client's shell has opened the other end.
	exec {fd}>"$tmp/$tag.stdin" || fail "cannot open $tag's stdin"
	cfd[$tag]=$fd
}

# client_say TAG LINE: the client reads LINE on its stdin.
client_say()
{
	printf '%s\n' "$2" >&"${cfd[$1]}" ||
	    fail "cannot write to client $1's stdin"
}

# client_close TAG: end of the client's stdin.
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
