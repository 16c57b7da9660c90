/* gso: TAP offload metadata (virtio-net header), checksum completion, and
 * segmentation of TSO/USO super-frames into wire-sized frames. */
#ifndef VXTAP_GSO_H
#define VXTAP_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * With IFF_VNET_HDR every TAP read and write starts with a virtio-net header
 * (virtio spec 5.1.6, little-endian on the wire to the kernel here):
 *   flags(1) gso_type(1) hdr_len(2) gso_size(2) csum_start(2) csum_offset(2)
 * NEEDS_CSUM: the L4 checksum field holds the pseudo-header sum; the rest
 * (from csum_start to the end) is still to be added. gso_type != NONE: the
 * frame is a super-frame to be cut into gso_size-byte payloads.
 */
#define VNET_HDR_LEN	  10
#define VNET_F_NEEDS_CSUM 1
#define VNET_F_DATA_VALID 2
#define VNET_GSO_NONE	  0
#define VNET_GSO_TCPV4	  1
#define VNET_GSO_UDP	  3 /* UFO: IP fragmentation, never offered here */
#define VNET_GSO_TCPV6	  4
#define VNET_GSO_UDP_L4	  5
#define VNET_GSO_ECN	  0x80

struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len; /* advisory only: never trusted */
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

void vnet_hdr_decode(const uint8_t p[static VNET_HDR_LEN], struct vnet_hdr *h);
void vnet_hdr_encode(uint8_t p[static VNET_HDR_LEN], const struct vnet_hdr *h);

/* Where the headers of a TCP or UDP packet in an Ethernet frame are. */
struct pkt_layout {
	size_t l3;     /* IP header: 14, or 18 after one VLAN tag */
	size_t l4;     /* TCP/UDP header */
	size_t hlen;   /* first payload byte */
	size_t end;    /* end of the IP packet (frame may be padded past it) */
	uint8_t proto; /* 6 or 17 */
	bool v6;
};

/* Parse an untagged or single-VLAN-tagged Ethernet frame carrying IPv4
 * (options allowed, not a fragment) or IPv6 (no extension headers) with TCP
 * or UDP. False for anything else or any length that does not add up. */
bool pkt_layout(const uint8_t *f, size_t len, struct pkt_layout *lo);

/* The one's-complement sum of the IPv4/IPv6 pseudo-header for an L4 length. */
uint32_t pkt_pseudo_sum(const uint8_t *f, const struct pkt_layout *lo, size_t l4_len);

/* Finish a NEEDS_CSUM frame in place: sum from csum_start to the end and
 * store the result at csum_start + csum_offset. False (frame untouched) when
 * the offsets fall outside the frame. */
bool gso_finish_csum(uint8_t *f, size_t len, uint16_t csum_start, uint16_t csum_offset);

/* The length of the first (largest) frame gso_segment() would cut from f,
 * or 0 when f cannot be cut as h says. */
size_t gso_first_len(const uint8_t *f, size_t len, const struct vnet_hdr *h);

/* A TCP or UDP packet (layout lo) whose checksum does not verify but whose
 * checksum field holds exactly the pseudo-header sum: what a sender leaves
 * for its NIC to finish, and what a kernel vxlan device over veth puts on
 * the wire. Finish it and return true; anything else is left untouched
 * (false). Call it only for a packet that failed to verify, so one that
 * verifies is never changed. */
bool pkt_finish_partial(uint8_t *f, const struct pkt_layout *lo);

/* Finish the TCP/UDP checksum of the packet in frame f if it is a partial
 * one (pkt_finish_partial): only a field holding the pseudo-header sum is
 * looked at further, and a packet that verifies is never changed. True when
 * f was changed. Any other checksum, right or wrong, is left as it is for
 * the receiving stack. */
bool pkt_fix_partial(uint8_t *f, size_t len);

/* A VXLAN datagram of len bytes at d (flags byte 0x08) whose inner frame is
 * one TCP or UDP packet that fills the rest of it and is longer than
 * frame_max: a kernel vxlan device's unsegmented tunnel super-packet, which
 * veth hands a local UDP socket as it is (with no segment size: UDP_GRO
 * reports one only for UDP segmentation). Fills h to write the inner frame
 * to a vnet TAP as a super-frame cut into frames of frame_max bytes
 * (checksum partial, as the sender left it) and returns frame_max; 0 when d
 * is not one. */
size_t gso_tunnel_super(const uint8_t *d, size_t len, size_t frame_max, struct vnet_hdr *h);

/* One wire frame cut from a super-frame: its own headers, built in the
 * caller's arena, and a slice of the super-frame's payload (not copied). */
struct gso_seg {
	uint8_t *hdr;
	size_t hdr_len;
	const uint8_t *payload;
	size_t payload_len;
};

/* Cut the super-frame f (len bytes, described by h: TCPV4, TCPV6 or UDP_L4)
 * into frames of at most h->gso_size payload bytes. Segment i's headers go
 * to arena + i * stride + pre (pre bytes are left free for the caller's own
 * outer header); stride must be at least pre + the header length. Each
 * segment gets its own IP length, IPv4 id and header checksum, TCP sequence
 * number and flags (FIN/PSH on the last only, CWR on the first only) or UDP
 * length, and a complete L4 checksum. Returns the number of segments, or 0
 * when f is not what h says, or would need more than max segments. */
size_t gso_segment(const uint8_t *f, size_t len, const struct vnet_hdr *h, uint8_t *arena,
		   size_t stride, size_t pre, struct gso_seg *segs, size_t max);

/* How many segments from i on (of n) go out as one UDP_SEGMENT message:
 * datagrams (each segment plus per_dgram bytes of framing) of the first
 * one's size, the last of the run possibly shorter, together within
 * max_payload bytes and max_segs segments. At least 1 (i < n). */
size_t gso_run_len(const struct gso_seg *segs, size_t i, size_t n, size_t per_dgram,
		   size_t max_segs, size_t max_payload);

#endif
