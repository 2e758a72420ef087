"""Integration: the web application's routes (calls from the desktop, escalations, referrals and goals,
preferences, wallboard, intervals, hours and menus) and the static files of web/, on the real daemon."""
import os
import shutil
import socket
import sqlite3
import tempfile
import time

from apitest import Client, db_path
from sbtest import Server, error_of, run

# every agent left to people: callers wait until the test's agents take them
TRAFFIC = {"demo_traffic": {"humans": 26, "calls_per_min": 8, "talk_ms": 600000, "patience_ms": 0,
                            "seed": 11}}


def until(fn, secs=30, what="condition"):
    end = time.time() + secs
    last = None
    while time.time() < end:
        last = fn()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError("timed out waiting for %s (%r)" % (what, last))


def offered(c):
    """Waits for a call offered to c's agent; returns GET /me/call."""
    def f():
        st, _, doc = c.call("GET", "me/call")
        return doc if st == 200 and doc["call_id"] and doc["state"] == "reserved" else None
    return until(f, 60, "an offer")


def test_call_flow(binary):
    with Server(binary, settings=TRAFFIC) as s:
        a = Client(s, "agent1")
        assert a.ok("GET", "me/call") == {"call_id": None, "state": "logged-out"}
        a.err("POST", "me/call/answer", {}, 409, "conflict")
        a.err("POST", "me/call/hold", {"hold": True}, 409)
        a.err("PUT", "me/call/notes", {"notes": "x"}, 409)
        a.ok("PUT", "me/state", {"state": "ready"})
        call = offered(a)
        assert call["customer_number"].startswith("+49"), call
        assert call["queue_id"] in (1, 2, 3) and call["queue_name"] and call["contact_id"]
        assert call["wrapup"] == "timed" and call["wrapup_ends_at"] is None
        # the desktop names the call it answers: another one is refused
        a.err("POST", "me/call/answer", {"call_id": call["call_id"] + 1}, 409, needle="not offered")
        a.err("POST", "me/call/answer", {"call": 1}, 422, needle="unknown field")
        st = a.ok("POST", "me/call/answer", {"call_id": call["call_id"]})
        assert st["state"] == "talking" and st["call_id"] == call["call_id"], st
        # the team lead's live list shows the call as the wallboard does: caller, connect time
        lv = [x for x in Client(s, "lead1").ok("GET", "agents/live")["items"] if x["id"] == 1]
        assert len(lv) == 1 and lv[0]["call_id"] == call["call_id"], lv
        assert lv[0]["caller_number"] == call["customer_number"], lv
        assert lv[0]["call_connected_at"] and lv[0]["call_ended_at"] is None, lv
        wb = [x for x in Client(s, "super1").ok("GET", "wallboard")["agents"] if x["id"] == 1][0]
        keys = ("caller_number", "customer_id", "call_connected_at", "call_ended_at")
        assert {k: lv[0][k] for k in keys} == {k: wb[k] for k in keys}, (lv, wb)
        assert a.ok("POST", "me/call/hold", {"hold": True})["state"] == "hold"
        a.err("POST", "me/call/hold", {"hold": True}, 409, needle="already")
        assert a.ok("POST", "me/call/hold", {"hold": False})["state"] == "talking"
        note = "Caller <b>asks</b> about fees; 'quotes' \"too\""
        assert a.ok("PUT", "me/call/notes", {"notes": note})["notes"] == note
        a.err("PUT", "me/call/notes", {"notes": 5}, 422)
        # link the record to a customer (one of the demo's); an unknown one is refused
        a.err("PUT", "me/call/customer", {"customer_id": 999999}, 422)
        a.ok("PUT", "me/call/customer", {"customer_id": 7})
        # a referral for the call, counted in "my day"
        a.err("POST", "referrals", {}, 422, needle='"product"')
        a.err("POST", "referrals", {"product": "Visa Gold", "customer_id": 999999}, 422)
        ref = a.ok("POST", "referrals", {"product": "Visa Gold", "customer_id": 7}, 201)
        assert ref["call_id"] == call["call_id"] and ref["contact_id"] == call["contact_id"]
        day = a.ok("GET", "me/day")
        assert day["referrals"] == {"month_start": day["referrals"]["month_start"], "count": 1,
                                    "goal": 5}, day
        # transfers: not to the queue it is in, nor to a queue that does not exist
        a.err("POST", "me/call/transfer", {"queue_id": call["queue_id"]}, 422, needle="already")
        a.err("POST", "me/call/transfer", {"queue_id": 99}, 422)
        other = 1 if call["queue_id"] != 1 else 2
        st = a.ok("POST", "me/call/transfer", {"queue_id": other})
        assert st["state"] == "wrap-up", st
        a.err("POST", "me/call/hangup", None, 409)
        wrap = a.ok("GET", "me/call")
        assert wrap["state"] == "wrap-up" and wrap["wrapup_ends_at"] > wrap["since"]
        # during wrap-up the desktop shows the agent's own segment, not the caller's next one
        assert wrap["contact_id"] == call["contact_id"] and wrap["notes"] == note, wrap
        assert wrap["t_connected"] is not None
        # ending wrap-up from the desktop records a disposition (*45 and the timer end it without one)
        a.err("POST", "me/wrapup", {"notes": note}, 422, needle='"disposition_id"')
        a.err("POST", "me/wrapup", {"disposition_id": None}, 422, needle='"disposition_id"')
        a.ok("POST", "me/wrapup", {"disposition_id": 1, "notes": note})
        con = sqlite3.connect(db_path(s), timeout=30)
        row = con.execute("SELECT notes, customer_id, disposition_id, disconnect_reason FROM contacts"
                          " WHERE id = ?", (call["contact_id"],)).fetchone()
        con.close()
        assert row == (note, 7, 1, "transferred"), row

        # the next call: hang up from the desktop, then escalate another
        call2 = offered(a)
        a.ok("POST", "me/call/answer")
        assert a.ok("POST", "me/call/hangup")["state"] == "wrap-up"
        a.ok("POST", "me/wrapup", {"disposition_id": 1})
        call3 = offered(a)
        assert call3["call_id"] not in (call["call_id"], call2["call_id"])
        a.ok("POST", "me/call/answer")
        a.err("POST", "me/call/escalate", {}, 422, needle='"reason"')
        st = a.ok("POST", "me/call/escalate", {"reason": "wants the manager"}, 201)
        assert st["state"] == "wrap-up" and st["escalation_id"], st
        lead = Client(s, "lead1")
        items = lead.ok("GET", "escalations")["items"]
        esc = [e for e in items if e["id"] == st["escalation_id"]][0]
        assert esc["call_id"] == call3["call_id"] and esc["status"] == "open" and esc["waiting"]
        assert esc["queue_id"] == 5 and esc["from_agent_id"] == 1 and esc["team_id"] == 1
        assert esc["reason"] == "wants the manager" and esc["from_agent_name"] == "Agent 1"
        # the other team's lead does not see it; a supervisor does
        assert Client(s, "lead2").ok("GET", "escalations")["items"] == []
        assert Client(s, "super1").ok("GET", "escalations?status=open")["items"][0]["id"] == esc["id"]
        Client(s, "super1").err("GET", "escalations?status=nope", None, 422)
        # the lead takes it: ready, the router offers the waiting call (queue 5 rings the leads)
        st = lead.ok("POST", "me/take", {"queue_id": 5})
        assert st["state"] == "reserved", st
        lc = lead.ok("GET", "me/call")
        assert lc["escalation"]["reason"] == "wants the manager", lc
        lead.ok("POST", "me/call/answer")
        until(lambda: [e for e in lead.ok("GET", "escalations")["items"]
                       if e["id"] == esc["id"] and e["status"] == "taken"], 10, "taken")
        done = lead.ok("PATCH", "escalations/%d" % esc["id"], {"status": "closed"})
        assert done["status"] == "closed" and done["closed_by"] == 5 and done["taken_by"] == 101
        lead.err("PATCH", "escalations/%d" % esc["id"], {"status": "closed"}, 404)
        lead.err("PATCH", "escalations/%d" % esc["id"], {"status": "open"}, 422)
        lead.err("POST", "me/take", {"queue_id": 5}, 409)  # on a call now


def test_take_rules(binary):
    with Server(binary) as s:
        lead = Client(s, "lead1")
        lead.err("POST", "me/take", {"queue_id": 5}, 409, needle="no call")
        lead.err("POST", "me/take", {"queue_id": 77}, 422)
        lead.err("POST", "me/take", {}, 422)


def test_preferences_and_goals(binary):
    with Server(binary) as s:
        q = Client(s, "qa1")
        assert q.ok("GET", "me/preferences") == {"language": None, "sound": True}
        assert q.ok("PUT", "me/preferences", {"language": "de"}) == {"language": "de",
                                                                      "sound": True}
        assert q.ok("PUT", "me/preferences", {"sound": False}) == {"language": "de",
                                                                    "sound": False}
        q.err("PUT", "me/preferences", {"language": "fr"}, 422, needle="en, de")
        q.err("PUT", "me/preferences", {"theme": "dark"}, 422, needle="unknown field")
        # per user: another user's are untouched
        assert Client(s, "qa1").ok("GET", "me/preferences")["language"] == "de"
        assert Client(s, "planner1").ok("GET", "me/preferences")["language"] is None

        a = Client(s, "agent1")
        assert a.ok("GET", "goals")["items"][0]["target"] == 5
        sup = Client(s, "super1")
        g = sup.ok("PUT", "goals", {"metric": "referrals", "team_id": 1, "target": 7})
        assert g["team_id"] == 1 and g["target"] == 7
        assert a.ok("GET", "me/day")["referrals"]["goal"] == 7
        sup.ok("PUT", "goals", {"metric": "referrals", "agent_id": 1, "target": 9})
        assert a.ok("GET", "me/day")["referrals"]["goal"] == 9
        assert Client(s, "agent13").ok("GET", "me/day")["referrals"]["goal"] == 5
        sup.ok("PUT", "goals", {"metric": "referrals", "agent_id": 1, "target": 3})
        assert a.ok("GET", "me/day")["referrals"]["goal"] == 3
        sup.err("PUT", "goals", {"metric": "referrals", "team_id": 1, "agent_id": 1,
                                 "target": 1}, 422, needle="not both")
        sup.err("PUT", "goals", {"metric": "sales", "target": 1}, 422)
        sup.err("PUT", "goals", {"metric": "referrals", "target": -1}, 422)
        sup.err("PUT", "goals", {"metric": "referrals", "team_id": 99, "target": 1}, 422)
        audit = Client(s, "admin").ok("GET", "audit?object_type=goal")["items"]
        assert len(audit) == 3 and audit[0]["after"]["target"] == 3
        # referrals: an agent sees their own, a lead their team's
        assert a.ok("GET", "referrals")["items"] == []
        a.ok("POST", "referrals", {"product": "Savings plan"}, 201)
        Client(s, "agent13").ok("POST", "referrals", {"product": "Car loan"}, 201)
        assert [r["product"] for r in a.ok("GET", "referrals")["items"]] == ["Savings plan"]
        assert [r["product"] for r in Client(s, "lead1").ok("GET", "referrals")["items"]] == \
            ["Savings plan"]
        assert len(sup.ok("GET", "referrals")["items"]) == 2
        assert a.ok("GET", "referrals?agent_id=13")["items"] == []


def test_wallboard_and_intervals(binary):
    with Server(binary, settings=TRAFFIC) as s:
        sup = Client(s, "super1")
        until(lambda: sum(q["waiting"] for q in sup.ok("GET", "wallboard")["queues"]) >= 2, 60,
              "callers waiting")
        wb = sup.ok("GET", "wallboard")
        assert [q["id"] for q in wb["queues"]] == [1, 2, 3, 4, 5]
        assert wb["seq"] > 0 and wb["interval_ms"] == 900000
        q = wb["queues"][0]
        for k in ("waiting", "oldest_wait_ms", "ewt_ms", "agents", "today", "sl_threshold_ms",
                  "sl_target_pct", "short_abandon_ms"):
            assert k in q, k
        for k in ("sl_excl_short", "sl_offered", "sl2", "asa_ms", "abandon_rate",
                  "abandon_rate_excl_short", "offered", "answered", "abandoned_short"):
            assert k in q["today"], k
        assert q["today"]["sl_offered"] is None or q["today"]["offered"] > 0
        assert len(wb["agents"]) == 26 and {"state", "since", "call_id"} <= set(wb["agents"][0])
        iv = sup.ok("GET", "intervals")
        assert iv["queues"] == [1, 2, 3, 4, 5] and iv["interval_ms"] == 900000
        assert sum(i["offered"] for i in iv["items"]) == sum(x["today"]["offered"]
                                                               for x in wb["queues"])
        assert all(i["start"] % 900000 == 0 for i in iv["items"])
        one = sup.ok("GET", "intervals?queue_id=1")
        assert one["queues"] == [1]
        sup.err("GET", "intervals?queue_id=77", None, 404)
        sup.err("GET", "intervals?queue_id=x", None, 422)
        # agents see only their own state in the live list; leads their team
        assert [x["id"] for x in Client(s, "agent1").ok("GET", "agents/live")["items"]] == [1]
        ids = [x["id"] for x in Client(s, "lead2").ok("GET", "agents/live")["items"]]
        assert set(ids) == set(range(13, 25)) | {102}, ids


def test_hours_and_menus(binary):
    with Server(binary) as s:
        adm = Client(s, "admin")
        assert adm.ok("GET", "queues/1/hours") == {"queue_id": 1, "time_zone": "Europe/Berlin",
                                                  "hours": None}
        hours = {"mon": [["08:00", "12:00"], ["13:00", "18:00"]], "sat": [["09:00", "13:00"]],
                 "closed": ["2026-12-25"]}
        assert adm.ok("PUT", "queues/1/hours", {"hours": hours})["hours"] == hours
        assert Client(s, "agent1").ok("GET", "queues/1/hours")["hours"] == hours
        for bad, needle in (({"mon": [["12:00", "08:00"]]}, "hours.mon"),
                            ({"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}, "overlap"),
                            ({"xyz": []}, "hours.xyz"), ({"mon": [["8:00", "12:00"]]}, "HH:MM"),
                            ({"mon": [["08:00", "24:01"]]}, "HH:MM"),
                            ({"closed": ["2026-13-01"]}, "YYYY-MM-DD"), ([], "object")):
            adm.err("PUT", "queues/1/hours", {"hours": bad}, 422, needle=needle)
        adm.err("PUT", "queues/1/hours", {}, 422, needle="required")
        adm.err("PUT", "queues/99/hours", {"hours": None}, 404)
        assert adm.ok("PUT", "queues/1/hours", {"hours": None})["hours"] is None
        menu = {"prompt": "For billing press 1, for loans press 2.",
                "options": [{"digit": "1", "queue_id": 2, "label": "Billing"},
                            {"digit": "2", "queue_id": 3}], "default_queue_id": 1,
                "timeout_ms": 5000}
        assert adm.ok("PUT", "numbers/1/menu", {"menu": menu})["menu"] == menu
        assert Client(s, "super1").ok("GET", "numbers/1/menu")["menu"] == menu
        for bad, needle in (({"options": [{"digit": "1", "queue_id": 2}]}, "prompt"),
                            ({"prompt": "x", "options": []}, "1 to 12"),
                            ({"prompt": "x", "options": [{"digit": "11", "queue_id": 2}]},
                             "options[0]"),
                            ({"prompt": "x", "options": [{"digit": "1", "queue_id": 2},
                                                         {"digit": "1", "queue_id": 3}]},
                             "options[1]"),
                            ({"prompt": "x", "options": [{"digit": "1", "queue_id": 99}]},
                             "no queue 99"),
                            ({"prompt": "x", "options": [{"digit": "1", "queue_id": 2}],
                              "timeout_ms": 5}, "timeout_ms"),
                            ({"prompt": "x", "options": [{"digit": "1", "queue_id": 2,
                                                          "x": 1}]}, "options[0]"),
                            ({"prompt": "x", "options": [{"digit": "1", "queue_id": 2}],
                              "extra": 1}, "menu.extra")):
            adm.err("PUT", "numbers/1/menu", {"menu": bad}, 422, needle=needle)
        adm.err("PUT", "numbers/99/menu", {"menu": None}, 404)
        audit = adm.ok("GET", "audit?object_type=number&object_id=1")["items"]
        assert audit and audit[0]["after"]["prompt"] == menu["prompt"]
        assert adm.ok("GET", "audit?object_type=queue&object_id=1")["items"][0]["after"] == \
            {"hours": None}


def raw(s, path, method="GET", headers=None):
    """A request with the path sent byte for byte (no client-side normalisation)."""
    sock = socket.create_connection((s.host, s.port), timeout=10)
    try:
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s:%d" % (s.host, s.port),
                 "Connection: close"] + ["%s: %s" % kv for kv in (headers or {}).items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    hdrs = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.decode().partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


def test_static_files(binary):
    with Server(binary) as s:
        st, h, body = raw(s, "/")
        assert st == 200 and h["content-type"] == "text/html; charset=utf-8"
        assert b'type="module" src="/js/main.js"' in body and b"<script>" not in body
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and h["x-content-type-options"] == "nosniff"
        assert h["cache-control"] == "no-cache" and h["etag"].startswith('"')
        for path, ctype in (("/app.css", "text/css; charset=utf-8"),
                            ("/js/main.js", "text/javascript; charset=utf-8"),
                            ("/i18n/de.json", "application/json"),
                            ("/favicon.svg", "image/svg+xml"),
                            ("/vendor/uplot/uPlot.esm.js", "text/javascript; charset=utf-8"),
                            ("/vendor/uplot/uPlot.min.css", "text/css; charset=utf-8")):
            st, h, body = raw(s, path)
            assert st == 200 and h["content-type"] == ctype and body, (path, st, h)
            assert h["x-content-type-options"] == "nosniff"
            # revalidation: 304 without a body for the same ETag, 200 for another
            st2, h2, body2 = raw(s, path, headers={"If-None-Match": h["etag"]})
            assert st2 == 304 and body2 == b"" and h2["etag"] == h["etag"], (path, st2)
            st3, _, _ = raw(s, path, headers={"If-None-Match": '"other"'})
            assert st3 == 200
        st, h, body = raw(s, "/js/main.js", method="HEAD")
        assert st == 200 and body == b""
        # nothing outside web/, no listings, no hidden files, no unknown types, no unlisted npm files
        for path in ("/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/js/..%2f..%2fetc%2fpasswd",
                     "/js/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd",
                     "/js/", "/js", "/i18n", "/.git/config", "/js/.hidden.js", "/README.md",
                     "/vendor/uplot/uPlot.cjs.js", "/vendor/uplot/..%2fpackage.json",
                     "/vendor/playwright-core/index.js",
                     "/js/nope.js", "/nope/x.js", "/web/index.html", "/js/main.js/",
                     "/vendor/uplot/%2e%2e%2f%2e%2e%2fuplot%2fpackage.json"):
            st, h, body = raw(s, path)
            assert st in (400, 404), (path, st, body[:100])
            assert b"root:" not in body and b"[core]" not in body and b'"name"' not in body, path
        # a NUL ends the path where the server decodes it: the file before it, with its own type
        st, h, _ = raw(s, "/js/main.js%00.css")
        assert st in (400, 404) or h["content-type"].startswith("text/javascript"), (st, h)
        st, _, body = raw(s, "/nope.js")
        assert st == 404 and error_of(__import__("json").loads(body)) == ("not_found",
                                                                         "no such file")
        # writes are not routed to files
        st, h, _ = raw(s, "/app.css", method="POST")
        assert st == 405 and h["allow"] == "GET, HEAD"


def test_static_symlink_and_edits(binary):
    """A link out of web/ is refused; an edited file is served fresh with a new ETag."""
    tmp = tempfile.mkdtemp(prefix="sbweb-")
    web = os.path.join(tmp, "web")
    shutil.copytree(os.path.join(os.path.dirname(__file__), "..", "..", "web"), web)
    os.symlink("/etc/passwd", os.path.join(web, "passwd.txt"))
    os.symlink("/etc", os.path.join(web, "etc"))
    old = os.environ.get("SB_WEB_DIR")
    os.environ["SB_WEB_DIR"] = web
    try:
        with Server(binary) as s:
            for path in ("/passwd.txt", "/etc/passwd.txt", "/etc/hostname.txt"):
                st, _, body = raw(s, path)
                assert st == 404 and b"root:" not in body, (path, st)
            st, h1, _ = raw(s, "/app.css")
            with open(os.path.join(web, "app.css"), "a") as f:
                f.write("\n/* edited */\n")
            st, h2, body = raw(s, "/app.css")
            assert st == 200 and body.endswith(b"/* edited */\n") and h2["etag"] != h1["etag"]
    finally:
        if old is None:
            del os.environ["SB_WEB_DIR"]
        else:
            os.environ["SB_WEB_DIR"] = old
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    run([test_call_flow, test_take_rules, test_preferences_and_goals, test_wallboard_and_intervals,
         test_hours_and_menus, test_static_files, test_static_symlink_and_edits])
