// test_access: who sees what (team leads their team only; agents no admin pages, and the API refuses
// too), and whatever a user typed is shown as text.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, newPage, login, until, screenshot, closeBrowser } from './harness.mjs';

const d = new Daemon();
let url;

before(async () => { url = await d.start(); });
after(async () => { await closeBrowser(); await d.stop(); d.cleanup(); });

test('a team lead sees only their team', async () => {
  const page = await newPage();
  await login(page, url, 'lead1');
  await page.waitForSelector('#team-table tbody tr');
  const names = await page.locator('#team-table tbody th').allTextContents();
  // Team North: agents 1..12 and Lead 1 (the lead's own agent)
  const want = [...Array.from({ length: 12 }, (_, i) => `Agent ${i + 1}`), 'Lead 1'].sort();
  assert.deepEqual(names.slice().sort(), want);
  assert.ok(!names.includes('Agent 13') && !names.includes('Lead 2'));
  // the lead changes an agent's state with a reason; the daemon audits it
  await page.locator('#team-table tr[data-agent="3"] button').click();
  await page.selectOption('#ts-state', 'not_ready');
  await page.selectOption('#ts-reason', { label: 'Coaching' });
  await page.click('#ts-submit');
  await until(async () => /Not ready/.test(await page.locator('#team-table tr[data-agent="3"] td').first().textContent()), 10000, 'agent 3 not ready');
  const audit = (await (await d.as('admin')).get('/audit?object_type=agent&object_id=3')).body.items;
  assert.equal(audit[0].action, 'state');
  assert.equal(audit[0].user_id, 5);
  await screenshot(page, 'team');
  // another team's agent is not there for the API either
  const lead = await d.as('lead1');
  assert.equal((await lead.put('/agents/13/state', { state: 'ready' })).status, 404);
  const live = (await lead.get('/agents/live')).body.items.map((a) => a.id);
  assert.ok(live.includes(1) && !live.includes(13));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('an agent cannot open the admin pages, and the API refuses too', async () => {
  const page = await newPage();
  await login(page, url, 'agent1');
  assert.equal(await page.locator('.nav-link[data-view="admin"]').count(), 0);
  await page.evaluate(() => { location.hash = '#/admin/users'; });
  await page.waitForSelector('#forbidden');
  assert.equal(await page.locator('#admin-table').count(), 0);
  const agent = await d.as('agent1');
  for (const [m, p, b] of [['GET', '/users'], ['POST', '/users', { username: 'x', display_name: 'x', role: 'admin', password: 'xxxxxxxxx' }],
    ['POST', '/queues', { name: 'q' }], ['PUT', '/queues/1/hours', { hours: null }], ['GET', '/wallboard'], ['POST', '/dispositions', { code: 'X', label: 'x' }]]) {
    const r = await agent.call(m, p, b);
    assert.equal(r.status, 403, `${m} ${p}`);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('an admin edits with validation messages next to the fields; typed text is shown as text', async () => {
  const page = await newPage();
  await login(page, url, 'admin');
  await page.evaluate(() => { location.hash = '#/admin/users/new'; });
  await page.waitForSelector('#admin-edit');
  // a required field left empty: the message sits next to it
  await page.fill('#af-username', 'bad name!');
  await page.fill('#af-display_name', 'X');
  await page.fill('#af-password', 'long enough pw');
  await page.click('#admin-save');
  assert.match(await page.textContent('#af-username-err'), /format/);
  // the server's own check (a duplicate) is shown next to the form
  await page.fill('#af-username', 'agent1');
  await page.click('#admin-save');
  await until(async () => (await page.textContent('#admin-error')).length > 0, 5000, 'conflict message');
  await screenshot(page, 'admin');

  // a customer whose name is markup: the agent's screen shows the characters, nothing runs
  const hostile = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
  const agent = await d.as('agent1');
  const c = (await agent.post('/customers', { name: hostile, phones: [{ number: '+4930555000111' }] })).body;
  assert.ok(c.id);
  const p2 = await newPage();
  await login(p2, url, 'agent1');
  await p2.waitForSelector('#cust-search');
  await p2.fill('#cust-search', hostile.slice(0, 20));
  await p2.click('#customer-panel .inline-search button[type=submit]');
  await p2.waitForSelector('#customer-panel .picker li button');
  await p2.locator('#customer-panel .picker li button').first().click();
  await p2.waitForSelector('#customer-name');
  assert.equal(await p2.textContent('#customer-name'), hostile);
  assert.equal(await p2.locator('#customer-record img, #customer-record script').count(), 0);
  assert.equal(await p2.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(p2.problems, []);
  assert.deepEqual(page.problems, []);
  await p2.context().close();
  await page.context().close();
});
