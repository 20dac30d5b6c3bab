#!/usr/bin/env python3
"""bench/bench.py: run pipechat's benchmarks and write the report.

    bench/bench.py --daemon before=/tmp/build-before/daemon/pipechatd \\
                   --daemon after=build/daemon/pipechatd --out /tmp/cmp

Each --daemon NAME=PATH is a pipechatd to measure; cat, socat and ngircd
join as contenders when installed.  Every scenario runs --rounds times,
the contenders one after the other in an order that rotates each round:
ingest (raw writers into the well-known FIFO, against cat and socat),
fan-out and idle latency (sessions against ngircd's IRC clients), memory,
start-up, and with --profile callgrind and perf profiles.  It writes
results.json, BENCHMARKS.md and, with gnuplot, bench.png to --out
(bench/report.py renders them; it can re-render results.json alone).

It installs nothing and builds nothing: tools/install-deps --bench
installs the contenders, bench/refresh builds a release build and runs
this into docs/.  Python 3 standard library only.  Exit status: 0 every
run worked (whatever the figures); 1 a run failed; 64 usage.
"""
import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

import report

MSG_BYTES = 63		# every message: 63 bytes of text and '\n'
FAN_SENDERS = 10	# at most; fewer when there are fewer sessions
WINDOWS = {'sat': 128, 'light': 4}	# rounds in flight (pcload -W)
LAT_INTERVAL_US = 1000	# idle latency: one message a millisecond
SIZES = {
	'smoke': dict(writers=[1, 4], ingest_msgs=800, fan=[3, 10],
	    sat=400, light=200, lat=10, mem=[10, 20], profile_msgs=2),
	'full': dict(writers=[1, 4, 16], ingest_msgs=320000,
	    fan=[10, 100, 1000], sat=2000000, light=200000, lat=2000,
	    mem=[1000, 10000], profile_msgs=40),
}
SCENARIOS = ['ingest', 'fanout', 'memory', 'start']


class Failed(Exception):
	"""A run that did not work: a message lost, a program that did not start."""


def log(msg):
	print('bench: [%.0fs] %s' % (time.monotonic() - T0, msg),
	    file=sys.stderr, flush=True)


def have(prog):
	return shutil.which(prog) is not None


def output(cmd):
	"""First line of a command's output, or '' if it cannot run."""
	try:
		r = subprocess.run(cmd, capture_output=True, text=True,
		    timeout=10)
	except (OSError, subprocess.TimeoutExpired):
		return ''
	return ((r.stdout or r.stderr).strip().splitlines() or [''])[0]


def rotate(items, r):
	"""The contenders in the order of round r."""
	r %= len(items)
	return items[r:] + items[:r]


def poll(what, secs, step=0.02):
	"""Call what() until it is true, for at most secs seconds."""
	end = time.monotonic() + secs
	while time.monotonic() < end:
		if what():
			return True
		time.sleep(step)
	return what()


def proc_field(pid, key):
	"""A KiB field of /proc/PID/status (VmRSS, VmHWM) or None."""
	try:
		with open('/proc/%d/status' % pid) as f:
			for line in f:
				if line.startswith(key + ':'):
					return int(line.split()[1])
	except OSError:
		pass
	return None


def meminfo(key):
	with open('/proc/meminfo') as f:
		for line in f:
			if line.startswith(key + ':'):
				return int(line.split()[1])
	return 0


def slab_snapshot():
	"""Bytes in each slab cache, if /proc/slabinfo is readable."""
	snap = {}
	try:
		with open('/proc/slabinfo') as f:
			for line in list(f)[2:]:
				v = line.split()
				snap[v[0]] = int(v[2]) * int(v[3])
	except (OSError, ValueError, IndexError):
		pass
	return snap


def cpu_times():
	"""CPU ticks of every process by pid, with its name."""
	t = {}
	for pid in os.listdir('/proc'):
		if not pid.isdigit():
			continue
		try:
			with open('/proc/%s/stat' % pid) as f:
				s = f.read()
		except OSError:
			continue
		name = s[s.index('(') + 1:s.rindex(')')]
		v = s[s.rindex(')') + 2:].split()
		t[pid] = (name, int(v[11]) + int(v[12]))
	return t


def busy_procs(secs=0.5):
	"""Processes using 10% of a CPU or more over secs: the noise."""
	a = cpu_times()
	time.sleep(secs)
	b = cpu_times()
	hz = os.sysconf('SC_CLK_TCK')
	use = {}
	for pid, (name, ticks) in b.items():
		pct = 100.0 * (ticks - a.get(pid, (name, ticks))[1]) / hz / secs
		if pct >= 10:
			n, p = use.get(name, (0, 0))
			use[name] = (n + 1, p + pct)
	return ', '.join('%s%s %.0f%%' % (k, ' (x%d)' % n if n > 1 else '',
	    p) for k, (n, p) in use.items()) or 'none'


def machine_busy():
	"""Percent of one CPU the whole machine uses over a second."""
	def sample():
		with open('/proc/stat') as f:
			v = [int(x) for x in f.readline().split()[1:]]
		return sum(v), v[3] + v[4]
	t0, i0 = sample()
	time.sleep(1)
	t1, i1 = sample()
	d = t1 - t0
	return 100.0 * os.cpu_count() * (d - (i1 - i0)) / d if d > 0 else 0.0


def wait_quiet(secs):
	"""Wait up to secs for 5 s in a row under 20% of a CPU in use."""
	t0, quiet = time.monotonic(), 0
	while True:
		b = machine_busy()
		waited = time.monotonic() - t0
		quiet = quiet + 1 if b < 20 else 0
		if quiet >= 5:
			return 'quiet (%.0f%% of a CPU in use) after waiting %.0f s' % (b, waited)
		if waited >= secs:
			return 'still busy after waiting %d s: %.0f%% of a CPU in use' % (secs, b)
		if b >= 20:
			log('waiting for a quiet machine: %.0f%% of a CPU in use' % b)
			time.sleep(2)


PCLOAD_RE = {
	'joined': r'^pcload: joined .* in ([0-9.]+) s$',
	'drained': r'^pcload: drained: .* bytes ([0-9.]+) s after',
	'pipe': r'FIFO pipe buffer (-?[0-9]+) bytes',
	'session_pipe': r'pipe buffer of a session FIFO: (-?[0-9]+) bytes',
	'delivered': r'^pcload: delivered ([0-9]+) of',
	'rate': r'^pcload: delivered .* \(([0-9]+) lines/s\)',
	'p50': r'^pcload: latency.* p50 ([0-9.]+) us',
	'p99': r'^pcload: latency.* p99 ([0-9.]+) us',
	'server_cpu': r'^pcload: cpu while .*\) ([0-9.]+) s, pcload',
	'pcload_cpu': r'^pcload: cpu while .*, pcload ([0-9.]+) s, in',
	'wall': r'^pcload: cpu while .*, in ([0-9.]+) s;',
	'server_wait': r'waiting for a CPU: server ([0-9.]+) s',
	'pcload_wait': r'waiting for a CPU: server [0-9.]+ s, pcload ([0-9.]+) s',
	'server_runs': r'scheduled: server ([0-9]+) times',
}


def parse_pcload(text):
	"""The figures of pcload's output, as numbers."""
	res = {}
	for key, rx in PCLOAD_RE.items():
		m = re.search(rx, text, re.M)
		if m:
			res[key] = float(m.group(1))
	return res


class Bench:
	"""One run of the benchmarks: programs, scratch space, results."""

	def __init__(self, opt):
		self.opt = opt
		self.size = SIZES['smoke' if opt.smoke else 'full']
		self.daemons = dict(opt.daemon)
		self.procs = []
		self.failures = []
		self.tmp = tempfile.mkdtemp(prefix='pcbench.',
		    dir='/dev/shm' if os.access('/dev/shm', os.W_OK) else None)
		# pipechatd refuses an ini in a directory others may write;
		# ngircd, dropping to nobody, reads its directory.
		os.chmod(self.tmp, 0o755)
		self.res = {'ingest': [], 'fanout': [], 'latency': [],
		    'memory': [], 'start': [], 'profiles': {}}
		self.rate_ok = {}

	# --- processes -------------------------------------------------------

	def spawn(self, argv, stdout, stderr):
		with open(stdout, 'wb') as out, open(stderr, 'wb') as err:
			p = subprocess.Popen(argv, stdout=out, stdin=subprocess.DEVNULL,
			    stderr=subprocess.STDOUT if stdout == stderr else err)
		self.procs.append(p)
		return p

	def stop(self, p, sig=signal.SIGTERM):
		"""Signal, wait up to 10 s, then SIGKILL."""
		if p.poll() is None:
			p.send_signal(sig)
			try:
				p.wait(10)
			except subprocess.TimeoutExpired:
				p.kill()
				p.wait()
		if p in self.procs:
			self.procs.remove(p)

	def cleanup(self):
		for p in list(self.procs):
			self.stop(p)
		if self.opt.keep:
			log('kept %s' % self.tmp)
		else:
			shutil.rmtree(self.tmp, ignore_errors=True)

	def fail(self, what, logfile=None):
		tail = ''
		if logfile and os.path.exists(logfile):
			with open(logfile, errors='replace') as f:
				tail = ''.join(f.readlines()[-15:])
		log('FAILED: %s\n%s' % (what, tail))
		self.failures.append(what)
		if self.opt.smoke:
			raise Failed(what)

	# --- pipechatd -------------------------------------------------------

	def pc_config(self, who, d):
		"""A config in d; [session] rate = 0 if this daemon knows the key."""
		os.makedirs(d, exist_ok=True)
		ini = os.path.join(d, 'pipechat.ini')
		mc = self.max_clients
		for rate in ([True, False] if self.rate_ok.get(who, True) else [False]):
			with open(ini, 'w') as f:
				f.write('[fifo]\npath = %s/pipechat.fifo\nmode = 0620\n\n'
				    '[session]\nmax_clients = %d\nmax_per_user = %d\n%s'
				    % (d, mc, mc, 'rate = 0\n' if rate else ''))
			r = subprocess.run([self.daemons[who], '-n', '-f', ini],
			    capture_output=True, text=True)
			if r.returncode == 0:
				self.rate_ok[who] = rate
				return ini
		raise Failed('%s -n -f %s: %s' % (self.daemons[who], ini,
		    (r.stderr or r.stdout).strip()))

	def pc_start(self, who, d, stdout=os.devnull, wrap=(), secs=10):
		"""Start daemon who on its config in d; ready once its FIFO has a reader."""
		ini = self.pc_config(who, d)
		p = self.spawn(list(wrap) + [self.daemons[who], '-f', ini],
		    stdout, os.path.join(d, 'stderr'))
		fifo = os.path.join(d, 'pipechat.fifo')
		if not poll(lambda: p.poll() is not None or fifo_has_reader(fifo), secs) \
		    or p.poll() is not None:
			self.stop(p)
			raise Failed('%s did not start' % who + tail(os.path.join(d, 'stderr')))
		return p, fifo

	# --- ngircd ----------------------------------------------------------

	def irc_config(self, d, port):
		os.makedirs(os.path.join(d, 'conf.d'), exist_ok=True)
		conf = os.path.join(d, 'ngircd.conf')
		with open(conf, 'w') as f:
			f.write('[Global]\n\tName = bench.pcload.invalid\n'
			    '\tInfo = pipechat benchmark\n'
			    '\tAdminInfo1 = pipechat benchmark\n'
			    '\tAdminInfo2 = pipechat benchmark\n'
			    '\tAdminEMail = bench@pcload.invalid\n'
			    '\tListen = 127.0.0.1\n\tPorts = %d\n'
			    '\tMotdPhrase = "bench"\n[Limits]\n'
			    '\tMaxConnections = 0\n\tMaxConnectionsIP = 0\n'
			    '\tMaxJoins = 0\n\tMaxPenaltyTime = 0\n'
			    '\tPingTimeout = 3600\n\tPongTimeout = 3600\n'
			    '[Options]\n\tDNS = no\n\tIdent = no\n\tPAM = no\n'
			    '\tRequireAuthPing = no\n\tIncludeDir = %s/conf.d\n'
			    % (port, d))
		return conf

	def irc_start(self, d):
		"""ngircd on a free port of 127.0.0.1 (no DNS, ident, PAM, throttling)."""
		for _ in range(5):
			port = free_port()
			conf = self.irc_config(d, port)
			p = self.spawn(['ngircd', '-n', '-f', conf],
			    os.path.join(d, 'log'), os.path.join(d, 'log'))
			if poll(lambda: p.poll() is not None or port_open(port), 10) \
			    and p.poll() is None:
				return p, port
			self.stop(p)
		raise Failed('ngircd did not start' + tail(os.path.join(d, 'log')))

	# --- pcload ----------------------------------------------------------

	def pcload(self, args, logfile):
		"""Run pcload; its figures, or None (recorded) if it failed."""
		argv = [self.opt.pcload] + [str(a) for a in args]
		with open(logfile, 'w') as f:
			try:
				rc = subprocess.run(argv, stdout=f,
				    stderr=subprocess.STDOUT, timeout=600).returncode
			except subprocess.TimeoutExpired:
				rc = -1
		with open(logfile) as f:
			text = f.read()
		if rc != 0 or not re.search(r'^pcload: OK$', text, re.M):
			self.fail('pcload ' + ' '.join(argv[1:]), logfile)
			return None
		return parse_pcload(text)

	# --- 1. ingest -------------------------------------------------------

	def ingest_reader(self, who, d, out):
		"""Start reader who; its process and FIFO."""
		if who in self.daemons:
			return self.pc_start(who, os.path.join(d, who), out)
		fifo = os.path.join(d, 'plain.fifo')
		if not os.path.exists(fifo):
			os.mkfifo(fifo, 0o600)
		argv = ['cat', fifo] if who == 'cat' else \
		    ['socat', '-u', '-b', '65536', 'OPEN:%s,rdonly' % fifo, '-']
		return self.spawn(argv, out, os.path.join(d, 'stderr.' + who)), fifo

	def ingest_end(self, who, p, hold):
		"""Close our writer; let cat or socat see end of file, stop a daemon."""
		os.close(hold)
		if who not in self.daemons:
			poll(lambda: p.poll() is not None, 10)
		self.stop(p)

	def ingest_calibrate(self, who, d):
		"""Bytes the reader writes per line (pipechatd adds a prefix)."""
		out = os.path.join(d, 'calib.' + who)
		p, fifo = self.ingest_reader(who, d, out)
		hold = open_writer(fifo)
		self.pcload(['-p', fifo, '-r', 1, '-m', 4, '-b', MSG_BYTES, '-t', 30],
		    os.path.join(d, 'pcload.calib.' + who))
		poll(lambda: settled(out), 5, 0.1)
		self.ingest_end(who, p, hold)
		size = os.path.getsize(out)
		if size == 0 or size % 4:
			raise Failed('%s wrote %d bytes for 4 lines' % (who, size))
		return size // 4

	def ingest(self):
		d = os.path.join(self.tmp, 'ingest')
		os.makedirs(d)
		who_all = list(self.daemons) + ['cat'] + (['socat'] if have('socat') else [])
		per = {who: self.ingest_calibrate(who, d) for who in who_all}
		for rnd in range(self.opt.rounds):
			for r in self.size['writers']:
				m = self.size['ingest_msgs'] // r
				order = rotate(who_all, rnd)
				log('ingest: round %d, %d writer(s) x %d lines: %s'
				    % (rnd + 1, r, m, ' '.join(order)))
				for who in order:
					out = os.path.join(d, 'out.' + who)
					p, fifo = self.ingest_reader(who, d, out)
					# Held for every reader alike: none sees end of file.
					hold = open_writer(fifo)
					res = self.pcload(['-p', fifo, '-r', r, '-m', m,
					    '-b', MSG_BYTES, '-c', '%s:%d' % (out, r * m * per[who]),
					    '-P', p.pid, '-t', 300],
					    os.path.join(d, 'pcload.%s.%d.%d' % (who, r, rnd)))
					self.ingest_end(who, p, hold)
					os.unlink(out)
					if res:
						self.res['ingest'].append(dict(res, who=who,
						    writers=r, round=rnd, lines=r * m,
						    line_bytes=per[who]))

	# --- 2. fan-out and idle latency -------------------------------------

	def fanout(self):
		d = os.path.join(self.tmp, 'fan')
		target = {}
		for who in self.daemons:
			p, fifo = self.pc_start(who, os.path.join(d, who))
			target[who] = ['-p', fifo, '-P', p.pid]
		if have('ngircd'):
			p, port = self.irc_start(os.path.join(d, 'irc'))
			target['ngircd'] = ['-I', '127.0.0.1:%d' % port, '-P', p.pid]
		who_all = list(target)
		for rnd in range(self.opt.rounds):
			for n in self.size['fan']:
				s = min(n, FAN_SENDERS)
				order = rotate(who_all, rnd)
				for mode, w in WINDOWS.items():
					m = max(2, self.size[mode] // (s * (n - 1)))
					log('fan-out: round %d, %d sessions, %d senders x %d, '
					    'window %d: %s' % (rnd + 1, n, s, m, w, ' '.join(order)))
					for who in order:
						res = self.pcload(target[who] + ['-n', n, '-S', s,
						    '-m', m, '-b', MSG_BYTES, '-W', w, '-l', '-t', 300],
						    os.path.join(d, 'pcload.%s.%d.%s.%d' % (who, n, mode, rnd)))
						if res:
							self.res['fanout'].append(dict(res, who=who,
							    sessions=n, round=rnd, mode=mode, window=w))
				m = 5 if self.opt.smoke else \
				    min(300, max(20, self.size['lat'] // (n - 1)))
				log('idle latency: round %d, %d sessions, %d messages one '
				    'at a time: %s' % (rnd + 1, n, m, ' '.join(order)))
				for who in order:
					res = self.pcload(target[who] + ['-n', n, '-S', 1,
					    '-m', m, '-b', MSG_BYTES, '-W', 1,
					    '-i', LAT_INTERVAL_US, '-l', '-t', 300],
					    os.path.join(d, 'lat.%s.%d.%d' % (who, n, rnd)))
					if res:
						self.res['latency'].append(dict(res, who=who,
						    sessions=n, round=rnd, msgs=m))
		for p in list(self.procs):
			self.stop(p)

	# --- 3. memory -------------------------------------------------------

	def memory_run(self, who, n, rnd):
		"""Join n sessions, 10 of them say 10 messages; then look at the server."""
		d = os.path.join(self.tmp, 'mem')
		if who in self.daemons:
			p, fifo = self.pc_start(who, os.path.join(d, who))
			target = ['-p', fifo]
		else:
			p, port = self.irc_start(os.path.join(d, 'irc'))
			target = ['-I', '127.0.0.1:%d' % port]
		time.sleep(0.5)
		rss0, slab0, snap0 = proc_field(p.pid, 'VmRSS'), meminfo('Slab'), slab_snapshot()
		logfile = os.path.join(d, 'pcload.%s.%d.%d' % (who, n, rnd))
		argv = [self.opt.pcload] + [str(a) for a in target + ['-n', n,
		    '-S', min(n, 10), '-m', 10, '-b', MSG_BYTES, '-W', 1, '-H', 300, '-t', 300]]
		lp = self.spawn(argv, logfile, logfile)
		row = None
		if poll(lambda: lp.poll() is not None or
		    'pcload: holding' in read(logfile), 300, 0.1) and lp.poll() is None:
			time.sleep(0.5)
			row = dict(who=who, sessions=n, round=rnd, rss_idle=rss0,
			    rss=proc_field(p.pid, 'VmRSS'), hwm=proc_field(p.pid, 'VmHWM'),
			    slab=meminfo('Slab') - slab0)
			snap1 = slab_snapshot()
			grew = sorted(((v - snap0.get(k, 0), k) for k, v in snap1.items()),
			    reverse=True)[:5]
			row['slab_top'] = [[k, v] for v, k in grew if v > 0]
			lp.send_signal(signal.SIGUSR1)
		try:
			lp.wait(60)
		except subprocess.TimeoutExpired:
			pass
		self.stop(lp)
		self.stop(p)
		text = read(logfile)
		if row is None or lp.returncode != 0 or 'pcload: OK' not in text:
			self.fail('memory: %s with %d sessions' % (who, n), logfile)
			return
		res = parse_pcload(text)
		row.update(joined=res.get('joined'), session_pipe=res.get('session_pipe'))
		self.res['memory'].append(row)

	def memory(self):
		os.makedirs(os.path.join(self.tmp, 'mem'))
		for rnd in range(min(self.opt.rounds, 3)):
			for who in rotate(list(self.daemons), rnd):
				for n in self.mem_sessions:
					log('memory: round %d, %s with %d sessions' % (rnd + 1, who, n))
					self.memory_run(who, n, rnd)
			if have('ngircd'):
				n = self.mem_sessions[0]
				log('memory: round %d, ngircd with %d clients' % (rnd + 1, n))
				self.memory_run('ngircd', n, rnd)

	# --- 4. start-up -----------------------------------------------------

	def start(self):
		d = os.path.join(self.tmp, 'start')
		argv = {}
		for who, path in self.daemons.items():
			ini = self.pc_config(who, os.path.join(d, who))
			ready = ['-R'] if 'libsystemd' in output_all(['ldd', path]) else []
			argv[who] = ready + ['-p', os.path.join(d, who, 'pipechat.fifo'),
			    '--', path, '-f', ini]
		if have('ngircd'):
			port = free_port()
			conf = self.irc_config(os.path.join(d, 'irc'), port)
			argv['ngircd'] = ['-T', '127.0.0.1:%d' % port, '--', 'ngircd',
			    '-n', '-f', conf]
		runs = 2 if self.opt.smoke else 4 * self.opt.rounds
		log('start-up: %d runs each, alternating' % runs)
		rx = re.compile(r'^pcstart: run 1: exec->open ([0-9-]+)[ us]*, '
		    r'exec->READY ([0-9-]+)[ us]*, VmRSS ([0-9-]+) KiB$', re.M)
		num = lambda s: None if s == '-' else float(s)
		for i in range(runs):
			for who in rotate(list(argv), i):
				r = subprocess.run([self.opt.pcstart, '-n', '1'] + argv[who],
				    capture_output=True, text=True, timeout=120)
				m = rx.search(r.stdout)
				if r.returncode != 0 or not m:
					log(r.stdout + r.stderr)
					self.fail('start-up: %s' % who)
					continue
				self.res['start'].append(dict(who=who, round=i,
				    open_us=num(m.group(1)), ready_us=num(m.group(2)),
				    rss=num(m.group(3))))

	# --- 5. profiles -----------------------------------------------------

	def profile_load(self, load, fifo, scale, logfile):
		if load == 'fanout':
			args = ['-n', 100, '-S', 10, '-m', scale, '-W', WINDOWS['sat']]
		else:
			args = ['-r', 16, '-m', scale * 250]
		self.pcload(['-p', fifo, '-b', MSG_BYTES, '-t', 600] + args, logfile)

	def profile(self):
		cg = have('valgrind') and have('callgrind_annotate')
		perf = have('perf') and subprocess.run(['perf', 'record', '-q',
		    '-e', 'cpu-clock', '-o', os.path.join(self.tmp, 'perf.probe'), 'true'],
		    capture_output=True).returncode == 0
		hw = have('perf') and re.search(r'^\s*[0-9,]+\s+instructions',
		    output_all(['perf', 'stat', '-e', 'instructions', 'true']), re.M)
		self.res['profile_tools'] = dict(callgrind=bool(cg), perf_sw=bool(perf),
		    perf_hw=bool(hw))
		scale = self.size['profile_msgs']
		for who in self.daemons:
			for load in ('fanout', 'ingest'):
				d = os.path.join(self.tmp, 'prof', who, load)
				prof = self.res['profiles'].setdefault(who, {}).setdefault(load, {})
				if cg:
					log('profile: callgrind, %s, %s' % (who, load))
					out = os.path.join(d, 'callgrind.out')
					# The event loop only: not start-up, not shutdown.
					p, fifo = self.pc_start(who, d, wrap=['valgrind',
					    '--tool=callgrind', '--callgrind-out-file=' + out,
					    '--toggle-collect=event_base_loop'], secs=60)
					self.profile_load(load, fifo, scale, os.path.join(d, 'pcload.cg'))
					self.stop(p)
					prof['callgrind'] = callgrind_tables(out,
					    os.path.basename(self.daemons[who]))
				if perf:
					log('profile: perf cpu-clock, %s, %s' % (who, load))
					out = os.path.join(d, 'perf.data')
					p, fifo = self.pc_start(who, d)
					pp = self.spawn(['perf', 'record', '-q', '-e', 'cpu-clock',
					    '-F', '4999', '-g', '-p', str(p.pid), '-o', out],
					    os.devnull, os.path.join(d, 'perf.err'))
					time.sleep(0.5)
					self.profile_load(load, fifo, scale * 25, os.path.join(d, 'pcload.perf'))
					self.stop(pp, signal.SIGINT)
					self.stop(p)
					prof['perf'] = perf_tables(out)

	# --- the whole run ---------------------------------------------------

	def limits(self):
		"""Open files for the largest session count: 2 fds each, here and there."""
		big = max(self.size['mem'])
		need = 2 * big + 100
		soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
		note = ''
		if hard != resource.RLIM_INFINITY and hard < need:
			try:
				resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))
				hard = need
			except (ValueError, OSError):
				note = ('The hard limit on open files is %d and this process '
				    'may not raise it (that needs CAP_SYS_RESOURCE), so the '
				    'largest session count that fits was run instead of %d; '
				    'set `LimitNOFILE=` or `nofile` in limits.conf to at '
				    'least %d.' % (hard, big, need))
		resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
		fit = big
		if hard != resource.RLIM_INFINITY and hard < need:
			# pipechatd caps its sessions at (limit - 64) / 2.
			fit = (hard - 64) // 2 // 10 * 10
			log('open files hard limit %d: largest session count %d' % (hard, fit))
		self.mem_sessions = [min(n, fit) for n in self.size['mem']]
		self.max_clients = max(max(self.mem_sessions) + 100, 1100)
		return dict(hard=None if hard == resource.RLIM_INFINITY else hard,
		    note=note, wanted=big)

	def machine(self, quiet):
		cpu = ''
		with open('/proc/cpuinfo') as f:
			m = re.search(r'^model name\s*:\s*(.*)$', f.read(), re.M)
			cpu = m.group(1) if m else '?'
		osname = '?'
		if os.path.exists('/etc/os-release'):
			with open('/etc/os-release') as f:
				m = re.search(r'^PRETTY_NAME="?([^"\n]*)', f.read(), re.M)
				osname = m.group(1) if m else '?'
		def sysctl(name):
			try:
				with open('/proc/sys/fs/' + name) as f:
					return f.read().strip()
			except OSError:
				return '?'
		src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
		commit = output(['git', '-C', src, 'rev-parse', '--short', 'HEAD']) or '?'
		if output(['git', '-C', src, 'status', '--porcelain', '--', 'daemon', 'lib']):
			commit += ' (daemon/ or lib/ modified)'
		return dict(cpu=cpu, ncpu=os.cpu_count(), kernel=os.uname().release,
		    mem_mib=meminfo('MemTotal') // 1024, os=osname, quiet=quiet,
		    busy_start=busy_procs(), load_start=loadavg(),
		    cc=output(['cc', '--version']),
		    libevent=output(['pkg-config', '--modversion', 'libevent_core']) or '?',
		    ngircd=' '.join(output(['ngircd', '--version']).split()[:2]),
		    socat=' '.join(re.findall(r'^socat version (\S+)',
		        output_all(['socat', '-V']), re.M)),
		    pipe_max=sysctl('pipe-max-size'), pipe_soft=sysctl('pipe-user-pages-soft'),
		    commit=commit, date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))

	def run(self):
		lim = self.limits()
		quiet = wait_quiet(self.opt.wait) if self.opt.wait > 0 else 'not waited for'
		mach = self.machine(quiet)
		mach['open_files'] = lim
		log('%d x %s, Linux %s; %d round(s); results to %s' % (mach['ncpu'],
		    mach['cpu'], mach['kernel'], self.opt.rounds, self.opt.out))
		for who in self.daemons:
			self.pc_config(who, os.path.join(self.tmp, 'probe', who))
			log('%s: %s (%s), [session] rate = 0 %s' % (who, self.daemons[who],
			    output([self.daemons[who], '-V']),
			    'set' if self.rate_ok[who] else 'not known: left out'))
		for s in self.opt.scenarios + (['profile'] if self.opt.profile else []):
			try:
				getattr(self, s)()
			except Failed as e:
				# The scenario ends here; the others still run.
				if str(e) not in self.failures:
					log('FAILED: %s: %s' % (s, e))
					self.failures.append('%s: %s' % (s, e))
				for p in list(self.procs):
					self.stop(p)
		mach.update(load_end=loadavg(), busy_end=busy_procs())
		self.res.update(machine=mach, failures=self.failures,
		    daemons={k: dict(path=v, version=output([v, '-V']),
		        rate_zero=self.rate_ok[k]) for k, v in self.daemons.items()},
		    rounds=self.opt.rounds, smoke=self.opt.smoke, size=self.size,
		    mem_sessions=self.mem_sessions, scenarios=self.opt.scenarios,
		    windows=WINDOWS, fan_senders=FAN_SENDERS, msg_bytes=MSG_BYTES,
		    lat_interval_us=LAT_INTERVAL_US, command=self.opt.command)


def read(path):
	with open(path, errors='replace') as f:
		return f.read()


def tail(path, n=5):
	try:
		with open(path, errors='replace') as f:
			return ': ' + ' | '.join(x.strip() for x in f.readlines()[-n:])
	except OSError:
		return ''


def output_all(cmd):
	try:
		r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
		return r.stdout + r.stderr
	except (OSError, subprocess.TimeoutExpired):
		return ''


def loadavg():
	with open('/proc/loadavg') as f:
		return ' '.join(f.read().split()[:3])


def fifo_has_reader(path):
	"""A non-blocking open for writing succeeds: the FIFO has a reader."""
	try:
		if not stat.S_ISFIFO(os.stat(path).st_mode):
			return False
		os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
		return True
	except OSError:
		return False


def open_writer(path):
	"""A writer of the FIFO, once it has a reader (else Failed)."""
	end = time.monotonic() + 10
	while time.monotonic() < end:
		try:
			return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
		except OSError:
			time.sleep(0.02)
	raise Failed('%s: no reader' % path)


def settled(path, last={}):
	"""The file has data and has not grown since the last call."""
	size = os.path.getsize(path) if os.path.exists(path) else 0
	same = size > 0 and last.get(path) == size
	last[path] = size
	return same


def port_open(port):
	try:
		socket.create_connection(('127.0.0.1', port), 0.2).close()
		return True
	except OSError:
		return False


def free_port():
	with socket.socket() as s:
		s.bind(('127.0.0.1', 0))
		return s.getsockname()[1]


def cg_name(text):
	"""callgrind_annotate's "path:function [object]" as "file:function"."""
	obj = ''
	m = re.search(r' \[([^]]*)\]$', text)
	if m:
		obj, text = os.path.basename(m.group(1)), text[:m.start()]
	path, _, fn = text.partition(':')
	m = re.search(r'(daemon|lib|bench|client)/[^/]*$', path)
	if m:
		path = m.group(0)
	elif path == '???':
		path = obj
	else:
		path = os.path.basename(path) + (' (%s)' % obj if obj else '')
	return '%s:%s' % (path, fn)


def callgrind_tables(out, prog):
	"""Top 15 by self cost, pipechat's own 12 by inclusive cost, the total.

	Our functions are those of daemon/ and lib/, or of prog when it was
	built without debug information."""
	def rows(inclusive):
		text = output_all(['callgrind_annotate', '--inclusive=' + inclusive, out])
		for m in re.finditer(r'^ *([0-9,]+) +\( *([0-9.]+)%\) +(.*)$', text, re.M):
			if 'PROGRAM TOTALS' not in m.group(3) and '=>' not in m.group(3):
				yield float(m.group(2)), cg_name(m.group(3))
	text = output_all(['callgrind_annotate', out])
	m = re.search(r'^ *([0-9,]+) .*PROGRAM TOTALS', text, re.M)
	own, seen = [], set()
	for pct, name in rows('yes'):
		if re.match(r'(daemon|lib)/|%s:' % re.escape(prog), name) and not re.search(r':(main|server_run)$', name) \
		    and name not in seen:
			seen.add(name)
			own.append([pct, name])
	return dict(total=int(m.group(1).replace(',', '')) if m else None,
	    self=[list(r) for r in rows('no')][:15], inclusive=own[:12])


PERF_SYS = {'epoll_wait': 'epoll_wait()', 'epoll_ctl': 'epoll_ctl()',
    'read': 'read()', '__GI___libc_read': 'read()',
    '__GI___libc_write': 'write()', '__GI___writev': 'writev()',
    '__brk': 'brk()', 'asm_exc_page_fault': 'page faults',
    '_int_malloc': 'malloc (with its faults)',
    'finish_task_switch.isra.0': 'context switches (finish_task_switch)'}


def perf_tables(out):
	"""Top symbols, shares by binary, inclusive shares of system calls."""
	def report(*args):
		return output_all(['perf', 'report', '-i', out, '--stdio'] + list(args))
	sym = re.findall(r'^ +([0-9.]+%) +(.*\S)', report('--no-children', '--sort', 'sym'), re.M)
	dso = re.findall(r'^ +([0-9.]+%) +(\S+)', report('--no-children', '--sort', 'dso'), re.M)
	sysc, seen = [], set()
	for m in re.finditer(r'^ +([0-9.]+%) +[0-9.]+% +.* (\S+)$',
	    report('--children', '--sort', 'sym'), re.M):
		name = PERF_SYS.get(m.group(2))
		if name and name not in seen:
			seen.add(name)
			sysc.append([m.group(1), name])
	return dict(symbols=[list(x) for x in sym[:15]], dso=[list(x) for x in dso[:8]],
	    syscalls=sysc)


def interrupted(sig, frame):
	"""SIGTERM (meson test's timeout): stop our processes on the way out."""
	raise KeyboardInterrupt


class Parser(argparse.ArgumentParser):
	"""argparse, with the exit status of usage errors the C programs use."""

	def error(self, message):
		self.print_usage(sys.stderr)
		print('bench.py: %s' % message, file=sys.stderr)
		sys.exit(64)


def main():
	ap = Parser(description='Run the pipechat benchmarks '
	    '(bench/README.md).')
	ap.add_argument('--daemon', action='append', required=True,
	    metavar='NAME=PATH', help='a pipechatd to measure (repeat to compare)')
	ap.add_argument('--pcload', help='bench/pcload (default: next to the '
	    'last daemon, ../bench/pcload)')
	ap.add_argument('--pcstart', help='bench/pcstart (likewise)')
	ap.add_argument('--out', required=True, help='where results.json, '
	    'BENCHMARKS.md and bench.png go')
	ap.add_argument('--rounds', type=int, default=7)
	ap.add_argument('--smoke', action='store_true', help='tiny sizes, one '
	    'round: seconds, numbers that mean nothing')
	ap.add_argument('--scenarios', default=','.join(SCENARIOS),
	    help='comma-separated, of ' + ','.join(SCENARIOS))
	ap.add_argument('--profile', action='store_true',
	    help='profile each daemon (callgrind, perf) where installed')
	ap.add_argument('--wait', type=int, default=0, metavar='SEC',
	    help='first wait up to SEC for a quiet machine')
	ap.add_argument('--keep', action='store_true', help='keep the scratch '
	    'directory (every log)')
	opt = ap.parse_args()
	opt.command = ' '.join(['bench/bench.py'] + sys.argv[1:])
	daemons = []
	for spec in opt.daemon:
		name, eq, path = spec.rpartition('=')
		name = name if eq else 'pipechatd'
		if not (os.path.isfile(path) and os.access(path, os.X_OK)) \
		    or name in ('cat', 'socat', 'ngircd') or name in dict(daemons) \
		    or not re.match(r'^[A-Za-z0-9_.-]+$', name):
			ap.error('--daemon %s: expected a new NAME and an executable PATH' % spec)
		daemons.append((name, os.path.abspath(path)))
	opt.daemon = daemons
	base = os.path.dirname(os.path.dirname(daemons[-1][1]))
	opt.pcload = os.path.abspath(opt.pcload or os.path.join(base, 'bench/pcload'))
	opt.pcstart = os.path.abspath(opt.pcstart or os.path.join(base, 'bench/pcstart'))
	for p in (opt.pcload, opt.pcstart):
		if not os.access(p, os.X_OK):
			ap.error('%s: not built (give --pcload/--pcstart)' % p)
	opt.scenarios = [s for s in opt.scenarios.split(',') if s]
	if any(s not in SCENARIOS for s in opt.scenarios) or opt.rounds < 1:
		ap.error('--scenarios: of %s; --rounds: 1 or more' % ','.join(SCENARIOS))
	if opt.smoke:
		opt.rounds = 1
	os.umask(0o022)
	os.environ['PATH'] += ':/usr/sbin:/sbin'	# ngircd
	os.makedirs(opt.out, exist_ok=True)
	b = Bench(opt)
	signal.signal(signal.SIGTERM, interrupted)
	try:
		b.run()
	except (Failed, KeyboardInterrupt) as e:
		log('FAILED: %s' % (str(e) or 'interrupted'))
		return 1
	finally:
		b.cleanup()
	with open(os.path.join(opt.out, 'results.json'), 'w') as f:
		json.dump(b.res, f, indent=1)
	written = report.write(b.res, opt.out)
	log('wrote %s' % ', '.join(written))
	return 1 if b.failures else 0


T0 = time.monotonic()
if __name__ == '__main__':
	sys.exit(main())
