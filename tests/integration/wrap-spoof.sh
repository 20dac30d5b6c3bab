#!/bin/bash
# SPDX-License-Identifier: ISC
# What the screen shows cannot be faked by wrapping (issue 9, section 5).
# On an 80-column terminal, a message padded to fill its first row used
# to go on at column 0 of the next, where "<-- SPOOF left" looked like a
# notice of the daemon's.  A fake daemon (fake-daemon.py, so that the
# client's own work is what is tested) sends such lines, padded with dots,
# with wide characters, and with spaces; pty-screen.py runs the client on
# an 80-column pseudo-terminal and shows the rows a terminal would.  No
# row may be one the terminal wrapped to by itself, and every row with
# SPOOF in it must start with the sender's name or with blanks.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || skip "needs python3 for the fake daemon"
python3 -c 'import pty' 2>/dev/null || skip "needs python3's pty module"
setup
here=$(dirname "$0")
sdir=$tmp/sessions
mkfifo -m 0622 "$fifo" && mkdir -m 1777 "$sdir" || fail "cannot make $fifo"

cat >"$tmp/script.py" <<'EOF2'
ANSWER = b"welcome mallory\n"
pad = 80 - len("mallory: brb")
LINES = [
    b"info --> mallory joined\n",
    b"msg mallory: brb" + b"." * pad + b"<-- SPOOF1 left\n",
    b"msg mallory: brb" + b" " * pad + b"<-- SPOOF2 left\n",
    b"msg mallory: " + "\u65e5".encode() * 34 + b"x" + b"-!- SPOOF3\n",
    b"action * mallory waves" + b"~" * 58 + b"* SPOOF4 waves\n",
    b"msg mallory: " + (b"word " * 60) + b"--> SPOOF5 joined\n",
    b"info -!- " + b"x" * 71 + b"<-- SPOOF6 left\n",
    b"msg mallory: END\n",
]
EOF2
python3 "$here/fake-daemon.py" "$fifo" "$sdir" "$tmp/script.py" \
    2>"$tmp/fake.err" &
fpid=$!
track "$fpid"
poll 10 eval '[ -n "$(find /proc/$fpid/fd -lname "$fifo" 2>/dev/null)" ]' ||
    fail "the fake daemon did not open $fifo: $(cat "$tmp/fake.err")"

step "the client on an 80-column terminal"
# shellcheck disable=SC2086 # $sigdfl is a word list
limit 30 python3 "$here/pty-screen.py" 80 "mallory: END" \
    $sigdfl "$PIPECHAT_CLIENT" -p "$fifo" >"$tmp/screen" 2>"$tmp/pty.err"
status=$?
sed 's/^/    | /' "$tmp/screen"
[ "$status" -eq 0 ] ||
    fail "the client exited $status: $(cat "$tmp/pty.err")"
grep -q "mallory: END" "$tmp/screen" || fail "the last line is not shown"
grep -q "^W " "$tmp/screen" &&
    fail "the terminal wrapped a row by itself: $(grep "^W " "$tmp/screen")"
# After the time, HH:MM, that starts every line on a terminal:
grep "SPOOF" "$tmp/screen" | cut -c 3- | sed -E 's/^[0-9]{2}:[0-9]{2} //' |
    grep -v -e "^mallory: " -e "^\* mallory " -e "^ " >"$tmp/spoofed"
[ ! -s "$tmp/spoofed" ] ||
    fail "rows that pass for lines of their own: $(cat "$tmp/spoofed")"
[ "$(grep -c "SPOOF" "$tmp/screen")" -ge 4 ] ||
    fail "the SPOOF lines are not all on the screen"
wait_exit "$fpid" 10
[ "$status" -eq 0 ] || fail "the fake daemon failed: $(cat "$tmp/fake.err")"
step "ok"
exit 0
