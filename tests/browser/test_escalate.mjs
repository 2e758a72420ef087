// test_escalate: an agent escalates a call to the team leads from the desktop (calls from the demo traffic: see below).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, callSource, newPage, login, until, closeBrowser } from './harness.mjs';

/*
 * The demo traffic's callers, not SIP: with a SIP call the daemon does not
 * release the agent's phone when the call moves to another queue (no
 * ACD_EV_CALL_TRANSFER case in src/server/telephony.c), so the real-SIP
 * flow is in test_desktop.mjs without the escalation.
 */
const source = callSource();
const d = new Daemon(source.settings);
let url;

before(async () => { url = await d.start(); });
after(async () => { await closeBrowser(); await d.stop(); d.cleanup(); });

test('an agent takes a call, notes, escalates to the team lead, wraps up; the record holds the escalation', async () => {
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
  await page.click('#wrap-submit');
  // ready again (the next demo caller may ring at once)
  await until(async () => ['Ready', 'Ringing'].includes(await page.textContent('#agent-state')), 10000, 'ready after wrap-up');

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

