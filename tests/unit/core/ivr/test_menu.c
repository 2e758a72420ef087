/* Tests for core/ivr menus: the JSON reader (good and malformed definitions) and the per-call
 * runner. */
#include "testutil.h"

#include "core/ivr/ivr_json.h"
#include "core/ivr/menu.h"

#include "base/phone.h"
#include "base/rng.h"

#include <string.h>

static const char menu_doc[] =
    "{\"languages\": [\"en\", \"es\"], \"start\": \"lang\", \"nodes\": {\n"
    " \"lang\": {\"type\": \"language\", \"prompts\": [\"lang/choose\"], \"timeout_ms\": 4000, "
    "\"retries\": 1,\n"
    "   \"choices\": {\"1\": {\"language\": \"en\", \"node\": \"main\"}, \"2\": {\"language\": "
    "\"es\", \"node\": "
    "\"main\"}},\n"
    "   \"on_fail\": {\"node\": \"main\"}},\n"
    " \"main\": {\"type\": \"menu\", \"prompts\": [\"main/welcome\", \"main/options\"], "
    "\"timeout_ms\": 5000,\n"
    "   \"retries\": 2, \"invalid_prompt\": \"invalid\", \"timeout_prompt\": \"no-input\",\n"
    "   \"choices\": {\"1\": {\"queue\": 10}, \"2\": {\"queue\": 20}, \"3\": {\"node\": "
    "\"hours\"},\n"
    "     \"0\": {\"transfer\": \"+4930123456\"}, \"*\": {\"repeat\": true}, \"9\": {\"callback\": "
    "10},\n"
    "     \"8\": {\"node\": \"vm\"}, \"#\": {\"hangup\": true}},\n"
    "   \"on_fail\": {\"queue\": 10}},\n"
    " \"hours\": {\"type\": \"play\", \"prompts\": [\"info/hours\"], \"next\": {\"node\": "
    "\"main\"}},\n"
    " \"vm\": {\"type\": \"record\", \"prompts\": [\"vm/leave\"], \"max_ms\": 60000, \"next\": "
    "{\"hangup\": true}}\n"
    "}}";

static void load(struct ivr_menu *m)
{
	char err[IVR_ERR_MAX] = "";
	int r = ivr_menu_parse(menu_doc, strlen(menu_doc), m, err, sizeof(err));
	if (r)
		fail_msg("menu did not parse: %d %s", r, err);
}

/* Takes the next action and checks its kind (and prompt/language when given). */
static void want(struct ivr_run *r, enum ivr_act_kind kind, const char *prompt, const char *lang)
{
	struct ivr_action a;
	assert_true(ivr_run_action(r, &a));
	assert_int_equal(a.kind, kind);
	if (prompt)
		assert_string_equal(a.prompt, prompt);
	if (lang)
		assert_string_equal(a.lang, lang);
}

static void none(struct ivr_run *r)
{
	struct ivr_action a;
	assert_false(ivr_run_action(r, &a));
}

static void parse_good(void **state)
{
	(void)state;
	struct ivr_menu m;
	load(&m);
	assert_int_equal(m.n_langs, 2);
	assert_int_equal(m.n_nodes, 4);
	assert_string_equal(m.nodes[m.start].name, "lang");
	int main_i = ivr_menu_find(&m, "main");
	assert_true(main_i >= 0);
	const struct ivr_node *n = &m.nodes[main_i];
	assert_int_equal(n->type, IVR_NODE_MENU);
	assert_int_equal(n->n_prompts, 2);
	assert_int_equal(n->timeout_ms, 5000);
	assert_int_equal(n->choice[ivr_key_index('1')].kind, IVR_DEST_QUEUE);
	assert_int_equal(n->choice[ivr_key_index('1')].queue, 10);
	assert_int_equal(n->choice[ivr_key_index('0')].kind, IVR_DEST_TRANSFER);
	assert_string_equal(n->choice[ivr_key_index('0')].number, "+4930123456");
	assert_int_equal(n->choice[ivr_key_index('*')].kind, IVR_DEST_REPEAT);
	assert_int_equal(n->choice[ivr_key_index('5')].kind, IVR_DEST_NONE);
	assert_int_equal(n->on_fail.kind, IVR_DEST_QUEUE);
	assert_int_equal(m.nodes[ivr_menu_find(&m, "lang")].choice[ivr_key_index('2')].lang, 1);
	assert_int_equal(ivr_menu_check(&m), 0);
	ivr_menu_clear(&m);
}

static void language_then_queue(void **state)
{
	(void)state;
	struct ivr_menu m;
	load(&m);
	struct ivr_run *r;
	assert_int_equal(ivr_run_alloc(&r, &m, 1000), 0);
	want(r, IVR_ACT_PLAY, "lang/choose", "en");
	none(r);
	assert_int_equal(ivr_run_next_deadline(r), INT64_MAX); /* no timer while the prompt plays */
	assert_int_equal(ivr_run_prompt_done(r, 3000), 0);
	assert_int_equal(ivr_run_next_deadline(r), 7000);
	assert_int_equal(ivr_run_digit(r, '2', 4000), 0);
	assert_string_equal(ivr_run_lang(r), "es");
	want(r, IVR_ACT_PLAY, "main/welcome", "es");
	assert_int_equal(ivr_run_prompt_done(r, 6000), 0);
	want(r, IVR_ACT_PLAY, "main/options", "es");
	assert_int_equal(ivr_run_prompt_done(r, 8000), 0);
	none(r);
	assert_int_equal(ivr_run_next_deadline(r), 13000);
	assert_int_equal(ivr_run_digit(r, '2', 9000), 0);
	struct ivr_action a;
	assert_true(ivr_run_action(r, &a));
	assert_int_equal(a.kind, IVR_ACT_QUEUE);
	assert_int_equal(a.queue, 20);
	assert_string_equal(a.lang, "es");
	assert_true(ivr_run_finished(r));
	assert_int_equal(ivr_run_next_deadline(r), INT64_MAX);
	assert_int_equal(ivr_run_digit(r, '1', 9500), EBUSY);
	assert_int_equal(ivr_run_digit(r, 'x', 9500), EINVAL);
	ivr_run_free(r);
	ivr_menu_clear(&m);
}

static void barge_in_and_transfer(void **state)
{
	(void)state;
	struct ivr_menu m;
	load(&m);
	struct ivr_run *r;
	assert_int_equal(ivr_run_alloc(&r, &m, 0), 0);
	want(r, IVR_ACT_PLAY, "lang/choose", "en");
	assert_int_equal(ivr_run_digit(r, '1', 500), 0); /* during the prompt */
	want(r, IVR_ACT_STOP, NULL, NULL);
	want(r, IVR_ACT_PLAY, "main/welcome", "en");
	assert_int_equal(ivr_run_digit(r, '0', 900), 0);
	want(r, IVR_ACT_STOP, NULL, NULL);
	struct ivr_action a;
	assert_true(ivr_run_action(r, &a));
	assert_int_equal(a.kind, IVR_ACT_TRANSFER);
	assert_string_equal(a.number, "+4930123456");
	none(r);
	ivr_run_free(r);
	ivr_menu_clear(&m);
}

/* Skips the language menu with '1' and plays main's prompts to the end at time t. */
static struct ivr_run *at_main(struct ivr_menu *m, int64_t t)
{
	struct ivr_run *r;
	assert_int_equal(ivr_run_alloc(&r, m, 0), 0);
	assert_int_equal(ivr_run_prompt_done(r, 1), 0);
	assert_int_equal(ivr_run_digit(r, '1', 2), 0);
	want(r, IVR_ACT_PLAY, "lang/choose", NULL);
	want(r, IVR_ACT_PLAY, "main/welcome", NULL);
	assert_int_equal(ivr_run_prompt_done(r, 3), 0);
	want(r, IVR_ACT_PLAY, "main/options", NULL);
	assert_int_equal(ivr_run_prompt_done(r, t), 0);
	none(r);
	return r;
}

static void timeouts_and_retries(void **state)
{
	(void)state;
	struct ivr_menu m;
	load(&m);
	struct ivr_run *r = at_main(&m, 10000);
	assert_int_equal(ivr_run_next_deadline(r), 15000);
	ivr_run_advance(r, 14999);
	none(r);
	/* a late driver: the timeout happens at 15000 all the same */
	ivr_run_advance(r, 15200);
	want(r, IVR_ACT_PLAY, "no-input", "en");
	assert_int_equal(ivr_run_next_deadline(r), INT64_MAX);
	assert_int_equal(ivr_run_prompt_done(r, 16000), 0);
	want(r, IVR_ACT_PLAY, "main/welcome", NULL);
	assert_int_equal(ivr_run_prompt_done(r, 17000), 0);
	want(r, IVR_ACT_PLAY, "main/options", NULL);
	assert_int_equal(ivr_run_prompt_done(r, 18000), 0);
	/* a key without a choice is the second failure */
	assert_int_equal(ivr_run_digit(r, '5', 19000), 0);
	want(r, IVR_ACT_PLAY, "invalid", NULL);
	assert_int_equal(ivr_run_prompt_done(r, 20000), 0);
	want(r, IVR_ACT_PLAY, "main/welcome", NULL);
	/* '*' repeats the menu without counting a failure */
	assert_int_equal(ivr_run_digit(r, '*', 20500), 0);
	want(r, IVR_ACT_STOP, NULL, NULL);
	want(r, IVR_ACT_PLAY, "main/welcome", NULL);
	assert_int_equal(ivr_run_prompt_done(r, 21000), 0);
	want(r, IVR_ACT_PLAY, "main/options", NULL);
	assert_int_equal(ivr_run_prompt_done(r, 22000), 0);
	/* third failure > retries (2): on_fail sends the caller to queue 10 */
	ivr_run_advance(r, 27000);
	struct ivr_action a;
	assert_true(ivr_run_action(r, &a));
	assert_int_equal(a.kind, IVR_ACT_QUEUE);
	assert_int_equal(a.queue, 10);
	assert_true(ivr_run_finished(r));
	ivr_run_free(r);
	ivr_menu_clear(&m);
}

static void language_timeout_keeps_default(void **state)
{
	(void)state;
	struct ivr_menu m;
	load(&m);
	struct ivr_run *r;
	assert_int_equal(ivr_run_alloc(&r, &m, 0), 0);
	want(r, IVR_ACT_PLAY, "lang/choose", NULL);
	assert_int_equal(ivr_run_prompt_done(r, 1000), 0);
	ivr_run_advance(r, 5000); /* first timeout: no timeout prompt, so the menu again */
	want(r, IVR_ACT_PLAY, "lang/choose", NULL);
	assert_int_equal(ivr_run_prompt_done(r, 6000), 0);
	ivr_run_advance(r, 10000); /* retries 1 used up: on_fail main, default language */
	want(r, IVR_ACT_PLAY, "main/welcome", "en");
	assert_int_equal(ivr_run_node(r), ivr_menu_find(&m, "main"));
	ivr_run_free(r);
	ivr_menu_clear(&m);
}

static void play_and_record_nodes(void **state)
{
	(void)state;
	struct ivr_menu m;
	load(&m);
	struct ivr_run *r = at_main(&m, 10000);
	assert_int_equal(ivr_run_digit(r, '3', 11000), 0);
	want(r, IVR_ACT_PLAY, "info/hours", NULL);
	assert_int_equal(ivr_run_digit(r, '1', 11500), 0); /* play nodes ignore digits */
	none(r);
	assert_int_equal(ivr_run_prompt_done(r, 12000), 0);
	want(r, IVR_ACT_PLAY, "main/welcome", NULL); /* next: main, retries reset */
	assert_int_equal(ivr_run_digit(r, '8', 12500), 0);
	want(r, IVR_ACT_STOP, NULL, NULL);
	want(r, IVR_ACT_PLAY, "vm/leave", NULL);
	assert_int_equal(ivr_run_record_done(r, 12600), EBUSY);
	assert_int_equal(ivr_run_prompt_done(r, 13000), 0);
	struct ivr_action a;
	assert_true(ivr_run_action(r, &a));
	assert_int_equal(a.kind, IVR_ACT_RECORD);
	assert_int_equal(a.max_ms, 60000);
	assert_int_equal(ivr_run_prompt_done(r, 14000), EBUSY);
	assert_int_equal(ivr_run_record_done(r, 70000), 0);
	want(r, IVR_ACT_HANGUP, NULL, NULL);
	assert_true(ivr_run_finished(r));
	ivr_run_free(r);
	ivr_menu_clear(&m);
}

static void callback_choice(void **state)
{
	(void)state;
	struct ivr_menu m;
	load(&m);
	struct ivr_run *r = at_main(&m, 10000);
	assert_int_equal(ivr_run_digit(r, '9', 11000), 0);
	struct ivr_action a;
	assert_true(ivr_run_action(r, &a));
	assert_int_equal(a.kind, IVR_ACT_CALLBACK);
	assert_int_equal(a.queue, 10);
	ivr_run_free(r);
	ivr_menu_clear(&m);
}

/* A silent menu (no prompts): several timeouts fire in one late advance, each at its own time. */
static void silent_menu_chain(void **state)
{
	(void)state;
	static const char doc[] =
	    "{\"start\": \"m\", \"nodes\": {\"m\": {\"type\": \"menu\", \"timeout_ms\": 1000, "
	    "\"retries\": 5, \"choices\": {\"1\": {\"queue\": 3}}}}}";
	struct ivr_menu m;
	char err[IVR_ERR_MAX];
	assert_int_equal(ivr_menu_parse(doc, strlen(doc), &m, err, sizeof(err)), 0);
	assert_string_equal(m.langs[0], "en");
	struct ivr_run *r;
	assert_int_equal(ivr_run_alloc(&r, &m, 0), 0);
	none(r);
	assert_int_equal(ivr_run_next_deadline(r), 1000);
	ivr_run_advance(r, 2500);
	assert_int_equal(ivr_run_next_deadline(r), 3000);
	ivr_run_advance(r, 100000); /* 6th failure: on_fail default is hang up */
	want(r, IVR_ACT_HANGUP, NULL, NULL);
	ivr_run_free(r);
	ivr_menu_clear(&m);
}

static void expect_err(const char *doc, const char *want_msg)
{
	struct ivr_menu m;
	char err[IVR_ERR_MAX] = "";
	int r = ivr_menu_parse(doc, strlen(doc), &m, err, sizeof(err));
	if (r != EBADMSG || !strstr(err, want_msg))
		fail_msg("for %s\nwanted EBADMSG with \"%s\", got %d \"%s\"", doc, want_msg, r,
			 err);
	assert_null(m.nodes);
}

#define NODE_MAIN(body) "{\"start\": \"main\", \"nodes\": {\"main\": " body "}}"

/* An "agent" choice: the runner ends with IVR_ACT_AGENT naming the extension; only digits. */
static void agent_choice(void **state)
{
	(void)state;
	static const char doc[] =
	    NODE_MAIN("{\"type\": \"menu\", \"prompts\": [\"p\"], "
		      "\"choices\": {\"4\": {\"agent\": \"1002\"}, "
		      "\"5\": {\"agent\": \"1003\", \"fallback_queue\": 7, \"ring_seconds\": 5}}}");
	struct ivr_menu m;
	char err[IVR_ERR_MAX] = "";
	assert_int_equal(ivr_menu_parse(doc, strlen(doc), &m, err, sizeof(err)), 0);
	assert_int_equal(m.nodes[0].choice[ivr_key_index('4')].kind, IVR_DEST_AGENT);
	assert_int_equal(m.nodes[0].choice[ivr_key_index('5')].queue, 7); /* the fallback */
	struct ivr_run *r;
	assert_int_equal(ivr_run_alloc(&r, &m, 0), 0);
	want(r, IVR_ACT_PLAY, "p", NULL);
	assert_int_equal(ivr_run_digit(r, '4', 10), 0);
	struct ivr_action a;
	do
		assert_true(ivr_run_action(r, &a));
	while (a.kind == IVR_ACT_STOP);
	assert_int_equal(a.kind, IVR_ACT_AGENT);
	assert_string_equal(a.number, "1002");
	assert_int_equal(a.queue, 0);  /* no fallback queue */
	assert_int_equal(a.ring_s, 0); /* the driver's default ring time */
	assert_true(ivr_run_finished(r));
	ivr_run_free(r);
	/* "5": rings 5 s before the fallback queue */
	assert_int_equal(ivr_run_alloc(&r, &m, 0), 0);
	want(r, IVR_ACT_PLAY, "p", NULL);
	assert_int_equal(ivr_run_digit(r, '5', 10), 0);
	do
		assert_true(ivr_run_action(r, &a));
	while (a.kind == IVR_ACT_STOP);
	assert_int_equal(a.kind, IVR_ACT_AGENT);
	assert_string_equal(a.number, "1003");
	assert_int_equal(a.queue, 7);
	assert_int_equal(a.ring_s, 5);
	ivr_run_free(r);
	/* a built menu with a ring time out of range does not pass the check */
	m.nodes[0].choice[ivr_key_index('5')].ring_s = 4;
	assert_int_equal(ivr_menu_check(&m), EINVAL);
	m.nodes[0].choice[ivr_key_index('5')].ring_s = 120;
	assert_int_equal(ivr_menu_check(&m), 0);
	ivr_menu_clear(&m);
}

static void malformed(void **state)
{
	(void)state;
	expect_err("{\"start\": \"main\", \"nodes\": {", "line 1, column");
	expect_err("{\"start\": \"a\", \"start\": \"b\", \"nodes\": {}}", "duplicate key");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"1\": {\"node\": \"nowhere\"}}}"),
		   "node \"main\": choices: key \"1\": field \"node\": no node named \"nowhere\"");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"x\": {\"queue\": 1}}}"),
		   "node \"main\": field \"choices\": key \"x\" is not a DTMF key");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"12\": {\"queue\": 1}}}"),
		   "key \"12\" is not a DTMF");
	expect_err(
	    NODE_MAIN(
		"{\"type\": \"menu\", \"choices\": {\"1\": {\"queue\": 1, \"hangup\": true}}}"),
	    "node \"main\": choices: key \"1\": needs exactly one of");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"1\": {}}}"), "(has 0)");
	expect_err(
	    NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"1\": {\"transfer\": \"030 1234\"}}}"),
	    "field \"transfer\": must be an E.164 number");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"1\": {\"agent\": \"10a2\"}}}"),
		   "field \"agent\": must be an agent's extension");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"1\": {\"queue\": 1, "
			     "\"fallback_queue\": 2}}}"),
		   "field \"fallback_queue\": must be a queue id 1..");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"1\": {\"agent\": \"1002\", "
			     "\"ring_seconds\": 4}}}"),
		   "key \"1\": field \"ring_seconds\": must be a whole number of seconds 5..120");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"1\": {\"agent\": \"1002\", "
			     "\"ring_seconds\": 121}}}"),
		   "field \"ring_seconds\": must be");
	expect_err(
	    NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"1\": {\"queue\": 1, "
		      "\"ring_seconds\": 30}}}"),
	    "field \"ring_seconds\": must be a whole number of seconds 5..120, with \"agent\"");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"1\": {\"agent\": \"\"}}}"),
		   "field \"agent\": must be an agent's extension");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"1\": {\"queue\": 0}}}"),
		   "key \"1\": field \"queue\": must be a queue id");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"1\": {\"queue\": \"7\"}}}"),
		   "field \"queue\": must be a queue id");
	expect_err(
	    NODE_MAIN(
		"{\"type\": \"menu\", \"timeout_ms\": 0, \"choices\": {\"1\": {\"queue\": 1}}}"),
	    "node \"main\": field \"timeout_ms\": must be an integer 1..600000");
	expect_err(
	    NODE_MAIN(
		"{\"type\": \"menu\", \"retries\": 11, \"choices\": {\"1\": {\"queue\": 1}}}"),
	    "node \"main\": field \"retries\": must be an integer 0..10");
	expect_err(
	    NODE_MAIN(
		"{\"type\": \"menu\", \"prompt\": \"hi\", \"choices\": {\"1\": {\"queue\": 1}}}"),
	    "node \"main\": unknown field \"prompt\" for a menu node");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"choices\": {}}"),
		   "node \"main\": field \"choices\": must be an object with at least one key");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"prompts\": [\"ok\", 3], \"choices\": {\"1\": "
			     "{\"queue\": 1}}}"),
		   "node \"main\": field \"prompts\": item 1: bad prompt name");
	expect_err(NODE_MAIN("{\"type\": \"menu\", \"prompts\": [\"/etc/passwd\"], \"choices\": "
			     "{\"1\": {\"queue\": 1}}}"),
		   "item 0: bad prompt name");
	expect_err(
	    NODE_MAIN("{\"type\": \"menu\", \"choices\": {\"1\": {\"queue\": 1}}, \"on_fail\": "
		      "{\"repeat\": true}}"),
	    "node \"main\": field \"on_fail\": field \"repeat\": only a menu choice may repeat");
	expect_err(NODE_MAIN("{\"type\": \"language\", \"choices\": {\"1\": {\"queue\": 1}}}"),
		   "a language node's choice needs \"language\"");
	expect_err(NODE_MAIN("{\"type\": \"language\", \"choices\": {\"1\": {\"queue\": 1, "
			     "\"language\": \"de\"}}}"),
		   "field \"language\": \"de\" is not in \"languages\"");
	expect_err(NODE_MAIN("{\"type\": \"play\", \"next\": {\"hangup\": true}}"),
		   "node \"main\": field \"prompts\": a play node needs at least one prompt");
	expect_err(NODE_MAIN("{\"type\": \"play\", \"prompts\": [\"a\"]}"),
		   "node \"main\": field \"next\": missing");
	expect_err(NODE_MAIN("{\"type\": \"record\", \"next\": {\"hangup\": true}}"),
		   "node \"main\": field \"max_ms\": missing");
	expect_err(NODE_MAIN("{\"type\": \"dance\"}"),
		   "node \"main\": field \"type\": \"dance\" is not menu");
	expect_err(NODE_MAIN("{\"prompts\": []}"), "node \"main\": field \"type\": missing");
	expect_err(NODE_MAIN("[]"), "node \"main\": must be an object");
	expect_err("{\"nodes\": {\"a\": {\"type\": \"play\", \"prompts\": [\"x\"], \"next\": "
		   "{\"hangup\": true}}}}",
		   "menu: field \"start\": missing");
	expect_err("{\"start\": \"b\", \"nodes\": {\"a\": {\"type\": \"play\", \"prompts\": "
		   "[\"x\"], \"next\": "
		   "{\"hangup\": true}}}}",
		   "menu: field \"start\": no node named \"b\"");
	expect_err("{\"start\": \"a b\", \"nodes\": {\"a b\": {\"type\": \"play\", \"prompts\": "
		   "[\"x\"], \"next\": "
		   "{\"hangup\": true}}}}",
		   "menu: node name \"a b\"");
	expect_err("{\"languages\": [\"english\"], \"start\": \"a\", \"nodes\": {}}",
		   "menu: field \"languages\": item 0: not a language tag");
	expect_err("{\"languages\": [\"en\", \"en\"], \"start\": \"a\", \"nodes\": {}}",
		   "\"en\" twice");
	expect_err("{\"start\": \"a\", \"nodes\": {}}",
		   "menu: field \"nodes\": must be an object of named nodes");
	expect_err("{\"start\": \"a\", \"greeting\": 1, \"nodes\": {}}",
		   "menu: unknown field \"greeting\"");
	expect_err("[1]", "menu: must be an object");
}

static void check_rejects(void **state)
{
	(void)state;
	struct ivr_menu m;
	load(&m);
	int main_i = ivr_menu_find(&m, "main");
	m.nodes[main_i].choice[1].node = 99; /* '1' now points past the nodes */
	m.nodes[main_i].choice[1].kind = IVR_DEST_NODE;
	assert_int_equal(ivr_menu_check(&m), EINVAL);
	struct ivr_run *r = NULL;
	assert_int_equal(ivr_run_alloc(&r, &m, 0), EINVAL);
	assert_null(r);
	ivr_menu_clear(&m);
	ivr_menu_clear(&m); /* safe twice */
}

/* Drives a runner with random inputs; checks every action is well-formed and the runner stays
 * consistent. */
static void random_walk(const struct ivr_menu *m, struct rng *g)
{
	static const char keys[] = "0123456789*#ABCD";
	struct ivr_run *r;
	assert_int_equal(ivr_run_alloc(&r, m, 0), 0);
	int64_t t = 0;
	for (int step = 0; step < 200 && !ivr_run_finished(r); step++) {
		t += (int64_t)rng_below(g, 8000);
		switch (rng_below(g, 4)) {
		case 0:
			assert_int_equal(ivr_run_digit(r, keys[rng_below(g, 16)], t) & ~EBUSY, 0);
			break;
		case 1:
			(void)ivr_run_prompt_done(r, t);
			break;
		case 2:
			(void)ivr_run_record_done(r, t);
			break;
		default:
			ivr_run_advance(r, t);
			break;
		}
		assert_true(ivr_run_next_deadline(r) > t || ivr_run_next_deadline(r) == INT64_MAX);
		struct ivr_action a;
		while (ivr_run_action(r, &a)) {
			assert_non_null(a.lang);
			assert_true(a.node < m->n_nodes);
			if (a.kind == IVR_ACT_PLAY)
				assert_true(a.prompt && a.prompt[0]);
			if (a.kind == IVR_ACT_QUEUE || a.kind == IVR_ACT_CALLBACK)
				assert_true(a.queue != 0);
			if (a.kind == IVR_ACT_TRANSFER)
				assert_true(phone_is_e164(a.number));
			if (a.kind == IVR_ACT_RECORD)
				assert_true(a.max_ms > 0);
		}
	}
	ivr_run_free(r);
}

/* Seeded byte mutations of a good menu: every result is a clean parse or EBADMSG with a message,
 * never a leak. */
static void mutations(void **state)
{
	(void)state;
	struct rng g;
	rng_seed(&g, 6);
	size_t n = strlen(menu_doc);
	char *buf = sb_alloc(n + 1);
	assert_non_null(buf);
	static const char alphabet[] = "{}[]\":,0123456789abcdefghijklmnopqrstuvwxyz*#+- \\";
	unsigned ok = 0, bad = 0;
	for (int i = 0; i < 20000; i++) {
		memcpy(buf, menu_doc, n + 1);
		size_t len = n;
		int edits = 1 + (int)rng_below(&g, 3);
		for (int e = 0; e < edits; e++) {
			size_t at = (size_t)rng_below(&g, len);
			switch (rng_below(&g, 3)) {
			case 0:
				buf[at] = alphabet[rng_below(&g, sizeof(alphabet) - 1)];
				break;
			case 1:
				memmove(buf + at, buf + at + 1, len - at); /* delete a byte */
				len--;
				break;
			default:
				len = at + 1; /* truncate */
				break;
			}
		}
		struct ivr_menu m;
		char err[IVR_ERR_MAX] = "";
		int r = ivr_menu_parse(buf, len, &m, err, sizeof(err));
		if (r == 0) {
			ok++;
			assert_int_equal(ivr_menu_check(&m), 0);
			random_walk(&m, &g);
			ivr_menu_clear(&m);
		} else {
			bad++;
			assert_int_equal(r, EBADMSG);
			assert_true(err[0] != '\0');
			assert_null(m.nodes);
		}
	}
	sb_free(buf);
	/* both sides are exercised */
	assert_true(ok > 100);
	assert_true(bad > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(parse_good),
	    TEST(language_then_queue),
	    TEST(barge_in_and_transfer),
	    TEST(timeouts_and_retries),
	    TEST(language_timeout_keeps_default),
	    TEST(play_and_record_nodes),
	    TEST(callback_choice),
	    TEST(silent_menu_chain),
	    TEST(agent_choice),
	    TEST(malformed),
	    TEST(check_rejects),
	    TEST(mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
