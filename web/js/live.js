// live: the daemon's event stream (SSE): one EventSource, resumed with the last event id after any break.

import { markOffline, isOnline, on as onNet } from './api.js';

const EVENT_TYPES = ['call-enter', 'call-refused', 'call-offer', 'call-offer-cancel', 'call-ring-no-answer',
  'call-connect', 'call-hold', 'call-unhold', 'call-transfer', 'call-complete-caller', 'call-complete-agent',
  'call-abandon', 'call-exit-timeout', 'call-exit-overflow', 'callback-requested', 'callback-failed',
  'agent-login', 'agent-logout', 'agent-state', 'call-interrupted', 'escalation', 'reset',
  'dialer.attempt', 'dialer.result', 'dialer.connected', 'dialer.abandon', 'dialer.pace', 'dialer.start', 'dialer.stop'];

let es = null;
let lastId = null;
let wanted = false;
let retryTimer = 0;
const handlers = new Set();
const openHandlers = new Set();

/* fn(type, data, id) for every event; returns a function that unsubscribes. */
export function subscribe(fn) {
  handlers.add(fn);
  return () => handlers.delete(fn);
}

/* fn() whenever the stream (re)opens: views reload their snapshots if they need to. */
export function onOpen(fn) {
  openHandlers.add(fn);
  return () => openHandlers.delete(fn);
}

export function lastEventId() { return lastId; }
/* Snapshots say up to which event they are current: the stream need not go further back. */
export function atLeast(seq) { if (seq && (lastId === null || seq > lastId)) lastId = seq; }

function dispatch(type, ev) {
  let data = null;
  try { data = ev.data ? JSON.parse(ev.data) : null; } catch (e) { return; }
  if (ev.lastEventId) {
    const n = Number(ev.lastEventId);
    if (isFinite(n) && (lastId === null || n > lastId)) lastId = n;
  }
  for (const fn of handlers) {
    try { fn(type, data, lastId); } catch (e) { console.error(e); }
  }
}

function open() {
  clearTimeout(retryTimer);
  if (es) es.close();
  const url = '/api/v1/events' + (lastId !== null ? '?last_event_id=' + lastId : '');
  es = new EventSource(url, { withCredentials: true });
  for (const type of EVENT_TYPES) es.addEventListener(type, (ev) => dispatch(type, ev));
  es.onopen = () => {
    document.documentElement.dataset.live = 'open'; // for tests and styles: the stream is up
    for (const fn of openHandlers) fn();
  };
  es.onerror = () => {
    document.documentElement.dataset.live = 'down';
    // the browser retries by itself while it can; a closed stream (server gone, 401) is ours to reopen
    if (es && es.readyState === EventSource.CLOSED) {
      markOffline();
      retryTimer = setTimeout(() => { if (wanted && isOnline()) open(); }, 1500);
    } else {
      markOffline();
    }
  };
}

export function start() {
  wanted = true;
  if (!es || es.readyState === EventSource.CLOSED) open();
}

export function stop() {
  wanted = false;
  clearTimeout(retryTimer);
  if (es) es.close();
  es = null;
  lastId = null;
}

export function connected() { return !!es && es.readyState === EventSource.OPEN; }

onNet('online', () => { if (wanted && (!es || es.readyState !== EventSource.OPEN)) open(); });
