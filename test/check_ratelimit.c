/* check_ratelimit: the log's rate limits, driven with an injected clock. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "ratelimit.h"

#include "check_run.h"

/* Five a window of 10 s: the sixth and seventh are held and reported with
 * the first of the next window. */
START_TEST(test_window)
{
	struct ratelimit rl = RATELIMIT_INIT(10000, 5);
	uint32_t held = 99;

	for (int i = 0; i < 5; i++) {
		ck_assert(ratelimit_ok(&rl, 1000 + (uint64_t)i, &held));
		ck_assert_uint_eq(held, 0);
	}
	ck_assert(!ratelimit_ok(&rl, 1005, &held));
	ck_assert(!ratelimit_ok(&rl, 10999, &held));
	ck_assert(ratelimit_ok(&rl, 11000, &held));
	ck_assert_uint_eq(held, 2);
	ck_assert(ratelimit_ok(&rl, 11001, &held));
	ck_assert_uint_eq(held, 0);
}
END_TEST

static struct ipaddr v4(const char *s)
{
	struct ipaddr a = {.family = AF_INET};

	ck_assert_int_eq(inet_pton(AF_INET, s, a.a), 1);
	return a;
}

static const char why_a[] = "unknown_peer", why_b[] = "bad_vni";

/* One line per address and reason per interval; other addresses and other
 * reasons are not held back by it; what was held is reported with the next
 * line of the same pair only. */
START_TEST(test_notes)
{
	struct notes *ns = malloc(sizeof(*ns));
	struct ipaddr x = v4("192.168.56.43"), y = v4("192.168.56.44");
	uint32_t held = 99;

	ck_assert_ptr_nonnull(ns);
	notes_init(ns, 10000);
	ck_assert(notes_ok(ns, &x, why_a, 0, false, &held)); /* time 0 is a time too */
	ck_assert_uint_eq(held, 0);
	ck_assert(!notes_ok(ns, &x, why_a, 1, false, &held));
	ck_assert(!notes_ok(ns, &x, why_a, 9999, false, &held));
	ck_assert(notes_ok(ns, &y, why_a, 2, false, &held));
	ck_assert_uint_eq(held, 0);
	ck_assert(notes_ok(ns, &x, why_b, 3, false, &held));
	ck_assert_uint_eq(held, 0);
	ck_assert(notes_ok(ns, &x, why_a, 10001, false, &held));
	ck_assert_uint_eq(held, 2);
	ck_assert(!notes_ok(ns, &x, why_a, 10002, false, &held));
	/* -vv: every line, still counting nothing held */
	ck_assert(notes_ok(ns, &x, why_a, 10003, true, &held));
	ck_assert_uint_eq(held, 1);
	ck_assert(notes_ok(ns, &x, why_a, 10004, true, &held));
	ck_assert_uint_eq(held, 0);
	free(ns);
}
END_TEST

/* Many addresses share the table's slots: a collision never holds a line
 * back, and never reports another pair's held count. */
START_TEST(test_notes_collisions)
{
	struct notes *ns = malloc(sizeof(*ns));
	uint32_t held;

	ck_assert_ptr_nonnull(ns);
	notes_init(ns, 10000);
	for (int round = 0; round < 2; round++)
		for (unsigned i = 0; i < 4 * NOTES_SLOTS; i++) {
			struct ipaddr a = {.family = AF_INET,
					   .a = {10, 0, (uint8_t)(i >> 8), (uint8_t)i}};

			held = 99;
			if (notes_ok(ns, &a, why_a, 5 + (uint64_t)round, false, &held))
				ck_assert_uint_eq(held, 0);
			else
				ck_assert_int_eq(round, 1); /* only a repeat is held */
		}
	free(ns);
}
END_TEST

static Suite *ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("ratelimit");

	tcase_add_test(tc, test_window);
	tcase_add_test(tc, test_notes);
	tcase_add_test(tc, test_notes_collisions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(ratelimit_suite());
}
