#!/usr/bin/env python3
"""bench_sip: the SIP stack as a B2BUA: SIPp uac -> sipx_driver (b2b) -> SIPp uas, against SIPp -> SIPp.

Each call is INVITE, 100, 180, 200, ACK, BYE, 200 on both legs (SIPp's built-in uac and uas, call
length 0, UDP on loopback). Runs last BENCH_SIP_SECONDS (default 60, longer than the 32 s linger of
finished transactions) at BENCH_SIP_RATE calls/s (default 2000). Pass mark: zero failed and zero
stuck calls. In the same run: SIPp uac -> SIPp uas directly at the same rate (the reference for
the call rate) and, when installed, Kamailio 5.6 as a stateful tm relay with the TLSF allocator
(the reference for CPU per call). Every run first waits until the shared machine is nearly idle
and runs under nice -15 (docs/internals/sip.md, "Rerunning").

Prints JSON result lines: calls/s carried (ratio = ours / SIPp direct; 1.0 when both carry the
offered rate without a failure), and the server's CPU time per call (ratio = Kamailio / ours).
Usage: bench_sip.py SIPX_DRIVER
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

RATE = int(os.environ.get("BENCH_SIP_RATE", "2000"))
SECONDS = int(os.environ.get("BENCH_SIP_SECONDS", "60"))
IDLE = float(os.environ.get("BENCH_SIP_IDLE", "30"))  # wait until other load is below this % of 200
IDLE_WAIT = float(os.environ.get("BENCH_SIP_IDLE_WAIT", "900"))
HZ = os.sysconf("SC_CLK_TCK")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    while True:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        if p % 2 == 0 and p < 65000:
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


def busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)


def wait_idle():
    t0 = time.time()
    while True:
        a = busy()
        time.sleep(3)
        b = busy()
        pct = 200.0 * (b[0] - a[0]) / max(1, b[1] - a[1])
        if pct < IDLE:
            log("bench_sip: machine idle enough (%.0f%% of 200) after %.0f s" % (pct, time.time() - t0))
            return
        if time.time() - t0 > IDLE_WAIT:
            log("bench_sip: machine still busy (%.0f%% of 200) after %.0f s: running anyway" %
                (pct, time.time() - t0))
            return
        time.sleep(7)


def proc_cpu(pid):
    """User + system seconds of pid and its children's threads (not reaped children)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return 0.0
    rest = s[s.rfind(")") + 2:].split()
    return (int(rest[11]) + int(rest[12])) / HZ


def group_cpu(pgid):
    tot = 0.0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                s = f.read()
        except OSError:
            continue
        rest = s[s.rfind(")") + 2:].split()
        if int(rest[2]) == pgid:
            tot += (int(rest[11]) + int(rest[12])) / HZ
    return tot


def peak_rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def nice():
    return ["nice", "-n", "-15"] if os.geteuid() == 0 else []


def start(cmd, logf):
    return subprocess.Popen(nice() + cmd, stdout=logf, stderr=logf, stdin=subprocess.PIPE,
                            start_new_session=True)


def stop(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


KAMAILIO_CFG = """#!KAMAILIO
debug=0
log_stderror=yes
fork=yes
children=4
listen=udp:127.0.0.1:%(port)d
auto_aliases=no
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "pv.so"
request_route {
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans())
			t_relay();
		exit;
	}
	if (has_totag()) {
		if (!loose_route())
			$du = "sip:127.0.0.1:%(agent)d";
		t_relay();
		exit;
	}
	record_route();
	$du = "sip:127.0.0.1:%(agent)d";
	if (!t_relay())
		sl_reply_error();
}
"""


def run(label, tmp, server=None):
    """One run: SIPp uas (the agent), optionally a server in front, SIPp uac at RATE for SECONDS.

    server(port, agent_port, logf) -> Popen or None (SIPp direct). Returns a dict of results."""
    wait_idle()
    agent = free_port()
    front = free_port()
    logs = open(os.path.join(tmp, label + ".log"), "w")
    uas = start(["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(agent), "-nostdin",
                 "-buff_size", "1048576"], logs)
    srv = server(front, agent, logs) if server else None
    time.sleep(3 if srv else 1)
    for n, p in (("uas", uas), ("server", srv)):
        if p is not None and p.poll() is not None:
            stop(uas)
            raise SystemExit("bench_sip: %s %s died at start (see %s)" % (label, n, logs.name))
    target = front if srv else agent
    stf = os.path.join(tmp, label + ".csv")
    calls = RATE * SECONDS
    uac_cmd = nice() + ["sipp", "-sn", "uac", "127.0.0.1:%d" % target, "-i", "127.0.0.1",
                        "-p", str(free_port()), "-r", str(RATE), "-m", str(calls), "-nostdin",
                        "-buff_size", "1048576", "-default_behaviors", "all,-abortunexp",
                        "-trace_stat", "-stf", stf, "-fd", "5"]
    c0 = group_cpu(srv.pid) if srv else 0.0
    t0 = time.time()
    uac = subprocess.Popen(uac_cmd, cwd=tmp, stdout=subprocess.DEVNULL, stderr=logs,
                           start_new_session=True)
    while uac.poll() is None:
        time.sleep(1)
        if time.time() - t0 > SECONDS + 60:
            log("bench_sip: %s: calls still open %d s after the last was placed: stopped" %
                (label, 60))
            stop(uac)
    wall = time.time() - t0
    cpu = (group_cpu(srv.pid) - c0) if srv else 0.0
    rss = peak_rss_kb(srv.pid) if srv else 0
    stop(uac)
    if srv:
        stop(srv)
    stop(uas)
    rows = []
    with open(stf) as f:
        hdr = f.readline().strip().split(";")
        for line in f:
            rows.append(dict(zip(hdr, line.strip().split(";"))))
    last = rows[-1]
    ok = int(last["SuccessfulCall(C)"])
    failed = int(last["FailedCall(C)"])
    res = {"label": label, "calls": calls, "ok": ok, "failed": failed,
           "stuck": calls - ok - failed, "retrans": int(last["Retransmissions(C)"]),
           "wall_s": round(wall, 1), "server_cpu_s": round(cpu, 2),
           "server_cpu_pct": round(100 * cpu / wall, 1), "server_peak_rss_kb": rss}
    log("bench_sip: %s" % json.dumps(res))
    return res


def carried(r):
    """Calls/s carried: the offered rate when every call completed, else what completed."""
    if r["failed"] == 0 and r["stuck"] == 0:
        return float(RATE)
    return r["ok"] / float(SECONDS)


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: bench_sip.py SIPX_DRIVER")
    driver = os.path.abspath(sys.argv[1])
    if not shutil.which("sipp"):
        raise SystemExit("bench_sip: sipp (Debian sip-tester) is not installed")
    tmp = tempfile.mkdtemp(prefix="bench-sip-")
    try:
        def ours(port, agent, logf):
            return start([driver, "--udp", "127.0.0.1:%d" % port, "--mode", "b2b",
                          "--b2b-target", "sip:agent@127.0.0.1:%d" % agent,
                          "--session-expires", "0"], logf)

        me = run("switchboard", tmp, ours)
        ref = run("sipp-direct", tmp)
        kam = None
        if shutil.which("kamailio") and os.path.isdir("/usr/lib/x86_64-linux-gnu/kamailio/modules"):
            def kamailio(port, agent, logf):
                cfg = os.path.join(tmp, "kamailio.cfg")
                with open(cfg, "w") as f:
                    f.write(KAMAILIO_CFG % {"port": port, "agent": agent})
                return start(["kamailio", "-f", cfg, "-DD", "-E", "-m", "2048", "-M", "64",
                              "-x", "tlsf", "-X", "tlsf", "-P", os.path.join(tmp, "kam.pid")], logf)
            kam = run("kamailio-tm", tmp, kamailio)
        ours_rate = carried(me)
        ref_rate = carried(ref)
        if me["failed"] or me["stuck"]:
            log("bench_sip: FAILED the pass mark: %d failed, %d stuck calls" % (me["failed"], me["stuck"]))
        print(json.dumps({"name": "sip_b2bua_calls_per_s_at_%d" % RATE, "value": ours_rate,
                          "unit": "calls/s", "reference": ref_rate,
                          "ratio": round(ours_rate / ref_rate, 3) if ref_rate else None}))
        us = 1e6 * me["server_cpu_s"] / max(1, me["ok"])
        kus = 1e6 * kam["server_cpu_s"] / max(1, kam["ok"]) if kam else None
        print(json.dumps({"name": "sip_b2bua_cpu_per_call", "value": round(us, 1), "unit": "us",
                          "reference": round(kus, 1) if kus else None,
                          "ratio": round(kus / us, 2) if kus and us else None}))
        sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
