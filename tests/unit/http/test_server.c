/* Tests for the server in a real libre loop: async replies, cancellation, SSE replay. */
#include "testutil.h"

#include "http/evloop.h"
#include "http/http.h"
#include "http/sse.h"
#include "http/users.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <re.h>

/* --- the daemon side, on the loop thread --- */

struct fixture {
	struct http_server *srv;
	struct userdir *users;
	struct sse_hub *hub;
	struct evl_timer *later, *replay;
	struct evl_fd *stopw;
	int stop_pipe[2];
	uint64_t later_id, gone_id;
	bool gone_found_after_cancel;
	/* replay source */
	uint64_t ticket, after, before;
	unsigned fetches;
};

static struct fixture fx;

static void identify(void *arg, struct http_req *req)
{
	(void)arg;
	const char *who = http_req_header(req, "X-Test-User");
	if (who) {
		const struct user *u = userdir_get(fx.users, (uint64_t)strtoull(who, NULL, 10));
		if (u)
			http_req_set_auth(req, u, HTTP_AUTH_BEARER, 1, NULL);
	}
}

static void later_fire(void *arg)
{
	(void)arg;
	struct http_req *req = http_server_req_find(fx.srv, fx.later_id);
	assert_non_null(req);
	cJSON *b = cJSON_CreateObject();
	cJSON_AddBoolToObject(b, "late", 1);
	http_reply_json(req, 201, b);
	/* answered: the id no longer resolves */
	assert_null(http_server_req_find(fx.srv, fx.later_id));
}

static void on_later(struct http_req *req, void *arg)
{
	(void)arg;
	fx.later_id = http_req_id(req);
	evl_timer_start(fx.later, 50, later_fire, NULL);
}

static void on_gone(struct http_req *req, void *arg)
{
	(void)arg;
	fx.gone_id = http_req_id(req); /* never answered by the handler */
}

/* The "event log": events 1..20; each fetch answers at most 5, 20 ms later. */
static void replay_fire(void *arg)
{
	(void)arg;
	unsigned n = 0;
	for (uint64_t seq = fx.after + 1; seq < fx.before && n < 5; seq++, n++) {
		char data[64];
		snprintf(data, sizeof(data), "{\"n\":%llu}", (unsigned long long)seq);
		struct sse_event ev = {.seq = seq, .type = "test", .data = data};
		sse_hub_replay_push(fx.hub, fx.ticket, &ev);
	}
	sse_hub_replay_end(fx.hub, fx.ticket, 0);
}

static int replay_fetch(void *arg, uint64_t ticket, uint64_t after, uint64_t before, unsigned max)
{
	(void)arg;
	assert_true(max >= 5);
	fx.ticket = ticket;
	fx.after = after;
	fx.before = before;
	fx.fetches++;
	evl_timer_start(fx.replay, 20, replay_fire, NULL);
	return 0;
}

static void stopped(void *arg)
{
	(void)arg;
	/* the suspended request was cancelled with 503: its id no longer resolves */
	fx.gone_found_after_cancel = http_server_req_find(fx.srv, fx.gone_id) != NULL;
	re_cancel();
}

static void on_stop(void *arg)
{
	(void)arg;
	char c;
	if (read(fx.stop_pipe[0], &c, 1) == 1)
		http_server_shutdown(fx.srv, 1000, stopped, NULL);
}

/* --- the client side, on its own thread --- */

struct client_result {
	uint16_t port;
	char later[512];
	char gone[512];
	char events[8192];
};

static int connect_to(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	struct timeval tv = {.tv_sec = 10};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Sends req and reads into out until `until` appears (or the peer closes). */
static void exchange(uint16_t port, const char *req, const char *until, char *out, size_t len)
{
	int fd = connect_to(port);
	size_t got = 0;
	out[0] = '\0';
	if (fd < 0)
		return;
	if (write(fd, req, strlen(req)) == (ssize_t)strlen(req)) {
		while (got + 1 < len) {
			ssize_t n = read(fd, out + got, len - got - 1);
			if (n <= 0)
				break;
			got += (size_t)n;
			out[got] = '\0';
			if (until && strstr(out, until))
				break;
		}
	}
	close(fd);
}

static void *client(void *arg)
{
	struct client_result *r = arg;
	exchange(r->port, "GET /later HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", NULL,
		 r->later, sizeof(r->later));
	exchange(r->port,
		 "GET /api/v1/events HTTP/1.1\r\nHost: t\r\nX-Test-User: 1\r\n"
		 "Last-Event-ID: 3\r\n\r\n",
		 "id: 20\n", r->events, sizeof(r->events));
	/* this one waits until shutdown answers it */
	int fd = connect_to(r->port);
	const char *req = "GET /gone HTTP/1.1\r\nHost: t\r\n\r\n";
	if (fd >= 0 && write(fd, req, strlen(req)) == (ssize_t)strlen(req)) {
		usleep(100000);
		char c = 's';
		if (write(fx.stop_pipe[1], &c, 1) != 1)
			abort();
		size_t got = 0;
		ssize_t n;
		while ((n = read(fd, r->gone + got, sizeof(r->gone) - got - 1)) > 0)
			got += (size_t)n;
		r->gone[got] = '\0';
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void test_async_and_replay(void **state)
{
	(void)state;
	assert_int_equal(libre_init(), 0);
	memset(&fx, 0, sizeof(fx));
	assert_int_equal(userdir_alloc(&fx.users), 0);
	struct user admin = {.id = 1, .username = "admin", .role = ROLE_ADMIN};
	assert_int_equal(userdir_put(fx.users, &admin), 0);
	struct http_config cfg;
	http_config_defaults(&cfg);
	cfg.port = 0;
	assert_int_equal(http_server_alloc(&fx.srv, &cfg, NULL), 0);
	struct http_auth_hook hook = {identify, NULL};
	http_server_set_auth(fx.srv, &hook);
	struct http_route later = {.method = HTTP_GET,
				   .pattern = "/later",
				   .h = on_later,
				   .summary = "answers 50 ms later"};
	struct http_route gone = {
	    .method = HTTP_GET, .pattern = "/gone", .h = on_gone, .summary = "never answers"};
	assert_int_equal(http_server_route(fx.srv, &later), 0);
	assert_int_equal(http_server_route(fx.srv, &gone), 0);
	struct sse_config sc;
	sse_config_defaults(&sc);
	sc.ring_size = 4;
	assert_int_equal(sse_hub_alloc(&fx.hub, &sc, fx.srv, fx.users), 0);
	assert_int_equal(sse_hub_add_routes(fx.hub), 0);
	struct sse_replay src = {replay_fetch, NULL};
	sse_hub_set_replay(fx.hub, &src);
	for (uint64_t seq = 1; seq <= 20; seq++) {
		char data[64];
		snprintf(data, sizeof(data), "{\"n\":%llu}", (unsigned long long)seq);
		struct sse_event ev = {.seq = seq, .type = "test", .data = data};
		assert_int_equal(sse_hub_publish(fx.hub, &ev), 0);
	}
	struct sse_event stale = {.seq = 20, .type = "test", .data = "{}"};
	assert_int_equal(sse_hub_publish(fx.hub, &stale), EINVAL);
	assert_int_equal(evl_timer_alloc(&fx.later), 0);
	assert_int_equal(evl_timer_alloc(&fx.replay), 0);
	assert_int_equal(pipe(fx.stop_pipe), 0);
	assert_int_equal(evl_fd_listen(&fx.stopw, fx.stop_pipe[0], on_stop, NULL), 0);
	assert_int_equal(http_server_start(fx.srv), 0);

	struct client_result *r = calloc(1, sizeof(*r));
	r->port = http_server_port(fx.srv);
	assert_true(r->port > 0);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, client, r), 0);
	re_main(NULL);
	pthread_join(th, NULL);

	evl_fd_close(fx.stopw);
	close(fx.stop_pipe[0]);
	close(fx.stop_pipe[1]);
	evl_timer_free(fx.later);
	evl_timer_free(fx.replay);
	sse_hub_free(fx.hub);
	http_server_free(fx.srv);
	userdir_free(fx.users);
	libre_close();

	/* the asynchronous reply arrived with its status */
	assert_non_null(strstr(r->later, "HTTP/1.1 201"));
	assert_non_null(strstr(r->later, "{\"late\":true}"));
	/* the stream replayed 4..16 from the source, in pages, then 17..20 from the ring */
	char want[32];
	const char *p = r->events;
	for (unsigned id = 4; id <= 20; id++) {
		snprintf(want, sizeof(want), "id: %u\n", id);
		const char *q = strstr(p, want);
		assert_non_null(q);
		p = q + strlen(want);
	}
	assert_null(strstr(r->events, "id: 3\n"));
	assert_null(strstr(r->events, "event: reset"));
	assert_true(fx.fetches >= 3); /* 13 events at 5 a page */
	/* shutdown answered the suspended request */
	assert_non_null(strstr(r->gone, "HTTP/1.1 503"));
	assert_non_null(strstr(r->gone, "shutting_down"));
	assert_false(fx.gone_found_after_cancel);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_async_and_replay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
