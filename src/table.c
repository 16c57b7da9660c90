/* table: a keyed hash of static and learned entries, with LRU ageing, caps
 * with LRU eviction (in total and per group of values) and move damping. */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define TABLE_MIN_BUCKETS 16
#define TABLE_MIN_GROUPS  8

/* The learned entries whose values share a prefix (one peer's, in the FDB):
 * counted and listed least recently used first, so that a cap per group
 * costs O(1) per learn, move and removal. Exists while it has entries. */
struct table_group {
	uint8_t prefix[TABLE_VAL_MAX];
	size_t n;
	struct table_entry *head, *tail;
	struct table_group *hnext;
};

/* An entry's recent moves. Allocated at its first move and kept with the
 * entry through the free list, so flapping does not malloc in steady state. */
struct table_damp {
	uint64_t start; /* the window's start, or the freeze's */
	uint32_t moves; /* within the window */
	bool frozen;
	uint8_t home[TABLE_VAL_MAX]; /* the value when the window began */
};

struct table {
	size_t key_len, val_len;
	size_t max_learned;
	uint64_t ageing_ms;
	uint8_t seed[crypto_shorthash_KEYBYTES];

	struct table_entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t nlearned, nstatic;
	uint64_t gen; /* bumped whenever a key is added, removed or changes value */

	/* Learned entries only, oldest `updated` at the head, so ageing stops at
	 * the first entry still alive. Relies on `now` never going backwards. */
	struct table_entry *lru_head, *lru_tail;

	/* Removed entries kept for reuse, chained through hnext, so that
	 * learning in steady state (age one out, learn one) does not malloc. */
	struct table_entry *free_list;
	uint64_t evicted;

	/* Groups of learned entries by value prefix (group_len 0: none). */
	size_t group_len, max_per_group;
	struct table_group **gbuckets;
	size_t ngbuckets, ngroups;
	struct table_group *gfree;

	uint32_t max_moves; /* 0: no damping */
	uint64_t move_window_ms;
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

		free(e->damp);
		free(e);
		e = next;
	}
}

static void group_free_chain(struct table_group *g)
{
	while (g) {
		struct table_group *next = g->hnext;

		free(g);
		g = next;
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
	for (size_t i = 0; i < t->ngbuckets; i++)
		group_free_chain(t->gbuckets[i]);
	group_free_chain(t->gfree);
	free(t->gbuckets);
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

static size_t group_slot(const struct table *t, const void *prefix, size_t nbuckets)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, prefix, t->group_len, t->seed);
	memcpy(&v, h, sizeof(v));
	return (size_t)v & (nbuckets - 1);
}

/* The group of values starting like val, or NULL. */
static struct table_group *group_find(const struct table *t, const void *val)
{
	struct table_group *g;

	if (t->ngbuckets == 0)
		return NULL;
	for (g = t->gbuckets[group_slot(t, val, t->ngbuckets)]; g; g = g->hnext)
		if (memcmp(g->prefix, val, t->group_len) == 0)
			return g;
	return NULL;
}

/* Double the group buckets past a load of 3/4; failure only lengthens chains. */
static void group_maybe_grow(struct table *t)
{
	size_t nb = t->ngbuckets ? t->ngbuckets * 2 : TABLE_MIN_GROUPS;
	struct table_group **nbk;

	if (t->ngroups <= t->ngbuckets - t->ngbuckets / 4 || nb > SIZE_MAX / sizeof(*nbk) / 2)
		return;
	nbk = calloc(nb, sizeof(*nbk));
	if (!nbk)
		return;
	for (size_t i = 0; i < t->ngbuckets; i++) {
		struct table_group *g = t->gbuckets[i], *next;

		for (; g; g = next) {
			size_t s = group_slot(t, g->prefix, nb);

			next = g->hnext;
			g->hnext = nbk[s];
			nbk[s] = g;
		}
	}
	free(t->gbuckets);
	t->gbuckets = nbk;
	t->ngbuckets = nb;
}

/* The group for val, made empty if missing; NULL when out of memory. */
static struct table_group *group_get(struct table *t, const void *val)
{
	struct table_group *g = group_find(t, val);
	size_t s;

	if (g)
		return g;
	t->ngroups++;
	group_maybe_grow(t);
	if (t->ngbuckets == 0 || (!(g = t->gfree) && !(g = malloc(sizeof(*g))))) {
		t->ngroups--;
		return NULL;
	}
	if (g == t->gfree)
		t->gfree = g->hnext;
	memset(g, 0, sizeof(*g));
	memcpy(g->prefix, val, t->group_len);
	s = group_slot(t, val, t->ngbuckets);
	g->hnext = t->gbuckets[s];
	t->gbuckets[s] = g;
	return g;
}

/* Drop one count from g; an empty group leaves the hash for the free list. */
static void group_release(struct table *t, struct table_group *g)
{
	struct table_group **pp;

	if (--g->n != 0)
		return;
	pp = &t->gbuckets[group_slot(t, g->prefix, t->ngbuckets)];
	while (*pp != g)
		pp = &(*pp)->hnext;
	*pp = g->hnext;
	g->hnext = t->gfree;
	t->gfree = g;
	t->ngroups--;
}

/* Put e at the most recently used end of g's list (the count is the caller's). */
static void group_append(struct table_group *g, struct table_entry *e)
{
	e->group = g;
	e->glru_next = NULL;
	e->glru_prev = g->tail;
	if (g->tail)
		g->tail->glru_next = e;
	else
		g->head = e;
	g->tail = e;
}

static void group_list_unlink(struct table_group *g, struct table_entry *e)
{
	if (e->glru_prev)
		e->glru_prev->glru_next = e->glru_next;
	else
		g->head = e->glru_next;
	if (e->glru_next)
		e->glru_next->glru_prev = e->glru_prev;
	else
		g->tail = e->glru_prev;
	e->glru_prev = e->glru_next = NULL;
}

/* Take e out of its group, if it has one. */
static void group_unlink(struct table *t, struct table_entry *e)
{
	struct table_group *g = e->group;

	if (!g)
		return;
	group_list_unlink(g, e);
	e->group = NULL;
	group_release(t, g);
}

/* e was just used: the back of both LRU lists. */
static void entry_touch(struct table *t, struct table_entry *e, uint64_t now)
{
	e->updated = now;
	lru_unlink(t, e);
	lru_append(t, e);
	if (e->group) {
		group_list_unlink(e->group, e);
		group_append(e->group, e);
	}
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
	struct table_damp *damp = NULL;
	size_t s;

	if (e) {
		t->free_list = e->hnext;
		damp = e->damp;
	} else if (!(e = malloc(sizeof(*e)))) {
		return NULL;
	}
	/* Zero the unused tail of key and val: views and memcmp see only zeros. */
	memset(e, 0, sizeof(*e));
	if (damp) {
		memset(damp, 0, sizeof(*damp));
		e->damp = damp;
	}
	memcpy(e->key, key, t->key_len);
	memcpy(e->val, val, t->val_len);
	e->kind = kind;
	e->updated = now;
	t->gen++;
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
		group_unlink(t, e);
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

static void evict(struct table *t, struct table_entry *e)
{
	table_remove(t, e);
	t->evicted++;
}

/* The group val belongs in, with one place reserved in it (g->n counts the
 * entry about to join, so that evicting its last member does not free it)
 * and made under the group cap by evicting its least recently used. NULL
 * when groups are off, or out of memory (*nomem). */
static struct table_group *group_reserve(struct table *t, const void *val, bool *nomem)
{
	struct table_group *g;

	*nomem = false;
	if (t->group_len == 0)
		return NULL;
	if (!(g = group_get(t, val))) {
		*nomem = true;
		return NULL;
	}
	g->n++;
	while (g->n > t->max_per_group && g->head)
		evict(t, g->head);
	return g;
}

/* Give learned entry e the value val, changing group when the prefix
 * changes; other entries of the new group may be evicted. */
static enum table_learn entry_set_val(struct table *t, struct table_entry *e, const void *val)
{
	if (t->group_len != 0 && memcmp(e->val, val, t->group_len) != 0) {
		struct table_group *g;
		bool nomem;

		if (t->max_per_group == 0)
			return TABLE_LEARN_FULL;
		/* e is not in g (another prefix), so g's evictions spare it. */
		if (!(g = group_reserve(t, val, &nomem)))
			return TABLE_LEARN_NOMEM;
		group_unlink(t, e);
		group_append(g, e);
	}
	memcpy(e->val, val, t->val_len);
	t->gen++;
	return TABLE_LEARN_MOVED;
}

/* Count a move of e at now: TABLE_LEARN_MOVED when it may happen,
 * TABLE_LEARN_FROZEN when e is frozen, TABLE_LEARN_FROZE when this move is
 * one too many (e is then frozen from now on). */
static enum table_learn damp_move(struct table *t, struct table_entry *e, uint64_t now)
{
	struct table_damp *d = e->damp;

	if (t->max_moves == 0)
		return TABLE_LEARN_MOVED;
	if (!d) {
		if (!(d = calloc(1, sizeof(*d))))
			return TABLE_LEARN_MOVED; /* no history, no damping */
		e->damp = d;
	}
	if (d->moves == 0 || now < d->start || now - d->start >= t->move_window_ms) {
		/* A new window; where the entry is now is where it stays if it flaps. */
		d->start = now;
		d->moves = 0;
		d->frozen = false;
		memcpy(d->home, e->val, t->val_len);
	} else if (d->frozen) {
		return TABLE_LEARN_FROZEN;
	}
	if (++d->moves <= t->max_moves)
		return TABLE_LEARN_MOVED;
	d->frozen = true;
	d->start = now;
	return TABLE_LEARN_FROZE;
}

/* Room for one more learned entry under the total cap. */
static void make_room(struct table *t)
{
	while (t->nlearned >= t->max_learned && t->lru_head)
		evict(t, t->lru_head);
}

static enum table_learn learn_new(struct table *t, const void *key, const void *val, uint64_t now)
{
	struct table_group *g;
	struct table_entry *e;
	bool nomem;

	if (t->max_learned == 0 || (t->group_len != 0 && t->max_per_group == 0))
		return TABLE_LEARN_FULL;
	g = group_reserve(t, val, &nomem);
	if (nomem)
		return TABLE_LEARN_NOMEM;
	make_room(t);
	if (!(e = table_insert(t, key, val, TABLE_LEARNED, now))) {
		if (g)
			group_release(t, g);
		return TABLE_LEARN_NOMEM;
	}
	if (g)
		group_append(g, e);
	return TABLE_LEARN_NEW;
}

enum table_learn table_learn(struct table *t, const void *key, const void *val, uint64_t now,
			     void *old)
{
	struct table_entry *e = table_lookup(t, key);
	enum table_learn r;
	uint8_t prev[TABLE_VAL_MAX];

	if (!e)
		return learn_new(t, key, val, now);
	if (e->kind == TABLE_STATIC)
		return TABLE_LEARN_STATIC;
	if (memcmp(e->val, val, t->val_len) == 0) {
		r = TABLE_LEARN_REFRESHED;
	} else {
		memcpy(prev, e->val, t->val_len);
		r = damp_move(t, e, now);
		if (r == TABLE_LEARN_FROZE) {
			/* Back home. Should the home's group have no room (a cap of
			 * 0, no memory), it is frozen where it is. */
			(void)entry_set_val(t, e, e->damp->home);
		} else if (r == TABLE_LEARN_MOVED) {
			r = entry_set_val(t, e, val);
			if (r != TABLE_LEARN_MOVED)
				return r;
		}
		if (old)
			memcpy(old, r == TABLE_LEARN_MOVED ? prev : e->val, t->val_len);
		if (r == TABLE_LEARN_FROZEN)
			return r;
	}
	entry_touch(t, e, now);
	return r;
}

int table_set_static(struct table *t, const void *key, const void *val)
{
	struct table_entry *e = table_lookup(t, key);

	if (!e)
		return table_insert(t, key, val, TABLE_STATIC, 0) ? 0 : -ENOMEM;
	if (e->kind == TABLE_LEARNED) {
		/* Pinned by the administrator: out of ageing and off the caps. */
		lru_unlink(t, e);
		group_unlink(t, e);
		t->nlearned--;
		t->nstatic++;
		e->kind = TABLE_STATIC;
	}
	memcpy(e->val, val, t->val_len);
	t->gen++;
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

int table_set_groups(struct table *t, size_t prefix_len, size_t max_per_group)
{
	if (prefix_len > t->val_len)
		return -EINVAL;
	if (t->nlearned != 0)
		return -EBUSY;
	t->group_len = prefix_len;
	t->max_per_group = max_per_group;
	return 0;
}

void table_set_group_limit(struct table *t, size_t max_per_group)
{
	t->max_per_group = max_per_group;
}

size_t table_group_count(const struct table *t, const void *prefix)
{
	const struct table_group *g = t->group_len ? group_find(t, prefix) : NULL;

	return g ? g->n : 0;
}

void table_set_damping(struct table *t, uint32_t max_moves, uint64_t window_ms)
{
	t->max_moves = max_moves;
	t->move_window_ms = window_ms;
}

uint64_t table_evicted(const struct table *t)
{
	return t->evicted;
}

struct table_entry *table_touch(struct table *t, const void *key, uint64_t now, bool *created)
{
	static const uint8_t zero[TABLE_VAL_MAX];
	struct table_entry *e;

	*created = false;
	if (t->group_len != 0)
		return NULL;
	e = table_lookup(t, key);
	if (e) {
		if (e->kind != TABLE_LEARNED)
			return NULL;
		entry_touch(t, e, now);
		return e;
	}
	if (t->max_learned == 0)
		return NULL;
	make_room(t);
	e = table_insert(t, key, zero, TABLE_LEARNED, now);
	*created = e != NULL;
	return e;
}
