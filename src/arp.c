/* arp: validating ARP for IPv4 over Ethernet and building proxy replies. */
#include "arp.h"

#include "bytes.h"

#define ARP_HTYPE_ETHER	  1
#define ARP_HTYPE_IEEE802 6

static bool arp_ip_is_zero(const uint8_t a[static 4])
{
	return (a[0] | a[1] | a[2] | a[3]) == 0;
}

static bool arp_ip_is_bcast(const uint8_t a[static 4])
{
	return (a[0] & a[1] & a[2] & a[3]) == 0xff;
}

/* 224.0.0.0/4 */
static bool arp_ip_is_multicast(const uint8_t a[static 4])
{
	return (a[0] & 0xf0) == 0xe0;
}

/* 127.0.0.0/8 */
static bool arp_ip_is_loopback(const uint8_t a[static 4])
{
	return a[0] == 127;
}

enum arp_result arp_parse(const uint8_t *p, size_t len, struct arp_ipv4 *out)
{
	struct arp_ipv4 a;
	uint16_t htype, op;

	if (len < ARP_LEN)
		return ARP_SHORT;
	htype = get_be16(p);
	if (htype != ARP_HTYPE_ETHER && htype != ARP_HTYPE_IEEE802)
		return ARP_BAD_HTYPE;
	if (get_be16(p + 2) != ETHTYPE_IPV4)
		return ARP_BAD_PTYPE;
	if (p[4] != MAC_LEN || p[5] != 4)
		return ARP_BAD_LENS;
	op = get_be16(p + 6);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)
		return ARP_BAD_OP;

	memset(&a, 0, sizeof(a));
	a.op = op;
	memcpy(a.sha.b, p + 8, MAC_LEN);
	memcpy(a.spa, p + 14, 4);
	memcpy(a.tha.b, p + 18, MAC_LEN);
	memcpy(a.tpa, p + 24, 4);

	/* spa 0.0.0.0 stays allowed: an RFC 5227 probe must still be seen. */
	if (mac_is_multicast(&a.sha) || mac_is_zero(&a.sha) || arp_ip_is_multicast(a.spa) ||
	    arp_ip_is_bcast(a.spa))
		return ARP_BAD_SENDER;
	/* Like the kernel's arp_reduce: nobody may ask for (or answer about)
	 * these, and answering would poison the asker's cache. */
	if (arp_ip_is_zero(a.tpa) || arp_ip_is_bcast(a.tpa) || arp_ip_is_multicast(a.tpa) ||
	    arp_ip_is_loopback(a.tpa))
		return ARP_BAD_TARGET;
	*out = a;
	return ARP_OK;
}

size_t arp_build_reply(uint8_t out[static ARP_FRAME_LEN], const struct arp_ipv4 *req,
		       const struct mac *owner_mac)
{
	uint8_t *p = out + ETH_HDR_LEN;

	memcpy(out, req->sha.b, MAC_LEN);
	memcpy(out + MAC_LEN, owner_mac->b, MAC_LEN);
	put_be16(out + 12, ETHTYPE_ARP);

	/* The reply always says Ethernet, whatever htype the request used. */
	put_be16(p, ARP_HTYPE_ETHER);
	put_be16(p + 2, ETHTYPE_IPV4);
	p[4] = MAC_LEN;
	p[5] = 4;
	put_be16(p + 6, ARP_OP_REPLY);
	memcpy(p + 8, owner_mac->b, MAC_LEN);
	memcpy(p + 14, req->tpa, 4);
	memcpy(p + 18, req->sha.b, MAC_LEN);
	memcpy(p + 24, req->spa, 4);
	return ARP_FRAME_LEN;
}

bool arp_spa_learnable(const uint8_t spa[static 4])
{
	return !arp_ip_is_zero(spa) && !arp_ip_is_bcast(spa) && !arp_ip_is_multicast(spa) &&
	       !arp_ip_is_loopback(spa);
}
