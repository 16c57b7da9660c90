/* check_eth: unit tests for MAC parsing/printing and Ethernet header helpers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "eth.h"

#include "check_run.h"

struct mac_vec {
	const char *s;
	uint8_t b[MAC_LEN];
};

static const struct mac_vec mac_good[] = {
	{"aa:bb:cc:dd:ee:ff", {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}},
	{"AA:BB:CC:DD:EE:FF", {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}},
	{"00:00:00:00:00:00", {0, 0, 0, 0, 0, 0}},
	{"02:42:0a:f4:00:01", {0x02, 0x42, 0x0a, 0xf4, 0x00, 0x01}},
	{"02-42-0A-f4-00-01", {0x02, 0x42, 0x0a, 0xf4, 0x00, 0x01}},
	{"fF:01:23:45:67:89", {0xff, 0x01, 0x23, 0x45, 0x67, 0x89}},
};

static const char *const mac_bad[] = {
	"",
	"a",
	"aa",
	"aa:",
	"aa:bb:cc:dd:ee",
	"aa:bb:cc:dd:ee:",
	"aa:bb:cc:dd:ee:f",
	"aa:bb:cc:dd:ee:ff:",
	"aa:bb:cc:dd:ee:ff:00",
	"aa:bb:cc:dd:ee:fff",
	"aa:bb:cc:dd:ee:ff ",
	" aa:bb:cc:dd:ee:ff",
	"aa-bb:cc:dd:ee:ff",
	"aa:bb:cc:dd:ee-ff",
	"aa.bb.cc.dd.ee.ff",
	"aabb.ccdd.eeff",
	"aabbccddeeff",
	"a:b:c:d:e:f",
	"0a:b:0c:0d:0e:0f",
	"gg:bb:cc:dd:ee:ff",
	"aa:bb:cc:dd:ee:fg",
	"aa::bb:cc:dd:ee:f",
	"aa:bb:cc:dd:ee:\xff",
	"+a:bb:cc:dd:ee:ff",
	"0x:bb:cc:dd:ee:ff",
};

START_TEST(test_mac_parse_good)
{
	const struct mac_vec *v = &mac_good[_i];
	struct mac m;

	memset(&m, 0x5a, sizeof(m));
	ck_assert_msg(mac_parse(v->s, &m), "\"%s\" should parse", v->s);
	ck_assert_mem_eq(m.b, v->b, MAC_LEN);
}
END_TEST

START_TEST(test_mac_parse_bad)
{
	struct mac m = {{1, 2, 3, 4, 5, 6}};
	static const struct mac untouched = {{1, 2, 3, 4, 5, 6}};

	ck_assert_msg(!mac_parse(mac_bad[_i], &m), "\"%s\" should not parse", mac_bad[_i]);
	/* A failed parse leaves the output alone. */
	ck_assert_mem_eq(m.b, untouched.b, MAC_LEN);
}
END_TEST

struct fmt_vec {
	uint8_t b[MAC_LEN];
	const char *s;
};

static const struct fmt_vec fmt_vecs[] = {
	{{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}, "aa:bb:cc:dd:ee:ff"},
	{{0, 0, 0, 0, 0, 0}, "00:00:00:00:00:00"},
	{{0x02, 0x42, 0x0a, 0xf4, 0x00, 0x01}, "02:42:0a:f4:00:01"},
	{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "ff:ff:ff:ff:ff:ff"},
};

START_TEST(test_mac_fmt)
{
	struct mac m, back;
	char buf[MAC_STRLEN];

	memcpy(m.b, fmt_vecs[_i].b, MAC_LEN);
	ck_assert_str_eq(mac_fmt(&m, buf), fmt_vecs[_i].s);
	ck_assert(mac_parse(buf, &back));
	ck_assert(mac_equal(&m, &back));
}
END_TEST

struct kind_vec {
	uint8_t b[MAC_LEN];
	bool multicast, broadcast, zero;
};

static const struct kind_vec kind_vecs[] = {
	{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, true, true, false},
	{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, true, false, false},
	{{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, true, false, false},
	{{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, false, false, true},
	{{0x02, 0x42, 0x0a, 0xf4, 0x00, 0x01}, false, false, false},
	{{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff}, false, false, false},
	{{0x00, 0x00, 0x00, 0x00, 0x00, 0x01}, false, false, false},
};

START_TEST(test_mac_kind)
{
	const struct kind_vec *v = &kind_vecs[_i];
	struct mac m;

	memcpy(m.b, v->b, MAC_LEN);
	ck_assert_int_eq(mac_is_multicast(&m), v->multicast);
	ck_assert_int_eq(mac_is_broadcast(&m), v->broadcast);
	ck_assert_int_eq(mac_is_zero(&m), v->zero);
}
END_TEST

START_TEST(test_eth_header)
{
	static const uint8_t frame[ETH_HDR_LEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* dst */
		0x02, 0x42, 0x0a, 0xf4, 0x00, 0x01, /* src */
		0x08, 0x06,			    /* ARP */
	};
	static const struct mac want_src = {{0x02, 0x42, 0x0a, 0xf4, 0x00, 0x01}};
	struct mac dst, src;

	eth_dst(frame, &dst);
	eth_src(frame, &src);
	ck_assert(mac_is_broadcast(&dst));
	ck_assert(mac_equal(&src, &want_src));
	ck_assert(!mac_equal(&src, &dst));
	ck_assert_uint_eq(eth_type(frame), ETHTYPE_ARP);
}
END_TEST

START_TEST(test_eth_type_high_byte)
{
	static const uint8_t frame[ETH_HDR_LEN] = {[12] = 0x86, [13] = 0xdd};

	ck_assert_uint_eq(eth_type(frame), ETHTYPE_IPV6);
}
END_TEST

#define NELEM(a) (int)(sizeof(a) / sizeof((a)[0]))

/* Whatever the random bytes, the MAC is unicast and locally administered,
 * and the other 46 bits are the random ones. */
START_TEST(test_mac_from_random)
{
	static const uint8_t rnd[][MAC_LEN] = {
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
		{0x01, 0x23, 0x45, 0x67, 0x89, 0xab},
	};
	struct mac m;

	for (size_t i = 0; i < NELEM(rnd); i++) {
		mac_from_random(&m, rnd[i]);
		ck_assert(!mac_is_multicast(&m));
		ck_assert(!mac_is_zero(&m));
		ck_assert_uint_eq(m.b[0] & 2, 2);
		ck_assert_uint_eq(m.b[0] & 0xfc, rnd[i][0] & 0xfc);
		ck_assert_mem_eq(m.b + 1, rnd[i] + 1, MAC_LEN - 1);
	}
}
END_TEST

static Suite *eth_suite(void)
{
	Suite *s = suite_create("eth");
	TCase *tc;

	tc = tcase_create("mac_parse");
	tcase_add_loop_test(tc, test_mac_parse_good, 0, NELEM(mac_good));
	tcase_add_loop_test(tc, test_mac_parse_bad, 0, NELEM(mac_bad));
	suite_add_tcase(s, tc);

	tc = tcase_create("mac_fmt");
	tcase_add_loop_test(tc, test_mac_fmt, 0, NELEM(fmt_vecs));
	suite_add_tcase(s, tc);

	tc = tcase_create("mac_kind");
	tcase_add_loop_test(tc, test_mac_kind, 0, NELEM(kind_vecs));
	tcase_add_test(tc, test_mac_from_random);
	suite_add_tcase(s, tc);

	tc = tcase_create("header");
	tcase_add_test(tc, test_eth_header);
	tcase_add_test(tc, test_eth_type_high_byte);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(eth_suite());
}
