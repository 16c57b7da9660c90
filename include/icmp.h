/* icmp: ICMP errors synthesized back into the TAP for oversize inner packets. */
#ifndef VXTAP_ICMP_H
#define VXTAP_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eth.h"

/*
 * When an inner IPv4 packet with DF set cannot cross the underlay after
 * encapsulation, the kernel's bridged tunnels answer the sender with ICMP
 * "fragmentation needed" (RFC 792 type 3 code 4, next-hop MTU per RFC 1191)
 * that appears to come from the packet's destination. vxtap does the same,
 * so path-MTU discovery on the overlay works.
 *
 * Reply frame: Ethernet (dst/src swapped) | IPv4 (20) | ICMP (8) | quote,
 * where the quote is the start of the offending packet (its header and as
 * much payload as ICMP_QUOTE_MAX allows).
 */

#define ICMP_QUOTE_MAX 128
#define ICMP_REPLY_MAX (ETH_HDR_LEN + 20 + 8 + ICMP_QUOTE_MAX)

/* If frame (len bytes, untagged Ethernet) holds an IPv4 packet with DF set
 * whose total length exceeds mtu, return true. Fragments and malformed
 * headers return false: the caller forwards them as they are. */
bool icmp_needs_frag(const uint8_t *frame, size_t len, uint32_t mtu);

/* Build the "fragmentation needed" answer to frame with next-hop mtu into
 * out. Returns its length (at most ICMP_REPLY_MAX). The caller checked
 * icmp_needs_frag() first. */
size_t icmp_build_frag_needed(uint8_t out[static ICMP_REPLY_MAX], const uint8_t *frame, size_t len,
			      uint32_t mtu);

#endif
