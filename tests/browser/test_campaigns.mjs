// test_campaigns: issue 9's screens on the real daemon with SIPp as the customers (on the --trunk port) and
// as the agent's phone: an agent in a preview campaign gets the next lead's card (again after a reload), dials it, gives the outcome
// "call back tomorrow 10:00" for themself, and the callback appears in their list; a supervisor creates a
// campaign, imports a CSV with broken rows and sees each rejected row with its reason, starts it and watches
// the live view (leads left, abandonment against the limit, "why no dialable leads") follow a change; the
// do-not-call screens; every string in both languages.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, newPage, login, until, closeBrowser, screenshot, ROOT } from './harness.mjs';
import { freePort, mediaPort, SIPP } from './sip.mjs';

const SIPP_DIR = join(ROOT, 'tests', 'sipp');
const ZONE = 'Europe/Berlin'; // the demo site's; the browser runs in UTC
const ALL_DAY = { abandon_limit_pct: 3, abandon_window_hours: 720, window_start: '00:00', window_end: '24:00', min_ring_seconds: 15 };
const EVERY_DAY = Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, { start: '00:00', end: '24:00' }]));

const trunk = await freePort();
const d = new Daemon({ sip: '127.0.0.1:0', trunk: '127.0.0.1:' + trunk });
const dir = mkdtempSync(join(tmpdir(), 'sbweb-camp-'));
const procs = [];
let url, customers;

/* One SIPp in dir; resolves the process with .log() (stderr and the error and message files). */
function sipp(name, scenario, port, args) {
  const errors = join(dir, name + '-errors.log'), messages = join(dir, name + '-messages.log');
  const cmd = ['-sf', join(SIPP_DIR, scenario), ...args.map(String), '-i', '127.0.0.1', '-p', String(port), '-t', 'u1', '-nostdin',
    '-trace_err', '-error_file', errors, '-trace_msg', '-message_file', messages];
  const p = spawn(SIPP, cmd, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderrText = '';
  p.stderr.on('data', (x) => { p.stderrText += x; });
  p.exited = new Promise((resolve) => p.on('exit', (code) => resolve(code)));
  p.messages = () => (existsSync(messages) ? readFileSync(messages, 'utf8') : '');
  p.log = () => p.stderrText.slice(-2000) + (existsSync(errors) ? readFileSync(errors, 'utf8').slice(-2000) : '');
  procs.push(p);
  return p;
}

/* Whether something listens on UDP port (from /proc: binding to probe would race SIPp). */
function udpListening(port) {
  const hex = ':' + port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1).some((l) => (l.trim().split(/\s+/)[1] || '').endsWith(hex));
}

/* The agent's phone: registers ext, then answers every call after a short ring (tests/sipp/agent_answer.xml). */
async function answeringPhone(ext) {
  const port = await freePort();
  const fields = join(dir, 'reg-' + ext + '.csv');
  writeFileSync(fields, `SEQUENTIAL\n${ext};300;\n`);
  const reg = sipp('reg-' + ext, 'register.xml', port, ['-m', 1, '-au', ext, '-ap', 'demo', '-inf', fields, '-timeout', '20s', '-timeout_error', d.sip]);
  const code = await reg.exited;
  assert.equal(code, 0, 'registration: ' + reg.log());
  const phone = sipp('phone-' + ext, 'agent_answer.xml', port, ['-mp', await mediaPort(), '-timeout', '280s']);
  await until(() => udpListening(port), 10000, 'the phone listening');
  return phone;
}

/* The site's wall-clock date of an instant, and the instant of a wall-clock time there. */
function siteDate(ms) {
  const p = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
  return p; // YYYY-MM-DD
}
function siteInstant(y, mo, day, hh, mm) {
  const guess = Date.UTC(y, mo - 1, day, hh, mm);
  const off = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, timeZoneName: 'longOffset' }).formatToParts(new Date(guess)).find((p) => p.type === 'timeZoneName').value;
  const m = /GMT([+-])(\d\d):(\d\d)/.exec(off);
  const mins = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  return guess - mins * 60000;
}
const siteDateTime = (ms) => new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(ms));

const noMissing = async (page, where, sel = 'main') => {
  const missing = await page.evaluate(() => window.__sbMissing || []);
  assert.deepEqual(missing, [], `strings missing on ${where}`);
  const text = await page.textContent(sel);
  assert.ok(!/\u27e6|\{[a-z_]+\}/.test(text), `unfilled text on ${where}`);
};

before(async () => {
  url = await d.start();
  // every customer on the trunk: answers after 0.3-2.5 s, hangs up itself 4 s later
  customers = sipp('customers', 'dial_customer.xml', trunk, ['-mp', await mediaPort(), '-timeout', '280s']);
  await until(() => udpListening(trunk), 10000, 'the customers listening');
});
after(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await closeBrowser();
  await d.stop();
  d.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('preview: the card, Dial (the phone and the customer answer), "call back tomorrow 10:00" for me, the callback in my list', async () => {
  const adm = await d.as('admin');
  // a queue only agent1 serves (a skill of their own), with manual wrap-up
  const sk = (await adm.post('/skills', { name: 'outbound-' + trunk })).body;
  const a1 = (await adm.get('/agents/1')).body;
  await adm.put('/agents/1', { skills: [...a1.skills.map((s) => ({ skill_id: s.skill_id, level: s.level })), { skill_id: sk.id, level: 5 }] });
  const q = (await adm.post('/queues', { name: 'Outbound ' + trunk, client_id: 1, wrapup: 'manual', ring_timeout_ms: 15000, skills: [{ skill_id: sk.id, min_level: 1 }] })).body;
  const script = (await adm.post('/scripts', { name: 'Renewal', body: 'Good morning, this is about your renewal.' })).body;
  const camp = (await adm.post('/campaigns', {
    name: 'Renewals ' + trunk, client_id: 1, queue_id: q.id, agents: [1], caller_id: '+4930900100', dial_mode: 'preview',
    profile: 'custom', profile_custom: ALL_DAY, windows: EVERY_DAY, ring_seconds: 15, script_id: script.id,
  })).body;
  assert.ok(camp.id, JSON.stringify(camp));
  const number = '+49301110042';
  const imp = await adm.post(`/campaigns/${camp.id}/lists`, {
    name: 'renewals', csv: `phone,first,last,zone,plan,prio\n+49301110041,Max,Muster,${ZONE},Silver,5\n${number},Erika,Mustermann,${ZONE},Gold,1\n`,
    mapping: { phone: 'phone', first_name: 'first', last_name: 'last', zone: 'zone', priority: 'prio', custom: ['plan'] },
  });
  assert.equal(imp.status, 201, JSON.stringify(imp.body));
  const phone = await answeringPhone('1001');
  const st = await adm.post(`/campaigns/${camp.id}/start`, { blend_min_sl: 0 });
  assert.equal(st.status, 200, JSON.stringify(st.body));

  const page = await newPage();
  await login(page, url, 'agent1');
  await page.waitForSelector('#agent-state');
  if ((await page.textContent('#agent-state')) !== 'Ready') await page.click('#btn-ready');
  // ready in a preview campaign: the next lead's card, the higher priority first; skipped, the next one
  await page.waitForSelector('#preview-card', { timeout: 20000 });
  assert.equal(await page.textContent('#preview-number'), '+49301110041');
  await page.click('#btn-preview-skip');
  await until(async () => (await page.textContent('#preview-number').catch(() => '')) === number, 10000, 'the next card');
  assert.equal(await page.textContent('#preview-number'), number);
  // the desktop reloaded while the card is shown: the same lead's card comes back (the agent still holds it)
  await page.reload();
  await page.waitForSelector('#preview-card', { timeout: 20000 });
  assert.equal(await page.textContent('#preview-number'), number, 'the card held before the reload');
  assert.equal(await page.textContent('#preview-name'), 'Erika Mustermann');
  assert.equal(await page.textContent('#preview-attempts'), '0');
  assert.equal(await page.textContent('#preview-last'), '-');
  const localNow = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit' }).format(new Date());
  const shown = await page.textContent('#preview-local');
  assert.ok(shown.includes(ZONE), shown);
  assert.ok(shown.includes(localNow) || shown.includes(localNow.slice(0, 3)), `${shown} shows about ${localNow}`);
  assert.match(await page.textContent('#preview-card'), /plan\s*Gold/);
  assert.equal(await page.textContent('#preview-script'), 'Good morning, this is about your renewal.');
  assert.equal(customers.messages().includes('INVITE sip:'), false, 'preview: nothing dialled before the agent says so');
  await screenshot(page, 'preview-card');

  // Dial: the customer's phone rings on the trunk and answers, the agent's phone answers, they talk
  await page.click('#btn-preview-dial');
  await until(async () => (await page.textContent('#agent-state')) === 'Talking', 30000, 'talking');
  await until(() => new RegExp(`INVITE sip:\\${number}@`).test(customers.messages()), 5000, 'the INVITE to the customer');
  assert.equal(await page.textContent('#call-number'), number);
  // the outcome: call back tomorrow at 10:00 (the site's time), for me
  await page.waitForSelector('#camp-outcome');
  await page.selectOption('#co-result', 'callback');
  const tomorrow = siteDate(Date.now() + 86400000);
  await page.fill('#co-when', tomorrow + 'T10:00');
  await page.check('#co-for-me');
  await page.click('#co-submit');
  await page.waitForSelector('#camp-outcome-done');
  const [y, mo, day] = tomorrow.split('-').map(Number);
  const cbAt = siteInstant(y, mo, day, 10, 0);
  assert.ok((await page.textContent('#camp-outcome-done')).includes(siteDateTime(cbAt)));

  // the customer hangs up after 4 s: wrap-up; the desk's disposition ends it, then the outcome applies
  await until(async () => (await page.textContent('#agent-state')) === 'Wrap-up', 30000, 'wrap-up');
  await page.waitForSelector('#wrap-form');
  const opt = await page.$$eval('#wrap-disposition option', (os) => os.filter((o) => o.value && !o.textContent.endsWith(' *')).map((o) => o.value)[0]);
  await page.selectOption('#wrap-disposition', opt);
  await page.click('#wrap-submit');
  await until(async () => (await page.textContent('#agent-state')) === 'Ready', 15000, 'ready again');

  // the callback in my list, at its time in the site's zone
  const item = page.locator('#my-campaign-callbacks li');
  await until(async () => (await item.count()) === 1, 15000, 'the callback in the list');
  const text = await item.first().textContent();
  assert.ok(text.startsWith(siteDateTime(cbAt)), `${text} starts with ${siteDateTime(cbAt)}`);
  assert.ok(text.includes(number) && text.includes('Erika Mustermann') && text.includes(camp.name), text);
  // as stored: for agent 1 at that time; no other lead to offer now
  const lead = (await adm.get(`/campaigns/${camp.id}/leads`)).body.items.find((x) => x.number === number);
  assert.equal(lead.callback, true);
  assert.equal(lead.callback_agent, 1);
  assert.equal(lead.next_attempt_at, cbAt);
  assert.equal(lead.last_result, 'callback');
  // the skipped lead waits 15 minutes, the callback until tomorrow: nothing to offer now
  await page.waitForSelector('#preview-status');
  assert.equal(await page.textContent('#preview-status'), 'No lead to call now.');
  const w = (await adm.get(`/campaigns/${camp.id}/live`)).body.why;
  assert.equal(w.retry_wait, 1, JSON.stringify(w));
  assert.equal(w.callback_wait, 1, JSON.stringify(w));
  assert.equal((customers.messages().match(/INVITE sip:/g) || []).length, 1, 'one call placed');
  await screenshot(page, 'preview-callbacks');

  // the same desktop in German: every string there
  await page.selectOption('#lang', 'de');
  await page.waitForFunction(() => document.documentElement.lang === 'de');
  await page.waitForSelector('#my-campaign-callbacks');
  assert.equal(await page.textContent('#preview-h'), 'Outbound');
  assert.match(await page.textContent('#my-callbacks-box h3'), /Meine geplanten Rückrufe/);
  await noMissing(page, 'the desktop in German', '#preview-panel');
  await page.selectOption('#lang', 'en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await adm.post(`/campaigns/${camp.id}/stop`, {});
  phone.kill('SIGKILL');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('supervisor: create a campaign, import a CSV with broken rows (each rejection shown), start it, the live view follows, do-not-call', async () => {
  const sup = await d.as('super1');
  // a queue nobody serves: the started campaign dials for no agent, so it places no call
  const adm = await d.as('admin');
  const lonely = (await adm.post('/skills', { name: 'nobody-' + trunk })).body;
  const q = (await adm.post('/queues', { name: 'Nobody ' + trunk, client_id: 1, skills: [{ skill_id: lonely.id, min_level: 1 }] })).body;

  const page = await newPage();
  await login(page, url, 'super1');
  await page.click('.nav-link[data-view="campaigns"]');
  await page.waitForSelector('#camp-list');
  await page.click('#camp-new');
  await page.waitForSelector('#camp-form');
  const name = 'Winter survey ' + trunk;
  await page.fill('#cf-name', name);
  await page.selectOption('#cf-queue', String(q.id));
  await page.selectOption('#cf-mode', 'predictive');
  await page.selectOption('#cf-profile', 'uk');
  assert.equal(await page.isVisible('#cf-custom'), false, 'custom numbers only for the custom profile');
  await page.fill('#cf-caller-id', '030 900100');
  // a refusal named by the daemon lands next to its field: ring time below the profile's minimum
  await page.fill('#cf-ring-seconds', '10');
  await page.click('#camp-save');
  await until(async () => (await page.textContent('#cf-ring-seconds-err')) !== '', 10000, 'the ring time refused');
  await page.fill('#cf-ring-seconds', '20');
  // busy: twice more after 30 minutes
  await page.fill('#cf-retry-busy-delay', '30');
  await page.fill('#cf-retry-busy-max', '3');
  await page.click('#camp-save');
  await page.waitForURL(/#\/campaigns\/\d+\/settings$/);
  const id = Number(/#\/campaigns\/(\d+)/.exec(page.url())[1]);
  const stored = (await sup.get('/campaigns/' + id)).body;
  assert.equal(stored.name, name);
  assert.equal(stored.dial_mode, 'predictive');
  assert.equal(stored.profile, 'uk');
  assert.equal(stored.caller_id, '+4930900100');
  assert.equal(stored.queue_id, q.id);
  assert.deepEqual(stored.retry_rules.busy, { delay_minutes: 30, max_attempts: 3 });
  assert.equal(await page.textContent('#camp-name'), name);
  // edit: calling windows Monday to Friday 09:00-17:30 only; a custom profile shows its numbers
  await page.waitForSelector('#camp-form');
  await page.uncheck('#cf-win-default');
  for (const day of ['sat', 'sun']) await page.uncheck('#cf-win-' + day);
  for (const day of ['mon', 'tue', 'wed', 'thu', 'fri']) {
    await page.fill(`#cf-win-${day}-start`, '09:00');
    await page.fill(`#cf-win-${day}-end`, '17:30');
  }
  await page.selectOption('#cf-profile', 'custom');
  assert.equal(await page.isVisible('#cf-custom'), true);
  await page.selectOption('#cf-profile', 'uk');
  // the first wrap-up disposition stands for "completed"
  const dmapSel = page.locator('#cf-dmap select').first();
  await dmapSel.selectOption('completed');
  const code = await page.textContent('#cf-dmap tbody tr:first-child th .mono');
  await screenshot(page, 'campaign-settings');
  await page.click('#camp-save');
  await until(async () => (await sup.get('/campaigns/' + id)).body.windows !== null, 10000, 'the windows stored');
  const edited = (await sup.get('/campaigns/' + id)).body;
  assert.deepEqual(edited.windows, Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((x) => [x, { start: '09:00', end: '17:30' }])));
  assert.equal(edited.profile, 'uk');
  assert.deepEqual(edited.disposition_map, { [code]: 'completed' });

  // lead lists: a CSV with broken rows through the import form
  await page.click('#camp-tab-lists');
  await page.waitForSelector('#imp-form');
  const csv = [
    'phone;first;last;zone;priority;plan',
    '+4930555000001;Ann;Alder;Europe/Berlin;5;Gold', // row 2: imported
    'not a number;Bob;Birch;Europe/Berlin;1;Silver', // row 3: bad phone
    '+49 30 555000001;Cat;Cedar;Europe/Berlin;1;Gold', // row 4: the number of row 2 again
    '+4930555000004;Dan;Dogwood;Mars/Olympus;1;Gold', // row 5: imported (a zone name tzdata does not know)
    '+4930555000005;Eve;Elm;Europe/Berlin;high;Gold', // row 6: bad priority
    '+4930555000006;Fay;Fir;Europe/Berlin;2;Bronze', // row 7: imported
    '', // row 8: blank
    '+4930555000008;Gus', // row 9: too few fields
    '+4930555000009;Hal;Hazel;;3;Gold', // row 10: imported, zone from the number (Germany)
    '+4930555000011;Ida;Ivy;not a zone!;1;Gold', // row 11: not a zone name
    '+8613800000000;Jo;Juniper;;1;Gold', // row 12: no zone given, none derivable (China), no default
  ].join('\n') + '\n';
  await page.fill('#imp-name', 'winter');
  await page.fill('#imp-csv', csv);
  // the columns, from the header: guessed, and chosen
  assert.equal(await page.inputValue('#imp-map-phone'), 'phone');
  await page.selectOption('#imp-map-first-name', 'first');
  await page.selectOption('#imp-map-last-name', 'last');
  assert.equal(await page.inputValue('#imp-map-zone'), 'zone');
  assert.equal(await page.inputValue('#imp-map-priority'), 'priority');
  assert.deepEqual(await page.$$eval('#imp-custom input:checked', (xs) => xs.map((x) => x.value)), ['plan']);
  await page.click('#imp-submit');
  await page.waitForSelector('#imp-rejections');
  assert.equal(await page.textContent('#imp-summary p strong'), '11 records: 4 imported, 7 rejected.');
  const rows = await page.$$eval('#imp-rejections tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const want = [['3', 'Not a phone number'], ['4', 'Duplicate number'], ['6', 'Bad priority'], ['8', 'Empty line'], ['9', 'Too few fields'],
    ['11', 'Unknown time zone'], ['12', 'No time zone']];
  assert.deepEqual(rows.map((r) => [r[0], r[2]]), want, JSON.stringify(rows));
  assert.ok(rows[1][3].includes('(same number as row 2)'), rows[1][3]);
  assert.ok(rows[5][3].includes('not a zone!'), rows[5][3]);
  // the list with its counts
  await page.waitForSelector('#lists-table');
  assert.deepEqual(await page.$$eval('#lists-table tbody tr', (trs) => trs.map((tr) => [...tr.children].slice(0, 5).map((x) => x.textContent))),
    [['winter', '11', '4', '7', '1']]);
  // the leads: the four imported, with the custom field
  await until(async () => (await page.locator('#leads-table tbody tr').count()) === 4, 10000, 'four leads listed');
  const leads = (await sup.get(`/campaigns/${id}/leads`)).body.items;
  assert.deepEqual(leads.map((l) => l.number).sort(), ['+4930555000001', '+4930555000004', '+4930555000006', '+4930555000009']);
  assert.equal(leads.find((l) => l.number === '+4930555000001').custom.plan, 'Gold');
  await screenshot(page, 'campaign-import');

  // start from the screen; the live view: leads left, abandonment against the UK limit, why no dialable leads
  await page.click('#camp-tab-live');
  await page.waitForSelector('#live-figures .metric');
  await page.click('#camp-start');
  await page.waitForSelector('#start-min-sl');
  await page.click('#start-submit');
  await page.waitForSelector('#camp-stop');
  assert.equal(await page.getAttribute('#camp-run-state .pill', 'data-running'), '1');
  await until(async () => (await page.textContent('#live-pacing')).includes('Predictive') || (await page.textContent('#live-pacing')).includes('Progressive'), 15000, 'the pacing figures');
  assert.equal(await page.textContent('#live-leads-left .value'), '4');
  assert.equal(await page.textContent('#why-total'), '4');
  // Mars/Olympus: a zone tzdata does not know, never dialled
  assert.equal(await page.textContent('#why-table tr[data-why="zone_unknown"] td.num'), '1');
  assert.equal(await page.textContent('#live-abandon .value'), '0.00\u00a0% / 3.0\u00a0%');
  const whySum = async () => (await page.$$eval('#why-table tbody td.num', (tds) => tds.map((x) => Number(x.textContent)))).reduce((a, b) => a + b, 0);
  assert.equal(await whySum(), 4, 'each lead counted once');
  const dncRow = () => page.textContent('#why-table tr[data-why="dnc"] td.num');
  assert.equal(await dncRow(), '0');
  // a number goes on the campaign's list meanwhile: the live view shows it without a reload
  assert.equal((await sup.post(`/campaigns/${id}/dnc`, { number: '+4930555000006' })).status, 201);
  await until(async () => (await dncRow()) === '1', 15000, 'the live view counting the do-not-call lead');
  assert.equal(await whySum(), 4);
  assert.equal((customers.messages().match(/INVITE sip:\+4930555/g) || []).length, 0, 'no agent: nothing dialled');
  await screenshot(page, 'campaign-live');
  await page.click('#camp-stop');
  await page.waitForSelector('#camp-start');

  // the campaign's do-not-call list: the entry, one added by hand, an import with its report
  await page.click('#camp-tab-dnc');
  await page.waitForSelector('#dnc-table');
  assert.deepEqual(await page.$$eval('#dnc-table tbody tr', (trs) => trs.map((tr) => tr.dataset.number)), ['+4930555000006']);
  await page.fill('#dnc-number', '030 5550 0007');
  await page.click('#dnc-add');
  await until(async () => (await page.locator('#dnc-table tbody tr').count()) === 2, 10000, 'the number added');
  await page.fill('#dnc-csv', 'number\n+4930555000010\nnonsense\n');
  await page.click('#dnc-import');
  await page.waitForSelector('#dnc-rejections');
  assert.deepEqual(await page.$$eval('#dnc-rejections tbody tr', (trs) => trs.map((tr) => tr.children[0].textContent)), ['3']);
  await until(async () => (await page.locator('#dnc-table tbody tr').count()) === 3, 10000, 'the imported number listed');

  // the global list
  await page.click('#camp-global-dnc');
  await page.waitForSelector('#dnc-panel h2');
  await page.fill('#dnc-number', '+4930555000099');
  await page.click('#dnc-add');
  await page.waitForSelector('#dnc-table tr[data-number="+4930555000099"]');
  const global = (await sup.get('/dnc')).body.items.map((x) => x.number);
  assert.ok(global.includes('+4930555000099'), JSON.stringify(global));

  // every campaign screen in German, with nothing missing
  await page.selectOption('#lang', 'de');
  await page.waitForFunction(() => document.documentElement.lang === 'de');
  for (const h of ['#/campaigns', `#/campaigns/${id}/live`, `#/campaigns/${id}/settings`, `#/campaigns/${id}/lists`, `#/campaigns/${id}/dnc`, '#/campaigns/dnc', '#/campaigns/new']) {
    await page.evaluate((x) => { location.hash = x; }, h);
    await page.waitForSelector('main .loading', { state: 'detached', timeout: 15000 }).catch(() => {});
    await page.waitForSelector('main .panel');
    await page.waitForTimeout(300);
    await noMissing(page, h + ' (de)');
  }
  assert.equal(await page.textContent('.nav-link[data-view="campaigns"]'), 'Kampagnen');
  await page.selectOption('#lang', 'en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('roles: planners read campaigns without the controls; agents do not get the screen', async () => {
  const page = await newPage();
  await login(page, url, 'planner1');
  await page.evaluate(() => { location.hash = '#/campaigns'; });
  await page.waitForSelector('#camp-table');
  assert.equal(await page.locator('#camp-new').count(), 0);
  await page.click('#camp-table tbody tr:last-child a');
  await page.waitForSelector('#live-figures .metric');
  assert.equal(await page.locator('#camp-start, #camp-stop').count(), 0);
  await page.click('#logout');
  await page.waitForSelector('#login-user');
  await login(page, url, 'agent1');
  assert.equal(await page.locator('.nav-link[data-view="campaigns"]').count(), 0);
  await page.evaluate(() => { location.hash = '#/campaigns'; });
  await page.waitForSelector('#forbidden');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
