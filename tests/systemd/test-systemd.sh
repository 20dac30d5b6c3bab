#!/bin/bash
# SPDX-License-Identifier: ISC
# pipechatd under a real systemd: install the build into a DESTDIR, boot a
# throwaway container over the host's /usr with the DESTDIR layered on top
# (--volatile=yes: root and /etc are a tmpfs, the host is not touched), and
# check, through systemctl and journalctl inside it:
#   socket activation by a first write; pipechat-client as root and as an
#   unprivileged member of the chat group; journal fields; reload applying
#   a new mode; a restart losing none of 300 lines written across it;
#   5 piped sessions riding through two restarts, 1000 lines once each
#   (and a client giving up on a stopped service after -w seconds); a
#   byte held in the FIFO (which never reaches end of file here) holding up
#   no join and no raw line; a second pipechatd refused; stop leaving no
#   process; systemd-analyze verify and security.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root to boot a container"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn not installed (apt-get install systemd-container)"
[ -x /usr/lib/systemd/systemd ] || skip "no systemd in /usr to boot"
command -v nsenter >/dev/null || skip "nsenter not installed"
[ "${SANITIZED:-none}" = none ] || skip "sanitizer builds are not run under the unit's system-call filter"

setup_tmp
# shellcheck source=../container.sh
. "$(dirname "$0")/../container.sh"
container_journal="-n 40 -u pipechatd"

dest=$tmp/dest
meson install -C "$BUILD_ROOT" --destdir "$dest" --no-rebuild --quiet \
    >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "meson install"; }
# On merged-/usr Debian, pkg-config names /lib/systemd/system: the same
# directory as /usr/lib/systemd/system, which is what the overlay shows.
if [ -d "$dest/lib/systemd/system" ]; then
	mkdir -p "$dest/usr/lib/systemd/system"
	mv "$dest"/lib/systemd/system/* "$dest/usr/lib/systemd/system/"
fi
for f in usr/sbin/pipechatd usr/bin/pipechat-client etc/pipechat.ini \
    usr/lib/systemd/system/pipechatd.service \
    usr/lib/systemd/system/pipechatd.socket \
    usr/lib/sysusers.d/pipechat.conf usr/lib/tmpfiles.d/pipechat.conf; do
	[ -e "$dest/$f" ] || fail "meson install did not install /$f"
done
grep -q "^ListenFIFO=$FIFO_PATH\$" "$dest/usr/lib/systemd/system/pipechatd.socket" ||
    fail "socket unit does not listen on $FIFO_PATH"
grep -q "^path = $FIFO_PATH\$" "$dest/etc/pipechat.ini" ||
    fail "installed pipechat.ini does not name $FIFO_PATH"

cp "$dest/etc/pipechat.ini" "$tmp/pipechat.ini"
# The restart test writes 300 raw lines at 100 a second: no rate limit.
sed -i 's/^;rate = .*/rate = 0/' "$tmp/pipechat.ini" &&
    grep -q '^rate = 0$' "$tmp/pipechat.ini" ||
    fail "cannot set rate = 0 in the installed pipechat.ini"
systemd-id128 new >"$tmp/machine-id"

# --- boot --------------------------------------------------------------------
step "booting a container"
container_boot 90 -D / --volatile=yes \
    --machine="pipechat-test-$$" \
    --overlay-ro="/usr:$dest/usr:/usr" \
    --bind-ro="$tmp/machine-id:/etc/machine-id" \
    --bind="$tmp/pipechat.ini:/etc/pipechat.ini"
step "container up (leader pid $leader)"

inside systemd-analyze verify --man=no /usr/lib/systemd/system/pipechatd.socket \
    /usr/lib/systemd/system/pipechatd.service >"$tmp/verify.log" 2>&1 ||
    { cat "$tmp/verify.log"; fail "systemd-analyze verify"; }
[ -s "$tmp/verify.log" ] && { cat "$tmp/verify.log"; fail "systemd-analyze verify has complaints"; }
echo "ok - systemd-analyze verify: both units clean"

exposure=$(inside systemd-analyze security --offline=yes \
    /usr/lib/systemd/system/pipechatd.service 2>/dev/null |
    sed -n 's/.*Overall exposure level for pipechatd.service: \([0-9.]*\).*/\1/p')
[ -n "$exposure" ] || fail "no exposure figure from systemd-analyze security"
awk -v e="$exposure" 'BEGIN { exit !(e <= 1.0) }' ||
    fail "exposure $exposure > 1.0"
echo "ok - systemd-analyze security exposure $exposure"

inside id pipechatd >/dev/null 2>&1 || fail "sysusers.d did not create pipechatd"
inside test -d /run/pipechat/sessions || fail "tmpfiles.d did not create the session directory"

# --- socket activation ----------------------------------------------------
inside systemctl start pipechatd.socket || fail "systemctl start pipechatd.socket"
inside test -p "$FIFO_PATH" || fail "the socket unit made no FIFO at $FIFO_PATH"
[ "$(inside stat -c %a "$FIFO_PATH")" = 620 ] || fail "FIFO mode is not 620"
inside systemctl is-active --quiet pipechatd.service && fail "service running before the first write"
inside sh -c "echo first-write > $FIFO_PATH" || fail "raw write to the FIFO"
active() { inside systemctl is-active --quiet pipechatd.service; }
poll 20 active || fail "a first write did not start pipechatd"
echo "ok - a first write to the FIFO activates pipechatd"

# journal_has PATTERN [journalctl args]: the pattern is in pipechatd's journal
journal_has() {
	local pat=$1
	shift
	inside journalctl --no-pager -o cat -u pipechatd "$@" | grep -q -- "$pat"
}
poll 20 journal_has '^(anonymous): first-write$' ||
    fail "the first write is not in the journal"
echo "ok - the activating line is in journalctl -u pipechatd"

# --- clients -------------------------------------------------------------
inside sh -c 'echo hello-from-root | pipechat-client' ||
    fail "pipechat-client as root exited $?"
poll 10 journal_has '^root: hello-from-root$' || fail "root's line is not in the journal"
echo "ok - pipechat-client as root"

inside systemd-sysusers --inline 'u pctalice - "pipechat test user" /nonexistent' \
    "m pctalice $CHAT_GROUP" || fail "cannot create a test user"
inside setpriv --reuid=pctalice --regid=pctalice --init-groups \
    pipechat-client hello from alice || fail "pipechat-client as pctalice exited $?"
poll 10 journal_has '^pctalice: hello from alice$' ||
    fail "pctalice's line is not in the journal"
journal_has 'hello from alice' PIPECHAT_USER=pctalice ||
    fail "journalctl PIPECHAT_USER=pctalice does not find the line"
journal_has 'hello-from-root' PIPECHAT_USER=pctalice &&
    fail "PIPECHAT_USER=pctalice matches root's line"
echo "ok - pipechat-client as an unprivileged user, PIPECHAT_USER= field"

inside systemd-sysusers --inline 'u pctmallory - "outsider" /nonexistent' ||
    fail "cannot create a second test user"
inside setpriv --reuid=pctmallory --regid=pctmallory --init-groups \
    pipechat-client not allowed >/dev/null 2>&1
st=$?
[ $st -eq 77 ] || fail "a user outside $CHAT_GROUP got status $st, not 77"
echo "ok - a user outside the chat group is refused (77)"

status_counts() {
	status=$(inside systemctl show -p StatusText --value pipechatd)
	case $status in
	*" 0 messages"*) return 1 ;;
	*message*) return 0 ;;
	*) return 1 ;;
	esac
}
poll 10 status_counts || fail "STATUS= does not count messages: '$status'"
echo "ok - STATUS= reports: $status"

# --- reload --------------------------------------------------------------------
# set_mode MODE: edit the ini in place (the container sees this inode)
set_mode() {
	sed "s/^mode = .*/mode = $1/" "$tmp/pipechat.ini" >"$tmp/ini.new"
	cat "$tmp/ini.new" >"$tmp/pipechat.ini"
}
set_mode 0600
inside systemctl reload pipechatd || fail "systemctl reload"
mode_is() { [ "$(inside stat -c %a "$FIFO_PATH")" = "$1" ]; }
poll 10 mode_is 600 || fail "reload did not apply mode 0600"
set_mode 0620
inside systemctl reload pipechatd || fail "systemctl reload"
poll 10 mode_is 620 || fail "reload did not apply mode 0620 back"
inside systemctl is-active --quiet pipechatd || fail "not active after reload"
echo "ok - systemctl reload applies a new FIFO mode"

# --- restart under load -------------------------------------------------------
inside sh -c 'i=1; while [ $i -le 300 ]; do echo "restart-line-$i"; i=$((i+1)); sleep 0.01; done | pipechat-client -r' \
    >"$tmp/writer.log" 2>&1 &
writer=$!
sleep 1
inside systemctl restart pipechatd || fail "systemctl restart"
wait "$writer" || { cat "$tmp/writer.log"; fail "the writer failed across the restart"; }
count_lines() {
	n=$(inside journalctl --no-pager -o cat -u pipechatd |
	    grep -c '^(anonymous): restart-line-[0-9]*$')
	[ "$n" -ge 300 ]
}
poll 20 count_lines || fail "only $n of 300 lines in the journal after a restart"
dups=$(inside journalctl --no-pager -o cat -u pipechatd |
    grep '^(anonymous): restart-line-' | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || fail "$dups lines printed twice"
for i in 1 150 300; do
	journal_has "^(anonymous): restart-line-$i\$" || fail "line $i missing"
done
echo "ok - restart while writing: all 300 lines in the journal, once each"

# --- sessions ride through two restarts ----------------------------------------
# 5 piped clients stream 200 lines each while the service is restarted twice:
# each client waits for the next daemon, joins again and sends the rest.
for k in 1 2 3 4 5; do
	inside sh -c "i=1; while [ \$i -le 200 ]; do echo rj$k-\$i;
	    i=\$((i+1)); sleep 0.02; done | pipechat-client" \
	    >"$tmp/rj$k.out" 2>"$tmp/rj$k.log" &
	eval "rj$k=\$!"
done
sleep 1
inside systemctl restart pipechatd || fail "systemctl restart (first)"
sleep 1.5
inside systemctl restart pipechatd || fail "systemctl restart (second)"
for k in 1 2 3 4 5; do
	eval "wait \$rj$k" ||
	    fail "client $k exited $? across the restarts: $(cat "$tmp/rj$k.log")"
	[ ! -s "$tmp/rj$k.log" ] ||
	    fail "piped client $k complained: $(cat "$tmp/rj$k.log")"
done
rj_lines() {
	inside journalctl --no-pager -o cat -u pipechatd |
	    grep -E '^root: rj[1-5]-[0-9]+$'
}
poll 20 eval '[ "$(rj_lines | wc -l)" -ge 1000 ]' ||
    fail "only $(rj_lines | wc -l) of 1000 lines in the journal"
[ "$(rj_lines | sort -u | wc -l)" -eq 1000 ] && [ "$(rj_lines | wc -l)" -eq 1000 ] ||
    fail "not 1000 lines once each: $(rj_lines | sort | uniq -d | head -3)"
echo "ok - 5 sessions across two restarts: all 1000 lines once each, exit 0"
# The sandbox lets the history through a restart: written at the stop,
# read back at the start.
journal_has 'history for the next start$' ||
    fail "no stopping daemon kept the history: $(inside ls -l /run/pipechat)"
journal_has ' of history from the last start$' ||
    fail "no starting daemon read the history back"
inside test ! -e "$(dirname "$FIFO_PATH")/history" ||
    fail "the history file is still there after the start"
echo "ok - the history kept across a restart"

# --- a held partial line -----------------------------------------------------
# pid 1 holds a write end of the FIFO, so it never reaches end of file: a
# writer that stops mid-line must not hold up the next JOIN or -r line.
inside timeout 30 sh -c "exec 3>$FIFO_PATH; printf h >&3; exec sleep 60" \
    >/dev/null 2>&1 &
holder=$!
sleep 1
for i in $(seq 1 10); do
	inside sh -c "echo said-held-$i | pipechat-client" \
	    >"$tmp/said$i.log" 2>&1 &
	eval "said$i=\$!"
	inside pipechat-client -r "raw-held-$i" >"$tmp/raw$i.log" 2>&1 &
	eval "raw$i=\$!"
done
for i in $(seq 1 10); do
	eval "wait \$said$i" || fail "client $i exited $?: $(cat "$tmp/said$i.log")"
	eval "wait \$raw$i" || fail "raw writer $i exited $?: $(cat "$tmp/raw$i.log")"
done
held_lines() {
	n=$(inside journalctl --no-pager -o cat -u pipechatd |
	    grep -cE '^(root|\(anonymous\)): (said|raw)-held-[0-9]+$')
	[ "$n" -ge 20 ]
}
poll 20 held_lines || fail "only $n of 20 lines in the journal with a byte held"
journal_has '^(anonymous): .*JOIN' && fail "a JOIN line was printed"
journal_has '^(anonymous): h \[incomplete\]$' ||
    fail "the held byte was not shown as an incomplete line"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
echo "ok - a byte held in the FIFO: 10 joins and 10 raw lines go through"

# --- a second daemon --------------------------------------------------------
main_pid=$(inside systemctl show -p MainPID --value pipechatd)
inside setpriv --reuid=pipechatd --regid=pipechatd --clear-groups \
    pipechatd -f /etc/pipechat.ini >"$tmp/second.log" 2>&1
st=$?
[ $st -eq 75 ] || fail "a second pipechatd exited $st, not 75: $(cat "$tmp/second.log")"
grep -q "another pipechatd (pid $main_pid) is reading" "$tmp/second.log" ||
    fail "the refusal does not name pid $main_pid: $(cat "$tmp/second.log")"
inside systemctl is-active --quiet pipechatd || fail "the service stopped"
echo "ok - a second pipechatd on the service's FIFO is refused (75), naming it"

# --- stop -----------------------------------------------------------------------
# A piped client that waits 3 s (-w 3) for a daemon that is stopped for good.
inside timeout 60 sh -c 'i=1; while [ $i -le 600 ]; do echo stop-$i;
    i=$((i+1)); sleep 0.1; done | pipechat-client -w 3' \
    >/dev/null 2>"$tmp/stopped.log" &
stopped=$!
poll 10 journal_has '^root: stop-3$' || fail "the waiting client sent nothing"
inside systemctl stop pipechatd.socket pipechatd.service || fail "systemctl stop"
wait "$stopped"
st=$?
[ $st -eq 69 ] || fail "the client exited $st, not 69: $(cat "$tmp/stopped.log")"
grep -q "pipechatd did not come back within 3 s; [0-9]* lines sent, the rest not" \
    "$tmp/stopped.log" || fail "no message: $(cat "$tmp/stopped.log")"
echo "ok - a client waits -w 3 s for a stopped service, then exits 69 saying so"
inside pgrep -x pipechatd >/dev/null && fail "a pipechatd process is left after stop"
inside test -e "$FIFO_PATH" && fail "the FIFO is left after the socket stopped"
echo "ok - systemctl stop leaves no process and no FIFO"

echo "systemd: all checks passed"
exit 0
