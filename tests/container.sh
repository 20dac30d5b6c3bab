# SPDX-License-Identifier: ISC
# shellcheck shell=bash disable=SC2034,SC2154 # tmp, extra_cleanup, fail_hook: tests/lib.sh's
# A throwaway systemd container for the systemd and package tests, sourced
# after tests/lib.sh (and its setup_tmp).  Never boots over the host root:
# callers pass --volatile=yes with -D /, or a scratch root of their own.
#
#   container_boot SECONDS NSPAWN-ARGS...   boot, wait until it is running
#   inside CMD...                           run CMD in it, as root
#   container_journal=ARGS                  what the failure dump shows

nspawn_pid=
leader=
container_journal="-n 40"

# Power the container off (SIGTERM asks nspawn to), if it runs.
container_stop() {
	if [ -n "$nspawn_pid" ] && alive "$nspawn_pid"; then
		kill -TERM "$nspawn_pid" 2>/dev/null
		poll 10 eval '! alive $nspawn_pid'
		kill -KILL "$nspawn_pid" 2>/dev/null
		wait "$nspawn_pid" 2>/dev/null
	fi
	nspawn_pid=''
	leader=''
}
extra_cleanup=container_stop
fail_hook=container_dump

inside() {
	nsenter -t "$leader" -a /usr/bin/env -i \
	    PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
	    DEBIAN_FRONTEND=noninteractive "$@"
}

container_dump() {
	[ -n "$leader" ] || { tail -20 "$tmp/nspawn.log" 2>/dev/null; return; }
	inside systemctl status --no-pager pipechatd.socket pipechatd.service 2>&1 | tail -30
	# shellcheck disable=SC2086 # a word list of journalctl options
	inside journalctl --no-pager $container_journal 2>&1
}

# The container's pid 1 (systemd), a child of nspawn's.  Not just any
# child: nspawn's first, short-lived one is gone by the time nsenter
# looks at it ("stat of /proc/PID/ns/user failed").
container_find_leader() {
	leader=$(pgrep -P "$nspawn_pid" -x systemd 2>/dev/null | head -n 1)
	[ -n "$leader" ] && [ -e "/proc/$leader/ns/user" ]
}

container_booted() {
	container_find_leader || return 1
	case "$(inside systemctl is-system-running 2>/dev/null)" in
	running | degraded) return 0 ;;
	*) return 1 ;;
	esac
}

container_boot() {
	local seconds=$1

	shift
	systemd-nspawn --register=no --keep-unit --console=passive -b "$@" \
	    >"$tmp/nspawn.log" 2>&1 &
	nspawn_pid=$!
	if ! poll 30 container_find_leader; then
		# Inside a container of its own, nspawn may be unable to make
		# its cgroup ("Failed to create /../payload subcgroup"): a
		# capability this machine lacks, not a failure of ours.
		if ! alive "$nspawn_pid" &&
		    virt=$(systemd-detect-virt --container 2>/dev/null); then
			skip "systemd-nspawn cannot boot a container inside this" \
			    "$virt container: $(tail -n 1 "$tmp/nspawn.log")"
		fi
		fail "container did not start: $(tail -n 3 "$tmp/nspawn.log")"
	fi
	poll "$seconds" container_booted ||
	    fail "container did not finish booting: $(inside systemctl is-system-running 2>&1)"
}
