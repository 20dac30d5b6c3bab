#!/bin/bash
# SPDX-License-Identifier: ISC
# The Debian package on a freshly installed Debian 12, as an admin uses it:
#   build the .deb (and a second one with a newer version) from the source
#   tree; unpack a cached clean bookworm root (mmdebstrap minbase + systemd)
#   into a scratch directory and boot it with systemd-nspawn; inside it,
#   apt-get install the .deb, check that the user, group, /run/pipechat and
#   the socket unit are there, chat as a member of the group and find the
#   message under the user's name in the journal; run pipechatd by hand as
#   root and see it become pipechatd; edit /etc/pipechat.ini,
#   upgrade, check the edit survived and chat again; purge and check that
#   nothing of the package is left but the user and groups.
# The root is cached in $PIPECHAT_DEB_CACHE (default
# /var/cache/pipechat-tests); delete it to start from a new one.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ok() { n=$((n + 1)); echo "ok $n - $*"; }
n=0

[ "$(id -u)" -eq 0 ] || skip "needs root to build a root file system and boot it"
for tool in systemd-nspawn mmdebstrap dpkg-buildpackage nsenter; do
	command -v "$tool" >/dev/null ||
	    skip "$tool not installed (tools/install-deps --package)"
done
src=${SOURCE_ROOT:-$(dirname "$0")/../..}
cache=${PIPECHAT_DEB_CACHE:-/var/cache/pipechat-tests}
rootfs_tar=$cache/bookworm-minbase-systemd.tar

setup_tmp
# shellcheck source=../container.sh
. "$(dirname "$0")/../container.sh"

# --- the two packages ----------------------------------------------------------
step "building the package"
"$src/tools/build-deb" "$tmp/deb1" >"$tmp/build1.log" 2>&1 ||
    { tail -40 "$tmp/build1.log"; fail "tools/build-deb"; }
deb1=$(ls "$tmp"/deb1/pipechat_*_*.deb)
version1=$(dpkg-deb -f "$deb1" Version)
ok "built $(basename "$deb1")"

# Errors and warnings fail; an override in debian/ must say why beside it.
lintian --fail-on error,warning "$deb1" \
    >"$tmp/lintian.log" 2>&1 || { cat "$tmp/lintian.log"; fail "lintian"; }
ok "lintian: no error, no warning"

# The same source with a newer version, as the next release would be.
mkdir "$tmp/src2"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 tar -cf - --) | tar -xf - -C "$tmp/src2"
version2="$version1+upgradetest1"
sed -i "1s/([^)]*)/($version2)/" "$tmp/src2/debian/changelog"
# build-deb archives what git knows of, so it needs a repository
(cd "$tmp/src2" && git init -q && git add -A) ||
    fail "cannot make a repository of the second source tree"
"$tmp/src2/tools/build-deb" "$tmp/deb2" >"$tmp/build2.log" 2>&1 ||
    { tail -40 "$tmp/build2.log"; fail "tools/build-deb (second version)"; }
deb2=$(ls "$tmp"/deb2/pipechat_*_*.deb)
[ "$(dpkg-deb -f "$deb2" Version)" = "$version2" ] ||
    fail "second package has version $(dpkg-deb -f "$deb2" Version), not $version2"
ok "built $(basename "$deb2")"

# --- a clean Debian 12 ------------------------------------------------------
if [ ! -s "$rootfs_tar" ]; then
	step "creating a clean Debian 12 root in $rootfs_tar (once)"
	mkdir -p "$cache"
	mmdebstrap --format=tar --variant=minbase --include=systemd,systemd-sysv,dbus \
	    bookworm "$rootfs_tar.new" >"$tmp/mmdebstrap.log" 2>&1 ||
	    { tail -20 "$tmp/mmdebstrap.log"; rm -f "$rootfs_tar.new";
	      skip "mmdebstrap could not build a Debian 12 root (no mirror?)"; }
	mv "$rootfs_tar.new" "$rootfs_tar"
fi
root=$tmp/root
mkdir "$root"
tar -xf "$rootfs_tar" -C "$root" || fail "cannot unpack $rootfs_tar"
cp "$deb1" "$deb2" "$root/root/"
systemd-id128 new >"$root/etc/machine-id"
# apt inside the container resolves names like the host does
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null

step "booting it"
container_boot 120 -D "$root" --machine="pipechat-pkg-$$"
inside test ! -e /usr/sbin/pipechatd || fail "the clean root already has pipechatd"
ok "a clean Debian 12 booted under systemd"

# --- install -----------------------------------------------------------------
inside apt-get update -q >"$tmp/apt.log" 2>&1 ||
    { tail -20 "$tmp/apt.log"; skip "apt-get update failed in the container (no mirror?)"; }
inside apt-get install -y -q "/root/$(basename "$deb1")" >>"$tmp/apt.log" 2>&1 ||
    { tail -30 "$tmp/apt.log"; fail "apt-get install ./$(basename "$deb1")"; }
ok "apt-get install ./$(basename "$deb1")"

inside getent passwd pipechatd >/dev/null || fail "no user pipechatd"
inside getent group pipechat >/dev/null || fail "no group pipechat"
inside test -d /run/pipechat || fail "no /run/pipechat"
[ "$(inside stat -c %U:%G:%a /run/pipechat)" = "pipechatd:pipechat:750" ] ||
    fail "/run/pipechat is $(inside stat -c %U:%G:%a /run/pipechat)"
inside systemctl is-enabled --quiet pipechatd.socket || fail "pipechatd.socket not enabled"
inside systemctl is-active --quiet pipechatd.socket || fail "pipechatd.socket not active"
inside dpkg-query -W -f='${Conffiles}\n' pipechat | grep -q '^ /etc/pipechat.ini ' ||
    fail "/etc/pipechat.ini is not a conffile"
ok "user, group, /run/pipechat, conffile, socket enabled and listening"

inside useradd -m -G pipechat alice || fail "useradd alice"

# chat WORD: alice sends WORD; it must reach the journal under her name
chat() {
	inside runuser -u alice -- sh -c "echo '$1' | pipechat-client" \
	    >"$tmp/client.log" 2>&1 ||
	    { cat "$tmp/client.log"; fail "pipechat-client as alice"; }
	in_journal() {
		inside journalctl -u pipechatd --no-pager -o cat 2>/dev/null |
		    grep -q "alice.*$1"
	}
	poll 20 in_journal "$1" ||
	    fail "'$1' from alice is not in journalctl -u pipechatd"
}
chat "hello-from-alice-$$"
ok "a member's message is in the journal under her name"

# --- started by root without the units: it becomes pipechatd ------------------
inside systemctl stop pipechatd.socket pipechatd.service ||
    fail "cannot stop the units"
# Made afresh, so that giving it the group pipechat is put to the test.
inside rm -f /run/pipechat/pipechat.fifo
inside systemd-run -q --unit=pipechat-by-hand /usr/sbin/pipechatd ||
    fail "systemd-run pipechatd"
by_hand_up() {
	inside test -p /run/pipechat/pipechat.fifo &&
	    inside journalctl -u pipechat-by-hand --no-pager -o cat |
	    grep -q "reading /run/pipechat/pipechat.fifo"
}
poll 20 by_hand_up || { inside journalctl -u pipechat-by-hand --no-pager;
    fail "pipechatd started by root did not come up"; }
pid=$(inside systemctl show -P MainPID pipechat-by-hand)
[ "$(inside stat -c %U:%G "/proc/$pid")" = pipechatd:pipechatd ] ||
    fail "pipechatd started by root runs as $(inside stat -c %U:%G "/proc/$pid")"
[ "$(inside stat -c %U:%G:%a /run/pipechat/pipechat.fifo)" = \
    pipechatd:pipechat:620 ] || fail "the FIFO it made is" \
    "$(inside stat -c %U:%G:%a /run/pipechat/pipechat.fifo)"
inside runuser -u alice -- pipechat-client "by-hand-$$" ||
    fail "pipechat-client as alice, to the daemon started by hand"
by_hand_said() {
	inside journalctl -u pipechat-by-hand --no-pager -o cat |
	    grep -q "alice: by-hand-$$"
}
poll 20 by_hand_said || fail "alice's line is not in the hand-started daemon's output"
inside systemctl stop pipechat-by-hand || fail "cannot stop pipechat-by-hand"
inside rm -f /run/pipechat/pipechat.fifo
inside systemctl start pipechatd.socket || fail "cannot start pipechatd.socket again"
ok "started by root from /etc/pipechat.ini, pipechatd runs as pipechatd"

# --- upgrade keeps an edited conffile ------------------------------------------
inside sh -c 'echo "; edited by the admin" >> /etc/pipechat.ini' ||
    fail "cannot edit /etc/pipechat.ini"
inside apt-get install -y -q "/root/$(basename "$deb2")" >>"$tmp/apt.log" 2>&1 ||
    { tail -30 "$tmp/apt.log"; fail "upgrade to $version2"; }
[ "$(inside dpkg-query -W -f='${Version}' pipechat)" = "$version2" ] ||
    fail "installed version is not $version2 after the upgrade"
inside grep -q '^; edited by the admin$' /etc/pipechat.ini ||
    fail "the admin's edit of /etc/pipechat.ini did not survive the upgrade"
inside systemctl is-active --quiet pipechatd.socket ||
    fail "pipechatd.socket not active after the upgrade"
chat "after-upgrade-$$"
ok "upgrade to $version2: edit kept, chat works"

# --- purge -------------------------------------------------------------------
inside dpkg-query -L pipechat >"$tmp/files" || fail "dpkg -L pipechat"
inside apt-get purge -y -q pipechat >>"$tmp/apt.log" 2>&1 ||
    { tail -30 "$tmp/apt.log"; fail "apt-get purge pipechat"; }
status=$(inside dpkg-query -W -f='${db:Status-Status}' pipechat 2>/dev/null)
[ -z "$status" ] || [ "$status" = not-installed ] ||
    fail "dpkg still has pipechat as '$status' after purge"
left=
while read -r f; do
	# directories that other packages own (/usr/bin, /etc, ...) stay
	inside test -d "$f" && continue
	inside test -e "$f" && left="$left $f"
done <"$tmp/files"
[ -z "$left" ] || fail "left after purge:$left"
inside test ! -e /etc/pipechat.ini || fail "/etc/pipechat.ini left after purge"
for u in /etc/systemd/system/sockets.target.wants/pipechatd.socket \
    /etc/systemd/system/multi-user.target.wants/pipechatd.service; do
	inside test ! -e "$u" || fail "$u left after purge"
done
inside getent passwd pipechatd >/dev/null || fail "purge removed the user (policy: keep it)"
inside getent group pipechat >/dev/null || fail "purge removed the group (policy: keep it)"
ok "purge removed every file; user and groups kept"

echo "1..$n"
