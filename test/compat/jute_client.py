"""A minimal raw ZooKeeper (jute) client for compatibility tests: the ops
kazoo 2.8 cannot send (createTTL, createContainer, deleteContainer, addWatch,
getEphemerals, multiRead, setWatches2, getAllChildrenNumber, whoAmI) and byte
exact ones (null data). Blocking, one request at a time; notifications that
arrive in between are kept in `events`.

Records follow zookeeper.jute (ZooKeeper 3.8); every integer is big-endian.
"""
import socket
import struct

# ZooDefs.OpCode
CREATE, DELETE, EXISTS, GET_DATA, SET_DATA = 1, 2, 3, 4, 5
GET_CHILDREN, GET_CHILDREN2, CHECK, MULTI, CREATE2 = 8, 12, 13, 14, 15
CREATE_CONTAINER, DELETE_CONTAINER, CREATE_TTL, MULTI_READ = 19, 20, 21, 22
SET_WATCHES, GET_EPHEMERALS, GET_ALL_CHILDREN_NUMBER, SET_WATCHES2 = 101, 103, 104, 105
ADD_WATCH, WHO_AM_I, CLOSE_SESSION = 106, 107, -11
# CreateMode flags
PERSISTENT, EPHEMERAL, PERSISTENT_SEQUENTIAL, EPHEMERAL_SEQUENTIAL = 0, 1, 2, 3
CONTAINER, PERSISTENT_WITH_TTL, PERSISTENT_SEQUENTIAL_WITH_TTL = 4, 5, 6
# AddWatchMode
PERSISTENT_WATCH, PERSISTENT_RECURSIVE_WATCH = 0, 1

OPEN_ACL = [(31, "world", "anyone")]
STAT_FIELDS = ("czxid", "mzxid", "ctime", "mtime", "version", "cversion", "aversion",
               "ephemeralOwner", "dataLength", "numChildren", "pzxid")


# ---- encoding --------------------------------------------------------------

def int_(v):
    return struct.pack(">i", v)


def long_(v):
    return struct.pack(">q", v)


def bool_(v):
    return b"\x01" if v else b"\x00"


def buffer_(b):
    """bytes, or None for a null buffer (length -1)."""
    return int_(-1) if b is None else int_(len(b)) + b


def string_(s):
    return buffer_(None if s is None else s.encode("utf-8"))


def strings_(items):
    return int_(len(items)) + b"".join(string_(s) for s in items)


def acls_(acls):
    return int_(len(acls)) + b"".join(int_(p) + string_(sc) + string_(i) for p, sc, i in acls)


def create_body(path, data=b"", flags=PERSISTENT, acl=OPEN_ACL, ttl=None):
    body = string_(path) + buffer_(data) + acls_(acl) + int_(flags)
    return body if ttl is None else body + long_(ttl)


def multi_body(ops):
    """ops: [(opcode, body)], as MultiOperationRecord."""
    out = b""
    for opcode, body in ops:
        out += int_(opcode) + bool_(False) + int_(-1) + body
    return out + int_(-1) + bool_(True) + int_(-1)


# ---- decoding --------------------------------------------------------------

class Reader(object):
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated record")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def int_(self):
        return struct.unpack(">i", self.take(4))[0]

    def long_(self):
        return struct.unpack(">q", self.take(8))[0]

    def bool_(self):
        return self.take(1) != b"\x00"

    def buffer_(self):
        n = self.int_()
        return None if n < 0 else self.take(n)

    def string_(self):
        b = self.buffer_()
        return None if b is None else b.decode("utf-8")

    def strings_(self):
        n = self.int_()
        return None if n < 0 else [self.string_() for _ in range(n)]

    def stat(self):
        v = [self.long_(), self.long_(), self.long_(), self.long_(), self.int_(), self.int_(),
             self.int_(), self.long_(), self.int_(), self.int_(), self.long_()]
        return dict(zip(STAT_FIELDS, v))

    def at_end(self):
        return self.pos == len(self.data)


class ZkError(Exception):
    def __init__(self, code):
        Exception.__init__(self, "zookeeper error %d" % code)
        self.code = code


class Connection(object):
    """One session over one TCP connection."""

    def __init__(self, hostport, timeout_ms=10000, session_id=0, passwd=b"\0" * 16,
                 last_zxid=0, io_timeout=10.0):
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=io_timeout)
        self.events = []  # (type, state, path)
        self.xid = 0
        self.last_zxid = 0
        hello = int_(0) + long_(last_zxid) + int_(timeout_ms) + long_(session_id) + \
            buffer_(passwd) + bool_(False)
        self._send(hello)
        r = Reader(self._recv())
        r.int_()  # protocolVersion
        self.timeout_ms = r.int_()
        self.session_id = r.long_()
        self.passwd = r.buffer_()
        if self.timeout_ms <= 0:
            raise ZkError(-112)

    def _send(self, payload):
        self.sock.sendall(int_(len(payload)) + payload)

    def _recv_exact(self, n):
        out = b""
        while len(out) < n:
            b = self.sock.recv(n - len(out))
            if not b:
                raise ConnectionError("closed by the server")
            out += b
        return out

    def _recv(self):
        n = struct.unpack(">i", self._recv_exact(4))[0]
        return self._recv_exact(n)

    def _read_event(self, r):
        self.events.append((r.int_(), r.int_(), r.string_()))

    def call(self, opcode, body=b"", xid=None):
        """Sends one request; returns (err, Reader over the reply body).
        Notifications read meanwhile go to self.events."""
        if xid is None:
            self.xid += 1
            xid = self.xid
        self._send(int_(xid) + int_(opcode) + body)
        while True:
            r = Reader(self._recv())
            rxid, zxid, err = r.int_(), r.long_(), r.int_()
            if rxid == -1:
                self._read_event(r)
                continue
            if zxid > 0:
                self.last_zxid = zxid
            if rxid != xid:
                raise ValueError("reply xid %d, expected %d" % (rxid, xid))
            return err, r

    def wait_events(self, count, timeout=3.0):
        """Reads notifications until `count` have arrived or `timeout` s pass."""
        self.sock.settimeout(timeout)
        try:
            while len(self.events) < count:
                r = Reader(self._recv())
                rxid, _, _ = r.int_(), r.long_(), r.int_()
                if rxid == -1:
                    self._read_event(r)
        except socket.timeout:
            pass
        finally:
            self.sock.settimeout(10.0)
        return self.events

    def close(self):
        try:
            self.call(CLOSE_SESSION)
        except (OSError, ValueError, ConnectionError):
            pass
        self.sock.close()
