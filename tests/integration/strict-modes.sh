#!/bin/bash
# SPDX-License-Identifier: ISC
# Whoever may change pipechat.ini chooses the FIFO that every client
# writes to.  As sshd's StrictModes, pipechatd (at -n and at start) and
# pipechat-client refuse an ini that its group or others may write, or
# that sits in a directory they may write (unless it is sticky, like
# /tmp), or that belongs to someone other than root or the user running
# the program; exit 78 with a message that says why.  The parts with
# another user (nobody) run only as root.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup

d=$tmp/etc
conf=$d/pipechat.ini
out=$tmp/out
err=$tmp/err
mkdir -m 0755 "$d" || fail "mkdir $d failed"

# refused WHAT TEXT [PREFIX...]: pipechatd -n, pipechatd and
# pipechat-client (each run as PREFIX) exit 78 with
# "FILE: refusing to read it: ...TEXT"; the daemon makes no FIFO.
refused()
{
	local what=$1 text=$2 p

	shift 2
	step "$what"
	for p in "$PIPECHATD -n" "$PIPECHATD" "$PIPECHAT_CLIENT -q"; do
		# shellcheck disable=SC2086 # a word list
		run 78 "$what: $p" "$@" $p -f "$conf"
		grep -F -e "$conf: refusing to read it: " "$err" |
		    grep -qF -e "$text" ||
		    fail "$what: $p: no \"$conf: refusing to read it:" \
		    "...$text\" in: $(cat "$err")"
		[ ! -e "$fifo" ] || fail "$what: $p made $fifo"
	done
}

write_config fifo.mode=0620
chmod 0644 "$conf" || fail "chmod failed"
step "mode 0644 in a directory of 0755: loads"
run 0 "0644" "$PIPECHATD" -n -f "$conf"

chmod 0664 "$conf" || fail "chmod failed"
refused "a file its group may write" \
    "it is writable by its group (mode 0664), who could choose the FIFO everyone writes to; make it writable by its owner only (chmod go-w $conf)"
chmod 0646 "$conf" || fail "chmod failed"
refused "a file others may write" "it is writable by others (mode 0646)"
chmod 0644 "$conf" || fail "chmod failed"

chmod 0775 "$d" || fail "chmod failed"
refused "a directory its group may write" \
    "the directory $d is writable by its group (mode 0775)"
chmod 0757 "$d" || fail "chmod failed"
refused "a directory others may write" \
    "the directory $d is writable by others (mode 0757)"
step "a directory with the sticky bit that others may write: loads"
chmod 1777 "$d" || fail "chmod failed"
run 0 "sticky" "$PIPECHATD" -n -f "$conf"
chmod 0755 "$d" || fail "chmod failed"

step "a symbolic link in a safe place to a file in an unsafe one: refused"
mkdir -m 0777 "$tmp/open" && cp "$conf" "$tmp/open/real.ini" &&
    chmod 0644 "$tmp/open/real.ini" &&
    ln -s "$tmp/open/real.ini" "$d/link.ini" || fail "setup failed"
run 78 "link" "$PIPECHATD" -n -f "$d/link.ini"
grep -qF "$d/link.ini: refusing to read it: the directory $tmp/open is writable by others" \
    "$err" || fail "link: $(cat "$err")"

if [ "$(id -u)" -ne 0 ]; then
	step "not root: not trying other users"
	step "ok"
	exit 0
fi
chmod 0755 "$tmp" || fail "chmod failed"
need_nobody "$PIPECHAT_CLIENT"

step "a file of root's, read by another user: loads"
# shellcheck disable=SC2086 # a word list
run 66 "nobody reads root's file" $as_nobody "$PIPECHAT_CLIENT" -q \
    -f "$conf"
grep -qF "no such FIFO" "$err" || fail "nobody: $(cat "$err")"

chown nobody "$conf" || fail "chown failed"
refused "a file of another user" \
    "it is owned by nobody (uid $nobody), not by root or by you, root (uid 0)"
step "the same file, read by its owner: loads"
# shellcheck disable=SC2086 # a word list
run 66 "nobody reads its own file" $as_nobody "$PIPECHAT_CLIENT" -q \
    -f "$conf"
chown root "$conf" && chown nobody "$d" || fail "chown failed"
refused "a directory of another user" \
    "the directory $d is owned by nobody (uid $nobody), not by root or by you"

step "ok"
exit 0
