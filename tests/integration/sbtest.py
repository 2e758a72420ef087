"""sbtest: starts the real switchboard daemon on a free port and talks HTTP to it (Python standard library only)."""
import http.client
import json
import os
import re
import select
import signal
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

# Settings that keep the tests fast: argon2id at its minimum cost, short heartbeats.
FAST = {"pwhash_cost": "min", "sse_heartbeat_ms": 500, "sip": "127.0.0.1:0"}  # SIP: any free port


class Server:
    """One daemon process: `switchboard serve --http 127.0.0.1:0`, URL read from its first stdout line."""

    def __init__(self, binary, demo=True, settings=None, args=(), tls=None, start=True):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="sbtest-")
        self.data = os.path.join(self.dir, "var")
        cfg = dict(FAST)
        cfg.update(settings or {})
        self.config = os.path.join(self.dir, "config.json")
        with open(self.config, "w") as f:
            json.dump(cfg, f)
        self.args = [binary, "serve", "--http", "127.0.0.1:0", "--data", self.data,
                     "--config", self.config] + (["--demo"] if demo else []) + list(args)
        self.tls = tls  # (cert, key) paths
        if tls:
            self.args += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        self.proc = None
        self.errfile = os.path.join(self.dir, "stderr.txt")
        if start:
            self.start()

    def start(self):
        self.err = open(self.errfile, "w")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.err,
                                     stdin=subprocess.DEVNULL)
        line = b""
        deadline = time.time() + 30
        while not line.endswith(b"\n"):
            left = deadline - time.time()
            if left <= 0 or self.proc.poll() is not None:
                raise AssertionError("server did not start: %r\n%s" % (line, self.stderr()))
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                c = os.read(self.proc.stdout.fileno(), 1)
                if not c:
                    continue
                line += c
        self.banner = line.decode()
        m = re.search(r"(https?)://([0-9.]+):(\d+)/", self.banner)
        assert m, "no URL in %r" % self.banner
        self.scheme, self.host, self.port = m.group(1), m.group(2), int(m.group(3))
        self.url = m.group(0)

    def stderr(self):
        try:
            with open(self.errfile) as f:
                return f.read()
        except OSError:
            return ""

    def conn(self, source=None, timeout=20):
        src = (source, 0) if source else None
        if self.scheme == "https":
            ctx = ssl.create_default_context(cafile=self.tls[0])
            ctx.check_hostname = False
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                               source_address=src, context=ctx)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout,
                                          source_address=src)

    def request(self, method, path, body=None, headers=None, token=None, cookie=None,
                source=None, conn=None):
        """Returns (status, headers dict with lower-case names, body bytes)."""
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if cookie:
            h["Cookie"] = "sb_session=" + cookie
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        own = conn is None
        c = conn or self.conn(source)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            if own:
                c.close()

    def json(self, method, path, body=None, **kw):
        st, h, data = self.request(method, path, body, **kw)
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            raise AssertionError("not JSON (%d): %r" % (st, data[:200]))
        return st, h, doc

    def login(self, user, password="demo", source=None):
        st, h, doc = self.json("POST", "/api/v1/login", {"username": user, "password": password},
                               source=source)
        assert st == 200, (st, doc)
        cookie = re.match(r"sb_session=([^;]+)", h["set-cookie"]).group(1)
        return doc["token"], doc["csrf_token"], cookie

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Sends sig and returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("server did not stop within %d s\n%s" % (timeout, self.stderr()))
        self.err.close()
        return rc

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
            if not self.err.closed:
                self.err.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, etype, *exc):
        # every test ends with a clean stop: exit status 0, nothing leaked (under ASan too)
        try:
            if etype is None and self.proc and self.proc.poll() is None:
                rc = self.stop()
                err = self.stderr()
                assert rc == 0, "exit status %d\n%s" % (rc, err)
                assert "still allocated" not in err and "Sanitizer" not in err, err
        finally:
            self.close()


def error_of(doc):
    """The (code, message) of a standard error body."""
    assert isinstance(doc, dict) and set(doc) == {"error"}, doc
    e = doc["error"]
    assert set(e) == {"code", "message"}, e
    return e["code"], e["message"]


def brief_reason(limit=600):
    """The current exception's last frame and message, short enough for a summary line."""
    etype, err, tb = sys.exc_info()
    where = traceback.extract_tb(tb)[-1] if tb else None
    text = "%s: %s" % (etype.__name__, err)
    if where:
        text = "%s:%d: %s" % (os.path.basename(where.filename), where.lineno, text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " ..."


def run(tests):
    """Runs test functions taking the binary path; prints a summary; exits non-zero on failure."""
    binary = sys.argv[1]
    passed = failed = 0
    reasons = []
    for t in tests:
        start = time.time()
        try:
            t(binary)
            passed += 1
            print("ok   %-40s %.2fs" % (t.__name__, time.time() - start), flush=True)
        except Exception:
            failed += 1
            print("FAIL %s" % t.__name__, flush=True)
            traceback.print_exc()
            reasons.append((t.__name__, brief_reason()))
    # the reasons again at the end: CI shows only the tail of a failed run's output
    for name, why in reasons:
        print("FAIL %s: %s" % (name, why))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
