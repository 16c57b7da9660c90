/* fldiff: the peer, FDB, neighbour and route operations between two node lists, in a safe order. */
#include "fldiff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {
	[FLDIFF_ROUTE_DEL] = "route del", [FLDIFF_PEER_ADD] = "peer add",
	[FLDIFF_FDB_ADD] = "fdb add",	  [FLDIFF_NEIGH_ADD] = "neigh add",
	[FLDIFF_ROUTE_ADD] = "route add", [FLDIFF_NEIGH_DEL] = "neigh del",
	[FLDIFF_FDB_DEL] = "fdb del",	  [FLDIFF_PEER_DEL] = "peer del",
};

const char *fldiff_name(enum fldiff_kind k)
{
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

static int key_subnet(const struct flset_node *a, const struct flset_node *b)
{
	if (a->subnet.ip != b->subnet.ip)
		return a->subnet.ip < b->subnet.ip ? -1 : 1;
	return a->subnet.len < b->subnet.len ? -1 : a->subnet.len > b->subnet.len;
}

/* The winner among nodes sharing a key: newest values, then lowest subnet. */
static int newer_first(const struct flset_node *a, const struct flset_node *b)
{
	if (a->mod_revision != b->mod_revision)
		return a->mod_revision > b->mod_revision ? -1 : 1;
	return key_subnet(a, b);
}

static int cmp_ip(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, sizeof(a->a));
}

static int key_ip(const struct flset_node *a, const struct flset_node *b)
{
	return cmp_ip(&a->public_ip, &b->public_ip);
}

static int key_mac(const struct flset_node *a, const struct flset_node *b)
{
	return memcmp(a->vtep_mac.b, b->vtep_mac.b, MAC_LEN);
}

/* qsort orders: by key, the winner of each key first. */
static int by_ip(const void *x, const void *y)
{
	const struct flset_node *a = *(const struct flset_node *const *)x;
	const struct flset_node *b = *(const struct flset_node *const *)y;
	int c = key_ip(a, b);

	return c ? c : newer_first(a, b);
}

static int by_mac(const void *x, const void *y)
{
	const struct flset_node *a = *(const struct flset_node *const *)x;
	const struct flset_node *b = *(const struct flset_node *const *)y;
	int c = key_mac(a, b);

	return c ? c : newer_first(a, b);
}

static int by_subnet(const void *x, const void *y)
{
	return key_subnet(*(const struct flset_node *const *)x,
			  *(const struct flset_node *const *)y);
}

static bool same_pubkey(const struct flset_node *a, const struct flset_node *b)
{
	return a->has_pubkey == b->has_pubkey &&
	       (!a->has_pubkey || memcmp(a->pubkey, b->pubkey, sizeof(a->pubkey)) == 0);
}

/* One table derived from a node list: one winning node per key, sorted by key. */
struct table {
	const struct flset_node **v;
	size_t n;
};

/* Sort by cmp (key, then newest first) and keep the first node of each key;
 * count losers whose values differ from the winner's (same_value). */
static int derive(const struct flset_nodes *l, int (*cmp)(const void *, const void *),
		  int (*key)(const struct flset_node *, const struct flset_node *),
		  bool (*same_value)(const struct flset_node *, const struct flset_node *),
		  struct table *t, size_t *conflicts)
{
	size_t w = 0;

	t->v = NULL;
	t->n = 0;
	if (l->n == 0)
		return 0;
	t->v = malloc(l->n * sizeof(*t->v));
	if (t->v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		t->v[i] = &l->v[i];
	qsort(t->v, l->n, sizeof(*t->v), cmp);
	for (size_t i = 0; i < l->n; i++) {
		if (w > 0 && key(t->v[w - 1], t->v[i]) == 0) {
			if (!same_value(t->v[w - 1], t->v[i]))
				(*conflicts)++;
			continue;
		}
		t->v[w++] = t->v[i];
	}
	t->n = w;
	return 0;
}

static bool fdb_same(const struct flset_node *a, const struct flset_node *b)
{
	return ipaddr_equal(&a->public_ip, &b->public_ip);
}

struct out {
	struct fldiff_op *v;
	size_t n, cap;
	bool oom;
};

static struct fldiff_op *push(struct out *o, enum fldiff_kind kind)
{
	struct fldiff_op *op;

	if (o->oom)
		return NULL;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		struct fldiff_op *v = realloc(o->v, cap * sizeof(*v));

		if (v == NULL) {
			o->oom = true;
			return NULL;
		}
		o->v = v;
		o->cap = cap;
	}
	op = &o->v[o->n++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	return op;
}

static void peer_op(struct out *o, enum fldiff_kind kind, const struct flset_node *n, bool replace)
{
	struct fldiff_op *op = push(o, kind);

	if (op == NULL)
		return;
	op->replace = replace;
	op->ip = n->public_ip;
	op->has_pubkey = kind == FLDIFF_PEER_ADD && n->has_pubkey;
	if (op->has_pubkey)
		memcpy(op->pubkey, n->pubkey, sizeof(op->pubkey));
}

static void fdb_op(struct out *o, enum fldiff_kind kind, const struct flset_node *n, bool replace)
{
	struct fldiff_op *op = push(o, kind);

	if (op == NULL)
		return;
	op->replace = replace;
	op->mac = n->vtep_mac;
	if (kind == FLDIFF_FDB_ADD)
		op->ip = n->public_ip;
}

/* NEIGH_* and ROUTE_*: per subnet, around SUBNET.0. */
static void subnet_op(struct out *o, enum fldiff_kind kind, const struct flset_node *n,
		      bool replace)
{
	struct fldiff_op *op = push(o, kind);

	if (op == NULL)
		return;
	op->replace = replace;
	op->subnet = n->subnet;
	flannel_subnet_addr(&n->subnet, 0, &op->ip);
	if (kind == FLDIFF_NEIGH_ADD)
		op->mac = n->vtep_mac;
}

/* One table's rules: key order, whether two entries of one key hold the same
 * value (NULL: values never change, as a route's), the operations. */
struct rules {
	int (*cmp)(const struct flset_node *, const struct flset_node *);
	bool (*same)(const struct flset_node *, const struct flset_node *);
	void (*op)(struct out *, enum fldiff_kind, const struct flset_node *, bool);
	enum fldiff_kind add, del;
};

enum walk { WALK_ADD, WALK_DEL };

/* Merge-walk two tables sorted by key: additions and changes, or removals. */
static void walk(struct out *o, const struct table *a, const struct table *d, const struct rules *r,
		 enum walk w)
{
	size_t i = 0, j = 0;

	while (i < a->n || j < d->n) {
		int c = i == a->n ? 1 : j == d->n ? -1 : r->cmp(a->v[i], d->v[j]);

		if (c < 0) {
			if (w == WALK_DEL)
				r->op(o, r->del, a->v[i], false);
			i++;
		} else if (c > 0) {
			if (w == WALK_ADD)
				r->op(o, r->add, d->v[j], false);
			j++;
		} else {
			if (w == WALK_ADD && r->same && !r->same(a->v[i], d->v[j]))
				r->op(o, r->add, d->v[j], true);
			i++;
			j++;
		}
	}
}

static bool neigh_same(const struct flset_node *a, const struct flset_node *b)
{
	return mac_equal(&a->vtep_mac, &b->vtep_mac);
}

static bool always(const struct flset_node *a, const struct flset_node *b)
{
	(void)a;
	(void)b;
	return true;
}

static const struct rules peers = {key_ip, same_pubkey, peer_op, FLDIFF_PEER_ADD, FLDIFF_PEER_DEL};
static const struct rules fdb = {key_mac, fdb_same, fdb_op, FLDIFF_FDB_ADD, FLDIFF_FDB_DEL};
static const struct rules neigh = {key_subnet, neigh_same, subnet_op, FLDIFF_NEIGH_ADD,
				   FLDIFF_NEIGH_DEL};
static const struct rules routes = {key_subnet, NULL, subnet_op, FLDIFF_ROUTE_ADD,
				    FLDIFF_ROUTE_DEL};

int fldiff(const struct flset_nodes *applied, const struct flset_nodes *desired,
	   struct fldiff_ops *out)
{
	struct table pa = {0}, pd = {0}, fa = {0}, fd = {0}, sa = {0}, sd = {0};
	struct out o = {0};
	size_t conflicts = 0, ignored = 0;
	int rc = -ENOMEM;

	if (derive(applied, by_ip, key_ip, same_pubkey, &pa, &ignored) < 0 ||
	    derive(desired, by_ip, key_ip, same_pubkey, &pd, &conflicts) < 0 ||
	    derive(applied, by_mac, key_mac, fdb_same, &fa, &ignored) < 0 ||
	    derive(desired, by_mac, key_mac, fdb_same, &fd, &conflicts) < 0 ||
	    derive(applied, by_subnet, key_subnet, always, &sa, &ignored) < 0 ||
	    derive(desired, by_subnet, key_subnet, always, &sd, &ignored) < 0)
		goto out;
	walk(&o, &sa, &sd, &routes, WALK_DEL);
	walk(&o, &pa, &pd, &peers, WALK_ADD);
	walk(&o, &fa, &fd, &fdb, WALK_ADD);
	walk(&o, &sa, &sd, &neigh, WALK_ADD);
	walk(&o, &sa, &sd, &routes, WALK_ADD);
	walk(&o, &sa, &sd, &neigh, WALK_DEL);
	walk(&o, &fa, &fd, &fdb, WALK_DEL);
	walk(&o, &pa, &pd, &peers, WALK_DEL);
	if (!o.oom)
		rc = 0;
out:
	free(pa.v);
	free(pd.v);
	free(fa.v);
	free(fd.v);
	free(sa.v);
	free(sd.v);
	fldiff_free(out);
	if (rc == 0) {
		out->v = o.v;
		out->n = o.n;
		out->conflicts = conflicts;
	} else {
		free(o.v);
	}
	return rc;
}

void fldiff_free(struct fldiff_ops *ops)
{
	free(ops->v);
	memset(ops, 0, sizeof(*ops));
}
