#!/bin/bash
# SPDX-License-Identifier: ISC
# Command lines of pipechatd and pipechat-client: -n checks a config
# (touching nothing) and says "configuration OK" or FILE:LINE and why;
# -h and -V answer and exit 0; a wrong option or argument is exit 64
# (pipechatd: one line that says what is wrong, one that points to
# --help); pipechatd's long options (--config, --check, ...).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup
out=$tmp/out
err=$tmp/err

# says WHAT FILE TEXT: FILE (out or err) contains the fixed string TEXT.
says()
{
	grep -qF -e "$3" "$2" ||
	    fail "$1: no \"$3\" in: $(cat "$2")"
}

step "pipechatd -n, good file"
write_config fifo.mode=0620
printf '[session]\nmax_clients = 10\n' >>"$conf"
: >"$out" && : >"$err" || fail "cannot write in $tmp"
before=$(ls -A "$tmp")
run 0 "-n good" "$PIPECHATD" -n -f "$conf"
[ "$(cat "$out")" = "configuration OK" ] ||
    fail "-n good: stdout is \"$(cat "$out")\", not \"configuration OK\""
[ ! -s "$err" ] || fail "-n good: stderr: $(cat "$err")"
[ "$(ls -A "$tmp")" = "$before" ] || fail "-n created files: $(ls -A "$tmp")"

# bad WHAT LINE TEXT CONTENTS: pipechatd -n and pipechat-client -f both
# refuse a file with CONTENTS with exit 78 and "FILE:LINE: ...TEXT".
bad()
{
	local what=$1 line=$2 text=$3

	step "pipechatd -n, $what"
	printf '%b' "$4" >"$conf"
	run 78 "-n $what" "$PIPECHATD" -n -f "$conf"
	grep -F -e "$conf:$line: " "$err" | grep -qF -e "$text" ||
	    fail "-n $what: no \"$conf:$line: ...$text\" in: $(cat "$err")"
	[ ! -s "$out" ] || fail "-n $what: stdout: $(cat "$out")"
	run 78 "client, $what" "$PIPECHAT_CLIENT" -f "$conf" hello
	grep -F -e "$conf:$line: " "$err" | grep -qF -e "$text" ||
	    fail "client $what: no \"$conf:$line: ...$text\" in: $(cat "$err")"
}
bad "mode others may read" 3 "mode: 0644" \
    "[fifo]\npath = $fifo\nmode = 0644\n"
bad "mode not octal" 4 "mode: expected an octal mode" \
    "; comment\n[fifo]\npath = $fifo\nmode = rw\n"
bad "relative path" 2 "path: " "[fifo]\npath = chat.fifo\n"
bad "unknown key" 3 "colour: unknown key" \
    "[fifo]\npath = $fifo\ncolour = blue\n"
bad "key set twice" 3 "path: already set on line 2" \
    "[fifo]\npath = $fifo\npath = $fifo\n"
bad "syntax error" 2 "syntax error" "[fifo]\nthis is not ini\n"
if getent group no-such-group-pipechat >/dev/null; then
	step "skipping the unknown group case: the group exists"
else
	bad "unknown group" 3 "no such group" \
	    "[fifo]\npath = $fifo\ngroup = no-such-group-pipechat\n"
fi

step "pipechatd -n, missing file"
run 78 "-n missing" "$PIPECHATD" -n -f "$tmp/missing.ini"
says "-n missing" "$err" "$tmp/missing.ini: No such file"

step "pipechatd -h, -V, bad usage"
run 0 "-h" "$PIPECHATD" -h
says "-h" "$out" "usage: pipechatd"
[ ! -s "$err" ] || fail "-h: stderr: $(cat "$err")"
run 0 "-V" "$PIPECHATD" -V
[ "$(cat "$out")" = "pipechatd ${PIPECHAT_VERSION:-}" ] ||
    [ -z "${PIPECHAT_VERSION:-}" ] ||
    fail "-V: \"$(cat "$out")\", expected \"pipechatd $PIPECHAT_VERSION\""
grep -qE '^pipechatd [0-9]+\.[0-9]+' "$out" || fail "-V: \"$(cat "$out")\""

# bad_usage WHAT LINE ARG...: pipechatd ARG... exits 64 with exactly LINE
# and the pointer to --help on stderr, nothing on stdout: not the usage.
bad_usage()
{
	local what=$1 line=$2

	shift 2
	run 64 "$what" "$PIPECHATD" "$@"
	printf '%s\n' "$line" "Try 'pipechatd --help' for more information." |
	    diff -u - "$err" || fail "$what: stderr differs"
	[ ! -s "$out" ] || fail "$what: stdout: $(cat "$out")"
}
bad_usage "unknown option" "pipechatd: invalid option -- 'x'" \
    -x -f "$conf"
bad_usage "unknown long option" "pipechatd: unrecognized option '--foo'" \
    --foo -f "$conf"
bad_usage "ambiguous long option" \
    "pipechatd: option '--c' is ambiguous; possibilities: '--config' '--check'" \
    --c
bad_usage "extra argument" "pipechatd: unexpected argument 'extra'" \
    -f "$conf" extra
bad_usage "-f without a file" "pipechatd: option requires an argument -- 'f'" \
    -f
bad_usage "--config without a file" \
    "pipechatd: option '--config' requires an argument" --config
bad_usage "--help with an argument" \
    "pipechatd: option '--help' doesn't allow an argument" --help=yes

step "pipechatd long options"
write_config fifo.mode=0620
run 0 "--help" "$PIPECHATD" --help
cmp -s "$out" <("$PIPECHATD" -h) || fail "--help is not -h"
says "--help" "$out" "-f, --config=FILE"
run 0 "--version" "$PIPECHATD" --version
grep -qE '^pipechatd [0-9]+\.[0-9]+' "$out" || fail "--version: \"$(cat "$out")\""
for args in "--config $conf --check" "--config=$conf --check" \
    "--check --debug --config $conf" "--verbose --check -f $conf" \
    "--conf $conf --ch"; do
	# shellcheck disable=SC2086 # split into words on purpose
	run 0 "$args" "$PIPECHATD" $args
	[ "$(cat "$out")" = "configuration OK" ] ||
	    fail "$args: stdout is \"$(cat "$out")\""
done
run 78 "--config missing" "$PIPECHATD" --check --config "$tmp/missing.ini"
says "--config missing" "$err" "$tmp/missing.ini: No such file"

step "pipechat-client -h, -V, bad usage"
run 0 "client -h" "$PIPECHAT_CLIENT" -h
says "client -h" "$out" "usage: pipechat-client"
[ ! -s "$err" ] || fail "client -h: stderr: $(cat "$err")"
run 0 "client -V" "$PIPECHAT_CLIENT" -V
[ "$(cat "$out")" = "pipechat-client ${PIPECHAT_VERSION:-}" ] ||
    [ -z "${PIPECHAT_VERSION:-}" ] ||
    fail "client -V: \"$(cat "$out")\""
grep -qE '^pipechat-client [0-9]+\.[0-9]+' "$out" ||
    fail "client -V: \"$(cat "$out")\""
run 0 "client --help" "$PIPECHAT_CLIENT" --help
says "client --help" "$out" "usage: pipechat-client"
for o in --config --fifo --quiet --raw --rejoin-wait --help --version \
    --color --no-bell --no-history-file --no-timestamps; do
	says "client --help" "$out" "$o"
done
run 0 "client --version" "$PIPECHAT_CLIENT" --version
grep -qE '^pipechat-client [0-9]+\.[0-9]+' "$out" ||
    fail "client --version: \"$(cat "$out")\""

# bad_client WHAT TEXT ARGS...: exit 64 and, on stderr, one line that
# says TEXT, then where to look; nothing on stdout.
bad_client()
{
	local what=$1 text=$2

	shift 2
	run 64 "client $what" "$PIPECHAT_CLIENT" "$@"
	[ "$(wc -l <"$err")" -eq 2 ] ||
	    fail "client $what: not two lines on stderr: $(cat "$err")"
	head -n 1 "$err" | grep -qF -e "$text" ||
	    fail "client $what: no \"$text\" in: $(head -n 1 "$err")"
	[ "$(tail -n 1 "$err")" = \
	    "Try 'pipechat-client --help' for more information." ] ||
	    fail "client $what: last line: $(tail -n 1 "$err")"
	[ ! -s "$out" ] || fail "client $what: stdout: $(cat "$out")"
}
bad_client "unknown option" "invalid option" -x hello
bad_client "unknown long option" "unrecognized option '--bogus'" --bogus hi
bad_client "ambiguous long option" "'--no' is ambiguous" --no hi
bad_client "long option without its argument" "requires an argument" \
    hello --config
bad_client "-f and -p" "-f and -p exclude each other" \
    -f "$conf" -p "$fifo" hello
bad_client "--config and --fifo" "-f and -p exclude each other" \
    --config "$conf" --fifo="$fifo" hello
bad_client "-w not a number" "-w x: expected seconds" -w x hello
bad_client "--rejoin-wait too long" "expected seconds from 0 to 86400" \
    --rejoin-wait=86401 hello
bad_client "--color wrong" "--color sometimes: expected auto, always or" \
    --color=sometimes hello
bad_client "--no-bell with an argument" "doesn't allow an argument" \
    --no-bell=yes hello
run 78 "client missing config" "$PIPECHAT_CLIENT" -f "$tmp/missing.ini" hi
says "client missing config" "$err" "$tmp/missing.ini"
run 78 "client missing --config" "$PIPECHAT_CLIENT" \
    --config="$tmp/missing.ini" hi
says "client missing --config" "$err" "$tmp/missing.ini"

step "ok"
exit 0
