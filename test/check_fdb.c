/* check_fdb: unit tests for the MAC -> endpoint forwarding database. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fdb.h"

static const uint8_t seed[TABLE_SEED_LEN] = {0x5e, 0xed};

static struct mac mac_n(uint8_t n)
{
	struct mac m = {{0x02, 0x42, 0x0a, 0xf4, 0x01, n}};
	return m;
}

/* Built over garbage on purpose: the padding byte after ip is 0xee, so any
 * memcmp of unnormalised values would see a difference. */
static struct endpoint ep(const char *s)
{
	struct endpoint e, tmp;

	memset(&e, 0xee, sizeof(e));
	ck_assert_msg(endpoint_parse(s, 8472, &tmp), "bad test endpoint %s", s);
	e.ip = tmp.ip;
	e.port = tmp.port;
	return e;
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	ck_assert(ipaddr_parse(s, &a));
	return a;
}

START_TEST(test_learn_lookup)
{
	struct fdb *f = fdb_new(100, 300000, seed);
	struct mac m = mac_n(1);
	struct endpoint a = ep("192.168.56.42"), b = ep("[fd00::43]:4789"), old;
	const struct endpoint *got;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_null(fdb_lookup(f, &m));
	ck_assert_int_eq(fdb_learn(f, &m, &a, 1, &old), TABLE_LEARN_NEW);
	got = fdb_lookup(f, &m);
	ck_assert_ptr_nonnull(got);
	ck_assert(endpoint_equal(got, &a));
	ck_assert_uint_eq(got->port, 8472);

	/* Same endpoint, different padding garbage: a refresh, not a move. */
	a = ep("192.168.56.42");
	memset((uint8_t *)&a + sizeof(a.ip), 0x11, 1);
	ck_assert_int_eq(fdb_learn(f, &m, &a, 2, &old), TABLE_LEARN_REFRESHED);

	/* So are stray bytes past an IPv4 address. */
	a.ip.a[10] = 0x22;
	ck_assert_int_eq(fdb_learn(f, &m, &a, 2, &old), TABLE_LEARN_REFRESHED);
	a.ip.a[10] = 0;

	ck_assert_int_eq(fdb_learn(f, &m, &b, 3, &old), TABLE_LEARN_MOVED);
	ck_assert(endpoint_equal(&old, &a));
	ck_assert(endpoint_equal(fdb_lookup(f, &m), &b));
	ck_assert_uint_eq(fdb_count(f, false), 1);
	ck_assert_uint_eq(fdb_count(f, true), 0);
	fdb_free(f);
}
END_TEST

START_TEST(test_port_change_is_move)
{
	struct fdb *f = fdb_new(100, 300000, seed);
	struct mac m = mac_n(1);
	struct endpoint a = ep("192.168.56.42:8472"), b = ep("192.168.56.42:4789"), old;

	ck_assert_int_eq(fdb_learn(f, &m, &a, 1, &old), TABLE_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, &m, &b, 2, &old), TABLE_LEARN_MOVED);
	ck_assert_uint_eq(old.port, 8472);
	ck_assert_uint_eq(fdb_lookup(f, &m)->port, 4789);
	fdb_free(f);
}
END_TEST

START_TEST(test_static_never_moves)
{
	struct fdb *f = fdb_new(100, 1000, seed);
	struct mac m = mac_n(1);
	struct endpoint a = ep("192.168.56.42"), b = ep("192.168.56.43");

	ck_assert_int_eq(fdb_add_static(f, &m, &a), 0);
	ck_assert_int_eq(fdb_learn(f, &m, &b, 5, NULL), TABLE_LEARN_STATIC);
	ck_assert(endpoint_equal(fdb_lookup(f, &m), &a));
	ck_assert_uint_eq(fdb_age(f, 1000000, NULL), 0);
	ck_assert(endpoint_equal(fdb_lookup(f, &m), &a));
	ck_assert_uint_eq(fdb_flush_learned(f), 0);
	ck_assert_ptr_nonnull(fdb_lookup(f, &m));
	ck_assert_uint_eq(fdb_count(f, true), 1);
	ck_assert_int_eq(fdb_del(f, &m), 0);
	ck_assert_int_eq(fdb_del(f, &m), -ENOENT);
	ck_assert_ptr_null(fdb_lookup(f, &m));
	fdb_free(f);
}
END_TEST

START_TEST(test_age)
{
	struct fdb *f = fdb_new(100, 300000, seed);
	struct mac m1 = mac_n(1), m2 = mac_n(2);
	struct endpoint a = ep("192.168.56.42");
	uint64_t next = 0;

	ck_assert_int_eq(fdb_learn(f, &m1, &a, 1000, NULL), TABLE_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, &m2, &a, 2000, NULL), TABLE_LEARN_NEW);
	ck_assert_uint_eq(fdb_age(f, 300999, &next), 0);
	ck_assert_uint_eq(next, 301000);
	ck_assert_uint_eq(fdb_age(f, 301000, &next), 1);
	ck_assert_uint_eq(next, 302000);
	ck_assert_ptr_null(fdb_lookup(f, &m1));
	ck_assert_ptr_nonnull(fdb_lookup(f, &m2));
	fdb_set_limits(f, 100, 0);
	ck_assert_uint_eq(fdb_age(f, 999999999, &next), 0);
	ck_assert_uint_eq(next, UINT64_MAX);
	fdb_free(f);
}
END_TEST

START_TEST(test_cap)
{
	struct fdb *f = fdb_new(2, 1000, seed);
	struct mac m1 = mac_n(1), m2 = mac_n(2), m3 = mac_n(3);
	struct endpoint a = ep("192.168.56.42");

	ck_assert_int_eq(fdb_learn(f, &m1, &a, 0, NULL), TABLE_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, &m2, &a, 0, NULL), TABLE_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, &m3, &a, 0, NULL), TABLE_LEARN_FULL);
	fdb_set_limits(f, 3, 1000);
	ck_assert_int_eq(fdb_learn(f, &m3, &a, 0, NULL), TABLE_LEARN_NEW);
	ck_assert_uint_eq(fdb_flush_learned(f), 3);
	ck_assert_uint_eq(fdb_count(f, false), 0);
	fdb_free(f);
}
END_TEST

START_TEST(test_del_dst)
{
	struct fdb *f = fdb_new(100, 1000, seed);
	struct mac m[6];
	struct endpoint p42a = ep("192.168.56.42:8472"), p42b = ep("192.168.56.42:4789");
	struct endpoint p43 = ep("192.168.56.43"), v6 = ep("[fd00::42]:8472");
	struct ipaddr ip42 = ip("192.168.56.42");

	for (uint8_t i = 0; i < 6; i++)
		m[i] = mac_n(i);
	ck_assert_int_eq(fdb_learn(f, &m[0], &p42a, 0, NULL), TABLE_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, &m[1], &p42b, 0, NULL), TABLE_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, &m[2], &p43, 0, NULL), TABLE_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, &m[3], &v6, 0, NULL), TABLE_LEARN_NEW);
	ck_assert_int_eq(fdb_add_static(f, &m[4], &p42a), 0);
	ck_assert_int_eq(fdb_add_static(f, &m[5], &p43), 0);

	/* Any port, learned only; stray bytes past the IPv4 address are ignored. */
	ip42.a[12] = 0x99;
	ck_assert_uint_eq(fdb_del_dst(f, &ip42, false), 2);
	ck_assert_ptr_null(fdb_lookup(f, &m[0]));
	ck_assert_ptr_null(fdb_lookup(f, &m[1]));
	ck_assert_ptr_nonnull(fdb_lookup(f, &m[2]));
	ck_assert_ptr_nonnull(fdb_lookup(f, &m[3]));
	ck_assert_ptr_nonnull(fdb_lookup(f, &m[4]));
	/* Then the static one too. */
	ck_assert_uint_eq(fdb_del_dst(f, &ip42, true), 1);
	ck_assert_ptr_null(fdb_lookup(f, &m[4]));
	ck_assert_uint_eq(fdb_del_dst(f, &ip42, true), 0);
	ck_assert_uint_eq(fdb_count(f, false), 2);
	ck_assert_uint_eq(fdb_count(f, true), 1);
	fdb_free(f);
}
END_TEST

struct seen {
	int n;
	bool ok;
};

static void view_fn(const struct fdb_view *v, void *arg)
{
	struct seen *s = arg;
	struct mac m1 = mac_n(1), m2 = mac_n(2);
	struct endpoint a = ep("192.168.56.42"), b = ep("[fd00::1]:4789");

	s->n++;
	if (mac_equal(&v->mac, &m1))
		s->ok &= endpoint_equal(&v->dst, &a) && !v->is_static && v->updated == 77;
	else if (mac_equal(&v->mac, &m2))
		s->ok &= endpoint_equal(&v->dst, &b) && v->is_static;
	else
		s->ok = false;
}

START_TEST(test_foreach)
{
	struct fdb *f = fdb_new(100, 1000, seed);
	struct mac m1 = mac_n(1), m2 = mac_n(2);
	struct endpoint a = ep("192.168.56.42"), b = ep("[fd00::1]:4789");
	struct seen s = {0, true};

	ck_assert_int_eq(fdb_learn(f, &m1, &a, 77, NULL), TABLE_LEARN_NEW);
	ck_assert_int_eq(fdb_add_static(f, &m2, &b), 0);
	fdb_foreach(f, view_fn, &s);
	ck_assert_int_eq(s.n, 2);
	ck_assert(s.ok);
	fdb_free(f);
}
END_TEST

static Suite *fdb_suite(void)
{
	Suite *s = suite_create("fdb");
	TCase *tc;

	tc = tcase_create("learn");
	tcase_add_test(tc, test_learn_lookup);
	tcase_add_test(tc, test_port_change_is_move);
	tcase_add_test(tc, test_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("static");
	tcase_add_test(tc, test_static_never_moves);
	suite_add_tcase(s, tc);

	tc = tcase_create("ageing");
	tcase_add_test(tc, test_age);
	suite_add_tcase(s, tc);

	tc = tcase_create("del_dst");
	tcase_add_test(tc, test_del_dst);
	suite_add_tcase(s, tc);

	tc = tcase_create("foreach");
	tcase_add_test(tc, test_foreach);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fdb_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
