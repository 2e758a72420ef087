"""apitest: what the API resource tests share: sessions, fixtures written into the database, file scans."""
import json
import os
import sqlite3
import time

from sbtest import Server, error_of

API = "/api/v1"
ROLES = ["agent", "team_lead", "supervisor", "qa", "planner", "admin"]
# one demo login per role
LOGIN = {"agent": "agent1", "team_lead": "lead1", "supervisor": "super1", "qa": "qa1",
         "planner": "planner1", "admin": "admin"}

# strings that must be stored verbatim and come back harmless
HOSTILE = ["'; DROP TABLE users; --", "1 OR 1=1", "<script>alert(1)</script>",
           "\"quoted\" \\ back\\slash", "Ünïcødé ✓ 🎧", "line\nbreak\ttab"]


class Client:
    """Requests as one user (bearer token), with the JSON decoded."""

    def __init__(self, server, user, password="demo"):
        self.s = server
        self.user = user
        self.token, self.csrf, self.cookie = server.login(user, password)

    def call(self, method, path, body=None, **kw):
        if not path.startswith("/"):
            path = API + "/" + path
        return self.s.json(method, path, body, token=self.token, **kw)

    def ok(self, method, path, body=None, want=None):
        st, _, doc = self.call(method, path, body)
        good = want if want else (200, 201, 204)
        if isinstance(good, int):
            good = (good,)
        assert st in good, (method, path, body, st, doc)
        return doc

    def err(self, method, path, body, status, code=None, needle=None):
        st, _, doc = self.call(method, path, body)
        assert st == status, (method, path, body, st, doc)
        c, msg = error_of(doc)
        if code:
            assert c == code, (method, path, c, msg)
        if needle:
            assert needle in msg, (method, path, needle, msg)
        return msg


def db_path(server):
    return os.path.join(server.data, "switchboard.db")


def next_id(con, table):
    return con.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM " + table).fetchone()[0]


def insert_contact(server, **fields):
    """Writes a contact record straight into the database (a test fixture: calls are not placed)."""
    con = sqlite3.connect(db_path(server), timeout=30)
    try:
        now = int(time.time() * 1000)
        row = {"call_id": 9000000000 + next_id(con, "contacts"), "client_id": 1,
               "channel": "voice", "direction": "inbound", "initiation": "inbound",
               "queue_id": 1, "agent_id": 1, "t_initiated": now - 60000,
               "t_enqueued": now - 60000, "t_connected": now - 50000,
               "t_disconnected": now - 10000, "updated_at": now}
        row.update(fields)
        row.setdefault("id", next_id(con, "contacts"))
        cols = ",".join(row)
        con.execute("INSERT INTO contacts (%s) VALUES (%s)" % (cols, ",".join("?" * len(row))),
                    list(row.values()))
        con.commit()
        return row["id"]
    finally:
        con.close()


def scan_db(server, needles):
    """Every cell of every table (as text) holding one of the needles: [(table, needle)]."""
    con = sqlite3.connect("file:%s?mode=ro" % db_path(server), uri=True)
    found = []
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        for t in tables:
            for row in con.execute('SELECT * FROM "%s"' % t):
                for cell in row:
                    if cell is None:
                        continue
                    text = cell.decode("utf-8", "replace") if isinstance(cell, bytes) else str(cell)
                    for n in needles:
                        if n in text:
                            found.append((t, n))
    finally:
        con.close()
    return found


def scan_files(directory, needles):
    """Files under directory whose bytes hold one of the needles: [(path, needle)]."""
    found = []
    for root, _, files in os.walk(directory):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                data = fh.read()
            for n in needles:
                if n.encode() in data:
                    found.append((p, n))
    return found


def tables(server):
    con = sqlite3.connect("file:%s?mode=ro" % db_path(server), uri=True)
    try:
        return sorted(r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"))
    finally:
        con.close()


def restart(server):
    """Stops the server cleanly and starts it again on the same data."""
    rc = server.stop()
    assert rc == 0, server.stderr()
    server.start()


def kill9_restart(server):
    """kill -9, then start again on the same data (recovery runs at start)."""
    server.proc.kill()
    server.proc.wait()
    server.err.close()
    server.start()


def unique(prefix):
    unique.n += 1
    return "%s-%d-%d" % (prefix, os.getpid(), unique.n)


unique.n = 0


def dump(doc):
    return json.dumps(doc, ensure_ascii=False)
