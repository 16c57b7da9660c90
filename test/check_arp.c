/* check_arp: unit tests for ARP validation and proxy reply building. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arp.h"

#include "check_run.h"

/* who-has 10.244.0.1 tell 10.244.1.2 (02:42:0a:f4:01:02), by hand from RFC 826. */
static const uint8_t req_body[ARP_LEN] = {
	0x00, 0x01,			    /* htype Ethernet */
	0x08, 0x00,			    /* ptype IPv4 */
	0x06, 0x04,			    /* hlen, plen */
	0x00, 0x01,			    /* op request */
	0x02, 0x42, 0x0a, 0xf4, 0x01, 0x02, /* sha */
	0x0a, 0xf4, 0x01, 0x02,		    /* spa 10.244.1.2 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* tha */
	0x0a, 0xf4, 0x00, 0x01,		    /* tpa 10.244.0.1 */
};

static const struct mac owner = {{0x0e, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}};

/* 10.244.0.1 is-at 0e:aa:bb:cc:dd:ee, to 02:42:0a:f4:01:02. */
static const uint8_t reply_frame[ARP_FRAME_LEN] = {
	0x02, 0x42, 0x0a, 0xf4, 0x01, 0x02, /* eth dst: the asker */
	0x0e, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, /* eth src: the owner */
	0x08, 0x06,			    /* ARP */
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, /* Ethernet, IPv4, 6, 4 */
	0x00, 0x02,			    /* op reply */
	0x0e, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, /* sha: the owner */
	0x0a, 0xf4, 0x00, 0x01,		    /* spa: what was asked for */
	0x02, 0x42, 0x0a, 0xf4, 0x01, 0x02, /* tha: the asker */
	0x0a, 0xf4, 0x01, 0x02,		    /* tpa: the asker's address */
};

START_TEST(test_parse_request)
{
	static const struct mac sha = {{0x02, 0x42, 0x0a, 0xf4, 0x01, 0x02}};
	static const uint8_t spa[4] = {10, 244, 1, 2}, tpa[4] = {10, 244, 0, 1};
	struct arp_ipv4 a;

	memset(&a, 0x5a, sizeof(a));
	ck_assert_int_eq(arp_parse(req_body, sizeof(req_body), &a), ARP_OK);
	ck_assert_uint_eq(a.op, ARP_OP_REQUEST);
	ck_assert_mem_eq(a.sha.b, sha.b, MAC_LEN);
	ck_assert_mem_eq(a.spa, spa, 4);
	ck_assert(mac_is_zero(&a.tha));
	ck_assert_mem_eq(a.tpa, tpa, 4);
}
END_TEST

START_TEST(test_parse_reply_frame)
{
	static const uint8_t tha[MAC_LEN] = {0x02, 0x42, 0x0a, 0xf4, 0x01, 0x02};
	static const uint8_t spa[4] = {10, 244, 0, 1}, tpa[4] = {10, 244, 1, 2};
	struct arp_ipv4 a;

	ck_assert_int_eq(arp_parse(reply_frame + ETH_HDR_LEN, ARP_LEN, &a), ARP_OK);
	ck_assert_uint_eq(a.op, ARP_OP_REPLY);
	ck_assert(mac_equal(&a.sha, &owner));
	ck_assert_mem_eq(a.spa, spa, 4);
	ck_assert_mem_eq(a.tha.b, tha, MAC_LEN);
	ck_assert_mem_eq(a.tpa, tpa, 4);
}
END_TEST

struct patch {
	uint8_t off, val;
};

struct parse_vec {
	const char *what;
	size_t len;
	int npatch;
	struct patch p[8];
	enum arp_result want;
};

static const struct parse_vec parse_vecs[] = {
	{"empty", 0, 0, {{0}}, ARP_SHORT},
	{"one short", ARP_LEN - 1, 0, {{0}}, ARP_SHORT},
	{"short beats htype", ARP_LEN - 1, 1, {{1, 9}}, ARP_SHORT},
	{"Ethernet padding", 46, 0, {{0}}, ARP_OK},
	{"htype 2", ARP_LEN, 1, {{1, 2}}, ARP_BAD_HTYPE},
	{"htype 0x0100", ARP_LEN, 2, {{0, 1}, {1, 0}}, ARP_BAD_HTYPE},
	{"htype 0", ARP_LEN, 1, {{1, 0}}, ARP_BAD_HTYPE},
	{"htype IEEE 802", ARP_LEN, 1, {{1, 6}}, ARP_OK},
	{"htype beats ptype", ARP_LEN, 2, {{1, 2}, {2, 0x86}}, ARP_BAD_HTYPE},
	{"ptype IPv6", ARP_LEN, 2, {{2, 0x86}, {3, 0xdd}}, ARP_BAD_PTYPE},
	{"ptype ARP", ARP_LEN, 1, {{3, 0x06}}, ARP_BAD_PTYPE},
	{"ptype beats lens", ARP_LEN, 2, {{3, 0x06}, {4, 8}}, ARP_BAD_PTYPE},
	{"hlen 8", ARP_LEN, 1, {{4, 8}}, ARP_BAD_LENS},
	{"plen 16", ARP_LEN, 1, {{5, 16}}, ARP_BAD_LENS},
	{"hlen 0 plen 0", ARP_LEN, 2, {{4, 0}, {5, 0}}, ARP_BAD_LENS},
	{"lens beat op", ARP_LEN, 2, {{5, 6}, {7, 9}}, ARP_BAD_LENS},
	{"op 0", ARP_LEN, 1, {{7, 0}}, ARP_BAD_OP},
	{"op 3 (RARP)", ARP_LEN, 1, {{7, 3}}, ARP_BAD_OP},
	{"op 0x0101", ARP_LEN, 1, {{6, 1}}, ARP_BAD_OP},
	{"op reply", ARP_LEN, 1, {{7, 2}}, ARP_OK},
	{"op beats sender", ARP_LEN, 2, {{7, 0}, {8, 0x01}}, ARP_BAD_OP},
	{"sha multicast", ARP_LEN, 1, {{8, 0x01}}, ARP_BAD_SENDER},
	{"sha broadcast",
	 ARP_LEN,
	 6,
	 {{8, 0xff}, {9, 0xff}, {10, 0xff}, {11, 0xff}, {12, 0xff}, {13, 0xff}},
	 ARP_BAD_SENDER},
	{"sha zero",
	 ARP_LEN,
	 6,
	 {{8, 0}, {9, 0}, {10, 0}, {11, 0}, {12, 0}, {13, 0}},
	 ARP_BAD_SENDER},
	{"spa 224.0.0.1", ARP_LEN, 4, {{14, 224}, {15, 0}, {16, 0}, {17, 1}}, ARP_BAD_SENDER},
	{"spa 239.255.255.250",
	 ARP_LEN,
	 4,
	 {{14, 239}, {15, 255}, {16, 255}, {17, 250}},
	 ARP_BAD_SENDER},
	{"spa broadcast", ARP_LEN, 4, {{14, 255}, {15, 255}, {16, 255}, {17, 255}}, ARP_BAD_SENDER},
	{"spa 0.0.0.0 (RFC 5227 probe)", ARP_LEN, 4, {{14, 0}, {15, 0}, {16, 0}, {17, 0}}, ARP_OK},
	{"sender beats target", ARP_LEN, 2, {{8, 0x01}, {24, 127}}, ARP_BAD_SENDER},
	{"tpa 0.0.0.0", ARP_LEN, 4, {{24, 0}, {25, 0}, {26, 0}, {27, 0}}, ARP_BAD_TARGET},
	{"reply to 0.0.0.0",
	 ARP_LEN,
	 5,
	 {{7, 2}, {24, 0}, {25, 0}, {26, 0}, {27, 0}},
	 ARP_BAD_TARGET},
	{"tpa broadcast", ARP_LEN, 4, {{24, 255}, {25, 255}, {26, 255}, {27, 255}}, ARP_BAD_TARGET},
	{"tpa 224.0.0.251", ARP_LEN, 4, {{24, 224}, {25, 0}, {26, 0}, {27, 251}}, ARP_BAD_TARGET},
	{"tpa 239.1.1.1", ARP_LEN, 1, {{24, 239}}, ARP_BAD_TARGET},
	{"tpa 127.0.0.1", ARP_LEN, 4, {{24, 127}, {25, 0}, {26, 0}, {27, 1}}, ARP_BAD_TARGET},
	{"tpa 127.244.0.1", ARP_LEN, 1, {{24, 127}}, ARP_BAD_TARGET},
	{"tpa 126.244.0.1", ARP_LEN, 1, {{24, 126}}, ARP_OK},
	{"tpa 128.244.0.1", ARP_LEN, 1, {{24, 128}}, ARP_OK},
	{"tpa 223.244.0.1", ARP_LEN, 1, {{24, 223}}, ARP_OK},
	{"gratuitous (tpa == spa)", ARP_LEN, 2, {{26, 1}, {27, 2}}, ARP_OK},
	{"gratuitous reply",
	 ARP_LEN,
	 7,
	 {{7, 2}, {18, 0xff}, {19, 0xff}, {20, 0xff}, {21, 0xff}, {26, 1}, {27, 2}},
	 ARP_OK},
};

START_TEST(test_parse_vec)
{
	const struct parse_vec *v = &parse_vecs[_i];
	uint8_t buf[64];
	struct arp_ipv4 a;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, req_body, sizeof(req_body));
	for (int k = 0; k < v->npatch; k++)
		buf[v->p[k].off] = v->p[k].val;
	ck_assert_msg(arp_parse(buf, v->len, &a) == v->want, "%s: got %d, want %d", v->what,
		      arp_parse(buf, v->len, &a), v->want);
}
END_TEST

START_TEST(test_build_reply)
{
	struct arp_ipv4 req;
	uint8_t out[ARP_FRAME_LEN + 1];

	ck_assert_int_eq(arp_parse(req_body, sizeof(req_body), &req), ARP_OK);
	memset(out, 0xcc, sizeof(out));
	ck_assert_uint_eq(arp_build_reply(out, &req, &owner), ARP_FRAME_LEN);
	ck_assert_mem_eq(out, reply_frame, ARP_FRAME_LEN);
	ck_assert_uint_eq(out[ARP_FRAME_LEN], 0xcc);
}
END_TEST

/* An IEEE 802 (htype 6) request still gets an Ethernet (htype 1) reply. */
START_TEST(test_build_reply_ieee802)
{
	uint8_t body[ARP_LEN], out[ARP_FRAME_LEN];
	struct arp_ipv4 req;

	memcpy(body, req_body, sizeof(body));
	body[1] = 6;
	ck_assert_int_eq(arp_parse(body, sizeof(body), &req), ARP_OK);
	arp_build_reply(out, &req, &owner);
	ck_assert_mem_eq(out, reply_frame, ARP_FRAME_LEN);
}
END_TEST

START_TEST(test_build_reply_parses)
{
	struct arp_ipv4 req, rep;
	uint8_t out[ARP_FRAME_LEN];

	ck_assert_int_eq(arp_parse(req_body, sizeof(req_body), &req), ARP_OK);
	arp_build_reply(out, &req, &owner);
	ck_assert_uint_eq(eth_type(out), ETHTYPE_ARP);
	ck_assert_int_eq(arp_parse(out + ETH_HDR_LEN, ARP_LEN, &rep), ARP_OK);
	ck_assert_uint_eq(rep.op, ARP_OP_REPLY);
	ck_assert(mac_equal(&rep.sha, &owner));
	ck_assert(mac_equal(&rep.tha, &req.sha));
	ck_assert_mem_eq(rep.spa, req.tpa, 4);
	ck_assert_mem_eq(rep.tpa, req.spa, 4);
}
END_TEST

struct learn_vec {
	uint8_t spa[4];
	bool ok;
};

static const struct learn_vec learn_vecs[] = {
	{{10, 244, 1, 2}, true},       {{192, 168, 0, 1}, true},      {{1, 0, 0, 0}, true},
	{{126, 255, 255, 255}, true},  {{128, 0, 0, 0}, true},	      {{223, 255, 255, 255}, true},
	{{0, 0, 0, 0}, false},	       {{255, 255, 255, 255}, false}, {{224, 0, 0, 1}, false},
	{{239, 255, 255, 255}, false}, {{127, 0, 0, 1}, false},	      {{127, 255, 255, 255}, false},
};

START_TEST(test_spa_learnable)
{
	const struct learn_vec *v = &learn_vecs[_i];

	ck_assert_msg(arp_spa_learnable(v->spa) == v->ok, "%u.%u.%u.%u: want %d", v->spa[0],
		      v->spa[1], v->spa[2], v->spa[3], v->ok);
}
END_TEST

#define NELEM(a) (int)(sizeof(a) / sizeof((a)[0]))

static Suite *arp_suite(void)
{
	Suite *s = suite_create("arp");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_request);
	tcase_add_test(tc, test_parse_reply_frame);
	tcase_add_loop_test(tc, test_parse_vec, 0, NELEM(parse_vecs));
	suite_add_tcase(s, tc);

	tc = tcase_create("build_reply");
	tcase_add_test(tc, test_build_reply);
	tcase_add_test(tc, test_build_reply_ieee802);
	tcase_add_test(tc, test_build_reply_parses);
	suite_add_tcase(s, tc);

	tc = tcase_create("spa_learnable");
	tcase_add_loop_test(tc, test_spa_learnable, 0, NELEM(learn_vecs));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(arp_suite());
}
