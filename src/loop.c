/* loop: libev glue that reads batches, asks the core, and carries out its verdicts. */
#include "loop.h"

#include <errno.h>
#include <sodium.h>
#include <netinet/udp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "crypto.h"
#include "keyfile.h"
#include "log.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Write iov (n parts) to the TAP in one call: a frame, or with a vnet header
 * of hdr bytes in front, a super-frame the kernel cuts into segs frames.
 * Counted as segs frames either way. */
static void tap_emit(struct vxtap *vx, const struct iovec *iov, int n, size_t hdr, size_t segs,
		     uint64_t now)
{
	size_t len = 0;
	uint32_t held;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (writev(vx->tap_fd, iov, n) == (ssize_t)len) {
		vx->dp.st.tap_tx_packets += segs;
		vx->dp.st.tap_tx_bytes += len - hdr;
		return;
	}
	vx->dp.st.drops[DROP_TAP_WRITE] += segs;
	if (ratelimit_ok(&vx->rl_tap, now, &held))
		log_warn("write to %s (%u more not logged)", vx->dev, held);
}

/* Write one frame to the TAP; with a vnet TAP, after a header that promises
 * nothing (the kernel checks the frame as it would a wire frame). */
static void tap_write(struct vxtap *vx, const uint8_t *data, size_t len, uint64_t now)
{
	static const uint8_t plain[VNET_HDR_LEN];
	struct iovec iov[2] = {{(void *)(uintptr_t)plain, VNET_HDR_LEN},
			       {(void *)(uintptr_t)data, len}};

	if (vx->vnet)
		tap_emit(vx, iov, 2, VNET_HDR_LEN, 1, now);
	else
		tap_emit(vx, iov + 1, 1, 0, 1, now);
}

/* Write the coalesced batch, if any, as one TAP write. */
static void gro_write(struct vxtap *vx, uint64_t now)
{
	size_t segs, n = gro_flush(&vx->gro, vx->gro_iov, &segs);

	if (n != 0)
		tap_emit(vx, vx->gro_iov, (int)n, VNET_HDR_LEN, segs, now);
}

static void to_tap(struct vxtap *vx, const uint8_t *data, size_t len, uint64_t now)
{
	uint8_t *frame = (uint8_t *)(uintptr_t)data;
	uint64_t before = vx->gro.finished;
	enum gro_result r = GRO_PASS;

	if (vx->vnet) {
		r = gro_add(&vx->gro, frame, len);
		if (r == GRO_FLUSH_FIRST) {
			gro_write(vx, now);
			r = gro_add(&vx->gro, frame, len);
		}
		vx->dp.st.csum_finished += vx->gro.finished - before;
		if (r == GRO_HELD)
			return;
		gro_write(vx, now); /* order: what was held goes first */
	}
	if (pkt_fix_partial(frame, len))
		vx->dp.st.csum_finished++;
	tap_write(vx, frame, len, now);
}

static void log_event(struct vxtap *vx, const struct dp_action *act, uint64_t now)
{
	char m[MAC_STRLEN], a[ADDR_STRLEN], b[ADDR_STRLEN];
	uint32_t held;

	if (act->event == DP_EV_FROZEN) {
		if (ratelimit_ok(&vx->rl_frozen, now, &held))
			log_warnx("fdb %s moves between peers too often: kept on %s for %u s, "
				  "claimed by %s (%u more not logged)",
				  mac_fmt(&act->ev_mac, m), endpoint_fmt(&act->ev_old, a),
				  DP_MOVE_WINDOW_MS / 1000, endpoint_fmt(&act->peer->ep, b), held);
		return;
	}
	if (act->event != DP_EV_MOVED || !ratelimit_ok(&vx->rl_move, now, &held))
		return;
	log_info("fdb %s moved from %s to %s (%u more moves not logged)", mac_fmt(&act->ev_mac, m),
		 endpoint_fmt(&act->ev_old, a), endpoint_fmt(&act->peer->ep, b), held);
}

/* The socket is full: hold the TAP until the queued datagrams are out, so the
 * backlog waits in the TAP's queue instead of being dropped here. */
static void backpressure(struct vxtap *vx)
{
	ev_io_stop(vx->loop, &vx->tap_r);
	ev_io_start(vx->loop, &vx->udp_w);
}

/* Queue a message, flushing first when the queue is full. False when the
 * socket is full: the message is counted as dropped (segs datagrams). */
static bool queue_msg(struct vxtap *vx, const struct iovec *iov, size_t iovcnt, uint16_t gso_size,
		      uint32_t segs, const struct endpoint *ep, struct peer *p)
{
	if (!udp_txq_room(&vx->txq, iovcnt) &&
	    udp_txq_flush(vx->udp_fd, &vx->txq, &vx->dp.st) == -EAGAIN) {
		vx->dp.st.drops[DROP_UDP_SEND] += segs;
		return false;
	}
	udp_txq_push(&vx->txq, iov, iovcnt, gso_size, segs, ep, p);
	return true;
}

/* Queue the same message for act's destination, or for every peer. */
static bool queue_out(struct vxtap *vx, const struct dp_action *act, const struct iovec *iov,
		      size_t iovcnt, uint16_t gso_size, uint32_t segs)
{
	size_t np;

	if (act->verdict == DP_UNICAST)
		return queue_msg(vx, iov, iovcnt, gso_size, segs, &act->dst, act->peer);
	np = peers_count(vx->dp.peers);
	for (size_t i = 0; i < np; i++) {
		struct peer *p = peers_at(vx->dp.peers, i);

		if (!queue_msg(vx, iov, iovcnt, gso_size, segs, &p->ep, p)) {
			vx->dp.st.drops[DROP_UDP_SEND] += (uint64_t)(np - i - 1) * segs;
			return false;
		}
	}
	return true;
}

/* How many segments from i on go out as one UDP_SEGMENT message: datagrams
 * (each segment plus per_dgram bytes of framing) of the first one's size, the
 * last of the run possibly shorter, together within one UDP payload and the
 * segment limit. 1 when the kernel does no UDP segmentation. */
static size_t run_len(const struct vxtap *vx, const struct gso_seg *segs, size_t i, size_t n,
		      size_t per_dgram)
{
	size_t first = per_dgram + segs[i].hdr_len + segs[i].payload_len, bytes = first, k = 1;

	if (!vx->udp_gso || vx->txq.gso_refused)
		return 1;
	while (i + k < n && k < UDP_GSO_MAX_SEGS) {
		size_t prev = per_dgram + segs[i + k - 1].hdr_len + segs[i + k - 1].payload_len;
		size_t d = per_dgram + segs[i + k].hdr_len + segs[i + k].payload_len;

		if (prev < first || d > first || bytes + d > UDP_MAX_PAYLOAD)
			break;
		bytes += d;
		k++;
	}
	return k;
}

/* Send a super-frame's segments: each gets the VXLAN header (already built at
 * act->data) and its own headers from the arena; payloads are not copied. */
static bool send_segments(struct vxtap *vx, const struct dp_action *act, size_t n)
{
	struct iovec iov[2 * LOOP_SEGS];
	const struct gso_seg *segs = vx->segs;

	for (size_t i = 0, k; i < n; i += k) {
		k = run_len(vx, segs, i, n, VXLAN_HLEN);
		for (size_t j = 0; j < k; j++) {
			memcpy(segs[i + j].hdr - VXLAN_HLEN, act->data, VXLAN_HLEN);
			iov[2 * j].iov_base = segs[i + j].hdr - VXLAN_HLEN;
			iov[2 * j].iov_len = VXLAN_HLEN + segs[i + j].hdr_len;
			iov[2 * j + 1].iov_base = (void *)(uintptr_t)segs[i + j].payload;
			iov[2 * j + 1].iov_len = segs[i + j].payload_len;
		}
		if (!queue_out(vx, act, iov, 2 * k,
			       (uint16_t)(VXLAN_HLEN + segs[i].hdr_len + segs[i].payload_len),
			       (uint32_t)k)) {
			vx->dp.st.drops[DROP_UDP_SEND] += n - i - k;
			return false;
		}
	}
	return true;
}

/* --- secure mode ------------------------------------------------------- */

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Space for a sealed datagram until the send queue is flushed. Every
 * allocation is queued before the next one is made, so an empty queue means
 * nothing in the arena is still in use. NULL when the socket is full. */
static uint8_t *arena_alloc(struct vxtap *vx, size_t len)
{
	uint8_t *p;

	if (vx->txq.n == 0)
		vx->seal_used = 0;
	if (vx->seal_used + len > LOOP_SEAL_ARENA) {
		if (udp_txq_flush(vx->udp_fd, &vx->txq, &vx->dp.st) == -EAGAIN)
			return NULL;
		vx->seal_used = 0;
	}
	if (len > LOOP_SEAL_ARENA)
		return NULL;
	p = vx->seal_arena + vx->seal_used;
	vx->seal_used += (len + 15) & ~(size_t)15;
	return p;
}

static void send_handshake(struct vxtap *vx, const struct endpoint *ep, struct peer *p,
			   uint64_t now)
{
	uint8_t *buf = arena_alloc(vx, CRYPTO_HS_MAX);
	struct iovec iov;

	if (buf == NULL)
		return;
	iov.iov_len = crypto_handshake_init(vx->crypto, &ep->ip, buf, now, wall_ns());
	iov.iov_base = buf;
	if (iov.iov_len != 0)
		queue_msg(vx, &iov, 1, 0, 1, ep, p);
}

/* Seal one plaintext datagram for one destination and queue it. */
static bool seal_one(struct vxtap *vx, const struct endpoint *ep, struct peer *p, const uint8_t *pt,
		     size_t len, uint64_t now)
{
	uint8_t *buf = arena_alloc(vx, len + CRYPTO_OVERHEAD);
	enum crypto_drop why;
	bool want = false, ok = true;
	struct iovec iov;

	if (buf == NULL) {
		vx->dp.st.drops[DROP_UDP_SEND]++;
		return false;
	}
	iov.iov_base = buf;
	iov.iov_len = crypto_seal(vx->crypto, &ep->ip, pt, len, buf, now, &want, &why);
	if (iov.iov_len != 0)
		ok = queue_msg(vx, &iov, 1, 0, 1, ep, p);
	if (want)
		send_handshake(vx, ep, p, now);
	return ok;
}

/* Seal a run of segments for one destination into one contiguous buffer, so
 * that UDP_SEGMENT can cut it: the plaintext of each (VXLAN header, its
 * headers, its payload) is gathered at its place and sealed there. */
static bool seal_run(struct vxtap *vx, const struct endpoint *ep, struct peer *p,
		     const uint8_t *vxh, const struct gso_seg *segs, size_t k, uint64_t now)
{
	size_t full = CRYPTO_OVERHEAD + VXLAN_HLEN + segs[0].hdr_len + segs[0].payload_len;
	uint8_t *buf = arena_alloc(vx, full * k), *at;
	enum crypto_drop why;
	bool want = false;
	struct iovec iov = {buf, 0};
	size_t i;

	if (buf == NULL) {
		vx->dp.st.drops[DROP_UDP_SEND] += k;
		return false;
	}
	for (i = 0, at = buf; i < k; i++) {
		uint8_t *pt = at + CRYPTO_HEADROOM;
		size_t len = VXLAN_HLEN + segs[i].hdr_len + segs[i].payload_len, n;

		memcpy(pt, vxh, VXLAN_HLEN);
		memcpy(pt + VXLAN_HLEN, segs[i].hdr, segs[i].hdr_len);
		memcpy(pt + VXLAN_HLEN + segs[i].hdr_len, segs[i].payload, segs[i].payload_len);
		n = crypto_seal(vx->crypto, &ep->ip, pt, len, at, now, &want, &why);
		if (n == 0)
			break; /* no session: the crypto counters have it */
		at += n;
		iov.iov_len += n;
	}
	if (want)
		send_handshake(vx, ep, p, now);
	if (i == 0)
		return true;
	return queue_msg(vx, &iov, 1, i > 1 ? (uint16_t)full : 0, (uint32_t)i, ep, p);
}

/* Secure-mode output: every destination gets its own sealed copies. With
 * segs NULL, act->data is one plaintext datagram; otherwise n segments. */
static bool secure_out(struct vxtap *vx, const struct dp_action *act, const struct gso_seg *segs,
		       size_t n, uint64_t now)
{
	size_t np = act->verdict == DP_UNICAST ? 1 : peers_count(vx->dp.peers);

	for (size_t d = 0; d < np; d++) {
		struct peer *p = act->verdict == DP_UNICAST ? act->peer : peers_at(vx->dp.peers, d);
		const struct endpoint *ep = act->verdict == DP_UNICAST ? &act->dst : &p->ep;

		if (segs == NULL) {
			if (!seal_one(vx, ep, p, act->data, act->len, now))
				return false;
			continue;
		}
		for (size_t i = 0, k; i < n; i += k) {
			k = run_len(vx, segs, i, n, VXLAN_HLEN + CRYPTO_OVERHEAD);
			if (!seal_run(vx, ep, p, act->data, segs + i, k, now))
				return false;
		}
	}
	return true;
}

/* Open a datagram from listed peer p. True when it held data: act then has
 * the decision on the inner frame. */
static bool secure_in(struct vxtap *vx, struct peer *p, uint8_t *dgram, size_t len, uint64_t now,
		      struct dp_action *act)
{
	uint8_t reply[CRYPTO_HS_MAX];
	size_t rlen = 0, ptlen = 0;
	const uint8_t *pt = NULL;
	bool want = false;
	enum crypto_drop why;
	enum crypto_in r;

	r = crypto_open(vx->crypto, &p->ep.ip, dgram, len, now, reply, &rlen, &pt, &ptlen, &want,
			&why);
	if (r == CRYPTO_IN_REPLY) {
		uint8_t *buf = arena_alloc(vx, rlen);

		if (buf != NULL) {
			struct iovec iov = {buf, rlen};

			memcpy(buf, reply, rlen);
			queue_msg(vx, &iov, 1, 0, 1, &p->ep, p);
		}
	}
	if (want)
		send_handshake(vx, &p->ep, p, now);
	if (r != CRYPTO_IN_DATA)
		return false;
	dp_udp_frame(&vx->dp, p, pt, ptlen, now, act);
	return true;
}

void loop_handshake_all(struct vxtap *vx)
{
	uint64_t now = loop_now_ms();

	if (vx->crypto == NULL)
		return;
	for (size_t i = 0; i < peers_count(vx->dp.peers); i++) {
		struct peer *p = peers_at(vx->dp.peers, i);

		send_handshake(vx, &p->ep, p, now);
	}
	if (udp_txq_flush(vx->udp_fd, &vx->txq, &vx->dp.st) == -EAGAIN)
		backpressure(vx);
}

void loop_forget_peer(struct vxtap *vx, const struct ipaddr *ip)
{
	if (vx->crypto != NULL)
		crypto_forget_peer(vx->crypto, ip);
}

int loop_load_key(struct vxtap *vx, const char *path, char *err, size_t errlen)
{
	char why[KEYFILE_ERRLEN];
	uint8_t *key;
	int rc = -1;

	if (vx->crypto == NULL) {
		snprintf(err, errlen, "secure mode is off (no --key-file)");
		return -1;
	}
	if (path == NULL)
		path = vx->key_file;
	key = sodium_malloc(CRYPTO_KEY_LEN);
	if (key == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (keyfile_read(path, key, why) != 0) {
		snprintf(err, errlen, "%s", why);
	} else if (crypto_set_key(vx->crypto, key, loop_now_ms(), LOOP_KEY_GRACE_MS) != 0) {
		snprintf(err, errlen, "out of memory");
	} else {
		rc = 0;
		log_info("key from %s loaded; the previous key is accepted for %u s more", path,
			 LOOP_KEY_GRACE_MS / 1000);
		loop_handshake_all(vx);
	}
	sodium_free(key);
	return rc;
}

static void crypto_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct vxtap *vx = container_of(w, struct vxtap, crypto_timer);
	uint64_t now = loop_now_ms(), next = crypto_tick(vx->crypto, now);
	double delay = next == UINT64_MAX ? 1.0 : (double)(next > now ? next - now : 10) / 1000.0;

	(void)revents;
	ev_timer_set(w, delay < 0.01 ? 0.01 : delay > 10.0 ? 10.0 : delay, 0.);
	ev_timer_start(loop, w);
}

/* One frame read from the TAP (after its vnet header, when there is one).
 * Returns false when the socket filled up. */
static bool tap_frame(struct vxtap *vx, uint8_t *frame, size_t len, const struct vnet_hdr *vh,
		      uint8_t *arena, uint64_t now)
{
	struct iovec iov;
	struct dp_action act;
	size_t seg_len = len, n = 0;

	if (vh != NULL && vh->gso_type != VNET_GSO_NONE) {
		seg_len = gso_first_len(frame, len, vh);
		if (seg_len == 0) {
			vx->dp.st.tap_rx_packets++;
			vx->dp.st.drops[DROP_BAD_OFFLOAD]++;
			return true;
		}
	} else if (vh != NULL && (vh->flags & VNET_F_NEEDS_CSUM) &&
		   !gso_finish_csum(frame, len, vh->csum_start, vh->csum_offset)) {
		vx->dp.st.tap_rx_packets++;
		vx->dp.st.drops[DROP_BAD_OFFLOAD]++;
		return true;
	}
	dp_from_tap_gso(&vx->dp, frame, len, seg_len, now, &act);
	switch (act.verdict) {
	case DP_UNICAST:
	case DP_FLOOD:
		if (seg_len == len && vx->crypto != NULL)
			return secure_out(vx, &act, NULL, 0, now);
		if (seg_len == len) {
			iov.iov_base = (void *)(uintptr_t)act.data;
			iov.iov_len = act.len;
			return queue_out(vx, &act, &iov, 1, 0, 1);
		}
		n = gso_segment(frame, len, vh, arena, LOOP_SEG_STRIDE, VXLAN_HLEN, vx->segs,
				LOOP_SEGS);
		if (n == 0) {
			vx->dp.st.drops[DROP_BAD_OFFLOAD]++;
			return true;
		}
		if (vx->crypto != NULL)
			return secure_out(vx, &act, vx->segs, n, now);
		return send_segments(vx, &act, n);
	case DP_REPLY_TAP:
	case DP_TO_TAP:
		tap_write(vx, act.data, act.len, now);
		return true;
	case DP_DROP:
		return true;
	}
	return true;
}

static void tap_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vxtap *vx = container_of(w, struct vxtap, tap_r);
	uint64_t now = loop_now_ms();
	size_t pre = vx->vnet ? VNET_HDR_LEN : 0;
	struct vnet_hdr vh;

	(void)loop;
	(void)revents;
	for (int burst = 0; burst < LOOP_BURSTS; burst++) {
		bool drained = false;

		for (size_t n = 0; n < LOOP_BATCH; n++) {
			uint8_t *frame = vx->tap_slots + n * LOOP_SLOT + LOOP_HEADROOM;
			uint8_t *arena = vx->seg_arena + n * LOOP_SEGS * LOOP_SEG_STRIDE;
			ssize_t r = read(vx->tap_fd, frame - pre, LOOP_SLOT - LOOP_HEADROOM + pre);

			if (r < (ssize_t)pre) {
				if (r < 0 && errno != EAGAIN && errno != EINTR)
					log_warn("read from %s", vx->dev);
				drained = r < 0;
				if (drained)
					break;
				continue;
			}
			if (vx->vnet)
				vnet_hdr_decode(frame - pre, &vh);
			if (!tap_frame(vx, frame, (size_t)r - pre, vx->vnet ? &vh : NULL, arena,
				       now)) {
				backpressure(vx);
				return;
			}
		}
		/* Slots are reused by the next burst: send what points into them. */
		if (udp_txq_flush(vx->udp_fd, &vx->txq, &vx->dp.st) == -EAGAIN) {
			backpressure(vx);
			return;
		}
		if (drained)
			break;
	}
}

static void udp_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vxtap *vx = container_of(w, struct vxtap, udp_w);

	(void)revents;
	if (udp_txq_flush(vx->udp_fd, &vx->txq, &vx->dp.st) == -EAGAIN)
		return;
	ev_io_stop(loop, &vx->udp_w);
	ev_io_start(loop, &vx->tap_r);
}

/* The segment size of a coalesced UDP_GRO read, or 0 for a plain datagram. */
static size_t gro_size(const struct msghdr *h)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm != NULL;
	     cm = CMSG_NXTHDR((struct msghdr *)(uintptr_t)h, cm)) {
		int v;

		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(v))) {
			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			return v > 0 ? (size_t)v : 0;
		}
	}
	return 0;
}

static void udp_datagram(struct vxtap *vx, const struct ipaddr *src, uint8_t *dgram, size_t len,
			 uint64_t now)
{
	struct dp_action act;

	if (vx->crypto == NULL) {
		dp_from_udp(&vx->dp, src, dgram, len, now, &act);
	} else {
		struct peer *p = dp_udp_peer(&vx->dp, src, len, now, &act);

		if (p == NULL || !secure_in(vx, p, dgram, len, now, &act))
			return;
	}
	if (act.verdict == DP_TO_TAP)
		to_tap(vx, act.data, act.len, now);
	if (act.event != DP_EV_NONE)
		log_event(vx, &act, now);
}

/* A kernel peer's unsegmented tunnel super-packet (gso_tunnel_super): the
 * inner super-frame goes to the TAP whole, with a header saying how to cut
 * it. */
static void udp_super(struct vxtap *vx, const struct ipaddr *src, const uint8_t *dgram, size_t len,
		      size_t seg_len, const struct vnet_hdr *vh, uint64_t now)
{
	uint8_t hdr[VNET_HDR_LEN];
	struct dp_action act;
	struct peer *p = dp_udp_peer(&vx->dp, src, len, now, &act);
	struct iovec iov[2];
	size_t payload;

	if (p == NULL)
		return;
	dp_udp_frame_gso(&vx->dp, p, dgram, len, seg_len, now, &act);
	if (act.event != DP_EV_NONE)
		log_event(vx, &act, now);
	if (act.verdict != DP_TO_TAP)
		return;
	gro_write(vx, now); /* what was held first, in order */
	if (!vx->vnet) {
		/* A plain TAP takes frames one by one: cut it here (every
		 * segment gets a complete checksum). */
		size_t n = gso_segment(act.data, act.len, vh, vx->rx_seg_arena, LOOP_SEG_STRIDE, 0,
				       vx->segs, LOOP_SEGS);

		if (n == 0)
			vx->dp.st.drops[DROP_BAD_OFFLOAD]++;
		for (size_t i = 0; i < n; i++) {
			iov[0] = (struct iovec){vx->segs[i].hdr, vx->segs[i].hdr_len};
			iov[1] = (struct iovec){(void *)(uintptr_t)vx->segs[i].payload,
						vx->segs[i].payload_len};
			tap_emit(vx, iov, 2, 0, 1, now);
		}
		return;
	}
	vnet_hdr_encode(hdr, vh);
	iov[0] = (struct iovec){hdr, VNET_HDR_LEN};
	iov[1] = (struct iovec){(void *)(uintptr_t)act.data, act.len};
	payload = act.len - vh->hdr_len;
	tap_emit(vx, iov, 2, VNET_HDR_LEN, (payload + vh->gso_size - 1) / vh->gso_size, now);
}

static void udp_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vxtap *vx = container_of(w, struct vxtap, udp_r);
	uint64_t now = loop_now_ms();
	struct ipaddr src;
	struct vnet_hdr vh;
	size_t seg_len, frame_max = (size_t)vx->dp.cfg.mtu + ETH_HDR_LEN;

	(void)loop;
	(void)revents;
	for (int burst = 0; burst < LOOP_BURSTS; burst++) {
		for (size_t i = 0; i < LOOP_BATCH; i++) {
			vx->rx_msgs[i].msg_hdr.msg_namelen = sizeof(vx->rx_sa[i]);
			vx->rx_msgs[i].msg_hdr.msg_controllen =
				vx->udp_gro ? sizeof(vx->rx_cmsg[i]) : 0;
		}
		int n = recvmmsg(vx->udp_fd, vx->rx_msgs, LOOP_BATCH, MSG_DONTWAIT, NULL);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("receive on the UDP socket");
			break;
		}
		for (int i = 0; i < n; i++) {
			uint8_t *buf = vx->rx_iov[i].iov_base;
			size_t total = vx->rx_msgs[i].msg_len;
			size_t seg = vx->udp_gro ? gro_size(&vx->rx_msgs[i].msg_hdr) : 0;

			if (!udp_ipaddr(&vx->rx_sa[i], &src))
				memset(&src, 0, sizeof(src));
			if (seg == 0 && vx->crypto == NULL && total > frame_max + VXLAN_HLEN &&
			    (seg_len = gso_tunnel_super(buf, total, frame_max, &vh)) != 0 &&
			    (vh.gso_type != VNET_GSO_UDP_L4 || vx->tap_uso)) {
				udp_super(vx, &src, buf, total, seg_len, &vh, now);
				continue;
			}
			if (seg == 0 || seg >= total) {
				udp_datagram(vx, &src, buf, total, now);
				continue;
			}
			/* A GRO read holds several datagrams of seg bytes. */
			for (size_t off = 0; off < total; off += seg)
				udp_datagram(vx, &src, buf + off,
					     total - off < seg ? total - off : seg, now);
		}
		/* The batch points into the receive buffers the next burst reuses. */
		gro_write(vx, now);
		if (n < LOOP_BATCH)
			break;
	}
	/* Handshake answers made on the way (secure mode). */
	if (vx->txq.n != 0 && udp_txq_flush(vx->udp_fd, &vx->txq, &vx->dp.st) == -EAGAIN)
		backpressure(vx);
}

static void arm_age_timer(struct vxtap *vx, uint64_t now, uint64_t next)
{
	uint64_t delay;

	if (vx->ageing_ms == 0)
		return;
	/* With nothing learned, nothing can expire before a full lifetime. */
	delay = next == UINT64_MAX ? vx->ageing_ms : (next > now ? next - now : 0);
	if (delay < 10)
		delay = 10;
	ev_timer_set(&vx->age_timer, (double)delay / 1000.0, 0.);
	ev_timer_start(vx->loop, &vx->age_timer);
}

static void age_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct vxtap *vx = container_of(w, struct vxtap, age_timer);
	uint64_t now = loop_now_ms(), next;

	(void)loop;
	(void)revents;
	dp_age(&vx->dp, now, &next);
	arm_age_timer(vx, now, next);
}

static void stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	log_info("signal %d: exiting", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

static void usr1_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	loop_dump(container_of(w, struct vxtap, sig_usr1));
}

struct dump_ctx {
	uint64_t now;
};

static void age_suffix(char *buf, size_t len, bool is_static, uint64_t updated, uint64_t now)
{
	if (is_static)
		snprintf(buf, len, "static");
	else
		snprintf(buf, len, "learned age %llus",
			 (unsigned long long)((now - updated) / 1000u));
}

static void dump_fdb(const struct fdb_view *v, void *arg)
{
	const struct dump_ctx *d = arg;
	char m[MAC_STRLEN], a[ADDR_STRLEN], s[48];

	age_suffix(s, sizeof(s), v->is_static, v->updated, d->now);
	log_info("fdb %s dst %s %s", mac_fmt(&v->mac, m), endpoint_fmt(&v->dst, a), s);
}

static void dump_neigh(const struct neigh_view *v, void *arg)
{
	const struct dump_ctx *d = arg;
	char m[MAC_STRLEN], a[ADDR_STRLEN], s[48];

	age_suffix(s, sizeof(s), v->is_static, v->updated, d->now);
	log_info("neigh %s lladdr %s %s", ipaddr_fmt(&v->ip, a), mac_fmt(&v->mac, m), s);
}

void loop_dump(struct vxtap *vx)
{
	struct dump_ctx d = {.now = loop_now_ms()};
	const struct dp_stats *st = &vx->dp.st;
	char a[ADDR_STRLEN];

	log_info("dump begin");
	fdb_foreach(vx->dp.fdb, dump_fdb, &d);
	neigh_foreach(vx->dp.neigh, dump_neigh, &d);
	for (size_t i = 0; i < peers_count(vx->dp.peers); i++) {
		const struct peer *p = peers_at(vx->dp.peers, i);

		log_info("peer %s rx_packets %llu rx_bytes %llu tx_packets %llu tx_bytes %llu",
			 endpoint_fmt(&p->ep, a), (unsigned long long)p->st.rx_packets,
			 (unsigned long long)p->st.rx_bytes, (unsigned long long)p->st.tx_packets,
			 (unsigned long long)p->st.tx_bytes);
	}
#define DUMP_COUNTER(name, desc) log_info("counter " #name " %llu", (unsigned long long)st->name);
	DP_COUNTERS(DUMP_COUNTER)
#undef DUMP_COUNTER
	for (int r = DROP_NONE + 1; r < DROP__COUNT; r++)
		log_info("counter drop_%s %llu", dp_drop_name((enum dp_drop)r),
			 (unsigned long long)st->drops[r]);
	if (vx->crypto != NULL) {
		struct crypto_stats cs;

		crypto_get_stats(vx->crypto, &cs);
		log_info("counter crypto_sessions %llu", (unsigned long long)cs.sessions);
		log_info("counter crypto_inits_sent %llu", (unsigned long long)cs.inits_sent);
		log_info("counter crypto_responses_sent %llu",
			 (unsigned long long)cs.responses_sent);
		for (int r = CRYPTO_DROP_NONE + 1; r < CRYPTO_DROP__COUNT; r++)
			log_info("counter drop_crypto_%s %llu",
				 crypto_drop_name((enum crypto_drop)r),
				 (unsigned long long)cs.drops[r]);
	}
	log_info("dump end");
}

static void busy_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	/* Nothing to do: an active idle watcher makes libev poll without
	 * sleeping, which is the point. */
	(void)loop;
	(void)w;
	(void)revents;
}

int loop_init(struct vxtap *vx)
{
	vx->loop = ev_default_loop(EVFLAG_AUTO);
	vx->tap_slots = aligned_alloc(64, (size_t)LOOP_BATCH * LOOP_SLOT);
	vx->udp_slots = aligned_alloc(64, (size_t)LOOP_BATCH * LOOP_SLOT);
	vx->rx_msgs = calloc(LOOP_BATCH, sizeof(*vx->rx_msgs));
	vx->rx_iov = calloc(LOOP_BATCH, sizeof(*vx->rx_iov));
	vx->rx_sa = calloc(LOOP_BATCH, sizeof(*vx->rx_sa));
	vx->rx_cmsg = calloc(LOOP_BATCH, sizeof(*vx->rx_cmsg));
	vx->seg_arena = malloc((size_t)LOOP_BATCH * LOOP_SEGS * LOOP_SEG_STRIDE);
	vx->segs = calloc(LOOP_SEGS, sizeof(*vx->segs));
	vx->rx_seg_arena = malloc((size_t)LOOP_SEGS * LOOP_SEG_STRIDE);
	if (vx->rx_seg_arena == NULL)
		return -ENOMEM;
	if (vx->crypto != NULL && (vx->seal_arena = aligned_alloc(64, LOOP_SEAL_ARENA)) == NULL)
		return -ENOMEM;
	if (vx->loop == NULL || vx->tap_slots == NULL || vx->udp_slots == NULL ||
	    vx->rx_msgs == NULL || vx->rx_iov == NULL || vx->rx_sa == NULL || vx->rx_cmsg == NULL ||
	    vx->seg_arena == NULL || vx->segs == NULL ||
	    udp_txq_init(&vx->txq, LOOP_TXQ, LOOP_TXQ * 4) != 0)
		return -ENOMEM;
	gro_init(&vx->gro, vx->tap_uso);
	if (vx->opts.offload) {
		vx->udp_gso = udp_probe_gso(vx->udp_fd);
		vx->udp_gro = udp_enable_gro(vx->udp_fd);
	}
	for (size_t i = 0; i < LOOP_BATCH; i++) {
		struct msghdr *h = &vx->rx_msgs[i].msg_hdr;

		vx->rx_iov[i].iov_base = vx->udp_slots + i * LOOP_SLOT;
		vx->rx_iov[i].iov_len = LOOP_SLOT;
		h->msg_name = &vx->rx_sa[i];
		h->msg_namelen = sizeof(vx->rx_sa[i]);
		h->msg_iov = &vx->rx_iov[i];
		h->msg_iovlen = 1;
		h->msg_control = vx->rx_cmsg[i];
	}
	vx->rl_move = (struct ratelimit)RATELIMIT_INIT(10000, 5);
	vx->rl_tap = (struct ratelimit)RATELIMIT_INIT(10000, 5);
	vx->rl_frozen = (struct ratelimit)RATELIMIT_INIT(10000, 5);

	ev_io_init(&vx->tap_r, tap_read_cb, vx->tap_fd, EV_READ);
	ev_io_init(&vx->udp_r, udp_read_cb, vx->udp_fd, EV_READ);
	ev_io_init(&vx->udp_w, udp_write_cb, vx->udp_fd, EV_WRITE);
	ev_init(&vx->age_timer, age_cb);
	ev_signal_init(&vx->sig_int, stop_cb, SIGINT);
	ev_signal_init(&vx->sig_term, stop_cb, SIGTERM);
	ev_signal_init(&vx->sig_usr1, usr1_cb, SIGUSR1);
	ev_io_start(vx->loop, &vx->tap_r);
	ev_io_start(vx->loop, &vx->udp_r);
	ev_signal_start(vx->loop, &vx->sig_int);
	ev_signal_start(vx->loop, &vx->sig_term);
	ev_signal_start(vx->loop, &vx->sig_usr1);
	if (vx->opts.busy_poll) {
		ev_idle_init(&vx->busy, busy_cb);
		ev_idle_start(vx->loop, &vx->busy);
	}
	arm_age_timer(vx, loop_now_ms(), UINT64_MAX);
	if (vx->crypto != NULL) {
		ev_timer_init(&vx->crypto_timer, crypto_cb, 1.0, 0.);
		ev_timer_start(vx->loop, &vx->crypto_timer);
	}
	return 0;
}

void loop_run(struct vxtap *vx)
{
	ev_run(vx->loop, 0);
}

void loop_free(struct vxtap *vx)
{
	free(vx->tap_slots);
	free(vx->udp_slots);
	free(vx->rx_msgs);
	free(vx->rx_iov);
	free(vx->rx_sa);
	free(vx->rx_cmsg);
	free(vx->seg_arena);
	free(vx->segs);
	free(vx->seal_arena);
	free(vx->rx_seg_arena);
	udp_txq_free(&vx->txq);
	if (vx->loop != NULL)
		ev_loop_destroy(vx->loop);
}
