"""Integration: outbound campaigns (issue 9): CRUD and validation, lead-list import with its rejection
report, do-not-call lists (global, per campaign, from a disposition), "why no dialable leads" with the
leads' time zones, the abandonment report, and who may do what."""
import datetime
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import zoneinfo

from apitest import Client, db_path, unique
from sbtest import Server, error_of, run

ALL_DAY = {"abandon_limit_pct": 3, "abandon_window_hours": 720, "window_start": "00:00",
           "window_end": "24:00", "min_ring_seconds": 15}
EVERY_DAY = {d: {"start": "00:00", "end": "24:00"}
             for d in ("sun", "mon", "tue", "wed", "thu", "fri", "sat")}


def campaign(adm, **kw):
    body = {"name": unique("Campaign"), "client_id": 1, "profile": "custom",
            "profile_custom": ALL_DAY, "windows": EVERY_DAY}
    body.update(kw)
    return adm.ok("POST", "campaigns", body, want=201)


def leads(c, cid, **q):
    qs = "&".join("%s=%s" % kv for kv in q.items())
    return c.ok("GET", "campaigns/%d/leads?limit=1000&%s" % (cid, qs))["items"]


def why(c, cid):
    return c.ok("GET", "campaigns/%d/why" % cid)


ZONES = ["America/New_York", "Europe/London", "Europe/Dublin", "Asia/Kolkata", "America/Chicago",
         "Australia/Sydney", "America/St_Johns", "Pacific/Chatham", "America/Santiago",
         "Africa/Casablanca", "Asia/Tokyo", "Etc/UTC"]


def zone_windows(adm):
    """For each zone, a three-minute window around its local time now: exactly the leads whose
    local time (by Python's zoneinfo) falls inside it are dialable."""
    csv = "phone,zone\n" + "".join("+1 212 555 03%02d,%s\n" % (i, z) for i, z in enumerate(ZONES))
    for zone in ZONES:
        for attempt in range(3):
            t0 = time.time()
            loc = lambda z: datetime.datetime.fromtimestamp(t0, zoneinfo.ZoneInfo(z))
            now = loc(zone)
            m = now.hour * 60 + now.minute
            if m < 2 or m > 1436:  # keep the window inside one day
                time.sleep(62 - t0 % 60)
                continue
            wd = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[now.weekday()]
            win = {"start": "%02d:%02d" % divmod(m - 1, 60), "end": "%02d:%02d" % divmod(m + 2, 60)}
            want = 0
            for z in ZONES:
                lz = loc(z)
                lm = lz.hour * 60 + lz.minute
                want += lz.weekday() == now.weekday() and m - 1 <= lm < m + 2
            cz = campaign(adm, windows={wd: win})
            adm.ok("POST", "campaigns/%d/lists" % cz["id"],
                   {"name": "tz", "csv": csv, "mapping": {"phone": "phone", "zone": "zone"}},
                   want=201)
            w = why(adm, cz["id"])
            if time.time() - t0 > 30:
                continue  # a stalled machine: zones at m + 1 may have left the window
            assert want >= 1 and w["dialable"] == want, (zone, win, wd, want, w)
            assert w["excluded"]["window_closed"] == len(ZONES) - want, (zone, w)
            break
        else:
            raise AssertionError("no quiet minute to test %s in" % zone)


def test_slim_tzdata(binary):
    """TZif files without the listed future years (zic -b slim): the footer's POSIX rule decides."""
    tzdir = tempfile.mkdtemp(prefix="sb-tz-")
    try:
        subprocess.run(["zic", "-b", "slim", "-d", tzdir, "/usr/share/zoneinfo/tzdata.zi"],
                       check=True)
        with open(os.path.join(tzdir, "America", "New_York"), "rb") as f:
            assert len(f.read()) < 2000  # slim indeed: transitions stop in 2007
        os.environ["TZDIR"] = tzdir
        try:
            with Server(binary) as s:
                zone_windows(Client(s, "admin"))
        finally:
            del os.environ["TZDIR"]
    finally:
        shutil.rmtree(tzdir)


def test_crud_and_validation(binary):
    with Server(binary) as s:
        adm = Client(s, "admin")
        name = unique("Renewals")
        body = {"name": name, "client_id": 1, "dial_mode": "predictive", "caller_id": "+1 212 555 0199",
                "agents": [1, 2], "skills": [], "profile": "us", "ring_seconds": 20,
                "windows": {"mon": {"start": "09:00", "end": "17:30"}, "sat": None},
                "retry_rules": {"no-answer": {"delay_minutes": 60, "max_attempts": 3},
                                "completed": {"final": True}},
                "default_zone": "America/Chicago", "active": True}
        c = adm.ok("POST", "campaigns", body, want=201)
        assert c["caller_id"] == "+12125550199" and c["dial_mode"] == "predictive"
        assert c["agents"] == [1, 2] and c["windows"]["mon"]["end"] == "17:30" and c["active"]
        assert adm.ok("GET", "campaigns/%d" % c["id"]) == c
        assert c["id"] in [x["id"] for x in adm.ok("GET", "campaigns?limit=500")["items"]]
        # an update changes only what it names; leaving "custom" is checked as a whole
        u = adm.ok("PUT", "campaigns/%d" % c["id"], {"dial_mode": "preview", "agents": [1]})
        assert u["dial_mode"] == "preview" and u["agents"] == [1] and u["caller_id"] == c["caller_id"]
        # every bad field is named
        cid = c["id"]
        for bad, field in [
            ({"dial_mode": "robot"}, "dial_mode"),
            ({"ring_seconds": 10}, "ring_seconds"),  # the US profile needs 15 s
            ({"windows": {"mon": {"start": "25:00", "end": "26:00"}}}, "windows.mon"),
            ({"windows": {"mon": {"start": "18:00", "end": "09:00"}}}, "windows.mon"),
            ({"windows": {"funday": {"start": "09:00", "end": "10:00"}}}, "windows"),
            ({"profile": "custom"}, "profile_custom"),
            ({"profile_custom": {"abandon_limit_pct": 3}}, "profile_custom"),
            ({"profile": "custom", "profile_custom": {"abandon_limit_pct": 300}},
             "profile_custom.abandon_limit_pct"),
            ({"profile": "custom", "profile_custom": {"window_start": "22:00", "window_end": "08:00"}},
             "profile_custom"),
            ({"retry_rules": {"no-answer": {"delay_minutes": -1}}}, "retry_rules.no-answer"),
            ({"retry_rules": {"sale": {"final": True}}}, "retry_rules"),
            ({"caller_id": "call me"}, "caller_id"),
            ({"default_zone": "not a zone!"}, "default_zone"),
            ({"agents": [999999]}, "agents"),
            ({"agents": "all"}, "agents"),
            ({"queue_id": 999999}, "queue_id"),
            ({"client_id": 2}, "client_id"),
            ({"colour": "red"}, "colour"),
            ({"name": ""}, "name"),
        ]:
            st, _, doc = adm.call("PUT", "campaigns/%d" % cid, bad)
            assert st == 422, (bad, st, doc)
            assert '"%s' % field in error_of(doc)[1], (bad, doc)
        # the run settings (schema v10): the blending rule and the disposition mapping are
        # stored and shown; "running" is the dialer's, not writable
        assert c["blend_min_sl"] == 0.8 and c["blend_reserve"] == 0, c
        assert c["disposition_map"] is None and c["running"] is False, c
        u = adm.ok("PUT", "campaigns/%d" % cid,
                   {"blend_min_sl": 0.65, "blend_reserve": 2,
                    "disposition_map": {"SALE": "completed", "CB": "callback", "NOPE": "none",
                                        "STOP": "dnc"}})
        assert u["blend_min_sl"] == 0.65 and u["blend_reserve"] == 2, u
        assert u["disposition_map"] == {"SALE": "completed", "CB": "callback", "NOPE": "none",
                                        "STOP": "dnc"}, u
        assert adm.ok("GET", "campaigns/%d" % cid) == u
        u = adm.ok("PUT", "campaigns/%d" % cid, {"dial_mode": "preview"})
        assert u["blend_reserve"] == 2 and u["disposition_map"]["CB"] == "callback", u
        for bad, field in [
            ({"blend_min_sl": 1.5}, "blend_min_sl"),
            ({"blend_min_sl": "high"}, "blend_min_sl"),
            ({"blend_reserve": -1}, "blend_reserve"),
            ({"disposition_map": {"X": "abandoned"}}, "disposition_map"),
            ({"disposition_map": {"X": "sold"}}, "disposition_map"),
            ({"disposition_map": {"X": 3}}, "disposition_map"),
            ({"disposition_map": ["completed"]}, "disposition_map"),
            ({"running": True}, "running"),
        ]:
            st, _, doc = adm.call("PUT", "campaigns/%d" % cid, bad)
            assert st == 422, (bad, st, doc)
            assert '"%s' % field in error_of(doc)[1], (bad, doc)
        assert adm.ok("GET", "campaigns/%d" % cid) == u
        # null: back to the default mapping (codes named like results)
        assert adm.ok("PUT", "campaigns/%d" % cid, {"disposition_map": None})[
            "disposition_map"] is None
        # nothing changed by the refused writes
        assert adm.ok("GET", "campaigns/%d" % cid) == adm.ok("GET", "campaigns/%d" % cid)
        assert adm.ok("GET", "campaigns/%d" % cid)["dial_mode"] == "preview"
        adm.err("POST", "campaigns", {"client_id": 1}, 422, needle='"name"')
        adm.err("PUT", "campaigns/%d" % cid, {"script_id": 999999}, 422, needle='"script_id"')
        adm.err("POST", "campaigns", {"name": unique("s"), "client_id": 1, "script_id": 999999},
                422)
        adm.err("POST", "campaigns", {"name": name, "client_id": 1}, 409)
        # broken JSON
        st, _, data = s.request("POST", "/api/v1/campaigns", b'{"name": "x",', token=adm.token,
                                headers={"Content-Type": "application/json"})
        assert st == 400, (st, data)
        st, _, data = s.request("POST", "/api/v1/campaigns", b"name,x\n", token=adm.token,
                                headers={"Content-Type": "text/csv"})
        assert st == 415, (st, data)
        # a custom profile with its numbers
        # numbers written nationally follow the client's dialling plan (the demo's is Germany)
        n = adm.ok("PUT", "campaigns/%d" % cid, {"caller_id": "030 1234567"})
        assert n["caller_id"] == "+49301234567", n
        c2 = campaign(adm, ring_seconds=15)
        assert c2["profile_custom"]["window_end"] == "24:00"
        # the audit trail has the writes
        adm.ok("DELETE", "campaigns/%d" % c2["id"], want=204)
        adm.err("GET", "campaigns/%d" % c2["id"], None, 404)
        con = sqlite3.connect(db_path(s))
        acts = [r[0] for r in con.execute(
            "SELECT action FROM audit_log WHERE object_type = 'campaign' AND object_id IN (?, ?)"
            " ORDER BY id", (cid, c2["id"]))]
        con.close()
        assert acts == ["create"] + ["update"] * 5 + ["create", "delete"], acts


CSV = (
    "Phone,First,Last,TZ,Prio,Account\r\n"          # row 1: the header
    "+1 (212) 555-0101,Ann,Archer,,5,A-1\r\n"       # 2: ok, zone from the number
    "+44 20 7946 0102,Bob,Baker,Europe/London,,B-2\r\n"  # 3: ok, zone from the column
    "12,Cy,Cole,,,C-3\r\n"                          # 4: bad phone
    "+1 312 555 0104,Dee\r\n"                       # 5: fields missing
    "+1-212-555-0101,Ann,Again,,,A-1\r\n"           # 6: duplicate of row 2
    "+1 415 555 0106,Eve,Evans,Mars/Olympus Mons!,,E-5\r\n"  # 7: bad zone
    "+1 415 555 0107,Fay,\"Fox, Jr.\",,,F-6\r\n"    # 8: ok (quoted delimiter)
    "+1 646 555 0108,Gus,Green,,,G-7\r\n"           # 9: on the global DNC list
    "\r\n"                                          # 10: blank
    "+1 718 555 0110,Hal,Hill,,not a number,H-9\r\n"  # 11: bad priority
    "+1 305 555 0111,Ida,Irwin,Mars/Base,,I-10\r\n"  # 12: ok, a zone tzdata does not know
    "+1 617 555 0112,Jo,\"Jones,,,J-11\r\n"         # 13: unterminated quote (swallows the rest)
)
MAPPING = {"phone": "phone", "first_name": "First", "last_name": "last", "zone": "TZ",
           "priority": "Prio", "custom": ["Account"]}


def test_import_report(binary):
    with Server(binary) as s:
        adm = Client(s, "admin")
        dnc = adm.ok("POST", "dnc", {"number": "+1 (646) 555-0108"}, want=201)
        assert dnc["number"] == "+16465550108" and dnc["campaign_id"] is None
        c = campaign(adm)
        cid = c["id"]
        rep = adm.ok("POST", "campaigns/%d/lists" % cid,
                     {"name": "October", "csv": CSV, "mapping": MAPPING}, want=201)
        rows = {r["row"]: r for r in rep["rejections"]}
        want = {4: "bad_phone", 5: "fields", 6: "duplicate", 7: "bad_zone", 9: "dnc", 10: "blank",
                11: "bad_priority", 13: "malformed"}
        assert {k: v["reason"] for k, v in rows.items()} == want, rep
        assert rows[6]["duplicate_of_row"] == 2
        assert "not closed" in rows[13]["detail"], rows[13]
        assert "+16465550108" in rows[9]["detail"]
        assert [r["row"] for r in rep["rejections"]] == sorted(rows)
        assert rep["records"] == 12 and rep["imported"] == 4 and rep["rejected"] == 8
        assert rep["duplicates"] == 1 and rep["records"] == rep["imported"] + rep["rejected"]
        got = {l["number"]: l for l in leads(adm, cid)}
        assert sorted(got) == ["+12125550101", "+13055550111", "+14155550107", "+442079460102"]
        ann = got["+12125550101"]
        assert ann["first_name"] == "Ann" and ann["priority"] == 5 and ann["zone_derived"]
        assert ann["zone"] == "America/New_York" and ann["custom"] == {"Account": "A-1"}
        assert ann["list_id"] == rep["list_id"] and ann["row"] == 2 and ann["status"] == "ready"
        assert got["+14155550107"]["last_name"] == "Fox, Jr."
        assert got["+442079460102"]["zone"] == "Europe/London"
        # a second file: numbers already in the campaign are duplicates too
        rep2 = adm.ok("POST", "campaigns/%d/lists" % cid,
                      {"name": "November", "csv": "phone\n+1 212 555 0101\n+1 212 555 0199\n",
                       "mapping": {"phone": "PHONE"}}, want=201)
        assert rep2["imported"] == 1 and rep2["rejections"][0]["row"] == 2
        assert rep2["rejections"][0]["reason"] == "duplicate"
        assert rep2["rejections"][0]["duplicate_of_row"] is None
        assert "already a lead of the campaign" in rep2["rejections"][0]["detail"]
        lists = adm.ok("GET", "campaigns/%d/lists" % cid)["items"]
        assert [(l["name"], l["imported"], l["rejected"]) for l in lists] == \
            [("October", 4, 8), ("November", 1, 1)]
        # a mapped column missing from the header refuses the whole file, naming it
        adm.err("POST", "campaigns/%d/lists" % cid,
                {"name": "Bad", "csv": "number\n+12125550142\n", "mapping": {"phone": "phone"}},
                422, needle='"mapping"')
        adm.err("POST", "campaigns/%d/lists" % cid, {"name": "Bad", "csv": "x\n"}, 422,
                needle="mapping")
        adm.err("POST", "campaigns/%d/lists" % cid,
                {"name": "Bad", "csv": "", "mapping": {"phone": "phone"}}, 422, needle='"csv"')
        adm.err("POST", "campaigns/%d/lists" % cid,
                {"name": "Bad", "csv": "phone\n1\n", "mapping": {"phone": "phone", "delimiter": "x"}},
                422, needle="mapping.delimiter")
        assert len(adm.ok("GET", "campaigns/%d/lists" % cid)["items"]) == 2
        assert len(leads(adm, cid)) == 5
        # filters
        assert [l["number"] for l in leads(adm, cid, phone="%2B1-212-555-0199")] == ["+12125550199"]
        assert len(leads(adm, cid, list_id=rep2["list_id"])) == 1
        assert len(leads(adm, cid, status="done")) == 0
        adm.err("GET", "campaigns/%d/leads?status=sleeping" % cid, None, 422, needle="status")
        page = adm.ok("GET", "campaigns/%d/leads?limit=2" % cid)
        assert len(page["items"]) == 2 and page["next"]
        adm.err("POST", "campaigns/999999/lists", {"name": "x", "csv": "phone\n", "mapping": {"phone": "phone"}},
                404)


def test_why_dnc_and_zones(binary):
    with Server(binary) as s:
        adm = Client(s, "admin")
        agent = Client(s, "agent1")
        c = campaign(adm, agents=[1])
        cid = c["id"]
        adm.ok("POST", "campaigns/%d/lists" % cid, {"name": "L", "csv": CSV, "mapping": MAPPING},
               want=201)
        w = why(adm, cid)
        assert w["total"] == 5 and w["dialable"] == 4, w
        assert w["excluded"]["zone_unknown"] == 1, w  # Mars/Base: no tzdata file
        # a DNC entry added after the import makes its lead non-dialable at once
        e = adm.ok("POST", "campaigns/%d/dnc" % cid, {"number": "+1 415 555 0107"}, want=201)
        assert e["campaign_id"] == cid and e["source"] == "manual"
        w = why(adm, cid)
        assert w["dialable"] == 3 and w["excluded"]["dnc"] == 1, w
        # ... also on the global list
        g = adm.ok("POST", "dnc", {"number": "+44 20 7946 0102"}, want=201)
        w = why(adm, cid)
        assert w["dialable"] == 2 and w["excluded"]["dnc"] == 2, w
        adm.ok("DELETE", "dnc/%d" % g["id"], want=204)
        adm.err("DELETE", "dnc/%d" % g["id"], None, 404)
        assert why(adm, cid)["dialable"] == 3
        # the agent's "do not call me" disposition
        ann = [l for l in leads(adm, cid) if l["number"] == "+12125550101"][0]
        d = agent.ok("POST", "campaigns/%d/leads/%d/dnc" % (cid, ann["id"]), {})
        assert d["number"] == "+12125550101" and d["list"] == "campaign"
        agent.err("POST", "campaigns/%d/leads/%d/dnc" % (cid, ann["id"]), {"global": True}, 422,
                  needle="global")
        agent.err("POST", "campaigns/%d/leads/999999/dnc" % cid, {}, 404)
        ann = [l for l in leads(adm, cid) if l["number"] == "+12125550101"][0]
        assert ann["status"] == "done" and ann["done_reason"] == "dnc" and ann["last_result"] == "dnc"
        w = why(adm, cid)
        assert w["dialable"] == 2 and w["excluded"]["dnc"] == 2, w
        nums = {x["number"]: x["source"] for x in adm.ok("GET", "campaigns/%d/dnc" % cid)["items"]}
        assert nums == {"+14155550107": "manual", "+12125550101": "disposition"}, nums
        # time zones from tzdata: a window open only in Tokyo's current local hour (UTC+9, no DST)
        for attempt in range(3):
            h = (time.gmtime().tm_hour + 9) % 24
            win = {"start": "%02d:00" % h, "end": "%02d:00" % (h + 1) if h < 23 else "24:00"}
            cz = campaign(adm, windows={d: win for d in EVERY_DAY})
            csv = "phone,zone\n+1 212 555 0150,Asia/Tokyo\n+1 212 555 0151,Etc/UTC\n" \
                  "+1 212 555 0152,America/New_York\n"
            adm.ok("POST", "campaigns/%d/lists" % cz["id"],
                   {"name": "tz", "csv": csv, "mapping": {"phone": "phone", "zone": "zone"}},
                   want=201)
            w = why(adm, cz["id"])
            if (time.gmtime().tm_hour + 9) % 24 != h:
                continue  # the hour turned meanwhile
            assert w["dialable"] == 1 and w["excluded"]["window_closed"] == 2, w
            break
        # to the minute, with daylight saving and half-hour offsets
        zone_windows(adm)
        # no window today in any zone: everything dialable before is window_closed
        day = (time.gmtime().tm_wday + 1 + 3) % 7  # tm_wday 0 = Monday; ours 0 = Sunday
        name = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")[day]
        adm.ok("PUT", "campaigns/%d" % cid, {"windows": {name: {"start": "00:00", "end": "24:00"}}})
        w = why(adm, cid)
        assert w["dialable"] == 0 and w["excluded"]["window_closed"] == 2, w
        assert w["excluded"]["zone_unknown"] == 1 and w["total"] == 5, w


def test_dnc_import(binary):
    with Server(binary) as s:
        adm = Client(s, "admin")
        csv = "Number\n+1 212 555 0160\n+1 (212) 555-0161\nnot a number\n+1 212 555 0160\n"
        rep = adm.ok("POST", "dnc/import", {"csv": csv})
        assert rep["numbers"] == 2 and rep["rejected"] == 1, rep
        assert rep["rejections"][0]["row"] == 4 and rep["rejections"][0]["reason"] == "bad_phone"
        items = adm.ok("GET", "dnc?limit=1000")["items"]
        got = {x["number"]: x["source"] for x in items}
        assert got.get("+12125550160") == "import" and got.get("+12125550161") == "import"
        assert adm.ok("GET", "dnc?phone=%2B12125550161")["items"][0]["number"] == "+12125550161"
        # importing again adds nothing twice
        adm.ok("POST", "dnc/import", {"csv": csv})
        assert len(adm.ok("GET", "dnc?limit=1000")["items"]) == len(items)
        c = campaign(adm)
        r = adm.ok("POST", "campaigns/%d/dnc/import" % c["id"], {"csv": "+1 212 555 0170\n"})
        assert r["numbers"] == 1 and r["campaign_id"] == c["id"]
        rep = adm.ok("POST", "campaigns/%d/lists" % c["id"],
                     {"name": "x", "csv": "phone\n+1 212 555 0170\n+1 212 555 0160\n+1 212 555 0171\n",
                      "mapping": {"phone": "phone"}}, want=201)
        assert rep["imported"] == 1 and [x["reason"] for x in rep["rejections"]] == ["dnc", "dnc"]
        adm.err("POST", "dnc", {"number": "nope"}, 422, needle="number")
        adm.err("POST", "dnc/import", {}, 422, needle="csv")
        adm.err("POST", "dnc/import", {"csv": 5}, 422, needle="csv")


def test_report(binary):
    with Server(binary) as s:
        adm = Client(s, "admin")
        us = campaign(adm, profile="us", profile_custom=None, windows=None)
        uk = campaign(adm, profile="uk", profile_custom=None, windows=None)
        now = int(time.time() * 1000)
        day = 86400000
        con = sqlite3.connect(db_path(s))
        rows = []
        for cid in (us["id"], uk["id"]):
            # within the last hour: 40 answered, 2 abandoned, 60 unanswered
            rows += [(cid, now - 3600000 + i, "connected", 1, 0) for i in range(38)]
            rows += [(cid, now - 3600000 + i, "abandoned", 1, 1) for i in range(2)]
            rows += [(cid, now - 3600000 + i, "no-answer", 0, 0) for i in range(60)]
            # 3 days ago (inside 30 days, outside 24 hours): 10 answered, 1 abandoned
            rows += [(cid, now - 3 * day, "connected", 1, 0) for i in range(9)]
            rows += [(cid, now - 3 * day, "abandoned", 1, 1)]
            # 40 days ago: outside both windows
            rows += [(cid, now - 40 * day, "abandoned", 1, 1) for i in range(5)]
        con.executemany("INSERT INTO dial_attempts (campaign_id, time, result, answered, abandoned)"
                        " VALUES (?, ?, ?, ?, ?)", rows)
        con.commit()
        con.close()
        r = adm.ok("GET", "campaigns/%d/report" % us["id"])
        assert r["attempts"] == 115 and r["live_answers"] == 55 and r["abandoned"] == 8, r
        w = r["rolling"]
        assert w["window_hours"] == 720 and w["live_answers"] == 50 and w["abandoned"] == 3, r
        assert abs(w["rate"] - 0.06) < 1e-9 and w["limit"] == 0.03 and w["over_limit"], r
        r = adm.ok("GET", "campaigns/%d/report" % uk["id"])
        w = r["rolling"]
        assert w["window_hours"] == 24 and w["live_answers"] == 40 and w["abandoned"] == 2, r
        assert abs(w["rate"] - 0.05) < 1e-9 and w["over_limit"], r
        assert r["leads"] == {"total": 0, "ready": 0, "done": 0}


def test_roles(binary):
    with Server(binary) as s:
        adm = Client(s, "admin")
        sup = Client(s, "super1")
        planner = Client(s, "planner1")
        agent = Client(s, "agent1")
        lead = Client(s, "lead1")
        mine = campaign(sup, agents=[1])
        other = campaign(sup, agents=[2])
        # planners read, never write
        assert planner.ok("GET", "campaigns/%d" % other["id"])["id"] == other["id"]
        planner.ok("GET", "campaigns/%d/why" % other["id"])
        planner.ok("GET", "campaigns/%d/report" % other["id"])
        planner.err("POST", "campaigns", {"name": "p", "client_id": 1}, 403)
        planner.err("PUT", "campaigns/%d" % other["id"], {"active": True}, 403)
        planner.err("POST", "dnc", {"number": "+12125550180"}, 403)
        # agents see only the campaigns they are in
        seen = [c["id"] for c in agent.ok("GET", "campaigns?limit=500")["items"]]
        assert mine["id"] in seen and other["id"] not in seen
        agent.ok("GET", "campaigns/%d" % mine["id"])
        agent.err("GET", "campaigns/%d" % other["id"], None, 404)
        agent.err("GET", "campaigns/%d/leads" % other["id"], None, 404)
        agent.err("POST", "campaigns/%d/leads/1/dnc" % other["id"], {}, 404)
        agent.err("POST", "campaigns", {"name": "a", "client_id": 1}, 403)
        agent.err("DELETE", "campaigns/%d" % mine["id"], None, 403)
        agent.err("POST", "campaigns/%d/lists" % mine["id"],
                  {"name": "a", "csv": "phone\n", "mapping": {"phone": "phone"}}, 403)
        agent.err("GET", "dnc", None, 403)
        # in through a skill of theirs; not through a skill nobody has
        sk = adm.ok("GET", "agents/1")["skills"][0]["skill_id"]
        viaskill = campaign(sup, skills=[sk])
        agent.ok("GET", "campaigns/%d" % viaskill["id"])
        lonely = adm.ok("POST", "skills", {"name": unique("skill"), "kind": "skill"}, want=201)
        noskill = campaign(sup, skills=[lonely["id"]])
        agent.err("GET", "campaigns/%d" % noskill["id"], None, 404)
        # team leads are not in the outbound design
        lead.err("GET", "campaigns", None, 403)
        # supervisors manage
        sup.ok("PUT", "campaigns/%d" % other["id"], {"active": True})
        sup.ok("DELETE", "campaigns/%d" % other["id"], want=204)


def test_big_campaign(binary):
    """More leads and DNC entries than one read returns (5,000): every page counts."""
    with Server(binary) as s:
        adm = Client(s, "admin")
        c = campaign(adm)
        cid = c["id"]
        csv = "phone\n" + "".join("+1 212 7%02d %04d\n" % divmod(i, 10000) for i in range(6000))
        rep = adm.ok("POST", "campaigns/%d/lists" % cid,
                     {"name": "big", "csv": csv, "mapping": {"phone": "phone"}}, want=201)
        assert rep["imported"] == 6000 and rep["rejected"] == 0, rep["rejected"]
        # a number from the second page of stored leads is a duplicate
        rep = adm.ok("POST", "campaigns/%d/lists" % cid,
                     {"name": "again", "csv": "phone\n+1 212 700 5999\n+1 212 800 0000\n",
                      "mapping": {"phone": "phone"}}, want=201)
        assert [r["reason"] for r in rep["rejections"]] == ["duplicate"], rep
        # a DNC entry from the second page of the list counts
        dnc = "".join("+1 303 7%02d %04d\n" % divmod(i, 10000) for i in range(5500))
        r = adm.ok("POST", "dnc/import", {"csv": dnc + "+1 212 700 5998\n"})
        assert r["numbers"] == 5501, r
        w = why(adm, cid)
        assert w["total"] == 6001 and w["dialable"] == 6000 and w["excluded"]["dnc"] == 1, w
        rep = adm.ok("POST", "campaigns/%d/lists" % cid,
                     {"name": "dnc", "csv": "phone\n+1 303 700 5499\n", "mapping": {"phone": "phone"}},
                     want=201)
        assert [r["reason"] for r in rep["rejections"]] == ["dnc"], rep


def test_recycle(binary):
    with Server(binary) as s:
        adm = Client(s, "admin")
        planner = Client(s, "planner1")
        c = campaign(adm)
        cid = c["id"]
        csv = "phone\n" + "".join("+1 212 555 02%02d\n" % i for i in range(6))
        adm.ok("POST", "campaigns/%d/lists" % cid, {"name": "r", "csv": csv,
                                                    "mapping": {"phone": "phone"}}, want=201)
        ids = {l["number"][-2:]: l["id"] for l in leads(adm, cid)}
        # dialling state as the telephony wiring will write it
        con = sqlite3.connect(db_path(s))
        for suffix, status, reason, attempts, result in [
                ("00", "done", "result", 1, "not-interested"),
                ("01", "done", "dnc", 1, "dnc"),
                ("02", "ready", None, 6, "no-answer"),
                ("03", "done", "max_attempts", 6, "busy"),
                ("04", "ready", None, 2, "no-answer")]:
            con.execute("UPDATE leads SET status = ?, done_reason = ?, attempts = ?,"
                        " last_result = ? WHERE id = ?",
                        (status, reason, attempts, result, ids[suffix]))
        con.commit()
        con.close()
        w = why(adm, cid)
        assert w["excluded"]["dnc"] == 1 and w["excluded"]["done"] == 1, w
        assert w["excluded"]["max_attempts"] == 1, w
        planner.err("POST", "campaigns/%d/recycle" % cid, {"results": ["busy"]}, 403)
        adm.err("POST", "campaigns/%d/recycle" % cid, {"results": []}, 422, needle="results")
        adm.err("POST", "campaigns/%d/recycle" % cid, {"results": ["sale"]}, 422, needle="results")
        adm.err("POST", "campaigns/%d/recycle" % cid, {"results": ["busy"], "x": 1}, 422)
        r = adm.ok("POST", "campaigns/%d/recycle" % cid, {"results": ["not-interested", "no-answer",
                                                                        "dnc"]})
        assert r["recycled"] == 3 and r["results"] == ["no-answer", "dnc", "not-interested"], r
        got = {l["number"][-2:]: l for l in leads(adm, cid)}
        for suffix in ("00", "02", "04"):
            assert got[suffix]["status"] == "ready" and got[suffix]["attempts"] == 0, got[suffix]
        assert got["01"]["status"] == "done" and got["01"]["done_reason"] == "dnc"  # never
        assert got["03"]["status"] == "done" and got["03"]["attempts"] == 6  # busy: not asked
        w = why(adm, cid)
        assert w["dialable"] == 4 and w["excluded"]["dnc"] == 1, w
        assert w["excluded"]["max_attempts"] == 1 and w["excluded"]["done"] == 0, w


if __name__ == "__main__":
    run([test_crud_and_validation, test_import_report, test_why_dnc_and_zones, test_dnc_import,
         test_report, test_roles, test_big_campaign,
         test_recycle, test_slim_tzdata])
