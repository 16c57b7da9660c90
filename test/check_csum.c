/* check_csum: the Internet checksum against RFC 1071's worked example. */
#include <check.h>
#include <stdlib.h>

#include "csum.h"

#include "check_run.h"

START_TEST(rfc1071_example)
{
	/* RFC 1071 section 3: the sum of these bytes is 0xddf2. */
	static const uint8_t b[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	ck_assert_uint_eq(csum_fold(csum_add(0, b, sizeof(b))), (uint16_t)~0xddf2);
}
END_TEST

START_TEST(pieces_combine)
{
	uint8_t b[301];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7 + 3);
	ck_assert_uint_eq(csum_fold(csum_add(csum_add(0, b, 100), b + 100, 201)),
			  csum_fold(csum_add(0, b, sizeof(b))));
}
END_TEST

START_TEST(odd_length_pads)
{
	static const uint8_t odd[3] = {0x12, 0x34, 0x56};
	static const uint8_t even[4] = {0x12, 0x34, 0x56, 0x00};

	ck_assert_uint_eq(csum_fold(csum_add(0, odd, 3)), csum_fold(csum_add(0, even, 4)));
}
END_TEST

START_TEST(verifies_to_zero)
{
	/* A header with its checksum in place sums to 0xffff (folds to 0). */
	uint8_t h[20] = {0x45, 0, 0,  84,  0x12, 0x34, 0x40, 0,	  64, 1,
			 0,    0, 10, 244, 0,	 1,    10,   244, 0,  2};
	uint16_t c = csum_fold(csum_add(0, h, sizeof(h)));

	put_be16(h + 10, c);
	ck_assert_uint_eq(csum_fold(csum_add(0, h, sizeof(h))), 0);
	ck_assert_uint_eq(get_be16(h + 10), c);
	ck_assert_uint_ne(c, 0);
}
END_TEST

START_TEST(long_buffer_carries)
{
	/* 64 KiB of 0xff words: every add carries. */
	static uint8_t b[65536];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = 0xff;
	ck_assert_uint_eq(csum_fold(csum_add(0, b, sizeof(b))), 0);
	b[0] = 0xfe; /* one less: the complement is 0x0100 */
	ck_assert_uint_eq(csum_fold(csum_add(0, b, sizeof(b))), 0x0100);
}
END_TEST

/* The plain RFC 1071 loop, word by word, as the reference. */
static uint32_t ref_sum(uint32_t sum, const uint8_t *b, size_t len)
{
	uint64_t acc = sum;

	for (size_t i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		acc += (uint32_t)b[len - 1] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

START_TEST(matches_reference_at_every_length_and_offset)
{
	static uint8_t b[2100];
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < sizeof(b); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (uint8_t)x;
	}
	for (size_t off = 0; off < 9; off++)
		for (size_t len = 0; len < 2048; len += (len < 80 ? 1 : 37))
			ck_assert_uint_eq(csum_fold(csum_add(0x1234, b + off, len)),
					  csum_fold(ref_sum(0x1234, b + off, len)));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("csum");
	TCase *tc = tcase_create("sum");

	tcase_add_test(tc, rfc1071_example);
	tcase_add_test(tc, pieces_combine);
	tcase_add_test(tc, odd_length_pads);
	tcase_add_test(tc, verifies_to_zero);
	tcase_add_test(tc, long_buffer_carries);
	tcase_add_test(tc, matches_reference_at_every_length_and_offset);
	suite_add_tcase(s, tc);
	return check_run(s);
}
