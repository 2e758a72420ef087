"""Integration: every API resource over real HTTP: create, read, update, delete, their 404/409/422, and durability."""
import csv
import hashlib
import io
import os
import sqlite3
import time
import urllib.parse

from apitest import (API, Client, db_path, insert_contact, kill9_restart, restart, scan_db,
                     scan_files, unique)
from sbtest import Server, error_of, run


def test_sites_clients_teams_skills(binary):
    with Server(binary) as s:
        a = Client(s, "admin")
        sites = a.ok("GET", "sites")["items"]
        assert sites[0]["country_code"] == "49" and sites[0]["time_zone"] == "Europe/Berlin"
        site = a.ok("POST", "sites", {"name": "London", "time_zone": "Europe/London",
                                      "country_code": "44", "trunk_prefix": "0"}, 201)
        assert site["intl_prefix"] == "00"
        assert a.ok("GET", "sites/%d" % site["id"]) == site
        a.err("POST", "sites", {"name": "X", "time_zone": "Mars/Olympus", "country_code": "1"},
              422, "invalid_field", "time_zone")
        a.err("POST", "sites", {"name": "X", "time_zone": "UTC", "country_code": "049"}, 422,
              needle="country_code")
        a.err("PUT", "sites/999", {"name": "Y"}, 404, "not_found")
        assert a.ok("PUT", "sites/%d" % site["id"], {"intl_prefix": "00"})["name"] == "London"
        # clients
        cl = a.ok("POST", "clients", {"name": "Acme Outsourced", "site_id": site["id"]}, 201)
        assert a.ok("PUT", "clients/%d" % cl["id"], {"name": "Acme"})["name"] == "Acme"
        assert cl["id"] in [c["id"] for c in a.ok("GET", "clients")["items"]]
        a.err("POST", "clients", {"name": "Acme", "site_id": site["id"]}, 409, "conflict")
        a.err("POST", "clients", {"name": "Nope", "site_id": 999}, 422, needle="site_id")
        a.err("GET", "clients/999", None, 404)
        # teams: lead change updates the lead's account
        t = a.ok("POST", "teams", {"name": "Team East"}, 201)
        assert t["lead_user_id"] is None
        t = a.ok("PUT", "teams/%d" % t["id"], {"lead_user_id": 3})  # qa1 leads it now
        assert t["lead_user_id"] == 3
        q = Client(s, "qa1")
        assert q.ok("GET", "/api/v1/me")["user"]["team_id"] == t["id"]
        assert a.ok("GET", "teams/%d" % t["id"])["agents"] == []
        assert len(a.ok("GET", "teams/1")["agents"]) == 13  # 12 agents + lead1
        a.err("PUT", "teams/%d" % t["id"], {"lead_user_id": 99999}, 422, needle="lead_user_id")
        a.ok("PUT", "teams/%d" % t["id"], {"lead_user_id": None})
        assert q.ok("GET", "/api/v1/me")["user"]["team_id"] is None
        assert t["id"] in [x["id"] for x in a.ok("GET", "teams")["items"]]
        a.err("GET", "teams/999", None, 404)
        a.err("POST", "teams", {"name": "Team North"}, 409)
        # teams are deactivated once nothing active needs them; no new members then
        assert t["active"] is True
        a.err("PUT", "teams/1", {"active": False}, 409, needle="move them first")
        a.err("PUT", "teams/3", {"active": False}, 409)  # the team-leads group: members and queue 5
        assert a.ok("PUT", "teams/%d" % t["id"], {"active": False})["active"] is False
        assert a.ok("GET", "teams/%d" % t["id"])["active"] is False
        a.err("PUT", "agents/2", {"team_id": t["id"]}, 422, needle="deactivated")
        a.err("POST", "agents", {"name": "New", "extension": "3998", "sip_password": "abcd",
                                 "team_id": t["id"]}, 422, needle="team_id")
        assert a.ok("PUT", "teams/%d" % t["id"], {"active": True})["active"] is True
        a.ok("PUT", "agents/2", {"team_id": t["id"]})
        a.err("PUT", "teams/%d" % t["id"], {"active": False}, 409, needle="agent 2")
        a.ok("PUT", "agents/2", {"team_id": 1})
        # skills
        sk = a.ok("POST", "skills", {"name": "french", "kind": "language"}, 201)
        assert sk["kind"] == "language"
        assert a.ok("PUT", "skills/%d" % sk["id"], {"name": "francais"})["name"] == "francais"
        a.err("POST", "skills", {"name": "x", "kind": "talent"}, 422, needle="kind")
        a.err("POST", "skills", {"name": "general"}, 409)
        a.err("PUT", "skills/999", {"name": "x"}, 404)
        assert "francais" in [x["name"] for x in a.ok("GET", "skills")["items"]]
        assert a.ok("GET", "skills/4")["kind"] == "language"


def test_skill_deactivation(binary):
    """A deactivated skill stays on lists, is not assignable anew and no longer routes."""
    with Server(binary) as s:
        a = Client(s, "admin")
        sk = a.ok("POST", "skills", {"name": "mortgages"}, 201)
        assert sk["active"] is True and sk["kind"] == "skill"
        sid = sk["id"]
        ag2 = a.ok("GET", "agents/2")
        mine = [{"skill_id": x["skill_id"], "level": x["level"]} for x in ag2["skills"]]
        a.ok("PUT", "agents/2", {"skills": mine + [{"skill_id": sid, "level": 5}]})
        desk = a.ok("POST", "queues", {"name": "mortgage-desk", "client_id": 1,
                                       "skills": [{"skill_id": sid, "min_level": 1}]}, 201)
        ref = a.ok("POST", "queues", {"name": "anyone", "client_id": 1}, 201)

        def members(q):
            return sum(a.ok("GET", "queues/%d" % q["id"])["live"]["agents"].values())
        everyone = members(ref)
        assert everyone > 1
        assert members(desk) == 1  # agent 2 alone has it
        # only admins change skills
        Client(s, "super1").err("PUT", "skills/%d" % sid, {"active": False}, 403)
        # deactivated: kept on the lists, ignored by routing (the desk's requirement drops)
        assert a.ok("PUT", "skills/%d" % sid, {"active": False})["active"] is False
        assert a.ok("GET", "skills/%d" % sid)["active"] is False
        got = [x for x in a.ok("GET", "skills")["items"] if x["id"] == sid]
        assert got and got[0]["active"] is False
        assert [x["skill_id"] for x in a.ok("GET", "queues/%d" % desk["id"])["skills"]] == [sid]
        assert sid in [x["skill_id"] for x in a.ok("GET", "agents/2")["skills"]]
        assert members(desk) == everyone
        # not assignable anew (agents, queues), while a list that holds it may keep it
        ag3 = a.ok("GET", "agents/3")
        theirs = [{"skill_id": x["skill_id"], "level": x["level"]} for x in ag3["skills"]]
        a.err("PUT", "agents/3", {"skills": theirs + [{"skill_id": sid, "level": 3}]}, 422,
              needle="is deactivated")
        a.err("POST", "agents", {"name": "Newbie", "extension": "3997", "sip_password": "abcd",
                                 "skills": [{"skill_id": sid, "level": 3}]}, 422,
              needle="skills")
        a.err("PUT", "queues/%d" % ref["id"], {"skills": [{"skill_id": sid, "min_level": 1}]},
              422, needle="deactivated")
        a.ok("PUT", "agents/2", {"skills": mine + [{"skill_id": sid, "level": 6}]})
        a.ok("PUT", "queues/%d" % desk["id"], {"skills": [{"skill_id": sid, "min_level": 2}]})
        assert members(desk) == everyone
        # reactivated: routes again
        assert a.ok("PUT", "skills/%d" % sid, {"active": True})["active"] is True
        assert members(desk) == 1
        # deactivated again, and so after a restart (loaded, still ignored by routing)
        a.ok("PUT", "skills/%d" % sid, {"active": False})
        restart(s)
        a = Client(s, "admin")
        assert a.ok("GET", "skills/%d" % sid)["active"] is False
        assert members(desk) == everyone
        a.ok("PUT", "skills/%d" % sid, {"active": True})
        assert members(desk) == 1


def test_numbers(binary):
    with Server(binary) as s:
        a = Client(s, "admin")
        n = a.ok("POST", "numbers", {"number": "030 555 0100", "queue_id": 2}, 201)
        assert n["number"] == "+49305550100" and n["client_id"] == 1 and n["active"] is True
        a.err("POST", "numbers", {"number": "+49 30 555 0100"}, 409, "conflict")
        short = a.ok("POST", "numbers", {"number": "150", "queue_id": 1}, 201)
        assert short["number"] == "150"
        a.err("POST", "numbers", {"number": "call-me"}, 422, needle="number")
        a.err("POST", "numbers", {"number": "0305550199", "queue_id": 99}, 422, needle="queue_id")
        n = a.ok("PUT", "numbers/%d" % n["id"], {"active": False, "queue_id": 3})
        assert n["active"] is False and n["queue_id"] == 3
        assert a.ok("GET", "numbers/%d" % n["id"]) == n
        a.ok("DELETE", "numbers/%d" % short["id"], want=204)
        a.err("GET", "numbers/%d" % short["id"], None, 404)
        assert "150" not in [x["number"] for x in a.ok("GET", "numbers")["items"]]


def test_queues(binary):
    with Server(binary) as s:
        a = Client(s, "admin")
        qs = a.ok("GET", "queues")["items"]
        assert [q["name"] for q in qs][:5] == ["general", "billing", "loans", "general-es",
                                               "team-leads"]
        live = qs[0]["live"]
        for k in ("in_queue", "oldest_wait_ms", "ewt_ms", "agents", "today"):
            assert k in live, live
        for k in ("sl_offered", "sl_excl_short", "sl2", "asa_ms", "aht_ms", "abandon_rate"):
            assert k in live["today"], live["today"]
        body = {"name": "vip", "client_id": 1, "strategy": "best-skill", "max_wait_ms": 120000,
                "overflow": "queue", "overflow_queue_id": 5, "wrapup": "manual",
                "sl_threshold_ms": 15000, "sl_target_pct": 90, "priority": 5,
                "skills": [{"skill_id": 1, "min_level": 7}, {"skill_id": 4, "min_level": 1}],
                "tiers": [{"after_ms": 30000, "level_drop": 3}, {"after_ms": 60000, "group_id": 3}]}
        q = a.ok("POST", "queues", body, 201)
        for k, v in body.items():
            if k == "tiers":
                assert [t["after_ms"] for t in q["tiers"]] == [30000, 60000], q
                assert q["tiers"][1]["group_id"] == 3
            else:
                assert q[k] == v, (k, q[k], v)
        assert q["live"]["in_queue"] == 0
        # without widening steps, the agents with general >= 7 and English serve it
        q = a.ok("PUT", "queues/%d" % q["id"], {"tiers": []})
        assert q["tiers"] == [] and q["strategy"] == "best-skill"
        agents = a.ok("GET", "agents")["items"]
        serving = [x["id"] for x in agents
                   if any(sk["skill_id"] == 1 and sk["level"] >= 7 for sk in x["skills"])
                   and any(sk["skill_id"] == 4 for sk in x["skills"])]
        assert sum(q["live"]["agents"].values()) == len(serving), (q["live"], serving)
        # field-named refusals, checked before anything is written
        a.err("PUT", "queues/%d" % q["id"], {"wrapup": "timed", "wrapup_ms": 0}, 422,
              needle="wrapup_ms")
        a.err("PUT", "queues/%d" % q["id"], {"overflow_queue_id": q["id"]}, 422,
              needle="overflow_queue_id")
        a.err("PUT", "queues/%d" % q["id"], {"ring_all_max": 65}, 422, needle="ring_all_max")
        a.err("PUT", "queues/%d" % q["id"], {"tiers": [{"after_ms": 5000}, {"after_ms": 4000}]},
              422, needle="tiers")
        a.err("PUT", "queues/%d" % q["id"], {"skills": [{"skill_id": 77, "min_level": 1}]}, 422,
              needle="skills")
        a.err("PUT", "queues/%d" % q["id"], {"strategy": "fastest"}, 422, needle="strategy")
        a.err("POST", "queues", dict(body, name="general"), 409, "conflict")
        a.err("PUT", "queues/999", {"name": "x"}, 404)
        q2 = a.ok("PUT", "queues/%d" % q["id"], {"strategy": "ring-all", "ring_all_max": 3,
                                                  "skills": []})
        assert q2["strategy"] == "ring-all" and q2["skills"] == [] and q2["priority"] == 5
        assert a.ok("GET", "queues/%d" % q["id"])["ring_all_max"] == 3
        a.ok("DELETE", "queues/%d" % q["id"], want=204)
        assert a.ok("GET", "queues/%d" % q["id"])["active"] is False
        a.err("DELETE", "queues/999", None, 404)
        # the change survives a restart (it was committed, and the center reloads it)
        restart(s)
        a = Client(s, "admin")
        q3 = a.ok("GET", "queues/%d" % q["id"])
        assert q3["strategy"] == "ring-all" and q3["active"] is False and q3["ring_all_max"] == 3


def test_users(binary):
    with Server(binary) as s:
        a = Client(s, "admin")
        name = unique("newuser")
        u = a.ok("POST", "users", {"username": name, "display_name": "New User",
                                   "email": "n@example.org", "role": "supervisor",
                                   "password": "correct horse"}, 201)
        assert u["role"] == "supervisor" and u["active"] is True and "password" not in u
        nu = Client(s, name, "correct horse")
        assert nu.ok("GET", "/api/v1/me")["user"]["role"] == "supervisor"
        # the hash is argon2id; the password is nowhere
        con = sqlite3.connect(db_path(s))
        h = con.execute("SELECT password_hash FROM users WHERE id = ?", (u["id"],)).fetchone()[0]
        con.close()
        assert h.startswith("$argon2id$"), h
        a.err("POST", "users", {"username": name, "display_name": "Dup", "role": "qa"}, 409)
        a.err("POST", "users", {"username": "bad name", "display_name": "x", "role": "qa"}, 422,
              needle="username")
        a.err("POST", "users", {"username": unique("u"), "display_name": "x", "role": "boss"},
              422, needle="role")
        a.err("POST", "users", {"username": unique("u"), "display_name": "x", "role": "qa",
                                "password": "short"}, 422, needle="password")
        a.err("POST", "users", {"username": unique("u"), "display_name": "x", "role": "qa",
                                "clients": [42]}, 422, needle="clients")
        u2 = a.ok("PUT", "users/%d" % u["id"], {"display_name": "Renamed", "role": "qa",
                                                "password": "battery staple"})
        assert u2["display_name"] == "Renamed" and u2["role"] == "qa" and u2["email"] == "n@example.org"
        st, _, _ = s.request("POST", API + "/login",
                             {"username": name, "password": "correct horse"})
        assert st == 401
        nu = Client(s, name, "battery staple")
        assert nu.ok("GET", "/api/v1/me")["user"]["role"] == "qa"
        assert a.ok("GET", "users/%d" % u["id"])["display_name"] == "Renamed"
        listed = a.ok("GET", "users?limit=5")
        assert len(listed["items"]) == 5 and listed["next"]
        page2 = a.ok("GET", "users?limit=5&after=" + listed["next"])
        assert page2["items"][0]["id"] > listed["items"][-1]["id"]
        a.err("DELETE", "users/1", None, 409)  # not yourself
        a.err("PUT", "users/1", {"role": "qa"}, 409)
        a.ok("DELETE", "users/%d" % u["id"], want=204)
        st, _, _ = nu.call("GET", "/api/v1/me")
        assert st == 401  # the session ended
        st, _, _ = s.request("POST", API + "/login",
                             {"username": name, "password": "battery staple"})
        assert st == 401
        assert a.ok("GET", "users/%d" % u["id"])["active"] is False
        a.err("GET", "users/99999", None, 404)
        a.err("PUT", "users/99999", {"display_name": "x"}, 404)
        # a team lead sees their team's users only
        lead = Client(s, "lead1")
        ids = [x["id"] for x in lead.ok("GET", "users?limit=1000")["items"]]
        assert 5 in ids and 11 in ids and 25 not in ids and 1 not in ids, ids
        lead.err("GET", "users/25", None, 404)


def test_agents(binary):
    with Server(binary) as s:
        a = Client(s, "admin")
        user = a.ok("POST", "users", {"username": unique("ag"), "display_name": "Agent New",
                                      "role": "agent", "password": "agent pass 1"}, 201)
        body = {"name": "Agent New", "user_id": user["id"], "team_id": 2, "extension": "2101",
                "sip_password": "s3cret", "rank": 40, "groups": [3],
                "skills": [{"skill_id": 1, "level": 8}, {"skill_id": 4, "level": 9}]}
        ag = a.ok("POST", "agents", body, 201)
        assert ag["team_id"] == 2 and ag["groups"] == [3] and ag["state"]["state"] == "logged-out"
        assert "sip_password" not in ag and "sip_ha1" not in ag
        con = sqlite3.connect(db_path(s))
        ha1 = con.execute("SELECT sip_ha1 FROM agents WHERE id = ?", (ag["id"],)).fetchone()[0]
        dump = b"".join(bytes(str(r), "utf-8") for r in con.execute("SELECT * FROM agents"))
        con.close()
        assert ha1 == hashlib.md5(b"2101:switchboard:s3cret").hexdigest()
        assert b"s3cret" not in dump
        # the new agent's account knows its agent and team
        me = Client(s, user["username"], "agent pass 1")
        info = me.ok("GET", "/api/v1/me")["user"]
        assert info["agent_id"] == ag["id"] and info["team_id"] == 2
        assert me.ok("GET", "me/agent")["extension"] == "2101"
        assert 1 in me.ok("GET", "me/agent")["queues"]  # general: level 8 with English
        a.err("POST", "agents", dict(body, extension="1001"), 409)  # taken
        a.err("POST", "agents", dict(body, extension="2102"), 409)  # the user is an agent already
        a.err("PUT", "agents/%d" % ag["id"], {"extension": "2103"}, 422, needle="sip_password")
        a.err("PUT", "agents/%d" % ag["id"], {"skills": [{"skill_id": 1, "level": 11}]}, 422,
              needle="level")
        a.err("PUT", "agents/%d" % ag["id"], {"team_id": 77}, 422, needle="team_id")
        a.err("POST", "agents", {"name": "x", "extension": "2199"}, 422, needle="sip_password")
        ag2 = a.ok("PUT", "agents/%d" % ag["id"], {"extension": "2103", "sip_password": "n3w!",
                                                    "skills": [{"skill_id": 2, "level": 3}]})
        assert ag2["extension"] == "2103" and ag2["skills"] == [{"skill_id": 2, "level": 3}]
        assert a.ok("GET", "agents/%d" % ag["id"])["rank"] == 40
        # logged in: cannot be deactivated
        me.ok("PUT", "me/state", {"state": "ready"})
        a.err("DELETE", "agents/%d" % ag["id"], None, 409)
        me.ok("PUT", "me/state", {"state": "logged_out"})
        a.ok("DELETE", "agents/%d" % ag["id"], want=204)
        assert a.ok("GET", "agents/%d" % ag["id"])["active"] is False
        me.err("PUT", "me/state", {"state": "ready"}, 409)
        a.err("GET", "agents/9999", None, 404)
        # who sees whom
        ids = [x["id"] for x in Client(s, "agent1").ok("GET", "agents")["items"]]
        assert ids == [1], ids
        ids = [x["id"] for x in Client(s, "lead1").ok("GET", "agents")["items"]]
        assert sorted(ids) == list(range(1, 13)) + [101], ids
        Client(s, "agent1").err("GET", "agents/2", None, 404)
        assert len(a.ok("GET", "agents?team_id=2")["items"]) == 14  # 12, lead2 and the new one


def test_agent_state(binary):
    with Server(binary) as s:
        ag = Client(s, "agent1")
        st = ag.ok("GET", "me/agent")
        assert st["state"] == "logged-out" and st["agent_id"] == 1
        codes = {c["name"]: c for c in ag.ok("GET", "reason-codes")["items"]}
        assert codes["break"]["code"] == 101 and codes["lunch"]["code"] == 102
        assert codes["coaching"]["code"] == 105 and codes["coaching"]["selectable"]
        assert not codes["missed"]["selectable"]
        st = ag.ok("PUT", "me/state", {"state": "not_ready", "reason": 102})
        assert st["state"] == "not-ready" and st["reason_name"] == "lunch"
        ag.err("PUT", "me/state", {"state": "not_ready"}, 422, needle="reason")
        ag.err("PUT", "me/state", {"state": "not_ready", "reason": 2}, 422, needle="reason")
        ag.err("PUT", "me/state", {"state": "ready", "reason": 101}, 422, needle="reason")
        ag.err("PUT", "me/state", {"state": "asleep"}, 422, needle="state")
        st = ag.ok("PUT", "me/state", {"state": "ready"})
        assert st["state"] == "ready"
        # the committed state is what the list shows too
        a = Client(s, "admin")
        assert a.ok("GET", "agents/1")["state"]["state"] == "ready"
        # wrap-up: only in wrap-up
        ag.err("POST", "me/wrapup", {"disposition_id": 1, "notes": "x"}, 409, "conflict")
        ag.err("POST", "me/wrapup", {"disposition_id": "one"}, 422, needle="disposition_id")
        # a team lead changes their agent's state, audited; not another team's
        lead = Client(s, "lead1")
        st = lead.ok("PUT", "agents/1/state", {"state": "not_ready", "reason": 105})
        assert st["state"] == "not-ready" and st["reason"] == 105
        lead.err("PUT", "agents/13/state", {"state": "ready"}, 404)
        audit = a.ok("GET", "audit?object_type=agent&object_id=1")["items"]
        assert audit[0]["action"] == "state" and audit[0]["user_id"] == 5, audit[0]
        assert audit[0]["before"]["state"] == "ready"
        st = ag.ok("PUT", "me/state", {"state": "logged_out"})
        assert st["state"] == "logged-out"
        Client(s, "super1").ok("PUT", "agents/13/state", {"state": "ready"})
        assert a.ok("GET", "agents/13")["state"]["state"] == "ready"
        # a supervisor has no agent: me/agent is not theirs
        st, _, _ = Client(s, "super1").call("GET", "me/agent")
        assert st == 403


def test_dispositions_scripts_knowledge(binary):
    with Server(binary) as s:
        a = Client(s, "admin")
        sup = Client(s, "super1")
        ag = Client(s, "agent1")
        d = sup.ok("POST", "dispositions", {"client_id": 1, "code": "T-1", "label": "Test",
                                            "requires_note": True}, 201)
        assert d["active"] is True and d["requires_note"] is True
        sup.err("POST", "dispositions", {"client_id": 1, "code": "T-1", "label": "Again"}, 409)
        sup.err("POST", "dispositions", {"client_id": 5, "code": "T-2", "label": "x"}, 422,
                needle="client_id")
        d = sup.ok("PUT", "dispositions/%d" % d["id"], {"label": "Tested", "category": "other"})
        assert d["label"] == "Tested" and d["code"] == "T-1"
        assert d["id"] in [x["id"] for x in ag.ok("GET", "dispositions?limit=1000")["items"]]
        sup.ok("DELETE", "dispositions/%d" % d["id"], want=204)  # retired, kept
        assert d["id"] not in [x["id"] for x in ag.ok("GET", "dispositions?limit=1000")["items"]]
        assert sup.ok("GET", "dispositions/%d" % d["id"])["active"] is False
        assert d["id"] in [x["id"] for x in sup.ok("GET", "dispositions?all=true&limit=1000")["items"]]
        a.err("GET", "dispositions/99999", None, 404)
        # scripts, per queue; each change bumps the version
        sc = sup.ok("POST", "scripts", {"queue_id": 2, "name": unique("Billing intro"),
                                        "body": "1. Greet\n2. Verify"}, 201)
        assert sc["client_id"] == 1 and sc["version"] == 1
        sc2 = sup.ok("PUT", "scripts/%d" % sc["id"], {"body": "1. Greet warmly"})
        assert sc2["version"] == 2 and sc2["name"] == sc["name"]
        assert sc["id"] in [x["id"] for x in ag.ok("GET", "scripts?queue_id=2")["items"]]
        assert sc["id"] not in [x["id"] for x in ag.ok("GET", "scripts?queue_id=1")["items"]]
        sup.err("POST", "scripts", {"queue_id": 99, "name": "x", "body": ""}, 422,
                needle="queue_id")
        sup.ok("DELETE", "scripts/%d" % sc["id"], want=204)
        a.err("GET", "scripts/%d" % sc["id"], None, 404)
        # knowledge: full-text search, diacritics folded, categories
        kb = sup.ok("POST", "knowledge", {"category": "troubleshooting",
                                          "title": "Kartensperre aufheben",
                                          "body": "Die Karte wird über die Zentrale entsperrt.",
                                          "tags": "karte sperre"}, 201)
        hits = ag.ok("GET", "knowledge?q=" + urllib.parse.quote("uber zentrale"))["items"]
        assert [h["id"] for h in hits] == [kb["id"]], hits
        assert ag.ok("GET", "knowledge?q=kartensperre&category=policies")["items"] == []
        odd = urllib.parse.quote('zzqx" OR "1=1')  # quotes are just text, no query syntax
        assert ag.ok("GET", "knowledge?q=" + odd)["items"] == []
        ag.err("GET", "knowledge?category=gossip", None, 422, needle="category")
        sup.ok("PUT", "knowledge/%d" % kb["id"], {"published": False})
        ag.err("GET", "knowledge/%d" % kb["id"], None, 404)
        assert sup.ok("GET", "knowledge/%d" % kb["id"])["published"] is False
        sup.ok("PUT", "knowledge/%d" % kb["id"], {"published": True, "title": "Karte entsperren"})
        hits = ag.ok("GET", "knowledge?q=entsperren")["items"]
        assert kb["id"] in [h["id"] for h in hits]
        assert ag.ok("GET", "knowledge?q=kartensperre")["items"] == []  # the index followed
        sup.ok("DELETE", "knowledge/%d" % kb["id"], want=204)
        assert ag.ok("GET", "knowledge?q=entsperren")["items"] == []
        ag.err("POST", "knowledge", {"category": "products", "title": "x", "body": "y"}, 403)


def test_callbacks(binary):
    with Server(binary) as s:
        ag = Client(s, "agent1")
        other = Client(s, "agent13")
        due = int(time.time() * 1000) + 3600000
        cb = ag.ok("POST", "callbacks", {"queue_id": 1, "customer_id": 1, "number": "0171 2345678",
                                         "due_at": due, "notes": "call after lunch"}, 201)
        assert cb["number"] == "+491712345678" and cb["status"] == "pending"
        assert cb["client_id"] == 1 and cb["created_by"] == 11 and cb["max_attempts"] == 3
        ag.err("POST", "callbacks", {"queue_id": 1, "number": "not a number", "due_at": due},
               422, needle="number")
        ag.err("POST", "callbacks", {"queue_id": 1, "number": "030123456", "due_at": 5}, 422,
               needle="due_at")
        ag.err("POST", "callbacks", {"queue_id": 1, "number": "030123456", "due_at": due,
                                     "status": "done"}, 422, needle="status")
        ag.err("POST", "callbacks", {"queue_id": 1, "number": "030123456", "due_at": due,
                                     "customer_id": 999999}, 422)
        # agents see their own; the team lead their team's; supervisors all
        assert cb["id"] in [x["id"] for x in ag.ok("GET", "callbacks")["items"]]
        assert cb["id"] not in [x["id"] for x in other.ok("GET", "callbacks")["items"]]
        other.err("GET", "callbacks/%d" % cb["id"], None, 404)
        other.err("PATCH", "callbacks/%d" % cb["id"], {"status": "cancelled"}, 404)
        assert cb["id"] in [x["id"] for x in Client(s, "lead1").ok("GET", "callbacks")["items"]]
        assert cb["id"] not in [x["id"] for x in Client(s, "lead2").ok("GET", "callbacks")["items"]]
        sup = Client(s, "super1")
        assert sup.ok("GET", "callbacks/%d" % cb["id"])["notes"] == "call after lunch"
        cb2 = ag.ok("PATCH", "callbacks/%d" % cb["id"], {"due_at": due + 60000,
                                                           "status": "cancelled"})
        assert cb2["status"] == "cancelled" and cb2["due_at"] == due + 60000
        assert cb2["number"] == cb["number"]
        pending = sup.ok("GET", "callbacks?status=pending&limit=1000")["items"]
        assert cb["id"] not in [x["id"] for x in pending]
        sup.ok("DELETE", "callbacks/%d" % cb["id"], want=204)
        sup.err("GET", "callbacks/%d" % cb["id"], None, 404)
        ag.err("GET", "callbacks?status=lost", None, 422, needle="status")


def test_customers(binary):
    with Server(binary) as s:
        ag = Client(s, "agent1")
        c = ag.ok("POST", "customers", {"name": "Karla Kolumna", "external_ref": unique("K"),
                                        "language": "de", "attributes": {"tier": "gold"},
                                        "phones": [{"number": "+49 30 1234 567", "label": "home"},
                                                   {"number": "0171/5550123"}]}, 201)
        assert c["client_id"] == 1 and c["attributes"] == {"tier": "gold"}
        assert [p["number"] for p in c["phones"]] == ["+49301234567", "+491715550123"]
        assert set(c["items"]) == {"billing", "shipping", "warranty", "product"}
        # the same customer whatever way the number is written
        for typed in ("+49 30 1234567", "0049 30 1234567", "030 1234567", "+49 (0)30 1234567"):
            found = ag.ok("GET", "customers?phone=" + urllib.parse.quote(typed))["items"]
            assert [f["id"] for f in found] == [c["id"]], (typed, found)
        ag.err("GET", "customers?phone=abc", None, 422, needle="phone")
        assert c["id"] in [f["id"] for f in ag.ok("GET", "customers?name=kolum")["items"]]
        assert ag.ok("GET", "customers?name=%25")["items"] == []  # a literal %, not a wildcard
        assert ag.ok("GET", "customers?name=" + urllib.parse.quote("Kolumna%"))["items"] == []
        assert [f["id"] for f in ag.ok("GET", "customers?account=" + c["external_ref"])["items"]] \
            == [c["id"]]
        item = ag.ok("POST", "customers/%d/items" % c["id"],
                     {"type": "warranty", "reference": "SN-" + c["external_ref"],
                      "description": "Kettle", "valid_until": 1900000000000,
                      "data": {"model": "K2"}}, 201)
        assert [f["id"] for f in ag.ok("GET", "customers?account=" + item["reference"])["items"]] \
            == [c["id"]]
        ag.ok("POST", "customers/%d/items" % c["id"], {"type": "billing", "amount_minor": -500,
                                                       "currency": "EUR"}, 201)
        d = ag.ok("GET", "customers/%d" % c["id"])
        assert [i["reference"] for i in d["items"]["warranty"]] == [item["reference"]]
        assert d["items"]["warranty"][0]["data"] == {"model": "K2"}
        assert len(d["items"]["billing"]) == 1 and d["items"]["product"] == []
        assert d["callbacks"] == [] and d["contacts"] == []
        item2 = ag.ok("PUT", "customers/%d/items/%d" % (c["id"], item["id"]), {"status": "claimed"})
        assert item2["status"] == "claimed" and item2["description"] == "Kettle"
        assert ag.ok("GET", "customers/%d/items/%d" % (c["id"], item["id"])) == item2
        assert len(ag.ok("GET", "customers/%d/items" % c["id"])["items"]) == 2
        ag.err("GET", "customers/1/items/%d" % item["id"], None, 404)  # not customer 1's
        ag.err("PUT", "customers/1/items/%d" % item["id"], {"status": "x"}, 404)
        ag.err("POST", "customers/999999/items", {"type": "billing"}, 404)
        ag.err("POST", "customers/%d/items" % c["id"], {"type": "loan"}, 422, needle="type")
        ag.ok("DELETE", "customers/%d/items/%d" % (c["id"], item["id"]), want=204)
        ag.err("GET", "customers/%d/items/%d" % (c["id"], item["id"]), None, 404)
        # changes: fields given; phones replace the list
        c2 = ag.ok("PUT", "customers/%d" % c["id"], {"notes": "prefers e-mail",
                                                     "phones": [{"number": "030 7654321"}]})
        assert c2["name"] == "Karla Kolumna" and c2["notes"] == "prefers e-mail"
        assert [p["number"] for p in c2["phones"]] == ["+49307654321"]
        assert ag.ok("GET", "customers?phone=0301234567")["items"] == []
        ag.err("PUT", "customers/%d" % c["id"], {"phones": [{"number": "12"}]}, 422,
               needle="phones[0].number")
        ag.err("PUT", "customers/%d" % c["id"], {"client_id": 2}, 422, needle="client_id")
        ag.err("POST", "customers", {"name": "x", "phones": [{"number": "x"}]}, 422,
               needle="phones[0].number")
        ag.err("POST", "customers", {"name": "Dup", "external_ref": c["external_ref"]}, 409)
        ag.err("GET", "customers/999999", None, 404)
        ag.err("PUT", "customers/999999", {"name": "x"}, 404)
        # paging
        p1 = ag.ok("GET", "customers?limit=3")
        p2 = ag.ok("GET", "customers?limit=3&after=" + p1["next"])
        assert p2["items"][0]["id"] > p1["items"][-1]["id"]
        ag.err("GET", "customers?limit=0", None, 422, needle="limit")
        # the audit log has the customer's changes under the customer
        au = Client(s, "admin").ok("GET", "audit?object_type=customer&object_id=%d" % c["id"])
        assert {x["action"] for x in au["items"]} == {"create", "update", "delete"}  # items too


def test_contacts_and_csv(binary):
    with Server(binary) as s:
        s.stop()
        base = int(time.time() * 1000) - 3600000
        ids = []
        hostile = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                   "\tTAB", "plain, with \"quotes\"\nand a line"]
        for i, note in enumerate(hostile):
            ids.append(insert_contact(s, agent_id=1 if i % 2 == 0 else 13, queue_id=1 + i % 2,
                                      t_initiated=base + i * 1000, notes=note,
                                      customer_number="+4930111%04d" % i,
                                      direction="outbound" if i == 5 else "inbound"))
        s.start()
        # a call in progress and one in wrap-up (start-up recovery would close them: written
        # now, with ids the center will not reach)
        open_id = insert_contact(s, id=10**9 + 1, agent_id=1, t_initiated=base + 10000,
                                 t_disconnected=None)
        wrap_id = insert_contact(s, id=10**9 + 2, agent_id=1, t_initiated=base + 11000,
                                 t_wrap_start=base)
        sup = Client(s, "super1")
        rows = sup.ok("GET", "contacts?from=%d&to=%d&limit=100" % (base, base + 20000))["items"]
        assert [r["id"] for r in rows] == [wrap_id, open_id] + ids[::-1], rows
        assert rows[-1]["notes"] == hostile[0]
        one = sup.ok("GET", "contacts/%d" % ids[0])
        assert one["customer_number"] == "+49301110000" and one["has_recording"] is False
        # filters and paging
        f = sup.ok("GET", "contacts?from=%d&queue_id=2" % base)["items"]
        assert sorted(r["id"] for r in f) == sorted(ids[1::2])
        assert [r["id"] for r in sup.ok("GET", "contacts?from=%d&direction=outbound" % base)["items"]] == [ids[5]]
        assert [r["id"] for r in sup.ok("GET", "contacts?from=%d&agent_id=13" % base)["items"]] == ids[5::-2]
        p1 = sup.ok("GET", "contacts?from=%d&limit=3" % base)
        p2 = sup.ok("GET", "contacts?from=%d&limit=3&after=%s" % (base, p1["next"]))
        assert [r["id"] for r in p1["items"] + p2["items"]] == [wrap_id, open_id] + ids[::-1][:4]
        sup.err("GET", "contacts?direction=sideways", None, 422, needle="direction")
        sup.err("GET", "contacts?from=yesterday", None, 422, needle="from")
        # agents see their own, team leads their team's
        mine = Client(s, "agent1").ok("GET", "contacts?from=%d" % base)["items"]
        assert sorted(r["id"] for r in mine) == sorted(ids[0::2] + [open_id, wrap_id])
        Client(s, "agent1").err("GET", "contacts/%d" % ids[1], None, 404)
        team2 = Client(s, "lead2").ok("GET", "contacts?from=%d" % base)["items"]
        assert sorted(r["id"] for r in team2) == sorted(ids[1::2])
        # notes and disposition
        ag = Client(s, "agent1")
        r = ag.ok("PATCH", "contacts/%d" % ids[0], {"notes": "called back", "disposition_id": 1})
        assert r["notes"] == "called back" and r["disposition"] == "RES-INFO"
        ag.err("PATCH", "contacts/%d" % ids[1], {"notes": "not mine"}, 404)
        ag.err("PATCH", "contacts/%d" % open_id, {"notes": "x"}, 409)
        ag.err("PATCH", "contacts/%d" % wrap_id, {"notes": "x"}, 409, needle="wrapup")
        ag.err("PATCH", "contacts/%d" % ids[2], {"disposition_id": 99999}, 422,
               needle="disposition_id")
        ag.err("PATCH", "contacts/%d" % ids[2], {}, 422)
        Client(s, "lead2").ok("PATCH", "contacts/%d" % ids[1], {"notes": hostile[1]})
        Client(s, "lead1").err("PATCH", "contacts/%d" % ids[1], {"notes": "x"}, 404)
        # the audit row names the change, not the personal text
        au = Client(s, "admin").ok("GET", "audit?object_type=contact&object_id=%d" % ids[0])
        assert au["items"][0]["after"] == {"disposition_id": 1, "personal": ["notes"]}, au
        # CSV: RFC 4180, formulas defused
        st, h, data = s.request("GET", API + "/contacts.csv?from=%d&to=%d" % (base, base + 6000),
                                token=sup.token)
        assert st == 200 and h["content-type"] == "text/csv; charset=utf-8", h
        assert "attachment" in h["content-disposition"]
        assert not data.startswith(b"\xef\xbb\xbf")
        table = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
        assert len(table) == 6, table
        by_id = {int(r["id"]): r for r in table}
        for i, note in enumerate(hostile):
            cell = by_id[ids[i]]["notes"]
            if i == 0:
                note = "called back"
            elif i == 1:
                note = hostile[1]
            want = "'" + note if note[:1] in ("=", "+", "-", "@", "\t", "\r") else note
            assert cell == want, (i, cell, want)
            assert by_id[ids[i]]["customer_number"] == "'+4930111%04d" % i
        assert by_id[ids[0]]["disposition"] == "RES-INFO"
        assert "recording_ref" not in table[0]
        # a line break inside a cell is quoted, so rows stay rows
        assert data.count(b"\r\n") == 7 + data.count(b"\nand a line") * 0
        mine = Client(s, "agent1")
        st, _, data = s.request("GET", API + "/contacts.csv?from=%d&to=%d" % (base, base + 6000),
                                token=mine.token)
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
        assert sorted(int(r["id"]) for r in rows) == sorted(ids[0::2])


def test_erasure(binary):
    """Erasing a customer leaves nothing of them in any table or file of the data directory."""
    with Server(binary) as s:
        a = Client(s, "admin")
        name, notes, ref = "Zebulon Quixote-Erasure", "secret note 7Q9X", unique("ERASE")
        c = a.ok("POST", "customers", {"name": name, "notes": notes, "external_ref": ref,
                                       "email": "zebulon@erase.example",
                                       "attributes": {"hobby": "falconry-7Q9X"},
                                       "phones": [{"number": "030 99887766"},
                                                  {"number": "+44 20 7946 0999"}]}, 201)
        a.ok("POST", "customers/%d/items" % c["id"], {"type": "shipping",
                                                      "address": "Erasestrasse 7Q9X",
                                                      "reference": "SHIP-" + ref}, 201)
        a.ok("PUT", "customers/%d" % c["id"], {"language": "en"})
        cb = a.ok("POST", "callbacks", {"queue_id": 1, "customer_id": c["id"],
                                        "number": "030 99887766", "due_at": 1900000000000,
                                        "notes": "callback about 7Q9X"}, 201)
        s.stop()
        rec_dir = os.path.join(s.data, "recordings")
        os.makedirs(rec_dir, exist_ok=True)
        rec = os.path.join(rec_dir, "call-7Q9X.wav")
        with open(rec, "wb") as f:
            f.write(b"RIFF....WAVE fake audio")
        outside = os.path.join(s.dir, "outside-7Q9X.wav")
        with open(outside, "wb") as f:
            f.write(b"not ours to delete")
        linked = insert_contact(s, customer_id=c["id"], customer_number="+493099887766",
                                recording_ref="recordings/call-7Q9X.wav")
        insert_contact(s, customer_id=c["id"], customer_number="+442079460999",
                       recording_ref=outside, attributes='{"said": "7Q9X"}')
        unlinked = insert_contact(s, customer_number="+493099887766", notes="unlinked 7Q9X")
        s.start()
        a = Client(s, "admin")
        a.ok("PATCH", "contacts/%d" % linked, {"notes": "contact note 7Q9X"})
        needles = [name, notes, ref, "zebulon@erase", "+493099887766", "+442079460999",
                   "7Q9X"]
        # positive control: all of it is there before
        restart(s)
        found = {n for _, n in scan_db(s, needles)}
        assert found == set(needles), found
        a = Client(s, "admin")
        out = a.ok("DELETE", "customers/%d" % c["id"])
        assert out == {"erased": c["id"], "recordings_deleted": 1, "recordings_missing": 0,
                       "recordings_refused": 1}, out
        assert not os.path.exists(rec) and os.path.exists(outside)
        a.err("GET", "customers/%d" % c["id"], None, 404)
        a.err("DELETE", "customers/%d" % c["id"], None, 404)
        assert a.ok("GET", "callbacks/%d" % cb["id"])["status"] == "cancelled"
        assert a.ok("GET", "contacts/%d" % unlinked)["notes"] is None
        au = a.ok("GET", "audit?object_type=customer&object_id=%d" % c["id"])["items"]
        assert au[0]["action"] == "erase" and all(x["before"] is None and x["after"] is None
                                                  for x in au), au
        s.stop()
        assert scan_db(s, needles) == []
        leftovers = scan_files(s.data, needles)
        assert leftovers == [], leftovers
        s.start()


def test_acknowledged_means_committed(binary):
    """A 2xx is only sent after the commit: kill -9 right after it loses nothing."""
    with Server(binary) as s:
        a = Client(s, "admin")
        made = []
        for i in range(5):
            made.append(("dispositions", a.ok("POST", "dispositions",
                                              {"client_id": 1, "code": unique("ACK"),
                                               "label": "ack %d" % i}, 201)))
            made.append(("customers", a.ok("POST", "customers",
                                           {"name": unique("Ack"),
                                            "phones": [{"number": "0301%06d" % i}]}, 201)))
        q = a.ok("PUT", "queues/2", {"max_wait_ms": 123000})
        u = a.ok("POST", "users", {"username": unique("ack"), "display_name": "Ack",
                                   "role": "qa", "password": "durable pw"}, 201)
        kill9_restart(s)
        a = Client(s, "admin")
        for path, row in made:
            got = a.ok("GET", "%s/%d" % (path, row["id"]))
            assert got["id"] == row["id"]
        assert a.ok("GET", "queues/2")["max_wait_ms"] == q["max_wait_ms"] == 123000
        Client(s, u["username"], "durable pw")


def test_audit_log(binary):
    with Server(binary) as s:
        a = Client(s, "admin")
        t = a.ok("POST", "numbers", {"number": "0301112223", "queue_id": 1}, 201)
        a.ok("PUT", "numbers/%d" % t["id"], {"queue_id": 2})
        a.ok("DELETE", "numbers/%d" % t["id"], want=204)
        items = a.ok("GET", "audit?object_type=number&object_id=%d" % t["id"])["items"]
        assert [x["action"] for x in items] == ["delete", "update", "create"], items
        assert items[1]["before"]["queue_id"] == 1 and items[1]["after"]["queue_id"] == 2
        assert items[2]["after"]["number"] == "+49301112223"
        assert all(x["user_id"] == 1 and x["remote_addr"] == "127.0.0.1" for x in items)
        p = a.ok("GET", "audit?limit=2")
        assert len(p["items"]) == 2 and p["next"]
        assert a.ok("GET", "audit?user_id=1&limit=1")["items"][0]["user_id"] == 1
        a.err("GET", "audit?object_id=x", None, 422)


if __name__ == "__main__":
    run([test_sites_clients_teams_skills, test_skill_deactivation, test_numbers, test_queues, test_users, test_agents,
         test_agent_state, test_dispositions_scripts_knowledge, test_callbacks, test_customers,
         test_contacts_and_csv, test_erasure, test_acknowledged_means_committed, test_audit_log])
