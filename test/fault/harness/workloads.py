"""The fault suite's workloads through the ZooKeeper port (kazoo).

Each worker runs in a thread with its own KazooClient (its own session) and
appends every operation to its history file as it completes: invoke and
completion times on CLOCK_MONOTONIC (the same clock arbor-fault-native
uses), and the outcome: ok, fail (a definite server error: no effect) or
unknown (connection loss, timeout, expiry, any exception: it may have taken
effect). A client whose op timed out or whose session expired is abandoned
(stopped in the background) and replaced by a new session.
"""
import json
import logging
import random
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NodeExistsError, NoNodeError, SessionExpiredError
from kazoo.protocol.states import KazooState

now_ns = time.monotonic_ns
DEFINITE = (BadVersionError, NoNodeError, NodeExistsError)
logging.getLogger("kazoo").setLevel(logging.CRITICAL)


class Worker(threading.Thread):
    kind = "?"

    def __init__(self, name, cfg, index):
        super().__init__(daemon=True, name=name)
        self.base = name
        self.cfg = cfg
        self.rng = random.Random("%s-%s" % (cfg.seed, name))
        self.index = index
        self.session = 0
        self.zk = None
        self.name = name
        self.states = []  # (mono_ns, state) of the current session
        self.counts = {"ok": 0, "fail": 0, "unknown": 0}
        self.bug = cfg.inject_bug

    # --- session handling ---------------------------------------------------
    def new_session(self):
        self.drop_session()
        self.session += 1
        self.name = "%s.%d" % (self.base, self.session)
        hosts = self.cfg.zk_hosts.split(",")
        self.rng.shuffle(hosts)
        zk = KazooClient(hosts=",".join(hosts), timeout=self.cfg.session_timeout_s,
                         connection_retry={"max_tries": -1, "delay": 0.05, "max_delay": 0.5},
                         randomize_hosts=False)
        # Bound to this session's name: the old client's last state change
        # (LOST as it stops) arrives after the next session has begun.
        zk.add_listener(lambda state, name=self.name: self.on_state(state, name))
        try:
            zk.start(timeout=self.cfg.op_timeout_s)
        except Exception:
            pass  # keeps trying in the background; ops fail until it connects
        self.zk = zk

    def on_state(self, state, name):
        pass

    def drop_session(self):
        zk, self.zk = self.zk, None
        if zk is not None:
            threading.Thread(target=_quiet_stop, args=(zk,), daemon=True).start()

    def call(self, async_result):
        """Waits for a kazoo async op: (outcome, value or exception)."""
        try:
            return "ok", async_result.get(timeout=self.cfg.op_timeout_s)
        except DEFINITE as e:
            return "fail", e
        except Exception as e:  # ConnectionLoss, timeout, SessionExpired, unknown codes (e.g. -127)
            return "unknown", e

    def after_unknown(self, err):
        if isinstance(err, SessionExpiredError) or not isinstance(err, Exception) or _is_timeout(err) \
                or self.zk is None or self.zk.state == KazooState.LOST:
            self.new_session()

    def run(self):
        try:
            self.new_session()
            while not self.cfg.stop.is_set():
                self.step()
                time.sleep(self.cfg.think_s)
        except Exception as e:  # a harness bug must not look like a clean run
            self.cfg.errors.append("%s crashed: %r" % (self.name, e))
        finally:
            self.finish()

    def finish(self):
        self.drop_session()


def _is_timeout(e):
    return type(e).__name__ in ("Timeout", "TimeoutError")


def _quiet_stop(zk):
    try:
        zk.stop()
        zk.close()
    except Exception:
        pass


class RegisterWorker(Worker):
    """getData / sync+getData / setData / CAS on a few keys (same keys and
    history format as arbor-fault-native --mode=register)."""
    kind = "register"

    def __init__(self, name, cfg, index):
        super().__init__(name, cfg, index)
        self.out = open("%s/register-%s.tsv" % (cfg.history_dir, name), "w")
        self.last_version = {}
        self.seq = 0

    def step(self):
        gen = (now_ns() - self.cfg.start_ns) // (self.cfg.key_generation_s * 10 ** 9)
        key = "r%d-g%d" % (self.rng.randrange(self.cfg.slots), gen)
        path = "/fault/reg/" + key
        dice = self.rng.randrange(100)
        typ = "read" if dice < 30 else "sread" if dice < 50 else "write" if dice < 75 else "cas"
        value, version, new_version = "", -1, -1
        if typ in ("write", "cas"):
            self.seq += 1
            value = "%s-%d" % (self.name, self.seq)
        if typ == "cas":
            version = self.last_version.get(key, 0)
        invoke = now_ns()
        if typ in ("write", "cas") and self.bug == "phantom_write" and self.rng.random() < 0.1:
            # Self-test: a client that reports success for a write it never sent.
            new_version = self.last_version.get(key, 0) + 1
            self.last_version[key] = new_version
            self.record(key, typ, invoke, now_ns(), "ok", value, version, new_version)
            return
        err = None
        if typ in ("write", "cas"):
            outcome, res = self.call(self.zk.set_async(path, value.encode(), version if typ == "cas" else -1))
            if outcome == "ok":
                new_version = self.last_version[key] = res.version
        else:
            outcome, res = "ok", None
            if typ == "sread":
                outcome, res = self.call(self.zk.sync_async(path))
            if outcome == "ok":
                outcome, res = self.call(self.zk.get_async(path))
                if outcome == "ok":
                    value, version = res[0].decode(), res[1].version
                    self.last_version[key] = version
        if outcome != "ok":
            err = res
        done = now_ns() if outcome != "unknown" else -1
        self.record(key, typ, invoke, done, outcome, value, version, new_version)
        if outcome == "unknown":
            self.after_unknown(err)

    def record(self, key, typ, invoke, done, outcome, value, version, new_version):
        self.counts[outcome] += 1
        self.out.write("\t".join(str(x) for x in (self.name, key, typ, invoke, done, outcome, value, version,
                                                  new_version)) + "\n")
        self.out.flush()


class JsonWorker(Worker):
    def __init__(self, name, cfg, index, kind):
        super().__init__(name, cfg, index)
        self.kind = kind
        self.out = open("%s/%s-%s.jsonl" % (cfg.history_dir, kind, name), "w")
        self.lock = threading.Lock()

    def record(self, **fields):
        fields.setdefault("client", self.name)
        if "outcome" in fields:
            self.counts[fields["outcome"]] += 1
        with self.lock:
            self.out.write(json.dumps(fields) + "\n")
            self.out.flush()

    def on_state(self, state, name):
        self.record(op="state", state=str(state), t=now_ns(), client=name)


class SetWorker(JsonWorker):
    """Unique sequential creates under /fault/set; every acknowledged one
    must be there exactly once at the end."""

    def __init__(self, name, cfg, index):
        super().__init__(name, cfg, index, "set")
        self.seq = 0

    def step(self):
        self.seq += 1
        value = "%s-%d" % (self.name, self.seq)
        invoke = now_ns()
        if self.bug == "phantom_write" and self.rng.random() < 0.1:
            self.record(op="add", value=value, invoke=invoke, complete=now_ns(), outcome="ok", path="?")
            return
        outcome, res = self.call(self.zk.create_async("/fault/set/e-", value.encode(), sequence=True))
        self.record(op="add", value=value, invoke=invoke, complete=now_ns(), outcome=outcome,
                    path=res if outcome == "ok" else None, error=None if outcome == "ok" else type(res).__name__)
        if outcome == "unknown":
            self.after_unknown(res)


class LockWorker(JsonWorker):
    """kazoo's Lock recipe. A hold is recorded from acquire() returning to
    release() being called; the session state changes the client saw are
    recorded too, so the checker knows when the holder stopped believing
    its session (and so its lock) was live."""

    def __init__(self, name, cfg, index):
        super().__init__(name, cfg, index, "lock")

    def step(self):
        lock = self.zk.Lock("/fault/lock", self.name)
        invoke = now_ns()
        try:
            got = lock.acquire(timeout=self.cfg.op_timeout_s)
        except Exception as e:
            self.record(op="acquire", invoke=invoke, complete=now_ns(), outcome="unknown", error=type(e).__name__)
            self.after_unknown(e)
            return
        if not got:
            self.record(op="acquire", invoke=invoke, complete=now_ns(), outcome="fail")
            return
        acquired = now_ns()
        self.record(op="acquire", invoke=invoke, complete=acquired, outcome="ok", session=self.zk.client_id[0])
        # Mostly short holds; one in five outlasts a session timeout, so a
        # holder cut off from the majority is still holding when its session
        # is expired there and another client takes the lock.
        long_hold = self.rng.random() < 0.2
        time.sleep(self.rng.uniform(1, 2.5) * self.cfg.session_timeout_s if long_hold else self.rng.uniform(0.05, 0.3))
        released = now_ns()
        try:
            lock.release()
            outcome = "ok"
        except Exception as e:
            outcome = "unknown"
        self.record(op="release", invoke=released, complete=now_ns(), outcome=outcome, acquired=acquired)
        if self.zk.state == KazooState.LOST:
            self.new_session()


class SessionWorker(JsonWorker):
    """Owns one ephemeral per session and writes to it every few hundred ms.
    NONODE on that write means the ephemeral vanished while the session was
    alive; SESSIONEXPIRED (or the LOST state) means the cluster expired it,
    which must not happen within a session timeout of an acknowledged write."""

    def __init__(self, name, cfg, index):
        super().__init__(name, cfg, index, "session")
        self.path = None

    def new_session(self):
        super().new_session()
        self.path = "/fault/sess/" + self.name
        invoke = now_ns()
        outcome, res = self.call(self.zk.create_async(self.path, b"0", ephemeral=True))
        sid = self.zk.client_id[0] if self.zk.client_id else 0
        self.record(op="create", path=self.path, invoke=invoke, complete=now_ns(), outcome=outcome, session=sid,
                    timeout_ms=int(self.zk._session_timeout) if self.zk._session_timeout else None)
        if outcome != "ok":
            self.path = None  # unknown create: this session's ephemeral is not judged; next session

    def step(self):
        if self.path is None:
            self.new_session()
            return
        invoke = now_ns()
        outcome, res = self.call(self.zk.set_async(self.path, str(invoke).encode()))
        err = None if outcome == "ok" else type(res).__name__
        sid = self.zk.client_id[0] if self.zk is not None and self.zk.client_id else 0
        self.record(op="touch", path=self.path, invoke=invoke, complete=now_ns(), outcome=outcome, error=err,
                    session=sid)
        if outcome == "fail" or (outcome == "unknown" and (isinstance(res, SessionExpiredError) or _is_timeout(res))):
            self.new_session()

    def finish(self):
        # The end check reads what is left: record which sessions were alive.
        if self.path is not None and self.zk is not None and self.zk.state == KazooState.CONNECTED:
            self.record(op="alive_at_end", path=self.path, t=now_ns())
            self.cfg.keep.append(self.zk)  # open until the harness has read the tree, then stopped
            self.zk = None
        else:
            self.drop_session()
