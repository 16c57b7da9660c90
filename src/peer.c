/* peer: the set of remote VTEPs, hashed by address and kept in a dense array. */
#include "peer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The public struct peer first, so a struct peer * from peers_find or
 * peers_at is also the node; idx makes delete O(1). */
struct peer_node {
	struct peer pub;
	size_t idx;
};

struct peers {
	struct table *by_ip; /* struct ipaddr -> struct peer_node * */
	struct peer_node **arr;
	size_t n, cap;
	size_t nflood; /* peers with flood set */
	uint64_t gen;  /* bumped by every addition and removal */
};

static struct peer_node *peer_node_of(const struct table_entry *e)
{
	struct peer_node *p;

	memcpy(&p, e->val, sizeof(p));
	return p;
}

struct peers *peers_new(const uint8_t seed[static TABLE_SEED_LEN])
{
	struct peers *ps = calloc(1, sizeof(*ps));

	if (!ps)
		return NULL;
	/* Every peer is a static entry: nothing is learned, nothing ages. */
	ps->by_ip = table_new(sizeof(struct ipaddr), sizeof(struct peer_node *), 0, 0, seed);
	if (!ps->by_ip) {
		free(ps);
		return NULL;
	}
	return ps;
}

void peers_free(struct peers *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n; i++)
		free(ps->arr[i]);
	free(ps->arr);
	table_free(ps->by_ip);
	free(ps);
}

static int peers_reserve(struct peers *ps)
{
	struct peer_node **arr;
	size_t cap;

	if (ps->n < ps->cap)
		return 0;
	cap = ps->cap ? ps->cap * 2 : 8;
	if (cap > SIZE_MAX / sizeof(*arr))
		return -ENOMEM;
	arr = realloc(ps->arr, cap * sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	ps->arr = arr;
	ps->cap = cap;
	return 0;
}

int peers_add(struct peers *ps, const struct endpoint *ep, struct peer **out)
{
	struct ipaddr k;
	struct peer_node *p;

	ipaddr_canon(&k, &ep->ip);
	if (table_lookup(ps->by_ip, &k))
		return -EEXIST;
	if (peers_reserve(ps) < 0)
		return -ENOMEM;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pub.ep.ip = k;
	p->pub.ep.port = ep->port;
	p->pub.flood = true;
	if (table_set_static(ps->by_ip, &k, &p) < 0) {
		free(p);
		return -ENOMEM;
	}
	p->idx = ps->n;
	ps->arr[ps->n++] = p;
	ps->nflood++;
	ps->gen++;
	if (out)
		*out = &p->pub;
	return 0;
}

int peers_del(struct peers *ps, const struct ipaddr *ip)
{
	struct ipaddr k;
	const struct table_entry *e;
	struct peer_node *p;

	ipaddr_canon(&k, ip);
	e = table_lookup(ps->by_ip, &k);
	if (!e)
		return -ENOENT;
	p = peer_node_of(e);
	table_del(ps->by_ip, &k);
	/* Fill the hole with the last peer to keep the flood list dense. */
	ps->arr[p->idx] = ps->arr[--ps->n];
	ps->arr[p->idx]->idx = p->idx;
	if (p->pub.flood)
		ps->nflood--;
	free(p);
	ps->gen++;
	return 0;
}

struct peer *peers_find(const struct peers *ps, const struct ipaddr *ip)
{
	struct ipaddr k;
	const struct table_entry *e;

	ipaddr_canon(&k, ip);
	e = table_lookup(ps->by_ip, &k);
	return e ? &peer_node_of(e)->pub : NULL;
}

uint64_t peers_generation(const struct peers *ps)
{
	return ps->gen;
}

size_t peers_count(const struct peers *ps)
{
	return ps->n;
}

void peers_set_flood(struct peers *ps, struct peer *p, bool flood)
{
	if (p->flood == flood)
		return;
	p->flood = flood;
	if (flood)
		ps->nflood++;
	else
		ps->nflood--;
}

size_t peers_flood_count(const struct peers *ps)
{
	return ps->nflood;
}

struct peer *peers_at(const struct peers *ps, size_t i)
{
	return i < ps->n ? &ps->arr[i]->pub : NULL;
}
