/* gro: coalescing decapsulated TCP (and UDP) segments of one flow into one super-frame,
 * so the TAP takes one write (with a virtio-net GSO header) for many. */
#ifndef VXTAP_GRO_H
#define VXTAP_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "gso.h"

#define GRO_MAX_SEGS 64
#define GRO_HDR_MAX  (18 + 60 + 60) /* Ethernet + VLAN, IPv4 max, TCP max */

/*
 * A segment joins the batch when it continues the same TCP flow exactly as
 * the kernel's GRO would accept it: same Ethernet header, same IP addresses,
 * TOS/traffic class, TTL/hop limit and (IPv4) DF with no options, same ports,
 * ack, window and TCP options, the next sequence number, only ACK (and PSH)
 * set, no more payload than the first segment, and a TCP checksum that
 * verifies. A short segment or PSH ends the batch. UDP datagrams (when
 * enabled) join on the same Ethernet/IP fields and ports, a non-zero checksum
 * that verifies, no more payload than the first, and for IPv4 without DF the
 * next IP id; they leave as one USO super-frame (VNET_GSO_UDP_L4), which the
 * kernel cuts back into the same datagrams. Segments are never copied: the
 * batch keeps pointers into the caller's buffers, which must stay valid
 * until gro_flush().
 */
struct gro {
	size_t n; /* segments held; 0 = empty */
	const uint8_t *first;
	struct pkt_layout lo;
	size_t mss;
	uint32_t next; /* TCP: next sequence number; IPv4 UDP without DF: next IP id */
	size_t total;
	bool closed;
	bool psh;
	const uint8_t *pay[GRO_MAX_SEGS];
	size_t pay_len[GRO_MAX_SEGS];
	uint8_t hdr[VNET_HDR_LEN + GRO_HDR_MAX];
	uint64_t bad_csum; /* candidates refused for a checksum that failed */
	uint64_t finished; /* partial checksums finished (pkt_finish_partial) */
	bool udp;	   /* UDP may be merged: the TAP takes USO super-frames */
};

enum gro_result {
	GRO_HELD,	 /* the frame is in the batch */
	GRO_FLUSH_FIRST, /* a candidate that does not continue the batch: flush, then add again */
	GRO_PASS,	 /* not a candidate: flush the batch, then write the frame alone */
};

/* udp: also merge UDP datagrams (only when the TAP accepted USO). */
void gro_init(struct gro *g, bool udp);

/* Offer a decapsulated frame (len bytes). A candidate whose checksum fails
 * but holds the pseudo-header sum (pkt_finish_partial) is finished in place
 * first, so frame must be writable. */
enum gro_result gro_add(struct gro *g, uint8_t *frame, size_t len);

/* Describe the batch as a TAP write: iov[0] is the virtio-net header (and, for
 * more than one segment, the merged headers), the rest the payloads. Returns
 * the iov count (0 when empty; iov needs GRO_MAX_SEGS + 1 entries) and the
 * number of segments in *segs; empties the batch. */
size_t gro_flush(struct gro *g, struct iovec *iov, size_t *segs);

/* True when the TCP or UDP checksum of the packet in f verifies. */
bool gro_l4_csum_ok(const uint8_t *f, const struct pkt_layout *lo);

#endif
