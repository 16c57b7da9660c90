/* arp: ARP for IPv4 over Ethernet (RFC 826): validation and proxy replies. */
#ifndef VXTAP_ARP_H
#define VXTAP_ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eth.h"

/*
 * ARP packet for IPv4 over Ethernet, after the Ethernet header (28 bytes):
 *   htype(2)=1  ptype(2)=0x0800  hlen(1)=6  plen(1)=4  op(2)=1|2
 *   sha(6)  spa(4)  tha(6)  tpa(4)
 */

#define ARP_LEN	       28
#define ARP_FRAME_LEN  (ETH_HDR_LEN + ARP_LEN)
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY   2

struct arp_ipv4 {
	uint16_t op;
	struct mac sha;
	uint8_t spa[4];
	struct mac tha;
	uint8_t tpa[4];
};

enum arp_result {
	ARP_OK = 0,
	ARP_SHORT,	/* fewer than ARP_LEN bytes */
	ARP_BAD_HTYPE,	/* hardware type not Ethernet (1) or IEEE 802 (6) */
	ARP_BAD_PTYPE,	/* protocol type not IPv4 */
	ARP_BAD_LENS,	/* hlen != 6 or plen != 4 */
	ARP_BAD_OP,	/* neither request nor reply */
	ARP_BAD_TARGET, /* tpa is 0.0.0.0, broadcast, multicast or loopback */
	ARP_BAD_SENDER, /* sha multicast or zero, or spa multicast/broadcast */
};

/* Validate and decode the ARP body at p (the bytes after the Ethernet
 * header). spa 0.0.0.0 is allowed: it is an RFC 5227 probe. */
enum arp_result arp_parse(const uint8_t *p, size_t len, struct arp_ipv4 *out);

/* Build, in out, the Ethernet frame that answers req as if owner_mac owned
 * req->tpa. Returns ARP_FRAME_LEN. */
size_t arp_build_reply(uint8_t out[static ARP_FRAME_LEN], const struct arp_ipv4 *req,
		       const struct mac *owner_mac);

/* True for addresses an ARP sender may legitimately claim and be learned. */
bool arp_spa_learnable(const uint8_t spa[static 4]);

#endif
