/* txq: the queue of datagrams waiting for one sendmmsg, with UDP_SEGMENT runs and the counters
 * of what went out. */
#ifndef VXTAP_TXQ_H
#define VXTAP_TXQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "addr.h"
#include "io.h"

struct peer;
struct dp_stats;

/* Largest UDP payload over IPv4 (65535 - 20 - 8). */
#define UDP_MAX_PAYLOAD 65507
/* Datagrams per UDP_SEGMENT send; the kernel's limit is UDP_MAX_SEGMENTS. */
#define UDP_GSO_MAX_SEGS 64

/*
 * A message is one datagram, or with gso_size set a run of datagrams the
 * kernel cuts (UDP_SEGMENT). Lone datagrams queued one after another for the
 * same destination and of the same size join into such a run too (the last
 * may be shorter and ends it): the kernel then builds, routes and hands over
 * one packet for all of them, and a receiver with UDP_GRO reads them in one.
 * Entries point at caller buffers, which must stay unchanged until the queue
 * is flushed. Sent datagrams are counted in st (udp_tx_*) and in their
 * peer's counters; refused ones as DROP_UDP_SEND.
 */
struct txq {
	struct mmsghdr *msgs;
	struct iovec *iov; /* pool the messages' iovecs live in */
	struct sockaddr_storage *sa;
	uint8_t (*cmsg)[32];
	struct peer **peer;
	uint32_t *segs; /* datagrams per message, for the counters */
	uint16_t *run;	/* a lone datagram's size while others may join it; 0: closed */
	size_t cap, iov_cap;
	size_t head;  /* first unsent message */
	size_t n;     /* messages queued, sent ones included */
	size_t iov_n; /* iovecs used */
	bool gso;     /* UDP_SEGMENT may be asked for; cleared when the kernel refuses it */
	const struct io_ops *io;
	struct dp_stats *st;
	/* Told of each message the kernel refused, with the error (> 0), after it
	 * is counted; NULL (as txq_init leaves it) for nobody. */
	void (*refused)(void *arg, int err);
	void *refused_arg;
};

/* Room for cap messages and iov_cap iovecs, sent through io, counted in st.
 * gso: the socket takes UDP_SEGMENT. 0 or -ENOMEM. */
int txq_init(struct txq *q, size_t cap, size_t iov_cap, const struct io_ops *io,
	     struct dp_stats *st, bool gso);
void txq_free(struct txq *q);

/* Queue a message of iovcnt iovecs (copied; the data they point at is not)
 * to ep, flushing first when the queue is full. gso_size 0 sends one
 * datagram (which may join the message before it, as above); otherwise the
 * kernel cuts the message into segs datagrams of gso_size bytes (the last
 * may be shorter). p may be NULL. False when the socket is full: the
 * message is counted as segs dropped datagrams. */
bool txq_queue(struct txq *q, const struct iovec *iov, size_t iovcnt, uint16_t gso_size,
	       uint32_t segs, const struct endpoint *ep, struct peer *p);

/* Send what is queued. 0 when the queue is empty again, -EAGAIN when the
 * socket is full and messages remain queued. */
int txq_flush(struct txq *q);

static inline bool txq_empty(const struct txq *q)
{
	return q->n == 0;
}

/* Segments one message may carry: UDP_GSO_MAX_SEGS, or 1 without UDP_SEGMENT. */
static inline size_t txq_max_segs(const struct txq *q)
{
	return q->gso ? UDP_GSO_MAX_SEGS : 1;
}

/* p is about to be freed: messages still queued for it stop counting into it. */
void txq_forget_peer(struct txq *q, const struct peer *p);

#endif
