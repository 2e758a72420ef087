// test_desktop: an agent's real SIP call from start to end in the browser, the supervisor's wallboard watching a SIP caller wait, and a voicemail called back (the message played on the desktop).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, newPage, login, until, screenshot, closeBrowser } from './harness.mjs';
import { Phone, Caller } from './sip.mjs';

// SIP on any free port; no demo traffic: the only calls are the tests' SIPp callers. Outside
// numbers (a callback's customer) go to the trunk: one phone of the test's that does not register.
let d, url, customerLine;
const sipps = []; // killed at the end if a test failed half-way

before(async () => {
  customerLine = await Phone.listen();
  sipps.push(customerLine);
  d = new Daemon({ sip: '127.0.0.1:0', trunk: '127.0.0.1:' + customerLine.port });
  url = await d.start();
});
after(async () => {
  for (const s of sipps) s.close();
  await closeBrowser();
  if (!d) return; // the customer's phone never started
  await d.stop();
  d.cleanup();
});

/* Demo customers whose number finds exactly them (the screen pop opens their record at once). */
async function customersWithOwnNumber(api, n) {
  const out = [];
  for (const c of (await api.get('/customers?limit=100')).body.items) {
    for (const phone of c.phones || []) {
      const hits = (await api.get('/customers?phone=' + encodeURIComponent(phone))).body.items;
      if (hits.length === 1 && hits[0].id === c.id) { out.push({ ...c, phone }); break; }
    }
    if (out.length === n) return out;
  }
  throw new Error('not enough demo customers with a number of their own');
}

test('an agent with a SIP phone takes a real call: screen pop, notes, hold, the caller hangs up, wrap-up; the record holds it all', async () => {
  const sup = await d.as('super1');
  const [customer] = await customersWithOwnNumber(sup, 1);
  // agent1's phone registers as extension 1001 (digest auth) and rings until the test picks it up
  const phone = await Phone.start(d.sip, '1001');
  sipps.push(phone);

  const page = await newPage();
  await login(page, url, 'agent1');
  await page.waitForSelector('#agent-state');
  assert.equal(await page.textContent('#agent-state'), 'Logged out');
  await page.click('#btn-ready');
  await until(async () => (await page.textContent('#agent-state')) === 'Ready', 10000, 'ready');

  // the customer calls the general number (100) from their own phone
  const caller = await Caller.start(d.sip, '100', customer.phone);
  sipps.push(caller);
  await caller.answered(); // the daemon answers at once: music while queued
  await phone.ringing(); // agent1's phone rings

  // the desktop announces the call with the caller's number and the queue
  await page.waitForSelector('#incoming:not([hidden])', { timeout: 20000 });
  const api = await d.as('agent1');
  const call = (await api.get('/me/call')).body;
  assert.equal(call.state, 'reserved');
  assert.equal(call.customer_number, customer.phone);
  assert.equal(call.queue_id, 1);
  assert.equal(await page.textContent('#incoming-number'), customer.phone);
  assert.match(await page.textContent('#incoming-queue'), new RegExp(call.queue_name));
  assert.equal(call.queue_name, 'general');
  // the screen pop: the customer with that number, opened at once
  await page.waitForSelector('#customer-record');
  assert.equal(await page.textContent('#customer-name'), customer.name);
  await screenshot(page, 'desktop-incoming');

  // the agent picks up the phone: the desktop follows
  await phone.pickUp();
  await until(async () => (await page.textContent('#agent-state')) === 'Talking', 15000, 'talking');
  await page.waitForSelector('#incoming', { state: 'hidden' });
  assert.equal(await page.textContent('#call-number'), customer.phone);
  // the script is filled in from the customer's record
  const first = customer.name.split(/\s+/)[0];
  await page.waitForSelector('#script-step');
  for (let i = 0; i < 4 && !(await page.textContent('#script-text')).includes(first); i++) {
    const next = page.locator('#script-panel .actions button').first();
    if (!(await next.count())) break;
    await next.click();
  }
  assert.ok((await page.textContent('#script-text')).includes(first), 'the script names the customer');

  // a note (saved to the call while talking), hold and resume
  await page.fill('#call-notes', 'Disputes the card fee of 12 EUR.');
  await until(async () => (await api.get('/me/call')).body.notes === 'Disputes the card fee of 12 EUR.', 10000, 'the note saved');
  await page.click('#btn-hold');
  await until(async () => (await page.textContent('#agent-state')) === 'On hold', 10000, 'hold');
  await page.click('#btn-hold');
  await until(async () => (await page.textContent('#agent-state')) === 'Talking', 10000, 'resume');
  await screenshot(page, 'desktop');

  // the caller hangs up: their BYE is answered, the daemon hangs up the agent's phone, wrap-up
  await caller.hangUp();
  await caller.done();
  await phone.done();
  await until(async () => (await page.textContent('#agent-state')) === 'Wrap-up', 10000, 'wrap-up');

  // wrap-up: the disposition is required
  await page.waitForSelector('#wrap-form');
  await page.click('#wrap-submit');
  assert.match(await page.textContent('#wrap-disposition-err'), /required/);
  await page.selectOption('#wrap-disposition', { label: 'Complaint about fees *' });
  await page.fill('#wrap-notes', 'Disputes the card fee of 12 EUR. Refund requested in writing.');
  await screenshot(page, 'desktop-wrapup');
  await page.click('#wrap-submit');
  await until(async () => (await page.textContent('#agent-state')) === 'Ready', 10000, 'ready after wrap-up');

  // the contact record holds it all: the caller's number and customer, the notes, the disposition, how it ended
  const recs = (await sup.get('/contacts?agent_id=1&limit=5')).body.items.filter((c) => c.call_id === call.call_id);
  assert.equal(recs.length, 1, JSON.stringify(recs));
  const rec = recs[0];
  assert.equal(rec.customer_number, customer.phone);
  assert.equal(rec.customer_id, customer.id);
  assert.equal(rec.queue_id, 1);
  assert.equal(rec.notes, 'Disputes the card fee of 12 EUR. Refund requested in writing.');
  assert.equal(rec.disposition, 'CMP-FEE');
  assert.equal(rec.disconnect_reason, 'customer_disconnect');
  assert.ok(rec.t_connected && rec.t_disconnected > rec.t_connected, JSON.stringify(rec));
  assert.ok(rec.hold_ms > 0 && rec.t_wrap_end > rec.t_wrap_start, JSON.stringify(rec));

  // "my day" counts the call
  await until(async () => (await page.textContent('#day-handled')) === '1', 10000, 'my day');
  assert.deepEqual(await page.evaluate(() => window.__sbMissing || []), []);
  assert.deepEqual(page.problems, []);
  // agent1 leaves: the next test's caller must wait
  assert.equal((await api.put('/me/state', { state: 'logged_out' })).status, 200);
  await page.context().close();
});

test('the wallboard shows a real SIP caller waiting, then answered when the agent goes ready', async () => {
  const sup = await d.as('super1');
  const [, customer] = await customersWithOwnNumber(sup, 2);
  // agent2 (serves general) is logged in, not ready, with a phone: the caller waits in general
  const phone = await Phone.start(d.sip, '1002');
  sipps.push(phone);
  const agent = await d.as('agent2');
  assert.equal((await agent.put('/me/state', { state: 'not_ready', reason: 101 })).status, 200);

  const page = await newPage();
  await login(page, url, 'super1');
  await page.waitForSelector('#wb-queues .tile');
  const tile = page.locator('#wb-q-1');
  assert.equal(await tile.getAttribute('data-waiting'), '0');
  const answered = Number(await tile.locator('[data-role=answered]').textContent());

  const caller = await Caller.start(d.sip, '100', customer.phone);
  sipps.push(caller);
  await caller.answered();
  await until(async () => (await tile.getAttribute('data-waiting')) === '1', 15000, 'the caller waiting in general');
  await until(async () => (await page.getAttribute('#wb-a-2', 'data-state')) === 'not-ready', 5000, 'agent 2 not ready');
  await screenshot(page, 'wallboard');

  // agent2 goes ready: their phone rings, they pick up
  assert.equal((await agent.put('/me/state', { state: 'ready' })).status, 200);
  await phone.ringing();
  const offered = (await agent.get('/me/call')).body;
  assert.equal(offered.customer_number, customer.phone);
  assert.equal(offered.queue_id, 1);
  await phone.pickUp();
  await until(async () => Number(await tile.locator('[data-role=answered]').textContent()) === answered + 1, 15000, 'the answer on the wallboard');
  await until(async () => (await tile.getAttribute('data-waiting')) === '0', 5000, 'nobody waiting');
  await until(async () => (await page.getAttribute('#wb-a-2', 'data-state')) === 'talking', 5000, 'agent 2 talking');

  // the big board
  await page.click('#wb-big');
  await page.waitForFunction(() => document.body.classList.contains('bigboard'));
  await page.waitForSelector('#wb-queues .tile');
  await screenshot(page, 'bigboard');
  assert.deepEqual(page.problems, []);

  // the caller hangs up: the phone is hung up too, agent2 goes to wrap-up
  await caller.hangUp();
  await caller.done();
  await phone.done();
  await until(async () => (await agent.get('/me/call')).body.state === 'wrap-up', 10000, 'agent 2 in wrap-up');
  const rec = await until(async () => (await sup.get('/contacts?agent_id=2&limit=5')).body.items.find((c) => c.call_id === offered.call_id && c.t_disconnected), 10000, 'the record');
  assert.equal(rec.disconnect_reason, 'customer_disconnect');
  assert.equal(rec.customer_number, customer.phone);
  assert.equal(rec.agent_id, 2);
  assert.ok(rec.t_connected && rec.t_enqueued < rec.t_connected, JSON.stringify(rec));
  await page.context().close();
});

test('a voicemail message is called back: the agent sees the note on the desktop and plays the message', async () => {
  const admin = await d.as('admin');
  const agent2 = await d.as('agent2');
  assert.equal((await agent2.put('/me/state', { state: 'logged_out' })).status, 200);
  // number 100 takes messages; its queue (general) is open, so each is called back at once
  const num = (await admin.get('/numbers')).body.items.find((n) => n.number === '100');
  const menu = { start: 'vm', nodes: { vm: { type: 'record', prompts: ['vm-intro'], max_ms: 30000, next: { hangup: true } } } };
  assert.equal((await admin.put(`/numbers/${num.id}/menu`, { menu })).status, 200);
  await new Promise((r) => setTimeout(r, 1500)); // the controller re-reads menus every second

  const phone = await Phone.start(d.sip, '1001');
  sipps.push(phone);
  const page = await newPage();
  await login(page, url, 'agent1');
  await page.waitForSelector('#agent-state');
  await page.click('#btn-ready');
  await until(async () => (await page.textContent('#agent-state')) === 'Ready', 10000, 'ready');

  // a caller leaves a message: the prompt (5.7 s), the tone, then hangs up
  const from = '+4930555' + String(100000 + Math.floor(Math.random() * 800000));
  const caller = await Caller.start(d.sip, '100', from);
  sipps.push(caller);
  await caller.answered();
  await new Promise((r) => setTimeout(r, 8000));
  await caller.hangUp();
  await caller.done();

  // the callback rings agent1's phone; on pick-up the customer is called through the trunk
  await phone.ringing();
  await phone.pickUp();
  await customerLine.ringing();
  await customerLine.pickUp();
  await until(async () => (await page.textContent('#agent-state')) === 'Talking', 15000, 'talking');
  await page.waitForSelector('#call-callback-message', { timeout: 15000 });
  assert.match(await page.textContent('#call-callback-note'), /voicemail waiting/);
  assert.equal(await page.textContent('#call-number'), from);
  // the player's source is the message, and the agent's session may fetch it
  const sup = await d.as('super1');
  const msg = await until(async () => (await sup.get('/contacts?limit=20')).body.items.find((c) => c.customer_number === from && c.attributes && c.attributes.kind === 'voicemail'), 10000, 'the message record');
  assert.equal(await page.getAttribute('#call-callback-message', 'src'), `/api/v1/qa/contacts/${msg.id}/recording`);
  const got = await page.evaluate(async () => {
    const r = await fetch(document.querySelector('#call-callback-message').src);
    return { status: r.status, type: r.headers.get('content-type'), size: (await r.arrayBuffer()).byteLength };
  });
  assert.equal(got.status, 200, JSON.stringify(got));
  assert.equal(got.type, 'audio/wav');
  assert.ok(got.size > 44, JSON.stringify(got));
  // the player survives the panel's redraws (here: hold and resume)
  const before = await page.evaluateHandle(() => document.querySelector('#call-callback-message'));
  await page.click('#btn-hold');
  await until(async () => (await page.textContent('#agent-state')) === 'On hold', 10000, 'hold');
  await page.click('#btn-hold');
  await until(async () => (await page.textContent('#agent-state')) === 'Talking', 10000, 'resume');
  assert.ok(await page.evaluate((el) => el === document.querySelector('#call-callback-message'), before), 'the same player');

  await page.click('#btn-hangup');
  await phone.done();
  await customerLine.done();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
