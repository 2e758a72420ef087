// test_wallboard: the wallboard's colours, alerts, figures and chart follow live SIP callers (waiting, a short abandon, answered
// late); an agent's current call shows the caller and a ticking duration; the service-level alert appears and clears.

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
/* A demo customer whose number finds exactly them. */
async function customerWithOwnNumber(api) {
  for (const c of (await api.get('/customers?limit=100')).body.items) {
    for (const phone of c.phones || []) {
      const hits = (await api.get('/customers?phone=' + encodeURIComponent(phone))).body.items;
      if (hits.length === 1 && hits[0].id === c.id) return { ...c, phone };
    }
  }
  throw new Error('no demo customer with a number of their own');
}
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
const secs = (text) => { const m = /^(\d+):(\d\d)$/.exec(text); return m ? Number(m[1]) * 60 + Number(m[2]) : NaN; };

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

  // a customer calls and waits: amber at half the threshold, red at the threshold, with an alert
  const customer = await customerWithOwnNumber(sup);
  const caller = await Caller.start(d.sip, '100', customer.phone);
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
  // and the caller: the customer's name found by their number, the number, the call's duration ticking
  const me = (await sup.get('/wallboard')).body.agents.find((x) => x.id === 2);
  assert.equal(me.caller_number, customer.phone);
  assert.ok(me.call_connected_at > 0 && me.call_ended_at === null, JSON.stringify(me));
  await until(async () => (await page.textContent('#wb-a-2 .agent-card-caller')) === `${customer.name} (${customer.phone})`, 5000, 'the caller\'s name');
  // the team lead's view shows the same caller (the name looked up the same way, callers.js)
  const lead = await newPage();
  await login(lead, url, 'lead1');
  await lead.waitForSelector('#team-table');
  await until(async () => (await lead.textContent('#team-table tr[data-agent="2"] .team-caller').catch(() => null)) === `${customer.name} (${customer.phone})`, 5000, 'the caller\'s name on the team view');
  await lead.context().close();
  const dur = page.locator('#wb-a-2 .agent-card-dur');
  const d0 = secs(await dur.textContent());
  assert.ok(d0 >= 0 && d0 <= Math.ceil((Date.now() - me.call_connected_at) / 1000) + 1, String(d0));
  await until(async () => secs(await dur.textContent()) >= d0 + 2, 5000, 'the duration ticking');

  // the caller hangs up: the chart draws today's calls (re-read after the call, not only every 15 s)
  await caller.hangUp();
  await caller.done();
  await phone.done();
  // wrap-up: the call's duration stops at its end
  const ended = await until(async () => {
    const x = (await sup.get('/wallboard')).body.agents.find((y) => y.id === 2);
    return x.state === 'wrap-up' && x.call_ended_at ? x : null;
  }, 10000, 'the call over');
  const total = Math.floor((ended.call_ended_at - ended.call_connected_at) / 1000);
  await until(async () => secs(await dur.textContent()) === total, 5000, 'the duration stopped');
  await sleep(1500);
  assert.equal(secs(await dur.textContent()), total);
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

test('the service-level alert: callers who give up after the threshold bring it, calls answered in time clear it', async () => {
  const admin = await d.as('admin');
  const sup = await d.as('super1');
  const agent = await d.as('agent2');
  // general: 6 s threshold, 40 % target, abandons up to 1 s short, no wrap-up (the agent takes call after call)
  assert.equal((await admin.put('/queues/1', { sl_threshold_ms: 6000, sl_target_pct: 40, short_abandon_ms: 1000, wrapup: 'none' })).status, 200);
  // agent2 ends the first test's wrap-up and takes a break
  await until(async () => {
    const st = (await sup.get('/wallboard')).body.agents.find((x) => x.id === 2).state;
    if (st === 'wrap-up') await agent.post('/me/wrapup', { disposition_id: 1 });
    return st !== 'wrap-up';
  }, 20000, 'wrap-up over');
  assert.equal((await agent.put('/me/state', { state: 'not_ready', reason: 101 })).status, 200);
  let q = (await sup.get('/wallboard')).body.queues.find((x) => x.id === 1);
  assert.deepEqual([q.today.offered, q.today.answered, q.today.abandoned, q.today.abandoned_short], [2, 1, 1, 1]);

  const page = await newPage();
  await login(page, url, 'super1');
  await page.waitForSelector('#wb-q-1');
  const tile = page.locator('#wb-q-1');
  assert.match(await page.textContent('#wb-alerts'), /No threshold crossed/);
  const slActive = page.locator('#wb-alerts li.alert-active[data-kind=sl][data-queue="1"]');
  const slCleared = page.locator('#wb-alerts li.alert-cleared[data-kind=sl][data-queue="1"]');

  // three callers wait past the threshold and give up: 5 offered, none answered in time
  const quitters = [];
  for (let i = 0; i < 3; i++) {
    const c = await Caller.start(d.sip, '100', '+49305550004' + i + '1');
    sipps.push(c);
    quitters.push(c);
  }
  for (const c of quitters) await c.answered();
  await until(async () => (await tile.getAttribute('data-waiting')) === '3', 10000, 'three waiting');
  await sleep(7000);
  for (const c of quitters) await c.hangUp();
  for (const c of quitters) await c.done();
  await until(async () => (await tile.getAttribute('data-waiting')) === '0', 10000, 'nobody waiting');
  q = (await sup.get('/wallboard')).body.queues.find((x) => x.id === 1);
  assert.deepEqual([q.today.offered, q.today.abandoned, q.today.abandoned_short, q.today.sl_excl_short], [5, 4, 1, 0]);
  await until(async () => (await slActive.count()) === 1, 5000, 'the service-level alert');
  assert.match(await slActive.textContent(), /general: service level 0\u00a0% below target 40\u00a0%/);
  assert.equal(await slCleared.count(), 0);
  assert.equal(await page.textContent('#wb-alerts-n'), '1'); // the wait alert cleared when nobody waited any more
  assert.equal(await page.locator('#wb-alerts li.alert-cleared[data-kind=wait]').count(), 1);

  // agent2 answers three callers one after another, each in time: 3 of 7 (43 %) is on target again, the alert clears
  for (let i = 0; i < 3; i++) {
    const phone = await Phone.start(d.sip, '1002');
    sipps.push(phone);
    await until(async () => {
      const st = (await sup.get('/wallboard')).body.agents.find((x) => x.id === 2).state;
      if (st !== 'ready') await agent.put('/me/state', { state: 'ready' });
      return st === 'ready';
    }, 10000, 'ready');
    const c = await Caller.start(d.sip, '100', '+49305550005' + i + '1');
    sipps.push(c);
    await phone.ringing();
    await phone.pickUp();
    await until(async () => (await tile.locator('[data-role=answered]').textContent()) === String(2 + i), 10000, 'answered');
    await c.hangUp();
    await c.done();
    await phone.done();
    if (i < 2) assert.equal(await slActive.count(), 1, 'still below target after ' + (i + 1));
  }
  q = (await sup.get('/wallboard')).body.queues.find((x) => x.id === 1);
  assert.equal(q.today.answered_within, 3, JSON.stringify(q.today));
  assert.ok(q.today.sl_excl_short * 100 >= 40, JSON.stringify(q.today));
  await until(async () => (await slCleared.count()) === 1 && (await slActive.count()) === 0, 5000, 'the alert cleared');
  assert.match(await slCleared.textContent(), /cleared \d\d:\d\d:\d\d/);
  assert.equal(await page.locator('#wb-alerts-n').count(), 0);
  assert.equal(await tile.locator('[data-role=sl]').textContent(), '43\u00a0%');

  assert.deepEqual(await page.evaluate(() => window.__sbMissing || []), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
