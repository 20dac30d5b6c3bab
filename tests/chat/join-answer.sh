#!/bin/bash
# SPDX-License-Identifier: ISC
# A JOIN that cannot be had is answered where it can be, and logged with
# what was wrong.  When ID.out cannot be opened (a symbolic link, a
# regular file, a mode that does not let the daemon write) there is no
# way to answer: the log names what stands there (not "Invalid
# argument").  When ID.out opens but ID.in cannot (missing, a symbolic
# link, a mode that does not let the daemon read), the client gets a bye
# that says which.  Out of fds, a bye is written only into an ID.out that
# passes every check: not into one others may open.  The daemon runs as a
# user of its own, so that modes apply to it; as root for the last part.
# shellcheck disable=SC2154 # make_user VAR SHORT sets VAR
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=fake.sh
. "$(dirname "$0")/fake.sh"

need_users
command -v prlimit >/dev/null || skip "needs prlimit"
setup
make_group
make_user alice alice
make_user daemon pcd
mkdir -m 0755 "$tmp/run" && chown "$daemon" "$tmp/run" ||
    fail "cannot make $tmp/run"
fifo=$tmp/run/chat.fifo
sdir=$tmp/run/sessions
daemon_prefix=$(as_user "$daemon")
write_config fifo.mode=0620 fifo.group="$group"
start_daemon
gid=$(getent group "$group" | cut -d: -f3)

# logged TEXT: the daemon logged TEXT (a fixed string) within 10 s.
logged()
{
	poll 10 grep -qF -e "$1" "$derr" ||
	    fail "the daemon did not log \"$1\""
}

# answered ID BYE: the daemon's first line to the held ID.out is "bye BYE".
answered()
{
	reply=$(fake_reply "$1")
	[ "$reply" = "bye $2" ] ||
	    fail "session $1 got \"$reply\", not \"bye $2\""
	fake_close "$1"
}

step "ID.out a symbolic link: logged as such"
ln -s /dev/null "$sdir/j1.out" && mkfifo -m 0640 "$sdir/j1.in" &&
    chown -h "$alice" "$sdir/j1.out" "$sdir/j1.in" || fail "cannot make j1"
fake_join j1
logged "session j1: cannot open j1.out, so the JOIN is not answered: j1.out is a symbolic link, not a FIFO"

step "ID.out a regular file: logged as such"
: >"$sdir/j2.out" && chown "$alice" "$sdir/j2.out" || fail "cannot make j2"
fake_join j2
logged "j2.out is a regular file, not a FIFO"

step "ID.out mode 0600: logged with its mode"
fake_pair j3 "$alice" 0600 0640
fake_listen j3
fake_join j3
logged "j3.out: its mode 0600 and group $gid do not let pipechatd write it"
fake_close j3

step "ID.in missing: answered"
fake_pair j4 "$alice"
rm "$sdir/j4.in"
fake_listen j4
fake_join j4
answered j4 "cannot open the inbound FIFO: j4.in does not exist"

step "ID.in a symbolic link: answered"
fake_pair j5 "$alice"
rm "$sdir/j5.in" && ln -s /dev/zero "$sdir/j5.in" || fail "cannot make j5"
fake_listen j5
fake_join j5
answered j5 "cannot open the inbound FIFO: j5.in is a symbolic link, not a FIFO"

step "ID.in mode 0600: answered"
fake_pair j6 "$alice" 0620 0600
fake_listen j6
fake_join j6
answered j6 "cannot open the inbound FIFO: j6.in: its mode 0600 and group $gid do not let pipechatd read it"
grep -q "Invalid argument" "$derr" &&
    fail "the daemon logged \"Invalid argument\": $(grep "Invalid" "$derr")"

step "control: alice chats"
run_as "$alice" timeout 10 "$PIPECHAT_CLIENT" -f "$conf" "alice here" </dev/null \
    >/dev/null 2>"$tmp/alice.err" ||
    fail "alice's message failed: $(cat "$tmp/alice.err")"
wait_grep "$dout" "$alice: alice here\$"
stop_daemon

# As root, so that prlimit may change the running daemon's limit.
daemon_prefix=
fifo=$tmp/chat.fifo
sdir=$tmp/sessions
write_config fifo.mode=0620 fifo.group="$group"
start_daemon
step "out of fds: no bye into an ID.out that others may open"
# The lowest free fd number: as the limit, it leaves no fd to open but
# the reserve one.
free=0
while [ -e "/proc/$dpid/fd/$free" ]; do
	free=$((free + 1))
done
fake_pair j7 "$alice" 0622 0640
fake_listen j7
# A writer held open: no end of file, so no reopening (an fd) meanwhile.
exec {hold}>"$fifo" || fail "cannot open $fifo"
soft=$(prlimit --pid "$dpid" --nofile --output SOFT --noheadings) &&
    hard=$(prlimit --pid "$dpid" --nofile --output HARD --noheadings) ||
    fail "prlimit failed"
prlimit --pid "$dpid" --nofile="$free:$hard" || fail "prlimit failed"
fake_join j7
reply=$(fake_reply j7)
prlimit --pid "$dpid" --nofile="$soft:$hard" || fail "prlimit failed"
exec {hold}>&-
[ -z "$reply" ] || fail "the daemon wrote \"$reply\" into j7.out (mode 0622)"
logged "session j7: refused: others have access (no file descriptors left; not answered)"
fake_close j7
stop_daemon
step "ok"
exit 0
