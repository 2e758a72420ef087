// harness: what the browser tests share: the real daemon on a free port, Debian's Chromium driven by
// playwright-core, logins through the UI, the call source, API calls beside the browser, screenshots.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/* The daemon under test: SB_BINARY (meson passes this build's), else build/'s. */
export const binary = () => process.env.SB_BINARY || join(ROOT, 'build', 'src', 'cli', 'switchboard');
export const CHROMIUM = process.env.SB_CHROMIUM || '/usr/bin/chromium';

/*
 * Where calls come from. The tests never assume which caller rings: they ask
 * the daemon (GET /me/call) what the screen must show and check the screen
 * against it, so any source of real calls through the engine fits.
 *
 * - "demo" (default): the daemon's demo traffic (simulated callers entering
 *   the queues through the real router). Every agent is left to people
 *   (humans: 26), so calls wait until the test's agent takes them.
 * test_desktop, test_escalate, test_desk and test_wallboard make real SIP
 * calls instead (sip.mjs: SIPp phones and callers at the daemon's "sip"
 * address); test_qa.mjs keeps the demo traffic, which fills the queues with
 * many calls for the QA screens.
 */
export function callSource() {
  const kind = process.env.SB_CALL_SOURCE || 'demo';
  if (kind === 'demo') {
    return {
      kind,
      settings: { demo_traffic: { humans: 26, calls_per_min: 6, talk_ms: 600000, patience_ms: 0, seed: 42 } },
      // callers arrive by themselves, a few a minute per queue
      async placeCall() {},
    };
  }
  throw new Error(`SB_CALL_SOURCE=${kind}: only "demo" (the SIP tests make their own calls with sip.mjs)`);
}

/* One daemon: serve --demo on 127.0.0.1, its URL read from the first line it prints. */
export class Daemon {
  constructor(settings = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'sbweb-'));
    this.data = join(this.dir, 'var');
    this.config = join(this.dir, 'config.json');
    writeFileSync(this.config, JSON.stringify({ pwhash_cost: 'min', sse_heartbeat_ms: 1000, ...settings }));
    this.port = 0;
    this.stderr = '';
    this.withSip = Boolean(settings.sip);
    this.sip = null; // "127.0.0.1:PORT" where phones register and callers call, with "sip" in settings
  }

  async start() {
    const args = ['serve', '--demo', '--http', `127.0.0.1:${this.port}`, '--data', this.data, '--config', this.config];
    this.proc = spawn(binary(), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SB_WEB_DIR: join(ROOT, 'web'), SB_NODE_MODULES: join(ROOT, 'node_modules') } });
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    const url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('daemon did not start:\n' + this.stderr)), 30000);
      this.proc.stdout.on('data', (d) => {
        out += d;
        const m = /(http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(out);
        // with SIP, the second line says where phones register (the port it bound for "127.0.0.1:0")
        const sip = /phones: .* at sip:(127\.0\.0\.1:\d+);/.exec(out);
        if (m && (!this.withSip || sip)) {
          clearTimeout(timer);
          this.port = Number(m[2]);
          if (sip) this.sip = sip[1];
          resolve(m[1]);
        }
      });
      this.proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`daemon exited ${code}:\n${this.stderr}`)); });
    });
    this.url = url;
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, sig) => resolve({ code, sig })));
    return url;
  }

  /* SIGTERM and wait; the daemon must exit 0 with nothing leaked. */
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill('SIGTERM');
    const r = await this.exited;
    if (r.code !== 0) throw new Error(`daemon exit ${r.code} ${r.sig}:\n${this.stderr}`);
    if (/still allocated|Sanitizer/.test(this.stderr)) throw new Error(this.stderr);
  }

  cleanup() {
    if (this.proc && this.proc.exitCode === null) this.proc.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /* The API beside the browser, as a user (bearer token). */
  async as(username, password = 'demo') {
    const r = await fetch(this.url + 'api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status}`);
    const { token } = await r.json();
    const call = async (method, path, body) => {
      const res = await fetch(this.url + 'api/v1' + path, { method, headers: { Authorization: 'Bearer ' + token, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) }, body: body !== undefined ? JSON.stringify(body) : undefined });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
    return { token, call, get: (p) => call('GET', p), post: (p, b) => call('POST', p, b ?? {}), put: (p, b) => call('PUT', p, b) };
  }
}

let browser = null;
export async function launch() {
  if (browser) return browser;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
  console.error(`# chromium ${browser.version()} (${CHROMIUM}), playwright-core ${require('playwright-core/package.json').version}`);
  return browser;
}
export async function closeBrowser() {
  if (browser) await browser.close();
  browser = null;
}

/*
 * A page that fails the test on any script error, CSP violation or failed
 * module load; `problems` lists them. Expected failures (a 401 before login,
 * the daemon being stopped on purpose) are filtered by the caller.
 */
export async function newPage(opts = {}) {
  const b = await launch();
  const context = await b.newContext({ viewport: { width: 1440, height: 960 }, locale: opts.locale || 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    if (/Failed to load resource/.test(text) && !opts.strictLoads) return; // 401/404/409 answers the app handles
    if (/ERR_CONNECTION_REFUSED|net::ERR_/.test(text)) return; // the daemon stopped on purpose
    page.problems.push('console: ' + text);
  });
  return page;
}

export async function login(page, url, username, password = 'demo') {
  await page.goto(url);
  await page.fill('#login-user', username);
  await page.fill('#login-pass', password);
  await page.click('#login-submit');
  await page.waitForSelector('#top:not([hidden])');
}

/* Polls fn until it returns a truthy value (or throws after ms). */
export async function until(fn, ms = 20000, what = 'condition') {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

/* docs/screenshots/<name>.png when SB_SCREENSHOTS names a directory. */
export async function screenshot(page, name) {
  const dir = process.env.SB_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, name + '.png') });
}

export function catalogue(lang) {
  return JSON.parse(readFileSync(join(ROOT, 'web', 'i18n', lang + '.json'), 'utf8'));
}
