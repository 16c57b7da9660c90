/* route: the kernel routes the etcd control plane installs (SUBNET via GATEWAY dev TAP onlink),
 * as rtnetlink messages built and answers read, with no socket of its own. */
#ifndef VXTAP_ROUTE_H
#define VXTAP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* The protocol vxtap's routes carry ("proto static" in ip route), so that
 * they can be told from the administrator's. */
#define ROUTE_PROTO 4 /* RTPROT_STATIC */

/* DST/PLEN via GW dev IFINDEX onlink, in the main table. */
struct route {
	struct ipaddr dst;
	uint8_t plen;
	struct ipaddr gw;
	uint32_t ifindex;
};

/* Room for one request. */
#define ROUTE_MSG_MAX 256

/* An RTM_NEWROUTE (add true: create or replace) or RTM_DELROUTE request for r
 * with sequence number seq, asking for an acknowledgement, into buf
 * (ROUTE_MSG_MAX bytes). Returns its length. */
size_t route_build(void *buf, const struct route *r, bool add, uint32_t seq);

/* Read the kernel's answer (len bytes) to the request with seq: 0 for an
 * acknowledgement, -errno for an error answer, -EAGAIN when buf holds no
 * answer to seq, -EBADMSG when it does not parse. */
int route_parse_ack(const void *buf, size_t len, uint32_t seq);

/* "10.244.1.0/24 via 10.244.1.0 onlink" into out (ADDR_STRLEN * 2 + 16 bytes). */
#define ROUTE_STRLEN (ADDR_STRLEN * 2 + 16)
const char *route_fmt(const struct route *r, char out[static ROUTE_STRLEN]);

#endif
