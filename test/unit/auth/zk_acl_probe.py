#!/usr/bin/python3
"""ACL behaviour probe over the ZooKeeper protocol, with kazoo.

Prints one line per case (error class, ACLs; no zxids or times), so the output
of a real ZooKeeper 3.8.0 and of Arbor's ZooKeeper port can be diffed:

  ../shared/zkref/zkctl.sh start 1      # superDigest = super:test
  test/unit/auth/zk_acl_probe.py 127.0.0.1:2181 | diff test/unit/auth/zk_acl_probe.expected -

The .expected file was recorded against Debian's ZooKeeper 3.8.0. Arbor must
run with --superdigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU= for the super cases.
Not run by CI (it needs a server with the ZooKeeper protocol and auth wired).
"""
import sys

from kazoo import exceptions as E
from kazoo.client import KazooClient
from kazoo.security import ACL, Id

HOSTS = sys.argv[1]
ROOT = "/aclprobe"
ALICE = "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="  # digest of alice:secret


def client(auth=None):
    c = KazooClient(hosts=HOSTS, auth_data=auth)
    c.start(timeout=10)
    return c


def show(result):
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], list):
        result = result[0]  # (acls, stat): keep the ACLs
    if isinstance(result, list) and result and isinstance(result[0], ACL):
        return "[" + ", ".join("%d %s:%s" % (a.perms, a.id.scheme, a.id.id) for a in result) + "]"
    if result is not None and result.__class__.__name__ == "ZnodeStat":
        return "stat"
    if isinstance(result, tuple):  # (data, stat)
        return repr(result[0])
    return repr(result)


def case(name, f):
    try:
        print("%s: OK %s" % (name, show(f())))
    except E.KazooException as e:
        print("%s: %s" % (name, type(e).__name__))


def main():
    s = client([("digest", "super:test")])
    if s.exists(ROOT):
        s.delete(ROOT, recursive=True)
    s.create(ROOT)
    w = client()
    a = client([("digest", "alice:secret")])
    p = lambda name: ROOT + "/" + name
    case("create alice-all world-read", lambda: a.create(p("r"), b"v", acl=[ACL(31, Id("digest", ALICE)), ACL(1, Id("world", "anyone"))]))
    case("getACL world (READ, no ADMIN)", lambda: w.get_acls(p("r")))
    case("getACL alice (ADMIN)", lambda: a.get_acls(p("r")))
    case("create locked", lambda: a.create(p("l"), b"v", acl=[ACL(31, Id("digest", ALICE))]))
    case("exists locked as world", lambda: w.exists(p("l")))
    case("get locked as world", lambda: w.get(p("l")))
    case("getACL locked as world", lambda: w.get_acls(p("l")))
    case("children locked as world", lambda: w.get_children(p("l")))
    case("set locked as world", lambda: w.set(p("l"), b"x"))
    case("create under locked as world", lambda: w.create(p("l") + "/c"))
    case("setACL locked as world", lambda: w.set_acls(p("l"), [ACL(31, Id("world", "anyone"))]))
    case("get locked as alice", lambda: a.get(p("l")))
    case("create under locked as alice", lambda: a.create(p("l") + "/c"))
    case("delete under locked as world", lambda: w.delete(p("l") + "/c"))
    case("perms 127", lambda: w.create(p("p127"), acl=[ACL(127, Id("world", "anyone"))]))
    case("perms 0", lambda: w.create(p("p0"), acl=[ACL(0, Id("world", "anyone"))]))
    case("getACL perms 0", lambda: w.get_acls(p("p0")))
    case("digest a:b:c", lambda: w.create(p("d1"), acl=[ACL(31, Id("digest", "a:b:c"))]))
    case("digest :b", lambda: w.create(p("d2"), acl=[ACL(31, Id("digest", ":b"))]))
    case("digest a:b:", lambda: w.create(p("d3"), acl=[ACL(31, Id("digest", "a:b:"))]))
    case("digest nocolon", lambda: w.create(p("d4"), acl=[ACL(31, Id("digest", "nocolon"))]))
    case("world someone", lambda: w.create(p("w1"), acl=[ACL(31, Id("world", "someone"))]))
    case("ip /33", lambda: w.create(p("i1"), acl=[ACL(31, Id("ip", "10.0.0.0/33"))]))
    case("ip 010.+1.0.0", lambda: w.create(p("i2"), acl=[ACL(31, Id("ip", "010.+1.0.0"))]))
    case("ip ::1", lambda: w.create(p("i3"), acl=[ACL(31, Id("ip", "::1"))]))
    case("ip 127.0.0.0/8 get", lambda: (w.create(p("i4"), b"lo", acl=[ACL(1, Id("ip", "127.0.0.0/8"))]), w.get(p("i4")))[1])
    case("ip 10.0.0.0/8 get", lambda: (w.create(p("i5"), b"ten", acl=[ACL(1, Id("ip", "10.0.0.0/8"))]), w.get(p("i5")))[1])
    case("auth without identity", lambda: w.create(p("a1"), acl=[ACL(31, Id("auth", ""))]))
    case("x509", lambda: w.create(p("x1"), acl=[ACL(31, Id("x509", "CN=a"))]))
    case("super in ACL", lambda: w.create(p("s1"), acl=[ACL(31, Id("super", ""))]))
    case("sasl a@b@c", lambda: w.create(p("s2"), acl=[ACL(31, Id("sasl", "a@b@c"))]))
    case("auth + duplicate as alice", lambda: a.create(p("a2"), acl=[ACL(31, Id("auth", "")), ACL(31, Id("digest", ALICE))]))
    case("getACL auth + duplicate", lambda: a.get_acls(p("a2")))
    n = client([("digest", "nocolon")])
    case("auth digest nocolon, auth ACL", lambda: n.create(p("a3"), acl=[ACL(31, Id("auth", ""))]))
    case("getACL nocolon", lambda: n.get_acls(p("a3")))
    case("super get locked", lambda: s.get(p("l")))
    case("super getACL locked", lambda: s.get_acls(p("l")))
    case("getACL admin-only as world", lambda: (a.create(p("ad"), acl=[ACL(31, Id("digest", ALICE)), ACL(16, Id("world", "anyone"))]), w.get_acls(p("ad")))[1])
    s.delete(p("l") + "/c")
    case("delete locked as world (DELETE is checked on the parent)", lambda: w.delete(p("l")))
    bad = KazooClient(hosts=HOSTS, auth_data=[("foo", "x")])
    try:
        bad.start(timeout=5)
        bad.get("/")
        print("unknown auth scheme: OK")
    except Exception as e:
        print("unknown auth scheme: %s" % type(e).__name__)
    finally:
        bad.stop()
    s.delete(ROOT, recursive=True)
    for c in (w, a, n, s):
        c.stop()


if __name__ == "__main__":
    main()
