"""Integration: calls through the real daemon with real SIP peers: baresip and SIPp agents, callers with RTP; event log and contact records."""
import time

from sbtest import run
from telx import Baresip, Caller, Daemon, Sipp, register, tone_power

CALLER = "+4930555123"
RNA = 2  # ACD reason: missed (ring-no-answer, busy, unreachable)


def settings():
    return {"sip_min_expires": 2}


def call_events(d, call, types, timeout=15):
    """The event log's entries for call, once every type in types is there."""
    evs = d.wait_events(types, call=call, timeout=timeout)
    return [e for e in evs if e[1].get("call") == call]


def contact(d, call, pred=lambda r: True, timeout=10):
    """The contact record(s) of call, once pred holds for the newest."""
    end = time.time() + timeout
    while True:
        recs = [r for r in d.contacts() if r["call_id"] == call]
        if recs and pred(recs[0]):
            return recs
        assert time.time() < end, ("contact record", call, recs)
        time.sleep(0.05)


def frames_with_tone(samples, freq):
    return sum(1 for i in range(0, len(samples) - 159, 160)
               if tone_power(samples[i:i + 160], freq) > 0.5)


def test_answered_call_two_way_audio(binary):
    """baresip registered as agent1 answers; RTP both ways through the daemon, content checked."""
    with Daemon(binary, settings=settings()) as d, Baresip(d, "1001", tone=1000) as phone:
        d.wait_agent(1, lambda a: True)
        end = time.time() + 10
        while "200 OK" not in phone.output():
            assert time.time() < end, phone.output()
            time.sleep(0.05)
        d.set_state("agent1", "ready")
        c = Caller(d, frm=CALLER, tone=440, listen=1000)
        try:
            assert c.call() == 200
            a = d.wait_agent(1, lambda a: a["state"]["state"] == "talking", what="talking")
            call = a["state"]["call_id"]
            time.sleep(3)
            code = c.hangup()
            assert code == 200, code
        finally:
            c.close()
        st = c.stats
        # the caller heard the agent's tone (after music before the answer) ...
        assert st["tx"] >= 150, st
        assert st["rx_tone"] >= 120, st
        # ... and the agent's phone heard the caller's tone
        recs = phone.recordings()
        assert recs, phone.output()
        heard = sum(frames_with_tone(r, 440) for r in recs)
        assert heard >= 120, (heard, [len(r) for r in recs])
        assert "from sip:%s@" % CALLER in phone.output(), phone.output()
        a = d.wait_agent(1, lambda a: a["state"]["state"] == "wrap-up", what="wrap-up")
        evs = call_events(d, call, ["call-enter", "call-offer", "call-connect",
                                    "call-complete-caller"])
        types = [e[0] for e in evs]
        assert types.index("call-enter") < types.index("call-offer") < \
            types.index("call-connect") < types.index("call-complete-caller"), types
        r = contact(d, call, lambda r: r["t_disconnected"] is not None)[0]
        assert r["agent_id"] == 1 and r["queue_id"] == 1, r
        assert r["customer_number"] == CALLER and r["system_number"] == "100", r
        assert r["disconnect_reason"] == "customer_disconnect", r
        assert r["t_disconnected"] - r["t_connected"] >= 2500, r


def test_agent_hangs_up(binary):
    """A SIPp phone answers, then hangs up: the caller gets a BYE, the agent goes to wrap-up.
    The phone's display name shows the caller's number and the queue."""
    with Daemon(binary, settings=settings()) as d:
        port = register(d, "1001")
        with Sipp("agent_hangup.xml", args=["-m", 1, "-d", 1500], port=port) as agent:
            d.set_state("agent1", "ready")
            c = Caller(d, frm=CALLER)
            try:
                assert c.call() == 200
                agent.ok()
                end = time.time() + 5
                while not getattr(c, "bye_received", False):
                    assert time.time() < end, c.msgs[-3:]
                    time.sleep(0.05)
            finally:
                c.close()
            log = agent.log()
            assert '"%s - general"' % CALLER in log, log[:2000]
        a = d.wait_agent(1, lambda a: a["state"]["state"] == "wrap-up", what="wrap-up")
        call = a["state"]["call_id"]
        call_events(d, call, ["call-connect", "call-complete-agent"])
        r = contact(d, call, lambda r: r["t_disconnected"] is not None)[0]
        assert r["agent_id"] == 1 and r["disconnect_reason"] == "agent_disconnect", r


def test_abandon_while_queued(binary):
    """A caller hears music, hangs up while queued: an abandon with its wait."""
    with Daemon(binary, settings=settings()) as d:
        d.set_state("agent1", "not_ready", 101)  # logged in, not ready: the caller waits
        s = Sipp("caller_abandon.xml", d, ["-m", 1, "-s", "100"], csv=[(CALLER,)])
        try:
            s.ok()
        finally:
            s.close()
        evs = d.wait_events(["call-abandon"])
        ab = [e[1] for e in evs if e[0] == "call-abandon"]
        assert len(ab) == 1, ab
        call = ab[0]["call"]
        assert 1300 <= ab[0]["wait_ms"] <= 4000, ab
        assert "call-offer" not in [e[0] for e in evs if e[1].get("call") == call]
        r = contact(d, call, lambda r: r["t_disconnected"] is not None)[0]
        assert r["agent_id"] is None and r["t_connected"] is None, r
        assert r["customer_number"] == CALLER and r["queue_id"] == 1, r


def test_rtp_port_range(binary):
    """"rtp_port_min"/"rtp_port_max" in the config file set the RTP ports: from 30041 to below
    30048 the even ports 30042, 30044 and 30046 (RTCP on the odd one after each); three queued
    callers get one each, a fourth finds none and is refused, not answered. (30000-30099: above
    the default range, below the tests' own media ports, out of the kernel's ephemeral ones.)"""
    with Daemon(binary, settings=dict(settings(), rtp_port_min=30041,
                                      rtp_port_max=30048)) as d:
        d.set_state("agent1", "not_ready", 101)  # logged in, not ready: the callers wait
        callers = []
        try:
            for _ in range(3):
                c = Caller(d, frm=CALLER)
                callers.append(c)
                assert c.call() == 200
            assert sorted(c.remote[1] for c in callers) == [30042, 30044, 30046], \
                [c.remote for c in callers]
            c = Caller(d, frm=CALLER)
            callers.append(c)
            code = c.call()
            assert code >= 400, code
            for c in callers[:3]:
                assert c.hangup() == 200
        finally:
            for c in callers:
                c.close()


def _queued_caller_then(d, phone_scenario, agent_reason):
    """agent1's SIPp phone runs phone_scenario for one offer; the caller must stay queued (at
    the head), agent1 not ready; then agent2 (SIPp, answering) gets the same call."""
    port = register(d, "1001")
    with Sipp(phone_scenario, args=["-m", 1], port=port) as ph:
        d.set_state("agent1", "ready")
        c = Caller(d, frm=CALLER)
        try:
            assert c.call() == 200
            ph.ok()
            a = d.wait_agent(1, lambda a: a["state"]["state"] == "not-ready", what="not ready")
            assert a["state"]["reason"] == agent_reason, a
            time.sleep(0.5)
            live = d.queue_live(1)
            assert live["in_queue"] == 1, live
            # music meanwhile
            assert c.stats["rx_nonsilent"] > 10, c.stats
            # the caller is still there: the next ready agent gets them
            port2 = register(d, "1002")
            with Sipp("agent_answer.xml", args=["-m", 1], port=port2) as ph2:
                d.set_state("agent2", "ready")
                a2 = d.wait_agent(2, lambda a: a["state"]["state"] == "talking", what="talking")
                call = a2["state"]["call_id"]
                assert c.hangup() == 200
                ph2.ok()
        finally:
            c.close()
    return call


def test_ring_no_answer(binary):
    """agent1's phone rings and is never answered: after the queue's ring timeout it is
    cancelled, the caller goes back to the head of the queue, agent1 is made not ready."""
    with Daemon(binary, settings=settings()) as d:
        d.api("PUT", "/api/v1/queues/1", {"ring_timeout_ms": 2000})
        call = _queued_caller_then(d, "agent_noanswer.xml", RNA)
        evs = call_events(d, call, ["call-ring-no-answer", "call-connect",
                                    "call-complete-caller"])
        offers = [e[1]["agent"] for e in evs if e[0] == "call-offer"]
        assert offers == [1, 2], evs
        rec = contact(d, call, lambda r: r["t_disconnected"] is not None)
        assert rec[0]["agent_id"] == 2, rec


def test_busy(binary):
    """agent1's phone answers 486: the same as no answer (caller queued, agent not ready)."""
    with Daemon(binary, settings=settings()) as d:
        call = _queued_caller_then(d, "agent_busy.xml", RNA)
        evs = call_events(d, call, ["call-connect", "call-complete-caller"])
        offers = [e[1]["agent"] for e in evs if e[0] == "call-offer"]
        assert offers == [1, 2], evs
        assert any(e[0] == "agent-state" and e[1].get("agent") == 1 and e[1]["to"] == "not-ready"
                   for e in d.events(0)), "agent1 never made not ready"


def test_ring_all_double_answer(binary):
    """Ring-all: two phones answer at once; one wins, the other is released cleanly."""
    with Daemon(binary, settings=settings()) as d:
        d.api("PUT", "/api/v1/queues/1", {"strategy": "ring-all"})
        p1, p2 = register(d, "1001"), register(d, "1002")
        # a CANCEL may cross the loser's 200 at any point of its scenario: SIPp must not
        # abort the call for it (the daemon then ACKs and BYEs the late 200)
        race = ["-m", 1, "-default_behaviors", "all,-abortunexp"]
        with Sipp("agent_answer_race.xml", args=race, port=p1) as a1, \
                Sipp("agent_answer_race.xml", args=race, port=p2) as a2:
            d.set_state("agent1", "ready")
            d.set_state("agent2", "ready")
            c = Caller(d, frm=CALLER)
            try:
                assert c.call() == 200
                end = time.time() + 10
                while True:
                    st = [d.agent(i)["state"]["state"] for i in (1, 2)]
                    if "talking" in st:
                        break
                    assert time.time() < end, st
                    time.sleep(0.05)
                time.sleep(1)
                st = [d.agent(i)["state"] for i in (1, 2)]
                assert sorted(s["state"] for s in st) == ["ready", "talking"], st
                winner = 1 if st[0]["state"] == "talking" else 2
                call = st[winner - 1]["call_id"]
                assert c.hangup() == 200
            finally:
                c.close()
            a1.ok()
            a2.ok()
        evs = call_events(d, call, ["call-connect", "call-complete-caller"])
        assert sorted(e[1]["agent"] for e in evs if e[0] == "call-offer") == [1, 2], evs
        assert [e[1]["agent"] for e in evs if e[0] == "call-connect"] == [winner], evs
        recs = contact(d, call, lambda r: r["t_disconnected"] is not None)
        assert [r["agent_id"] for r in recs] == [winner], recs


def _music_grows(c, by=15, timeout=5):
    """The caller's non-silent packets (music: the SIPp phone sends no audio) grow by `by`."""
    start = c.stats["rx_nonsilent"]
    end = time.time() + timeout
    while c.stats["rx_nonsilent"] - start < by:
        assert time.time() < end, ("no music", c.stats)
        time.sleep(0.05)


def test_hold_and_transfer(binary):
    """Hold from the desktop: the caller hears music, then the agent again. A blind transfer to
    another queue hangs up the agent's phone, the caller hears music while waiting there, and
    leaving then is an abandon of the new segment."""
    with Daemon(binary, settings=settings()) as d:
        port = register(d, "1001")
        with Sipp("agent_answer.xml", args=["-m", 1], port=port) as agent:
            d.set_state("agent1", "ready")
            c = Caller(d, frm=CALLER)
            try:
                assert c.call() == 200
                a = d.wait_agent(1, lambda a: a["state"]["state"] == "talking", what="talking")
                call = a["state"]["call_id"]
                time.sleep(0.5)
                quiet = c.stats["rx_nonsilent"]
                time.sleep(0.5)
                assert c.stats["rx_nonsilent"] - quiet <= 2, c.stats  # bridged to a silent phone
                d.api("POST", "/api/v1/me/call/hold", {"hold": True}, user="agent1")
                _music_grows(c)
                d.api("POST", "/api/v1/me/call/hold", {"hold": False}, user="agent1")
                time.sleep(0.3)
                quiet = c.stats["rx_nonsilent"]
                time.sleep(0.5)
                assert c.stats["rx_nonsilent"] - quiet <= 2, c.stats  # the agent again
                d.api("POST", "/api/v1/me/call/transfer", {"queue_id": 2}, user="agent1")
                agent.ok(timeout=10)  # the phone got its BYE and answered it
                d.wait_agent(1, lambda a: a["state"]["state"] == "wrap-up", what="wrap-up")
                _music_grows(c)
                assert not getattr(c, "bye_received", False), c.msgs[-3:]
                assert c.hangup() == 200
            finally:
                c.close()
        evs = call_events(d, call, ["call-hold", "call-unhold", "call-transfer", "call-abandon"])
        assert [e[1]["queue"] for e in evs if e[0] == "call-abandon"] == [2], evs
        recs = contact(d, call, lambda r: r["t_disconnected"] is not None)
        assert len(recs) == 2, recs
        assert sorted(r["queue_id"] for r in recs) == [1, 2], recs


def test_no_agent_logged_in(binary):
    """Nobody logged in: a queue that takes callers then answers with music (also to a caller
    whose INVITE had no offer); one that does not refuses the call (480) before answering.
    Unknown numbers get 404."""
    with Daemon(binary, settings=settings()) as d:
        c = Caller(d, frm=CALLER)
        try:
            assert c.call() == 200
            time.sleep(1.5)
            assert c.stats["rx_nonsilent"] >= 40, c.stats  # music on hold
            assert d.queue_live(1)["in_queue"] == 1
            assert c.hangup() == 200
        finally:
            c.close()
        d.wait_events(["call-abandon"])
        # a late offer (INVITE without SDP): our offer in the 200, the caller's answer in the ACK
        c = Caller(d, frm=CALLER, late_offer=True)
        try:
            assert c.call() == 200
            time.sleep(1.5)
            assert c.stats["rx_nonsilent"] >= 40, c.stats
            assert c.hangup() == 200
        finally:
            c.close()
        d.api("PUT", "/api/v1/queues/1", {"join_empty": False})
        c = Caller(d, frm=CALLER)
        try:
            assert c.call() == 480
        finally:
            c.close()
        d.wait_events(["call-refused"])
        c = Caller(d, number="999")
        try:
            assert c.call() == 404
        finally:
            c.close()


def test_session_refresh_mid_call(binary):
    """A caller connected to an agent refreshes its session (re-INVITE, then UPDATE): both
    answered, the call goes on and ends normally."""
    with Daemon(binary, settings=settings()) as d:
        port = register(d, "1001")
        with Sipp("agent_answer.xml", args=["-m", 1], port=port) as agent:
            d.set_state("agent1", "ready")
            s = Sipp("caller_refresh.xml", d, ["-m", 1, "-s", "100"], csv=[(CALLER,)])
            try:
                s.ok()
            finally:
                s.close()
            agent.ok()
        evs = d.wait_events(["call-connect", "call-complete-caller"])
        call = [e[1]["call"] for e in evs if e[0] == "call-connect"][0]
        r = contact(d, call, lambda r: r["t_disconnected"] is not None)[0]
        assert r["agent_id"] == 1 and r["t_disconnected"] - r["t_connected"] >= 2000, r


def test_tcp_caller(binary):
    """A caller over TCP (SIPp) reaches an agent's phone on UDP; the caller hangs up."""
    with Daemon(binary, settings=settings()) as d:
        port = register(d, "1001")
        with Sipp("agent_answer.xml", args=["-m", 1], port=port) as agent:
            d.set_state("agent1", "ready")
            s = Sipp("caller.xml", d, ["-m", 1, "-s", "100", "-d", 1500], csv=[(CALLER,)],
                     transport="t1")
            try:
                s.ok()
            finally:
                s.close()
            agent.ok()
        evs = d.wait_events(["call-connect", "call-complete-caller"])
        call = [e[1]["call"] for e in evs if e[0] == "call-connect"][0]
        r = contact(d, call, lambda r: r["t_disconnected"] is not None)[0]
        assert r["agent_id"] == 1 and r["customer_number"] == CALLER, r
        assert r["t_disconnected"] - r["t_connected"] >= 1000, r

def test_static_contact(binary):
    """An agent whose phone does not register (a static contact set over the API) is rung there."""
    with Daemon(binary, settings=settings()) as d:
        with Sipp("agent_answer.xml", args=["-m", 1]) as agent:
            d.api("PUT", "/api/v1/agents/1",
                  {"static_contact": "sip:1001@127.0.0.1:%d" % agent.port})
            d.set_state("agent1", "ready")
            c = Caller(d, frm=CALLER)
            try:
                assert c.call() == 200
                a = d.wait_agent(1, lambda a: a["state"]["state"] == "talking", what="talking")
                assert c.hangup() == 200
            finally:
                c.close()
            agent.ok()
        call_events(d, a["state"]["call_id"], ["call-connect", "call-complete-caller"])


def test_caller_hangs_up_while_ringing(binary):
    """The caller leaves while the agent's phone rings: the phone is cancelled, the call is an
    abandon, the agent is ready again (not missed)."""
    with Daemon(binary, settings=settings()) as d:
        port = register(d, "1001")
        with Sipp("agent_noanswer.xml", args=["-m", 1], port=port) as ph:
            d.set_state("agent1", "ready")
            c = Caller(d, frm=CALLER)
            try:
                assert c.call() == 200
                d.wait_agent(1, lambda a: a["state"]["state"] == "reserved", what="ringing")
                time.sleep(0.3)
                assert c.hangup() == 200
            finally:
                c.close()
            ph.ok()
        evs = d.wait_events(["call-offer-cancel", "call-abandon"])
        assert d.agent(1)["state"]["state"] == "ready"
        assert "call-connect" not in [e[0] for e in evs]

def test_stop_during_calls(binary):
    """SIGTERM with a call talking and one queued: both callers and the phone get a BYE, the
    daemon exits cleanly; at the next start both calls are logged as interrupted."""
    with Daemon(binary, settings=settings()) as d:
        port = register(d, "1001")
        with Sipp("agent_answer.xml", args=["-m", 1], port=port) as agent:
            d.set_state("agent1", "ready")
            talking, queued = Caller(d, frm=CALLER), Caller(d, frm="+4930555124")
            try:
                assert talking.call() == 200
                a = d.wait_agent(1, lambda a: a["state"]["state"] == "talking", what="talking")
                assert queued.call() == 200
                time.sleep(0.5)
                calls = {a["state"]["call_id"]}
                rc = d.stop()
                assert rc == 0, d.stderr()
                err = d.stderr()
                assert "still allocated" not in err and "Sanitizer" not in err, err
                agent.ok()
                end = time.time() + 5
                while not (getattr(talking, "bye_received", False) and
                           getattr(queued, "bye_received", False)):
                    assert time.time() < end, (talking.msgs[-2:], queued.msgs[-2:])
                    time.sleep(0.05)
            finally:
                talking.close()
                queued.close()
        d._tokens = {}
        d.start()
        evs = d.events(0, until=lambda evs: sum(e[0] == "call-interrupted" for e in evs) >= 2)
        gone = [e[1]["call"] for e in evs if e[0] == "call-interrupted"]
        assert len(gone) == 2 and calls <= set(gone), (gone, calls)


if __name__ == "__main__":
    run([test_answered_call_two_way_audio, test_agent_hangs_up, test_abandon_while_queued,
         test_rtp_port_range,
         test_ring_no_answer, test_busy, test_ring_all_double_answer, test_hold_and_transfer,
         test_no_agent_logged_in,
         test_session_refresh_mid_call, test_tcp_caller, test_static_contact,
         test_caller_hangs_up_while_ringing, test_stop_during_calls])
