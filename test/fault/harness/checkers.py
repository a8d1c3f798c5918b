"""Checkers of the kazoo workloads (set, lock, session). The register and
watch workloads are judged by arbor-fault-check (C++). Each function takes
the parsed history records and returns a dict with "verdict" ("ok" or
"VIOLATION"), counts and the first few offending records ("examples")."""
import collections

MAX_EXAMPLES = 10


def _verdict(out, problems):
    out["violations"] = len(problems)
    out["examples"] = problems[:MAX_EXAMPLES]
    out["verdict"] = "ok" if not problems else "VIOLATION"
    return out


def check_set(records, final_values):
    """records: the 'add' ops; final_values: the data of every child of
    /fault/set read at the end (a list, duplicates kept). Every acknowledged
    add must be present exactly once; an unknown one at most once; a failed
    or never-attempted value never."""
    adds = [r for r in records if r.get("op") == "add"]
    by_value = {r["value"]: r for r in adds}
    present = collections.Counter(final_values)
    problems = []
    ok = [r for r in adds if r["outcome"] == "ok"]
    for r in ok:
        if present[r["value"]] != 1:
            problems.append({"problem": "acknowledged add present %d times" % present[r["value"]], "op": r})
    for value, n in present.items():
        r = by_value.get(value)
        if r is None:
            problems.append({"problem": "value nobody added present %d times" % n, "value": value})
        elif r["outcome"] == "fail":
            problems.append({"problem": "failed add present", "op": r})
        elif r["outcome"] == "unknown" and n > 1:
            problems.append({"problem": "unknown add present %d times" % n, "op": r})
    unknown = [r for r in adds if r["outcome"] == "unknown"]
    out = {"adds": len(adds), "acknowledged": len(ok), "unknown": len(unknown),
           "unknown_present": sum(1 for r in unknown if present[r["value"]] == 1),
           "lost_acknowledged": sum(1 for r in ok if present[r["value"]] == 0), "final_size": len(final_values)}
    return _verdict(out, problems)


def lock_holds(records):
    """Hold intervals [acquired, end] per client session, where end is the
    release or the first moment the holder saw its connection suspended or
    its session lost (from then on it no longer believes it holds the lock)."""
    by_client = collections.defaultdict(list)
    for r in records:
        by_client[r["client"]].append(r)
    holds = []
    for client, recs in by_client.items():
        states = sorted((r["t"], r["state"]) for r in recs if r.get("op") == "state")
        acquires = [r for r in recs if r.get("op") == "acquire" and r["outcome"] == "ok"]
        releases = {r["acquired"]: r for r in recs if r.get("op") == "release"}
        for a in acquires:
            rel = releases.get(a["complete"])
            end = rel["invoke"] if rel else None
            lost = next((t for t, s in states if t > a["complete"] and s != "CONNECTED"), None)
            # A state change before acquire() returned (lock taken over a
            # suspension): the hold is not believed live at all.
            before = [s for t, s in states if t <= a["complete"]]
            if before and before[-1] != "CONNECTED":
                continue
            cut = lost is not None and (end is None or lost < end)
            if cut:
                end = lost
            if end is None:
                end = float("inf")
            holds.append({"client": client, "start": a["complete"], "end": end, "cut_by_state": cut})
    return holds


def check_lock(records):
    """No two clients hold the lock at once while each believes its session
    is live (see lock_holds)."""
    holds = sorted(lock_holds(records), key=lambda h: h["start"])
    problems = []
    latest = None  # the hold reaching furthest so far
    for h in holds:
        if latest is not None and h["start"] < latest["end"] and h["client"] != latest["client"]:
            problems.append({"problem": "two holders at once", "first": latest, "second": h,
                             "overlap_ms": round((min(latest["end"], h["end"]) - h["start"]) / 1e6, 1)})
        if latest is None or h["end"] > latest["end"]:
            latest = h
    acq = [r for r in records if r.get("op") == "acquire"]
    out = {"acquired": len(holds), "cut_by_connection_state": sum(1 for h in holds if h["cut_by_state"]),
           "acquire_ok": sum(1 for r in acq if r["outcome"] == "ok"),
           "acquire_timeout": sum(1 for r in acq if r["outcome"] == "fail"),
           "acquire_unknown": sum(1 for r in acq if r["outcome"] == "unknown")}
    return _verdict(out, problems)


def check_session(records, final_paths, tick_ms):
    """records: session workload history; final_paths: children of
    /fault/sess at the end. Violations:
     - a touch of the session's own ephemeral answered NONODE while that
       session had not been seen lost: the ephemeral vanished under a live session;
     - the session expired (SessionExpired answer or LOST state) sooner than
       its timeout after an acknowledged touch invoked: expired while healthy;
     - at the end, the ephemeral of a session seen expired still exists, or
       that of a session alive at the end is missing."""
    by_client = collections.defaultdict(list)
    for r in records:
        by_client[r["client"]].append(r)
    problems = []
    expired_clients, alive_at_end = set(), set()
    final = set(final_paths)
    touches = 0
    for client, recs in by_client.items():
        create = next((r for r in recs if r.get("op") == "create" and r["outcome"] == "ok"), None)
        if create is None:
            continue
        timeout_ns = (create.get("timeout_ms") or 0) * 10 ** 6
        # The harness closes the sessions alive at the end itself (kazoo calls that LOST).
        end = next((r["t"] for r in recs if r.get("op") == "alive_at_end"), float("inf"))
        lost = sorted(r["t"] for r in recs if r.get("op") == "state" and r["state"] == "LOST" and r["t"] < end)
        last_ok_invoke = create["invoke"]
        expired_at = None
        for r in sorted((r for r in recs if r.get("op") == "touch"), key=lambda r: r["invoke"]):
            touches += 1
            if r["outcome"] == "ok":
                last_ok_invoke = max(last_ok_invoke, r["invoke"])
            elif r.get("error") == "NoNodeError" and not any(t < r["complete"] for t in lost):
                problems.append({"problem": "ephemeral gone while its session lives", "op": r})
            elif r.get("error") == "SessionExpiredError" and expired_at is None:
                expired_at = r["complete"]
        if lost and (expired_at is None or lost[0] < expired_at):
            expired_at = lost[0]
        if expired_at is not None:
            expired_clients.add(client)
            slack = 2 * tick_ms * 10 ** 6 + 50 * 10 ** 6
            if timeout_ns and expired_at < last_ok_invoke + timeout_ns - slack:
                problems.append({"problem": "session expired %.0f ms after an acknowledged touch (timeout %d ms)"
                                 % ((expired_at - last_ok_invoke) / 1e6, timeout_ns // 10 ** 6),
                                 "client": client, "expired_at": expired_at, "last_ok_invoke": last_ok_invoke})
        if any(r.get("op") == "alive_at_end" for r in recs):
            alive_at_end.add(client)
        path = create["path"]
        if client in expired_clients and path in final:
            problems.append({"problem": "ephemeral of an expired session still present at the end", "path": path})
        if client in alive_at_end and client not in expired_clients and path not in final:
            problems.append({"problem": "ephemeral of a session alive at the end is missing", "path": path})
    out = {"sessions": len(by_client), "expired": len(expired_clients), "alive_at_end": len(alive_at_end),
           "touches": touches}
    return _verdict(out, problems)
