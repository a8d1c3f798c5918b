#!/usr/bin/python3
"""Generates golden_vectors.inc: ZooKeeper wire frames for the zk_wire tests.

Requests are serialized by kazoo's own protocol classes (an independent
implementation of the jute encoding); responses are built by hand with
struct from zookeeper.jute and then parsed back with kazoo's deserializers,
asserting the values, so each vector is checked by two implementations.
Run offline (needs python3-kazoo); the output is committed:
  /usr/bin/python3 gen_golden.py > golden_vectors.inc
"""
import struct

from kazoo.protocol import serialization as s
from kazoo.security import ACL, Id

OUT = []


def emit(name, data, note):
    body = ''.join('\\x%02x' % b for b in bytes(data))
    OUT.append('// %s\ninline const std::string k%s(\n    "%s",\n    %d);\n'
               % (note, name, body, len(data)))


def frame(payload):
    return struct.pack('!i', len(payload)) + bytes(payload)


def request(xid, req):
    """The frame kazoo's connection._submit writes."""
    b = bytearray()
    if xid:
        b.extend(struct.pack('!i', xid))
    if req.type:
        b.extend(struct.pack('!i', req.type))
    b += req.serialize()
    return frame(b)


OPEN = [ACL(31, Id('world', 'anyone'))]
DIGEST = [ACL(1, Id('digest', 'bob:x/y+z=')), ACL(31, Id('auth', ''))]

# ---- handshake -------------------------------------------------------------
conn = s.Connect(0, 0x1234, 30000, 0, b'\x00' * 16, False)
emit('KazooConnectNew', frame(conn.serialize()),
     'kazoo Connect: new session, with the readOnly byte')
conn = s.Connect(0, 0x0102030405060708, 10000, 0x7fabcdef00112233,
                 bytes(range(16)), True)
emit('KazooConnectResume', frame(conn.serialize()),
     'kazoo Connect: resume session 0x7fabcdef00112233, readOnly true')

# ConnectResponse, 40 bytes (old form) and 41 (with readOnly); kazoo parses both.
passwd = bytes(range(100, 116))
resp40 = struct.pack('!iiq', 0, 30000, 0x0100000000000abc) + struct.pack('!i', 16) + passwd
resp41 = resp40 + b'\x00'
assert len(frame(resp40)) == 40 and len(frame(resp41)) == 41
for r, ro in ((resp40, False), (resp41, False)):
    c, off = s.Connect.deserialize(r, 0)
    assert (c.time_out, c.session_id, c.passwd, c.read_only) == (30000, 0x0100000000000abc, passwd, ro)
    assert off == len(r)
emit('ConnectResponse40', frame(resp40), 'ConnectResponse without readOnly: 40-byte frame (36-byte payload)')
emit('ConnectResponse41', frame(resp41), 'ConnectResponse with readOnly=false: 41-byte frame')

# ---- requests --------------------------------------------------------------
emit('KazooCreate', request(1, s.Create('/app/node', b'hello', OPEN, 3)),
     'kazoo create(1) xid 1: /app/node "hello" world:anyone ALL, EPHEMERAL_SEQUENTIAL')
emit('KazooCreate2', request(2, s.Create2('/a', b'', DIGEST, 0)),
     'kazoo create2(15) xid 2: /a, empty data (kazoo writes length 0), two ACLs')
emit('KazooDelete', request(3, s.Delete('/a/b', 7)), 'kazoo delete(2) xid 3: /a/b v7')
emit('KazooExists', request(4, s.Exists('/e', True)), 'kazoo exists(3) xid 4: watch')
emit('KazooGetData', request(5, s.GetData('/g', False)), 'kazoo getData(4) xid 5')
emit('KazooSetData', request(6, s.SetData('/s', b'\x00\xff', -1)), 'kazoo setData(5) xid 6')
emit('KazooGetAcl', request(7, s.GetACL('/acl')), 'kazoo getACL(6) xid 7')
emit('KazooSetAcl', request(8, s.SetACL('/acl', DIGEST, 2)), 'kazoo setACL(7) xid 8')
emit('KazooGetChildren', request(9, s.GetChildren('/c', True)), 'kazoo getChildren(8) xid 9')
emit('KazooSync', request(10, s.Sync('/')), 'kazoo sync(9) xid 10')
emit('KazooGetChildren2', request(11, s.GetChildren2('/c2', False)),
     'kazoo getChildren2(12) xid 11')
emit('KazooPing', request(-2, s.PingInstance), 'kazoo ping(11) xid -2')
emit('KazooClose', request(12, s.CloseInstance), 'kazoo closeSession(-11) xid 12')
emit('KazooAuth', request(-4, s.Auth(0, 'digest', 'bob:secret')), 'kazoo auth(100) xid -4')
emit('KazooTransaction', request(13, s.Transaction([
    s.Create('/t/x', b'1', OPEN, 0),
    s.CheckVersion('/t', 4),
    s.SetData('/t', b'2', 4),
    s.Delete('/t/y', -1)])), 'kazoo multi(14) xid 13: create, check, setData, delete')
emit('KazooReconfig', request(14, s.Reconfig('server.4=h:2888:3888', None, None, -1)),
     'kazoo reconfig(16) xid 14')
emit('KazooSasl', request(15, s.SASL(b'token')), 'kazoo sasl(102) xid 15')

# ---- replies (hand-built, parsed back by kazoo) ------------------------------
STAT = (0x100000001, 0x100000002, 1700000000000, 1700000000500, 3, 4, 1, 0x55, 5, 2, 0x100000003)
stat_bytes = s.stat_struct.pack(*STAT)
assert len(stat_bytes) == 68


def reply(xid, zxid, err, body=b''):
    return frame(s.reply_header_struct.pack(xid, zxid, err) + body)


def jstr(x):
    b = x.encode()
    return struct.pack('!i', len(b)) + b


body = jstr('/app/node0000000007') + stat_bytes
assert s.Create2.deserialize(body, 0) == ('/app/node0000000007', s.ZnodeStat._make(STAT))
emit('Create2Reply', reply(2, 0x100000001, 0, body),
     'create2 reply xid 2: path + Stat')
body = jstr('/app/node0000000007')
assert s.Create.deserialize(body, 0) == '/app/node0000000007'
emit('CreateReply', reply(1, 0x100000001, 0, body), 'create reply xid 1: path only')

body = struct.pack('!i', 2) + jstr('a') + jstr('b') + stat_bytes
assert s.GetChildren2.deserialize(body, 0) == (['a', 'b'], s.ZnodeStat._make(STAT))
emit('GetChildren2Reply', reply(11, 0x200000000, 0, body), 'getChildren2 reply: [a, b] + Stat')

# multi: create ok, setData fails BADVERSION; ZooKeeper reports the op before
# the failure as error 0 and the ones after as RUNTIMEINCONSISTENCY (-2).
mh = s.multiheader_struct
body = (mh.pack(-1, 0, 0) + struct.pack('!i', 0) +
        mh.pack(-1, 0, -103) + struct.pack('!i', -103) +
        mh.pack(-1, 0, -2) + struct.pack('!i', -2) +
        mh.pack(-1, 1, -1))
res = s.Transaction.deserialize(body, 0)
assert [type(r).__name__ for r in res] == ['RolledBackError', 'BadVersionError', 'RuntimeInconsistency'], res
emit('MultiFailedReply', reply(13, 0x300000000, 0, body),
     'multi reply: [error 0, error BADVERSION, error RUNTIMEINCONSISTENCY]')
body = (mh.pack(1, 0, 0) + jstr('/t/x') + mh.pack(13, 0, 0) + mh.pack(5, 0, 0) + stat_bytes +
        mh.pack(2, 0, 0) + mh.pack(-1, 1, -1))
res = s.Transaction.deserialize(body, 0)
assert res == ['/t/x', True, s.ZnodeStat._make(STAT), True], res
emit('MultiOkReply', reply(13, 0x300000001, 0, body),
     'multi reply: create /t/x, check, setData Stat, delete')

body = struct.pack('!i', 3) + b'abc' + stat_bytes
assert s.GetData.deserialize(body, 0) == (b'abc', s.ZnodeStat._make(STAT))
emit('GetDataReply', reply(5, 0x10, 0, body), 'getData reply xid 5: "abc" + Stat')
assert s.Exists.deserialize(stat_bytes, 0) == s.ZnodeStat._make(STAT)
emit('ExistsReply', reply(4, 0x10, 0, stat_bytes), 'exists reply xid 4: Stat')
assert s.SetData.deserialize(stat_bytes, 0) == s.ZnodeStat._make(STAT)
emit('SetDataReply', reply(6, 0x10, 0, stat_bytes), 'setData reply xid 6: Stat')
body = struct.pack('!i', 2) + struct.pack('!i', 31) + jstr('world') + jstr('anyone') + \
    struct.pack('!i', 1) + jstr('digest') + jstr('bob:x') + stat_bytes
assert s.GetACL.deserialize(body, 0) == ([ACL(31, Id('world', 'anyone')), ACL(1, Id('digest', 'bob:x'))],
                                         s.ZnodeStat._make(STAT))
emit('GetAclReply', reply(7, 0x10, 0, body), 'getACL reply xid 7: two ACLs + Stat')
body = struct.pack('!i', 3) + jstr('a') + jstr('bb') + jstr('ccc')
assert s.GetChildren.deserialize(body, 0) == ['a', 'bb', 'ccc']
emit('GetChildrenReply', reply(9, 0x10, 0, body), 'getChildren reply xid 9: [a, bb, ccc]')
body = jstr('/')
assert s.Sync.deserialize(body, 0) == '/'
emit('SyncReply', reply(10, 0x10, 0, body), 'sync reply xid 10: "/"')

body = struct.pack('!ii', 3, 3) + jstr('/w')
w, off = s.Watch.deserialize(body, 0)
assert (w.type, w.state, w.path, off) == (3, 3, '/w', len(body))
emit('WatchEventFrame', reply(-1, -1, 0, body), 'notification: NodeDataChanged, SyncConnected, /w')
body = struct.pack('!ii', -1, -112) + jstr('')
emit('SessionExpiredEvent', reply(-1, -1, 0, body), 'notification: None, Expired, path ""')

hdr, _ = s.ReplyHeader.deserialize(reply(4, 0x42, -101)[4:], 0)
assert hdr == (4, 0x42, -101)
emit('NoNodeReply', reply(4, 0x42, -101), 'exists reply xid 4: NONODE, header only')
emit('PingReply', reply(-2, 0x42, 0), 'ping reply: xid -2')
emit('AuthFailedReply', reply(-4, 0, -115), 'auth reply: AUTHFAILED, zxid 0')

# ---- requests this kazoo version cannot serialize: hand-built ------------
def strs(xs):
    return struct.pack('!i', len(xs)) + b''.join(jstr(x) for x in xs)

b = struct.pack('!ii', -8, 105) + struct.pack('!q', 0x500) + strs(['/d']) + strs([]) + \
    strs(['/c1', '/c2']) + strs(['/p']) + strs(['/r'])
emit('SetWatches2Request', frame(b), 'setWatches2(105) xid -8: hand-built from SetWatches2')
b = struct.pack('!ii', 20, 106) + jstr('/aw') + struct.pack('!i', 1)
emit('AddWatchRequest', frame(b), 'addWatch(106) xid 20: /aw PERSISTENT_RECURSIVE')
b = struct.pack('!ii', 21, 21) + jstr('/ttl') + struct.pack('!i', 0) + \
    struct.pack('!i', 1) + struct.pack('!i', 31) + jstr('world') + jstr('anyone') + \
    struct.pack('!i', 5) + struct.pack('!q', 60000)
emit('CreateTtlRequest', frame(b), 'createTTL(21) xid 21: /ttl, PERSISTENT_WITH_TTL, ttl 60000')
b = struct.pack('!ii', 22, 107)
emit('WhoAmIRequest', frame(b), 'whoAmI(107) xid 22: no body')
b = struct.pack('!i', 1) + jstr('digest') + jstr('bob')
emit('WhoAmIReplyBody', b, 'WhoAmIResponse body: [ClientInfo{digest, bob}]')

print('// Generated by gen_golden.py (kazoo %s); do not edit.' % __import__('kazoo.version').version.__version__)
print('#pragma once\n#include <string>\nnamespace golden {')
print('\n'.join(OUT))
print('}  // namespace golden')
