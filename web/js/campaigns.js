// campaigns: outbound campaigns for supervisors and admins (planners read): the list, create and edit
// (dial mode, compliance profile, calling windows, retry rules, agents, script), lead lists (CSV import
// with column mapping and the row-by-row rejection report, recycling), do-not-call lists (global and
// per campaign), start/stop, and the live view (dial level, answer rate, abandonment against the
// limit, leads left, "why no dialable leads"), refreshed by the dialer's events and a poll.

import { h, fill, field, toast, modal } from './dom.js';
import { get, post, put, del, ApiError } from './api.js';
import * as live from './live.js';
import { t, fmtDateTime, fmtPct, fmtNum } from './i18n.js';

const MODES = ['preview', 'progressive', 'predictive'];
const PROFILES = ['us', 'uk', 'custom'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/* The results whose retry rule a campaign sets (callback: the agreed time; dnc: always final). */
const RETRY_RESULTS = ['no-answer', 'busy', 'failed', 'abandoned', 'completed', 'wrong-number', 'not-interested'];
const DEFAULT_RETRY = {
  'no-answer': { delay_minutes: 120, max_attempts: 6 }, busy: { delay_minutes: 15, max_attempts: 6 },
  failed: { delay_minutes: 240, max_attempts: 3 }, abandoned: { delay_minutes: 60, max_attempts: 6 },
  completed: { final: true }, 'wrong-number': { final: true }, 'not-interested': { final: true },
};
/* What a wrap-up disposition may stand for (disposition_map; "none": no result). */
const DMAP_RESULTS = ['completed', 'callback', 'not-interested', 'wrong-number', 'no-answer', 'busy', 'failed', 'dnc'];
const RECYCLE_RESULTS = ['no-answer', 'busy', 'failed', 'abandoned', 'not-interested', 'wrong-number', 'completed', 'none'];
const WHY = ['in_call', 'dnc', 'max_attempts', 'done', 'lockout', 'callback_wait', 'callback_agent', 'retry_wait', 'window_closed', 'zone_unknown'];
const CUSTOM = [['abandon_limit_pct', 'number', 3], ['abandon_window_hours', 'number', 720], ['safe_harbour_seconds', 'number', 2],
  ['min_ring_seconds', 'number', 15], ['window_start', 'time', '08:00'], ['window_end', 'time', '21:00'], ['lockout_hours', 'number', 0]];
const SUBS = ['live', 'settings', 'lists', 'dnc'];
const POLL_MS = 4000;

export async function mount(root, ctx, hash) {
  const m = /^#\/campaigns\/?(dnc|new|\d+)?(?:\/([a-z]+))?/.exec(hash || '') || [];
  const canWrite = ['supervisor', 'admin'].includes(ctx.user.role);
  ctx.shortcuts = [['?', t('help.title')]];
  const refs = { queues: [], scripts: [], agents: [], skills: [], clients: [], dispositions: [] };
  await Promise.all([
    get('/queues').then((r) => { refs.queues = r.items; }),
    get('/scripts').then((r) => { refs.scripts = r.items; }).catch(() => {}),
    get('/agents').then((r) => { refs.agents = r.items; }).catch(() => {}),
    get('/skills').then((r) => { refs.skills = r.items; }).catch(() => {}),
    get('/clients').then((r) => { refs.clients = r.items; }).catch(() => {}),
    get('/dispositions?all=true').then((r) => { refs.dispositions = r.items; }).catch(() => {}),
  ]);
  const cleanups = [];
  const tabs = h('nav', { class: 'tabs', 'aria-label': t('camp.sections') },
    h('a', { href: '#/campaigns', 'aria-current': m[1] !== 'dnc' ? 'page' : null }, t('camp.campaigns')),
    h('a', { href: '#/campaigns/dnc', id: 'camp-global-dnc', 'aria-current': m[1] === 'dnc' ? 'page' : null }, t('camp.global_dnc')));
  const body = h('div', { class: 'campaigns-body' });
  fill(root, h('div', { class: 'campaigns' }, h('h1', { class: 'view-title' }, t('camp.title')), tabs, body));

  if (m[1] === 'dnc') {
    const panel = h('section', { class: 'panel', id: 'dnc-panel' });
    fill(body, panel);
    await dncPanel(panel, '/dnc', canWrite, t('camp.global_dnc'));
  } else if (m[1] === 'new') {
    if (!canWrite) { fill(body, h('p', { class: 'form-error' }, t('error.forbidden'))); return null; }
    const panel = h('section', { class: 'panel', id: 'camp-form-panel', 'aria-labelledby': 'camp-form-h' });
    fill(body, panel);
    settingsForm(panel, null);
  } else if (m[1]) {
    await detail(Number(m[1]), SUBS.includes(m[2]) ? m[2] : 'live');
  } else {
    await list();
  }
  return () => { for (const fn of cleanups) fn(); };

  /* ---------- the list ---------- */
  async function list() {
    const items = (await get('/campaigns?limit=500')).items;
    const running = new Map();
    await Promise.all(items.slice(0, 100).map((c) => (typeof c.running === 'boolean' ? Promise.resolve(c) : get('/campaigns/' + c.id + '/live'))
      .then((l) => running.set(c.id, l.running)).catch(() => {})));
    const panel = h('section', { class: 'panel', id: 'camp-list', 'aria-labelledby': 'camp-list-h' });
    fill(body, panel);
    fill(panel, h('div', { class: 'panel-head' }, h('h2', { id: 'camp-list-h' }, t('camp.campaigns')),
      canWrite ? h('a', { class: 'button primary', href: '#/campaigns/new', id: 'camp-new' }, t('camp.new')) : null),
    items.length ? h('table', { class: 'grid', id: 'camp-table' },
      h('thead', null, h('tr', null, ['name', 'dial_mode', 'profile', 'queue_id', 'status'].map((c) => h('th', { scope: 'col' }, t('camp.f.' + c))))),
      h('tbody', null, items.map((c) => h('tr', { class: c.active === false ? 'inactive' : '' },
        h('th', { scope: 'row' }, h('a', { href: '#/campaigns/' + c.id }, c.name)),
        h('td', null, t('camp.mode.' + c.dial_mode)),
        h('td', null, t('camp.profile.' + c.profile)),
        h('td', null, queueName(c.queue_id)),
        h('td', null, runBadge(running.get(c.id))))))) : h('p', { class: 'muted', id: 'camp-none' }, t('camp.none')));
  }

  function runBadge(on) {
    return h('span', { class: 'pill ' + (on ? 'state-ready' : 'state-logged-out'), dataset: { running: on ? '1' : '0' } }, on ? t('camp.running') : t('camp.stopped'));
  }
  function queueName(id) {
    if (!id) return '-';
    const q = refs.queues.find((x) => x.id === id);
    return q ? q.name : '#' + id;
  }

  /* ---------- one campaign ---------- */
  async function detail(id, sub) {
    const c = await get('/campaigns/' + id);
    let lv = await get('/campaigns/' + id + '/live').catch(() => ({ running: false }));
    const badge = h('span', { id: 'camp-run-state' }, runBadge(lv.running));
    const runBtn = h('span', { class: 'actions' });
    const drawRun = () => {
      fill(badge, runBadge(lv.running));
      fill(runBtn, !canWrite ? null : lv.running
        ? h('button', { type: 'button', class: 'danger', id: 'camp-stop', onclick: stop }, t('camp.stop'))
        : h('button', { type: 'button', class: 'ok', id: 'camp-start', onclick: start }, t('camp.start')));
    };
    async function start() {
      const rule = await modal(t('camp.start_title', { name: c.name }), (close) => {
        const sl = h('input', { id: 'start-min-sl', name: 'blend_min_sl', type: 'number', min: 0, max: 100, step: 'any',
          value: String(typeof c.blend_min_sl === 'number' ? Math.round(c.blend_min_sl * 1000) / 10 : 80) });
        const rs = h('input', { id: 'start-reserve', name: 'blend_reserve', type: 'number', min: 0, max: 1000,
          value: String(typeof c.blend_reserve === 'number' ? c.blend_reserve : 0) });
        return h('form', { onsubmit: (e) => { e.preventDefault(); close({ blend_min_sl: Number(sl.value) / 100, blend_reserve: Number(rs.value) }); } },
          h('p', { class: 'muted small' }, t('camp.blend_hint')),
          field(t('camp.blend_min_sl'), sl), field(t('camp.blend_reserve'), rs),
          h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => close(null) }, t('common.cancel')),
            h('button', { type: 'submit', class: 'primary', id: 'start-submit' }, t('camp.start'))));
      });
      if (!rule) return;
      try {
        const r = await post('/campaigns/' + id + '/start', rule);
        toast(t('camp.started', { agents: r.agents, leads: r.leads }));
        lv.running = true;
        drawRun();
        if (sub === 'live') refreshLive();
      } catch (e) { toast(errorText(e), 'error'); }
    }
    async function stop() {
      try {
        await post('/campaigns/' + id + '/stop', {});
        toast(t('camp.stopped_toast'));
        lv.running = false;
        drawRun();
        if (sub === 'live') refreshLive();
      } catch (e) { toast(errorText(e), 'error'); }
    }
    drawRun();
    const subTabs = h('nav', { class: 'tabs subtabs', 'aria-label': t('camp.sections') }, SUBS.map((s) =>
      h('a', { href: '#/campaigns/' + id + '/' + s, id: 'camp-tab-' + s, 'aria-current': s === sub ? 'page' : null }, t('camp.sub.' + s))));
    const panel = h('section', { class: 'panel', id: 'camp-' + sub, 'aria-labelledby': 'camp-sub-h' });
    fill(body, h('div', { class: 'camp-head' },
      h('a', { href: '#/campaigns', class: 'small' }, '← ' + t('camp.all')),
      h('h2', { id: 'camp-name' }, c.name), badge,
      h('span', { class: 'tag' }, t('camp.mode.' + c.dial_mode)), h('span', { class: 'tag' }, t('camp.profile.' + c.profile)), runBtn),
    subTabs, panel);

    if (sub === 'settings') settingsForm(panel, c);
    else if (sub === 'lists') await listsPanel(panel, c);
    else if (sub === 'dnc') await dncPanel(panel, '/campaigns/' + id + '/dnc', canWrite, t('camp.campaign_dnc'));
    else await livePanel(panel, c);

    async function refreshLive() { if (panel.refresh) await panel.refresh(); }
    async function livePanel(p, camp) {
      const out = h('div', { id: 'live-figures', 'aria-live': 'off' });
      const stamp = h('p', { class: 'muted small', id: 'live-updated' });
      fill(p, h('div', { class: 'panel-head' }, h('h2', { id: 'camp-sub-h' }, t('camp.sub.live')), stamp), out);
      let busy = false;
      p.refresh = async () => {
        if (busy) return;
        busy = true;
        try {
          const [l, rep] = await Promise.all([get('/campaigns/' + camp.id + '/live'), get('/campaigns/' + camp.id + '/report')]);
          const why = l.why ? l.why : await get('/campaigns/' + camp.id + '/why').then((w) => ({ total: w.total, dialable: w.dialable, ...w.excluded }));
          if (l.running !== lv.running) { lv.running = l.running; drawRun(); }
          drawLive(out, l, rep, why);
          stamp.textContent = t('camp.updated', { time: fmtDateTime(Date.now()) });
        } catch (e) {
          if (!(e instanceof ApiError) || e.status !== 0) stamp.textContent = errorText(e);
        } finally { busy = false; }
      };
      await p.refresh();
      const timer = setInterval(() => p.refresh(), POLL_MS);
      // the dialer's events of this campaign (dialer.attempt, dialer.result ...): refresh at once, at most twice a second
      let soon = 0;
      const unsub = live.subscribe((type, ev) => {
        if (!type.startsWith('dialer.') || !ev || ev.campaign !== camp.id || soon) return;
        soon = setTimeout(() => { soon = 0; p.refresh(); }, 500);
      });
      cleanups.push(() => { clearInterval(timer); clearTimeout(soon); unsub(); });
    }
  }

  function metric(id, label, value, level) {
    return h('div', { class: 'metric' + (level ? ' metric-' + level : ''), id },
      h('span', { class: 'value' }, value), h('span', { class: 'label' }, label));
  }

  function drawLive(out, l, rep, why) {
    const ag = l.agents || { free: 0, busy: 0, away: 0 };
    const working = ag.free + ag.busy;
    const level = l.running && working ? ((l.ringing || 0) + (l.waiting || 0) + ag.busy) / working : null;
    // the abandonment rate: the running dialer's rolling window, else the stored attempts' (same profile window)
    const roll = l.rolling || rep.rolling || { rate: 0, limit: 0.03, live_answers: 0, abandoned: 0 };
    const limit = roll.limit || (rep.rolling ? rep.rolling.limit : 0.03);
    const ratio = limit ? roll.rate / limit : 0;
    const abLevel = ratio >= 1 ? 'alert' : ratio >= 0.8 ? 'warn' : 'ok';
    const leadsLeft = rep.leads ? rep.leads.total - rep.leads.done : null;
    const answerRate = l.running ? l.answer_rate : (rep.attempts ? rep.live_answers / rep.attempts : null);
    const maxWhy = Math.max(1, why.total || 0);
    fill(out,
      h('div', { class: 'tile-main camp-metrics' },
        metric('live-dial-level', t('camp.dial_level'), level === null ? '-' : level.toFixed(2)),
        metric('live-answer-rate', t('camp.answer_rate'), fmtPct(answerRate, 1)),
        metric('live-abandon', t('camp.abandon_vs_limit'), fmtPct(roll.rate, 2) + ' / ' + fmtPct(limit, 1), abLevel),
        metric('live-leads-left', t('camp.leads_left'), leadsLeft === null ? '-' : fmtNum(leadsLeft)),
        metric('live-dialable', t('camp.why.dialable'), fmtNum(why.dialable || 0))),
      h('progress', { id: 'live-abandon-bar', max: 1, value: Math.min(1, ratio), 'aria-label': t('camp.abandon_vs_limit') }),
      h('div', { class: 'camp-live-grid' },
        h('section', null, h('h3', null, t('camp.calls')),
          h('dl', { class: 'kv compact', id: 'live-calls' },
            h('dt', null, t('camp.attempts')), h('dd', { id: 'live-attempts' }, fmtNum(l.running ? l.attempts : rep.attempts)),
            h('dt', null, t('camp.answered')), h('dd', { id: 'live-answered' }, fmtNum(l.running ? l.answered : rep.live_answers)),
            h('dt', null, t('camp.abandoned')), h('dd', { id: 'live-abandoned' }, fmtNum(l.running ? l.abandoned : rep.abandoned)),
            l.running ? [h('dt', null, t('camp.connected')), h('dd', null, fmtNum(l.connected)),
              h('dt', null, t('camp.ringing')), h('dd', { id: 'live-ringing' }, fmtNum(l.ringing)),
              h('dt', null, t('camp.waiting')), h('dd', null, fmtNum(l.waiting))] : null,
            h('dt', null, t('camp.rolling_window', { hours: rep.rolling ? rep.rolling.window_hours : '-' })),
            h('dd', null, t('camp.rolling_counts', { abandoned: roll.abandoned, live: roll.live_answers }))),
          h('p', { class: 'muted small' }, t('camp.live_rule'))),
        h('section', null, h('h3', null, t('camp.agents')),
          h('dl', { class: 'kv compact', id: 'live-agents' },
            h('dt', null, t('camp.agents_free')), h('dd', null, l.running ? fmtNum(ag.free) : '-'),
            h('dt', null, t('camp.agents_busy')), h('dd', null, l.running ? fmtNum(ag.busy) : '-'),
            h('dt', null, t('camp.agents_away')), h('dd', null, l.running ? fmtNum(ag.away) : '-')),
          h('h3', null, t('camp.pacing')),
          l.running && l.pacing ? h('p', { id: 'live-pacing' }, t('camp.pacing_text', { mode: t('camp.mode.' + l.pacing.mode), dial: l.pacing.dial }), h('br'),
            h('span', { class: 'muted small' }, l.pacing.why)) : h('p', { class: 'muted', id: 'live-pacing' }, t('camp.not_running'))),
        h('section', null, h('h3', null, t('camp.why_title')),
          h('table', { class: 'grid why', id: 'why-table' },
            h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('camp.why_filter')), h('th', { scope: 'col', class: 'num' }, t('camp.why_leads')), h('th', { scope: 'col' }, ''))),
            h('tbody', null, ['dialable', ...WHY].map((k) => h('tr', { dataset: { why: k }, class: why[k] ? '' : 'inactive' },
              h('th', { scope: 'row' }, t('camp.why.' + k)), h('td', { class: 'num' }, fmtNum(why[k] || 0)),
              h('td', null, h('progress', { max: maxWhy, value: why[k] || 0, 'aria-hidden': 'true' }))))),
            h('tfoot', null, h('tr', null, h('th', { scope: 'row' }, t('camp.why_total')), h('td', { class: 'num', id: 'why-total' }, fmtNum(why.total || 0)), h('td', null, '')))))));
  }

  /* ---------- settings ---------- */
  function settingsForm(panel, c) {
    const create = !c;
    const v = c || { dial_mode: 'preview', profile: 'us', ring_seconds: 20, active: true, agents: [], skills: [] };
    const input = (name, attrs = {}) => h('input', { id: 'cf-' + name.replace(/[._]/g, '-'), name, autocomplete: 'off', ...attrs });
    const name = input('name', { required: true, maxlength: 100, value: v.name || '' });
    const clientSel = h('select', { id: 'cf-client', name: 'client_id' }, refs.clients.map((x) => h('option', { value: x.id, selected: v.client_id === x.id }, x.name)));
    const queue = h('select', { id: 'cf-queue', name: 'queue_id' }, h('option', { value: '' }, t('admin.none')),
      refs.queues.filter((q) => q.active !== false || q.id === v.queue_id).map((q) => h('option', { value: q.id, selected: q.id === v.queue_id }, q.name)));
    const caller = input('caller_id', { value: v.caller_id || '', maxlength: 40 });
    const mode = h('select', { id: 'cf-mode', name: 'dial_mode' }, MODES.map((x) => h('option', { value: x, selected: x === v.dial_mode }, t('camp.mode.' + x))));
    const profile = h('select', { id: 'cf-profile', name: 'profile' }, PROFILES.map((x) => h('option', { value: x, selected: x === v.profile }, t('camp.profile.' + x))));
    const pc = v.profile_custom || {};
    const customCtl = {};
    const customBox = h('fieldset', { id: 'cf-custom', class: 'camp-fieldset' }, h('legend', null, t('camp.custom_profile')),
      h('div', { class: 'camp-cols' }, CUSTOM.map(([k, type, dflt]) => {
        customCtl[k] = input('profile_custom.' + k, { type, value: pc[k] !== undefined ? String(pc[k]) : String(dflt), step: type === 'number' ? 'any' : null });
        return field(t('camp.pc.' + k), customCtl[k]);
      })));
    const showCustom = () => { customBox.hidden = profile.value !== 'custom'; };
    profile.addEventListener('change', showCustom);
    showCustom();
    const ring = input('ring_seconds', { type: 'number', min: 5, max: 300, value: String(v.ring_seconds || 20) });
    const zone = input('default_zone', { value: v.default_zone || '', placeholder: 'Europe/Berlin' });
    const script = h('select', { id: 'cf-script', name: 'script_id' }, h('option', { value: '' }, t('admin.none')),
      refs.scripts.map((x) => h('option', { value: x.id, selected: x.id === v.script_id }, x.name)));
    const active = h('input', { id: 'cf-active', name: 'active', type: 'checkbox', checked: v.active !== false });

    // calling windows: a row per weekday, or the default (09:00-20:00 every day)
    const winDefault = h('input', { type: 'checkbox', id: 'cf-win-default', checked: !v.windows });
    const dayCtl = {};
    const winRows = DAYS.map((d) => {
      const w = v.windows && v.windows[d];
      const on = h('input', { type: 'checkbox', id: 'cf-win-' + d, checked: v.windows ? !!w : true, 'aria-label': t('camp.day.' + d) });
      const s = h('input', { type: 'time', id: 'cf-win-' + d + '-start', name: 'windows.' + d, value: w ? w.start : '09:00', 'aria-label': t('camp.day.' + d) + ' ' + t('camp.from') });
      const e = h('input', { type: 'time', id: 'cf-win-' + d + '-end', value: w ? (w.end === '24:00' ? '23:59' : w.end) : '20:00', 'aria-label': t('camp.day.' + d) + ' ' + t('camp.to') });
      dayCtl[d] = { on, s, e };
      return h('tr', null, h('th', { scope: 'row' }, h('label', { class: 'check' }, on, t('camp.day.' + d))), h('td', null, s), h('td', null, e),
        h('td', null, h('div', { class: 'field-error', id: 'cf-win-' + d + '-start-err', role: 'alert' })));
    });
    const winTable = h('table', { class: 'grid compact-grid', id: 'cf-windows' },
      h('thead', null, h('tr', null, h('th', null, t('camp.day')), h('th', null, t('camp.from')), h('th', null, t('camp.to')), h('th', null, ''))),
      h('tbody', null, winRows));
    const showWin = () => { winTable.hidden = winDefault.checked; };
    winDefault.addEventListener('change', showWin);
    showWin();

    // retry rules per result
    const rr = { ...DEFAULT_RETRY, ...(v.retry_rules || {}) };
    const retryCtl = {};
    const retryTable = h('table', { class: 'grid compact-grid', id: 'cf-retry' },
      h('thead', null, h('tr', null, h('th', null, t('camp.result')), h('th', null, t('camp.retry_kind')), h('th', null, t('camp.retry_delay')), h('th', null, t('camp.retry_max')))),
      h('tbody', null, RETRY_RESULTS.map((r) => {
        const rule = rr[r] || {};
        const kind = h('select', { id: 'cf-retry-' + r, 'aria-label': t('camp.result.' + r) },
          h('option', { value: 'retry', selected: !rule.final }, t('camp.retry_again')), h('option', { value: 'final', selected: !!rule.final }, t('camp.retry_final')));
        const delay = h('input', { type: 'number', class: 'narrow', min: 0, id: 'cf-retry-' + r + '-delay', value: rule.final ? '' : String(rule.delay_minutes ?? ''), 'aria-label': t('camp.result.' + r) + ' ' + t('camp.retry_delay') });
        const max = h('input', { type: 'number', class: 'narrow', min: 1, id: 'cf-retry-' + r + '-max', value: rule.final ? '' : String(rule.max_attempts ?? ''), 'aria-label': t('camp.result.' + r) + ' ' + t('camp.retry_max') });
        const sync = () => { delay.disabled = max.disabled = kind.value === 'final'; };
        kind.addEventListener('change', sync);
        sync();
        retryCtl[r] = { kind, delay, max };
        return h('tr', null, h('th', { scope: 'row' }, t('camp.result.' + r)), h('td', null, kind), h('td', null, delay), h('td', null, max));
      })));
    const retryErr = h('div', { class: 'field-error', id: 'cf-retry-err', role: 'alert' });

    // the center's wrap-up dispositions as dialer results (when the agent gives no campaign outcome)
    const dmap = v.disposition_map || {};
    const dmapCtl = {};
    const dmapRows = refs.dispositions.filter((x) => x.active !== false || dmap[x.code]).map((x) => {
      const sel = h('select', { id: 'cf-dmap-' + x.id, 'aria-label': x.label },
        h('option', { value: '' }, t('camp.dmap_by_name')),
        [...DMAP_RESULTS, 'none'].map((r) => h('option', { value: r, selected: dmap[x.code] === r }, t('camp.result.' + r))));
      dmapCtl[x.code] = sel;
      return h('tr', null, h('th', { scope: 'row' }, x.label, ' ', h('span', { class: 'muted small mono' }, x.code)), h('td', null, sel));
    });
    const dmapErr = h('div', { class: 'field-error', id: 'cf-dmap-err', role: 'alert' });
    const retryName = h('input', { type: 'hidden', name: 'retry_rules', id: 'cf-retry-rules' });

    // who dials: agents listed, or holding one of the skills, or serving the queue
    const agentBox = h('div', { class: 'check-list', id: 'cf-agents' }, refs.agents.filter((a) => a.active !== false || (v.agents || []).includes(a.id)).map((a) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', value: a.id, checked: (v.agents || []).includes(a.id) }), a.name + (a.extension ? ' (' + a.extension + ')' : ''))));
    const skillBox = h('div', { class: 'check-list', id: 'cf-skills' }, refs.skills.filter((x) => x.active !== false || (v.skills || []).includes(x.id)).map((x) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', value: x.id, checked: (v.skills || []).includes(x.id) }), x.name)));

    const err = h('p', { class: 'form-error', role: 'alert', id: 'cf-error' });
    const form = h('form', { id: 'camp-form', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
      if (!name.value.trim()) { setErr(name, t('admin.required')); return; }
      const b = {
        name: name.value.trim(), queue_id: queue.value ? Number(queue.value) : null, caller_id: caller.value.trim() || null,
        dial_mode: mode.value, profile: profile.value, ring_seconds: Number(ring.value), default_zone: zone.value.trim() || null,
        script_id: script.value ? Number(script.value) : null, active: active.checked,
        agents: [...agentBox.querySelectorAll('input:checked')].map((x) => Number(x.value)),
        skills: [...skillBox.querySelectorAll('input:checked')].map((x) => Number(x.value)),
      };
      if (create && refs.clients.length) b.client_id = Number(clientSel.value);
      if (!Number.isFinite(b.ring_seconds)) { setErr(ring, t('admin.number')); return; }
      if (profile.value === 'custom') {
        b.profile_custom = {};
        for (const [k, type] of CUSTOM) {
          const x = customCtl[k].value.trim();
          if (x === '') continue;
          b.profile_custom[k] = type === 'number' ? Number(x) : x;
        }
      } else if (!create) b.profile_custom = null;
      if (winDefault.checked) b.windows = null;
      else {
        b.windows = {};
        for (const d of DAYS) {
          const { on, s, e: en } = dayCtl[d];
          if (!on.checked) continue;
          b.windows[d] = { start: s.value, end: en.value === '23:59' ? '24:00' : en.value };
        }
      }
      b.retry_rules = {};
      for (const r of RETRY_RESULTS) {
        const { kind, delay, max } = retryCtl[r];
        if (kind.value === 'final') { b.retry_rules[r] = { final: true }; continue; }
        const dm = Number(delay.value), ma = Number(max.value);
        if (delay.value === '' || max.value === '' || !Number.isInteger(dm) || !Number.isInteger(ma)) {
          retryErr.textContent = t('camp.retry_invalid', { result: t('camp.result.' + r) });
          (delay.value === '' ? delay : max).focus();
          return;
        }
        b.retry_rules[r] = { delay_minutes: dm, max_attempts: ma };
      }
      const map = {};
      for (const [code, sel] of Object.entries(dmapCtl)) if (sel.value) map[code] = sel.value;
      if (Object.keys(map).length) b.disposition_map = map;
      else if (!create && v.disposition_map) b.disposition_map = null;
      try {
        const saved = create ? await post('/campaigns', b) : await put('/campaigns/' + c.id, b);
        toast(t('admin.saved'));
        const target = '#/campaigns/' + saved.id + '/settings';
        if (location.hash === target) ctx.rerender(); else location.hash = target;
      } catch (ex) { showErr(form, ex, err, { retry_rules: retryErr, disposition_map: dmapErr }); }
    } },
    field(t('camp.f.name') + ' *', name),
    create && refs.clients.length > 1 ? field(t('camp.f.client_id'), clientSel) : null,
    h('div', { class: 'camp-cols' },
      field(t('camp.f.queue_id'), queue, t('camp.queue_hint')),
      field(t('camp.f.caller_id'), caller, t('camp.caller_hint')),
      field(t('camp.f.dial_mode'), mode),
      field(t('camp.f.profile'), profile, t('camp.profile_hint')),
      field(t('camp.f.ring_seconds'), ring, t('camp.ring_hint')),
      field(t('camp.f.default_zone'), zone, t('camp.zone_hint')),
      field(t('camp.f.script_id'), script)),
    customBox,
    h('fieldset', { class: 'camp-fieldset' }, h('legend', null, t('camp.f.windows')),
      h('label', { class: 'check' }, winDefault, t('camp.windows_default')), winTable,
      h('p', { class: 'hint' }, t('camp.windows_hint'))),
    h('fieldset', { class: 'camp-fieldset' }, h('legend', null, t('camp.f.retry_rules')), retryName, retryTable, retryErr,
      h('p', { class: 'hint' }, t('camp.retry_hint'))),
    dmapRows.length ? h('fieldset', { class: 'camp-fieldset' }, h('legend', null, t('camp.f.disposition_map')),
      h('table', { class: 'grid compact-grid', id: 'cf-dmap' }, h('tbody', null, dmapRows)), dmapErr,
      h('p', { class: 'hint' }, t('camp.dmap_hint'))) : null,
    h('div', { class: 'camp-cols' },
      h('fieldset', { class: 'camp-fieldset' }, h('legend', null, t('camp.f.agents')), agentBox),
      h('fieldset', { class: 'camp-fieldset' }, h('legend', null, t('camp.f.skills')), skillBox)),
    h('p', { class: 'hint' }, t('camp.agents_hint')),
    h('label', { class: 'check' }, active, t('camp.f.active')),
    err,
    canWrite ? h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', id: 'camp-save' }, create ? t('admin.create') : t('admin.save')),
      !create ? h('button', { type: 'button', class: 'danger', id: 'camp-delete', onclick: remove }, t('camp.delete')) : null,
      h('a', { href: create ? '#/campaigns' : '#/campaigns/' + c.id, class: 'button' }, t('common.cancel'))) : null);
    if (!canWrite) for (const el of form.querySelectorAll('input, select, textarea')) el.disabled = true;
    fill(panel, h('h2', { id: create ? 'camp-form-h' : 'camp-sub-h' }, create ? t('camp.new') : t('camp.sub.settings')), form);
    name.focus();

    async function remove() {
      const ok = await modal(t('camp.delete'), (close) => h('div', null, h('p', null, t('camp.delete_confirm', { name: c.name })),
        h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => close(false) }, t('common.cancel')),
          h('button', { type: 'button', class: 'danger', id: 'camp-delete-confirm', onclick: () => close(true) }, t('camp.delete')))));
      if (!ok) return;
      try {
        await del('/campaigns/' + c.id);
        toast(t('camp.deleted'));
        location.hash = '#/campaigns';
      } catch (ex) { showErr(form, ex, err); }
    }
  }

  /* ---------- lead lists ---------- */
  async function listsPanel(panel, c) {
    const leadsBox = h('div', { id: 'leads-box' });
    const listsBox = h('div', { id: 'lists-box' });
    fill(panel, h('h2', { id: 'camp-sub-h' }, t('camp.sub.lists')), listsBox,
      canWrite ? importForm(c) : null,
      canWrite ? recycleForm(c) : null,
      h('h3', null, t('camp.leads')), leadsBox);
    await Promise.all([drawLists(c, listsBox), drawLeads(c, leadsBox)]);
  }

  async function drawLists(c, box) {
    const lists = (await get('/campaigns/' + c.id + '/lists')).items;
    fill(box, lists.length ? h('table', { class: 'grid', id: 'lists-table' },
        h('thead', null, h('tr', null, ['list_name', 'records', 'imported', 'rejected', 'duplicates', 'imported_at'].map((k) => h('th', { scope: 'col', class: k === 'list_name' || k === 'imported_at' ? '' : 'num' }, t('camp.col.' + k))))),
        h('tbody', null, lists.map((l) => h('tr', null, h('th', { scope: 'row' }, l.name),
          h('td', { class: 'num' }, fmtNum(l.records)), h('td', { class: 'num' }, fmtNum(l.imported)), h('td', { class: 'num' }, fmtNum(l.rejected)),
          h('td', { class: 'num' }, fmtNum(l.duplicates)), h('td', null, fmtDateTime(l.created_at)))))) : h('p', { class: 'muted', id: 'lists-none' }, t('camp.no_lists')));
  }

  async function drawLeads(c, box) {
    const status = h('select', { id: 'leads-status', 'aria-label': t('camp.lead_status') }, h('option', { value: '' }, t('camp.all_statuses')),
      ['ready', 'in_call', 'done'].map((s) => h('option', { value: s }, t('camp.status.' + s))));
    const out = h('div');
    const load = async () => {
      const r = await get('/campaigns/' + c.id + '/leads?limit=100' + (status.value ? '&status=' + status.value : ''));
      fill(out, r.items.length ? h('table', { class: 'grid', id: 'leads-table' },
        h('thead', null, h('tr', null, ['number', 'lead_name', 'zone', 'lead_status', 'attempts', 'last_result', 'next_attempt'].map((k) => h('th', { scope: 'col' }, t('camp.col.' + k))))),
        h('tbody', null, r.items.map((l) => h('tr', null, h('td', { class: 'mono' }, l.number), h('td', null, [l.first_name, l.last_name].filter(Boolean).join(' ') || '-'),
          h('td', null, l.zone), h('td', null, t('camp.status.' + l.status) + (l.done_reason ? ' · ' + t('camp.done.' + l.done_reason) : '')),
          h('td', { class: 'num' }, String(l.attempts)), h('td', null, l.last_result ? t('camp.result.' + l.last_result) : '-'),
          h('td', null, l.next_attempt_at ? fmtDateTime(l.next_attempt_at) : '-'))))) : h('p', { class: 'muted' }, t('camp.no_leads')),
      r.next ? h('p', { class: 'muted small' }, t('camp.first_100')) : null);
    };
    status.addEventListener('change', load);
    fill(box, status, out);
    await load();
  }

  /* The CSV's header cells (first record; quotes honoured) and its delimiter. */
  function csvHeader(text, delim) {
    const line = [];
    let cur = '', q = false, i = 0;
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (q) {
        if (ch === '"' && text[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') q = false; else cur += ch;
      } else if (ch === '"') q = true;
      else if (ch === '\n' || ch === '\r') break;
      else if (ch === delim) { line.push(cur.trim()); cur = ''; } else cur += ch;
    }
    line.push(cur.trim());
    return line.filter((x) => x !== '');
  }
  function guessDelim(text) {
    const first = (text.split(/\r?\n|\r/)[0] || '');
    let best = ',', n = -1;
    for (const d of [',', ';', '\t', '|']) {
      const k = first.split(d).length;
      if (k > n) { n = k; best = d; }
    }
    return best;
  }

  function importForm(c) {
    const lname = h('input', { id: 'imp-name', name: 'name', required: true, maxlength: 200, autocomplete: 'off' });
    const file = h('input', { id: 'imp-file', type: 'file', accept: '.csv,.txt,text/csv' });
    const text = h('textarea', { id: 'imp-csv', name: 'csv', rows: 6, class: 'mono', placeholder: 'phone,first_name,last_name,zone\n+4930123456,Erika,Musterfrau,Europe/Berlin' });
    const delim = h('select', { id: 'imp-delim', name: 'mapping.delimiter' }, [['auto', t('camp.delim_auto')], [',', ','], [';', ';'], ['\t', t('camp.delim_tab')], ['|', '|']].map(([v, l]) => h('option', { value: v }, l)));
    const roles = ['phone', 'first_name', 'last_name', 'zone', 'priority'];
    const sel = {};
    for (const r of roles) sel[r] = h('select', { id: 'imp-map-' + r.replace('_', '-'), name: 'mapping.' + r });
    const customBox = h('div', { class: 'check-list', id: 'imp-custom' });
    const defZone = h('input', { id: 'imp-default-zone', name: 'mapping.default_zone', autocomplete: 'off', placeholder: 'Europe/Berlin' });
    const defPrio = h('input', { id: 'imp-default-priority', name: 'mapping.default_priority', type: 'number', autocomplete: 'off' });
    const report = h('div', { id: 'imp-report', 'aria-live': 'polite' });
    const err = h('p', { class: 'form-error', role: 'alert', id: 'imp-error' });
    const guess = { phone: /^(phone|number|telefon|tel|mobile|nummer|e164)/i, first_name: /^(first|vorname|given)/i, last_name: /^(last|nachname|surname|family)/i, zone: /^(zone|tz|time ?zone|zeitzone)/i, priority: /^(prio)/i };
    let header = [];
    const remap = () => {
      const d = delim.value === 'auto' ? guessDelim(text.value) : delim.value;
      const hd = csvHeader(text.value, d);
      if (hd.join('\u0000') === header.join('\u0000')) return;
      header = hd;
      const used = new Set();
      for (const r of roles) {
        const pick = header.find((x) => guess[r].test(x) && !used.has(x));
        if (pick) used.add(pick);
        fill(sel[r], h('option', { value: '' }, r === 'phone' ? t('camp.map_choose') : t('camp.map_none')),
          header.map((x) => h('option', { value: x, selected: x === pick }, x)));
      }
      fill(customBox, header.filter((x) => !used.has(x)).map((x) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: x, checked: true }), x)));
    };
    text.addEventListener('input', remap);
    delim.addEventListener('change', () => { header = []; remap(); });
    file.addEventListener('change', async () => {
      const f = file.files[0];
      if (!f) return;
      text.value = await f.text();
      if (!lname.value.trim()) lname.value = f.name.replace(/\.[^.]+$/, '');
      remap();
    });
    remap();
    const form = h('form', { id: 'imp-form', class: 'card-inner', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
      if (!lname.value.trim()) { setErr(lname, t('admin.required')); return; }
      if (!text.value.trim()) { setErr(text, t('camp.csv_required')); return; }
      if (!sel.phone.value) { setErr(sel.phone, t('camp.phone_required')); return; }
      const mapping = { phone: sel.phone.value };
      for (const r of roles.slice(1)) if (sel[r].value) mapping[r] = sel[r].value;
      const custom = [...customBox.querySelectorAll('input:checked')].map((x) => x.value).filter((x) => !Object.values(mapping).includes(x));
      if (custom.length) mapping.custom = custom.slice(0, 16);
      if (delim.value !== 'auto') mapping.delimiter = delim.value; else mapping.delimiter = guessDelim(text.value);
      if (defZone.value.trim()) mapping.default_zone = defZone.value.trim();
      if (defPrio.value.trim()) mapping.default_priority = Number(defPrio.value);
      const btn = form.querySelector('#imp-submit');
      btn.disabled = true;
      try {
        const r = await post('/campaigns/' + c.id + '/lists', { name: lname.value.trim(), csv: text.value, mapping });
        drawReport(report, r, 'imp');
        toast(t('camp.imported', { imported: r.imported, rejected: r.rejected }));
        // the lists and leads above show the new list too
        const lb = document.getElementById('leads-box'), ls = document.getElementById('lists-box');
        if (lb) drawLeads(c, lb);
        if (ls) drawLists(c, ls);
      } catch (ex) { showErr(form, ex, err); } finally { btn.disabled = false; }
    } },
    h('h3', null, t('camp.import')),
    h('div', { class: 'camp-cols' }, field(t('camp.list_name') + ' *', lname), field(t('camp.csv_file'), file, t('camp.csv_hint'))),
    field(t('camp.csv_text'), text),
    h('fieldset', { class: 'camp-fieldset' }, h('legend', null, t('camp.mapping')),
      h('div', { class: 'camp-cols' }, field(t('camp.map.phone') + ' *', sel.phone), field(t('camp.map.first_name'), sel.first_name), field(t('camp.map.last_name'), sel.last_name),
        field(t('camp.map.zone'), sel.zone), field(t('camp.map.priority'), sel.priority), field(t('camp.delimiter'), delim),
        field(t('camp.map.default_zone'), defZone, t('camp.default_zone_hint')), field(t('camp.map.default_priority'), defPrio)),
      h('div', { class: 'field' }, h('span', { class: 'label-like' }, t('camp.map.custom')), customBox, h('div', { class: 'hint' }, t('camp.custom_hint')))),
    err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'imp-submit' }, t('camp.import_submit'))),
    report);
    return form;
  }

  function recycleForm(c) {
    const box = h('div', { class: 'check-list', id: 'recycle-results' }, RECYCLE_RESULTS.map((r) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', value: r, checked: r === 'no-answer' || r === 'busy' }), t('camp.result.' + r))));
    const err = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { id: 'recycle-form', class: 'card-inner', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      const results = [...box.querySelectorAll('input:checked')].map((x) => x.value);
      if (!results.length) { err.textContent = t('camp.recycle_pick'); return; }
      try {
        const r = await post('/campaigns/' + c.id + '/recycle', { results });
        toast(t('camp.recycled', { n: r.recycled }));
        const lb = document.getElementById('leads-box');
        if (lb) drawLeads(c, lb);
      } catch (ex) { showErr(form, ex, err); }
    } },
    h('h3', null, t('camp.recycle')), h('p', { class: 'hint' }, t('camp.recycle_hint')), box, err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'recycle-submit' }, t('camp.recycle_submit'))));
    return form;
  }

  /* The import's answer: the counts, and every rejected row with its number and reason. */
  function drawReport(box, r, prefix) {
    const rej = r.rejections || [];
    fill(box, h('div', { class: 'import-report', id: prefix + '-summary' },
      h('p', null, h('strong', null, t('camp.report_summary', { records: fmtNum(r.records), imported: fmtNum(r.imported !== undefined ? r.imported : r.numbers), rejected: fmtNum(r.rejected) }))),
      r.duplicates ? h('p', { class: 'muted small' }, t('camp.report_duplicates', { n: fmtNum(r.duplicates) })) : null),
    rej.length ? h('table', { class: 'grid', id: prefix + '-rejections' },
      h('caption', null, t('camp.rejected_rows')),
      h('thead', null, h('tr', null, h('th', { scope: 'col', class: 'num' }, t('camp.row')), h('th', { scope: 'col', class: 'num' }, t('camp.line')),
        h('th', { scope: 'col' }, t('camp.reason')), h('th', { scope: 'col' }, t('camp.detail')))),
      h('tbody', null, rej.map((x) => h('tr', { dataset: { row: x.row, reason: x.reason } },
        h('td', { class: 'num' }, String(x.row)), h('td', { class: 'num' }, x.line ? String(x.line) : '-'),
        h('td', null, reasonText(x.reason)),
        h('td', null, x.detail || '', x.duplicate_of_row ? ' ' + t('camp.duplicate_of', { row: x.duplicate_of_row }) : ''))))) : null);
  }
  function reasonText(code) {
    const k = 'camp.reject.' + code;
    const s = t(k);
    return s.startsWith('\u27e6') ? code : s;
  }

  /* ---------- do-not-call lists ---------- */
  async function dncPanel(panel, base, write, title) {
    const number = h('input', { id: 'dnc-number', name: 'number', autocomplete: 'off', required: true });
    const err = h('p', { class: 'form-error', role: 'alert' });
    const search = h('input', { id: 'dnc-search', type: 'search', 'aria-label': t('camp.dnc_search'), placeholder: t('camp.dnc_search') });
    const tableBox = h('div', { id: 'dnc-box' });
    const csv = h('textarea', { id: 'dnc-csv', name: 'csv', rows: 4, class: 'mono', placeholder: '+4930123456\n+4930123457' });
    const file = h('input', { id: 'dnc-file', type: 'file', accept: '.csv,.txt,text/csv' });
    file.addEventListener('change', async () => { if (file.files[0]) csv.value = await file.files[0].text(); });
    const report = h('div', { id: 'dnc-report', 'aria-live': 'polite' });
    const ierr = h('p', { class: 'form-error', role: 'alert' });
    const load = async () => {
      const q = search.value.trim();
      const r = await get(base + '?limit=200' + (q ? '&phone=' + encodeURIComponent(q) : ''));
      fill(tableBox, r.items.length ? h('table', { class: 'grid', id: 'dnc-table' },
        h('thead', null, h('tr', null, ['number', 'dnc_source', 'dnc_added'].map((k) => h('th', { scope: 'col' }, t('camp.col.' + k))), write ? h('th', null, '') : null)),
        h('tbody', null, r.items.map((x) => h('tr', { dataset: { number: x.number } }, h('td', { class: 'mono' }, x.number), h('td', null, t('camp.dnc_src.' + x.source)),
          h('td', null, fmtDateTime(x.created_at)),
          write ? h('td', null, h('button', { type: 'button', class: 'quiet small', onclick: async () => {
            try { await del('/dnc/' + x.id); toast(t('camp.dnc_removed')); load(); } catch (ex) { toast(errorText(ex), 'error'); }
          } }, t('admin.remove'))) : null)))) : h('p', { class: 'muted', id: 'dnc-none' }, t('camp.dnc_empty')),
      r.next ? h('p', { class: 'muted small' }, t('camp.first_200')) : null);
    };
    const addForm = h('form', { id: 'dnc-add-form', class: 'inline-search', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      if (!number.value.trim()) { setErr(number, t('admin.required')); return; }
      try {
        await post(base, { number: number.value.trim() });
        toast(t('camp.dnc_added'));
        number.value = '';
        load();
      } catch (ex) { showErr(addForm, ex, err); }
    } }, field(t('camp.dnc_number'), number), h('button', { type: 'submit', class: 'primary', id: 'dnc-add' }, t('camp.dnc_add')));
    const importF = h('form', { id: 'dnc-import-form', class: 'card-inner', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      ierr.textContent = '';
      if (!csv.value.trim()) { setErr(csv, t('camp.csv_required')); return; }
      try {
        const r = await post(base + '/import', { csv: csv.value });
        drawReport(report, r, 'dnc');
        toast(t('camp.dnc_imported', { n: r.numbers }));
        load();
      } catch (ex) { showErr(importF, ex, ierr); }
    } }, h('h3', null, t('camp.dnc_import')), h('div', { class: 'camp-cols' }, field(t('camp.csv_file'), file), field(t('camp.dnc_csv'), csv, t('camp.dnc_csv_hint'))),
    ierr, h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'dnc-import' }, t('camp.import_submit'))), report);
    search.addEventListener('input', () => { clearTimeout(search.timer); search.timer = setTimeout(load, 300); });
    fill(panel, h('h2', { id: 'camp-sub-h' }, title), h('p', { class: 'hint' }, t('camp.dnc_hint')),
      write ? addForm : null, search, tableBox, write ? importF : null);
    await load();
  }

  /* ---------- errors ---------- */
  function setErr(ctl, msg) {
    const slot = document.getElementById(ctl.id + '-err');
    if (slot) slot.textContent = msg;
    ctl.focus();
  }
  function showErr(form, ex, err, slots = {}) {
    if (ex.status === 422 && ex.field) {
      const f = ex.field;
      if (slots[f.split('.')[0]]) { slots[f.split('.')[0]].textContent = ex.message; return; }
      const ctl = form.querySelector(`[name="${CSS.escape(f)}"]`) || form.querySelector(`[name="${CSS.escape(f.split('.')[0])}"]`);
      const slot = ctl ? document.getElementById(ctl.id + '-err') : null;
      if (slot) { slot.textContent = ex.message; if (ctl.type !== 'hidden') ctl.focus(); return; }
    }
    err.textContent = errorText(ex);
  }
}

/* A refusal in the user's words: the known codes translated, else the daemon's message. */
export function errorText(e) {
  if (e instanceof ApiError && e.status === 0) return t('offline.banner');
  const known = ['no_trunk', 'no_queue', 'running', 'not_running', 'no_telephony', 'dnc', 'window_closed', 'no_preview', 'no_lead', 'not_dialling', 'nothing', 'busy'];
  if (e && known.includes(e.code)) return t('camp.err.' + e.code);
  return t('error.generic', { message: e && e.message ? e.message : String(e) });
}
