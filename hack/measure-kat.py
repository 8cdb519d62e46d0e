#!/usr/bin/env python3
"""Launch measurement known answers for tests/unit/test_measure.c, computed
from the encoding in docs/attestation.md (not from monitor/measure.c).
Usage: hack/measure-kat.py [VERSION]  (default: the current version)"""
import hashlib
import struct
import sys


def u64(v):
    return struct.pack("<Q", v)


def item(b):
    return u64(len(b)) + b


def num(v):
    return item(u64(v))


def measure(version, trace):
    # the configuration kat_config() builds in tests/unit/test_measure.c
    argv = [b"/bin/fn", b"--x"]
    env = [b"PATH=/bin", b"A=1"]
    secrets = sorted([b"zeta", b"alpha"])
    enc = item(b"hacher-launch-measurement") + num(version) + item(b"LIBOS-BYTES")
    enc += num(len(argv)) + b"".join(item(a) for a in argv)
    enc += num(len(env)) + b"".join(item(e) for e in env)
    enc += item(b"/work") + num(1000) + num(100)
    enc += item(bytes(range(32)))  # image root
    enc += num(64 << 20)  # memory size
    enc += num(len(secrets)) + b"".join(item(s) for s in secrets)
    if version >= 2:
        enc += item(b"")  # no seccomp policy
        enc += num(0) + num(0)  # readonly root, umask
        enc += num(0)  # no groups
        enc += num(0)  # no rlimits
        enc += b"".join(num(0) for _ in range(5))  # capability sets
    if version >= 3:
        enc += num(1 if trace else 0)
    return hashlib.sha384(enc).hexdigest()


if __name__ == "__main__":
    v = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print("trace off:", measure(v, False))
    if v >= 3:
        print("trace on: ", measure(v, True))
