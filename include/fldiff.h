/* fldiff: from the node list the tables hold to the wanted one, as operations in a safe order. */
#ifndef VXTAP_FLDIFF_H
#define VXTAP_FLDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "eth.h"
#include "flannel.h"
#include "flset.h"

/*
 * Each remote node needs four entries, as flannel's vxlan backend programs
 * them (vxlan_network.go handleSubnetEvents): a peer (its public IP), a static
 * FDB entry VtepMAC -> public IP, a static neighbour SUBNET.0 -> VtepMAC, and
 * the route SUBNET via SUBNET.0 dev TAP onlink. The route comes last when
 * adding and first when removing, so that nothing is sent before the entries
 * it needs exist; a changed public IP or VtepMAC adds the new entry before the
 * old one goes.
 */

enum fldiff_kind {
	FLDIFF_ROUTE_DEL, /* subnet via ip (SUBNET.0) */
	FLDIFF_PEER_ADD,  /* ip (public IP), pubkey; replace: the key changed */
	FLDIFF_FDB_ADD,	  /* mac -> ip (public IP); replace: another ip before */
	FLDIFF_NEIGH_ADD, /* ip (SUBNET.0) -> mac; replace: another mac before */
	FLDIFF_ROUTE_ADD, /* subnet via ip (SUBNET.0) dev TAP onlink */
	FLDIFF_NEIGH_DEL, /* ip (SUBNET.0) */
	FLDIFF_FDB_DEL,	  /* mac */
	FLDIFF_PEER_DEL,  /* ip (public IP) */
};

struct fldiff_op {
	enum fldiff_kind kind;
	bool replace;
	struct flannel_subnet subnet; /* ROUTE_*, NEIGH_*: the node's subnet */
	struct ipaddr ip;
	struct mac mac;
	bool has_pubkey;
	uint8_t pubkey[FLANNEL_PUBKEY_LEN];
};

struct fldiff_ops {
	struct fldiff_op *v;
	size_t n;
	size_t conflicts; /* nodes sharing a VtepMAC or PublicIP with different values */
};

const char *fldiff_name(enum fldiff_kind k);

/*
 * The operations that take tables holding applied to tables holding desired
 * (both sorted by subnet), in this order: route deletions; peer, FDB and
 * neighbour additions; route additions; neighbour, FDB and peer deletions.
 * Peers are per public IP and FDB entries per VtepMAC: when several nodes
 * share one, the newest node (highest mod_revision) wins. Additions are
 * meant as "set" (idempotent), deletions as "remove if present": after a
 * failed operation, diffing the same pair again redoes what is missing.
 * out is replaced; 0 or -ENOMEM.
 */
int fldiff(const struct flset_nodes *applied, const struct flset_nodes *desired,
	   struct fldiff_ops *out);
void fldiff_free(struct fldiff_ops *ops);

#endif
