#!/usr/bin/python3
"""One scripted kazoo workload against Arbor and against Apache ZooKeeper 3.8;
every response, error and watch event is compared field by field, except
zxids and times (czxid, mzxid, pzxid, ctime, mtime) and session ids
(ephemeralOwner is compared as zero / this session / other).

  reference_compare.py ARBOR_HOSTS ZOOKEEPER_HOSTS

Prints each step's result for both servers and "PASS" if they all agree;
exits 1 listing the differing steps otherwise.
"""
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException
from kazoo.protocol.states import ZnodeStat

TIMEOUT = 10


def norm(value, session):
    if isinstance(value, ZnodeStat):
        owner = value.ephemeralOwner
        return {"version": value.version, "cversion": value.cversion, "aversion": value.aversion,
                "dataLength": value.dataLength, "numChildren": value.numChildren,
                "ephemeralOwner": "none" if owner == 0 else ("self" if owner == session else "other")}
    if isinstance(value, (list, tuple)):
        return [norm(v, session) for v in value]
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, Exception):
        return "error:" + type(value).__name__
    if hasattr(value, "perms") and hasattr(value, "id"):  # ACL
        return {"perms": value.perms, "scheme": value.id.scheme, "id": value.id.id}
    return value


class Recorder:
    def __init__(self, hosts):
        self.zk = KazooClient(hosts=hosts, timeout=TIMEOUT)
        self.zk.start(timeout=TIMEOUT)
        self.session = self.zk.client_id[0]
        self.events = []
        self.lock = threading.Lock()
        self.steps = []

    def watch(self, event):
        with self.lock:
            self.events.append({"type": event.type, "state": event.state, "path": event.path})

    def run(self, name, fn, expect_events=0):
        before = len(self.events)
        try:
            result = norm(fn(), self.session)
        except KazooException as e:
            result = norm(e, self.session)
        end = time.time() + 3
        while len(self.events) < before + expect_events and time.time() < end:
            time.sleep(0.01)
        if expect_events:
            time.sleep(0.05)  # a spurious extra event would show up here
        with self.lock:
            fired = self.events[before:]
        self.steps.append((name, result, fired))


def workload(r):
    zk, w = r.zk, r.watch
    r.run("create", lambda: zk.create("/ref", b"a"))
    r.run("create existing", lambda: zk.create("/ref", b"b"))
    r.run("create without parent", lambda: zk.create("/none/x", b""))
    r.run("get", lambda: zk.get("/ref"))
    r.run("set v0", lambda: zk.set("/ref", b"bb", version=0))
    r.run("set stale version", lambda: zk.set("/ref", b"c", version=0))
    r.run("exists missing", lambda: zk.exists("/nope"))
    r.run("exists", lambda: zk.exists("/ref"))
    for i in range(3):
        r.run("sequential %d" % i, lambda: zk.create("/ref/s-", b"", sequence=True))
    r.run("ephemeral", lambda: zk.create("/ref/e", b"eph", ephemeral=True))
    r.run("ephemeral sequential", lambda: zk.create("/ref/es-", b"", ephemeral=True, sequence=True))
    r.run("child of ephemeral", lambda: zk.create("/ref/e/c", b""))
    r.run("get ephemeral", lambda: zk.get("/ref/e"))
    r.run("children", lambda: sorted(zk.get_children("/ref")))
    r.run("children2", lambda: (lambda c, s: (sorted(c), s))(*zk.get_children("/ref", include_data=True)))
    r.run("delete non-empty", lambda: zk.delete("/ref"))
    r.run("delete missing", lambda: zk.delete("/nope"))
    r.run("delete bad version", lambda: zk.delete("/ref/s-0000000000", version=7))
    r.run("delete", lambda: zk.delete("/ref/s-0000000000", version=0))
    r.run("empty data", lambda: (zk.create("/ref/empty", b""), zk.get("/ref/empty"))[1])
    # Null data (zkCli's `create /x`) reads back null, and setData(None) too.
    r.run("null data", lambda: (zk.create("/ref/null", None), zk.get("/ref/null"))[1])
    r.run("set empty then null", lambda: (zk.set("/ref/null", b""), zk.get("/ref/null"),
                                          zk.set("/ref/null", None), zk.get("/ref/null"))[1:])
    # Sequence numbers count child creates only (not deletes), while the
    # cversion clients see moves on both.
    r.run("sequential after delete", lambda: (zk.delete("/ref/s-0000000001"), zk.exists("/ref"),
                                              zk.create("/ref/s-", b"", sequence=True)))
    r.run("root and /zookeeper stats", lambda: (zk.exists("/"), zk.exists("/zookeeper")))
    r.run("makepath", lambda: zk.create("/ref/a/b/c", b"deep", makepath=True))
    r.run("get acl", lambda: zk.get_acls("/ref"))
    r.run("sync", lambda: zk.sync("/ref"))

    def txn_ok():
        t = zk.transaction()
        t.create("/ref/t1", b"1")
        t.set_data("/ref", b"t", version=1)
        t.check("/ref", 2)
        t.delete("/ref/t1")
        return t.commit()

    def txn_fail():
        t = zk.transaction()
        t.create("/ref/t2", b"")
        t.check("/ref", 99)
        t.set_data("/ref", b"x")
        return t.commit()

    r.run("transaction", txn_ok)
    r.run("transaction with a failing check", txn_fail)
    r.run("after failed transaction", lambda: zk.exists("/ref/t2"))

    r.run("data watch: get", lambda: zk.get("/ref", watch=w))
    r.run("data watch: set", lambda: zk.set("/ref", b"w"), expect_events=1)
    r.run("child watch: get_children", lambda: sorted(zk.get_children("/ref", watch=w)))
    r.run("child watch: create", lambda: zk.create("/ref/new", b""), expect_events=1)
    r.run("exists watch: exists", lambda: zk.exists("/ref/later", watch=w))
    r.run("exists watch: create", lambda: zk.create("/ref/later", b""), expect_events=1)
    r.run("delete watch: exists", lambda: zk.exists("/ref/later", watch=w))
    # ZooKeeper lists children in hash order, Arbor sorted: compare as sets.
    r.run("delete watch: get_children", lambda: sorted(zk.get_children("/ref", watch=w)))
    r.run("delete watch: delete", lambda: zk.delete("/ref/later"), expect_events=2)
    r.run("watch fires once", lambda: zk.set("/ref", b"again"), expect_events=0)
    r.run("final tree", lambda: sorted(zk.get_children("/ref")))
    r.run("cleanup", lambda: zk.delete("/ref", recursive=True))
    zk.stop()
    zk.close()


def main():
    arbor, zookeeper = Recorder(sys.argv[1]), Recorder(sys.argv[2])
    workload(arbor)
    workload(zookeeper)
    bad = 0
    for (name, ra, ea), (_, rz, ez) in zip(arbor.steps, zookeeper.steps):
        same = ra == rz and ea == ez
        bad += not same
        print("%s %-36s arbor=%r events=%r" % ("ok  " if same else "DIFF", name, ra, ea))
        if not same:
            print("     %-36s zookeeper=%r events=%r" % ("", rz, ez))
    print("%d steps, %d differ" % (len(arbor.steps), bad))
    if bad == 0 and len(arbor.steps) == len(zookeeper.steps):
        print("PASS")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
