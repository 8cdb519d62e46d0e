#!/usr/bin/env python3
"""The caller's side of runc's --console-socket protocol, for tests.

console-receiver.py SOCKET OUT [INPUT]: listen on SOCKET, receive one pty
master (SCM_RIGHTS; the message is the pty's name, written to OUT.name),
type INPUT (Python escapes allowed, e.g. '\\x03') once the container runs,
and copy everything the container writes to OUT until it closes the pty.
"""
import array
import os
import select
import socket
import sys
import time


def main():
    path, out = sys.argv[1], sys.argv[2]
    typed = sys.argv[3].encode().decode("unicode_escape").encode() if len(sys.argv) > 3 else b""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(30)
    conn, _ = srv.accept()
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(4096, socket.CMSG_LEN(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: fds.itemsize])
    with open(out + ".name", "w") as f:
        f.write(msg.decode())
    master = fds[0]
    data = b""
    deadline = time.time() + 30
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if typed and not ready and data:
            os.write(master, typed)  # the program has started talking: now type
            typed = b""
        if not ready:
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the container closed its side
            break
        if not chunk:
            break
        data += chunk
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
