/* eth: MAC addresses and the Ethernet header. */
#ifndef VXTAP_ETH_H
#define VXTAP_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MAC_LEN	     6
#define MAC_STRLEN   18 /* "aa:bb:cc:dd:ee:ff" plus NUL */
#define ETH_HDR_LEN  14
#define ETH_VLAN_LEN 4
#define ETHTYPE_IPV4 0x0800
#define ETHTYPE_ARP  0x0806
#define ETHTYPE_VLAN 0x8100
#define ETHTYPE_IPV6 0x86dd

/*
 * Ethernet II header (IEEE 802.3):
 *   0                   6                  12      14
 *  +-------------------+-------------------+-------+
 *  | destination MAC   | source MAC        | type  |
 *  +-------------------+-------------------+-------+
 */

struct mac {
	uint8_t b[MAC_LEN];
};

/* Parse "aa:bb:cc:dd:ee:ff" (hex, either case, ':' or '-'). */
bool mac_parse(const char *s, struct mac *out);

/* Format as lower-case colon-separated hex; returns buf. */
const char *mac_fmt(const struct mac *m, char buf[static MAC_STRLEN]);

/* A unicast, locally administered MAC made from six random bytes. */
void mac_from_random(struct mac *m, const uint8_t rnd[static MAC_LEN]);

static inline bool mac_equal(const struct mac *a, const struct mac *b)
{
	return memcmp(a->b, b->b, MAC_LEN) == 0;
}

/* Group bit: broadcast is a multicast address too. */
static inline bool mac_is_multicast(const struct mac *m)
{
	return (m->b[0] & 1) != 0;
}

static inline bool mac_is_broadcast(const struct mac *m)
{
	static const struct mac bc = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	return mac_equal(m, &bc);
}

static inline bool mac_is_zero(const struct mac *m)
{
	static const struct mac z = {{0, 0, 0, 0, 0, 0}};
	return mac_equal(m, &z);
}

/* Copy the addresses out of a frame; the caller checked len >= ETH_HDR_LEN. */
static inline void eth_dst(const uint8_t *frame, struct mac *out)
{
	memcpy(out->b, frame, MAC_LEN);
}

static inline void eth_src(const uint8_t *frame, struct mac *out)
{
	memcpy(out->b, frame + MAC_LEN, MAC_LEN);
}

/* The outer EtherType, host order; the caller checked len >= ETH_HDR_LEN. */
static inline uint16_t eth_type(const uint8_t *frame)
{
	return (uint16_t)(frame[12] << 8 | frame[13]);
}

#endif
