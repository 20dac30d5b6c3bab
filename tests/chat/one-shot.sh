#!/bin/bash
# SPDX-License-Identifier: ISC
# Sending without staying: `echo hi | pipechat-client` joins, says "hi",
# leaves and exits 0; `pipechat-client one shot` says "one shot" as one
# quiet message, with no joined/left notices; -q joins quietly; -r writes
# raw lines, shown as (anonymous).  A client in the room hears exactly
# that.  As alice when run as root, else as whoever runs it.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -eq 0 ]; then
	need_users
	setup
	make_group
	make_user me alice
	write_config fifo.mode=0620 fifo.group="$group"
else
	setup
	me=$(id -un)
	write_config
fi
start_daemon
client_start l "$(id -un)"	# a listener, as the daemon's user
listener=$(id -un)
wait_line "$dout" "--> $listener joined"

# client ARGS...: run the client as $me on our stdin; it must exit 0 and
# say nothing.  (In a pipeline, fail exits only the subshell: || exit 1.)
client()
{
	run_as "$me" timeout 10 "$PIPECHAT_CLIENT" -f "$conf" "$@" \
	    >"$tmp/client.out" 2>"$tmp/client.err"
	status=$?
	[ "$status" -eq 0 ] ||
	    fail "pipechat-client $* exited $status: $(cat "$tmp/client.err")"
	[ ! -s "$tmp/client.err" ] ||
	    fail "pipechat-client $* said: $(cat "$tmp/client.err")"
	session_of_me_gone
}

session_of_me_gone()
{
	[ "$me" = "$listener" ] && return 0
	poll 5 eval '[ "$(fifos_of "$me")" -eq 0 ]' ||
	    fail "$me's FIFOs are still in $sdir"
}

step "echo hi | pipechat-client"
echo hi | client || exit 1
wait_line "$tmp/l.out" "<-- $me left"

step "pipechat-client one shot"
client one shot </dev/null
wait_line "$tmp/l.out" "$me: one shot"

step "echo quiet | pipechat-client -q"
echo quiet | client -q || exit 1
wait_line "$tmp/l.out" "$me: quiet"

step "pipechat-client -r raw shot"
client -r raw shot </dev/null
wait_line "$tmp/l.out" "(anonymous): raw shot"

client_close l
client_wait l 10
[ "$status" -eq 0 ] || fail "the listener exited $status: $(cat "$tmp/l.err")"
cat >"$tmp/l.want" <<EOF2
--> $me joined
$me: hi
<-- $me left
$me: one shot
$me: quiet
(anonymous): raw shot
EOF2
cat >"$tmp/d.want" <<EOF2
--> $listener joined
$(cat "$tmp/l.want")
<-- $listener left
EOF2
diff -u "$tmp/l.want" "$tmp/l.out" || fail "the listener heard something else"
diff -u "$tmp/d.want" "$dout" || fail "the daemon printed something else"
poll 5 session_empty || fail "$sdir is not empty: $(ls -A "$sdir")"
stop_daemon
step "ok"
exit 0
