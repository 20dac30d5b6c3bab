# SPDX-License-Identifier: ISC
# Account for every line of the soak (see soak.sh).
#
#	awk -v me=LOGIN -v dir=INCDIR [-v slowstop=1] -f soak-lines.awk \
#	    -f soak-account.awk RECORDS DAEMON_OUT...
#
# slowstop=1 (under valgrind): a raw writer's lines written between the
# stopping daemon's last read and its close are lost with the pipe, as
# docs/PROTOCOL.md says; natively that is an instant and nothing is lost,
# under valgrind it is long enough to lose a few lines.  They are counted
# apart instead of failing the run.  Sessions have no such window.
#
# RECORDS has one line per client incarnation: "SLOT INC KIND STATUS KILLED"
# (KIND raw, sess or flood; KILLED 1 if the chaos loop sent it SIGKILL).
# DIR/SLOT.INC.gen holds how many lines its generator wrote (or tried to),
# DIR/SLOT.INC.err its standard error, where a client that did not send
# everything says how many lines it did ("...; N lines sent").  The daemon outputs are every
# incarnation's standard output, in order.  Prints a table and the problems
# found; exits 1 if there are any.

function problem(what, detail)
{
	nproblems++
	if (++nkind[what] <= 5)
		printf "soak: PROBLEM: %s: %s\n", what, substr(detail, 1, 160)
}

function readnum(file,	line, v)
{
	v = 0
	if ((getline line < file) > 0)
		v = line + 0
	close(file)
	return v
}

BEGIN {
	soak_init()
	mepfx = me ": "
}

FNR == 1 {
	fileno++
}

fileno == 1 {
	key = $1 SUBSEP $2
	nrec++
	order[nrec] = key
	kind[key] = $3
	status[key] = $4
	killed[key] = $5
	next
}

{
	line = $0
	if (substr(line, 1, 4) == "--> " || substr(line, 1, 4) == "<-- " ||
	    substr(line, 1, 4) == "-!- ") {
		notices++
		next
	}
	if (substr(line, 1, 13) == "(anonymous): ") {
		from = "raw"
		text = substr(line, 14)
	} else if (substr(line, 1, length(mepfx)) == mepfx) {
		from = "sess"
		text = substr(line, length(mepfx) + 1)
	} else {
		problem("(a) a line that no client wrote", line)
		next
	}
	if (!match(text, /^c[0-9]+-r[0-9]+-[0-9]+-/)) {
		problem("(a) a line that no client wrote", line)
		next
	}
	split(substr(text, 1, RLENGTH - 1), f, "-")
	id = substr(f[1], 2) + 0
	r = substr(f[2], 2) + 0
	n = f[3] + 0
	if (text != soak_line(id, r, n)) {
		problem("(a) line not intact", line)
		next
	}
	key = id SUBSEP r
	if (!(key in kind)) {
		problem("(a) a line from no known client incarnation", line)
		next
	}
	if (from != (kind[key] == "raw" ? "raw" : "sess")) {
		problem("(a) line shown with the wrong sender", line)
		next
	}
	if (++seen[key, n] > 1) {
		problem("(b) line printed twice", line)
		next
	}
	printed++
	cnt[key]++
	if (n > maxn[key])
		maxn[key] = n
}

END {
	for (i = 1; i <= nrec; i++) {
		key = order[i]
		split(key, p, SUBSEP)
		tag = p[1] "." p[2]
		what = "client " p[1] " incarnation " p[2] " (" kind[key] ")"
		G = readnum(dir "/" tag ".gen")
		K = maxn[key] + 0
		st = status[key]
		generated += G

		# What the client said on standard error.
		N = ""
		said = ""
		ended = refused = lingered = 0
		file = dir "/" tag ".err"
		while ((getline l < file) > 0) {
			if (said == "")
				said = l
			# "the daemon went away; N lines sent", or "session
			# ended by pipechatd: why; N lines sent".
			if (match(l, /; [0-9]+ lines? sent/)) {
				N = substr(l, RSTART + 2, RLENGTH - 2)
				sub(/ .*/, "", N)
				N += 0
			}
			if (l ~ /session ended by pipechatd|pipechatd closed the session/)
				ended = 1
			if (l ~ /did not answer the join|no such FIFO|no daemon is reading|refused the session/)
				refused = 1
			if (l ~ /did not close the session/)
				lingered = 1
		}
		close(file)

		if (cnt[key] + 0 != K) {
			problem("(c) printed line numbers are not 1..K",
			    what ": " cnt[key] + 0 " lines printed, highest " K)
			K = cnt[key] + 0
		}
		if (K > G)
			problem("more printed than generated",
			    what ": " K " of " G)

		if (st == 137 && killed[key]) {
			class = "killed"
			tail += G - K
		} else if (st == 0) {
			class = "normal"
			if (K != G)
				problem("(d) exited 0 but not every line printed",
				    what ": " K " of " G " printed")
		} else if (st == 69 && N != "") {
			class = lingered ? "not closed in 10 s (count)" : \
			    ended ? "ended by daemon (count)" : \
			    "went away (count)"
			if (lingered && !slowstop)
				problem("the daemon did not close a session" \
				    " within the client's 10 s", what)
			reported += N
			notsent += G - N
			if (N > G)
				problem("(e) more reported sent than generated",
				    what ": " N " of " G)
			if (K < N && kind[key] == "raw" && slowstop) {
				rawwindow += N - K
				printf "soak: NOTE: %s: %d reported sent, %d " \
				    "printed: lines %d..%d lost in the stop " \
				    "window\n", what, N, K, K + 1, N
			} else if (K < N) {
				sentlost += N - K
				problem("(e) reported sent but not printed",
				    what ": " N " reported sent, " K \
				    " printed: lines " K + 1 ".." N " lost")
			} else if (K > N)
				problem("(e) printed more than reported sent",
				    what ": " N " reported sent, " K " printed")
		} else if (st == 69 && ended) {
			class = "ended by daemon (no count)"
			endedtail += G - K
		} else if ((st == 69 || st == 66) && refused) {
			class = "refused at start"
			notsent += G - K
			if (K != 0)
				problem("a refused client's lines were printed",
				    what ": " K " printed; said: " said)
		} else if (st == 69 && lingered) {
			class = "daemon did not close the session"
			if (K != G)
				problem("(d) sent everything but not all printed",
				    what ": " K " of " G)
			problem("the daemon did not close a session within" \
			    " the client's 10 s", what)
		} else {
			class = "unexpected exit"
			problem("unexpected exit", what ": status " st ", " \
			    K " of " G " lines printed, said: " \
			    (said == "" ? "nothing" : said))
		}
		nclass[class]++
		if (kind[key] == "flood")
			printf "soak: flood incarnation %d: %d lines, %d printed" \
			    ", exit %d, %s%s\n", p[2], G, K, st, class, \
			    N != "" ? " (" N " reported sent)" : ""
	}

	unaccounted = generated - printed - notsent - tail - endedtail - \
	    sentlost - rawwindow
	printf "soak: client incarnations: %d\n", nrec
	for (c in nclass)
		printf "soak:   %-34s %8d\n", c, nclass[c]
	printf "soak: %-55s %10d\n", "lines generated", generated
	printf "soak: %-55s %10d\n", "lines printed by the daemons (intact, once)",
	    printed
	printf "soak: %-55s %10d\n", "reported sent by clients the daemon left or ended",
	    reported
	printf "soak: %-55s %10d\n", "not delivered, reported (client said: not sent)",
	    notsent
	printf "soak: %-55s %10d\n", "not delivered, session ended (no count given)",
	    endedtail
	printf "soak: %-55s %10d\n", "lost from killed clients' unwritten tail", tail
	if (slowstop)
		printf "soak: %-55s %10d\n", "raw lines lost in the stop window (slow run)",
		    rawwindow
	printf "soak: %-55s %10d\n", "reported sent but never printed (must be 0)",
	    sentlost
	printf "soak: %-55s %10d\n", "unaccounted (must be 0)", unaccounted
	printf "soak: %-55s %10d\n", "notices (joined/left)", notices
	if (unaccounted != 0)
		problem("unaccounted lines", unaccounted)
	for (k in nkind)
		printf "soak: problem %-50s %8d\n", k, nkind[k]
	exit nproblems > 0
}
