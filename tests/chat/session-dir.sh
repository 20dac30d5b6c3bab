#!/bin/bash
# SPDX-License-Identifier: ISC
# The session directory at start.  The session FIFOs a crashed daemon left
# in it (ID.in and ID.out, ID a valid session id, also other users') are
# removed, unless the client is still there (a reader on ID.out: it is
# joining again across a restart); anything else (files, other FIFOs, symbolic links, directories)
# is named in one warning and left alone, without following links; the
# directory gets mode 3733.  A symbolic
# link, or a directory owned by another user, at its path makes the
# daemon refuse to start (exit 78) and leave it untouched.  The parts
# that need another user run only as root.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -eq 0 ]; then
	command -v useradd >/dev/null && command -v groupadd >/dev/null ||
	    skip "needs useradd and groupadd"
	need_users
fi
setup
me=$(id -un)
other=
if [ "$(id -u)" -eq 0 ]; then
	make_group
	make_user other other
fi

# start_refused: the daemon must exit 78 at start-up, without a FIFO.
start_refused()
{
	timeout 10 "$PIPECHATD" -f "$conf" >"$tmp/refused.out" \
	    2>"$tmp/refused.err"
	status=$?
	[ "$status" -eq 78 ] ||
	    fail "pipechatd exited $status, not 78: $(cat "$tmp/refused.err")"
	grep -qF "refusing to use it" "$tmp/refused.err" ||
	    fail "no reason given: $(cat "$tmp/refused.err")"
	[ ! -e "$fifo" ] || fail "pipechatd left $fifo"
}

# tree DIR: what is in DIR, with modes and owners, for before/after.
tree()
{
	find "$1" -exec stat -c '%n %A %U %G %s' {} + | sort
}

step "stale session FIFOs are removed, anything else is left alone"
mkdir -m 0700 "$sdir" || fail "mkdir failed"
echo "keep me" >"$tmp/victim"
mkfifo "$sdir/0123456789abcdef.in" "$sdir/0123456789abcdef.out" \
    "$sdir/stale.fifo" "$sdir/no.such.id.in" || fail "mkfifo failed"
echo junk >"$sdir/junk"
echo "not a FIFO" >"$sdir/fedcba9876543210.in"
ln -s "$tmp/victim" "$sdir/link"
ln -s "$tmp/nowhere" "$sdir/dangling"
mkdir "$sdir/subdir" && echo inside >"$sdir/subdir/file" ||
    fail "cannot make $sdir/subdir"
stale=2
kept="stale.fifo no.such.id.in junk fedcba9876543210.in link dangling subdir"
if [ -n "$other" ]; then
	stale=3
	run_as "$other" true &&
	    mkfifo "$sdir/other.in" && chown "$other" "$sdir/other.in" ||
	    fail "cannot make a FIFO owned by $other"
fi
# A client rejoining across a restart holds its ID.out open for reading.
mkfifo "$sdir/00000000live0000.in" "$sdir/00000000live0000.out" ||
    fail "mkfifo failed"
exec {live}<>"$sdir/00000000live0000.out" || fail "cannot open the live .out"
write_config
start_daemon
wait_line "$derr" \
    "pipechatd: $sdir: removed $stale stale entries; kept 2 of clients still there"
for k in 00000000live0000.in 00000000live0000.out; do
	[ -p "$sdir/$k" ] || fail "$k, a live client's, was removed"
done
exec {live}>&-
wait_grep "$derr" \
    "^pipechatd: .*: left alone 7 entries that are not session FIFOs: "
line=$(grep -F "left alone" "$derr")
[ "$(grep -c "not session FIFOs" "$derr")" -eq 1 ] ||
    fail "not one line for what was left alone: $(cat "$derr")"
for k in $kept; do
	[ -e "$sdir/$k" ] || [ -L "$sdir/$k" ] || fail "$k was removed"
	want="\"$k\""
	[ "$k" = subdir ] && want="\"$k/\""
	case $line in
	*"$want"*) ;;
	*) fail "the warning does not name $want: $line" ;;
	esac
done
for k in 0123456789abcdef.in 0123456789abcdef.out other.in; do
	[ ! -e "$sdir/$k" ] || fail "$k was not removed"
done
[ "$(cat "$sdir/subdir/file")" = inside ] || fail "$sdir/subdir changed"
[ "$(cat "$tmp/victim")" = "keep me" ] || fail "the link's target changed"
[ "$(stat -c %a:%U "$sdir")" = "3733:$me" ] ||
    fail "$sdir is $(stat -c %a:%U "$sdir"), not 3733:$me"
step "the cleaned directory works"
timeout 10 "$PIPECHAT_CLIENT" -f "$conf" "after the clean-up" </dev/null ||
    fail "a one-shot message failed"
wait_line "$dout" "$me: after the clean-up"
stop_daemon

step "a symbolic link to a directory of ours: refused, untouched"
rm -rf "$sdir"
mkdir -m 0700 "$tmp/target" && mkfifo "$tmp/target/x.in" &&
    echo data >"$tmp/target/file" || fail "cannot make $tmp/target"
ln -s "$tmp/target" "$sdir"
tree "$tmp/target" >"$tmp/before"
start_refused
[ -L "$sdir" ] && [ "$(readlink "$sdir")" = "$tmp/target" ] ||
    fail "the symbolic link was changed"
tree "$tmp/target" >"$tmp/after"
diff -u "$tmp/before" "$tmp/after" || fail "the link's target was changed"

step "a dangling symbolic link: refused, nothing created"
rm -f "$sdir"
ln -s "$tmp/nowhere" "$sdir"
start_refused
[ -L "$sdir" ] && [ ! -e "$tmp/nowhere" ] ||
    fail "the dangling link was followed or changed"
rm -f "$sdir"

if [ -z "$other" ]; then
	step "not root: not trying a directory owned by another user"
	step "ok"
	exit 0
fi
step "a directory owned by $other ([session] dir): refused, untouched"
mkdir -m 0755 "$tmp/theirs" && mkfifo "$tmp/theirs/x.in" &&
    echo data >"$tmp/theirs/file" && chown -R "$other" "$tmp/theirs" ||
    fail "cannot make $tmp/theirs"
write_config session.dir="$tmp/theirs"
tree "$tmp/theirs" >"$tmp/before"
start_refused
grep -qF "owned by uid $(id -u "$other")" "$tmp/refused.err" ||
    fail "the reason does not name the owner: $(cat "$tmp/refused.err")"
tree "$tmp/theirs" >"$tmp/after"
diff -u "$tmp/before" "$tmp/after" || fail "$other's directory was changed"
step "ok"
exit 0
