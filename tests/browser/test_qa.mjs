// test_qa: quality in the browser: a QA specialist samples a call and scores it, the agent
// acknowledges and disputes one criterion, the arbitrator re-scores, the report shows the new IQS.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, callSource, newPage, login, until, screenshot, closeBrowser } from './harness.mjs';

const source = callSource();
const d = new Daemon(source.settings);
let url;

before(async () => { url = await d.start(); });
after(async () => { await closeBrowser(); await d.stop(); d.cleanup(); });

const CARD = {
  sections: [{ id: 1, name: 'Opening' }, { id: 2, name: 'Resolution' }],
  criteria: [
    { id: 1, section: 1, text: 'Used the approved greeting', weight: 1, points: 2 },
    { id: 2, section: 2, text: 'Understood the need', weight: 3, points: 5 },
    { id: 3, section: 2, text: 'Gave correct information', weight: 2, points: 4, critical: 'section', fail_at: 1 },
  ],
};
const close = (a, b) => Math.abs(a - b) < 1e-3;
let shared = null; // the first test's finished contact and scorecard

/* agent2 takes one call from the demo traffic, hangs up and wraps up: a finished contact record */
async function finishedCall() {
  const agent = await d.as('agent2');
  assert.equal((await agent.put('/me/state', { state: 'ready' })).status, 200);
  await source.placeCall();
  const offered = await until(async () => { const r = await agent.get('/me/call'); return r.status === 200 && r.body.call_id && r.body; }, 60000, 'an offer');
  assert.equal((await agent.post('/me/call/answer', { call_id: offered.call_id })).status, 200);
  assert.equal((await agent.put('/me/call/notes', { notes: 'Asked about the card fee.' })).status < 300, true);
  assert.equal((await agent.post('/me/call/hangup')).status < 300, true);
  await until(async () => { const r = await agent.post('/me/wrapup', { disposition_id: 1 }); return r.status === 200 || r.status === 204; }, 10000, 'wrap-up');
  await agent.put('/me/state', { state: 'logged_out' });
  const sup = await d.as('super1');
  return until(async () => {
    const recs = (await sup.get('/contacts?agent_id=2&limit=20')).body.items;
    return recs.find((c) => c.call_id === offered.call_id && c.t_disconnected && c.disposition_id === 1);
  }, 10000, 'the finished record');
}

test('a QA specialist samples and scores a call, the agent disputes, the arbitrator re-scores, the report follows', async () => {
  const rec = await finishedCall();
  const qaApi = await d.as('qa1');
  const sc = await qaApi.post('/qa/scorecards', { name: 'Support call', definition: CARD });
  assert.equal(sc.status, 201);
  shared = { contact: rec.id, scorecard: sc.body.id };

  // the QA specialist: the quality page is home; a new assignment draws agent 2's call
  const page = await newPage();
  await login(page, url, 'qa1');
  await page.waitForSelector('#qa-new-assignment');
  await page.selectOption('#qa-new-scorecard', String(sc.body.id));
  await page.fill('#qa-new-agents', '2');
  await page.fill('#qa-new-quota', '1');
  await page.fill('#qa-new-seed', '7');
  await page.click('#qa-new-submit');
  await page.waitForSelector('#qa-worklist-table tr[data-agent="2"] li');
  const picked = Number(await page.getAttribute('#qa-worklist-table tr[data-agent="2"] li', 'data-contact'));
  assert.equal(picked, rec.id, 'the only finished call of agent 2 this week is drawn');
  await screenshot(page, 'qa-worklist');

  // evaluate: the contact record beside the scorecard form
  await page.click('#qa-worklist-table tr[data-agent="2"] a.qa-pick');
  await page.waitForSelector('#qa-eval-form select');
  assert.equal(await page.textContent('#qa-contact-notes'), 'Asked about the card fee.');
  assert.equal(await page.textContent('#qa-contact-agent'), 'Agent 2');
  await page.selectOption('#qa-c-1', '1');
  await page.selectOption('#qa-c-2', '3');
  // submitting with a criterion unanswered: the core's message names it
  await page.click('#qa-eval-submit');
  await until(async () => /criterion 3/.test(await page.textContent('#qa-eval-error')), 5000, 'the missing criterion named');
  await page.selectOption('#qa-c-3', '3');
  await page.fill('#qa-eval-feedback', 'Good greeting; ask one more question about the need.');
  await screenshot(page, 'qa-evaluate');
  await page.click('#qa-eval-submit');
  await page.waitForSelector('#qa-evaluation');
  const evalId = Number(await page.getAttribute('#qa-evaluation', 'data-id'));
  // (100 x 1 + 50 x 3 + 66.667 x 2) / 6
  const first = (100 + 150 + 400 / 3) / 6;
  assert.ok(close(Number(await page.getAttribute('#qa-score', 'data-score')), first));
  assert.equal(await page.textContent('#qa-score'), first.toFixed(1));
  assert.deepEqual(page.problems, []);

  // the agent: "my evaluations" from the desktop; acknowledge, then dispute one criterion
  const ap = await newPage();
  await login(ap, url, 'agent2');
  await ap.waitForSelector('#day-my-qa');
  await ap.click('#day-my-qa');
  await ap.waitForSelector(`#my-qa-list tr[data-evaluation="${evalId}"]`);
  await ap.click(`#my-qa-open-${evalId}`);
  await ap.waitForSelector('#my-qa-evaluation');
  assert.match(await ap.textContent('#qa-feedback-text'), /Good greeting/);
  await ap.click('#my-qa-ack');
  await until(async () => (await ap.getAttribute(`#my-qa-list tr[data-evaluation="${evalId}"] .qa-state`, 'data-state')) === 'acknowledged', 5000, 'acknowledged');
  await ap.click(`#my-qa-open-${evalId}`);
  await ap.waitForSelector('#my-qa-dispute');
  await ap.check('#my-qa-dc-2');
  await ap.fill('#my-qa-comment', 'I asked two questions about the need.');
  await screenshot(ap, 'qa-my-evaluations');
  await ap.click('#my-qa-dispute-submit');
  await until(async () => (await ap.getAttribute(`#my-qa-list tr[data-evaluation="${evalId}"] .qa-state`, 'data-state')) === 'disputed', 5000, 'disputed');
  const agentApi = await d.as('agent2');
  const ev = (await agentApi.get('/qa/evaluations/' + evalId)).body;
  assert.equal(ev.state, 'disputed');
  assert.deepEqual(ev.disputes.map((x) => x.criteria), [[2]]);
  assert.deepEqual(ap.problems, []);
  await ap.context().close();

  // the arbitrator (a supervisor) re-scores the disputed criterion
  const sp = await newPage();
  await login(sp, url, 'super1');
  await sp.evaluate(() => { location.hash = '#/qa/disputes'; });
  await sp.waitForSelector('.qa-dispute');
  const did = await sp.getAttribute('.qa-dispute', 'data-dispute');
  assert.equal(await sp.locator(`.qa-dispute select`).count(), 1, 'only the disputed criterion is offered');
  await sp.selectOption(`#qa-rescore-${did}-2`, '5');
  await sp.fill(`#qa-resolve-comment-${did}`, 'Agreed after listening again.');
  await screenshot(sp, 'qa-arbitration');
  await sp.click(`#qa-partly-${did}`);
  await until(async () => (await sp.locator('.qa-dispute').count()) === 0, 5000, 'the dispute decided');
  const second = (100 + 300 + 400 / 3) / 6;
  const after = (await agentApi.get('/qa/evaluations/' + evalId)).body;
  assert.equal(after.state, 'resolved');
  assert.ok(close(after.score, second), String(after.score));

  // the report shows the new IQS for Agent 2
  await sp.evaluate(() => { location.hash = '#/qa/reports'; });
  await sp.waitForSelector('#qa-rep-iqs tr[data-group="2"]');
  const iqs = Number(await sp.getAttribute('#qa-rep-iqs tr[data-group="2"] .qa-iqs', 'data-iqs'));
  assert.ok(close(iqs, second), `IQS ${iqs}`);
  assert.equal(await sp.textContent('#qa-rep-iqs tr[data-group="2"] .qa-iqs'), second.toFixed(1));
  await screenshot(sp, 'qa-reports');
  const csv = await sp.evaluate(async (h) => (await fetch(h)).text(), await sp.getAttribute('#qa-rep-iqs-csv', 'href'));
  assert.match(csv.split('\r\n')[0], /^group_id,name,period_start/);
  assert.ok(csv.includes('"Agent 2"'));
  assert.deepEqual(await sp.evaluate(() => window.__sbMissing || []), []);
  assert.deepEqual(sp.problems, []);
  await sp.context().close();

  // the specialist's evaluation view shows the decision
  await page.evaluate(() => { location.hash = '#/qa/evaluations'; });
  await page.click(`#qa-eval-list tr[data-evaluation="${evalId}"] a`);
  await page.waitForSelector('.qa-disputes');
  assert.match(await page.textContent('.qa-disputes'), /Partly accepted/);

  // coaching from the evaluation: the agent ticks the action item off in "my evaluations"
  await page.fill('#qa-coach-notes', 'Listened to the call together.');
  await page.fill('#qa-coach-action', 'Ask one more question about the need');
  await page.click('#qa-coach-submit');
  const coaching = await until(async () => (await agentApi.get('/qa/coaching')).body.items[0], 5000, 'the coaching session');
  assert.deepEqual(coaching.evaluations, [evalId]);
  const ap2 = await newPage();
  await login(ap2, url, 'agent2');
  await ap2.evaluate(() => { location.hash = '#/myqa'; });
  const box = `#qa-action-${coaching.actions[0].id}`;
  await ap2.waitForSelector(box);
  await ap2.check(box);
  await until(async () => (await agentApi.get('/qa/coaching')).body.items[0].actions[0].done === true, 5000, 'done');
  assert.deepEqual(ap2.problems, []);
  await ap2.context().close();

  // editing the scorecard makes version 2; the evaluation keeps version 1 and its score
  await page.evaluate(() => { location.hash = '#/qa/scorecards'; });
  await page.waitForSelector('#qa-sc-form');
  await page.selectOption('#qa-sc-pick', String(sc.body.id));
  // the editor: a row per criterion with its weight, scale and critical settings
  const crit = page.locator('#qa-sc-criteria tbody tr');
  assert.equal(await crit.count(), CARD.criteria.length);
  assert.equal(await crit.nth(2).locator('input[name=text]').inputValue(), 'Gave correct information');
  assert.equal(await crit.nth(2).locator('select[name=critical]').inputValue(), 'section');
  assert.equal(await crit.nth(2).locator('input[name=fail_at]').inputValue(), '1');
  await crit.nth(1).locator('input[name=weight]').fill('5');
  await page.click('#qa-sc-save');
  await until(async () => /version 2/.test(await page.textContent('#qa-sc-info')), 5000, 'version 2');
  const v2 = (await qaApi.get('/qa/scorecards/' + sc.body.id)).body;
  assert.equal(v2.definition.criteria[1].weight, 5);
  assert.equal(v2.definition.criteria[0].weight, 1);
  await crit.nth(0).locator('input[name=weight]').fill('0');
  await page.click('#qa-sc-save');
  await until(async () => /criteria\[0\]/.test(await page.textContent('#qa-sc-error')), 5000, 'the bad weight named');
  assert.match(await crit.nth(0).getAttribute('class'), /invalid/);
  // the JSON view shows what the form holds
  await page.click('#qa-sc-json summary');
  // filled by the details' toggle event, which fires after the click returns
  await until(async () => (await page.inputValue('#qa-sc-def')).trim() !== '', 5000, 'the JSON view filled');
  assert.equal(JSON.parse(await page.inputValue('#qa-sc-def')).criteria[0].weight, 0);
  // a new scorecard built in the form: a section, a binary critical criterion, a dropdown field
  await page.selectOption('#qa-sc-pick', '');
  await page.fill('#qa-sc-name', 'Callback quality');
  await page.locator('#qa-sc-sections tbody tr input[name=name]').first().fill('Greeting');
  await page.click('#qa-sc-add-sections');
  await page.locator('#qa-sc-sections tbody tr').nth(1).locator('input[name=name]').fill('Outcome');
  await page.click('#qa-sc-add-criteria');
  const c2 = page.locator('#qa-sc-criteria tbody tr').nth(1);
  await c2.locator('select[name=section]').selectOption({ label: 'Outcome' });
  await c2.locator('input[name=text]').fill('Confirmed the callback time');
  await c2.locator('select[name=points]').selectOption('2');
  await c2.locator('select[name=critical]').selectOption('whole');
  await page.click('#qa-sc-add-fields');
  const f1 = page.locator('#qa-sc-fields tbody tr').first();
  await f1.locator('select[name=kind]').selectOption('dropdown');
  await f1.locator('input[name=label]').fill('Reason');
  await f1.locator('input[name=options]').fill('card, loan , ');
  await f1.locator('input[name=required]').check();
  await page.click('#qa-sc-save');
  await until(async () => /version 1/.test(await page.textContent('#qa-sc-info')) && (await page.inputValue('#qa-sc-name')) === 'Callback quality', 5000, 'created');
  const made = (await qaApi.get('/qa/scorecards')).body.items.find((x) => x.name === 'Callback quality');
  assert.deepEqual(made.definition.sections.map((x) => [x.id, x.name]), [[1, 'Greeting'], [2, 'Outcome']]);
  const mc = made.definition.criteria[1];
  assert.deepEqual([mc.id, mc.section, mc.text, mc.points, mc.critical], [2, 2, 'Confirmed the callback time', 2, 'whole']);
  assert.deepEqual(made.definition.fields.map((x) => [x.kind, x.label, x.required, x.options]), [['dropdown', 'Reason', true, ['card', 'loan']]]);
  const kept = (await qaApi.get('/qa/evaluations/' + evalId)).body;
  assert.equal(kept.version, 1);
  assert.ok(close(kept.score, second));
  assert.deepEqual(await page.evaluate(() => window.__sbMissing || []), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a calibration session: blind scoring in the page, closing shows the statistics', async () => {
  assert.ok(shared, 'needs the first test');
  const page = await newPage();
  await login(page, url, 'qa1');
  await page.evaluate(() => { location.hash = '#/qa/calibration'; });
  await page.waitForSelector('#qa-cal-name');
  await page.fill('#qa-cal-name', 'November round');
  await page.selectOption('#qa-cal-scorecard', String(shared.scorecard));
  await page.fill('#qa-cal-contacts', String(shared.contact));
  await page.fill('#qa-cal-people', '3, 2');
  await page.click('#qa-cal-create');
  await page.waitForSelector('#qa-cal');
  const calId = Number((await page.evaluate(() => location.hash)).split('/').pop());
  // qa1 scores in the page
  await page.click('#qa-cal a');
  await page.waitForSelector('#qa-eval-form select');
  assert.match(await page.textContent('#qa-contact'), /hidden until the session closes/);
  await page.selectOption('#qa-c-1', '1');
  await page.selectOption('#qa-c-2', '4');
  await page.selectOption('#qa-c-3', '4');
  await page.click('#qa-eval-submit');
  await page.waitForSelector('#qa-cal .tag');
  // the supervisor scores through the API; blind until closed
  const sup = await d.as('super1');
  const r = await sup.post('/qa/evaluations', { scorecard_id: shared.scorecard, contact_id: shared.contact, calibration_id: calId, submit: true,
    answers: [{ criterion: 1, value: 0 }, { criterion: 2, value: 3 }, { criterion: 3, value: 4 }] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal((await sup.get(`/qa/calibrations/${calId}`)).body.evaluations.length, 1);
  await page.click('#qa-cal-close');
  await page.waitForSelector('#qa-cal-report');
  // version 2 of the scorecard (criterion 2 weighs 5 since the first test): overall
  // (100 + 75 x 5 + 100 x 2) / 8 and (0 + 50 x 5 + 100 x 2) / 8; median reference; the spread of two
  // scores is half their distance, neither is within 5 points of the median
  const a = (100 + 375 + 200) / 8, b = (0 + 250 + 200) / 8;
  const row = page.locator('#qa-cal-report table').first().locator('tbody tr').first();
  assert.equal(await row.locator('th').textContent(), 'Overall');
  assert.equal(await row.locator('td').nth(0).textContent(), ((a + b) / 2).toFixed(1));
  assert.equal(await row.locator('td').nth(1).textContent(), (Math.abs(a - b) / 2).toFixed(1));
  assert.match(await row.locator('td').nth(2).textContent(), /^0[.,]0/);
  await screenshot(page, 'qa-calibration');
  await page.evaluate(() => { location.hash = '#/qa/calibration'; });
  await page.waitForSelector('#qa-drift');
  assert.deepEqual(await page.evaluate(() => window.__sbMissing || []), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the quality pages in German have every string', async () => {
  const page = await newPage({ locale: 'de-DE' });
  await login(page, url, 'qa1');
  await page.selectOption('#lang', 'de');
  await page.waitForFunction(() => document.documentElement.lang === 'de');
  for (const tab of ['worklist', 'evaluations', 'disputes', 'calibration', 'reports', 'scorecards']) {
    await page.evaluate((x) => { location.hash = '#/qa/' + x; }, tab);
    await page.waitForSelector(`#qa-tab-${tab}[aria-current="page"]`);
    await page.waitForSelector('main .loading', { state: 'detached' }).catch(() => {});
  }
  // the agent's page too (the language is remembered per user: switch it for agent2)
  await page.click('#logout');
  await page.waitForSelector('#login-user');
  await login(page, url, 'agent2');
  if ((await page.inputValue('#lang')) !== 'de') {
    await page.selectOption('#lang', 'de');
    await page.waitForFunction(() => document.documentElement.lang === 'de');
  }
  await page.evaluate(() => { location.hash = '#/myqa'; });
  await page.waitForSelector('#my-qa-list, #my-qa-none');
  await page.click('#my-qa-list button');
  await page.waitForSelector('#my-qa-evaluation');
  assert.deepEqual(await page.evaluate(() => window.__sbMissing || []), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
