#!/bin/bash
# SPDX-License-Identifier: ISC
# The client's line editor on a pseudo-terminal (issue 12), against the
# real daemon, through pty-edit.py (a scripted terminal of a given size
# that prints the screen it ends with): a typed line wider than the
# terminal stays whole while messages arrive above it; ^A ^E ^W ^U ^K,
# arrows, Home and End edit it; up and down recall earlier lines, kept
# across runs in $XDG_STATE_HOME/pipechat/history (mode 0600, the last
# 1000, never through a symbolic link, not with --no-history-file); Tab
# completes commands and names; a resize (SIGWINCH) lays the line out
# anew; the sent line leaves the input area and shows under our name;
# HH:MM in front unless --no-timestamps; no colours with NO_COLOR, with
# TERM=dumb, or when stdout is not a terminal; the daemon's history and
# echo of our own line, and /msg.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || skip "needs python3 for the terminal"
setup
here=$(dirname "$0")
write_config fifo.mode=0622
start_daemon
export XDG_STATE_HOME=$tmp/state
export TZ=UTC
hist=$XDG_STATE_HOME/pipechat/history
unset NO_COLOR

# edit NAME COLS ROWS [ARGS...]: run the client on a COLSxROWS terminal
# with the script $tmp/NAME.steps; the screen goes to $tmp/NAME.screen,
# what it wrote to $tmp/NAME.raw.
edit()
{
	local n=$1 cols=$2 rows=$3

	shift 3
	# shellcheck disable=SC2086 # $sigdfl is a word list
	PTY_EDIT_SCALE=$scale limit 60 python3 "$here/pty-edit.py" \
	    "$cols" "$rows" "$tmp/$n.steps" "$tmp/$n.raw" \
	    $sigdfl "$PIPECHAT_CLIENT" -f "$conf" "$@" \
	    >"$tmp/$n.screen" 2>"$tmp/$n.err"
	status=$?
	[ "$status" -eq 0 ] || fail "$n: status $status: $(cat "$tmp/$n.err");" \
	    "the screen: $(sed 's/^/|/' "$tmp/$n.screen");" \
	    "the last bytes it wrote: $(tail -c 300 "$tmp/$n.raw" | cat -v)"
}

# has NAME TEXT: the final screen of NAME has a row that is TEXT.
has()
{
	grep -qxF -e "$2" "$tmp/$1.screen" ||
	    fail "$1: no row \"$2\" on the screen: $(sed 's/^/|/' "$tmp/$1.screen")"
}

say="$PIPECHAT_CLIENT -f $conf -q"
now='[0-9][0-9]:[0-9][0-9]'

step "a line wider than the terminal while messages arrive"
long=$(printf 'abcdefghij%.0s' 1 2 3 4 5 6 7 8 9 10)
cat >"$tmp/wide.steps" <<EOF2
wait Please say#
type $long
sleep 0.3
run $say first message
wait first message
run $say second message, long enough to wrap on thirty columns
wait second message
run $say third
wait third
screen
type \\x15\\x04
EOF2
edit wide 30 20 --no-history-file
# The screen before ^U: messages, then the prompt and the typed line,
# cut into rows of 30, nothing else.
sed '/^----$/q' "$tmp/wide.screen" | grep -v -e '^$' -e '^----$' \
    >"$tmp/wide.before"
sed -n '/^Please say# /,$p' "$tmp/wide.before" | tr -d '\n' >"$tmp/wide.typed"
[ "$(cat "$tmp/wide.typed")" = "Please say# $long" ] ||
    fail "the typed line is not whole after the messages: $(cat "$tmp/wide.typed")"
sed '/^Please say# /,$d' "$tmp/wide.before" >"$tmp/wide.msgs"
grep -q 'abcdefghij' "$tmp/wide.msgs" &&
    fail "pieces of the typed line above it: $(cat "$tmp/wide.msgs")"
grep -v -e "^$now root: " -e '^      ' "$tmp/wide.msgs" >"$tmp/wide.stray"
[ ! -s "$tmp/wide.stray" ] ||
    fail "rows that are neither messages nor their rest: $(cat "$tmp/wide.stray")"
[ "$(grep -c "^$now root: " "$tmp/wide.msgs")" -eq 3 ] ||
    fail "not three messages above the line: $(cat "$tmp/wide.msgs")"

step "wide characters, wider than the terminal, while messages arrive"
cjk=$(printf '\346\227\245\346\234\254%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
cat >"$tmp/cjk.steps" <<EOF2
wait Please say#
type $cjk
sleep 0.3
run $say one message
wait one message
run $say another message
wait another message
screen
type \\x15\\x04
EOF2
edit cjk 31 20 --no-history-file
sed '/^----$/q' "$tmp/cjk.screen" | grep -v -e '^$' -e '^----$' \
    >"$tmp/cjk.before"
sed -n '/^Please say# /,$p' "$tmp/cjk.before" | tr -d '\n ' >"$tmp/cjk.typed"
[ "$(cat "$tmp/cjk.typed")" = "Pleasesay#$cjk" ] ||
    fail "the wide line is not whole after the messages: $(cat "$tmp/cjk.typed")"
sed '/^Please say# /,$d' "$tmp/cjk.before" | grep -q "$(printf '\346\227\245')" &&
    fail "pieces of the wide line above it: $(cat "$tmp/cjk.before")"

step "a lone ESC: the lines that come after it show at once, and it types nothing"
cat >"$tmp/esc.steps" <<EOF2
wait Please say#
type abc\\x1b
sleep 0.3
run $say while the escape hangs
wait while the escape hangs
type def\\r
wait root: abcdef
type \\x04
EOF2
edit esc 60 20 --no-history-file

step "end of input while the terminal is in cooked mode: the client exits"
# A ^D typed while the terminal is between libedit's raw and cooked modes
# reads as 0 bytes, once: the client must take it as the end, not read
# again and wait for ever.
cat >"$tmp/cooked.steps" <<'EOF2'
wait Please say#
cooked
type \x04
EOF2
edit cooked 60 20 --no-history-file

step "^A ^E left right ^W ^U ^K, Home and End; the sent line leaves; a paste"
# Each line sent shows as "root: ..." (the daemon before issue 12 sends
# no echo: the client shows it), and "Please say# " with it is gone.
cat >"$tmp/keys.steps" <<'EOF2'
wait Please say#
type world\x01hello \x05!\r
wait root: hello world!
type one two three\x17\x17four\r
wait root: one four
type abcdef\x1b[D\x1b[D\x1b[DX\x1b[CY\r
wait root: abcXdYef
type junk\x15kept\r
wait root: kept
type keep this cut that\x01\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x0b\r
wait root: keep this
type mid\x1b[H<\x1b[F>\x1bOH[\x1bOF]\r
wait root: [<mid>]
type ab\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbdc\x7f\x7f!\r
wait root: ab!
type \x1bOA\r
type x\xc3y\xe2\x82z\r
wait root: xyz
type pasted one\rpasted two\npasted three\r
wait root: pasted three
sleep 0.5
type \x04
EOF2
edit keys 60 20 --no-history-file
grep -q 'Please say# .' "$tmp/keys.screen" &&
    fail "a sent line stayed after the prompt: $(grep 'Please say# .' "$tmp/keys.screen")"
sed -n "s/^$now //p" "$tmp/keys.screen" >"$tmp/keys.lines"
for l in "hello world!" "one four" "abcXdYef" "kept" "keep this" "[<mid>]" \
    "pasted one" "pasted two" "pasted three"; do
	grep -qxF -e "root: $l" "$tmp/keys.lines" ||
	    fail "no \"HH:MM root: $l\": $(cat "$tmp/keys.screen")"
done
# Backspace took "c", then the thumb with its skin tone: both code points;
# ESC O A (up, in application mode) brought the line back, no "A".
# Bytes that are not UTF-8 were dropped, not the characters after them.
[ "$(grep -cxF -e "root: ab!" "$tmp/keys.lines")" -eq 2 ] ||
    fail "Backspace or ESC O A: $(cat "$tmp/keys.screen")"

step "up and down, the history file: mode 0600, the last 1000 lines"
mkdir -p "$XDG_STATE_HOME/pipechat" || fail "mkdir failed"
seq -f 'old line %g' 1 1500 >"$hist"
cat >"$tmp/hist.steps" <<'EOF2'
wait Please say#
type \x1b[A\r
wait root: old line 1500
type first\r
wait root: first
type second\r
wait root: second
type \x1b[A\x1b[A\x1b[A\x1b[B\r
wait ----
type \x04
EOF2
# ("wait ----" does not come: the screen after the last line is what
# matters; the step just waits for it to settle.)
sed -i 's/^wait ----$/sleep 1/' "$tmp/hist.steps"
edit hist 60 20
[ "$(grep -c "^$now root: first$" "$tmp/hist.screen")" -eq 2 ] ||
    fail "up 3, down 1 did not give \"first\" again: $(cat "$tmp/hist.screen")"
[ "$(stat -c %a "$hist")" = 600 ] ||
    fail "the history file has mode $(stat -c %a "$hist"), not 600"
[ "$(stat -c %a "$XDG_STATE_HOME/pipechat")" = 700 ] ||
    fail "its directory has mode $(stat -c %a "$XDG_STATE_HOME/pipechat")"
[ "$(wc -l <"$hist")" -eq 1000 ] ||
    fail "the history file has $(wc -l <"$hist") lines, not 1000"
[ "$(tail -n 3 "$hist" | tr '\n' ,)" = "old line 1500,first,second," ] &&
    fail "the last line (first, again) is not in the history file"
[ "$(tail -n 3 "$hist" | tr '\n' ,)" = "first,second,first," ] ||
    fail "the history file ends: $(tail -n 3 "$hist" | tr '\n' ,)"

step "--no-history-file: the file is neither read nor written"
cp "$hist" "$tmp/hist.before"
cat >"$tmp/nohist.steps" <<'EOF2'
wait Please say#
type \x1b[Anot from the file\r
wait root: not from the file
type \x04
EOF2
edit nohist 60 20 --no-history-file
cmp -s "$hist" "$tmp/hist.before" || fail "--no-history-file changed $hist"

step "a symbolic link at the history file is not followed"
echo "secret line" >"$tmp/target"
chmod 0644 "$tmp/target"
rm -f "$hist" && ln -s "$tmp/target" "$hist" || fail "ln failed"
cat >"$tmp/link.steps" <<'EOF2'
wait Please say#
type \x1b[A!\r
wait root: !
type \x04
EOF2
edit link 60 20
grep -q "secret" "$tmp/link.screen" && fail "the client read through the link"
[ "$(cat "$tmp/target")" = "secret line" ] ||
    fail "the client wrote through the link: $(cat "$tmp/target")"
[ -f "$hist" ] && [ ! -L "$hist" ] ||
    fail "$hist is not a file of its own now"

step "Tab completes commands and the names seen"
cat >"$tmp/tab.steps" <<EOF2
wait Please say#
run $say hello from a script
wait hello from a script
type /wh\\t
wait Please say# /who
type \\r
wait connected
type hi ro\\t\\r
wait root: hi root
type \\x04
EOF2
edit tab 60 20 --no-history-file
grep -q "connected" "$tmp/tab.screen" ||
    fail "the line was not /who: $(cat "$tmp/tab.screen")"

step "a resize (SIGWINCH) while a long line is typed"
cat >"$tmp/winch.steps" <<EOF2
wait Please say#
type $long
sleep 0.3
resize 40 20
sleep 0.3
run $say after the resize
wait after the resize
screen
type \\x15\\x04
EOF2
edit winch 60 20 --no-history-file
sed '/^----$/q' "$tmp/winch.screen" | grep -v -e '^$' -e '^----$' \
    >"$tmp/winch.before"
sed -n '/^Please say# /,$p' "$tmp/winch.before" | tr -d '\n' \
    >"$tmp/winch.typed"
[ "$(cat "$tmp/winch.typed")" = "Please say# $long" ] ||
    fail "the typed line is not whole after the resize: $(cat "$tmp/winch.typed")"
sed '/^Please say# /,$d' "$tmp/winch.before" | grep -q abcdefghij &&
    fail "pieces of the typed line above it after the resize: $(cat "$tmp/winch.before")"
awk 'length > 40' "$tmp/winch.before" | grep -q . &&
    fail "rows wider than 40 columns after the resize"

step "^Z gives the terminal back and takes it again, the line kept"
# pty-edit.py's child is in an orphaned process group, where the kernel
# does not stop for SIGTSTP: the client gives the terminal back and takes
# it again at once, and that is what is checked.
cat >"$tmp/tstp.steps" <<'EOF2'
wait Please say#
type half typed
sleep 0.3
type \x1a
sleep 0.5
type  more\r
wait root: half typed more
type \x04
EOF2
edit tstp 60 20 --no-history-file
grep -q "Please say# half" "$tmp/tstp.screen" &&
    fail "the line typed before ^Z stayed on the screen: $(cat "$tmp/tstp.screen")"

step "--no-timestamps; colours: on a terminal, not with NO_COLOR or TERM=dumb"
# -q: no history, so "root: plain" on the screen is this session's echo,
# not an earlier step's line replayed (^D was typed too early then).
cat >"$tmp/plain.steps" <<'EOF2'
wait Please say#
type plain\r
wait root: plain
type \x04
EOF2
edit plain 60 20 -q --no-history-file --no-timestamps
has plain "root: plain"
esc=$(printf '\033')
grep -q "${esc}\[1;[0-9]*mroot" "$tmp/plain.raw" ||
    fail "no colour around our name on a terminal: $(cat -v "$tmp/plain.raw")"
cp "$tmp/plain.steps" "$tmp/nocolor.steps"
NO_COLOR='' edit nocolor 60 20 -q --no-history-file
grep -q "${esc}\[[0-9;]*m" "$tmp/nocolor.raw" &&
    fail "colours with NO_COLOR set (empty): $(cat -v "$tmp/nocolor.raw")"
has nocolor "$(date +%H:%M) root: plain"
cp "$tmp/plain.steps" "$tmp/dumb.steps"
TERM=dumb edit dumb 60 20 -q --no-history-file
grep -q "${esc}\[[0-9;]*m" "$tmp/dumb.raw" &&
    fail "colours with TERM=dumb: $(cat -v "$tmp/dumb.raw")"
cp "$tmp/plain.steps" "$tmp/never.steps"
edit never 60 20 -q --no-history-file --color=never
grep -q "${esc}\[[0-9;]*m" "$tmp/never.raw" &&
    fail "colours with --color=never: $(cat -v "$tmp/never.raw")"

step "this daemon's history (marked), our line echoed once, /msg"
cat >"$tmp/e2e.steps" <<'EOF2'
wait Please say#
type the e2e line\r
wait root: the e2e line
type /msg root psst\r
wait -> root: psst
sleep 0.3
type \x04
EOF2
NO_COLOR=1 edit e2e 70 30 --no-history-file
grep -q "^$now ~ root: " "$tmp/e2e.screen" ||
    fail "no history line, marked: $(cat "$tmp/e2e.screen")"
[ "$(grep -c "root: the e2e line" "$tmp/e2e.screen")" -eq 1 ] ||
    fail "our line is not there once: $(cat "$tmp/e2e.screen")"
grep -qx "$now -> root: psst" "$tmp/e2e.screen" ||
    fail "no \"HH:MM -> root: psst\": $(cat "$tmp/e2e.screen")"

step "not a terminal: no editor, no colours, no times, as before"
mkfifo "$tmp/in" || fail "mkfifo failed"
joins=$(grep -c "root joined" "$dout")
limit 20 "$PIPECHAT_CLIENT" -f "$conf" --color=auto <"$tmp/in" \
    >"$tmp/piped.out" 2>"$tmp/piped.err" &
piped_pid=$!
track "$piped_pid"
exec {hold}>"$tmp/in"
# joined: one more join than before the piped client started.
joined()
{
	[ "$(grep -c "root joined" "$dout")" -gt "$joins" ]
}
poll 10 joined || fail "the piped client did not join"
$say "to the piped one" || fail "the one-shot client failed"
poll 10 grep -qxF -e "root: to the piped one" "$tmp/piped.out" ||
    fail "the piped client did not show the line bare: $(cat -v "$tmp/piped.out")"
exec {hold}>&-
wait_exit "$piped_pid" 20
[ "$status" -eq 0 ] || fail "the piped client exited $status"
grep -q "$esc" "$tmp/piped.out" && fail "an ESC on a piped stdout"
step "ok"
exit 0
