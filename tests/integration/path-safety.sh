#!/bin/bash
# SPDX-License-Identifier: ISC
# pipechatd only ever uses a FIFO it owns at the configured path.  A
# symbolic link (even to a FIFO), a regular file, a directory, a socket or
# someone else's FIFO there makes it exit 78 naming the path, and leave the
# object exactly as it was; so does a missing directory.  The same for the
# session directory: a symbolic link to a directory, a file, or someone
# else's directory there is refused, and nothing in it is touched.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup

# snapshot PATH: type, inode, mode, owner, size, mtime, and symlink target
# or contents, of PATH itself (not what a symlink points to).
snapshot()
{
	stat -c '%F %i %a %u:%g %s %Y' "$1" || return 1
	if [ -L "$1" ]; then
		readlink "$1"
	elif [ -f "$1" ]; then
		cksum <"$1"
	elif [ -d "$1" ]; then
		ls -lA --time-style=+%s "$1"
	fi
}

# refuses WHAT PATH KIND [OTHER...]: pipechatd with the FIFO at PATH exits
# 78 at once with "PATH: ... KIND", and PATH and each OTHER are unchanged.
# With $sessions set, that is the session directory and PATH is where it is.
# With $names set, the message names that rather than "PATH: ".
refuses()
{
	local what=$1 path=$2 kind=$3 p i=0
	local -a before

	shift 3
	step "$what"
	for p in "$path" "$@"; do
		before[i++]=$(snapshot "$p" 2>&1)
	done
	if [ -n "${sessions:-}" ]; then
		write_config fifo.path="$tmp/chat.fifo"
		printf '[session]\ndir = %s\n' "$sessions" >>"$conf"
	else
		write_config fifo.path="$path"
	fi
	limit 10 "$PIPECHATD" -f "$conf" >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -ne 124 ] || fail "$what: pipechatd ran on it"
	[ "$status" -eq 78 ] ||
	    fail "$what: exit status $status, expected 78: $(cat "$tmp/err")"
	grep -F -e "${names:-$path: }" "$tmp/err" | grep -q -e "$kind" ||
	    fail "$what: no \"${names:-$path: }...$kind\" in: $(cat "$tmp/err")"
	[ ! -s "$tmp/out" ] || fail "$what: printed on stdout: $(cat "$tmp/out")"
	i=0
	for p in "$path" "$@"; do
		[ "$(snapshot "$p" 2>&1)" = "${before[i++]}" ] ||
		    fail "$what: $p changed: was \"${before[i - 1]}\"," \
		    "now \"$(snapshot "$p" 2>&1)\""
	done
}

echo precious >"$tmp/victim"
chmod 0600 "$tmp/victim"
ln -s "$tmp/victim" "$tmp/link-to-file"
refuses "symlink to a file" "$tmp/link-to-file" "symbolic link" "$tmp/victim"
[ "$(cat "$tmp/victim")" = precious ] || fail "$tmp/victim was written to"

mkfifo -m 0600 "$tmp/other.fifo"
ln -s "$tmp/other.fifo" "$tmp/link-to-fifo"
refuses "symlink to a FIFO" "$tmp/link-to-fifo" "symbolic link" \
    "$tmp/other.fifo"

ln -s "$tmp/nothing-here" "$tmp/dangling"
refuses "dangling symlink" "$tmp/dangling" "symbolic link"
[ ! -e "$tmp/nothing-here" ] && [ ! -L "$tmp/nothing-here" ] ||
    fail "dangling symlink: its target was created"

printf 'data\n' >"$tmp/file"
refuses "regular file" "$tmp/file" "regular file"
[ "$(cat "$tmp/file")" = data ] || fail "regular file: contents changed"

mkdir "$tmp/dir" && echo inside >"$tmp/dir/f"
refuses "directory" "$tmp/dir" "directory" "$tmp/dir/f"

if command -v python3 >/dev/null &&
    python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$tmp/sock" 2>/dev/null &&
    [ -S "$tmp/sock" ]; then
	refuses "unix socket" "$tmp/sock" "socket"
	[ -S "$tmp/sock" ] || fail "unix socket: no longer a socket"
else
	step "skipping the socket case: python3 cannot make a unix socket"
fi

if [ "$(id -u)" -eq 0 ] && getent passwd nobody >/dev/null; then
	mkfifo -m 0620 "$tmp/theirs.fifo" && chown nobody "$tmp/theirs.fifo" ||
	    fail "cannot make a FIFO owned by nobody"
	refuses "someone else's FIFO" "$tmp/theirs.fifo" "owned by uid"
else
	step "skipping someone else's FIFO: needs root and user nobody"
fi

# The message may name the FIFO or the session directory beside it.
names=$tmp/no-such-dir/
refuses "missing directory" "$tmp/no-such-dir/chat.fifo" \
    "does not exist" "$tmp/no-such-dir"
names=

mkdir "$tmp/precious-dir" && echo keep >"$tmp/precious-dir/file" ||
    fail "cannot make $tmp/precious-dir"
chmod 0750 "$tmp/precious-dir"
ln -s "$tmp/precious-dir" "$tmp/sessions-link"
sessions=$tmp/sessions-link
refuses "session directory: symlink to a directory" "$sessions" \
    "symbolic link" "$tmp/precious-dir" "$tmp/precious-dir/file"
[ ! -e "$tmp/chat.fifo" ] || fail "the FIFO was created all the same"

echo data >"$tmp/sessions-file"
sessions=$tmp/sessions-file
refuses "session directory: a regular file" "$sessions" "not a directory"

if [ "$(id -u)" -eq 0 ] && getent passwd nobody >/dev/null; then
	mkdir "$tmp/theirs" && echo keep >"$tmp/theirs/file" &&
	    chown -R nobody "$tmp/theirs" || fail "cannot make $tmp/theirs"
	sessions=$tmp/theirs
	refuses "session directory: someone else's" "$sessions" \
	    "owned by uid" "$tmp/theirs/file"
fi
sessions=

step "ok"
exit 0
