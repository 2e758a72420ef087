"""TCP transport: REGISTER, calls in both directions, a call to a phone over the connection it
registered on."""
import time

import sipt
from sipt import Driver, sipp_ok, scenario

NEEDS_SIPP = True


def test_register_and_calls_over_tcp():
    with Driver('--user', '1001:secret', udp=False, tcp=True) as d:
        sipp_ok(['-sf', scenario('register.xml'), '127.0.0.1:%d' % d.port, '-s', '1001', '-au', '1001',
                 '-ap', 'secret', '-set', 'expires', 60, '-m', 1], transport='t1')
        d.wait(lambda e: e['ev'] == 'binding' and e['contacts'] == 1)
        uris = d.contacts('1001')
        assert uris and 'transport=TCP' in uris[0], uris
        sipp_ok(['-sn', 'uac', '127.0.0.1:%d' % d.port, '-s', 'echo', '-m', 20, '-r', 20], transport='t1')
        inv = d.wait(lambda e: e['ev'] == 'invite')
        assert inv['transport'] == 'tcp', inv
        sipp_ok(['-sf', scenario('uac_auth.xml'), '127.0.0.1:%d' % d.port, '-s', '1001', '-au', '1001',
                 '-ap', 'secret', '-set', 'callee', 'echo', '-m', 1], transport='t1')
        sipp_ok(['-sf', scenario('uac_timer.xml'), '127.0.0.1:%d' % d.port, '-s', 'sipp', '-set', 'se', 90,
                 '-set', 'callee', 'echo', '-m', 1], transport='t1')
        d.stop()


def test_outbound_over_tcp():
    with Driver(udp=False, tcp=True) as d:
        uas = sipt.Sipp(['-sn', 'uas', '-m', 1], transport='t1')
        time.sleep(0.3)
        d.send('call sip:agent@127.0.0.1:%d;transport=tcp agent 5551234' % uas.port)
        leg = d.wait(lambda e: e['ev'] == 'called')['leg']
        d.leg_event(leg, 'ANSWERED')
        d.send('hangup %d' % leg)
        d.leg_event(leg, 'ENDED')
        assert uas.wait(20) == 0, uas.log('errors.log')
        uas.cleanup()
        d.stop()


def test_call_reaches_phone_on_its_registration_flow():
    with Driver('--user', '1001:secret', udp=False, tcp=True) as d:
        phone = sipt.Sipp(['-sf', scenario('reg_phone.xml'), '-oocsf', scenario('uas_phone.xml'),
                           '127.0.0.1:%d' % d.port, '-s', '1001', '-au', '1001', '-ap', 'secret',
                           '-m', 1], transport='t1')
        d.wait(lambda e: e['ev'] == 'binding' and e['contacts'] == 1, timeout=10)
        uri = d.contacts('1001')[0]
        d.send('call %s 1001 5551234' % uri)
        leg = d.wait(lambda e: e['ev'] == 'called')['leg']
        d.leg_event(leg, 'ANSWERED')
        d.send('hangup %d' % leg)
        d.leg_event(leg, 'ENDED')
        assert phone.wait(20) == 0, phone.log('errors.log') + phone.log()
        phone.cleanup()
        d.stop()


if __name__ == '__main__':
    sipt.main(globals())
