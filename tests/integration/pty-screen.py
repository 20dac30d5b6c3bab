#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Run a program on a pseudo-terminal of a given width and print the rows
a terminal of that width would show, as a simple VT100 would: a character
that does not fit on a row goes to the start of the next one (autowrap).

usage: pty-screen.py COLUMNS MARKER PROGRAM [ARG...]

Once MARKER is on the screen, ^D is typed (end of input).  Rows are
printed one per line, each prefixed with "W " if the terminal wrapped to
it by itself, else "  ".  Exit status: the program's, or 1.
"""
import os
import pty
import select
import struct
import sys
import termios
import time
import unicodedata
import fcntl


def width(ch):
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


class Screen:
    def __init__(self, cols):
        self.cols = cols
        self.rows = [[]]
        self.wrapped = [False]
        self.r = 0
        self.c = 0

    def row(self):
        while len(self.rows) <= self.r:
            self.rows.append([])
            self.wrapped.append(False)
        return self.rows[self.r]

    def put(self, ch):
        w = width(ch)
        if self.c + w > self.cols:
            self.r += 1
            self.c = 0
            self.row()
            self.wrapped[self.r] = True
        row = self.row()
        while len(row) < self.c:
            row.append(" ")
        row[self.c:self.c + 1] = [ch]
        self.c += max(w, 1)

    def feed(self, text):
        i = 0
        while i < len(text):
            ch = text[i]
            i += 1
            if ch == "\r":
                self.c = 0
            elif ch == "\n":
                self.r += 1
                self.row()
            elif ch == "\x1b":
                # CSI: ESC [ params final; what the line editor uses
                # to take its line off the screen: K, J, A, G
                if i < len(text) and text[i] == "[":
                    j = i + 1
                    while j < len(text) and not ("@" <= text[j] <= "~"):
                        j += 1
                    arg = text[i + 1:j]
                    n = int(arg) if arg.isdigit() else 0
                    if j < len(text) and text[j] == "K":
                        del self.row()[self.c:]
                    elif j < len(text) and text[j] == "J" and n == 2:
                        self.rows = [[]]
                        self.wrapped = [False]
                        self.r = self.c = 0
                    elif j < len(text) and text[j] == "J":
                        del self.row()[self.c:]
                        del self.rows[self.r + 1:]
                        del self.wrapped[self.r + 1:]
                    elif j < len(text) and text[j] == "A":
                        self.r = max(0, self.r - max(n, 1))
                    elif j < len(text) and text[j] == "G":
                        self.c = max(n, 1) - 1
                    i = j + 1
            elif ch >= " ":
                self.put(ch)

    def text(self):
        return ["".join(r) for r in self.rows]


def main():
    cols = int(sys.argv[1])
    marker = sys.argv[2]
    argv = sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["COLUMNS"] = str(cols)
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    screen = Screen(cols)
    raw = b""
    sent = False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if fd in r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            raw += data
        if not sent and marker in "\n".join(
                Screen.text(feed(cols, raw))):
            os.write(fd, b"\x04")
            sent = True
    _, status = os.waitpid(pid, 0)
    screen = feed(cols, raw)
    for text, wrapped in zip(screen.text(), screen.wrapped):
        print(("W " if wrapped else "  ") + text)
    sys.exit(os.waitstatus_to_exitcode(status) if sent else 1)


def feed(cols, raw):
    s = Screen(cols)
    s.feed(raw.decode("utf-8", "replace"))
    return s


if __name__ == "__main__":
    main()
