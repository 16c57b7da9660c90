/* method_sealed: secure mode: every datagram sealed per destination, handshakes, sessions; the
 * crypto itself is crypto.c. */
#include "method_sealed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "counters.h"
#include "crypto.h"
#include "dp.h"
#include "gso.h"
#include "txq.h"

struct sealed {
	struct method m; /* first: the method is the sealed state */
	struct crypto *c;
	method_clock_fn *wall_ns;
	void *clock_ctx;
	uint8_t *arena; /* bump-allocated, reset when the send queue empties */
	size_t used;
};

static struct sealed *sealed_of(struct method *m)
{
	return (struct sealed *)(void *)m;
}

/* Space for a sealed datagram until the send queue is flushed. Every
 * allocation is queued before the next one is made, so an empty queue means
 * nothing in the arena is still in use. NULL when the socket is full. */
static uint8_t *arena_alloc(struct sealed *s, struct txq *q, size_t len)
{
	uint8_t *p;

	if (len > METHOD_SEAL_ARENA)
		return NULL;
	if (txq_empty(q))
		s->used = 0;
	if (s->used + len > METHOD_SEAL_ARENA) {
		if (txq_flush(q) != 0)
			return NULL;
		s->used = 0;
	}
	p = s->arena + s->used;
	s->used += (len + 15) & ~(size_t)15;
	return p;
}

/* Queue an init for p (at ep) if the retry rule allows one now. */
static void send_handshake(struct sealed *s, struct txq *q, const struct endpoint *ep,
			   struct peer *p, uint64_t now)
{
	uint8_t *buf = arena_alloc(s, q, CRYPTO_HS_MAX);
	struct iovec iov;

	if (buf == NULL)
		return;
	iov.iov_len = crypto_handshake_init(s->c, &ep->ip, buf, now, s->wall_ns(s->clock_ctx));
	iov.iov_base = buf;
	if (iov.iov_len == 0)
		return;
	txq_queue(q, &iov, 1, 0, 1, ep, p);
	/* Its retry is due before whatever crypto_tick said last. */
	s->m.tick_sooner = true;
}

/* Seal one plaintext datagram for one destination and queue it. */
static bool sealed_send(struct method *m, struct txq *q, const struct endpoint *ep, struct peer *p,
			const uint8_t *pt, size_t len, uint64_t now)
{
	struct sealed *s = sealed_of(m);
	uint8_t *buf = arena_alloc(s, q, len + CRYPTO_OVERHEAD);
	enum crypto_drop why;
	bool want = false, ok = true;
	struct iovec iov;

	if (buf == NULL) {
		q->st->drops[DROP_UDP_SEND]++;
		return false;
	}
	iov.iov_base = buf;
	iov.iov_len = crypto_seal(s->c, &ep->ip, pt, len, buf, now, &want, &why);
	if (iov.iov_len != 0)
		ok = txq_queue(q, &iov, 1, 0, 1, ep, p);
	if (want)
		send_handshake(s, q, ep, p, now);
	return ok;
}

/* Seal a run of segments for one destination into one contiguous buffer, so
 * that UDP_SEGMENT can cut it: the plaintext of each (VXLAN header, its
 * headers, its payload) is gathered at its place and sealed there. */
static bool seal_run(struct sealed *s, struct txq *q, const struct endpoint *ep, struct peer *p,
		     const uint8_t *vxh, const struct gso_seg *segs, size_t k, uint64_t now)
{
	size_t full = CRYPTO_OVERHEAD + VXLAN_HLEN + segs[0].hdr_len + segs[0].payload_len;
	uint8_t *buf = arena_alloc(s, q, full * k), *at;
	enum crypto_drop why;
	bool want = false;
	struct iovec iov = {buf, 0};
	size_t i;

	if (buf == NULL) {
		q->st->drops[DROP_UDP_SEND] += k;
		return false;
	}
	for (i = 0, at = buf; i < k; i++) {
		uint8_t *pt = at + CRYPTO_HEADROOM;
		size_t len = VXLAN_HLEN + segs[i].hdr_len + segs[i].payload_len, n;

		memcpy(pt, vxh, VXLAN_HLEN);
		memcpy(pt + VXLAN_HLEN, segs[i].hdr, segs[i].hdr_len);
		memcpy(pt + VXLAN_HLEN + segs[i].hdr_len, segs[i].payload, segs[i].payload_len);
		n = crypto_seal(s->c, &ep->ip, pt, len, at, now, &want, &why);
		if (n == 0)
			break; /* no session: the crypto counters have it */
		at += n;
		iov.iov_len += n;
	}
	if (want)
		send_handshake(s, q, ep, p, now);
	if (i == 0)
		return true;
	return txq_queue(q, &iov, 1, i > 1 ? (uint16_t)full : 0, (uint32_t)i, ep, p);
}

static bool sealed_send_segs(struct method *m, struct txq *q, const struct endpoint *ep,
			     struct peer *p, const uint8_t *vxh, const struct gso_seg *segs,
			     size_t n, uint64_t now)
{
	struct sealed *s = sealed_of(m);

	for (size_t i = 0, k; i < n; i += k) {
		k = gso_run_len(segs, i, n, VXLAN_HLEN + CRYPTO_OVERHEAD, txq_max_segs(q),
				UDP_MAX_PAYLOAD);
		if (!seal_run(s, q, ep, p, vxh, segs + i, k, now)) {
			q->st->drops[DROP_UDP_SEND] += n - i - k;
			return false;
		}
	}
	return true;
}

/* Only a listed peer's address gets as far as the crypto; only what opens
 * (or a handshake that authenticates) counts against the peer. Replies go
 * back to the address and port they answer: cookies are bound to both. */
static void sealed_recv(struct method *m, struct txq *q, struct dp *dp, const struct endpoint *src,
			uint8_t *dgram, size_t len, uint64_t now, struct dp_action *act)
{
	struct sealed *s = sealed_of(m);
	uint8_t reply[CRYPTO_HS_MAX];
	size_t rlen = 0, ptlen = 0;
	const uint8_t *pt = NULL;
	struct ipaddr who;
	bool want = false, authentic;
	enum crypto_drop why;
	enum crypto_in r;
	struct peer *p = dp_udp_src(dp, &src->ip, len, act);

	if (p == NULL)
		return;
	uint64_t done = m->note != NULL ? crypto_handshakes_completed(s->c) : 0;

	r = crypto_open(s->c, src, dgram, len, now, s->wall_ns(s->clock_ctx), reply, &rlen, &pt,
			&ptlen, &who, &want, &why);
	if (m->note != NULL && r == CRYPTO_IN_DROP)
		m->note(m->note_arg, &src->ip, crypto_drop_name(why), crypto_drop_desc(why), now);
	else if (m->note != NULL && crypto_handshakes_completed(s->c) != done)
		m->note(m->note_arg, &src->ip, "handshake completed", NULL, now);
	/* The crypto authenticates a peer only at the address it is listed with. */
	authentic = who.family != 0 && ipaddr_equal(&who, &p->ep.ip);
	if (authentic)
		dp_peer_rx(p, len, now);
	if (r == CRYPTO_IN_REPLY) {
		uint8_t *buf = arena_alloc(s, q, rlen);

		if (buf != NULL) {
			struct iovec iov = {buf, rlen};

			memcpy(buf, reply, rlen);
			txq_queue(q, &iov, 1, 0, 1, src, authentic ? p : NULL);
		}
	}
	if (want)
		send_handshake(s, q, &p->ep, p, now);
	if (r != CRYPTO_IN_DATA || !authentic) {
		act->verdict = DP_CONSUMED;
		return;
	}
	dp_udp_frame(dp, p, pt, ptlen, now, act);
}

struct retry_ctx {
	struct sealed *s;
	struct txq *q;
	struct dp *dp;
	uint64_t now;
};

static void retry_cb(void *arg, const struct ipaddr *ip)
{
	struct retry_ctx *rc = arg;
	struct peer *p = peers_find(rc->dp->peers, ip);

	if (p != NULL)
		send_handshake(rc->s, rc->q, &p->ep, p, rc->now);
}

static uint64_t sealed_tick(struct method *m, struct txq *q, struct dp *dp, uint64_t now)
{
	struct retry_ctx rc = {sealed_of(m), q, dp, now};

	m->tick_sooner = false;
	return crypto_tick(rc.s->c, now, retry_cb, &rc);
}

static void sealed_start(struct method *m, struct txq *q, struct dp *dp, uint64_t now)
{
	for (size_t i = 0; i < peers_count(dp->peers); i++) {
		struct peer *p = peers_at(dp->peers, i);

		send_handshake(sealed_of(m), q, &p->ep, p, now);
	}
}

static void sealed_peer_gone(struct method *m, const struct ipaddr *ip)
{
	crypto_forget_peer(sealed_of(m)->c, ip);
}

static int sealed_peer_key(struct method *m, const struct ipaddr *ip,
			   const uint8_t key[static CRYPTO_KEY_LEN])
{
	return crypto_peer_set(sealed_of(m)->c, ip, key);
}

static void sealed_own_key(struct method *m, uint8_t pub[static CRYPTO_KEY_LEN])
{
	crypto_own_public_key(sealed_of(m)->c, pub);
}

static int sealed_set_key(struct method *m, const uint8_t priv[static CRYPTO_KEY_LEN], uint64_t now)
{
	return crypto_set_key(sealed_of(m)->c, priv, now) == 0 ? 0 : -EINVAL;
}

static void sealed_stats(struct method *m, struct counters_snap *s)
{
	crypto_get_stats(sealed_of(m)->c, &s->crypto);
	s->secure = true;
}

static int sealed_peer_info(struct method *m, const struct ipaddr *ip, uint64_t now,
			    struct crypto_peer_info *info)
{
	return crypto_peer_info(sealed_of(m)->c, ip, now, info) == 0 ? 0 : -ENOENT;
}

static void sealed_free(struct method *m)
{
	struct sealed *s = sealed_of(m);

	crypto_free(s->c);
	free(s->arena);
	free(s);
}

static const struct method_ops sealed_ops = {
	.name = "sealed",
	.overhead = CRYPTO_OVERHEAD,
	.takes_super = false,
	.send = sealed_send,
	.send_segs = sealed_send_segs,
	.recv = sealed_recv,
	.tick = sealed_tick,
	.start = sealed_start,
	.peer_gone = sealed_peer_gone,
	.peer_key = sealed_peer_key,
	.own_key = sealed_own_key,
	.set_key = sealed_set_key,
	.stats = sealed_stats,
	.peer_info = sealed_peer_info,
	.free = sealed_free,
};

struct method *method_sealed_new(struct crypto *c, method_clock_fn *wall_ns, void *clock_ctx)
{
	struct sealed *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->arena = aligned_alloc(64, METHOD_SEAL_ARENA);
	if (s->arena == NULL) {
		free(s);
		return NULL;
	}
	s->m.ops = &sealed_ops;
	s->c = c;
	s->wall_ns = wall_ns;
	s->clock_ctx = clock_ctx;
	return &s->m;
}
