"""Malformed and hostile SIP over UDP and TCP: every input gets 400 (or the right error) or is dropped,
and the stack keeps answering OPTIONS; at the end it exits cleanly (no leak; under ASan, no report).

The torture cases are written for this test in the style of RFC 4475, not copied from it."""
import os
import random
import socket
import time

import sipt
from sipt import Driver, Raw, request, branch, token, SDP

MAX_MESSAGE = 8192
MAX_HEADERS = 40


def options(c, extra=()):
    return request('OPTIONS', 'sip:probe@127.0.0.1', c.via(branch()), '<sip:p@127.0.0.1>;tag=' + token(),
                   '<sip:probe@127.0.0.1>', token(), 1, extra)


def alive(c):
    """The stack still answers."""
    c.send(options(c))
    r = c.expect(200, timeout=3)
    while c.recv(0.05):  # late retransmissions of earlier answers
        pass
    return r


def crlf(text):
    """Test messages are written with \\n; SIP wants CRLF."""
    return text.replace('\r\n', '\n').replace('\n', '\r\n').encode('latin-1')


def msg_with(c, headers, start='OPTIONS sip:x@127.0.0.1 SIP/2.0', body=b'', clen=True):
    lines = [start] + headers
    if clen:
        lines.append('Content-Length: %d' % len(body))
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + body


def std(c, method='OPTIONS', cseq=None, drop=()):
    """The mandatory headers of a request from c, minus those named in drop."""
    h = {'via': c.via(branch()), 'from': 'From: <sip:a@127.0.0.1>;tag=' + token(),
         'to': 'To: <sip:x@127.0.0.1>', 'call-id': 'Call-ID: ' + token(),
         'cseq': 'CSeq: %s' % (cseq or '1 ' + method), 'max-forwards': 'Max-Forwards: 70'}
    return [v for k, v in h.items() if k not in drop]


def ack(c, r):
    """ACKs a non-2xx final answer to an INVITE (same branch, To with the tag)."""
    c.send(request('ACK', 'sip:x@127.0.0.1', 'Via: ' + r.h('via'), r.h('from'), r.h('to'),
                   r.h('call-id'), int(r.h('cseq').split()[0]), cseq_method='ACK'))


def expect_code_or_nothing(c, code):
    r = c.recv(1.0)
    if r is not None:
        assert r.code == code, 'wanted %d or nothing, got %r' % (code, r)
    return r


def test_udp_hostile():
    with Driver('--max-message', MAX_MESSAGE, '--max-headers', MAX_HEADERS) as d:
        c = Raw(d.port)
        alive(c)
        good = options(c)

        # truncated anywhere in the header section: nothing to answer
        for cut in (1, 10, 40, len(good) // 2, len(good) - 3):
            c.send(good[:cut])
            c.silent(0.2)
        alive(c)

        # Content-Length larger than the datagram: 400; smaller: the rest is ignored
        c.send(msg_with(c, std(c) + ['Content-Length: 500'], body=b'x' * 20, clen=False))
        c.expect(400)
        c.send(msg_with(c, std(c) + ['Content-Length: 2'], body=b'abcdef', clen=False))
        c.expect(200)
        for bad in ('abc', '-5', '99999999999', '1 2', ''):
            c.send(msg_with(c, std(c) + ['Content-Length: ' + bad], clen=False))
            expect_code_or_nothing(c, 400)
        c.send(msg_with(c, std(c) + ['Content-Length: 0', 'l: 4'], body=b'abcd', clen=False))
        c.expect(400)
        alive(c)

        # huge headers: fine below the limit, dropped above it (UDP: no answer)
        c.send(msg_with(c, std(c) + ['X-Big: ' + 'a' * (MAX_MESSAGE - 600)]))
        c.expect(200)
        c.send(msg_with(c, std(c) + ['X-Big: ' + 'a' * (MAX_MESSAGE + 10)]))
        c.silent(0.3)
        c.send(msg_with(c, std(c) + ['X-Big: ' + 'a' * 60000]))
        c.silent(0.3)
        # too many headers: 400
        c.send(msg_with(c, std(c) + ['X-H%d: %d' % (i, i) for i in range(MAX_HEADERS + 5)]))
        c.expect(400)
        alive(c)

        # missing mandatory headers
        c.send(msg_with(c, std(c, drop=('via',))))
        c.silent(0.3)  # no Via: nowhere to answer
        for missing in ('from', 'to', 'call-id', 'cseq'):
            c.send(msg_with(c, std(c, drop=(missing,))))
            expect_code_or_nothing(c, 400)
        c.send(msg_with(c, std(c, drop=('max-forwards',))))
        c.expect(200)  # Max-Forwards is for proxies; we are the endpoint
        # Via without branch: dropped (RFC 2543 clients are not served)
        c.send(msg_with(c, ['Via: SIP/2.0/UDP 127.0.0.1:%d' % c.local[1]] + std(c, drop=('via',))))
        c.silent(0.3)
        # duplicated To / Call-ID / CSeq
        c.send(msg_with(c, std(c) + ['To: <sip:y@127.0.0.1>']))
        c.expect(400)
        c.send(msg_with(c, std(c) + ['Call-ID: another']))
        c.expect(400)
        # CSeq: method mismatch, out of range, not a number
        c.send(msg_with(c, std(c, cseq='1 INVITE')))
        c.expect(400)
        c.send(msg_with(c, std(c, cseq='4294967296 OPTIONS')))
        expect_code_or_nothing(c, 400)
        c.send(msg_with(c, std(c, cseq='x OPTIONS')))
        expect_code_or_nothing(c, 400)
        # identifiers longer than we keep
        c.send(msg_with(c, std(c, drop=('call-id',)) + ['Call-ID: ' + 'c' * 300]))
        c.expect(400)
        alive(c)

        # control characters and NULs in headers
        c.send(msg_with(c, std(c) + ['X-Nul: a\x00b']))
        expect_code_or_nothing(c, 400)
        c.send(msg_with(c, std(c) + ['X-Ctl: a\x07b']))
        expect_code_or_nothing(c, 400)
        c.send(msg_with(c, std(c) + ['X-Cr: a\rb']))
        expect_code_or_nothing(c, 400)
        alive(c)

        # garbage and binary
        rnd = random.Random(7)
        for n in (1, 2, 3, 16, 200, 1400, 8000):
            c.send(bytes(rnd.getrandbits(8) for _ in range(n)))
        for junk in (b'\r\n', b'\r\n\r\n', b'\x00' * 100, b'INVITE', b'INVITE\r\n\r\n',
                     b'SIP/2.0 200 OK\r\n\r\n', b'  \r\n\r\n', b'A B C\r\n\r\n',
                     b'SIP/2.0 999999999999 X\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKx\r\n\r\n',
                     b'\xff\xfe\xfd SIP/2.0\r\nVia: x\r\n\r\n'):
            c.send(junk)
        while c.recv(0.3):
            pass
        alive(c)
        st = d.stop()
        assert st['malformed'] > 20, st


def test_udp_torture():
    """RFC 4475-style messages written for this test."""
    with Driver('--max-message', MAX_MESSAGE) as d:
        c = Raw(d.port)
        local = '%s:%d' % c.local
        # whitespace, folding, compact forms, odd case, escaped URI user: valid, answered
        c.send(crlf('''OPTIONS sip:%%61bc@127.0.0.1;lr SIP/2.0
v:  SIP/2.0/UDP   %s
 ;branch=z9hG4bK-wsfold1;rport
f: "Torture \\"Test\\"" <sip:t@127.0.0.1> ;tag = abc
t  :<sip:%%61bc@127.0.0.1>
i:wsfold1@127.0.0.1
CSeq:   7
  OPTIONS
Max-Forwards: 00000000070
X-Empty:
X-Unknown-Header: with; odd = values, "and quotes"
NewFangledHeader: newfangled value
 continued newfangled value
l: 0

''' % local))
        r = c.expect(200)
        assert 'received=' in r.h('via') or 'rport=' in r.h('via'), r.headers
        assert r.h('call-id') == 'wsfold1@127.0.0.1'
        # several Via values on one line: all copied back in order
        c.send(crlf('''OPTIONS sip:x@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP %s;branch=z9hG4bK-multi;rport, SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK-second
Via: SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK-third
From: <sip:a@b>;tag=1
To: <sip:x@127.0.0.1>
Call-ID: multi@x
CSeq: 1 OPTIONS
Content-Length: 0

''' % local))
        r = c.expect(200)
        vias = r.all('via')
        assert len(vias) == 3 and 'z9hG4bK-second' in vias[1] and 'z9hG4bK-third' in vias[2], vias
        # Max-Forwards 0 on OPTIONS: we are the final recipient: 200
        c.send(msg_with(c, std(c, drop=('max-forwards',)) + ['Max-Forwards: 0']))
        c.expect(200)
        # an INVITE without Contact: 400; with an unknown scheme: 416
        c.send(request('INVITE', 'sip:echo@127.0.0.1', c.via(branch()), '<sip:a@b>;tag=1',
                       '<sip:echo@b>', token(), 1, ['Content-Type: application/sdp'], SDP))
        ack(c, c.expect(400))
        c.send(request('INVITE', 'xmpp:echo@127.0.0.1', c.via(branch()), '<sip:a@b>;tag=1',
                       '<sip:echo@b>', token(), 1, ['Contact: <sip:a@127.0.0.1>']))
        ack(c, c.expect(416))
        # a bad Session-Expires: 400
        c.send(request('INVITE', 'sip:echo@127.0.0.1', c.via(branch()), '<sip:a@b>;tag=2',
                       '<sip:echo@b>', token(), 1, ['Contact: <sip:a@127.0.0.1>', 'Session-Expires: soon',
                                                   'Content-Type: application/sdp'], SDP))
        r = c.recv(1)
        assert r is not None and r.code in (100, 400), r
        if r.code == 100:
            r = c.expect(400)
        ack(c, r)
        # unterminated quotes and broken brackets in From/To: libre refuses them: dropped
        c.send(crlf('''OPTIONS sip:x@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP %s;branch=z9hG4bK-quote
From: "Unterminated <sip:a@b>;tag=1
To: <sip:x@127.0.0.1
Call-ID: quote@x
CSeq: 1 OPTIONS
Content-Length: 0

''' % local))
        expect_code_or_nothing(c, 400)
        # a body on a message that has none announced, and an unknown Content-Encoding on INVITE
        c.send(request('INVITE', 'sip:echo@127.0.0.1', c.via(branch()), '<sip:a@b>;tag=3', '<sip:echo@b>',
                       token(), 1, ['Contact: <sip:a@127.0.0.1>', 'Content-Type: application/sdp',
                                    'Content-Encoding: gzip'], SDP))
        ack(c, c.expect(415))
        # a Request-URI of 5000 characters; a method token of 300 characters
        c.send(msg_with(c, std(c), start='OPTIONS sip:%s@127.0.0.1 SIP/2.0' % ('u' * 5000)))
        expect_code_or_nothing(c, 200)
        c.send(msg_with(c, std(c, cseq='1 ' + 'M' * 300), start='%s sip:x@127.0.0.1 SIP/2.0' % ('M' * 300)))
        expect_code_or_nothing(c, 501)
        # a SIP version we do not speak: dropped
        c.send(msg_with(c, std(c), start='OPTIONS sip:x@127.0.0.1 SIP/7.0'))
        c.silent(0.3)
        # responses nobody asked for, an ACK for nothing: ignored
        c.send(crlf('''SIP/2.0 200 OK
Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-nobody
From: <sip:a@b>;tag=1
To: <sip:x@127.0.0.1>;tag=2
Call-ID: nobody@x
CSeq: 1 INVITE
Content-Length: 0

'''))
        c.send(request('ACK', 'sip:x@127.0.0.1', c.via(branch()), '<sip:a@b>;tag=1', '<sip:x@b>;tag=9',
                       token(), 1))
        c.silent(0.3)
        # an in-dialog request for an unknown dialog: 481
        c.send(request('INFO', 'sip:x@127.0.0.1', c.via(branch()), '<sip:a@b>;tag=1', '<sip:x@b>;tag=9',
                       token(), 1))
        c.expect(481)
        alive(c)
        d.stop()


def tcp_connect(port):
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    return s


def test_tcp_framing_and_hostile():
    with Driver('--max-message', MAX_MESSAGE, udp=False, tcp=True) as d:
        c = Raw(d.port, tcp=True)
        alive(c)
        # one message byte by byte, then two messages in one write
        m = options(c)
        for i in range(len(m)):
            c.s.sendall(m[i:i + 1])
        c.expect(200)
        c.send(options(c) + options(c))
        c.expect(200)
        c.expect(200)
        # CRLF keep-alive (RFC 5626): a CRLF pong
        c.s.sendall(b'\r\n\r\n')
        c.s.settimeout(2)
        assert c.s.recv(16) == b'\r\n'
        # no Content-Length on a stream: an empty body
        c.send(msg_with(c, std(c), clen=False))
        c.expect(200)
        # a body larger than we take: 513, the body is skipped, the connection goes on
        big = 3 * MAX_MESSAGE
        c.send(msg_with(c, std(c) + ['Content-Length: %d' % big], clen=False))
        c.expect(513)
        c.send(b'z' * big)
        alive(c)
        c.close()

        # a header section that never ends: the connection is closed
        s = tcp_connect(d.port)
        s.sendall(b'OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n' + b'X-Long: ' + b'a' * (MAX_MESSAGE * 2))
        s.settimeout(3)
        try:
            while s.recv(4096):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
        s.close()
        # a Content-Length that cannot frame the stream: closed
        s = tcp_connect(d.port)
        s.sendall(b'OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: abc\r\n\r\n')
        s.settimeout(3)
        try:
            assert s.recv(100) == b''
        except ConnectionResetError:
            pass
        s.close()
        # garbage, then gone; many connections at once
        for i in range(60):
            s = tcp_connect(d.port)
            s.sendall(os.urandom(100 + i))
            s.close()
        conns = [tcp_connect(d.port) for _ in range(50)]
        for s in conns:
            s.sendall(b'OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKt\r\n')
        for s in conns:
            s.close()
        c = Raw(d.port, tcp=True)
        alive(c)
        # truncated message, then the peer closes
        s = tcp_connect(d.port)
        s.sendall(options(c)[:-10])
        s.close()
        time.sleep(0.2)
        alive(c)
        d.stop()


if __name__ == '__main__':
    sipt.main(globals())
