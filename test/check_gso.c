/* check_gso: segmentation of super-frames and coalescing back, with checksums
 * verified independently over each assembled frame. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "eth.h"
#include "gro.h"
#include "gso.h"

#include "check_frames.h"
#include "check_run.h"

#define MAXF   70000
#define STRIDE 256
#define PRE    8

static uint8_t super[MAXF];
static uint8_t arena[64 * STRIDE];
static uint8_t wire[64][2048]; /* assembled segments */
static size_t wire_len[64];

/* Build a super-frame into super. */
static size_t build(enum kind k, size_t payload, uint8_t tcp_flags)
{
	return frames_build(super, k, payload, tcp_flags);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Assemble segments and check every one as a receiver would. */
static void check_segments(const struct gso_seg *segs, size_t n, enum kind k, size_t payload,
			   size_t mss)
{
	struct pkt_layout lo;
	size_t got = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t *w = wire[i];

		memcpy(w, segs[i].hdr, segs[i].hdr_len);
		memcpy(w + segs[i].hdr_len, segs[i].payload, segs[i].payload_len);
		wire_len[i] = segs[i].hdr_len + segs[i].payload_len;
		ck_assert(pkt_layout(w, wire_len[i], &lo));
		ck_assert_uint_eq(lo.end, wire_len[i]);
		ck_assert_uint_eq(segs[i].payload_len, i + 1 < n ? mss : payload - mss * (n - 1));
		for (size_t b = 0; b < segs[i].payload_len; b++)
			ck_assert_uint_eq(w[lo.hlen + b], (uint8_t)(got + b));
		if (!lo.v6) {
			ck_assert_uint_eq(csum_fold(csum_add(0, w + lo.l3, lo.l4 - lo.l3)), 0);
			ck_assert_uint_eq(get_be16(w + lo.l3 + 4), 0x1000 + i);
		}
		uint32_t sum = pkt_pseudo_sum(w, &lo, lo.end - lo.l4);
		ck_assert_uint_eq(csum_fold(csum_add(sum, w + lo.l4, lo.end - lo.l4)), 0);
		if (lo.proto == 6) {
			ck_assert_uint_eq(be32(w + lo.l4 + 4), 0xfffff000u + (uint32_t)got);
			ck_assert_uint_eq(w[lo.l4 + 13] & 0x08, i + 1 == n ? 0x08 : 0); /* PSH */
			ck_assert_uint_eq(w[lo.l4 + 13] & 0x80, i == 0 ? 0x80 : 0);	/* CWR */
		} else {
			ck_assert_uint_eq(get_be16(w + lo.l4 + 4), lo.end - lo.l4);
		}
		got += segs[i].payload_len;
	}
	ck_assert_uint_eq(got, payload);
	(void)k;
}

static const struct {
	enum kind k;
	uint8_t gso;
	size_t payload, mss, want;
} seg_vectors[] = {
	{TCP4, VNET_GSO_TCPV4, 3500, 1000, 4},	      /* short last segment */
	{TCP4, VNET_GSO_TCPV4, 3000, 1000, 3},	      /* exact */
	{TCP4_OPTS, VNET_GSO_TCPV4, 64000, 1388, 47}, /* 64 KiB with options */
	{TCP6, VNET_GSO_TCPV6, 5000, 1368, 4},
	{TCP4_VLAN, VNET_GSO_TCPV4, 2500, 1400, 2},
	{UDP4, VNET_GSO_UDP_L4, 4000, 1400, 3},
	{UDP6, VNET_GSO_UDP_L4, 2800, 1400, 2},
	{TCP4, VNET_GSO_TCPV6, 3000, 1000, 0}, /* type does not match the packet */
	{UDP4, VNET_GSO_TCPV4, 3000, 1000, 0},
	{TCP4, VNET_GSO_TCPV4, 3000, 0, 0},    /* no segment size */
	{TCP4, VNET_GSO_TCPV4, 65000, 100, 0}, /* more segments than allowed */
};

START_TEST(segment_vectors)
{
	struct gso_seg segs[64];
	struct vnet_hdr h = {.flags = VNET_F_NEEDS_CSUM,
			     .gso_type = seg_vectors[_i].gso,
			     .gso_size = (uint16_t)seg_vectors[_i].mss,
			     .hdr_len = 9999};
	size_t len = build(seg_vectors[_i].k, seg_vectors[_i].payload, 0x10 | 0x08 | 0x80);
	size_t n = gso_segment(super, len, &h, arena, STRIDE, PRE, segs, 64);

	ck_assert_uint_eq(n, seg_vectors[_i].want);
	if (n != 0) {
		check_segments(segs, n, seg_vectors[_i].k, seg_vectors[_i].payload,
			       seg_vectors[_i].mss);
		ck_assert_ptr_eq(segs[1 % n].hdr, arena + (1 % n) * STRIDE + PRE);
	}
}
END_TEST

START_TEST(finish_csum_completes_partial)
{
	size_t len = build(TCP4, 300, 0x18);
	struct pkt_layout lo;

	ck_assert(pkt_layout(super, len, &lo));
	/* what a TAP hands over with NEEDS_CSUM: the pseudo-header sum in place */
	put_be16(super + lo.l4 + 16, (uint16_t)~csum_fold(pkt_pseudo_sum(super, &lo, len - lo.l4)));
	ck_assert(!gro_l4_csum_ok(super, &lo));
	ck_assert(gso_finish_csum(super, len, (uint16_t)lo.l4, 16));
	ck_assert(gro_l4_csum_ok(super, &lo));
	ck_assert(!gso_finish_csum(super, len, (uint16_t)len, 16));
	ck_assert(!gso_finish_csum(super, len, (uint16_t)(len - 1), 0));
}
END_TEST

START_TEST(vnet_hdr_roundtrip)
{
	static const uint8_t wire_hdr[VNET_HDR_LEN] = {1, 4, 66, 0, 0x58, 0x05, 54, 0, 16, 0};
	struct vnet_hdr h;
	uint8_t back[VNET_HDR_LEN];

	vnet_hdr_decode(wire_hdr, &h);
	ck_assert_uint_eq(h.flags, VNET_F_NEEDS_CSUM);
	ck_assert_uint_eq(h.gso_type, VNET_GSO_TCPV6);
	ck_assert_uint_eq(h.hdr_len, 66);
	ck_assert_uint_eq(h.gso_size, 1368);
	ck_assert_uint_eq(h.csum_start, 54);
	ck_assert_uint_eq(h.csum_offset, 16);
	vnet_hdr_encode(back, &h);
	ck_assert_mem_eq(back, wire_hdr, VNET_HDR_LEN);
}
END_TEST

START_TEST(layout_rejects)
{
	size_t len = build(TCP4, 100, 0x10);
	struct pkt_layout lo;

	ck_assert(pkt_layout(super, len, &lo));
	ck_assert_uint_eq(lo.hlen, 54);
	ck_assert(!pkt_layout(super, len - 1, &lo)); /* IP length beyond the frame */
	put_be16(super + 20, 0x2000);		     /* MF: a fragment */
	ck_assert(!pkt_layout(super, len, &lo));
	build(TCP4, 100, 0x10);
	super[23] = 1; /* ICMP */
	ck_assert(!pkt_layout(super, len, &lo));
	build(TCP4, 100, 0x10);
	super[46] = 0x40; /* TCP data offset 16 bytes */
	ck_assert(!pkt_layout(super, len, &lo));
}
END_TEST

/* --- coalescing ---------------------------------------------------------- */

static size_t segment_all(enum kind k, size_t payload, size_t mss, uint8_t flags)
{
	struct gso_seg segs[64];
	struct vnet_hdr h = {.gso_type = k == TCP6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4,
			     .gso_size = (uint16_t)mss};
	size_t len = build(k, payload, flags);
	size_t n = gso_segment(super, len, &h, arena, STRIDE, PRE, segs, 64);

	for (size_t i = 0; i < n; i++) {
		memcpy(wire[i], segs[i].hdr, segs[i].hdr_len);
		memcpy(wire[i] + segs[i].hdr_len, segs[i].payload, segs[i].payload_len);
		wire_len[i] = segs[i].hdr_len + segs[i].payload_len;
	}
	return n;
}

static const struct {
	enum kind k;
	size_t payload, mss;
} gro_vectors[] = {
	{TCP4, 3500, 1000},
	{TCP4_OPTS, 20000, 1388},
	{TCP6, 5000, 1368},
	{TCP4_VLAN, 2800, 1400},
};

START_TEST(gro_roundtrip)
{
	static struct gro g;
	struct iovec iov[GRO_MAX_SEGS + 1];
	struct vnet_hdr vh;
	struct pkt_layout lo;
	size_t n =
		segment_all(gro_vectors[_i].k, gro_vectors[_i].payload, gro_vectors[_i].mss, 0x18);
	size_t cnt, segs, off = 0;
	uint8_t merged[MAXF];

	gro_init(&g, true);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(gro_add(&g, wire[i], wire_len[i]), GRO_HELD);
	cnt = gro_flush(&g, iov, &segs);
	ck_assert_uint_eq(segs, n);
	ck_assert_uint_eq(cnt, n + 1);
	vnet_hdr_decode(iov[0].iov_base, &vh);
	ck_assert_uint_eq(vh.flags, VNET_F_NEEDS_CSUM);
	ck_assert_uint_eq(vh.gso_type, gro_vectors[_i].k == TCP6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4);
	ck_assert_uint_eq(vh.gso_size, gro_vectors[_i].mss);
	for (size_t i = 0; i < cnt; i++) {
		size_t skip = i == 0 ? VNET_HDR_LEN : 0;
		memcpy(merged + off, (uint8_t *)iov[i].iov_base + skip, iov[i].iov_len - skip);
		off += iov[i].iov_len - skip;
	}
	/* The merged frame is the original super-frame again, once the kernel
	 * finishes the partial checksum. */
	ck_assert(pkt_layout(merged, off, &lo));
	ck_assert_uint_eq(lo.end, off);
	ck_assert_uint_eq(vh.csum_start, lo.l4);
	ck_assert_uint_eq(vh.hdr_len, lo.hlen);
	ck_assert(gso_finish_csum(merged, off, vh.csum_start, vh.csum_offset));
	ck_assert(gro_l4_csum_ok(merged, &lo));
	build(gro_vectors[_i].k, gro_vectors[_i].payload, 0x18);
	ck_assert_uint_eq(off, lo.hlen + gro_vectors[_i].payload);
	ck_assert_mem_eq(merged + lo.hlen, super + lo.hlen, gro_vectors[_i].payload);
	ck_assert_mem_eq(merged + lo.l4, super + lo.l4, 16); /* ports, seq, ack, flags, window */
	if (!lo.v6)
		ck_assert_uint_eq(csum_fold(csum_add(0, merged + lo.l3, 20)), 0);
}
END_TEST

START_TEST(gro_bad_checksum_never_merged)
{
	static struct gro g;
	struct iovec iov[GRO_MAX_SEGS + 1];
	size_t segs, n = segment_all(TCP4, 4000, 1000, 0x10);

	gro_init(&g, true);
	ck_assert_int_eq(gro_add(&g, wire[0], wire_len[0]), GRO_HELD);
	wire[1][60] ^= 0x01; /* corrupt one payload byte */
	ck_assert_int_eq(gro_add(&g, wire[1], wire_len[1]), GRO_PASS);
	ck_assert_uint_eq(g.bad_csum, 1);
	/* the next one no longer continues the batch (sequence gap) */
	ck_assert_int_eq(gro_add(&g, wire[2], wire_len[2]), GRO_FLUSH_FIRST);
	ck_assert_uint_eq(gro_flush(&g, iov, &segs), 2);
	ck_assert_uint_eq(segs, 1);
	ck_assert_uint_eq(iov[1].iov_len, wire_len[0]);
	ck_assert_uint_eq(n, 4);
}
END_TEST

START_TEST(gro_non_tcp_and_flags_pass)
{
	static struct gro g;
	struct gso_seg segs[8];
	struct vnet_hdr h = {.gso_type = VNET_GSO_UDP_L4, .gso_size = 1000};
	size_t len = build(UDP4, 2000, 0);

	ck_assert_uint_eq(gso_segment(super, len, &h, arena, STRIDE, PRE, segs, 8), 2);
	memcpy(wire[0], segs[0].hdr, segs[0].hdr_len);
	memcpy(wire[0] + segs[0].hdr_len, segs[0].payload, segs[0].payload_len);
	gro_init(&g, false); /* a TAP without USO: UDP is never merged */
	ck_assert_int_eq(gro_add(&g, wire[0], segs[0].hdr_len + 1000), GRO_PASS);
	/* SYN, FIN, RST: alone */
	segment_all(TCP4, 2000, 1000, 0x11);
	ck_assert_int_eq(gro_add(&g, wire[1], wire_len[1]), GRO_PASS); /* FIN on the last */
	segment_all(TCP4, 2000, 1000, 0x12);
	ck_assert_int_eq(gro_add(&g, wire[0], wire_len[0]), GRO_PASS); /* SYN */
	ck_assert_uint_eq(g.n, 0);
	ck_assert_int_eq(gro_add(&g, wire[0], 13), GRO_PASS); /* runt */
}
END_TEST

START_TEST(gro_flow_changes_and_short_segment)
{
	static struct gro g;
	struct iovec iov[GRO_MAX_SEGS + 1];
	static uint8_t other[2048];
	size_t segs, n = segment_all(TCP4, 2500, 1000, 0x10); /* 1000 1000 500 */
	struct pkt_layout lo;

	ck_assert_uint_eq(n, 3);
	gro_init(&g, true);
	ck_assert_int_eq(gro_add(&g, wire[0], wire_len[0]), GRO_HELD);
	/* same sequence continuation but another port: a different flow */
	memcpy(other, wire[1], wire_len[1]);
	ck_assert(pkt_layout(other, wire_len[1], &lo));
	put_be16(other + lo.l4, 40001);
	put_be16(other + lo.l4 + 16, 0);
	put_be16(other + lo.l4 + 16, csum_fold(csum_add(pkt_pseudo_sum(other, &lo, lo.end - lo.l4),
							other + lo.l4, lo.end - lo.l4)));
	ck_assert_int_eq(gro_add(&g, other, wire_len[1]), GRO_FLUSH_FIRST);
	ck_assert_int_eq(gro_add(&g, wire[1], wire_len[1]), GRO_HELD);
	ck_assert_int_eq(gro_add(&g, wire[2], wire_len[2]), GRO_HELD); /* short: closes */
	ck_assert_int_eq(gro_add(&g, wire[0], wire_len[0]), GRO_FLUSH_FIRST);
	ck_assert_uint_eq(gro_flush(&g, iov, &segs), 4);
	ck_assert_uint_eq(segs, 3);
	ck_assert_uint_eq(gro_flush(&g, iov, &segs), 0);
}
END_TEST

/* Cut a UDP super-frame into wire datagrams (wire[], wire_len[]). */
static size_t udp_segments(enum kind k, size_t payload, size_t mss)
{
	struct gso_seg segs[64];
	struct vnet_hdr h = {.gso_type = VNET_GSO_UDP_L4, .gso_size = (uint16_t)mss};
	size_t len = build(k, payload, 0);
	size_t n = gso_segment(super, len, &h, arena, STRIDE, PRE, segs, 64);

	for (size_t i = 0; i < n; i++) {
		memcpy(wire[i], segs[i].hdr, segs[i].hdr_len);
		memcpy(wire[i] + segs[i].hdr_len, segs[i].payload, segs[i].payload_len);
		wire_len[i] = segs[i].hdr_len + segs[i].payload_len;
	}
	return n;
}

START_TEST(gro_udp_roundtrip)
{
	static struct gro g;
	struct iovec iov[GRO_MAX_SEGS + 1];
	struct vnet_hdr vh;
	struct pkt_layout lo;
	enum kind k = _i == 0 ? UDP4 : UDP6;
	size_t n = udp_segments(k, 5000, 1400), cnt, segs, off = 0;
	static uint8_t merged[MAXF];

	ck_assert_uint_eq(n, 4);
	gro_init(&g, true);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(gro_add(&g, wire[i], wire_len[i]), GRO_HELD);
	cnt = gro_flush(&g, iov, &segs);
	ck_assert_uint_eq(segs, 4);
	vnet_hdr_decode(iov[0].iov_base, &vh);
	ck_assert_uint_eq(vh.gso_type, VNET_GSO_UDP_L4);
	ck_assert_uint_eq(vh.gso_size, 1400);
	ck_assert_uint_eq(vh.csum_offset, 6);
	for (size_t i = 0; i < cnt; i++) {
		size_t skip = i == 0 ? VNET_HDR_LEN : 0;
		memcpy(merged + off, (uint8_t *)iov[i].iov_base + skip, iov[i].iov_len - skip);
		off += iov[i].iov_len - skip;
	}
	ck_assert(pkt_layout(merged, off, &lo));
	ck_assert_uint_eq(lo.end, off);
	ck_assert_uint_eq(get_be16(merged + lo.l4 + 4), off - lo.l4); /* UDP length */
	ck_assert(gso_finish_csum(merged, off, vh.csum_start, vh.csum_offset));
	ck_assert(gro_l4_csum_ok(merged, &lo));
	/* and cut again the way the kernel will, it gives the same datagrams */
	{
		struct gso_seg again[8];
		struct vnet_hdr h2 = {.gso_type = VNET_GSO_UDP_L4, .gso_size = 1400};

		ck_assert_uint_eq(gso_segment(merged, off, &h2, arena, STRIDE, PRE, again, 8), 4);
		for (size_t i = 0; i < 4; i++) {
			ck_assert_uint_eq(again[i].hdr_len + again[i].payload_len, wire_len[i]);
			ck_assert_mem_eq(again[i].payload, wire[i] + again[i].hdr_len,
					 again[i].payload_len);
			ck_assert_mem_eq(again[i].hdr + lo.l4, wire[i] + lo.l4, 8);
		}
	}
}
END_TEST

/* IPv4 UDP without DF joins only on consecutive IP ids; a zero (absent)
 * checksum never joins. */
START_TEST(gro_udp_ids_and_zero_checksum)
{
	static struct gro g;
	struct iovec iov[GRO_MAX_SEGS + 1];
	struct pkt_layout lo;
	size_t segs, n = udp_segments(UDP4, 4000, 1000);

	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++) {
		ck_assert(pkt_layout(wire[i], wire_len[i], &lo));
		put_be16(wire[i] + lo.l3 + 6, 0); /* DF off */
		if (i == 2)
			put_be16(wire[i] + lo.l3 + 4, 0x7777); /* an id out of line */
	}
	gro_init(&g, true);
	ck_assert_int_eq(gro_add(&g, wire[0], wire_len[0]), GRO_HELD);
	ck_assert_int_eq(gro_add(&g, wire[1], wire_len[1]), GRO_HELD);
	ck_assert_int_eq(gro_add(&g, wire[2], wire_len[2]), GRO_FLUSH_FIRST);
	ck_assert_uint_eq(gro_flush(&g, iov, &segs), 3);
	ck_assert_uint_eq(segs, 2);
	put_be16(wire[3] + lo.l4 + 6, 0); /* no checksum */
	ck_assert_int_eq(gro_add(&g, wire[3], wire_len[3]), GRO_PASS);
}
END_TEST

/* What a kernel vxlan node over veth sends: the pseudo-header sum left in
 * the checksum field for hardware that never finishes it. */
static void make_partial(uint8_t *f, size_t len)
{
	struct pkt_layout lo;
	size_t off;

	ck_assert(pkt_layout(f, len, &lo));
	off = lo.l4 + (lo.proto == 6 ? 16 : 6);
	put_be16(f + off, (uint16_t)~csum_fold(pkt_pseudo_sum(f, &lo, lo.end - lo.l4)));
}

START_TEST(partial_checksums_finished_only_when_partial)
{
	static uint8_t copy[2048];
	struct pkt_layout lo;
	size_t n = segment_all(TCP4, 2000, 1000, 0x10);

	ck_assert_uint_eq(n, 2);
	/* verifies: left alone */
	memcpy(copy, wire[0], wire_len[0]);
	ck_assert(!pkt_fix_partial(wire[0], wire_len[0]));
	ck_assert_mem_eq(copy, wire[0], wire_len[0]);
	/* partial: finished, and then it verifies */
	make_partial(wire[0], wire_len[0]);
	ck_assert(pkt_fix_partial(wire[0], wire_len[0]));
	ck_assert(pkt_layout(wire[0], wire_len[0], &lo));
	ck_assert(gro_l4_csum_ok(wire[0], &lo));
	ck_assert_mem_eq(copy, wire[0], wire_len[0]);
	/* simply wrong: left alone for the stack to drop */
	wire[1][100] ^= 0x40;
	memcpy(copy, wire[1], wire_len[1]);
	ck_assert(!pkt_fix_partial(wire[1], wire_len[1]));
	ck_assert_mem_eq(copy, wire[1], wire_len[1]);
	/* IPv4 UDP without a checksum: nothing to do */
	n = udp_segments(UDP4, 1000, 1000);
	ck_assert(pkt_layout(wire[0], wire_len[0], &lo));
	put_be16(wire[0] + lo.l4 + 6, 0);
	ck_assert(!pkt_fix_partial(wire[0], wire_len[0]));
	ck_assert_uint_eq(get_be16(wire[0] + lo.l4 + 6), 0);
	/* IPv6 UDP partial: finished too */
	n = udp_segments(UDP6, 1000, 1000);
	make_partial(wire[0], wire_len[0]);
	ck_assert(pkt_fix_partial(wire[0], wire_len[0]));
	ck_assert(!pkt_fix_partial(wire[0], wire_len[0]));
	(void)n;
}
END_TEST

START_TEST(gro_finishes_partial_then_merges)
{
	static struct gro g;
	struct iovec iov[GRO_MAX_SEGS + 1];
	size_t segs, n = segment_all(TCP4, 3000, 1000, 0x10);

	ck_assert_uint_eq(n, 3);
	for (size_t i = 0; i < n; i++)
		make_partial(wire[i], wire_len[i]);
	gro_init(&g, true);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(gro_add(&g, wire[i], wire_len[i]), GRO_HELD);
	ck_assert_uint_eq(g.finished, 3);
	ck_assert_uint_eq(g.bad_csum, 0);
	ck_assert_uint_eq(gro_flush(&g, iov, &segs), 4);
	ck_assert_uint_eq(segs, 3);
}
END_TEST

/* A kernel vxlan device's unsegmented tunnel super-packet: VXLAN header and
 * one inner frame filling the datagram. */
START_TEST(tunnel_super_detected)
{
	static uint8_t dg[MAXF + 8];
	struct vnet_hdr h;
	struct pkt_layout lo;
	size_t len = build(TCP4_OPTS, 20000, 0x10);
	size_t n, got;

	memcpy(dg + 8, super, len);
	memcpy(dg, (const uint8_t[]){0x08, 0, 0, 0, 0, 0, 1, 0}, 8);
	ck_assert(pkt_layout(super, len, &lo));
	got = gso_tunnel_super(dg, len + 8, 1464, &h);
	ck_assert_uint_eq(got, 1464);
	ck_assert_uint_eq(h.gso_type, VNET_GSO_TCPV4);
	ck_assert_uint_eq(h.gso_size, 1464 - lo.hlen);
	ck_assert_uint_eq(h.hdr_len, lo.hlen);
	ck_assert_uint_eq(h.csum_start, lo.l4);
	ck_assert_uint_eq(h.csum_offset, 16);
	ck_assert_uint_eq(h.flags, VNET_F_NEEDS_CSUM);
	/* and it cuts into frames of that size */
	{
		struct gso_seg segs[64];

		n = gso_segment(dg + 8, len, &h, arena, STRIDE, PRE, segs, 64);
		ck_assert_uint_eq(n, (20000 + h.gso_size - 1) / h.gso_size);
		ck_assert_uint_eq(segs[0].hdr_len + segs[0].payload_len, 1464);
	}
	/* not one: a frame that fits, plain VXLAN of another kind, a secure
	 * datagram, or UDP_SEGMENT runs (each frame shorter than the datagram) */
	ck_assert_uint_eq(gso_tunnel_super(dg, len + 8, len, &h), 0);
	ck_assert_uint_eq(gso_tunnel_super(dg, len + 7, 1464, &h), 0);
	dg[0] = 0xa4;
	ck_assert_uint_eq(gso_tunnel_super(dg, len + 8, 1464, &h), 0);
	dg[0] = 0x08;
	n = segment_all(TCP4, 3000, 1000, 0x10);
	memcpy(dg + 8, wire[0], wire_len[0]);
	memcpy(dg + 8 + wire_len[0], wire[1], wire_len[1]);
	ck_assert_uint_eq(gso_tunnel_super(dg, wire_len[0] + wire_len[1] + 8, 1000, &h), 0);
	(void)n;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gso");
	TCase *seg = tcase_create("segment");
	TCase *gro = tcase_create("coalesce");

	tcase_add_loop_test(seg, segment_vectors, 0,
			    (int)(sizeof(seg_vectors) / sizeof(seg_vectors[0])));
	tcase_add_test(seg, finish_csum_completes_partial);
	tcase_add_test(seg, vnet_hdr_roundtrip);
	tcase_add_test(seg, layout_rejects);
	tcase_add_test(seg, tunnel_super_detected);
	tcase_add_loop_test(gro, gro_roundtrip, 0,
			    (int)(sizeof(gro_vectors) / sizeof(gro_vectors[0])));
	tcase_add_test(gro, gro_bad_checksum_never_merged);
	tcase_add_test(gro, gro_non_tcp_and_flags_pass);
	tcase_add_test(gro, gro_flow_changes_and_short_segment);
	tcase_add_loop_test(gro, gro_udp_roundtrip, 0, 2);
	tcase_add_test(gro, gro_udp_ids_and_zero_checksum);
	tcase_add_test(gro, partial_checksums_finished_only_when_partial);
	tcase_add_test(gro, gro_finishes_partial_then_merges);
	suite_add_tcase(s, seg);
	suite_add_tcase(s, gro);
	return check_run(s);
}
