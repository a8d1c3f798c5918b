#!/usr/bin/python3
"""The ZooKeeper operations kazoo 2.8 cannot send, run through a raw jute
client (jute_client.py) against Arbor and against Apache ZooKeeper 3.8, and
compared step by step: createTTL, createContainer (and every create opcode
with every flag value, alone and inside a multi), deleteContainer, container
and TTL reaping, addWatch (persistent and persistent recursive),
removeWatches, getEphemerals, multiRead, setWatches2, getAllChildrenNumber,
whoAmI, null data and sequence numbers after deletes.

  extended_ops_compare.py ARBOR_HOST:PORT ZOOKEEPER_HOST:PORT
  extended_ops_compare.py --record FILE ZOOKEEPER_HOST:PORT   (on a fresh server)
  extended_ops_compare.py --expect FILE ARBOR_HOST:PORT       (on a fresh server)

The last form compares with a run recorded against Apache ZooKeeper 3.8.0
(extended_ops.expected), for machines without Java or zkref.

The ZooKeeper must run with -Dzookeeper.extendedTypesEnabled=true (Arbor
behaves like that: TTL nodes are always on) and a short
-Dznode.container.checkIntervalMs (1000; Arbor reaps every second), or the
reaping steps time out there. zxids, times and session ids are not compared
(ephemeralOwner is compared as none / this session / another).

Prints every step and "PASS" if all agree; exits 1 listing the differences.
"""
import sys
import time
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import jute_client as jc  # noqa: E402
from jute_client import bool_, int_, long_, string_, strings_, buffer_, create_body, multi_body

OPS = {jc.CREATE: "create", jc.CREATE2: "create2", jc.CREATE_CONTAINER: "createContainer",
       jc.CREATE_TTL: "createTTL"}
TTL_MS = 60000
REAP_WAIT_S = 8.0


class Client(object):
    """One session; every method returns a comparable value or ("error", code)."""

    def __init__(self, hostport):
        self.hostport = hostport
        self.c = jc.Connection(hostport)
        self.session = self.c.session_id

    def stat(self, st):
        owner = st["ephemeralOwner"]
        return {"version": st["version"], "cversion": st["cversion"], "aversion": st["aversion"],
                "dataLength": st["dataLength"], "numChildren": st["numChildren"],
                "ephemeralOwner": "none" if owner == 0 else ("self" if owner == self.session else "other")}

    def call(self, opcode, body, xid=None):
        err, r = self.c.call(opcode, body, xid=xid)
        return (("error", err), None) if err else (None, r)

    def create(self, path, data=b"", flags=0, op=jc.CREATE, ttl=None):
        if op == jc.CREATE_TTL and ttl is None:
            ttl = TTL_MS
        e, r = self.call(op, create_body(path, data, flags, ttl=ttl))
        if e:
            return e
        out = [r.string_()]
        if op != jc.CREATE:
            out.append(self.stat(r.stat()))
        return out

    def delete(self, path):
        e, _ = self.call(jc.DELETE, string_(path) + int_(-1))
        return e or "ok"

    def exists(self, path):
        e, r = self.call(jc.EXISTS, string_(path) + bool_(False))
        return e or self.stat(r.stat())

    def get(self, path, watch=False):
        e, r = self.call(jc.GET_DATA, string_(path) + bool_(watch))
        if e:
            return e
        data = r.buffer_()
        return [None if data is None else data.decode("latin-1"), self.stat(r.stat())]

    def set(self, path, data):
        e, r = self.call(jc.SET_DATA, string_(path) + buffer_(data) + int_(-1))
        return e or self.stat(r.stat())

    def children(self, path, watch=False):
        e, r = self.call(jc.GET_CHILDREN, string_(path) + bool_(watch))
        return e or sorted(r.strings_())  # ZooKeeper's order is its hash order

    def multi_result(self, r):
        out = []
        while True:
            t, done, _ = r.int_(), r.bool_(), r.int_()
            if done:
                return out
            if t == -1:
                out.append(("error", r.int_()))
            elif t == jc.CREATE:
                out.append(("create", r.string_()))
            elif t == jc.CREATE2:
                out.append(("create2", r.string_(), self.stat(r.stat())))
            elif t == jc.SET_DATA:
                out.append(("setData", self.stat(r.stat())))
            elif t == jc.GET_DATA:
                data = r.buffer_()
                out.append(("getData", None if data is None else data.decode("latin-1"), self.stat(r.stat())))
            elif t == jc.GET_CHILDREN:
                out.append(("getChildren", sorted(r.strings_())))
            else:  # delete, check: no body
                out.append((t,))

    def multi(self, ops, read=False):
        e, r = self.call(jc.MULTI_READ if read else jc.MULTI, multi_body(ops))
        return e or self.multi_result(r)

    def add_watch(self, path, mode):
        e, r = self.call(jc.ADD_WATCH, string_(path) + int_(mode))
        return e or ("ok", r.int_())  # ZooKeeper answers ErrorResponse(0)

    def remove_watches(self, path, watcher_type):
        e, _ = self.call(18, string_(path) + int_(watcher_type))
        return e or "ok"

    def ephemerals(self, prefix):
        e, r = self.call(jc.GET_EPHEMERALS, string_(prefix))
        return e or sorted(r.strings_())  # ZooKeeper's order is a HashSet's

    def all_children_number(self, path):
        e, r = self.call(jc.GET_ALL_CHILDREN_NUMBER, string_(path))
        return e or r.int_()

    def who_am_i(self):
        e, r = self.call(jc.WHO_AM_I, b"")
        if e:
            return e
        # Sorted: ZooKeeper 3.8 lists a connection's identities in the order
        # of the ConcurrentHashMap holding them (hash of each Id), Arbor in
        # the order they were added (docs/COMPATIBILITY.md).
        return sorted((r.string_(), r.string_()) for _ in range(r.int_()))

    def auth(self, scheme, credential):
        e, _ = self.call(100, int_(0) + string_(scheme) + buffer_(credential), xid=-4)
        return e or "ok"

    def set_watches2(self, relative_zxid, data=(), exist=(), child=(), persistent=(), recursive=()):
        body = long_(relative_zxid) + strings_(list(data)) + strings_(list(exist)) + \
            strings_(list(child)) + strings_(list(persistent)) + strings_(list(recursive))
        e, _ = self.call(jc.SET_WATCHES2, body, xid=-8)
        return e or "ok"

    def events_since(self, before):
        return [[t, p] for t, _, p in self.c.events[before:]]

    def close(self):
        self.c.close()


class Recorder(object):
    def __init__(self, hostport, base):
        self.hostport = hostport
        self.base = base
        self.z = Client(hostport)
        self.steps = []

    def run(self, name, fn, expect_events=0):
        before = len(self.z.c.events)
        try:
            result = fn()
        except (OSError, ValueError, ConnectionError) as e:
            result = "exception: %s" % type(e).__name__
            self.z = Client(self.hostport)
            before = 0
        if expect_events:
            self.z.c.wait_events(before + expect_events, timeout=5.0)
            self.z.c.wait_events(before + expect_events + 1, timeout=0.2)  # a spurious extra?
        self.steps.append((name, result, self.z.events_since(before)))

    def wait_gone(self, path):
        """Polls until `path` is gone (reaped) or REAP_WAIT_S pass."""
        deadline = time.time() + REAP_WAIT_S
        while time.time() < deadline:
            if self.z.exists(path) == ("error", -101):
                return "gone"
            time.sleep(0.2)
        return "still there"


def workload(r):
    z, b = r.z, r.base
    r.run("create base", lambda: z.create(b))

    # Null data, as zkCli's `create /x` sends it.
    r.run("create null", lambda: z.create(b + "/null", None))
    r.run("get null", lambda: z.get(b + "/null"))
    r.run("set empty", lambda: z.set(b + "/null", b""))
    r.run("get empty", lambda: z.get(b + "/null"))
    r.run("set null", lambda: z.set(b + "/null", None))
    r.run("get null again", lambda: z.get(b + "/null"))
    r.run("multi create+set null", lambda: z.multi([
        (jc.CREATE, create_body(b + "/mnull", None)),
        (jc.SET_DATA, string_(b + "/mnull") + buffer_(None) + int_(-1))]))
    r.run("multiRead", lambda: z.multi([
        (jc.GET_DATA, string_(b + "/mnull") + bool_(False)),
        (jc.GET_CHILDREN, string_(b) + bool_(False)),
        (jc.GET_DATA, string_(b + "/missing") + bool_(False)),
        (jc.GET_CHILDREN, string_(b + "/missing") + bool_(False))], read=True))

    # Sequence numbers count creates only; cversion moves on deletes too.
    s = b + "/seq"
    r.run("seq parent", lambda: z.create(s))
    for i in range(3):
        r.run("seq %d" % i, lambda: z.create(s + "/s-", flags=jc.PERSISTENT_SEQUENTIAL))
    r.run("seq delete one", lambda: z.delete(s + "/s-0000000001"))
    r.run("seq stat", lambda: z.exists(s))
    r.run("seq after delete", lambda: z.create(s + "/s-", flags=jc.PERSISTENT_SEQUENTIAL))
    r.run("plain create+delete", lambda: [z.create(s + "/x"), z.delete(s + "/x"), z.exists(s)])
    r.run("seq after that", lambda: z.create(s + "/s-", flags=jc.EPHEMERAL_SEQUENTIAL))
    r.run("multi delete+seq", lambda: z.multi([
        (jc.DELETE, string_(s + "/s-0000000000") + int_(-1)),
        (jc.CREATE, create_body(s + "/s-", flags=jc.PERSISTENT_SEQUENTIAL))]))

    # Every create opcode with every flag value, alone and in a multi.
    f = b + "/flags"
    r.run("flags parent", lambda: z.create(f))
    for op in (jc.CREATE, jc.CREATE2, jc.CREATE_CONTAINER, jc.CREATE_TTL):
        for flags in (0, 1, 2, 3, 4, 5, 6, 9):
            path = "%s/%s-%d-" % (f, OPS[op], flags)
            r.run("single %s flags %d" % (OPS[op], flags), lambda: z.create(path, flags=flags, op=op))
            r.run("  multi %s flags %d" % (OPS[op], flags), lambda: z.multi(
                [(op, create_body(path + "m", flags=flags, ttl=TTL_MS if op == jc.CREATE_TTL else None))]))
    for ttl in (0, -5, 0xFFFFFFFFFF, 0x10000000000):
        r.run("createTTL ttl %d" % ttl, lambda: z.create("%s/ttl%d" % (f, ttl), flags=5,
                                                          op=jc.CREATE_TTL, ttl=ttl))
        r.run("  multi createTTL ttl %d" % ttl, lambda: z.multi(
            [(jc.CREATE, create_body(f + "/before")),
             (jc.CREATE_TTL, create_body("%s/mttl%d" % (f, ttl), flags=5, ttl=ttl))]))
    r.run("multi: unknown flags fail one op", lambda: z.multi([
        (jc.CREATE, create_body(f + "/ok1")), (jc.CREATE, create_body(f + "/bad", flags=9)),
        (jc.CREATE, create_body(f + "/ok2"))]))
    r.run("flags: what was made", lambda: z.children(f))

    # Containers are reaped once they had a child; TTL nodes when idle.
    c = b + "/kinds"
    r.run("kinds parent", lambda: z.create(c))
    r.run("container", lambda: z.create(c + "/box", flags=jc.CONTAINER, op=jc.CREATE_CONTAINER))
    r.run("container never used", lambda: z.create(c + "/unused", flags=jc.CONTAINER, op=jc.CREATE_CONTAINER))
    r.run("sequential container", lambda: z.create(c + "/sbox-", flags=jc.PERSISTENT_SEQUENTIAL,
                                                    op=jc.CREATE_CONTAINER))
    r.run("create with CONTAINER flags", lambda: z.create(c + "/plain", flags=jc.CONTAINER))
    r.run("ttl node", lambda: z.create(c + "/ttl", flags=jc.PERSISTENT_WITH_TTL, op=jc.CREATE_TTL, ttl=300))
    r.run("ttl node with child", lambda: [
        z.create(c + "/ttlkid", flags=jc.PERSISTENT_WITH_TTL, op=jc.CREATE_TTL, ttl=300),
        z.create(c + "/ttlkid/k")])
    for name in ("box", "sbox-0000000002", "plain"):
        r.run("use " + name, lambda: [z.create("%s/%s/kid" % (c, name)), z.delete("%s/%s/kid" % (c, name))])
    r.run("deleteContainer (raw path)", lambda: z.call(jc.DELETE_CONTAINER, (c + "/unused").encode())[0])
    r.run("deleteContainer (ustring)", lambda: z.call(jc.DELETE_CONTAINER, string_(c + "/unused"))[0])
    r.run("container reaped", lambda: r.wait_gone(c + "/box"))
    r.run("sequential container reaped", lambda: r.wait_gone(c + "/sbox-0000000002"))
    r.run("ttl node reaped", lambda: r.wait_gone(c + "/ttl"))
    r.run("what is left", lambda: z.children(c))
    r.run("stats of what is left", lambda: [z.exists(c + "/" + n) for n in ("unused", "plain", "ttlkid")])

    # getEphemerals and getAllChildrenNumber.
    e = b + "/eph"
    r.run("ephemerals", lambda: [z.create(e), z.create(e + "/e1", flags=jc.EPHEMERAL),
                                 z.create(e + "/e2", flags=jc.EPHEMERAL), z.create(e + "/sub"),
                                 z.create(e + "/sub/e3", flags=jc.EPHEMERAL_SEQUENTIAL)])
    r.run("getEphemerals /", lambda: z.ephemerals("/"))
    r.run("getEphemerals prefix", lambda: z.ephemerals(e + "/e"))
    r.run("getEphemerals string prefix", lambda: z.ephemerals(e + "/su"))
    r.run("getEphemerals none", lambda: z.ephemerals(b + "/nothing"))
    r.run("getAllChildrenNumber", lambda: z.all_children_number(e))
    r.run("getAllChildrenNumber leaf", lambda: z.all_children_number(e + "/e1"))
    r.run("getAllChildrenNumber missing", lambda: z.all_children_number(b + "/nothing"))

    # addWatch: persistent (every event on the node, children changes
    # included) and persistent recursive (the subtree, no children events).
    p = b + "/pw"
    r.run("addWatch persistent (node missing)", lambda: z.add_watch(p, jc.PERSISTENT_WATCH))
    r.run("pw create", lambda: z.create(p), expect_events=1)
    r.run("pw set", lambda: z.set(p, b"1"), expect_events=1)
    r.run("pw child create", lambda: z.create(p + "/c"), expect_events=1)
    r.run("pw child set (no event)", lambda: z.set(p + "/c", b"x"))
    r.run("pw child delete", lambda: z.delete(p + "/c"), expect_events=1)
    r.run("pw delete", lambda: z.delete(p), expect_events=1)
    r.run("pw create again (still watched)", lambda: z.create(p), expect_events=1)
    # WatcherType ANY (3): ZooKeeper 3.8.0 has no Persistent (4) /
    # PersistentRecursive (5) watcher types yet (3.9 added them; it answers
    # MARSHALLINGERROR), Arbor accepts those too.
    r.run("removeWatches persistent (ANY)", lambda: z.remove_watches(p, 3))
    r.run("pw set after remove (no event)", lambda: z.set(p, b"2"))
    r.run("removeWatches again", lambda: z.remove_watches(p, 3))
    q = b + "/rw"
    r.run("addWatch recursive", lambda: z.add_watch(q, jc.PERSISTENT_RECURSIVE_WATCH))
    r.run("rw create", lambda: z.create(q), expect_events=1)
    r.run("rw child create", lambda: z.create(q + "/a"), expect_events=1)
    r.run("rw grandchild create", lambda: z.create(q + "/a/b", b"x"), expect_events=1)
    r.run("rw grandchild set", lambda: z.set(q + "/a/b", b"y"), expect_events=1)
    r.run("rw grandchild delete", lambda: z.delete(q + "/a/b"), expect_events=1)
    r.run("rw with a data watch too (one event)", lambda: [z.get(q + "/a", watch=True), z.set(q + "/a", b"z")],
          expect_events=1)
    r.run("removeWatches recursive (ANY)", lambda: z.remove_watches(q, 3))
    r.run("rw after remove (no event)", lambda: z.create(q + "/after"))

    # setWatches2: watches a reconnecting client re-registers; those whose
    # node changed after relativeZxid fire at once.
    w = b + "/sw"
    r.run("sw setup", lambda: [z.create(w, b"0"), z.create(w + "/kid"), z.create(w + "/gone")])
    rel = r.z.c.last_zxid
    other = Client(r.hostport)
    r.run("sw changes by another session", lambda: [other.set(w, b"1"), other.create(w + "/later"),
                                                    other.delete(w + "/gone"), other.create(w + "/new")])
    other.close()
    r.run("setWatches2", lambda: r.z.set_watches2(
        rel, data=[w, w + "/gone", w + "/kid"], exist=[w + "/later", w + "/nope"], child=[w, w + "/kid"],
        persistent=[w + "/p"], recursive=[w + "/r"]), expect_events=4)
    r.run("sw: a registered data watch fires", lambda: z.set(w + "/kid", b"k"), expect_events=1)
    r.run("sw: exist watch fires", lambda: z.create(w + "/nope"), expect_events=1)
    r.run("sw: persistent and recursive", lambda: [z.create(w + "/p"), z.create(w + "/r"),
                                                   z.create(w + "/r/x")], expect_events=3)

    # whoAmI: ip first, then each auth identity.
    r.run("whoAmI", lambda: z.who_am_i())
    r.run("auth digest", lambda: z.auth("digest", b"alice:secret"))
    r.run("whoAmI after auth", lambda: z.who_am_i())

    r.run("cleanup", lambda: cleanup(z, b))
    z.close()


def cleanup(z, path):
    kids = z.children(path)
    if isinstance(kids, tuple):
        return kids
    for k in kids:
        cleanup(z, path + "/" + k)
    return z.delete(path)


def record_line(step):
    name, result, events = step
    return "%s\t%r\t%r" % (name, result, events)


def main():
    args = sys.argv[1:]
    if args[0] in ("--record", "--expect"):
        mode, path, server = args
        # A fixed base: the recording and the run must name the same nodes.
        run = Recorder(server, "/xo")
        workload(run)
        lines = [record_line(step) for step in run.steps]
        if mode == "--record":
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            print("recorded %d steps in %s" % (len(lines), path))
            return 0
        with open(path) as f:
            expected = f.read().splitlines()
        steps = [(line, want) for line, want in zip(lines, expected + [""] * len(lines))]
    else:
        base = "/xo-" + uuid.uuid4().hex[:8]
        arbor, zookeeper = Recorder(args[0], base), Recorder(args[1], base)
        workload(arbor)
        workload(zookeeper)
        steps = [(record_line(a), record_line(z)) for a, z in zip(arbor.steps, zookeeper.steps)]
        expected = zookeeper.steps
    bad = 0
    for got, want in steps:
        same = got == want
        bad += not same
        print("%s %s" % ("ok  " if same else "DIFF", got))
        if not same:
            print("     zookeeper: %s" % want)
    print("%d steps, %d differ" % (len(steps), bad))
    if bad == 0 and len(steps) == len(expected):
        print("PASS")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
