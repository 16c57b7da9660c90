/* check_spin: the polling window after traffic, driven with an injected clock. */
#include <check.h>
#include <stdlib.h>

#include "spin.h"

#include "check_run.h"

/* At now (µs), traffic (or, with poll set, a poll that found nothing): what
 * spin_traffic returns as the window's end (0: sleep), or for a poll whether
 * to poll on; then the windows opened and the traffic caught so far. */
struct step {
	uint64_t now;
	bool poll;
	uint64_t want; /* window end, or 1/0 for a poll */
	uint64_t windows, caught;
};

/* A 100 µs window. */
static const struct step steps[] = {
	{1000, true, 0, 0, 0},	       /* nothing open yet: sleep */
	{1000, false, 1100, 1, 0},     /* traffic opens a window */
	{1050, true, 1, 1, 0},	       /* inside it: poll on */
	{1099, true, 1, 1, 0},	       /* still inside */
	{1100, false, 1200, 1, 1},     /* traffic at its last µs: caught, the window extends */
	{1200, true, 0, 1, 1},	       /* the window is over: sleep */
	{1201, true, 0, 1, 1},	       /* and stays over */
	{1300, false, 1400, 2, 1},     /* traffic after the sleep: a new window */
	{1350, false, 1450, 2, 2},     /* caught */
	{1460, false, 1560, 3, 2},     /* past the end, unpolled: not caught */
	{1400, false, 1500, 3, 3},     /* time going back, inside the open window: caught */
	{900000, false, 900100, 4, 3}, /* long after: a window like any other */
};

START_TEST(test_steps)
{
	struct spin s;

	spin_init(&s, 100);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *t = &steps[i];
		uint64_t got = t->poll ? spin_poll(&s, t->now) : spin_traffic(&s, t->now);

		ck_assert_msg(got == t->want, "step %zu: got %llu, want %llu", i,
			      (unsigned long long)got, (unsigned long long)t->want);
		ck_assert_msg(s.windows == t->windows && s.caught == t->caught,
			      "step %zu: windows %llu caught %llu, want %llu and %llu", i,
			      (unsigned long long)s.windows, (unsigned long long)s.caught,
			      (unsigned long long)t->windows, (unsigned long long)t->caught);
	}
}
END_TEST

/* A stream: every packet inside the window, one window in all. */
START_TEST(test_stream)
{
	struct spin s;

	spin_init(&s, 50);
	for (uint64_t t = 1000; t < 2000; t += 7) {
		ck_assert_uint_eq(spin_traffic(&s, t), t + 50);
		ck_assert(spin_poll(&s, t + 3));
	}
	ck_assert_uint_eq(s.windows, 1);
	ck_assert_uint_eq(s.caught, 142);
}
END_TEST

/* Polling time is bounded by traffic: with none there is no window, and a
 * lone packet costs one window at most. */
START_TEST(test_bounded)
{
	struct spin s;
	uint64_t polled = 0;

	spin_init(&s, 100);
	for (uint64_t t = 0; t < 1000000; t += 10)
		if (spin_poll(&s, t))
			polled += 10;
	ck_assert_uint_eq(polled, 0);
	spin_traffic(&s, 1000000);
	for (uint64_t t = 1000000; t < 2000000; t += 10)
		if (spin_poll(&s, t))
			polled += 10;
	ck_assert_uint_eq(polled, 100);
}
END_TEST

START_TEST(test_off_and_cap)
{
	struct spin s;

	spin_init(&s, 0);
	for (uint64_t t = 1000; t < 1100; t += 5)
		ck_assert_uint_eq(spin_traffic(&s, t), 0);
	ck_assert(!spin_poll(&s, 1050));
	ck_assert_uint_eq(s.windows, 0);
	ck_assert_uint_eq(s.caught, 0);
	spin_init(&s, SPIN_MAX_US + 1);
	ck_assert_uint_eq(s.win_us, SPIN_MAX_US);
	ck_assert_uint_eq(spin_traffic(&s, 5), 5 + SPIN_MAX_US);
}
END_TEST

static Suite *spin_suite(void)
{
	Suite *s = suite_create("spin");
	TCase *tc = tcase_create("window");

	tcase_add_test(tc, test_steps);
	tcase_add_test(tc, test_stream);
	tcase_add_test(tc, test_bounded);
	tcase_add_test(tc, test_off_and_cap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(spin_suite());
}
