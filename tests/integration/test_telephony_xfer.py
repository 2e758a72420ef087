"""Integration: in-call control against the real daemon: blind transfer by REFER and by the API (to an agent, a queue, an outside number through the trunk), consulted transfer (complete, return), the three-way conference and listen / whisper / barge, with the RTP content checked at every party (a distinct tone each)."""
import hashlib
import math
import random
import socket
import struct
import threading
import time

from sbtest import run
from telx import ULAW, Caller, Daemon, free_port, register, tone_power, ulaw_encode

CALLER = "+4930555123"
LEAD1 = 101  # lead1's agent id in the demo
TONES = {"caller": 440, "agent1": 1000, "agent2": 1400, "lead1": 1800, "trunk": 700}


def settings():
    return {"sip_min_expires": 2}


class Ear:
    """What a party received: (time, 160 samples) per RTP packet; hears(f) over a window."""

    def __init__(self):
        self.frames = []
        self.lock = threading.Lock()

    def add(self, payload):
        samples = [ULAW[b] for b in payload]
        with self.lock:
            self.frames.append((time.time(), samples))

    def count(self, since, until):
        with self.lock:
            return sum(1 for t, _ in self.frames if since <= t <= until)

    def share(self, freq, since, until=None):
        """Share of the packets received since `since` in which tone freq is clearly present."""
        until = until or time.time()
        with self.lock:
            fr = [s for t, s in self.frames if since <= t <= until]
        if len(fr) < 10:
            return 0.0
        hits = sum(1 for s in fr if any(abs(x) > 64 for x in s) and tone_power(s, freq) > 0.15)
        return hits / len(fr)


class Party(Caller):
    """The caller: telx's raw caller, keeping what it hears."""

    def __init__(self, d, tone, number="100"):
        super().__init__(d, number=number, frm=CALLER, tone=tone)
        self.ear = Ear()

    def _rtp_rx(self):
        self.rtp.settimeout(0.2)
        while self.running:
            try:
                data, _ = self.rtp.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(data) >= 12 + 160 and (data[1] & 0x7F) == 0:
                self.ear.add(data[12:12 + 160])


class Phone:
    """A SIP phone in Python: registered as ext (through telx.register) or unregistered (the
    trunk's far end); answers every INVITE at once, sends its tone as u-law RTP while a call is
    up, keeps what it hears, answers BYE / NOTIFY / re-INVITE, can REFER and hang up."""

    def __init__(self, d, ext, tone, registered=True, port=None):
        self.d = d
        self.ext = ext
        self.port = port or free_port()
        if registered:
            register(d, ext, port=self.port, expires=300)
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind(("127.0.0.1", self.port))
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", free_port()))
        self.rtp_port = self.rtp.getsockname()[1]
        self.tone = tone
        self.ear = Ear()
        self.dialog = None  # the call up now: dict of its headers and RTP peer
        self.calls = 0      # INVITEs answered
        self.byes = 0       # BYEs received
        self.invites = []   # request URIs / From of the INVITEs received
        self.responses = []  # answers to what we sent
        self.notifies = []   # (Call-ID, Subscription-State, body) of the NOTIFYs received
        self.cseq = 100
        self.running = True
        self.threads = [threading.Thread(target=f, daemon=True)
                        for f in (self._sip_loop, self._rtp_tx, self._rtp_rx)]
        for t in self.threads:
            t.start()

    # --- SIP ---

    def _send(self, text, addr=None):
        self.sip.sendto(text.encode(), addr or ("127.0.0.1", self.d.sip))

    @staticmethod
    def _headers(msg):
        head, _, body = msg.partition("\r\n\r\n")
        lines = head.split("\r\n")
        hs = []
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hs.append((k.strip().lower(), v.strip()))
        return lines[0], hs, body

    def _reply(self, msg, code, reason, body="", extra=(), totag=None):
        first, hs, _ = self._headers(msg)
        out = ["SIP/2.0 %d %s" % (code, reason)]
        for k, v in hs:
            if k in ("via", "v", "from", "f", "call-id", "i", "cseq"):
                out.append("%s: %s" % (k, v))
            elif k in ("to", "t"):
                if totag and "tag=" not in v:
                    v += ";tag=" + totag
                out.append("To: " + v)
        out.append("Contact: <sip:%s@127.0.0.1:%d>" % (self.ext, self.port))
        out += list(extra)
        if body:
            out.append("Content-Type: application/sdp")
        out.append("Content-Length: %d" % len(body.encode()))
        self._send("\r\n".join(out) + "\r\n\r\n" + body)

    def _sdp(self, version=1):
        return ("v=0\r\no=phone 1 %d IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % (version, self.rtp_port))

    def _sip_loop(self):
        self.sip.settimeout(0.2)
        while self.running:
            try:
                data, _ = self.sip.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            msg = data.decode("latin-1")
            if msg.startswith("SIP/2.0"):
                self.responses.append(msg)  # answers to our INVITE / REFER / BYE
                continue
            first, hs, body = self._headers(msg)
            method = first.split(" ", 1)[0]
            h = dict(hs)
            if method == "INVITE":
                dlg = self.dialog
                if dlg and dlg["callid"] == h.get("call-id"):  # re-INVITE
                    self._reply(msg, 200, "OK", self._sdp(), totag=dlg["tag"])
                    continue
                tag = "%x" % random.getrandbits(32)
                peer = None
                ip = "127.0.0.1"
                for ln in body.split("\r\n"):
                    if ln.startswith("c=IN IP4 "):
                        ip = ln[9:].strip()
                    if ln.startswith("m=audio "):
                        peer = (ip, int(ln.split()[1]))
                contact = h.get("contact", h.get("m", ""))
                target = contact[contact.find("<") + 1:contact.find(">")] if "<" in contact \
                    else contact.split(";")[0]
                self.invites.append(first.split(" ")[1])
                self._reply(msg, 200, "OK", self._sdp(), totag=tag)
                self.dialog = {"callid": h.get("call-id"), "tag": tag, "remote": h.get("from"),
                               "local": h.get("to") + ";tag=" + tag, "target": target,
                               "peer": peer}
                self.calls += 1
            elif method == "BYE":
                dlg = self.dialog
                self._reply(msg, 200, "OK", totag=dlg["tag"] if dlg else None)
                if dlg and dlg["callid"] == h.get("call-id"):
                    self.dialog = None
                self.byes += 1
            elif method in ("ACK",):
                continue
            elif method == "CANCEL":
                self._reply(msg, 200, "OK")
            else:  # NOTIFY, INFO, OPTIONS, UPDATE
                if method == "NOTIFY":
                    self.notifies.append((h.get("call-id"), h.get("subscription-state", ""),
                                          body))
                self._reply(msg, 200, "OK", totag=self.dialog["tag"] if self.dialog else None)

    def _in_dialog(self, method, extra=(), dlg=None, body="", cseq=None):
        dlg = dlg or self.dialog
        assert dlg, "no call up"
        if cseq is None:
            self.cseq += 1
        lines = ["%s %s SIP/2.0" % (method, dlg["target"]),
                 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%x;rport"
                 % (self.port, random.getrandbits(48)),
                 "Max-Forwards: 70", "From: " + dlg["local"], "To: " + dlg["remote"],
                 "Call-ID: " + dlg["callid"], "CSeq: %d %s" % (cseq or self.cseq, method),
                 "Contact: <sip:%s@127.0.0.1:%d>" % (self.ext, self.port)] + list(extra)
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body.encode()))
        self._send("\r\n".join(lines) + "\r\n\r\n" + body)

    def hold(self, on=True):
        """The phone's hold key: a re-INVITE (sendonly, or sendrecv to resume), answered, ACKed."""
        dlg = self.dialog
        dlg["version"] = dlg.get("version", 1) + 1  # a new offer: the session version goes up
        self._in_dialog("INVITE", body=self._sdp(dlg["version"]) + ("a=sendonly\r\n" if on else
                                                                    "a=sendrecv\r\n"))
        cseq = self.cseq
        code, _, _ = self._response(dlg["callid"], cseq)
        self._in_dialog("ACK", cseq=cseq)
        return code

    def refer(self, user):
        self._in_dialog("REFER", ["Refer-To: <sip:%s@127.0.0.1:%d>" % (user, self.d.sip),
                                  "Referred-By: <sip:%s@127.0.0.1>" % self.ext])

    def _response(self, callid, cseq, timeout=5):
        end = time.time() + timeout
        while time.time() < end:
            for m in list(self.responses):
                _, hs, body = self._headers(m)
                h = dict(hs)
                code = int(m.split(" ", 2)[1])
                if h.get("call-id") == callid and h.get("cseq", "").startswith("%d " % cseq) \
                        and code >= 200:
                    self.responses.remove(m)
                    return code, h, body
            time.sleep(0.02)
        raise AssertionError("no answer to our request")

    def invite(self, user, password="demo"):
        """Calls user at the daemon as this extension (digest on the 407); the new call
        becomes the one the phone talks on; returns its dialog (the old one stays up)."""
        callid = "phone-%x@127.0.0.1" % random.getrandbits(48)
        tag = "%x" % random.getrandbits(32)
        uri = "sip:%s@127.0.0.1:%d" % (user, self.d.sip)
        frm = "<sip:%s@127.0.0.1:%d>;tag=%s" % (self.ext, self.d.sip, tag)

        def req(cseq, method, extra=(), body="", to="<%s>" % uri):
            lines = ["%s %s SIP/2.0" % (method, uri),
                     "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%x;rport"
                     % (self.port, random.getrandbits(48)),
                     "Max-Forwards: 70", "From: " + frm, "To: " + to, "Call-ID: " + callid,
                     "CSeq: %d %s" % (cseq, method),
                     "Contact: <sip:%s@127.0.0.1:%d>" % (self.ext, self.port)] + list(extra)
            if body:
                lines.append("Content-Type: application/sdp")
            lines.append("Content-Length: %d" % len(body.encode()))
            self._send("\r\n".join(lines) + "\r\n\r\n" + body)
        req(1, "INVITE", body=self._sdp())
        code, h, _ = self._response(callid, 1)
        assert code == 407, code
        req(1, "ACK", to=h["to"])
        ch = h["proxy-authenticate"]
        realm = ch.split('realm="')[1].split('"')[0]
        nonce = ch.split('nonce="')[1].split('"')[0]
        ha1 = hashlib.md5(("%s:%s:%s" % (self.ext, realm, password)).encode()).hexdigest()
        ha2 = hashlib.md5(("INVITE:%s" % uri).encode()).hexdigest()
        resp = hashlib.md5(("%s:%s:00000001:0a4f113b:auth:%s" % (ha1, nonce, ha2)).encode()
                           ).hexdigest()
        auth = ('Proxy-Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", '
                'response="%s", algorithm=MD5, qop=auth, nc=00000001, cnonce="0a4f113b"'
                % (self.ext, realm, nonce, uri, resp))
        req(2, "INVITE", [auth], body=self._sdp())
        code, h, body = self._response(callid, 2, timeout=10)
        req(2, "ACK", to=h["to"])
        if code != 200:
            return code
        peer, ip = None, "127.0.0.1"
        for ln in body.split("\r\n"):
            if ln.startswith("c=IN IP4 "):
                ip = ln[9:].strip()
            if ln.startswith("m=audio "):
                peer = (ip, int(ln.split()[1]))
        contact = h.get("contact", "")
        target = contact[contact.find("<") + 1:contact.find(">")]
        dlg = {"callid": callid, "tag": tag, "local": frm, "remote": h["to"], "target": target,
               "peer": peer, "totag": h["to"].split("tag=")[1].split(";")[0]}
        self.dialog = dlg
        return dlg

    def refer_replaces(self, on, replaced, user):
        """The phone's attended transfer: REFER on dialog `on` to user, replacing `replaced`."""
        rep = "%s;to-tag=%s;from-tag=%s" % (replaced["callid"], replaced["totag"],
                                            replaced["tag"])
        rep = rep.replace("@", "%40").replace(";", "%3B").replace("=", "%3D")
        self._in_dialog("REFER", ["Refer-To: <sip:%s@127.0.0.1:%d?Replaces=%s>"
                                  % (user, self.d.sip, rep)], dlg=on)

    def hangup(self):
        self._in_dialog("BYE")
        self.dialog = None

    # --- RTP ---

    def _rtp_tx(self):
        seq, ts, ssrc = random.getrandbits(16), random.getrandbits(32), random.getrandbits(32)
        phase = 0
        nxt = time.time()
        while self.running:
            dlg = self.dialog
            if dlg and dlg["peer"]:
                payload = bytes(ulaw_encode(int(9000 * math.sin(2 * math.pi * self.tone
                                                                * (phase + i) / 8000)))
                                for i in range(160))
                pkt = struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts & 0xFFFFFFFF,
                                  ssrc) + payload
                try:
                    self.rtp.sendto(pkt, dlg["peer"])
                except OSError:
                    pass
                seq += 1
            phase += 160
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
            if len(data) >= 12 + 160 and (data[1] & 0x7F) == 0:
                self.ear.add(data[12:12 + 160])

    def close(self):
        self.running = False
        for t in self.threads:
            t.join(2)
        self.sip.close()
        self.rtp.close()


# --- helpers ---

def wait_for(pred, timeout=10, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def state_of(d, agent_id):
    return d.agent(agent_id)["state"]["state"]


def wait_state(d, agent_id, st):
    return d.wait_agent(agent_id, lambda a: a["state"]["state"] == st, what="%d %s" % (agent_id, st))


def listen(parties, secs=1.2, settle=0.6):
    """Waits `settle`, then records `secs`: returns {name: (since, until)} for share()."""
    time.sleep(settle)
    t0 = time.time()
    time.sleep(secs)
    return (t0, time.time())


def hears(party, who, win):
    return party.ear.share(TONES[who], win[0], win[1])


def assert_hears(party, name, who, win, yes=True):
    s = hears(party, who, win)
    n = party.ear.count(*win)
    if yes:
        assert s > 0.6, "%s should hear %s: %.2f of %d packets" % (name, who, s, n)
    else:
        assert s < 0.1, "%s should not hear %s: %.2f of %d packets" % (name, who, s, n)


def until_hears(party, who, timeout=10, what=None):
    """Waits until party clearly hears who over the last half second (a bridge is up)."""
    wait_for(lambda: party.ear.share(TONES[who], time.time() - 0.5) > 0.6, timeout,
             what or "hearing " + who)


def connect_call(d, agent_phone, agent_id=1, user="agent1"):
    """A caller reaches agent1 (ready first); returns (caller, call id)."""
    d.set_state(user, "ready")
    c = Party(d, TONES["caller"])
    assert c.call() == 200
    a = d.wait_agent(agent_id, lambda a: a["state"]["state"] == "talking", what="talking")
    wait_for(lambda: agent_phone.dialog, what="agent phone answered")
    return c, a["state"]["call_id"]


def log_kinds(d, call):
    return [(e[0], e[1]) for e in d.events(0) if e[1].get("call") == call]


def refer_outcome(phone, callid, timeout=10):
    """RFC 3515: the NOTIFYs a REFER on dialog callid brought, once the one ending the
    subscription arrived: [(Subscription-State, sipfrag status line)]; they are consumed."""
    def done():
        return any(c == callid and st.startswith("terminated") for c, st, _ in phone.notifies)
    wait_for(done, timeout, "the final NOTIFY of the REFER")
    out = [(st, body.split("\r\n")[0]) for c, st, body in phone.notifies if c == callid]
    phone.notifies = [n for n in phone.notifies if n[0] != callid]
    return out


def assert_refer_ok(phone, callid):
    got = refer_outcome(phone, callid)
    assert got == [("active;expires=60", "SIP/2.0 100 Trying"),
                   ("terminated;reason=noresource", "SIP/2.0 200 OK")], got


# --- tests ---

def test_blind_refer(binary):
    """REFER from the agent's phone: to another agent's extension (their phone rings, the ACD
    gives them the call, the first agent goes to wrap-up, caller and new agent hear each other),
    to a queue's number (music there) and to an outside number through the trunk."""
    trunk_port = free_port()
    with Daemon(binary, settings=settings(),
                args=["--trunk", "127.0.0.1:%d" % trunk_port]) as d:
        p1 = Phone(d, "1001", TONES["agent1"])
        p2 = Phone(d, "1002", TONES["agent2"])
        trunk = Phone(d, "trunk", TONES["trunk"], registered=False, port=trunk_port)
        try:
            # to an agent
            c, call = connect_call(d, p1)
            win = listen([c, p1])
            assert_hears(c, "caller", "agent1", win)
            assert_hears(p1, "agent1", "caller", win)
            # agent2 is not ready: the REFER fails (final NOTIFY 486), the call stays
            cid = p1.dialog["callid"]
            p1.refer("1002")
            got = refer_outcome(p1, cid)
            assert got[0] == ("active;expires=60", "SIP/2.0 100 Trying"), got
            assert len(got) == 2 and got[1][0].startswith("terminated"), got
            assert got[1][1].startswith("SIP/2.0 4") and "200" not in got[1][1], got
            assert state_of(d, 1) == "talking" and p1.byes == 0
            d.set_state("agent2", "ready")
            p1.refer("1002")
            assert_refer_ok(p1, cid)
            wait_state(d, 2, "talking")
            assert d.agent(2)["state"]["call_id"] == call
            wait_state(d, 1, "wrap-up")
            wait_for(lambda: p1.byes >= 1, what="agent1's phone hung up")
            win = listen([c, p2])
            assert_hears(c, "caller", "agent2", win)
            assert_hears(p2, "agent2", "caller", win)
            # agent2 refers to the billing number (queue 2): the caller waits there with music
            cid = p2.dialog["callid"]
            p2.refer("101")
            assert_refer_ok(p2, cid)
            wait_state(d, 2, "wrap-up")
            win = listen([c])
            assert_hears(c, "caller", "agent2", win, yes=False)
            assert c.ear.share(TONES["agent1"], *win) < 0.1
            live = d.queue_live(2)
            assert live["in_queue"] == 1, live
            assert c.hangup() == 200
            c.close()
            evs = log_kinds(d, call)
            kinds = [k for k, _ in evs]
            assert kinds.count("call-transfer") == 2, kinds
            assert any(k == "call.transfer" and e.get("to") == "agent" for k, e in evs), evs
            assert any(k == "call.transfer" and e.get("to") == "queue" for k, e in evs), evs
            # to an outside number: the caller leaves for the trunk, agent1 goes to wrap-up
            d.api("POST", "/api/v1/me/wrapup", {}, user="agent1", expect=None)
            d.set_state("agent1", "ready")
            d.api("POST", "/api/v1/me/wrapup", {}, user="agent2", expect=None)
            c, call = connect_call(d, p1)
            cid = p1.dialog["callid"]
            p1.refer("+4930999888")
            assert_refer_ok(p1, cid)
            wait_for(lambda: trunk.dialog, what="the trunk answered")
            assert trunk.invites[-1].startswith("sip:+4930999888@"), trunk.invites
            wait_state(d, 1, "wrap-up")
            win = listen([c, trunk])
            assert_hears(c, "caller", "trunk", win)
            assert_hears(trunk, "trunk", "caller", win)
            trunk.hangup()
            wait_for(lambda: getattr(c, "bye_received", False), what="caller hung up")
            c.close()
        finally:
            for p in (p1, p2, trunk):
                p.close()


def test_blind_api(binary):
    """The same from the desktop: to an agent by extension, to a queue, to a number; bad
    targets are refused."""
    trunk_port = free_port()
    with Daemon(binary, settings=settings(),
                args=["--trunk", "127.0.0.1:%d" % trunk_port]) as d:
        p1 = Phone(d, "1001", TONES["agent1"])
        p2 = Phone(d, "1002", TONES["agent2"])
        trunk = Phone(d, "trunk", TONES["trunk"], registered=False, port=trunk_port)
        try:
            c, call = connect_call(d, p1)
            # refused: two targets, no target, agent2 not ready, an unknown extension
            d.api("POST", "/api/v1/me/call/blind-transfer", {"queue_id": 2, "extension": "1002"},
                  user="agent1", expect=422)
            d.api("POST", "/api/v1/me/call/blind-transfer", {}, user="agent1", expect=422)
            d.api("POST", "/api/v1/me/call/blind-transfer", {"extension": "1002"},
                  user="agent1", expect=409)
            d.api("POST", "/api/v1/me/call/blind-transfer", {"extension": "9999"},
                  user="agent1", expect=409)
            d.api("POST", "/api/v1/me/call/blind-transfer", {"number": "12ab"},
                  user="agent1", expect=422)
            d.set_state("agent2", "ready")
            st = d.api("POST", "/api/v1/me/call/blind-transfer", {"extension": "1002"},
                       user="agent1")
            assert st["state"] == "wrap-up", st
            wait_state(d, 2, "talking")
            win = listen([c, p2])
            assert_hears(c, "caller", "agent2", win)
            assert_hears(p2, "agent2", "caller", win)
            st = d.api("POST", "/api/v1/me/call/blind-transfer", {"queue_id": 2}, user="agent2")
            assert st["state"] == "wrap-up", st
            wait_for(lambda: d.queue_live(2)["in_queue"] == 1, what="waiting in queue 2")
            assert c.hangup() == 200
            c.close()
            d.api("POST", "/api/v1/me/wrapup", {}, user="agent1", expect=None)
            c, call = connect_call(d, p1)
            d.api("POST", "/api/v1/me/call/blind-transfer", {"number": "+4930111222"},
                  user="agent1")
            wait_for(lambda: trunk.dialog, what="the trunk answered")
            win = listen([c, trunk])
            assert_hears(c, "caller", "trunk", win)
            assert_hears(trunk, "trunk", "caller", win)
            assert c.hangup() == 200
            wait_for(lambda: trunk.byes >= 1, what="the trunk hung up")
            c.close()
            recs = [r for r in d.contacts() if r["call_id"] == call]
            assert len(recs) == 1 and recs[0]["agent_id"] == 1, recs
            assert recs[0]["t_disconnected"] is not None, recs
        finally:
            for p in (p1, p2, trunk):
                p.close()


def test_consult(binary):
    """Consultation: the caller hears music (not the agents), the agents hear each other; return
    brings agent and caller together again; complete joins the caller to the target agent (who
    the ACD now counts) and frees the first agent; to a number through the trunk as well."""
    trunk_port = free_port()
    with Daemon(binary, settings=settings(),
                args=["--trunk", "127.0.0.1:%d" % trunk_port]) as d:
        p1 = Phone(d, "1001", TONES["agent1"])
        p2 = Phone(d, "1002", TONES["agent2"])
        trunk = Phone(d, "trunk", TONES["trunk"], registered=False, port=trunk_port)
        try:
            c, call = connect_call(d, p1)
            # consult a number, then return
            st = d.api("POST", "/api/v1/me/call/consult", {"number": "+4930777"}, user="agent1")
            assert st["state"] == "hold", st
            wait_for(lambda: trunk.dialog, what="the trunk answered")
            until_hears(p1, "trunk")
            win = listen([c, p1, trunk])
            assert_hears(p1, "agent1", "trunk", win)
            assert_hears(trunk, "trunk", "agent1", win)
            assert_hears(trunk, "trunk", "caller", win, yes=False)
            assert_hears(c, "caller", "agent1", win, yes=False)
            assert_hears(c, "caller", "trunk", win, yes=False)
            st = d.api("POST", "/api/v1/me/call/consult/cancel", {}, user="agent1")
            assert st["state"] == "talking", st
            wait_for(lambda: trunk.byes >= 1, what="the trunk hung up")
            win = listen([c, p1])
            assert_hears(c, "caller", "agent1", win)
            assert_hears(p1, "agent1", "caller", win)
            # consult agent2, then complete
            d.api("POST", "/api/v1/me/call/consult/complete", {}, user="agent1", expect=409)
            d.set_state("agent2", "ready")
            d.api("POST", "/api/v1/me/call/consult", {"extension": "1002"}, user="agent1")
            wait_for(lambda: p2.dialog, what="agent2's phone answered")
            until_hears(p1, "agent2")
            win = listen([c, p1, p2])
            assert_hears(p1, "agent1", "agent2", win)
            assert_hears(p2, "agent2", "agent1", win)
            assert_hears(c, "caller", "agent2", win, yes=False)
            # on the consultation: no queue call offered
            wait_for(lambda: state_of(d, 2) == "other", what="agent2 consulting")
            st = d.api("POST", "/api/v1/me/call/consult/complete", {}, user="agent1")
            assert st["state"] == "wrap-up", st
            wait_state(d, 2, "talking")
            assert d.agent(2)["state"]["call_id"] == call
            wait_for(lambda: p1.byes >= 1, what="agent1's phone hung up")
            assert p2.calls == 1  # the consultation's call became the call: not rung again
            win = listen([c, p2])
            assert_hears(c, "caller", "agent2", win)
            assert_hears(p2, "agent2", "caller", win)
            assert c.hangup() == 200
            wait_state(d, 2, "wrap-up")
            c.close()
            recs = [r for r in d.contacts() if r["call_id"] == call]
            assert sorted(r["agent_id"] for r in recs) == [1, 2], recs
            assert [r["disconnect_reason"] for r in recs if r["agent_id"] == 1] == ["transferred"]
            # consult a number, complete: the caller talks to the trunk, agent1 is free
            d.api("POST", "/api/v1/me/wrapup", {}, user="agent1", expect=None)
            c, call = connect_call(d, p1)
            d.api("POST", "/api/v1/me/call/consult", {"number": "+4930777"}, user="agent1")
            wait_for(lambda: trunk.dialog, what="the trunk answered")
            until_hears(p1, "trunk")  # the daemon has the answer: agent and target talk
            st = d.api("POST", "/api/v1/me/call/consult/complete", {}, user="agent1")
            assert st["state"] == "wrap-up", st
            win = listen([c, trunk])
            assert_hears(c, "caller", "trunk", win)
            assert_hears(trunk, "trunk", "caller", win)
            assert c.hangup() == 200
            wait_for(lambda: trunk.byes >= 2, what="the trunk hung up")
            c.close()
        finally:
            for p in (p1, p2, trunk):
                p.close()


def test_conference(binary):
    """Agent consults the team lead, then a three-way conference: each hears the other two;
    the lead leaving leaves caller and agent together; the agent leaving leaves the caller with
    the lead, who then has the call (the ACD counts it to them)."""
    with Daemon(binary, settings=settings()) as d:
        p1 = Phone(d, "1001", TONES["agent1"])
        lead = Phone(d, "1101", TONES["lead1"])
        try:
            c, call = connect_call(d, p1)
            d.set_state("lead1", "ready")  # after agent1 has the call
            d.api("POST", "/api/v1/me/call/conference", {}, user="agent1", expect=409)
            d.api("POST", "/api/v1/me/call/consult", {"extension": "1101"}, user="agent1")
            wait_for(lambda: lead.dialog, what="the lead's phone answered")
            until_hears(p1, "lead1")
            st = d.api("POST", "/api/v1/me/call/conference", {}, user="agent1")
            assert st["state"] == "talking", st
            assert state_of(d, LEAD1) == "other"  # on the conference: no queue call offered
            win = listen([c, p1, lead], secs=2)
            for name, party in (("caller", c), ("agent1", p1), ("lead1", lead)):
                for other in ("caller", "agent1", "lead1"):
                    if other != name:
                        assert_hears(party, name, other, win)
            lead.hangup()
            wait_state(d, LEAD1, "ready")
            win = listen([c, p1])
            assert_hears(c, "caller", "agent1", win)
            assert_hears(p1, "agent1", "caller", win)
            assert_hears(c, "caller", "lead1", win, yes=False)
            # again, and now the agent leaves: the caller stays with the lead, who has the call
            d.api("POST", "/api/v1/me/call/consult", {"extension": "1101"}, user="agent1")
            wait_for(lambda: lead.dialog, what="the lead's phone answered again")
            until_hears(p1, "lead1")
            d.api("POST", "/api/v1/me/call/conference", {}, user="agent1")
            until_hears(c, "lead1")
            p1.hangup()
            wait_state(d, LEAD1, "talking")
            assert d.agent(LEAD1)["state"]["call_id"] == call
            wait_state(d, 1, "wrap-up")
            win = listen([c, lead])
            assert_hears(c, "caller", "lead1", win)
            assert_hears(lead, "lead1", "caller", win)
            assert_hears(c, "caller", "agent1", win, yes=False)
            assert c.hangup() == 200
            wait_state(d, LEAD1, "wrap-up")
            c.close()
            kinds = [k for k, _ in log_kinds(d, call)]
            assert "call.consult" in kinds and "call.conference" in kinds, kinds
        finally:
            p1.close()
            lead.close()


def test_monitor(binary):
    """Team lead listens (hears both, heard by nobody), whispers (the agent hears them, the
    caller does not), barges (everyone hears everyone); another team's lead and agents may
    not; stopping leaves caller and agent as they were."""
    with Daemon(binary, settings=settings()) as d:
        p1 = Phone(d, "1001", TONES["agent1"])
        lead = Phone(d, "1101", TONES["lead1"])
        try:
            c, call = connect_call(d, p1)
            path = "/api/v1/calls/%d/monitor" % call
            d.api("POST", path, {"mode": "listen"}, user="agent2", expect=403)
            d.api("POST", path, {"mode": "listen"}, user="lead2", expect=403)
            d.api("POST", path, {"mode": "shout"}, user="lead1", expect=422)
            d.api("DELETE", path, user="lead1", expect=404)
            r = d.api("POST", path, {"mode": "listen"}, user="lead1")
            assert r["mode"] == "listen", r
            wait_for(lambda: lead.dialog, what="the lead's phone answered")
            assert d.api("GET", path, user="super1")["answered"] is True
            win = listen([c, p1, lead])
            assert_hears(lead, "lead1", "caller", win)
            assert_hears(lead, "lead1", "agent1", win)
            assert_hears(c, "caller", "agent1", win)
            assert_hears(p1, "agent1", "caller", win)
            assert_hears(c, "caller", "lead1", win, yes=False)
            assert_hears(p1, "agent1", "lead1", win, yes=False)
            r = d.api("POST", path, {"mode": "whisper"}, user="lead1")
            assert r["mode"] == "whisper", r
            win = listen([c, p1, lead])
            assert_hears(p1, "agent1", "lead1", win)
            assert_hears(p1, "agent1", "caller", win)
            assert_hears(c, "caller", "lead1", win, yes=False)
            assert_hears(c, "caller", "agent1", win)
            assert_hears(lead, "lead1", "caller", win)
            d.api("POST", path, {"mode": "barge"}, user="lead1")
            win = listen([c, p1, lead])
            assert_hears(c, "caller", "lead1", win)
            assert_hears(c, "caller", "agent1", win)
            assert_hears(p1, "agent1", "lead1", win)
            assert_hears(lead, "lead1", "agent1", win)
            r = d.api("DELETE", path, user="lead1")
            assert r["mode"] is None, r
            wait_for(lambda: lead.byes >= 1, what="the lead's phone hung up")
            win = listen([c, p1])
            assert_hears(c, "caller", "agent1", win)
            assert_hears(p1, "agent1", "caller", win)
            assert_hears(c, "caller", "lead1", win, yes=False)
            # by feature code from the lead's phone: *47 + the agent's extension whispers
            lead2 = Phone(d, "1102", TONES["lead1"])
            try:
                assert lead2.invite("*461001") == 403  # another team's lead
            finally:
                lead2.close()
            assert lead.invite("*471009") == 480  # agent9 is not on a call
            lead.invite("*471001")
            assert d.api("GET", path, user="lead1")["mode"] == "whisper"
            win = listen([c, p1, lead])
            assert_hears(p1, "agent1", "lead1", win)
            assert_hears(lead, "lead1", "caller", win)
            assert_hears(lead, "lead1", "agent1", win)
            assert_hears(c, "caller", "lead1", win, yes=False)
            lead.hangup()
            wait_for(lambda: d.api("GET", path, user="lead1")["mode"] is None,
                     what="the monitor gone")
            win = listen([c, p1])
            assert_hears(p1, "agent1", "lead1", win, yes=False)
            assert_hears(c, "caller", "agent1", win)
            assert c.hangup() == 200
            c.close()
            kinds = [e.get("to") for k, e in log_kinds(d, call) if k == "call.monitor"]
            assert kinds == ["listen", "whisper", "barge", "whisper"], kinds
        finally:
            p1.close()
            lead.close()


def test_attended_from_phone(binary):
    """The phone's hold key (re-INVITE) is the desktop's hold. The phone's own attended
    transfer: on hold, it dials a colleague (a second call, digest-authenticated), talks to them
    (the caller hears music), then REFERs the first call with Replaces naming the second: the
    colleague has the caller, without ringing again."""
    with Daemon(binary, settings=settings()) as d:
        p1 = Phone(d, "1001", TONES["agent1"])
        p2 = Phone(d, "1002", TONES["agent2"])
        try:
            c, call = connect_call(d, p1)
            # the hold key: the caller hears music (not the agent), the desktop shows hold
            assert p1.hold(True) == 200
            wait_state(d, 1, "hold")
            win = listen([c])
            assert_hears(c, "caller", "agent1", win, yes=False)
            assert c.ear.count(*win) > 40  # music
            assert p1.hold(False) == 200
            wait_state(d, 1, "talking")
            until_hears(c, "agent1")
            # hold, then a second call to a colleague, then REFER with Replaces
            assert p1.hold(True) == 200
            d.set_state("agent2", "ready")
            first = p1.dialog
            second = p1.invite("1002")
            wait_for(lambda: p2.dialog, what="agent2's phone answered")
            wait_for(lambda: state_of(d, 1) == "hold", what="agent1 on hold")  # the state follows the SIP
            win = listen([c, p1, p2])
            assert_hears(p2, "agent2", "agent1", win)
            assert_hears(p1, "agent1", "agent2", win)
            assert_hears(c, "caller", "agent1", win, yes=False)
            assert_hears(c, "caller", "agent2", win, yes=False)
            p1.refer_replaces(first, second, "1002")
            assert_refer_ok(p1, first["callid"])
            wait_state(d, 2, "talking")
            assert d.agent(2)["state"]["call_id"] == call
            wait_state(d, 1, "wrap-up")
            wait_for(lambda: p1.byes >= 2, what="both of agent1's calls hung up")
            assert p2.calls == 1
            win = listen([c, p2])
            assert_hears(c, "caller", "agent2", win)
            assert_hears(p2, "agent2", "caller", win)
            # agent2's phone consults agent1 and hangs that call up: back with the caller
            first = p2.dialog
            p2.invite("1001")
            wait_for(lambda: p1.dialog, what="agent1's phone answered")
            wait_for(lambda: state_of(d, 2) == "hold", what="agent2 on hold")  # the state follows the SIP
            p2.hangup()
            wait_for(lambda: p1.byes >= 3, what="agent1's phone hung up")
            wait_state(d, 2, "talking")
            p2.dialog = first
            win = listen([c, p2])
            assert_hears(c, "caller", "agent2", win)
            assert_hears(p2, "agent2", "caller", win)
            assert c.hangup() == 200
            c.close()
        finally:
            p1.close()
            p2.close()


if __name__ == "__main__":
    run([test_blind_refer, test_blind_api, test_consult, test_attended_from_phone,
         test_conference, test_monitor])
