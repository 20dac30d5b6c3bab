#!/bin/bash
# SPDX-License-Identifier: ISC
# /msg USER TEXT (issue 12): delivered to every session of USER's, as
# "alice -> you: text", and to every session of the sender's as "-> bob:
# text" (marked self where FIELDS are), to nobody else; the daemon prints
# "alice -> bob: private message (N bytes)", never the text.  An unknown
# USER (or one too long to be a name), no text or no USER is an error to
# the sender only; /msg to oneself reaches one's own sessions once each;
# /msg counts against the sender's rate.
# shellcheck disable=SC2154 # make_user VAR SHORT sets VAR
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=raw.sh
. "$(dirname "$0")/raw.sh"

need_users
setup
make_group
make_user alice alice
make_user bob bob
make_user carol carol
write_config fifo.mode=0620 fifo.group="$group" session.rate=5 \
    session.burst=5
start_daemon

step "alice twice (fields, plain), bob twice (fields, plain), carol"
raw_start a1 "$alice" fields
raw_start a2 "$alice"
raw_start b1 "$bob" fields
raw_start b2 "$bob"
raw_start c "$carol" fields history
wait_grep "$tmp/a1.out" "^info t=[0-9]+ --> $carol joined\$"

step "alice: /msg bob, to both of bob's sessions and both of hers"
client_say a1 "/msg $bob secret one"
wait_grep "$tmp/b1.out" "^private t=[0-9]+ $alice -> you: secret one\$"
wait_line "$tmp/b2.out" "private $alice -> you: secret one"
wait_grep "$tmp/a1.out" "^private t=[0-9]+;self -> $bob: secret one\$"
wait_line "$tmp/a2.out" "private -> $bob: secret one"
wait_line "$dout" "$alice -> $bob: private message (10 bytes)"
step "from alice's plain session, with spaces kept"
client_say a2 "/msg $bob  two  spaces"
wait_line "$tmp/b2.out" "private $alice -> you:  two  spaces"
wait_grep "$tmp/a1.out" "^private t=[0-9]+;self -> $bob:  two  spaces\$"
wait_line "$dout" "$alice -> $bob: private message (12 bytes)"

step "errors: an unknown user, no text; to the sender only"
client_say a1 "/msg nosuchuser_$$ hello"
wait_grep "$tmp/a1.out" "^error t=[0-9]+ /msg: nosuchuser_$$ is not connected\$"
client_say a2 "/msg $bob"
wait_line "$tmp/a2.out" "error /msg $bob: no text to send: /msg USER TEXT"
long=$(printf 'x%.0s' {1..300})
client_say a2 "/msg $long hi"
wait_line "$tmp/a2.out" "error /msg: ${long:0:32} is not connected"
client_say a2 "/msg"
wait_grep "$tmp/a2.out" '^error unknown command "/msg": try /who, /me ACTION, /msg USER TEXT, '
client_say a2 "/msg $bob   "
client_say a2 "/msg $bob blanks-marker"
wait_line "$tmp/b2.out" "private $alice -> you: blanks-marker"
[ "$(grep -c "^error /msg $bob: no text" "$tmp/a2.out")" -eq 2 ] ||
    fail "/msg with blanks only: no error"

step "to oneself: once to each of one's sessions"
client_say a1 "/msg $alice note to self"
wait_grep "$tmp/a1.out" "^private t=[0-9]+;self -> $alice: note to self\$"
wait_line "$tmp/a2.out" "private -> $alice: note to self"
wait_line "$dout" "$alice -> $alice: private message (12 bytes)"

step "bob answers"
client_say b2 "/msg $alice back"
wait_grep "$tmp/a1.out" "^private t=[0-9]+ $bob -> you: back\$"
wait_line "$tmp/a2.out" "private $bob -> you: back"
wait_grep "$tmp/b1.out" "^private t=[0-9]+;self -> $alice: back\$"

step "over the rate: /msg is held back like a message, and all arrive"
for i in 1 2 3 4 5 6 7 8 9 10; do
	client_say b1 "/msg $carol burst $i"
done
wait_grep "$tmp/b1.out" "^error t=[0-9]+ you are sending more than 5 lines a second"
wait_grep "$tmp/c.out" "^private t=[0-9]+ $bob -> you: burst 10\$"
[ "$(grep -c "^private t=[0-9]* $bob -> you: burst " "$tmp/c.out")" -eq 10 ] ||
    fail "carol did not get the 10: $(cat "$tmp/c.out")"

step "a marker through the room; everybody leaves"
client_say a1 "the end"
for t in a2 b1 b2 c; do
	wait_grep "$tmp/$t.out" "$alice: the end\$"
done
for t in a1 a2 b1 b2 c; do
	raw_end "$t"
done
stop_daemon

step "nobody else saw a private line; the daemon printed no text"
for t in a1 a2; do
	grep '^private ' "$tmp/$t.out" | grep -v -e " -> $bob: " \
	    -e " -> $alice: " -e " $bob -> you: back$" |
	    grep . && fail "$t got another private line"
done
grep '^private ' "$tmp/c.out" | grep -v " $bob -> you: burst " | grep . &&
    fail "carol saw a private line not to her"
[ "$(grep -c '^private ' "$tmp/b1.out")" -eq 14 ] ||
    fail "b1: $(grep -c '^private ' "$tmp/b1.out") private lines, not 14"
[ "$(grep -c '^private ' "$tmp/b2.out")" -eq 14 ] ||
    fail "b2: $(grep -c '^private ' "$tmp/b2.out") private lines, not 14"
grep -e secret -e spaces -e note -e back -e burst "$dout" |
    grep -v ': private message (' | grep . &&
    fail "the daemon printed a private text"
grep -e secret -e spaces -e note -e burst "$derr" &&
    fail "the daemon logged a private text"
step "ok"
exit 0
