/* records: typed operations: contact records, customer lookup, erasure, crash recovery. */
#ifndef SB_STORE_RECORDS_H
#define SB_STORE_RECORDS_H

#include "store/store.h"

/*
 * A contact record: one call segment. Ids and times of 0 are stored as NULL
 * (unknown / not reached); strings may be NULL. Times are UTC epoch ms.
 */
struct store_contact {
	int64_t id;	     /* this segment's id (chosen by the daemon, non-zero) */
	int64_t call_id;     /* ACD call id, as in the event log */
	int64_t initial_id;  /* first segment of the interaction */
	int64_t previous_id; /* segment transferred from */
	int64_t next_id;     /* segment transferred to */
	int64_t client_id;
	const char *channel;   /* voice, callback, chat, email, task (NULL: voice) */
	const char *direction; /* inbound, outbound, internal */
	const char
	    *initiation; /* inbound, outbound, transfer, queue_transfer, callback, api, monitor */
	int64_t customer_id;
	const char *customer_number; /* E.164 */
	const char *system_number;
	int64_t queue_id;
	int64_t agent_id;
	int64_t t_initiated; /* required */
	int64_t t_enqueued, t_dequeued, t_connected, t_disconnected;
	int64_t hold_count, hold_ms;
	int64_t t_wrap_start, t_wrap_end;
	const char *disconnect_reason;
	int64_t disposition_id;
	const char *notes;
	const char *recording_ref;
	const char *attributes; /* JSON */
	int64_t updated_at;
};

/* Adds a step writing the whole record (insert, or replace every field of an existing id). */
int store_job_contact_put(struct store_job *job, const struct store_contact *c);
/* Decodes a row of store_q_contact_by_id / store_q_contacts_by_customer; strings point into rs. */
int store_contact_get(const struct store_rs *rs, unsigned row, struct store_contact *c);

/* $1 = contact id. */
extern const struct store_stmt store_q_contact_by_id;
/* $1 = customer id, $2 = most rows; newest first. */
extern const struct store_stmt store_q_contacts_by_customer;
/*
 * $1 = E.164 number (see base/phone.h), $2 = client id. Rows: customer id,
 * name, external_ref, language; the most recently updated customer first.
 */
extern const struct store_stmt store_q_customer_by_phone;

/*
 * Adds the steps that erase a customer (a data-protection request): their
 * phones and account items are deleted, the personal fields of their contact
 * records (number, notes, recording reference, attributes) and callbacks are
 * cleared, audit rows about them lose their before/after, the customer row
 * is deleted and the erasure itself is audited. Contact records of calls from
 * the customer's numbers that were never linked to another customer are
 * anonymised too. The job's rows are the recording references that were
 * cleared (column 0): the daemon deletes those files after the commit. The
 * job fails with ENOENT when there is no such customer. Event rows hold only
 * ids, which then lead nowhere.
 */
int store_job_customer_erase(struct store_job *job, int64_t customer_id, int64_t actor_user,
			     int64_t now);

/*
 * Adds the steps run once at start: contact records still open (no
 * disconnect time: the process died during the call) are closed at `at` with
 * disconnect reason "interrupted", open wrap-ups end at `at`, callbacks being
 * dialled go back to pending. Rows: id, call_id, queue_id, agent_id of every
 * record closed.
 */
int store_job_close_interrupted(struct store_job *job, int64_t at);

#endif
