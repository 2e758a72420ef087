"""Overload: a new INVITE that waited in the socket buffer longer than overload_wait_ms gets 503 with
Retry-After; requests in dialogs and responses that waited as long are still processed. The stall is
real: the driver is stopped (SIGSTOP) while callers send, then continued."""
import os
import signal
import time

import sipt
from sipt import Driver, Raw, request, branch, token, scenario, SDP

NEEDS_SIPP = True


class Call:
    """A raw caller on its own socket."""

    def __init__(self, d, user='echo', tcp=False):
        self.c = Raw(d.port, tcp=tcp)
        self.callid, self.br = token(), branch()
        self.frm = '<sip:raw@127.0.0.1>;tag=' + token()
        self.user = user
        self.to = '<sip:%s@127.0.0.1>' % user
        self.invite = self.req('INVITE', 1, ['Contact: <sip:raw@%s:%d>' % self.c.local,
                                             'Content-Type: application/sdp'], SDP, br=self.br)

    def req(self, method, cseq, extra=(), body='', br=None, to=None, cseq_method=None):
        return request(method, 'sip:%s@127.0.0.1' % self.user, self.c.via(br or branch()), self.frm,
                       to or self.to, self.callid, cseq, extra, body, cseq_method=cseq_method)

    def established(self):
        """INVITE, 200, ACK; returns the To of the dialog."""
        self.c.send(self.invite)
        to = self.c.expect(200, skip=(100, 180)).h('to')
        self.c.send(self.req('ACK', 1, to=to))
        return to


def stall(d, seconds):
    os.kill(d.p.pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        os.kill(d.p.pid, signal.SIGCONT)


def invites(d, callid=None):
    return [e for e in d.events if e['ev'] == 'invite' and (callid is None or e['callid'] == callid)]


def test_waited_invite_503_dialogs_served():
    with Driver('--overload-wait-ms', 1000, '--retry-after', 3) as d:
        a = Call(d)  # established: hangs up during the stall
        a_to = a.established()
        d.wait(lambda e: e.get('type') == 'CONFIRMED')
        m = Call(d)  # established: new offer (hold) during the stall
        m_to = m.established()
        r = Call(d, 'ring')  # ringing: cancelled during the stall
        r.c.send(r.invite)
        r.c.expect(180)
        uas = Raw(d.port)  # an agent's phone the driver calls: answers during the stall
        d.send('call sip:agent@127.0.0.1:%d agent 5551234' % uas.local[1])
        out = uas.recv(3)
        assert out is not None and out.start.startswith('INVITE'), out
        out_leg = d.wait(lambda e: e['ev'] == 'called')['leg']
        d.drain(0.3)

        b = Call(d)  # new: waits 2 s
        os.kill(d.p.pid, signal.SIGSTOP)
        try:
            b.c.send(b.invite)
            a.c.send(a.req('BYE', 2, to=a_to))
            m.c.send(m.req('INVITE', 2, ['Contact: <sip:raw@%s:%d>' % m.c.local,
                                         'Content-Type: application/sdp'],
                           SDP.replace('1 1 IN', '1 2 IN') + 'a=sendonly\r\n', to=m_to))
            r.c.send(r.req('CANCEL', 1, br=r.br, cseq_method='CANCEL'))
            head = [('Via', out.h('via')), ('From', out.h('from')),
                    ('To', out.h('to') + ';tag=' + token()), ('Call-ID', out.h('call-id')),
                    ('CSeq', out.h('cseq')), ('Contact', '<sip:agent@%s:%d>' % uas.local),
                    ('Content-Type', 'application/sdp')]
            body = SDP.encode()
            uas.send(('SIP/2.0 200 OK\r\n' + ''.join('%s: %s\r\n' % h for h in head) +
                      'Content-Length: %d\r\n\r\n' % len(body)).encode() + body)
            time.sleep(2.0)
        finally:
            os.kill(d.p.pid, signal.SIGCONT)

        # the new INVITE that waited: 503 with Retry-After, from a transaction
        shed = b.c.expect(503)
        assert shed.h('retry-after') == '3', shed.raw
        assert ';tag=' in shed.h('to'), shed.raw
        # its retransmission (read now, without a wait): the same 503, no call
        b.c.send(b.invite)
        again = b.c.expect(503)
        assert again.h('to') == shed.h('to'), (again.raw, shed.raw)
        b.c.send(b.req('ACK', 1, br=b.br, to=shed.h('to')))
        while True:  # Timer G may have resent the 503 before the ACK arrived: nothing else
            x = b.c.recv(0.6)
            if x is None:
                break
            assert x.code == 503 and x.h('to') == shed.h('to'), x.raw
        # in-dialog requests and the response that waited as long: all processed
        bye = a.c.expect(200)
        assert bye.h('cseq') == '2 BYE', bye.raw
        rei = m.c.expect(200, skip=(100,))
        assert rei.h('cseq') == '2 INVITE' and b'm=audio' in rei.body, rei.raw
        m.c.send(m.req('ACK', 2, to=m_to))
        got = {}
        while len(got) < 2:
            x = r.c.recv(3)
            assert x is not None, got
            if x.code in (200, 487):
                got[x.h('cseq')] = x
        assert got['1 CANCEL'].code == 200 and got['1 INVITE'].code == 487, got
        r.c.send(r.req('ACK', 1, br=r.br, to=got['1 INVITE'].h('to')))
        while True:  # INVITE retransmissions (Timer A) sent before the stall, then the ACK
            ack = uas.recv(3)
            assert ack is not None, 'no ACK for the 200 that waited'
            if not ack.start.startswith('INVITE'):
                break
        assert ack.start.startswith('ACK'), ack
        d.leg_event(out_leg, 'ANSWERED')
        d.drain(0.3)
        seen = {e.get('type') for e in d.events if e['ev'] == 'leg'}
        assert {'BYE', 'REINVITE', 'CANCELLED'} <= seen, d.events
        assert not invites(d, b.callid), invites(d, b.callid)

        # a call arriving now is served as usual
        c = Call(d)
        c_to = c.established()
        assert invites(d, c.callid) or d.wait(lambda e: e['ev'] == 'invite' and e['callid'] == c.callid)
        c.c.send(c.req('BYE', 2, to=c_to))
        while c.c.expect(200).h('cseq') != '2 BYE':
            pass

        st = d.stats()
        assert st['shed'] == 1, st
        assert st['max_wait_us'] >= 1500000, st
        d.send('hangup %d' % out_leg)
        d.send('hangup %d' % [e for e in invites(d, m.callid)][0]['leg'])
        d.drain(0.5)
        for k in (a, m, r, b, c):
            k.c.close()
        uas.close()
        d.stop()


def test_tcp_invites_follow_the_udp_socket():
    """TCP carries no receive time per message: a new INVITE over TCP is shed while a UDP datagram
    read within the last second waited over the limit (the loop is that far behind), and served
    once that has passed; a BYE over TCP in the same stall is processed."""
    with Driver('--overload-wait-ms', 1000, tcp=True) as d:
        e = Call(d, tcp=True)  # established over TCP: hangs up during the stall
        e_to = e.established()
        u = Call(d)  # new over UDP: waits 2 s in the socket
        t = Call(d, tcp=True)  # new over TCP, sent right after it
        d.drain(0.3)
        os.kill(d.p.pid, signal.SIGSTOP)
        try:
            u.c.send(u.invite)
            time.sleep(0.05)
            t.c.send(t.invite)
            e.c.send(e.req('BYE', 2, to=e_to))
            time.sleep(2.0)
        finally:
            os.kill(d.p.pid, signal.SIGCONT)
        ushed = u.c.expect(503)
        assert ushed.h('retry-after') == '2', ushed.raw
        u.c.send(u.req('ACK', 1, br=u.br, to=ushed.h('to')))
        shed = t.c.expect(503)
        assert shed.h('retry-after') == '2' and ';tag=' in shed.h('to'), shed.raw
        t.c.send(t.req('ACK', 1, br=t.br, to=shed.h('to')))
        bye = e.c.expect(200)
        assert bye.h('cseq') == '2 BYE', bye.raw
        d.drain(0.3)
        assert not invites(d, u.callid) and not invites(d, t.callid), d.events
        st = d.stats()
        assert st['shed'] == 2, st
        # a second later the loop is no longer behind: a new TCP call is served
        time.sleep(1.1)
        n = Call(d, tcp=True)
        n_to = n.established()
        assert invites(d, n.callid) or d.wait(lambda x: x['ev'] == 'invite' and x['callid'] == n.callid)
        n.c.send(n.req('BYE', 2, to=n_to))
        while n.c.expect(200).h('cseq') != '2 BYE':
            pass
        assert d.stats()['shed'] == 2
        for k in (e, u, t, n):
            k.c.close()
        d.stop()


def test_shedding_off():
    """overload_wait_ms 0: the INVITE that waited is served (late) like any other."""
    with Driver('--overload-wait-ms', 0) as d:
        b = Call(d)
        os.kill(d.p.pid, signal.SIGSTOP)
        try:
            b.c.send(b.invite)
            time.sleep(1.5)
        finally:
            os.kill(d.p.pid, signal.SIGCONT)
        to = b.c.expect(200, skip=(100, 180)).h('to')
        b.c.send(b.req('ACK', 1, to=to))
        b.c.send(b.req('BYE', 2, to=to))
        while b.c.expect(200).h('cseq') != '2 BYE':
            pass  # the INVITE's 2xx, resent before the ACK was read
        st = d.stats()
        assert st['shed'] == 0 and st['max_wait_us'] >= 1000000, st
        b.c.close()
        d.stop()


def test_sipp_callers_through_a_stall():
    """SIPp calls at 20/s; the driver stops for 2 s. INVITEs that waited over 1 s get 503 (SIPp ACKs
    them); the rest, and every call after the stall, are answered; BYEs sent during the stall by
    calls established before it are answered (SIPp fails the call otherwise)."""
    calls = 80
    with Driver() as d:
        s = sipt.Sipp(['-sf', scenario('uac_shed.xml'), '127.0.0.1:%d' % d.port, '-s', 'sipp',
                       '-set', 'callee', 'echo', '-r', 20, '-m', calls])
        try:
            time.sleep(1.0)
            t0 = time.time()
            stall(d, 2.0)
            stalled = time.time() - t0
            rc = s.wait(60)
            assert rc == 0, 'sipp exited %d\n%s\n%s' % (rc, s.stderr[-1500:], s.log('errors.log')[-3000:])
            log = s.log()
        finally:
            s.stop()
            s.cleanup()
        d.drain(1.0)
        st = d.stats()
        served = len(invites(d))
        assert st['shed'] + served == calls, (st, served)
        # INVITEs sent in the first second of the stall waited over 1 s: about 20 of them
        assert 5 <= st['shed'] <= 20 * stalled, (st, stalled)
        assert log.count('SIP/2.0 503 Service Unavailable') >= st['shed'], log[-3000:]
        assert len([e for e in d.events if e.get('type') == 'BYE']) == served
        d.stop()


if __name__ == '__main__':
    sipt.main(globals())
