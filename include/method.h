/* method: how a datagram leaves and arrives: plain VXLAN or sealed (secure mode), behind one
 * interface, as fastd's methods. */
#ifndef VXTAP_METHOD_H
#define VXTAP_METHOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct counters_snap;
struct crypto_peer_info;
struct dp;
struct dp_action;
struct gso_seg;
struct peer;
struct txq;

struct method;

struct method_ops {
	const char *name;
	/* Bytes each datagram carries besides the VXLAN datagram. */
	size_t overhead;
	/* Whether a kernel peer's unsegmented tunnel super-packet can be taken
	 * (plain VXLAN only: a sealed datagram is never one). */
	bool takes_super;
	/* Queue one VXLAN datagram (dgram, len bytes) for ep (its listed peer
	 * p, or NULL). False when the socket is full (what was not queued is
	 * counted as dropped). */
	bool (*send)(struct method *m, struct txq *q, const struct endpoint *ep, struct peer *p,
		     const uint8_t *dgram, size_t len, uint64_t now);
	/* Queue n segments for ep: each is the VXLAN header at vxh, the
	 * segment's headers (with VXLAN_HLEN writable bytes before them) and its
	 * payload. False as for send. */
	bool (*send_segs)(struct method *m, struct txq *q, const struct endpoint *ep,
			  struct peer *p, const uint8_t *vxh, const struct gso_seg *segs, size_t n,
			  uint64_t now);
	/* A datagram from src (address and port): act gets the decision on
	 * what it carries (DP_TO_TAP with the inner frame, DP_DROP, or
	 * DP_CONSUMED for a message of the method's own). Answers are queued
	 * on q, to src. Per-peer counters move only for a datagram that is
	 * known to come from its peer. */
	void (*recv)(struct method *m, struct txq *q, struct dp *dp, const struct endpoint *src,
		     uint8_t *dgram, size_t len, uint64_t now, struct dp_action *act);
	/* Timed work; returns when it next has some (ms), UINT64_MAX for none.
	 * May queue on q. NULL: none. */
	uint64_t (*tick)(struct method *m, struct txq *q, struct dp *dp, uint64_t now);
	/* Start talking to every listed peer now (handshakes). NULL: nothing to do. */
	void (*start)(struct method *m, struct txq *q, struct dp *dp, uint64_t now);
	/* A peer is leaving the list: forget what is held for it. NULL: nothing held. */
	void (*peer_gone)(struct method *m, const struct ipaddr *ip);
	/* Listed peer ip has public key key from now on (a new peer, or a new
	 * key). 0, or -errno with nothing changed (-EINVAL: this node's own key
	 * or a key with no shared secret; -ENOMEM). NULL: keys mean nothing to
	 * the method (plain VXLAN). */
	int (*peer_key)(struct method *m, const struct ipaddr *ip, const uint8_t key[static 32]);
	/* This node's public key into pub. NULL: the method has no keys (then
	 * set_key, stats and peer_info are NULL too). */
	void (*own_key)(struct method *m, uint8_t pub[static 32]);
	/* Move to private key priv; sessions are renegotiated. 0, or -EINVAL
	 * with nothing changed (a key some peer is listed with). */
	int (*set_key)(struct method *m, const uint8_t priv[static 32], uint64_t now);
	/* The method's counters into s (s->crypto; s->secure set). */
	void (*stats)(struct method *m, struct counters_snap *s);
	/* The session with peer ip for peer show: 0, or -ENOENT. */
	int (*peer_info)(struct method *m, const struct ipaddr *ip, uint64_t now,
			 struct crypto_peer_info *info);
	void (*free)(struct method *m);
};

struct method {
	const struct method_ops *ops;
	/* Set by the method when its next timed work came sooner (a handshake
	 * started); whoever runs tick clears it and asks tick again. */
	bool tick_sooner;
	/* For the log (-v), set by the shell or NULL: a datagram from src the
	 * method dropped (what: the reason's name, desc its description) or a
	 * handshake it completed with src (what: "handshake completed", desc
	 * NULL). what and desc are static strings. */
	void (*note)(void *arg, const struct ipaddr *src, const char *what, const char *desc,
		     uint64_t now);
	void *note_arg;
};

/* Whether m holds keys (secure mode). */
static inline bool method_keyed(const struct method *m)
{
	return m->ops->own_key != NULL;
}

/* Plain RFC 7348 VXLAN: datagrams go out as they are. Holds no state:
 * struct method m = {.ops = &method_plain_ops} is one. */
extern const struct method_ops method_plain_ops;

#endif
