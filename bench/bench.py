#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""bench/bench.py: pipechat's benchmarks, as bench/README.md describes.  Exit status: 0 every run
worked (whatever the figures); 1 a run failed; 64 usage."""
import argparse, itertools, json, os, re, resource, shutil, signal, socket, statistics
import subprocess, sys, tempfile, time

MSG, SENDERS, LAT_US = 63, 10, 1000  # bytes of text a message; fan-out senders; idle: 1 a ms
WINDOWS = [128, 4, 1]  # rounds of messages in flight (pcload -W): saturating, light, idle
SIZES = {'smoke': dict(writers=[1, 4], ingest=800, fan=[3, 10], deliveries=[400, 200, 10],
                       mem=[10, 20], profile=2),
         'full': dict(writers=[1, 4, 16], ingest=320000, fan=[10, 100, 1000],
                      deliveries=[2000000, 200000, 5000], mem=[1000, 10000], profile=40)}
SCENARIOS = ['ingest', 'fanout', 'memory', 'start']
PCLOAD_RE = {k: re.compile(v, re.M) for k, v in {  # pcload's output (bench/README.md)
    'joined': r'^pcload: joined .* in ([0-9.]+) s$',
    'drained': r'^pcload: drained: .* bytes ([0-9.]+) s after',
    'delivered': r'^pcload: delivered ([0-9]+) of',
    'rate': r'^pcload: delivered .* \(([0-9]+) lines/s\)',
    'p50': r'^pcload: latency.* p50 ([0-9.]+) us', 'p99': r'^pcload: latency.* p99 ([0-9.]+) us',
    'server_cpu': r'^pcload: cpu while .*\) ([0-9.]+) s, pcload',
    'pcload_cpu': r'^pcload: cpu while .*, pcload ([0-9.]+) s, in',
    'wall': r'^pcload: cpu while .*, in ([0-9.]+) s;',
    'server_wait': r'waiting for a CPU: server ([0-9.]+) s',
    'pcload_wait': r'waiting for a CPU: server [0-9.]+ s, pcload ([0-9.]+) s'}.items()}
MACHINE = {  # the machine table, row by row (sh): what the figures depend on
    'CPU': 'echo $(nproc) x $(grep -m1 "^model name" /proc/cpuinfo | cut -d: -f2)',
    'memory': 'echo $(($(grep MemTotal /proc/meminfo | tr -dc 0-9) / 1024)) MiB',
    'system': '. /etc/os-release; echo "$PRETTY_NAME, Linux $(uname -r)"',
    'compiler': 'cc --version | head -n1', 'libevent': 'pkg-config --modversion libevent_core',
    'contenders': 'echo "$(ngircd --version | grep -o "^ngIRCd [0-9.]*" || echo no ngircd),'
                  ' $(socat -V | grep -o "^socat version [0-9.]*" || echo no socat), GNU cat"',
    'pipes': 'sysctl fs.pipe-max-size fs.pipe-user-pages-soft',
    'open files': 'echo hard limit $(ulimit -Hn)'}
IRC_CONF = """[Global]\nName = bench.invalid\nInfo = bench\nAdminInfo1 = bench\nAdminInfo2 = bench
AdminEMail = bench@bench.invalid\nListen = 127.0.0.1\nPorts = %d\nMotdPhrase = "bench"\n[Limits]
MaxConnections = 0\nMaxConnectionsIP = 0\nMaxJoins = 0\nMaxPenaltyTime = 0\nPingTimeout = 3600
PongTimeout = 3600\n[Options]\nDNS = no\nIdent = no\nPAM = no\nRequireAuthPing = no
IncludeDir = %s\n"""  # ngircd: no DNS, ident, PAM, flood throttling or connection limits
T0 = time.monotonic()


class Failed(Exception):
    pass  # a run that did not work: a message lost, a program that did not start

def log(msg):
    print('bench: [%.0fs] %s' % (time.monotonic() - T0, msg), file=sys.stderr, flush=True)

def sh(*cmd):  # a command's output and errors, '' if it cannot run
    try:
        r = subprocess.run([str(a) for a in cmd], capture_output=True, text=True, timeout=60)
        return r.stdout + r.stderr
    except (OSError, subprocess.TimeoutExpired):
        return ''

def readf(path):
    try:
        with open(path, errors='replace') as f:
            return f.read()
    except OSError:
        return ''

def kib(path, key):  # a 'Key: N kB' field of /proc/PID/status or /proc/meminfo, or None
    m = re.search(r'^%s:\s+([0-9]+)' % key, readf(path), re.M)
    return m and int(m.group(1))

def figures(text):  # pcload's figures by PCLOAD_RE's names, or None unless it said OK
    if re.search(r'^pcload: OK$', text, re.M):
        return {k: float(v) for k, rx in PCLOAD_RE.items() for v in rx.findall(text)[:1]}

def poll(what, secs, step=0.02):  # call what() until it is true, for at most secs seconds
    end = time.monotonic() + secs
    while not what() and time.monotonic() < end:
        time.sleep(step)
    return what()

def listens(pid, fifo, port):  # the port on 127.0.0.1 takes connections, or pid has fifo open
    try:
        if port:
            return socket.create_connection(('127.0.0.1', port), 0.2).close() or True
        fds = ['/proc/%d/fd/%s' % (pid, fd) for fd in os.listdir('/proc/%d/fd' % pid)]
        return any(os.path.samefile(fd, fifo) for fd in fds if os.path.exists(fd))
    except OSError:
        return False

def cpu_use(secs=1.0):  # % of a CPU the machine used over secs, and the processes over 10%
    def sample():  # all ticks, idle ones, and each process's utime + stime (after its name)
        cpu = [int(x) for x in readf('/proc/stat').split()[1:11]]
        stats = [readf('/proc/%s/stat' % p) for p in os.listdir('/proc') if p.isdigit()]
        return sum(cpu), cpu[3] + cpu[4], {s[:s.rindex(')')]: sum(map(int, s[s.rindex(
            ')') + 2:].split()[11:13])) for s in stats if ')' in s}
    (t0, i0, p0), _, (t1, i1, p1) = sample(), time.sleep(secs), sample()
    pct = os.sysconf('SC_CLK_TCK') * secs / 100.0  # ticks in 1% of a CPU
    busy = ['%s %.0f%%' % (k.split('(', 1)[1], (v - p0.get(k, v)) / pct)
            for k, v in p1.items() if v - p0.get(k, v) >= 10 * pct]
    return 100.0 * os.cpu_count() * (t1 - t0 - i1 + i0) / max(1, t1 - t0), ', '.join(busy) or 'none'

def wait_quiet(secs):  # up to secs for 5 s in a row under 20% of a CPU in use; how it went
    t0, quiet = time.monotonic(), 0
    while quiet < 5 and time.monotonic() - t0 < secs:
        use = cpu_use()[0]
        quiet = quiet + 1 if use < 20 else 0
    return '%s after %.0f s: %.0f%% of a CPU in use' % (
        'quiet' if quiet >= 5 else 'still busy', time.monotonic() - t0, use)


class Bench:
    """One run of the benchmarks: programs, scratch space, results."""
    def __init__(self, opt):
        self.opt, self.procs, self.failures, self.daemons = opt, [], [], dict(opt.daemon)
        self.size = SIZES['smoke' if opt.smoke else 'full']
        self.irc = ['ngircd'] * bool(shutil.which('ngircd'))  # a contender where installed
        self.res, self.rate_ok = {s: [] for s in SCENARIOS + ['profiles']}, {}
        # tmpfs: readers' output and FIFOs wait for no disk.  0755: pipechatd refuses an ini in
        # a directory others may write, and ngircd, as nobody, reads its own.
        self.tmp = tempfile.mkdtemp(prefix='pcbench.', dir='/dev/shm')
        os.chmod(self.tmp, 0o755)
    def path(self, *parts):
        os.makedirs(os.path.dirname(p := os.path.join(self.tmp, *parts)), exist_ok=True)
        return p
    def spawn(self, argv, out=os.devnull, err=None):  # stopped at the end at the latest
        with open(out, 'wb') as o, open(err or os.devnull, 'wb') as e:
            self.procs.append(subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL,
                                               stdout=o, stderr=e if err else subprocess.STDOUT))
        return self.procs[-1]
    def stop(self, *procs, sig=signal.SIGTERM, secs=60):  # signal (or not), wait, SIGKILL
        for p in procs:
            if sig:
                p.send_signal(sig)  # nothing if it has ended
            try:
                p.wait(secs)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            self.procs.remove(p)
    def fail(self, what, logfile=os.devnull):  # said, and in the exit status
        log('FAILED: %s\n%s' % (what, ''.join(readf(logfile).splitlines(True)[-15:])))
        self.failures.append(what)
    def server(self, who, d, out=os.devnull, wrap=(), start=True):
        # Once it listens: its process and pcload's options to reach it (start=False: its command).
        with socket.socket() as s, open(self.path(d, 'server.conf'), 'w') as f:
            s.bind(('127.0.0.1', 0))  # a free port
            fifo, port, mc = self.path(d, 'pipechat.fifo'), s.getsockname()[1], self.max_clients
            if who == 'ngircd':
                f.write(IRC_CONF % (port, self.path(d, 'conf.d')))
                argv, target = ['ngircd', '-n', '-f', f.name], ['-I', '127.0.0.1:%d' % port]
            else:  # no rate limit, if the daemon knows the key: then older daemons compare too
                f.write('[fifo]\npath = %s\nmode = 0620\n[session]\nmax_clients = %d\nmax_per_'
                        'user = %d\n%s' % (fifo, mc, mc, 'rate = 0\n' * self.rate_ok.get(who, 1)))
                argv, target = list(wrap) + [self.daemons[who], '-f', f.name], ['-p', fifo]
        if not start:
            return argv, target
        p, port = self.spawn(argv, out, self.path(d, 'stderr')), port * (who == 'ngircd')
        if not poll(lambda: p.poll() is not None or listens(p.pid, fifo, port), 60) \
                or p.poll() is not None:
            self.stop(p)
            raise Failed('%s did not start: %s' % (who, readf(self.path(d, 'stderr'))[-300:]))
        return p, target
    def pcload(self, args, logfile):  # run pcload: its figures, or None (a failure, recorded)
        self.stop(self.spawn([self.opt.pcload] + args, logfile), sig=None, secs=600)
        if (res := figures(readf(logfile))) is None:
            self.fail('pcload ' + ' '.join(map(str, args)), logfile)
        return res
    def each(self, sec, configs, order, run, rounds=None):
        # Each config each round, the contenders' order rotating; run() -> figures, in res[sec].
        for rnd, cfg in itertools.product(range(rounds or self.opt.rounds), configs):
            whos = order[rnd % len(order):] + order[:rnd % len(order)]
            log('%s, round %d, %s: %s' % (sec, rnd + 1, cfg, ' '.join(whos)))
            for who in whos:
                res = run(who, self.path(sec, '.'.join(map(str, [who, rnd, *cfg.values()]))), **cfg)
                if res:
                    self.res[sec].append(dict(res, who=who, round=rnd, **cfg))

    def ingest(self):  # raw writers into a FIFO, its one reader copying it: pipechatd, cat, socat
        order, per = list(self.daemons) + ['cat'] + ['socat'] * bool(shutil.which('socat')), {}
        def run(who, logfile, writers, m=None):
            m, out = m or self.size['ingest'] // writers, logfile + '.out'
            if who in self.daemons:
                p, (_, fifo) = self.server(who, 'ingest/' + who, out)
            elif not os.path.exists(fifo := self.path('ingest', who + '.fifo')):
                os.mkfifo(fifo, 0o600)
            # Ours from before the reader's open to the end: no reader sees end of file.
            hold = os.open(fifo, os.O_RDWR)  # (on Linux a FIFO opens so at once)
            if who not in self.daemons:
                p = self.spawn(['cat', fifo] if who == 'cat' else ['socat', '-u', '-b', 65536,
                               'OPEN:%s,rdonly' % fifo, '-'], out, logfile + '.err')
                poll(lambda: listens(p.pid, fifo, None), 10)  # up: the time is the reader's only
            res = self.pcload(['-p', fifo, '-b', MSG, '-P', p.pid, '-t', 300, '-r', writers, '-m',
                               m] + ['-c', '%s:%d' % (out, writers * m * per.get(who, 0))] * (
                                   who in per), logfile)
            os.close(hold)  # cat ends at end of file; pipechatd writes out what it read, and exits
            self.stop(p, sig=signal.SIGTERM if who in self.daemons else None, secs=10)
            per.setdefault(who, os.path.getsize(out) / m)  # the first run: calibration
            os.unlink(out)
            return res and dict(res, lines=writers * m)
        for who in order:  # the bytes a reader writes per line: pipechatd adds a prefix
            run(who, self.path('ingest', who + '.calib'), 1, 4)
            if not per[who] or per[who] % 1:
                raise Failed('%s wrote %g bytes a line' % (who, per[who]))
        self.each('ingest', [dict(writers=r) for r in self.size['writers']], order, run)

    def fanout(self):  # one server each for all the rounds; window 1: one sender, idle latency
        order, target = list(self.daemons) + self.irc, {}
        for who in order:
            p, target[who] = self.server(who, 'fan/' + who)
            target[who] += ['-P', p.pid, '-b', MSG, '-l', '-t', 300]
        def run(who, logfile, sessions, window):
            s = min(sessions, SENDERS) if window > 1 else 1
            m = max(2, self.size['deliveries'][WINDOWS.index(window)] // (s * (sessions - 1)))
            res = self.pcload(target[who] + ['-n', sessions, '-S', s, '-m', m, '-W', window]
                              + ['-i', LAT_US] * (window == 1), logfile)
            return res and dict(res, msgs=s * m)  # messages sent
        self.each('fanout', [dict(sessions=n, window=w) for n in self.size['fan']
                             for w in WINDOWS], order, run)
        self.stop(*self.procs)

    def memory(self):
        def run(who, logfile, sessions):
            # 10 sessions say 10 messages (each queue and buffer used once); while pcload holds
            # them all, the server's memory and the kernel's slab.
            if who == 'ngircd' and sessions != self.mem_sessions[0]:
                return None  # ngircd for reference, at the first count only
            p, target = self.server(who, 'mem/' + who)
            time.sleep(0.5)
            status, slab0 = '/proc/%d/status' % p.pid, kib('/proc/meminfo', 'Slab')
            row = dict(rss_idle=kib(status, 'VmRSS'))
            lp = self.spawn([self.opt.pcload] + target + ['-n', sessions, '-S', min(sessions, 10),
                            '-m', 10, '-b', MSG, '-W', 1, '-H', 300, '-t', 300], logfile)
            if poll(lambda: lp.poll() is not None or 'pcload: holding' in readf(logfile), 300,
                    0.1) and lp.poll() is None:
                time.sleep(0.5)
                row.update(rss=kib(status, 'VmRSS'), hwm=kib(status, 'VmHWM'),
                           slab=kib('/proc/meminfo', 'Slab') - slab0)
            self.stop(lp, sig=signal.SIGUSR1)  # pcload leaves, checks and exits
            self.stop(p)
            if (res := figures(readf(logfile)) if 'rss' in row else None) is None:
                return self.fail('memory: %s with %d sessions' % (who, sessions), logfile)
            return dict(res, growth=row['rss'] - row['rss_idle'], **row)
        # Up to 3 rounds: memory varies little, and 10,000 sessions take a while.
        self.each('memory', [dict(sessions=n) for n in self.mem_sessions],
                  list(self.daemons) + self.irc, run, min(self.opt.rounds, 3))

    def start(self):  # pcstart; -R (READY=1) only for a daemon built with libsystemd
        argv, rx = {}, re.compile(r'^pcstart: run 1: exec->open ([0-9-]+)[ us]*, exec->READY '
                                  r'([0-9-]+)[ us]*, VmRSS ([0-9-]+) KiB$', re.M)
        for who in list(self.daemons) + self.irc:
            cmd, target = self.server(who, 'start/' + who, start=False)
            argv[who] = ['-R'] * (who in self.daemons and 'libsystemd' in sh('ldd', cmd[0])) + [
                '-T' if who == 'ngircd' else '-p', target[1], '--'] + cmd
        def run(who, logfile):
            if not (m := rx.search(text := sh(self.opt.pcstart, '-n', 1, *argv[who]))):
                return self.fail('start-up: %s: %s' % (who, text.strip()[-300:]))
            return {k: None if v == '-' else float(v)
                    for k, v in zip(['open_us', 'ready_us', 'rss'], m.groups())}
        self.each('start', [{}], list(argv), run, 2 if self.opt.smoke else 4 * self.opt.rounds)

    def profile(self):  # callgrind (the event loop's instructions), perf cpu-clock (all the time)
        def run(who, logfile, tool, load):
            cg, out = tool == 'callgrind', logfile + '.out'
            p, target = self.server(who, logfile + '.d', wrap=['valgrind', '--tool=callgrind',
                                    '--toggle-collect=event_base_loop', '--callgrind-out-file='
                                    + out] * cg)
            if not cg:  # perf attaches to the daemon
                rec = self.spawn(['perf', 'record', '-q', '-e', 'cpu-clock', '-F', 4999, '-p',
                                  p.pid, '-o', out], logfile + '.perf')
                time.sleep(0.5)
            m = self.size['profile'] * (1 if cg else 25)  # valgrind is slow
            self.pcload(target + ['-b', MSG, '-t', 600] + (
                ['-n', 100, '-S', 10, '-m', m, '-W', WINDOWS[0]] if load == 'fanout'
                else ['-r', 16, '-m', m * 250]), logfile)
            if not cg:
                self.stop(rec, sig=signal.SIGINT)  # perf writes its file on SIGINT
            self.stop(p)
            text = sh('callgrind_annotate', '--inclusive=no', out) if cg else sh(
                'perf', 'report', '-i', out, '--stdio', '--no-children', '--sort', 'sym')
            return dict(top=[[float(a), re.sub(r'[^\s\[]*/', '', b)]  # no directories
                             for a, b in re.findall(r'^ *[0-9,]* +\(? *([0-9.]+)%\)? +(.*\S)',
                                                    text, re.M) if 'PROGRAM TOTALS' not in b][:10])
        tools = ['callgrind'] * bool(shutil.which('callgrind_annotate')) + \
            ['perf'] * bool(shutil.which('perf'))  # a perf that cannot record shows nothing
        self.each('profiles', [dict(tool=t, load=lo) for lo in ('fanout', 'ingest') for t in tools],
                  list(self.daemons), run, 1)

    def run(self):  # the scenarios, and around them the machine table
        big, nofile = max(self.size['mem']), resource.RLIMIT_NOFILE
        try:  # 2 fds a session, here and in the daemon (100 in a profile); a higher hard
            resource.setrlimit(nofile, (max(2 * big + 100, 1024),) * 2)  # limit: CAP_SYS_RESOURCE
        except (ValueError, OSError):  # then the most sessions that fit
            resource.setrlimit(nofile, (resource.getrlimit(nofile)[1],) * 2)
        fit = min(big, (resource.getrlimit(nofile)[1] - 64) // 20 * 10)  # pipechatd's sessions
        self.mem_sessions, self.max_clients = [min(n, fit) for n in self.size['mem']], fit + 1100
        for who, path in self.daemons.items():  # rate = 0 only where pipechatd -n takes it
            self.rate_ok[who] = subprocess.run([path, '-n', '-f', self.server(
                who, 'probe/' + who, start=False)[0][-1]], capture_output=True).returncode == 0
        m = {k: ' '.join(sh('sh', '-c', cmd).split()) for k, cmd in MACHINE.items()}
        m['open files'] += '' if fit == big else ': %d sessions ran, not %d' % (fit, big)
        m.update({'daemon ' + k: '`%s`: %s; `[session] rate = 0` %s' % (v, sh(v, '-V').strip(
        ), 'set' if self.rate_ok[k] else 'unknown, left out') for k, v in self.daemons.items()})
        m['before the run'] = wait_quiet(self.opt.wait) if self.opt.wait else 'not waited for'
        noise = [cpu_use()[1], ' '.join(readf('/proc/loadavg').split()[:3])]  # the start's
        log('%s, %s; %d round(s) into %s' % (m['CPU'], m['system'], self.opt.rounds, self.opt.out))
        for s in self.opt.scenarios + ['profile'] * self.opt.profile:
            try:
                getattr(self, s)()
            except (Failed, OSError) as e:  # the scenario ends here; the others run
                self.fail('%s: %s' % (s, e))
                self.stop(*self.procs)
        m['processes over 10% of a CPU'], m['load average'] = (
            '%s at the start, %s at the end' % x for x in zip(noise, [
                cpu_use()[1], ' '.join(readf('/proc/loadavg').split()[:3])]))
        m['commit'] = sh('git', '-C', os.path.dirname(__file__), 'describe', '--always',
                         '--dirty').strip()
        self.res.update(machine=m, failures=self.failures, daemons=list(self.daemons),
                        rounds=self.opt.rounds, smoke=self.opt.smoke, size=self.size,
                        mem_sessions=self.mem_sessions, command=self.opt.command,
                        date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))


# The report: BENCHMARKS.md, from the results.
INTRO = """Written by `bench/bench.py` on %(date)s: `%(command)s`. Every figure is the median of
%(rounds)d rounds, the contenders one after the other in each, in an order that rotates from round
to round. A ratio is the median of the per-round ratios, their range in brackets (where it spans
1.0x, this run does not tell the two apart). CPU per line, busy / waiting (on a CPU / runnable, %%
of the run): the server's and pcload's (`/proc/PID/schedstat`). How it all runs: bench/README.md.
Targets: ingest time <= 1.0x cat's; fan-out msgs/s >= 3x ngircd's at 100 sessions, window 128;
p99 <= 200 us at window 1, 10 sessions; VmRSS <= 4 MiB idle, <= 64 MiB at 10,000 sessions.
"""

def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None

def fmt(spec, v):
    return '-' if v is None else spec % v

def span(v, spec, unit=''):  # the median of v and, in brackets, its range: the noise
    return (spec + unit + ' (' + spec + '-' + spec + ')') % (med(v), min(v), max(v)) if v else '-'

def table(head, rows):
    return ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)] + \
        ['| ' + ' | '.join(map(str, row)) + ' |' for row in rows] + ['']


class Query:
    """The runs of one results.json."""
    def __init__(self, res):
        self.res, self.daemons = res, res['daemons']
    def rows(self, sec, **f):
        return [x for x in self.res.get(sec, []) if all(x.get(k) == v for k, v in f.items())]
    def vals(self, sec, key, per=None, scale=1, **f):  # key times scale, over per if given
        return [scale * x[key] / (x[per] if per else 1) for x in self.rows(sec, **f)
                if x.get(key) is not None and (per is None or x.get(per))]
    def med(self, sec, key, per=None, scale=1, **f):
        return med(self.vals(sec, key, per, scale, **f))
    def ratios(self, sec, key, b, who, **f):  # who's key over b's, in each round that ran both
        by = {}
        for x in self.rows(sec, **f):
            by.setdefault(x['round'], {})[x['who']] = x.get(key)
        return [r[who] / r[b] for r in by.values() if r.get(who) is not None and r.get(b)]
    def configs(self, sec, keys):  # the configurations (writers, sessions...) that ran, in order
        return [dict(zip(keys, c)) for c in dict.fromkeys(tuple(x[k] for k in keys)
                                                          for x in self.rows(sec))]
    def whos(self, sec, **f):
        order = self.daemons + ['cat', 'socat', 'ngircd']
        return sorted({x['who'] for x in self.rows(sec, **f)}, key=order.index)


# A column: its head, and its cell for a contender's runs in one configuration (f).
def col(head, key, spec='%.0f', per=None, scale=1):
    return head, lambda q, sec, f: fmt(spec, q.med(sec, key, per, scale, **f))

def vs(head, key, b, spec='%.2f', unit='x'):  # b=None: not a ratio, key's own range
    return head, lambda q, sec, f: span(q.ratios(sec, key, b, **f) if b else
                                        q.vals(sec, key, **f), spec, unit)

def cpu(who, side, per, t):  # side's CPU per line (per), and busy / waiting in % of the time t
    return [col(who + ' CPU per line', side + '_cpu', '%.2f us', per, 1e6),
            (who + ' busy / waiting', lambda q, sec, f: '%s / %s' % tuple(
                fmt('%.0f%%', q.med(sec, side + k, t, 100, **f)) for k in ('_cpu', '_wait')))]

MIB = 1 / 1024.0  # KiB to MiB
SECTIONS = [  # section of the results, title, configuration, figures compared, columns
    ('ingest', 'Ingest: raw writers into the FIFO, one reader', ['writers'], {'drained': 'time'},
     [vs('time (range)', 'drained', None, '%.3f', ' s'), vs("time / cat's", 'drained', 'cat'),
      col('lines/s', 'lines', '%.0f', 'drained')] + cpu('reader', 'server', 'lines', 'drained')
     + cpu('pcload', 'pcload', 'lines', 'drained')),
    ('fanout', 'Fan-out: some send, all receive; window 1: idle latency, one message a ms',
     ['sessions', 'window'], {'rate': 'msgs/s', 'p99': 'p99'},
     [col('delivered msgs/s', 'rate'), vs('vs ngircd', 'rate', 'ngircd'),
      col('p50', 'p50', '%.0f us'), col('p99', 'p99', '%.0f us')]
     + cpu('server', 'server', 'delivered', 'wall') + cpu('pcload', 'pcload', 'delivered', 'wall')
     + [col('run-queue wait per message', 'server_wait', '%.1f us', 'msgs', 1e6),
        col('join time', 'joined', '%.3f s')]),
    ('memory', 'Memory: pcload holds N sessions', ['sessions'], {'rss': 'VmRSS'},
     [col('VmRSS idle', 'rss_idle', '%.2f MiB', None, MIB), col('VmRSS', 'rss', '%.2f MiB', None,
      MIB), col('per session', 'growth', '%.2f KiB', 'sessions'), col('VmHWM', 'hwm', '%.2f MiB',
      None, MIB), col('kernel slab growth', 'slab', '%.2f MiB', None, MIB),
      col('per session', 'slab', '%.1f KiB', 'sessions')]),
    ('start', 'Start-up: exec to listening (pcstart)', [], {'open_us': 'exec -> FIFO open'},
     [vs('exec -> FIFO open / port up (range)', 'open_us', None, '%.0f', ' us'),
      col('exec -> READY=1', 'ready_us', '%.0f us'), ('runs', lambda q, sec, f: len(q.rows(
          sec, **f))), col('VmRSS then', 'rss', '%.2f MiB', None, MIB)])]

def compare(q):  # every daemon against the first, round by round
    a, rows = q.daemons[0], []
    for sec, title, keys, compared, _ in SECTIONS:
        rows += [[b, ', '.join([sec + ' ' + what] + ['%s %s' % kv for kv in f.items()]),
                  span(v, '%.3f', 'x'), len(v)] for f in q.configs(sec, keys)
                 for key, what in compared.items() for b in q.daemons[1:]
                 for v in [q.ratios(sec, key, a, b, **f)] if v]
    return ['## %s against %s' % (', '.join(q.daemons[1:]), a), '', 'Below 1.0x: less time, '
            'fewer messages/s, a lower p99 or less memory than %s.' % a, ''] + table(
        ['daemon', 'figure', 'against %s (range)' % a, 'rounds'], rows)

def sections(q):
    L = []
    for sec, title, keys, _, cols in SECTIONS:
        rows = [list(f.values()) + [who] + [cell(q, sec, dict(f, who=who)) for _, cell in cols]
                for f in q.configs(sec, keys) for who in q.whos(sec, **f)]
        L += ['## ' + title, ''] + table(keys + ['contender'] + [h for h, _ in cols],
                                         rows) if rows else []
    for x in [x for x in q.rows('profiles') if x['top']]:  # self costs: the top entries
        L += ['**Profile: %(who)s, %(tool)s, %(load)s load**' % x, ''] + table(
            ['share', 'function'], [('%.2f%%' % a, '`%s`' % b) for a, b in x['top']])
    return L

def plot(q, png):  # fan-out at the saturating window; True if gnuplot wrote png
    whos = q.whos('fanout')
    return subprocess.run(['gnuplot'], text=True, input='\n'.join([
        'set terminal pngcairo size 1000,600 font ",11"', 'set output "%s"' % png, '$d << EOD'] + [
        '%d %s' % (n, ' '.join(str(q.med('fanout', 'rate', who=w, sessions=n, window=WINDOWS[0])
                                   or 'NaN') for w in whos)) for n in q.res['size']['fan']] + [
        'EOD', 'set title "Fan-out, window %d: delivered msgs/s, medians of %d rounds (%s, %s)"' % (
            WINDOWS[0], q.res['rounds'], q.res['machine']['CPU'], q.res['date']),
        'set xlabel "sessions"; set key top left; set grid ytics; set yrange [0:*]',
        'set style data histograms; set style fill solid 0.8 border -1; set format y "%.1s%c"',
        'plot ' + ', '.join('$d using %d:xtic(1) title "%s"' % (j + 2, w)
                            for j, w in enumerate(whos)), ''])).returncode == 0

def report(res, out):  # BENCHMARKS.md (and bench.png) in directory out; the paths written
    q, png, md = Query(res), os.path.join(out, 'bench.png'), os.path.join(out, 'BENCHMARKS.md')
    res['plot'] = bool(shutil.which('gnuplot') and q.rows('fanout')) and plot(q, png)
    L = ['# pipechat benchmarks', ''] + ['**Smoke run: tiny sizes, meaningless numbers.**',
                                         ''] * res['smoke'] + [INTRO % res]
    L += ['![benchmarks](bench.png)', ''] * res['plot'] + ['## Machine', '']
    L += table(['', ''], res['machine'].items()) + ['**Failed**: %s.' % '; '.join(
        '`%s`' % f for f in res['failures']), ''] * bool(res['failures'])
    L += (compare(q) if len(q.daemons) > 1 else []) + sections(q)
    with open(md, 'w') as f:
        f.write('\n'.join(L))
    return [md] + [png] * res['plot']


def main():
    ap = argparse.ArgumentParser(description='Run the pipechat benchmarks (bench/README.md).')
    ap.error = lambda msg: ap.exit(64, ap.format_usage() + 'bench.py: %s\n' % msg)
    store = dict(action='store_true')  # bench/README.md says what each option does
    for flag, kw in [('--daemon', dict(action='append', required=True, metavar='[NAME=]PATH')),
                     ('--out', dict(required=True)), ('--pcload', {}), ('--pcstart', {}),
                     ('--scenarios', dict(default=','.join(SCENARIOS))), ('--rounds', dict(
                         type=int)), ('--wait', dict(type=int, default=0, metavar='SEC')),
                     ('--smoke', store), ('--profile', store), ('--keep', store)]:
        ap.add_argument(flag, **kw)
    opt = ap.parse_args()
    opt.command = ' '.join(['bench/bench.py'] + sys.argv[1:])
    opt.daemon = [(n or 'pipechatd', os.path.abspath(p))
                  for n, _, p in (d.rpartition('=') for d in opt.daemon)]
    build = os.path.join(os.path.dirname(os.path.dirname(opt.daemon[-1][1])), 'bench')
    opt.pcload = os.path.abspath(opt.pcload or os.path.join(build, 'pcload'))
    opt.pcstart = os.path.abspath(opt.pcstart or os.path.join(build, 'pcstart'))
    opt.scenarios = [s for s in opt.scenarios.split(',') if s]
    opt.rounds = (1 if opt.smoke else 7) if opt.rounds is None else opt.rounds
    names = [n for n, _ in opt.daemon] + ['cat', 'socat', 'ngircd']  # each NAME new, a word
    bad = [n for n in names if names.count(n) > 1 or not re.match(r'^[\w.-]+$', n)]
    bad += [p for p in [p for _, p in opt.daemon] + [opt.pcload, opt.pcstart]
            if not (os.path.isfile(p) and os.access(p, os.X_OK))]  # --pcload, --pcstart
    bad += [s for s in opt.scenarios if s not in SCENARIOS] + [opt.rounds] * (opt.rounds < 1)
    if bad:
        ap.error('not a new NAME, not executable, not of %s: %s' % (','.join(SCENARIOS), bad))
    os.umask(0o022)
    os.environ['PATH'] += ':/usr/sbin:/sbin'  # ngircd
    os.makedirs(opt.out, exist_ok=True)
    for sig in (signal.SIGTERM, signal.SIGINT):  # meson's timeout, ^C: clean up, exit 1
        signal.signal(sig, lambda *_: sys.exit(1))
    b = Bench(opt)
    try:
        b.run()
        with open(os.path.join(opt.out, 'results.json'), 'w') as f:
            json.dump(b.res, f, indent=1)
        log('wrote %s' % ', '.join([f.name] + report(b.res, opt.out)))
    finally:
        b.stop(*b.procs)
        shutil.rmtree(b.tmp, ignore_errors=True) if not opt.keep else log('kept ' + b.tmp)
    return 1 if b.failures else 0


if __name__ == '__main__':
    sys.exit(main())
