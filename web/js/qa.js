// qa: quality assurance: the specialist's work list, evaluating a contact on a scorecard, disputes
// (arbitration), calibration sessions, reports with charts and CSV; and the agent's "my evaluations".

import { h, fill, field, toast } from './dom.js';
import { get, post, put, patch, ApiError } from './api.js';
import { t, fmtDateTime, fmtDate, fmtDur, fmtPct } from './i18n.js';

const TABS = ['worklist', 'evaluations', 'disputes', 'calibration', 'reports', 'scorecards'];

/* The page's own stylesheet, once. */
function styles() {
  if (document.getElementById('qa-css')) return;
  document.head.appendChild(h('link', { id: 'qa-css', rel: 'stylesheet', href: '/qa.css' }));
}

/* A score 0..100 with one decimal, or "-" when undefined. */
export function fmtScore(x) {
  if (x === null || x === undefined || !isFinite(x)) return '-';
  return (Math.round(x * 10) / 10).toFixed(1);
}

function stateTag(state) {
  return h('span', { class: 'tag qa-state qa-state-' + state, dataset: { state } }, t('qa.state.' + state));
}

function errText(ex) {
  return ex instanceof ApiError ? ex.message : String(ex);
}

/* A bar of a chart: width share of 100 (set through the CSSOM, allowed by the page's CSP). */
function bar(value) {
  const b = h('span', { class: 'qa-bar-fill' });
  b.style.width = (value === null || value === undefined || !isFinite(value) ? 0 : Math.max(0, Math.min(100, value))) + '%';
  return h('span', { class: 'qa-bar', 'aria-hidden': 'true' }, b);
}

function weekStart(ms) {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
}

/* ---------- the scorecard form: criteria with their scale, fields, feedback ---------- */

function scaleOptions(c) {
  const step = (c.max - c.min) / (c.points - 1);
  const opts = [];
  for (let i = 0; i < c.points; i++) opts.push(c.min + i * step);
  return opts;
}

/* Builds the form of a scorecard definition; answers/fields prefill it. Returns {el, read()}. */
function scorecardForm(def, prev = {}) {
  const answers = new Map((prev.answers || []).map((a) => [a.criterion, a]));
  const fieldsPrev = new Map((prev.fields || []).map((f) => [f.field, f]));
  const inputs = [];
  const sections = def.sections.map((sec) => {
    const rows = def.criteria.filter((c) => c.section === sec.id).map((c) => {
      const sel = h('select', { id: 'qa-c-' + c.id, name: 'c' + c.id, 'aria-label': c.text },
        h('option', { value: '' }, t('qa.choose')),
        scaleOptions(c).map((v) => h('option', { value: String(v) }, String(v))),
        c.na ? h('option', { value: 'na' }, t('qa.na')) : null);
      const a = answers.get(c.id);
      if (a) sel.value = a.na ? 'na' : String(a.value);
      inputs.push([c, sel]);
      return h('tr', { dataset: { criterion: c.id } },
        h('th', { scope: 'row' }, c.text,
          c.critical !== 'none' ? h('span', { class: 'tag qa-critical' }, t('qa.critical.' + c.critical)) : null),
        h('td', { class: 'num muted' }, t('qa.weight', { w: c.weight })),
        h('td', { class: 'muted small' }, c.points === 2 ? t('qa.scale_binary') : t('qa.scale', { min: c.min, max: c.max })),
        h('td', null, sel));
    });
    return h('fieldset', { class: 'qa-section' }, h('legend', null, sec.name),
      h('table', { class: 'grid' }, h('tbody', null, rows)));
  });
  const fieldInputs = (def.fields || []).map((f) => {
    const p = fieldsPrev.get(f.id) || {};
    let el;
    if (f.kind === 'checkbox') el = h('input', { type: 'checkbox', id: 'qa-f-' + f.id, checked: !!p.checked });
    else if (f.kind === 'dropdown') {
      el = h('select', { id: 'qa-f-' + f.id }, h('option', { value: '-1' }, t('qa.choose')),
        f.options.map((o, i) => h('option', { value: String(i) }, o)));
      if (p.option !== undefined) el.value = String(p.option);
    } else el = h('textarea', { id: 'qa-f-' + f.id, rows: 2 }, p.text || '');
    return [f, el];
  });
  const el = h('div', { class: 'qa-form' }, sections,
    fieldInputs.length ? h('fieldset', { class: 'qa-section' }, h('legend', null, t('qa.fields')),
      fieldInputs.map(([f, e]) => field(f.label + (f.required ? ' *' : ''), e))) : null);
  const read = () => ({
    answers: inputs.filter(([, s]) => s.value !== '').map(([c, s]) => (s.value === 'na' ? { criterion: c.id, na: true } : { criterion: c.id, value: Number(s.value) })),
    fields: fieldInputs.map(([f, e]) => (f.kind === 'checkbox' ? { field: f.id, checked: e.checked }
      : f.kind === 'dropdown' ? { field: f.id, option: Number(e.value) } : { field: f.id, text: e.value })),
  });
  return { el, read };
}

/* The scores of an evaluation: total, sections, criteria. */
function resultView(ev) {
  const def = ev.definition || { sections: [], criteria: [] };
  const res = ev.result || { criteria: [], sections: [] };
  const crit = new Map(res.criteria.map((c) => [c.id, c]));
  const ans = new Map((ev.answers || []).map((a) => [a.criterion, a]));
  return h('div', { class: 'qa-result' },
    h('p', { class: 'qa-total' }, t('qa.score'), ' ', h('strong', { id: 'qa-score', dataset: { score: ev.score ?? '' } }, fmtScore(ev.score)),
      ev.failed ? h('span', { class: 'tag qa-critical' }, t('qa.failed')) : null, ' ', stateTag(ev.state)),
    def.sections.map((sec) => {
      const sr = res.sections.find((x) => x.id === sec.id) || {};
      return h('div', { class: 'qa-section' },
        h('h3', null, sec.name, ' ', h('span', { class: 'muted' }, fmtScore(sr.score)), sr.failed ? h('span', { class: 'tag qa-critical' }, t('qa.failed')) : null),
        h('table', { class: 'grid' }, h('tbody', null, def.criteria.filter((c) => c.section === sec.id).map((c) => {
          const a = ans.get(c.id);
          const r = crit.get(c.id) || {};
          return h('tr', { dataset: { criterion: c.id } }, h('th', { scope: 'row' }, c.text),
            h('td', null, a ? (a.na ? t('qa.na') : String(a.value)) : '-'),
            h('td', { class: 'num' }, fmtScore(r.score)), h('td', null, bar(r.score)));
        }))));
    }),
    ev.feedback ? h('div', { class: 'qa-feedback' }, h('h3', null, t('qa.feedback')), h('p', { id: 'qa-feedback-text' }, ev.feedback)) : null);
}

/* the recording of a contact, streamed by the daemon from its data directory */
function player(contactId) {
  return h('audio', { controls: true, preload: 'none', id: 'qa-player', class: 'qa-player', src: `/api/v1/qa/contacts/${contactId}/recording`, 'aria-label': t('qa.recording') });
}

function disputesView(ev) {
  if (!ev.disputes || !ev.disputes.length) return null;
  return h('div', { class: 'qa-disputes' }, h('h3', null, t('qa.disputes')), ev.disputes.map((d) => h('div', { class: 'card-inner', dataset: { dispute: d.id } },
    h('p', null, t('qa.disputed_criteria', { ids: d.criteria.join(', ') }), ' · ', fmtDateTime(d.created_at)),
    h('p', { class: 'qa-comment' }, d.comment),
    d.resolution ? h('p', null, h('strong', null, t('qa.resolution.' + d.resolution)), ' · ',
      t('qa.score_change', { before: fmtScore(d.score_before), after: fmtScore(d.score_after) }),
      d.resolution_comment ? [' · ', d.resolution_comment] : null) : h('p', { class: 'muted' }, t('qa.dispute_open')))));
}

/* ---------- the specialist's page ---------- */

export async function mount(root, ctx, hash) {
  styles();
  const parts = (hash || '').replace(/^#\/qa\/?/, '').split('/').filter(Boolean);
  const tab = parts[0] || 'worklist';
  const [scorecards, agents] = await Promise.all([get('/qa/scorecards'), get('/agents')]);
  const s = { scorecards: scorecards.items, agents: agents.items };
  const agentName = (id) => { const a = s.agents.find((x) => x.id === id); return a ? a.name : '#' + id; };
  const body = h('div', { id: 'qa-body' });
  const nav = h('nav', { class: 'qa-tabs', 'aria-label': t('qa.title') }, TABS.map((x) =>
    h('a', { href: '#/qa/' + x, class: 'qa-tab', id: 'qa-tab-' + x, 'aria-current': x === tab ? 'page' : null }, t('qa.tab.' + x))));
  fill(root, h('div', { class: 'qa' }, h('h1', { class: 'view-title' }, t('qa.title')), nav, body));
  ctx.shortcuts = [['?', t('help.title')]];

  const views = { worklist, evaluate, evaluation, evaluations, disputes, calibration, reports, scorecards: scorecardsView };
  const view = views[tab] || worklist;
  await view(body, parts.slice(1), s, agentName, ctx);
  return null;
}

async function worklist(body, args, s, agentName, ctx) {
  const asg = (await get('/qa/assignments')).items.filter((a) => a.active);
  const list = h('div', { id: 'qa-worklist' });
  const pick = h('select', { id: 'qa-assignment', onchange: () => show(Number(pick.value)) },
    asg.map((a) => h('option', { value: a.id }, t('qa.assignment_label', { id: a.id, quota: a.quota, n: a.agents.length }))));
  // a new assignment: agents (ids or a team), quota per week, seed
  const sc = h('select', { id: 'qa-new-scorecard', name: 'scorecard_id' }, s.scorecards.filter((x) => x.active).map((x) => h('option', { value: x.id }, x.name)));
  const agentsIn = h('input', { id: 'qa-new-agents', name: 'agents', placeholder: '1, 2, 3' });
  const quota = h('input', { id: 'qa-new-quota', name: 'quota', type: 'number', min: 1, value: 4, class: 'narrow' });
  const seed = h('input', { id: 'qa-new-seed', name: 'seed', type: 'number', min: 0, value: 1, class: 'narrow' });
  const transferred = h('select', { id: 'qa-new-transferred' }, ['any', 'only', 'exclude'].map((x) => h('option', { value: x }, t('qa.tri.' + x))));
  const err = h('p', { class: 'form-error', role: 'alert', id: 'qa-new-error' });
  const form = h('form', { class: 'panel', id: 'qa-new-assignment', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    const ids = agentsIn.value.split(/[\s,]+/).filter(Boolean).map(Number);
    try {
      const a = await post('/qa/assignments', { scorecard_id: Number(sc.value), agents: ids, quota: Number(quota.value), seed: Number(seed.value),
        filters: transferred.value === 'any' ? {} : { transferred: transferred.value } });
      toast(t('qa.assignment_created'));
      pick.appendChild(h('option', { value: a.id }, t('qa.assignment_label', { id: a.id, quota: a.quota, n: a.agents.length })));
      asg.push(a);
      const none = document.getElementById('qa-no-assignment');
      if (none) none.replaceWith(pick);
      pick.value = String(a.id);
      show(a.id);
    } catch (ex) { err.textContent = errText(ex); }
  } },
  h('h2', null, t('qa.new_assignment')),
  h('div', { class: 'qa-inline' }, field(t('qa.scorecard'), sc), field(t('qa.agents'), agentsIn, t('qa.agents_hint')),
    field(t('qa.quota'), quota), field(t('qa.transferred_filter'), transferred), field(t('qa.seed'), seed)),
  err, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'qa-new-submit' }, t('qa.create'))));
  const direct = h('input', { id: 'qa-direct-contact', type: 'number', min: 1, class: 'narrow', 'aria-label': t('qa.contact_id') });
  fill(body, h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', null, t('qa.worklist')),
    asg.length ? pick : h('span', { class: 'muted', id: 'qa-no-assignment' }, t('qa.no_assignment'))), list),
  form,
  h('section', { class: 'panel' }, h('h2', null, t('qa.evaluate_any')), h('div', { class: 'actions' }, direct,
    h('button', { type: 'button', id: 'qa-direct-go', onclick: () => { if (direct.value) location.hash = '#/qa/evaluate/' + Number(direct.value); } }, t('qa.evaluate')))));

  async function show(id) {
    const a = asg.find((x) => x.id === id) || { id };
    let wl;
    try { wl = await get('/qa/assignments/' + id + '/worklist'); } catch (ex) { fill(list, h('p', { class: 'form-error' }, errText(ex))); return; }
    const scId = wl.scorecard_id || a.scorecard_id;
    fill(list, h('p', { class: 'muted small' }, t('qa.period_range', { from: fmtDate(wl.period_start), to: fmtDate(wl.period_end - 1) }), ' · ',
      t('qa.candidates', { n: wl.candidates, eligible: wl.eligible })),
    h('table', { class: 'grid', id: 'qa-worklist-table' },
      h('thead', null, h('tr', null, [t('qa.agent'), t('qa.quota'), t('qa.done'), t('qa.due'), t('qa.picks')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, wl.agents.map((ag) => h('tr', { dataset: { agent: ag.agent_id } },
        h('th', { scope: 'row' }, ag.name || agentName(ag.agent_id)),
        h('td', { class: 'num' }, String(ag.quota)), h('td', { class: 'num' }, String(ag.done)),
        h('td', { class: 'num' }, String(ag.due), ag.shortfall ? h('span', { class: 'muted small' }, ' ', t('qa.shortfall', { n: ag.shortfall })) : null),
        h('td', null, ag.picks.length ? h('ul', { class: 'qa-picks' }, ag.picks.map((p) => h('li', { dataset: { contact: p.contact_id } },
          h('a', { href: `#/qa/evaluate/${p.contact_id}/${scId}`, class: 'qa-pick' }, fmtDateTime(p.t_initiated)), ' ',
          h('span', { class: 'muted small' }, fmtDur(p.handle_ms), p.transferred ? ' · ' + t('qa.transferred') : '',
            p.survey ? ' · ' + t('qa.survey', { n: p.survey }) : '')))) : h('span', { class: 'muted' }, '-')))))));
  }
  if (asg.length) await show(asg[asg.length - 1].id);
  if (asg.length) pick.value = String(asg[asg.length - 1].id);
  void ctx;
}

async function evaluate(body, args, s, agentName) {
  const contactId = Number(args[0]);
  const calId = args[2] === 'calibration' ? Number(args[3]) : 0;
  let scId = Number(args[1]) || (s.scorecards.find((x) => x.active) || {}).id;
  const [rec, dispositions] = await Promise.all([get('/contacts/' + contactId), get('/dispositions')]);
  const disp = dispositions.items.find((d) => d.id === rec.disposition_id);
  const scSel = h('select', { id: 'qa-eval-scorecard', onchange: () => { scId = Number(scSel.value); renderForm(); } },
    s.scorecards.filter((x) => x.active).map((x) => h('option', { value: x.id, selected: x.id === scId }, x.name)));
  const formBox = h('div', { id: 'qa-eval-form' });
  const feedback = h('textarea', { id: 'qa-eval-feedback', rows: 4 });
  const err = h('p', { class: 'form-error', role: 'alert', id: 'qa-eval-error' });
  const out = h('div', { id: 'qa-eval-result' });
  let form = null;
  let draftId = 0;
  function renderForm() {
    const sc = s.scorecards.find((x) => x.id === scId);
    form = sc ? scorecardForm(sc.definition) : null;
    fill(formBox, form ? form.el : h('p', { class: 'muted' }, t('qa.no_scorecard')));
  }
  async function save(submit) {
    err.textContent = '';
    const r = form.read();
    try {
      const ev = draftId
        ? await put('/qa/evaluations/' + draftId, { ...r, feedback: feedback.value, submit })
        : await post('/qa/evaluations', { scorecard_id: scId, contact_id: contactId, ...r, feedback: feedback.value, submit,
          ...(calId ? { calibration_id: calId } : {}) });
      draftId = ev.id;
      fill(out, resultView(ev));
      toast(submit ? t('qa.submitted') : t('qa.saved'));
      if (submit) location.hash = calId ? '#/qa/calibration/' + calId : '#/qa/evaluation/' + ev.id;
    } catch (ex) { err.textContent = errText(ex); }
  }
  fill(body, h('div', { class: 'qa-eval' },
    h('section', { class: 'panel', id: 'qa-contact' }, h('h2', null, t('qa.contact', { id: contactId })),
      h('dl', { class: 'kv' },
        h('dt', null, t('qa.time')), h('dd', null, fmtDateTime(rec.t_initiated)),
        h('dt', null, t('qa.agent')), h('dd', { id: 'qa-contact-agent' }, rec.agent_id ? agentName(rec.agent_id) : '-'),
        h('dt', null, t('qa.direction')), h('dd', null, rec.direction),
        h('dt', null, t('qa.talk')), h('dd', null, rec.t_connected && rec.t_disconnected ? fmtDur(rec.t_disconnected - rec.t_connected) : '-'),
        h('dt', null, t('qa.holds')), h('dd', null, String(rec.hold_count)),
        h('dt', null, t('qa.disposition')), h('dd', { id: 'qa-contact-disposition' }, disp ? disp.label : (rec.disposition || '-')),
        h('dt', null, t('qa.notes')), h('dd', { id: 'qa-contact-notes' }, rec.notes || '-'),
        h('dt', null, t('qa.recording')), h('dd', null, rec.has_recording ? player(contactId) : t('qa.recording_none'))),
      calId ? h('p', { class: 'tag' }, t('qa.calibration_blind')) : null),
    h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', null, t('qa.scorecard')), scSel), formBox,
      field(t('qa.feedback'), feedback), err,
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'qa-eval-draft', onclick: () => save(false) }, t('qa.save_draft')),
        h('button', { type: 'button', class: 'primary', id: 'qa-eval-submit', onclick: () => save(true) }, t('qa.submit'))), out)));
  renderForm();
}

/* a coaching session about an evaluation, with one action item */
function coachForm(ev) {
  const notes = h('textarea', { id: 'qa-coach-notes', rows: 2 });
  const action = h('input', { id: 'qa-coach-action' });
  const due = h('input', { id: 'qa-coach-due', type: 'date', value: new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10) });
  const err = h('p', { class: 'form-error', role: 'alert' });
  const coach = ev.agent_id && !ev.calibration_id ? h('form', { class: 'panel', id: 'qa-coach', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    try {
      await post('/qa/coaching', { agent_id: ev.agent_id, evaluations: [ev.id], notes: notes.value,
        actions: action.value ? [{ text: action.value, due: Date.parse(due.value) }] : [] });
      toast(t('qa.coaching_saved'));
      e.target.reset();
    } catch (ex) { err.textContent = errText(ex); }
  } }, h('h2', null, t('qa.coaching')), field(t('qa.notes'), notes),
  h('div', { class: 'qa-inline' }, field(t('qa.action_item'), action), field(t('qa.due'), due)), err,
  h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'qa-coach-submit' }, t('qa.create')))) : null;
  return coach;
}

async function evaluation(body, args) {
  const ev = await get('/qa/evaluations/' + Number(args[0]));
  const coach = coachForm(ev);
  fill(body, h('section', { class: 'panel', id: 'qa-evaluation', dataset: { id: ev.id } },
    h('h2', null, t('qa.evaluation_of', { id: ev.id, contact: ev.contact_id })),
    h('p', { class: 'muted small' }, ev.scorecard_name, ' · ', t('qa.version', { v: ev.version }), ' · ', fmtDateTime(ev.contact_time)),
    resultView(ev), disputesView(ev)), coach);
}

/*
 * The scorecard editor: sections, criteria (section, text, weight, scale,
 * N/A, critical and where it fails) and non-scoring fields as rows of inputs;
 * read() gives the definition the daemon validates. Ids are kept for rows that
 * came with the definition and new rows get the next free one, so a new
 * version still matches its criteria to the old one's.
 */
function scorecardEditor(def) {
  const kinds = { sections: [], criteria: [], fields: [] };
  const boxes = {};
  const nextId = (k) => kinds[k].reduce((m, r) => Math.max(m, r.id), 0) + 1;
  const num = (name, value, label, extra = {}) => h('input', { type: 'number', name, value: value === undefined || value === null ? '' : String(value), 'aria-label': label, class: 'narrow', ...extra });
  const sectionOptions = (sel, value, whole) => {
    fill(sel, whole ? h('option', { value: '' }, t('qa.ed.whole')) : null,
      kinds.sections.map((r) => h('option', { value: String(r.id) }, r.name.value || t('qa.ed.section_n', { n: r.id }))));
    if (value !== undefined && value !== null) sel.value = String(value);
  };
  const refreshSections = () => {
    for (const r of kinds.criteria) sectionOptions(r.section, r.section.value || r.init.section, false);
    for (const r of kinds.fields) sectionOptions(r.section, r.section.value || r.init.section || '', true);
  };
  const remove = (k, r) => h('button', { type: 'button', class: 'quiet small', onclick: () => {
    kinds[k] = kinds[k].filter((x) => x !== r);
    r.el.remove();
    if (k === 'sections') refreshSections();
  } }, t('admin.remove'));

  function addSection(d = {}) {
    const r = { id: d.id || nextId('sections'), init: d };
    r.name = h('input', { name: 'name', value: d.name || '', 'aria-label': t('qa.name'), oninput: refreshSections });
    r.weight = num('weight', d.weight === undefined ? 1 : d.weight, t('qa.ed.weight'), { min: 0, step: 'any' });
    r.el = h('tr', { dataset: { id: r.id } }, h('td', { class: 'num muted' }, String(r.id)), h('td', null, r.name), h('td', null, r.weight), h('td', null, remove('sections', r)));
    kinds.sections.push(r);
    boxes.sections.appendChild(r.el);
    refreshSections();
  }
  function addCriterion(d = {}) {
    const r = { id: d.id || nextId('criteria'), init: d };
    r.section = h('select', { name: 'section', 'aria-label': t('qa.ed.section') });
    sectionOptions(r.section, d.section, false);
    r.text = h('input', { name: 'text', value: d.text || '', 'aria-label': t('qa.criterion'), class: 'wide' });
    r.weight = num('weight', d.weight === undefined ? 1 : d.weight, t('qa.ed.weight'), { min: 0, step: 'any' });
    r.points = h('select', { name: 'points', 'aria-label': t('qa.ed.points') }, [2, 3, 4, 5].map((n) => h('option', { value: String(n) }, String(n))));
    r.points.value = String(d.points || 2);
    r.min = num('min', d.min, t('qa.ed.min'));
    r.max = num('max', d.max, t('qa.ed.max'));
    r.na = h('input', { type: 'checkbox', name: 'na', checked: !!d.na, 'aria-label': t('qa.na') });
    r.critical = h('select', { name: 'critical', 'aria-label': t('qa.ed.critical') }, ['none', 'section', 'whole'].map((c) => h('option', { value: c }, t('qa.ed.critical.' + c))));
    r.critical.value = d.critical || 'none';
    r.fail_at = num('fail_at', d.fail_at, t('qa.ed.fail_at'));
    r.el = h('tr', { dataset: { id: r.id } }, h('td', { class: 'num muted' }, String(r.id)), h('td', null, r.section), h('td', null, r.text), h('td', null, r.weight),
      h('td', null, r.points), h('td', null, r.min), h('td', null, r.max), h('td', null, r.na), h('td', null, r.critical), h('td', null, r.fail_at), h('td', null, remove('criteria', r)));
    kinds.criteria.push(r);
    boxes.criteria.appendChild(r.el);
  }
  function addField(d = {}) {
    const r = { id: d.id || nextId('fields'), init: d };
    r.kind = h('select', { name: 'kind', 'aria-label': t('qa.ed.kind') }, ['checkbox', 'dropdown', 'comment'].map((k) => h('option', { value: k }, t('qa.ed.kind.' + k))));
    r.kind.value = d.kind || 'checkbox';
    r.label = h('input', { name: 'label', value: d.label || '', 'aria-label': t('qa.ed.label'), class: 'wide' });
    r.section = h('select', { name: 'section', 'aria-label': t('qa.ed.section') });
    sectionOptions(r.section, d.section || '', true);
    r.required = h('input', { type: 'checkbox', name: 'required', checked: !!d.required, 'aria-label': t('qa.ed.required') });
    r.options = h('input', { name: 'options', value: (d.options || []).join(', '), 'aria-label': t('qa.ed.options'), placeholder: t('qa.ed.options_hint') });
    r.el = h('tr', { dataset: { id: r.id } }, h('td', { class: 'num muted' }, String(r.id)), h('td', null, r.kind), h('td', null, r.label), h('td', null, r.section),
      h('td', null, r.required), h('td', null, r.options), h('td', null, remove('fields', r)));
    kinds.fields.push(r);
    boxes.fields.appendChild(r.el);
  }

  const table = (k, heads, add, label) => {
    boxes[k] = h('tbody');
    return h('section', { class: 'qa-ed', id: 'qa-sc-' + k },
      h('h3', null, t('qa.ed.' + k)),
      h('table', { class: 'grid' }, h('thead', null, h('tr', null, heads.map((x) => h('th', { scope: 'col' }, x)), h('th', null, ''))), boxes[k]),
      h('button', { type: 'button', class: 'small', id: 'qa-sc-add-' + k, onclick: () => add() }, label));
  };
  const el = h('div', { class: 'qa-editor' },
    table('sections', ['#', t('qa.name'), t('qa.ed.weight')], addSection, t('qa.ed.add_section')),
    table('criteria', ['#', t('qa.ed.section'), t('qa.criterion'), t('qa.ed.weight'), t('qa.ed.points'), t('qa.ed.min'), t('qa.ed.max'), t('qa.na'), t('qa.ed.critical'), t('qa.ed.fail_at')], addCriterion, t('qa.ed.add_criterion')),
    table('fields', ['#', t('qa.ed.kind'), t('qa.ed.label'), t('qa.ed.section'), t('qa.ed.required'), t('qa.ed.options')], addField, t('qa.ed.add_field')));
  (def.sections || []).forEach(addSection);
  (def.criteria || []).forEach(addCriterion);
  (def.fields || []).forEach(addField);

  const numOf = (inp) => (inp.value.trim() === '' ? undefined : Number(inp.value));
  function read() {
    const out = {
      sections: kinds.sections.map((r) => ({ id: r.id, name: r.name.value.trim(), weight: numOf(r.weight) })),
      criteria: kinds.criteria.map((r) => {
        const c = { id: r.id, section: Number(r.section.value) || 0, text: r.text.value.trim(), weight: numOf(r.weight), points: Number(r.points.value) };
        if (numOf(r.min) !== undefined) c.min = numOf(r.min);
        if (numOf(r.max) !== undefined) c.max = numOf(r.max);
        if (r.na.checked) c.na = true;
        if (r.critical.value !== 'none') c.critical = r.critical.value;
        if (numOf(r.fail_at) !== undefined) c.fail_at = numOf(r.fail_at);
        return c;
      }),
      fields: kinds.fields.map((r) => {
        const f = { id: r.id, kind: r.kind.value, label: r.label.value.trim() };
        if (r.section.value) f.section = Number(r.section.value);
        if (r.required.checked) f.required = true;
        if (r.kind.value === 'dropdown') f.options = r.options.value.split(',').map((x) => x.trim()).filter(Boolean);
        return f;
      }),
    };
    for (const k of ['sections', 'criteria']) for (const x of out[k]) if (x.weight === undefined) delete x.weight;
    return out;
  }
  /* Marks the row a daemon message names ("criteria[2] ..." or "criterion 3: ..."). */
  function mark(message) {
    for (const k of Object.keys(kinds)) for (const r of kinds[k]) r.el.classList.remove('invalid');
    let m = /\b(sections|criteria|fields)\[(\d+)\]/.exec(message);
    if (m && kinds[m[1]][Number(m[2])]) { kinds[m[1]][Number(m[2])].el.classList.add('invalid'); return; }
    m = /\b(section|criterion|field) (\d+)\b/.exec(message);
    const k = m && { section: 'sections', criterion: 'criteria', field: 'fields' }[m[1]];
    const r = k && kinds[k].find((x) => x.id === Number(m[2]));
    if (r) r.el.classList.add('invalid');
  }
  return { el, read, mark };
}

/* scorecards: the definition in the editor (or as JSON); saving an edit makes a new version */
async function scorecardsView(body, args, s) {
  const pick = h('select', { id: 'qa-sc-pick', onchange: () => load() },
    h('option', { value: '' }, t('qa.new_scorecard')), s.scorecards.map((x) => h('option', { value: x.id }, x.name)));
  const name = h('input', { id: 'qa-sc-name' });
  const active = h('input', { type: 'checkbox', id: 'qa-sc-active', checked: true });
  const info = h('p', { class: 'muted small', id: 'qa-sc-info' });
  const err = h('p', { class: 'form-error', role: 'alert', id: 'qa-sc-error' });
  const editorBox = h('div', { id: 'qa-sc-editor' });
  // the JSON, for copying a definition between centers or a quick bulk edit
  const def = h('textarea', { id: 'qa-sc-def', rows: 14, class: 'mono', spellcheck: 'false' });
  const jsonBox = h('details', { id: 'qa-sc-json', ontoggle: () => { if (jsonBox.open) def.value = JSON.stringify(editor.read(), null, 2); } },
    h('summary', null, t('qa.definition')), field(t('qa.definition'), def, t('qa.ed.json_hint')),
    h('button', { type: 'button', class: 'small', id: 'qa-sc-from-json', onclick: () => {
      err.textContent = '';
      try { setEditor(JSON.parse(def.value)); } catch (ex) { err.textContent = t('admin.json'); }
    } }, t('qa.ed.use_json')));
  const sample = { sections: [{ id: 1, name: 'Opening', weight: 1 }],
    criteria: [{ id: 1, section: 1, text: 'Used the approved greeting', weight: 1, points: 2 }], fields: [] };
  let editor = null;
  function setEditor(d) {
    editor = scorecardEditor(d || { sections: [], criteria: [], fields: [] });
    fill(editorBox, editor.el);
  }
  function load() {
    const sc = s.scorecards.find((x) => x.id === Number(pick.value));
    name.value = sc ? sc.name : '';
    setEditor(sc ? sc.definition : sample);
    jsonBox.open = false;
    active.checked = sc ? sc.active : true;
    info.textContent = sc ? t('qa.version', { v: sc.version }) : '';
    err.textContent = '';
  }
  fill(body, h('form', { class: 'panel', id: 'qa-sc-form', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    const d = editor.read();
    try {
      const id = Number(pick.value);
      const sc = id ? await put('/qa/scorecards/' + id, { name: name.value, definition: d, active: active.checked })
        : await post('/qa/scorecards', { name: name.value, definition: d });
      s.scorecards = (await get('/qa/scorecards')).items;
      fill(pick, h('option', { value: '' }, t('qa.new_scorecard')), s.scorecards.map((x) => h('option', { value: x.id }, x.name)));
      pick.value = String(sc.id);
      load();
      toast(t('qa.scorecard_saved', { v: sc.version }));
    } catch (ex) { err.textContent = errText(ex); editor.mark(err.textContent); }
  } }, h('div', { class: 'panel-head' }, h('h2', null, t('qa.tab.scorecards')), pick), info,
  field(t('qa.name'), name), h('p', { class: 'muted small' }, t('qa.ed.hint')), editorBox, jsonBox,
  h('label', { class: 'check', for: active.id }, active, t('qa.active')), err,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'qa-sc-save' }, t('qa.save')))));
  load();
}

async function evaluations(body, args, s, agentName) {
  const list = (await get('/qa/evaluations?limit=100')).items;
  fill(body, h('section', { class: 'panel' }, h('h2', null, t('qa.tab.evaluations')),
    list.length ? h('table', { class: 'grid', id: 'qa-eval-list' },
      h('thead', null, h('tr', null, [t('qa.time'), t('qa.agent'), t('qa.score'), t('qa.status'), ''].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, list.map((e) => h('tr', { dataset: { evaluation: e.id } },
        h('td', null, fmtDateTime(e.contact_time)), h('td', null, e.agent_id ? agentName(e.agent_id) : '-'),
        h('td', { class: 'num' }, fmtScore(e.score)), h('td', null, stateTag(e.state), e.calibration_id ? h('span', { class: 'tag' }, t('qa.calibration')) : null),
        h('td', null, h('a', { href: '#/qa/evaluation/' + e.id }, t('qa.open')))))))
      : h('p', { class: 'muted' }, t('qa.none'))));
}

/* arbitration: open disputes, re-score the disputed criteria, or reject */
async function disputes(body, args, s, agentName) {
  const items = (await get('/qa/disputes?open=1')).items;
  const cards = items.map((d) => {
    const ev = d.evaluation;
    const def = ev.definition || { criteria: [] };
    const ans = new Map((ev.answers || []).map((a) => [a.criterion, a]));
    const sels = d.criteria.map((cid) => {
      const c = def.criteria.find((x) => x.id === cid) || { id: cid, text: '#' + cid, min: 0, max: 1, points: 2 };
      const a = ans.get(cid);
      const sel = h('select', { id: `qa-rescore-${d.id}-${cid}`, 'aria-label': c.text },
        scaleOptions(c).map((v) => h('option', { value: String(v) }, String(v))), c.na ? h('option', { value: 'na' }, t('qa.na')) : null);
      if (a) sel.value = a.na ? 'na' : String(a.value);
      return [c, sel, a];
    });
    const comment = h('input', { id: 'qa-resolve-comment-' + d.id, 'aria-label': t('qa.comment') });
    const err = h('p', { class: 'form-error', role: 'alert' });
    const resolve = async (resolution) => {
      err.textContent = '';
      const b = { resolution, comment: comment.value };
      if (resolution !== 'rejected') b.answers = sels.map(([c, sel]) => (sel.value === 'na' ? { criterion: c.id, na: true } : { criterion: c.id, value: Number(sel.value) }));
      try {
        const r = await post('/qa/disputes/' + d.id + '/resolve', b);
        toast(t('qa.resolved', { score: fmtScore(r.evaluation.score) }));
        card.remove();
      } catch (ex) { err.textContent = errText(ex); }
    };
    const card = h('section', { class: 'panel qa-dispute', dataset: { dispute: d.id } },
      h('h2', null, t('qa.dispute_of', { agent: agentName(ev.agent_id), id: ev.id })),
      h('p', null, t('qa.score'), ' ', h('strong', null, fmtScore(ev.score)), ' · ', fmtDateTime(d.created_at)),
      h('blockquote', { class: 'qa-comment' }, d.comment),
      h('table', { class: 'grid' }, h('tbody', null, sels.map(([c, sel, a]) => h('tr', null, h('th', { scope: 'row' }, c.text),
        h('td', null, t('qa.was', { v: a ? (a.na ? t('qa.na') : a.value) : '-' })), h('td', null, sel))))),
      field(t('qa.comment'), comment), err,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', id: 'qa-accept-' + d.id, onclick: () => resolve('accepted') }, t('qa.accept')),
        h('button', { type: 'button', id: 'qa-partly-' + d.id, onclick: () => resolve('partly_accepted') }, t('qa.partly')),
        h('button', { type: 'button', class: 'danger', id: 'qa-reject-' + d.id, onclick: () => resolve('rejected') }, t('qa.reject'))));
    return card;
  });
  fill(body, h('div', { id: 'qa-disputes' }, cards.length ? cards : h('p', { class: 'muted', id: 'qa-no-disputes' }, t('qa.no_disputes'))));
}

async function calibration(body, args, s, agentName, ctx) {
  if (args[0]) return calibrationOne(body, Number(args[0]), s, ctx);
  const [list, drift] = await Promise.all([get('/qa/calibrations').then((r) => r.items), get('/qa/calibrations/drift')]);
  const name = h('input', { id: 'qa-cal-name' });
  const sc = h('select', { id: 'qa-cal-scorecard' }, s.scorecards.filter((x) => x.active).map((x) => h('option', { value: x.id }, x.name)));
  const contacts = h('input', { id: 'qa-cal-contacts', placeholder: '101, 102' });
  const people = h('input', { id: 'qa-cal-people', placeholder: '2, 3' });
  const expert = h('input', { id: 'qa-cal-expert', type: 'number', min: 1, class: 'narrow' });
  const err = h('p', { class: 'form-error', role: 'alert' });
  const ids = (x) => x.split(/[\s,]+/).filter(Boolean).map(Number);
  fill(body, h('section', { class: 'panel' }, h('h2', null, t('qa.tab.calibration')),
    list.length ? h('ul', { id: 'qa-cal-list' }, list.map((c) => h('li', null, h('a', { href: '#/qa/calibration/' + c.id }, c.name), ' ',
      h('span', { class: 'tag' }, c.closed ? t('qa.closed') : t('qa.open_session'))))) : h('p', { class: 'muted' }, t('qa.none'))),
  h('form', { class: 'panel', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    try {
      const c = await post('/qa/calibrations', { name: name.value, scorecard_id: Number(sc.value), contacts: ids(contacts.value), participants: ids(people.value),
        ...(expert.value ? { expert_id: Number(expert.value) } : {}) });
      location.hash = '#/qa/calibration/' + c.id;
    } catch (ex) { err.textContent = errText(ex); }
  } }, h('h2', null, t('qa.new_session')),
  field(t('qa.name'), name), field(t('qa.scorecard'), sc), field(t('qa.contacts'), contacts, t('qa.ids_hint')),
  field(t('qa.participants'), people, t('qa.ids_hint')), field(t('qa.expert'), expert, t('qa.expert_hint')), err,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'qa-cal-create' }, t('qa.create')))),
  drift.evaluators.length ? h('section', { class: 'panel', id: 'qa-drift' }, h('h2', null, t('qa.drift')),
    h('table', { class: 'grid' }, h('thead', null, h('tr', null, [t('qa.evaluator'), t('qa.sessions'), t('qa.mean_dev'), t('qa.mean_abs_dev'), t('qa.slope')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, drift.evaluators.map((d) => h('tr', null, h('td', null, '#' + d.evaluator_id), h('td', { class: 'num' }, String(d.sessions)),
        h('td', { class: 'num' }, fmtScore(d.mean_dev)), h('td', { class: 'num' }, fmtScore(d.mean_abs_dev)), h('td', { class: 'num' }, fmtScore(d.slope_per_30d))))))) : null);
}

async function calibrationOne(body, id, s, ctx) {
  const c = await get('/qa/calibrations/' + id);
  const mine = new Set(c.evaluations.filter((e) => e.evaluator_id === ctx.user.id).map((e) => e.contact_id));
  const rep = c.report;
  const crit = new Map();
  const sc = s.scorecards.find((x) => x.id === c.scorecard_id);
  if (sc) for (const x of sc.definition.criteria) crit.set(x.id, x.text);
  const critName = (k) => (k === 0 ? t('qa.overall') : crit.get(k) || '#' + k);
  fill(body, h('section', { class: 'panel', id: 'qa-cal' }, h('h2', null, c.name, ' ', h('span', { class: 'tag' }, c.closed ? t('qa.closed') : t('qa.open_session'))),
    h('ul', null, c.contacts.map((k) => h('li', null, t('qa.contact', { id: k }), ' ',
      c.closed ? null : mine.has(k) ? h('span', { class: 'tag' }, t('qa.scored')) : h('a', { href: `#/qa/evaluate/${k}/${c.scorecard_id}/calibration/${c.id}` }, t('qa.evaluate'))))),
    c.closed ? null : h('div', { class: 'actions' }, h('button', { type: 'button', id: 'qa-cal-close', onclick: async () => {
      try { await post('/qa/calibrations/' + id + '/close'); location.reload(); } catch (ex) { toast(errText(ex), 'error'); }
    } }, t('qa.close_session'))),
    rep ? h('div', { id: 'qa-cal-report' },
      h('h3', null, t('qa.reference_' + rep.reference)),
      h('table', { class: 'grid' }, h('thead', null, h('tr', null, [t('qa.criterion'), t('qa.mean'), t('qa.sd'), t('qa.within')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, rep.criteria.map((r) => h('tr', null, h('th', { scope: 'row' }, critName(r.criterion)), h('td', { class: 'num' }, fmtScore(r.mean)),
          h('td', { class: 'num' }, fmtScore(r.sd)), h('td', { class: 'num' }, fmtPct(r.within, 1)))))),
      h('h3', null, t('qa.deviations')),
      h('table', { class: 'grid' }, h('thead', null, h('tr', null, [t('qa.evaluator'), t('qa.criterion'), t('qa.mean_dev'), t('qa.mean_abs_dev')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, rep.deviations.map((d) => h('tr', null, h('td', null, '#' + d.evaluator_id), h('td', null, critName(d.criterion)),
          h('td', { class: 'num' }, d.mean_dev === null ? '-' : (d.mean_dev > 0 ? '+' : '') + fmtScore(d.mean_dev)), h('td', { class: 'num' }, fmtScore(d.mean_abs_dev))))))) : null));
}

/* reports: IQS and the customer measures, per group and period, with bars and CSV */
export async function reports(body, args, s, agentName, ctx, mineOnly) {
  const now = Date.now();
  const by = h('select', { id: 'qa-rep-by' }, (mineOnly ? ['agent'] : ['agent', 'team', 'queue', 'client']).map((x) => h('option', { value: x }, t('qa.by.' + x))));
  const period = h('select', { id: 'qa-rep-period' }, ['week', 'month', 'year'].map((x) => h('option', { value: x }, t('qa.period.' + x))));
  const from = h('input', { type: 'date', id: 'qa-rep-from', value: new Date(weekStart(now) - 11 * 7 * 86400000).toISOString().slice(0, 10) });
  const to = h('input', { type: 'date', id: 'qa-rep-to', value: new Date(now + 86400000).toISOString().slice(0, 10) });
  const out = h('div', { id: 'qa-rep-out' });
  const query = () => `by=${by.value}&period=${period.value}&from=${Date.parse(from.value)}&to=${Date.parse(to.value)}`;
  async function load() {
    let iqs, m;
    try { [iqs, m] = await Promise.all([get('/qa/reports/iqs?' + query()), get('/qa/reports/measures?' + query())]); } catch (ex) { fill(out, h('p', { class: 'form-error' }, errText(ex))); return; }
    const label = (r) => r.name || '#' + r.group_id;
    fill(out,
      h('h2', null, t('qa.iqs')),
      iqs.rows.length ? h('table', { class: 'grid', id: 'qa-rep-iqs' },
        h('thead', null, h('tr', null, [t('qa.group'), t('qa.period_start'), t('qa.evaluations'), t('qa.iqs'), ''].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, iqs.rows.map((r) => h('tr', { dataset: { group: r.group_id, period: r.period_start } },
          h('th', { scope: 'row' }, label(r)), h('td', null, fmtDate(r.period_start)), h('td', { class: 'num' }, String(r.evaluations)),
          h('td', { class: 'num qa-iqs', dataset: { iqs: r.iqs ?? '' } }, fmtScore(r.iqs)), h('td', { class: 'qa-chart' }, bar(r.iqs))))))
        : h('p', { class: 'muted' }, t('qa.none')),
      h('a', { class: 'button small', id: 'qa-rep-iqs-csv', href: '/api/v1/qa/reports/iqs.csv?' + query(), download: 'iqs.csv' }, t('qa.csv')),
      h('h2', null, t('qa.measures')),
      m.rows.length ? h('table', { class: 'grid', id: 'qa-rep-measures' },
        h('thead', null, h('tr', null, [t('qa.group'), t('qa.period_start'), t('qa.contacts'), t('qa.csat'), t('qa.fcr'), t('qa.transfer_rate'), t('qa.hold_rate')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, m.rows.map((r) => h('tr', null, h('th', { scope: 'row' }, label(r)), h('td', null, fmtDate(r.period_start)),
          h('td', { class: 'num' }, String(r.contacts)), h('td', { class: 'num' }, fmtPct(r.csat, 1)), h('td', { class: 'num' }, fmtPct(r.fcr, 1)),
          h('td', { class: 'num' }, fmtPct(r.transfer_rate, 1)), h('td', { class: 'num' }, fmtPct(r.hold_rate, 1))))))
        : h('p', { class: 'muted' }, t('qa.none')),
      h('a', { class: 'button small', id: 'qa-rep-measures-csv', href: '/api/v1/qa/reports/measures.csv?' + query(), download: 'measures.csv' }, t('qa.csv')));
  }
  fill(body, h('section', { class: 'panel', id: 'qa-reports' },
    h('div', { class: 'qa-inline' }, field(t('qa.by'), by), field(t('qa.period'), period), field(t('qa.from'), from), field(t('qa.to'), to),
      h('div', { class: 'field' }, h('button', { type: 'button', class: 'primary', id: 'qa-rep-go', onclick: load }, t('qa.show')))), out));
  await load();
}

/* ---------- the agent's "my evaluations" ---------- */

export async function mountMine(root, ctx) {
  styles();
  const [list, coaching] = await Promise.all([get('/qa/evaluations?limit=100'), get('/qa/coaching')]);
  const detail = h('div', { id: 'my-qa-detail' });
  const rows = list.items.map((e) => h('tr', { dataset: { evaluation: e.id } },
    h('td', null, fmtDateTime(e.contact_time)), h('td', null, e.scorecard_name), h('td', { class: 'num' }, fmtScore(e.score)),
    h('td', null, stateTag(e.state)),
    h('td', null, h('button', { type: 'button', class: 'small', id: 'my-qa-open-' + e.id, onclick: () => open(e.id) }, t('qa.open')))));
  const repBox = h('div', { id: 'my-qa-report' });
  fill(root, h('div', { class: 'qa' }, h('h1', { class: 'view-title' }, t('qa.mine')),
    h('section', { class: 'panel' }, rows.length ? h('table', { class: 'grid', id: 'my-qa-list' },
      h('thead', null, h('tr', null, [t('qa.time'), t('qa.scorecard'), t('qa.score'), t('qa.status'), ''].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, rows)) : h('p', { class: 'muted', id: 'my-qa-none' }, t('qa.none'))),
    detail,
    coachingView(coaching.items),
    h('section', { class: 'panel' }, h('h2', null, t('qa.my_iqs')), repBox)));
  ctx.shortcuts = [['?', t('help.title')]];
  reports(repBox, [], {}, () => '', ctx, true).catch(() => {});

  async function open(id) {
    const ev = await get('/qa/evaluations/' + id);
    const def = ev.definition || { criteria: [] };
    const err = h('p', { class: 'form-error', role: 'alert', id: 'my-qa-error' });
    const boxes = def.criteria.map((c) => [c, h('input', { type: 'checkbox', id: 'my-qa-dc-' + c.id })]);
    const comment = h('textarea', { id: 'my-qa-comment', rows: 3 });
    const act = async (path, b) => {
      err.textContent = '';
      try {
        await post('/qa/evaluations/' + id + path, b);
        toast(path === '/acknowledge' ? t('qa.acknowledged') : t('qa.dispute_sent'));
        mountMine(root, ctx);
      } catch (ex) { err.textContent = errText(ex); }
    };
    const own = ev.agent_id === ctx.user.agent_id;
    const canAck = own && ev.state === 'submitted';
    const canDispute = own && (ev.state === 'submitted' || ev.state === 'acknowledged');
    fill(detail, h('section', { class: 'panel', id: 'my-qa-evaluation', dataset: { id: ev.id } },
      h('h2', null, t('qa.evaluation_of', { id: ev.id, contact: ev.contact_id })),
      ev.has_recording ? h('p', null, player(ev.contact_id)) : null,
      resultView(ev), disputesView(ev),
      canAck ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', id: 'my-qa-ack', onclick: () => act('/acknowledge') }, t('qa.acknowledge'))) : null,
      canDispute ? h('form', { class: 'card-inner', id: 'my-qa-dispute', onsubmit: (e) => {
        e.preventDefault();
        act('/dispute', { criteria: boxes.filter(([, b]) => b.checked).map(([c]) => c.id), comment: comment.value });
      } }, h('h3', null, t('qa.dispute')), h('p', { class: 'muted small' }, t('qa.dispute_hint')),
      boxes.map(([c, b]) => h('label', { class: 'check qa-check', for: b.id }, b, c.text)),
      field(t('qa.comment'), comment), h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'my-qa-dispute-submit' }, t('qa.send_dispute')))) : null,
      err), !own && ctx.user.role === 'team_lead' ? coachForm(ev) : null);
  }
  return null;
}

function coachingView(items) {
  if (!items.length) return null;
  return h('section', { class: 'panel', id: 'my-coaching' }, h('h2', null, t('qa.coaching')), items.map((c) => h('div', { class: 'card-inner' },
    h('p', null, fmtDate(c.time), c.notes ? [' · ', c.notes] : null),
    h('ul', { class: 'qa-actions' }, c.actions.map((a) => {
      const box = h('input', { type: 'checkbox', id: 'qa-action-' + a.id, checked: a.done, onchange: async () => {
        try { await patch('/qa/actions/' + a.id, { done: box.checked }); } catch (ex) { box.checked = !box.checked; toast(errText(ex), 'error'); }
      } });
      return h('li', null, h('label', { class: 'check', for: box.id }, box, a.text), ' ', h('span', { class: 'muted small' }, t('qa.due_on', { date: fmtDate(a.due) })));
    })))));
}
