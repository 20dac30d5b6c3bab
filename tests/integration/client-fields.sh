#!/bin/bash
# SPDX-License-Identifier: ISC
# What the client makes of the FIELDS of issue 12, on a pseudo-terminal,
# from a fake pipechatd (fake-daemon.py) that sends canned lines: an
# interactive session joins with "fields history" ("fields" with -q, none
# piped); lines from before we joined (h) are dimmed, or marked "~ "
# without colours; each line starts with the time it was said (t=), as
# HH:MM local time; our own line comes back (self) and shows under our
# name, once, with the typed line gone; a mention of our name and a
# private line to us ring the bell (not with --no-bell, not for history);
# colours never come from the text; Tab lists the names seen, never one
# with escapes in it.  A daemon from before issue 12 drops
# a JOIN with those words: the client joins again plainly after 5 s and
# shows its own lines itself.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || skip "needs python3 for the fake daemon"
setup
here=$(dirname "$0")
mkfifo -m 0622 "$fifo" && mkdir -m 1777 "$sdir" || fail "cannot make $fifo"
export TZ=UTC
export XDG_STATE_HOME=$tmp/state
esc=$(printf '\033')

# fake_done: the fake daemon exited 0.
fake_done()
{
	wait_exit "$fpid" 20
	[ "$status" -eq 0 ] || fail "the fake daemon failed: $(cat "$tmp/fake.err")"
}

# edit NAME STEPS [ARGS...]: the client on a 70x24 terminal with the
# script STEPS; the screen goes to $tmp/NAME.screen, its output to
# $tmp/NAME.raw.
edit()
{
	local n=$1

	printf '%s\n' "$2" >"$tmp/$n.steps"
	shift 2
	# shellcheck disable=SC2086 # $sigdfl is a word list
	PTY_EDIT_SCALE=$scale limit 60 python3 "$here/pty-edit.py" \
	    70 24 "$tmp/$n.steps" "$tmp/$n.raw" $sigdfl "$PIPECHAT_CLIENT" -p "$fifo" \
	    --no-history-file "$@" >"$tmp/$n.screen" 2>"$tmp/$n.err"
	status=$?
	[ "$status" -eq 0 ] || fail "$n: status $status: $(cat "$tmp/$n.err")"
}

# has NAME TEXT: a row of NAME's last screen is TEXT.
has()
{
	grep -qxF -e "$2" "$tmp/$1.screen" ||
	    fail "$1: no row \"$2\": $(sed 's/^/|/' "$tmp/$1.screen")"
}

# bells NAME N: the terminal rang N times.
bells()
{
	[ "$(tail -n 1 "$tmp/$1.screen")" = "bells: $2" ] ||
	    fail "$1: $(tail -n 1 "$tmp/$1.screen"), not $2"
}

hm()
{
	date -u -d "@$1" +%H:%M
}

cat >"$tmp/fields.py" <<'EOF2'
ANSWER = b"welcome t=1700000000 alice\n"
LINES = [
    b"msg t=1699990000;h bob: alice was here\n",
    b"info t=1700000000 --> bob joined\n",
    b"msg t=1700000060 bob: hi alice, how are you\n",
    b"private t=1700000120 bob -> you: a secret\n",
    b"private t=1700000240;self -> bob: psst\n",
    b"msg t=1700000250;future=1 carol: \x1b[31mred\n",
    b"msg t=1700000251 \x1b]0;pwned\x07mallory: hi\n",
    b"msg - carol: END\n",
]
ECHO = b"msg t=1700000300;self alice: "
EOF2
steps='wait carol: END
type \t
wait bob carol
type hello there\r
wait alice: hello there
sleep 0.3
type \x04'

step "no colours: history marked, times, self echo, private, bell on mentions"
run_fake "$tmp/fields.py"
NO_COLOR=1 edit plain "$steps"
fake_done
[ "$(cat "$tmp/fields.py.words")" = "fields history" ] ||
    fail "the JOIN's words: \"$(cat "$tmp/fields.py.words")\""
has plain "$(hm 1699990000) ~ bob: alice was here"
has plain "$(hm 1700000000) --> bob joined"
has plain "$(hm 1700000060) bob: hi alice, how are you"
has plain "$(hm 1700000120) bob -> you: a secret"
has plain "$(hm 1700000240) -> bob: psst"
has plain "$(hm 1700000300) alice: hello there"
grep -qx "[0-9][0-9]:[0-9][0-9] carol: END" "$tmp/plain.screen" ||
    fail "no \"HH:MM carol: END\" (no t=: the time it came)"
[ "$(grep -c "alice: hello there" "$tmp/plain.screen")" -eq 1 ] ||
    fail "our line is not there once: $(cat "$tmp/plain.screen")"
grep -q "Please say# hello" "$tmp/plain.screen" &&
    fail "the typed line stayed in the input area"
bells plain 2
# Tab on nothing listed the names seen, not the one with escapes in it.
has plain "bob carol"
LC_ALL=C grep -q "${esc}]0;" "$tmp/plain.raw" &&
    fail "an OSC sequence from a name reached the terminal"
grep -q "$esc" <(sed "s/${esc}\[[0-9]*[ABCDGJK]//g" "$tmp/plain.raw") &&
    fail "an ESC other than cursor moves with NO_COLOR: $(cat -v "$tmp/plain.raw")"

step "colours: history dimmed, names, mentions, private; none from the text"
run_fake "$tmp/fields.py"
TERM=xterm edit color "$steps"
fake_done
has color "$(hm 1699990000) bob: alice was here"
grep -qF "${esc}[2mbob: alice was here" "$tmp/color.raw" ||
    fail "the history line is not dimmed: $(cat -v "$tmp/color.raw")"
grep -qF "${esc}[1;7malice${esc}[0m, how are you" "$tmp/color.raw" ||
    fail "the mention is not highlighted: $(cat -v "$tmp/color.raw")"
grep -qF "${esc}[1;35mbob -> you: " "$tmp/color.raw" ||
    fail "the private line is not styled: $(cat -v "$tmp/color.raw")"
grep -qE "${esc}\[1;[0-9]+malice${esc}\[0m: hello there" "$tmp/color.raw" ||
    fail "our own name is not bold in its colour: $(cat -v "$tmp/color.raw")"
grep -qF "${esc}[31mred" "$tmp/color.raw" &&
    fail "the text's own ESC [31m reached the terminal"
has color "$(hm 1700000250) carol: ^[[31mred"
bells color 2

step "--no-bell"
run_fake "$tmp/fields.py"
edit nobell "$steps" --no-bell
fake_done
bells nobell 0

step "-q on a terminal: fields, no history"
run_fake "$tmp/fields.py"
edit quiet "$steps" -q
fake_done
[ "$(cat "$tmp/fields.py.words")" = "quiet fields" ] ||
    fail "the JOIN's words with -q: \"$(cat "$tmp/fields.py.words")\""

step "piped: a plain JOIN, lines as before"
cat >"$tmp/piped.py" <<'EOF2'
ANSWER = b"welcome alice\n"
LINES = [b"msg bob: hi\n"]
EOF2
run_fake "$tmp/piped.py"
echo hello | limit 20 "$PIPECHAT_CLIENT" -p "$fifo" >"$tmp/piped.out" \
    2>"$tmp/piped.err" || fail "the piped client failed: $(cat "$tmp/piped.err")"
fake_done
[ "$(cat "$tmp/piped.py.words")" = "" ] ||
    fail "a piped client asked for \"$(cat "$tmp/piped.py.words")\""

step "a daemon before issue 12: a plain JOIN after 5 s, our lines shown by us"
cat >"$tmp/old.py" <<'EOF2'
OLD = True
ANSWER = b"welcome alice\n"
LINES = [b"msg bob: END\n"]
EOF2
run_fake "$tmp/old.py"
edit old 'wait bob: END
type hello old daemon\r
wait alice: hello old daemon
type /me waves\r
wait * alice waves
type /who\r
sleep 0.5
type \x04'
fake_done
[ "$(cat "$tmp/old.py.words")" = "" ] ||
    fail "the second JOIN asked for \"$(cat "$tmp/old.py.words")\""
grep -q "/who" "$tmp/old.screen" && fail "the command /who was shown as said"
step "ok"
exit 0
