/* nd: validating IPv6 neighbour solicitations and advertisements, building proxy answers. */
#include "nd.h"

#include <string.h>
#include <sys/socket.h>

#include "csum.h"

#define ND_OFF_FLAGS  4 /* NA flags byte, NS reserved */
#define ND_OFF_TARGET 8

static void nd_ip6(struct ipaddr *out, const uint8_t a[static 16])
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET6;
	memcpy(out->a, a, 16);
}

static bool nd_is_multicast(const uint8_t a[static 16])
{
	return a[0] == 0xff;
}

static bool nd_is_unspecified(const uint8_t a[static 16])
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

static bool nd_is_loopback(const uint8_t a[static 16])
{
	static const uint8_t lo[16] = {[15] = 1};

	return memcmp(a, lo, 16) == 0;
}

/* ff02::1:ff00:0/104 (RFC 4291 2.7.1). */
static bool nd_is_solicited_node(const uint8_t a[static 16])
{
	static const uint8_t pfx[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

/* Walk the options after the fixed part; keep the first link-layer option
 * of the kind this message carries (later duplicates are ignored, as the
 * kernel's ndisc_parse_options does). */
static enum nd_result nd_options(const uint8_t *p, size_t len, uint8_t want, struct nd_msg *m)
{
	while (len > 0) {
		size_t olen;

		if (len < 2 || p[1] == 0)
			return ND_BAD_OPTION;
		olen = (size_t)p[1] * 8;
		if (olen > len)
			return ND_BAD_OPTION;
		if (p[0] == want && !m->has_lla) {
			if (olen != ND_OPT_LLA_LEN)
				return ND_BAD_OPTION;
			memcpy(m->lla.b, p + 2, MAC_LEN);
			if (mac_is_multicast(&m->lla) || mac_is_zero(&m->lla))
				return ND_BAD_LLADDR;
			m->has_lla = true;
		}
		p += olen;
		len -= olen;
	}
	return ND_OK;
}

enum nd_result nd_parse(const uint8_t *frame, size_t len, struct nd_msg *out)
{
	const uint8_t *ip = frame + ETH_HDR_LEN;
	const uint8_t *icmp = ip + IP6_HLEN;
	struct nd_msg m;
	size_t plen;
	enum nd_result r;

	if (len < ETH_HDR_LEN + IP6_HLEN + 1 || eth_type(frame) != ETHTYPE_IPV6)
		return ND_NOT_ND;
	if ((ip[0] >> 4) != 6 || ip[6] != IP6_NH_ICMPV6)
		return ND_NOT_ND;
	if (icmp[0] != ND_TYPE_NS && icmp[0] != ND_TYPE_NA)
		return ND_NOT_ND;

	/* From here on it claims to be ND: anything wrong is malformed. */
	plen = get_be16(ip + 4);
	if (plen < ND_MSG_LEN || ETH_HDR_LEN + IP6_HLEN + plen > len)
		return ND_SHORT;
	if (ip[7] != ND_HOPLIMIT)
		return ND_BAD_HOPLIMIT;
	if (icmp[1] != 0)
		return ND_BAD_CODE;
	if (csum_fold(csum_add(csum_ip6_pseudo(ip + 8, ip + 24, (uint32_t)plen, IP6_NH_ICMPV6),
			       icmp, plen)) != 0)
		return ND_BAD_CSUM;

	memset(&m, 0, sizeof(m));
	m.type = icmp[0];
	eth_src(frame, &m.eth_src);
	nd_ip6(&m.src, ip + 8);
	nd_ip6(&m.dst, ip + 24);
	nd_ip6(&m.target, icmp + ND_OFF_TARGET);
	if (!nd_addr_learnable(&m.target))
		return ND_BAD_TARGET;
	if (nd_is_multicast(m.src.a))
		return ND_BAD_SOURCE;
	r = nd_options(icmp + ND_MSG_LEN, plen - ND_MSG_LEN,
		       m.type == ND_TYPE_NS ? ND_OPT_SLLA : ND_OPT_TLLA, &m);
	if (r != ND_OK)
		return r;
	if (m.type == ND_TYPE_NS) {
		/* DAD probes go to the target's solicited-node group and never
		 * carry a source LLA (RFC 4861 7.1.1). */
		if (nd_is_unspecified(m.src.a) && (!nd_is_solicited_node(m.dst.a) || m.has_lla))
			return ND_BAD_SOURCE;
	} else {
		m.na_flags = icmp[ND_OFF_FLAGS] &
			     (ND_NA_FLAG_ROUTER | ND_NA_FLAG_SOLIC | ND_NA_FLAG_OVERR);
		if (nd_is_multicast(m.dst.a) && (m.na_flags & ND_NA_FLAG_SOLIC))
			return ND_BAD_FLAGS;
	}
	*out = m;
	return ND_OK;
}

bool nd_is_dad(const struct nd_msg *m)
{
	return m->type == ND_TYPE_NS && nd_is_unspecified(m->src.a);
}

bool nd_addr_learnable(const struct ipaddr *a)
{
	return a->family == AF_INET6 && !nd_is_unspecified(a->a) && !nd_is_loopback(a->a) &&
	       !nd_is_multicast(a->a);
}

size_t nd_build_na(uint8_t out[static ND_NA_FRAME_LEN], const struct nd_msg *ns,
		   const struct mac *owner_mac)
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
	static const uint8_t all_nodes_mac[MAC_LEN] = {0x33, 0x33, 0, 0, 0, 0x01};
	const size_t plen = ND_MSG_LEN + ND_OPT_LLA_LEN;
	bool dad = nd_is_dad(ns);
	uint8_t *ip = out + ETH_HDR_LEN;
	uint8_t *icmp = ip + IP6_HLEN;

	if (dad)
		memcpy(out, all_nodes_mac, MAC_LEN);
	else
		memcpy(out, ns->has_lla ? ns->lla.b : ns->eth_src.b, MAC_LEN);
	memcpy(out + MAC_LEN, owner_mac->b, MAC_LEN);
	put_be16(out + 12, ETHTYPE_IPV6);

	memset(ip, 0, IP6_HLEN);
	ip[0] = 0x60;
	put_be16(ip + 4, (uint16_t)plen);
	ip[6] = IP6_NH_ICMPV6;
	ip[7] = ND_HOPLIMIT;
	memcpy(ip + 8, ns->target.a, 16);
	memcpy(ip + 24, dad ? all_nodes : ns->src.a, 16);

	memset(icmp, 0, plen);
	icmp[0] = ND_TYPE_NA;
	icmp[ND_OFF_FLAGS] = (uint8_t)(ND_NA_FLAG_OVERR | (dad ? 0 : ND_NA_FLAG_SOLIC));
	memcpy(icmp + ND_OFF_TARGET, ns->target.a, 16);
	icmp[ND_MSG_LEN] = ND_OPT_TLLA;
	icmp[ND_MSG_LEN + 1] = ND_OPT_LLA_LEN / 8;
	memcpy(icmp + ND_MSG_LEN + 2, owner_mac->b, MAC_LEN);
	put_be16(icmp + 2,
		 csum_fold(csum_add(csum_ip6_pseudo(ip + 8, ip + 24, (uint32_t)plen, IP6_NH_ICMPV6),
				    icmp, plen)));
	return ND_NA_FRAME_LEN;
}
