#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""bench/bench.py: run pipechat's benchmarks and write the report (bench/README.md).

    bench/bench.py --daemon before=/tmp/build-before/daemon/pipechatd \\
                   --daemon after=build/daemon/pipechatd --out /tmp/cmp

The first --daemon is the reference; cat, socat and ngircd join when installed.  Every
scenario runs --rounds times, the contenders in an order that rotates each round; results.json,
BENCHMARKS.md and bench.png (bench/report.py) go to --out.  It installs and builds nothing.
Exit status: 0 every run worked (whatever the figures); 1 a run failed; 64 usage.
"""
import argparse, json, os, re, resource, shutil, signal, socket, stat, subprocess, sys, time
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import report  # noqa: E402

MSG = 63  # bytes of text in every message, and '\n'
FAN_SENDERS = 10  # at most; fewer when there are fewer sessions
WINDOWS = {'sat': 128, 'light': 4}  # rounds of messages in flight (pcload -W)
LAT_US = 1000  # idle latency: one message a millisecond
SIZES = {'smoke': dict(writers=[1, 4], ingest_msgs=800, fan=[3, 10], sat=400, light=200, lat=10,
                       mem=[10, 20], profile_msgs=2),
         'full': dict(writers=[1, 4, 16], ingest_msgs=320000, fan=[10, 100, 1000], sat=2000000,
                      light=200000, lat=2000, mem=[1000, 10000], profile_msgs=40)}
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


def sh(*cmd):
    """A command's output and errors, '' if it cannot run."""
    try:
        r = subprocess.run([str(a) for a in cmd], capture_output=True, text=True, timeout=60)
        return r.stdout + r.stderr
    except (OSError, subprocess.TimeoutExpired):
        return ''


def first(*cmd):
    return (sh(*cmd).strip().splitlines() or ['?'])[0]


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


def parse(text):
    """pcload's figures, by PCLOAD_RE's names."""
    return {k: float(m.group(1)) for k, rx in PCLOAD_RE.items() for m in [rx.search(text)] if m}


def poll(what, secs, step=0.02):
    """Call what() until it is true, for at most secs seconds."""
    end = time.monotonic() + secs
    while time.monotonic() < end and not what():
        time.sleep(step)
    return what()


def rotate(items, r):
    return items[r % len(items):] + items[:r % len(items)]


def cpu_use(secs=1.0):
    """Percent of one CPU the machine used over secs, and the processes that used 10% or more:
    the noise the report owns up to."""
    def sample():
        ticks = {}
        for pid in filter(str.isdigit, os.listdir('/proc')):
            s = readf('/proc/%s/stat' % pid)
            if ')' in s:  # utime + stime, after the name (which may hold spaces)
                v = s[s.rindex(')') + 2:].split()
                ticks[pid] = (s[s.index('(') + 1:s.rindex(')')], int(v[11]) + int(v[12]))
        v = [int(x) for x in readf('/proc/stat').split('\n')[0].split()[1:]]
        return ticks, sum(v), v[3] + v[4]  # all, idle + iowait
    (p0, t0, i0), _, (p1, t1, i1) = sample(), time.sleep(secs), sample()
    busy = {}
    for pid, (name, t) in p1.items():
        pct = 100.0 * (t - p0.get(pid, (name, t))[1]) / os.sysconf('SC_CLK_TCK') / secs
        if pct >= 10:
            busy[name] = [busy.get(name, [0])[0] + 1, busy.get(name, [0, 0])[1] + pct]
    return (100.0 * os.cpu_count() * (t1 - t0 - (i1 - i0)) / max(1, t1 - t0),
            ', '.join('%s%s %.0f%%' % (k, ' (x%d)' % n if n > 1 else '', p)
                      for k, (n, p) in busy.items()) or 'none')


def wait_quiet(secs):
    """Wait up to secs for 5 s in a row under 20% of a CPU in use; say how it went."""
    log('waiting up to %d s for a quiet machine' % secs)
    t0, quiet = time.monotonic(), 0
    while quiet < 5 and time.monotonic() - t0 < secs:
        b = cpu_use()[0]
        quiet = quiet + 1 if b < 20 else 0
    return '%s after waiting %.0f s: %.0f%% of a CPU in use' % (
        'quiet' if quiet >= 5 else 'still busy', time.monotonic() - t0, b)


def fifo_has_reader(path):
    """Only then does a non-blocking open for writing succeed."""
    try:
        if stat.S_ISFIFO(os.stat(path).st_mode):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            return True
    except OSError:
        pass
    return False


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


def top(tool, out):
    """A profile's ten largest self costs, [[percent, name]], directories left out."""
    text = sh('callgrind_annotate', '--inclusive=no', out) if tool == 'callgrind' else \
        sh('perf', 'report', '-i', out, '--stdio', '--no-children', '--sort', 'sym')
    rx = r'^ *[0-9,]+ +\( *([0-9.]+)%\) +(.*)$' if tool == 'callgrind' else r'^ +([0-9.]+)% +(.*\S)'
    return [[float(a), re.sub(r'\S*/', '', b)] for a, b in re.findall(rx, text, re.M)
            if 'PROGRAM TOTALS' not in b][:10]


class Bench:
    """One run of the benchmarks: programs, scratch space, results."""

    def __init__(self, opt):
        self.opt, self.size = opt, SIZES['smoke' if opt.smoke else 'full']
        self.daemons, self.procs, self.failures, self.rate_ok = dict(opt.daemon), [], [], {}
        self.irc = ['ngircd'] * bool(shutil.which('ngircd'))
        # tmpfs: the readers' output and the FIFOs wait for no disk.  0755: pipechatd refuses an
        # ini in a directory others may write, and ngircd, as nobody, reads its own.
        self.tmp = tempfile.mkdtemp(prefix='pcbench.', dir='/dev/shm' * os.access('/dev/shm',
                                                                                  os.W_OK) or None)
        os.chmod(self.tmp, 0o755)
        self.res = {s: [] for s in ['ingest', 'fanout', 'latency', 'memory', 'start', 'profiles']}

    def path(self, *parts):
        p = os.path.join(self.tmp, *parts)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def spawn(self, argv, out, err):
        with open(out, 'wb') as o, open(err, 'wb') as e:
            self.procs.append(subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL,
                                               stdout=o, stderr=e))
        return self.procs[-1]

    def stop(self, *procs, sig=signal.SIGTERM):
        """Signal, wait up to 10 s, then SIGKILL."""
        for p in procs:
            if p.poll() is None:
                p.send_signal(sig)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            self.procs.remove(p)

    def fail(self, what, logfile=os.devnull):
        log('FAILED: %s\n%s' % (what, ''.join(readf(logfile).splitlines(True)[-15:])))
        self.failures.append(what)
        if self.opt.smoke:  # the smoke test is there to notice, not to measure: stop the scenario
            raise Failed(what)

    def pc_config(self, who, d):
        """An ini in d, with [session] rate = 0 only if this daemon knows the key: then daemons
        from before it compare with later ones."""
        ini, mc = self.path(d, 'pipechat.ini'), self.max_clients
        for rate in [True, False] if self.rate_ok.get(who, True) else [False]:
            with open(ini, 'w') as f:
                f.write('[fifo]\npath = %s/pipechat.fifo\nmode = 0620\n\n[session]\nmax_clients'
                        ' = %d\nmax_per_user = %d\n%s' % (os.path.dirname(ini), mc, mc,
                                                          'rate = 0\n' * rate))
            r = subprocess.run([self.daemons[who], '-n', '-f', ini], capture_output=True, text=True)
            if r.returncode == 0:
                self.rate_ok[who] = rate
                return ini
        raise Failed('%s -n -f %s: %s' % (self.daemons[who], ini, (r.stderr + r.stdout).strip()))

    def irc_config(self, d, port):
        """ngircd on 127.0.0.1: no DNS, ident, PAM, flood throttling or limits."""
        with open(self.path(d, 'ngircd.conf'), 'w') as f:
            f.write('[Global]\nName = bench.pcload.invalid\nInfo = pipechat benchmark\n'
                    'AdminInfo1 = bench\nAdminInfo2 = bench\nAdminEMail = bench@pcload.invalid\n'
                    'Listen = 127.0.0.1\nPorts = %d\nMotdPhrase = "bench"\n[Limits]\n'
                    'MaxConnections = 0\nMaxConnectionsIP = 0\nMaxJoins = 0\nMaxPenaltyTime = 0\n'
                    'PingTimeout = 3600\nPongTimeout = 3600\n[Options]\nDNS = no\nIdent = no\n'
                    'PAM = no\nRequireAuthPing = no\nIncludeDir = %s\n' % (port, self.path(d)))
        return f.name

    def server(self, who, d, out=os.devnull, wrap=()):
        """Start server who in directory d: its process and pcload's options to reach it."""
        err = self.path(d, 'stderr')
        if who == 'ngircd':
            port = free_port()
            p = self.spawn(['ngircd', '-n', '-f', self.irc_config(d, port)], out, err)
            up, target = lambda: port_open(port), ['-I', '127.0.0.1:%d' % port]
        else:
            fifo = self.path(d, 'pipechat.fifo')
            p = self.spawn(list(wrap) + [self.daemons[who], '-f', self.pc_config(who, d)], out, err)
            up, target = lambda: fifo_has_reader(fifo), ['-p', fifo]
        if not poll(lambda: p.poll() is not None or up(), 60) or p.poll() is not None:
            self.stop(p)
            raise Failed('%s did not start: %s' % (who, readf(err).strip()[-300:]))
        return p, target

    def pcload(self, args, logfile):
        """Run pcload; its figures, or None (a failure, recorded)."""
        argv = [self.opt.pcload] + [str(a) for a in args]
        with open(logfile, 'w') as f:
            try:
                rc = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, timeout=600).returncode
            except subprocess.TimeoutExpired:
                rc = -1
        if rc == 0 and re.search(r'^pcload: OK$', readf(logfile), re.M):
            return parse(readf(logfile))
        self.fail('pcload ' + ' '.join(argv[1:]), logfile)

    def each(self, sec, configs, order, run, rounds=None):
        """Every config each round, the contenders in an order that rotates from round to round;
        a row of results[sec] from each run that worked: run(who, logfile, **config)."""
        for rnd in range(rounds or self.opt.rounds):
            for cfg in configs:
                whos = rotate(order, rnd)
                log('%s: round %d%s: %s' % (sec, rnd + 1, ''.join(', %s %s' % (v, k) for k, v
                                                                  in cfg.items()), ' '.join(whos)))
                for who in whos:
                    name = '.'.join(str(x) for x in [who, rnd] + list(cfg.values()))
                    res = run(who, self.path(sec, name), **cfg)
                    if res:
                        self.res[sec].append(dict(res, who=who, round=rnd, **cfg))

    def read(self, who, out, args, logfile):
        """Reader who copies the FIFO to out while pcload's raw writers write (args)."""
        if who in self.daemons:
            p, (_, fifo) = self.server(who, 'ingest/' + who, out)
        else:
            fifo = self.path('ingest', 'plain.fifo')
            if not os.path.exists(fifo):
                os.mkfifo(fifo, 0o600)
            p = self.spawn(['cat', fifo] if who == 'cat' else ['socat', '-u', '-b', 65536,
                           'OPEN:%s,rdonly' % fifo, '-'], out, logfile + '.err')
            poll(lambda: fifo_has_reader(fifo), 10)
        hold = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # no reader sees end of file, alike
        res = self.pcload(['-p', fifo, '-b', MSG, '-P', p.pid, '-t', 300] + args, logfile)
        os.close(hold)
        if who not in self.daemons:  # cat and socat end at end of file
            poll(lambda: p.poll() is not None, 10)
        self.stop(p)
        return res

    def ingest(self):
        order, per = list(self.daemons) + ['cat'] + ['socat'] * bool(shutil.which('socat')), {}
        for who in order:  # the bytes a reader writes per line: pipechatd adds a prefix
            out = self.path('ingest', who + '.calib')
            self.read(who, out, ['-r', 1, '-m', 4, '-c', out + ':1'], out + '.log')
            time.sleep(0.5)  # -c returned at the first byte: let the rest come
            per[who] = os.path.getsize(out) // 4
            if not per[who] or os.path.getsize(out) % 4:
                raise Failed('%s wrote %d bytes for 4 lines' % (who, os.path.getsize(out)))

        def run(who, logfile, writers):
            m, out = self.size['ingest_msgs'] // writers, logfile + '.out'
            res = self.read(who, out, ['-r', writers, '-m', m, '-c', '%s:%d' % (
                out, writers * m * per[who])], logfile)  # timed until out has every byte
            os.unlink(out)
            return res and dict(res, lines=writers * m)
        self.each('ingest', [dict(writers=r) for r in self.size['writers']], order, run)

    def fanout(self):
        """Fan-out at both windows, then idle latency; one server each for all the rounds."""
        order, target = list(self.daemons) + self.irc, {}
        for who in order:
            p, target[who] = self.server(who, 'fan/' + who)
            target[who] += ['-P', p.pid, '-b', MSG, '-l', '-t', 300]

        def fan(who, logfile, sessions, mode):
            s = min(sessions, FAN_SENDERS)
            m = max(2, self.size[mode] // (s * (sessions - 1)))  # about size[mode] deliveries
            return self.pcload(target[who] + ['-n', sessions, '-S', s, '-m', m, '-W',
                                              WINDOWS[mode]], logfile)

        def idle(who, logfile, sessions):
            m = 5 if self.opt.smoke else min(300, max(20, self.size['lat'] // (sessions - 1)))
            res = self.pcload(target[who] + ['-n', sessions, '-S', 1, '-m', m, '-W', 1, '-i',
                                             LAT_US], logfile)
            return res and dict(res, msgs=m)
        self.each('fanout', [dict(sessions=n, mode=w) for n in self.size['fan'] for w in WINDOWS],
                  order, fan)
        self.each('latency', [dict(sessions=n) for n in self.size['fan']], order, idle)
        self.stop(*self.procs)

    def memory(self):
        def run(who, logfile, sessions):
            """Join the sessions, 10 of them say 10 messages (every queue and buffer used once);
            while pcload holds them, the server's memory and the kernel's slab."""
            if who == 'ngircd' and sessions != self.mem_sessions[0]:
                return None  # ngircd for reference, at the first count only
            p, target = self.server(who, 'mem/' + who)
            time.sleep(0.5)
            status, slab0 = '/proc/%d/status' % p.pid, kib('/proc/meminfo', 'Slab')
            row = dict(rss_idle=kib(status, 'VmRSS'))
            lp = self.spawn([self.opt.pcload] + target + ['-n', sessions, '-S', min(sessions, 10),
                            '-m', 10, '-b', MSG, '-W', 1, '-H', 300, '-t', 300], logfile, logfile)
            if poll(lambda: lp.poll() is not None or 'pcload: holding' in readf(logfile), 300,
                    0.1) and lp.poll() is None:
                time.sleep(0.5)
                row.update(rss=kib(status, 'VmRSS'), hwm=kib(status, 'VmHWM'),
                           slab=kib('/proc/meminfo', 'Slab') - slab0)
                lp.send_signal(signal.SIGUSR1)  # pcload leaves, checks and exits
                poll(lambda: lp.poll() is not None, 60, 0.1)
            self.stop(lp, p)
            if 'rss' in row and lp.returncode == 0 and 'pcload: OK' in readf(logfile):
                return dict(parse(readf(logfile)), **row)
            self.fail('memory: %s with %d sessions' % (who, sessions), logfile)
        # Up to 3 rounds: memory varies little, and 10,000 sessions take a while.
        self.each('memory', [dict(sessions=n) for n in self.mem_sessions],
                  list(self.daemons) + self.irc, run, min(self.opt.rounds, 3))

    def start(self):
        argv = {}
        for who, path in self.daemons.items():  # -R: READY=1 comes only with libsystemd
            argv[who] = ['-R'] * ('libsystemd' in sh('ldd', path)) + ['-p', self.path(
                'start', who, 'pipechat.fifo'), '--', path, '-f', self.pc_config(who, 'start/' + who)]
        if self.irc:
            port = free_port()
            argv['ngircd'] = ['-T', '127.0.0.1:%d' % port, '--', 'ngircd', '-n', '-f',
                              self.irc_config('start/ngircd', port)]
        rx = re.compile(r'^pcstart: run 1: exec->open ([0-9-]+)[ us]*, exec->READY '
                        r'([0-9-]+)[ us]*, VmRSS ([0-9-]+) KiB$', re.M)

        def run(who, logfile):
            text = sh(self.opt.pcstart, '-n', 1, *argv[who])
            m = rx.search(text)
            if m and 'median' in text:
                return {k: None if v == '-' else float(v)
                        for k, v in zip(['open_us', 'ready_us', 'rss'], m.groups())}
            self.fail('start-up: %s: %s' % (who, text.strip()[-300:]))
        self.each('start', [{}], list(argv), run, 2 if self.opt.smoke else 4 * self.opt.rounds)

    def profile(self):
        """callgrind (instructions in user space, the event loop only) and perf cpu-clock (time,
        the kernel's too), where they work: each daemon on a fan-out and an ingest load."""
        tools = ['callgrind'] * bool(shutil.which('valgrind') and shutil.which('callgrind_annotate'))
        if shutil.which('perf') and subprocess.run(['perf', 'record', '-q', '-e', 'cpu-clock',
                                                    '-o', self.path('perf.probe'), 'true'],
                                                   capture_output=True).returncode == 0:
            tools.append('perf')
        for who, load, tool in [(w, lo, t) for w in self.daemons for lo in ('fanout', 'ingest')
                                for t in tools]:
            log('profile: %s, %s, %s' % (tool, who, load))
            d = 'prof/%s/%s' % (who, load)
            out = self.path(d, tool + '.out')
            p, target = self.server(who, d, wrap=['valgrind', '--tool=callgrind',
                                                  '--callgrind-out-file=' + out,
                                                  '--toggle-collect=event_base_loop'] * (tool == 'callgrind'))
            if tool == 'perf':
                rec = self.spawn(['perf', 'record', '-q', '-e', 'cpu-clock', '-F', 4999, '-p',
                                  p.pid, '-o', out], os.devnull, self.path(d, 'perf.log'))
                time.sleep(0.5)
            m = self.size['profile_msgs'] * (25 if tool == 'perf' else 1)  # callgrind is slow
            self.pcload(target + ['-b', MSG, '-t', 600] + (
                ['-n', 100, '-S', 10, '-m', m, '-W', WINDOWS['sat']] if load == 'fanout'
                else ['-r', 16, '-m', m * 250]), self.path(d, tool + '.pcload'))
            if tool == 'perf':
                self.stop(rec, sig=signal.SIGINT)  # perf writes its file on SIGINT
            self.stop(p)
            self.res['profiles'].append(dict(who=who, load=load, tool=tool, top=top(tool, out)))

    def limits(self):
        """Open files for the most sessions, 2 fds each here and in the daemon; or the most
        sessions that fit."""
        big, inf = max(self.size['mem']), resource.RLIM_INFINITY
        need, hard = 2 * big + 100, resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        if hard != inf and hard < need:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))
                hard = need
            except (ValueError, OSError):  # it needs CAP_SYS_RESOURCE
                pass
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        # pipechatd takes at most (limit - 64) / 2 sessions.
        fit = big if hard == inf or hard >= need else (hard - 64) // 20 * 10
        self.mem_sessions = [min(n, fit) for n in self.size['mem']]
        self.max_clients = max(fit + 100, 1100)
        return 'hard limit %s%s' % ('unlimited' if hard == inf else hard, '' if fit == big else
                                    ', not to be raised here: %d sessions ran, not %d, which need '
                                    '%d (`LimitNOFILE=`, `nofile` in limits.conf)' % (fit, big, need))

    def run(self):
        """The machine table around the scenarios: what the figures depend on, what else ran."""
        open_files = self.limits()
        quiet = wait_quiet(self.opt.wait) if self.opt.wait > 0 else 'not waited for'
        busy, load = cpu_use()[1], readf('/proc/loadavg').rsplit(' ', 2)[0]
        src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        changed = sh('git', '-C', src, 'status', '--porcelain', '--', 'daemon', 'lib')
        m = {'CPU': '%d x %s' % (os.cpu_count(), re.findall(r'^model name\s*:\s*(.*)$',
                                                           readf('/proc/cpuinfo'), re.M)[0]),
             'memory': '%d MiB' % (kib('/proc/meminfo', 'MemTotal') // 1024),
             'system': '%s, Linux %s' % (re.findall(r'^PRETTY_NAME="?([^"\n]*)', readf(
                 '/etc/os-release'), re.M)[0], os.uname().release),
             'compiler': first('cc', '--version'),
             'libevent': first('pkg-config', '--modversion', 'libevent_core'),
             'contenders': '%s; socat %s; GNU cat' % (
                 ' '.join(first('ngircd', '--version').split()[:2]) if self.irc else
                 'ngircd not installed', ' '.join(re.findall(r'^socat version (\S+)', sh(
                     'socat', '-V'), re.M)) or 'not installed'),
             'pipes': 'fs.pipe-max-size %s, fs.pipe-user-pages-soft %s' % tuple(readf(
                 '/proc/sys/fs/pipe-' + k).strip() for k in ('max-size', 'user-pages-soft')),
             'open files': open_files, 'before the run': quiet}
        log('%s, %s; %d round(s); results to %s' % (m['CPU'], m['system'], self.opt.rounds,
                                                    self.opt.out))
        for who, path in self.daemons.items():
            self.pc_config(who, 'probe/' + who)
            log('%s: %s (%s), [session] rate = 0 %s' % (who, path, first(path, '-V'), 'set'
                                                         if self.rate_ok[who] else 'left out'))
        for s in self.opt.scenarios + ['profile'] * self.opt.profile:
            try:
                getattr(self, s)()
            except (Failed, OSError) as e:  # the scenario ends here; the others run
                if str(e) not in self.failures:
                    log('FAILED: %s: %s' % (s, e))
                    self.failures.append('%s: %s' % (s, e))
                self.stop(*self.procs)
        m['shared with'] = 'at the start: %s; at the end: %s (processes over 10%% of a CPU)' % (
            busy, cpu_use()[1])
        m['load average'] = '%s at the start, %s at the end' % (
            load, readf('/proc/loadavg').rsplit(' ', 2)[0])
        self.res.update(machine=m, failures=self.failures, daemons={k: dict(
            path=v, version=first(v, '-V'), rate_zero=self.rate_ok[k])
            for k, v in self.daemons.items()}, rounds=self.opt.rounds, smoke=self.opt.smoke,
            size=self.size, mem_sessions=self.mem_sessions, windows=WINDOWS, msg_bytes=MSG,
            fan_senders=FAN_SENDERS, lat_us=LAT_US, command=self.opt.command,
            date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
            commit=first('git', '-C', src, 'rev-parse', '--short', 'HEAD') + (
                ' (daemon/ or lib/ modified)' if changed else ''))


class Parser(argparse.ArgumentParser):
    def error(self, message):
        """Usage errors exit 64, as the C programs' do."""
        self.print_usage(sys.stderr)
        print('bench.py: ' + message, file=sys.stderr)
        sys.exit(64)


def interrupted(sig, frame):
    raise KeyboardInterrupt  # SIGTERM (meson test's timeout): clean up on the way out


def main():
    ap = Parser(description='Run the pipechat benchmarks (bench/README.md).')
    ap.add_argument('--daemon', action='append', required=True, metavar='[NAME=]PATH',
                    help='a pipechatd to measure; repeat to compare (the first is the reference)')
    ap.add_argument('--pcload', help="default: bench/pcload in the last daemon's build")
    ap.add_argument('--pcstart', help="default: bench/pcstart in the last daemon's build")
    ap.add_argument('--out', required=True, help='for results.json, BENCHMARKS.md, bench.png')
    ap.add_argument('--rounds', type=int, help='default 7, with --smoke 1')
    ap.add_argument('--smoke', action='store_true', help='tiny sizes, seconds')
    ap.add_argument('--scenarios', default=','.join(SCENARIOS), help='of ' + ','.join(SCENARIOS))
    ap.add_argument('--profile', action='store_true', help='callgrind and perf, where they work')
    ap.add_argument('--wait', type=int, default=0, metavar='SEC',
                    help='first wait up to SEC for a quiet machine')
    ap.add_argument('--keep', action='store_true', help='keep the scratch directory (every log)')
    opt, daemons = ap.parse_args(), []
    opt.command = ' '.join(['bench/bench.py'] + sys.argv[1:])
    for spec in opt.daemon:
        name, eq, path = spec.rpartition('=')
        name = name if eq else 'pipechatd'
        if not (os.path.isfile(path) and os.access(path, os.X_OK)) or not re.match(
                r'^[A-Za-z0-9_.-]+$', name) or name in ['cat', 'socat', 'ngircd'] + [
                d[0] for d in daemons]:
            ap.error('--daemon %s: expected a new NAME and an executable PATH' % spec)
        daemons.append((name, os.path.abspath(path)))
    opt.daemon, build = daemons, os.path.dirname(os.path.dirname(daemons[-1][1]))
    opt.pcload = os.path.abspath(opt.pcload or os.path.join(build, 'bench/pcload'))
    opt.pcstart = os.path.abspath(opt.pcstart or os.path.join(build, 'bench/pcstart'))
    for p in (opt.pcload, opt.pcstart):
        if not os.access(p, os.X_OK):
            ap.error('%s: not built (give --pcload, --pcstart)' % p)
    opt.scenarios = [s for s in opt.scenarios.split(',') if s]
    opt.rounds = (1 if opt.smoke else 7) if opt.rounds is None else opt.rounds
    if not set(opt.scenarios) <= set(SCENARIOS) or opt.rounds < 1:
        ap.error('--scenarios: of %s; --rounds: 1 or more' % ','.join(SCENARIOS))
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
        b.stop(*b.procs)
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
