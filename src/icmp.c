/* icmp: "fragmentation needed" and "packet too big" for inner packets too big for the underlay. */
#include "icmp.h"

#include <string.h>

#include "csum.h"
#include "nd.h" /* IPv6 header constants */

#define IP4_HLEN      20
#define IP_DF	      0x4000
#define IP_MF	      0x2000
#define IP_OFFMASK    0x1fff
#define IPPROTO_ICMP_ 1

#define IP6_NH_HOPOPTS	     0
#define IP6_NH_ROUTING	     43
#define IP6_NH_FRAGMENT	     44
#define IP6_NH_AH	     51
#define IP6_NH_DSTOPTS	     60
#define IP6_FRAG_OFFMASK     0xfff8
#define IP6_EXTHDR_MAX	     8 /* more than this many: not worth answering */
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_INFO_MIN	     128 /* types below are errors (RFC 4443 2.1) */
#define ICMP6_REDIRECT	     137
#define ICMP6_HOPLIMIT	     64

/* The Ethernet header of an answer: back to the sender, from the address
 * the offending frame was sent to. */
static void reply_eth(uint8_t *out, const uint8_t *frame, uint16_t type)
{
	memcpy(out, frame + MAC_LEN, MAC_LEN);
	memcpy(out + MAC_LEN, frame, MAC_LEN);
	put_be16(out + 12, type);
}

bool icmp_needs_frag(const uint8_t *frame, size_t len, uint32_t mtu)
{
	const uint8_t *ip = frame + ETH_HDR_LEN;
	size_t ihl, tot;
	uint16_t frag;

	if (len < ETH_HDR_LEN + IP4_HLEN || eth_type(frame) != ETHTYPE_IPV4)
		return false;
	if ((ip[0] >> 4) != 4)
		return false;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = get_be16(ip + 2);
	if (ihl < IP4_HLEN || tot < ihl || ETH_HDR_LEN + tot > len)
		return false;
	frag = get_be16(ip + 6);
	if (!(frag & IP_DF) || tot <= mtu)
		return false;
	/* Never answer an ICMP error with another (RFC 1122 3.2.2): types 3,
	 * 4, 5, 11, 12 are errors. Echo and the rest are fine. */
	if (ip[9] == IPPROTO_ICMP_ && tot >= ihl + 1) {
		uint8_t type = ip[ihl];
		if (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)
			return false;
	}
	return true;
}

size_t icmp_build_frag_needed(uint8_t out[static ICMP_REPLY_MAX], const uint8_t *frame, size_t len,
			      uint32_t mtu)
{
	const uint8_t *oip = frame + ETH_HDR_LEN;
	size_t tot = get_be16(oip + 2);
	size_t quote = tot < ICMP_QUOTE_MAX ? tot : ICMP_QUOTE_MAX;
	uint8_t *ip = out + ETH_HDR_LEN;
	uint8_t *icmp = ip + IP4_HLEN;
	size_t iplen = IP4_HLEN + 8 + quote;

	(void)len;
	reply_eth(out, frame, ETHTYPE_IPV4);

	memset(ip, 0, IP4_HLEN);
	ip[0] = 0x45;
	ip[1] = 0xc0; /* internetwork control, as the kernel marks ICMP errors */
	put_be16(ip + 2, (uint16_t)iplen);
	put_be16(ip + 6, IP_DF);
	ip[8] = 64;
	ip[9] = IPPROTO_ICMP_;
	memcpy(ip + 12, oip + 16, 4); /* from the packet's destination */
	memcpy(ip + 16, oip + 12, 4); /* to its source */
	put_be16(ip + 10, csum_fold(csum_add(0, ip, IP4_HLEN)));

	icmp[0] = 3; /* destination unreachable */
	icmp[1] = 4; /* fragmentation needed and DF set */
	put_be16(icmp + 2, 0);
	put_be16(icmp + 4, 0);
	put_be16(icmp + 6, (uint16_t)(mtu > 0xffff ? 0xffff : mtu));
	memcpy(icmp + 8, oip, quote);
	put_be16(icmp + 2, csum_fold(csum_add(0, icmp, 8 + quote)));
	return ETH_HDR_LEN + iplen;
}

/* Find the upper-layer protocol of the IPv6 packet at ip (payload plen
 * bytes, all in the frame) past its extension headers, as the kernel's
 * ipv6_skip_exthdr does. False when a header runs past the payload, there
 * are too many, or the packet is a fragment other than the first. */
static bool ip6_upper_layer(const uint8_t *ip, size_t plen, uint8_t *proto, size_t *off)
{
	const size_t end = IP6_HLEN + plen;
	uint8_t nh = ip[6];
	size_t o = IP6_HLEN, hlen;

	for (int i = 0; i < IP6_EXTHDR_MAX; i++) {
		switch (nh) {
		case IP6_NH_HOPOPTS:
		case IP6_NH_ROUTING:
		case IP6_NH_DSTOPTS:
			if (o + 2 > end)
				return false;
			hlen = ((size_t)ip[o + 1] + 1) * 8;
			break;
		case IP6_NH_AH:
			if (o + 2 > end)
				return false;
			hlen = ((size_t)ip[o + 1] + 2) * 4;
			break;
		case IP6_NH_FRAGMENT:
			if (o + 8 > end || (get_be16(ip + o + 2) & IP6_FRAG_OFFMASK) != 0)
				return false;
			hlen = 8;
			break;
		default:
			*proto = nh;
			*off = o;
			return true;
		}
		if (o + hlen > end)
			return false;
		nh = ip[o];
		o += hlen;
	}
	return false;
}

bool icmp6_needs_ptb(const uint8_t *frame, size_t len, uint32_t mtu)
{
	static const uint8_t zero[16];
	static const uint8_t loopback[16] = {[15] = 1};
	const uint8_t *ip = frame + ETH_HDR_LEN;
	size_t plen, off;
	uint8_t proto;

	if (len < ETH_HDR_LEN + IP6_HLEN || eth_type(frame) != ETHTYPE_IPV6)
		return false;
	if ((ip[0] >> 4) != 6 || mtu < ICMP6_MIN_MTU)
		return false;
	plen = get_be16(ip + 4);
	/* Payload length 0 is a jumbogram (RFC 2675) or nothing at all. */
	if (plen == 0 || IP6_HLEN + plen <= mtu || ETH_HDR_LEN + IP6_HLEN + plen > len)
		return false;
	if (memcmp(ip + 8, zero, 16) == 0 || memcmp(ip + 8, loopback, 16) == 0 || ip[8] == 0xff ||
	    ip[24] == 0xff)
		return false;
	if (!ip6_upper_layer(ip, plen, &proto, &off))
		return false;
	if (proto == IP6_NH_ICMPV6) {
		if (off >= IP6_HLEN + plen)
			return false;
		if (ip[off] < ICMP6_INFO_MIN || ip[off] == ICMP6_REDIRECT)
			return false;
	}
	return true;
}

size_t icmp6_build_ptb(uint8_t out[static ICMP6_REPLY_MAX], const uint8_t *frame, size_t len,
		       uint32_t mtu)
{
	const uint8_t *oip = frame + ETH_HDR_LEN;
	size_t tot = IP6_HLEN + (size_t)get_be16(oip + 4);
	size_t quote = tot < ICMP6_QUOTE_MAX ? tot : ICMP6_QUOTE_MAX;
	size_t plen = 8 + quote;
	uint8_t *ip = out + ETH_HDR_LEN;
	uint8_t *icmp = ip + IP6_HLEN;

	(void)len;
	reply_eth(out, frame, ETHTYPE_IPV6);

	memset(ip, 0, IP6_HLEN);
	ip[0] = 0x60;
	put_be16(ip + 4, (uint16_t)plen);
	ip[6] = IP6_NH_ICMPV6;
	ip[7] = ICMP6_HOPLIMIT;
	memcpy(ip + 8, oip + 24, 16); /* from the packet's destination */
	memcpy(ip + 24, oip + 8, 16); /* to its source */

	icmp[0] = ICMP6_PACKET_TOO_BIG;
	icmp[1] = 0;
	put_be16(icmp + 2, 0);
	put_be16(icmp + 4, (uint16_t)(mtu >> 16));
	put_be16(icmp + 6, (uint16_t)mtu);
	memcpy(icmp + 8, oip, quote);
	put_be16(icmp + 2,
		 csum_fold(csum_add(csum_ip6_pseudo(ip + 8, ip + 24, (uint32_t)plen, IP6_NH_ICMPV6),
				    icmp, plen)));
	return ETH_HDR_LEN + IP6_HLEN + plen;
}
