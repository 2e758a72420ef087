#!/usr/bin/env python3
"""bench_media_calls: issue 5's media benchmarks through the real daemon: bridged calls relaying RTP both ways, and queued callers hearing music.

The RTP load, the measurements and the references are bench_media's (C: 20 ms G.711 packets on 20
phase slots with send timestamps in the payload, kernel arrival timestamps, loss, relay delay,
inter-arrival jitter p99). This script makes bench_media drive the real daemon: it is run as
bench_media's "--daemon-cmd" child and speaks its children's protocol on stdin/stdout:

  relay-daemon P PRIO: starts `switchboard serve`, P agents whose phones are static contacts at a
      SIP socket here, all ready; reads "offer <2P RTP ports>" (caller, agent, caller, agent ...);
      places P calls to number 100 (caller k's SDP: port 2k), answers each agent INVITE (SDP: port
      2k+1), so every call is answered, queued, routed and bridged; prints "ports <2P ports>" (the
      daemon's legs facing each endpoint). Reference (bench_media's relay-direct): the same
      endpoints sending straight to each other.
  moh-daemon M PRIO: starts the daemon with one agent logged in but not ready (so callers queue);
      reads "dst <port>"; places M calls (SDP: that port); prints "ready <M daemon ports>". The
      callers hear music on hold from the daemon's media clock. Reference (bench_media's
      moh-pertimer): a C sender at the same packet rate (one libre timer per stream).
  Then "reset" marks the start of the measured window and "stop" prints {"cpu_s": daemon CPU in the
  window, ...} and stops the daemon.

Usage (what bench/run.sh runs):
  bench_media_calls.py SWITCHBOARD BENCH_MEDIA   runs bench_media --daemon-cmd "<this> --child SWITCHBOARD"
  env: BENCH_MEDIA_SECONDS (60), BENCH_MEDIA_CALLS (500), BENCH_MEDIA_QUEUED (1000),
       BENCH_MEDIA_PRIO (fifo: the daemon and bench_media's load at SCHED_FIFO when permitted)
"""
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_calls import Api, cpu_of, free_port, log  # noqa: E402  (shared with the call-rate bench)


def set_fifo(pid, prio):
    """Every thread of pid at SCHED_FIFO prio; False when not permitted."""
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            os.sched_setscheduler(int(t), os.SCHED_FIFO, os.sched_param(prio))
        return True
    except OSError:
        return False


# --- SIP (raw UDP messages, one dialog at a time) ---

def header(msg, name):
    for line in msg.partition("\r\n\r\n")[0].split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == name:
            return v.strip()
    return None


def sdp_port(msg):
    m = re.search(r"^m=audio (\d+) ", msg.partition("\r\n\r\n")[2], re.M)
    return int(m.group(1)) if m else None


def sdp(port, who):
    return ("v=0\r\no=%s 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % (who, port))


def response(req, code, reason, body="", totag=None, contact=None):
    keep = []
    for line in req.partition("\r\n\r\n")[0].split("\r\n")[1:]:
        k = line.split(":", 1)[0].strip().lower()
        if k in ("via", "v", "from", "f", "call-id", "i", "cseq", "record-route"):
            keep.append(line)
        elif k in ("to", "t"):
            keep.append(line + (";tag=" + totag if totag and "tag=" not in line else ""))
    lines = ["SIP/2.0 %d %s" % (code, reason)] + keep
    if body:
        lines += ["Contact: <sip:agent@%s>" % contact, "Content-Type: application/sdp"]
    lines.append("Content-Length: %d" % len(body.encode()))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


class Sip:
    """The callers' SIP socket and the agents' phones' SIP socket."""

    def __init__(self, daemon_sip):
        self.dsip = daemon_sip
        self.caller = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.caller.bind(("127.0.0.1", free_port()))
        self.agent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.agent.bind(("127.0.0.1", free_port()))
        for s in (self.caller, self.agent):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.agent_port = self.agent.getsockname()[1]
        self.stop = False
        self.answered = {}  # agents' phones: Call-ID -> our 200

    def invite(self, k, rtp_port, number="100"):
        """Caller k's INVITE; returns (call, daemon's port for this caller) on 200, raises else."""
        lp = self.caller.getsockname()[1]
        callid = "mb-%d-%x@127.0.0.1" % (k, random.getrandbits(40))
        tag = "%x" % random.getrandbits(32)
        frm = "+4930%07d" % k

        def req(method, cseq, body="", totag=None):
            to = "<sip:%s@127.0.0.1:%d>" % (number, self.dsip) + (";tag=" + totag if totag else "")
            lines = ["%s sip:%s@127.0.0.1:%d SIP/2.0" % (method, number, self.dsip),
                     "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%x;rport"
                     % (lp, random.getrandbits(48)),
                     "Max-Forwards: 70", "From: <sip:%s@127.0.0.1:%d>;tag=%s" % (frm, lp, tag),
                     "To: " + to, "Call-ID: " + callid, "CSeq: %d %s" % (cseq, method),
                     "Contact: <sip:%s@127.0.0.1:%d>" % (frm, lp)]
            if body:
                lines.append("Content-Type: application/sdp")
            lines.append("Content-Length: %d" % len(body.encode()))
            return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()

        inv = req("INVITE", 1, sdp(rtp_port, "caller"))
        self.caller.sendto(inv, ("127.0.0.1", self.dsip))
        end = time.time() + 20
        resend = time.time() + 1
        self.caller.settimeout(0.2)
        while time.time() < end:
            try:
                data = self.caller.recv(65536).decode("latin-1")
            except socket.timeout:
                if time.time() > resend:
                    self.caller.sendto(inv, ("127.0.0.1", self.dsip))
                    resend = time.time() + 1
                continue
            if not data.startswith("SIP/2.0 "):
                self.caller.sendto(response(data, 200, "OK"), ("127.0.0.1", self.dsip))
                continue
            if header(data, "call-id") != callid:
                continue
            code = int(data.split(" ", 2)[1])
            if code < 200:
                resend = time.time() + 100
                continue
            totag = (header(data, "to") or "").partition("tag=")[2].split(";")[0]
            self.caller.sendto(req("ACK", 1, totag=totag), ("127.0.0.1", self.dsip))
            if code != 200:
                raise RuntimeError("call %d: %d" % (k, code))
            return sdp_port(data)
        raise RuntimeError("call %d: no final answer" % k)

    def answer_agent(self, rtp_port, timeout=20):
        """Waits for the daemon's INVITE to an agent's phone; answers 200 (SDP: rtp_port); waits
        for the ACK. Returns the daemon's port for this phone."""
        end = time.time() + timeout
        self.agent.settimeout(0.2)
        ok = callid = src_inv = None
        port = None
        while time.time() < end:
            try:
                data, src = self.agent.recvfrom(65536)
            except socket.timeout:
                if ok:
                    self.agent.sendto(ok, src_inv)
                continue
            data = data.decode("latin-1")
            if data.startswith("SIP/2.0"):
                continue
            cid = header(data, "call-id")
            if data.startswith("INVITE ") and cid in self.answered:  # a retransmission
                self.agent.sendto(self.answered[cid], src)
            elif data.startswith("INVITE ") and port is None:
                port = sdp_port(data)
                src_inv, callid = src, cid
                ok = response(data, 200, "OK", sdp(rtp_port, "agent"),
                              totag="%x" % random.getrandbits(32),
                              contact="127.0.0.1:%d" % self.agent_port)
                self.answered[cid] = ok
                self.agent.sendto(ok, src)
            elif data.startswith("ACK ") and cid == callid:
                return port
            elif data.startswith("INVITE "):
                self.agent.sendto(response(data, 486, "Busy Here"), src)
            elif not data.startswith("ACK "):
                self.agent.sendto(response(data, 200, "OK"), src)
        raise RuntimeError("no INVITE/ACK for an agent's phone")

    def serve(self):
        """While measuring: answers whatever the daemon sends in the dialogs (refreshes) with 200."""
        for s in (self.caller, self.agent):
            s.settimeout(0.2)
        while not self.stop:
            for s in (self.caller, self.agent):
                try:
                    data, src = s.recvfrom(65536)
                except (socket.timeout, OSError):
                    continue
                data = data.decode("latin-1")
                if not data.startswith("SIP/2.0") and not data.startswith("ACK "):
                    s.sendto(response(data, 200, "OK"), src)


def start_daemon(binary, tmp, prio):
    sip_port = free_port()
    cfg = os.path.join(tmp, "config.json")
    with open(cfg, "w") as f:
        json.dump({"pwhash_cost": "min"}, f)
    err = open(os.path.join(tmp, "daemon.err"), "w")
    d = subprocess.Popen([binary, "serve", "--demo", "--http", "127.0.0.1:0", "--sip",
                          "127.0.0.1:%d" % sip_port, "--data", os.path.join(tmp, "var"),
                          "--config", cfg], stdout=subprocess.PIPE, stderr=err, text=True,
                         stdin=subprocess.DEVNULL)
    line = d.stdout.readline()
    m = re.search(r"http://[0-9.]+:(\d+)/", line)
    if not m:
        raise RuntimeError("the daemon did not start: %s" % line)
    got = "none"
    if prio == "fifo" and set_fifo(d.pid, 50):
        got = "fifo 50"
    return d, sip_port, Api(int(m.group(1))), got


def child(binary, mode, count, prio):
    tmp = tempfile.mkdtemp(prefix="bench-media-calls-")
    d = None
    out = sys.stdout
    try:
        d, sip_port, api, got = start_daemon(binary, tmp, prio)
        sip = Sip(sip_port)
        api.ok("PUT", "/api/v1/queues/1", {"wrapup": "none", "ring_timeout_ms": 20000,
                                           "max_wait_ms": 3600000, "tiers": []})
        n_agents = count if mode == "relay-daemon" else 1
        ids = []
        for i in range(n_agents):
            ext = str(20000 + i)
            a = api.ok("POST", "/api/v1/agents", {
                "name": "Bench %d" % i, "extension": ext, "sip_password": "bench",
                "team_id": 1, "site_id": 1,
                "static_contact": "sip:%s@127.0.0.1:%d" % (ext, sip.agent_port),
                "skills": [{"skill_id": 1, "level": 6}, {"skill_id": 4, "level": 7}]})
            ids.append(a["id"])
        t0 = time.time()
        if mode == "relay-daemon":
            for i in ids:
                api.ok("PUT", "/api/v1/agents/%d/state" % i, {"state": "ready"})
            line = sys.stdin.readline()
            if not line.startswith("offer"):
                raise RuntimeError("expected offer, got %r" % line)
            ports = [int(p) for p in line.split()[1:]]
            if len(ports) != 2 * count:
                raise RuntimeError("offer has %d ports for %d calls" % (len(ports), count))
            legs = []
            for k in range(count):
                legs.append(sip.invite(k, ports[2 * k]))
                legs.append(sip.answer_agent(ports[2 * k + 1]))
            live = api.ok("GET", "/api/v1/queues/1")["live"]
            log("  relay child (the daemon, priority %s): %d calls answered, routed and bridged "
                "in %.1f s; queue live: %s" % (got, count, time.time() - t0,
                                                json.dumps(live.get("today", live))[:300]))
            out.write("ports " + " ".join(str(p) for p in legs) + "\n")
        else:
            api.ok("PUT", "/api/v1/agents/%d/state" % ids[0], {"state": "not_ready", "reason": 101})
            line = sys.stdin.readline()
            if not line.startswith("dst"):
                raise RuntimeError("expected dst, got %r" % line)
            port = int(line.split()[1])
            legs = [sip.invite(k, port) for k in range(count)]
            live = api.ok("GET", "/api/v1/queues/1")["live"]
            log("  moh child (the daemon, priority %s): %d callers answered and queued in %.1f s; "
                "queue live: %s" % (got, count, time.time() - t0, json.dumps(live)[:300]))
            out.write("ready " + " ".join(str(p) for p in legs) + "\n")
        out.flush()
        srv = threading.Thread(target=sip.serve, daemon=True)
        srv.start()
        cpu0 = cpu_of(d.pid)
        for line in sys.stdin:
            if "reset" in line:
                cpu0 = cpu_of(d.pid)
            if "stop" in line:
                break
        cpu = cpu_of(d.pid) - cpu0
        sip.stop = True
        srv.join(2)
        if d.poll() is not None:
            raise RuntimeError("the daemon exited (%s) during the run" % d.returncode)
        out.write(json.dumps({"cpu_s": round(cpu, 3), "calls": count}) + "\n")
        out.flush()
    except Exception as e:  # bench_media reports the child's end; say why here
        log("bench_media_calls: %s failed: %s" % (mode, e))
        if d is not None:
            try:
                with open(os.path.join(tmp, "daemon.err")) as f:
                    log("daemon stderr (tail): " + f.read()[-1500:])
            except OSError:
                pass
        raise
    finally:
        if d is not None and d.poll() is None:
            d.send_signal(signal.SIGTERM)
            try:
                d.wait(timeout=30)
            except subprocess.TimeoutExpired:
                d.kill()
                d.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        binary, mode, count, prio = sys.argv[2:6]
        if mode not in ("relay-daemon", "moh-daemon"):
            sys.exit("bench_media_calls: unknown child mode %s" % mode)
        child(binary, mode, int(count), prio)
        return
    if len(sys.argv) < 3:
        sys.exit("usage: bench_media_calls.py SWITCHBOARD BENCH_MEDIA [bench_media options]")
    binary, bench_media = os.path.abspath(sys.argv[1]), sys.argv[2]
    for path in (binary, bench_media):
        if not os.access(path, os.X_OK):
            sys.exit("bench_media_calls: %s is not an executable" % path)
    me = os.path.abspath(__file__)
    cmd = [bench_media, "--secs", os.environ.get("BENCH_MEDIA_SECONDS", "60"),
           "--pairs", os.environ.get("BENCH_MEDIA_CALLS", "500"),
           "--listeners", os.environ.get("BENCH_MEDIA_QUEUED", "1000"),
           "--prio", os.environ.get("BENCH_MEDIA_PRIO", "fifo"), "--wait-idle", "10",
           "--daemon-cmd", "%s %s --child %s" % (shlex.quote(sys.executable), shlex.quote(me),
                                                 shlex.quote(binary))] + sys.argv[3:]
    log("bench_media_calls: " + " ".join(shlex.quote(c) for c in cmd))
    sys.exit(subprocess.call(cmd))


if __name__ == "__main__":
    main()
