"""Integration: the routes the browser's campaign screens add (issue 9, item 8): GET
/campaign-callbacks, the scheduled campaign callbacks an agent sees on the desktop (their own), and
supervisors for everyone or one agent; who may ask, and the OpenAPI document naming it."""
import sqlite3
import time

from apitest import Client, db_path, unique
from sbtest import Server, run

ALL_DAY = {"abandon_limit_pct": 3, "abandon_window_hours": 720, "window_start": "00:00",
           "window_end": "24:00", "min_ring_seconds": 15}


def test_campaign_callbacks(binary):
    with Server(binary) as s:
        adm = Client(s, "admin")
        sup = Client(s, "super1")
        a1 = Client(s, "agent1")
        a2 = Client(s, "agent2")
        camp = sup.ok("POST", "campaigns", {
            "name": unique("Callbacks"), "client_id": 1, "agents": [1, 2], "profile": "custom",
            "profile_custom": ALL_DAY, "dial_mode": "preview"}, want=201)
        cid = camp["id"]
        csv = "phone,first,last,zone\n" + "".join(
            "+4930555%04d,First%d,Last%d,Europe/Berlin\n" % (i, i, i) for i in range(6))
        imp = sup.ok("POST", "campaigns/%d/lists" % cid,
                     {"name": "cb", "csv": csv, "mapping": {"phone": "phone", "zone": "zone",
                                                           "first_name": "first",
                                                           "last_name": "last"}}, want=201)
        assert imp["imported"] == 6, imp
        # nothing booked yet
        assert a1.ok("GET", "campaign-callbacks")["items"] == []
        leads = {x["number"]: x for x in
                 sup.ok("GET", "campaigns/%d/leads?limit=100" % cid)["items"]}
        ids = [leads["+4930555%04d" % i]["id"] for i in range(6)]
        now = int(time.time() * 1000)
        t1, t2, t3 = now + 86400000, now + 3600000, now + 7200000
        # the dialler's state as a callback disposition leaves it (tel_dial.c writes these)
        con = sqlite3.connect(db_path(s), timeout=30)
        book = "UPDATE leads SET callback = 1, callback_agent = ?, next_attempt_at = ?," \
               " last_result = 'callback', attempts = 1, status = ? WHERE id = ?"
        con.execute(book, (1, t1, "ready", ids[0]))       # agent 1, tomorrow
        con.execute(book, (1, t2, "ready", ids[1]))       # agent 1, in an hour
        con.execute(book, (2, t3, "ready", ids[2]))       # agent 2
        con.execute(book, (None, t3, "ready", ids[3]))    # anyone
        con.execute(book, (1, t2, "done", ids[4]))        # done: not waiting any more
        con.commit()
        con.close()

        mine = a1.ok("GET", "campaign-callbacks")["items"]
        assert [x["lead_id"] for x in mine] == [ids[0], ids[1]], mine
        x = mine[0]
        assert x == {"lead_id": ids[0], "campaign_id": cid, "campaign_name": camp["name"],
                     "number": "+49305550000", "first_name": "First0", "last_name": "Last0",
                     "zone": "Europe/Berlin", "due_at": t1, "agent_id": 1, "attempts": 1,
                     "status": "ready"}, x
        assert [x["lead_id"] for x in a2.ok("GET", "campaign-callbacks")["items"]] == [ids[2]]
        # an agent asks for their own only
        a1.ok("GET", "campaign-callbacks?agent_id=1")
        a1.err("GET", "campaign-callbacks?agent_id=2", None, 403)
        a1.err("GET", "campaign-callbacks?agent_id=x", None, 422)
        # supervisors and admins: everyone's (the one for anyone included), or one agent's
        every = [x["lead_id"] for x in adm.ok("GET", "campaign-callbacks")["items"]]
        assert every == ids[:4], every
        anyone = [x for x in sup.ok("GET", "campaign-callbacks")["items"] if x["agent_id"] is None]
        assert [x["lead_id"] for x in anyone] == [ids[3]], anyone
        assert [x["lead_id"] for x in sup.ok("GET", "campaign-callbacks?agent_id=2")["items"]] \
            == [ids[2]]
        # paging by lead id
        page = adm.ok("GET", "campaign-callbacks?limit=3")
        assert [x["lead_id"] for x in page["items"]] == ids[:3] and page["next"], page
        rest = adm.ok("GET", "campaign-callbacks?limit=3&after=%s" % page["next"])
        assert [x["lead_id"] for x in rest["items"]] == [ids[3]] and not rest["next"], rest
        # planners and QA: not theirs
        Client(s, "planner1").err("GET", "campaign-callbacks", None, 403)
        Client(s, "qa1").err("GET", "campaign-callbacks", None, 403)
        # deleting the campaign takes its callbacks with it
        sup.ok("DELETE", "campaigns/%d" % cid, want=204)
        assert a1.ok("GET", "campaign-callbacks")["items"] == []
        # the OpenAPI document names the route
        st, _, doc = s.json("GET", "/api/v1/openapi.json")
        assert st == 200 and "get" in doc["paths"]["/api/v1/campaign-callbacks"], \
            sorted(doc["paths"])[:5]


if __name__ == "__main__":
    run([test_campaign_callbacks])
