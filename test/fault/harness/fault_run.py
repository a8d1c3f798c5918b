#!/usr/bin/python3
"""One fault-suite run: a real arbord cluster, workloads, nemeses from a
seed, then the checkers and a report. See docs/RELIABILITY.md "Fault suite".

Exit status: 0 when every verdict holds (with --expect-violation: when some
verdict fails, as the checkers' self-test wants), 1 otherwise, 2 on a setup
error. Everything the run did is in --out."""
import argparse
import atexit
import collections
import glob
import json
import os
import shutil
import random
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkers  # noqa: E402
import cluster as cluster_mod  # noqa: E402
import netlab  # noqa: E402
import nemesis as nemesis_mod  # noqa: E402
import report as report_mod  # noqa: E402
import workloads  # noqa: E402
from kazoo.client import KazooClient  # noqa: E402

# The short run CI uses: every nemesis (the ones that found F1 and F2 were
# left out until those were fixed; docs/RELIABILITY.md "Fault suite").
CI_NEMESES = list(nemesis_mod.ALL)
ALL_WORKLOADS = ["register", "set", "lock", "session", "native-register", "watch"]


class Config:
    pass


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=90, help="time under faults")
    p.add_argument("--minutes", type=float, help="time under faults, in minutes (overrides --seconds)")
    p.add_argument("--seed", type=int, help="default: from the clock (printed, and in the report)")
    p.add_argument("--nodes", type=int, default=3, choices=[3, 5])
    p.add_argument("--nemeses", default="all", help="'all', 'ci', 'none' or a comma list of: " +
                   ",".join(nemesis_mod.ALL))
    p.add_argument("--exclude", default="", help="nemeses to leave out of the chosen set")
    p.add_argument("--workloads", default=",".join(ALL_WORKLOADS))
    p.add_argument("--mode", default="auto", choices=["auto", "netns", "proxy"])
    p.add_argument("--out", help="run folder (default: /tmp/arbor-fault/<seed>)")
    p.add_argument("--bin", default=os.environ.get("ARBOR_BIN", "build/bin"), help="where arbord etc. are")
    p.add_argument("--session-timeout-ms", type=int, default=4000)
    p.add_argument("--snapshot-every", type=int, default=500,
                   help="arbord --snapshot_every_entries (small: followers behind catch up by snapshot)")
    p.add_argument("--inject-bug", default="", help="self-test: phantom_write (clients report unsent writes)")
    p.add_argument("--expect-violation", action="store_true", help="self-test: succeed only if a checker fails")
    a = p.parse_args()
    if a.minutes:
        a.seconds = a.minutes * 60
    if a.seed is None:
        a.seed = int(time.time() * 1000) % 1000000
    return a


def main():
    a = parse_args()
    out = os.path.abspath(a.out or "/tmp/arbor-fault/%d" % a.seed)
    # A run starts from nothing: a previous run's data directories would
    # hand the new cluster its tree (setup fails with NodeExists) and its
    # histories would mix into the check.
    for stale in ("cluster", "history"):
        shutil.rmtree(os.path.join(out, stale), ignore_errors=True)
    os.makedirs(os.path.join(out, "history"), exist_ok=True)
    logf = open(os.path.join(out, "run.log"), "a")

    def log(msg):
        line = "%9.3f %s" % (time.monotonic(), msg)
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    rng = random.Random(a.seed)
    if a.nemeses == "ci":
        kinds = list(CI_NEMESES)
    elif a.nemeses == "all":
        kinds = list(nemesis_mod.ALL)
    elif a.nemeses == "none":
        kinds = []
    else:
        kinds = [k for k in a.nemeses.split(",") if k]
    kinds = [k for k in kinds if k not in a.exclude.split(",")]
    if a.nodes < 5 and "partition-bridge" in kinds and a.nemeses == "all":
        pass  # with 3 nodes the bridge is one node between two singletons: still meaningful
    unknown = [k for k in kinds if k not in nemesis_mod.ALL]
    if unknown:
        print("unknown nemeses: %s" % unknown)
        return 2
    wl = [w for w in a.workloads.split(",") if w]
    log("fault run: seed %d, %d nodes, %.0f s, nemeses %s, workloads %s, out %s" % (
        a.seed, a.nodes, a.seconds, kinds, wl, out))

    netlab.clean_stale(log)
    ok, why = netlab.netns_available() if a.mode != "proxy" else (False, "proxy mode asked for")
    if a.mode == "netns" and not ok:
        log("network namespaces unavailable: %s" % why)
        return 2
    bin_dir = os.path.abspath(a.bin)
    arbord = os.path.join(bin_dir, "arbord")
    peer_ports = None
    if ok:
        lab = netlab.NetnsLab(a.nodes, log)
    else:
        peer_ports = [cluster_mod.free_port() for _ in range(a.nodes)]
        lab = netlab.ProxyLab(a.nodes, peer_ports, log)
    log("network mode: %s%s" % (lab.mode, "" if ok else " (namespaces unavailable: %s)" % why))

    cfg = Config()
    cfg.seed, cfg.out_dir, cfg.history_dir = a.seed, out, os.path.join(out, "history")
    cfg.session_timeout_s = a.session_timeout_ms / 1000.0
    cfg.op_timeout_s = 8.0
    cfg.think_s = 0.02
    cfg.stop = threading.Event()
    cfg.errors, cfg.keep = [], []
    cfg.key_generation_s, cfg.slots = 30, 3
    cfg.inject_bug = a.inject_bug
    tick_ms, election_ticks = 50, 10
    cfg.election_timeout_s = tick_ms * election_ticks / 1000.0
    cfg.snapshot_every, cfg.compact_margin = a.snapshot_every, 100
    extra = ["--tick_ms=%d" % tick_ms, "--election_ticks=%d" % election_ticks,
             "--snapshot_every_entries=%d" % cfg.snapshot_every,
             "--storage_compact_margin_entries=%d" % cfg.compact_margin,
             "--storage_compact_chunk_entries=100", "--min_session_timeout_ms=1000"]
    faketime = os.path.exists(cluster_mod.FAKETIME_LIB)
    if not faketime and "clock-skew" in kinds:
        log("libfaketime missing (apt package faketime): clock-skew left out")
        kinds.remove("clock-skew")
    c = cluster_mod.Cluster(a.nodes, lab, os.path.join(out, "cluster"), arbord, extra, faketime)
    if peer_ports:
        for s, port in zip(c.servers, peer_ports):
            s.peer_port = port

    native_procs = []

    def cleanup():
        cfg.stop.set()
        for p in native_procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        c.stop_all()
        lab.teardown()

    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))

    report = {"seed": a.seed, "nodes": a.nodes, "net_mode": lab.mode, "nemeses": kinds, "workloads": {},
              "duration_s": a.seconds, "notes": [], "inject_bug": a.inject_bug}
    if lab.delay_note:
        report["notes"].append(lab.delay_note)
    try:
        lab.setup()
        c.start_all()
        if c.wait_leader(30) is None:
            log("no leader 30 s after start")
            return 2
        cfg.zk_hosts = c.zk_hosts()
        setup_tree(cfg, c, a.seconds)
        cfg.start_ns = time.monotonic_ns()
        run_end = time.time() + a.seconds
        threads = start_kazoo_workloads(cfg, wl)
        tail_s = cfg.session_timeout_s + 6
        native_procs += start_native_workloads(cfg, c, wl, bin_dir, a, tail_s)
        nem = nemesis_mod.Nemesis(c, lab, cfg, rng, log)
        time.sleep(min(3, a.seconds))
        liveness = []
        while kinds and time.time() < run_end:
            kind = rng.choice(kinds)
            nem.run(kind)
            nem.heal_all()
            t = time.monotonic()
            if c.wait_leader(30) is None:
                liveness.append("no leader within 30 s after healing %s" % kind)
                log("LIVENESS: " + liveness[-1])
            elif time.monotonic() - t > 5:
                report["notes"].append("leader back %.1f s after healing %s" % (time.monotonic() - t, kind))
            time.sleep(rng.uniform(1, 3))
        if time.time() < run_end:
            time.sleep(run_end - time.time())
        nem.heal_all()
        c.wait_leader(30)
        log("faults over; workloads run %.0f s more on the healed cluster" % tail_s)
        time.sleep(tail_s)
        cfg.stop.set()
        for t in threads:
            t.join(timeout=cfg.op_timeout_s * 2 + 5)
        for p in native_procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                cfg.errors.append("native workload pid %d did not finish" % p.pid)
        # Abandoned sessions expire (or were closed) before the final read.
        time.sleep(cfg.session_timeout_s + 2)
        final = read_final(cfg)
        for zk in cfg.keep:
            workloads._quiet_stop(zk)
        judge(cfg, a, report, final, nem.records, liveness, bin_dir, tick_ms)
    finally:
        cleanup()
    verdict_ok = report["verdict"] == "ok"
    log("verdict: %s (report in %s/report.md)" % (report["verdict"], out))
    if a.expect_violation:
        return 0 if not verdict_ok else 1
    return 0 if verdict_ok else 1


def setup_tree(cfg, c, seconds):
    zk = KazooClient(hosts=cfg.zk_hosts, timeout=cfg.session_timeout_s)
    zk.start(timeout=15)
    for p in ("/fault/reg", "/fault/set", "/fault/lock", "/fault/sess", "/fault/watch", "/fault/filler"):
        zk.ensure_path(p)
    gens = int((seconds + 120) // cfg.key_generation_s) + 2
    for g in range(gens):
        for s in range(cfg.slots):
            zk.create("/fault/reg/r%d-g%d" % (s, g), b"init")
    for w in range(2):
        zk.create("/fault/watch/w%d" % w, b"0")
    zk.stop()
    zk.close()


def start_kazoo_workloads(cfg, wl):
    spec = {"register": (workloads.RegisterWorker, 3), "set": (workloads.SetWorker, 2),
            "lock": (workloads.LockWorker, 3), "session": (workloads.SessionWorker, 3)}
    threads = []
    for name, (cls, n) in spec.items():
        if name in wl:
            for i in range(n):
                t = cls("kz-%s%d" % (name, i), cfg, i)
                t.start()
                threads.append(t)
    cfg.workers = threads
    return threads


def start_native_workloads(cfg, c, wl, bin_dir, a, tail_s):
    procs = []
    for mode, name in (("register", "native-register"), ("watch", "watch")):
        if name not in wl:
            continue
        args = [os.path.join(bin_dir, "arbor-fault-native"), "--mode=" + mode, "--servers=" + c.native_hosts(),
                "--out_dir=" + cfg.history_dir, "--name=nat", "--workers=3",
                "--duration_s=%d" % int(a.seconds + 3 + tail_s + 2), "--seed=%d" % a.seed,
                "--session_timeout_ms=%d" % a.session_timeout_ms, "--start_mono_ns=%d" % cfg.start_ns,
                "--slots=%d" % cfg.slots, "--key_generation_s=%d" % cfg.key_generation_s]
        if a.inject_bug:
            args.append("--inject_bug=" + a.inject_bug)
        log = open(os.path.join(cfg.out_dir, "native-%s.log" % mode), "w")
        procs.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT))
    return procs


def read_final(cfg):
    zk = KazooClient(hosts=cfg.zk_hosts, timeout=cfg.session_timeout_s)
    zk.start(timeout=30)
    zk.sync("/fault")
    values = []
    for child in zk.get_children("/fault/set"):
        try:
            values.append(zk.get("/fault/set/" + child)[0].decode())
        except Exception:
            pass
    sess = ["/fault/sess/" + ch for ch in zk.get_children("/fault/sess")]
    zk.stop()
    zk.close()
    return {"set": values, "sess": sess}


def load_jsonl(pattern):
    out = []
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            out += [json.loads(line) for line in f if line.strip()]
    return out


def load_tsv_ops(pattern):
    ops = []
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) == 9:
                    ops.append({"client": p[0], "type": p[2], "invoke": int(p[3]), "complete": int(p[4]),
                                "outcome": p[5]})
    return ops


def judge(cfg, a, report, final, faults, liveness, bin_dir, tick_ms):
    h = cfg.history_dir
    verdicts = {}
    reg_files = sorted(glob.glob(h + "/register-*.tsv"))
    watch_files = sorted(glob.glob(h + "/watch-*.tsv"))
    summary_path = os.path.join(cfg.out_dir, "register-watch-verdict.json")
    chk = subprocess.run([os.path.join(bin_dir, "arbor-fault-check"), "--history=" + ",".join(reg_files),
                          "--watch_history=" + ",".join(watch_files), "--summary=" + summary_path],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(os.path.join(cfg.out_dir, "checker.txt"), "w") as f:
        f.write(chk.stdout)
    print(chk.stdout, end="")
    try:
        with open(summary_path) as f:
            s = json.load(f)
    except (OSError, ValueError):
        s = {"linearizability": "checker failed: exit %d" % chk.returncode}
    reg_ops = load_tsv_ops(h + "/register-*.tsv")
    reg_counts = collections.Counter(o["outcome"] for o in reg_ops)
    lin_ok = s.get("linearizability") == "linearizable" and s.get("plain_read_violations", 1) == 0
    if reg_ops or "register" in a.workloads.split(",") or "native-register" in a.workloads:
        report["workloads"]["register"] = {"ops": dict(reg_counts), "verdict": "ok" if lin_ok else "VIOLATION" if
                                       s.get("linearizability") == "VIOLATION" or s.get("plain_read_violations")
                                       else "unknown", "detail": s,
                                           "clients": sorted({o["client"].split("-")[0] for o in reg_ops})}
    if "watch" in a.workloads:
        recs = [l.split("\t")[1] for fpath in watch_files for l in open(fpath) if l.strip()]
        report["workloads"]["watch"] = {"ops": {"ok": recs.count("read") + recs.count("event")},
                                        "verdict": "ok" if s.get("watch_violations", 1) == 0 else "VIOLATION",
                                        "detail": {k: v for k, v in s.items() if k.startswith("watch")}}
    if "set" in a.workloads:
        recs = load_jsonl(h + "/set-*.jsonl")
        r = checkers.check_set(recs, final["set"])
        report["workloads"]["set"] = {"ops": dict(collections.Counter(x["outcome"] for x in recs if "outcome" in x)),
                                      "verdict": r["verdict"], "detail": r}
    if "lock" in a.workloads:
        recs = load_jsonl(h + "/lock-*.jsonl")
        r = checkers.check_lock(recs)
        report["workloads"]["lock"] = {"ops": dict(collections.Counter(x["outcome"] for x in recs if "outcome" in x)),
                                       "verdict": r["verdict"], "detail": r}
    if "session" in a.workloads:
        recs = load_jsonl(h + "/session-*.jsonl")
        r = checkers.check_session(recs, final["sess"], tick_ms)
        report["workloads"]["session"] = {"ops": dict(collections.Counter(x["outcome"] for x in recs
                                                                          if "outcome" in x)),
                                          "verdict": r["verdict"], "detail": r}
    # Failover: first acknowledged write (register, set, session touches) after a leader-losing fault.
    writes = [(o["invoke"], o["complete"]) for o in reg_ops if o["type"] in ("write", "cas") and o["outcome"] == "ok"]
    for rec in load_jsonl(h + "/set-*.jsonl") + load_jsonl(h + "/session-*.jsonl"):
        if rec.get("op") in ("add", "touch") and rec.get("outcome") == "ok":
            writes.append((rec["invoke"], rec["complete"]))
    fo = report_mod.failover_times(faults, writes)
    report["failover"] = report_mod.summarize_failover(fo)
    report["failover_each"] = fo
    report["faults"] = faults
    report["fault_counts"] = dict(collections.Counter(f["kind"] for f in faults))
    report["liveness"] = liveness
    report["harness_errors"] = cfg.errors
    bad = [w for w, v in report["workloads"].items() if v["verdict"] != "ok"]
    report["verdict"] = "ok" if not bad and not liveness and not cfg.errors else \
        "FAILED: " + ", ".join(bad + (["liveness"] if liveness else []) + (["harness"] if cfg.errors else []))
    with open(os.path.join(cfg.out_dir, "report.json"), "w") as f:
        json.dump(report, f, indent=1, default=str)
    report_mod.write_markdown(os.path.join(cfg.out_dir, "report.md"), report)
    ops = [(o["complete"] if o["complete"] > 0 else o["invoke"], o["outcome"]) for o in reg_ops]
    for rec in load_jsonl(h + "/*.jsonl"):
        if "outcome" in rec and "invoke" in rec:
            ops.append((rec.get("complete") or rec["invoke"], rec["outcome"]))
    t0 = cfg.start_ns
    t1 = max([t for t, _ in ops] + [f["end"] for f in faults] + [t0 + 1])
    report_mod.write_svg(os.path.join(cfg.out_dir, "plot.svg"), t0, t1, ops, faults,
                         "seed %d: operations per outcome and faults over time (%s)" % (cfg.seed, report["verdict"]))
    for w, v in sorted(report["workloads"].items()):
        print("workload %-8s %-10s ops %s" % (w, v["verdict"], v["ops"]))
    print("failover: %s" % json.dumps(report["failover"]))
    for e in cfg.errors + liveness:
        print("problem: %s" % e)


if __name__ == "__main__":
    sys.exit(main())
