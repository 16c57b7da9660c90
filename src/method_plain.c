/* method_plain: plain RFC 7348 VXLAN: the datagram is sent and taken as it is. */
#include "method.h"

#include <string.h>
#include <sys/uio.h>

#include "crypto.h"
#include "dp.h"
#include "gso.h"
#include "txq.h"

static bool plain_send(struct method *m, struct txq *q, const struct endpoint *ep, struct peer *p,
		       const uint8_t *dgram, size_t len, uint64_t now)
{
	struct iovec iov = {(void *)(uintptr_t)dgram, len};

	(void)m;
	(void)now;
	return txq_queue(q, &iov, 1, 0, 1, ep, p);
}

/* Each segment gets the VXLAN header written just before its own headers;
 * payloads are not copied. Runs of equal-sized segments leave as one
 * UDP_SEGMENT message. */
static bool plain_send_segs(struct method *m, struct txq *q, const struct endpoint *ep,
			    struct peer *p, const uint8_t *vxh, const struct gso_seg *segs,
			    size_t n, uint64_t now)
{
	struct iovec iov[2 * UDP_GSO_MAX_SEGS];

	(void)m;
	(void)now;
	for (size_t i = 0, k; i < n; i += k) {
		k = gso_run_len(segs, i, n, VXLAN_HLEN, txq_max_segs(q), UDP_MAX_PAYLOAD);
		for (size_t j = 0; j < k; j++) {
			uint8_t *h = segs[i + j].hdr - VXLAN_HLEN;

			memcpy(h, vxh, VXLAN_HLEN);
			iov[2 * j] = (struct iovec){h, VXLAN_HLEN + segs[i + j].hdr_len};
			iov[2 * j + 1] = (struct iovec){(void *)(uintptr_t)segs[i + j].payload,
							segs[i + j].payload_len};
		}
		if (!txq_queue(q, iov, 2 * k,
			       (uint16_t)(VXLAN_HLEN + segs[i].hdr_len + segs[i].payload_len),
			       (uint32_t)k, ep, p)) {
			q->st->drops[DROP_UDP_SEND] += n - i - k;
			return false;
		}
	}
	return true;
}

/* The port is not looked at: a peer is known by its address. */
static void plain_recv(struct method *m, struct txq *q, struct dp *dp, const struct endpoint *src,
		       uint8_t *dgram, size_t len, uint64_t now, struct dp_action *act)
{
	(void)m;
	(void)q;
	dp_from_udp(dp, &src->ip, dgram, len, now, act);
	if (act->verdict == DP_DROP && act->drop == DROP_VXLAN_NO_I &&
	    crypto_wire_looks_sealed(dgram, len))
		act->drop_hint =
			"a secure-mode datagram: the sender has a --key-file, this node none";
}

static void plain_free(struct method *m)
{
	(void)m;
}

const struct method_ops method_plain_ops = {
	.name = "plain",
	.overhead = 0,
	.takes_super = true,
	.send = plain_send,
	.send_segs = plain_send_segs,
	.recv = plain_recv,
	.free = plain_free,
};
