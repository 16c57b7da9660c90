/* check_icmp: "fragmentation needed" and "packet too big" eligibility and the frames built. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "icmp.h"

#include "check_run.h"

static const uint8_t dst_mac[6] = {0x0a, 0, 0, 0, 0, 2};
static const uint8_t src_mac[6] = {0x0a, 0, 0, 0, 0, 1};

/* An Ethernet frame with an IPv4 packet of tot bytes 10.244.0.1 -> .2. */
static size_t ip_frame(uint8_t *f, size_t tot, uint16_t frag, uint8_t proto, uint8_t l4type)
{
	uint8_t *ip = f + ETH_HDR_LEN;

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	put_be16(f + 12, ETHTYPE_IPV4);
	for (size_t i = 0; i < tot; i++)
		ip[i] = (uint8_t)(i * 13);
	ip[0] = 0x45;
	ip[1] = 0;
	put_be16(ip + 2, (uint16_t)tot);
	put_be16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	put_be16(ip + 10, 0);
	memcpy(ip + 12, (const uint8_t[]){10, 244, 0, 1}, 4);
	memcpy(ip + 16, (const uint8_t[]){10, 244, 0, 2}, 4);
	put_be16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	ip[20] = l4type;
	return ETH_HDR_LEN + tot;
}

static const struct {
	size_t tot;
	uint16_t frag;
	uint8_t proto, l4type;
	uint32_t mtu;
	bool want;
} eligibility[] = {
	{1500, 0x4000, 6, 0, 1400, true},   /* TCP, DF, too big */
	{1500, 0x4000, 1, 8, 1400, true},   /* ICMP echo, DF, too big */
	{1400, 0x4000, 6, 0, 1400, false},  /* fits exactly */
	{1500, 0x0000, 6, 0, 1400, false},  /* DF clear: the underlay fragments */
	{1500, 0x4000, 1, 3, 1400, false},  /* never answer an ICMP error */
	{1500, 0x4000, 1, 11, 1400, false}, /* time exceeded is an error too */
	{1500, 0x4000, 17, 3, 1400, true},  /* UDP whose first byte is 3 is fine */
};

START_TEST(needs_frag_vectors)
{
	uint8_t f[2000];
	size_t len = ip_frame(f, eligibility[_i].tot, eligibility[_i].frag, eligibility[_i].proto,
			      eligibility[_i].l4type);

	ck_assert_int_eq(icmp_needs_frag(f, len, eligibility[_i].mtu), eligibility[_i].want);
}
END_TEST

START_TEST(needs_frag_rejects_malformed)
{
	uint8_t f[2000];
	size_t len = ip_frame(f, 1500, 0x4000, 6, 0);

	ck_assert(icmp_needs_frag(f, len, 1400));
	ck_assert(!icmp_needs_frag(f, 30, 1400));   /* truncated header */
	ck_assert(!icmp_needs_frag(f, 1000, 1400)); /* total length beyond the frame */
	f[14] = 0x44;				    /* IHL 4 */
	ck_assert(!icmp_needs_frag(f, len, 1400));
	f[14] = 0x65; /* version 6 */
	ck_assert(!icmp_needs_frag(f, len, 1400));
	f[14] = 0x45;
	put_be16(f + 12, ETHTYPE_IPV6);
	ck_assert(!icmp_needs_frag(f, len, 1400));
}
END_TEST

START_TEST(built_reply_is_well_formed)
{
	uint8_t f[2000], r[ICMP_REPLY_MAX];
	size_t len = ip_frame(f, 1500, 0x4000, 6, 0);
	size_t rl = icmp_build_frag_needed(r, f, len, 1400);
	const uint8_t *ip = r + ETH_HDR_LEN, *icmp = ip + 20;

	ck_assert_uint_eq(rl, ETH_HDR_LEN + 20 + 8 + ICMP_QUOTE_MAX);
	ck_assert_mem_eq(r, src_mac, 6); /* back to the sender */
	ck_assert_mem_eq(r + 6, dst_mac, 6);
	ck_assert_uint_eq(get_be16(r + 12), ETHTYPE_IPV4);
	ck_assert_uint_eq(ip[0], 0x45);
	ck_assert_uint_eq(get_be16(ip + 2), 20 + 8 + ICMP_QUOTE_MAX);
	ck_assert_uint_eq(ip[9], 1);
	ck_assert_mem_eq(ip + 12, ((const uint8_t[]){10, 244, 0, 2}), 4);
	ck_assert_mem_eq(ip + 16, ((const uint8_t[]){10, 244, 0, 1}), 4);
	ck_assert_uint_eq(csum_fold(csum_add(0, ip, 20)), 0);
	ck_assert_uint_eq(icmp[0], 3);
	ck_assert_uint_eq(icmp[1], 4);
	ck_assert_uint_eq(get_be16(icmp + 6), 1400);
	ck_assert_uint_eq(csum_fold(csum_add(0, icmp, 8 + ICMP_QUOTE_MAX)), 0);
	ck_assert_mem_eq(icmp + 8, f + ETH_HDR_LEN, ICMP_QUOTE_MAX);
}
END_TEST

START_TEST(short_packet_quoted_whole)
{
	uint8_t f[2000], r[ICMP_REPLY_MAX];
	size_t len = ip_frame(f, 100, 0x4000, 6, 0);
	size_t rl = icmp_build_frag_needed(r, f, len, 68);

	ck_assert_uint_eq(rl, ETH_HDR_LEN + 20 + 8 + 100);
	ck_assert_uint_eq(csum_fold(csum_add(0, r + ETH_HDR_LEN + 20, 8 + 100)), 0);
	ck_assert_uint_eq(get_be16(r + ETH_HDR_LEN + 20 + 6), 68);
}
END_TEST

/* --- ICMPv6 packet too big ---------------------------------------------- */

static const uint8_t v6_src[16] = {0xfd, 0x00, 0x02, 0x44, [15] = 1}; /* fd00:244::1 */
static const uint8_t v6_dst[16] = {0xfd, 0x00, 0x02, 0x44, [15] = 2}; /* fd00:244::2 */

/* An Ethernet frame with an IPv6 packet of tot bytes fd00:244::1 -> ::2
 * whose next header is nh; the first payload byte is l4type. */
static size_t ip6_frame(uint8_t *f, size_t tot, uint8_t nh, uint8_t l4type)
{
	uint8_t *ip = f + ETH_HDR_LEN;

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	put_be16(f + 12, ETHTYPE_IPV6);
	for (size_t i = 0; i < tot; i++)
		ip[i] = (uint8_t)(i * 7);
	memset(ip, 0, 8);
	ip[0] = 0x60;
	put_be16(ip + 4, (uint16_t)(tot - 40));
	ip[6] = nh;
	ip[7] = 64;
	memcpy(ip + 8, v6_src, 16);
	memcpy(ip + 24, v6_dst, 16);
	ip[40] = l4type;
	return ETH_HDR_LEN + tot;
}

enum v6_mangle {
	V6_NONE,
	V6_SRC_UNSPEC,
	V6_SRC_LOOPBACK,
	V6_SRC_MCAST,
	V6_DST_MCAST,
	V6_HBH_THEN_ICMP_ERR,  /* hop-by-hop options, then an ICMPv6 error */
	V6_HBH_THEN_TCP,       /* hop-by-hop options, then TCP */
	V6_FRAG_FIRST,	       /* fragment header, offset 0, then an echo */
	V6_FRAG_LATER,	       /* fragment header, offset 1448 */
	V6_EXT_PAST_END,       /* a destination-options header longer than the packet */
	V6_TOO_MANY_EXT,       /* nine destination-options headers */
	V6_JUMBO,	       /* payload length 0 */
	V6_PAYLOAD_PAST_FRAME, /* payload length beyond the frame */
	V6_VERSION_4,
};

static const struct {
	size_t tot;
	uint8_t nh, l4type;
	enum v6_mangle m;
	uint32_t mtu;
	bool want;
} v6_eligibility[] = {
	{1500, 58, 128, V6_NONE, 1430, true},	       /* echo request, too big */
	{1430, 58, 128, V6_NONE, 1430, false},	       /* fits exactly */
	{1431, 6, 0, V6_NONE, 1430, true},	       /* TCP, one byte over */
	{1500, 17, 1, V6_NONE, 1430, true},	       /* UDP whose first byte is 1 is fine */
	{1300, 58, 128, V6_NONE, 1280, true},	       /* the IPv6 minimum is still answered */
	{1300, 58, 128, V6_NONE, 1279, false},	       /* below it: the underlay fragments */
	{1500, 58, 1, V6_NONE, 1430, false},	       /* never answer an ICMPv6 error */
	{1500, 58, 2, V6_NONE, 1430, false},	       /* packet too big is an error */
	{1500, 58, 4, V6_NONE, 1430, false},	       /* parameter problem too */
	{1500, 58, 137, V6_NONE, 1430, false},	       /* nor a redirect */
	{1500, 58, 135, V6_NONE, 1430, true},	       /* other informational types are fine */
	{1500, 58, 128, V6_SRC_UNSPEC, 1430, false},   /* nobody to tell */
	{1500, 58, 128, V6_SRC_LOOPBACK, 1430, false}, /* nor here */
	{1500, 58, 128, V6_SRC_MCAST, 1430, false},    /* a bogus source */
	{1500, 58, 128, V6_DST_MCAST, 1430, false},    /* the answer's source would be a group */
	{1500, 0, 0, V6_HBH_THEN_ICMP_ERR, 1430, false},
	{1500, 0, 0, V6_HBH_THEN_TCP, 1430, true},
	{1500, 44, 0, V6_FRAG_FIRST, 1430, true},
	{1500, 44, 0, V6_FRAG_LATER, 1430, false},
	{1500, 60, 0, V6_EXT_PAST_END, 1430, false},
	{1500, 60, 0, V6_TOO_MANY_EXT, 1430, false},
	{1500, 58, 128, V6_JUMBO, 1430, false},
	{1500, 58, 128, V6_PAYLOAD_PAST_FRAME, 1430, false},
	{1500, 58, 128, V6_VERSION_4, 1430, false},
};

START_TEST(needs_ptb_vectors)
{
	uint8_t f[2000];
	uint8_t *ip = f + ETH_HDR_LEN;
	size_t len = ip6_frame(f, v6_eligibility[_i].tot, v6_eligibility[_i].nh,
			       v6_eligibility[_i].l4type);

	switch (v6_eligibility[_i].m) {
	case V6_SRC_UNSPEC:
		memset(ip + 8, 0, 16);
		break;
	case V6_SRC_LOOPBACK:
		memset(ip + 8, 0, 16);
		ip[23] = 1;
		break;
	case V6_SRC_MCAST:
		ip[8] = 0xff;
		break;
	case V6_DST_MCAST:
		ip[24] = 0xff;
		break;
	case V6_HBH_THEN_ICMP_ERR:
	case V6_HBH_THEN_TCP:
		ip[40] = v6_eligibility[_i].m == V6_HBH_THEN_TCP ? 6 : 58;
		ip[41] = 0; /* 8 bytes */
		ip[48] = 1; /* destination unreachable, if ICMPv6 */
		break;
	case V6_FRAG_FIRST:
	case V6_FRAG_LATER:
		ip[40] = 58;
		ip[41] = 0;
		put_be16(ip + 42, v6_eligibility[_i].m == V6_FRAG_LATER ? 1448 | 1 : 1);
		ip[48] = 128;
		break;
	case V6_EXT_PAST_END:
		ip[40] = 6;
		ip[41] = 255; /* 2048 bytes */
		break;
	case V6_TOO_MANY_EXT:
		for (int k = 0; k < 9; k++) {
			ip[40 + 8 * k] = k < 8 ? 60 : 6;
			ip[41 + 8 * k] = 0;
		}
		break;
	case V6_JUMBO:
		put_be16(ip + 4, 0);
		break;
	case V6_PAYLOAD_PAST_FRAME:
		len -= 1;
		break;
	case V6_VERSION_4:
		ip[0] = 0x40;
		break;
	case V6_NONE:
		break;
	}
	ck_assert_int_eq(icmp6_needs_ptb(f, len, v6_eligibility[_i].mtu), v6_eligibility[_i].want);
}
END_TEST

START_TEST(needs_ptb_ignores_other_frames)
{
	uint8_t f[2000];
	size_t len = ip_frame(f, 1500, 0x4000, 6, 0);

	ck_assert(!icmp6_needs_ptb(f, len, 1430)); /* IPv4 */
	len = ip6_frame(f, 1500, 58, 128);
	ck_assert(icmp6_needs_ptb(f, len, 1430));
	ck_assert(!icmp6_needs_ptb(f, 53, 1430));  /* shorter than the IPv6 header */
	ck_assert(!icmp_needs_frag(f, len, 1400)); /* and the IPv4 check leaves IPv6 alone */
}
END_TEST

/*
 * The offending frame and its expected answer, produced with Debian's
 * python3-scapy 2.5.0 (/usr/bin/python3, "from scapy.all import *"):
 *   data = bytes((i * 7) & 0xff for i in range(1452))
 *   inp = Ether(dst="0a:00:00:00:00:02", src="0a:00:00:00:00:01") /
 *         IPv6(src="fd00:244::1", dst="fd00:244::2", hlim=64) /
 *         ICMPv6EchoRequest(id=0x1234, seq=1, data=data)
 *   ptb = Ether(dst="0a:00:00:00:00:01", src="0a:00:00:00:00:02") /
 *         IPv6(src="fd00:244::2", dst="fd00:244::1", hlim=64) /
 *         ICMPv6PacketTooBig(mtu=1430) / Raw(raw(inp)[14:][:1232])
 * echo_csum is the echo request's checksum and ptb_head the first 62 bytes
 * of raw(ptb) (1294 bytes in all); the rest of raw(ptb) is the quote.
 */
static const uint16_t echo_csum = 0x9cab;
static const uint8_t ptb_head[62] = {
	0x0a, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x02, 0x86,
	0xdd, 0x60, 0x00, 0x00, 0x00, 0x04, 0xd8, 0x3a, 0x40, 0xfd, 0x00, 0x02, 0x44,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xfd,
	0x00, 0x02, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x02, 0x00, 0x30, 0x43, 0x00, 0x00, 0x05, 0x96};

START_TEST(built_ptb_matches_scapy)
{
	static uint8_t f[2000], r[ICMP6_REPLY_MAX];
	uint8_t *ip = f + ETH_HDR_LEN;
	size_t len, rl;

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	put_be16(f + 12, ETHTYPE_IPV6);
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put_be16(ip + 4, 1460);
	ip[6] = 58;
	ip[7] = 64;
	memcpy(ip + 8, v6_src, 16);
	memcpy(ip + 24, v6_dst, 16);
	memcpy(ip + 40, (const uint8_t[]){128, 0, 0, 0, 0x12, 0x34, 0, 1}, 8);
	put_be16(ip + 42, echo_csum);
	for (size_t i = 0; i < 1452; i++)
		ip[48 + i] = (uint8_t)(i * 7);
	len = ETH_HDR_LEN + 1500;

	ck_assert(icmp6_needs_ptb(f, len, 1430));
	rl = icmp6_build_ptb(r, f, len, 1430);
	ck_assert_uint_eq(rl, 1294);
	ck_assert_uint_eq(rl, ICMP6_REPLY_MAX);
	ck_assert_mem_eq(r, ptb_head, sizeof(ptb_head));
	ck_assert_mem_eq(r + sizeof(ptb_head), f + ETH_HDR_LEN, ICMP6_QUOTE_MAX);
}
END_TEST

START_TEST(short_ipv6_packet_quoted_whole)
{
	uint8_t f[2000], r[ICMP6_REPLY_MAX];
	size_t len = ip6_frame(f, 100, 17, 0);
	size_t rl = icmp6_build_ptb(r, f, len, 70000);
	const uint8_t *ip = r + ETH_HDR_LEN, *icmp = ip + 40;

	ck_assert_uint_eq(rl, ETH_HDR_LEN + 40 + 8 + 100);
	ck_assert_uint_eq(get_be16(ip + 4), 8 + 100);
	/* the 32-bit MTU field carries more than 16 bits */
	ck_assert_mem_eq(icmp + 4, ((const uint8_t[]){0, 1, 0x11, 0x70}), 4);
	ck_assert_uint_eq(csum_fold(csum_add(csum_ip6_pseudo(ip + 8, ip + 24, 108, 58), icmp, 108)),
			  0);
	ck_assert_mem_eq(icmp + 8, f + ETH_HDR_LEN, 100);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("icmp");
	TCase *elig = tcase_create("eligibility");
	TCase *build = tcase_create("build");

	tcase_add_loop_test(elig, needs_frag_vectors, 0,
			    (int)(sizeof(eligibility) / sizeof(eligibility[0])));
	tcase_add_test(elig, needs_frag_rejects_malformed);
	tcase_add_test(build, built_reply_is_well_formed);
	tcase_add_test(build, short_packet_quoted_whole);
	tcase_add_loop_test(elig, needs_ptb_vectors, 0,
			    (int)(sizeof(v6_eligibility) / sizeof(v6_eligibility[0])));
	tcase_add_test(elig, needs_ptb_ignores_other_frames);
	tcase_add_test(build, built_ptb_matches_scapy);
	tcase_add_test(build, short_ipv6_packet_quoted_whole);
	suite_add_tcase(s, elig);
	suite_add_tcase(s, build);
	return check_run(s);
}
