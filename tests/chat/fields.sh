#!/bin/bash
# SPDX-License-Identifier: ISC
# Issue 12: JOIN words and the FIELDS word.  A session that joined with
# "fields" gets every line as "KIND FIELDS TEXT" with t= the time the
# daemon took it (the notice of lines dropped for a session that does not
# read included), and its own messages and actions back, marked "self";
# one that did not gets exactly the old "KIND TEXT" lines and no echo (old
# clients keep working); an unknown JOIN word is ignored.  The daemon's
# stdout has a time in front of each line with [log] timestamps = yes
# and auto (not the journal), none with no (auto when stdout is the
# journal's stream: tests/unit/test-stamp.c).  Runs as whoever runs it
# (sessions of one user).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=raw.sh
. "$(dirname "$0")/raw.sh"
# shellcheck source=fake.sh
. "$(dirname "$0")/fake.sh"

setup
write_config session.max_per_user=8
start_daemon

step "an old session, a fields session, one with unknown words too"
raw_start o "$me"
raw_start f "$me" fields
wait_line "$tmp/o.out" "info --> $me joined"
raw_start u "$me" colour-2 fields zz_top history
wait_grep "$tmp/f.out" "^info t=[0-9]+ --> $me joined\$"

step "the fields session talks: echoed to it only, marked self"
client_say f "hello"
wait_grep "$tmp/f.out" "^msg t=[0-9]+;self $me: hello\$"
wait_grep "$tmp/u.out" "^msg t=[0-9]+ $me: hello\$"
wait_line "$tmp/o.out" "msg $me: hello"
step "the old session acts: no echo to it"
client_say o "/me waves"
wait_grep "$tmp/f.out" "^action t=[0-9]+ \\* $me waves\$"
wait_grep "$tmp/u.out" "^action t=[0-9]+ \\* $me waves\$"
client_say o "/who"
wait_line "$tmp/o.out" "info -!- 3 connected: $me $me $me"
client_say f "/who"
wait_grep "$tmp/f.out" "^info t=[0-9]+ -!- 3 connected: $me $me $me\$"
client_say f "/nosuch"
wait_grep "$tmp/f.out" "^error t=[0-9]+ unknown command \"/nosuch\""
client_say o "bye now"
wait_grep "$tmp/f.out" "^msg t=[0-9]+ $me: bye now\$"

step "the same message has the same t= for everyone"
tf=$(sed -n "s/^msg t=\\([0-9]*\\);self $me: hello\$/\\1/p" "$tmp/f.out")
tu=$(sed -n "s/^msg t=\\([0-9]*\\) $me: hello\$/\\1/p" "$tmp/u.out")
[ -n "$tf" ] && [ "$tf" = "$tu" ] || fail "t= differs: \"$tf\", \"$tu\""

step "everybody leaves"
raw_end u
raw_end f
wait_line "$tmp/o.out" "info <-- $me left"
raw_end o
stop_daemon

step "the old session's lines are exactly the old format"
cat >"$tmp/o.want" <<EOF2
welcome $me
info --> $me joined
info --> $me joined
msg $me: hello
info -!- 3 connected: $me $me $me
info <-- $me left
info <-- $me left
bye you left
EOF2
diff -u "$tmp/o.want" "$tmp/o.out" || fail "the old session's lines differ"
step "every line of a fields session has t=, and says what the old one says"
check_fields "$tmp/f.out"
check_fields "$tmp/u.out"
cat >"$tmp/f.want" <<EOF2
welcome $me
info --> $me joined
msg $me: hello
action * $me waves
info -!- 3 connected: $me $me $me
error unknown command "/nosuch": try /who, /me ACTION, /msg USER TEXT, /quit, /help, or //text to say "/text"
msg $me: bye now
info <-- $me left
bye you left
EOF2
nofields "$tmp/f.out" >"$tmp/f.got"
diff -u "$tmp/f.want" "$tmp/f.got" || fail "the fields session's lines differ"
grep -c ';self ' "$tmp/f.out" | { read -r n; [ "$n" -eq 1 ] ||
    fail "f.out: $n lines marked self, not 1"; }
! grep -q ';self ' "$tmp/u.out" || fail "u.out: a line marked self"
step "no time in front of the daemon's lines with timestamps = no"
cat >"$tmp/d.want" <<EOF2
--> $me joined
--> $me joined
--> $me joined
$me: hello
* $me waves
$me: bye now
<-- $me left
<-- $me left
<-- $me left
EOF2
diff -u "$tmp/d.want" "$dout" || fail "the daemon's output differs"

# stamped: each line of $dout is "TIME TEXT", TIME in RFC 3339 and now;
# the texts without it are those of $tmp/d.want.
stamped()
{
	local line t now

	now=$(date +%s)
	while IFS= read -r line; do
		[[ "$line" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}\  ]] ||
		    fail "$1: no time in front of \"$line\""
		t=$(date -d "${line%% *}" +%s) || fail "$1: bad time: $line"
		[ "$t" -le "$now" ] && [ "$t" -gt $((now - 600)) ] ||
		    fail "$1: \"$line\" is not stamped now ($now)"
	done <"$dout"
	cut -d' ' -f2- "$dout" | diff -u "$tmp/d.want" - ||
	    fail "$1: the daemon's output differs"
}

# talk: a session says hello and waves; another says bye now.
talk()
{
	# each one in before anybody talks: the clients start in the
	# background, and f's JOIN could overtake o's
	raw_start o "$me"
	wait_grep "$tmp/o.out" "^welcome "
	raw_start f "$me" fields
	wait_line "$tmp/o.out" "info --> $me joined"
	client_say f "hello"
	client_say f "/me waves"
	wait_line "$tmp/o.out" "action * $me waves"
	client_say o "bye now"
	wait_grep "$tmp/f.out" "^msg t=[0-9]+ $me: bye now\$"
	raw_end f
	wait_line "$tmp/o.out" "info <-- $me left"
	raw_end o
	stop_daemon
}
cat >"$tmp/d.want" <<EOF2
--> $me joined
--> $me joined
$me: hello
* $me waves
$me: bye now
<-- $me left
<-- $me left
EOF2

for mode in yes auto; do
	step "timestamps = $mode, stdout a file: a time in front of each line"
	write_config session.max_per_user=8 log.timestamps=$mode
	start_daemon
	talk
	stamped "timestamps = $mode"
done

step "a fields session that does not read: its dropped-lines notice has t="
write_config session.max_per_user=8 session.queue_max=16384
start_daemon
fake_pair slow "$me"
fake_listen slow
fake_join slow fields
raw_start s "$me"
big=$(printf '%*s' 2000 '' | tr ' ' y)
for i in $(seq 60); do
	client_say s "$i $big"
done
client_say s "/me is done"
wait_line "$dout" "* $me is done"
timeout 3 cat <&"${fo[slow]}" >"$tmp/slow.out"
grep -qE "^info t=[0-9]+ -!- [0-9]+ messages dropped: you were not reading fast enough\$" \
    "$tmp/slow.out" || fail "no dropped-lines notice with t= in slow.out"
grep -qE "^welcome t=[0-9]+ $me\$" "$tmp/slow.out" ||
    fail "slow.out: no welcome with t="
fake_close slow
raw_end s
stop_daemon
step "ok"
exit 0
