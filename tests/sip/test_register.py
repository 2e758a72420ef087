"""The registrar: digest (right and wrong password, stale nonces, no qop), expiry, several contacts,
un-REGISTER, 423, and the back-off of repeated failures from one address."""
import time

import sipt
from sipt import (Driver, Raw, request, branch, token, sipp_ok, scenario, challenge_params,
                  authorization)

NEEDS_SIPP = True


def sipp_reg(d, xml, user, password, expires=60, port=None):
    args = ['-sf', scenario(xml), '127.0.0.1:%d' % d.port, '-s', user, '-au', user, '-ap', password,
            '-m', 1]
    if 'register.xml' == xml or 'register_two.xml' == xml:
        args += ['-set', 'expires', expires]
    sipp_ok(args)


def test_register_right_and_wrong_password():
    with Driver('--user', '1001:secret', '--user', '1002:pw2') as d:
        sipp_reg(d, 'register.xml', '1001', 'secret')
        e = d.wait(lambda e: e['ev'] == 'binding')
        assert e == {'ev': 'binding', 'user': '1001', 'contacts': 1}, e
        uris = d.contacts('1001')
        assert len(uris) == 1 and uris[0].startswith('sip:1001@127.0.0.1:'), uris
        sipp_reg(d, 'register_bad.xml', '1002', 'wrong')
        sipp_reg(d, 'register_bad.xml', '9999', 'whatever')  # unknown users look the same
        assert d.contacts('1002') == [] and d.contacts('9999') == []
        st = d.stop()
        assert st['auth_failures'] == 2 and st['registrations'] == 1, st


def test_expiry():
    with Driver('--user', '1001:secret', '--reg-min', 1) as d:
        sipp_reg(d, 'register.xml', '1001', 'secret', expires=2)
        d.wait(lambda e: e['ev'] == 'binding' and e['contacts'] == 1)
        assert len(d.contacts('1001')) == 1
        t0 = time.time()
        d.wait(lambda e: e['ev'] == 'binding' and e['contacts'] == 0, timeout=5)
        assert 1.0 < time.time() - t0 < 3.5
        assert d.contacts('1001') == []
        d.stop()


def test_several_contacts_and_unregister():
    with Driver('--user', '1001:secret', '--max-contacts', 3) as d:
        sipp_reg(d, 'register_two.xml', '1001', 'secret')
        d.wait(lambda e: e['ev'] == 'binding' and e['contacts'] == 2)
        sipp_reg(d, 'register.xml', '1001', 'secret')
        d.wait(lambda e: e['ev'] == 'binding' and e['contacts'] == 3)
        first = d.contacts('1001')
        assert len(first) == 3 and first[0].startswith('sip:1001@'), first  # most recent first
        # a fourth contact (another port): the least recently registered one goes
        sipp_reg(d, 'register.xml', '1001', 'secret')
        d.wait(lambda e: e['ev'] == 'binding' and e['user'] == '1001')
        now = d.contacts('1001')
        assert len(now) == 3 and now[0] != first[0] and first[0] in now, (first, now)
        sipp_reg(d, 'unregister.xml', '1001', 'secret')
        d.wait(lambda e: e['ev'] == 'binding' and e['contacts'] == 0)
        assert d.contacts('1001') == []
        d.stop()


def test_interval_too_brief():
    with Driver('--user', '1001:secret', '--reg-min', 60) as d:
        sipp_reg(d, 'register_brief.xml', '1001', 'secret')
        assert d.contacts('1001') == []
        d.stop()


class Reg:
    """REGISTERs from a raw socket, one Call-ID."""

    def __init__(self, d, user, tcp=False):
        self.d, self.user = d, user
        self.c = Raw(d.port, tcp=tcp)
        self.callid, self.tag, self.cseq = token(), token(), 0
        self.uri = 'sip:127.0.0.1:%d' % d.port

    def send(self, auth=None, expires=60, contact=None, extra=()):
        self.cseq += 1
        hdrs = ['Contact: <%s>;expires=%d' % (contact or 'sip:%s@%s:%d' % ((self.user,) + self.c.local),
                                              expires)]
        if auth:
            hdrs.append('Authorization: ' + auth)
        self.c.send(request('REGISTER', self.uri, self.c.via(branch()),
                            '<sip:%s@127.0.0.1>;tag=%s' % (self.user, self.tag),
                            '<sip:%s@127.0.0.1>' % self.user, self.callid, self.cseq,
                            hdrs + list(extra)))

    def challenge(self):
        self.send()
        r = self.c.expect(401)
        return challenge_params(r.h('www-authenticate'))


def test_stale_nonce_and_rfc2069():
    with Driver('--user', '1001:secret', '--nonce-ttl', 1) as d:
        r = Reg(d, '1001')
        ch = r.challenge()
        assert ch['realm'] == 'switchboard' and ch['qop'] == 'auth' and 'stale' not in ch, ch
        time.sleep(2.2)
        r.send(authorization('1001', ch['realm'], 'secret', 'REGISTER', r.uri, ch['nonce']))
        stale = challenge_params(r.c.expect(401).h('www-authenticate'))
        assert stale.get('stale') == 'true' and stale['nonce'] != ch['nonce'], stale
        # RFC 2069 (no qop) with the fresh nonce
        r.send(authorization('1001', ch['realm'], 'secret', 'REGISTER', r.uri, stale['nonce'], qop=False))
        ok = r.c.expect(200)
        assert 'expires=' in ok.h('contact'), ok.headers
        # a nonce not made by us, or for another address: a fresh challenge, not a failure
        r.send(authorization('1001', ch['realm'], 'secret', 'REGISTER', r.uri, '0' * 40))
        r.c.expect(401)
        other = Raw(d.port)
        r2 = Reg(d, '1001')
        r2.c = other
        r2.send(authorization('1001', ch['realm'], 'secret', 'REGISTER', r.uri, stale['nonce']))
        r2.c.expect(200)  # same IP: the nonce is bound to the address, not the port
        st = d.stop()
        assert st['auth_failures'] == 0, st


def test_username_must_match_to():
    with Driver('--user', '1001:secret', '--user', '1002:pw2') as d:
        r = Reg(d, '1002')
        ch = r.challenge()
        r.send(authorization('1001', ch['realm'], 'secret', 'REGISTER', r.uri, ch['nonce']))
        r.c.expect(403)
        # bad Authorization syntax: 400
        r.send('Digest username="1002", realm=')
        r.c.expect(400)
        d.stop()


def test_failures_from_one_address_back_off():
    with Driver('--user', '1001:secret', '--auth-free', 1, '--auth-base-ms', 400, '--auth-cap-ms', 1600,
                '--auth-forget', 4) as d:
        r = Reg(d, '1001')
        ch = r.challenge()
        bad = lambda: authorization('1001', ch['realm'], 'wrong', 'REGISTER', r.uri, ch['nonce'])
        good = lambda: authorization('1001', ch['realm'], 'secret', 'REGISTER', r.uri, ch['nonce'])
        delays = []
        for _ in range(5):
            t0 = time.time()
            r.send(bad())
            r.c.expect(403, timeout=5)
            delays.append(time.time() - t0)
        # failure 1 is free, then 400, 800, 1600, 1600 ms (capped)
        want = [0, 0.4, 0.8, 1.6, 1.6]
        for got, w in zip(delays, want):
            assert w - 0.05 <= got <= w + 0.35, (delays, want)
        # during a window even the right password is not checked: 403 at the window's end
        t0 = time.time()
        r.send(bad())
        r.send(good())
        r.c.expect(403, timeout=5)
        r.c.expect(403, timeout=5)
        assert time.time() - t0 >= 1.5
        # after the window the right password works and clears the failures
        r.send(good())
        r.c.expect(200, timeout=5)
        t0 = time.time()
        r.send(bad())
        r.c.expect(403, timeout=5)
        assert time.time() - t0 < 0.3
        # the back-off ends by itself: failures are forgotten after 4 s
        r.send(bad())
        r.c.expect(403, timeout=5)
        time.sleep(4.5)
        t0 = time.time()
        r.send(bad())
        r.c.expect(403, timeout=5)
        assert time.time() - t0 < 0.3
        # another address is not slowed by this one's failures (loopback aliases share 127.0.0.1,
        # so this checks the unknown-address path only)
        st = d.stop()
        assert st['auth_failures'] >= 9, st


def test_register_headers():
    """Contact: * needs Expires: 0 and nothing else; bad expires values are refused."""
    with Driver('--user', '1001:secret') as d:
        r = Reg(d, '1001')
        ch = r.challenge()
        auth = authorization('1001', ch['realm'], 'secret', 'REGISTER', r.uri, ch['nonce'])
        r.send(auth, contact='*')  # Contact: * with ;expires=60 and no Expires header
        r.c.expect(400)
        r.send(auth, expires=60, extra=['Expires: soon'])
        r.c.expect(400)
        # a REGISTER that only asks (no Contact) lists the bindings
        r.send(auth, expires=120)
        r.c.expect(200)
        r.cseq += 1
        r.c.send(request('REGISTER', r.uri, r.c.via(branch()), '<sip:1001@127.0.0.1>;tag=' + r.tag,
                         '<sip:1001@127.0.0.1>', r.callid, r.cseq, ['Authorization: ' + auth]))
        ok = r.c.expect(200)
        assert len(ok.all('contact')) == 1, ok.headers
        # an older CSeq of the same Call-ID is out of order
        r.cseq -= 5
        r.send(auth)
        r.c.expect(500)
        d.stop()


if __name__ == '__main__':
    sipt.main(globals())
