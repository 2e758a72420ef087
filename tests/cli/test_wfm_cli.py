#!/usr/bin/env python3
"""CLI tests of `switchboard erlang` and `switchboard staff`: they run the built binary.

Usage: test_wfm_cli.py PATH/TO/switchboard   (run by meson test; standard library only)
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

BIN = None


def run(*args, env=None):
    e = dict(os.environ)
    e["TZ"] = "UTC"
    if env:
        e.update(env)
    p = subprocess.run([BIN, *args], capture_output=True, text=True, env=e, timeout=60)
    return p.returncode, p.stdout, p.stderr


def run_json(*args, env=None):
    rc, out, err = run(*args, env=env)
    if rc != 0:
        raise AssertionError("exit %d: %s" % (rc, err))
    return json.loads(out)


GOLDEN_C = ["erlang", "c", "--calls", "100", "--interval", "1800", "--aht", "180", "--threshold", "20"]


class ErlangTest(unittest.TestCase):
    def near(self, a, b, tol):
        self.assertLessEqual(abs(a - b), tol, "%r vs %r" % (a, b))

    def test_c_golden(self):
        r = run_json(*GOLDEN_C, "--agents", "14")
        self.assertEqual(r["model"], "erlang_c")
        self.near(r["offered_load"], 10, 1e-12)
        self.assertEqual(r["agents"], 14)
        self.near(r["p_wait"], 0.1741319, 5e-8)
        self.near(r["service_level"], 0.88835, 5e-6)
        self.near(r["asa"], 7.83594, 5e-6)
        self.near(r["mean_wait"], r["asa"], 1e-12)
        self.near(r["occupancy"], 0.7142857, 5e-8)
        self.assertIn("queue_length", r)
        self.assertNotIn("agents_required", r)
        self.assertNotIn("p_abandon", r)
        r = run_json(*GOLDEN_C, "--agents", "11")
        self.near(r["p_wait"], 0.6821182, 5e-8)
        self.near(r["service_level"], 0.3896138, 5e-8)

    def test_c_staffing(self):
        r = run_json(*GOLDEN_C, "--target", "0.8", "--shrinkage", "0.3")
        self.assertEqual(r["agents_required"], 14)
        self.assertEqual(r["agents"], 14)
        self.assertEqual(r["agents_with_shrinkage"], 20)
        r = run_json(*GOLDEN_C, "--target", "0.8", "--max-occupancy", "0.70")
        self.assertEqual(r["agents_required"], 15)
        self.near(r["service_level"], 0.941453, 5e-7)
        self.near(r["p_wait"], 0.102042, 5e-7)
        # both: figures for the agents given, plus the requirement
        r = run_json(*GOLDEN_C, "--agents", "13", "--target", "0.8")
        self.assertEqual(r["agents"], 13)
        self.near(r["service_level"], 0.7956, 5e-5)
        self.assertEqual(r["agents_required"], 14)
        # the load given directly
        r = run_json("erlang", "c", "--load", "10", "--aht", "180", "--threshold", "20", "--agents", "14")
        self.near(r["service_level"], 0.88835, 5e-6)

    def test_a(self):
        a = GOLDEN_C[:]
        a[1] = "a"
        r = run_json(*a, "--agents", "14", "--patience", "300")
        self.assertEqual(r["model"], "erlang_a")
        self.near(r["p_wait"], 0.14526, 5e-6)
        self.near(r["p_abandon"], 0.013984, 5e-7)
        self.near(r["service_level"], 0.916792, 5e-7)
        self.assertGreater(r["service_level_answered"], r["service_level"])
        self.assertGreater(r["mean_wait"], 0)
        self.assertGreater(r["asa"], 0)
        self.assertNotAlmostEqual(r["mean_wait"], r["asa"], places=3)  # different means, named apart
        r = run_json(*a, "--target", "0.8", "--patience", "300", "--shrinkage", "0.3")
        self.assertEqual(r["agents"], r["agents_required"])
        self.assertGreaterEqual(r["service_level"], 0.8)
        below = run_json(*a, "--agents", str(r["agents_required"] - 1), "--patience", "300")
        self.assertLess(below["service_level"], 0.8)
        # Erlang A accepts fewer agents than Erlangs
        r = run_json(*a, "--agents", "8", "--patience", "300")
        self.assertGreater(r["p_abandon"], 0.1)

    def test_b(self):
        r = run_json("erlang", "b", "--load", "10", "--trunks", "17")
        self.assertEqual(r["model"], "erlang_b")
        self.assertEqual(r["trunks"], 17)
        self.near(r["blocking"], 0.012949, 5e-7)
        r = run_json("erlang", "b", "--load", "10", "--target-blocking", "0.02")
        self.assertEqual(r["trunks"], 17)
        self.near(r["blocking"], 0.012949, 5e-7)
        r = run_json("erlang", "b", "--load", "1", "--trunks", "2")
        self.near(r["blocking"], 0.2, 1e-12)

    def test_large_load(self):
        r = run_json("erlang", "a", "--load", "10000", "--aht", "180", "--threshold", "20",
                     "--target", "0.8", "--patience", "300")
        self.assertGreater(r["agents_required"], 8000)
        self.assertLess(r["agents_required"], 10400)
        for k in ("p_wait", "service_level", "asa", "occupancy", "queue_length", "p_abandon", "mean_wait"):
            self.assertIsInstance(r[k], (int, float), k)

    def test_help_documents_every_key(self):
        rc, text, err = run("erlang", "--help")
        self.assertEqual(rc, 0)
        rc2, text2, _ = run("erlang", "c", "--help")
        self.assertEqual((rc2, text2), (0, text))
        outputs = [
            run_json(*GOLDEN_C, "--agents", "14", "--target", "0.8", "--max-occupancy", "0.9",
                     "--shrinkage", "0.3"),
            run_json("erlang", "a", "--load", "10", "--aht", "180", "--threshold", "20", "--agents", "14",
                     "--patience", "300"),
            run_json("erlang", "b", "--load", "10", "--target-blocking", "0.02"),
        ]
        for o in outputs:
            for k in o:
                self.assertRegex(text, r"\b%s\b" % k, "--help does not document %s" % k)

    def bad(self, *args, want=None):
        rc, out, err = run(*args)
        self.assertEqual(rc, 2, "%s -> %d %s" % (args, rc, err))
        self.assertEqual(out, "")
        self.assertTrue(err.endswith("\n") and err.count("\n") == 1, repr(err))
        self.assertTrue(err.startswith("switchboard "), err)
        if want:
            self.assertIn(want, err)

    def test_bad_input(self):
        base = ["erlang", "c", "--interval", "1800", "--aht", "180", "--threshold", "20"]
        self.bad(*base, "--calls", "-100", "--agents", "14", want="--calls")
        self.bad(*base, "--calls", "100", "--agents", "10", want="not more than the offered load")
        self.bad(*base, "--calls", "100", "--agents", "9")
        self.bad(*base, "--calls", "100", want="--agents")
        self.bad("erlang", "c", "--calls", "100", "--interval", "1800", "--threshold", "20",
                 "--agents", "14", want="--aht")
        self.bad(*base, "--calls", "abc", "--agents", "14", want="not a number")
        self.bad(*base, "--calls", "100", "--agents", "-3")
        self.bad(*base, "--calls", "100", "--agents", "14", "--bogus", "1", want="unknown option")
        self.bad(*base, "--calls", "100", "--target", "1.2")
        self.bad(*base, "--calls", "100", "--target", "0.8", "--shrinkage", "1")
        self.bad(*base, "--calls", "100", "--agents", "14", "--patience", "300")
        self.bad(*base, "--calls", "100", "--agents", "14", "--calls", "5", want="twice")
        self.bad("erlang", "a", "--calls", "100", "--interval", "1800", "--aht", "180", "--threshold", "20",
                 "--agents", "14", want="--patience")
        self.bad("erlang", "a", "--calls", "100", "--interval", "1800", "--aht", "180", "--threshold", "20",
                 "--agents", "14", "--patience", "-5")
        self.bad("erlang", "b", "--load", "10", want="--trunks")
        self.bad("erlang", "b", "--load", "-10", "--trunks", "3")
        self.bad("erlang", "b", "--load", "10", "--target-blocking", "0")
        self.bad("erlang", "x")
        self.bad("erlang")


def day_rows(date, skip=(), suffix=lambda i: "", calls=lambda i: 20 + 4 * i):
    rows = []
    for i in range(96):
        if i in skip:
            continue
        rows.append(("%sT%02d:%02d:00%s" % (date, i // 4, i % 4 * 15, suffix(i)), calls(i)))
    return rows


class StaffTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, rows, name="day.csv", header="interval_start,calls"):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            f.write(header + "\n")
            for start, calls in rows:
                f.write("%s,%s\n" % (start, calls))
        return path

    def staff(self, path, *extra, env=None):
        return run_json("staff", "--profile", path, "--aht", "240", "--threshold", "20", "--target", "0.8",
                        *extra, env=env)

    def test_normal_day(self):
        rows = day_rows("2026-06-10")
        r = self.staff(self.write(rows), "--tz", "Europe/Berlin")
        self.assertEqual(r["model"], "erlang_c")
        self.assertEqual(r["time_zone"], "Europe/Berlin")
        s = r["summary"]
        self.assertEqual(s["intervals"], 96)
        self.assertEqual(s["interval_seconds"], 900)
        self.assertEqual(s["hours"], 24)
        self.assertEqual(s["missing_intervals"], 0)
        self.assertEqual(s["utc_offset_changes"], 0)
        iv = r["intervals"]
        self.assertEqual(len(iv), 96)
        self.assertEqual(iv[0]["interval_start"], "2026-06-10T00:00:00")
        self.assertEqual(iv[0]["utc"], "2026-06-09T22:00:00Z")
        self.assertEqual(iv[0]["utc_offset"], "+02:00")
        self.assertAlmostEqual(s["agent_hours"], sum(x["agents_required"] for x in iv) * 0.25, places=9)
        self.assertEqual(s["peak_agents"], max(x["agents_required"] for x in iv))
        self.assertEqual(s["calls"], sum(c for _, c in rows))
        # each interval agrees with `erlang c` for the same load
        for x in (iv[0], iv[50], iv[95]):
            e = run_json("erlang", "c", "--calls", str(x["calls"]), "--interval", "900", "--aht", "240",
                         "--threshold", "20", "--target", "0.8")
            self.assertEqual(x["agents_required"], e["agents_required"])
            self.assertAlmostEqual(x["service_level"], e["service_level"], places=9)
            self.assertAlmostEqual(x["load"], e["offered_load"], places=9)
        # TZ from the environment instead of --tz
        r2 = self.staff(self.write(rows), env={"TZ": "Europe/Berlin"})
        self.assertEqual(r2["intervals"][0]["utc"], "2026-06-09T22:00:00Z")

    def test_model_a_and_shrinkage(self):
        rows = day_rows("2026-06-10")
        r = self.staff(self.write(rows), "--model", "a", "--patience", "300", "--shrinkage", "0.3",
                       "--max-occupancy", "0.9")
        self.assertEqual(r["model"], "erlang_a")
        x = r["intervals"][60]
        for k in ("p_abandon", "mean_wait", "agents_with_shrinkage", "occupancy", "asa", "service_level"):
            self.assertIn(k, x)
        self.assertGreaterEqual(x["service_level"], 0.8)
        self.assertLessEqual(x["occupancy"], 0.9)
        self.assertGreaterEqual(x["agents_with_shrinkage"] * 0.7, x["agents_required"] - 1e-9)
        self.assertIn("agent_hours_with_shrinkage", r["summary"])
        self.assertIn("p_abandon", r["summary"])

    def test_short_dst_day_local(self):
        # Europe/Berlin on 2026-03-29: 02:00-02:59 does not exist, the day has 23 hours
        rows = day_rows("2026-03-29", skip=range(8, 12))
        r = self.staff(self.write(rows), "--tz", "Europe/Berlin")
        s = r["summary"]
        self.assertEqual((s["intervals"], s["hours"], s["span_hours"]), (92, 23, 23))
        self.assertEqual((s["missing_intervals"], s["utc_offset_changes"]), (0, 1))
        iv = r["intervals"]
        self.assertEqual(iv[7]["utc"], "2026-03-29T00:45:00Z")
        self.assertEqual(iv[8]["interval_start"], "2026-03-29T03:00:00")
        self.assertEqual(iv[8]["utc"], "2026-03-29T01:00:00Z")
        self.assertEqual(iv[8]["utc_offset"], "+02:00")
        # the same rows read as UTC: the skipped hour shows as missing intervals, nothing merged
        r = self.staff(self.write(rows), "--tz", "UTC")
        self.assertEqual((r["summary"]["hours"], r["summary"]["missing_intervals"]), (23, 4))

    def test_short_dst_day_offsets(self):
        rows = day_rows("2026-03-29", skip=range(8, 12), suffix=lambda i: "+01:00" if i < 8 else "+02:00")
        r = self.staff(self.write(rows))
        s = r["summary"]
        self.assertEqual((s["intervals"], s["hours"], s["missing_intervals"]), (92, 23, 0))
        # Z form: the same instants
        rows_z = []
        for start, calls in rows:
            hh = int(start[11:13]) - (1 if start.endswith("+01:00") else 2)
            day = 29 if hh >= 0 else 28
            rows_z.append(("2026-03-%02dT%02d:%s:00Z" % (day, hh % 24, start[14:16]), calls))
        rz = self.staff(self.write(rows_z, "z.csv"))
        self.assertEqual([x["utc"] for x in rz["intervals"]], [x["utc"] for x in r["intervals"]])
        self.assertEqual([x["agents_required"] for x in rz["intervals"]],
                         [x["agents_required"] for x in r["intervals"]])

    def test_long_dst_day(self):
        # Europe/Berlin on 2026-10-25: 02:00-02:59 comes twice; listed twice in order it is 25 hours
        quarters = list(range(12)) + list(range(8, 96))
        rows = [("2026-10-25T%02d:%02d:00" % (q // 4, q % 4 * 15), 30 + k) for k, q in enumerate(quarters)]
        r = self.staff(self.write(rows), "--tz", "Europe/Berlin")
        s = r["summary"]
        self.assertEqual((s["intervals"], s["hours"], s["span_hours"]), (100, 25, 25))
        self.assertEqual((s["missing_intervals"], s["repeated_local_times"], s["utc_offset_changes"]), (0, 8, 1))
        iv = r["intervals"]
        self.assertEqual((iv[8]["utc"], iv[8]["utc_offset"]), ("2026-10-25T00:00:00Z", "+02:00"))
        self.assertEqual((iv[12]["utc"], iv[12]["utc_offset"]), ("2026-10-25T01:00:00Z", "+01:00"))
        self.assertEqual(iv[12]["calls"], 42)  # rows kept as listed
        # with offsets
        rows_o = [(s_ + ("+02:00" if k < 12 else "+01:00"), c) for k, (s_, c) in enumerate(rows)]
        ro = self.staff(self.write(rows_o, "o.csv"))
        self.assertEqual(ro["summary"]["hours"], 25)
        self.assertEqual([x["utc"] for x in ro["intervals"]], [x["utc"] for x in iv])
        # the local rows read without the zone's rules go back in time: an error naming the line
        rc, out, err = run("staff", "--profile", self.write(rows), "--aht", "240", "--threshold", "20",
                           "--target", "0.8", "--tz", "UTC")
        self.assertEqual((rc, out), (2, ""))
        self.assertIn("line 14:", err)

    def test_csv_format(self):
        rows = day_rows("2026-06-10")
        rc, out, err = run("staff", "--profile", self.write(rows), "--aht", "240", "--threshold", "20",
                           "--target", "0.8", "--format", "csv", "--model", "a", "--patience", "300")
        self.assertEqual(rc, 0, err)
        lines = out.splitlines()
        self.assertTrue(lines[-1].startswith("# summary "))
        table = list(csv.DictReader(io.StringIO("\n".join(lines[:-1]))))
        self.assertEqual(len(table), 96)
        for k in ("interval_start", "utc", "calls", "load", "agents_required", "service_level", "asa",
                  "occupancy", "p_abandon"):
            self.assertIn(k, table[0])
        summary = dict(kv.split("=") for kv in lines[-1].split()[2:])
        self.assertEqual(summary["hours"], "24")
        j = self.staff(self.write(rows), "--model", "a", "--patience", "300")
        self.assertEqual([int(t["agents_required"]) for t in table],
                         [x["agents_required"] for x in j["intervals"]])

    def test_zero_calls(self):
        rows = [("2026-06-10T08:00:00Z", 0), ("2026-06-10T08:30:00Z", 100)]
        r = self.staff(self.write(rows))
        self.assertEqual(r["intervals"][0]["agents_required"], 0)
        self.assertIsNone(r["intervals"][0]["service_level"])
        self.assertEqual(r["summary"]["interval_seconds"], 1800)

    def bad(self, path, want, *extra):
        rc, out, err = run("staff", "--profile", path, "--aht", "240", "--threshold", "20", "--target", "0.8",
                           *extra)
        self.assertEqual(rc, 2, err)
        self.assertEqual(out, "")
        self.assertEqual(err.count("\n"), 1, err)
        self.assertIn(want, err)

    def test_bad_rows(self):
        rows = day_rows("2026-06-10")
        rows[9] = (rows[9][0], "x7")
        self.bad(self.write(rows), "line 11: calls 'x7' is not a number")
        rows = day_rows("2026-06-10")
        rows[4] = ("2026-06-10 1:00", 5)
        self.bad(self.write(rows), "line 6: interval_start")
        rows = day_rows("2026-06-10")
        rows[3], rows[4] = rows[4], rows[3]
        self.bad(self.write(rows), "line 6:")
        rows = day_rows("2026-06-10")
        rows[5] = ("2026-06-10T01:20:00", 5)
        self.bad(self.write(rows), "line 7: starts")
        # a local time the clock skips
        rows = day_rows("2026-03-29")
        self.bad(self.write(rows), "line 10: local time 2026-03-29T02:00:00 does not exist", "--tz",
                 "Europe/Berlin")
        self.bad(self.write(day_rows("2026-06-10"), header="start,calls"), "line 1:")
        self.bad(os.path.join(self.dir.name, "absent.csv"), "absent.csv")
        self.bad(self.write(day_rows("2026-06-10")), "unknown time zone", "--tz", "Mars/Olympus")
        self.bad(self.write(day_rows("2026-06-10")), "--patience", "--model", "a")
        rc, out, err = run("staff", "--profile", self.write(day_rows("2026-06-10")), "--aht", "240",
                           "--threshold", "20", "--target", "0.8", env={"TZ": "Mars/Olympus"})
        self.assertEqual((rc, out), (2, ""))
        self.assertIn("unknown time zone 'Mars/Olympus' in TZ", err)

    def test_help(self):
        rc, text, _ = run("staff", "--help")
        self.assertEqual(rc, 0)
        rows = day_rows("2026-06-10")
        r = self.staff(self.write(rows), "--model", "a", "--patience", "300", "--shrinkage", "0.2",
                       "--max-occupancy", "0.95")
        keys = set(r) | set(r["intervals"][0]) | set(r["summary"])
        keys.discard("intervals")
        for k in keys:
            self.assertRegex(text, r"\b%s\b" % k, "--help does not document %s" % k)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
