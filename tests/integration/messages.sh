#!/bin/bash
# SPDX-License-Identifier: ISC
# Error messages point the right way: a mode that lets the group read the
# FIFO says "the group"; 01620 is told it sets special bits; an unknown
# section without keys is an error with its line; pipechat-client -p at
# something that is not a FIFO does not send the user to pipechat.ini,
# which it did not read; a FIFO directory pipechatd may not write is named
# with what it tried and as whom, with exit status 78 (pipechatd(8)).
# The last part runs only as root (as nobody).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup
out=$tmp/out
err=$tmp/err

# says WHAT TEXT: stderr holds the fixed string TEXT.
says()
{
	grep -qF -e "$2" "$err" || fail "$1: no \"$2\" in: $(cat "$err")"
}

# says_not WHAT TEXT: stderr does not hold TEXT.
says_not()
{
	! grep -qF -e "$2" "$err" || fail "$1: \"$2\" in: $(cat "$err")"
}

# bad_ini WHAT TEXT CONTENTS: pipechatd -n and pipechat-client refuse the
# ini with CONTENTS, exit 78, with TEXT.
bad_ini()
{
	step "$1"
	printf '%b' "$3" >"$conf" || fail "cannot write $conf"
	run 78 "$1: -n" "$PIPECHATD" -n -f "$conf"
	says "$1: -n" "$2"
	run 78 "$1: client" "$PIPECHAT_CLIENT" -q -f "$conf"
	says "$1: client" "$2"
}

bad_ini "mode 0640" "$conf:3: mode: 0640 lets the group read the FIFO" \
    "[fifo]\npath = $fifo\nmode = 0640\n"
bad_ini "mode 0604" "$conf:3: mode: 0604 lets others read the FIFO" \
    "[fifo]\npath = $fifo\nmode = 0604\n"
bad_ini "mode 01620" \
    "$conf:3: mode: 1620 sets setuid, setgid or sticky bits, which mean nothing on a FIFO" \
    "[fifo]\npath = $fifo\nmode = 01620\n"
bad_ini "an unknown section without keys" \
    "$conf:4: [colour]: unknown section (expected [fifo], [session], [chat], [log] or [daemon])" \
    "[fifo]\npath = $fifo\n\n[colour]\n"

# A value, or the file's own name, with control bytes in it is quoted
# escaped, by both programs: a message must not be able to move the
# cursor, retitle the terminal or start a fake line of its own.
bad_ini "a group with escapes in it" \
    "$conf:3: group: no such group \"^[]0;owned^G^[[2J\"" \
    "[fifo]\npath = $fifo\ngroup = \033]0;owned\a\033[2J\n"
says_not "escaped group" $'\033'
step "a file name with a newline and ESC in it"
odd=$tmp/$'odd\n\033[31mname.ini'
printf '[fifo]\npath = %s\nmode = 0640\n' "$fifo" >"$odd" ||
    fail "cannot write the oddly named ini"
run 78 "odd name: -n" "$PIPECHATD" -n -f "$odd"
says "odd name: -n" "$tmp/odd^J^[[31mname.ini:3: mode: 0640"
says_not "odd name: -n" $'\033'
[ "$(wc -l <"$err")" -eq 1 ] || fail "odd name: not one line: $(cat "$err")"
run 78 "odd name: client" "$PIPECHAT_CLIENT" -q -f "$odd"
says "odd name: client" "$tmp/odd^J^[[31mname.ini:3: mode: 0640"
rm -f "$odd"

step "client -p at a regular file: no word of pipechat.ini"
echo data >"$tmp/file" || fail "cannot write $tmp/file"
run 78 "-p file" "$PIPECHAT_CLIENT" -q -p "$tmp/file" hi
says "-p file" "$tmp/file: not a FIFO but a regular file: check the path given with -p"
says_not "-p file" "pipechat.ini"
step "client -f at an ini that names a regular file: that ini is named"
write_config fifo.path="$tmp/file" fifo.mode=0620
run 78 "-f file" "$PIPECHAT_CLIENT" -q -f "$conf" hi
says "-f file" "$tmp/file: not a FIFO but a regular file: check [fifo] path in $conf"

if [ "$(id -u)" -ne 0 ]; then
	step "not root: not trying a directory pipechatd may not write"
	step "ok"
	exit 0
fi
nobody=$(id -u nobody 2>/dev/null) || skip "needs the user nobody"
command -v setpriv >/dev/null || skip "needs setpriv"
as_nobody="setpriv --reuid=$nobody --regid=$(id -g nobody) --clear-groups"
chmod 0755 "$tmp" || fail "chmod failed"
$as_nobody test -x "$PIPECHATD" ||
    skip "nobody cannot run $PIPECHATD (set TMPDIR elsewhere)"
mkdir -m 0755 "$tmp/ro" || fail "mkdir failed"
step "a FIFO directory pipechatd may not write: what, as whom, exit 78"
write_config fifo.path="$tmp/ro/chat.fifo" fifo.mode=0600
# shellcheck disable=SC2086 # a word list
run 78 "read-only directory" $as_nobody "$PIPECHATD" -f "$conf"
says "read-only directory" "pipechatd: $tmp/ro/chat.fifo: cannot create the FIFO: pipechatd runs as nobody (uid $nobody), which may not write to directory $tmp/ro"
[ "$(wc -l <"$err")" -eq 1 ] || fail "more than one line: $(cat "$err")"

step "ok"
exit 0
