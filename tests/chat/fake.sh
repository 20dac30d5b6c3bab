# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# shellcheck disable=SC2154 # sdir, fifo, derr: set by tests/lib.sh
# Fake sessions for the chat tests that play a hostile client: as root, a
# test makes a session's FIFO pair itself (owned by any uid, with any
# modes), holds the ends it wants and writes the JOIN, as a client would.
# Source after tests/lib.sh, call after setup and start_daemon.

declare -A fo	# fake_listen: the fd holding ID.out open, by id

# fake_pair ID OWNER [OUTMODE [INMODE]]: ID.out and ID.in in $sdir, owned
# by OWNER (a name or a uid, with or without a passwd entry), modes 0620
# and 0640 unless given.  Their group is the daemon's (setgid directory).
fake_pair()
{
	(umask 0 && mkfifo -m "${3:-0620}" "$sdir/$1.out" &&
	    mkfifo -m "${4:-0640}" "$sdir/$1.in") ||
	    fail "cannot make the FIFOs of $1"
	chown "$2" "$sdir/$1.out" "$sdir/$1.in" ||
	    fail "cannot give the FIFOs of $1 to $2"
}

# fake_listen ID: hold ID.out open (read-write: opening does not wait) so
# that the daemon has someone to write to.
fake_listen()
{
	local fd

	exec {fd}<>"$sdir/$1.out" || fail "cannot open $1.out"
	fo[$1]=$fd
}

# fake_fill ID: fill the held ID.out's pipe, so that nothing more fits.
fake_fill()
{
	dd if=/dev/zero of="$sdir/$1.out" bs=4096 count=1024 \
	    oflag=nonblock status=none 2>/dev/null
	return 0
}

# fake_join ID [FLAGS]: write the JOIN for ID to the well-known FIFO.
fake_join()
{
	printf '\n\001JOIN %s%s\n' "$1" "${2:+ $2}" >"$fifo" ||
	    fail "cannot write the JOIN of $1"
}

# fake_reply ID: the first line the daemon wrote to the held ID.out, or
# nothing after 5 s.
fake_reply()
{
	timeout 5 head -n 1 <&"${fo[$1]}"
}

# fake_close ID: let go of ID.out.
fake_close()
{
	local fd=${fo[$1]:-}

	[ -n "$fd" ] && exec {fd}>&-
	fo[$1]=
}

# fake_leave ID: the client "closes" ID.in: open it for writing (once the
# daemon reads it) and close it, which the daemon sees as end of file.
fake_leave()
{
	timeout 5 sh -c ': >"$1"' sh "$sdir/$1.in" ||
	    fail "cannot open $1.in for writing"
}

# fake_wait_joined ID: the daemon (run with -d) logged that ID joined;
# false if it refused it (logged with the id) or said nothing in 5 s.
fake_wait_joined()
{
	poll 5 grep -qE -e "session $1( |:|\$)" "$derr" || return 1
	grep -qF -e "joined as session $1" "$derr"
}
