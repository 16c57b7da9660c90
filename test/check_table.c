/* check_table: unit tests for the keyed table: learning, static entries,
 * LRU ageing, the cap, removal by value and growth. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

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
	ck_assert_int_eq(learn(t, 2, &a, 0), TABLE_LEARN_FULL);
	ck_assert_int_eq(set_static(t, 1, &b), 0);
	ck_assert_int_eq(find(t, 1)->kind, TABLE_STATIC);
	ck_assert_mem_eq(find(t, 1)->val, b.b, VLEN);
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 0);
	ck_assert_uint_eq(table_count(t, TABLE_STATIC), 1);
	/* Off the LRU list: it does not age and no deadline is left. */
	ck_assert_uint_eq(table_age(t, 1000, &next), 0);
	ck_assert_uint_eq(next, UINT64_MAX);
	ck_assert_ptr_nonnull(find(t, 1));
	/* And off the cap: a new MAC can be learned again. */
	ck_assert_int_eq(learn(t, 2, &a, 1000), TABLE_LEARN_NEW);
	ck_assert_uint_eq(table_age(t, 1050, &next), 0);
	ck_assert_uint_eq(next, 1100);
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
	ck_assert_int_eq(learn(t, 3, &a, 5), TABLE_LEARN_FULL);
	ck_assert_ptr_null(find(t, 3));
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 3);
	/* Known keys still refresh and move at the cap. */
	ck_assert_int_eq(learn(t, 0, &a, 6), TABLE_LEARN_REFRESHED);
	ck_assert_int_eq(learn(t, 1, &b, 7), TABLE_LEARN_MOVED);
	/* Static entries are not capped. */
	ck_assert_int_eq(set_static(t, 50, &a), 0);
	ck_assert_uint_eq(table_count(t, TABLE_STATIC), 1);
	/* Room again after a delete, and after ageing. */
	ck_assert_int_eq(del(t, 2), 0);
	ck_assert_int_eq(learn(t, 3, &a, 8), TABLE_LEARN_NEW);
	ck_assert_int_eq(learn(t, 4, &a, 8), TABLE_LEARN_FULL);
	ck_assert_uint_eq(table_age(t, 106, NULL), 1);
	ck_assert_int_eq(learn(t, 4, &a, 106), TABLE_LEARN_NEW);
	table_free(t);
}
END_TEST

START_TEST(test_cap_zero)
{
	struct table *t = mk(0, 100);
	struct val a = val_of("AAAA", 1);

	ck_assert_int_eq(learn(t, 0, &a, 0), TABLE_LEARN_FULL);
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 0);
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
	/* Over the new cap: nothing is evicted, nothing new is learned. */
	ck_assert_uint_eq(table_count(t, TABLE_LEARNED), 3);
	ck_assert_int_eq(learn(t, 3, &a, 3), TABLE_LEARN_FULL);
	ck_assert_int_eq(del(t, 0), 0);
	ck_assert_int_eq(learn(t, 3, &a, 3), TABLE_LEARN_FULL);
	table_set_limits(t, 3, 100);
	ck_assert_int_eq(learn(t, 3, &a, 3), TABLE_LEARN_NEW);
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
	SRunner *sr = srunner_create(table_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
