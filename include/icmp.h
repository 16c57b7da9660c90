/* icmp: ICMP and ICMPv6 errors synthesized back into the TAP for oversize inner packets. */
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

/*
 * The IPv6 counterpart (RFC 4443 section 3.2): IPv6 routers never fragment,
 * so every inner IPv6 packet too big for the underlay gets ICMPv6 "packet
 * too big" (type 2, code 0, MTU field = mtu), again from the packet's
 * destination, with hop limit 64. Like the kernel's bridged tunnels, none
 * is sent when mtu is under the IPv6 minimum (1280): the packet is then
 * forwarded and the underlay fragments it.
 *
 * Reply frame: Ethernet (dst/src swapped) | IPv6 (40) | ICMPv6 (8) | quote,
 * with as much of the offending packet as keeps the ICMPv6 packet within
 * the IPv6 minimum MTU (RFC 4443 2.4 (c)).
 */

#define ICMP6_MIN_MTU	 1280
#define ICMP6_QUOTE_MAX	 (ICMP6_MIN_MTU - 40 - 8)
#define ICMP6_REPLY_MAX	 (ETH_HDR_LEN + ICMP6_MIN_MTU)
#define ICMP_REPLIES_MAX (ICMP6_REPLY_MAX > ICMP_REPLY_MAX ? ICMP6_REPLY_MAX : ICMP_REPLY_MAX)

/* If frame (len bytes, untagged Ethernet) holds an IPv6 packet longer than
 * mtu that may be answered, return true. Not answered: mtu under 1280;
 * malformed or jumbo packets; source unspecified, loopback or multicast;
 * multicast destinations (the answer's source would be multicast); fragments
 * other than the first; ICMPv6 errors and redirects (RFC 4443 2.4 (e)).
 * Extension headers are skipped to find the upper layer. */
bool icmp6_needs_ptb(const uint8_t *frame, size_t len, uint32_t mtu);

/* Build the "packet too big" answer to frame into out. Returns its length
 * (at most ICMP6_REPLY_MAX). The caller checked icmp6_needs_ptb() first. */
size_t icmp6_build_ptb(uint8_t out[static ICMP6_REPLY_MAX], const uint8_t *frame, size_t len,
		       uint32_t mtu);

#endif
