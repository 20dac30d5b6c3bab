#!/bin/bash
# SPDX-License-Identifier: ISC
# History on join (issue 12): a session that joins with "fields history"
# gets the last [chat] history messages and actions (anonymous lines
# too, never private messages or notices), right after its welcome and
# before any live line, oldest first, each with the t= it had live and
# the "h" item.  history_bytes bounds their text; history = 0 keeps none;
# quiet, "history" without "fields" and "fields" alone get none.  A
# restart keeps it through [chat] history_file (written at the stop,
# mode 0600, removed when read); a killed daemon keeps none; a symbolic
# link or a file others may read there is not read; empty: none kept.  Runs as whoever runs it (sessions of one user).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=raw.sh
. "$(dirname "$0")/raw.sh"

setup

# hist FILE: the history lines of FILE without their FIELDS.
hist()
{
	grep -E '^[a-z]+ ([^ ;]*;)*h(;[^ ]*)? ' "$1" |
	    sed -E 's/^([a-z]+) [^ ]+ /\1 /'
}

# no_history TAG: TAG got nothing from the history.
no_history()
{
	! grep -qE '^[a-z]+ ([^ ;]*;)*h(;[^ ]*)? ' "$tmp/$1.out" ||
	    fail "$1 got history: $(cat "$tmp/$1.out")"
}

hf=$tmp/history
write_config session.max_per_user=16 chat.history=3 chat.history_file="$hf"
start_daemon

step "a session talks; a fields session sees it live"
raw_start s "$me"
raw_start f "$me" fields
client_say s "m1"
client_say s "m2"
client_say s "m3"
client_say s "/me acts"
wait_grep "$tmp/f.out" "^action t=[0-9]+ \\* $me acts\$"
printf '\nanon line\n' >"$fifo" || fail "cannot write $fifo"
wait_grep "$tmp/f.out" "^msg t=[0-9]+ \\(anonymous\\): anon line\$"
client_say s "/msg $me private words"
client_say s "/who"
client_say s "//slash"
wait_grep "$tmp/f.out" "^msg t=[0-9]+ $me: /slash\$"

step "a session joins with fields and history: the last 3, then live"
raw_start h "$me" history fields
client_say s "live one"
wait_grep "$tmp/h.out" "^msg t=[0-9]+ $me: live one\$"
cat >"$tmp/h.want" <<EOF2
action * $me acts
msg (anonymous): anon line
msg $me: /slash
EOF2
hist "$tmp/h.out" | diff -u "$tmp/h.want" - || fail "h's history differs"
step "right after the welcome, before any live line"
sed -n '2,4p' "$tmp/h.out" | sed -E 's/^([a-z]+) [^ ]+ /\1 /' |
    diff -u "$tmp/h.want" - || fail "the history is not lines 2-4"
grep -qE "^welcome t=[0-9]+ $me\$" <(head -n 1 "$tmp/h.out") ||
    fail "h's first line is not its welcome"
step "each with the t= it had live"
for text in "\\* $me acts" "\\(anonymous\\): anon line" "$me: /slash"; do
	live=$(sed -nE "s|^[a-z]+ t=([0-9]+) $text\$|\\1|p" "$tmp/f.out")
	old=$(sed -nE "s|^[a-z]+ t=([0-9]+);h $text\$|\\1|p" "$tmp/h.out")
	[ -n "$live" ] && [ "$live" = "$old" ] ||
	    fail "\"$text\": t=$old in the history, t=$live live"
done
! grep -q "private words" "$tmp/h.out" || fail "a private message replayed"

step "quiet, history without fields, fields alone: no history"
raw_start q "$me" quiet fields history
raw_start n "$me" history
raw_start o "$me" fields
client_say s "live two"
for t in q n o; do
	wait_grep "$tmp/$t.out" "$me: live two\$"
	no_history "$t"
done
# Without FIELDS the "h" cannot be seen: look for the texts themselves.
for t in q n o; do
	! grep -q -e acts -e "anon line" -e /slash "$tmp/$t.out" ||
	    fail "$t got the history: $(cat "$tmp/$t.out")"
done
for t in s f h q n o; do
	raw_end "$t"
done

step "a restart keeps it: written at the stop (0600), read back and removed"
stop_daemon
[ -f "$hf" ] || fail "no $hf after the stop"
[ "$(stat -c %a "$hf")" = 600 ] || fail "$hf has mode $(stat -c %a "$hf")"
grep -qF "kept 3 lines of history" "$derr" ||
    fail "the stop did not say it kept 3 lines: $(cat "$derr")"
start_daemon
[ ! -e "$hf" ] || fail "$hf is still there after the start"
raw_start s "$me"
raw_start h "$me" fields history
client_say s "after restart"
wait_grep "$tmp/h.out" "^msg t=[0-9]+ $me: after restart\$"
printf 'msg %s: /slash\nmsg %s: live one\nmsg %s: live two\n' "$me" "$me" \
    "$me" >"$tmp/h.want"
hist "$tmp/h.out" | diff -u "$tmp/h.want" - ||
    fail "the history after a restart differs"
live=$(sed -nE "s|^msg t=([0-9]+) $me: live two\$|\\1|p" "$tmp/f.out")
old=$(sed -nE "s|^msg t=([0-9]+);h $me: live two\$|\\1|p" "$tmp/h.out")
[ -n "$live" ] && [ "$live" = "$old" ] ||
    fail "\"live two\": t=$old after the restart, t=$live live"
raw_end h
raw_end s

step "a daemon killed keeps none: the next one replays nothing older"
crash_daemon
[ ! -e "$hf" ] || fail "a killed daemon left $hf"
start_daemon
raw_start s "$me"
raw_start h "$me" fields history
client_say s "after the kill"
wait_grep "$tmp/h.out" "^msg t=[0-9]+ $me: after the kill\$"
no_history h
raw_end h
raw_end s
stop_daemon

step "a symbolic link, or a file others may read, at history_file: not read"
echo precious >"$tmp/target" || fail "cannot write $tmp/target"
rm -f "$hf"
ln -s "$tmp/target" "$hf" || fail "ln -s failed"
start_daemon
wait_grep "$derr" "$hf: a symbolic link, not the history file: left alone"
raw_start s "$me"
client_say s "kept instead of the link"
wait_line "$dout" "$me: kept instead of the link"
raw_end s
stop_daemon
[ "$(cat "$tmp/target")" = precious ] || fail "the link's target was written"
[ -f "$hf" ] && [ ! -L "$hf" ] || fail "$hf is not our file after the stop"
chmod 0644 "$hf" || fail "chmod failed"
start_daemon
wait_grep "$derr" "$hf: not a history file of ours"
raw_start s "$me"
raw_start h "$me" fields history
client_say s "marker"
wait_grep "$tmp/h.out" "^msg t=[0-9]+ $me: marker\$"
no_history h
raw_end h
raw_end s
stop_daemon
rm -f "$hf"

# bad_file LINE: a history file of ours whose third line is LINE, after a
# good one: only the good one is replayed, and the daemon names line 3.
bad_file()
{
	{
		echo "pipechat-history 1"
		echo "msg $(date +%s) $me: good line"
		printf '%s\n' "$1"
		echo "msg $(date +%s) $me: after the bad one"
	} >"$hf" && chmod 0600 "$hf" || fail "cannot write $hf"
	start_daemon
	wait_grep "$derr" "$hf: line 3 is not a history line"
	raw_start s "$me"
	raw_start h "$me" fields history
	client_say s "marker"
	wait_grep "$tmp/h.out" "^msg t=[0-9]+ $me: marker\$"
	printf 'msg %s: good line\n' "$me" >"$tmp/h.want"
	hist "$tmp/h.out" | diff -u "$tmp/h.want" - ||
	    fail "not just the good line replayed"
	raw_end h
	raw_end s
	stop_daemon
	rm -f "$hf"
}
step "a history file not as pipechatd writes it: a line too long, a control byte"
bad_file "msg 1 $(printf '%*s' 16400 '' | tr ' ' x)"
bad_file "$(printf 'msg 1 %s: \033]0;owned\a' "$me")"

step "history_file set empty: nothing written"
write_config session.max_per_user=16 chat.history=3 chat.history_file=
start_daemon
raw_start s "$me"
client_say s "not kept"
wait_line "$dout" "$me: not kept"
raw_end s
stop_daemon
[ ! -e "$hf" ] || fail "$hf written with history_file empty"

step "history_bytes: the last messages whose texts fit"
write_config session.max_per_user=16 chat.history=20 chat.history_bytes=100
start_daemon
raw_start s "$me"
# Each text, "NAME: " and the rest, is 45 bytes: 2 fit in 100, not 3.
pad=$(printf '%*s' $((45 - ${#me} - 2 - 2)) '' | tr ' ' x)
for i in 1 2 3 4 5; do
	client_say s "b$i$pad"
done
raw_start f "$me" fields
client_say s "marker"
wait_grep "$tmp/f.out" "^msg t=[0-9]+ $me: marker\$"
raw_start h "$me" fields history
client_say s "live"
wait_grep "$tmp/h.out" "^msg t=[0-9]+ $me: live\$"
# b5 (45) and marker (${#me} + 8) fit in 100; b4 would not.
printf 'msg %s: b5%s\nmsg %s: marker\n' "$me" "$pad" "$me" >"$tmp/h.want"
hist "$tmp/h.out" | diff -u "$tmp/h.want" - ||
    fail "history_bytes 100: the history differs"
for t in s f h; do
	raw_end "$t"
done
stop_daemon

step "history = 0: none"
write_config session.max_per_user=16 chat.history=0
start_daemon
raw_start s "$me"
client_say s "said before"
wait_line "$dout" "$me: said before"
raw_start h "$me" fields history
client_say s "said after"
wait_grep "$tmp/h.out" "^msg t=[0-9]+ $me: said after\$"
no_history h
raw_end h
raw_end s
stop_daemon
step "ok"
exit 0
