/* nd: IPv6 Neighbour Discovery (RFC 4861) for the proxy: NS/NA validation and NA replies. */
#ifndef VXTAP_ND_H
#define VXTAP_ND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "eth.h"

/*
 * IPv6 header (RFC 8200), right after the Ethernet header (40 bytes):
 *   ver(4)=6 tclass(8) flow(20) | payload length(16) next header(8)=58
 *   hop limit(8)=255 | source(128) | destination(128)
 *
 * Neighbour Solicitation (ICMPv6 type 135) and Advertisement (type 136),
 * RFC 4861 sections 4.3 and 4.4, right after the IPv6 header:
 *   type(8) code(8)=0 checksum(16)
 *   NS: reserved(32)            NA: R(1) S(1) O(1) reserved(29)
 *   target address(128)
 *   options: type(8) length(8, in units of 8 bytes, never 0) data...
 *     type 1 source link-layer address, type 2 target link-layer address:
 *     for Ethernet one unit, the 6-byte MAC (RFC 2464 section 8).
 *
 * Only NS and NA whose ICMPv6 header follows the IPv6 header directly are
 * recognised. Nodes do not put extension headers on ND messages; one that
 * does is not ND to vxtap and is forwarded like any other IPv6 packet.
 */

#define IP6_HLEN	  40
#define IP6_NH_ICMPV6	  58
#define ND_HOPLIMIT	  255
#define ND_TYPE_NS	  135
#define ND_TYPE_NA	  136
#define ND_MSG_LEN	  24 /* ICMPv6 header, flags/reserved, target */
#define ND_OPT_SLLA	  1
#define ND_OPT_TLLA	  2
#define ND_OPT_LLA_LEN	  8
#define ND_NA_FLAG_ROUTER 0x80
#define ND_NA_FLAG_SOLIC  0x40
#define ND_NA_FLAG_OVERR  0x20
#define ND_NA_FRAME_LEN	  (ETH_HDR_LEN + IP6_HLEN + ND_MSG_LEN + ND_OPT_LLA_LEN)

/* An NS or NA as the proxy needs it. Addresses are AF_INET6 ipaddrs. */
struct nd_msg {
	uint8_t type;	  /* ND_TYPE_NS or ND_TYPE_NA */
	uint8_t na_flags; /* NA: ND_NA_FLAG_* bits; 0 for NS */
	struct mac eth_src;
	struct ipaddr src, dst, target;
	bool has_lla;
	struct mac lla; /* NS: source link-layer address; NA: target's */
};

enum nd_result {
	ND_OK = 0,
	ND_NOT_ND,	 /* not an NS or NA right after an IPv6 header: not ours */
	ND_SHORT,	 /* payload length beyond the frame, or under ND_MSG_LEN */
	ND_BAD_HOPLIMIT, /* not 255: it crossed a router (RFC 4861 7.1) */
	ND_BAD_CODE,	 /* ICMPv6 code not 0 */
	ND_BAD_CSUM,	 /* ICMPv6 checksum wrong */
	ND_BAD_TARGET,	 /* target unspecified, loopback or multicast */
	ND_BAD_SOURCE,	 /* IPv6 source multicast; NS from :: to a non
			    solicited-node address or with a source LLA */
	ND_BAD_OPTION,	 /* option of length 0 or past the end; LLA not 8 bytes */
	ND_BAD_LLADDR,	 /* link-layer address option multicast or zero */
	ND_BAD_FLAGS,	 /* NA to a multicast address with S set */
};

/* Decide whether frame (len bytes, untagged Ethernet) is an NS or NA and,
 * when it is, validate it as RFC 4861 7.1.1 and 7.1.2 require. ND_OK fills
 * out; ND_NOT_ND means "forward as any other frame"; every other result is
 * a malformed NS or NA. */
enum nd_result nd_parse(const uint8_t *frame, size_t len, struct nd_msg *out);

/* True for an NS from :: (duplicate address detection, RFC 4862 5.4). */
bool nd_is_dad(const struct nd_msg *m);

/* True for an IPv6 address a neighbour entry may hold: not unspecified,
 * loopback or multicast. */
bool nd_addr_learnable(const struct ipaddr *a);

/*
 * Build, in out, the NA that answers the NS ns as if owner_mac owned
 * ns->target, as the kernel's vxlan "proxy" option does: Ethernet to the
 * source LLA (else the frame's source MAC), IPv6 from the target to the NS's
 * source, hop limit 255, flags S=1 O=1 R=0, a target LLA option with
 * owner_mac. O=1 because the table is authoritative for the overlay (the
 * kernel sets it too); R=0 because the entries are hosts, not routers.
 * An NS from :: (not answered by vxtap, which floods DAD) would get S=0 and
 * ff02::1, per RFC 4861 7.2.4. Returns ND_NA_FRAME_LEN.
 */
size_t nd_build_na(uint8_t out[static ND_NA_FRAME_LEN], const struct nd_msg *ns,
		   const struct mac *owner_mac);

#endif
