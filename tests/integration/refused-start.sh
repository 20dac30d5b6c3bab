#!/bin/bash
# SPDX-License-Identifier: ISC
# A start that is refused (exit 78) leaves no trace: whatever the daemon
# created before it found the configuration unusable (the session
# directory beside the FIFO) is removed again, as on every other exit path.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup

# leaves_nothing WHAT DIR FIFO: with the FIFO path at FIFO (something
# refused is there), pipechatd exits 78 and DIR's entries are unchanged.
leaves_nothing()
{
	local what=$1 dir=$2 before after

	step "$what"
	before=$(ls -A "$dir")
	write_config fifo.path="$3"
	limit 10 "$PIPECHATD" -f "$conf" >/dev/null 2>"$tmp/err"
	status=$?
	[ "$status" -eq 78 ] ||
	    fail "$what: exit status $status, expected 78: $(cat "$tmp/err")"
	after=$(ls -A "$dir")
	[ "$after" = "$before" ] ||
	    fail "$what: the refused start changed $dir: it held" \
	    "\"$before\", now \"$after\"" \
	    "(diagnostics: $(tr '\n' ' ' <"$tmp/err"))"
}

mkdir "$tmp/a" && ln -s /dev/null "$tmp/a/chat.fifo" || fail "setup failed"
leaves_nothing "symlink at the FIFO path" "$tmp/a" "$tmp/a/chat.fifo"

mkdir "$tmp/b" && echo data >"$tmp/b/chat.fifo" || fail "setup failed"
leaves_nothing "regular file at the FIFO path" "$tmp/b" "$tmp/b/chat.fifo"

mkdir -p "$tmp/c/chat.fifo" || fail "setup failed"
leaves_nothing "directory at the FIFO path" "$tmp/c" "$tmp/c/chat.fifo"

step "ok"
exit 0
