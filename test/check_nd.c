/* check_nd: NS/NA parsing against known-good and broken frames, and the NA built. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "nd.h"

#include "check_run.h"

/*
 * Known-good frames, produced once with Debian's python3-scapy 2.5.0
 * (/usr/bin/python3, "from scapy.all import *"; m1 = "0a:00:00:00:00:01",
 * m2 = "0a:00:00:00:00:02") and pasted from raw(frame). scapy computed every
 * ICMPv6 checksum; none was computed by vxtap's code.
 */

/* Ether(dst="33:33:ff:00:00:02", src=m1) /
 * IPv6(src="fd00:244::1", dst="ff02::1:ff00:2", hlim=255) /
 * ICMPv6ND_NS(tgt="fd00:244::2") / ICMPv6NDOptSrcLLAddr(lladdr=m1) */
static const uint8_t ns_frame[86] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfd, 0x00, 0x02, 0x44, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x02, 0x87, 0x00, 0x71, 0x0f, 0x00, 0x00,
	0x00, 0x00, 0xfd, 0x00, 0x02, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x01, 0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x01};

/* The answer to ns_frame when m2 owns fd00:244::2:
 * Ether(dst=m1, src=m2) / IPv6(src="fd00:244::2", dst="fd00:244::1", hlim=255) /
 * ICMPv6ND_NA(tgt="fd00:244::2", R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=m2) */
static const uint8_t na_frame[86] = {
	0x0a, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x02, 0x86, 0xdd, 0x60,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfd, 0x00, 0x02, 0x44, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xfd, 0x00, 0x02, 0x44, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x0d, 0xce, 0x60, 0x00,
	0x00, 0x00, 0xfd, 0x00, 0x02, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x02, 0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x02};

/* Duplicate-address detection: Ether(dst="33:33:ff:00:00:01", src=m1) /
 * IPv6(src="::", dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt="fd00:244::1") */
static const uint8_t dad_frame[78] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86,
	0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x3a, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x00,
	0x00, 0x01, 0x87, 0x00, 0x7b, 0x61, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x02,
	0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};

/* A unicast reachability probe without options: Ether(dst=m2, src=m1) /
 * IPv6(src="fe80::801:ff:fe00:1", dst="fd00:244::2", hlim=255) /
 * ICMPv6ND_NS(tgt="fd00:244::2") */
static const uint8_t nud_frame[78] = {
	0x0a, 0x00, 0x00, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86,
	0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x08, 0x01, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x01, 0xfd,
	0x00, 0x02, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0x87, 0x00, 0x74, 0x9c, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x02,
	0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02};

/* Its answer, to the frame's source MAC since there is no source LLA:
 * Ether(dst=m1, src=m2) / IPv6(src="fd00:244::2", dst="fe80::801:ff:fe00:1",
 * hlim=255) / ICMPv6ND_NA(tgt="fd00:244::2", R=0, S=1, O=1) /
 * ICMPv6NDOptDstLLAddr(lladdr=m2) */
static const uint8_t na_nud_frame[86] = {
	0x0a, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x02, 0x86, 0xdd, 0x60,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfd, 0x00, 0x02, 0x44, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x08, 0x01, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x01, 0x88, 0x00, 0x07, 0x91, 0x60, 0x00,
	0x00, 0x00, 0xfd, 0x00, 0x02, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x02, 0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x02};

/* An unsolicited NA to all nodes: Ether(dst="33:33:00:00:00:01", src=m2) /
 * IPv6(src="fd00:244::2", dst="ff02::1", hlim=255) /
 * ICMPv6ND_NA(tgt="fd00:244::2", R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=m2) */
static const uint8_t unsol_na_frame[86] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x02, 0x86, 0xdd, 0x60,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfd, 0x00, 0x02, 0x44, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x4e, 0x10, 0x20, 0x00,
	0x00, 0x00, 0xfd, 0x00, 0x02, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x02, 0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x02};

static const struct mac m1 = {{0x0a, 0, 0, 0, 0, 0x01}};
static const struct mac m2 = {{0x0a, 0, 0, 0, 0, 0x02}};

#define IP6   ETH_HDR_LEN
#define ICMP6 (ETH_HDR_LEN + IP6_HLEN)

static struct ipaddr ip6(const char *s)
{
	struct ipaddr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, s, a.a), 1);
	return a;
}

/* Recompute the ICMPv6 checksum of a frame a vector changed, so that only
 * the change under test is wrong with it. */
static void fix_csum(uint8_t *f)
{
	size_t plen = get_be16(f + IP6 + 4);

	put_be16(f + ICMP6 + 2, 0);
	put_be16(f + ICMP6 + 2, csum_fold(csum_add(csum_ip6_pseudo(f + IP6 + 8, f + IP6 + 24,
								   (uint32_t)plen, IP6_NH_ICMPV6),
						   f + ICMP6, plen)));
}

/* --- the known-good frames --------------------------------------------- */

START_TEST(pseudo_header_sum_matches_scapy)
{
	uint8_t f[sizeof(ns_frame)];

	/* The same checksum scapy wrote, from vxtap's own pseudo-header sum. */
	memcpy(f, ns_frame, sizeof(f));
	fix_csum(f);
	ck_assert_mem_eq(f, ns_frame, sizeof(f));
	memcpy(f, na_frame, sizeof(f));
	fix_csum(f);
	ck_assert_mem_eq(f, na_frame, sizeof(f));
}
END_TEST

START_TEST(parse_ns)
{
	struct nd_msg m;
	struct ipaddr src = ip6("fd00:244::1"), dst = ip6("ff02::1:ff00:2"),
		      tgt = ip6("fd00:244::2");

	ck_assert_int_eq(nd_parse(ns_frame, sizeof(ns_frame), &m), ND_OK);
	ck_assert_uint_eq(m.type, ND_TYPE_NS);
	ck_assert_uint_eq(m.na_flags, 0);
	ck_assert(mac_equal(&m.eth_src, &m1));
	ck_assert(ipaddr_equal(&m.src, &src));
	ck_assert(ipaddr_equal(&m.dst, &dst));
	ck_assert(ipaddr_equal(&m.target, &tgt));
	ck_assert(m.has_lla);
	ck_assert(mac_equal(&m.lla, &m1));
	ck_assert(!nd_is_dad(&m));
}
END_TEST

START_TEST(parse_na)
{
	struct nd_msg m;
	struct ipaddr tgt = ip6("fd00:244::2");

	ck_assert_int_eq(nd_parse(na_frame, sizeof(na_frame), &m), ND_OK);
	ck_assert_uint_eq(m.type, ND_TYPE_NA);
	ck_assert_uint_eq(m.na_flags, ND_NA_FLAG_SOLIC | ND_NA_FLAG_OVERR);
	ck_assert(ipaddr_equal(&m.target, &tgt));
	ck_assert(m.has_lla);
	ck_assert(mac_equal(&m.lla, &m2));

	ck_assert_int_eq(nd_parse(unsol_na_frame, sizeof(unsol_na_frame), &m), ND_OK);
	ck_assert_uint_eq(m.na_flags, ND_NA_FLAG_OVERR);
	ck_assert(mac_equal(&m.lla, &m2));
}
END_TEST

START_TEST(parse_dad_and_nud)
{
	struct nd_msg m;
	struct ipaddr ll = ip6("fe80::801:ff:fe00:1");

	ck_assert_int_eq(nd_parse(dad_frame, sizeof(dad_frame), &m), ND_OK);
	ck_assert(nd_is_dad(&m));
	ck_assert(!m.has_lla);

	ck_assert_int_eq(nd_parse(nud_frame, sizeof(nud_frame), &m), ND_OK);
	ck_assert(!nd_is_dad(&m));
	ck_assert(!m.has_lla);
	ck_assert(ipaddr_equal(&m.src, &ll));
}
END_TEST

/* --- table-driven vectors ---------------------------------------------- */

enum base { B_NS, B_NA, B_DAD, B_UNSOL };

static const struct nd_vec {
	const char *name;
	enum base base;
	size_t off;	   /* where patch goes (0 = nowhere) */
	uint8_t patch[16]; /* bytes written at off */
	size_t plen;	   /* how many */
	int len_delta;	   /* frame length change: truncation or padding */
	uint16_t payload;  /* new IPv6 payload length (0 = keep) */
	bool fix;	   /* recompute the checksum after the patch */
	enum nd_result want;
} vecs[] = {
	/* not ND at all: forwarded untouched */
	{"ethertype IPv4", B_NS, 12, {0x08, 0x00}, 2, 0, 0, false, ND_NOT_ND},
	{"IP version 4", B_NS, IP6, {0x40}, 1, 0, 0, false, ND_NOT_ND},
	{"next header TCP", B_NS, IP6 + 6, {6}, 1, 0, 0, false, ND_NOT_ND},
	{"hop-by-hop header first", B_NS, IP6 + 6, {0}, 1, 0, 0, false, ND_NOT_ND},
	{"echo request", B_NS, ICMP6, {128}, 1, 0, 0, true, ND_NOT_ND},
	{"router solicitation", B_NS, ICMP6, {133}, 1, 0, 0, true, ND_NOT_ND},
	{"no ICMPv6 type byte", B_NS, 0, {0}, 0, -32, 0, false, ND_NOT_ND},
	/* good, with the tolerances the RFC asks for */
	{"as produced", B_NS, 0, {0}, 0, 0, 0, false, ND_OK},
	{"Ethernet padding after the payload", B_DAD, 0, {0}, 0, 8, 0, false, ND_OK},
	{"NS reserved bits set", B_NS, ICMP6 + 4, {0xff, 0xff}, 2, 0, 0, true, ND_OK},
	{"unknown option skipped", B_NS, ICMP6 + 24, {14, 1}, 2, 0, 0, true, ND_OK},
	{"TLLA in an NS ignored", B_NS, ICMP6 + 24, {ND_OPT_TLLA}, 1, 0, 0, true, ND_OK},
	/* malformed */
	{"payload length 23", B_NS, 0, {0}, 0, 0, 23, false, ND_SHORT},
	{"payload length past the frame", B_NS, 0, {0}, 0, 0, 40, false, ND_SHORT},
	{"frame cut short", B_NS, 0, {0}, 0, -1, 0, false, ND_SHORT},
	{"hop limit 254", B_NS, IP6 + 7, {254}, 1, 0, 0, false, ND_BAD_HOPLIMIT},
	{"hop limit 1", B_NA, IP6 + 7, {1}, 1, 0, 0, false, ND_BAD_HOPLIMIT},
	{"code 1", B_NS, ICMP6 + 1, {1}, 1, 0, 0, true, ND_BAD_CODE},
	{"checksum off by one", B_NS, ICMP6 + 3, {0x10}, 1, 0, 0, false, ND_BAD_CSUM},
	{"checksum of an NA", B_NA, ICMP6 + 2, {0, 0}, 2, 0, 0, false, ND_BAD_CSUM},
	{"one payload bit flipped", B_DAD, ICMP6 + 23, {0x03}, 1, 0, 0, false, ND_BAD_CSUM},
	{"target multicast", B_NS, ICMP6 + 8, {0xff, 0x02}, 2, 0, 0, true, ND_BAD_TARGET},
	{"target unspecified", B_NS, ICMP6 + 8, {0}, 16, 0, 0, true, ND_BAD_TARGET},
	{"target loopback", B_NA, ICMP6 + 8, {[15] = 1}, 16, 0, 0, true, ND_BAD_TARGET},
	{"source multicast", B_NS, IP6 + 8, {0xff, 0x02}, 2, 0, 0, true, ND_BAD_SOURCE},
	{"DAD to a non-solicited-node group", B_DAD, IP6 + 36, {0}, 1, 0, 0, true, ND_BAD_SOURCE},
	{"NS from :: with a source LLA", B_NS, IP6 + 8, {0}, 16, 0, 0, true, ND_BAD_SOURCE},
	{"option length 0", B_NS, ICMP6 + 25, {0}, 1, 0, 0, true, ND_BAD_OPTION},
	{"option past the end", B_NS, ICMP6 + 25, {2}, 1, 0, 0, true, ND_BAD_OPTION},
	{"LLA option of 16 bytes", B_NS, ICMP6 + 25, {2}, 1, 8, 40, true, ND_BAD_OPTION},
	{"lone option byte", B_DAD, 0, {0}, 0, 1, 25, true, ND_BAD_OPTION},
	{"SLLA multicast", B_NS, ICMP6 + 26, {0x01}, 1, 0, 0, true, ND_BAD_LLADDR},
	{"TLLA zero", B_NA, ICMP6 + 26, {0, 0, 0, 0, 0, 0}, 6, 0, 0, true, ND_BAD_LLADDR},
	{"NA to all nodes with S", B_UNSOL, ICMP6 + 4, {0x60}, 1, 0, 0, true, ND_BAD_FLAGS},
};

START_TEST(parse_vectors)
{
	const struct nd_vec *v = &vecs[_i];
	uint8_t f[256];
	size_t len;
	struct nd_msg m;

	memset(f, 0, sizeof(f));
	switch (v->base) {
	case B_NS:
		memcpy(f, ns_frame, len = sizeof(ns_frame));
		break;
	case B_NA:
		memcpy(f, na_frame, len = sizeof(na_frame));
		break;
	case B_DAD:
		memcpy(f, dad_frame, len = sizeof(dad_frame));
		break;
	case B_UNSOL:
	default:
		memcpy(f, unsol_na_frame, len = sizeof(unsol_na_frame));
		break;
	}
	memcpy(f + v->off, v->patch, v->plen);
	len = (size_t)((int)len + v->len_delta);
	if (v->payload != 0)
		put_be16(f + IP6 + 4, v->payload);
	if (v->fix)
		fix_csum(f);
	ck_assert_msg(nd_parse(f, len, &m) == v->want, "%s: got %d, want %d", v->name,
		      (int)nd_parse(f, len, &m), (int)v->want);
}
END_TEST

START_TEST(first_lla_option_wins)
{
	uint8_t f[sizeof(ns_frame) + 8];
	struct nd_msg m;

	memcpy(f, ns_frame, sizeof(ns_frame));
	memcpy(f + sizeof(ns_frame), (const uint8_t[]){ND_OPT_SLLA, 1, 0x0a, 0, 0, 0, 0, 0x09}, 8);
	put_be16(f + IP6 + 4, 40);
	fix_csum(f);
	ck_assert_int_eq(nd_parse(f, sizeof(f), &m), ND_OK);
	ck_assert(mac_equal(&m.lla, &m1));
}
END_TEST

/* --- building answers ---------------------------------------------------- */

START_TEST(build_na_matches_scapy)
{
	uint8_t out[ND_NA_FRAME_LEN];
	struct nd_msg ns;

	ck_assert_int_eq(nd_parse(ns_frame, sizeof(ns_frame), &ns), ND_OK);
	memset(out, 0xee, sizeof(out));
	ck_assert_uint_eq(nd_build_na(out, &ns, &m2), ND_NA_FRAME_LEN);
	ck_assert_mem_eq(out, na_frame, sizeof(na_frame));

	/* no source LLA: back to the frame's source MAC */
	ck_assert_int_eq(nd_parse(nud_frame, sizeof(nud_frame), &ns), ND_OK);
	ck_assert_uint_eq(nd_build_na(out, &ns, &m2), ND_NA_FRAME_LEN);
	ck_assert_mem_eq(out, na_nud_frame, sizeof(na_nud_frame));
}
END_TEST

START_TEST(build_na_prefers_slla_over_frame_source)
{
	uint8_t out[ND_NA_FRAME_LEN];
	struct nd_msg ns, na;

	ck_assert_int_eq(nd_parse(ns_frame, sizeof(ns_frame), &ns), ND_OK);
	ns.eth_src = m2; /* as if a bridge had rewritten the source */
	nd_build_na(out, &ns, &m2);
	ck_assert_mem_eq(out, m1.b, MAC_LEN);
	ck_assert_int_eq(nd_parse(out, sizeof(out), &na), ND_OK);
	ck_assert(mac_equal(&na.lla, &m2));
}
END_TEST

START_TEST(build_na_for_dad_goes_to_all_nodes)
{
	static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	uint8_t out[ND_NA_FRAME_LEN];
	struct nd_msg ns, na;
	struct ipaddr all = ip6("ff02::1");

	ck_assert_int_eq(nd_parse(dad_frame, sizeof(dad_frame), &ns), ND_OK);
	nd_build_na(out, &ns, &m2);
	ck_assert_mem_eq(out, all_nodes_mac, 6);
	/* and it is a valid NA: right checksum, S clear towards a group */
	ck_assert_int_eq(nd_parse(out, sizeof(out), &na), ND_OK);
	ck_assert(ipaddr_equal(&na.dst, &all));
	ck_assert_uint_eq(na.na_flags, ND_NA_FLAG_OVERR);
}
END_TEST

static const struct {
	const char *ip;
	bool want;
} learnable[] = {
	{"fd00:244::2", true}, {"fe80::1", true},  {"2001:db8::1", true}, {"::", false},
	{"::1", false},	       {"ff02::1", false}, {"ff05::2", false},	  {"::ffff:10.0.0.1", true},
};

START_TEST(learnable_vectors)
{
	struct ipaddr a = ip6(learnable[_i].ip);

	ck_assert_int_eq(nd_addr_learnable(&a), learnable[_i].want);
}
END_TEST

START_TEST(ipv4_is_not_learnable)
{
	struct ipaddr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.a[0] = 10;
	ck_assert(!nd_addr_learnable(&a));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nd");
	TCase *good = tcase_create("known_good");
	TCase *parse = tcase_create("parse");
	TCase *build = tcase_create("build");

	tcase_add_test(good, pseudo_header_sum_matches_scapy);
	tcase_add_test(good, parse_ns);
	tcase_add_test(good, parse_na);
	tcase_add_test(good, parse_dad_and_nud);
	suite_add_tcase(s, good);

	tcase_add_loop_test(parse, parse_vectors, 0, (int)(sizeof(vecs) / sizeof(vecs[0])));
	tcase_add_test(parse, first_lla_option_wins);
	tcase_add_loop_test(parse, learnable_vectors, 0,
			    (int)(sizeof(learnable) / sizeof(learnable[0])));
	tcase_add_test(parse, ipv4_is_not_learnable);
	suite_add_tcase(s, parse);

	tcase_add_test(build, build_na_matches_scapy);
	tcase_add_test(build, build_na_prefers_slla_over_frame_source);
	tcase_add_test(build, build_na_for_dad_goes_to_all_nodes);
	suite_add_tcase(s, build);

	return check_run(s);
}
