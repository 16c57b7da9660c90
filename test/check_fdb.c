/* check_fdb: unit tests for the MAC -> endpoint forwarding database. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fdb.h"

#include "check_run.h"

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
	ck_assert_int_eq(fdb_learn(f, &m2, &a, 1, NULL), TABLE_LEARN_NEW);
	/* Full: the least recently used learned entry makes room. */
	ck_assert_int_eq(fdb_learn(f, &m3, &a, 2, NULL), TABLE_LEARN_NEW);
	ck_assert_ptr_null(fdb_lookup(f, &m1));
	ck_assert_uint_eq(fdb_evicted(f), 1);
	fdb_set_limits(f, 3, 1000);
	ck_assert_int_eq(fdb_learn(f, &m1, &a, 3, NULL), TABLE_LEARN_NEW);
	ck_assert_uint_eq(fdb_evicted(f), 1);
	ck_assert_uint_eq(fdb_flush_learned(f), 3);
	ck_assert_uint_eq(fdb_count(f, false), 0);
	/* A cap of 0 learns nothing ("--max-fdb 0"). */
	fdb_set_limits(f, 0, 1000);
	ck_assert_int_eq(fdb_learn(f, &m1, &a, 4, NULL), TABLE_LEARN_FULL);
	fdb_free(f);
}
END_TEST

/* A random unicast MAC, from a fixed xorshift sequence. */
static struct mac random_mac(uint64_t *state)
{
	struct mac m;
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	memcpy(m.b, &x, MAC_LEN);
	m.b[0] = (uint8_t)((m.b[0] & ~1u) | 2u);
	return m;
}

struct spray_vec {
	size_t max_learned, max_per_peer;
	bool b_keeps_all; /* peer B keeps every entry through A's spray */
};

static const struct spray_vec spray_vecs[] = {
	{1000, 64, true},
	{1000, 40, true}, /* as many as B has */
	{100, 50, true},
	/* The control: without a per-peer cap the total cap evicts B's too. */
	{1000, SIZE_MAX, false},
};

/* Peer A (two ports, one address) sprays random source MACs: it holds its
 * cap and no more, and peer B's learned entries, older than all of A's,
 * stay. */
START_TEST(test_peer_cap_spray)
{
	enum { SPRAY = 20000, B_MACS = 40 };
	const struct spray_vec *v = &spray_vecs[_i];
	struct fdb *f = fdb_new(v->max_learned, 300000, seed);
	struct endpoint a1 = ep("192.168.56.42:8472"), a2 = ep("192.168.56.42:4789");
	struct endpoint b = ep("192.168.56.43"), s = ep("192.168.56.44");
	struct mac bm[B_MACS], st = mac_n(200);
	uint64_t rng = 0x9e3779b97f4a7c15u, now = 0, learned = 0;
	size_t kept = 0;

	fdb_set_peer_limit(f, v->max_per_peer);
	ck_assert_int_eq(fdb_add_static(f, &st, &a1), 0);
	for (int i = 0; i < B_MACS; i++) {
		bm[i] = mac_n((uint8_t)i);
		ck_assert_int_eq(fdb_learn(f, &bm[i], &b, now++, NULL), TABLE_LEARN_NEW);
	}
	for (int i = 0; i < SPRAY; i++) {
		struct mac m = random_mac(&rng);

		if (fdb_learn(f, &m, i % 2 ? &a1 : &a2, now++, NULL) == TABLE_LEARN_NEW)
			learned++;
	}
	for (int i = 0; i < B_MACS; i++) {
		const struct endpoint *got = fdb_lookup(f, &bm[i]);

		if (got != NULL && endpoint_equal(got, &b))
			kept++;
	}
	if (v->b_keeps_all) {
		ck_assert_uint_eq(kept, B_MACS);
		ck_assert_uint_eq(fdb_count_dst(f, &a1.ip), v->max_per_peer);
		ck_assert_uint_eq(fdb_evicted(f), learned - v->max_per_peer);
	} else {
		ck_assert_uint_eq(kept, 0);
		ck_assert_uint_eq(fdb_count_dst(f, &a1.ip), v->max_learned);
	}
	ck_assert_uint_eq(learned, SPRAY);
	ck_assert_uint_eq(fdb_count_dst(f, &b.ip), kept);
	ck_assert_uint_eq(fdb_count_dst(f, &s.ip), 0);
	/* The static entry is neither evicted nor counted. */
	ck_assert(endpoint_equal(fdb_lookup(f, &st), &a1));
	ck_assert_uint_eq(fdb_count(f, true), 1);
	ck_assert_uint_eq(fdb_count(f, false), fdb_count_dst(f, &a1.ip) + kept);
	fdb_free(f);
}
END_TEST

/* A MAC moving to a peer at its cap evicts that peer's oldest entry. */
START_TEST(test_peer_cap_move)
{
	struct fdb *f = fdb_new(100, 300000, seed);
	struct mac m1 = mac_n(1), m2 = mac_n(2), m3 = mac_n(3);
	struct endpoint a = ep("192.168.56.42"), b = ep("[fd00::43]:4789");

	fdb_set_peer_limit(f, 2);
	ck_assert_int_eq(fdb_learn(f, &m1, &a, 1, NULL), TABLE_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, &m2, &a, 2, NULL), TABLE_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, &m3, &b, 3, NULL), TABLE_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, &m3, &a, 4, NULL), TABLE_LEARN_MOVED);
	ck_assert_ptr_null(fdb_lookup(f, &m1));
	ck_assert_uint_eq(fdb_count_dst(f, &a.ip), 2);
	ck_assert_uint_eq(fdb_count_dst(f, &b.ip), 0);
	ck_assert_uint_eq(fdb_evicted(f), 1);
	/* Removing a peer's entries empties its count. */
	ck_assert_uint_eq(fdb_del_dst(f, &a.ip, false), 2);
	ck_assert_uint_eq(fdb_count_dst(f, &a.ip), 0);
	fdb_free(f);
}
END_TEST

/* Five moves a window pass; the sixth freezes the MAC on its first peer. */
START_TEST(test_damping)
{
	struct fdb *f = fdb_new(100, 300000, seed);
	struct mac m = mac_n(1);
	struct endpoint a = ep("192.168.56.42"), b = ep("192.168.56.43"), old;

	fdb_set_damping(f, 5, 60000);
	ck_assert_int_eq(fdb_learn(f, &m, &a, 0, NULL), TABLE_LEARN_NEW);
	for (int i = 1; i <= 5; i++)
		ck_assert_int_eq(fdb_learn(f, &m, i % 2 ? &b : &a, (uint64_t)i * 1000, NULL),
				 TABLE_LEARN_MOVED);
	ck_assert(endpoint_equal(fdb_lookup(f, &m), &b));
	ck_assert_int_eq(fdb_learn(f, &m, &a, 6000, &old), TABLE_LEARN_FROZE);
	ck_assert(endpoint_equal(&old, &a));
	ck_assert_int_eq(fdb_learn(f, &m, &b, 7000, &old), TABLE_LEARN_FROZEN);
	ck_assert(endpoint_equal(&old, &a));
	ck_assert(endpoint_equal(fdb_lookup(f, &m), &a));
	ck_assert_int_eq(fdb_learn(f, &m, &b, 65999, NULL), TABLE_LEARN_FROZEN);
	ck_assert_int_eq(fdb_learn(f, &m, &b, 66000, NULL), TABLE_LEARN_MOVED);
	ck_assert(endpoint_equal(fdb_lookup(f, &m), &b));
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
	tcase_add_loop_test(tc, test_peer_cap_spray, 0,
			    (int)(sizeof(spray_vecs) / sizeof(spray_vecs[0])));
	tcase_add_test(tc, test_peer_cap_move);
	tcase_add_test(tc, test_damping);
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
	return check_run(fdb_suite());
}
