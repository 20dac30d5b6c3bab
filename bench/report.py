#!/usr/bin/env python3
"""bench/report.py: BENCHMARKS.md and bench.png from bench.py's results.json.

    bench/report.py DIR      # re-render DIR/results.json into DIR

Every figure is a median over rounds; a ratio is the median of the
per-round ratios, so both sides of it saw the same minute of the machine.
Python 3 standard library; the plot needs gnuplot.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile


def med(values):
	v = [x for x in values if x is not None]
	return statistics.median(v) if v else None


def fmt(spec, v):
	return '-' if v is None else spec % v


def mib(kib):
	return fmt('%.2f MiB', None if kib is None else kib / 1024)


class Report:
	"""Queries over the rows of one results.json."""

	def __init__(self, res):
		self.r = res
		self.daemons = list(res['daemons'])
		self.first = self.daemons[0]

	def rows(self, sec, **f):
		return [x for x in self.r.get(sec, [])
		    if all(x.get(k) == v for k, v in f.items())]

	def med(self, sec, key, **f):
		return med(x.get(key) for x in self.rows(sec, **f))

	def per(self, sec, num, den, scale=1.0, **f):
		"""Median over rows of num / den (den a key or a number)."""
		v = []
		for x in self.rows(sec, **f):
			d = x.get(den) if isinstance(den, str) else den
			if x.get(num) is not None and d:
				v.append(scale * x[num] / d)
		return med(v)

	def ratio(self, sec, key, a, b, **f):
		"""Median over rounds of a's key / b's key in the same round."""
		by = {}
		for x in self.rows(sec, **f):
			if x.get(key) is not None:
				by.setdefault(x['round'], {})[x['who']] = x[key]
		return med(v[a] / v[b] for v in by.values() if a in v and v.get(b))

	def whos(self, sec, **f):
		seen = []
		for x in self.rows(sec, **f):
			if x['who'] not in seen:
				seen.append(x['who'])
		order = self.daemons + ['cat', 'socat', 'ngircd']
		return sorted(seen, key=order.index)


def verdict(ok):
	return 'not measured' if ok is None else '**met**' if ok else '**missed**'


def le(v, lim):
	return None if v is None else v <= lim


def targets(q, size, mem_sessions, lim):
	"""[(target, {daemon: (measured, ok)})]."""
	res = q.r
	fan_mid = size['fan'][1] if len(size['fan']) > 1 else size['fan'][0]
	small = size['fan'][0]
	big = max(mem_sessions)
	out = []
	for who in q.daemons:
		worst = max(((q.ratio('ingest', 'drained', who, 'cat', writers=r), r)
		    for r in size['writers']
		    if q.ratio('ingest', 'drained', who, 'cat', writers=r) is not None),
		    default=(None, None))
		fan = q.ratio('fanout', 'rate', who, 'ngircd', sessions=fan_mid, mode='sat')
		light = q.ratio('fanout', 'rate', who, 'ngircd', sessions=fan_mid, mode='light')
		p99 = q.med('latency', 'p99', who=who, sessions=small)
		idle = q.med('memory', 'rss_idle', who=who)
		rss = q.med('memory', 'rss', who=who, sessions=big)
		ran = bool(q.rows('memory', who=who, sessions=big))
		rss10k = None if None in (idle, rss) else idle + (rss - idle) * 10000 / big
		whole = big >= 10000 or res['smoke']
		out.append((who, [
		    ('ingest time <= 1.0x cat\'s on the same load',
		     '%s cat\'s, the worst of %s writers (at %s)' % (fmt('%.2fx', worst[0]),
		     ', '.join(map(str, size['writers'])), worst[1]), le(worst[0], 1.0)),
		    ('fan-out at %d sessions >= 3x ngircd\'s delivered msgs/s' % fan_mid,
		     '%s saturated; %s at window 4' % (fmt('%.2fx', fan), fmt('%.2fx', light)),
		     None if fan is None else fan >= 3),
		    ('p99 one-hop latency <= 200 us idle (%d sessions)' % small,
		     fmt('%.0f us', p99), le(p99, 200)),
		    ('RSS <= 4 MiB idle', mib(idle), le(idle, 4096)),
		    ('RSS <= 64 MiB at 10,000 sessions', '%s at %d sessions%s' % (mib(rss), big,
		     '' if whole else ', %s extrapolated to 10,000' % mib(rss10k)),
		     le(rss if whole else rss10k, 65536)),
		    ('10,000 concurrent sessions work', '%d sessions joined, talked and left, '
		     'nothing lost' % big if ran else 'the %d-session run failed' % big,
		     (True if whole else None) if ran else False),
		]))
	return out


def bounds(q, who, res, t):
	"""What bounds each missed target of daemon who: the figures that explain it."""
	size, lines = res['size'], []
	top = lambda load, n=4: '; '.join('%.2f%% `%s`' % (p, name) for p, name in
	    res['profiles'].get(who, {}).get(load, {}).get('callgrind', {}).get('self', [])[:n])
	kern = lambda load: ', '.join('%s %s' % (p, n) for p, n in
	    res['profiles'].get(who, {}).get(load, {}).get('perf', {}).get('syscalls', [])[:5])
	ok = {name: v for name, _, v in t}
	name = list(ok)
	if ok[name[0]] is False:
		r = max(size['writers'], key=lambda w: q.ratio('ingest', 'drained', who, 'cat', writers=w) or 0)
		lines.append('- **Ingest** at %d writers: CPU per line %s (cat %s), lines per '
		    'wake-up %s (cat %s), %s on a CPU %s of the run and waiting for one %s.%s%s' % (
		    r, fmt('%.2f us', q.per('ingest', 'server_cpu', 'lines', 1e6, who=who, writers=r)),
		    fmt('%.2f us', q.per('ingest', 'server_cpu', 'lines', 1e6, who='cat', writers=r)),
		    fmt('%.1f', q.per('ingest', 'lines', 'server_runs', who=who, writers=r)),
		    fmt('%.1f', q.per('ingest', 'lines', 'server_runs', who='cat', writers=r)), who,
		    fmt('%.0f%%', q.per('ingest', 'server_cpu', 'drained', 100, who=who, writers=r)),
		    fmt('%.0f%%', q.per('ingest', 'server_wait', 'drained', 100, who=who, writers=r)),
		    ' Callgrind, self: %s.' % top('ingest') if top('ingest') else '',
		    ' perf, inclusive: %s.' % kern('ingest') if kern('ingest') else ''))
	if ok[name[1]] is False:
		n = size['fan'][1] if len(size['fan']) > 1 else size['fan'][0]
		f = dict(sessions=n, mode='sat')
		lines.append('- **Fan-out** at %d sessions, saturated: %s on a CPU %s and waiting %s, '
		    'pcload %s and %s; ngircd on a CPU %s (a server near 100%% is saturated; '
		    'two sides well under it take turns). CPU per delivered line: %s %s, '
		    'ngircd %s.%s%s' % (n, who,
		    fmt('%.0f%%', q.per('fanout', 'server_cpu', 'wall', 100, who=who, **f)),
		    fmt('%.0f%%', q.per('fanout', 'server_wait', 'wall', 100, who=who, **f)),
		    fmt('%.0f%%', q.per('fanout', 'pcload_cpu', 'wall', 100, who=who, **f)),
		    fmt('%.0f%%', q.per('fanout', 'pcload_wait', 'wall', 100, who=who, **f)),
		    fmt('%.0f%%', q.per('fanout', 'server_cpu', 'wall', 100, who='ngircd', **f)),
		    who, fmt('%.2f us', q.per('fanout', 'server_cpu', 'delivered', 1e6, who=who, **f)),
		    fmt('%.2f us', q.per('fanout', 'server_cpu', 'delivered', 1e6, who='ngircd', **f)),
		    ' Callgrind, self: %s.' % top('fanout') if top('fanout') else '',
		    ' perf, inclusive: %s.' % kern('fanout') if kern('fanout') else ''))
	if ok[name[2]] is False:
		n = size['fan'][0]
		lines.append('- **Idle latency** at %d sessions: %s\'s CPU per message %s, run-queue '
		    'wait per message %s (time runnable but waiting for a CPU: the tail on a '
		    'shared machine); ngircd\'s p99 %s in the same rounds.' % (n, who,
		    fmt('%.1f us', q.per('latency', 'server_cpu', 'msgs', 1e6, who=who, sessions=n)),
		    fmt('%.1f us', q.per('latency', 'server_wait', 'msgs', 1e6, who=who, sessions=n)),
		    fmt('%.0f us', q.med('latency', 'p99', who='ngircd', sessions=n))))
	return lines


def table(head, rows):
	out = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
	out += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
	return out + ['']


def markdown(res):
	q = Report(res)
	size, m, D = res['size'], res['machine'], q.daemons
	rounds, win = res['rounds'], res['windows']
	L = ['# pipechat benchmarks', '']
	if res['smoke']:
		L += ['**Smoke run (tiny sizes, one round): these numbers mean nothing.**', '']
	L += ['Written by `bench/bench.py` on %s, at commit %s. Every figure is the median '
	    'of %d rounds. In each round the contenders ran one after the other, in an '
	    'order that rotates from round to round, on the same load from the same driver '
	    '(`bench/pcload`: one process, one `poll()` loop). A ratio is the median of the '
	    'per-round ratios, so both sides of it saw the same minute of this shared '
	    'machine.' % (m['date'], m['commit'], rounds), '']
	if res.get('plot'):
		L += ['![benchmarks](bench.png)', '']
	L += ['## Reproduce', '', '```sh',
	    'tools/install-deps --bench   # ngircd, socat, gnuplot, valgrind (apt-get)',
	    'bench/refresh                # release build in /tmp/build-bench, every scenario,',
	    '                             # then docs/BENCHMARKS.md and docs/bench.png', '```', '',
	    'This report: `%s`.' % res['command'], '']
	L += table(['program', 'path', 'version', '`[session] rate = 0`'],
	    [(k, '`%s`' % v['path'], v['version'], 'set' if v['rate_zero'] else
	    'not a key of this daemon') for k, v in res['daemons'].items()])
	of = m['open_files']
	L += ['## Machine', '']
	L += table(['', ''], [('CPU', '%d x %s' % (m['ncpu'], m['cpu'])),
	    ('memory', '%d MiB' % m['mem_mib']), ('system', '%s, Linux %s' % (m['os'], m['kernel'])),
	    ('before the run', m['quiet']),
	    ('shared with', 'at the start: %s; at the end: %s (processes over 10%% of a CPU)'
	     % (m['busy_start'], m['busy_end'])),
	    ('load average', '%s at the start, %s at the end' % (m['load_start'], m['load_end'])),
	    ('compiler', m['cc']), ('libevent', m['libevent']),
	    ('contenders', '%s; socat %s; GNU cat' % (m['ngircd'] or 'ngircd: not installed',
	     m['socat'] or 'not installed')),
	    ('pipes', 'fs.pipe-max-size %s, fs.pipe-user-pages-soft %s' % (m['pipe_max'], m['pipe_soft'])),
	    ('open files', 'hard limit %s' % (of['hard'] or 'unlimited'))])
	if of['note']:
		L += [of['note'], '']
	if res['failures']:
		L += ['**%d run(s) failed**: %s.' % (len(res['failures']),
		    '; '.join('`%s`' % f for f in res['failures'])), '']
	tg = targets(q, size, res['mem_sessions'], of)
	L += ['## Targets', '']
	L += table(['target'] + sum((['%s: measured' % w, 'verdict'] for w in D), []),
	    [[tg[0][1][i][0]] + sum(([t[i][1], verdict(t[i][2])] for _, t in tg), [])
	    for i in range(len(tg[0][1]))])
	miss = sum((bounds(q, who, res, t) for who, t in tg), [])
	if miss:
		L += ['### What bounds the misses', ''] + miss + ['']
	if len(D) > 1:
		L += compare(q, res)
	for sec, part in (('ingest', ingest), ('fanout', fanout), ('memory', memory),
	    ('start', start)):
		if q.rows(sec):
			L += part(q, res)
	L += profiles(res)
	L += ['## Notes', '',
	    '- pcload and the servers share the %d cores (with whatever else runs here, '
	    'listed above); "pcload busy" near the server\'s shows when the driver, not '
	    'the server, limits a run.' % m['ncpu'],
	    '- On the wire an IRC line is longer than pipechat\'s: the same text, each '
	    'protocol\'s framing (`:nick!~pcload@127.0.0.1 PRIVMSG #bench :` against `msg root: `).',
	    '- pcload\'s IRC clients re-arm `TCP_QUICKACK` after every read: ngircd does not '
	    'set `TCP_NODELAY`, and delayed ACKs would stall its writes for 40 ms now and '
	    'then. With quick ACKs ngircd is measured at its best.', '']
	return '\n'.join(L)


def compare(q, res):
	"""Every daemon against the first, round by round."""
	size, a = res['size'], q.first
	rows = []
	for b in q.daemons[1:]:
		for r in size['writers']:
			rows.append((b, 'ingest time, %d writers' % r,
			    fmt('%.3fx', q.ratio('ingest', 'drained', b, a, writers=r))))
		for n in size['fan']:
			for mode, w in res['windows'].items():
				rows.append((b, 'fan-out delivered msgs/s, %d sessions, window %d' % (n, w),
				    fmt('%.3fx', q.ratio('fanout', 'rate', b, a, sessions=n, mode=mode))))
		for n in size['fan']:
			rows.append((b, 'idle latency p99, %d sessions' % n,
			    fmt('%.3fx', q.ratio('latency', 'p99', b, a, sessions=n))))
		rows.append((b, 'VmRSS idle', fmt('%.3fx', q.ratio('memory', 'rss_idle', b, a,
		    sessions=res['mem_sessions'][0]))))
		for n in res['mem_sessions']:
			rows.append((b, 'VmRSS, %d sessions' % n,
			    fmt('%.3fx', q.ratio('memory', 'rss', b, a, sessions=n))))
		rows.append((b, 'start-up, exec -> FIFO open',
		    fmt('%.3fx', q.ratio('start', 'open_us', b, a))))
	rows = [x for x in rows if x[2] != '-']
	return ['## %s against %s' % (', '.join(q.daemons[1:]), a), '',
	    'The median of the per-round ratios: below 1.0x is less time, fewer '
	    'messages/s or less memory than %s.' % a, ''] + \
	    table(['daemon', 'figure', 'against %s' % a], rows)


def ingest(q, res):
	n = res['size']['ingest_msgs']
	L = ['## 1. Ingest', '',
	    'R raw writers (all in one pcload process, each like `echo x > FIFO`) write %d '
	    'lines of %d bytes in all, one `write(2)` each, into a FIFO whose one reader '
	    'writes what it reads to a file on tmpfs: pipechatd (its standard output), '
	    '`cat FIFO`, or `socat -u -b 65536 OPEN:FIFO,rdonly -`. Time: from the first '
	    'write until the reader\'s output has its full size (`pcload -c`). A writer holds '
	    'the FIFO open throughout, for every reader alike. Busy / waiting: the share of '
	    'that time the reader (or pcload) was on a CPU / runnable but waiting for one '
	    '(`/proc/PID/schedstat`). Lines per wake-up: lines over the times the reader was '
	    'put on a CPU. pipechatd enlarges its FIFO\'s pipe (`[fifo] pipe_size`); cat and '
	    'socat get the kernel\'s default.' % (n, res['msg_bytes'] + 1), '']
	rows = []
	for r in res['size']['writers']:
		for who in q.whos('ingest', writers=r):
			f = dict(who=who, writers=r)
			t = [x['drained'] for x in q.rows('ingest', **f) if x.get('drained')]
			pipe = q.med('ingest', 'pipe', **f)
			rows.append((r, who, '%s (%s)' % (fmt('%.3f s', med(t)),
			    '%.3f-%.3f' % (min(t), max(t)) if t else '-'),
			    fmt('%.0f', q.per('ingest', 'lines', 'drained', **f)),
			    fmt('%.2f us', q.per('ingest', 'server_cpu', 'lines', 1e6, **f)),
			    fmt('%.1f', q.per('ingest', 'lines', 'server_runs', **f)),
			    '%s / %s' % (fmt('%.0f%%', q.per('ingest', 'server_cpu', 'drained', 100, **f)),
			    fmt('%.0f%%', q.per('ingest', 'server_wait', 'drained', 100, **f))),
			    '%s / %s' % (fmt('%.0f%%', q.per('ingest', 'pcload_cpu', 'drained', 100, **f)),
			    fmt('%.0f%%', q.per('ingest', 'pcload_wait', 'drained', 100, **f))),
			    fmt('%d KiB', None if pipe is None else pipe // 1024),
			    fmt('%.2fx', q.ratio('ingest', 'drained', who, 'cat', writers=r))))
	return L + table(['writers', 'reader', 'time (range)', 'messages/s', 'reader CPU per line',
	    'lines per wake-up', 'reader busy / waiting', 'pcload busy / waiting', 'pipe',
	    'time / cat\'s'], rows)


def fanout(q, res):
	size, win = res['size'], res['windows']
	L = ['## 2. Fan-out', '',
	    'N pipechat sessions (the real protocol, a FIFO pair each), or N IRC clients of '
	    'ngircd on 127.0.0.1 in one channel (`pcload -I`), driven by the same pcload. '
	    '%d of them (all, if fewer) send %d-byte texts; everyone else receives every one. '
	    'Each run checks that every message arrived once and in order. At most W rounds '
	    'of messages are in flight (`pcload -W`): W=%d saturates both servers, W=%d is a '
	    'light load; about %d (saturated) or %d (light) deliveries per run. ngircd: no '
	    'DNS, ident or PAM, `MaxPenaltyTime = 0`, no connection limits. Latency is one '
	    'hop, the sender\'s `write(2)` to another client\'s `read(2)`. CPU per line and '
	    'busy / waiting come from `/proc/PID/schedstat` over the sending (`pcload -P`).'
	    % (res['fan_senders'], res['msg_bytes'], win['sat'], win['light'], size['sat'],
	    size['light']), '']
	rows = []
	for n in size['fan']:
		for mode, w in win.items():
			for who in q.whos('fanout', sessions=n, mode=mode):
				f = dict(who=who, sessions=n, mode=mode)
				rows.append((n, w, who, fmt('%.0f', q.med('fanout', 'rate', **f)),
				    fmt('%.2fx', q.ratio('fanout', 'rate', who, 'ngircd', sessions=n, mode=mode))
				    if who != 'ngircd' else '',
				    '%s / %s' % (fmt('%.0f', q.med('fanout', 'p50', **f)),
				    fmt('%.0f us', q.med('fanout', 'p99', **f))),
				    fmt('%.2f us', q.per('fanout', 'server_cpu', 'delivered', 1e6, **f)),
				    '%s / %s' % (fmt('%.0f%%', q.per('fanout', 'server_cpu', 'wall', 100, **f)),
				    fmt('%.0f%%', q.per('fanout', 'server_wait', 'wall', 100, **f))),
				    fmt('%.2f us', q.per('fanout', 'pcload_cpu', 'delivered', 1e6, **f)),
				    '%s / %s' % (fmt('%.0f%%', q.per('fanout', 'pcload_cpu', 'wall', 100, **f)),
				    fmt('%.0f%%', q.per('fanout', 'pcload_wait', 'wall', 100, **f)))))
	L += table(['sessions', 'window', 'server', 'delivered msgs/s', 'vs ngircd', 'p50 / p99',
	    'server CPU per line', 'server busy / waiting', 'pcload CPU per line',
	    'pcload busy / waiting'], rows)
	L += ['Idle one-hop latency: one sender, one message at a time (`-W 1`), one every '
	    '%d us, to all the others. Run-queue wait: how long the server, runnable, waited '
	    'for a CPU, per message.' % res['lat_interval_us'], '']
	rows = []
	for n in size['fan']:
		for who in q.whos('latency', sessions=n):
			f = dict(who=who, sessions=n)
			p99 = q.med('latency', 'p99', **f)
			rows.append((n, who, fmt('%.0f us', q.med('latency', 'p50', **f)),
			    fmt('%.0f us', p99), fmt('%+.0f%%', None if p99 is None else (p99 - 200) / 2),
			    fmt('%.1f us', q.per('latency', 'server_cpu', 'msgs', 1e6, **f)),
			    fmt('%.1f us', q.per('latency', 'server_wait', 'msgs', 1e6, **f)),
			    fmt('%.3f s', q.med('latency', 'joined', **f))))
	return L + table(['sessions', 'server', 'p50', 'p99', 'p99 vs 200 us',
	    'server CPU per message', 'run-queue wait per message', 'join time'], rows)


def memory(q, res):
	L = ['## 3. Memory', '',
	    'VmRSS idle (no session) and while pcload holds N sessions, after 10 of them '
	    'have each said 10 messages to all (every session\'s queue and read buffer used '
	    'once). Median of up to 3 rounds. Kernel memory is not in the RSS: "slab growth" '
	    'is the growth of `Slab` in `/proc/meminfo` while the sessions were held (each '
	    'session is two FIFOs; pcload\'s ends count too; other users of the machine move '
	    'it a little).', '']
	rows = []
	for who in q.whos('memory'):
		idle = q.med('memory', 'rss_idle', who=who)
		rows.append((who, '0 (idle)', mib(idle), '-', '-', '-', '-', '-'))
		for n in sorted({x['sessions'] for x in q.rows('memory', who=who)}):
			f = dict(who=who, sessions=n)
			rss, slab = q.med('memory', 'rss', **f), q.med('memory', 'slab', **f)
			rows.append((who, n, mib(rss), fmt('%.2f KiB', None if None in (rss, idle)
			    else (rss - idle) / n), mib(q.med('memory', 'hwm', **f)),
			    fmt('%.2f s', q.med('memory', 'joined', **f)), mib(slab),
			    fmt('%.1f KiB', None if slab is None else slab / n)))
	L += table(['server', 'sessions', 'VmRSS', 'per session', 'VmHWM', 'join time',
	    'kernel slab growth', 'per session'], rows)
	big = max(res['mem_sessions'])
	psz = q.med('memory', 'session_pipe', sessions=big)
	if psz:
		L += ['Each pipe holds up to %d bytes (`F_GETPIPE_SZ`), taken a page at a time '
		    'while data waits in it: %d sessions could pin %.0f MiB of kernel memory if '
		    'every pipe were full, and little when they are empty. Root\'s pipes are '
		    'exempt from `fs.pipe-user-pages-soft` (%s pages); an unprivileged user\'s '
		    'pipes past it get 2 pages.' % (psz, big, 2 * big * psz / 1048576,
		    res['machine']['pipe_soft']), '']
	top = [x.get('slab_top') for x in q.rows('memory', sessions=big) if x.get('slab_top')]
	if top:
		L += ['The slab caches that grew most at %d sessions (one run): %s.' % (big,
		    ', '.join('%s +%.1f MiB' % (k, v / 1048576) for k, v in top[-1])), '']
	return L


def start(q, res):
	L = ['## 4. Start-up', '',
	    'From `execve` (timestamped in the child just before it) to the FIFO having a '
	    'reader and to `READY=1` on `$NOTIFY_SOCKET` (`bench/pcstart`); for ngircd, to '
	    'its port accepting a connection; the runs alternate.', '']
	rows = []
	for who in q.whos('start'):
		v = [x['open_us'] for x in q.rows('start', who=who) if x['open_us'] is not None]
		rows.append((who, '%s (%s)' % (fmt('%.0f us', med(v)), '%.0f-%.0f' % (min(v), max(v))
		    if v else '-'), fmt('%.0f us', q.med('start', 'ready_us', who=who)),
		    mib(q.med('start', 'rss', who=who)), len(v)))
	return L + table(['daemon', 'exec -> FIFO open / port up (range)', 'exec -> READY',
	    'VmRSS then', 'runs'], rows)


def profiles(res):
	tools = res.get('profile_tools')
	L = ['## Profiles', '']
	if not tools:
		return L + ['Not run (`bench/bench.py --profile` runs them).', '']
	L += ['`perf stat -e instructions`: %s. callgrind counts instructions in user space, '
	    'the event loop only (`--toggle-collect=event_base_loop`); `perf record -e '
	    'cpu-clock` samples time, the kernel included. Loads: fan-out, 100 sessions, 10 '
	    'senders, window 128; ingest, 16 raw writers.' % ('counts instructions here'
	    if tools['perf_hw'] else 'not supported here (no hardware counters)'), '']
	for who, loads in res['profiles'].items():
		for load, p in loads.items():
			cg = p.get('callgrind')
			if cg:
				L += ['**%s, callgrind, %s** (%s), self cost:' % (who, load,
				    fmt('%.0f M instructions', cg['total'] and cg['total'] / 1e6)), '']
				L += table(['share', 'file:function'], [('%.2f%%' % a, '`%s`' % b)
				    for a, b in cg['self']])
				L += ['pipechat\'s own functions, inclusive cost:', '']
				L += table(['share', 'file:function'], [('%.2f%%' % a, '`%s`' % b)
				    for a, b in cg['inclusive']])
			pf = p.get('perf')
			if pf and pf['symbols']:
				L += ['**%s, perf cpu-clock, %s**, by binary: %s.' % (who, load,
				    ', '.join('%s %s' % (b, a) for a, b in pf['dso']))]
				if pf['syscalls']:
					L += ['Inclusive, with all they call: %s.' % ', '.join('%s %s' % (b, a)
					    for a, b in pf['syscalls'])]
				L += [''] + table(['share', 'symbol'], [(a, '`%s`' % b) for a, b in pf['symbols']])
	return L


def plot(q, res, png):
	"""The 2x2 picture, if gnuplot is installed; True if written."""
	if not shutil.which('gnuplot'):
		return False
	size, win, m = res['size'], res['windows'], res['machine']
	D = q.daemons
	z = lambda v: 0 if v is None else v
	tmp = tempfile.mkdtemp(prefix='pcplot.')
	data = {}
	ing = [w for w in D + ['cat', 'socat'] if q.rows('ingest', who=w)]
	data['ingest'] = ['"%d writer%s" %s' % (r, '' if r == 1 else 's', ' '.join('%.0f' %
	    z(q.per('ingest', 'lines', 'drained', who=w, writers=r)) for w in ing))
	    for r in size['writers']]
	fan = [(w, mode) for mode in win for w in D + ['ngircd'] if q.rows('fanout', who=w)]
	data['fan'] = ['"%d" %s' % (n, ' '.join('%.0f' % z(q.med('fanout', 'rate', who=w,
	    sessions=n, mode=mode)) for w, mode in fan)) for n in size['fan']]
	lat = [w for w in D + ['ngircd'] if q.rows('latency', who=w)]
	data['lat'] = ['"%d" %s' % (n, ' '.join('%.0f %.0f' % (z(q.med('latency', 'p50', who=w,
	    sessions=n)), z(q.med('latency', 'p99', who=w, sessions=n))) for w in lat))
	    for n in size['fan']]
	mem = [w for w in D if q.rows('memory', who=w)]
	data['mem'] = ['"idle" %s' % ' '.join('%.2f' % (z(q.med('memory', 'rss_idle', who=w)) / 1024)
	    for w in mem)] + ['"%d" %s' % (n, ' '.join('%.2f' % (z(q.med('memory', 'rss', who=w,
	    sessions=n)) / 1024) for w in mem)) for n in res['mem_sessions']]
	for k, lines in data.items():
		with open(os.path.join(tmp, k), 'w') as f:
			f.write('\n'.join(lines) + '\n')
	def cols(name, titles):
		return ', '.join('"%s" using %d%s title "%s"' % (os.path.join(tmp, name), i + 2,
		    ':xtic(1)' if i == 0 else '', t) for i, t in enumerate(titles))
	gp = ['set terminal pngcairo size 1400,1000 font ",11"', 'set output "%s"' % png,
	    'set multiplot layout 2,2 title "pipechat benchmarks: %d x %s, Linux %s, %s (medians of %d rounds)"'
	    % (m['ncpu'], m['cpu'], m['kernel'], m['date'], res['rounds']),
	    'set style data histograms', 'set style histogram clustered gap 1',
	    'set style fill solid 0.8 border -1', 'set boxwidth 0.9', 'set grid ytics',
	    'set yrange [0:*]', 'set key top center horizontal', 'set offsets 0, 0, graph 0.12, 0',
	    'set format y "%.1s%c"']
	if ing:
		gp += ['set title "1. Ingest: 64-byte lines into the well-known FIFO (higher is better)"',
		    'set ylabel "messages/s"', 'plot ' + cols('ingest', ing)]
	if fan:
		gp += ['set title "2. Fan-out: delivered messages/s (higher is better)"',
		    'set ylabel "delivered messages/s"', 'set xlabel "sessions / IRC clients"',
		    'plot ' + cols('fan', ['%s, window %d' % (w, win[mode]) for w, mode in fan])]
	if lat:
		gp += ['set title "2. One-hop latency, idle (lower is better)"',
		    'set ylabel "microseconds (log scale)"', 'set logscale y', 'set yrange [10:*]',
		    'set format y "%.0f"', 'plot ' + cols('lat', sum((['%s p50' % w, '%s p99' % w]
		    for w in lat), [])) + ', 200 with lines lw 2 dt 2 lc rgb "red" title "target: p99 200 us"',
		    'unset logscale y']
	if mem:
		gp += ['set title "3. Memory: VmRSS (lower is better)"', 'set ylabel "MiB"',
		    'set xlabel "sessions"', 'set yrange [0:80]', 'set format y "%.0f"',
		    'plot ' + cols('mem', mem) + ', 64 with lines lw 2 dt 2 lc rgb "red" title '
		    '"target at 10,000 sessions: 64 MiB", 4 with lines lw 2 dt 3 lc rgb "orange" '
		    'title "target idle: 4 MiB"']
	gp += ['unset multiplot']
	r = subprocess.run(['gnuplot'], input='\n'.join(gp) + '\n', text=True,
	    capture_output=True)
	shutil.rmtree(tmp, ignore_errors=True)
	if r.returncode != 0:
		print('bench: gnuplot: ' + r.stderr, file=sys.stderr)
		return False
	return True


def write(res, out):
	"""Write BENCHMARKS.md (and bench.png) to directory out; the paths written."""
	png = os.path.join(out, 'bench.png')
	res['plot'] = plot(Report(res), res, png)
	md = os.path.join(out, 'BENCHMARKS.md')
	with open(md, 'w') as f:
		f.write(markdown(res))
	return [md] + ([png] if res['plot'] else [])


if __name__ == '__main__':
	if len(sys.argv) != 2:
		sys.exit('usage: bench/report.py DIR   (DIR/results.json from bench/bench.py)')
	with open(os.path.join(sys.argv[1], 'results.json')) as f:
		print('\n'.join(write(json.load(f), sys.argv[1])))
