/* udp: the underlay socket, sockaddr conversion, and batched sends. */
#ifndef VXTAP_UDP_H
#define VXTAP_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"

struct peer;
struct dp_stats;
struct mmsghdr;
struct iovec;

/* Open a non-blocking UDP socket bound to local:port with large buffers.
 * Returns the fd or -errno. Never connected: the kernel driver sends from a
 * hashed source port, and a connected socket would drop those datagrams. */
int udp_open(const struct ipaddr *local, uint16_t port);

socklen_t udp_sockaddr(const struct endpoint *ep, struct sockaddr_storage *ss);
/* false when ss is neither AF_INET nor AF_INET6 */
bool udp_ipaddr(const struct sockaddr_storage *ss, struct ipaddr *ip);

/* A queue of datagrams for sendmmsg. Entries point at caller buffers, which
 * must stay unchanged until the queue is flushed. */
struct udp_txq {
	struct mmsghdr *msgs;
	struct iovec *iov;
	struct sockaddr_storage *sa;
	struct peer **peer;
	size_t cap;
	size_t head; /* first unsent */
	size_t n;    /* queued, sent ones included */
};

int udp_txq_init(struct udp_txq *q, size_t cap);
void udp_txq_free(struct udp_txq *q);
static inline bool udp_txq_full(const struct udp_txq *q)
{
	return q->n == q->cap;
}
static inline bool udp_txq_pending(const struct udp_txq *q)
{
	return q->head < q->n;
}
/* Queue one datagram; the queue must not be full. p may be NULL. */
void udp_txq_push(struct udp_txq *q, const uint8_t *data, size_t len, const struct endpoint *ep,
		  struct peer *p);

/* Send what is queued. Counts sent datagrams (udp_tx_*, per-peer tx) and
 * refused ones (DROP_UDP_SEND) in st. Returns 0 when the queue is empty
 * again, -EAGAIN when the socket is full and datagrams remain queued. */
int udp_txq_flush(int fd, struct udp_txq *q, struct dp_stats *st);

#endif
