"""The kazoo workloads' checkers must reject what they exist to catch."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkers  # noqa: E402

S = 10 ** 9  # one second in ns


def add(value, outcome, invoke=0, complete=1):
    return {"op": "add", "value": value, "outcome": outcome, "invoke": invoke, "complete": complete, "client": "c"}


class SetTest(unittest.TestCase):
    def test_clean(self):
        r = checkers.check_set([add("a", "ok"), add("b", "unknown"), add("c", "unknown")], ["a", "b"])
        self.assertEqual(r["verdict"], "ok")
        self.assertEqual(r["unknown_present"], 1)

    def test_lost_duplicated_and_phantom(self):
        self.assertEqual(checkers.check_set([add("a", "ok")], [])["verdict"], "VIOLATION")
        self.assertEqual(checkers.check_set([add("a", "ok")], ["a", "a"])["verdict"], "VIOLATION")
        self.assertEqual(checkers.check_set([add("a", "ok")], ["a", "x"])["verdict"], "VIOLATION")
        self.assertEqual(checkers.check_set([add("a", "fail")], ["a"])["verdict"], "VIOLATION")


def hold(client, acquired, released, states=()):
    recs = [{"op": "state", "state": "CONNECTED", "t": 0, "client": client},
            {"op": "acquire", "outcome": "ok", "invoke": acquired - 5, "complete": acquired, "client": client},
            {"op": "release", "outcome": "ok", "invoke": released, "complete": released + 1, "acquired": acquired,
             "client": client}]
    recs += [{"op": "state", "state": s, "t": t, "client": client} for t, s in states]
    return recs


class LockTest(unittest.TestCase):
    def test_sequential_holds(self):
        self.assertEqual(checkers.check_lock(hold("a", 10, 20) + hold("b", 21, 30))["verdict"], "ok")

    def test_overlap_rejected(self):
        r = checkers.check_lock(hold("a", 10, 20) + hold("b", 15, 30))
        self.assertEqual(r["verdict"], "VIOLATION")

    def test_overlap_after_holder_saw_suspension_is_allowed(self):
        # a's connection was suspended at 12: from then on it knows it may have lost the lock.
        r = checkers.check_lock(hold("a", 10, 20, [(12, "SUSPENDED")]) + hold("b", 15, 30))
        self.assertEqual(r["verdict"], "ok")
        self.assertEqual(r["cut_by_connection_state"], 1)


def session(client, timeout_ms, touches, lost=None, alive_at_end=False):
    recs = [{"op": "create", "path": "/fault/sess/" + client, "invoke": 0, "complete": 1, "outcome": "ok",
             "timeout_ms": timeout_ms, "client": client}]
    for invoke, outcome, error in touches:
        recs.append({"op": "touch", "invoke": invoke, "complete": invoke + 1, "outcome": outcome, "error": error,
                     "client": client})
    if lost is not None:
        recs.append({"op": "state", "state": "LOST", "t": lost, "client": client})
    if alive_at_end:
        recs.append({"op": "alive_at_end", "t": 100 * S, "client": client})
    return recs


class SessionTest(unittest.TestCase):
    def test_clean(self):
        recs = session("a", 4000, [(1 * S, "ok", None)], alive_at_end=True) + \
            session("b", 4000, [(1 * S, "ok", None), (9 * S, "unknown", "SessionExpiredError")], lost=8 * S)
        r = checkers.check_session(recs, ["/fault/sess/a"], 50)
        self.assertEqual(r["verdict"], "ok", r)

    def test_ephemeral_gone_under_live_session(self):
        recs = session("a", 4000, [(1 * S, "ok", None), (2 * S, "fail", "NoNodeError")])
        self.assertEqual(checkers.check_session(recs, [], 50)["verdict"], "VIOLATION")

    def test_expired_too_soon(self):
        recs = session("a", 4000, [(1 * S, "ok", None)], lost=3 * S)
        self.assertEqual(checkers.check_session(recs, [], 50)["verdict"], "VIOLATION")

    def test_ephemeral_outlives_its_session_or_vanishes_early(self):
        recs = session("a", 4000, [(1 * S, "ok", None)], lost=8 * S)
        self.assertEqual(checkers.check_session(recs, ["/fault/sess/a"], 50)["verdict"], "VIOLATION")
        recs = session("a", 4000, [(1 * S, "ok", None)], alive_at_end=True)
        self.assertEqual(checkers.check_session(recs, [], 50)["verdict"], "VIOLATION")


if __name__ == "__main__":
    unittest.main()
