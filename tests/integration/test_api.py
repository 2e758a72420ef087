"""Integration: routing, error bodies, strict JSON bodies, size limits, the OpenAPI document, /healthz and /metrics."""
import json
import re
import subprocess

from sbtest import Server, error_of, run


def test_not_found_and_method(binary):
    with Server(binary) as s:
        st, h, doc = s.json("GET", "/api/v1/nope")
        assert st == 404 and error_of(doc)[0] == "not_found", (st, doc)
        st, h, doc = s.json("DELETE", "/healthz")
        assert st == 405 and error_of(doc)[0] == "method_not_allowed"
        assert h["allow"] == "GET, HEAD", h
        st, h, doc = s.json("GET", "/api/v1/login")
        assert st == 405 and h["allow"] == "POST"
        st, h, doc = s.json("OPTIONS", "/api/v1/me")
        assert st == 405
        st, h, data = s.request("HEAD", "/healthz")
        assert st == 200 and data == b""
        assert h["content-type"] == "application/json"


def test_unauthenticated(binary):
    with Server(binary) as s:
        st, h, doc = s.json("GET", "/api/v1/me")
        assert st == 401 and error_of(doc)[0] == "unauthenticated"
        assert h["www-authenticate"].startswith("Bearer")
        st, h, doc = s.json("GET", "/api/v1/me", token="x" * 43)
        assert st == 401
        st, h, doc = s.json("GET", "/api/v1/me", cookie="garbage")
        assert st == 401


def post_raw(s, body, ctype="application/json"):
    return s.json("POST", "/api/v1/login", body, headers={"Content-Type": ctype})


def test_broken_json(binary):
    with Server(binary) as s:
        st, _, doc = post_raw(s, b'{"username": "admin",\n "password": }')
        code, msg = error_of(doc)
        assert st == 400 and code == "invalid_json", (st, doc)
        assert "line 2, column 14" in msg, msg
        st, _, doc = post_raw(s, b'{"username": "admin", "username": "x", "password": "demo"}')
        assert st == 400 and "duplicate key" in error_of(doc)[1], doc
        st, _, doc = post_raw(s, b'{"username": "ad\\u0000min", "password": "demo"}')
        assert st == 400 and error_of(doc)[0] == "invalid_json", doc
        st, _, doc = post_raw(s, b'{"username": "adm\xffin", "password": "demo"}')
        assert st == 400 and "UTF-8" in error_of(doc)[1], doc
        st, _, doc = post_raw(s, b"")
        assert st == 400 and error_of(doc)[0] == "invalid_json"
        st, _, doc = post_raw(s, b'{"username": "admin", "password": "demo"}', "text/plain")
        assert st == 415, (st, doc)
        # nothing of this reached the login logic
        st, _, _ = s.json("POST", "/api/v1/login", {"username": "admin", "password": "demo"})
        assert st == 200


def test_invalid_fields(binary):
    with Server(binary) as s:
        st, _, doc = s.json("POST", "/api/v1/login", {"username": 5, "password": "demo"})
        code, msg = error_of(doc)
        assert st == 422 and code == "invalid_field" and '"username"' in msg, doc
        st, _, doc = s.json("POST", "/api/v1/login", {"username": "admin"})
        assert st == 422 and '"password"' in error_of(doc)[1] and "required" in error_of(doc)[1]
        st, _, doc = s.json("POST", "/api/v1/login",
                            {"username": "admin", "password": "demo", "remember": True})
        assert st == 422 and 'unknown field "remember"' in error_of(doc)[1], doc
        st, _, doc = s.json("POST", "/api/v1/login", [1, 2])
        assert st == 422 and "object" in error_of(doc)[1]
        st, _, doc = s.json("POST", "/api/v1/login", {"username": "a" * 65, "password": "x"})
        assert st == 422 and "longer than 64" in error_of(doc)[1], doc
        st, _, doc = s.json("POST", "/api/v1/login", {"username": "", "password": "x"})
        assert st == 422 and "empty" in error_of(doc)[1], doc


def test_body_limit(binary):
    with Server(binary, settings={"max_body_bytes": 4096}) as s:
        big = b'{"username": "' + b"a" * 6000 + b'", "password": "x"}'
        st, _, doc = post_raw(s, big)
        assert st == 413 and error_of(doc)[0] == "too_large", (st, doc)
        # far beyond the limit: refused from the Content-Length alone
        st, _, doc = post_raw(s, b"x" * (4096 * 20))
        assert st == 413
        # the server is fine afterwards, and a body at the limit is read
        ok = b'{"username": "admin", "password": "demo", "pad": "' + b" " * 3900 + b'"}'
        st, _, doc = post_raw(s, ok)
        assert st == 422 and "pad" in error_of(doc)[1], (st, doc)


def route_list(binary):
    out = subprocess.run([binary, "serve", "--list-routes", "--demo", "--config", "/dev/null"],
                         capture_output=True, text=True)
    # /dev/null is not a JSON object: that must be refused
    assert out.returncode == 2, out
    out = subprocess.run([binary, "serve", "--list-routes"], capture_output=True, text=True,
                         check=True)
    routes = []
    for line in out.stdout.splitlines():
        method, pattern, roles = line.split(" ")
        routes.append((method, re.sub(r"\{(\w+):int\}", r"{\1}", pattern), roles))
    return routes


def test_openapi_matches_routes(binary):
    routes = route_list(binary)
    assert ("POST", "/api/v1/login", "public") in routes, routes
    assert ("POST", "/api/v1/users/{id}/unlock", "admin") in routes
    with Server(binary) as s:
        st, h, doc = s.json("GET", "/api/v1/openapi.json")
        assert st == 200 and doc["openapi"].startswith("3.")
        documented = []
        for path, item in doc["paths"].items():
            for method, op in item.items():
                roles = ",".join(op["x-roles"]) or "public"
                documented.append((method.upper(), path, roles))
                assert op["summary"] and "responses" in op
                if op["x-roles"]:
                    assert {"401", "403"} <= set(op["responses"]), (path, method)
                for p in re.findall(r"\{(\w+)\}", path):
                    assert any(x["name"] == p and x["in"] == "path" for x in op["parameters"])
        assert sorted(documented) == sorted(routes), (sorted(documented), sorted(routes))
        # every documented operation exists on the server; every other method gets 405
        token = s.login("admin")[0]
        for method, path, _ in routes:
            url = re.sub(r"\{\w+\}", "1", path)
            if url == "/api/v1/events":
                continue  # a stream: probed in test_sse
            st, _, data = s.request(method, url, token=token,
                                    body=b"{}" if method == "POST" else None,
                                    headers={"Content-Type": "application/json"})
            # a resource's own 404 (no row 1) is fine; the router's "no such path" is not
            assert st != 405 and not (st == 404 and b"no such path" in data), (method, path, st)
            if url == "/api/v1/logout":
                token = s.login("admin")[0]
            for other in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                if (other, path) not in [(m, p) for m, p, _ in routes]:
                    st, _, _ = s.request(other, url, token=token)
                    assert st == 405, (other, path, st)


def test_health_and_metrics(binary):
    with Server(binary) as s:
        st, _, doc = s.json("GET", "/healthz")
        assert st == 200 and doc["status"] == "ok" and doc["checks"]["loop"]["ok"] is True
        s.request("GET", "/nope")
        s.request("GET", "/nope")
        s.request("DELETE", "/healthz")
        st, h, data = s.request("GET", "/metrics")
        assert st == 200 and h["content-type"].startswith("text/plain; version=0.0.4")
        text = data.decode()
        samples = {}
        for line in text.splitlines():
            if line.startswith("#"):
                assert re.match(r"# (HELP|TYPE) sb_\w+ ", line), line
                continue
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
        assert samples['sb_http_requests_total{code="404"}'] == 2, samples
        assert samples['sb_http_requests_total{code="405"}'] == 1
        assert samples['sb_http_requests_total{code="200"}'] >= 1
        assert "sb_http_connections" in samples and "sb_sse_clients" in samples
        assert "sb_process_start_time_seconds" in samples
        st, _, data = s.request("GET", "/")
        assert st == 200 and b"openapi.json" in data


def test_keep_alive(binary):
    with Server(binary) as s:
        c = s.conn()
        for _ in range(50):
            st, h, _ = s.request("GET", "/healthz", conn=c)
            assert st == 200 and h.get("connection", "").lower() != "close", h
        sock = c.sock
        # asynchronous answers (the password check runs on a worker) keep the connection too
        for pw, want in (("demo", 200), ("nope", 401), ("demo", 200)):
            st, h, _ = s.request("POST", "/api/v1/login", {"username": "admin", "password": pw},
                                 conn=c)
            assert st == want and h.get("connection", "").lower() != "close", (st, h)
        assert c.sock is sock
        c.close()


if __name__ == "__main__":
    run([test_not_found_and_method, test_unauthenticated, test_broken_json, test_invalid_fields,
         test_body_limit, test_openapi_matches_routes, test_health_and_metrics, test_keep_alive])
