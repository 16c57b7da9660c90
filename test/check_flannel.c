/* check_flannel: flannel's records -- config, lease values, subnet keys, allocation, subnet file.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flannel.h"

#include "check_run.h"

#define NVEC(v) ((int)(sizeof(v) / sizeof((v)[0])))

static const char *quad(uint32_t ip, char buf[static FLANNEL_CIDRLEN])
{
	struct flannel_subnet sn = {ip, 32};

	flannel_cidr_format(&sn, buf);
	*strchr(buf, '/') = '\0';
	return buf;
}

static void cfg_summary(const struct flannel_config *c, char *out, size_t size)
{
	char n[FLANNEL_CIDRLEN], a[FLANNEL_CIDRLEN], b[FLANNEL_CIDRLEN];

	snprintf(out, size, "net=%s len=%u min=%s max=%s vni=%u port=%u mtu=%u dr=%d",
		 flannel_cidr_format(&c->network, n), c->subnet_len, quad(c->subnet_min, a),
		 quad(c->subnet_max, b), c->vni, c->port, c->mtu, c->direct_routing);
}

static struct flannel_config std_cfg(void)
{
	struct flannel_config c;
	char err[FLANNEL_ERRLEN];
	static const char text[] =
		"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";

	ck_assert_msg(flannel_config_parse(text, strlen(text), &c, err), "%s", err);
	return c;
}

/* --- config ------------------------------------------------------------ */

struct cfg_vec {
	const char *text;
	const char *want; /* summary, or the error line */
};

static const struct cfg_vec cfg_ok[] = {
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "net=10.244.0.0/16 len=24 min=10.244.1.0 max=10.244.255.0 vni=1 port=8472 mtu=0 dr=0"},
	{" \n{\"Network\": \"10.244.0.0/16\", \"SubnetLen\": 26, \"Backend\": {\"Type\": "
	 "\"vxlan\", "
	 "\"VNI\": 42, \"Port\": 4789, \"MTU\": 1500, \"DirectRouting\": true, \"Learning\": "
	 "false, \"GBP\": false}}\n",
	 "net=10.244.0.0/16 len=26 min=10.244.0.64 max=10.244.255.192 vni=42 port=4789 mtu=1500 "
	 "dr=1"},
	/* flannel's default lengths: /24 up to a /22 Network, else Network + 2. */
	{"{\"Network\":\"10.0.0.0/22\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "net=10.0.0.0/22 len=24 min=10.0.1.0 max=10.0.3.0 vni=1 port=8472 mtu=0 dr=0"},
	{"{\"Network\":\"10.0.0.0/23\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "net=10.0.0.0/23 len=25 min=10.0.0.128 max=10.0.1.128 vni=1 port=8472 mtu=0 dr=0"},
	{"{\"Network\":\"10.0.0.0/28\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "net=10.0.0.0/28 len=30 min=10.0.0.4 max=10.0.0.12 vni=1 port=8472 mtu=0 dr=0"},
	{"{\"Network\":\"10.0.0.0/8\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "net=10.0.0.0/8 len=24 min=10.0.1.0 max=10.255.255.0 vni=1 port=8472 mtu=0 dr=0"},
	/* Go's ParseCIDR clears host bits. */
	{"{\"Network\":\"10.244.7.7/16\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "net=10.244.0.0/16 len=24 min=10.244.1.0 max=10.244.255.0 vni=1 port=8472 mtu=0 dr=0"},
	{"{\"Network\":\"10.244.0.0/"
	 "16\",\"SubnetMin\":\"10.244.10.0\",\"SubnetMax\":\"10.244.20.0\","
	 "\"Backend\":{\"Type\":\"vxlan\"}}",
	 "net=10.244.0.0/16 len=24 min=10.244.10.0 max=10.244.20.0 vni=1 port=8472 mtu=0 dr=0"},
	/* 0.0.0.0 means "not set"; null leaves numbers and booleans at their default. */
	{"{\"Network\":\"10.244.0.0/16\",\"SubnetMin\":\"0.0.0.0\",\"SubnetLen\":null,"
	 "\"EnableIPv6\":null,\"EnableIPv4\":true,\"Backend\":{\"Type\":\"vxlan\",\"VNI\":null,"
	 "\"Port\":0}}",
	 "net=10.244.0.0/16 len=24 min=10.244.1.0 max=10.244.255.0 vni=1 port=8472 mtu=0 dr=0"},
	/* Member names match ignoring case; the backend type too. Unknown members are ignored. */
	{"{\"network\":\"10.244.0.0/16\",\"BACKEND\":{\"type\":\"VXLAN\",\"vni\":3},\"Other\":[1]}",
	 "net=10.244.0.0/16 len=24 min=10.244.1.0 max=10.244.255.0 vni=3 port=8472 mtu=0 dr=0"},
	{"{\"Network\":\"10.244.0.0/16\",\"EnableIPv6\":false,\"IPv6Network\":\"fd00::/48\","
	 "\"Backend\":{\"Type\":\"vxlan\",\"VNI\":0,\"Port\":65535,\"MTU\":118}}",
	 "net=10.244.0.0/16 len=24 min=10.244.1.0 max=10.244.255.0 vni=0 port=65535 mtu=118 dr=0"},
	/* The last of two members with the same name wins, as in Go. */
	{"{\"Network\":\"10.1.0.0/16\",\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":"
	 "\"vxlan\"}}",
	 "net=10.244.0.0/16 len=24 min=10.244.1.0 max=10.244.255.0 vni=1 port=8472 mtu=0 dr=0"},
};

static const struct cfg_vec cfg_bad[] = {
	{"", "config: not JSON (empty document)"},
	{"   \n", "config: not JSON (empty document)"},
	{"null", "config: the value is null, not a JSON object"},
	{"[1]", "config: the value is [1], not a JSON object"},
	{"\"x\"", "config: the value is \"x\", not a JSON object"},
	{"{\"Backend\":{\"Type\":\"vxlan\"}}", "config: Network is missing"},
	{"{\"Network\":42,\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: Network is 42, not a CIDR string such as \"10.244.0.0/16\""},
	{"{\"Network\":null,\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: Network is null, not a CIDR string such as \"10.244.0.0/16\""},
	{"{\"Network\":\"10.244.0.0\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: Network \"10.244.0.0\" is not an IPv4 CIDR such as \"10.244.0.0/16\""},
	{"{\"Network\":\"fd00::/48\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: Network \"fd00::/48\" is not an IPv4 CIDR such as \"10.244.0.0/16\""},
	{"{\"Network\":\"10.244.0.0/33\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: Network \"10.244.0.0/33\" is not an IPv4 CIDR such as \"10.244.0.0/16\""},
	{"{\"Network\":\"0.0.0.0/0\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: Network \"0.0.0.0/0\" is empty"},
	{"{\"Network\":\"10.0.0.0/29\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: Network 10.0.0.0/29 is too small (flannel needs /28 or larger)"},
	{"{\"Network\":\"10.244.0.0/16\",\"SubnetLen\":31,\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: SubnetLen 31 is too long (at most 30)"},
	{"{\"Network\":\"10.244.0.0/16\",\"SubnetLen\":17,\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: SubnetLen 17 leaves Network 10.244.0.0/16 fewer than four subnets (it must be at "
	 "least 18)"},
	{"{\"Network\":\"10.244.0.0/16\",\"SubnetLen\":\"24\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: SubnetLen is \"24\", not an integer"},
	{"{\"Network\":\"10.244.0.0/16\",\"SubnetLen\":24.0,\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: SubnetLen is 24.0, not an integer"},
	{"{\"Network\":\"10.244.0.0/16\",\"SubnetLen\":-1,\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: SubnetLen -1 is out of range (0-9223372036854775807)"},
	{"{\"Network\":\"10.244.0.0/16\",\"SubnetMin\":\"10.245.0.0\",\"Backend\":{\"Type\":"
	 "\"vxlan\"}}",
	 "config: SubnetMin 10.245.0.0 is outside Network 10.244.0.0/16"},
	{"{\"Network\":\"10.244.0.0/16\",\"SubnetMax\":\"10.244.1.5\",\"Backend\":{\"Type\":"
	 "\"vxlan\"}}",
	 "config: SubnetMax 10.244.1.5 is not on a /24 boundary"},
	{"{\"Network\":\"10.244.0.0/16\",\"SubnetMin\":null,\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: SubnetMin is null, not an IPv4 address string"},
	{"{\"Network\":\"10.244.0.0/16\",\"SubnetMin\":\"ten\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: SubnetMin \"ten\" is not an IPv4 address"},
	{"{\"Network\":\"10.244.0.0/16\",\"SubnetMin\":\"10.244.9.0\",\"SubnetMax\":\"10.244.2.0\","
	 "\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: SubnetMin 10.244.9.0 is after SubnetMax 10.244.2.0"},
	{"{\"Network\":\"10.244.0.0/16\"}",
	 "config: Backend is missing (flannel then uses \"udp\"); vxtap speaks only vxlan"},
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":null}",
	 "config: Backend is null; vxtap speaks only vxlan"},
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":\"vxlan\"}",
	 "config: Backend is \"vxlan\", not an object"},
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"udp\"}}",
	 "config: Backend.Type is \"udp\"; vxtap speaks only vxlan"},
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan \"}}",
	 "config: Backend.Type is \"vxlan \"; vxtap speaks only vxlan"},
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"VNI\":1}}",
	 "config: Backend.Type is missing; vxtap speaks only vxlan"},
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":1}}",
	 "config: Backend.Type is 1, not a string"},
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"VNI\":\"1\"}}",
	 "config: Backend.VNI is \"1\", not an integer"},
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"VNI\":16777216}}",
	 "config: Backend.VNI 16777216 is out of range (0-16777215)"},
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"VNI\":-1}}",
	 "config: Backend.VNI -1 is out of range (0-16777215)"},
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"Port\":65536}}",
	 "config: Backend.Port 65536 is out of range (0-65535)"},
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"MTU\":67}}",
	 "config: Backend.MTU 67 is too small (at least 68, or 0)"},
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"GBP\":true}}",
	 "config: Backend.GBP is true; vxtap does not speak VXLAN-GBP"},
	{"{\"Network\":\"10.244.0.0/"
	 "16\",\"Backend\":{\"Type\":\"vxlan\",\"DirectRouting\":\"yes\"}}",
	 "config: Backend.DirectRouting is \"yes\", not true or false"},
	{"{\"Network\":\"10.244.0.0/16\",\"EnableIPv6\":true,\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: EnableIPv6 is true; vxtap does not support dual stack (IPv4 networks only)"},
	{"{\"Network\":\"10.244.0.0/16\",\"EnableIPv4\":false,\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: EnableIPv4 is false; vxtap needs an IPv4 Network"},
	{"{\"Network\":\"10.244.0.0/16\",\"EnableIPv6\":\"true\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: EnableIPv6 is \"true\", not true or false"},
	{"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}} x",
	 "config: not JSON (unexpected character at byte 55)"},
	/* Control bytes are escaped in the message. */
	{"{\"Network\":\"10.244\\n.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}",
	 "config: Network \"10.244\\x0a.0.0/16\" is not an IPv4 CIDR such as \"10.244.0.0/16\""},
};

START_TEST(test_config_ok)
{
	const struct cfg_vec *v = &cfg_ok[_i];
	struct flannel_config c;
	char err[FLANNEL_ERRLEN], got[256];

	ck_assert_msg(flannel_config_parse(v->text, strlen(v->text), &c, err), "%s: %s", v->text,
		      err);
	cfg_summary(&c, got, sizeof(got));
	ck_assert_str_eq(got, v->want);
}
END_TEST

START_TEST(test_config_bad)
{
	const struct cfg_vec *v = &cfg_bad[_i];
	struct flannel_config c;
	char err[FLANNEL_ERRLEN];

	ck_assert_msg(!flannel_config_parse(v->text, strlen(v->text), &c, err), "%s", v->text);
	ck_assert_str_eq(err, v->want);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_uint_eq(c.subnet_len, 0); /* nothing of a bad config is kept */
}
END_TEST

/* Malformed JSON of every kind is "not JSON", with json-c's reason. */
START_TEST(test_config_not_json)
{
	static const char *const texts[] = {
		"{",
		"{\"Network\":}",
		"{'Network':'10.244.0.0/16'}",
		"{\"a\":1,}",
		"nul",
		"{\"Network\":\"10.244.0.0/16\" /* c */}",
		"\x01",
	};
	struct flannel_config c;
	char err[FLANNEL_ERRLEN], deep[200];
	size_t n = 0;

	for (int i = 0; i < NVEC(texts); i++) {
		ck_assert_msg(!flannel_config_parse(texts[i], strlen(texts[i]), &c, err), "%s",
			      texts[i]);
		ck_assert_msg(strncmp(err, "config: not JSON (", 18) == 0, "%s: %s", texts[i], err);
	}
	/* Nesting deeper than json-c's limit. */
	for (int i = 0; i < 40; i++)
		deep[n++] = '[';
	for (int i = 0; i < 40; i++)
		deep[n++] = ']';
	ck_assert(!flannel_config_parse(deep, n, &c, err));
	ck_assert_msg(strncmp(err, "config: not JSON (", 18) == 0, "%s", err);
	/* An embedded NUL ends nothing: the length counts. */
	ck_assert(!flannel_config_parse("{}\0{}", 5, &c, err));
	ck_assert_msg(strncmp(err, "config: not JSON (", 18) == 0, "%s", err);
}
END_TEST

START_TEST(test_config_agrees)
{
	struct flannel_config c = std_cfg();
	struct flannel_cli cli = {0};
	char err[FLANNEL_ERRLEN];

	ck_assert(flannel_config_agrees(&c, &cli, err));
	cli = (struct flannel_cli){.has_vni = true, .vni = 1, .has_port = true, .port = 8472};
	ck_assert(flannel_config_agrees(&c, &cli, err));
	cli.vni = 2;
	ck_assert(!flannel_config_agrees(&c, &cli, err));
	ck_assert_str_eq(err, "config: Backend.VNI is 1 but --vni is 2");
	cli.vni = 1;
	cli.port = 4789;
	ck_assert(!flannel_config_agrees(&c, &cli, err));
	ck_assert_str_eq(err, "config: Backend.Port gives port 8472 but --port is 4789");
	/* --mtu is the TAP's, as Backend.MTU is the vxlan device's. No
	 * Backend.MTU: anything goes. */
	cli = (struct flannel_cli){.has_mtu = true, .mtu = 1400};
	ck_assert(flannel_config_agrees(&c, &cli, err));
	c.mtu = 1450;
	ck_assert(!flannel_config_agrees(&c, &cli, err));
	ck_assert_str_eq(err, "config: Backend.MTU is 1450 but --mtu is 1400");
	cli.mtu = 1450;
	ck_assert(flannel_config_agrees(&c, &cli, err));
}
END_TEST

START_TEST(test_tap_mtu)
{
	struct flannel_config c = std_cfg();

	ck_assert_uint_eq(flannel_tap_mtu(&c, 1500, 0), 1450);
	ck_assert_uint_eq(flannel_tap_mtu(&c, 1500, 32), 1418);
	ck_assert_uint_eq(flannel_tap_mtu(&c, 9000, 0), 8950);
	ck_assert_uint_eq(flannel_tap_mtu(&c, 100, 0), 0);
	c.mtu = 1400;
	ck_assert_uint_eq(flannel_tap_mtu(&c, 9000, 0), 1400);
	ck_assert_uint_eq(flannel_tap_mtu(&c, 9000, 32), 1400);
}
END_TEST

/* --- lease values ------------------------------------------------------ */

/* What flanneld writes (vxlan.go newSubnetAttrs, json.Marshal). */
static const char flannel_value[] = "{\"PublicIP\":\"192.168.56.41\",\"PublicIPv6\":null,"
				    "\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":1,"
				    "\"VtepMAC\":\"0a:58:0a:f4:01:00\"}}";

/* 32 bytes 0x00..0x1f in base64. */
static const char key_b64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

struct lease_vec {
	const char *text;
	enum flannel_bad want;
	const char *summary; /* for good ones */
};

static void lease_summary(const struct flannel_lease *l, char *out, size_t size)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN], m[MAC_STRLEN];

	snprintf(out, size, "ip=%s v6=%s vni=%u mac=%s key=%d", ipaddr_fmt(&l->public_ip, a),
		 l->has_public_ipv6 ? ipaddr_fmt(&l->public_ipv6, b) : "-", l->vni,
		 mac_fmt(&l->vtep_mac, m), l->has_pubkey ? l->pubkey[31] : -1);
}

#define LV(pub, data) "{\"PublicIP\":" pub ",\"BackendType\":\"vxlan\",\"BackendData\":" data "}"
#define MACV(mac)     LV("\"192.168.56.42\"", "{\"VNI\":1,\"VtepMAC\":" mac "}")

static const struct lease_vec lease_vecs[] = {
	{flannel_value, FLANNEL_BAD_NONE,
	 "ip=192.168.56.41 v6=- vni=1 mac=0a:58:0a:f4:01:00 key=-1"},
	/* A dual-stack flanneld's value: read, the IPv6 half unused. */
	{"{\"PublicIP\":\"192.168.56.43\",\"PublicIPv6\":\"fd00::43\",\"BackendType\":\"vxlan\","
	 "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0a:58:0a:f4:03:00\"},\"BackendV6Data\":{\"VNI\":"
	 "1,\"VtepMAC\":\"0a:58:0a:f4:03:01\"}}",
	 FLANNEL_BAD_NONE, "ip=192.168.56.43 v6=fd00::43 vni=1 mac=0a:58:0a:f4:03:00 key=-1"},
	{"{\"publicip\":\"192.168.56.44\",\"backendtype\":\"vxlan\",\"backenddata\":{\"vni\":7,"
	 "\"vtepmac\":\"0A-58-0A-F4-04-00\"}}",
	 FLANNEL_BAD_NONE, "ip=192.168.56.44 v6=- vni=7 mac=0a:58:0a:f4:04:00 key=-1"},
	{MACV("\"0a58.0af4.0500\""), FLANNEL_BAD_NONE,
	 "ip=192.168.56.42 v6=- vni=1 mac=0a:58:0a:f4:05:00 key=-1"},
	{LV("\"192.168.56.42\"", "{\"VtepMAC\":\"0a:58:0a:f4:01:00\",\"VNI\":null}"),
	 FLANNEL_BAD_NONE, "ip=192.168.56.42 v6=- vni=0 mac=0a:58:0a:f4:01:00 key=-1"},
	{LV("\"192.168.56.42\"",
	    "{\"VNI\":16777215,\"VtepMAC\":\"0a:58:0a:f4:01:00\","
	    "\"VxtapPublicKey\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\","
	    "\"Future\":[1,2]}"),
	 FLANNEL_BAD_NONE, "ip=192.168.56.42 v6=- vni=16777215 mac=0a:58:0a:f4:01:00 key=31"},
	{LV("\"192.168.56.42\"", "{\"VNI\":1,\"VtepMAC\":\"0a:58:0a:f4:01:00\","
				 "\"VxtapPublicKey\":null}"),
	 FLANNEL_BAD_NONE, "ip=192.168.56.42 v6=- vni=1 mac=0a:58:0a:f4:01:00 key=-1"},

	{"", FLANNEL_BAD_NOT_JSON, NULL},
	{"{", FLANNEL_BAD_NOT_JSON, NULL},
	{"hello", FLANNEL_BAD_NOT_JSON, NULL},
	{"{\"PublicIP\":\"192.168.56.41\"}}", FLANNEL_BAD_NOT_JSON, NULL},
	{"[]", FLANNEL_BAD_NOT_OBJECT, NULL},
	{"null", FLANNEL_BAD_NOT_OBJECT, NULL},
	{"42", FLANNEL_BAD_NOT_OBJECT, NULL},
	{"\"192.168.56.41\"", FLANNEL_BAD_NOT_OBJECT, NULL},
	{"{\"BackendType\":\"vxlan\"}", FLANNEL_BAD_PUBLIC_IP, NULL},
	{LV("42", "{}"), FLANNEL_BAD_PUBLIC_IP, NULL},
	{LV("null", "{}"), FLANNEL_BAD_PUBLIC_IP, NULL},
	{LV("\"192.168.56\"", "{}"), FLANNEL_BAD_PUBLIC_IP, NULL},
	{LV("\"192.168.056.41\"", "{}"), FLANNEL_BAD_PUBLIC_IP, NULL},
	{LV("\"0.0.0.0\"", "{}"), FLANNEL_BAD_PUBLIC_IP, NULL},
	{LV("\"224.0.0.1\"", "{}"), FLANNEL_BAD_PUBLIC_IP, NULL},
	{LV("\"255.255.255.255\"", "{}"), FLANNEL_BAD_PUBLIC_IP, NULL},
	{LV("\"fd00::41\"", "{}"), FLANNEL_BAD_FAMILY, NULL},
	{LV("\"fd00::zz\"", "{}"), FLANNEL_BAD_PUBLIC_IP, NULL},
	{"{\"PublicIP\":\"192.168.56.41\",\"PublicIPv6\":\"192.168.56.41\"}",
	 FLANNEL_BAD_PUBLIC_IPV6, NULL},
	{"{\"PublicIP\":\"192.168.56.41\",\"PublicIPv6\":6}", FLANNEL_BAD_PUBLIC_IPV6, NULL},
	{"{\"PublicIP\":\"192.168.56.41\",\"BackendType\":1}", FLANNEL_BAD_BACKEND_TYPE, NULL},
	{"{\"PublicIP\":\"192.168.56.41\"}", FLANNEL_BAD_OTHER_TYPE, NULL},
	{"{\"PublicIP\":\"192.168.56.41\",\"BackendType\":\"udp\",\"BackendData\":\"junk\"}",
	 FLANNEL_BAD_OTHER_TYPE, NULL},
	{"{\"PublicIP\":\"192.168.56.41\",\"BackendType\":\"VXLAN\"}", FLANNEL_BAD_OTHER_TYPE,
	 NULL},
	{"{\"PublicIP\":\"192.168.56.41\",\"BackendType\":\"vxlan\"}", FLANNEL_BAD_BACKEND_DATA,
	 NULL},
	{LV("\"192.168.56.41\"", "null"), FLANNEL_BAD_BACKEND_DATA, NULL},
	{LV("\"192.168.56.41\"", "\"0a:58:0a:f4:01:00\""), FLANNEL_BAD_BACKEND_DATA, NULL},
	{LV("\"192.168.56.41\"", "{\"VNI\":\"1\",\"VtepMAC\":\"0a:58:0a:f4:01:00\"}"),
	 FLANNEL_BAD_VNI, NULL},
	{LV("\"192.168.56.41\"", "{\"VNI\":1.5,\"VtepMAC\":\"0a:58:0a:f4:01:00\"}"),
	 FLANNEL_BAD_VNI, NULL},
	{LV("\"192.168.56.41\"", "{\"VNI\":-1,\"VtepMAC\":\"0a:58:0a:f4:01:00\"}"), FLANNEL_BAD_VNI,
	 NULL},
	{LV("\"192.168.56.41\"", "{\"VNI\":16777216,\"VtepMAC\":\"0a:58:0a:f4:01:00\"}"),
	 FLANNEL_BAD_VNI, NULL},
	{LV("\"192.168.56.41\"",
	    "{\"VNI\":99999999999999999999,\"VtepMAC\":\"0a:58:0a:f4:01:00\"}"),
	 FLANNEL_BAD_VNI, NULL},
	{LV("\"192.168.56.41\"", "{\"VNI\":1}"), FLANNEL_BAD_MAC, NULL},
	{MACV("null"), FLANNEL_BAD_MAC, NULL},
	{MACV("42"), FLANNEL_BAD_MAC, NULL},
	{MACV("\"\""), FLANNEL_BAD_MAC, NULL},
	{MACV("\"0a:58:0a:f4:01\""), FLANNEL_BAD_MAC, NULL},
	{MACV("\"0a:58:0a:f4:01:00:00:00\""), FLANNEL_BAD_MAC, NULL},
	{MACV("\"0a:58:0a:f4:01:0g\""), FLANNEL_BAD_MAC, NULL},
	{MACV("\"0a:58-0a:f4:01:00\""), FLANNEL_BAD_MAC, NULL},
	{MACV("\"0a:58:0a:f4:01:00 \""), FLANNEL_BAD_MAC, NULL},
	{MACV("\"0a:58:0a:f4:01:00\\u0000\""), FLANNEL_BAD_MAC, NULL},
	{MACV("\"0a58.0af4.01000\""), FLANNEL_BAD_MAC, NULL},
	{MACV("\"0a58:0af4:0100\""), FLANNEL_BAD_MAC, NULL},
	{MACV("\"00:00:00:00:00:00\""), FLANNEL_BAD_MAC, NULL},
	{MACV("\"ff:ff:ff:ff:ff:ff\""), FLANNEL_BAD_MAC, NULL},
	{MACV("\"01:00:5e:00:00:01\""), FLANNEL_BAD_MAC, NULL},
	{LV("\"192.168.56.42\"", "{\"VNI\":1,\"VtepMAC\":\"0a:58:0a:f4:01:00\","
				 "\"VxtapPublicKey\":\"short\"}"),
	 FLANNEL_BAD_PUBKEY, NULL},
	{LV("\"192.168.56.42\"", "{\"VNI\":1,\"VtepMAC\":\"0a:58:0a:f4:01:00\","
				 "\"VxtapPublicKey\":42}"),
	 FLANNEL_BAD_PUBKEY, NULL},
	/* 31 bytes: 44 characters of good base64, one byte short. */
	{LV("\"192.168.56.42\"",
	    "{\"VNI\":1,\"VtepMAC\":\"0a:58:0a:f4:01:00\","
	    "\"VxtapPublicKey\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\"}"),
	 FLANNEL_BAD_PUBKEY, NULL},
	{LV("\"192.168.56.42\"",
	    "{\"VNI\":1,\"VtepMAC\":\"0a:58:0a:f4:01:00\","
	    "\"VxtapPublicKey\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH!8=\"}"),
	 FLANNEL_BAD_PUBKEY, NULL},
};

START_TEST(test_lease_parse)
{
	const struct lease_vec *v = &lease_vecs[_i];
	struct flannel_lease l;
	enum flannel_bad r = flannel_lease_parse(v->text, strlen(v->text), &l);
	char got[256];

	ck_assert_msg(r == v->want, "%s: got %s, want %s", v->text, flannel_bad_name(r),
		      flannel_bad_name(v->want));
	if (v->summary != NULL) {
		lease_summary(&l, got, sizeof(got));
		ck_assert_str_eq(got, v->summary);
	} else {
		ck_assert_uint_eq(l.public_ip.family, 0); /* nothing of a bad value is kept */
	}
}
END_TEST

/* Sizes: 64 KiB is read, one byte more is not; a 1 MB value is refused unread. */
START_TEST(test_lease_sizes)
{
	size_t base = strlen(flannel_value);
	char *big = malloc(1 << 20);
	struct flannel_lease l;

	ck_assert_ptr_nonnull(big);
	memcpy(big, flannel_value, base);
	memset(big + base, ' ', (1 << 20) - base);
	ck_assert_int_eq(flannel_lease_parse(big, FLANNEL_VALUE_MAX, &l), FLANNEL_BAD_NONE);
	ck_assert_int_eq(flannel_lease_parse(big, FLANNEL_VALUE_MAX + 1, &l),
			 FLANNEL_BAD_TOO_LARGE);
	ck_assert_int_eq(flannel_lease_parse(big, 1 << 20, &l), FLANNEL_BAD_TOO_LARGE);
	memset(big, 'x', 1 << 20);
	ck_assert_int_eq(flannel_lease_parse(big, 1 << 20, &l), FLANNEL_BAD_TOO_LARGE);
	free(big);
}
END_TEST

START_TEST(test_lease_format)
{
	struct flannel_lease l, back;
	char buf[FLANNEL_LEASE_MAX];
	size_t n;

	memset(&l, 0, sizeof(l));
	ck_assert(ipaddr_parse("192.168.56.41", &l.public_ip));
	l.vni = 1;
	ck_assert(mac_parse("0a:58:0a:f4:01:00", &l.vtep_mac));
	n = flannel_lease_format(&l, buf);
	/* Byte for byte what flanneld writes. */
	ck_assert_str_eq(buf, flannel_value);
	ck_assert_uint_eq(n, strlen(flannel_value));
	ck_assert_int_eq(flannel_lease_parse(buf, n, &back), FLANNEL_BAD_NONE);
	ck_assert_mem_eq(&back, &l, sizeof(l));

	for (int i = 0; i < FLANNEL_PUBKEY_LEN; i++)
		l.pubkey[i] = (uint8_t)i;
	l.has_pubkey = true;
	l.vni = 16777215;
	ck_assert(ipaddr_parse("255.255.255.254", &l.public_ip));
	n = flannel_lease_format(&l, buf);
	ck_assert_str_eq(buf, "{\"PublicIP\":\"255.255.255.254\",\"PublicIPv6\":null,"
			      "\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":16777215,"
			      "\"VtepMAC\":\"0a:58:0a:f4:01:00\",\"VxtapPublicKey\":"
			      "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}}");
	ck_assert_int_eq(flannel_lease_parse(buf, n, &back), FLANNEL_BAD_NONE);
	ck_assert_mem_eq(&back, &l, sizeof(l));
	ck_assert_uint_lt(n, FLANNEL_LEASE_MAX);
	ck_assert_ptr_nonnull(strstr(buf, key_b64));
}
END_TEST

START_TEST(test_bad_names)
{
	ck_assert_str_eq(flannel_bad_name(FLANNEL_BAD_OTHER_TYPE), "other_type");
	ck_assert_str_eq(flannel_bad_text(FLANNEL_BAD_OTHER_TYPE), "skipped: other type");
	ck_assert_str_eq(flannel_bad_name(FLANNEL_BAD__COUNT), "unknown");
	for (int r = 0; r < FLANNEL_BAD__COUNT; r++) {
		ck_assert_ptr_null(strchr(flannel_bad_name((enum flannel_bad)r), ' '));
		ck_assert_uint_gt(strlen(flannel_bad_text((enum flannel_bad)r)), 4);
	}
}
END_TEST

/* --- subnet keys ------------------------------------------------------- */

static const char *const key_good[] = {
	"10.244.1.0-24", "0.0.0.0-0", "255.255.255.255-32", "10.244.1.128-25", "10.0.0.0-8",
};

static const char *const key_bad[] = {
	"10.244.1.0/24",   "10.244.1.0-33",
	"10.244.1.0-024",  "010.244.1.0-24",
	"10.244.1.1-24",   "10.244.1.0-24&fd00::-64",
	"10.244.1.0-",	   "-24",
	"10.244.1-24",	   "10.244.1.0.0-24",
	" 10.244.1.0-24",  "10.244.1.0-24 ",
	"config",	   "",
	"10.244.256.0-24", "10.244.1.0-2a",
	"10.244.1.0--24",  "10.244.1.0-+24",
	"1000.244.1.0-24", "10.244.1.0-24\n",
};

START_TEST(test_key_good)
{
	struct flannel_subnet sn;
	char buf[FLANNEL_KEYLEN];

	ck_assert(flannel_key_parse(key_good[_i], strlen(key_good[_i]), &sn));
	ck_assert_str_eq(flannel_key_format(&sn, buf), key_good[_i]);
}
END_TEST

START_TEST(test_key_bad)
{
	struct flannel_subnet sn = {0x12345678, 7};

	ck_assert_msg(!flannel_key_parse(key_bad[_i], strlen(key_bad[_i]), &sn), "%s", key_bad[_i]);
	ck_assert_uint_eq(sn.ip, 0x12345678); /* untouched */
}
END_TEST

START_TEST(test_key_len_counts)
{
	struct flannel_subnet sn;

	/* Only len bytes are read: the key need not be NUL-terminated. */
	ck_assert(flannel_key_parse("10.244.1.0-24XYZ", 13, &sn));
	ck_assert_uint_eq(sn.ip, 0x0af40100);
	ck_assert_uint_eq(sn.len, 24);
	ck_assert(!flannel_key_parse("10.244.1.0-24", 12, &sn)); /* "-2": host bits set */
}
END_TEST

static struct flannel_subnet sn_of(const char *key)
{
	struct flannel_subnet sn;

	ck_assert_msg(flannel_key_parse(key, strlen(key), &sn), "%s", key);
	return sn;
}

START_TEST(test_subnet_checks)
{
	struct flannel_config c = std_cfg();
	struct flannel_subnet sn;
	struct ipaddr a;
	char buf[ADDR_STRLEN];

	sn = sn_of("10.244.5.0-24");
	ck_assert_int_eq(flannel_subnet_check(&c, &sn), FLANNEL_BAD_NONE);
	sn = sn_of("10.245.0.0-24");
	ck_assert_int_eq(flannel_subnet_check(&c, &sn), FLANNEL_BAD_OUTSIDE);
	sn = sn_of("10.0.0.0-8");
	ck_assert_int_eq(flannel_subnet_check(&c, &sn), FLANNEL_BAD_OUTSIDE);
	sn = sn_of("10.244.0.0-16");
	ck_assert_int_eq(flannel_subnet_check(&c, &sn), FLANNEL_BAD_LENGTH);
	sn = sn_of("10.244.5.128-25");
	ck_assert_int_eq(flannel_subnet_check(&c, &sn), FLANNEL_BAD_LENGTH);

	/* The first subnet is in Network but below SubnetMin: not ours to keep. */
	sn = sn_of("10.244.0.0-24");
	ck_assert_int_eq(flannel_subnet_check(&c, &sn), FLANNEL_BAD_NONE);
	ck_assert(!flannel_subnet_compat(&c, &sn));
	sn = sn_of("10.244.1.0-24");
	ck_assert(flannel_subnet_compat(&c, &sn));
	sn = sn_of("10.244.255.0-24");
	ck_assert(flannel_subnet_compat(&c, &sn));
	sn = sn_of("10.244.255.0-25");
	ck_assert(!flannel_subnet_compat(&c, &sn));

	sn = sn_of("10.244.7.0-24");
	flannel_subnet_addr(&sn, 0, &a);
	ck_assert_str_eq(ipaddr_fmt(&a, buf), "10.244.7.0");
	flannel_subnet_addr(&sn, 1, &a);
	ck_assert_str_eq(ipaddr_fmt(&a, buf), "10.244.7.1");
}
END_TEST

START_TEST(test_overlaps)
{
	struct flannel_subnet a = sn_of("10.244.0.0-16"), b = sn_of("10.244.7.0-24"),
			      c = sn_of("10.245.0.0-24"), d = sn_of("0.0.0.0-0");

	ck_assert(flannel_subnet_overlaps(&a, &b));
	ck_assert(flannel_subnet_overlaps(&b, &a));
	ck_assert(!flannel_subnet_overlaps(&a, &c));
	ck_assert(!flannel_subnet_overlaps(&b, &c));
	ck_assert(flannel_subnet_overlaps(&d, &c));
	ck_assert(flannel_subnet_overlaps(&b, &b));
}
END_TEST

/* --- allocation -------------------------------------------------------- */

static void free_list(const struct flannel_config *c, const char *const *taken, size_t max,
		      char *out, size_t size)
{
	struct flannel_subnet t[16], f[128];
	size_t nt = 0, n;
	char k[FLANNEL_KEYLEN];

	for (; taken[nt] != NULL; nt++)
		t[nt] = sn_of(taken[nt]);
	n = flannel_free_subnets(c, t, nt, f, max);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(out);

		snprintf(out + len, size - len, "%s%s", i ? " " : "", flannel_key_format(&f[i], k));
	}
}

START_TEST(test_free_subnets)
{
	struct flannel_config c = std_cfg(), small;
	char got[2048], err[FLANNEL_ERRLEN];
	static const char small_text[] = "{\"Network\":\"10.0.0.0/28\",\"Backend\":{\"Type\":"
					 "\"vxlan\"}}";

	free_list(&c, (const char *const[]){NULL}, 3, got, sizeof(got));
	ck_assert_str_eq(got, "10.244.1.0-24 10.244.2.0-24 10.244.3.0-24");
	free_list(&c, (const char *const[]){"10.244.1.0-24", "10.244.3.0-24", NULL}, 3, got,
		  sizeof(got));
	ck_assert_str_eq(got, "10.244.2.0-24 10.244.4.0-24 10.244.5.0-24");
	/* Any overlap counts: a /20 takes sixteen; nested and unsorted input. */
	free_list(&c,
		  (const char *const[]){"10.244.30.0-23", "10.244.2.0-24", "10.244.0.0-20",
					"10.99.0.0-16", NULL},
		  16, got, sizeof(got));
	ck_assert_str_eq(got, "10.244.16.0-24 10.244.17.0-24 10.244.18.0-24 10.244.19.0-24 "
			      "10.244.20.0-24 10.244.21.0-24 10.244.22.0-24 10.244.23.0-24 "
			      "10.244.24.0-24 10.244.25.0-24 10.244.26.0-24 10.244.27.0-24 "
			      "10.244.28.0-24 10.244.29.0-24 10.244.32.0-24 10.244.33.0-24");
	free_list(&c, (const char *const[]){"10.244.0.0-16", NULL}, 3, got, sizeof(got));
	ck_assert_str_eq(got, "");
	free_list(&c, (const char *const[]){"0.0.0.0-0", NULL}, 3, got, sizeof(got));
	ck_assert_str_eq(got, "");
	/* The last subnet is handed out; nothing past SubnetMax. */
	free_list(&c,
		  (const char *const[]){"10.244.0.0-17", "10.244.128.0-18", "10.244.192.0-19",
					"10.244.224.0-20", "10.244.240.0-21", "10.244.248.0-22",
					"10.244.252.0-23", "10.244.254.0-24", NULL},
		  3, got, sizeof(got));
	ck_assert_str_eq(got, "10.244.255.0-24");

	ck_assert(flannel_config_parse(small_text, strlen(small_text), &small, err));
	free_list(&small, (const char *const[]){NULL}, 10, got, sizeof(got));
	ck_assert_str_eq(got, "10.0.0.4-30 10.0.0.8-30 10.0.0.12-30");
}
END_TEST

/* The sweep against the obvious quadratic loop, over random taken sets. */
START_TEST(test_free_subnets_random)
{
	struct flannel_config c;
	char err[FLANNEL_ERRLEN];
	static const char text[] =
		"{\"Network\":\"10.244.0.0/22\",\"SubnetLen\":27,"
		"\"SubnetMin\":\"10.244.0.64\",\"Backend\":{\"Type\":\"vxlan\"}}";
	uint32_t seed = 12345;

	ck_assert(flannel_config_parse(text, strlen(text), &c, err));
	for (int round = 0; round < 500; round++) {
		struct flannel_subnet t[12], got[40], want[40];
		size_t nt = (size_t)(round % 12), ngot, nwant = 0;

		for (size_t i = 0; i < nt; i++) {
			seed = seed * 1103515245u + 12345u;
			t[i].len = (uint8_t)(20 + (seed >> 16) % 13);
			seed = seed * 1103515245u + 12345u;
			t[i].ip = (0x0af40000u | ((seed >> 8) & 0x7ff)) &
				  (UINT32_MAX << (32 - t[i].len));
		}
		ngot = flannel_free_subnets(&c, t, nt, got, 40);
		for (uint32_t ip = c.subnet_min; ip <= c.subnet_max && nwant < 40; ip += 32) {
			struct flannel_subnet cand = {ip, 27};
			bool clash = false;

			for (size_t i = 0; i < nt; i++)
				clash = clash || flannel_subnet_overlaps(&cand, &t[i]);
			if (!clash)
				want[nwant++] = cand;
		}
		ck_assert_uint_eq(ngot, nwant);
		for (size_t i = 0; i < ngot; i++) {
			ck_assert_uint_eq(got[i].ip, want[i].ip);
			ck_assert_uint_eq(got[i].len, want[i].len);
		}
	}
}
END_TEST

START_TEST(test_pick_subnet)
{
	struct flannel_config c = std_cfg();
	struct flannel_subnet t[2] = {sn_of("10.244.1.0-24"), sn_of("10.244.0.0-16")}, out;
	char k[FLANNEL_KEYLEN];

	/* Uniform over the first 100 free: 10.244.1.0 .. 10.244.100.0. */
	ck_assert(flannel_pick_subnet(&c, NULL, 0, 0, &out));
	ck_assert_str_eq(flannel_key_format(&out, k), "10.244.1.0-24");
	ck_assert(flannel_pick_subnet(&c, NULL, 0, UINT32_MAX, &out));
	ck_assert_str_eq(flannel_key_format(&out, k), "10.244.100.0-24");
	ck_assert(
		flannel_pick_subnet(&c, NULL, 0, (uint32_t)(((uint64_t)42 << 32) / 100 + 1), &out));
	ck_assert_str_eq(flannel_key_format(&out, k), "10.244.43.0-24");
	ck_assert(flannel_pick_subnet(&c, t, 1, 0, &out));
	ck_assert_str_eq(flannel_key_format(&out, k), "10.244.2.0-24");
	ck_assert(!flannel_pick_subnet(&c, t, 2, 0, &out)); /* out of subnets */
}
END_TEST

/* --- the subnet file --------------------------------------------------- */

START_TEST(test_env_format)
{
	struct flannel_config c = std_cfg();
	struct flannel_subnet sn = sn_of("10.244.1.0-24"), back;
	char buf[FLANNEL_ENV_MAX];
	size_t n = flannel_env_format(&c, &sn, 1450, buf);

	ck_assert_str_eq(buf, "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n"
			      "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n");
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert(flannel_env_subnet(buf, n, &back));
	ck_assert_uint_eq(back.ip, sn.ip);
	ck_assert_uint_eq(back.len, 24);
}
END_TEST

struct env_vec {
	const char *text;
	const char *want; /* key form, or NULL: refused */
};

static const struct env_vec env_vecs[] = {
	{"FLANNEL_SUBNET=10.244.7.1/24\n", "10.244.7.0-24"},
	{"# written by flanneld\r\nexport FLANNEL_SUBNET=\"10.244.7.1/24\"\r\n", "10.244.7.0-24"},
	{"  FLANNEL_SUBNET = '10.244.7.1/24'  ", "10.244.7.0-24"},
	{"FLANNEL_SUBNET=10.244.7.1/24 # ours\nFLANNEL_MTU=1450", "10.244.7.0-24"},
	{"FLANNEL_SUBNETS=10.244.7.1/24\nFLANNEL_SUBNET=10.244.8.1/24", "10.244.8.0-24"},
	{"", NULL},
	{"FLANNEL_NETWORK=10.244.0.0/16\n", NULL},
	{"FLANNEL_SUBNET=10.244.7.1/24\nFLANNEL_SUBNET=10.244.8.1/24\n", NULL},
	{"FLANNEL_SUBNET=10.244.7.1/24,10.244.8.1/24\n", NULL},
	{"FLANNEL_SUBNET=10.244.7.1\n", NULL},
	{"FLANNEL_SUBNET=fd00::1/64\n", NULL},
	{"FLANNEL_SUBNET=\n", NULL},
	{"#FLANNEL_SUBNET=10.244.7.1/24\n", NULL},
};

START_TEST(test_env_subnet)
{
	const struct env_vec *v = &env_vecs[_i];
	struct flannel_subnet sn;
	char k[FLANNEL_KEYLEN];
	bool ok = flannel_env_subnet(v->text, strlen(v->text), &sn);

	if (v->want == NULL) {
		ck_assert_msg(!ok, "%s", v->text);
		return;
	}
	ck_assert_msg(ok, "%s", v->text);
	ck_assert_str_eq(flannel_key_format(&sn, k), v->want);
}
END_TEST

static Suite *flannel_suite(void)
{
	Suite *s = suite_create("flannel");
	TCase *tc;

	tc = tcase_create("config");
	tcase_add_loop_test(tc, test_config_ok, 0, NVEC(cfg_ok));
	tcase_add_loop_test(tc, test_config_bad, 0, NVEC(cfg_bad));
	tcase_add_test(tc, test_config_not_json);
	tcase_add_test(tc, test_config_agrees);
	tcase_add_test(tc, test_tap_mtu);
	suite_add_tcase(s, tc);

	tc = tcase_create("lease");
	tcase_add_loop_test(tc, test_lease_parse, 0, NVEC(lease_vecs));
	tcase_add_test(tc, test_lease_sizes);
	tcase_add_test(tc, test_lease_format);
	tcase_add_test(tc, test_bad_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_loop_test(tc, test_key_good, 0, NVEC(key_good));
	tcase_add_loop_test(tc, test_key_bad, 0, NVEC(key_bad));
	tcase_add_test(tc, test_key_len_counts);
	tcase_add_test(tc, test_subnet_checks);
	tcase_add_test(tc, test_overlaps);
	suite_add_tcase(s, tc);

	tc = tcase_create("alloc");
	tcase_add_test(tc, test_free_subnets);
	tcase_add_test(tc, test_free_subnets_random);
	tcase_add_test(tc, test_pick_subnet);
	suite_add_tcase(s, tc);

	tc = tcase_create("env");
	tcase_add_test(tc, test_env_format);
	tcase_add_loop_test(tc, test_env_subnet, 0, NVEC(env_vecs));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(flannel_suite());
}
