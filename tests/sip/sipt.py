"""sipt: helpers for the SIP integration tests: free ports, the driver, SIPp runs, a raw SIP client.

Standard library only. Every test file runs `sipt.main(globals())`, which runs its
test_* functions in order and exits non-zero when one fails.
"""
import hashlib
import json
import os
import queue
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
EXE = None  # the driver, from argv[1]


# --- ports ---

def _bindable(port):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(('127.0.0.1', port))
        except OSError:
            return False
        finally:
            s.close()
    return True


_rnd = random.Random(os.getpid() * 7919 + int(time.time() * 1000))
_taken = set()


def free_port():
    """An even port p with p and p+1 free for UDP and TCP (peers may bind p+1), spaced 2 apart."""
    for _ in range(1000):
        p = _rnd.randrange(20000, 60000, 2)
        if p not in _taken and _bindable(p) and _bindable(p + 1):
            _taken.add(p)
            return p
    raise RuntimeError('no free port pair')


# --- the driver ---

class Driver:
    """sipx_driver as a child: JSON events from its stdout, commands to its stdin."""

    def __init__(self, *args, udp=True, tcp=False):
        self.port = free_port()
        cmd = [EXE]
        if udp:
            cmd += ['--udp', '127.0.0.1:%d' % self.port]
        if tcp:
            cmd += ['--tcp', '127.0.0.1:%d' % self.port]
        cmd += [str(a) for a in args]
        self.cmdline = cmd
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, bufsize=1)
        self.q = queue.Queue()
        self.events = []
        self.err = []
        threading.Thread(target=self._read_out, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()
        self.wait(lambda e: e['ev'] == 'ready', 20)

    def _read_out(self):
        for line in self.p.stdout:
            line = line.strip()
            if line.startswith('{'):
                try:
                    self.q.put(json.loads(line))
                except ValueError:
                    self.q.put({'ev': 'garbage', 'line': line})

    def _read_err(self):
        for line in self.p.stderr:
            self.err.append(line.rstrip())

    def send(self, line):
        self.p.stdin.write(line + '\n')
        self.p.stdin.flush()

    def wait(self, pred, timeout=10):
        """The next event matching pred (events seen meanwhile are kept in self.events)."""
        end = time.time() + timeout
        while True:
            left = end - time.time()
            if left <= 0:
                raise AssertionError('timed out waiting for an event; last events: %s\nstderr: %s'
                                     % (self.events[-8:], self.err[-10:]))
            try:
                e = self.q.get(timeout=left)
            except queue.Empty:
                continue
            self.events.append(e)
            if pred(e):
                return e

    def drain(self, seconds=0.2):
        end = time.time() + seconds
        while time.time() < end:
            try:
                self.events.append(self.q.get(timeout=max(0.01, end - time.time())))
            except queue.Empty:
                pass
        return self.events

    def contacts(self, user):
        self.send('contacts ' + user)
        return self.wait(lambda e: e['ev'] == 'contacts' and e['user'] == user)['uris']

    def stats(self):
        self.send('stats')
        return self.wait(lambda e: e['ev'] == 'stats')

    def leg_event(self, leg, kind, timeout=10):
        return self.wait(lambda e: e['ev'] == 'leg' and e.get('leg') == leg and e['type'] == kind,
                         timeout)

    def stop(self):
        """Quits; asserts a clean exit (no leak, no sanitizer report). Returns the last stats."""
        if self.p.poll() is None:
            self.send('quit')
        try:
            rc = self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            raise AssertionError('driver did not quit')
        time.sleep(0.1)
        self.drain(0.1)
        errs = '\n'.join(self.err)
        assert 'Sanitizer' not in errs and 'runtime error' not in errs, errs
        assert rc == 0, 'driver exit %d: %s' % (rc, errs[-2000:])
        st = [e for e in self.events if e['ev'] == 'stats']
        return st[-1] if st else None

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        return False


# --- SIPp ---

def have_sipp():
    return shutil.which('sipp') is not None


class Sipp:
    """One SIPp process (started now; wait() for its end)."""

    def __init__(self, args, port=None, timeout=60, transport='u1'):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix='sipt-')
        cmd = ['sipp'] + [str(a) for a in args] + [
            '-i', '127.0.0.1', '-p', str(self.port), '-t', transport, '-nostdin',
            '-timeout', '%ds' % timeout, '-timeout_error',
            '-trace_err', '-error_file', os.path.join(self.dir, 'errors.log'),
            '-trace_msg', '-message_file', os.path.join(self.dir, 'messages.log')]
        self.cmd = cmd
        self.p = subprocess.Popen(cmd, cwd=self.dir, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)

    def wait(self, timeout=90):
        try:
            _, err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            _, err = self.p.communicate()
        self.stderr = err
        return self.p.returncode

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()

    def log(self, name='messages.log'):
        try:
            with open(os.path.join(self.dir, name)) as f:
                return f.read()
        except OSError:
            return ''

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def sipp_ok(args, timeout=60, transport='u1'):
    """Runs SIPp to its end and asserts that every call succeeded."""
    s = Sipp(args, timeout=timeout, transport=transport)
    rc = s.wait(timeout + 30)
    try:
        if rc != 0:
            raise AssertionError('sipp %s exited %d\nstderr: %s\nerrors: %s\nmessages (tail): %s'
                                 % (' '.join(s.cmd), rc, s.stderr[-1500:],
                                    s.log('errors.log')[-3000:], s.log()[-4000:]))
    finally:
        s.cleanup()


def scenario(name):
    return os.path.join(HERE, name)


# --- a raw SIP client ---

class Resp:
    def __init__(self, data):
        self.raw = data
        head, _, body = data.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        self.start = lines[0]
        parts = lines[0].split(' ', 2)
        self.code = int(parts[1]) if parts[0] == 'SIP/2.0' and len(parts) > 1 and parts[1].isdigit() else 0
        self.headers = []
        unfolded = []
        for line in lines[1:]:
            if line[:1] in (' ', '\t') and unfolded:
                unfolded[-1] += ' ' + line.strip()
            else:
                unfolded.append(line)
        for line in unfolded:
            if ':' in line:
                n, v = line.split(':', 1)
                self.headers.append((n.strip().lower(), v.strip()))
        self.body = body

    def h(self, name, default=None):
        for n, v in self.headers:
            if n == name.lower():
                return v
        return default

    def all(self, name):
        return [v for n, v in self.headers if n == name.lower()]

    def __repr__(self):
        return '<%s>' % self.start


class Raw:
    """A SIP client on a raw UDP socket or TCP connection to the driver."""

    def __init__(self, port, tcp=False):
        self.tcp = tcp
        self.dst = ('127.0.0.1', port)
        if tcp:
            self.s = socket.create_connection(self.dst, timeout=5)
            self.buf = b''
        else:
            self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.s.bind(('127.0.0.1', 0))
        self.local = self.s.getsockname()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode('latin-1')
        if self.tcp:
            self.s.sendall(data)
        else:
            self.s.sendto(data, self.dst)

    def recv(self, timeout=2.0):
        """One message (TCP: framed by Content-Length), or None."""
        self.s.settimeout(timeout)
        if not self.tcp:
            try:
                data, _ = self.s.recvfrom(65536)
                return Resp(data)
            except socket.timeout:
                return None
        end = time.time() + timeout
        while True:
            while self.buf.startswith(b'\r\n'):
                self.buf = self.buf[2:]
            i = self.buf.find(b'\r\n\r\n')
            if i >= 0:
                head = self.buf[:i].decode('latin-1').lower()
                clen = 0
                for line in head.split('\r\n'):
                    if line.startswith('content-length:') or line.startswith('l:'):
                        clen = int(line.split(':', 1)[1])
                total = i + 4 + clen
                if len(self.buf) >= total:
                    m, self.buf = self.buf[:total], self.buf[total:]
                    return Resp(m)
            left = end - time.time()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                return None
            except OSError:
                return None
            if not chunk:
                return None
            self.buf += chunk

    def expect(self, code, timeout=3.0, skip=(100,)):
        """The next final (or given) response, skipping provisional codes in skip."""
        while True:
            r = self.recv(timeout)
            if r is None:
                raise AssertionError('no response (wanted %d)' % code)
            if r.code in skip and r.code != code:
                continue
            assert r.code == code, 'wanted %d, got %s' % (code, r.start)
            return r

    def silent(self, timeout=0.5):
        r = self.recv(timeout)
        assert r is None, 'unexpected %r' % r

    def close(self):
        self.s.close()

    def via(self, branch):
        tp = 'TCP' if self.tcp else 'UDP'
        return 'Via: SIP/2.0/%s %s:%d;branch=%s;rport' % (tp, self.local[0], self.local[1], branch)


def branch():
    return 'z9hG4bK' + '%016x' % random.getrandbits(64)


def token():
    return '%012x' % random.getrandbits(48)


def request(method, ruri, via, frm, to, callid, cseq, extra=(), body='', cseq_method=None):
    lines = ['%s %s SIP/2.0' % (method, ruri), via, 'Max-Forwards: 70', 'From: ' + frm, 'To: ' + to,
             'Call-ID: ' + callid, 'CSeq: %d %s' % (cseq, cseq_method or method)]
    lines += list(extra)
    if isinstance(body, str):
        body = body.encode('latin-1')
    lines.append('Content-Length: %d' % len(body))
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + body


SDP = ('v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
       'm=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n')


# --- digest ---

def md5(s):
    return hashlib.md5(s.encode('latin-1')).hexdigest()


def challenge_params(value):
    """The parameters of a Digest challenge as a dict."""
    assert value.startswith('Digest '), value
    out = {}
    for part in value[7:].split(','):
        k, _, v = part.strip().partition('=')
        out[k.strip()] = v.strip().strip('"')
    return out


def authorization(user, realm, password, method, uri, nonce, qop=True, cnonce='0a4f113b',
                  nc='00000001'):
    ha1 = md5('%s:%s:%s' % (user, realm, password))
    ha2 = md5('%s:%s' % (method, uri))
    if qop:
        resp = md5('%s:%s:%s:%s:auth:%s' % (ha1, nonce, nc, cnonce, ha2))
        return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
                'algorithm=MD5, cnonce="%s", qop=auth, nc=%s' % (user, realm, nonce, uri, resp,
                                                                 cnonce, nc))
    resp = md5('%s:%s:%s' % (ha1, nonce, ha2))
    return 'Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s"' % (
        user, realm, nonce, uri, resp)


# --- running ---

def main(ns):
    global EXE
    if len(sys.argv) < 2:
        print('usage: %s path/to/sipx_driver [test_name ...]' % sys.argv[0], file=sys.stderr)
        sys.exit(2)
    EXE = sys.argv[1]
    only = set(sys.argv[2:])
    tests = [(n, f) for n, f in ns.items() if n.startswith('test_') and callable(f)]
    if ns.get('NEEDS_SIPP') and not have_sipp():
        print('FAIL: sipp (Debian sip-tester) is not installed; make test installs it')
        sys.exit(1)
    failed = []
    for name, fn in tests:
        if only and name not in only:
            continue
        t0 = time.time()
        try:
            fn()
            print('ok   %s (%.1fs)' % (name, time.time() - t0), flush=True)
        except Exception:  # report every failure, then go on with the next test
            why = ' '.join(traceback.format_exception_only(*sys.exc_info()[:2])[-1].split())
            failed.append('%s (%s)' % (name, why[:600]))
            print('FAIL %s (%.1fs)\n%s' % (name, time.time() - t0, traceback.format_exc()),
                  flush=True)
    if failed:
        print('%d failed: %s' % (len(failed), ', '.join(failed)))
        sys.exit(1)
