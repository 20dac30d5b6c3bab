#!/bin/bash
# SPDX-License-Identifier: ISC
# pipechatd run by an ordinary user (as tools/run-dev does) serves that
# same user's clients, raw and in a session: nothing may depend on root's
# power to ignore file permissions.  As root, both run as user nobody;
# otherwise as ourselves.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup

if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
	getent passwd nobody >/dev/null || skip "no user nobody"
	group=$(id -gn nobody) || skip "user nobody has no group"
	user=nobody
	as=(setpriv --reuid=nobody --regid="$group" --clear-groups)
	# Copies that nobody can run, in a directory nobody owns.
	chmod 0755 "$tmp" || fail "chmod failed"
	mkdir "$tmp/bin.nobody" &&
	    cp "$PIPECHATD" "$PIPECHAT_CLIENT" "$tmp/bin.nobody/" &&
	    chmod 0755 "$tmp/bin.nobody" "$tmp"/bin.nobody/* ||
	    fail "cannot copy the programs"
	PIPECHATD=$tmp/bin.nobody/${PIPECHATD##*/}
	PIPECHAT_CLIENT=$tmp/bin.nobody/${PIPECHAT_CLIENT##*/}
	mkdir "$tmp/run" && chown nobody "$tmp/run" || fail "mkdir failed"
	"${as[@]}" test -x "$PIPECHAT_CLIENT" ||
	    skip "user nobody cannot reach $tmp (set TMPDIR elsewhere)"
else
	user=$me
	as=()
	mkdir "$tmp/run" || fail "mkdir failed"
fi

fifo=$tmp/run/chat.fifo
write_config
chmod 0644 "$conf"
derr=$tmp/daemon.err
dout=$tmp/daemon.out
: >"$dout" && : >"$derr" || fail "cannot write in $tmp"

# shellcheck disable=SC2086 # $sigdfl is a word list
$sigdfl "${as[@]}" "$PIPECHATD" -f "$conf" >"$dout" 2>"$derr" &
dpid=$!
track "$dpid"
poll 10 eval 'ready "$fifo" || ! alive $dpid' ||
    fail "pipechatd did not start reading $fifo within 10 s"
alive "$dpid" || fail "pipechatd exited at start-up"
[ "$(stat -c %U "$fifo")" = "$user" ] || fail "the FIFO is not $user's"

step "raw, as $user"
limit 10 "${as[@]}" "$PIPECHAT_CLIENT" -r -f "$conf" "raw hello" \
    >/dev/null 2>"$tmp/err" ||
    fail "pipechat-client -r exited $?: $(cat "$tmp/err")"
wait_line "$dout" "(anonymous): raw hello"

step "session, as $user"
limit 10 "${as[@]}" "$PIPECHAT_CLIENT" -f "$conf" "session hello" \
    >/dev/null 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] ||
    fail "pipechat-client exited $status: $(cat "$tmp/err")"
wait_line "$dout" "$user: session hello"
left=$(find "$tmp/run/sessions" -mindepth 1 2>/dev/null)
[ -z "$left" ] || fail "session FIFOs left behind: $left"

stop_daemon TERM
[ ! -e "$fifo" ] || fail "$fifo not removed at SIGTERM"
step "ok"
exit 0
