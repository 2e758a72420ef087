"""Integration: login, bearer tokens, cookies and CSRF, logout, /me, roles, login back-off and the admin unlock."""
import time

from sbtest import Server, error_of, run


def test_login_and_me(binary):
    with Server(binary) as s:
        st, h, doc = s.json("POST", "/api/v1/login", {"username": "agent1", "password": "demo"})
        assert st == 200, doc
        cookie = h["set-cookie"]
        assert cookie.startswith("sb_session=" + doc["token"] + ";"), cookie
        for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
            assert attr in cookie, cookie
        assert "Secure" not in cookie  # plain HTTP here; see test_lifecycle for HTTPS
        assert doc["user"]["username"] == "agent1" and doc["user"]["role"] == "agent"
        assert doc["user"]["agent_id"] == 1 and doc["user"]["team_id"] == 1
        st, _, me = s.json("GET", "/api/v1/me", token=doc["token"])
        assert st == 200 and me["user"] == doc["user"] and me["auth"] == "bearer"
        assert me["csrf_token"] == doc["csrf_token"]
        st, _, me = s.json("GET", "/api/v1/me", cookie=doc["token"])
        assert st == 200 and me["auth"] == "cookie"
        st, _, doc = s.json("POST", "/api/v1/login", {"username": "agent1", "password": "demX"})
        assert st == 401 and error_of(doc) == ("bad_credentials", "wrong username or password")
        st, _, doc2 = s.json("POST", "/api/v1/login", {"username": "nobody", "password": "demo"})
        assert st == 401 and doc2 == doc  # unknown users look the same


def test_csrf(binary):
    with Server(binary) as s:
        token, csrf, cookie = s.login("admin")
        # a cross-site form post carries the cookie but cannot know the token
        st, _, doc = s.json("POST", "/api/v1/users/4/unlock", {}, cookie=cookie,
                            headers={"Origin": "https://evil.example"})
        assert st == 403 and error_of(doc)[0] == "csrf", doc
        st, _, doc = s.json("POST", "/api/v1/users/4/unlock", {}, cookie=cookie)
        assert st == 403 and "X-CSRF-Token" in error_of(doc)[1]
        st, _, doc = s.json("POST", "/api/v1/users/4/unlock", {}, cookie=cookie,
                            headers={"X-CSRF-Token": csrf[:-1] + ("A" if csrf[-1] != "A" else "B")})
        assert st == 403
        # the right token, from a foreign origin: still refused
        st, _, doc = s.json("POST", "/api/v1/users/4/unlock", {}, cookie=cookie,
                            headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
        assert st == 403
        same = "http://%s:%d" % (s.host, s.port)
        st, _, doc = s.json("POST", "/api/v1/users/4/unlock", {}, cookie=cookie,
                            headers={"X-CSRF-Token": csrf, "Origin": same})
        assert st == 200 and doc["user_id"] == 4, doc
        st, _, doc = s.json("POST", "/api/v1/users/4/unlock", {}, cookie=cookie,
                            headers={"X-CSRF-Token": csrf})
        assert st == 200
        # bearer requests are exempt: browsers never send that header by themselves
        st, _, doc = s.json("POST", "/api/v1/users/4/unlock", {}, token=token,
                            headers={"Origin": "https://evil.example"})
        assert st == 200
        # reads need no token
        st, _, _ = s.json("GET", "/api/v1/me", cookie=cookie,
                          headers={"Origin": "https://evil.example"})
        assert st == 200
        # a login posted from another site is refused too (login CSRF)
        st, _, doc = s.json("POST", "/api/v1/login", {"username": "agent1", "password": "demo"},
                            headers={"Origin": "https://evil.example"})
        assert st == 403


def test_logout(binary):
    with Server(binary) as s:
        token, csrf, cookie = s.login("agent2")
        token2, _, _ = s.login("agent2")
        st, h, data = s.request("POST", "/api/v1/logout", cookie=cookie,
                                headers={"X-CSRF-Token": csrf})
        assert st == 204 and data == b"", (st, data)
        assert "Max-Age=0" in h["set-cookie"]
        st, _, _ = s.json("GET", "/api/v1/me", token=token)
        assert st == 401
        st, _, _ = s.json("GET", "/api/v1/me", token=token2)  # other sessions live on
        assert st == 200
        st, _, _ = s.json("POST", "/api/v1/logout", token=token2)
        assert st == 204 or st == 200, st
        st, _, _ = s.json("POST", "/api/v1/logout", token=token2)
        assert st == 401


def test_roles(binary):
    with Server(binary) as s:
        for user in ("agent1", "lead1", "super1"):
            token = s.login(user)[0]
            st, _, doc = s.json("POST", "/api/v1/users/5/unlock", token=token)
            assert st == 403 and error_of(doc)[0] == "forbidden", (user, doc)
            assert "admin" in error_of(doc)[1]
        token = s.login("admin")[0]
        st, _, doc = s.json("POST", "/api/v1/users/5/unlock", token=token)
        assert st == 200, doc
        st, _, doc = s.json("POST", "/api/v1/users/999/unlock", token=token)
        assert st == 404
        st, _, doc = s.json("POST", "/api/v1/users/5/unlock", {"address": "not-an-ip"}, token=token)
        assert st == 422 and '"address"' in error_of(doc)[1]
        st, _, doc = s.json("POST", "/api/v1/users/5/unlock", {"addr": "1.2.3.4"}, token=token)
        assert st == 422 and "addr" in error_of(doc)[1]
        st, _, doc = s.json("POST", "/api/v1/users/abc/unlock", token=token)
        assert st == 404


def attempt(s, user, password, source=None):
    return s.json("POST", "/api/v1/login", {"username": user, "password": password},
                  source=source)


def test_backoff(binary):
    # windows of 1 s doubling to a cap of 2 s keep the test short, with room for a slow machine
    with Server(binary, settings={"login_backoff_base_ms": 1000, "login_backoff_cap_ms": 2000,
                                  "login_max_failure_delay_ms": 100}) as s:
        t0 = time.time()
        st, _, _ = attempt(s, "agent3", "bad1")  # first failure is free
        assert st == 401
        st, _, _ = attempt(s, "agent3", "bad2")  # second: 1 s window (answer held 100 ms)
        assert st == 401
        st, h, doc = attempt(s, "agent3", "demo")  # inside the window: refused unchecked
        assert st == 429 and error_of(doc)[0] == "too_many_attempts", (st, doc)
        assert h["retry-after"] == "1", h
        time.sleep(1.05)
        for i in range(2):  # 2 s windows: doubled, then capped
            st, _, _ = attempt(s, "agent3", "bad")
            assert st == 401, (i, st)
            st, h, _ = attempt(s, "agent3", "bad")
            assert st == 429 and h["retry-after"] == "2", (st, h)
            time.sleep(2.05)
        # a correct password from another address works for the account under attack
        st, h, doc = attempt(s, "agent3", "bad")
        assert st == 401
        st, h, _ = attempt(s, "agent3", "demo")
        assert st == 429
        st, _, doc = attempt(s, "agent3", "demo", source="127.0.0.2")
        assert st == 200, doc
        # the window is capped: it ends by itself
        time.sleep(2.05)
        st, _, doc = attempt(s, "agent3", "demo")
        assert st == 200, doc
        # success forgot the failures: one typo is free again
        st, _, _ = attempt(s, "agent3", "bad")
        assert st == 401
        st, _, _ = attempt(s, "agent3", "bad")
        assert st == 401
        st, _, _ = attempt(s, "agent3", "demo")
        assert st == 429
        # an admin can unlock at once
        token = s.login("admin", source="127.0.0.3")[0]
        st, _, doc = s.json("POST", "/api/v1/users/13/unlock", token=token)  # agent3
        assert st == 200 and doc["cleared"] >= 1, doc
        st, _, doc = attempt(s, "agent3", "demo")
        assert st == 200, doc
        assert time.time() - t0 < 30


def test_backoff_per_address(binary):
    # an address spraying passwords over many accounts gets slowed down as a whole
    with Server(binary, settings={"login_max_failure_delay_ms": 0, "login_backoff_base_ms": 5000,
                                  "login_backoff_cap_ms": 5000}) as s:
        src = "127.0.0.9"
        for i in range(20):
            st, _, _ = attempt(s, "user%d" % i, "guess", source=src)
            assert st == 401, (i, st)
        st, _, _ = attempt(s, "user20", "guess", source=src)
        assert st == 401
        st, h, _ = attempt(s, "agent1", "demo", source=src)  # 21 failures: address window
        assert st == 429 and h["retry-after"] == "5", h
        st, _, _ = attempt(s, "agent1", "demo")  # other addresses are unaffected
        assert st == 200
        token = s.login("admin")[0]
        st, _, doc = s.json("POST", "/api/v1/users/4/unlock", {"address": src}, token=token)
        assert st == 200 and doc["cleared"] == 1, doc
        st, _, _ = attempt(s, "agent1", "demo", source=src)
        assert st == 200
        st, _, data = s.request("GET", "/metrics")
        assert b'sb_logins_total{result="throttled"} 1' in data, data


def test_failed_login_is_held(binary):
    with Server(binary, settings={"login_backoff_base_ms": 400}) as s:
        attempt(s, "lead1", "x")
        t = time.time()
        st, _, _ = attempt(s, "lead1", "y")  # window 400 ms: the answer is held that long
        held = time.time() - t
        assert st == 401 and held >= 0.35, held


def test_sessions_survive_restart(binary):
    """Logins are kept in storage: a restart (or a crash) does not log anyone out, but what ended
    before it stays ended: logouts, expired sessions, users disabled."""
    with Server(binary, settings={"session_idle_s": 4}) as s:
        a_token, a_csrf, _ = s.login("agent1")
        b_token, _, b_cookie = s.login("agent2")
        c_token, _, _ = s.login("agent3")
        admin, _, _ = s.login("admin")
        st, _, _ = s.json("POST", "/api/v1/logout", token=b_token)
        assert st == 204
        st, _, me = s.json("GET", "/api/v1/me", token=c_token)
        st, _, doc = s.json("PUT", "/api/v1/users/%d" % me["user"]["id"], {"active": False},
                            token=admin)
        assert st == 200, doc
        st, _, _ = s.json("GET", "/api/v1/me", token=c_token)
        assert st == 401
        assert s.stop() == 0
        s.start()
        assert "login sessions kept" in s.stderr() or "login session kept" in s.stderr()
        st, _, me = s.json("GET", "/api/v1/me", token=a_token)
        assert st == 200 and me["user"]["username"] == "agent1", me
        assert me["csrf_token"] == a_csrf  # the same session, not a new one
        st, _, me = s.json("GET", "/api/v1/me", cookie=a_token)
        assert st == 200 and me["auth"] == "cookie"
        for gone in (b_token, b_cookie, c_token):
            st, _, _ = s.json("GET", "/api/v1/me", token=gone)
            assert st == 401
        # a crash: the login was committed before the kill
        d_token, _, _ = s.login("agent4")
        time.sleep(1.0)
        s.proc.kill()
        s.proc.wait()
        s.err.close()
        s.start()
        st, _, _ = s.json("GET", "/api/v1/me", token=d_token)
        assert st == 200
        # idle past the limit while the daemon was down: not brought back
        assert s.stop() == 0
        time.sleep(4.5)
        s.start()
        for t in (a_token, d_token):
            st, _, _ = s.json("GET", "/api/v1/me", token=t)
            assert st == 401
        st, _, _ = s.json("POST", "/api/v1/logout", token=admin)
        assert st == 401


if __name__ == "__main__":
    run([test_login_and_me, test_csrf, test_logout, test_roles, test_backoff,
         test_backoff_per_address, test_failed_login_is_held, test_sessions_survive_restart])
