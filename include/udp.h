/* udp: the underlay socket, sockaddr conversion, and batched sends. */
#ifndef VXTAP_UDP_H
#define VXTAP_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "addr.h"

struct peer;
struct dp_stats;
struct mmsghdr;

/* Largest UDP payload over IPv4 (65535 - 20 - 8). */
#define UDP_MAX_PAYLOAD 65507
/* Datagrams per UDP_SEGMENT send; the kernel's limit is UDP_MAX_SEGMENTS. */
#define UDP_GSO_MAX_SEGS 64

/* Open a non-blocking UDP socket bound to local:port with large buffers.
 * Returns the fd or -errno. Never connected: the kernel driver sends from a
 * hashed source port, and a connected socket would drop those datagrams. */
int udp_open(const struct ipaddr *local, uint16_t port);

/* Ask for UDP_GRO on receive. Returns true when the kernel agreed. */
bool udp_enable_gro(int fd);

/* True when the kernel takes UDP_SEGMENT on this socket. */
bool udp_probe_gso(int fd);

socklen_t udp_sockaddr(const struct endpoint *ep, struct sockaddr_storage *ss);
/* false when ss is neither AF_INET nor AF_INET6 */
bool udp_ipaddr(const struct sockaddr_storage *ss, struct ipaddr *ip);

/* A queue of messages for sendmmsg. A message is one datagram, or with
 * gso_size set a run of datagrams the kernel cuts (UDP_SEGMENT). Entries
 * point at caller buffers, which must stay unchanged until the queue is
 * flushed. */
struct udp_txq {
	struct mmsghdr *msgs;
	struct iovec *iov; /* pool the messages' iovecs live in */
	struct sockaddr_storage *sa;
	uint8_t (*cmsg)[32];
	struct peer **peer;
	uint32_t *segs; /* datagrams per message, for the counters */
	size_t cap, iov_cap;
	size_t head;	  /* first unsent message */
	size_t n;	  /* messages queued, sent ones included */
	size_t iov_n;	  /* iovecs used */
	bool gso_refused; /* the kernel refused UDP_SEGMENT: stop asking */
};

int udp_txq_init(struct udp_txq *q, size_t cap, size_t iov_cap);
void udp_txq_free(struct udp_txq *q);

/* Room for one more message of iovcnt iovecs? */
static inline bool udp_txq_room(const struct udp_txq *q, size_t iovcnt)
{
	return q->n < q->cap && q->iov_n + iovcnt <= q->iov_cap;
}

static inline bool udp_txq_pending(const struct udp_txq *q)
{
	return q->head < q->n;
}

/* Queue a message of iovcnt iovecs (copied; the data they point at is not)
 * to ep. gso_size 0 sends one datagram; otherwise the kernel cuts the message
 * into segs datagrams of gso_size bytes (the last may be shorter). p may be
 * NULL. The queue must have room (udp_txq_room). */
void udp_txq_push(struct udp_txq *q, const struct iovec *iov, size_t iovcnt, uint16_t gso_size,
		  uint32_t segs, const struct endpoint *ep, struct peer *p);

/* Send what is queued. Counts sent datagrams (udp_tx_*, per-peer tx) and
 * refused ones (DROP_UDP_SEND) in st. Returns 0 when the queue is empty
 * again, -EAGAIN when the socket is full and messages remain queued. */
int udp_txq_flush(int fd, struct udp_txq *q, struct dp_stats *st);

#endif
