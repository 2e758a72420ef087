#!/usr/bin/env node
// bench_wallboard: how long a change takes to show on the wallboard (SSE to screen), against the bare
// event stream.
//
// The daemon (the build given, --demo, no traffic) serves the wallboard to super1 in Debian's
// Chromium. An agent's state is changed through the API (PUT /agents/3/state, alternating
// not-ready and ready), N times. Measured in the page, on one clock: from just before the request
// is sent until a MutationObserver sees the agent's card change (the request, the commit, the
// event over SSE, the app's rendering). Reference, same run: the same change and the same
// request timed from Node until the event arrives on a plain HTTP client reading
// GET /api/v1/events (everything but the browser and the app). ratio = reference / value: how
// close the app comes to the bare stream (1 = no overhead of its own).
// Usage: bench_wallboard.mjs SWITCHBOARD_BINARY   (BENCH_ROUNDS: default 60)

import http from 'node:http';
import { Daemon, newPage, login, closeBrowser } from '../tests/browser/harness.mjs';

const binary = process.argv[2];
if (binary) process.env.SB_BINARY = binary;
const ROUNDS = Number(process.env.BENCH_ROUNDS || 60);
const log = (...a) => console.error(...a);

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function main() {
  const d = new Daemon({ sse_heartbeat_ms: 15000 });
  const url = await d.start();
  try {
    const admin = await d.as('admin');
    const sup = await d.as('super1');
    await admin.put('/agents/3/state', { state: 'ready' });

    // the app: the wallboard in Chromium, timed in the page
    const page = await newPage();
    await login(page, url, 'super1');
    await page.waitForSelector('html[data-live="open"]');
    await page.waitForSelector('#wb-a-3');
    await page.waitForTimeout(500); // the snapshot the stream's opening asked for
    const app = [];
    for (let i = 0; i < ROUNDS; i++) {
      const body = i % 2 === 0 ? { state: 'not_ready', reason: 101 } : { state: 'ready' };
      const want = i % 2 === 0 ? 'not-ready' : 'ready';
      const ms = await page.evaluate(async ([token, b, w]) => {
        // the agents' panel may be redrawn from a snapshot meanwhile: watch all of it
        const box = document.getElementById('wb-agents');
        let done;
        const seen = new Promise((r) => { done = r; });
        const obs = new MutationObserver(() => {
          const card = document.getElementById('wb-a-3');
          if (card && card.dataset.state === w) done(performance.now());
        });
        obs.observe(box, { attributes: true, attributeFilter: ['data-state'], childList: true, subtree: true });
        const t0 = performance.now();
        const r = await fetch('/api/v1/agents/3/state', { method: 'PUT', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' }, body: JSON.stringify(b) });
        if (r.status !== 200) throw new Error('PUT ' + r.status);
        const t1 = await Promise.race([seen, new Promise((_, rej) => setTimeout(() => rej(new Error('not shown within 5 s')), 5000))]);
        obs.disconnect();
        return t1 - t0;
      }, [admin.token, body, want]);
      app.push(ms);
    }
    await page.context().close();

    // the reference: the same change, the event read from the bare stream
    const ref = [];
    const events = await new Promise((resolve, reject) => {
      const req = http.get(url + 'api/v1/events', { headers: { Authorization: 'Bearer ' + sup.token } }, resolve);
      req.on('error', reject);
    });
    events.setEncoding('utf8');
    let buf = '';
    let waiter = null;
    events.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (waiter && /event: agent-state/.test(frame) && /"agent":3\b/.test(frame) && frame.includes(`"to":"${waiter.want}"`)) {
          const w = waiter;
          waiter = null;
          w.resolve(performance.now());
        }
      }
    });
    for (let i = 0; i < ROUNDS; i++) {
      const body = i % 2 === 0 ? { state: 'not_ready', reason: 101 } : { state: 'ready' };
      const want = i % 2 === 0 ? 'not-ready' : 'ready';
      const seen = new Promise((resolve) => { waiter = { want, resolve }; });
      const t0 = performance.now();
      const r = await admin.put('/agents/3/state', body);
      if (r.status !== 200) throw new Error('PUT ' + r.status);
      ref.push((await seen) - t0);
    }
    events.destroy();

    for (const p of [50, 99]) {
      const v = pct(app, p), r = pct(ref, p);
      console.log(JSON.stringify({ name: `wallboard_change_to_screen_p${p}`, value: +v.toFixed(2), unit: 'ms', reference: +r.toFixed(2), ratio: +(r / v).toFixed(3) }));
    }
    log(`bench_wallboard: ${ROUNDS} changes; app p50 ${pct(app, 50).toFixed(1)} ms p99 ${pct(app, 99).toFixed(1)} ms max ${Math.max(...app).toFixed(1)} ms; bare SSE p50 ${pct(ref, 50).toFixed(1)} ms p99 ${pct(ref, 99).toFixed(1)} ms`);
    log('(both include the HTTP request and the commit; the difference is the browser and the app)');
  } finally {
    await closeBrowser();
    await d.stop();
    d.cleanup();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
