// dom: building elements without HTML strings: every text goes in as a text node (never innerHTML).

/*
 * h('button', {class: 'x', onclick: fn, 'aria-label': '...'}, 'text', child, [more])
 * Attributes: class, text (textContent), on<event> (listeners), dataset (object),
 * hidden/disabled/checked/selected/value (properties); anything else setAttribute.
 * Children: strings and numbers become text nodes; null/false are skipped; arrays flatten.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (['hidden', 'disabled', 'checked', 'selected', 'value', 'required', 'readOnly',
                'multiple'].includes(k)) el[k] = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
  return el;
}

/* Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/* A labelled form field: label + control + the place for its validation message. */
export function field(label, control, hint) {
  const id = control.id || (control.id = 'f-' + Math.random().toString(36).slice(2, 9));
  const msg = h('div', { class: 'field-error', id: id + '-err', role: 'alert' });
  control.setAttribute('aria-describedby', msg.id);
  return h('div', { class: 'field', dataset: { field: control.name || '' } },
    h('label', { for: id }, label), control, hint ? h('div', { class: 'hint' }, hint) : null, msg);
}

/* A modal dialog with a title and content; resolves with what close() is given. */
export function modal(title, build) {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: 'modal', 'aria-labelledby': 'dlg-title' });
    const close = (v) => { dlg.close(); dlg.remove(); resolve(v); };
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); close(null); });
    append(dlg, [h('h2', { id: 'dlg-title' }, title), build(close)]);
    document.body.appendChild(dlg);
    dlg.showModal();
    const first = dlg.querySelector('input, select, textarea, button');
    if (first) first.focus();
  });
}

let toastTimer = 0;
export function toast(text, kind = 'info') {
  const box = document.getElementById('toasts');
  const el = h('div', { class: 'toast toast-' + kind, role: kind === 'error' ? 'alert' : 'status' }, text);
  box.appendChild(el);
  clearTimeout(toastTimer);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}
