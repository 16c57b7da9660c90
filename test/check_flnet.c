/* check_flnet: the lease and watch machine driven against a fake etcd with injected time. */
#include <check.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcdgw.h"
#include "flnet.h"

#include "check_fl.h"
#include "check_run.h"

/* --- a fake etcd ------------------------------------------------------- */
/* Just enough of etcd's JSON gateway: range, txn (one compare), lease grant
 * and keepalive, and one watch stream, with revisions, compaction, and
 * endpoints that refuse or never answer. */

#define FK_KEYS	   256
#define FK_EVENTS  4096
#define FK_LEASES  128
#define FK_LOG	   65536
#define CONFIG_KEY "/coreos.com/network/config"
#define SUBNETS	   "/coreos.com/network/subnets/"
#define OWN_IP	   "192.168.56.41"
#define OWN_MAC	   "0a:58:0a:f4:01:00"
#define STD_CONFIG "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}"

enum ep_mode { EP_OK, EP_DOWN, EP_HANG };

struct fkv {
	char key[128];
	char value[FLANNEL_LEASE_MAX * 4];
	int64_t create, mod, version, lease;
};

struct fev {
	int64_t rev;
	bool del;
	struct fkv kv;
};

struct fake {
	struct flnet *fl;
	uint64_t now;
	int64_t rev, compacted;
	struct fkv kv[FK_KEYS];
	size_t nkv;
	struct fev *ev;
	size_t nev;
	struct {
		int64_t id, ttl;
		bool alive;
	} lease[FK_LEASES];
	size_t nlease;
	enum ep_mode ep[4];
	int reqs[4];  /* requests (and watches) per endpoint */
	int paths[8]; /* by kind: range, txn, grant, keepalive, watch */
	bool w_open;
	uint64_t w_id;
	int64_t w_next; /* the next revision the stream owes */
	int watches;
	uint64_t hung;	      /* a unary request left unanswered */
	bool drop_txn_answer; /* apply the next txn, then report a transport error */
	void (*before_txn)(struct fake *f);
	char log[FK_LOG];
	int lease_acts, nodes_acts;
	bool fatal;
	char fatal_text[FLNET_TEXTLEN];
	uint32_t random;
	int cancels;
};

static struct fake *F;

static uint32_t fake_random(void *arg)
{
	return ((struct fake *)arg)->random;
}

static struct fkv *fk_find(struct fake *f, const char *key)
{
	for (size_t i = 0; i < f->nkv; i++)
		if (strcmp(f->kv[i].key, key) == 0)
			return &f->kv[i];
	return NULL;
}

static void b64(const void *p, size_t n, char *out, size_t size)
{
	ck_assert_uint_ge(size, sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL));
	sodium_bin2base64(out, size, p, n, sodium_base64_VARIANT_ORIGINAL);
}

/* Append fmt to a growing JSON answer. */
__attribute__((format(printf, 2, 3))) static void ap(char **s, const char *fmt, ...)
{
	char tmp[8192];
	size_t len = *s ? strlen(*s) : 0;
	va_list va;
	int n;

	va_start(va, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, va);
	va_end(va);
	ck_assert_int_lt(n, (int)sizeof(tmp));
	*s = realloc(*s, len + (size_t)n + 1);
	memcpy(*s + len, tmp, (size_t)n + 1);
}

static void ap_kv(char **s, const struct fkv *kv, bool only_key)
{
	char k[256], v[sizeof(kv->value) * 2];

	b64(kv->key, strlen(kv->key), k, sizeof(k));
	if (only_key) {
		ap(s, "{\"key\":\"%s\",\"mod_revision\":\"%" PRId64 "\"}", k, kv->mod);
		return;
	}
	b64(kv->value, strlen(kv->value), v, sizeof(v));
	ap(s,
	   "{\"key\":\"%s\",\"create_revision\":\"%" PRId64 "\",\"mod_revision\":\"%" PRId64
	   "\",\"version\":\"%" PRId64 "\",\"value\":\"%s\"",
	   k, kv->create, kv->mod, kv->version, v);
	if (kv->lease)
		ap(s, ",\"lease\":\"%" PRId64 "\"", kv->lease);
	ap(s, "}");
}

static void ap_header(char **s)
{
	ap(s, "\"header\":{\"cluster_id\":\"1\",\"revision\":\"%" PRId64 "\",\"raft_term\":\"2\"}",
	   F->rev);
}

static char *decode(struct json_object *o, const char *name)
{
	struct json_object *v;
	const char *s;
	char *out;
	size_t n = 0;

	if (!json_object_object_get_ex(o, name, &v))
		return NULL;
	s = json_object_get_string(v);
	out = calloc(1, strlen(s) + 1);
	ck_assert_int_eq(sodium_base642bin((unsigned char *)out, strlen(s), s, strlen(s), NULL, &n,
					   NULL, sodium_base64_VARIANT_ORIGINAL),
			 0);
	out[n] = '\0';
	return out;
}

static int64_t num(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v))
		return 0;
	return json_object_get_int64(v); /* json-c reads "123" too */
}

static void deliver(struct fake *f);

static void record(struct fake *f, const struct fkv *kv, bool del)
{
	struct fev *e = &f->ev[f->nev++];

	ck_assert_uint_lt(f->nev, FK_EVENTS);
	e->rev = f->rev;
	e->del = del;
	e->kv = *kv;
	e->kv.mod = f->rev;
}

static void fk_store_put(struct fake *f, const char *key, const char *value, int64_t lease)
{
	struct fkv *kv = fk_find(f, key);

	f->rev++;
	if (kv == NULL) {
		kv = &f->kv[f->nkv++];
		memset(kv, 0, sizeof(*kv));
		snprintf(kv->key, sizeof(kv->key), "%s", key);
		kv->create = f->rev;
	}
	snprintf(kv->value, sizeof(kv->value), "%s", value);
	kv->mod = f->rev;
	kv->version++;
	kv->lease = lease;
	record(f, kv, false);
}

static bool fk_store_del(struct fake *f, const char *key)
{
	struct fkv *kv = fk_find(f, key);

	if (kv == NULL)
		return false;
	f->rev++;
	record(f, kv, true);
	*kv = f->kv[--f->nkv];
	return true;
}

static char *answer_range(struct fake *f, struct json_object *req)
{
	char *key = decode(req, "key"), *end = decode(req, "range_end"), *s = NULL;
	size_t n = 0;

	ap(&s, "{");
	ap_header(&s);
	for (size_t i = 0; i < f->nkv; i++) {
		bool in = end ? strcmp(f->kv[i].key, key) >= 0 && strcmp(f->kv[i].key, end) < 0
			      : strcmp(f->kv[i].key, key) == 0;

		if (!in)
			continue;
		ap(&s, n++ ? "," : ",\"kvs\":[");
		ap_kv(&s, &f->kv[i], false);
	}
	if (n)
		ap(&s, "],\"count\":\"%zu\"", n);
	ap(&s, "}");
	free(key);
	free(end);
	return s;
}

static char *answer_txn(struct fake *f, struct json_object *req)
{
	struct json_object *cmp, *ops, *op, *put, *delr;
	struct fkv *kv;
	char *key, *s = NULL;
	const char *target;
	bool ok;

	if (f->before_txn != NULL)
		f->before_txn(f);
	cmp = json_object_array_get_idx(json_object_object_get(req, "compare"), 0);
	key = decode(cmp, "key");
	kv = fk_find(f, key);
	target = json_object_get_string(json_object_object_get(cmp, "target"));
	if (strcmp(target, "CREATE") == 0)
		ok = (kv ? kv->create : 0) == num(cmp, "create_revision");
	else
		ok = (kv ? kv->mod : 0) == num(cmp, "mod_revision");
	if (ok) {
		ops = json_object_object_get(req, "success");
		op = json_object_array_get_idx(ops, 0);
		if (json_object_object_get_ex(op, "request_put", &put)) {
			char *k = decode(put, "key"), *v = decode(put, "value");

			fk_store_put(f, k, v, num(put, "lease"));
			free(k);
			free(v);
		} else if (json_object_object_get_ex(op, "request_delete_range", &delr)) {
			char *k = decode(delr, "key");

			fk_store_del(f, k);
			free(k);
		}
		ap(&s, "{");
		ap_header(&s);
		ap(&s, ",\"succeeded\":true,\"responses\":[{}]}");
	} else {
		ap(&s, "{");
		ap_header(&s);
		ap(&s, ",\"responses\":[{\"response_range\":{");
		ap_header(&s);
		if (kv != NULL) {
			ap(&s, ",\"kvs\":[");
			ap_kv(&s, kv, false);
			ap(&s, "],\"count\":\"1\"");
		}
		ap(&s, "}}]}");
	}
	free(key);
	return s;
}

static char *answer(struct fake *f, const char *path, const char *body)
{
	struct json_object *req = json_tokener_parse(body);
	char *s = NULL;

	ck_assert_ptr_nonnull(req);
	if (strcmp(path, ETCDGW_PATH_RANGE) == 0) {
		f->paths[0]++;
		s = answer_range(f, req);
	} else if (strcmp(path, ETCDGW_PATH_TXN) == 0) {
		f->paths[1]++;
		s = answer_txn(f, req);
	} else if (strcmp(path, ETCDGW_PATH_GRANT) == 0) {
		int64_t id = 7000 + (int64_t)f->nlease;

		f->paths[2]++;
		f->lease[f->nlease].id = id;
		f->lease[f->nlease].ttl = num(req, "TTL");
		f->lease[f->nlease++].alive = true;
		ap(&s, "{");
		ap_header(&s);
		ap(&s, ",\"ID\":\"%" PRId64 "\",\"TTL\":\"%" PRId64 "\"}", id, num(req, "TTL"));
	} else if (strcmp(path, ETCDGW_PATH_KEEPALIVE) == 0) {
		int64_t id = num(req, "ID");
		bool alive = false;

		f->paths[3]++;
		for (size_t i = 0; i < f->nlease; i++)
			if (f->lease[i].id == id && f->lease[i].alive)
				alive = true;
		ap(&s, "{\"result\":{");
		ap_header(&s);
		ap(&s, ",\"ID\":\"%" PRId64 "\"", id);
		if (alive)
			ap(&s, ",\"TTL\":\"%d\"", FLANNEL_LEASE_TTL_S);
		ap(&s, "}}\n");
	} else {
		ck_abort_msg("unexpected path %s", path);
	}
	json_object_put(req);
	return s;
}

static void line(struct fake *f, const char *text)
{
	flnet_on_line(f->fl, f->w_id, text, strlen(text), f->now);
}

static void open_stream(struct fake *f, const struct flnet_act *a)
{
	struct json_object *req = json_tokener_parse(a->body), *cr;
	char *s = NULL;
	int64_t start;

	ck_assert(json_object_object_get_ex(req, "create_request", &cr));
	start = num(cr, "start_revision");
	json_object_put(req);
	f->paths[4]++;
	f->watches++;
	f->w_open = true;
	f->w_id = a->id;
	ap(&s, "{\"result\":{");
	ap_header(&s);
	ap(&s, ",\"created\":true}}");
	line(f, s);
	free(s);
	s = NULL;
	if (start > 0 && start < f->compacted) {
		ap(&s,
		   "{\"result\":{\"header\":{\"cluster_id\":\"1\"},\"canceled\":true,"
		   "\"compact_revision\":\"%" PRId64 "\"}}",
		   f->compacted);
		line(f, s);
		free(s);
		return;
	}
	f->w_next = start > 0 ? start : f->rev + 1;
}

static void drive(struct fake *f)
{
	struct flnet_act a;

	while (flnet_next(f->fl, &a)) {
		switch (a.kind) {
		case FLNET_ACT_REQUEST: {
			char *s;

			ck_assert_uint_lt(a.endpoint, 4);
			ck_assert_uint_eq(a.timeout_ms, FLNET_TIMEOUT_MS);
			f->reqs[a.endpoint]++;
			if (f->ep[a.endpoint] == EP_DOWN) {
				flnet_on_done(f->fl, a.id, 0, NULL, 0, "Connection refused",
					      f->now);
				break;
			}
			if (f->ep[a.endpoint] == EP_HANG) {
				f->hung = a.id;
				break;
			}
			s = answer(f, a.path, a.body);
			if (f->drop_txn_answer && strcmp(a.path, ETCDGW_PATH_TXN) == 0) {
				f->drop_txn_answer = false;
				flnet_on_done(f->fl, a.id, 0, NULL, 0, "Operation timed out",
					      f->now);
			} else {
				flnet_on_done(f->fl, a.id, 200, s, strlen(s), NULL, f->now);
			}
			free(s);
			break;
		}
		case FLNET_ACT_WATCH:
			ck_assert_uint_lt(a.endpoint, 4);
			ck_assert_str_eq(a.path, ETCDGW_PATH_WATCH);
			f->reqs[a.endpoint]++;
			if (f->ep[a.endpoint] == EP_DOWN)
				flnet_on_done(f->fl, a.id, 0, NULL, 0, "Connection refused",
					      f->now);
			else if (f->ep[a.endpoint] == EP_OK)
				open_stream(f, &a);
			break;
		case FLNET_ACT_CANCEL:
			f->cancels++;
			if (a.id == f->w_id)
				f->w_open = false;
			if (a.id == f->hung)
				f->hung = 0;
			break;
		case FLNET_ACT_LEASE:
			f->lease_acts++;
			break;
		case FLNET_ACT_NODES:
			f->nodes_acts++;
			break;
		case FLNET_ACT_LOG: {
			size_t len = strlen(f->log);

			snprintf(f->log + len, sizeof(f->log) - len, "%s\n", a.text);
			break;
		}
		case FLNET_ACT_FATAL:
			f->fatal = true;
			snprintf(f->fatal_text, sizeof(f->fatal_text), "%s", a.text);
			break;
		}
	}
	deliver(f);
}

/* Stream what the watch owes: one line per revision. */
static void deliver(struct fake *f)
{
	while (f->w_open && f->w_next <= f->rev) {
		char *s = NULL;
		size_t n = 0;
		int64_t rev = f->w_next++;

		for (size_t i = 0; i < f->nev; i++) {
			const struct fev *e = &f->ev[i];

			if (e->rev != rev || strncmp(e->kv.key, SUBNETS, strlen(SUBNETS)) != 0)
				continue;
			if (n++ == 0) {
				ap(&s,
				   "{\"result\":{\"header\":{\"revision\":\"%" PRId64
				   "\"},\"events\":[",
				   rev);
			} else {
				ap(&s, ",");
			}
			ap(&s, e->del ? "{\"type\":\"DELETE\",\"kv\":" : "{\"kv\":");
			ap_kv(&s, &e->kv, e->del);
			ap(&s, "}");
		}
		if (n == 0)
			continue;
		ap(&s, "]}}");
		line(f, s);
		free(s);
		drive(f);
	}
}

/* Move the clock to now + ms, ticking at every deadline on the way. */
static void advance(struct fake *f, uint64_t ms)
{
	uint64_t end = f->now + ms;

	for (;;) {
		uint64_t d = flnet_deadline(f->fl);

		if (d > end)
			break;
		if (d > f->now)
			f->now = d;
		flnet_tick(f->fl, f->now);
		drive(f);
	}
	f->now = end;
}

/* Someone else writes (or deletes) a key while vxtap runs. */
static void fk_put(struct fake *f, const char *key, const char *value)
{
	fk_store_put(f, key, value, 0);
	deliver(f);
	drive(f);
}

static void fk_del(struct fake *f, const char *key)
{
	fk_store_del(f, key);
	deliver(f);
	drive(f);
}

static void fk_node(struct fake *f, int n, const char *ip, const char *mac)
{
	char key[128];

	snprintf(key, sizeof(key), SUBNETS "10.244.%d.0-24", n);
	fk_put(f, key, fl_value(ip, mac));
}

/* The transport reports that the stream broke. */
static void fk_break(struct fake *f, const char *why)
{
	ck_assert(f->w_open);
	f->w_open = false;
	flnet_on_done(f->fl, f->w_id, 0, NULL, 0, why, f->now);
	drive(f);
}

static struct flnet_cfg base_cfg(size_t nendpoints)
{
	struct flnet_cfg c = {0};

	c.nendpoints = nendpoints;
	ck_assert(ipaddr_parse(OWN_IP, &c.public_ip));
	ck_assert(mac_parse(OWN_MAC, &c.vtep_mac));
	c.random = fake_random;
	return c;
}

static void setup(void)
{
	F = calloc(1, sizeof(*F));
	ck_assert_ptr_nonnull(F);
	F->ev = calloc(FK_EVENTS, sizeof(*F->ev));
	ck_assert_ptr_nonnull(F->ev);
	F->now = 1000;
}

static void teardown(void)
{
	flnet_free(F->fl);
	free(F->ev);
	free(F);
	F = NULL;
}

static void start(struct flnet_cfg c)
{
	c.random_arg = F;
	F->fl = flnet_new(&c);
	ck_assert_ptr_nonnull(F->fl);
	flnet_start(F->fl, F->now);
	drive(F);
}

/* The machine's nodes as text. */
static const char *nodes(void)
{
	struct flset_nodes l = {0};
	const char *text;

	ck_assert_int_eq(flnet_nodes(F->fl, &l), 0);
	text = fl_nodes_text(&l, false);
	flset_nodes_free(&l);
	return text;
}

static const char *own_subnet(void)
{
	static char c[FLANNEL_CIDRLEN];
	struct flnet_lease l;

	flnet_lease(F->fl, &l);
	if (!l.held)
		return "-";
	return flannel_cidr_format(&l.subnet, c);
}

static struct flnet_stats stats(void)
{
	struct flnet_stats st;

	flnet_stats(F->fl, &st);
	return st;
}

static bool logged(const char *text)
{
	return strstr(F->log, text) != NULL;
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* A node that holds 10.244.R.0/24 after a normal start (random picks R). */
static void start_held(size_t nendpoints, uint32_t random)
{
	F->random = random;
	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	start(base_cfg(nendpoints));
	ck_assert_int_eq(flnet_phase(F->fl), FLNET_HELD);
	ck_assert(F->w_open);
}

/* --- start-up ---------------------------------------------------------- */

START_TEST(test_waits_for_config)
{
	start(base_cfg(1));
	ck_assert_int_eq(flnet_phase(F->fl), FLNET_CONFIG);
	ck_assert_uint_eq(flnet_deadline(F->fl), F->now + FLNET_CONFIG_POLL_MS);
	advance(F, 10000);
	/* Read again every second, logged once. */
	ck_assert_int_eq(F->paths[0], 11);
	ck_assert_int_eq(count_of(F->log, "waiting for the network config at " CONFIG_KEY), 1);
	ck_assert_ptr_null(flnet_config(F->fl));
	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	advance(F, 1000);
	ck_assert_int_eq(flnet_phase(F->fl), FLNET_HELD);
	ck_assert_ptr_nonnull(flnet_config(F->fl));
	ck_assert_int_eq(F->lease_acts, 1);
}
END_TEST

/* A first start on an empty network: list, grant 24 h, create-if-absent with
 * flannel's exact value, then watch from the list's revision + 1. */
START_TEST(test_acquire_fresh)
{
	struct flnet_lease l;
	struct fkv *kv;
	char env[FLANNEL_ENV_MAX];

	F->random = 0; /* the first free subnet */
	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	start(base_cfg(1));
	ck_assert_int_eq(flnet_phase(F->fl), FLNET_HELD);
	ck_assert_int_eq(F->lease_acts, 1);
	ck_assert_str_eq(own_subnet(), "10.244.1.0/24");
	kv = fk_find(F, SUBNETS "10.244.1.0-24");
	ck_assert_ptr_nonnull(kv);
	ck_assert_str_eq(kv->value, "{\"PublicIP\":\"192.168.56.41\",\"PublicIPv6\":null,"
				    "\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":1,"
				    "\"VtepMAC\":\"0a:58:0a:f4:01:00\"}}");
	ck_assert_int_eq(kv->lease, 7000);
	ck_assert_int_eq(F->lease[0].ttl, 86400);
	flnet_lease(F->fl, &l);
	ck_assert_int_eq(l.lease_id, 7000);
	ck_assert_uint_eq(l.expiry_ms, F->now + 86400000u);
	ck_assert_int_eq(l.mod_revision, 2);
	ck_assert(F->w_open);
	ck_assert_int_eq(F->w_next, 3); /* rev 1 listed; our own put at 2 comes by the watch */
	ck_assert(stats().connected);
	ck_assert(logged("holding lease 10.244.1.0/24 (etcd lease 7000, expires in 24 h)"));
	/* The subnet file it leads to. */
	flannel_env_format(flnet_config(F->fl), &l.subnet, 1450, env);
	ck_assert_str_eq(env, "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n"
			      "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n");
	/* Renewal is the only thing timed: expiry less 60 minutes. */
	ck_assert_uint_eq(flnet_deadline(F->fl), l.expiry_ms - 3600000u);
}
END_TEST

START_TEST(test_acquire_random_window)
{
	F->random = UINT32_MAX; /* the last of the first 100 free */
	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	fk_store_put(F, SUBNETS "10.244.1.0-24", fl_value("192.168.56.42", "0a:58:0a:f4:02:00"), 0);
	fk_store_put(F, SUBNETS "10.244.5.0-24", "garbage", 0);
	start(base_cfg(1));
	/* 1 and 5 are taken (a bad value still holds its key): 2-4, 6-102. */
	ck_assert_str_eq(own_subnet(), "10.244.102.0/24");
	ck_assert_str_eq(nodes(), "10.244.1.0/24=192.168.56.42,0a:58:0a:f4:02:00");
	ck_assert_int_eq(F->nodes_acts, 1);
	ck_assert(logged("skipping \"" SUBNETS "10.244.5.0-24\": value is not JSON"));
}
END_TEST

/* This node's lease from before (same PublicIP) is kept: rewritten under a
 * new 24 h lease only if nobody changed it since the list. */
START_TEST(test_keeps_own_lease)
{
	struct fkv *kv;

	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	fk_store_put(F, SUBNETS "10.244.7.0-24", fl_value(OWN_IP, "0a:58:0a:f4:07:07"), 99);
	start(base_cfg(1));
	ck_assert_str_eq(own_subnet(), "10.244.7.0/24");
	kv = fk_find(F, SUBNETS "10.244.7.0-24");
	ck_assert_int_eq(kv->lease, 7000);
	ck_assert_str_eq(kv->value, fl_value(OWN_IP, OWN_MAC)); /* this node's VtepMAC */
	ck_assert(logged("found lease 10.244.7.0/24 for 192.168.56.41: keeping it"));
	ck_assert_str_eq(nodes(), "");
	ck_assert_uint_eq(stats().skipped[FLSET_SKIP_OWN_IP], 0);
}
END_TEST

/* A restart finds this node's key as it would write it, on an etcd lease
 * still alive: it keeps that lease alive and writes nothing (no other node
 * sees an event). A dead one is replaced, and the key written again. */
START_TEST(test_adopts_own_lease)
{
	struct flnet_lease l;
	bool alive = _i == 0;

	F->lease[F->nlease].id = 4242;
	F->lease[F->nlease].ttl = FLANNEL_LEASE_TTL_S;
	F->lease[F->nlease++].alive = alive;
	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	fk_store_put(F, SUBNETS "10.244.7.0-24", fl_value(OWN_IP, OWN_MAC), 4242);
	start(base_cfg(1));
	flnet_lease(F->fl, &l);
	ck_assert(l.held);
	ck_assert_str_eq(own_subnet(), "10.244.7.0/24");
	if (alive) {
		ck_assert_int_eq(l.lease_id, 4242);
		ck_assert_int_eq(F->paths[1], 0); /* no transaction */
		ck_assert_int_eq(F->paths[2], 0); /* no grant */
		ck_assert_int_eq(F->paths[3], 1); /* one keepalive */
	} else {
		ck_assert_int_ne(l.lease_id, 4242);
		ck_assert_int_eq(F->paths[1], 1);
		ck_assert_int_eq(fk_find(F, SUBNETS "10.244.7.0-24")->lease, l.lease_id);
	}
}
END_TEST

/* This node's lease value with public key k. */
static const char *own_value(const uint8_t *k)
{
	static char buf[FLANNEL_LEASE_MAX];
	struct flannel_lease l = {.vni = 1, .has_pubkey = true};

	ck_assert(ipaddr_parse(OWN_IP, &l.public_ip));
	ck_assert(mac_parse(OWN_MAC, &l.vtep_mac));
	memcpy(l.pubkey, k, FLANNEL_PUBKEY_LEN);
	flannel_lease_format(&l, buf);
	return buf;
}

/* Secure mode's key rotated: the held lease is written again with the new
 * key, on the same etcd lease, in one transaction; the same key writes
 * nothing. */
START_TEST(test_new_pubkey_rewrites)
{
	struct flnet_cfg c = base_cfg(1);
	uint8_t k1[FLANNEL_PUBKEY_LEN], k2[FLANNEL_PUBKEY_LEN];
	char key[64], cidr[FLANNEL_CIDRLEN];
	struct flnet_lease l;
	struct fkv *kv;
	int txns;

	memset(k1, 0x11, sizeof(k1));
	memset(k2, 0x22, sizeof(k2));
	c.has_pubkey = true;
	memcpy(c.pubkey, k1, sizeof(k1));
	F->random = 5;
	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	start(c);
	ck_assert_int_eq(flnet_phase(F->fl), FLNET_HELD);
	flnet_lease(F->fl, &l);
	snprintf(key, sizeof(key), SUBNETS "%s", flannel_cidr_format(&l.subnet, cidr));
	*strchr(key + strlen(SUBNETS), '/') = '-';
	kv = fk_find(F, key);
	ck_assert_ptr_nonnull(kv);
	ck_assert_str_eq(kv->value, own_value(k1));
	txns = F->paths[1];

	flnet_set_pubkey(F->fl, k1);
	flnet_tick(F->fl, F->now);
	drive(F);
	ck_assert_int_eq(F->paths[1], txns);

	flnet_set_pubkey(F->fl, k2);
	flnet_tick(F->fl, F->now);
	drive(F);
	ck_assert_int_eq(F->paths[1], txns + 1);
	kv = fk_find(F, key);
	ck_assert_str_eq(kv->value, own_value(k2));
	ck_assert_int_eq(kv->lease, l.lease_id);
	ck_assert(logged("now publishes the new public key"));
	ck_assert_int_eq(flnet_phase(F->fl), FLNET_HELD);
}
END_TEST

/* A reservation (no etcd lease) stays one, and is never renewed. */
START_TEST(test_keeps_reservation)
{
	struct flnet_lease l;

	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	fk_store_put(F, SUBNETS "10.244.7.0-24", fl_value(OWN_IP, OWN_MAC), 0);
	start(base_cfg(1));
	flnet_lease(F->fl, &l);
	ck_assert(l.held);
	ck_assert_int_eq(l.lease_id, 0);
	ck_assert_int_eq(F->paths[2], 0); /* no grant */
	ck_assert_int_eq(fk_find(F, SUBNETS "10.244.7.0-24")->lease, 0);
	ck_assert_uint_eq(flnet_deadline(F->fl), UINT64_MAX);
}
END_TEST

/* This node's old lease outside SubnetMin..SubnetMax: deleted, a new one picked. */
START_TEST(test_deletes_incompatible_own)
{
	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	fk_store_put(F, SUBNETS "10.244.0.0-24", fl_value(OWN_IP, OWN_MAC), 0);
	start(base_cfg(1));
	ck_assert_ptr_null(fk_find(F, SUBNETS "10.244.0.0-24"));
	ck_assert_str_eq(own_subnet(), "10.244.1.0/24");
	ck_assert(logged("does not fit the config: deleting it"));
}
END_TEST

/* The subnet file named 10.244.42.0/24; taken: another node holds it now. */
static const struct prev_vec {
	bool taken;
	const char *own, *log;
} prev_vecs[] = {
	{false, "10.244.42.0/24", "previous subnet 10.244.42.0/24 is free: taking it"},
	{true, "10.244.1.0/24", "previous subnet 10.244.42.0/24 is taken"},
};

START_TEST(test_previous_subnet)
{
	const struct prev_vec *v = &prev_vecs[_i];
	struct flnet_cfg c = base_cfg(1);

	c.has_prev = true;
	ck_assert(flannel_key_parse("10.244.42.0-24", 14, &c.prev));
	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	if (v->taken)
		fk_store_put(F, SUBNETS "10.244.42.0-24",
			     fl_value("192.168.56.44", "0a:58:0a:f4:2a:00"), 0);
	start(c);
	ck_assert_str_eq(own_subnet(), v->own);
	ck_assert(logged(v->log));
}
END_TEST

static int races;

/* Another node creates the subnet between our list and our transaction. */
static void steal(struct fake *f)
{
	char key[64];

	if (races-- <= 0)
		return;
	/* The key vxtap is about to create is the lowest free one (random 0). */
	for (int n = 1; n < 200; n++) {
		snprintf(key, sizeof(key), SUBNETS "10.244.%d.0-24", n);
		if (fk_find(f, key) == NULL)
			break;
	}
	fk_store_put(f, key, fl_value("192.168.56.99", "0a:58:0a:f4:63:00"), 0);
}

START_TEST(test_conflict_retries)
{
	races = 3;
	F->before_txn = steal;
	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	start(base_cfg(1));
	ck_assert_str_eq(own_subnet(), "10.244.4.0/24");
	ck_assert_int_eq(count_of(F->log, "changed under us: listing again"), 3);
	ck_assert_int_eq(F->paths[2], 1); /* one grant, reused */
}
END_TEST

START_TEST(test_conflict_gives_up)
{
	races = 100;
	F->before_txn = steal;
	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	start(base_cfg(1));
	ck_assert(F->fatal);
	ck_assert_str_eq(F->fatal_text,
			 "max retries reached trying to acquire a subnet (10 conflicts)");
	ck_assert_int_eq(flnet_phase(F->fl), FLNET_FATAL);
	ck_assert_uint_eq(flnet_deadline(F->fl), UINT64_MAX);
}
END_TEST

START_TEST(test_out_of_subnets)
{
	fk_store_put(F, CONFIG_KEY,
		     "{\"Network\":\"10.0.0.0/28\",\"Backend\":{\"Type\":\"vxlan\"}}", 0);
	for (int i = 4; i <= 12; i += 4) {
		char key[64];

		snprintf(key, sizeof(key), SUBNETS "10.0.0.%d-30", i);
		fk_store_put(F, key, fl_value("192.168.56.50", "0a:58:0a:f4:32:00"), 0);
	}
	start(base_cfg(1));
	ck_assert(F->fatal);
	ck_assert_str_eq(F->fatal_text,
			 "out of subnets: every subnet from 10.0.0.4/30 to 10.0.0.12/30 is taken");
}
END_TEST

struct cfg_fatal_vec {
	const char *config;
	struct flannel_cli cli;
	const char *want;
};

static const struct cfg_fatal_vec cfg_fatal_vecs[] = {
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"udp\"}}",
	 {0},
	 CONFIG_KEY ": config: Backend.Type is \"udp\"; vxtap speaks only vxlan"},
	{"not json", {0}, CONFIG_KEY ": config: not JSON (null expected at byte 1)"},
	{"{\"Network\":\"10.244.0.0/16\",\"EnableIPv6\":true,\"Backend\":{\"Type\":\"vxlan\"}}",
	 {0},
	 CONFIG_KEY
	 ": config: EnableIPv6 is true; vxtap does not support dual stack (IPv4 networks "
	 "only)"},
	{STD_CONFIG,
	 {.has_vni = true, .vni = 2},
	 CONFIG_KEY ": config: Backend.VNI is 1 but --vni is 2"},
};

START_TEST(test_config_fatal)
{
	const struct cfg_fatal_vec *v = &cfg_fatal_vecs[_i];
	struct flnet_cfg c = base_cfg(1);

	c.cli = v->cli;
	fk_store_put(F, CONFIG_KEY, v->config, 0);
	start(c);
	ck_assert(F->fatal);
	ck_assert_str_eq(F->fatal_text, v->want);
	ck_assert_int_eq(F->paths[1], 0); /* nothing written */
}
END_TEST

/* The create went through but its answer was lost: the retry finds the key
 * holding this node's value on this node's etcd lease, and takes it. */
START_TEST(test_lost_claim_answer)
{
	F->drop_txn_answer = true;
	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	start(base_cfg(1));
	ck_assert_int_eq(flnet_phase(F->fl), FLNET_ACQUIRE);
	advance(F, FLNET_BACKOFF_MIN_MS);
	ck_assert_int_eq(flnet_phase(F->fl), FLNET_HELD);
	ck_assert_str_eq(own_subnet(), "10.244.1.0/24");
	ck_assert_int_eq(F->paths[1], 2);
	ck_assert_int_eq(F->nkv, 2);
}
END_TEST

/* --- the watch --------------------------------------------------------- */

START_TEST(test_join_leave_change)
{
	start_held(1, 0);
	F->nodes_acts = 0;
	fk_node(F, 2, "192.168.56.42", "0a:58:0a:f4:02:00");
	ck_assert_int_eq(F->nodes_acts, 1);
	ck_assert_str_eq(nodes(), "10.244.2.0/24=192.168.56.42,0a:58:0a:f4:02:00");
	fk_node(F, 3, "192.168.56.43", "0a:58:0a:f4:03:00");
	fk_node(F, 2, "192.168.56.52", "0a:58:0a:f4:22:00");
	ck_assert_str_eq(nodes(), "10.244.2.0/24=192.168.56.52,0a:58:0a:f4:22:00 "
				  "10.244.3.0/24=192.168.56.43,0a:58:0a:f4:03:00");
	fk_del(F, SUBNETS "10.244.3.0-24");
	ck_assert_str_eq(nodes(), "10.244.2.0/24=192.168.56.52,0a:58:0a:f4:22:00");
	ck_assert_int_eq(F->nodes_acts, 4);
	/* The same value again: an event, but nothing for the tables. */
	fk_node(F, 2, "192.168.56.52", "0a:58:0a:f4:22:00");
	ck_assert_int_eq(F->nodes_acts, 4);
	ck_assert_uint_eq(stats().events, 6); /* our own put counts too */
	ck_assert_int_eq(stats().revision, F->rev);
	ck_assert_uint_eq(stats().last_event_ms, F->now);
}
END_TEST

/* Bad records arriving by the watch: skipped, counted, logged once, and the
 * machine goes on. */
START_TEST(test_bad_records_on_watch)
{
	start_held(1, 0);
	fk_put(F, SUBNETS "10.244.4.0-24", "not json");
	fk_put(F, SUBNETS "10.244.4.0-24", "still not json");
	fk_put(F, SUBNETS "not-a-subnet", fl_value("192.168.56.44", "0a:58:0a:f4:04:00"));
	fk_put(F, SUBNETS "10.245.0.0-24", fl_value("192.168.56.44", "0a:58:0a:f4:04:00"));
	fk_put(F, SUBNETS "10.244.6.0-24",
	       "{\"PublicIP\":\"fd00::6\",\"BackendType\":\"vxlan\",\"BackendData\":{}}");
	fk_put(F, SUBNETS "10.244.7.0-24",
	       "{\"PublicIP\":\"192.168.56.47\",\"BackendType\":\"vxlan\",\"BackendData\":{"
	       "\"VtepMAC\":\"0a:58\"}}");
	fk_put(F, SUBNETS "10.244.8.0-24",
	       "{\"PublicIP\":\"192.168.56.48\",\"BackendType\":\"udp\"}");
	/* A lease claiming this node's subnet. */
	fk_put(F, SUBNETS "10.244.1.0-24", fl_value("192.168.56.66", "0a:58:0a:f4:42:00"));
	ck_assert_int_eq(count_of(F->log, "value is not JSON"), 1);
	ck_assert(logged("skipping \"" SUBNETS "not-a-subnet\": key is not a subnet"));
	ck_assert(logged("subnet is outside Network"));
	ck_assert(logged("PublicIP is an IPv6 address"));
	ck_assert(logged("BackendData.VtepMAC is not a unicast MAC address"));
	ck_assert(logged("skipped: other type"));
	ck_assert(logged("it is this node's subnet, written with another PublicIP "
			 "(192.168.56.66)"));
	ck_assert_uint_eq(stats().skipped[FLANNEL_BAD_NOT_JSON], 2);
	ck_assert_uint_eq(stats().skipped[FLSET_SKIP_OWN_SUBNET], 1);
	{
		struct flnet_lease l;

		flnet_lease(F->fl, &l);
		ck_assert(l.contested);
	}
	ck_assert_str_eq(nodes(), "");
	ck_assert(!F->fatal);
	/* And still working. */
	fk_node(F, 9, "192.168.56.49", "0a:58:0a:f4:09:00");
	ck_assert_str_eq(nodes(), "10.244.9.0/24=192.168.56.49,0a:58:0a:f4:09:00");
}
END_TEST

/* The stream breaks: nothing is removed; it opens again on the next endpoint
 * after 100 ms, from the last revision + 1, and catches up. */
START_TEST(test_watch_break_resume)
{
	int64_t before;

	start_held(3, 0);
	fk_node(F, 2, "192.168.56.42", "0a:58:0a:f4:02:00");
	before = F->rev;
	fk_break(F, "Connection reset by peer");
	ck_assert(!stats().connected);
	ck_assert_str_eq(nodes(), "10.244.2.0/24=192.168.56.42,0a:58:0a:f4:02:00");
	ck_assert(logged("etcd endpoint 0: watch: Connection reset by peer; watching again from "
			 "revision"));
	/* Changes while it is down. */
	fk_store_put(F, SUBNETS "10.244.3.0-24", fl_value("192.168.56.43", "0a:58:0a:f4:03:00"), 0);
	fk_store_del(F, SUBNETS "10.244.2.0-24");
	ck_assert_uint_eq(flnet_deadline(F->fl), F->now + 100);
	advance(F, 99);
	ck_assert(!F->w_open);
	advance(F, 1);
	ck_assert(F->w_open);
	ck_assert_int_eq(F->reqs[1], 1); /* the next endpoint */
	ck_assert_uint_eq(stats().endpoint, 1);
	ck_assert_str_eq(nodes(), "10.244.3.0/24=192.168.56.43,0a:58:0a:f4:03:00");
	ck_assert_uint_eq(stats().reconnects, 1);
	ck_assert_int_eq(stats().revision, before + 2);
	ck_assert(stats().connected);
}
END_TEST

/* Every endpoint refuses: the delay doubles from 100 ms to 5 s and stays,
 * endpoints rotate, and the tables keep what they had. */
START_TEST(test_backoff_bounds)
{
	uint64_t at, gaps[12];

	start_held(2, 0);
	fk_node(F, 2, "192.168.56.42", "0a:58:0a:f4:02:00");
	F->ep[0] = F->ep[1] = EP_DOWN;
	fk_break(F, "Connection reset by peer");
	for (int i = 0; i < 12; i++) {
		at = F->now;
		advance(F, flnet_deadline(F->fl) - F->now);
		gaps[i] = F->now - at;
	}
	ck_assert_uint_eq(gaps[0], 100);
	ck_assert_uint_eq(gaps[1], 200);
	ck_assert_uint_eq(gaps[2], 400);
	ck_assert_uint_eq(gaps[5], 3200);
	ck_assert_uint_eq(gaps[6], 5000);
	ck_assert_uint_eq(gaps[11], 5000);
	ck_assert_int_gt(F->reqs[0], 4);
	ck_assert_int_gt(F->reqs[1], 4);
	ck_assert_str_eq(nodes(), "10.244.2.0/24=192.168.56.42,0a:58:0a:f4:02:00");
	/* Back: the next try connects and the delay starts again from 100 ms. */
	F->ep[0] = F->ep[1] = EP_OK;
	advance(F, 5000);
	ck_assert(F->w_open);
	fk_break(F, "again");
	ck_assert_uint_eq(flnet_deadline(F->fl), F->now + 100);
}
END_TEST

/* An endpoint that accepts and never answers: after 5 s without "created"
 * the watch is canceled and tried on the next endpoint. */
START_TEST(test_watch_hang)
{
	start_held(2, 0);
	F->ep[1] = EP_HANG;
	fk_break(F, "Connection reset by peer");
	advance(F, 100); /* to endpoint 1, which hangs */
	ck_assert(!F->w_open);
	ck_assert_uint_eq(flnet_deadline(F->fl), F->now + FLNET_TIMEOUT_MS);
	advance(F, FLNET_TIMEOUT_MS);
	ck_assert(logged("etcd endpoint 1: watch: no answer within 5000 ms"));
	ck_assert_int_ge(F->cancels, 1);
	advance(F, 200);
	ck_assert(F->w_open); /* endpoint 0 again */
}
END_TEST

/* A unary request that hangs is ended by the transport's timeout. */
START_TEST(test_unary_timeout)
{
	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	F->ep[0] = EP_HANG;
	start(base_cfg(2));
	ck_assert_uint_ne(F->hung, 0);
	F->now += FLNET_TIMEOUT_MS;
	flnet_on_done(F->fl, F->hung, 0, NULL, 0, "Timeout was reached", F->now);
	drive(F);
	advance(F, 100);
	ck_assert_int_eq(flnet_phase(F->fl), FLNET_HELD);
	ck_assert(logged("etcd endpoint 0: config read failed: Timeout was reached"));
}
END_TEST

/* Not etcd: garbage answers and garbage watch lines are failures, retried. */
START_TEST(test_garbage)
{
	start_held(1, 0);
	line(F, "HTTP/1.1 200 OK");
	drive(F);
	ck_assert(!F->w_open);
	ck_assert_uint_eq(stats().bad_lines, 1);
	ck_assert(logged("watch: not a watch answer: not JSON"));
	advance(F, 100);
	ck_assert(F->w_open);
	/* A unary answer that is not etcd's. */
	flnet_on_done(F->fl, 424242, 200, "<html>", 6, NULL, F->now); /* unknown id: ignored */
	drive(F);
	ck_assert(!F->fatal);
}
END_TEST

/* Fell behind compaction during an outage: list again, apply the difference
 * (a node left, one changed IP and MAC, one joined), watch from there. */
START_TEST(test_compaction_resync)
{
	struct flnet_stats st;

	start_held(1, 0);
	fk_node(F, 2, "192.168.56.42", "0a:58:0a:f4:02:00");
	fk_node(F, 3, "192.168.56.43", "0a:58:0a:f4:03:00");
	fk_break(F, "Connection reset by peer");
	fk_store_del(F, SUBNETS "10.244.2.0-24");
	fk_store_put(F, SUBNETS "10.244.3.0-24", fl_value("192.168.56.53", "0a:58:0a:f4:33:00"), 0);
	fk_store_put(F, SUBNETS "10.244.4.0-24", fl_value("192.168.56.44", "0a:58:0a:f4:04:00"), 0);
	F->compacted = F->rev;
	ck_assert_str_eq(nodes(), "10.244.2.0/24=192.168.56.42,0a:58:0a:f4:02:00 "
				  "10.244.3.0/24=192.168.56.43,0a:58:0a:f4:03:00");
	advance(F, 100);
	ck_assert(logged("watch fell behind etcd's compaction"));
	ck_assert_str_eq(nodes(), "10.244.3.0/24=192.168.56.53,0a:58:0a:f4:33:00 "
				  "10.244.4.0/24=192.168.56.44,0a:58:0a:f4:04:00");
	st = stats();
	ck_assert_uint_eq(st.resyncs, 1);
	ck_assert_int_eq(st.revision, F->rev);
	ck_assert(F->w_open);
	ck_assert_int_eq(F->w_next, F->rev + 1);
	fk_node(F, 5, "192.168.56.45", "0a:58:0a:f4:05:00");
	ck_assert_uint_eq(stats().connected, true);
	ck_assert_int_eq(count_of(nodes(), "="), 3);
}
END_TEST

/* etcd 3.4.23 replays events: duplicates and old ones change nothing. */
START_TEST(test_duplicate_events)
{
	char dup[1024];
	int64_t rev;

	start_held(1, 0);
	fk_node(F, 2, "192.168.56.42", "0a:58:0a:f4:02:00");
	rev = F->rev;
	fk_del(F, SUBNETS "10.244.2.0-24");
	/* The put again, as etcd's bug would send it after the delete. */
	snprintf(dup, sizeof(dup),
		 "{\"result\":{\"header\":{\"revision\":\"%" PRId64
		 "\"},\"events\":[{\"kv\":{\"key\":"
		 "\"L2NvcmVvcy5jb20vbmV0d29yay9zdWJuZXRzLzEwLjI0NC4yLjAtMjQ=\",\"mod_revision\":"
		 "\"%" PRId64 "\",\"value\":\"e30=\"}}]}}",
		 rev, rev);
	line(F, dup);
	line(F, dup);
	drive(F);
	ck_assert_str_eq(nodes(), "");
	ck_assert_uint_eq(stats().stale, 2);
	ck_assert(F->w_open);
}
END_TEST

/* A progress notification moves the resume point without events. */
START_TEST(test_progress_notify)
{
	char s[256];

	start_held(1, 0);
	F->rev += 50; /* other prefixes changed */
	snprintf(s, sizeof(s), "{\"result\":{\"header\":{\"revision\":\"%" PRId64 "\"}}}", F->rev);
	line(F, s);
	drive(F);
	ck_assert_int_eq(stats().revision, F->rev);
	F->w_next = F->rev + 1;
	fk_break(F, "reset");
	advance(F, 100);
	ck_assert_int_eq(F->w_next, F->rev + 1);
}
END_TEST

/* --- this node's lease ------------------------------------------------- */

START_TEST(test_renewal)
{
	struct flnet_lease l;
	uint64_t due;

	start_held(1, 0);
	flnet_lease(F->fl, &l);
	due = l.expiry_ms - 60 * 60000u;
	advance(F, due - F->now - 1);
	ck_assert_int_eq(F->paths[3], 0);
	advance(F, 1);
	ck_assert_int_eq(F->paths[3], 1);
	ck_assert_uint_eq(stats().renewals, 1);
	flnet_lease(F->fl, &l);
	ck_assert_uint_eq(l.expiry_ms, F->now + 86400000u);
	ck_assert_uint_eq(flnet_deadline(F->fl), F->now + 23 * 3600000u);
	ck_assert(logged("lease 10.244.1.0/24 renewed for 86400 s"));
	/* No write: nobody sees an event. */
	ck_assert_int_eq(F->paths[1], 1);
}
END_TEST

START_TEST(test_renew_margin)
{
	struct flnet_cfg c = base_cfg(1);
	struct flnet_lease l;

	c.renew_margin_min = 1439;
	fk_store_put(F, CONFIG_KEY, STD_CONFIG, 0);
	start(c);
	flnet_lease(F->fl, &l);
	ck_assert_uint_eq(flnet_deadline(F->fl), l.expiry_ms - 1439 * 60000u);
	c.renew_margin_min = 1440;
	c.random_arg = F;
	ck_assert_ptr_null(flnet_new(&c));
}
END_TEST

/* Renewal fails while etcd is away: retried with backoff, nothing lost. */
START_TEST(test_renew_retry)
{
	struct flnet_lease l;

	start_held(1, 0);
	flnet_lease(F->fl, &l);
	F->ep[0] = EP_DOWN;
	advance(F, l.expiry_ms - 3600000u - F->now);
	ck_assert(logged("lease keepalive failed: Connection refused; retrying in 100 ms"));
	advance(F, 300);
	F->ep[0] = EP_OK;
	advance(F, 5000);
	ck_assert_uint_eq(stats().renewals, 1);
}
END_TEST

/* The etcd lease is gone at renewal: the key is created again, same subnet. */
START_TEST(test_lease_gone_recreated)
{
	struct flnet_lease l;

	start_held(1, 0);
	flnet_lease(F->fl, &l);
	F->lease[0].alive = false;
	fk_store_del(F, SUBNETS "10.244.1.0-24"); /* what etcd does to its keys */
	F->w_open = false;			  /* and the watch missed it */
	advance(F, l.expiry_ms - 3600000u - F->now);
	ck_assert(logged("lease on 10.244.1.0/24 lost (etcd says its etcd lease is gone); creating "
			 "it again"));
	ck_assert(logged("lease 10.244.1.0/24 created again (etcd lease 7001)"));
	ck_assert_int_eq(fk_find(F, SUBNETS "10.244.1.0-24")->lease, 7001);
	ck_assert_str_eq(own_subnet(), "10.244.1.0/24");
	ck_assert_int_eq(F->lease_acts, 1);
	ck_assert_uint_eq(stats().lease_losses, 1);
}
END_TEST

/* Deleted while running (seen by the watch): created again at once. */
START_TEST(test_own_deleted_recreated)
{
	start_held(1, 0);
	fk_del(F, SUBNETS "10.244.1.0-24");
	ck_assert(logged("lost (its key was deleted)"));
	ck_assert_ptr_nonnull(fk_find(F, SUBNETS "10.244.1.0-24"));
	ck_assert_str_eq(fk_find(F, SUBNETS "10.244.1.0-24")->value, fl_value(OWN_IP, OWN_MAC));
	ck_assert(!F->fatal);
}
END_TEST

/* Deleted and taken by another node before this one could create it again. */
static void take_own(struct fake *f)
{
	if (fk_find(f, SUBNETS "10.244.1.0-24") == NULL)
		fk_store_put(f, SUBNETS "10.244.1.0-24",
			     fl_value("192.168.56.77", "0a:58:0a:f4:4d:00"), 0);
}

START_TEST(test_own_taken_fatal)
{
	start_held(1, 0);
	F->before_txn = take_own;
	fk_del(F, SUBNETS "10.244.1.0-24");
	ck_assert(F->fatal);
	ck_assert_str_eq(F->fatal_text,
			 "subnet 10.244.1.0/24 was taken by 192.168.56.77 after this node's lease "
			 "was lost");
}
END_TEST

START_TEST(test_bad_cfg)
{
	struct flnet_cfg c = base_cfg(0);

	ck_assert_ptr_null(flnet_new(&c));
	c = base_cfg(1);
	c.random = NULL;
	ck_assert_ptr_null(flnet_new(&c));
	c = base_cfg(1);
	ck_assert(ipaddr_parse("fd00::41", &c.public_ip));
	ck_assert_ptr_null(flnet_new(&c));
	flnet_free(NULL);
}
END_TEST

static Suite *flnet_suite(void)
{
	Suite *s = suite_create("flnet");
	TCase *tc;

	tc = tcase_create("start");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_waits_for_config);
	tcase_add_test(tc, test_acquire_fresh);
	tcase_add_test(tc, test_acquire_random_window);
	tcase_add_test(tc, test_keeps_own_lease);
	tcase_add_test(tc, test_new_pubkey_rewrites);
	tcase_add_test(tc, test_keeps_reservation);
	tcase_add_loop_test(tc, test_adopts_own_lease, 0, 2);
	tcase_add_test(tc, test_deletes_incompatible_own);
	tcase_add_loop_test(tc, test_previous_subnet, 0, 2);
	tcase_add_test(tc, test_conflict_retries);
	tcase_add_test(tc, test_conflict_gives_up);
	tcase_add_test(tc, test_out_of_subnets);
	tcase_add_loop_test(tc, test_config_fatal, 0,
			    (int)(sizeof(cfg_fatal_vecs) / sizeof(cfg_fatal_vecs[0])));
	tcase_add_test(tc, test_lost_claim_answer);
	tcase_add_test(tc, test_bad_cfg);
	suite_add_tcase(s, tc);

	tc = tcase_create("watch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_join_leave_change);
	tcase_add_test(tc, test_bad_records_on_watch);
	tcase_add_test(tc, test_watch_break_resume);
	tcase_add_test(tc, test_backoff_bounds);
	tcase_add_test(tc, test_watch_hang);
	tcase_add_test(tc, test_unary_timeout);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_compaction_resync);
	tcase_add_test(tc, test_duplicate_events);
	tcase_add_test(tc, test_progress_notify);
	suite_add_tcase(s, tc);

	tc = tcase_create("lease");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_renewal);
	tcase_add_test(tc, test_renew_margin);
	tcase_add_test(tc, test_renew_retry);
	tcase_add_test(tc, test_lease_gone_recreated);
	tcase_add_test(tc, test_own_deleted_recreated);
	tcase_add_test(tc, test_own_taken_fatal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(flnet_suite());
}
