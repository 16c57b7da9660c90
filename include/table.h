/* table: the keyed store under the FDB, the neighbour table and the peer
 * set: static and learned entries, caps on learned ones (in total and per
 * group of values) with LRU eviction, ageing in LRU order, move damping. */
#ifndef VXTAP_TABLE_H
#define VXTAP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TABLE_KEY_MAX  20
#define TABLE_VAL_MAX  24
#define TABLE_SEED_LEN 16

struct table;
struct table_group;
struct table_damp;

enum table_kind {
	TABLE_LEARNED = 0,
	TABLE_STATIC = 1,
};

/* An entry as callers see it. key and val hold key_len and val_len bytes. */
struct table_entry {
	uint8_t key[TABLE_KEY_MAX];
	uint8_t val[TABLE_VAL_MAX];
	enum table_kind kind;
	uint64_t updated; /* ms, last learn or refresh (learned entries) */
	/* private to table.c */
	struct table_entry *hnext;
	struct table_entry *lru_prev, *lru_next;
	struct table_group *group; /* learned entries of a grouped table */
	struct table_entry *glru_prev, *glru_next;
	struct table_damp *damp; /* move history, kept with the entry for reuse */
};

enum table_learn {
	TABLE_LEARN_NEW,       /* a new learned entry (table_evicted() tells of evictions) */
	TABLE_LEARN_REFRESHED, /* same value, timestamp renewed */
	TABLE_LEARN_MOVED,     /* learned entry changed value */
	TABLE_LEARN_STATIC,    /* a static entry exists; nothing changed */
	TABLE_LEARN_FULL,      /* the cap (total or the group's) is 0; nothing changed */
	TABLE_LEARN_NOMEM,
	TABLE_LEARN_FROZE,  /* one move too many: now frozen on its home value */
	TABLE_LEARN_FROZEN, /* frozen on another value; nothing changed */
};

/* New empty table. key_len <= TABLE_KEY_MAX, val_len <= TABLE_VAL_MAX.
 * max_learned caps learned entries (0 = none may be learned); ageing_ms is
 * a learned entry's lifetime (0 = never ages). seed keys the hash so that
 * peers cannot choose colliding keys. NULL on allocation failure. */
struct table *table_new(size_t key_len, size_t val_len, size_t max_learned, uint64_t ageing_ms,
			const uint8_t seed[static TABLE_SEED_LEN]);
void table_free(struct table *t);

/* The entry for key, or NULL. The pointer is valid until the next change. */
struct table_entry *table_lookup(const struct table *t, const void *key);

/* Learn key -> val at time now: insert, refresh or move a learned entry.
 * Static entries are never changed. At a cap, the least recently used
 * learned entry goes to make room: the group's at the group cap, else the
 * table's. When old is not NULL, it gets the previous value on
 * TABLE_LEARN_MOVED, and the value the entry is frozen on (its home) on
 * TABLE_LEARN_FROZE and TABLE_LEARN_FROZEN. */
enum table_learn table_learn(struct table *t, const void *key, const void *val, uint64_t now,
			     void *old);

/* Insert or overwrite key as a static entry. 0 or -ENOMEM. */
int table_set_static(struct table *t, const void *key, const void *val);

/* Remove key whatever its kind. 0 or -ENOENT. */
int table_del(struct table *t, const void *key);

/* Remove every learned entry; returns how many. */
size_t table_flush_learned(struct table *t);

/* Remove entries whose value starts with the val_prefix_len bytes at
 * val_prefix; learned ones only unless include_static. Returns how many. */
size_t table_del_by_val(struct table *t, const void *val_prefix, size_t val_prefix_len,
			bool include_static);

/* Remove learned entries older than ageing_ms at now; returns how many.
 * *next (if not NULL) gets the time the next entry expires, or UINT64_MAX. */
size_t table_age(struct table *t, uint64_t now, uint64_t *next);

/* Call fn for every entry, in no particular order. fn must not change t. */
void table_foreach(const struct table *t, void (*fn)(const struct table_entry *e, void *arg),
		   void *arg);

size_t table_count(const struct table *t, enum table_kind kind);

/* A number that changes whenever a key is added, removed (deleted, flushed,
 * aged, evicted) or given another value: what a caller remembers about the
 * table's mapping holds while it stays the same. */
uint64_t table_generation(const struct table *t);

/* Change limits at run time; entries over a new cap go at the next learn. */
void table_set_limits(struct table *t, size_t max_learned, uint64_t ageing_ms);

/* Group learned entries by the first prefix_len bytes of their value (the
 * FDB: the peer's address) and cap each group at max_per_group entries
 * (SIZE_MAX: no cap), so one group cannot push out the others. Only while
 * no learned entry exists; 0, -EBUSY, or -EINVAL for a prefix longer than
 * the value. prefix_len 0 turns groups off (the default). */
int table_set_groups(struct table *t, size_t prefix_len, size_t max_per_group);
/* Change the per-group cap; groups over it shrink at their next learn. */
void table_set_group_limit(struct table *t, size_t max_per_group);
/* Learned entries in the group of values starting with prefix (groups on). */
size_t table_group_count(const struct table *t, const void *prefix);

/* Move damping: a learned entry that changes value more than max_moves
 * times within window_ms is frozen, for window_ms from then, on the value
 * it had when that window began (its home). max_moves 0: off (the default). */
void table_set_damping(struct table *t, uint32_t max_moves, uint64_t window_ms);

/* Learned entries removed so far to make room under a cap. */
uint64_t table_evicted(const struct table *t);

/* For state kept in the value (rate-limiter buckets): the learned entry for
 * key, or a new one with a zero value (*created true), made room for as
 * table_learn does. Either way it becomes the most recently used, updated at
 * now, and its value may be written in place until the next change. NULL
 * when the cap is 0, out of memory, on a static entry or a grouped table. */
struct table_entry *table_touch(struct table *t, const void *key, uint64_t now, bool *created);

#endif
