// test_desktop: an agent's call from start to end in the browser, and the supervisor's wallboard watching it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, callSource, newPage, login, until, screenshot, closeBrowser } from './harness.mjs';

const source = callSource();
const d = new Daemon(source.settings);
let url;

before(async () => { url = await d.start(); });
after(async () => { await closeBrowser(); await d.stop(); d.cleanup(); });

test('an agent logs in, takes a call with screen pop, notes, escalates, wraps up; the record holds it all', async () => {
  const page = await newPage();
  await login(page, url, 'agent1');
  await page.waitForSelector('#agent-state');
  assert.equal(await page.textContent('#agent-state'), 'Logged out');
  await page.click('#btn-ready');
  // ready; a caller may be waiting already, then the phone rings at once
  await until(async () => ['Ready', 'Ringing'].includes(await page.textContent('#agent-state')), 10000, 'ready');

  // a call arrives: announced with the caller's number and the queue
  await source.placeCall();
  await page.waitForSelector('#incoming:not([hidden])', { timeout: 60000 });
  const api = await d.as('agent1');
  const call = (await api.get('/me/call')).body;
  assert.equal(call.state, 'reserved');
  assert.equal(await page.textContent('#incoming-number'), call.customer_number);
  assert.match(await page.textContent('#incoming-queue'), new RegExp(call.queue_name));
  await screenshot(page, 'desktop-incoming');

  // the screen pop shows the customer(s) with that number, as the API finds them
  const matches = (await api.get('/customers?phone=' + encodeURIComponent(call.customer_number))).body.items;
  let customer;
  if (matches.length === 1) {
    await page.waitForSelector('#customer-record');
    assert.equal(await page.textContent('#customer-name'), matches[0].name);
    customer = matches[0];
  } else if (matches.length > 1) {
    await page.waitForSelector('#customer-picker');
    assert.equal(await page.locator('#customer-picker li').count(), matches.length);
    await page.locator('#customer-picker li button').first().click();
    await page.waitForSelector('#customer-record');
    customer = matches[0];
  } else {
    // nobody has the number: the quick "new customer" form, number filled in
    await page.waitForSelector('#new-customer');
    assert.equal(await page.inputValue('#new-phone'), call.customer_number);
    await page.fill('#new-name', 'Nora Newcaller');
    await page.click('#new-customer-submit');
    await page.waitForSelector('#customer-record');
    assert.equal(await page.textContent('#customer-name'), 'Nora Newcaller');
    customer = (await api.get('/customers?phone=' + encodeURIComponent(call.customer_number))).body.items[0];
  }

  // answer from the desktop (the agent has no phone here)
  await page.click('#btn-answer');
  await until(async () => (await page.textContent('#agent-state')) === 'Talking', 10000, 'talking');
  await page.waitForSelector('#incoming', { state: 'hidden' });
  // the script is filled in from the customer's record
  const first = customer.name.split(/\s+/)[0];
  await page.waitForSelector('#script-step');
  for (let i = 0; i < 4 && !(await page.textContent('#script-text')).includes(first); i++) {
    const next = page.locator('#script-panel .actions button').first();
    if (!(await next.count())) break;
    await next.click();
  }
  assert.ok((await page.textContent('#script-text')).includes(first), 'the script names the customer');

  // a note, hold and resume, then escalate to the team lead
  await page.fill('#call-notes', 'Disputes the card fee of 12 EUR.');
  await page.click('#btn-hold');
  await until(async () => (await page.textContent('#agent-state')) === 'On hold', 10000, 'hold');
  await page.click('#btn-hold');
  await until(async () => (await page.textContent('#agent-state')) === 'Talking', 10000, 'resume');
  await screenshot(page, 'desktop');
  await page.keyboard.press('Alt+E');
  await page.fill('#escalate-reason', 'Fee refund above my limit');
  await page.click('#escalate-submit');
  await until(async () => (await page.textContent('#agent-state')) === 'Wrap-up', 10000, 'wrap-up');

  // wrap-up: the disposition is required
  await page.waitForSelector('#wrap-form');
  await page.click('#wrap-submit');
  assert.match(await page.textContent('#wrap-disposition-err'), /required/);
  await page.selectOption('#wrap-disposition', { label: 'Escalated to a team lead *' });
  await page.fill('#wrap-notes', 'Disputes the card fee of 12 EUR. Passed to the lead.');
  await screenshot(page, 'desktop-wrapup');
  await page.click('#wrap-submit');
  await until(async () => (await page.textContent('#agent-state')) === 'Ready', 10000, 'ready after wrap-up');

  // the contact record holds it all: the segment, the customer, the notes, the disposition, the escalation
  const sup = await d.as('super1');
  const recs = (await sup.get('/contacts?agent_id=1&limit=5')).body.items.filter((c) => c.call_id === call.call_id);
  assert.equal(recs.length, 1, JSON.stringify(recs));
  const rec = recs[0];
  assert.equal(rec.customer_id, customer.id);
  assert.equal(rec.notes, 'Disputes the card fee of 12 EUR. Passed to the lead.');
  assert.equal(rec.disposition, 'ESC-LEAD');
  assert.equal(rec.disconnect_reason, 'transferred');
  assert.ok(rec.hold_ms >= 0 && rec.t_wrap_end > rec.t_wrap_start);
  const esc = (await sup.get('/escalations')).body.items.find((e) => e.call_id === call.call_id);
  assert.ok(esc, 'the escalation is recorded');
  assert.equal(esc.reason, 'Fee refund above my limit');
  assert.equal(esc.from_agent_id, 1);
  assert.equal(esc.queue_id, 5);
  // the call waits for the team leads now
  const next = (await sup.get('/contacts?limit=20')).body.items.find((c) => c.call_id === call.call_id && c.queue_id === 5);
  assert.ok(next && next.previous_id === rec.id, 'the escalated segment follows the agent\'s');

  // "my day" counts the call
  await until(async () => (await page.textContent('#day-handled')) === '1', 10000, 'my day');
  assert.deepEqual(await page.evaluate(() => window.__sbMissing || []), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the wallboard shows a call waiting, then answered', async () => {
  const page = await newPage();
  await login(page, url, 'super1');
  await page.waitForSelector('#wb-queues .tile');
  // agent2 serves general (queue 1) and is logged out: calls wait there
  const tile = page.locator('#wb-q-1');
  await until(async () => Number(await tile.getAttribute('data-waiting')) >= 1, 60000, 'a caller waiting in general');
  const answered = Number(await tile.locator('[data-role=answered]').textContent());
  await screenshot(page, 'wallboard');

  // agent2 takes a call through the API, as a phone would
  const agent = await d.as('agent2');
  assert.equal((await agent.put('/me/state', { state: 'ready' })).status, 200);
  const offered = await until(async () => { const r = await agent.get('/me/call'); return r.status === 200 && r.body.call_id && r.body; }, 20000, 'an offer');
  assert.equal((await agent.post('/me/call/answer', { call_id: offered.call_id })).status, 200);
  const tileOf = page.locator(`#wb-q-${offered.queue_id}`);
  const before = offered.queue_id === 1 ? answered : null;
  await until(async () => {
    const n = Number(await tileOf.locator('[data-role=answered]').textContent());
    return before === null ? n >= 1 : n === before + 1;
  }, 5000, 'the answer on the wallboard');
  // agent2's card shows them talking
  await until(async () => (await page.getAttribute('#wb-a-2', 'data-state')) === 'talking', 5000, 'agent 2 talking');

  // the big board
  await page.click('#wb-big');
  await page.waitForFunction(() => document.body.classList.contains('bigboard'));
  await page.waitForSelector('#wb-queues .tile');
  await screenshot(page, 'bigboard');
  assert.deepEqual(page.problems, []);
  await agent.post('/me/call/hangup');
  await page.context().close();
});
