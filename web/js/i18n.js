// i18n: the English and German catalogues, and times in the site's time zone.

let catalogue = {};
let lang = 'en';
let zone = 'UTC';
const missing = new Set();

export const LANGUAGES = ['en', 'de'];

/* The language to start with: remembered on this device, else the browser's. */
export function initialLanguage() {
  const saved = localStorage.getItem('sb.lang');
  if (LANGUAGES.includes(saved)) return saved;
  return (navigator.language || 'en').toLowerCase().startsWith('de') ? 'de' : 'en';
}

export async function loadLanguage(l) {
  if (!LANGUAGES.includes(l)) l = 'en';
  const r = await fetch(`/i18n/${l}.json`, { credentials: 'same-origin' });
  if (!r.ok) throw new Error('catalogue ' + l + ': ' + r.status);
  catalogue = await r.json();
  lang = l;
  localStorage.setItem('sb.lang', l);
  document.documentElement.lang = l;
}

export function language() { return lang; }
export function setZone(z) { zone = z || 'UTC'; }
export function timeZone() { return zone; }

/* A string of the catalogue with {name} placeholders filled. A missing key shows as ⟦key⟧ and is recorded. */
export function t(key, params) {
  let s = catalogue[key];
  if (typeof s !== 'string') {
    missing.add(key);
    window.__sbMissing = [...missing];
    return '\u27e6' + key + '\u27e7';
  }
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  return s;
}

export function has(key) { return typeof catalogue[key] === 'string'; }

const fmtCache = new Map();
function dtf(opts) {
  const k = lang + zone + JSON.stringify(opts);
  if (!fmtCache.has(k)) fmtCache.set(k, new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { timeZone: zone, ...opts }));
  return fmtCache.get(k);
}

export function fmtTime(ms) { return ms ? dtf({ hour: '2-digit', minute: '2-digit' }).format(new Date(ms)) : '-'; }
export function fmtTimeSec(ms) { return ms ? dtf({ hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(ms)) : '-'; }
export function fmtDate(ms) { return ms ? dtf({ year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms)) : '-'; }
export function fmtDateTime(ms) { return ms ? dtf({ year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(ms)) : '-'; }

/* A duration as m:ss or h:mm:ss. */
export function fmtDur(ms) {
  if (ms === null || ms === undefined || !isFinite(ms)) return '-';
  let s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600); s -= hh * 3600;
  const mm = Math.floor(s / 60); s -= mm * 60;
  const p = (n) => String(n).padStart(2, '0');
  return hh ? `${hh}:${p(mm)}:${p(s)}` : `${mm}:${p(s)}`;
}

/* A ratio (0..1) as a percentage; "-" when undefined (null). */
export function fmtPct(r, digits = 0) {
  if (r === null || r === undefined || !isFinite(r)) return '-';
  return new Intl.NumberFormat(lang === 'de' ? 'de-DE' : 'en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(r * 100) + '\u00a0%';
}

export function fmtMoney(minor, currency) {
  if (minor === null || minor === undefined) return '-';
  return new Intl.NumberFormat(lang === 'de' ? 'de-DE' : 'en-GB', { style: 'currency', currency: currency || 'EUR' }).format(minor / 100);
}

export function fmtNum(n) {
  return new Intl.NumberFormat(lang === 'de' ? 'de-DE' : 'en-GB').format(n);
}

/* The site's wall-clock parts of an instant. */
function zoneParts(ms) {
  const p = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(ms));
  const g = (k) => Number(p.find((x) => x.type === k).value);
  return { y: g('year'), mo: g('month'), d: g('day'), h: g('hour'), mi: g('minute'), s: g('second') };
}

/* "YYYY-MM-DDTHH:MM" (a datetime-local input) of an instant, in the site's zone. */
export function zonedInput(ms) {
  const z = zoneParts(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${z.y}-${p(z.mo)}-${p(z.d)}T${p(z.h)}:${p(z.mi)}`;
}

/* The instant of a site wall-clock time "YYYY-MM-DDTHH:MM". */
export function zonedToEpoch(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(text || '');
  if (!m) return NaN;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const z = zoneParts(guess);
    const seen = Date.UTC(z.y, z.mo - 1, z.d, z.h, z.mi, z.s);
    guess += wall - seen;
  }
  return guess;
}
