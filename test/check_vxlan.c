/* check_vxlan: unit tests for the RFC 7348 header codec. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vxlan.h"

#include "check_run.h"

struct enc_vec {
	uint32_t vni;
	uint8_t hdr[VXLAN_HLEN];
};

/* Written out by hand from the RFC 7348 diagram. */
static const struct enc_vec enc_vecs[] = {
	{0, {0x08, 0, 0, 0, 0x00, 0x00, 0x00, 0}},
	{1, {0x08, 0, 0, 0, 0x00, 0x00, 0x01, 0}},
	{8472, {0x08, 0, 0, 0, 0x00, 0x21, 0x18, 0}},
	{0x123456, {0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0}},
	{0xabcdef, {0x08, 0, 0, 0, 0xab, 0xcd, 0xef, 0}},
	{VXLAN_VNI_MAX, {0x08, 0, 0, 0, 0xff, 0xff, 0xff, 0}},
};

START_TEST(test_encode)
{
	const struct enc_vec *v = &enc_vecs[_i];
	uint8_t hdr[VXLAN_HLEN + 2];

	/* Sentinels either side: encode writes exactly 8 bytes. */
	memset(hdr, 0xcc, sizeof(hdr));
	vxlan_encode(hdr + 1, v->vni);
	ck_assert_mem_eq(hdr + 1, v->hdr, VXLAN_HLEN);
	ck_assert_uint_eq(hdr[0], 0xcc);
	ck_assert_uint_eq(hdr[VXLAN_HLEN + 1], 0xcc);
}
END_TEST

START_TEST(test_decode_good)
{
	const struct enc_vec *v = &enc_vecs[_i];
	uint32_t vni = 0xdeadbeef;

	ck_assert_int_eq(vxlan_decode(v->hdr, VXLAN_HLEN, &vni), VXLAN_OK);
	ck_assert_uint_eq(vni, v->vni);
	/* Trailing payload is not the header's business. */
	vni = 0xdeadbeef;
	ck_assert_int_eq(vxlan_decode(v->hdr, VXLAN_HLEN + 100, &vni), VXLAN_OK);
	ck_assert_uint_eq(vni, v->vni);
}
END_TEST

struct dec_vec {
	uint8_t hdr[VXLAN_HLEN];
	size_t len;
	enum vxlan_result want;
};

static const struct dec_vec dec_bad[] = {
	{{0x08, 0, 0, 0, 0, 0, 1, 0}, 0, VXLAN_SHORT},
	{{0x08, 0, 0, 0, 0, 0, 1, 0}, 7, VXLAN_SHORT},
	/* SHORT wins over everything else. */
	{{0xff, 0xff, 0xff, 0xff, 0, 0, 1, 0xff}, 7, VXLAN_SHORT},
	{{0x00, 0, 0, 0, 0, 0, 1, 0}, 8, VXLAN_NO_I},
	/* NO_I wins over RESERVED. */
	{{0xf7, 0xff, 0xff, 0xff, 0, 0, 1, 0xff}, 8, VXLAN_NO_I},
	{{0x80, 0, 0, 0, 0, 0, 1, 0}, 8, VXLAN_NO_I},
	/* GBP-style (G bit, policy in bytes 2-3) without GBP configured. */
	{{0x88, 0, 0x12, 0x34, 0, 0, 1, 0}, 8, VXLAN_RESERVED},
	/* GPE-style next protocol in byte 3. */
	{{0x0c, 0, 0, 0x03, 0, 0, 1, 0}, 8, VXLAN_RESERVED},
	{{0x08, 0, 0, 0, 0, 0, 1, 0x01}, 8, VXLAN_RESERVED},
	{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 8, VXLAN_RESERVED},
};

START_TEST(test_decode_bad)
{
	const struct dec_vec *v = &dec_bad[_i];
	uint32_t vni = 0xdeadbeef;

	ck_assert_int_eq(vxlan_decode(v->hdr, v->len, &vni), v->want);
	ck_assert_uint_eq(vni, 0xdeadbeef);
}
END_TEST

/* Every single header bit: the I bit and the 24 VNI bits are fine on their
 * own (the I bit is always set here), the other 39 are reserved. */
START_TEST(test_decode_each_bit)
{
	int byte = _i / 8, bit = 7 - _i % 8;
	uint8_t hdr[VXLAN_HLEN] = {VXLAN_FLAG_I};
	uint32_t vni = 0;
	bool is_vni = byte >= 4 && byte <= 6;
	bool is_i = byte == 0 && (1u << bit) == VXLAN_FLAG_I;

	hdr[byte] |= (uint8_t)(1u << bit);
	if (is_vni) {
		ck_assert_int_eq(vxlan_decode(hdr, sizeof(hdr), &vni), VXLAN_OK);
		ck_assert_uint_eq(vni, 1u << (8 * (6 - byte) + bit));
	} else if (is_i) {
		ck_assert_int_eq(vxlan_decode(hdr, sizeof(hdr), &vni), VXLAN_OK);
		ck_assert_uint_eq(vni, 0);
	} else {
		ck_assert_int_eq(vxlan_decode(hdr, sizeof(hdr), &vni), VXLAN_RESERVED);
	}
}
END_TEST

START_TEST(test_roundtrip)
{
	uint8_t hdr[VXLAN_HLEN];

	for (uint32_t vni = 0; vni <= VXLAN_VNI_MAX; vni += 0x10001) {
		uint32_t got = ~vni;

		vxlan_encode(hdr, vni);
		ck_assert_int_eq(vxlan_decode(hdr, sizeof(hdr), &got), VXLAN_OK);
		ck_assert_uint_eq(got, vni);
	}
}
END_TEST

START_TEST(test_decode_null_vni)
{
	static const uint8_t hdr[VXLAN_HLEN] = {0x08, 0, 0, 0, 0, 0, 1, 0};

	ck_assert_int_eq(vxlan_decode(hdr, sizeof(hdr), NULL), VXLAN_OK);
}
END_TEST

#define NELEM(a) (int)(sizeof(a) / sizeof((a)[0]))

static Suite *vxlan_suite(void)
{
	Suite *s = suite_create("vxlan");
	TCase *tc;

	tc = tcase_create("encode");
	tcase_add_loop_test(tc, test_encode, 0, NELEM(enc_vecs));
	tcase_add_test(tc, test_roundtrip);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_add_loop_test(tc, test_decode_good, 0, NELEM(enc_vecs));
	tcase_add_test(tc, test_decode_null_vni);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode_errors");
	tcase_add_loop_test(tc, test_decode_bad, 0, NELEM(dec_bad));
	tcase_add_loop_test(tc, test_decode_each_bit, 0, 8 * VXLAN_HLEN);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(vxlan_suite());
}
