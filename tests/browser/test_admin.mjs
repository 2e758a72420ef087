// test_admin: the administration forms in the browser: a queue, an agent, a number, a team and a skill created, edited and deactivated, with messages next to the fields.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, newPage, login, until, closeBrowser } from './harness.mjs';

const d = new Daemon({});
let url, page, api;

before(async () => {
  url = await d.start();
  api = await d.as('admin');
  page = await newPage();
  await login(page, url, 'admin');
});
after(async () => {
  await closeBrowser();
  await d.stop();
  d.cleanup();
});

async function open(hash) {
  await page.evaluate((x) => { location.hash = x; }, hash);
  await page.waitForSelector('#admin-edit', { timeout: 5000 }).catch(async (e) => { throw new Error(e.message + '\n' + (await page.textContent('#main')) + page.problems.join('\n')); });
}
/* Saves the form (the "Saved." toast); resolves with the id of the entry the page shows. */
async function save() {
  const toasts = page.locator('.toast', { hasText: 'Saved.' });
  await page.evaluate(() => { for (const el of document.querySelectorAll('.toast')) el.remove(); });
  await page.click('#admin-save');
  await until(async () => (await toasts.count()) > 0 || (await page.textContent('#admin-error')), 5000, 'saved');
  assert.equal(await page.textContent('#admin-error'), '');
  return until(async () => {
    const m = /^#\/admin\/\w+\/(\d+)$/.exec(await page.evaluate(() => location.hash));
    return m && (await page.locator('#admin-edit').count()) ? Number(m[1]) : null;
  }, 5000, 'the saved entry shown');
}
/* Deactivates the entry shown; resolves once the page is back on the list. */
async function deactivate() {
  await page.click('#admin-deactivate');
  await until(async () => /^#\/admin\/\w+$/.test(await page.evaluate(() => location.hash)), 5000, 'back on the list');
}
const err = (name) => page.textContent(`#af-${name}-err`);
const skillRows = () => page.locator('#af-skills .skill-row');
async function addSkill(label, level) {
  await page.click('#af-skills button:has-text("Add a skill")');
  const row = skillRows().last();
  await row.locator('select').selectOption({ label });
  await row.locator('input').fill(String(level));
}

test('a queue: created with skills and timed wrap-up (the daemon\'s message next to the field), hours added, deactivated', async () => {
  await open('#/admin/queues/new');
  await page.click('#admin-save');
  assert.equal(await err('name'), 'This field is required.');
  await page.fill('#af-name', 'complaints');
  await page.selectOption('#af-strategy', 'round-robin');
  await addSkill('general', 3);
  await page.selectOption('#af-wrapup', 'timed');
  await page.fill('#af-wrapup_ms', '0');
  await page.fill('#af-sl_threshold_ms', '30000');
  await page.fill('#af-sl_target_pct', '90');
  await page.selectOption('#af-overflow', 'queue');
  await page.selectOption('#af-overflow_queue_id', { label: 'team-leads' });
  await page.click('#admin-save');
  // the daemon's 422 lands under the field it names
  await until(async () => /wrapup_ms/.test(await err('wrapup_ms')), 5000, 'the wrap-up time refused');
  await page.fill('#af-wrapup_ms', '20000');
  const id = await save();
  let q = (await api.get('/queues/' + id)).body;
  assert.equal(q.name, 'complaints');
  assert.equal(q.strategy, 'round-robin');
  assert.deepEqual(q.skills.map((s) => [s.skill_id, s.min_level]), [[1, 3]]);
  assert.equal(q.wrapup, 'timed');
  assert.equal(q.wrapup_ms, 20000);
  assert.equal(q.sl_threshold_ms, 30000);
  assert.equal(q.sl_target_pct, 90);
  assert.equal(q.overflow_queue_id, 5);
  // the list has it
  assert.equal(await page.locator('#admin-table tbody tr', { hasText: 'complaints' }).count(), 1);

  // edit: the name, a second skill, opening hours (not JSON first)
  assert.equal(await page.inputValue('#af-name'), 'complaints');
  await page.fill('#af-name', 'complaints-de');
  await addSkill('english', 5);
  await page.fill('#af-hours', '{"mon": [["08:00", "18:00"]');
  await page.click('#admin-save');
  assert.equal(await err('hours'), 'This is not valid JSON.');
  await page.fill('#af-hours', '{"mon": [["25:00", "18:00"]]}');
  await page.click('#admin-save');
  await until(async () => (await err('hours')).length > 0, 5000, 'the hours refused by the daemon');
  await page.fill('#af-hours', '{"mon": [["08:00", "18:00"]], "sat": [["09:00", "13:00"]], "closed": ["2026-12-25"]}');
  assert.equal(await save(), id);
  q = (await api.get('/queues/' + id)).body;
  assert.equal(q.name, 'complaints-de');
  assert.deepEqual(q.skills.map((s) => [s.skill_id, s.min_level]).sort(), [[1, 3], [4, 5]]);
  const hours = (await api.get('/queues/' + id + '/hours')).body.hours;
  assert.deepEqual(hours.mon, [['08:00', '18:00']]);
  assert.deepEqual(hours.sat, [['09:00', '13:00']]);
  assert.deepEqual(hours.closed, ['2026-12-25']);
  // the form shows what is stored
  await open('#/admin/queues/' + id);
  assert.deepEqual(JSON.parse(await page.inputValue('#af-hours')).sat, [['09:00', '13:00']]);
  assert.equal(await skillRows().count(), 2);

  // deactivated: closed for new callers, shown as inactive
  await deactivate();
  await until(async () => (await api.get('/queues/' + id)).body.active === false, 5000, 'closed');
  await page.waitForSelector('#admin-table tr.inactive');
  assert.equal(await page.locator('#admin-table tr.inactive', { hasText: 'complaints-de' }).count(), 1);
  assert.deepEqual(page.problems, []);
});

test('an agent: the extension\'s format and the phone password checked, skills and team, then edited and deactivated', async () => {
  await open('#/admin/agents/new');
  await page.fill('#af-name', 'Nina New');
  await page.selectOption('#af-team_id', { label: 'Team South' });
  await page.fill('#af-extension', '1a');
  await page.click('#admin-save');
  assert.equal(await err('extension'), 'The value has the wrong format.');
  await page.fill('#af-extension', '1050');
  await page.click('#admin-save');
  assert.equal(await err('sip_password'), 'This field is required.');
  await page.fill('#af-sip_password', 'secret-50');
  await addSkill('general', 6);
  await addSkill('spanish', 9);
  const id = await save();
  let a = (await api.get('/agents/' + id)).body;
  const teams = (await api.get('/teams')).body.items;
  assert.equal(a.name, 'Nina New');
  assert.equal(a.extension, '1050');
  assert.equal(a.team_id, teams[1].id);
  assert.deepEqual(a.skills.map((s) => [s.skill_id, s.level]).sort(), [[1, 6], [5, 9]]);

  // edit: the password may stay empty (kept), a skill removed and one changed, another team
  assert.match(await page.textContent('#admin-edit'), /Leave empty to keep it unchanged/);
  await skillRows().nth(1).locator('button').click();
  await skillRows().nth(0).locator('input').fill('8');
  await page.selectOption('#af-team_id', String(teams[0].id));
  assert.equal(await save(), id);
  a = (await api.get('/agents/' + id)).body;
  assert.deepEqual(a.skills.map((s) => [s.skill_id, s.level]), [[1, 8]]);
  assert.equal(a.team_id, teams[0].id);
  // a taken extension: the daemon says so
  await page.fill('#af-extension', '1001');
  await page.click('#admin-save');
  await until(async () => (await page.textContent('#admin-edit')).includes('1001') && ((await err('extension')) || (await page.textContent('#admin-error'))), 5000, 'the extension refused');
  await open('#/admin/agents/' + id);
  await deactivate();
  await until(async () => (await api.get('/agents/' + id)).body.active === false, 5000, 'deactivated');
  assert.deepEqual(page.problems, []);
});

test('a number: normalised to E.164, routed to a queue, a menu added (checked by the daemon), deactivated', async () => {
  await open('#/admin/numbers/new');
  await page.fill('#af-number', '030 1234567');
  await page.selectOption('#af-queue_id', { label: 'general' });
  const id = await save();
  let n = (await api.get('/numbers/' + id)).body;
  assert.equal(n.number, '+49301234567');
  assert.equal(n.queue_id, 1);
  assert.equal(await page.locator('#admin-table tbody tr', { hasText: '+49301234567' }).count(), 1);

  // a menu: a digit that is no digit is refused by the daemon, next to the menu
  await page.fill('#af-menu', JSON.stringify({ prompt: 'welcome', options: [{ digit: 'x', queue_id: 2, label: 'Billing' }], default_queue_id: 1, timeout_ms: 5000 }));
  await page.click('#admin-save');
  await until(async () => (await err('menu')).length > 0, 5000, 'the menu refused');
  const menu = { prompt: 'welcome', options: [{ digit: '1', queue_id: 2, label: 'Billing' }, { digit: '2', queue_id: 3, label: 'Loans' }], default_queue_id: 1, timeout_ms: 5000 };
  await page.fill('#af-menu', JSON.stringify(menu));
  await page.selectOption('#af-queue_id', { label: 'billing' });
  assert.equal(await save(), id);
  n = (await api.get('/numbers/' + id)).body;
  assert.equal(n.queue_id, 2);
  const stored = (await api.get('/numbers/' + id + '/menu')).body.menu;
  assert.deepEqual(stored.options.map((o) => [o.digit, o.queue_id, o.label]), [['1', 2, 'Billing'], ['2', 3, 'Loans']]);
  assert.equal(stored.default_queue_id, 1);

  await open('#/admin/numbers/' + id);
  await deactivate();
  await until(async () => (await api.get('/numbers/' + id)).body.active === false, 5000, 'deactivated');
  assert.deepEqual(page.problems, []);
});

test('skills: a new skill and a language, renamed; a name in use is refused', async () => {
  await open('#/admin/skills/new');
  await page.fill('#af-name', 'mortgages');
  await page.selectOption('#af-kind', 'skill');
  const id = await save();
  assert.deepEqual((await api.get('/skills/' + id)).body, { id, name: 'mortgages', kind: 'skill', active: true });
  await page.fill('#af-name', 'mortgage-loans');
  assert.equal(await save(), id);
  assert.equal((await api.get('/skills/' + id)).body.name, 'mortgage-loans');
  assert.equal(await page.locator('#admin-table tbody tr', { hasText: 'mortgage-loans' }).count(), 1);
  await open('#/admin/skills/new');
  await page.fill('#af-name', 'french');
  await page.selectOption('#af-kind', 'language');
  const fr = await save();
  assert.equal((await api.get('/skills/' + fr)).body.kind, 'language');
  assert.match(await page.textContent('#admin-table'), /french\s*language/);
  // the agent form offers the new ones
  await open('#/admin/agents/1');
  await page.click('#af-skills button:has-text("Add a skill")');
  assert.ok((await skillRows().last().locator('option').allTextContents()).includes('french'));
  await open('#/admin/skills/new');
  await page.fill('#af-name', 'general');
  await page.click('#admin-save');
  await until(async () => (await page.textContent('#admin-error')).startsWith('Not possible'), 5000, 'the name in use');
  assert.deepEqual(page.problems, []);
});

test('teams: a new one deactivated and no longer offered to agents; one with agents refused, with the reason', async () => {
  await open('#/admin/teams/new');
  await page.fill('#af-name', 'Team West');
  const id = await save();
  assert.equal((await api.get('/teams/' + id)).body.active, true);
  await deactivate();
  await until(async () => (await api.get('/teams/' + id)).body.active === false, 5000, 'deactivated');
  await page.waitForSelector('#admin-table tr.inactive');
  assert.equal(await page.locator('#admin-table tr.inactive', { hasText: 'Team West' }).count(), 1);
  // agents cannot be put in it any more: the form does not offer it
  await open('#/admin/agents/new');
  const offered = await page.locator('#af-team_id option').allTextContents();
  assert.ok(offered.includes('Team North') && !offered.includes('Team West'), offered.join());
  // Team North still has agents: the daemon says who
  await open('#/admin/teams/1');
  await page.click('#admin-deactivate');
  await until(async () => /^Not possible: team 1 cannot be deactivated: agent \d+ \(.*\) is in it: move them first$/.test(await page.textContent('#admin-error')), 5000, 'refused');
  assert.equal((await api.get('/teams/1')).body.active, true);
  // reactivated from the form
  await open('#/admin/teams/' + id);
  await page.check('#af-active');
  assert.equal(await save(), id);
  assert.equal((await api.get('/teams/' + id)).body.active, true);
  assert.deepEqual(page.problems, []);
});

test('skills: one deactivated stays on the agent that has it, is offered to no one else, and comes back when reactivated', async () => {
  await open('#/admin/skills/new');
  await page.fill('#af-name', 'pensions');
  const id = await save();
  assert.equal((await api.get('/skills/' + id)).body.active, true);
  // agent 1 has it (given by the API), then the skill is deactivated from its form
  const a1 = (await api.get('/agents/1')).body;
  const had = a1.skills.map((x) => ({ skill_id: x.skill_id, level: x.level }));
  assert.equal((await api.put('/agents/1', { skills: [...had, { skill_id: id, level: 4 }] })).status, 200);
  await open('#/admin/skills/' + id);
  await deactivate();
  await until(async () => (await api.get('/skills/' + id)).body.active === false, 5000, 'deactivated');
  await page.waitForSelector('#admin-table tr.inactive');
  assert.equal(await page.locator('#admin-table tr.inactive', { hasText: 'pensions' }).count(), 1);
  // a new agent and a queue are not offered it
  await open('#/admin/agents/new');
  await page.click('#af-skills button:has-text("Add a skill")');
  let offered = await skillRows().last().locator('option').allTextContents();
  assert.ok(offered.includes('general') && !offered.some((x) => x.startsWith('pensions')), offered.join());
  await open('#/admin/queues/new');
  await page.click('#af-skills button:has-text("Add a skill")');
  offered = await skillRows().last().locator('option').allTextContents();
  assert.ok(!offered.some((x) => x.startsWith('pensions')), offered.join());
  // agent 1 keeps it, marked, and may be saved with it
  await open('#/admin/agents/1');
  const kept = skillRows().filter({ has: page.locator('option:checked', { hasText: 'pensions (deactivated)' }) });
  assert.equal(await kept.count(), 1);
  assert.equal(await kept.locator('input').inputValue(), '4');
  assert.equal(await save(), 1);
  assert.ok((await api.get('/agents/1')).body.skills.some((x) => x.skill_id === id && x.level === 4));
  // the API refuses it for someone new, with the reason
  const r = await api.put('/agents/2', { skills: [{ skill_id: id, level: 2 }] });
  assert.equal(r.status, 422);
  assert.match(JSON.stringify(r.body), /is deactivated/);
  // reactivated from the form: offered again
  await open('#/admin/skills/' + id);
  await page.check('#af-active');
  assert.equal(await save(), id);
  assert.equal((await api.get('/skills/' + id)).body.active, true);
  await open('#/admin/agents/new');
  await page.click('#af-skills button:has-text("Add a skill")');
  assert.ok((await skillRows().last().locator('option').allTextContents()).includes('pensions'));
  // agent 1 as before
  assert.equal((await api.put('/agents/1', { skills: had })).status, 200);
  assert.deepEqual(page.problems, []);
});
