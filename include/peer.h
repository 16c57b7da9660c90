/* peer: the set of remote VTEPs, their counters, and the flood list. */
#ifndef VXTAP_PEER_H
#define VXTAP_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "table.h"

/* A peer's counters. X(name, description). */
#define PEER_COUNTERS(X)                                  \
	X(rx_packets, "datagrams received from the peer") \
	X(rx_bytes, "bytes received from the peer")       \
	X(tx_packets, "datagrams sent to the peer")       \
	X(tx_bytes, "bytes sent to the peer")

#define PEER_COUNTER_FIELD(name, desc) uint64_t name;
struct peer_stats {
	PEER_COUNTERS(PEER_COUNTER_FIELD)
	uint64_t last_rx; /* ms; 0 = never */
};
#undef PEER_COUNTER_FIELD

#define PEER_KEY_LEN 32

struct peer {
	struct endpoint ep; /* where we send; datagrams are accepted from ep.ip, any port */
	struct peer_stats st;
	bool has_key;		   /* secure mode: every peer has one */
	uint8_t key[PEER_KEY_LEN]; /* its public key (X25519) */
	bool flood;		   /* a flood target (peers_add sets it; see peers_set_flood) */
	/* Kept by change.c: listed by a source of change (--peer, a peers
	 * file, the socket, etcd), or there only because fdb_refs static FDB
	 * entries name its address (an FDB-only VTEP, as the kernel's). */
	bool listed;
	uint32_t fdb_refs;
};

/* Peers are unique by address: one VTEP per underlay IP. Lookup by address is
 * a hash probe; iteration (for flooding) walks a dense array. */
struct peers;

struct peers *peers_new(const uint8_t seed[static TABLE_SEED_LEN]);
void peers_free(struct peers *ps);

/* Add ep. 0, -EEXIST (address already listed) or -ENOMEM. The new peer is
 * returned through out when not NULL. */
int peers_add(struct peers *ps, const struct endpoint *ep, struct peer **out);

/* Remove the peer at ip. 0 or -ENOENT. Pointers to it become invalid. */
int peers_del(struct peers *ps, const struct ipaddr *ip);

struct peer *peers_find(const struct peers *ps, const struct ipaddr *ip);

/* A number that changes whenever a peer is added or removed: a cached
 * lookup (a struct peer *, or its absence) holds while it stays the same. */
uint64_t peers_generation(const struct peers *ps);
size_t peers_count(const struct peers *ps);

/* Whether broadcast, multicast and unknown unicast frames are copied to p (a
 * peer of ps). A peer that is not a flood target is still a source datagrams
 * are accepted from and a destination FDB entries may name. */
void peers_set_flood(struct peers *ps, struct peer *p, bool flood);
/* How many peers are flood targets. */
size_t peers_flood_count(const struct peers *ps);

/* The i-th peer, 0 <= i < peers_count(); order changes when peers go. */
struct peer *peers_at(const struct peers *ps, size_t i);

#endif
