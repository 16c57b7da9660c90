/* flnet: the flannel lease and watch machine: requests out, answers and time in, no I/O. */
#include "flnet.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "etcdgw.h"

/* The unary requests, one at a time. */
/* J_ADOPT: keep the etcd lease a previous run left on this node's key alive,
 * instead of writing the key again (which every node would see). */
enum job { J_NONE, J_CONFIG, J_LIST, J_GRANT, J_CLAIM, J_RENEW, J_ADOPT, J_REWRITE };

/* What the claim transaction does to the key it is about. */
enum claim { C_CREATE, C_UPDATE, C_DELETE };

enum wstate {
	W_OFF,	   /* not wanted yet, or waiting for a resync list */
	W_WAIT,	   /* broken: open again at w_at */
	W_OPENING, /* sent; "created" due by w_at */
	W_ON,	   /* created */
};

struct qitem {
	struct flnet_act a;
	char *body;
};

struct flnet {
	struct flnet_cfg cfg;
	char *prefix;
	char *config_key, *subnets_key;
	size_t config_keylen, subnets_keylen;
	enum flnet_phase phase;
	bool have_config;
	struct flannel_config config;
	struct flset *set;
	size_t endpoint;
	uint64_t next_id;
	uint32_t margin_ms;

	/* The unary slot. */
	enum job job; /* in flight */
	uint64_t job_id;
	size_t job_ep;
	enum job step;	   /* FLNET_ACQUIRE: what comes next */
	uint64_t retry_at; /* nothing is sent before (0: no wait) */
	uint32_t backoff;

	/* The watch. */
	enum wstate w;
	uint64_t w_id;
	size_t w_ep;
	uint64_t w_at;
	uint32_t w_backoff;
	bool w_opened_once;

	int64_t rev; /* the revision the set is complete up to */

	/* Acquiring (or re-creating) the lease. */
	int tries;
	struct flannel_subnet want;
	enum claim claim;
	int64_t claim_rev;
	bool reservation; /* the kept key has no etcd lease: keep it so */
	bool has_grant;
	int64_t grant_id, grant_ttl;
	uint64_t grant_at;
	bool waiting_logged;

	/* The lease held. */
	bool held;
	struct flannel_subnet own;
	int64_t own_lease, own_rev;
	uint64_t expiry, renew_at;
	bool contested, lost;
	bool need_resync, need_recreate;
	bool need_rewrite; /* the value changed (a new public key): write it again */

	struct qitem *q;
	size_t qhead, qn, qcap;
	char *out_body;
	bool nodes_queued;
	struct flnet_stats st;
	char epbuf[32]; /* ep_name without names */
};

/* --- the action queue -------------------------------------------------- */

static struct qitem *enqueue(struct flnet *fl, enum flnet_act_kind kind)
{
	struct qitem *it;

	if (fl->qhead > 0 && fl->qhead == fl->qn)
		fl->qhead = fl->qn = 0;
	if (fl->qn == fl->qcap) {
		size_t cap = fl->qcap ? fl->qcap * 2 : 16;
		struct qitem *q = realloc(fl->q, cap * sizeof(*q));

		if (q == NULL)
			return NULL;
		fl->q = q;
		fl->qcap = cap;
	}
	it = &fl->q[fl->qn++];
	memset(it, 0, sizeof(*it));
	it->a.kind = kind;
	return it;
}

__attribute__((format(printf, 3, 4))) static void say(struct flnet *fl, enum flnet_level level,
						      const char *fmt, ...)
{
	struct qitem *it = enqueue(fl, FLNET_ACT_LOG);
	va_list ap;

	if (it == NULL)
		return;
	it->a.level = level;
	va_start(ap, fmt);
	vsnprintf(it->a.text, sizeof(it->a.text), fmt, ap);
	va_end(ap);
}

static void cancel_watch(struct flnet *fl);

__attribute__((format(printf, 2, 3))) static void fatal(struct flnet *fl, const char *fmt, ...)
{
	struct qitem *it;
	va_list ap;

	if (fl->phase == FLNET_FATAL)
		return;
	cancel_watch(fl);
	if (fl->job != J_NONE) {
		it = enqueue(fl, FLNET_ACT_CANCEL);
		if (it != NULL)
			it->a.id = fl->job_id;
		fl->job = J_NONE;
	}
	fl->phase = FLNET_FATAL;
	it = enqueue(fl, FLNET_ACT_FATAL);
	if (it == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(it->a.text, sizeof(it->a.text), fmt, ap);
	va_end(ap);
}

/* Tell the shell once the node list changed -- only once the lease is held,
 * so that the tables are first filled together with the TAP's address. */
static void nodes_changed(struct flnet *fl)
{
	if (fl->set == NULL || !fl->held || !flset_changed(fl->set) || fl->nodes_queued)
		return;
	if (enqueue(fl, FLNET_ACT_NODES) != NULL)
		fl->nodes_queued = true;
}

bool flnet_next(struct flnet *fl, struct flnet_act *act)
{
	struct qitem *it;

	free(fl->out_body);
	fl->out_body = NULL;
	if (fl->qhead == fl->qn)
		return false;
	it = &fl->q[fl->qhead++];
	*act = it->a;
	fl->out_body = it->body;
	act->body = it->body;
	if (act->kind == FLNET_ACT_NODES)
		fl->nodes_queued = false;
	return true;
}

/* --- set-up ------------------------------------------------------------ */

static char *join(const char *prefix, size_t plen, const char *tail, size_t *len)
{
	size_t tlen = strlen(tail);
	char *s = malloc(plen + tlen + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, prefix, plen);
	memcpy(s + plen, tail, tlen + 1);
	*len = plen + tlen;
	return s;
}

struct flnet *flnet_new(const struct flnet_cfg *cfg)
{
	const char *prefix = cfg->prefix ? cfg->prefix : FLANNEL_PREFIX_DEFAULT;
	size_t plen = strlen(prefix);
	struct flnet *fl;

	if (cfg->nendpoints == 0 || cfg->random == NULL || cfg->public_ip.family != AF_INET ||
	    cfg->renew_margin_min >= 24 * 60)
		return NULL;
	fl = calloc(1, sizeof(*fl));
	if (fl == NULL)
		return NULL;
	fl->cfg = *cfg;
	while (plen > 0 && prefix[plen - 1] == '/')
		plen--;
	fl->prefix = join(prefix, plen, "", &plen);
	fl->config_key = join(prefix, plen, "/config", &fl->config_keylen);
	fl->subnets_key = join(prefix, plen, "/subnets/", &fl->subnets_keylen);
	if (fl->prefix == NULL || fl->config_key == NULL || fl->subnets_key == NULL) {
		flnet_free(fl);
		return NULL;
	}
	fl->cfg.prefix = fl->prefix;
	fl->margin_ms =
		(cfg->renew_margin_min ? cfg->renew_margin_min : FLANNEL_RENEW_MARGIN_MIN) * 60000u;
	fl->backoff = fl->w_backoff = FLNET_BACKOFF_MIN_MS;
	fl->phase = FLNET_CONFIG;
	return fl;
}

void flnet_free(struct flnet *fl)
{
	if (fl == NULL)
		return;
	for (size_t i = fl->qhead; i < fl->qn; i++)
		free(fl->q[i].body);
	free(fl->q);
	free(fl->out_body);
	flset_free(fl->set);
	free(fl->prefix);
	free(fl->config_key);
	free(fl->subnets_key);
	free(fl);
}

/* --- sending ---------------------------------------------------------- */

static const char *sn_text(const struct flannel_subnet *sn, char buf[static FLANNEL_CIDRLEN])
{
	return flannel_cidr_format(sn, buf);
}

/* The etcd key of a subnet: PREFIX/subnets/A.B.C.D-N. */
static size_t subnet_key(const struct flnet *fl, const struct flannel_subnet *sn, char *buf,
			 size_t size)
{
	char k[FLANNEL_KEYLEN];
	int n = snprintf(buf, size, "%s%s", fl->subnets_key, flannel_key_format(sn, k));

	return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}

static char *claim_body(struct flnet *fl)
{
	struct flannel_lease l = {
		.public_ip = fl->cfg.public_ip,
		.vni = fl->config.vni,
		.vtep_mac = fl->cfg.vtep_mac,
		.has_pubkey = fl->cfg.has_pubkey,
	};
	char key[512], value[FLANNEL_LEASE_MAX];
	size_t klen = subnet_key(fl, &fl->want, key, sizeof(key));
	size_t vlen;
	int64_t lease = fl->reservation ? 0 : fl->grant_id;

	if (klen == 0)
		return NULL;
	memcpy(l.pubkey, fl->cfg.pubkey, sizeof(l.pubkey));
	vlen = flannel_lease_format(&l, value);
	switch (fl->claim) {
	case C_CREATE:
		return etcdgw_txn_create(key, klen, value, vlen, lease);
	case C_UPDATE:
		return etcdgw_txn_update(key, klen, value, vlen, lease, fl->claim_rev);
	case C_DELETE:
		return etcdgw_txn_delete(key, klen, fl->claim_rev);
	}
	return NULL;
}

/* The held key again with this node's value now, on its etcd lease, if it
 * is still at own_rev. */
static char *rewrite_body(struct flnet *fl)
{
	struct flannel_subnet want = fl->want;
	enum claim claim = fl->claim;
	bool reservation = fl->reservation;
	int64_t grant = fl->grant_id, rev = fl->claim_rev;
	char *body;

	fl->want = fl->own;
	fl->claim = C_UPDATE;
	fl->reservation = fl->own_lease == 0;
	fl->grant_id = fl->own_lease;
	fl->claim_rev = fl->own_rev;
	body = claim_body(fl);
	fl->want = want;
	fl->claim = claim;
	fl->reservation = reservation;
	fl->grant_id = grant;
	fl->claim_rev = rev;
	return body;
}

static void send_job(struct flnet *fl, enum job j, uint64_t now)
{
	struct qitem *it;
	const char *path = NULL;
	char *body = NULL;

	switch (j) {
	case J_CONFIG:
		path = ETCDGW_PATH_RANGE;
		body = etcdgw_range(fl->config_key, fl->config_keylen, false);
		break;
	case J_LIST:
		path = ETCDGW_PATH_RANGE;
		body = etcdgw_range(fl->subnets_key, fl->subnets_keylen, true);
		break;
	case J_GRANT:
		path = ETCDGW_PATH_GRANT;
		body = etcdgw_grant(FLANNEL_LEASE_TTL_S);
		break;
	case J_CLAIM:
		path = ETCDGW_PATH_TXN;
		body = claim_body(fl);
		break;
	case J_REWRITE:
		path = ETCDGW_PATH_TXN;
		body = rewrite_body(fl);
		break;
	case J_RENEW:
		path = ETCDGW_PATH_KEEPALIVE;
		body = etcdgw_keepalive(fl->own_lease);
		break;
	case J_ADOPT:
		path = ETCDGW_PATH_KEEPALIVE;
		body = etcdgw_keepalive(fl->grant_id);
		break;
	case J_NONE:
		return;
	}
	it = body ? enqueue(fl, FLNET_ACT_REQUEST) : NULL;
	if (it == NULL) {
		/* Out of memory: try again later, as after a failure. */
		free(body);
		fl->retry_at = now + fl->backoff;
		return;
	}
	it->body = body;
	it->a.id = ++fl->next_id;
	it->a.endpoint = fl->endpoint;
	it->a.path = path;
	it->a.timeout_ms = FLNET_TIMEOUT_MS;
	fl->job = j;
	fl->job_id = it->a.id;
	fl->job_ep = fl->endpoint;
	fl->retry_at = 0;
}

static void cancel_watch(struct flnet *fl)
{
	struct qitem *it;

	if (fl->w == W_OPENING || fl->w == W_ON) {
		it = enqueue(fl, FLNET_ACT_CANCEL);
		if (it != NULL)
			it->a.id = fl->w_id;
	}
	fl->w = W_OFF;
	fl->st.connected = false;
}

static void open_watch(struct flnet *fl, uint64_t now)
{
	char *body =
		etcdgw_watch(fl->subnets_key, fl->subnets_keylen, true, fl->rev + 1, false, true);
	struct qitem *it = body ? enqueue(fl, FLNET_ACT_WATCH) : NULL;

	if (it == NULL) {
		free(body);
		fl->w = W_WAIT;
		fl->w_at = now + fl->w_backoff;
		return;
	}
	if (fl->w_opened_once)
		fl->st.reconnects++;
	fl->w_opened_once = true;
	it->body = body;
	it->a.id = ++fl->next_id;
	it->a.endpoint = fl->endpoint;
	it->a.path = ETCDGW_PATH_WATCH;
	fl->w = W_OPENING;
	fl->w_id = it->a.id;
	fl->w_ep = fl->endpoint;
	fl->w_at = now + FLNET_TIMEOUT_MS;
}

static bool grant_fresh(const struct flnet *fl, uint64_t now)
{
	return fl->has_grant && now - fl->grant_at < FLNET_GRANT_REUSE_MS;
}

/* What the unary slot should do next, if anything. */
static enum job next_job(const struct flnet *fl, uint64_t now)
{
	switch (fl->phase) {
	case FLNET_CONFIG:
		return J_CONFIG;
	case FLNET_ACQUIRE:
		if (fl->step == J_GRANT && grant_fresh(fl, now))
			return J_CLAIM;
		return fl->step;
	case FLNET_HELD:
		if (fl->need_recreate)
			return grant_fresh(fl, now) ? J_CLAIM : J_GRANT;
		if (fl->need_resync)
			return J_LIST;
		if (fl->need_rewrite)
			return J_REWRITE;
		if (fl->own_lease != 0 && now >= fl->renew_at)
			return J_RENEW;
		return J_NONE;
	case FLNET_FATAL:
		break;
	}
	return J_NONE;
}

/* Send whatever is due now. */
static void pump(struct flnet *fl, uint64_t now)
{
	if (fl->phase == FLNET_FATAL)
		return;
	if (fl->job == J_NONE && now >= fl->retry_at)
		send_job(fl, next_job(fl, now), now);
	if (fl->phase != FLNET_HELD)
		return;
	if (fl->w == W_OFF && !fl->need_resync)
		open_watch(fl, now);
	else if (fl->w == W_WAIT && now >= fl->w_at)
		open_watch(fl, now);
}

void flnet_start(struct flnet *fl, uint64_t now)
{
	pump(fl, now);
}

uint64_t flnet_deadline(const struct flnet *fl)
{
	uint64_t d = UINT64_MAX;

	if (fl->phase == FLNET_FATAL)
		return d;
	if (fl->job == J_NONE) {
		if (fl->retry_at != 0)
			d = fl->retry_at;
		else if (fl->phase == FLNET_HELD && fl->own_lease != 0)
			d = fl->renew_at;
	}
	if ((fl->w == W_WAIT || fl->w == W_OPENING) && fl->w_at < d)
		d = fl->w_at;
	return d;
}

/* --- failures --------------------------------------------------------- */

static uint32_t grow(uint32_t b)
{
	return b >= FLNET_BACKOFF_MAX_MS / 2 ? FLNET_BACKOFF_MAX_MS : b * 2;
}

/* A request to endpoint ep failed: the next ones go to the next endpoint. */
static void endpoint_failed(struct flnet *fl, size_t ep)
{
	if (ep == fl->endpoint)
		fl->endpoint = (fl->endpoint + 1) % fl->cfg.nendpoints;
	fl->st.endpoint = fl->endpoint;
}

static const char *job_name(enum job j)
{
	static const char *const n[] = {
		[J_NONE] = "-",
		[J_CONFIG] = "config read",
		[J_LIST] = "list",
		[J_GRANT] = "lease grant",
		[J_CLAIM] = "transaction",
		[J_RENEW] = "lease keepalive",
		[J_ADOPT] = "lease keepalive",
		[J_REWRITE] = "transaction",
	};

	return n[j];
}

/* How the log names endpoint i: its URL when the caller gave names. */
static const char *ep_name(struct flnet *fl, size_t i)
{
	if (fl->cfg.endpoint_names != NULL)
		return fl->cfg.endpoint_names[i];
	snprintf(fl->epbuf, sizeof(fl->epbuf), "etcd endpoint %zu", i);
	return fl->epbuf;
}

static void unary_failed(struct flnet *fl, enum job j, const char *why, uint64_t now)
{
	fl->st.failures++;
	say(fl, FLNET_WARN, "%s: %s failed: %s; retrying in %u ms", ep_name(fl, fl->job_ep),
	    job_name(j), why, fl->backoff);
	endpoint_failed(fl, fl->job_ep);
	fl->retry_at = now + fl->backoff;
	fl->backoff = grow(fl->backoff);
}

static void watch_failed(struct flnet *fl, const char *why, bool cancel, uint64_t now)
{
	if (cancel)
		cancel_watch(fl);
	fl->st.failures++;
	fl->st.connected = false;
	say(fl, FLNET_WARN, "%s: watch: %s; watching again from revision %" PRId64 " in %u ms",
	    ep_name(fl, fl->w_ep), why, fl->rev + 1, fl->w_backoff);
	endpoint_failed(fl, fl->w_ep);
	fl->w = W_WAIT;
	fl->w_at = now + fl->w_backoff;
	fl->w_backoff = grow(fl->w_backoff);
}

/* --- records ---------------------------------------------------------- */

static void lease_lost(struct flnet *fl, const char *why)
{
	char s[FLANNEL_CIDRLEN];

	if (fl->lost)
		return;
	fl->lost = true;
	fl->need_recreate = true;
	fl->want = fl->own;
	fl->claim = C_CREATE;
	fl->reservation = false;
	fl->st.lease_losses++;
	say(fl, FLNET_WARN, "lease on %s lost (%s); creating it again", sn_text(&fl->own, s), why);
}

/* Log what the set made of one record, and follow this node's own key. */
static void note(struct flnet *fl, const struct flset_result *r, const char *key, size_t keylen)
{
	char q[CONF_QUOTELEN], a[ADDR_STRLEN];

	switch (r->verdict) {
	case FLSET_SKIPPED:
		if (r->reason == FLSET_SKIP_OWN_SUBNET ||
		    (r->has_subnet && fl->held && r->subnet.ip == fl->own.ip &&
		     r->subnet.len == fl->own.len))
			fl->contested = true;
		if (!r->first)
			break;
		if (r->reason == FLSET_SKIP_OWN_SUBNET)
			say(fl, FLNET_WARN, "skipping \"%s\": %s (%s)", conf_quote(key, keylen, q),
			    flset_skip_text(r->reason), ipaddr_fmt(&r->public_ip, a));
		else
			say(fl, FLNET_WARN, "skipping \"%s\": %s", conf_quote(key, keylen, q),
			    flset_skip_text(r->reason));
		break;
	case FLSET_OWN:
		if (!fl->held)
			break;
		if (r->deleted) {
			lease_lost(fl, "its key was deleted");
			break;
		}
		fl->contested = false;
		if (r->lease != 0 && r->lease != fl->own_lease && !fl->need_recreate)
			fl->own_lease = r->lease; /* written again elsewhere: follow that lease */
		break;
	default:
		break;
	}
}

static struct flset_result apply_kv(struct flnet *fl, const struct etcdgw_kv *kv)
{
	struct flset_result r = flset_put(fl->set, kv->key, kv->keylen, kv->value, kv->valuelen,
					  kv->mod_revision, kv->lease);

	note(fl, &r, kv->key, kv->keylen);
	if (r.verdict == FLSET_OWN && !r.deleted)
		fl->own_rev = kv->mod_revision;
	return r;
}

static void apply_list(struct flnet *fl, const struct etcdgw_resp *resp)
{
	flset_list_begin(fl->set);
	for (size_t i = 0; i < resp->nkvs; i++)
		apply_kv(fl, &resp->kvs[i]);
	flset_list_end(fl->set, resp->revision);
	if (resp->revision > fl->rev)
		fl->rev = resp->revision;
	fl->st.revision = fl->rev;
}

/* --- acquiring -------------------------------------------------------- */

/* Whether value is what this node would write. */
static bool same_value(const struct flnet *fl, const struct flannel_lease *v)
{
	return mac_equal(&v->vtep_mac, &fl->cfg.vtep_mac) && v->vni == fl->config.vni &&
	       v->has_pubkey == fl->cfg.has_pubkey &&
	       (!v->has_pubkey || memcmp(v->pubkey, fl->cfg.pubkey, sizeof(v->pubkey)) == 0);
}

static void decide(struct flnet *fl, uint64_t now)
{
	char s[FLANNEL_CIDRLEN], a[FLANNEL_CIDRLEN], b[FLANNEL_CIDRLEN], ip[ADDR_STRLEN];
	struct flannel_subnet sn, *taken;
	struct flannel_lease value;
	int64_t rev, lease;
	size_t n;

	fl->reservation = false;
	if (flset_find_ip(fl->set, &fl->cfg.public_ip, &sn, &rev, &lease, &value)) {
		fl->want = sn;
		fl->claim_rev = rev;
		if (flannel_subnet_compat(&fl->config, &sn)) {
			say(fl, FLNET_INFO, "found lease %s for %s: keeping it", sn_text(&sn, s),
			    ipaddr_fmt(&fl->cfg.public_ip, ip));
			fl->claim = C_UPDATE;
			fl->reservation = lease == 0;
			fl->step = fl->reservation ? J_CLAIM : J_GRANT;
			if (lease != 0 && same_value(fl, &value)) {
				/* Nothing to write: keep its etcd lease alive. */
				fl->grant_id = lease;
				fl->step = J_ADOPT;
			}
		} else {
			say(fl, FLNET_INFO,
			    "found lease %s for %s that does not fit the config: "
			    "deleting it",
			    sn_text(&sn, s), ipaddr_fmt(&fl->cfg.public_ip, ip));
			fl->claim = C_DELETE;
			fl->step = J_CLAIM;
		}
		return;
	}
	if (fl->cfg.has_prev && flannel_subnet_compat(&fl->config, &fl->cfg.prev) &&
	    !flset_find(fl->set, &fl->cfg.prev, NULL)) {
		say(fl, FLNET_INFO, "previous subnet %s is free: taking it",
		    sn_text(&fl->cfg.prev, s));
		fl->want = fl->cfg.prev;
	} else {
		if (fl->cfg.has_prev)
			say(fl, FLNET_INFO, "previous subnet %s is %s", sn_text(&fl->cfg.prev, s),
			    flannel_subnet_compat(&fl->config, &fl->cfg.prev)
				    ? "taken"
				    : "outside SubnetMin-SubnetMax or of another length");
		if (flset_taken(fl->set, &taken, &n) < 0) {
			fl->step = J_LIST;
			fl->retry_at = now + fl->backoff;
			return;
		}
		if (!flannel_pick_subnet(&fl->config, taken, n, fl->cfg.random(fl->cfg.random_arg),
					 &sn)) {
			struct flannel_subnet lo = {fl->config.subnet_min, fl->config.subnet_len};
			struct flannel_subnet hi = {fl->config.subnet_max, fl->config.subnet_len};

			free(taken);
			fatal(fl, "out of subnets: every subnet from %s to %s is taken",
			      sn_text(&lo, a), sn_text(&hi, b));
			return;
		}
		free(taken);
		say(fl, FLNET_INFO, "picked free subnet %s", sn_text(&sn, s));
		fl->want = sn;
	}
	fl->claim = C_CREATE;
	fl->step = J_GRANT;
}

static void acquired(struct flnet *fl, int64_t rev, uint64_t now)
{
	char s[FLANNEL_CIDRLEN];
	bool first = fl->phase == FLNET_ACQUIRE;
	uint64_t ttl_ms = (uint64_t)(fl->grant_ttl > 0 ? fl->grant_ttl : 0) * 1000;

	fl->held = true;
	fl->own = fl->want;
	fl->own_rev = rev;
	fl->contested = false;
	fl->lost = false;
	fl->need_recreate = false;
	fl->tries = 0;
	if (fl->reservation) {
		fl->own_lease = 0;
		fl->expiry = 0;
	} else {
		fl->own_lease = fl->grant_id;
		fl->has_grant = false;
		fl->expiry = now + ttl_ms;
		fl->renew_at =
			ttl_ms > fl->margin_ms ? fl->expiry - fl->margin_ms : now + ttl_ms / 2;
	}
	flset_own(fl->set, &fl->own);
	if (first) {
		fl->phase = FLNET_HELD;
		fl->step = J_NONE;
		enqueue(fl, FLNET_ACT_LEASE);
		say(fl, FLNET_INFO, "holding lease %s (etcd lease %" PRId64 ", %s)",
		    sn_text(&fl->own, s), fl->own_lease,
		    fl->reservation ? "a reservation: never expires" : "expires in 24 h");
	} else {
		say(fl, FLNET_INFO, "lease %s created again (etcd lease %" PRId64 ")",
		    sn_text(&fl->own, s), fl->own_lease);
	}
	nodes_changed(fl);
}

/* A claim whose compare failed: our own earlier try (answer lost), someone
 * else's key, or nothing. */
static void claim_failed(struct flnet *fl, const struct etcdgw_resp *resp, uint64_t now)
{
	char s[FLANNEL_CIDRLEN], ip[ADDR_STRLEN];
	struct flannel_lease l;
	const struct etcdgw_kv *kv = resp->nkvs == 1 ? &resp->kvs[0] : NULL;
	bool ours = kv != NULL &&
		    flannel_lease_parse(kv->value, kv->valuelen, &l) == FLANNEL_BAD_NONE &&
		    ipaddr_equal(&l.public_ip, &fl->cfg.public_ip);

	if (fl->claim != C_DELETE && ours &&
	    (kv->lease == (fl->reservation ? 0 : fl->grant_id) || fl->phase == FLNET_HELD)) {
		if (kv->lease != 0 && kv->lease != fl->grant_id) {
			fl->grant_id = kv->lease; /* re-created by someone with our IP: follow */
			fl->reservation = false;
		}
		acquired(fl, kv->mod_revision, now);
		return;
	}
	if (fl->phase == FLNET_HELD) {
		fatal(fl, "subnet %s was taken by %s after this node's lease was lost",
		      sn_text(&fl->own, s),
		      kv != NULL && flannel_lease_parse(kv->value, kv->valuelen, &l) ==
					      FLANNEL_BAD_NONE
			      ? ipaddr_fmt(&l.public_ip, ip)
			      : "a record that is not a vxlan lease");
		return;
	}
	if (++fl->tries >= FLANNEL_RACE_RETRIES) {
		fatal(fl, "max retries reached trying to acquire a subnet (%d conflicts)",
		      fl->tries);
		return;
	}
	say(fl, FLNET_INFO, "subnet %s changed under us: listing again", sn_text(&fl->want, s));
	fl->step = J_LIST;
}

/* --- answers ---------------------------------------------------------- */

static void on_config(struct flnet *fl, const struct etcdgw_resp *resp, uint64_t now)
{
	char err[FLANNEL_ERRLEN], n[FLANNEL_CIDRLEN];
	struct flset_self self = {fl->cfg.public_ip, fl->cfg.vtep_mac, fl->cfg.has_pubkey};

	if (resp->nkvs == 0) {
		if (!fl->waiting_logged)
			say(fl, FLNET_INFO, "waiting for the network config at %s", fl->config_key);
		fl->waiting_logged = true;
		fl->retry_at = now + FLNET_CONFIG_POLL_MS;
		return;
	}
	if (!flannel_config_parse(resp->kvs[0].value, resp->kvs[0].valuelen, &fl->config, err) ||
	    !flannel_config_agrees(&fl->config, &fl->cfg.cli, err)) {
		fatal(fl, "%s: %s", fl->config_key, err);
		return;
	}
	fl->set = flset_new(&fl->config, fl->prefix, &self);
	if (fl->set == NULL) {
		fl->retry_at = now + fl->backoff;
		return;
	}
	fl->have_config = true;
	say(fl, FLNET_INFO, "network config: Network %s, SubnetLen %u, VNI %u, Port %u%s",
	    sn_text(&fl->config.network, n), fl->config.subnet_len, fl->config.vni, fl->config.port,
	    fl->config.direct_routing ? " (DirectRouting is not done)" : "");
	fl->phase = FLNET_ACQUIRE;
	fl->step = J_LIST;
}

static void on_list(struct flnet *fl, const struct etcdgw_resp *resp, uint64_t now)
{
	apply_list(fl, resp);
	if (fl->phase == FLNET_ACQUIRE) {
		decide(fl, now);
	} else {
		fl->need_resync = false;
		fl->st.resyncs++;
		if (!fl->need_recreate && !flset_find(fl->set, &fl->own, NULL) && fl->held)
			lease_lost(fl, "its key is gone from the list");
	}
	nodes_changed(fl);
}

static void on_answer(struct flnet *fl, enum job j, const struct etcdgw_resp *resp, uint64_t now)
{
	char s[FLANNEL_CIDRLEN];

	switch (j) {
	case J_CONFIG:
		on_config(fl, resp, now);
		break;
	case J_LIST:
		on_list(fl, resp, now);
		break;
	case J_GRANT:
		fl->has_grant = true;
		fl->grant_id = resp->id;
		fl->grant_ttl = resp->ttl;
		fl->grant_at = now;
		fl->step = J_CLAIM;
		break;
	case J_CLAIM:
		if (!resp->succeeded) {
			claim_failed(fl, resp, now);
		} else if (fl->claim == C_DELETE) {
			say(fl, FLNET_INFO, "deleted lease %s", sn_text(&fl->want, s));
			fl->step = J_LIST;
		} else {
			acquired(fl, resp->revision, now);
		}
		break;
	case J_ADOPT:
		if (resp->ttl <= 0) {
			fl->step = J_GRANT; /* expired meanwhile: a new one, and the key again */
			break;
		}
		fl->grant_ttl = resp->ttl;
		acquired(fl, fl->claim_rev, now);
		break;
	case J_REWRITE:
		if (!resp->succeeded) {
			/* Changed meanwhile: read it again (own_rev follows), then retry. */
			say(fl, FLNET_WARN,
			    "lease %s changed before the new key was written; "
			    "reading it again",
			    sn_text(&fl->own, s));
			fl->need_resync = true;
			fl->retry_at = now + fl->backoff;
			fl->backoff = grow(fl->backoff);
			break;
		}
		fl->need_rewrite = false;
		fl->own_rev = resp->revision;
		say(fl, FLNET_INFO, "lease %s now publishes the new public key",
		    sn_text(&fl->own, s));
		break;
	case J_RENEW:
		if (resp->ttl <= 0) {
			lease_lost(fl, "etcd says its etcd lease is gone");
			break;
		}
		fl->st.renewals++;
		fl->expiry = now + (uint64_t)resp->ttl * 1000;
		fl->renew_at = (uint64_t)resp->ttl * 1000 > fl->margin_ms
				       ? fl->expiry - fl->margin_ms
				       : now + (uint64_t)resp->ttl * 500;
		say(fl, FLNET_INFO, "lease %s renewed for %" PRId64 " s", sn_text(&fl->own, s),
		    resp->ttl);
		break;
	case J_NONE:
		break;
	}
}

static enum etcdgw_kind kind_of(enum job j)
{
	switch (j) {
	case J_CLAIM:
	case J_REWRITE:
		return ETCDGW_TXN;
	case J_GRANT:
		return ETCDGW_GRANT;
	case J_RENEW:
	case J_ADOPT:
		return ETCDGW_KEEPALIVE;
	default:
		return ETCDGW_RANGE;
	}
}

static void unary_done(struct flnet *fl, long status, const char *body, size_t len,
		       const char *error, uint64_t now)
{
	enum job j = fl->job;
	struct etcdgw_resp resp;
	char err[ETCDGW_ERRLEN], why[ETCDGW_ERRLEN + 32];
	enum etcdgw_status st;

	fl->job = J_NONE;
	if (error != NULL) {
		unary_failed(fl, j, error, now);
		return;
	}
	st = etcdgw_parse(kind_of(j), body, len, &resp, err);
	if (st == ETCDGW_OK && status != 200) {
		st = ETCDGW_BAD;
		snprintf(err, sizeof(err), "unexpected answer");
	}
	if (st != ETCDGW_OK) {
		if (status != 200)
			snprintf(why, sizeof(why), "HTTP %ld: %s", status, err);
		else
			snprintf(why, sizeof(why), "%s", err);
		etcdgw_resp_free(&resp);
		unary_failed(fl, j, why, now);
		return;
	}
	fl->backoff = FLNET_BACKOFF_MIN_MS;
	on_answer(fl, j, &resp, now);
	etcdgw_resp_free(&resp);
}

void flnet_on_done(struct flnet *fl, uint64_t id, long status, const char *body, size_t len,
		   const char *error, uint64_t now)
{
	if (fl->phase == FLNET_FATAL || id == 0)
		return;
	if (fl->job != J_NONE && id == fl->job_id) {
		unary_done(fl, status, body, len, error, now);
	} else if ((fl->w == W_OPENING || fl->w == W_ON) && id == fl->w_id) {
		char why[ETCDGW_ERRLEN];

		if (error != NULL)
			snprintf(why, sizeof(why), "%s", error);
		else if (status != 200)
			snprintf(why, sizeof(why), "HTTP %ld", status);
		else
			snprintf(why, sizeof(why), "the stream ended");
		fl->w = W_OFF;
		watch_failed(fl, why, false, now);
	}
	pump(fl, now);
}

/* --- the watch -------------------------------------------------------- */

static void on_events(struct flnet *fl, const struct etcdgw_watch *w, uint64_t now)
{
	for (size_t i = 0; i < w->nevents; i++) {
		const struct etcdgw_event *e = &w->events[i];
		struct flset_result r;

		if (e->is_delete) {
			r = flset_del(fl->set, e->kv.key, e->kv.keylen, e->kv.mod_revision);
			note(fl, &r, e->kv.key, e->kv.keylen);
		} else {
			r = apply_kv(fl, &e->kv);
		}
		if (r.verdict != FLSET_STALE) {
			fl->st.events++;
			fl->st.last_event_ms = now;
		}
		if (e->kv.mod_revision > fl->rev)
			fl->rev = e->kv.mod_revision;
	}
	fl->st.revision = fl->rev;
}

void flnet_on_line(struct flnet *fl, uint64_t id, const char *line, size_t len, uint64_t now)
{
	struct etcdgw_watch w;
	char err[ETCDGW_ERRLEN], why[ETCDGW_ERRLEN + 32];
	enum etcdgw_status st;

	if (fl->phase != FLNET_HELD || id != fl->w_id || (fl->w != W_OPENING && fl->w != W_ON))
		return;
	st = etcdgw_parse_watch(line, len, &w, err);
	if (st == ETCDGW_ERROR && w.code == ETCDGW_CODE_OUT_OF_RANGE) {
		w.canceled = true;
		w.compact_revision = fl->rev;
		st = ETCDGW_OK;
	}
	if (st != ETCDGW_OK) {
		if (st == ETCDGW_BAD)
			fl->st.bad_lines++;
		snprintf(why, sizeof(why), "%s%s", st == ETCDGW_BAD ? "not a watch answer: " : "",
			 err);
		etcdgw_watch_free(&w);
		watch_failed(fl, why, true, now);
		pump(fl, now);
		return;
	}
	if (w.created && fl->w == W_OPENING) {
		fl->w = W_ON;
		fl->w_backoff = FLNET_BACKOFF_MIN_MS;
		fl->st.connected = true;
		fl->st.endpoint = fl->w_ep;
		say(fl, FLNET_INFO, "%s: watching %s from revision %" PRId64, ep_name(fl, fl->w_ep),
		    fl->subnets_key, fl->rev + 1);
	}
	if (w.canceled) {
		if (w.compact_revision > 0) {
			say(fl, FLNET_WARN,
			    "watch fell behind etcd's compaction (revision %" PRId64
			    "): listing again",
			    w.compact_revision);
			cancel_watch(fl);
			fl->need_resync = true;
		} else {
			watch_failed(fl, "canceled by etcd", true, now);
		}
	} else if (w.nevents > 0) {
		on_events(fl, &w, now);
		nodes_changed(fl);
	} else if (!w.created && fl->w == W_ON && w.revision > fl->rev) {
		/* A progress notification: nothing up to that revision was missed. */
		fl->rev = w.revision;
		fl->st.revision = fl->rev;
	}
	etcdgw_watch_free(&w);
	pump(fl, now);
}

void flnet_tick(struct flnet *fl, uint64_t now)
{
	if (fl->phase == FLNET_FATAL)
		return;
	if (fl->w == W_OPENING && now >= fl->w_at) {
		char why[64];

		snprintf(why, sizeof(why), "no answer within %d ms", FLNET_TIMEOUT_MS);
		watch_failed(fl, why, true, now);
	}
	pump(fl, now);
}

/* --- queries ---------------------------------------------------------- */

enum flnet_phase flnet_phase(const struct flnet *fl)
{
	return fl->phase;
}

const struct flannel_config *flnet_config(const struct flnet *fl)
{
	return fl->have_config ? &fl->config : NULL;
}

void flnet_lease(const struct flnet *fl, struct flnet_lease *out)
{
	memset(out, 0, sizeof(*out));
	if (!fl->held)
		return;
	out->held = true;
	out->subnet = fl->own;
	out->lease_id = fl->own_lease;
	out->expiry_ms = fl->expiry;
	out->mod_revision = fl->own_rev;
	out->contested = fl->contested;
}

void flnet_set_pubkey(struct flnet *fl, const uint8_t key[static FLANNEL_PUBKEY_LEN])
{
	if (!fl->cfg.has_pubkey || memcmp(fl->cfg.pubkey, key, FLANNEL_PUBKEY_LEN) == 0)
		return;
	memcpy(fl->cfg.pubkey, key, FLANNEL_PUBKEY_LEN);
	if (fl->held)
		fl->need_rewrite = true;
}

void flnet_stats(const struct flnet *fl, struct flnet_stats *out)
{
	*out = fl->st;
	out->endpoint = fl->endpoint;
	if (fl->set != NULL) {
		memcpy(out->skipped, flset_skipped(fl->set), sizeof(out->skipped));
		out->stale = flset_stale(fl->set);
	}
}

int flnet_nodes(const struct flnet *fl, struct flset_nodes *out)
{
	if (fl->set == NULL) {
		flset_nodes_free(out);
		return 0;
	}
	return flset_nodes(fl->set, out);
}
