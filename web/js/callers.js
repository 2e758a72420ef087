// callers: the caller's name for an agent's current call, shown on the wallboard and the team view:
// the call's customer, else the one customer with the caller's number; looked up once per call and
// remembered (roles that may not read customers see the number alone).

import { get } from './api.js';

// Returns lookup(agent) -> the name known so far (null: none yet); found() is called when one arrives.
export function callerNames(role, found) {
  const names = new Map();
  const mayRead = ['team_lead', 'supervisor', 'admin'].includes(role);
  return function lookup(a) {
    if (!mayRead || (!a.customer_id && !a.caller_number)) return null;
    const key = a.call_id + ':' + (a.customer_id || a.caller_number);
    if (names.has(key)) return names.get(key);
    if (names.size > 1000) names.clear(); // a day's calls: looked up again when still shown
    names.set(key, null);
    (async () => {
      let name = null;
      try {
        if (a.customer_id) name = (await get('/customers/' + a.customer_id)).name || null;
        else {
          const r = await get('/customers?phone=' + encodeURIComponent(a.caller_number) + '&limit=2');
          if (r.items.length === 1) name = r.items[0].name || null;
        }
      } catch (e) { /* no access or offline: the number alone */ }
      if (name) { names.set(key, name); found(); }
    })();
    return null;
  };
}
