"""Calls in depth: new offers either way, BYE before ACK, a 2xx never ACKed, CANCEL after the answer,
glare, out-of-order CSeq."""
import time

import sipt
from sipt import Driver, Raw, request, branch, token, sipp_ok, scenario, SDP

NEEDS_SIPP = True


def test_reinvite_from_caller_reaches_controller():
    with Driver() as d:
        sipp_ok(['-sf', scenario('uac_reoffer.xml'), '127.0.0.1:%d' % d.port, '-s', 'sipp',
                 '-set', 'callee', 'echo', '-m', 1])
        e = d.wait(lambda e: e.get('type') == 'REINVITE')
        assert e['sdp'] is True, e
        d.wait(lambda e: e.get('type') == 'BYE')
        d.stop()


def test_we_reinvite_the_agent():
    with Driver() as d:
        uas = sipt.Sipp(['-sf', scenario('uas_reinvite.xml'), '-m', 1])
        time.sleep(0.3)
        d.send('call sip:agent@127.0.0.1:%d agent 5551234' % uas.port)
        leg = d.wait(lambda e: e['ev'] == 'called')['leg']
        d.leg_event(leg, 'ANSWERED')
        d.send('reinvite %d' % leg)
        assert d.wait(lambda e: e['ev'] == 'done')['error'] == 0
        ans = d.wait(lambda e: e.get('leg') == leg and e.get('type') == 'ANSWERED')
        assert ans['code'] == 200 and ans['sdp'], ans
        d.send('hangup %d' % leg)
        d.leg_event(leg, 'ENDED')
        assert uas.wait(20) == 0, uas.log('errors.log') + uas.log()
        uas.cleanup()
        d.stop()


class Call:
    """A raw caller: INVITE to the driver's echo, then whatever the test does."""

    def __init__(self, d, user='echo'):
        self.c = Raw(d.port)
        self.callid, self.ftag, self.br = token(), token(), branch()
        self.frm = '<sip:raw@127.0.0.1>;tag=' + self.ftag
        self.user = user
        self.to = '<sip:%s@127.0.0.1>' % user
        self.invite = request('INVITE', 'sip:%s@127.0.0.1' % user, self.c.via(self.br), self.frm, self.to,
                              self.callid, 1, ['Contact: <sip:raw@%s:%d>' % self.c.local,
                                               'Content-Type: application/sdp'], SDP)

    def req(self, method, cseq, extra=(), body='', br=None, to=None):
        return request(method, 'sip:%s@127.0.0.1' % self.user, self.c.via(br or branch()), self.frm,
                       to or self.to, self.callid, cseq, extra, body)


def test_bye_before_ack_and_cancel_after_answer():
    with Driver() as d:
        k = Call(d)
        k.c.send(k.invite)
        ok = k.c.expect(200, skip=(100, 180))
        # CANCEL after the 2xx: 200 for the CANCEL, no effect on the call
        k.c.send(request('CANCEL', 'sip:echo@127.0.0.1', k.c.via(k.br), k.frm, k.to, k.callid, 1,
                         cseq_method='CANCEL'))
        r = k.c.expect(200)
        assert r.h('cseq') == '1 CANCEL'
        # BYE without having ACKed: 200, the call ends, the 2xx stops
        k.c.send(k.req('BYE', 2, to=ok.h('to')))
        while True:
            r = k.c.expect(200, timeout=2)
            if r.h('cseq') == '2 BYE':
                break
        d.wait(lambda e: e.get('type') == 'BYE')
        time.sleep(1.2)
        while True:  # at most a retransmission already in flight
            r = k.c.recv(0.6)
            if r is None:
                break
            assert r.h('cseq') == '1 INVITE', r
        d.stop()


def test_2xx_never_acked():
    """RFC 3261 13.3.1.4: the 2xx is retransmitted for 64*T1, then the session ends with a BYE."""
    with Driver() as d:
        k = Call(d)
        t0 = time.time()
        k.c.send(k.invite)
        k.c.expect(200, skip=(100, 180))
        n = 1
        while True:
            r = k.c.recv(6)
            assert r is not None, 'silence after %d 2xx' % n
            if r.start.startswith('BYE'):
                break
            assert r.code == 200
            n += 1
        took = time.time() - t0
        assert 31 < took < 35 and n >= 9, (took, n)
        # answer the BYE: the controller hears ENDED (408: no ACK)
        k.c.send(b'SIP/2.0 200 OK\r\n' + b''.join(
            ('%s: %s\r\n' % (h, r.h(h))).encode() for h in ('via', 'from', 'to', 'call-id', 'cseq'))
                 + b'Content-Length: 0\r\n\r\n')
        e = d.wait(lambda e: e.get('type') == 'ENDED')
        assert e['code'] == 408, e
        d.stop()


def test_glare_and_order():
    with Driver() as d:
        k = Call(d)
        k.c.send(k.invite)
        ok = k.c.expect(200, skip=(100, 180))
        to = ok.h('to')
        k.c.send(k.req('ACK', 1, to=to))
        d.wait(lambda e: e.get('type') == 'CONFIRMED')
        # glare: our re-INVITE is out when theirs arrives: 491 for theirs
        leg = [e for e in d.events if e['ev'] == 'invite'][0]['leg']
        d.send('reinvite %d' % leg)
        ours = k.c.recv(2)
        assert ours is not None and ours.start.startswith('INVITE'), ours
        k.c.send(k.req('INVITE', 2, ['Contact: <sip:raw@%s:%d>' % k.c.local, 'Content-Type: application/sdp'],
                       SDP.replace('1 1 IN', '1 2 IN'), to=to))
        k.c.expect(491)
        # now answer ours: the controller hears ANSWERED; our ACK follows
        resp = [('Via', ours.h('via')), ('From', ours.h('from')), ('To', ours.h('to')),
                ('Call-ID', ours.h('call-id')), ('CSeq', ours.h('cseq')),
                ('Contact', '<sip:raw@%s:%d>' % k.c.local), ('Content-Type', 'application/sdp')]
        body = SDP.replace('1 1 IN', '1 3 IN').encode()
        k.c.send(('SIP/2.0 200 OK\r\n' + ''.join('%s: %s\r\n' % h for h in resp) +
                  'Content-Length: %d\r\n\r\n' % len(body)).encode() + body)
        ack = k.c.recv(2)
        assert ack is not None and ack.start.startswith('ACK'), ack
        e = d.wait(lambda e: e.get('type') == 'ANSWERED')
        assert e['code'] == 200 and e['sdp'], e
        # an out-of-order CSeq in the dialog: 500
        k.c.send(k.req('INFO', 5, to=to))
        k.c.expect(200)
        k.c.send(k.req('INFO', 3, to=to))
        r = k.c.expect(500)
        assert 'Out Of Order' in r.start
        # DTMF as application/dtmf; an INFO body we do not know: 415
        k.c.send(k.req('INFO', 6, ['Content-Type: application/dtmf'], '#', to=to))
        k.c.expect(200)
        e = d.wait(lambda e: e.get('type') == 'INFO')
        assert e['digit'] == '#', e
        k.c.send(k.req('INFO', 7, ['Content-Type: application/x-unknown'], 'x', to=to))
        k.c.expect(415)
        # OPTIONS inside the dialog
        k.c.send(k.req('OPTIONS', 8, to=to))
        k.c.expect(200)
        # the far end's BYE
        k.c.send(k.req('BYE', 9, to=to))
        k.c.expect(200)
        d.wait(lambda e: e.get('type') == 'BYE')
        st = d.stop()
        assert st['legs'] == 0, st


if __name__ == '__main__':
    sipt.main(globals())
