"""Nemeses: the faults of the fault suite, each applied and healed by one
function that records what it did in faults.jsonl (start and end on
CLOCK_MONOTONIC, target servers, details). The schedule -- which nemesis,
which target, how long -- comes from the run's seed only, so a failing
run's faults can be replayed with --seed."""
import json
import os
import signal
import threading
import time

from kazoo.client import KazooClient

now_ns = time.monotonic_ns

ALL = [
    "kill-follower", "kill-leader", "kill-majority", "kill-all",
    "pause-leader-election", "pause-follower-session", "pause-leader-session",
    "partition-halves", "partition-leader", "partition-bridge", "partition-oneway",
    "snapshot-catchup", "lossy-links", "slow-disk", "clock-skew",
]
# Faults after which the cluster must elect (or re-find) a leader: their
# failover time is the first acknowledged write invoked after the fault began.
LEADER_LOSS = {"kill-leader", "kill-majority", "kill-all", "pause-leader-election", "pause-leader-session",
               "partition-leader", "partition-oneway"}


class Nemesis:
    def __init__(self, cluster, lab, cfg, rng, log):
        self.c = cluster
        self.lab = lab
        self.cfg = cfg
        self.rng = rng
        self.log = log
        self.out = open(os.path.join(cfg.out_dir, "faults.jsonl"), "w")
        self.records = []

    # --- helpers --------------------------------------------------------------
    def _record(self, kind, start, targets, **detail):
        rec = dict(kind=kind, start=start, end=now_ns(), targets=[t + 1 for t in targets], **detail)
        self.records.append(rec)
        self.out.write(json.dumps(rec) + "\n")
        self.out.flush()
        self.log("nemesis: %s on %s (%.1fs) %s" % (kind, rec["targets"], (rec["end"] - start) / 1e9,
                                                   json.dumps(detail) if detail else ""))

    def _sleep(self, lo, hi):
        time.sleep(self.rng.uniform(lo, hi))

    def _leader(self):
        l = self.c.wait_leader(timeout=5)
        # No leader to aim at: aim at a seeded random server instead.
        return l if l is not None else self.rng.randrange(self.c.n)

    def _others(self, i):
        return [j for j in range(self.c.n) if j != i]

    def run(self, kind):
        getattr(self, "do_" + kind.replace("-", "_"))(kind)

    # --- process faults -------------------------------------------------------
    def _kill_restart(self, kind, targets, lo, hi):
        start = now_ns()
        for t in targets:
            self.c.servers[t].kill()
        self._sleep(lo, hi)
        for t in targets:
            self.c.servers[t].start()
        self._record(kind, start, targets, signal="SIGKILL, restarted")

    def do_kill_follower(self, kind):
        l = self._leader()
        self._kill_restart(kind, [self.rng.choice(self._others(l))], 1, 4)

    def do_kill_leader(self, kind):
        self._kill_restart(kind, [self._leader()], 1, 4)

    def do_kill_majority(self, kind):
        targets = self.rng.sample(range(self.c.n), self.c.n // 2 + 1)
        self._kill_restart(kind, targets, 1, 4)

    def do_kill_all(self, kind):
        self._kill_restart(kind, list(range(self.c.n)), 0.5, 2)

    def _pause(self, kind, target, seconds):
        start = now_ns()
        self.c.servers[target].pause()
        time.sleep(seconds)
        self.c.servers[target].resume()
        self._record(kind, start, [target], signal="SIGSTOP/SIGCONT", paused_s=round(seconds, 2))

    def do_pause_leader_election(self, kind):
        self._pause(kind, self._leader(), self.rng.uniform(1.5, 3) * self.cfg.election_timeout_s)

    def do_pause_follower_session(self, kind):
        l = self._leader()
        self._pause(kind, self.rng.choice(self._others(l)), self.cfg.session_timeout_s + self.rng.uniform(2, 4))

    def do_pause_leader_session(self, kind):
        self._pause(kind, self._leader(), self.cfg.session_timeout_s + self.rng.uniform(2, 4))

    # --- network faults -------------------------------------------------------
    def _net(self, kind, groups_or_fn, lo, hi, targets, **detail):
        start = now_ns()
        groups_or_fn()
        self._sleep(lo, hi)
        self.lab.heal()
        self._record(kind, start, targets, mode=self.lab.mode, **detail)

    def do_partition_halves(self, kind):
        nodes = list(range(self.c.n))
        self.rng.shuffle(nodes)
        minority = nodes[: (self.c.n - 1) // 2]
        majority = nodes[len(minority):]
        self._net(kind, lambda: self.lab.partition([minority, majority]), 3, 8, minority,
                  majority=[m + 1 for m in majority])

    def do_partition_leader(self, kind):
        l = self._leader()
        self._net(kind, lambda: self.lab.partition([[l], self._others(l)]), 3, 8, [l])

    def do_partition_bridge(self, kind):
        nodes = list(range(self.c.n))
        self.rng.shuffle(nodes)
        bridge, rest = nodes[0], nodes[1:]
        half = len(rest) // 2
        a, b = rest[:half], rest[half:]

        def cut():
            for x in a:
                for y in b:
                    self.lab.drop(x, y)
                    self.lab.drop(y, x)
        self._net(kind, cut, 3, 8, [bridge], sides=[[x + 1 for x in a], [y + 1 for y in b]])

    def do_partition_oneway(self, kind):
        # The leader's messages are lost; it still hears the others.
        l = self._leader()

        def cut():
            for j in self._others(l):
                self.lab.drop(l, j)
        self._net(kind, cut, 3, 8, [l], direction="from target to all others")

    def do_lossy_links(self, kind):
        target = self.rng.randrange(self.c.n)
        loss, delay = self.rng.choice([10, 20, 30]), self.rng.choice([50, 100, 200])
        start = now_ns()
        how = self.lab.lossy(target, loss, delay)
        self._sleep(4, 8)
        self.lab.heal()
        self._record(kind, start, [target], how=how, loss_pct=loss, delay_ms=delay if self.lab.netem_ok or
                     self.lab.mode == "proxy" else 0)

    def do_snapshot_catchup(self, kind):
        """Cuts a follower off while more than --snapshot_every_entries writes
        go through (a filler client adds them), so the leader has compacted
        the entries it lacks and must send a snapshot."""
        l = self._leader()
        f = self.rng.choice(self._others(l))
        start = now_ns()
        log_size = os.path.getsize(self.c.servers[f].log_path)
        self.lab.partition([[f], self._others(f)])
        written = self._filler(self.cfg.snapshot_every + self.cfg.compact_margin + 200)
        time.sleep(1.5)
        self.lab.heal()
        # Caught up by snapshot? Its log says so.
        installed = False
        deadline = time.time() + 15
        while time.time() < deadline and not installed:
            with open(self.c.servers[f].log_path, errors="replace") as lf:
                lf.seek(log_size)
                installed = "installed snapshot" in lf.read()
            time.sleep(0.2)
        self._record(kind, start, [f], filler_writes=written, snapshot_installed=installed)
        if not installed:
            self.cfg.errors.append("snapshot-catchup: server %d did not install a snapshot within 15 s of healing"
                                   % (f + 1))

    def _filler(self, count):
        zk = KazooClient(hosts=self.c.zk_hosts(), timeout=self.cfg.session_timeout_s)
        written = 0
        try:
            zk.start(timeout=10)
            zk.ensure_path("/fault/filler")
            pending = []
            for i in range(count):
                pending.append(zk.set_async("/fault/filler", b"x" * 64))
                if len(pending) >= 50:
                    for p in pending:
                        try:
                            p.get(timeout=10)
                            written += 1
                        except Exception:
                            pass
                    pending = []
            for p in pending:
                try:
                    p.get(timeout=10)
                    written += 1
                except Exception:
                    pass
        except Exception as e:
            self.log("nemesis: filler: %r" % e)
        finally:
            try:
                zk.stop()
                zk.close()
            except Exception:
                pass
        return written

    # --- disk and clock -------------------------------------------------------
    def do_slow_disk(self, kind):
        target = self._leader() if self.rng.random() < 0.5 else self.rng.randrange(self.c.n)
        ms = self.rng.choice([100, 300, 800])
        start = now_ns()
        self.c.servers[target].set_disk_delay(ms)
        self._sleep(4, 8)
        self.c.servers[target].set_disk_delay(0)
        time.sleep(0.2)  # the failpoint re-reads its file every 100 ms
        self._record(kind, start, [target], sync_delay_ms=ms)

    def do_clock_skew(self, kind):
        target = self.rng.randrange(self.c.n)
        skew = self.rng.choice(["+300", "-300", "+3600", "-86400"])
        start = now_ns()
        self.c.servers[target].set_skew(skew)
        self._sleep(6, 10)
        self.c.servers[target].set_skew("+0")
        time.sleep(1.2)  # libfaketime re-reads its file every second
        self._record(kind, start, [target], wall_clock_offset_s=int(skew))

    def heal_all(self):
        self.lab.heal()
        for s in self.c.servers:
            if s.paused:
                s.resume()
            s.set_disk_delay(0)
            s.set_skew("+0")
            if not s.alive():
                s.start()
