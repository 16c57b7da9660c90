/* fwd: the forwarding engine: batches in through the I/O seam, the core's verdicts out through
 * the datagram method, the send queue and GRO. No system call of its own. */
#include "fwd.h"

#include <errno.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "peer.h"

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

static void hook_error(struct fwd *f, enum fwd_error what, int err, uint64_t now)
{
	if (f->hooks.error != NULL)
		f->hooks.error(f->hooks.arg, what, err, now);
}

/* Write iov (n parts) to the TAP in one call: a frame, or with a vnet header
 * of hdr bytes in front, a super-frame the kernel cuts into segs frames.
 * Counted as segs frames either way. */
static void tap_emit(struct fwd *f, const struct iovec *iov, int n, size_t hdr, size_t segs,
		     uint64_t now)
{
	size_t len = 0;
	ssize_t r;
	int err;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	r = f->io->tap_write(f->io->ctx, iov, n);
	if (r == (ssize_t)len) {
		f->dp->st.tap_tx_packets += segs;
		f->dp->st.tap_tx_bytes += len - hdr;
		return;
	}
	err = r < 0 ? (int)-r : EMSGSIZE;
	f->dp->st.drops[fwd_tap_down(FWD_ERR_TAP_WRITE, err) ? DROP_TAP_DOWN : DROP_TAP_WRITE] +=
		segs;
	hook_error(f, FWD_ERR_TAP_WRITE, err, now);
}

/* Write one frame to the TAP; with a vnet TAP, after a header that promises
 * nothing (the kernel checks the frame as it would a wire frame). */
static void tap_write(struct fwd *f, const uint8_t *data, size_t len, uint64_t now)
{
	static const uint8_t plain[VNET_HDR_LEN];
	struct iovec iov[2] = {{(void *)(uintptr_t)plain, VNET_HDR_LEN},
			       {(void *)(uintptr_t)data, len}};

	if (f->caps.vnet)
		tap_emit(f, iov, 2, VNET_HDR_LEN, 1, now);
	else
		tap_emit(f, iov + 1, 1, 0, 1, now);
}

/* Write the coalesced batch, if any, as one TAP write. */
static void gro_write(struct fwd *f, uint64_t now)
{
	size_t segs, n = gro_flush(&f->gro, f->gro_iov, &segs);

	if (n != 0)
		tap_emit(f, f->gro_iov, (int)n, VNET_HDR_LEN, segs, now);
}

/* A decapsulated frame for the TAP: held for coalescing when it continues
 * the batch, else written after what was held. */
static void to_tap(struct fwd *f, const uint8_t *data, size_t len, uint64_t now)
{
	uint8_t *frame = (uint8_t *)(uintptr_t)data;
	uint64_t before = f->gro.finished;
	enum gro_result r;

	if (f->caps.vnet) {
		r = gro_add(&f->gro, frame, len);
		if (r == GRO_FLUSH_FIRST) {
			gro_write(f, now);
			r = gro_add(&f->gro, frame, len);
		}
		f->dp->st.csum_finished += f->gro.finished - before;
		if (r == GRO_HELD)
			return;
		gro_write(f, now); /* order: what was held goes first */
	}
	if (pkt_fix_partial(frame, len))
		f->dp->st.csum_finished++;
	tap_write(f, frame, len, now);
}

static void event(struct fwd *f, const struct dp_action *act, uint64_t now)
{
	if (act->event != DP_EV_NONE && f->hooks.event != NULL)
		f->hooks.event(f->hooks.arg, act, now);
}

/* Hand act's datagram (segs NULL) or its n segments to the method for act's
 * destination, or for every peer that is a flood target. False when the
 * socket filled up: what was not queued is counted as dropped. */
static bool send_out(struct fwd *f, const struct dp_action *act, const struct gso_seg *segs,
		     size_t n, uint64_t now)
{
	const struct method_ops *ops = f->method->ops;
	bool unicast = act->verdict == DP_UNICAST;
	size_t np = unicast ? 1 : peers_count(f->dp->peers);
	uint64_t cost = segs == NULL ? 1 : n;

	for (size_t d = 0; d < np; d++) {
		struct peer *p = unicast ? act->peer : peers_at(f->dp->peers, d);
		const struct endpoint *ep = unicast ? &act->dst : &p->ep;
		bool ok;

		if (!unicast && !p->flood)
			continue;
		ok = segs == NULL
			     ? ops->send(f->method, &f->txq, ep, p, act->data, act->len, now)
			     : ops->send_segs(f->method, &f->txq, ep, p, act->data, segs, n, now);
		if (!ok) {
			while (++d < np)
				if (peers_at(f->dp->peers, d)->flood)
					f->dp->st.drops[DROP_UDP_SEND] += cost;
			return false;
		}
	}
	return true;
}

/* One frame read from the TAP (after its vnet header, when there is one).
 * Returns false when the socket filled up. */
static bool tap_frame(struct fwd *f, uint8_t *frame, size_t len, const struct vnet_hdr *vh,
		      uint8_t *arena, uint64_t now)
{
	struct dp_action act;
	size_t seg_len = len, n;

	if (vh != NULL && vh->gso_type != VNET_GSO_NONE) {
		seg_len = gso_first_len(frame, len, vh);
		if (seg_len == 0) {
			f->dp->st.tap_rx_packets++;
			f->dp->st.drops[DROP_BAD_OFFLOAD]++;
			return true;
		}
	} else if (vh != NULL && (vh->flags & VNET_F_NEEDS_CSUM) &&
		   !gso_finish_csum(frame, len, vh->csum_start, vh->csum_offset)) {
		f->dp->st.tap_rx_packets++;
		f->dp->st.drops[DROP_BAD_OFFLOAD]++;
		return true;
	}
	dp_from_tap_gso(f->dp, frame, len, seg_len, now, &act);
	switch (act.verdict) {
	case DP_UNICAST:
	case DP_FLOOD:
		if (seg_len == len)
			return send_out(f, &act, NULL, 0, now);
		n = gso_segment(frame, len, vh, arena, FWD_SEG_STRIDE, VXLAN_HLEN, f->segs,
				FWD_SEGS);
		if (n == 0) {
			f->dp->st.drops[DROP_BAD_OFFLOAD]++;
			return true;
		}
		return send_out(f, &act, f->segs, n, now);
	case DP_REPLY_TAP:
	case DP_TO_TAP:
		tap_write(f, act.data, act.len, now);
		return true;
	case DP_DROP:
	case DP_CONSUMED:
		return true;
	}
	return true;
}

enum fwd_status fwd_tap(struct fwd *f, uint64_t now)
{
	size_t pre = f->caps.vnet ? VNET_HDR_LEN : 0;
	struct vnet_hdr vh;

	for (int burst = 0; burst < FWD_BURSTS; burst++) {
		bool drained = false;

		for (size_t n = 0; n < FWD_BATCH; n++) {
			uint8_t *frame = f->tap_slots + n * FWD_SLOT + FWD_HEADROOM;
			uint8_t *arena = f->seg_arena + n * FWD_SEGS * FWD_SEG_STRIDE;
			ssize_t r = f->io->tap_read(f->io->ctx, frame - pre,
						    FWD_SLOT - FWD_HEADROOM + pre);

			if (r < (ssize_t)pre) {
				if (r < 0 && r != -EAGAIN && r != -EINTR)
					hook_error(f, FWD_ERR_TAP_READ, (int)-r, now);
				drained = r < 0;
				if (drained)
					break;
				continue;
			}
			if (f->caps.vnet)
				vnet_hdr_decode(frame - pre, &vh);
			if (!tap_frame(f, frame, (size_t)r - pre, f->caps.vnet ? &vh : NULL, arena,
				       now))
				return FWD_BLOCKED;
		}
		/* Slots are reused by the next burst: send what points into them. */
		if (txq_flush(&f->txq) == -EAGAIN)
			return FWD_BLOCKED;
		if (drained)
			return FWD_DRAINED;
	}
	return FWD_MORE;
}

enum fwd_status fwd_flush(struct fwd *f)
{
	return txq_flush(&f->txq) == -EAGAIN ? FWD_BLOCKED : FWD_DRAINED;
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

static void udp_datagram(struct fwd *f, const struct endpoint *src, uint8_t *dgram, size_t len,
			 uint64_t now)
{
	struct dp_action act;

	f->method->ops->recv(f->method, &f->txq, f->dp, src, dgram, len, now, &act);
	if (act.verdict == DP_TO_TAP)
		to_tap(f, act.data, act.len, now);
	else if (act.verdict == DP_DROP && f->hooks.drop != NULL)
		f->hooks.drop(f->hooks.arg, &src->ip, &act, now);
	event(f, &act, now);
}

/* A kernel peer's unsegmented tunnel super-packet (gso_tunnel_super): the
 * inner super-frame goes to the TAP whole, with a header saying how to cut
 * it. */
static void udp_super(struct fwd *f, const struct ipaddr *src, const uint8_t *dgram, size_t len,
		      size_t seg_len, const struct vnet_hdr *vh, uint64_t now)
{
	uint8_t hdr[VNET_HDR_LEN];
	struct dp_action act;
	struct peer *p = dp_udp_peer(f->dp, src, len, now, &act);
	struct iovec iov[2];
	size_t payload;

	if (p == NULL)
		return;
	dp_udp_frame_gso(f->dp, p, dgram, len, seg_len, now, &act);
	event(f, &act, now);
	if (act.verdict != DP_TO_TAP)
		return;
	gro_write(f, now); /* what was held first, in order */
	if (!f->caps.vnet) {
		/* A plain TAP takes frames one by one: cut it here (every
		 * segment gets a complete checksum). */
		size_t n = gso_segment(act.data, act.len, vh, f->rx_seg_arena, FWD_SEG_STRIDE, 0,
				       f->segs, FWD_SEGS);

		if (n == 0)
			f->dp->st.drops[DROP_BAD_OFFLOAD]++;
		for (size_t i = 0; i < n; i++) {
			iov[0] = (struct iovec){f->segs[i].hdr, f->segs[i].hdr_len};
			iov[1] = (struct iovec){(void *)(uintptr_t)f->segs[i].payload,
						f->segs[i].payload_len};
			tap_emit(f, iov, 2, 0, 1, now);
		}
		return;
	}
	vnet_hdr_encode(hdr, vh);
	iov[0] = (struct iovec){hdr, VNET_HDR_LEN};
	iov[1] = (struct iovec){(void *)(uintptr_t)act.data, act.len};
	payload = act.len - vh->hdr_len;
	tap_emit(f, iov, 2, VNET_HDR_LEN, (payload + vh->gso_size - 1) / vh->gso_size, now);
}

/* One message of a receive batch: a datagram, a GRO read of several, or a
 * kernel peer's super-packet. */
static void udp_message(struct fwd *f, size_t i, uint64_t now)
{
	uint8_t *buf = f->rx_iov[i].iov_base;
	size_t total = f->rx_msgs[i].msg_len;
	size_t seg = f->caps.udp_gro ? gro_size(&f->rx_msgs[i].msg_hdr) : 0;
	size_t frame_max = (size_t)f->dp->cfg.mtu + ETH_HDR_LEN, seg_len;
	struct endpoint src;
	struct vnet_hdr vh;

	endpoint_from_sockaddr(&f->rx_sa[i], &src);
	if (seg == 0 && f->method->ops->takes_super && total > frame_max + VXLAN_HLEN &&
	    (seg_len = gso_tunnel_super(buf, total, frame_max, &vh)) != 0 &&
	    (vh.gso_type != VNET_GSO_UDP_L4 || f->caps.tap_uso)) {
		udp_super(f, &src.ip, buf, total, seg_len, &vh, now);
		return;
	}
	if (seg == 0 || seg >= total) {
		udp_datagram(f, &src, buf, total, now);
		return;
	}
	/* A GRO read holds several datagrams of seg bytes. */
	for (size_t off = 0; off < total; off += seg)
		udp_datagram(f, &src, buf + off, total - off < seg ? total - off : seg, now);
}

enum fwd_status fwd_udp(struct fwd *f, uint64_t now)
{
	enum fwd_status st = FWD_MORE;

	for (int burst = 0; burst < FWD_BURSTS; burst++) {
		int n;

		for (size_t i = 0; i < FWD_BATCH; i++) {
			f->rx_msgs[i].msg_hdr.msg_namelen = sizeof(f->rx_sa[i]);
			f->rx_msgs[i].msg_hdr.msg_controllen =
				f->caps.udp_gro ? sizeof(f->rx_cmsg[i]) : 0;
		}
		n = f->io->udp_recv(f->io->ctx, f->rx_msgs, FWD_BATCH);
		if (n < 0) {
			if (n != -EAGAIN && n != -EINTR)
				hook_error(f, FWD_ERR_UDP_RECV, -n, now);
			st = FWD_DRAINED;
			break;
		}
		for (int i = 0; i < n; i++)
			udp_message(f, (size_t)i, now);
		/* The batch points into the receive buffers the next burst reuses. */
		gro_write(f, now);
		if (n < FWD_BATCH) {
			st = FWD_DRAINED;
			break;
		}
	}
	/* Answers the method made on the way (handshakes). */
	if (!txq_empty(&f->txq) && txq_flush(&f->txq) == -EAGAIN)
		return FWD_BLOCKED;
	return st;
}

uint64_t fwd_tick(struct fwd *f, uint64_t now)
{
	if (f->method->ops->tick == NULL)
		return UINT64_MAX;
	return f->method->ops->tick(f->method, &f->txq, f->dp, now);
}

enum fwd_status fwd_start(struct fwd *f, uint64_t now)
{
	if (f->method->ops->start != NULL)
		f->method->ops->start(f->method, &f->txq, f->dp, now);
	return fwd_flush(f);
}

void fwd_peer_gone(struct fwd *f, const struct peer *p)
{
	txq_forget_peer(&f->txq, p);
	if (f->method->ops->peer_gone != NULL)
		f->method->ops->peer_gone(f->method, &p->ep.ip);
}

bool fwd_tap_gone(enum fwd_error what, int err)
{
	return (what == FWD_ERR_TAP_READ || what == FWD_ERR_TAP_WRITE) && err == EBADFD;
}

bool fwd_tap_down(enum fwd_error what, int err)
{
	return what == FWD_ERR_TAP_WRITE && err == EIO;
}

int fwd_init(struct fwd *f, struct dp *dp, const struct fwd_caps *caps, const struct io_ops *io,
	     struct method *m, const struct fwd_hooks *hooks)
{
	memset(f, 0, sizeof(*f));
	f->dp = dp;
	f->method = m;
	f->io = io;
	f->caps = *caps;
	if (hooks != NULL)
		f->hooks = *hooks;
	f->tap_slots = aligned_alloc(64, (size_t)FWD_BATCH * FWD_SLOT);
	f->udp_slots = aligned_alloc(64, (size_t)FWD_BATCH * FWD_SLOT);
	f->rx_msgs = calloc(FWD_BATCH, sizeof(*f->rx_msgs));
	f->rx_iov = calloc(FWD_BATCH, sizeof(*f->rx_iov));
	f->rx_sa = calloc(FWD_BATCH, sizeof(*f->rx_sa));
	f->rx_cmsg = calloc(FWD_BATCH, sizeof(*f->rx_cmsg));
	f->seg_arena = malloc((size_t)FWD_BATCH * FWD_SEGS * FWD_SEG_STRIDE);
	f->segs = calloc(FWD_SEGS, sizeof(*f->segs));
	f->rx_seg_arena = malloc((size_t)FWD_SEGS * FWD_SEG_STRIDE);
	if (f->tap_slots == NULL || f->udp_slots == NULL || f->rx_msgs == NULL ||
	    f->rx_iov == NULL || f->rx_sa == NULL || f->rx_cmsg == NULL || f->seg_arena == NULL ||
	    f->segs == NULL || f->rx_seg_arena == NULL ||
	    txq_init(&f->txq, FWD_TXQ, FWD_TXQ * 4, io, &dp->st, caps->udp_gso) != 0) {
		fwd_free(f);
		return -ENOMEM;
	}
	gro_init(&f->gro, caps->tap_uso);
	for (size_t i = 0; i < FWD_BATCH; i++) {
		struct msghdr *h = &f->rx_msgs[i].msg_hdr;

		f->rx_iov[i].iov_base = f->udp_slots + i * FWD_SLOT;
		f->rx_iov[i].iov_len = FWD_SLOT;
		h->msg_name = &f->rx_sa[i];
		h->msg_namelen = sizeof(f->rx_sa[i]);
		h->msg_iov = &f->rx_iov[i];
		h->msg_iovlen = 1;
		h->msg_control = f->rx_cmsg[i];
	}
	return 0;
}

void fwd_free(struct fwd *f)
{
	free(f->tap_slots);
	free(f->udp_slots);
	free(f->rx_msgs);
	free(f->rx_iov);
	free(f->rx_sa);
	free(f->rx_cmsg);
	free(f->seg_arena);
	free(f->segs);
	free(f->rx_seg_arena);
	txq_free(&f->txq);
	memset(f, 0, sizeof(*f));
}
