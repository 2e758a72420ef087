"""Integration: hostile input on every API write route: broken JSON, wrong types, unknown fields, oversized
bodies, duplicate keys, \\u0000, invalid UTF-8, SQL-injection and script strings; and cross-site writes."""
import json
import re
import sqlite3
import time

from apitest import HOSTILE, Client, db_path, insert_contact, tables, unique
from sbtest import Server, error_of, run

MAX_BODY = 65536
DUE = int(time.time() * 1000) + 86400000

# kinds: text = free text, stored verbatim; fmt = a validated format (hostile text is refused);
# int, bool, enum, obj, arr: typed values. A write route: method, path (with {fixture} names),
# a function giving a valid body, and its fields.
ROUTES = [
    ("POST", "sites", lambda: {"name": unique("Site"), "time_zone": "UTC", "country_code": "1"},
     {"name": "text", "time_zone": "fmt", "country_code": "fmt", "trunk_prefix": "fmt",
      "intl_prefix": "fmt"}),
    ("PUT", "sites/1", lambda: {"name": unique("Main office")}, {"name": "text"}),
    ("POST", "clients", lambda: {"name": unique("Client"), "site_id": 1},
     {"name": "text", "site_id": "int"}),
    ("PUT", "clients/{client}", lambda: {"name": unique("Client")}, {"name": "text", "site_id": "int"}),
    ("POST", "teams", lambda: {"name": unique("Team")}, {"name": "text", "lead_user_id": "int"}),
    ("PUT", "teams/{team}", lambda: {"name": unique("Team")}, {"name": "text", "lead_user_id": "int"}),
    ("POST", "skills", lambda: {"name": unique("skill"), "kind": "skill"},
     {"name": "text", "kind": "enum"}),
    ("PUT", "skills/{skill}", lambda: {"name": unique("skill")}, {"name": "text", "kind": "enum"}),
    ("POST", "numbers", lambda: {"number": "030%07d" % (unique.n + 1000000)},
     {"number": "fmt", "client_id": "int", "queue_id": "int", "active": "bool"}),
    ("PUT", "numbers/{number}", lambda: {"active": True},
     {"number": "fmt", "client_id": "int", "queue_id": "int", "active": "bool"}),
    ("POST", "queues", lambda: {"name": unique("queue"), "client_id": 1},
     {"name": "text", "client_id": "int", "strategy": "enum", "ring_all_max": "int",
      "join_empty": "bool", "sl_target_pct": "int", "skills": "arr", "tiers": "arr",
      "overflow": "enum", "wrapup": "enum"}),
    ("PUT", "queues/{queue}", lambda: {"priority": 1},
     {"name": "text", "max_wait_ms": "int", "active": "bool", "skills": "arr"}),
    ("POST", "users", lambda: {"username": unique("u"), "display_name": "U", "role": "qa",
                               "password": "long enough"},
     {"username": "fmt", "display_name": "text", "email": "text", "role": "enum",
      "password": "secret", "site_id": "int", "active": "bool", "clients": "arr"}),
    ("PUT", "users/{user}", lambda: {"display_name": "V"},
     {"display_name": "text", "email": "text", "role": "enum", "password": "secret",
      "clients": "arr"}),
    ("POST", "agents", lambda: {"name": "Agent", "extension": "3%03d" % (unique.n % 1000),
                                "sip_password": "abcd"},
     {"name": "text", "extension": "fmt", "sip_password": "secret", "sip_realm": "text",
      "static_contact": "text", "team_id": "int", "rank": "int", "active": "bool",
      "skills": "arr", "groups": "arr"}),
    ("PUT", "agents/{agent}", lambda: {"rank": 3},
     {"name": "text", "static_contact": "text", "rank": "int", "skills": "arr"}),
    ("PUT", "agents/1/state", lambda: {"state": "logged_out"}, {"state": "enum", "reason": "int"}),
    ("PUT", "me/state", lambda: {"state": "logged_out"}, {"state": "enum", "reason": "int"}),
    ("POST", "me/wrapup", lambda: {"disposition_id": 1}, {"disposition_id": "int", "notes": "nostore"}),
    ("POST", "dispositions", lambda: {"code": unique("C"), "label": "L", "client_id": 1},
     {"code": "text", "label": "text", "category": "text", "requires_note": "bool",
      "client_id": "int"}),
    ("PUT", "dispositions/{disposition}", lambda: {"label": "M"},
     {"code": "text", "label": "text", "category": "text", "active": "bool"}),
    ("POST", "scripts", lambda: {"name": unique("S"), "body": "B", "queue_id": 1},
     {"name": "text", "body": "text", "queue_id": "int", "active": "bool"}),
    ("PUT", "scripts/{script}", lambda: {"body": "C"}, {"name": "text", "body": "text"}),
    ("POST", "knowledge", lambda: {"category": "products", "title": "T", "body": "B"},
     {"category": "enum", "title": "text", "body": "text", "tags": "text", "published": "bool"}),
    ("PUT", "knowledge/{knowledge}", lambda: {"title": "U"},
     {"title": "text", "body": "text", "tags": "text", "category": "enum"}),
    ("POST", "callbacks", lambda: {"queue_id": 1, "number": "030 1234567", "due_at": DUE},
     {"queue_id": "int", "number": "fmt", "due_at": "int", "notes": "text", "status": "enum",
      "max_attempts": "int"}),
    ("PATCH", "callbacks/{callback}", lambda: {"status": "pending"},
     {"notes": "text", "due_at": "int", "status": "enum"}),
    ("POST", "customers", lambda: {"name": "N", "client_id": 1},
     {"name": "text", "email": "text", "notes": "text", "external_ref": "text",
      "language": "text16", "attributes": "obj", "phones": "arr"}),
    ("PUT", "customers/{customer}", lambda: {"notes": "n"},
     {"name": "text", "email": "text", "notes": "text", "external_ref": "text",
      "attributes": "obj", "phones": "arr"}),
    ("POST", "customers/{customer}/items", lambda: {"type": "product"},
     {"type": "enum", "reference": "text", "description": "text", "status": "text",
      "address": "text", "currency": "fmt", "amount_minor": "int", "valid_until": "int",
      "data": "obj"}),
    ("PUT", "customers/{customer}/items/{item}", lambda: {"status": "s"},
     {"reference": "text", "description": "text", "status": "text", "address": "text",
      "data": "obj"}),
    ("PATCH", "contacts/{contact}", lambda: {"notes": "n"},
     {"notes": "text", "disposition_id": "int"}),
    ("POST", "users/{user}/unlock", lambda: {}, {"address": "fmt"}),
]

WRONG = {"text": 12345, "text16": 12345, "nostore": 12345, "secret": 12345, "fmt": 12345, "int": "12",
         "bool": "true", "enum": 7, "obj": "x", "arr": "x"}

# where a written value can be read back (same path, or the list it lands in)
READ_BACK = {"me/state": None, "agents/1/state": None, "me/wrapup": None}


def fixtures(s, a):
    """Rows the update routes work on, created as admin (and one contact record)."""
    fx = {}
    fx["client"] = a.ok("POST", "clients", {"name": unique("FxClient"), "site_id": 1}, 201)["id"]
    fx["team"] = a.ok("POST", "teams", {"name": unique("FxTeam")}, 201)["id"]
    fx["skill"] = a.ok("POST", "skills", {"name": unique("fxskill")}, 201)["id"]
    fx["number"] = a.ok("POST", "numbers", {"number": "0309990001"}, 201)["id"]
    fx["queue"] = a.ok("POST", "queues", {"name": unique("fxq"), "client_id": 1}, 201)["id"]
    fx["user"] = a.ok("POST", "users", {"username": unique("fxu"), "display_name": "Fx",
                                        "role": "qa"}, 201)["id"]
    fx["agent"] = a.ok("POST", "agents", {"name": "Fx", "extension": "4999",
                                          "sip_password": "abcd"}, 201)["id"]
    fx["disposition"] = a.ok("POST", "dispositions", {"code": unique("FX"), "label": "Fx",
                                                      "client_id": 1}, 201)["id"]
    fx["script"] = a.ok("POST", "scripts", {"name": unique("fx"), "body": "x", "queue_id": 1},
                        201)["id"]
    fx["knowledge"] = a.ok("POST", "knowledge", {"category": "products", "title": "Fx",
                                                 "body": "x"}, 201)["id"]
    fx["callback"] = a.ok("POST", "callbacks", {"queue_id": 1, "number": "0301112233",
                                                "due_at": DUE}, 201)["id"]
    fx["customer"] = a.ok("POST", "customers", {"name": "Fx", "client_id": 1}, 201)["id"]
    fx["item"] = a.ok("POST", "customers/%d/items" % fx["customer"], {"type": "billing"},
                      201)["id"]
    fx["contact"] = insert_contact(s, id=10**9 + 7, agent_id=1)
    return fx


def url_of(path, fx):
    return "/api/v1/" + re.sub(r"\{(\w+)\}", lambda m: str(fx[m.group(1)]), path)


def raw(s, a, method, url, data):
    st, h, body = s.request(method, url, data, token=a.token,
                            headers={"Content-Type": "application/json"})
    return st, json.loads(body) if body else None


def test_malformed_bodies(binary):
    with Server(binary, settings={"max_body_bytes": MAX_BODY}) as s:
        a = Client(s, "admin")
        ag = Client(s, "agent1")
        fx = fixtures(s, a)
        for method, path, body, fields in ROUTES:
            url = url_of(path, fx)
            who = ag if path.startswith("me/") else a
            good = json.dumps(body())
            cases = [
                ('{\n  "a": 1,\n  "b": }', 400, "line 3, column 8"),
                ('{"a": 1, "a": 2}', 400, "duplicate key"),
                ('{"a": "x\\u0000y"}', 400, None),
                (b'{"a": "\xc3\x28"}', 400, "UTF-8"),
                ("", 400, "empty body"),
                ("[1, 2]", 422, "object"),
                (json.dumps(dict(body(), no_such_field=1)), 422, 'unknown field "no_such_field"'),
            ]
            if path == "users/{user}/unlock":
                cases.remove(("", 400, "empty body"))  # its body is optional
            for data, status, needle in cases:
                st, doc = raw(s, who, method, url, data)
                assert st == status, (method, path, data, st, doc)
                if needle:
                    assert needle in error_of(doc)[1], (method, path, needle, doc)
            # oversized: 413, and the connection's next request works
            big = '{"name": "' + "x" * (MAX_BODY + 100) + '"}'
            st, doc = raw(s, who, method, url, big)
            assert st == 413 and error_of(doc)[0] == "too_large", (method, path, st)
            # a wrong type in each field is named
            for field, kind in fields.items():
                b = body()
                b[field] = WRONG[kind]
                st, doc = raw(s, who, method, url, json.dumps(b))
                assert st == 422, (method, path, field, st, doc)
                assert '"%s"' % field in error_of(doc)[1], (method, path, field, doc)
        st, _, _ = s.request("GET", "/healthz")
        assert st == 200


def test_hostile_text_is_stored_verbatim(binary):
    with Server(binary) as s:
        before = tables(s)
        a = Client(s, "admin")
        fx = fixtures(s, a)
        stored = 0
        for method, path, body, fields in ROUTES:
            url = url_of(path, fx)
            for field, kind in fields.items():
                if kind not in ("text", "text16", "fmt"):
                    continue
                for i, hostile in enumerate(HOSTILE):
                    b = body()
                    # unique columns get a suffix: the hostile text is still there, verbatim
                    value = hostile + (" #%d" % unique.n if field in ("name", "code", "external_ref") else "")
                    unique.n += 1
                    b[field] = value
                    st, h, data = s.request(method, url, b, token=a.token)
                    doc = json.loads(data) if data else None
                    if kind == "text16" and len(value.encode()) > 16:
                        assert st == 422 and "longer than 16" in error_of(doc)[1], (field, doc)
                        continue
                    if kind == "fmt":
                        assert st == 422, (method, path, field, hostile, st, doc)
                        assert '"%s"' % field in error_of(doc)[1]
                        continue
                    assert st in (200, 201), (method, path, field, hostile, st, doc)
                    # byte-identical in the answer, as a JSON string (escaped by the encoder)
                    assert doc[field] == value, (method, path, field, doc[field], value)
                    assert h["content-type"] == "application/json"
                    assert "<script>" not in data.decode() or '"' in data.decode()
                    # and read back the same
                    rid = doc["id"]
                    base = path.split("/{")[0] if "{" in path else path
                    if base.startswith("customers/{customer}/items") or "items" in path:
                        get = "/api/v1/customers/%d/items/%d" % (fx["customer"], rid)
                    else:
                        get = "/api/v1/%s/%d" % (path.split("/")[0], rid)
                    got = a.ok("GET", get)
                    assert got[field] == value, (get, field, got[field], value)
                    stored += 1
        assert stored > 100, stored
        # searches with hostile text are plain searches
        for hostile in HOSTILE:
            import urllib.parse
            q = urllib.parse.quote(hostile)
            for path in ("customers?name=", "customers?account=", "knowledge?q="):
                st, _, doc = a.call("GET", path + q)
                assert st == 200, (path, hostile, st, doc)
        st, _, doc = a.call("GET", "customers?phone=" + urllib.parse.quote(HOSTILE[0]))
        assert st == 422
        s.stop()
        assert tables(s) == before
        con = sqlite3.connect(db_path(s))
        assert con.execute("SELECT COUNT(*) FROM users").fetchone()[0] > 30
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
        s.start()


def test_cross_site_writes_refused(binary):
    with Server(binary) as s:
        tok, csrf, cookie = s.login("super1")
        body = {"code": unique("X"), "label": "csrf", "client_id": 1}
        url = "/api/v1/dispositions"
        # the session cookie alone (what a forged form or fetch from another site carries)
        st, _, doc = s.json("POST", url, body, cookie=cookie)
        assert st == 403 and error_of(doc)[0] == "csrf", (st, doc)
        # the right token but another site's Origin
        st, _, doc = s.json("POST", url, body, cookie=cookie,
                            headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
        assert st == 403 and error_of(doc)[0] == "csrf", (st, doc)
        st, _, doc = s.json("POST", url, body, cookie=cookie,
                            headers={"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"})
        assert st == 403
        st, _, doc = s.json("POST", url, body, cookie=cookie, headers={"X-CSRF-Token": "x" * 43})
        assert st == 403
        for method, path in (("PUT", "/api/v1/me/state"), ("DELETE", "/api/v1/customers/1"),
                             ("PATCH", "/api/v1/callbacks/1")):
            tok2, csrf2, cookie2 = s.login("admin" if method == "DELETE" else "lead1")
            st, _, doc = s.json(method, path, {"state": "ready"} if method != "DELETE" else None,
                                cookie=cookie2)
            assert st == 403 and error_of(doc)[0] == "csrf", (method, path, st, doc)
        # nothing was written; with the token and this server's origin it works
        st, _, doc = s.json("GET", url + "?limit=1000", cookie=cookie)
        assert st == 200 and body["code"] not in [d["code"] for d in doc["items"]]
        st, _, doc = s.json("POST", url, body, cookie=cookie,
                            headers={"X-CSRF-Token": csrf,
                                     "Origin": "http://%s:%d" % (s.host, s.port)})
        assert st == 201, (st, doc)
        # a bearer token is not sent by browsers on their own: no CSRF token needed
        st, _, doc = s.json("POST", url, dict(body, code=unique("Y")), token=tok)
        assert st == 201


if __name__ == "__main__":
    run([test_malformed_bodies, test_hostile_text_is_stored_verbatim,
         test_cross_site_writes_refused])
