"""Integration: the demo center (--demo) and the demo traffic (--demo-traffic) through the real daemon."""
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import threading
import time

from sbtest import Server, run
from test_sse import Stream

LOGINS = {"admin": "admin", "super1": "supervisor", "qa1": "qa", "planner1": "planner",
          "lead1": "team_lead", "lead2": "team_lead", "agent1": "agent", "agent13": "agent",
          "agent24": "agent"}

# fast, busy traffic for the tests: calls at once, short talks, impatient callers
BUSY = {"calls_per_min": 240, "hour_ms": 5000, "talk_ms": 2500, "patience_ms": 6000,
        "ring_ms": 600, "wrap_ms": 800, "break_every_ms": 15000, "break_ms": 2000, "seed": 11}


def db(s):
    return sqlite3.connect("file:%s?mode=ro" % os.path.join(s.data, "switchboard.db"), uri=True)


def list_routes(binary):
    """(method, path, roles) of every route, from `serve --list-routes`."""
    out = subprocess.run([binary, "serve", "--list-routes"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    return [tuple(line.split(" ", 2)) for line in out.splitlines() if line.count(" ") == 2]


def get_routes(s, token):
    st, _, doc = s.json("GET", "/api/v1/openapi.json", token=token)
    assert st == 200
    return {p for p, ops in doc["paths"].items() if "get" in ops}


def test_seeds_once(binary):
    with Server(binary) as s:
        assert "seeded the demo center" in s.stderr()
        for login, role in LOGINS.items():
            token = s.login(login)[0]
            st, _, doc = s.json("GET", "/api/v1/me", token=token)
            assert st == 200 and doc["user"]["role"] == role, (login, doc)
            if login.startswith("agent"):
                assert doc["user"]["agent_id"] == int(login[5:]), doc
            if login.startswith("lead"):
                assert doc["user"]["agent_id"] == 100 + int(login[4:]), doc
        st, _, doc = s.json("POST", "/api/v1/login", {"username": "agent25", "password": "demo"})
        assert st == 401, (st, doc)
        st, _, doc = s.json("POST", "/api/v1/login", {"username": "admin", "password": "x"})
        assert st == 401
        # what the API serves of the demo center: every GET route of this build, as a user
        # whose role may use it, with id 1 where the route takes ids (the demo has no callbacks)
        tokens = {}
        for method, path, roles in list_routes(binary):
            if method != "GET" or not path.startswith("/api/v1/") or path == "/api/v1/events":
                continue
            login = next(u for u, r in LOGINS.items() if r in roles or roles == "public")
            if login not in tokens:
                tokens[login] = s.login(login)[0]
            url = re.sub(r"\{\w+(:int)?\}", "1", path)
            st, _, body = s.request("GET", url, token=tokens[login])
            assert st == 200 or (st == 404 and ("callbacks" in path or "/qa/" in path
                                                or "/campaigns/" in path)), (
                url, login, st, body)  # no callbacks, quality data or campaigns in the demo
        admin = s.login("admin")[0]
        routes = get_routes(s, admin)
        if "/api/v1/queues" in routes:
            st, _, doc = s.json("GET", "/api/v1/queues", token=admin)
            assert st == 200, doc
            qs = doc if isinstance(doc, list) else next(v for v in doc.values()
                                                       if isinstance(v, list))
            names = {q["name"] for q in qs}
            assert {"general", "billing", "loans", "general-es", "team-leads"} <= names, names
        counts = {t: db(s).execute("SELECT COUNT(*) FROM %s" % t).fetchone()[0]
                  for t in ("users", "customers", "contacts", "events", "account_items")}
        s.stop()
        # a second start on the same data does not seed again and keeps everything
        s.start()
        assert "seeded" not in s.stderr(), s.stderr()
        assert s.login("agent7")[0]
        again = {t: db(s).execute("SELECT COUNT(*) FROM %s" % t).fetchone()[0]
                 for t in ("users", "customers", "contacts", "account_items")}
        assert all(again[t] == counts[t] for t in again), (counts, again)


def test_seed_content(binary):
    with Server(binary) as s:
        s.stop()
        c = db(s)
        one = lambda q, *a: c.execute(q, a).fetchone()[0]
        assert one("SELECT name FROM clients WHERE id = 1") == "Demo Credit Union"
        assert one("SELECT time_zone FROM sites") == "Europe/Berlin"
        # agents 1..24 in two teams of 12 led by lead1 / lead2, SIP extension 1000+N, HA1 of "demo"
        rows = c.execute("SELECT a.id, a.extension, a.sip_realm, a.sip_ha1, a.team_id, u.login "
                         "FROM agents a JOIN users u ON u.id = a.user_id ORDER BY a.id").fetchall()
        assert len(rows) == 26, rows
        for aid, ext, realm, ha1, team, login in rows:
            assert ext == str(1000 + aid)
            assert ha1 == hashlib.md5(("%s:%s:demo" % (ext, realm)).encode()).hexdigest()
            if aid <= 24:
                assert login == "agent%d" % aid and team == (1 if aid <= 12 else 2)
        assert c.execute("SELECT t.name, u.login FROM teams t JOIN users u ON u.id = t.lead_user_id"
                         " ORDER BY t.id").fetchall() == [("Team North", "lead1"),
                                                          ("Team South", "lead2")]
        assert c.execute("SELECT number, queue_id FROM numbers ORDER BY number").fetchall() == [
            ("100", 1), ("101", 2), ("102", 3), ("103", 4)]
        assert c.execute("SELECT name FROM queues ORDER BY id").fetchall() == [
            ("general",), ("billing",), ("loans",), ("general-es",), ("team-leads",)]
        assert one("SELECT COUNT(*) FROM agent_skills WHERE skill_id = 5") >= 4  # Spanish
        # customers: a few hundred, German, Spanish and other names, E.164 numbers, some shared
        n = one("SELECT COUNT(*) FROM customers")
        assert 200 <= n <= 1000, n
        langs = dict(c.execute("SELECT language, COUNT(*) FROM customers GROUP BY 1"))
        assert langs.get("de", 0) > n / 3 and langs.get("es", 0) > 20 and langs.get("en", 0) > 10
        names = [r[0] for r in c.execute("SELECT name FROM customers")]
        assert any(re.search("[äöüß]", x) for x in names) and any(re.search("[áéíóúñ]", x)
                                                                   for x in names)
        assert len(set(names)) > n * 0.8
        phones = [r[0] for r in c.execute("SELECT e164 FROM customer_phones")]
        assert all(re.fullmatch(r"\+49[1-9]\d{8,12}", p) for p in phones), phones[:5]
        assert one("SELECT COUNT(*) FROM (SELECT e164 FROM customer_phones GROUP BY e164"
                   " HAVING COUNT(DISTINCT customer_id) > 1)") >= 3
        assert one("SELECT COUNT(DISTINCT external_ref) FROM customers") == n
        # account items of every type, with balances, addresses and warranty periods
        types = dict(c.execute("SELECT type, COUNT(*) FROM account_items GROUP BY 1"))
        assert set(types) == {"billing", "shipping", "warranty", "product"}, types
        assert one("SELECT COUNT(*) FROM account_items WHERE type = 'billing' AND"
                   " amount_minor IS NOT NULL AND address IS NOT NULL") >= n
        assert one("SELECT COUNT(*) FROM account_items WHERE type = 'warranty' AND"
                   " valid_until > valid_from") == types["warranty"]
        assert one("SELECT COUNT(*) FROM account_items WHERE type = 'shipping'"
                   " AND address LIKE '%, _____ %'") == types["shipping"]
        # dispositions in categories; every history record closed, over the last six weeks
        cats = {r[0] for r in c.execute("SELECT category FROM dispositions")}
        assert {"resolved", "follow_up", "escalated", "sale", "complaint"} <= cats, cats
        now = time.time() * 1000
        h = c.execute("SELECT COUNT(*), MIN(t_initiated), MAX(t_initiated),"
                      " COUNT(DISTINCT customer_id), SUM(disposition_id IS NOT NULL),"
                      " SUM(t_disconnected IS NULL), SUM(agent_id IS NULL) FROM contacts").fetchone()
        assert h[0] >= n and h[3] > n / 2, h
        assert now - 43 * 86400e3 < h[1] and h[2] < now - 3600e3, h
        assert h[4] == h[0] - h[6] and h[5] == 0 and 0 < h[6] < h[0] / 5, h
        assert one("SELECT COUNT(*) FROM contacts c JOIN customer_phones p ON"
                   " p.customer_id = c.customer_id AND p.e164 = c.customer_number") == h[0]
        assert one("SELECT COUNT(*) FROM contacts WHERE notes IS NULL AND agent_id IS NOT NULL") == 0
        # no events for the history: the figures of today start empty
        assert one("SELECT COUNT(*) FROM events WHERE type != 0") == 0
        # scripts for every queue, with placeholders and branches; articles in four categories
        scripts = dict(c.execute("SELECT queue_id, body FROM scripts"))
        assert set(scripts) == {1, 2, 3, 4, 5}, scripts.keys()
        for q, body in scripts.items():
            doc = json.loads(body)
            ids = {st["id"] for st in doc["steps"]}
            assert doc["start"] in ids
            assert any("{{customer.first_name}}" in st["text"] for st in doc["steps"]), q
            for st in doc["steps"]:
                for nxt in [b["next"] for b in st.get("branches", [])] + [st.get("next")]:
                    assert nxt is None or nxt in ids, (q, st)
            assert any(st.get("branches") for st in doc["steps"]), q
        assert json.loads(scripts[4])["language"] == "es"
        arts = dict(c.execute("SELECT category, COUNT(*) FROM knowledge_articles GROUP BY 1"))
        assert set(arts) == {"products", "services", "policies", "troubleshooting"}, arts
        assert min(arts.values()) >= 3
        # the full-text index finds them (diacritics folded)
        assert one("SELECT COUNT(*) FROM knowledge_fts WHERE knowledge_fts MATCH 'stolen'") >= 1


def test_demo_loopback_only(binary):
    for args in (["--http", "0.0.0.0:0"], ["--http", "192.0.2.1:8080"], ["--sip", "10.0.0.1:5060"]):
        for flag in ("--demo", "--demo-traffic"):
            out = subprocess.run([binary, "serve", flag, "--data", "/nonexistent/x"] + args,
                                 capture_output=True, text=True, timeout=30)
            assert out.returncode == 2 and "loopback" in out.stderr, (flag, args, out)
    out = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True)
    assert "--demo-traffic" in out.stdout


def test_traffic_settings_checked(binary):
    bad = [({"demo_traffic": {"calls_per_min": 0}}, "calls_per_min"),
           ({"demo_traffic": {"speed": 2}}, 'unknown demo_traffic setting "speed"'),
           ({"demo_traffic": {"hold_pct": 101}}, "hold_pct"),
           ({"demo_traffic": {"hour_ms": 10}}, "hour_ms"),
           ({"demo_traffic": "yes"}, "demo_traffic")]
    s = Server(binary, start=False)
    try:
        for doc, why in bad:
            with open(s.config, "w") as f:
                json.dump(doc, f)
            out = subprocess.run([binary, "serve", "--list-routes", "--config", s.config],
                                 capture_output=True, text=True, timeout=30)
            assert out.returncode == 2 and why in out.stderr, (doc, out.stderr)
    finally:
        s.close()


def metrics(s):
    st, _, data = s.request("GET", "/metrics")
    assert st == 200
    out = {}
    for line in data.decode().splitlines():
        m = re.match(r"(sb_agents|sb_queue_calls_waiting)\{\w+=\"([^\"]+)\"\} (\S+)", line)
        if m:
            out[(m.group(1), m.group(2))] = float(m.group(3))
    return out


def test_traffic_moves(binary):
    with Server(binary, settings={"demo_traffic": BUSY}) as s:
        assert "demo traffic: callers on 4 queue(s)" in s.stderr(), s.stderr()
        ev = Stream(s, s.login("super1")[0], timeout=10)
        seen, calls, agents = {}, set(), set()
        samples = []
        end = time.time() + 25
        while time.time() < end:
            f = ev.frame()
            assert f is not None
            if "event" not in f:
                continue
            d = json.loads(f["data"])
            seen[f["event"]] = seen.get(f["event"], 0) + 1
            if "call" in d:
                calls.add(d["call"])
            if "agent" in d:
                agents.add(d["agent"])
            if len(samples) < 12 and sum(seen.values()) % 40 == 0:
                samples.append(metrics(s))
            if (all(seen.get(k) for k in ("call-enter", "call-offer", "call-connect",
                                          "call-complete-caller", "call-abandon",
                                          "call-hold", "agent-state"))
                    and len(samples) >= 4):
                break
        ev.close()
        for k in ("call-enter", "call-offer", "call-connect", "call-complete-caller",
                  "call-abandon", "call-hold", "agent-state"):
            assert seen.get(k), (k, seen)
        # agent1 and agent2 are left to people; the others are simulated
        assert 1 not in agents and 2 not in agents and len(agents) > 10, agents
        # the figures move: agents change state, callers wait
        assert len({tuple(sorted(m.items())) for m in samples}) > 1, samples
        assert any(m.get(("sb_agents", "talking"), 0) > 0 for m in samples), samples
        # the queues' live figures, where served
        admin = s.login("admin")[0]
        if "/api/v1/queues" in get_routes(s, admin):
            st, _, doc = s.json("GET", "/api/v1/queues/1", token=admin)
            assert st == 200 and doc["live"]["today"]["offered"] > 0, doc
        time.sleep(1)
        s.stop()
        # contact records of the simulated calls, with the customers' numbers and dispositions
        c = db(s)
        since = min(r[0] for r in c.execute("SELECT time FROM events WHERE type != 0"))
        rows = c.execute("SELECT call_id, customer_id, customer_number, system_number, agent_id,"
                         " disposition_id, disconnect_reason, queue_id FROM contacts"
                         " WHERE t_initiated >= ?", (since,)).fetchall()
        assert len(rows) >= len([k for k in calls]) / 2 and len(rows) > 10, len(rows)
        known = {r[0] for r in c.execute("SELECT e164 FROM customer_phones")}
        assert sum(r[2] in known for r in rows) > len(rows) / 2
        assert all(r[3] in ("100", "101", "102", "103") or r[7] == 5 for r in rows), rows[:3]
        linked = [r for r in rows if r[1]]
        assert linked and all(c.execute("SELECT COUNT(*) FROM customer_phones WHERE"
                                        " customer_id = ? AND e164 = ?", (r[1], r[2])).fetchone()[0]
                              for r in linked)
        assert any(r[5] for r in rows) and any(r[6] == "abandoned" for r in rows)
        assert all(r[4] not in (1, 2) for r in rows)
        # every call the log shows has its records
        entered = {r[0] for r in c.execute("SELECT DISTINCT call_id FROM events"
                                             " WHERE kind = 'call-enter'")}
        assert entered <= {r[0] for r in rows}, entered - {r[0] for r in rows}


def test_sse_reconnect_under_traffic(binary):
    """A client that reconnects with Last-Event-ID misses none of the ACD events in between."""
    with Server(binary, settings={"demo_traffic": BUSY, "sse_ring": 64}) as s:
        token = s.login("admin")[0]
        st = Stream(s, token, timeout=10)
        first = st.events(50)
        st.close()
        last = int(first[-1]["id"])
        time.sleep(1.5)  # the traffic goes on: more than the ring holds, so part comes from disk
        st = Stream(s, token, last_id=last, timeout=10)
        again = st.events(400)
        st.close()
        ids = [int(e["id"]) for e in first + again]
        assert ids == list(range(ids[0], ids[0] + len(ids))), ids
        s.stop()
        c = db(s)
        for e in again:
            kind, call, agent = c.execute("SELECT kind, call_id, agent_id FROM events"
                                          " WHERE seq = ?", (int(e["id"]),)).fetchone()
            assert e["event"] == kind and e["data"].get("call") == call, (e, kind, call)
            assert e["data"].get("agent") == agent, (e, agent)


def test_human_agent_gets_calls(binary):
    """agent1 logs in through the API (when served) and is offered simulated callers."""
    with Server(binary, settings={"demo_traffic": dict(BUSY, calls_per_min=600)}) as s:
        token = s.login("agent1")[0]
        st, _, doc = s.json("GET", "/api/v1/openapi.json", token=token)
        if "/api/v1/me/state" not in doc["paths"]:
            print("test_human_agent_gets_calls: no PUT /api/v1/me/state in this build: skipped")
            return
        st, _, doc = s.json("PUT", "/api/v1/me/state", {"state": "ready"}, token=token)
        assert st in (200, 204), (st, doc)
        ev = Stream(s, token, timeout=10)
        got = None
        end = time.time() + 20
        while time.time() < end and not got:
            f = ev.frame()
            if f and f.get("event") == "call-offer":
                got = json.loads(f["data"])
        ev.close()
        assert got and got["agent"] == 1, got


if __name__ == "__main__":
    run([test_seeds_once, test_seed_content, test_demo_loopback_only,
         test_traffic_settings_checked, test_traffic_moves, test_sse_reconnect_under_traffic,
         test_human_agent_gets_calls])
