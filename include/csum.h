/* csum: the Internet checksum (RFC 1071) and its incremental pieces. */
#ifndef VXTAP_CSUM_H
#define VXTAP_CSUM_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h" /* the checksum users read and write fields with it */

/* Add len bytes at p to a running 32-bit one's-complement sum. The bytes
 * are taken as big-endian 16-bit words; an odd last byte is padded. Sums of
 * pieces combine only when every piece but the last has even length. */
uint32_t csum_add(uint32_t sum, const void *p, size_t len);

/* Fold a running sum to 16 bits and complement it: the value for the wire,
 * in host order. */
uint16_t csum_fold(uint32_t sum);

/* The running sum of the IPv6 pseudo-header (RFC 8200 section 8.1):
 * source, destination, upper-layer length and next header. Add the
 * upper-layer message to it, then fold. */
uint32_t csum_ip6_pseudo(const uint8_t src[static 16], const uint8_t dst[static 16], uint32_t len,
			 uint8_t next_header);

#endif
