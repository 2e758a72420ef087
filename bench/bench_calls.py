#!/usr/bin/env python3
"""bench_calls: the call rate through the daemon: SIPp callers -> number -> queue -> agent's phone (SIPp) -> bridged -> hang-up.

Signalling only (SIPp's built-in uac and uas, UDP on loopback). The daemon answers each caller
(music on hold), the ACD picks a ready agent, the agent's phone (a static contact pointing at one
SIPp uas) answers, the legs are bridged; the caller hangs up after BENCH_CALLS_HOLD_MS (default
500) and the daemon hangs up the agent. BENCH_CALLS_RATE calls/s (default 400) for
BENCH_CALLS_SECONDS (default 60, longer than the 32 s linger of finished transactions), with
enough agents for the load. Pass mark: zero failed calls, and every call bridged to an agent
(the queue's answered count from the API). References in the same run: SIPp uac -> SIPp uas
directly at the same rate (the harness ceiling): ratio = our carried rate / the direct one; and,
when installed, Debian's Kamailio relaying SIPp to SIPp as a stateful proxy (tm, 4 UDP children,
2 GB shared memory; bench_sip.py's configuration): ratios of carried rates and of CPU per call
(a bridged call is two legs with media and routing, a relayed call one leg of signalling).

Overload runs (docs/internals/sip.md, Overload): BENCH_CALLS_HOGS=N runs N busy-loop processes
while the daemon is measured; BENCH_CALLS_STALL_MS=MS stops the daemon (SIGSTOP) for MS once,
BENCH_CALLS_STALL_AT_S (default 10) seconds into its run; BENCH_CALLS_OVERLOAD_MS sets the daemon's
"sip_overload_wait_ms" (0: no shedding). Callers whose INVITE waited too long get 503 and count
as failed; the run then also prints how many were shed (/metrics) and the failed calls in the
last quarter of the run (0: the daemon recovered), from SIPp's per-second statistics.

Prints JSON result lines. Usage: bench_calls.py SWITCHBOARD_BINARY
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_sip  # noqa: E402  (Kamailio's configuration and process helpers)

RATE = int(os.environ.get("BENCH_CALLS_RATE", "400"))
SECONDS = int(os.environ.get("BENCH_CALLS_SECONDS", "60"))
HOLD_MS = int(os.environ.get("BENCH_CALLS_HOLD_MS", "500"))
HZ = os.sysconf("SC_CLK_TCK")
REFS = os.environ.get("BENCH_CALLS_REFS", "1") != "0"  # 0: the daemon only (profiling runs)
HOGS = int(os.environ.get("BENCH_CALLS_HOGS", "0"))  # busy loops beside the daemon (overload)
STALL_MS = int(os.environ.get("BENCH_CALLS_STALL_MS", "0"))  # one SIGSTOP of the daemon
STALL_AT_S = float(os.environ.get("BENCH_CALLS_STALL_AT_S", "10"))
OVERLOAD_MS = os.environ.get("BENCH_CALLS_OVERLOAD_MS")  # the daemon's sip_overload_wait_ms
OVERLOAD = bool(HOGS or STALL_MS or OVERLOAD_MS is not None)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    """An even port p with p and p+1 free for UDP and TCP."""
    while True:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        if p % 2 or p > 64000 or 20000 <= p < 30002:
            continue
        ok = True
        for q in (p, p + 1):
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                t = socket.socket(socket.AF_INET, kind)
                try:
                    t.bind(("127.0.0.1", q))
                except OSError:
                    ok = False
                t.close()
        if ok:
            return p


class Api:
    def __init__(self, port):
        self.port = port
        self.c = None
        self.token = None
        st, doc = self.req("POST", "/api/v1/login", {"username": "admin", "password": "demo"})
        assert st == 200, doc
        self.token = doc["token"]

    def req(self, method, path, body=None):
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        for attempt in (0, 1):  # the daemon closes keep-alive connections idle for long
            if self.c is None:
                self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.c.request(method, path,
                               body=json.dumps(body) if body is not None else None, headers=h)
                r = self.c.getresponse()
                data = r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError):
                self.c.close()
                self.c = None
                if attempt:
                    raise
        return r.status, (json.loads(data) if data else None)

    def ok(self, method, path, body=None, want=(200, 201)):
        st, doc = self.req(method, path, body)
        assert st in want, (method, path, st, doc)
        return doc


def cpu_of(pid, tid=None):
    """CPU seconds of a process (or of one of its threads: the daemon's loop is its main thread)."""
    path = "/proc/%d/stat" % pid if tid is None else "/proc/%d/task/%d/stat" % (pid, tid)
    with open(path) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / HZ


def sipp(args, port, tmp, name):
    screen = os.path.join(tmp, name + ".screen")
    cmd = ["sipp"] + [str(a) for a in args] + [
        "-i", "127.0.0.1", "-p", str(port), "-mp", str(free_port()), "-nostdin",
        "-buff_size", "1048576", "-default_behaviors", "all,-abortunexp",
        "-trace_screen", "-screen_file", screen]
    return subprocess.Popen(cmd, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True), screen


def screen_counts(path):
    """(successful, failed) calls from SIPp's final screen."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return 0, -1
    ok = re.findall(r"Successful call\s+\|\s+\d+\s+\|\s+(\d+)", text)
    bad = re.findall(r"Failed call\s+\|\s+\d+\s+\|\s+(\d+)", text)
    return (int(ok[-1]) if ok else 0), (int(bad[-1]) if bad else -1)


def stat_periods(path):
    """[(successful, failed)] per 1 s period from SIPp's -trace_stat file."""
    try:
        with open(path) as f:
            rows = [line.rstrip("\n").split(";") for line in f if line.strip()]
    except OSError:
        return []
    if not rows:
        return []
    head = rows[0]
    try:
        i_ok, i_bad = head.index("SuccessfulCall(P)"), head.index("FailedCall(P)")
    except ValueError:
        return []
    return [(int(r[i_ok]), int(r[i_bad])) for r in rows[1:] if len(r) > max(i_ok, i_bad)]


def hog():
    """A busy loop in a child process (another job on the machine)."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def run_calls(target, uas_port, tmp, name, during=None):
    """SIPp uac at RATE for SECONDS against target, with a SIPp uas on uas_port already up.
    during(t0) runs once SIPp has started (the overload run's stall). Returns (successful,
    failed, seconds)."""
    n = RATE * SECONDS
    # overload runs: a 503 is an outcome (the call shed), not a failure
    uac_sc = ["-sf", os.path.join(os.path.dirname(os.path.abspath(__file__)), "sipp_uac_shed.xml")] \
        if OVERLOAD and name == "daemon" else ["-sn", "uac"]
    uac, screen = sipp(uac_sc + ["-s", "100", target, "-r", RATE, "-m", n, "-d", HOLD_MS,
                        "-l", max(100, RATE * 4), "-timeout", "%ds" % (SECONDS + 60),
                        "-trace_stat", "-fd", "1", "-stf", os.path.join(tmp, name + ".csv")],
                       free_port(), tmp, name)
    t0 = time.time()
    if during:
        during(t0)
    _, err = uac.communicate()
    dt = time.time() - t0
    ok, bad = screen_counts(screen)
    if uac.returncode != 0:
        log("%s: sipp uac exited %d: %s" % (name, uac.returncode, err[-500:]))
    return ok, bad, dt


def metric(port, token, name):
    """One sample of the daemon's /metrics (None when absent)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("GET", "/metrics", headers={"Authorization": "Bearer " + token})
        text = c.getresponse().read().decode()
    finally:
        c.close()
    m = re.search(r"^%s(?:\{[^}]*\})? (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else None


def main():
    binary = sys.argv[1]
    if not shutil.which("sipp"):
        log("bench_calls: sipp (Debian sip-tester) is not installed")
        sys.exit(1)
    tmp = tempfile.mkdtemp(prefix="bench-calls-")
    procs = []
    try:
        # --- reference: SIPp calling SIPp directly ---
        rok, rbad, rdt = 0, 0, 1.0
        if REFS:
            uas_port = free_port()
            uas, _ = sipp(["-sn", "uas"], uas_port, tmp, "ref-uas")
            procs.append(uas)
            time.sleep(0.5)
            log("reference: sipp uac -> sipp uas, %d calls/s for %d s" % (RATE, SECONDS))
            rok, rbad, rdt = run_calls("127.0.0.1:%d" % uas_port, uas_port, tmp, "ref")
            uas.send_signal(signal.SIGTERM)
            uas.wait()
            log("reference: %d successful, %d failed in %.1f s" % (rok, rbad, rdt))

        # --- reference: Kamailio relaying SIPp to SIPp ---
        kam = None
        if REFS and shutil.which("kamailio") and os.path.isdir("/usr/lib/x86_64-linux-gnu/kamailio/modules"):
            kport, uas_port = free_port(), free_port()
            uas, _ = sipp(["-sn", "uas"], uas_port, tmp, "kam-uas")
            procs.append(uas)
            cfgk = os.path.join(tmp, "kamailio.cfg")
            with open(cfgk, "w") as f:
                f.write(bench_sip.KAMAILIO_CFG % {"port": kport, "agent": uas_port})
            klog = open(os.path.join(tmp, "kamailio.log"), "w")
            kp = bench_sip.start(["kamailio", "-f", cfgk, "-DD", "-E", "-m", "2048", "-M", "64",
                                  "-x", "tlsf", "-X", "tlsf", "-P", os.path.join(tmp, "kam.pid")],
                                 klog)
            time.sleep(1.5)
            k0 = bench_sip.group_cpu(kp.pid)
            log("kamailio: sipp uac -> kamailio (tm) -> sipp uas, %d calls/s for %d s"
                % (RATE, SECONDS))
            kok, kbad, kdt = run_calls("127.0.0.1:%d" % kport, uas_port, tmp, "kamailio")
            kcpu = bench_sip.group_cpu(kp.pid) - k0
            bench_sip.stop(kp)
            klog.close()
            uas.send_signal(signal.SIGTERM)
            uas.wait()
            kam = (kok, kbad, kdt, kcpu)
            log("kamailio: %d successful, %d failed in %.1f s; CPU %.1f s" % kam)

        # --- the daemon ---
        sip_port, agents_port = free_port(), free_port()
        cfg = os.path.join(tmp, "config.json")
        settings = {"pwhash_cost": "min"}
        if OVERLOAD_MS is not None:
            settings["sip_overload_wait_ms"] = int(OVERLOAD_MS)
        with open(cfg, "w") as f:
            json.dump(settings, f)
        err = open(os.path.join(tmp, "daemon.err"), "w")
        d = subprocess.Popen([binary, "serve", "--demo", "--http", "127.0.0.1:0", "--sip",
                              "127.0.0.1:%d" % sip_port, "--data", os.path.join(tmp, "var"),
                              "--config", cfg], stdout=subprocess.PIPE, stderr=err, text=True)
        procs.append(d)
        line = d.stdout.readline()
        http_port = int(re.search(r"http://[0-9.]+:(\d+)/", line).group(1))
        api = Api(http_port)
        api.ok("PUT", "/api/v1/queues/1", {"wrapup": "none", "ring_timeout_ms": 10000,
                                           "max_wait_ms": 3600000, "tiers": []})
        n_agents = max(50, int(RATE * (HOLD_MS / 1000.0 + 0.2) * 2))
        log("creating %d agents whose phones are one SIPp uas (static contacts)" % n_agents)
        ids = []
        for i in range(n_agents):
            ext = str(20000 + i)
            a = api.ok("POST", "/api/v1/agents", {
                "name": "Bench %d" % i, "extension": ext, "sip_password": "bench",
                "team_id": 1, "site_id": 1,
                "static_contact": "sip:%s@127.0.0.1:%d" % (ext, agents_port),
                "skills": [{"skill_id": 1, "level": 6}, {"skill_id": 4, "level": 7}]})
            ids.append(a["id"])
        for i in ids:
            api.ok("PUT", "/api/v1/agents/%d/state" % i, {"state": "ready"})
        before = api.ok("GET", "/api/v1/queues/1")["live"]["today"]
        uas, _ = sipp(["-sn", "uas"], agents_port, tmp, "agents")
        procs.append(uas)
        time.sleep(0.5)
        cpu0 = cpu_of(d.pid)
        loop0 = cpu_of(d.pid, d.pid)
        log("switchboard (pid %d): sipp uac -> daemon -> sipp uas, %d calls/s for %d s, hold %d ms"
            % (d.pid, RATE, SECONDS, HOLD_MS))
        hogs = [hog() for _ in range(HOGS)]
        procs.extend(hogs)
        if HOGS:
            log("overload: %d busy loops running" % HOGS)

        def stall(t0):
            if not STALL_MS:
                return
            time.sleep(max(0.0, t0 + STALL_AT_S - time.time()))
            log("overload: daemon stopped for %d ms" % STALL_MS)
            d.send_signal(signal.SIGSTOP)
            time.sleep(STALL_MS / 1000.0)
            d.send_signal(signal.SIGCONT)

        ok, bad, dt = run_calls("127.0.0.1:%d" % sip_port, agents_port, tmp, "daemon", stall)
        for h in hogs:
            h.kill()
            h.wait()
        cpu = cpu_of(d.pid) - cpu0
        loop_cpu = cpu_of(d.pid, d.pid) - loop0
        time.sleep(2)
        after = api.ok("GET", "/api/v1/queues/1")["live"]["today"]
        answered = after["answered"] - before["answered"]
        offered = after["offered"] - before["offered"]
        log("switchboard: %d successful, %d failed in %.1f s; queue: %d offered, %d answered by "
            "agents; daemon CPU %.1f s (loop thread %.1f s)"
            % (ok, bad, dt, offered, answered, cpu, loop_cpu))
        overload = OVERLOAD
        # every run: whether the daemon shed load (a failed run says why)
        shed = metric(http_port, api.token, "sb_sip_invites_shed_total")
        wait_s = metric(http_port, api.token, "sb_sip_max_queue_wait_seconds")
        if not overload:
            log("overload: %s INVITEs shed (503), longest socket wait %s s" % (shed, wait_s))
            shed = 0  # a shed call failed here (the plain uac)
        if overload:
            per = stat_periods(os.path.join(tmp, "daemon.csv"))
            tail = per[-max(1, len(per) // 4):]
            tail_bad = sum(b for _, b in tail)
            log("overload: %s INVITEs shed (503), longest socket wait %s s; failed calls per "
                "second: %s" % (shed, wait_s, [b for _, b in per]))
        d.send_signal(signal.SIGTERM)
        d.wait(timeout=30)
        uas.send_signal(signal.SIGTERM)
        uas.wait()
        err.close()

        carried = answered / dt if bad == 0 else 0.0
        ref = rok / rdt if rbad == 0 else 0.0
        if overload and bad == 0 and answered + int(shed or 0) == ok == RATE * SECONDS:
            log("bench_calls: every call was bridged or shed (503); none failed")
        elif bad != 0 or answered != ok or ok != RATE * SECONDS:
            log("bench_calls: FAILED: not every call was carried and bridged")
        print(json.dumps({"name": "calls_bridged_per_s", "value": round(carried, 1),
                          "unit": "calls/s", "reference": round(ref, 1),
                          "ratio": round(carried / ref, 3) if ref else None}))
        # overload runs: a shed call (503) is an outcome of its own, counted apart
        print(json.dumps({"name": "calls_failed", "value": bad + (ok - answered - int(shed or 0)),
                          "unit": "calls", "reference": rbad, "ratio": None}))
        ours_cpu = cpu / answered * 1e6 if answered else None
        kam_rate = kam_cpu = None
        if kam:
            kam_rate = kam[0] / kam[2] if kam[1] == 0 else 0.0
            kam_cpu = kam[3] / kam[0] * 1e6 if kam[0] else None
        print(json.dumps({"name": "calls_bridged_per_s_vs_kamailio", "value": round(carried, 1),
                          "unit": "calls/s",
                          "reference": round(kam_rate, 1) if kam_rate is not None else None,
                          "ratio": round(carried / kam_rate, 3) if kam_rate else None}))
        if overload:
            print(json.dumps({"name": "calls_overload_shed", "value": shed, "unit": "calls",
                              "reference": None, "ratio": None}))
            print(json.dumps({"name": "calls_overload_failed_last_quarter", "value": tail_bad,
                              "unit": "calls", "reference": None, "ratio": None}))
        print(json.dumps({"name": "calls_cpu_per_call", "value":
                          round(ours_cpu, 1) if ours_cpu else None,
                          "unit": "us/call",
                          "reference": round(kam_cpu, 1) if kam_cpu else None,
                          "ratio": round(kam_cpu / ours_cpu, 3) if kam_cpu and ours_cpu else None}))
        # the loop thread alone: one core's worth of it bounds the bridged call rate
        loop_us = loop_cpu / answered * 1e6 if answered else None
        print(json.dumps({"name": "calls_loop_cpu_per_call", "value":
                          round(loop_us, 1) if loop_us else None,
                          "unit": "us/call",
                          "reference": round(kam_cpu, 1) if kam_cpu else None,
                          "ratio": round(kam_cpu / loop_us, 3) if kam_cpu and loop_us else None}))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if os.environ.get("BENCH_CALLS_KEEP"):
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
