#!/usr/bin/env python3
"""kazoo 2.8 over TLS (use_ssl=True) against arbord's --secure_zk_port.

usage: kazoo_tls.py HOST:PORT CERTS_DIR   (certificates from test/tls/make_test_certs.sh)

Alice's client certificate is her x509 identity: a node whose ACL names her
subject DN is hers; a TLS client without a certificate gets NoAuth; a client
that does not trust the server's CA cannot connect. Prints PASS at the end.
"""
import sys

from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
from kazoo.security import ACL, Id

ALICE = "CN=alice,OU=eng,O=Example,C=US"


def client(hosts, certs, who=None, ca="ca"):
    kwargs = dict(hosts=hosts, use_ssl=True, ca=f"{certs}/{ca}.pem", timeout=10)
    if who:
        kwargs.update(certfile=f"{certs}/{who}.pem", keyfile=f"{certs}/{who}.key")
    return KazooClient(**kwargs)


def main():
    hosts, certs = sys.argv[1], sys.argv[2]
    alice = client(hosts, certs, "alice")
    alice.start(timeout=15)
    alice.create("/tls-alice", b"hers", acl=[ACL(31, Id("x509", ALICE))])
    alice.set("/tls-alice", b"still hers")
    data, _ = alice.get("/tls-alice")
    assert data == b"still hers", data
    print("alice: x509 ACL ok")

    anon = client(hosts, certs)
    anon.start(timeout=15)
    try:
        anon.get("/tls-alice")
        raise AssertionError("a client without a certificate read alice's node")
    except NoAuthError:
        print("anonymous TLS client: NoAuth")
    anon.stop()
    anon.close()

    stranger = client(hosts, certs, "alice", ca="ca2")
    try:
        stranger.start(timeout=3)
        raise AssertionError("connected without trusting the server's CA")
    except Exception as e:  # kazoo reports the failed handshakes as a timeout
        print("untrusted server: refused (%s)" % type(e).__name__)
    finally:
        stranger.stop()
        stranger.close()

    alice.delete("/tls-alice")
    alice.stop()
    alice.close()
    print("PASS")


if __name__ == "__main__":
    main()
