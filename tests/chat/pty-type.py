#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Run a program on a pseudo-terminal, copy all it writes there to a log
file, and type what is written into a control FIFO, byte for byte.

usage: pty-type.py LOG CONTROL PROGRAM [ARG...]

Exits with the program's status (128+N if killed by signal N) once the
program has exited; a test bounds it with timeout(1).
"""
import os
import pty
import select
import sys


def main():
    log, control, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
    pid, master = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    ctl = os.open(control, os.O_RDWR | os.O_NONBLOCK)
    with open(log, "ab", buffering=0) as out:
        while True:
            r, _, _ = select.select([master, ctl], [], [], 0.1)
            if ctl in r:
                os.write(master, os.read(ctl, 4096))
            if master in r:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    data = b""
                if not data:
                    break
                out.write(data)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


sys.exit(main())
