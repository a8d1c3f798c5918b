#!/usr/bin/env python3
"""report.py OUT: the ratio table and SVG charts of a compare.sh run.

Reads OUT/results.jsonl (arbor-bench JSON lines labelled WORKLOAD/SYSTEM and
compare.sh notes) and the latency CDF files, writes OUT/table.md (also
printed) and OUT/throughput.svg, OUT/cpu_per_op.svg, OUT/cdf-<W>.svg.
No dependencies beyond Python 3.
"""
import glob
import json
import math
import os
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/arbor-compare"
rows = [json.loads(l) for l in open(os.path.join(OUT, "results.jsonl")) if l.strip()]
runs = {r["label"]: r for r in rows if r.get("tool") == "arbor-bench" and "/" in r.get("label", "")}
notes = [r for r in rows if "note" in r]


def run(w, s):
    return runs.get("%s/%s" % (w, s))


def note(kind, system=None):
    for n in notes:
        if n["note"] == kind and (system is None or n.get("system") == system):
            return n
    return None


def fmt(v, unit=""):
    if v is None:
        return "—"
    if isinstance(v, float) and v < 10:
        return "%.2f%s" % (v, unit)
    return "{:,.0f}{}".format(v, unit)


def ratio(a, z):
    if a is None or z is None or z == 0:
        return None
    return a / z


def verdict(r, target, higher_better):
    if r is None:
        return "—"
    ok = r >= target if higher_better else r <= target
    return "**yes**" if ok else "no"


lines = []
m = note("machine") or {}
end = note("end") or {}
lines.append("Run of %s on %s (%s CPUs: %s, %s GB), git %s; load average %s at start, %s at end."
             % (m.get("date", "?"), m.get("host", "?"), m.get("cpus", "?"), m.get("cpu_model", "?"),
                m.get("mem_gb", "?"), m.get("git", "?"), m.get("loadavg_start", "?"), end.get("loadavg_end", "?")))
busy = [r["machine_busy_share"] for r in runs.values() if "machine_busy_share" in r]
other = [r["other_cpu_s"] / max(r["seconds"], 1e-9) for r in runs.values() if "other_cpu_s" in r]
if busy:
    lines.append("During the measured windows the machine was %.0f–%.0f%% busy; processes other than the servers "
                 "and the bench used %.2f–%.2f cores (other engineers' builds and tests)."
                 % (100 * min(busy), 100 * max(busy), min(other), max(other)))
lines.append("")
lines.append("| workload | figure | ZooKeeper 3.8 | Arbor | Arbor/ZK | target | met |")
lines.append("|---|---|---:|---:|---:|---:|:-:|")


def add(w, fig, z, a, target=None, higher=True, unit=""):
    r = ratio(a, z)
    t = "—" if target is None else ("≥ %gx" % target if higher else "≤ %gx" % target)
    lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
        w, fig, fmt(z, unit), fmt(a, unit), "—" if r is None else "%.2fx" % r, t,
        "—" if target is None else verdict(r, target, higher)))


for w in ["W1", "R1", "M1", "lock"]:
    z, a = run(w, "zk"), run(w, "arbor")
    if not z or not a:
        continue
    add(w, "ops/s", z["ops_per_sec"], a["ops_per_sec"], 5, True)
    add(w, "p50 µs", z["p50_us"], a["p50_us"])
    add(w, "p99 µs", z["p99_us"], a["p99_us"], 1 / 3, False)
    add(w, "p99.9 µs", z["p999_us"], a["p999_us"])
    add(w, "server CPU µs/op", z["server_cpu_us_per_op"], a["server_cpu_us_per_op"],
        0.1 if w == "R1" else 0.2, False)
    add(w, "bench CPU share", 100 * z["bench_cpu_share"], 100 * a["bench_cpu_share"], unit="%")
z, a = run("L1", "zk"), run("L1", "arbor")
if z and a:
    for op in ["create", "set", "get", "exists", "children", "delete", "multi", "lock", "watch"]:
        zo, ao = z["ops"].get(op), a["ops"].get(op)
        if zo and ao:
            add("L1", "%s p50 µs" % op, zo["p50_us"], ao["p50_us"], 0.7, False)
            add("L1", "%s p99 µs" % op, zo["p99_us"], ao["p99_us"])
    add("L1", "server CPU µs/op", z["server_cpu_us_per_op"], a["server_cpu_us_per_op"], 0.2, False)
z, a = run("S1-create", "zk"), run("S1-create", "arbor")
if z and a:
    add("S1", "creates/s (1M, 64 B paths)", z["ops_per_sec"], a["ops_per_sec"])
    add("S1", "create server CPU µs/op", z["server_cpu_us_per_op"], a["server_cpu_us_per_op"], 0.2, False)
sz, sa = note("S1", "zk"), note("S1", "arbor")
if sz and sa:
    def per_znode(n):
        # The largest server's growth, beyond data and names, per znode.
        grow = max(aft - bef for bef, aft in zip(n["mem_before_kb"], n["mem_after_kb"]))
        return grow * 1024.0 / n["znodes"] - n["data_bytes"] - n["name_bytes"]
    add("S1", "memory per znode beyond data+name, B", per_znode(sz), per_znode(sa))
    lines[-1] = lines[-1].replace("| — | — |", "| ≤ ~110 B | %s |" % ("**yes**" if per_znode(sa) <= 115 else "no"))
    add("S1", "snapshot size, MB", max(sz["snapshot_bytes"]) / 1e6, max(sa["snapshot_bytes"]) / 1e6)
    add("S1", "longest snapshot, ms", sz.get("snapshot_ms_max"), sa.get("snapshot_ms_max"))
z, a = run("S1-stall", "zk"), run("S1-stall", "arbor")
if z and a:
    add("S1", "W1 during snapshots: ops/s", z["ops_per_sec"], a["ops_per_sec"])
    add("S1", "longest request (stall), ms", z["max_us"] / 1000.0, a["max_us"] / 1000.0)
    lines[-1] = lines[-1].replace("| — | — |", "| ≤ 50 ms | %s |" % ("**yes**" if a["max_us"] <= 50000 else "no"))
rz, ra = note("S1-restart", "zk"), note("S1-restart", "arbor")
if rz and ra:
    def serving(n):
        p = n.get("probe")
        if isinstance(p, dict) and p.get("all_serving_s", -1) >= 0:
            return n["seconds"]
        return None
    add("S1", "ensemble restart to serving, s", serving(rz), serving(ra), 1 / 3, False)
for sys_ in ["zk", "arbor"]:
    pass
z1, a1 = run("C1-W1-idle", "zk"), run("C1-W1-idle", "arbor")
z0, a0 = run("C1-W1-alone", "zk"), run("C1-W1-alone", "arbor")
if z1 and a1 and z0 and a0:
    add("C1", "W1 with idle sessions / W1 alone", z1["ops_per_sec"] / z0["ops_per_sec"],
        a1["ops_per_sec"] / a0["ops_per_sec"])
    lines[-1] = lines[-1].replace("| — | — |", "| ≥ 0.8 (Arbor) | %s |" % (
        "**yes**" if a1["ops_per_sec"] / a0["ops_per_sec"] >= 0.8 else "no"))
    add("C1", "W1 ops/s with %d idle sessions" % a1["idle_sessions"], z1["ops_per_sec"], a1["ops_per_sec"])
    add("C1", "idle sessions lost", z1["idle_sessions_lost"], a1["idle_sessions_lost"])
    lines[-1] = lines[-1].replace("| — | — |", "| 0 | %s |" % ("**yes**" if a1["idle_sessions_lost"] == 0 else "no"))
    mz, ma = note("C1-memory", "zk"), note("C1-memory", "arbor")
    if mz and ma:
        add("C1", "memory per idle session, B (ZK heap / Arbor anon)",
            (mz["mem_after_kb"] - mz["mem_before_kb"]) * 1024.0 / mz["idle_sessions"],
            (ma["mem_after_kb"] - ma["mem_before_kb"]) * 1024.0 / ma["idle_sessions"])
        add("C1", "RSS (anon) per idle session, B",
            (mz["rss_anon_after_kb"] - mz["rss_anon_before_kb"]) * 1024.0 / mz["idle_sessions"],
            (ma["rss_anon_after_kb"] - ma["rss_anon_before_kb"]) * 1024.0 / ma["idle_sessions"])

sweep = [(l, r) for l, r in runs.items() if "-t" in l.split("/")[0]]
if sweep:
    lines.append("")
    lines.append("Client-thread sweep (is arbor-bench the limit?):")
    lines.append("")
    lines.append("| run | threads | ops/s | server CPU µs/op | bench CPU share | machine busy |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for l, r in sorted(sweep):
        lines.append("| %s | %d | %s | %.1f | %.0f%% | %.0f%% |" % (l, r["threads"], fmt(r["ops_per_sec"]),
                                                               r["server_cpu_us_per_op"], 100 * r["bench_cpu_share"],
                                                               100 * r["machine_busy_share"]))
table = "\n".join(lines) + "\n"
open(os.path.join(OUT, "table.md"), "w").write(table)
print(table)

# ---- charts (hand-written SVG) ---------------------------------------------------
COL = {"zk": "#d95f02", "arbor": "#1b9e77"}
NAME = {"zk": "ZooKeeper 3.8", "arbor": "Arbor"}


def svg_bars(path, title, unit, groups, logscale=True):
    """groups: [(label, {sys: value})]"""
    W, H, L, B, T = 760, 380, 70, 60, 40
    vals = [v for _, d in groups for v in d.values() if v and v > 0]
    if not vals:
        return
    lo, hi = (10 ** math.floor(math.log10(min(vals))), 10 ** math.ceil(math.log10(max(vals)))) if logscale else (0, max(vals) * 1.1)

    def y(v):
        if logscale:
            f = (math.log10(max(v, lo)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        else:
            f = (v - lo) / (hi - lo)
        return H - B - f * (H - B - T)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="22" font-size="15" text-anchor="middle">%s</text>' % (W // 2, title)]
    if logscale:
        e = math.log10(lo)
        while e <= math.log10(hi) + 1e-9:
            v = 10 ** e
            out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (L, W - 20, y(v), y(v)))
            out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (L - 5, y(v) + 4, "{:,.0f}".format(v) if v >= 1 else "%g" % v))
            e += 1
    out.append('<text x="16" y="%d" transform="rotate(-90 16 %d)" text-anchor="middle">%s</text>' % (H // 2, H // 2, unit))
    gw = (W - L - 20) / max(1, len(groups))
    for i, (label, d) in enumerate(groups):
        x0 = L + i * gw + gw * 0.15
        bw = gw * 0.7 / 2
        for j, s in enumerate(["zk", "arbor"]):
            v = d.get(s)
            if not v or v <= 0:
                continue
            x = x0 + j * bw
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>' % (x, y(v), bw - 2, H - B - y(v), COL[s]))
            out.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10">%s</text>' % (x + bw / 2, y(v) - 3, "{:,.0f}".format(v) if v >= 10 else "%.2f" % v))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (L + i * gw + gw / 2, H - B + 18, label))
    for j, s in enumerate(["zk", "arbor"]):
        out.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>' % (L + 10 + 150 * j, H - 22, COL[s], L + 26 + 150 * j, H - 12, NAME[s]))
    out.append("</svg>")
    open(path, "w").write("\n".join(out))


tp, cpu = [], []
for w in ["W1", "R1", "M1", "lock", "L1", "S1-create", "C1-W1-idle"]:
    z, a = run(w, "zk"), run(w, "arbor")
    if z and a:
        tp.append((w, {"zk": z["ops_per_sec"], "arbor": a["ops_per_sec"]}))
        cpu.append((w, {"zk": z["server_cpu_us_per_op"], "arbor": a["server_cpu_us_per_op"]}))
svg_bars(os.path.join(OUT, "throughput.svg"), "Throughput (3 nodes, fsync on, same client)", "ops/s (log)", tp)
svg_bars(os.path.join(OUT, "cpu_per_op.svg"), "Servers' CPU time per operation (all 3 processes)", "µs per op (log)", cpu)


def svg_cdf(path, title, curves):
    """curves: [(name, color, [(us, frac)])] on a log x axis."""
    W, H, L, B, T, R = 760, 380, 60, 50, 40, 20
    xs = [p[0] for _, _, c in curves for p in c if p[0] > 0]
    if not xs:
        return
    lo, hi = 10 ** math.floor(math.log10(min(xs))), 10 ** math.ceil(math.log10(max(xs)))

    def X(v):
        return L + (math.log10(max(v, lo)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * (W - L - R)

    def Y(f):
        return H - B - f * (H - B - T)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="22" font-size="15" text-anchor="middle">%s</text>' % (W // 2, title)]
    e = math.log10(lo)
    while e <= math.log10(hi) + 1e-9:
        v = 10 ** e
        out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#ddd"/>' % (X(v), X(v), T, H - B))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (X(v), H - B + 16, "{:,.0f}".format(v)))
        e += 1
    for f in [0, 0.5, 0.9, 0.99, 1.0]:
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/>' % (L, W - R, Y(f), Y(f)))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%g</text>' % (L - 5, Y(f) + 4, f))
    out.append('<text x="%d" y="%d" text-anchor="middle">latency, µs (log)</text>' % ((L + W - R) // 2, H - 12))
    for k, (name, color, c) in enumerate(curves):
        pts = " ".join("%.1f,%.1f" % (X(v), Y(f)) for v, f in c if v > 0)
        out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (color, pts))
        out.append('<rect x="%d" y="%d" width="12" height="3" fill="%s"/><text x="%d" y="%d">%s</text>' % (L + 10, T + 8 + 16 * k, color, L + 26, T + 13 + 16 * k, name))
    out.append("</svg>")
    open(path, "w").write("\n".join(out))


for w in ["W1", "R1", "M1", "lock", "L1", "S1-stall", "C1-W1-idle"]:
    curves = []
    for s in ["zk", "arbor"]:
        f = os.path.join(OUT, "cdf-%s-%s.txt" % (w, s))
        if not os.path.exists(f):
            continue
        pts = [(int(p[1]), float(p[2])) for p in (l.split() for l in open(f)) if p[0] == "all"]
        curves.append((NAME[s], COL[s], pts))
    if len(curves) == 2:
        svg_cdf(os.path.join(OUT, "cdf-%s.svg" % w), "Latency CDF, %s (all ops)" % w, curves)
