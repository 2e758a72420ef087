"""telx: helpers for the telephony integration tests: the daemon with SIP, SIPp, baresip, a raw caller with RTP, the event log.

Standard library only (plus the sipp and baresip programs).
"""
import hashlib
import json
import math
import os
import random
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import wave

from sbtest import Server

HERE = os.path.dirname(os.path.abspath(__file__))
SIPP_DIR = os.path.join(HERE, "..", "sipp")


# --- ports ---

def _bindable(port):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True


_rnd = random.Random(os.getpid() * 7919 + int(time.time() * 1000))
_taken = set()


def free_port():
    """An even port p with p and p+1 free for UDP and TCP (baresip binds TCP on p+1), 2 apart.
    Above the daemon's RTP range (20000-30000)."""
    for _ in range(2000):
        p = _rnd.randrange(32000, 60000, 2)
        if p not in _taken and _bindable(p) and _bindable(p + 1):
            _taken.add(p)
            return p
    raise RuntimeError("no free port pair")


def media_port():
    """A base port for SIPp's -mp: SIPp binds p and p+1 (audio RTP/RTCP) and p+2, p+3 (video),
    all four free. From 10000-19996: below the daemon's RTP range (20000-30000) and out of the
    kernel's ephemeral range (32768-60999), where any connection's local port may land."""
    for _ in range(2000):
        p = _rnd.randrange(10000, 19996, 4)
        if p not in _taken and all(_bindable(p + i) for i in range(4)):
            _taken.add(p)
            return p
    raise RuntimeError("no four free media ports")


# --- the daemon ---

class Daemon(Server):
    """The real daemon with --demo and SIP on a free port (self.sip)."""

    def __init__(self, binary, args=(), **kw):
        self.sip = free_port()
        super().__init__(binary, args=["--sip", "127.0.0.1:%d" % self.sip] + list(args), **kw)
        self._tokens = {}

    def token(self, user):
        if user not in self._tokens:
            self._tokens[user] = self.login(user)[0]
        return self._tokens[user]

    def api(self, method, path, body=None, user="admin", expect=200):
        st, _, doc = self.json(method, path, body, token=self.token(user))
        if expect is not None:
            assert st == expect, (method, path, st, doc)
        return doc

    def agent(self, agent_id):
        return self.api("GET", "/api/v1/agents/%d" % agent_id)

    def set_state(self, user, state, reason=None):
        body = {"state": state}
        if reason is not None:
            body["reason"] = reason
        return self.api("PUT", "/api/v1/me/state", body, user=user)

    def wait_agent(self, agent_id, pred, timeout=15, what="agent state"):
        end = time.time() + timeout
        while True:
            a = self.agent(agent_id)
            if pred(a):
                return a
            if time.time() > end:
                raise AssertionError("timed out waiting for %s: %s" % (what, a))
            time.sleep(0.05)

    def queue_live(self, queue_id):
        return self.api("GET", "/api/v1/queues/%d" % queue_id)["live"]

    def contacts(self, **filters):
        q = "&".join("%s=%s" % kv for kv in filters.items())
        return self.api("GET", "/api/v1/contacts" + ("?" + q if q else ""))["items"]

    def events(self, after=0, until=None, timeout=10):
        """The event log from after (exclusive) as a list of (type, data), read by SSE replay,
        until until(list) is true (or, until None, no event came for a second)."""
        c = self.conn(timeout=2)
        out = []
        h = {"Authorization": "Bearer " + self.token("admin"), "Accept": "text/event-stream",
             "Last-Event-ID": str(after)}
        c.request("GET", "/api/v1/events", headers=h)
        r = c.getresponse()
        assert r.status == 200, r.status
        end = time.time() + timeout
        f = {}
        last = time.time()
        try:
            while time.time() < end:
                if until is None and time.time() - last > 1.0:
                    break  # the log is read: nothing new for a second
                try:
                    line = r.readline()
                except socket.timeout:
                    if until is None:
                        break
                    continue
                if not line:
                    break
                line = line.decode().rstrip("\n")
                if line == "":
                    if "event" in f and f["event"] != "reset":
                        last = time.time()
                        out.append((f["event"], json.loads(f["data"])))
                        if until is not None and until(out):
                            return out
                    f = {}
                    continue
                if line.startswith(":"):
                    continue
                k, _, v = line.partition(":")
                f[k] = v.lstrip(" ")
        finally:
            c.close()
        if until is not None:
            raise AssertionError("event log never matched; got %s" % [e[0] for e in out][-40:])
        return out

    def wait_events(self, types, call=None, timeout=15):
        """Waits until the event log holds every type in types (for call, if given)."""
        want = list(types)

        def seen(evs):
            have = {e[0] for e in evs if call is None or e[1].get("call") == call}
            return all(t in have for t in want)
        return self.events(0, until=seen, timeout=timeout)


# --- SIPp ---

def scenario(name):
    return os.path.join(SIPP_DIR, name)


class Sipp:
    """One SIPp process on its own free port; started now, wait() for its end."""

    def __init__(self, scen, daemon=None, args=(), csv=None, transport="u1", timeout=60,
                 port=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="telx-sipp-")
        cmd = ["sipp", "-sf", scenario(scen)]
        if csv is not None:
            path = os.path.join(self.dir, "fields.csv")
            with open(path, "w") as f:
                f.write("SEQUENTIAL\n" + "".join(";".join(row) + ";\n" for row in csv))
            cmd += ["-inf", path]
        cmd += [str(a) for a in args]
        if daemon is not None:
            cmd.append("127.0.0.1:%d" % daemon.sip)
        cmd += ["-i", "127.0.0.1", "-p", str(self.port), "-t", transport, "-nostdin",
                "-timeout", "%ds" % timeout, "-timeout_error", "-mp", str(media_port()),
                "-trace_err", "-error_file", os.path.join(self.dir, "errors.log"),
                "-trace_msg", "-message_file", os.path.join(self.dir, "messages.log")]
        self.cmd = cmd
        self.timeout = timeout
        self.p = subprocess.Popen(cmd, cwd=self.dir, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)

    def wait(self, timeout=None):
        try:
            _, err = self.p.communicate(timeout=timeout or self.timeout + 30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            _, err = self.p.communicate()
        self.stderr = err
        return self.p.returncode

    def ok(self, timeout=None):
        """Waits for the end and asserts every call of the scenario succeeded."""
        rc = self.wait(timeout)
        if rc != 0:
            raise AssertionError("sipp %s exited %d\nstderr: %s\nerrors: %s\nmessages (tail): %s"
                                 % (" ".join(self.cmd), rc, self.stderr[-1500:],
                                    self.log("errors.log")[-3000:], self.log()[-4000:]))

    def log(self, name="messages.log"):
        try:
            with open(os.path.join(self.dir, name)) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()

    def close(self):
        self.stop()
        if not os.environ.get("TELX_KEEP"):  # keep SIPp's logs for debugging
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def register(daemon, ext, password="demo", expires=300, port=None):
    """A SIPp phone registers ext with its contact at port (its own free port when None);
    returns the port the contact names."""
    s = Sipp("register.xml", daemon, ["-m", 1, "-au", ext, "-ap", password],
             csv=[(ext, str(expires))], timeout=20, port=port)
    try:
        s.ok()
        return s.port
    finally:
        s.close()


# --- audio ---

def ulaw_decode(b):
    b = ~b & 0xFF
    sign = b & 0x80
    exp = (b >> 4) & 7
    mant = b & 0x0F
    v = ((mant << 3) + 0x84) << exp
    v -= 0x84
    return -v if sign else v


ULAW = [ulaw_decode(i) for i in range(256)]


def ulaw_encode(sample):
    sign = 0x80 if sample < 0 else 0
    if sample < 0:
        sample = -sample
    sample = min(sample, 32635) + 0x84
    exp = 7
    mask = 0x4000
    while exp > 0 and not sample & mask:
        exp -= 1
        mask >>= 1
    mant = (sample >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


def tone_power(samples, freq, rate=8000):
    """Goertzel: the power of freq in samples, relative to the total power (0..1)."""
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    total = 0.0
    for x in samples:
        s0 = x + k * s1 - s2
        s2, s1 = s1, s0
        total += x * x
    p = s1 * s1 + s2 * s2 - k * s1 * s2
    n = len(samples)
    return p / (total * n / 2) if total else 0.0


def write_tone_wav(path, freq, seconds=10, rate=8000):
    """An 8 kHz 16-bit mono WAV of a sine tone (baresip's aufile source)."""
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / rate)))
                          for i in range(int(seconds * rate)))
        w.writeframes(frames)


# --- baresip ---

class Baresip:
    """A headless baresip as an agent's phone: registered as ext, auto-answer, sends a tone
    (aufile), records what it hears (sndfile), remote control over ctrl_tcp."""

    def __init__(self, daemon, ext, password="demo", tone=1000, regint=60, answer=True, extra=()):
        self.dir = tempfile.mkdtemp(prefix="telx-baresip-")
        self.port = free_port()
        self.ctrl = free_port()
        self.wav = os.path.join(self.dir, "tone.wav")
        write_tone_wav(self.wav, tone)
        self.rec = os.path.join(self.dir, "rec")
        os.mkdir(self.rec)
        cfg = [
            "poll_method epoll",
            "sip_listen 127.0.0.1:%d" % self.port,
            "net_interface 127.0.0.1",
            "audio_player null",
            "audio_source aufile,%s" % self.wav,
            "audio_alert null",
            "rtp_ports %d-%d" % (self.port + 2000 if self.port < 58000 else self.port - 4000,
                                 (self.port + 2000 if self.port < 58000 else self.port - 4000) + 40),
            "module_path /usr/lib/baresip/modules",
            "module g711.so",
            "module aufile.so",
            "module sndfile.so",
            "snd_path %s" % self.rec,
            "module_app account.so",
            "module_app ctrl_tcp.so",
            "ctrl_tcp_listen 127.0.0.1:%d" % self.ctrl,
        ] + list(extra)  # more config lines, e.g. "module_app menu.so" for sndcode (DTMF)
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write("\n".join(cfg) + "\n")
        acc = ('<sip:%s@127.0.0.1:%d>;auth_pass=%s;outbound="sip:127.0.0.1:%d;transport=udp";'
               'regint=%d;answermode=%s;audio_codecs=PCMU'
               % (ext, daemon.sip, password, daemon.sip, regint, "auto" if answer else "manual"))
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write(acc + "\n")
        self.log = os.path.join(self.dir, "out.txt")
        self.out = open(self.log, "w")
        self.p = subprocess.Popen(["baresip", "-f", self.dir], stdout=self.out,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.sock = None
        end = time.time() + 10
        while self.sock is None:
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.ctrl), timeout=5)
            except OSError:
                if time.time() > end or self.p.poll() is not None:
                    raise AssertionError("baresip did not start:\n" + self.output())
                time.sleep(0.1)
        self.buf = b""

    def output(self):
        self.out.flush()
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def command(self, cmd, params=None):
        """A ctrl_tcp command (netstring-framed JSON); returns the response's data text."""
        msg = {"command": cmd, "token": "t%d" % random.getrandbits(32)}
        if params is not None:
            msg["params"] = params
        data = json.dumps(msg).encode()
        self.sock.sendall(b"%d:%s," % (len(data), data))
        end = time.time() + 5
        while True:
            i = self.buf.find(b":")
            if i > 0:
                n = int(self.buf[:i])
                if len(self.buf) >= i + 2 + n:
                    doc = json.loads(self.buf[i + 1:i + 1 + n])
                    self.buf = self.buf[i + 2 + n:]
                    if doc.get("response") and doc.get("token") == msg["token"]:
                        return doc.get("data", "")
                    continue
            if time.time() > end:
                raise AssertionError("baresip: no answer to %s" % cmd)
            self.sock.settimeout(max(0.1, end - time.time()))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("baresip closed its control connection")
            self.buf += chunk

    def recordings(self, timeout=10):
        """(decoded-received samples) from sndfile's dump of what the phone heard, once the
        call is over (the file is complete when it is closed)."""
        end = time.time() + timeout
        while "terminated" not in self.output():
            assert time.time() < end, self.output()
            time.sleep(0.05)
        time.sleep(0.2)
        out = []
        for n in sorted(os.listdir(self.rec)):
            if n.endswith("-dec.wav"):
                with wave.open(os.path.join(self.rec, n)) as w:
                    frames = w.readframes(w.getnframes())
                    out.append(list(struct.unpack("<%dh" % (len(frames) // 2), frames)))
        return out

    def close(self):
        if self.sock:
            try:
                self.command("quit")
            except (AssertionError, OSError, ValueError):
                pass
            self.sock.close()
            self.sock = None
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.out.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


# --- a caller with real RTP ---

def _md5(s):
    return hashlib.md5(s.encode()).hexdigest()


class Caller:
    """A SIP caller over UDP (raw messages) that sends a tone as G.711 u-law RTP, 50 packets a
    second, and counts what it receives: packets, non-silent ones and the ones carrying tone
    `listen` (the agent's)."""

    def __init__(self, daemon, number="100", frm="+4930555123", tone=440, listen=1000,
                 late_offer=False):
        self.d = daemon
        self.number = number
        self.frm = frm
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind(("127.0.0.1", 0))
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", free_port()))
        self.rtp_port = self.rtp.getsockname()[1]
        self.callid = "telx-%x@127.0.0.1" % random.getrandbits(48)
        self.tag = "%x" % random.getrandbits(32)
        self.totag = None
        self.cseq = 1
        self.tone = tone
        self.listen = listen
        self.remote = None
        self.stats = {"rx": 0, "rx_nonsilent": 0, "rx_tone": 0, "tx": 0}
        self.running = False
        self.msgs = []
        self.late_offer = late_offer  # INVITE without SDP: our answer goes in the ACK

    def _send(self, data):
        self.sip.sendto(data.encode(), ("127.0.0.1", self.d.sip))

    def _sdp(self):
        return ("v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % self.rtp_port)

    def _req(self, method, cseq, body="", extra=()):
        lp = self.sip.getsockname()[1]
        to = "<sip:%s@127.0.0.1:%d>" % (self.number, self.d.sip)
        if self.totag:
            to += ";tag=" + self.totag
        lines = ["%s sip:%s@127.0.0.1:%d SIP/2.0" % (method, self.number, self.d.sip),
                 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%x;rport" % (lp, random.getrandbits(48)),
                 "Max-Forwards: 70",
                 "From: \"Caller\" <sip:%s@127.0.0.1:%d>;tag=%s" % (self.frm, lp, self.tag),
                 "To: " + to, "Call-ID: " + self.callid, "CSeq: %d %s" % (cseq, method),
                 "Contact: <sip:%s@127.0.0.1:%d>" % (self.frm, lp)] + list(extra)
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body.encode()))
        return "\r\n".join(lines) + "\r\n\r\n" + body

    def _recv(self, timeout):
        self.sip.settimeout(timeout)
        try:
            data, _ = self.sip.recvfrom(65536)
        except socket.timeout:
            return None
        text = data.decode("latin-1")
        self.msgs.append(text)
        return text

    def call(self, timeout=10):
        """INVITE; returns the final status code (200: answered, ACKed, RTP running)."""
        inv = self._req("INVITE", 1, "" if self.late_offer else self._sdp())
        self._send(inv)
        end = time.time() + timeout
        last = time.time()
        while time.time() < end:
            m = self._recv(0.5)
            if m is None:
                if time.time() - last > 0.5:
                    self._send(inv)
                    last = time.time()
                continue
            if not m.startswith("SIP/2.0 "):
                continue
            code = int(m.split(" ", 2)[1])
            if code < 200:
                last = time.time() + 100
                continue
            head, _, body = m.partition("\r\n\r\n")
            for line in head.split("\r\n"):
                if line.lower().startswith("to:") and "tag=" in line:
                    self.totag = line.split("tag=", 1)[1].split(";")[0].strip()
            if code >= 300:
                self._send(self._req("ACK", 1))
                return code
            self._send(self._req("ACK", 1, self._sdp() if self.late_offer else ""))
            ip, port = None, None
            for line in body.split("\r\n"):
                if line.startswith("c=IN IP4 "):
                    ip = line[9:].strip()
                if line.startswith("m=audio "):
                    port = int(line.split()[1])
            self.remote = (ip, port)
            self.running = True
            self.threads = [threading.Thread(target=self._rtp_tx, daemon=True),
                            threading.Thread(target=self._rtp_rx, daemon=True),
                            threading.Thread(target=self._sip_rx, daemon=True)]
            for t in self.threads:
                t.start()
            return code
        raise AssertionError("no final answer to the INVITE")

    def _rtp_tx(self):
        seq = random.getrandbits(16)
        ts = random.getrandbits(32)
        ssrc = random.getrandbits(32)
        phase = 0
        nxt = time.time()
        while self.running:
            payload = bytes(ulaw_encode(int(10000 * math.sin(2 * math.pi * self.tone * (phase + i)
                                                                / 8000))) for i in range(160))
            phase += 160
            pkt = struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload
            try:
                self.rtp.sendto(pkt, self.remote)
                self.stats["tx"] += 1
            except OSError:
                pass
            seq += 1
            ts += 160
            nxt += 0.02
            time.sleep(max(0, nxt - time.time()))

    def _rtp_rx(self):
        self.rtp.settimeout(0.2)
        while self.running:
            try:
                data, _ = self.rtp.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(data) < 12 or (data[1] & 0x7F) != 0:
                continue
            self.stats["rx"] += 1
            samples = [ULAW[b] for b in data[12:]]
            if any(abs(x) > 64 for x in samples):
                self.stats["rx_nonsilent"] += 1
                if tone_power(samples, self.listen) > 0.5:
                    self.stats["rx_tone"] += 1

    def _sip_rx(self):
        """Answers what the daemon sends in the dialog (session refresh, BYE) with 200."""
        while self.running:
            try:
                m = self._recv(0.2)
            except OSError:
                return
            if m is None or m.startswith("SIP/2.0"):
                continue
            self._answer(m)
            if m.startswith("BYE "):
                self.running = False
                self.bye_received = True

    def _answer(self, m):
        head = m.partition("\r\n\r\n")[0].split("\r\n")
        keep = [h for h in head[1:] if h.split(":", 1)[0].strip().lower()
                in ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq")]
        resp = "SIP/2.0 200 OK\r\n" + "\r\n".join(keep) + "\r\nContent-Length: 0\r\n\r\n"
        self._send(resp)

    def hangup(self, timeout=5):
        """BYE; returns the final status."""
        self.running = False
        for t in getattr(self, "threads", []):
            t.join(2)
        self.cseq += 1
        bye = self._req("BYE", self.cseq + 1)
        self._send(bye)
        end = time.time() + timeout
        while time.time() < end:
            m = self._recv(0.5)
            if m is None:
                self._send(bye)
                continue
            if m.startswith("SIP/2.0 ") and "BYE" in m.partition("\r\n\r\n")[0]:
                return int(m.split(" ", 2)[1])
            if not m.startswith("SIP/2.0"):
                self._answer(m)
        raise AssertionError("no answer to BYE")

    def close(self):
        self.running = False
        self.sip.close()
        self.rtp.close()
