#!/bin/bash
# SPDX-License-Identifier: ISC
# /who says how long each session has been idle (issue 12): since it last
# said something (a message, an action, a private message) or joined, as
# " (idle 12s)" after its name from 10 seconds on (then minutes, hours,
# days: tests/unit/test-message.c); a session active within them has
# nothing after its name.  Commands such as /who itself are not activity.
# Waits 12 seconds.  Runs as whoever runs it (sessions of one user).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=raw.sh
. "$(dirname "$0")/raw.sh"

setup
write_config session.max_per_user=8
start_daemon

step "four sessions; all but the last say something now"
raw_start a "$me"
raw_start b "$me"
raw_start c "$me"
raw_start d "$me" fields
client_say a "early"
client_say c "/me early too"
client_say d "/who"
wait_grep "$tmp/d.out" "^info t=[0-9]+ -!- 4 connected: $me $me $me $me\$"

step "12 seconds later, b talks, c sends a private message"
sleep 12
client_say b "late"
client_say c "/msg $me late too"
wait_line "$tmp/a.out" "private -> $me: late too"
client_say d "/who"
wait_grep "$tmp/d.out" "^info t=[0-9]+ -!- 4 connected: $me \\(idle [1-5][0-9]s\\) $me $me $me \\(idle [1-5][0-9]s\\)\$"
for t in a b c d; do
	raw_end "$t"
done
stop_daemon
step "ok"
exit 0
