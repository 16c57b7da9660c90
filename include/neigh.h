/* neigh: the neighbour table behind the ARP proxy, overlay IP -> MAC. */
#ifndef VXTAP_NEIGH_H
#define VXTAP_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "eth.h"
#include "table.h"

/* Static entries come from --neigh (like "arp -s"); learned ones from the
 * sender fields of ARP frames decapsulated from peers, and age. */
struct neigh;

struct neigh_view {
	struct ipaddr ip;
	struct mac mac;
	bool is_static;
	uint64_t updated;
};

struct neigh *neigh_new(size_t max_learned, uint64_t ageing_ms,
			const uint8_t seed[static TABLE_SEED_LEN]);
void neigh_free(struct neigh *n);

/* The MAC for ip, or NULL. Valid until the next change. */
const struct mac *neigh_lookup(const struct neigh *n, const struct ipaddr *ip);

enum table_learn neigh_learn(struct neigh *n, const struct ipaddr *ip, const struct mac *mac,
			     uint64_t now);
int neigh_add_static(struct neigh *n, const struct ipaddr *ip, const struct mac *mac);
int neigh_del(struct neigh *n, const struct ipaddr *ip);
size_t neigh_flush_learned(struct neigh *n);
size_t neigh_age(struct neigh *n, uint64_t now, uint64_t *next);
void neigh_foreach(const struct neigh *n, void (*fn)(const struct neigh_view *v, void *arg),
		   void *arg);
size_t neigh_count(const struct neigh *n, bool is_static);
void neigh_set_limits(struct neigh *n, size_t max_learned, uint64_t ageing_ms);

#endif
