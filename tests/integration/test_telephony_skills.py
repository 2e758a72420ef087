"""Integration: skills and routing with a real SIP call: a caller waits for the only agent with the queue's skill; once the skill is deactivated the router ignores it and another ready agent gets the call (reactivated: it counts again)."""
import time

from sbtest import run
from telx import Caller, Daemon, Sipp, register

CALLER = "+4930555777"


def test_deactivated_skill_no_longer_routes(binary):
    with Daemon(binary, settings={"sip_min_expires": 2}) as d:
        sk = d.api("POST", "/api/v1/skills", {"name": "mortgages"}, expect=201)
        sid = sk["id"]
        # agent1 alone has it; the desk requires it; a number leads there
        mine = [{"skill_id": x["skill_id"], "level": x["level"]} for x in d.agent(1)["skills"]]
        d.api("PUT", "/api/v1/agents/1", {"skills": mine + [{"skill_id": sid, "level": 5}]})
        desk = d.api("POST", "/api/v1/queues", {"name": "mortgage-desk", "client_id": 1,
                                                "wrapup": "none",
                                                "skills": [{"skill_id": sid, "min_level": 1}]},
                     expect=201)
        d.api("POST", "/api/v1/numbers", {"number": "150", "queue_id": desk["id"]}, expect=201)
        d.set_state("agent1", "not_ready", 101)
        port = register(d, "1002")
        with Sipp("agent_answer.xml", args=["-m", 1], port=port) as phone:
            d.set_state("agent2", "ready")
            c = Caller(d, number="150", frm=CALLER)
            try:
                assert c.call() == 200
                # agent2 is ready but lacks the skill: the caller waits
                time.sleep(1.0)
                assert d.queue_live(desk["id"])["in_queue"] == 1
                assert d.agent(2)["state"]["state"] == "ready"
                # deactivated: the requirement no longer counts, agent2 gets the waiting call
                assert d.api("PUT", "/api/v1/skills/%d" % sid, {"active": False})["active"] is False
                a2 = d.wait_agent(2, lambda a: a["state"]["state"] == "talking", what="talking")
                call = a2["state"]["call_id"]
                assert d.queue_live(desk["id"])["in_queue"] == 0
                assert c.hangup() == 200
                phone.ok()
            finally:
                c.close()
        recs = [r for r in d.contacts() if r["call_id"] == call]
        assert recs and recs[0]["agent_id"] == 2 and recs[0]["queue_id"] == desk["id"], recs
        # the queue and agent1 still list the skill (history)
        assert [x["skill_id"] for x in d.api("GET", "/api/v1/queues/%d" % desk["id"])["skills"]] == [sid]
        assert sid in [x["skill_id"] for x in d.agent(1)["skills"]]
        # reactivated: agent2 (ready again, no wrap-up) is no member of the desk any more
        d.wait_agent(2, lambda a: a["state"]["state"] == "ready", what="ready again")
        d.api("PUT", "/api/v1/skills/%d" % sid, {"active": True})
        agents = d.queue_live(desk["id"])["agents"]
        assert sum(agents.values()) == 1 and agents["not-ready"] == 1, agents


if __name__ == "__main__":
    run([test_deactivated_skill_no_longer_routes])
