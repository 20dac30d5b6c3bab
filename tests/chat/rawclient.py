#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A bare protocol client for the chat tests: joins with the JOIN words
given, prints every line the daemon writes as it comes (flushed), sends
each line of its stdin to ID.in (once welcomed) in one write, closes
ID.in at the end of its stdin and exits when the daemon says bye (or
closes ID.out).  Unlike pipechat-client it shows the lines as they are
on the wire.

usage: rawclient.py SESSION_DIR FIFO ID [WORD...]
"""
import os
import select
import sys


def main():
    sdir, fifo, sid = sys.argv[1:4]
    words = sys.argv[4:]
    inp = os.path.join(sdir, sid + ".in")
    outp = os.path.join(sdir, sid + ".out")
    os.umask(0)
    os.mkfifo(inp, 0o640)
    os.mkfifo(outp, 0o620)
    out = os.open(outp, os.O_RDONLY | os.O_NONBLOCK)
    fd = os.open(fifo, os.O_WRONLY)
    os.write(fd, ("\n\x01JOIN " + " ".join([sid] + words) + "\n").encode())
    os.close(fd)
    to = -1
    stdin = sys.stdin.fileno()
    pending = b""
    got = b""
    welcomed = False
    stdin_open = True
    while True:
        fds = [out]
        if welcomed and stdin_open:
            fds.append(stdin)
        ready, _, _ = select.select(fds, [], [])
        if out in ready:
            data = os.read(out, 65536)
            if not data:
                break
            got += data
            while b"\n" in got:
                line, got = got.split(b"\n", 1)
                sys.stdout.buffer.write(line + b"\n")
                sys.stdout.flush()
                kind = line.split(b" ", 1)[0]
                if kind == b"welcome" and not welcomed:
                    welcomed = True
                    to = os.open(inp, os.O_WRONLY | os.O_NONBLOCK)
                    os.set_blocking(to, True)
                elif kind == b"bye":
                    return 0
        if stdin in ready:
            data = os.read(stdin, 65536)
            if not data:
                stdin_open = False
                os.close(to)
                to = -1
                continue
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                os.write(to, line + b"\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
