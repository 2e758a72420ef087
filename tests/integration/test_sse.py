"""Integration: live events over SSE: delivery, per-user filtering, heartbeats, Last-Event-ID replay, ends on logout."""
import json
import socket
import time

from sbtest import Server, run


class Stream:
    """GET /api/v1/events, read as server-sent events frames."""

    def __init__(self, s, token, last_id=None, timeout=5):
        self.c = s.conn(timeout=timeout)
        h = {"Authorization": "Bearer " + token, "Accept": "text/event-stream"}
        if last_id is not None:
            h["Last-Event-ID"] = str(last_id)
        self.c.request("GET", "/api/v1/events", headers=h)
        self.r = self.c.getresponse()
        self.status = self.r.status
        self.headers = {k.lower(): v for k, v in self.r.getheaders()}

    def frame(self):
        """Next frame as a dict of fields ('comment' for comment lines); None at end of stream."""
        f = {}
        while True:
            line = self.r.readline()
            if not line:
                return None
            line = line.decode().rstrip("\n")
            if line == "":
                if f:
                    return f
                continue
            if line.startswith(":"):
                f.setdefault("comment", []).append(line[1:].strip())
                continue
            k, _, v = line.partition(":")
            f[k] = (f[k] + "\n" if k in f else "") + v.lstrip(" ")

    def events(self, n, deadline=10):
        """The next n events (skipping comments)."""
        out = []
        end = time.time() + deadline
        while len(out) < n:
            assert time.time() < end, out
            f = self.frame()
            assert f is not None, ("stream ended", out)
            if "event" in f:
                f["data"] = json.loads(f["data"])
                out.append(f)
        return out

    def close(self):
        self.c.close()


def wait_logged(s, token, n, deadline=10):
    """Wait until the event log holds at least n events: events are committed by the
    store's writer thread after the request that caused them has been answered."""
    end = time.time() + deadline
    while True:
        st = Stream(s, token, last_id=10 ** 9)
        f = st.events(1)[0]
        st.close()
        assert f["event"] == "reset", f
        if f["data"]["last_event_id"] >= n:
            return
        assert time.time() < end, f
        time.sleep(0.02)


def test_events_arrive_filtered(binary):
    with Server(binary) as s:
        admin = s.login("admin")[0]
        agent = s.login("agent1")[0]
        wait_logged(s, admin, 2)
        a = Stream(s, admin)
        b = Stream(s, agent)
        assert a.status == 200 and a.headers["content-type"] == "text/event-stream"
        hello = a.frame()
        assert "comment" in hello and hello.get("retry") == "2000", hello
        s.login("agent2")
        s.login("agent1")
        evs = a.events(2)
        assert [e["data"]["user"] for e in evs] == [12, 11], evs  # agent2, agent1
        assert all(e["event"] == "audit" and e["data"]["action"] == "login" for e in evs)
        assert int(evs[1]["id"]) == int(evs[0]["id"]) + 1
        # agent1 sees its own login, not agent2's
        mine = b.events(1)
        assert mine[0]["data"]["user"] == 11 and mine[0]["id"] == evs[1]["id"], mine
        a.close()
        b.close()
        st, _, data = s.request("GET", "/metrics")
        assert st == 200


def test_heartbeat(binary):
    with Server(binary, settings={"sse_heartbeat_ms": 300}) as s:
        tok = s.login("super1")[0]
        wait_logged(s, tok, 1)
        st = Stream(s, tok)
        st.frame()  # hello
        t = time.time()
        f = st.frame()
        assert f == {"comment": ["heartbeat"]}, f
        assert time.time() - t < 2
        f = st.frame()
        assert f == {"comment": ["heartbeat"]}, f
        st.close()


def test_replay(binary):
    with Server(binary) as s:
        admin = s.login("admin")[0]
        wait_logged(s, admin, 1)
        first = Stream(s, admin)
        s.login("agent1")
        got = first.events(1)
        last = int(got[0]["id"])
        first.close()
        # events while disconnected
        for u in ("agent2", "agent3", "lead1"):
            s.login(u)
        s.json("POST", "/api/v1/login", {"username": "agent2", "password": "wrong"})
        again = Stream(s, admin, last_id=last)
        evs = again.events(4)
        ids = [int(e["id"]) for e in evs]
        assert ids == list(range(last + 1, last + 5)), ids
        assert [e["data"]["action"] for e in evs] == ["login"] * 3 + ["login_failed"], evs
        # and it goes on live
        s.login("super1")
        assert again.events(1)[0]["data"]["user"] == 2
        again.close()
        # an id from the future (say, before a restart) gets a reset to where the log is
        fut = Stream(s, admin, last_id=10 ** 6)
        f = fut.events(1)[0]
        assert f["event"] == "reset" and int(f["id"]) == f["data"]["last_event_id"], f
        fut.close()
        st, _, _ = s.request("GET", "/api/v1/events", token=admin,
                             headers={"Last-Event-ID": "abc"})
        assert st == 400


def test_replay_beyond_ring(binary):
    with Server(binary, settings={"sse_ring": 16}) as s:
        admin = s.login("admin")[0]
        for _ in range(20):
            s.login("agent1")
        # the ring holds the last 16; the first ones come from the event log on disk
        st = Stream(s, admin, last_id=1)
        evs = st.events(20)
        ids = [int(e["id"]) for e in evs]
        assert ids == list(range(2, 22)), ids
        assert all(e["event"] == "audit" and e["data"]["user"] == 11 for e in evs), evs
        s.login("agent2")
        nxt = st.events(1)[0]
        assert int(nxt["id"]) == 22 and nxt["data"]["user"] == 12, nxt
        st.close()


def test_replay_after_restart(binary):
    """Event ids survive a restart: the log is on disk and a client picks up where it was."""
    with Server(binary) as s:
        admin = s.login("admin")[0]
        s.login("agent1")
        data = s.data
        s.stop()
        s.start()
        st, _, _ = s.request("GET", "/healthz")
        assert st == 200
        admin = s.login("admin")[0]
        s.login("agent2")
        ev = Stream(s, admin, last_id=1)
        evs = ev.events(3)
        assert [int(e["id"]) for e in evs] == [2, 3, 4], evs
        assert [e["data"]["user"] for e in evs] == [11, 1, 12], evs
        ev.close()
        assert s.data == data


def test_logout_ends_stream(binary):
    with Server(binary) as s:
        token = s.login("agent1")[0]
        st = Stream(s, token)
        st.frame()
        s.json("POST", "/api/v1/logout", token=token)
        deadline = time.time() + 5
        while True:
            try:
                f = st.frame()
            except (socket.timeout, TimeoutError):
                raise AssertionError("stream still open after logout")
            if f is None:
                break
            assert time.time() < deadline
        st.close()
        _, _, data = s.request("GET", "/metrics")
        assert b"sb_sse_clients 0" in data


def test_unauthenticated_stream(binary):
    with Server(binary) as s:
        st, _, _ = s.request("GET", "/api/v1/events")
        assert st == 401


if __name__ == "__main__":
    run([test_events_arrive_filtered, test_heartbeat, test_replay, test_replay_beyond_ring,
         test_replay_after_restart,
         test_logout_ends_stream, test_unauthenticated_stream])
