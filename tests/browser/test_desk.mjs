// test_desk: the agent desktop's tools on real SIP calls: the customer picker and a new customer, history and callbacks,
// script branches, knowledge search, the callback and referral dialogs, the wrap-up countdown and a disposition given late.

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

const ZONE = 'Europe/Berlin'; // the demo site's; the browser runs in UTC
const state = (page) => page.textContent('#agent-state');
/* "dd/mm/yyyy, hh:mm" as the app shows an instant (en-GB, the site's zone). */
const siteDateTime = (ms) => new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
/* The instant of a wall-clock time in the site's zone. */
function siteInstant(y, mo, day, hh, mm) {
  const guess = Date.UTC(y, mo - 1, day, hh, mm);
  const off = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, timeZoneName: 'longOffset' }).formatToParts(new Date(guess)).find((p) => p.type === 'timeZoneName').value;
  const m = /GMT([+-])(\d\d):(\d\d)/.exec(off);
  const mins = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  return guess - mins * 60000;
}

/* A landline shared by several demo customers (a household), one of whom has past contacts agent1 may see. */
async function sharedNumber(api) {
  for (const c of (await api.get('/customers?limit=100')).body.items) {
    for (const phone of c.phones || []) {
      const hits = (await api.get('/customers?phone=' + encodeURIComponent(phone))).body.items;
      if (hits.length < 2) continue;
      for (const hit of hits) {
        const rec = (await api.get('/customers/' + hit.id)).body;
        if (rec.contacts.length) return { phone, hits, chosen: rec };
      }
    }
  }
  throw new Error('no shared number among the demo customers');
}

async function agentReady(name) {
  const page = await newPage();
  await login(page, url, name);
  await page.waitForSelector('#agent-state');
  if ((await state(page)) !== 'Ready') await page.click('#btn-ready');
  await until(async () => (await state(page)) === 'Ready', 10000, 'ready');
  return page;
}

test('a household number: the picker, the record with history and callbacks, script branches, knowledge, callback and referral dialogs, the wrap-up countdown and a late disposition', async () => {
  const api = await d.as('agent1');
  const { phone: number, hits, chosen } = await sharedNumber(api); // the record as agent1 sees it, before the call
  const phone = await Phone.start(d.sip, '1001');
  sipps.push(phone);
  const page = await agentReady('agent1');

  const caller = await Caller.start(d.sip, '100', number);
  sipps.push(caller);
  await phone.ringing();
  // several customers have the number: the picker lists them all
  await page.waitForSelector('#customer-picker');
  assert.match(await page.textContent('#customer-panel'), new RegExp(hits.length + ' customers have this number'));
  assert.equal(await page.locator('#customer-picker li').count(), hits.length);
  await page.locator('#customer-picker li button', { hasText: chosen.name }).click();
  await page.waitForSelector('#customer-record');
  assert.equal(await page.textContent('#customer-name'), chosen.name);
  await until(async () => (await api.get('/me/call')).body.customer_id === chosen.id, 5000, 'the call linked to the chosen customer');

  // the record's history: each past contact with its time in the site's zone, disposition and notes
  const hist = page.locator('#customer-history li');
  assert.equal(await hist.count(), chosen.contacts.length);
  assert.ok(chosen.contacts.length > 0, 'demo customers have past calls');
  for (let i = 0; i < chosen.contacts.length; i++) {
    const k = chosen.contacts[i];
    const text = await hist.nth(i).textContent();
    assert.ok(text.startsWith(siteDateTime(k.t_initiated)), `${text} starts with ${siteDateTime(k.t_initiated)}`);
    if (k.disposition) assert.ok(text.includes(k.disposition), text);
    if (k.notes) assert.ok(text.includes(k.notes), text);
  }
  assert.equal(await page.locator('#customer-callbacks').count(), 0, 'no open callbacks yet');

  await phone.pickUp();
  await until(async () => (await state(page)) === 'Talking', 15000, 'talking');

  // the general script: continue, branch, back, the other branch, fields filled from the record, start over
  const first = chosen.name.split(/\s+/)[0];
  const stepTitle = () => page.textContent('#script-step h3');
  assert.equal(await stepTitle(), 'Greeting');
  assert.match(await page.textContent('#script-text'), /my name is Agent\./);
  await page.click('#script-panel button:has-text("Continue")');
  assert.equal(await stepTitle(), 'Verify the member');
  assert.ok((await page.textContent('#script-text')).includes(chosen.external_ref));
  await page.click('#script-panel button.branch:has-text("Details do not match")');
  assert.equal(await stepTitle(), 'Could not verify');
  assert.ok((await page.textContent('#script-text')).startsWith(`I am sorry, ${first},`));
  await page.click('#script-panel button:has-text("Back")');
  assert.equal(await stepTitle(), 'Verify the member');
  await page.click('#script-panel button.branch:has-text("Details match")');
  await page.click('#script-panel button.branch:has-text("Card lost or stolen")');
  assert.equal(await stepTitle(), 'Block the card');
  const card = (chosen.items.product || [])[0];
  const marks = page.locator('#script-text mark');
  assert.equal(await marks.first().getAttribute('title'), 'account.product.reference');
  assert.equal(await marks.first().textContent(), card && card.reference ? card.reference : '…');
  await page.click('#script-panel button:has-text("Start over")');
  assert.equal(await stepTitle(), 'Greeting');

  // knowledge: Alt+K goes to the search; by words and category, as the API finds them
  await page.keyboard.press('Alt+K');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'kb-q');
  await page.keyboard.type('stolen card');
  await page.selectOption('#kb-cat', 'services');
  await page.keyboard.press('Enter');
  const kb = (await api.get('/knowledge?q=' + encodeURIComponent('stolen card') + '&category=services&limit=20')).body.items.filter((a) => a.category === 'services');
  assert.ok(kb.length > 0);
  await until(async () => (await page.locator('#kb-results li').count()) === kb.length, 5000, 'the knowledge results');
  assert.equal(await page.textContent('#kb-results li summary'), kb[0].title + ' Services');
  await page.click('#kb-results li summary');
  assert.ok(await page.isVisible('#kb-results li .kb-body'));
  await page.fill('#kb-q', 'zzzqqq nothing');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#kb-results p.muted');

  // a callback: the time offered is tomorrow in the site's zone; a missing number is named by the daemon
  await page.keyboard.press('Alt+B');
  await page.waitForSelector('dialog[open] #cb-due');
  const offered = await page.inputValue('#cb-due');
  const tomorrow = new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(Date.now() + 86400e3)).replace(' ', 'T');
  assert.ok(Math.abs(Date.parse(offered + 'Z') - Date.parse(tomorrow + 'Z')) <= 120000, `${offered} ~ ${tomorrow}`);
  assert.equal(await page.inputValue('#cb-number'), number);
  await page.fill('#cb-number', '');
  await page.click('#cb-submit');
  await until(async () => (await page.textContent('#cb-number-err')) !== '', 5000, 'the number refused');
  const [y, mo, day] = offered.slice(0, 10).split('-').map(Number);
  await page.fill('#cb-due', offered.slice(0, 10) + 'T10:30');
  await page.fill('#cb-number', number);
  await page.fill('#cb-notes', 'Call back about the new card.');
  await page.click('#cb-submit');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  const due = siteInstant(y, mo, day, 10, 30);
  await page.waitForSelector('#customer-callbacks li');
  assert.ok((await page.textContent('#customer-callbacks li')).startsWith(siteDateTime(due)));
  assert.match(await page.textContent('#customer-callbacks li'), /Call back about the new card\./);
  const cb = (await api.get('/customers/' + chosen.id)).body.callbacks;
  assert.equal(cb.length, 1);
  assert.equal(cb[0].due_at, due, 'due at 10:30 in Berlin');
  assert.equal(cb[0].number, number);

  // a referral: the product is required; counted in "my day" against the goal of 5
  assert.equal(await page.textContent('#day-referrals'), '0 of 5');
  await page.keyboard.press('Alt+F');
  await page.waitForSelector('dialog[open] #ref-product');
  await page.click('#ref-submit');
  assert.equal(await page.textContent('#ref-product-err'), 'Name the product.');
  await page.fill('#ref-product', 'Visa Gold');
  await page.click('#ref-submit');
  await until(async () => (await page.textContent('#day-referrals')) === '1 of 5', 5000, 'the referral counted');
  const refs = (await api.get('/referrals')).body.items;
  assert.equal(refs.length, 1);
  assert.equal(refs[0].product, 'Visa Gold');
  assert.equal(refs[0].customer_id, chosen.id);

  // the caller hangs up: wrap-up, timed (15 s in general): the countdown runs
  await caller.hangUp();
  await caller.done();
  await phone.done();
  await until(async () => (await state(page)) === 'Wrap-up', 10000, 'wrap-up');
  const call = (await api.get('/me/call')).body;
  assert.equal(call.wrapup, 'timed');
  const left = async () => { const m = /ends in 0:(\d\d)/.exec(await page.textContent('#wrap-countdown')); return m ? Number(m[1]) : -1; };
  const a = await until(left, 3000, 'the countdown');
  assert.ok(a > 5 && a <= 15, String(a));
  await until(async () => (await left()) < a, 3000, 'the countdown going down');
  // the agent chooses and types but does not finish: the time box ends wrap-up, the form stays for the record
  await page.selectOption('#wrap-disposition', { label: 'Card blocked or replacement ordered' });
  await page.fill('#wrap-notes', 'Card blocked, new one ordered.');
  await until(async () => (await state(page)) === 'Ready', 20000, 'ready when the wrap-up time is over');
  await page.waitForSelector('#late-form');
  assert.equal(await page.locator('#wrap-form').count(), 0);
  assert.match(await page.textContent('#late-text'), new RegExp('the call from \\' + number));
  assert.equal(await page.inputValue('#late-notes'), 'Card blocked, new one ordered.');
  let rec = (await api.get('/contacts/' + call.contact_id)).body;
  assert.equal(rec.disposition_id, null, 'the timer ended it without a disposition');
  // ... adds to the note, goes not ready (the form stays as typed) and saves it (Ctrl+Enter)
  await page.fill('#late-notes', 'Card blocked, new one ordered. Sent by post.');
  await page.click('#btn-not-ready');
  await until(async () => (await state(page)).startsWith('Not ready'), 5000, 'not ready');
  assert.equal(await page.inputValue('#late-notes'), 'Card blocked, new one ordered. Sent by post.');
  assert.equal(await page.inputValue('#late-disposition'), String((await api.get('/dispositions')).body.items.find((x) => x.code === 'RES-CARD').id));
  await page.focus('#late-notes');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#late-form', { state: 'detached' });
  rec = (await api.get('/contacts/' + call.contact_id)).body;
  assert.equal(rec.disposition, 'RES-CARD');
  assert.equal(rec.notes, 'Card blocked, new one ordered. Sent by post.');
  assert.equal(rec.customer_id, chosen.id);

  assert.deepEqual(await page.evaluate(() => window.__sbMissing || []), []);
  assert.deepEqual(page.problems, []);
  assert.equal((await api.put('/me/state', { state: 'logged_out' })).status, 200);
  await page.context().close();
});

test('an unknown number: "new customer" with the number filled in, then another customer found by name', async () => {
  const api = await d.as('agent2');
  const number = '+4930555000111';
  assert.equal((await api.get('/customers?phone=' + encodeURIComponent(number))).body.items.length, 0);
  const phone = await Phone.start(d.sip, '1002');
  sipps.push(phone);
  const page = await agentReady('agent2');
  const caller = await Caller.start(d.sip, '100', number);
  sipps.push(caller);
  await phone.ringing();
  await page.waitForSelector('#new-customer');
  assert.equal(await page.textContent('#no-match'), `No customer has the number ${number}.`);
  assert.equal(await page.inputValue('#new-phone'), number);
  await page.click('#new-customer-submit');
  assert.equal(await page.textContent('#new-name-err'), 'This field is required.');
  await page.fill('#new-name', 'Nora Newcaller');
  await page.fill('#new-email', 'nora@example.org');
  await page.click('#new-customer-submit');
  await page.waitForSelector('#customer-record');
  assert.equal(await page.textContent('#customer-name'), 'Nora Newcaller');
  const made = (await api.get('/customers?phone=' + encodeURIComponent(number))).body.items;
  assert.equal(made.length, 1);
  assert.equal(made[0].name, 'Nora Newcaller');
  assert.equal(made[0].email, 'nora@example.org');
  await until(async () => (await api.get('/me/call')).body.customer_id === made[0].id, 5000, 'linked');
  assert.match(await page.textContent('#customer-panel'), /No earlier contacts you may see\./);

  // not this customer after all: a search by name finds the right one
  await page.click('#customer-record button.link');
  await page.fill('#cust-search', 'Lea Frank');
  await page.keyboard.press('Enter');
  await page.locator('#customer-panel ul.picker li button', { hasText: 'Lea Frank' }).first().click();
  await page.waitForSelector('#customer-record');
  assert.equal(await page.textContent('#customer-name'), 'Lea Frank');
  const lea = (await api.get('/customers?name=' + encodeURIComponent('Lea Frank'))).body.items[0];
  await until(async () => (await api.get('/me/call')).body.customer_id === lea.id, 5000, 'linked to Lea Frank');

  // pick up, hang up from the desktop, wrap up with Ctrl+Enter
  await phone.pickUp();
  await until(async () => (await state(page)) === 'Talking', 15000, 'talking');
  await page.click('#btn-hangup');
  await phone.done();
  await caller.done();
  await until(async () => (await state(page)) === 'Wrap-up', 10000, 'wrap-up');
  await page.selectOption('#wrap-disposition', { label: 'Information given' });
  await page.keyboard.press('Control+Enter');
  await until(async () => (await state(page)) === 'Ready', 10000, 'ready');
  assert.equal(await page.locator('#late-form').count(), 0, 'wrapped up in time: nothing left to give');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the recording button on an on-demand queue (start, pause, resume) and a transfer to an agent from the dialog', async () => {
  const admin = await d.as('admin');
  const api = await d.as('agent1');
  const api2 = await d.as('agent2');
  await api2.put('/me/state', { state: 'logged_out' }); // the call goes to agent1 only
  const q1 = (await admin.get('/queues/1')).body;
  assert.equal((await admin.put('/queues/1', { name: q1.name, client_id: q1.client_id, recording: 'on_demand' })).status, 200);
  const phone = await Phone.start(d.sip, '1001');
  const phone2 = await Phone.start(d.sip, '1002');
  sipps.push(phone, phone2);
  const page = await agentReady('agent1');
  const caller = await Caller.start(d.sip, '100', '+4930555000333');
  sipps.push(caller);
  await phone.ringing();
  await phone.pickUp();
  await until(async () => (await state(page)) === 'Talking', 15000, 'talking');
  const rec = async () => (await api.get('/me/call/recording')).body;
  await page.waitForSelector('#btn-record:not([hidden])');
  assert.equal(await page.textContent('#btn-record'), 'Start recording');
  assert.equal((await rec()).state, 'off');
  for (const [label, st, next] of [['Start recording', 'recording', 'Pause recording'],
    ['Pause recording', 'paused', 'Resume recording'], ['Resume recording', 'recording', 'Pause recording']]) {
    assert.equal(await page.textContent('#btn-record'), label);
    await page.click('#btn-record');
    await until(async () => (await rec()).state === st, 5000, 'recording ' + st);
    await until(async () => (await page.textContent('#btn-record')) === next, 5000, 'the button says ' + next);
  }
  assert.match((await rec()).recording_ref, /^recordings\//);

  // the transfer dialog: a queue (default), an agent or an outside number
  assert.equal((await api2.put('/me/state', { state: 'ready' })).status, 200);
  await page.click('#btn-transfer');
  await page.waitForSelector('dialog[open] #transfer-kind');
  assert.ok(await page.isVisible('#transfer-queue'));
  await page.selectOption('#transfer-kind', 'number');
  assert.ok(await page.isVisible('#transfer-number') && !(await page.isVisible('#transfer-queue')));
  await page.click('#transfer-submit');
  assert.equal(await page.textContent('#transfer-number-err'), 'Choose where the call goes.');
  await page.selectOption('#transfer-kind', 'agent');
  assert.ok(await page.isVisible('#transfer-extension') && !(await page.isVisible('#transfer-number')));
  await page.click('#transfer-submit');
  assert.equal(await page.textContent('#transfer-extension-err'), 'Choose where the call goes.');
  await page.fill('#transfer-extension', '1002');
  await page.click('#transfer-submit');
  await phone2.ringing(); // agent2's phone rings with the call
  await phone2.pickUp();
  await until(async () => (await api2.get('/me/agent')).body.state === 'talking', 15000, 'agent2 talking');
  await until(async () => (await state(page)) === 'Wrap-up', 15000, 'agent1 in wrap-up');
  await phone.done();
  await caller.hangUp();
  await caller.done();
  await phone2.done();
  assert.equal((await admin.put('/queues/1', { name: q1.name, client_id: q1.client_id, recording: 'off' })).status, 200);
  assert.equal((await api2.put('/me/state', { state: 'logged_out' })).status, 200);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
