// wallboard: queues live (waiting, longest wait, service level against target, ASA, abandonment,
// agents by state), every agent's state and current call (caller, duration), today's volume and SL per
// interval, alerts (active until the condition clears); a big-board mode.

import uPlot from '/vendor/uplot/uPlot.esm.js';
import { h, fill, $ } from './dom.js';
import { get } from './api.js';
import * as live from './live.js';
import { callerNames } from './callers.js';
import { t, fmtDur, fmtPct, fmtTime, fmtTimeSec, timeZone, fmtNum } from './i18n.js';

const BUSY = ['reserved', 'talking', 'hold', 'wrap-up', 'other'];

export async function mount(root, ctx, hash) {
  const big = /\/big\b/.test(hash || '');
  const s = { board: null, agents: new Map(), intervals: null, queueSel: '', alerts: [], crossed: new Map(), variant: 'sl_excl_short', alertsDrawn: -1, alertsVer: 0 };
  // the caller's name per call (customers found by the number; roles without customer access see the number)
  const lookupCaller = callerNames(ctx.user.role, () => renderAgents());
  document.body.classList.toggle('bigboard', big);

  const tiles = h('div', { class: 'tiles', id: 'wb-queues', 'aria-live': 'off' });
  const agentsBox = h('section', { class: 'panel', id: 'wb-agents', 'aria-labelledby': 'wb-agents-h' });
  const chartBox = h('div', { class: 'chart', id: 'wb-chart' });
  const alertsBox = h('section', { class: 'panel alerts', id: 'wb-alerts', 'aria-labelledby': 'wb-alerts-h' });
  const qsel = h('select', { id: 'wb-chart-queue', 'aria-label': t('wb.chart_queue'), onchange: () => { s.queueSel = qsel.value; loadIntervals(); } });
  const vsel = h('select', { id: 'wb-variant', 'aria-label': t('wb.sl_variant'), onchange: () => { s.variant = vsel.value; render(); drawChart(); } },
    ['sl_excl_short', 'sl_offered', 'sl2'].map((v) => h('option', { value: v }, t('kpi.' + v))));
  const bigBtn = h('button', { type: 'button', id: 'wb-big', onclick: toggleBig }, big ? t('wb.leave_big') : t('wb.big'));
  const clock = h('span', { class: 'clock', id: 'wb-clock' });
  fill(root, h('div', { class: 'wallboard' },
    h('div', { class: 'wb-head' }, h('h1', { class: 'view-title' }, t('wb.title')), clock,
      h('div', { class: 'wb-tools' }, h('label', { class: 'inline' }, t('wb.sl_variant'), ' ', vsel), bigBtn)),
    tiles,
    h('div', { class: 'wb-grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'wb-chart-h' },
        h('div', { class: 'panel-head' }, h('h2', { id: 'wb-chart-h' }, t('wb.today')), qsel), chartBox,
        h('p', { class: 'muted small', id: 'wb-chart-note' }, t('wb.chart_note'))),
      alertsBox),
    agentsBox));
  ctx.shortcuts = [['F', t('wb.big')], ['?', t('help.title')]];

  function toggleBig() {
    if (big) {
      if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
      location.hash = '#/wallboard';
    } else {
      if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
      location.hash = '#/wallboard/big';
    }
  }
  const keys = (e) => {
    if (e.key.toLowerCase() === 'f' && !/^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName) && !e.ctrlKey && !e.altKey && !e.metaKey) toggleBig();
  };
  document.addEventListener('keydown', keys);

  /* ---------- figures ---------- */
  function waitLevel(q, ms) {
    const T = q.sl_threshold_ms || 20000;
    if (!q.waiting) return 'ok';
    return ms >= T ? 'alert' : ms >= T / 2 ? 'warn' : 'ok';
  }
  function slLevel(q, v) {
    if (v === null || v === undefined) return 'none';
    const pct = v * 100, target = q.sl_target_pct;
    return pct >= target ? 'ok' : pct >= target - 10 ? 'warn' : 'alert';
  }

  function render() {
    const b = s.board;
    if (!b) return;
    const now = Date.now();
    const offset = now - b.now; // the snapshot's age: waits tick on from it
    fill(tiles, b.queues.map((q) => {
      const d = q.today;
      const longest = q.waiting ? q.oldest_wait_ms + offset : 0;
      const sl = d[s.variant];
      const agents = q.agents;
      const busy = BUSY.reduce((n, k) => n + (agents[k] || 0), 0);
      return h('article', { class: 'tile', id: 'wb-q-' + q.id, dataset: { queue: q.id, waiting: q.waiting, level: waitLevel(q, longest) }, 'aria-label': q.name },
        h('h2', null, q.name),
        h('div', { class: 'tile-main' },
          h('div', { class: 'metric metric-' + waitLevel(q, longest) },
            h('span', { class: 'value waiting', dataset: { role: 'waiting' } }, String(q.waiting)), h('span', { class: 'label' }, t('wb.waiting'))),
          h('div', { class: 'metric metric-' + waitLevel(q, longest) },
            h('span', { class: 'value longest', dataset: { since: q.waiting ? b.now - q.oldest_wait_ms : 0 } }, q.waiting ? fmtDur(longest) : '-'), h('span', { class: 'label' }, t('wb.longest'))),
          h('div', { class: 'metric metric-' + slLevel(q, sl) },
            h('span', { class: 'value sl', dataset: { role: 'sl' } }, fmtPct(sl)), h('span', { class: 'label', title: t('kpi.' + s.variant) }, t('wb.sl_vs', { target: fmtNum(q.sl_target_pct) + '\u00a0%', variant: t('kpi.short.' + s.variant) })))),
        h('dl', { class: 'tile-figures' },
          h('dt', null, t('wb.offered')), h('dd', { dataset: { role: 'offered' } }, String(d.offered)),
          h('dt', null, t('wb.answered')), h('dd', { dataset: { role: 'answered' } }, String(d.answered)),
          h('dt', null, t('kpi.asa')), h('dd', null, d.asa_ms === null ? '-' : fmtDur(d.asa_ms)),
          h('dt', null, t('wb.abandoned')), h('dd', null, t('wb.abandoned_fmt', { n: d.abandoned, short: d.abandoned_short, rate: fmtPct(d.abandon_rate_excl_short) }))),
        h('div', { class: 'tile-agents' },
          h('span', { class: 'pill state-ready' }, t('wb.ready_n', { n: agents.ready || 0 })),
          h('span', { class: 'pill state-talking' }, t('wb.busy_n', { n: busy })),
          h('span', { class: 'pill state-not-ready' }, t('wb.not_ready_n', { n: agents['not-ready'] || 0 }))));
    }));
    checkAlerts();
  }

  function renderAgents() {
    const list = [...s.agents.values()].sort((a, b) => (a.team_id || 0) - (b.team_id || 0) || a.name.localeCompare(b.name, undefined, { numeric: true }));
    const counts = {};
    for (const a of list) counts[a.state] = (counts[a.state] || 0) + 1;
    const qname = (id) => { const q = s.board && s.board.queues.find((x) => x.id === id); return q ? q.name : ''; };
    fill(agentsBox, h('h2', { id: 'wb-agents-h' }, t('wb.agents')),
      h('p', { class: 'state-summary' }, Object.entries(counts).map(([st, n]) => h('span', { class: 'pill state-' + st }, t('state.' + st), ' ', String(n)))),
      h('div', { class: 'agent-cards' }, list.filter((a) => a.state !== 'logged-out').map((a) =>
        h('div', { class: 'agent-card state-' + a.state, id: 'wb-a-' + a.id, dataset: { state: a.state, agent: a.id } },
          h('span', { class: 'agent-card-name' }, a.name),
          h('span', { class: 'agent-card-state' }, t('state.' + a.state)),
          h('span', { class: 'agent-card-time', dataset: { since: a.since || 0 } }, a.since ? fmtDur(Date.now() - a.since) : ''),
          a.call_id ? h('span', { class: 'agent-card-call' }, qname(a.queue_id)) : null,
          a.call_id ? h('span', { class: 'agent-card-caller', title: a.caller_number || '' }, callerText(a)) : null,
          a.call_id && a.call_connected_at ? h('span', { class: 'agent-card-dur', title: t('wb.call_duration'),
            dataset: { since: a.call_connected_at, until: a.call_ended_at || 0 } }, callDur(a.call_connected_at, a.call_ended_at)) : null))));
  }

  function callDur(since, until) { return fmtDur(Math.max(0, (until || Date.now()) - since)); }
  function callerText(a) {
    const name = lookupCaller(a);
    if (!a.caller_number) return name || t('wb.anonymous');
    return name ? name + ' (' + a.caller_number + ')' : a.caller_number;
  }
  /*
   * Alerts: a line when a queue crosses a threshold, marked cleared (and when) once the
   * condition is over; the list is redrawn only when it changes.
   */
  function checkAlerts() {
    const now = Date.now();
    for (const q of s.board.queues) {
      const longest = q.waiting ? q.oldest_wait_ms + (now - s.board.now) : 0;
      const conds = {
        wait: longest >= (q.sl_threshold_ms || 20000),
        sl: q.today[s.variant] !== null && q.today.offered >= 5 && q.today[s.variant] * 100 < q.sl_target_pct,
      };
      for (const [k, on] of Object.entries(conds)) {
        const key = q.id + ':' + k;
        const was = s.crossed.get(key) || false;
        if (on && !was) {
          s.alerts.unshift({ key, kind: k, queue: q.id, time: now, cleared: 0, text: k === 'wait' ? t('wb.alert_wait', { queue: q.name, time: fmtDur(longest) }) : t('wb.alert_sl', { queue: q.name, sl: fmtPct(q.today[s.variant]), target: fmtNum(q.sl_target_pct) + '\u00a0%' }) });
          s.alerts = s.alerts.slice(0, 20);
          s.alertsVer++;
        } else if (!on && was) {
          const open = s.alerts.find((a) => a.key === key && !a.cleared);
          if (open) { open.cleared = now; s.alertsVer++; }
        }
        s.crossed.set(key, on);
      }
    }
    if (s.alertsDrawn === s.alertsVer) return;
    s.alertsDrawn = s.alertsVer;
    const active = s.alerts.filter((a) => !a.cleared).length;
    fill(alertsBox, h('h2', { id: 'wb-alerts-h' }, t('wb.alerts'), active ? h('span', { class: 'pill state-alert', id: 'wb-alerts-n' }, String(active)) : null),
      s.alerts.length ? h('ul', { class: 'alert-list', role: 'log', 'aria-live': 'polite' }, s.alerts.map((a) =>
        h('li', { class: a.cleared ? 'alert-cleared' : 'alert-active', dataset: { kind: a.kind, queue: a.queue } },
          h('span', { class: 'muted' }, fmtTimeSec(a.time)), ' ', a.text,
          a.cleared ? h('span', { class: 'muted alert-cleared-at' }, ' \u2014 ', t('wb.alert_cleared', { time: fmtTimeSec(a.cleared) })) : null)))
        : h('p', { class: 'muted' }, t('wb.no_alerts')));
  }

  function tick() {
    clock.textContent = fmtTimeSec(Date.now());
    if (!s.board) return;
    for (const el of tiles.querySelectorAll('.longest[data-since]')) {
      const since = Number(el.dataset.since);
      el.textContent = since ? fmtDur(Date.now() - since) : '-';
    }
    for (const el of agentsBox.querySelectorAll('.agent-card-time[data-since]')) {
      const since = Number(el.dataset.since);
      el.textContent = since ? fmtDur(Date.now() - since) : '';
    }
    for (const el of agentsBox.querySelectorAll('.agent-card-dur[data-since]')) {
      el.textContent = callDur(Number(el.dataset.since), Number(el.dataset.until));
    }
  }
  const ticker = setInterval(() => { tick(); if (s.board) { render(); } }, 1000);

  /* ---------- snapshot and events ---------- */
  let inflight = null, again = false;
  async function refresh() {
    if (inflight) { again = true; return; }
    inflight = (async () => {
      try {
        const b = await get('/wallboard');
        s.board = b;
        live.atLeast(b.seq);
        for (const a of b.agents) {
          const old = s.agents.get(a.id);
          if (!old || (a.since || 0) >= (old.since || 0)) s.agents.set(a.id, a);
        }
        render();
        renderAgents();
        if (!qsel.options.length) {
          fill(qsel, h('option', { value: '' }, t('wb.all_queues')), b.queues.map((q) => h('option', { value: q.id }, q.name)));
        }
      } catch (e) { /* offline: the banner says so */ }
    })();
    await inflight;
    inflight = null;
    if (again) { again = false; refresh(); }
  }

  let chart = null;
  async function loadIntervals() {
    try {
      s.intervals = await get('/intervals' + (s.queueSel ? '?queue_id=' + s.queueSel : ''));
    } catch (e) { return; }
    drawChart();
  }
  function drawChart() {
    const iv = s.intervals;
    if (!iv) return;
    const xs = iv.items.map((x) => x.start / 1000);
    const offered = iv.items.map((x) => x.offered);
    const answered = iv.items.map((x) => x.answered);
    const sl = iv.items.map((x) => (x[s.variant] === null ? null : Math.round(x[s.variant] * 1000) / 10));
    const data = [xs, offered, answered, sl];
    // what the chart shows, for a look without reading the canvas
    chartBox.dataset.offered = offered.reduce((a, b) => a + b, 0);
    chartBox.dataset.answered = answered.reduce((a, b) => a + b, 0);
    const width = Math.max(320, chartBox.clientWidth || 600);
    if (chart) { chart.destroy(); chart = null; }
    if (!xs.length) {
      fill(chartBox, h('p', { class: 'muted', id: 'wb-chart-empty' }, t('wb.no_calls_today')));
      return;
    }
    chartBox.replaceChildren();
    const ivs = (iv.interval_ms || 900000) / 1000;
    const bars = uPlot.paths.bars({ size: [0.4, 40], align: 0 });
    chart = new uPlot({
      width, height: big ? 320 : 220,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), timeZone()),
      legend: { show: true, live: false },
      scales: {
        x: { time: true, range: () => [xs[0] - ivs / 2, Math.max(xs[xs.length - 1], Date.now() / 1000 - ivs) + ivs * 1.5] },
        n: { range: (u, mn, mx) => [0, Math.max(5, Math.ceil((mx || 0) * 1.15))] },
        pct: { range: [0, 100] },
      },
      axes: [
        { stroke: '#444', values: (u, splits) => splits.map((v) => fmtTime(v * 1000)) },
        { scale: 'n', label: t('wb.calls'), stroke: '#444' },
        { scale: 'pct', side: 1, label: t('kpi.short.' + s.variant), stroke: '#444', grid: { show: false } },
      ],
      series: [
        { label: t('wb.interval') },
        { label: t('wb.offered'), scale: 'n', fill: 'rgba(31,78,121,0.35)', stroke: '#1f4e79', paths: bars },
        { label: t('wb.answered'), scale: 'n', fill: 'rgba(46,125,50,0.35)', stroke: '#2e7d32', paths: uPlot.paths.bars({ size: [0.4, 40], align: 1 }) },
        { label: t('kpi.short.' + s.variant), scale: 'pct', stroke: '#b45309', width: 2, spanGaps: true, points: { show: true } },
      ],
    }, data, chartBox);
  }
  const chartTimer = setInterval(loadIntervals, 15000);
  /* A call that ends changes today's figures: re-read them soon (coalesced), not only every 15 s. */
  let chartSoon = 0;
  const intervalsSoon = () => { if (!chartSoon) chartSoon = setTimeout(() => { chartSoon = 0; loadIntervals(); }, 1000); };

  const unsub = live.subscribe((type, ev) => {
    if (!ev) return;
    if ((type === 'agent-state' || type === 'agent-login' || type === 'agent-logout') && ev.agent) {
      const a = s.agents.get(ev.agent);
      if (a && ev.time >= (a.since || 0)) {
        const same = (ev.call || null) === a.call_id;
        // another call (or none): its caller and times come with the snapshot read next
        s.agents.set(ev.agent, { ...a, state: ev.to, reason: ev.reason, since: ev.time, call_id: ev.call || null, queue_id: ev.queue || null,
          ...(same ? {} : { caller_number: null, customer_id: null, call_connected_at: null, call_ended_at: null }) });
        const card = document.getElementById('wb-a-' + ev.agent);
        if (card && ev.to !== 'logged-out' && same) {
          // the quick path: this card only, now
          card.className = 'agent-card state-' + ev.to;
          card.dataset.state = ev.to;
          card.querySelector('.agent-card-state').textContent = t('state.' + ev.to);
          const tm = card.querySelector('.agent-card-time');
          tm.dataset.since = ev.time;
          tm.textContent = fmtDur(Date.now() - ev.time);
        } else {
          renderAgents();
        }
      }
    }
    if (type.startsWith('call-') || type.startsWith('agent-') || type.startsWith('callback-') || type === 'reset') refresh();
    if (/^call-(connect|complete|abandon|exit|transfer)/.test(type) || type === 'reset') intervalsSoon();
  });
  const unopen = live.onOpen(() => { refresh(); loadIntervals(); });

  await refresh();
  await loadIntervals();
  const onResize = () => drawChart();
  window.addEventListener('resize', onResize);
  tick();
  return () => {
    clearInterval(ticker);
    clearInterval(chartTimer);
    clearTimeout(chartSoon);
    unsub();
    unopen();
    document.removeEventListener('keydown', keys);
    window.removeEventListener('resize', onResize);
    document.body.classList.remove('bigboard');
    if (chart) chart.destroy();
  };
}
