// team: the team lead's view: their agents' states and current calls (caller, customer, duration, as on the
// wallboard), the escalations inbox, taking an overflow call, changing an agent's state with a reason
// (audited by the daemon).

import { h, fill, $, modal, field, toast } from './dom.js';
import { get, post, put, patch, ApiError } from './api.js';
import * as live from './live.js';
import { callerNames } from './callers.js';
import { t, fmtDur, fmtTime } from './i18n.js';

export async function mount(root, ctx) {
  const s = { agents: new Map(), escalations: [], queues: [], reasons: [], board: null };
  // the caller's name per call (customers found by the number; roles without customer access see the number)
  const lookupCaller = callerNames(ctx.user.role, () => renderAgents());
  const [agents, reasons, queues] = await Promise.all([get('/agents/live'), get('/reason-codes'), get('/queues')]);
  live.atLeast(agents.seq);
  for (const a of agents.items) s.agents.set(a.id, a);
  s.reasons = reasons.items;
  s.queues = queues.items;

  const agentsBox = h('section', { class: 'panel', id: 'team-agents', 'aria-labelledby': 'team-h' });
  const inbox = h('section', { class: 'panel', id: 'escalations', 'aria-labelledby': 'esc-h' });
  const overflow = h('section', { class: 'panel', id: 'overflow', 'aria-labelledby': 'ovf-h' });
  fill(root, h('div', { class: 'team' }, h('h1', { class: 'view-title' }, t('team.title')),
    h('div', { class: 'team-grid' }, agentsBox, h('div', { class: 'col' }, inbox, overflow))));
  ctx.shortcuts = [['?', t('help.title')]];

  const reasonLabel = (a) => {
    if (a.state !== 'not-ready' && a.state !== 'logged-out') return '';
    const r = s.reasons.find((x) => x.code === a.reason);
    return r && r.name !== 'none' ? (r.selectable ? t('reason.' + r.name) : t('reason_sys.' + r.name)) : '';
  };
  const queueName = (id) => { const q = s.queues.find((x) => x.id === id); return q ? q.name : ''; };

  function renderAgents() {
    const rows = [...s.agents.values()].sort((a, b) => a.name.localeCompare(b.name)).map((a) => h('tr', { dataset: { agent: a.id } },
      h('th', { scope: 'row' }, a.name),
      h('td', null, h('span', { class: 'state-badge state-' + a.state }, t('state.' + a.state)), ' ', h('span', { class: 'muted small' }, reasonLabel(a))),
      h('td', { class: 'num', dataset: { since: a.since || 0 } }, a.since ? fmtDur(Date.now() - a.since) : '-'),
      h('td', { class: 'team-call' }, a.call_id ? [queueName(a.queue_id), ' · ',
        h('span', { class: 'team-caller', title: a.caller_number || '' }, callerText(a)),
        a.call_connected_at ? ' · ' : null,
        a.call_connected_at ? h('span', { class: 'team-call-dur mono', title: t('wb.call_duration'),
          dataset: { callSince: a.call_connected_at, callUntil: a.call_ended_at || 0 } }, callDur(a.call_connected_at, a.call_ended_at)) : null] : '-'),
      h('td', { class: 'num' }, String(a.handled || 0)),
      h('td', null, h('button', { type: 'button', class: 'small', onclick: () => changeState(a) }, t('team.change_state')))));
    fill(agentsBox, h('h2', { id: 'team-h' }, t('team.agents')),
      h('table', { class: 'grid', id: 'team-table' },
        h('thead', null, h('tr', null, [t('team.agent'), t('team.state'), t('team.time_in_state'), t('team.current_call'), t('desk.handled'), ''].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, rows)));
  }

  function callDur(since, until) { return fmtDur(Math.max(0, (until || Date.now()) - since)); }
  function callerText(a) {
    const name = lookupCaller(a);
    if (!a.caller_number) return name || t('wb.anonymous');
    return name ? name + ' (' + a.caller_number + ')' : a.caller_number;
  }
  function tick() {
    for (const td of agentsBox.querySelectorAll('td[data-since]')) {
      const since = Number(td.dataset.since);
      td.textContent = since ? fmtDur(Date.now() - since) : '-';
    }
    for (const el of agentsBox.querySelectorAll('.team-call-dur')) {
      el.textContent = callDur(Number(el.dataset.callSince), Number(el.dataset.callUntil));
    }
  }
  const ticker = setInterval(tick, 1000);

  async function changeState(a) {
    const res = await modal(t('team.change_state_of', { name: a.name }), (close) => {
      const st = h('select', { id: 'ts-state', name: 'state' },
        ['ready', 'not_ready', 'logged_out'].map((x) => h('option', { value: x }, t('team.to.' + x))));
      const rs = h('select', { id: 'ts-reason', name: 'reason' },
        s.reasons.filter((r) => r.selectable).map((r) => h('option', { value: r.code }, t('reason.' + r.name))));
      const err = h('p', { class: 'form-error', role: 'alert' });
      const form = h('form', { onsubmit: async (e) => {
        e.preventDefault();
        const body = { state: st.value };
        if (st.value !== 'ready') body.reason = Number(rs.value);
        try { close(await put('/agents/' + a.id + '/state', body)); } catch (ex) { err.textContent = ex.message; }
      } },
      field(t('team.new_state'), st), field(t('team.reason'), rs, t('team.audited')), err,
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => close(null) }, t('common.cancel')),
        h('button', { type: 'submit', class: 'primary', id: 'ts-submit' }, t('team.apply'))));
      return form;
    });
    if (res) {
      toast(t('team.state_changed', { name: a.name }));
      s.agents.set(a.id, { ...a, ...res, id: a.id });
      renderAgents();
    }
  }

  async function loadInbox() {
    try { s.escalations = (await get('/escalations?limit=50')).items; } catch (e) { return; }
    renderInbox();
  }

  function renderInbox() {
    const open = s.escalations.filter((e) => e.status === 'open' || e.status === 'taken');
    const rows = open.map((e) => h('li', { class: 'esc esc-' + e.status, dataset: { escalation: e.id } },
      h('div', null, h('strong', null, e.from_agent_name), ' · ', h('span', { class: 'muted' }, fmtTime(e.time)), ' · ',
        h('span', { class: 'tag' }, t('esc.' + e.status)), e.taken_by_name ? [' ', t('team.taken_by', { name: e.taken_by_name })] : null),
      h('p', { class: 'esc-reason' }, e.reason || ''),
      h('div', { class: 'actions' },
        e.waiting ? h('button', { type: 'button', class: 'primary small', onclick: () => take(e.queue_id) }, t('team.take')) : null,
        h('button', { type: 'button', class: 'small', onclick: () => closeEsc(e) }, t('team.close')))));
    fill(inbox, h('h2', { id: 'esc-h' }, t('team.escalations'), ' ', h('span', { class: 'count', id: 'esc-count' }, String(open.length))),
      rows.length ? h('ul', { class: 'inbox', id: 'esc-list' }, rows) : h('p', { class: 'muted' }, t('team.no_escalations')));
  }

  async function closeEsc(e) {
    try {
      await patch('/escalations/' + e.id, { status: 'closed' });
      loadInbox();
    } catch (ex) { toast(ex.message, 'error'); }
  }

  async function take(queueId) {
    try {
      await post('/me/take', { queue_id: queueId });
      toast(t('team.taking'));
      location.hash = '#/desktop';
    } catch (ex) { toast(ex.message, 'error'); }
  }

  async function loadBoard() {
    try { s.board = await get('/wallboard'); } catch (e) { return; }
    renderOverflow();
  }
  let boardTimer = 0;
  const refreshBoard = () => { if (!boardTimer) boardTimer = setTimeout(() => { boardTimer = 0; loadBoard(); }, 300); };

  function renderOverflow() {
    const me = ctx.user.agent_id;
    const rows = (s.board ? s.board.queues : []).map((q) => h('tr', { dataset: { queue: q.id } },
      h('th', { scope: 'row' }, q.name),
      h('td', { class: 'num' }, String(q.waiting)),
      h('td', { class: 'num' }, q.waiting ? fmtDur(q.oldest_wait_ms) : '-'),
      h('td', null, q.waiting && me ? h('button', { type: 'button', class: 'small', onclick: () => take(q.id) }, t('team.take_call')) : null)));
    fill(overflow, h('h2', { id: 'ovf-h' }, t('team.overflow')),
      h('p', { class: 'muted small' }, t('team.overflow_hint')),
      h('table', { class: 'grid' }, h('thead', null, h('tr', null, [t('wb.queue'), t('wb.waiting'), t('wb.longest'), ''].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, rows)));
  }

  /* The call's caller and times are not in the state events: re-read the list soon (coalesced). */
  let agentsTimer = 0;
  const refreshAgents = () => {
    if (agentsTimer) return;
    agentsTimer = setTimeout(async () => {
      agentsTimer = 0;
      try {
        const r = await get('/agents/live');
        for (const x of r.items) {
          const a = s.agents.get(x.id);
          if (!a || (x.since || 0) >= (a.since || 0)) s.agents.set(x.id, x);
        }
        renderAgents();
      } catch (e) { /* offline: the next open reloads */ }
    }, 300);
  };

  const unsub = live.subscribe((type, ev) => {
    if (!ev) return;
    if ((type === 'agent-state' || type === 'agent-login' || type === 'agent-logout') && s.agents.has(ev.agent)) {
      const a = s.agents.get(ev.agent);
      if (ev.time >= (a.since || 0)) {
        const same = (ev.call || null) === a.call_id;
        s.agents.set(ev.agent, { ...a, state: ev.to, reason: ev.reason, since: ev.time, call_id: ev.call || null, queue_id: ev.queue || null,
          handled: a.handled + (ev.from === 'talking' || ev.from === 'hold' ? 1 : 0),
          ...(same ? {} : { caller_number: null, customer_id: null, call_connected_at: null, call_ended_at: null }) });
        renderAgents();
        // another call, or this one connected or ended: its caller and times from the list
        if (ev.call && (!same || !a.call_connected_at || ev.to === 'wrap-up')) refreshAgents();
      }
    } else if (type === 'escalation') {
      loadInbox();
    }
    if (type.startsWith('call-') || type === 'escalation' || type === 'callback-requested') refreshBoard();
  });
  const unopen = live.onOpen(async () => {
    try {
      const r = await get('/agents/live');
      s.agents = new Map(r.items.map((a) => [a.id, a]));
      renderAgents();
      loadInbox();
      loadBoard();
    } catch (e) { /* offline */ }
  });

  renderAgents();
  renderInbox();
  renderOverflow();
  await Promise.all([loadInbox(), loadBoard()]);
  return () => { clearInterval(ticker); clearTimeout(boardTimer); clearTimeout(agentsTimer); unsub(); unopen(); };
}
