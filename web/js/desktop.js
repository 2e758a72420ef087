// desktop: the agent desktop: state bar, incoming call, screen pop, customer record, script,
// knowledge, in-call actions, wrap-up, "my day" and keyboard shortcuts.

import { h, fill, $, modal, field, toast } from './dom.js';
import { get, post, put, patch, ApiError } from './api.js';
import * as live from './live.js';
import { t, fmtDur, fmtTime, fmtDateTime, fmtDate, fmtMoney, fmtPct, zonedToEpoch, zonedInput, language } from './i18n.js';
import { mountPreview } from './preview.js';

const ON_CALL = ['reserved', 'talking', 'hold', 'wrap-up'];

export async function mount(root, ctx) {
  const s = {
    agent: null, // committed state from /me/agent and the events
    call: null, // GET /me/call
    customer: null, // the record shown
    matches: null, // screen pop candidates
    script: null, step: null, history: [],
    queues: [], reasons: [], dispositions: [], day: null,
    sound: ctx.prefs ? ctx.prefs.sound !== false : true,
    notesTimer: 0, savedNotes: '', busy: false,
    late: null, // a call whose wrap-up ended (*45 on the phone, the timer) before a disposition was given
  };
  const [agent, queues, reasons, dispositions] = await Promise.all([
    get('/me/agent'), get('/queues'), get('/reason-codes'), get('/dispositions')]);
  s.agent = agent;
  s.queues = queues.items;
  s.allReasons = reasons.items;
  s.reasons = reasons.items.filter((r) => r.selectable);
  s.dispositions = dispositions.items.filter((d) => d.active);

  /* ---------- layout ---------- */
  const stateBadge = h('span', { class: 'state-badge', id: 'agent-state', 'aria-live': 'polite' });
  const stateTime = h('span', { class: 'state-time', id: 'agent-state-time' });
  const reasonSel = h('select', { id: 'reason', 'aria-label': t('desk.reason') },
    s.reasons.map((r) => h('option', { value: r.code }, t('reason.' + r.name))));
  const btnReady = h('button', { id: 'btn-ready', type: 'button', class: 'ok', onclick: () => setState('ready') }, t('desk.ready'));
  const btnNotReady = h('button', { id: 'btn-not-ready', type: 'button', onclick: () => setState('not_ready', Number(reasonSel.value)) }, t('desk.not_ready'));
  const btnLogout = h('button', { id: 'btn-agent-logout', type: 'button', class: 'quiet', onclick: () => setState('logged_out') }, t('desk.log_out'));
  const soundBox = h('input', { type: 'checkbox', id: 'sound', checked: s.sound,
    onchange: () => { s.sound = soundBox.checked; put('/me/preferences', { sound: s.sound }).catch(() => {}); } });
  const statebar = h('div', { class: 'statebar', role: 'region', 'aria-label': t('desk.state_bar') },
    h('span', { class: 'agent-name' }, agent.name),
    stateBadge, stateTime,
    h('div', { class: 'statebar-actions' }, btnReady, h('span', { class: 'split' }, reasonSel, btnNotReady), btnLogout,
      h('label', { class: 'check' }, soundBox, t('desk.sound'))));

  const incoming = h('div', { class: 'incoming', id: 'incoming', role: 'alert', hidden: true });
  const customerPanel = h('section', { class: 'panel', id: 'customer-panel', 'aria-labelledby': 'cust-h' });
  const callPanel = h('section', { class: 'panel', id: 'call-panel', 'aria-labelledby': 'call-h' });
  const scriptPanel = h('section', { class: 'panel', id: 'script-panel', 'aria-labelledby': 'script-h' });
  const kbPanel = h('section', { class: 'panel', id: 'kb-panel', 'aria-labelledby': 'kb-h' });
  const dayPanel = h('section', { class: 'panel', id: 'day-panel', 'aria-labelledby': 'day-h' });
  const previewPanel = h('section', { class: 'panel', id: 'preview-panel', 'aria-labelledby': 'preview-h', hidden: true });
  fill(root, h('div', { class: 'desktop' }, statebar, incoming,
    h('div', { class: 'desk-grid' },
      h('div', { class: 'col' }, previewPanel, callPanel, customerPanel),
      h('div', { class: 'col' }, scriptPanel, kbPanel),
      h('div', { class: 'col col-narrow' }, dayPanel))));

  ctx.shortcuts = [
    ['Alt+A', t('desk.answer')], ['Alt+D', t('desk.decline')], ['Alt+R', t('desk.ready')],
    ['Alt+N', t('desk.not_ready')], ['Alt+H', t('desk.hold') + ' / ' + t('desk.resume')],
    ['Alt+T', t('desk.transfer')], ['Alt+E', t('desk.escalate')], ['Alt+X', t('desk.hang_up')],
    ['Alt+B', t('desk.callback')], ['Alt+F', t('desk.referral')], ['Alt+K', t('desk.kb_search')],
    ['Ctrl+Enter', t('desk.wrap_submit')], ['?', t('help.title')]];

  /* ---------- state ---------- */
  async function setState(state, reason) {
    try {
      const body = { state };
      if (reason) body.reason = reason;
      s.agent = { ...s.agent, ...(await put('/me/state', body)) };
      renderState();
    } catch (e) { showError(e); }
  }

  function renderState() {
    const st = s.agent.state;
    let label = t('state.' + st);
    const rn = s.agent.reason_name;
    if ((st === 'not-ready' || st === 'logged-out') && rn && rn !== 'none') {
      label += ' · ' + (s.reasons.some((r) => r.name === rn) ? t('reason.' + rn) : t('reason_sys.' + rn));
    }
    stateBadge.textContent = label;
    stateBadge.className = 'state-badge state-' + st;
    btnReady.disabled = st === 'ready' || ON_CALL.includes(st);
    btnNotReady.disabled = st === 'reserved';
    btnLogout.disabled = st === 'logged-out';
    tick();
  }

  function tick() {
    const since = s.agent.since;
    stateTime.textContent = since ? fmtDur(Date.now() - since) : '';
    if (s.call && s.call.wrapup_ends_at && s.agent.state === 'wrap-up') {
      const left = s.call.wrapup_ends_at - Date.now();
      const cd = $('#wrap-countdown');
      if (cd) cd.textContent = t('desk.wrap_left', { time: fmtDur(Math.max(0, left)) });
    }
    const ct = $('#call-timer');
    if (ct && s.call) ct.textContent = fmtDur(Date.now() - (s.call.t_connected || s.call.since));
  }
  const ticker = setInterval(tick, 1000);

  /* ---------- the call ---------- */
  let ring = null;
  function startRing() {
    if (ring || !s.sound) return;
    try {
      const ac = new (window.AudioContext || window.webkitAudioContext)();
      const beep = () => {
        for (const [f, at] of [[660, 0], [880, 0.25]]) {
          const o = ac.createOscillator(), g = ac.createGain();
          o.frequency.value = f;
          g.gain.setValueAtTime(0.0001, ac.currentTime + at);
          g.gain.exponentialRampToValueAtTime(0.2, ac.currentTime + at + 0.02);
          g.gain.exponentialRampToValueAtTime(0.0001, ac.currentTime + at + 0.22);
          o.connect(g).connect(ac.destination);
          o.start(ac.currentTime + at);
          o.stop(ac.currentTime + at + 0.25);
        }
      };
      beep();
      ring = { ac, timer: setInterval(beep, 2000) };
    } catch (e) { ring = null; }
  }
  function stopRing() {
    if (!ring) return;
    clearInterval(ring.timer);
    ring.ac.close().catch(() => {});
    ring = null;
  }

  let loading = null;
  async function syncCall() {
    if (!ON_CALL.includes(s.agent.state)) {
      stopRing();
      if (s.call) endCall();
      return;
    }
    if (loading) return loading;
    loading = (async () => {
      try {
        const c = await get('/me/call');
        if (!c.call_id) {
          if (s.call) endCall(); else renderCall();
          return;
        }
        const fresh = !s.call || s.call.call_id !== c.call_id;
        if (fresh) wrapEndedElsewhere();
        const hadNotes = s.call ? s.call.notes : '';
        s.call = c;
        if (!fresh && hadNotes && !c.notes) s.call.notes = hadNotes;
        if (fresh) await newCall();
        renderCall();
      } catch (e) {
        if (e.status === 404) { s.call = null; renderCall(); } else showError(e);
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  async function newCall() {
    s.customer = null;
    s.matches = null;
    s.savedNotes = s.call.notes || '';
    s.script = null;
    // screen pop: the customer linked to the call, else the caller's number against the customers
    try {
      if (s.call.customer_id) {
        await openCustomer(s.call.customer_id, false);
      } else if (s.call.customer_number) {
        const r = await get('/customers?phone=' + encodeURIComponent(s.call.customer_number));
        s.matches = r.items;
        if (r.items.length === 1) await openCustomer(r.items[0].id, true);
      } else {
        s.matches = [];
      }
    } catch (e) { showError(e); }
    renderCustomer();
    loadScript();
  }

  /*
   * The call shown was in wrap-up and that ended without the desktop's
   * disposition (*45 on the phone, or the queue's time box ran out): the
   * record still wants one, given afterwards with PATCH /contacts/{id}.
   */
  function wrapEndedElsewhere() {
    const c = s.call;
    if (!c || c.state !== 'wrap-up' || s.wrapping === c.call_id || !c.contact_id) return;
    const sel = $('#wrap-disposition'), notes = $('#wrap-notes');
    s.late = { contact_id: c.contact_id, customer_number: c.customer_number, disposition: sel ? sel.value : '',
      notes: notes ? notes.value : (c.notes || '') };
  }

  function endCall() {
    wrapEndedElsewhere();
    s.call = null;
    stopRing();
    clearTimeout(s.notesTimer);
    renderCall();
    loadDay();
  }

  // the caller's voicemail message, to hear before (or while) calling back: one element per
  // message, so that redrawing the call panel (state changes, polls) does not stop it playing
  let msgPlayer = null;
  function messagePlayer(contactId) {
    if (!msgPlayer || msgPlayer.dataset.contact !== String(contactId)) {
      msgPlayer = h('audio', { controls: true, preload: 'none', id: 'call-callback-message', class: 'qa-player',
        dataset: { contact: String(contactId) }, src: `/api/v1/qa/contacts/${contactId}/recording`,
        'aria-label': t('desk.callback_listen') });
    }
    return msgPlayer;
  }

  function renderCall() {
    const c = s.call;
    const st = s.agent.state;
    // the announcement
    if (c && st === 'reserved') {
      fill(incoming,
        h('div', { class: 'incoming-text' },
          h('strong', null, t('desk.incoming')), ' ',
          h('span', { class: 'number', id: 'incoming-number' }, c.customer_number || t('desk.anonymous')), ' · ',
          h('span', { id: 'incoming-queue' }, t('desk.queue_name', { queue: c.queue_name }))),
        h('div', { class: 'incoming-actions' },
          h('button', { class: 'ok big', id: 'btn-answer', type: 'button', onclick: answer }, t('desk.answer')),
          h('button', { class: 'quiet', id: 'btn-decline', type: 'button', onclick: decline }, t('desk.decline'))));
      incoming.hidden = false;
      document.title = '☎ ' + (c.customer_number || '') + ' · ' + t('app.name');
      startRing();
    } else {
      incoming.hidden = true;
      document.title = t('app.name');
      stopRing();
    }
    if (!c) {
      fill(callPanel, h('h2', { id: 'call-h' }, t('desk.call')), lateForm(),
        h('p', { class: 'muted', id: 'no-call' }, s.agent.state === 'ready' ? t('desk.waiting_for_call') : t('desk.no_call')));
      renderCustomer();
      return;
    }
    const info = h('dl', { class: 'kv' },
      h('dt', null, t('desk.caller')), h('dd', { id: 'call-number' }, c.customer_number || t('desk.anonymous')),
      h('dt', null, t('desk.queue')), h('dd', { id: 'call-queue' }, c.queue_name),
      h('dt', null, t('desk.dialled')), h('dd', null, c.system_number || '-'),
      h('dt', null, t('desk.duration')), h('dd', { id: 'call-timer' }, ''),
      c.escalation ? [h('dt', null, t('desk.escalated_because')), h('dd', { id: 'call-escalation' }, c.escalation.reason)] : null,
      // a callback being placed: the note of its row (e.g. the voicemail message it answers)
      c.callback ? [h('dt', null, t('desk.callback_note')), h('dd', { id: 'call-callback-note' }, c.callback.notes || '-',
        c.callback.message_contact_id ? [h('br'), t('desk.callback_message', { id: c.callback.message_contact_id }),
          c.callback.message_has_recording ? messagePlayer(c.callback.message_contact_id) : null] : null)] : null);
    const notes = h('textarea', { id: 'call-notes', name: 'notes', rows: 5, maxlength: 20000, value: s.call.notes || '',
      oninput: () => { s.call.notes = notes.value; scheduleNotes(); } });
    const parts = [h('h2', { id: 'call-h' }, t('desk.call'), ' ', h('span', { class: 'state-badge state-' + st }, t('state.' + st))), lateForm(), info];
    if (st === 'talking' || st === 'hold') {
      parts.push(field(t('desk.notes'), notes, t('desk.notes_hint')));
      parts.push(h('div', { class: 'actions wrap' },
        h('button', { type: 'button', id: 'btn-hold', onclick: toggleHold }, st === 'hold' ? t('desk.resume') : t('desk.hold')),
        h('button', { type: 'button', id: 'btn-record', hidden: true, onclick: toggleRecording }, t('desk.rec_start')),
        h('button', { type: 'button', id: 'btn-transfer', onclick: transfer }, t('desk.transfer')),
        h('button', { type: 'button', id: 'btn-escalate', onclick: escalate }, t('desk.escalate')),
        h('button', { type: 'button', id: 'btn-callback', onclick: callback }, t('desk.callback')),
        h('button', { type: 'button', id: 'btn-referral', onclick: referral }, t('desk.referral')),
        h('button', { type: 'button', id: 'btn-hangup', class: 'danger', onclick: hangup }, t('desk.hang_up'))));
    } else if (st === 'wrap-up') {
      parts.push(wrapForm());
    }
    fill(callPanel, parts);
    tick();
    if (st === 'talking' || st === 'hold') syncRecording();
  }

  /* The recording of a phone call in a queue that records (always, on demand): start, pause, resume. */
  async function syncRecording() {
    let r = null;
    try { r = await get('/me/call/recording'); } catch (e) { r = null; } // 409: no phone call, nothing to show
    s.rec = r;
    const b = $('#btn-record');
    if (!b) return;
    // mode null: no phone call (a desktop-only agent); 'off': the queue does not record
    b.hidden = !r || !r.mode || r.mode === 'off' || r.state === 'no_call' || (r.mode === 'always' && r.state === 'off');
    if (b.hidden) return;
    b.textContent = t(r.state === 'recording' ? 'desk.rec_pause' : r.state === 'paused' ? 'desk.rec_resume' : 'desk.rec_start');
    b.setAttribute('aria-pressed', String(r.state === 'paused'));
    if (['off', 'recording', 'paused'].includes(r.state)) b.title = t('desk.rec_state_' + r.state);
  }
  async function toggleRecording() {
    const r = s.rec;
    if (!r || !r.mode || r.mode === 'off') return;
    const action = r.state === 'recording' ? 'pause' : r.state === 'paused' ? 'resume' : 'start';
    try {
      await post('/me/call/recording', { action });
      toast(t('desk.rec_done_' + action));
    } catch (e) { showError(e); }
    await syncRecording();
  }

  function scheduleNotes() {
    clearTimeout(s.notesTimer);
    s.notesTimer = setTimeout(saveNotes, 800);
  }
  async function saveNotes() {
    if (!s.call || s.call.notes === s.savedNotes) return;
    const text = s.call.notes || '';
    try {
      await put('/me/call/notes', { notes: text });
      s.savedNotes = text;
    } catch (e) { if (e.status !== 409) showError(e); }
  }

  /* The disposition and notes of a call: prefix "wrap" ends wrap-up, "late" completes a record whose wrap-up ended. */
  function dispositionForm(prefix, preset, send) {
    const sel = h('select', { id: prefix + '-disposition', name: 'disposition_id', required: true },
      h('option', { value: '' }, t('desk.choose_disposition')),
      groupDispositions());
    if (preset.disposition) sel.value = preset.disposition;
    const notes = h('textarea', { id: prefix + '-notes', name: 'notes', rows: 4, maxlength: 20000, value: preset.notes || '' });
    // kept as typed: the panel is drawn again on every change of state
    sel.addEventListener('change', () => { preset.disposition = sel.value; });
    notes.addEventListener('input', () => { preset.notes = notes.value; });
    const err = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { id: prefix + '-form', class: 'wrap-form', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
      if (!sel.value) {
        $('#' + sel.id + '-err').textContent = t('desk.disposition_required');
        sel.focus();
        return;
      }
      const d = s.dispositions.find((x) => String(x.id) === sel.value);
      if (d && d.requires_note && !notes.value.trim()) {
        $('#' + notes.id + '-err').textContent = t('desk.note_required');
        notes.focus();
        return;
      }
      try {
        await send(Number(sel.value), notes.value || null);
      } catch (ex) {
        if (ex.status === 422 && ex.field) {
          const f = ex.field === 'disposition_id' ? sel : notes;
          $('#' + f.id + '-err').textContent = ex.message;
        } else err.textContent = ex.status === 409 ? t('desk.wrap_over') : t('error.generic', { message: ex.message });
      }
    } },
    h('h3', null, prefix === 'late' ? t('desk.late_title') : t('desk.wrap_up')),
    prefix === 'late' ? h('p', { class: 'muted small', id: 'late-text' }, t('desk.late_text', { number: preset.customer_number || t('desk.anonymous') }))
      : preset.countdown ? h('p', { id: 'wrap-countdown', class: 'countdown', 'aria-live': 'off' }) : null,
    field(t('desk.disposition'), sel),
    field(t('desk.wrap_notes'), notes),
    err,
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit', id: prefix + '-submit' }, prefix === 'late' ? t('desk.late_submit') : t('desk.wrap_submit'))));
    return form;
  }

  function wrapForm() {
    const c = s.call;
    const form = dispositionForm('wrap', { notes: c.notes, countdown: !!c.wrapup_ends_at }, async (disposition, notes) => {
      clearTimeout(s.notesTimer);
      s.wrapping = c.call_id; // its end (the event may come before the reply) is ours, not *45's or the timer's
      try {
        s.agent = { ...s.agent, ...(await post('/me/wrapup', { disposition_id: disposition, notes })) };
      } catch (ex) {
        s.wrapping = null;
        if (ex.status !== 409 || !c.contact_id) throw ex;
        // the time ran out just now: the record still takes the disposition
        s.late = { contact_id: c.contact_id, customer_number: c.customer_number, disposition: String(disposition), notes: notes || '' };
        await syncCall();
        renderCall();
        return;
      }
      toast(t('desk.wrapped_up'));
      renderState();
      await syncCall();
    });
    setTimeout(() => { if (!s.late) $('#wrap-disposition')?.focus(); }, 0);
    return form;
  }

  function lateForm() {
    const l = s.late;
    if (!l) return null;
    return dispositionForm('late', l, async (disposition, notes) => {
      await patch('/contacts/' + l.contact_id, { disposition_id: disposition, notes });
      s.late = null;
      toast(t('desk.late_done'));
      renderCall();
    });
  }

  function groupDispositions() {
    const cats = new Map();
    for (const d of s.dispositions) {
      const c = d.category || 'other';
      if (!cats.has(c)) cats.set(c, []);
      cats.get(c).push(d);
    }
    return [...cats].map(([c, ds]) => h('optgroup', { label: t('disp_cat.' + c) },
      ds.map((d) => h('option', { value: d.id }, d.label + (d.requires_note ? ' *' : '')))));
  }

  async function answer() {
    if (!s.call || s.agent.state !== 'reserved') return;
    try {
      s.agent = { ...s.agent, ...(await post('/me/call/answer', { call_id: s.call.call_id })) };
      stopRing();
      renderState();
      await syncCall();
      const n = $('#call-notes');
      if (n) n.focus();
    } catch (e) { showError(e); syncCall(); }
  }
  async function decline() {
    if (!s.call || s.agent.state !== 'reserved') return;
    try {
      s.agent = { ...s.agent, ...(await post('/me/call/reject', { call_id: s.call.call_id })) };
      renderState();
      await syncCall();
    } catch (e) { showError(e); }
  }
  async function toggleHold() {
    if (!s.call) return;
    try {
      s.agent = { ...s.agent, ...(await post('/me/call/hold', { hold: s.agent.state !== 'hold' })) };
      renderState();
      renderCall();
    } catch (e) { showError(e); }
  }
  async function hangup() {
    if (!s.call) return;
    await saveNotes();
    try {
      s.agent = { ...s.agent, ...(await post('/me/call/hangup')) };
      renderState();
      await syncCall();
    } catch (e) { showError(e); }
  }

  async function transfer() {
    if (!s.call || !['talking', 'hold'].includes(s.agent.state)) return;
    await saveNotes();
    // a queue, an agent (their phone rings) or an outside number (through the trunk): what the API takes
    const agents = await get('/agents?limit=1000').then((r) => r.items).catch(() => []);
    const to = await modal(t('desk.transfer'), (close) => {
      const kind = h('select', { id: 'transfer-kind', name: 'kind' },
        ['queue', 'agent', 'number'].map((k) => h('option', { value: k }, t('desk.transfer_kind_' + k))));
      const sel = h('select', { id: 'transfer-queue', name: 'queue_id', required: true },
        s.queues.filter((q) => q.active && q.id !== s.call.queue_id).map((q) => h('option', { value: q.id }, q.name)));
      // agents see few colleagues through the API: the extension is typed, the ones visible are offered
      const ext = h('input', { id: 'transfer-extension', name: 'extension', type: 'text', inputmode: 'numeric',
        maxlength: 31, autocomplete: 'off', list: 'transfer-extensions' });
      const known = h('datalist', { id: 'transfer-extensions' },
        agents.filter((a) => a.active !== false && a.id !== s.agent.agent_id && a.extension)
          .map((a) => h('option', { value: a.extension }, a.name)));
      const num = h('input', { id: 'transfer-number', name: 'number', type: 'tel', maxlength: 32, autocomplete: 'off' });
      const parts = { queue: field(t('desk.transfer_to_queue'), sel, t('desk.transfer_queue_hint')),
        agent: field(t('desk.transfer_to_agent'), ext, t('desk.transfer_agent_hint')),
        number: field(t('desk.transfer_to_number'), num, t('desk.transfer_number_hint')) };
      const show = () => { for (const k in parts) parts[k].style.display = k === kind.value ? '' : 'none'; };
      kind.addEventListener('change', show);
      show();
      return h('form', { novalidate: true, onsubmit: (e) => {
        e.preventDefault();
        if (kind.value === 'queue') close({ path: '/me/call/transfer', body: { queue_id: Number(sel.value) } });
        else if (kind.value === 'agent' && ext.value.trim()) close({ path: '/me/call/blind-transfer', body: { extension: ext.value.trim() } });
        else if (kind.value === 'number' && num.value.trim()) close({ path: '/me/call/blind-transfer', body: { number: num.value.trim() } });
        else $((kind.value === 'agent' ? '#transfer-extension' : '#transfer-number') + '-err').textContent = t('desk.transfer_target_required');
      } },
        field(t('desk.transfer_kind'), kind), parts.queue, parts.agent, known, parts.number,
        h('div', { class: 'actions' },
          h('button', { type: 'button', onclick: () => close(null) }, t('common.cancel')),
          h('button', { type: 'submit', class: 'primary', id: 'transfer-submit' }, t('desk.transfer'))));
    });
    if (!to) return;
    try {
      s.agent = { ...s.agent, ...(await post(to.path, to.body)) };
      toast(t('desk.transferred'));
      renderState();
      await syncCall();
    } catch (e) { showError(e); }
  }

  async function escalate() {
    if (!s.call || !['talking', 'hold'].includes(s.agent.state)) return;
    await saveNotes();
    const reason = await modal(t('desk.escalate'), (close) => {
      const ta = h('textarea', { id: 'escalate-reason', name: 'reason', rows: 3, required: true, maxlength: 2000 });
      return h('form', { novalidate: true, onsubmit: (e) => {
        e.preventDefault();
        if (!ta.value.trim()) { $('#escalate-reason-err').textContent = t('desk.reason_required'); return; }
        close(ta.value.trim());
      } },
      field(t('desk.escalate_reason'), ta, t('desk.escalate_hint')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => close(null) }, t('common.cancel')),
        h('button', { type: 'submit', class: 'primary', id: 'escalate-submit' }, t('desk.escalate'))));
    });
    if (!reason) return;
    try {
      s.agent = { ...s.agent, ...(await post('/me/call/escalate', { reason })) };
      toast(t('desk.escalated'));
      renderState();
      await syncCall();
    } catch (e) { showError(e); }
  }

  async function callback() {
    if (!s.call) return;
    const number = s.call.customer_number || '';
    const res = await modal(t('desk.callback'), (close) => {
      const due = h('input', { id: 'cb-due', name: 'due_at', type: 'datetime-local', required: true, value: zonedInput(Date.now() + 24 * 3600e3) });
      const num = h('input', { id: 'cb-number', name: 'number', required: true, value: number, autocomplete: 'off' });
      const notes = h('textarea', { id: 'cb-notes', name: 'notes', rows: 2 });
      const err = h('p', { class: 'form-error', role: 'alert' });
      const form = h('form', { novalidate: true, onsubmit: async (e) => {
        e.preventDefault();
        const body = { queue_id: s.call.queue_id, number: num.value.trim(), due_at: zonedToEpoch(due.value) };
        if (s.customer) body.customer_id = s.customer.id;
        if (notes.value.trim()) body.notes = notes.value.trim();
        try {
          close(await post('/callbacks', body));
        } catch (ex) { showFieldError(form, ex, err); }
      } },
      field(t('desk.callback_due'), due, t('desk.times_in_zone')),
      field(t('desk.callback_number'), num),
      field(t('desk.notes'), notes),
      err,
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => close(null) }, t('common.cancel')),
        h('button', { type: 'submit', class: 'primary', id: 'cb-submit' }, t('desk.callback_schedule'))));
      return form;
    });
    if (res) {
      toast(t('desk.callback_done', { time: fmtDateTime(res.due_at) }));
      if (s.customer) openCustomer(s.customer.id, false).then(renderCustomer);
    }
  }

  async function referral() {
    const products = s.customer ? [] : [];
    const res = await modal(t('desk.referral'), (close) => {
      const inp = h('input', { id: 'ref-product', name: 'product', required: true, maxlength: 200, list: 'ref-products', autocomplete: 'off' });
      const dl = h('datalist', { id: 'ref-products' }, ['Visa Gold', 'Savings plan', 'Car loan', 'Personal loan', 'Travel insurance', ...products].map((p) => h('option', { value: p })));
      const err = h('p', { class: 'form-error', role: 'alert' });
      const form = h('form', { novalidate: true, onsubmit: async (e) => {
        e.preventDefault();
        const body = { product: inp.value.trim() };
        if (!body.product) { $('#ref-product-err').textContent = t('desk.product_required'); return; }
        if (s.customer) body.customer_id = s.customer.id;
        try { close(await post('/referrals', body)); } catch (ex) { showFieldError(form, ex, err); }
      } },
      field(t('desk.referral_product'), inp, s.customer ? t('desk.referral_for', { name: s.customer.name || '' }) : null), dl,
      err,
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => close(null) }, t('common.cancel')),
        h('button', { type: 'submit', class: 'primary', id: 'ref-submit' }, t('desk.referral_log'))));
      return form;
    });
    if (res) {
      toast(t('desk.referral_done'));
      loadDay();
    }
  }

  /* ---------- the customer ---------- */
  async function openCustomer(id, link) {
    s.customer = await get('/customers/' + id);
    s.matches = null;
    if (link && s.call) {
      try { await put('/me/call/customer', { customer_id: id }); s.call.customer_id = id; } catch (e) { if (e.status !== 409) showError(e); }
    }
    if (s.script) renderScript();
  }

  function renderCustomer() {
    const head = h('h2', { id: 'cust-h' }, t('desk.customer'));
    if (s.customer) {
      fill(customerPanel, head, customerRecord(s.customer));
      return;
    }
    if (!s.call) {
      fill(customerPanel, head, h('p', { class: 'muted' }, t('desk.no_customer')), searchBox());
      return;
    }
    if (s.matches && s.matches.length > 1) {
      fill(customerPanel, head, h('p', null, t('desk.several_matches', { n: s.matches.length })),
        h('ul', { class: 'picker', id: 'customer-picker' }, s.matches.map((m) => h('li', null,
          h('button', { type: 'button', class: 'link', onclick: async () => { await openCustomer(m.id, true); renderCustomer(); } },
            m.name || t('desk.unnamed'), ' · ', m.external_ref || '', ' · ', (m.phones || []).join(', '))))),
        searchBox());
      return;
    }
    fill(customerPanel, head, h('p', { id: 'no-match' }, t('desk.no_match', { number: s.call.customer_number || t('desk.anonymous') })), newCustomerForm(), searchBox());
  }

  function searchBox() {
    const q = h('input', { type: 'search', id: 'cust-search', name: 'q', autocomplete: 'off' });
    const out = h('ul', { class: 'picker' });
    const form = h('form', { class: 'inline-search', onsubmit: async (e) => {
      e.preventDefault();
      const v = q.value.trim();
      if (!v) return;
      const param = /^[+0-9 ()\/-]{5,}$/.test(v) ? 'phone' : 'name';
      try {
        const r = await get('/customers?' + param + '=' + encodeURIComponent(v) + '&limit=20');
        fill(out, r.items.length ? r.items.map((m) => h('li', null, h('button', { type: 'button', class: 'link',
          onclick: async () => { await openCustomer(m.id, !!s.call); renderCustomer(); } }, m.name || t('desk.unnamed'), ' · ', m.external_ref || ''))) : h('li', { class: 'muted' }, t('common.nothing_found')));
      } catch (ex) { showError(ex); }
    } }, field(t('desk.find_customer'), q), h('button', { type: 'submit' }, t('common.search')));
    return h('div', null, form, out);
  }

  function newCustomerForm() {
    const name = h('input', { id: 'new-name', name: 'name', required: true, maxlength: 200, autocomplete: 'off' });
    const phone = h('input', { id: 'new-phone', name: 'number', value: s.call && s.call.customer_number ? s.call.customer_number : '', autocomplete: 'off' });
    const email = h('input', { id: 'new-email', name: 'email', type: 'email', autocomplete: 'off' });
    const err = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { id: 'new-customer', class: 'card-inner', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      const body = { name: name.value.trim() };
      if (!body.name) { $('#new-name-err').textContent = t('admin.required'); return; }
      if (phone.value.trim()) body.phones = [{ number: phone.value.trim(), label: 'mobile' }];
      if (email.value.trim()) body.email = email.value.trim();
      try {
        const c = await post('/customers', body);
        await openCustomer(c.id, true);
        renderCustomer();
        toast(t('desk.customer_created'));
      } catch (ex) { showFieldError(form, ex, err, { 'phones[0].number': 'number' }); }
    } },
    h('h3', null, t('desk.new_customer')),
    field(t('desk.name'), name), field(t('desk.phone'), phone), field(t('desk.email'), email), err,
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit', id: 'new-customer-submit' }, t('desk.create_customer'))));
    return form;
  }

  function customerRecord(c) {
    const items = c.items || {};
    const itemRow = (it) => h('li', null,
      h('span', { class: 'item-desc' }, it.description || it.type), ' ',
      it.reference ? h('span', { class: 'mono' }, it.reference) : null, ' ',
      it.amount_minor !== null && it.amount_minor !== undefined ? h('span', { class: 'amount' }, fmtMoney(it.amount_minor, it.currency)) : null, ' ',
      it.status ? h('span', { class: 'tag' }, it.status) : null,
      it.address ? h('div', { class: 'muted small' }, it.address) : null,
      it.valid_until ? h('div', { class: 'muted small' }, t('desk.valid_until', { date: fmtDate(it.valid_until) })) : null);
    const sections = ['billing', 'shipping', 'warranty', 'product'].map((type) =>
      (items[type] && items[type].length) ? h('section', { class: 'items' }, h('h4', null, t('item.' + type)), h('ul', null, items[type].map(itemRow))) : null);
    const history = (c.contacts || []).map((k) => h('li', null,
      h('span', { class: 'muted' }, fmtDateTime(k.t_initiated)), ' ',
      h('span', { class: 'tag' }, queueName(k.queue_id)), ' ',
      k.disposition ? h('strong', null, k.disposition) : h('span', { class: 'muted' }, t('desk.no_disposition')),
      k.notes ? h('div', { class: 'note' }, k.notes) : null));
    const callbacks = (c.callbacks || []).map((b) => h('li', null, fmtDateTime(b.due_at), ' · ', b.number || '', ' · ', t('cb.' + b.status), b.notes ? h('div', { class: 'note' }, b.notes) : null));
    return h('div', { class: 'customer', id: 'customer-record' },
      h('div', { class: 'customer-head' },
        h('h3', { id: 'customer-name' }, c.name || t('desk.unnamed')),
        c.external_ref ? h('span', { class: 'tag' }, t('desk.member', { ref: c.external_ref })) : null,
        s.call ? h('button', { type: 'button', class: 'link small', onclick: () => { s.customer = null; s.matches = []; renderCustomer(); } }, t('desk.other_customer')) : null),
      h('dl', { class: 'kv' },
        h('dt', null, t('desk.phone')), h('dd', null, (c.phones || []).map((p) => p.number + (p.label ? ' (' + p.label + ')' : '')).join(', ') || '-'),
        h('dt', null, t('desk.email')), h('dd', null, c.email || '-'),
        h('dt', null, t('desk.language')), h('dd', null, c.language || '-'),
        c.notes ? [h('dt', null, t('desk.customer_notes')), h('dd', null, c.notes)] : null),
      sections,
      h('section', { class: 'items' }, h('h4', null, t('desk.open_callbacks')), callbacks.length ? h('ul', { id: 'customer-callbacks' }, callbacks) : h('p', { class: 'muted' }, t('desk.none'))),
      h('section', { class: 'items' }, h('h4', null, t('desk.history')), history.length ? h('ul', { class: 'history', id: 'customer-history' }, history) : h('p', { class: 'muted' }, t('desk.no_history'))));
  }

  function queueName(id) {
    const q = s.queues.find((x) => x.id === id);
    return q ? q.name : '#' + id;
  }

  /* ---------- script ---------- */
  async function loadScript() {
    if (!s.call) { renderScript(); return; }
    try {
      const r = await get('/scripts?queue_id=' + s.call.queue_id);
      const sc = r.items.find((x) => x.active !== false);
      s.script = sc ? { ...sc, doc: parseScript(sc.body) } : null;
      s.step = s.script && s.script.doc ? s.script.doc.start : null;
      s.history = [];
    } catch (e) { s.script = null; }
    renderScript();
  }

  function parseScript(body) {
    try {
      const d = JSON.parse(body);
      if (d && Array.isArray(d.steps)) return d;
    } catch (e) { /* plain text */ }
    return { start: 'text', steps: [{ id: 'text', title: '', text: body }] };
  }

  function fieldValue(path) {
    const c = s.customer;
    const first = (n) => (n || '').split(/\s+/)[0];
    const [scope, a, b] = path.split('.');
    if (scope === 'customer' && c) {
      if (a === 'first_name') return first(c.name);
      if (a === 'last_name') return (c.name || '').split(/\s+/).slice(1).join(' ');
      if (['name', 'external_ref', 'email', 'language'].includes(a)) return c[a];
    }
    if (scope === 'agent') return a === 'first_name' ? first(agent.name) : agent.name;
    if (scope === 'account' && c && c.items && c.items[a] && c.items[a].length) {
      const it = c.items[a][0];
      if (b === 'balance') return it.amount_minor !== null ? fmtMoney(it.amount_minor, it.currency) : null;
      return it[b];
    }
    return null;
  }

  function fillTemplate(text) {
    const out = [];
    let last = 0;
    const re = /\{\{\s*([a-z_]+(?:\.[a-z_]+){1,2})\s*\}\}/g;
    let m;
    while ((m = re.exec(text))) {
      out.push(text.slice(last, m.index));
      const v = fieldValue(m[1]);
      out.push(v !== null && v !== undefined && v !== '' ? h('mark', { class: 'filled', title: m[1] }, String(v)) : h('mark', { class: 'unfilled', title: m[1] }, '…'));
      last = re.lastIndex;
    }
    out.push(text.slice(last));
    return out;
  }

  function renderScript() {
    const head = h('h2', { id: 'script-h' }, t('desk.script'));
    if (!s.script) {
      fill(scriptPanel, head, h('p', { class: 'muted' }, s.call ? t('desk.no_script') : t('desk.script_when_call')));
      return;
    }
    const doc = s.script.doc;
    const step = doc.steps.find((x) => x.id === s.step) || doc.steps[0];
    const go = (next) => { s.history.push(step.id); s.step = next; renderScript(); };
    const buttons = (step.branches || []).map((b) => h('button', { type: 'button', class: 'branch', onclick: () => go(b.next) }, b.label));
    if (step.next) buttons.push(h('button', { type: 'button', class: 'primary', onclick: () => go(step.next) }, t('desk.script_next')));
    fill(scriptPanel, head,
      h('p', { class: 'muted small' }, s.script.name),
      h('div', { class: 'script-step', id: 'script-step', 'aria-live': 'polite' },
        step.title ? h('h3', null, step.title) : null,
        h('p', { class: 'script-text', id: 'script-text' }, fillTemplate(step.text || ''))),
      h('div', { class: 'actions wrap' }, buttons,
        s.history.length ? h('button', { type: 'button', class: 'quiet', onclick: () => { s.step = s.history.pop(); renderScript(); } }, t('desk.script_back')) : null,
        s.history.length ? h('button', { type: 'button', class: 'quiet', onclick: () => { s.step = doc.start; s.history = []; renderScript(); } }, t('desk.script_restart')) : null));
  }

  /* ---------- knowledge ---------- */
  function renderKb() {
    const q = h('input', { type: 'search', id: 'kb-q', name: 'q', autocomplete: 'off' });
    const cat = h('select', { id: 'kb-cat', 'aria-label': t('desk.kb_category') }, h('option', { value: '' }, t('desk.kb_all')),
      ['products', 'services', 'policies', 'troubleshooting'].map((c) => h('option', { value: c }, t('kb.' + c))));
    const out = h('div', { class: 'kb-results', id: 'kb-results' });
    const search = async (e) => {
      if (e) e.preventDefault();
      try {
        const params = new URLSearchParams();
        if (q.value.trim()) params.set('q', q.value.trim());
        if (cat.value) params.set('category', cat.value);
        params.set('limit', '20');
        const r = await get('/knowledge?' + params);
        const items = cat.value ? r.items.filter((a) => a.category === cat.value) : r.items;
        fill(out, items.length ? h('ul', { class: 'kb-list' }, items.map((a) => h('li', null,
          h('details', null, h('summary', null, a.title, ' ', h('span', { class: 'tag' }, t('kb.' + a.category))),
            h('div', { class: 'kb-body' }, a.body))))) : h('p', { class: 'muted' }, t('common.nothing_found')));
      } catch (ex) { showError(ex); }
    };
    fill(kbPanel, h('h2', { id: 'kb-h' }, t('desk.knowledge')),
      h('form', { class: 'inline-search', onsubmit: search }, field(t('desk.kb_search'), q), cat, h('button', { type: 'submit' }, t('common.search'))),
      out);
  }

  /* ---------- my day ---------- */
  async function loadDay() {
    try { s.day = await get('/me/day'); } catch (e) { return; }
    renderDay();
  }
  function renderDay() {
    const d = s.day;
    if (!d) return;
    const r = d.referrals || {};
    const goal = r.goal;
    const states = ['ready', 'not-ready', 'reserved', 'talking', 'hold', 'wrap-up'];
    fill(dayPanel, h('h2', { id: 'day-h' }, t('desk.my_day')),
      h('dl', { class: 'kv compact' },
        h('dt', null, t('desk.handled')), h('dd', { id: 'day-handled' }, String(d.handled)),
        h('dt', null, t('kpi.aht')), h('dd', { id: 'day-aht' }, fmtDur(d.aht_ms)),
        h('dt', null, t('kpi.occupancy')), h('dd', null, fmtPct(d.occupancy))),
      h('h3', null, t('desk.referrals_month')),
      h('p', { id: 'day-referrals' }, goal !== null && goal !== undefined ? t('desk.referrals_of_goal', { n: r.count, goal }) : String(r.count)),
      goal ? h('progress', { max: goal, value: Math.min(r.count, goal), 'aria-label': t('desk.referrals_month') }) : null,
      h('p', null, h('a', { href: '#/myqa', id: 'day-my-qa' }, t('qa.mine'))),
      h('h3', null, t('desk.time_in_state')),
      h('dl', { class: 'kv compact' }, states.map((st) => [h('dt', null, t('state.' + st)), h('dd', null, fmtDur((d.state_ms || {})[st] || 0))])));
  }
  const dayTimer = setInterval(loadDay, 30000);

  function showError(e) {
    if (e instanceof ApiError && e.status === 0) return; // the banner says it
    toast(e.status === 409 ? e.message : t('error.generic', { message: e.message }), 'error');
  }

  /* ---------- live ---------- */
  const myId = agent.agent_id;
  const unsub = live.subscribe((type, ev) => {
    if (!ev || ev.agent !== myId) return;
    if (type === 'agent-state' || type === 'agent-login' || type === 'agent-logout') {
      if (ev.time < (s.agent.since || 0)) return;
      s.agent = { ...s.agent, state: ev.to, reason: ev.reason, since: ev.time, call_id: ev.call || null, queue_id: ev.queue || null,
        reason_name: (s.allReasons.find((r) => r.code === ev.reason) || {}).name || null };
      renderState();
      syncCall();
      if (ev.from === 'wrap-up') loadDay();
    } else if (type === 'call-offer-cancel' || type === 'call-ring-no-answer') {
      stopRing();
    }
  });
  const unopen = live.onOpen(async () => {
    try { s.agent = { ...s.agent, ...(await get('/me/agent')) }; renderState(); syncCall(); } catch (e) { /* offline */ }
  });

  /* ---------- keyboard ---------- */
  const keys = (e) => {
    if (document.querySelector('dialog[open]')) return;
    const wf = $('#wrap-form') || $('#late-form');
    if (e.ctrlKey && e.key === 'Enter' && wf) { e.preventDefault(); wf.requestSubmit(); return; }
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const map = { a: answer, d: decline, r: () => setState('ready'), n: () => setState('not_ready', Number(reasonSel.value)),
      h: toggleHold, t: transfer, e: escalate, x: hangup, b: callback, f: referral, k: () => $('#kb-q') && $('#kb-q').focus() };
    const fn = map[e.key.toLowerCase()];
    if (fn) { e.preventDefault(); fn(); }
  };
  document.addEventListener('keydown', keys);

  renderState();
  renderCall();
  renderCustomer();
  renderScript();
  renderKb();
  await Promise.all([syncCall(), loadDay()]);
  const unpreview = await mountPreview(previewPanel, agent).catch((e) => { console.error(e); return () => {}; }); // outbound: preview.js

  return () => {
    unpreview();
    clearInterval(ticker);
    clearInterval(dayTimer);
    stopRing();
    clearTimeout(s.notesTimer);
    unsub();
    unopen();
    document.removeEventListener('keydown', keys);
    document.title = t('app.name');
  };
}

/* Shows a 422 next to the field it names (or in err). */
export function showFieldError(form, ex, err, aliases = {}) {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  if (ex.status === 422 && ex.field) {
    const name = aliases[ex.field] || ex.field;
    const ctl = form.querySelector(`[name="${CSS.escape(name)}"]`);
    const slot = ctl ? document.getElementById(ctl.id + '-err') : null;
    if (slot) { slot.textContent = ex.message; ctl.focus(); return; }
  }
  err.textContent = ex.status === 0 ? t('offline.banner') : t('error.generic', { message: ex.message });
}
