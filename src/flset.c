/* flset: remote flannel leases per subnet key, with revisions, badness memory and the node list. */
#include "flset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Keys that are not subnets are remembered (for "log once") up to this many. */
#define FLSET_BADKEYS_MAX 4096

struct entry {
	struct flannel_subnet sn;
	bool present;		     /* false: a tombstone, kept to refuse older replays */
	bool good;		     /* lease holds usable remote values */
	struct flannel_lease lease;  /* the last good values */
	int64_t good_rev;	     /* their mod_revision */
	bool has_ip;		     /* the newest value parsed (and named a PublicIP) ... */
	struct ipaddr ip;	     /* ... this one */
	struct flannel_lease newest; /* ... and said this */
	int64_t rev;		     /* the last put or delete applied */
	int64_t lease_id;	     /* the etcd lease of the newest value */
	unsigned bad;		     /* reason the newest value is bad; 0: none */
	uint32_t gen;		     /* the list that last named it */
};

struct badkey {
	uint64_t hash;
	unsigned reason;
	uint32_t gen;
};

struct flset {
	struct flannel_config cfg;
	struct flset_self self;
	char *subnets; /* "PREFIX/subnets/" */
	size_t subnetslen;
	bool has_own;
	struct flannel_subnet own;
	struct entry *e; /* sorted by subnet */
	size_t n, cap;
	struct badkey *bk; /* sorted by hash */
	size_t nbk;
	int64_t floor; /* revision of the last full list */
	uint32_t gen;
	bool listing; /* between list_begin and list_end */
	bool changed;
	uint64_t skipped[FLSET_SKIP__COUNT];
	uint64_t stale;
};

#define OWN_NAME(e, name, text) name,
#define OWN_TEXT(e, name, text) text,
static const char *const own_names[] = {FLSET_OWN_REASONS(OWN_NAME)};
static const char *const own_texts[] = {FLSET_OWN_REASONS(OWN_TEXT)};
#undef OWN_NAME
#undef OWN_TEXT

const char *flset_skip_name(unsigned reason)
{
	if (reason < FLANNEL_BAD__COUNT)
		return flannel_bad_name((enum flannel_bad)reason);
	if (reason < FLSET_SKIP__COUNT)
		return own_names[reason - FLANNEL_BAD__COUNT];
	return "unknown";
}

const char *flset_skip_text(unsigned reason)
{
	if (reason < FLANNEL_BAD__COUNT)
		return flannel_bad_text((enum flannel_bad)reason);
	if (reason < FLSET_SKIP__COUNT)
		return own_texts[reason - FLANNEL_BAD__COUNT];
	return "unknown problem";
}

void flset_nodes_free(struct flset_nodes *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int flset_nodes_copy(struct flset_nodes *dst, const struct flset_nodes *src)
{
	struct flset_node *v = NULL;

	if (src->n > 0) {
		v = malloc(src->n * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		memcpy(v, src->v, src->n * sizeof(*v));
	}
	free(dst->v);
	dst->v = v;
	dst->n = src->n;
	return 0;
}

struct flset *flset_new(const struct flannel_config *cfg, const char *prefix,
			const struct flset_self *self)
{
	struct flset *s = calloc(1, sizeof(*s));
	size_t plen = strlen(prefix);

	if (s == NULL)
		return NULL;
	while (plen > 0 && prefix[plen - 1] == '/')
		plen--;
	s->subnets = malloc(plen + sizeof("/subnets/"));
	if (s->subnets == NULL) {
		free(s);
		return NULL;
	}
	memcpy(s->subnets, prefix, plen);
	memcpy(s->subnets + plen, "/subnets/", sizeof("/subnets/"));
	s->subnetslen = plen + sizeof("/subnets/") - 1;
	s->cfg = *cfg;
	s->self = *self;
	return s;
}

void flset_free(struct flset *s)
{
	if (s == NULL)
		return;
	free(s->subnets);
	free(s->e);
	free(s->bk);
	free(s);
}

void flset_own(struct flset *s, const struct flannel_subnet *subnet)
{
	s->has_own = subnet != NULL;
	if (subnet != NULL)
		s->own = *subnet;
	s->changed = true; /* the own subnet may have been a node */
}

static int cmp_sn(const struct flannel_subnet *a, const struct flannel_subnet *b)
{
	if (a->ip != b->ip)
		return a->ip < b->ip ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len;
}

static bool sn_equal(const struct flannel_subnet *a, const struct flannel_subnet *b)
{
	return cmp_sn(a, b) == 0;
}

/* The index of sn, or where it would go (*found false). */
static size_t find(const struct flset *s, const struct flannel_subnet *sn, bool *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_sn(&s->e[mid].sn, sn);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static struct entry *insert(struct flset *s, size_t at, const struct flannel_subnet *sn)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct entry *e = realloc(s->e, cap * sizeof(*e));

		if (e == NULL)
			return NULL;
		s->e = e;
		s->cap = cap;
	}
	memmove(&s->e[at + 1], &s->e[at], (s->n - at) * sizeof(*s->e));
	s->n++;
	memset(&s->e[at], 0, sizeof(s->e[at]));
	s->e[at].sn = *sn;
	return &s->e[at];
}

static bool is_own(const struct flset *s, const struct flannel_subnet *sn)
{
	return s->has_own && sn_equal(sn, &s->own);
}

/* Whether e is one of the nodes the tables should hold. */
static bool visible(const struct flset *s, const struct entry *e)
{
	return e->present && e->good && !is_own(s, &e->sn);
}

static bool same_node(const struct entry *a, const struct entry *b)
{
	return ipaddr_equal(&a->lease.public_ip, &b->lease.public_ip) &&
	       mac_equal(&a->lease.vtep_mac, &b->lease.vtep_mac) && a->lease.vni == b->lease.vni &&
	       a->lease.has_pubkey == b->lease.has_pubkey &&
	       memcmp(a->lease.pubkey, b->lease.pubkey, sizeof(a->lease.pubkey)) == 0;
}

/* Note a change of e's visible state from before; returns the verdict. */
static enum flset_verdict settle(struct flset *s, const struct entry *before, const struct entry *e)
{
	bool vb = visible(s, before), va = visible(s, e);

	if (vb != va || (va && !same_node(before, e))) {
		s->changed = true;
		return FLSET_APPLIED;
	}
	return FLSET_SAME;
}

static struct flset_result skip(struct flset *s, struct entry *e, unsigned reason)
{
	struct flset_result r = {.verdict = FLSET_SKIPPED, .reason = reason};

	s->skipped[reason]++;
	if (e != NULL) {
		r.first = e->bad != reason;
		e->bad = reason;
	}
	return r;
}

/* --- keys that are not subnets ------------------------------------------ */

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3u;
	return h;
}

static size_t bk_find(const struct flset *s, uint64_t h, bool *found)
{
	size_t lo = 0, hi = s->nbk;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->bk[mid].hash == h) {
			*found = true;
			return mid;
		}
		if (s->bk[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* A put of a key that is no subnet: counted; "first" while remembered. */
static struct flset_result bad_key(struct flset *s, const char *key, size_t keylen)
{
	struct flset_result r = {.verdict = FLSET_SKIPPED, .reason = FLANNEL_BAD_KEY};
	uint64_t h = fnv1a(key, keylen);
	bool found;
	size_t at = bk_find(s, h, &found);

	s->skipped[FLANNEL_BAD_KEY]++;
	if (found) {
		s->bk[at].gen = s->gen;
		return r;
	}
	if (s->nbk < FLSET_BADKEYS_MAX) {
		struct badkey *bk = realloc(s->bk, (s->nbk + 1) * sizeof(*bk));

		if (bk != NULL) {
			s->bk = bk;
			memmove(&bk[at + 1], &bk[at], (s->nbk - at) * sizeof(*bk));
			bk[at] = (struct badkey){h, FLANNEL_BAD_KEY, s->gen};
			s->nbk++;
			r.first = true;
		}
	}
	return r;
}

static void bad_key_gone(struct flset *s, const char *key, size_t keylen)
{
	bool found;
	size_t at = bk_find(s, fnv1a(key, keylen), &found);

	if (found) {
		memmove(&s->bk[at], &s->bk[at + 1], (s->nbk - at - 1) * sizeof(*s->bk));
		s->nbk--;
	}
}

/* The subnet of a full key, if it is PREFIX/subnets/A.B.C.D-N. */
static bool key_subnet(const struct flset *s, const char *key, size_t keylen,
		       struct flannel_subnet *sn)
{
	return keylen > s->subnetslen && memcmp(key, s->subnets, s->subnetslen) == 0 &&
	       flannel_key_parse(key + s->subnetslen, keylen - s->subnetslen, sn);
}

/* --- put and delete --------------------------------------------------- */

/* The lookup both share: entry for sn (created if absent), or a stale verdict. */
static struct entry *locate(struct flset *s, const struct flannel_subnet *sn, int64_t rev,
			    struct flset_result *r)
{
	bool found;
	size_t at = find(s, sn, &found);
	struct entry *e = found ? &s->e[at] : NULL;

	r->has_subnet = true;
	r->subnet = *sn;
	if (e != NULL)
		e->gen = s->gen; /* named by the list being read, if any */
	if (rev <= s->floor || (e != NULL && rev <= e->rev)) {
		if (!s->listing)
			s->stale++; /* a listed key held already is no replayed event */
		r->verdict = FLSET_STALE;
		return NULL;
	}
	if (e == NULL) {
		e = insert(s, at, sn);
		if (e == NULL) {
			/* No memory for a new key: as if it was never seen. */
			r->verdict = FLSET_STALE;
			return NULL;
		}
		e->gen = s->gen;
	}
	return e;
}

/* A put on this node's own key. */
static struct flset_result put_own(struct flset *s, struct entry *e, enum flannel_bad pr,
				   const struct flannel_lease *l, int64_t lease,
				   struct flset_result r)
{
	if (pr == FLANNEL_BAD_NONE && ipaddr_equal(&l->public_ip, &s->self.public_ip)) {
		e->bad = 0;
		r.verdict = FLSET_OWN;
		r.lease = lease;
		return r;
	}
	r = (struct flset_result){
		.verdict = FLSET_SKIPPED,
		.has_subnet = true,
		.subnet = e->sn,
		.public_ip = l->public_ip,
	};
	r.reason = pr == FLANNEL_BAD_NONE ? (unsigned)FLSET_SKIP_OWN_SUBNET : (unsigned)pr;
	s->skipped[r.reason]++;
	r.first = e->bad != r.reason;
	e->bad = r.reason;
	return r;
}

struct flset_result flset_put(struct flset *s, const char *key, size_t keylen, const char *value,
			      size_t valuelen, int64_t mod_revision, int64_t lease)
{
	struct flset_result r = {.verdict = FLSET_SAME};
	struct flannel_subnet sn;
	struct flannel_lease l;
	struct entry *e, before;
	enum flannel_bad pr;

	if (!key_subnet(s, key, keylen, &sn))
		return bad_key(s, key, keylen);
	e = locate(s, &sn, mod_revision, &r);
	if (e == NULL)
		return r;
	before = *e;
	e->present = true;
	e->rev = mod_revision;
	e->lease_id = lease;
	pr = flannel_subnet_check(&s->cfg, &sn);
	if (pr != FLANNEL_BAD_NONE) {
		e->has_ip = false;
		e->good = false;
		r = skip(s, e, pr);
		r.has_subnet = true;
		r.subnet = sn;
		return r;
	}
	pr = flannel_lease_parse(value, valuelen, &l);
	e->has_ip = pr == FLANNEL_BAD_NONE;
	e->ip = l.public_ip;
	if (e->has_ip)
		e->newest = l;
	if (is_own(s, &sn)) {
		e->good = false;
		r = put_own(s, e, pr, &l, lease, r);
		settle(s, &before, e);
		return r;
	}
	if (pr != FLANNEL_BAD_NONE) {
		/* Keep the last good values: a bad record is news of nothing. */
		r = skip(s, e, pr);
	} else if (ipaddr_equal(&l.public_ip, &s->self.public_ip)) {
		/* This node's old lease, or a copy of it: never a remote node. */
		e->good = false;
		if (s->has_own) {
			r = skip(s, e, FLSET_SKIP_OWN_IP);
		} else {
			e->bad = 0;
			r.verdict = FLSET_OWN_IP;
			r.lease = lease;
		}
	} else if (mac_equal(&l.vtep_mac, &s->self.vtep_mac)) {
		r = skip(s, e, FLSET_SKIP_OWN_MAC);
	} else if (s->self.need_key && !l.has_pubkey) {
		/* Secure mode talks to no node whose key it cannot know: one
		 * that drops its key goes from the tables. */
		e->good = false;
		r = skip(s, e, FLSET_SKIP_NO_KEY);
	} else {
		e->good = true;
		e->lease = l;
		e->good_rev = mod_revision;
		e->bad = 0;
		r.verdict = settle(s, &before, e);
		goto out;
	}
	settle(s, &before, e);
out:
	r.has_subnet = true;
	r.subnet = sn;
	return r;
}

struct flset_result flset_del(struct flset *s, const char *key, size_t keylen, int64_t mod_revision)
{
	struct flset_result r = {.verdict = FLSET_SAME};
	struct flannel_subnet sn;
	struct entry *e, before;

	if (!key_subnet(s, key, keylen, &sn)) {
		bad_key_gone(s, key, keylen);
		return r;
	}
	e = locate(s, &sn, mod_revision, &r);
	if (e == NULL)
		return r;
	before = *e;
	e->present = false;
	e->good = false;
	e->has_ip = false;
	e->bad = 0;
	e->rev = mod_revision;
	e->lease_id = 0;
	if (is_own(s, &sn)) {
		r.verdict = FLSET_OWN;
		r.deleted = true;
		return r;
	}
	r.verdict = settle(s, &before, e);
	return r;
}

/* --- full lists ------------------------------------------------------- */

void flset_list_begin(struct flset *s)
{
	s->gen++;
	s->listing = true;
}

void flset_list_end(struct flset *s, int64_t revision)
{
	size_t w = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct entry *e = &s->e[i];

		/* Not listed and not changed since the list was taken: gone. */
		if (e->gen != s->gen && e->rev <= revision) {
			if (visible(s, e))
				s->changed = true;
			continue;
		}
		/* A tombstone older than the list says nothing the floor does not. */
		if (!e->present && e->rev <= revision)
			continue;
		s->e[w++] = *e;
	}
	s->n = w;
	w = 0;
	for (size_t i = 0; i < s->nbk; i++)
		if (s->bk[i].gen == s->gen)
			s->bk[w++] = s->bk[i];
	s->nbk = w;
	if (revision > s->floor)
		s->floor = revision;
	s->listing = false;
}

/* --- queries ---------------------------------------------------------- */

int flset_nodes(const struct flset *s, struct flset_nodes *out)
{
	struct flset_node *v = NULL;
	size_t n = 0;

	if (s->n > 0) {
		v = malloc(s->n * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct entry *e = &s->e[i];

		if (!visible(s, e))
			continue;
		v[n] = (struct flset_node){
			.subnet = e->sn,
			.public_ip = e->lease.public_ip,
			.vtep_mac = e->lease.vtep_mac,
			.vni = e->lease.vni,
			.has_pubkey = e->lease.has_pubkey,
			.mod_revision = e->good_rev,
		};
		memcpy(v[n].pubkey, e->lease.pubkey, sizeof(v[n].pubkey));
		n++;
	}
	free(out->v);
	out->v = v;
	out->n = n;
	return 0;
}

bool flset_changed(struct flset *s)
{
	bool c = s->changed;

	s->changed = false;
	return c;
}

int flset_taken(const struct flset *s, struct flannel_subnet **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (s->n == 0)
		return 0;
	*out = malloc(s->n * sizeof(**out));
	if (*out == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].present)
			(*out)[(*n)++] = s->e[i].sn;
	return 0;
}

bool flset_find_ip(const struct flset *s, const struct ipaddr *ip, struct flannel_subnet *subnet,
		   int64_t *mod_revision, int64_t *lease, struct flannel_lease *value)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct entry *e = &s->e[i];

		if (e->present && e->has_ip && ipaddr_equal(&e->ip, ip)) {
			*subnet = e->sn;
			*mod_revision = e->rev;
			*lease = e->lease_id;
			if (value != NULL)
				*value = e->newest;
			return true;
		}
	}
	return false;
}

bool flset_find(const struct flset *s, const struct flannel_subnet *subnet,
		struct ipaddr *public_ip)
{
	bool found;
	size_t at = find(s, subnet, &found);

	if (!found || !s->e[at].present)
		return false;
	if (public_ip != NULL) {
		memset(public_ip, 0, sizeof(*public_ip));
		if (s->e[at].has_ip)
			*public_ip = s->e[at].ip;
	}
	return true;
}

const uint64_t *flset_skipped(const struct flset *s)
{
	return s->skipped;
}

uint64_t flset_stale(const struct flset *s)
{
	return s->stale;
}
