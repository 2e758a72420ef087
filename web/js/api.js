// api: the HTTP API from the browser (cookie session + CSRF token), and whether the daemon can be reached.

let csrf = null;
const listeners = { online: [], offline: [], unauthenticated: [] };

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || String(status));
    this.status = status;
    this.code = code;
  }
  /* The field a 422 names ("field \"name\" ..."), or null. */
  get field() {
    const m = /field "([^"]+)"/.exec(this.message || '');
    return m ? m[1] : null;
  }
}

export function setCsrf(token) { csrf = token; }
export function on(what, fn) { listeners[what].push(fn); }

/* --- connectivity: offline after a failed request, online again once /healthz answers --- */
let online = true;
let probeTimer = 0;
let probeDelay = 1000;

function emit(what, arg) { for (const fn of listeners[what]) fn(arg); }

export function isOnline() { return online; }

export function markOffline() {
  if (online) {
    online = false;
    emit('offline');
  }
  if (!probeTimer) probeTimer = setTimeout(probe, probeDelay);
}

function markOnline() {
  probeDelay = 1000;
  if (!online) {
    online = true;
    emit('online');
  }
}

async function probe() {
  probeTimer = 0;
  try {
    const r = await fetch('/healthz', { cache: 'no-store' });
    if (r.ok) { markOnline(); return; }
  } catch (e) { /* still down */ }
  probeDelay = Math.min(probeDelay * 1.5, 5000);
  probeTimer = setTimeout(probe, probeDelay);
}

/* A JSON request to /api/v1. Resolves with the body (null for 204); rejects with ApiError. */
export async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  if (method !== 'GET' && csrf) opts.headers['X-CSRF-Token'] = csrf;
  let r;
  try {
    r = await fetch('/api/v1' + path, opts);
  } catch (e) {
    markOffline();
    throw new ApiError(0, 'network', 'network');
  }
  if (r.status >= 502 && r.status <= 504) {
    markOffline();
    throw new ApiError(r.status, 'network', 'network');
  }
  markOnline();
  let data = null;
  if (r.status !== 204) {
    try { data = await r.json(); } catch (e) { data = null; }
  }
  if (r.status === 401 && path !== '/login') emit('unauthenticated');
  if (!r.ok) {
    const err = data && data.error ? data.error : {};
    throw new ApiError(r.status, err.code, err.message);
  }
  return data;
}

export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b === undefined ? {} : b);
export const put = (p, b) => api('PUT', p, b);
export const patch = (p, b) => api('PATCH', p, b);
export const del = (p) => api('DELETE', p);
