"""Integration: voicemail-style messages (after hours and a menu's record node) and German prompts made by espeak-ng, with a raw SIP caller: prompts recognised in RTP, the message's WAV and contact record, its download and its erasure."""
import io
import math
import os
import random
import struct
import time
import wave

from sbtest import run
from telx import ULAW, Daemon
from test_telephony_ivr import (IvrCaller, _corr, _wav_frames, fingerprint, heard, number_id,
                                settle, wait_until)


def ulaw_tone(hz, amp=8000):
    """One 20 ms G.711 u-law frame of a sine (160 samples; whole periods for 400 Hz)."""
    out = bytearray()
    for i in range(160):
        x = amp * math.sin(2 * math.pi * hz * i / 8000.0)
        out.append(min(range(256), key=lambda b: abs(ULAW[b] - x)))
    return bytes(out)


def voicemails(d, frm):
    return [r for r in d.contacts() if r["customer_number"] == frm
            and (r.get("attributes") or {}).get("kind") == "voicemail"]


def wav_mono(data):
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000), \
            w.getparams()
        raw = w.readframes(w.getnframes())
    return struct.unpack("<%dh" % (len(raw) // 2), raw)


def tone_share(samples, hz):
    """Share of 20 ms frames of the samples that are mostly a sine of hz."""
    ref_s = [math.sin(2 * math.pi * hz * i / 8000.0) for i in range(160)]
    ref_c = [math.cos(2 * math.pi * hz * i / 8000.0) for i in range(160)]
    frames = [samples[i:i + 160] for i in range(0, len(samples) - 159, 160)]
    n = 0
    for f in frames:
        e = sum(x * x for x in f)
        if e < 160 * 1000 * 1000:
            continue
        p = (sum(x * y for x, y in zip(f, ref_s)) ** 2 + sum(x * y for x, y in zip(f, ref_c)) ** 2)
        if p / (e * 80) > 0.8:
            n += 1
    return n, len(frames)


def download(d, contact_id, user="qa1"):
    return d.request("GET", "/api/v1/qa/contacts/%d/recording" % contact_id, token=d.token(user))


def after_hours_record(d):
    """Queue 2 (number 101) closed, after-hours action record: prompt, beep, the caller speaks
    (a 400 Hz tone) and presses '#': thanks, goodbye; a mono WAV on a voicemail contact record,
    downloadable by QA; erasing the customer deletes it."""
    d.api("PUT", "/api/v1/queues/2/hours", {"hours": {"weekly": {}, "after_hours": {
        "action": "record", "prompt": "vm-intro", "max_ms": 30000}}})
    settle()
    frm = "+49305554%03d" % random.randrange(1000)
    c = IvrCaller(d, "101", frm)
    try:
        assert c.call() == 200
        wait_until(lambda: heard(c, fingerprint("en", "beep")), 20, "the beep")
        c.voice = ulaw_tone(400)
        time.sleep(2.5)
        c.voice = None
        t_key = time.time()
        c.rfc4733("#")
        c.wait_bye(15)
        assert heard(c, fingerprint("en", "vm-intro")), "no prompt"
        assert heard(c, fingerprint("en", "vm-msgsaved"), since=t_key), "no thanks"
    finally:
        c.close()
    r = wait_until(lambda: voicemails(d, frm), 10, "the voicemail contact record")[0]
    assert r["queue_id"] == 2 and r["system_number"] == "101", r
    assert r["attributes"]["ended_by"] == "key", r
    assert 2000 <= r["attributes"]["duration_ms"] <= 6000, r
    code, _, body = wait_until(lambda: (lambda x: x if x[0] == 200 else None)(
        download(d, r["id"])), 10, "the recording")
    s = wav_mono(body)
    assert 2.0 <= len(s) / 8000.0 <= 6.0, len(s)
    n, total = tone_share(s, 400)
    assert n >= 2.0 / 0.02 * 0.8, (n, total)  # the 2.5 s the caller spoke
    assert download(d, r["id"], "agent1")[0] == 404  # not an agent's call
    # erasing the customer with that number deletes the message
    cust = d.api("POST", "/api/v1/customers", {"name": "Vm Caller", "client_id": 1,
                                                "phones": [{"number": frm}]}, expect=201)
    files = [os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(d.data, "recordings"))
             for f in fs]
    assert len(files) >= 1, files
    out = d.api("DELETE", "/api/v1/customers/%d" % cust["id"])
    assert out["recordings_deleted"] == 1, out
    wait_until(lambda: download(d, r["id"])[0] == 404, 5, "the recording gone")
    left = [f for f in files if os.path.exists(f)]
    assert len(left) == len(files) - 1, (files, left)


def menu_record_silence(d):
    """A menu's record node: the message ends after 5 s of silence, then the node's next."""
    menu = {"start": "vm", "nodes": {
        "vm": {"type": "record", "prompts": ["vm-intro"], "max_ms": 60000,
               "next": {"hangup": True}}}}
    d.api("PUT", "/api/v1/numbers/%d/menu" % number_id(d, "100"), {"menu": menu})
    settle()
    frm = "+49305555%03d" % random.randrange(1000)
    c = IvrCaller(d, "100", frm)
    try:
        assert c.call() == 200
        wait_until(lambda: heard(c, fingerprint("en", "beep")), 20, "the beep")
        c.voice = ulaw_tone(400)
        time.sleep(1.5)
        c.voice = None
        t_quiet = time.time()
        c.wait_bye(15)
        assert time.time() - t_quiet >= 4.5, "ended before the silence timeout"
        assert heard(c, fingerprint("en", "vm-msgsaved"), since=t_quiet), "no thanks"
    finally:
        c.close()
    r = wait_until(lambda: voicemails(d, frm), 10, "the voicemail contact record")[0]
    assert r["attributes"]["ended_by"] == "silence", r
    assert r["system_number"] == "100", r
    s = wav_mono(wait_until(lambda: (lambda x: x[2] if x[0] == 200 else None)(
        download(d, r["id"])), 10, "the recording"))
    assert 5.5 <= len(s) / 8000.0 <= 9.0, len(s)


def german_prompt(d, binary):
    """A menu in German plays the espeak-ng prompt (tools/prompts.sh, built beside the binary)."""
    gen = os.path.join(os.path.dirname(os.path.abspath(binary)), "prompts", "de",
                       "dir-welcome.wav")
    assert os.path.exists(gen), gen
    frames = _wav_frames(gen)[:75]
    fp = [frames[i] for i in sorted(range(len(frames)),
                                    key=lambda i: -sum(x * x for x in frames[i]))[:4]]
    en = fingerprint("en", "dir-welcome")
    assert max(_corr(a, b) for a in fp for b in en) < 0.9  # not the English one
    menu = {"languages": ["de"], "start": "main", "nodes": {
        "main": {"type": "menu", "prompts": ["dir-welcome"], "timeout_ms": 3000, "retries": 0,
                 "choices": {"1": {"hangup": True}}}}}
    d.api("PUT", "/api/v1/numbers/%d/menu" % number_id(d, "100"), {"menu": menu})
    settle()
    c = IvrCaller(d, "100", "+49305556%03d" % random.randrange(1000))
    try:
        assert c.call() == 200
        wait_until(lambda: heard(c, fp), 10, "the German prompt")
        assert not heard(c, en), "the English prompt"
        c.rfc4733("1")
        c.wait_bye(10)
    finally:
        c.close()


def test_menu_transfer_to_number(binary):
    """A menu's transfer destination: the caller leaves for the number through the trunk and the
    two hear each other; without a trunk the caller hears "sorry", goodbye."""
    from telx import free_port
    from test_telephony_xfer import TONES, Party, Phone, assert_hears, listen, wait_for
    menu = {"start": "main", "nodes": {
        "main": {"type": "menu", "prompts": ["vm-press"], "timeout_ms": 800, "retries": 0,
                 "choices": {"1": {"queue": 1}},
                 "on_fail": {"transfer": "+4930999777"}}}}
    trunk_port = free_port()
    with Daemon(binary, settings={"sip_min_expires": 2},
                args=["--trunk", "127.0.0.1:%d" % trunk_port]) as d:
        trunk = Phone(d, "trunk", TONES["trunk"], registered=False, port=trunk_port)
        c = None
        try:
            d.api("PUT", "/api/v1/numbers/%d/menu" % number_id(d, "100"), {"menu": menu})
            settle()
            c = Party(d, TONES["caller"], number="100")
            assert c.call() == 200
            wait_for(lambda: trunk.dialog, what="the trunk answered")
            assert trunk.invites[-1].startswith("sip:+4930999777@"), trunk.invites
            win = listen([c, trunk])
            assert_hears(c, "caller", "trunk", win)
            assert_hears(trunk, "trunk", "caller", win)
            trunk.hangup()
            wait_for(lambda: getattr(c, "bye_received", False), what="caller hung up")
        finally:
            if c:
                c.close()
            trunk.close()
    # no trunk: sorry, goodbye
    d = daemon(binary)
    d.api("PUT", "/api/v1/numbers/%d/menu" % number_id(d, "100"), {"menu": menu})
    settle()
    c = IvrCaller(d, "100", "+4930555801")
    try:
        assert c.call() == 200
        c.wait_bye(10)
        assert heard(c, fingerprint("en", "sorry")), "no sorry"
    finally:
        c.close()


def test_menu_to_agent(binary):
    """A menu's "agent" destination: the caller is put through to agent2's phone (extension
    1002; the two hear each other, agent2 is "other" for the ACD meanwhile and ready again
    after); an agent who is not ready: "sorry", goodbye. A bad extension is refused."""
    from test_telephony_xfer import TONES, Party, Phone, assert_hears, listen, wait_for
    menu = {"start": "main", "nodes": {
        "main": {"type": "menu", "prompts": ["vm-press"], "timeout_ms": 800, "retries": 0,
                 "choices": {"1": {"queue": 1}, "2": {"agent": "1002"}},
                 "on_fail": {"agent": "1002"}}}}
    with Daemon(binary, settings={"sip_min_expires": 2}) as d:
        nid = number_id(d, "100")
        bad = {"start": "main", "nodes": {"main": dict(menu["nodes"]["main"],
                                                       on_fail={"agent": "10a2"})}}
        st, _, doc = d.json("PUT", "/api/v1/numbers/%d/menu" % nid, {"menu": bad},
                            token=d.token("admin"))
        assert st == 422 and "agent" in str(doc), (st, doc)
        d.api("PUT", "/api/v1/numbers/%d/menu" % nid, {"menu": menu})
        settle()
        p2 = Phone(d, "1002", TONES["agent2"])
        c = None
        try:
            d.set_state("agent2", "ready")
            c = Party(d, TONES["caller"], number="100")
            assert c.call() == 200
            wait_for(lambda: p2.dialog, what="agent2's phone answered")
            assert p2.invites[-1].startswith("sip:1002@"), p2.invites
            d.wait_agent(2, lambda a: a["state"]["state"] == "other", what="agent2 other")
            win = listen([c, p2])
            assert_hears(c, "caller", "agent2", win)
            assert_hears(p2, "agent2", "caller", win)
            assert c.hangup() == 200
            wait_for(lambda: p2.byes >= 1, what="agent2's phone hung up")
            d.wait_agent(2, lambda a: a["state"]["state"] == "ready", what="agent2 ready again")
        finally:
            if c:
                c.close()
            p2.close()
        # agent2 not ready: the caller hears sorry and is hung up
        d.set_state("agent2", "not_ready", reason=101)
        c = IvrCaller(d, "100", "+4930555802")
        try:
            assert c.call() == 200
            c.wait_bye(10)
            assert heard(c, fingerprint("en", "sorry")), "no sorry"
        finally:
            c.close()
        d.set_state("agent2", "logged_out")


_D = {}


def daemon(binary):
    if "d" not in _D:
        _D["d"] = Daemon(binary, settings={"sip_min_expires": 2}).__enter__()
    return _D["d"]


def test_after_hours_voicemail(binary):
    after_hours_record(daemon(binary))


def test_menu_record_silence(binary):
    menu_record_silence(daemon(binary))


def test_german_prompts(binary):
    german_prompt(daemon(binary), binary)


def test_stop(binary):
    """Stopping while a caller leaves a message: the message is kept, nothing leaked."""
    d = daemon(binary)
    menu = {"start": "vm", "nodes": {
        "vm": {"type": "record", "prompts": ["vm-intro"], "max_ms": 60000,
               "next": {"hangup": True}}}}
    d.api("PUT", "/api/v1/numbers/%d/menu" % number_id(d, "100"), {"menu": menu})
    settle()
    c = IvrCaller(d, "100", "+4930555701")
    try:
        assert c.call() == 200
        wait_until(lambda: heard(c, fingerprint("en", "beep")), 20, "the beep")
        c.voice = ulaw_tone(400)
        time.sleep(1)
        _D.clear()
        d.__exit__(None, None, None)
        c.wait_bye(5)
    finally:
        c.close()


if __name__ == "__main__":
    run([test_after_hours_voicemail, test_menu_record_silence, test_german_prompts,
         test_menu_transfer_to_number, test_menu_to_agent, test_stop])
