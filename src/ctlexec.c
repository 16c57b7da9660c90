/* ctlexec: control requests carried out on the tables through the change API, and answered
 * (the daemon's side of the control protocol). */
#include "ctlexec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "counters.h"
#include "crypto.h"

/* --- output ---------------------------------------------------------------- */

#define ULL(x) ((unsigned long long)(x))

static void put_age(struct ctlproto_buf *out, bool is_static, uint64_t updated, uint64_t now)
{
	if (is_static)
		ctlproto_buf_printf(out, " static\n");
	else
		ctlproto_buf_printf(out, " learned age %llus\n",
				    ULL(now > updated ? (now - updated) / 1000u : 0));
}

static void put_json_age(struct ctlproto_buf *out, bool is_static, uint64_t updated, uint64_t now)
{
	if (is_static)
		ctlproto_buf_printf(out, "\"state\":\"static\",\"age_ms\":null}");
	else
		ctlproto_buf_printf(out, "\"state\":\"learned\",\"age_ms\":%llu}",
				    ULL(now > updated ? now - updated : 0));
}

static int cmp_ipaddr(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, sizeof(a->a));
}

/* Collect views into an array so that show lists them sorted. */
struct collect {
	void *arr;
	size_t n, cap, size;
	bool failed;
};

static void *collect_slot(struct collect *c)
{
	if (c->n == c->cap) {
		/* The count may have been read before; grow anyway to be safe. */
		size_t cap = c->cap ? c->cap * 2 : 64;
		void *a = realloc(c->arr, cap * c->size);

		if (a == NULL) {
			c->failed = true;
			return NULL;
		}
		c->arr = a;
		c->cap = cap;
	}
	return (char *)c->arr + c->n++ * c->size;
}

static void collect_fdb(const struct fdb_view *v, void *arg)
{
	struct fdb_view *slot = collect_slot(arg);

	if (slot != NULL)
		*slot = *v;
}

static void collect_neigh(const struct neigh_view *v, void *arg)
{
	struct neigh_view *slot = collect_slot(arg);

	if (slot != NULL)
		*slot = *v;
}

static int cmp_fdb(const void *a, const void *b)
{
	return memcmp(((const struct fdb_view *)a)->mac.b, ((const struct fdb_view *)b)->mac.b,
		      MAC_LEN);
}

static int cmp_neigh(const void *a, const void *b)
{
	return cmp_ipaddr(&((const struct neigh_view *)a)->ip, &((const struct neigh_view *)b)->ip);
}

static int cmp_peer(const void *a, const void *b)
{
	const struct peer *const *pa = a, *const *pb = b;

	return cmp_ipaddr(&(*pa)->ep.ip, &(*pb)->ep.ip);
}

static void put_fdb(struct ctlproto_buf *out, const void *view, bool json, uint64_t now)
{
	const struct fdb_view *v = view;
	char m[MAC_STRLEN], a[ADDR_STRLEN];

	mac_fmt(&v->mac, m);
	ipaddr_fmt(&v->dst.ip, a);
	if (json) {
		ctlproto_buf_printf(out, "{\"mac\":\"%s\",\"dst\":\"%s\",\"port\":%u,", m, a,
				    v->dst.port);
		put_json_age(out, v->is_static, v->updated, now);
	} else {
		ctlproto_buf_printf(out, "%s dst %s port %u", m, a, v->dst.port);
		put_age(out, v->is_static, v->updated, now);
	}
}

static void put_neigh(struct ctlproto_buf *out, const void *view, bool json, uint64_t now)
{
	const struct neigh_view *v = view;
	char m[MAC_STRLEN], a[ADDR_STRLEN];

	ipaddr_fmt(&v->ip, a);
	mac_fmt(&v->mac, m);
	if (json) {
		ctlproto_buf_printf(out, "{\"ip\":\"%s\",\"lladdr\":\"%s\",", a, m);
		put_json_age(out, v->is_static, v->updated, now);
	} else {
		ctlproto_buf_printf(out, "%s lladdr %s", a, m);
		put_age(out, v->is_static, v->updated, now);
	}
}

/* Sort what was collected and print it: a line per entry, or one JSON array. */
static bool show_sorted(struct collect *c, int (*cmp)(const void *, const void *),
			void (*put)(struct ctlproto_buf *, const void *, bool, uint64_t),
			enum ctlproto_fmt fmt, uint64_t now, struct ctlproto_buf *out)
{
	bool json = fmt == CTLPROTO_JSON;

	if (c->failed) {
		free(c->arr);
		return false;
	}
	if (c->n > 0)
		qsort(c->arr, c->n, c->size, cmp);
	if (json)
		ctlproto_buf_put(out, "[", 1);
	for (size_t i = 0; i < c->n; i++) {
		if (json && i > 0)
			ctlproto_buf_put(out, ",", 1);
		put(out, (const char *)c->arr + i * c->size, json, now);
	}
	if (json)
		ctlproto_buf_put(out, "]\n", 2);
	free(c->arr);
	return true;
}

static bool fdb_show(const struct ctlexec_env *env, enum ctlproto_fmt fmt, uint64_t now,
		     struct ctlproto_buf *out)
{
	struct collect c = {.size = sizeof(struct fdb_view)};

	fdb_foreach(env->dp->fdb, collect_fdb, &c);
	return show_sorted(&c, cmp_fdb, put_fdb, fmt, now, out);
}

static bool neigh_show(const struct ctlexec_env *env, enum ctlproto_fmt fmt, uint64_t now,
		       struct ctlproto_buf *out)
{
	struct collect c = {.size = sizeof(struct neigh_view)};

	neigh_foreach(env->dp->neigh, collect_neigh, &c);
	return show_sorted(&c, cmp_neigh, put_neigh, fmt, now, out);
}

/* The peers sorted by address; NULL (and *n 0) when there are none or no memory. */
static const struct peer *const *sorted_peers(const struct peers *ps, size_t *n, bool *failed)
{
	const struct peer **arr;

	*n = peers_count(ps);
	*failed = false;
	if (*n == 0)
		return NULL;
	arr = malloc(*n * sizeof(*arr));
	if (arr == NULL) {
		*failed = true;
		*n = 0;
		return NULL;
	}
	for (size_t i = 0; i < *n; i++)
		arr[i] = peers_at(ps, i);
	qsort(arr, *n, sizeof(*arr), cmp_peer);
	return arr;
}

static bool peer_show(const struct ctlexec_env *env, enum ctlproto_fmt fmt, uint64_t now,
		      struct ctlproto_buf *out)
{
	size_t n;
	bool failed;
	const struct peer *const *arr = sorted_peers(env->dp->peers, &n, &failed);

	if (failed)
		return false;
	if (fmt == CTLPROTO_JSON)
		ctlproto_buf_put(out, "[", 1);
	for (size_t i = 0; i < n; i++) {
		struct crypto_peer_info info;
		const struct crypto_peer_info *sec =
			env->peer_secure != NULL &&
					env->peer_secure(&arr[i]->ep.ip, now, &info, env->arg)
				? &info
				: NULL;

		if (fmt == CTLPROTO_JSON) {
			ctlproto_buf_printf(out, "%s", i ? "," : "");
			counters_peer_json(out, arr[i], sec, now);
		} else {
			counters_peer_text(out, "", arr[i], sec, now);
		}
	}
	if (fmt == CTLPROTO_JSON)
		ctlproto_buf_put(out, "]\n", 2);
	free((void *)(uintptr_t)arr);
	return true;
}

static bool stats(const struct ctlexec_env *env, enum ctlproto_fmt fmt, uint64_t now,
		  struct ctlproto_buf *out)
{
	size_t np;
	bool failed;
	const struct peer *const *peers = sorted_peers(env->dp->peers, &np, &failed);
	struct counters_snap snap;

	if (failed)
		return false;
	if (env->snapshot != NULL)
		env->snapshot(&snap, env->arg);
	else
		counters_snap_dp(&snap, env->dp);
	counters_render(&snap, peers, np, env->dev, fmt, now, out);
	free((void *)(uintptr_t)peers);
	return true;
}

/* --- execution ------------------------------------------------------------- */

static bool reply_error(struct ctlproto_buf *out, size_t mark, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Replace whatever the request appended with one error status line. */
static bool reply_error(struct ctlproto_buf *out, size_t mark, const char *fmt, ...)
{
	char msg[CTLPROTO_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out->len = mark;
	out->failed = false;
	ctlproto_buf_printf(out, "error: %s\n", msg);
	return false;
}

static bool errno_reply(struct ctlproto_buf *out, size_t mark, int err, const char *what,
			size_t limit)
{
	switch (err) {
	case -ENOSPC:
		return reply_error(out, mark, "%s table full (%zu entries)", what, limit);
	case -ENOMEM:
		return reply_error(out, mark, "out of memory");
	default:
		return reply_error(out, mark, "%s: %s", what, strerror(-err));
	}
}

/* "peer add": a listed peer given with a key gets that key (and the port). */
static int peer_add(struct dp *dp, const struct ctlproto_req *req)
{
	int r;

	if (!req->has_key) {
		r = change_peer_add(dp, &req->ep);
	} else {
		r = change_peer_add_key(dp, &req->ep, req->key);
		if (r == -EEXIST) {
			r = change_peer_set_key(dp, &req->ep.ip, req->key);
			if (r == 0)
				r = change_peer_port(dp, &req->ep.ip, req->ep.port);
		}
	}
	if (r == 0 && req->noflood)
		r = change_peer_flood(dp, &req->ep.ip, false);
	return r;
}

bool ctlexec_run(const struct ctlexec_env *env, const struct ctlproto_req *req, uint64_t now,
		 struct ctlproto_buf *out)
{
	size_t mark = out->len;
	char a[ADDR_STRLEN], m[MAC_STRLEN];
	bool shown = true, known;
	int r;

	switch (req->cmd) {
	case CTLPROTO_HELP:
		ctlproto_help(out);
		break;
	case CTLPROTO_PEER_ADD:
		r = peer_add(env->dp, req);
		if (r == -EEXIST)
			return reply_error(out, mark, "peer %s already exists",
					   ipaddr_fmt(&req->ep.ip, a));
		if (r == -EINVAL)
			return reply_error(out, mark,
					   "peer %s: the key is this node's own public key or has "
					   "no shared secret",
					   ipaddr_fmt(&req->ep.ip, a));
		if (r == -ENOKEY)
			return reply_error(out, mark, "peer %s has no key (secure mode)",
					   ipaddr_fmt(&req->ep.ip, a));
		if (r != 0)
			return errno_reply(out, mark, r, "peer", env->dp->lim.peers);
		break;
	case CTLPROTO_PEER_DEL:
		if (change_peer_del(env->dp, &req->ep.ip) != 0)
			return reply_error(out, mark, "no peer %s", ipaddr_fmt(&req->ep.ip, a));
		break;
	case CTLPROTO_PEER_SHOW:
		shown = peer_show(env, req->fmt, now, out);
		break;
	case CTLPROTO_PEER_FLUSH:
		/* A removal refills its hole from the end: walk from the end.
		 * FDB-only VTEPs stay while static entries name them. */
		for (size_t i = peers_count(env->dp->peers); i-- > 0;) {
			struct peer *p = peers_at(env->dp->peers, i);

			if (p != NULL && p->listed)
				change_peer_del(env->dp, &p->ep.ip);
		}
		break;
	case CTLPROTO_FDB_ADD:
		known = peers_find(env->dp->peers, &req->ep.ip) != NULL;
		r = change_fdb_add(env->dp, &req->mac, &req->ep);
		ipaddr_fmt(&req->ep.ip, a);
		if (r == -ENOKEY)
			return reply_error(
				out, mark,
				"%s is not a peer; secure mode takes datagrams only from "
				"peers with keys: peer add %s key PUBKEY first",
				a, a);
		if (r == -ENOSPC && !known && peers_count(env->dp->peers) >= env->dp->lim.peers)
			return errno_reply(out, mark, r, "peer", env->dp->lim.peers);
		if (r != 0)
			return errno_reply(out, mark, r, "static fdb", env->dp->lim.fdb_static);
		/* As the kernel's FDB: what it names may send to us, but only
		 * peers get flooded frames. Say so: the user may have meant one. */
		if (!known)
			ctlproto_buf_printf(
				out,
				"%s is not a peer: datagrams from it are accepted, but it "
				"gets no flooded frames (peer add %s makes it one)\n",
				a, a);
		break;
	case CTLPROTO_FDB_DEL:
		if (change_fdb_del(env->dp, &req->mac) != 0)
			return reply_error(out, mark, "no fdb entry for %s", mac_fmt(&req->mac, m));
		break;
	case CTLPROTO_FDB_SHOW:
		shown = fdb_show(env, req->fmt, now, out);
		break;
	case CTLPROTO_FDB_FLUSH:
		change_fdb_flush(env->dp);
		break;
	case CTLPROTO_NEIGH_ADD:
		r = change_neigh_add(env->dp, &req->ip, &req->mac);
		if (r != 0)
			return errno_reply(out, mark, r, "static neigh", env->dp->lim.neigh_static);
		break;
	case CTLPROTO_NEIGH_DEL:
		if (change_neigh_del(env->dp, &req->ip) != 0)
			return reply_error(out, mark, "no neigh entry for %s",
					   ipaddr_fmt(&req->ip, a));
		break;
	case CTLPROTO_NEIGH_SHOW:
		shown = neigh_show(env, req->fmt, now, out);
		break;
	case CTLPROTO_NEIGH_FLUSH:
		change_neigh_flush(env->dp);
		break;
	case CTLPROTO_STATS:
		shown = stats(env, req->fmt, now, out);
		break;
	case CTLPROTO_LEASE_SHOW:
	case CTLPROTO_ETCD_SHOW:
	case CTLPROTO_ROUTE_SHOW:
		if (env->plane_show == NULL)
			return reply_error(
				out, mark,
				"no etcd control plane (vxtap runs without --etcd-endpoints)");
		env->plane_show(req->cmd, req->fmt, now, out, env->arg);
		break;
	case CTLPROTO_KEY_LOAD: {
		char err[CTLPROTO_ERRLEN];

		if (env->key_load == NULL)
			return reply_error(out, mark, "secure mode is off (no --key-file)");
		if (env->key_load(req->path, err, sizeof(err), env->arg) != 0)
			return reply_error(out, mark, "%s", err);
		break;
	}
	}
	if (!shown || out->failed)
		return reply_error(out, mark, "out of memory");
	if (env->changed != NULL && req->cmd != CTLPROTO_HELP && req->cmd != CTLPROTO_STATS &&
	    req->cmd != CTLPROTO_PEER_SHOW && req->cmd != CTLPROTO_FDB_SHOW &&
	    req->cmd != CTLPROTO_NEIGH_SHOW && req->cmd != CTLPROTO_LEASE_SHOW &&
	    req->cmd != CTLPROTO_ETCD_SHOW && req->cmd != CTLPROTO_ROUTE_SHOW)
		env->changed(req, env->arg);
	ctlproto_buf_put(out, "ok\n", 3);
	if (out->failed)
		return reply_error(out, mark, "out of memory");
	return true;
}

bool ctlexec_handle(const struct ctlexec_env *env, const char *line, size_t len, uint64_t now,
		    struct ctlproto_buf *out)
{
	struct ctlproto_req req;
	char err[CTLPROTO_ERRLEN];

	switch (ctlproto_parse(&env->net, line, len, &req, err)) {
	case CTLPROTO_OK:
		return ctlexec_run(env, &req, now, out);
	case CTLPROTO_EMPTY:
		return true;
	case CTLPROTO_EUSAGE:
	case CTLPROTO_EVALUE:
		break;
	}
	return reply_error(out, out->len, "%s", err);
}
