/* neigh: the IP -> MAC neighbour table behind the ARP proxy, over table. */
#include "neigh.h"

#include <stdlib.h>
#include <string.h>

struct neigh {
	struct table *t;
};

_Static_assert(sizeof(struct ipaddr) <= TABLE_KEY_MAX, "ipaddr must fit a table key");

/* Keys are hashed and compared as bytes, so every address goes through
 * ipaddr_canon first: stray bytes past an IPv4 address must not matter. */

struct neigh *neigh_new(size_t max_learned, uint64_t ageing_ms,
			const uint8_t seed[static TABLE_SEED_LEN])
{
	struct neigh *n = malloc(sizeof(*n));

	if (!n)
		return NULL;
	n->t = table_new(sizeof(struct ipaddr), sizeof(struct mac), max_learned, ageing_ms, seed);
	if (!n->t) {
		free(n);
		return NULL;
	}
	return n;
}

void neigh_free(struct neigh *n)
{
	if (!n)
		return;
	table_free(n->t);
	free(n);
}

const struct mac *neigh_lookup(const struct neigh *n, const struct ipaddr *ip)
{
	struct ipaddr k;
	const struct table_entry *e;

	ipaddr_canon(&k, ip);
	e = table_lookup(n->t, &k);
	return e ? (const struct mac *)(const void *)e->val : NULL;
}

enum table_learn neigh_learn(struct neigh *n, const struct ipaddr *ip, const struct mac *mac,
			     uint64_t now)
{
	struct ipaddr k;

	ipaddr_canon(&k, ip);
	return table_learn(n->t, &k, mac, now, NULL);
}

int neigh_add_static(struct neigh *n, const struct ipaddr *ip, const struct mac *mac)
{
	struct ipaddr k;

	ipaddr_canon(&k, ip);
	return table_set_static(n->t, &k, mac);
}

int neigh_del(struct neigh *n, const struct ipaddr *ip)
{
	struct ipaddr k;

	ipaddr_canon(&k, ip);
	return table_del(n->t, &k);
}

size_t neigh_flush_learned(struct neigh *n)
{
	return table_flush_learned(n->t);
}

size_t neigh_age(struct neigh *n, uint64_t now, uint64_t *next)
{
	return table_age(n->t, now, next);
}

struct neigh_walk {
	void (*fn)(const struct neigh_view *v, void *arg);
	void *arg;
};

static void neigh_walk_one(const struct table_entry *e, void *arg)
{
	const struct neigh_walk *w = arg;
	struct neigh_view v;

	memset(&v, 0, sizeof(v));
	memcpy(&v.ip, e->key, sizeof(v.ip));
	memcpy(&v.mac, e->val, sizeof(v.mac));
	v.is_static = e->kind == TABLE_STATIC;
	v.updated = e->updated;
	w->fn(&v, w->arg);
}

void neigh_foreach(const struct neigh *n, void (*fn)(const struct neigh_view *v, void *arg),
		   void *arg)
{
	struct neigh_walk w = {fn, arg};

	table_foreach(n->t, neigh_walk_one, &w);
}

size_t neigh_count(const struct neigh *n, bool is_static)
{
	return table_count(n->t, is_static ? TABLE_STATIC : TABLE_LEARNED);
}

void neigh_set_limits(struct neigh *n, size_t max_learned, uint64_t ageing_ms)
{
	table_set_limits(n->t, max_learned, ageing_ms);
}
