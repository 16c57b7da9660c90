/* check_table: unit tests for the keyed table: learning, static entries,
 * LRU ageing, the caps with LRU eviction, groups, move damping, removal by
 * value and growth. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

#include "check_run.h"

#define KLEN 6
#define VLEN 8

static const uint8_t seed[TABLE_SEED_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

struct key {
	uint8_t b[KLEN];
};

struct val {
	uint8_t b[VLEN];
};

/* A MAC-like key built from a counter; byte 0 keeps a prefix so keys differ
 * only in their low bytes, as real MACs from one vendor do. */
static struct key key_of(uint32_t i)
{
	struct key k = {{0x02, 0x42, (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
			 (uint8_t)i}};
	return k;
}

static struct val val_of(const char tag[static 5], uint32_t n)
{
	struct val v;

	memcpy(v.b, tag, 4);
	v.b[4] = (uint8_t)(n >> 24);
	v.b[5] = (uint8_t)(n >> 16);
	v.b[6] = (uint8_t)(n >> 8);
	v.b[7] = (uint8_t)n;
	return v;
}

static struct table *mk(size_t max_learned, uint64_t ageing_ms)
{
	struct table *t = table_new(KLEN, VLEN, max_learned, ageing_ms, seed);

	ck_assert_ptr_nonnull(t);
	return t;
}

static enum table_learn learn(struct table *t, uint32_t k, const struct val *v, uint64_t now)
{
	struct key kk = key_of(k);

	return table_learn(t, &kk, v, now, NULL);
}

static struct table_entry *find(const struct table *t, uint32_t k)
{
	struct key kk = key_of(k);

	return table_lookup(t, &kk);
}

static int del(struct table *t, uint32_t k)
{
	struct key kk = key_of(k);

	return table_del(t, &kk);
}

static int set_static(struct table *t, uint32_t k, const struct val *v)
{
	struct key kk = key_of(k);

	return table_set_static(t, &kk, v);
}

/* ---- learn ---- */

START_TEST(test_new_refresh_move)
{
	struct table *t = mk(100, 1000);
	struct val a = val_of("AAAA", 1), b = val_of("BBBB", 2), old;
	struct key k = key_of(7);
	struct table_entry *e;

	ck_assert_ptr_null(find(t, 7));
	ck_assert_int_eq(table_learn(t, &k, &a, 10, &old), TABLE_LEARN_NEW);
	e = find(t, 7);
	ck_assert_ptr_nonnull(e);
	ck_assert_mem_eq(e->key, k.b, KLEN);
	ck_assert_mem_eq(e->val, a.b, VLEN);
	ck_assert_int_eq(e->kind, TABLE_LEARNED);
	ck_assert_uint_eq(e->updated, 10);

	ck_assert_int_eq(table_learn(t, &k, &a, 20, &old), TABLE_LEARN_REFRESHED);
	ck_assert_uint_eq(find(t, 7)->updated, 20);

	memset(&old, 0, sizeof(old));
	ck_assert_int_eq(table_learn(t, &k, &b, 30, &old), TABLE_LEARN_MOVED);
	ck_assert_mem_eq(old.b, a.b, VLEN);
	e = find(t, 7);
	ck_assert_mem_eq(e->val, b.b, VLEN);
	ck_assert_uint_eq(e->updated, 30);

	/* old is optional. */
	ck_assert_int_eq(table_learn(t, &k, &a, 40, NULL), TABLE_LEARN_MOVED);
	ck_assert_mem_eq(find(t, 7)->val, a.b, VLEN);

	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 1);
	ck_assert_uint_eq(table_count(t, TABLE_STATIC), 0);
	ck_assert_ptr_null(find(t, 8));
	table_free(t);
}
END_TEST

START_TEST(test_unused_bytes_zero)
{
	static const uint8_t zero[TABLE_VAL_MAX];
	struct table *t = mk(100, 0);
	struct val a = val_of("AAAA", 1);
	struct table_entry *e;

	ck_assert_int_eq(learn(t, 1, &a, 0), TABLE_LEARN_NEW);
	e = find(t, 1);
	ck_assert_mem_eq(e->key + KLEN, zero, TABLE_KEY_MAX - KLEN);
	ck_assert_mem_eq(e->val + VLEN, zero, TABLE_VAL_MAX - VLEN);
	table_free(t);
}
END_TEST

struct new_vec {
	size_t key_len, val_len;
	bool ok;
};

static const struct new_vec new_vecs[] = {
	{1, 0, true},
	{TABLE_KEY_MAX, TABLE_VAL_MAX, true},
	{0, 4, false},
	{TABLE_KEY_MAX + 1, 4, false},
	{4, TABLE_VAL_MAX + 1, false},
};

START_TEST(test_new_args)
{
	const struct new_vec *v = &new_vecs[_i];
	struct table *t = table_new(v->key_len, v->val_len, 10, 10, seed);

	ck_assert_int_eq(t != NULL, v->ok);
	table_free(t);
}
END_TEST

/* ---- static ---- */

START_TEST(test_static_never_moves)
{
	struct table *t = mk(100, 1000);
	struct val a = val_of("AAAA", 1), b = val_of("BBBB", 2), old = val_of("XXXX", 9);
	struct key k = key_of(1);

	ck_assert_int_eq(set_static(t, 1, &a), 0);
	ck_assert_int_eq(table_learn(t, &k, &b, 5, &old), TABLE_LEARN_STATIC);
	ck_assert_mem_eq(find(t, 1)->val, a.b, VLEN);
	ck_assert_int_eq(find(t, 1)->kind, TABLE_STATIC);
	/* old untouched unless MOVED. */
	ck_assert_mem_eq(old.b, "XXXX", 4);
	ck_assert_uint_eq(table_count(t, TABLE_STATIC), 1);
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 0);

	/* The administrator may overwrite a static entry. */
	ck_assert_int_eq(set_static(t, 1, &b), 0);
	ck_assert_mem_eq(find(t, 1)->val, b.b, VLEN);
	ck_assert_uint_eq(table_count(t, TABLE_STATIC), 1);
	table_free(t);
}
END_TEST

START_TEST(test_static_never_ages)
{
	struct table *t = mk(100, 100);
	struct val a = val_of("AAAA", 1);
	uint64_t next = 0;

	ck_assert_int_eq(set_static(t, 1, &a), 0);
	ck_assert_uint_eq(table_age(t, 1000000000, &next), 0);
	ck_assert_uint_eq(next, UINT64_MAX);
	ck_assert_ptr_nonnull(find(t, 1));
	table_free(t);
}
END_TEST

START_TEST(test_static_converts_learned)
{
	struct table *t = mk(1, 100);
	struct val a = val_of("AAAA", 1), b = val_of("BBBB", 2);
	uint64_t next = 0;

	ck_assert_int_eq(learn(t, 1, &a, 0), TABLE_LEARN_NEW);
	ck_assert_int_eq(set_static(t, 1, &b), 0);
	ck_assert_int_eq(find(t, 1)->kind, TABLE_STATIC);
	ck_assert_mem_eq(find(t, 1)->val, b.b, VLEN);
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 0);
	ck_assert_uint_eq(table_count(t, TABLE_STATIC), 1);
	/* Off the LRU list: it does not age and no deadline is left. */
	ck_assert_uint_eq(table_age(t, 1000, &next), 0);
	ck_assert_uint_eq(next, UINT64_MAX);
	ck_assert_ptr_nonnull(find(t, 1));
	/* And off the cap: a new key is learned without evicting it. */
	ck_assert_int_eq(learn(t, 2, &a, 1000), TABLE_LEARN_NEW);
	ck_assert_uint_eq(table_evicted(t), 0);
	ck_assert_uint_eq(table_age(t, 1050, &next), 0);
	ck_assert_uint_eq(next, 1100);
	ck_assert_ptr_nonnull(find(t, 1));
	table_free(t);
}
END_TEST

START_TEST(test_flush_keeps_static)
{
	struct table *t = mk(100, 1000);
	struct val a = val_of("AAAA", 1);

	for (uint32_t i = 0; i < 3; i++)
		ck_assert_int_eq(learn(t, i, &a, i), TABLE_LEARN_NEW);
	ck_assert_int_eq(set_static(t, 10, &a), 0);
	ck_assert_int_eq(set_static(t, 11, &a), 0);
	ck_assert_uint_eq(table_flush_learned(t), 3);
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 0);
	ck_assert_uint_eq(table_count(t, TABLE_STATIC), 2);
	for (uint32_t i = 0; i < 3; i++)
		ck_assert_ptr_null(find(t, i));
	ck_assert_ptr_nonnull(find(t, 10));
	ck_assert_ptr_nonnull(find(t, 11));
	ck_assert_uint_eq(table_flush_learned(t), 0);
	table_free(t);
}
END_TEST

START_TEST(test_del)
{
	struct table *t = mk(100, 1000);
	struct val a = val_of("AAAA", 1);

	ck_assert_int_eq(learn(t, 1, &a, 0), TABLE_LEARN_NEW);
	ck_assert_int_eq(learn(t, 2, &a, 0), TABLE_LEARN_NEW);
	ck_assert_int_eq(set_static(t, 3, &a), 0);
	ck_assert_int_eq(del(t, 1), 0);
	ck_assert_int_eq(del(t, 3), 0);
	ck_assert_int_eq(del(t, 1), -ENOENT);
	ck_assert_int_eq(del(t, 3), -ENOENT);
	ck_assert_int_eq(del(t, 99), -ENOENT);
	ck_assert_ptr_null(find(t, 1));
	ck_assert_ptr_nonnull(find(t, 2));
	ck_assert_ptr_null(find(t, 3));
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 1);
	ck_assert_uint_eq(table_count(t, TABLE_STATIC), 0);
	/* The LRU list lost entry 1 cleanly: only 2 is left to age. */
	ck_assert_uint_eq(table_age(t, 5000, NULL), 1);
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 0);
	table_free(t);
}
END_TEST

/* ---- ageing ---- */

struct age_step {
	uint64_t now;
	size_t removed;
	uint64_t next;
	size_t left;
};

/* Entries 0, 1, 2 learned at 0, 10, 20 with a 100 ms ageing time. */
static const struct age_step age_steps[] = {
	{0, 0, 100, 3},	  {99, 0, 100, 3},	    {100, 1, 110, 2},	      {109, 0, 110, 2},
	{115, 1, 120, 1}, {1000, 1, UINT64_MAX, 0}, {2000, 0, UINT64_MAX, 0},
};

START_TEST(test_age_steps)
{
	struct table *t = mk(100, 100);
	struct val a = val_of("AAAA", 1);

	for (uint32_t i = 0; i < 3; i++)
		ck_assert_int_eq(learn(t, i, &a, 10 * i), TABLE_LEARN_NEW);
	for (size_t s = 0; s < sizeof(age_steps) / sizeof(age_steps[0]); s++) {
		const struct age_step *st = &age_steps[s];
		uint64_t next = 0;

		ck_assert_uint_eq(table_age(t, st->now, &next), st->removed);
		ck_assert_uint_eq(next, st->next);
		ck_assert_uint_eq(table_count(t, TABLE_LEARNED), st->left);
	}
	table_free(t);
}
END_TEST

START_TEST(test_age_lru_order)
{
	struct table *t = mk(100, 100);
	struct val a = val_of("AAAA", 1), b = val_of("BBBB", 2);
	uint64_t next;

	ck_assert_int_eq(learn(t, 0, &a, 0), TABLE_LEARN_NEW);
	ck_assert_int_eq(learn(t, 1, &a, 10), TABLE_LEARN_NEW);
	ck_assert_int_eq(learn(t, 2, &a, 20), TABLE_LEARN_NEW);
	/* A refresh and a move each send the entry to the back. */
	ck_assert_int_eq(learn(t, 0, &a, 30), TABLE_LEARN_REFRESHED);
	ck_assert_int_eq(learn(t, 1, &b, 40), TABLE_LEARN_MOVED);

	ck_assert_uint_eq(table_age(t, 119, &next), 0);
	ck_assert_uint_eq(next, 120);
	ck_assert_uint_eq(table_age(t, 120, &next), 1);
	ck_assert_ptr_null(find(t, 2));
	ck_assert_uint_eq(next, 130);
	ck_assert_uint_eq(table_age(t, 135, &next), 1);
	ck_assert_ptr_null(find(t, 0));
	ck_assert_ptr_nonnull(find(t, 1));
	ck_assert_uint_eq(next, 140);
	ck_assert_uint_eq(table_age(t, 140, &next), 1);
	ck_assert_uint_eq(next, UINT64_MAX);
	table_free(t);
}
END_TEST

START_TEST(test_age_disabled)
{
	struct table *t = mk(100, 0);
	struct val a = val_of("AAAA", 1);
	uint64_t next = 0;

	ck_assert_int_eq(learn(t, 0, &a, 0), TABLE_LEARN_NEW);
	ck_assert_uint_eq(table_age(t, UINT64_MAX, &next), 0);
	ck_assert_uint_eq(next, UINT64_MAX);
	ck_assert_ptr_nonnull(find(t, 0));
	table_free(t);
}
END_TEST

START_TEST(test_age_empty)
{
	struct table *t = mk(100, 100);
	uint64_t next = 0;

	ck_assert_uint_eq(table_age(t, 12345, &next), 0);
	ck_assert_uint_eq(next, UINT64_MAX);
	table_free(t);
}
END_TEST

START_TEST(test_age_set_limits)
{
	struct table *t = mk(100, 100);
	struct val a = val_of("AAAA", 1);
	uint64_t next;

	for (uint32_t i = 0; i < 3; i++)
		ck_assert_int_eq(learn(t, i, &a, 10 * i), TABLE_LEARN_NEW);
	table_set_limits(t, 100, 50);
	ck_assert_uint_eq(table_age(t, 60, &next), 2);
	ck_assert_uint_eq(next, 70);
	table_set_limits(t, 100, 0);
	ck_assert_uint_eq(table_age(t, 1000, &next), 0);
	ck_assert_uint_eq(next, UINT64_MAX);
	table_free(t);
}
END_TEST

/* A huge ageing time saturates instead of wrapping to "already expired". */
START_TEST(test_age_saturates)
{
	struct table *t = mk(100, UINT64_MAX - 5);
	struct val a = val_of("AAAA", 1);
	uint64_t next = 0;

	ck_assert_int_eq(learn(t, 0, &a, 10), TABLE_LEARN_NEW);
	ck_assert_uint_eq(table_age(t, UINT64_MAX - 1, &next), 0);
	ck_assert_uint_eq(next, UINT64_MAX);
	table_free(t);
}
END_TEST

/* ---- cap ---- */

START_TEST(test_cap)
{
	struct table *t = mk(3, 100);
	struct val a = val_of("AAAA", 1), b = val_of("BBBB", 2);

	for (uint32_t i = 0; i < 3; i++)
		ck_assert_int_eq(learn(t, i, &a, i), TABLE_LEARN_NEW);
	/* Known keys refresh and move at the cap without evicting anything. */
	ck_assert_int_eq(learn(t, 0, &a, 6), TABLE_LEARN_REFRESHED);
	ck_assert_int_eq(learn(t, 1, &b, 7), TABLE_LEARN_MOVED);
	ck_assert_uint_eq(table_evicted(t), 0);
	/* Static entries are not capped. */
	ck_assert_int_eq(set_static(t, 50, &a), 0);
	ck_assert_uint_eq(table_count(t, TABLE_STATIC), 1);
	/* A new key evicts the least recently used: 2 (0 and 1 were used since). */
	ck_assert_int_eq(learn(t, 3, &a, 8), TABLE_LEARN_NEW);
	ck_assert_ptr_null(find(t, 2));
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 3);
	ck_assert_uint_eq(table_evicted(t), 1);
	/* Room after a delete, and after ageing, without evicting. */
	ck_assert_int_eq(del(t, 0), 0);
	ck_assert_int_eq(learn(t, 4, &a, 9), TABLE_LEARN_NEW);
	ck_assert_uint_eq(table_age(t, 107, NULL), 1);
	ck_assert_int_eq(learn(t, 5, &a, 107), TABLE_LEARN_NEW);
	ck_assert_uint_eq(table_evicted(t), 1);
	ck_assert_ptr_nonnull(find(t, 50));
	table_free(t);
}
END_TEST

START_TEST(test_cap_zero)
{
	struct table *t = mk(0, 100);
	struct val a = val_of("AAAA", 1);

	ck_assert_int_eq(learn(t, 0, &a, 0), TABLE_LEARN_FULL);
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 0);
	ck_assert_uint_eq(table_evicted(t), 0);
	ck_assert_int_eq(set_static(t, 0, &a), 0);
	ck_assert_int_eq(learn(t, 0, &a, 0), TABLE_LEARN_STATIC);
	table_free(t);
}
END_TEST

START_TEST(test_cap_lowered)
{
	struct table *t = mk(10, 100);
	struct val a = val_of("AAAA", 1);

	for (uint32_t i = 0; i < 3; i++)
		ck_assert_int_eq(learn(t, i, &a, i), TABLE_LEARN_NEW);
	table_set_limits(t, 1, 100);
	/* Over the new cap: nothing goes until the next new key, which takes
	 * the table down to the cap, oldest first. */
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 3);
	ck_assert_int_eq(learn(t, 1, &a, 3), TABLE_LEARN_REFRESHED);
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 3);
	ck_assert_int_eq(learn(t, 3, &a, 4), TABLE_LEARN_NEW);
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 1);
	ck_assert_uint_eq(table_evicted(t), 3);
	ck_assert_ptr_nonnull(find(t, 3));
	table_set_limits(t, 3, 100);
	ck_assert_int_eq(learn(t, 4, &a, 5), TABLE_LEARN_NEW);
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 2);
	table_free(t);
}
END_TEST

/* ---- eviction order, groups ---- */

#define K(n) (1u << (n))

/* One step of an eviction scenario: learn key with a value tagged tag
 * ("AAAA" or "BBBB": the group, when groups are on) at now, make it static,
 * or delete it; then exactly the keys in want (of 0-31) are present. */
struct evict_step {
	char op; /* 'L' learn, 'S' static, 'D' delete */
	uint32_t key;
	const char *tag;
	uint64_t now;
	uint32_t want;
};

struct evict_scenario {
	const char *name;
	size_t max_learned, group_len, max_per_group;
	const struct evict_step *steps;
	size_t nsteps;
	uint64_t evicted; /* at the end */
};

/* The total cap alone: the least recently used learned entry goes, a refresh
 * or a move makes an entry recent, static entries never go. */
static const struct evict_step total_steps[] = {
	{'L', 1, "AAAA", 1, K(1)},
	{'L', 2, "AAAA", 2, K(1) | K(2)},
	{'S', 10, "AAAA", 2, K(1) | K(2) | K(10)},
	{'L', 3, "AAAA", 3, K(1) | K(2) | K(3) | K(10)},
	{'L', 4, "AAAA", 4, K(2) | K(3) | K(4) | K(10)},
	{'L', 2, "AAAA", 5, K(2) | K(3) | K(4) | K(10)}, /* refresh */
	{'L', 5, "AAAA", 6, K(2) | K(4) | K(5) | K(10)},
	{'L', 4, "BBBB", 7, K(2) | K(4) | K(5) | K(10)}, /* move */
	{'L', 6, "AAAA", 8, K(4) | K(5) | K(6) | K(10)},
	{'D', 5, NULL, 8, K(4) | K(6) | K(10)},
	{'L', 7, "AAAA", 9, K(4) | K(6) | K(7) | K(10)},
	{'S', 11, "AAAA", 9, K(4) | K(6) | K(7) | K(10) | K(11)},
	{'L', 8, "AAAA", 10, K(6) | K(7) | K(8) | K(10) | K(11)},
	/* A learned entry made static leaves the cap: room without eviction. */
	{'S', 6, "BBBB", 10, K(6) | K(7) | K(8) | K(10) | K(11)},
	{'L', 9, "AAAA", 11, K(6) | K(7) | K(8) | K(9) | K(10) | K(11)},
	{'L', 12, "AAAA", 12, K(6) | K(8) | K(9) | K(10) | K(11) | K(12)},
};

/* Groups "AAAA" and "BBBB" capped at 2 each: a new key evicts its own
 * group's least recently used entry, never the other group's. */
static const struct evict_step group_steps[] = {
	{'L', 1, "AAAA", 1, K(1)},
	{'L', 2, "AAAA", 2, K(1) | K(2)},
	{'L', 3, "BBBB", 3, K(1) | K(2) | K(3)},
	{'L', 4, "AAAA", 4, K(2) | K(3) | K(4)},
	{'L', 5, "AAAA", 5, K(3) | K(4) | K(5)}, /* 3 is older, but B's */
	{'L', 6, "AAAA", 6, K(3) | K(5) | K(6)},
	{'L', 7, "BBBB", 7, K(3) | K(5) | K(6) | K(7)},
	{'L', 3, "BBBB", 8, K(3) | K(5) | K(6) | K(7)}, /* refresh: 7 is B's oldest */
	{'L', 8, "BBBB", 9, K(3) | K(5) | K(6) | K(8)},
	/* Moving into a full group evicts that group's oldest, not the mover. */
	{'L', 5, "BBBB", 10, K(5) | K(6) | K(8)},
	{'L', 9, "AAAA", 11, K(5) | K(6) | K(8) | K(9)},
	{'S', 10, "BBBB", 11, K(5) | K(6) | K(8) | K(9) | K(10)},
	{'L', 11, "BBBB", 12, K(5) | K(6) | K(9) | K(10) | K(11)},
	{'D', 6, NULL, 12, K(5) | K(9) | K(10) | K(11)},
	{'L', 12, "AAAA", 13, K(5) | K(9) | K(10) | K(11) | K(12)},
};

/* Groups capped at 3, the table at 4: the total cap evicts the oldest of all. */
static const struct evict_step both_steps[] = {
	{'L', 1, "AAAA", 1, K(1)},
	{'L', 2, "BBBB", 2, K(1) | K(2)},
	{'L', 3, "BBBB", 3, K(1) | K(2) | K(3)},
	{'L', 4, "AAAA", 4, K(1) | K(2) | K(3) | K(4)},
	{'L', 5, "AAAA", 5, K(2) | K(3) | K(4) | K(5)},
	{'L', 6, "AAAA", 6, K(3) | K(4) | K(5) | K(6)},
	{'L', 7, "AAAA", 7, K(3) | K(5) | K(6) | K(7)}, /* A at 3: A's oldest */
};

#define STEPS(a) a, sizeof(a) / sizeof((a)[0])

static const struct evict_scenario evict_scenarios[] = {
	{"total", 3, 0, 0, STEPS(total_steps), 5},
	{"group", 100, 4, 2, STEPS(group_steps), 6},
	{"both", 4, 4, 3, STEPS(both_steps), 3},
};

static uint32_t present(const struct table *t)
{
	uint32_t m = 0;

	for (uint32_t k = 0; k < 32; k++)
		if (find(t, k))
			m |= K(k);
	return m;
}

START_TEST(test_evict_order)
{
	const struct evict_scenario *sc = &evict_scenarios[_i];
	struct table *t = mk(sc->max_learned, 0);

	ck_assert_int_eq(table_set_groups(t, sc->group_len, sc->max_per_group), 0);
	for (size_t i = 0; i < sc->nsteps; i++) {
		const struct evict_step *st = &sc->steps[i];
		struct val v = val_of(st->tag ? st->tag : "----", 0);

		switch (st->op) {
		case 'L':
			ck_assert_int_ne(learn(t, st->key, &v, st->now), TABLE_LEARN_FULL);
			break;
		case 'S':
			ck_assert_int_eq(set_static(t, st->key, &v), 0);
			break;
		default:
			ck_assert_int_eq(del(t, st->key), 0);
			break;
		}
		ck_assert_msg(present(t) == st->want, "%s step %zu: keys %#x, want %#x", sc->name,
			      i, present(t), st->want);
	}
	ck_assert_uint_eq(table_evicted(t), sc->evicted);
	table_free(t);
}
END_TEST

/* One group sprays many keys: the other group keeps every entry, and the
 * counts stay right through deletes, ageing, flushes and conversions. */
START_TEST(test_group_isolation)
{
	enum { CAP = 8, SPRAY = 5000, B_KEYS = 5 };
	struct table *t = mk(1000, 100000);
	struct val a = val_of("AAAA", 1), b = val_of("BBBB", 1);
	uint64_t now = 0;

	ck_assert_int_eq(table_set_groups(t, 4, CAP), 0);
	for (uint32_t i = 0; i < B_KEYS; i++)
		ck_assert_int_eq(learn(t, 100000 + i, &b, now++), TABLE_LEARN_NEW);
	for (uint32_t i = 0; i < SPRAY; i++)
		ck_assert_int_eq(learn(t, i, &a, now++), TABLE_LEARN_NEW);
	for (uint32_t i = 0; i < B_KEYS; i++)
		ck_assert_ptr_nonnull(find(t, 100000 + i));
	ck_assert_uint_eq(table_group_count(t, "AAAA"), CAP);
	ck_assert_uint_eq(table_group_count(t, "BBBB"), B_KEYS);
	ck_assert_uint_eq(table_group_count(t, "CCCC"), 0);
	ck_assert_uint_eq(table_evicted(t), SPRAY - CAP);
	/* The survivors of the spray are its last CAP keys. */
	for (uint32_t i = SPRAY - CAP; i < SPRAY; i++)
		ck_assert_ptr_nonnull(find(t, i));

	ck_assert_int_eq(del(t, 100000), 0);
	ck_assert_int_eq(set_static(t, 100001, &b), 0);
	ck_assert_uint_eq(table_group_count(t, "BBBB"), B_KEYS - 2);
	ck_assert_uint_eq(table_del_by_val(t, "AAAA", 4, false), CAP);
	ck_assert_uint_eq(table_group_count(t, "AAAA"), 0);
	ck_assert_int_eq(learn(t, 1, &a, now), TABLE_LEARN_NEW);
	ck_assert_uint_eq(table_group_count(t, "AAAA"), 1);
	ck_assert_uint_eq(table_age(t, now + 100000, NULL), 1 + B_KEYS - 2);
	ck_assert_uint_eq(table_group_count(t, "AAAA"), 0);
	ck_assert_uint_eq(table_group_count(t, "BBBB"), 0);
	ck_assert_int_eq(learn(t, 2, &b, now), TABLE_LEARN_NEW);
	ck_assert_uint_eq(table_flush_learned(t), 1);
	ck_assert_uint_eq(table_group_count(t, "BBBB"), 0);
	ck_assert_ptr_nonnull(find(t, 100001));
	table_free(t);
}
END_TEST

START_TEST(test_group_args)
{
	struct table *t = mk(10, 0);
	struct val a = val_of("AAAA", 1), b = val_of("BBBB", 1);

	ck_assert_int_eq(table_set_groups(t, VLEN + 1, 5), -EINVAL);
	ck_assert_int_eq(table_set_groups(t, 4, 0), 0);
	/* A group cap of 0 learns nothing, and moves nothing between groups. */
	ck_assert_int_eq(learn(t, 1, &a, 0), TABLE_LEARN_FULL);
	table_set_group_limit(t, 1);
	ck_assert_int_eq(learn(t, 1, &a, 0), TABLE_LEARN_NEW);
	ck_assert_int_eq(table_set_groups(t, 4, 5), -EBUSY);
	table_set_group_limit(t, 0);
	ck_assert_int_eq(learn(t, 1, &b, 1), TABLE_LEARN_FULL);
	ck_assert_mem_eq(find(t, 1)->val, a.b, VLEN);
	/* A group over a lowered cap shrinks at its next learn. */
	table_set_group_limit(t, 3);
	ck_assert_int_eq(learn(t, 2, &a, 2), TABLE_LEARN_NEW);
	ck_assert_int_eq(learn(t, 3, &a, 3), TABLE_LEARN_NEW);
	table_set_group_limit(t, 1);
	ck_assert_uint_eq(table_group_count(t, "AAAA"), 3);
	ck_assert_int_eq(learn(t, 4, &a, 4), TABLE_LEARN_NEW);
	ck_assert_uint_eq(table_group_count(t, "AAAA"), 1);
	ck_assert_ptr_nonnull(find(t, 4));
	ck_assert_uint_eq(table_evicted(t), 3);
	table_free(t);
}
END_TEST

/* ---- move damping ---- */

/* At now, learn key 1 with value tag; expect the result and the value
 * after (old is checked against it on FROZE and FROZEN). */
struct damp_step {
	uint64_t now;
	const char *tag;
	enum table_learn want;
	const char *after;
};

/* At most 2 moves in 1000 ms; "AAAA" is where the key starts. */
static const struct damp_step damp_steps[] = {
	{0, "AAAA", TABLE_LEARN_NEW, "AAAA"},
	{100, "BBBB", TABLE_LEARN_MOVED, "BBBB"},
	{200, "AAAA", TABLE_LEARN_MOVED, "AAAA"},
	{300, "BBBB", TABLE_LEARN_FROZE, "AAAA"}, /* the third move: frozen at home */
	{400, "BBBB", TABLE_LEARN_FROZEN, "AAAA"},
	{450, "CCCC", TABLE_LEARN_FROZEN, "AAAA"},
	{500, "AAAA", TABLE_LEARN_REFRESHED, "AAAA"},
	{1299, "BBBB", TABLE_LEARN_FROZEN, "AAAA"}, /* a window from the freeze */
	{1300, "BBBB", TABLE_LEARN_MOVED, "BBBB"},  /* thawed: a new window */
	{1400, "CCCC", TABLE_LEARN_MOVED, "CCCC"},
	{1500, "BBBB", TABLE_LEARN_FROZE, "AAAA"},
	{2499, "BBBB", TABLE_LEARN_FROZEN, "AAAA"},
	{2500, "BBBB", TABLE_LEARN_MOVED, "BBBB"},
	/* The home is the value when the window began, not the first one. */
	{3600, "CCCC", TABLE_LEARN_MOVED, "CCCC"},
	{3700, "AAAA", TABLE_LEARN_MOVED, "AAAA"},
	{3800, "CCCC", TABLE_LEARN_FROZE, "BBBB"},
	{4799, "AAAA", TABLE_LEARN_FROZEN, "BBBB"},
	/* Moves spread over windows never freeze. */
	{4800, "AAAA", TABLE_LEARN_MOVED, "AAAA"},
	{5400, "BBBB", TABLE_LEARN_MOVED, "BBBB"},
	{5900, "AAAA", TABLE_LEARN_MOVED, "AAAA"},
	{6500, "BBBB", TABLE_LEARN_MOVED, "BBBB"},
	{7000, "AAAA", TABLE_LEARN_MOVED, "AAAA"},
	/* The move that freezes may be the one back home. */
	{7100, "CCCC", TABLE_LEARN_MOVED, "CCCC"},
	{7200, "BBBB", TABLE_LEARN_FROZE, "BBBB"},
};

START_TEST(test_damping)
{
	struct table *t = mk(10, 0);
	struct key k = key_of(1);

	/* Groups on, so that going home also moves the entry between groups. */
	ck_assert_int_eq(table_set_groups(t, 4, 10), 0);
	table_set_damping(t, 2, 1000);
	for (size_t i = 0; i < sizeof(damp_steps) / sizeof(damp_steps[0]); i++) {
		const struct damp_step *st = &damp_steps[i];
		struct val v = val_of(st->tag, 0), after = val_of(st->after, 0), old;
		struct table_entry *e;
		uint64_t updated = find(t, 1) ? find(t, 1)->updated : 0;
		enum table_learn r;

		memset(&old, 0, sizeof(old));
		r = table_learn(t, &k, &v, st->now, &old);
		ck_assert_msg(r == st->want, "step %zu: result %d, want %d", i, r, st->want);
		e = find(t, 1);
		ck_assert_mem_eq(e->val, after.b, VLEN);
		ck_assert_uint_eq(table_group_count(t, st->after), 1);
		if (r == TABLE_LEARN_FROZE || r == TABLE_LEARN_FROZEN)
			ck_assert_mem_eq(old.b, after.b, VLEN);
		/* A refused move does not keep the entry alive. */
		ck_assert_uint_eq(e->updated, r == TABLE_LEARN_FROZEN ? updated : st->now);
	}
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 1);
	table_free(t);
}
END_TEST

START_TEST(test_damping_off)
{
	struct table *t = mk(10, 0);
	struct val a = val_of("AAAA", 0), b = val_of("BBBB", 0);

	ck_assert_int_eq(learn(t, 1, &a, 0), TABLE_LEARN_NEW);
	for (uint64_t i = 1; i < 100; i++)
		ck_assert_int_eq(learn(t, 1, i % 2 ? &b : &a, i), TABLE_LEARN_MOVED);
	/* Turned on, then off again: frozen entries move freely once it is off. */
	table_set_damping(t, 1, 1000);
	ck_assert_int_eq(learn(t, 1, &a, 100), TABLE_LEARN_MOVED);
	ck_assert_int_eq(learn(t, 1, &b, 101), TABLE_LEARN_FROZE);
	ck_assert_int_eq(learn(t, 1, &a, 102), TABLE_LEARN_FROZEN);
	table_set_damping(t, 0, 1000);
	ck_assert_int_eq(learn(t, 1, &a, 103), TABLE_LEARN_MOVED);
	/* A removed entry takes its history with it; its slot's reuse starts clean. */
	table_set_damping(t, 1, 1000);
	ck_assert_int_eq(learn(t, 1, &b, 1200), TABLE_LEARN_MOVED);
	ck_assert_int_eq(del(t, 1), 0);
	ck_assert_int_eq(learn(t, 2, &a, 1201), TABLE_LEARN_NEW);
	ck_assert_int_eq(learn(t, 2, &b, 1202), TABLE_LEARN_MOVED);
	ck_assert_int_eq(learn(t, 2, &a, 1203), TABLE_LEARN_FROZE);
	ck_assert_mem_eq(find(t, 2)->val, a.b, VLEN);
	table_free(t);
}
END_TEST

/* ---- touch ---- */

START_TEST(test_touch)
{
	struct table *t = mk(2, 0);
	struct key k1 = key_of(1), k2 = key_of(2), k3 = key_of(3), k4 = key_of(4);
	struct val a = val_of("AAAA", 1);
	struct table_entry *e;
	bool created;

	e = table_touch(t, &k1, 10, &created);
	ck_assert_ptr_nonnull(e);
	ck_assert(created);
	ck_assert_mem_eq(e->val, (uint8_t[VLEN]){0}, VLEN);
	e->val[0] = 7;
	e = table_touch(t, &k1, 11, &created);
	ck_assert(!created);
	ck_assert_uint_eq(e->val[0], 7);
	ck_assert_uint_eq(e->updated, 11);
	ck_assert_ptr_nonnull(table_touch(t, &k2, 12, &created));
	ck_assert_ptr_nonnull(table_touch(t, &k1, 13, &created));
	/* At the cap the least recently touched (2) goes. */
	ck_assert_ptr_nonnull(table_touch(t, &k3, 14, &created));
	ck_assert(created);
	ck_assert_ptr_null(find(t, 2));
	ck_assert_ptr_nonnull(find(t, 1));
	ck_assert_uint_eq(table_evicted(t), 1);
	/* Not on static entries, not at a cap of 0, not on a grouped table. */
	ck_assert_int_eq(set_static(t, 4, &a), 0);
	ck_assert_ptr_null(table_touch(t, &k4, 15, &created));
	table_set_limits(t, 0, 0);
	ck_assert_ptr_null(table_touch(t, &k2, 16, &created));
	table_free(t);
	t = mk(2, 0);
	ck_assert_int_eq(table_set_groups(t, 4, 2), 0);
	ck_assert_ptr_null(table_touch(t, &k1, 1, &created));
	table_free(t);
}
END_TEST

/* ---- del_by_val ---- */

START_TEST(test_del_by_val)
{
	struct table *t = mk(100, 100);
	struct val a1 = val_of("AAAA", 1), a2 = val_of("AAAA", 2), b1 = val_of("BBBB", 1);
	struct val a3 = val_of("AAAA", 3);
	uint64_t next;

	ck_assert_int_eq(learn(t, 1, &a1, 0), TABLE_LEARN_NEW);
	ck_assert_int_eq(learn(t, 2, &a2, 10), TABLE_LEARN_NEW);
	ck_assert_int_eq(learn(t, 3, &b1, 20), TABLE_LEARN_NEW);
	ck_assert_int_eq(set_static(t, 4, &a3), 0);

	ck_assert_uint_eq(table_del_by_val(t, "AAAA", 4, false), 2);
	ck_assert_ptr_null(find(t, 1));
	ck_assert_ptr_null(find(t, 2));
	ck_assert_ptr_nonnull(find(t, 3));
	ck_assert_ptr_nonnull(find(t, 4));
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 1);
	ck_assert_uint_eq(table_count(t, TABLE_STATIC), 1);
	/* The LRU list now holds only entry 3. */
	ck_assert_uint_eq(table_age(t, 0, &next), 0);
	ck_assert_uint_eq(next, 120);

	ck_assert_uint_eq(table_del_by_val(t, "AAAA", 4, true), 1);
	ck_assert_ptr_null(find(t, 4));
	ck_assert_uint_eq(table_count(t, TABLE_STATIC), 0);
	/* A whole value matches exactly; a too-long prefix matches nothing. */
	ck_assert_uint_eq(table_del_by_val(t, &a1, VLEN, true), 0);
	ck_assert_uint_eq(table_del_by_val(t, "BBBB\0\0\0\1X", VLEN + 1, true), 0);
	ck_assert_uint_eq(table_del_by_val(t, &b1, VLEN, true), 1);
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 0);
	table_free(t);
}
END_TEST

/* ---- scale ---- */

#define MANY 20000

START_TEST(test_many)
{
	struct table *t = mk(MANY, 0);

	for (uint32_t i = 0; i < MANY; i++) {
		struct val v = val_of("MANY", i);

		ck_assert_int_eq(learn(t, i, &v, i), TABLE_LEARN_NEW);
	}
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), MANY);
	for (uint32_t i = 0; i < MANY; i++) {
		struct val v = val_of("MANY", i);
		struct table_entry *e = find(t, i);

		ck_assert_ptr_nonnull(e);
		ck_assert_mem_eq(e->val, v.b, VLEN);
	}
	ck_assert_ptr_null(find(t, MANY));
	for (uint32_t i = 0; i < MANY; i += 2)
		ck_assert_int_eq(del(t, i), 0);
	for (uint32_t i = 0; i < MANY; i++)
		ck_assert_int_eq(find(t, i) != NULL, i % 2 == 1);
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), MANY / 2);
	table_free(t);
}
END_TEST

START_TEST(test_reuse_freed)
{
	struct table *t = mk(100, 100);
	struct val a = val_of("AAAA", 1);
	struct table_entry *p;

	ck_assert_int_eq(learn(t, 1, &a, 0), TABLE_LEARN_NEW);
	p = find(t, 1);
	ck_assert_int_eq(del(t, 1), 0);
	ck_assert_int_eq(learn(t, 2, &a, 0), TABLE_LEARN_NEW);
	ck_assert_ptr_eq(find(t, 2), p);
	ck_assert_uint_eq(table_age(t, 100, NULL), 1);
	ck_assert_int_eq(set_static(t, 3, &a), 0);
	ck_assert_ptr_eq(find(t, 3), p);
	table_free(t);
}
END_TEST

static int ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;

	return x < y ? -1 : x > y;
}

/* Steady-state learning lives off the free list: after a full generation
 * ages out, the next generation occupies exactly the same entries. */
START_TEST(test_steady_state)
{
	enum { N = 1000 };
	struct table *t = mk(N, 100);
	struct val a = val_of("AAAA", 1);
	struct table_entry **gen1 = malloc(N * sizeof(*gen1));

	ck_assert_ptr_nonnull(gen1);
	for (uint32_t i = 0; i < N; i++) {
		ck_assert_int_eq(learn(t, i, &a, 0), TABLE_LEARN_NEW);
		gen1[i] = find(t, i);
	}
	qsort(gen1, N, sizeof(*gen1), ptr_cmp);
	ck_assert_uint_eq(table_age(t, 100, NULL), N);
	for (uint32_t i = N; i < 2 * N; i++) {
		struct table_entry *e;

		ck_assert_int_eq(learn(t, i, &a, 200), TABLE_LEARN_NEW);
		e = find(t, i);
		ck_assert_ptr_nonnull(bsearch(&e, gen1, N, sizeof(*gen1), ptr_cmp));
	}
	free(gen1);
	table_free(t);
}
END_TEST

struct walk {
	size_t learned, statics;
	uint64_t key_sum;
};

static void walk_fn(const struct table_entry *e, void *arg)
{
	struct walk *w = arg;

	if (e->kind == TABLE_STATIC)
		w->statics++;
	else
		w->learned++;
	w->key_sum += (uint32_t)e->key[4] << 8 | e->key[5];
}

START_TEST(test_foreach)
{
	struct table *t = mk(1000, 0);
	struct val a = val_of("AAAA", 1);
	struct walk w = {0, 0, 0};

	for (uint32_t i = 1; i <= 300; i++)
		ck_assert_int_eq(learn(t, i, &a, 0), TABLE_LEARN_NEW);
	for (uint32_t i = 301; i <= 400; i++)
		ck_assert_int_eq(set_static(t, i, &a), 0);
	table_foreach(t, walk_fn, &w);
	ck_assert_uint_eq(w.learned, 300);
	ck_assert_uint_eq(w.statics, 100);
	ck_assert_uint_eq(w.key_sum, 400 * 401 / 2);
	table_free(t);
}
END_TEST

/* The seed changes the layout, never the contents. */
START_TEST(test_seeds)
{
	static const uint8_t seed2[TABLE_SEED_LEN] = {0xff};
	struct table *t = table_new(KLEN, VLEN, 500, 0, seed2);
	struct val a = val_of("AAAA", 1);

	ck_assert_ptr_nonnull(t);
	for (uint32_t i = 0; i < 500; i++)
		ck_assert_int_eq(learn(t, i, &a, 0), TABLE_LEARN_NEW);
	for (uint32_t i = 0; i < 500; i++)
		ck_assert_ptr_nonnull(find(t, i));
	table_free(t);
}
END_TEST

#define NELEM(a) (int)(sizeof(a) / sizeof((a)[0]))

static Suite *table_suite(void)
{
	Suite *s = suite_create("table");
	TCase *tc;

	tc = tcase_create("learn");
	tcase_add_test(tc, test_new_refresh_move);
	tcase_add_test(tc, test_unused_bytes_zero);
	tcase_add_loop_test(tc, test_new_args, 0, NELEM(new_vecs));
	suite_add_tcase(s, tc);

	tc = tcase_create("static");
	tcase_add_test(tc, test_static_never_moves);
	tcase_add_test(tc, test_static_never_ages);
	tcase_add_test(tc, test_static_converts_learned);
	tcase_add_test(tc, test_flush_keeps_static);
	tcase_add_test(tc, test_del);
	suite_add_tcase(s, tc);

	tc = tcase_create("ageing");
	tcase_add_test(tc, test_age_steps);
	tcase_add_test(tc, test_age_lru_order);
	tcase_add_test(tc, test_age_disabled);
	tcase_add_test(tc, test_age_empty);
	tcase_add_test(tc, test_age_set_limits);
	tcase_add_test(tc, test_age_saturates);
	suite_add_tcase(s, tc);

	tc = tcase_create("cap");
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_cap_zero);
	tcase_add_test(tc, test_cap_lowered);
	tcase_add_loop_test(tc, test_evict_order, 0, NELEM(evict_scenarios));
	tcase_add_test(tc, test_group_isolation);
	tcase_add_test(tc, test_group_args);
	tcase_add_test(tc, test_touch);
	suite_add_tcase(s, tc);

	tc = tcase_create("damping");
	tcase_add_test(tc, test_damping);
	tcase_add_test(tc, test_damping_off);
	suite_add_tcase(s, tc);

	tc = tcase_create("del_by_val");
	tcase_add_test(tc, test_del_by_val);
	suite_add_tcase(s, tc);

	tc = tcase_create("scale");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_reuse_freed);
	tcase_add_test(tc, test_steady_state);
	tcase_add_test(tc, test_foreach);
	tcase_add_test(tc, test_seeds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(table_suite());
}
