#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""bench/bench.py: run pipechat's benchmarks and write the report.

    bench/bench.py --daemon before=/tmp/build-before/daemon/pipechatd \\
                   --daemon after=build/daemon/pipechatd --out /tmp/cmp

Each --daemon NAME=PATH is a pipechatd to measure (the first is the one
the others are compared with); cat, socat and ngircd join as contenders
when installed.  Every scenario runs --rounds times, the contenders one
after the other in an order that rotates each round.  It writes
results.json, BENCHMARKS.md and, with gnuplot, bench.png to --out
(bench/report.py).  It installs and builds nothing: tools/install-deps
--bench, bench/refresh.  Python 3 standard library only; bench/README.md.
Exit status: 0 every run worked (whatever the figures); 1 a run failed;
64 usage.
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

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import report  # noqa: E402

MSG_BYTES = 63  # every message: 63 bytes of text and '\n'
FAN_SENDERS = 10  # at most; fewer when there are fewer sessions
WINDOWS = {'sat': 128, 'light': 4}  # rounds in flight (pcload -W)
LAT_INTERVAL_US = 1000  # idle latency: one message a millisecond
SIZES = {
    'smoke': dict(writers=[1, 4], ingest_msgs=800, fan=[3, 10], sat=400,
        light=200, lat=10, mem=[10, 20], profile_msgs=2),
    'full': dict(writers=[1, 4, 16], ingest_msgs=320000, fan=[10, 100, 1000],
        sat=2000000, light=200000, lat=2000, mem=[1000, 10000], profile_msgs=40),
}
SCENARIOS = ['ingest', 'fanout', 'memory', 'start']
# pcload's output lines (bench/README.md), figure by figure.
PCLOAD_RE = {k: re.compile(v, re.M) for k, v in {
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
    'server_runs': r'scheduled: server ([0-9]+) times'}.items()}
T0 = time.monotonic()


class Failed(Exception):
    """A run that did not work: a message lost, a program that did not start."""


def log(msg):
    print('bench: [%.0fs] %s' % (time.monotonic() - T0, msg), file=sys.stderr, flush=True)


def sh(cmd):
    """A command's output and errors, '' if it cannot run."""
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return r.stdout + r.stderr
    except (OSError, subprocess.TimeoutExpired):
        return ''


def first(cmd):
    return (sh(cmd).strip().splitlines() or [''])[0]


def readf(path):
    try:
        with open(path, errors='replace') as f:
            return f.read()
    except OSError:
        return ''


def kib(path, key):
    """A 'Key: N kB' field of /proc/PID/status or /proc/meminfo, or None."""
    m = re.search(r'^%s:\s+([0-9]+)' % key, readf(path), re.M)
    return int(m.group(1)) if m else None


def slabs():
    """Bytes in each kernel slab cache (objects x size), if /proc/slabinfo is readable."""
    return {v[0]: int(v[2]) * int(v[3]) for v in (line.split() for line in
        readf('/proc/slabinfo').splitlines()[2:]) if len(v) > 3 and v[2].isdigit()}


def poll(what, secs, step=0.02):
    """Call what() until it is true, for at most secs seconds."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if what():
            return True
        time.sleep(step)
    return what()


def rotate(items, r):
    r %= len(items)
    return items[r:] + items[:r]


def cpu_ticks():
    """CPU ticks of every process: {pid: (name, ticks)}."""
    t = {}
    for pid in filter(str.isdigit, os.listdir('/proc')):
        s = readf('/proc/%s/stat' % pid)
        if ')' in s:
            v = s[s.rindex(')') + 2:].split()
            t[pid] = (s[s.index('(') + 1:s.rindex(')')], int(v[11]) + int(v[12]))
    return t


def busy_procs(secs=0.5):
    """Processes using 10% of a CPU or more: the noise."""
    a, _, b = cpu_ticks(), time.sleep(secs), cpu_ticks()
    use = {}
    for pid, (name, t) in b.items():
        pct = 100.0 * (t - a.get(pid, (name, t))[1]) / os.sysconf('SC_CLK_TCK') / secs
        if pct >= 10:
            use[name] = (use.get(name, (0, 0))[0] + 1, use.get(name, (0, 0))[1] + pct)
    return ', '.join('%s%s %.0f%%' % (k, ' (x%d)' % n if n > 1 else '', p)
        for k, (n, p) in use.items()) or 'none'


def machine_busy():
    """Percent of one CPU the whole machine uses, over a second."""
    def sample():
        v = [int(x) for x in readf('/proc/stat').split('\n')[0].split()[1:]]
        return sum(v), v[3] + v[4]
    (t0, i0), _, (t1, i1) = sample(), time.sleep(1), sample()
    return 100.0 * os.cpu_count() * (t1 - t0 - (i1 - i0)) / max(1, t1 - t0)


def wait_quiet(secs):
    """Wait up to secs for 5 s in a row under 20% of a CPU in use."""
    t0, quiet, said = time.monotonic(), 0, 0
    while True:
        b = machine_busy()
        quiet = quiet + 1 if b < 20 else 0
        waited = time.monotonic() - t0
        if quiet >= 5:
            return 'quiet (%.0f%% of a CPU in use) after waiting %.0f s' % (b, waited)
        if waited >= secs:
            return 'still busy after waiting %d s: %.0f%% of a CPU in use' % (secs, b)
        if quiet == 0 and waited >= said:
            log('waiting for a quiet machine: %.0f%% of a CPU in use' % b)
            said = waited + 30


def fifo_has_reader(path):
    """A non-blocking open for writing succeeds."""
    try:
        if stat.S_ISFIFO(os.stat(path).st_mode):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            return True
    except OSError:
        pass
    return False


def open_writer(path):
    """Our writer of a FIFO that has a reader."""
    if not poll(lambda: fifo_has_reader(path), 10):
        raise Failed('%s: no reader' % path)
    return os.open(path, os.O_WRONLY | os.O_NONBLOCK)


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


class Bench:
    """One run of the benchmarks: programs, scratch space, results."""

    def __init__(self, opt):
        self.opt, self.size = opt, SIZES['smoke' if opt.smoke else 'full']
        self.daemons, self.procs, self.failures, self.rate_ok = dict(opt.daemon), [], [], {}
        self.tmp = tempfile.mkdtemp(prefix='pcbench.',
            dir='/dev/shm' if os.access('/dev/shm', os.W_OK) else None)
        # pipechatd refuses an ini in a directory others may write;
        # ngircd, as nobody, reads its own.
        os.chmod(self.tmp, 0o755)
        self.res = dict(ingest=[], fanout=[], latency=[], memory=[], start=[], profiles={})

    def path(self, *parts):
        p = os.path.join(self.tmp, *parts)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def spawn(self, argv, out, err=None):
        with open(out, 'wb') as o, open(err or os.devnull, 'wb') as e:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=o,
                stderr=e if err else subprocess.STDOUT)
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

    def stop_all(self):
        for p in list(self.procs):
            self.stop(p)

    def fail(self, what, logfile=''):
        log('FAILED: %s\n%s' % (what, ''.join(readf(logfile).splitlines(True)[-15:])))
        self.failures.append(what)
        if self.opt.smoke:
            raise Failed(what)

    def pc_config(self, who, d):
        """An ini in d; with [session] rate = 0 if this daemon knows the key."""
        ini, mc = self.path(d, 'pipechat.ini'), self.max_clients
        for rate in [True, False] if self.rate_ok.get(who, True) else [False]:
            with open(ini, 'w') as f:
                f.write('[fifo]\npath = %s/pipechat.fifo\nmode = 0620\n\n[session]\n'
                    'max_clients = %d\nmax_per_user = %d\n%s' % (os.path.dirname(ini),
                    mc, mc, 'rate = 0\n' if rate else ''))
            r = subprocess.run([self.daemons[who], '-n', '-f', ini],
                               capture_output=True, text=True)
            if r.returncode == 0:
                self.rate_ok[who] = rate
                return ini
        raise Failed('%s -n -f %s: %s' % (self.daemons[who], ini, (r.stderr + r.stdout).strip()))

    def pc_start(self, who, d, out=os.devnull, wrap=(), secs=10):
        """Daemon who on an ini in d, once its FIFO has a reader."""
        ini = self.pc_config(who, d)
        err = self.path(d, 'stderr')
        p = self.spawn(list(wrap) + [self.daemons[who], '-f', ini], out, err)
        fifo = self.path(d, 'pipechat.fifo')
        if not poll(lambda: p.poll() is not None or fifo_has_reader(fifo), secs) \
            or p.poll() is not None:
            self.stop(p)
            raise Failed('%s did not start: %s' % (who, readf(err).strip()[-300:]))
        return p, fifo

    def irc_config(self, d, port):
        """ngircd on 127.0.0.1: no DNS, ident, PAM, flood throttling or limits."""
        conf = self.path(d, 'ngircd.conf')
        with open(conf, 'w') as f:
            f.write('[Global]\nName = bench.pcload.invalid\nInfo = pipechat benchmark\n'
                'AdminInfo1 = bench\nAdminInfo2 = bench\nAdminEMail = bench@pcload.invalid\n'
                'Listen = 127.0.0.1\nPorts = %d\nMotdPhrase = "bench"\n[Limits]\n'
                'MaxConnections = 0\nMaxConnectionsIP = 0\nMaxJoins = 0\n'
                'MaxPenaltyTime = 0\nPingTimeout = 3600\nPongTimeout = 3600\n'
                '[Options]\nDNS = no\nIdent = no\nPAM = no\nRequireAuthPing = no\n'
                'IncludeDir = %s\n' % (port, os.path.dirname(self.path(d, 'conf.d', '-'))))
        return conf

    def irc_start(self, d):
        for _ in range(5):
            port = free_port()
            p = self.spawn(['ngircd', '-n', '-f', self.irc_config(d, port)], self.path(d, 'log'))
            if poll(lambda: p.poll() is not None or port_open(port), 10) and p.poll() is None:
                return p, port
            self.stop(p)
        raise Failed('ngircd did not start: ' + readf(self.path(d, 'log'))[-300:])

    def pcload(self, args, logfile):
        """Run pcload; its figures, or None (a failure, recorded)."""
        argv = [self.opt.pcload] + [str(a) for a in args]
        with open(logfile, 'w') as f:
            try:
                rc = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT,
                    timeout=600).returncode
            except subprocess.TimeoutExpired:
                rc = -1
        text = readf(logfile)
        if rc != 0 or not re.search(r'^pcload: OK$', text, re.M):
            return self.fail('pcload ' + ' '.join(argv[1:]), logfile)
        return {k: float(m.group(1)) for k, rx in PCLOAD_RE.items()
                for m in [rx.search(text)] if m}

    def reader(self, who, out):
        """Start ingest reader who: its process and FIFO."""
        if who in self.daemons:
            return self.pc_start(who, os.path.join('ingest', who), out)
        fifo = self.path('ingest', 'plain.fifo')
        if not os.path.exists(fifo):
            os.mkfifo(fifo, 0o600)
        argv = ['cat', fifo] if who == 'cat' else \
            ['socat', '-u', '-b', '65536', 'OPEN:%s,rdonly' % fifo, '-']
        return self.spawn(argv, out, self.path('ingest', who + '.err')), fifo

    def ingest_one(self, who, r, m, out, target=None):
        """r writers write m lines each, until out has target bytes (-c)."""
        p, fifo = self.reader(who, out)
        hold = open_writer(fifo)  # held throughout: no reader sees end of file
        res = self.pcload(['-p', fifo, '-r', r, '-m', m, '-b', MSG_BYTES, '-P', p.pid, '-t', 300]
            + (['-c', '%s:%d' % (out, target)] if target else []), out + '.log')
        if not target:  # let the output settle
            size = lambda: os.path.getsize(out)
            poll(lambda: size() > 0 and size() == (time.sleep(0.1), size())[1], 5)
        os.close(hold)
        if who not in self.daemons:
            poll(lambda: p.poll() is not None, 10)
        self.stop(p)
        return res

    def ingest(self):
        who_all = list(self.daemons) + ['cat'] + (['socat'] if shutil.which('socat') else [])
        per = {}
        for who in who_all:  # the bytes a reader writes per line: pipechatd adds a prefix
            out = self.path('ingest', 'calib.' + who)
            self.ingest_one(who, 1, 4, out)
            if os.path.getsize(out) % 4 or not os.path.getsize(out):
                raise Failed('%s wrote %d bytes for 4 lines' % (who, os.path.getsize(out)))
            per[who] = os.path.getsize(out) // 4
        for rnd in range(self.opt.rounds):
            for r in self.size['writers']:
                m, order = self.size['ingest_msgs'] // r, rotate(who_all, rnd)
                log('ingest: round %d, %d writer(s) x %d lines: %s'
                    % (rnd + 1, r, m, ' '.join(order)))
                for who in order:
                    out = self.path('ingest', 'out.%s.%d.%d' % (who, r, rnd))
                    res = self.ingest_one(who, r, m, out, r * m * per[who])
                    os.unlink(out)
                    if res:
                        self.res['ingest'].append(dict(res, who=who, writers=r,
                            round=rnd, lines=r * m, line_bytes=per[who]))

    def fanout(self):
        target = {}
        for who in self.daemons:
            p, fifo = self.pc_start(who, os.path.join('fan', who))
            target[who] = ['-p', fifo, '-P', p.pid]
        if shutil.which('ngircd'):
            p, port = self.irc_start('fan/irc')
            target['ngircd'] = ['-I', '127.0.0.1:%d' % port, '-P', p.pid]
        for rnd in range(self.opt.rounds):
            for n in self.size['fan']:
                s, order = min(n, FAN_SENDERS), rotate(list(target), rnd)
                for mode, w in WINDOWS.items():
                    m = max(2, self.size[mode] // (s * (n - 1)))
                    log('fan-out: round %d, %d sessions, %d senders x %d, window %d: %s'
                        % (rnd + 1, n, s, m, w, ' '.join(order)))
                    for who in order:
                        res = self.pcload(target[who] + ['-n', n, '-S', s, '-m', m,
                            '-b', MSG_BYTES, '-W', w, '-l', '-t', 300],
                            self.path('fan', '%s.%d.%s.%d' % (who, n, mode, rnd)))
                        if res:
                            self.res['fanout'].append(dict(res, who=who, sessions=n,
                                round=rnd, mode=mode, window=w))
                m = 5 if self.opt.smoke else min(300, max(20, self.size['lat'] // (n - 1)))
                log('idle latency: round %d, %d sessions, %d messages one at a time: %s'
                    % (rnd + 1, n, m, ' '.join(order)))
                for who in order:
                    res = self.pcload(target[who] + ['-n', n, '-S', 1, '-m', m, '-b', MSG_BYTES,
                        '-W', 1, '-i', LAT_INTERVAL_US, '-l', '-t', 300],
                        self.path('fan', 'lat.%s.%d.%d' % (who, n, rnd)))
                    if res:
                        self.res['latency'].append(dict(res, who=who, sessions=n,
                            round=rnd, msgs=m))
        self.stop_all()

    def memory_one(self, who, n, rnd):
        """Join n sessions, 10 of them say 10 messages; hold them, look at the server."""
        if who in self.daemons:
            p, fifo = self.pc_start(who, os.path.join('mem', who))
            target = ['-p', fifo]
        else:
            p, port = self.irc_start('mem/irc')
            target = ['-I', '127.0.0.1:%d' % port]
        time.sleep(0.5)
        status = '/proc/%d/status' % p.pid
        rss0, slab0, caches0 = kib(status, 'VmRSS'), kib('/proc/meminfo', 'Slab'), slabs()
        logfile = self.path('mem', '%s.%d.%d' % (who, n, rnd))
        lp = self.spawn([self.opt.pcload] + [str(a) for a in target + ['-n', n, '-S', min(n, 10),
            '-m', 10, '-b', MSG_BYTES, '-W', 1, '-H', 300, '-t', 300]], logfile)
        row = None
        if poll(lambda: lp.poll() is not None or 'pcload: holding' in readf(logfile), 300, 0.1) \
            and lp.poll() is None:
            time.sleep(0.5)
            row = dict(who=who, sessions=n, round=rnd, rss_idle=rss0, rss=kib(status, 'VmRSS'),
                hwm=kib(status, 'VmHWM'), slab=kib('/proc/meminfo', 'Slab') - slab0,
                caches=sorted(([k, v - caches0.get(k, 0)] for k, v in slabs().items()),
                key=lambda x: -x[1])[:5])
            lp.send_signal(signal.SIGUSR1)
            poll(lambda: lp.poll() is not None, 60, 0.1)
        self.stop(lp)
        self.stop(p)
        text = readf(logfile)
        if row is None or lp.returncode != 0 or 'pcload: OK' not in text:
            return self.fail('memory: %s with %d sessions' % (who, n), logfile)
        row.update({k: float(rx.search(text).group(1)) for k, rx in PCLOAD_RE.items()
            if k in ('joined', 'session_pipe') and rx.search(text)})
        self.res['memory'].append(row)

    def memory(self):
        for rnd in range(min(self.opt.rounds, 3)):
            for who in rotate(list(self.daemons), rnd) + \
                (['ngircd'] if shutil.which('ngircd') else []):
                for n in self.mem_sessions if who != 'ngircd' else self.mem_sessions[:1]:
                    log('memory: round %d, %s with %d sessions' % (rnd + 1, who, n))
                    self.memory_one(who, n, rnd)

    def start(self):
        argv = {}
        for who, path in self.daemons.items():
            ini = self.pc_config(who, os.path.join('start', who))
            argv[who] = (['-R'] if 'libsystemd' in sh(['ldd', path]) else []) + \
                ['-p', self.path('start', who, 'pipechat.fifo'), '--', path, '-f', ini]
        if shutil.which('ngircd'):
            port = free_port()
            argv['ngircd'] = ['-T', '127.0.0.1:%d' % port, '--', 'ngircd', '-n', '-f',
                self.irc_config('start/irc', port)]
        runs = 2 if self.opt.smoke else 4 * self.opt.rounds
        log('start-up: %d runs each, alternating' % runs)
        rx = re.compile(r'^pcstart: run 1: exec->open ([0-9-]+)[ us]*, exec->READY '
            r'([0-9-]+)[ us]*, VmRSS ([0-9-]+) KiB$', re.M)
        for i in range(runs):
            for who in rotate(list(argv), i):
                text = sh([self.opt.pcstart, '-n', '1'] + argv[who])
                m = rx.search(text)
                if not m or 'median' not in text:
                    log(text)
                    self.fail('start-up: %s' % who)
                    continue
                v = [None if x == '-' else float(x) for x in m.groups()]
                self.res['start'].append(dict(who=who, round=i, open_us=v[0],
                    ready_us=v[1], rss=v[2]))

    def profile(self):
        """callgrind (the event loop only) and perf cpu-clock, each daemon, two loads."""
        cg = bool(shutil.which('valgrind') and shutil.which('callgrind_annotate'))
        perf = bool(shutil.which('perf')) and subprocess.run(['perf', 'record', '-q',
            '-e', 'cpu-clock', '-o', self.path('perf.probe'), 'true'],
            capture_output=True).returncode == 0
        hw = bool(re.search(r'^\s*[0-9,]+\s+instructions', sh(['perf', 'stat', '-e',
            'instructions', 'true']), re.M))
        self.res['profile_tools'] = dict(callgrind=cg, perf_sw=perf, perf_hw=hw)
        for who in self.daemons:
            for load in ('fanout', 'ingest'):
                d, prof = os.path.join('prof', who, load), {}
                self.res['profiles'].setdefault(who, {})[load] = prof
                for tool in ['callgrind'] * cg + ['perf'] * perf:
                    log('profile: %s, %s, %s' % (tool, who, load))
                    out = self.path(d, tool + '.out')
                    wrap = ['valgrind', '--tool=callgrind', '--callgrind-out-file=' + out,
                        '--toggle-collect=event_base_loop'] if tool == 'callgrind' else []
                    p, fifo = self.pc_start(who, d, wrap=wrap, secs=60)
                    if tool == 'perf':
                        pp = self.spawn(['perf', 'record', '-q', '-e', 'cpu-clock', '-F',
                            '4999', '-g', '-p', str(p.pid), '-o', out], self.path(d, 'perf.log'))
                        time.sleep(0.5)
                    scale = self.size['profile_msgs'] * (25 if tool == 'perf' else 1)
                    self.pcload(['-p', fifo, '-b', MSG_BYTES, '-t', 600] + (['-n', 100, '-S', 10,
                        '-m', scale, '-W', WINDOWS['sat']] if load == 'fanout' else
                        ['-r', 16, '-m', scale * 250]), self.path(d, tool + '.pcload'))
                    if tool == 'perf':
                        self.stop(pp, signal.SIGINT)
                    self.stop(p)
                    prof[tool] = callgrind_tables(out, os.path.basename(self.daemons[who])) \
                        if tool == 'callgrind' else perf_tables(out)

    def limits(self):
        """Open files for the largest session count: 2 fds each, here and in the daemon."""
        big = max(self.size['mem'])
        need, inf = 2 * big + 100, resource.RLIM_INFINITY
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        note = ''
        if hard != inf and hard < need:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))
                hard = need
            except (ValueError, OSError):
                note = ('The hard limit on open files is %d and this process may not raise it '
                    '(that needs CAP_SYS_RESOURCE), so the largest session count that fits '
                    'was run instead of %d; `LimitNOFILE=` or `nofile` in limits.conf of at '
                    'least %d allows it.' % (hard, big, need))
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        # pipechatd caps its sessions at (limit - 64) / 2.
        fit = big if hard == inf or hard >= need else (hard - 64) // 2 // 10 * 10
        self.mem_sessions = [min(n, fit) for n in self.size['mem']]
        self.max_clients = max(fit + 100, 1100)
        return dict(hard=None if hard == inf else hard, note=note)

    def machine(self):
        cpu = re.search(r'^model name\s*:\s*(.*)$', readf('/proc/cpuinfo'), re.M)
        osname = re.search(r'^PRETTY_NAME="?([^"\n]*)', readf('/etc/os-release'), re.M)
        src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        commit = first(['git', '-C', src, 'rev-parse', '--short', 'HEAD']) or '?'
        if sh(['git', '-C', src, 'status', '--porcelain', '--', 'daemon', 'lib']):
            commit += ' (daemon/ or lib/ modified)'
        fs = lambda k: readf('/proc/sys/fs/' + k).strip() or '?'
        return dict(cpu=cpu.group(1) if cpu else '?', ncpu=os.cpu_count(),
            kernel=os.uname().release, mem_mib=kib('/proc/meminfo', 'MemTotal') // 1024,
            os=osname.group(1) if osname else '?', busy_start=busy_procs(),
            load_start=readf('/proc/loadavg').rsplit(' ', 2)[0], cc=first(['cc', '--version']),
            libevent=first(['pkg-config', '--modversion', 'libevent_core']) or '?',
            ngircd=' '.join(first(['ngircd', '--version']).split()[:2]),
            socat=' '.join(re.findall(r'^socat version (\S+)', sh(['socat', '-V']), re.M)),
            pipe_max=fs('pipe-max-size'), pipe_soft=fs('pipe-user-pages-soft'),
            commit=commit, date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))

    def run(self):
        open_files = self.limits()
        quiet = wait_quiet(self.opt.wait) if self.opt.wait > 0 else 'not waited for'
        mach = dict(self.machine(), quiet=quiet, open_files=open_files)
        log('%d x %s, Linux %s; %d round(s); results to %s' % (mach['ncpu'], mach['cpu'],
            mach['kernel'], self.opt.rounds, self.opt.out))
        for who, path in self.daemons.items():
            self.pc_config(who, os.path.join('probe', who))
            log('%s: %s (%s), [session] rate = 0 %s' % (who, path, first([path, '-V']),
                'set' if self.rate_ok[who] else 'not known: left out'))
        for s in self.opt.scenarios + ['profile'] * self.opt.profile:
            try:
                getattr(self, s)()
            except Failed as e:  # the scenario ends here; the others run
                if str(e) not in self.failures:
                    log('FAILED: %s: %s' % (s, e))
                    self.failures.append('%s: %s' % (s, e))
                self.stop_all()
        mach.update(load_end=readf('/proc/loadavg').rsplit(' ', 2)[0], busy_end=busy_procs())
        self.res.update(machine=mach, failures=self.failures, daemons={k: dict(path=v,
            version=first([v, '-V']), rate_zero=self.rate_ok[k]) for k, v in self.daemons.items()},
            rounds=self.opt.rounds, smoke=self.opt.smoke, size=self.size,
            mem_sessions=self.mem_sessions, windows=WINDOWS, fan_senders=FAN_SENDERS,
            msg_bytes=MSG_BYTES, lat_interval_us=LAT_INTERVAL_US, command=self.opt.command)


def cg_name(text):
    """callgrind_annotate's "path:function [object]" as "file:function"."""
    m = re.search(r' \[([^]]*)\]$', text)
    obj, text = (os.path.basename(m.group(1)), text[:m.start()]) if m else ('', text)
    path, _, fn = text.partition(':')
    m = re.search(r'(daemon|lib|bench|client)/[^/]*$', path)
    path = m.group(0) if m else obj if path == '???' else \
        os.path.basename(path) + (' (%s)' % obj if obj else '')
    return '%s:%s' % (path, fn)


def callgrind_tables(out, prog):
    """Top 15 by self cost; our 12 by inclusive cost (daemon/, lib/, or prog's
    when built without debug information); the instructions."""
    def rows(inclusive):
        text = sh(['callgrind_annotate', '--inclusive=' + inclusive, out])
        return [[float(m.group(1)), cg_name(m.group(2))] for m in re.finditer(
            r'^ *[0-9,]+ +\( *([0-9.]+)%\) +(.*)$', text, re.M)
            if 'PROGRAM TOTALS' not in m.group(2) and '=>' not in m.group(2)]
    own = []
    for pct, name in rows('yes'):
        if re.match(r'(daemon|lib)/|%s:' % re.escape(prog), name) and \
            not re.search(r":(main|server_run|\(below main\))$", name) and \
            name not in [x[1] for x in own]:
            own.append([pct, name])
    m = re.search(r'^ *([0-9,]+) .*PROGRAM TOTALS', sh(['callgrind_annotate', out]), re.M)
    return dict(total=int(m.group(1).replace(',', '')) if m else None,
        self=rows('no')[:15], inclusive=own[:12])


# Symbols whose inclusive share names a system call or a fault, and how to say it.
PERF_SYS = {'epoll_wait': 'epoll_wait()', 'epoll_ctl': 'epoll_ctl()', 'read': 'read()',
    '__GI___libc_read': 'read()', '__GI___libc_write': 'write()', '__GI___writev': 'writev()',
    '__brk': 'brk()', 'asm_exc_page_fault': 'page faults',
    '_int_malloc': 'malloc (with its faults)',
    'finish_task_switch.isra.0': 'context switches (finish_task_switch)'}


def perf_tables(out):
    """Top symbols, shares by binary, inclusive shares of system calls."""
    rep = lambda *a: sh(['perf', 'report', '-i', out, '--stdio'] + list(a))
    sysc = {}
    for m in re.finditer(r'^ +([0-9.]+%) +[0-9.]+% +.* (\S+)$',
                         rep('--children', '--sort', 'sym'), re.M):
        if m.group(2) in PERF_SYS:
            sysc.setdefault(PERF_SYS[m.group(2)], m.group(1))
    return dict(symbols=[list(x) for x in re.findall(r'^ +([0-9.]+%) +(.*\S)',
        rep('--no-children', '--sort', 'sym'), re.M)[:15]],
        dso=[list(x) for x in re.findall(r'^ +([0-9.]+%) +(\S+)',
        rep('--no-children', '--sort', 'dso'), re.M)[:8]],
        syscalls=[[v, k] for k, v in sysc.items()])


class Parser(argparse.ArgumentParser):
    def error(self, message):
        """Usage errors exit 64, as the C programs' do."""
        self.print_usage(sys.stderr)
        print('bench.py: %s' % message, file=sys.stderr)
        sys.exit(64)


def interrupted(sig, frame):
    raise KeyboardInterrupt  # SIGTERM (meson test's timeout): clean up on the way out


def main():
    ap = Parser(description='Run the pipechat benchmarks (bench/README.md).')
    ap.add_argument('--daemon', action='append', required=True, metavar='[NAME=]PATH',
        help='a pipechatd to measure; repeat to compare (the first is the reference)')
    ap.add_argument('--pcload', help='default: bench/pcload in the last daemon\'s build')
    ap.add_argument('--pcstart', help='default: bench/pcstart in the last daemon\'s build')
    ap.add_argument('--out', required=True, help='for results.json, BENCHMARKS.md, bench.png')
    ap.add_argument('--rounds', type=int, default=7)
    ap.add_argument('--smoke', action='store_true', help='tiny sizes, one round, seconds')
    ap.add_argument('--scenarios', default=','.join(SCENARIOS), help='of ' + ','.join(SCENARIOS))
    ap.add_argument('--profile', action='store_true', help='callgrind and perf, where they work')
    ap.add_argument('--wait', type=int, default=0, metavar='SEC',
        help='first wait up to SEC for a quiet machine')
    ap.add_argument('--keep', action='store_true', help='keep the scratch directory (every log)')
    opt = ap.parse_args()
    opt.command = ' '.join(['bench/bench.py'] + sys.argv[1:])
    daemons = []
    for spec in opt.daemon:
        name, eq, path = spec.rpartition('=')
        name = name if eq else 'pipechatd'
        if not (os.path.isfile(path) and os.access(path, os.X_OK)) or name in \
            ['cat', 'socat', 'ngircd'] + [d[0] for d in daemons] or \
            not re.match(r'^[A-Za-z0-9_.-]+$', name):
            ap.error('--daemon %s: expected a new NAME and an executable PATH' % spec)
        daemons.append((name, os.path.abspath(path)))
    opt.daemon = daemons
    build = os.path.dirname(os.path.dirname(daemons[-1][1]))
    opt.pcload = os.path.abspath(opt.pcload or os.path.join(build, 'bench/pcload'))
    opt.pcstart = os.path.abspath(opt.pcstart or os.path.join(build, 'bench/pcstart'))
    for p in (opt.pcload, opt.pcstart):
        if not os.access(p, os.X_OK):
            ap.error('%s: not built (give --pcload, --pcstart)' % p)
    opt.scenarios = [s for s in opt.scenarios.split(',') if s]
    if not set(opt.scenarios) <= set(SCENARIOS) or opt.rounds < 1:
        ap.error('--scenarios: of %s; --rounds: 1 or more' % ','.join(SCENARIOS))
    opt.rounds = 1 if opt.smoke else opt.rounds
    os.umask(0o022)
    os.environ['PATH'] += ':/usr/sbin:/sbin'  # ngircd
    os.makedirs(opt.out, exist_ok=True)
    signal.signal(signal.SIGTERM, interrupted)
    b = Bench(opt)
    try:
        b.run()
    except (Failed, KeyboardInterrupt) as e:
        log('FAILED: %s' % (str(e) or 'interrupted'))
        return 1
    finally:
        b.stop_all()
        if opt.keep:
            log('kept %s' % b.tmp)
        else:
            shutil.rmtree(b.tmp, ignore_errors=True)
    with open(os.path.join(opt.out, 'results.json'), 'w') as f:
        json.dump(b.res, f, indent=1)
    log('wrote %s' % ', '.join(report.write(b.res, opt.out)))
    return 1 if b.failures else 0


if __name__ == '__main__':
    sys.exit(main())
