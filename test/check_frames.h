/* check_frames: test frames built byte by byte: Ethernet, IPv4/IPv6, TCP/UDP super-frames. */
#ifndef VXTAP_CHECK_FRAMES_H
#define VXTAP_CHECK_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "eth.h"

enum kind { TCP4, TCP4_OPTS, TCP6, TCP4_VLAN, UDP4, UDP6 };

/* A super-frame of kind k at out (room for its length): headers from
 * 0a:00:00:00:00:01 / 10.244.0.1:40000 to 0a:00:00:00:00:02 / 10.244.0.2:5001
 * (IPv6: fd00::1 to fd00::2), then payload bytes 0, 1, 2, ... Checksums are
 * left zero; gso_segment fills them in each segment. Returns its length. */
static inline size_t frames_build(uint8_t *super, enum kind k, size_t payload, uint8_t tcp_flags)
{
	size_t l3 = 14, l4, hlen, len;
	bool v6 = k == TCP6 || k == UDP6, udp = k == UDP4 || k == UDP6;
	size_t thl = k == TCP4_OPTS ? 32 : 20;

	memset(super, 0, 128);
	memcpy(super, (const uint8_t[]){0x0a, 0, 0, 0, 0, 2, 0x0a, 0, 0, 0, 0, 1}, 12);
	if (k == TCP4_VLAN) {
		put_be16(super + 12, ETHTYPE_VLAN);
		put_be16(super + 14, 7);
		l3 = 18;
	}
	put_be16(super + l3 - 2, v6 ? ETHTYPE_IPV6 : ETHTYPE_IPV4);
	l4 = l3 + (v6 ? 40 : 20);
	hlen = l4 + (udp ? 8 : thl);
	len = hlen + payload;
	if (v6) {
		super[l3] = 0x60;
		put_be16(super + l3 + 4, (uint16_t)(len - l4));
		super[l3 + 6] = udp ? 17 : 6;
		super[l3 + 7] = 64;
		super[l3 + 8] = 0xfd;
		super[l3 + 23] = 1;
		super[l3 + 24] = 0xfd;
		super[l3 + 39] = 2;
	} else {
		super[l3] = 0x45;
		put_be16(super + l3 + 2, (uint16_t)(len - l3 > 0xffff ? 0 : len - l3));
		put_be16(super + l3 + 4, 0x1000);
		put_be16(super + l3 + 6, 0x4000);
		super[l3 + 8] = 64;
		super[l3 + 9] = udp ? 17 : 6;
		memcpy(super + l3 + 12, (const uint8_t[]){10, 244, 0, 1, 10, 244, 0, 2}, 8);
	}
	put_be16(super + l4, 40000);
	put_be16(super + l4 + 2, 5001);
	if (udp) {
		put_be16(super + l4 + 4, (uint16_t)(len - l4));
	} else {
		memcpy(super + l4 + 4, (const uint8_t[]){0xff, 0xff, 0xf0, 0x00},
		       4); /* seq wraps */
		memcpy(super + l4 + 8, (const uint8_t[]){0, 0, 0x12, 0x34}, 4);
		super[l4 + 12] = (uint8_t)((thl / 4) << 4);
		super[l4 + 13] = tcp_flags;
		put_be16(super + l4 + 14, 512);
		for (size_t i = 20; i < thl; i++)
			super[l4 + i] = (uint8_t)(i == 20 ? 1 : i); /* options bytes */
	}
	for (size_t i = 0; i < payload; i++)
		super[hlen + i] = (uint8_t)i;
	return len;
}

#endif
