#!/bin/sh
# SPDX-License-Identifier: ISC
# check-options.sh PROGRAM PAGE.scd [PROGRAM PAGE.scd ...]
#
# Check that a man page documents exactly the options its program's -h
# output lists.  From "PROGRAM -h" every option letter is taken, both from
# the usage line ("[-dhnvV]", "[-f file]") and from the option lines
# ("  -f file  ..."), and every long option an option line names after
# its letter ("  -f, --config=FILE  ...") or alone ("      --no-bell").
# From the page, an entry is a line of the OPTIONS section that starts
# with "*-X*" or "*--word*"; "*-d*, *-v*" is an entry for both, and "*-f*,
# *--config* _file_" for -f and --config.
# Fails when either side has an option the other lacks, or when -h fails.
set -u

if [ $# -eq 0 ] || [ $(($# % 2)) -ne 0 ]; then
	echo "usage: $0 PROGRAM PAGE.scd [PROGRAM PAGE.scd ...]" >&2
	exit 64
fi

export LC_ALL=C
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Option letters in -h output (stdin), one per line, sorted; a long
# option as its name after one "-" ("-config"), so that "-$x" names it.
help_options() {
	awk '
	/^usage:/ {
		s = $0
		while (match(s, /\[-[A-Za-z0-9]+/)) {
			letters = substr(s, RSTART + 2, RLENGTH - 2)
			for (i = 1; i <= length(letters); i++)
				print substr(letters, i, 1)
			s = substr(s, RSTART + RLENGTH)
		}
		next
	}
	/^[ \t]+-[A-Za-z0-9]([ \t,]|$)/ {
		sub(/^[ \t]+-/, "")
		print substr($0, 1, 1)
		if (match($0, /^., --[A-Za-z0-9][A-Za-z0-9-]*/))
			print substr($0, 5, RLENGTH - 4)
		next
	}
	/^[ \t]+--[A-Za-z0-9]/ {
		sub(/^[ \t]+-/, "")
		match($0, /^-[A-Za-z0-9][A-Za-z0-9-]*/)
		print substr($0, 1, RLENGTH)
	}
	' | sort -u
}

# Option entries in the OPTIONS section of an scdoc page, sorted.
page_options() {
	awk '
	/^# / { in_options = ($0 ~ /^# OPTIONS[ \t]*$/); next }
	in_options && /^\*--?[A-Za-z0-9]/ {
		s = $0
		while (match(s, /\*--?[A-Za-z0-9][A-Za-z0-9-]*\*/)) {
			x = substr(s, RSTART + 2, RLENGTH - 3)
			if (length(x) == 1 || substr(x, 1, 1) == "-")
				print x
			s = substr(s, RSTART + RLENGTH)
		}
	}
	' "$1" | sort -u
}

status=0
while [ $# -gt 0 ]; do
	prog=$1 page=$2
	shift 2
	name=$(basename "$prog")

	if [ ! -r "$page" ]; then
		echo "$page: cannot read" >&2
		status=1
		continue
	fi
	if ! "$prog" -h >"$tmp/help" 2>"$tmp/err"; then
		echo "$name -h failed:" >&2
		cat "$tmp/err" >&2
		status=1
		continue
	fi
	help_options <"$tmp/help" >"$tmp/h"
	page_options "$page" >"$tmp/p"

	if [ ! -s "$tmp/h" ]; then
		echo "$name -h: no options found in:" >&2
		cat "$tmp/help" >&2
		status=1
		continue
	fi
	for x in $(comm -23 "$tmp/h" "$tmp/p"); do
		echo "$page: no *-$x* entry in OPTIONS, but $name -h lists -$x" >&2
		status=1
	done
	for x in $(comm -13 "$tmp/h" "$tmp/p"); do
		echo "$page: documents *-$x*, but $name -h does not list -$x" >&2
		status=1
	done
	echo "$name: $(tr '\n' ' ' <"$tmp/h")- $page"
done
exit $status
