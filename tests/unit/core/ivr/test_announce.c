/* Tests for core/ivr announcements: the expected-wait estimator against hand-computed values, and
 * the announcer. */
#include "testutil.h"

#include "core/ivr/announce.h"

#include <string.h>

static const struct phone_plan plan_de = {"49", "0", "00"};

static void ewt_setup(struct ivr_ewt *e)
{
	struct ivr_ewt_params p = {.window_ms = 900000, .min_samples = 5, .default_aht_ms = 180000};
	assert_int_equal(ivr_ewt_init(e, &p), 0);
}

static void ewt_handle_time(void **state)
{
	(void)state;
	struct ivr_ewt e;
	ewt_setup(&e);
	enum ivr_ewt_method how;
	/* nothing observed: 4 * 180 s / 3 agents = 240 s */
	assert_int_equal(ivr_ewt_estimate(&e, 4, 3, 0, &how), 240000);
	assert_int_equal(how, IVR_EWT_HANDLE);
	/* no agent: unknown */
	assert_int_equal(ivr_ewt_estimate(&e, 4, 0, 0, &how), -1);
	assert_int_equal(how, IVR_EWT_NONE);
	/* mean of 120, 240, 300 s = 220 s; position 2 with 4 agents: 110 s */
	ivr_ewt_handled(&e, 120000);
	ivr_ewt_handled(&e, 240000);
	ivr_ewt_handled(&e, 300000);
	ivr_ewt_handled(&e, -5); /* ignored */
	assert_int_equal(ivr_ewt_estimate(&e, 2, 4, 0, &how), 110000);
	/* position 0 is taken as 1 */
	assert_int_equal(ivr_ewt_estimate(&e, 0, 4, 0, NULL), 55000);
	/* only the last IVR_EWT_KEEP handle times count: 6 x 10 s then 64 x 20 s -> mean 20 s */
	for (int i = 0; i < 6; i++)
		ivr_ewt_handled(&e, 10000);
	for (int i = 0; i < IVR_EWT_KEEP; i++)
		ivr_ewt_handled(&e, 20000);
	assert_int_equal(ivr_ewt_estimate(&e, 3, 2, 0, &how), 30000);
	struct ivr_ewt_params bad = {.window_ms = 0, .min_samples = 1, .default_aht_ms = 1};
	assert_int_equal(ivr_ewt_init(&e, &bad), EINVAL);
}

static void ewt_rate(void **state)
{
	(void)state;
	struct ivr_ewt e;
	ewt_setup(&e);
	for (int i = 0; i < 3; i++)
		ivr_ewt_handled(&e, 220000);
	/* 6 dequeues at 100..600 s; at 900 s all are in the 15-minute window: rate 6 / 900 s */
	for (int i = 1; i <= 6; i++)
		ivr_ewt_dequeue(&e, i * 100000);
	enum ivr_ewt_method how;
	/* position 3: 3 * 900 s / 6 = 450 s */
	assert_int_equal(ivr_ewt_estimate(&e, 3, 4, 900000, &how), 450000);
	assert_int_equal(how, IVR_EWT_RATE);
	/* 3 dequeues in (350 s, 1250 s]: below min_samples, handle time again: 3 * 220 s / 4 = 165
	 * s */
	assert_int_equal(ivr_ewt_estimate(&e, 3, 4, 1250000, &how), 165000);
	assert_int_equal(how, IVR_EWT_HANDLE);
	/* exactly 5 in (100 s, 1000 s]: rate 5 / 900 s, position 1 = 180 s */
	assert_int_equal(ivr_ewt_estimate(&e, 1, 4, 1000000, &how), 180000);
	assert_int_equal(how, IVR_EWT_RATE);
	/* the window is open at its old end: at 1100 s the dequeue at 200 s is out, 4 left */
	assert_int_equal(ivr_ewt_estimate(&e, 1, 4, 1100000, &how), 55000);
	assert_int_equal(how, IVR_EWT_HANDLE);
	/* still no estimate without agents, whatever the history */
	assert_int_equal(ivr_ewt_estimate(&e, 1, 0, 1200000, &how), -1);

	/* a busy queue: 64 dequeues one second apart fill the ring; the span is the ring's: 64 s */
	ewt_setup(&e);
	for (int i = 0; i < IVR_EWT_KEEP; i++)
		ivr_ewt_dequeue(&e, 1000000 + i * 1000);
	assert_int_equal(ivr_ewt_estimate(&e, 2, 10, 1064000, &how), 2000);
	assert_int_equal(how, IVR_EWT_RATE);
	ivr_ewt_dequeue(&e, 1064000); /* the oldest drops out: span 1001..1064 s = 63 s; 2 * 63 s /
					 64 = 1968.75 ms */
	assert_int_equal(ivr_ewt_estimate(&e, 2, 10, 1064000, &how), 1969);
}

static void params(struct ivr_ann_params *p)
{
	ivr_ann_params_default(p, &plan_de);
	p->first_ms = 30000;
	p->interval_ms = 60000;
	p->max_wait_min = 30;
}

static struct ivr_ann_action take(struct ivr_ann *a, enum ivr_ann_act kind)
{
	struct ivr_ann_action x;
	assert_true(ivr_ann_action(a, &x));
	if (x.kind != kind)
		fail_msg("wanted action %d, got %d", kind, x.kind);
	return x;
}

static void none(struct ivr_ann *a)
{
	struct ivr_ann_action x;
	assert_false(ivr_ann_action(a, &x));
}

/* Runs one announcement at its due time with position and wait; returns the POSITION said (0:
 * none). */
static uint32_t announce(struct ivr_ann *a, uint32_t pos, int64_t ewt, int64_t now,
			 struct ivr_ann_action *wait)
{
	ivr_ann_advance(a, now);
	take(a, IVR_ANN_DUE);
	assert_int_equal(ivr_ann_announce(a, pos, ewt, now), 0);
	take(a, IVR_ANN_STOP_MUSIC);
	uint32_t said = take(a, IVR_ANN_POSITION).position;
	struct ivr_ann_action x;
	assert_true(ivr_ann_action(a, &x));
	if (x.kind == IVR_ANN_WAIT) {
		if (wait)
			*wait = x;
		assert_true(ivr_ann_action(a, &x));
	} else if (wait) {
		wait->kind = 0;
	}
	if (x.kind == IVR_ANN_OFFER)
		assert_true(ivr_ann_action(a, &x));
	assert_int_equal(x.kind, IVR_ANN_END);
	none(a);
	return said;
}

static void periodic(void **state)
{
	(void)state;
	struct ivr_ann_params p;
	params(&p);
	struct ivr_ann a;
	assert_int_equal(ivr_ann_init(&a, &p, "+4930111222", 0), 0);
	assert_int_equal(ivr_ann_next_deadline(&a), 30000);
	ivr_ann_advance(&a, 29999);
	none(&a);
	ivr_ann_advance(&a, 30500);
	struct ivr_ann_action x = take(&a, IVR_ANN_DUE);
	assert_int_equal(x.time, 30000); /* at its own time */
	assert_int_equal(ivr_ann_next_deadline(&a), INT64_MAX);
	assert_int_equal(ivr_ann_announce(&a, 5, 250000, 30600), 0);
	take(&a, IVR_ANN_STOP_MUSIC);
	assert_int_equal(take(&a, IVR_ANN_POSITION).position, 5);
	x = take(&a, IVR_ANN_WAIT);
	assert_int_equal(x.minutes, 5); /* 4 min 10 s rounds up */
	assert_false(x.less_than);
	assert_int_equal(take(&a, IVR_ANN_OFFER).key, '1');
	take(&a, IVR_ANN_END);
	none(&a);
	assert_int_equal(ivr_ann_announce(&a, 5, 1, 30700), EBUSY);
	assert_int_equal(ivr_ann_prompts_done(&a, 38000), 0);
	take(&a, IVR_ANN_MUSIC);
	/* the next starts one interval after the last one's start */
	assert_int_equal(ivr_ann_next_deadline(&a), 90000);
	assert_int_equal(ivr_ann_prompts_done(&a, 39000), EBUSY);
	/* other keys do nothing */
	assert_int_equal(ivr_ann_digit(&a, '5', 40000), 0);
	none(&a);
	assert_int_equal(ivr_ann_digit(&a, 'z', 40000), EINVAL);

	/* the caller is ringing an agent at 90 s: skipped, the next is due at 150 s */
	ivr_ann_advance(&a, 90000);
	take(&a, IVR_ANN_DUE);
	assert_int_equal(ivr_ann_skip(&a, 90100), 0);
	none(&a);
	assert_int_equal(ivr_ann_next_deadline(&a), 150000);
	assert_int_equal(ivr_ann_skip(&a, 90200), EBUSY);

	/* an announcement longer than the interval: the next one is due as soon as it ends */
	announce(&a, 4, 100000, 150000, NULL);
	assert_int_equal(ivr_ann_prompts_done(&a, 215000), 0);
	take(&a, IVR_ANN_MUSIC);
	take(&a, IVR_ANN_DUE);
}

static void position_never_rises(void **state)
{
	(void)state;
	struct ivr_ann_params p;
	params(&p);
	p.callback_key = '\0';
	struct ivr_ann a;
	assert_int_equal(ivr_ann_init(&a, &p, NULL, 0), 0);
	int64_t t = 30000;
	assert_int_equal(announce(&a, 5, 100000, t, NULL), 5);
	assert_int_equal(ivr_ann_prompts_done(&a, t + 5000), 0);
	take(&a, IVR_ANN_MUSIC);
	/* two higher-priority callers entered ahead: the ACD says 7, the caller still hears 5 */
	t += 60000;
	assert_int_equal(announce(&a, 7, 100000, t, NULL), 5);
	assert_int_equal(ivr_ann_prompts_done(&a, t + 5000), 0);
	take(&a, IVR_ANN_MUSIC);
	t += 60000;
	assert_int_equal(announce(&a, 3, 100000, t, NULL), 3);
	assert_int_equal(ivr_ann_prompts_done(&a, t + 5000), 0);
	take(&a, IVR_ANN_MUSIC);
	t += 60000;
	assert_int_equal(announce(&a, 4, 100000, t, NULL), 3);
	assert_int_equal(ivr_ann_position(&a), 3);
	assert_int_equal(ivr_ann_prompts_done(&a, t + 5000), 0);
	take(&a, IVR_ANN_MUSIC);
	t += 60000;
	ivr_ann_advance(&a, t);
	take(&a, IVR_ANN_DUE);
	assert_int_equal(ivr_ann_announce(&a, 0, 1000, t), EINVAL);
}

static void wait_wording(void **state)
{
	(void)state;
	static const struct {
		int64_t ewt;
		uint32_t minutes;
		bool less, more, said;
	} cases[] = {
	    {0, 1, true, false, true},	       {59999, 1, true, false, true},
	    {60000, 1, false, false, true},    {60001, 2, false, false, true},
	    {600000, 10, false, false, true},  {600001, 15, false, false, true},
	    {1500000, 25, false, false, true}, {1800000, 30, false, false, true},
	    {1800001, 30, false, true, true},  {3 * 3600000, 30, false, true, true},
	    {-1, 0, false, false, false},
	};
	struct ivr_ann_params p;
	params(&p);
	struct ivr_ann a;
	assert_int_equal(ivr_ann_init(&a, &p, "+4930111222", 0), 0);
	int64_t t = 30000;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ivr_ann_action w;
		announce(&a, 2, cases[i].ewt, t, &w);
		if (!cases[i].said) {
			assert_int_equal(w.kind, 0);
		} else {
			if (w.minutes != cases[i].minutes || w.less_than != cases[i].less ||
			    w.more_than != cases[i].more)
				fail_msg("ewt %lld: got %u min less %d more %d",
					 (long long)cases[i].ewt, w.minutes, w.less_than,
					 w.more_than);
		}
		assert_int_equal(ivr_ann_prompts_done(&a, t + 1000), 0);
		take(&a, IVR_ANN_MUSIC);
		t += 60000;
	}
}

static void callback_known_caller(void **state)
{
	(void)state;
	struct ivr_ann_params p;
	params(&p);
	struct ivr_ann a;
	assert_int_equal(ivr_ann_init(&a, &p, "+4930111222", 0), 0);
	announce(&a, 3, 100000, 30000, NULL);
	/* the key during the offer */
	assert_int_equal(ivr_ann_digit(&a, '1', 33000), 0);
	struct ivr_ann_action x = take(&a, IVR_ANN_CALLBACK);
	assert_string_equal(x.number, "+4930111222");
	assert_int_equal(x.time, 33000);
	assert_true(ivr_ann_finished(&a));
	assert_int_equal(ivr_ann_next_deadline(&a), INT64_MAX);
	assert_int_equal(ivr_ann_digit(&a, '1', 34000), EBUSY);
}

static void callback_anonymous(void **state)
{
	(void)state;
	struct ivr_ann_params p;
	params(&p);
	struct ivr_ann a;
	assert_int_equal(ivr_ann_init(&a, &p, "", 0), 0);
	assert_int_equal(ivr_ann_digit(&a, '1', 5000), 0); /* before any announcement */
	take(&a, IVR_ANN_ASK_NUMBER);
	assert_int_equal(ivr_ann_next_deadline(&a), 15000);
	const char *keys = "0301234567";
	for (int i = 0; keys[i]; i++)
		assert_int_equal(ivr_ann_digit(&a, keys[i], 6000 + i * 500), 0);
	assert_int_equal(ivr_ann_next_deadline(&a), 6000 + 9 * 500 + 10000);
	assert_int_equal(ivr_ann_digit(&a, '#', 11000), 0);
	struct ivr_ann_action x = take(&a, IVR_ANN_CALLBACK);
	assert_string_equal(x.number, "+49301234567");
	assert_true(ivr_ann_finished(&a));

	/* silence ends the entry too */
	assert_int_equal(ivr_ann_init(&a, &p, NULL, 0), 0);
	assert_int_equal(ivr_ann_digit(&a, '1', 1000), 0);
	take(&a, IVR_ANN_ASK_NUMBER);
	for (const char *k = "004930999888"; *k; k++)
		assert_int_equal(ivr_ann_digit(&a, *k, 2000), 0);
	ivr_ann_advance(&a, 20000);
	x = take(&a, IVR_ANN_CALLBACK);
	assert_string_equal(x.number, "+4930999888");
	assert_int_equal(x.time, 12000);
}

static void callback_anonymous_gives_up(void **state)
{
	(void)state;
	struct ivr_ann_params p;
	params(&p);
	p.number_tries = 3;
	struct ivr_ann a;
	assert_int_equal(ivr_ann_init(&a, &p, NULL, 0), 0);
	announce(&a, 6, 300000, 30000, NULL);
	assert_int_equal(ivr_ann_digit(&a, '1', 32000), 0); /* during the announcement */
	take(&a, IVR_ANN_ASK_NUMBER);
	/* 1: too short */
	assert_int_equal(ivr_ann_digit(&a, '1', 33000), 0);
	assert_int_equal(ivr_ann_digit(&a, '2', 33100), 0);
	assert_int_equal(ivr_ann_digit(&a, '#', 33200), 0);
	take(&a, IVR_ANN_NUMBER_INVALID);
	assert_int_equal(ivr_ann_digit(&a, '5', 33300), 0); /* ignored while "not valid" plays */
	assert_int_equal(ivr_ann_prompts_done(&a, 35000), 0);
	take(&a, IVR_ANN_ASK_NUMBER);
	/* 2: nothing keyed before the timeout */
	ivr_ann_advance(&a, 45000);
	assert_int_equal(take(&a, IVR_ANN_NUMBER_INVALID).time, 45000);
	assert_int_equal(ivr_ann_prompts_done(&a, 46000), 0);
	take(&a, IVR_ANN_ASK_NUMBER);
	/* 3: 21 digits: too long */
	for (int i = 0; i < 21; i++)
		assert_int_equal(ivr_ann_digit(&a, '4', 47000), 0);
	assert_int_equal(ivr_ann_digit(&a, '#', 47100), 0);
	take(&a, IVR_ANN_NUMBER_INVALID);
	/* out of tries: back to the music, still queued, announcements go on (the 90 s one is due
	 * at 90 s) */
	assert_int_equal(ivr_ann_prompts_done(&a, 48000), 0);
	take(&a, IVR_ANN_MUSIC);
	none(&a);
	assert_false(ivr_ann_finished(&a));
	assert_int_equal(ivr_ann_next_deadline(&a), 90000);
	/* the caller may ask again, and '*' leaves the entry */
	assert_int_equal(ivr_ann_digit(&a, '1', 50000), 0);
	take(&a, IVR_ANN_ASK_NUMBER);
	assert_int_equal(ivr_ann_digit(&a, '*', 51000), 0);
	take(&a, IVR_ANN_MUSIC);
	assert_int_equal(ivr_ann_next_deadline(&a), 90000);
	/* an entry that outlasts the due time: the announcement comes right after */
	assert_int_equal(ivr_ann_digit(&a, '1', 85000), 0);
	take(&a, IVR_ANN_ASK_NUMBER);
	assert_int_equal(ivr_ann_digit(&a, '*', 94000), 0);
	take(&a, IVR_ANN_MUSIC);
	take(&a, IVR_ANN_DUE);
}

static struct ivr_entry_action entry_take(struct ivr_entry *e, enum ivr_entry_act kind)
{
	struct ivr_entry_action x;
	assert_true(ivr_entry_action(e, &x));
	if (x.kind != kind)
		fail_msg("wanted entry action %d, got %d", kind, x.kind);
	return x;
}

/* The number entry on its own, as the controller uses it for a menu's or an after-hours callback.
 */
static void entry_alone(void **state)
{
	(void)state;
	struct ivr_entry e;
	struct ivr_entry_params p = {.plan = plan_de, .tries = 2, .timeout_ms = 5000};
	assert_int_equal(ivr_entry_start(&e, &p, 100), 0);
	entry_take(&e, IVR_ENTRY_ASK);
	assert_int_equal(ivr_entry_next_deadline(&e), 5100);
	/* international prefix form */
	for (const char *k = "0044 20 7946 0000#"; *k; k++)
		assert_int_equal(ivr_entry_digit(&e, *k == ' ' ? 'A' : *k, 1000),
				 0); /* 'A' is ignored */
	assert_string_equal(entry_take(&e, IVR_ENTRY_NUMBER).number, "+442079460000");
	assert_true(ivr_entry_finished(&e));
	assert_int_equal(ivr_entry_digit(&e, '1', 1100), EBUSY);

	/* two bad tries: give up */
	assert_int_equal(ivr_entry_start(&e, &p, 0), 0);
	entry_take(&e, IVR_ENTRY_ASK);
	assert_int_equal(ivr_entry_digit(&e, '0', 1000), 0);
	assert_int_equal(ivr_entry_digit(&e, '#', 1100),
			 0); /* "0": no digits after the trunk prefix */
	entry_take(&e, IVR_ENTRY_INVALID);
	assert_int_equal(ivr_entry_next_deadline(&e), INT64_MAX);
	assert_int_equal(ivr_entry_prompt_done(&e, 2000), 0);
	entry_take(&e, IVR_ENTRY_ASK);
	assert_int_equal(ivr_entry_prompt_done(&e, 2100), EBUSY);
	ivr_entry_advance(&e, 9000); /* silence: invalid at 7000 */
	assert_int_equal(entry_take(&e, IVR_ENTRY_INVALID).time, 7000);
	assert_int_equal(ivr_entry_prompt_done(&e, 9500), 0);
	entry_take(&e, IVR_ENTRY_GIVE_UP);
	assert_true(ivr_entry_finished(&e));

	/* '*' cancels */
	assert_int_equal(ivr_entry_start(&e, &p, 0), 0);
	entry_take(&e, IVR_ENTRY_ASK);
	assert_int_equal(ivr_entry_digit(&e, '3', 10), 0);
	assert_int_equal(ivr_entry_digit(&e, '*', 20), 0);
	entry_take(&e, IVR_ENTRY_CANCEL);
	assert_int_equal(ivr_entry_digit(&e, 'x', 30), EINVAL);

	struct ivr_entry_params bad = p;
	bad.plan.intl = NULL;
	assert_int_equal(ivr_entry_start(&e, &bad, 0), EINVAL);
	bad = p;
	bad.tries = 0;
	assert_int_equal(ivr_entry_start(&e, &bad, 0), EINVAL);
}

static void init_rejects(void **state)
{
	(void)state;
	struct ivr_ann_params p;
	params(&p);
	struct ivr_ann a;
	assert_int_equal(ivr_ann_init(&a, &p, "030123", 0), EINVAL); /* not E.164 */
	struct ivr_ann_params q = p;
	q.plan.cc = NULL;
	assert_int_equal(ivr_ann_init(&a, &q, NULL, 0), EINVAL); /* anonymous callers need a plan */
	assert_int_equal(ivr_ann_init(&a, &q, "+4930111222", 0), 0);
	q = p;
	q.interval_ms = 0;
	assert_int_equal(ivr_ann_init(&a, &q, "+4930111222", 0), EINVAL);
	q = p;
	q.callback_key = 'x';
	assert_int_equal(ivr_ann_init(&a, &q, "+4930111222", 0), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(ewt_handle_time),    TEST(ewt_rate),
	    TEST(periodic),	      TEST(position_never_rises),
	    TEST(wait_wording),	      TEST(callback_known_caller),
	    TEST(callback_anonymous), TEST(callback_anonymous_gives_up),
	    TEST(entry_alone),	      TEST(init_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
