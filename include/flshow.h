/* flshow: the etcd control plane as vxtapctl shows it: lease, etcd and route, text or JSON. */
#ifndef VXTAP_FLSHOW_H
#define VXTAP_FLSHOW_H

#include <stdbool.h>
#include <stdint.h>

#include "ctlproto.h"
#include "flnet.h"
#include "flset.h"

/* What the control plane is and holds, at one moment. */
struct flshow {
	enum flnet_phase phase;
	struct flnet_lease lease;
	struct flnet_stats stats;
	struct ipaddr public_ip;
	struct mac vtep_mac;
	const char *endpoint;		  /* the URL in use */
	const char *dev;		  /* the TAP, for route lines */
	const struct flset_nodes *routes; /* the nodes programmed (peer, FDB, neighbour, route) */
};

/* "lease show": the subnet, lease ID, seconds to expiry, public IP and VTEP MAC. */
void flshow_lease(const struct flshow *s, enum ctlproto_fmt fmt, uint64_t now,
		  struct ctlproto_buf *out);
/* "etcd show": the endpoint, connected or not, revision, age of the last event,
 * and the machine's counters. */
void flshow_etcd(const struct flshow *s, enum ctlproto_fmt fmt, uint64_t now,
		 struct ctlproto_buf *out);
/* "route show": one line per node programmed, as ip route prints the route,
 * then its public IP and VTEP MAC. */
void flshow_routes(const struct flshow *s, enum ctlproto_fmt fmt, struct ctlproto_buf *out);

const char *flshow_phase_name(enum flnet_phase p);

#endif
