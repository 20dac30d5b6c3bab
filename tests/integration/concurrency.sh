#!/bin/bash
# SPDX-License-Identifier: ISC
# Many clients at once: every line arrives exactly once, whole, and each
# client's lines keep their order.
#   concurrency.sh [raw]   clients write to the well-known FIFO (-r): lines
#                          of different lengths from eight writers
#                          interleave in one pipe, and only atomic writes
#                          and correct framing keep them apart;
#   concurrency.sh session clients join the room (the default mode): each
#                          gets every other's lines too, while sending.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mode=${1:-raw}
case $mode in
raw)	copt=-r ;;
session) copt= ;;
*)	echo "usage: $0 [raw|session]" >&2; exit 64 ;;
esac
name="$name-$mode"
setup

clients=8
lines=$((20000 / scale))	# fewer under valgrind
total=$((clients * lines))
export LC_ALL=C

# "cC-NNNNNN " then 0..199 letters that depend on C and N, so a line cut,
# merged or swapped with another cannot still match its expected text.
step "generating $clients x $lines lines"
for c in $(seq 0 $((clients - 1))); do
	awk -v c="$c" -v n="$lines" 'BEGIN {
		pat = "abcdefghijklmnopqrstuvwxyz"
		for (i = 0; i < 3; i++)
			pat = pat pat
		for (i = 0; i < n; i++)
			printf "c%d-%06d %s\n", c, i,
			    substr(pat, 1 + (i * 7 + c) % 26, (i * 13 + c * 31) % 200)
	}' >"$tmp/in.$c" || fail "awk failed"
done
cat "$tmp"/in.* | sort >"$tmp/expected"
[ "$(wc -l <"$tmp/expected")" -eq "$total" ] || fail "generated wrong count"

write_config
# It floods on purpose: no rate limit, or it would test the limit.
printf '[session]\nrate = 0\n' >>"$conf"
start_daemon

step "running $clients clients at once"
cpids=
for c in $(seq 0 $((clients - 1))); do
	# shellcheck disable=SC2086 # $copt is empty or one word
	"$PIPECHAT_CLIENT" $copt -f "$conf" <"$tmp/in.$c" \
	    >"$tmp/client.$c.out" 2>"$tmp/client.$c.err" &
	track $!
	cpids="$cpids $!"
done
c=0
failed=
for pid in $cpids; do
	wait_exit "$pid" 90
	[ "$status" -eq 0 ] ||
	    failed="$failed
  client $c exited $status: $(cat "$tmp/client.$c.err")"
	c=$((c + 1))
done
[ -z "$failed" ] || fail "clients failed:$failed
daemon's notices: $(grep  '^\(-->\|<--\|-!-\|\*\) ' "$dout" | sort | uniq -c)"

stop_daemon TERM
[ ! -e "$fifo" ] || fail "pipechatd left $fifo behind"

step "checking the output"
if [ "$mode" = raw ]; then
	from="(anonymous)"
	notices=0
else
	# Each session's joining and leaving is announced.
	from=$me
	notices=$((clients * 2))
	n=$(grep -cxF -e "--> $me joined" "$dout")
	[ "$n" -eq "$clients" ] || fail "$n \"joined\" notices, expected $clients"
	n=$(grep -cxF "<-- $me left" "$dout")
	[ "$n" -eq "$clients" ] ||
	    fail "$n plain \"left\" notices, expected $clients:" \
	    "$(grep -F "<-- $me left" "$dout" | sort | uniq -c)"
	# Nobody hears their own lines back.
	for c in $(seq 0 $((clients - 1))); do
		! grep -q "^$me: c$c-" "$tmp/client.$c.out" ||
		    fail "client $c got its own lines back"
	done
fi
bad=$(grep -vc "^$from: " "$dout")
[ "$bad" -eq "$notices" ] ||
    fail "$((bad - notices)) output lines lack the \"$from: \" prefix:" \
    "$(grep -v "^$from: " "$dout" | grep -v '^\(-->\|<--\|-!-\|\*\) ' | head -n 3)"
grep "^$from: " "$dout" | sed "s/^$from: //" >"$tmp/got"
sort "$tmp/got" >"$tmp/got.sorted"
dups=$(uniq -d "$tmp/got.sorted" | head -n 5)
[ -z "$dups" ] || fail "lines printed more than once, e.g.: $dups"
comm -3 "$tmp/expected" "$tmp/got.sorted" >"$tmp/diff"
if [ -s "$tmp/diff" ]; then
	missing=$(comm -23 "$tmp/expected" "$tmp/got.sorted" | wc -l)
	extra=$(comm -13 "$tmp/expected" "$tmp/got.sorted" | wc -l)
	fail "$missing lines missing, $extra unexpected; first differences:" \
	    "$(head -n 3 "$tmp/diff")"
fi
count=$(wc -l <"$tmp/got")
[ "$count" -eq "$total" ] || fail "$count lines printed, expected $total"

# One writer's bytes go through the FIFO in order.
awk '{
	split($1, f, "-")
	if (f[1] in last && f[2] + 0 != last[f[1]] + 1) {
		printf "%s after %s-%06d\n", $1, f[1], last[f[1]]
		exit 1
	}
	last[f[1]] = f[2] + 0
}' "$tmp/got" >"$tmp/order" || fail "a client's lines out of order: $(cat "$tmp/order")"

step "ok: $count lines, each once, intact and in order"
exit 0
