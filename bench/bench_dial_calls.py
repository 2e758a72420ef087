#!/usr/bin/env python3
"""bench_dial_calls: outbound calls the daemon's dialer sustains against SIPp customers.

A progressive campaign with BENCH_DIAL_AGENTS agents (default 400; their phones are static
contacts on one SIPp uas) dials leads through the --trunk, where one SIPp plays every customer
(bench/sipp_dial_customer.xml: answers at once, talks BENCH_DIAL_HOLD_MS (default 1000), hangs
up). Each call: INVITE to the customer, answer, into the campaign's queue, the agent's phone rung
and answered, bridged, the customer's BYE, the agent's BYE, the agent free, the next lead dialled.
Measured over BENCH_DIAL_SECONDS (default 60; --quick: 8 s and 50 agents): dialled calls per
second and the calls connected to an agent. Reference in the same run: SIPp uac calling SIPp uas
directly with the same number of calls up at once (-l agents) and the same hold: the signalling
ceiling of the harness for that concurrency; ratio = our dialled rate / the reference rate (a
dialled call here is two legs, queue routing and bridging; the reference one leg).

Prints JSON result lines. Usage: bench_dial_calls.py SWITCHBOARD_BINARY [--quick]
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_calls import Api, cpu_of, free_port, screen_counts, sipp  # noqa: E402

QUICK = "--quick" in sys.argv
AGENTS = int(os.environ.get("BENCH_DIAL_AGENTS", "50" if QUICK else "400"))
SECONDS = int(os.environ.get("BENCH_DIAL_SECONDS", "8" if QUICK else "60"))
HOLD_MS = int(os.environ.get("BENCH_DIAL_HOLD_MS", "1000"))
HERE = os.path.dirname(os.path.abspath(__file__))


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def reference(tmp):
    """SIPp uac -> SIPp uas, AGENTS calls up at once, HOLD_MS each, for SECONDS."""
    uas_port = free_port()
    uas, _ = sipp(["-sn", "uas"], uas_port, tmp, "ref-uas")
    time.sleep(0.5)
    n = int(AGENTS * SECONDS * 1000.0 / HOLD_MS)
    uac, screen = sipp(["-sn", "uac", "-s", "100", "127.0.0.1:%d" % uas_port, "-r", 5000,
                        "-l", AGENTS, "-m", n, "-d", HOLD_MS, "-timeout", "%ds" % (SECONDS + 60)],
                       free_port(), tmp, "ref")
    t0 = time.time()
    uac.communicate()
    dt = time.time() - t0
    uas.send_signal(signal.SIGTERM)
    uas.wait()
    ok, bad = screen_counts(screen)
    return ok, bad, dt


def main():
    binary = [a for a in sys.argv[1:] if not a.startswith("--")][0]
    if not shutil.which("sipp"):
        log("bench_dial_calls: sipp (Debian sip-tester) is not installed")
        sys.exit(1)
    tmp = tempfile.mkdtemp(prefix="bench-dial-")
    procs = []
    try:
        log("reference: sipp uac -> sipp uas, %d calls up at once, hold %d ms, %d s"
            % (AGENTS, HOLD_MS, SECONDS))
        rok, rbad, rdt = reference(tmp)
        log("reference: %d calls completed, %d failed in %.1f s" % (rok, rbad, rdt))

        sip_port, agents_port, trunk_port = free_port(), free_port(), free_port()
        cust, _ = sipp(["-sf", os.path.join(HERE, "sipp_dial_customer.xml"), "-d", HOLD_MS],
                             trunk_port, tmp, "customers")
        procs.append(cust)
        cfg = os.path.join(tmp, "config.json")
        with open(cfg, "w") as f:
            json.dump({"pwhash_cost": "min"}, f)
        err = open(os.path.join(tmp, "daemon.err"), "w")
        d = subprocess.Popen([binary, "serve", "--demo", "--http", "127.0.0.1:0", "--sip",
                              "127.0.0.1:%d" % sip_port, "--trunk", "127.0.0.1:%d" % trunk_port,
                              "--data", os.path.join(tmp, "var"), "--config", cfg],
                             stdout=subprocess.PIPE, stderr=err, text=True)
        procs.append(d)
        line = d.stdout.readline()
        api = Api(int(re.search(r"http://[0-9.]+:(\d+)/", line).group(1)))
        sk = api.ok("POST", "/api/v1/skills", {"name": "bench-outbound"})
        q = api.ok("POST", "/api/v1/queues", {
            "name": "Bench outbound", "client_id": 1, "wrapup": "none", "ring_timeout_ms": 10000,
            "skills": [{"skill_id": sk["id"], "min_level": 1}]})
        log("creating %d agents whose phones are one SIPp uas (static contacts)" % AGENTS)
        ids = []
        for i in range(AGENTS):
            ext = str(20000 + i)
            a = api.ok("POST", "/api/v1/agents", {
                "name": "Dialler %d" % i, "extension": ext, "sip_password": "bench",
                "team_id": 1, "site_id": 1,
                "static_contact": "sip:%s@127.0.0.1:%d" % (ext, agents_port),
                "skills": [{"skill_id": sk["id"], "level": 5}]})
            ids.append(a["id"])
        every = {day: {"start": "00:00", "end": "24:00"}
                 for day in ("sun", "mon", "tue", "wed", "thu", "fri", "sat")}
        camp = api.ok("POST", "/api/v1/campaigns", {
            "name": "Bench", "client_id": 1, "queue_id": q["id"],  # its agents: the queue's
            "caller_id": "+4930900100", "dial_mode": "progressive", "profile": "custom",
            "profile_custom": {"abandon_limit_pct": 3, "abandon_window_hours": 24,
                               "window_start": "00:00", "window_end": "24:00",
                               "min_ring_seconds": 15},
            "windows": every, "ring_seconds": 15})
        cid = camp["id"]
        n_leads = max(2000, int(AGENTS * 1000.0 / HOLD_MS * SECONDS * 1.5))
        for start in range(0, n_leads, 20000):
            rows = "".join("+4930%07d,Etc/UTC\n" % i
                           for i in range(start, min(n_leads, start + 20000)))
            api.ok("POST", "/api/v1/campaigns/%d/lists" % cid,
                   {"name": "bench %d" % start, "csv": "phone,zone\n" + rows,
                    "mapping": {"phone": "phone", "zone": "zone"}})
        log("%d leads imported" % n_leads)
        for i in ids:
            api.ok("PUT", "/api/v1/agents/%d/state" % i, {"state": "ready"})
        uas, _ = sipp(["-sn", "uas"], agents_port, tmp, "agents")
        procs.append(uas)
        time.sleep(0.5)
        cpu0 = cpu_of(d.pid)
        api.ok("POST", "/api/v1/campaigns/%d/start" % cid, {})
        t0 = time.time()
        # a warm-up second, then the measured window
        time.sleep(1.0)
        l0 = api.ok("GET", "/api/v1/campaigns/%d/live" % cid)
        t1 = time.time()
        time.sleep(SECONDS)
        l1 = api.ok("GET", "/api/v1/campaigns/%d/live" % cid)
        t2 = time.time()
        cpu = cpu_of(d.pid) - cpu0
        api.ok("POST", "/api/v1/campaigns/%d/stop" % cid, {})
        time.sleep(HOLD_MS / 1000.0 + 2)
        rep = api.ok("GET", "/api/v1/campaigns/%d/report" % cid)
        dt = t2 - t1
        dialled = (l1["attempts"] - l0["attempts"]) / dt
        connected = (l1["connected"] - l0["connected"]) / dt
        log("switchboard: %d agents: %.1f calls/s dialled, %.1f/s connected to an agent over "
            "%.1f s; whole run: %d attempts, %d live answers, %d abandoned; daemon CPU %.1f s in "
            "%.1f s" % (AGENTS, dialled, connected, dt, rep["attempts"], rep["live_answers"],
                        rep["abandoned"], cpu, t2 - t0))
        d.send_signal(signal.SIGTERM)
        d.wait(timeout=30)
        for p in (uas, cust):
            p.send_signal(signal.SIGTERM)
            p.wait()
        err.close()
        ref = rok / rdt
        print(json.dumps({"name": "dial_calls_per_s", "value": round(dialled, 1),
                          "unit": "calls/s", "reference": round(ref, 1),
                          "ratio": round(dialled / ref, 3) if ref else None}))
        print(json.dumps({"name": "dial_calls_connected_per_s", "value": round(connected, 1),
                          "unit": "calls/s", "reference": round(ref, 1),
                          "ratio": round(connected / ref, 3) if ref else None}))
        per_call = cpu / rep["attempts"] * 1e6 if rep["attempts"] else None
        print(json.dumps({"name": "dial_calls_cpu_per_call", "value":
                          round(per_call, 1) if per_call else None, "unit": "us/call",
                          "reference": None, "ratio": None}))
        print(json.dumps({"name": "dial_calls_abandoned", "value": rep["abandoned"],
                          "unit": "calls", "reference": None, "ratio": None}))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
