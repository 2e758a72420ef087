#!/usr/bin/env python3
"""CLI tests of `switchboard simulate`: they run the built binary on the examples and on bad scenarios.

Usage: test_simulate_cli.py PATH/TO/switchboard   (run by meson test; standard library only)
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

BIN = None
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")
MM14 = os.path.join(EXAMPLES, "mm14.json")
MULTI = os.path.join(EXAMPLES, "multiskill.json")

METRICS = ["offered", "answered", "abandoned", "overflowed", "refused", "unfinished",
           "sl_offered", "sl_answered", "sl_excl_short", "sl2", "abandon_rate", "p_wait",
           "asa_s", "aht_s", "occupancy", "agents", "ewt_mae_s", "ewt_bias_s"]


def run(*args):
    p = subprocess.run([BIN, "simulate", *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def run_json(*args):
    rc, out, err = run(*args)
    if rc != 0:
        raise AssertionError("exit %d: %s" % (rc, err))
    return json.loads(out)


class Scenario:
    """A scenario file written from a dict (or raw text) for one test."""

    def __init__(self, doc):
        self.f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        self.f.write(doc if isinstance(doc, str) else json.dumps(doc))
        self.f.close()

    def __enter__(self):
        return self.f.name

    def __exit__(self, *exc):
        os.unlink(self.f.name)


def small():
    return {
        "name": "small", "interval_s": 900, "intervals": 4, "replications": 3,
        "queues": [{"name": "q", "arrivals": [20, 30, 25, 10],
                    "handle_time": {"dist": "exponential", "mean_s": 120},
                    "patience": {"dist": "exponential", "mean_s": 200}}],
        "groups": [{"name": "g", "agents": 4}],
    }


class SimulateTest(unittest.TestCase):
    def check_stat(self, s):
        self.assertEqual(set(s), {"mean", "lo", "hi"})
        if s["lo"] is not None:
            self.assertLessEqual(s["lo"], s["mean"] + 1e-9)
            self.assertLessEqual(s["mean"], s["hi"] + 1e-9)

    def check_metrics(self, obj):
        for m in METRICS:
            self.assertIn(m, obj)
            self.check_stat(obj[m])

    def test_help(self):
        rc, out, err = run("--help")
        self.assertEqual(rc, 0)
        self.assertIn("docs/simulate.md", out)
        self.assertIn("--replications", out)
        self.assertIn("arrivals", out)
        self.assertIn("handle_time", out)

    def test_mm14_example(self):
        r = run_json(MM14, "--replications", "4", "--seed", "3", "--no-timing")
        self.assertEqual(r["replications"], 4)
        self.assertEqual(r["seed"], 3)
        self.assertEqual(r["confidence"], 0.95)
        self.assertEqual(r["intervals"], 48)
        self.assertEqual(r["warmup_intervals"], 1)
        self.assertIsNone(r["events_per_second"])
        self.assertGreater(r["events"], 4 * 2 * 4800 * 0.9)
        self.check_metrics(r["totals"])
        self.assertEqual(len(r["by_interval"]), 48)
        self.assertTrue(r["by_interval"][0]["warmup"])
        self.assertFalse(r["by_interval"][1]["warmup"])
        self.assertEqual(r["by_interval"][2]["start_s"], 3600)
        self.assertEqual(len(r["queues"]), 1)
        q = r["queues"][0]
        self.assertEqual(q["name"], "support")
        self.check_metrics(q["totals"])
        for iv in q["by_interval"]:
            self.check_metrics(iv)
        t = q["totals"]
        # one queue, 14 agents, Erlang A neighbourhood
        self.assertEqual(t["sl_offered"], r["totals"]["sl_offered"])
        self.assertGreater(t["sl_offered"]["mean"], 0.85)
        self.assertLess(t["abandon_rate"]["mean"], 0.03)
        self.assertEqual(t["agents"]["mean"], 14)
        books = (t["answered"]["mean"] + t["abandoned"]["mean"] + t["overflowed"]["mean"] +
                 t["unfinished"]["mean"])
        self.assertAlmostEqual(t["offered"]["mean"], books, places=5)
        g = r["groups"][0]
        self.assertEqual(g["name"], "agents")
        self.assertAlmostEqual(g["answered"]["mean"], t["answered"]["mean"], places=5)

    def test_timing(self):
        with Scenario(small()) as path:
            r = run_json(path)
        self.assertGreater(r["events_per_second"], 0)
        self.assertEqual(r["replications"], 3)  # from the scenario

    def test_reproducible(self):
        a = run(MULTI, "--seed", "11", "--replications", "3", "--no-timing")
        b = run(MULTI, "--seed", "11", "--replications", "3", "--no-timing")
        c = run(MULTI, "--seed", "12", "--replications", "3", "--no-timing")
        self.assertEqual(a[0], 0, a[2])
        self.assertEqual(a[1], b[1])  # byte for byte
        self.assertNotEqual(a[1], c[1])
        # with timing, only the events_per_second line differs
        d = run(MULTI, "--seed", "11", "--replications", "3")
        strip = lambda out: [l for l in out.splitlines() if '"events_per_second"' not in l]
        self.assertEqual(strip(a[1]), strip(d[1]))

    def test_multiskill_example(self):
        r = run_json(MULTI, "--replications", "3", "--no-timing")
        self.assertEqual([q["name"] for q in r["queues"]], ["english", "spanish"])
        groups = {g["name"]: g for g in r["groups"]}
        bi = groups["bilingual"]["answered_by_queue"]
        self.assertGreater(bi["english"]["mean"], 0)
        self.assertGreater(bi["spanish"]["mean"], 0)
        self.assertEqual(groups["english"]["answered_by_queue"]["spanish"]["mean"], 0)
        self.assertEqual(groups["spanish"]["answered_by_queue"]["english"]["mean"], 0)
        for q in r["queues"]:
            self.assertEqual(len(q["by_interval"]), 16)
            for iv in q["by_interval"] + [q["totals"]]:
                occ = iv["occupancy"]["mean"]
                self.assertTrue(0 <= occ <= 1)
                books = sum(iv[k]["mean"] for k in ("answered", "abandoned", "overflowed", "unfinished"))
                self.assertAlmostEqual(iv["offered"]["mean"], books, places=5)

    def bad(self, doc, *want):
        with Scenario(doc) as path:
            rc, out, err = run(path)
        self.assertEqual(rc, 2, err)
        self.assertEqual(out, "")
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        for w in want:
            self.assertIn(w, err)
        return err

    def test_bad_field(self):
        d = small()
        d["queues"][0]["handle_time"]["mean_s"] = -1
        self.bad(d, "queues[0].handle_time.mean_s", "must be a number")
        d = small()
        d["queues"][0]["strategy"] = "fastest"
        self.bad(d, "queues[0].strategy", "longest-idle")
        d = small()
        d["queues"][0]["arrivals"] = [1, 2, 3]
        self.bad(d, "queues[0].arrivals", "3 values for 4 intervals")
        d = small()
        d["groups"][0]["colour"] = "blue"
        self.bad(d, "groups[0]", 'unknown field "colour"')
        d = small()
        del d["groups"][0]["agents"]
        self.bad(d, "groups[0]", "agents")
        d = small()
        d["queues"][0]["patience"] = {"dist": "lognormal", "mean_s": 60}
        self.bad(d, "queues[0].patience", "sd_s")
        d = small()
        d["queues"][0]["overflow"] = "queue"
        d["queues"][0]["max_wait_s"] = 60
        d["queues"][0]["overflow_queue"] = "nowhere"
        self.bad(d, "queues[0].overflow_queue", "nowhere")
        d = small()
        d["ring_delay_s"] = 30
        self.bad(d, "ring_delay_s")
        d = small()
        d["queues"].append(dict(d["queues"][0]))
        self.bad(d, "queues[1].name", "twice")

    def test_syntax_error(self):
        err = self.bad('{"queues": [\n  {"name": "q",]\n}', "line 2, column")
        self.assertIn("syntax error", err)
        self.bad('{"name": "a", "name": "b"}', "duplicate key")
        self.bad("[]", "must be a JSON object")

    def test_usage_errors(self):
        for args in (["--replications", "0", MM14], ["--seed", "-1", MM14], ["--bogus", MM14], [],
                     [MM14, MM14]):
            rc, out, err = run(*args)
            self.assertEqual(rc, 2, args)
            self.assertEqual(out, "")
            self.assertTrue(err.startswith("switchboard simulate:"), err)
        rc, out, err = run("/nonexistent/scenario.json")
        self.assertEqual(rc, 2)
        self.assertIn("cannot open", err)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
