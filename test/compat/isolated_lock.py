"""kazoo's Lock held through a server cut off from the majority (issue #11,
item 2). Client A talks only to server 3, client B only to servers 1 and 2.
The C++ test cuts server 3 off from its peers when this script prints
"ISOLATE" and heals when it prints "HEAL". A must be told SUSPENDED within
its session timeout (server 3 stops serving instead of keeping it alive);
B acquires only after that; A's later return finds its session expired.
Prints "PASS" on success.

Usage: isolated_lock.py HOSTS_A HOSTS_B
"""
import sys
import threading
import time

from kazoo.client import KazooClient, KazooState

HOSTS_A, HOSTS_B = sys.argv[1], sys.argv[2]
TIMEOUT = 8.0
events = []
suspended = threading.Event()
lost = threading.Event()


def stamp(what):
    events.append((time.monotonic(), what))
    print("%.3f %s" % (time.monotonic(), what), flush=True)


def a_listener(state):
    stamp("A " + state)
    if state == KazooState.SUSPENDED:
        suspended.set()
    if state == KazooState.LOST:
        lost.set()


a = KazooClient(hosts=HOSTS_A, timeout=TIMEOUT)
a.add_listener(a_listener)
a.start(timeout=30)
a_lock = a.Lock("/lock", "A")
if not a_lock.acquire(timeout=30):
    print("FAIL: A could not take the lock")
    sys.exit(1)
stamp("A acquired")
print("ISOLATE", flush=True)
sys.stdin.readline()
isolated_at = time.monotonic()
if not suspended.wait(TIMEOUT):
    print("FAIL: A still believed it was connected %.1f s after its server was cut off" % TIMEOUT)
    sys.exit(1)
suspended_after = time.monotonic() - isolated_at
stamp("A suspended after %.2f s" % suspended_after)

b = KazooClient(hosts=HOSTS_B, timeout=TIMEOUT)
b.start(timeout=30)
b_lock = b.Lock("/lock", "B")
if not b_lock.acquire(timeout=4 * TIMEOUT):
    print("FAIL: B never took the lock (A's session should have expired)")
    sys.exit(1)
b_at = time.monotonic()
stamp("B acquired")
print("HEAL", flush=True)
sys.stdin.readline()
if not lost.wait(6 * TIMEOUT):
    print("FAIL: A's client was never told its session was lost")
    sys.exit(1)
stamp("A lost")
ok = b_at > isolated_at + suspended_after
print("A suspended %.2f s after the cut; B acquired %.2f s after the cut" % (suspended_after, b_at - isolated_at))
b_lock.release()
b.stop()
a.stop()
print("PASS" if ok else "FAIL: B acquired while A still believed it held the lock", flush=True)
sys.exit(0 if ok else 1)
