"""Integration: call recording against the real daemon: baresip as agent1's phone (a 1000 Hz tone), a caller sending 440 Hz; the WAV checked sample by sample: both parties, duration, pauses by API and by the agent's DTMF (*1), on-demand start, 'off' queues, download rights, retention, customer erasure."""
import io
import os
import signal
import sqlite3
import struct
import time
import wave

from sbtest import run
from telx import Baresip, Caller, Daemon, Sipp, register, tone_power

CALLER = "+4930555123"
FRAME = 160  # 20 ms at 8 kHz


def settings(**kw):
    s = {"sip_min_expires": 2, "recording_sweep_ms": 200, "recording_day_ms": 1000}
    s.update(kw)
    return s


def set_queue(d, **fields):
    return d.api("PUT", "/api/v1/queues/1", fields)


def phone_ready(d, phone):
    end = time.time() + 10
    while "200 OK" not in phone.output():
        assert time.time() < end, phone.output()
        time.sleep(0.05)
    d.set_state("agent1", "ready")


def talking(d):
    return d.wait_agent(1, lambda a: a["state"]["state"] == "talking", what="talking")


def contact(d, call, pred=lambda r: True, timeout=10):
    end = time.time() + timeout
    while True:
        recs = [r for r in d.contacts() if r["call_id"] == call]
        if recs and pred(recs[0]):
            return recs[0]
        assert time.time() < end, ("contact record", call, recs)
        time.sleep(0.05)


def recording_ref(d, contact_id):
    """contacts.recording_ref (the API hides it: only the QA player serves the file)."""
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(d.data, "switchboard.db"), uri=True,
                          timeout=10)
    try:
        row = con.execute("SELECT recording_ref FROM contacts WHERE id = ?",
                          (contact_id,)).fetchone()
    finally:
        con.close()
    return row[0] if row else None


def wait_recording(d, timeout=10):
    """The recording state once it is recording (a consent prompt may come first)."""
    end = time.time() + timeout
    while True:
        st = rec_state(d)
        if st["state"] == "recording":
            return st
        assert time.time() < end, st
        time.sleep(0.05)


def rec_state(d, user="agent1", expect=200):
    return d.api("GET", "/api/v1/me/call/recording", user=user, expect=expect)


def rec_action(d, action, user="agent1", expect=200):
    return d.api("POST", "/api/v1/me/call/recording", {"action": action}, user=user, expect=expect)


def download(d, contact_id, user):
    return d.request("GET", "/api/v1/qa/contacts/%d/recording" % contact_id, token=d.token(user))


def wav_channels(data):
    """(rate, left samples, right samples) of a stereo 16-bit WAV."""
    with wave.open(io.BytesIO(data)) as w:
        assert w.getnchannels() == 2 and w.getsampwidth() == 2, w.getparams()
        rate = w.getframerate()
        raw = w.readframes(w.getnframes())
    s = struct.unpack("<%dh" % (len(raw) // 2), raw)
    return rate, s[0::2], s[1::2]


def frames(samples):
    return [samples[i:i + FRAME] for i in range(0, len(samples) - FRAME + 1, FRAME)]


def with_tone(fs, freq):
    return sum(1 for f in fs if tone_power(f, freq) > 0.5)


def silent_runs(left, right):
    """Runs of 20 ms frames where both channels are exactly zero: [(start s, length s)]."""
    runs, start = [], None
    lf, rf = frames(left), frames(right)
    for i, (a, b) in enumerate(zip(lf, rf)):
        quiet = not any(a) and not any(b)
        if quiet and start is None:
            start = i
        if not quiet and start is not None:
            runs.append((start * 0.02, (i - start) * 0.02))
            start = None
    if start is not None:
        runs.append((start * 0.02, (len(lf) - start) * 0.02))
    return runs


def recording_files(d):
    out = []
    for root, _, files in os.walk(os.path.join(d.data, "recordings")):
        out += [os.path.join(root, f) for f in files]
    return out


def wait_file_complete(d, ref, timeout=5):
    """The WAV once the writer completed its header (data size filled in)."""
    path = os.path.join(d.data, ref)
    end = time.time() + timeout
    while True:
        try:
            with open(path, "rb") as f:
                data = f.read()
            if len(data) > 44 and struct.unpack("<I", data[40:44])[0] == len(data) - 44:
                return data
        except OSError:
            pass
        assert time.time() < end, "recording %s never completed" % path
        time.sleep(0.05)


def one_call(d, talk_s, during=None):
    """A caller talks to agent1 for talk_s seconds (during(d) runs once connected); returns the
    call id."""
    c = Caller(d, frm=CALLER, tone=440, listen=1000)
    try:
        assert c.call() == 200
        call = talking(d)["state"]["call_id"]
        if during:
            during(d)
        else:
            time.sleep(talk_s)
        assert c.hangup() == 200
    finally:
        c.close()
    d.wait_agent(1, lambda a: a["state"]["state"] == "wrap-up", what="wrap-up")
    return call


def test_always_records_both_parties(binary):
    """An 'always' queue: the WAV holds the caller (left, 440 Hz) and the agent (right, 1000 Hz)
    for the length of the conversation; a QA user downloads it, another agent cannot."""
    with Daemon(binary, settings=settings()) as d, Baresip(d, "1001", tone=1000) as phone:
        q = set_queue(d, recording="always")
        assert q["recording"] == "always" and q["recording_retention_days"] == 0, q
        phone_ready(d, phone)
        states = []
        call = one_call(d, 3, during=lambda d: (time.sleep(0.5), states.append(rec_state(d)),
                                                time.sleep(3)))
        st = states[0]
        assert st["mode"] == "always" and st["state"] == "recording", st
        assert st["recording_ref"].startswith("recordings/") and st["call_id"] == call, st
        r = contact(d, call, lambda r: r["t_disconnected"] is not None)
        data = wait_file_complete(d, st["recording_ref"])
        rate, left, right = wav_channels(data)
        assert rate == 8000
        seconds = len(left) / 8000.0
        talk = (r["t_disconnected"] - r["t_connected"]) / 1000.0
        assert abs(seconds - talk) < 0.5, (seconds, talk)
        lf, rf = frames(left), frames(right)
        assert with_tone(lf, 440) >= 0.8 * len(lf), (with_tone(lf, 440), len(lf))
        assert with_tone(rf, 1000) >= 0.8 * len(rf), (with_tone(rf, 1000), len(rf))
        assert with_tone(lf, 1000) == 0 and with_tone(rf, 440) == 0  # channels kept apart
        # the contact record names the file; the QA player gets it
        assert recording_ref(d, st["contact_id"]) == st["recording_ref"]
        assert r["id"] == st["contact_id"], r
        code, hdrs, body = download(d, st["contact_id"], "qa1")
        assert code == 200 and hdrs["content-type"] == "audio/wav", (code, hdrs)
        assert body == data
        assert download(d, st["contact_id"], "agent1")[0] == 200  # their own call
        assert download(d, st["contact_id"], "agent2")[0] == 404  # not theirs
        assert download(d, st["contact_id"], "planner1")[0] == 403  # no QA rights at all
        evs = [e for e in d.events(0) if e[0].startswith("recording-")]
        assert [e[0] for e in evs] == ["recording-start", "recording-stop"], evs
        assert evs[0][1]["contact"] == st["contact_id"] and evs[0][1]["agent"] == 1, evs


def test_pause_by_api_and_dtmf(binary):
    """Paused twice, by the API and by *1 from the agent's phone: silence where paused, both
    tones elsewhere; every pause and resume is an event."""
    with Daemon(binary, settings=settings()) as d, \
            Baresip(d, "1001", tone=1000, extra=["module_app menu.so"]) as phone:
        set_queue(d, recording="always")
        phone_ready(d, phone)
        seen = {}

        def key(k):
            phone.command("sndcode", k)
            time.sleep(0.3)

        def during(d):
            time.sleep(1.2)
            t0 = time.time()
            seen["p1"] = rec_action(d, "pause")
            t1 = time.time()
            rec_action(d, "pause", expect=409)  # already paused
            time.sleep(1.5)
            t2 = time.time()
            seen["r1"] = rec_action(d, "resume")
            t3 = time.time()
            seen["api"] = (t2 - t1, t3 - t0)  # the pause lasted between these two
            time.sleep(1.2)
            phone.command("sndcode", "*")
            time.sleep(0.3)
            t0 = time.time()
            key("1")
            seen["p2"] = rec_state(d)
            time.sleep(1.2)
            phone.command("sndcode", "*")
            time.sleep(0.3)
            t1 = time.time()
            phone.command("sndcode", "1")
            t2 = time.time()
            time.sleep(0.3)
            seen["r2"] = rec_state(d)
            seen["dtmf"] = (t1 - t0 - 0.1, t2 - t0 + 0.3)
            time.sleep(1.0)

        call = one_call(d, 0, during)
        assert seen["p1"]["state"] == "paused" and seen["r1"]["state"] == "recording", seen
        assert seen["p2"]["state"] == "paused" and seen["r2"]["state"] == "recording", seen
        contact(d, call, lambda r: r["t_disconnected"] is not None)
        data = wait_file_complete(d, seen["p1"]["recording_ref"])
        _, left, right = wav_channels(data)
        runs = [r for r in silent_runs(left, right) if r[1] >= 0.5]
        assert len(runs) == 2, runs
        (s1, l1), (s2, l2) = runs
        lo, hi = seen["api"]
        assert 1.0 <= s1 <= 3.0 and lo - 0.1 <= l1 <= hi + 0.1, (runs, seen["api"])
        lo, hi = seen["dtmf"]
        assert lo - 0.1 <= l2 <= hi + 0.2, (runs, seen["dtmf"])  # *1 ... *1
        assert s2 > s1 + l1 + 0.8, runs
        # outside the pauses both parties are there
        lf, rf = frames(left), frames(right)
        talk = len(lf) - int((l1 + l2) / 0.02)
        assert with_tone(lf, 440) >= 0.8 * talk, (with_tone(lf, 440), talk)
        assert with_tone(rf, 1000) >= 0.75 * talk, (with_tone(rf, 1000), talk)
        evs = [(e[0], e[1]["by"]) for e in d.events(0) if e[0].startswith("recording-")]
        assert evs == [("recording-start", "queue"), ("recording-pause", "api"),
                       ("recording-resume", "api"), ("recording-pause", "dtmf"),
                       ("recording-resume", "dtmf"), ("recording-stop", "call")], evs


def test_pause_by_sip_info(binary):
    """*1 as SIP INFO (dtmf-relay) from a SIPp phone pauses and resumes: the caller's channel
    is silent exactly for that stretch (the phone sends no audio: its channel is all silence)."""
    with Daemon(binary, settings=settings()) as d:
        set_queue(d, recording="always")
        port = register(d, "1001")
        with Sipp("agent_info_dtmf.xml", args=["-m", 1], port=port) as ph:
            d.set_state("agent1", "ready")
            c = Caller(d, frm=CALLER, tone=440, listen=1000)
            try:
                assert c.call() == 200
                call = talking(d)["state"]["call_id"]
                st = rec_state(d)
                time.sleep(5.0)
                assert c.hangup() == 200
            finally:
                c.close()
            ph.ok()
        contact(d, call, lambda r: r["t_disconnected"] is not None)
        data = wait_file_complete(d, st["recording_ref"])
        _, left, right = wav_channels(data)
        assert not any(right)
        runs = [r for r in silent_runs(left, right) if r[1] >= 0.5]
        assert len(runs) == 1, runs
        s1, l1 = runs[0]
        assert 1.2 <= s1 <= 3.5 and 1.3 <= l1 <= 2.5, runs  # 1.5 s between the INFOs
        lf = frames(left)
        assert with_tone(lf, 440) >= 0.8 * (len(lf) - l1 / 0.02), (with_tone(lf, 440), len(lf))
        evs = [(e[0], e[1]["by"]) for e in d.events(0) if e[0].startswith("recording-")]
        assert evs == [("recording-start", "queue"), ("recording-pause", "dtmf"),
                       ("recording-resume", "dtmf"), ("recording-stop", "call")], evs


def test_on_demand_and_off(binary):
    """'off' queues make no file and refuse a start; 'on_demand' records from the agent's
    start only."""
    with Daemon(binary, settings=settings()) as d, Baresip(d, "1001", tone=1000) as phone:
        phone_ready(d, phone)
        seen = {}

        def off(d):
            seen["st"] = rec_state(d)
            seen["start"] = rec_action(d, "start", expect=409)
            time.sleep(1.5)

        call = one_call(d, 0, off)
        assert seen["st"]["mode"] == "off" and seen["st"]["state"] == "off", seen
        assert "does not record" in seen["start"]["error"]["message"], seen
        cid = contact(d, call, lambda r: r["t_disconnected"] is not None)["id"]
        assert recording_ref(d, cid) is None
        assert download(d, cid, "qa1")[0] == 404
        assert recording_files(d) == []
        d.api("POST", "/api/v1/me/wrapup", {}, user="agent1", expect=None)
        # no call: nothing to control, and the status says so
        assert rec_state(d) == {"mode": None, "state": "no_call", "call_id": None,
                                "contact_id": None, "recording_ref": None}
        assert rec_action(d, "start", expect=409)["error"]["code"] == "conflict"

        set_queue(d, recording="on_demand")
        d.set_state("agent1", "ready")

        def on_demand(d):
            seen["before"] = rec_state(d)
            rec_action(d, "pause", expect=409)  # nothing started
            time.sleep(1.0)
            seen["start"] = rec_action(d, "start")
            rec_action(d, "start", expect=409)
            time.sleep(2.0)

        call = one_call(d, 0, on_demand)
        assert seen["before"]["mode"] == "on_demand" and seen["before"]["state"] == "off", seen
        assert seen["start"]["state"] == "recording", seen
        r = contact(d, call, lambda r: r["t_disconnected"] is not None)
        data = wait_file_complete(d, seen["start"]["recording_ref"])
        _, left, right = wav_channels(data)
        seconds = len(left) / 8000.0
        talk = (r["t_disconnected"] - r["t_connected"]) / 1000.0
        assert 1.6 <= seconds <= talk - 0.8, (seconds, talk)
        assert with_tone(frames(left), 440) >= 0.8 * len(frames(left))
        files = recording_files(d)
        assert files == [os.path.join(d.data, seen["start"]["recording_ref"])], files
        # the invalid inputs of the queue setting and the route
        d.api("PUT", "/api/v1/queues/1", {"recording": "sometimes"}, expect=422)
        d.api("PUT", "/api/v1/queues/1", {"recording_consent": "../etc/passwd"}, expect=422)
        d.api("PUT", "/api/v1/queues/1", {"recording_retention_days": -1}, expect=422)
        rec_action(d, "stop", expect=422)


def test_retention_and_consent(binary):
    """A consent prompt plays before the agent; the file and its reference are gone after the
    queue's retention (a 'day' is 1 s here), and the deletion is logged."""
    with Daemon(binary, settings=settings()) as d, Baresip(d, "1001", tone=1000) as phone:
        q = set_queue(d, recording="always", recording_retention_days=2,
                      recording_consent="conf-now-recording")
        assert q["recording_consent"] == "conf-now-recording", q
        phone_ready(d, phone)
        seen = {}
        c = Caller(d, frm=CALLER, tone=440, listen=2000)
        try:
            assert c.call() == 200
            call = talking(d)["state"]["call_id"]
            seen["before"] = rec_state(d)
            seen["st"] = wait_recording(d)
            time.sleep(1.5)
            assert c.hangup() == 200
        finally:
            c.close()
        # the agent answered at once, but the caller heard the prompt to its end first
        assert seen["before"]["state"] == "off", seen
        with wave.open("/usr/share/asterisk/sounds/en/conf-now-recording.wav") as w:
            prompt_s = w.getnframes() / 8000.0
        ref = seen["st"]["recording_ref"]
        path = os.path.join(d.data, ref)
        wait_file_complete(d, ref)
        r = contact(d, call, lambda r: r["t_disconnected"] is not None)
        end = time.time() + 10
        while os.path.exists(path):
            assert time.time() < end, "not deleted after its retention"
            time.sleep(0.1)
        gone = time.time() * 1000
        assert gone - r["t_disconnected"] >= 1800, (gone, r["t_disconnected"])
        while recording_ref(d, r["id"]) is not None:  # cleared by the store, the file by the writer
            assert time.time() < end, "recording_ref not cleared"
            time.sleep(0.05)
        evs = d.wait_events(["recording-delete"])
        dels = [e[1] for e in evs if e[0] == "recording-delete"]
        assert dels == [{"contact": seen["st"]["contact_id"], "by": "retention"}], dels
        assert download(d, seen["st"]["contact_id"], "qa1")[0] == 404
        # the recording began once the prompt ended, after the connect
        start = [e for e in evs if e[0] == "recording-start"][0]
        connect = [e for e in evs if e[0] == "call-connect" and e[1].get("call") == call][0]
        assert prompt_s - 0.3 <= (start[1]["time"] - connect[1]["time"]) / 1000.0 \
            <= prompt_s + 1.0, (start, connect, prompt_s)


def test_stop_completes_the_file(binary):
    """SIGTERM during a recorded call: the daemon hangs up and the file is complete."""
    with Daemon(binary, settings=settings()) as d, Baresip(d, "1001", tone=1000) as phone:
        set_queue(d, recording="always")
        phone_ready(d, phone)
        c = Caller(d, frm=CALLER, tone=440, listen=1000)
        try:
            assert c.call() == 200
            talking(d)
            st = rec_state(d)
            time.sleep(2.0)
            data_dir = d.data
            rc = d.stop()
            assert rc == 0, (rc, d.stderr())
        finally:
            c.close()
        with open(os.path.join(data_dir, st["recording_ref"]), "rb") as f:
            data = f.read()
        assert struct.unpack("<I", data[40:44])[0] == len(data) - 44
        _, left, right = wav_channels(data)
        assert 1.8 <= len(left) / 8000.0 <= 3.0, len(left)
        assert with_tone(frames(left), 440) >= 0.8 * len(frames(left))


def test_erasure_deletes_the_file(binary):
    """Erasing the customer linked to a recorded call deletes the file."""
    with Daemon(binary, settings=settings()) as d, Baresip(d, "1001", tone=1000) as phone:
        set_queue(d, recording="always")
        phone_ready(d, phone)
        seen = {}
        call = one_call(d, 0, lambda d: (seen.update(st=rec_state(d)), d.api(
            "PUT", "/api/v1/me/call/customer", {"customer_id": 1}, user="agent1"),
            time.sleep(1.0)))
        ref = seen["st"]["recording_ref"]
        wait_file_complete(d, ref)
        cid = contact(d, call, lambda r: r["t_disconnected"] is not None)["id"]
        assert recording_ref(d, cid) == ref
        out = d.api("DELETE", "/api/v1/customers/1")
        assert out["recordings_deleted"] == 1, out
        assert not os.path.exists(os.path.join(d.data, ref))
        assert recording_files(d) == []


def test_hold_not_recorded(binary):
    """While the call is on hold (the desktop's hold: the caller hears music) nothing is
    recorded: both channels are silence for that stretch, then both parties again; the pause and
    resume are events by "hold"."""
    with Daemon(binary, settings=settings()) as d, Baresip(d, "1001", tone=1000) as phone:
        set_queue(d, recording="always")
        phone_ready(d, phone)
        seen = {}

        def during(d):
            seen["st"] = wait_recording(d)
            time.sleep(1.2)
            t0 = time.time()
            d.api("POST", "/api/v1/me/call/hold", {"hold": True}, user="agent1")
            t1 = time.time()
            d.wait_agent(1, lambda a: a["state"]["state"] == "hold", what="hold")
            time.sleep(1.5)
            t2 = time.time()
            d.api("POST", "/api/v1/me/call/hold", {"hold": False}, user="agent1")
            t3 = time.time()
            seen["hold"] = (t2 - t1, t3 - t0)
            seen["during"] = rec_state(d)
            time.sleep(1.2)

        call = one_call(d, 0, during)
        assert seen["during"]["state"] == "recording", seen  # the agent did not pause
        contact(d, call, lambda r: r["t_disconnected"] is not None)
        data = wait_file_complete(d, seen["st"]["recording_ref"])
        _, left, right = wav_channels(data)
        runs = [r for r in silent_runs(left, right) if r[1] >= 0.5]
        assert len(runs) == 1, runs
        start, length = runs[0]
        lo, hi = seen["hold"]
        assert 0.8 <= start <= 2.5 and lo - 0.15 <= length <= hi + 0.25, (runs, seen["hold"])
        # outside the hold both parties are there (the caller's music never is)
        lf, rf = frames(left), frames(right)
        talk = len(lf) - int(length / 0.02)
        assert with_tone(lf, 440) >= 0.8 * talk, (with_tone(lf, 440), talk)
        assert with_tone(rf, 1000) >= 0.75 * talk, (with_tone(rf, 1000), talk)
        evs = [(e[0], e[1]["by"]) for e in d.events(0) if e[0].startswith("recording-")]
        assert evs == [("recording-start", "queue"), ("recording-pause", "hold"),
                       ("recording-resume", "hold"), ("recording-stop", "call")], evs


def test_crash_repaired_at_start(binary):
    """SIGKILL during a recorded call leaves the WAV header saying 0 bytes; the next start sets
    its RIFF and data sizes from the file's length: a valid, playable file, still named by its
    contact record (closed as interrupted) and served to QA."""
    d = Daemon(binary, settings=settings())
    try:
        phone = Baresip(d, "1001", tone=1000)
        c = Caller(d, frm=CALLER, tone=440, listen=1000)
        try:
            set_queue(d, recording="always")
            phone_ready(d, phone)
            assert c.call() == 200
            talking(d)
            st = wait_recording(d)
            time.sleep(2.6)  # at least two 1 s blocks reach the file
            d.stop(sig=signal.SIGKILL)
        finally:
            c.close()
            phone.close()
        path = os.path.join(d.data, st["recording_ref"])
        with open(path, "rb") as f:
            broken = f.read()
        assert len(broken) >= 44 + 8000 * 4, len(broken)  # a second of stereo samples at least
        assert struct.unpack("<I", broken[40:44])[0] == 0, "the header was complete already"
        d._tokens = {}
        d.start()
        end = time.time() + 10
        while True:
            with open(path, "rb") as f:
                data = f.read()
            riff, = struct.unpack("<I", data[4:8])
            size, = struct.unpack("<I", data[40:44])
            if size:
                break
            assert time.time() < end, "not repaired"
            time.sleep(0.1)
        assert data[:4] == b"RIFF" and data[8:16] == b"WAVEfmt " and data[36:40] == b"data"
        assert riff == len(data) - 8 and size == len(data) - 44, (riff, size, len(data))
        assert size % 4 == 0 and len(data) >= len(broken) - 3, (size, len(broken))
        rate, left, right = wav_channels(data)  # the wave module reads it to the end
        assert rate == 8000 and len(left) == size // 4 and len(left) >= 8000, len(left)
        lf = frames(left)
        assert with_tone(lf, 440) >= 0.6 * len(lf), (with_tone(lf, 440), len(lf))
        assert with_tone(frames(right), 1000) > 0
        cid = st["contact_id"]
        assert recording_ref(d, cid) == st["recording_ref"]
        r = [r for r in d.contacts() if r["id"] == cid][0]
        assert r["disconnect_reason"] == "interrupted", r
        code, hdrs, body = download(d, cid, "qa1")
        assert code == 200 and body == data, (code, hdrs)
        assert "interrupted recording(s) repaired" in d.stderr(), d.stderr()[-2000:]
        rc = d.stop()
        assert rc == 0 and "still allocated" not in d.stderr(), d.stderr()[-2000:]
    finally:
        d.close()


if __name__ == "__main__":
    run([test_always_records_both_parties, test_pause_by_api_and_dtmf, test_pause_by_sip_info,
         test_on_demand_and_off,
         test_retention_and_consent, test_stop_completes_the_file, test_erasure_deletes_the_file,
         test_hold_not_recorded, test_crash_repaired_at_start])
