"""Integration: the role matrix (every API route x every role, run for real) and client-limited users."""
import json
import re
import subprocess

from apitest import LOGIN, ROLES, Client, unique
from sbtest import Server, error_of, run

A = "agent"
L = "team_lead"
S = "supervisor"
Q = "qa"
P = "planner"
D = "admin"
ALL = {A, L, S, Q, P, D}
FLOOR = {A, L, S, D}
RECORDS = FLOOR | {Q}
MANAGE = {S, D}

# Who may call what: the design, written down independently of the code.
MATRIX = {
    ("POST", "/api/v1/logout"): ALL,
    ("GET", "/api/v1/me"): ALL,
    ("POST", "/api/v1/users/{id}/unlock"): {D},
    ("GET", "/api/v1/events"): ALL,
    ("GET", "/api/v1/reason-codes"): ALL,
    ("GET", "/api/v1/audit"): {D},
    ("GET", "/api/v1/me/agent"): {A, L},
    ("PUT", "/api/v1/me/state"): {A, L},
    ("POST", "/api/v1/me/wrapup"): {A, L},
    ("PUT", "/api/v1/agents/{id}/state"): {L, S, D},
    ("GET", "/api/v1/sites"): ALL,
    ("GET", "/api/v1/sites/{id}"): ALL,
    ("POST", "/api/v1/sites"): {D},
    ("PUT", "/api/v1/sites/{id}"): {D},
    ("GET", "/api/v1/clients"): ALL,
    ("GET", "/api/v1/clients/{id}"): ALL,
    ("POST", "/api/v1/clients"): {D},
    ("PUT", "/api/v1/clients/{id}"): {D},
    ("GET", "/api/v1/teams"): ALL,
    ("GET", "/api/v1/teams/{id}"): ALL,
    ("POST", "/api/v1/teams"): {D},
    ("PUT", "/api/v1/teams/{id}"): {D},
    ("GET", "/api/v1/skills"): ALL,
    ("GET", "/api/v1/skills/{id}"): ALL,
    ("POST", "/api/v1/skills"): {D},
    ("PUT", "/api/v1/skills/{id}"): {D},
    ("GET", "/api/v1/numbers"): {S, P, D},
    ("GET", "/api/v1/numbers/{id}"): {S, P, D},
    ("POST", "/api/v1/numbers"): {D},
    ("PUT", "/api/v1/numbers/{id}"): {D},
    ("DELETE", "/api/v1/numbers/{id}"): {D},
    ("GET", "/api/v1/queues"): ALL,
    ("GET", "/api/v1/queues/{id}"): ALL,
    ("POST", "/api/v1/queues"): {D},
    ("PUT", "/api/v1/queues/{id}"): {D},
    ("DELETE", "/api/v1/queues/{id}"): {D},
    ("GET", "/api/v1/users"): {L, S, D},
    ("GET", "/api/v1/users/{id}"): {L, S, D},
    ("POST", "/api/v1/users"): {D},
    ("PUT", "/api/v1/users/{id}"): {D},
    ("DELETE", "/api/v1/users/{id}"): {D},
    ("GET", "/api/v1/agents"): ALL,
    ("GET", "/api/v1/agents/{id}"): ALL,
    ("POST", "/api/v1/agents"): {D},
    ("PUT", "/api/v1/agents/{id}"): {D},
    ("DELETE", "/api/v1/agents/{id}"): {D},
    ("GET", "/api/v1/dispositions"): ALL,
    ("GET", "/api/v1/dispositions/{id}"): ALL,
    ("POST", "/api/v1/dispositions"): MANAGE,
    ("PUT", "/api/v1/dispositions/{id}"): MANAGE,
    ("DELETE", "/api/v1/dispositions/{id}"): MANAGE,
    ("GET", "/api/v1/scripts"): ALL,
    ("GET", "/api/v1/scripts/{id}"): ALL,
    ("POST", "/api/v1/scripts"): MANAGE,
    ("PUT", "/api/v1/scripts/{id}"): MANAGE,
    ("DELETE", "/api/v1/scripts/{id}"): MANAGE,
    ("GET", "/api/v1/knowledge"): ALL,
    ("GET", "/api/v1/knowledge/{id}"): ALL,
    ("POST", "/api/v1/knowledge"): MANAGE,
    ("PUT", "/api/v1/knowledge/{id}"): MANAGE,
    ("DELETE", "/api/v1/knowledge/{id}"): MANAGE,
    ("GET", "/api/v1/callbacks"): FLOOR,
    ("GET", "/api/v1/callbacks/{id}"): FLOOR,
    ("POST", "/api/v1/callbacks"): FLOOR,
    ("PATCH", "/api/v1/callbacks/{id}"): FLOOR,
    ("DELETE", "/api/v1/callbacks/{id}"): FLOOR,
    ("GET", "/api/v1/customers/{id}/items"): RECORDS,
    ("GET", "/api/v1/customers/{id}/items/{item}"): RECORDS,
    ("POST", "/api/v1/customers/{id}/items"): FLOOR,
    ("PUT", "/api/v1/customers/{id}/items/{item}"): FLOOR,
    ("DELETE", "/api/v1/customers/{id}/items/{item}"): FLOOR,
    ("GET", "/api/v1/customers"): RECORDS,
    ("GET", "/api/v1/customers/{id}"): RECORDS,
    ("POST", "/api/v1/customers"): FLOOR,
    ("PUT", "/api/v1/customers/{id}"): FLOOR,
    ("DELETE", "/api/v1/customers/{id}"): {D},
    ("GET", "/api/v1/contacts"): RECORDS,
    ("GET", "/api/v1/contacts.csv"): RECORDS,
    ("GET", "/api/v1/contacts/{id}"): RECORDS,
    ("PATCH", "/api/v1/contacts/{id}"): FLOOR,
    # the web application's routes (docs/app.md)
    ("GET", "/api/v1/me/call"): {A, L},
    ("POST", "/api/v1/me/call/answer"): {A, L},
    ("POST", "/api/v1/me/call/reject"): {A, L},
    ("POST", "/api/v1/me/call/hold"): {A, L},
    ("POST", "/api/v1/me/call/hangup"): {A, L},
    ("POST", "/api/v1/me/call/transfer"): {A, L},
    ("POST", "/api/v1/me/call/escalate"): {A, L},
    ("PUT", "/api/v1/me/call/notes"): {A, L},
    ("PUT", "/api/v1/me/call/customer"): {A, L},
    ("GET", "/api/v1/me/call/recording"): {A, L},
    ("POST", "/api/v1/me/call/recording"): {A, L},
    ("POST", "/api/v1/me/call/blind-transfer"): {A, L},  # transfers, conference (xfer)
    ("POST", "/api/v1/me/call/consult"): {A, L},
    ("POST", "/api/v1/me/call/consult/complete"): {A, L},
    ("POST", "/api/v1/me/call/consult/cancel"): {A, L},
    ("POST", "/api/v1/me/call/conference"): {A, L},
    ("GET", "/api/v1/calls/{id}/monitor"): {L, S, D},
    ("POST", "/api/v1/calls/{id}/monitor"): {L, S, D},
    ("DELETE", "/api/v1/calls/{id}/monitor"): {L, S, D},
    ("GET", "/api/v1/me/preferences"): ALL,
    ("PUT", "/api/v1/me/preferences"): ALL,
    ("GET", "/api/v1/me/day"): {A, L},
    ("POST", "/api/v1/me/take"): {L},
    ("GET", "/api/v1/escalations"): {L, S, D},
    ("PATCH", "/api/v1/escalations/{id}"): {L, S, D},
    ("GET", "/api/v1/agents/live"): ALL,
    ("POST", "/api/v1/referrals"): {A, L},
    ("GET", "/api/v1/referrals"): FLOOR,
    ("GET", "/api/v1/goals"): ALL,
    ("PUT", "/api/v1/goals"): MANAGE,
    ("GET", "/api/v1/wallboard"): {L, S, P, D},
    ("GET", "/api/v1/intervals"): ALL,
    ("GET", "/api/v1/queues/{id}/hours"): ALL,
    ("PUT", "/api/v1/queues/{id}/hours"): {D},
    ("GET", "/api/v1/numbers/{id}/menu"): {S, P, D},
    ("PUT", "/api/v1/numbers/{id}/menu"): {D},
    ("GET", "/api/v1/queues/{id}/survey"): ALL,
    ("PUT", "/api/v1/queues/{id}/survey"): {D},
    # quality assurance (docs/quality.md): agents and team leads read their own / their team's
    ("GET", "/api/v1/campaigns"): {A, S, P, D},
    ("POST", "/api/v1/campaigns"): MANAGE,
    ("GET", "/api/v1/campaigns/{id}"): {A, S, P, D},
    ("PUT", "/api/v1/campaigns/{id}"): MANAGE,
    ("DELETE", "/api/v1/campaigns/{id}"): MANAGE,
    ("POST", "/api/v1/campaigns/{id}/lists"): MANAGE,
    ("GET", "/api/v1/campaigns/{id}/lists"): {A, S, P, D},
    ("GET", "/api/v1/campaigns/{id}/leads"): {A, S, P, D},
    ("POST", "/api/v1/campaigns/{id}/leads/{lead}/dnc"): {A, S, D},
    ("GET", "/api/v1/campaigns/{id}/dnc"): {A, S, P, D},
    ("POST", "/api/v1/campaigns/{id}/dnc"): MANAGE,
    ("POST", "/api/v1/campaigns/{id}/dnc/import"): MANAGE,
    ("GET", "/api/v1/campaigns/{id}/why"): {A, S, P, D},
    ("GET", "/api/v1/campaigns/{id}/report"): {A, S, P, D},
    ("GET", "/api/v1/dnc"): {S, P, D},
    ("POST", "/api/v1/dnc"): MANAGE,
    ("POST", "/api/v1/dnc/import"): MANAGE,
    ("DELETE", "/api/v1/dnc/{entry}"): MANAGE,
    ("POST", "/api/v1/campaigns/{id}/recycle"): MANAGE,
    ("POST", "/api/v1/campaigns/{id}/start"): MANAGE,
    ("POST", "/api/v1/campaigns/{id}/stop"): MANAGE,
    ("GET", "/api/v1/campaigns/{id}/live"): {A, S, P, D},
    ("POST", "/api/v1/campaigns/{id}/preview"): {A, L},
    ("POST", "/api/v1/campaigns/{id}/preview/dial"): {A, L},
    ("POST", "/api/v1/campaigns/{id}/preview/skip"): {A, L},
    ("POST", "/api/v1/campaigns/{id}/disposition"): {A, L},
    ("GET", "/api/v1/campaign-callbacks"): {A, L, S, D},  # test_campaigns_view.py
    ("GET", "/api/v1/qa/scorecards"): {A, L, S, Q, D},
    ("GET", "/api/v1/qa/scorecards/{id}"): {A, L, S, Q, D},
    ("POST", "/api/v1/qa/scorecards"): {S, Q, D},
    ("PUT", "/api/v1/qa/scorecards/{id}"): {S, Q, D},
    ("GET", "/api/v1/qa/evaluations"): {A, L, S, Q, D},
    ("GET", "/api/v1/qa/evaluations/{id}"): {A, L, S, Q, D},
    ("POST", "/api/v1/qa/evaluations"): {S, Q, D},
    ("PUT", "/api/v1/qa/evaluations/{id}"): {S, Q, D},
    ("POST", "/api/v1/qa/evaluations/{id}/submit"): {S, Q, D},
    ("POST", "/api/v1/qa/evaluations/{id}/acknowledge"): {A, L},
    ("POST", "/api/v1/qa/evaluations/{id}/dispute"): {A, L},
    ("GET", "/api/v1/qa/contacts/{id}/recording"): {A, L, S, Q, D},
    ("GET", "/api/v1/qa/disputes"): {A, L, S, Q, D},
    ("POST", "/api/v1/qa/disputes/{id}/resolve"): {S, Q, D},
    ("GET", "/api/v1/qa/assignments"): {S, Q, D},
    ("POST", "/api/v1/qa/assignments"): {S, Q, D},
    ("PATCH", "/api/v1/qa/assignments/{id}"): {S, Q, D},
    ("GET", "/api/v1/qa/assignments/{id}/worklist"): {S, Q, D},
    ("GET", "/api/v1/qa/calibrations"): {S, Q, D},
    ("POST", "/api/v1/qa/calibrations"): {S, Q, D},
    ("GET", "/api/v1/qa/calibrations/drift"): {S, Q, D},
    ("GET", "/api/v1/qa/calibrations/{id}"): {S, Q, D},
    ("POST", "/api/v1/qa/calibrations/{id}/close"): {S, Q, D},
    ("GET", "/api/v1/qa/coaching"): {A, L, S, Q, D},
    ("POST", "/api/v1/qa/coaching"): {L, S, Q, D},
    ("PATCH", "/api/v1/qa/actions/{id}"): {A, L, S, Q, D},
    ("GET", "/api/v1/qa/reports/iqs"): {A, L, S, Q, D},
    ("GET", "/api/v1/qa/reports/iqs.csv"): {A, L, S, Q, D},
    ("GET", "/api/v1/qa/reports/measures"): {A, L, S, Q, D},
    ("GET", "/api/v1/qa/reports/measures.csv"): {A, L, S, Q, D},
}

NO_SUCH = "999999"


def routes(binary):
    out = subprocess.run([binary, "serve", "--list-routes"], capture_output=True, text=True,
                         check=True)
    table = {}
    for line in out.stdout.splitlines():
        method, pattern, roles = line.split(" ")
        if not pattern.startswith("/api/v1/") or roles == "public":
            continue
        table[(method, re.sub(r"\{(\w+):int\}", r"{\1}", pattern))] = set(roles.split(","))
    return table


def test_matrix_is_the_design(binary):
    """Every protected route has an entry above, and the server grants exactly those roles."""
    table = routes(binary)
    assert set(table) == set(MATRIX), (set(table) ^ set(MATRIX))
    for k, roles in table.items():
        assert roles == MATRIX[k], (k, roles, MATRIX[k])


def test_matrix_for_real(binary):
    """Every route called by every role: denied ones answer 403, allowed ones never do."""
    with Server(binary) as s:
        clients = {r: Client(s, LOGIN[r]) for r in ROLES}
        checked = 0
        for (method, pattern), allowed in sorted(MATRIX.items()):
            if pattern in ("/api/v1/events", "/api/v1/logout"):
                continue  # a stream (test_sse) and the end of the session (below)
            url = re.sub(r"\{\w+\}", NO_SUCH, pattern)
            # a body no route accepts: allowed callers get 400/404/409/422, never a change
            body = {"__probe": 1} if method in ("POST", "PUT", "PATCH") else None
            for role in ROLES:
                st, h, data = s.request(method, url, body, token=clients[role].token)
                doc = json.loads(data) if h.get("content-type") == "application/json" else data
                if role in allowed:
                    assert st not in (401, 403), (method, pattern, role, st, doc)
                    assert st < 500, (method, pattern, role, st, doc)
                else:
                    assert st == 403, (method, pattern, role, st, doc)
                    assert error_of(doc)[0] == "forbidden"
                checked += 1
        assert checked == 6 * (len(MATRIX) - 2), checked
        # logout: every role may end their own session
        for role in ROLES:
            clients[role].ok("POST", "/api/v1/logout", want=204)
            st, _, _ = clients[role].call("GET", "/api/v1/me")
            assert st == 401


def test_anonymous(binary):
    with Server(binary) as s:
        for (method, pattern) in MATRIX:
            if pattern == "/api/v1/events":
                continue
            url = re.sub(r"\{\w+\}", NO_SUCH, pattern)
            st, h, doc = s.json(method, url, {"x": 1} if method != "GET" else None)
            assert st == 401 and error_of(doc)[0] == "unauthenticated", (method, url, st)


def test_client_limited_user(binary):
    """A user limited to another client sees nothing of the demo client."""
    with Server(binary) as s:
        a = Client(s, "admin")
        other = a.ok("POST", "clients", {"name": "Second Client Ltd", "site_id": 1}, 201)
        q = a.ok("POST", "queues", {"name": "second-line", "client_id": other["id"],
                                    "skills": [{"skill_id": 1, "min_level": 9}]}, 201)
        a.ok("POST", "numbers", {"number": "0302223334", "queue_id": q["id"]}, 201)
        a.ok("POST", "dispositions", {"client_id": other["id"], "code": "S-OK",
                                      "label": "Second ok"}, 201)
        a.ok("POST", "customers", {"client_id": other["id"], "name": "Second Customer",
                                   "phones": [{"number": "030 2223335"}]}, 201)
        names = {}
        for role in ("supervisor", "admin", "qa"):
            names[role] = unique("limited-" + role)
            a.ok("POST", "users", {"username": names[role], "display_name": "Limited",
                                   "role": role, "password": "limited pw",
                                   "clients": [other["id"]]}, 201)
        sup = Client(s, names["supervisor"], "limited pw")
        assert sup.ok("GET", "/api/v1/me")["user"]["clients"] == [other["id"]]
        assert [c["id"] for c in sup.ok("GET", "clients")["items"]] == [other["id"]]
        sup.err("GET", "clients/1", None, 404)
        assert [x["id"] for x in sup.ok("GET", "queues")["items"]] == [q["id"]]
        for qid in (1, 2, 3, 4, 5):
            sup.err("GET", "queues/%d" % qid, None, 404)
        assert {n["client_id"] for n in sup.ok("GET", "numbers")["items"]} == {other["id"]}
        # agents: those who serve the client's queue (general at level 9 or more)
        agents = sup.ok("GET", "agents")["items"]
        serving = {x["id"] for x in a.ok("GET", "agents")["items"]
                   if any(k["skill_id"] == 1 and k["level"] >= 9 for k in x["skills"])}
        assert {x["id"] for x in agents} == serving and 101 in serving and 1 not in serving
        sup.err("GET", "agents/1", None, 404)
        # records of the demo client: none
        custs = sup.ok("GET", "customers?limit=500")["items"]
        assert [c["name"] for c in custs] == ["Second Customer"], custs
        sup.err("GET", "customers/1", None, 404)
        assert sup.ok("GET", "customers?phone=%2B491707700702")["items"] == []
        assert sup.ok("GET", "contacts?limit=1000")["items"] == []
        st, _, data = s.request("GET", "/api/v1/contacts.csv", token=sup.token)
        assert st == 200 and data.count(b"\r\n") == 1, data[:300]  # the header only
        assert {d["client_id"] for d in sup.ok("GET", "dispositions")["items"]} <= {None, other["id"]}
        assert all(k["client_id"] in (None, other["id"])
                   for k in sup.ok("GET", "knowledge?limit=1000")["items"])
        assert all(k["client_id"] in (None, other["id"])
                   for k in sup.ok("GET", "scripts?limit=1000")["items"])
        assert sup.ok("GET", "callbacks")["items"] == []
        users = sup.ok("GET", "users?limit=1000")["items"]
        assert {u["username"] for u in users} == set(names.values()), users
        # writes into the demo client are refused
        sup.err("POST", "customers", {"client_id": 1, "name": "x"}, 422, needle="client_id")
        sup.err("POST", "dispositions", {"client_id": 1, "code": "x", "label": "x"}, 422)
        sup.err("PUT", "customers/1", {"name": "x"}, 404)
        sup.err("POST", "customers/1/items", {"type": "billing"}, 404)
        sup.err("PATCH", "callbacks/1", {"status": "done"}, 404)
        c = sup.ok("POST", "customers", {"name": "Made by limited"}, 201)
        assert c["client_id"] == other["id"]
        # a limited admin erases only their client's customers, and creates limited users only
        adm = Client(s, names["admin"], "limited pw")
        adm.err("DELETE", "customers/1", None, 404)
        adm.err("POST", "users", {"username": unique("x"), "display_name": "x", "role": "qa"},
                422, needle="clients")
        adm.err("POST", "users", {"username": unique("x"), "display_name": "x", "role": "qa",
                                  "clients": [1]}, 422, needle="clients")
        adm.ok("DELETE", "customers/%d" % c["id"])
        # nothing of the demo client's data in any answer: scan the bodies
        qa = Client(s, names["qa"], "limited pw")
        for path in ("queues", "agents", "customers?limit=500", "contacts?limit=1000",
                     "dispositions", "knowledge?limit=1000", "scripts?limit=1000", "clients",
                     "numbers", "users?limit=1000"):
            st, _, doc = qa.call("GET", path)
            if st == 403:
                continue
            text = str(doc)
            assert "Demo Credit Union" not in text and "'client_id': 1," not in text, (path, text[:500])


if __name__ == "__main__":
    run([test_matrix_is_the_design, test_matrix_for_real, test_anonymous,
         test_client_limited_user])
