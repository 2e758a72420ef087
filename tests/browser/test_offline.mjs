// test_offline: the app shows that the daemon is gone and recovers by itself when it is back.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, newPage, login, until, screenshot, closeBrowser } from './harness.mjs';

const d = new Daemon();
let url;

before(async () => { url = await d.start(); });
after(async () => { await closeBrowser(); await d.stop(); d.cleanup(); });

test('offline banner while the daemon is stopped; back by itself after its restart', async () => {
  const page = await newPage();
  await login(page, url, 'agent1');
  await page.waitForSelector('#agent-state');
  assert.equal(await page.isHidden('#offline'), true);

  await d.stop();
  await page.waitForSelector('#offline:not([hidden])', { timeout: 10000 });
  assert.match(await page.textContent('#offline'), /Connection to the server lost/);
  await screenshot(page, 'offline');

  // same port, same data: the app notices by itself (no reload, no click)
  await d.start();
  await page.waitForSelector('#offline', { state: 'hidden', timeout: 20000 });
  // sessions live in the daemon's memory: after a restart the app asks to sign in again, saying why
  // (with sessions kept across restarts it would simply stay on the desktop)
  const state = await until(async () => {
    if (await page.isVisible('#login-error')) return 'login';
    if (await page.isVisible('#agent-state') && !(await page.isVisible('#offline'))) return 'desktop';
    return null;
  }, 15000, 'login or desktop after the restart');
  if (state === 'login') {
    assert.match(await page.textContent('#login-error'), /session ended/);
    await page.fill('#login-user', 'agent1');
    await page.fill('#login-pass', 'demo');
    await page.click('#login-submit');
  }
  await page.waitForSelector('#agent-state');
  // and it is live again: a state change made elsewhere shows up
  const api = await d.as('agent1');
  assert.equal((await api.put('/me/state', { state: 'not_ready', reason: 102 })).status, 200);
  await until(async () => /Lunch/.test(await page.textContent('#agent-state')), 10000, 'the live state after recovery');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
