// main: start-up, login, the header and navigation by role, language, the offline banner, routing.

import { h, fill, $, toast } from './dom.js';
import { api, get, post, put, setCsrf, on as onNet, ApiError } from './api.js';
import * as live from './live.js';
import { t, loadLanguage, initialLanguage, language, setZone, LANGUAGES } from './i18n.js';

const views = {
  desktop: { roles: ['agent', 'team_lead'], load: () => import('./desktop.js') },
  team: { roles: ['team_lead'], load: () => import('./team.js') },
  wallboard: { roles: ['team_lead', 'supervisor', 'planner', 'admin'], load: () => import('./wallboard.js') },
  admin: { roles: ['supervisor', 'admin'], load: () => import('./admin.js') },
  campaigns: { roles: ['supervisor', 'planner', 'admin'], load: () => import('./campaigns.js') },
  qa: { roles: ['qa', 'supervisor', 'admin'], load: () => import('./qa.js') },
  myqa: { roles: ['agent', 'team_lead'], load: () => import('./qa.js').then((m) => ({ mount: m.mountMine })) },
};
const HOME = { agent: 'desktop', team_lead: 'team', supervisor: 'wallboard', planner: 'wallboard', qa: 'qa', admin: 'admin' };

const ctx = { me: null, user: null, site: null, rerender: null };
let current = { name: null, cleanup: null };
let sessionLost = false;

/* ---------- offline banner ---------- */

function banner(text) {
  const b = $('#offline');
  if (!text) { b.hidden = true; b.textContent = ''; document.body.classList.remove('is-offline'); return; }
  b.textContent = text;
  b.hidden = false;
  document.body.classList.add('is-offline');
}

let offlineTimer = 0;
onNet('offline', () => {
  // a short hiccup is not worth a banner
  clearTimeout(offlineTimer);
  offlineTimer = setTimeout(() => banner(t('offline.banner')), 700);
});
onNet('online', async () => {
  clearTimeout(offlineTimer);
  banner(null);
  if (!ctx.user) return;
  try {
    const me = await get('/me');
    setCsrf(me.csrf_token);
    live.start();
    if (current.name) route(true);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) return;
  }
});
onNet('unauthenticated', () => {
  if (!ctx.user || sessionLost) return;
  sessionLost = true;
  live.stop();
  showLogin(t('login.session_ended'));
});

/* ---------- login ---------- */

function showLogin(message) {
  if (current.cleanup) current.cleanup();
  current = { name: null, cleanup: null };
  ctx.user = null;
  $('#top').hidden = true;
  const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'login-pass', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const err = h('p', { class: 'form-error', role: 'alert', id: 'login-error' }, message || '');
  const langSel = languageSelect(false);
  const form = h('form', { class: 'login card', 'aria-labelledby': 'login-title',
    onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      try {
        const r = await post('/login', { username: user.value.trim(), password: pass.value });
        setCsrf(r.csrf_token);
        sessionLost = false;
        await afterLogin(r.user);
      } catch (ex) {
        err.textContent = ex.status === 429 ? t('login.wait') : ex.status === 401 ? t('login.failed') : t('error.generic', { message: ex.message });
        pass.select();
      }
    } },
  h('h1', { id: 'login-title' }, t('app.name')),
  h('p', { class: 'muted' }, t('login.intro')),
  h('div', { class: 'field' }, h('label', { for: 'login-user' }, t('login.username')), user),
  h('div', { class: 'field' }, h('label', { for: 'login-pass' }, t('login.password')), pass),
  err,
  h('div', { class: 'row' }, h('button', { class: 'primary', type: 'submit', id: 'login-submit' }, t('login.submit')), langSel));
  fill($('#main'), h('div', { class: 'login-wrap' }, form));
  user.focus();
}

function languageSelect(remember) {
  const sel = h('select', { id: remember ? 'lang' : 'login-lang', 'aria-label': t('nav.language'),
    onchange: async () => {
      await loadLanguage(sel.value);
      if (remember && ctx.user) {
        try { await put('/me/preferences', { language: sel.value }); } catch (e) { /* kept locally */ }
        renderTop();
        route(true);
      } else {
        showLogin();
      }
    } },
  LANGUAGES.map((l) => h('option', { value: l, selected: l === language() }, t('lang.' + l))));
  return sel;
}

async function afterLogin(user) {
  ctx.user = user;
  const [prefs, sites] = await Promise.all([get('/me/preferences'), get('/sites')]);
  ctx.prefs = prefs;
  const site = sites.items.find((s) => s.id === user.site_id) || sites.items[0];
  setZone(site ? site.time_zone : 'UTC');
  if (prefs.language && prefs.language !== language()) await loadLanguage(prefs.language);
  else if (!prefs.language) put('/me/preferences', { language: language() }).catch(() => {});
  live.start();
  renderTop();
  if (!location.hash || location.hash === '#/' || !allowed(viewName())) location.hash = '#/' + HOME[user.role];
  route(true);
}

/* ---------- header ---------- */

function allowed(name) {
  const v = views[name];
  return v && ctx.user && v.roles.includes(ctx.user.role);
}

function renderTop() {
  const top = $('#top');
  const links = Object.keys(views).filter(allowed).map((name) =>
    h('a', { href: '#/' + name, class: 'nav-link', dataset: { view: name } }, t('nav.' + name)));
  fill(top,
    h('a', { class: 'brand', href: '#/' + HOME[ctx.user.role] }, t('app.name')),
    h('nav', { 'aria-label': t('nav.main') }, links),
    h('div', { class: 'top-right' },
      h('span', { class: 'who', title: t('roles.' + ctx.user.role) }, ctx.user.username, ' · ', t('roles.' + ctx.user.role)),
      languageSelect(true),
      h('button', { class: 'link', type: 'button', onclick: () => showHelp() }, t('nav.shortcuts')),
      h('button', { class: 'link', type: 'button', id: 'logout', onclick: logout }, t('nav.logout'))));
  top.hidden = false;
  markNav();
}

function markNav() {
  for (const a of document.querySelectorAll('.nav-link')) {
    if (a.dataset.view === current.name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function logout() {
  try { await post('/logout'); } catch (e) { /* gone anyway */ }
  live.stop();
  ctx.user = null;
  location.hash = '';
  showLogin();
}

/* ---------- help: keyboard shortcuts ---------- */

export function showHelp() {
  import('./dom.js').then(({ modal }) => modal(t('help.title'), (close) => {
    const rows = (ctx.shortcuts || []).map(([k, label]) => h('tr', null, h('th', { scope: 'row' }, h('kbd', null, k)), h('td', null, label)));
    return h('div', null,
      rows.length ? h('table', { class: 'shortcuts' }, h('tbody', null, rows)) : h('p', null, t('help.none')),
      h('p', { class: 'muted' }, t('help.general')),
      h('div', { class: 'actions' }, h('button', { class: 'primary', onclick: () => close() }, t('common.close'))));
  }));
}

document.addEventListener('keydown', (e) => {
  if (e.key === '?' && !/^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName) && !document.querySelector('dialog[open]')) {
    e.preventDefault();
    showHelp();
  }
});

/* ---------- routing ---------- */

function viewName() {
  const m = /^#\/([a-z]+)/.exec(location.hash || '');
  return m ? m[1] : null;
}

async function route(force) {
  if (!ctx.user) return;
  const name = viewName() || HOME[ctx.user.role];
  if (!force && name === current.name && current.hash === location.hash) return;
  if (current.cleanup) current.cleanup();
  current = { name, hash: location.hash, cleanup: null };
  ctx.shortcuts = [];
  markNav();
  const main = $('#main');
  if (!views[name]) {
    fill(main, h('section', { class: 'card' }, h('h1', null, t('error.not_found_title')), h('p', null, t('error.not_found'))));
    return;
  }
  if (!allowed(name)) {
    fill(main, h('section', { class: 'card', id: 'forbidden' }, h('h1', null, t('error.forbidden_title')), h('p', null, t('error.forbidden'))));
    return;
  }
  // each mount draws into its own box: one overtaken by a newer route (same view, another hash) draws out of sight
  const me = current;
  const box = h('div', { class: 'view' }, h('p', { class: 'muted loading' }, t('common.loading')));
  fill(main, box);
  try {
    const mod = await views[name].load();
    if (current !== me) return;
    const cleanup = await mod.mount(box, ctx, me.hash);
    if (current === me) current.cleanup = cleanup; else if (cleanup) cleanup();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    if (current !== me) return;
    if (e instanceof ApiError && e.status === 0) {
      fill(main, h('p', { class: 'muted' }, t('offline.waiting')));
      return;
    }
    console.error(e);
    fill(main, h('section', { class: 'card' }, h('p', { class: 'form-error' }, t('error.generic', { message: e.message }))));
  }
  main.focus({ preventScroll: true });
}

ctx.rerender = () => route(true); // a view shows itself again (an admin list after an edit)
window.addEventListener('hashchange', () => route(false));

/* ---------- start ---------- */

async function boot() {
  await loadLanguage(initialLanguage());
  try {
    const me = await get('/me');
    setCsrf(me.csrf_token);
    await afterLogin(me.user);
  } catch (e) {
    if (e instanceof ApiError && e.status === 0) {
      // the daemon is not reachable yet: wait for it, then start again
      banner(t('offline.banner'));
      onNet('online', () => { if (!ctx.user) boot(); });
      return;
    }
    showLogin();
  }
}

boot();
