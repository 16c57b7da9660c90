/* flnode: the flannel control plane wired to the daemon: requests on the etcd transport,
 * actions on the TAP, the tables (through the change API), the routes and the subnet file. */
#include "flnode.h"

#include <errno.h>
#include <ev.h>
#include <net/if.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "etcd.h"
#include "fldiff.h"
#include "flshow.h"
#include "log.h"
#include "loop.h"
#include "rtnl.h"
#include "statefile.h"
#include "tap.h"

_Static_assert(FLANNEL_PUBKEY_LEN == PEER_KEY_LEN, "a lease's key is a peer's key");

#define FLNODE_REQS	16   /* requests under way at once: a few unary ones and the watch */
#define FLNODE_RETRY_MS 1000 /* after a table change or route that failed */

struct flnode {
	struct ev_loop *loop;
	struct etcd *tr;
	struct flnet *fl;
	char **urls;
	size_t nurls;
	char *subnet_file;
	struct ipaddr public_ip;
	struct mac vtep_mac;
	bool secure; /* peers need the key their lease publishes */
	/* Requests under way; each callback's argument is its slot. */
	struct flnode_req {
		struct flnode *fn;
		uint64_t id;
		size_t endpoint;
		struct etcd_req *req;
	} reqs[FLNODE_REQS];
	ev_timer deadline; /* the machine's next tick */
	ev_timer retry;	   /* programming the tables again after a failure */
	bool fatal;

	/* Once attached: the data plane and what has been programmed into it. */
	struct vxtap *vx;
	struct rtnl *nl;
	uint32_t ifindex;
	uint32_t tap_mtu;
	struct flset_nodes applied;
	struct ipaddr *owned; /* peers this plane added (others are left alone) */
	size_t nowned;
	bool nodes_pending;
	struct flannel_subnet written; /* the subnet in the subnet file; len 0: none */
	struct ratelimit rl_fail;
};

static void pump(struct flnode *fn);

static uint32_t random32(void *arg)
{
	(void)arg;
	return randombytes_random();
}

/* --- requests ----------------------------------------------------------------- */

static struct flnode_req *slot_of(struct flnode *fn, uint64_t id)
{
	for (size_t i = 0; i < FLNODE_REQS; i++)
		if (fn->reqs[i].req != NULL && fn->reqs[i].id == id)
			return &fn->reqs[i];
	return NULL;
}

static void done_cb(void *arg, long status, const char *body, size_t len, const char *error)
{
	struct flnode_req *r = arg;
	struct flnode *fn = r->fn;

	r->req = NULL;
	/* Before the node has joined, TLS that fails is a setting to mend
	 * (a wrong CA, an expired certificate), not a passing fault. */
	if (fn->vx == NULL && error != NULL &&
	    strncmp(error, ETCD_TLS_PREFIX, strlen(ETCD_TLS_PREFIX)) == 0)
		fatalx("%s: %s", fn->urls[r->endpoint], error);
	flnet_on_done(fn->fl, r->id, status, body, len, error, loop_now_ms());
	pump(fn);
}

static void line_cb(void *arg, const char *line, size_t len)
{
	struct flnode_req *r = arg;

	flnet_on_line(r->fn->fl, r->id, line, len, loop_now_ms());
	pump(r->fn);
}

static void send_request(struct flnode *fn, const struct flnet_act *act)
{
	struct flnode_req *r = NULL;

	for (size_t i = 0; r == NULL && i < FLNODE_REQS; i++)
		if (fn->reqs[i].req == NULL)
			r = &fn->reqs[i];
	if (r != NULL) {
		*r = (struct flnode_req){.fn = fn, .id = act->id, .endpoint = act->endpoint};
		if (act->kind == FLNET_ACT_REQUEST)
			r->req = etcd_post(fn->tr, fn->urls[act->endpoint], act->path, act->body,
					   (long)act->timeout_ms, done_cb, r);
		else
			r->req = etcd_stream(fn->tr, fn->urls[act->endpoint], act->path, act->body,
					     line_cb, done_cb, r);
	}
	if (r == NULL || r->req == NULL)
		flnet_on_done(fn->fl, act->id, 0, NULL, 0,
			      r == NULL ? "too many requests under way" : "out of memory",
			      loop_now_ms());
}

static void cancel_request(struct flnode *fn, uint64_t id)
{
	struct flnode_req *r = slot_of(fn, id);

	if (r == NULL)
		return;
	etcd_cancel(r->req); /* nothing is called back for it */
	r->req = NULL;
}

/* --- the tables ------------------------------------------------------------------ */

static bool owned_has(const struct flnode *fn, const struct ipaddr *ip, size_t *at)
{
	for (size_t i = 0; i < fn->nowned; i++)
		if (ipaddr_equal(&fn->owned[i], ip)) {
			*at = i;
			return true;
		}
	return false;
}

static int own(struct flnode *fn, const struct ipaddr *ip)
{
	size_t at;
	struct ipaddr *o;

	if (owned_has(fn, ip, &at))
		return 0;
	o = realloc(fn->owned, (fn->nowned + 1) * sizeof(*o));
	if (o == NULL)
		return -ENOMEM;
	fn->owned = o;
	fn->owned[fn->nowned++] = *ip;
	return 0;
}

static struct route route_of(const struct flnode *fn, const struct fldiff_op *op)
{
	struct route r = {.plen = op->subnet.len, .ifindex = fn->ifindex};

	flannel_subnet_addr(&op->subnet, 0, &r.dst);
	r.gw = op->ip;
	return r;
}

/* Carry out one operation; 0 or -errno. Adds are "set", deletions "remove
 * if there". */
static int carry_out(struct flnode *fn, const struct fldiff_op *op)
{
	struct dp *dp = &fn->vx->dp;
	struct endpoint ep = {.ip = op->ip, .port = flnet_config(fn->fl)->port};
	struct route r;
	size_t at;
	int rc;

	switch (op->kind) {
	case FLDIFF_ROUTE_DEL:
		r = route_of(fn, op);
		rc = rtnl_route(fn->nl, &r, false);
		return rc == -ESRCH || rc == -ENOENT ? 0 : rc;
	case FLDIFF_PEER_ADD:
		if (!fn->secure) {
			rc = change_peer_add(dp, &ep);
		} else if (!op->has_pubkey) {
			return -ENOKEY; /* flset keeps such nodes out */
		} else {
			rc = change_peer_add_key(dp, &ep, op->pubkey);
			/* A node of ours that published a new key. */
			if (rc == -EEXIST && owned_has(fn, &op->ip, &at))
				return change_peer_set_key(dp, &op->ip, op->pubkey);
		}
		if (rc == 0) {
			/* As flanneld's device: no broadcast, multicast or unknown
			 * unicast goes to a node (ARP is answered here). */
			change_peer_flood(dp, &op->ip, false);
			return own(fn, &op->ip);
		}
		return rc == -EEXIST ? 0 : rc; /* listed by someone else: theirs */
	case FLDIFF_FDB_ADD:
		return change_fdb_add(dp, &op->mac, &ep);
	case FLDIFF_NEIGH_ADD:
		return change_neigh_add(dp, &op->ip, &op->mac);
	case FLDIFF_ROUTE_ADD:
		r = route_of(fn, op);
		return rtnl_route(fn->nl, &r, true);
	case FLDIFF_NEIGH_DEL:
		rc = change_neigh_del(dp, &op->ip);
		return rc == -ENOENT ? 0 : rc;
	case FLDIFF_FDB_DEL:
		rc = change_fdb_del(dp, &op->mac);
		return rc == -ENOENT ? 0 : rc;
	case FLDIFF_PEER_DEL:
		if (!owned_has(fn, &op->ip, &at))
			return 0;
		fn->owned[at] = fn->owned[--fn->nowned];
		rc = change_peer_del(dp, &op->ip);
		return rc == -ENOENT ? 0 : rc;
	}
	return 0;
}

/* Make the tables hold what etcd says: the difference from what they were
 * last made to hold, in fldiff's safe order. A failure leaves applied as it
 * was, so the next try redoes what is missing. */
static void program(struct flnode *fn)
{
	struct flset_nodes want = {0};
	struct fldiff_ops ops = {0};
	size_t failed = 0;
	uint32_t held;
	char a[ADDR_STRLEN];

	fn->nodes_pending = false;
	if (flnet_nodes(fn->fl, &want) != 0 || fldiff(&fn->applied, &want, &ops) != 0) {
		flset_nodes_free(&want);
		ev_timer_set(&fn->retry, FLNODE_RETRY_MS / 1000.0, 0.);
		ev_timer_start(fn->loop, &fn->retry);
		return;
	}
	for (size_t i = 0; i < ops.n; i++) {
		int rc = carry_out(fn, &ops.v[i]);

		if (rc == 0)
			continue;
		failed++;
		if (ratelimit_ok(&fn->rl_fail, loop_now_ms(), &held)) {
			errno = -rc;
			log_warn("etcd: %s %s failed (%u more not logged)",
				 fldiff_name(ops.v[i].kind), ipaddr_fmt(&ops.v[i].ip, a), held);
		}
	}
	if (failed == 0) {
		flset_nodes_free(&fn->applied);
		fn->applied = want;
		want = (struct flset_nodes){0};
	} else {
		ev_timer_set(&fn->retry, FLNODE_RETRY_MS / 1000.0, 0.);
		ev_timer_start(fn->loop, &fn->retry);
	}
	if (ops.n > 0)
		log_info("etcd: %zu nodes programmed (%zu changes, %zu failed)", fn->applied.n,
			 ops.n, failed);
	flset_nodes_free(&want);
	fldiff_free(&ops);
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct flnode *fn = w->data;

	(void)loop;
	(void)revents;
	program(fn);
}

/* The subnet file, as flanneld writes it, for the CNI plugin. */
static void write_subnet_file(struct flnode *fn)
{
	struct flnet_lease l;
	char text[FLANNEL_ENV_MAX], c[FLANNEL_CIDRLEN];
	size_t n;
	int rc;

	flnet_lease(fn->fl, &l);
	if (!l.held || (fn->written.len == l.subnet.len && fn->written.ip == l.subnet.ip))
		return;
	n = flannel_env_format(flnet_config(fn->fl), &l.subnet, fn->tap_mtu, text);
	if ((rc = statefile_write(fn->subnet_file, text, n, 0644)) != 0) {
		errno = -rc;
		log_warn("etcd: cannot write the subnet file %s", fn->subnet_file);
		return;
	}
	fn->written = l.subnet;
	log_info("etcd: subnet %s written to %s", flannel_cidr_format(&l.subnet, c),
		 fn->subnet_file);
}

/* --- the machine's actions ------------------------------------------------------ */

static void deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct flnode *fn = w->data;

	(void)loop;
	(void)revents;
	flnet_tick(fn->fl, loop_now_ms());
	pump(fn);
}

static void pump(struct flnode *fn)
{
	struct flnet_act act;
	uint64_t d, now;
	char c[FLANNEL_CIDRLEN];
	struct flnet_lease l;

	while (flnet_next(fn->fl, &act)) {
		switch (act.kind) {
		case FLNET_ACT_REQUEST:
		case FLNET_ACT_WATCH:
			send_request(fn, &act);
			break;
		case FLNET_ACT_CANCEL:
			cancel_request(fn, act.id);
			break;
		case FLNET_ACT_LEASE:
			flnet_lease(fn->fl, &l);
			log_info("etcd: holding subnet %s", flannel_cidr_format(&l.subnet, c));
			if (fn->vx != NULL)
				write_subnet_file(fn);
			break;
		case FLNET_ACT_NODES:
			fn->nodes_pending = true;
			break;
		case FLNET_ACT_LOG:
			if (act.level == FLNET_WARN)
				log_warnx("etcd: %s", act.text);
			else
				log_info("etcd: %s", act.text);
			break;
		case FLNET_ACT_FATAL:
			fatalx("%s", act.text);
		}
	}
	if (fn->nodes_pending && fn->vx != NULL)
		program(fn);
	ev_timer_stop(fn->loop, &fn->deadline);
	d = flnet_deadline(fn->fl);
	if (d != UINT64_MAX) {
		now = loop_now_ms();
		ev_timer_set(&fn->deadline, d > now ? (double)(d - now) / 1000.0 : 0., 0.);
		ev_timer_start(fn->loop, &fn->deadline);
	}
}

/* --- life ------------------------------------------------------------------------- */

/* The subnet the previous run wrote, to ask for it again. */
static bool previous_subnet(const char *path, struct flannel_subnet *sn)
{
	char text[1024];
	ssize_t n = statefile_read(path, text, sizeof(text));

	return n > 0 && flannel_env_subnet(text, (size_t)n, sn);
}

struct flnode *flnode_start(struct ev_loop *loop, const struct flnode_conf *fc)
{
	struct flnode *fn = calloc(1, sizeof(*fn));
	struct etcd_opts eo = {
		.cafile = fc->cafile, .certfile = fc->certfile, .keyfile = fc->keyfile};
	struct flnet_cfg cfg = {
		.prefix = fc->prefix,
		.nendpoints = fc->nendpoints,
		.public_ip = fc->public_ip,
		.vtep_mac = fc->vtep_mac,
		.has_pubkey = fc->has_pubkey,
		.cli = fc->cli,
		.renew_margin_min = fc->renew_margin,
		.random = random32,
	};
	char err[ETCD_ERRLEN];

	if (fn == NULL || (fn->urls = calloc(fc->nendpoints, sizeof(*fn->urls))) == NULL ||
	    (fn->subnet_file = strdup(fc->subnet_file)) == NULL)
		fatalx("out of memory");
	for (size_t i = 0; i < fc->nendpoints; i++, fn->nurls++)
		if ((fn->urls[i] = strdup(fc->endpoints[i])) == NULL)
			fatalx("out of memory");
	cfg.endpoint_names = (const char *const *)fn->urls;
	memcpy(cfg.pubkey, fc->pubkey, sizeof(cfg.pubkey));
	cfg.has_prev = previous_subnet(fc->subnet_file, &cfg.prev);
	fn->loop = loop;
	fn->public_ip = fc->public_ip;
	fn->vtep_mac = fc->vtep_mac;
	fn->secure = fc->has_pubkey;
	fn->rl_fail = (struct ratelimit)RATELIMIT_INIT(10000, 5);
	fn->tr = etcd_new(loop, &eo, err);
	if (fn->tr == NULL)
		fatalx("%s", err);
	fn->fl = flnet_new(&cfg);
	if (fn->fl == NULL)
		fatalx("out of memory");
	ev_init(&fn->deadline, deadline_cb);
	fn->deadline.data = fn;
	ev_init(&fn->retry, retry_cb);
	fn->retry.data = fn;
	log_info("etcd: joining through %s%s (prefix %s)", fn->urls[0],
		 fn->nurls > 1 ? " and others" : "", fc->prefix);
	flnet_start(fn->fl, loop_now_ms());
	pump(fn);
	return fn;
}

void flnode_wait_lease(struct flnode *fn)
{
	struct flnet_lease l;

	for (;;) {
		flnet_lease(fn->fl, &l);
		if (l.held)
			return;
		ev_run(fn->loop, EVRUN_ONCE);
	}
}

const struct flannel_config *flnode_config(const struct flnode *fn)
{
	return flnet_config(fn->fl);
}

struct flannel_subnet flnode_subnet(const struct flnode *fn)
{
	struct flnet_lease l;

	flnet_lease(fn->fl, &l);
	return l.subnet;
}

void flnode_attach(struct flnode *fn, struct vxtap *vx, uint32_t tap_mtu)
{
	struct flannel_subnet sn = flnode_subnet(fn);
	struct ipaddr own;
	char a[ADDR_STRLEN];
	int rc;

	fn->vx = vx;
	fn->tap_mtu = tap_mtu;
	fn->ifindex = if_nametoindex(vx->dev);
	if (fn->ifindex == 0)
		fatal("etcd: %s", vx->dev);
	fn->nl = rtnl_open();
	if (fn->nl == NULL)
		fatal("etcd: cannot open an rtnetlink socket for routes");
	/* SUBNET.0/32 on the TAP, as flanneld gives its vxlan device: the
	 * source of what the node itself sends into the overlay. */
	flannel_subnet_addr(&sn, 0, &own);
	if ((rc = tap_add_addr(vx->dev, &own, 32)) != 0 && rc != -EEXIST) {
		errno = -rc;
		fatal("%s: cannot add address %s/32", vx->dev, ipaddr_fmt(&own, a));
	}
	write_subnet_file(fn);
	fn->nodes_pending = true;
	pump(fn);
}

bool flnode_lease_held(const struct flnode *fn)
{
	struct flnet_lease l;

	flnet_lease(fn->fl, &l);
	return l.held;
}

void flnode_set_pubkey(struct flnode *fn, const uint8_t key[static FLANNEL_PUBKEY_LEN])
{
	flnet_set_pubkey(fn->fl, key);
	flnet_tick(fn->fl, loop_now_ms());
	pump(fn);
}

void flnode_stats(const struct flnode *fn, struct flnet_stats *st)
{
	flnet_stats(fn->fl, st);
}

void flnode_show(const struct flnode *fn, enum ctlproto_cmd cmd, enum ctlproto_fmt fmt,
		 uint64_t now, struct ctlproto_buf *out)
{
	struct flshow s = {
		.phase = flnet_phase(fn->fl),
		.public_ip = fn->public_ip,
		.vtep_mac = fn->vtep_mac,
		.dev = fn->vx != NULL ? fn->vx->dev : "-",
		.routes = &fn->applied,
	};

	flnet_lease(fn->fl, &s.lease);
	flnet_stats(fn->fl, &s.stats);
	s.endpoint = fn->urls[s.stats.endpoint < fn->nurls ? s.stats.endpoint : 0];
	if (cmd == CTLPROTO_LEASE_SHOW)
		flshow_lease(&s, fmt, now, out);
	else if (cmd == CTLPROTO_ETCD_SHOW)
		flshow_etcd(&s, fmt, now, out);
	else
		flshow_routes(&s, fmt, out);
}

void flnode_free(struct flnode *fn)
{
	if (fn == NULL)
		return;
	ev_timer_stop(fn->loop, &fn->deadline);
	ev_timer_stop(fn->loop, &fn->retry);
	etcd_free(fn->tr); /* aborts every request: no callback runs */
	flnet_free(fn->fl);
	rtnl_close(fn->nl);
	flset_nodes_free(&fn->applied);
	for (size_t i = 0; i < fn->nurls; i++)
		free(fn->urls[i]);
	free(fn->urls);
	free(fn->owned);
	free(fn->subnet_file);
	free(fn);
}
