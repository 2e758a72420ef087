/* events: the append-only event log: insert parameters, pages in seq order, decoding, scans. */
#include "store/store_impl.h"

#include <errno.h>
#include <string.h>

#define EVENT_COLS                                                                                 \
	"seq, time, kind, type, from_state, to_state, flags, priority, call_id, queue_id, "        \
	"agent_id, target, reason, position, count, t_enter, wait_ms, dur_ms, hold_ms, "           \
	"disposition, user_id, data"

const struct store_stmt store_stmt_event_insert = {
    "event_insert",
    "INSERT INTO events (" EVENT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
    "$12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
    NULL};

/* "+time" keeps SQLite on the primary key (seq order) instead of the time index. */
static const struct store_stmt events_page = {
    "events_page",
    "SELECT " EVENT_COLS " FROM events WHERE seq > $1 AND +time >= $2 ORDER BY seq LIMIT $3", NULL};

static const struct store_stmt events_first_since = {
    "events_first_since", "SELECT MIN(seq) FROM events WHERE time >= $1 AND seq > $2", NULL};

static const struct store_stmt events_last = {
    "events_last", "SELECT seq, time FROM events ORDER BY seq DESC LIMIT 1", NULL};

#define SCAN_PAGE 1000

static struct store_value opt_int(int64_t v)
{
	return v ? store_int(v) : store_null();
}

void store_event_params(const struct store_event *e, struct store_value p[STORE_EVENT_PARAMS])
{
	const struct acd_event *ev = &e->ev;
	p[0] = store_int((int64_t)e->seq);
	p[1] = store_int(ev->time);
	p[2] = store_text(e->kind);
	p[3] = store_int(ev->type);
	p[4] = store_int(ev->from);
	p[5] = store_int(ev->to);
	p[6] = store_int(ev->flags);
	p[7] = store_int(ev->priority);
	p[8] = opt_int((int64_t)ev->call);
	p[9] = opt_int(ev->queue);
	p[10] = opt_int(ev->agent);
	p[11] = opt_int(ev->target);
	p[12] = store_int(ev->reason);
	p[13] = store_int(ev->position);
	p[14] = store_int(ev->count);
	p[15] = store_int(ev->t_enter);
	p[16] = store_int(ev->wait_ms);
	p[17] = store_int(ev->dur_ms);
	p[18] = store_int(ev->hold_ms);
	p[19] = opt_int((int64_t)ev->disposition);
	p[20] = opt_int(e->user);
	p[21] = store_text(e->data);
}

int store_event_get(const struct store_rs *rs, unsigned row, struct store_event *e)
{
	if (!rs || !e || row >= store_rs_rows(rs) || store_rs_cols(rs, row) != STORE_EVENT_PARAMS)
		return EINVAL;
	memset(e, 0, sizeof(*e));
	struct acd_event *ev = &e->ev;
	e->seq = (uint64_t)store_rs_int(rs, row, 0);
	ev->time = store_rs_int(rs, row, 1);
	e->kind = store_rs_text(rs, row, 2);
	ev->type = (uint16_t)store_rs_int(rs, row, 3);
	ev->from = (uint8_t)store_rs_int(rs, row, 4);
	ev->to = (uint8_t)store_rs_int(rs, row, 5);
	ev->flags = (uint8_t)store_rs_int(rs, row, 6);
	ev->priority = (int32_t)store_rs_int(rs, row, 7);
	ev->call = (uint64_t)store_rs_int(rs, row, 8);
	ev->queue = (uint32_t)store_rs_int(rs, row, 9);
	ev->agent = (uint32_t)store_rs_int(rs, row, 10);
	ev->target = (uint32_t)store_rs_int(rs, row, 11);
	ev->reason = (uint32_t)store_rs_int(rs, row, 12);
	ev->position = (uint32_t)store_rs_int(rs, row, 13);
	ev->count = (uint32_t)store_rs_int(rs, row, 14);
	ev->t_enter = store_rs_int(rs, row, 15);
	ev->wait_ms = store_rs_int(rs, row, 16);
	ev->dur_ms = store_rs_int(rs, row, 17);
	ev->hold_ms = store_rs_int(rs, row, 18);
	ev->disposition = (uint64_t)store_rs_int(rs, row, 19);
	e->user = (uint32_t)store_rs_int(rs, row, 20);
	e->data = store_rs_text(rs, row, 21);
	return 0;
}

int store_events_read(struct store *st, uint64_t after_seq, int64_t since, unsigned limit,
		      store_done_h *done, void *arg)
{
	if (limit == 0 || limit > 10000 || after_seq > (uint64_t)INT64_MAX)
		return EINVAL;
	struct store_value p[3] = {store_int((int64_t)after_seq), store_int(since),
				   store_int(limit)};
	return store_query(st, &events_page, p, 3, done, arg);
}

int store_events_last_sync(struct store *st, uint64_t *seq, int64_t *time)
{
	struct store_rs *rs;
	if (!seq || !time)
		return EINVAL;
	int err = store_query_sync(st, &events_last, NULL, 0, &rs);
	if (err)
		return err;
	*seq = (uint64_t)store_rs_int(rs, 0, 0);
	*time = store_rs_int(rs, 0, 1);
	store_rs_free(rs);
	return 0;
}

int store_events_scan_sync(struct store *st, uint64_t after_seq, int64_t since,
			   int (*cb)(const struct store_event *ev, void *arg), void *arg)
{
	if (!st || !cb || after_seq > (uint64_t)INT64_MAX)
		return EINVAL;
	struct store_rs *rs;
	int err;
	if (since > 0) {
		/* start at the first event of the period, then page by seq alone */
		struct store_value p[2] = {store_int(since), store_int((int64_t)after_seq)};
		err = store_query_sync(st, &events_first_since, p, 2, &rs);
		if (err)
			return err;
		bool none = store_rs_is_null(rs, 0, 0);
		uint64_t first = (uint64_t)store_rs_int(rs, 0, 0);
		store_rs_free(rs);
		if (none)
			return 0;
		if (first - 1 > after_seq)
			after_seq = first - 1;
	}
	for (;;) {
		struct store_value p[3] = {store_int((int64_t)after_seq), store_int(since),
					   store_int(SCAN_PAGE)};
		err = store_query_sync(st, &events_page, p, 3, &rs);
		if (err)
			return err;
		unsigned n = store_rs_rows(rs);
		for (unsigned i = 0; i < n && !err; i++) {
			struct store_event ev;
			err = store_event_get(rs, i, &ev);
			if (!err) {
				after_seq = ev.seq;
				err = cb(&ev, arg);
			}
		}
		store_rs_free(rs);
		if (err || n < SCAN_PAGE)
			return err;
	}
}
