/* check_addr: unit tests for address and endpoint parsing and printing. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

#include "check_run.h"

struct ip_vec {
	const char *s;
	int family;
	uint8_t a[16];
};

static const struct ip_vec ip_good[] = {
	{"1.2.3.4", AF_INET, {1, 2, 3, 4}},
	{"0.0.0.0", AF_INET, {0}},
	{"255.255.255.255", AF_INET, {255, 255, 255, 255}},
	{"192.168.56.41", AF_INET, {192, 168, 56, 41}},
	{"::", AF_INET6, {0}},
	{"::1", AF_INET6, {[15] = 1}},
	{"fd00::1", AF_INET6, {0xfd, 0x00, [15] = 1}},
	{"FD00:0:0:0:0:0:0:ABCD", AF_INET6, {0xfd, 0x00, [14] = 0xab, [15] = 0xcd}},
	{"::ffff:1.2.3.4", AF_INET6, {[10] = 0xff, [11] = 0xff, [12] = 1, 2, 3, 4}},
};

static const char *const ip_bad[] = {
	"",	     "1.2.3",	     "1.2.3.4.5", "256.1.1.1",	"1.2.3.4 ",
	" 1.2.3.4",  "1.2.3.4:80",   "a.b.c.d",	  "fd00::1::2", "fd00::g",
	"[fd00::1]", "fd00::1%eth0", "1.2.3.4/8", "::1:",	"localhost",
};

START_TEST(test_ipaddr_parse_good)
{
	const struct ip_vec *v = &ip_good[_i];
	struct ipaddr ip, want;

	memset(&ip, 0xa5, sizeof(ip));
	memset(&want, 0, sizeof(want));
	want.family = (uint8_t)v->family;
	memcpy(want.a, v->a, sizeof(want.a));
	ck_assert_msg(ipaddr_parse(v->s, &ip), "\"%s\" should parse", v->s);
	/* Whole-struct compare: the bytes past an IPv4 address must be zero. */
	ck_assert_mem_eq(&ip, &want, sizeof(ip));
}
END_TEST

START_TEST(test_ipaddr_parse_bad)
{
	struct ipaddr ip;

	ck_assert_msg(!ipaddr_parse(ip_bad[_i], &ip), "\"%s\" should not parse", ip_bad[_i]);
}
END_TEST

struct ep_vec {
	const char *s;
	uint16_t def;
	int family;
	uint8_t a[16];
	uint16_t port;
};

static const struct ep_vec ep_good[] = {
	{"1.2.3.4", 8472, AF_INET, {1, 2, 3, 4}, 8472},
	{"1.2.3.4", 0, AF_INET, {1, 2, 3, 4}, 0},
	{"1.2.3.4:4789", 8472, AF_INET, {1, 2, 3, 4}, 4789},
	{"10.0.0.1:1", 0, AF_INET, {10, 0, 0, 1}, 1},
	{"10.0.0.1:65535", 0, AF_INET, {10, 0, 0, 1}, 65535},
	{"10.0.0.1:04789", 0, AF_INET, {10, 0, 0, 1}, 4789},
	{"fd00::1", 8472, AF_INET6, {0xfd, [15] = 1}, 8472},
	{"[fd00::1]:4789", 8472, AF_INET6, {0xfd, [15] = 1}, 4789},
	{"[fd00::1]", 8472, AF_INET6, {0xfd, [15] = 1}, 8472},
	{"[::1]:1", 0, AF_INET6, {[15] = 1}, 1},
	{"::", 7, AF_INET6, {0}, 7},
};

static const char *const ep_bad[] = {
	"",
	":",
	"1.2.3.4:",
	"1.2.3.4:0",
	"1.2.3.4:65536",
	"1.2.3.4:99999999999999999999999",
	"1.2.3.4:-1",
	"1.2.3.4:+80",
	"1.2.3.4: 80",
	"1.2.3.4:80x",
	"1.2.3.4:0x50",
	"1.2.3.4:80:90",
	"1.2.3.4x",
	"1.2.3.4 ",
	":4789",
	"[fd00::1]:",
	"[fd00::1]:0",
	"[fd00::1]:65536",
	"[fd00::1]x",
	"[fd00::1]:80x",
	"[fd00::1",
	"fd00::1]",
	"[]",
	"[]:80",
	"[1.2.3.4]",
	"[1.2.3.4]:80",
	"[fd00::1]]",
	"fd00::g",
	"[[fd00::1]]:80",
	"host.example:80",
	"0123456789012345678901234567890123456789012345678901234567890123456789:80",
};

START_TEST(test_endpoint_parse_good)
{
	const struct ep_vec *v = &ep_good[_i];
	struct endpoint e, want;

	memset(&e, 0xa5, sizeof(e));
	memset(&want, 0, sizeof(want));
	want.ip.family = (uint8_t)v->family;
	memcpy(want.ip.a, v->a, sizeof(want.ip.a));
	want.port = v->port;
	ck_assert_msg(endpoint_parse(v->s, v->def, &e), "\"%s\" should parse", v->s);
	ck_assert_uint_eq(e.port, v->port);
	/* Including the padding after ip: endpoints are memcmp'd as table values. */
	ck_assert_mem_eq(&e, &want, sizeof(e));
}
END_TEST

START_TEST(test_endpoint_parse_bad)
{
	struct endpoint e;

	ck_assert_msg(!endpoint_parse(ep_bad[_i], 8472, &e), "\"%s\" should not parse", ep_bad[_i]);
}
END_TEST

struct prefix_vec {
	const char *s;
	int family;
	uint8_t a[16];
	uint8_t plen;
};

static const struct prefix_vec prefix_good[] = {
	{"10.244.0.1/16", AF_INET, {10, 244, 0, 1}, 16},
	{"0.0.0.0/0", AF_INET, {0}, 0},
	{"192.168.1.1/32", AF_INET, {192, 168, 1, 1}, 32},
	{"fd00::1/64", AF_INET6, {0xfd, [15] = 1}, 64},
	{"::/128", AF_INET6, {0}, 128},
};

static const char *const prefix_bad[] = {
	"10.244.0.1",	  "10.244.0.1/",   "10.244.0.1/33", "10.244.0.1/-1",
	"10.244.0.1/16x", "10.244.0.1/ 8", "/16",	    "fd00::1/129",
	"fd00::1/",	  "x/8",	   "10.0.0.1/8/8",  "10.0.0.1/+8",
};

START_TEST(test_prefix_parse_good)
{
	const struct prefix_vec *v = &prefix_good[_i];
	struct ipaddr ip, want;
	uint8_t plen = 0xee;

	memset(&ip, 0xa5, sizeof(ip));
	memset(&want, 0, sizeof(want));
	want.family = (uint8_t)v->family;
	memcpy(want.a, v->a, sizeof(want.a));
	ck_assert_msg(prefix_parse(v->s, &ip, &plen), "\"%s\" should parse", v->s);
	ck_assert_mem_eq(&ip, &want, sizeof(ip));
	ck_assert_uint_eq(plen, v->plen);
}
END_TEST

START_TEST(test_prefix_parse_bad)
{
	struct ipaddr ip;
	uint8_t plen;

	ck_assert_msg(!prefix_parse(prefix_bad[_i], &ip, &plen), "\"%s\" should not parse",
		      prefix_bad[_i]);
}
END_TEST

struct fmt_vec {
	const char *in;
	uint16_t def;
	const char *ip;
	const char *ep;
};

static const struct fmt_vec fmt_vecs[] = {
	{"1.2.3.4", 8472, "1.2.3.4", "1.2.3.4:8472"},
	{"192.168.56.42:4789", 8472, "192.168.56.42", "192.168.56.42:4789"},
	{"FD00:0::1", 8472, "fd00::1", "[fd00::1]:8472"},
	{"[fd00::1]:4789", 0, "fd00::1", "[fd00::1]:4789"},
	{"[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535", 0,
	 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	 "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"},
	{"::ffff:1.2.3.4", 1, "::ffff:1.2.3.4", "[::ffff:1.2.3.4]:1"},
	{"0.0.0.0", 0, "0.0.0.0", "0.0.0.0:0"},
};

START_TEST(test_fmt)
{
	const struct fmt_vec *v = &fmt_vecs[_i];
	struct endpoint e;
	char buf[ADDR_STRLEN];

	ck_assert(endpoint_parse(v->in, v->def, &e));
	ck_assert_str_eq(ipaddr_fmt(&e.ip, buf), v->ip);
	ck_assert_str_eq(endpoint_fmt(&e, buf), v->ep);
}
END_TEST

START_TEST(test_fmt_unset)
{
	struct endpoint e;
	char buf[ADDR_STRLEN];

	memset(&e, 0, sizeof(e));
	ck_assert_str_eq(ipaddr_fmt(&e.ip, buf), "-");
	e.port = 5;
	ck_assert_str_eq(endpoint_fmt(&e, buf), "-:5");
}
END_TEST

START_TEST(test_from_v4)
{
	static const uint8_t v4[4] = {10, 244, 1, 7};
	struct ipaddr ip, want;
	char buf[ADDR_STRLEN];

	memset(&ip, 0xa5, sizeof(ip));
	ipaddr_from_v4(&ip, v4);
	ck_assert(ipaddr_parse("10.244.1.7", &want));
	ck_assert_mem_eq(&ip, &want, sizeof(ip));
	ck_assert_str_eq(ipaddr_fmt(&ip, buf), "10.244.1.7");
}
END_TEST

/* A received datagram's source, address and port, both families; a
 * socket address of another family gives nothing. */
START_TEST(test_sockaddr_round_trip)
{
	static const char *const eps[] = {"192.168.56.42:8472", "10.0.0.1:1", "[fd00::2]:65535"};
	struct sockaddr_storage ss;
	struct endpoint in, out;

	for (size_t i = 0; i < sizeof(eps) / sizeof(eps[0]); i++) {
		ck_assert(endpoint_parse(eps[i], 0, &in));
		ck_assert_uint_gt(endpoint_to_sockaddr(&in, &ss), 0);
		memset(&out, 0xa5, sizeof(out));
		ck_assert(endpoint_from_sockaddr(&ss, &out));
		ck_assert(endpoint_equal(&in, &out));
		ck_assert_mem_eq(&in.ip, &out.ip, sizeof(in.ip));
	}
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	memset(&out, 0xa5, sizeof(out));
	ck_assert(!endpoint_from_sockaddr(&ss, &out));
	ck_assert_uint_eq(out.ip.family, 0);
	ck_assert_uint_eq(out.port, 0);
}
END_TEST

START_TEST(test_equal)
{
	struct ipaddr a, b;
	struct endpoint ea, eb;

	ck_assert(ipaddr_parse("1.2.3.4", &a));
	ck_assert(ipaddr_parse("1.2.3.4", &b));
	ck_assert(ipaddr_equal(&a, &b));
	/* Stray bytes past an IPv4 address do not matter. */
	b.a[9] = 1;
	ck_assert(ipaddr_equal(&a, &b));
	ck_assert(ipaddr_parse("1.2.3.5", &b));
	ck_assert(!ipaddr_equal(&a, &b));
	/* Same bytes, other family. */
	ck_assert(ipaddr_parse("::", &a));
	ck_assert(ipaddr_parse("0.0.0.0", &b));
	ck_assert(!ipaddr_equal(&a, &b));
	ck_assert(ipaddr_parse("fd00::1", &a));
	ck_assert(ipaddr_parse("fd00::2", &b));
	ck_assert(!ipaddr_equal(&a, &b));

	ck_assert(endpoint_parse("1.2.3.4:80", 0, &ea));
	ck_assert(endpoint_parse("1.2.3.4", 80, &eb));
	ck_assert(endpoint_equal(&ea, &eb));
	ck_assert(endpoint_parse("1.2.3.4:81", 0, &eb));
	ck_assert(!endpoint_equal(&ea, &eb));
	ck_assert(endpoint_parse("1.2.3.5:80", 0, &eb));
	ck_assert(!endpoint_equal(&ea, &eb));
}
END_TEST

START_TEST(test_canon)
{
	struct ipaddr in, out, want;

	ck_assert(ipaddr_parse("10.244.1.2", &want));
	in = want;
	memset(in.a + 4, 0x5a, sizeof(in.a) - 4);
	memset(&out, 0xa5, sizeof(out));
	ipaddr_canon(&out, &in);
	ck_assert_mem_eq(&out, &want, sizeof(out));
	/* In place. */
	ipaddr_canon(&in, &in);
	ck_assert_mem_eq(&in, &want, sizeof(in));

	ck_assert(ipaddr_parse("fd00::1:2:3", &want));
	ipaddr_canon(&out, &want);
	ck_assert_mem_eq(&out, &want, sizeof(out));

	/* No family: nothing is an address byte. */
	memset(&in, 0x5a, sizeof(in));
	in.family = 0;
	ipaddr_canon(&out, &in);
	memset(&want, 0, sizeof(want));
	ck_assert_mem_eq(&out, &want, sizeof(out));
}
END_TEST

START_TEST(test_unspecified)
{
	struct ipaddr a;

	memset(&a, 0, sizeof(a));
	ck_assert(ipaddr_is_unspecified(&a));
	ck_assert(ipaddr_parse("0.0.0.0", &a));
	ck_assert(ipaddr_is_unspecified(&a));
	ck_assert(ipaddr_parse("::", &a));
	ck_assert(ipaddr_is_unspecified(&a));
	ck_assert(ipaddr_parse("0.0.0.1", &a));
	ck_assert(!ipaddr_is_unspecified(&a));
	ck_assert(ipaddr_parse("::1", &a));
	ck_assert(!ipaddr_is_unspecified(&a));
	ck_assert(ipaddr_parse("1::", &a));
	ck_assert(!ipaddr_is_unspecified(&a));
}
END_TEST

/* Unbracketed IPv6 text whose last group may be a port: which ones warn,
 * and where the address would end. */
static const struct {
	const char *in;
	bool warn;
	size_t split;
} ambiguous[] = {
	{"fd00:56::41:8472", true, 11},
	{"2001:db8::1:4789", true, 11},
	{"fd00:56::42", false, 0},   /* "fd00:56:" is no address */
	{"fd00::8472", false, 0},    /* "fd00:" neither */
	{"fd00:56::41:0", false, 0}, /* one digit: a group, not a port */
	{"fd00:56::41:99999", false, 0},
	{"fd00:56::41:abcd", false, 0},
	{"1:2:3:4:5:6:7:8472", false, 0}, /* seven groups are no address */
	{"[fd00::1]:8472", false, 0},
	{"10.0.0.1:8472", false, 0},
	{"::8472", false, 0},
};

START_TEST(test_port_ambiguous)
{
	size_t split = 0;
	bool got = endpoint_port_ambiguous(ambiguous[_i].in, &split);

	ck_assert_msg(got == ambiguous[_i].warn, "%s: %d", ambiguous[_i].in, got);
	if (got)
		ck_assert_uint_eq(split, ambiguous[_i].split);
}
END_TEST

#define NELEM(a) (int)(sizeof(a) / sizeof((a)[0]))

static Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc;

	tc = tcase_create("ipaddr_parse");
	tcase_add_loop_test(tc, test_ipaddr_parse_good, 0, NELEM(ip_good));
	tcase_add_loop_test(tc, test_ipaddr_parse_bad, 0, NELEM(ip_bad));
	tcase_add_test(tc, test_from_v4);
	tcase_add_test(tc, test_sockaddr_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("endpoint_parse");
	tcase_add_loop_test(tc, test_endpoint_parse_good, 0, NELEM(ep_good));
	tcase_add_loop_test(tc, test_endpoint_parse_bad, 0, NELEM(ep_bad));
	tcase_add_loop_test(tc, test_port_ambiguous, 0, NELEM(ambiguous));
	suite_add_tcase(s, tc);

	tc = tcase_create("prefix_parse");
	tcase_add_loop_test(tc, test_prefix_parse_good, 0, NELEM(prefix_good));
	tcase_add_loop_test(tc, test_prefix_parse_bad, 0, NELEM(prefix_bad));
	suite_add_tcase(s, tc);

	tc = tcase_create("fmt");
	tcase_add_loop_test(tc, test_fmt, 0, NELEM(fmt_vecs));
	tcase_add_test(tc, test_fmt_unset);
	suite_add_tcase(s, tc);

	tc = tcase_create("compare");
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_unspecified);
	tcase_add_test(tc, test_canon);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(addr_suite());
}
