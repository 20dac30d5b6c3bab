#!/bin/bash
# SPDX-License-Identifier: ISC
# pipechatd started as root gives root up for [daemon] user: every uid and
# gid of the process is that user's, its groups are the user's (the chat
# group among them, not root's), it has no capabilities left, and what it
# creates (the FIFO, the session directory) belongs to that user.  Clients
# of root and of a member still chat under their own names, and a reload
# still reads the ini.  `pipechatd -n` checks as that user.  An unknown
# user is a configuration error naming the line; no user at all keeps
# root and says so.
# shellcheck disable=SC2154 # make_user VAR SHORT sets VAR
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_users
setup
make_group
# The daemon's user: a group of its own (the session FIFOs get it, so it
# must have no other members) and the chat group, to give the FIFO.
duser=pctd_$$
shadow useradd -M -U -G "$group" -d /nonexistent -s /usr/sbin/nologin \
    "$duser" ||
    fail "useradd $duser failed"
users="$users $duser"
make_user alice a
duid=$(id -u "$duser") dgid=$(id -g "$duser") cgid=$(getent group "$group" |
    cut -d: -f3) || fail "cannot look up $duser and $group"

# The FIFO's directory, the daemon user's to write, the members' to search.
run=$tmp/run
install -d -m 0750 -o "$duser" -g "$group" "$run" || fail "install -d failed"
fifo=$run/chat.fifo
write_config fifo.group="$group" daemon.user="$duser"

# ids FIELD: the four (or three) numbers after "FIELD:" in the daemon's
# /proc status, one line.
ids()
{
	sed -n "s/^$1:[[:space:]]*//p" "/proc/$dpid/status" | tr -s ' \t' ' '
}

step "pipechatd started as root runs as $duser"
start_daemon
[ "$(ids Uid)" = "$duid $duid $duid $duid" ] ||
    fail "Uid: $(ids Uid), expected $duid everywhere (real, effective," \
    "saved, fs)"
[ "$(ids Gid)" = "$dgid $dgid $dgid $dgid" ] ||
    fail "Gid: $(ids Gid), expected $dgid everywhere"
groups=" $(ids Groups) "
case $groups in
*" $cgid "*) ;;
*) fail "Groups:$groups lacks the chat group $group ($cgid)" ;;
esac
case $groups in
*" 0 "*) fail "Groups:$groups still has root's group" ;;
esac
for cap in CapPrm CapEff; do
	[ "$(ids $cap)" = 0000000000000000 ] ||
	    fail "$cap: $(ids $cap): capabilities left"
done
! grep -q "running as root" "$derr" ||
    fail "it says it runs as root: $(cat "$derr")"

[ "$(stat -c %U:%G:%a "$fifo")" = "$duser:$group:620" ] ||
    fail "FIFO is $(stat -c %U:%G:%a "$fifo"), expected $duser:$group:620"
[ "$(stat -c %U:%G:%a "$run/sessions")" = "$duser:$duser:3733" ] ||
    fail "session directory is $(stat -c %U:%G:%a "$run/sessions")," \
    "expected $duser:$duser:3733"

step "root and a member chat under their own names"
"$PIPECHAT_CLIENT" -f "$conf" "from-root" || fail "root's client failed"
run_as "$alice" "$PIPECHAT_CLIENT" -f "$conf" "from-alice" ||
    fail "alice's client failed"
wait_line "$dout" "root: from-root"
wait_line "$dout" "$alice: from-alice"

step "a reload as $duser reads the ini"
write_config fifo.group="$group" daemon.user="$duser" chat.history=5
kill -HUP "$dpid" || fail "cannot signal pipechatd"
wait_grep "$derr" "configuration reloaded"
stop_daemon

step "pipechatd -n as root checks what $duser may do"
chown root:root "$run" && chmod 0755 "$run" || fail "chown failed"
rm -f "$fifo"
rmdir "$run/sessions" || fail "rmdir $run/sessions failed"
out=$("$PIPECHATD" -n -f "$conf" 2>&1) && fail "-n passed: $out"
case $out in
*"$run"*) ;;
*) fail "-n did not name $run: $out" ;;
esac
write_config fifo.group="$group"
"$PIPECHATD" -n -f "$conf" >/dev/null 2>&1 ||
    fail "-n as root (no user) failed: $("$PIPECHATD" -n -f "$conf" 2>&1)"

step "an unknown user: exit 78, naming the line"
write_config daemon.user=no-such-user-$$
"$PIPECHATD" -f "$conf" >/dev/null 2>"$tmp/unknown.err"
st=$?
[ "$st" -eq 78 ] || fail "exit $st, expected 78"
line=$(grep -n '^user = ' "$conf" | cut -d: -f1)
grep -qF "$conf:$line: user: no such user \"no-such-user-$$\"" \
    "$tmp/unknown.err" || fail "stderr: $(cat "$tmp/unknown.err")"
[ ! -e "$fifo" ] || fail "it made $fifo all the same"

step "no user: root stays root, and says so"
write_config fifo.group="$group"
start_daemon
[ "$(ids Uid)" = "0 0 0 0" ] || fail "Uid: $(ids Uid) without a user"
grep -qF "running as root: set [daemon] user in $conf" "$derr" ||
    fail "no warning: $(cat "$derr")"
stop_daemon
echo "ok"
