/* check_storm: per-source-MAC token buckets, with an injected clock. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "storm.h"

#include "check_run.h"

static const uint8_t seed[TABLE_SEED_LEN] = {7, 7, 7};

static struct mac mac_n(uint8_t n)
{
	struct mac m = {{0x02, 0, 0, 0, 0, n}};
	return m;
}

/* At now, cost frames from MAC n: allowed or not. */
struct bucket_step {
	uint64_t now;
	uint8_t mac;
	uint32_t cost;
	bool want;
};

/* 10 frames a second, bursts of 5. */
static const struct bucket_step bucket_steps[] = {
	{1000, 1, 1, true},  {1000, 1, 1, true},  {1000, 1, 1, true}, {1000, 1, 1, true},
	{1000, 1, 1, true},  {1000, 1, 1, false}, /* the burst is spent */
	{1099, 1, 1, false},			  /* 0.99 of a token back */
	{1100, 1, 1, true},			  /* one token back after 100 ms */
	{1100, 1, 1, false}, {1100, 2, 1, true},  /* another MAC has its own burst */
	{1100, 2, 4, true},  {1100, 2, 1, false}, {1250, 1, 1, true}, /* 1.5 tokens */
	{1300, 1, 1, true},					      /* 0.5 + 0.5 */
	{1300, 1, 1, false}, {1400, 1, 2, false}, /* a cost is taken whole or not at all */
	{1400, 1, 1, true},  {9000, 1, 3, true},  /* idle long enough: a full burst */
	{9000, 1, 2, true},  {9000, 1, 1, false}, {9000, 2, 9, true}, /* above the burst: the burst
								       */
	{9000, 2, 1, false}, {8000, 2, 1, false}, /* time going back refills nothing */
	{9100, 2, 1, true},
};

START_TEST(test_bucket_steps)
{
	struct storm *s = storm_new(10, 5, 16, seed);

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < sizeof(bucket_steps) / sizeof(bucket_steps[0]); i++) {
		const struct bucket_step *st = &bucket_steps[i];
		struct mac m = mac_n(st->mac);

		ck_assert_msg(storm_allow(s, &m, st->cost, st->now) == st->want,
			      "step %zu (t %llu mac %u cost %u): want %d", i,
			      (unsigned long long)st->now, st->mac, st->cost, st->want);
	}
	ck_assert_uint_eq(storm_count(s), 2);
	storm_free(s);
}
END_TEST

struct rate_vec {
	uint32_t rate, burst;
	uint32_t offered_pps; /* evenly spaced, for 10 s */
};

static const struct rate_vec rate_vecs[] = {
	{100, 100, 1000}, {100, 100, 100000}, {1000, 1000, 5000},
	{1, 1, 1000},	  {100, 10, 150},     {1000, 1, 1000},
};

/* What passes over 10 s is the burst plus rate x 10 s (or all of it, when
 * less is offered), and what is refused is the rest. */
START_TEST(test_rate)
{
	const struct rate_vec *v = &rate_vecs[_i];
	struct storm *s = storm_new(v->rate, v->burst, 4, seed);
	struct mac m = mac_n(1);
	uint64_t n = (uint64_t)v->offered_pps * 10, passed = 0, refused = 0, want;

	ck_assert_ptr_nonnull(s);
	for (uint64_t i = 0; i < n; i++) {
		/* frame i at i / offered_pps seconds */
		if (storm_allow(s, &m, 1, i * 1000 / v->offered_pps))
			passed++;
		else
			refused++;
	}
	want = v->burst + (uint64_t)v->rate * 10;
	if (want > n)
		want = n;
	ck_assert_msg(passed <= want && passed + 1 >= want, "passed %llu, want %llu",
		      (unsigned long long)passed, (unsigned long long)want);
	ck_assert_uint_eq(passed + refused, n);
	storm_free(s);
}
END_TEST

/* The buckets are bounded: the least recently used MAC's goes, and it
 * comes back full. */
START_TEST(test_lru)
{
	struct storm *s = storm_new(1, 2, 2, seed);
	struct mac a = mac_n(1), b = mac_n(2), c = mac_n(3);

	ck_assert(storm_allow(s, &a, 2, 0));
	ck_assert(!storm_allow(s, &a, 1, 0));
	ck_assert(storm_allow(s, &b, 2, 1));
	ck_assert(!storm_allow(s, &a, 1, 2)); /* a is now the most recent */
	ck_assert(storm_allow(s, &c, 1, 3));  /* b goes */
	ck_assert_uint_eq(storm_count(s), 2);
	ck_assert(!storm_allow(s, &a, 1, 4)); /* a kept its empty bucket */
	ck_assert(storm_allow(s, &b, 2, 5));  /* b starts over full */
	ck_assert_uint_eq(storm_count(s), 2);
	storm_free(s);
}
END_TEST

/* Many MACs: the table stays at its bound. */
START_TEST(test_bounded)
{
	struct storm *s = storm_new(10, 10, 100, seed);

	for (uint32_t i = 0; i < 10000; i++) {
		struct mac m = {{0x02, 0, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}};

		ck_assert(storm_allow(s, &m, 1, i));
	}
	ck_assert_uint_eq(storm_count(s), 100);
	storm_free(s);
}
END_TEST

/* Long idle times and huge rates neither overflow nor wrap. */
START_TEST(test_extremes)
{
	struct storm *s = storm_new(UINT32_MAX, UINT32_MAX, 4, seed);
	struct mac m = mac_n(1);

	ck_assert_ptr_nonnull(s);
	ck_assert(storm_allow(s, &m, UINT32_MAX, 0));
	ck_assert(!storm_allow(s, &m, 1, 0));
	ck_assert(storm_allow(s, &m, 1, 1));
	ck_assert(storm_allow(s, &m, UINT32_MAX, UINT64_MAX));
	storm_free(s);
	s = storm_new(1, 1, 4, seed);
	ck_assert(storm_allow(s, &m, 1, 0));
	ck_assert(!storm_allow(s, &m, 1, 999));
	ck_assert(storm_allow(s, &m, 1, UINT64_MAX - 1));
	ck_assert(!storm_allow(s, &m, 1, UINT64_MAX));
	storm_free(s);
}
END_TEST

START_TEST(test_args)
{
	ck_assert_ptr_null(storm_new(0, 1, 1, seed));
	ck_assert_ptr_null(storm_new(1, 0, 1, seed));
	ck_assert_ptr_null(storm_new(1, 1, 0, seed));
	storm_free(NULL);
}
END_TEST

static Suite *storm_suite(void)
{
	Suite *s = suite_create("storm");
	TCase *tc;

	tc = tcase_create("bucket");
	tcase_add_test(tc, test_bucket_steps);
	tcase_add_loop_test(tc, test_rate, 0, (int)(sizeof(rate_vecs) / sizeof(rate_vecs[0])));
	tcase_add_test(tc, test_extremes);
	tcase_add_test(tc, test_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_test(tc, test_lru);
	tcase_add_test(tc, test_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(storm_suite());
}
