#!/usr/bin/env python3
"""bench_daemon: contact records persisted per second through the running daemon (demo traffic at full load).

The daemon (release build, --demo, a temporary data directory) runs its demo traffic far faster
than it can be served: simulated callers flood the four queues, 24 simulated agents answer at
once, talk 0 s and wrap up at once, impatient callers abandon. Every call goes through the real
router, the event log and the contact records, written by the storage writer with group commit
(WAL, synchronous=NORMAL: durable against a crash of the process). The traffic turns callers away
while the log lags, so the figure is the rate the daemon sustains.

Measured from the database while it runs (read-only): contact records committed per second, in
steady state. Reference, same run: bench_store's naive rate for the same records, one
transaction each on a plain SQLite connection. Afterwards the log is checked: every call the
event log shows entering a queue has its contact record (nothing acknowledged was lost).
Usage: bench_daemon.py SWITCHBOARD_BINARY BENCH_STORE_BINARY   (BENCH_SECONDS: default 10)
"""
import json
import os
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
LOAD = {"load": 200, "talk_ms": 0, "patience_ms": 0, "ring_ms": 0, "wrap_ms": 0,
        "break_every_ms": 0, "hold_pct": 0, "miss_pct": 0, "seed": 42}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def start_daemon(binary, tmp):
    cfg = os.path.join(tmp, "sb.json")
    with open(cfg, "w") as f:
        json.dump({"pwhash_cost": "min", "demo_traffic": LOAD}, f)
    err = open(os.path.join(tmp, "stderr.txt"), "w")
    p = subprocess.Popen([binary, "serve", "--demo", "--http", "127.0.0.1:0", "--data",
                          os.path.join(tmp, "var"), "--config", cfg],
                         stdout=subprocess.PIPE, stderr=err)
    line = b""
    deadline = time.time() + 60
    while not line.endswith(b"\n") and time.time() < deadline:
        r, _, _ = select.select([p.stdout], [], [], 1)
        if r:
            c = os.read(p.stdout.fileno(), 1)
            if not c:
                break
            line += c
    if not re.search(rb"http://127\.0\.0\.1:(\d+)/", line):
        p.kill()
        raise SystemExit("bench_daemon: the daemon did not start: %r" % line)
    return p, err


def sample(db, since):
    """(monotonic time, contact records, last event seq) committed now."""
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        n = c.execute("SELECT COUNT(*) FROM contacts WHERE t_initiated >= ?", (since,)).fetchone()[0]
        seq = c.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
    finally:
        c.close()
    return time.monotonic(), n, seq


def cpu_seconds(pid):
    """User + system CPU of the whole process (every thread)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def naive_reference(bench_store):
    """Contact records/s inserted one transaction each (bench_store's reference, WAL NORMAL)."""
    out = subprocess.run([bench_store, "--records", "20000", "--naive", "30000"],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        r = json.loads(line)
        if r["name"] == "store_contacts_wal_normal":
            return r["reference"]
    raise SystemExit("bench_daemon: no reference from bench_store")


def main():
    binary, bench_store = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="bench-daemon-")
    daemon = None
    try:
        daemon, err = start_daemon(binary, tmp)
        db = os.path.join(tmp, "var", "switchboard.db")
        since = int(time.time() * 1000) - 1000
        time.sleep(2)  # the agents log in, the queues fill, the writer reaches steady state
        t0, n0, s0 = sample(db, since)
        cpu0 = cpu_seconds(daemon.pid)
        time.sleep(SECONDS)
        t1, n1, s1 = sample(db, since)
        cpu = cpu_seconds(daemon.pid) - cpu0
        daemon.send_signal(signal.SIGTERM)
        rc = daemon.wait(120)
        err.close()
        with open(os.path.join(tmp, "stderr.txt")) as f:
            text = f.read()
        if rc != 0:
            raise SystemExit("bench_daemon: the daemon exited with %d\n%s" % (rc, text))
        records = (n1 - n0) / (t1 - t0)
        events = (s1 - s0) / (t1 - t0)
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        lost = c.execute(
            "SELECT COUNT(*) FROM events e WHERE e.kind = 'call-enter' AND NOT EXISTS"
            " (SELECT 1 FROM contacts c WHERE c.call_id = e.call_id AND c.queue_id = e.queue_id)"
        ).fetchone()[0]
        total, conn, disc, wrap0, wrap1 = c.execute(
            "SELECT COUNT(*), COUNT(t_connected), COUNT(t_disconnected), COUNT(t_wrap_start),"
            " COUNT(t_wrap_end) FROM contacts WHERE t_initiated >= ?", (since,)).fetchone()
        c.close()
        if lost:
            raise SystemExit("bench_daemon: %d calls in the log have no contact record" % lost)
        # each record is written when its call enters, connects, ends, starts and ends wrap-up
        writes = total + conn + disc + wrap0 + wrap1
        blocked = re.search(r"(\d+) caller\(s\) turned away", text)
        log("bench_daemon: %d contact records (%d answered), %.1f writes each; %.0f records/s, "
            "%.0f events/s committed in steady state, %.0f us of CPU per record (%.2f cores); "
            "%s callers turned away while the log lagged; every call entering a queue has its "
            "record" % (total, conn, writes / max(total, 1), records, events,
                        cpu * 1e6 / max(n1 - n0, 1), cpu / (t1 - t0),
                        blocked.group(1) if blocked else "no"))
        ref = naive_reference(bench_store)
        log("bench_daemon: bench_store's naive rate (one transaction per record): %.0f/s" % ref)
        print(json.dumps({"name": "daemon_contact_records_persisted", "value": round(records),
                          "unit": "records/s", "reference": round(ref),
                          "ratio": round(records / ref, 3)}))
        rows = events + records * writes / max(total, 1)
        print(json.dumps({"name": "daemon_rows_written", "value": round(rows),
                          "unit": "rows/s", "reference": round(ref),
                          "ratio": round(rows / ref, 3)}))
    finally:
        if daemon and daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
