#!/bin/bash
# SPDX-License-Identifier: ISC
# The bash completion in completion/: sourced into bash with
# bash-completion's framework, it completes the options of pipechat-client
# and pipechatd, the values of --color, files after --config (with and
# without "="), and the chat commands after "/".  Skips (77) without
# bash-completion.
set -u
name=completion
framework=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
[ -r "$framework" ] || {
	echo "$name: SKIP: no $framework (apt-get install bash-completion)"
	exit 77
}
src=$(cd "$(dirname "$0")/../../completion" && pwd) || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
touch "$tmp/pipechat.ini" "$tmp/pipe.fifo" "$tmp/other"

fail()
{
	printf '%s: FAIL: %s\n' "$name" "$*" >&2
	exit 1
}

# shellcheck source=/dev/null
. "$framework"
# shellcheck source=../../completion/pipechat-client
. "$src/pipechat-client"
# shellcheck source=../../completion/pipechatd
. "$src/pipechatd"

# complete LINE: what bash would offer at the end of LINE, sorted, one a
# line, in $got.
complete_line()
{
	local line=$1 fn

	# bash cuts words at COMP_WORDBREAKS: "--color=a" is three.
	read -r -a COMP_WORDS <<<"${line//=/ = }"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	fn=$(complete -p "${COMP_WORDS[0]}" | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
	[ -n "$fn" ] || fail "no completion for ${COMP_WORDS[0]}"
	"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
	    "${COMP_WORDS[COMP_CWORD - 1]}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
}

# offers LINE WORD...: completing LINE offers exactly the WORDs.
offers()
{
	local line=$1 want

	shift
	complete_line "$line"
	want=$(printf '%s\n' "$@" | sort)
	[ "$got" = "$want" ] ||
	    fail "\"$line\": offered [$(echo "$got" | tr '\n' ' ')]," \
	    "not [$(echo "$want" | tr '\n' ' ')]"
	echo "$name: \"$line\": $(echo "$got" | tr '\n' ' ')"
}

# Outside a completion bash refuses compopt; what it sets is not checked.
compopt()
{
	:
}

cd "$tmp" || exit 1
offers "pipechat-client --no-" --no-bell --no-history-file --no-timestamps
offers "pipechat-client --con" --config
offers "pipechat-client --col" --color=
offers "pipechat-client --color " auto always never
offers "pipechat-client --color=a" auto always
offers "pipechat-client -f " other pipe.fifo pipechat.ini
offers "pipechat-client --config pi" pipe.fifo pipechat.ini
offers "pipechat-client --config=pipechat" pipechat.ini
offers "pipechat-client --fifo pipe." pipe.fifo
offers "pipechat-client /m" /me /msg
offers "pipechat-client -q /w" /who
offers "pipechat-client --rejoin-wait "
offers "pipechatd --c" --config --check
offers "pipechatd -" --config --check --debug --verbose --help --version \
    -f -n -d -v -h -V
offers "pipechatd --config pipechat" pipechat.ini
offers "pipechatd -f oth" other
echo "$name: ok"
exit 0
