/* peersfile: the peers file parsed into sorted lists, and the difference between two of them
 * applied. */
#include "peersfile.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"

static const char grammar[] = "expected ADDR[:PORT] [key PUBKEY], fdb MAC dst ADDR[:PORT], "
			      "neigh IP lladdr MAC or peers none";

__attribute__((format(printf, 3, 4))) static bool fail(struct peersfile_error *err, size_t line,
						       const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return false;
}

/* Room for one more element after n; false (old intact) on failure. */
static bool grow(void **arr, size_t n, size_t size)
{
	void *a;

	if (n + 1 > SIZE_MAX / size)
		return false;
	a = realloc(*arr, (n + 1) * size);
	if (a == NULL)
		return false;
	*arr = a;
	return true;
}

static int cmp_ip(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, sizeof(a->a));
}

/* Keys first, then lines, so that of two equal keys the later line follows. */
static int cmp_line(size_t a, size_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_peer(const void *a, const void *b)
{
	const struct peersfile_peer *x = a, *y = b;
	int c = cmp_ip(&x->ep.ip, &y->ep.ip);

	return c ? c : cmp_line(x->line, y->line);
}

static int cmp_fdb(const void *a, const void *b)
{
	const struct peersfile_fdb *x = a, *y = b;
	int c = memcmp(x->mac.b, y->mac.b, MAC_LEN);

	return c ? c : cmp_line(x->line, y->line);
}

static int cmp_neigh(const void *a, const void *b)
{
	const struct peersfile_neigh *x = a, *y = b;
	int c = cmp_ip(&x->ip, &y->ip);

	return c ? c : cmp_line(x->line, y->line);
}

/* One line's words, rewritten as the control request that says the same. */
static bool parse_words(const struct ctlproto_net *net, int argc, char **argv, size_t line,
			struct peersfile *pf, struct peersfile_error *err)
{
	char *req_argv[CTLPROTO_ARGS_MAX];
	char add[] = "add", peer[] = "peer";
	struct ctlproto_req req;
	int n = 0;

	if (argc == 2 && strcmp(argv[0], "peers") == 0 && strcmp(argv[1], "none") == 0) {
		pf->none_line = line;
		return true;
	}
	/* "peer", "fdb" or "neigh" and what their "add" takes; anything else
	 * is a peer's address and what "peer add" takes after it. */
	if (strcmp(argv[0], "peer") == 0 || strcmp(argv[0], "fdb") == 0 ||
	    strcmp(argv[0], "neigh") == 0) {
		if (argc < 2 || argc + 1 > CTLPROTO_ARGS_MAX)
			return fail(err, line, "%s", grammar);
		req_argv[n++] = argv[0];
		req_argv[n++] = add;
		for (int i = 1; i < argc; i++)
			req_argv[n++] = argv[i];
	} else {
		if (argc + 2 > CTLPROTO_ARGS_MAX)
			return fail(err, line, "%s", grammar);
		req_argv[n++] = peer;
		req_argv[n++] = add;
		for (int i = 0; i < argc; i++)
			req_argv[n++] = argv[i];
	}
	switch (ctlproto_parse_argv(net, n, req_argv, &req, err->msg)) {
	case CTLPROTO_OK:
		break;
	case CTLPROTO_EVALUE:
		err->line = line;
		return false;
	case CTLPROTO_EMPTY:
	case CTLPROTO_EUSAGE:
		/* "--json" and the like, which the request grammar reads as options. */
		return fail(err, line, "%s", grammar);
	}

	switch (req.cmd) {
	case CTLPROTO_PEER_ADD:
		if (!grow((void **)&pf->peers, pf->npeers, sizeof(*pf->peers)))
			break;
		pf->peers[pf->npeers] =
			(struct peersfile_peer){req.ep, line, req.has_key, {0}, req.noflood};
		memcpy(pf->peers[pf->npeers++].key, req.key, sizeof(req.key));
		return true;
	case CTLPROTO_FDB_ADD:
		if (!grow((void **)&pf->fdb, pf->nfdb, sizeof(*pf->fdb)))
			break;
		pf->fdb[pf->nfdb++] = (struct peersfile_fdb){req.mac, req.ep, line};
		return true;
	case CTLPROTO_NEIGH_ADD:
		if (!grow((void **)&pf->neigh, pf->nneigh, sizeof(*pf->neigh)))
			break;
		pf->neigh[pf->nneigh++] = (struct peersfile_neigh){req.ip, req.mac, line};
		return true;
	default:
		return fail(err, line, "%s", grammar);
	}
	return fail(err, line, "out of memory");
}

static bool parse_line(const struct ctlproto_net *net, const char *s, size_t len, size_t line,
		       struct peersfile *pf, struct peersfile_error *err)
{
	char copy[CTLPROTO_LINE_MAX];
	char *argv[CTLPROTO_ARGS_MAX];
	const char *hash = memchr(s, '#', len);
	int argc;

	if (hash != NULL)
		len = (size_t)(hash - s);
	if (len >= sizeof(copy))
		return fail(err, line, "line longer than %d bytes", CTLPROTO_LINE_MAX - 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		copy[i] = ch == '\r' ? ' ' : (char)ch;
		if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f)
			return fail(err, line, "control byte 0x%02x", ch);
	}
	copy[len] = '\0';
	argc = ctlproto_split(copy, argv, CTLPROTO_ARGS_MAX);
	if (argc == 0)
		return true;
	if (argc < 0)
		return fail(err, line, "%s", grammar);
	return parse_words(net, argc, argv, line, pf, err);
}

/* Sort the list; a key seen twice is an error on its later line. Returns the
 * line of the first such repeat (0: none) and the line it repeats. */
static size_t first_repeat(void *arr, size_t n, size_t size, int (*cmp)(const void *, const void *),
			   size_t (*line_of)(const void *),
			   bool (*same)(const void *, const void *), size_t *earlier)
{
	size_t worst = 0;

	if (n == 0)
		return 0;
	qsort(arr, n, size, cmp);
	for (size_t i = 1; i < n; i++) {
		const void *a = (const char *)arr + (i - 1) * size,
			   *b = (const char *)arr + i * size;

		if (same(a, b) && (worst == 0 || line_of(b) < worst)) {
			worst = line_of(b);
			*earlier = line_of(a);
		}
	}
	return worst;
}

static size_t peer_line(const void *p)
{
	return ((const struct peersfile_peer *)p)->line;
}

static size_t fdb_line(const void *p)
{
	return ((const struct peersfile_fdb *)p)->line;
}

static size_t neigh_line(const void *p)
{
	return ((const struct peersfile_neigh *)p)->line;
}

static bool peer_same(const void *a, const void *b)
{
	return ipaddr_equal(&((const struct peersfile_peer *)a)->ep.ip,
			    &((const struct peersfile_peer *)b)->ep.ip);
}

static bool fdb_same(const void *a, const void *b)
{
	return mac_equal(&((const struct peersfile_fdb *)a)->mac,
			 &((const struct peersfile_fdb *)b)->mac);
}

static bool neigh_same(const void *a, const void *b)
{
	return ipaddr_equal(&((const struct peersfile_neigh *)a)->ip,
			    &((const struct peersfile_neigh *)b)->ip);
}

static bool check_repeats(struct peersfile *pf, struct peersfile_error *err)
{
	size_t e1 = 0, e2 = 0, e3 = 0;
	size_t l1 = first_repeat(pf->peers, pf->npeers, sizeof(*pf->peers), cmp_peer, peer_line,
				 peer_same, &e1);
	size_t l2 =
		first_repeat(pf->fdb, pf->nfdb, sizeof(*pf->fdb), cmp_fdb, fdb_line, fdb_same, &e2);
	size_t l3 = first_repeat(pf->neigh, pf->nneigh, sizeof(*pf->neigh), cmp_neigh, neigh_line,
				 neigh_same, &e3);

	/* Report the earliest line that repeats anything. */
	if (l1 != 0 && (l2 == 0 || l1 < l2) && (l3 == 0 || l1 < l3))
		return fail(err, l1, "peer listed again (first on line %zu)", e1);
	if (l2 != 0 && (l3 == 0 || l2 < l3))
		return fail(err, l2, "fdb MAC listed again (first on line %zu)", e2);
	if (l3 != 0)
		return fail(err, l3, "neigh IP listed again (first on line %zu)", e3);
	return true;
}

bool peersfile_parse(const struct ctlproto_net *net, const char *text, size_t len,
		     struct peersfile *pf, struct peersfile_error *err)
{
	size_t line = 0;

	memset(pf, 0, sizeof(*pf));
	memset(err, 0, sizeof(*err));
	for (size_t off = 0; off < len;) {
		const char *s = text + off;
		const char *nl = memchr(s, '\n', len - off);
		size_t n = nl ? (size_t)(nl - s) : len - off;

		line++;
		if (!parse_line(net, s, n, line, pf, err)) {
			peersfile_free(pf);
			return false;
		}
		off += n + (nl != NULL);
	}
	if (!check_repeats(pf, err)) {
		peersfile_free(pf);
		return false;
	}
	if (pf->none_line != 0 && pf->npeers != 0) {
		fail(err, pf->none_line, "\"peers none\" but line %zu lists a peer",
		     pf->peers[0].line);
		peersfile_free(pf);
		return false;
	}
	return true;
}

void peersfile_free(struct peersfile *pf)
{
	free(pf->peers);
	free(pf->fdb);
	free(pf->neigh);
	memset(pf, 0, sizeof(*pf));
}

/* --- applying -------------------------------------------------------------- */

static const struct peersfile empty;

/* Key-only comparisons for bsearch over the sorted lists. */
static int key_peer(const void *k, const void *e)
{
	return cmp_ip(k, &((const struct peersfile_peer *)e)->ep.ip);
}

static int key_fdb(const void *k, const void *e)
{
	return memcmp(k, ((const struct peersfile_fdb *)e)->mac.b, MAC_LEN);
}

static int key_neigh(const void *k, const void *e)
{
	return cmp_ip(k, &((const struct peersfile_neigh *)e)->ip);
}

static bool has_peer(const struct peersfile *pf, const struct ipaddr *ip)
{
	return pf->npeers && bsearch(ip, pf->peers, pf->npeers, sizeof(*pf->peers), key_peer);
}

static bool has_fdb(const struct peersfile *pf, const struct mac *mac)
{
	return pf->nfdb && bsearch(mac->b, pf->fdb, pf->nfdb, sizeof(*pf->fdb), key_fdb);
}

static bool has_neigh(const struct peersfile *pf, const struct ipaddr *ip)
{
	return pf->nneigh && bsearch(ip, pf->neigh, pf->nneigh, sizeof(*pf->neigh), key_neigh);
}

static void remove_gone(struct dp *dp, const struct peersfile *old, const struct peersfile *new,
			struct peersfile_diff *d)
{
	for (size_t i = 0; i < old->npeers; i++) {
		const struct ipaddr *ip = &old->peers[i].ep.ip;

		if (!has_peer(new, ip) && change_peer_del(dp, ip) == 0)
			d->peers_removed++;
	}
	for (size_t i = 0; i < old->nfdb; i++) {
		const struct peersfile_fdb *e = &old->fdb[i];
		const struct endpoint *cur;

		if (has_fdb(new, &e->mac))
			continue;
		cur = fdb_lookup(dp->fdb, &e->mac);
		if (cur != NULL && endpoint_equal(cur, &e->dst) && change_fdb_del(dp, &e->mac) == 0)
			d->fdb_removed++;
	}
	for (size_t i = 0; i < old->nneigh; i++) {
		const struct peersfile_neigh *e = &old->neigh[i];
		const struct mac *cur;

		if (has_neigh(new, &e->ip))
			continue;
		cur = neigh_lookup(dp->neigh, &e->ip);
		if (cur != NULL && mac_equal(cur, &e->mac) && change_neigh_del(dp, &e->ip) == 0)
			d->neigh_removed++;
	}
}

static void add_new(struct dp *dp, const struct peersfile *new, struct peersfile_diff *d)
{
	for (size_t i = 0; i < new->npeers; i++) {
		const struct peersfile_peer *e = &new->peers[i];
		const struct endpoint *ep = &e->ep;
		struct peer *p = peers_find(dp->peers, &ep->ip);
		bool new_key, new_port, new_flood;

		/* New, or an FDB-only VTEP the file lists now. */
		if (p == NULL || !p->listed) {
			if ((e->has_key ? change_peer_add_key(dp, ep, e->key)
					: change_peer_add(dp, ep)) == 0) {
				d->peers_added++;
				if (e->noflood)
					change_peer_flood(dp, &ep->ip, false);
			} else {
				d->failed++;
			}
			continue;
		}
		new_key =
			e->has_key && (!p->has_key || memcmp(p->key, e->key, sizeof(e->key)) != 0);
		if (new_key && change_peer_set_key(dp, &ep->ip, e->key) != 0) {
			d->failed++;
			continue;
		}
		new_port = p->ep.port != ep->port;
		if (new_port)
			change_peer_port(dp, &ep->ip, ep->port);
		new_flood = p->flood == e->noflood;
		if (new_flood)
			change_peer_flood(dp, &ep->ip, !e->noflood);
		if (new_key || new_port || new_flood)
			d->peers_changed++;
	}
	for (size_t i = 0; i < new->nfdb; i++) {
		const struct peersfile_fdb *e = &new->fdb[i];
		const struct endpoint *cur = fdb_lookup(dp->fdb, &e->mac);
		bool differs = cur == NULL || !endpoint_equal(cur, &e->dst);

		/* Set even when equal: a learned entry with the same dst becomes static. */
		if (change_fdb_add(dp, &e->mac, &e->dst) != 0)
			d->failed++;
		else if (differs)
			d->fdb_added++;
	}
	for (size_t i = 0; i < new->nneigh; i++) {
		const struct peersfile_neigh *e = &new->neigh[i];
		const struct mac *cur = neigh_lookup(dp->neigh, &e->ip);
		bool differs = cur == NULL || !mac_equal(cur, &e->mac);

		if (change_neigh_add(dp, &e->ip, &e->mac) != 0)
			d->failed++;
		else if (differs)
			d->neigh_added++;
	}
}

bool peersfile_empties(const struct peersfile *old, const struct peersfile *new)
{
	return old != NULL && old->npeers > 0 && new->npeers == 0 && new->none_line == 0;
}

void peersfile_apply(struct dp *dp, const struct peersfile *old, const struct peersfile *new,
		     struct peersfile_diff *diff)
{
	memset(diff, 0, sizeof(*diff));
	/* Removals first, so that a full table has room for the additions. */
	remove_gone(dp, old != NULL ? old : &empty, new, diff);
	add_new(dp, new, diff);
}
