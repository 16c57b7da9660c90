/* change: peer, FDB and neighbour changes with their invariants, for every source of change. */
#include "change.h"

#include <errno.h>
#include <string.h>

int change_peer_add(struct dp *dp, const struct endpoint *ep)
{
	struct peer *p = peers_find(dp->peers, &ep->ip);
	int r;

	if (p != NULL && p->listed)
		return -EEXIST;
	if (p != NULL) {
		/* An FDB-only VTEP listed now: a peer like any other. */
		p->listed = true;
		p->ep.port = ep->port;
		peers_set_flood(dp->peers, p, true);
		return 0;
	}
	if (peers_count(dp->peers) >= dp->lim.peers)
		return -ENOSPC;
	/* Secure mode talks to no peer whose key it does not know. */
	if (dp->hooks.peer_key != NULL)
		return -ENOKEY;
	r = peers_add(dp->peers, ep, &p);
	if (r == 0)
		p->listed = true;
	return r;
}

int change_peer_add_key(struct dp *dp, const struct endpoint *ep,
			const uint8_t key[static PEER_KEY_LEN])
{
	struct peer *p;
	int r;

	if (peers_find(dp->peers, &ep->ip) != NULL)
		return -EEXIST;
	if (peers_count(dp->peers) >= dp->lim.peers)
		return -ENOSPC;
	r = peers_add(dp->peers, ep, &p);
	if (r != 0)
		return r;
	p->listed = true;
	/* Nothing can point at the new peer yet: it goes without peer_gone. */
	if (dp->hooks.peer_key != NULL &&
	    (r = dp->hooks.peer_key(&p->ep.ip, key, dp->hooks.arg)) != 0) {
		peers_del(dp->peers, &ep->ip);
		return r;
	}
	memcpy(p->key, key, PEER_KEY_LEN);
	p->has_key = true;
	return 0;
}

int change_peer_set_key(struct dp *dp, const struct ipaddr *ip,
			const uint8_t key[static PEER_KEY_LEN])
{
	struct peer *p = peers_find(dp->peers, ip);
	int r;

	if (p == NULL)
		return -ENOENT;
	if (p->has_key && memcmp(p->key, key, PEER_KEY_LEN) == 0)
		return 0;
	if (dp->hooks.peer_key != NULL &&
	    (r = dp->hooks.peer_key(&p->ep.ip, key, dp->hooks.arg)) != 0)
		return r;
	memcpy(p->key, key, PEER_KEY_LEN);
	p->has_key = true;
	return 0;
}

/* The peer record goes: whatever points at it hears first. */
static int peer_remove(struct dp *dp, struct peer *p)
{
	struct ipaddr ip = p->ep.ip;

	if (dp->hooks.peer_gone != NULL)
		dp->hooks.peer_gone(p, dp->hooks.arg);
	/* What it taught goes with it; what the administrator set stays. */
	fdb_del_dst(dp->fdb, &ip, false);
	return peers_del(dp->peers, &ip);
}

int change_peer_del(struct dp *dp, const struct ipaddr *ip)
{
	struct peer *p = peers_find(dp->peers, ip);

	if (p == NULL || !p->listed)
		return -ENOENT;
	/* Plain mode: static FDB entries still name it, so datagrams from it
	 * stay welcome (as the kernel's FDB); it only leaves the flood list.
	 * Secure mode has no FDB-only VTEPs: without a key nothing gets through. */
	if (p->fdb_refs > 0 && dp->hooks.peer_key == NULL) {
		p->listed = false;
		peers_set_flood(dp->peers, p, false);
		fdb_del_dst(dp->fdb, ip, false);
		return 0;
	}
	return peer_remove(dp, p);
}

int change_peer_flood(struct dp *dp, const struct ipaddr *ip, bool flood)
{
	struct peer *p = peers_find(dp->peers, ip);

	if (p == NULL)
		return -ENOENT;
	peers_set_flood(dp->peers, p, flood);
	return 0;
}

int change_peer_port(struct dp *dp, const struct ipaddr *ip, uint16_t port)
{
	struct peer *p = peers_find(dp->peers, ip);

	if (p == NULL)
		return -ENOENT;
	if (p->ep.port == port)
		return 0;
	p->ep.port = port;
	/* Learned entries hold the old port: let them be learned again. */
	fdb_del_dst(dp->fdb, ip, false);
	return 0;
}

/* A static entry for mac, if there is one: its destination in *dst. */
static bool static_dst(const struct dp *dp, const struct mac *mac, struct endpoint *dst)
{
	const struct endpoint *e = fdb_lookup(dp->fdb, mac);

	if (e == NULL || !fdb_is_static(dp->fdb, mac))
		return false;
	*dst = *e;
	return true;
}

/* One static FDB entry fewer names ip: an FDB-only VTEP named by none goes. */
static void fdb_unref(struct dp *dp, const struct ipaddr *ip)
{
	struct peer *p = peers_find(dp->peers, ip);

	if (p == NULL || p->fdb_refs == 0)
		return;
	if (--p->fdb_refs == 0 && !p->listed)
		peer_remove(dp, p);
}

int change_fdb_add(struct dp *dp, const struct mac *mac, const struct endpoint *dst)
{
	struct peer *p = peers_find(dp->peers, &dst->ip);
	struct endpoint old;
	bool was_static = static_dst(dp, mac, &old);
	int r;

	/* A learned entry made static may pass the cap by the learned cap at most. */
	if (fdb_lookup(dp->fdb, mac) == NULL && fdb_count(dp->fdb, true) >= dp->lim.fdb_static)
		return -ENOSPC;
	if (was_static && endpoint_equal(&old, dst))
		return 0;
	if (p == NULL) {
		/* Secure mode takes datagrams only from peers with keys. */
		if (dp->hooks.peer_key != NULL)
			return -ENOKEY;
		if (peers_count(dp->peers) >= dp->lim.peers)
			return -ENOSPC;
		/* Datagrams from what the FDB names are taken, as the kernel
		 * does; it is no flood target. */
		if ((r = peers_add(dp->peers, dst, &p)) != 0)
			return r;
		peers_set_flood(dp->peers, p, false);
	}
	r = fdb_add_static(dp->fdb, mac, dst);
	if (r != 0) {
		if (p->fdb_refs == 0 && !p->listed)
			peer_remove(dp, p);
		return r;
	}
	p->fdb_refs++;
	if (was_static)
		fdb_unref(dp, &old.ip);
	return 0;
}

int change_fdb_del(struct dp *dp, const struct mac *mac)
{
	struct endpoint old;
	bool was_static = static_dst(dp, mac, &old);
	int r = fdb_del(dp->fdb, mac);

	if (r == 0 && was_static)
		fdb_unref(dp, &old.ip);
	return r;
}

size_t change_fdb_flush(struct dp *dp)
{
	return fdb_flush_learned(dp->fdb);
}

int change_neigh_add(struct dp *dp, const struct ipaddr *ip, const struct mac *mac)
{
	if (neigh_lookup(dp->neigh, ip) == NULL &&
	    neigh_count(dp->neigh, true) >= dp->lim.neigh_static)
		return -ENOSPC;
	return neigh_add_static(dp->neigh, ip, mac);
}

int change_neigh_del(struct dp *dp, const struct ipaddr *ip)
{
	return neigh_del(dp->neigh, ip);
}

size_t change_neigh_flush(struct dp *dp)
{
	return neigh_flush_learned(dp->neigh);
}
