#!/bin/bash
# SPDX-License-Identifier: ISC
# pipechatd -n checks what it can without changing anything, as sshd -t
# does: the FIFO's directory, what stands at the FIFO's path, the group,
# the session directory and the history file's.  Each problem is one line that names the
# config file (and the key's line when the file sets it); the exit status
# is 78.  A session directory that is the FIFO's own directory, or holds
# it, is refused at -n and at start, before anything is touched.  The
# parts that need another user (nobody) run only as root.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup
w=$tmp/w		# where the FIFOs and directories under test live
out=$tmp/out
err=$tmp/err
mkdir "$w" || fail "mkdir $w failed"

# tree: what is in $w, with types, modes and owners.
tree()
{
	find "$w" -printf '%p %y %m %u\n' | sort
}

# ini LINE...: $conf holds these lines and nothing else.
ini()
{
	printf '%s\n' "$@" >"$conf" || fail "cannot write $conf"
}

# check_run EXPECTED WHAT [PREFIX...]: run PREFIX pipechatd -n -f $conf
# (at most 10 s), check its exit status and that $w did not change.
check_run()
{
	local want=$1 what=$2 before after

	shift 2
	before=$(tree)
	limit 10 "$@" "$PIPECHATD" -n -f "$conf" >"$out" 2>"$err"
	status=$?
	[ "$status" -eq "$want" ] ||
	    fail "$what: exit status $status, expected $want;" \
	    "stdout: $(cat "$out"); stderr: $(cat "$err")"
	after=$(tree)
	[ "$after" = "$before" ] ||
	    fail "$what: -n changed $w: $(diff <(echo "$before") \
	    <(echo "$after"))"
}

# says WHAT TEXT...: each TEXT is in a line of stderr that starts with
# "pipechatd: $conf" (the file, then ":LINE:" or ": [section] key:").
says()
{
	local what=$1 t

	shift
	for t; do
		grep -F -e "$t" "$err" | grep -qF -e "pipechatd: $conf" ||
		    fail "$what: no line naming $conf with \"$t\" in:" \
		    "$(cat "$err")"
	done
}

# lines WHAT N: stderr has exactly N lines.
lines()
{
	[ "$(wc -l <"$err")" -eq "$2" ] ||
	    fail "$1: expected $2 lines, got: $(cat "$err")"
}

# bad WHAT TEXT...: -n exits 78 naming the file, and prints no "OK".
bad()
{
	local what=$1

	step "-n: $what"
	check_run 78 "$what"
	[ ! -s "$out" ] || fail "$what: stdout: $(cat "$out")"
	shift
	says "$what" "$@"
}

ini '[fifo]' "path = $w/chat.fifo" 'mode = 0620'
step "-n: a good file, nothing there yet: OK, nothing made"
check_run 0 "good"
[ "$(cat "$out")" = "configuration OK" ] ||
    fail "good: stdout is \"$(cat "$out")\""
[ ! -s "$err" ] || fail "good: stderr: $(cat "$err")"

ini '; the FIFO directory is missing' '[fifo]' "path = $w/nodir/chat.fifo"
bad "the FIFO's directory does not exist" \
    "$conf:3: path: $w/nodir/chat.fifo: the directory $w/nodir does not" \
    "$conf: [session] dir: $w/nodir/sessions: the parent directory does" \
    "$conf: [chat] history_file: $w/nodir/history: cannot keep the history there"
lines "missing directory" 3

echo data >"$w/file" || fail "cannot write $w/file"
ini '[fifo]' "path = $w/file/chat.fifo"
bad "the FIFO's directory is a file" \
    "$conf:2: path: $w/file/chat.fifo: $w/file is a regular file, not a"

ini '[fifo]' "path = $w/file" '[session]' "dir = $w/sessions"
bad "a regular file at the FIFO's path" \
    "$conf:2: path: $w/file: refusing to use it: it is a regular file, not a FIFO"
lines "regular file" 1

mkfifo "$w/real.fifo" && ln -s "$w/real.fifo" "$w/link.fifo" ||
    fail "cannot make $w/link.fifo"
ini '[fifo]' "path = $w/link.fifo" '[session]' "dir = $w/sessions"
bad "a symbolic link to a FIFO at the FIFO's path" \
    "$conf:2: path: $w/link.fifo: refusing to use it: it is a symbolic link"

ini '[fifo]' "path = $w/real.fifo" '[session]' "dir = $w/file"
bad "the session directory is a file" \
    "$conf:4: dir: $w/file: refusing to use it: it is a regular file"

ln -s /etc/passwd "$w/history.link" || fail "ln -s failed"
ini '[fifo]' "path = $w/real.fifo" '[session]' "dir = $w/sessions" \
    '[chat]' "history_file = $w/history.link"
bad "a symbolic link at the history file" \
    "$conf:6: history_file: $w/history.link: not a history file of ours (it is a symbolic link"
lines "history file" 1

mkdir -m 1777 "$w/shared" || fail "mkdir failed"
ini '[fifo]' "path = $w/real.fifo" '[session]' "dir = $w/sessions" \
    '[chat]' "history_file = $w/shared/history"
bad "a history file in a directory everyone may write" \
    "$conf:6: history_file: $w/shared/history: the directory $w/shared may be written by others (mode 1777)"
lines "history directory" 1

ini '[fifo]' "path = $w/real.fifo" '[session]' "dir = $w/nodir/sessions"
bad "the session directory's parent does not exist" \
    "$conf:4: dir: $w/nodir/sessions: the parent directory does not exist"

gid=4242
while getent group "$gid" >/dev/null; do
	gid=$((gid + 1))
done
ini '[fifo]' "path = $w/real.fifo" "group = $gid"
# As chgrp: root may give the FIFO a number no group has; others may not.
if [ "$(id -u)" -eq 0 ]; then
	step "-n: a group id that no group has, as root: OK"
	check_run 0 "a group id that no group has"
else
	bad "a group id that no group has" \
	    "$conf:3: group: pipechatd runs as $(id -un) (uid $(id -u)), which is not in group $gid (no group has that id)"
fi

ini '[fifo]' "path = $w/real.fifo" '[session]' "dir = $w/."
bad "the session directory is the FIFO's directory" \
    "$conf:4: dir: $w/. is the directory of [fifo] path $w/real.fifo"
ini '[fifo]' "path = $w/real.fifo" '[session]' "dir = $tmp"
bad "the session directory holds the FIFO's directory" \
    "$conf:4: dir: $tmp holds the directory of [fifo] path $w/real.fifo"

# Through a symbolic link, only the file system can tell.
ln -s "$w" "$tmp/alias" || fail "ln -s failed"
echo "keep me" >"$w/keep" || fail "cannot write $w/keep"
chmod 0750 "$w" || fail "chmod $w failed"
ini '[fifo]' "path = $w/chat.fifo" '[session]' "dir = $tmp/alias"
bad "the session directory is a link to the FIFO's directory" \
    "$conf:4: dir: $tmp/alias: refusing to use it as the session directory"
step "start: the same is refused, and nothing is touched"
before=$(tree)
limit 10 "$PIPECHATD" -f "$conf" >"$out" 2>"$err"
status=$?
[ "$status" -eq 78 ] ||
    fail "start: exit status $status, not 78: $(cat "$err")"
grep -qF "refusing to use it as the session directory" "$err" ||
    fail "start: no reason given: $(cat "$err")"
[ "$(tree)" = "$before" ] ||
    fail "start: $w changed: $(diff <(echo "$before") <(tree))"
rm "$tmp/alias" "$w/keep" || fail "rm failed"

echo data >"$w/file2" || fail "cannot write $w/file2"
ini '[fifo]' "path = $w/file" '[session]' "dir = $w/file2"
bad "two problems: two lines" \
    "$conf:2: path: $w/file: refusing to use it" \
    "$conf:4: dir: $w/file2: refusing to use it"
lines "two problems" 2

if [ "$(id -u)" -ne 0 ]; then
	step "not root: not trying other users"
	step "ok"
	exit 0
fi
chmod 0755 "$tmp" "$w" && chmod 0644 "$conf" || fail "chmod failed"
need_nobody "$PIPECHATD"
rm -f "$w/real.fifo" "$w/link.fifo" || fail "rm failed"

mkdir -m 0777 "$tmp/ns" || fail "mkdir failed"	# nobody may make sessions
ini '[fifo]' "path = $w/chat.fifo" 'mode = 0600' '[session]' \
    "dir = $tmp/ns/sessions"
bad_as_nobody()
{
	local what=$1

	step "-n as nobody: $what"
	# shellcheck disable=SC2086 # a word list
	check_run 78 "$what" $as_nobody
	shift
	says "$what" "$@"
}
bad_as_nobody "a FIFO directory nobody may not write" \
    "$conf:2: path: $w/chat.fifo: cannot create the FIFO: pipechatd runs as nobody (uid $nobody), which may not write to directory $w" \
    "$conf: [chat] history_file: $w/history: cannot keep the history there: pipechatd runs as nobody (uid $nobody), which may not write to directory $w"
lines "directory not writable" 2

mkdir -m 0777 "$w/open" || fail "mkdir failed"
ini '[fifo]' "path = $w/open/chat.fifo" 'mode = 0620' 'group = root' \
    '[chat]' 'history_file ='
bad_as_nobody "a group nobody is not in" \
    "$conf:4: group: pipechatd runs as nobody (uid $nobody), which is not in group root"
lines "group" 1

step "-n as root: the same group is fine"
check_run 0 "group as root"

mkfifo "$w/open/chat.fifo" && chgrp root "$w/open/chat.fifo" &&
    chown nobody "$w/open/chat.fifo" || fail "cannot make the FIFO"
step "-n as nobody: the FIFO has the group already (systemd made it): fine"
# shellcheck disable=SC2086 # a word list
check_run 0 "group given already" $as_nobody

ini '[fifo]' "path = $w/open/chat.fifo" '[session]' "dir = $w/open/s" \
    '[chat]' 'history_file ='
bad "a FIFO of another user" \
    "$conf:2: path: $w/open/chat.fifo: refusing to use it: the FIFO is owned by uid $nobody, not by us (uid 0)"
rm -f "$w/open/chat.fifo"
mkdir "$w/open/s" && chown nobody "$w/open/s" || fail "mkdir failed"
bad "a session directory of another user" \
    "$conf:4: dir: $w/open/s: refusing to use it: owned by uid $nobody, not by us (uid 0)"
lines "session directory of another user" 1

step "ok"
exit 0
