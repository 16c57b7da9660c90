/* flset: the remote-node set -- flannel leases from etcd, per subnet key, with revisions. */
#ifndef VXTAP_FLSET_H
#define VXTAP_FLSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "eth.h"
#include "flannel.h"

/*
 * What etcd says about the other nodes, kept per subnet key with the revision
 * of the last change seen. A full list and single watch events go through the
 * same put/delete; an event no newer than what is held for its key is
 * ignored, so duplicate and replayed events (etcd 3.4.23 has such bugs)
 * change nothing. A record that goes bad is skipped and counted by reason,
 * and the node keeps the last good values it had (flanneld also ignores a bad
 * event, vxlan_network.go handleSubnetEvents): nothing is removed except on a
 * delete or when a full list no longer holds the key, never "for lack of
 * news". Remote records are checked more than flanneld does: subnets outside
 * Network or of another length, and this node's PublicIP or VtepMAC on
 * another key, are skipped.
 */

/* A remote node as the tables need it. */
struct flset_node {
	struct flannel_subnet subnet;
	struct ipaddr public_ip;
	struct mac vtep_mac;
	uint32_t vni;
	bool has_pubkey;
	uint8_t pubkey[FLANNEL_PUBKEY_LEN];
	int64_t mod_revision; /* of the values held */
};

/* A node list sorted by subnet: plain data, owned by whoever holds it. */
struct flset_nodes {
	struct flset_node *v;
	size_t n;
};

void flset_nodes_free(struct flset_nodes *l);
/* Replace *dst with a copy of src. 0 or -ENOMEM (dst unchanged). */
int flset_nodes_copy(struct flset_nodes *dst, const struct flset_nodes *src);

/* Reasons a record is skipped: every flannel_bad, then these (this node's
 * own records, and nodes secure mode cannot talk to).
 * X(ENUM, name, text). */
#define FLSET_OWN_REASONS(X)                                                                   \
	X(OWN_SUBNET, "own_subnet", "it is this node's subnet, written with another PublicIP") \
	X(OWN_IP, "own_public_ip", "its PublicIP is this node's")                              \
	X(OWN_MAC, "own_vtep_mac", "its VtepMAC is this node's")                               \
	X(NO_KEY, "no_pubkey", "this node is in secure mode and the lease has no VxtapPublicKey")

#define FLSET_SKIP_ENUM(e, name, text) FLSET_SKIP_##e,
enum flset_skip {
	FLSET_SKIP_FIRST_OWN = FLANNEL_BAD__COUNT - 1,
	FLSET_OWN_REASONS(FLSET_SKIP_ENUM) FLSET_SKIP__COUNT
};
#undef FLSET_SKIP_ENUM

/* Counter name and log text of a reason (a flannel_bad or flset_skip value). */
const char *flset_skip_name(unsigned reason);
const char *flset_skip_text(unsigned reason);

enum flset_verdict {
	FLSET_APPLIED, /* the node list changed */
	FLSET_SAME,    /* newer revision, nothing the tables see changed */
	FLSET_STALE,   /* no newer than what is held for the key: ignored */
	FLSET_SKIPPED, /* a bad record: counted; reason says why */
	FLSET_OWN,     /* this node's key with its PublicIP (put), or its deletion */
	FLSET_OWN_IP,  /* a lease with this node's PublicIP before it holds a subnet */
};

struct flset_result {
	enum flset_verdict verdict;
	unsigned reason;	      /* FLSET_SKIPPED */
	bool first;		      /* FLSET_SKIPPED: first time this key is bad so: log it */
	bool deleted;		      /* FLSET_OWN: the key was deleted */
	bool has_subnet;	      /* the key is a subnet key */
	struct flannel_subnet subnet; /* the key's subnet */
	int64_t lease;		      /* FLSET_OWN put, FLSET_OWN_IP: the etcd lease of the key */
	struct ipaddr public_ip;      /* FLSET_SKIPPED for OWN_SUBNET: who claims it */
};

struct flset;

/* This node, as the set must know it to keep itself out of the node list. */
struct flset_self {
	struct ipaddr public_ip;
	struct mac vtep_mac;
	bool need_key; /* secure mode: a lease without VxtapPublicKey is no node */
};

/* A set for the network of cfg (copied) under prefix (e.g.
 * "/coreos.com/network"; a trailing '/' is ignored). NULL without memory. */
struct flset *flset_new(const struct flannel_config *cfg, const char *prefix,
			const struct flset_self *self);
void flset_free(struct flset *s);

/* From now on subnet is this node's own (NULL: none): its key is reported as
 * FLSET_OWN and never becomes a node. */
void flset_own(struct flset *s, const struct flannel_subnet *subnet);

/* Apply one record: a put of key (the full etcd key) = value at mod_revision
 * (value is read only for subnet keys), or a delete at mod_revision. */
struct flset_result flset_put(struct flset *s, const char *key, size_t keylen, const char *value,
			      size_t valuelen, int64_t mod_revision, int64_t lease);
struct flset_result flset_del(struct flset *s, const char *key, size_t keylen,
			      int64_t mod_revision);

/* A full list: begin, put every key listed, end with the list's revision.
 * Keys not listed whose last change is at or before revision are forgotten
 * (nodes removed); events at or before revision are stale from then on. */
void flset_list_begin(struct flset *s);
void flset_list_end(struct flset *s, int64_t revision);

/* The nodes the tables should hold, sorted by subnet, into out (replaced).
 * 0 or -ENOMEM. */
int flset_nodes(const struct flset *s, struct flset_nodes *out);
/* True once after every change of that list. */
bool flset_changed(struct flset *s);

/* Every subnet key present (good, bad, own), for allocation: a malloc'd
 * array in *out (free it) of *n. 0 or -ENOMEM. */
int flset_taken(const struct flset *s, struct flannel_subnet **out, size_t *n);

/* The first present key (in subnet order) whose value carries ip as
 * PublicIP, with its revision, etcd lease and (value not NULL) the value:
 * false when there is none. */
bool flset_find_ip(const struct flset *s, const struct ipaddr *ip, struct flannel_subnet *subnet,
		   int64_t *mod_revision, int64_t *lease, struct flannel_lease *value);
/* Whether subnet's key is present, and with which value's PublicIP. */
bool flset_find(const struct flset *s, const struct flannel_subnet *subnet,
		struct ipaddr *public_ip);

/* Counters: records skipped by reason, stale events (not counting listed
 * keys that were held already). */
const uint64_t *flset_skipped(const struct flset *s); /* [FLSET_SKIP__COUNT] */
uint64_t flset_stale(const struct flset *s);

#endif
