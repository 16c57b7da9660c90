/* vxlan: the RFC 7348 header codec. */
#ifndef VXTAP_VXLAN_H
#define VXTAP_VXLAN_H

#include <stddef.h>
#include <stdint.h>

/*
 * VXLAN header (RFC 7348, section 5):
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |R|R|R|R|I|R|R|R|            Reserved                           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                VXLAN Network Identifier (VNI) |   Reserved    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * RFC 7348 says receivers ignore the reserved bits. The Linux driver does
 * not: with no extension (GBP, GPE, RCO) configured it drops a datagram
 * with any reserved bit set, and vxtap does the same, so that a frame the
 * kernel refuses is not delivered by vxtap either.
 */

#define VXLAN_HLEN	   8
#define VXLAN_FLAG_I	   0x08
#define VXLAN_VNI_MAX	   0xffffffu
#define VXLAN_PORT_DEFAULT 8472

enum vxlan_result {
	VXLAN_OK = 0,
	VXLAN_SHORT,	/* fewer than VXLAN_HLEN bytes */
	VXLAN_NO_I,	/* I flag clear */
	VXLAN_RESERVED, /* a reserved bit set */
};

/* Write the 8-byte header for vni (must be <= VXLAN_VNI_MAX). */
void vxlan_encode(uint8_t hdr[static VXLAN_HLEN], uint32_t vni);

/* Check the header at buf and return its VNI through vni. */
enum vxlan_result vxlan_decode(const uint8_t *buf, size_t len, uint32_t *vni);

#endif
