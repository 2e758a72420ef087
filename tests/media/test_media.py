#!/usr/bin/env python3
"""test_media: the media layer with real RTP on loopback, through tests/media/media_driver.

Usage: test_media.py MEDIA_DRIVER [PORT_MIN PORT_MAX]
Standard library only. The script plays the phones: it sends G.711 RTP made
from Debian's WAV files from its own UDP sockets and checks what comes back
(counts, payload, sequence, timestamps, SSRC, DTMF, latching, hold).
"""
import os
import queue
import random
import selectors
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
import wave

MOH = "/usr/share/asterisk/moh/macroform-cold_day.wav"
PROMPT = "/usr/share/asterisk/sounds/en/queue-thankyou.wav"
TALK_A = "/usr/share/asterisk/sounds/en/queue-periodic-announce.wav"
TALK_B = "/usr/share/asterisk/sounds/en/conf-onlyperson.wav"
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
LOUD = 32  # the media layer's silence threshold (|sample| <= 32 is silence)


# --- G.711, textbook (ITU-T G.711), independent of librem ---

def ulaw_dec(u):
    u = ~u & 0xFF
    exp, mant = (u >> 4) & 7, u & 0x0F
    x = (((mant << 3) + 0x84) << exp) - 0x84
    return -x if u & 0x80 else x


def alaw_dec(a):
    a ^= 0x55
    exp, mant = (a >> 4) & 7, a & 0x0F
    x = (mant << 4) + 8 if exp == 0 else ((mant << 4) + 0x108) << (exp - 1)
    return x if a & 0x80 else -x


def ulaw_enc(x):
    sign = 0x80 if x < 0 else 0
    x = min(abs(x), 32635) + 0x84
    exp, mask = 7, 0x4000
    while exp > 0 and not x & mask:
        exp -= 1
        mask >>= 1
    return ~(sign | (exp << 4) | ((x >> (exp + 3)) & 0x0F)) & 0xFF


def alaw_enc(x):
    sign = 0x80 if x >= 0 else 0
    x = min(abs(x), 32767) >> 3
    if x < 32:
        v = x >> 1
    else:
        exp = 1
        while x >= 64 and exp < 7:
            x >>= 1
            exp += 1
        v = (exp << 4) | ((x >> 1) & 0x0F)
    return (sign | v) ^ 0x55


ULAW = [ulaw_dec(i) for i in range(256)]
ALAW = [alaw_dec(i) for i in range(256)]


def tolerance(x):
    """A-law's step at |x| plus the textbook/librem reconstruction difference."""
    return max(16, abs(x) // 16) + 8


def wav_pcm(path):
    with wave.open(path) as w:
        assert w.getframerate() == 8000 and w.getnchannels() == 1 and w.getsampwidth() == 2, path
        raw = w.readframes(w.getnframes())
    return list(struct.unpack("<%dh" % (len(raw) // 2), raw))


def frames(pcm, enc):
    out = []
    for i in range(0, len(pcm) - 159, 160):
        out.append(bytes(enc(x) for x in pcm[i:i + 160]))
    return out


# --- RTP ---

def rtp(pt, seq, ts, ssrc, payload, marker=False):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF, ts & 0xFFFFFFFF,
                       ssrc) + payload


def parse(p):
    b0, b1, seq, ts, ssrc = struct.unpack("!BBHII", p[:12])
    assert b0 >> 6 == 2, "not RTP"
    return {"pt": b1 & 0x7F, "m": bool(b1 & 0x80), "seq": seq, "ts": ts, "ssrc": ssrc, "payload": p[12:]}


class Phone:
    """One party's RTP socket."""

    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)  # kernel arrival times
        self.s.bind(("127.0.0.1", 0))
        self.port = self.s.getsockname()[1]
        self.s.setblocking(False)

    def send(self, port, data):
        self.s.sendto(data, ("127.0.0.1", port))

    def recv(self):
        """One packet: (data, source, kernel arrival time), or None."""
        try:
            data, anc, _, src = self.s.recvmsg(4096, 256)
        except BlockingIOError:
            return None
        t = time.time()
        for level, typ, cdata in anc:
            if level == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("=qq", cdata[:16])
                t = sec + nsec / 1e9
        return data, src, t

    def recv_all(self, idle=0.3, limit=10.0):
        """Packets (with source and arrival time) until nothing came for `idle` seconds."""
        out, t_end, last = [], time.time() + limit, time.time()
        while time.time() < t_end and time.time() - last < idle:
            r = self.recv()
            if r is None:
                time.sleep(0.002)
                continue
            last = time.time()
            out.append(r)
        return out

    def close(self):
        self.s.close()


def offer(port, pts="0 101", attrs="a=rtpmap:101 telephone-event/8000|a=fmtp:101 0-15|", ip="127.0.0.1"):
    return ("v=0|o=- 1 1 IN IP4 %s|s=-|c=IN IP4 %s|t=0 0|m=audio %d RTP/AVP %s|%s" %
            (ip, ip, port, pts, attrs))


class Driver:
    def __init__(self, exe, lo, hi):
        self.p = subprocess.Popen([exe, str(lo), str(hi)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1)
        self.replies, self.events = queue.Queue(), queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.replies.get(timeout=10) == "ready"

    def _read(self):
        for ln in self.p.stdout:
            ln = ln.rstrip("\n")
            (self.events if ln.startswith(("done ", "dtmf ")) else self.replies).put(ln)

    def cmd(self, c, ok=True):
        self.p.stdin.write(c + "\n")
        self.p.stdin.flush()
        r = self.replies.get(timeout=10)
        if ok:
            assert r.startswith("ok"), "%s -> %s" % (c, r)
        return r[3:] if r.startswith("ok ") else r

    def leg(self):
        i, port = self.cmd("leg").split()
        return int(i), int(port)

    def stats(self, leg):
        import json
        return json.loads(self.cmd("stats %d" % leg))

    def mstats(self):
        import json
        return json.loads(self.cmd("mstats"))

    def event(self, timeout):
        return self.events.get(timeout=timeout)

    def quit(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.flush()
        return self.p.wait(timeout=30)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def talk(phone, port, payloads, ssrc, seq0, ts0, pt=0, gap=0.004):
    for i, pl in enumerate(payloads):
        phone.send(port, rtp(pt, seq0 + i, ts0 + 160 * i, ssrc, pl, marker=(i == 0)))
        time.sleep(gap)


def loud_count(payloads, table):
    return sum(1 for pl in payloads for b in pl if abs(table[b]) > LOUD)


# --- the tests ---

def test_bridge(d):
    """Two u-law legs bridged: every packet arrives at the other end, payload intact, one stream each."""
    caller, agent = Phone(), Phone()
    a, a_port = d.leg()
    b, b_port = d.leg()
    ans = d.cmd("answer %d %s" % (a, offer(caller.port)))
    check("m=audio %d RTP/AVP 0 101" % a_port in ans, "answer: " + ans)
    d.cmd("answer %d %s" % (b, offer(agent.port)))
    d.cmd("bridge %d %d" % (a, b))
    up = frames(wav_pcm(TALK_A), ulaw_enc)[:100]
    down = frames(wav_pcm(TALK_B), ulaw_enc)[:100]
    for i in range(100):
        caller.send(a_port, rtp(0, 1000 + i, 5000 + 160 * i, 0x1111, up[i], marker=(i == 0)))
        agent.send(b_port, rtp(0, 60000 + i, 90000 + 160 * i, 0x2222, down[i], marker=(i == 0)))
        time.sleep(0.004)
    last = {}
    for phone, port, sent, name in ((agent, b_port, up, "agent"), (caller, a_port, down, "caller")):
        got = phone.recv_all()
        check(len(got) == 100, "%s received %d of 100" % (name, len(got)))
        check(all(src == ("127.0.0.1", port) for _, src, _ in got), "%s: not from our leg's port" % name)
        pk = [parse(p) for p, _, _ in got]
        check([x["payload"] for x in pk] == sent, "%s: payload changed" % name)
        check(len({x["ssrc"] for x in pk}) == 1 and pk[0]["ssrc"] not in (0x1111, 0x2222),
              "%s: not one stream of our own" % name)
        check(all((pk[i]["seq"] - pk[0]["seq"]) & 0xFFFF == i for i in range(100)), "%s: seq" % name)
        check(all((pk[i]["ts"] - pk[0]["ts"]) & 0xFFFFFFFF == 160 * i for i in range(100)), "%s: ts" % name)
        check(pk[0]["m"] and not any(x["m"] for x in pk[1:]), "%s: marker" % name)
        check(all(x["pt"] == 0 for x in pk), "%s: payload type" % name)
        last[name] = pk[-1]["seq"]
    sa, sb = d.stats(a), d.stats(b)
    for st, sent in ((sa, up), (sb, down)):
        check(st["rx_packets"] == 100 and st["relayed"] == 100 and st["lost"] == 0 and st["dropped"] == 0,
              "stats %s" % st)
        check(st["tx_packets"] == 100 and st["latched"], "stats %s" % st)
        check(st["rx_nonzero"] == loud_count(sent, ULAW) and st["rx_nonzero"] > 1000,
              "content count %d vs %d" % (st["rx_nonzero"], loud_count(sent, ULAW)))

    # latching: a third address is ignored once the caller latched (the leg's socket is then
    # connected to the caller: the kernel drops the intruder's packets before we see them)
    rx_before = d.stats(a)["rx_packets"]
    intruder = Phone()
    for i in range(10):
        intruder.send(a_port, rtp(0, 7 + i, 160 * i, 0x6666, up[i]))
    time.sleep(0.2)
    check(agent.recv_all(idle=0.2) == [], "intruder's packets were relayed")
    check(d.stats(a)["rx_packets"] == rx_before and d.stats(a)["dropped"] == 0,
          "intruder packets reached the leg: %s" % d.stats(a))
    # the caller still gets through, the sequence goes on
    talk(caller, a_port, up[:5], 0x1111, 1100, 5000 + 160 * 100)
    got = agent.recv_all()
    check(len(got) == 5, "caller after intruder: %d of 5" % len(got))
    check((parse(got[0][0])["seq"] - last["agent"]) & 0xFFFF == 1, "sequence not continued")
    # loss shows in the receive figures: 1105..1109 skipped
    talk(caller, a_port, up[:3], 0x1111, 1110, 5000 + 160 * 110)
    agent.recv_all()
    check(d.stats(a)["lost"] == 5, "lost %d, want 5" % d.stats(a)["lost"])
    # RTCP on the odd port is drained and counted, never relayed
    caller.send(a_port + 1, b"\x81\xc9\x00\x01" + b"\x00" * 4)
    time.sleep(0.1)
    check(d.stats(a)["rtcp_rx"] == 1, "rtcp not drained")
    for x in (a, b):
        d.cmd("free %d" % x)
    for p in (caller, agent, intruder):
        p.close()


def test_transcode(d):
    """A u-law caller bridged to an A-law agent: each side hears the other in its own law."""
    caller, agent = Phone(), Phone()
    a, a_port = d.leg()
    b, b_port = d.leg()
    d.cmd("answer %d %s" % (a, offer(caller.port, "0", "")))
    ans = d.cmd("answer %d %s" % (b, offer(agent.port, "8", "")))
    check("RTP/AVP 8|" in ans, "A-law answer: " + ans)
    d.cmd("bridge %d %d" % (a, b))
    pcm_up, pcm_down = wav_pcm(TALK_A), wav_pcm(TALK_B)
    up = frames(pcm_up, ulaw_enc)[:60]
    down = frames(pcm_down, alaw_enc)[:60]
    talk(caller, a_port, up, 0x3333, 10, 100)
    talk(agent, b_port, down, 0x4444, 20, 200, pt=8)
    for phone, sent, want_pt, dec_in, dec_out, name in (
            (agent, up, 8, ULAW, ALAW, "agent"), (caller, down, 0, ALAW, ULAW, "caller")):
        got = [parse(p) for p, _, _ in phone.recv_all()]
        check(len(got) == 60, "%s received %d of 60" % (name, len(got)))
        check(all(x["pt"] == want_pt for x in got), "%s: payload type" % name)
        worst = 0
        for x, s in zip(got, sent):
            for b_out, b_in in zip(x["payload"], s):
                err = abs(dec_out[b_out] - dec_in[b_in])
                check(err <= tolerance(dec_in[b_in]),
                      "%s: sample %d became %d" % (name, dec_in[b_in], dec_out[b_out]))
                worst = max(worst, err)
        check(any(x["payload"] != s for x, s in zip(got, sent)), "%s: not transcoded" % name)
    for x in (a, b):
        d.cmd("free %d" % x)
    caller.close()
    agent.close()


def test_moh(d, n=50, secs=2.5):
    """Music on hold to 50 listeners: 50 packets/s each, real music, own SSRC, clean seq/ts."""
    src = int(d.cmd("source 1 %s" % MOH))
    music = wav_pcm(MOH)
    phones, legs = [], []
    for i in range(n):
        ph = Phone()
        leg, port = d.leg()
        law = "8" if i % 5 == 0 else "0"  # some listeners on A-law
        d.cmd("answer %d %s" % (leg, offer(ph.port, law, "")))
        phones.append(ph)
        legs.append((leg, port, law))
    sel = selectors.DefaultSelector()
    for i, ph in enumerate(phones):
        sel.register(ph.s, selectors.EVENT_READ, i)
    got = [[] for _ in range(n)]
    d.cmd("reset")
    for leg, _, _ in legs:
        d.cmd("play %d %d" % (leg, src))
    t_end = time.time() + secs
    while time.time() < t_end:
        for key, _ in sel.select(timeout=0.05):
            while True:
                r = phones[key.data].recv()
                if r is None:
                    break
                got[key.data].append((parse(r[0]), r[1], r[2]))
    for leg, _, _ in legs:
        d.cmd("stop %d" % leg)
    time.sleep(0.1)
    ms = d.mstats()
    check(ms["players"] == 0, "players left: %s" % ms)
    ssrcs, starts = set(), []
    for i, (leg, port, law) in enumerate(legs):
        pk = got[i]
        check(len(pk) >= int(secs * 50 * 0.85), "listener %d: %d packets in %.1f s" % (i, len(pk), secs))
        span = pk[-1][2] - pk[0][2]
        rate = (len(pk) - 1) / span
        # 50/s; fewer arrive when a loaded machine makes the loop skip ticks (checked below)
        check(40 <= rate <= 55, "listener %d: %.1f packets/s" % (i, rate))
        check(all(a == ("127.0.0.1", port) for _, a, _ in pk), "listener %d: wrong source" % i)
        s0, t0 = pk[0][0]["seq"], pk[0][0]["ts"]
        for k, (x, _, _) in enumerate(pk):
            check((x["seq"] - s0) & 0xFFFF == k, "listener %d: seq gap at %d" % (i, k))
            # one packet per 20 ms tick; when the loop was late (a loaded machine) the clock skips
            # the ticks it missed, so the timestamp keeps following time: whole ticks, never back
            if k:
                dts = (x["ts"] - pk[k - 1][0]["ts"]) & 0xFFFFFFFF
                check(dts >= 160 and dts % 160 == 0 and dts < 8000,
                      "listener %d: ts step %d at %d" % (i, dts, k))
            check(x["pt"] == int(law) and len(x["payload"]) == 160, "listener %d: format" % i)
        ts_span = ((pk[-1][0]["ts"] - t0) & 0xFFFFFFFF) / 8000
        check(abs(ts_span - span) < 0.25, "listener %d: %.3f s of timestamps in %.3f s" % (i, ts_span, span))
        check(pk[0][0]["m"], "listener %d: first packet without marker" % i)
        ssrcs.add(pk[0][0]["ssrc"])
        check(len({x["ssrc"] for x, _, _ in pk}) == 1, "listener %d: SSRC changed" % i)
        dec = ALAW if law == "8" else ULAW
        check(loud_count([x["payload"] for x, _, _ in pk], dec) > 160 * len(pk) // 4,
              "listener %d: mostly silence" % i)
        # the payload is the WAV, frame after frame; where the clock skipped ticks (a late loop)
        # up to that many frames may be skipped too, never more, never backwards
        tick = [((x["ts"] - t0) & 0xFFFFFFFF) // 160 for x, _, _ in pk]

        def is_frame(x, f):
            ref = music[160 * f:160 * f + 160]
            return len(ref) == 160 and all(abs(dec[b] - r) <= tolerance(r) for b, r in zip(x["payload"], ref))
        k_loud, f_loud = None, None
        for k, (x, _, _) in enumerate(pk):
            if max(abs(dec[b]) for b in x["payload"]) < 500:
                continue
            f_loud = next((f for f in range(0, 400) if is_frame(x, f)), None)
            k_loud = k
            break
        check(f_loud is not None, "listener %d: payload is not the music" % i)
        prev = f_loud
        for k in range(k_loud + 1, len(pk)):
            skipped = tick[k] - tick[k - 1] - 1
            f = next((f for f in range(prev + 1, prev + 2 + skipped) if is_frame(pk[k][0], f)), None)
            check(f is not None, "listener %d: packet %d is not the music after frame %d" % (i, k, prev))
            prev = f
        # the same point of the music for everyone: frame index against arrival time
        starts.append(f_loud - (pk[k_loud][2] - got[0][0][2]) / 0.02)
    check(len(ssrcs) == n, "SSRCs not distinct: %d" % len(ssrcs))
    check(max(starts) - min(starts) <= 1.6, "listeners hear different points: %.2f" % (max(starts) - min(starts)))
    print("  moh: %d listeners, clock lateness p50 %.3f p99 %.3f max %.3f ms over %d packets" %
          (n, ms["late_p50_ms"], ms["late_p99_ms"], ms["late_max_ms"], ms["clock_packets"]))
    d.cmd("close %d" % src)
    for leg, _, _ in legs:
        d.cmd("free %d" % leg)
    for ph in phones:
        ph.close()


def test_play_once(d):
    """A prompt plays once, completely, and then the callback runs; nothing is sent after it."""
    ph = Phone()
    leg, port = d.leg()
    d.cmd("answer %d %s" % (leg, offer(ph.port, "0", "")))
    check(d.cmd("once %d /nonexistent.wav" % leg, ok=False) == "err 2", "missing prompt accepted")
    pcm = wav_pcm(PROMPT)
    want = (len(pcm) + 159) // 160
    t0 = time.time()
    d.cmd("once %d %s" % (leg, PROMPT))
    ev = d.event(timeout=len(pcm) / 8000 + 3)
    took = time.time() - t0
    check(ev == "done %d" % leg, "event: " + ev)
    check(abs(took - want * 0.02) < 0.5, "done after %.2f s for a %.2f s prompt" % (took, want * 0.02))
    got = [parse(p) for p, _, _ in ph.recv_all(idle=0.3)]
    check(len(got) == want, "prompt: %d packets, want %d" % (len(got), want))
    for k, x in enumerate(got):
        ref = pcm[160 * k:160 * k + 160] + [0] * 160
        check(all(abs(ULAW[b] - r) <= tolerance(r) for b, r in zip(x["payload"], ref)),
              "prompt frame %d differs" % k)
    check(d.stats(leg)["tx_packets"] == want, "tx count")
    # played again: read from memory, same result, continuing the same stream
    d.cmd("once %d %s" % (leg, PROMPT))
    check(d.event(timeout=len(pcm) / 8000 + 3) == "done %d" % leg, "second done")
    again = [parse(p) for p, _, _ in ph.recv_all(idle=0.3)]
    check(len(again) == want and again[0]["ssrc"] == got[0]["ssrc"], "second play")
    check((again[0]["seq"] - got[-1]["seq"]) & 0xFFFF == 1, "second play: sequence not continued")
    d.cmd("free %d" % leg)
    ph.close()


def test_continuity(d):
    """Bridge, music, another bridge (a transfer): the caller hears one stream."""
    caller, ag1, ag2 = Phone(), Phone(), Phone()
    p, p_port = d.leg()
    q, q_port = d.leg()
    r, r_port = d.leg()
    for leg, ph in ((p, caller), (q, ag1), (r, ag2)):
        d.cmd("answer %d %s" % (leg, offer(ph.port)))
    src = int(d.cmd("source 1 %s" % MOH))
    talk_a = frames(wav_pcm(TALK_A), ulaw_enc)
    talk_b = frames(wav_pcm(TALK_B), ulaw_enc)
    phases = []
    d.cmd("bridge %d %d" % (p, q))
    talk(ag1, q_port, talk_a[:25], 0xAAAA, 100, 1000, gap=0.02)
    phases.append(caller.recv_all(idle=0.15))
    d.cmd("play %d %d" % (p, src))
    time.sleep(0.5)
    d.cmd("bridge %d %d" % (p, r))
    phases.append(caller.recv_all(idle=0.05))
    talk(ag2, r_port, talk_b[:25], 0xBBBB, 50000, 123456789, gap=0.02)
    phases.append(caller.recv_all(idle=0.15))
    check([len(x) for x in phases][0] == 25 and len(phases[2]) == 25 and len(phases[1]) >= 10,
          "phases: %s" % [len(x) for x in phases])
    pk = [(parse(d_), t) for ph in phases for d_, _, t in ph]
    check(len({x["ssrc"] for x, _ in pk}) == 1, "SSRC changed")
    for k in range(1, len(pk)):
        (a, ta), (b, tb) = pk[k - 1], pk[k]
        check((b["seq"] - a["seq"]) & 0xFFFF == 1, "seq jump at %d" % k)
        dts = (b["ts"] - a["ts"]) & 0xFFFFFFFF
        check(dts >= 160, "ts went back at %d" % k)
    # the timestamp follows time: across the music phase (0.5 s) it moves on by that much, not
    # by one packet; measured end to end, since on a loaded machine single arrivals are late
    # (the talk phases' spacing is the test's own senders', which a loaded machine stretches)
    ts_span = ((pk[-1][0]["ts"] - pk[0][0]["ts"]) & 0xFFFFFFFF) / 8000
    t_span = pk[-1][1] - pk[0][1]
    check(0.5 + 0.9 * 48 * 0.02 <= ts_span <= t_span + 0.1,
          "%.3f s of timestamps in %.3f s" % (ts_span, t_span))
    bounds = [0, len(phases[0]), len(phases[0]) + len(phases[1])]
    for k, (x, _) in enumerate(pk):
        check(x["m"] == (k in bounds), "marker at %d" % k)
    d.cmd("close %d" % src)
    for leg in (p, q, r):
        d.cmd("free %d" % leg)
    for ph in (caller, ag1, ag2):
        ph.close()


def test_dtmf_and_hold(d):
    """Telephone-events are reported once per key and passed through with the peer's PT; hold stops sending."""
    caller, agent = Phone(), Phone()
    s, s_port = d.leg()
    t, t_port = d.leg()
    d.cmd("answer %d %s" % (s, offer(caller.port)))
    ans = d.cmd("answer %d %s" % (t, offer(agent.port, "0 96", "a=rtpmap:96 telephone-event/8000|")))
    check("RTP/AVP 0 96" in ans, "agent answer: " + ans)
    d.cmd("dtmf %d" % s)
    d.cmd("bridge %d %d" % (s, t))
    seq = 10
    audio = frames(wav_pcm(TALK_A), ulaw_enc)
    talk(caller, s_port, audio[:5], 0x5555, seq, 8000)
    seq += 5
    for digit, code in (("5", 5), ("#", 11)):
        ts = 8000 + 160 * seq
        for k in range(6):
            end = 0x80 if k >= 3 else 0
            dur = 400 * (min(k, 3) + 1)
            caller.send(s_port, rtp(101, seq, ts, 0x5555, bytes([code, end | 10]) + struct.pack("!H", dur),
                                    marker=(k == 0)))
            seq += 1
            time.sleep(0.005)
    evs = []
    try:
        while True:
            evs.append(d.event(timeout=0.5))
    except queue.Empty:
        pass
    check(evs == ["dtmf %d 5" % s, "dtmf %d #" % s], "dtmf events: %s" % evs)
    got = [parse(p) for p, _, _ in agent.recv_all()]
    ev = [x for x in got if x["pt"] == 96]
    check(len(got) == 17 and len(ev) == 12, "agent got %d packets, %d events" % (len(got), len(ev)))
    check(ev[0]["payload"][0] == 5 and ev[-1]["payload"][0] == 11, "event payloads")
    check(d.stats(s)["dtmf"] == 2, "dtmf count")

    # hold from the agent's side (sendonly): nothing is sent to the agent, the agent's own audio still flows
    r = d.cmd("reoffer %d %s" % (t, offer(agent.port, "0 96", "a=rtpmap:96 telephone-event/8000|a=sendonly|")))
    check(r.startswith("1 ") and "a=recvonly" in r, "hold answer: " + r)
    talk(caller, s_port, audio[5:15], 0x5555, seq, 8000 + 160 * seq)
    seq += 10
    check(agent.recv_all(idle=0.2) == [], "sent to a held party")
    talk(agent, t_port, audio[:10], 0x7777, 1, 1)
    check(len(caller.recv_all()) == 10, "held party's audio did not reach the caller")
    r = d.cmd("reoffer %d %s" % (t, offer(agent.port, "0 96", "a=rtpmap:96 telephone-event/8000|")))
    check(r.startswith("0 ") and "a=sendrecv" in r, "resume answer: " + r)
    talk(caller, s_port, audio[15:25], 0x5555, seq, 8000 + 160 * seq)
    check(len(agent.recv_all()) == 10, "no audio after resume")
    for leg in (s, t):
        d.cmd("free %d" % leg)
    caller.close()
    agent.close()


def main():
    exe = sys.argv[1]
    # between the daemon's RTP ports (20000-30000, other tests' daemons run in parallel) and the
    # kernel's ephemeral ports (32768 and up, SIPp and the tests' own sockets)
    lo = int(sys.argv[2]) if len(sys.argv) > 2 else 30100 + 2 * (os.getpid() % 1000)
    hi = int(sys.argv[3]) if len(sys.argv) > 3 else lo + 400
    for f in (MOH, PROMPT, TALK_A, TALK_B):
        if not os.path.exists(f):
            print("missing %s (Debian asterisk-moh-opsound-wav, asterisk-core-sounds-en-wav)" % f)
            return 1
    random.seed(1)
    d = Driver(exe, lo, hi)
    failed = 0
    for t in (test_bridge, test_transcode, test_moh, test_play_once, test_continuity, test_dtmf_and_hold):
        t0 = time.time()
        try:
            t(d)
            print("ok   %s (%.1f s)" % (t.__name__, time.time() - t0))
        except Exception as e:  # report and go on with the next test
            failed += 1
            print("FAIL %s: %s: %s" % (t.__name__, type(e).__name__, e))
            traceback.print_exc()
    rc = d.quit()
    if rc != 0:
        print("FAIL driver exit status %d (leak or crash)" % rc)
        failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
