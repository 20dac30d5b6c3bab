#!/bin/bash
# SPDX-License-Identifier: ISC
# Eve, a member of the chat group like alice and bob, tries everything the
# permission model (docs/PROTOCOL.md, "Why nobody can speak for somebody
# else") says she cannot do to alice's session: use, remove or replace
# alice's FIFOs, reach them through symbolic or hard links, announce
# alice's id, join with FIFOs of the wrong modes, group or owners.  Each
# attempt must fail, the daemon must log each refusal and say "bye" with
# the reason where it can, stay up, and never print or deliver a line as
# alice that alice did not write.
# shellcheck disable=SC2154 # make_user VAR SHORT sets VAR
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

need_users
setup
make_group
make_user alice alice
make_user bob bob
make_user eve eve
write_config fifo.mode=0620 fifo.group="$group"
start_daemon -d		# -d: the daemon logs ignored repeated JOINs

# alice_says LINE: alice sends LINE and bob receives it.
alice_lines=$tmp/alice.sent
: >"$alice_lines"
alice_says()
{
	client_say a "$1"
	printf '%s\n' "$1" >>"$alice_lines"
	wait_line "$tmp/b.out" "$alice: $1"
}

# eve COMMAND...: run COMMAND as eve, at most 5 s, stderr in $tmp/eve.err.
eve()
{
	run_as "$eve" timeout 5 "$@" 2>"$tmp/eve.err"
}

# eve_denied WHAT ERRNO-TEXT COMMAND...: COMMAND as eve must fail with
# ERRNO-TEXT (say "Permission denied") on stderr, not hang.
eve_denied()
{
	local what=$1 why=$2 rc

	shift 2
	eve "$@" </dev/null >/dev/null
	rc=$?
	[ "$rc" -ne 124 ] || fail "eve: $what: hung (the open succeeded?)"
	[ "$rc" -ne 0 ] || fail "eve: $what: succeeded"
	grep -qF "$why" "$tmp/eve.err" ||
	    fail "eve: $what: expected \"$why\", got: $(cat "$tmp/eve.err")"
	daemon_alive
}

# eve_fifo NAME MODE [GROUP [OWNER]]: OWNER (default eve) makes the FIFO
# NAME in the session directory with MODE, then gives it GROUP.
eve_fifo()
{
	run_as "${4:-$eve}" sh -c '
		umask 0
		mkfifo -m "$2" "$1" || exit 1
		[ -z "$3" ] || chgrp "$3" "$1"' sh "$sdir/$1" "$2" "${3:-}" ||
	    fail "cannot make $1"
}

# eve_join ID: eve opens ID.out read-write (so that it has a reader and
# she sees the daemon's answer) and writes the JOIN.  The daemon's first
# line to ID.out goes to $tmp/ID.reply.
eve_join()
{
	run_as "$eve" sh -c '
		exec 3<>"$1.out" || exit 1
		printf "\001JOIN %s\n" "${1##*/}" >"$2" || exit 1
		timeout 5 head -n 1 <&3' sh "$sdir/$1" "$fifo" \
	    >"$tmp/$1.reply" 2>"$tmp/$1.err"
}

# eve_try ID OUTMODE INMODE [OUTGROUP [INOWNER]]: the pair, then the JOIN.
eve_try()
{
	eve_fifo "$1.out" "$2" "${4:-}"
	eve_fifo "$1.in" "$3" "" "${5:-}"
	eve_join "$1"
}

# logged_or_dead TEXT: the daemon logged TEXT, or is no longer running.
logged_or_dead()
{
	grep -qF -e "$1" "$derr" || ! alive "$dpid"
}

# refused ID REASON: eve's JOIN of ID got "bye REASON", the daemon logged
# the refusal, and is still running.
refused()
{
	poll 5 logged_or_dead "session $1: refused: $2"
	daemon_alive
	grep -qF "session $1: refused: $2" "$derr" ||
	    fail "no \"session $1: refused: $2\" in the daemon's log"
	[ "$(cat "$tmp/$1.reply")" = "bye $2" ] ||
	    fail "JOIN $1: eve got \"$(cat "$tmp/$1.reply")\", not \"bye $2\""
}

step "alice and bob join"
client_start a "$alice"
wait_line "$dout" "--> $alice joined"
client_start b "$bob"
wait_line "$dout" "--> $bob joined"
wait_line "$tmp/a.out" "--> $bob joined"
alice_says "first words of alice"

ain=$(find "$sdir" -maxdepth 1 -user "$alice" -name '*.in')
aout=${ain%.in}.out
aid=${ain##*/}
aid=${aid%.in}
[ -p "$ain" ] && [ -p "$aout" ] || fail "cannot find alice's FIFOs in $sdir"
step "alice's session is $aid"
# Group and others as the protocol says; the owner's bits are alice's.
dgroup=$(id -gn)
[[ "$(stat -c %a:%U:%G "$ain")" = [0-7]40:"$alice:$dgroup" ]] ||
    fail "alice's $aid.in is $(stat -c %a:%U:%G "$ain")"
[[ "$(stat -c %a:%U:%G "$aout")" = [0-7]20:"$alice:$dgroup" ]] ||
    fail "alice's $aid.out is $(stat -c %a:%U:%G "$aout")"

step "eve cannot list the session directory"
eve_denied "ls $sdir" "Permission denied" ls "$sdir"

step "eve cannot read or write alice's FIFOs"
eve_denied "read $aid.out" "Permission denied" sh -c 'cat <"$1"' sh "$aout"
eve_denied "write $aid.in" "Permission denied" sh -c 'echo x >"$1"' sh "$ain"
eve_denied "read $aid.in" "Permission denied" sh -c 'cat <"$1"' sh "$ain"
eve_denied "write $aid.out" "Permission denied" sh -c 'echo x >"$1"' sh "$aout"

step "eve cannot remove or rename alice's FIFOs (sticky directory)"
eve_denied "rm $aid.in" "Operation not permitted" rm -f "$ain"
eve_denied "rm $aid.out" "Operation not permitted" rm -f "$aout"
eve_denied "mv $aid.in" "Operation not permitted" mv -f "$ain" "$sdir/evil.in"
run_as "$eve" sh -c 'umask 0 && mkfifo -m 0240 "$1"' sh "$sdir/evilfifo" ||
    fail "eve cannot make a FIFO in $sdir"
eve_denied "mv her FIFO over $aid.in" "Operation not permitted" \
    mv -f -T "$sdir/evilfifo" "$ain"
[ -p "$ain" ] && [ -p "$aout" ] && [ ! -e "$sdir/evil.in" ] &&
    [ "$(fifos_of "$alice")" -eq 2 ] ||
    fail "alice's FIFOs were removed, renamed or replaced"
alice_says "alice still here after eve's rm and mv"

step "JOIN through symbolic links to alice's FIFOs: refused"
eve ln -s "$ain" "$sdir/evesym1.in" && eve ln -s "$aout" "$sdir/evesym1.out" ||
    fail "eve cannot make symbolic links in $sdir: $(cat "$tmp/eve.err")"
eve sh -c 'printf "\001JOIN evesym1\n" >"$1"' sh "$fifo" ||
    fail "eve cannot write the JOIN"
wait_grep "$derr" "session evesym1: cannot open evesym1\.out"
daemon_alive
alice_says "alice after the symlink JOIN"

step "JOIN alice's own id: ignored"
eve sh -c 'printf "\001JOIN %s\n\001JOIN %s quiet\n" "$2" "$2" >"$1"' sh \
    "$fifo" "$aid" || fail "eve cannot write the JOIN"
poll 5 eval '[ "$(grep -cF "session $aid: JOIN repeated, ignored" "$derr")" -eq 2 ]' ||
    fail "the daemon did not log both repeated JOINs of $aid as ignored"
eve_denied "write $aid.in after the JOIN" "Permission denied" \
    sh -c 'echo "eve as alice" >"$1"' sh "$ain"
alice_says "alice after eve announced her id"

step "eve cannot hard-link alice's FIFO, or the daemon refuses it"
if [ "$(cat /proc/sys/fs/protected_hardlinks)" = 1 ]; then
	eve_denied "ln $aid.in" "Operation not permitted" \
	    ln "$ain" "$sdir/evehard.in"
	[ ! -e "$sdir/evehard.in" ] || fail "the hard link exists"
else
	step "fs.protected_hardlinks is 0: the daemon must refuse the link"
	eve ln "$ain" "$sdir/evehard.in" ||
	    fail "ln failed: $(cat "$tmp/eve.err")"
	eve_fifo evehard.out 0620
	eve_join evehard
	refused evehard "has other hard links"
fi

step "a FIFO of eve's own with a second link: refused"
eve_fifo evelink.out 0620
eve_fifo evelink.in 0240
eve ln "$sdir/evelink.in" "$sdir/evelink2.in" ||
    fail "eve cannot link her own FIFO: $(cat "$tmp/eve.err")"
eve_join evelink
refused evelink "has other hard links"

step "JOIN with FIFOs of the wrong modes, group or owners: refused"
eve_try evemode1 0660 0240
refused evemode1 "wrong group permission"
eve_try evemode2 0620 0260
refused evemode2 "wrong group permission"
eve_try evemode3 0624 0240
refused evemode3 "others have access"
eve_try evemode4 0620 0242
refused evemode4 "others have access"
eve_try evegroup 0620 0240 "$group"
refused evegroup "not in the daemon's group"
eve_try eveowner 0620 0240 "" "$bob"
refused eveowner "the two FIFOs have different owners"

step "a symbolic link to alice's FIFO as ID.in, eve's own ID.out: refused"
eve ln -s "$ain" "$sdir/evesym2.in" || fail "eve cannot make a symlink"
eve_fifo evesym2.out 0620
eve_join evesym2
refused evesym2 \
    "cannot open the inbound FIFO: evesym2.in is a symbolic link, not a FIFO"

step "control: eve can chat, as herself"
run_as "$eve" timeout 10 "$PIPECHAT_CLIENT" -f "$conf" "eve speaking" </dev/null ||
    fail "eve's one-shot message failed"
wait_line "$tmp/a.out" "$eve: eve speaking"
wait_line "$tmp/b.out" "$eve: eve speaking"
alice_says "last words of alice"

step "nothing was said as alice that alice did not say"
daemon_alive
[ -p "$ain" ] && [ -p "$aout" ] || fail "alice's FIFOs are gone"
grep "^$alice: " "$dout" | sed "s/^$alice: //" >"$tmp/alice.daemon"
grep "^$alice: " "$tmp/b.out" | sed "s/^$alice: //" >"$tmp/alice.bob"
diff -u "$alice_lines" "$tmp/alice.daemon" ||
    fail "the daemon printed lines as alice that alice did not send"
diff -u "$alice_lines" "$tmp/alice.bob" ||
    fail "bob got lines as alice that alice did not send"
[ "$(grep -c "^\(-->\|<--\|\*\) $alice" "$dout")" -eq 1 ] ||
    fail "the daemon printed other notices for alice: $(grep "^\(-->\|<--\|\*\) $alice" "$dout")"
[ "$(grep -c "^\(-->\|<--\|\*\) $alice" "$tmp/b.out")" -eq 0 ] ||
    fail "bob got notices for alice: $(grep "^\(-->\|<--\|\*\) $alice" "$tmp/b.out")"
[ ! -s "$tmp/a.err" ] || fail "alice's client said: $(cat "$tmp/a.err")"
grep -qv -e "^--> $bob joined\$" -e "^$eve: eve speaking\$" "$tmp/a.out" &&
    fail "alice got unexpected lines: $(cat "$tmp/a.out")"

step "alice and bob leave"
client_close a
client_wait a 10
[ "$status" -eq 0 ] || fail "alice's client exited $status"
client_close b
client_wait b 10
[ "$status" -eq 0 ] || fail "bob's client exited $status"
stop_daemon
step "ok"
exit 0
