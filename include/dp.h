/* dp: the forwarding decision for each direction, and the counters. */
#ifndef VXTAP_DP_H
#define VXTAP_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "arp.h"
#include "eth.h"
#include "fdb.h"
#include "icmp.h"
#include "nd.h"
#include "neigh.h"
#include "peer.h"
#include "vxlan.h"

/* Why a frame or datagram was dropped. X(ENUM, name, description). */
#define DP_DROP_REASONS(X)                                                             \
	X(VXLAN_SHORT, vxlan_short, "datagram shorter than the VXLAN header")          \
	X(VXLAN_NO_I, vxlan_no_i, "VXLAN I flag clear")                                \
	X(VXLAN_RESERVED, vxlan_reserved, "VXLAN reserved bits set")                   \
	X(BAD_VNI, bad_vni, "VNI does not match")                                      \
	X(UNKNOWN_PEER, unknown_peer, "datagram from an address not in the peer list") \
	X(RUNT, runt, "frame shorter than an Ethernet header")                         \
	X(OVERSIZE, oversize, "frame larger than the TAP MTU allows")                  \
	X(SRC_OWN, src_own, "frame from a peer with the TAP's own source MAC")         \
	X(SRC_MULTICAST, src_multicast, "source MAC multicast or broadcast")           \
	X(SRC_ZERO, src_zero, "source MAC all zeros")                                  \
	X(BAD_ARP, bad_arp, "malformed ARP")                                           \
	X(BAD_ND, bad_nd, "malformed IPv6 neighbour solicitation or advertisement")    \
	X(NO_PEERS, no_peers, "no peer to flood to")                                   \
	X(FLOOD_RATE, flood_rate, "flood from the TAP over --flood-rate")              \
	X(PEER_FLOOD_RATE, peer_flood_rate, "broadcast from a peer over --flood-rate") \
	X(TAP_DOWN, tap_down, "TAP administratively down: frame not written")          \
	X(TAP_WRITE, tap_write, "write to the TAP failed")                             \
	X(UDP_SEND, udp_send, "send to a peer failed")                                 \
	X(BAD_OFFLOAD, bad_offload, "TAP super-frame or partial checksum that does not parse")

#define DP_DROP_ENUM(e, name, desc) DROP_##e,
enum dp_drop { DROP_NONE = 0, DP_DROP_REASONS(DP_DROP_ENUM) DROP__COUNT };
#undef DP_DROP_ENUM

/* Everything else counted. X(name, description). */
#define DP_COUNTERS(X)                                                                  \
	X(tap_rx_packets, "frames read from the TAP")                                   \
	X(tap_rx_bytes, "bytes read from the TAP")                                      \
	X(tap_tx_packets, "frames written to the TAP")                                  \
	X(tap_tx_bytes, "bytes written to the TAP")                                     \
	X(udp_rx_packets, "datagrams received")                                         \
	X(udp_rx_bytes, "bytes received")                                               \
	X(udp_tx_packets, "datagrams sent")                                             \
	X(udp_tx_bytes, "bytes sent")                                                   \
	X(floods, "frames flooded to every peer")                                       \
	X(arp_replies, "ARP requests answered by the proxy")                            \
	X(nd_replies, "IPv6 neighbour solicitations answered by the proxy")             \
	X(icmp_frag_needed, "ICMP fragmentation-needed sent back for oversize packets") \
	X(icmp6_too_big, "ICMPv6 packet-too-big sent back for oversize packets")        \
	X(csum_finished, "inner checksums a sender left for hardware, finished")        \
	X(fdb_learned, "FDB entries learned")                                           \
	X(fdb_moved, "learned FDB entries moved to another peer")                       \
	X(fdb_aged, "learned FDB entries aged out")                                     \
	X(fdb_full, "MACs not learned: a cap of 0, or out of memory")                   \
	X(fdb_evicted, "learned FDB entries evicted at a cap, least recently used")     \
	X(fdb_frozen, "MACs frozen on one peer for moving too often (--max-moves)")     \
	X(fdb_move_refused, "moves refused while the MAC was frozen")                   \
	X(neigh_learned, "neighbour entries learned")                                   \
	X(neigh_aged, "learned neighbour entries aged out")

#define DP_COUNTER_FIELD(name, desc) uint64_t name;
struct dp_stats {
	DP_COUNTERS(DP_COUNTER_FIELD)
	uint64_t drops[DROP__COUNT];
};
#undef DP_COUNTER_FIELD

/* Short lower-case name ("bad_vni") and a description, for logs and stats. */
const char *dp_drop_name(enum dp_drop d);
const char *dp_drop_desc(enum dp_drop d);
uint64_t dp_drops_total(const struct dp_stats *st);

struct storm;

/* MAC-move damping (fdb_set_damping) counts a MAC's moves within windows of
 * this length, and a MAC that moves too often stays frozen for as long. */
#define DP_MOVE_WINDOW_MS 60000u

struct dp_config {
	uint32_t vni;
	struct mac mac; /* the TAP's own MAC */
	uint32_t mtu;	/* TAP MTU: inner frames up to mtu + ETH_HDR_LEN + ETH_VLAN_LEN */
	/* Largest inner IP packet that fits the underlay once encapsulated
	 * (underlay MTU minus outer headers minus the inner Ethernet header);
	 * 0 = do not check. */
	uint32_t path_mtu;
	bool learning;
};

/* Caps on what the sources of change (command line, peers file, control
 * socket, etcd) may add through the change API (change.h). */
struct dp_limits {
	size_t peers;
	size_t fdb_static;
	size_t neigh_static;
};

#define DP_LIMITS_DEFAULT                                                    \
	{                                                                    \
		.peers = 16384, .fdb_static = 262144, .neigh_static = 262144 \
	}

/* What the shell wants to hear about: a peer about to be freed (drop every
 * pointer to it, forget its sessions). */
struct dp_hooks {
	void (*peer_gone)(const struct peer *p, void *arg);
	/* Peer ip is to have public key key (it is being added with it, or its
	 * key changes). 0 lets the change go on; -errno refuses it (-EINVAL:
	 * this node's own key; -ENOMEM) and nothing changes. NULL: keys are
	 * kept but mean nothing (plain VXLAN); set: secure mode, where every
	 * peer needs a key. */
	int (*peer_key)(const struct ipaddr *ip, const uint8_t key[static 32], void *arg);
	void *arg;
};

/* Datagrams come in runs from one peer carrying one flow: the last sender
 * and the last MAC learned are remembered, so a run costs one hash probe;
 * and the owner of the last unicast MAC sent to. Each entry holds while the
 * generation of the table it came from stays the same. */
struct dp_cache {
	struct ipaddr src;
	struct peer *peer;
	uint64_t gen;
	struct mac mac;
	struct endpoint mac_dst;
	uint64_t mac_time;
	uint64_t fdb_gen;
	bool tx_valid;
	struct mac tx_mac;
	struct endpoint tx_dst;
	struct peer *tx_peer;
	uint64_t tx_fdb_gen, tx_peers_gen;
};

/* The forwarding context: configuration, tables and counters. Made by
 * dp_init, changed only through the change API (change.h) and the decisions
 * below. */
struct dp {
	struct dp_config cfg;
	struct fdb *fdb;
	struct neigh *neigh;
	struct peers *peers;
	/* --flood-rate: floods from the TAP and broadcasts from peers, per
	 * source MAC; NULL = unlimited. */
	struct storm *storm_tap, *storm_peer;
	struct dp_limits lim;
	struct dp_hooks hooks;
	struct dp_stats st;
	struct dp_cache cache;
};

/* Everything dp_init needs. */
struct dp_params {
	struct dp_config cfg;
	size_t max_learned;   /* learned FDB entries, and learned neighbours */
	size_t max_per_peer;  /* learned FDB entries per peer; SIZE_MAX = only the total cap */
	uint64_t ageing_ms;   /* learned entries; 0 = never */
	uint32_t max_moves;   /* MAC moves per DP_MOVE_WINDOW_MS before a freeze; 0 = off */
	uint32_t flood_rate;  /* flooded frames a second per source MAC; 0 = unlimited */
	size_t flood_macs;    /* source MACs storm control follows at once */
	struct dp_limits lim; /* all zero: DP_LIMITS_DEFAULT */
};

/* Encapsulation on the underlay, as the kernel counts it: outer IPv4 (20) or
 * IPv6 (40), UDP (8), VXLAN (8) and the inner Ethernet header (14). */
#define DP_ENCAP_V4    50
#define DP_ENCAP_V6    70
#define DP_DEFAULT_MTU 1450 /* when the underlay's MTU cannot be read */
#define DP_MIN_MTU     68

/* cfg->mtu and cfg->path_mtu from the underlay device's MTU (0 or less:
 * unknown), the underlay's family, the datagram method's overhead and the
 * MTU asked for (0: none). The TAP MTU is the one asked for, else what fits
 * the underlay once encapsulated; the path MTU is what fits (0: unknown).
 * False when neither was known and DP_DEFAULT_MTU was taken. */
bool dp_pick_mtu(struct dp_config *cfg, int underlay_mtu, int family, size_t overhead,
		 uint32_t want);

/* Fill len bytes at buf with unpredictable bytes (table hash seeds). */
typedef void dp_random_fn(void *ctx, void *buf, size_t len);

/* Make the tables and zero the counters. 0, or -ENOMEM with nothing held. */
int dp_init(struct dp *dp, const struct dp_params *p, dp_random_fn *rnd, void *rctx);

/* Free the tables; dp may be zeroed or half made. */
void dp_fini(struct dp *dp);

enum dp_verdict {
	DP_DROP,      /* drop; reason in act->drop (already counted) */
	DP_UNICAST,   /* send act->data/len to act->dst */
	DP_FLOOD,     /* send act->data/len to every peer */
	DP_REPLY_TAP, /* write act->data/len (ARP reply, NA, ICMP error) to the TAP */
	DP_TO_TAP,    /* write act->data/len (the inner frame) to the TAP */
	DP_CONSUMED,  /* a message of the datagram method's own (a handshake): nothing to do */
};

/* Something the shell may want to log (rate-limited). */
enum dp_event {
	DP_EV_NONE = 0,
	DP_EV_MOVED, /* act->ev_mac moved from act->ev_old to act->dst */
	/* act->ev_mac moved too often: frozen on act->ev_old (its home) for
	 * DP_MOVE_WINDOW_MS; act->peer is the peer that claimed it last. */
	DP_EV_FROZEN,
	/* a cap was reached learning act->ev_mac from act->peer: it was not
	 * learned (ev_evicted false), or another entry made room (true) */
	DP_EV_CAP,
};

/* The largest frame dp builds itself (ARP or NA answer, ICMP error). */
#define DP_MAX2(a, b) ((a) > (b) ? (a) : (b))
#define DP_REPLY_MAX  DP_MAX2(DP_MAX2(ICMP_REPLIES_MAX, ARP_FRAME_LEN), ND_NA_FRAME_LEN)

struct dp_action {
	enum dp_verdict verdict;
	enum dp_drop drop;
	const char *drop_hint; /* what the drop probably means, for the log; or NULL */
	const uint8_t *data;
	size_t len;
	struct endpoint dst;
	struct peer *peer; /* the peer involved, when it is a listed one */
	enum dp_event event;
	struct mac ev_mac;
	struct endpoint ev_old;
	bool ev_evicted;
	uint8_t reply[DP_REPLY_MAX];
};

/* A frame of len bytes read from the TAP at frame. The VXLAN_HLEN bytes
 * before frame must be writable: on DP_UNICAST and DP_FLOOD the header is
 * written there and act->data points at it. The shell counts what it sends
 * (udp_tx_*, per-peer tx) and what fails (DROP_UDP_SEND). */
void dp_from_tap(struct dp *dp, uint8_t *frame, size_t len, uint64_t now, struct dp_action *act);

/* The same for a TSO/USO super-frame that will leave as segments of at most
 * seg_len bytes each (Ethernet header included): size limits and path-MTU
 * checks apply to seg_len. dp_from_tap() is this with seg_len == len. */
void dp_from_tap_gso(struct dp *dp, uint8_t *frame, size_t len, size_t seg_len, uint64_t now,
		     struct dp_action *act);

/* A datagram of len bytes received from src (any port). Learns, snoops ARP
 * and IPv6 ND, and returns DP_TO_TAP with the inner frame, or DP_DROP. */
void dp_from_udp(struct dp *dp, const struct ipaddr *src, const uint8_t *dgram, size_t len,
		 uint64_t now, struct dp_action *act);

/* dp_from_udp in two steps, for secure mode, where the datagram must be
 * opened between them: dp_udp_peer counts the datagram (udp_rx_*, and the
 * peer's rx and last_rx) and returns its listed peer (NULL: dropped as
 * unknown, already counted); dp_udp_frame decides on the opened VXLAN
 * datagram from that peer. */
struct peer *dp_udp_peer(struct dp *dp, const struct ipaddr *src, size_t len, uint64_t now,
			 struct dp_action *act);
/* dp_udp_peer without the peer's counters, for a datagram not yet
 * authenticated: dp_peer_rx counts it against p once it is. */
struct peer *dp_udp_src(struct dp *dp, const struct ipaddr *src, size_t len, struct dp_action *act);
void dp_peer_rx(struct peer *p, size_t len, uint64_t now);
void dp_udp_frame(struct dp *dp, struct peer *p, const uint8_t *dgram, size_t len, uint64_t now,
		  struct dp_action *act);

/* dp_udp_frame for a datagram whose inner frame is a super-frame that will
 * reach the TAP as segments of at most seg_len bytes (Ethernet header
 * included): the size limit applies to seg_len. (A kernel vxlan device over
 * veth hands a local UDP socket its unsegmented tunnel super-packets.) */
void dp_udp_frame_gso(struct dp *dp, struct peer *p, const uint8_t *dgram, size_t len,
		      size_t seg_len, uint64_t now, struct dp_action *act);

/* Age both tables at now; *next gets the earliest next deadline. */
void dp_age(struct dp *dp, uint64_t now, uint64_t *next);

#endif
