/* csum: the Internet checksum over byte buffers. */
#include "csum.h"

uint32_t csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t acc = sum;
	size_t i = 0;

	/* 64-bit accumulator: carries are folded once at the end. */
	for (; i + 1 < len; i += 2)
		acc += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (i < len)
		acc += (uint32_t)b[i] << 8;
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
	uint8_t tail[8] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			   (uint8_t)len, 0, 0, 0, next_header};

	return csum_add(csum_add(csum_add(0, src, 16), dst, 16), tail, sizeof(tail));
}
