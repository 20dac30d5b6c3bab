#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""bench/report.py: BENCHMARKS.md and bench.png from bench.py's results.json.

    bench/report.py DIR      # render DIR/results.json again, into DIR

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

# The report's prose, one paragraph each; %(name)s from the results.
TEXT = {
    'intro': """Written by `bench/bench.py` on %(date)s, at commit %(commit)s.
        Every figure is the median of %(rounds)d rounds. In each round the
        contenders ran one after the other, in an order that rotates from round
        to round, on the same load from the same driver (`bench/pcload`: one
        process, one `poll()` loop). A ratio is the median of the per-round
        ratios, so both sides of it saw the same minute of this shared machine.""",
    'compare': """The median of the per-round ratios: below 1.0x is less time,
        fewer messages/s or less memory than %(first)s. The per-round range
        shows the noise: where it spans 1.0x, this run does not tell the two
        apart.""",
    'ingest': """R raw writers (one pcload process, each writing as `echo x >
        FIFO` or `pipechat-client -r` do) write %(ingest_msgs)d lines in all,
        %(msg_bytes)d bytes of text each, one `write(2)` a line, into a FIFO whose one reader writes what it reads to a file on
        tmpfs: pipechatd (its standard output), `cat FIFO` or `socat -u -b 65536
        OPEN:FIFO,rdonly -`. Time: from the first write until the output has its
        full size (`pcload -c`; the bytes each reader writes per line are
        measured first). A writer holds the FIFO open throughout, for every
        reader alike. Busy / waiting: the share of that time the reader (or
        pcload) was on a CPU / runnable but waiting for one
        (`/proc/PID/schedstat`). Lines per wake-up: lines over the times the
        reader was put on a CPU. pipechatd enlarges its FIFO's pipe (`[fifo]
        pipe_size`); cat and socat get the kernel's default.""",
    'fanout': """N pipechat sessions (the real protocol, a FIFO pair each), or N
        IRC clients of ngircd on 127.0.0.1 in one channel (`pcload -I`), driven
        by the same pcload. %(fan_senders)d of them (all, if fewer) send
        %(msg_bytes)d-byte texts; everyone else receives every one, and each run
        checks that every message arrived once and in order. At most W rounds of
        messages are in flight (`pcload -W`): W=%(sat_w)d saturates both
        servers, W=%(light_w)d is a light load; about %(sat)d or %(light)d
        deliveries per run. ngircd: no DNS, ident or PAM, `MaxPenaltyTime = 0`,
        no connection limits. Latency is one hop, the sender's `write(2)` to
        another client's `read(2)`. CPU per line and busy / waiting:
        `/proc/PID/schedstat` over the sending (`pcload -P`).""",
    'latency': """Idle one-hop latency: one sender, one message at a time (`-W
        1`), one every %(lat_interval_us)d us, to all the others. Run-queue
        wait: how long the server, runnable, waited for a CPU, per message. Join
        time: all the sessions (or IRC clients, at most 8 registering at once)
        in.""",
    'memory': """VmRSS idle (no session) and while pcload holds N sessions,
        after 10 of them have each said 10 messages to all (every session's
        queue and read buffer used once); median of up to 3 rounds. Kernel
        memory is not in the RSS: "kernel slab growth" is the growth of `Slab`
        in `/proc/meminfo` while the sessions were held (each session is two
        FIFOs; pcload's ends count too, and other users of the machine move it
        a little).""",
    'pipes': """Each pipe holds up to %(psz)d bytes (`F_GETPIPE_SZ`), taken a
        page at a time while data waits in it: %(big)d sessions could pin
        %(pin).0f MiB if every pipe were full, and little when they are empty.
        Root's pipes are exempt from `fs.pipe-user-pages-soft` (%(soft)s
        pages); an unprivileged user's pipes past it get 2 pages.""",
    'start': """From `execve` (timestamped in the child just before it) to the
        FIFO having a reader and to `READY=1` on `$NOTIFY_SOCKET`
        (`bench/pcstart`); for ngircd, to its port accepting a connection; the
        runs alternate.""",
    'profiles': """`perf stat -e instructions`: %(hw)s. callgrind counts
        instructions in user space, the event loop only
        (`--toggle-collect=event_base_loop`); `perf record -e cpu-clock` samples
        time, the kernel included. Loads: fan-out, 100 sessions, 10 senders,
        window 128; ingest, 16 raw writers.""",
    'bound_ingest': """- **Ingest**, %(who)s at %(r)d writers: CPU per line %(cpu)s
        (cat %(cat_cpu)s), lines per wake-up %(wake)s (cat %(cat_wake)s), on a CPU
        / waiting for one %(busy)s of the run (a reader near 100%% is the
        bottleneck, and its CPU per line sets the time).%(prof)s""",
    'bound_fanout': """- **Fan-out**, %(who)s at %(n)d sessions saturated: on a
        CPU / waiting for one %(busy)s, pcload %(pcload)s; ngircd %(irc)s (a side
        near 100%% is saturated and sets the rate; two sides well under it take
        turns). CPU per delivered line %(cpu)s, ngircd %(irc_cpu)s.%(prof)s""",
    'bound_latency': """- **Idle latency**, %(who)s at %(n)d sessions: CPU per
        message %(cpu)s, run-queue wait per message %(wait)s (runnable, waiting
        for a CPU: on a shared machine, the tail); ngircd's p99 %(irc)s in the
        same rounds.""",
    'notes': """- pcload and the servers share the %(ncpu)d cores (with whatever
        else runs here, listed above); "pcload busy" near the server's shows
        when the driver, not the server, limits a run.

        - On the wire an IRC line is longer than pipechat's: the same text,
        each protocol's framing (`:nick!~pcload@127.0.0.1 PRIVMSG #bench :`
        against `msg root: `).

        - pcload's IRC clients re-arm `TCP_QUICKACK` after every read: ngircd
        does not set `TCP_NODELAY`, and delayed ACKs would stall its writes for
        40 ms now and then. With quick ACKs ngircd is measured at its best.""",
}


def say(key, **values):
    """TEXT[key], each paragraph (or list item) on one line."""
    return '\n'.join(' '.join(p.split()) for p in TEXT[key].split('\n\n')) % values


def med(values):
    v = [x for x in values if x is not None]
    return statistics.median(v) if v else None


def fmt(spec, v):
    return '-' if v is None else spec % v


def mib(k):
    return fmt('%.2f MiB', None if k is None else k / 1024)


def table(head, rows):
    return ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)] + \
        ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows] + ['']


class Query:
    """Medians and ratios over the rows of one results.json."""

    def __init__(self, res):
        self.res, self.daemons = res, list(res['daemons'])

    def rows(self, sec, **f):
        return [x for x in self.res.get(sec, [])
                if all(x.get(k) == v for k, v in f.items())]

    def med(self, sec, key, **f):
        return med(x.get(key) for x in self.rows(sec, **f))

    def per(self, sec, num, den, scale=1.0, **f):
        """Median over runs of scale * num / den (den: a key)."""
        return med(scale * x[num] / x[den] for x in self.rows(sec, **f)
                   if x.get(num) is not None and x.get(den))

    def ratios(self, sec, key, a, b, **f):
        """a's key / b's key in each round that has both."""
        by = {}
        for x in self.rows(sec, **f):
            if x.get(key) is not None:
                by.setdefault(x['round'], {})[x['who']] = x[key]
        return [v[a] / v[b] for v in by.values() if a in v and v.get(b)]

    def ratio(self, sec, key, a, b, **f):
        """Median over rounds of a's key / b's key in the same round."""
        return med(self.ratios(sec, key, a, b, **f))

    def busy(self, sec, den, side='server', **f):
        """'on a CPU / waiting for one' of side (server, pcload), in % of den."""
        return '%s / %s' % (
            fmt('%.0f%%', self.per(sec, side + '_cpu', den, 100, **f)),
            fmt('%.0f%%', self.per(sec, side + '_wait', den, 100, **f)))

    def cpu(self, sec, den, key='server_cpu', spec='%.2f us', **f):
        """Microseconds of server CPU (or key) per den (a line, a message)."""
        return fmt(spec, self.per(sec, key, den, 1e6, **f))

    def whos(self, sec, **f):
        order = self.daemons + ['cat', 'socat', 'ngircd']
        return sorted({x['who'] for x in self.rows(sec, **f)}, key=order.index)


def verdict(ok):
    return 'not measured' if ok is None else '**met**' if ok else '**missed**'


def le(v, limit):
    return None if v is None else v <= limit


def targets(q, who):
    """[(target, measured, met)] for daemon who."""
    res, size = q.res, q.res['size']
    mid, small = size['fan'][min(1, len(size['fan']) - 1)], size['fan'][0]
    big = max(res['mem_sessions'])
    ing = [(q.ratio('ingest', 'drained', who, 'cat', writers=r), r)
           for r in size['writers']]
    worst = max([x for x in ing if x[0] is not None], default=(None, None))
    fan, light = (q.ratio('fanout', 'rate', who, 'ngircd', sessions=mid, mode=m)
                  for m in ('sat', 'light'))
    p99 = q.med('latency', 'p99', who=who, sessions=small)
    idle = q.med('memory', 'rss_idle', who=who)
    rss = q.med('memory', 'rss', who=who, sessions=big)
    ran = bool(q.rows('memory', who=who, sessions=big))
    x10k = None if None in (idle, rss) else idle + (rss - idle) * 10000 / big
    whole = big >= 10000 or res['smoke']
    return [
        ("ingest time <= 1.0x cat's on the same load",
         "%s cat's, the worst of %s writers (at %s)" % (fmt('%.2fx', worst[0]),
         ', '.join(map(str, size['writers'])), worst[1]), le(worst[0], 1.0)),
        ("fan-out at %d sessions >= 3x ngircd's delivered msgs/s" % mid,
         '%s saturated; %s at window %d' % (fmt('%.2fx', fan), fmt('%.2fx', light),
         res['windows']['light']), None if fan is None else fan >= 3),
        ('p99 one-hop latency <= 200 us idle (%d sessions)' % small,
         fmt('%.0f us', p99), le(p99, 200)),
        ('RSS <= 4 MiB idle', mib(idle), le(idle, 4096)),
        ('RSS <= 64 MiB at 10,000 sessions', '%s at %d sessions%s' % (mib(rss), big,
         '' if whole else ', %s extrapolated to 10,000' % mib(x10k)),
         le(rss if whole else x10k, 65536)),
        ('10,000 concurrent sessions work',
         ('%d sessions joined, talked and left, nothing lost' if ran else
          'the %d-session run failed') % big,
         (True if whole else None) if ran else False)]


def bounds(q, who, met):
    """What bounds each of daemon who's misses: the figures that explain it."""
    size, prof = q.res['size'], q.res['profiles'].get(who, {})

    def profile(load):
        cg = prof.get(load, {}).get('callgrind', {}).get('self', [])[:4]
        pf = prof.get(load, {}).get('perf', {}).get('syscalls', [])[:5]
        return ''.join([' Callgrind, self: %s.' % '; '.join(
            '%.2f%% `%s`' % tuple(x) for x in cg)] * bool(cg) + [
            ' perf, inclusive: %s.' % ', '.join('%s %s' % tuple(x) for x in pf)] * bool(pf))
    out = []
    if met[0] is False:
        r = max(size['writers'], key=lambda w: q.ratio('ingest', 'drained', who, 'cat',
                                                      writers=w) or 0)
        wake = lambda w: fmt('%.1f', q.per('ingest', 'lines', 'server_runs', who=w, writers=r))
        out.append(say('bound_ingest', who=who, r=r,
                       cpu=q.cpu('ingest', 'lines', who=who, writers=r),
                       cat_cpu=q.cpu('ingest', 'lines', who='cat', writers=r),
                       wake=wake(who), cat_wake=wake('cat'), prof=profile('ingest'),
                       busy=q.busy('ingest', 'drained', who=who, writers=r)))
    if met[1] is False:
        f = dict(sessions=size['fan'][min(1, len(size['fan']) - 1)], mode='sat')
        out.append(say('bound_fanout', who=who, n=f['sessions'],
                       busy=q.busy('fanout', 'wall', who=who, **f),
                       pcload=q.busy('fanout', 'wall', 'pcload', who=who, **f),
                       irc=q.busy('fanout', 'wall', who='ngircd', **f),
                       cpu=q.cpu('fanout', 'delivered', who=who, **f),
                       irc_cpu=q.cpu('fanout', 'delivered', who='ngircd', **f),
                       prof=profile('fanout')))
    if met[2] is False:
        f = dict(sessions=size['fan'][0])
        out.append(say('bound_latency', who=who, n=f['sessions'],
                       cpu=q.cpu('latency', 'msgs', spec='%.1f us', who=who, **f),
                       wait=q.cpu('latency', 'msgs', 'server_wait', '%.1f us', who=who, **f),
                       irc=fmt('%.0f us', q.med('latency', 'p99', who='ngircd', **f))))
    return out


def compare(q):
    """Every daemon against the first, round by round."""
    res, a, rows = q.res, q.daemons[0], []
    for b in q.daemons[1:]:
        def row(what, sec, key, **f):
            v = q.ratios(sec, key, b, a, **f)
            rows.append((b, what, fmt('%.3fx', med(v)), '%.3f-%.3f' % (min(v), max(v))
                         if v else '-', len(v)))
        for r in res['size']['writers']:
            row('ingest time, %d writers' % r, 'ingest', 'drained', writers=r)
        for n in res['size']['fan']:
            for mode, w in res['windows'].items():
                row('fan-out delivered msgs/s, %d sessions, window %d' % (n, w),
                    'fanout', 'rate', sessions=n, mode=mode)
            row('idle latency p99, %d sessions' % n, 'latency', 'p99', sessions=n)
        row('VmRSS idle', 'memory', 'rss_idle', sessions=res['mem_sessions'][0])
        for n in res['mem_sessions']:
            row('VmRSS, %d sessions' % n, 'memory', 'rss', sessions=n)
        row('start-up, exec -> FIFO open', 'start', 'open_us')
    return ['## %s against %s' % (', '.join(q.daemons[1:]), a), '',
            say('compare', first=a), ''] + \
        table(['daemon', 'figure', 'against %s' % a, 'per-round range', 'rounds'],
              [r for r in rows if r[2] != '-'])


def ingest(q):
    res, rows = q.res, []
    for r in res['size']['writers']:
        for who in q.whos('ingest', writers=r):
            f = dict(who=who, writers=r)
            t = [x['drained'] for x in q.rows('ingest', **f) if x.get('drained') is not None]
            pipe = q.med('ingest', 'pipe', **f)
            rows.append((r, who, '%s (%s)' % (
                fmt('%.3f s', med(t)), '%.3f-%.3f' % (min(t), max(t)) if t else '-'),
                fmt('%.0f', q.per('ingest', 'lines', 'drained', **f)),
                q.cpu('ingest', 'lines', **f),
                fmt('%.1f', q.per('ingest', 'lines', 'server_runs', **f)),
                q.busy('ingest', 'drained', **f), q.busy('ingest', 'drained', 'pcload', **f),
                fmt('%d KiB', pipe and pipe // 1024),
                fmt('%.2fx', q.ratio('ingest', 'drained', who, 'cat', writers=r))))
    return ['## 1. Ingest', '', say('ingest', ingest_msgs=res['size']['ingest_msgs'],
                                    msg_bytes=res['msg_bytes']), ''] + \
        table(['writers', 'reader', 'time (range)', 'messages/s', 'reader CPU per line',
               'lines per wake-up', 'reader busy / waiting', 'pcload busy / waiting',
               'pipe', "time / cat's"], rows)


def fanout(q):
    res, size, win, rows = q.res, q.res['size'], q.res['windows'], []
    for n in size['fan']:
        for mode, w in win.items():
            for who in q.whos('fanout', sessions=n, mode=mode):
                f = dict(who=who, sessions=n, mode=mode)
                vs = q.ratio('fanout', 'rate', who, 'ngircd', sessions=n, mode=mode)
                rows.append((
                    n, w, who, fmt('%.0f', q.med('fanout', 'rate', **f)),
                    '' if who == 'ngircd' else fmt('%.2fx', vs),
                    '%s / %s' % (fmt('%.0f', q.med('fanout', 'p50', **f)),
                                 fmt('%.0f us', q.med('fanout', 'p99', **f))),
                    q.cpu('fanout', 'delivered', **f), q.busy('fanout', 'wall', **f),
                    q.cpu('fanout', 'delivered', 'pcload_cpu', **f),
                    q.busy('fanout', 'wall', 'pcload', **f)))
    L = ['## 2. Fan-out', '', say('fanout', sat_w=win['sat'], light_w=win['light'],
                                  **dict(res, **size)), '']
    L += table(['sessions', 'window', 'server', 'delivered msgs/s', 'vs ngircd', 'p50 / p99',
                'server CPU per line', 'server busy / waiting', 'pcload CPU per line',
                'pcload busy / waiting'], rows)
    rows = []
    for n in size['fan']:
        for who in q.whos('latency', sessions=n):
            f = dict(who=who, sessions=n)
            p99 = q.med('latency', 'p99', **f)
            rows.append((n, who, fmt('%.0f us', q.med('latency', 'p50', **f)),
                         fmt('%.0f us', p99), fmt('%+.0f%%', p99 and (p99 - 200) / 2),
                         q.cpu('latency', 'msgs', spec='%.1f us', **f),
                         q.cpu('latency', 'msgs', 'server_wait', '%.1f us', **f),
                         fmt('%.3f s', q.med('latency', 'joined', **f))))
    return L + [say('latency', **res), ''] + table(
        ['sessions', 'server', 'p50', 'p99', 'p99 vs 200 us', 'server CPU per message',
         'run-queue wait per message', 'join time'], rows)


def memory(q):
    res, big, rows = q.res, max(q.res['mem_sessions']), []
    for who in q.whos('memory'):
        idle = q.med('memory', 'rss_idle', who=who)
        rows.append((who, '0 (idle)', mib(idle), '-', '-', '-', '-', '-'))
        for n in sorted({x['sessions'] for x in q.rows('memory', who=who)}):
            f = dict(who=who, sessions=n)
            rss, slab = q.med('memory', 'rss', **f), q.med('memory', 'slab', **f)
            rows.append((who, n, mib(rss), fmt('%.2f KiB', None if None in (rss, idle)
                                               else (rss - idle) / n),
                         mib(q.med('memory', 'hwm', **f)),
                         fmt('%.2f s', q.med('memory', 'joined', **f)), mib(slab),
                         fmt('%.1f KiB', slab and slab / n)))
    L = ['## 3. Memory', '', say('memory'), ''] + table(
        ['server', 'sessions', 'VmRSS', 'per session', 'VmHWM', 'join time',
         'kernel slab growth', 'per session'], rows)
    psz = q.med('memory', 'session_pipe', sessions=big)
    if psz:
        L += [say('pipes', psz=psz, big=big, pin=2 * big * psz / 1048576,
                  soft=res['machine']['pipe_soft']), '']
    caches = [x['caches'] for x in q.rows('memory', sessions=big) if x.get('caches')]
    if caches:
        L += ['The slab caches that grew most at %d sessions (one run): %s.' % (
            big, ', '.join('%s %+.1f MiB' % (k, v / 1048576) for k, v in caches[-1])), '']
    return L


def start(q):
    rows = []
    for who in q.whos('start'):
        v = [x['open_us'] for x in q.rows('start', who=who) if x['open_us'] is not None]
        rows.append((who, '%s (%s)' % (fmt('%.0f us', med(v)),
                                       '%.0f-%.0f' % (min(v), max(v)) if v else '-'),
                     fmt('%.0f us', q.med('start', 'ready_us', who=who)),
                     mib(q.med('start', 'rss', who=who)), len(v)))
    return ['## 4. Start-up', '', say('start'), ''] + table(
        ['daemon', 'exec -> FIFO open / port up (range)', 'exec -> READY', 'VmRSS then',
         'runs'], rows)


def profiles(res):
    tools = res.get('profile_tools')
    if not tools:
        return ['## Profiles', '', 'Not run (`bench/bench.py --profile` runs them).', '']
    L = ['## Profiles', '', say('profiles', hw='counts instructions here' if tools['perf_hw']
                                 else 'not supported here (no hardware counters)'), '']
    share = lambda rows: [('%.2f%%' % a, '`%s`' % b) for a, b in rows]
    for who, loads in res['profiles'].items():
        for load, p in loads.items():
            cg, pf = p.get('callgrind'), p.get('perf')
            if cg:
                L += ['**%s, callgrind, %s** (%s), self cost:' % (who, load, fmt(
                    '%.0f M instructions', cg['total'] and cg['total'] / 1e6)), '']
                L += table(['share', 'file:function'], share(cg['self']))
                L += ["pipechat's own functions, inclusive cost:", '']
                L += table(['share', 'file:function'], share(cg['inclusive']))
            if pf and pf['symbols']:
                L += ['**%s, perf cpu-clock, %s**, by binary: %s.' % (
                    who, load, ', '.join('%s %s' % (b, a) for a, b in pf['dso']))]
                L += ['Inclusive, with all they call: %s.' % ', '.join(
                    '%s %s' % (b, a) for a, b in pf['syscalls'])] * bool(pf['syscalls'])
                L += [''] + table(['share', 'symbol'], [(a, '`%s`' % b) for a, b in pf['symbols']])
    return L


def markdown(res):
    q, m, of = Query(res), res['machine'], res['machine']['open_files']
    L = ['# pipechat benchmarks', '']
    if res['smoke']:
        L += ['**Smoke run (tiny sizes, one round): these numbers mean nothing.**', '']
    L += [say('intro', rounds=res['rounds'], **m), '']
    L += ['![benchmarks](bench.png)', ''] * bool(res.get('plot'))
    L += ['## Reproduce', '', '```sh',
          'tools/install-deps --bench   # ngircd, socat, gnuplot, valgrind',
          'bench/refresh                # release build, every scenario, docs/BENCHMARKS.md',
          '```', '', 'This report: `%s`. Its programs:' % res['command'], '']
    L += table(['name', 'path', 'version', '`[session] rate = 0`'], [
        (k, '`%s`' % v['path'], v['version'],
         'set' if v['rate_zero'] else 'not a key of this daemon')
        for k, v in res['daemons'].items()])
    L += ['## Machine', ''] + table(['', ''], [
        ('CPU', '%d x %s' % (m['ncpu'], m['cpu'])), ('memory', '%d MiB' % m['mem_mib']),
        ('system', '%s, Linux %s' % (m['os'], m['kernel'])), ('before the run', m['quiet']),
        ('shared with', 'at the start: %s; at the end: %s (processes over 10%% of a CPU)'
         % (m['busy_start'], m['busy_end'])),
        ('load average', '%s at the start, %s at the end' % (m['load_start'], m['load_end'])),
        ('compiler', m['cc']), ('libevent', m['libevent']),
        ('contenders', '%s; socat %s; GNU cat' % (m['ngircd'] or 'ngircd: not installed',
                                                  m['socat'] or 'not installed')),
        ('pipes', 'fs.pipe-max-size %s, fs.pipe-user-pages-soft %s'
         % (m['pipe_max'], m['pipe_soft'])),
        ('open files', 'hard limit %s' % (of['hard'] or 'unlimited'))])
    L += [of['note'], ''] * bool(of['note'])
    if res['failures']:
        L += ['**%d run(s) failed**: %s.' % (len(res['failures']), '; '.join(
            '`%s`' % f for f in res['failures'])), '']
    tg = {who: targets(q, who) for who in q.daemons}
    L += ['## Targets', ''] + table(
        ['target'] + sum((['%s: measured' % w, 'verdict'] for w in tg), []),
        [[t[0]] + sum(([tg[w][i][1], verdict(tg[w][i][2])] for w in tg), [])
         for i, t in enumerate(tg[q.daemons[0]])])
    miss = sum((bounds(q, w, [t[2] for t in tg[w]]) for w in tg), [])
    L += (['### What bounds the misses', ''] + miss + ['']) * bool(miss)
    L += compare(q) if len(q.daemons) > 1 else []
    for sec, part in (('ingest', ingest), ('fanout', fanout), ('memory', memory),
                      ('start', start)):
        L += part(q) if q.rows(sec) else []
    return '\n'.join(L + profiles(res) + ['## Notes', '', say('notes', **m), ''])


def plot(q, png):
    """The 2x2 picture, if gnuplot is installed; True if written."""
    if not shutil.which('gnuplot'):
        return False
    res, size, win, m = q.res, q.res['size'], q.res['windows'], q.res['machine']
    z, D, tmp = lambda v: v or 0, q.daemons, tempfile.mkdtemp(prefix='pcplot.')
    ing = [w for w in D + ['cat', 'socat'] if q.rows('ingest', who=w)]
    fan = [(w, mo) for mo in win for w in D + ['ngircd'] if q.rows('fanout', who=w)]
    lat = [w for w in D + ['ngircd'] if q.rows('latency', who=w)]
    mem = [w for w in D if q.rows('memory', who=w)]
    line = lambda label, values: '"%s" %s' % (label, ' '.join('%.2f' % z(v) for v in values))
    data = {
        'ingest': [line('%d writer%s' % (r, 's' * (r > 1)), [q.per(
            'ingest', 'lines', 'drained', who=w, writers=r) for w in ing])
            for r in size['writers']],
        'fan': [line(n, [q.med('fanout', 'rate', who=w, sessions=n, mode=mo)
                         for w, mo in fan]) for n in size['fan']],
        'lat': [line(n, sum(([q.med('latency', p, who=w, sessions=n) for p in ('p50', 'p99')]
                             for w in lat), [])) for n in size['fan']],
        'mem': [line('idle', [z(q.med('memory', 'rss_idle', who=w)) / 1024 for w in mem])] +
               [line(n, [z(q.med('memory', 'rss', who=w, sessions=n)) / 1024 for w in mem])
                for n in res['mem_sessions']]}
    for k, lines in data.items():
        with open(os.path.join(tmp, k), 'w') as f:
            f.write('\n'.join(lines) + '\n')

    def plotcmd(name, titles, extra=''):
        return 'plot ' + ', '.join('"%s" using %d%s title "%s"' % (
            os.path.join(tmp, name), i + 2, ':xtic(1)' * (i == 0), t)
            for i, t in enumerate(titles)) + extra
    target = ', %s with lines lw 2 dt %d lc rgb "%s" title "target%s"'
    gp = ['set terminal pngcairo size 1400,1000 font ",11"', 'set output "%s"' % png,
          'set multiplot layout 2,2 title "pipechat benchmarks: %d x %s, Linux %s, %s '
          '(medians of %d rounds)"' % (m['ncpu'], m['cpu'], m['kernel'], m['date'], res['rounds']),
          'set style data histograms', 'set style histogram clustered gap 1',
          'set style fill solid 0.8 border -1', 'set boxwidth 0.9', 'set grid ytics',
          'set yrange [0:*]', 'set key top center horizontal',
          'set offsets 0, 0, graph 0.12, 0', 'set format y "%.1s%c"']
    gp += ['set title "1. Ingest: 63-byte texts into the well-known FIFO (higher is better)"',
           'set ylabel "messages/s"', plotcmd('ingest', ing)] * bool(ing)
    gp += ['set title "2. Fan-out: delivered messages/s (higher is better)"',
           'set ylabel "delivered messages/s"', 'set xlabel "sessions / IRC clients"',
           plotcmd('fan', ['%s, window %d' % (w, win[mo]) for w, mo in fan])] * bool(fan)
    gp += ['set title "2. One-hop latency, idle (lower is better)"',
           'set ylabel "microseconds (log scale)"', 'set logscale y', 'set yrange [10:*]',
           'set format y "%.0f"',
           plotcmd('lat', sum((['%s p50' % w, '%s p99' % w] for w in lat), []),
                   target % (200, 2, 'red', ': p99 200 us')), 'unset logscale y'] * bool(lat)
    gp += ['set title "3. Memory: VmRSS (lower is better)"', 'set ylabel "MiB"',
           'set xlabel "sessions"', 'set yrange [0:80]', 'set format y "%.0f"',
           plotcmd('mem', mem, target % (64, 2, 'red', ' at 10,000 sessions: 64 MiB') +
                   target % (4, 3, 'orange', ' idle: 4 MiB'))] * bool(mem)
    r = subprocess.run(['gnuplot'], input='\n'.join(gp + ['unset multiplot']) + '\n',
                       text=True, capture_output=True)
    shutil.rmtree(tmp, ignore_errors=True)
    if r.returncode != 0:
        print('bench: gnuplot: ' + r.stderr, file=sys.stderr)
    return r.returncode == 0


def write(res, out):
    """BENCHMARKS.md (and bench.png) in directory out; the paths written."""
    png, md = os.path.join(out, 'bench.png'), os.path.join(out, 'BENCHMARKS.md')
    res['plot'] = plot(Query(res), png)
    with open(md, 'w') as f:
        f.write(markdown(res))
    return [md] + [png] * res['plot']


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: bench/report.py DIR   (DIR/results.json from bench/bench.py)')
    with open(os.path.join(sys.argv[1], 'results.json')) as f:
        print('\n'.join(write(json.load(f), sys.argv[1])))
