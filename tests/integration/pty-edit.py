#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Run a program on a pseudo-terminal, act out a script of keys, waits,
resizes and signals, and print the screen a VT100-like terminal would
show at the end.

usage: pty-edit.py COLS ROWS SCRIPT RAWLOG PROGRAM [ARG...]

SCRIPT has one step a line:
    type TEXT       type TEXT (Python escapes: \\x01 is ^A, \\x1b[D left;
                    bytes, so \\xc3 alone is an ill-formed UTF-8 byte)
    wait TEXT       wait (10 s at most) until TEXT is on the screen
    gone TEXT       wait (10 s at most) until TEXT is not on the screen
    resize C R      make the terminal C columns by R rows (SIGWINCH)
    sleep SECONDS
    cooked          turn canonical mode on (a ^D then reads as end of file)
    run COMMAND     run COMMAND with sh -c and wait for it (20 s at most)
    screen          print the screen now, then "----"
Once the script is done, the program has 10 s to exit.  Every wait is
multiplied by $PTY_EDIT_SCALE (default 1; the tests give valgrind's 10).
The screen's rows are printed one per line, trailing blanks removed, then
"bells: N"; everything the program wrote goes to RAWLOG.  Exit status: 0
if the program exited 0 and every wait was met; 1 with a reason on stderr
otherwise.
"""
import codecs
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
import unicodedata


def width(ch):
    if unicodedata.combining(ch) or ch == "\u200d":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


class Screen:
    """Just enough of a VT100/xterm: what libedit and the client write."""

    def __init__(self, cols, rows):
        self.cols, self.rows = cols, rows
        self.grid = [[" "] * cols for _ in range(rows)]
        self.r = self.c = 0
        self.pending = False
        self.bells = 0
        self.saved = (0, 0)
        self.buf = ""

    def resize(self, cols, rows):
        grid = [[" "] * cols for _ in range(rows)]
        off = max(0, self.r + 1 - rows)
        for i in range(min(rows, self.rows)):
            src = self.grid[i + off] if i + off < self.rows else None
            if src:
                for j in range(min(cols, self.cols)):
                    grid[i][j] = src[j]
        self.grid, self.cols, self.rows = grid, cols, rows
        self.r = min(self.r - off, rows - 1)
        self.c = min(self.c, cols - 1)
        self.pending = False

    def scroll(self):
        self.grid.pop(0)
        self.grid.append([" "] * self.cols)

    def lf(self):
        if self.r == self.rows - 1:
            self.scroll()
        else:
            self.r += 1

    def put(self, ch):
        w = width(ch)
        if w == 0:
            return
        if self.pending or self.c + w > self.cols:
            self.c = 0
            self.lf()
            self.pending = False
        self.grid[self.r][self.c] = ch
        if w == 2:
            self.grid[self.r][self.c + 1] = ""
        self.c += w
        if self.c >= self.cols:
            self.c = self.cols - 1
            self.pending = True

    def csi(self, params, final):
        priv = params.startswith("?")
        nums = [int(x) if x.isdigit() else 0
                for x in params.lstrip("?").split(";")] if params else []
        n = nums[0] if nums and nums[0] > 0 else 1
        if priv:
            return
        self.pending = False
        if final == "A":
            self.r = max(0, self.r - n)
        elif final == "B":
            self.r = min(self.rows - 1, self.r + n)
        elif final == "C":
            self.c = min(self.cols - 1, self.c + n)
        elif final == "D":
            self.c = max(0, self.c - n)
        elif final == "G":
            self.c = min(self.cols - 1, n - 1)
        elif final in "Hf":
            self.r = min(self.rows - 1, (nums[0] if nums and nums[0] else 1) - 1)
            self.c = min(self.cols - 1,
                         (nums[1] if len(nums) > 1 and nums[1] else 1) - 1)
        elif final == "J":
            m = nums[0] if nums else 0
            if m == 0:
                self.grid[self.r][self.c:] = [" "] * (self.cols - self.c)
                for i in range(self.r + 1, self.rows):
                    self.grid[i] = [" "] * self.cols
            elif m == 2:
                self.grid = [[" "] * self.cols for _ in range(self.rows)]
        elif final == "K":
            m = nums[0] if nums else 0
            row = self.grid[self.r]
            if m == 0:
                row[self.c:] = [" "] * (self.cols - self.c)
            elif m == 1:
                row[:self.c + 1] = [" "] * (self.c + 1)
            else:
                self.grid[self.r] = [" "] * self.cols
        elif final == "P":
            row = self.grid[self.r]
            del row[self.c:self.c + n]
            row.extend([" "] * (self.cols - len(row)))
        elif final == "@":
            row = self.grid[self.r]
            row[self.c:self.c] = [" "] * n
            del row[self.cols:]
        elif final == "X":
            row = self.grid[self.r]
            row[self.c:self.c + n] = [" "] * min(n, self.cols - self.c)

    def feed(self, text):
        s = self.buf + text
        self.buf = ""
        i = 0
        while i < len(s):
            ch = s[i]
            if ch == "\x1b":
                if i + 1 >= len(s):
                    self.buf = s[i:]
                    return
                nx = s[i + 1]
                if nx == "[":
                    j = i + 2
                    while j < len(s) and not ("@" <= s[j] <= "~"):
                        j += 1
                    if j >= len(s):
                        self.buf = s[i:]
                        return
                    self.csi(s[i + 2:j], s[j])
                    i = j + 1
                    continue
                if nx in "()":
                    i += 3
                    continue
                if nx == "7":
                    self.saved = (self.r, self.c)
                elif nx == "8":
                    self.r, self.c = self.saved
                i += 2
                continue
            i += 1
            if ch == "\r":
                self.c = 0
                self.pending = False
            elif ch == "\n":
                self.lf()
                self.pending = False
            elif ch == "\b":
                if self.pending:
                    self.pending = False
                elif self.c > 0:
                    self.c -= 1
            elif ch == "\a":
                self.bells += 1
            elif ch == "\t":
                self.c = min(self.cols - 1, (self.c // 8 + 1) * 8)
            elif ch >= " ":
                self.put(ch)

    def text(self):
        return ["".join(r).rstrip() for r in self.grid]


def main():
    scale = float(os.environ.get("PTY_EDIT_SCALE", "1"))
    cols, rows = int(sys.argv[1]), int(sys.argv[2])
    script, rawlog, argv = sys.argv[3], sys.argv[4], sys.argv[5:]
    with open(script, encoding="utf-8") as f:
        steps = [ln.rstrip("\n") for ln in f if ln.strip()]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    screen = Screen(cols, rows)
    dec = codecs.getincrementaldecoder("utf-8")("replace")
    raw = open(rawlog, "wb")
    status = None
    ok = True

    def pump(timeout):
        r, _, _ = select.select([fd], [], [], timeout)
        if fd in r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                return False
            raw.write(data)
            raw.flush()
            screen.feed(dec.decode(data))
        return True

    def on_screen(text):
        return text in "\n".join(screen.text())

    alive = True
    for step in steps:
        verb, _, arg = step.partition(" ")
        if verb == "type":
            os.write(fd, codecs.escape_decode(arg.encode("utf-8"))[0])
            pump(0.05)
        elif verb in ("wait", "gone"):
            want = codecs.escape_decode(arg.encode("utf-8"))[0].decode(
                "utf-8")
            deadline = time.monotonic() + 10 * scale
            while (on_screen(want) != (verb == "wait") and
                   time.monotonic() < deadline and alive):
                alive = pump(0.05)
            if on_screen(want) != (verb == "wait"):
                print("pty-edit: %s %r: not met; screen:" % (verb, want),
                      file=sys.stderr)
                for row in screen.text():
                    print("  |" + row, file=sys.stderr)
                ok = False
                break
        elif verb == "resize":
            c, r = arg.split()
            fcntl.ioctl(fd, termios.TIOCSWINSZ,
                        struct.pack("HHHH", int(r), int(c), 0, 0))
            screen.resize(int(c), int(r))
            os.kill(pid, 28)        # SIGWINCH
            pump(0.1)
        elif verb == "cooked":
            # Canonical mode behind the program's back, as between two
            # of its mode switches: a ^D then reads as end of file.
            attrs = termios.tcgetattr(fd)
            attrs[3] |= termios.ICANON
            attrs[6][termios.VEOF] = b"\x04"
            termios.tcsetattr(fd, termios.TCSANOW, attrs)
        elif verb == "sleep":
            deadline = time.monotonic() + float(arg)
            while time.monotonic() < deadline and alive:
                alive = pump(0.05)
        elif verb == "run":
            proc = subprocess.Popen(["sh", "-c", arg])
            deadline = time.monotonic() + 20 * scale
            while proc.poll() is None and time.monotonic() < deadline:
                alive = pump(0.05)
            if proc.poll() is None:
                proc.kill()
            if proc.wait() != 0:
                print("pty-edit: %r exited %d" % (arg, proc.returncode),
                      file=sys.stderr)
                ok = False
                break
        elif verb == "screen":
            for row in screen.text():
                print(row)
            print("----")
            sys.stdout.flush()
    deadline = time.monotonic() + 10 * scale
    while alive and time.monotonic() < deadline:
        alive = pump(0.05)
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            while pump(0.05):
                pass
            break
    if status is None:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(pid, 0)
        if alive:
            print("pty-edit: the program did not exit", file=sys.stderr)
            ok = False
    for row in screen.text():
        print(row)
    print("bells: %d" % screen.bells)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print("pty-edit: the program exited %d" % code, file=sys.stderr)
    sys.exit(0 if ok and code == 0 else 1)


if __name__ == "__main__":
    main()
