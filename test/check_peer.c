/* check_peer: unit tests for the peer set: add, find, delete, iteration. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"

#include "check_run.h"

static const uint8_t seed[TABLE_SEED_LEN] = {0x9e, 0xe7};

static struct endpoint ep(const char *s)
{
	struct endpoint e;

	ck_assert_msg(endpoint_parse(s, 8472, &e), "bad test endpoint %s", s);
	return e;
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	ck_assert(ipaddr_parse(s, &a));
	return a;
}

START_TEST(test_add_find)
{
	struct peers *ps = peers_new(seed);
	struct endpoint a = ep("192.168.56.42"), b = ep("[fd00::43]:4789");
	struct ipaddr ia = ip("192.168.56.42"), ib = ip("fd00::43"), ic = ip("192.168.56.44");
	struct peer *p = NULL, *q = NULL;

	ck_assert_ptr_nonnull(ps);
	ck_assert_uint_eq(peers_count(ps), 0);
	ck_assert_ptr_null(peers_at(ps, 0));
	ck_assert_int_eq(peers_add(ps, &a, &p), 0);
	ck_assert_ptr_nonnull(p);
	ck_assert(endpoint_equal(&p->ep, &a));
	/* Counters start at zero. */
	ck_assert_uint_eq(p->st.rx_packets + p->st.tx_packets + p->st.rx_bytes, 0);
	ck_assert_uint_eq(p->st.tx_bytes + p->st.last_rx, 0);
	ck_assert_int_eq(peers_add(ps, &b, NULL), 0);
	ck_assert_uint_eq(peers_count(ps), 2);

	ck_assert_ptr_eq(peers_find(ps, &ia), p);
	/* Stray bytes past an IPv4 address are not part of the address. */
	ia.a[7] = 0x42;
	ck_assert_ptr_eq(peers_find(ps, &ia), p);
	ck_assert_int_eq(peers_add(ps, &(struct endpoint){ia, 1}, NULL), -EEXIST);
	ia.a[7] = 0;
	q = peers_find(ps, &ib);
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq(q->ep.port, 4789);
	ck_assert_ptr_null(peers_find(ps, &ic));
	ck_assert_ptr_eq(peers_at(ps, 0), p);
	ck_assert_ptr_eq(peers_at(ps, 1), q);
	ck_assert_ptr_null(peers_at(ps, 2));

	/* Counters written through one pointer are seen through the others. */
	p->st.rx_packets = 5;
	ck_assert_uint_eq(peers_find(ps, &ia)->st.rx_packets, 5);
	peers_free(ps);
}
END_TEST

START_TEST(test_unique_by_ip)
{
	struct peers *ps = peers_new(seed);
	struct endpoint a = ep("192.168.56.42:8472"), a2 = ep("192.168.56.42:4789");
	struct peer *p = NULL;

	ck_assert_int_eq(peers_add(ps, &a, NULL), 0);
	ck_assert_int_eq(peers_add(ps, &a2, &p), -EEXIST);
	ck_assert_int_eq(peers_add(ps, &a, &p), -EEXIST);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(peers_count(ps), 1);
	ck_assert_uint_eq(peers_at(ps, 0)->ep.port, 8472);
	peers_free(ps);
}
END_TEST

START_TEST(test_del_swaps_last)
{
	static const char *const addrs[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"};
	struct peers *ps = peers_new(seed);
	struct ipaddr i1 = ip("10.0.0.1"), i2 = ip("10.0.0.2"), i4 = ip("10.0.0.4");
	struct peer *p[4];
	struct endpoint e;

	for (int i = 0; i < 4; i++) {
		e = ep(addrs[i]);
		ck_assert_int_eq(peers_add(ps, &e, &p[i]), 0);
	}
	ck_assert_int_eq(peers_del(ps, &i2), 0);
	ck_assert_int_eq(peers_del(ps, &i2), -ENOENT);
	ck_assert_uint_eq(peers_count(ps), 3);
	ck_assert_ptr_null(peers_find(ps, &i2));
	/* The last peer fills the hole; the others stay where they were. */
	ck_assert_ptr_eq(peers_at(ps, 0), p[0]);
	ck_assert_ptr_eq(peers_at(ps, 1), p[3]);
	ck_assert_ptr_eq(peers_at(ps, 2), p[2]);
	/* And it still knows its new place: deleting it moves p[2] down. */
	ck_assert_int_eq(peers_del(ps, &i4), 0);
	ck_assert_ptr_eq(peers_at(ps, 1), p[2]);
	ck_assert_uint_eq(peers_count(ps), 2);
	/* Deleting the last one moves nothing. */
	ck_assert_int_eq(peers_del(ps, &p[2]->ep.ip), 0);
	ck_assert_ptr_eq(peers_at(ps, 0), p[0]);
	ck_assert_int_eq(peers_del(ps, &i1), 0);
	ck_assert_uint_eq(peers_count(ps), 0);
	ck_assert_ptr_null(peers_at(ps, 0));
	/* Re-adding a deleted address works. */
	e = ep("10.0.0.2");
	ck_assert_int_eq(peers_add(ps, &e, NULL), 0);
	ck_assert_ptr_nonnull(peers_find(ps, &i2));
	peers_free(ps);
}
END_TEST

#define MANY 3000

static struct endpoint many_ep(int i)
{
	char buf[64];

	/* Half IPv4, half IPv6, so both families share the table. */
	if (i % 2)
		snprintf(buf, sizeof(buf), "10.%d.%d.1:%d", i >> 8 & 0xff, i & 0xff, 1000 + i);
	else
		snprintf(buf, sizeof(buf), "[fd00::%x]:%d", i, 1000 + i);
	return ep(buf);
}

START_TEST(test_many)
{
	struct peers *ps = peers_new(seed);
	static bool seen[MANY];

	for (int i = 0; i < MANY; i++) {
		struct endpoint e = many_ep(i);

		ck_assert_int_eq(peers_add(ps, &e, NULL), 0);
	}
	ck_assert_uint_eq(peers_count(ps), MANY);
	for (int i = 0; i < MANY; i++) {
		struct endpoint e = many_ep(i);
		struct peer *p = peers_find(ps, &e.ip);

		ck_assert_ptr_nonnull(p);
		ck_assert(endpoint_equal(&p->ep, &e));
	}
	for (int i = 0; i < MANY; i += 3) {
		struct endpoint e = many_ep(i);

		ck_assert_int_eq(peers_del(ps, &e.ip), 0);
	}
	ck_assert_uint_eq(peers_count(ps), MANY - (MANY + 2) / 3);
	/* peers_at covers exactly the survivors, each once. */
	memset(seen, 0, sizeof(seen));
	for (size_t k = 0; k < peers_count(ps); k++) {
		struct peer *p = peers_at(ps, k);
		int i = (int)p->ep.port - 1000;

		ck_assert_int_ge(i, 0);
		ck_assert_int_lt(i, MANY);
		ck_assert_int_ne(i % 3, 0);
		ck_assert(!seen[i]);
		seen[i] = true;
		ck_assert_ptr_eq(peers_find(ps, &p->ep.ip), p);
	}
	for (int i = 0; i < MANY; i++) {
		struct endpoint e = many_ep(i);

		ck_assert_int_eq(peers_find(ps, &e.ip) != NULL, i % 3 != 0);
	}
	peers_free(ps);
}
END_TEST

START_TEST(test_free_null)
{
	peers_free(NULL);
}
END_TEST

/* Flood targets are counted as they are set, cleared and deleted. */
START_TEST(test_flood_count)
{
	struct peers *ps = peers_new(seed);
	struct endpoint a = ep("10.0.0.1"), b = ep("10.0.0.2");
	struct ipaddr ia = ip("10.0.0.1"), ib = ip("10.0.0.2");
	struct peer *p, *q;

	ck_assert_int_eq(peers_add(ps, &a, &p), 0);
	ck_assert_int_eq(peers_add(ps, &b, &q), 0);
	ck_assert(p->flood && q->flood);
	ck_assert_uint_eq(peers_flood_count(ps), 2);
	peers_set_flood(ps, p, false);
	peers_set_flood(ps, p, false); /* twice: counted once */
	ck_assert(!p->flood);
	ck_assert_uint_eq(peers_flood_count(ps), 1);
	ck_assert_int_eq(peers_del(ps, &ia), 0); /* not a flood target */
	ck_assert_uint_eq(peers_flood_count(ps), 1);
	ck_assert_int_eq(peers_del(ps, &ib), 0); /* a flood target */
	ck_assert_uint_eq(peers_flood_count(ps), 0);
	ck_assert_int_eq(peers_add(ps, &a, &p), 0);
	peers_set_flood(ps, p, false);
	peers_set_flood(ps, p, true);
	ck_assert_uint_eq(peers_flood_count(ps), 1);
	peers_free(ps);
}
END_TEST

static Suite *peer_suite(void)
{
	Suite *s = suite_create("peer");
	TCase *tc;

	tc = tcase_create("add_find");
	tcase_add_test(tc, test_add_find);
	tcase_add_test(tc, test_unique_by_ip);
	tcase_add_test(tc, test_free_null);
	tcase_add_test(tc, test_flood_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("del");
	tcase_add_test(tc, test_del_swaps_last);
	suite_add_tcase(s, tc);

	tc = tcase_create("scale");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(peer_suite());
}
