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
python3=/usr/bin/python3
[ -x "$python3" ] || python3=$(command -v python3) || skip "needs python3"
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

step "started on a terminal: it lets go of it, and ^C still stops it"
# The daemon is not a session leader (the python child in between is), so
# the pty is its controlling terminal until it lets go of it: /proc says
# which (tty_nr, the 7th field of stat) after "reading".
"$python3" - "$PIPECHATD" "$conf" "$tmp/tty.pid" >"$tmp/tty.out" 2>&1 <<'EOF2'
import os, pty, signal, sys, time
daemon, conf, pidfile = sys.argv[1:4]
pid, master = pty.fork()
if pid == 0:
    d = os.fork()
    if d == 0:
        os.execv(daemon, [daemon, "-f", conf])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with open(pidfile, "w") as f:
        f.write(str(d))
    _, st = os.waitpid(d, 0)
    os._exit(os.waitstatus_to_exitcode(st) & 0xff)
out = b""
deadline = time.time() + 10
while b"reading" not in out and time.time() < deadline:
    try:
        out += os.read(master, 4096)
    except OSError:
        break
dpid = open(pidfile).read()
with open("/proc/%s/stat" % dpid) as f:
    tty_nr = f.read().rsplit(")", 1)[1].split()[4]
print("tty_nr", tty_nr)
os.write(master, b"\x03")
_, st = os.waitpid(pid, 0)
print("exit", os.waitstatus_to_exitcode(st))
EOF2
grep -qx "tty_nr 0" "$tmp/tty.out" ||
    fail "the daemon kept its terminal: $(cat "$tmp/tty.out")"
grep -qx "exit 0" "$tmp/tty.out" ||
    fail "^C did not stop it with status 0: $(cat "$tmp/tty.out")"

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

step "a user in root's group, or root: refused, or said"
shadow useradd -M -N -g 0 -d /nonexistent -s /usr/sbin/nologin "pctr_$$" ||
    fail "useradd pctr_$$ failed"
users="$users pctr_$$"
write_config daemon.user="pctr_$$"
"$PIPECHATD" -n -f "$conf" >/dev/null 2>"$tmp/root-group.err"
st=$?
[ "$st" -eq 78 ] || fail "-n: a user of group 0: exit $st, expected 78"
grep -qF "user: pctr_$$ is in root's group (gid 0), its primary group" \
    "$tmp/root-group.err" || fail "-n: $(cat "$tmp/root-group.err")"
shadow usermod -g "$duser" -G root "pctr_$$" || fail "usermod failed"
"$PIPECHATD" -f "$conf" >/dev/null 2>"$tmp/root-group.err"
st=$?
[ "$st" -eq 78 ] || fail "a user in group root: exit $st, expected 78"
grep -qF "user: pctr_$$ is in root's group (gid 0): give it" \
    "$tmp/root-group.err" || fail "start: $(cat "$tmp/root-group.err")"
write_config fifo.group="$group" daemon.user=root
start_daemon
grep -qF "running as root: [daemon] user in $conf is root" "$derr" ||
    fail "user = root said nothing: $(cat "$derr")"
stop_daemon

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
