/* check_etcdgw: etcd JSON-gateway request bodies, answers as etcd 3.4.23 sends them, watch lines.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcdgw.h"

#include "check_run.h"

#define NVEC(v) ((int)(sizeof(v) / sizeof((v)[0])))

static const char subnets[] = "/coreos.com/network/subnets/";

/* --- bodies ------------------------------------------------------------ */

struct body_vec {
	char *(*build)(void);
	const char *want;
};

static char *b_range_one(void)
{
	return etcdgw_range("/coreos.com/network/config", 26, false);
}

static char *b_range_prefix(void)
{
	return etcdgw_range(subnets, strlen(subnets), true);
}

/* Trailing 0xff bytes are dropped before the increment; all 0xff: every key. */
static char *b_range_ff(void)
{
	return etcdgw_range("a\xff\xff", 3, true);
}

static char *b_range_all_ff(void)
{
	return etcdgw_range("\xff", 1, true);
}

static char *b_range_empty(void)
{
	return etcdgw_range("", 0, true);
}

static char *b_grant(void)
{
	return etcdgw_grant(86400);
}

static char *b_keepalive(void)
{
	return etcdgw_keepalive(7414510715070366731);
}

static char *b_revoke(void)
{
	return etcdgw_revoke(-5);
}

static char *b_create(void)
{
	return etcdgw_txn_create("/k", 2, "v", 1, 7414510715070366731);
}

static char *b_create_nolease(void)
{
	return etcdgw_txn_create("/k", 2, "", 0, 0);
}

static char *b_update(void)
{
	return etcdgw_txn_update("/k", 2, "vv", 2, 12, 34);
}

static char *b_delete(void)
{
	return etcdgw_txn_delete("/k", 2, 34);
}

static char *b_watch(void)
{
	return etcdgw_watch(subnets, strlen(subnets), true, 8, true, true);
}

static char *b_watch_now(void)
{
	return etcdgw_watch("/k", 2, false, 0, false, false);
}

static const struct body_vec body_vecs[] = {
	{b_range_one, "{\"key\":\"L2NvcmVvcy5jb20vbmV0d29yay9jb25maWc=\"}"},
	{b_range_prefix, "{\"key\":\"L2NvcmVvcy5jb20vbmV0d29yay9zdWJuZXRzLw==\",\"range_end\":"
			 "\"L2NvcmVvcy5jb20vbmV0d29yay9zdWJuZXRzMA==\"}"},
	{b_range_ff, "{\"key\":\"Yf//\",\"range_end\":\"Yg==\"}"},
	{b_range_all_ff, "{\"key\":\"/w==\",\"range_end\":\"AA==\"}"},
	{b_range_empty, "{\"key\":\"\",\"range_end\":\"AA==\"}"},
	{b_grant, "{\"TTL\":\"86400\"}"},
	{b_keepalive, "{\"ID\":\"7414510715070366731\"}"},
	{b_revoke, "{\"ID\":\"-5\"}"},
	{b_create, "{\"compare\":[{\"key\":\"L2s=\",\"target\":\"CREATE\",\"result\":\"EQUAL\","
		   "\"create_revision\":\"0\"}],\"success\":[{\"request_put\":{\"key\":\"L2s=\","
		   "\"value\":\"dg==\",\"lease\":\"7414510715070366731\"}}],\"failure\":[{"
		   "\"request_range\":{\"key\":\"L2s=\"}}]}"},
	{b_create_nolease, "{\"compare\":[{\"key\":\"L2s=\",\"target\":\"CREATE\",\"result\":"
			   "\"EQUAL\",\"create_revision\":\"0\"}],\"success\":[{\"request_put\":{"
			   "\"key\":\"L2s=\",\"value\":\"\"}}],\"failure\":[{\"request_range\":{"
			   "\"key\":\"L2s=\"}}]}"},
	{b_update, "{\"compare\":[{\"key\":\"L2s=\",\"target\":\"MOD\",\"result\":\"EQUAL\","
		   "\"mod_revision\":\"34\"}],\"success\":[{\"request_put\":{\"key\":\"L2s=\","
		   "\"value\":\"dnY=\",\"lease\":\"12\"}}],\"failure\":[{\"request_range\":{"
		   "\"key\":\"L2s=\"}}]}"},
	{b_delete, "{\"compare\":[{\"key\":\"L2s=\",\"target\":\"MOD\",\"result\":\"EQUAL\","
		   "\"mod_revision\":\"34\"}],\"success\":[{\"request_delete_range\":{\"key\":"
		   "\"L2s=\"}}],\"failure\":[{\"request_range\":{\"key\":\"L2s=\"}}]}"},
	{b_watch, "{\"create_request\":{\"key\":\"L2NvcmVvcy5jb20vbmV0d29yay9zdWJuZXRzLw==\","
		  "\"range_end\":\"L2NvcmVvcy5jb20vbmV0d29yay9zdWJuZXRzMA==\",\"start_revision\":"
		  "\"8\",\"prev_kv\":true,\"progress_notify\":true}}"},
	{b_watch_now, "{\"create_request\":{\"key\":\"L2s=\"}}"},
};

START_TEST(test_bodies)
{
	char *got = body_vecs[_i].build();

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, body_vecs[_i].want);
	free(got);
}
END_TEST

/* A 1 MB value goes out whole. */
START_TEST(test_body_big)
{
	size_t n = 1 << 20;
	char *v = malloc(n), *got;

	ck_assert_ptr_nonnull(v);
	memset(v, 'x', n);
	got = etcdgw_txn_create("/k", 2, v, n, 1);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_gt(strlen(got), n / 3 * 4);
	free(got);
	free(v);
}
END_TEST

/* --- answers (as etcd 3.4.23 wrote them) ------------------------------- */

#define HDR(rev)                                                                                   \
	"\"header\":{\"cluster_id\":\"5781604189918729634\",\"member_id\":\"350221866816923365\"," \
	"\"revision\":\"" rev "\",\"raft_term\":\"2\"}"
#define KV_SUBNET                                                                                 \
	"{\"key\":\"L2NvcmVvcy5jb20vbmV0d29yay9zdWJuZXRzLzEwLjI0NC4xLjAtMjQ=\",\"create_"         \
	"revision\":"                                                                             \
	"\"2\",\"mod_revision\":\"3\",\"version\":\"1\",\"value\":\"eyJQdWJsaWNJUCI6IjE5Mi4xNjgu" \
	"NTYuNDEifQ==\",\"lease\":\"7414510715070366731\"}"

struct resp_vec {
	enum etcdgw_kind kind;
	const char *body;
	enum etcdgw_status want;
	const char *summary; /* OK: fields; ERROR/BAD: the err text */
};

static void resp_summary(const struct etcdgw_resp *r, char *out, size_t size)
{
	size_t len;

	snprintf(out, size, "rev=%lld ok=%d id=%lld ttl=%lld more=%d count=%lld kvs=%zu",
		 (long long)r->revision, r->succeeded, (long long)r->id, (long long)r->ttl, r->more,
		 (long long)r->count, r->nkvs);
	for (size_t i = 0; i < r->nkvs; i++) {
		const struct etcdgw_kv *kv = &r->kvs[i];

		len = strlen(out);
		snprintf(out + len, size - len, " [%s=%s c%lld m%lld v%lld l%lld]", kv->key,
			 kv->value, (long long)kv->create_revision, (long long)kv->mod_revision,
			 (long long)kv->version, (long long)kv->lease);
	}
}

static const struct resp_vec resp_vecs[] = {
	{ETCDGW_RANGE, "{" HDR("1") "}\n", ETCDGW_OK, "rev=1 ok=0 id=0 ttl=0 more=0 count=0 kvs=0"},
	{ETCDGW_RANGE, "{" HDR("2") ",\"kvs\":[" KV_SUBNET "],\"count\":\"1\"}", ETCDGW_OK,
	 "rev=2 ok=0 id=0 ttl=0 more=0 count=1 kvs=1 [/coreos.com/network/subnets/10.244.1.0-24="
	 "{\"PublicIP\":\"192.168.56.41\"} c2 m3 v1 l7414510715070366731]"},
	/* A key with an empty value: etcd leaves "value" out. */
	{ETCDGW_RANGE,
	 "{" HDR("9") ",\"kvs\":[{\"key\":\"L2s=\",\"mod_revision\":\"9\"}],\"more\":true}",
	 ETCDGW_OK, "rev=9 ok=0 id=0 ttl=0 more=1 count=0 kvs=1 [/k= c0 m9 v0 l0]"},
	{ETCDGW_TXN,
	 "{" HDR("2") ",\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":"
		      "{\"revision\":\"2\"}}}]}",
	 ETCDGW_OK, "rev=2 ok=1 id=0 ttl=0 more=0 count=0 kvs=0"},
	/* A failed compare: no "succeeded" at all; the failure branch read the key. */
	{ETCDGW_TXN,
	 "{" HDR("2") ",\"responses\":[{\"response_range\":{\"header\":{\"revision\":"
		      "\"2\"},\"kvs\":[" KV_SUBNET "],\"count\":\"1\"}}]}",
	 ETCDGW_OK,
	 "rev=2 ok=0 id=0 ttl=0 more=0 count=0 kvs=1 [/coreos.com/network/subnets/"
	 "10.244.1.0-24={\"PublicIP\":\"192.168.56.41\"} c2 m3 v1 l7414510715070366731]"},
	{ETCDGW_TXN,
	 "{" HDR("6") ",\"succeeded\":true,\"responses\":[{\"response_delete_range\":"
		      "{\"header\":{\"revision\":\"6\"},\"deleted\":\"1\"}}]}",
	 ETCDGW_OK, "rev=6 ok=1 id=0 ttl=0 more=0 count=0 kvs=0"},
	{ETCDGW_GRANT, "{" HDR("1") ",\"ID\":\"7414510715070366727\",\"TTL\":\"86400\"}", ETCDGW_OK,
	 "rev=1 ok=0 id=7414510715070366727 ttl=86400 more=0 count=0 kvs=0"},
	{ETCDGW_KEEPALIVE,
	 "{\"result\":{" HDR("2") ",\"ID\":\"7414510715070366731\",\"TTL\":\"100\"}}\n", ETCDGW_OK,
	 "rev=2 ok=0 id=7414510715070366731 ttl=100 more=0 count=0 kvs=0"},
	/* The lease is gone: no TTL. */
	{ETCDGW_KEEPALIVE, "{\"result\":{" HDR("2") ",\"ID\":\"12345\"}}\n", ETCDGW_OK,
	 "rev=2 ok=0 id=12345 ttl=0 more=0 count=0 kvs=0"},
	{ETCDGW_KEEPALIVE,
	 "{\"result\":{" HDR("2") ",\"ID\":\"1\",\"TTL\":\"5\"}}\n{\"result\":{}}\n", ETCDGW_OK,
	 "rev=2 ok=0 id=1 ttl=5 more=0 count=0 kvs=0"},
	{ETCDGW_REVOKE, "{" HDR("6") "}", ETCDGW_OK, "rev=6 ok=0 id=0 ttl=0 more=0 count=0 kvs=0"},

	/* etcd's error objects. */
	{ETCDGW_REVOKE,
	 "{\"error\":\"etcdserver: requested lease not found\",\"message\":\"etcdserver: requested "
	 "lease not found\",\"code\":5}",
	 ETCDGW_ERROR, "etcdserver: requested lease not found (code 5)"},
	{ETCDGW_RANGE, "{\"error\":\"unexpected EOF\",\"message\":\"unexpected EOF\",\"code\":3}",
	 ETCDGW_ERROR, "unexpected EOF (code 3)"},
	{ETCDGW_KEEPALIVE,
	 "{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"etcdserver: no leader\","
	 "\"http_status\":\"Service Unavailable\"}}\n",
	 ETCDGW_ERROR, "etcdserver: no leader (code 14)"},
	{ETCDGW_RANGE, "{\"error\":\"x\"}", ETCDGW_ERROR, "x (code 0)"},
	{ETCDGW_RANGE, "{\"error\":1,\"code\":\"z\"}", ETCDGW_ERROR,
	 "error without a message (code -1)"},

	/* Not an answer. */
	{ETCDGW_RANGE, "Not Found", ETCDGW_BAD, NULL},
	{ETCDGW_RANGE, "", ETCDGW_BAD, "not JSON (empty document)"},
	{ETCDGW_RANGE, "<html>", ETCDGW_BAD, NULL},
	{ETCDGW_RANGE, "[]", ETCDGW_BAD, "not a JSON object"},
	{ETCDGW_RANGE, "{}", ETCDGW_BAD, "no header"},
	{ETCDGW_RANGE, "{\"header\":{}}", ETCDGW_BAD, "no header.revision"},
	{ETCDGW_RANGE, "{\"header\":[]}", ETCDGW_BAD, "header is not an object"},
	{ETCDGW_RANGE, "{\"header\":{\"revision\":\"x\"}}", ETCDGW_BAD,
	 "header.revision is not an int64"},
	{ETCDGW_RANGE, "{\"header\":{\"revision\":\"99999999999999999999\"}}", ETCDGW_BAD,
	 "header.revision is not an int64"},
	{ETCDGW_RANGE, "{\"header\":{\"revision\":1.5}}", ETCDGW_BAD,
	 "header.revision is not an int64"},
	{ETCDGW_RANGE, "{" HDR("1") ",\"kvs\":{}}", ETCDGW_BAD, "kvs is not an array"},
	{ETCDGW_RANGE, "{" HDR("1") ",\"kvs\":[1]}", ETCDGW_BAD, "kvs[0] is not an object"},
	{ETCDGW_RANGE, "{" HDR("1") ",\"kvs\":[{\"value\":\"dg==\"}]}", ETCDGW_BAD,
	 "kvs[0].key is missing"},
	{ETCDGW_RANGE, "{" HDR("1") ",\"kvs\":[{\"key\":\"L2s=\"},{\"key\":\"!!!!\"}]}", ETCDGW_BAD,
	 "kvs[1].key is not base64"},
	{ETCDGW_RANGE, "{" HDR("1") ",\"kvs\":[{\"key\":\"L2s\"}]}", ETCDGW_BAD,
	 "kvs[0].key is not base64"},
	{ETCDGW_RANGE, "{" HDR("1") ",\"kvs\":[{\"key\":\"L2s=\",\"value\":5}]}", ETCDGW_BAD,
	 "kvs[0].value is not a base64 string"},
	{ETCDGW_RANGE, "{" HDR("1") ",\"kvs\":[{\"key\":\"L2s=\",\"lease\":\"-\"}]}", ETCDGW_BAD,
	 "kvs[0].lease is not an int64"},
	{ETCDGW_RANGE, "{" HDR("1") ",\"more\":\"yes\"}", ETCDGW_BAD, "more is not a boolean"},
	{ETCDGW_TXN, "{" HDR("1") ",\"succeeded\":1}", ETCDGW_BAD, "succeeded is not a boolean"},
	{ETCDGW_TXN, "{" HDR("1") ",\"responses\":{}}", ETCDGW_BAD, "responses is not an array"},
	{ETCDGW_TXN, "{" HDR("1") ",\"responses\":[7]}", ETCDGW_BAD,
	 "responses[0] is not an object"},
	{ETCDGW_GRANT, "{" HDR("1") ",\"TTL\":\"5\"}", ETCDGW_BAD, "no ID"},
	{ETCDGW_GRANT, "{" HDR("1") ",\"ID\":true}", ETCDGW_BAD, "ID is not an int64"},
	{ETCDGW_KEEPALIVE, "{" HDR("1") ",\"ID\":\"1\"}", ETCDGW_BAD, "no result object"},
	{ETCDGW_KEEPALIVE, "{\"result\":{}}", ETCDGW_BAD, "no result.ID"},
	{ETCDGW_KEEPALIVE, "{\"result\":{\"ID\":\"1\",\"TTL\":[]}}", ETCDGW_BAD,
	 "result.TTL is not an int64"},
};

START_TEST(test_answers)
{
	const struct resp_vec *v = &resp_vecs[_i];
	struct etcdgw_resp r;
	char err[ETCDGW_ERRLEN], got[1024];
	enum etcdgw_status st = etcdgw_parse(v->kind, v->body, strlen(v->body), &r, err);

	ck_assert_msg(st == v->want, "%s: status %d (%s)", v->body, st, err);
	if (st == ETCDGW_OK) {
		resp_summary(&r, got, sizeof(got));
		ck_assert_str_eq(got, v->summary);
		ck_assert_str_eq(err, "");
	} else {
		if (v->summary != NULL)
			ck_assert_str_eq(err, v->summary);
		else
			ck_assert_uint_gt(strlen(err), 0);
		ck_assert_uint_eq(r.nkvs, 0);
		ck_assert_ptr_null(r.kvs);
	}
	etcdgw_resp_free(&r);
}
END_TEST

START_TEST(test_answer_error_code)
{
	static const char body[] =
		"{\"error\":\"etcdserver: requested lease not found\",\"message\":"
		"\"etcdserver: requested lease not found\",\"code\":5}";
	struct etcdgw_resp r;
	char err[ETCDGW_ERRLEN];

	ck_assert_int_eq(etcdgw_parse(ETCDGW_REVOKE, body, strlen(body), &r, err), ETCDGW_ERROR);
	ck_assert_int_eq(r.code, ETCDGW_CODE_NOT_FOUND);
	etcdgw_resp_free(&r);
}
END_TEST

/* Binary keys and values survive (base64 of NUL and 0xff bytes). */
START_TEST(test_answer_binary)
{
	static const char body[] = "{" HDR("3") ",\"kvs\":[{\"key\":\"AP8=\",\"value\":\"/wA=\"}]}";
	struct etcdgw_resp r;
	char err[ETCDGW_ERRLEN];

	ck_assert_int_eq(etcdgw_parse(ETCDGW_RANGE, body, strlen(body), &r, err), ETCDGW_OK);
	ck_assert_uint_eq(r.nkvs, 1);
	ck_assert_uint_eq(r.kvs[0].keylen, 2);
	ck_assert_mem_eq(r.kvs[0].key, "\x00\xff", 3);
	ck_assert_uint_eq(r.kvs[0].valuelen, 2);
	ck_assert_mem_eq(r.kvs[0].value, "\xff\x00", 3);
	etcdgw_resp_free(&r);
}
END_TEST

/* --- watch lines ------------------------------------------------------- */

struct watch_vec {
	const char *line;
	enum etcdgw_status want;
	const char *summary;
};

static void watch_summary(const struct etcdgw_watch *w, char *out, size_t size)
{
	snprintf(out, size, "rev=%lld id=%lld created=%d canceled=%d compact=%lld",
		 (long long)w->revision, (long long)w->watch_id, w->created, w->canceled,
		 (long long)w->compact_revision);
	for (size_t i = 0; i < w->nevents; i++) {
		const struct etcdgw_event *e = &w->events[i];
		size_t len = strlen(out);

		snprintf(out + len, size - len, " %s %s=%s m%lld%s%s", e->is_delete ? "DEL" : "PUT",
			 e->kv.key, e->kv.value, (long long)e->kv.mod_revision,
			 e->has_prev ? " prev=" : "", e->has_prev ? e->prev.value : "");
	}
}

static const struct watch_vec watch_vecs[] = {
	{"{\"result\":{" HDR("2") ",\"created\":true}}", ETCDGW_OK,
	 "rev=2 id=0 created=1 canceled=0 compact=0"},
	{"{\"result\":{" HDR("3") ",\"events\":[{\"kv\":{\"key\":\"L2NvcmVvcy5jb20vbmV0d29yay9zdWJu"
				  "ZXRzLzEwLjI0NC4yLjAtMjQ=\",\"create_revision\":\"3\",\"mod_"
				  "revision\":\"3\",\"version\":"
				  "\"1\",\"value\":\"aGVsbG8=\"}}]}}",
	 ETCDGW_OK,
	 "rev=3 id=0 created=0 canceled=0 compact=0 PUT /coreos.com/network/subnets/10.244.2.0-24"
	 "=hello m3"},
	{"{\"result\":{" HDR(
		 "4") ",\"events\":[{\"type\":\"DELETE\",\"kv\":{\"key\":\"L2NvcmVvcy5j"
		      "b20vbmV0d29yay9zdWJuZXRzLzEwLjI0NC4yLjAtMjQ=\",\"mod_revision\":\"4\"},"
		      "\"prev_kv\":{"
		      "\"key\":\"L2NvcmVvcy5jb20vbmV0d29yay9zdWJuZXRzLzEwLjI0NC4yLjAtMjQ=\","
		      "\"create_revision\":"
		      "\"3\",\"mod_revision\":\"3\",\"version\":\"1\",\"value\":\"aGVsbG8=\"}}]}}",
	 ETCDGW_OK,
	 "rev=4 id=0 created=0 canceled=0 compact=0 DEL /coreos.com/network/subnets/10.244.2.0-24= "
	 "m4 prev=hello"},
	/* One txn, two puts, one line. */
	{"{\"result\":{" HDR("5") ",\"events\":[{\"kv\":{\"key\":\"L2E=\",\"mod_revision\":\"5\","
				  "\"value\":\"YQ==\"}},{\"type\":\"PUT\",\"kv\":{\"key\":\"L2I=\","
				  "\"mod_revision\":\"5\","
				  "\"value\":\"Yg==\"}}]}}",
	 ETCDGW_OK, "rev=5 id=0 created=0 canceled=0 compact=0 PUT /a=a m5 PUT /b=b m5"},
	{"{\"result\":{\"header\":{\"cluster_id\":\"1\",\"raft_term\":\"2\"},\"canceled\":true,"
	 "\"compact_revision\":\"5\"}}",
	 ETCDGW_OK, "rev=0 id=0 created=0 canceled=1 compact=5"},
	/* A progress notification: a header and nothing else. */
	{"{\"result\":{" HDR("77") ",\"watch_id\":\"3\"}}", ETCDGW_OK,
	 "rev=77 id=3 created=0 canceled=0 compact=0"},
	{"{\"error\":\"unexpected EOF\",\"message\":\"unexpected EOF\",\"code\":2}", ETCDGW_ERROR,
	 "unexpected EOF (code 2)"},
	{"{\"error\":{\"grpc_code\":14,\"message\":\"etcdserver: no leader\"}}", ETCDGW_ERROR,
	 "etcdserver: no leader (code 14)"},
	{"", ETCDGW_BAD, "not JSON (empty document)"},
	{"HTTP/1.1 200 OK", ETCDGW_BAD, NULL},
	{"{\"result\":{" HDR("2") "}", ETCDGW_BAD, NULL},
	{"{\"result\":5}", ETCDGW_BAD, "no result object"},
	{"{}", ETCDGW_BAD, "no result object"},
	{"[{\"result\":{}}]", ETCDGW_BAD, "not a JSON object"},
	{"{\"result\":{\"created\":\"true\"}}", ETCDGW_BAD, "created is not a boolean"},
	{"{\"result\":{\"compact_revision\":{}}}", ETCDGW_BAD, "compact_revision is not an int64"},
	{"{\"result\":{\"events\":{}}}", ETCDGW_BAD, "events is not an array"},
	{"{\"result\":{\"events\":[null]}}", ETCDGW_BAD, "events[0] is not an object"},
	{"{\"result\":{\"events\":[{}]}}", ETCDGW_BAD, "events[0].kv is not an object"},
	{"{\"result\":{\"events\":[{\"type\":\"EXPIRE\",\"kv\":{\"key\":\"L2E=\"}}]}}", ETCDGW_BAD,
	 "events[0].type is neither PUT nor DELETE"},
	{"{\"result\":{\"events\":[{\"type\":0,\"kv\":{\"key\":\"L2E=\"}}]}}", ETCDGW_BAD,
	 "events[0].type is not a string"},
	{"{\"result\":{\"events\":[{\"kv\":{\"key\":\"L2E=\"}},{\"kv\":{\"key\":\"L2E\"}}]}}",
	 ETCDGW_BAD, "events[1].kv.key is not base64"},
	{"{\"result\":{\"events\":[{\"kv\":{\"key\":\"L2E=\"},\"prev_kv\":{\"key\":5}}]}}",
	 ETCDGW_BAD, "events[0].prev_kv.key is not a base64 string"},
	{"{\"result\":{\"events\":[{\"kv\":{\"key\":\"L2E=\",\"mod_revision\":\"1e3\"}}]}}",
	 ETCDGW_BAD, "events[0].kv.mod_revision is not an int64"},
};

START_TEST(test_watch_lines)
{
	const struct watch_vec *v = &watch_vecs[_i];
	struct etcdgw_watch w;
	char err[ETCDGW_ERRLEN], got[1024];
	enum etcdgw_status st = etcdgw_parse_watch(v->line, strlen(v->line), &w, err);

	ck_assert_msg(st == v->want, "%s: status %d (%s)", v->line, st, err);
	if (st == ETCDGW_OK) {
		watch_summary(&w, got, sizeof(got));
		ck_assert_str_eq(got, v->summary);
	} else {
		if (v->summary != NULL)
			ck_assert_str_eq(err, v->summary);
		else
			ck_assert_uint_gt(strlen(err), 0);
		ck_assert_uint_eq(w.nevents, 0);
	}
	etcdgw_watch_free(&w);
}
END_TEST

/* --- the line splitter ------------------------------------------------- */

struct collect {
	char text[4096];
	size_t n;
};

static void collect_fn(void *arg, const char *line, size_t len)
{
	struct collect *c = arg;
	size_t used = strlen(c->text);

	snprintf(c->text + used, sizeof(c->text) - used, "<%.*s>", (int)len, line);
	c->n++;
}

static const char stream[] = "{\"result\":{\"created\":true}}\n\n{\"a\":1}\r\nxyz\n"
			     "0123456789ABCDEF0123456789abcd\nlast\nok\n";

/* Whatever the chunking, the same lines come out; the 30-byte line is dropped. */
START_TEST(test_lines_chunks)
{
	size_t len = strlen(stream);

	for (size_t chunk = 1; chunk <= len + 1; chunk++) {
		struct etcdgw_lines l;
		struct collect c = {.text = ""};

		etcdgw_lines_init(&l, 27);
		for (size_t off = 0; off < len; off += chunk) {
			size_t n = len - off < chunk ? len - off : chunk;

			ck_assert_int_eq(etcdgw_lines_feed(&l, stream + off, n, collect_fn, &c), 0);
		}
		ck_assert_str_eq(c.text,
				 "<{\"result\":{\"created\":true}}><{\"a\":1}><xyz><last><ok>");
		ck_assert_uint_eq(l.toolong, 1);
		ck_assert_uint_eq(l.lines, 5);
		ck_assert_uint_eq(etcdgw_lines_pending(&l), 0);
		etcdgw_lines_free(&l);
	}
}
END_TEST

START_TEST(test_lines_edges)
{
	struct etcdgw_lines l;
	struct collect c = {.text = ""};

	etcdgw_lines_init(&l, 4);
	/* Exactly max is kept, max + 1 is not, in one piece or held across chunks. */
	ck_assert_int_eq(etcdgw_lines_feed(&l, "abcd\nabcde\nab", 13, collect_fn, &c), 0);
	ck_assert_uint_eq(etcdgw_lines_pending(&l), 2);
	ck_assert_int_eq(etcdgw_lines_feed(&l, "cd\nab", 5, collect_fn, &c), 0);
	ck_assert_int_eq(etcdgw_lines_feed(&l, "cde", 3, collect_fn, &c), 0);
	ck_assert_uint_eq(etcdgw_lines_pending(&l), 0); /* dropped already, still skipping */
	ck_assert_int_eq(etcdgw_lines_feed(&l, "fgh", 3, collect_fn, &c), 0);
	ck_assert_int_eq(etcdgw_lines_feed(&l, "\nz\n\r\n", 5, collect_fn, &c), 0);
	ck_assert_str_eq(c.text, "<abcd><abcd><z>");
	ck_assert_uint_eq(l.toolong, 2);
	/* An unfinished line at the end of a stream stays pending. */
	ck_assert_int_eq(etcdgw_lines_feed(&l, "tail", 4, collect_fn, &c), 0);
	ck_assert_uint_eq(etcdgw_lines_pending(&l), 4);
	etcdgw_lines_free(&l);
}
END_TEST

/* A 5 MiB line in 16 KiB chunks is dropped with a 4 MiB cap; the next line lives. */
START_TEST(test_lines_huge)
{
	size_t big = 5u << 20, chunk = 16384;
	char *data = malloc(big + 8);
	struct etcdgw_lines l;
	struct collect c = {.text = ""};

	ck_assert_ptr_nonnull(data);
	memset(data, 'x', big);
	memcpy(data + big, "\nafter\n", 7);
	etcdgw_lines_init(&l, ETCDGW_LINE_MAX);
	for (size_t off = 0; off < big + 7; off += chunk) {
		size_t n = big + 7 - off < chunk ? big + 7 - off : chunk;

		ck_assert_int_eq(etcdgw_lines_feed(&l, data + off, n, collect_fn, &c), 0);
		ck_assert_uint_le(etcdgw_lines_pending(&l), ETCDGW_LINE_MAX);
	}
	ck_assert_str_eq(c.text, "<after>");
	ck_assert_uint_eq(l.toolong, 1);
	ck_assert_uint_le(l.cap, ETCDGW_LINE_MAX);
	etcdgw_lines_free(&l);
	free(data);
}
END_TEST

static Suite *etcdgw_suite(void)
{
	Suite *s = suite_create("etcdgw");
	TCase *tc;

	tc = tcase_create("bodies");
	tcase_add_loop_test(tc, test_bodies, 0, NVEC(body_vecs));
	tcase_add_test(tc, test_body_big);
	suite_add_tcase(s, tc);

	tc = tcase_create("answers");
	tcase_add_loop_test(tc, test_answers, 0, NVEC(resp_vecs));
	tcase_add_test(tc, test_answer_error_code);
	tcase_add_test(tc, test_answer_binary);
	suite_add_tcase(s, tc);

	tc = tcase_create("watch");
	tcase_add_loop_test(tc, test_watch_lines, 0, NVEC(watch_vecs));
	suite_add_tcase(s, tc);

	tc = tcase_create("lines");
	tcase_add_test(tc, test_lines_chunks);
	tcase_add_test(tc, test_lines_edges);
	tcase_add_test(tc, test_lines_huge);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(etcdgw_suite());
}
