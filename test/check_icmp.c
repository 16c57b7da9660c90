/* check_icmp: "fragmentation needed" eligibility and the frames built. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "icmp.h"

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

int main(void)
{
	Suite *s = suite_create("icmp");
	TCase *elig = tcase_create("eligibility");
	TCase *build = tcase_create("build");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(elig, needs_frag_vectors, 0,
			    (int)(sizeof(eligibility) / sizeof(eligibility[0])));
	tcase_add_test(elig, needs_frag_rejects_malformed);
	tcase_add_test(build, built_reply_is_well_formed);
	tcase_add_test(build, short_packet_quoted_whole);
	suite_add_tcase(s, elig);
	suite_add_tcase(s, build);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
