/* change: the one way the tables change, shared by every source (command line, peers file,
 * control socket, etcd), keeping the data path's invariants. */
#ifndef VXTAP_CHANGE_H
#define VXTAP_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "dp.h"
#include "eth.h"

/*
 * Each returns 0 or -errno: -EEXIST (the peer is listed already), -ENOENT
 * (nothing to change), -ENOSPC (a cap in dp->lim), -ENOMEM, -ENOKEY (secure
 * mode: a peer without a public key). Endpoints are
 * taken as given: their port must be set. The invariants kept:
 * - a peer that goes takes the FDB entries it taught with it (static ones
 *   stay: the administrator set them), and dp->hooks.peer_gone hears of it
 *   first, so the shell can drop what points at it;
 * - a peer whose port changes forgets what it taught (learned entries hold
 *   the old port);
 * - replacing an entry never needs room under a cap.
 */
int change_peer_add(struct dp *dp, const struct endpoint *ep);
int change_peer_del(struct dp *dp, const struct ipaddr *ip);
/* Add a peer with its public key. Besides the errors above, whatever
 * dp->hooks.peer_key refuses with (-EINVAL: this node's own key or a key
 * with no shared secret), with nothing added. In secure mode (peer_key
 * set), change_peer_add refuses every peer with -ENOKEY: use this. */
int change_peer_add_key(struct dp *dp, const struct endpoint *ep,
			const uint8_t key[static PEER_KEY_LEN]);
/* Give a listed peer a new public key: its sessions end and new handshakes
 * use the new key. 0 (also when it already had it), -ENOENT, or what
 * dp->hooks.peer_key refuses with (nothing changed). */
int change_peer_set_key(struct dp *dp, const struct ipaddr *ip,
			const uint8_t key[static PEER_KEY_LEN]);
/* Make a listed peer a flood target or not (peers are added as flood
 * targets). 0 or -ENOENT. */
int change_peer_flood(struct dp *dp, const struct ipaddr *ip, bool flood);
/* Move a peer to another port. 0 (also when it already had it) or -ENOENT. */
int change_peer_port(struct dp *dp, const struct ipaddr *ip, uint16_t port);

/* Set a static FDB entry (a learned one for the MAC becomes static). */
int change_fdb_add(struct dp *dp, const struct mac *mac, const struct endpoint *dst);
int change_fdb_del(struct dp *dp, const struct mac *mac);
/* Remove every learned FDB entry; returns how many. */
size_t change_fdb_flush(struct dp *dp);

int change_neigh_add(struct dp *dp, const struct ipaddr *ip, const struct mac *mac);
int change_neigh_del(struct dp *dp, const struct ipaddr *ip);
size_t change_neigh_flush(struct dp *dp);

#endif
