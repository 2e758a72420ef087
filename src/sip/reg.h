/* reg: the registrar's bindings: contacts per user, expiring on the timer wheel (pure: time passed in). */
#ifndef SB_SIP_REG_H
#define SB_SIP_REG_H

/*
 * A user (address-of-record: the extension) has up to max_contacts live
 * contacts, each with its own expiry and the flow it registered from (an
 * opaque blob the stack uses to reach NATed or TCP phones). Processing
 * follows RFC 3261 10.3: a REGISTER's changes apply all or not at all; a
 * binding refreshed with the same Call-ID needs a higher CSeq. When a user
 * would exceed max_contacts, the least recently registered contacts go.
 * The change hook runs on every change of a user's set of contacts
 * (added, removed, expired), not on plain refreshes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/wheel.h"

#define REG_FLOW_MAX 48

struct reg;

typedef void(reg_change_h)(void *arg, const char *user, unsigned contacts);

struct reg_binding {
	const char *uri;
	size_t uri_len;
	uint32_t expires; /* seconds; 0 removes the binding */
};

/* Returns 0, EINVAL (no wheel, max_contacts 0) or ENOMEM. h may be NULL. */
int reg_alloc(struct reg **rp, struct wheel *w, unsigned max_contacts, reg_change_h *h, void *arg);
/* Frees every binding without calling the hook. NULL is fine. */
void reg_free(struct reg *r);

/*
 * Applies one REGISTER of user: bindings b[0..n), or removes all of the
 * user's bindings when remove_all (Contact: *, n must be 0). Returns 0,
 * EALREADY when a binding it touches already has this Call-ID with a CSeq
 * >= cseq (nothing changed: the request fails), EINVAL, ENOMEM (nothing
 * changed).
 */
int reg_apply(struct reg *r, const char *user, const char *callid, size_t callid_len,
	      uint32_t cseq, const struct reg_binding *b, unsigned n, bool remove_all,
	      const void *flow, size_t flow_len, int64_t now_ms);

struct reg_contact_view {
	const char *uri; /* NUL-terminated; valid until the registrar next changes */
	size_t uri_len;
	int64_t expires_at; /* ms, the clock of now_ms */
	const void *flow;
	size_t flow_len;
};

/* Live contacts of user (expiring after now_ms), most recently registered first. Returns how many (<= max). */
unsigned reg_list(const struct reg *r, const char *user, int64_t now_ms,
		  struct reg_contact_view *out, unsigned max);
/* The most recently registered live contact with exactly this URI, of any user. */
bool reg_find_uri(const struct reg *r, const char *uri, size_t len, int64_t now_ms,
		  struct reg_contact_view *out);

size_t reg_user_count(const struct reg *r);
size_t reg_contact_count(const struct reg *r);

#endif
