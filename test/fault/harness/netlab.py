"""Real networks for the fault suite.

NetnsLab: every server in its own network namespace, joined by veth pairs to
one bridge in the root namespace; addresses 10.77.<k>.<i+1> that this run
created (the bridge itself is 10.77.<k>.254, which the clients use).
Partitions and one-way drops are iptables rules, loss is iptables'
`statistic` match and delay is `tc netem` -- all inside the servers'
namespaces only, never in the root namespace.

ProxyLab (fallback when namespaces are unavailable): servers on 127.0.0.1,
every ordered peer link through a TCP proxy of this process; a partition
closes and refuses the proxied connections, delay holds bytes back, loss
resets a link now and then.

Every name carries the prefix `af<pid>` so a crashed run's leftovers can be
found (their pid is dead) and removed at the next start, and nothing else is
ever touched.
"""
import os
import random
import re
import select
import socket
import subprocess
import threading
import time

PREFIX = "af"


def sh(*args, check=True, quiet=False):
    r = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def clean_stale(log=print):
    """Removes namespaces and links of earlier runs whose process is gone."""
    pat = re.compile(r"^%s(\d+)(n\d+|br|v\d+)$" % PREFIX)
    for ns in sh("ip", "netns", "list", check=False).split("\n"):
        name = ns.split(" ")[0]
        m = pat.match(name)
        if m and not _pid_alive(int(m.group(1))):
            log("netlab: removing stale namespace %s" % name)
            sh("ip", "netns", "del", name, check=False)
    for line in sh("ip", "-o", "link", "show", check=False).split("\n"):
        parts = line.split(": ")
        if len(parts) < 2:
            continue
        name = parts[1].split("@")[0]
        m = pat.match(name)
        if m and not _pid_alive(int(m.group(1))):
            log("netlab: removing stale link %s" % name)
            sh("ip", "link", "del", name, check=False)


def netns_available():
    if os.geteuid() != 0:
        return False, "not root"
    for tool in ("ip", "iptables"):
        if subprocess.run(["which", tool], stdout=subprocess.DEVNULL).returncode != 0:
            return False, "%s missing" % tool
    probe = "%s%dn99" % (PREFIX, os.getpid())
    r = subprocess.run(["ip", "netns", "add", probe], stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return False, "ip netns add failed: " + r.stderr.strip()
    ok = subprocess.run(["ip", "netns", "exec", probe, "iptables", "-S"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    sh("ip", "netns", "del", probe, check=False)
    return (True, "") if ok else (False, "iptables does not work inside a namespace")


class NetnsLab:
    mode = "netns"

    def __init__(self, n, log=print):
        self.n = n
        self.log = log
        pid = os.getpid()
        self.tag = "%s%d" % (PREFIX, pid)
        self.subnet = 10 + pid % 240
        self.bridge = self.tag + "br"
        self.ns = ["%sn%d" % (self.tag, i + 1) for i in range(n)]
        self.ips = ["10.77.%d.%d" % (self.subnet, i + 1) for i in range(n)]
        self.client_ip = "10.77.%d.254" % self.subnet
        self.netem_ok = False
        self.delay_note = ""
        self.up = False

    def setup(self):
        self.up = True
        sh("ip", "link", "add", self.bridge, "type", "bridge")
        sh("ip", "addr", "add", self.client_ip + "/24", "dev", self.bridge)
        sh("ip", "link", "set", self.bridge, "up")
        for i, ns in enumerate(self.ns):
            host, inner = "%sv%d" % (self.tag, i + 1), "%sp%d" % (self.tag, i + 1)
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "add", host, "type", "veth", "peer", "name", inner)
            sh("ip", "link", "set", inner, "netns", ns)
            self.nsexec(i, "ip", "link", "set", inner, "name", "eth0")
            self.nsexec(i, "ip", "addr", "add", self.ips[i] + "/24", "dev", "eth0")
            self.nsexec(i, "ip", "link", "set", "eth0", "up")
            self.nsexec(i, "ip", "link", "set", "lo", "up")
            sh("ip", "link", "set", host, "master", self.bridge)
            sh("ip", "link", "set", host, "up")
        probe = subprocess.run(["ip", "netns", "exec", self.ns[0], "tc", "qdisc", "add", "dev", "eth0", "root",
                                "netem", "delay", "1ms"], stderr=subprocess.PIPE, text=True)
        self.netem_ok = probe.returncode == 0
        if self.netem_ok:
            self.nsexec(0, "tc", "qdisc", "del", "dev", "eth0", "root")
        else:
            self.delay_note = ("tc netem is not available in this kernel (%s): loss uses iptables' statistic "
                               "match; delay is not injected" % probe.stderr.strip())
            self.log("netlab: " + self.delay_note)

    def nsexec(self, i, *args, check=True):
        return sh("ip", "netns", "exec", self.ns[i], *args, check=check)

    def command_prefix(self, i):
        return ["ip", "netns", "exec", self.ns[i]]

    def bind_address(self, i):
        return self.ips[i]

    def peer_address(self, frm, to):
        return self.ips[to]

    def client_address(self, i):
        return self.ips[i]

    # --- faults -----------------------------------------------------------
    def drop(self, frm, to):
        """Drops every packet from server `frm` to server `to` (one way)."""
        self.nsexec(frm, "iptables", "-A", "OUTPUT", "-d", self.ips[to], "-j", "DROP")

    def partition(self, groups):
        """No traffic between servers of different groups (clients unaffected)."""
        where = {}
        for g, members in enumerate(groups):
            for m in members:
                where[m] = g
        for a in range(self.n):
            for b in range(self.n):
                if a != b and a in where and b in where and where[a] != where[b]:
                    self.drop(a, b)

    def lossy(self, i, loss_pct, delay_ms):
        """Loss (and, with netem, delay) on server i's peer traffic."""
        peers = [ip for j, ip in enumerate(self.ips) if j != i]
        if self.netem_ok:
            args = ["tc", "qdisc", "add", "dev", "eth0", "root", "netem"]
            if delay_ms:
                args += ["delay", "%dms" % delay_ms, "%dms" % max(1, delay_ms // 4)]
            if loss_pct:
                args += ["loss", "%d%%" % loss_pct]
            self.nsexec(i, *args)
            return "netem delay %dms loss %d%%" % (delay_ms, loss_pct)
        for ip in peers:
            for chain, flag in (("OUTPUT", "-d"), ("INPUT", "-s")):
                self.nsexec(i, "iptables", "-A", chain, flag, ip, "-m", "statistic", "--mode", "random",
                            "--probability", "%.3f" % (loss_pct / 100.0), "-j", "DROP")
        return "iptables loss %d%% each way (no delay: netem unavailable)" % loss_pct

    def heal(self):
        for i in range(self.n):
            self.nsexec(i, "iptables", "-F", check=False)
            if self.netem_ok:
                self.nsexec(i, "tc", "qdisc", "del", "dev", "eth0", "root", check=False)

    def teardown(self):
        if not self.up:
            return
        for ns in self.ns:
            sh("ip", "netns", "del", ns, check=False)
        for i in range(self.n):
            sh("ip", "link", "del", "%sv%d" % (self.tag, i + 1), check=False)
        sh("ip", "link", "del", self.bridge, check=False)
        self.up = False


class _Proxy:
    """One direction of one peer link: 127.0.0.1:listen -> 127.0.0.1:target."""

    def __init__(self, target_port, rng):
        self.target = target_port
        self.rng = rng
        self.blocked = False
        self.delay_ms = 0
        self.loss_pct = 0
        self.stop = False
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(64)
        self.port = self.ls.getsockname()[1]
        self.pairs = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stop:
            r, _, _ = select.select([self.ls], [], [], 0.2)
            if not r:
                continue
            c, _ = self.ls.accept()
            if self.blocked:
                c.close()
                continue
            try:
                u = socket.create_connection(("127.0.0.1", self.target), timeout=2)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.pairs.append((c, u))
            threading.Thread(target=self._pump, args=(c, u), daemon=True).start()

    def _pump(self, c, u):
        socks = [c, u]
        try:
            while not self.stop and not self.blocked:
                r, _, _ = select.select(socks, [], [], 0.2)
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        raise OSError("closed")
                    if self.loss_pct and self.rng.random() < self.loss_pct / 100.0 / 20:
                        raise OSError("loss: link reset")  # TCP cannot lose bytes: reset the link instead
                    if self.delay_ms:
                        time.sleep(self.delay_ms / 1000.0)
                    (u if s is c else c).sendall(data)
        except OSError:
            pass
        for s in socks:
            try:
                s.close()
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.ls.close()


class ProxyLab:
    mode = "proxy"

    def __init__(self, n, peer_ports, log=print):
        self.n = n
        self.log = log
        self.client_ip = "127.0.0.1"
        self.netem_ok = False
        self.delay_note = "proxy mode: delay by holding bytes in the proxy, loss by resetting proxied links"
        rng = random.Random(7)
        self.proxies = {(a, b): _Proxy(peer_ports[b], rng) for a in range(n) for b in range(n) if a != b}

    def setup(self):
        pass

    def command_prefix(self, i):
        return []

    def bind_address(self, i):
        return "127.0.0.1"

    def peer_address(self, frm, to):
        return "127.0.0.1:%d" % self.proxies[(frm, to)].port

    def client_address(self, i):
        return "127.0.0.1"

    def drop(self, frm, to):
        self.proxies[(frm, to)].blocked = True

    def partition(self, groups):
        where = {m: g for g, members in enumerate(groups) for m in members}
        for (a, b), p in self.proxies.items():
            if a in where and b in where and where[a] != where[b]:
                p.blocked = True

    def lossy(self, i, loss_pct, delay_ms):
        for (a, b), p in self.proxies.items():
            if i in (a, b):
                p.loss_pct, p.delay_ms = loss_pct, delay_ms
        return "proxy delay %dms, link resets ~%d%%" % (delay_ms, loss_pct)

    def heal(self):
        for p in self.proxies.values():
            p.blocked, p.loss_pct, p.delay_ms = False, 0, 0

    def teardown(self):
        for p in self.proxies.values():
            p.close()
