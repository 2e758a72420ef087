/* records: contact records, lookup by phone, customer erasure, closing interrupted calls. */
#include "store/records.h"

#include <errno.h>
#include <string.h>

#define CONTACT_COLS                                                                               \
	"id, call_id, initial_id, previous_id, next_id, client_id, channel, direction, "           \
	"initiation, customer_id, customer_number, system_number, queue_id, agent_id, "            \
	"t_initiated, t_enqueued, t_dequeued, t_connected, t_disconnected, hold_count, hold_ms, "  \
	"t_wrap_start, t_wrap_end, disconnect_reason, disposition_id, notes, recording_ref, "      \
	"attributes, updated_at"
#define CONTACT_NCOLS 29

static const struct store_stmt contact_put = {
    "contact_put",
    "INSERT INTO contacts (" CONTACT_COLS ") "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
    "$17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29) ON CONFLICT "
    "(id) DO UPDATE SET call_id = excluded.call_id, initial_id = excluded.initial_id, "
    "previous_id = excluded.previous_id, next_id = excluded.next_id, client_id = "
    "excluded.client_id, channel = excluded.channel, direction = excluded.direction, "
    "initiation = excluded.initiation, customer_id = excluded.customer_id, "
    "customer_number = excluded.customer_number, system_number = "
    "excluded.system_number, queue_id = excluded.queue_id, agent_id = "
    "excluded.agent_id, t_initiated = excluded.t_initiated, t_enqueued = "
    "excluded.t_enqueued, t_dequeued = excluded.t_dequeued, t_connected = "
    "excluded.t_connected, t_disconnected = excluded.t_disconnected, hold_count = "
    "excluded.hold_count, hold_ms = excluded.hold_ms, t_wrap_start = "
    "excluded.t_wrap_start, t_wrap_end = excluded.t_wrap_end, disconnect_reason = "
    "excluded.disconnect_reason, disposition_id = excluded.disposition_id, notes = "
    "excluded.notes, recording_ref = excluded.recording_ref, attributes = "
    "excluded.attributes, updated_at = excluded.updated_at",
    NULL};

const struct store_stmt store_q_contact_by_id = {
    "contact_by_id", "SELECT " CONTACT_COLS " FROM contacts WHERE id = $1", NULL};

const struct store_stmt store_q_contacts_by_customer = {
    "contacts_by_customer",
    "SELECT " CONTACT_COLS " FROM contacts WHERE customer_id = $1 "
    "ORDER BY t_initiated DESC, id DESC LIMIT $2",
    NULL};

const struct store_stmt store_q_customer_by_phone = {
    "customer_by_phone",
    "SELECT c.id, c.name, c.external_ref, c.language FROM customer_phones p "
    "JOIN customers c ON c.id = p.customer_id WHERE p.e164 = $1 AND c.client_id = $2 "
    "ORDER BY c.updated_at DESC, c.id DESC",
    NULL};

static struct store_value opt_int(int64_t v)
{
	return v ? store_int(v) : store_null();
}

int store_job_contact_put(struct store_job *job, const struct store_contact *c)
{
	if (!job || !c || c->id <= 0 || c->call_id == 0 || c->t_initiated == 0 || !c->direction ||
	    !c->initiation)
		return EINVAL;
	struct store_value p[CONTACT_NCOLS] = {
	    store_int(c->id),
	    store_int(c->call_id),
	    opt_int(c->initial_id),
	    opt_int(c->previous_id),
	    opt_int(c->next_id),
	    opt_int(c->client_id),
	    store_text(c->channel ? c->channel : "voice"),
	    store_text(c->direction),
	    store_text(c->initiation),
	    opt_int(c->customer_id),
	    store_text(c->customer_number),
	    store_text(c->system_number),
	    opt_int(c->queue_id),
	    opt_int(c->agent_id),
	    store_int(c->t_initiated),
	    opt_int(c->t_enqueued),
	    opt_int(c->t_dequeued),
	    opt_int(c->t_connected),
	    opt_int(c->t_disconnected),
	    store_int(c->hold_count),
	    store_int(c->hold_ms),
	    opt_int(c->t_wrap_start),
	    opt_int(c->t_wrap_end),
	    store_text(c->disconnect_reason),
	    opt_int(c->disposition_id),
	    store_text(c->notes),
	    store_text(c->recording_ref),
	    store_text(c->attributes),
	    store_int(c->updated_at ? c->updated_at : c->t_initiated),
	};
	return store_job_add(job, &contact_put, p, CONTACT_NCOLS, 0);
}

int store_contact_get(const struct store_rs *rs, unsigned row, struct store_contact *c)
{
	if (!rs || !c || row >= store_rs_rows(rs) || store_rs_cols(rs, row) != CONTACT_NCOLS)
		return EINVAL;
	unsigned i = 0;
	c->id = store_rs_int(rs, row, i++);
	c->call_id = store_rs_int(rs, row, i++);
	c->initial_id = store_rs_int(rs, row, i++);
	c->previous_id = store_rs_int(rs, row, i++);
	c->next_id = store_rs_int(rs, row, i++);
	c->client_id = store_rs_int(rs, row, i++);
	c->channel = store_rs_text(rs, row, i++);
	c->direction = store_rs_text(rs, row, i++);
	c->initiation = store_rs_text(rs, row, i++);
	c->customer_id = store_rs_int(rs, row, i++);
	c->customer_number = store_rs_text(rs, row, i++);
	c->system_number = store_rs_text(rs, row, i++);
	c->queue_id = store_rs_int(rs, row, i++);
	c->agent_id = store_rs_int(rs, row, i++);
	c->t_initiated = store_rs_int(rs, row, i++);
	c->t_enqueued = store_rs_int(rs, row, i++);
	c->t_dequeued = store_rs_int(rs, row, i++);
	c->t_connected = store_rs_int(rs, row, i++);
	c->t_disconnected = store_rs_int(rs, row, i++);
	c->hold_count = store_rs_int(rs, row, i++);
	c->hold_ms = store_rs_int(rs, row, i++);
	c->t_wrap_start = store_rs_int(rs, row, i++);
	c->t_wrap_end = store_rs_int(rs, row, i++);
	c->disconnect_reason = store_rs_text(rs, row, i++);
	c->disposition_id = store_rs_int(rs, row, i++);
	c->notes = store_rs_text(rs, row, i++);
	c->recording_ref = store_rs_text(rs, row, i++);
	c->attributes = store_rs_text(rs, row, i++);
	c->updated_at = store_rs_int(rs, row, i++);
	return 0;
}

/* ---- erasure ---- */

/* the contact records that belong to customer $1: linked, or from their numbers and unlinked */
#define CUSTOMER_CONTACTS                                                                          \
	"(customer_id = $1 OR (customer_id IS NULL AND customer_number IN "                        \
	"(SELECT e164 FROM customer_phones WHERE customer_id = $1)))"

static const struct store_stmt erase_customer_blank = {
    "erase_customer_blank",
    "UPDATE customers SET name = NULL, email = NULL, notes = NULL, attributes = NULL, "
    "external_ref = NULL, updated_at = $2 WHERE id = $1",
    NULL};
static const struct store_stmt erase_recordings = {
    "erase_recordings",
    "SELECT recording_ref FROM contacts WHERE recording_ref IS NOT NULL AND " CUSTOMER_CONTACTS
    " ORDER BY id",
    NULL};
static const struct store_stmt erase_contacts = {
    "erase_contacts",
    "UPDATE contacts SET customer_id = NULL, customer_number = NULL, notes = NULL, "
    "recording_ref = NULL, attributes = NULL, updated_at = $2 WHERE " CUSTOMER_CONTACTS,
    NULL};
static const struct store_stmt erase_callbacks = {
    "erase_callbacks",
    "UPDATE callbacks SET customer_id = NULL, number = NULL, notes = NULL, "
    "status = CASE WHEN status IN ('pending', 'dialing') THEN 'cancelled' ELSE status END, "
    "updated_at = $2 WHERE customer_id = $1 OR (customer_id IS NULL AND number IN "
    "(SELECT e164 FROM customer_phones WHERE customer_id = $1))",
    NULL};
static const struct store_stmt erase_audit = {
    "erase_audit",
    "UPDATE audit_log SET before_json = NULL, after_json = NULL "
    "WHERE object_type = 'customer' AND object_id = $1",
    NULL};
static const struct store_stmt erase_items = {
    "erase_items", "DELETE FROM account_items WHERE customer_id = $1", NULL};
static const struct store_stmt erase_phones = {
    "erase_phones", "DELETE FROM customer_phones WHERE customer_id = $1", NULL};
static const struct store_stmt erase_customer = {"erase_customer",
						 "DELETE FROM customers WHERE id = $1", NULL};
static const struct store_stmt erase_audit_entry = {
    "erase_audit_entry",
    "INSERT INTO audit_log (time, user_id, action, object_type, object_id) "
    "VALUES ($2, $3, 'erase', 'customer', $1)",
    NULL};

int store_job_customer_erase(struct store_job *job, int64_t customer_id, int64_t actor_user,
			     int64_t now)
{
	if (!job || customer_id <= 0 || store_job_steps(job) != 0)
		return EINVAL;
	struct store_value p[3] = {store_int(customer_id), store_int(now), opt_int(actor_user)};
	int err = store_job_add(job, &erase_customer_blank, p, 2, STORE_MUST_HIT);
	if (!err)
		err = store_job_add(job, &erase_recordings, p, 1, 0);
	if (!err)
		err = store_job_add(job, &erase_contacts, p, 2, 0);
	if (!err)
		err = store_job_add(job, &erase_callbacks, p, 2, 0);
	if (!err)
		err = store_job_add(job, &erase_audit, p, 1, 0);
	if (!err)
		err = store_job_add(job, &erase_items, p, 1, 0);
	if (!err)
		err = store_job_add(job, &erase_phones, p, 1, 0);
	if (!err)
		err = store_job_add(job, &erase_customer, p, 1, STORE_MUST_HIT);
	if (!err)
		err = store_job_add(job, &erase_audit_entry, p, 3, 0);
	if (!err)
		store_job_set_flags(job, STORE_JOB_SCRUB);
	return err;
}

/* ---- start-up recovery ---- */

static const struct store_stmt close_open_contacts = {
    "close_open_contacts",
    "UPDATE contacts SET t_disconnected = $1, disconnect_reason = 'interrupted', "
    "updated_at = $1 WHERE t_disconnected IS NULL RETURNING id, call_id, queue_id, agent_id",
    NULL};
static const struct store_stmt close_open_wrapups = {
    "close_open_wrapups",
    "UPDATE contacts SET t_wrap_end = $1, updated_at = $1 "
    "WHERE t_wrap_start IS NOT NULL AND t_wrap_end IS NULL",
    NULL};
static const struct store_stmt reset_dialing_callbacks = {
    "reset_dialing_callbacks",
    "UPDATE callbacks SET status = 'pending', updated_at = $1 WHERE status = 'dialing'", NULL};

int store_job_close_interrupted(struct store_job *job, int64_t at)
{
	if (!job || at <= 0)
		return EINVAL;
	struct store_value p[1] = {store_int(at)};
	int err = store_job_add(job, &close_open_contacts, p, 1, 0);
	if (!err)
		err = store_job_add(job, &close_open_wrapups, p, 1, 0);
	if (!err)
		err = store_job_add(job, &reset_dialing_callbacks, p, 1, 0);
	return err;
}
