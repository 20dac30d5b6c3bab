#!/bin/bash
# SPDX-License-Identifier: ISC
# A user the FIFO's mode does not let write gets exit status 77 and a hint
# about the group, in both modes; once [fifo] group names their group (and
# the daemon is reloaded), the same user can send: raw lines show as
# (anonymous), session lines under the name the kernel vouches for.
# Needs root, to become user nobody.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root to run the client as another user"
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
getent passwd nobody >/dev/null || skip "no user nobody"
group=$(id -gn nobody 2>/dev/null) || skip "user nobody has no group"
[ "$(id -g nobody)" -ne 0 ] || skip "user nobody is in group root"
setup
cerr=$tmp/client.err

# Let nobody reach the FIFO and run a copy of the client: the build tree
# may be somewhere nobody cannot enter.
chmod 0755 "$tmp" || fail "chmod failed"
cp "$PIPECHAT_CLIENT" "$tmp/pipechat-client" && chmod 0755 "$tmp/pipechat-client" ||
    fail "cannot copy the client"
touch "$cerr" && chmod 0666 "$cerr" || fail "cannot make $cerr"
setpriv --reuid=nobody --regid="$group" --clear-groups \
    test -x "$tmp/pipechat-client" ||
    skip "user nobody cannot reach $tmp (set TMPDIR elsewhere)"

# as_nobody ARGS...: run the client as nobody:GROUP, no other groups.
as_nobody()
{
	limit 5 setpriv --reuid=nobody --regid="$group" --clear-groups \
	    "$tmp/pipechat-client" "$@" </dev/null >/dev/null 2>"$cerr"
}

write_config fifo.mode=0620
start_daemon
[ "$(stat -c %a:%u:%g "$fifo")" = "620:0:0" ] ||
    fail "unexpected FIFO $(stat -c %a:%u:%g "$fifo"), wanted 620:0:0"

for r in "" -r; do
	step "mode 0620, group root: nobody may not write${r:+ (raw)}"
	as_nobody $r -p "$fifo" "from nobody"
	status=$?
	[ "$status" -ne 124 ] || fail "pipechat-client hung"
	[ "$status" -eq 77 ] ||
	    fail "exit status $status, expected 77: $(cat "$cerr")"
	grep -q "$fifo: permission denied" "$cerr" ||
	    fail "no \"$fifo: permission denied\" in: $(cat "$cerr")"
	grep -q "group" "$cerr" ||
	    fail "no hint about the group in: $(cat "$cerr")"
done
[ ! -s "$dout" ] || fail "the daemon printed: $(cat "$dout")"

step "group $group after SIGHUP: nobody may write"
write_config fifo.mode=0620 fifo.group="$group"
kill -HUP "$dpid"
poll 10 eval '[ "$(stat -c %G "$fifo")" = "$group" ]' ||
    fail "FIFO group still $(stat -c %G "$fifo") after SIGHUP"
as_nobody -r -p "$fifo" "raw from nobody"
status=$?
[ "$status" -eq 0 ] || fail "raw: exit status $status, expected 0: $(cat "$cerr")"
wait_line "$dout" "(anonymous): raw from nobody"
as_nobody -p "$fifo" "from nobody"
status=$?
[ "$status" -eq 0 ] || fail "session: exit status $status, expected 0: $(cat "$cerr")"
wait_line "$dout" "nobody: from nobody"
[ "$(stat -c %a "$fifo")" = 620 ] || fail "mode changed to $(stat -c %a "$fifo")"

stop_daemon TERM
step "ok"
exit 0
