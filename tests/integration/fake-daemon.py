#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A fake pipechatd for the client's tests: it reads the well-known FIFO
like the real one, answers the JOIN as told, and says hostile things.

usage: fake-daemon.py FIFO SESSION_DIR SCRIPT

SCRIPT is a Python file of lines to send (bytes, each with its '\\n'):
    ANSWER = b"welcome mallory\\n"  (or a "bye ..." line: then nothing more)
    LINES = [b"msg ...\\n", ...]     sent after the answer
    OLD = True                      optional: like a daemon from before
                                    issue 12, drop a JOIN with the words
                                    "fields" or "history"
    ECHO = b"msg - "                optional: echo each line the client
                                    sends, after this, as "self" (for
                                    ECHO = b"msg t=0;self me: " the line
                                    "hi" comes back as "msg t=0;self me: hi")
The JOIN's words are written to SCRIPT.words.
After LINES, the fake waits for the client to close ID.in and says
"bye you left" ("bye - you left" if it asked for fields and ANSWER has
them), as pipechatd does.  Exit status 0, or 1 with a reason.
"""
import os
import select
import re
import sys
import time


def fail(msg):
    print("fake-daemon: " + msg, file=sys.stderr)
    sys.exit(1)


def write_all(fd, data):
    while data:
        n = os.write(fd, data)
        data = data[n:]


def main():
    fifo, sdir, script = sys.argv[1:4]
    conf = {}
    with open(script, "rb") as f:
        exec(compile(f.read(), script, "exec"), conf)
    # A reader of our own keeps the FIFO open between writers.
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    buf = b""
    deadline = time.monotonic() + 10
    while True:
        m = re.search(rb"\x01JOIN ([A-Za-z0-9_-]+)((?: [a-z0-9_-]+)*)\n", buf)
        if m and conf.get("OLD") and (b" fields" in m.group(2) or
                                      b" history" in m.group(2)):
            buf = buf[m.end():]
            continue
        if m:
            break
        if time.monotonic() > deadline:
            fail("no JOIN in 10 s; read %r" % buf[:200])
        try:
            chunk = os.read(rfd, 4096)
        except BlockingIOError:
            chunk = b""
        if not chunk:
            time.sleep(0.01)
        buf += chunk
    sid = m.group(1).decode()
    with open(script + ".words", "wb") as f:
        f.write(m.group(2).strip() + b"\n")
    out = os.open(os.path.join(sdir, sid + ".out"), os.O_WRONLY)
    inp = os.open(os.path.join(sdir, sid + ".in"), os.O_RDONLY | os.O_NONBLOCK)
    write_all(out, conf["ANSWER"])
    if not conf["ANSWER"].startswith(b"welcome"):
        os.close(out)
        return
    for line in conf.get("LINES", []):
        write_all(out, line)
    # Wait for the client's end of file on ID.in, then confirm.  poll()
    # reports POLLHUP on a FIFO only once a writer has come and gone since
    # we opened it, so a client that opens and closes ID.in between two
    # looks is not missed (polling read() for "no writer" would miss it).
    poller = select.poll()
    poller.register(inp, select.POLLIN)
    deadline = time.monotonic() + 20
    done = False
    while not done and time.monotonic() < deadline:
        for _, ev in poller.poll(100):
            if ev & select.POLLIN:
                try:
                    got = os.read(inp, 65536)
                except BlockingIOError:
                    continue
                if got:
                    for ln in got.splitlines():
                        if conf.get("ECHO") is not None and ln:
                            write_all(out, conf["ECHO"] + ln + b"\n")
                    continue
            if ev & select.POLLHUP:
                done = True
    if not done:
        fail("the client did not close ID.in in 20 s")
    # A session that asked for FIELDS gets them on every line.
    fields = b" fields" in m.group(2) and len(conf["ANSWER"].split()) > 2
    try:
        write_all(out, b"bye - you left\n" if fields else b"bye you left\n")
    except BrokenPipeError:
        pass
    os.close(out)


if __name__ == "__main__":
    main()
