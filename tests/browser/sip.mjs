// sip: real SIP calls for the browser tests: SIPp as an agent's phone (registered with digest auth,
// picked up when the test says) and as a caller dialling a demo number (hangs up when the test says).

import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from './harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SIPP_DIR = join(HERE, '..', 'sipp');
export const SIPP = process.env.SB_SIPP || 'sipp';

/* Whether port is free for UDP and TCP on 127.0.0.1 (SIPp binds both kinds on some transports). */
function bindable(port) {
  const udp = new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => { s.close(); resolve(false); });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  const tcp = new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  return Promise.all([udp, tcp]).then(([a, b]) => a && b);
}

/* Whether something listens on UDP port (read from /proc: probing by binding would race SIPp's bind). */
function udpListening(port) {
  const hex = ':' + port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)
    .some((line) => (line.trim().split(/\s+/)[1] || '').endsWith(hex));
}

const taken = new Set();
/* A base port for SIPp's -mp: p..p+3 free (audio and video RTP/RTCP), from 10000-19996: below
   the daemon's RTP range and out of the kernel's ephemeral range (32768-60999). */
export async function mediaPort() {
  for (let i = 0; i < 2000; i++) {
    const p = 10000 + 4 * Math.floor(Math.random() * 2499);
    if (taken.has(p)) continue;
    let ok = true;
    for (let k = 0; k < 4 && ok; k++) ok = await bindable(p + k);
    if (ok) {
      taken.add(p);
      return p;
    }
  }
  throw new Error('no four free media ports');
}

/* An even port p with p and p+1 free, above the daemon's RTP range (20000-30000). */
export async function freePort() {
  for (let i = 0; i < 2000; i++) {
    const p = 32000 + 2 * Math.floor(Math.random() * 14000);
    if (!taken.has(p) && (await bindable(p)) && (await bindable(p + 1))) {
      taken.add(p);
      return p;
    }
  }
  throw new Error('no free port pair');
}

/* One SIPp process towards the daemon's SIP address; done() waits for its end and checks every call succeeded. */
class Sipp {
  constructor(scenario, { target, port, args = [], csv, timeout = 120, dir }) {
    this.dir = dir;
    this.port = port;
    const cmd = ['-sf', scenario];
    if (csv) {
      const path = join(dir, 'fields-' + port + '.csv');
      writeFileSync(path, 'SEQUENTIAL\n' + csv.map((row) => row.join(';') + ';\n').join(''));
      cmd.push('-inf', path);
    }
    cmd.push(...args.map(String));
    if (target) cmd.push(target);
    this.errors = join(dir, 'errors-' + port + '.log');
    cmd.push('-i', '127.0.0.1', '-p', String(port), '-t', 'u1', '-nostdin', '-timeout', timeout + 's', '-timeout_error',
      '-trace_err', '-error_file', this.errors);
    this.cmd = [SIPP, ...cmd].join(' ');
    this.stderr = '';
    this.proc = spawn(SIPP, cmd, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, sig) => resolve({ code, sig }));
      this.proc.on('error', (e) => resolve({ code: -1, sig: String(e) }));
    });
  }

  running() { return this.proc.exitCode === null && this.proc.signalCode === null; }

  async done(ms = 30000) {
    let timer;
    const r = await Promise.race([this.exited, new Promise((resolve) => { timer = setTimeout(() => resolve(null), ms); })]);
    clearTimeout(timer);
    if (r === null) {
      this.proc.kill('SIGKILL');
      throw new Error(`SIPp did not end in ${ms} ms: ${this.cmd}\n${this.log()}`);
    }
    if (r.code !== 0) throw new Error(`SIPp exit ${r.code} ${r.sig || ''}: ${this.cmd}\n${this.log()}`);
  }

  log() {
    let errs = '';
    try { errs = readFileSync(this.errors, 'utf8').slice(-3000); } catch { /* no errors logged */ }
    return this.stderr.slice(-2000) + errs;
  }

  kill() { if (this.running()) this.proc.kill('SIGKILL'); }
}

/* Sends an INFO in the call callId to the SIPp at port: the test's "now" (pick up, hang up). */
function nudge(port, callId) {
  const msg = [
    `INFO sip:test@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${Math.random().toString(16).slice(2)}`,
    'From: <sip:test@127.0.0.1>;tag=browsertest',
    `To: <sip:sipp@127.0.0.1:${port}>`,
    `Call-ID: ${callId}`,
    'CSeq: 100 INFO',
    'Max-Forwards: 70',
    'Content-Length: 0', '', ''].join('\r\n');
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.send(msg, port, '127.0.0.1', (err) => { s.close(); if (err) reject(err); else resolve(); });
  });
}

/* Waits for the Call-ID a scenario's exec wrote into path. */
async function callIdIn(path, sipp, ms, what) {
  return until(() => {
    if (!sipp.running() && !existsSync(path)) throw new Error(`SIPp ended before ${what}:\n${sipp.log()}`);
    if (!existsSync(path)) return null;
    const id = readFileSync(path, 'utf8').trim();
    return id || null;
  }, ms, what);
}

/*
 * An agent's phone: registers extension ext (digest auth, password demo)
 * from its own port, then a SIPp on that port rings on the daemon's INVITE
 * until pickUp(), and talks until the daemon hangs it up.
 */
export class Phone {
  static async start(sipAddr, ext, password = 'demo') {
    const p = await Phone.#at();
    const reg = new Sipp(join(SIPP_DIR, 'register.xml'), {
      target: sipAddr, port: p.port, dir: p.dir, timeout: 20,
      args: ['-m', 1, '-au', ext, '-ap', password], csv: [[ext, 300]],
    });
    await reg.done(30000);
    await p.#answerer();
    return p;
  }

  /*
   * A phone that does not register: the daemon reaches it at 127.0.0.1:port
   * (a customer behind the trunk, `trunk` in the daemon's settings).
   */
  static async listen() {
    const p = await Phone.#at();
    await p.#answerer();
    return p;
  }

  static async #at() {
    const p = new Phone();
    p.dir = mkdtempSync(join(tmpdir(), 'sbweb-phone-'));
    p.port = await freePort();
    return p;
  }

  /* Its SIPp, ready when it listens (an INVITE before that would find the phone unreachable). */
  async #answerer() {
    this.cidFile = join(this.dir, 'ringing');
    this.sipp = new Sipp(join(HERE, 'sipp_phone.xml'), {
      port: this.port, dir: this.dir, timeout: 170, args: ['-m', 1, '-mp', await mediaPort()], csv: [[this.cidFile]],
    });
    await until(async () => {
      if (!this.sipp.running()) throw new Error('the phone\'s SIPp ended:\n' + this.sipp.log());
      return udpListening(this.port);
    }, 10000, 'the phone listening');
  }

  /* The phone rings: resolves with the call's SIP Call-ID. */
  ringing(ms = 30000) { return callIdIn(this.cidFile, this.sipp, ms, 'the phone to ring'); }
  async pickUp() { await nudge(this.port, await this.ringing(1000)); }
  /* The call is over (the daemon hung the phone up) and SIPp ended cleanly. */
  done(ms) { return this.sipp.done(ms); }
  close() { this.sipp?.kill(); rmSync(this.dir, { recursive: true, force: true }); }
}

/* A caller from number `from` dialling `service` (a demo number) at sipAddr; answered by the daemon, hangs up on hangUp(). */
export class Caller {
  static async start(sipAddr, service, from) {
    const c = new Caller();
    c.dir = mkdtempSync(join(tmpdir(), 'sbweb-caller-'));
    c.port = await freePort();
    c.cidFile = join(c.dir, 'answered');
    c.sipp = new Sipp(join(HERE, 'sipp_caller.xml'), {
      target: sipAddr, port: c.port, dir: c.dir, timeout: 170,
      args: ['-m', 1, '-s', service, '-mp', await mediaPort()], csv: [[from, c.cidFile]],
    });
    return c;
  }

  /* The daemon answered (200 OK, the caller hears music or the agent). */
  answered(ms = 30000) { return callIdIn(this.cidFile, this.sipp, ms, 'the daemon to answer the caller'); }
  async hangUp() { await nudge(this.port, await this.answered(1000)); }
  done(ms) { return this.sipp.done(ms); }
  close() { this.sipp?.kill(); rmSync(this.dir, { recursive: true, force: true }); }
}
