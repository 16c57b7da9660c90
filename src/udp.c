/* udp: the underlay socket and the sendmmsg queue. */
#include "udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp.h"
#include "peer.h"

#define UDP_SOCKBUF (8 << 20)

static void raise_buffer(int fd, int force_opt, int opt)
{
	int sz = UDP_SOCKBUF;

	/* FORCE ignores net.core.[rw]mem_max but needs CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, force_opt, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, opt, &sz, sizeof(sz));
}

int udp_open(const struct ipaddr *local, uint16_t port)
{
	struct sockaddr_storage ss;
	struct endpoint ep;
	socklen_t sl;
	int fd, err;

	memset(&ep, 0, sizeof(ep));
	ep.ip = *local;
	ep.port = port;
	sl = udp_sockaddr(&ep, &ss);
	fd = socket(local->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (local->family == AF_INET6) {
		int on = 1;
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	}
	raise_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF);
	raise_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

socklen_t udp_sockaddr(const struct endpoint *ep, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->ip.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(ep->port);
		memcpy(&s6->sin6_addr, ep->ip.a, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(ep->port);
	memcpy(&sin->sin_addr, ep->ip.a, 4);
	return sizeof(*sin);
}

bool udp_ipaddr(const struct sockaddr_storage *ss, struct ipaddr *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		ip->family = AF_INET;
		memcpy(ip->a, &sin->sin_addr, 4);
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		ip->family = AF_INET6;
		memcpy(ip->a, &s6->sin6_addr, 16);
		return true;
	}
	return false;
}

bool udp_enable_gro(int fd)
{
	int on = 1;

	return setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on)) == 0;
}

bool udp_probe_gso(int fd)
{
	int size = 0;

	/* Setting a size of 0 is a no-op that only kernels with UDP GSO accept. */
	return setsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, sizeof(size)) == 0;
}

int udp_txq_init(struct udp_txq *q, size_t cap, size_t iov_cap)
{
	memset(q, 0, sizeof(*q));
	q->msgs = calloc(cap, sizeof(*q->msgs));
	q->iov = calloc(iov_cap, sizeof(*q->iov));
	q->sa = calloc(cap, sizeof(*q->sa));
	q->cmsg = calloc(cap, sizeof(*q->cmsg));
	q->peer = calloc(cap, sizeof(*q->peer));
	q->segs = calloc(cap, sizeof(*q->segs));
	if (q->msgs == NULL || q->iov == NULL || q->sa == NULL || q->cmsg == NULL ||
	    q->peer == NULL || q->segs == NULL) {
		udp_txq_free(q);
		return -ENOMEM;
	}
	q->cap = cap;
	q->iov_cap = iov_cap;
	return 0;
}

void udp_txq_free(struct udp_txq *q)
{
	free(q->msgs);
	free(q->iov);
	free(q->sa);
	free(q->cmsg);
	free(q->peer);
	free(q->segs);
	memset(q, 0, sizeof(*q));
}

void udp_txq_push(struct udp_txq *q, const struct iovec *iov, size_t iovcnt, uint16_t gso_size,
		  uint32_t segs, const struct endpoint *ep, struct peer *p)
{
	size_t i = q->n++;
	struct msghdr *h = &q->msgs[i].msg_hdr;

	memcpy(&q->iov[q->iov_n], iov, iovcnt * sizeof(*iov));
	memset(h, 0, sizeof(*h));
	h->msg_name = &q->sa[i];
	h->msg_namelen = udp_sockaddr(ep, &q->sa[i]);
	h->msg_iov = &q->iov[q->iov_n];
	h->msg_iovlen = iovcnt;
	q->iov_n += iovcnt;
	if (gso_size != 0 && segs > 1) {
		struct cmsghdr *cm = (struct cmsghdr *)(void *)q->cmsg[i];

		h->msg_control = q->cmsg[i];
		h->msg_controllen = CMSG_SPACE(sizeof(uint16_t));
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		memcpy(CMSG_DATA(cm), &gso_size, sizeof(gso_size));
	}
	q->peer[i] = p;
	q->segs[i] = segs;
}

static size_t msg_bytes(const struct msghdr *h)
{
	size_t len = 0;

	for (size_t k = 0; k < h->msg_iovlen; k++)
		len += h->msg_iov[k].iov_len;
	return len;
}

/* Message i went out: count its datagrams and the bytes they carried. */
static void account(struct udp_txq *q, size_t i, struct dp_stats *st)
{
	size_t len = msg_bytes(&q->msgs[i].msg_hdr);

	st->udp_tx_packets += q->segs[i];
	st->udp_tx_bytes += len;
	if (q->peer[i] != NULL) {
		q->peer[i]->st.tx_packets += q->segs[i];
		q->peer[i]->st.tx_bytes += len;
	}
}

int udp_txq_flush(int fd, struct udp_txq *q, struct dp_stats *st)
{
	while (q->head < q->n) {
		int r = sendmmsg(fd, &q->msgs[q->head], (unsigned)(q->n - q->head), MSG_DONTWAIT);

		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -EAGAIN;
			if (errno == EINTR)
				continue;
			/* This message is refused (no route, bad address, too
			 * big, or segmentation the device cannot do): drop it
			 * and go on with the rest. */
			if (q->msgs[q->head].msg_hdr.msg_controllen != 0 &&
			    (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP))
				q->gso_refused = true;
			st->drops[DROP_UDP_SEND] += q->segs[q->head];
			q->head++;
			continue;
		}
		for (int k = 0; k < r; k++)
			account(q, q->head + (size_t)k, st);
		q->head += (size_t)r;
	}
	q->head = q->n = q->iov_n = 0;
	return 0;
}
