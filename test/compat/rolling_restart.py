"""Writers on kazoo (Debian's 2.8) and the ZooKeeper C client while every
server of a 3-node cluster is restarted in turn with SIGTERM (issue #11, item
7). The C++ test restarts a server when this script prints "RESTART <i>" and
answers on stdin when it serves again.

Each kazoo writer creates its own nodes with kazoo's own retry (KazooRetry
on connection loss; a NodeExists after an unknown outcome means the first
attempt took). At the end every acknowledged node must exist, no request may
have failed beyond those retries, and no client may have hung (kazoo 2.8's
connection thread dies on an error code it does not know, e.g. THROTTLEDOP,
and its requests then wait forever). Prints a summary and "PASS".

Usage: rolling_restart.py HOSTS C_WRITER STOP_FILE
"""
import json
import subprocess
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException, NodeExistsError
from kazoo.retry import KazooRetry

HOSTS, C_WRITER, STOP_FILE = sys.argv[1], sys.argv[2], sys.argv[3]
WRITERS = 4
stop = threading.Event()
results = []
lock = threading.Lock()


def writer(i):
    client = KazooClient(hosts=HOSTS, timeout=10.0, connection_retry=KazooRetry(max_tries=-1, max_delay=0.5))
    client.start(timeout=30)
    retry = KazooRetry(max_tries=-1, deadline=30, max_delay=0.5)
    acked, failed, hung, n = [], 0, 0, 0
    client.ensure_path("/rr")
    while not stop.is_set():
        path = "/rr/k%d-%d" % (i, n)
        n += 1
        started = time.monotonic()
        attempts = [0]

        def create():
            attempts[0] += 1
            try:
                client.create(path, b"v")
            except NodeExistsError:
                if attempts[0] == 1:
                    raise
        try:
            retry(create)
            acked.append(path)
        except Exception as e:  # noqa: BLE001 - every failure is counted
            failed += 1
            print("kazoo writer %d: %s failed: %r" % (i, path, e), flush=True)
        if time.monotonic() - started > 25:
            hung += 1
    client.stop()
    client.close()
    with lock:
        results.append({"writer": i, "acked": acked, "failed": failed, "slow": hung})


threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(WRITERS)]
for t in threads:
    t.start()
c_writer = subprocess.Popen([C_WRITER, HOSTS, STOP_FILE], stdout=subprocess.PIPE, text=True)
time.sleep(3)
for i in range(3):
    print("RESTART %d" % i, flush=True)
    if sys.stdin.readline().strip() != "restarted":
        print("FAIL: the test did not restart server %d" % i)
        sys.exit(1)
    time.sleep(3)
stop.set()
open(STOP_FILE, "w").close()
for t in threads:
    t.join(timeout=60)
hung_threads = sum(1 for t in threads if t.is_alive())
c_out, _ = c_writer.communicate(timeout=60)
c_acked = [line.split()[1] for line in c_out.splitlines() if line.startswith("acked /")]
c_failed = sum(1 for line in c_out.splitlines() if line.startswith("failed "))

check = KazooClient(hosts=HOSTS, timeout=10.0)
check.start(timeout=30)
check.sync("/rr")
present = set(check.get_children("/rr"))
check.stop()
acked = [p for r in results for p in r["acked"]] + c_acked
lost = [p for p in acked if p.rsplit("/", 1)[1] not in present]
failed = sum(r["failed"] for r in results) + c_failed
summary = {"kazoo_writes": sum(len(r["acked"]) for r in results), "c_writes": len(c_acked),
           "failed": failed, "lost": len(lost), "hung_writers": hung_threads}
print(json.dumps(summary), flush=True)
if lost:
    print("lost: %s" % lost[:20])
ok = failed == 0 and not lost and hung_threads == 0 and len(c_acked) > 0 and summary["kazoo_writes"] > 0
print("PASS" if ok else "FAIL", flush=True)
sys.exit(0 if ok else 1)
