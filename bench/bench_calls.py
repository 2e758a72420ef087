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


def run_calls(target, uas_port, tmp, name):
    """SIPp uac at RATE for SECONDS against target, with a SIPp uas on uas_port already up.
    Returns (successful, failed, seconds)."""
    n = RATE * SECONDS
    uac, screen = sipp(["-sn", "uac", "-s", "100", target, "-r", RATE, "-m", n, "-d", HOLD_MS,
                        "-l", max(100, RATE * 4), "-timeout", "%ds" % (SECONDS + 60)],
                       free_port(), tmp, name)
    t0 = time.time()
    _, err = uac.communicate()
    dt = time.time() - t0
    ok, bad = screen_counts(screen)
    if uac.returncode != 0:
        log("%s: sipp uac exited %d: %s" % (name, uac.returncode, err[-500:]))
    return ok, bad, dt


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
        with open(cfg, "w") as f:
            json.dump({"pwhash_cost": "min"}, f)
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
        ok, bad, dt = run_calls("127.0.0.1:%d" % sip_port, agents_port, tmp, "daemon")
        cpu = cpu_of(d.pid) - cpu0
        loop_cpu = cpu_of(d.pid, d.pid) - loop0
        time.sleep(2)
        after = api.ok("GET", "/api/v1/queues/1")["live"]["today"]
        answered = after["answered"] - before["answered"]
        offered = after["offered"] - before["offered"]
        log("switchboard: %d successful, %d failed in %.1f s; queue: %d offered, %d answered by "
            "agents; daemon CPU %.1f s (loop thread %.1f s)"
            % (ok, bad, dt, offered, answered, cpu, loop_cpu))
        d.send_signal(signal.SIGTERM)
        d.wait(timeout=30)
        uas.send_signal(signal.SIGTERM)
        uas.wait()
        err.close()

        carried = answered / dt if bad == 0 else 0.0
        ref = rok / rdt if rbad == 0 else 0.0
        if bad != 0 or answered != ok or ok != RATE * SECONDS:
            log("bench_calls: FAILED: not every call was carried and bridged")
        print(json.dumps({"name": "calls_bridged_per_s", "value": round(carried, 1),
                          "unit": "calls/s", "reference": round(ref, 1),
                          "ratio": round(carried / ref, 3) if ref else None}))
        print(json.dumps({"name": "calls_failed", "value": bad + (ok - answered),
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
