"""Integration: the daemon dials campaign calls over SIP (issue 9). SIPp plays the customers on the
trunk port (answer after a random delay, busy, no answer: chosen by the dialled number), SIPp phones
registered as agents 1001 (answers) and 1002 (never answers); a predictive campaign runs (dialling
progressively while its sample is small): agents get bridged calls, nothing is dialled outside the
calling window nor to a number put on the do-not-call list while the campaign runs, retries follow
the rules, an agent's callback rings at its time, a call no agent answers gets the safe-harbour
message within 2 s and counts as abandoned, and the abandonment report matches the calls the
customers saw and the audit trail. Then preview mode, blending by the inbound service level, and
the refusals."""
import re
import time

from sbtest import run
from telx import Caller, Daemon, Sipp, free_port, register

EVERY = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
ALL_DAY = {"abandon_limit_pct": 3, "abandon_window_hours": 720, "window_start": "00:00",
           "window_end": "24:00", "min_ring_seconds": 15}


def etc_zone(offset_h):
    """The Etc zone of a whole-hour UTC offset (POSIX signs are inverted in these names)."""
    return "Etc/GMT" if offset_h == 0 else "Etc/GMT%+d" % (-offset_h)


def zones_now():
    """A zone where it is about noon now, and one where it is about midnight."""
    h = time.gmtime().tm_hour
    x_in = 12 - h  # -11 .. 12
    x_out = x_in + 12 if x_in <= 2 else x_in - 12
    return etc_zone(x_in), etc_zone(x_out)


def wait(pred, timeout, what):
    end = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        assert time.time() < end, "timed out waiting for " + what
        time.sleep(0.2)


def setup_queue(d, wrapup="none"):
    """A queue only agents 1 and 2 serve (a skill of their own), no wrap-up."""
    sk = d.api("POST", "/api/v1/skills", {"name": "outbound-%d" % free_port()}, expect=201)
    for aid in (1, 2):
        a = d.agent(aid)
        skills = [{"skill_id": s["skill_id"], "level": s["level"]} for s in a["skills"]]
        skills.append({"skill_id": sk["id"], "level": 5})
        d.api("PUT", "/api/v1/agents/%d" % aid, {"skills": skills})
    q = d.api("POST", "/api/v1/queues",
              {"name": "Outbound %d" % sk["id"], "client_id": 1, "wrapup": wrapup,
               "ring_timeout_ms": 15000, "skills": [{"skill_id": sk["id"], "min_level": 1}]},
              expect=201)
    return q["id"]


ANSWER = ["+4930111%04d" % i for i in range(1, 7)]
BUSY = "+49302220001"
NOANS = "+49303330001"
OUTSIDE = ["+49301119001", "+49301119002"]
DNC = "+49301110099"


def leads_by_number(d, cid):
    items = d.api("GET", "/api/v1/campaigns/%d/leads?limit=1000" % cid)["items"]
    return {x["number"]: x for x in items}


def test_campaign_over_sip(binary):
    trunk = free_port()
    zin, zout = zones_now()
    with Sipp("dial_customer.xml", args=[], port=trunk, timeout=600) as customers, \
            Daemon(binary, settings={"sip_min_expires": 2},
                   args=["--trunk", "127.0.0.1:%d" % trunk]) as d:
        p1, p2 = register(d, "1001"), register(d, "1002")
        with Sipp("agent_answer.xml", args=[], port=p1, timeout=600) as ph1, \
                Sipp("agent_noanswer.xml", args=[], port=p2, timeout=600) as ph2:
            qid = setup_queue(d)
            csv = "phone,zone,priority\n"
            csv += "".join("%s,%s,10\n" % (n, zin) for n in ANSWER + [BUSY, NOANS])
            csv += "".join("%s,%s,10\n" % (n, zout) for n in OUTSIDE)
            csv += "%s,%s,-10\n" % (DNC, zin)  # dialled last: listed before its turn
            camp = d.api("POST", "/api/v1/campaigns", {
                "name": "Dial %d" % trunk, "client_id": 1, "queue_id": qid, "agents": [1, 2],
                "caller_id": "+4930900100", "dial_mode": "predictive", "profile": "custom",
                "profile_custom": ALL_DAY, "ring_seconds": 15,
                "windows": {day: {"start": "06:00", "end": "18:00"} for day in EVERY},
                "retry_rules": {"busy": {"delay_minutes": 1, "max_attempts": 2},
                                "no-answer": {"delay_minutes": 0, "max_attempts": 2}}},
                expect=201)
            cid = camp["id"]
            imp = d.api("POST", "/api/v1/campaigns/%d/lists" % cid,
                        {"name": "today", "csv": csv,
                         "mapping": {"phone": "phone", "zone": "zone", "priority": "priority"}},
                        expect=201)
            assert imp["imported"] == 11, imp
            # no telephony trunk mistakes: refused without agents' queue? started with one
            d.set_state("agent1", "ready")
            d.set_state("agent2", "ready")
            st = d.api("POST", "/api/v1/campaigns/%d/start" % cid, {})
            assert st["running"] and st["agents"] == 2 and st["leads"] == 11, st
            d.api("POST", "/api/v1/campaigns/%d/start" % cid, {}, expect=409)
            d.api("POST", "/api/v1/campaigns/%d/dnc" % cid, {"number": DNC}, expect=201)
            t_start = time.time() * 1000

            # an agent's callback: during agent1's first outbound call, "call back in 20 s"
            def talking():
                a = d.agent(1)
                return a["state"]["state"] == "talking" and a
            wait(talking, 60, "agent1 on an outbound call")
            cb_at = int(time.time() * 1000) + 20000
            dispo = d.api("POST", "/api/v1/campaigns/%d/disposition" % cid,
                          {"result": "callback", "callback_at": cb_at, "callback_agent": 1},
                          user="agent1")
            cb_lead = dispo["lead_id"]
            # the disposition route is for the agent's own outbound call
            d.api("POST", "/api/v1/campaigns/%d/disposition" % cid,
                  {"result": "callback"}, user="agent1", expect=422)

            def settled():
                ls = leads_by_number(d, cid)
                busy, noans = ls[BUSY], ls[NOANS]
                cb = [x for x in ls.values() if x["id"] == cb_lead][0]
                return (busy["status"] == "done" and noans["status"] == "done"
                        and cb["attempts"] >= 2 and cb["status"] != "in_call"
                        and all(ls[n]["status"] != "in_call" and ls[n]["attempts"] >= 1
                                for n in ANSWER) and ls)
            try:
                ls = wait(settled, 170, "every lead in the window dialled to its end")
            except AssertionError:
                print(d.api("GET", "/api/v1/campaigns/%d/live" % cid))
                for n, x in sorted(leads_by_number(d, cid).items()):
                    print(n, x["status"], x["attempts"], x["last_result"], x["done_reason"])
                raise
            live = d.api("GET", "/api/v1/campaigns/%d/live" % cid)
            assert live["running"], live
            d.api("POST", "/api/v1/campaigns/%d/stop" % cid, {})
            d.api("POST", "/api/v1/campaigns/%d/stop" % cid, {}, expect=409)
            time.sleep(1.5)

            # nothing outside the window, nothing to the number listed while running
            for n in OUTSIDE:
                assert ls[n]["attempts"] == 0 and ls[n]["status"] == "ready", ls[n]
            assert ls[DNC]["attempts"] == 0 and ls[DNC]["status"] == "done" \
                and ls[DNC]["done_reason"] == "dnc", ls[DNC]
            # retries by the rules: busy twice, at least a minute apart; no answer twice
            assert ls[BUSY]["attempts"] == 2 and ls[BUSY]["done_reason"] == "max_attempts", \
                ls[BUSY]
            assert ls[NOANS]["attempts"] == 2 and ls[NOANS]["last_result"] == "no-answer", \
                ls[NOANS]

            inv = re.findall(r"INVITE sip:(\+\d+)@", customers.log())
            for n in OUTSIDE + [DNC]:
                assert n not in inv, n
            assert inv.count(BUSY) == 2 and inv.count(NOANS) == 2, inv

            # the trail: every attempt, as the customers saw it
            evs = d.events(0, timeout=20)
            att = [e[1] for e in evs if e[0] == "dialer.attempt"]
            data = [e.get("data", e) for e in att]
            mine = [x for x in data if x.get("campaign") == cid]
            assert len(mine) == len(inv), (len(mine), len(inv))
            busy_times = sorted(x["dialled_at"] for x in mine
                                if x["lead"] == ls[BUSY]["id"])
            assert len(busy_times) == 2 and busy_times[1] - busy_times[0] >= 60000, busy_times
            cb_times = sorted(x["dialled_at"] for x in mine if x["lead"] == cb_lead)
            assert cb_times[-1] >= cb_at, (cb_times, cb_at)
            for x in mine:
                assert x["dialled_at"] >= t_start - 1000
            connected = [x for x in mine if x["result"] == "connected"]
            abandoned = [x for x in mine if x["abandoned"]]
            assert connected and all(x["agent"] == 1 for x in connected), connected
            assert abandoned, "agent 2 never answers: some calls must get the message"
            # the core connected every call the ACD bridged, and follows the ACD's choice of
            # agent, also when the ACD swapped two calls the core had given both agents: every
            # connected call ends on agent 1 in the core too (its lead and disposition)
            core_agent = {}
            for e in evs:
                x = e[1].get("data", e[1])
                if e[0] == "dialer.connect" and x.get("campaign") == cid:
                    core_agent[x["dial_call"]] = x["agent"]
            assert all(x["dial_call"] in core_agent for x in connected), (core_agent, connected)
            assert all(core_agent[x["dial_call"]] == 1 for x in connected), \
                (core_agent, connected)
            aband_ev = [e[1].get("data", e[1]) for e in evs if e[0] == "dialer.abandon"]
            assert aband_ev and all(x["after_answer_ms"] <= 2000 for x in aband_ev), aband_ev
            # predictive, but with a handful of answers the pacer dials progressively
            pace = [e[1].get("data", e[1]) for e in evs if e[0] == "dialer.pace"]
            assert pace and all(x["why"] == "small_sample" and x["mode"] == "progressive"
                                for x in pace), pace
            assert live["pacing"]["why"] == "progressive: sample too small", live
            no_ans = [x for x in mine if x["result"] == "no_answer"]
            assert len(no_ans) == 2

            # the agents' phones: agent 1 answered (bridged), agent 2 only rang
            assert ph1.log().count("INVITE sip:") >= len(connected)
            # the report: the same calls
            rep = d.api("GET", "/api/v1/campaigns/%d/report" % cid)
            answered = len([x for x in mine if x["answered"]])
            assert rep["attempts"] == len(inv), (rep, len(inv))
            assert rep["live_answers"] == answered, (rep, answered)
            assert rep["abandoned"] == len(abandoned), (rep, len(abandoned))
            # the compliance report reads the audit trail too: the same counts
            assert rep["trail"]["matches"] and rep["trail"]["attempts"] == len(inv), rep
            ok200 = len(re.findall(r"SIP/2.0 200 OK\r?\n(?:.*\r?\n)*?CSeq: \d+ INVITE",
                                   customers.log()))
            assert ok200 >= answered, (ok200, answered)
            # the contact records: outbound, connected to agent 1
            recs = [r for r in d.contacts() if r.get("direction") == "outbound"]
            assert any(r.get("agent_id") == 1 for r in recs), recs[:3]


def test_preview_and_callback(binary):
    """Preview mode: the agent gets a card, cannot dial a number listed meanwhile, skips one,
    dials the next (bridged to them), and books a callback for tomorrow 10:00 for themself."""
    trunk = free_port()
    zin, _ = zones_now()
    with Sipp("dial_customer.xml", args=[], port=trunk, timeout=600) as customers, \
            Daemon(binary, settings={"sip_min_expires": 2},
                   args=["--trunk", "127.0.0.1:%d" % trunk]) as d:
        p1 = register(d, "1001")
        with Sipp("agent_answer.xml", args=[], port=p1, timeout=600):
            qid = setup_queue(d)
            nums = ["+4930111%04d" % i for i in (1, 2, 3)]
            csv = "phone,zone,priority,first\n" + "".join(
                "%s,%s,%d,Name%d\n" % (n, zin, 3 - i, i) for i, n in enumerate(nums))
            cid = d.api("POST", "/api/v1/campaigns", {
                "name": "Preview %d" % trunk, "client_id": 1, "queue_id": qid, "agents": [1],
                "caller_id": "+4930900100", "dial_mode": "preview", "profile": "custom",
                "profile_custom": ALL_DAY, "ring_seconds": 15}, expect=201)["id"]
            d.api("POST", "/api/v1/campaigns/%d/lists" % cid,
                  {"name": "p", "csv": csv, "mapping": {"phone": "phone", "zone": "zone",
                                                       "priority": "priority",
                                                       "first_name": "first"}},
                  expect=201)
            d.set_state("agent1", "ready")
            d.api("POST", "/api/v1/campaigns/%d/start" % cid, {})
            time.sleep(1.0)
            assert "INVITE sip:" not in customers.log()  # preview: nothing by itself
            # agent 2 is not in the campaign
            d.api("POST", "/api/v1/campaigns/%d/preview" % cid, {}, user="agent2", expect=409)
            card = d.api("POST", "/api/v1/campaigns/%d/preview" % cid, {}, user="agent1")
            assert card["number"] == nums[0] and card["first_name"] == "Name0", card
            d.api("POST", "/api/v1/campaigns/%d/dnc" % cid, {"number": nums[0]}, expect=201)
            st, _, doc = d.json("POST", "/api/v1/campaigns/%d/preview/dial" % cid, {},
                                token=d.token("agent1"))
            assert st == 409 and doc["error"]["code"] == "dnc", doc
            card = d.api("POST", "/api/v1/campaigns/%d/preview" % cid, {}, user="agent1")
            assert card["number"] == nums[1], card
            assert card["held"] is False, card
            # asked again (a reloaded desktop): the same card, held; no other lead reserved
            again = d.api("POST", "/api/v1/campaigns/%d/preview" % cid, {}, user="agent1")
            assert again == dict(card, held=True), (again, card)
            d.api("POST", "/api/v1/campaigns/%d/preview/skip" % cid, {}, user="agent1")
            card = d.api("POST", "/api/v1/campaigns/%d/preview" % cid, {}, user="agent1")
            assert card["number"] == nums[2], card
            d.api("POST", "/api/v1/campaigns/%d/preview/dial" % cid, {}, user="agent1")
            wait(lambda: d.agent(1)["state"]["state"] == "talking", 30, "agent1 talking")
            tomorrow = time.time() + 86400
            lt = time.localtime(tomorrow)
            cb_at = int(time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, 10, 0, 0, 0, 0, -1))
                        * 1000)
            dispo = d.api("POST", "/api/v1/campaigns/%d/disposition" % cid,
                          {"result": "callback", "callback_at": cb_at, "callback_agent": 1},
                          user="agent1")
            assert dispo["lead_id"] == card["lead_id"], dispo

            def booked():
                ld = leads_by_number(d, cid)[nums[2]]
                return ld["callback"] and ld["status"] == "ready" and ld
            ld = wait(booked, 30, "the callback booked")
            assert ld["next_attempt_at"] == cb_at and ld["callback_agent"] == 1, ld
            assert ld["last_result"] == "callback" and ld["attempts"] == 1, ld
            inv = re.findall(r"INVITE sip:(\+\d+)@", customers.log())
            assert inv == [nums[2]], inv
            recs = [r for r in d.contacts() if r.get("direction") == "outbound"]
            assert len(recs) == 1 and recs[0]["agent_id"] == 1, recs
            live = d.api("GET", "/api/v1/campaigns/%d/live" % cid)
            assert live["why"]["dnc"] == 1 and live["why"]["callback_wait"] == 1, live


def test_blending(binary):
    """Inbound first: a blended agent (agent 1 also serves the general line) takes outbound
    calls only while the inbound service level is at or above the center's rule: an inbound
    caller abandoned today puts it at 0, so with min_sl 0.5 nothing is dialled; with 0 it is."""
    trunk = free_port()
    zin, _ = zones_now()
    with Sipp("dial_customer.xml", args=[], port=trunk, timeout=600) as customers, \
            Daemon(binary, settings={"sip_min_expires": 2},
                   args=["--trunk", "127.0.0.1:%d" % trunk]) as d:
        p1 = register(d, "1001")
        with Sipp("agent_answer.xml", args=[], port=p1, timeout=600):
            qid = setup_queue(d)
            d.api("PUT", "/api/v1/queues/1", {"short_abandon_ms": 500})
            csv = "phone,zone\n" + "".join("+4930111%04d,%s\n" % (i, zin) for i in range(5))
            cid = d.api("POST", "/api/v1/campaigns", {
                "name": "Blend %d" % trunk, "client_id": 1, "queue_id": qid, "agents": [1],
                "caller_id": "+4930900100", "dial_mode": "progressive", "profile": "custom",
                "profile_custom": ALL_DAY, "ring_seconds": 15}, expect=201)["id"]
            d.api("POST", "/api/v1/campaigns/%d/lists" % cid,
                  {"name": "b", "csv": csv, "mapping": {"phone": "phone", "zone": "zone"}},
                  expect=201)
            # an inbound caller waits on the general line (agent 1 not ready) and gives up
            d.set_state("agent1", "not_ready", 101)
            c = Caller(d, number="100")
            try:
                assert c.call() == 200
                time.sleep(1.5)
            finally:
                c.hangup()
                c.close()
            wait(lambda: d.queue_live(1)["today"]["abandoned"] >= 1, 15, "the inbound abandon")
            st = d.api("POST", "/api/v1/campaigns/%d/start" % cid, {"blend_min_sl": 0.5})
            assert st["agents"] == 2, st  # listed, and serving the queue (agent 2: logged out)
            # the rule given at the start is stored with the campaign
            camp = d.api("GET", "/api/v1/campaigns/%d" % cid)
            assert camp["blend_min_sl"] == 0.5 and camp["blend_reserve"] == 0, camp
            assert camp["running"] is True, camp
            d.set_state("agent1", "ready")
            time.sleep(3)
            assert "INVITE sip:" not in customers.log()  # inbound level 0 < 0.5: not dialled
            live = d.api("GET", "/api/v1/campaigns/%d/live" % cid)
            assert live["attempts"] == 0 and live["why"]["dialable"] == 5, live
            # the center changes its rule while the campaign runs: outbound at once
            camp = d.api("PUT", "/api/v1/campaigns/%d" % cid, {"blend_min_sl": 0})
            assert camp["blend_min_sl"] == 0 and camp["running"], camp
            wait(lambda: "INVITE sip:" in customers.log(), 15, "an outbound call")
            wait(lambda: d.agent(1)["state"]["state"] == "talking", 20, "agent1 talking")


def invites(customers):
    return re.findall(r"INVITE sip:(\+\d+)@", customers.log())


def restart(d, kill=False):
    """The daemon stops (SIGTERM, or SIGKILL: a crash) and starts again on the same data."""
    if kill:
        d.proc.kill()
        d.proc.wait()
        d.err.close()
    else:
        rc = d.stop()
        assert rc == 0 and "still allocated" not in d.stderr(), d.stderr()[-2000:]
    d._tokens = {}
    d.start()


def test_resume_after_restart(binary):
    """A running campaign is resumed when the daemon starts again, after a clean stop (SIGTERM)
    and after a crash (SIGKILL): it dials again without a new start, with its blending rule;
    leads keep their attempts, retry times and the 72-hour lock-out after an abandoned call;
    a stopped campaign stays stopped."""
    trunk = free_port()
    zin, _ = zones_now()
    nums = ["+4930111%04d" % i for i in range(1, 61)]
    with Sipp("dial_customer.xml", args=[], port=trunk, timeout=900) as customers, \
            Daemon(binary, settings={"sip_min_expires": 2},
                   args=["--trunk", "127.0.0.1:%d" % trunk]) as d:
        qid = setup_queue(d)
        csv = "phone,zone,priority\n%s,%s,10\n" % (BUSY, zin)
        csv += "".join("%s,%s,0\n" % (n, zin) for n in nums)
        cid = d.api("POST", "/api/v1/campaigns", {
            "name": "Resume %d" % trunk, "client_id": 1, "queue_id": qid, "agents": [1, 2],
            "caller_id": "+4930900100", "dial_mode": "progressive", "profile": "custom",
            "profile_custom": dict(ALL_DAY, lockout_hours=72), "ring_seconds": 15,
            "retry_rules": {"busy": {"delay_minutes": 60, "max_attempts": 3}}},
            expect=201)["id"]
        d.api("POST", "/api/v1/campaigns/%d/lists" % cid,
              {"name": "r", "csv": csv, "mapping": {"phone": "phone", "zone": "zone",
                                                   "priority": "priority"}}, expect=201)

        def phones():
            """Agent 1's phone answers, agent 2's never does (its calls are abandoned)."""
            p1, p2 = register(d, "1001"), register(d, "1002")
            return (Sipp("agent_answer.xml", args=[], port=p1, timeout=600),
                    Sipp("agent_noanswer.xml", args=[], port=p2, timeout=600))

        def ready():
            d.set_state("agent1", "ready")
            d.set_state("agent2", "ready")

        def check_kept(before, after):
            """Nothing the dialer learnt is lost: attempts, results, retry times, lock-outs."""
            for n, b in before.items():
                a = after[n]
                assert a["attempts"] >= b["attempts"], (n, b, a)
                if b["status"] == "done":
                    assert a["status"] == "done" and a["attempts"] == b["attempts"], (n, b, a)
                if b["abandoned_at"]:
                    assert a["abandoned_at"] == b["abandoned_at"], (n, b, a)

        def dialled_since(k):
            return invites(customers)[k:]

        ph = phones()
        try:
            ready()
            st = d.api("POST", "/api/v1/campaigns/%d/start" % cid,
                       {"blend_min_sl": 0.4, "blend_reserve": 0})
            assert st["running"] and st["agents"] == 2 and st["blend_min_sl"] == 0.4, st

            def progress():
                ls = leads_by_number(d, cid)
                ab = [x for x in ls.values() if x["last_result"] == "abandoned"]
                done = [x for x in ls.values() if x["status"] == "done"]
                return ls[BUSY]["attempts"] == 1 and ab and done and ls
            ls1 = wait(progress, 90, "a busy retry pending, an abandoned and a finished lead")
        finally:
            for x in ph:
                x.close()

        # 1. a clean stop (SIGTERM) and start: dialling goes on by itself
        n1 = len(invites(customers))
        restart(d)
        camp = d.api("GET", "/api/v1/campaigns/%d" % cid)
        assert camp["running"] is True and camp["blend_min_sl"] == 0.4, camp
        live = d.api("GET", "/api/v1/campaigns/%d/live" % cid)
        assert live["running"] is True and live["agents"]["free"] + live["agents"]["away"] == 2, \
            live
        ls = leads_by_number(d, cid)
        check_kept(ls1, ls)
        assert all(x["status"] != "in_call" for x in ls.values()), ls  # reset at the start
        ph = phones()
        try:
            ready()
            wait(lambda: len(dialled_since(n1)) >= 3, 60, "dialling again after the restart")
            # the crash: SIGKILL while calls are up
            wait(lambda: d.agent(1)["state"]["state"] == "talking", 60, "agent1 on a call")
            ls2 = leads_by_number(d, cid)
        finally:
            for x in ph:
                x.close()
        again = dialled_since(n1)
        locked = {n for n, x in ls1.items() if x["last_result"] == "abandoned"}
        finished = {n for n, x in ls1.items() if x["status"] == "done"}
        for n in again:
            assert n != BUSY and n not in locked and n not in finished, (n, ls1[n])
        n2 = len(invites(customers))
        restart(d, kill=True)
        ls = leads_by_number(d, cid)
        check_kept(ls2, ls)
        assert all(x["status"] != "in_call" for x in ls.values()), ls
        assert d.api("GET", "/api/v1/campaigns/%d/live" % cid)["running"] is True
        ph = phones()
        try:
            ready()
            wait(lambda: len(dialled_since(n2)) >= 2, 60, "dialling again after the crash")
        finally:
            for x in ph:
                x.close()
        ls3 = leads_by_number(d, cid)
        locked |= {n for n, x in ls2.items() if x["last_result"] == "abandoned"}
        for n in dialled_since(n2):
            assert n != BUSY and n not in locked, (n, ls2[n])
        assert ls3[BUSY]["attempts"] == 1 and ls3[BUSY]["status"] == "ready", ls3[BUSY]
        assert ls3[BUSY]["next_attempt_at"] == ls1[BUSY]["next_attempt_at"], (ls1, ls3)

        # 2. stopped, then a restart: it stays stopped
        d.api("POST", "/api/v1/campaigns/%d/stop" % cid, {})
        time.sleep(1)
        restart(d)
        camp = d.api("GET", "/api/v1/campaigns/%d" % cid)
        assert camp["running"] is False, camp
        assert d.api("GET", "/api/v1/campaigns/%d/live" % cid)["running"] is False
        n3 = len(invites(customers))
        ph = phones()
        try:
            ready()
            time.sleep(4)
            assert dialled_since(n3) == [], dialled_since(n3)
        finally:
            for x in ph:
                x.close()
        d.api("POST", "/api/v1/campaigns/%d/stop" % cid, {}, expect=409)
        # the report still matches the attempts across the three daemons
        rep = d.api("GET", "/api/v1/campaigns/%d/report" % cid)
        assert rep["trail"]["matches"], rep


def test_dispositions_drive_results(binary):
    """The agent's normal wrap-up on an outbound call (POST /me/wrapup with one of the center's
    dispositions) drives the lead: codes named like the dialer's results map to them, the
    campaign's mapping (changed while it runs) maps the center's own codes, a callback
    disposition books a callback for the agent, a do-not-call one lists the number; an explicit
    dialer disposition wins."""
    trunk = free_port()
    zin, _ = zones_now()
    nums = ["+4930111%04d" % i for i in range(1, 9)]
    with Sipp("dial_customer.xml", args=[], port=trunk, timeout=600), \
            Daemon(binary, settings={"sip_min_expires": 2},
                   args=["--trunk", "127.0.0.1:%d" % trunk]) as d:
        p1 = register(d, "1001")
        with Sipp("agent_answer.xml", args=[], port=p1, timeout=600):
            qid = setup_queue(d, wrapup="manual")
            codes = {}
            for code in ("SALE", "not_interested", "Callback", "do-not-call", "wrong-number"):
                codes[code] = d.api("POST", "/api/v1/dispositions",
                                    {"client_id": 1, "label": code,
                                     "code": code + "-%d" % trunk if code == "SALE" else code},
                                    expect=201)["id"]
            sale = "SALE-%d" % trunk
            csv = "phone,zone\n" + "".join("%s,%s\n" % (n, zin) for n in nums)
            cid = d.api("POST", "/api/v1/campaigns", {
                "name": "Wrap %d" % trunk, "client_id": 1, "queue_id": qid, "agents": [1],
                "caller_id": "+4930900100", "dial_mode": "progressive", "profile": "custom",
                "profile_custom": ALL_DAY, "ring_seconds": 15,
                "retry_rules": {"callback": {"delay_minutes": 90}}}, expect=201)["id"]
            d.api("POST", "/api/v1/campaigns/%d/lists" % cid,
                  {"name": "w", "csv": csv, "mapping": {"phone": "phone", "zone": "zone"}},
                  expect=201)
            d.set_state("agent1", "ready")
            d.api("POST", "/api/v1/campaigns/%d/start" % cid, {})

            def wrap(code, explicit=None):
                """Agent 1's next outbound call: wait for its wrap-up, give the disposition;
                returns the lead it was about, once its result is stored."""
                wait(lambda: d.agent(1)["state"]["state"] == "wrap-up", 60, "agent1 in wrap-up")
                lead = [x for x in leads_by_number(d, cid).values()
                        if x["status"] == "in_call"]
                assert len(lead) == 1, lead
                if explicit:
                    d.api("POST", "/api/v1/campaigns/%d/disposition" % cid,
                          {"result": explicit}, user="agent1")
                d.api("POST", "/api/v1/me/wrapup", {"disposition_id": codes[code]},
                      user="agent1")
                return wait(lambda: [x for x in leads_by_number(d, cid).values()
                                     if x["id"] == lead[0]["id"] and x["status"] != "in_call"],
                            20, "the lead's result")[0]

            # the center's own code, not mapped: no result for the dialer
            ld = wrap("SALE")
            assert ld["status"] == "done" and ld["last_result"] is None, ld
            # mapped while the campaign runs
            d.api("PUT", "/api/v1/campaigns/%d" % cid,
                  {"disposition_map": {sale: "completed", "Callback": "none"}})
            ld = wrap("SALE")
            assert ld["last_result"] == "completed" and ld["status"] == "done", ld
            ld = wrap("not_interested")  # named like a result
            assert ld["last_result"] == "not-interested" and ld["status"] == "done", ld
            ld = wrap("Callback")  # mapped to none by the campaign, whatever its name
            assert ld["last_result"] is None and ld["status"] == "done", ld
            d.api("PUT", "/api/v1/campaigns/%d" % cid, {"disposition_map": None})
            t0 = int(time.time() * 1000)
            ld = wrap("Callback")  # by name again: a callback for the agent, 90 min ahead
            assert ld["last_result"] == "callback" and ld["callback"], ld
            assert ld["callback_agent"] == 1 and ld["status"] == "ready", ld
            assert t0 + 89 * 60000 <= ld["next_attempt_at"] <= t0 + 92 * 60000, (t0, ld)
            ld = wrap("do-not-call")
            assert ld["status"] == "done" and ld["done_reason"] == "dnc", ld
            dnc = d.api("GET", "/api/v1/campaigns/%d/dnc" % cid)["items"]
            assert [x["number"] for x in dnc] == [ld["number"]], dnc
            assert dnc[0]["source"] == "disposition", dnc
            # the dialer's own disposition, given during the call, wins over the code
            ld = wrap("wrong-number", explicit="busy")
            assert ld["last_result"] == "busy" and ld["status"] == "ready", ld
            # the trail names the mapped results
            evs = d.events(0, timeout=20)
            mapped = [e[1].get("data", e[1]) for e in evs if e[0] == "dialer.disposition"]
            assert [x["result"] for x in mapped] == ["completed", "not-interested", "callback",
                                                     "dnc"], mapped
            d.api("POST", "/api/v1/campaigns/%d/stop" % cid, {})


def test_refusals(binary):
    """Starting needs a trunk and a queue; preview and dispositions are for the campaign's agents."""
    with Daemon(binary, settings={"sip_min_expires": 2}) as d:
        camp = d.api("POST", "/api/v1/campaigns", {
            "name": "No trunk", "client_id": 1, "profile": "custom", "profile_custom": ALL_DAY},
            expect=201)
        st, _, doc = d.json("POST", "/api/v1/campaigns/%d/start" % camp["id"], {},
                            token=d.token("admin"))
        assert st == 409 and "queue" in doc["error"]["message"], doc
        d.api("PUT", "/api/v1/campaigns/%d" % camp["id"], {"queue_id": 1})
        st, _, doc = d.json("POST", "/api/v1/campaigns/%d/start" % camp["id"], {},
                            token=d.token("admin"))
        assert st == 409 and "trunk" in doc["error"]["message"], doc
        d.api("POST", "/api/v1/campaigns/%d/preview" % camp["id"], {}, user="agent1",
              expect=409)
        d.api("POST", "/api/v1/campaigns/%d/disposition" % camp["id"],
              {"result": "completed"}, user="agent1", expect=409)
        d.api("POST", "/api/v1/campaigns/%d/stop" % camp["id"], {}, expect=409)
        live = d.api("GET", "/api/v1/campaigns/%d/live" % camp["id"])
        assert live["running"] is False


if __name__ == "__main__":
    run([test_campaign_over_sip, test_preview_and_callback, test_blending,
         test_resume_after_restart, test_dispositions_drive_results, test_refusals])
