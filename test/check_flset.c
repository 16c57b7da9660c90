/* check_flset: the remote-node set -- revisions, replays, bad records, own keys, full lists. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flset.h"

#include "check_fl.h"
#include "check_run.h"

#define NVEC(v) ((int)(sizeof(v) / sizeof((v)[0])))
#define PFX	"/coreos.com/network/subnets/"

static struct flset *s;

static void setup(void)
{
	static const char text[] =
		"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
	struct flannel_config cfg;
	struct flset_self self = {0};
	char err[FLANNEL_ERRLEN];

	ck_assert(flannel_config_parse(text, strlen(text), &cfg, err));
	ck_assert(ipaddr_parse("192.168.56.41", &self.public_ip));
	ck_assert(mac_parse("0a:58:0a:f4:01:00", &self.vtep_mac));
	s = flset_new(&cfg, "/coreos.com/network/", &self);
	ck_assert_ptr_nonnull(s);
}

static void teardown(void)
{
	flset_free(s);
	s = NULL;
}

static struct flset_result put(const char *key, const char *value, int64_t rev)
{
	char full[256];

	snprintf(full, sizeof(full), PFX "%s", key);
	return flset_put(s, full, strlen(full), value, strlen(value), rev, 77);
}

static struct flset_result del(const char *key, int64_t rev)
{
	char full[256];

	snprintf(full, sizeof(full), PFX "%s", key);
	return flset_del(s, full, strlen(full), rev);
}

/* The node list as text, with revisions. */
static const char *nodes(void)
{
	struct flset_nodes l = {0};
	const char *text;

	ck_assert_int_eq(flset_nodes(s, &l), 0);
	text = fl_nodes_text(&l, true);
	flset_nodes_free(&l);
	return text;
}

static struct flannel_subnet sn(const char *key)
{
	struct flannel_subnet x;

	ck_assert(flannel_key_parse(key, strlen(key), &x));
	return x;
}

START_TEST(test_put_del_revisions)
{
	struct flset_result r;

	ck_assert_str_eq(nodes(), "");
	r = put("10.244.2.0-24", fl_value("192.168.56.42", "0a:58:0a:f4:02:00"), 5);
	ck_assert_int_eq(r.verdict, FLSET_APPLIED);
	ck_assert(r.has_subnet);
	ck_assert_uint_eq(r.subnet.ip, 0x0af40200);
	ck_assert(flset_changed(s));
	ck_assert(!flset_changed(s)); /* once */
	ck_assert_str_eq(nodes(), "10.244.2.0/24=192.168.56.42,0a:58:0a:f4:02:00@5");

	/* The same value again at a newer revision: nothing the tables see. */
	r = put("10.244.2.0-24", fl_value("192.168.56.42", "0a:58:0a:f4:02:00"), 6);
	ck_assert_int_eq(r.verdict, FLSET_SAME);
	ck_assert(!flset_changed(s));
	/* A duplicate and an older replay: ignored. */
	ck_assert_int_eq(
		put("10.244.2.0-24", fl_value("192.168.56.99", "0a:58:0a:f4:09:00"), 6).verdict,
		FLSET_STALE);
	ck_assert_int_eq(
		put("10.244.2.0-24", fl_value("192.168.56.99", "0a:58:0a:f4:09:00"), 3).verdict,
		FLSET_STALE);
	ck_assert_int_eq(del("10.244.2.0-24", 4).verdict, FLSET_STALE);
	ck_assert_uint_eq(flset_stale(s), 3);
	ck_assert_str_eq(nodes(), "10.244.2.0/24=192.168.56.42,0a:58:0a:f4:02:00@6");

	/* A new public IP. */
	ck_assert_int_eq(
		put("10.244.2.0-24", fl_value("192.168.56.52", "0a:58:0a:f4:02:00"), 8).verdict,
		FLSET_APPLIED);
	ck_assert_str_eq(nodes(), "10.244.2.0/24=192.168.56.52,0a:58:0a:f4:02:00@8");

	/* Deleted; then the put before the delete comes again (a replay): stays gone. */
	ck_assert_int_eq(del("10.244.2.0-24", 9).verdict, FLSET_APPLIED);
	ck_assert_str_eq(nodes(), "");
	ck_assert_int_eq(
		put("10.244.2.0-24", fl_value("192.168.56.52", "0a:58:0a:f4:02:00"), 8).verdict,
		FLSET_STALE);
	ck_assert_int_eq(del("10.244.2.0-24", 9).verdict, FLSET_STALE);
	ck_assert_str_eq(nodes(), "");
	ck_assert(!flset_find(s, &(struct flannel_subnet){0x0af40200, 24}, NULL));
	/* Created again later. */
	ck_assert_int_eq(
		put("10.244.2.0-24", fl_value("192.168.56.42", "0a:58:0a:f4:02:00"), 12).verdict,
		FLSET_APPLIED);
	ck_assert_str_eq(nodes(), "10.244.2.0/24=192.168.56.42,0a:58:0a:f4:02:00@12");
	/* A delete of a key never seen: remembered, so its older put is refused. */
	ck_assert_int_eq(del("10.244.3.0-24", 20).verdict, FLSET_SAME);
	ck_assert_int_eq(
		put("10.244.3.0-24", fl_value("192.168.56.43", "0a:58:0a:f4:03:00"), 19).verdict,
		FLSET_STALE);
}
END_TEST

struct bad_vec {
	const char *key;
	const char *value;
	unsigned reason;
};

static const struct bad_vec bad_vecs[] = {
	{"10.244.5.0-24", "not json", FLANNEL_BAD_NOT_JSON},
	{"10.244.5.0-24", "[]", FLANNEL_BAD_NOT_OBJECT},
	{"10.244.5.0-24", "{\"PublicIP\":42}", FLANNEL_BAD_PUBLIC_IP},
	{"10.244.5.0-24", "{\"PublicIP\":\"fd00::45\"}", FLANNEL_BAD_FAMILY},
	{"10.244.5.0-24", "{\"PublicIP\":\"192.168.56.45\",\"BackendType\":\"udp\"}",
	 FLANNEL_BAD_OTHER_TYPE},
	{"10.244.5.0-24",
	 "{\"PublicIP\":\"192.168.56.45\",\"BackendType\":\"vxlan\",\"BackendData\":{\"VtepMAC\":"
	 "\"zz\"}}",
	 FLANNEL_BAD_MAC},
	{"10.244.5.0-24",
	 "{\"PublicIP\":\"192.168.56.45\",\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":\"1\","
	 "\"VtepMAC\":\"0a:58:0a:f4:05:00\"}}",
	 FLANNEL_BAD_VNI},
	{"10.245.5.0-24", NULL, FLANNEL_BAD_OUTSIDE},
	{"10.244.5.0-25", NULL, FLANNEL_BAD_LENGTH},
	{"10.244.0.0-16", NULL, FLANNEL_BAD_LENGTH},
	{"10.244.5.1-24", NULL, FLANNEL_BAD_KEY},
	{"foo", NULL, FLANNEL_BAD_KEY},
	{"10.244.5.0-24/x", NULL, FLANNEL_BAD_KEY},
	{"", NULL, FLANNEL_BAD_KEY},
	/* Someone else with this node's VtepMAC. */
	{"10.244.5.0-24", NULL, FLSET_SKIP_OWN_MAC},
};

/* Each bad record: skipped with its reason, logged the first time only,
 * counted every time, and a node it overwrites keeps its last good values. */
START_TEST(test_bad_records)
{
	const struct bad_vec *v = &bad_vecs[_i];
	const char *value = v->value ? v->value : fl_value("192.168.56.45", "0a:58:0a:f4:05:00");
	struct flset_result r;

	if (v->reason == FLSET_SKIP_OWN_MAC)
		value = fl_value("192.168.56.45", "0a:58:0a:f4:01:00");
	r = put(v->key, value, 10);
	ck_assert_int_eq(r.verdict, FLSET_SKIPPED);
	ck_assert_msg(r.reason == v->reason, "%s: %s, want %s", v->key, flset_skip_name(r.reason),
		      flset_skip_name(v->reason));
	ck_assert(r.first);
	ck_assert_str_eq(nodes(), "");
	r = put(v->key, value, 11);
	ck_assert_int_eq(r.verdict, FLSET_SKIPPED);
	ck_assert(!r.first);
	ck_assert_uint_eq(flset_skipped(s)[v->reason], 2);
	ck_assert_str_ne(flset_skip_text(r.reason), "unknown problem");
	ck_assert(!flset_changed(s));

	if (v->reason == FLANNEL_BAD_KEY || v->reason == FLANNEL_BAD_OUTSIDE ||
	    v->reason == FLANNEL_BAD_LENGTH)
		return;
	/* Over a good node: the node stays as it was. */
	ck_assert_int_eq(put(v->key, fl_value("192.168.56.45", "0a:58:0a:f4:05:00"), 12).verdict,
			 FLSET_APPLIED);
	ck_assert(flset_changed(s));
	r = put(v->key, value, 13);
	ck_assert_int_eq(r.verdict, FLSET_SKIPPED);
	ck_assert(r.first); /* bad again after being good: logged again */
	ck_assert(!flset_changed(s));
	ck_assert_str_eq(nodes(), "10.244.5.0/24=192.168.56.45,0a:58:0a:f4:05:00@12");
	/* Its deletion still removes it. */
	ck_assert_int_eq(del(v->key, 14).verdict, FLSET_APPLIED);
	ck_assert_str_eq(nodes(), "");
}
END_TEST

START_TEST(test_bad_keys_memory)
{
	static const char other[] = "/elsewhere/10.244.1.0-24";
	struct flset_result r;

	ck_assert(put("junk", "x", 5).first);
	ck_assert(!put("junk", "x", 6).first);
	ck_assert(put("junk2", "x", 6).first);
	r = flset_put(s, other, strlen(other), "x", 1, 7, 0);
	ck_assert_int_eq(r.reason, FLANNEL_BAD_KEY);
	ck_assert(r.first);
	/* Deleted: forgotten, so it is logged again if it comes back. */
	ck_assert_int_eq(del("junk", 8).verdict, FLSET_SAME);
	ck_assert(put("junk", "x", 9).first);
	/* A full list without it forgets it too. */
	flset_list_begin(s);
	put("junk2", "x", 6);
	flset_list_end(s, 10);
	ck_assert(put("junk", "x", 11).first);
	ck_assert(!put("junk2", "x", 12).first);
	ck_assert_uint_eq(flset_skipped(s)[FLANNEL_BAD_KEY], 8);
}
END_TEST

/* A 1 MB value is refused unread and counted. */
START_TEST(test_huge_value)
{
	size_t n = 1 << 20;
	char *v = malloc(n + 1), full[] = PFX "10.244.9.0-24";
	struct flset_result r;

	ck_assert_ptr_nonnull(v);
	memset(v, '{', n);
	v[n] = '\0';
	r = flset_put(s, full, strlen(full), v, n, 3, 0);
	ck_assert_int_eq(r.verdict, FLSET_SKIPPED);
	ck_assert_int_eq(r.reason, FLANNEL_BAD_TOO_LARGE);
	free(v);
}
END_TEST

START_TEST(test_own)
{
	struct flannel_subnet own = sn("10.244.1.0-24"), got;
	struct flset_result r;
	int64_t rev, lease;
	struct ipaddr ip, self;
	char a[ADDR_STRLEN];

	ck_assert(ipaddr_parse("192.168.56.41", &self));
	/* Before this node holds a subnet, its PublicIP marks its old lease. */
	r = put("10.244.7.0-24", fl_value("192.168.56.41", "0a:58:0a:f4:07:00"), 4);
	ck_assert_int_eq(r.verdict, FLSET_OWN_IP);
	ck_assert_int_eq(r.lease, 77);
	ck_assert(flset_find_ip(s, &self, &got, &rev, &lease, NULL));
	ck_assert_uint_eq(got.ip, 0x0af40700);
	ck_assert_int_eq(rev, 4);
	ck_assert_int_eq(lease, 77);
	ck_assert_str_eq(nodes(), "");

	/* A remote node on what becomes this node's subnet leaves the list. */
	put("10.244.1.0-24", fl_value("192.168.56.49", "0a:58:0a:f4:09:00"), 5);
	ck_assert_str_eq(nodes(), "10.244.1.0/24=192.168.56.49,0a:58:0a:f4:09:00@5");
	flset_changed(s);
	flset_own(s, &own);
	ck_assert(flset_changed(s));
	ck_assert_str_eq(nodes(), "");

	r = put("10.244.1.0-24", fl_value("192.168.56.41", "0a:58:0a:f4:01:00"), 6);
	ck_assert_int_eq(r.verdict, FLSET_OWN);
	ck_assert(!r.deleted);
	/* Someone else writes this node's key: skipped, and who it was is told. */
	r = put("10.244.1.0-24", fl_value("192.168.56.50", "0a:58:0a:f4:0a:00"), 7);
	ck_assert_int_eq(r.verdict, FLSET_SKIPPED);
	ck_assert_int_eq(r.reason, FLSET_SKIP_OWN_SUBNET);
	ck_assert(r.first);
	ck_assert_str_eq(ipaddr_fmt(&r.public_ip, a), "192.168.56.50");
	ck_assert(!put("10.244.1.0-24", fl_value("192.168.56.50", "0a:58:0a:f4:0a:00"), 8).first);
	ck_assert(flset_find(s, &own, &ip));
	ck_assert_str_eq(ipaddr_fmt(&ip, a), "192.168.56.50");
	r = put("10.244.1.0-24", "garbage", 9);
	ck_assert_int_eq(r.reason, FLANNEL_BAD_NOT_JSON);
	ck_assert_str_eq(nodes(), "");
	r = del("10.244.1.0-24", 10);
	ck_assert_int_eq(r.verdict, FLSET_OWN);
	ck_assert(r.deleted);

	/* Now held: this node's PublicIP elsewhere is a skipped record. */
	r = put("10.244.8.0-24", fl_value("192.168.56.41", "0a:58:0a:f4:08:00"), 11);
	ck_assert_int_eq(r.verdict, FLSET_SKIPPED);
	ck_assert_int_eq(r.reason, FLSET_SKIP_OWN_IP);
	ck_assert(r.first);
	ck_assert_str_eq(nodes(), "");
}
END_TEST

START_TEST(test_list)
{
	struct flannel_subnet *taken;
	uint64_t stale;
	size_t n;

	put("10.244.2.0-24", fl_value("192.168.56.42", "0a:58:0a:f4:02:00"), 3);
	put("10.244.3.0-24", fl_value("192.168.56.43", "0a:58:0a:f4:03:00"), 4);
	put("10.244.4.0-24", fl_value("192.168.56.44", "0a:58:0a:f4:04:00"),
	    15); /* after the list */
	del("10.244.6.0-24", 5);
	flset_changed(s);

	/* The list at revision 10 holds node 2 unchanged, node 3 changed, node 5
	 * new, and no node 4 (created after it was taken). */
	flset_list_begin(s);
	ck_assert_int_eq(
		put("10.244.2.0-24", fl_value("192.168.56.42", "0a:58:0a:f4:02:00"), 3).verdict,
		FLSET_STALE);
	ck_assert_int_eq(
		put("10.244.3.0-24", fl_value("192.168.56.33", "0a:58:0a:f4:03:00"), 9).verdict,
		FLSET_APPLIED);
	ck_assert_int_eq(
		put("10.244.5.0-24", fl_value("192.168.56.45", "0a:58:0a:f4:05:00"), 8).verdict,
		FLSET_APPLIED);
	put("10.244.9.0-25", "x", 7); /* bad, but its key is taken */
	flset_list_end(s, 10);
	ck_assert_str_eq(nodes(), "10.244.2.0/24=192.168.56.42,0a:58:0a:f4:02:00@3 "
				  "10.244.3.0/24=192.168.56.33,0a:58:0a:f4:03:00@9 "
				  "10.244.4.0/24=192.168.56.44,0a:58:0a:f4:04:00@15 "
				  "10.244.5.0/24=192.168.56.45,0a:58:0a:f4:05:00@8");
	ck_assert_int_eq(flset_taken(s, &taken, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(taken[4].len, 25);
	free(taken);

	/* Anything at or before the list's revision is old news now. */
	ck_assert_int_eq(
		put("10.244.7.0-24", fl_value("192.168.56.47", "0a:58:0a:f4:07:00"), 10).verdict,
		FLSET_STALE);
	ck_assert_int_eq(del("10.244.5.0-24", 9).verdict, FLSET_STALE);

	/* The same list again: nothing changes, and no event counts as stale. */
	flset_changed(s);
	stale = flset_stale(s);
	flset_list_begin(s);
	put("10.244.2.0-24", fl_value("192.168.56.42", "0a:58:0a:f4:02:00"), 3);
	put("10.244.3.0-24", fl_value("192.168.56.33", "0a:58:0a:f4:03:00"), 9);
	put("10.244.4.0-24", fl_value("192.168.56.44", "0a:58:0a:f4:04:00"), 15);
	put("10.244.5.0-24", fl_value("192.168.56.45", "0a:58:0a:f4:05:00"), 8);
	flset_list_end(s, 20);
	ck_assert(!flset_changed(s));
	ck_assert_uint_eq(flset_stale(s), stale);

	/* An empty list removes every node it does not name. */
	flset_list_begin(s);
	flset_list_end(s, 30);
	ck_assert(flset_changed(s));
	ck_assert_str_eq(nodes(), "");
	ck_assert_int_eq(flset_taken(s, &taken, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(taken);
}
END_TEST

/* A long random stream of puts and deletes, each sent one to three times and
 * shuffled a little (as a watch replays after a break): the set ends where
 * applying the stream in order once ends. */
struct ev {
	bool del;
	int key, ip;
	int64_t rev;
};

START_TEST(test_replays_random)
{
	struct ev ev[400], in[1200];
	bool present[8] = {0};
	int ipof[8] = {0};
	char want[2048] = "", key[32], ip[32], mac[32];
	size_t n = 0;
	uint32_t seed = 99;

	for (int i = 0; i < 400; i++) {
		seed = seed * 1103515245u + 12345u;
		ev[i].key = (int)(seed >> 16) % 8;
		ev[i].del = (seed >> 8) % 3 == 0;
		ev[i].ip = (int)(seed >> 20) % 5;
		ev[i].rev = i + 1;
		present[ev[i].key] = !ev[i].del;
		ipof[ev[i].key] = ev[i].ip;
	}
	for (int i = 0; i < 400; i++) {
		int copies = 1 + (int)(i * 7 % 3);

		for (int c = 0; c < copies; c++)
			in[n++] = ev[i];
	}
	/* Swap neighbours now and then: late duplicates. */
	for (size_t i = 1; i < n; i += 5) {
		struct ev t = in[i];

		in[i] = in[i - 1];
		in[i - 1] = t;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "10.244.%d.0-24", 10 + in[i].key);
		snprintf(ip, sizeof(ip), "192.168.56.%d", 100 + in[i].ip);
		snprintf(mac, sizeof(mac), "0a:58:0a:f4:%02x:00", 10 + in[i].key);
		if (in[i].del)
			del(key, in[i].rev);
		else
			put(key, fl_value(ip, mac), in[i].rev);
	}
	/* What the in-order stream leaves (revisions differ; compare without them). */
	for (int k = 0; k < 8; k++) {
		size_t len = strlen(want);

		if (present[k])
			snprintf(want + len, sizeof(want) - len, "%s10.244.%d.0/24=192.168.56.%d",
				 len ? " " : "", 10 + k, 100 + ipof[k]);
	}
	{
		struct flset_nodes l = {0};
		char got[2048] = "", a[ADDR_STRLEN], c[FLANNEL_CIDRLEN];

		ck_assert_int_eq(flset_nodes(s, &l), 0);
		for (size_t i = 0; i < l.n; i++) {
			size_t len = strlen(got);

			snprintf(got + len, sizeof(got) - len, "%s%s=%s", len ? " " : "",
				 flannel_cidr_format(&l.v[i].subnet, c),
				 ipaddr_fmt(&l.v[i].public_ip, a));
		}
		flset_nodes_free(&l);
		ck_assert_str_eq(got, want);
	}
	/* The swaps put some events late: only the event at the end of a swapped
	 * pair whose key changed in between could differ, and it did not. */
	ck_assert_uint_gt(flset_stale(s), 400);
}
END_TEST

START_TEST(test_nodes_copy)
{
	struct flset_nodes a = {0}, b = {0};

	put("10.244.2.0-24", fl_value("192.168.56.42", "0a:58:0a:f4:02:00"), 3);
	ck_assert_int_eq(flset_nodes(s, &a), 0);
	ck_assert_int_eq(flset_nodes_copy(&b, &a), 0);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_mem_eq(b.v, a.v, sizeof(*a.v));
	flset_nodes_free(&a);
	ck_assert_int_eq(flset_nodes_copy(&b, &a), 0);
	ck_assert_uint_eq(b.n, 0);
	flset_nodes_free(&b);
	ck_assert_str_eq(flset_skip_name(FLSET_SKIP_OWN_IP), "own_public_ip");
	ck_assert_str_eq(flset_skip_name(FLANNEL_BAD_MAC), "bad_mac");
	ck_assert_str_eq(flset_skip_name(999), "unknown");
}
END_TEST

/* A lease for node ip (VtepMAC mac) publishing key (NULL: none). */
static const char *keyed_value(const char *ip, const char *mac, const uint8_t *key)
{
	static char buf[2][FLANNEL_LEASE_MAX];
	static int k;
	struct flannel_lease l = {.vni = 1};

	k ^= 1;
	ck_assert(ipaddr_parse(ip, &l.public_ip));
	ck_assert(mac_parse(mac, &l.vtep_mac));
	if (key != NULL) {
		l.has_pubkey = true;
		memcpy(l.pubkey, key, FLANNEL_PUBKEY_LEN);
	}
	flannel_lease_format(&l, buf[k]);
	return buf[k];
}

/* Secure mode: a lease without a key is no node (skipped as no_pubkey), one
 * with a key is, a node that drops its key goes, a new key is a change. */
START_TEST(test_need_key)
{
	static const char text[] =
		"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
	uint8_t k1[FLANNEL_PUBKEY_LEN], k2[FLANNEL_PUBKEY_LEN];
	struct flannel_config cfg;
	struct flset_self self = {.need_key = true};
	struct flset_nodes l = {0};
	struct flset_result r;
	char err[FLANNEL_ERRLEN];

	memset(k1, 0x11, sizeof(k1));
	memset(k2, 0x22, sizeof(k2));
	flset_free(s);
	ck_assert(flannel_config_parse(text, strlen(text), &cfg, err));
	ck_assert(ipaddr_parse("192.168.56.41", &self.public_ip));
	ck_assert(mac_parse("0a:58:0a:f4:01:00", &self.vtep_mac));
	s = flset_new(&cfg, "/coreos.com/network/", &self);
	ck_assert_ptr_nonnull(s);

	r = put("10.244.5.0-24", keyed_value("192.168.56.45", "0a:58:0a:f4:05:00", NULL), 10);
	ck_assert_int_eq(r.verdict, FLSET_SKIPPED);
	ck_assert_str_eq(flset_skip_name(r.reason), "no_pubkey");
	ck_assert_str_eq(nodes(), "");
	r = put("10.244.5.0-24", keyed_value("192.168.56.45", "0a:58:0a:f4:05:00", k1), 11);
	ck_assert_int_eq(r.verdict, FLSET_APPLIED);
	ck_assert_int_eq(flset_nodes(s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert(l.v[0].has_pubkey);
	ck_assert_mem_eq(l.v[0].pubkey, k1, sizeof(k1));
	r = put("10.244.5.0-24", keyed_value("192.168.56.45", "0a:58:0a:f4:05:00", k2), 12);
	ck_assert_int_eq(r.verdict, FLSET_APPLIED);
	ck_assert_int_eq(flset_nodes(s, &l), 0);
	ck_assert_mem_eq(l.v[0].pubkey, k2, sizeof(k2));
	flset_nodes_free(&l);
	/* The key gone: so is the node. */
	r = put("10.244.5.0-24", keyed_value("192.168.56.45", "0a:58:0a:f4:05:00", NULL), 13);
	ck_assert_int_eq(r.verdict, FLSET_SKIPPED);
	ck_assert(flset_changed(s));
	ck_assert_str_eq(nodes(), "");
	ck_assert_uint_eq(flset_skipped(s)[r.reason], 2);
}
END_TEST

static Suite *flset_suite(void)
{
	Suite *su = suite_create("flset");
	TCase *tc = tcase_create("set");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_put_del_revisions);
	tcase_add_loop_test(tc, test_bad_records, 0, NVEC(bad_vecs));
	tcase_add_test(tc, test_bad_keys_memory);
	tcase_add_test(tc, test_huge_value);
	tcase_add_test(tc, test_own);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_replays_random);
	tcase_add_test(tc, test_nodes_copy);
	tcase_add_test(tc, test_need_key);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	return check_run(flset_suite());
}
