// test_wallboard: the wallboard's colours, alerts, figures and chart follow live SIP callers (waiting, a short abandon, answered late).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, newPage, login, until, closeBrowser } from './harness.mjs';
import { Phone, Caller } from './sip.mjs';

const d = new Daemon({ sip: '127.0.0.1:0' });
let url;
const sipps = [];

before(async () => { url = await d.start(); });
after(async () => {
  for (const s of sipps) s.close();
  await closeBrowser();
  await d.stop();
  d.cleanup();
});

const RED = 'rgb(161, 26, 26)'; // --alert in app.css
const AMBER_BG = 'rgb(255, 241, 204)'; // --warn-bg
/* The computed style of what a locator finds (the tiles are redrawn every second: retried on a detached element). */
const style = (loc, prop, want) => until(async () => (await loc.evaluate((e, p) => (e.isConnected ? getComputedStyle(e)[p] : ''), prop)) === want, 3000, `${prop} ${want}`);

test('a caller waits: amber, then red and an alert; a short abandon; answered late: SL below target in red; the chart shows the calls', async () => {
  const admin = await d.as('admin');
  const sup = await d.as('super1');
  // general's service-level threshold down to 4 s so the colours change within seconds (amber from 2 s, red from 4 s)
  assert.equal((await admin.put('/queues/1', { sl_threshold_ms: 4000 })).status, 200);
  const phone = await Phone.start(d.sip, '1002');
  sipps.push(phone);
  const agent = await d.as('agent2');
  assert.equal((await agent.put('/me/state', { state: 'not_ready', reason: 101 })).status, 200);

  const page = await newPage();
  await login(page, url, 'super1');
  await page.waitForSelector('#wb-q-1');
  const tile = page.locator('#wb-q-1');
  const waitMetric = tile.locator('.metric').first();
  assert.equal(await tile.getAttribute('data-level'), 'ok');
  await page.waitForSelector('#wb-chart-empty');
  assert.match(await page.textContent('#wb-alerts'), /No threshold crossed/);

  // a caller waits: amber at half the threshold, red at the threshold, with an alert
  const caller = await Caller.start(d.sip, '100', '+4930555000222');
  sipps.push(caller);
  await caller.answered();
  await until(async () => (await tile.getAttribute('data-waiting')) === '1', 10000, 'waiting');
  await until(async () => (await tile.getAttribute('data-level')) === 'warn', 5000, 'amber');
  await style(waitMetric, 'backgroundColor', AMBER_BG);
  assert.match(await tile.locator('.longest').textContent(), /^0:0[2-4]$/);
  await until(async () => (await tile.getAttribute('data-level')) === 'alert', 5000, 'red');
  await style(waitMetric.locator('.value'), 'color', RED);
  await page.waitForSelector('#wb-alerts li');
  assert.match(await page.textContent('#wb-alerts li'), /general: a caller has waited 0:0[4-5]/);

  // a second caller gives up after a second: a short abandon
  const quitter = await Caller.start(d.sip, '100', '+4930555000333');
  sipps.push(quitter);
  await quitter.answered();
  await until(async () => (await tile.getAttribute('data-waiting')) === '2', 10000, 'two waiting');
  await quitter.hangUp();
  await quitter.done();
  await until(async () => (await tile.getAttribute('data-waiting')) === '1', 10000, 'one waiting again');
  await until(async () => /^1 \(1 short\)/.test(await tile.locator('dd').nth(3).textContent()), 5000, 'the short abandon');

  // agent2 goes ready and answers: nobody waits, green again; answered after the threshold: SL 0 % against 80 %, red
  assert.equal((await agent.put('/me/state', { state: 'ready' })).status, 200);
  await phone.ringing();
  await phone.pickUp();
  await until(async () => (await tile.locator('[data-role=answered]').textContent()) === '1', 10000, 'answered');
  await until(async () => (await tile.getAttribute('data-level')) === 'ok', 5000, 'green');
  const q = (await sup.get('/wallboard')).body.queues.find((x) => x.id === 1);
  assert.equal(q.today.offered, 2);
  assert.equal(q.today.abandoned_short, 1);
  assert.equal(q.today.sl_excl_short, 0);
  const sl = tile.locator('[data-role=sl]');
  assert.equal(await sl.textContent(), '0\u00a0%');
  await style(sl, 'color', RED);
  assert.match(await tile.locator('.metric').nth(2).locator('.label').textContent(), /SL excl\. short · target 80/);
  // ASA as the daemon has it
  const asa = Math.floor(q.today.asa_ms / 1000);
  assert.equal(await tile.locator('dd').nth(2).textContent(), `0:${String(asa).padStart(2, '0')}`);
  // the other variant: of all calls offered, the abandon counts
  await page.selectOption('#wb-variant', 'sl_offered');
  await until(async () => /SL offered · target 80/.test(await tile.locator('.metric').nth(2).locator('.label').textContent()), 3000, 'variant');
  assert.equal(await sl.textContent(), '0\u00a0%');
  // the agent's card: talking, on general
  assert.equal(await page.getAttribute('#wb-a-2', 'data-state'), 'talking');
  assert.equal(await page.textContent('#wb-a-2 .agent-card-call'), 'general');

  // the caller hangs up: the chart draws today's calls (re-read after the call, not only every 15 s)
  await caller.hangUp();
  await caller.done();
  await phone.done();
  const iv = await until(async () => {
    const r = (await sup.get('/intervals')).body;
    const offered = r.items.reduce((a, x) => a + x.offered, 0);
    return offered === 2 ? r : null;
  }, 10000, 'the intervals counting both calls');
  const answered = iv.items.reduce((a, x) => a + x.answered, 0);
  await page.waitForSelector('#wb-chart canvas', { timeout: 10000 });
  await until(async () => (await page.getAttribute('#wb-chart', 'data-offered')) === '2', 10000, 'the chart with both calls');
  assert.equal(await page.getAttribute('#wb-chart', 'data-answered'), String(answered));
  // one queue in the chart: another queue has none
  await page.selectOption('#wb-chart-queue', '2');
  await page.waitForSelector('#wb-chart-empty');
  await page.selectOption('#wb-chart-queue', '1');
  await until(async () => (await page.getAttribute('#wb-chart', 'data-offered')) === '2', 10000, 'general alone');

  assert.deepEqual(await page.evaluate(() => window.__sbMissing || []), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
