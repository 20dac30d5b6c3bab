#!/bin/bash
# SPDX-License-Identifier: ISC
# Nobody can imitate the daemon's notices (issue 9, section 3).  Alice's
# "/me left", "/me joined" and messages and raw lines that start like a
# notice must not show as anything a reader takes for the daemon's word:
# in the listener's output and the daemon's, no line but alice's real join
# and leave notices starts with their prefix (the word before her name)
# or equals them.  Before, "/me left" showed as "* NAME left", the real
# leave notice.  Runs as whoever runs it (two sessions of one user).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

setup
me=$(id -un)
write_config session.max_per_user=8
start_daemon

step "a listener joins"
client_start l "$me"
client_say l "listener-ready"
wait_line "$dout" "$me: listener-ready"

step "alice joins, acts and talks like the daemon, and leaves"
client_start a "$me"
client_say a "alice-ready"
wait_line "$tmp/l.out" "$me: alice-ready"
forged=(
	"/me left"
	"/me joined"
	"/me left (stopped listening)"
	"/me -!- 1 connected: $me"
	"/me --> bob joined"
	"/me <-- bob left"
	"--> bob joined"
	"<-- bob left"
	"-!- 3 messages dropped: you were not reading fast enough"
	"* $me left"
)
for f in "${forged[@]}"; do
	client_say a "$f"
done
client_say a "alice-done"
wait_line "$tmp/l.out" "$me: alice-done"
printf '%s\n' "* $me left" "--> $me joined" "<-- $me left" |
    timeout 10 "$PIPECHAT_CLIENT" -f "$conf" -r 2>"$tmp/raw.err" ||
    fail "the raw writer failed: $(cat "$tmp/raw.err")"
wait_line "$tmp/l.out" "(anonymous): <-- $me left"
client_close a
client_wait a 10
[ "$status" -eq 0 ] || fail "alice's client exited $status: $(cat "$tmp/a.err")"

step "the listener checks what it saw, and leaves"
client_start e "$me" -q
client_say e "end"
client_close e
client_wait e 10
wait_line "$tmp/l.out" "$me: end"
client_close l
client_wait l 10
stop_daemon

# check FILE: alice's lines in FILE are her join notice, what she said,
# and her leave notice, in that order; only those two look like notices.
check()
{
	local file=$1 join leave jword lword line n=0 first last

	first=$(grep -n -m 1 -xF -e "$me: alice-ready" "$file" | cut -d: -f1)
	last=$(grep -n -m 1 -xF -e "$me: end" "$file" | cut -d: -f1)
	[ -n "$first" ] && [ -n "$last" ] || fail "$file: markers missing"
	join=$(sed -n "$((first - 1))p" "$file")
	leave=$(sed -n "$((last - 1))p" "$file")
	jword=${join%% *}
	lword=${leave%% *}
	[ "$join" != "$me: listener-ready" ] && [ "${join#"$jword "}" != "$join" ] ||
	    fail "$file: no join notice before alice's first line"
	case "$leave" in
	"$me: "* | "(anonymous): "*)
		fail "$file: no leave notice before the end: \"$leave\"" ;;
	esac
	while IFS= read -r line; do
		n=$((n + 1))
		[ "$n" -gt "$first" ] && [ "$n" -lt "$((last - 1))" ] ||
		    continue
		[ "$line" != "$join" ] && [ "$line" != "$leave" ] ||
		    fail "$file: line $n, \"$line\", is the daemon's notice"
		case "$line" in
		"$jword "* | "$lword "*)
			fail "$file: line $n, \"$line\", starts like the" \
			    "daemon's notices \"$join\" and \"$leave\"" ;;
		esac
	done <"$file"
	# what alice sent, in order, as actions and messages of hers
	grep -c -e "^\* $me " -e "^$me: " -e "^(anonymous): " "$file" |
	    { read -r k; [ "$k" -ge 14 ] || fail "$file: only $k of alice's lines"; }
}

step "the listener's output"
check "$tmp/l.out"
step "the daemon's output"
check "$dout"
step "ok"
exit 0
