/* csum: the Internet checksum over byte buffers. */
#include "csum.h"

#include <stdbool.h>
#include <string.h>

/* The one's-complement sum does not depend on byte order (RFC 1071 2(B)):
 * add native-order words eight bytes at a time, fold, and swap once at the
 * end to the big-endian view callers use. */
static uint64_t add64(uint64_t acc, uint64_t w)
{
	return acc + (w & 0xffffffffu) + (w >> 32);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* Sum the native-order 16-bit words of n bytes (a multiple of 32, at most
 * 64 KiB so no 32-bit lane overflows) with AVX2: each word widened to 32 bits
 * and added lane-wise. About five times fewer instructions per byte. */
__attribute__((target("avx2"))) static uint64_t sum_avx2(const uint8_t *b, size_t n)
{
	const __m256i zero = _mm256_setzero_si256();
	__m256i acc = zero;
	uint32_t lanes[8];
	uint64_t s = 0;

	for (size_t i = 0; i < n; i += 32) {
		__m256i v = _mm256_loadu_si256((const void *)(b + i));

		acc = _mm256_add_epi32(acc, _mm256_unpacklo_epi16(v, zero));
		acc = _mm256_add_epi32(acc, _mm256_unpackhi_epi16(v, zero));
	}
	_mm256_storeu_si256((void *)lanes, acc);
	for (int k = 0; k < 8; k++)
		s += lanes[k];
	return s;
}

static bool have_avx2(void)
{
	return __builtin_cpu_supports("avx2");
}
#else
static uint64_t sum_avx2(const uint8_t *b, size_t n)
{
	(void)b;
	(void)n;
	return 0;
}

static bool have_avx2(void)
{
	return false;
}
#endif

uint32_t csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t acc = 0, w0, w1, w2, w3;
	uint16_t h;

	if (len >= 256 && have_avx2()) {
		while (len >= 32) {
			size_t n = len < 65536 ? len & ~(size_t)31 : 65536;

			acc += sum_avx2(b, n);
			b += n;
			len -= n;
		}
	}

	while (len >= 32) {
		memcpy(&w0, b, 8);
		memcpy(&w1, b + 8, 8);
		memcpy(&w2, b + 16, 8);
		memcpy(&w3, b + 24, 8);
		acc = add64(add64(add64(add64(acc, w0), w1), w2), w3);
		b += 32;
		len -= 32;
	}
	while (len >= 8) {
		memcpy(&w0, b, 8);
		acc = add64(acc, w0);
		b += 8;
		len -= 8;
	}
	while (len >= 2) {
		memcpy(&h, b, 2);
		acc += h;
		b += 2;
		len -= 2;
	}
	if (len != 0) {
		const uint8_t pad[2] = {b[0], 0};

		memcpy(&h, pad, 2);
		acc += h;
	}
	while (acc >> 16)
		acc = (acc & 0xffffu) + (acc >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	acc = ((acc & 0xff) << 8) | (acc >> 8);
#endif
	acc += sum;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t csum_ip6_pseudo(const uint8_t src[static 16], const uint8_t dst[static 16], uint32_t len,
			 uint8_t next_header)
{
	const uint8_t tail[8] = {(uint8_t)(len >> 24),
				 (uint8_t)(len >> 16),
				 (uint8_t)(len >> 8),
				 (uint8_t)len,
				 0,
				 0,
				 0,
				 next_header};

	return csum_add(csum_add(csum_add(0, src, 16), dst, 16), tail, sizeof(tail));
}
