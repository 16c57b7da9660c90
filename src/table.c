/* table: a keyed hash of static and learned entries, with LRU ageing and a cap. */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define TABLE_MIN_BUCKETS 16

struct table {
	size_t key_len, val_len;
	size_t max_learned;
	uint64_t ageing_ms;
	uint8_t seed[crypto_shorthash_KEYBYTES];

	struct table_entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t nlearned, nstatic;
	uint64_t gen; /* bumped by every removal */

	/* Learned entries only, oldest `updated` at the head, so ageing stops at
	 * the first entry still alive. Relies on `now` never going backwards. */
	struct table_entry *lru_head, *lru_tail;

	/* Removed entries kept for reuse, chained through hnext, so that
	 * learning in steady state (age one out, learn one) does not malloc. */
	struct table_entry *free_list;
};

_Static_assert(TABLE_SEED_LEN == crypto_shorthash_KEYBYTES, "seed length is the SipHash key");

static size_t table_slot(const struct table *t, const void *key)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;

	/* Keyed (SipHash-2-4), so a peer that picks source MACs cannot pile
	 * them into one chain. */
	crypto_shorthash(h, key, t->key_len, t->seed);
	memcpy(&v, h, sizeof(v));
	return (size_t)v & (t->nbuckets - 1);
}

struct table *table_new(size_t key_len, size_t val_len, size_t max_learned, uint64_t ageing_ms,
			const uint8_t seed[static TABLE_SEED_LEN])
{
	struct table *t;

	if (key_len == 0 || key_len > TABLE_KEY_MAX || val_len > TABLE_VAL_MAX)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->buckets = calloc(TABLE_MIN_BUCKETS, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->nbuckets = TABLE_MIN_BUCKETS;
	t->key_len = key_len;
	t->val_len = val_len;
	t->max_learned = max_learned;
	t->ageing_ms = ageing_ms;
	memcpy(t->seed, seed, TABLE_SEED_LEN);
	return t;
}

static void table_free_chain(struct table_entry *e)
{
	while (e) {
		struct table_entry *next = e->hnext;

		free(e);
		e = next;
	}
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nbuckets; i++)
		table_free_chain(t->buckets[i]);
	table_free_chain(t->free_list);
	free(t->buckets);
	sodium_memzero(t->seed, sizeof(t->seed));
	free(t);
}

struct table_entry *table_lookup(const struct table *t, const void *key)
{
	struct table_entry *e;

	for (e = t->buckets[table_slot(t, key)]; e; e = e->hnext)
		if (memcmp(e->key, key, t->key_len) == 0)
			return e;
	return NULL;
}

static void lru_unlink(struct table *t, struct table_entry *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		t->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		t->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_append(struct table *t, struct table_entry *e)
{
	e->lru_next = NULL;
	e->lru_prev = t->lru_tail;
	if (t->lru_tail)
		t->lru_tail->lru_next = e;
	else
		t->lru_head = e;
	t->lru_tail = e;
}

/* Double the buckets when the load passes 3/4. Failure is harmless: the
 * chains just get longer. */
static void table_maybe_grow(struct table *t)
{
	size_t n = t->nlearned + t->nstatic, nb = t->nbuckets * 2;
	struct table_entry **old = t->buckets, **nbk;
	size_t onb = t->nbuckets;

	if (n <= t->nbuckets - t->nbuckets / 4 || nb > SIZE_MAX / sizeof(*nbk) / 2)
		return;
	nbk = calloc(nb, sizeof(*nbk));
	if (!nbk)
		return;
	t->buckets = nbk;
	t->nbuckets = nb;
	for (size_t i = 0; i < onb; i++) {
		struct table_entry *e = old[i], *next;

		for (; e; e = next) {
			size_t s = table_slot(t, e->key);

			next = e->hnext;
			e->hnext = nbk[s];
			nbk[s] = e;
		}
	}
	free(old);
}

static struct table_entry *table_insert(struct table *t, const void *key, const void *val,
					enum table_kind kind, uint64_t now)
{
	struct table_entry *e = t->free_list;
	size_t s;

	if (e)
		t->free_list = e->hnext;
	else if (!(e = malloc(sizeof(*e))))
		return NULL;
	/* Zero the unused tail of key and val: views and memcmp see only zeros. */
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, t->key_len);
	memcpy(e->val, val, t->val_len);
	e->kind = kind;
	e->updated = now;
	s = table_slot(t, key);
	e->hnext = t->buckets[s];
	t->buckets[s] = e;
	if (kind == TABLE_LEARNED) {
		lru_append(t, e);
		t->nlearned++;
	} else {
		t->nstatic++;
	}
	table_maybe_grow(t);
	return e;
}

/* Unlink the entry *pp from its chain and the LRU list and keep it for reuse. */
static void table_unlink_at(struct table *t, struct table_entry **pp)
{
	struct table_entry *e = *pp;

	*pp = e->hnext;
	if (e->kind == TABLE_LEARNED) {
		lru_unlink(t, e);
		t->nlearned--;
	} else {
		t->nstatic--;
	}
	e->hnext = t->free_list;
	t->free_list = e;
	t->gen++;
}

static void table_remove(struct table *t, struct table_entry *e)
{
	struct table_entry **pp = &t->buckets[table_slot(t, e->key)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	table_unlink_at(t, pp);
}

enum table_learn table_learn(struct table *t, const void *key, const void *val, uint64_t now,
			     void *old)
{
	struct table_entry *e = table_lookup(t, key);
	enum table_learn r;

	if (!e) {
		if (t->nlearned >= t->max_learned)
			return TABLE_LEARN_FULL;
		return table_insert(t, key, val, TABLE_LEARNED, now) ? TABLE_LEARN_NEW
								     : TABLE_LEARN_NOMEM;
	}
	if (e->kind == TABLE_STATIC)
		return TABLE_LEARN_STATIC;
	if (memcmp(e->val, val, t->val_len) == 0) {
		r = TABLE_LEARN_REFRESHED;
	} else {
		if (old)
			memcpy(old, e->val, t->val_len);
		memcpy(e->val, val, t->val_len);
		r = TABLE_LEARN_MOVED;
	}
	e->updated = now;
	lru_unlink(t, e);
	lru_append(t, e);
	return r;
}

int table_set_static(struct table *t, const void *key, const void *val)
{
	struct table_entry *e = table_lookup(t, key);

	if (!e)
		return table_insert(t, key, val, TABLE_STATIC, 0) ? 0 : -ENOMEM;
	if (e->kind == TABLE_LEARNED) {
		/* Pinned by the administrator: out of ageing and off the cap. */
		lru_unlink(t, e);
		t->nlearned--;
		t->nstatic++;
		e->kind = TABLE_STATIC;
	}
	memcpy(e->val, val, t->val_len);
	return 0;
}

int table_del(struct table *t, const void *key)
{
	struct table_entry *e = table_lookup(t, key);

	if (!e)
		return -ENOENT;
	table_remove(t, e);
	return 0;
}

size_t table_flush_learned(struct table *t)
{
	size_t n = 0;

	while (t->lru_head) {
		table_remove(t, t->lru_head);
		n++;
	}
	return n;
}

size_t table_del_by_val(struct table *t, const void *val_prefix, size_t val_prefix_len,
			bool include_static)
{
	size_t n = 0;

	if (val_prefix_len > t->val_len)
		return 0;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct table_entry **pp = &t->buckets[i];

		while (*pp) {
			struct table_entry *e = *pp;

			if ((include_static || e->kind == TABLE_LEARNED) &&
			    memcmp(e->val, val_prefix, val_prefix_len) == 0) {
				table_unlink_at(t, pp);
				n++;
			} else {
				pp = &e->hnext;
			}
		}
	}
	return n;
}

/* Saturating, so a huge ageing time means "never" rather than wrapping. */
static uint64_t table_deadline(const struct table *t, const struct table_entry *e)
{
	return e->updated > UINT64_MAX - t->ageing_ms ? UINT64_MAX : e->updated + t->ageing_ms;
}

size_t table_age(struct table *t, uint64_t now, uint64_t *next)
{
	size_t n = 0;

	if (t->ageing_ms == 0) {
		if (next)
			*next = UINT64_MAX;
		return 0;
	}
	while (t->lru_head && table_deadline(t, t->lru_head) <= now) {
		table_remove(t, t->lru_head);
		n++;
	}
	if (next)
		*next = t->lru_head ? table_deadline(t, t->lru_head) : UINT64_MAX;
	return n;
}

void table_foreach(const struct table *t, void (*fn)(const struct table_entry *e, void *arg),
		   void *arg)
{
	for (size_t i = 0; i < t->nbuckets; i++)
		for (const struct table_entry *e = t->buckets[i]; e; e = e->hnext)
			fn(e, arg);
}

uint64_t table_generation(const struct table *t)
{
	return t->gen;
}

size_t table_count(const struct table *t, enum table_kind kind)
{
	return kind == TABLE_STATIC ? t->nstatic : t->nlearned;
}

void table_set_limits(struct table *t, size_t max_learned, uint64_t ageing_ms)
{
	t->max_learned = max_learned;
	t->ageing_ms = ageing_ms;
}
