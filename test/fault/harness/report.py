"""The run's report (report.json + report.md) and its plot (plot.svg)."""
import json
import statistics

from nemesis import LEADER_LOSS

COLORS = {"ok": "#2e7d32", "fail": "#ef6c00", "unknown": "#c62828"}


def failover_times(faults, writes):
    """For each leader-losing fault: seconds from its start to the first
    acknowledged write invoked after it. writes: (invoke_ns, complete_ns)."""
    oks = sorted(w for w in writes if w[1] is not None and w[1] > 0)
    out = []
    for f in faults:
        if f["kind"] not in LEADER_LOSS:
            continue
        first = min((c for i, c in oks if i >= f["start"]), default=None)
        out.append({"kind": f["kind"], "start": f["start"],
                    "seconds": round((first - f["start"]) / 1e9, 3) if first else None})
    return out


def summarize_failover(times):
    vals = [t["seconds"] for t in times if t["seconds"] is not None]
    if not vals:
        return {"count": 0}
    return {"count": len(vals), "median_s": round(statistics.median(vals), 3), "max_s": round(max(vals), 3),
            "never_recovered": sum(1 for t in times if t["seconds"] is None)}


def write_markdown(path, report):
    lines = ["# Fault run, seed %d" % report["seed"], "",
             "mode: %s; %d servers; %.0f s; nemeses: %s" % (report["net_mode"], report["nodes"],
                                                             report["duration_s"], ", ".join(report["nemeses"])),
             "", "| workload | ok | fail | unknown | verdict |", "|---|---|---|---|---|"]
    for name, w in sorted(report["workloads"].items()):
        lines.append("| %s | %d | %d | %d | %s |" % (name, w["ops"].get("ok", 0), w["ops"].get("fail", 0),
                                                     w["ops"].get("unknown", 0), w["verdict"]))
    fo = report["failover"]
    lines += ["", "failover (leader-losing faults, to the first acknowledged write): %s" % json.dumps(fo), "",
              "faults injected: %d (%s)" % (len(report["faults"]), ", ".join(
                  "%s=%d" % kv for kv in sorted(report["fault_counts"].items()))), ""]
    if report.get("notes"):
        lines += ["notes:"] + ["- " + n for n in report["notes"]] + [""]
    lines.append("**verdict: %s**" % report["verdict"])
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_svg(path, t0, t1, ops, faults, title):
    """ops: (complete_or_invoke_ns, outcome). A stacked bar per time bucket
    (ok / fail / unknown), fault intervals as labelled bands under it."""
    width, height, left, top, plot_h = 1000, 420, 50, 30, 220
    span = max(1, t1 - t0)
    buckets = 200
    counts = [{"ok": 0, "fail": 0, "unknown": 0} for _ in range(buckets)]
    for t, outcome in ops:
        b = min(buckets - 1, max(0, int((t - t0) * buckets / span)))
        counts[b][outcome] += 1
    peak = max(1, max(sum(c.values()) for c in counts))
    bw = (width - left - 10) / buckets
    x = lambda t: left + (t - t0) * (width - left - 10) / span
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
           'font-size="11">' % (width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="18" font-size="13">%s</text>' % (left, title)]
    for i, c in enumerate(counts):
        y = top + plot_h
        for outcome in ("ok", "fail", "unknown"):
            h = c[outcome] * plot_h / peak
            if h > 0:
                y -= h
                svg.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                           % (left + i * bw, y, max(bw - 0.5, 0.5), h, COLORS[outcome]))
    svg.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (left, top + plot_h, width - 10,
                                                                          top + plot_h))
    svg.append('<text x="5" y="%d">%d ops</text>' % (top + 10, peak))
    svg.append('<text x="5" y="%d">/bucket</text>' % (top + 22))
    for s in range(0, int(span / 1e9) + 1, max(1, int(span / 1e9) // 10)):
        xs = x(t0 + s * 1e9)
        svg.append('<text x="%.1f" y="%d">%ds</text>' % (xs, top + plot_h + 14, s))
    lanes = {}
    for f in faults:
        lane = lanes.setdefault(f["kind"], len(lanes))
        y = top + plot_h + 24 + (lane % 10) * 16
        svg.append('<rect x="%.1f" y="%d" width="%.1f" height="12" fill="#5c6bc0" opacity="0.6"><title>%s %s'
                   '</title></rect>' % (x(f["start"]), y, max(2, x(f["end"]) - x(f["start"])), f["kind"],
                                       f["targets"]))
        svg.append('<text x="%.1f" y="%d" font-size="9">%s %s</text>' % (x(f["end"]) + 2, y + 10, f["kind"],
                                                                         f["targets"]))
    legend_x = width - 250
    for i, (k, col) in enumerate(COLORS.items()):
        svg.append('<rect x="%d" y="8" width="10" height="10" fill="%s"/><text x="%d" y="17">%s</text>'
                   % (legend_x + i * 70, col, legend_x + i * 70 + 14, k))
    svg.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(svg) + "\n")
