// test_escalate: a real SIP call escalated from the agent's desktop to the team lead, who sees the call in the team view
// (caller, duration) and the escalation in the inbox, takes it and whose phone rings.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, newPage, login, until, closeBrowser } from './harness.mjs';
import { Phone, Caller } from './sip.mjs';

// SIP on any free port; no demo traffic: the only call is the test's SIPp caller
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

const state = (page) => page.textContent('#agent-state');

test('an agent escalates a real SIP call; the lead sees it in the inbox, takes it, their phone rings; the records hold it all', async () => {
  const sup = await d.as('super1');
  const customer = await customerWithOwnNumber(sup);
  // agent1's phone (1001) and lead1's phone (1101: lead1 is an agent of the team-leads group too)
  const phone = await Phone.start(d.sip, '1001');
  sipps.push(phone);
  const leadPhone = await Phone.start(d.sip, '1101');
  sipps.push(leadPhone);

  // lead1 watches the team page: the inbox is empty
  const lead = await newPage();
  await login(lead, url, 'lead1');
  await lead.waitForSelector('#escalations');
  assert.equal(await lead.textContent('#esc-count'), '0');

  const page = await newPage();
  await login(page, url, 'agent1');
  await page.waitForSelector('#agent-state');
  await page.click('#btn-ready');
  await until(async () => (await state(page)) === 'Ready', 10000, 'ready');

  const caller = await Caller.start(d.sip, '100', customer.phone);
  sipps.push(caller);
  await caller.answered();
  await phone.ringing();
  await page.waitForSelector('#incoming:not([hidden])', { timeout: 20000 });
  const api = await d.as('agent1');
  const call = (await api.get('/me/call')).body;
  assert.equal(call.customer_number, customer.phone);
  await page.waitForSelector('#customer-record');
  assert.equal(await page.textContent('#customer-name'), customer.name);

  // picked up on the phone; a note, then Alt+E: the escalation dialog wants a reason
  await phone.pickUp();
  await until(async () => (await state(page)) === 'Talking', 15000, 'talking');
  // the lead's team view shows the call as the wallboard does: the customer's name and number, a ticking duration
  const row = lead.locator('#team-table tr[data-agent="1"]');
  await until(async () => (await row.locator('.team-caller').textContent().catch(() => '')) === customer.name + ' (' + customer.phone + ')',
    10000, "the caller in the lead's team view");
  const dur0 = await row.locator('.team-call-dur').textContent();
  assert.match(dur0, /^\d/);
  await until(async () => (await row.locator('.team-call-dur').textContent()) !== dur0, 5000, 'the call duration ticking');
  await page.fill('#call-notes', 'Wants the card fee of 12 EUR refunded.');
  await page.keyboard.press('Alt+E');
  await page.waitForSelector('dialog[open] #escalate-reason');
  await page.click('#escalate-submit');
  assert.match(await page.textContent('#escalate-reason-err'), /reason/i);
  await page.fill('#escalate-reason', 'Fee refund above my limit');
  await page.click('#escalate-submit');
  await until(async () => (await state(page)) === 'Wrap-up', 10000, 'wrap-up');
  // the daemon hangs up the agent's phone; the caller stays on, waiting for the leads
  await phone.done();
  assert.ok(caller.sipp.running(), 'the caller is still on the line');

  // wrap-up with the disposition
  await page.waitForSelector('#wrap-form');
  await page.selectOption('#wrap-disposition', { label: 'Escalated to a team lead *' });
  await page.fill('#wrap-notes', 'Passed to the lead: fee refund.');
  await page.click('#wrap-submit');
  await until(async () => (await state(page)) === 'Ready', 10000, 'ready after wrap-up');
  assert.equal((await api.put('/me/state', { state: 'logged_out' })).status, 200);

  // the lead's inbox shows it live: who, why, waiting; "take the call"
  const item = lead.locator('#esc-list li').first();
  await until(async () => (await lead.textContent('#esc-count')) === '1', 10000, 'the escalation in the inbox');
  assert.match(await item.textContent(), /Fee refund above my limit/);
  assert.match(await item.textContent(), /waiting for a lead/);
  const esc = (await sup.get('/escalations')).body.items.find((e) => e.call_id === call.call_id);
  assert.equal(esc.status, 'open');
  // the time in the site's zone (Europe/Berlin), not the browser's (UTC)
  const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(new Date(esc.time));
  assert.match(await item.textContent(), new RegExp('^Agent 1 · ' + berlin + ' · '));
  assert.equal(await item.getAttribute('data-escalation'), String(esc.id));
  // the waiting caller shows in the lead's queues too
  await until(async () => (await lead.textContent('#overflow tr[data-queue="5"] td')) === '1', 10000, 'the caller waiting in team-leads');
  await item.locator('button.primary').click();

  // the lead becomes ready, the router offers the call: lead1's phone rings and the desktop announces it with the reason
  await lead.waitForSelector('#agent-state');
  await leadPhone.ringing();
  await lead.waitForSelector('#incoming:not([hidden])', { timeout: 10000 });
  assert.equal(await lead.textContent('#incoming-number'), customer.phone);
  assert.match(await lead.textContent('#incoming-queue'), /team-leads/);
  assert.equal(await lead.textContent('#call-escalation'), 'Fee refund above my limit');
  await leadPhone.pickUp();
  await until(async () => (await state(lead)) === 'Talking', 15000, 'the lead talking');
  assert.equal(await lead.textContent('#call-escalation'), 'Fee refund above my limit');
  await until(async () => (await sup.get('/escalations')).body.items.find((e) => e.id === esc.id).status === 'taken', 10000, 'taken');

  // the caller hangs up: both ends closed, the lead wraps up
  await caller.hangUp();
  await caller.done();
  await leadPhone.done();
  await until(async () => (await state(lead)) === 'Wrap-up', 10000, 'the lead in wrap-up');
  await lead.selectOption('#wrap-disposition', { label: 'Information given' });
  await lead.click('#wrap-submit');
  await until(async () => ['Ready', 'Logged out'].includes(await state(lead)), 10000, 'the lead out of wrap-up');

  // the records: the agent's segment (transferred, disposition ESC-LEAD), the lead's segment after it
  const recs = (await sup.get('/contacts?limit=20')).body.items.filter((c) => c.call_id === call.call_id);
  const mine = recs.find((c) => c.agent_id === 1);
  const theirs = recs.find((c) => c.queue_id === 5);
  assert.ok(mine && theirs, JSON.stringify(recs));
  assert.equal(mine.customer_id, customer.id);
  assert.equal(mine.notes, 'Passed to the lead: fee refund.');
  assert.equal(mine.disposition, 'ESC-LEAD');
  assert.equal(mine.disconnect_reason, 'transferred');
  assert.equal(theirs.previous_id, mine.id);
  assert.equal(theirs.disposition, 'RES-INFO');
  assert.equal(theirs.disconnect_reason, 'customer_disconnect');
  const done = (await sup.get('/escalations')).body.items.find((e) => e.id === esc.id);
  assert.equal(done.reason, 'Fee refund above my limit');
  assert.equal(done.from_agent_id, 1);
  assert.equal(done.status, 'taken');
  assert.equal(done.taken_by_name, 'Lead 1');

  // back on the team page, the lead closes it: it leaves the inbox
  await lead.goto(url + '#/team');
  await until(async () => (await lead.textContent('#esc-count')) === '1', 10000, 'the taken escalation listed');
  assert.match(await lead.textContent('#esc-list li'), / · taken by Lead 1/);
  assert.equal(await lead.locator('#esc-list li button.primary').count(), 0, 'nobody waits: no "take the call"');
  await lead.locator('#esc-list li').first().locator('button:not(.primary)').click();
  await until(async () => (await lead.textContent('#esc-count')) === '0', 10000, 'closed');
  assert.equal((await sup.get('/escalations')).body.items.find((e) => e.id === esc.id).status, 'closed');

  for (const p of [page, lead]) {
    assert.deepEqual(await p.evaluate(() => window.__sbMissing || []), []);
    assert.deepEqual(p.problems, []);
    await p.context().close();
  }
});

test('a team lead takes a waiting call from the queues panel: their phone rings, the desktop announces it', async () => {
  const leadApi = await d.as('lead1');
  // the lead is not ready (taking makes them ready); nobody else serves the queues
  assert.equal((await leadApi.put('/me/state', { state: 'not_ready', reason: 101 })).status, 200);
  const leadPhone = await Phone.start(d.sip, '1101');
  sipps.push(leadPhone);
  const lead = await newPage();
  await login(lead, url, 'lead1');
  await lead.waitForSelector('#overflow tr[data-queue="2"]');
  const row = lead.locator('#overflow tr[data-queue="2"]');
  assert.equal(await row.locator('td').first().textContent(), '0');
  assert.equal(await row.locator('button').count(), 0, 'nothing to take while nobody waits');

  // a caller waits in billing (number 101)
  const caller = await Caller.start(d.sip, '101', '+4930555000444');
  sipps.push(caller);
  await caller.answered();
  await until(async () => (await row.locator('td').first().textContent()) === '1', 10000, 'the caller waiting in billing');
  await until(async () => /^0:0\d$/.test(await row.locator('td').nth(1).textContent()), 5000, 'the wait shown');
  await row.locator('button', { hasText: 'Take a call' }).click();

  // the lead is ready now, the router offers the call to them: phone and desktop ring
  await leadPhone.ringing();
  await lead.waitForSelector('#incoming:not([hidden])', { timeout: 10000 });
  assert.equal(await lead.textContent('#incoming-number'), '+4930555000444');
  assert.match(await lead.textContent('#incoming-queue'), /billing/);
  assert.equal(await lead.locator('#call-escalation').count(), 0, 'not an escalation');
  await leadPhone.pickUp();
  await until(async () => (await state(lead)) === 'Talking', 15000, 'the lead talking');
  const call = (await leadApi.get('/me/call')).body;
  assert.equal(call.queue_id, 2);
  await caller.hangUp();
  await caller.done();
  await leadPhone.done();
  await until(async () => (await state(lead)) === 'Wrap-up', 10000, 'wrap-up');
  await lead.selectOption('#wrap-disposition', { label: 'Information given' });
  await lead.click('#wrap-submit');
  await until(async () => (await state(lead)) === 'Ready', 10000, 'ready');
  const sup = await d.as('super1');
  const rec = (await sup.get('/contacts?limit=20')).body.items.find((c) => c.call_id === call.call_id);
  assert.equal(rec.agent_id, (await leadApi.get('/me/agent')).body.agent_id);
  assert.equal(rec.disposition, 'RES-INFO');
  assert.deepEqual(lead.problems, []);
  await lead.context().close();
});
