"""SIP basics against the real stack: OPTIONS, 501/405/420/481, calls, retransmissions, CANCEL, failures."""
import time

import sipt
from sipt import Driver, Raw, request, branch, token, sipp_ok, scenario, SDP

NEEDS_SIPP = True


def test_options_and_methods():
    with Driver() as d:
        sipp_ok(['-sf', scenario('options.xml'), '127.0.0.1:%d' % d.port, '-s', 'any', '-m', 3])
        sipp_ok(['-sf', scenario('methods.xml'), '127.0.0.1:%d' % d.port, '-s', 'any', '-m', 1])
        st = d.stop()
        assert st['legs'] == 0 and st['malformed'] == 0, st


def test_calls_builtin_uac():
    """SIPp's own uac: INVITE, 180/200, ACK, BYE, many calls in a row."""
    with Driver() as d:
        sipp_ok(['-sn', 'uac', '127.0.0.1:%d' % d.port, '-s', 'echo', '-m', 50, '-r', 50])
        confirmed = [e for e in d.drain(0.3) if e.get('type') == 'CONFIRMED']
        byes = [e for e in d.events if e.get('type') == 'BYE']
        assert len(confirmed) == 50 and len(byes) == 50, (len(confirmed), len(byes))
        sipp_ok(['-sn', 'uac', '127.0.0.1:%d' % d.port, '-s', 'echo-later', '-m', 5, '-r', 10])
        st = d.stop()
        assert st['legs'] == 0, st


def test_retransmissions_absorbed():
    """A repeated INVITE gets the same answer; ACK stops our 2xx; a repeated BYE the same 200."""
    with Driver() as d:
        c = Raw(d.port)
        br, callid, ftag = branch(), token(), token()
        frm = '<sip:raw@127.0.0.1>;tag=' + ftag
        inv = request('INVITE', 'sip:echo-later@127.0.0.1', c.via(br), frm, '<sip:echo-later@127.0.0.1>',
                      callid, 1, ['Contact: <sip:raw@%s:%d>' % c.local, 'Content-Type: application/sdp'],
                      SDP)
        c.send(inv)
        r100 = c.expect(100, skip=())
        c.send(inv)  # retransmission while the controller thinks: the 100 again
        assert c.expect(100, skip=()).raw == r100.raw
        ok = c.expect(200)
        c.send(inv)  # retransmission after the 2xx: the same 2xx
        ok2 = c.expect(200)
        assert ok2.h('to') == ok.h('to') and 'tag=' in ok.h('to')
        # no ACK yet: the 2xx is retransmitted (T1 = 500 ms)
        again = c.expect(200, timeout=1.5)
        assert again.h('to') == ok.h('to')
        to = ok.h('to')
        c.send(request('ACK', 'sip:echo@127.0.0.1', c.via(branch()), frm, to, callid, 1))
        d.wait(lambda e: e.get('type') == 'CONFIRMED')
        time.sleep(1.2)
        while c.recv(0.1):
            pass
        bye = request('BYE', 'sip:echo@127.0.0.1', c.via(branch()), frm, to, callid, 2)
        c.send(bye)
        first = c.expect(200)
        c.send(bye)
        second = c.expect(200)
        assert first.raw == second.raw
        d.wait(lambda e: e.get('type') == 'BYE')
        # a BYE for the dialog now gone (new transaction): 481
        c.send(request('BYE', 'sip:echo@127.0.0.1', c.via(branch()), frm, to, callid, 3))
        c.expect(481)
        st = d.stop()
        assert st['retransmissions'] >= 3, st


def test_retransmissions_with_loss():
    """SIPp's uac dropping 10% of messages: every call still completes."""
    with Driver() as d:
        sipp_ok(['-sn', 'uac', '127.0.0.1:%d' % d.port, '-s', 'echo', '-m', 40, '-r', 20,
                 '-lost', 10, '-default_behaviors', 'all,-abortunexp'], timeout=120)
        d.stop()


def test_cancel_before_answer():
    with Driver() as d:
        sipp_ok(['-sf', scenario('uac_cancel.xml'), '127.0.0.1:%d' % d.port, '-s', 'sipp',
                 '-set', 'callee', 'ring', '-m', 3])
        for _ in range(3):
            d.wait(lambda e: e.get('type') == 'CANCELLED')
        st = d.stop()
        assert st['legs'] == 0, st


def test_rejections():
    with Driver() as d:
        c = Raw(d.port)
        for user, code in (('busy', 486), ('nobody', 404)):
            br, callid = branch(), token()
            frm = '<sip:raw@127.0.0.1>;tag=' + token()
            c.send(request('INVITE', 'sip:%s@127.0.0.1' % user, c.via(br), frm, '<sip:%s@127.0.0.1>' % user,
                           callid, 1, ['Contact: <sip:raw@127.0.0.1>', 'Content-Type: application/sdp'], SDP))
            r = c.expect(code)
            # non-2xx final: retransmitted until the ACK (Timer G)
            r2 = c.expect(code, timeout=1.5)
            assert r2.raw == r.raw
            c.send(request('ACK', 'sip:%s@127.0.0.1' % user, c.via(br), frm, r.h('to'), callid, 1))
            d.wait(lambda e: e.get('type') == 'ENDED' and e['code'] == code)
            c.silent(1.2)
        # a CANCEL for no INVITE: 481
        c.send(request('CANCEL', 'sip:x@127.0.0.1', c.via(branch()), '<sip:a@b>;tag=1', '<sip:x@127.0.0.1>',
                       token(), 1))
        c.expect(481)
        # unsupported body type: 415 with Accept
        c.send(request('INVITE', 'sip:echo@127.0.0.1', c.via(branch()), '<sip:a@b>;tag=2', '<sip:echo@b>',
                       token(), 1, ['Contact: <sip:a@127.0.0.1>', 'Content-Type: text/plain'], 'hello'))
        r = c.expect(415)
        assert r.h('accept') == 'application/sdp'
        # a tel: URI is fine; a mailto: one gets 416
        c.send(request('OPTIONS', 'mailto:x@example.com', c.via(branch()), '<sip:a@b>;tag=3', '<sip:x@b>',
                       token(), 1))
        c.expect(416)
        d.stop()


def test_extension_invite_challenged():
    with Driver('--user', '1001:secret', '--user', '1002:other') as d:
        sipp_ok(['-sf', scenario('uac_auth.xml'), '127.0.0.1:%d' % d.port, '-s', '1001', '-au', '1001',
                 '-ap', 'secret', '-set', 'callee', 'echo', '-m', 2])
        inv = d.wait(lambda e: e['ev'] == 'invite')
        assert inv['auth'] is True and inv['from'] == '1001' and inv['name'] == 'Agent 1001', inv
        # a caller that is no extension is not challenged
        sipp_ok(['-sn', 'uac', '127.0.0.1:%d' % d.port, '-s', 'echo', '-m', 1])
        inv = d.wait(lambda e: e['ev'] == 'invite' and e['from'] == 'sipp')
        assert inv['auth'] is False
        d.stop()


def test_session_timer_refresh_mid_call():
    with Driver('--min-se', 2, '--session-expires', 0) as d:
        sipp_ok(['-sf', scenario('uac_timer.xml'), '127.0.0.1:%d' % d.port, '-s', 'sipp', '-set', 'se', 90,
                 '-set', 'callee', 'echo', '-m', 1])
        d.wait(lambda e: e.get('type') == 'BYE')
        # the refreshes did not bother the controller
        assert not [e for e in d.events if e.get('type') == 'REINVITE'], d.events
        d.stop()


def test_session_timer_expires():
    with Driver('--min-se', 2) as d:
        t0 = time.time()
        sipp_ok(['-sf', scenario('uac_timer_expire.xml'), '127.0.0.1:%d' % d.port, '-s', 'sipp',
                 '-set', 'se', 4, '-set', 'callee', 'echo', '-m', 1])
        e = d.wait(lambda e: e.get('type') == 'ENDED')
        assert e['code'] == 408, e
        took = time.time() - t0
        assert 2.3 < took < 6, took  # 4 s minus a third
        d.stop()


def test_session_timer_we_refresh():
    with Driver('--min-se', 2) as d:
        sipp_ok(['-sf', scenario('uac_timer_uas.xml'), '127.0.0.1:%d' % d.port, '-s', 'sipp',
                 '-set', 'se', 4, '-set', 'callee', 'echo', '-m', 1])
        d.wait(lambda e: e.get('type') == 'BYE')
        d.stop()


def test_session_interval_too_small():
    with Driver('--min-se', 90) as d:
        sipp_ok(['-sf', scenario('uac_422.xml'), '127.0.0.1:%d' % d.port, '-s', 'sipp',
                 '-set', 'callee', 'echo', '-m', 1])
        st = d.stop()
        assert st['legs'] == 0


def test_info_and_refer():
    with Driver() as d:
        sipp_ok(['-sf', scenario('uac_midcall.xml'), '127.0.0.1:%d' % d.port, '-s', 'sipp',
                 '-set', 'callee', 'echo', '-m', 1])
        info = d.wait(lambda e: e.get('type') == 'INFO')
        assert info['digit'] == '5', info
        refer = d.wait(lambda e: e.get('type') == 'REFER')
        assert refer['target'] == 'sip:2001@example.com', refer
        d.wait(lambda e: e.get('type') == 'BYE')
        d.stop()


def test_outbound_calls():
    """Calls we place: answered then hung up by us, busy, cancelled while ringing, unreachable."""
    with Driver() as d:
        uas = sipt.Sipp(['-sn', 'uas', '-m', 1])
        time.sleep(0.3)
        d.send('call sip:agent@127.0.0.1:%d agent 5551234' % uas.port)
        leg = d.wait(lambda e: e['ev'] == 'called')['leg']
        d.leg_event(leg, 'RINGING')
        ans = d.leg_event(leg, 'ANSWERED')
        assert ans['code'] == 200 and ans['sdp'], ans
        time.sleep(0.2)
        d.send('hangup %d' % leg)
        d.leg_event(leg, 'ENDED')
        assert uas.wait(20) == 0, uas.stderr
        uas.cleanup()

        busy = sipt.Sipp(['-sf', scenario('uas_busy.xml'), '-m', 1])
        time.sleep(0.3)
        d.send('call sip:agent@127.0.0.1:%d agent 5551234' % busy.port)
        leg = d.wait(lambda e: e['ev'] == 'called')['leg']
        f = d.leg_event(leg, 'FAILED')
        assert f['code'] == 486, f
        assert busy.wait(20) == 0, busy.log('errors.log')
        busy.cleanup()

        ring = sipt.Sipp(['-sf', scenario('uas_ring.xml'), '-m', 1])
        time.sleep(0.3)
        d.send('call sip:agent@127.0.0.1:%d agent 5551234' % ring.port)
        leg = d.wait(lambda e: e['ev'] == 'called')['leg']
        d.leg_event(leg, 'RINGING')
        d.send('cancel %d' % leg)
        e = d.leg_event(leg, 'ENDED')
        assert e['code'] == 487, e
        assert ring.wait(20) == 0, ring.log('errors.log') + ring.log()
        ring.cleanup()

        # nobody there: Timer C (2 s here) gives up with 408
        dead = sipt.free_port()
        d.send('call sip:agent@127.0.0.1:%d agent 5551234 2' % dead)
        leg = d.wait(lambda e: e['ev'] == 'called')['leg']
        e = d.leg_event(leg, 'FAILED', timeout=6)
        assert e['code'] == 408, e
        # bad targets are refused at once
        d.send('call mailto:x@example.com agent 1')
        assert d.wait(lambda e: e['ev'] == 'called')['error'] != 0
        d.send('call sip:agent@example.com agent 1')
        assert d.wait(lambda e: e['ev'] == 'called')['error'] != 0
        d.stop()


if __name__ == '__main__':
    sipt.main(globals())
