"""Integration: menus, business hours, queue announcements, callbacks and the post-call survey with real SIP: a raw caller (RFC 4733 and SIP INFO DTMF), SIPp agent phones and a SIPp trunk."""
import datetime
import math
import os
import random
import socket
import struct
import threading
import time
import wave
from zoneinfo import ZoneInfo

from sbtest import run
from telx import ULAW, Caller, Daemon, Sipp, free_port, register

SOUNDS = "/usr/share/asterisk/sounds"

MENU = {
    "languages": ["en", "es"],
    "start": "lang",
    "nodes": {
        "lang": {"type": "language", "prompts": ["dir-welcome"], "timeout_ms": 1500,
                 "retries": 1,
                 "choices": {"1": {"language": "en", "node": "main"},
                             "2": {"language": "es", "node": "main"}},
                 "on_fail": {"node": "main"}},
        "main": {"type": "menu", "prompts": ["vm-press"], "timeout_ms": 1500, "retries": 1,
                 "choices": {"1": {"queue": 1}, "2": {"queue": 4}, "3": {"queue": 3}},
                 "on_fail": {"queue": 2}},
    },
}


# --- the prompts' own audio, to tell them from music ---

def _wav_frames(path):
    with wave.open(path) as w:
        raw = w.readframes(w.getnframes())
    s = struct.unpack("<%dh" % (len(raw) // 2), raw)
    return [s[i:i + 160] for i in range(0, len(s) - 159, 160)]


def fingerprint(lang, name, n=4, within=50):
    """The n loudest 20 ms frames of a prompt's first second (the daemon sends the file from its
    start in 20 ms packets, so each arrives whole in one packet)."""
    frames = _wav_frames(os.path.join(SOUNDS, lang, name + ".wav"))[:within]
    loud = sorted(range(len(frames)), key=lambda i: -sum(x * x for x in frames[i]))[:n]
    return [frames[i] for i in loud]


def _corr(a, b):
    ab = sum(x * y for x, y in zip(a, b))
    aa = sum(x * x for x in a)
    bb = sum(y * y for y in b)
    return ab / math.sqrt(aa * bb) if aa and bb else 0.0


def heard(caller, fp, since=0.0):
    """Arrival times of packets that carry one of the fingerprint's frames."""
    out = []
    for t, payload in list(caller.rx_log):
        if t < since or len(payload) != 160:
            continue
        dec = [ULAW[b] for b in payload]
        if sum(x * x for x in dec) < 160 * 200 * 200:
            continue
        if any(_corr(dec, f) > 0.97 for f in fp):
            out.append(t)
    return out


def bursts(times, gap=1.5):
    """Start times of groups of hits (one per playing of the prompt)."""
    out = []
    for t in times:
        if not out or t - last > gap:
            out.append(t)
        last = t
    return out


class IvrCaller(Caller):
    """The raw caller, offering telephone-event, keying DTMF by RFC 4733 or SIP INFO, and keeping
    every audio packet it receives with its arrival time."""

    def __init__(self, d, number, frm, **kw):
        super().__init__(d, number=number, frm=frm, **kw)
        self.rx_log = []
        self.keys = []
        self.lock = threading.Lock()
        self.t0 = None

    def _sdp(self):
        return ("v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                "m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
                "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n" % self.rtp_port)

    def call(self, timeout=10):
        code = super().call(timeout)
        self.t0 = time.time()
        return code

    def rfc4733(self, digits):
        with self.lock:
            self.keys.extend(digits)

    def info(self, digits):
        for dg in digits:
            self.cseq += 1
            m = self._req("INFO", self.cseq, "Signal=%s\r\nDuration=160\r\n" % dg)
            self._send(m.replace("application/sdp", "application/dtmf-relay"))
            time.sleep(0.3)

    def _rtp_tx(self):
        seq = random.getrandbits(16)
        ts = random.getrandbits(32)
        ssrc = random.getrandbits(32)
        nxt = time.time()

        def send(pt, payload, marker=False, stamp=None):
            nonlocal seq, nxt
            pkt = struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF,
                              (ts if stamp is None else stamp) & 0xFFFFFFFF, ssrc) + payload
            try:
                self.rtp.sendto(pkt, self.remote)
                self.stats["tx"] += 1
            except OSError:
                pass
            seq += 1
            nxt += 0.02
            time.sleep(max(0, nxt - time.time()))

        while self.running:
            with self.lock:
                key = self.keys.pop(0) if self.keys else None
            if key is None:
                send(0, getattr(self, "voice", None) or b"\xff" * 160)  # voice: a test speaks
                ts += 160
                continue
            code = "0123456789*#".index(key)
            start = ts
            for i in range(6):  # 3 packets growing, 3 end packets (RFC 4733 2.5.1.4)
                end = i >= 3
                dur = 160 * min(i + 1, 3)
                send(101, struct.pack("!BBH", code, (0x80 if end else 0) | 10, dur), i == 0,
                     start)
                ts += 160
            for _ in range(5):  # a gap between keys
                send(0, b"\xff" * 160)
                ts += 160

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
            self.rx_log.append((time.time(), data[12:]))

    def wait_bye(self, timeout=15):
        end = time.time() + timeout
        while not getattr(self, "bye_received", False):
            assert time.time() < end, ("no BYE", self.msgs[-3:])
            time.sleep(0.05)


# --- helpers ---

def number_id(d, number):
    items = d.api("GET", "/api/v1/numbers")["items"]
    return [n for n in items if n["number"] == number][0]["id"]


def settle():
    time.sleep(1.3)  # the controller re-reads menus, hours and survey flags every second


def contact_of(d, frm, pred=lambda r: True, timeout=10):
    end = time.time() + timeout
    while True:
        recs = [r for r in d.contacts() if r["customer_number"] == frm]
        if recs and pred(recs[0]):
            return recs
        assert time.time() < end, ("contact record of", frm, recs[:3])
        time.sleep(0.1)


def wait_until(pred, timeout=10, what="condition"):
    end = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        assert time.time() < end, "timed out waiting for " + what
        time.sleep(0.1)


def callbacks_of(d, number, pred, timeout=10):
    """The callbacks table's rows (GET /callbacks) for number, once pred holds for one."""
    return wait_until(lambda: [c for c in d.api("GET", "/api/v1/callbacks?limit=200")["items"]
                               if c["number"] == number and pred(c)], timeout,
                      "callback of " + number)


def close_with_callback(d, qid):
    """Closes queue qid now (open for a minute the day after tomorrow, site time Europe/Berlin);
    callers after hours are offered a callback."""
    day = (datetime.datetime.now(ZoneInfo("Europe/Berlin")) + datetime.timedelta(days=2))
    d.api("PUT", "/api/v1/queues/%d/hours" % qid,
          {"hours": {"weekly": {day.strftime("%a").lower(): [["10:00", "10:01"]]},
                     "after_hours": {"action": "callback"}}})
    settle()


def queue_put(d, qid, **fields):
    q = d.api("GET", "/api/v1/queues/%d" % qid)
    body = {k: q[k] for k in ("name", "client_id")}
    body.update(fields)
    d.api("PUT", "/api/v1/queues/%d" % qid, body)


def events_of(d, types, pred=lambda e: True, timeout=15):
    end = time.time() + timeout
    while True:
        evs = [e for e in d.events() if e[0] in types and pred(e)]
        if evs:
            return evs
        assert time.time() < end, ("events", types)
        time.sleep(0.2)


# --- the tests ---

def menu_choice(d, key_method):
    """A menu on number 100: language, then queue; both DTMF methods."""
    frm = "+49305550%03d" % random.randrange(1000)
    c = IvrCaller(d, "100", frm)
    try:
        assert c.call() == 200
        welcome = fingerprint("en", "dir-welcome")
        wait_until(lambda: heard(c, welcome), 5, "the welcome prompt")
        lang, queue = ("2", "2") if key_method == "rfc4733" else ("1", "3")
        send = c.rfc4733 if key_method == "rfc4733" else c.info
        send(lang)
        langtag = "es" if lang == "2" else "en"
        # the next prompt in the chosen language (the other language's recording differs)
        mine = fingerprint(langtag, "vm-press")
        wait_until(lambda: heard(c, mine, c.t0), 6, "the menu in " + langtag)
        other = fingerprint("en" if langtag == "es" else "es", "vm-press")
        assert not heard(c, other), "heard the other language"
        send(queue)
        want_q = {"2": 4, "3": 3}[queue]
        r = contact_of(d, frm, lambda r: (r.get("attributes") or {}).get("language"))[0]
        assert r["queue_id"] == want_q, r
        assert r["attributes"]["language"] == langtag, r
        assert r["system_number"] == "100", r
        assert c.hangup() == 200
    finally:
        c.close()


def menu_timeout(d):
    """No key: each node replays once, then on_fail leads to queue 2 (billing)."""
    frm = "+49305551%03d" % random.randrange(1000)
    c = IvrCaller(d, "100", frm)
    try:
        assert c.call() == 200
        r = contact_of(d, frm, timeout=20)[0]
        assert r["queue_id"] == 2, r
        took = time.time() - c.t0
        # welcome 1.8 s + 1.5 s, twice; vm-press 0.7 s + 1.5 s, twice
        assert 7.5 <= took <= 14, took
        assert len(bursts(heard(c, fingerprint("en", "dir-welcome")))) == 2
        assert len(bursts(heard(c, fingerprint("en", "vm-press")))) == 2
        c.hangup()
    finally:
        c.close()


def after_hours(d):
    """Queue 2 (number 101) closed: a message then goodbye; or another queue."""
    qs = "/api/v1/queues/2/hours"
    r = d.api("PUT", qs, {"hours": {"weekly": {}, "after_hours": {
        "action": "message", "prompt": "please-try-call-later"}}})
    assert r["hours"]["after_hours"]["action"] == "message", r
    st, _, doc = d.json("PUT", qs, {"hours": {"weekly": {"mon": [["18:00", "08:00"]]},
                                              "after_hours": {"action": "message"}}},
                        token=d.token("admin"))
    assert st == 422, (st, doc)
    settle()
    frm = "+49305552%03d" % random.randrange(1000)
    c = IvrCaller(d, "101", frm)
    try:
        assert c.call() == 200
        c.wait_bye(12)
        assert heard(c, fingerprint("en", "please-try-call-later")), "no message"
    finally:
        c.close()
    assert not [r for r in d.contacts() if r["customer_number"] == frm]
    # the other queue
    d.api("PUT", qs, {"hours": {"weekly": {}, "after_hours": {"action": "queue", "queue": 3}}})
    settle()
    frm = "+49305553%03d" % random.randrange(1000)
    c = IvrCaller(d, "101", frm)
    try:
        assert c.call() == 200
        r = contact_of(d, frm)[0]
        assert r["queue_id"] == 3 and r["system_number"] == "101", r
        c.hangup()
    finally:
        c.close()


def after_hours_callback_anonymous(d, trunk):
    """Closed queue, callback action, anonymous caller keys a number; the daemon restarts; when the
    queue opens the agent's phone rings and the daemon calls the number through the trunk; it is busy every
    time: retried once (callback_attempts 2), then recorded as failed."""
    queue_put(d, 2, callback_attempts=2, callback_retry_ms=1000, wrapup="none")
    close_with_callback(d, 2)
    c = IvrCaller(d, "101", "anonymous")
    try:
        assert c.call() == 200
        wait_until(lambda: heard(c, fingerprint("en", "vm-enter-num-to-call")), 6, "ask number")
        c.rfc4733("030555777#")
        c.wait_bye(15)
        assert heard(c, fingerprint("en", "auth-thankyou")), "no confirmation"
    finally:
        c.close()
    # the request survives a restart of the daemon
    rc = d.stop()
    assert rc == 0 and "still allocated" not in d.stderr(), d.stderr()[-2000:]
    d._tokens = {}
    d.start()
    port = register(d, "1001")
    with Sipp("agent_answer.xml", args=["-m", 2], port=port) as phone, \
            Sipp("agent_busy.xml", args=["-m", 2], port=trunk) as cust:
        d.set_state("agent1", "ready")
        time.sleep(1)
        assert "INVITE" not in cust.log(), "called before the queue opened"
        d.api("PUT", "/api/v1/queues/2/hours", {"hours": None})  # open from now on
        cust.ok(40)
        phone.ok(20)
        log = cust.log()
        assert log.count("INVITE sip:+4930555777@") >= 2, log[:3000]
    evs = events_of(d, ["callback-failed"])
    call = evs[-1][1]["call"]
    recs = [r for r in d.contacts() if r["call_id"] == call]
    assert recs and recs[0]["attributes"]["callback_result"] == "failed", recs
    assert recs[0]["attributes"]["callback_attempts"] == 2, recs
    cbs = callbacks_of(d, "+4930555777", lambda c: c["status"] == "failed")
    assert cbs[0]["attempts"] == 2 and cbs[0]["queue_id"] == 2, cbs
    d.set_state("agent1", "logged_out")


def announcements_and_callback(d, trunk):
    """Queue 3 announces every 12 s; the caller's position prompt arrives at that interval
    between music; key 1 asks for a callback keeping the place; the first attempt is busy, the
    second answered and bridged to the agent."""
    queue_put(d, 3, announce_ms=12000, callback_attempts=3, callback_retry_ms=1000,
              wrapup="none")
    frm = "+49305554%03d" % random.randrange(1000)
    c = IvrCaller(d, "102", frm)
    try:
        assert c.call() == 200
        fp = fingerprint("en", "queue-youarenext")
        wait_until(lambda: len(bursts(heard(c, fp))) >= 2, 30, "two announcements")
        starts = bursts(heard(c, fp))
        first = starts[0] - c.t0
        gap = starts[1] - starts[0]
        assert 11 <= first <= 13.5, starts
        assert 11 <= gap <= 13.5, starts
        # music between the announcements: loud packets that are not the prompt
        between = [t for t, p in c.rx_log if starts[0] + 11 < t < starts[1] - 0.2
                   and sum(abs(ULAW[b]) for b in p) > 160 * 100]
        assert len(between) > 20, len(between)
        c.rfc4733("1")
        c.wait_bye(20)
    finally:
        c.close()
    req = events_of(d, ["callback-requested"])[-1][1]
    call = req["call"]
    port = register(d, "1001")
    with Sipp("agent_answer.xml", args=["-m", 2], port=port) as phone:
        busy = Sipp("agent_busy.xml", args=["-m", 1], port=trunk)
        d.set_state("agent1", "ready")
        busy.ok(30)
        busy.close()
        with Sipp("agent_hangup.xml", args=["-m", 1, "-d", 1000], port=trunk) as cust:
            cust.ok(30)
        phone.ok(20)
    evs = events_of(d, ["call-complete-caller"], lambda e: e[1].get("call") == call)
    recs = [r for r in d.contacts() if r["call_id"] == call]
    assert recs and recs[0]["attributes"]["callback_result"] == "completed", recs
    assert recs[0]["attributes"]["callback_attempts"] == 2, recs
    assert recs[0]["agent_id"] == 1, recs
    cbs = callbacks_of(d, frm, lambda c: c["status"] == "done")
    assert cbs[0]["attempts"] == 2 and cbs[0]["contact_id"] == recs[0]["id"], (cbs, recs[0])
    d.set_state("agent1", "logged_out")


def survey(d):
    """Queue 1 has the survey on: after the agent hangs up the caller rates 4 by SIP INFO."""
    d.api("PUT", "/api/v1/numbers/%d/menu" % number_id(d, "100"), {"menu": None})
    r = d.api("PUT", "/api/v1/queues/1/survey", {"survey": True})
    assert r["survey"] is True, r
    assert d.api("GET", "/api/v1/queues/1/survey")["survey"] is True
    settle()
    port = register(d, "1001")
    frm = "+49305555%03d" % random.randrange(1000)
    with Sipp("agent_hangup.xml", args=["-m", 1, "-d", 1000], port=port) as agent:
        d.set_state("agent1", "ready")
        c = IvrCaller(d, "100", frm)
        try:
            assert c.call() == 200
            agent.ok(20)
            wait_until(lambda: heard(c, fingerprint("en", "queue-thankyou")), 8, "the survey")
            assert not getattr(c, "bye_received", False)
            c.info("4")
            c.wait_bye(10)
        finally:
            c.close()
    r = contact_of(d, frm, lambda r: (r.get("attributes") or {}).get("survey"))[0]
    assert r["attributes"]["survey"] == 4, r
    assert r["disconnect_reason"] == "agent_disconnect", r
    d.set_state("agent1", "logged_out")


def trunk_port():
    """A port for the SIPp trunk that no ephemeral socket takes meanwhile: below Linux's
    ephemeral range (32768-60999), above the daemon's RTP range (20000-30000)."""
    for _ in range(500):
        p = random.randrange(30100, 32700)
        ok = True
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return p
    raise RuntimeError("no free port for the trunk")


def queued_anonymous_callback(d):
    """An anonymous caller waiting in queue 3 keys 1: asked for a number, keys it, is called back
    later (the request holds the place: callback-requested)."""
    c = IvrCaller(d, "102", "anonymous")
    try:
        assert c.call() == 200
        time.sleep(1)
        c.rfc4733("1")
        wait_until(lambda: heard(c, fingerprint("en", "vm-enter-num-to-call")), 6, "ask number")
        c.rfc4733("030555888#")
        c.wait_bye(15)
        assert heard(c, fingerprint("en", "auth-thankyou")), "no confirmation"
    finally:
        c.close()
    recs = wait_until(lambda: [r for r in d.contacts() if (r.get("attributes") or {}).get(
        "callback_number") == "+4930555888"], 10, "the callback's contact record")
    assert recs[0]["queue_id"] == 3 and recs[0]["customer_number"] in (None, "anonymous"), recs[0]
    assert recs[0]["disconnect_reason"] == "callback_requested", recs[0]


# One daemon for every case (each case leaves the agents logged out); the trunk is a free port
# where SIPp plays the customer's side of callbacks.
_D = {}


def daemon(binary):
    if "d" not in _D:
        _D["trunk"] = trunk_port()
        d = Daemon(binary, settings={"sip_min_expires": 2,
                                     "trunk": "127.0.0.1:%d" % _D["trunk"]})
        _D["d"] = d.__enter__()
        d.api("PUT", "/api/v1/numbers/%d/menu" % number_id(d, "100"), {"menu": MENU})
        settle()
    return _D["d"]


def test_menu_rfc4733_spanish(binary):
    menu_choice(daemon(binary), "rfc4733")


def test_menu_info_english(binary):
    menu_choice(daemon(binary), "info")


def test_menu_no_key(binary):
    menu_timeout(daemon(binary))


def test_announcements_callback(binary):
    d = daemon(binary)
    announcements_and_callback(d, _D["trunk"])


def test_after_hours_message_queue(binary):
    after_hours(daemon(binary))


def test_after_hours_callback(binary):
    d = daemon(binary)
    after_hours_callback_anonymous(d, _D["trunk"])


def test_post_call_survey(binary):
    survey(daemon(binary))


def test_queued_anonymous_callback(binary):
    queued_anonymous_callback(daemon(binary))


def own_daemon(binary):
    trunk = trunk_port()
    d = Daemon(binary, settings={"sip_min_expires": 2, "trunk": "127.0.0.1:%d" % trunk})
    return d, trunk


def test_callback_attempts_survive_restart(binary):
    """An after-hours callback (3 attempts): the first attempt is busy, the daemon restarts
    during the retry delay; the count goes on: two more attempts (2 and 3), then failed."""
    d, trunk = own_daemon(binary)
    try:
        queue_put(d, 2, callback_attempts=3, callback_retry_ms=6000, wrapup="none")
        close_with_callback(d, 2)
        frm = "+49305557%03d" % random.randrange(1000)
        c = IvrCaller(d, "101", frm)
        try:
            assert c.call() == 200
            c.wait_bye(15)
            assert heard(c, fingerprint("en", "auth-thankyou")), "no confirmation"
        finally:
            c.close()
        port = register(d, "1001")
        with Sipp("agent_answer.xml", args=["-m", 1], port=port) as phone, \
                Sipp("agent_busy.xml", args=["-m", 1], port=trunk) as cust:
            d.set_state("agent1", "ready")
            d.api("PUT", "/api/v1/queues/2/hours", {"hours": None})  # open from now on
            cust.ok(30)
            phone.ok(20)
        cbs = callbacks_of(d, frm, lambda c: c["attempts"] == 1)
        assert cbs[0]["status"] in ("pending", "dialing"), cbs
        rc = d.stop()  # within the retry delay
        assert rc == 0 and "still allocated" not in d.stderr(), d.stderr()[-2000:]
        d._tokens = {}
        d.start()
        port = register(d, "1001")
        with Sipp("agent_answer.xml", args=["-m", 2], port=port) as phone, \
                Sipp("agent_busy.xml", args=["-m", 2], port=trunk) as cust:
            d.set_state("agent1", "ready")
            cust.ok(40)
            phone.ok(20)
            assert cust.log().count("INVITE sip:%s@" % frm) == 2, cust.log()[:3000]
        cbs = callbacks_of(d, frm, lambda c: c["status"] == "failed", timeout=15)
        assert cbs[0]["attempts"] == 3, cbs
        evs = events_of(d, ["callback-failed"])
        call = evs[-1][1]["call"]
        recs = [r for r in d.contacts() if r["call_id"] == call]
        assert recs and recs[0]["attributes"]["callback_attempts"] == 3, recs
        assert recs[0]["attributes"]["callback_result"] == "failed", recs
        d.set_state("agent1", "logged_out")
        rc = d.stop()
        assert rc == 0 and "still allocated" not in d.stderr(), d.stderr()[-2000:]
    finally:
        d.close()


def test_api_callback_placed(binary):
    """A callback an agent schedules on the desktop (POST /callbacks) is placed like the IVR's
    when due: not before due_at; then agent1's phone rings, the customer is dialled through the
    trunk (busy: retried after the queue's delay), answers and is bridged; agent1's call (GET
    /me/call) carries the row's notes; the row ends done with its attempts and the contact
    record, which names the row's customer. A row's own max_attempts (1..20, else 422) wins over
    the queue's 3: with 1, one busy attempt and the row has failed, not retried. A voicemail
    message left in a menu is called back the same way, and agent1's call names the message."""
    d, trunk = own_daemon(binary)
    try:
        queue_put(d, 1, callback_attempts=3, callback_retry_ms=1000, wrapup="none")
        frm = "+49305558%03d" % random.randrange(1000)
        port = register(d, "1001")
        with Sipp("agent_answer.xml", args=["-m", 2], port=port) as phone:
            busy = Sipp("agent_busy.xml", args=["-m", 1], port=trunk)
            d.set_state("agent1", "ready")
            due = int(time.time() * 1000) + 3000
            cb = d.api("POST", "/api/v1/callbacks", {"queue_id": 1, "number": frm,
                                                      "customer_id": 1, "due_at": due,
                                                      "notes": "after lunch"},
                       user="agent1", expect=201)
            assert cb["created_by"] and cb["status"] == "pending", cb
            time.sleep(1.5)
            assert "INVITE" not in busy.log(), "dialled before due_at"
            busy.ok(30)
            assert time.time() * 1000 >= due
            busy.close()
            row = callbacks_of(d, frm, lambda c: c["attempts"] == 1)[0]
            assert row["id"] == cb["id"] and row["status"] in ("pending", "dialing"), row
            with Sipp("agent_hangup.xml", args=["-m", 1, "-d", 4000], port=trunk) as cust:
                call = wait_until(lambda: my_call(d, "agent1", lambda c: c["callback"]), 15,
                                  "the callback on agent1's call")
                assert call["callback"]["id"] == cb["id"], call
                assert call["callback"]["notes"] == "after lunch", call
                assert call["callback"]["max_attempts"] == 3, call
                assert call["callback"]["message_contact_id"] is None, call
                cust.ok(30)
                assert "INVITE sip:%s@" % frm in cust.log()
            phone.ok(20)
        row = callbacks_of(d, frm, lambda c: c["status"] == "done")[0]
        assert row["id"] == cb["id"] and row["attempts"] == 2 and row["contact_id"], row
        rec = [r for r in d.contacts() if r["id"] == row["contact_id"]][0]
        assert rec["agent_id"] == 1 and rec["customer_number"] == frm, rec
        assert rec["customer_id"] == 1, rec
        assert rec["attributes"]["callback_result"] == "completed", rec
        assert rec["attributes"]["callback_attempts"] == 2, rec
        api_callback_own_attempts(d, trunk, port)
        voicemail_callback_note(d, trunk, port)
        d.set_state("agent1", "logged_out")
        rc = d.stop()
        assert rc == 0 and "still allocated" not in d.stderr(), d.stderr()[-2000:]
    finally:
        d.close()


def my_call(d, user, pred):
    """GET /me/call as user, when pred holds for it (else None)."""
    c = d.api("GET", "/api/v1/me/call", user=user)
    return c if c.get("call_id") and pred(c) else None


def api_callback_own_attempts(d, trunk, port):
    """max_attempts out of 1..20: 422; max_attempts 1 (the queue says 3): one busy attempt, the
    row failed with 1 attempt, the ACD's callback failed too (not retried)."""
    due = int(time.time() * 1000)
    for bad in (0, 21, "2"):
        st, _, doc = d.json("POST", "/api/v1/callbacks", {"queue_id": 1, "number": "+4930555123",
                                                          "due_at": due, "max_attempts": bad},
                            token=d.token("agent1"))
        assert st == 422 and "max_attempts" in str(doc), (bad, st, doc)
    frm = "+49305559%03d" % random.randrange(1000)
    with Sipp("agent_answer.xml", args=["-m", 1], port=port) as phone, \
            Sipp("agent_busy.xml", args=["-m", 1], port=trunk) as busy:
        cb = d.api("POST", "/api/v1/callbacks", {"queue_id": 1, "number": frm, "due_at": due,
                                                  "max_attempts": 1}, user="agent1", expect=201)
        assert cb["max_attempts"] == 1, cb
        busy.ok(30)
        phone.ok(20)
    row = callbacks_of(d, frm, lambda c: c["status"] == "failed", timeout=10)[0]
    assert row["id"] == cb["id"] and row["attempts"] == 1, row
    time.sleep(2.5)  # the queue's retry delay (1 s) is long past: still one attempt
    row = callbacks_of(d, frm, lambda c: True)[0]
    assert row["status"] == "failed" and row["attempts"] == 1, row
    rec = [r for r in d.contacts() if r["id"] == row["contact_id"]][0]
    assert rec["attributes"]["callback_result"] == "failed", rec
    assert rec["attributes"]["callback_attempts"] == 1, rec
    assert events_of(d, ["callback-failed"], lambda e: e[1]["call"] == rec["call_id"])


def voicemail_callback_note(d, trunk, port):
    """A message left at a menu's record node (number 100, queue 1 open) is called back at once:
    while agent1 is on that callback, GET /me/call names the message (the row's note, the
    message's contact record and recording), and agent1 may play the message's recording (the
    bytes QA gets) until the wrap-up ends; agent2, not on that call, may not."""
    from test_telephony_vm import download, leave_message, voicemails
    menu = {"start": "vm", "nodes": {"vm": {"type": "record", "prompts": ["vm-intro"],
                                            "max_ms": 30000, "next": {"hangup": True}}}}
    d.api("PUT", "/api/v1/numbers/%d/menu" % number_id(d, "100"), {"menu": menu})
    settle()
    frm = "+49305554%03d" % random.randrange(1000)
    for u in ("agent1", "agent2", "qa1"):
        d.token(u)  # fetched here, not in the thread
    seen, heard, stop = [], [], threading.Event()

    def poll():
        while not stop.is_set() and not seen:
            c = my_call(d, "agent1", lambda c: c["callback"])
            if c:
                vm_id = c["callback"]["message_contact_id"]
                if vm_id:  # while the callback is on: the agent on it, another agent
                    heard.extend([download(d, vm_id, "agent1"), download(d, vm_id, "agent2")])
                seen.append(c)
            time.sleep(0.1)
    with Sipp("agent_answer.xml", args=["-m", 1], port=port) as phone, \
            Sipp("agent_hangup.xml", args=["-m", 1, "-d", 3000], port=trunk) as cust:
        th = threading.Thread(target=poll, daemon=True)
        th.start()
        try:
            leave_message(d, "100", frm)
            cust.ok(30)
            phone.ok(20)
        finally:
            stop.set()
            th.join()
    assert seen, "no callback on agent1's call"
    vm = wait_until(lambda: voicemails(d, frm), 10, "the voicemail contact record")[0]
    cb = seen[0]["callback"]
    assert cb["message_contact_id"] == vm["id"], (cb, vm)
    assert cb["message_has_recording"] is True and vm["has_recording"], (cb, vm)
    assert cb["notes"].startswith("voicemail waiting") and ("/%d.wav" % vm["id"]) in cb["notes"], cb
    assert seen[0]["customer_number"] == frm, seen[0]
    row = callbacks_of(d, frm, lambda c: c["status"] == "done")[0]
    assert row["id"] == cb["id"] and row["message_id"] == vm["id"], row
    qa = download(d, vm["id"], "qa1")
    assert qa[0] == 200 and qa[1]["content-type"] == "audio/wav" and len(qa[2]) > 1000, qa[:2]
    assert len(heard) == 2, heard
    assert heard[0][0] == 200 and heard[0][2] == qa[2], heard[0][:2]
    assert heard[1][0] == 404, heard[1][:2]  # agent2 is not on that callback
    st = download(d, vm["id"], "agent1")  # still on it in wrap-up (or already ready: 404)
    assert st[0] in (200, 404), st[:2]
    d.set_state("agent1", "ready")  # the wrap-up ends: the message is no longer agent1's
    assert download(d, vm["id"], "agent1")[0] == 404


def test_ivr_and_api_callbacks_apart(binary):
    """Callback requests made in the menu (after hours) and callbacks scheduled through the API
    share the callbacks table without taking each other's row: an IVR request, then an API
    callback, then a second IVR request: all three rows are there, each once."""
    d, _ = own_daemon(binary)
    try:
        close_with_callback(d, 2)
        base = random.randrange(100, 900)
        first, api_no, second = ["+49305556%03d" % (base + i) for i in range(3)]

        def ask(frm):
            c = IvrCaller(d, "101", frm)
            try:
                assert c.call() == 200
                c.wait_bye(15)
            finally:
                c.close()
            return callbacks_of(d, frm, lambda c: c["status"] == "pending")
        ask(first)
        due = int(time.time() * 1000) + 3600 * 1000
        cb = d.api("POST", "/api/v1/callbacks", {"queue_id": 2, "number": api_no, "due_at": due},
                   user="agent1", expect=201)
        ask(second)
        rows = [c for c in d.api("GET", "/api/v1/callbacks?limit=200")["items"]
                if c["number"] in (first, api_no, second)]
        assert sorted(c["number"] for c in rows) == sorted([first, api_no, second]), rows
        assert len({c["id"] for c in rows}) == 3, rows
        assert [c for c in rows if c["number"] == api_no][0]["id"] == cb["id"], rows
        rc = d.stop()
        assert rc == 0 and "still allocated" not in d.stderr(), d.stderr()[-2000:]
    finally:
        d.close()


def test_stop(binary):
    """Stopping with a caller in a menu and one queued with announcements: both hung up, nothing
    leaked (the daemon's exit checks)."""
    d = daemon(binary)
    d.api("PUT", "/api/v1/numbers/%d/menu" % number_id(d, "100"), {"menu": MENU})
    settle()
    callers = [IvrCaller(d, "100", "+4930555601"), IvrCaller(d, "102", "+4930555602")]
    try:
        for c in callers:
            assert c.call() == 200
        time.sleep(1)
        _D.clear()
        d.__exit__(None, None, None)
        for c in callers:
            c.wait_bye(5)
    finally:
        for c in callers:
            c.close()


if __name__ == "__main__":
    run([test_menu_rfc4733_spanish, test_menu_info_english, test_menu_no_key,
         test_announcements_callback, test_after_hours_message_queue,
         test_after_hours_callback, test_post_call_survey, test_queued_anonymous_callback,
         test_stop, test_callback_attempts_survive_restart, test_api_callback_placed,
         test_ivr_and_api_callbacks_apart])
