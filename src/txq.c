/* txq: the sendmmsg queue: messages queued, flushed through the I/O seam, and counted. */
#include "txq.h"

#include <errno.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>

#include "dp.h"
#include "peer.h"

int txq_init(struct txq *q, size_t cap, size_t iov_cap, const struct io_ops *io,
	     struct dp_stats *st, bool gso)
{
	memset(q, 0, sizeof(*q));
	q->msgs = calloc(cap, sizeof(*q->msgs));
	q->iov = calloc(iov_cap, sizeof(*q->iov));
	q->sa = calloc(cap, sizeof(*q->sa));
	q->cmsg = calloc(cap, sizeof(*q->cmsg));
	q->peer = calloc(cap, sizeof(*q->peer));
	q->segs = calloc(cap, sizeof(*q->segs));
	q->run = calloc(cap, sizeof(*q->run));
	if (q->msgs == NULL || q->iov == NULL || q->sa == NULL || q->cmsg == NULL ||
	    q->peer == NULL || q->segs == NULL || q->run == NULL) {
		txq_free(q);
		return -ENOMEM;
	}
	q->cap = cap;
	q->iov_cap = iov_cap;
	q->io = io;
	q->st = st;
	q->gso = gso;
	return 0;
}

void txq_free(struct txq *q)
{
	free(q->msgs);
	free(q->iov);
	free(q->sa);
	free(q->cmsg);
	free(q->peer);
	free(q->segs);
	free(q->run);
	memset(q, 0, sizeof(*q));
}

static void set_segment(struct txq *q, size_t i, uint16_t gso_size)
{
	struct msghdr *h = &q->msgs[i].msg_hdr;
	struct cmsghdr *cm = (struct cmsghdr *)(void *)q->cmsg[i];

	h->msg_control = q->cmsg[i];
	h->msg_controllen = CMSG_SPACE(sizeof(uint16_t));
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	memcpy(CMSG_DATA(cm), &gso_size, sizeof(gso_size));
}

static size_t iov_bytes(const struct iovec *iov, size_t iovcnt)
{
	size_t len = 0;

	for (size_t k = 0; k < iovcnt; k++)
		len += iov[k].iov_len;
	return len;
}

/* A lone datagram of len bytes joins the last message when that one is
 * unsent, open (lone datagrams of len bytes so far), for the same peer and
 * address, and has room. A shorter one joins and closes the run. */
static bool join_last(struct txq *q, const struct iovec *iov, size_t iovcnt, size_t len,
		      const struct endpoint *ep, const struct peer *p)
{
	size_t i = q->n - 1;
	struct msghdr *h = &q->msgs[i].msg_hdr;
	struct sockaddr_storage sa;
	socklen_t salen;

	if (!q->gso || q->n == q->head || q->run[i] == 0 || len > q->run[i] || q->peer[i] != p ||
	    q->segs[i] >= UDP_GSO_MAX_SEGS ||
	    (size_t)q->run[i] * (q->segs[i] + 1) > UDP_MAX_PAYLOAD ||
	    q->iov_n + iovcnt > q->iov_cap)
		return false;
	salen = endpoint_to_sockaddr(ep, &sa);
	if (salen != h->msg_namelen || memcmp(&sa, &q->sa[i], salen) != 0)
		return false;
	memcpy(&q->iov[q->iov_n], iov, iovcnt * sizeof(*iov));
	q->iov_n += iovcnt;
	h->msg_iovlen += iovcnt;
	if (q->segs[i]++ == 1)
		set_segment(q, i, q->run[i]);
	if (len < q->run[i])
		q->run[i] = 0;
	return true;
}

/* len: the message's bytes when it is a lone datagram (gso_size 0, one
 * segment), which later ones may join; 0 otherwise. */
static void push(struct txq *q, const struct iovec *iov, size_t iovcnt, uint16_t gso_size,
		 uint32_t segs, const struct endpoint *ep, struct peer *p, size_t len)
{
	size_t i = q->n++;
	struct msghdr *h = &q->msgs[i].msg_hdr;

	memcpy(&q->iov[q->iov_n], iov, iovcnt * sizeof(*iov));
	memset(h, 0, sizeof(*h));
	h->msg_name = &q->sa[i];
	h->msg_namelen = endpoint_to_sockaddr(ep, &q->sa[i]);
	h->msg_iov = &q->iov[q->iov_n];
	h->msg_iovlen = iovcnt;
	q->iov_n += iovcnt;
	if (gso_size != 0 && segs > 1)
		set_segment(q, i, gso_size);
	q->peer[i] = p;
	q->segs[i] = segs;
	q->run[i] = len <= UINT16_MAX ? (uint16_t)len : 0;
}

bool txq_queue(struct txq *q, const struct iovec *iov, size_t iovcnt, uint16_t gso_size,
	       uint32_t segs, const struct endpoint *ep, struct peer *p)
{
	size_t lone = gso_size == 0 && segs == 1 ? iov_bytes(iov, iovcnt) : 0;

	if (lone != 0 && q->n != 0 && join_last(q, iov, iovcnt, lone, ep, p))
		return true;
	if ((q->n == q->cap || q->iov_n + iovcnt > q->iov_cap) && txq_flush(q) == -EAGAIN) {
		q->st->drops[DROP_UDP_SEND] += segs;
		return false;
	}
	push(q, iov, iovcnt, gso_size, segs, ep, p, lone);
	return true;
}

static size_t msg_bytes(const struct msghdr *h)
{
	return iov_bytes(h->msg_iov, h->msg_iovlen);
}

/* Message i went out: count its datagrams and the bytes they carried. */
static void account(struct txq *q, size_t i)
{
	size_t len = msg_bytes(&q->msgs[i].msg_hdr);

	q->st->udp_tx_packets += q->segs[i];
	q->st->udp_tx_bytes += len;
	if (q->peer[i] != NULL) {
		q->peer[i]->st.tx_packets += q->segs[i];
		q->peer[i]->st.tx_bytes += len;
	}
}

int txq_flush(struct txq *q)
{
	while (q->head < q->n) {
		int r = q->io->udp_send(q->io->ctx, &q->msgs[q->head], (unsigned)(q->n - q->head));

		if (r == -EAGAIN || r == -EWOULDBLOCK || r == 0)
			return -EAGAIN;
		if (r == -EINTR)
			continue;
		if (r < 0) {
			/* This message is refused (no route, bad address, too
			 * big, or segmentation the device cannot do): drop it
			 * and go on with the rest. */
			if (q->msgs[q->head].msg_hdr.msg_controllen != 0 &&
			    (r == -EIO || r == -EINVAL || r == -EOPNOTSUPP))
				q->gso = false;
			q->st->drops[DROP_UDP_SEND] += q->segs[q->head];
			q->head++;
			if (q->refused != NULL)
				q->refused(q->refused_arg, (int)-r);
			continue;
		}
		for (int k = 0; k < r; k++)
			account(q, q->head + (size_t)k);
		q->head += (size_t)r;
	}
	q->head = q->n = q->iov_n = 0;
	return 0;
}

void txq_forget_peer(struct txq *q, const struct peer *p)
{
	for (size_t i = q->head; i < q->n; i++)
		if (q->peer[i] == p)
			q->peer[i] = NULL;
}
