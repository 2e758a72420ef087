/* sse: the event hub behind GET /api/v1/events (see sse.h). */
#include "http/sse.h"
#include "http/evloop.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/users.h"
#include "http/util.h"
#include "base/idmap.h"
#include "base/dlist.h"
#include "base/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_HIGH  16384 /* stop rendering events into a client's buffer beyond this */
#define PAGE_SIZE 500	/* events asked from the replay source at a time */

struct ring_ev {
	struct sse_event ev; /* type and data owned */
};

struct client {
	struct dlist le;	 /* in hub->clients */
	uint64_t ticket; /* key in hub->tickets; also names replay requests */
	struct sse_hub *hub;
	struct http_stream *st;
	uint64_t user_id, session_id;
	uint64_t cursor; /* last event id delivered or skipped */
	struct http_buf out;
	size_t out_off;
	bool hello_sent, hb_due, fetching, ending;
};

struct sse_hub {
	struct sse_config cfg;
	struct http_server *srv;
	const struct userdir *users;
	struct ring_ev *ring;
	unsigned head, n; /* oldest at head */
	uint64_t last_seq;
	struct dlist clients;
	unsigned nclients;
	struct idmap tickets; /* ticket -> client */
	uint64_t next_ticket;
	struct evl_timer *hb;
	sse_filter_h *filter;
	void *filter_arg;
	struct sse_replay replay;
	bool (*session_live)(void *arg, uint64_t session_id);
	void *session_arg;
};

void sse_config_defaults(struct sse_config *c)
{
	c->ring_size = 4096;
	c->heartbeat_ms = 15000;
	c->max_clients = 2048;
}

bool sse_filter_default(const struct sse_event *ev, const struct user *viewer, void *arg)
{
	(void)arg;
	if (!viewer || viewer->disabled)
		return false;
	if (ev->user_id && ev->user_id == viewer->id)
		return true;
	if (ev->roles && !(ev->roles & ROLE_BIT(viewer->role)))
		return false;
	if (ev->client_id && !user_may_see_client(viewer, ev->client_id))
		return false;
	if (ev->agent_id)
		return user_may_see_agent(viewer, ev->agent_id, ev->team_id);
	if (ev->team_id)
		return user_may_see_team(viewer, ev->team_id);
	return true;
}

static void client_wake(struct client *c)
{
	if (c->st)
		http_stream_wake(c->st);
}

static void on_heartbeat(void *arg)
{
	struct sse_hub *h = arg;
	dlist_for_each(it, &h->clients)
	{
		struct client *c = (struct client *)it;
		if (h->session_live && !h->session_live(h->session_arg, c->session_id)) {
			c->ending = true;
			http_stream_end(c->st);
			continue;
		}
		c->hb_due = true;
		client_wake(c);
	}
	evl_timer_start(h->hb, (uint64_t)h->cfg.heartbeat_ms, on_heartbeat, h);
}

int sse_hub_alloc(struct sse_hub **hp, const struct sse_config *cfg, struct http_server *srv,
		  const struct userdir *users)
{
	if (!cfg || cfg->ring_size == 0 || cfg->heartbeat_ms <= 0 || !srv || !users)
		return EINVAL;
	struct sse_hub *h = sb_zalloc(sizeof(*h));
	if (!h)
		return ENOMEM;
	h->ring = sb_calloc(cfg->ring_size, sizeof(*h->ring));
	if (!h->ring || evl_timer_alloc(&h->hb)) {
		sb_free(h->ring);
		sb_free(h);
		return ENOMEM;
	}
	h->cfg = *cfg;
	h->srv = srv;
	h->users = users;
	h->filter = sse_filter_default;
	dlist_init(&h->clients);
	idmap_init(&h->tickets);
	evl_timer_start(h->hb, (uint64_t)cfg->heartbeat_ms, on_heartbeat, h);
	*hp = h;
	return 0;
}

static void ring_clear_slot(struct ring_ev *r)
{
	sb_free((void *)r->ev.type);
	sb_free((void *)r->ev.data);
	memset(r, 0, sizeof(*r));
}

void sse_hub_free(struct sse_hub *h)
{
	if (!h)
		return;
	evl_timer_free(h->hb);
	/* the streams end on their own; detach them from the hub */
	while (!dlist_empty(&h->clients)) {
		struct client *c = (struct client *)dlist_first(&h->clients);
		dlist_unlink(&c->le);
		idmap_del(&h->tickets, c->ticket);
		c->hub = NULL;
		c->ending = true;
		http_stream_end(c->st);
	}
	for (unsigned i = 0; i < h->cfg.ring_size; i++)
		ring_clear_slot(&h->ring[i]);
	sb_free(h->ring);
	idmap_release(&h->tickets);
	sb_free(h);
}

void sse_hub_set_filter(struct sse_hub *h, sse_filter_h *filter, void *arg)
{
	h->filter = filter ? filter : sse_filter_default;
	h->filter_arg = arg;
}

void sse_hub_set_replay(struct sse_hub *h, const struct sse_replay *src)
{
	if (src)
		h->replay = *src;
	else
		memset(&h->replay, 0, sizeof(h->replay));
}

void sse_hub_set_session_check(struct sse_hub *h, bool (*live)(void *arg, uint64_t session_id),
			       void *arg)
{
	h->session_live = live;
	h->session_arg = arg;
}

void sse_hub_set_last_seq(struct sse_hub *h, uint64_t seq)
{
	if (h->n == 0)
		h->last_seq = seq;
}

int sse_hub_skip_to(struct sse_hub *h, uint64_t seq)
{
	if (!dlist_empty(&h->clients) || seq <= h->last_seq)
		return EBUSY;
	/* with nobody listening the ring is not kept up: later clients replay from the log */
	while (h->n) {
		ring_clear_slot(&h->ring[h->head]);
		h->head = (h->head + 1) % h->cfg.ring_size;
		h->n--;
	}
	h->last_seq = seq;
	return 0;
}

uint64_t sse_hub_last_seq(const struct sse_hub *h)
{
	return h->last_seq;
}

unsigned sse_hub_clients(const struct sse_hub *h)
{
	return h->nclients;
}

static bool type_ok(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

int sse_hub_publish(struct sse_hub *h, const struct sse_event *ev)
{
	if (!ev || ev->seq <= h->last_seq || !type_ok(ev->type) || !ev->data)
		return EINVAL;
	char *type = sb_strdup(ev->type);
	char *data = sb_strdup(ev->data);
	if (!type || !data) {
		sb_free(type);
		sb_free(data);
		return ENOMEM;
	}
	struct ring_ev *slot;
	if (h->n == h->cfg.ring_size) {
		slot = &h->ring[h->head];
		ring_clear_slot(slot);
		h->head = (h->head + 1) % h->cfg.ring_size;
	} else {
		slot = &h->ring[(h->head + h->n) % h->cfg.ring_size];
		h->n++;
	}
	slot->ev = *ev;
	slot->ev.type = type;
	slot->ev.data = data;
	h->last_seq = ev->seq;
	dlist_for_each(it, &h->clients) client_wake((struct client *)it);
	return 0;
}

static const struct sse_event *ring_at(const struct sse_hub *h, unsigned i)
{
	return &h->ring[(h->head + i) % h->cfg.ring_size].ev;
}

/* Oldest sequence number the ring can serve (last + 1 when empty). */
static uint64_t ring_first(const struct sse_hub *h)
{
	return h->n ? ring_at(h, 0)->seq : h->last_seq + 1;
}

/* Index of the first ring event with seq > after. */
static unsigned ring_after(const struct sse_hub *h, uint64_t after)
{
	unsigned lo = 0, hi = h->n;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (ring_at(h, mid)->seq <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void render(struct client *c, const struct sse_event *ev)
{
	http_buf_printf(&c->out, "id: %llu\nevent: %s\n", (unsigned long long)ev->seq, ev->type);
	const char *p = ev->data;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		http_buf_add(&c->out, "data: ", 6);
		http_buf_add(&c->out, p, len);
		http_buf_add(&c->out, "\n", 1);
		if (!nl)
			break;
		p = nl + 1;
	}
	http_buf_add(&c->out, "\n", 1);
}

static void send_reset(struct client *c, uint64_t to)
{
	http_buf_printf(&c->out, "id: %llu\nevent: reset\ndata: {\"last_event_id\":%llu}\n\n",
			(unsigned long long)to, (unsigned long long)to);
	c->cursor = to;
}

/* Renders what the client should get next into its buffer. */
static void fill(struct client *c, const struct user *u)
{
	struct sse_hub *h = c->hub;
	if (!c->hello_sent) {
		http_buf_printf(&c->out, "retry: 2000\n: switchboard events\n\n");
		c->hello_sent = true;
	}
	if (c->cursor > h->last_seq)
		send_reset(c, h->last_seq); /* the log restarted behind the client's back */
	uint64_t first = ring_first(h);
	if (c->cursor + 1 < first) {
		if (h->replay.fetch && !c->fetching) {
			c->fetching = true;
			if (h->replay.fetch(h->replay.arg, c->ticket, c->cursor, first,
					    PAGE_SIZE) == 0)
				return;
			c->fetching = false;
		}
		send_reset(c, first - 1);
	}
	for (unsigned i = ring_after(h, c->cursor); i < h->n && c->out.len < OUT_HIGH; i++) {
		const struct sse_event *ev = ring_at(h, i);
		if (h->filter(ev, u, h->filter_arg))
			render(c, ev);
		c->cursor = ev->seq;
	}
}

static ssize_t client_read(void *arg, char *buf, size_t max)
{
	struct client *c = arg;
	if (c->ending || !c->hub)
		return -1;
	if (c->out_off >= c->out.len) {
		c->out.len = 0;
		c->out_off = 0;
		if (c->fetching)
			return 0;
		const struct user *u = userdir_get(c->hub->users, c->user_id);
		if (!u || u->disabled)
			return -1;
		fill(c, u);
		if (c->out.len == 0 && c->hb_due && !c->fetching)
			http_buf_add(&c->out, ": heartbeat\n\n", 13);
		if (c->out.len == 0)
			return 0;
		c->hb_due = false;
	}
	size_t n = c->out.len - c->out_off;
	if (n > max)
		n = max;
	memcpy(buf, c->out.p + c->out_off, n);
	c->out_off += n;
	return (ssize_t)n;
}

static void client_release(void *arg)
{
	struct client *c = arg;
	if (c->hub) {
		dlist_unlink(&c->le);
		idmap_del(&c->hub->tickets, c->ticket);
		c->hub->nclients--;
	}
	http_buf_free(&c->out);
	sb_free(c);
}

static int parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s)
		return EINVAL;
	uint64_t n = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return EINVAL;
		unsigned d = (unsigned)(*p - '0');
		if (n > (UINT64_MAX - d) / 10)
			return EINVAL;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

static void on_events(struct http_req *req, void *arg)
{
	struct sse_hub *h = arg;
	if (h->nclients >= h->cfg.max_clients) {
		http_reply_error(req, 503, "too_many_streams", "too many event streams open");
		return;
	}
	const char *lei = http_req_header(req, "Last-Event-ID");
	if (!lei)
		lei = http_req_query(req, "last_event_id");
	uint64_t cursor = h->last_seq;
	if (lei && parse_u64(lei, &cursor) != 0) {
		http_reply_error(req, 400, "invalid_last_event_id",
				 "Last-Event-ID must be a decimal event id");
		return;
	}
	struct client *c = sb_zalloc(sizeof(*c));
	if (!c) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	c->hub = h;
	c->ticket = ++h->next_ticket;
	c->user_id = http_req_user_id(req);
	c->session_id = http_req_session_id(req);
	c->cursor = cursor;
	dlist_init(&c->le);
	if (idmap_put(&h->tickets, c->ticket, c) != 0) {
		sb_free(c);
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	dlist_append(&h->clients, &c->le);
	h->nclients++;
	if (http_reply_stream(req, 200, "text/event-stream", client_read, client_release, c,
			      &c->st) != 0) {
		client_release(c);
		http_reply_error(req, 500, "internal", "out of memory");
	}
}

int sse_hub_add_routes(struct sse_hub *h)
{
	static const char resp_schema[] =
	    "{\"type\":\"string\",\"description\":\"server-sent events: 'id: <seq>', "
	    "'event: <type>', 'data: <JSON>'; comment lines as heartbeats; an event 'reset' "
	    "when events were lost (reload state)\"}";
	struct http_route r = {
	    .method = HTTP_GET,
	    .pattern = "/api/v1/events",
	    .roles = ROLES_ALL,
	    .h = on_events,
	    .arg = h,
	    .summary = "Live events (server-sent events) the caller may see; resumes after "
		       "Last-Event-ID",
	    .tag = "events",
	    .response_schema = resp_schema,
	    .response_type = "text/event-stream",
	    .errors = "400 503",
	};
	return http_server_route(h->srv, &r);
}

static void collect_clients(struct metrics_out *out, void *arg)
{
	const struct sse_hub *h = arg;
	metrics_sample(out, h->nclients, NULL);
}

static void collect_seq(struct metrics_out *out, void *arg)
{
	const struct sse_hub *h = arg;
	metrics_sample(out, (double)h->last_seq, NULL);
}

int sse_hub_add_metrics(struct sse_hub *h, struct metrics *m)
{
	int err = metrics_register(m, "sb_sse_clients", "Open event streams", METRICS_GAUGE,
				   collect_clients, h);
	if (!err)
		err = metrics_register(m, "sb_events_last_seq", "Sequence number of the last event",
				       METRICS_GAUGE, collect_seq, h);
	return err;
}

void sse_hub_replay_push(struct sse_hub *h, uint64_t ticket, const struct sse_event *ev)
{
	struct client *c = idmap_get(&h->tickets, ticket);
	if (!c || !c->fetching || !ev || ev->seq <= c->cursor)
		return;
	const struct user *u = userdir_get(h->users, c->user_id);
	if (u && h->filter(ev, u, h->filter_arg))
		render(c, ev);
	c->cursor = ev->seq;
}

void sse_hub_replay_end(struct sse_hub *h, uint64_t ticket, int err)
{
	struct client *c = idmap_get(&h->tickets, ticket);
	if (!c || !c->fetching)
		return;
	c->fetching = false;
	if (err) {
		uint64_t first = ring_first(h);
		if (c->cursor + 1 < first)
			send_reset(c, first - 1);
	}
	client_wake(c);
}

void sse_hub_end_session(struct sse_hub *h, uint64_t session_id)
{
	dlist_for_each(it, &h->clients)
	{
		struct client *c = (struct client *)it;
		if (c->session_id == session_id) {
			c->ending = true;
			http_stream_end(c->st);
		}
	}
}

void sse_hub_end_user(struct sse_hub *h, uint64_t user_id)
{
	dlist_for_each(it, &h->clients)
	{
		struct client *c = (struct client *)it;
		if (c->user_id == user_id) {
			c->ending = true;
			http_stream_end(c->st);
		}
	}
}
