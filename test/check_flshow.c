/* check_flshow: lease show, etcd show and route show, text and JSON, from a control plane state. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "flshow.h"

#include "check_run.h"

static struct flset_node node(const char *sn, const char *ip, const char *mac)
{
	struct flset_node n;
	char k[32];

	memset(&n, 0, sizeof(n));
	snprintf(k, sizeof(k), "%s", sn);
	k[strcspn(k, "/")] = '-';
	ck_assert(flannel_key_parse(k, strlen(k), &n.subnet));
	ck_assert(ipaddr_parse(ip, &n.public_ip));
	ck_assert(mac_parse(mac, &n.vtep_mac));
	return n;
}

static struct flshow state(struct flset_nodes *routes)
{
	struct flshow s;

	memset(&s, 0, sizeof(s));
	s.phase = FLNET_HELD;
	s.lease.held = true;
	ck_assert(flannel_key_parse("10.244.7.0-24", 13, &s.lease.subnet));
	s.lease.lease_id = 694;
	s.lease.expiry_ms = 86400000 + 1000;
	ck_assert(ipaddr_parse("192.168.56.41", &s.public_ip));
	ck_assert(mac_parse("0a:58:0a:f4:07:00", &s.vtep_mac));
	s.endpoint = "http://192.168.56.11:2379";
	s.dev = "flannel.1";
	s.stats.connected = true;
	s.stats.revision = 42;
	s.stats.events = 3;
	s.stats.last_event_ms = 500;
	s.routes = routes;
	return s;
}

static const char *run(void (*fn)(struct ctlproto_buf *, const struct flshow *),
		       const struct flshow *s, struct ctlproto_buf *out)
{
	out->len = 0;
	fn(out, s);
	ck_assert(!out->failed);
	return out->data;
}

static void lease_text(struct ctlproto_buf *o, const struct flshow *s)
{
	flshow_lease(s, CTLPROTO_TEXT, 1000, o);
}

static void lease_json(struct ctlproto_buf *o, const struct flshow *s)
{
	flshow_lease(s, CTLPROTO_JSON, 1000, o);
}

static void etcd_text(struct ctlproto_buf *o, const struct flshow *s)
{
	flshow_etcd(s, CTLPROTO_TEXT, 2750, o);
}

static void etcd_json(struct ctlproto_buf *o, const struct flshow *s)
{
	flshow_etcd(s, CTLPROTO_JSON, 2750, o);
}

static void routes_text(struct ctlproto_buf *o, const struct flshow *s)
{
	flshow_routes(s, CTLPROTO_TEXT, o);
}

static void routes_json(struct ctlproto_buf *o, const struct flshow *s)
{
	flshow_routes(s, CTLPROTO_JSON, o);
}

START_TEST(test_lease)
{
	struct ctlproto_buf out = {0};
	struct flshow s = state(NULL);

	ck_assert_str_eq(run(lease_text, &s, &out),
			 "subnet 10.244.7.0/24 lease 694 expires_in 86400s public_ip 192.168.56.41 "
			 "vtep_mac 0a:58:0a:f4:07:00 phase held\n");
	ck_assert_str_eq(
		run(lease_json, &s, &out),
		"{\"held\":true,\"subnet\":\"10.244.7.0/24\",\"lease_id\":\"694\","
		"\"expires_in_s\":86400,\"public_ip\":\"192.168.56.41\","
		"\"vtep_mac\":\"0a:58:0a:f4:07:00\",\"contested\":false,\"phase\":\"held\"}\n");
	/* Not held yet: no subnet, and null in JSON. */
	s.lease.held = false;
	s.phase = FLNET_CONFIG;
	ck_assert_ptr_nonnull(strstr(run(lease_text, &s, &out), "subnet none "));
	ck_assert_ptr_nonnull(strstr(run(lease_json, &s, &out), "\"subnet\":null,"));
	ck_assert_ptr_nonnull(strstr(out.data, "\"phase\":\"config\""));
	ctlproto_buf_free(&out);
}
END_TEST

START_TEST(test_etcd)
{
	struct ctlproto_buf out = {0};
	struct flshow s = state(NULL);

	ck_assert_str_eq(
		run(etcd_text, &s, &out),
		"endpoint http://192.168.56.11:2379 connected revision 42 last_event 2.2s ago "
		"events 3 stale 0 reconnects 0 resyncs 0 failures 0 bad_lines 0 renewals 0 "
		"lease_losses 0 phase held\n");
	ck_assert_ptr_nonnull(
		strstr(run(etcd_json, &s, &out),
		       "{\"endpoint\":\"http://192.168.56.11:2379\",\"connected\":true,"
		       "\"revision\":42,\"last_event_age_ms\":2250,\"events\":3,"));
	s.stats.last_event_ms = 0;
	s.stats.connected = false;
	ck_assert_ptr_nonnull(
		strstr(run(etcd_text, &s, &out), " disconnected revision 42 last_event never "));
	ck_assert_ptr_nonnull(strstr(run(etcd_json, &s, &out), "\"last_event_age_ms\":null,"));
	ctlproto_buf_free(&out);
}
END_TEST

START_TEST(test_routes)
{
	struct ctlproto_buf out = {0};
	struct flset_node v[2] = {node("10.244.2.0/24", "192.168.56.42", "0a:58:0a:f4:02:00"),
				  node("10.244.3.0/24", "192.168.56.43", "0a:58:0a:f4:03:00")};
	struct flset_nodes nodes = {v, 2}, none = {NULL, 0};
	struct flshow s = state(&nodes);

	ck_assert_str_eq(
		run(routes_text, &s, &out),
		"10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink public_ip 192.168.56.42 "
		"vtep_mac 0a:58:0a:f4:02:00\n"
		"10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink public_ip 192.168.56.43 "
		"vtep_mac 0a:58:0a:f4:03:00\n");
	ck_assert_str_eq(
		run(routes_json, &s, &out),
		"[{\"dst\":\"10.244.2.0/24\",\"gateway\":\"10.244.2.0\",\"dev\":\"flannel.1\","
		"\"public_ip\":\"192.168.56.42\",\"vtep_mac\":\"0a:58:0a:f4:02:00\"},"
		"{\"dst\":\"10.244.3.0/24\",\"gateway\":\"10.244.3.0\",\"dev\":\"flannel.1\","
		"\"public_ip\":\"192.168.56.43\",\"vtep_mac\":\"0a:58:0a:f4:03:00\"}]\n");
	s.routes = &none;
	ck_assert_str_eq(run(routes_json, &s, &out), "[]\n");
	run(routes_text, &s, &out);
	ck_assert_uint_eq(out.len, 0);
	ctlproto_buf_free(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("flshow");
	TCase *tc = tcase_create("show");

	tcase_add_test(tc, test_lease);
	tcase_add_test(tc, test_etcd);
	tcase_add_test(tc, test_routes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
