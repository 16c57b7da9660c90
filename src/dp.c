/* dp: the forwarding decision for frames from the TAP and datagrams from peers. */
#include "dp.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "storm.h"

int dp_init(struct dp *dp, const struct dp_params *p, dp_random_fn *rnd, void *rctx)
{
	static const struct dp_limits deflim = DP_LIMITS_DEFAULT;
	uint8_t seed[TABLE_SEED_LEN];

	memset(dp, 0, sizeof(*dp));
	dp->cfg = p->cfg;
	dp->lim = p->lim.peers == 0 && p->lim.fdb_static == 0 && p->lim.neigh_static == 0 ? deflim
											  : p->lim;
	rnd(rctx, seed, sizeof(seed));
	dp->fdb = fdb_new(p->max_learned, p->ageing_ms, seed);
	rnd(rctx, seed, sizeof(seed));
	dp->neigh = neigh_new(p->max_learned, p->ageing_ms, seed);
	rnd(rctx, seed, sizeof(seed));
	dp->peers = peers_new(seed);
	if (dp->fdb == NULL || dp->neigh == NULL || dp->peers == NULL)
		goto fail;
	fdb_set_peer_limit(dp->fdb, p->max_per_peer);
	fdb_set_damping(dp->fdb, p->max_moves, DP_MOVE_WINDOW_MS);
	if (p->flood_rate != 0) {
		/* Bursts of one second's worth. */
		rnd(rctx, seed, sizeof(seed));
		dp->storm_tap = storm_new(p->flood_rate, p->flood_rate, p->flood_macs, seed);
		rnd(rctx, seed, sizeof(seed));
		dp->storm_peer = storm_new(p->flood_rate, p->flood_rate, p->flood_macs, seed);
		if (dp->storm_tap == NULL || dp->storm_peer == NULL)
			goto fail;
	}
	return 0;
fail:
	dp_fini(dp);
	return -ENOMEM;
}

void dp_fini(struct dp *dp)
{
	fdb_free(dp->fdb);
	neigh_free(dp->neigh);
	peers_free(dp->peers);
	storm_free(dp->storm_tap);
	storm_free(dp->storm_peer);
	memset(dp, 0, sizeof(*dp));
}

#define DP_DROP_NAME(e, name, desc) [DROP_##e] = #name,
#define DP_DROP_DESC(e, name, desc) [DROP_##e] = desc,
static const char *const drop_names[DROP__COUNT] = {[DROP_NONE] = "none",
						    DP_DROP_REASONS(DP_DROP_NAME)};
static const char *const drop_descs[DROP__COUNT] = {[DROP_NONE] = "not dropped",
						    DP_DROP_REASONS(DP_DROP_DESC)};
#undef DP_DROP_NAME
#undef DP_DROP_DESC

const char *dp_drop_name(enum dp_drop d)
{
	if ((unsigned)d >= DROP__COUNT)
		return "unknown";
	return drop_names[d];
}

const char *dp_drop_desc(enum dp_drop d)
{
	if ((unsigned)d >= DROP__COUNT)
		return "unknown";
	return drop_descs[d];
}

uint64_t dp_drops_total(const struct dp_stats *st)
{
	uint64_t sum = 0;

	for (int d = DROP_NONE + 1; d < DROP__COUNT; d++)
		sum += st->drops[d];
	return sum;
}

bool dp_pick_mtu(struct dp_config *cfg, int underlay_mtu, int family, size_t overhead,
		 uint32_t want)
{
	long room = (long)underlay_mtu - (family == AF_INET6 ? DP_ENCAP_V6 : DP_ENCAP_V4) -
		    (long)overhead;

	cfg->path_mtu = underlay_mtu > 0 && room >= DP_MIN_MTU ? (uint32_t)room : 0;
	if (want != 0) {
		cfg->mtu = want;
		return true;
	}
	if (underlay_mtu <= 0) {
		cfg->mtu = DP_DEFAULT_MTU;
		return false;
	}
	cfg->mtu = room < DP_MIN_MTU ? DP_MIN_MTU : (uint32_t)room;
	return true;
}

static void drop(struct dp *dp, struct dp_action *act, enum dp_drop reason)
{
	act->verdict = DP_DROP;
	act->drop = reason;
	dp->st.drops[reason]++;
}

static size_t max_frame(const struct dp *dp)
{
	return (size_t)dp->cfg.mtu + ETH_HDR_LEN + ETH_VLAN_LEN;
}

/* Answer an ARP request for a known IP on the TAP, as the kernel driver's
 * "proxy" option does. Returns true when act now holds the verdict. */
static bool arp_proxy(struct dp *dp, const uint8_t *frame, size_t len, struct dp_action *act)
{
	struct arp_ipv4 req;
	struct ipaddr tip;
	const struct mac *owner;

	switch (arp_parse(frame + ETH_HDR_LEN, len - ETH_HDR_LEN, &req)) {
	case ARP_OK:
		break;
	default:
		drop(dp, act, DROP_BAD_ARP);
		return true;
	}
	if (req.op != ARP_OP_REQUEST)
		return false;
	ipaddr_from_v4(&tip, req.tpa);
	owner = neigh_lookup(dp->neigh, &tip);
	if (owner == NULL)
		return false; /* unknown: flooded like any broadcast */
	act->verdict = DP_REPLY_TAP;
	act->len = arp_build_reply(act->reply, &req, owner);
	act->data = act->reply;
	dp->st.arp_replies++;
	return true;
}

/* Answer a neighbour solicitation for a known target on the TAP with an
 * advertisement, as the kernel driver's "proxy" option does for IPv6. DAD
 * probes (from ::) are flooded, never answered: an answer would tell the
 * prober that its own address is taken. Returns true when act now holds
 * the verdict. */
static bool nd_proxy(struct dp *dp, const uint8_t *frame, size_t len, struct dp_action *act)
{
	struct nd_msg ns;
	const struct mac *owner;

	switch (nd_parse(frame, len, &ns)) {
	case ND_OK:
		break;
	case ND_NOT_ND:
		return false;
	default:
		drop(dp, act, DROP_BAD_ND);
		return true;
	}
	if (ns.type != ND_TYPE_NS || nd_is_dad(&ns))
		return false;
	owner = neigh_lookup(dp->neigh, &ns.target);
	if (owner == NULL)
		return false; /* unknown: flooded like any multicast */
	act->verdict = DP_REPLY_TAP;
	act->len = nd_build_na(act->reply, &ns, owner);
	act->data = act->reply;
	dp->st.nd_replies++;
	return true;
}

/* The FDB owner of dst and its peer (NULL: not a listed peer), with a
 * one-entry cache: a stream of frames to one MAC costs one hash probe until
 * the FDB or the peer set changes. */
static const struct endpoint *owner_of(struct dp *dp, const struct mac *dst, struct peer **peer)
{
	uint64_t fg = fdb_generation(dp->fdb), pg = peers_generation(dp->peers);
	const struct endpoint *ep;

	if (dp->cache.tx_valid && dp->cache.tx_fdb_gen == fg && dp->cache.tx_peers_gen == pg &&
	    mac_equal(&dp->cache.tx_mac, dst)) {
		*peer = dp->cache.tx_peer;
		return &dp->cache.tx_dst;
	}
	ep = fdb_lookup(dp->fdb, dst);
	if (ep == NULL)
		return NULL;
	*peer = peers_find(dp->peers, &ep->ip);
	dp->cache.tx_valid = true;
	dp->cache.tx_mac = *dst;
	dp->cache.tx_dst = *ep;
	dp->cache.tx_peer = *peer;
	dp->cache.tx_fdb_gen = fg;
	dp->cache.tx_peers_gen = pg;
	return ep;
}

void dp_from_tap(struct dp *dp, uint8_t *frame, size_t len, uint64_t now, struct dp_action *act)
{
	dp_from_tap_gso(dp, frame, len, len, now, act);
}

void dp_from_tap_gso(struct dp *dp, uint8_t *frame, size_t len, size_t seg_len, uint64_t now,
		     struct dp_action *act)
{
	struct mac dst, src;
	const struct endpoint *ep;
	uint32_t cost;

	act->event = DP_EV_NONE;
	act->drop = DROP_NONE;
	act->drop_hint = NULL;
	act->peer = NULL;
	dp->st.tap_rx_packets++;
	dp->st.tap_rx_bytes += len;

	if (len < ETH_HDR_LEN) {
		drop(dp, act, DROP_RUNT);
		return;
	}
	if (seg_len > max_frame(dp)) {
		drop(dp, act, DROP_OVERSIZE);
		return;
	}
	if (eth_type(frame) == ETHTYPE_ARP && arp_proxy(dp, frame, len, act))
		return;
	if (eth_type(frame) == ETHTYPE_IPV6 && nd_proxy(dp, frame, len, act))
		return;
	/* For a super-frame, what must fit is each segment it will be cut into. */
	if (dp->cfg.path_mtu != 0 && seg_len > (size_t)dp->cfg.path_mtu + ETH_HDR_LEN &&
	    icmp_needs_frag(frame, len, dp->cfg.path_mtu)) {
		act->verdict = DP_REPLY_TAP;
		act->len = icmp_build_frag_needed(act->reply, frame, len, dp->cfg.path_mtu);
		act->data = act->reply;
		dp->st.icmp_frag_needed++;
		return;
	}
	/* IPv6 has no DF: every oversize packet gets "packet too big". */
	if (dp->cfg.path_mtu != 0 && seg_len > (size_t)dp->cfg.path_mtu + ETH_HDR_LEN &&
	    icmp6_needs_ptb(frame, len, dp->cfg.path_mtu)) {
		act->verdict = DP_REPLY_TAP;
		act->len = icmp6_build_ptb(act->reply, frame, len, dp->cfg.path_mtu);
		act->data = act->reply;
		dp->st.icmp6_too_big++;
		return;
	}

	eth_dst(frame, &dst);
	ep = mac_is_multicast(&dst) ? NULL : owner_of(dp, &dst, &act->peer);
	if (ep != NULL) {
		act->verdict = DP_UNICAST;
		act->dst = *ep;
	} else {
		/* Broadcast, multicast and unknown unicast: head-end replication
		 * to the peers that are flood targets. */
		if (peers_flood_count(dp->peers) == 0) {
			drop(dp, act, DROP_NO_PEERS);
			return;
		}
		/* Storm control per source MAC; a super-frame costs its segments. */
		eth_src(frame, &src);
		cost = seg_len == 0 ? 1 : (uint32_t)((len + seg_len - 1) / seg_len);
		if (dp->storm_tap != NULL && !storm_allow(dp->storm_tap, &src, cost, now)) {
			drop(dp, act, DROP_FLOOD_RATE);
			return;
		}
		act->verdict = DP_FLOOD;
		dp->st.floods++;
	}
	vxlan_encode(frame - VXLAN_HLEN, dp->cfg.vni);
	act->data = frame - VXLAN_HLEN;
	act->len = len + VXLAN_HLEN;
}

/* Learn the sender of an ARP frame that came from a peer. */
static bool arp_snoop(struct dp *dp, const uint8_t *frame, size_t len, uint64_t now)
{
	struct arp_ipv4 a;
	struct ipaddr sip;

	if (arp_parse(frame + ETH_HDR_LEN, len - ETH_HDR_LEN, &a) != ARP_OK)
		return false;
	if (dp->cfg.learning && arp_spa_learnable(a.spa)) {
		ipaddr_from_v4(&sip, a.spa);
		if (neigh_learn(dp->neigh, &sip, &a.sha, now) == TABLE_LEARN_NEW)
			dp->st.neigh_learned++;
	}
	return true;
}

/* Learn from an NS or NA that came from a peer: an NA's target and an NS's
 * source, each with the link-layer address option it carries. Returns
 * false when the message is malformed. */
static bool nd_snoop(struct dp *dp, const uint8_t *frame, size_t len, uint64_t now)
{
	struct nd_msg m;
	const struct ipaddr *ip;

	switch (nd_parse(frame, len, &m)) {
	case ND_OK:
		break;
	case ND_NOT_ND:
		return true;
	default:
		return false;
	}
	if (!dp->cfg.learning || !m.has_lla)
		return true;
	ip = m.type == ND_TYPE_NA ? &m.target : &m.src;
	if (nd_addr_learnable(ip) && neigh_learn(dp->neigh, ip, &m.lla, now) == TABLE_LEARN_NEW)
		dp->st.neigh_learned++;
	return true;
}

/* peers_find with a one-entry cache, dropped whenever a peer goes away. */
static struct peer *find_peer(struct dp *dp, const struct ipaddr *src)
{
	uint64_t gen = peers_generation(dp->peers);

	if (dp->cache.peer != NULL && dp->cache.gen == gen && ipaddr_equal(&dp->cache.src, src))
		return dp->cache.peer;
	dp->cache.peer = peers_find(dp->peers, src);
	dp->cache.src = *src;
	dp->cache.gen = gen;
	return dp->cache.peer;
}

/* The MAC just learned from the same peer within this many ms, with nothing
 * removed from the FDB since, is not looked up again: the entry exists and
 * its age is kept to this precision. */
#define LEARN_CACHE_MS 1000

/* Learn src behind p. A MAC frozen on another peer (move damping) stays
 * there, but its frames are still delivered, as with EVPN's duplicate-MAC
 * detection (RFC 7432, section 15.1): any listed peer can send frames with
 * any source MAC anyway, and dropping would cut off a host that really
 * moved until the freeze ends. What damping protects is the return path. */
static void learn(struct dp *dp, const struct mac *src, const struct peer *p, uint64_t now,
		  struct dp_action *act)
{
	uint64_t gen = fdb_generation(dp->fdb), evicted;
	bool remember = true;

	if (dp->cache.mac_time != 0 && now - dp->cache.mac_time < LEARN_CACHE_MS &&
	    dp->cache.fdb_gen == gen && mac_equal(&dp->cache.mac, src) &&
	    endpoint_equal(&dp->cache.mac_dst, &p->ep))
		return;
	dp->cache.mac_time = 0;
	evicted = fdb_evicted(dp->fdb);
	switch (fdb_learn(dp->fdb, src, &p->ep, now, &act->ev_old)) {
	case TABLE_LEARN_NEW:
		dp->st.fdb_learned++;
		break;
	case TABLE_LEARN_MOVED:
		dp->st.fdb_moved++;
		act->event = DP_EV_MOVED;
		act->ev_mac = *src;
		break;
	case TABLE_LEARN_FROZE:
		dp->st.fdb_frozen++;
		act->event = DP_EV_FROZEN;
		act->ev_mac = *src;
		remember = endpoint_equal(&act->ev_old, &p->ep);
		/* A home that has left the peer list since the window began gets
		 * no traffic: the MAC is forgotten instead. */
		if (peers_find(dp->peers, &act->ev_old.ip) == NULL) {
			fdb_del(dp->fdb, src);
			remember = false;
		}
		break;
	case TABLE_LEARN_FROZEN:
		dp->st.fdb_move_refused++;
		remember = false;
		break;
	case TABLE_LEARN_FULL:
	case TABLE_LEARN_NOMEM:
		dp->st.fdb_full++;
		act->event = DP_EV_CAP;
		act->ev_mac = *src;
		act->ev_evicted = false;
		remember = false;
		break;
	case TABLE_LEARN_REFRESHED:
	case TABLE_LEARN_STATIC:
		break;
	}
	if (fdb_evicted(dp->fdb) != evicted) {
		dp->st.fdb_evicted += fdb_evicted(dp->fdb) - evicted;
		if (act->event == DP_EV_NONE) {
			act->event = DP_EV_CAP;
			act->ev_mac = *src;
			act->ev_evicted = true;
		}
	}
	if (remember) {
		/* The entry exists now: remember it. */
		dp->cache.mac = *src;
		dp->cache.mac_dst = p->ep;
		dp->cache.mac_time = now;
		dp->cache.fdb_gen = fdb_generation(dp->fdb);
	}
}

struct peer *dp_udp_src(struct dp *dp, const struct ipaddr *src, size_t len, struct dp_action *act)
{
	struct peer *p;

	act->event = DP_EV_NONE;
	act->drop = DROP_NONE;
	act->drop_hint = NULL;
	act->peer = NULL;
	dp->st.udp_rx_packets++;
	dp->st.udp_rx_bytes += len;

	/* Only listed peers are trusted; check before looking at a byte. */
	p = find_peer(dp, src);
	if (p == NULL) {
		drop(dp, act, DROP_UNKNOWN_PEER);
		return NULL;
	}
	act->peer = p;
	return p;
}

void dp_peer_rx(struct peer *p, size_t len, uint64_t now)
{
	p->st.rx_packets++;
	p->st.rx_bytes += len;
	p->st.last_rx = now;
}

struct peer *dp_udp_peer(struct dp *dp, const struct ipaddr *src, size_t len, uint64_t now,
			 struct dp_action *act)
{
	struct peer *p = dp_udp_src(dp, src, len, act);

	if (p != NULL)
		dp_peer_rx(p, len, now);
	return p;
}

void dp_from_udp(struct dp *dp, const struct ipaddr *src, const uint8_t *dgram, size_t len,
		 uint64_t now, struct dp_action *act)
{
	struct peer *p = dp_udp_peer(dp, src, len, now, act);

	if (p != NULL)
		dp_udp_frame(dp, p, dgram, len, now, act);
}

void dp_udp_frame(struct dp *dp, struct peer *p, const uint8_t *dgram, size_t len, uint64_t now,
		  struct dp_action *act)
{
	dp_udp_frame_gso(dp, p, dgram, len, len < VXLAN_HLEN ? 0 : len - VXLAN_HLEN, now, act);
}

void dp_udp_frame_gso(struct dp *dp, struct peer *p, const uint8_t *dgram, size_t len,
		      size_t seg_len, uint64_t now, struct dp_action *act)
{
	uint32_t vni;
	const uint8_t *frame;
	size_t flen;
	struct mac smac, dmac;

	act->peer = p;
	switch (vxlan_decode(dgram, len, &vni)) {
	case VXLAN_OK:
		break;
	case VXLAN_SHORT:
		drop(dp, act, DROP_VXLAN_SHORT);
		return;
	case VXLAN_NO_I:
		drop(dp, act, DROP_VXLAN_NO_I);
		return;
	case VXLAN_RESERVED:
		drop(dp, act, DROP_VXLAN_RESERVED);
		return;
	}
	if (vni != dp->cfg.vni) {
		drop(dp, act, DROP_BAD_VNI);
		return;
	}
	frame = dgram + VXLAN_HLEN;
	flen = len - VXLAN_HLEN;
	if (flen < ETH_HDR_LEN) {
		drop(dp, act, DROP_RUNT);
		return;
	}
	if (seg_len > max_frame(dp)) {
		drop(dp, act, DROP_OVERSIZE);
		return;
	}
	eth_src(frame, &smac);
	if (mac_is_zero(&smac)) {
		drop(dp, act, DROP_SRC_ZERO);
		return;
	}
	if (mac_is_multicast(&smac)) {
		drop(dp, act, DROP_SRC_MULTICAST);
		return;
	}
	if (mac_equal(&smac, &dp->cfg.mac)) {
		drop(dp, act, DROP_SRC_OWN);
		return;
	}
	/* Storm control: a peer's broadcasts and multicasts reach the TAP at
	 * --flood-rate per source MAC, checked before they teach anything. */
	eth_dst(frame, &dmac);
	if (dp->storm_peer != NULL && mac_is_multicast(&dmac) &&
	    !storm_allow(dp->storm_peer, &smac, 1, now)) {
		drop(dp, act, DROP_PEER_FLOOD_RATE);
		return;
	}
	if (eth_type(frame) == ETHTYPE_ARP && !arp_snoop(dp, frame, flen, now)) {
		drop(dp, act, DROP_BAD_ARP);
		return;
	}
	if (eth_type(frame) == ETHTYPE_IPV6 && !nd_snoop(dp, frame, flen, now)) {
		drop(dp, act, DROP_BAD_ND);
		return;
	}
	if (dp->cfg.learning)
		learn(dp, &smac, p, now, act);

	act->verdict = DP_TO_TAP;
	act->data = frame;
	act->len = flen;
}

void dp_age(struct dp *dp, uint64_t now, uint64_t *next)
{
	uint64_t nf = UINT64_MAX, nn = UINT64_MAX;

	dp->st.fdb_aged += fdb_age(dp->fdb, now, &nf);
	dp->st.neigh_aged += neigh_age(dp->neigh, now, &nn);
	if (next != NULL)
		*next = nf < nn ? nf : nn;
}
