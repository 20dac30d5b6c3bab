#!/bin/bash
# SPDX-License-Identifier: ISC
# Who may chat: the owner of a session's FIFOs must have a passwd entry
# (uids from a subordinate range would give one person any number of
# identities) and be allowed to write the well-known FIFO (root, or a
# member of its group when its mode lets only the group write).  FIFOs
# owned by an unmapped uid, or by a user outside the group, are refused
# with a bye that says why, whoever writes the JOIN; members through a
# supplementary group may chat.  A flood of refused JOINs is logged as a
# count, not one line each.
# shellcheck disable=SC2154 # make_user VAR SHORT sets VAR
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=fake.sh
. "$(dirname "$0")/fake.sh"

need_users
getent group nogroup >/dev/null || skip "needs the group nogroup"
setup
make_group
make_user alice alice
# outsider: not in the chat group; carol: in it only as a supplementary
# group (her primary group is nogroup).
make_user outsider out -g nogroup
make_user carol carol -g nogroup -G "$group"
write_config fifo.mode=0620 fifo.group="$group"
start_daemon -d
gid=$(getent group "$group" | cut -d: -f3)

# refused ID OWNER BYE: a fake session of OWNER gets "bye BYE".
refused()
{
	fake_pair "$1" "$2"
	fake_listen "$1"
	fake_join "$1"
	reply=$(fake_reply "$1")
	[ "$reply" = "bye $3" ] ||
	    fail "session $1 of $2 got \"$reply\", not \"bye $3\""
	wait_grep "$derr" "session $1: refused: "
	fake_close "$1"
	[ ! -e "$sdir/$1.in" ] && [ ! -e "$sdir/$1.out" ] ||
	    fail "the FIFOs of the refused session $1 are still there"
	daemon_alive
}

step "an unmapped uid (427680): refused"
refused u1 427680 \
    "uid 427680 has no user name (no entry in the password database)"

step "a user outside the chat group: refused"
refused o1 "$outsider" \
    "$outsider may not chat: not in group $gid of $fifo"

step "a session of alice's, the JOIN written by root: welcome"
fake_pair a1 "$alice"
fake_listen a1
fake_join a1
reply=$(fake_reply a1)
[ "$reply" = "welcome $alice" ] || fail "alice's session got \"$reply\""
fake_close a1

step "carol, in the group as a supplementary group: chats"
run_as "$carol" timeout 10 "$PIPECHAT_CLIENT" -f "$conf" "carol here" </dev/null \
    >/dev/null 2>"$tmp/carol.err" ||
    fail "carol's message failed: $(cat "$tmp/carol.err")"
wait_grep "$dout" "$carol: carol here\$"

step "root: chats"
timeout 10 "$PIPECHAT_CLIENT" -f "$conf" "root here" </dev/null >/dev/null \
    2>"$tmp/root.err" || fail "root's message failed: $(cat "$tmp/root.err")"
wait_grep "$dout" "root: root here\$"

step "60 refused JOINs at once: logged as a count"
for i in $(seq 100 159); do
	fake_pair "f$i" $((427000 + i))
	fake_listen "f$i"
done
for i in $(seq 100 159); do
	printf '\n\001JOIN f%s\n' "$i"
done >"$fifo"
for i in $(seq 100 159); do
	fake_reply "f$i" >/dev/null
	fake_close "f$i"
done
n=$(grep -c "refused: uid 427" "$derr")
step "$n refusals logged one by one"
[ "$n" -lt 40 ] || fail "$n refused JOINs were logged one by one"
poll 15 grep -qE "refused sessions: [0-9]+ more in the last 10 s" "$derr" ||
    fail "no summary of the refused sessions within 15 s"
daemon_alive
stop_daemon
step "ok"
exit 0
