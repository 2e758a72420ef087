// test_i18n: English and German render every screen with no missing string and no unfilled placeholder.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, newPage, login, until, screenshot, closeBrowser, catalogue } from './harness.mjs';

const d = new Daemon({ demo_traffic: { humans: 26, calls_per_min: 6, talk_ms: 600000, patience_ms: 0, seed: 7 } });
let url;

before(async () => { url = await d.start(); });
after(async () => { await closeBrowser(); await d.stop(); d.cleanup(); });

test('both catalogues hold the same keys, all translated', () => {
  const en = catalogue('en'), de = catalogue('de');
  assert.deepEqual(Object.keys(en).sort(), Object.keys(de).sort());
  for (const [k, v] of Object.entries(en)) {
    const ph = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
    assert.equal(ph(de[k]), ph(v), `placeholders of ${k}`);
  }
});

const SCREENS = [
  ['agent1', ['#/desktop']],
  ['lead1', ['#/team', '#/desktop', '#/wallboard']],
  ['super1', ['#/wallboard', '#/wallboard/big', '#/admin/dispositions', '#/admin/scripts/1', '#/admin/knowledge']],
  ['admin', ['#/admin/users', '#/admin/users/new', '#/admin/teams/1', '#/admin/agents/1', '#/admin/skills/4', '#/admin/queues/1', '#/admin/numbers/1', '#/admin/dispositions/1', '#/admin/scripts', '#/admin/knowledge/1']],
];

for (const lang of ['en', 'de']) {
  test(`every screen in ${lang}`, async () => {
    const page = await newPage({ locale: lang === 'de' ? 'de-DE' : 'en-GB' });
    // the login screen, in the language chosen there
    await page.goto(url);
    await page.waitForSelector('#login-lang');
    if ((await page.inputValue('#login-lang')) !== lang) {
      await page.selectOption('#login-lang', lang);
      await page.waitForFunction((l) => document.documentElement.lang === l, lang);
    }
    await check(page, 'login');
    for (const [user, hashes] of SCREENS) {
      await login(page, url, user);
      // the language is remembered per user: switch it in the header when this user chose the other one
      if ((await page.inputValue('#lang')) !== lang) {
        await page.selectOption('#lang', lang);
        await page.waitForFunction((l) => document.documentElement.lang === l, lang);
        await page.waitForSelector('main .loading', { state: 'detached', timeout: 15000 }).catch(() => {});
        const prefs = (await (await d.as(user)).get('/me/preferences')).body;
        assert.equal(prefs.language, lang, 'the choice is stored for the user');
      }
      if (user === 'agent1') {
        await page.click('#btn-ready');
        await page.waitForSelector('#incoming:not([hidden])', { timeout: 60000 });
      }
      for (const h of hashes) {
        await page.evaluate((x) => { location.hash = x; }, h);
        await page.waitForSelector('main .loading', { state: 'detached', timeout: 15000 }).catch(() => {});
        await page.waitForTimeout(300);
        await check(page, `${user} ${h}`);
        if (lang === 'de' && h === '#/desktop' && user === 'agent1') await screenshot(page, 'desktop-de');
      }
      if (user === 'agent1') {
        // the desktop's other states: talking, a dialog, wrap-up
        await page.click('#btn-answer');
        await page.waitForSelector('#btn-hangup');
        await check(page, 'agent1 talking');
        await page.keyboard.press('Alt+T');
        await page.waitForSelector('dialog[open]');
        await check(page, 'agent1 transfer dialog');
        await page.keyboard.press('Escape');
        await page.click('#btn-hangup');
        await page.waitForSelector('#wrap-form');
        await page.click('#wrap-submit');
        await check(page, 'agent1 wrap-up');
        await page.selectOption('#wrap-disposition', '1');
        await page.click('#wrap-submit');
        await page.waitForSelector('#wrap-form', { state: 'detached' });
        await page.click('#btn-agent-logout');
      }
      // the help dialog too
      await page.keyboard.press('?');
      await page.waitForSelector('dialog[open]');
      await check(page, `${user} help`);
      await page.keyboard.press('Escape');
      await page.click('#logout');
      await page.waitForSelector('#login-user');
    }
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
}

async function check(page, where) {
  const missing = await page.evaluate(() => window.__sbMissing || []);
  assert.deepEqual(missing, [], `missing keys on ${where}`);
  const text = await page.evaluate(() => document.body.innerText);
  assert.ok(!/\u27e6/.test(text), `a missing key shows on ${where}`);
  const stray = text.match(/\{[a-z_]+\}/g);
  assert.equal(stray, null, `unfilled placeholder on ${where}: ${stray}`);
}
