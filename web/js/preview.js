// preview: the agent's outbound panel on the desktop: the next lead's card in a preview campaign (name,
// number, local time, attempts, last result, custom fields, script; Dial or Skip), the campaign outcome
// of an outbound call (results, "call back" at a time in the site's zone, for me or for anyone, do not
// call), and the agent's own scheduled campaign callbacks.

import { h, fill, field, toast } from './dom.js';
import { get, post, ApiError } from './api.js';
import * as live from './live.js';
import { t, fmtDateTime, zonedInput, zonedToEpoch, language } from './i18n.js';
import { errorText } from './campaigns.js';

const ON_CALL = ['reserved', 'talking', 'hold', 'wrap-up'];
const OUTCOMES = ['completed', 'callback', 'not-interested', 'wrong-number', 'no-answer', 'busy', 'failed'];
const DAY_MS = 86400000;

/* Draws into panel; returns the cleanup. agent: GET /me/agent. */
export async function mountPreview(panel, agent) {
  const s = {
    state: agent.state, camps: [], running: new Set(), card: null, cardCamp: null, scripts: new Map(),
    dialled: null, // {camp, lead, number, name}: the card dialled, until its call ends
    outcome: null, // {camp, lead, done: result}: the campaign call on the desktop now
    noLead: false, asking: false, callbacks: [], error: '',
  };
  const myId = agent.agent_id;
  let retry = 0;
  let busyTries = 0; // the dialer says "not free" while the desktop says ready

  async function loadCampaigns() {
    try {
      s.camps = (await get('/campaigns?limit=500')).items; // running or not, whatever their active flag
    } catch (e) {
      s.camps = []; // team leads outside the outbound design: no panel
    }
    const running = new Set();
    // the campaign says whether it runs (else its live figures do)
    await Promise.all(s.camps.map((c) => (typeof c.running === 'boolean' ? Promise.resolve(c) : get('/campaigns/' + c.id + '/live'))
      .then((l) => { if (l.running) running.add(c.id); }).catch(() => {})));
    s.running = running;
  }
  const previewCamps = () => s.camps.filter((c) => c.dial_mode === 'preview' && s.running.has(c.id));

  async function loadCallbacks() {
    try { s.callbacks = (await get('/campaign-callbacks?limit=200')).items; } catch (e) { return; }
    s.callbacks.sort((a, b) => (a.due_at || 0) - (b.due_at || 0));
    render();
  }

  /* The next lead's card from a running preview campaign (the agent must be ready); after a reload, the
   * card the agent still holds (the route answers it again, held: true). */
  async function nextCard() {
    clearTimeout(retry);
    if (s.asking || s.card || s.dialled || s.state !== 'ready') return;
    s.asking = true;
    s.error = '';
    let busy = false;
    try {
      for (const c of previewCamps()) {
        try {
          s.card = await post('/campaigns/' + c.id + '/preview', {});
          s.cardCamp = c;
          s.noLead = false;
          if (c.script_id && !s.scripts.has(c.script_id)) {
            s.scripts.set(c.script_id, await get('/scripts/' + c.script_id).catch(() => null));
          }
          break;
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          if (e.status === 409 && e.code === 'busy') busy = c; // the dialer has not seen the agent free yet
          else if (e.status !== 404 && e.status !== 409) s.error = errorText(e);
        }
      }
      if (!s.card) s.noLead = !busy;
      busyTries = busy ? busyTries + 1 : 0;
      if (busy && busyTries === 4) {
        // still "not free" after a few seconds although a card reserved before this page was (re)loaded
        // comes back by the same route (held): the dialer holds the agent otherwise; let it go
        await post('/campaigns/' + busy.id + '/preview/skip', {}).catch(() => {});
      }
    } finally {
      s.asking = false;
    }
    render();
    // nothing now: ask again in a while (sooner when the dialer only lagged behind)
    if (!s.card && s.state === 'ready' && previewCamps().length) retry = setTimeout(nextCard, busy ? 1500 : 15000);
  }

  async function dial() {
    const c = s.cardCamp, card = s.card;
    if (!card) return;
    try {
      await post('/campaigns/' + c.id + '/preview/dial', {});
      s.dialled = { camp: c, lead: card.lead_id, number: card.number, name: fullName(card) };
      s.card = null;
      render();
      watchDial();
    } catch (e) {
      toast(errorText(e), 'error');
      s.card = null;
      render();
      nextCard();
    }
  }
  async function skip() {
    const c = s.cardCamp;
    try { await post('/campaigns/' + c.id + '/preview/skip', {}); } catch (e) { toast(errorText(e), 'error'); }
    s.card = null;
    render();
    nextCard();
  }

  /* A dialled card whose call never reached the agent (no answer, busy, failed) frees the agent again:
   * the dialer then offers the next card. */
  let dialTimer = 0;
  function watchDial() {
    clearTimeout(dialTimer);
    dialTimer = setTimeout(async () => {
      if (!s.dialled || s.outcome || s.state !== 'ready') return;
      const was = s.dialled;
      s.dialled = null;
      await nextCard();
      if (s.card) toast(t('prev.not_reached', { number: was.number }));
      else if (!s.outcome) { s.dialled = was; watchDial(); }
    }, 4000);
  }

  /* On a call: is it a campaign's (the card dialled, or the queue of a running campaign)? */
  async function checkOutcome() {
    if (s.outcome) return;
    let camp = s.dialled ? s.dialled.camp : null;
    if (!camp) {
      try {
        const call = await get('/me/call');
        camp = s.camps.find((c) => s.running.has(c.id) && c.queue_id && c.queue_id === call.queue_id) || null;
      } catch (e) { camp = null; }
    }
    if (!camp || !ON_CALL.includes(s.state) || s.outcome) return;
    s.outcome = { camp, lead: s.dialled ? s.dialled.lead : null, number: s.dialled ? s.dialled.number : null, done: null };
    render();
  }

  function outcomeForm() {
    const o = s.outcome;
    if (o.done) {
      return h('div', { class: 'card-inner', id: 'camp-outcome-done' }, h('p', null, t('prev.outcome_saved', { result: t('camp.result.' + o.done) })),
        o.cbAt ? h('p', { class: 'muted small' }, t('prev.callback_at', { time: fmtDateTime(o.cbAt) })) : null,
        h('button', { type: 'button', class: 'link small', onclick: () => { o.done = null; render(); } }, t('prev.change')));
    }
    const result = h('select', { id: 'co-result', name: 'result', required: true }, h('option', { value: '' }, t('prev.choose_result')),
      OUTCOMES.map((r) => h('option', { value: r }, t('camp.result.' + r))), o.lead ? h('option', { value: 'dnc' }, t('camp.result.dnc')) : null);
    const tomorrow = zonedInput(Date.now() + DAY_MS).slice(0, 11) + '10:00';
    const when = h('input', { id: 'co-when', name: 'callback_at', type: 'datetime-local', value: tomorrow });
    const forMe = h('input', { type: 'radio', name: 'co-for', id: 'co-for-me', value: 'me', checked: true });
    const forAny = h('input', { type: 'radio', name: 'co-for', id: 'co-for-anyone', value: 'anyone' });
    const cbBox = h('div', { id: 'co-callback', hidden: true },
      field(t('prev.callback_when'), when, t('desk.times_in_zone')),
      h('div', { class: 'field', role: 'radiogroup', 'aria-label': t('prev.callback_for') }, h('span', { class: 'label-like' }, t('prev.callback_for')),
        h('label', { class: 'check' }, forMe, t('prev.for_me')), h('label', { class: 'check' }, forAny, t('prev.for_anyone'))));
    result.addEventListener('change', () => { cbBox.hidden = result.value !== 'callback'; });
    const err = h('p', { class: 'form-error', role: 'alert', id: 'co-error' });
    const form = h('form', { id: 'camp-outcome', class: 'card-inner', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
      if (!result.value) { document.getElementById('co-result-err').textContent = t('prev.result_required'); result.focus(); return; }
      try {
        if (result.value === 'dnc') {
          await post('/campaigns/' + o.camp.id + '/leads/' + o.lead + '/dnc', {});
        } else {
          const b = { result: result.value };
          if (result.value === 'callback') {
            const at = zonedToEpoch(when.value);
            if (!Number.isFinite(at)) { document.getElementById('co-when-err').textContent = t('prev.when_required'); when.focus(); return; }
            if (at <= Date.now()) { document.getElementById('co-when-err').textContent = t('prev.when_future'); when.focus(); return; }
            b.callback_at = at;
            b.callback_agent = forMe.checked ? myId : null;
            o.cbAt = at;
          }
          const r = await post('/campaigns/' + o.camp.id + '/disposition', b);
          if (r && r.lead_id) o.lead = r.lead_id;
        }
        o.done = result.value;
        toast(t('prev.outcome_saved', { result: t('camp.result.' + o.done) }));
        render();
      } catch (ex) {
        err.textContent = ex.status === 422 && ex.field ? ex.message : errorText(ex);
      }
    } },
    h('h3', null, t('prev.outcome', { campaign: o.camp.name })),
    o.number ? h('p', { class: 'muted small' }, o.number) : null,
    field(t('prev.result'), result), cbBox, err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'co-submit' }, t('prev.save_outcome'))),
    h('p', { class: 'hint' }, t('prev.outcome_hint')));
    return form;
  }

  function fullName(c) { return [c.first_name, c.last_name].filter(Boolean).join(' '); }

  /* The lead's local time now (each zone of a set such as "America/Chicago|America/Denver"). */
  function localTime(zone) {
    return (zone || '').split('|').map((z) => {
      try {
        return new Intl.DateTimeFormat(language() === 'de' ? 'de-DE' : 'en-GB', { timeZone: z, weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date()) + ' (' + z + ')';
      } catch (e) { return z; }
    }).join(' · ') || '-';
  }

  function scriptText(sc) {
    if (!sc || !sc.body) return null;
    try {
      const d = JSON.parse(sc.body);
      if (d && Array.isArray(d.steps)) {
        const st = d.steps.find((x) => x.id === d.start) || d.steps[0];
        return st ? st.text : null;
      }
    } catch (e) { /* plain text */ }
    return sc.body;
  }

  function cardView() {
    const c = s.card, camp = s.cardCamp;
    const custom = c.custom && typeof c.custom === 'object' ? Object.entries(c.custom) : [];
    const sc = camp.script_id ? s.scripts.get(camp.script_id) : null;
    const text = scriptText(sc);
    return h('article', { class: 'lead-card', id: 'preview-card', 'aria-labelledby': 'preview-name' },
      h('div', { class: 'lead-card-head' },
        h('h3', { id: 'preview-name' }, fullName(c) || t('desk.unnamed')),
        c.callback ? h('span', { class: 'tag', id: 'preview-callback' }, t('prev.callback_due')) : null,
        h('span', { class: 'tag' }, camp.name)),
      h('dl', { class: 'kv' },
        h('dt', null, t('camp.number')), h('dd', { id: 'preview-number', class: 'mono' }, c.number),
        h('dt', null, t('prev.local_time')), h('dd', { id: 'preview-local' }, localTime(c.zone)),
        h('dt', null, t('camp.attempts')), h('dd', { id: 'preview-attempts' }, String(c.attempts)),
        h('dt', null, t('camp.last_result')), h('dd', { id: 'preview-last' }, c.last_result ? t('camp.result.' + c.last_result) : '-'),
        custom.map(([k, v]) => [h('dt', null, k), h('dd', null, String(v))])),
      text ? h('details', { class: 'lead-script', open: true }, h('summary', null, t('desk.script') + (sc.name ? ' · ' + sc.name : '')), h('p', { class: 'script-text', id: 'preview-script' }, text)) : null,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'ok big', id: 'btn-preview-dial', onclick: dial }, t('prev.dial')),
        h('button', { type: 'button', class: 'quiet', id: 'btn-preview-skip', onclick: skip }, t('prev.skip'))));
  }

  function callbacksView() {
    return h('section', { class: 'items', id: 'my-callbacks-box' }, h('h3', null, t('prev.my_callbacks')),
      s.callbacks.length ? h('ul', { id: 'my-campaign-callbacks', class: 'history' }, s.callbacks.map((b) => h('li', { dataset: { lead: b.lead_id } },
        h('strong', { class: 'cb-due' }, fmtDateTime(b.due_at)), ' · ', fullName(b) || t('desk.unnamed'), ' · ', h('span', { class: 'mono' }, b.number),
        h('div', { class: 'muted small' }, b.campaign_name, b.status === 'in_call' ? ' · ' + t('camp.status.in_call') : '')))) : h('p', { class: 'muted', id: 'my-callbacks-none' }, t('desk.none')));
  }

  function render() {
    panel.hidden = !s.camps.length && !s.callbacks.length;
    const parts = [h('h2', { id: 'preview-h' }, t('prev.title'))];
    const pc = previewCamps();
    if (s.outcome) parts.push(outcomeForm());
    else if (s.card) parts.push(cardView());
    else if (s.dialled) parts.push(h('p', { id: 'preview-dialling', 'aria-live': 'polite' }, t('prev.dialling', { number: s.dialled.number })));
    else if (pc.length) {
      parts.push(h('p', { class: 'muted', id: 'preview-status' },
        s.state !== 'ready' ? t('prev.get_ready') : s.asking ? t('common.loading') : s.noLead ? t('prev.no_lead') : t('prev.waiting')),
      s.state === 'ready' ? h('div', { class: 'actions' }, h('button', { type: 'button', id: 'btn-preview-next', onclick: nextCard, disabled: s.asking }, t('prev.next'))) : null);
    } else if (s.camps.length) parts.push(h('p', { class: 'muted', id: 'preview-status' }, t('prev.none_running')));
    if (s.error) parts.push(h('p', { class: 'form-error' }, s.error));
    parts.push(callbacksView());
    fill(panel, parts);
  }

  function onState(to) {
    const was = s.state;
    s.state = to;
    if (ON_CALL.includes(to)) {
      clearTimeout(retry);
      if (s.card && !s.dialled) { s.card = null; render(); } // another call came first: the lead went back
      checkOutcome();
    } else if (ON_CALL.includes(was)) {
      // the call is over (wrap-up ended): the disposition is applied now; the next card
      s.outcome = null;
      s.dialled = null;
      setTimeout(loadCallbacks, 1200);
      render();
      if (to === 'ready') nextCard();
    } else if (to === 'ready') nextCard();
    else {
      // not ready or logged out: the dialer gave the previewed lead back
      clearTimeout(retry);
      if (!s.dialled) s.card = null;
      render();
    }
  }

  const unsub = live.subscribe((type, ev) => {
    if (!ev) return;
    if ((type === 'agent-state' || type === 'agent-login' || type === 'agent-logout') && ev.agent === myId) {
      if (ev.to && ev.to !== s.state) onState(ev.to);
    } else if (type === 'dialer.start' || type === 'dialer.stop') {
      loadCampaigns().then(() => { render(); if (s.state === 'ready') nextCard(); });
    }
  });
  const unopen = live.onOpen(async () => {
    try { const a = await get('/me/agent'); if (a.state !== s.state) onState(a.state); } catch (e) { /* offline */ }
  });
  const cbTimer = setInterval(loadCallbacks, 30000);

  // the state now (the desktop's copy may be older than the events this panel listens to from here on)
  try { s.state = (await get('/me/agent')).state; } catch (e) { /* the desktop's copy */ }
  await loadCampaigns();
  render();
  await loadCallbacks();
  if (ON_CALL.includes(s.state)) checkOutcome();
  else if (s.state === 'ready') nextCard();

  return () => {
    unsub();
    unopen();
    clearTimeout(retry);
    clearTimeout(dialTimer);
    clearInterval(cbTimer);
  };
}
