/* check_spin: the polling windows after traffic, driven with an injected clock. */
#include <check.h>
#include <stdlib.h>

#include "spin.h"

#include "check_run.h"

/* At now (µs), traffic of kind k (or, with poll set, a poll that found
 * nothing): what spin_traffic returns as the window's end (0: sleep), or for
 * a poll whether to poll on; then the two windows. */
struct step {
	uint64_t now;
	bool poll;
	enum spin_kind k;
	uint64_t want; /* window end, or 1/0 for a poll */
	uint32_t win_sent, win_tap;
};

/* max 100 µs, from closed windows. */
static const struct step steps[] = {
	{1000, false, SPIN_SENT, 0, 0, 0},	 /* closed to start with: sleep */
	{1040, false, SPIN_TAP, 0, 60, 0},	 /* 40 µs after a send: SENT widens to 60 */
	{11040, false, SPIN_SENT, 11100, 60, 0}, /* 10 ms after a TAP write: TAP stays closed */
	{11050, true, SPIN_SENT, 1, 60, 0},	 /* inside the window: poll on */
	{11070, false, SPIN_TAP, 0, 60, 0},	 /* caught inside: kept */
	{21070, false, SPIN_SENT, 21130, 60, 0},
	{21130, true, SPIN_SENT, 0, 60, 0},	  /* the window is over: sleep */
	{21160, false, SPIN_TAP, 0, 100, 0},	  /* 90 µs: 135, capped at 100 */
	{21165, false, SPIN_TAP, 21175, 100, 10}, /* 5 µs: at least SPIN_MIN_US */
	{21176, true, SPIN_TAP, 0, 100, 10},
	{21177, false, SPIN_TAP, 21197, 100, 20},  /* 12 µs: 18, but at least twice 10 */
	{31177, false, SPIN_SENT, 31277, 100, 10}, /* 10 ms: TAP halves */
	{41177, false, SPIN_SENT, 41227, 50, 10},  /* past an unpolled window: SENT halves */
	{51177, false, SPIN_SENT, 51202, 25, 10},
	{61177, false, SPIN_SENT, 61189, 12, 10},
	{71177, false, SPIN_SENT, 0, 0, 10},	 /* 6 is below SPIN_MIN_US: closed */
	{71177, true, SPIN_SENT, 0, 0, 10},	 /* nothing open: sleep */
	{71178, false, SPIN_TAP, 71188, 10, 10}, /* 1 µs after: SENT reopens at the minimum */
	{71187, false, SPIN_TAP, 71197, 10, 10}, /* caught: kept */
	{71200, true, SPIN_TAP, 0, 10, 10},
	{71100, false, SPIN_SENT, 71110, 10, 20}, /* time going back: no wait, TAP doubles */
	{71300, false, SPIN_TAP, 71320, 10, 20},  /* 200 µs: slower than max, not long: kept */
	{71700, false, SPIN_SENT, 71710, 10, 20}, /* 400 µs = SPIN_LONG max: still kept */
	{72201, false, SPIN_SENT, 0, 0, 20},	  /* 501 µs: longer, halved below the minimum */
};

START_TEST(test_steps)
{
	struct spin s;

	spin_init(&s, 100);
	s.win_us[SPIN_SENT] = s.win_us[SPIN_TAP] = 0;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *t = &steps[i];
		uint64_t got = t->poll ? spin_poll(&s, t->now) : spin_traffic(&s, t->k, t->now);

		ck_assert_msg(got == t->want, "step %zu: got %llu, want %llu", i,
			      (unsigned long long)got, (unsigned long long)t->want);
		ck_assert_msg(s.win_us[SPIN_SENT] == t->win_sent &&
				      s.win_us[SPIN_TAP] == t->win_tap,
			      "step %zu: windows %u/%u, want %u/%u", i, s.win_us[SPIN_SENT],
			      s.win_us[SPIN_TAP], t->win_sent, t->win_tap);
	}
	ck_assert_uint_eq(s.caught, 2);
}
END_TEST

/* A ping every 10 ms with a 150 µs round trip, from the side that sends
 * the requests: its answer comes to be caught, and nothing polls after the
 * answer is written to the TAP. */
START_TEST(test_requester)
{
	struct spin s;
	uint64_t t = 5000, until = 0;

	spin_init(&s, 200);
	for (int i = 0; i < 20; i++, t += 10000) {
		until = spin_traffic(&s, SPIN_SENT, t);
		spin_traffic(&s, SPIN_TAP, t + 150);
	}
	ck_assert_uint_ge(until, t - 10000 + 150);
	ck_assert_uint_eq(s.win_us[SPIN_TAP], 0);
	ck_assert_uint_ge(s.caught, 18);
}
END_TEST

/* The side that answers: a request every 10 ms, written to the TAP, the
 * local stack's answer read at once and sent. It ends up polling after
 * neither. */
START_TEST(test_responder)
{
	struct spin s;
	uint64_t polled = 0;

	spin_init(&s, 200);
	for (uint64_t t = 5000; t < 205000; t += 10000) {
		uint64_t a = spin_traffic(&s, SPIN_TAP, t);
		uint64_t b = spin_traffic(&s, SPIN_SENT, t + 5);

		(void)a;
		if (b != 0)
			polled += b - (t + 5);
	}
	ck_assert_uint_eq(s.win_us[SPIN_SENT], 0);
	/* What was spent learning that: windows halving from 200 µs, under
	 * 400 µs in all. */
	ck_assert_uint_lt(polled, 400);
}
END_TEST

/* Traffic in a row (a stream) is always caught; a window never exceeds the cap. */
START_TEST(test_stream)
{
	struct spin s;

	spin_init(&s, 50);
	for (uint64_t t = 1000; t < 2000; t += 3) {
		uint64_t u = spin_traffic(&s, t % 2 ? SPIN_SENT : SPIN_TAP, t);

		ck_assert_uint_le(u == 0 ? 0 : u - t, 50);
	}
	ck_assert_uint_gt(s.caught, 300);
	ck_assert_uint_le(s.win_us[SPIN_SENT], 50);
}
END_TEST

/* Windows start open; lone packets far apart close them in a few steps, so
 * an idle vxtap sleeps. */
START_TEST(test_idle_closes)
{
	struct spin s;
	uint64_t t = 1000, polled = 0;

	spin_init(&s, 100);
	ck_assert_uint_eq(spin_traffic(&s, SPIN_SENT, t), t + 100);
	for (int i = 0; i < 20; i++) {
		uint64_t u;

		t += 1000000;
		u = spin_traffic(&s, SPIN_SENT, t);
		if (u != 0)
			polled += u - t;
	}
	ck_assert_uint_eq(s.win_us[SPIN_SENT], 0);
	ck_assert_uint_eq(s.win_us[SPIN_TAP], 100); /* never used, never learned */
	ck_assert_uint_le(polled, 50 + 25 + 12);
}
END_TEST

START_TEST(test_off_and_cap)
{
	struct spin s;

	spin_init(&s, 0);
	for (uint64_t t = 1000; t < 1100; t += 5)
		ck_assert_uint_eq(spin_traffic(&s, SPIN_SENT, t), 0);
	ck_assert(!spin_poll(&s, 1200));
	ck_assert_uint_eq(s.windows, 0);
	spin_init(&s, SPIN_MAX_US + 1);
	ck_assert_uint_eq(s.max_us, SPIN_MAX_US);
}
END_TEST

static Suite *spin_suite(void)
{
	Suite *s = suite_create("spin");
	TCase *tc = tcase_create("windows");

	tcase_add_test(tc, test_steps);
	tcase_add_test(tc, test_requester);
	tcase_add_test(tc, test_responder);
	tcase_add_test(tc, test_stream);
	tcase_add_test(tc, test_idle_closes);
	tcase_add_test(tc, test_off_and_cap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(spin_suite());
}
