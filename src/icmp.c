/* icmp: "fragmentation needed" for inner IPv4 packets too big for the underlay. */
#include "icmp.h"

#include <string.h>

#include "csum.h"

#define IP4_HLEN      20
#define IP_DF	      0x4000
#define IP_MF	      0x2000
#define IP_OFFMASK    0x1fff
#define IPPROTO_ICMP_ 1

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
	memcpy(out, frame + MAC_LEN, MAC_LEN); /* back to the sender */
	memcpy(out + MAC_LEN, frame, MAC_LEN);
	put_be16(out + 12, ETHTYPE_IPV4);

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
