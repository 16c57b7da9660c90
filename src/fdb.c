/* fdb: the MAC -> endpoint forwarding database, a typed face over table. */
#include "fdb.h"

#include <stdlib.h>
#include <string.h>

struct fdb {
	struct table *t;
};

/* Values are compared with memcmp (refresh vs move, fdb_del_dst), so the
 * padding between ip and port, and the unused address bytes, must be zero,
 * not whatever the caller had. */
static void fdb_val(struct endpoint *v, const struct endpoint *dst)
{
	memset(v, 0, sizeof(*v));
	ipaddr_canon(&v->ip, &dst->ip);
	v->port = dst->port;
}

struct fdb *fdb_new(size_t max_learned, uint64_t ageing_ms,
		    const uint8_t seed[static TABLE_SEED_LEN])
{
	struct fdb *f = malloc(sizeof(*f));

	if (!f)
		return NULL;
	f->t = table_new(sizeof(struct mac), sizeof(struct endpoint), max_learned, ageing_ms, seed);
	/* Grouped by peer address (the value's leading ipaddr), for the per-peer cap. */
	if (!f->t || table_set_groups(f->t, sizeof(struct ipaddr), SIZE_MAX) != 0) {
		table_free(f->t);
		free(f);
		return NULL;
	}
	return f;
}

void fdb_free(struct fdb *f)
{
	if (!f)
		return;
	table_free(f->t);
	free(f);
}

const struct endpoint *fdb_lookup(const struct fdb *f, const struct mac *mac)
{
	const struct table_entry *e = table_lookup(f->t, mac);

	return e ? (const struct endpoint *)(const void *)e->val : NULL;
}

bool fdb_is_static(const struct fdb *f, const struct mac *mac)
{
	const struct table_entry *e = table_lookup(f->t, mac);

	return e != NULL && e->kind == TABLE_STATIC;
}

enum table_learn fdb_learn(struct fdb *f, const struct mac *mac, const struct endpoint *dst,
			   uint64_t now, struct endpoint *old)
{
	struct endpoint v;

	fdb_val(&v, dst);
	return table_learn(f->t, mac, &v, now, old);
}

int fdb_add_static(struct fdb *f, const struct mac *mac, const struct endpoint *dst)
{
	struct endpoint v;

	fdb_val(&v, dst);
	return table_set_static(f->t, mac, &v);
}

int fdb_del(struct fdb *f, const struct mac *mac)
{
	return table_del(f->t, mac);
}

size_t fdb_flush_learned(struct fdb *f)
{
	return table_flush_learned(f->t);
}

/* struct endpoint starts with its ipaddr, so "this ip, any port" is a
 * prefix match on the stored value. */
size_t fdb_del_dst(struct fdb *f, const struct ipaddr *ip, bool include_static)
{
	struct ipaddr k;

	_Static_assert(offsetof(struct endpoint, ip) == 0, "ip must lead struct endpoint");
	ipaddr_canon(&k, ip);
	return table_del_by_val(f->t, &k, sizeof(k), include_static);
}

size_t fdb_age(struct fdb *f, uint64_t now, uint64_t *next)
{
	return table_age(f->t, now, next);
}

struct fdb_walk {
	void (*fn)(const struct fdb_view *v, void *arg);
	void *arg;
};

static void fdb_walk_one(const struct table_entry *e, void *arg)
{
	const struct fdb_walk *w = arg;
	struct fdb_view v;

	memset(&v, 0, sizeof(v));
	memcpy(&v.mac, e->key, sizeof(v.mac));
	memcpy(&v.dst, e->val, sizeof(v.dst));
	v.is_static = e->kind == TABLE_STATIC;
	v.updated = e->updated;
	w->fn(&v, w->arg);
}

void fdb_foreach(const struct fdb *f, void (*fn)(const struct fdb_view *v, void *arg), void *arg)
{
	struct fdb_walk w = {fn, arg};

	table_foreach(f->t, fdb_walk_one, &w);
}

size_t fdb_count(const struct fdb *f, bool is_static)
{
	return table_count(f->t, is_static ? TABLE_STATIC : TABLE_LEARNED);
}

uint64_t fdb_generation(const struct fdb *f)
{
	return table_generation(f->t);
}

void fdb_set_limits(struct fdb *f, size_t max_learned, uint64_t ageing_ms)
{
	table_set_limits(f->t, max_learned, ageing_ms);
}

void fdb_set_peer_limit(struct fdb *f, size_t max_per_peer)
{
	table_set_group_limit(f->t, max_per_peer);
}

size_t fdb_count_dst(const struct fdb *f, const struct ipaddr *ip)
{
	struct ipaddr k;

	ipaddr_canon(&k, ip);
	return table_group_count(f->t, &k);
}

void fdb_set_damping(struct fdb *f, uint32_t max_moves, uint64_t window_ms)
{
	table_set_damping(f->t, max_moves, window_ms);
}

uint64_t fdb_evicted(const struct fdb *f)
{
	return table_evicted(f->t);
}
