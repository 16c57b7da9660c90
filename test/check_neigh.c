/* check_neigh: unit tests for the IP -> MAC neighbour table. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "neigh.h"

#include "check_run.h"

static const uint8_t seed[TABLE_SEED_LEN] = {0xaa, 0x55};

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	ck_assert(ipaddr_parse(s, &a));
	return a;
}

static struct mac mac(const char *s)
{
	struct mac m;

	ck_assert(mac_parse(s, &m));
	return m;
}

START_TEST(test_learn_lookup)
{
	struct neigh *n = neigh_new(100, 1000, seed);
	struct ipaddr a = ip("10.244.1.2"), b = ip("10.244.1.3"), v6 = ip("fd00::2");
	struct mac m1 = mac("02:42:0a:f4:01:02"), m2 = mac("02:42:0a:f4:01:03");

	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_null(neigh_lookup(n, &a));
	ck_assert_int_eq(neigh_learn(n, &a, &m1, 0), TABLE_LEARN_NEW);
	ck_assert_int_eq(neigh_learn(n, &v6, &m2, 0), TABLE_LEARN_NEW);
	ck_assert(mac_equal(neigh_lookup(n, &a), &m1));
	ck_assert(mac_equal(neigh_lookup(n, &v6), &m2));
	ck_assert_ptr_null(neigh_lookup(n, &b));
	ck_assert_int_eq(neigh_learn(n, &a, &m1, 5), TABLE_LEARN_REFRESHED);
	ck_assert_int_eq(neigh_learn(n, &a, &m2, 6), TABLE_LEARN_MOVED);
	ck_assert(mac_equal(neigh_lookup(n, &a), &m2));
	ck_assert_uint_eq(neigh_count(n, false), 2);
	neigh_free(n);
}
END_TEST

/* The key is the address, not whatever else the caller's struct held. */
START_TEST(test_key_normalised)
{
	struct neigh *n = neigh_new(100, 1000, seed);
	struct ipaddr a = ip("10.244.1.2"), same;
	struct mac m1 = mac("02:42:0a:f4:01:02");

	ck_assert_int_eq(neigh_learn(n, &a, &m1, 0), TABLE_LEARN_NEW);
	same = a;
	ck_assert_ptr_nonnull(neigh_lookup(n, &same));
	/* Stray bytes past an IPv4 address are not part of the key. */
	same.a[9] = 7;
	ck_assert_ptr_nonnull(neigh_lookup(n, &same));
	ck_assert_int_eq(neigh_learn(n, &same, &m1, 1), TABLE_LEARN_REFRESHED);
	ck_assert_uint_eq(neigh_count(n, false), 1);
	/* IPv4 and IPv6 with the same leading bytes are different keys. */
	same.family = AF_INET6;
	ck_assert_ptr_null(neigh_lookup(n, &same));
	same = a;
	same.a[15] = 1;
	ck_assert_int_eq(neigh_del(n, &same), 0);
	ck_assert_uint_eq(neigh_count(n, false), 0);
	neigh_free(n);
}
END_TEST

START_TEST(test_static)
{
	struct neigh *n = neigh_new(100, 1000, seed);
	struct ipaddr a = ip("10.244.0.1"), b = ip("10.244.1.2");
	struct mac m1 = mac("0e:aa:bb:cc:dd:ee"), m2 = mac("02:42:0a:f4:01:02");

	ck_assert_int_eq(neigh_add_static(n, &a, &m1), 0);
	ck_assert_int_eq(neigh_learn(n, &a, &m2, 0), TABLE_LEARN_STATIC);
	ck_assert(mac_equal(neigh_lookup(n, &a), &m1));
	ck_assert_int_eq(neigh_learn(n, &b, &m2, 0), TABLE_LEARN_NEW);
	ck_assert_uint_eq(neigh_age(n, 5000, NULL), 1);
	ck_assert_ptr_nonnull(neigh_lookup(n, &a));
	ck_assert_int_eq(neigh_learn(n, &b, &m2, 5000), TABLE_LEARN_NEW);
	ck_assert_uint_eq(neigh_flush_learned(n), 1);
	ck_assert_ptr_nonnull(neigh_lookup(n, &a));
	ck_assert_ptr_null(neigh_lookup(n, &b));
	ck_assert_uint_eq(neigh_count(n, true), 1);
	ck_assert_uint_eq(neigh_count(n, false), 0);
	ck_assert_int_eq(neigh_del(n, &a), 0);
	ck_assert_int_eq(neigh_del(n, &a), -ENOENT);
	ck_assert_uint_eq(neigh_count(n, true), 0);
	neigh_free(n);
}
END_TEST

START_TEST(test_age)
{
	struct neigh *n = neigh_new(100, 60000, seed);
	struct ipaddr a = ip("10.244.1.2"), b = ip("10.244.1.3");
	struct mac m = mac("02:42:0a:f4:01:02");
	uint64_t next = 0;

	ck_assert_int_eq(neigh_learn(n, &a, &m, 100), TABLE_LEARN_NEW);
	ck_assert_int_eq(neigh_learn(n, &b, &m, 200), TABLE_LEARN_NEW);
	ck_assert_int_eq(neigh_learn(n, &a, &m, 300), TABLE_LEARN_REFRESHED);
	ck_assert_uint_eq(neigh_age(n, 60100, &next), 0);
	ck_assert_uint_eq(next, 60200);
	ck_assert_uint_eq(neigh_age(n, 60200, &next), 1);
	ck_assert_ptr_null(neigh_lookup(n, &b));
	ck_assert_uint_eq(next, 60300);
	neigh_set_limits(n, 100, 0);
	ck_assert_uint_eq(neigh_age(n, 9999999, &next), 0);
	ck_assert_uint_eq(next, UINT64_MAX);
	neigh_free(n);
}
END_TEST

START_TEST(test_cap)
{
	struct neigh *n = neigh_new(1, 1000, seed);
	struct ipaddr a = ip("10.244.1.2"), b = ip("10.244.1.3"), c = ip("10.244.1.4");
	struct mac m = mac("02:42:0a:f4:01:02");

	ck_assert_int_eq(neigh_learn(n, &a, &m, 0), TABLE_LEARN_NEW);
	/* Full: the least recently used learned entry makes room. */
	ck_assert_int_eq(neigh_learn(n, &b, &m, 1), TABLE_LEARN_NEW);
	ck_assert_ptr_null(neigh_lookup(n, &a));
	ck_assert_ptr_nonnull(neigh_lookup(n, &b));
	neigh_set_limits(n, 2, 1000);
	ck_assert_int_eq(neigh_learn(n, &a, &m, 2), TABLE_LEARN_NEW);
	ck_assert_ptr_nonnull(neigh_lookup(n, &b));
	/* A cap of 0 learns nothing new. */
	neigh_set_limits(n, 0, 1000);
	ck_assert_int_eq(neigh_learn(n, &c, &m, 3), TABLE_LEARN_FULL);
	neigh_free(n);
}
END_TEST

struct seen {
	int n;
	bool ok;
};

static void view_fn(const struct neigh_view *v, void *arg)
{
	struct seen *s = arg;
	struct ipaddr a = ip("10.244.1.2"), b = ip("10.244.0.1");
	struct mac m1 = mac("02:42:0a:f4:01:02"), m2 = mac("0e:aa:bb:cc:dd:ee");

	s->n++;
	if (ipaddr_equal(&v->ip, &a))
		s->ok &= mac_equal(&v->mac, &m1) && !v->is_static && v->updated == 42;
	else if (ipaddr_equal(&v->ip, &b))
		s->ok &= mac_equal(&v->mac, &m2) && v->is_static;
	else
		s->ok = false;
}

START_TEST(test_foreach)
{
	struct neigh *n = neigh_new(100, 1000, seed);
	struct ipaddr a = ip("10.244.1.2"), b = ip("10.244.0.1");
	struct mac m1 = mac("02:42:0a:f4:01:02"), m2 = mac("0e:aa:bb:cc:dd:ee");
	struct seen s = {0, true};

	ck_assert_int_eq(neigh_learn(n, &a, &m1, 42), TABLE_LEARN_NEW);
	ck_assert_int_eq(neigh_add_static(n, &b, &m2), 0);
	neigh_foreach(n, view_fn, &s);
	ck_assert_int_eq(s.n, 2);
	ck_assert(s.ok);
	neigh_free(n);
}
END_TEST

static Suite *neigh_suite(void)
{
	Suite *s = suite_create("neigh");
	TCase *tc;

	tc = tcase_create("learn");
	tcase_add_test(tc, test_learn_lookup);
	tcase_add_test(tc, test_key_normalised);
	tcase_add_test(tc, test_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("static");
	tcase_add_test(tc, test_static);
	suite_add_tcase(s, tc);

	tc = tcase_create("ageing");
	tcase_add_test(tc, test_age);
	suite_add_tcase(s, tc);

	tc = tcase_create("foreach");
	tcase_add_test(tc, test_foreach);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(neigh_suite());
}
