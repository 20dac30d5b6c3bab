# Waiting helpers shared by the test libraries (tests/integration/lib.sh,
# tests/chat/lib.sh): every wait is a poll loop with a deadline, so a
# broken daemon makes a test fail, never hang.  The caller defines fail()
# and may set $scale (deadlines are multiplied by it; 1 if unset).

# alive PID: the process exists and is not a zombie.
alive()
{
	local stat

	[ -r "/proc/$1/stat" ] || return 1
	# The process may go between the test and the read: no error then.
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# poll SECONDS COMMAND...: true as soon as COMMAND succeeds, false if it
# does not within SECONDS.
poll()
{
	local n=$(($1 * 50 * ${scale:-1}))

	shift
	while ! "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.02
	done
	return 0
}

# wait_exit PID SECONDS: wait for PID to exit and set $status to its exit
# status; fail if it is still running after SECONDS.  PID must be a
# background simple command's: for a pipeline, "wait" waits for all of it.
wait_exit()
{
	poll "$2" eval '! alive '"$1" ||
	    fail "process $1 still running after $2 s"
	wait "$1" 2>/dev/null
	status=$?
}
