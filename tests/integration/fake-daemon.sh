#!/bin/bash
# SPDX-License-Identifier: ISC
# The client treats every byte it reads as hostile (issue 9, section 7).
# A fake pipechatd (fake-daemon.py), which anybody can run and point
# others at with -p, sends what the real one never would: a msg line of
# 40,000 bytes of 0x80 (which sanitised triples: it overflowed the
# client's stack before), a line of a kind the client does not know, a
# line without a kind, and, to another client, a "bye" of 512 invalid
# bytes as the answer to its JOIN (it wrote one byte past its buffer).
# The client must show all of it safely and exit as usual.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || skip "needs python3 for the fake daemon"
setup
sdir=$tmp/sessions
mkfifo -m 0622 "$fifo" && mkdir -m 1777 "$sdir" || fail "cannot make $fifo"

# A client whose stdin is a FIFO we hold open until we have seen its output.
step "a 40,000-byte line of 0x80, an unknown kind, a line without a kind"
cat >"$tmp/long.py" <<'EOF2'
ANSWER = b"welcome mallory\n"
LINES = [
    b"msg " + b"\x80" * 40000 + b"\n",
    b"notice --> bob joined\n",
    b"\x1b[2J" + b"\x80" * 20 + b"\n",
    b"msg mallory: END\n",
]
EOF2
run_fake "$tmp/long.py"
mkfifo "$tmp/stdin" || fail "mkfifo failed"
# shellcheck disable=SC2086 # $sigdfl is a word list
limit 20 $sigdfl "$PIPECHAT_CLIENT" -p "$fifo" <"$tmp/stdin" \
    >"$tmp/long.out" 2>"$tmp/long.err" &
client_pid=$!
track "$client_pid"
exec {hold}>"$tmp/stdin"
poll 10 grep -qxF -e "mallory: END" "$tmp/long.out"
found=$?
exec {hold}>&-
wait_exit "$client_pid" 20
[ "$found" -eq 0 ] ||
    fail "the client did not show the last line (exit $status): $(head -c 300 "$tmp/long.err")"
[ "$status" -eq 0 ] ||
    fail "the client exited $status, not 0: $(head -c 300 "$tmp/long.err")"
wait_exit "$fpid" 10
[ "$status" -eq 0 ] || fail "the fake daemon failed: $(cat "$tmp/fake.err")"
fffd=$(printf '\357\277\275')
head -n 1 "$tmp/long.out" >"$tmp/first"
[ "$(wc -c <"$tmp/first")" -ge $((3 * 32000)) ] &&
    ! LC_ALL=C grep -q "[^$fffd]" "$tmp/first" ||
    fail "the first line is not U+FFFD for each byte: $(head -c 100 "$tmp/first")"
grep -qxF -e "[notice] --> bob joined" "$tmp/long.out" ||
    fail "the unknown kind is not shown as \"[notice] --> bob joined\""
LC_ALL=C grep -q "$(printf '\033')" "$tmp/long.out" &&
    fail "an ESC reached the client's output"
grep -q "^-->" "$tmp/long.out" &&
    fail "a line of the fake's starts like a join notice"
[ ! -s "$tmp/long.err" ] || fail "the client said: $(head -c 300 "$tmp/long.err")"

step "a bye of 512 invalid bytes as the answer to the JOIN"
cat >"$tmp/bye.py" <<'EOF2'
ANSWER = b"bye " + b"\x80" * 512 + b"\n"
EOF2
run_fake "$tmp/bye.py"
# shellcheck disable=SC2086 # $sigdfl is a word list
limit 20 $sigdfl "$PIPECHAT_CLIENT" -p "$fifo" </dev/null \
    >"$tmp/bye.out" 2>"$tmp/bye.err"
status=$?
[ "$status" -eq 69 ] ||
    fail "the client exited $status, not 69: $(head -c 300 "$tmp/bye.err")"
# After the program's name (pipechat-client.real under valgrind's wrapper):
want="pipechatd refused the session: $(for _ in $(seq 512); do printf '%s' "$fffd"; done)"
said=$(cat "$tmp/bye.err")
[ "${said#pipechat-client*: }" = "$want" ] ||
    fail "the client said: $(head -c 300 "$tmp/bye.err")"
step "ok"
exit 0
