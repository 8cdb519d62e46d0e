"""Acceptance workload 3 (Debian's CPython 3.11): standard modules with C
extensions, threads, a child process, sqlite in /tmp and a SIGTERM handler
that `hacher kill ID TERM` must reach. Run with -u: every line is checked."""
import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zlib

doc = json.loads(json.dumps({"name": "hacher", "primes": [2, 3, 5, 7, 11]}))
print("json:", doc["name"], sum(doc["primes"]))

print("sha256:", hashlib.sha256(b"hacher workload").hexdigest())

blob = b"trustlet " * 10000
packed = zlib.compress(blob, 9)
assert zlib.decompress(packed) == blob
print("zlib: crc32", zlib.crc32(blob), "roundtrip", len(zlib.decompress(packed)))

# Four threads, each summing the squares of a quarter of range(N).
N = 1_000_000
parts = [0] * 4


def work(i):
    parts[i] = sum(k * k for k in range(i * N // 4, (i + 1) * N // 4))


threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("threads:", len(threads), sum(parts))

sys.stdout.flush()
done = subprocess.run(["echo", "hi"])
captured = subprocess.run(["echo", "captured"], capture_output=True, text=True)
print("subprocess:", done.returncode, captured.returncode, captured.stdout.strip())

db = sqlite3.connect("/tmp/workload.db")
db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
db.executemany("INSERT INTO t (k, v) VALUES (?, ?)", [(i, "v%d" % i) for i in range(1, 1001)])
db.commit()
db.close()
db = sqlite3.connect("/tmp/workload.db")
count, total = db.execute("SELECT count(*), sum(k) FROM t").fetchone()
last = db.execute("SELECT v FROM t ORDER BY k DESC LIMIT 1").fetchone()[0]
print("sqlite:", count, total, last, sqlite3.sqlite_version_info >= (3, 0, 0))
db.close()

got = []
signal.signal(signal.SIGTERM, lambda signum, frame: got.append(signum))
print("ready")
deadline = time.monotonic() + 30
while not got and time.monotonic() < deadline:
    time.sleep(0.05)
if not got:
    print("no SIGTERM within 30 s")
    sys.exit(1)
print("signal: got", got[0])
