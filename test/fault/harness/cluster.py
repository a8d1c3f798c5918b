"""Real arbord processes for the fault suite, one per network namespace
(or on 127.0.0.1 in proxy mode). Only the pids recorded here are ever
signalled; stop_all() kills every one of them (also on a crash, via the
harness's finally/atexit)."""
import os
import signal
import socket
import subprocess
import time

CLIENT_PORT, PEER_PORT, ZK_PORT = 7181, 7182, 2181
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, index, lab, cluster):
        self.i = index
        self.id = index + 1
        self.lab = lab
        self.cluster = cluster
        self.data_dir = os.path.join(cluster.root, "node%d" % self.id)
        self.log_path = self.data_dir + ".log"
        self.skew_file = self.data_dir + ".faketime"
        self.disk_file = self.data_dir + ".sync_delay_ms"
        self.proc = None
        self.paused = False
        if lab.mode == "netns":
            self.client_port, self.peer_port, self.zk_port = CLIENT_PORT, PEER_PORT, ZK_PORT
        else:
            self.client_port, self.peer_port, self.zk_port = free_port(), free_port(), free_port()

    @property
    def host(self):
        return self.lab.client_address(self.i)

    def zk_address(self):
        return "%s:%d" % (self.host, self.zk_port)

    def native_address(self):
        return "%s:%d" % (self.host, self.client_port)

    def start(self):
        if self.proc is not None:
            return
        os.makedirs(self.data_dir, exist_ok=True)
        for path, initial in ((self.skew_file, "+0\n"), (self.disk_file, "0\n")):
            if not os.path.exists(path):
                with open(path, "w") as f:
                    f.write(initial)
        args = self.lab.command_prefix(self.i) + [
            self.cluster.arbord,
            "--id=%d" % self.id,
            "--data_dir=" + self.data_dir,
            "--bind=" + self.lab.bind_address(self.i),
            "--client_port=%d" % self.client_port,
            "--peer_port=%d" % self.peer_port,
            "--zk_port=%d" % self.zk_port,
            "--peers=" + self.cluster.peers_for(self.i),
            "--failpoint_sync_delay_file=" + self.disk_file,
        ] + self.cluster.extra_flags
        env = dict(os.environ)
        if self.cluster.faketime:
            # Wall-clock skew only: the monotonic clock (timers, elections,
            # session expiry) keeps real time. The file is re-read every second.
            env.update(LD_PRELOAD=FAKETIME_LIB, FAKETIME_TIMESTAMP_FILE=self.skew_file,
                       FAKETIME_CACHE_DURATION="1", FAKETIME_DONT_FAKE_MONOTONIC="1")
        log = open(self.log_path, "a")
        # `ip netns exec` execs arbord in place, so proc.pid is arbord's pid.
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        log.close()
        self.paused = False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.proc.pid, sig)

    def kill(self):
        if self.proc is None:
            return
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        self.paused = False

    def pause(self):
        self.signal(signal.SIGSTOP)
        self.paused = True

    def resume(self):
        self.signal(signal.SIGCONT)
        self.paused = False

    def set_skew(self, spec):
        with open(self.skew_file, "w") as f:
            f.write(spec + "\n")

    def set_disk_delay(self, ms):
        with open(self.disk_file, "w") as f:
            f.write("%d\n" % ms)

    def four_letter(self, word, timeout=0.5):
        try:
            with socket.create_connection((self.host, self.zk_port), timeout=timeout) as s:
                s.settimeout(timeout)
                s.sendall(word.encode())
                out = b""
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    out += chunk
                return out.decode(errors="replace")
        except OSError:
            return ""

    def mode(self):
        """leader / follower / '' (no answer)."""
        if not self.alive() or self.paused:
            return ""
        for line in self.four_letter("srvr").split("\n"):
            if line.startswith("Mode:"):
                return line.split(":", 1)[1].strip()
        return ""

    def status(self):
        try:
            with open(os.path.join(self.data_dir, "status")) as f:
                return dict(kv.split("=", 1) for kv in f.read().split())
        except (OSError, ValueError):
            return {}


class Cluster:
    def __init__(self, n, lab, root, arbord, extra_flags, faketime):
        self.n = n
        self.lab = lab
        self.root = root
        self.arbord = arbord
        self.extra_flags = extra_flags
        self.faketime = faketime
        self.servers = [Server(i, lab, self) for i in range(n)]

    def peers_for(self, i):
        parts = []
        for j, s in enumerate(self.servers):
            if j == i:
                addr = "%s:%d" % (self.lab.bind_address(i), s.peer_port)
            elif self.lab.mode == "netns":
                addr = "%s:%d" % (self.lab.ips[j], s.peer_port)
            else:
                addr = self.lab.peer_address(i, j)
            parts.append("%d=%s" % (s.id, addr))
        return ",".join(parts)

    def zk_hosts(self):
        return ",".join(s.zk_address() for s in self.servers)

    def native_hosts(self):
        return ",".join(s.native_address() for s in self.servers)

    def start_all(self):
        for s in self.servers:
            s.start()

    def leader(self):
        """Index of the server that says it leads now (None if none answers)."""
        for s in self.servers:
            if s.mode() == "leader":
                return s.i
        return None

    def wait_leader(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            l = self.leader()
            if l is not None:
                return l
            time.sleep(0.1)
        return None

    def followers(self):
        l = self.leader()
        return [s.i for s in self.servers if s.i != l]

    def stop_all(self):
        for s in self.servers:
            if s.paused:
                s.resume()
            s.kill()
