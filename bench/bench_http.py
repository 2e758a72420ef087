#!/usr/bin/env python3
"""bench_http: authenticated GET /api/v1/queues on the daemon vs nginx serving a static file of the same size.

Both are driven by wrk (one thread, 64 keep-alive connections) in the same run; nginx runs one
worker with keep-alive and no access log. Prints JSON result lines: requests/s (ratio = daemon /
nginx), and CPU time per request of the serving process (ratio = nginx / daemon), which stays
meaningful on a machine other work shares. Above 1: the daemon does better.
Usage: bench_http.py SWITCHBOARD_BINARY   (BENCH_SECONDS sets each wrk run's length, default 10)
"""
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
PATH = "/api/v1/queues"  # the queues with their live figures, as a wallboard polls them
FALLBACK = "/api/v1/me"  # for builds that do not serve the queues yet


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_daemon(binary, tmp):
    cfg = os.path.join(tmp, "sb.json")
    with open(cfg, "w") as f:
        json.dump({"max_connections": 1024}, f)
    p = subprocess.Popen([binary, "serve", "--demo", "--http", "127.0.0.1:0", "--data",
                          os.path.join(tmp, "var"), "--config", cfg],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = b""
    deadline = time.time() + 30
    while not line.endswith(b"\n") and time.time() < deadline:
        r, _, _ = select.select([p.stdout], [], [], 1)
        if r:
            c = os.read(p.stdout.fileno(), 1)
            if not c:
                break
            line += c
    m = re.search(rb"http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        p.kill()
        raise SystemExit("bench_http: the daemon did not start: %r" % line)
    return p, int(m.group(1))


def start_nginx(tmp, size):
    root = os.path.join(tmp, "www")
    os.makedirs(root)
    with open(os.path.join(root, "me.json"), "wb") as f:
        f.write(b"x" * size)
    port = free_port()
    conf = os.path.join(tmp, "nginx.conf")
    user = "user root;\n" if os.getuid() == 0 else ""
    with open(conf, "w") as f:
        f.write("""%sworker_processes 1;
pid %s/nginx.pid;
error_log %s/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 65;
  client_body_temp_path %s/body; proxy_temp_path %s/proxy; fastcgi_temp_path %s/fcgi;
  uwsgi_temp_path %s/uwsgi; scgi_temp_path %s/scgi;
  default_type application/json;
  server { listen 127.0.0.1:%d; root %s; }
}
""" % (user, tmp, tmp, tmp, tmp, tmp, tmp, tmp, port, root))
    p = subprocess.Popen(["nginx", "-p", tmp, "-c", conf, "-g", "daemon off;"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return p, port
        except OSError:
            time.sleep(0.05)
    p.kill()
    raise SystemExit("bench_http: nginx did not start")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def nginx_worker(master):
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    pids = [int(x) for x in out.split()]
    return pids[0] if pids else master


def wrk(url, pid, headers=()):
    """Returns (requests/s, CPU microseconds per request of process pid)."""
    args = ["wrk", "-t1", "-c64", "-d%ds" % SECONDS, "--latency"]
    for h in headers:
        args += ["-H", h]
    cpu0 = cpu_seconds(pid)
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(pid) - cpu0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    n = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit("bench_http: %s answered %s errors" % (url, errors.group(1)))
    return rps, cpu * 1e6 / max(n, 1)


def main():
    binary = sys.argv[1]
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit("bench_http: %s is missing (Debian package %s)" % (tool, tool))
    tmp = tempfile.mkdtemp(prefix="bench-http-")
    daemon = nginx = None
    try:
        daemon, port = start_daemon(binary, tmp)
        base = "http://127.0.0.1:%d" % port
        req = urllib.request.Request(base + "/api/v1/login", method="POST",
                                     data=json.dumps({"username": "admin",
                                                      "password": "demo"}).encode(),
                                     headers={"Content-Type": "application/json"})
        token = json.load(urllib.request.urlopen(req))["token"]
        auth = "Authorization: Bearer " + token
        api = json.load(urllib.request.urlopen(base + "/api/v1/openapi.json"))
        path = PATH if PATH in api["paths"] else FALLBACK
        if path != PATH:
            log("bench_http: this build does not serve GET %s: measuring GET %s instead" %
                (PATH, path))
        body = urllib.request.urlopen(urllib.request.Request(
            base + path, headers={"Authorization": "Bearer " + token})).read()
        nginx, nport = start_nginx(tmp, len(body))
        log("bench_http: GET %s answers %d bytes; nginx serves a %d-byte file" %
            (path, len(body), len(body)))
        # alternate the two, twice each, and keep each one's best run (the machine is shared)
        worker = nginx_worker(nginx.pid)
        rps = ref = 0.0
        api_cpu = ref_cpu = float("inf")
        for _ in range(2):
            r, c = wrk("http://127.0.0.1:%d/me.json" % nport, worker)
            ref, ref_cpu = max(ref, r), min(ref_cpu, c)
            r, c = wrk(base + path, daemon.pid, [auth])
            rps, api_cpu = max(rps, r), min(api_cpu, c)
            log("bench_http: daemon %.0f req/s (%.1f us CPU each), nginx %.0f req/s (%.1f us)" %
                (rps, api_cpu, ref, ref_cpu))
        what = path.rsplit("/", 1)[-1]
        print(json.dumps({"name": "http_get_%s_authenticated" % what, "value": round(rps),
                          "unit": "req/s", "reference": round(ref),
                          "ratio": round(rps / ref, 3)}))
        print(json.dumps({"name": "http_get_%s_cpu_per_request" % what,
                          "value": round(api_cpu, 2), "unit": "us",
                          "reference": round(ref_cpu, 2), "ratio": round(ref_cpu / api_cpu, 3)}))
    finally:
        for p in (daemon, nginx):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
