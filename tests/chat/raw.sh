# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp, sdir, fifo, cpid, cfd: set by tests/lib.sh
# Bare protocol clients (rawclient.py) for the chat tests that check the
# daemon's lines as they are on the wire: JOIN words, FIELDS, history,
# private messages.  Source after tests/lib.sh; the clients take the
# client_say, client_close and client_wait of tests/lib.sh.

# The system's python3 if there is one: the test users may not be able to
# run one from root's home (a pyenv shim).
python3=/usr/bin/python3
[ -x "$python3" ] || python3=$(command -v python3) || skip "needs python3"
rawclient=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/rawclient.py

# raw_start TAG USER [WORD...]: a bare client of USER joining with the JOIN
# WORDs (its session id raw-TAG-PID), its stdin the FIFO $tmp/TAG.in held by this shell, what the
# daemon writes to it in $tmp/TAG.out; waits for its welcome.
raw_start()
{
	local tag=$1 u=$2 fd

	shift 2
	# A copy the test users can read (the checkout may be closed to them).
	if [ ! -f "$bin/rawclient.py" ]; then
		cp "$rawclient" "$bin/rawclient.py" &&
		    chmod 0755 "$bin/rawclient.py" ||
		    fail "cannot copy $rawclient to $bin"
	fi
	# A tag may be used again once its client has gone.
	rm -f "$tmp/$tag.in"
	mkfifo "$tmp/$tag.in" || fail "mkfifo $tmp/$tag.in failed"
	exec {fd}<>"$tmp/$tag.in" || fail "cannot open $tag's stdin"
	# Emptied here, not by the child's redirection, which may come after
	# the wait below has read an earlier client's welcome in it.
	: >"$tmp/$tag.out" && : >"$tmp/$tag.err" ||
	    fail "cannot write $tmp/$tag.out"
	# shellcheck disable=SC2046 # a word list
	(
		close_held
		exec {fd}>&-
		exec $(as_user "$u") "$python3" "$bin/rawclient.py" "$sdir" "$fifo" \
		    "raw-$tag-$$" "$@"
	) <"$tmp/$tag.in" >"$tmp/$tag.out" 2>"$tmp/$tag.err" 7>&- 8>&- 9>&- &
	# shellcheck disable=SC2034,SC2004 # tests/lib.sh's associative arrays
	cpid[$tag]=$!
	# shellcheck disable=SC2034,SC2004
	cfd[$tag]=$fd
	track "$!"
	poll 10 grep -q '^welcome ' "$tmp/$tag.out" ||
	    fail "$tag was not welcomed: $(cat "$tmp/$tag.out" "$tmp/$tag.err")"
}

# raw_end TAG: end TAG's input, wait for it to leave, expect exit 0.
raw_end()
{
	client_close "$1"
	client_wait "$1" 10
	[ "$status" -eq 0 ] ||
	    fail "$1 exited $status: $(cat "$tmp/$1.err")"
}

# nofields FILE: strip the FIELDS word (the second) of each line of FILE.
nofields()
{
	sed -E 's/^([a-z]+) [^ ]+( |$)/\1\2/' "$1"
}

# check_fields FILE: every line of FILE has a FIELDS word with t=SECONDS
# within the last 10 minutes.
check_fields()
{
	local now kind f text n=0 t

	now=$(date +%s)
	while IFS=' ' read -r kind f text; do
		n=$((n + 1))
		t=$(printf '%s\n' "$f" | tr ';' '\n' | sed -n 's/^t=//p')
		[[ "$t" =~ ^[0-9]+$ ]] ||
		    fail "${1##*/}: line $n \"$kind $f $text\" has no t= item"
		[ "$t" -le "$now" ] && [ "$t" -gt "$((now - 600))" ] ||
		    fail "${1##*/}: line $n: t=$t is not now ($now)"
	done <"$1"
	[ "$n" -gt 0 ] || fail "${1##*/} is empty"
}
