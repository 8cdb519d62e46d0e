#!/usr/bin/env python3
"""What conmon and containerd's shim do with `exec --detach --pid-file`.

exec-subreaper.py PIDFILE CMD...: become a child subreaper, run CMD (which
must write PIDFILE and return), then wait for the pid in PIDFILE as our
(orphaned) child. Prints "cli=RC pid=PID status=S" where S is the pid's exit
code, or 128+N after signal N.
"""
import ctypes
import os
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36


def main():
    pidfile, cmd = sys.argv[1], sys.argv[2:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl: %s" % os.strerror(ctypes.get_errno()))
    cli = subprocess.run(cmd, stdin=subprocess.DEVNULL, check=False).returncode
    if cli != 0:
        print("cli=%d pid=- status=-" % cli)
        return
    with open(pidfile) as f:
        pid = int(f.read())
    _, st = os.waitpid(pid, 0)
    status = os.WEXITSTATUS(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st)
    print("cli=%d pid=%d status=%d" % (cli, pid, status))


if __name__ == "__main__":
    main()
