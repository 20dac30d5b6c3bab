#!/bin/bash
# SPDX-License-Identifier: ISC
# The FIFO gets exactly the configured mode whatever the umask; a FIFO of
# ours already at the path is reused (same inode) with the mode applied
# again; a mode that would let others read is refused before anything is
# created, with FILE:LINE in the message.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup

# mode_is MODE WHAT: the FIFO is a FIFO of ours with permission bits MODE.
mode_is()
{
	local got

	got=$(stat -c '%F %a %u' "$fifo") || fail "$2: cannot stat $fifo"
	[ "$got" = "fifo ${1#0} $(id -u)" ] ||
	    fail "$2: $fifo is \"$got\", expected \"fifo ${1#0} $(id -u)\""
}

for mask in 077 000 022; do
	for mode in 0620 0600 0622 0420; do
		what="mode $mode, umask $mask"
		step "$what"
		write_config fifo.mode="$mode"
		umask "$mask"
		start_daemon
		umask 022
		mode_is "$mode" "$what"
		stop_daemon TERM
		[ ! -e "$fifo" ] || fail "$what: $fifo left behind"
	done
done

step "an existing FIFO of ours is reused"
mkfifo -m 0666 "$fifo" || fail "mkfifo failed"
inode=$(stat -c %i "$fifo")
write_config fifo.mode=0620
start_daemon
mode_is 0620 "reused FIFO"
[ "$(stat -c %i "$fifo")" = "$inode" ] || fail "the FIFO was replaced, not reused"
"$PIPECHAT_CLIENT" -f "$conf" "through the old FIFO" ||
    fail "pipechat-client failed"
wait_line "$dout" "$me: through the old FIFO"
stop_daemon TERM
# Only what the daemon created is removed at exit.
[ -p "$fifo" ] || fail "the daemon removed a FIFO it had not created"
[ "$(stat -c %i "$fifo")" = "$inode" ] || fail "the FIFO was replaced"
rm -f "$fifo"

# bad_mode VALUE WHY: a config with mode = VALUE on line 3 is refused.
bad_mode()
{
	step "mode = $1 is refused"
	printf '[fifo]\npath = %s\nmode = %s\n' "$fifo" "$1" >"$conf"
	limit 10 "$PIPECHATD" -f "$conf" >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq 78 ] ||
	    fail "mode $1: exit status $status, expected 78: $(cat "$tmp/err")"
	grep -qF -e "$conf:3: mode: " "$tmp/err" ||
	    fail "mode $1: no \"$conf:3: mode: \" in: $(cat "$tmp/err")"
	grep -q -e "$2" "$tmp/err" ||
	    fail "mode $1: the message does not say \"$2\": $(cat "$tmp/err")"
	[ ! -e "$fifo" ] || fail "mode $1: $fifo was created anyway"
}
bad_mode 0644 "read"
bad_mode 0624 "read"
bad_mode 0660 "read"
bad_mode 4620 "setuid"
bad_mode 0220 "owner"
bad_mode rw "octal"
bad_mode 0999 "octal"

step "ok"
exit 0
