"""Integration: a disposition given later on the contact record of an outbound campaign call
(PATCH /contacts/{id}, after a timed wrap-up ended without one) reaches the dialer like the
wrap-up's disposition does (issue 9): the code maps to a result, the lead's retry rule applies
(a callback for the agent at the campaign's delay; a final result closes it), the trail names it;
a second disposition, or one with no result, leaves the lead as it is. The call's link to its lead
is stored: a disposition given after a restart (SIGTERM, then SIGKILL) still maps; a record that is
not a dialler call changes no lead; a deleted campaign's record still takes its disposition."""
import time

from apitest import insert_contact
from sbtest import run
from telx import Daemon, Sipp, free_port, register
from test_telephony_dial import ALL_DAY, leads_by_number, restart, setup_queue, wait, zones_now


def later(evs):
    """The dialer.disposition events given later on a record: [(result, later)]."""
    return [(x["result"], x.get("later")) for x in
            (e[1].get("data", e[1]) for e in evs if e[0] == "dialer.disposition")]


def test_late_disposition(binary):
    trunk = free_port()
    zin, _ = zones_now()
    # 1, 2: given later while the daemon runs; 3: after a SIGTERM restart; 4: after a SIGKILL;
    # 5: its campaign deleted first
    nums = ["+4930111%04d" % i for i in (1, 2, 3, 4, 5)]
    with Sipp("dial_customer.xml", args=[], port=trunk, timeout=600), \
            Daemon(binary, settings={"sip_min_expires": 2},
                   args=["--trunk", "127.0.0.1:%d" % trunk]) as d:
        p1 = register(d, "1001")
        with Sipp("agent_answer.xml", args=[], port=p1, timeout=600):
            qid = setup_queue(d, wrapup="timed")
            d.api("PUT", "/api/v1/queues/%d" % qid, {"wrapup_ms": 1500})
            codes = {}
            for code in ("Callback", "not_interested", "SALE-%d" % trunk):
                codes[code] = d.api("POST", "/api/v1/dispositions",
                                    {"client_id": 1, "label": code, "code": code},
                                    expect=201)["id"]
            csv = "phone,zone,priority\n" + "".join(
                "%s,%s,%d\n" % (n, zin, 5 - i) for i, n in enumerate(nums))
            cid = d.api("POST", "/api/v1/campaigns", {
                "name": "Late %d" % trunk, "client_id": 1, "queue_id": qid, "agents": [1],
                "caller_id": "+4930900100", "dial_mode": "progressive", "profile": "custom",
                "profile_custom": ALL_DAY, "ring_seconds": 15,
                "retry_rules": {"callback": {"delay_minutes": 90}}}, expect=201)["id"]
            d.api("POST", "/api/v1/campaigns/%d/lists" % cid,
                  {"name": "l", "csv": csv, "mapping": {"phone": "phone", "zone": "zone",
                                                       "priority": "priority"}},
                  expect=201)
            d.set_state("agent1", "ready")
            d.api("POST", "/api/v1/campaigns/%d/start" % cid, {})

            # every call: the customer hangs up, the timed wrap-up ends without a disposition,
            # each lead closes with "no disposition"
            def closed():
                ls = leads_by_number(d, cid)
                return all(ls[n]["status"] == "done" for n in nums) and ls
            ls = wait(closed, 120, "every lead closed")
            assert all(ls[n]["last_result"] is None for n in nums), ls
            recs = {}
            for r in d.contacts(direction="outbound"):
                recs[r["customer_number"]] = r
            assert set(nums) <= set(recs), recs
            assert all(recs[n]["disposition_id"] is None for n in nums), recs

            # the callback disposition on the first record: a callback for the agent, 90 min on
            t0 = int(time.time() * 1000)
            rec = d.api("PATCH", "/api/v1/contacts/%d" % recs[nums[0]]["id"],
                        {"disposition_id": codes["Callback"]}, user="agent1")
            assert rec["disposition"] == "Callback", rec

            def result(n):
                return lambda: leads_by_number(d, cid)[n]["last_result"] and \
                    leads_by_number(d, cid)[n]
            ld = wait(result(nums[0]), 20, "the callback booked")
            assert ld["last_result"] == "callback" and ld["callback"], ld
            assert ld["status"] == "ready" and ld["callback_agent"] == 1, ld
            assert t0 + 89 * 60000 <= ld["next_attempt_at"] <= t0 + 92 * 60000, (t0, ld)
            # a code with no result for the dialer: the second lead stays closed without one
            d.api("PATCH", "/api/v1/contacts/%d" % recs[nums[1]]["id"],
                  {"disposition_id": codes["SALE-%d" % trunk]}, user="agent1")
            time.sleep(1.0)
            ld2 = leads_by_number(d, cid)[nums[1]]
            assert ld2["last_result"] is None and ld2["status"] == "done", ld2
            # then a mapped one: the final result closes it with that result
            d.api("PATCH", "/api/v1/contacts/%d" % recs[nums[1]]["id"],
                  {"disposition_id": codes["not_interested"]}, user="agent1")
            ld2 = wait(result(nums[1]), 20, "the second lead's result")
            assert ld2["last_result"] == "not-interested" and ld2["status"] == "done", ld2
            # a second disposition on a record whose lead has a result: the lead stays as it is
            d.api("PATCH", "/api/v1/contacts/%d" % recs[nums[0]]["id"],
                  {"disposition_id": codes["not_interested"]}, user="agent1")
            time.sleep(1.0)
            again = leads_by_number(d, cid)[nums[0]]
            assert again["last_result"] == "callback" and again["status"] == "ready", again
            # the trail names both, as given later
            evs = d.events(0, timeout=20)
            assert later(evs) == [("callback", True), ("not-interested", True)], later(evs)

            # a clean stop (SIGTERM); meanwhile an outbound record that is not a dialler call,
            # of the agent and for the number of a lead that awaits its disposition
            before = leads_by_number(d, cid)
            assert d.stop() == 0 and "still allocated" not in d.stderr(), d.stderr()[-2000:]
            other = insert_contact(d, direction="outbound", initiation="outbound", queue_id=qid,
                                   customer_number=nums[2])
            d._tokens = {}
            d.start()
            assert d.api("GET", "/api/v1/campaigns/%d" % cid)["running"] is True
            # its disposition changes no lead; nor does a second one on the first record
            rec = d.api("PATCH", "/api/v1/contacts/%d" % other,
                        {"disposition_id": codes["not_interested"]}, user="agent1")
            assert rec["disposition"] == "not_interested", rec
            d.api("PATCH", "/api/v1/contacts/%d" % recs[nums[0]]["id"],
                  {"disposition_id": codes["not_interested"]}, user="agent1")
            time.sleep(1.0)
            assert leads_by_number(d, cid) == before, (before, leads_by_number(d, cid))
            # the third record's disposition maps after the restart: the agent's callback
            t0 = int(time.time() * 1000)
            d.api("PATCH", "/api/v1/contacts/%d" % recs[nums[2]]["id"],
                  {"disposition_id": codes["Callback"]}, user="agent1")
            ld = wait(result(nums[2]), 20, "the callback booked after the restart")
            assert ld["last_result"] == "callback" and ld["callback"], ld
            assert ld["status"] == "ready" and ld["callback_agent"] == 1, ld
            assert t0 + 89 * 60000 <= ld["next_attempt_at"] <= t0 + 92 * 60000, (t0, ld)
            d.events(0, until=lambda evs: len(later(evs)) == 3, timeout=20)

            # a crash (SIGKILL): the fourth record's disposition still maps
            restart(d, kill=True)
            d.api("PATCH", "/api/v1/contacts/%d" % recs[nums[3]]["id"],
                  {"disposition_id": codes["not_interested"]}, user="agent1")
            ld = wait(result(nums[3]), 20, "the fourth lead's result after the crash")
            assert ld["last_result"] == "not-interested" and ld["status"] == "done", ld
            evs = d.events(0, timeout=20)
            assert later(evs) == [("callback", True), ("not-interested", True),
                                  ("callback", True), ("not-interested", True)], later(evs)

            # the campaign deleted: a disposition on its last record still succeeds, and nothing
            # is left to apply it to
            d.api("DELETE", "/api/v1/campaigns/%d" % cid, expect=204)
            rec = d.api("PATCH", "/api/v1/contacts/%d" % recs[nums[4]]["id"],
                        {"disposition_id": codes["not_interested"]}, user="agent1")
            assert rec["disposition"] == "not_interested", rec
            time.sleep(0.5)
            assert len(later(d.events(0, timeout=20))) == 4


if __name__ == "__main__":
    run([test_late_disposition])
