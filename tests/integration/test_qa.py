"""Integration: quality assurance over HTTP: scores on worked examples, scorecard versions, disputes
and arbitration, calibration statistics against hand-computed values, reproducible filtered
sampling, coaching, reports with CSV, and every permission rule (docs/quality.md)."""
import csv
import io
import json
import math
import sqlite3
import time

from apitest import Client, db_path, insert_contact
from sbtest import Server, run

QA = "qa"
DAY = 86400000
WEEK = 7 * DAY
# Monday 2026-03-02 00:00 UTC: the week the fixtures live in
MONDAY = 1772409600000
assert time.gmtime(MONDAY / 1000).tm_wday == 0 and time.gmtime(MONDAY / 1000).tm_hour == 0

# docs/quality.md "The example scorecard" (scorecard 1 "Support call", version 1)
EXAMPLE = {
    "sections": [{"id": 1, "name": "Opening"}, {"id": 2, "name": "Resolution"},
                 {"id": 3, "name": "Closing"}],
    "criteria": [
        {"id": 1, "section": 1, "text": "Used the approved greeting", "weight": 1, "points": 2},
        {"id": 2, "section": 1, "text": "Verified the caller's identity", "weight": 2,
         "points": 2, "critical": "whole", "fail_at": 0},
        {"id": 3, "section": 2, "text": "Understood the need", "weight": 3, "points": 5},
        {"id": 4, "section": 2, "text": "Gave correct information", "weight": 4, "points": 4,
         "critical": "section", "fail_at": 1},
        {"id": 5, "section": 2, "text": "Offered further help", "weight": 1, "points": 3,
         "min": 0, "max": 2, "na": True},
        {"id": 6, "section": 3, "text": "Summarised the next steps", "weight": 2, "points": 3,
         "na": True},
        {"id": 7, "section": 3, "text": "Thanked the caller", "weight": 1, "points": 2,
         "na": True},
    ],
    "fields": [
        {"id": 1, "kind": "checkbox", "label": "Coaching needed"},
        {"id": 2, "kind": "dropdown", "label": "Call type", "required": True,
         "options": ["Billing", "Technical", "Other"]},
        {"id": 3, "kind": "comment", "label": "Feedback to the agent"},
    ],
}


def answers(*values):
    out = []
    for i, v in enumerate(values):
        out.append({"criterion": i + 1, "na": True} if v is None else
                   {"criterion": i + 1, "value": v})
    return out


FIELDS = [{"field": 2, "option": 0}]


def contact(s, agent=1, t=None, **kw):
    t = MONDAY + DAY if t is None else t
    return insert_contact(s, agent_id=agent, t_initiated=t, t_enqueued=t, t_connected=t + 10000,
                          t_disconnected=t + 130000, **kw)


def close(a, b, eps=1e-3):
    return a is not None and abs(a - b) < eps


def evaluate(q, sc, cid, vals, submit=True, **kw):
    body = {"scorecard_id": sc, "contact_id": cid, "answers": answers(*vals),
            "fields": FIELDS, "submit": submit}
    body.update(kw)
    return q.ok("POST", "qa/evaluations", body, 201)


def new_scorecard(q, name="Support call", definition=EXAMPLE):
    return q.ok("POST", "qa/scorecards", {"name": name, "definition": definition}, 201)


def test_scores_on_worked_examples_and_versions(binary):
    with Server(binary) as s:
        q = Client(s, "qa1")
        sc = new_scorecard(q)
        assert sc["version"] == 1 and len(sc["definition"]["criteria"]) == 7
        sid = sc["id"]
        # Example A: weights -> 1041.667 / 14
        ea = evaluate(q, sid, contact(s), (1, 1, 4, 3, 1, 3, 0))
        assert close(ea["score"], 1041.6667 / 14) and not ea["failed"], ea["score"]
        secs = {x["id"]: x["score"] for x in ea["result"]["sections"]}
        assert close(secs[1], 100) and close(secs[2], 67.7083) and close(secs[3], 66.6667)
        assert ea["state"] == "submitted" and ea["version"] == 1 and ea["agent_id"] == 1
        # Example B: N/A left out of numerator and denominator -> 950 / 11
        eb = evaluate(q, sid, contact(s), (1, 1, 3, 4, 2, None, None))
        assert close(eb["score"], 950 / 11), eb["score"]
        assert {x["id"]: x["score"] for x in eb["result"]["sections"]}[3] is None
        # Example C: a failed section-critical criterion zeroes its section -> 600 / 14
        ec = evaluate(q, sid, contact(s), (1, 1, 5, 1, 2, 3, 1))
        assert close(ec["score"], 600 / 14) and not ec["failed"]
        # Example D: a failed whole-critical criterion zeroes the evaluation
        ed = evaluate(q, sid, contact(s), (1, 0, 4, 3, 1, 3, 0))
        assert ed["score"] == 0 and ed["failed"]
        # scores are computed here: a client-sent score is refused
        q.err("POST", "qa/evaluations", {"scorecard_id": sid, "contact_id": contact(s),
                                         "answers": answers(1, 1, 4, 3, 1, 3, 0),
                                         "score": 100}, 422, "invalid_field", "score")
        # submitting needs every criterion; a draft may be partial (a preview score)
        cid = contact(s)
        q.err("POST", "qa/evaluations", {"scorecard_id": sid, "contact_id": cid,
                                         "answers": answers(1, 1), "fields": FIELDS,
                                         "submit": True}, 422, "invalid_field", "criterion 3")
        draft = q.ok("POST", "qa/evaluations", {"scorecard_id": sid, "contact_id": cid,
                                                "answers": answers(1, 1)}, 201)
        assert draft["state"] == "draft" and close(draft["score"], 100)
        q.err("POST", "qa/evaluations", {"scorecard_id": sid, "contact_id": cid,
                                         "answers": answers(1, 1, 9, 3, 1, 3, 0),
                                         "fields": FIELDS, "submit": True}, 422,
              "invalid_field", "criterion 3")
        q.err("POST", "qa/evaluations", {"scorecard_id": sid, "contact_id": cid,
                                         "answers": answers(1, 1, 4, 3, 1, 3, 0),
                                         "submit": True}, 422, "invalid_field", "field 2")
        done = q.ok("PUT", "qa/evaluations/%d" % draft["id"],
                    {"answers": answers(1, 1, 4, 3, 1, 3, 0), "fields": FIELDS,
                     "feedback": "Good call", "submit": True})
        assert done["state"] == "submitted" and close(done["score"], 1041.6667 / 14)
        assert done["feedback"] == "Good call"
        # Example F: version 2 (Resolution weight 2, c7 removed, c8 added)
        v2 = json.loads(json.dumps(EXAMPLE))
        v2["sections"][1]["weight"] = 2
        v2["criteria"] = [c for c in v2["criteria"] if c["id"] != 7]
        v2["criteria"].append({"id": 8, "section": 3, "text": "Offered the survey",
                               "weight": 1, "points": 2})
        sc2 = q.ok("PUT", "qa/scorecards/%d" % sid, {"definition": v2})
        assert sc2["version"] == 2 and sc2["fingerprint"] != sc["fingerprint"]
        # the old evaluation keeps its version and score; version 1 is still readable
        again = q.ok("GET", "qa/evaluations/%d" % ea["id"])
        assert again["version"] == 1 and again["score"] == ea["score"]
        assert len(again["definition"]["criteria"]) == 7
        old = q.ok("GET", "qa/scorecards/%d?version=1" % sid)
        assert old["fingerprint"] == sc["fingerprint"] and old["latest_version"] == 2
        ans = answers(1, 1, 4, 3, 1, 3)
        ans.append({"criterion": 8, "value": 1})
        ef = q.ok("POST", "qa/evaluations", {"scorecard_id": sid, "contact_id": contact(s),
                                             "answers": ans, "fields": FIELDS,
                                             "submit": True}, 201)
        assert ef["version"] == 2 and close(ef["score"], 1683.3333 / 22), ef["score"]
        # a rename alone is a new version too; deactivating is not
        assert q.ok("PUT", "qa/scorecards/%d" % sid, {"name": "Support"})["version"] == 3
        assert q.ok("PUT", "qa/scorecards/%d" % sid, {"active": False})["version"] == 3
        q.err("POST", "qa/evaluations", {"scorecard_id": sid, "contact_id": contact(s),
                                         "answers": ans}, 422, needle="not active")
        # bad definitions name the member
        bad = json.loads(json.dumps(EXAMPLE))
        bad["criteria"][2]["weight"] = 0
        q.err("POST", "qa/scorecards", {"name": "Bad", "definition": bad}, 422,
              "invalid_field", "criteria[2]")
        bad = json.loads(json.dumps(EXAMPLE))
        bad["criteria"][0]["section"] = 9
        q.err("POST", "qa/scorecards", {"name": "Bad", "definition": bad}, 422,
              needle="criteria[0]")
        bad = json.loads(json.dumps(EXAMPLE))
        bad["criteria"][1]["critical"] = "sometimes"
        q.err("POST", "qa/scorecards", {"name": "Bad", "definition": bad}, 422,
              needle="criteria[1].critical")
        q.err("POST", "qa/scorecards", {"name": "Bad"}, 422, needle="definition")
        q.err("POST", "qa/scorecards", {"name": "", "definition": EXAMPLE}, 422, needle="name")
        q.err("PUT", "qa/scorecards/999", {"name": "X"}, 404)
        # evaluations need a finished contact with an agent, and existing things
        sc3 = new_scorecard(q, "Other")
        q.err("POST", "qa/evaluations", {"scorecard_id": sc3["id"], "contact_id": 99999},
              422, needle="contact_id")
        q.err("POST", "qa/evaluations", {"scorecard_id": 9999, "contact_id": contact(s)},
              422, needle="scorecard_id")
        open_call = insert_contact(s, agent_id=1, t_disconnected=None)
        q.err("POST", "qa/evaluations", {"scorecard_id": sc3["id"], "contact_id": open_call},
              422, needle="not finished")
        q.err("POST", "qa/evaluations", {"contact_id": 1}, 422, needle="scorecard_id")
        # agents and planners do not write scorecards
        for who in ("agent1", "lead1", "planner1"):
            st, _, _ = Client(s, who).call("POST", "qa/scorecards",
                                           {"name": "X", "definition": EXAMPLE})
            assert st == 403, who


def test_flow_disputes_and_permissions(binary):
    with Server(binary) as s:
        q = Client(s, "qa1")
        sid = new_scorecard(q)["id"]
        e1 = evaluate(q, sid, contact(s, agent=1), (1, 1, 4, 3, 1, 3, 0),
                      feedback="Greet faster")
        e13 = evaluate(q, sid, contact(s, agent=13), (1, 1, 4, 3, 1, 3, 0))
        draft = evaluate(q, sid, contact(s, agent=1), (1, 1), submit=False)
        a1, a2, a13 = Client(s, "agent1"), Client(s, "agent2"), Client(s, "agent13")
        l1, l2, sup = Client(s, "lead1"), Client(s, "lead2"), Client(s, "super1")
        # an agent sees only their own submitted evaluations
        mine = [e["id"] for e in a1.ok("GET", "qa/evaluations")["items"]]
        assert e1["id"] in mine and e13["id"] not in mine and draft["id"] not in mine
        a1.err("GET", "qa/evaluations/%d" % e13["id"], None, 404)
        a1.err("GET", "qa/evaluations/%d" % draft["id"], None, 404)
        assert a1.ok("GET", "qa/evaluations/%d" % e1["id"])["feedback"] == "Greet faster"
        assert a2.ok("GET", "qa/evaluations")["items"] == []
        # team leads see their team
        l1ids = [e["id"] for e in l1.ok("GET", "qa/evaluations")["items"]]
        assert e1["id"] in l1ids and e13["id"] not in l1ids
        l2ids = [e["id"] for e in l2.ok("GET", "qa/evaluations")["items"]]
        assert e13["id"] in l2ids and e1["id"] not in l2ids
        l2.err("GET", "qa/evaluations/%d" % e1["id"], None, 404)
        # only the evaluated agent acknowledges or disputes
        a2.err("POST", "qa/evaluations/%d/acknowledge" % e1["id"], None, 404)
        l1.err("POST", "qa/evaluations/%d/acknowledge" % e1["id"], None, 403)
        a13.err("POST", "qa/evaluations/%d/dispute" % e1["id"],
                {"criteria": [3], "comment": "no"}, 404)
        st, _, _ = q.call("POST", "qa/evaluations/%d/acknowledge" % e1["id"])
        assert st == 403
        a1.err("POST", "qa/evaluations/%d/acknowledge" % draft["id"], None, 404)
        acked = a1.ok("POST", "qa/evaluations/%d/acknowledge" % e1["id"])
        assert acked["state"] == "acknowledged" and acked["acknowledged_at"]
        a1.err("POST", "qa/evaluations/%d/acknowledge" % e1["id"], None, 409)
        # once acknowledged the specialist cannot change it, only a dispute can
        q.err("PUT", "qa/evaluations/%d" % e1["id"], {"answers": answers(1, 1, 5, 4, 2, 3, 1)},
              409, "conflict", "dispute")
        q.err("POST", "qa/evaluations/%d/submit" % e1["id"], None, 409)
        # before the agent acknowledged it, its evaluator may still correct it (re-scored)
        e2 = evaluate(q, sid, contact(s, agent=1), (1, 1, 4, 3, 1, 3, 0))
        fixed = q.ok("PUT", "qa/evaluations/%d" % e2["id"],
                     {"answers": answers(1, 1, 3, 4, 2, None, None), "fields": FIELDS})
        assert fixed["state"] == "submitted" and close(fixed["score"], 950 / 11)
        q.err("PUT", "qa/evaluations/%d" % e2["id"], {"answers": answers(1, 1)}, 422,
              needle="criterion 3")
        # another specialist may not edit someone else's evaluation
        sup.err("PUT", "qa/evaluations/%d" % e13["id"], {"feedback": "x"}, 403)
        # dispute: chosen criteria with a comment
        a1.err("POST", "qa/evaluations/%d/dispute" % e1["id"], {"criteria": [42],
                                                              "comment": "?"}, 422,
               needle="42")
        a1.err("POST", "qa/evaluations/%d/dispute" % e1["id"], {"criteria": [3]}, 422,
               needle="comment")
        d = a1.ok("POST", "qa/evaluations/%d/dispute" % e1["id"],
                  {"criteria": [3], "comment": "I understood the need fully"}, 201)
        assert d["evaluation"]["state"] == "disputed" and d["dispute"]["criteria"] == [3]
        assert close(d["dispute"]["score_before"], 1041.6667 / 14)
        a1.err("POST", "qa/evaluations/%d/dispute" % e1["id"], {"criteria": [3],
                                                              "comment": "again"}, 409)
        # the arbitrator: agents cannot, only disputed criteria are re-scored
        st, _, _ = a1.call("POST", "qa/disputes/%d/resolve" % d["dispute"]["id"],
                           {"resolution": "rejected"})
        assert st == 403
        sup.err("POST", "qa/disputes/%d/resolve" % d["dispute"]["id"],
                {"resolution": "partly_accepted", "answers": [{"criterion": 4, "value": 4}]},
                422, needle="not disputed")
        sup.err("POST", "qa/disputes/%d/resolve" % d["dispute"]["id"],
                {"resolution": "accepted"}, 422, needle="answers")
        sup.err("POST", "qa/disputes/%d/resolve" % d["dispute"]["id"],
                {"resolution": "maybe"}, 422, needle="resolution")
        opened = sup.ok("GET", "qa/disputes?open=1")["items"]
        assert [x["id"] for x in opened] == [d["dispute"]["id"]]
        assert a1.ok("GET", "qa/disputes")["items"][0]["id"] == d["dispute"]["id"]
        assert a2.ok("GET", "qa/disputes")["items"] == []
        r = sup.ok("POST", "qa/disputes/%d/resolve" % d["dispute"]["id"],
                   {"resolution": "partly_accepted", "answers": [{"criterion": 3, "value": 5}],
                    "comment": "fair point"})
        # c3: 75 -> 100: (1041.667 + 3 x 25) / 14
        assert r["evaluation"]["state"] == "resolved"
        assert close(r["evaluation"]["score"], (1041.6667 + 75) / 14), r["evaluation"]["score"]
        assert r["dispute"]["resolution"] == "partly_accepted"
        assert close(r["dispute"]["score_after"], (1041.6667 + 75) / 14)
        sup.err("POST", "qa/disputes/%d/resolve" % d["dispute"]["id"],
                {"resolution": "rejected"}, 409)
        assert sup.ok("GET", "qa/disputes?open=1")["items"] == []
        q.err("PUT", "qa/evaluations/%d" % e1["id"], {"feedback": "x"}, 409)
        # a rejected dispute leaves the score
        d2 = a13.ok("POST", "qa/evaluations/%d/dispute" % e13["id"],
                    {"criteria": [1, 2], "comment": "disagree"}, 201)
        r2 = q.ok("POST", "qa/disputes/%d/resolve" % d2["dispute"]["id"],
                  {"resolution": "rejected"})
        assert r2["evaluation"]["score"] == e13["score"] and r2["dispute"]["resolution"] == "rejected"
        # the audit log holds the steps
        acts = [x["action"] for x in Client(s, "admin").ok(
            "GET", "audit?object_type=qa_evaluation&object_id=%d" % e1["id"])["items"]]
        for want in ("create", "acknowledge", "dispute"):
            assert want in acts, acts


def test_calibration_statistics(binary):
    with Server(binary) as s:
        q, sup, adm = Client(s, "qa1"), Client(s, "super1"), Client(s, "admin")
        k = q.ok("POST", "qa/scorecards", {"name": "Calibration card", "definition": {
            "sections": [{"id": 1, "name": "All"}],
            "criteria": [{"id": 1, "section": 1, "text": "Need understood", "points": 5},
                         {"id": 2, "section": 1, "text": "Offered help", "points": 2,
                          "na": True}]}}, 201)["id"]
        x, y = contact(s), contact(s, t=MONDAY + 2 * DAY)
        q.err("POST", "qa/calibrations", {"name": "c", "scorecard_id": k, "contacts": [x, y],
                                          "participants": [3]}, 422, needle="participants")
        q.err("POST", "qa/calibrations", {"name": "c", "scorecard_id": k, "contacts": [x, y],
                                          "participants": [3, 2], "expert_id": 1}, 422,
              needle="expert_id")
        cal = q.ok("POST", "qa/calibrations", {"name": "March", "scorecard_id": k,
                                               "contacts": [x, y], "participants": [3, 2, 1]},
                   201)
        cid = cal["id"]
        scores = {  # user -> (contact -> (k1, k2))
            q: {x: (4, 1), y: (2, 0)},
            sup: {x: (3, 1), y: (2, 1)},
            adm: {x: (5, None), y: (3, 0)},
        }
        first = None
        for who, per in scores.items():
            for c, (v1, v2) in per.items():
                e = who.ok("POST", "qa/evaluations", {
                    "scorecard_id": k, "contact_id": c, "calibration_id": cid, "submit": True,
                    "answers": [{"criterion": 1, "value": v1},
                                {"criterion": 2, "na": True} if v2 is None else
                                {"criterion": 2, "value": v2}]}, 201)
                first = first or e
        # blind: each sees only their own while the session is open
        own = q.ok("GET", "qa/calibrations/%d" % cid)["evaluations"]
        assert len(own) == 2 and {e["evaluator_id"] for e in own} == {3}
        sup.err("GET", "qa/evaluations/%d" % first["id"], None, 404)
        assert len(sup.ok("GET", "qa/evaluations?calibration_id=%d" % cid)["items"]) == 2
        # one evaluation per evaluator and contact; non-participants and other contacts refused
        q.err("POST", "qa/evaluations", {"scorecard_id": k, "contact_id": x,
                                         "calibration_id": cid,
                                         "answers": [{"criterion": 1, "value": 1}]}, 409)
        q.err("POST", "qa/evaluations", {"scorecard_id": k, "contact_id": contact(s),
                                         "calibration_id": cid,
                                         "answers": [{"criterion": 1, "value": 1}]}, 422,
              needle="contact_id")
        # calibration evaluations are not shown to the agent
        assert Client(s, "agent1").ok("GET", "qa/evaluations")["items"] == []
        rep = q.ok("POST", "qa/calibrations/%d/close" % cid)
        assert rep["closed"] and len(rep["evaluations"] if "evaluations" in rep else []) == 0
        q.err("POST", "qa/calibrations/%d/close" % cid, None, 409)
        q.err("POST", "qa/evaluations", {"scorecard_id": k, "contact_id": y,
                                         "calibration_id": cid,
                                         "answers": [{"criterion": 1, "value": 1}]}, 409)
        r = rep["report"]
        assert r["reference"] == "median" and r["evaluators"] == [1, 2, 3]
        crit = {c["criterion"]: c for c in r["criteria"]}
        # overall: X 87.5 75 100 (median 87.5), Y 12.5 62.5 25 (median 25), worked by hand:
        # squares X 0 + 156.25 + 156.25 = 312.5, Y 434.03 + 850.69 + 69.44 = 1354.17
        assert close(crit[0]["sd"], math.sqrt((312.5 + 1354.1667) / 6)), crit[0]
        assert close(crit[0]["sd"], 16.6667)
        assert crit[0]["n"] == 6 and crit[0]["n_within"] == 2 and close(crit[0]["within"], 1 / 3)
        assert close(crit[0]["mean"], (87.5 + 75 + 100 + 12.5 + 62.5 + 25) / 6)
        # k1: X 75 50 100, Y 25 25 50: sd sqrt((1250 + 416.67) / 6), within 3 of 6
        assert close(crit[1]["sd"], 16.6667) and close(crit[1]["within"], 0.5)
        # k2: X 100 100 N/A, Y 0 100 0: n 5, one N/A, sd sqrt(6666.67 / 5), within 4 of 5
        assert crit[2]["n"] == 5 and crit[2]["n_na"] == 1
        assert close(crit[2]["sd"], math.sqrt(6666.6667 / 5)) and close(crit[2]["within"], 0.8)
        dev = {(d["evaluator_id"], d["criterion"]): d for d in r["deviations"]}
        assert close(dev[(3, 0)]["mean_dev"], -6.25) and close(dev[(3, 0)]["mean_abs_dev"], 6.25)
        assert close(dev[(2, 0)]["mean_dev"], 12.5) and close(dev[(2, 0)]["mean_abs_dev"], 25)
        assert close(dev[(1, 0)]["mean_dev"], 6.25)
        # closed: everyone's scores are visible
        assert len(sup.ok("GET", "qa/calibrations/%d" % cid)["evaluations"]) == 6
        # an expert session: the expert's scores are the reference and enter no statistic
        cal2 = q.ok("POST", "qa/calibrations", {"name": "April", "scorecard_id": k,
                                                "contacts": [x], "participants": [3, 2, 1],
                                                "expert_id": 1}, 201)
        for who, v in ((q, 4), (sup, 3), (adm, 5)):
            who.ok("POST", "qa/evaluations", {
                "scorecard_id": k, "contact_id": x, "calibration_id": cal2["id"],
                "submit": True, "answers": [{"criterion": 1, "value": v},
                                            {"criterion": 2, "value": 1}]}, 201)
        r2 = q.ok("POST", "qa/calibrations/%d/close" % cal2["id"])["report"]
        assert r2["reference"] == "expert" and r2["evaluators"] == [2, 3]
        dev2 = {(d["evaluator_id"], d["criterion"]): d for d in r2["deviations"]}
        # expert overall 100; qa1 87.5 -> -12.5, super1 75 -> -25
        assert close(dev2[(3, 0)]["mean_dev"], -12.5) and close(dev2[(2, 0)]["mean_dev"], -25)
        drift = {d["evaluator_id"]: d for d in q.ok("GET", "qa/calibrations/drift")["evaluators"]}
        assert drift[3]["sessions"] == 2 and close(drift[3]["mean_dev"], (-6.25 - 12.5) / 2)
        # calibration evaluations never count towards the agent's IQS
        iqs = q.ok("GET", "qa/reports/iqs?by=agent&from=%d&to=%d" % (MONDAY, MONDAY + WEEK))
        assert iqs["rows"][0]["evaluations"] == 0 and iqs["rows"][0]["iqs"] is None
        assert iqs["rows"][0]["excluded_calibration"] == 9


def worklist(q, aid, **kw):
    args = "&".join("%s=%s" % kv for kv in kw.items())
    return q.ok("GET", "qa/assignments/%d/worklist?at=%d%s" % (aid, MONDAY + 3 * DAY,
                                                              "&" + args if args else ""))


def picks(wl):
    return {a["agent_id"]: [p["contact_id"] for p in a["picks"]] for a in wl["agents"]}


def test_sampling(binary):
    with Server(binary) as s:
        q = Client(s, "qa1")
        sid = new_scorecard(q)["id"]
        made = {}
        for i in range(12):
            for agent in (1, 2):
                t = MONDAY + (i % 6) * DAY + i * 60000 + agent
                kw = {}
                if i % 3 == 0:
                    kw["next_id"] = 1  # transferred
                if i % 4 == 0:
                    kw["attributes"] = json.dumps({"survey": 1 + i % 5})
                if i % 2:
                    kw["queue_id"] = 2
                made[contact(s, agent=agent, t=t, **kw)] = (agent, i, kw)
        # the week before and after are outside the period
        contact(s, agent=1, t=MONDAY - DAY)
        contact(s, agent=1, t=MONDAY + WEEK)
        q.err("POST", "qa/assignments", {"scorecard_id": sid, "quota": 0, "agents": [1]}, 422,
              needle="quota")
        q.err("POST", "qa/assignments", {"scorecard_id": sid, "quota": 3, "agents": [999]},
              422, needle="agents")
        q.err("POST", "qa/assignments", {"scorecard_id": sid, "quota": 3, "agents": [1],
                                         "filters": {"transferred": "perhaps"}}, 422,
              needle="filters.transferred")
        q.err("POST", "qa/assignments", {"scorecard_id": sid, "quota": 3, "agents": [1],
                                         "filters": {"colour": 1}}, 422, needle="colour")
        q.err("POST", "qa/assignments", {"scorecard_id": sid, "quota": 3, "agents": [1],
                                         "specialist_id": 2}, 422, needle="specialist_id")
        asg = q.ok("POST", "qa/assignments", {"scorecard_id": sid, "quota": 4,
                                              "agents": [1, 2], "seed": 42}, 201)
        wl = worklist(q, asg["id"])
        assert wl["period_start"] == MONDAY and wl["period_end"] == MONDAY + WEEK
        assert wl["candidates"] == 24 and wl["eligible"] == 24
        p1 = picks(wl)
        assert len(p1[1]) == 4 and len(p1[2]) == 4
        for agent, ids in p1.items():
            assert all(made[c][0] == agent for c in ids)
        # reproducible for the seed; another seed draws another list
        assert picks(worklist(q, asg["id"])) == p1
        asg2 = q.ok("POST", "qa/assignments", {"scorecard_id": sid, "quota": 4,
                                               "agents": [2, 1], "seed": 42}, 201)
        assert picks(worklist(q, asg2["id"])) == p1
        others = [picks(worklist(q, asg["id"], seed=n)) for n in (7, 8, 9)]
        assert any(o != p1 for o in others)
        assert picks(worklist(q, asg["id"], seed=7)) == others[0]
        # evaluating a pick reduces what is due
        first = p1[1][0]
        evaluate(q, sid, first, (1, 1, 4, 3, 1, 3, 0))
        wl2 = worklist(q, asg["id"])
        a1 = [a for a in wl2["agents"] if a["agent_id"] == 1][0]
        assert a1["done"] == 1 and a1["due"] == 3 and first not in picks(wl2)[1]
        # the list stays stable while the week's calls grow: the picks shown are kept
        for i in range(30):
            contact(s, agent=1, t=MONDAY + 4 * DAY + i * 60000)
        wl3 = worklist(q, asg["id"])
        assert wl3["candidates"] == 54 and sorted(picks(wl3)[1]) == sorted(p1[1][1:])
        assert [a for a in wl3["agents"] if a["agent_id"] == 1][0]["kept"] == 3
        assert picks(wl3)[2] == p1[2]
        # a fresh draw (?seed=) sees the new calls and keeps nothing
        fresh = worklist(q, asg["id"], seed=42 ^ 99)
        assert all(a["kept"] == 0 for a in fresh["agents"])
        # filters: not transferred, queue 2, surveyed at most 3
        f = q.ok("POST", "qa/assignments", {"scorecard_id": sid, "quota": 10, "agents": [1, 2],
                                            "seed": 5, "filters": {"transferred": "exclude",
                                                                   "queues": [2]}}, 201)
        wf = worklist(q, f["id"])
        for agent, ids in picks(wf).items():
            want = sorted(c for c, (ag, i, kw) in made.items()
                          if ag == agent and "next_id" not in kw and kw.get("queue_id") == 2
                          and c != first)
            assert sorted(ids) == want, (agent, ids, want)
        assert wf["excluded"]["transferred"] > 0 and wf["excluded"]["queue"] > 0
        g = q.ok("POST", "qa/assignments", {"scorecard_id": sid, "quota": 10, "agents": [1],
                                            "seed": 5, "filters": {"survey_at_most": 3}}, 201)
        got = picks(worklist(q, g["id"]))[1]
        want = sorted(c for c, (ag, i, kw) in made.items() if ag == 1 and "attributes" in kw
                      and json.loads(kw["attributes"])["survey"] <= 3 and c != first)
        assert sorted(got) == want and want
        a = [x for x in worklist(q, g["id"])["agents"]][0]
        assert a["shortfall"] == a["due"] - len(want)
        # handle time, repeat caller (within 7 days, the week before counts) and disposition
        def rec(t, handle_s, customer, disp):
            return insert_contact(s, agent_id=3, t_initiated=t, t_enqueued=t, t_connected=t + 10000,
                                  t_disconnected=t + 10000 + handle_s * 1000, customer_id=customer,
                                  disposition_id=disp)
        r1 = rec(MONDAY + DAY, 120, 1, 1)
        r2 = rec(MONDAY + 2 * DAY, 400, 1, 2)  # customer 1 again a day later: a repeat
        r3 = rec(MONDAY + 3 * DAY, 120, 2, 1)
        insert_contact(s, agent_id=4, t_initiated=MONDAY - 2 * DAY, customer_id=2,
                       t_connected=MONDAY - 2 * DAY + 5000, t_disconnected=MONDAY - 2 * DAY + 9000)
        for filters, want in (({"handle_above_s": 200}, [r2]), ({"repeat": "only"}, [r2, r3]),
                              ({"repeat": "exclude"}, [r1]), ({"dispositions": [1]}, [r1, r3]),
                              ({"dispositions": [1], "repeat": "exclude"}, [r1])):
            x = q.ok("POST", "qa/assignments", {"scorecard_id": sid, "quota": 10, "agents": [3],
                                                "seed": 3, "filters": filters}, 201)
            assert sorted(picks(worklist(q, x["id"]))[3]) == sorted(want), (filters, want)
        # another QA specialist's list is not theirs; supervisors see all
        mine = [x["id"] for x in q.ok("GET", "qa/assignments")["items"]]
        assert mine[:4] == [asg["id"], asg2["id"], f["id"], g["id"]] and len(mine) == 9
        other = Client(s, "super1").ok("POST", "qa/assignments", {
            "scorecard_id": sid, "quota": 1, "agents": [1], "specialist_id": 3}, 201)
        assert other["specialist_id"] == 3
        Client(s, "admin").ok("PATCH", "qa/assignments/%d" % other["id"], {"active": True})
        # a second QA specialist sees neither the lists nor the assignments of the first
        Client(s, "admin").ok("POST", "users", {"username": "qa2", "display_name": "Q2",
                                                "role": "qa", "password": "another pass 2"}, 201)
        q2 = Client(s, "qa2", "another pass 2")
        assert q2.ok("GET", "qa/assignments")["items"] == []
        q2.err("GET", "qa/assignments/%d/worklist" % asg["id"], None, 404)
        q2.err("PATCH", "qa/assignments/%d" % asg["id"], {"active": False}, 404)
        Client(s, "super1").ok("GET", "qa/assignments/%d/worklist" % asg["id"])
        assert q.ok("PATCH", "qa/assignments/%d" % asg["id"], {"active": False})["active"] is False


def test_reports_and_csv(binary):
    with Server(binary) as s:
        q = Client(s, "qa1")
        sid = new_scorecard(q)["id"]
        # IQS: agent 1 74.405 and 86.364 (week 1), agent 13 42.857 (week 1); a draft does not count
        evaluate(q, sid, contact(s, agent=1), (1, 1, 4, 3, 1, 3, 0))
        evaluate(q, sid, contact(s, agent=1), (1, 1, 3, 4, 2, None, None))
        evaluate(q, sid, contact(s, agent=13), (1, 1, 5, 1, 2, 3, 1))
        evaluate(q, sid, contact(s, agent=1, t=MONDAY + WEEK + DAY), (1, 0, 4, 3, 1, 3, 0))
        evaluate(q, sid, contact(s, agent=1), (1, 1), submit=False)
        rng = "from=%d&to=%d" % (MONDAY, MONDAY + 2 * WEEK)
        rows = q.ok("GET", "qa/reports/iqs?by=agent&period=week&" + rng)["rows"]
        by = {(r["group_id"], r["period_start"]): r for r in rows}
        r1 = by[(1, MONDAY)]
        assert r1["evaluations"] == 2 and close(r1["iqs"], (1041.6667 / 14 + 950 / 11) / 2)
        assert by[(1, MONDAY + WEEK)]["iqs"] == 0 and close(by[(13, MONDAY)]["iqs"], 600 / 14)
        assert r1["name"] == "Agent 1"
        team = {r["group_id"]: r for r in q.ok("GET", "qa/reports/iqs?by=team&period=month&" +
                                                rng)["rows"]}
        assert team[1]["evaluations"] == 3 and close(
            team[1]["iqs"], (1041.6667 / 14 + 950 / 11 + 0) / 3)
        assert team[1]["period_start"] == 1772323200000  # 2026-03-01
        q.err("GET", "qa/reports/iqs?by=planet", None, 422, needle="by")
        q.err("GET", "qa/reports/iqs?period=decade", None, 422, needle="period")
        # agents see only their own, team leads their team
        own = Client(s, "agent1").ok("GET", "qa/reports/iqs?by=agent&" + rng)["rows"]
        assert {r["group_id"] for r in own} == {1}
        assert {r["group_id"] for r in Client(s, "lead2").ok(
            "GET", "qa/reports/iqs?by=agent&" + rng)["rows"]} == {13}
        # CSV
        st, h, data = s.request("GET", "/api/v1/qa/reports/iqs.csv?by=agent&" + rng,
                                token=q.token)
        assert st == 200 and h["content-type"].startswith("text/csv")
        table = list(csv.DictReader(io.StringIO(data.decode())))
        assert {(r["group_id"], r["name"]) for r in table} == {("1", "Agent 1"),
                                                               ("13", "Agent 13")}
        assert abs(float([r for r in table if r["group_id"] == "1" and
                          r["period_start"] == str(MONDAY)][0]["iqs"]) -
                   (1041.6667 / 14 + 950 / 11) / 2) < 1e-3
        # customer measures for agent 5 in a week of their own (docs/quality.md examples)
        base = MONDAY + 4 * WEEK
        for i, rating in enumerate([5, 4, 0, 3, 5, 2, 0, 4, 1, 5]):
            kw = {"attributes": json.dumps({"survey": rating})} if rating else {}
            if i < 2:
                kw["next_id"] = 1  # two transferred
            if 2 <= i < 5:
                kw["hold_count"] = 2 if i == 2 else 1  # three held
            contact(s, agent=5, t=base + i * 3600000, **kw)
        # two calls not handled: no agent connected
        for i in range(2):
            insert_contact(s, agent_id=5, t_initiated=base + DAY + i, t_connected=None,
                           t_disconnected=base + DAY + i + 1000)
        # FCR: customer 1 calls twice within 7 days about "resolved" things, customer 2 once
        contact(s, agent=6, t=base, customer_id=1, disposition_id=1)
        contact(s, agent=6, t=base + 2 * DAY, customer_id=1, disposition_id=2)
        contact(s, agent=6, t=base + DAY, customer_id=2, disposition_id=13)
        contact(s, agent=6, t=base + 3 * DAY, customer_id=3, disposition_id=10)
        # callbacks of agent 7 (docs/quality.md's example): asked for at 09:00, first attempts
        # after 2, 5, 10, 45 and 90 minutes, one not yet attempted
        nine = base + 9 * 3600000
        for k, after in enumerate([2, 5, 10, 45, 90, None]):
            at = {"callback_requested_at": nine}
            if after is not None:
                at["callback_first_attempt_at"] = nine + after * 60000
            contact(s, agent=7, t=nine + k * 1000, attributes=json.dumps(at))
        m = q.ok("GET", "qa/reports/measures?by=agent&from=%d&to=%d" % (base, base + WEEK))
        rows = {r["group_id"]: r for r in m["rows"]}
        r5 = rows[5]
        assert r5["contacts"] == 12 and r5["surveyed"] == 8 and close(r5["csat"], 5 / 8)
        assert r5["handled"] == 10 and close(r5["transfer_rate"], 2 / 10)
        assert close(r5["hold_rate"], 3 / 10)
        r6 = rows[6]
        assert r6["fcr_measured"] == 4 and close(r6["fcr"], 3 / 4) and r6["csat"] is None
        assert r6["callbacks"] == 0 and r6["callback_frt_mean_ms"] is None
        r7 = rows[7]
        assert r7["callbacks"] == 6 and r7["callbacks_pending"] == 1
        assert close(r7["callback_frt_mean_ms"], 30.4 * 60000)
        assert close(r7["callback_frt_median_ms"], 10 * 60000)
        assert close(r7["callback_frt_p90_ms"], 90 * 60000)
        assert close(r7["callback_frt_max_ms"], 90 * 60000)
        st, h, data = s.request("GET", "/api/v1/qa/reports/measures.csv?by=agent&from=%d&to=%d"
                                % (base, base + WEEK), token=q.token)
        assert st == 200 and "csat" in data.decode().splitlines()[0]
        own = Client(s, "agent5").ok("GET", "qa/reports/measures?by=agent&from=%d&to=%d"
                                     % (base, base + WEEK))["rows"]
        assert {r["group_id"] for r in own} == {5}


def test_coaching(binary):
    with Server(binary) as s:
        q, l1, l2 = Client(s, "qa1"), Client(s, "lead1"), Client(s, "lead2")
        sid = new_scorecard(q)["id"]
        e = evaluate(q, sid, contact(s, agent=1), (1, 1, 4, 3, 1, 3, 0))
        l2.err("POST", "qa/coaching", {"agent_id": 1}, 403)
        l1.err("POST", "qa/coaching", {"agent_id": 1, "actions": [{"text": "x"}]}, 422,
               needle="actions[0]")
        c = l1.ok("POST", "qa/coaching", {
            "agent_id": 1, "evaluations": [e["id"]], "notes": "Greeting practice",
            "actions": [{"text": "Use the greeting", "due": MONDAY + WEEK},
                        {"text": "Listen to two calls", "due": MONDAY + 2 * WEEK}]}, 201)
        assert c["evaluations"] == [e["id"]] and len(c["actions"]) == 2
        assert c["actions"][0]["done"] is False
        a1 = Client(s, "agent1")
        mine = a1.ok("GET", "qa/coaching")["items"]
        assert [x["id"] for x in mine] == [c["id"]]
        assert Client(s, "agent2").ok("GET", "qa/coaching")["items"] == []
        assert l2.ok("GET", "qa/coaching")["items"] == []
        act = c["actions"][0]["id"]
        Client(s, "agent2").err("PATCH", "qa/actions/%d" % act, {"done": True}, 404)
        assert a1.ok("PATCH", "qa/actions/%d" % act, {"done": True})["done"] is True
        again = a1.ok("GET", "qa/coaching")["items"][0]["actions"]
        assert again[0]["done"] is True and again[0]["done_at"] and again[1]["done"] is False
        a1.err("PATCH", "qa/actions/%d" % act, {"done": "yes"}, 422, needle="done")


def test_recording_for_the_player(binary):
    """The evaluator's player gets the contact's recording; only files inside the data directory."""
    import os
    with Server(binary) as s:
        os.makedirs(os.path.join(s.data, "recordings"), exist_ok=True)
        audio = b"RIFF" + bytes(range(256)) * 300
        with open(os.path.join(s.data, "recordings", "call-1.wav"), "wb") as f:
            f.write(audio)
        mine = contact(s, agent=1, recording_ref="recordings/call-1.wav")
        outside = contact(s, agent=1, recording_ref="/etc/hostname")
        sneaky = contact(s, agent=1, recording_ref="recordings/../../../etc/hostname")
        gone = contact(s, agent=1, recording_ref="recordings/nothing.wav")
        none = contact(s, agent=1)
        q = Client(s, "qa1")
        st, h, data = s.request("GET", "/api/v1/qa/contacts/%d/recording" % mine, token=q.token)
        assert st == 200 and data == audio and h["content-type"] == "audio/wav"
        # the agent hears their own call; another agent and another team's lead do not
        for who, want in (("agent1", 200), ("lead1", 200), ("agent2", 404), ("lead2", 404)):
            st, _, _ = s.request("GET", "/api/v1/qa/contacts/%d/recording" % mine,
                                 token=Client(s, who).token)
            assert st == want, (who, st)
        for cid in (outside, sneaky, gone, none, 999999):
            q.err("GET", "qa/contacts/%d/recording" % cid, None, 404)
        assert "outside the data directory" in s.stderr()
        sid = new_scorecard(q)["id"]
        assert evaluate(q, sid, mine, (1, 1, 4, 3, 1, 3, 0))["has_recording"] is True
        assert evaluate(q, sid, none, (1, 1, 4, 3, 1, 3, 0))["has_recording"] is False


def test_durable_across_restart(binary):
    """Acknowledged writes are committed: they survive a restart, scores unchanged."""
    from apitest import restart
    with Server(binary) as s:
        q = Client(s, "qa1")
        sid = new_scorecard(q)["id"]
        e = evaluate(q, sid, contact(s, agent=1), (1, 1, 4, 3, 1, 3, 0))
        restart(s)
        q = Client(s, "qa1")
        got = q.ok("GET", "qa/evaluations/%d" % e["id"])
        assert got["score"] == e["score"] and got["state"] == "submitted"
        con = sqlite3.connect(db_path(s), timeout=30)
        try:
            assert con.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] >= 3
        finally:
            con.close()


if __name__ == "__main__":
    run([test_scores_on_worked_examples_and_versions, test_flow_disputes_and_permissions,
         test_calibration_statistics, test_sampling, test_reports_and_csv, test_coaching,
         test_recording_for_the_player, test_durable_across_restart])
