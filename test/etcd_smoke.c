/* etcd_smoke: the etcd transport and the flannel machine against a real etcd, on one libev loop. */
#include <errno.h>
#include <ev.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "etcd.h"
#include "etcdgw.h"
#include "fldiff.h"
#include "flnet.h"

/*
 *   etcd_smoke basic URL      range, txn, lease, watch through a put burst
 *   etcd_smoke dead URL       an endpoint that refuses: a clean error, fast
 *   etcd_smoke hang URL       an endpoint that accepts and never answers:
 *                             a clean error after the timeout
 *   etcd_smoke flnet [--local IP] [--mac MAC] [--seconds N] [--until-nodes N] URL...
 *                             the whole machine: holds a lease, prints the
 *                             table operations as the network changes
 * Every mode checks that the loop never stalls (a 10 ms timer keeps
 * ticking) and exits 0 when all is well, 1 with a "FAIL:" line otherwise.
 * TLS: SMOKE_CAFILE, SMOKE_CERTFILE, SMOKE_KEYFILE in the environment.
 */

#define BURST	 500
#define INFLIGHT 25

static struct ev_loop *loop;
static struct etcd *tr;
static const char *url;
static double last_tick, max_gap;

/* The longest the loop may go without running its 10 ms ticker. A sanitizer
 * build (make asan) runs several times slower: the TLS run's largest gap
 * measured 325-329 ms there and 50 ms in the plain build, so it gets four
 * times the bound. */
#if defined(__SANITIZE_ADDRESS__)
#define MAX_GAP_S 1.0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAX_GAP_S 1.0
#endif
#endif
#ifndef MAX_GAP_S
#define MAX_GAP_S 0.25
#endif
static ev_timer ticker, deadline;
static int failed;
static char prefix[64], burst_prefix[80]; /* per run: "/vxtap-smoke/PID/" */

__attribute__((format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failed = 1;
	ev_break(loop, EVBREAK_ALL);
}

static void tick_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	double now = ev_now(l);

	(void)w;
	(void)revents;
	ev_now_update(l);
	now = ev_now(l);
	if (last_tick > 0 && now - last_tick > max_gap)
		max_gap = now - last_tick;
	last_tick = now;
}

static void deadline_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	fail("the test took too long");
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run the loop until done is set (or failure); then check the gaps. */
static void run_until(bool *done, double limit_s)
{
	ev_timer_set(&deadline, limit_s, 0.);
	ev_timer_start(loop, &deadline);
	while (!*done && !failed)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &deadline);
}

/* --- one request at a time, synchronously for the test ----------------- */

struct answer {
	bool done;
	long status;
	char *body;
	size_t len;
	char error[256];
};

static void answer_cb(void *arg, long status, const char *body, size_t len, const char *error)
{
	struct answer *a = arg;

	a->done = true;
	a->status = status;
	if (body != NULL) {
		a->body = malloc(len + 1);
		memcpy(a->body, body, len);
		a->body[len] = '\0';
		a->len = len;
	}
	snprintf(a->error, sizeof(a->error), "%s", error ? error : "");
}

static void call(const char *path, char *body, enum etcdgw_kind kind, struct etcdgw_resp *resp)
{
	struct answer a = {0};
	char err[ETCDGW_ERRLEN];

	if (etcd_post(tr, url, path, body, 5000, answer_cb, &a) == NULL)
		fail("etcd_post: out of memory");
	free(body);
	run_until(&a.done, 10);
	if (failed)
		return;
	if (a.error[0] != '\0' || a.status != 200)
		fail("%s: HTTP %ld %s %s", path, a.status, a.error, a.body ? a.body : "");
	else if (etcdgw_parse(kind, a.body, a.len, resp, err) != ETCDGW_OK)
		fail("%s: %s", path, err);
	free(a.body);
}

/* --- basic -------------------------------------------------------------- */

struct watch {
	bool created, done;
	int64_t from;
	int seen[BURST];
	int unique, dup, lines;
	int64_t last_rev;
};

static void watch_line_cb(void *arg, const char *line, size_t len)
{
	struct watch *w = arg;
	struct etcdgw_watch m;
	char err[ETCDGW_ERRLEN];

	w->lines++;
	if (etcdgw_parse_watch(line, len, &m, err) != ETCDGW_OK) {
		fail("watch line: %s", err);
		return;
	}
	if (m.created)
		w->created = true;
	for (size_t i = 0; i < m.nevents; i++) {
		int k;

		if (strncmp(m.events[i].kv.key, burst_prefix, strlen(burst_prefix)) != 0 ||
		    sscanf(m.events[i].kv.key + strlen(burst_prefix), "%d", &k) != 1 || k < 0 ||
		    k >= BURST)
			continue;
		if (m.events[i].kv.mod_revision <= w->last_rev)
			w->dup++;
		else
			w->last_rev = m.events[i].kv.mod_revision;
		if (w->seen[k]++ == 0 && ++w->unique == BURST)
			w->done = true;
	}
	etcdgw_watch_free(&m);
}

static void watch_done_cb(void *arg, long status, const char *body, size_t len, const char *error)
{
	(void)arg;
	(void)body;
	(void)len;
	fail("the watch ended: HTTP %ld %s", status, error ? error : "");
}

static int burst_next, burst_inflight;
static bool burst_done;

static void burst_cb(void *arg, long status, const char *body, size_t len, const char *error);

static void burst_send(void)
{
	while (burst_next < BURST && burst_inflight < INFLIGHT) {
		char key[128], val[64];
		char *b;

		snprintf(key, sizeof(key), "%s%d", burst_prefix, burst_next);
		snprintf(val, sizeof(val), "value %d", burst_next);
		b = etcdgw_txn_update(key, strlen(key), val, strlen(val), 0, 0);
		burst_next++;
		burst_inflight++;
		if (etcd_post(tr, url, ETCDGW_PATH_TXN, b, 5000, burst_cb, NULL) == NULL)
			fail("etcd_post: out of memory");
		free(b);
	}
}

static void burst_cb(void *arg, long status, const char *body, size_t len, const char *error)
{
	struct etcdgw_resp r;
	char err[ETCDGW_ERRLEN];

	(void)arg;
	burst_inflight--;
	if (error != NULL || status != 200 ||
	    etcdgw_parse(ETCDGW_TXN, body, len, &r, err) != ETCDGW_OK) {
		etcdgw_resp_free(&r);
		fail("burst put: HTTP %ld %s", status, error ? error : err);
		return;
	}
	if (!r.succeeded) {
		etcdgw_resp_free(&r);
		fail("burst put: the key existed already");
		return;
	}
	etcdgw_resp_free(&r);
	burst_send();
	if (burst_next == BURST && burst_inflight == 0)
		burst_done = true;
}

static int basic(void)
{
	static const char v1[] = "first", v2[] = "second";
	struct etcdgw_resp r;
	char key[96];
	struct watch w = {0};
	struct etcd_req *wr;
	int64_t lease, rev;
	uint64_t t0;
	char *b;

	snprintf(prefix, sizeof(prefix), "/vxtap-smoke/%ld/", (long)getpid());
	snprintf(burst_prefix, sizeof(burst_prefix), "%sburst/", prefix);
	snprintf(key, sizeof(key), "%sa", prefix);
	call(ETCDGW_PATH_GRANT, etcdgw_grant(60), ETCDGW_GRANT, &r);
	if (failed)
		return 1;
	lease = r.id;
	printf("grant: lease %" PRId64 " ttl %" PRId64 "\n", r.id, r.ttl);
	etcdgw_resp_free(&r);

	call(ETCDGW_PATH_TXN, etcdgw_txn_create(key, strlen(key), v1, strlen(v1), lease),
	     ETCDGW_TXN, &r);
	if (failed || !r.succeeded)
		return failed ? 1 : (fail("create on an absent key did not succeed"), 1);
	etcdgw_resp_free(&r);
	call(ETCDGW_PATH_TXN, etcdgw_txn_create(key, strlen(key), v2, strlen(v2), lease),
	     ETCDGW_TXN, &r);
	if (failed)
		return 1;
	if (r.succeeded || r.nkvs != 1 || strcmp(r.kvs[0].value, v1) != 0 ||
	    r.kvs[0].lease != lease)
		return fail("create on a present key: succeeded=%d nkvs=%zu", r.succeeded, r.nkvs),
		       1;
	rev = r.kvs[0].mod_revision;
	printf("txn: create-if-absent ok, again refused with the value read back (mod %" PRId64
	       ")\n",
	       rev);
	etcdgw_resp_free(&r);

	call(ETCDGW_PATH_TXN, etcdgw_txn_update(key, strlen(key), v2, strlen(v2), lease, rev - 1),
	     ETCDGW_TXN, &r);
	if (failed || r.succeeded)
		return failed ? 1 : (fail("update with a stale mod_revision succeeded"), 1);
	etcdgw_resp_free(&r);
	call(ETCDGW_PATH_TXN, etcdgw_txn_update(key, strlen(key), v2, strlen(v2), lease, rev),
	     ETCDGW_TXN, &r);
	if (failed || !r.succeeded)
		return failed ? 1 : (fail("update with the right mod_revision failed"), 1);
	rev = r.revision;
	etcdgw_resp_free(&r);

	call(ETCDGW_PATH_RANGE, etcdgw_range(prefix, strlen(prefix), true), ETCDGW_RANGE, &r);
	if (failed || r.nkvs != 1 || strcmp(r.kvs[0].value, v2) != 0)
		return failed ? 1 : (fail("range: %zu keys", r.nkvs), 1);
	printf("range: %zu key, value \"%s\", revision %" PRId64 "\n", r.nkvs, r.kvs[0].value,
	       r.revision);
	etcdgw_resp_free(&r);

	call(ETCDGW_PATH_KEEPALIVE, etcdgw_keepalive(lease), ETCDGW_KEEPALIVE, &r);
	if (failed || r.ttl != 60)
		return failed ? 1 : (fail("keepalive: ttl %" PRId64, r.ttl), 1);
	etcdgw_resp_free(&r);
	call(ETCDGW_PATH_KEEPALIVE, etcdgw_keepalive(lease + 12345), ETCDGW_KEEPALIVE, &r);
	if (failed || r.ttl != 0)
		return failed ? 1 : (fail("keepalive of an unknown lease: ttl %" PRId64, r.ttl), 1);
	etcdgw_resp_free(&r);
	printf("keepalive: ttl 60; an unknown lease answers no TTL\n");

	call(ETCDGW_PATH_TXN, etcdgw_txn_delete(key, strlen(key), rev), ETCDGW_TXN, &r);
	if (failed || !r.succeeded)
		return failed ? 1 : (fail("delete-if-mod failed"), 1);
	etcdgw_resp_free(&r);

	/* A watch through a burst of puts sent 25 at a time on the same loop. */
	b = etcdgw_watch(burst_prefix, strlen(burst_prefix), true, rev + 1, false, true);
	wr = etcd_stream(tr, url, ETCDGW_PATH_WATCH, b, watch_line_cb, watch_done_cb, &w);
	free(b);
	run_until(&w.created, 10);
	if (failed)
		return 1;
	t0 = now_ms();
	burst_send();
	run_until(&w.done, 60);
	run_until(&burst_done, 10);
	if (failed)
		return 1;
	printf("watch: %d puts seen in %" PRIu64 " ms over %d lines, %d duplicates\n", w.unique,
	       now_ms() - t0, w.lines, w.dup);
	etcd_cancel(wr);
	ev_run(loop, EVRUN_NOWAIT);
	if (etcd_active(tr) != 0)
		return fail("%zu requests still active after the cancel", etcd_active(tr)), 1;
	return 0;
}

/* --- dead and hanging endpoints ------------------------------------------ */

static int dead(void)
{
	struct answer a = {0};
	uint64_t t0 = now_ms();

	etcd_post(tr, url, ETCDGW_PATH_RANGE, "{\"key\":\"AA==\"}", 5000, answer_cb, &a);
	run_until(&a.done, 10);
	if (failed)
		return 1;
	printf("dead endpoint: \"%s\" after %" PRIu64 " ms\n", a.error, now_ms() - t0);
	if (a.error[0] == '\0')
		return fail("no error from a dead endpoint"), 1;
	return 0;
}

static void cancel_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	bool *flag = w->data;

	(void)l;
	(void)revents;
	*flag = true;
}

static int hang(void)
{
	struct answer a = {0}, s = {0};
	struct etcd_req *sr;
	bool timed_out = false;
	ev_timer t;
	uint64_t t0 = now_ms();

	etcd_post(tr, url, ETCDGW_PATH_RANGE, "{\"key\":\"AA==\"}", 2000, answer_cb, &a);
	sr = etcd_stream(tr, url, ETCDGW_PATH_WATCH, "{\"create_request\":{\"key\":\"AA==\"}}",
			 NULL, answer_cb, &s);
	/* The watch has no overall timeout: give up on "created" after 2 s. */
	ev_timer_init(&t, cancel_cb, 2.0, 0.);
	t.data = &timed_out;
	ev_timer_start(loop, &t);
	run_until(&a.done, 10);
	if (failed)
		return 1;
	printf("hanging endpoint: \"%s\" after %" PRIu64 " ms\n", a.error, now_ms() - t0);
	if (a.error[0] == '\0')
		return fail("no error from a hanging endpoint"), 1;
	run_until(&timed_out, 10);
	if (s.done)
		return fail("the stream ended by itself: %s", s.error), 1;
	etcd_cancel(sr);
	ev_run(loop, EVRUN_NOWAIT);
	printf("hanging watch: canceled after 2000 ms; %zu requests left\n", etcd_active(tr));
	return etcd_active(tr) == 0 ? 0 : 1;
}

/* --- the machine ---------------------------------------------------------- */

struct node {
	struct flnet *fl;
	char **urls;
	size_t nurls;
	struct etcd_req *req[64]; /* by id % 64 */
	uint64_t ids[64];
	ev_timer timer;
	struct flset_nodes applied;
	int until_nodes;
	bool done;
};

static struct node node;

static void pump(void);

static void done_cb(void *arg, long status, const char *body, size_t len, const char *error)
{
	uint64_t id = (uint64_t)(uintptr_t)arg;

	node.req[id % 64] = NULL;
	flnet_on_done(node.fl, id, status, body, len, error, now_ms());
	pump();
}

static void line_cb(void *arg, const char *line, size_t len)
{
	flnet_on_line(node.fl, (uint64_t)(uintptr_t)arg, line, len, now_ms());
	pump();
}

static void print_ops(void)
{
	struct flset_nodes want = {0};
	struct fldiff_ops ops = {0};
	char a[ADDR_STRLEN], m[MAC_STRLEN], c[FLANNEL_CIDRLEN];

	if (flnet_nodes(node.fl, &want) < 0 || fldiff(&node.applied, &want, &ops) < 0) {
		fail("out of memory");
		return;
	}
	for (size_t i = 0; i < ops.n; i++) {
		const struct fldiff_op *op = &ops.v[i];

		printf("OP %s", fldiff_name(op->kind));
		if (op->kind == FLDIFF_ROUTE_ADD || op->kind == FLDIFF_ROUTE_DEL)
			printf(" %s via", flannel_cidr_format(&op->subnet, c));
		if (op->kind == FLDIFF_FDB_ADD || op->kind == FLDIFF_FDB_DEL)
			printf(" %s", mac_fmt(&op->mac, m));
		if (op->kind != FLDIFF_FDB_DEL)
			printf(" %s", ipaddr_fmt(&op->ip, a));
		if (op->kind == FLDIFF_NEIGH_ADD)
			printf(" lladdr %s", mac_fmt(&op->mac, m));
		printf("%s\n", op->replace ? " (replace)" : "");
	}
	fldiff_free(&ops);
	flset_nodes_free(&node.applied);
	node.applied = want;
	printf("NODES %zu\n", node.applied.n);
	fflush(stdout);
	if (node.until_nodes >= 0 && (size_t)node.until_nodes == node.applied.n)
		node.done = true;
}

static void timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	flnet_tick(node.fl, now_ms());
	pump();
}

/* Carry out the machine's actions; re-arm its timer. */
static void pump(void)
{
	struct flnet_act act;
	struct flnet_lease l;
	char c[FLANNEL_CIDRLEN];
	uint64_t d;

	while (flnet_next(node.fl, &act)) {
		struct etcd_req *r = NULL;
		void *arg = (void *)(uintptr_t)act.id;

		switch (act.kind) {
		case FLNET_ACT_REQUEST:
			r = etcd_post(tr, node.urls[act.endpoint], act.path, act.body,
				      (long)act.timeout_ms, done_cb, arg);
			break;
		case FLNET_ACT_WATCH:
			r = etcd_stream(tr, node.urls[act.endpoint], act.path, act.body, line_cb,
					done_cb, arg);
			break;
		case FLNET_ACT_CANCEL:
			if (node.ids[act.id % 64] == act.id && node.req[act.id % 64] != NULL)
				etcd_cancel(node.req[act.id % 64]);
			node.req[act.id % 64] = NULL;
			break;
		case FLNET_ACT_LEASE:
			flnet_lease(node.fl, &l);
			printf("LEASE %s\n", flannel_cidr_format(&l.subnet, c));
			fflush(stdout);
			break;
		case FLNET_ACT_NODES:
			print_ops();
			break;
		case FLNET_ACT_LOG:
			printf("LOG %s\n", act.text);
			fflush(stdout);
			break;
		case FLNET_ACT_FATAL:
			fail("%s", act.text);
			return;
		}
		if (r != NULL) {
			node.req[act.id % 64] = r;
			node.ids[act.id % 64] = act.id;
		}
	}
	ev_timer_stop(loop, &node.timer);
	d = flnet_deadline(node.fl);
	if (d != UINT64_MAX) {
		uint64_t now = now_ms();

		ev_timer_set(&node.timer, d > now ? (double)(d - now) / 1000.0 : 0., 0.);
		ev_timer_start(loop, &node.timer);
	}
}

static ev_signal sigterm;
static ev_timer stop;

static void stop_cb(struct ev_loop *l, ev_signal *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	node.done = true;
}

static void stop_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	node.done = true;
}

static uint32_t smoke_random(void *arg)
{
	(void)arg;
	return randombytes_random();
}

static int machine(int argc, char **argv)
{
	struct flnet_cfg cfg = {.random = smoke_random};
	const char *local = "192.168.56.41", *mac = "0a:58:0a:f4:01:00";
	double seconds = 30;
	struct flnet_stats st;
	int i;

	node.until_nodes = -1;
	for (i = 0; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (i + 1 >= argc)
			return fail("%s needs a value", argv[i]), 1;
		if (strcmp(argv[i], "--local") == 0)
			local = argv[i + 1];
		else if (strcmp(argv[i], "--mac") == 0)
			mac = argv[i + 1];
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--until-nodes") == 0)
			node.until_nodes = atoi(argv[i + 1]);
		else
			return fail("unknown option %s", argv[i]), 1;
	}
	node.urls = argv + i;
	node.nurls = (size_t)(argc - i);
	cfg.nendpoints = node.nurls;
	if (node.nurls == 0 || !ipaddr_parse(local, &cfg.public_ip) ||
	    !mac_parse(mac, &cfg.vtep_mac))
		return fail("usage: etcd_smoke flnet [--local IP] [--mac MAC] URL..."), 1;
	node.fl = flnet_new(&cfg);
	if (node.fl == NULL)
		return fail("flnet_new"), 1;
	ev_init(&node.timer, timer_cb);
	ev_signal_init(&sigterm, stop_cb, SIGTERM);
	ev_signal_start(loop, &sigterm);
	if (node.until_nodes < 0) {
		/* A timed run: it ends when the time is up or on SIGTERM. */
		ev_timer_init(&stop, stop_timer_cb, seconds, 0.);
		ev_timer_start(loop, &stop);
		seconds += 3600;
	}
	flnet_start(node.fl, now_ms());
	pump();
	run_until(&node.done, seconds);
	ev_timer_stop(loop, &stop);
	ev_signal_stop(loop, &sigterm);
	flnet_stats(node.fl, &st);
	printf("STATS events %" PRIu64 " stale %" PRIu64 " reconnects %" PRIu64 " resyncs %" PRIu64
	       " failures %" PRIu64 " revision %" PRId64 " connected %d endpoint %zu\n",
	       st.events, st.stale, st.reconnects, st.resyncs, st.failures, st.revision,
	       st.connected, st.endpoint);
	flset_nodes_free(&node.applied);
	flnet_free(node.fl);
	return failed;
}

int main(int argc, char **argv)
{
	struct etcd_opts opts = {
		.connect_timeout_ms = 2000,
		.cafile = getenv("SMOKE_CAFILE"),
		.certfile = getenv("SMOKE_CERTFILE"),
		.keyfile = getenv("SMOKE_KEYFILE"),
	};
	char err[ETCD_ERRLEN];
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: etcd_smoke basic|dead|hang URL | flnet [opts] URL...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		return 1;
	loop = ev_default_loop(0);
	tr = etcd_new(loop, &opts, err);
	if (tr == NULL) {
		printf("FAIL: %s\n", err);
		return 1;
	}
	printf("libcurl resolver: %s\n", etcd_resolver());
	url = argv[2];
	ev_timer_init(&ticker, tick_cb, 0.01, 0.01);
	ev_timer_start(loop, &ticker);
	ev_init(&deadline, deadline_cb);
	if (strcmp(argv[1], "basic") == 0)
		rc = basic();
	else if (strcmp(argv[1], "dead") == 0)
		rc = dead();
	else if (strcmp(argv[1], "hang") == 0)
		rc = hang();
	else if (strcmp(argv[1], "flnet") == 0)
		rc = machine(argc - 2, argv + 2);
	else
		rc = (fail("unknown mode %s", argv[1]), 1);
	printf("max loop gap %.0f ms\n", max_gap * 1000);
	if (max_gap > MAX_GAP_S) {
		printf("FAIL: the loop stalled for %.0f ms\n", max_gap * 1000);
		rc = 1;
	}
	etcd_free(tr);
	ev_timer_stop(loop, &ticker);
	ev_loop_destroy(loop);
	return rc || failed;
}
