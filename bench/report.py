#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""bench/report.py: BENCHMARKS.md and bench.png (with gnuplot) from bench.py's results.

    bench/report.py DIR      # render DIR/results.json again, into DIR
"""
import json, os, shutil, statistics, subprocess, sys

# The prose, each paragraph or list item on one line of the report; %(name)s from the results.
TEXT = {
    'intro': """Written by `bench/bench.py` on %(date)s at commit %(commit)s. Every figure is the
        median of %(rounds)d rounds; in each round the contenders ran one after the other, in an
        order that rotates from round to round, on the same load from the same driver
        (`bench/pcload`: one process, one `poll()` loop). A ratio is the median of the
        per-round ratios, with their range in brackets: both sides of each saw the same minute
        of this shared machine, and where the range spans 1.0x this run cannot tell them apart.
        CPU per line and busy / waiting (the share of the run a process was on a CPU /
        runnable but waiting for one) come from `/proc/PID/schedstat` (`pcload -P`).""",
    'ingest': """R raw writers (one pcload; one `write(2)` a line, as `echo x > FIFO` does)
        write %(ingest_msgs)d lines of %(msg_bytes)d bytes of text into a FIFO whose one reader
        copies them to a file on tmpfs: pipechatd (its standard output), `cat FIFO` or `socat -u
        -b 65536 OPEN:FIFO,rdonly -`. Time: from the first write until the output has every
        byte (`pcload -c`). Lines per wake-up: lines over the times the reader was scheduled.
        pipechatd enlarges its pipe (`[fifo] pipe_size`); cat and socat get the kernel's.""",
    'fanout': """N pipechat sessions (a FIFO pair each) or N IRC clients of ngircd on
        127.0.0.1 in one channel (`pcload -I`); %(fan_senders)d of them (all, if fewer) send,
        everyone else receives every message, checked once and in order. At most W rounds of
        messages in flight (`-W`): %(sat)d saturates, %(light)d is light. Latency: one hop, the
        sender's `write(2)` to another client's `read(2)`. ngircd: no DNS, ident or PAM,
        `MaxPenaltyTime = 0`; pcload re-arms `TCP_QUICKACK` (ngircd sets no `TCP_NODELAY`), so
        ngircd is measured at its best. Below: idle latency, one sender, one message every
        %(lat_us)d us; run-queue wait: how long the server, runnable, waited for a CPU.""",
    'memory': """VmRSS idle and while pcload holds N sessions, after 10 of them said 10 messages
        to all (median of up to 3 rounds). Kernel slab growth: `Slab` in `/proc/meminfo` while
        the sessions were held (two FIFOs each, pcload's ends included; other users of the
        machine move it a little).""",
    'start': """From `execve` to the FIFO having a reader (ngircd: its port accepting) and to
        `READY=1` (`bench/pcstart`); the runs alternate.""",
    'profiles': """Self cost, the top ten: callgrind counts instructions in user space, the
        event loop only; `perf record -e cpu-clock` samples time, the kernel's included. Loads:
        fan-out, 100 sessions, 10 senders, window 128; ingest, 16 raw writers.""",
}


def say(key, **values):
    return '\n'.join(' '.join(p.split()) for p in TEXT[key].split('\n\n')) % values + '\n'


def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


def fmt(spec, v):
    return '-' if v is None else spec % v


def span(v, spec, unit=''):
    """The median of v and, in brackets, its range: the noise next to the figure."""
    return (spec + unit + ' (' + spec + '-' + spec + ')') % (med(v), min(v), max(v)) if v else '-'


def table(head, rows):
    return ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)] + \
        ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows] + ['']


class Q:
    """Medians and ratios over the runs of one results.json."""

    def __init__(self, res):
        self.res, self.daemons = res, list(res['daemons'])

    def rows(self, sec, **f):
        return [x for x in self.res.get(sec, []) if all(x.get(k) == v for k, v in f.items())]

    def vals(self, sec, key, per=None, scale=1, **f):
        """Each run's key, times scale, over the run's per (lines, seconds) if given."""
        return [scale * x[key] / (x[per] if per else 1) for x in self.rows(sec, **f)
                if x.get(key) is not None and (per is None or x.get(per))]

    def med(self, sec, key, per=None, scale=1, **f):
        return med(self.vals(sec, key, per, scale, **f))

    def ratios(self, sec, key, a, b, **f):
        """a's key over b's, in each round that has both."""
        by = {}
        for x in self.rows(sec, **f):
            by.setdefault(x['round'], {})[x['who']] = x.get(key)
        return [v[a] / v[b] for v in by.values() if v.get(a) is not None and v.get(b)]

    def whos(self, sec, **f):
        order = self.daemons + ['cat', 'socat', 'ngircd']
        return sorted({x['who'] for x in self.rows(sec, **f)}, key=order.index)

    def cpu(self, sec, side, per, t, **f):
        """side's (server, pcload) CPU per line, then on a CPU / waiting in % of the time t."""
        return [fmt('%.2f us', self.med(sec, side + '_cpu', per, 1e6, **f)), '%s / %s' % tuple(
            fmt('%.0f%%', self.med(sec, side + k, t, 100, **f)) for k in ('_cpu', '_wait'))]


def targets(q):
    """The targets of issue #1, one row per daemon."""
    s, mem = q.res['size'], q.res['mem_sessions']
    mid, small, big = s['fan'][min(1, len(s['fan']) - 1)], s['fan'][0], max(mem)
    rows = []
    for who in q.daemons:
        ing = [med(q.ratios('ingest', 'drained', who, 'cat', writers=r)) for r in s['writers']]
        idle, rss = q.med('memory', 'rss_idle', who=who), q.med('memory', 'rss', who=who,
                                                                sessions=big)
        at10k = None if None in (idle, rss) else (idle + (rss - idle) * 10000 / big) / 1024
        rows.append([who] + [fmt(spec, v) + ('' if v is None else ': **met**' if ok(v) else
                                             ': **missed**') for v, spec, ok in [
            (max([x for x in ing if x], default=None), '%.2fx', lambda v: v <= 1),
            (med(q.ratios('fanout', 'rate', who, 'ngircd', sessions=mid, mode='sat')), '%.2fx',
             lambda v: v >= 3),
            (q.med('latency', 'p99', who=who, sessions=small), '%.0f us', lambda v: v <= 200),
            (idle and idle / 1024, '%.2f MiB', lambda v: v <= 4),
            (at10k, '%%.2f MiB%s' % ('' if big == 10000 else ' (from %d, scaled)' % big),
             lambda v: v <= 64)]])
    return ['## Targets', ''] + table([
        'daemon', "ingest time <= 1.0x cat's (the worst writer count)",
        "fan-out msgs/s >= 3x ngircd's, %d sessions, window %d" % (mid, q.res['windows']['sat']),
        'p99 <= 200 us idle, %d sessions' % small, 'VmRSS <= 4 MiB idle',
        'VmRSS <= 64 MiB at 10,000 sessions'], rows)


def compare(q):
    """Every daemon against the first, round by round."""
    res, s, a = q.res, q.res['size'], q.daemons[0]
    figs = [('ingest time, %d writers' % r, 'ingest', 'drained', dict(writers=r))
            for r in s['writers']] + \
        [('fan-out msgs/s, %d sessions, window %d' % (n, w), 'fanout', 'rate',
          dict(sessions=n, mode=m)) for n in s['fan'] for m, w in res['windows'].items()] + \
        [('idle latency p99, %d sessions' % n, 'latency', 'p99', dict(sessions=n))
         for n in s['fan']] + \
        [('VmRSS idle', 'memory', 'rss_idle', dict(sessions=res['mem_sessions'][0]))] + \
        [('VmRSS, %d sessions' % n, 'memory', 'rss', dict(sessions=n)) for n in res['mem_sessions']] + \
        [('start-up, exec -> FIFO open', 'start', 'open_us', {})]
    rows = [[b, what, span(v, '%.3f', 'x'), len(v)] for b in q.daemons[1:] for what, sec, key, f
            in figs for v in [q.ratios(sec, key, b, a, **f)] if v]
    return ['## %s against %s' % (', '.join(q.daemons[1:]), a), '', 'Below 1.0x: less time, '
            'fewer messages/s or less memory than %s.' % a, ''] + \
        table(['daemon', 'figure', 'against %s (range)' % a, 'rounds'], rows)


def sections(q):
    res, s, win, L = q.res, q.res['size'], q.res['windows'], []
    rows = [[r, who, span(q.vals('ingest', 'drained', **f), '%.3f', ' s'),
             fmt('%.0f', q.med('ingest', 'lines', 'drained', **f))] +
            q.cpu('ingest', 'server', 'lines', 'drained', **f) +
            [fmt('%.0f', q.med('ingest', 'lines', 'server_runs', **f))] +
            q.cpu('ingest', 'pcload', 'lines', 'drained', **f)[1:] +
            [fmt('%.0f KiB', q.med('ingest', 'pipe', None, 1 / 1024, **f)),
             span(q.ratios('ingest', 'drained', who, 'cat', writers=r), '%.2f', 'x')]
            for r in s['writers'] for who in q.whos('ingest', writers=r)
            for f in [dict(who=who, writers=r)]]
    if rows:
        L += ['## Ingest', '', say('ingest', msg_bytes=res['msg_bytes'], **s)] + table(
            ['writers', 'reader', 'time (range)', 'lines/s', 'reader CPU per line',
             'reader busy / waiting', 'lines per wake-up', 'pcload busy / waiting', 'pipe',
             "time / cat's"], rows)
    rows = [[n, win[m], who, fmt('%.0f', q.med('fanout', 'rate', **f)),
             '' if who == 'ngircd' else span(q.ratios('fanout', 'rate', who, 'ngircd',
                                                      sessions=n, mode=m), '%.2f', 'x'),
             '%s / %s us' % tuple(fmt('%.0f', q.med('fanout', p, **f)) for p in ('p50', 'p99'))] +
            q.cpu('fanout', 'server', 'delivered', 'wall', **f) +
            q.cpu('fanout', 'pcload', 'delivered', 'wall', **f)
            for n in s['fan'] for m in win for who in q.whos('fanout', sessions=n, mode=m)
            for f in [dict(who=who, sessions=n, mode=m)]]
    if rows:
        L += ['## Fan-out', '', say('fanout', sat=win['sat'], light=win['light'], **res)] + table(
            ['sessions', 'window', 'server', 'delivered msgs/s', 'vs ngircd (range)',
             'p50 / p99', 'server CPU per line', 'server busy / waiting',
             'pcload CPU per line', 'pcload busy / waiting'], rows)
    rows = [[n, who] + [fmt('%.0f us', q.med('latency', p, **f)) for p in ('p50', 'p99')] +
            [fmt('%.1f us', q.med('latency', k, 'msgs', 1e6, **f)) for k in ('server_cpu',
                                                                            'server_wait')] +
            [fmt('%.3f s', q.med('latency', 'joined', **f))]
            for n in s['fan'] for who in q.whos('latency', sessions=n)
            for f in [dict(who=who, sessions=n)]]
    L += table(['sessions', 'server', 'p50', 'p99', 'server CPU per message',
                'run-queue wait per message', 'join time'], rows) if rows else []
    mib = lambda k, **f: fmt('%.2f MiB', q.med('memory', k, None, 1 / 1024, **f))  # noqa: E731
    rows = [[who, n, mib('rss_idle', **f), mib('rss', **f),
             fmt('%.2f KiB', med(x['rss'] / n - x['rss_idle'] / n for x in q.rows('memory', **f))),
             mib('hwm', **f), mib('slab', **f), fmt('%.1f KiB', q.med('memory', 'slab', **f) and
                                                    q.med('memory', 'slab', **f) / n),
             fmt('%.2f s', q.med('memory', 'joined', **f))]
            for who in q.whos('memory') for n in res['mem_sessions']
            for f in [dict(who=who, sessions=n)] if q.rows('memory', **f)]
    if rows:
        L += ['## Memory', '', say('memory')] + table(
            ['server', 'sessions', 'VmRSS idle', 'VmRSS', 'per session', 'VmHWM',
             'kernel slab growth', 'per session', 'join time'], rows)
    rows = [[who, span(q.vals('start', 'open_us', who=who), '%.0f', ' us'),
             fmt('%.0f us', q.med('start', 'ready_us', who=who)),
             fmt('%.2f MiB', q.med('start', 'rss', None, 1 / 1024, who=who)),
             len(q.rows('start', who=who))] for who in q.whos('start')]
    if rows:
        L += ['## Start-up', '', say('start')] + table(
            ['daemon', 'exec -> FIFO open / port up (range)', 'exec -> READY', 'VmRSS then',
             'runs'], rows)
    return L


def profiles(q):
    L = []
    for who in q.daemons:
        for load in ('fanout', 'ingest'):
            tops = [x for x in q.rows('profiles', who=who, load=load) if x['top']]
            L += ['**%s, %s load**' % (who, load), ''] + table(
                sum(([x['tool'], 'self cost'] for x in tops), []),
                [sum((['%.2f%%' % x['top'][i][0], '`%s`' % x['top'][i][1]] if i < len(x['top'])
                      else ['', ''] for x in tops), []) for i in range(10)]) if tops else []
    return ['## Profiles', '', say('profiles')] + L if L else [
        '## Profiles', '', 'Not run (`bench/bench.py --profile` runs them).', '']


def plot(q, png):
    """Four panels of medians with gnuplot, if installed; True if png was written."""
    if not shutil.which('gnuplot'):
        return False
    res, s, gp = q.res, q.res['size'], []
    panels = [  # title, x axis, x values, [(contender, y values)]
        ('Ingest: lines/s (higher is better)', 'writers', s['writers'],
         [(w, [q.med('ingest', 'lines', 'drained', who=w, writers=r) for r in s['writers']])
          for w in q.whos('ingest')]),
        ('Fan-out, window %d: delivered msgs/s (higher is better)' % res['windows']['sat'],
         'sessions', s['fan'], [(w, [q.med('fanout', 'rate', who=w, sessions=n, mode='sat')
                                     for n in s['fan']]) for w in q.whos('fanout')]),
        ('Idle latency p99, us, log scale (lower is better)', 'sessions', s['fan'],
         [(w, [q.med('latency', 'p99', who=w, sessions=n) for n in s['fan']])
          for w in q.whos('latency')]),
        ('VmRSS, MiB (lower is better)', 'sessions', ['idle'] + res['mem_sessions'],
         [(w, [q.med('memory', 'rss_idle', None, 1 / 1024, who=w)] + [q.med(
             'memory', 'rss', None, 1 / 1024, who=w, sessions=n) for n in res['mem_sessions']])
          for w in q.whos('memory')])]
    for i, (title, xlabel, xs, series) in enumerate(p for p in panels if p[3]):
        gp += ['$d%d << EOD' % i] + ['"%s" %s' % (x, ' '.join(fmt('%g', v[j]).replace('-', 'NaN')
                                                            for _, v in series))
                                     for j, x in enumerate(xs)] + ['EOD']
        gp += ['set title "%s"' % title, 'set xlabel "%s"' % xlabel,
               ('set logscale y; set yrange [1:*]' if 'log' in title else
                'unset logscale y; set yrange [0:*]'),
               'plot ' + ', '.join('$d%d using %d:xtic(1) title "%s"' % (i, j + 2, w)
                                   for j, (w, _) in enumerate(series))]
    r = subprocess.run(['gnuplot'], text=True, capture_output=True, input='\n'.join([
        'set terminal pngcairo size 1400,1000 font ",11"', 'set output "%s"' % png,
        'set multiplot layout 2,2 title "pipechat benchmarks: %s, %s, %s (medians of %d rounds)"'
        % (res['machine']['CPU'], res['machine']['system'], res['date'], res['rounds']),
        'set style data histograms', 'set style histogram clustered gap 1', 'set grid ytics',
        'set style fill solid 0.8 border -1', 'set key top left', 'set format y "%.1s%c"']
        + gp + ['unset multiplot', '']))
    if r.returncode != 0:
        print('bench: gnuplot: ' + r.stderr, file=sys.stderr)
    return r.returncode == 0


def markdown(q):
    res = q.res
    L = ['# pipechat benchmarks', ''] + [
        '**Smoke run (tiny sizes): these numbers mean nothing.**', ''] * res['smoke'] + [
        say('intro', **res)] + ['![benchmarks](bench.png)', ''] * res['plot'] + [
        '## Reproduce', '', '```sh',
        'tools/install-deps --bench   # ngircd, socat, gnuplot, valgrind',
        'bench/refresh                # release build, every scenario, docs/BENCHMARKS.md',
        '```', '', 'This report: `%s`. Its programs:' % res['command'], '']
    L += table(['name', 'path', 'version', '`[session] rate = 0`'], [
        [k, '`%s`' % v['path'], v['version'], 'set' if v['rate_zero'] else 'not a key here']
        for k, v in res['daemons'].items()])
    L += ['## Machine', ''] + table(['', ''], res['machine'].items())
    L += ['**%d run(s) failed**: %s.' % (len(res['failures']), '; '.join(
        '`%s`' % f for f in res['failures'])), ''] * bool(res['failures'])
    L += targets(q) + (compare(q) if len(q.daemons) > 1 else []) + sections(q) + profiles(q)
    return '\n'.join(L)


def write(res, out):
    """BENCHMARKS.md (and bench.png) in directory out; the paths written."""
    png, md = os.path.join(out, 'bench.png'), os.path.join(out, 'BENCHMARKS.md')
    res['plot'] = plot(Q(res), png)
    with open(md, 'w') as f:
        f.write(markdown(Q(res)))
    return [md] + [png] * res['plot']


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: bench/report.py DIR   (DIR/results.json from bench/bench.py)')
    with open(os.path.join(sys.argv[1], 'results.json')) as f:
        print('\n'.join(write(json.load(f), sys.argv[1])))
