#!/usr/bin/env python3
"""Run a command with a new pty as its stdio, like an interactive terminal.

pty-run.py [--size ROWSxCOLS] [--input TEXT] CMD...: TEXT (Python escapes
allowed) is typed once the command has written something; the terminal has
the given size (else 0x0, as a fresh pty). Prints what the command wrote and
exits with its status. Unlike script(1), stdin never sends an EOF.
"""
import fcntl
import os
import struct
import termios
import pty
import select
import sys
import time


def main():
    args = sys.argv[1:]
    typed = b""
    size = None
    if args[:1] == ["--size"]:
        size = [int(x) for x in args[1].split("x")]
        args = args[2:]
    if args[:1] == ["--input"]:
        typed = args[1].encode().decode("unicode_escape").encode()
        args = args[2:]
    pid, master = pty.fork()
    if pid == 0:
        if size:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
        os.execvp(args[0], args)
    data = b""
    deadline = time.time() + 120
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if typed and data and not ready:
            os.write(master, typed)
            typed = b""
        if not ready:
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the command and its children closed the pty
            break
        if not chunk:
            break
        data += chunk
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(data.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)


if __name__ == "__main__":
    main()
