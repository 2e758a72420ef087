// admin: users, teams, agents' skills, skills, queues (with opening hours), numbers (with menus), dispositions,
// scripts and knowledge articles: list, create, edit, deactivate; validation messages next to the fields.

import { h, fill, $, field, toast } from './dom.js';
import { get, post, put, del, ApiError } from './api.js';
import { t } from './i18n.js';

const ROLES = ['agent', 'team_lead', 'supervisor', 'qa', 'planner', 'admin'];
const STRATEGIES = ['longest-idle', 'round-robin', 'fewest-calls', 'least-talk', 'linear', 'random', 'ring-all', 'best-skill'];

/*
 * An entity: its path, who manages it, the columns of its list, its form's fields
 * ({name, type: text|password|number|select|check|textarea|json|skills, options, required,
 * createOnly, optional}), and how it is deactivated.
 */
const ENTITIES = {
  users: {
    roles: ['admin'], path: '/users', title: (r) => r.username,
    columns: ['username', 'display_name', 'role', 'active'],
    fields: [
      { name: 'username', required: true, createOnly: true, pattern: '[A-Za-z0-9._@-]+' },
      { name: 'display_name', required: true },
      { name: 'email', type: 'email', nullable: true },
      { name: 'role', type: 'select', required: true, options: () => ROLES.map((r) => [r, t('roles.' + r)]) },
      { name: 'password', type: 'password', requiredOnCreate: true, optional: true },
      { name: 'active', type: 'check' },
    ],
    deactivate: 'delete',
  },
  teams: {
    roles: ['admin'], path: '/teams', title: (r) => r.name,
    columns: ['name', 'lead_user_id', 'active'],
    fields: [
      { name: 'name', required: true },
      { name: 'lead_user_id', type: 'select', nullable: true, options: (refs) => refs.users.filter((u) => u.role === 'team_lead').map((u) => [u.id, u.display_name + ' (' + u.username + ')']) },
      { name: 'active', type: 'check' },
    ],
    deactivate: 'inactive', // refused (409, shown) while an active agent or queue needs the team
  },
  agents: {
    roles: ['admin'], path: '/agents', title: (r) => r.name,
    columns: ['name', 'extension', 'team_id', 'active'],
    fields: [
      { name: 'name', required: true },
      { name: 'user_id', type: 'select', nullable: true, options: (refs) => refs.users.map((u) => [u.id, u.display_name + ' (' + u.username + ')']) },
      { name: 'team_id', type: 'select', nullable: true, options: (refs, row) => refs.teams.filter((x) => x.active !== false || (row && row.team_id === x.id)).map((x) => [x.id, x.name]) },
      { name: 'extension', required: true, pattern: '[0-9]{2,8}' },
      { name: 'sip_password', type: 'password', requiredOnCreate: true, optional: true },
      { name: 'skills', type: 'skills', level: 'level' },
      { name: 'active', type: 'check' },
    ],
    deactivate: 'delete',
  },
  skills: {
    roles: ['admin'], path: '/skills', title: (r) => r.name,
    columns: ['name', 'kind', 'active'],
    fields: [
      { name: 'name', required: true },
      { name: 'kind', type: 'select', required: true, options: () => ['skill', 'language'].map((k) => [k, t('admin.kind.' + k)]) },
      { name: 'active', type: 'check' },
    ],
    // kept on agents' and queues' lists, no longer offered for new assignments, ignored by routing
    deactivate: 'inactive',
  },
  queues: {
    roles: ['admin'], path: '/queues', title: (r) => r.name,
    columns: ['name', 'strategy', 'wrapup', 'active'],
    fields: [
      { name: 'name', required: true },
      { name: 'strategy', type: 'select', options: () => STRATEGIES.map((x) => [x, x]) },
      { name: 'skills', type: 'skills', level: 'min_level' },
      { name: 'wrapup', type: 'select', options: () => ['none', 'timed', 'manual'].map((x) => [x, t('admin.wrapup.' + x)]) },
      { name: 'wrapup_ms', type: 'number', min: 0 },
      { name: 'sl_threshold_ms', type: 'number', min: 0 },
      { name: 'sl_target_pct', type: 'number', min: 0, max: 100, step: 'any' },
      { name: 'max_wait_ms', type: 'number', min: 0 },
      { name: 'overflow', type: 'select', options: () => ['none', 'queue', 'callback'].map((x) => [x, t('admin.overflow.' + x)]) },
      { name: 'overflow_queue_id', type: 'select', nullable: true, options: (refs) => refs.queues.map((q) => [q.id, q.name]) },
      { name: 'active', type: 'check' },
      { name: 'hours', type: 'json', extra: 'hours', hint: 'admin.hours_hint' },
    ],
    deactivate: 'delete',
  },
  numbers: {
    roles: ['admin'], path: '/numbers', title: (r) => r.number,
    columns: ['number', 'queue_id', 'active'],
    fields: [
      { name: 'number', required: true },
      { name: 'queue_id', type: 'select', nullable: true, options: (refs) => refs.queues.map((q) => [q.id, q.name]) },
      { name: 'active', type: 'check' },
      { name: 'menu', type: 'json', extra: 'menu', hint: 'admin.menu_hint' },
    ],
    deactivate: 'inactive',
  },
  dispositions: {
    roles: ['admin', 'supervisor'], path: '/dispositions', list: '/dispositions?all=true', title: (r) => r.code,
    columns: ['code', 'label', 'category', 'active'],
    fields: [
      { name: 'code', required: true },
      { name: 'label', required: true },
      { name: 'category', nullable: true },
      { name: 'requires_note', type: 'check' },
      { name: 'active', type: 'check' },
    ],
    deactivate: 'delete',
  },
  scripts: {
    roles: ['admin', 'supervisor'], path: '/scripts', title: (r) => r.name,
    columns: ['name', 'queue_id', 'version', 'active'],
    fields: [
      { name: 'name', required: true },
      { name: 'queue_id', type: 'select', nullable: true, options: (refs) => refs.queues.map((q) => [q.id, q.name]) },
      { name: 'body', type: 'textarea', required: true, rows: 12, hint: 'admin.script_hint' },
      { name: 'active', type: 'check' },
    ],
    deactivate: 'inactive',
  },
  knowledge: {
    roles: ['admin', 'supervisor'], path: '/knowledge', list: '/knowledge?limit=200', title: (r) => r.title,
    columns: ['title', 'category', 'published'],
    fields: [
      { name: 'category', type: 'select', required: true, options: () => ['products', 'services', 'policies', 'troubleshooting'].map((c) => [c, t('kb.' + c)]) },
      { name: 'title', required: true },
      { name: 'body', type: 'textarea', required: true, rows: 10 },
      { name: 'tags', nullable: true },
      { name: 'published', type: 'check' },
    ],
    deactivate: 'unpublish',
  },
};

export async function mount(root, ctx, hash) {
  const m = /^#\/admin\/?([a-z]*)(?:\/(new|\d+))?/.exec(hash || '') || [];
  const mine = Object.keys(ENTITIES).filter((k) => ENTITIES[k].roles.includes(ctx.user.role));
  const name = mine.includes(m[1]) ? m[1] : mine[0];
  const ent = ENTITIES[name];
  ctx.shortcuts = [['?', t('help.title')]];
  const refs = { users: [], teams: [], queues: [], skills: [] };
  const loads = [get('/queues').then((r) => { refs.queues = r.items; }), get('/skills').then((r) => { refs.skills = r.items; }),
    get('/teams').then((r) => { refs.teams = r.items; })];
  if (ctx.user.role === 'admin') loads.push(get('/users').then((r) => { refs.users = r.items; }));
  await Promise.all(loads);
  const rows = (await get(ent.list || ent.path)).items;

  const tabs = h('nav', { class: 'tabs', 'aria-label': t('admin.sections') }, mine.map((k) =>
    h('a', { href: '#/admin/' + k, 'aria-current': k === name ? 'page' : null }, t('admin.' + k))));
  const listBox = h('section', { class: 'panel', id: 'admin-list', 'aria-labelledby': 'admin-list-h' });
  const formBox = h('section', { class: 'panel', id: 'admin-form', 'aria-labelledby': 'admin-form-h' });
  fill(root, h('div', { class: 'admin' }, h('h1', { class: 'view-title' }, t('admin.title')), tabs, h('div', { class: 'admin-grid' }, listBox, formBox)));

  const label = (f) => t('field.' + f);
  const show = (row, col) => {
    const v = row[col];
    if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no');
    if (col === 'role') return t('roles.' + v);
    if (col === 'team_id') { const x = refs.teams.find((y) => y.id === v); return x ? x.name : '-'; }
    if (col === 'queue_id') { const x = refs.queues.find((y) => y.id === v); return x ? x.name : '-'; }
    if (col === 'lead_user_id') { const x = refs.users.find((y) => y.id === v); return x ? x.display_name : v ? '#' + v : '-'; }
    if (col === 'category' && name === 'knowledge') return t('kb.' + v);
    if (col === 'kind') return t('admin.kind.' + v);
    return v === null || v === undefined ? '-' : String(v);
  };

  fill(listBox, h('div', { class: 'panel-head' }, h('h2', { id: 'admin-list-h' }, t('admin.' + name)),
    h('a', { class: 'button primary', href: '#/admin/' + name + '/new', id: 'admin-new' }, t('admin.new'))),
  h('table', { class: 'grid', id: 'admin-table' },
    h('thead', null, h('tr', null, ent.columns.map((c) => h('th', { scope: 'col' }, label(c))), h('th', null, ''))),
    h('tbody', null, rows.map((r) => h('tr', { class: r.active === false || r.published === false ? 'inactive' : '' },
      ent.columns.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, show(r, c)) : h('td', null, show(r, c)))),
      h('td', null, h('a', { href: '#/admin/' + name + '/' + r.id, class: 'small' }, t('admin.edit'))))))));

  if (m[2]) await showForm(m[2] === 'new' ? null : rows.find((r) => String(r.id) === m[2]) || await get(ent.path + '/' + m[2]));
  else fill(formBox, h('h2', { id: 'admin-form-h' }, t('admin.details')), h('p', { class: 'muted' }, t('admin.pick')));

  async function showForm(row) {
    const create = !row;
    const controls = {};
    const extras = {};
    if (!create) {
      for (const f of ent.fields.filter((x) => x.extra)) {
        try {
          const r = await get(ent.path + '/' + row.id + '/' + f.extra);
          extras[f.name] = r[f.extra];
        } catch (e) { extras[f.name] = null; }
      }
    }
    const parts = [];
    for (const f of ent.fields) {
      if (f.createOnly && !create) {
        parts.push(h('p', null, h('strong', null, label(f.name)), ': ', String(row[f.name])));
        continue;
      }
      if (f.extra && create) continue;
      const val = f.extra ? extras[f.name] : row ? row[f.name] : undefined;
      const id = 'af-' + f.name;
      let ctl;
      switch (f.type) {
      case 'select': {
        const opts = f.options(refs, row);
        ctl = h('select', { id, name: f.name }, f.nullable || !f.required ? h('option', { value: '' }, t('admin.none')) : null,
          opts.map(([v, l]) => h('option', { value: v, selected: val !== undefined && val !== null && String(val) === String(v) }, l)));
        break;
      }
      case 'check':
        ctl = h('input', { id, name: f.name, type: 'checkbox', checked: create ? true : !!val });
        break;
      case 'textarea':
        ctl = h('textarea', { id, name: f.name, rows: f.rows || 5, value: val || '' });
        break;
      case 'json':
        ctl = h('textarea', { id, name: f.name, rows: 6, class: 'mono', value: val ? JSON.stringify(val, null, 1) : '' });
        break;
      case 'skills':
        ctl = skillsEditor(id, f, val || []);
        break;
      default:
        ctl = h('input', { id, name: f.name, type: f.type || 'text', value: val === null || val === undefined ? '' : String(val), autocomplete: 'off',
          min: f.min, max: f.max, step: f.step, pattern: f.pattern });
      }
      if ((f.required || (f.requiredOnCreate && create)) && f.type !== 'check') ctl.setAttribute('aria-required', 'true');
      controls[f.name] = { f, ctl };
      parts.push(field(label(f.name) + ((f.required || (f.requiredOnCreate && create)) ? ' *' : ''), ctl, f.hint ? t(f.hint) : (f.optional && !create ? t('admin.keep_blank') : null)));
    }
    const err = h('p', { class: 'form-error', role: 'alert', id: 'admin-error' });
    const form = h('form', { id: 'admin-edit', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
      const body = {};
      const later = {};
      let bad = null;
      for (const [n, { f, ctl }] of Object.entries(controls)) {
        let v;
        if (f.type === 'check') v = ctl.checked;
        else if (f.type === 'skills') v = ctl.read();
        else v = ctl.value.trim();
        if (f.type !== 'check' && f.type !== 'skills' && v === '') {
          if (f.required || (f.requiredOnCreate && create)) { bad = bad || [ctl, t('admin.required')]; continue; }
          if (f.optional || f.extra) { if (f.extra) later[f.extra] = null; continue; }
          if (f.nullable) { if (!create) body[n] = null; continue; }
          continue;
        }
        if (f.type === 'number') {
          v = Number(v);
          if (!isFinite(v)) { bad = bad || [ctl, t('admin.number')]; continue; }
        } else if (f.type === 'select' && v !== '' && /^\d+$/.test(v) && f.name.endsWith('_id')) v = Number(v);
        if (f.type === 'json') {
          try { later[f.extra] = JSON.parse(v); } catch (ex) { bad = bad || [ctl, t('admin.json')]; }
          continue;
        }
        if (f.pattern && typeof v === 'string' && !new RegExp('^(?:' + f.pattern + ')$').test(v)) { bad = bad || [ctl, t('admin.pattern')]; continue; }
        body[n] = v;
      }
      if (bad) {
        document.getElementById(bad[0].id + '-err').textContent = bad[1];
        bad[0].focus();
        return;
      }
      try {
        const saved = create ? await post(ent.path, body) : await put(ent.path + '/' + row.id, body);
        for (const [k, v] of Object.entries(later)) {
          if (create && v === null) continue;
          try { await put(ent.path + '/' + saved.id + '/' + k, { [k]: v }); } catch (ex) {
            const ctl = controls[k].ctl;
            document.getElementById(ctl.id + '-err').textContent = ex.message;
            throw null;
          }
        }
        toast(t('admin.saved'));
        const target = '#/admin/' + name + '/' + saved.id;
        if (location.hash === target) ctx.rerender(); else location.hash = target; // the list shows the change too
      } catch (ex) {
        if (ex === null) return;
        showError(form, ex, err);
      }
    } }, parts, err,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', id: 'admin-save' }, create ? t('admin.create') : t('admin.save')),
      !create && ent.deactivate && (row.active !== false && row.published !== false) ? h('button', { type: 'button', class: 'danger', id: 'admin-deactivate', onclick: deactivate }, t('admin.deactivate')) : null,
      h('a', { href: '#/admin/' + name, class: 'button' }, t('common.cancel'))));

    async function deactivate() {
      try {
        if (ent.deactivate === 'delete') await del(ent.path + '/' + row.id);
        else if (ent.deactivate === 'unpublish') await put(ent.path + '/' + row.id, { published: false });
        else await put(ent.path + '/' + row.id, { active: false });
        toast(t('admin.deactivated'));
        location.hash = '#/admin/' + name;
      } catch (ex) { showError(form, ex, err); }
    }

    fill(formBox, h('h2', { id: 'admin-form-h' }, create ? t('admin.new_of', { what: t('admin.one.' + name) }) : ent.title(row)), form);
  }

  function skillsEditor(id, f, list) {
    const rowsEl = h('div', { class: 'skill-rows' });
    // deactivated skills: offered only where the entry already has them (kept for its history)
    const held = new Set(list.map((sk) => sk.skill_id));
    const offered = refs.skills.filter((x) => x.active !== false || held.has(x.id));
    const addRow = (sk) => {
      const sel = h('select', { 'aria-label': t('field.skill') }, offered.map((x) => h('option', { value: x.id, selected: !!sk && sk.skill_id === x.id },
        x.active === false ? t('admin.skill_inactive', { name: x.name }) : x.name)));
      const lvl = h('input', { type: 'number', min: 1, max: 10, value: sk ? sk[f.level] : 5, 'aria-label': t('field.' + f.level), class: 'narrow' });
      const r = h('div', { class: 'skill-row' }, sel, lvl, h('button', { type: 'button', class: 'quiet small', onclick: () => r.remove() }, t('admin.remove')));
      rowsEl.appendChild(r);
    };
    list.forEach(addRow);
    const box = h('div', { class: 'skills', id, tabindex: -1 }, rowsEl,
      h('button', { type: 'button', class: 'small', onclick: () => addRow(null) }, t('admin.add_skill')));
    box.read = () => [...rowsEl.children].map((r) => ({ skill_id: Number(r.children[0].value), [f.level]: Number(r.children[1].value) }));
    return box;
  }

  return null;
}

function showError(form, ex, err) {
  if (ex.status === 422 && ex.field) {
    const base = ex.field.split(/[.[]/)[0];
    const ctl = form.querySelector(`[name="${CSS.escape(base)}"]`) || form.querySelector(`#af-${CSS.escape(base)}`);
    const slot = ctl ? document.getElementById(ctl.id + '-err') : null;
    if (slot) { slot.textContent = ex.message; ctl.focus(); return; }
  }
  err.textContent = ex.status === 409 ? t('admin.conflict', { message: ex.message }) : ex.status === 0 ? t('offline.banner') : t('error.generic', { message: ex.message });
}
